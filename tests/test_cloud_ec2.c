/*
 * test_cloud_ec2.c - the AWS adapter's reserved pools: EC2 instances tagged with the pool
 * (core/cloud/ec2.c, aws.c).
 *
 * 1. Scripted server (tests/fake_cloud/cloudtest.h): the snapshot of a documented
 *    DescribeInstances answer (tests/live/fixtures/aws) counts the pool's instances as a
 *    hand count gives; RunInstances, TerminateInstances and DescribeInstances match the
 *    parameter fixtures written from the EC2 API reference; the ClientToken sent is the
 *    one written ahead ("run=N,ct=TOKEN"); a scale-in terminates the pending instance
 *    first.
 * 2. The project's fake (tests/fake_cloud/fake_cloud.py), which answers a repeated
 *    ClientToken with the first answer as EC2 documents (moto 5.2.1 stores the token but
 *    never looks it up): a RunInstances whose answer is lost after the launch is resent
 *    with the same token and launches once; the same after a "crash" (a new adapter, the
 *    journaled payload given back with CALL); the same call prepared again has the same
 *    token (derived from the plan id, key and pool: no launch), another call a new one
 *    (and launches again: the fake does count duplicates).  `sculpt live
 *    --bootstrap` killed with SIGKILL while its RunInstances answer is delayed, then run
 *    again: the pool holds the scenario's 2 reserved instances, not 4; `sculpt live
 *    --execute` killed inside the loop's own RunInstances (a reserved base of 3), then
 *    resumed from its journal: 3 instances, not 6.
 * 4. Two identical `sculpt live` runs (execute, then dry) write byte-identical journals.
 * 3. moto_server: bootstrap launches the scenario's 2 reserved instances, +3 and -4 move
 *    the pool to 5 and 1, read back with boto3 (an independent client) by the pool's tag.
 */
#define _GNU_SOURCE
#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#define FIX SC_SOURCE_DIR "/tests/live/fixtures/aws/"
#define RESJSON SC_SOURCE_DIR "/tests/live/aws-reserved.json"
#define SECRET "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzEXAMPLEKEY"
#define AKID "AKIDSCULPTTEST"

#include "fake_cloud/cloudtest.h"

static void setup(void) { aws_suite_setup("cloud-ec2", AKID, SECRET); }

static void teardown(void)
{
    moto_stop();
    fake_stop();
    suite_dir_remove();
}

TestSuite(cloud_ec2, .init = setup, .fini = teardown);

static sc_provider *aws_at(const char *url, int bootstrap, int attempts, sc_scenario **scp)
{
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(RESJSON, &sc, &err), SC_OK, "%s", err.msg);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .bootstrap = bootstrap,
                           .max_attempts = attempts, .backoff_base_ms = 5,
                           .backoff_cap_ms = 20, .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, &err), SC_OK);
    sc_provider *p = NULL;
    cr_assert_eq(sc_provider_alloc(t, &cfg, &p, &err), SC_OK, "%s", err.msg);
    *scp = sc;
    return p;
}

static sc_action res_act(sc_action_kind kind, int count)
{
    sc_action a = {.kind = kind, .app = 0, .region = 0, .type = 0,
                   .option = SC_PURCHASE_RESERVED, .count = count, .to_region = -1,
                   .to_type = -1};
    return a;
}

static void prepare(sc_provider *p, sc_action *act, const char *key, char *payload)
{
    sc_error err;
    sc_live_call lc = {.act = act, .key = key};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK, "%s",
                 err.msg);
    snprintf(payload, SC_LIVE_PAYLOAD_MAX, "%s", lc.payload);
}

/* CALL with payload, then apply: the status, res filled. */
static sc_status call_apply(sc_provider *p, sc_action *act, const char *key, const char *payload,
                            sc_action_result *res, sc_error *err)
{
    sc_live_call lc = {.act = act, .key = key};
    snprintf(lc.payload, sizeof lc.payload, "%s", payload);
    p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, err);
    memset(res, 0, sizeof *res);
    return sc_provider_apply(p, act, 0, res, err);
}

Test(cloud_ec2, requests_match_the_reference)
{
    server s;
    server_start(&s);
    script(&s, 200, NULL, FIX "DescribeAutoScalingGroupsResponse.xml"); /* us-east-1 */
    script(&s, 200, NULL, FIX "DescribeInstancesResponse.xml");         /* its reserved */
    script(&s, 200, NULL, FIX "DescribeAutoScalingGroupsResponse.xml"); /* eu-west-1 */
    script(&s, 200, NULL, FIX "RunInstancesResponse.xml");              /* +2 */
    script(&s, 200, NULL, FIX "DescribeInstancesResponse.xml");         /* PREPARE -1 */
    script(&s, 200, NULL, FIX "DescribeInstancesResponse.xml");         /* apply -1 */
    script(&s, 200, NULL, FIX "TerminateInstancesResponse.xml");
    server_run(&s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
    sc_scenario *sc;
    sc_error err;
    sc_provider *p = aws_at(url, 0, 1, &sc);
    sc_pool_state pools[2 * 3];
    cr_assert_eq(sc_provider_snapshot(p, sc, pools, 6, 0, &err), SC_ERR_NOTFOUND,
                 "the fixture has no eu-west-1 group");
    /* by hand from the fixture: i-0a, i-0b running -> ready 2; i-0c pending -> booting
     * 1; i-0d shutting-down -> draining 1; i-0e belongs to another pool */
    const sc_pool_state *r = &pools[SC_PURCHASE_RESERVED];
    cr_assert_eq(r->ready, 2);
    cr_assert_eq(r->booting, 1);
    cr_assert_eq(r->draining, 1);
    /* +2: the token is written ahead; it is derived from the plan id, the call's key and
     * the pool (the same on every attempt), expected values from Python's hashlib:
     *   h = bytearray(hashlib.sha256(b"sculpt-ct|0123456789abcdef|3600000-0|"
     *                                b"sculpt-web-us-east-1").digest()[:16])
     *   h[6] = h[6] & 0x0f | 0x50; h[8] = h[8] & 0x3f | 0x80; uuid.UUID(bytes=bytes(h))
     * and the same with key 3600000-1, and with plan fedcba9876543210 */
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PLAN_ID, "0123456789abcdef", &err),
                 SC_OK);
    sc_action up = res_act(SC_ACTION_PROVISION, 2);
    char pay[SC_LIVE_PAYLOAD_MAX], pay2[SC_LIVE_PAYLOAD_MAX], upay[SC_LIVE_PAYLOAD_MAX];
    prepare(p, &up, "3600000-0", pay);
    memcpy(upay, pay, sizeof upay);
    cr_assert_str_eq(pay, "run=2,ct=300aa877-2f80-52e0-9f34-2d5e341a8a80");
    prepare(p, &up, "3600000-0", pay2);
    cr_assert_str_eq(pay, pay2, "the same call, the same token");
    prepare(p, &up, "3600000-1", pay2);
    cr_assert_str_eq(pay2, "run=2,ct=038af167-01df-53a3-b5a9-2dff615e8863", "another call");
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PLAN_ID, "fedcba9876543210", &err),
                 SC_OK);
    prepare(p, &up, "3600000-0", pay2);
    cr_assert_str_eq(pay2, "run=2,ct=ca4cf683-fd62-545c-a9b7-9867c50cab28", "another plan");
    sc_action_result res;
    cr_assert_eq(call_apply(p, &up, "3600000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 2, "two instances in the answer");
    /* -1: PREPARE reads the pool (3 active) -> target 2; apply reads it again and
     * terminates the pending one first */
    sc_action down = res_act(SC_ACTION_DEPROVISION, 1);
    prepare(p, &down, "3900000-0", pay);
    cr_assert_str_eq(pay, "reserved=2");
    cr_assert_eq(call_apply(p, &down, "3900000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 1);
    cr_assert_eq(s.n_req, 7);
    check_params(s.req[1], FIX "DescribeInstances.params");
    check_params(s.req[3], FIX "RunInstances.params");
    check_params(s.req[4], FIX "DescribeInstances.params");
    check_params(s.req[5], FIX "DescribeInstances.params");
    check_params(s.req[6], FIX "TerminateInstances.params");
    /* the parameters by hand: (request, field, value; "" = absent) */
    const form_field fv[] = {
        {1, "Filter.1.Name", "tag:sculpt-pool"},
        {1, "Filter.1.Value.1", "sculpt-web-us-east-1"},
        {1, "Filter.2.Name", "instance-state-name"},
        {3, "ClientToken", upay + 9}, /* the token written ahead */
        {3, "MinCount", "2"},
        {3, "MaxCount", "2"},
        {3, "InstanceType", "t3.micro"},
        {3, "TagSpecification.1.ResourceType", "instance"},
        {3, "TagSpecification.1.Tag.1.Key", "sculpt-pool"},
        {3, "TagSpecification.1.Tag.1.Value", "sculpt-web-us-east-1"},
        {6, "InstanceId.1", "i-0c00000000000000c"}, /* the pending one goes first */
        {6, "InstanceId.2", ""}};                   /* one instance only */
    check_form(&s, fv, sizeof fv / sizeof fv[0]);
    for (int i = 0; i < s.n_req; i++) {
        const char *scope = i == 2 ? "/eu-west-1/autoscaling/aws4_request"
                            : i == 0 ? "/us-east-1/autoscaling/aws4_request"
                                     : "/us-east-1/ec2/aws4_request";
        cr_assert(strstr(s.req[i], scope), "request %d: SigV4 scope %s", i, scope);
        cr_assert_null(strstr(s.req[i], SECRET));
    }
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);
}

/* The fake's instances of the pool that are running (from /_state). */
static int fake_pool_running(const char *pool)
{
    char *t = fake_get("state");
    cr_assert_not_null(t);
    cJSON *j = cJSON_Parse(t);
    free(t);
    cr_assert_not_null(j);
    int n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, cJSON_GetObjectItem(j, "ec2"))
    {
        const cJSON *p = cJSON_GetObjectItem(it, "pool"), *s = cJSON_GetObjectItem(it, "state");
        if (cJSON_IsString(p) && strcmp(p->valuestring, pool) == 0 &&
            strcmp(s->valuestring, "running") == 0)
            n++;
    }
    cJSON_Delete(j);
    return n;
}

Test(cloud_ec2, repeated_client_token_launches_once, .timeout = 120)
{
    fake_start("--initial sculpt-web-us-east-1=8 --initial sculpt-web-eu-west-1=4");
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", fake_port);
    sc_scenario *sc;
    sc_error err;
    sc_action_result res;
    /* 1. the answer lost after the launch: retried with the same token */
    sc_provider *p = aws_at(url, 0, 3, &sc);
    fake_fault("{\"action\": \"RunInstances\", \"after\": true, \"drop\": true}");
    sc_action up = res_act(SC_ACTION_PROVISION, 3);
    char pay[SC_LIVE_PAYLOAD_MAX];
    prepare(p, &up, "60000-0", pay);
    cr_assert_eq(call_apply(p, &up, "60000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 3);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 3, "launched once, not twice");
    sc_cloud_stats cs;
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_CLOUD_STATS, &cs, &err), SC_OK);
    cr_assert_eq(cs.retries, 1);
    sc_provider_free(p);
    sc_scenario_free(sc);
    /* 2. a crash: the call's answer is lost and the process gives up (one attempt); a
     * new adapter gets the journaled payload back (CALL) and resends it */
    p = aws_at(url, 0, 1, &sc);
    fake_fault("{\"action\": \"RunInstances\", \"after\": true, \"drop\": true}");
    sc_action up2 = res_act(SC_ACTION_PROVISION, 2);
    prepare(p, &up2, "120000-0", pay);
    cr_assert_neq(call_apply(p, &up2, "120000-0", pay, &res, &err), SC_OK, "answer dropped");
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 5, "the launch happened");
    sc_provider_free(p);
    sc_scenario_free(sc);
    p = aws_at(url, 0, 1, &sc);
    cr_assert_eq(call_apply(p, &up2, "120000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 2, "the first answer's two instances");
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 5, "no second launch");
    /* 3. the same call prepared again gets the same token (launches nothing); a new
     * call (another key: a new token) launches: the fake counts duplicates */
    prepare(p, &up2, "120000-0", pay);
    cr_assert_eq(call_apply(p, &up2, "120000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 5, "same token: no launch");
    prepare(p, &up2, "150000-0", pay);
    cr_assert_eq(call_apply(p, &up2, "150000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 7);
    /* 4. scale in to 4 (-3), with DescribeInstances in pages of 2: the terminate is
     * absolute (target 4), so a resend terminates nothing more */
    fake_fault("{\"ec2_page\": 2}");
    sc_action down = res_act(SC_ACTION_DEPROVISION, 3);
    prepare(p, &down, "180000-0", pay);
    cr_assert_str_eq(pay, "reserved=4");
    cr_assert_eq(call_apply(p, &down, "180000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 3);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 4);
    cr_assert_eq(call_apply(p, &down, "180000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 0, "resent: already at the target");
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 4);
    sc_pool_state pools[2 * 3];
    cr_assert_eq(sc_provider_snapshot(p, sc, pools, 6, 0, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(pools[SC_PURCHASE_RESERVED].ready, 4, "read across pages");
    cr_assert_eq(pools[SC_PURCHASE_ONDEMAND].ready, 8);
    sc_provider_free(p);
    sc_scenario_free(sc);
}

/* Start `sculpt live ARGS` in the background, wait until the fake's pool holds `want`
 * running instances (a RunInstances applied, its answer held back by an "after" fault),
 * then SIGKILL it. */
static void kill_after_launch(const char *args, const char *pool, int want)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s live %s > %s/k.out 2> %s/k.err & echo $! > %s/k.pid",
             SC_SCULPT_BIN, args, dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    for (int i = 0; i < 400 && fake_pool_running(pool) < want; i++)
        usleep(50000);
    cr_assert_eq(fake_pool_running(pool), want, "launched, answer pending (see %s/k.err)", dir);
    char pidf[300];
    snprintf(pidf, sizeof pidf, "%s/k.pid", dir);
    char *pt = slurp(pidf);
    cr_assert_not_null(pt);
    pid_t pid = (pid_t)atoi(pt);
    free(pt);
    cr_assert_eq(kill(pid, SIGKILL), 0);
    usleep(100000);
}

Test(cloud_ec2, bootstrap_killed_and_rerun_launches_once, .timeout = 120)
{
    fake_start("");
    /* the RunInstances of the bootstrap is applied, then its answer waits 30 s: the
     * process is killed in that window */
    fake_fault("{\"action\": \"RunInstances\", \"after\": true, \"delay_s\": 30}");
    char args[1024];
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:%d/ --execute --bootstrap "
             "--clock fast:1e9 --until 10m --journal %s/j --json",
             RESJSON, fake_port, dir);
    kill_after_launch(args, "sculpt-web-us-east-1", 2);
    int rc = sculpt(args, "again");
    cr_assert_eq(rc, 0, "rerun: see %s/again.err", dir);
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 2,
                 "the rerun found the pool's instances and launched none");
}

/* The loop's own RunInstances (policy hpa-reserved buys a reserved base of 3 per region
 * after the 1 h warm-up) killed with SIGKILL after the launch, before its answer; the
 * resumed run (same journal) resends the journaled call with its ClientToken, and the
 * fake answers with the first launch: 3 instances in each region, not 6. */
Test(cloud_ec2, loop_killed_in_run_instances_resumes_once, .timeout = 180)
{
    fake_start("--initial sculpt-web-us-east-1=8 --initial sculpt-web-eu-west-1=4");
    fake_fault("{\"action\": \"RunInstances\", \"after\": true, \"delay_s\": 30}");
    char args[1024];
    snprintf(args, sizeof args,
             "%s --provider aws --policy hpa-reserved --endpoint http://127.0.0.1:%d/ "
             "--execute --clock fast:1e9 --until 2h --journal %s/j --json",
             RESJSON, fake_port, dir);
    kill_after_launch(args, "sculpt-web-us-east-1", 3);
    char jp[300];
    snprintf(jp, sizeof jp, "%s/j", dir);
    char *j = slurp(jp);
    cr_assert_not_null(j);
    cr_assert(strstr(j, "run=3,ct="), "the call and its token were written ahead");
    free(j);
    int rc = sculpt(args, "again");
    char ep[300];
    snprintf(ep, sizeof ep, "%s/again.err", dir);
    cr_assert_eq(rc, 0, "resume: %s", slurp(ep));
    cr_assert_geq(json_num("again", "retries"), 1, "the call in flight was repeated");
    cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 3, "launched once, not twice");
    cr_assert_eq(fake_pool_running("sculpt-web-eu-west-1"), 3);
}

Test(cloud_ec2, reserved_pool_on_moto, .timeout = 300)
{
    moto_start(0);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", moto_port);
    sc_scenario *sc;
    sc_error err;
    sc_provider *p = aws_at(url, 1, 1, &sc); /* bootstrap: 2 reserved in us-east-1 */
    sc_pool_state pools[2 * 3];
    cr_assert_eq(sc_provider_snapshot(p, sc, pools, 6, 0, &err), SC_OK, "%s", err.msg);
    const sc_pool_state *r = &pools[SC_PURCHASE_RESERVED];
    cr_assert_eq(r->ready + r->booting, 2, "the scenario's initial reserved instances");
    cr_assert_eq(pools[3 + SC_PURCHASE_RESERVED].ready, 0, "eu-west-1 has no reserved pool");
    sc_action up = res_act(SC_ACTION_PROVISION, 3), down = res_act(SC_ACTION_DEPROVISION, 4);
    char pay[SC_LIVE_PAYLOAD_MAX];
    sc_action_result res;
    prepare(p, &up, "300000-0", pay);
    cr_assert_eq(call_apply(p, &up, "300000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 3);
    prepare(p, &down, "600000-0", pay);
    cr_assert_str_eq(pay, "reserved=1", "5 - 4");
    cr_assert_eq(call_apply(p, &down, "600000-0", pay, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 4);
    cr_assert_eq(sc_provider_snapshot(p, sc, pools, 6, 0, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(r->ready + r->booting, 1);
    char cmd[2048], out[512];
    snprintf(out, sizeof out, "%s/boto.txt", dir);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import boto3\n"
             "c = boto3.client(\"ec2\", region_name=\"us-east-1\", endpoint_url="
             "\"http://127.0.0.1:%d\", aws_access_key_id=\"x\", aws_secret_access_key=\"y\")\n"
             "st = {}\n"
             "for rv in c.describe_instances(Filters=[{\"Name\": \"tag:sculpt-pool\", "
             "\"Values\": [\"sculpt-web-us-east-1\"]}])[\"Reservations\"]:\n"
             "    for i in rv[\"Instances\"]:\n"
             "        n = i[\"State\"][\"Name\"]\n"
             "        st[n] = st.get(n, 0) + 1\n"
             "        assert i[\"InstanceType\"] == \"t3.micro\"\n"
             "print(st.get(\"running\", 0) + st.get(\"pending\", 0), sum(st.values()))' > %s 2>&1",
             moto_port, out);
    int rc = system(cmd);
    char *b = slurp(out);
    moto_stop();
    cr_assert_eq(rc, 0, "boto3 read-back failed: %s", b);
    int active = -1, all = -1;
    cr_assert_eq(sscanf(b, "%d %d", &active, &all), 2, "%s", b);
    free(b);
    cr_assert_eq(active, 1, "2 + 3 - 4");
    cr_assert_eq(all, 5, "five launched in all (four of them terminated)");
    sc_provider_free(p);
    sc_scenario_free(sc);
}

/* Two identical runs write identical journals (issue 12: tokens derived from the plan
 * id, the step and the pool, not random): `sculpt live --execute` with the policy that
 * buys a reserved base (RunInstances with a ClientToken in both regions), each against
 * a fresh fake, fresh journals; then two dry runs.  Byte-for-byte equal, and the journal
 * carries the tokens of the plan's calls. */
Test(cloud_ec2, identical_runs_write_identical_journals, .timeout = 240)
{
    char args[1024], jp[2][300];
    for (int run = 0; run < 4; run++) {
        int execute = run < 2;
        fake_start("--initial sculpt-web-us-east-1=8 --initial sculpt-web-eu-west-1=4");
        snprintf(jp[run % 2], sizeof jp[0], "%s/j%d", dir, run);
        snprintf(args, sizeof args,
                 "%s --provider aws --policy hpa-reserved --endpoint http://127.0.0.1:%d/ "
                 "%s --clock fast:1e9 --until 2h --journal %s --json",
                 RESJSON, fake_port, execute ? "--execute" : "", jp[run % 2]);
        char tag[16];
        snprintf(tag, sizeof tag, "r%d", run);
        int rc = sculpt(args, tag);
        cr_assert_eq(rc, 0, "run %d: see %s/%s.err", run, dir, tag);
        if (execute)
            cr_assert_eq(fake_pool_running("sculpt-web-us-east-1"), 3);
        fake_stop();
        if (run % 2 == 0)
            continue;
        char *a = slurp(jp[0]), *b = slurp(jp[1]);
        cr_assert_not_null(a);
        cr_assert_not_null(b);
        cr_assert(strstr(a, execute ? "run=3,ct=" : " dry-run"), "%s", a);
        cr_assert_str_eq(a, b, "%s run: the two journals differ", execute ? "execute" : "dry");
        free(a);
        free(b);
    }
}
