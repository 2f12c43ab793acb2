/*
 * test_prom_parse.c - live mode's monitoring pieces without a server: the Prometheus
 * query_range parser on fixtures written from the published HTTP API reference
 * (tests/live/fixtures/prometheus/README.md says what each holds; the expected values
 * below are read off the fixture text by hand), the query templates, the per-step
 * routing of observed loads (hand calculation on tests/live/live.json), and the store of
 * observations (append, resume without duplicates, read back through sc_tsdb).
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/live/metricsint.h"
#include "sculpt/sculpt.h"
#include "sculpt/tsdb.h"

#define FIX SC_SOURCE_DIR "/tests/live/fixtures/prometheus/"
#define LIVE SC_SOURCE_DIR "/tests/live/live.json"
#define T0 INT64_C(1435781430000) /* the fixtures' grid: 6 steps of 15 s */
#define STEP INT64_C(15000)

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof path, FIX "%s", name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "cannot open %s", path);
    static char buf[65536];
    *len = fread(buf, 1, sizeof buf - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static sc_status parse(const char *name, double *out, sc_prom_range *info, sc_error *err)
{
    size_t len;
    char *b = slurp(name, &len);
    return sc_prom_parse_range(b, len, T0, STEP, 6, out, info, name, err);
}

Test(prom_parse, matrix_with_gap_nan_and_infinities)
{
    double v[6];
    sc_prom_range info;
    sc_error err;
    cr_assert_eq(parse("matrix.json", v, &info, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(info.n_series, 1);
    cr_assert_eq(info.n_placed, 5); /* 430, 445, 460 (NaN), 490, 505 */
    cr_assert_eq(info.n_off_grid, 2); /* 452.5 s off the grid, 520 s past the end */
    cr_assert_eq(v[0], 1.0);
    cr_assert_eq(v[1], 2.5);
    cr_assert(isnan(v[2]), "\"NaN\" is a NaN sample");
    cr_assert(isnan(v[3]), "no sample at 475 s: a gap, not a zero (got %g)", v[3]);
    cr_assert(isinf(v[4]) && v[4] > 0);
    cr_assert(isinf(v[5]) && v[5] < 0);
}

Test(prom_parse, fractional_timestamps)
{
    double v[6];
    sc_prom_range info;
    sc_error err;
    cr_assert_eq(parse("fraction.json", v, &info, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(info.n_placed, 2);
    cr_assert_eq(info.n_off_grid, 1); /* 1435781460.001: one ms off */
    cr_assert_eq(v[1], 300.0);
    cr_assert(isnan(v[2]));
    cr_assert_eq(v[3], -0.125);
}

Test(prom_parse, no_series_is_all_gaps)
{
    double v[6] = {1, 1, 1, 1, 1, 1};
    sc_prom_range info;
    sc_error err;
    cr_assert_eq(parse("empty.json", v, &info, &err), SC_OK);
    cr_assert_eq(info.n_series, 0);
    for (int i = 0; i < 6; i++)
        cr_assert(isnan(v[i]));
}

Test(prom_parse, warnings_accepted)
{
    double v[6];
    sc_prom_range info;
    sc_error err;
    cr_assert_eq(parse("warnings.json", v, &info, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(v[5], 42.0);
}

static void refused(const char *name, const char *needle)
{
    double v[6] = {7, 7, 7, 7, 7, 7};
    sc_prom_range info;
    sc_error err;
    sc_error_clear(&err);
    cr_assert_eq(parse(name, v, &info, &err), SC_ERR_INPUT, "%s accepted", name);
    cr_assert(strstr(err.msg, needle), "%s: message '%s' lacks '%s'", name, err.msg, needle);
    cr_assert(strstr(err.where, name), "%s: where '%s'", name, err.where);
    for (int i = 0; i < 6; i++)
        cr_assert(isnan(v[i]), "nothing half-written on error");
}

Test(prom_parse, refusals)
{
    refused("error_bad_data.json", "bad_data: 1:5: parse error: unclosed left parenthesis");
    refused("two_series.json", "2 series");
    refused("vector.json", "'vector'");
    refused("number_value.json", "values[0]");
    sc_prom_range info;
    double v[6];
    sc_error err;
    const char *bad[] = {"", "[]", "{\"status\":1}", "{\"status\":\"maybe\"}",
                         "{\"status\":\"success\"}",
                         "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                         "\"result\":[{\"values\":[[1435781430,\"1x\"]]}]}}",
                         "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                         "\"result\":[{\"values\":[[1435781430,\"nan\"]]}]}}",
                         "{\"status\":\"success\",\"data\":{\"resultType\":\"matrix\","
                         "\"result\":[{\"values\":[[1435781430]]}]}}"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
        cr_assert_eq(sc_prom_parse_range(bad[i], strlen(bad[i]), T0, STEP, 6, v, &info, "x",
                                         &err),
                     SC_ERR_INPUT, "accepted: %s", bad[i]);
}

/* ---- templates, routing, store ------------------------------------------------------ */

static sc_scenario *load_live(void)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(LIVE, &sc, &err), SC_OK, "%s", err.msg);
    return sc;
}

Test(metrics, expand_templates)
{
    sc_scenario *sc = load_live();
    char buf[256];
    sc_error err;
    /* geo h's home region is r2; the step is 5 min = 300 s */
    cr_assert_eq(sc_metrics_expand(sc, "rate(x{app=\"{app}\",geo=\"{geo}\",r=\"{region}\"}[{step}])",
                                   0, 1, buf, sizeof buf, &err),
                 SC_OK);
    cr_assert_str_eq(buf, "rate(x{app=\"web\",geo=\"h\",r=\"r2\"}[300s])");
    cr_assert_eq(sc_metrics_expand(sc, "{app}{unknown}", 0, 0, buf, sizeof buf, &err), SC_OK);
    cr_assert_str_eq(buf, "web{unknown}"); /* PromQL's own braces are kept */
    cr_assert_eq(sc_metrics_expand(sc, "{app}{app}{app}", 0, 0, buf, 9, &err), SC_ERR_INPUT);
    sc_metrics_section sec;
    cr_assert_eq(sc_metrics_section_read(sc, &sec, &err), SC_OK);
    cr_assert_str_eq(sec.query[SC_SIGNAL_LOAD], SC_PROM_DEFAULT_LOAD);
    cr_assert_eq(sec.store[0], '\0');
    sc_scenario_free(sc);
}

Test(metrics, route_one_step)
{
    sc_scenario *sc = load_live();
    sc_world *w = NULL;
    sc_error err;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    /* web needs 0.01 vCPU per req/s on t2 (2 vCPU): 1 instance-equivalent per 200 req/s.
     * g routes to r1, h to r2 (home regions, no weights). */
    double load_ag[2] = {400.0, 150.0};
    float load_ar[2], ieq_ar[2];
    sc_metrics_route(w, load_ag, load_ar, ieq_ar);
    cr_assert_float_eq(load_ar[0], 400.0f, 1e-4);
    cr_assert_float_eq(ieq_ar[0], 2.0f, 1e-6);
    cr_assert_float_eq(load_ar[1], 150.0f, 1e-4);
    cr_assert_float_eq(ieq_ar[1], 0.75f, 1e-6);
    /* and it agrees with the world's own rows at a step of the scenario's traces */
    int64_t k = 30;
    for (size_t g = 0; g < 2; g++)
        load_ag[g] = w->load_ag[g][k];
    sc_metrics_route(w, load_ag, load_ar, ieq_ar);
    for (size_t ar = 0; ar < 2; ar++) {
        cr_assert_float_eq(load_ar[ar], w->load_ar[ar][k], 1e-3);
        cr_assert_float_eq(ieq_ar[ar], w->ieq_ar[ar][k], 1e-5);
    }
    sc_world_free(w);
    sc_scenario_free(sc);
}

Test(metrics, store_append_resume_read_back)
{
    sc_scenario *sc = load_live();
    char path[] = "/tmp/sculpt-obs-XXXXXX";
    int fd = mkstemp(path);
    cr_assert(fd >= 0);
    close(fd);
    unlink(path); /* the writer creates it */
    sc_error err;
    sc_obs_writer *w;
    double load[2], lat[2];
    const double *rows[SC_SIGNAL_COUNT] = {load, lat, NULL};
    cr_assert_eq(sc_obs_writer_open(path, sc, &w, &err), SC_OK, "%s", err.msg);
    for (int64_t k = 0; k < 3; k++) {
        load[0] = 100.0 + (double)k;
        load[1] = k == 1 ? NAN : 50.0;
        lat[0] = lat[1] = 20.0 * (double)k;
        cr_assert_eq(sc_obs_writer_add(w, k, rows, &err), SC_OK, "%s", err.msg);
    }
    long n = 0;
    cr_assert_eq(sc_obs_writer_close(w, &n, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(n, 12); /* 3 steps x 2 geos x 2 signals */
    /* a resumed run observes steps 1..4 again: only 3 and 4 are new */
    cr_assert_eq(sc_obs_writer_open(path, sc, &w, &err), SC_OK, "%s", err.msg);
    for (int64_t k = 1; k < 5; k++) {
        load[0] = 100.0 + (double)k;
        load[1] = 50.0;
        lat[0] = lat[1] = 20.0 * (double)k;
        cr_assert_eq(sc_obs_writer_add(w, k, rows, &err), SC_OK);
    }
    cr_assert_eq(sc_obs_writer_close(w, &n, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(n, 8);
    cr_assert(sc_metrics_store_has_observations(path, sc));
    sc_tsdb *db;
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_READ, &db, &err), SC_OK);
    sc_series_key key = {"web", "h", "observed_load"};
    sc_time_ms *t;
    double *v;
    size_t nv;
    cr_assert_eq(sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &nv, &err), SC_OK);
    cr_assert_eq(nv, 5);
    cr_assert_eq(t[0], sc->start);
    cr_assert_eq(t[4], sc->start + 4 * sc->step_ms);
    cr_assert(isnan(v[1]), "the gap is stored as NaN, not as 0 nor as the resumed value");
    cr_assert_eq(v[3], 50.0);
    free(t);
    free(v);
    sc_series_key miss = {"web", "g", "observed_error_ratio"};
    cr_assert_not(sc_tsdb_has(db, &miss), "a signal not observed makes no series");
    sc_tsdb_close(db, NULL);
    /* the store as a source gives the same values back on the grid */
    sc_metrics_section sec;
    cr_assert_eq(sc_metrics_section_read(sc, &sec, &err), SC_OK);
    char spec[64];
    snprintf(spec, sizeof spec, "store:%s", path);
    sc_metrics *m;
    cr_assert_eq(sc_metrics_open(spec, sc, &sec, &m, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_metrics_fetch(m, 2, 6, 0, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_metrics_value(m, SC_SIGNAL_LOAD, 0, 4), 104.0);
    cr_assert_eq(sc_metrics_value(m, SC_SIGNAL_LATENCY, 1, 3), 60.0);
    cr_assert(isnan(sc_metrics_value(m, SC_SIGNAL_LOAD, 0, 5)), "after the store's end: gap");
    cr_assert(isnan(sc_metrics_value(m, SC_SIGNAL_LOAD, 0, 1)), "outside the window");
    sc_metrics_free(m);
    unlink(path);
    sc_scenario_free(sc);
}

Test(metrics, open_refusals)
{
    sc_scenario *sc = load_live();
    sc_metrics_section sec;
    sc_error err;
    cr_assert_eq(sc_metrics_section_read(sc, &sec, &err), SC_OK);
    sc_metrics *m = (sc_metrics *)1;
    cr_assert_eq(sc_metrics_open("prometheus:ftp://x", sc, &sec, &m, &err), SC_ERR_INPUT);
    cr_assert_null(m);
    cr_assert_eq(sc_metrics_open("prometheus:http://example.com:9090", sc, &sec, &m, &err),
                 SC_ERR_INPUT, "plain http off loopback must be refused");
    cr_assert(strstr(err.msg, "loopback"), "%s", err.msg);
    cr_assert_eq(sc_metrics_open("graphite:x", sc, &sec, &m, &err), SC_ERR_USAGE);
    sc_scenario_free(sc);
}

/* ---- the shadow report (sculpt report on a live --out directory) ------------------- */

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(shadow_report, figures_by_hand)
{
    char dir[] = "/tmp/sculpt-shadow-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[300], cmd[1200];
    snprintf(path, sizeof path, "%s/shadow.csv", dir);
    FILE *f = fopen(path, "w");
    /* 5-min steps (1/12 h); the first step is warm-up.  r1: needed 4, 4.1, 3 against
     * planned 3, 5, 6: short 1 instance for one step (1/12 h), surplus 0 + 3 (0.25 h);
     * r2: needed 0.5, 2.2, 0 against 1, 1, 0: short (3 - 1) for one step (2/12 h). */
    fputs("time,app,region,measured,observed_load,needed_instances,planned_instances\n"
          "2026-01-05T00:00:00Z,web,r1,0,100,1,5\n"
          "2026-01-05T00:00:00Z,web,r2,0,50,0.5,1\n"
          "2026-01-05T00:05:00Z,web,r1,1,400,4,3\n"
          "2026-01-05T00:05:00Z,web,r2,1,50,0.5,1\n"
          "2026-01-05T00:10:00Z,web,r1,1,410,4.1,5\n"
          "2026-01-05T00:10:00Z,web,r2,1,220,2.2,1\n"
          "2026-01-05T00:15:00Z,web,r1,1,300,3,6\n"
          "2026-01-05T00:15:00Z,web,r2,1,0,0,0\n", f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s report %s -o %s/rep > /dev/null", SC_SCULPT_BIN, dir, dir);
    cr_assert_eq(sh(cmd), 0);
    snprintf(path, sizeof path, "%s/rep/shadow_summary.csv", dir);
    f = fopen(path, "r");
    cr_assert_not_null(f);
    char line[512];
    cr_assert_not_null(fgets(line, sizeof line, f));
    char region[2][8];
    double v[2][7];
    long steps[2], short_steps[2];
    for (int i = 0; i < 2; i++) {
        cr_assert_not_null(fgets(line, sizeof line, f));
        cr_assert_eq(sscanf(line, "web,%7[^,],%ld,%lf,%lf,%lf,%ld,%lf,%lf", region[i], &steps[i],
                            &v[i][0], &v[i][1], &v[i][2], &short_steps[i], &v[i][3], &v[i][4]),
                     8, "%s", line);
    }
    fclose(f);
    cr_assert_str_eq(region[0], "r1");
    cr_assert_eq(steps[0], 3);
    cr_assert_float_eq(v[0][0], 370.0, 1e-9);
    cr_assert_float_eq(v[0][1], 11.1 / 3.0, 1e-9);
    cr_assert_float_eq(v[0][2], 14.0 / 3.0, 1e-9);
    cr_assert_eq(short_steps[0], 1);
    cr_assert_float_eq(v[0][3], 1.0 / 12.0, 1e-12);
    cr_assert_float_eq(v[0][4], 3.0 / 12.0, 1e-12);
    cr_assert_str_eq(region[1], "r2");
    cr_assert_eq(short_steps[1], 1);
    cr_assert_float_eq(v[1][3], 2.0 / 12.0, 1e-12);
    cr_assert_float_eq(v[1][4], 0.0, 1e-12);
    snprintf(path, sizeof path, "%s/rep/plots/shadow_1.png", dir);
    cr_assert_eq(access(path, F_OK), 0, "no plot of the second pool");
    /* an existing report is refused without --force, replaced with it */
    snprintf(cmd, sizeof cmd, "%s report %s -o %s/rep 2> /dev/null", SC_SCULPT_BIN, dir, dir);
    cr_assert_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s report %s -o %s/rep --force --format none > /dev/null",
             SC_SCULPT_BIN, dir, dir);
    cr_assert_eq(sh(cmd), 0);
    /* a bad row: exit 2 naming file and line, nothing written */
    snprintf(cmd, sizeof cmd,
             "printf 'time,app,region,measured,observed_load,needed_instances,"
             "planned_instances\\n2026-01-05T00:00:00Z,web,r1,1,x,1,1\\n' > %s/bad.csv && "
             "%s report %s/bad.csv -o %s/rep2 2> %s/err.txt",
             dir, SC_SCULPT_BIN, dir, dir, dir);
    cr_assert_eq(sh(cmd), 2);
    snprintf(cmd, sizeof cmd, "grep -q 'bad.csv:2' %s/err.txt && test ! -e %s/rep2", dir, dir);
    cr_assert_eq(sh(cmd), 0, "the error names no file:line, or a report was left behind");
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(sh(cmd), 0);
}
