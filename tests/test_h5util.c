/*
 * test_h5util.c - core/base/h5util: the size bounds on stored lengths and the scoped
 * error silencer.
 *
 * Bounds: files are built here with the HDF5 C API so that a string claims far more
 * bytes than the file holds (a fixed-length string dataset of 1 GiB per element whose
 * storage was never allocated, a string list of 2^30 elements); the helpers must refuse
 * them (-2) without allocating.  (A string ATTRIBUTE cannot be made to claim more than
 * its stored bytes safely: HDF5 1.10 copies the claimed length out of the object header
 * while decoding it, before any caller sees it; the helpers' bound for attributes is
 * the same code path, checked here on honest attributes.)
 *
 * Silencer: a host installs its own automatic error function; library calls that make
 * HDF5 fail internally (a missing file, a file that is not HDF5) must not call it, and
 * must leave it installed with the same client data afterwards.  The test first shows
 * that the same failure DOES call the host's function when made directly, so a silent
 * result is not an accident of the setup.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <dirent.h>

#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "../core/base/h5util.h"
#include "results.h"
#include "sculpt/tsdb.h"
#include "sculpt/wiv.h"

static void tmp_path(char *buf, size_t len, const char *tag)
{
    snprintf(buf, len, "%s/test_h5util_%s_%ld.h5", SC_BINARY_DIR, tag, (long)getpid());
}

/* A file with a scalar string dataset "big" whose type claims 1 GiB, a string list
 * "many" of 2^30 one-byte strings (neither ever written: no storage is allocated), an
 * honest attribute and an honest list. */
static void make_liar(const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(f >= 0);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_alloc_time(dcpl, H5D_ALLOC_TIME_LATE);
    H5Pset_fill_time(dcpl, H5D_FILL_TIME_NEVER);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, (size_t)1 << 30);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(f, "big", t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    cr_assert(d >= 0);
    H5Dclose(d);
    H5Sclose(s);
    H5Tset_size(t, 1);
    hsize_t n = (hsize_t)1 << 30;
    s = H5Screate_simple(1, &n, NULL);
    d = H5Dcreate2(f, "many", t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    cr_assert(d >= 0);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    H5Pclose(dcpl);
    cr_assert_eq(sc_h5_attr_write_str(f, "honest", "seventeen chars!!", SC_H5_STR_NUL), 0);
    const char *names[] = {"alpha", "be", "gamma-delta"};
    cr_assert_eq(sc_h5_write_strlist(f, "names", names, 3, 0), 0);
    H5Fclose(f);
}

Test(h5util, string_lengths_are_bounded_by_the_file)
{
    char path[512];
    tmp_path(path, sizeof path, "liar");
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    make_liar(path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert(f >= 0);
    char *s = NULL;
    cr_assert_eq(sc_h5_read_string(f, "big", &s), -2, "a 1 GiB string in a small file");
    cr_assert_null(s);
    char **v = NULL;
    size_t n = 99;
    cr_assert_eq(sc_h5_read_strlist(f, "many", &v, &n), -2, "2^30 strings in a small file");
    cr_assert_null(v);
    cr_assert_eq(n, 0);
    /* honest data still reads */
    cr_assert_eq(sc_h5_attr_read_str(f, "honest", &s), 0);
    cr_assert_str_eq(s, "seventeen chars!!");
    free(s);
    cr_assert_eq(sc_h5_read_strlist(f, "names", &v, &n), 0);
    cr_assert_eq(n, 3);
    cr_assert_str_eq(v[0], "alpha");
    cr_assert_str_eq(v[1], "be");
    cr_assert_str_eq(v[2], "gamma-delta");
    sc_h5_strlist_free(v, n);
    /* absent objects are -1, a list read as a scalar string is -2 */
    cr_assert_eq(sc_h5_read_string(f, "nope", &s), -1);
    cr_assert_eq(sc_h5_attr_read_str(f, "nope", &s), -1);
    cr_assert_eq(sc_h5_exists(f, "/a/b/c"), 0);
    cr_assert_eq(sc_h5_read_string(f, "names", &s), -2);
    H5Fclose(f);
    sc_h5_quiet_end(&q);
    unlink(path);
}

/* N-D numeric read with a size check. */
Test(h5util, numeric_shape_checks)
{
    char path[512];
    tmp_path(path, sizeof path, "nd");
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    hid_t f = sc_h5_file_create(path, SC_H5_LIBVER_DEFAULT);
    cr_assert(f >= 0);
    double m[2][3] = {{1.5, -2, 3}, {4, 5, 6.25}};
    hsize_t dims[2] = {2, 3};
    cr_assert_eq(sc_h5_write_nd(f, "m", 2, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, m, NULL), 0);
    void *out = NULL;
    hsize_t got[2], want_bad[2] = {3, 2};
    cr_assert_eq(sc_h5_read_nd(f, "m", H5T_NATIVE_DOUBLE, sizeof(double), 2, want_bad, got, &out),
                 -2, "shape 3x2 asked of a 2x3 dataset");
    cr_assert_eq(sc_h5_read_nd(f, "m", H5T_NATIVE_DOUBLE, sizeof(double), 1, NULL, got, &out), -2,
                 "rank 1 asked of a rank-2 dataset");
    cr_assert_eq(sc_h5_read_nd(f, "m", H5T_NATIVE_DOUBLE, sizeof(double), 2, dims, got, &out), 0);
    cr_assert_eq(((double *)out)[5], 6.25);
    cr_assert_eq(((double *)out)[1], -2);
    free(out);
    double row[3];
    cr_assert_eq(sc_h5_read_1d_into(f, "m", H5T_NATIVE_DOUBLE, 3, row), -2);
    H5Fclose(f);
    sc_h5_quiet_end(&q);
    unlink(path);
}

static int host_calls;
static int host_token;

static herr_t host_handler(hid_t stack, void *data)
{
    (void)stack;
    if (data == &host_token)
        host_calls++;
    return 0;
}

Test(h5util, silencer_keeps_the_hosts_handler)
{
    char missing[512], junk[512];
    tmp_path(missing, sizeof missing, "missing");
    tmp_path(junk, sizeof junk, "junk");
    unlink(missing);
    FILE *fp = fopen(junk, "w");
    cr_assert_not_null(fp);
    fputs("not an HDF5 file at all\n", fp);
    fclose(fp);

    H5E_auto2_t saved_fn;
    void *saved_data;
    H5Eget_auto2(H5E_DEFAULT, &saved_fn, &saved_data);
    H5Eset_auto2(H5E_DEFAULT, host_handler, &host_token);

    /* the setup is sensitive: a direct failing call reaches the host's handler */
    host_calls = 0;
    hid_t bad = H5Fopen(junk, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert(bad < 0);
    cr_assert_gt(host_calls, 0, "the host's handler should see a direct failure");

    host_calls = 0;
    sc_error err;
    sc_error_clear(&err);
    sc_results_file *rf = NULL;
    cr_assert_neq(sc_results_read(missing, &rf, &err), SC_OK);
    cr_assert_neq(sc_results_read(junk, &rf, &err), SC_OK);
    double *v = NULL;
    size_t n = 0;
    cr_assert_neq(sc_results_read_series(junk, "/", "x", "a", "r", "demand", &v, &n, &err), SC_OK);
    sc_tsdb *db = NULL;
    cr_assert_neq(sc_tsdb_open(missing, SC_TSDB_READ, &db, &err), SC_OK);
    cr_assert_neq(sc_tsdb_open(junk, SC_TSDB_READ, &db, &err), SC_OK);
    sc_wiv *w = NULL;
    cr_assert_neq(sc_wiv_read_hdf5(missing, &w, &err), SC_OK);
    cr_assert_neq(sc_wiv_read_hdf5(junk, &w, &err), SC_OK);
    cr_assert_eq(host_calls, 0, "library calls printed through the host's handler %d times",
                 host_calls);

    H5E_auto2_t fn;
    void *data;
    H5Eget_auto2(H5E_DEFAULT, &fn, &data);
    cr_assert(fn == host_handler, "the host's automatic error function was replaced");
    cr_assert(data == &host_token, "the host's client data was replaced");

    H5Eset_auto2(H5E_DEFAULT, saved_fn, saved_data);
    unlink(junk);
}

/* ---- hostile shapes (issue 13, item 2) ------------------------------------------------ */

/* A small file whose datasets are valid HDF5 but of shapes no sculpt writer makes:
 * "hugechunk": 4 doubles in one deflated chunk of 2^27 doubles (1 GiB uncompressed: to
 * read any of it libhdf5 allocates the whole chunk); "ldouble": 3 values of a 16-byte
 * float; "wide": 2 fixed-length strings of 65536 bytes each; "ok": 4 plain doubles. */
static void make_hostile(const char *path)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(f >= 0);
    double v[4] = {1, 2, 3, 4};
    hsize_t n = 4, maxn = H5S_UNLIMITED, chunk = (hsize_t)1 << 27;
    hid_t s = H5Screate_simple(1, &n, &maxn);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    cr_assert(H5Pset_chunk(dcpl, 1, &chunk) >= 0);
    cr_assert(H5Pset_deflate(dcpl, 9) >= 0);
    hid_t d = H5Dcreate2(f, "hugechunk", H5T_IEEE_F64LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    cr_assert(d >= 0);
    cr_assert(H5Dwrite(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
    long double lv[3] = {1, 2, 3};
    n = 3;
    s = H5Screate_simple(1, &n, NULL);
    d = H5Dcreate2(f, "ldouble", H5T_NATIVE_LDOUBLE, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0);
    cr_assert(H5Dwrite(d, H5T_NATIVE_LDOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, lv) >= 0);
    H5Dclose(d);
    H5Sclose(s);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, 65536);
    char *wide = calloc(2, 65536);
    cr_assert_not_null(wide);
    memset(wide, 'x', 65535);
    n = 2;
    s = H5Screate_simple(1, &n, NULL);
    d = H5Dcreate2(f, "wide", t, s, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert(d >= 0);
    cr_assert(H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, wide) >= 0);
    free(wide);
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    n = 4;
    cr_assert_eq(sc_h5_write_nd(f, "ok", 1, &n, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, NULL), 0);
    H5Fclose(f);
}

Test(h5util, hostile_shapes_are_refused_before_reading)
{
    char path[512];
    tmp_path(path, sizeof path, "hostile");
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    make_hostile(path);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert(f >= 0);
    void *out = NULL;
    hsize_t n = 4, got;
    double buf[4];
    hid_t d = H5Dopen2(f, "hugechunk", H5P_DEFAULT);
    cr_assert_eq(sc_h5_chunks_ok(d), 0, "a 1 GiB chunk in a file of a few KiB");
    cr_assert_eq(sc_h5_numeric_ok(d, 3), 0);
    H5Dclose(d);
    cr_assert_eq(sc_h5_read_nd(f, "hugechunk", H5T_NATIVE_DOUBLE, 8, 1, &n, &got, &out), -2);
    cr_assert_null(out);
    cr_assert_eq(sc_h5_read_1d_into(f, "hugechunk", H5T_NATIVE_DOUBLE, 4, buf), -2);
    n = 3;
    cr_assert_eq(sc_h5_read_nd(f, "ldouble", H5T_NATIVE_DOUBLE, 8, 1, &n, &got, &out), -2,
                 "a 16-byte float");
    cr_assert_eq(sc_h5_read_1d_into(f, "ldouble", H5T_NATIVE_DOUBLE, 3, buf), -2);
    d = H5Dopen2(f, "ldouble", H5P_DEFAULT);
    cr_assert_eq(sc_h5_numeric_ok(d, 3), 0);
    H5Dclose(d);
    char **v = NULL;
    size_t nv = 9;
    cr_assert_eq(sc_h5_read_strlist(f, "wide", &v, &nv), -2, "64 KiB names");
    cr_assert_null(v);
    /* the honest dataset still reads */
    n = 4;
    cr_assert_eq(sc_h5_read_nd(f, "ok", H5T_NATIVE_DOUBLE, 8, 1, &n, &got, &out), 0);
    cr_assert_eq(((double *)out)[3], 4.0);
    free(out);
    d = H5Dopen2(f, "ok", H5P_DEFAULT);
    cr_assert_eq(sc_h5_numeric_ok(d, 2), 1);
    cr_assert_eq(sc_h5_numeric_ok(d, 1), 0, "floats are not integers");
    H5Dclose(d);
    H5Fclose(f);
    sc_h5_quiet_end(&q);
    unlink(path);
}

/* A sculpt store whose series' v is replaced by a hostile one: sc_tsdb_read refuses it
 * with SC_ERR_INPUT and the series named, instead of reading through libhdf5; and
 * `sculpt trace export`/`info` of the file exit 2. */
static void hostile_store(const char *path, int kind)
{
    sc_error err;
    sc_tsdb *db = NULL;
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err), SC_OK, "%s", err.msg);
    sc_time_ms t[4] = {1000, 2000, 3000, 4000};
    double v[4] = {1, 2, 3, 4};
    sc_series_key key = {"web", "eu", "cpu"};
    cr_assert_eq(sc_tsdb_append(db, &key, "vCPU", 1000, "geo", t, v, 4, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
    hid_t f = H5Fopen(path, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert(f >= 0);
    cr_assert(H5Ldelete(f, "/series/web/eu/cpu/v", H5P_DEFAULT) >= 0);
    hsize_t n = 4, maxn = H5S_UNLIMITED, chunk = (hsize_t)1 << 27;
    hid_t s = H5Screate_simple(1, &n, kind == 0 ? &maxn : NULL);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (kind == 0) {
        H5Pset_chunk(dcpl, 1, &chunk);
        H5Pset_deflate(dcpl, 9);
    }
    hid_t ft = kind == 0 ? H5T_IEEE_F64LE : H5T_NATIVE_LDOUBLE;
    hid_t d = H5Dcreate2(f, "/series/web/eu/cpu/v", ft, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    cr_assert(d >= 0);
    long double lv[4] = {1, 2, 3, 4};
    cr_assert(H5Dwrite(d, kind == 0 ? H5T_NATIVE_DOUBLE : H5T_NATIVE_LDOUBLE, H5S_ALL,
                       H5S_ALL, H5P_DEFAULT, kind == 0 ? (void *)v : (void *)lv) >= 0);
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
    H5Fclose(f);
}

Test(h5util, hostile_store_series_are_refused)
{
    for (int kind = 0; kind < 2; kind++) {
        char path[512];
        tmp_path(path, sizeof path, kind == 0 ? "hstore0" : "hstore1");
        sc_h5_quiet q;
        sc_h5_quiet_begin(&q);
        hostile_store(path, kind);
        sc_h5_quiet_end(&q);
        sc_error err;
        sc_tsdb *db = NULL;
        cr_assert_eq(sc_tsdb_open(path, SC_TSDB_READ, &db, &err), SC_OK, "%s", err.msg);
        sc_series_key key = {"web", "eu", "cpu"};
        sc_time_ms *rt = NULL;
        double *rv = NULL;
        size_t n = 0;
        cr_assert_eq(sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &rt, &rv, &n, &err),
                     SC_ERR_INPUT, "kind %d", kind);
        cr_assert_null(rv);
        cr_assert(strstr(err.where, "/series/web/eu/cpu") != NULL, "where = %s", err.where);
        sc_tsdb_close(db, &err);
        char cmd[1200];
        snprintf(cmd, sizeof cmd, "%s trace info %s >/dev/null 2>&1",
                 SC_SCULPT_BIN, path);
        int rc = system(cmd);
        cr_assert(WIFEXITED(rc) && WEXITSTATUS(rc) == 2, "sculpt trace info: status %d", rc);
        unlink(path);
    }
}

/* The 21 "ohdr-" inputs of tests/fuzz/corpus/tsdb/ (grown by libFuzzer; each has one
 * corrupt object header, tests/fuzz/README.md): open each as a store and do what
 * fuzz_tsdb does (list, read every series in full and from its middle, info, close).
 * Each must fail somewhere with an error status (open, list or a read), and afterwards
 * no HDF5 id may be left open anywhere in the process (H5Fget_obj_count(H5F_OBJ_ALL)
 * counts files, groups, datasets, types and attributes of every file).  HDF5 1.10 itself
 * keeps a few hundred bytes per failed header decode (hdf5_ohdr_repro.c), which
 * LeakSanitizer would report at exit in a sanitizer build: the files are opened in a
 * child that ends with _exit, and the ids are what this test checks. */
static int hostile_store_walk(const char *path, int *failed)
{
    sc_error err;
    sc_error_clear(&err);
    sc_tsdb *db = NULL;
    *failed = 0;
    if (sc_tsdb_open(path, SC_TSDB_READ, &db, &err) != SC_OK) {
        *failed = db == NULL && err.status != SC_OK ? 1 : -1;
        return (int)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
    }
    sc_series_info *info = NULL;
    size_t n_info = 0;
    if (sc_tsdb_list(db, &info, &n_info, &err) != SC_OK) {
        *failed = 1;
    } else {
        for (size_t i = 0; i < n_info; i++) {
            sc_series_key key = {info[i].app, info[i].place, info[i].metric};
            sc_time_ms *t = NULL;
            double *v = NULL;
            size_t n = 0;
            sc_time_ms mid = info[i].t_first / 2 + info[i].t_last / 2;
            for (int w = 0; w < 2; w++) {
                if (sc_tsdb_read(db, &key, w ? mid : SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n,
                                 &err) == SC_OK) {
                    free(t);
                    free(v);
                    t = NULL;
                    v = NULL;
                } else {
                    *failed = 1;
                }
            }
            sc_series_info one;
            if (sc_tsdb_info(db, &key, &one, &err) != SC_OK)
                *failed = 1;
        }
        free(info);
    }
    sc_tsdb_close(db, NULL);
    return (int)H5Fget_obj_count(H5F_OBJ_ALL, H5F_OBJ_ALL);
}

Test(h5util, corrupt_object_headers_leave_no_id_open)
{
    const char *dir = SC_SOURCE_DIR "/tests/fuzz/corpus/tsdb";
    fflush(NULL);
    pid_t pid = fork();
    cr_assert(pid >= 0);
    if (pid == 0) {
        int code = 0, seen = 0;
        DIR *d = opendir(dir);
        struct dirent *e;
        while (d && (e = readdir(d)) != NULL) {
            if (strncmp(e->d_name, "ohdr-", 5) != 0)
                continue;
            char path[1024];
            snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
            int failed = 0;
            int open_ids = hostile_store_walk(path, &failed);
            seen++;
            if (open_ids != 0) {
                fprintf(stderr, "%s: %d HDF5 ids left open\n", e->d_name, open_ids);
                code |= 1;
            }
            if (failed != 1) {
                fprintf(stderr, "%s: %s\n", e->d_name,
                        failed ? "open failed without an error" : "read without an error");
                code |= 2;
            }
        }
        if (d)
            closedir(d);
        if (seen != 21) {
            fprintf(stderr, "%d ohdr- inputs in %s, 21 expected\n", seen, dir);
            code |= 4;
        }
        fflush(NULL);
        _exit(code);
    }
    int status = 0;
    cr_assert_eq(waitpid(pid, &status, 0), pid);
    cr_assert(WIFEXITED(status), "the child died: status %d", status);
    cr_assert_eq(WEXITSTATUS(status), 0,
                 "1: an HDF5 id left open, 2: a corrupt store read without error, "
                 "4: not the 21 inputs (see stderr)");
}
