/*
 * test_forecast_cli.c - `sculpt forecast STORE.h5|TRACE.csv` (sim/cmd_forecast.c, the
 * plain mode): fit on a store's or a CSV trace's history, predict, print / write the
 * Workload Intensity Vector.  The built binary is run (SC_SCULPT_BIN).
 *
 * Expected values are worked out by hand from the construction of the data:
 *  - a constant-plus-daily-pattern series at 15 minutes, y = 100 + 10 * hour_of_day +
 *    (quarter within the hour: 0..3), three whole days from 2024-01-01T00:00Z.  Resampled
 *    to 1 h by the peak rule every hour h of the day holds 103 + 10 h; `snaive` at period
 *    24 repeats the last day, so the path's step s (hour s of 2024-01-04) is 103 + 10 s,
 *    the summary points are 103 (1 h, step 0), 153 (6 h, step 5) and 333 (24 h, step 23),
 *    and since the seasonal differences are all zero (sigma 0) every quantile equals the
 *    mean.  At --step 6h with --period 4 the 6-hour peak of step s is the value of its
 *    last hour, 103 + 10 (6 s + 5) = 153 + 60 s.
 *  - five hourly values with `snaive` at period 24: too short for snaive (24) and ets
 *    (8 non-seasonal, 72 seasonal), so the hierarchy ends at `naive`, whose forecast is
 *    the last value at every step.
 *  - an announced campaign (+100 during hours 10-16 of some days, in the feed) and one
 *    announced in the forecast window: with the feed as regressor, `arima`'s forecast
 *    in the campaign hours is higher than without it by most of the effect.
 * Bad input exits 2 with a message naming the file or series, and writes nothing.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <cjson/cJSON.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sculpt/fsutil.h"
#include "sculpt/tsdb.h"
#include "sculpt/wiv.h"

#define HOUR_MS 3600000LL
#define QUARTER_MS 900000LL
#define T0 1704067200000LL /* 2024-01-01T00:00:00Z */

static char tmpdir[256];

static void make_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "/tmp/sc_test_fcli_XXXXXX");
    cr_assert_not_null(mkdtemp(tmpdir));
}

static void remove_tmpdir(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(forecast_cli, .init = make_tmpdir, .fini = remove_tmpdir, .timeout = 60);

static void path_of(char *buf, size_t cap, const char *name)
{
    snprintf(buf, cap, "%s/%s", tmpdir, name);
}

/* Append (t, y) as series app/place/load to the store (created when create != 0). */
static void put_series(const char *store, int create, const char *app, const char *place,
                       const char *metric, const sc_time_ms *t, const double *y, size_t n)
{
    sc_error err;
    sc_tsdb *db;
    cr_assert_eq(sc_tsdb_open(store, create ? SC_TSDB_CREATE : SC_TSDB_RDWR, &db, &err), SC_OK,
                 "%s", err.msg);
    sc_series_key key = {app, place, metric};
    cr_assert_eq(sc_tsdb_append(db, &key, "", 0, "geo", t, y, n, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
}

/* The 15-minute constant-plus-daily-pattern series of `days` days from T0. */
static size_t pattern(sc_time_ms *t, double *y, size_t days)
{
    size_t n = days * 96;
    for (size_t k = 0; k < n; k++) {
        t[k] = T0 + (sc_time_ms)k * QUARTER_MS;
        y[k] = 100.0 + 10.0 * (double)((k / 4) % 24) + (double)(k % 4);
    }
    return n;
}

static void pattern_store(const char *store)
{
    static sc_time_ms t[3 * 96];
    static double y[3 * 96];
    size_t n = pattern(t, y, 3);
    put_series(store, 1, "web", "eu", "load", t, y, n);
}

/* Run `sculpt forecast ARGS`; stdout/stderr to tmpdir/out, tmpdir/err.  Exit code. */
static int run_cli(const char *args)
{
    char cmd[4096];
    /* TMPDIR here too, so a temporary file left behind would be seen (assert_only). */
    snprintf(cmd, sizeof cmd, "TMPDIR='%s' '%s' forecast %s >'%s/out' 2>'%s/err'", tmpdir,
             SC_SCULPT_BIN, args, tmpdir, tmpdir);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc));
    return WEXITSTATUS(rc);
}

/* Contents of tmpdir/name (caller frees). */
static char *slurp(const char *name)
{
    char path[512];
    path_of(path, sizeof path, name);
    char *txt = NULL;
    size_t n;
    sc_error e;
    cr_assert_eq(sc_file_read_all(path, &txt, &n, &e), SC_OK, "%s", e.msg);
    return txt;
}

/* A file's bytes equal another's. */
static int same_bytes(const char *a, const char *b)
{
    char pa[512], pb[512];
    path_of(pa, sizeof pa, a);
    path_of(pb, sizeof pb, b);
    char *x = NULL, *y = NULL;
    size_t nx, ny;
    sc_error e;
    cr_assert_eq(sc_file_read_all(pa, &x, &nx, &e), SC_OK, "%s", e.msg);
    cr_assert_eq(sc_file_read_all(pb, &y, &ny, &e), SC_OK, "%s", e.msg);
    int same = nx == ny && memcmp(x, y, nx) == 0;
    free(x);
    free(y);
    return same;
}

static void rename_in(const char *from, const char *to)
{
    char a[512], b[512];
    path_of(a, sizeof a, from);
    path_of(b, sizeof b, to);
    cr_assert_eq(rename(a, b), 0);
}

static void write_text(const char *name, const char *text)
{
    char path[512];
    path_of(path, sizeof path, name);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fputs(text, fp);
    fclose(fp);
}

/* Run, expect exit 2 and stderr containing every non-NULL needle. */
static void expect_code(int code, const char *args, const char *needle1, const char *needle2)
{
    int rc = run_cli(args);
    char *msg = slurp("err");
    cr_assert_eq(rc, code, "args %s: exit %d, stderr %s", args, rc, msg);
    if (needle1)
        cr_assert_not_null(strstr(msg, needle1), "args %s: '%s' not in: %s", args, needle1,
                           msg);
    if (needle2)
        cr_assert_not_null(strstr(msg, needle2), "args %s: '%s' not in: %s", args, needle2,
                           msg);
    free(msg);
}

/* Bad input: exit 2 and both needles in the message. */
static void expect_bad(const char *args, const char *needle1, const char *needle2)
{
    expect_code(2, args, needle1, needle2);
}

/* Only the listed names (NULL-terminated) may be in tmpdir. */
static void assert_only(const char *const *allowed)
{
    DIR *d = opendir(tmpdir);
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        int ok = 0;
        for (const char *const *p = allowed; *p; p++)
            ok |= strcmp(*p, de->d_name) == 0;
        cr_assert(ok, "left behind: %s", de->d_name);
    }
    closedir(d);
}

static double num(const cJSON *o, const char *key)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, key);
    cr_assert(cJSON_IsNumber(x), "key %s", key);
    return x->valuedouble;
}

/* ---- hand-checkable cases ------------------------------------------------------------ */

Test(forecast_cli, snaive_daily_pattern_by_hand)
{
    char store[512], args[2048];
    path_of(store, sizeof store, "s.h5");
    pattern_store(store);
    snprintf(args, sizeof args,
             "'%s' --model snaive --period 24 --json -o '%s/w.h5' --seed 3", store, tmpdir);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
    char *out = slurp("out");
    cJSON *root = cJSON_Parse(out);
    free(out);
    cr_assert_not_null(root);
    cr_assert_eq(num(root, "origin_ms"), (double)(T0 + 3 * 24 * HOUR_MS));
    cr_assert_eq(num(root, "step_ms"), (double)HOUR_MS);
    cr_assert_eq(num(root, "steps"), 24.0);
    const cJSON *cell = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "cells"), 0);
    const cJSON *mean = cJSON_GetObjectItem(cell, "mean");
    const cJSON *qs = cJSON_GetObjectItem(cell, "quantiles");
    cr_assert_eq(cJSON_GetArraySize(mean), 24);
    for (int s = 0; s < 24; s++) {
        double want = 103.0 + 10.0 * s;
        cr_assert_float_eq(cJSON_GetArrayItem(mean, s)->valuedouble, want, 1e-9, "step %d", s);
        const cJSON *row = cJSON_GetArrayItem(qs, s);
        cr_assert_eq(cJSON_GetArraySize(row), 4);
        for (int k = 0; k < 4; k++)
            cr_assert_float_eq(cJSON_GetArrayItem(row, k)->valuedouble, want, 1e-9,
                               "step %d level %d", s, k);
    }
    const cJSON *src = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sources"), 0);
    cr_assert_str_eq(cJSON_GetObjectItem(src, "model")->valuestring, "snaive");
    cr_assert_str_eq(cJSON_GetObjectItem(src, "series")->valuestring, "web/eu/load");
    cr_assert_eq(num(src, "period"), 24.0);
    cr_assert_eq(num(src, "history_steps"), 72.0);
    cJSON_Delete(root);

    /* The HDF5 form carries the same values. */
    char wpath[512];
    path_of(wpath, sizeof wpath, "w.h5");
    sc_wiv *w = NULL;
    sc_error err;
    cr_assert_eq(sc_wiv_read_hdf5(wpath, &w, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(w->steps, 24);
    cr_assert_str_eq(w->apps[0], "web");
    cr_assert_str_eq(w->geos[0], "eu");
    for (size_t s = 0; s < 24; s++)
        cr_assert_float_eq(w->mean[s], 103.0 + 10.0 * (double)s, 1e-9);
    sc_wiv_free(w);

    /* The table: the answering model and the summary points 103, 153, 333. */
    snprintf(args, sizeof args, "'%s' --model snaive --period 24", store);
    cr_assert_eq(run_cli(args), 0);
    char *table = slurp("out");
    cr_assert_not_null(strstr(table, "web/eu/load: answered by snaive, period 24"), "%s", table);
    cr_assert_not_null(strstr(table, "1h             103.0000       103.0000"), "%s", table);
    cr_assert_not_null(strstr(table, "6h             153.0000"), "%s", table);
    cr_assert_not_null(strstr(table, "24h            333.0000"), "%s", table);
    free(table);
}

Test(forecast_cli, six_hour_step_takes_the_peak)
{
    char store[512], args[2048];
    path_of(store, sizeof store, "s.h5");
    pattern_store(store);
    snprintf(args, sizeof args,
             "'%s' --model snaive --period 4 --step 6h --horizons 24h --quantiles 0.9 "
             "-o '%s/w.json'",
             store, tmpdir);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
    char wpath[512];
    path_of(wpath, sizeof wpath, "w.json");
    sc_wiv *w = NULL;
    sc_error err;
    cr_assert_eq(sc_wiv_read_json(wpath, &w, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(w->steps, 4);
    cr_assert_eq(w->step_ms, 6 * HOUR_MS);
    cr_assert_eq(w->nq, 1);
    for (size_t s = 0; s < 4; s++) {
        cr_assert_float_eq(w->mean[s], 153.0 + 60.0 * (double)s, 1e-9, "step %zu", s);
        cr_assert_float_eq(w->quant[s], 153.0 + 60.0 * (double)s, 1e-9, "step %zu", s);
    }
    sc_wiv_free(w);
}

/* --history 1d: the last day alone (24 hourly peaks) gives snaive the same path. */
Test(forecast_cli, history_window_by_hand)
{
    char store[512], args[2048];
    path_of(store, sizeof store, "s.h5");
    pattern_store(store);
    snprintf(args, sizeof args, "'%s' --model snaive --period 24 --history 1d --json", store);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
    char *out = slurp("out");
    cJSON *root = cJSON_Parse(out);
    free(out);
    cr_assert_not_null(root);
    const cJSON *src = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sources"), 0);
    cr_assert_eq(num(src, "history_steps"), 24.0);
    cr_assert_eq(num(src, "first_ms"), (double)(T0 + 2 * 24 * HOUR_MS));
    const cJSON *mean =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "cells"), 0), "mean");
    for (int s = 0; s < 24; s++)
        cr_assert_float_eq(cJSON_GetArrayItem(mean, s)->valuedouble, 103.0 + 10.0 * s, 1e-9);
    cJSON_Delete(root);
}

Test(forecast_cli, short_history_falls_back_to_naive)
{
    char store[512], args[2048];
    path_of(store, sizeof store, "s.h5");
    sc_time_ms t[5];
    double y[5] = {10, 12, 11, 13, 12.5};
    for (int i = 0; i < 5; i++)
        t[i] = T0 + i * HOUR_MS;
    put_series(store, 1, "api", "us", "load", t, y, 5);
    snprintf(args, sizeof args, "'%s' --model snaive --period 24 --json", store);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
    char *out = slurp("out");
    cJSON *root = cJSON_Parse(out);
    free(out);
    cr_assert_not_null(root);
    const cJSON *src = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sources"), 0);
    cr_assert_str_eq(cJSON_GetObjectItem(src, "model")->valuestring, "naive");
    const cJSON *mean =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "cells"), 0), "mean");
    for (int s = 0; s < 24; s++)
        cr_assert_float_eq(cJSON_GetArrayItem(mean, s)->valuedouble, 12.5, 1e-9);
    cJSON_Delete(root);
}

/* A CSV trace is read as `sculpt trace import` reads it: two value columns become two
 * places of the app named after the file. */
Test(forecast_cli, csv_trace_two_columns)
{
    char args[2048];
    char text[8192];
    /* Two days hourly, eu = 5 + hour of day, us = 50. */
    size_t len = (size_t)snprintf(text, sizeof text, "time,eu,us\n");
    for (int h = 0; h < 48; h++)
        len += (size_t)snprintf(text + len, sizeof text - len, "2024-01-%02dT%02d:00:00Z,%d,50\n",
                                1 + h / 24, h % 24, 5 + h % 24);
    write_text("shop.csv", text);
    snprintf(args, sizeof args,
             "'%s/shop.csv' --value-col '*' --model snaive --period 24 --horizons 2h --json",
             tmpdir);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
    char *out = slurp("out");
    cJSON *root = cJSON_Parse(out);
    free(out);
    cr_assert_not_null(root);
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "apps"), 0)->valuestring,
                     "shop");
    const cJSON *geos = cJSON_GetObjectItem(root, "geos");
    cr_assert_eq(cJSON_GetArraySize(geos), 2);
    cr_assert_eq(num(root, "steps"), 2.0);
    const cJSON *cells = cJSON_GetObjectItem(root, "cells");
    for (int c = 0; c < 2; c++) {
        const cJSON *cell = cJSON_GetArrayItem(cells, c);
        const char *geo = cJSON_GetObjectItem(cell, "geo")->valuestring;
        const cJSON *mean = cJSON_GetObjectItem(cell, "mean");
        int eu = strcmp(geo, "eu") == 0;
        cr_assert(eu || strcmp(geo, "us") == 0, "%s", geo);
        /* hours 0 and 1 of 2024-01-03 */
        cr_assert_float_eq(cJSON_GetArrayItem(mean, 0)->valuedouble, eu ? 5.0 : 50.0, 1e-9);
        cr_assert_float_eq(cJSON_GetArrayItem(mean, 1)->valuedouble, eu ? 6.0 : 50.0, 1e-9);
    }
    cJSON_Delete(root);
    const char *const left[] = {"shop.csv", "out", "err", NULL};
    assert_only(left);
}

/* ---- the JSON form ------------------------------------------------------------------- */

Test(forecast_cli, json_has_documented_keys)
{
    char store[512], args[2048];
    path_of(store, sizeof store, "s.h5");
    static sc_time_ms t[7 * 96];
    static double y[7 * 96];
    size_t n = pattern(t, y, 7);
    for (size_t k = 0; k < n; k++)
        y[k] += 3.0 * sin(0.37 * (double)k);   /* some noise for the intervals */
    put_series(store, 1, "web", "eu", "load", t, y, n);
    put_series(store, 0, "api", "us", "load", t, y, n - 8);   /* ends 2 h earlier */
    snprintf(args, sizeof args, "'%s' --json", store);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
    char *out = slurp("out");
    cJSON *root = cJSON_Parse(out);
    free(out);
    cr_assert_not_null(root);
    static const char *const keys[] = {"format", "version", "origin_ms", "step_ms", "steps",
                                       "quantiles", "apps", "geos", "cells", "summary",
                                       "sources", "model"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        cr_assert_not_null(cJSON_GetObjectItem(root, keys[i]), "missing key %s", keys[i]);
    cr_assert_str_eq(cJSON_GetObjectItem(root, "format")->valuestring, "sculpt-wiv");
    cr_assert_str_eq(cJSON_GetObjectItem(root, "model")->valuestring, "ensemble");
    cr_assert_eq(num(root, "origin_ms"), (double)(T0 + 7 * 24 * HOUR_MS));
    const cJSON *q = cJSON_GetObjectItem(root, "quantiles");
    const double want_q[4] = {0.5, 0.9, 0.95, 0.99};
    cr_assert_eq(cJSON_GetArraySize(q), 4);
    for (int k = 0; k < 4; k++)
        cr_assert_eq(cJSON_GetArrayItem(q, k)->valuedouble, want_q[k]);
    /* apps and geos in store order (api before web), a 2 x 2 grid of 24-step paths */
    cr_assert_str_eq(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "apps"), 0)->valuestring,
                     "api");
    const cJSON *cells = cJSON_GetObjectItem(root, "cells");
    cr_assert_eq(cJSON_GetArraySize(cells), 4);
    const cJSON *cell;
    cJSON_ArrayForEach(cell, cells)
    {
        cr_assert_not_null(cJSON_GetObjectItem(cell, "app"));
        cr_assert_not_null(cJSON_GetObjectItem(cell, "geo"));
        const cJSON *qs = cJSON_GetObjectItem(cell, "quantiles");
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(cell, "mean")), 24);
        cr_assert_eq(cJSON_GetArraySize(qs), 24);
        const cJSON *row;
        cJSON_ArrayForEach(row, qs)
        {
            cr_assert_eq(cJSON_GetArraySize(row), 4);
            for (int k = 1; k < 4; k++)
                cr_assert_geq(cJSON_GetArrayItem(row, k)->valuedouble,
                              cJSON_GetArrayItem(row, k - 1)->valuedouble);
        }
    }
    /* summary points at 1 h, 6 h, 24 h for each of the 4 cells */
    const cJSON *summ = cJSON_GetObjectItem(root, "summary");
    cr_assert_eq(cJSON_GetArraySize(summ), 12);
    cr_assert_eq(num(cJSON_GetArrayItem(summ, 0), "lead_ms"), (double)HOUR_MS);
    cr_assert_eq(num(cJSON_GetArrayItem(summ, 2), "lead_ms"), (double)(24 * HOUR_MS));
    /* sources: which series fills which cell, and its gap before the origin */
    const cJSON *srcs = cJSON_GetObjectItem(root, "sources");
    cr_assert_eq(cJSON_GetArraySize(srcs), 2);
    const cJSON *s0 = cJSON_GetArrayItem(srcs, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(s0, "series")->valuestring, "api/us/load");
    cr_assert_eq(num(s0, "gap_steps"), 2.0);
    cr_assert_eq(num(cJSON_GetArrayItem(srcs, 1), "gap_steps"), 0.0);
    for (int i = 0; i < 2; i++)
        cr_assert_not_null(cJSON_GetObjectItem(cJSON_GetArrayItem(srcs, i), "model"));
    cJSON_Delete(root);
}

/* ---- only data before --at ------------------------------------------------------------ */

Test(forecast_cli, values_after_at_change_nothing)
{
    char store[512], args[2048];
    static sc_time_ms t[8 * 96];
    static double y[8 * 96];
    size_t n = pattern(t, y, 8);
    for (size_t k = 0; k < n; k++)
        y[k] += 4.0 * sin(0.21 * (double)k);
    const char *at = "2024-01-06T13:30:00Z";     /* origin 13:00 (rounded down) */
    const sc_time_ms origin = T0 + (5 * 24 + 13) * HOUR_MS;
    for (int run = 0; run < 2; run++) {
        if (run == 1) {   /* change every value at or after the origin */
            for (size_t k = 0; k < n; k++)
                if (t[k] >= origin)
                    y[k] = k % 3 ? 1e6 - y[k] : NAN;
            /* HDF5 object times have 1 s resolution: a WIV writer that stored them
             * (wiv.c did before) would give other bytes a second later. */
            sleep(1);
        }
        path_of(store, sizeof store, "s.h5");
        put_series(store, 1, "web", "eu", "load", t, y, n);
        put_series(store, 0, "web", "us", "load", t, y, n);
        snprintf(args, sizeof args, "'%s' --at %s --json -o '%s/w.h5'", store, at, tmpdir);
        cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
        rename_in("out", run ? "json1" : "json0");
        rename_in("w.h5", run ? "h51" : "h50");
        snprintf(args, sizeof args, "'%s' --at %s --model ets", store, at);
        cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
        rename_in("out", run ? "table1" : "table0");
        /* the same through a CSV trace */
        char csv[16] = "c.csv";
        char path[512];
        path_of(path, sizeof path, csv);
        FILE *fp = fopen(path, "w");
        cr_assert_not_null(fp);
        fprintf(fp, "time,value\n");
        for (size_t k = 0; k < n; k++)
            fprintf(fp, "%lld,%.17g\n", (long long)(t[k] / 1000), y[k]);
        fclose(fp);
        snprintf(args, sizeof args, "'%s' --at %s --model snaive --json", path, at);
        cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
        rename_in("out", run ? "csv1" : "csv0");
    }
    cr_assert(same_bytes("json0", "json1"), "--json output differs");
    cr_assert(same_bytes("h50", "h51"), "-o WIV.h5 differs");
    cr_assert(same_bytes("table0", "table1"), "table differs");
    cr_assert(same_bytes("csv0", "csv1"), "CSV --json output differs");
    /* Not vacuous: the origin is the rounded --at and the forecast saw the data. */
    char *out = slurp("json0");
    cJSON *root = cJSON_Parse(out);
    free(out);
    cr_assert_not_null(root);
    cr_assert_eq(num(root, "origin_ms"), (double)origin);
    const cJSON *src = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sources"), 0);
    cr_assert_eq(num(src, "last_ms"), (double)(origin - HOUR_MS));
    cJSON_Delete(root);
}

/* ---- event feed as regressors -------------------------------------------------------- */

Test(forecast_cli, events_feed_lifts_arima_forecast, .timeout = 120)
{
    /* 14 days hourly: 100 + daily shape; campaigns (+100, hours 10-16 UTC) on days 2, 5,
     * 8, 11, and one announced for day 14 (the forecast day). */
    enum { DAYS = 14 };
    static sc_time_ms t[DAYS * 24];
    static double y[DAYS * 24];
    static const int camp[] = {2, 5, 8, 11};
    char feed[2048] = "start,end,app,geo,kind,lift\n";
    size_t len = strlen(feed);
    for (int i = 0; i < 4; i++)
        len += (size_t)snprintf(feed + len, sizeof feed - len,
                                "2024-01-%02dT10:00:00Z,2024-01-%02dT17:00:00Z,*,*,campaign,1\n",
                                1 + camp[i], 1 + camp[i]);
    snprintf(feed + len, sizeof feed - len,
             "2024-01-15T10:00:00Z,2024-01-15T17:00:00Z,*,*,campaign,1\n");
    write_text("feed.csv", feed);
    for (int k = 0; k < DAYS * 24; k++) {
        int d = k / 24, h = k % 24;
        t[k] = T0 + k * HOUR_MS;
        y[k] = 100.0 + 20.0 * sin(6.283185307179586 * h / 24.0) + 2.0 * sin(1.3 * k);
        for (int i = 0; i < 4; i++)
            if (d == camp[i] && h >= 10 && h < 17)
                y[k] += 100.0;
    }
    char store[512], args[2048];
    path_of(store, sizeof store, "s.h5");
    put_series(store, 1, "web", "eu", "load", t, y, DAYS * 24);
    double f[2][24];
    for (int arm = 0; arm < 2; arm++) {
        if (arm)
            snprintf(args, sizeof args,
                     "'%s' --model arima --period 24 --json --events '%s/feed.csv'", store,
                     tmpdir);
        else
            snprintf(args, sizeof args, "'%s' --model arima --period 24 --json", store);
        cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
        char *out = slurp("out");
        cJSON *root = cJSON_Parse(out);
        free(out);
        cr_assert_not_null(root);
        const cJSON *src = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sources"), 0);
        cr_assert_str_eq(cJSON_GetObjectItem(src, "model")->valuestring, "arima");
        const cJSON *mean = cJSON_GetObjectItem(
            cJSON_GetArrayItem(cJSON_GetObjectItem(root, "cells"), 0), "mean");
        for (int s = 0; s < 24; s++)
            f[arm][s] = cJSON_GetArrayItem(mean, s)->valuedouble;
        cJSON_Delete(root);
    }
    /* In the announced hours the feed adds most of the +100; outside them little. */
    for (int s = 10; s < 17; s++)
        cr_assert_gt(f[1][s] - f[0][s], 60.0, "hour %d: %g vs %g", s, f[1][s], f[0][s]);
    for (int s = 0; s < 8; s++)
        cr_assert_lt(fabs(f[1][s] - f[0][s]), 30.0, "hour %d: %g vs %g", s, f[1][s], f[0][s]);

    /* A feed whose only event lies in the future teaches nothing: its columns are
     * dropped, arima still answers (not a fallback) and the forecast is the plain one. */
    write_text("future.csv", "start,end,app,geo,kind,lift\n"
                             "2024-01-15T10:00:00Z,2024-01-15T17:00:00Z,*,*,campaign,1\n");
    snprintf(args, sizeof args, "'%s' --model arima --period 24 --json --events '%s/future.csv'",
             store, tmpdir);
    cr_assert_eq(run_cli(args), 0, "%s", slurp("err"));
    char *out = slurp("out");
    cJSON *root = cJSON_Parse(out);
    free(out);
    cr_assert_not_null(root);
    const cJSON *src = cJSON_GetArrayItem(cJSON_GetObjectItem(root, "sources"), 0);
    cr_assert_str_eq(cJSON_GetObjectItem(src, "model")->valuestring, "arima");
    const cJSON *mean =
        cJSON_GetObjectItem(cJSON_GetArrayItem(cJSON_GetObjectItem(root, "cells"), 0), "mean");
    for (int s = 0; s < 24; s++)
        cr_assert_eq(cJSON_GetArrayItem(mean, s)->valuedouble, f[0][s], "hour %d", s);
    cJSON_Delete(root);
}

/* ---- bad input ----------------------------------------------------------------------- */

Test(forecast_cli, bad_input_exit_2)
{
    char store[512], args[2048];
    path_of(store, sizeof store, "s.h5");
    pattern_store(store);
    put_series(store, 0, "api", "us", "load", (sc_time_ms[]){T0}, (double[]){1.0}, 1);

    snprintf(args, sizeof args, "'%s/nope.h5'", tmpdir);
    expect_code(3, args, "nope.h5", "no such file"); /* I/O: exit 3 */
    snprintf(args, sizeof args, "'%s/nope.csv'", tmpdir);
    expect_code(3, args, "nope.csv", "no such file");

    snprintf(args, sizeof args, "'%s' --series ghost/eu/load -o '%s/w.json'", store, tmpdir);
    expect_bad(args, "no series ghost/eu/load", "web/eu/load");   /* lists valid ones */

    snprintf(args, sizeof args, "'%s' --step 1x", store);
    expect_bad(args, "--step", "1x");
    snprintf(args, sizeof args, "'%s' --step 0s", store);
    expect_bad(args, "--step", NULL);
    snprintf(args, sizeof args, "'%s' --horizons 1h,soon", store);
    expect_bad(args, "--horizons", "soon");
    snprintf(args, sizeof args, "'%s' --quantiles 0.5,1.5", store);
    expect_bad(args, "--quantiles", "1.5");
    snprintf(args, sizeof args, "'%s' --quantiles 0,0.9", store);
    expect_bad(args, "--quantiles", NULL);
    snprintf(args, sizeof args, "'%s' --at yesterday", store);
    expect_bad(args, "--at", "yesterday");
    snprintf(args, sizeof args, "'%s' --model nosuchmodel", store);
    expect_bad(args, "nosuchmodel", NULL);
    snprintf(args, sizeof args, "'%s' --period 0", store);
    expect_bad(args, "--period", NULL);
    snprintf(args, sizeof args, "'%s' --history -2h", store);
    expect_bad(args, "--history", NULL);

    /* --at before the first observation: an error naming the series and its start. */
    snprintf(args, sizeof args, "'%s' --series web/eu/load --at 2023-12-31T00:00Z -o '%s/w.h5'",
             store, tmpdir);
    expect_bad(args, "web/eu/load", "2024-01-01T00:00:00Z");

    /* outputs: a missing directory, an unknown extension */
    snprintf(args, sizeof args, "'%s' -o '%s/no/such/dir/w.h5'", store, tmpdir);
    expect_code(3, args, "no/such/dir", "does not exist");
    snprintf(args, sizeof args, "'%s' -o '%s/w.txt'", store, tmpdir);
    expect_bad(args, "w.txt", ".json");

    snprintf(args, sizeof args, "'%s' --events '%s/nofeed.csv'", store, tmpdir);
    expect_code(3, args, "nofeed.csv", "no such file");
    /* an unreadable event feed names the file and line */
    write_text("bad.csv", "start,end,app,geo,kind,lift\n2024-01-01,soon,*,*,x,\n");
    snprintf(args, sizeof args, "'%s' --events '%s/bad.csv'", store, tmpdir);
    expect_bad(args, "bad.csv:2", NULL);

    /* a CSV trace with a bad timestamp names file:line */
    write_text("t.csv", "time,value\n2024-01-01T00:00Z,1\n2024-01-01T00:00Z,2\n");
    snprintf(args, sizeof args, "'%s/t.csv' -o '%s/w.json'", tmpdir, tmpdir);
    expect_bad(args, "t.csv:3", NULL);

    /* two metrics of one app and place compete for one WIV cell */
    put_series(store, 0, "web", "eu", "cpu", (sc_time_ms[]){T0}, (double[]){1.0}, 1);
    snprintf(args, sizeof args, "'%s' -o '%s/w.json'", store, tmpdir);
    expect_bad(args, "web/eu/cpu", "--series");

    /* nothing was written by any of the failures */
    const char *const left[] = {"s.h5", "out", "err", "bad.csv", "t.csv", NULL};
    assert_only(left);
}

Test(forecast_cli, help_lists_the_plain_mode)
{
    cr_assert_eq(run_cli("--help"), 0);
    char *out = slurp("out");
    cr_assert_not_null(strstr(out, "STORE.h5|TRACE.csv"), "%s", out);
    cr_assert_not_null(strstr(out, "--at TIME"), "%s", out);
    cr_assert_not_null(strstr(out, "--events FEED"), "%s", out);
    free(out);
}
