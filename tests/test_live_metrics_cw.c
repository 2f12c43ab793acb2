/*
 * test_live_metrics_cw.c - `sculpt live --metrics cloudwatch` against moto_server (moto
 * 5, started here on 127.0.0.1 with a free port, stopped by its pid; without it on PATH
 * the test fails saying so), seeded with PutMetricData through boto3 (moto's own
 * dependency).  GetMetricData goes over the Query protocol, signed with SigV4.
 *
 * Independent references, as in test_live_prom.c: the seeded loads are the scenario's own
 * per-geography loads (sc_world_build on tests/live/aws.json), so the plans must equal
 * those of `--metrics replay` byte for byte; latency (150 ms every fourth step, 50 ms
 * otherwise) and error ratio (0.001) are chosen by hand, with geo g's step 20 left out:
 * attainment 54/71, counted in test_live_prom.c.
 *
 * Credentials: the shared credentials file (HOME pointed at the test's directory, profile
 * from AWS_PROFILE) signs GetMetricData for moto with its signature checks on, the same
 * reader as the AWS adapter's (core/cloud/awscred.c); the other profile's wrong secret is
 * refused, and no secret reaches the output.
 *
 * Against fixtures (tests/live/fixtures/cloudwatch/, written from the API reference) and
 * a fake server that records requests: the Query API's fields, the SigV4 scope
 * (service "monitoring", the geography's home region), NextToken paging, datapoints
 * placed by period start, an off-grid timestamp ignored, missing periods stored as gaps.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <math.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sculpt/sculpt.h"
#include "sculpt/simulator.h"
#include "sculpt/tsdb.h"

#include "../core/live/metricsint.h"

#define SCULPT SC_SCULPT_BIN
#define AWSJSON SC_SOURCE_DIR "/tests/live/aws.json"

#include "fake_cloud/cloudtest.h" /* dir, moto_start/moto_stop (by pid), free_port, slurp */

static void setup(void) { suite_setup("cw"); }

static void teardown(void)
{
    moto_stop();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(cw, .init = setup, .fini = teardown);

/* Seed moto: the world's per-geography loads (geo g's step `gap` left out), latency and
 * error ratio, in each geography's home region. */
static void seed_with(int gap, const char *ak, const char *sk)
{
    sc_scenario *sc = NULL;
    sc_world *w = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(AWSJSON, &sc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    char path[300];
    snprintf(path, sizeof path, "%s/points.txt", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    for (size_t g = 0; g < sc->n_geos; g++)
        for (int64_t k = 0; k < w->n_steps; k++) {
            if (g == 0 && k == gap)
                continue;
            const char *region = sc->regions[sc->geos[g].home_region].name;
            long long t = (long long)((sc->start + k * sc->step_ms) / 1000);
            fprintf(f, "%s %s sculpt_load %.9g %lld\n", sc->geos[g].name, region,
                    (double)w->load_ag[g][k], t);
            fprintf(f, "%s %s sculpt_latency_ms %d %lld\n", sc->geos[g].name, region,
                    k % 4 ? 50 : 150, t);
            fprintf(f, "%s %s sculpt_error_ratio 0.001 %lld\n", sc->geos[g].name, region, t);
        }
    fclose(f);
    sc_world_free(w);
    sc_scenario_free(sc);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "python3 - %d %s > %s/seed.log 2>&1 <<'PY'\n"
             "import sys, datetime, boto3\n"
             "port, path = sys.argv[1], sys.argv[2]\n"
             "by = {}\n"
             "for line in open(path):\n"
             "    geo, region, name, v, t = line.split()\n"
             "    by.setdefault(region, []).append({'MetricName': name, 'Value': float(v),\n"
             "        'Dimensions': [{'Name': 'app', 'Value': 'web'}, {'Name': 'geo', 'Value': geo}],\n"
             "        'Timestamp': datetime.datetime.fromtimestamp(int(t), datetime.timezone.utc)})\n"
             "for region, data in by.items():\n"
             "    c = boto3.client('cloudwatch', region_name=region, endpoint_url='http://127.0.0.1:' + port,\n"
             "                     aws_access_key_id='%s', aws_secret_access_key='%s')\n"
             "    for i in range(0, len(data), 20):\n"
             "        c.put_metric_data(Namespace='Sculpt', MetricData=data[i:i + 20])\n"
             "PY",
             moto_port, path, dir, ak, sk);
    cr_assert_eq(run(cmd), 0, "PutMetricData seeding failed (see %s/seed.log)", dir);
}

static void seed(int gap) { seed_with(gap, "x", "y"); }

static double json_num_in(const char *txt, const char *key)
{
    const char *p = strstr(txt, key);
    cr_assert_not_null(p, "no %s in %s", key, txt);
    return strtod(strchr(p, ':') + 1, NULL);
}

#define ENV "AWS_ACCESS_KEY_ID=AKIDTEST AWS_SECRET_ACCESS_KEY=cw-secret-not-real "

Test(cw, same_plans_as_replay_and_store, .timeout = 300)
{
    moto_start(0);
    seed(-1);
    char cmd[2048], p1[300], p2[300];
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics replay --clock fast:1e9 --journal %s/j0 "
             "> %s/replay.txt 2> /dev/null",
             SCULPT, AWSJSON, dir, dir);
    cr_assert_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd,
             ENV "%s live %s --provider mock --metrics cloudwatch --endpoint "
                 "http://127.0.0.1:%d --clock fast:1e9 --journal %s/j1 --store %s/obs.h5 > "
                 "%s/cw.txt 2> %s/cw.err",
             SCULPT, AWSJSON, moto_port, dir, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "see %s/cw.err", dir);
    snprintf(p1, sizeof p1, "%s/replay.txt", dir);
    snprintf(p2, sizeof p2, "%s/cw.txt", dir);
    char *a = slurp(p1), *b = slurp(p2);
    cr_assert(a && b && strlen(a) > 100);
    cr_assert_str_eq(a, b, "the plans fed by CloudWatch differ from the replay's");
    free(a);
    free(b);
    /* the secret never reaches the output */
    snprintf(cmd, sizeof cmd, "grep -rq 'cw-secret-not-real' %s/cw.txt %s/cw.err %s/j1", dir,
             dir, dir);
    cr_assert_neq(run(cmd), 0, "the secret appears in the output or the journal");
}

Test(cw, gap_and_attainment, .timeout = 300)
{
    moto_start(0);
    seed(20);
    char cmd[2048], path[300];
    snprintf(cmd, sizeof cmd,
             ENV "%s live %s --provider mock --metrics cloudwatch --endpoint "
                 "http://127.0.0.1:%d --clock fast:1e9 --journal %s/j --json > %s/sum.json "
                 "2> %s/err.txt",
             SCULPT, AWSJSON, moto_port, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "see %s/err.txt", dir);
    snprintf(path, sizeof path, "%s/sum.json", dir);
    char *s = slurp(path);
    cr_assert_eq(json_num_in(s, "\"steps\""), 48.0);
    cr_assert_eq(json_num_in(s, "\"gaps\""), 1.0);
    cr_assert_float_eq(json_num_in(s, "\"attainment\""), 54.0 / 71.0, 1e-12);
    free(s);
}

Test(cw, bad_input, .timeout = 300)
{
    char cmd[2048], path[300];
    struct stat st;
    /* missing credentials: exit 2 before anything is written */
    snprintf(cmd, sizeof cmd,
             "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SHARED_CREDENTIALS_FILE "
             "-u AWS_PROFILE HOME=%s %s live %s --provider mock --metrics cloudwatch "
             "--endpoint http://127.0.0.1:1 --journal %s/j 2> %s/err.txt",
             dir, SCULPT, AWSJSON, dir, dir);
    cr_assert_eq(run(cmd), 2);
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *s = slurp(path);
    cr_assert(strstr(s, "missing credentials") && strstr(s, "no profile [default]") &&
                  strstr(s, "/.aws/credentials"),
              "%s", s);
    free(s);
    /* nothing listening: exit 3 */
    snprintf(cmd, sizeof cmd,
             ENV "%s live %s --provider mock --metrics cloudwatch --endpoint http://127.0.0.1:%d "
                 "--journal %s/j 2> %s/err.txt",
             SCULPT, AWSJSON, free_port(), dir, dir);
    cr_assert_eq(run(cmd), 3);
    /* an empty namespace in moto: no datapoint at the first step, exit 2 */
    moto_start(0);
    snprintf(cmd, sizeof cmd,
             ENV "%s live %s --provider mock --metrics cloudwatch --endpoint http://127.0.0.1:%d "
                 "--journal %s/j --store %s/obs.h5 2> %s/err.txt",
             SCULPT, AWSJSON, moto_port, dir, dir, dir);
    cr_assert_eq(run(cmd), 2);
    s = slurp(path);
    cr_assert(strstr(s, "no datapoint of Sculpt/sculpt_load") && strstr(s, "us-east-1"), "%s",
              s);
    free(s);
    snprintf(path, sizeof path, "%s/j", dir);
    cr_assert_neq(stat(path, &st), 0, "a journal was left behind");
    snprintf(path, sizeof path, "%s/obs.h5", dir);
    cr_assert_neq(stat(path, &st), 0, "a store was left behind");
}

/* ---- requests and answers against fixtures from the API reference ------------------ */

#define FIXDIR SC_SOURCE_DIR "/tests/live/fixtures/cloudwatch"

static void check_series(const char *store, const char *geo, const char *metric,
                         const double *want, size_t n)
{
    sc_tsdb *db;
    sc_error err;
    cr_assert_eq(sc_tsdb_open(store, SC_TSDB_READ, &db, &err), SC_OK, "%s", err.msg);
    sc_series_key key = {"web", geo, metric};
    sc_time_ms *t;
    double *v;
    size_t nv;
    cr_assert_eq(sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &nv, &err), SC_OK,
                 "%s/%s: %s", geo, metric, err.msg);
    cr_assert_eq(nv, n, "%s/%s: %zu samples", geo, metric, nv);
    for (size_t i = 0; i < n; i++) {
        cr_assert_eq(t[i], INT64_C(1767571200000) + (int64_t)i * 300000);
        if (isnan(want[i]))
            cr_assert(isnan(v[i]), "%s/%s[%zu] = %g, expected a gap", geo, metric, i, v[i]);
        else
            cr_assert_float_eq(v[i], want[i], 1e-12, "%s/%s[%zu]", geo, metric, i);
    }
    free(t);
    free(v);
    sc_tsdb_close(db, NULL);
}

Test(cw, fixture_requests_and_pages, .timeout = 120)
{
    int port = free_port();
    char log[300], cmd[2048], store[300];
    snprintf(log, sizeof log, "%s/requests.log", dir);
    snprintf(store, sizeof store, "%s/obs.h5", dir);
    moto_pid = fork(); /* the fake, stopped by teardown by its pid */
    if (moto_pid == 0) {
        char p[16];
        snprintf(p, sizeof p, "%d", port);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execlp("python3", "python3", FIXDIR "/fake.py", p, FIXDIR, log, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 100; i++) {
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            break;
        usleep(100000);
    }
    snprintf(cmd, sizeof cmd,
             ENV "%s live %s --provider mock --metrics cloudwatch --endpoint http://127.0.0.1:%d "
                 "--clock fast:1e9 --until 15m --journal %s/j --store %s --json > %s/sum.json "
                 "2> %s/err.txt",
             SCULPT, AWSJSON, port, dir, store, dir, dir);
    cr_assert_eq(run(cmd), 0, "see %s/err.txt", dir);
    /* answers: placed by period start, 00:12:30 off the grid, missing periods are gaps */
    const double load_g[3] = {400.0, 410.5, 420.0}, load_h[3] = {200.0, 205.0, NAN};
    const double lat_g[3] = {50.0, NAN, NAN}, err_g[3] = {0.001, NAN, NAN};
    check_series(store, "g", "observed_load", load_g, 3);
    check_series(store, "h", "observed_load", load_h, 3);
    check_series(store, "g", "observed_latency_ms", lat_g, 3);
    check_series(store, "g", "observed_error_ratio", err_g, 3);
    /* requests: the Query API's fields and the SigV4 scope of the service */
    char *s = slurp(log);
    cr_assert_not_null(s);
    const char *want[] = {
        "AUTH AWS4-HMAC-SHA256 Credential=AKIDTEST/",
        "/us-east-1/monitoring/aws4_request",
        "/eu-west-1/monitoring/aws4_request",
        "TYPE application/x-www-form-urlencoded",
        "Action=GetMetricData&Version=2010-08-01&StartTime=2026-01-05T00%3A00%3A00Z&"
        "EndTime=2026-01-05T00%3A05%3A00Z&ScanBy=TimestampAscending",
        "MetricDataQueries.member.1.Id=s0_0&"
        "MetricDataQueries.member.1.MetricStat.Metric.Namespace=Sculpt&"
        "MetricDataQueries.member.1.MetricStat.Metric.MetricName=sculpt_load&"
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Name=app&"
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.1.Value=web&"
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Name=geo&"
        "MetricDataQueries.member.1.MetricStat.Metric.Dimensions.member.2.Value=g&"
        "MetricDataQueries.member.1.MetricStat.Period=300&"
        "MetricDataQueries.member.1.MetricStat.Stat=Average&"
        "MetricDataQueries.member.1.ReturnData=true",
        "MetricDataQueries.member.2.Id=s1_0&",
        "MetricDataQueries.member.3.Id=s2_0&",
        "&NextToken=page-2",
        "MetricDataQueries.member.1.Id=s0_1&",
    };
    for (size_t i = 0; i < sizeof want / sizeof *want; i++)
        cr_assert(strstr(s, want[i]), "no '%s' in the requests (%s)", want[i], log);
    cr_assert_null(strstr(s, "cw-secret-not-real"), "the secret was sent");
    free(s);
}

/* An IAM user in moto (signature checks on) allowed everything; its keys to ak/sk. */
static void iam_keys(char ak[128], char sk[128])
{
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
    cr_assert_eq(run(cmd), 0, "creating the IAM user in moto failed (see %s)", keys);
    char *k = slurp(keys);
    cr_assert_eq(sscanf(k, "%127s %127s", ak, sk), 2, "%s", k);
    free(k);
}

/* moto with its signature checks on: an IAM user's keys sign GetMetricData; a wrong
 * secret is refused (SignatureDoesNotMatch, exit 2) and never printed. */
Test(cw, moto_with_signature_checks, .timeout = 300)
{
    moto_start(1);
    char cmd[4096], ak[128], sk[128];
    iam_keys(ak, sk);
    seed_with(-1, ak, sk);
    snprintf(cmd, sizeof cmd,
             "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=%s %s live %s --provider mock "
             "--metrics cloudwatch --endpoint http://127.0.0.1:%d --clock fast:1e9 --until 1h "
             "--journal %s/j1 --json > %s/signed.json 2> %s/signed.err",
             ak, sk, SCULPT, AWSJSON, moto_port, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "signed GetMetricData refused (see %s/signed.err)", dir);
    snprintf(cmd, sizeof cmd,
             "AWS_ACCESS_KEY_ID=%s AWS_SECRET_ACCESS_KEY=not-the-secret-0123456789 %s live %s "
             "--provider mock --metrics cloudwatch --endpoint http://127.0.0.1:%d --clock "
             "fast:1e9 --until 1h --journal %s/j2 --json > /dev/null 2> %s/badsig.err",
             ak, SCULPT, AWSJSON, moto_port, dir, dir);
    cr_assert_eq(run(cmd), 2, "a wrong secret must be refused as bad input");
    char p[512];
    snprintf(p, sizeof p, "%s/badsig.err", dir);
    char *e = slurp(p);
    cr_assert(strstr(e, "SignatureDoesNotMatch"), "%s", e);
    cr_assert_null(strstr(e, "not-the-secret"));
    free(e);
    snprintf(cmd, sizeof cmd, "grep -r -l -- '%s' '%s' | grep -v keys.txt > /dev/null", sk, dir);
    cr_assert_neq(run(cmd), 0, "the secret key was found in an output file");
}

/* The shared credentials file, as the AWS adapter reads it: HOME is the test's directory,
 * the environment has no keys.  Profile "sculpt-ci" holds the IAM user's keys; [default]
 * holds the same key id with a wrong secret, so only the named profile signs correctly. */
Test(cw, shared_credentials_file, .timeout = 300)
{
    moto_start(1);
    char cmd[4096], ak[128], sk[128];
    iam_keys(ak, sk);
    seed_with(-1, ak, sk);
    char path[512];
    snprintf(path, sizeof path, "%s/.aws", dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    snprintf(path, sizeof path, "%s/.aws/credentials", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "[default]\naws_access_key_id = %s\naws_secret_access_key = wrong-secret-0123456789\n"
            "\n# the CI user\n[sculpt-ci]\naws_access_key_id = %s\naws_secret_access_key = %s\n",
            ak, ak, sk);
    fclose(f);
#define NOENV "env -u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN " \
              "-u AWS_SHARED_CREDENTIALS_FILE -u AWS_PROFILE HOME=%s "
    snprintf(cmd, sizeof cmd,
             NOENV "AWS_PROFILE=sculpt-ci %s live %s --provider mock --metrics cloudwatch "
                   "--endpoint http://127.0.0.1:%d --clock fast:1e9 --until 1h --journal %s/j1 "
                   "--json > %s/file.json 2> %s/file.err",
             dir, SCULPT, AWSJSON, moto_port, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "GetMetricData signed with the file's keys refused (see %s/file.err)",
                 dir);
    snprintf(path, sizeof path, "%s/file.json", dir);
    char *s = slurp(path);
    cr_assert_eq(json_num_in(s, "\"steps\""), 12.0, "%s", s);
    free(s);
    /* without AWS_PROFILE: [default], whose secret is wrong, is refused as bad input */
    snprintf(cmd, sizeof cmd,
             NOENV "%s live %s --provider mock --metrics cloudwatch --endpoint "
                   "http://127.0.0.1:%d --clock fast:1e9 --until 1h --journal %s/j2 --json > "
                   "/dev/null 2> %s/default.err",
             dir, SCULPT, AWSJSON, moto_port, dir, dir);
    cr_assert_eq(run(cmd), 2, "the [default] profile's wrong secret must be refused");
    snprintf(path, sizeof path, "%s/default.err", dir);
    s = slurp(path);
    cr_assert(strstr(s, "SignatureDoesNotMatch"), "%s", s);
    cr_assert_null(strstr(s, "wrong-secret"));
    free(s);
#undef NOENV
    /* neither secret in any output file (the credentials file and keys.txt hold them) */
    snprintf(cmd, sizeof cmd,
             "grep -r -l -e '%s' -e wrong-secret '%s' | grep -v -e keys.txt -e '/.aws/' "
             "> /dev/null",
             sk, dir);
    cr_assert_neq(run(cmd), 0, "a secret key was found in an output file");
}

/* ---- placement on the step grid and the partial last period (cloudwatch.c) ---------- */

/* A GetMetricData answer for queries "a" and "b", each with the same timestamps (ISO,
 * n of them) and its own values, written to dir/name. */
static void cw_answer(const char *name, const char *const *ts, const double *va,
                      const double *vb, int n)
{
    char p[400];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fprintf(f, "<GetMetricDataResponse xmlns=\"http://monitoring.amazonaws.com/doc/2010-08-01/\">"
               "<GetMetricDataResult><MetricDataResults>");
    for (int q = 0; q < 2; q++) {
        fprintf(f, "<member><Id>%s</Id><Timestamps>", q ? "b" : "a");
        for (int i = 0; i < n; i++)
            fprintf(f, "<member>%s</member>", ts[i]);
        fprintf(f, "</Timestamps><Values>");
        for (int i = 0; i < n; i++)
            fprintf(f, "<member>%g</member>", q ? vb[i] : va[i]);
        fprintf(f, "</Values><StatusCode>Complete</StatusCode></member>");
    }
    fprintf(f, "</MetricDataResults></GetMetricDataResult></GetMetricDataResponse>");
    fclose(f);
}

static sc_time_ms at(const char *iso)
{
    sc_time_ms t;
    cr_assert_eq(sc_time_parse(iso, NULL, &t), SC_OK, "%s", iso);
    return t;
}

/* By hand, P = 300 s:
 * 1. start 00:00:30 (off the minute): CloudWatch rounds StartTime down to 00:00:00 and
 *    answers periods 00:00, 00:05, 00:10, each 30 s before a step start: steps 0, 1, 2
 *    (before: none placed, the timestamps were not on the grid);
 * 2. placement "end", t0 = 00:10, two steps: StartTime asked 00:05; the period [00:05,
 *    00:10) is step 0's, [00:10, 00:15) step 1's;
 * 3. now = 00:12:00: the period [00:10, 00:15) has 120 s of 300 seen: Sum 40 -> 40 x
 *    300 / 120 = 100, Average 6 kept, one partial each;
 * 4. now = 00:10:20: 20 s seen, under a tenth of the period: dropped (a gap). */
Test(cw, placement_and_partial_period, .timeout = 60)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "cw-secret-not-real", 1);
    const char *ts3[] = {"2026-01-05T00:00:00Z", "2026-01-05T00:05:00Z",
                         "2026-01-05T00:10:00Z"};
    const char *ts2[] = {"2026-01-05T00:05:00Z", "2026-01-05T00:10:00Z"};
    const double v3a[] = {10, 20, 30}, v3b[] = {1, 2, 3}, v2a[] = {7, 8}, v2b[] = {70, 80};
    const double sa[] = {100, 100, 40}, sb[] = {5, 5, 6};
    cw_answer("r1.xml", ts3, v3a, v3b, 3);
    cw_answer("r2.xml", ts2, v2a, v2b, 2);
    cw_answer("r3.xml", ts3, sa, sb, 3);
    server s;
    server_start(&s);
    const char *files[] = {"r1.xml", "r2.xml", "r3.xml", "r3.xml"};
    for (int i = 0; i < 4; i++) {
        char p[400];
        snprintf(p, sizeof p, "%s/%s", dir, files[i]);
        script(&s, 200, NULL, p);
    }
    server_run(&s);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d/", s.port);
    sc_cw *c = NULL;
    sc_error err;
    cr_assert_eq(sc_cw_alloc(url, &c, &err), SC_OK, "%s", err.msg);
    double oa[3], ob[3];
    sc_cw_query q[2];
    memset(q, 0, sizeof q);
    for (int i = 0; i < 2; i++) {
        snprintf(q[i].id, sizeof q[i].id, "%s", i ? "b" : "a");
        snprintf(q[i].ns, sizeof q[i].ns, "Sculpt");
        snprintf(q[i].metric, sizeof q[i].metric, "sculpt_load");
        snprintf(q[i].stat, sizeof q[i].stat, "%s", i ? "Average" : "Sum");
        q[i].scale = 1.0;
        q[i].out = i ? ob : oa;
    }
    const int64_t P = 300000;
    /* 1 */
    sc_cw_place start = {.at_end = 0, .now_ms = 0};
    cr_assert_eq(sc_cw_get(c, "us-east-1", q, 2, at("2026-01-05T00:00:30Z"), P, 3, &start, &err),
                 SC_OK, "%s", err.msg);
    for (int i = 0; i < 3; i++) {
        cr_assert_float_eq(oa[i], v3a[i], 1e-12, "step %d", i);
        cr_assert_float_eq(ob[i], v3b[i], 1e-12, "step %d", i);
    }
    /* 2 */
    sc_cw_place end = {.at_end = 1, .now_ms = 0};
    cr_assert_eq(sc_cw_get(c, "us-east-1", q, 2, at("2026-01-05T00:10:00Z"), P, 2, &end, &err),
                 SC_OK, "%s", err.msg);
    cr_assert_float_eq(oa[0], 7, 1e-12);
    cr_assert_float_eq(oa[1], 8, 1e-12);
    cr_assert(strstr(s.req[1], "StartTime=2026-01-05T00%3A05%3A00Z&EndTime=2026-01-05T00%3A15%3A00Z"),
              "%s", body_of(s.req[1]));
    /* 3 */
    sc_cw_place part = {.at_end = 0, .now_ms = at("2026-01-05T00:12:00Z")};
    cr_assert_eq(sc_cw_get(c, "us-east-1", q, 2, at("2026-01-05T00:00:00Z"), P, 3, &part, &err),
                 SC_OK, "%s", err.msg);
    cr_assert_float_eq(oa[2], 100.0, 1e-9, "Sum scaled to the period");
    cr_assert_float_eq(ob[2], 6.0, 1e-12, "Average kept");
    cr_assert_float_eq(oa[1], 100.0, 1e-12, "a closed period as it is");
    cr_assert_eq(q[0].n_partial, 1);
    cr_assert_eq(q[1].n_partial, 1);
    /* 4 */
    part.now_ms = at("2026-01-05T00:10:20Z");
    cr_assert_eq(sc_cw_get(c, "us-east-1", q, 2, at("2026-01-05T00:00:00Z"), P, 3, &part, &err),
                 SC_OK, "%s", err.msg);
    cr_assert(isnan(oa[2]) && isnan(ob[2]), "20 s of 300: a gap");
    cr_assert_eq(q[0].n_points, 2);
    sc_cw_free(c);
    server_stop(&s);
}

/* $.live.metrics.cloudwatch.placement other than "start" or "end": exit 2 naming the file
 * and the JSON path, no journal. */
Test(cw, bad_placement, .timeout = 60)
{
    char *src = slurp(AWSJSON);
    cr_assert_not_null(src);
    char *at = strstr(src, "\"ramp.csv\"");
    cr_assert_not_null(at);
    /* the traces by absolute path, a live section added before the final brace */
    char *txt = malloc(strlen(src) + 4096);
    char *end = strrchr(src, '}');
    cr_assert_not_null(end);
    *end = '\0';
    char *p = txt;
    for (const char *q = src; *q;) {
        if (strncmp(q, "\"ramp.csv\"", 10) == 0) {
            p += sprintf(p, "\"%s/tests/live/ramp.csv\"", SC_SOURCE_DIR);
            q += 10;
        } else {
            *p++ = *q++;
        }
    }
    sprintf(p, ", \"live\": {\"metrics\": {\"cloudwatch\": {\"placement\": \"middle\"}}}}\n");
    char path[400], cmd[2048], ep[400], jp[400];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(txt, f);
    fclose(f);
    free(txt);
    free(src);
    snprintf(jp, sizeof jp, "%s/j", dir);
    snprintf(cmd, sizeof cmd,
             ENV "%s live %s --provider mock --metrics cloudwatch --endpoint http://127.0.0.1:1 "
                 "--journal %s 2> %s/err.txt",
             SCULPT, path, jp, dir);
    cr_assert_eq(run(cmd), 2);
    snprintf(ep, sizeof ep, "%s/err.txt", dir);
    char *e = slurp(ep);
    cr_assert(strstr(e, "$.live.metrics.cloudwatch.placement") && strstr(e, "middle") &&
                  strstr(e, "bad.json"),
              "%s", e);
    free(e);
    struct stat st;
    cr_assert_neq(stat(jp, &st), 0, "a journal was left behind");
}
