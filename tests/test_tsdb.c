/*
 * test_tsdb.c - the HDF5 time-series store (core/tsdb/tsdb.c).
 *
 * Expected values are written out by hand in the comments next to each assertion: the
 * data are small arithmetic sequences whose slices, counts and means can be computed on
 * paper.  The on-disk layout itself is checked from outside by h5py (test_h5py.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <hdf5.h>

#include "sculpt/tsdb.h"
#include "tu_common.h"

static void tmp_path(char *buf, size_t len, const char *name)
{
    snprintf(buf, len, "%s/test_tsdb_%ld_%s", SC_BINARY_DIR, (long)getpid(), name);
}

static sc_tsdb *create_store(const char *path)
{
    sc_tsdb *db = NULL;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err);
    cr_assert_eq(st, SC_OK, "create %s: %s", path, err.msg);
    return db;
}

static void close_ok(sc_tsdb *db)
{
    sc_error err;
    sc_error_clear(&err);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK, "close: %s", err.msg);
}

Test(tsdb, append_and_range_read)
{
    char path[512];
    tmp_path(path, sizeof path, "range.h5");
    sc_tsdb *db = create_store(path);
    sc_error err;
    sc_error_clear(&err);
    /* t = 1000, 2000, ..., 10000 ms; v = 1.5 * i (i = 0..9), sample 4 missing (NaN). */
    sc_time_ms t[10];
    double v[10];
    for (int i = 0; i < 10; i++) {
        t[i] = 1000 * (i + 1);
        v[i] = 1.5 * i;
    }
    v[4] = NAN;
    sc_series_key key = {"web", "us-east", "cpu"};
    cr_assert_eq(sc_tsdb_append(db, &key, "vCPU", 1000, "geo", t, v, 10, &err), SC_OK, "%s",
                 err.msg);
    close_ok(db);

    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_READ, &db, &err), SC_OK, "%s", err.msg);
    cr_assert(sc_tsdb_has(db, &key));
    sc_series_key other = {"web", "us-east", "mem"};
    cr_assert_not(sc_tsdb_has(db, &other));

    /* [3000, 7000) holds t = 3000, 4000, 5000, 6000 = indexes 2..5:
     * v = 3.0, 4.5, NaN, 7.5 */
    sc_time_ms *rt = NULL;
    double *rv = NULL;
    size_t n = 0;
    cr_assert_eq(sc_tsdb_read(db, &key, 3000, 7000, &rt, &rv, &n, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(n, 4);
    cr_assert_eq(rt[0], 3000);
    cr_assert_eq(rt[3], 6000);
    cr_assert_eq(rv[0], 3.0);
    cr_assert_eq(rv[1], 4.5);
    cr_assert(isnan(rv[2]), "gap must stay NaN");
    cr_assert_eq(rv[3], 7.5);
    free(rt);
    free(rv);

    /* bounds between samples: [2500, 4001) -> 3000, 4000 */
    cr_assert_eq(sc_tsdb_read(db, &key, 2500, 4001, &rt, &rv, &n, &err), SC_OK);
    cr_assert_eq(n, 2);
    cr_assert_eq(rt[0], 3000);
    cr_assert_eq(rt[1], 4000);
    free(rt);
    free(rv);

    /* everything */
    cr_assert_eq(sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &rt, &rv, &n, &err), SC_OK);
    cr_assert_eq(n, 10);
    cr_assert_eq(rt[9], 10000);
    cr_assert_eq(rv[9], 13.5);
    free(rt);
    free(rv);

    /* an empty range past the end and an inverted range */
    cr_assert_eq(sc_tsdb_read(db, &key, 20000, 30000, &rt, &rv, &n, &err), SC_OK);
    cr_assert_eq(n, 0);
    free(rt);
    free(rv);
    cr_assert_eq(sc_tsdb_read(db, &key, 5000, 1000, &rt, &rv, &n, &err), SC_OK);
    cr_assert_eq(n, 0);
    free(rt);
    free(rv);

    /* a missing series */
    cr_assert_eq(sc_tsdb_read(db, &other, SC_TIME_MIN, SC_TIME_MAX, &rt, &rv, &n, &err),
                 SC_ERR_NOTFOUND);
    cr_assert(strstr(err.where, path) != NULL);

    /* appending to a read-only store is refused */
    cr_assert_neq(sc_tsdb_append(db, &key, "vCPU", 1000, "geo", t, v, 1, &err), SC_OK);
    close_ok(db);
    unlink(path);
}

Test(tsdb, multi_chunk_appends)
{
    /* 10000 samples in three appends (3000 + 4000 + 3000): crosses the 4096 chunk
     * boundary.  t = k minutes, v = k. */
    char path[512];
    tmp_path(path, sizeof path, "chunks.h5");
    sc_tsdb *db = create_store(path);
    sc_error err;
    sc_error_clear(&err);
    static sc_time_ms t[10000];
    static double v[10000];
    for (int k = 0; k < 10000; k++) {
        t[k] = (sc_time_ms)k * 60000;
        v[k] = k;
    }
    sc_series_key key = {"app", "eu", "load"};
    cr_assert_eq(sc_tsdb_append(db, &key, "", 60000, "region", t, v, 3000, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(sc_tsdb_append(db, &key, "", 60000, "region", t + 3000, v + 3000, 4000, &err),
                 SC_OK, "%s", err.msg);
    cr_assert_eq(sc_tsdb_append(db, &key, "", 60000, "region", t + 7000, v + 7000, 3000, &err),
                 SC_OK, "%s", err.msg);
    sc_time_ms *rt;
    double *rv;
    size_t n;
    /* [4000 min, 4200 min) -> k = 4000..4199, 200 samples */
    cr_assert_eq(sc_tsdb_read(db, &key, 4000 * 60000LL, 4200 * 60000LL, &rt, &rv, &n, &err),
                 SC_OK);
    cr_assert_eq(n, 200);
    cr_assert_eq(rv[0], 4000.0);
    cr_assert_eq(rv[199], 4199.0);
    cr_assert_eq(rt[96], 4096 * 60000LL);
    free(rt);
    free(rv);

    sc_series_info info;
    cr_assert_eq(sc_tsdb_info(db, &key, &info, &err), SC_OK, "%s", err.msg);
    /* n 10000, mean of 0..9999 = 4999.5, min 0, max 9999 */
    cr_assert_eq(info.n, 10000);
    cr_assert_eq(info.n_missing, 0);
    cr_assert_eq(info.min, 0.0);
    cr_assert_eq(info.max, 9999.0);
    cr_assert_float_eq(info.mean, 4999.5, 1e-9);
    cr_assert_eq(info.t_first, 0);
    cr_assert_eq(info.t_last, 9999 * 60000LL);
    cr_assert_eq(info.step_ms, 60000);
    cr_assert_str_eq(info.place_kind, "region");
    close_ok(db);
    unlink(path);
}

Test(tsdb, rejects_non_increasing_appends)
{
    char path[512];
    tmp_path(path, sizeof path, "order.h5");
    sc_tsdb *db = create_store(path);
    sc_error err;
    sc_error_clear(&err);
    sc_series_key key = {"a", "p", "m"};
    sc_time_ms t1[3] = {100, 200, 300};
    double v1[3] = {1, 2, 3};
    cr_assert_eq(sc_tsdb_append(db, &key, "u", 100, "geo", t1, v1, 3, &err), SC_OK);

    /* across calls: 300 is not after the stored 300 */
    sc_time_ms t2[2] = {300, 400};
    double v2[2] = {4, 5};
    cr_assert_eq(sc_tsdb_append(db, &key, "u", 100, "geo", t2, v2, 2, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "after") != NULL, "message: %s", err.msg);
    cr_assert(strstr(err.where, path) != NULL);
    /* across calls: earlier */
    sc_time_ms t3[1] = {50};
    cr_assert_eq(sc_tsdb_append(db, &key, "u", 100, "geo", t3, v2, 1, &err), SC_ERR_INPUT);
    /* within one call: duplicate and decreasing */
    sc_time_ms t4[3] = {400, 400, 500};
    cr_assert_eq(sc_tsdb_append(db, &key, "u", 100, "geo", t4, v1, 3, &err), SC_ERR_INPUT);
    sc_time_ms t5[3] = {600, 500, 700};
    cr_assert_eq(sc_tsdb_append(db, &key, "u", 100, "geo", t5, v1, 3, &err), SC_ERR_INPUT);
    /* unit mismatch with the stored series */
    sc_time_ms t6[1] = {1000};
    cr_assert_eq(sc_tsdb_append(db, &key, "other", 100, "geo", t6, v1, 1, &err), SC_ERR_INPUT);
    /* bad place kind */
    cr_assert_eq(sc_tsdb_append(db, &key, "u", 100, "city", t6, v1, 1, &err), SC_ERR_INPUT);

    /* nothing of the rejected appends was stored: still 3 samples */
    sc_series_info info;
    cr_assert_eq(sc_tsdb_info(db, &key, &info, &err), SC_OK);
    cr_assert_eq(info.n, 3);
    cr_assert_eq(info.t_last, 300);

    /* a valid continuation works */
    sc_time_ms t7[2] = {301, 450};
    cr_assert_eq(sc_tsdb_append(db, &key, "u", 100, "geo", t7, v2, 2, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(sc_tsdb_info(db, &key, &info, &err), SC_OK);
    cr_assert_eq(info.n, 5);
    close_ok(db);
    unlink(path);
}

Test(tsdb, validates_names)
{
    char path[512];
    tmp_path(path, sizeof path, "names.h5");
    sc_tsdb *db = create_store(path);
    sc_error err;
    sc_time_ms t[1] = {1};
    double v[1] = {1};
    const char *bad[] = {"a/b", "", ".", "..", "with space", "caf\xc3\xa9",
                         "0123456789012345678901234567890123456789012345678901234567890123"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_series_key key = {bad[i], "p", "m"};
        sc_error_clear(&err);
        cr_assert_eq(sc_tsdb_append(db, &key, "", 0, "geo", t, v, 1, &err), SC_ERR_INPUT,
                     "name '%s' accepted", bad[i]);
        cr_assert_not(sc_tsdb_name_valid(bad[i]));
    }
    cr_assert(sc_tsdb_name_valid("ec2_cpu-utilization.24ae8d"));
    close_ok(db);
    unlink(path);
}

Test(tsdb, list_sorted_with_stats)
{
    char path[512];
    tmp_path(path, sizeof path, "list.h5");
    sc_tsdb *db = create_store(path);
    sc_error err;
    sc_error_clear(&err);
    /* inserted out of order */
    const char *keys[4][3] = {{"b", "x", "m"}, {"a", "z", "m"}, {"a", "y", "n"}, {"a", "y", "m"}};
    sc_time_ms t[4] = {0, 10, 20, 30};
    /* values 2, NaN, 4, 9: n 4, missing 1, min 2, max 9, mean (2+4+9)/3 = 5 */
    double v[4] = {2, NAN, 4, 9};
    for (int i = 0; i < 4; i++) {
        sc_series_key key = {keys[i][0], keys[i][1], keys[i][2]};
        cr_assert_eq(sc_tsdb_append(db, &key, "req/min", 10, "geo", t, v, 4, &err), SC_OK);
    }
    close_ok(db);
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_READ, &db, &err), SC_OK);
    sc_series_info *info = NULL;
    size_t n = 0;
    cr_assert_eq(sc_tsdb_list(db, &info, &n, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(n, 4);
    const char *want[4] = {"a/y/m", "a/y/n", "a/z/m", "b/x/m"};
    for (size_t i = 0; i < n; i++) {
        char got[512];
        snprintf(got, sizeof got, "%s/%s/%s", info[i].app, info[i].place, info[i].metric);
        cr_assert_str_eq(got, want[i]);
        cr_assert_eq(info[i].n, 4);
        cr_assert_eq(info[i].n_missing, 1);
        cr_assert_eq(info[i].min, 2.0);
        cr_assert_eq(info[i].max, 9.0);
        cr_assert_float_eq(info[i].mean, 5.0, 1e-12);
        cr_assert_eq(info[i].t_first, 0);
        cr_assert_eq(info[i].t_last, 30);
        cr_assert_str_eq(info[i].unit, "req/min");
        cr_assert_str_eq(info[i].place_kind, "geo");
    }
    free(info);
    close_ok(db);
    unlink(path);
}

static void write_bytes(const char *path, const void *buf, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert_not_null(f);
    if (n)
        cr_assert_eq(fwrite(buf, 1, n, f), n);
    fclose(f);
}


Test(tsdb, bad_files_are_input_errors)
{
    char path[512], bad[512];
    sc_tsdb *db = NULL;
    sc_error err;
    sc_error_clear(&err);

    /* missing file: I/O error naming the file */
    tmp_path(bad, sizeof bad, "missing.h5");
    cr_assert_eq(sc_tsdb_open(bad, SC_TSDB_READ, &db, &err), SC_ERR_IO);
    cr_assert_null(db);
    cr_assert(strstr(err.where, bad) != NULL);

    /* a text file */
    tmp_path(bad, sizeof bad, "text.h5");
    write_bytes(bad, "timestamp,value\n1,2\n", 20);
    cr_assert_eq(sc_tsdb_open(bad, SC_TSDB_READ, &db, &err), SC_ERR_INPUT);
    cr_assert_null(db);
    cr_assert(strstr(err.where, bad) != NULL, "where = %s", err.where);
    unlink(bad);

    /* an empty file */
    tmp_path(bad, sizeof bad, "empty.h5");
    write_bytes(bad, "", 0);
    cr_assert_eq(sc_tsdb_open(bad, SC_TSDB_READ, &db, &err), SC_ERR_INPUT);
    unlink(bad);

    /* a truncated store: a real store cut to half its length */
    tmp_path(path, sizeof path, "full.h5");
    db = create_store(path);
    static sc_time_ms t[5000];
    static double v[5000];
    for (int i = 0; i < 5000; i++) {
        t[i] = i;
        v[i] = i * 0.25;
    }
    sc_series_key key = {"a", "p", "m"};
    cr_assert_eq(sc_tsdb_append(db, &key, "", 1, "geo", t, v, 5000, &err), SC_OK);
    close_ok(db);
    size_t len;
    char *bytes = tu_file_read(path, &len);
    tmp_path(bad, sizeof bad, "trunc.h5");
    write_bytes(bad, bytes, len / 2);
    free(bytes);
    db = NULL;
    sc_error_clear(&err);
    cr_assert_eq(sc_tsdb_open(bad, SC_TSDB_READ, &db, &err), SC_ERR_INPUT, "status %s: %s",
                 sc_status_name(err.status), err.msg);
    cr_assert_null(db);
    cr_assert(strstr(err.where, bad) != NULL);
    unlink(bad);
    unlink(path);

    /* a valid HDF5 file that is not a sculpt store */
    tmp_path(bad, sizeof bad, "foreign.h5");
    hid_t f = H5Fcreate(bad, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    H5Fclose(f);
    cr_assert_eq(sc_tsdb_open(bad, SC_TSDB_READ, &db, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "sculpt") != NULL, "msg = %s", err.msg);
    cr_assert(strstr(err.where, bad) != NULL);
    unlink(bad);
}

static void write_fixed_content(const char *path)
{
    sc_tsdb *db = create_store(path);
    sc_error err;
    sc_error_clear(&err);
    static sc_time_ms t[6000];
    static double v[6000];
    for (int i = 0; i < 6000; i++) {
        t[i] = 1700000000000LL + (sc_time_ms)i * 300000;
        v[i] = (i % 7 == 3) ? NAN : 10.0 + (i % 288) * 0.5;
    }
    sc_series_key k1 = {"shop", "us-east-1", "cpu"};
    sc_series_key k2 = {"shop", "eu-west-1", "requests"};
    cr_assert_eq(sc_tsdb_append(db, &k1, "vCPU", 300000, "region", t, v, 4000, &err), SC_OK);
    cr_assert_eq(sc_tsdb_append(db, &k1, "vCPU", 300000, "region", t + 4000, v + 4000, 2000,
                                &err),
                 SC_OK);
    cr_assert_eq(sc_tsdb_append(db, &k2, "req/min", 300000, "geo", t, v, 6000, &err), SC_OK);
    close_ok(db);
}

Test(tsdb, identical_content_identical_bytes)
{
    char p1[512], p2[512];
    tmp_path(p1, sizeof p1, "same1.h5");
    tmp_path(p2, sizeof p2, "same2.h5");
    write_fixed_content(p1);
    sleep(1); /* object times, if they were tracked, would now differ */
    write_fixed_content(p2);
    size_t n1, n2;
    char *b1 = tu_file_read(p1, &n1);
    char *b2 = tu_file_read(p2, &n2);
    cr_assert_eq(n1, n2, "sizes differ: %zu vs %zu", n1, n2);
    cr_assert(memcmp(b1, b2, n1) == 0, "stores with identical content differ in bytes");
    free(b1);
    free(b2);
    unlink(p1);
    unlink(p2);
}
