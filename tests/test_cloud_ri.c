/*
 * test_cloud_ri.c - buying the Reserved Instances of the AWS adapter's reserved pools
 * (core/cloud/ri.c, aws.c; issue 12).
 *
 * 1. Scripted server (tests/fake_cloud/cloudtest.h) with answers written from the EC2
 *    API reference (tests/live/fixtures/aws): a provision of 3 into a reserved pool that
 *    holds 3 instances (DescribeInstancesResponse.xml: 2 running + 1 pending) targets 6
 *    RIs; DescribeReservedInstancesResponse.xml holds 3 (2 active + 1 payment-pending; a
 *    retired 5 does not count), so 3 are bought.  Of the offerings in
 *    DescribeReservedInstancesOfferingsResponse.xml, by hand (total over the 8,760-hour
 *    term = fixedPrice + hourly recurring x 8760): b1f2... 300 + 0.02 x 8760 = 475.2,
 *    c0ffee... 250 + 0.03 x 8760 = 512.8, 2b7c... 475.2 (a tie with b1f2: the smaller id
 *    wins); the Marketplace resale, the 3-year, the convertible and the t3.small ones do
 *    not fit the request.  So 2b7c... is bought, 3 x 300 = 900 USD upfront, and the
 *    payload written ahead is "run=3,ct=TOKEN,ri=6".  Every request against the .params
 *    fixtures.
 * 2. The project's fake (moto 5.2.1 lacks PurchaseReservedInstancesOffering and
 *    DescribeReservedInstances: HTTP 500): `sculpt live --execute` with the policy that
 *    buys a reserved base of 3 per region buys one RI of 3 per region, Partial Upfront
 *    (the fake's price 0.28 x 0.1 x 8760 = 245.28 USD each), and launches 3 instances;
 *    killed with SIGKILL after its purchase went through (answer held back), then
 *    resumed from its journal: still one purchase per region, 3 instances; a purchase
 *    whose answer is lost inside a run is judged by reading the RIs again (one purchase);
 *    a dry run buys nothing.
 * 3. The budget guardrail counts the upfront price: with a cap of 100 USD per hour the
 *    provision (0.54 USD per hour of instances, 735.84 USD upfront) is refused whole,
 *    journaled "guard:budget_per_hour", nothing bought or launched.
 * 4. A dry run records the reservation it would buy: each region's provision is journaled
 *    with its upfront price (by hand: 3 x 0.28 x 0.1 x 8760 = 735.84 USD) and
 *    "ri:<region>:t3.micro:<offering>:3", the offering the --execute run then buys (the
 *    fake's record of the purchase), with no mutating call and nothing bought.
 * 5. After a resume the budget guardrail counts the upfront price already paid (read back
 *    from the journal): with a cap of 1000 USD per hour one region's purchase fits
 *    (4.32 + 0.54 + 735.84 = 740.70), a second in the same hour does not (+ 0.6 + 735.84
 *    > 1000); killed with SIGKILL after the first purchase went through, the resumed run
 *    buys nothing more and journals the second "guard:budget_per_hour".
 */
#define _GNU_SOURCE
#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#define FIX SC_SOURCE_DIR "/tests/live/fixtures/aws/"
#define RIJSON SC_SOURCE_DIR "/tests/live/aws-ri.json"
#define BUDGETJSON SC_SOURCE_DIR "/tests/live/aws-ri-budget.json"
#define BUDGET1000JSON SC_SOURCE_DIR "/tests/live/aws-ri-budget1000.json"
#define SECRET "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzEXAMPLEKEY"
#define AKID "AKIDSCULPTTEST"

#include "fake_cloud/cloudtest.h"

static void setup(void) { aws_suite_setup("cloud-ri", AKID, SECRET); }

static void teardown(void)
{
    fake_stop();
    suite_dir_remove();
}

TestSuite(cloud_ri, .init = setup, .fini = teardown);

Test(cloud_ri, requests_match_the_reference)
{
    server s;
    server_start(&s);
    script(&s, 200, NULL, FIX "DescribeInstancesResponse.xml");                 /* the pool */
    script(&s, 200, NULL, FIX "DescribeReservedInstancesResponse.xml");         /* held */
    script(&s, 200, NULL, FIX "DescribeReservedInstancesOfferingsResponse.xml"); /* price */
    script(&s, 200, NULL, FIX "DescribeReservedInstancesResponse.xml");         /* apply */
    script(&s, 200, NULL, FIX "DescribeReservedInstancesOfferingsResponse.xml");
    script(&s, 200, NULL, FIX "PurchaseReservedInstancesOfferingResponse.xml");
    script(&s, 200, NULL, FIX "RunInstancesResponse.xml");
    server_run(&s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(RIJSON, &sc, &err), SC_OK, "%s", err.msg);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .max_attempts = 1, .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, &err), SC_OK);
    sc_provider *p = NULL;
    cr_assert_eq(sc_provider_alloc(t, &cfg, &p, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PLAN_ID, "0123456789abcdef", &err),
                 SC_OK);
    sc_action up = {.kind = SC_ACTION_PROVISION, .app = 0, .region = 0, .type = 0,
                    .option = SC_PURCHASE_RESERVED, .count = 3, .to_region = -1,
                    .to_type = -1};
    sc_live_call lc = {.act = &up, .key = "3600000-0"};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK, "%s",
                 err.msg);
    /* the token: test_cloud_ec2.c's known answer for this plan, key and pool */
    cr_assert_str_eq(lc.payload, "run=3,ct=300aa877-2f80-52e0-9f34-2d5e341a8a80,ri=6");
    cr_assert_float_eq(lc.upfront_usd, 900.0, 1e-9, "3 x 300 USD");
    sc_live_call call = {.act = &up, .key = "3600000-0"};
    snprintf(call.payload, sizeof call.payload, "%s", lc.payload);
    p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &call, &err);
    sc_action_result res;
    memset(&res, 0, sizeof res);
    cr_assert_eq(sc_provider_apply(p, &up, 0, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(s.n_req, 7);
    check_params(s.req[1], FIX "DescribeReservedInstances.params");
    check_params(s.req[2], FIX "DescribeReservedInstancesOfferings.params");
    check_params(s.req[3], FIX "DescribeReservedInstances.params");
    check_params(s.req[4], FIX "DescribeReservedInstancesOfferings.params");
    check_params(s.req[5], FIX "PurchaseReservedInstancesOffering.params");
    check_params(s.req[6], FIX "RunInstances.params");
    const form_field fv[] = {
        {1, "Filter.1.Name", "instance-type"},
        {1, "Filter.1.Value.1", "t3.micro"},
        {1, "Filter.2.Name", "state"},
        {1, "Filter.2.Value.1", "active"},
        {1, "Filter.2.Value.2", "payment-pending"},
        {1, "Filter.3.Name", "product-description"},
        {1, "Filter.3.Value.1", "Linux/UNIX"},
        {1, "Filter.4.Name", "scope"},
        {1, "Filter.4.Value.1", "Region"},
        {2, "InstanceType", "t3.micro"},
        {2, "OfferingClass", "standard"},
        {2, "OfferingType", "Partial Upfront"},
        {2, "ProductDescription", "Linux/UNIX"},
        {2, "InstanceTenancy", "default"},
        {2, "MinDuration", "31536000"}, /* reserved_term 365d */
        {2, "MaxDuration", "31536000"},
        {2, "IncludeMarketplace", "false"},
        {2, "Filter.1.Name", "scope"},
        {2, "Filter.1.Value.1", "Region"},
        {5, "ReservedInstancesOfferingId", "2b7c9d0e-6666-4666-8666-666666666666"},
        {5, "InstanceCount", "3"},
        {6, "MinCount", "3"}};
    check_form(&s, fv, sizeof fv / sizeof fv[0]);
    for (int i = 0; i < s.n_req; i++) {
        cr_assert(strstr(s.req[i], "/us-east-1/ec2/aws4_request"), "request %d: scope", i);
        cr_assert_null(strstr(s.req[i], SECRET));
    }
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);
}

/* The fake's Reserved Instances as (purchases, instances) in region. */
static void fake_ri(const char *region, int *purchases, int *count)
{
    char *t = fake_get("state");
    cr_assert_not_null(t);
    cJSON *j = cJSON_Parse(t);
    free(t);
    *purchases = *count = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "ri"))
    {
        if (strcmp(cJSON_GetObjectItem(it, "region")->valuestring, region) != 0)
            continue;
        (*purchases)++;
        *count += cJSON_GetObjectItem(it, "count")->valueint;
        cr_assert_str_eq(cJSON_GetObjectItem(it, "otype")->valuestring, "Partial Upfront");
        cr_assert_str_eq(cJSON_GetObjectItem(it, "cls")->valuestring, "standard");
        cr_assert_eq(cJSON_GetObjectItem(it, "duration")->valueint, 31536000);
        cr_assert_str_eq(cJSON_GetObjectItem(it, "scope")->valuestring, "Region");
        cr_assert_float_eq(cJSON_GetObjectItem(it, "fixed")->valuedouble, 245.28, 1e-9);
    }
    cJSON_Delete(j);
}

/* The offering the fake sold in region ("" when none). */
static void fake_ri_offering(const char *region, char *out, size_t cap)
{
    char *t = fake_get("state");
    cr_assert_not_null(t);
    cJSON *j = cJSON_Parse(t);
    free(t);
    out[0] = '\0';
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "ri"))
    {
        if (strcmp(cJSON_GetObjectItem(it, "region")->valuestring, region) == 0)
            snprintf(out, cap, "%s", cJSON_GetObjectItem(it, "offering")->valuestring);
    }
    cJSON_Delete(j);
}

/* The journal's intent line whose commits name region's Reserved Instances: its upfront
 * price, offering id and count (0 when there is none). */
static int journal_ri(const char *journal, const char *region, double *usd, char *offering,
                      size_t cap, int *count)
{
    char tag[96];
    snprintf(tag, sizeof tag, " ri:%s:t3.micro:", region);
    for (const char *ln = journal; ln && *ln; ln = strchr(ln, '\n') ? strchr(ln, '\n') + 1 : NULL) {
        const char *hit = strstr(ln, tag), *eol = strchr(ln, '\n');
        if (ln[0] != 'I' || !hit || (eol && hit > eol))
            continue;
        /* "... <payload> <upfront> ri:<region>:<type>:<offering>:<count>" */
        const char *up = hit; /* hit is the space before the commits */
        while (up > ln && up[-1] != ' ')
            up--;
        *usd = strtod(up, NULL);
        const char *id = hit + strlen(tag), *colon = strchr(id, ':');
        cr_assert_not_null(colon);
        snprintf(offering, cap, "%.*s", (int)(colon - id), id);
        *count = atoi(colon + 1);
        return 1;
    }
    return 0;
}

static int fake_pool_running(const char *pool)
{
    char *t = fake_get("state");
    cJSON *j = cJSON_Parse(t);
    free(t);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "ec2"))
    {
        const cJSON *p = cJSON_GetObjectItem(it, "pool"), *s = cJSON_GetObjectItem(it, "state");
        n += cJSON_IsString(p) && strcmp(p->valuestring, pool) == 0 &&
             strcmp(s->valuestring, "running") == 0;
    }
    cJSON_Delete(j);
    return n;
}

static void live_args(char *args, size_t cap, const char *json, const char *extra)
{
    snprintf(args, cap,
             "%s --provider aws --policy hpa-reserved --endpoint http://127.0.0.1:%d/ %s "
             "--clock fast:1e9 --until 2h --journal %s/j --json",
             json, fake_port, extra, dir);
}

Test(cloud_ri, bought_once_per_region, .timeout = 120)
{
    fake_start("--initial sculpt-web-us-east-1=8 --initial sculpt-web-eu-west-1=4");
    char args[1024];
    live_args(args, sizeof args, RIJSON, "");
    cr_assert_eq(sculpt(args, "dry"), 0, "dry run: see %s/dry.err", dir);
    int np, nc;
    fake_ri("us-east-1", &np, &nc);
    cr_assert_eq(np, 0, "a dry run buys nothing");
    cr_assert_eq(json_num("dry", "mutating"), 0);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 0);
    char jp[300];
    snprintf(jp, sizeof jp, "%s/j", dir);
    /* the dry run's journal names the purchase it would make */
    const char *regions[] = {"us-east-1", "eu-west-1"};
    char planned[2][128];
    char *dj = slurp(jp);
    for (int r = 0; r < 2; r++) {
        double usd = 0;
        int n = 0;
        cr_assert(journal_ri(dj, regions[r], &usd, planned[r], sizeof planned[r], &n),
                  "%s: the reservation in the dry run's journal: %s", regions[r], dj);
        cr_assert_float_eq(usd, 735.84, 1e-6, "%s: 3 x 245.28 USD: %s", regions[r], dj);
        cr_assert_eq(n, 3, "%s: the reserved base", regions[r]);
        cr_assert(strlen(planned[r]) > 0);
    }
    cr_assert(strstr(dj, " dry-run\n"), "skipped as a dry run: %s", dj);
    free(dj);
    unlink(jp);
    /* the purchase in eu-west-1 loses its answer: the RIs are read again, no repeat */
    fake_fault("{\"action\": \"PurchaseReservedInstancesOffering\", \"after\": true, "
               "\"drop\": true, \"times\": 1}");
    live_args(args, sizeof args, RIJSON, "--execute");
    int rc = sculpt(args, "run");
    char ep[300];
    snprintf(ep, sizeof ep, "%s/run.err", dir);
    cr_assert_eq(rc, 0, "%s", slurp(ep));
    for (int r = 0; r < 2; r++) {
        fake_ri(regions[r], &np, &nc);
        cr_assert_eq(np, 1, "%s: one purchase", regions[r]);
        char bought[128];
        fake_ri_offering(regions[r], bought, sizeof bought);
        cr_assert_str_eq(bought, planned[r], "%s: the offering the dry run named", regions[r]);
        cr_assert_eq(nc, 3, "%s: the reserved base", regions[r]);
        char pool[64];
        snprintf(pool, sizeof pool, "sculpt-web-%s", regions[r]);
        cr_assert_eq(fake_pool_running(pool), 3);
    }
    char *j = slurp(jp);
    cr_assert(strstr(j, ",ri=3 "), "the RI target written ahead: %s", j);
    free(j);
    /* a rerun on the finished journal makes no call */
    cr_assert_eq(sculpt(args, "again"), 0);
    cr_assert_eq(json_num("again", "mutating"), 0);
}

Test(cloud_ri, killed_after_the_purchase_resumes_without_buying_again, .timeout = 180)
{
    fake_start("--initial sculpt-web-us-east-1=8 --initial sculpt-web-eu-west-1=4");
    fake_fault("{\"action\": \"PurchaseReservedInstancesOffering\", \"after\": true, "
               "\"delay_s\": 30}");
    char args[1024], cmd[2048];
    live_args(args, sizeof args, RIJSON, "--execute");
    snprintf(cmd, sizeof cmd, "%s live %s > %s/k.out 2> %s/k.err & echo $! > %s/k.pid",
             SC_SCULPT_BIN, args, dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    int np = 0, nc = 0;
    for (int i = 0; i < 400 && np == 0; i++) {
        usleep(50000);
        fake_ri("us-east-1", &np, &nc);
    }
    cr_assert_eq(np, 1, "the purchase went through (see %s/k.err)", dir);
    char pidf[300];
    snprintf(pidf, sizeof pidf, "%s/k.pid", dir);
    char *pt = slurp(pidf);
    cr_assert_eq(kill((pid_t)atoi(pt), SIGKILL), 0);
    free(pt);
    usleep(100000);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 0, "killed before RunInstances");
    int rc = sculpt(args, "resume");
    char ep[300];
    snprintf(ep, sizeof ep, "%s/resume.err", dir);
    cr_assert_eq(rc, 0, "%s", slurp(ep));
    cr_assert_geq(json_num("resume", "retries"), 1, "the call in flight was repeated");
    fake_ri("us-east-1", &np, &nc);
    cr_assert_eq(np, 1, "not bought twice");
    cr_assert_eq(nc, 3);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 3);
    fake_ri("eu-west-1", &np, &nc);
    cr_assert_eq(np, 1);
}

Test(cloud_ri, budget_counts_the_upfront_price, .timeout = 120)
{
    fake_start("--initial sculpt-web-us-east-1=8 --initial sculpt-web-eu-west-1=4");
    char args[1024];
    live_args(args, sizeof args, BUDGETJSON, "--execute");
    int rc = sculpt(args, "run");
    char ep[300];
    snprintf(ep, sizeof ep, "%s/run.err", dir);
    cr_assert_eq(rc, 0, "%s", slurp(ep));
    int np, nc;
    for (int r = 0; r < 2; r++) {
        const char *region = r ? "eu-west-1" : "us-east-1";
        fake_ri(region, &np, &nc);
        cr_assert_eq(np, 0, "%s: over the budget, nothing bought", region);
        char pool[64];
        snprintf(pool, sizeof pool, "sculpt-web-%s", region);
        cr_assert_eq(fake_pool_running(pool), 0, "%s: the provision refused whole", region);
    }
    char jp[300];
    snprintf(jp, sizeof jp, "%s/j", dir);
    char *j = slurp(jp);
    cr_assert(strstr(j, " guard:budget_per_hour"), "the rule is journaled: %s", j);
    free(j);
}

/* Bad input in $.live.reservations: exit 2, the file and JSON path named, no journal. */
Test(cloud_ri, bad_section_is_input_error, .timeout = 60)
{
    char *src = slurp(RIJSON);
    cr_assert_not_null(src);
    const char *cases[][2] = {{"\"Partial Upfront\"", "$.live.reservations.offering_type"},
                              {"\"Partial Upfront\", \"scope\": \"zone\"",
                               "$.live.reservations.scope"},
                              {"\"Partial Upfront\", \"buy_now\": true", "buy_now"}};
    for (size_t i = 0; i < 3; i++) {
        /* the traces by absolute path, the section edited */
        char path[300], *txt = malloc(strlen(src) + 4096);
        snprintf(path, sizeof path, "%s/bad%zu.json", dir, i);
        const char *at = strstr(src, "\"Partial Upfront\"");
        cr_assert_not_null(at);
        size_t pre = (size_t)(at - src);
        const char *repl = i == 0 ? "\"Some Upfront\"" : cases[i][0];
        sprintf(txt, "%.*s%s%s", (int)pre, src, repl, at + strlen("\"Partial Upfront\""));
        char *csv;
        while ((csv = strstr(txt, "\"ramp.csv\""))) {
            char tail[65536];
            snprintf(tail, sizeof tail, "%s", csv + strlen("\"ramp.csv\""));
            sprintf(csv, "\"%s/tests/live/ramp.csv\"%s", SC_SOURCE_DIR, tail);
        }
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fputs(txt, f);
        fclose(f);
        free(txt);
        char args[1024], tag[16], ep[300], jp[300];
        snprintf(jp, sizeof jp, "%s/jbad%zu", dir, i);
        snprintf(args, sizeof args,
                 "%s --provider aws --policy hpa-reserved --endpoint http://127.0.0.1:9/ "
                 "--execute --journal %s --json",
                 path, jp);
        snprintf(tag, sizeof tag, "bad%zu", i);
        cr_assert_eq(sculpt(args, tag), 2, "case %zu", i);
        snprintf(ep, sizeof ep, "%s/%s.err", dir, tag);
        char *e = slurp(ep);
        cr_assert(strstr(e, cases[i][1]) && strstr(e, path), "case %zu: %s", i, e);
        free(e);
        cr_assert_neq(access(jp, F_OK), 0, "no journal written");
    }
    free(src);
}

Test(cloud_ri, resume_counts_the_upfront_already_paid, .timeout = 180)
{
    fake_start("--initial sculpt-web-us-east-1=8 --initial sculpt-web-eu-west-1=4");
    fake_fault("{\"action\": \"PurchaseReservedInstancesOffering\", \"after\": true, "
               "\"delay_s\": 30}");
    char args[1024], cmd[2048];
    live_args(args, sizeof args, BUDGET1000JSON, "--execute");
    snprintf(cmd, sizeof cmd, "%s live %s > %s/k.out 2> %s/k.err & echo $! > %s/k.pid",
             SC_SCULPT_BIN, args, dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    int np = 0, nc = 0, ne = 0;
    for (int i = 0; i < 400 && np + ne == 0; i++) {
        usleep(50000);
        fake_ri("us-east-1", &np, &nc);
        fake_ri("eu-west-1", &ne, &nc);
    }
    cr_assert_eq(np + ne, 1, "one purchase went through (see %s/k.err)", dir);
    char pidf[300];
    snprintf(pidf, sizeof pidf, "%s/k.pid", dir);
    char *pt = slurp(pidf);
    cr_assert_eq(kill((pid_t)atoi(pt), SIGKILL), 0);
    free(pt);
    usleep(100000);
    int rc = sculpt(args, "resume");
    char ep[300];
    snprintf(ep, sizeof ep, "%s/resume.err", dir);
    cr_assert_eq(rc, 0, "%s", slurp(ep));
    int np2, ne2;
    fake_ri("us-east-1", &np2, &nc);
    fake_ri("eu-west-1", &ne2, &nc);
    cr_assert_eq(np2 + ne2, 1, "no second purchase past the cap after the resume");
    cr_assert_eq(np2, np);
    char jp[300];
    snprintf(jp, sizeof jp, "%s/j", dir);
    char *j = slurp(jp);
    cr_assert(strstr(j, " guard:budget_per_hour"), "the second refused: %s", j);
    free(j);
}
