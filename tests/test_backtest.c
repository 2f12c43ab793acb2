/*
 * test_backtest.c - rolling-origin backtests (sim/eval/backtest.c) and
 * `sculpt forecast --backtest` (sim/cmd_forecast.c).
 *
 * Expected values are derived by hand from the definitions, never from the code:
 *  - a linear trend y_t = 100 + 2t with `naive` (period 1): the forecast from origin o is
 *    y_{o-1} at every step, the actual at step h is y_{o-1} + 2h, so the error is 2h, the
 *    lag-1 MASE scale is 2 and MASE(h) = h; sMAPE(h) = 200 * 2h / (2 y_{o-1} + 2h); the
 *    median of a Gaussian interval is the mean, so the 0.5 pinball loss is 0.5 * 2h / 2 =
 *    h/2 and no actual lies at or below the median (coverage 0).
 *  - a perfectly periodic series (period 24) with `snaive`: every forecast equals its
 *    actual, so sMAPE 0 and every quantile (all >= the median = the actual) covers it.
 *    The MASE scale of a periodic history is 0, so MASE is undefined (null); with one
 *    early sample disturbed the scale is positive and MASE is exactly 0.
 * The store is written here with sc_tsdb_append.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "eval/eval.h"
#include "sculpt/forecast.h"
#include "sculpt/tsdb.h"

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sc_test_backtest_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(backtest, .init = make_tmpdir, .fini = remove_tmpdir);

#define HOUR_MS 3600000LL

/* Write series (app, place, metric) = (a, p, load) of n hourly samples y. */
static void write_series(const char *path, int create, const char *app, const double *y,
                         size_t n)
{
    sc_error err;
    sc_tsdb *db;
    cr_assert_eq(sc_tsdb_open(path, create ? SC_TSDB_CREATE : SC_TSDB_RDWR, &db, &err),
                 SC_OK, "%s", err.msg);
    sc_time_ms *t = malloc(n * sizeof *t);
    for (size_t i = 0; i < n; i++)
        t[i] = 1600000000000LL / HOUR_MS * HOUR_MS + (sc_time_ms)i * HOUR_MS;
    sc_series_key key = {app, "r1", "load"};
    cr_assert_eq(sc_tsdb_append(db, &key, "", HOUR_MS, "region", t, y, n, &err), SC_OK,
                 "%s", err.msg);
    free(t);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
}

/* Run the CLI; stdout/stderr go to tmpdir/out, tmpdir/errout.  Returns the exit code. */
static int run_cli(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "'%s' forecast %s >'%s/out' 2>'%s/errout'", SC_SCULPT_BIN, args,
             tmpdir, tmpdir);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp);
    static char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    buf[n] = '\0';
    fclose(fp);
    return buf;
}

static double trend(size_t t)
{
    return 100.0 + 2.0 * (double)t;
}

Test(backtest, trend_naive_closed_form_api)
{
    enum { N = 200 };
    double y[N];
    for (size_t t = 0; t < N; t++)
        y[t] = trend(t);
    size_t hz[3] = {1, 6, 24};
    double q[2] = {0.5, 0.9};
    sc_backtest_opts o = {.model = "naive", .origins = 3, .horizons = hz, .nh = 3, .q = q,
                          .nq = 2, .period = 1, .seed = 1};
    sc_backtest_acc acc;
    sc_error err;
    cr_assert_eq(sc_backtest_acc_init(&acc, &o, &err), SC_OK);
    int m = 0;
    cr_assert_eq(sc_backtest_series(y, N, &o, "trend", &acc, &m, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(m, 1);
    cr_assert_eq(acc.fits, 3);
    /* Origins (documented rule): last = n - H = 176, stride H = 24: 128, 152, 176. */
    const size_t origins[3] = {128, 152, 176};
    for (size_t k = 0; k < 3; k++) {
        sc_backtest_row r;
        sc_backtest_acc_row(&acc, k, &r);
        double h = (double)hz[k], smape = 0.0;
        for (size_t i = 0; i < 3; i++) {
            double last = trend(origins[i] - 1);
            smape += 200.0 * 2.0 * h / (2.0 * last + 2.0 * h) / 3.0;
        }
        cr_assert_eq(r.points, 3);
        cr_assert_float_eq(r.mase, h, 1e-9, "h=%g mase %g", h, r.mase);
        cr_assert_float_eq(r.smape, smape, 1e-9, "h=%g smape %g want %g", h, r.smape, smape);
        cr_assert_float_eq(r.pinball[0], h / 2.0, 1e-9, "h=%g pinball %g", h, r.pinball[0]);
        cr_assert_float_eq(r.coverage[0], 0.0, 1e-12);
    }
}

Test(backtest, trend_naive_cli_json)
{
    /* One origin: n = 124, H = 24, origin 100, last observed y_99 = 298. */
    enum { N = 124 };
    double y[N];
    for (size_t t = 0; t < N; t++)
        y[t] = trend(t);
    char store[512], args[1024];
    snprintf(store, sizeof store, "%s/trend.h5", tmpdir);
    write_series(store, 1, "trend", y, N);
    snprintf(args, sizeof args,
             "--backtest '%s' --model naive --origins 1 --period 1 --quantiles 0.5 --json",
             store);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("errout"));
    cJSON *root = cJSON_Parse(slurp("out"));
    cr_assert_not_null(root);
    cJSON *hs = cJSON_GetObjectItem(root, "horizons");
    cr_assert_eq(cJSON_GetArraySize(hs), 3);
    /* sMAPE(h) = 200 * 2h / (298 + 298 + 2h): 400/598, 2400/608, 9600/644. */
    const double want_smape[3] = {400.0 / 598.0, 2400.0 / 608.0, 9600.0 / 644.0};
    const double h[3] = {1, 6, 24};
    for (int k = 0; k < 3; k++) {
        cJSON *row = cJSON_GetArrayItem(hs, k);
        cr_assert_float_eq(cJSON_GetObjectItem(row, "smape")->valuedouble, want_smape[k],
                           1e-5);
        cr_assert_float_eq(cJSON_GetObjectItem(row, "mase")->valuedouble, h[k], 1e-5);
        cr_assert_float_eq(
            cJSON_GetObjectItem(cJSON_GetObjectItem(row, "pinball"), "0.5")->valuedouble,
            h[k] / 2.0, 1e-5);
        cr_assert_float_eq(
            cJSON_GetObjectItem(cJSON_GetObjectItem(row, "coverage"), "0.5")->valuedouble,
            0.0, 1e-12);
    }
    cJSON_Delete(root);
}

static double periodic(size_t t)
{
    static const double shape[24] = {3, 2, 2, 2, 3, 5, 8, 12, 15, 17, 18, 18,
                                     18, 17, 17, 16, 15, 14, 12, 10, 8, 6, 5, 4};
    return 10.0 * shape[t % 24];
}

Test(backtest, periodic_snaive_cli)
{
    enum { N = 24 * 20 };
    double y[N], z[N];
    for (size_t t = 0; t < N; t++)
        y[t] = z[t] = periodic(t);
    z[5] += 24.0; /* one early disturbance: the MASE scale becomes positive */
    char store[512], args[1024];
    snprintf(store, sizeof store, "%s/periodic.h5", tmpdir);
    write_series(store, 1, "pure", y, N);
    write_series(store, 0, "bumped", z, N);
    snprintf(args, sizeof args, "--backtest '%s' --model snaive --period 24 --json", store);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("errout"));
    cJSON *root = cJSON_Parse(slurp("out"));
    cr_assert_not_null(root);
    cr_assert_eq(cJSON_GetObjectItem(root, "series")->valueint, 2);
    cJSON *hs = cJSON_GetObjectItem(root, "horizons");
    cr_assert_eq(cJSON_GetArraySize(hs), 3);
    for (int k = 0; k < 3; k++) {
        cJSON *row = cJSON_GetArrayItem(hs, k);
        cr_assert_eq(cJSON_GetObjectItem(row, "points")->valueint, 16); /* 2 series x 8 */
        cr_assert_float_eq(cJSON_GetObjectItem(row, "smape")->valuedouble, 0.0, 1e-12);
        /* Only the bumped series has a scale, and its errors are all 0. */
        cr_assert_float_eq(cJSON_GetObjectItem(row, "mase")->valuedouble, 0.0, 1e-12);
        cJSON *cov = cJSON_GetObjectItem(row, "coverage");
        cr_assert_eq(cJSON_GetArraySize(cov), 4);
        cJSON *c;
        cJSON_ArrayForEach(c, cov) cr_assert_float_eq(c->valuedouble, 1.0, 1e-12, "q %s",
                                                      c->string);
        cr_assert_float_eq(
            cJSON_GetObjectItem(cJSON_GetObjectItem(row, "pinball"), "0.5")->valuedouble,
            0.0, 1e-9);
    }
    cJSON_Delete(root);

    /* The pure series alone: zero scale, so MASE and pinball are undefined (null). */
    snprintf(args, sizeof args,
             "--backtest '%s' --series pure/r1/load --model snaive --period 24 --json", store);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("errout"));
    root = cJSON_Parse(slurp("out"));
    cr_assert_not_null(root);
    cJSON *row = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "horizons"), 0);
    cr_assert(cJSON_IsNull(cJSON_GetObjectItem(row, "mase")));
    cr_assert_float_eq(cJSON_GetObjectItem(row, "smape")->valuedouble, 0.0, 1e-12);
    cJSON_Delete(root);

    /* The text table: one row per horizon. */
    snprintf(args, sizeof args, "--backtest '%s' --model snaive --period 24", store);
    cr_assert_eq(run_cli(args), 0);
    const char *out = slurp("out");
    cr_assert_not_null(strstr(out, "\n1h "));
    cr_assert_not_null(strstr(out, "\n6h "));
    cr_assert_not_null(strstr(out, "\n24h "));
}

Test(backtest, detects_period)
{
    enum { N = 24 * 20 };
    double y[N];
    for (size_t t = 0; t < N; t++)
        y[t] = periodic(t) + (double)(t % 7) * 0.01;
    size_t hz[1] = {24};
    sc_backtest_opts o = {.model = "snaive", .origins = 4, .horizons = hz, .nh = 1,
                          .period = 0, .seed = 1};
    sc_backtest_acc acc;
    sc_error err;
    cr_assert_eq(sc_backtest_acc_init(&acc, &o, &err), SC_OK);
    int m = 0;
    cr_assert_eq(sc_backtest_series(y, N, &o, "p", &acc, &m, &err), SC_OK, "%s", err.msg);
    /* The 24-hour shape dominates; a lag-168 ACF peak (= 7*24, also a multiple of 7) is
     * allowed too, but not a non-multiple of 24. */
    cr_assert(m % 24 == 0, "period %d", m);
}

Test(backtest, bad_input_exit_2)
{
    char store[512], args[1024];
    /* Missing store. */
    snprintf(args, sizeof args, "--backtest '%s/nope.h5' --model snaive", tmpdir);
    cr_assert_eq(run_cli(args), 2);
    cr_assert_not_null(strstr(slurp("errout"), "no such store"), "%s", slurp("errout"));

    double y[400];
    for (size_t t = 0; t < 400; t++)
        y[t] = periodic(t);
    snprintf(store, sizeof store, "%s/s.h5", tmpdir);
    write_series(store, 1, "long", y, 400);
    write_series(store, 0, "short", y, 30);

    /* Unknown series. */
    snprintf(args, sizeof args, "--backtest '%s' --series ghost/r1/load --model snaive", store);
    cr_assert_eq(run_cli(args), 2);
    cr_assert_not_null(strstr(slurp("errout"), "no series ghost/r1/load"), "%s",
                       slurp("errout"));

    /* Series too short: 30 hourly samples cannot hold 8 origins and a 24 h horizon. */
    snprintf(args, sizeof args, "--backtest '%s' --series short/r1/load --model snaive",
             store);
    cr_assert_eq(run_cli(args), 2);
    cr_assert_not_null(strstr(slurp("errout"), "too short"), "%s", slurp("errout"));

    /* Unknown model, horizon not a whole number of steps, bad quantile. */
    snprintf(args, sizeof args, "--backtest '%s' --model nosuchmodel", store);
    cr_assert_eq(run_cli(args), 2);
    snprintf(args, sizeof args, "--backtest '%s' --model snaive --horizons 90m", store);
    cr_assert_eq(run_cli(args), 2);
    snprintf(args, sizeof args, "--backtest '%s' --model snaive --quantiles 1.5", store);
    cr_assert_eq(run_cli(args), 2);

    /* API: too short for the origins. */
    size_t hz[1] = {24};
    sc_backtest_opts o = {.model = "snaive", .origins = 8, .horizons = hz, .nh = 1,
                          .period = 24};
    sc_backtest_acc acc;
    sc_error err;
    cr_assert_eq(sc_backtest_acc_init(&acc, &o, &err), SC_OK);
    cr_assert_eq(sc_backtest_series(y, 40, &o, "x", &acc, NULL, &err), SC_ERR_RANGE);
    cr_assert_eq(acc.series, 0);
}
