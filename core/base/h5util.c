/*
 * h5util.c - the HDF5 helpers shared by the store, the WIV files, the results files
 * and the report (contract and rules in h5util.h).
 *
 * Before this file the same helpers were written four times (tsdb.c, wiv.c, results.c,
 * report_data.c), with small differences that the file bytes still carry: a string
 * attribute of the results files is strlen bytes long, one of the store strlen + 1
 * (sc_h5_strsize keeps both); the store is written in the 1.8 format, the results
 * files in HDF5's default range (sc_h5_libver keeps both).  Keeping the old bytes is a
 * requirement (results files are compared byte for byte across builds and thread
 * counts), so none of those choices is unified here.
 *
 * Size bounds: every read first asks HDF5 what the file claims (type size, extent) and
 * compares the claim with the size of the file itself (H5Fget_filesize) before any
 * allocation, so a corrupt or hostile file cannot make us allocate gigabytes.
 */
#define _POSIX_C_SOURCE 200809L
#include "h5util.h"

#include <stdlib.h>
#include <string.h>

/* ---- error printing ------------------------------------------------------------------ */

void sc_h5_quiet_begin(sc_h5_quiet *q)
{
    q->fn = NULL;
    q->data = NULL;
    q->saved = H5Eget_auto2(H5E_DEFAULT, &q->fn, &q->data) >= 0;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
}

void sc_h5_quiet_end(sc_h5_quiet *q)
{
    if (q->saved)
        H5Eset_auto2(H5E_DEFAULT, q->fn, q->data);
    q->saved = 0;
}

typedef struct reason_buf {
    char *buf;
    size_t len;
} reason_buf;

static herr_t reason_cb(unsigned n, const H5E_error2_t *e, void *data)
{
    reason_buf *m = data;
    if (n == 0 && e && e->desc)
        snprintf(m->buf, m->len, "%s", e->desc);
    return 0;
}

const char *sc_h5_reason(char *buf, size_t len)
{
    reason_buf m = {buf, len};
    if (len)
        buf[0] = '\0';
    H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, reason_cb, &m);
    H5Eclear2(H5E_DEFAULT);
    return buf;
}

void sc_h5_close(hid_t id)
{
    if (id < 0)
        return;
    switch (H5Iget_type(id)) {
    case H5I_GROUP: H5Gclose(id); break;
    case H5I_DATASET: H5Dclose(id); break;
    case H5I_DATASPACE: H5Sclose(id); break;
    case H5I_DATATYPE: H5Tclose(id); break;
    case H5I_ATTR: H5Aclose(id); break;
    case H5I_GENPROP_LST: H5Pclose(id); break;
    case H5I_FILE: H5Fclose(id); break;
    default: break;
    }
}

/* ---- files, groups --------------------------------------------------------------------- */

hid_t sc_h5_fapl(sc_h5_libver v)
{
    hid_t fapl = H5Pcreate(H5P_FILE_ACCESS);
    if (fapl >= 0 && v == SC_H5_LIBVER_V18 &&
        H5Pset_libver_bounds(fapl, H5F_LIBVER_V18, H5F_LIBVER_V18) < 0) {
        H5Pclose(fapl);
        return -1;
    }
    return fapl;
}

hid_t sc_h5_file_create(const char *path, sc_h5_libver v)
{
    hid_t f = -1;
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    hid_t fapl = sc_h5_fapl(v);
    if (fcpl >= 0 && fapl >= 0 && H5Pset_obj_track_times(fcpl, 0) >= 0)
        f = H5Fcreate(path, H5F_ACC_TRUNC, fcpl, fapl);
    sc_h5_close(fapl);
    sc_h5_close(fcpl);
    return f;
}

hid_t sc_h5_dcpl(void)
{
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    if (dcpl >= 0 && H5Pset_obj_track_times(dcpl, 0) < 0) {
        H5Pclose(dcpl);
        return -1;
    }
    return dcpl;
}

hid_t sc_h5_group_create(hid_t parent, const char *name)
{
    hid_t gcpl = H5Pcreate(H5P_GROUP_CREATE);
    hid_t g = -1;
    if (gcpl >= 0 && H5Pset_obj_track_times(gcpl, 0) >= 0)
        g = H5Gcreate2(parent, name, H5P_DEFAULT, gcpl, H5P_DEFAULT);
    sc_h5_close(gcpl);
    return g;
}

int sc_h5_exists(hid_t loc, const char *path)
{
    if (!path || !*path)
        return 0;
    /* No allocation: a failed one used to read as "absent" and the caller went on
     * without the object (issue 13, found by the fault sweep).  sculpt's own paths are
     * far shorter; a longer one is not checked and reads as present (-1), so the
     * caller's open fails with its own message. */
    char buf[1024];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return -1;
    memcpy(buf, path, n + 1);
    int ok = 1;
    /* check every prefix that ends before a '/' (H5Lexists fails when a parent is
     * missing), then the whole path */
    for (size_t i = 1; i <= n && ok; i++) {
        if (i < n && buf[i] != '/')
            continue;
        char c = buf[i];
        buf[i] = '\0';
        if (!(i == 1 && buf[0] == '/'))
            ok = H5Lexists(loc, buf, H5P_DEFAULT) > 0;
        buf[i] = c;
    }
    return ok;
}

/* The size of the file holding obj in bytes, or 0 when unknown. */
static hsize_t file_size_of(hid_t obj)
{
    hid_t f = H5Iget_file_id(obj);
    hsize_t sz = 0;
    if (f < 0 || H5Fget_filesize(f, &sz) < 0)
        sz = 0;
    if (f >= 0)
        H5Fclose(f);
    return sz;
}

int sc_h5_chunks_ok(hid_t d)
{
    hid_t dcpl = H5Dget_create_plist(d);
    if (dcpl < 0)
        return 0;
    int ok = 1;
    if (H5Pget_layout(dcpl) == H5D_CHUNKED) {
        hsize_t cdims[H5S_MAX_RANK], dims[H5S_MAX_RANK], off[H5S_MAX_RANK];
        hid_t sp = H5Dget_space(d);
        int rank = sp >= 0 ? H5Sget_simple_extent_ndims(sp) : -1;
        hsize_t fs = file_size_of(d);
        if (rank < 1 || rank > H5S_MAX_RANK || H5Pget_chunk(dcpl, rank, cdims) != rank ||
            H5Sget_simple_extent_dims(sp, dims, NULL) != rank || fs == 0)
            ok = 0;
        /* one chunk's bytes, uncompressed: libhdf5 allocates that much to read any part
         * of it, so a hostile chunk shape would allocate gigabytes inside the library */
        hid_t ft = ok ? H5Dget_type(d) : -1;
        hsize_t cbytes = ft >= 0 ? (hsize_t)H5Tget_size(ft) : 0;
        sc_h5_close(ft);
        if (cbytes == 0)
            ok = 0;
        for (int i = 0; ok && i < rank; i++) {
            ok = cdims[i] > 0 && cbytes <= SC_H5_CHUNK_MAX_BYTES / cdims[i];
            if (ok)
                cbytes *= cdims[i];
            off[i] = 0;
        }
        if (ok && cbytes > fs * (hsize_t)SC_H5_MAX_EXPANSION)
            ok = 0;
        /* without a filter a chunk is stored as its raw bytes, all of them (edge chunks
         * too): a stored size that differs means the pipeline message was changed and
         * libhdf5 would copy a chunk's worth out of a shorter buffer */
        int unfiltered = H5Pget_nfilters(dcpl) == 0;
        /* every chunk of the extent, in row-major order of the chunk grid: by coordinate,
         * a B-tree lookup each (by index would rescan the index for every chunk) */
        int empty = 0;
        for (int i = 0; i < rank; i++)
            empty |= dims[i] == 0;
        while (ok && !empty) {
            unsigned mask = 0;
            haddr_t addr = HADDR_UNDEF;
            hsize_t size = 0;
            if (H5Dget_chunk_info_by_coord(d, off, &mask, &addr, &size) < 0)
                ok = 0;
            else if (addr != HADDR_UNDEF && (mask != 0 || addr > fs || size > fs - addr ||
                                              (unfiltered && size != cbytes)))
                ok = 0;
            int i = rank - 1;
            for (; i >= 0; i--) {
                off[i] += cdims[i];
                if (off[i] < dims[i])
                    break;
                off[i] = 0;
            }
            if (i < 0)
                break;
        }
        sc_h5_close(sp);
    }
    H5Pclose(dcpl);
    return ok;
}

/* 1 if `bytes` (for `count` elements of `width` bytes) can be stored in obj's file:
 * raw bytes (attributes, uncompressed data) or deflate-expanded (datasets); and, for a
 * dataset, its chunks pass sc_h5_chunks_ok. */
static int size_ok(hid_t obj, hsize_t count, size_t width, int compressible)
{
    if (H5Iget_type(obj) == H5I_DATASET && !sc_h5_chunks_ok(obj))
        return 0;
    hsize_t fs = file_size_of(obj);
    if (fs == 0)
        return 0;
    hsize_t cap = compressible ? fs * SC_H5_MAX_EXPANSION : fs;
    if (width > cap)
        return 0;
    if (width && count > cap / width)
        return 0;
    return 1;
}

int sc_h5_numeric_ok(hid_t d, unsigned class_mask)
{
    hid_t ft = H5Dget_type(d);
    hid_t sp = H5Dget_space(d);
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    hssize_t np = sp >= 0 ? H5Sget_simple_extent_npoints(sp) : -1;
    int ok = ((cls == H5T_INTEGER && (class_mask & 1)) ||
              (cls == H5T_FLOAT && (class_mask & 2))) &&
             np >= 0 && size_ok(d, (hsize_t)np, 8, 1);
    if (ok) {
        size_t sz = H5Tget_size(ft);
        ok = sz == 1 || sz == 2 || sz == 4 || sz == 8;
    }
    sc_h5_close(sp);
    sc_h5_close(ft);
    return ok;
}

/* ---- attributes ------------------------------------------------------------------------ */

int sc_h5_attr_write_str(hid_t obj, const char *name, const char *val, sc_h5_strsize how)
{
    int rc = -1;
    size_t len = strlen(val);
    size_t sz = how == SC_H5_STR_NUL ? len + 1 : (len ? len : 1);
    hid_t t = -1, s = -1, a = -1;
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        return -1;
    t = H5Tcopy(H5T_C_S1);
    if (t < 0 || H5Tset_size(t, sz) < 0 || H5Tset_strpad(t, H5T_STR_NULLTERM) < 0 ||
        H5Tset_cset(t, H5T_CSET_ASCII) < 0)
        goto out;
    if ((s = H5Screate(H5S_SCALAR)) < 0)
        goto out;
    if ((a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto out;
    if (H5Awrite(a, t, len ? val : "") >= 0)
        rc = 0;
out:
    sc_h5_close(a);
    sc_h5_close(s);
    sc_h5_close(t);
    return rc;
}

int sc_h5_attr_write_num(hid_t obj, const char *name, hid_t file_type, hid_t mem_type,
                         const void *val)
{
    int rc = -1;
    hid_t s = -1, a = -1;
    if (H5Aexists(obj, name) > 0 && H5Adelete(obj, name) < 0)
        return -1;
    if ((s = H5Screate(H5S_SCALAR)) < 0)
        goto out;
    if ((a = H5Acreate2(obj, name, file_type, s, H5P_DEFAULT, H5P_DEFAULT)) < 0)
        goto out;
    if (H5Awrite(a, mem_type, val) >= 0)
        rc = 0;
out:
    sc_h5_close(a);
    sc_h5_close(s);
    return rc;
}

int sc_h5_attr_write_i64(hid_t obj, const char *name, hid_t file_type, int64_t v)
{
    return sc_h5_attr_write_num(obj, name, file_type, H5T_NATIVE_INT64, &v);
}

int sc_h5_attr_write_f64(hid_t obj, const char *name, hid_t file_type, double v)
{
    return sc_h5_attr_write_num(obj, name, file_type, H5T_NATIVE_DOUBLE, &v);
}

/* 1 if the variable-length data of dataset d (read as mt) fits in the file: the global
 * heap that holds it is not compressed.  HDF5 sums the stored lengths without reading
 * the data.  (An attribute has no such query: HDF5 allocates a variable-length
 * attribute string itself; sculpt writes fixed-length ones, which are bounded.) */
static int vlen_ok(hid_t d, hid_t mt)
{
    hid_t sp = H5Dget_space(d);
    hsize_t need = 0;
    int ok = sp >= 0 && H5Dvlen_get_buf_size(d, mt, sp, &need) >= 0 && size_ok(d, 1, need, 0);
    sc_h5_close(sp);
    return ok;
}

/* Read one string element of file type ft from an attribute (is_attr) or a dataset
 * into a malloc'd string. */
static int read_one_string(hid_t id, int is_attr, hid_t ft, char **out)
{
    int rc = -2;
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (mt < 0)
        return -2;
    if (H5Tis_variable_str(ft) > 0) {
        char *p = NULL;
        if (H5Tset_size(mt, H5T_VARIABLE) < 0 || (!is_attr && !vlen_ok(id, mt)))
            goto out;
        if (
            (is_attr ? H5Aread(id, mt, &p) : H5Dread(id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &p)) >=
                0) {
            *out = strdup(p ? p : "");
            rc = *out ? 0 : -3;
        }
        if (p)
            H5free_memory(p);
    } else {
        size_t sz = H5Tget_size(ft);
        /* never trust the stored length: an attribute's bytes are in the file as they
         * are; a dataset's may be deflated */
        if (sz == 0 || !size_ok(id, 1, sz, !is_attr))
            goto out;
        char *buf = calloc(sz + 1, 1);
        if (!buf) {
            rc = -3;
            goto out;
        }
        if (H5Tset_size(mt, sz) >= 0 && H5Tset_strpad(mt, H5T_STR_NULLPAD) >= 0 &&
            (is_attr ? H5Aread(id, mt, buf) : H5Dread(id, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf)) >=
                0) {
            *out = buf;
            rc = 0;
        } else {
            free(buf);
        }
    }
out:
    H5Tclose(mt);
    return rc;
}

int sc_h5_attr_read_str(hid_t obj, const char *name, char **out)
{
    *out = NULL;
    if (H5Aexists(obj, name) <= 0)
        return -1;
    int rc = -2;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    if (ft >= 0 && sp >= 0 && H5Tget_class(ft) == H5T_STRING &&
        H5Sget_simple_extent_npoints(sp) == 1)
        rc = read_one_string(a, 1, ft, out);
    sc_h5_close(sp);
    sc_h5_close(ft);
    sc_h5_close(a);
    return rc;
}

int sc_h5_attr_read_strbuf(hid_t obj, const char *name, char *buf, size_t cap)
{
    char *s = NULL;
    int rc = sc_h5_attr_read_str(obj, name, &s);
    if (cap)
        snprintf(buf, cap, "%s", rc == 0 ? s : "");
    free(s);
    return rc;
}

/* 1 if a numeric file type has a plain size (1, 2, 4 or 8 bytes): a hostile file can
 * declare integers of thousands of bytes or floats with odd layouts, which no sculpt
 * writer makes. */
static int numeric_size_ok(hid_t ft)
{
    size_t sz = H5Tget_size(ft);
    return sz == 1 || sz == 2 || sz == 4 || sz == 8;
}

/* Open a scalar numeric attribute; class_mask: 1 integer, 2 float. */
static int read_num_attr(hid_t obj, const char *name, hid_t mem_type, void *out, int class_mask)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    int rc = -2;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    hid_t ft = a >= 0 ? H5Aget_type(a) : -1;
    hid_t sp = a >= 0 ? H5Aget_space(a) : -1;
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    int cls_ok = ((cls == H5T_INTEGER && (class_mask & 1)) ||
                  (cls == H5T_FLOAT && (class_mask & 2))) &&
                 numeric_size_ok(ft);
    if (cls_ok && sp >= 0 && H5Sget_simple_extent_npoints(sp) == 1 &&
        H5Aread(a, mem_type, out) >= 0)
        rc = 0;
    sc_h5_close(sp);
    sc_h5_close(ft);
    sc_h5_close(a);
    return rc;
}

int sc_h5_attr_read_num(hid_t obj, const char *name, hid_t mem_type, void *out)
{
    return read_num_attr(obj, name, mem_type, out, 3);
}

int sc_h5_attr_read_int(hid_t obj, const char *name, int64_t *out)
{
    return read_num_attr(obj, name, H5T_NATIVE_INT64, out, 1);
}

/* ---- datasets ---------------------------------------------------------------------------- */

hid_t sc_h5_write_nd_open(hid_t loc, const char *name, int rank, const hsize_t *dims,
                          hid_t file_type, hid_t mem_type, const void *data,
                          const sc_h5_dsopt *opt)
{
    int ok = 0;
    hid_t s = -1, dcpl = -1, d = -1;
    if (rank < 1 || rank > 4)
        return -1;
    hsize_t total = 1;
    for (int i = 0; i < rank; i++)
        total *= dims[i];
    if ((s = H5Screate_simple(rank, dims, NULL)) < 0 || (dcpl = sc_h5_dcpl()) < 0)
        goto out;
    if (opt && opt->chunk_rows > 0 && dims[0] > 0) {
        hsize_t chunk[4];
        for (int i = 0; i < rank; i++)
            chunk[i] = dims[i];
        chunk[0] = dims[0] < opt->chunk_rows ? dims[0] : opt->chunk_rows;
        if (H5Pset_chunk(dcpl, rank, chunk) < 0 || (opt->shuffle && H5Pset_shuffle(dcpl) < 0) ||
            (opt->deflate > 0 && H5Pset_deflate(dcpl, (unsigned)opt->deflate) < 0))
            goto out;
    }
    if ((d = H5Dcreate2(loc, name, file_type, s, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        goto out;
    if (total > 0 && H5Dwrite(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0)
        goto out;
    ok = 1;
out:
    if (!ok) {
        sc_h5_close(d);
        d = -1;
    }
    sc_h5_close(dcpl);
    sc_h5_close(s);
    return d;
}

int sc_h5_write_nd(hid_t loc, const char *name, int rank, const hsize_t *dims,
                   hid_t file_type, hid_t mem_type, const void *data, const sc_h5_dsopt *opt)
{
    hid_t d = sc_h5_write_nd_open(loc, name, rank, dims, file_type, mem_type, data, opt);
    if (d < 0)
        return -1;
    return H5Dclose(d) < 0 ? -1 : 0;
}

int sc_h5_read_nd(hid_t loc, const char *name, hid_t mem_type, size_t elsize, int rank,
                  const hsize_t *expect, hsize_t *dims, void **out)
{
    *out = NULL;
    if (rank < 1 || rank > 4 || !sc_h5_exists(loc, name))
        return -1;
    int rc = -2;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    if (sp < 0 || (cls != H5T_INTEGER && cls != H5T_FLOAT) || !numeric_size_ok(ft) ||
        H5Sget_simple_extent_ndims(sp) != rank ||
        H5Sget_simple_extent_dims(sp, dims, NULL) != rank)
        goto out;
    hsize_t total = 1;
    for (int i = 0; i < rank; i++) {
        if (expect && dims[i] != expect[i])
            goto out;
        if (dims[i] && total > ((hsize_t)-1) / dims[i])
            goto out;
        total *= dims[i];
    }
    if (!size_ok(d, total, elsize, 1))
        goto out;
    void *v = malloc(total ? (size_t)total * elsize : 1);
    if (!v) {
        rc = -3;
        goto out;
    }
    if (total > 0 && H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, v) < 0) {
        free(v);
        goto out;
    }
    *out = v;
    rc = 0;
out:
    sc_h5_close(ft);
    sc_h5_close(sp);
    sc_h5_close(d);
    return rc;
}

int sc_h5_read_1d_into(hid_t loc, const char *name, hid_t mem_type, hsize_t n, void *buf)
{
    if (!sc_h5_exists(loc, name))
        return -1;
    int rc = -2;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    if (sp >= 0 && (cls == H5T_INTEGER || cls == H5T_FLOAT) && numeric_size_ok(ft) &&
        H5Sget_simple_extent_ndims(sp) == 1 &&
        H5Sget_simple_extent_npoints(sp) == (hssize_t)n && sc_h5_chunks_ok(d) &&
        (n == 0 || H5Dread(d, mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) >= 0))
        rc = 0;
    sc_h5_close(ft);
    sc_h5_close(sp);
    sc_h5_close(d);
    return rc;
}

int sc_h5_write_string(hid_t loc, const char *name, const char *text)
{
    int rc = -1;
    size_t len = strlen(text);
    hid_t t = H5Tcopy(H5T_C_S1), s = -1, dcpl = -1, d = -1;
    if (t < 0 || H5Tset_size(t, len ? len : 1) < 0)
        goto out;
    if ((s = H5Screate(H5S_SCALAR)) < 0 || (dcpl = sc_h5_dcpl()) < 0)
        goto out;
    if ((d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        goto out;
    if (H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, len ? text : "") >= 0)
        rc = 0;
out:
    sc_h5_close(d);
    sc_h5_close(dcpl);
    sc_h5_close(s);
    sc_h5_close(t);
    return rc;
}

int sc_h5_read_string(hid_t loc, const char *name, char **out)
{
    *out = NULL;
    if (!sc_h5_exists(loc, name))
        return -1;
    int rc = -2;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    if (ft >= 0 && sp >= 0 && H5Tget_class(ft) == H5T_STRING &&
        H5Sget_simple_extent_npoints(sp) == 1)
        rc = read_one_string(d, 0, ft, out);
    sc_h5_close(sp);
    sc_h5_close(ft);
    sc_h5_close(d);
    return rc;
}

int sc_h5_write_strlist(hid_t loc, const char *name, const char *const *v, size_t n,
                        size_t width)
{
    int rc = -1;
    size_t w = width;
    if (w == 0) {
        w = 1;
        for (size_t i = 0; i < n; i++)
            if (strlen(v[i]) > w)
                w = strlen(v[i]);
    }
    char *buf = calloc(n ? n : 1, w);
    hid_t t = -1, s = -1, dcpl = -1, d = -1;
    if (!buf)
        return -1;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(v[i]);
        if (l > w || (width && l >= width))
            goto out;
        memcpy(buf + i * w, v[i], l);
    }
    hsize_t dim = n;
    if ((t = H5Tcopy(H5T_C_S1)) < 0 || H5Tset_size(t, w) < 0 ||
        H5Tset_strpad(t, width ? H5T_STR_NULLTERM : H5T_STR_NULLPAD) < 0)
        goto out;
    if ((s = H5Screate_simple(1, &dim, NULL)) < 0 || (dcpl = sc_h5_dcpl()) < 0)
        goto out;
    if ((d = H5Dcreate2(loc, name, t, s, H5P_DEFAULT, dcpl, H5P_DEFAULT)) < 0)
        goto out;
    if (n && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)
        goto out;
    rc = 0;
out:
    sc_h5_close(d);
    sc_h5_close(dcpl);
    sc_h5_close(s);
    sc_h5_close(t);
    free(buf);
    return rc;
}

void sc_h5_strlist_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

int sc_h5_read_strlist(hid_t loc, const char *name, char ***out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    if (!sc_h5_exists(loc, name))
        return -1;
    int rc = -2;
    char **v = NULL;
    size_t n = 0;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    hid_t ft = d >= 0 ? H5Dget_type(d) : -1;
    hid_t sp = d >= 0 ? H5Dget_space(d) : -1;
    hid_t mt = H5Tcopy(H5T_C_S1);
    if (ft < 0 || sp < 0 || mt < 0 || H5Tget_class(ft) != H5T_STRING ||
        H5Sget_simple_extent_ndims(sp) != 1)
        goto out;
    hssize_t np = H5Sget_simple_extent_npoints(sp);
    if (np < 0)
        goto out;
    n = (size_t)np;
    int vlen = H5Tis_variable_str(ft) > 0;
    size_t w = vlen ? sizeof(char *) : H5Tget_size(ft);
    if (w == 0 || w > SC_H5_STRLIST_WIDTH_MAX || !size_ok(d, (hsize_t)n, w, 1))
        goto out;
    v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        rc = -3;
        goto out;
    }
    if (vlen) {
        char **tmp = calloc(n ? n : 1, sizeof *tmp);
        if (!tmp) {
            rc = -3;
            goto out;
        }
        if (H5Tset_size(mt, H5T_VARIABLE) < 0 || (n && !vlen_ok(d, mt)) ||
            (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0)) {
            free(tmp);
            goto out;
        }
        rc = 0;
        for (size_t i = 0; i < n; i++)
            if (!(v[i] = strdup(tmp[i] ? tmp[i] : "")))
                rc = -3;
        if (n)
            H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, tmp);
        free(tmp);
    } else {
        char *buf = calloc(n ? n : 1, w);
        if (!buf) {
            rc = -3;
            goto out;
        }
        if (H5Tset_size(mt, w) < 0 || H5Tset_strpad(mt, H5T_STR_NULLPAD) < 0 ||
            (n && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0)) {
            free(buf);
            goto out;
        }
        rc = 0;
        for (size_t i = 0; i < n && rc == 0; i++) {
            v[i] = calloc(w + 1, 1);
            if (!v[i])
                rc = -3;
            else
                memcpy(v[i], buf + i * w, w);
        }
        free(buf);
    }
out:
    sc_h5_close(mt);
    sc_h5_close(sp);
    sc_h5_close(ft);
    sc_h5_close(d);
    if (rc == 0) {
        *out = v;
        *n_out = n;
    } else {
        sc_h5_strlist_free(v, n);
    }
    return rc;
}
