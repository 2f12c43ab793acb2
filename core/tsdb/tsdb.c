/*
 * tsdb.c - the time-series store (see tsdb.h and traces/README.md for the layout).
 *
 * One HDF5 file; every series is a group /series/<app>/<place>/<metric> holding two
 * parallel 1-D datasets, t (int64, ms since the Unix epoch, strictly increasing) and
 * v (float64, NaN = missing).  Both are unlimited, chunked by SC_TSDB_CHUNK samples and
 * compressed with shuffle + deflate level 4, so appending only extends the last chunk
 * and a time-range read touches only the chunks it needs.
 *
 * Invariants kept here:
 *   - |t| == |v| for every series; t strictly increasing, also across appends (the last
 *     stored t is read back before every append);
 *   - names match [A-Za-z0-9_.-]{1,63} and are neither "." nor "..";
 *   - object time tracking is off on every group and dataset we create, so the same
 *     sequence of appends gives the same bytes (checked by tests/test_tsdb.c);
 *   - HDF5's automatic error printing is off during our calls only (each public
 *     function brackets its work with sc_h5_quiet_begin/end, core/base/h5util.h, so a
 *     host's own handler stays in place); every HDF5 failure is turned into an
 *     sc_error naming the file (and the series), with the innermost HDF5 message.
 *
 * Range reads binary-search t by reading single elements through a hyperslab (the HDF5
 * chunk cache keeps the touched chunks), then read only [lo, hi) of t and v.
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/tsdb.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "../base/h5util.h"

#define SC_TSDB_SCHEMA "sculpt-tsdb"
#define SC_TSDB_SCHEMA_VERSION 1
#define SC_TSDB_CHUNK 4096        /* samples per chunk */
#define SC_TSDB_DEFLATE 4         /* deflate level */
#define SC_TSDB_NAME_MAX 63       /* bytes in one name component */
#define SC_TSDB_STATS_BLOCK 65536 /* samples read at a time for statistics */

struct sc_tsdb {
    hid_t file;          /* open HDF5 file */
    int writable;        /* opened with RDWR or CREATE */
    char path[4096];     /* path as given to sc_tsdb_open */
};

/* ---------------------------------------------------------------- helpers */

int sc_tsdb_name_valid(const char *name)
{
    if (!name || !*name)
        return 0;
    size_t n = strlen(name);
    if (n > SC_TSDB_NAME_MAX)
        return 0;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        int ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        if (!ok)
            return 0;
    }
    return 1;
}

static sc_status check_key(const sc_tsdb *db, const sc_series_key *key, sc_error *err)
{
    if (!key || !key->app || !key->place || !key->metric)
        return sc_error_set(err, SC_ERR_USAGE, db->path, "series key has a NULL component");
    const char *parts[3] = {key->app, key->place, key->metric};
    const char *what[3] = {"application", "place", "metric"};
    for (int i = 0; i < 3; i++)
        if (!sc_tsdb_name_valid(parts[i]))
            return sc_error_set(err, SC_ERR_INPUT, db->path,
                                "invalid %s name '%s': expected 1-63 characters of "
                                "[A-Za-z0-9_.-] (not '.' or '..')",
                                what[i], parts[i]);
    return SC_OK;
}

static void key_path(const sc_series_key *key, char *buf, size_t len)
{
    snprintf(buf, len, "/series/%s/%s/%s", key->app, key->place, key->metric);
}

/* "store.h5: /series/a/p/m" for error messages. */
static void where_key(const sc_tsdb *db, const sc_series_key *key, char *buf, size_t len)
{
    snprintf(buf, len, "%.300s: /series/%.63s/%.63s/%.63s", db->path, key->app, key->place,
             key->metric);
}

/* Number of elements of a 1-D dataset, or -1. */
static hssize_t ds_len(hid_t ds)
{
    hid_t space = H5Dget_space(ds);
    if (space < 0)
        return -1;
    hssize_t n = -1;
    if (H5Sget_simple_extent_ndims(space) == 1)
        n = H5Sget_simple_extent_npoints(space);
    H5Sclose(space);
    return n;
}

/* Read count elements starting at start of a 1-D dataset into buf (memory type mtype). */
static herr_t ds_read_range(hid_t ds, hid_t mtype, hsize_t start, hsize_t count, void *buf)
{
    if (count == 0)
        return 0;
    herr_t rc = -1;
    hid_t fspace = H5Dget_space(ds);
    hid_t mspace = H5Screate_simple(1, &count, NULL);
    if (fspace >= 0 && mspace >= 0 &&
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &start, NULL, &count, NULL) >= 0)
        rc = H5Dread(ds, mtype, mspace, fspace, H5P_DEFAULT, buf);
    sc_h5_close(mspace);
    sc_h5_close(fspace);
    return rc;
}

/* ---------------------------------------------------------------- open/close */

static sc_status check_schema(sc_tsdb *db, sc_error *err)
{
    char schema[64];
    int64_t version = 0;
    if (sc_h5_attr_read_strbuf(db->file, "schema", schema, sizeof schema) < 0 ||
        strcmp(schema, SC_TSDB_SCHEMA) != 0)
        return sc_error_set(err, SC_ERR_INPUT, db->path,
                            "HDF5 file is not a sculpt store (root attribute schema = \"%s\" "
                            "expected)",
                            SC_TSDB_SCHEMA);
    if (sc_h5_attr_read_int(db->file, "schema_version", &version) < 0)
        return sc_error_set(err, SC_ERR_INPUT, db->path,
                            "sculpt store without a schema_version root attribute");
    if (version != SC_TSDB_SCHEMA_VERSION)
        return sc_error_set(err, SC_ERR_INPUT, db->path,
                            "sculpt store schema_version %lld, this build reads %d",
                            (long long)version, SC_TSDB_SCHEMA_VERSION);
    H5O_info_t oi;
    if (H5Lexists(db->file, "series", H5P_DEFAULT) <= 0 ||
        H5Oget_info_by_name(db->file, "series", &oi, H5P_DEFAULT) < 0 ||
        oi.type != H5O_TYPE_GROUP) {
        char r[256];
        sc_h5_reason(r, sizeof r);
        return sc_error_set(err, SC_ERR_INPUT, db->path,
                            "sculpt store without a /series group");
    }
    return SC_OK;
}

static sc_status tsdb_open_impl(const char *path, sc_tsdb_mode mode, sc_tsdb **out, sc_error *err)
{
    char reason[256];
    sc_status st;
    hid_t series = -1, fapl = -1;
    *out = NULL;
    if (!path || !*path)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "empty store path");
    if (mode != SC_TSDB_READ && mode != SC_TSDB_RDWR && mode != SC_TSDB_CREATE)
        return sc_error_set(err, SC_ERR_USAGE, path, "invalid store open mode %d", (int)mode);
    sc_tsdb *db = calloc(1, sizeof *db);
    if (!db)
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory opening store");
    db->file = -1;
    snprintf(db->path, sizeof db->path, "%s", path);
    db->writable = mode != SC_TSDB_READ;

    fapl = sc_h5_fapl(SC_H5_LIBVER_V18);
    if (fapl < 0) {
        st = sc_error_set(err, SC_ERR_INTERNAL, path, "cannot make HDF5 access properties: %s",
                          sc_h5_reason(reason, sizeof reason));
        goto fail;
    }
    if (mode == SC_TSDB_CREATE) {
        /* the root group is made from the file creation properties: no times there
         * either (sc_h5_file_create) */
        db->file = sc_h5_file_create(path, SC_H5_LIBVER_V18);
        if (db->file < 0) {
            st = sc_error_set(err, SC_ERR_IO, path, "cannot create HDF5 store: %s",
                              sc_h5_reason(reason, sizeof reason));
            goto fail;
        }
        if (sc_h5_attr_write_str(db->file, "schema", SC_TSDB_SCHEMA, SC_H5_STR_NUL) < 0 ||
            sc_h5_attr_write_i64(db->file, "schema_version", H5T_STD_I32LE,
                           SC_TSDB_SCHEMA_VERSION) < 0 ||
            (series = sc_h5_group_create(db->file, "series")) < 0) {
            st = sc_error_set(err, SC_ERR_IO, path, "cannot initialise HDF5 store: %s",
                              sc_h5_reason(reason, sizeof reason));
            goto fail;
        }
        sc_h5_close(series);
        sc_h5_close(fapl);
            *out = db;
        return SC_OK;
    }

    if (access(path, mode == SC_TSDB_RDWR ? (R_OK | W_OK) : R_OK) != 0) {
        st = sc_error_set(err, SC_ERR_IO, path, "cannot open store: %s", strerror(errno));
        goto fail;
    }
    struct stat dsb;
    if (stat(path, &dsb) == 0 && S_ISDIR(dsb.st_mode)) {
        st = sc_error_set(err, SC_ERR_USAGE, path, "is a directory; expected an HDF5 store");
        goto fail;
    }
    /* a store may come from elsewhere: libhdf5 reads it in a child first (issue 13,
     * item 2; core/base/h5probe.c) */
    if ((st = sc_h5_probe_check(path, err)))
        goto fail;
    htri_t is = H5Fis_hdf5(path);
    if (is <= 0) {
        sc_h5_reason(reason, sizeof reason);
        st = sc_error_set(err, SC_ERR_INPUT, path,
                          "not an HDF5 file (no HDF5 signature); expected a sculpt store");
        goto fail;
    }
    db->file = H5Fopen(path, mode == SC_TSDB_RDWR ? H5F_ACC_RDWR : H5F_ACC_RDONLY, fapl);
    if (db->file < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, path,
                          "cannot open HDF5 store (truncated or corrupt?): %s",
                          sc_h5_reason(reason, sizeof reason));
        goto fail;
    }
    st = check_schema(db, err);
    if (st != SC_OK)
        goto fail;
    sc_h5_close(fapl);
    *out = db;
    return SC_OK;
fail:
    sc_h5_close(fapl);
    sc_h5_close(series);
    if (db->file >= 0)
        H5Fclose(db->file);
    free(db);
    return st;
}

static sc_status tsdb_close_impl(sc_tsdb *db, sc_error *err)
{
    if (!db)
        return SC_OK;
    char reason[256];
    sc_status st = SC_OK;
    if (db->writable && H5Fflush(db->file, H5F_SCOPE_LOCAL) < 0)
        st = sc_error_set(err, SC_ERR_IO, db->path, "cannot flush store: %s",
                          sc_h5_reason(reason, sizeof reason));
    if (H5Fclose(db->file) < 0 && st == SC_OK)
        st = sc_error_set(err, SC_ERR_IO, db->path, "cannot close store: %s",
                          sc_h5_reason(reason, sizeof reason));
    free(db);
    return st;
}

const char *sc_tsdb_path(const sc_tsdb *db)
{
    return db ? db->path : "";
}

static int tsdb_has_impl(sc_tsdb *db, const sc_series_key *key)
{
    if (!db || check_key(db, key, NULL) != SC_OK)
        return 0;
    char p[256];
    /* check each level: H5Lexists fails on a path whose parent is missing */
    snprintf(p, sizeof p, "/series/%s", key->app);
    if (H5Lexists(db->file, p, H5P_DEFAULT) <= 0)
        return 0;
    snprintf(p, sizeof p, "/series/%s/%s", key->app, key->place);
    if (H5Lexists(db->file, p, H5P_DEFAULT) <= 0)
        return 0;
    key_path(key, p, sizeof p);
    return H5Lexists(db->file, p, H5P_DEFAULT) > 0;
}

/* ---------------------------------------------------------------- append */

static hid_t open_or_create_group(hid_t parent, const char *name, int *created)
{
    htri_t ex = H5Lexists(parent, name, H5P_DEFAULT);
    if (ex < 0)
        return -1;
    if (ex > 0) {
        *created = 0;
        return H5Gopen2(parent, name, H5P_DEFAULT);
    }
    *created = 1;
    return sc_h5_group_create(parent, name);
}

static hid_t create_dataset(hid_t group, const char *name, hid_t file_type)
{
    hid_t ds = -1;
    hsize_t dims = 0, maxdims = H5S_UNLIMITED, chunk = SC_TSDB_CHUNK;
    hid_t space = H5Screate_simple(1, &dims, &maxdims);
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (space < 0 || dcpl < 0 || H5Pset_chunk(dcpl, 1, &chunk) < 0 || H5Pset_shuffle(dcpl) < 0 ||
        H5Pset_deflate(dcpl, SC_TSDB_DEFLATE) < 0 || H5Pset_obj_track_times(dcpl, 0) < 0)
        goto out;
    ds = H5Dcreate2(group, name, file_type, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
out:
    sc_h5_close(dcpl);
    sc_h5_close(space);
    return ds;
}

/* Extend a 1-D dataset from old_n to old_n + n elements and write buf into the tail. */
static herr_t ds_append(hid_t ds, hid_t mtype, hsize_t old_n, hsize_t n, const void *buf)
{
    hsize_t new_n = old_n + n;
    if (H5Dset_extent(ds, &new_n) < 0)
        return -1;
    herr_t rc = -1;
    hid_t fspace = H5Dget_space(ds);
    hid_t mspace = H5Screate_simple(1, &n, NULL);
    if (fspace >= 0 && mspace >= 0 &&
        H5Sselect_hyperslab(fspace, H5S_SELECT_SET, &old_n, NULL, &n, NULL) >= 0)
        rc = H5Dwrite(ds, mtype, mspace, fspace, H5P_DEFAULT, buf);
    sc_h5_close(mspace);
    sc_h5_close(fspace);
    return rc;
}

/* Open the t and v datasets of an open series group and check they are parallel 1-D
 * arrays.  On success *n is their common length. */
static sc_status open_tv(hid_t g, const char *where, hid_t *ds_t, hid_t *ds_v, hsize_t *n,
                         sc_error *err)
{
    char reason[256];
    *ds_t = *ds_v = -1;
    if (H5Lexists(g, "t", H5P_DEFAULT) <= 0 || H5Lexists(g, "v", H5P_DEFAULT) <= 0)
        return sc_error_set(err, SC_ERR_INPUT, where, "series group without t and v datasets");
    *ds_t = H5Dopen2(g, "t", H5P_DEFAULT);
    *ds_v = H5Dopen2(g, "v", H5P_DEFAULT);
    if (*ds_t < 0 || *ds_v < 0)
        return sc_error_set(err, SC_ERR_INPUT, where, "cannot open t/v datasets: %s",
                            sc_h5_reason(reason, sizeof reason));
    hssize_t nt = ds_len(*ds_t), nv = ds_len(*ds_v);
    if (nt < 0 || nv < 0 || nt != nv)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "t and v must be 1-D datasets of equal length (t %lld, v %lld)",
                            (long long)nt, (long long)nv);
    if (!sc_h5_chunks_ok(*ds_t) || !sc_h5_chunks_ok(*ds_v))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "corrupt chunk index: a chunk with a filter mask, outside the "
                            "file, or larger than the file can hold (refused before reading)");
    /* issue 13, item 2: types and sizes before any read */
    if (!sc_h5_numeric_ok(*ds_t, 1) || !sc_h5_numeric_ok(*ds_v, 3))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "t must be integers and v numbers of 1, 2, 4 or 8 bytes, no more "
                            "than the file can hold (refused before reading)");
    *n = (hsize_t)nt;
    return SC_OK;
}

static sc_status tsdb_append_impl(sc_tsdb *db, const sc_series_key *key, const char *unit,
                         int64_t step_ms, const char *place_kind, const sc_time_ms *t,
                         const double *v, size_t n, sc_error *err)
{
    char where[512], reason[256], tb1[32], tb2[32];
    sc_status st;
    hid_t g_series = -1, g_app = -1, g_place = -1, g = -1, ds_t = -1, ds_v = -1;
    if (!db)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "NULL store");
    if ((st = check_key(db, key, err)) != SC_OK)
        return st;
    where_key(db, key, where, sizeof where);
    if (!db->writable)
        return sc_error_set(err, SC_ERR_USAGE, where, "store opened read-only");
    if (!unit)
        unit = "";
    if (strlen(unit) >= 64)
        return sc_error_set(err, SC_ERR_INPUT, where, "unit '%s' longer than 63 bytes", unit);
    for (const char *c = unit; *c; c++)
        if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "unit must be printable ASCII");
    if (!place_kind)
        place_kind = "geo";
    if (strcmp(place_kind, "geo") != 0 && strcmp(place_kind, "region") != 0)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "place_kind '%s': expected \"geo\" or \"region\"", place_kind);
    if (step_ms < 0)
        return sc_error_set(err, SC_ERR_INPUT, where, "negative step_ms %lld",
                            (long long)step_ms);
    if (n > 0 && (!t || !v))
        return sc_error_set(err, SC_ERR_USAGE, where, "NULL sample arrays");
    for (size_t i = 1; i < n; i++)
        if (t[i] <= t[i - 1])
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "timestamps must be strictly increasing: sample %zu (%s, %lld ms) "
                                "is not after sample %zu (%s, %lld ms)",
                                i, sc_time_format(t[i], tb1, sizeof tb1), (long long)t[i], i - 1,
                                sc_time_format(t[i - 1], tb2, sizeof tb2), (long long)t[i - 1]);

    int created = 0, c_app, c_place;
    g_series = H5Gopen2(db->file, "series", H5P_DEFAULT);
    if (g_series < 0)
        goto h5fail;
    g_app = open_or_create_group(g_series, key->app, &c_app);
    if (g_app < 0)
        goto h5fail;
    g_place = open_or_create_group(g_app, key->place, &c_place);
    if (g_place < 0)
        goto h5fail;
    g = open_or_create_group(g_place, key->metric, &created);
    if (g < 0)
        goto h5fail;

    hsize_t old_n = 0;
    if (created) {
        if (sc_h5_attr_write_str(g, "unit", unit, SC_H5_STR_NUL) < 0 ||
            sc_h5_attr_write_i64(g, "step_ms", H5T_STD_I64LE, step_ms) < 0 ||
            sc_h5_attr_write_str(g, "place_kind", place_kind, SC_H5_STR_NUL) < 0)
            goto h5fail;
        ds_t = create_dataset(g, "t", H5T_STD_I64LE);
        ds_v = create_dataset(g, "v", H5T_IEEE_F64LE);
        if (ds_t < 0 || ds_v < 0)
            goto h5fail;
    } else {
        char s_unit[64], s_kind[16];
        int64_t s_step = 0;
        if (sc_h5_attr_read_strbuf(g, "unit", s_unit, sizeof s_unit) < 0 ||
            sc_h5_attr_read_strbuf(g, "place_kind", s_kind, sizeof s_kind) < 0 ||
            sc_h5_attr_read_int(g, "step_ms", &s_step) < 0) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "series group lacks unit/step_ms/place_kind attributes");
            goto out;
        }
        if (strcmp(s_unit, unit) != 0) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "unit '%s' differs from the stored unit '%s'", unit, s_unit);
            goto out;
        }
        if (strcmp(s_kind, place_kind) != 0) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "place_kind '%s' differs from the stored '%s'", place_kind, s_kind);
            goto out;
        }
        /* A different nominal step makes the series irregular (documented). */
        if (s_step != step_ms && s_step != 0 &&
            sc_h5_attr_write_i64(g, "step_ms", H5T_STD_I64LE, 0) < 0)
            goto h5fail;
        if ((st = open_tv(g, where, &ds_t, &ds_v, &old_n, err)) != SC_OK)
            goto out;
        if (old_n > 0 && n > 0) {
            int64_t last;
            if (ds_read_range(ds_t, H5T_NATIVE_INT64, old_n - 1, 1, &last) < 0)
                goto h5fail;
            if (t[0] <= last) {
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "appended timestamps must be after the last stored one: first "
                                  "new %s (%lld ms) is not after %s (%lld ms)",
                                  sc_time_format(t[0], tb1, sizeof tb1), (long long)t[0],
                                  sc_time_format(last, tb2, sizeof tb2), (long long)last);
                goto out;
            }
        }
    }
    if (n > 0) {
        if (ds_append(ds_t, H5T_NATIVE_INT64, old_n, (hsize_t)n, t) < 0 ||
            ds_append(ds_v, H5T_NATIVE_DOUBLE, old_n, (hsize_t)n, v) < 0)
            goto h5fail;
    }
    st = SC_OK;
    goto out;
h5fail:
    st = sc_error_set(err, SC_ERR_IO, where, "HDF5 write failed: %s",
                      sc_h5_reason(reason, sizeof reason));
out:
    sc_h5_close(ds_v);
    sc_h5_close(ds_t);
    sc_h5_close(g);
    sc_h5_close(g_place);
    sc_h5_close(g_app);
    sc_h5_close(g_series);
    return st;
}

/* ---------------------------------------------------------------- read */

static sc_status open_series(sc_tsdb *db, const sc_series_key *key, char *where, size_t wlen,
                             hid_t *g, sc_error *err)
{
    sc_status st;
    *g = -1;
    if (!db)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "NULL store");
    if ((st = check_key(db, key, err)) != SC_OK)
        return st;
    where_key(db, key, where, wlen);
    if (!sc_tsdb_has(db, key))
        return sc_error_set(err, SC_ERR_NOTFOUND, where, "no such series in the store");
    char p[256], reason[256];
    key_path(key, p, sizeof p);
    *g = H5Gopen2(db->file, p, H5P_DEFAULT);
    if (*g < 0)
        return sc_error_set(err, SC_ERR_INPUT, where, "cannot open series group: %s",
                            sc_h5_reason(reason, sizeof reason));
    return SC_OK;
}

/* First index i in [0, n) with t[i] >= x (n if none), by binary search reading single
 * elements.  -1 on HDF5 failure. */
static int lower_bound(hid_t ds_t, hsize_t n, sc_time_ms x, hsize_t *out)
{
    hsize_t lo = 0, hi = n;
    while (lo < hi) {
        hsize_t mid = lo + (hi - lo) / 2;
        int64_t tm;
        if (ds_read_range(ds_t, H5T_NATIVE_INT64, mid, 1, &tm) < 0)
            return -1;
        if (tm < x)
            lo = mid + 1;
        else
            hi = mid;
    }
    *out = lo;
    return 0;
}

static sc_status tsdb_read_impl(sc_tsdb *db, const sc_series_key *key, sc_time_ms t0, sc_time_ms t1,
                       sc_time_ms **t_out, double **v_out, size_t *n_out, sc_error *err)
{
    char where[512], reason[256];
    hid_t g = -1, ds_t = -1, ds_v = -1;
    sc_time_ms *tb = NULL;
    double *vb = NULL;
    hsize_t n = 0, lo = 0, hi = 0;
    *t_out = NULL;
    *v_out = NULL;
    *n_out = 0;
    sc_status st = open_series(db, key, where, sizeof where, &g, err);
    if (st != SC_OK)
        goto out;
    if ((st = open_tv(g, where, &ds_t, &ds_v, &n, err)) != SC_OK)
        goto out;
    if (t0 < t1) {
        if (lower_bound(ds_t, n, t0, &lo) < 0 || lower_bound(ds_t, n, t1, &hi) < 0)
            goto h5fail;
        if (hi < lo)
            hi = lo;
    }
    size_t m = (size_t)(hi - lo);
    tb = malloc((m ? m : 1) * sizeof *tb);
    vb = malloc((m ? m : 1) * sizeof *vb);
    if (!tb || !vb) {
        st = sc_error_set(err, SC_ERR_NOMEM, where, "out of memory reading %zu samples", m);
        goto out;
    }
    if (ds_read_range(ds_t, H5T_NATIVE_INT64, lo, m, tb) < 0 ||
        ds_read_range(ds_v, H5T_NATIVE_DOUBLE, lo, m, vb) < 0)
        goto h5fail;
    *t_out = tb;
    *v_out = vb;
    *n_out = m;
    tb = NULL;
    vb = NULL;
    st = SC_OK;
    goto out;
h5fail:
    st = sc_error_set(err, SC_ERR_INPUT, where, "HDF5 read failed: %s",
                      sc_h5_reason(reason, sizeof reason));
out:
    free(tb);
    free(vb);
    sc_h5_close(ds_v);
    sc_h5_close(ds_t);
    sc_h5_close(g);
    return st;
}

/* ---------------------------------------------------------------- info/list */

static sc_status series_info(sc_tsdb *db, const sc_series_key *key, sc_series_info *info,
                             sc_error *err)
{
    char where[512], reason[256];
    hid_t g = -1, ds_t = -1, ds_v = -1;
    double *buf = NULL;
    hsize_t n = 0;
    memset(info, 0, sizeof *info);
    sc_status st = open_series(db, key, where, sizeof where, &g, err);
    if (st != SC_OK)
        goto out;
    snprintf(info->app, sizeof info->app, "%s", key->app);
    snprintf(info->place, sizeof info->place, "%s", key->place);
    snprintf(info->metric, sizeof info->metric, "%s", key->metric);
    if (sc_h5_attr_read_strbuf(g, "unit", info->unit, sizeof info->unit) < 0 ||
        sc_h5_attr_read_strbuf(g, "place_kind", info->place_kind, sizeof info->place_kind) < 0 ||
        sc_h5_attr_read_int(g, "step_ms", &info->step_ms) < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, where,
                          "series group lacks unit/step_ms/place_kind attributes");
        goto out;
    }
    if ((st = open_tv(g, where, &ds_t, &ds_v, &n, err)) != SC_OK)
        goto out;
    info->n = (size_t)n;
    info->min = info->max = info->mean = NAN;
    if (n > 0) {
        if (ds_read_range(ds_t, H5T_NATIVE_INT64, 0, 1, &info->t_first) < 0 ||
            ds_read_range(ds_t, H5T_NATIVE_INT64, n - 1, 1, &info->t_last) < 0)
            goto h5fail;
        hsize_t blk = n < SC_TSDB_STATS_BLOCK ? n : SC_TSDB_STATS_BLOCK;
        buf = malloc((size_t)blk * sizeof *buf);
        if (!buf) {
            st = sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
            goto out;
        }
        double sum = 0.0, mn = INFINITY, mx = -INFINITY;
        size_t good = 0;
        for (hsize_t off = 0; off < n; off += blk) {
            hsize_t cnt = n - off < blk ? n - off : blk;
            if (ds_read_range(ds_v, H5T_NATIVE_DOUBLE, off, cnt, buf) < 0)
                goto h5fail;
            for (hsize_t i = 0; i < cnt; i++) {
                double x = buf[i];
                if (isnan(x)) {
                    info->n_missing++;
                    continue;
                }
                sum += x;
                good++;
                if (x < mn)
                    mn = x;
                if (x > mx)
                    mx = x;
            }
        }
        if (good > 0) {
            info->min = mn;
            info->max = mx;
            info->mean = sum / (double)good;
        }
    }
    st = SC_OK;
    goto out;
h5fail:
    st = sc_error_set(err, SC_ERR_INPUT, where, "HDF5 read failed: %s",
                      sc_h5_reason(reason, sizeof reason));
out:
    free(buf);
    sc_h5_close(ds_v);
    sc_h5_close(ds_t);
    sc_h5_close(g);
    return st;
}

static sc_status tsdb_info_impl(sc_tsdb *db, const sc_series_key *key, sc_series_info *out,
                       sc_error *err)
{
    return series_info(db, key, out, err);
}

/* Names of the links in group g, in HDF5's name order.  *names malloc'ed array of
 * malloc'ed strings. */
static sc_status child_names(hid_t g, const char *where, char ***names, size_t *n,
                             sc_error *err)
{
    char reason[256];
    H5G_info_t gi;
    *names = NULL;
    *n = 0;
    if (H5Gget_info(g, &gi) < 0)
        return sc_error_set(err, SC_ERR_INPUT, where, "cannot list group: %s",
                            sc_h5_reason(reason, sizeof reason));
    if (gi.nlinks == 0)
        return SC_OK;
    char **arr = calloc((size_t)gi.nlinks, sizeof *arr);
    if (!arr)
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    for (hsize_t i = 0; i < gi.nlinks; i++) {
        char name[SC_TSDB_NAME_MAX + 2];
        ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, i, name,
                                         sizeof name, H5P_DEFAULT);
        if (len < 0 || (size_t)len >= sizeof name || !sc_tsdb_name_valid(name)) {
            for (hsize_t j = 0; j < i; j++)
                free(arr[j]);
            free(arr);
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "store holds an object with an invalid series name (link %llu)",
                                (unsigned long long)i);
        }
        arr[i] = strdup(name);
        if (!arr[i]) {
            for (hsize_t j = 0; j < i; j++)
                free(arr[j]);
            free(arr);
            return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
        }
    }
    *names = arr;
    *n = (size_t)gi.nlinks;
    return SC_OK;
}

static void free_names(char **names, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
}

static int cmp_info(const void *a, const void *b)
{
    const sc_series_info *x = a, *y = b;
    int c = strcmp(x->app, y->app);
    if (c)
        return c;
    c = strcmp(x->place, y->place);
    if (c)
        return c;
    return strcmp(x->metric, y->metric);
}

static sc_status tsdb_list_impl(sc_tsdb *db, sc_series_info **out, size_t *n_out, sc_error *err)
{
    char reason[256], p[256];
    sc_status st = SC_OK;
    char **apps = NULL, **places = NULL, **metrics = NULL;
    size_t n_apps = 0, n_places = 0, n_metrics = 0;
    sc_series_info *arr = NULL;
    size_t n = 0, cap = 0;
    hid_t g = -1;
    *out = NULL;
    *n_out = 0;
    if (!db)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "NULL store");

#define SC_OPEN_LIST_(path_, names_, n_)                                                  \
    do {                                                                                  \
        g = H5Gopen2(db->file, (path_), H5P_DEFAULT);                                      \
        if (g < 0) {                                                                      \
            st = sc_error_set(err, SC_ERR_INPUT, db->path, "cannot open group %s: %s",     \
                              (path_), sc_h5_reason(reason, sizeof reason));                 \
            goto out;                                                                     \
        }                                                                                 \
        st = child_names(g, db->path, &(names_), &(n_), err);                             \
        H5Gclose(g);                                                                      \
        g = -1;                                                                           \
        if (st != SC_OK)                                                                  \
            goto out;                                                                     \
    } while (0)

    SC_OPEN_LIST_("/series", apps, n_apps);
    for (size_t a = 0; a < n_apps; a++) {
        snprintf(p, sizeof p, "/series/%s", apps[a]);
        SC_OPEN_LIST_(p, places, n_places);
        for (size_t b = 0; b < n_places; b++) {
            snprintf(p, sizeof p, "/series/%s/%s", apps[a], places[b]);
            SC_OPEN_LIST_(p, metrics, n_metrics);
            for (size_t c = 0; c < n_metrics; c++) {
                if (n == cap) {
                    size_t nc = cap ? cap * 2 : 16;
                    sc_series_info *na = realloc(arr, nc * sizeof *na);
                    if (!na) {
                        st = sc_error_set(err, SC_ERR_NOMEM, db->path, "out of memory");
                        goto out;
                    }
                    arr = na;
                    cap = nc;
                }
                sc_series_key key = {apps[a], places[b], metrics[c]};
                if ((st = series_info(db, &key, &arr[n], err)) != SC_OK)
                    goto out;
                n++;
            }
            free_names(metrics, n_metrics);
            metrics = NULL;
            n_metrics = 0;
        }
        free_names(places, n_places);
        places = NULL;
        n_places = 0;
    }
#undef SC_OPEN_LIST_
    if (n > 1)
        qsort(arr, n, sizeof *arr, cmp_info);
    *out = arr;
    *n_out = n;
    arr = NULL;
out:
    free(arr);
    free_names(metrics, n_metrics);
    free_names(places, n_places);
    free_names(apps, n_apps);
    return st;
}

/* ---------------------------------------------------------------- public entry points
 *
 * Each one switches HDF5's error printing off for its own calls only and restores the
 * caller's handler before returning (h5util.h); the work is in the *_impl functions. */

sc_status sc_tsdb_open(const char *path, sc_tsdb_mode mode, sc_tsdb **out, sc_error *err)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_status r = tsdb_open_impl(path, mode, out, err);
    sc_h5_quiet_end(&q);
    return r;
}

sc_status sc_tsdb_close(sc_tsdb *db, sc_error *err)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_status r = tsdb_close_impl(db, err);
    sc_h5_quiet_end(&q);
    return r;
}

int sc_tsdb_has(sc_tsdb *db, const sc_series_key *key)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    int r = tsdb_has_impl(db, key);
    sc_h5_quiet_end(&q);
    return r;
}

sc_status sc_tsdb_append(sc_tsdb *db, const sc_series_key *key, const char *unit,
                         int64_t step_ms, const char *place_kind, const sc_time_ms *t,
                         const double *v, size_t n, sc_error *err)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_status r = tsdb_append_impl(db, key, unit, step_ms, place_kind, t, v, n, err);
    sc_h5_quiet_end(&q);
    return r;
}

sc_status sc_tsdb_read(sc_tsdb *db, const sc_series_key *key, sc_time_ms t0, sc_time_ms t1,
                       sc_time_ms **t_out, double **v_out, size_t *n_out, sc_error *err)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_status r = tsdb_read_impl(db, key, t0, t1, t_out, v_out, n_out, err);
    sc_h5_quiet_end(&q);
    return r;
}

sc_status sc_tsdb_info(sc_tsdb *db, const sc_series_key *key, sc_series_info *out,
                       sc_error *err)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_status r = tsdb_info_impl(db, key, out, err);
    sc_h5_quiet_end(&q);
    return r;
}

sc_status sc_tsdb_list(sc_tsdb *db, sc_series_info **out, size_t *n_out, sc_error *err)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_status r = tsdb_list_impl(db, out, n_out, err);
    sc_h5_quiet_end(&q);
    return r;
}

/* ---------------------------------------------------------------- appender (h-live) */

/* An open append path for one series (issue 12: live mode's ingestion).  The series is
 * created or checked once (tsdb_append_impl with no samples: names, unit, step,
 * place_kind), then its t and v datasets stay open with their chunk cache, and the last
 * t and the length are kept in memory: an add is the order check and two extends and
 * writes, not the group walk, attribute reads, last-t read-back and re-read of the last
 * compressed chunk that every sc_tsdb_append does. */
struct sc_tsdb_appender {
    sc_tsdb *db;
    hid_t ds_t, ds_v;
    hsize_t n;                  /* samples stored */
    sc_time_ms last;            /* last t stored, SC_TIME_MIN when none */
    char where[512];
};

static sc_status appender_open_impl(sc_tsdb *db, const sc_series_key *key, const char *unit,
                                    int64_t step_ms, const char *place_kind,
                                    sc_tsdb_appender **out, sc_error *err)
{
    *out = NULL;
    sc_status st = tsdb_append_impl(db, key, unit, step_ms, place_kind, NULL, NULL, 0, err);
    if (st)
        return st;
    sc_tsdb_appender *a = calloc(1, sizeof *a);
    if (!a)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    a->db = db;
    a->ds_t = a->ds_v = -1;
    a->last = SC_TIME_MIN;
    hid_t g = -1;
    if ((st = open_series(db, key, a->where, sizeof a->where, &g, err)) ||
        (st = open_tv(g, a->where, &a->ds_t, &a->ds_v, &a->n, err)))
        goto fail;
    if (a->n > 0) {
        int64_t last;
        char reason[256];
        if (ds_read_range(a->ds_t, H5T_NATIVE_INT64, a->n - 1, 1, &last) < 0) {
            st = sc_error_set(err, SC_ERR_IO, a->where, "HDF5 read failed: %s",
                              sc_h5_reason(reason, sizeof reason));
            goto fail;
        }
        a->last = last;
    }
    sc_h5_close(g);
    *out = a;
    return SC_OK;
fail:
    sc_h5_close(g);
    sc_h5_close(a->ds_t);
    sc_h5_close(a->ds_v);
    free(a);
    return st;
}

sc_status sc_tsdb_appender_open(sc_tsdb *db, const sc_series_key *key, const char *unit,
                                int64_t step_ms, const char *place_kind,
                                sc_tsdb_appender **out, sc_error *err)
{
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_status r = appender_open_impl(db, key, unit, step_ms, place_kind, out, err);
    sc_h5_quiet_end(&q);
    return r;
}

sc_status sc_tsdb_appender_add(sc_tsdb_appender *a, const sc_time_ms *t, const double *v,
                               size_t n, sc_error *err)
{
    if (n == 0)
        return SC_OK;
    if (!t || !v)
        return sc_error_set(err, SC_ERR_USAGE, a->where, "NULL sample arrays");
    char tb1[32], tb2[32], reason[256];
    for (size_t i = 0; i < n; i++) {
        sc_time_ms prev = i ? t[i - 1] : a->last;
        if (t[i] <= prev && (i || a->last != SC_TIME_MIN))
            return sc_error_set(err, SC_ERR_INPUT, a->where,
                                "timestamps must be strictly increasing: %s (%lld ms) is not "
                                "after %s (%lld ms)",
                                sc_time_format(t[i], tb1, sizeof tb1), (long long)t[i],
                                sc_time_format(prev, tb2, sizeof tb2), (long long)prev);
    }
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    int bad = ds_append(a->ds_t, H5T_NATIVE_INT64, a->n, (hsize_t)n, t) < 0 ||
              ds_append(a->ds_v, H5T_NATIVE_DOUBLE, a->n, (hsize_t)n, v) < 0;
    sc_status st = SC_OK;
    if (bad) /* t and v may now differ in length: the store says so when next opened */
        st = sc_error_set(err, SC_ERR_IO, a->where, "HDF5 write failed: %s",
                          sc_h5_reason(reason, sizeof reason));
    sc_h5_quiet_end(&q);
    if (st)
        return st;
    a->n += (hsize_t)n;
    a->last = t[n - 1];
    return SC_OK;
}

void sc_tsdb_appender_close(sc_tsdb_appender *a)
{
    if (!a)
        return;
    sc_h5_quiet q;
    sc_h5_quiet_begin(&q);
    sc_h5_close(a->ds_t);
    sc_h5_close(a->ds_v);
    sc_h5_quiet_end(&q);
    free(a);
}
