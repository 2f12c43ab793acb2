/*
 * test_cloud_aws.c - the AWS adapter's spot pool (core/cloud/aws.c, mixed-instances
 * policy) and Route 53 weights (core/cloud/route53.c).
 *
 * 1. Scripted server (tests/fake_cloud/cloudtest.h): the snapshot of a documented answer
 *    with a MixedInstancesPolicy splits the group as a hand count gives; spot and
 *    on-demand calls become one UpdateAutoScalingGroup whose parameters match the API
 *    reference (tests/live/fixtures/aws/UpdateAutoScalingGroup.params) with the absolute
 *    target written ahead ("desired=N,od=M").
 * 2. moto_server (127.0.0.1, free port, stopped by pid), also with its signature checks on
 *    (UpdateAutoScalingGroup, ChangeResourceRecordSets and GetChange accepted, a wrong
 *    secret refused): bootstrap, then +3 spot on a group
 *    of 8 on-demand instances: boto3 (an independent client) reads DesiredCapacity 11 and
 *    OnDemandBaseCapacity 8, and the adapter's snapshot reports 8 on demand and 3 spot.
 * 3. Route 53: the request matches ChangeResourceRecordSets.elements (from the API
 *    reference), PriorRequestNotComplete is retried, PENDING is polled to INSYNC; `sculpt
 *    live` with routing 'latency' on moto leaves the weighted records where the latency
 *    table puts them (read back with boto3), and a rerun makes no mutating call.
 */
#define _GNU_SOURCE
#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#define FIX SC_SOURCE_DIR "/tests/live/fixtures/aws/"
#define AWSJSON SC_SOURCE_DIR "/tests/live/aws.json"
#define SECRET "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzEXAMPLEKEY"
#define AKID "AKIDSCULPTTEST"

#include "fake_cloud/cloudtest.h"

static void setup(void) { aws_suite_setup("cloud-aws", AKID, SECRET); }
static void teardown(void) { suite_dir_remove(); }

TestSuite(cloud_aws, .init = setup, .fini = teardown);

static sc_provider *aws_url(const char *url, int bootstrap, sc_scenario **scp, sc_error *err)
{
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(AWSJSON, &sc, err), SC_OK);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .bootstrap = bootstrap,
                           .max_attempts = 1, .backoff_base_ms = 5, .backoff_cap_ms = 20,
                           .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, err), SC_OK);
    sc_provider *p = NULL;
    cr_assert_eq(sc_provider_alloc(t, &cfg, &p, err), SC_OK, "%s", err->msg);
    *scp = sc;
    return p;
}

/* PREPARE then apply act; the payload written ahead goes to want_payload. */
static void apply(sc_provider *p, sc_action act, const char *want_payload, int want_accepted)
{
    sc_error err;
    sc_live_call lc = {.act = &act, .key = "1-0"};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_str_eq(lc.payload, want_payload);
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, &err), SC_OK);
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, want_accepted);
}

static sc_action pool_act(sc_action_kind kind, int region, sc_purchase option, int count)
{
    sc_action a = {.kind = kind, .app = 0, .region = region, .type = 0, .option = option,
                   .count = count, .to_region = -1, .to_type = -1};
    return a;
}

Test(cloud_aws, spot_split_matches_the_reference)
{
    server s;
    server_start(&s);
    script(&s, 200, NULL, FIX "DescribeAutoScalingGroupsResponse-mixed.xml"); /* us-east-1 */
    script(&s, 200, NULL, FIX "DescribeInstancesResponse-empty.xml"); /* us-east-1 reserved */
    script(&s, 200, NULL, FIX "DescribeAutoScalingGroupsResponse.xml"); /* eu-west-1: none */
    script(&s, 200, NULL, FIX "DescribeAutoScalingGroupsResponse-mixed.xml"); /* describe */
    script(&s, 200, NULL, NULL); /* Update (spot +4) */
    script(&s, 200, NULL, NULL); /* Update (on demand -1) */
    server_run(&s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
    sc_scenario *sc;
    sc_error err;
    sc_provider *p = aws_url(url, 0, &sc, &err);
    sc_pool_state pools[2 * 3];
    cr_assert_eq(sc_provider_snapshot(p, sc, pools, 6, 0, &err), SC_ERR_NOTFOUND,
                 "eu-west-1's group is missing from the answer");
    /* us-east-1 by hand: desired 7, base 3; 5 InService, 1 Pending, 7 - 6 = 1 not
     * launched: on demand ready 3 booting 0; spot ready 5 - 3 = 2, booting 1 + 1 = 2 */
    const sc_pool_state *od = &pools[SC_PURCHASE_ONDEMAND], *sp = &pools[SC_PURCHASE_SPOT];
    cr_assert_eq(od->ready, 3);
    cr_assert_eq(od->booting, 0);
    cr_assert_eq(sp->ready, 2);
    cr_assert_eq(sp->booting, 2);
    /* spot +4: desired 7 + 4 = 11, base stays 3 */
    apply(p, pool_act(SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 4), "desired=11,od=3", 4);
    /* on demand -1 of a group with a policy: desired 10, base 2 */
    apply(p, pool_act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_ONDEMAND, 1), "desired=10,od=2", 1);
    cr_assert_eq(s.n_req, 5, "Describe, DescribeInstances (us-east-1 prices reserved), "
                             "Describe (snapshot), two Update (the state was known)");
    for (int i = 3; i < 5; i++) {
        check_params(s.req[i], FIX "UpdateAutoScalingGroup.params");
        const char *b = body_of(s.req[i]);
        cr_assert(strstr(b, "AutoScalingGroupName=sculpt-web-us-east-1"), "%s", b);
        cr_assert(strstr(b, "MixedInstancesPolicy.InstancesDistribution."
                            "OnDemandPercentageAboveBaseCapacity=0"), "%s", b);
        cr_assert(strstr(b, "MixedInstancesPolicy.LaunchTemplate.Overrides.member.1."
                            "InstanceType=t3.micro"), "%s", b);
        cr_assert(strstr(b, "MixedInstancesPolicy.LaunchTemplate.LaunchTemplateSpecification."
                            "LaunchTemplateName=sculpt-web-us-east-1"), "%s", b);
        cr_assert(strstr(s.req[i], "/us-east-1/autoscaling/aws4_request"));
    }
    cr_assert(strstr(body_of(s.req[3]), "DesiredCapacity=11&"));
    cr_assert(strstr(body_of(s.req[3]), "OnDemandBaseCapacity=3&"));
    cr_assert(strstr(body_of(s.req[4]), "DesiredCapacity=10&"));
    cr_assert(strstr(body_of(s.req[4]), "OnDemandBaseCapacity=2&"));
    /* a reserved pool where the scenario prices no reserved (eu-west-1) is refused,
     * naming the pool */
    sc_action r = pool_act(SC_ACTION_PROVISION, 1, SC_PURCHASE_RESERVED, 1);
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(p, &r, 0, &res, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "web/eu-west-1") && strstr(err.msg, "reserved"), "%s", err.msg);
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);
}

Test(cloud_aws, spot_on_moto, .timeout = 300)
{
    moto_start(0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", moto_port);
    sc_scenario *sc;
    sc_error err;
    sc_provider *p = aws_url(url, 1, &sc, &err); /* bootstrap: 8 and 4 on demand */
    /* spot +3 in us-east-1 on a group without a policy yet: desired 11, base 8 */
    apply(p, pool_act(SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 3), "desired=11,od=8", 3);
    sc_pool_state pools[2 * 3];
    cr_assert_eq(sc_provider_snapshot(p, sc, pools, 6, 0, &err), SC_OK, "%s", err.msg);
    const sc_pool_state *od = &pools[SC_PURCHASE_ONDEMAND], *sp = &pools[SC_PURCHASE_SPOT];
    cr_assert_eq(od->ready + od->booting, 8);
    cr_assert_eq(sp->ready + sp->booting, 3);
    const sc_pool_state *eu = &pools[3 + SC_PURCHASE_ONDEMAND], *eus = &pools[3 + SC_PURCHASE_SPOT];
    cr_assert_eq(eu->ready + eu->booting, 4, "eu-west-1 untouched");
    cr_assert_eq(eus->ready + eus->booting, 0);
    char cmd[2048], out[512];
    snprintf(out, sizeof out, "%s/boto.txt", dir);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import boto3\n"
             "c = boto3.client(\"autoscaling\", region_name=\"us-east-1\", endpoint_url="
             "\"http://127.0.0.1:%d\", aws_access_key_id=\"x\", aws_secret_access_key=\"y\")\n"
             "g = c.describe_auto_scaling_groups(AutoScalingGroupNames=[\"sculpt-web-us-east-1\"])"
             "[\"AutoScalingGroups\"][0]\n"
             "d = g[\"MixedInstancesPolicy\"][\"InstancesDistribution\"]\n"
             "print(g[\"DesiredCapacity\"], d[\"OnDemandBaseCapacity\"], "
             "d[\"OnDemandPercentageAboveBaseCapacity\"], len(g[\"Instances\"]))' > %s 2>&1",
             moto_port, out);
    int rc = system(cmd);
    char *b = slurp(out);
    moto_stop();
    cr_assert_eq(rc, 0, "boto3 read-back failed: %s", b);
    int d = -1, base = -1, pct = -1, ni = -1;
    cr_assert_eq(sscanf(b, "%d %d %d %d", &d, &base, &pct, &ni), 4, "%s", b);
    free(b);
    cr_assert_eq(d, 11);
    cr_assert_eq(base, 8);
    cr_assert_eq(pct, 0);
    cr_assert_eq(ni, 11, "moto launched 8 on demand + 3 spot");
    sc_provider_free(p);
    sc_scenario_free(sc);
}

/* ---- Route 53 -------------------------------------------------------------------- */

/* Check an XML request body against a .elements fixture (PATH required|optional
 * [VALUE]): every leaf known, every required one present, fixed values equal. */
static void check_elements(const char *req, const char *fixture)
{
    char *fx = slurp(fixture);
    cr_assert_not_null(fx, "%s", fixture);
    char names[32][200], want[32][64];
    int required[32], seen[32] = {0}, n = 0;
    char *save = NULL;
    for (char *ln = strtok_r(fx, "\n", &save); ln && n < 32; ln = strtok_r(NULL, "\n", &save)) {
        char kind[16];
        want[n][0] = '\0';
        if (sscanf(ln, "%199s %15s %63s", names[n], kind, want[n]) < 2)
            continue;
        required[n] = strcmp(kind, "required") == 0;
        n++;
    }
    free(fx);
    /* leaves by a small scan: <a><b>text</b></a> -> a/b = text (no attributes in the
     * request besides the root's xmlns, no CDATA) */
    const char *b = body_of(req);
    char path[512] = "";
    for (const char *q = b; (q = strchr(q, '<'));) {
        if (q[1] == '?') {
            q = strchr(q, '>');
            continue;
        }
        int close = q[1] == '/';
        const char *nm = q + 1 + close;
        size_t nl = strcspn(nm, " >");
        const char *gt = strchr(q, '>');
        cr_assert_not_null(gt);
        if (close) {
            char *sl = strrchr(path, '/');
            if (sl)
                *sl = '\0';
            else
                path[0] = '\0';
        } else {
            size_t pl = strlen(path);
            snprintf(path + pl, sizeof path - pl, "%s%.*s", pl ? "/" : "", (int)nl, nm);
            if (gt[1] != '<') { /* a leaf with text */
                const char *end = strchr(gt + 1, '<');
                char text[256];
                snprintf(text, sizeof text, "%.*s", (int)(end - gt - 1), gt + 1);
                int k = -1;
                for (int i = 0; i < n; i++)
                    if (strcmp(names[i], path) == 0)
                        k = i;
                cr_assert_geq(k, 0, "element %s is not in the API reference", path);
                seen[k] = 1;
                if (want[k][0])
                    cr_assert_str_eq(text, want[k], "%s", path);
            }
        }
        q = gt + 1;
    }
    for (int i = 0; i < n; i++)
        if (required[i])
            cr_assert(seen[i], "required element %s missing (%s)", names[i], fixture);
}

Test(cloud_aws, route53_requests_match_the_reference)
{
    server s;
    server_start(&s);
    script(&s, 400, NULL, FIX "ErrorResponse-PriorRequestNotComplete.xml"); /* retried */
    script(&s, 200, NULL, FIX "ChangeResourceRecordSetsResponse.xml");      /* PENDING */
    script(&s, 200, NULL, FIX "GetChangeResponse-PENDING.xml");
    script(&s, 200, NULL, FIX "GetChangeResponse-INSYNC.xml");
    server_run(&s);
    /* the scenario with a zone id in place of the placeholder */
    char *txt = slurp(SC_SOURCE_DIR "/tests/live/aws-route53.json");
    cr_assert_not_null(txt);
    char *z = strstr(txt, "ZONEID");
    cr_assert_not_null(z);
    char path[512];
    snprintf(path, sizeof path, "%s/r53.json", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "%.*sZ1D633PJN98FT9%s", (int)(z - txt), txt, z + 6);
    fclose(fp);
    free(txt);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp %s/tests/live/ramp.csv %s/", SC_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(path, &sc, &err), SC_OK, "%s", err.msg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .max_attempts = 3, .backoff_base_ms = 5,
                           .backoff_cap_ms = 20, .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, &err), SC_OK);
    sc_provider *p = NULL;
    cr_assert_eq(sc_provider_alloc(t, &cfg, &p, &err), SC_OK, "%s", err.msg);
    sc_action act = {.kind = SC_ACTION_SET_WEIGHT, .app = 0, .region = 0, .type = 0,
                     .geo = 0, .weight = 200, .to_region = -1, .to_type = -1};
    sc_live_call lc = {.act = &act, .key = "1-0"};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK);
    cr_assert_str_eq(lc.payload, "weight=200");
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 1);
    cr_assert_eq(s.n_req, 4, "POST refused (PriorRequestNotComplete), POST, GetChange x2");
    for (int i = 0; i < 2; i++) {
        const char *r = s.req[i];
        cr_assert(strncmp(r, "POST /2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/ HTTP/1.1", 58) ==
                      0,
                  "%.80s", r);
        cr_assert(strstr(r, "/us-east-1/route53/aws4_request"), "global service, us-east-1 scope");
        check_elements(r, FIX "ChangeResourceRecordSets.elements");
        const char *b = body_of(r);
        cr_assert(strstr(b, "xmlns=\"https://route53.amazonaws.com/doc/2013-04-01/\""));
        cr_assert(strstr(b, "<Name>web.g.example.com</Name>"), "%s", b);
        cr_assert(strstr(b, "<SetIdentifier>us-east-1</SetIdentifier>"));
        cr_assert(strstr(b, "<Weight>200</Weight>"));
        cr_assert(strstr(b, "<Value>web-us-east-1.example.com</Value>"));
        cr_assert_null(strstr(r, SECRET));
    }
    for (int i = 2; i < 4; i++)
        cr_assert(strncmp(s.req[i], "GET /2013-04-01/change/C2682N5HXP0BZ4 HTTP/1.1", 46) == 0,
                  "%.60s", s.req[i]);
    sc_cloud_stats cs;
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_CLOUD_STATS, &cs, &err), SC_OK);
    cr_assert_eq(cs.throttles, 1);
    cr_assert_eq(cs.mutating, 1);
    cr_assert_eq(cs.read_only, 2);
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);
}

/* `sculpt live` with routing 'latency' against moto: the weighted records end where a
 * hand derivation puts them (each geography all on its nearest region, by the latency
 * table: g -> us-east-1, h -> eu-west-1), read back with boto3; a rerun replays. */
Test(cloud_aws, route53_live_on_moto, .timeout = 300)
{
    moto_start(0);
    char cmd[4096], out[512];
    snprintf(out, sizeof out, "%s/zone.txt", dir);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import boto3\n"
             "c = boto3.client(\"route53\", region_name=\"us-east-1\", endpoint_url="
             "\"http://127.0.0.1:%d\", aws_access_key_id=\"x\", aws_secret_access_key=\"y\")\n"
             "z = c.create_hosted_zone(Name=\"example.com\", CallerReference=\"sculpt\")\n"
             "print(z[\"HostedZone\"][\"Id\"].split(\"/\")[-1])' > %s 2>&1",
             moto_port, out);
    int rc = system(cmd);
    char *zone = slurp(out);
    if (rc != 0) {
        moto_stop();
        cr_assert_fail("creating the hosted zone failed: %s", zone);
    }
    zone[strcspn(zone, "\r\n")] = '\0';
    char *txt = slurp(SC_SOURCE_DIR "/tests/live/aws-route53.json");
    char *z = strstr(txt, "ZONEID");
    char path[512];
    snprintf(path, sizeof path, "%s/r53.json", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "%.*s%s%s", (int)(z - txt), txt, zone, z + 6);
    fclose(fp);
    free(txt);
    snprintf(cmd, sizeof cmd, "cp %s/tests/live/ramp.csv %s/", SC_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    char args[2048];
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:%d --execute --bootstrap "
             "--clock fast:1e9 --until 30m --journal %s/j --json",
             path, moto_port, dir);
    rc = sculpt(args, "r1");
    if (rc != 0) {
        snprintf(out, sizeof out, "%s/r1.err", dir);
        char *e = slurp(out);
        moto_stop();
        cr_assert_fail("sculpt live failed (%d): %s", rc, e);
    }
    snprintf(out, sizeof out, "%s/rr.txt", dir);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import boto3\n"
             "c = boto3.client(\"route53\", region_name=\"us-east-1\", endpoint_url="
             "\"http://127.0.0.1:%d\", aws_access_key_id=\"x\", aws_secret_access_key=\"y\")\n"
             "for r in sorted(c.list_resource_record_sets(HostedZoneId=\"%s\")"
             "[\"ResourceRecordSets\"], key=lambda r: (r[\"Name\"], r.get(\"SetIdentifier\", \"\"))):\n"
             "  if \"Weight\" in r: print(r[\"Name\"], r[\"SetIdentifier\"], r[\"Weight\"], "
             "r[\"ResourceRecords\"][0][\"Value\"])' > %s 2>&1",
             moto_port, zone, out);
    rc = system(cmd);
    char *rr = slurp(out);
    if (rc != 0) {
        moto_stop();
        cr_assert_fail("reading the records failed: %s", rr);
    }
    cr_assert_str_eq(rr,
                     "web.g.example.com. eu-west-1 0 web-eu-west-1.example.com\n"
                     "web.g.example.com. us-east-1 255 web-us-east-1.example.com\n"
                     "web.h.example.com. eu-west-1 255 web-eu-west-1.example.com\n"
                     "web.h.example.com. us-east-1 0 web-us-east-1.example.com\n");
    free(rr);
    /* a rerun with the same journal replays: no mutating call */
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:%d --execute --clock fast:1e9 "
             "--until 30m --journal %s/j --json",
             path, moto_port, dir);
    rc = sculpt(args, "r2");
    moto_stop();
    cr_assert_eq(rc, 0);
    cr_assert_eq(json_num("r2", "mutating"), 0);
    free(zone);
}

/* The new calls with moto's signature checks on (an IAM user's keys): the spot split
 * (UpdateAutoScalingGroup) and a Route 53 weight (ChangeResourceRecordSets, GetChange)
 * are accepted; a wrong secret is refused with SignatureDoesNotMatch. */
Test(cloud_aws, spot_and_route53_with_signature_checks, .timeout = 300)
{
    moto_start(1);
    char cmd[4096], keys[512];
    snprintf(keys, sizeof keys, "%s/keys.txt", dir);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import boto3, json\n"
             "u = dict(region_name=\"us-east-1\", endpoint_url=\"http://127.0.0.1:%d\")\n"
             "iam = boto3.client(\"iam\", aws_access_key_id=\"x\", aws_secret_access_key=\"y\", **u)\n"
             "iam.create_user(UserName=\"sculpt\")\n"
             "iam.put_user_policy(UserName=\"sculpt\", PolicyName=\"all\", PolicyDocument="
             "json.dumps({\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\","
             " \"Action\": \"*\", \"Resource\": \"*\"}]}))\n"
             "k = iam.create_access_key(UserName=\"sculpt\")[\"AccessKey\"]\n"
             "r = boto3.client(\"route53\", aws_access_key_id=k[\"AccessKeyId\"], "
             "aws_secret_access_key=k[\"SecretAccessKey\"], **u)\n"
             "z = r.create_hosted_zone(Name=\"example.com\", CallerReference=\"s\")\n"
             "print(k[\"AccessKeyId\"], k[\"SecretAccessKey\"], "
             "z[\"HostedZone\"][\"Id\"].split(\"/\")[-1])' > %s 2>&1",
             moto_port, keys);
    int prc = system(cmd);
    char *k = slurp(keys);
    if (prc != 0) {
        moto_stop();
        cr_assert_fail("creating the IAM user and zone in moto failed: %s", k);
    }
    char ak[128], sk[128], zone[64];
    cr_assert_eq(sscanf(k, "%127s %127s %63s", ak, sk, zone), 3, "%s", k);
    free(k);
    char *txt = slurp(SC_SOURCE_DIR "/tests/live/aws-route53.json");
    char *z = strstr(txt, "ZONEID");
    char path[512];
    snprintf(path, sizeof path, "%s/r53.json", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "%.*s%s%s", (int)(z - txt), txt, zone, z + 6);
    fclose(fp);
    free(txt);
    snprintf(cmd, sizeof cmd, "cp %s/tests/live/ramp.csv %s/", SC_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    setenv("AWS_ACCESS_KEY_ID", ak, 1);
    setenv("AWS_SECRET_ACCESS_KEY", sk, 1);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(path, &sc, &err), SC_OK, "%s", err.msg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", moto_port);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .bootstrap = 1, .max_attempts = 1,
                           .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, &err), SC_OK);
    sc_provider *p = NULL;
    sc_status st = sc_provider_alloc(t, &cfg, &p, &err);
    if (st) {
        moto_stop();
        cr_assert_fail("signed bootstrap refused: %s", err.msg);
    }
    sc_action spot = pool_act(SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 2);
    sc_live_call lc = {.act = &spot, .key = "1-0"};
    st = p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err);
    sc_action_result res;
    if (!st) {
        p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, &err);
        st = sc_provider_apply(p, &spot, 0, &res, &err);
    }
    sc_action w = {.kind = SC_ACTION_SET_WEIGHT, .app = 0, .region = 1, .geo = 0, .weight = 9,
                   .to_region = -1, .to_type = -1};
    sc_status st2 = st ? st : sc_provider_apply(p, &w, 0, &res, &err);
    sc_provider_free(p);
    p = NULL;
    /* a wrong secret on Route 53 */
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789", 1);
    cfg.bootstrap = 0;
    sc_error err3;
    sc_status st3 = sc_provider_alloc(t, &cfg, &p, &err3);
    if (!st3)
        st3 = sc_provider_apply(p, &w, 0, &res, &err3);
    sc_provider_free(p);
    moto_stop();
    cr_assert_eq(st, SC_OK, "signed UpdateAutoScalingGroup refused: %s", err.msg);
    cr_assert_eq(st2, SC_OK, "signed ChangeResourceRecordSets refused: %s", err.msg);
    cr_assert_eq(st3, SC_ERR_INPUT);
    cr_assert(strstr(err3.msg, "SignatureDoesNotMatch") || strstr(err3.msg, "InvalidClientTokenId"),
              "%s", err3.msg);
    cr_assert(strstr(err3.msg, "ChangeResourceRecordSets"), "%s", err3.msg);
    cr_assert_null(strstr(err3.msg, "not-the-secret"));
    sc_scenario_free(sc);
}
