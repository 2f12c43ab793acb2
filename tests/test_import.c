/*
 * test_import.c - trace import (traces/src/import.c) and `sculpt trace import`.
 *
 * Expected instants were computed with GNU date, an independent implementation of the
 * calendar and of the tz database, e.g.
 *     date -u -d '2021-07-15 12:00:00 EDT' +%s   -> 1626364800
 * and the resampling answers by hand (worked in the comments).  Fixtures live in
 * tests/fixtures/traces/.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <dirent.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "import.h"
#include "sculpt/tsdb.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/traces/"
#define DATA SC_SOURCE_DIR "/traces/data/"
#define MIN_MS 60000LL
#define HOUR_MS 3600000LL

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/test_import_%ld_%s", SC_BINARY_DIR, (long)getpid(), name);
}

/* ------------------------------------------------------------------ CSV in memory */

Test(import, csv_gaps_stay_missing)
{
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
    sc_error_clear(&err);
    cr_assert_eq(sc_trace_read_csv(FIX "gaps.csv", NULL, &t, &v, &n, &err), SC_OK, "%s",
                 err.msg);
    /* 6 rows; 00:20 is absent from the file and must stay absent (not 0, not NaN) */
    cr_assert_eq(n, 6);
    const sc_time_ms t0 = 1614556800000LL; /* date -u -d '2021-03-01 00:00:00Z' +%s */
    const sc_time_ms want_t[6] = {t0, t0 + 5 * MIN_MS, t0 + 10 * MIN_MS, t0 + 15 * MIN_MS,
                                  t0 + 25 * MIN_MS, t0 + 30 * MIN_MS};
    for (size_t i = 0; i < 6; i++)
        cr_assert_eq(t[i], want_t[i], "t[%zu]", i);
    cr_assert_eq(v[0], 1.5);
    cr_assert(isnan(v[1]), "empty cell -> NaN");
    cr_assert(isnan(v[2]), "NA -> NaN");
    cr_assert_eq(v[3], 4.0);
    cr_assert(isnan(v[4]), "nan -> NaN");
    cr_assert_eq(v[5], 7.25);
    /* nominal step: every gap (5, 5, 5, 10, 5 min) is a multiple of 5 min */
    cr_assert_eq(sc_trace_infer_step(t, n), 5 * MIN_MS);
    free(t);
    free(v);
}

Test(import, csv_scale_and_resample_on_read)
{
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    opt.scale = 2.0;
    opt.step_ms = 10 * MIN_MS;
    opt.resample = SC_RESAMPLE_MEAN;
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(FIX "gaps.csv", &opt, &t, &v, &n, &err), SC_OK, "%s",
                 err.msg);
    /* scaled values 3, NaN, NaN, 8, NaN, 14.5 at minutes 0, 5, 10, 15, 25, 30;
     * 10-min bins: [0,10) mean(3) = 3; [10,20) mean(8) = 8; [20,30) only NaN -> NaN;
     * [30,40) 14.5 */
    cr_assert_eq(n, 4);
    cr_assert_eq(v[0], 3.0);
    cr_assert_eq(v[1], 8.0);
    cr_assert(isnan(v[2]));
    cr_assert_eq(v[3], 14.5);
    cr_assert_eq(t[3] - t[0], 30 * MIN_MS);
    free(t);
    free(v);
}

static void expect_error(const char *file, const sc_import_opts *opt, sc_status want,
                         const char *where_suffix, const char *msg_part)
{
    sc_time_ms *t = NULL;
    double *v = NULL;
    size_t n = 0;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_trace_read_csv(file, opt, &t, &v, &n, &err);
    cr_assert_eq(st, want, "%s: got %s (%s: %s)", file, sc_status_name(st), err.where, err.msg);
    cr_assert_null(t);
    cr_assert_null(v);
    if (where_suffix) {
        size_t lw = strlen(err.where), ls = strlen(where_suffix);
        cr_assert(lw >= ls && strcmp(err.where + lw - ls, where_suffix) == 0,
                  "where '%s' should end with '%s'", err.where, where_suffix);
    }
    if (msg_part)
        cr_assert(strstr(err.msg, msg_part) != NULL, "msg '%s' should mention '%s'", err.msg,
                  msg_part);
}

Test(import, duplicate_and_out_of_order_name_file_line)
{
    /* dup.csv: line 4 repeats line 3's 00:05; order.csv: line 5 (00:07) < line 4 (00:10) */
    expect_error(FIX "dup.csv", NULL, SC_ERR_INPUT, "dup.csv:4", "duplicate");
    expect_error(FIX "order.csv", NULL, SC_ERR_INPUT, "order.csv:5", "before");
    expect_error(FIX "badvalue.csv", NULL, SC_ERR_INPUT, "badvalue.csv:3", "abc");
}

Test(import, empty_and_all_missing)
{
    expect_error(FIX "empty.csv", NULL, SC_ERR_EMPTY, "empty.csv", NULL);
    expect_error(FIX "allnan.csv", NULL, SC_ERR_EMPTY, "allnan.csv", "missing");
    expect_error(FIX "does-not-exist.csv", NULL, SC_ERR_IO, "does-not-exist.csv", NULL);
}

Test(import, columns_by_name_and_index)
{
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.time_col, sizeof opt.time_col, "time");
    snprintf(opt.value_col, sizeof opt.value_col, "west");
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(FIX "multi.csv", &opt, &t, &v, &n, &err), SC_OK, "%s",
                 err.msg);
    /* west = 10, (empty), 30 at 2021-01-01 00:00, 01:00, 02:00 Z (1609459200 s) */
    cr_assert_eq(n, 3);
    cr_assert_eq(t[0], 1609459200000LL);
    cr_assert_eq(t[2], 1609459200000LL + 2 * HOUR_MS);
    cr_assert_eq(v[0], 10.0);
    cr_assert(isnan(v[1]));
    cr_assert_eq(v[2], 30.0);
    free(t);
    free(v);
    snprintf(opt.time_col, sizeof opt.time_col, "1");
    snprintf(opt.value_col, sizeof opt.value_col, "2");
    cr_assert_eq(sc_trace_read_csv(FIX "multi.csv", &opt, &t, &v, &n, &err), SC_OK);
    cr_assert_eq(v[1], 2.0); /* column 2 = east */
    free(t);
    free(v);
    snprintf(opt.value_col, sizeof opt.value_col, "north");
    expect_error(FIX "multi.csv", &opt, SC_ERR_INPUT, "multi.csv:1", "north");
}

/* ------------------------------------------------------------------ time zones */

Test(import, new_york_dst_offsets)
{
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.tz, sizeof opt.tz, "America/New_York");
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(FIX "ny_local.csv", &opt, &t, &v, &n, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(n, 2);
    /* July: EDT = UTC-4: 12:00 local = 16:00Z;  date -u -d '2021-07-15 12:00 EDT' +%s */
    cr_assert_eq(t[0], 1626364800000LL);
    /* January: EST = UTC-5: 12:00 local = 17:00Z; date -u -d '2022-01-15 12:00 EST' +%s */
    cr_assert_eq(t[1], 1642266000000LL);
    free(t);
    free(v);

    /* the same file with a fixed offset */
    snprintf(opt.tz, sizeof opt.tz, "+05:30");
    cr_assert_eq(sc_trace_read_csv(FIX "ny_local.csv", &opt, &t, &v, &n, &err), SC_OK);
    /* 2021-07-15 12:00 +05:30 = 06:30Z = 1626307200 + 6.5 h */
    cr_assert_eq(t[0], 1626307200000LL + 6 * HOUR_MS + 30 * MIN_MS);
    free(t);
    free(v);

    /* spring forward 2021-03-14: local 00:00, 01:00, 03:00, 04:00 (02:00 does not exist)
     * are the consecutive UTC hours 05:00..08:00; date -u -d '2021-03-14 05:00Z' +%s */
    snprintf(opt.tz, sizeof opt.tz, "America/New_York");
    cr_assert_eq(sc_trace_read_csv(FIX "ny_spring_forward.csv", &opt, &t, &v, &n, &err), SC_OK,
                 "%s", err.msg);
    cr_assert_eq(n, 4);
    for (size_t i = 0; i < 4; i++)
        cr_assert_eq(t[i], 1615698000000LL + (sc_time_ms)i * HOUR_MS, "t[%zu]", i);
    cr_assert_eq(sc_trace_infer_step(t, n), HOUR_MS);
    free(t);
    free(v);

    snprintf(opt.tz, sizeof opt.tz, "Nowhere/Atlantis");
    expect_error(FIX "ny_local.csv", &opt, SC_ERR_USAGE, NULL, "Atlantis");
}

/* ------------------------------------------------------------------ resampling */

Test(resample, max_mean_sum_by_hand)
{
    /* samples (minute: value): 0:2 1:4 2:NaN 4:6 | 5:1 9:3 | (none in 10-15) |
     * 16:NaN | 22:10.  5-minute bins from origin 0:
     *   [0,5):   2, 4, 6  -> max 6, mean 4, sum 12
     *   [5,10):  1, 3     -> max 3, mean 2, sum 4
     *   [10,15): none     -> NaN
     *   [15,20): NaN only -> NaN
     *   [20,25): 10       -> 10 */
    const sc_time_ms t[] = {0, 1 * MIN_MS, 2 * MIN_MS, 4 * MIN_MS, 5 * MIN_MS, 9 * MIN_MS,
                            16 * MIN_MS, 22 * MIN_MS};
    const double v[] = {2, 4, NAN, 6, 1, 3, NAN, 10};
    const double want[3][5] = {{6, 3, NAN, NAN, 10}, {4, 2, NAN, NAN, 10}, {12, 4, NAN, NAN, 10}};
    const sc_resample_rule rules[3] = {SC_RESAMPLE_MAX, SC_RESAMPLE_MEAN, SC_RESAMPLE_SUM};
    for (int r = 0; r < 3; r++) {
        sc_time_ms *to;
        double *vo;
        size_t n;
        sc_error err;
        cr_assert_eq(sc_resample(t, v, 8, 0, 5 * MIN_MS, rules[r], &to, &vo, &n, &err), SC_OK);
        cr_assert_eq(n, 5);
        for (size_t k = 0; k < 5; k++) {
            cr_assert_eq(to[k], (sc_time_ms)k * 5 * MIN_MS, "bins labelled by their start");
            if (isnan(want[r][k]))
                cr_assert(isnan(vo[k]), "rule %d bin %zu should be NaN, got %g", r, k, vo[k]);
            else
                cr_assert_eq(vo[k], want[r][k], "rule %d bin %zu: %g", r, k, vo[k]);
        }
        free(to);
        free(vo);
    }
}

Test(resample, coarse_data_not_interpolated)
{
    /* hourly samples 5 at 0 h and 7 at 1 h, to 15 min: 5, NaN, NaN, NaN, 7 */
    const sc_time_ms t[] = {0, HOUR_MS};
    const double v[] = {5, 7};
    sc_time_ms *to;
    double *vo;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_resample(t, v, 2, 0, 15 * MIN_MS, SC_RESAMPLE_MAX, &to, &vo, &n, &err), SC_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(vo[0], 5.0);
    cr_assert(isnan(vo[1]) && isnan(vo[2]) && isnan(vo[3]));
    cr_assert_eq(vo[4], 7.0);
    cr_assert_eq(to[4], HOUR_MS);
    free(to);
    free(vo);
}

Test(resample, origin_offset_and_negative_times)
{
    /* origin 2 min, step 5 min: bins ... [-3,2) [2,7) [7,12) ...
     * samples at -1 min (bin -3), 2 and 6 min (bin 2), 7 min (bin 7) */
    const sc_time_ms t[] = {-1 * MIN_MS, 2 * MIN_MS, 6 * MIN_MS, 7 * MIN_MS};
    const double v[] = {1, 2, 8, 4};
    sc_time_ms *to;
    double *vo;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_resample(t, v, 4, 2 * MIN_MS, 5 * MIN_MS, SC_RESAMPLE_SUM, &to, &vo, &n, &err),
                 SC_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(to[0], -3 * MIN_MS);
    cr_assert_eq(to[1], 2 * MIN_MS);
    cr_assert_eq(to[2], 7 * MIN_MS);
    cr_assert_eq(vo[0], 1.0);
    cr_assert_eq(vo[1], 10.0);
    cr_assert_eq(vo[2], 4.0);
    free(to);
    free(vo);
    /* unsorted input and a zero step are refused */
    const sc_time_ms bad[] = {5, 3};
    cr_assert_eq(sc_resample(bad, v, 2, 0, 5, SC_RESAMPLE_MAX, &to, &vo, &n, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_resample(t, v, 4, 0, 0, SC_RESAMPLE_MAX, &to, &vo, &n, &err), SC_ERR_USAGE);
}

/* ------------------------------------------------------------------ store import */

static sc_tsdb *open_new(const char *path)
{
    sc_tsdb *db;
    sc_error err;
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err), SC_OK, "%s", err.msg);
    return db;
}

Test(import, m4_rows)
{
    char path[512];
    tmp_path(path, sizeof path, "m4.h5");
    sc_tsdb *db = open_new(path);
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    opt.format = SC_TRACE_FMT_M4;
    cr_assert_eq(sc_time_parse("2015-06-01T00:00:00Z", NULL, &opt.m4_start_ms), SC_OK);
    opt.m4_step_ms = HOUR_MS;
    size_t ns;
    sc_error err;
    sc_error_clear(&err);
    cr_assert_eq(sc_trace_import(db, FIX "m4_small.csv", &opt, &ns, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(ns, 2);
    /* T1: "1","2","3" then two padding cells -> 3 values; date -u -d 2015-06-01Z +%s =
     * 1433116800 */
    sc_series_key k1 = {"T1", "global", "load"};
    sc_time_ms *t;
    double *v;
    size_t n;
    cr_assert_eq(sc_tsdb_read(db, &k1, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, &err), SC_OK);
    cr_assert_eq(n, 3);
    cr_assert_eq(t[0], 1433116800000LL);
    cr_assert_eq(t[2], 1433116800000LL + 2 * HOUR_MS);
    cr_assert_eq(v[0], 1.0);
    cr_assert_eq(v[2], 3.0);
    free(t);
    free(v);
    /* T2: "4","","6","7","8" -> 5 values, the interior empty cell is missing */
    sc_series_key k2 = {"T2", "global", "load"};
    cr_assert_eq(sc_tsdb_read(db, &k2, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, &err), SC_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(v[0], 4.0);
    cr_assert(isnan(v[1]));
    cr_assert_eq(v[4], 8.0);
    free(t);
    free(v);

    /* the test file continues each series one step after its last sample:
     * T1 gets 10, 11 at +3 h, +4 h; T2 gets 20 at +5 h (trailing cell is padding) */
    opt.m4_continue = 1;
    cr_assert_eq(sc_trace_import(db, FIX "m4_small_test.csv", &opt, &ns, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(sc_tsdb_read(db, &k1, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, &err), SC_OK);
    cr_assert_eq(n, 5);
    cr_assert_eq(t[3], 1433116800000LL + 3 * HOUR_MS);
    cr_assert_eq(v[3], 10.0);
    cr_assert_eq(v[4], 11.0);
    free(t);
    free(v);
    cr_assert_eq(sc_tsdb_read(db, &k2, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, &err), SC_OK);
    cr_assert_eq(n, 6);
    cr_assert_eq(t[5], 1433116800000LL + 5 * HOUR_MS);
    cr_assert_eq(v[5], 20.0);
    free(t);
    free(v);

    /* id as place, with a row filter */
    opt.m4_continue = 0;
    opt.m4_id_as_place = 1;
    snprintf(opt.app, sizeof opt.app, "shop");
    snprintf(opt.m4_ids, sizeof opt.m4_ids, "T2");
    cr_assert_eq(sc_trace_import(db, FIX "m4_small.csv", &opt, &ns, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(ns, 1);
    sc_series_key k3 = {"shop", "T2", "load"};
    sc_series_key k4 = {"shop", "T1", "load"};
    cr_assert(sc_tsdb_has(db, &k3));
    cr_assert_not(sc_tsdb_has(db, &k4));
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
    unlink(path);
}

Test(import, multi_column_to_places)
{
    char path[512];
    tmp_path(path, sizeof path, "multi.h5");
    sc_tsdb *db = open_new(path);
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.time_col, sizeof opt.time_col, "time");
    snprintf(opt.value_col, sizeof opt.value_col, "east,west");
    snprintf(opt.app, sizeof opt.app, "grid");
    snprintf(opt.place_kind, sizeof opt.place_kind, "region");
    snprintf(opt.unit, sizeof opt.unit, "MW");
    size_t ns;
    sc_error err;
    cr_assert_eq(sc_trace_import(db, FIX "multi.csv", &opt, &ns, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(ns, 2);
    sc_series_info *info;
    size_t n;
    cr_assert_eq(sc_tsdb_list(db, &info, &n, &err), SC_OK);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(info[0].place, "east");
    cr_assert_str_eq(info[1].place, "west");
    /* west: 10, NaN, 30 -> 1 missing, mean 20 */
    cr_assert_eq(info[1].n_missing, 1);
    cr_assert_eq(info[1].mean, 20.0);
    cr_assert_str_eq(info[1].unit, "MW");
    cr_assert_str_eq(info[1].place_kind, "region");
    cr_assert_eq(info[1].step_ms, HOUR_MS);
    free(info);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
    unlink(path);
}

/* ------------------------------------------------------------------ real traces */

Test(import, nasa_edt_trace)
{
    char path[512];
    tmp_path(path, sizeof path, "nasa.h5");
    sc_tsdb *db = open_new(path);
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.app, sizeof opt.app, "nasa");
    snprintf(opt.metric, sizeof opt.metric, "requests");
    /* a zone for naive timestamps must not matter: every timestamp carries -04:00 */
    snprintf(opt.tz, sizeof opt.tz, "Asia/Tokyo");
    size_t ns;
    sc_error err;
    cr_assert_eq(sc_trace_import(db, DATA "web/nasa_kennedy_1995_requests_per_minute.csv", &opt,
                                 &ns, &err),
                 SC_OK, "%s", err.msg);
    sc_series_key key = {"nasa", "global", "requests"};
    sc_series_info info;
    cr_assert_eq(sc_tsdb_info(db, &key, &info, &err), SC_OK);
    /* 84,333 minutes (shared data README); first 1995-07-01T00:00-04:00 = 04:00Z:
     * 9131 days to 1995-01-01 + 181 days to July = 9312 days; 9312 * 86400 + 4 * 3600 =
     * 804571200 s (also date -u -d '1995-07-01T00:00:00-04:00' +%s) */
    cr_assert_eq(info.n, 84333);
    cr_assert_eq(info.t_first, 804571200000LL);
    cr_assert_eq(info.step_ms, MIN_MS);
    cr_assert_eq(info.n_missing, 0);
    /* the log's outage: last sample 1995-07-28T13:32-04:00 (17:32Z), next
     * 1995-08-01T00:00-04:00; nothing in between, and no zero filling */
    sc_time_ms a, b, *t;
    double *v;
    size_t n;
    cr_assert_eq(sc_time_parse("1995-07-28T17:32:00Z", NULL, &a), SC_OK);
    cr_assert_eq(sc_time_parse("1995-08-01T04:00:00Z", NULL, &b), SC_OK);
    cr_assert_eq(sc_tsdb_read(db, &key, a, b + 1, &t, &v, &n, &err), SC_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(t[0], a);
    cr_assert_eq(t[1], b);
    cr_assert_eq(v[0], 41.0); /* file line 39694: 1995-07-28T13:32:00-04:00,41 */
    cr_assert_eq(v[1], 51.0); /* file line 39695: 1995-08-01T00:00:00-04:00,51 */
    free(t);
    free(v);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
    unlink(path);
}

Test(import, nab_dst_duplicates_rejected)
{
    /* ec2_disk_write_bytes_1ef3de.csv stamps twelve rows "2014-03-09 03:00:00" (the US
     * spring-forward night): the first repeat is on line 2121 */
    expect_error(DATA "nab/ec2_disk_write_bytes_1ef3de.csv", NULL, SC_ERR_INPUT,
                 "ec2_disk_write_bytes_1ef3de.csv:2121", "duplicate");
    /* a clean NAB file: 4032 five-minute samples (14 days), first 2014-02-14 14:30:00 */
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(DATA "nab/ec2_cpu_utilization_24ae8d.csv", NULL, &t, &v, &n,
                                   &err),
                 SC_OK, "%s", err.msg);
    cr_assert_eq(n, 4032);
    cr_assert_eq(v[0], 0.132); /* line 2 of the file */
    cr_assert_eq(t[1] - t[0], 5 * MIN_MS);
    free(t);
    free(v);
}

Test(import, duplicates_merged_by_rule)
{
    /* dup3.csv: 00:00 -> 1; 00:05 -> 4, NA, 2 (lines 3-5); 00:10 -> 7, 8 (lines 6-7).
     * By hand: max 1,4,8; mean 1,3,7.5; first 1,4,7; last 1,2,8 (the NA row is a
     * missing sample: skipped by max/mean, kept by first/last when it is the one kept). */
    static const struct {
        sc_dup_rule rule;
        double want[3];
    } cases[] = {{SC_DUP_MAX, {1, 4, 8}},
                 {SC_DUP_MEAN, {1, 3, 7.5}},
                 {SC_DUP_FIRST, {1, 4, 7}},
                 {SC_DUP_LAST, {1, 2, 8}}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        sc_import_opts opt;
        sc_import_opts_init(&opt);
        opt.duplicates = cases[c].rule;
        sc_time_ms *t;
        double *v;
        size_t n;
        sc_error err;
        cr_assert_eq(sc_trace_read_csv(FIX "dup3.csv", &opt, &t, &v, &n, &err), SC_OK, "%s",
                     err.msg);
        cr_assert_eq(n, 3);
        for (size_t i = 0; i < 3; i++) {
            cr_assert_eq(t[i], (sc_time_ms)(1609459200000LL + (long long)i * 5 * MIN_MS));
            cr_assert_float_eq(v[i], cases[c].want[i], 1e-12, "rule %d row %zu: %g",
                               (int)cases[c].rule, i, v[i]);
        }
        free(t);
        free(v);
    }
    /* still an error without a rule, naming the line */
    expect_error(FIX "dup3.csv", NULL, SC_ERR_INPUT, "dup3.csv:4", "duplicate");
    sc_dup_rule r;
    cr_assert_eq(sc_dup_rule_parse("median", &r), SC_ERR_USAGE);
    cr_assert_eq(sc_dup_rule_parse("mean", &r), SC_OK);
    cr_assert_eq(r, SC_DUP_MEAN);
}

Test(import, nab_dst_duplicates_merged)
{
    /* the twelve "2014-03-09 03:00:00" rows of ec2_disk_write_bytes_1ef3de.csv (lines
     * 2120-2131) become one sample: the file has 4730 data rows, so 4719 remain */
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    opt.duplicates = SC_DUP_MAX;
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(DATA "nab/ec2_disk_write_bytes_1ef3de.csv", &opt, &t, &v, &n,
                                   &err),
                 SC_OK, "%s", err.msg);
    cr_assert_eq(n, 4719);
    for (size_t i = 1; i < n; i++)
        cr_assert_gt(t[i], t[i - 1]);
    free(t);
    free(v);
}

/* ------------------------------------------------------------------ all-or-nothing */

static char *slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)len + 1);
    size_t got = fread(buf, 1, (size_t)len, f);
    fclose(f);
    *n = got;
    return buf;
}

/* Number of entries in dir whose name starts with prefix and contains ".tmp.". */
static int count_tmp(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int k = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        if (strncmp(e->d_name, prefix, strlen(prefix)) == 0 && strstr(e->d_name, ".tmp."))
            k++;
    closedir(d);
    return k;
}

Test(import, failed_import_leaves_store_untouched)
{
    char path[512], prefix[128];
    tmp_path(path, sizeof path, "atomic.h5");
    snprintf(prefix, sizeof prefix, "test_import_%ld_atomic.h5", (long)getpid());
    unlink(path);
    sc_error err;
    size_t ns;
    const char *good[] = {FIX "gaps.csv"};
    cr_assert_eq(sc_trace_import_files(path, good, 1, NULL, &ns, &err), SC_OK, "%s", err.msg);
    size_t n0;
    char *before = slurp(path, &n0);
    cr_assert_not_null(before);

    /* second file fails: nothing of the first (a new series) may reach the store */
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.app, sizeof opt.app, "other");
    const char *mixed[] = {FIX "multi.csv", FIX "dup.csv"};
    snprintf(opt.time_col, sizeof opt.time_col, "0");
    cr_assert_neq(sc_trace_import_files(path, mixed, 2, &opt, &ns, &err), SC_OK);
    size_t n1;
    char *after = slurp(path, &n1);
    cr_assert_eq(n0, n1);
    cr_assert(memcmp(before, after, n0) == 0, "store changed by a failed import");
    free(after);
    cr_assert_eq(count_tmp(SC_BINARY_DIR, prefix), 0, "temporary file left behind");

    /* re-importing the same data overlaps the stored times: refused, store intact, and
     * the message names the real store and the input file */
    cr_assert_eq(sc_trace_import_files(path, good, 1, NULL, &ns, &err), SC_ERR_INPUT);
    cr_assert(strncmp(err.where, path, strlen(path)) == 0, "where = %s", err.where);
    cr_assert(strstr(err.msg, "gaps.csv") != NULL, "msg = %s", err.msg);
    after = slurp(path, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0);
    free(after);
    free(before);

    /* an existing file that is not a store is not overwritten */
    char junk[512];
    tmp_path(junk, sizeof junk, "junk.h5");
    FILE *f = fopen(junk, "w");
    fputs("not a store\n", f);
    fclose(f);
    cr_assert_eq(sc_trace_import_files(junk, good, 1, NULL, &ns, &err), SC_ERR_INPUT);
    size_t nj;
    char *j = slurp(junk, &nj);
    cr_assert(nj == 12 && memcmp(j, "not a store\n", 12) == 0);
    free(j);
    unlink(junk);
    unlink(path);
}

Test(cli, trace_import_exit_codes)
{
    if (access(SC_SCULPT_BIN, X_OK) != 0)
        cr_skip_test("sculpt binary not built (%s); library path covered above", SC_SCULPT_BIN);
    char path[512], prefix[128], cmd[2048];
    tmp_path(path, sizeof path, "cli.h5");
    snprintf(prefix, sizeof prefix, "test_import_%ld_cli.h5", (long)getpid());
    unlink(path);
    /* a good import: exit 0, store exists */
    snprintf(cmd, sizeof cmd, "'%s' trace import --unit u -o '%s' '%s' >/dev/null 2>&1",
             SC_SCULPT_BIN, path, FIX "gaps.csv");
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0, "good import rc %d", rc);
    size_t n0;
    char *before = slurp(path, &n0);
    cr_assert_not_null(before);
    /* bad input: exit 2, store untouched, no temporary file */
    snprintf(cmd, sizeof cmd, "'%s' trace import --app x -o '%s' '%s' >/dev/null 2>&1",
             SC_SCULPT_BIN, path, FIX "order.csv");
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "bad input rc %d", WEXITSTATUS(rc));
    size_t n1;
    char *after = slurp(path, &n1);
    cr_assert(n0 == n1 && memcmp(before, after, n0) == 0);
    cr_assert_eq(count_tmp(SC_BINARY_DIR, prefix), 0);
    free(before);
    free(after);
    /* bad input into a new store: no store and no temporary file */
    char fresh[512];
    tmp_path(fresh, sizeof fresh, "fresh.h5");
    snprintf(cmd, sizeof cmd, "'%s' trace import -o '%s' '%s' >/dev/null 2>&1", SC_SCULPT_BIN,
             fresh, FIX "dup.csv");
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
    cr_assert_neq(access(fresh, F_OK), 0, "a failed import created the store");
    /* usage errors: exit 2 */
    snprintf(cmd, sizeof cmd, "'%s' trace import --step 0 -o '%s' '%s' >/dev/null 2>&1",
             SC_SCULPT_BIN, path, FIX "gaps.csv");
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
    /* info on a non-store: exit 2; on the store: exit 0 */
    snprintf(cmd, sizeof cmd, "'%s' trace info '%s' >/dev/null 2>&1", SC_SCULPT_BIN,
             FIX "gaps.csv");
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2);
    snprintf(cmd, sizeof cmd, "'%s' trace info --json '%s' >/dev/null 2>&1", SC_SCULPT_BIN, path);
    rc = system(cmd);
    cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 0);
    unlink(path);
}

/* ------------------------------------------------------------------ threads */

/* One import of the EIA trace read in Europe/London (as if its naive times were local).
 * Each spring-forward night maps the skipped 01:00 onto 02:00 BST (both 01:00Z), which
 * --duplicates max merges: 26,304 rows - 3 nights = 26,301 samples. */
typedef struct import_job {
    sc_status st;
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
} import_job;

static void *import_london(void *arg)
{
    import_job *j = arg;
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.tz, sizeof opt.tz, "Europe/London");
    snprintf(opt.value_col, sizeof opt.value_col, "CAL");
    opt.duplicates = SC_DUP_MAX;
    j->st = sc_trace_read_csv(DATA "eia/eia_13regions_demand_MW_hourly_utc_2020_2022.csv", &opt,
                              &j->t, &j->v, &j->n, &j->err);
    return NULL;
}

Test(import, zone_import_in_four_threads_matches_serial)
{
    /* four imports at once, starting with a cold zone cache, then one alone */
    import_job par[4], ser;
    pthread_t th[4];
    memset(par, 0, sizeof par);
    memset(&ser, 0, sizeof ser);
    for (int i = 0; i < 4; i++)
        cr_assert_eq(pthread_create(&th[i], NULL, import_london, &par[i]), 0);
    for (int i = 0; i < 4; i++)
        pthread_join(th[i], NULL);
    import_london(&ser);
    /* the file's times are UTC: read as London time, 2020-03-29 01:00 (file line 2115,
     * grep -n) falls in the spring-forward gap and is refused since issue 13, the same in
     * every thread after the 2,113 rows before it were converted */
    cr_assert_eq(ser.st, SC_ERR_INPUT, "%s", ser.err.msg);
    cr_expect(strstr(ser.err.where, "eia_13regions_demand_MW_hourly_utc_2020_2022.csv:2115") ||
                  strstr(ser.err.msg, "eia_13regions_demand_MW_hourly_utc_2020_2022.csv:2115"),
              "%s: %s", ser.err.where, ser.err.msg);
    cr_expect(strstr(ser.err.msg, "local time '2020-03-29 01:00:00' does not exist in "
                                  "Europe/London") != NULL,
              "%s", ser.err.msg);
    for (int i = 0; i < 4; i++) {
        cr_assert_eq(par[i].st, ser.st, "thread %d: %s", i, par[i].err.msg);
        cr_expect_str_eq(par[i].err.where, ser.err.where, "thread %d", i);
        cr_expect_str_eq(par[i].err.msg, ser.err.msg, "thread %d", i);
    }
    /* the conversions themselves, UTC -> London and back, are compared with glibc in
     * test_tz.c (every hour 2000-2040) and across threads there (cache_is_shared_safely) */
}

/* ------------------------------------------------------------------ CSV quoting */

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "%s", path);
    fputs(text, f);
    fclose(f);
}

Test(import, rfc4180_quoting_and_physical_line_numbers)
{
    /* a quoted header cell with a comma and a line break (RFC 4180 2.6), CRLF ends,
     * quoted numbers; the 3rd data row is out of order, on physical line 6 */
    char path[512];
    tmp_path(path, sizeof path, "quoted.csv");
    write_text(path, "\"time\",\"load, in\r\nreq/s\"\r\n"
                     "2024-01-01 00:00,\"1.5\"\r\n"
                     "\"2024-01-01 01:00\",2\r\n"
                     "2024-01-01 02:00,\"\"\r\n"
                     "2024-01-01 00:30,3\r\n");
    expect_error(path, NULL, SC_ERR_INPUT, "quoted.csv:6", "before the previous row");
    write_text(path, "\"time\",\"load, in\r\nreq/s\"\r\n"
                     "2024-01-01 00:00,\"1.5\"\r\n"
                     "\"2024-01-01 01:00\",2\r\n"
                     "2024-01-01 02:00,\"\"\r\n");
    sc_time_ms *t;
    double *v;
    size_t n;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(path, NULL, &t, &v, &n, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(n, 3);
    /* date -u -d '2024-01-01 00:00Z' +%s -> 1704067200 */
    cr_expect_eq(t[0], 1704067200000LL);
    cr_expect_eq(v[0], 1.5);
    cr_expect_eq(v[1], 2.0);
    cr_expect(isnan(v[2]), "an empty quoted cell is missing");
    free(t);
    free(v);
    /* an unterminated quote names the line where the record starts */
    write_text(path, "time,load\n2024-01-01 00:00,\"1\n2024-01-01 01:00,2\n");
    expect_error(path, NULL, SC_ERR_INPUT, "quoted.csv:2", "unterminated");
    remove(path);
}
