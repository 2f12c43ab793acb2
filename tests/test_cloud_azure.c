/*
 * test_cloud_azure.c - the Azure adapter (core/cloud/azure.c) against the project's
 * fault-injecting fake (tests/fake_cloud/fake_cloud.py on 127.0.0.1, stopped by pid).
 *
 * 1. `sculpt live --provider azure --execute` with routing 'latency': the scale sets end at
 *    the capacities the journal records (initial + net accepted), the Traffic Manager
 *    endpoints where a hand derivation from the latency table puts them (g: eastus 255,
 *    westeurope disabled; h: the reverse), every request matches the fixtures written
 *    from the published references (tests/live/fixtures/azure: token grant, pinned
 *    api-versions, body shapes), a rerun replays without a mutating call, and the client
 *    secret and the bearer tokens appear in no output, journal or error.
 * 2. Faults through the adapter's C interface: 429 with Retry-After 1 (the wait is >= 1 s
 *    and counted as a throttle), 503, a dropped connection and a slow answer are retried;
 *    an async operation that ends Failed is an error with the operation's code and
 *    message and the capacity is unchanged; a wrong secret is refused (invalid_client)
 *    without the secret in the message.
 * 3. Bad input: missing credentials, missing resource group, a non-loopback http
 *    endpoint, --bootstrap against a non-loopback endpoint: exit 2, no journal written.
 * 4. --bootstrap against the fake in --strict mode (only the sets it is told of exist):
 *    the four missing sets (on demand and spot, two regions) are created with PUT +
 *    If-None-Match: * as vmss-create.spec (from the reference) says, at the scenario's
 *    initial capacities (8 and 4 on demand, 0 spot), the spot ones with Spot priority;
 *    a rerun creates none.
 * 6. Instance states (see the end): a set at capacity 5 whose instances the fake reports,
 *    two per page, as Failed, Deleting, Creating, Succeeded but deallocated, and one
 *    Succeeded and running serves 1, boots 1 and drains 1 (by hand from the mapping in
 *    azure.c's header); the set of 4 all running serves 4; every page requested as
 *    vmss-vms-list.spec (Virtual Machine Scale Set VMs - List, api-version 2024-07-01,
 *    $expand=instanceView) says: 3 + 2 pages; a provision of 2 still targets capacity 7.
 * 5. The 412 path end to end: a set made between the read and the create, and a create
 *    whose answer is lost and resent, are both answered 412 to If-None-Match: * and count
 *    as done (one creation each).
 */
#define _GNU_SOURCE
#include <sys/time.h>

#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#define AZJSON SC_SOURCE_DIR "/tests/live/azure.json"
#define AZFIX SC_SOURCE_DIR "/tests/live/fixtures/azure/"
#define SECRET "azSECRET-Zq8~Q.vX-sculpt-test-7f3k"

#include "fake_cloud/cloudtest.h"

static void setup(void)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    snprintf(dir, sizeof dir, "/tmp/sculpt-azure-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    setenv("AZURE_TENANT_ID", "72f988bf-86f1-41af-91ab-2d7cd011db47", 1);
    setenv("AZURE_CLIENT_ID", "11111111-2222-3333-4444-555555555555", 1);
    setenv("AZURE_CLIENT_SECRET", SECRET, 1);
    unsetenv("AZURE_SUBSCRIPTION_ID");
}

static void teardown(void)
{
    fake_stop();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(azure, .init = setup, .fini = teardown);

static const char *spec_of(const cJSON *r)
{
    const char *m = cJSON_GetObjectItem(r, "method")->valuestring;
    const char *p = cJSON_GetObjectItem(r, "path")->valuestring;
    if (strstr(p, "/oauth2/v2.0/token"))
        return AZFIX "token.spec";
    if (strstr(p, "trafficmanagerprofiles"))
        return AZFIX "tm-endpoint-update.spec";
    if (strstr(p, "/virtualMachines") && strcmp(m, "GET") == 0)
        return AZFIX "vmss-vms-list.spec";
    if (strstr(p, "virtualMachineScaleSets"))
        return strcmp(m, "PATCH") == 0 ? AZFIX "vmss-update.spec"
               : strcmp(m, "PUT") == 0 ? AZFIX "vmss-create.spec"
                                       : AZFIX "vmss-get.spec";
    return NULL; /* the async operation URL the service handed out */
}

static int state_int(const cJSON *st, const char *table, const char *name)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(st, table), name);
    cr_assert(cJSON_IsNumber(v), "%s.%s in the fake's state", table, name);
    return (int)v->valuedouble;
}

/* ---- 1. live against the fake ----------------------------------------------------- */

static int run_live(const char *extra, const char *tag)
{
    char args[2048];
    snprintf(args, sizeof args,
             "%s --provider azure --endpoint http://127.0.0.1:%d --clock fast:1e9 --until 30m "
             "--journal %s/j --json %s",
             AZJSON, fake_port, dir, extra);
    return sculpt(args, tag);
}

Test(azure, live_against_the_fake, .timeout = 300)
{
    fake_start("--secret " SECRET " --initial sculpt-web-eastus=8 --initial sculpt-web-westeurope=4");
    live_ok(run_live("--execute", "r1"), "r1", "sculpt live --provider azure");
    /* expected capacities from the journal: initial + net accepted per region */
    int want[2] = {8, 4};
    journal_capacities(want);
    cJSON *st = fake_json("state");
    cr_assert_eq(state_int(st, "vmss", "sculpt-web-eastus"), want[0]);
    cr_assert_eq(state_int(st, "vmss", "sculpt-web-westeurope"), want[1]);
    cr_assert(want[0] != 8 || want[1] != 4, "the run changed something");
    /* Traffic Manager, by hand from the latency table: g nearest eastus, h westeurope */
    const cJSON *tm = cJSON_GetObjectItem(st, "tm");
    const struct {
        const char *ep, *status;
        int weight;
    } tw[] = {{"sculpt-web-g/eastus", "Enabled", 255},
              {"sculpt-web-g/westeurope", "Disabled", -1},
              {"sculpt-web-h/westeurope", "Enabled", 255},
              {"sculpt-web-h/eastus", "Disabled", -1}};
    for (size_t i = 0; i < 4; i++) {
        const cJSON *e = cJSON_GetObjectItem(tm, tw[i].ep);
        cr_assert_not_null(e, "endpoint %s was set", tw[i].ep);
        cr_assert_str_eq(cJSON_GetObjectItem(e, "endpointStatus")->valuestring, tw[i].status);
        if (tw[i].weight > 0)
            cr_assert_eq(cJSON_GetObjectItem(e, "weight")->valueint, tw[i].weight);
    }
    cJSON_Delete(st);
    /* every request against the fixtures; one token for the whole run */
    cJSON *log = fake_json("log");
    int n_token = 0, n_patch = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log) {
        const char *spec = spec_of(r);
        if (spec)
            check_spec(r, spec);
        if (spec && strstr(spec, "token"))
            n_token++;
        if (strcmp(cJSON_GetObjectItem(r, "method")->valuestring, "PATCH") == 0)
            n_patch++;
    }
    cr_assert_eq(n_token, 1, "the token is reused until it nears expiry");
    cr_assert_eq(json_num("r1", "mutating"), n_patch, "one PATCH per mutating call");
    cJSON_Delete(log);
    /* a rerun replays */
    cr_assert_eq(run_live("--execute", "r2"), 0);
    cr_assert_eq(json_num("r2", "mutating"), 0);
    /* neither the secret nor a token in any file sculpt wrote */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "grep -l -e '%s' -e 'tok-' %s/j %s/r1.* %s/r2.*", SECRET, dir, dir,
             dir);
    cr_assert_neq(system(cmd), 0, "a secret or token leaked into an output file");
}

/* ---- 2. faults -------------------------------------------------------------------- */

static sc_provider *azure_at(int port, sc_scenario **scp, sc_status *st, sc_error *err)
{
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(AZJSON, &sc, err), SC_OK);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", port);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .max_attempts = 6,
                           .backoff_base_ms = 5, .backoff_cap_ms = 20, .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("azure", &t, err), SC_OK, "azure is built");
    sc_provider *p = NULL;
    *st = sc_provider_alloc(t, &cfg, &p, err);
    *scp = sc;
    return p;
}

static double now_s(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

Test(azure, faults_are_retried_or_reported, .timeout = 120)
{
    fake_start("--secret " SECRET " --initial sculpt-web-eastus=8 --initial sculpt-web-westeurope=4");
    sc_scenario *sc;
    sc_error err;
    sc_status st;
    sc_provider *p = azure_at(fake_port, &sc, &st, &err);
    cr_assert_eq(st, SC_OK, "%s", err.msg);
    fake_fault("{\"method\": \"GET\", \"path\": \"westeurope$\", \"status\": 503}");
    fake_fault("{\"method\": \"PATCH\", \"path\": \"virtualMachineScaleSets\", \"status\": 429,"
               " \"headers\": {\"Retry-After\": \"1\"}, \"body\": {\"error\": {\"code\": "
               "\"TooManyRequests\"}}}");
    fake_fault("{\"method\": \"PATCH\", \"path\": \"virtualMachineScaleSets\", \"drop\": true}");
    fake_fault("{\"method\": \"PATCH\", \"path\": \"virtualMachineScaleSets\", \"delay_s\": 0.3,"
               " \"status\": 503}");
    sc_action act = {.kind = SC_ACTION_PROVISION, .app = 0, .region = 0, .type = 0,
                     .option = SC_PURCHASE_ONDEMAND, .count = 3, .to_region = -1, .to_type = -1};
    sc_live_call lc = {.act = &act, .key = "1-0"};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_str_eq(lc.payload, "capacity=11");
    p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, &err);
    double t0 = now_s();
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_OK, "%s", err.msg);
    double dt = now_s() - t0;
    cr_assert_eq(res.accepted, 3);
    cr_assert_geq(dt, 1.0, "Retry-After: 1 honoured (waited %.2f s)", dt);
    sc_cloud_stats cs;
    p->type->ctrl(p->state, SC_PROVIDER_CTRL_CLOUD_STATS, &cs, &err);
    /* the fake saw every attempt: GET westeurope twice (503, then the answer), PATCH four
     * times (429, dropped, slow 503, accepted).  The adapter counts 3 or 4 retries: a
     * connection dropped after a keep-alive reuse is re-sent by libcurl itself */
    cJSON *log = fake_json("log");
    int n_patch = 0, n_we = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log) {
        const char *m = cJSON_GetObjectItem(r, "method")->valuestring;
        const char *pa = cJSON_GetObjectItem(r, "path")->valuestring;
        n_patch += strcmp(m, "PATCH") == 0;
        n_we += strcmp(m, "GET") == 0 && strstr(pa, "/sculpt-web-westeurope") &&
                !strstr(pa, "-spot") && !strstr(pa, "/virtualMachines"); /* the set's GET */
    }
    cJSON_Delete(log);
    cr_assert_eq(n_patch, 4, "429, dropped, slow 503, then accepted");
    cr_assert_eq(n_we, 2, "503, then the answer");
    cr_assert(cs.retries == 3 || cs.retries == 4, "%ld retries", cs.retries);
    cr_assert_eq(cs.throttles, 3, "503, 429, 503 are 'slow down' answers for Azure");
    cJSON *s = fake_json("state");
    cr_assert_eq(state_int(s, "vmss", "sculpt-web-eastus"), 11);
    cr_assert_eq(state_int(cJSON_GetObjectItem(s, "changes") ? s : s, "changes",
                           "sculpt-web-eastus"),
                 1, "the change applied once");
    cJSON_Delete(s);
    /* an async operation that ends Failed */
    fake_fault("{\"async\": \"Failed\"}");
    act.count = 2;
    snprintf(lc.payload, sizeof lc.payload, "capacity=13");
    p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, &err);
    cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_ERR_IO);
    cr_assert(strstr(err.msg, "ended Failed") && strstr(err.msg, "OperationNotAllowed") &&
                  strstr(err.msg, "quota"),
              "%s", err.msg);
    s = fake_json("state");
    cr_assert_eq(state_int(s, "vmss", "sculpt-web-eastus"), 11, "unchanged");
    cJSON_Delete(s);
    sc_provider_free(p);
    sc_scenario_free(sc);
    /* a wrong secret */
    setenv("AZURE_CLIENT_SECRET", "not-the-secret-0123", 1);
    p = azure_at(fake_port, &sc, &st, &err);
    cr_assert_eq(st, SC_OK);
    sc_pool_state one;
    st = sc_provider_describe(p, 0, 0, 0, SC_PURCHASE_ONDEMAND, &one, &err);
    cr_assert_eq(st, SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "invalid_client"), "%s", err.msg);
    cr_assert_null(strstr(err.msg, "not-the-secret"));
    cr_assert_null(strstr(err.where, "not-the-secret"));
    sc_provider_free(p);
    sc_scenario_free(sc);
}

/* ---- 3. bad input ------------------------------------------------------------------ */

Test(azure, bad_input)
{
    char a[2048], cmd[4096], p[512];
    struct {
        const char *env, *args, *want;
    } cases[] = {
        {"env -u AZURE_CLIENT_SECRET", "--endpoint http://127.0.0.1:9", "missing credentials"},
        {"env", "--endpoint http://example.com", "loopback"},
        {"env", "--endpoint https://example.com --execute --bootstrap", "--bootstrap"},
        {"env", "--endpoint 127.0.0.1:9", "http:// or https://"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(a, sizeof a, "%s %s --provider azure --journal %s/j", AZJSON, cases[i].args,
                 dir);
        snprintf(cmd, sizeof cmd, "%s %s live %s > /dev/null 2> %s/bad.err", cases[i].env,
                 SC_SCULPT_BIN, a, dir);
        int rc = system(cmd);
        cr_assert_eq(WEXITSTATUS(rc), 2, "%s", cases[i].args);
        snprintf(p, sizeof p, "%s/bad.err", dir);
        char *e = slurp(p);
        cr_assert(strstr(e, cases[i].want), "%s: %s", cases[i].args, e);
        cr_assert_null(strstr(e, SECRET));
        free(e);
        snprintf(p, sizeof p, "%s/j", dir);
        struct stat sb;
        cr_assert_neq(stat(p, &sb), 0, "journal written on bad input");
    }
    /* no resource group */
    char *txt = slurp(AZJSON);
    char *rg = strstr(txt, "\"resource_group\"");
    cr_assert_not_null(rg);
    memcpy(rg, "\"_comment_rg___\"", 16);
    snprintf(p, sizeof p, "%s/norg.json", dir);
    FILE *fp = fopen(p, "w");
    fputs(txt, fp);
    fclose(fp);
    free(txt);
    snprintf(cmd, sizeof cmd, "cp %s/tests/live/ramp.csv %s/", SC_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider azure --endpoint http://127.0.0.1:9 --journal %s/j "
             "> /dev/null 2> %s/bad.err",
             SC_SCULPT_BIN, p, dir, dir);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
    snprintf(p, sizeof p, "%s/bad.err", dir);
    char *e = slurp(p);
    cr_assert(strstr(e, "resource_group"), "%s", e);
    free(e);
}

/* ---- 4. bootstrap ------------------------------------------------------------------- */

static int count_method(const char *method)
{
    cJSON *log = fake_json("log");
    int n = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log) n += strcmp(cJSON_GetObjectItem(r, "method")->valuestring,
                                           method) == 0;
    cJSON_Delete(log);
    return n;
}

Test(azure, bootstrap_creates_missing_sets_once, .timeout = 300)
{
    /* westeurope's spot set exists already; PUTs of it would be refused with 412 */
    fake_start("--strict --secret " SECRET " --initial sculpt-web-westeurope-spot=0");
    live_ok(run_live("--execute --bootstrap", "b1"), "b1", "bootstrap run");
    cJSON *st = fake_json("state");
    const cJSON *created = cJSON_GetObjectItem(st, "created");
    cr_assert_eq(cJSON_GetArraySize(created), 3, "three sets were missing");
    const struct {
        const char *name, *prio;
        int cap;
    } want[] = {{"sculpt-web-eastus", "Regular", 8},
                {"sculpt-web-eastus-spot", "Spot", 0},
                {"sculpt-web-westeurope", "Regular", 4}};
    for (size_t i = 0; i < 3; i++) {
        const cJSON *d = cJSON_GetObjectItem(created, want[i].name);
        cr_assert_not_null(d, "%s created", want[i].name);
        cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(d, "sku"), "capacity")->valuedouble,
                     want[i].cap, "%s", want[i].name);
        const cJSON *vm = cJSON_GetObjectItem(cJSON_GetObjectItem(d, "properties"),
                                              "virtualMachineProfile");
        cr_assert_str_eq(cJSON_GetObjectItem(vm, "priority")->valuestring, want[i].prio);
        cr_assert_str_eq(cJSON_GetObjectItem(d, "location")->valuestring,
                         strstr(want[i].name, "eastus") ? "eastus" : "westeurope");
    }
    cJSON_Delete(st);
    /* every request as the references say (the PUTs against vmss-create.spec) */
    cJSON *log = fake_json("log");
    int puts = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log)
    {
        const char *spec = spec_of(r);
        if (spec)
            check_spec(r, spec);
        puts += strcmp(cJSON_GetObjectItem(r, "method")->valuestring, "PUT") == 0;
    }
    cJSON_Delete(log);
    cr_assert_eq(puts, 3);
    /* a rerun (a fresh journal) finds every set: no PUT */
    char p[512];
    snprintf(p, sizeof p, "%s/j", dir);
    unlink(p);
    int rc = run_live("--execute --bootstrap", "b2");
    cr_assert_eq(rc, 0);
    cr_assert_eq(count_method("PUT"), 3, "the rerun created nothing");
}

/* The 412 path end to end (issue 12): `sculpt live --execute --bootstrap` against the
 * fake in --strict mode, where
 *  - westeurope's spot set exists, but its first GET answers 404 (made by someone else
 *    between the read and the create): the PUT with If-None-Match: * is answered 412
 *    PreconditionFailed (Azure Resource Manager's answer to a failed If-None-Match, per
 *    "Optimistic concurrency" in the ARM reference), which counts as done: the set is not
 *    created again and the run goes on;
 *  - eastus's on-demand set is created by a PUT whose answer is lost (the fake applies
 *    it, then drops the connection): the client resends the same PUT, the fake answers
 *    412, and that counts as done: one creation, two PUTs.
 * The run ends at exit 0 with the journal's capacities in both sets. */
Test(azure, bootstrap_412_is_done, .timeout = 300)
{
    fake_start("--strict --secret " SECRET " --initial sculpt-web-westeurope-spot=0");
    fake_fault("{\"method\": \"GET\", \"path\": \"sculpt-web-westeurope-spot$\", \"status\": 404, "
               "\"body\": {\"error\": {\"code\": \"ResourceNotFound\", \"message\": \"not yet\"}}}");
    fake_fault("{\"method\": \"PUT\", \"path\": \"sculpt-web-eastus$\", \"after\": true, "
               "\"drop\": true}");
    int rc = run_live("--execute --bootstrap", "b412");
    char p[512];
    snprintf(p, sizeof p, "%s/b412.err", dir);
    cr_assert_eq(rc, 0, "bootstrap run failed (%d): %s", rc, slurp(p));
    char *t = fake_get("state");
    cJSON *st = cJSON_Parse(t);
    free(t);
    const cJSON *created = cJSON_GetObjectItem(st, "created");
    cr_assert_eq(cJSON_GetArraySize(created), 3, "the three missing sets, each once");
    cr_assert_null(cJSON_GetObjectItem(created, "sculpt-web-westeurope-spot"),
                   "the existing set was not created again");
    cr_assert_eq(state_int(st, "changes", "sculpt-web-eastus") >= 1, 1);
    cJSON_Delete(st);
    /* PUTs per set from the log: eastus twice (the resend), westeurope-spot once (412),
     * the other two once */
    t = fake_get("log");
    cJSON *log = cJSON_Parse(t);
    free(t);
    int puts_east = 0, puts_we_spot = 0, puts = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log)
    {
        if (strcmp(cJSON_GetObjectItem(r, "method")->valuestring, "PUT") != 0)
            continue;
        const char *path = cJSON_GetObjectItem(r, "path")->valuestring;
        const cJSON *h = cJSON_GetObjectItem(r, "headers");
        const cJSON *inm = cJSON_GetObjectItem(h, "If-None-Match");
        cr_assert(cJSON_IsString(inm) && strcmp(inm->valuestring, "*") == 0,
                  "every create carries If-None-Match: *");
        size_t l = strlen(path);
        puts++;
        puts_east += l >= 18 && strcmp(path + l - 18, "/sculpt-web-eastus") == 0;
        puts_we_spot += l >= 27 && strcmp(path + l - 27, "/sculpt-web-westeurope-spot") == 0;
    }
    cJSON_Delete(log);
    cr_assert_eq(puts_east, 2, "the lost answer's PUT was resent once");
    cr_assert_eq(puts_we_spot, 1, "one PUT, answered 412");
    cr_assert_eq(puts, 5);
    /* the journal's capacities reached the sets the bootstrap made (initial + net) */
    snprintf(p, sizeof p, "%s/b412.out", dir);
    char *out = slurp(p);
    cr_assert(out && strstr(out, "\"mutating\""), "the --json summary: %s", out);
    free(out);
}

Test(azure, snapshot_counts_instances_by_state, .timeout = 120)
{
    fake_start("--secret " SECRET " --initial sculpt-web-eastus=5 --initial sculpt-web-westeurope=4");
    fake_fault("{\"vm_page\": 2}");
    fake_fault("{\"vm_states\": {\"sculpt-web-eastus\": [\"Failed\", \"Deleting\", "
               "\"Creating\", \"Stopped\"]}}");
    sc_scenario *sc;
    sc_error err;
    sc_status st;
    sc_provider *p = azure_at(fake_port, &sc, &st, &err);
    cr_assert_eq(st, SC_OK, "%s", err.msg);
    size_t n = sc->n_apps * sc->n_regions * SC_PURCHASE_COUNT;
    sc_pool_state *pools = calloc(n, sizeof *pools);
    cr_assert_eq(sc_provider_snapshot(p, sc, pools, n, 0, &err), SC_OK, "%s", err.msg);
    const sc_pool_state *e = &pools[0 * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
    const sc_pool_state *w = &pools[1 * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
    cr_assert_eq(e->ready, 1, "eastus: only the last instance serves");
    cr_assert_eq(e->booting, 1, "eastus: the Creating one");
    cr_assert_eq(e->draining, 1, "eastus: the Deleting one");
    cr_assert_eq(e->warming + e->interrupting, 0);
    cr_assert_eq(w->ready, 4);
    cr_assert_eq(w->booting + w->draining, 0);
    char *ltxt = fake_get("log");
    cJSON *log = cJSON_Parse(ltxt);
    free(ltxt);
    int pages = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log) {
        const char *spec = spec_of(r);
        if (spec)
            check_spec(r, spec);
        pages += spec && strstr(spec, "vmss-vms-list");
    }
    cJSON_Delete(log);
    cr_assert_eq(pages, 3 + 2, "5 instances 2 a page, then 4");
    /* the absolute target still counts from the set's capacity */
    sc_action act = {.kind = SC_ACTION_PROVISION, .app = 0, .region = 0, .type = 0,
                     .option = SC_PURCHASE_ONDEMAND, .count = 2, .to_region = -1, .to_type = -1};
    sc_live_call lc = {.act = &act, .key = "1-0"};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_str_eq(lc.payload, "capacity=7");
    free(pools);
    sc_provider_free(p);
    sc_scenario_free(sc);
}
