/*
 * test_live_prom.c - `sculpt live --metrics prometheus:URL` against a real Prometheus
 * (Debian's `prometheus` package, 2.42): the test writes OpenMetrics text, backfills it
 * with `promtool tsdb create-blocks-from openmetrics` into a temporary directory, starts
 * `prometheus` on 127.0.0.1 with a free port (lookback delta 1 min, below the scenario's
 * 5-min step, so a missing step is a gap), and stops it by its pid.  Without prometheus
 * or promtool on PATH the test fails saying so (.ci/install-deps installs them).
 *
 * Independent references:
 *  - loads: the backfilled series are the scenario's own per-geography loads (computed
 *    here with sc_world_build from tests/live/ramp.csv), so the plans printed by the run
 *    fed by Prometheus must equal those of `--metrics replay`, byte for byte;
 *  - SLO attainment: latency and errors are chosen by hand (a bad latency every fourth
 *    step), the attainment is counted by hand in the comments;
 *  - the default latency query (histogram_quantile over rate of buckets): bucket
 *    increments chosen so that the 0.95 quantile is 0.05 + 0.05 x (95 - 90) / (96 - 90) s
 *    = 91.67 ms on good steps (linear interpolation in the bucket, the documented rule)
 *    and the highest finite bound, 200 ms, on bad ones.
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

#include "../core/live/metricsint.h"
#include "sculpt/sculpt.h"
#include "sculpt/simulator.h"

#define SCULPT SC_SCULPT_BIN
#define PROMJSON SC_SOURCE_DIR "/tests/live/prom.json"
#define LIVEJSON SC_SOURCE_DIR "/tests/live/live.json"

#include "fake_cloud/cloudtest.h" /* dir, run, slurp, prom_* (Prometheus) */

static void setup(void) { suite_setup("prom"); }

TestSuite(prom, .init = setup, .fini = prom_suite_teardown);

/* The series of the test, as OpenMetrics text: loads of both geographies from the
 * scenario's world (geo g's step `gap` left out when gap >= 0), a latency gauge of 150 ms
 * every fourth step and 50 ms otherwise, error counts of 1 in 1000, and the histogram
 * and counters the default queries read. */
static void write_openmetrics(const char *path, int gap)
{
    sc_scenario *sc;
    sc_world *w;
    int64_t t0, step;
    FILE *f = prom_om_open(path, LIVEJSON, gap, &sc, &w, &t0, &step);
    const char *geo[2] = {"g", "h"};
    fprintf(f, "# TYPE sculpt_latency_ms gauge\n");
    for (int g = 0; g < 2; g++)
        for (int64_t k = 0; k < w->n_steps; k++)
            if (!(g == 0 && k == gap))
                fprintf(f, "sculpt_latency_ms{app=\"web\",geo=\"%s\"} %d %lld\n", geo[g],
                        k % 4 ? 50 : 150, (long long)(t0 + k * step));
    const char *cnt[2] = {"sculpt_failed", "sculpt_requests"};
    for (int c = 0; c < 2; c++) {
        fprintf(f, "# TYPE %s gauge\n", cnt[c]);
        for (int g = 0; g < 2; g++)
            for (int64_t k = 0; k < w->n_steps; k++)
                fprintf(f, "%s{app=\"web\",geo=\"%s\"} %d %lld\n", cnt[c], geo[g],
                        c ? 1000 : 1, (long long)(t0 + k * step));
    }
    /* histogram: per step, good: 90 / 96 / 100 / 100 observations under 0.05 / 0.1 /
     * 0.2 / +Inf s; bad (k % 4 == 0): 50 / 60 / 80 / 100 */
    static const double le[4] = {0.05, 0.1, 0.2, INFINITY};
    static const int good[4] = {90, 96, 100, 100}, bad[4] = {50, 60, 80, 100};
    fprintf(f, "# TYPE sculpt_request_duration_seconds histogram\n");
    for (int g = 0; g < 2; g++) {
        long acc[4] = {0, 0, 0, 0};
        for (int64_t k = 0; k < w->n_steps; k++) {
            for (int b = 0; b < 4; b++) {
                acc[b] += k % 4 ? good[b] : bad[b];
                if (isinf(le[b]))
                    fprintf(f, "sculpt_request_duration_seconds_bucket{app=\"web\",geo=\"%s\","
                               "le=\"+Inf\"} %ld %lld\n", geo[g], acc[b],
                            (long long)(t0 + k * step));
                else
                    fprintf(f, "sculpt_request_duration_seconds_bucket{app=\"web\",geo=\"%s\","
                               "le=\"%g\"} %ld %lld\n", geo[g], le[b], acc[b],
                            (long long)(t0 + k * step));
            }
            fprintf(f, "sculpt_request_duration_seconds_count{app=\"web\",geo=\"%s\"} %ld %lld\n",
                    geo[g], acc[3], (long long)(t0 + k * step));
            fprintf(f, "sculpt_request_duration_seconds_sum{app=\"web\",geo=\"%s\"} %ld %lld\n",
                    geo[g], acc[3] / 20, (long long)(t0 + k * step));
        }
    }
    const char *ctr[2] = {"sculpt_requests_failed", "sculpt_requests"};
    for (int c = 0; c < 2; c++) {
        fprintf(f, "# TYPE %s counter\n", ctr[c]);
        for (int g = 0; g < 2; g++)
            for (int64_t k = 0; k < w->n_steps; k++)
                fprintf(f, "%s_total{app=\"web\",geo=\"%s\"} %g %lld\n", ctr[c], geo[g],
                        c ? 100.0 * (double)k : 0.5 * (double)k, (long long)(t0 + k * step));
    }
    fprintf(f, "# EOF\n");
    fclose(f);
    sc_world_free(w);
    sc_scenario_free(sc);
}

static void prom_start(int gap)
{
    char om[300];
    snprintf(om, sizeof om, "%s/series.om", dir);
    write_openmetrics(om, gap);
    prom_start_om(om);
}

static double json_num_in(const char *txt, const char *key)
{
    const char *p = strstr(txt, key);
    cr_assert_not_null(p, "no %s in %s", key, txt);
    p = strchr(p, ':');
    return strtod(p + 1, NULL);
}

/* Prometheus without gaps gives the plans of --metrics replay, byte for byte. */
Test(prom, same_plans_as_replay, .timeout = 300)
{
    prom_start(-1);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics replay --clock fast:1e9 --journal %s/j0 "
             "> %s/replay.txt 2> %s/replay.err",
             SCULPT, PROMJSON, dir, dir, dir);
    cr_assert_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics prometheus:http://127.0.0.1:%d --clock "
             "fast:1e9 --journal %s/j1 > %s/prom.txt 2> %s/prom.err",
             SCULPT, PROMJSON, prom_port, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "see %s/prom.err", dir);
    char p1[300], p2[300];
    snprintf(p1, sizeof p1, "%s/replay.txt", dir);
    snprintf(p2, sizeof p2, "%s/prom.txt", dir);
    char *a = slurp(p1), *b = slurp(p2);
    cr_assert(a && b && strlen(a) > 100, "no plans printed");
    cr_assert_str_eq(a, b, "the plans fed by Prometheus differ from the replay's");
    free(a);
    free(b);
}

/* A gap, SLO attainment from the gauges, the store and its replay, the shadow report. */
Test(prom, gap_attainment_store_shadow, .timeout = 300)
{
    prom_start(20);
    char cmd[2048], path[300];
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics prometheus:http://127.0.0.1:%d --clock "
             "fast:1e9 --out %s/out --store %s/obs.h5 --json > %s/sum.json 2> %s/err.txt",
             SCULPT, PROMJSON, prom_port, dir, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "see %s/err.txt", dir);
    snprintf(path, sizeof path, "%s/sum.json", dir);
    char *s = slurp(path);
    cr_assert_eq(json_num_in(s, "\"steps\""), 48.0);
    cr_assert_eq(json_num_in(s, "\"gaps\""), 1.0);
    /* 3 signals x 2 geos x 48 steps */
    cr_assert_eq(json_num_in(s, "\"stored\""), 288.0);
    /* measured steps 12..47 (1 h warm-up at 5 min): 36 per geo, 72, less g's gap at step
     * 20 = 71 with a signal; 150 ms > 100 ms at steps 12, 16, ..., 44: 9 per geo, of which
     * g's step 20 is the gap: 17 misses; 1/1000 errors <= 0.01 everywhere. */
    cr_assert_float_eq(json_num_in(s, "\"attainment\""), 54.0 / 71.0, 1e-12);
    cr_assert_eq(json_num_in(strstr(s, "\"slo\""), "\"steps\""), 71.0);
    cr_assert_float_eq(json_num_in(s, "\"objective\""), 0.999, 1e-12);
    /* the store replays the same run offline, with the same summary */
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics store:%s/obs.h5 --clock fast:1e9 --journal "
             "%s/j2 --json > %s/sum2.json 2> %s/err2.txt",
             SCULPT, PROMJSON, dir, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "see %s/err2.txt", dir);
    snprintf(path, sizeof path, "%s/sum2.json", dir);
    char *s2 = slurp(path);
    cr_assert_eq(json_num_in(s2, "\"actions_planned\""), json_num_in(s, "\"actions_planned\""));
    cr_assert_eq(json_num_in(s2, "\"mutating\""), json_num_in(s, "\"mutating\""));
    cr_assert_eq(json_num_in(s2, "\"gaps\""), 1.0);
    cr_assert_float_eq(json_num_in(s2, "\"attainment\""), 54.0 / 71.0, 1e-12);
    free(s2);
    free(s);
    /* shadow report: a header and one row per step and region */
    snprintf(path, sizeof path, "%s/out/shadow.csv", dir);
    s = slurp(path);
    cr_assert_not_null(s);
    cr_assert(strncmp(s, "time,app,region,measured,observed_load,needed_instances,"
                         "planned_instances\n", 74) == 0, "%.80s", s);
    int lines = 0;
    for (char *p = s; *p; p++)
        lines += *p == '\n';
    cr_assert_eq(lines, 1 + 48 * 2);
    free(s);
}

/* The default queries: histogram_quantile of the bucket rates, error-counter ratio. */
Test(prom, default_queries_histogram_quantile, .timeout = 300)
{
    prom_start(-1);
    char cmd[2048], path[300];
    /* live.json has no live section: the default queries (metricsint.h) */
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics prometheus:http://127.0.0.1:%d --clock "
             "fast:1e9 --journal %s/j --store %s/obs.h5 --json > %s/sum.json 2> %s/err.txt",
             SCULPT, LIVEJSON, prom_port, dir, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "see %s/err.txt", dir);
    snprintf(path, sizeof path, "%s/sum.json", dir);
    char *s = slurp(path);
    /* 72 measured app-geo-steps, 18 with the bad distribution (p95 = 200 ms) */
    cr_assert_float_eq(json_num_in(s, "\"attainment\""), 54.0 / 72.0, 1e-12);
    free(s);
    /* the stored latency is the interpolated quantile: 91.67 ms on a good step */
    snprintf(cmd, sizeof cmd,
             "h5dump -d /series/web/g/observed_latency_ms/v -s 13 -c 1 %s/obs.h5 | grep -q "
             "'91.666'",
             dir);
    cr_assert_eq(run(cmd), 0, "the stored p95 at step 13 is not 91.666... ms");
    snprintf(cmd, sizeof cmd,
             "h5dump -d /series/web/g/observed_error_ratio/v -s 13 -c 1 %s/obs.h5 | grep -q "
             "'0.005'",
             dir);
    cr_assert_eq(run(cmd), 0, "the stored error ratio at step 13 is not 0.5/100");
}

/* Bad input: nothing listening, a load query without series, a malformed URL; a clear
 * error, the exit code, and no journal, store or report left behind. */
Test(prom, bad_input, .timeout = 300)
{
    char cmd[2048], path[300];
    int port = free_port(); /* nothing listens there */
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics prometheus:http://127.0.0.1:%d --clock "
             "fast:1e9 --journal %s/j --store %s/obs.h5 2> %s/err.txt",
             SCULPT, PROMJSON, port, dir, dir, dir);
    cr_assert_eq(run(cmd), 3, "unreachable Prometheus: I/O error, exit 3");
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *s = slurp(path);
    cr_assert(strstr(s, "Couldn't connect") && strstr(s, "127.0.0.1"), "%s", s);
    free(s);
    struct stat st;
    snprintf(path, sizeof path, "%s/j", dir);
    cr_assert_neq(stat(path, &st), 0, "a journal was left behind");
    snprintf(path, sizeof path, "%s/obs.h5", dir);
    cr_assert_neq(stat(path, &st), 0, "a store was left behind");

    prom_start(-1);
    /* a scenario whose load metric does not exist */
    snprintf(cmd, sizeof cmd,
             "sed 's/sculpt_load{/no_such_metric{/' %s > %s/bad.json && cp %s/tests/live/ramp.csv "
             "%s/",
             PROMJSON, dir, SC_SOURCE_DIR, dir);
    cr_assert_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "%s live %s/bad.json --provider mock --metrics prometheus:http://127.0.0.1:%d "
             "--clock fast:1e9 --out %s/o --store %s/obs.h5 2> %s/err.txt",
             SCULPT, dir, prom_port, dir, dir, dir);
    cr_assert_eq(run(cmd), 2, "a load query without series: bad input, exit 2");
    snprintf(path, sizeof path, "%s/err.txt", dir);
    s = slurp(path);
    cr_assert(strstr(s, "returned no series") && strstr(s, "no_such_metric"), "%s", s);
    free(s);
    snprintf(path, sizeof path, "%s/o/journal", dir);
    cr_assert_neq(stat(path, &st), 0, "a journal was left behind");
    snprintf(path, sizeof path, "%s/o/shadow.csv", dir);
    cr_assert_neq(stat(path, &st), 0, "a shadow report was left behind");
    snprintf(path, sizeof path, "%s/obs.h5", dir);
    cr_assert_neq(stat(path, &st), 0, "a store was left behind");
    /* a query Prometheus refuses (PromQL syntax): exit 2 with its errorType */
    snprintf(cmd, sizeof cmd, "sed 's/sum(sculpt_load{/sum((sculpt_load{/' %s > %s/bad2.json",
             PROMJSON, dir);
    cr_assert_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "%s live %s/bad2.json --provider mock --metrics prometheus:http://127.0.0.1:%d "
             "--clock fast:1e9 --journal %s/j 2> %s/err.txt",
             SCULPT, dir, prom_port, dir, dir);
    cr_assert_eq(run(cmd), 2);
    snprintf(path, sizeof path, "%s/err.txt", dir);
    s = slurp(path);
    cr_assert(strstr(s, "bad_data"), "%s", s);
    free(s);
    /* a malformed URL and plain http off loopback */
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics prometheus:http://10.1.2.3:9090 --journal "
             "%s/j 2> %s/err.txt",
             SCULPT, PROMJSON, dir, dir);
    cr_assert_eq(run(cmd), 2);
    s = slurp(path);
    cr_assert(strstr(s, "loopback"), "%s", s);
    free(s);
    snprintf(path, sizeof path, "%s/j", dir);
    cr_assert_neq(stat(path, &st), 0, "a journal was left behind");
}

/* A server that answers, but not with the API's JSON: a static file server on loopback
 * (python3 -m http.server) whose api/v1/query_range is a truncated answer, then a 404
 * page (no such file).  Exit 2, the file and what was wrong named, nothing written. */
Test(prom, malformed_response, .timeout = 120)
{
    char cmd[2048], path[300];
    snprintf(cmd, sizeof cmd,
             "mkdir -p %s/www/api/v1 && printf '{\"status\":\"success\",\"data\":{\"resultType\""
             ":\"matrix\",\"result\":[{\"metric\":{},\"values\":[[1767571200,\"4' > "
             "%s/www/api/v1/query_range",
             dir, dir);
    cr_assert_eq(run(cmd), 0);
    int port = free_port();
    pid_t pid = fork();
    if (pid == 0) {
        char p[16], d[300];
        snprintf(p, sizeof p, "%d", port);
        snprintf(d, sizeof d, "%s/www", dir);
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(127);
        execlp("python3", "python3", "-m", "http.server", "--bind", "127.0.0.1",
               "--directory", d, p, (char *)NULL);
        _exit(127);
    }
    prom_pid = pid; /* stopped by teardown, by its pid */
    for (int i = 0; i < 100; i++) {
        snprintf(cmd, sizeof cmd, "curl -s -o /dev/null http://127.0.0.1:%d/", port);
        if (run(cmd) == 0)
            break;
        usleep(100000);
    }
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics prometheus:http://127.0.0.1:%d --clock "
             "fast:1e9 --journal %s/j --store %s/obs.h5 2> %s/err.txt",
             SCULPT, PROMJSON, port, dir, dir, dir);
    cr_assert_eq(run(cmd), 2, "a truncated answer is bad input");
    snprintf(path, sizeof path, "%s/err.txt", dir);
    char *s = slurp(path);
    cr_assert(strstr(s, "not a JSON object") && strstr(s, "sculpt_load"), "%s", s);
    free(s);
    snprintf(cmd, sizeof cmd, "rm %s/www/api/v1/query_range", dir);
    cr_assert_eq(run(cmd), 0);
    snprintf(cmd, sizeof cmd,
             "%s live %s --provider mock --metrics prometheus:http://127.0.0.1:%d --clock "
             "fast:1e9 --journal %s/j --store %s/obs.h5 2> %s/err.txt",
             SCULPT, PROMJSON, port, dir, dir, dir);
    cr_assert_eq(run(cmd), 2, "a 404 page is bad input (not a Prometheus server)");
    s = slurp(path);
    cr_assert(strstr(s, "HTTP 404") && strstr(s, "Prometheus server"), "%s", s);
    free(s);
    struct stat st;
    snprintf(path, sizeof path, "%s/j", dir);
    cr_assert_neq(stat(path, &st), 0, "a journal was left behind");
    snprintf(path, sizeof path, "%s/obs.h5", dir);
    cr_assert_neq(stat(path, &st), 0, "a store was left behind");
}

/* A run stopped at 1 h and resumed on the same journal and store: the store ends with
 * each step once (48 samples per series), and the resumed run plans what one whole run
 * plans. */
Test(prom, resume_appends_only_new_steps, .timeout = 300)
{
    prom_start(-1);
    char cmd[2048], path[300];
#define RESUME_RUN(J, H5, EXTRA, OUT)                                                    \
    snprintf(cmd, sizeof cmd,                                                           \
             "%s live %s --provider mock --metrics prometheus:http://127.0.0.1:%d "     \
             "--clock fast:1e9 --journal %s/" J " --store %s/" H5 " " EXTRA             \
             " --json > %s/" OUT " 2> /dev/null",                                       \
             SCULPT, PROMJSON, prom_port, dir, dir, dir);                               \
    cr_assert_eq(run(cmd), 0, "%s", cmd)
    RESUME_RUN("jr", "r.h5", "--until 1h", "part.json");
    RESUME_RUN("jr", "r.h5", "", "rest.json");
    RESUME_RUN("jw", "w.h5", "", "whole.json");
    snprintf(path, sizeof path, "%s/part.json", dir);
    char *part = slurp(path);
    snprintf(path, sizeof path, "%s/rest.json", dir);
    char *rest = slurp(path);
    snprintf(path, sizeof path, "%s/whole.json", dir);
    char *whole = slurp(path);
    /* 1 h = 12 steps stored first, then the other 36 (the first 12 observed again, not
     * appended again) */
    cr_assert_eq(json_num_in(part, "\"stored\""), 12.0 * 6);
    cr_assert_eq(json_num_in(rest, "\"stored\""), 36.0 * 6);
    cr_assert_eq(json_num_in(whole, "\"stored\""), 48.0 * 6);
    cr_assert_eq(json_num_in(rest, "\"actions_planned\""), json_num_in(whole, "\"actions_planned\""));
    free(part);
    free(rest);
    free(whole);
    snprintf(cmd, sizeof cmd,
             "h5dump -H -d /series/web/g/observed_load/t %s/r.h5 | grep -q '( 48 )'", dir);
    cr_assert_eq(run(cmd), 0, "the resumed store does not hold 48 samples");
}

/* A grid longer than Prometheus's 11,000 points per query: asked in pieces of 10,000,
 * each placed at its offset (the 48 backfilled steps at the start, gaps after). */
Test(prom, long_grid_in_pieces, .timeout = 300)
{
    prom_start(-1);
    sc_scenario *sc = NULL;
    sc_world *w = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(LIVEJSON, &sc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", prom_port);
    sc_prom *p;
    cr_assert_eq(sc_prom_alloc(url, 10000, &p, &err), SC_OK, "%s", err.msg);
    size_t n = 25000;
    double *v = malloc(n * sizeof *v);
    sc_prom_range info;
    /* from 10,010 steps before the start: step k of the scenario is index k + 10,010,
     * inside the second piece */
    cr_assert_eq(sc_prom_query_range(p, "sum(sculpt_load{app=\"web\",geo=\"h\"})",
                                     sc->start - 10010 * sc->step_ms, sc->step_ms, n, v, &info,
                                     &err),
                 SC_OK, "%s", err.msg);
    cr_assert_eq(sc_prom_n_requests(p), 3, "25,000 steps in 3 requests");
    cr_assert_eq(info.n_placed, (size_t)w->n_steps);
    cr_assert(isnan(v[0]) && isnan(v[10009]));
    for (int64_t k = 0; k < w->n_steps; k++)
        cr_assert_float_eq(v[k + 10010], (double)w->load_ag[1][k],
                           1e-6 * (double)w->load_ag[1][k]);
    cr_assert(isnan(v[w->n_steps + 10010]) && isnan(v[n - 1]));
    free(v);
    sc_prom_free(p);
    sc_world_free(w);
    sc_scenario_free(sc);
}
