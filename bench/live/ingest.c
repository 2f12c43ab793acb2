/*
 * ingest.c - ingestion of observations into the HDF5 store (issue 12: >= 10^6 samples
 * per second), sculpt's append path side by side with a plain HDF5 peer.
 *
 *   bench_ingest [--series 300] [--samples 8640] [--block 4096] [--repeat 3]
 *
 * Writes series x samples (t, v) pairs, `block` samples per append per series, series
 * interleaved as live mode writes them (each round appends one block to every series):
 *   sculpt  sc_tsdb_append (core/tsdb/tsdb.c): the store's checks (names, strictly
 *           increasing t across appends: it reads the last stored t back), groups and
 *           attributes, datasets chunked by 4096, shuffle + deflate 4;
 *   sculpt-app  sc_tsdb_appender (core/tsdb/tsdb.c): the same checks and layout, the
 *           series created or checked once, its datasets kept open across appends
 *           (live mode's observation writer);
 *   h5      the peer: the same two datasets per series with the same chunking and
 *           filters, extended and written with H5Dset_extent + H5Dwrite of a hyperslab,
 *           no checks, no read-back;
 *   h5-raw  the peer without compression (the bound set by HDF5's own bookkeeping).
 * Each variant writes a fresh file in $TMPDIR (default /tmp), removed afterwards.
 * Figures: samples per second of wall time and of CPU time (median of the repeats),
 * and the file size.  The values are a daily cycle plus seeded noise (compressible as
 * real load is, not constant).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <hdf5.h>

#include "sculpt/rng.h"
#include "sculpt/sculpt.h"
#include "sculpt/tsdb.h"
#include "../common/clock.h"

#define CHUNK 4096

static int n_series = 300, n_samples = 8640, block = 4096;
static int64_t *T;
static double *V; /* [series][samples] */

static void fill(void)
{
    T = malloc((size_t)n_samples * sizeof *T);
    V = malloc((size_t)n_series * (size_t)n_samples * sizeof *V);
    if (!T || !V) {
        fprintf(stderr, "bench_ingest: out of memory\n");
        exit(1);
    }
    int64_t t0 = INT64_C(1767571200000);
    for (int k = 0; k < n_samples; k++)
        T[k] = t0 + (int64_t)k * 300000;
    for (int s = 0; s < n_series; s++)
        for (int k = 0; k < n_samples; k++) {
            double u = sc_rng_u01(sc_rng_key(42, SC_RNG_POLICY, (uint64_t)s, (uint64_t)k, 0));
            V[(size_t)s * (size_t)n_samples + (size_t)k] =
                round(1000.0 * (1.0 + 0.5 * sin(6.283185307179586 * k / 288.0)) + 50.0 * u);
        }
}

static void name_of(int s, char *app, char *geo)
{
    snprintf(app, 16, "app%03d", s / 10);
    snprintf(geo, 16, "geo%d", s % 10);
}

static int run_sculpt(const char *path)
{
    sc_tsdb *db;
    sc_error err;
    if (sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err)) {
        fprintf(stderr, "bench_ingest: %s: %s\n", err.where, err.msg);
        return 1;
    }
    char app[16], geo[16];
    for (int k0 = 0; k0 < n_samples; k0 += block) {
        int n = n_samples - k0 < block ? n_samples - k0 : block;
        for (int s = 0; s < n_series; s++) {
            name_of(s, app, geo);
            sc_series_key key = {app, geo, "observed_load"};
            if (sc_tsdb_append(db, &key, "req/s", 300000, "geo", T + k0,
                               V + (size_t)s * (size_t)n_samples + (size_t)k0, (size_t)n,
                               &err)) {
                fprintf(stderr, "bench_ingest: %s: %s\n", err.where, err.msg);
                sc_tsdb_close(db, NULL);
                return 1;
            }
        }
    }
    return sc_tsdb_close(db, &err) != SC_OK;
}

/* sculpt's appender (sc_tsdb_appender: one per series, handles kept open), the path of
 * live mode's observation writer since issue 12's last open item. */
static int run_appender(const char *path)
{
    sc_tsdb *db;
    sc_error err;
    if (sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err)) {
        fprintf(stderr, "bench_ingest: %s: %s\n", err.where, err.msg);
        return 1;
    }
    sc_tsdb_appender **ap = calloc((size_t)n_series, sizeof *ap);
    int rc = ap == NULL;
    char app[16], geo[16];
    for (int k0 = 0; k0 < n_samples && !rc; k0 += block) {
        int n = n_samples - k0 < block ? n_samples - k0 : block;
        for (int s = 0; s < n_series && !rc; s++) {
            name_of(s, app, geo);
            sc_series_key key = {app, geo, "observed_load"};
            if ((!ap[s] && sc_tsdb_appender_open(db, &key, "req/s", 300000, "geo", &ap[s],
                                                 &err)) ||
                sc_tsdb_appender_add(ap[s], T + k0,
                                     V + (size_t)s * (size_t)n_samples + (size_t)k0, (size_t)n,
                                     &err)) {
                fprintf(stderr, "bench_ingest: %s: %s\n", err.where, err.msg);
                rc = 1;
            }
        }
    }
    for (int s = 0; ap && s < n_series; s++)
        sc_tsdb_appender_close(ap[s]);
    free(ap);
    return (sc_tsdb_close(db, &err) != SC_OK) | rc;
}

static int run_h5(const char *path, int compress)
{
    hid_t f = H5Fcreate(path, H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (f < 0)
        return 1;
    hid_t *ds = malloc(2 * (size_t)n_series * sizeof *ds);
    hsize_t zero = 0, unl = H5S_UNLIMITED, chunk = CHUNK;
    hid_t dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_chunk(dcpl, 1, &chunk);
    if (compress) {
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 4);
    }
    H5Pset_obj_track_times(dcpl, 0);
    hid_t space = H5Screate_simple(1, &zero, &unl);
    char name[64];
    for (int s = 0; s < n_series; s++) {
        snprintf(name, sizeof name, "t%d", s);
        ds[2 * s] = H5Dcreate2(f, name, H5T_NATIVE_INT64, space, H5P_DEFAULT, dcpl, H5P_DEFAULT);
        snprintf(name, sizeof name, "v%d", s);
        ds[2 * s + 1] = H5Dcreate2(f, name, H5T_NATIVE_DOUBLE, space, H5P_DEFAULT, dcpl,
                                   H5P_DEFAULT);
    }
    H5Sclose(space);
    H5Pclose(dcpl);
    int rc = 0;
    for (int k0 = 0; k0 < n_samples && !rc; k0 += block) {
        hsize_t n = (hsize_t)(n_samples - k0 < block ? n_samples - k0 : block);
        hsize_t off = (hsize_t)k0, ext = off + n;
        hid_t mem = H5Screate_simple(1, &n, NULL);
        for (int s = 0; s < n_series && !rc; s++)
            for (int j = 0; j < 2 && !rc; j++) {
                hid_t d = ds[2 * s + j];
                if (H5Dset_extent(d, &ext) < 0) {
                    rc = 1;
                    break;
                }
                hid_t fs = H5Dget_space(d);
                H5Sselect_hyperslab(fs, H5S_SELECT_SET, &off, NULL, &n, NULL);
                const void *buf = j ? (const void *)(V + (size_t)s * (size_t)n_samples + off)
                                    : (const void *)(T + off);
                if (H5Dwrite(d, j ? H5T_NATIVE_DOUBLE : H5T_NATIVE_INT64, mem, fs, H5P_DEFAULT,
                             buf) < 0)
                    rc = 1;
                H5Sclose(fs);
            }
        H5Sclose(mem);
    }
    for (int i = 0; i < 2 * n_series; i++)
        H5Dclose(ds[i]);
    free(ds);
    H5Fclose(f);
    return rc;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

int main(int argc, char **argv)
{
    int repeat = 3;
    static const struct option opts[] = {{"series", required_argument, NULL, 's'},
                                         {"samples", required_argument, NULL, 'n'},
                                         {"block", required_argument, NULL, 'b'},
                                         {"repeat", required_argument, NULL, 'r'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 's': n_series = atoi(optarg); break;
        case 'n': n_samples = atoi(optarg); break;
        case 'b': block = atoi(optarg); break;
        case 'r': repeat = atoi(optarg); break;
        default:
            fprintf(stderr, "usage: bench_ingest [--series N] [--samples N] [--block N] "
                            "[--repeat N]\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (n_series < 1 || n_series > 100000 || n_samples < 1 || block < 1 || repeat < 1 ||
        repeat > 15) {
        fprintf(stderr, "bench_ingest: bad sizes\n");
        return 2;
    }
    if (sc_global_init() != SC_OK)
        return 1;
    fill();
    const char *tmp = getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp";
    char path[1024];
    snprintf(path, sizeof path, "%s/bench-ingest-%d.h5", tmp, (int)getpid());
    double total = (double)n_series * (double)n_samples;
    printf("bench_ingest: %d series x %d samples = %.0f samples, %d per append per series, "
           "median of %d\n",
           n_series, n_samples, total, block, repeat);
    printf("%-10s %14s %14s %10s\n", "variant", "samples/s wall", "samples/s CPU", "MiB");
    const char *names[4] = {"sculpt", "sculpt-app", "h5", "h5-raw"};
    for (int v = 0; v < 4; v++) {
        double w[15], c[15], size = 0;
        for (int r = 0; r < repeat; r++) {
            unlink(path);
            double w0 = now_s(), c0 = cpu_s();
            int rc = v == 0   ? run_sculpt(path)
                     : v == 1 ? run_appender(path)
                              : run_h5(path, v == 2);
            w[r] = now_s() - w0;
            c[r] = cpu_s() - c0;
            if (rc) {
                fprintf(stderr, "bench_ingest: %s failed\n", names[v]);
                unlink(path);
                return 1;
            }
            struct stat st;
            if (stat(path, &st) == 0)
                size = (double)st.st_size / 1048576.0;
        }
        qsort(w, (size_t)repeat, sizeof *w, cmp);
        qsort(c, (size_t)repeat, sizeof *c, cmp);
        printf("%-10s %14.3g %14.3g %10.1f\n", names[v], total / w[repeat / 2],
               total / c[repeat / 2], size);
    }
    unlink(path);
    free(T);
    free(V);
    return 0;
}
