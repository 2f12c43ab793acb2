/*
 * test_live_aws.c - the AWS adapter (core/cloud/aws.c).
 *
 * 1. Against a fault-injecting HTTP server in this test (loopback, scripted answers):
 *    the requests match fixtures written from the published API references
 *    (tests/live/fixtures/aws: parameter names, required ones, Version; SigV4 with the
 *    region and service in the scope), the snapshot of a documented answer is what a
 *    hand count gives, and the retry rules hold: 503, 429 with Retry-After,
 *    ScalingActivityInProgress, RequestLimitExceeded and a dropped connection are
 *    retried for idempotent calls and counted; a non-idempotent call is not retried.
 * 2. Against moto_server (moto 5, started here on 127.0.0.1 with a free port, stopped by
 *    its pid): `sculpt live --provider aws --execute --bootstrap` moves the groups to
 *    the capacities the journal records (read back with boto3, an independent client),
 *    a rerun makes no mutating call, and the secret key appears in no output, journal or
 *    error.  A second pass runs with moto's signature checks on (an IAM user's keys):
 *    libcurl's SigV4 is accepted, a wrong secret is refused (SignatureDoesNotMatch,
 *    exit 2).  Without moto_server on PATH the test fails saying so.
 * 3. Bad input: malformed and non-loopback http endpoints, missing credentials,
 *    --bootstrap without --execute or against a remote endpoint: exit 2, nothing written.
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

static void setup(void) { aws_suite_setup("aws", AKID, SECRET); }
static void teardown(void) { suite_dir_remove(); }

TestSuite(aws, .init = setup, .fini = teardown);

static sc_provider *aws_at(server *s, int max_attempts, int bootstrap, sc_scenario **scp,
                           sc_status *st, sc_error *err)
{
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(AWSJSON, &sc, err), SC_OK);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s->port);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .bootstrap = bootstrap,
                           .max_attempts = max_attempts, .backoff_base_ms = 5,
                           .backoff_cap_ms = 20, .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, err), SC_OK, "aws is built");
    sc_provider *p = NULL;
    *st = sc_provider_alloc(t, &cfg, &p, err);
    *scp = sc;
    return p;
}

Test(aws, requests_match_the_reference)
{
    server s;
    server_start(&s);
    /* us-east-1 prices t3.micro reserved (aws.json): its reserved pool is read with
     * DescribeInstances after its groups; eu-west-1 has no reserved pool */
    script(&s, 200, NULL, FIX "DescribeAutoScalingGroupsResponse.xml"); /* us-east-1 */
    script(&s, 200, NULL, FIX "DescribeInstancesResponse.xml");         /* us-east-1 EC2 */
    script(&s, 200, NULL, FIX "DescribeAutoScalingGroupsResponse.xml"); /* eu-west-1 */
    script(&s, 200, NULL, NULL);                                          /* Set... */
    server_run(&s);
    sc_scenario *sc;
    sc_error err;
    sc_status st;
    sc_provider *p = aws_at(&s, 1, 0, &sc, &st, &err);
    cr_assert_eq(st, SC_OK, "%s", err.msg);
    sc_pool_state pools[2 * 3];
    st = sc_provider_snapshot(p, sc, pools, 6, 0, &err);
    cr_assert_eq(st, SC_ERR_NOTFOUND, "eu-west-1's group is not in the answer");
    cr_assert(strstr(err.msg, "sculpt-web-eu-west-1") && strstr(err.msg, "--bootstrap"), "%s",
              err.msg);
    /* the us-east-1 pool by hand: 4 InService -> ready 4; 1 Pending + (desired 6 - 5
     * launched) -> booting 2; 1 Terminating -> draining 1 */
    sc_pool_state one;
    s.next = 0; /* serve the same answer again */
    st = sc_provider_describe(p, 0, 0, 0, SC_PURCHASE_ONDEMAND, &one, &err);
    cr_assert_eq(st, SC_ERR_NOTFOUND);
    /* apply +3: PREPARE turns it into desired = 6 + 3 = 9, written ahead */
    s.next = 3;
    sc_action act = {.kind = SC_ACTION_PROVISION, .app = 0, .region = 0, .type = 0,
                     .option = SC_PURCHASE_ONDEMAND, .count = 3, .to_region = -1,
                     .to_type = -1};
    sc_live_call lc = {.act = &act, .key = "1-0"};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK);
    cr_assert_str_eq(lc.payload, "desired=9");
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, &err), SC_OK);
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(res.accepted, 3);
    /* requests: Describe, DescribeInstances, Describe (first snapshot), the same three
     * (describe), Set */
    cr_assert_eq(s.n_req, 7);
    for (int i = 0; i < 6; i++)
        check_params(s.req[i], i % 3 == 1 ? FIX "DescribeInstances.params"
                                          : FIX "DescribeAutoScalingGroups.params");
    check_params(s.req[6], FIX "SetDesiredCapacity.params");
    cr_assert(strstr(body_of(s.req[6]), "AutoScalingGroupName=sculpt-web-us-east-1"));
    cr_assert(strstr(body_of(s.req[6]), "DesiredCapacity=9"));
    cr_assert(strstr(body_of(s.req[1]), "Filter.1.Name=tag%3Asculpt-pool&Filter.1.Value.1="
                                        "sculpt-web-us-east-1&"), "%s", body_of(s.req[1]));
    for (int i = 0; i < 7; i++) {
        const char *r = s.req[i];
        cr_assert(strncmp(r, "POST / HTTP/1.1", 15) == 0, "%.40s", r);
        cr_assert(strcasestr(r, "Content-Type: application/x-www-form-urlencoded"));
        cr_assert(strstr(r, "Authorization: AWS4-HMAC-SHA256 Credential=" AKID "/"), "%s", r);
        const char *scope = i % 3 == 2   ? "/eu-west-1/autoscaling/aws4_request"
                            : i % 3 == 1 ? "/us-east-1/ec2/aws4_request"
                                         : "/us-east-1/autoscaling/aws4_request";
        cr_assert(strstr(r, scope), "SigV4 scope %s in %s", scope, r);
        cr_assert(strcasestr(r, "X-Amz-Date: "));
        /* only headers that are sent are signed (libcurl signed an empty "Expect:" it
         * then omitted; moto's signature check refused every request) */
        cr_assert(strstr(r, "SignedHeaders=content-type;host;x-amz-date,"), "%s", r);
        cr_assert_null(strstr(r, SECRET), "the secret is never sent");
    }
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);
}

Test(aws, retries_idempotent_calls_only)
{
    server s;
    server_start(&s);
    script(&s, 503, NULL, NULL);
    script(&s, 429, "Retry-After: 0\r\n", NULL);
    script(&s, 400, NULL, FIX "ErrorResponse-ScalingActivityInProgress.xml");
    script(&s, 0, NULL, NULL); /* dropped */
    script(&s, 503, NULL, FIX "ErrorResponse-RequestLimitExceeded.xml");
    script(&s, 200, NULL, NULL);
    server_run(&s);
    sc_scenario *sc;
    sc_error err;
    sc_status st;
    sc_provider *p = aws_at(&s, 8, 0, &sc, &st, &err);
    cr_assert_eq(st, SC_OK);
    sc_action act = {.kind = SC_ACTION_DEPROVISION, .app = 0, .region = 1, .type = 0,
                     .option = SC_PURCHASE_ONDEMAND, .count = 2, .to_region = -1,
                     .to_type = -1};
    sc_live_call lc = {.act = &act, .key = "2-0"};
    snprintf(lc.payload, sizeof lc.payload, "desired=2"); /* as replayed from a journal */
    p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, &err);
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(s.n_req, 6, "5 failures then the answer");
    for (int i = 0; i < 6; i++)
        cr_assert(strstr(body_of(s.req[i]), "DesiredCapacity=2"), "the same target each time");
    sc_cloud_stats cs;
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_CLOUD_STATS, &cs, &err), SC_OK);
    cr_assert_eq(cs.retries, 5);
    cr_assert_eq(cs.throttles, 3, "429, ScalingActivityInProgress, RequestLimitExceeded");
    cr_assert_eq(cs.requests, 6);
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);

    /* bootstrap's CreateLaunchTemplate is not idempotent: a 503 is not retried */
    server_start(&s);
    script(&s, 503, NULL, FIX "ErrorResponse-RequestLimitExceeded.xml");
    server_run(&s);
    p = aws_at(&s, 8, 1, &sc, &st, &err);
    cr_assert_eq(st, SC_ERR_IO);
    cr_assert_null(p);
    cr_assert_eq(s.n_req, 1, "no retry of a call that is not idempotent");
    check_params(s.req[0], FIX "CreateLaunchTemplate.params");
    cr_assert(strstr(err.msg, "CreateLaunchTemplate") && strstr(err.msg, "RequestLimitExceeded"),
              "%s", err.msg);
    cr_assert_null(strstr(err.msg, SECRET));
    cr_assert_null(strstr(err.where, SECRET));
    sc_scenario_free(sc);
    server_stop(&s);
}

Test(aws, bootstrap_requests_match_the_reference)
{
    server s;
    server_start(&s);
    server_run(&s); /* everything answered 200 */
    sc_scenario *sc;
    sc_error err;
    sc_status st;
    sc_provider *p = aws_at(&s, 1, 1, &sc, &st, &err);
    cr_assert_eq(st, SC_OK, "%s", err.msg);
    cr_assert_eq(s.n_req, 4, "template + group in each of two regions");
    check_params(s.req[0], FIX "CreateLaunchTemplate.params");
    check_params(s.req[1], FIX "CreateAutoScalingGroup.params");
    cr_assert(strstr(body_of(s.req[1]), "DesiredCapacity=8"), "initial on-demand in us-east-1");
    cr_assert(strstr(body_of(s.req[1]), "MaxSize=100"));
    cr_assert(strstr(body_of(s.req[0]), "LaunchTemplateData.InstanceType=t3.micro"));
    cr_assert(strstr(s.req[0], "/us-east-1/ec2/aws4_request"));
    cr_assert(strstr(body_of(s.req[3]), "DesiredCapacity=4"), "initial in eu-west-1");
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);
}

/* ---- moto ------------------------------------------------------------------------ */

Test(aws, live_against_moto, .timeout = 300)
{
    moto_start(0);
    char args[2048];
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:%d --execute --bootstrap "
             "--clock fast:1e9 --until 2h --journal %s/j --json",
             AWSJSON, moto_port, dir);
    int rc = sculpt(args, "run1");
    if (rc != 0) {
        char p[512];
        snprintf(p, sizeof p, "%s/run1.err", dir);
        char *e = slurp(p);
        moto_stop();
        cr_assert_fail("sculpt live against moto failed (%d): %s", rc, e);
    }
    double planned = json_num("run1", "actions_planned");
    double mut = json_num("run1", "mutating");
    cr_assert_gt(planned, 0);
    cr_assert_eq(mut, planned + 4, "every planned call plus 4 bootstrap calls");
    /* expected capacities from the journal: initial (8, 4) + net accepted per region */
    char p[512];
    snprintf(p, sizeof p, "%s/j", dir);
    char *j = slurp(p);
    cr_assert_not_null(j);
    int want[2] = {8, 4};
    char keys[256][48];
    int kind[256], reg[256], nk = 0;
    char *save = NULL;
    for (char *ln = strtok_r(j, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char key[48];
        long long t;
        int k, a, r, acc;
        if (sscanf(ln, "I %47s %lld %d %d %d", key, &t, &k, &a, &r) == 5 && nk < 256) {
            snprintf(keys[nk], sizeof keys[nk], "%s", key);
            kind[nk] = k, reg[nk] = r, nk++;
        } else if (sscanf(ln, "A %47s %d", key, &acc) == 2) {
            for (int i = 0; i < nk; i++)
                if (strcmp(keys[i], key) == 0)
                    want[reg[i]] += kind[i] == SC_ACTION_DEPROVISION ? -acc : acc;
        }
    }
    free(j);
    j = slurp(p);
    cr_assert(!strstr(j, SECRET), "secret in the journal");
    free(j);
    /* read the groups back with boto3 */
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import boto3\n"
             "for r in [\"us-east-1\", \"eu-west-1\"]:\n"
             "  c = boto3.client(\"autoscaling\", region_name=r, endpoint_url=\"http://127.0.0.1:%d\","
             " aws_access_key_id=\"x\", aws_secret_access_key=\"y\")\n"
             "  g = c.describe_auto_scaling_groups(AutoScalingGroupNames=[\"sculpt-web-\" + r])"
             "[\"AutoScalingGroups\"][0]\n"
             "  print(g[\"DesiredCapacity\"])' > %s/boto.txt 2>&1",
             moto_port, dir);
    int brc = system(cmd);
    snprintf(p, sizeof p, "%s/boto.txt", dir);
    char *b = slurp(p);
    if (brc != 0) {
        moto_stop();
        cr_assert_fail("boto3 read-back failed: %s", b);
    }
    int got[2] = {-1, -1};
    sscanf(b, "%d %d", &got[0], &got[1]);
    free(b);
    cr_assert_eq(got[0], want[0], "us-east-1: %d, journal says %d", got[0], want[0]);
    cr_assert_eq(got[1], want[1], "eu-west-1: %d, journal says %d", got[1], want[1]);
    cr_assert(got[0] != 8 || got[1] != 4, "the run changed something");
    /* rerun with the same journal: replay only */
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:%d --execute --clock fast:1e9 "
             "--until 2h --journal %s/j --json",
             AWSJSON, moto_port, dir);
    cr_assert_eq(sculpt(args, "run2"), 0);
    cr_assert_eq(json_num("run2", "mutating"), 0);
    cr_assert_eq(json_num("run2", "replayed"), planned);
    /* an unreachable endpoint: a clear error, no secret */
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:1 --execute --clock fast:1e9 "
             "--journal %s/k --json",
             AWSJSON, dir);
    int rc3 = sculpt(args, "run3");
    moto_stop();
    cr_assert_eq(rc3, 3, "no answer is an I/O error");
    /* the secret appears nowhere */
    snprintf(cmd, sizeof cmd, "grep -r -l -- '%s' '%s' > %s/grep.txt", SECRET, dir, dir);
    cr_assert_neq(system(cmd), 0, "the secret key was found in an output file");
}

/* ---- bad input -------------------------------------------------------------------- */

Test(aws, bad_input)
{
    struct {
        const char *args, *want;
        int rc;
    } cases[] = {
        {"--provider aws --endpoint ftp://127.0.0.1:9 --journal @/j", "http:// or https://", 2},
        {"--provider aws --endpoint http://127.0.0.1:99999 --journal @/j", "port", 2},
        {"--provider aws --endpoint http://example.com --journal @/j", "loopback", 2},
        {"--provider aws --endpoint http:// --journal @/j", "no host", 2},
        {"--provider aws --endpoint http://127.0.0.1:9 --bootstrap --journal @/j", "--execute", 2},
        {"--provider aws --endpoint https://example.com --bootstrap --execute --journal @/j",
         "loopback", 2},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char a[1024] = AWSJSON " ";
        for (const char *q = cases[i].args; *q; q++) {
            if (*q == '@')
                strncat(a, dir, sizeof a - strlen(a) - 1);
            else
                strncat(a, (char[]){*q, 0}, sizeof a - strlen(a) - 1);
        }
        cr_assert_eq(sculpt(a, "bad"), cases[i].rc, "%s", cases[i].args);
        char p[512];
        snprintf(p, sizeof p, "%s/bad.err", dir);
        char *e = slurp(p);
        cr_assert(strstr(e, cases[i].want), "%s: %s", cases[i].args, e);
        cr_assert_null(strstr(e, SECRET));
        free(e);
        snprintf(p, sizeof p, "%s/j", dir);
        struct stat st;
        cr_assert_neq(stat(p, &st), 0, "%s: journal written on bad input", cases[i].args);
    }
    /* missing credentials */
    char a[1024];
    snprintf(a, sizeof a, "%s --provider aws --endpoint http://127.0.0.1:9 --journal %s/j",
             AWSJSON, dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY AWS_SHARED_CREDENTIALS_FILE=%s/none "
             "%s live %s > /dev/null 2> %s/cred.err",
             dir, SC_SCULPT_BIN, a, dir);
    int rc = system(cmd);
    cr_assert_eq(WEXITSTATUS(rc), 2);
    char p[512];
    snprintf(p, sizeof p, "%s/cred.err", dir);
    char *e = slurp(p);
    cr_assert(strstr(e, "missing credentials"), "%s", e);
    free(e);
}

Test(aws, moto_with_signature_checks, .timeout = 300)
{
    moto_start(1);
    char cmd[4096], keys[512];
    snprintf(keys, sizeof keys, "%s/keys.txt", dir);
    snprintf(cmd, sizeof cmd,
             "python3 -c 'import boto3, json\n"
             "iam = boto3.client(\"iam\", region_name=\"us-east-1\", endpoint_url=\"http://127.0.0.1:%d\","
             " aws_access_key_id=\"x\", aws_secret_access_key=\"y\")\n"
             "iam.create_user(UserName=\"sculpt\")\n"
             "iam.put_user_policy(UserName=\"sculpt\", PolicyName=\"all\", PolicyDocument="
             "json.dumps({\"Version\": \"2012-10-17\", \"Statement\": [{\"Effect\": \"Allow\","
             " \"Action\": \"*\", \"Resource\": \"*\"}]}))\n"
             "k = iam.create_access_key(UserName=\"sculpt\")[\"AccessKey\"]\n"
             "print(k[\"AccessKeyId\"], k[\"SecretAccessKey\"])' > %s 2>&1",
             moto_port, keys);
    int prc = system(cmd);
    char *k = slurp(keys);
    if (prc != 0) {
        moto_stop();
        cr_assert_fail("creating the IAM user in moto failed: %s", k);
    }
    char ak[128], sk[128];
    cr_assert_eq(sscanf(k, "%127s %127s", ak, sk), 2, "%s", k);
    free(k);
    char args[2048];
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:%d --execute --bootstrap "
             "--clock fast:1e9 --until 1h --journal %s/j --json",
             AWSJSON, moto_port, dir);
    setenv("AWS_ACCESS_KEY_ID", ak, 1);
    setenv("AWS_SECRET_ACCESS_KEY", sk, 1);
    int rc = sculpt(args, "signed");
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret-0123456789", 1);
    snprintf(args, sizeof args,
             "%s --provider aws --endpoint http://127.0.0.1:%d --execute "
             "--clock fast:1e9 --until 1h --journal %s/k --json",
             AWSJSON, moto_port, dir);
    int rc2 = sculpt(args, "badsig");
    moto_stop();
    char p[512];
    snprintf(p, sizeof p, "%s/signed.err", dir);
    char *e = slurp(p);
    cr_assert_eq(rc, 0, "signed requests refused: %s", e);
    free(e);
    cr_assert_gt(json_num("signed", "mutating"), 4, "bootstrap and scaling calls accepted");
    snprintf(p, sizeof p, "%s/badsig.err", dir);
    e = slurp(p);
    cr_assert_eq(rc2, 2, "%s", e);
    cr_assert(strstr(e, "SignatureDoesNotMatch"), "%s", e);
    cr_assert_null(strstr(e, "not-the-secret"));
    cr_assert_null(strstr(e, sk));
    free(e);
    snprintf(cmd, sizeof cmd, "grep -r -l -- '%s' '%s' | grep -v keys.txt > /dev/null", sk, dir);
    cr_assert_neq(system(cmd), 0, "the secret key was found in an output file");
}
