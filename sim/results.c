/*
 * results.c - writes and reads results files (layouts in results.h).
 *
 * The RUN LAYOUT (one scenario and its policy runs) is written by write_layout() into
 * any group: the root of a `sculpt run` file, or /runs/<NNNNNN> of a sweep file, so the
 * two kinds of file hold the same thing in the same shape.  Everything is written in a
 * fixed order from data already in memory, with object time tracking off, so equal
 * inputs give equal bytes whatever the thread or rank count that produced them.
 *
 * The reader loads summaries only (the attributes of runs/<label>), which is what
 * `sculpt compare` and the summary tables need; per-step series are read on demand.
 */
#define _GNU_SOURCE  /* O_TMPFILE */
#include "results.h"

#include <hdf5.h>
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

#include "sculpt/fsutil.h"
#include "sculpt/version.h"

#include "../core/base/fault.h"
#include "../core/base/h5util.h"
#include "results_schema.h"

typedef struct h5w {
    sc_h5_quiet quiet;   /* the host's HDF5 error printing, restored at close */
    int failed;   /* sticky: any helper failure since the file was created */
} h5w;

static hid_t make_group(h5w *h, hid_t parent, const char *name)
{
    hid_t g = sc_h5_group_create(parent, name);
    if (g < 0)
        h->failed = 1;
    return g;
}

static void attr_str(h5w *h, hid_t obj, const char *name, const char *val)
{
    if (sc_h5_attr_write_str(obj, name, val, SC_H5_STR_EXACT) < 0)
        h->failed = 1;
}

static void attr_num(h5w *h, hid_t obj, const char *name, hid_t type, const void *val)
{
    if (sc_h5_attr_write_num(obj, name, type, type, val) < 0)
        h->failed = 1;
}

static void attr_f64(h5w *h, hid_t obj, const char *name, double v)
{
    attr_num(h, obj, name, H5T_NATIVE_DOUBLE, &v);
}

static void attr_i64(h5w *h, hid_t obj, const char *name, int64_t v)
{
    attr_num(h, obj, name, H5T_NATIVE_INT64, &v);
}

/* Per-step arrays and the time axis: chunks of 4096, shuffle + deflate 4. */
static const sc_h5_dsopt series_opt = {.chunk_rows = 4096, .shuffle = 1, .deflate = 4};

static void write_1d(h5w *h, hid_t parent, const char *name, hid_t mem, hid_t file,
                     const void *data, hsize_t n, int compress)
{
    if (sc_h5_write_nd(parent, name, 1, &n, file, mem, data, compress ? &series_opt : NULL) < 0)
        h->failed = 1;
}

static void write_string(h5w *h, hid_t parent, const char *name, const char *text)
{
    if (sc_h5_write_string(parent, name, text) < 0)
        h->failed = 1;
}

/* A list of C strings as a fixed-length string array (one name per element). */
static void write_strv(h5w *h, hid_t parent, const char *dname, const char *const *v, size_t n)
{
    if (sc_h5_write_strlist(parent, dname, v, n, 0) < 0)
        h->failed = 1;
}

/* The names of n structs of `stride` bytes whose name is at base + i * stride. */
static void write_names(h5w *h, hid_t parent, const char *dname, const char *base,
                        size_t stride, size_t n)
{
    const char **v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        h->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        v[i] = base + i * stride;
    write_strv(h, parent, dname, v, n);
    free(v);
}

/* The summary attributes of runs/<label>: every SC_RF_ATTR row, in table order. */
static void write_summary_attrs(h5w *h, hid_t g, const sc_run_summary *s)
{
    for (int i = 0; i < SC_RESULTS_N_FIELDS; i++) {
        const sc_results_field *f = &sc_results_fields[i];
        if (!(f->flags & SC_RF_ATTR))
            continue;
        switch (f->type) {
        case SC_RF_STR: attr_str(h, g, f->name, sc_results_field_string(s, f)); break;
        case SC_RF_F64: attr_f64(h, g, f->name, sc_results_field_number(s, f)); break;
        case SC_RF_LONG:
            attr_i64(h, g, f->name, (int64_t)*(const long *)((const char *)s + f->offset));
            break;
        }
    }
}

/* Decision log: chunks of 1024 rows, deflate 4. */
static const sc_h5_dsopt log_opt = {.chunk_rows = 1024, .shuffle = 0, .deflate = 4};

/* One decision log entry as its row of the actions dataset. */
static void log_row(const sc_action_log *l, int64_t row[8])
{
    row[0] = l->t;
    row[1] = l->app;
    row[2] = l->region;
    row[3] = l->type;
    row[4] = l->kind;
    row[5] = l->option;
    row[6] = l->count;
    row[7] = l->accepted;
}

/* ---- the decision log spooled to a temporary file ---------------------------------- */

struct sc_log_spool {
    FILE *fp;                /* w+b on the unnamed temporary file (a segment: its file's) */
    char output[4096];       /* the output it sits beside, for messages */
    uint64_t rows;           /* rows written (a file: by all its segments) */
    int err;                 /* errno of the first failure; 0 while healthy */
    /* issue 13, sweeps: a segment of a shared file (sc_log_spool_segment) */
    sc_log_spool *file;      /* the file it is a segment of; NULL: it is a file */
    uint64_t base;           /* the segment's first row in the file */
};

/* An unnamed file in dir: O_TMPFILE where the file system has it, else a name of the
 * atomic-output pattern ("<output>.tmp.<16 hex>", created exclusively without following
 * links, registered for the signal handler) unlinked at once.  -1 with errno set. */
static int spool_fd(const char *output, const char *dir)
{
    if (sc_fault_io(SC_FAULT_IO_OPEN)) {
        errno = EIO;
        return -1;
    }
    int fd = -1;
#ifdef O_TMPFILE
    fd = open(dir, O_TMPFILE | O_RDWR | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0)
        return fd;
#endif
    for (int attempt = 0; attempt < 16; attempt++) {
        uint64_t r = 0;
        if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
            r = ((uint64_t)getpid() << 32) ^ (uint64_t)(uintptr_t)&r ^ (uint64_t)attempt;
        char name[4200];
        snprintf(name, sizeof name, "%s.tmp.%016llx", output, (unsigned long long)r);
        sc_tmp_create_begin(); /* registered before it exists (fsutil.h) */
        int slot = sc_tmp_register(name, 0);
        fd = open(name, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
        int e = errno;
        if (fd >= 0)
            unlink(name);
        sc_tmp_unregister(slot);
        sc_tmp_create_end();
        if (fd < 0 && e == EEXIST)
            continue;
        if (fd < 0) {
            errno = e;
            return -1;
        }
        return fd;
    }
    errno = EEXIST;
    return -1;
}

sc_status sc_log_spool_open(const char *output, sc_log_spool **out, sc_error *err)
{
    *out = NULL;
    char dir[4096];
    if (!output || !*output || strlen(output) + 22 >= sizeof dir)
        return sc_error_set(err, SC_ERR_USAGE, output, "output path empty or too long");
    snprintf(dir, sizeof dir, "%s", output);
    char *slash = strrchr(dir, '/');
    if (!slash)
        snprintf(dir, sizeof dir, ".");
    else
        slash[slash == dir ? 1 : 0] = '\0';
    sc_log_spool *s = calloc(1, sizeof *s);
    if (!s)
        return sc_error_set(err, SC_ERR_NOMEM, output, "out of memory");
    snprintf(s->output, sizeof s->output, "%s", output);
    int fd = spool_fd(output, dir);
    if (fd < 0) {
        int e = errno;
        free(s);
        return sc_error_set(err, SC_ERR_IO, output, "cannot create a file in %s: %s", dir,
                            strerror(e));
    }
    s->fp = fdopen(fd, "w+b");
    if (!s->fp) {
        close(fd);
        free(s);
        return sc_error_set(err, SC_ERR_NOMEM, output, "out of memory");
    }
    *out = s;
    return SC_OK;
}

sc_status sc_log_spool_segment(sc_log_spool *file, sc_log_spool **out, sc_error *err)
{
    *out = NULL;
    if (!file || file->file)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "a spool segment needs a spool file");
    sc_log_spool *s = calloc(1, sizeof *s);
    if (!s)
        return sc_error_set(err, SC_ERR_NOMEM, file->output, "out of memory");
    snprintf(s->output, sizeof s->output, "%s", file->output);
    s->fp = file->fp;
    s->file = file;
    s->base = file->rows;
    *out = s;
    return SC_OK;
}

int sc_log_spool_sink(void *ctx, const sc_action_log *entries, size_t n)
{
    sc_log_spool *s = ctx;
    if (s->file) { /* a segment: rows go to the end of its file, which is its end */
        if (s->file->err || s->file->rows != s->base + s->rows) {
            s->err = s->file->err ? s->file->err : EINVAL;
            return -1;
        }
        int rc = sc_log_spool_sink(s->file, entries, n);
        s->rows = s->file->rows - s->base;
        if (rc)
            s->err = s->file->err;
        return rc;
    }
    if (s->err || !s->fp)
        return -1;
    int64_t buf[256 * 8];
    for (size_t i = 0; i < n;) {
        size_t k = 0;
        for (; k < 256 && i < n; k++, i++)
            log_row(&entries[i], buf + k * 8);
        errno = 0;
        if (fwrite(buf, 8 * sizeof *buf, k, s->fp) != k) {
            s->err = errno ? errno : EIO;
            return -1;
        }
        s->rows += k;
    }
    return 0;
}

sc_status sc_log_spool_check(const sc_log_spool *s, sc_error *err)
{
    if (!s || !s->err)
        return SC_OK;
    return sc_error_set(err, SC_ERR_IO, s->output,
                        "cannot write the decision log's temporary file: %s", strerror(s->err));
}

sc_status sc_log_spool_close(sc_log_spool *s, sc_error *err)
{
    if (!s || !s->fp || s->file)
        return SC_OK;
    int r = fclose(s->fp);
    int e = errno;
    s->fp = NULL;
    if (r != 0)
        return sc_error_set(err, SC_ERR_IO, s->output,
                            "cannot close the decision log's temporary file: %s", strerror(e));
    return SC_OK;
}

void sc_log_spool_free(sc_log_spool *s)
{
    if (!s)
        return;
    if (s->fp && !s->file)
        fclose(s->fp);   /* the file has no name: closing removes it */
    free(s);
}

/* Rows of the spool copied into the dataset per H5Dwrite: 16 chunks (1 MiB). */
#define SPOOL_BLOCK_ROWS ((hsize_t)16 * 1024)

/* The actions dataset from a spool of n rows, copied in blocks of whole chunks (each
 * chunk written once, in order, as one whole-dataset write does: the same bytes).
 * Returns the open dataset or -1. */
static hid_t write_log_spooled(hid_t g, sc_log_spool *s, hsize_t n)
{
    hsize_t dims[2] = {n, 8};
    if (!s->fp || s->err || s->rows != n || (s->file && s->file->err))
        return -1;
    uint64_t base = s->base; /* rows before the segment (0 for a whole file) */
    errno = 0;
    if (fflush(s->fp) != 0) {
        s->err = errno ? errno : EIO;
        return -1;
    }
    if (n == 0) {
        int64_t none = 0;
        return sc_h5_write_nd_open(g, "actions", 2, dims, H5T_STD_I64LE, H5T_NATIVE_INT64,
                                   &none, &log_opt);
    }
    hsize_t blk = n < SPOOL_BLOCK_ROWS ? n : SPOOL_BLOCK_ROWS;
    int64_t *buf = malloc((size_t)blk * 8 * sizeof *buf);
    hid_t fs = H5Screate_simple(2, dims, NULL), dcpl = sc_h5_dcpl(), d = -1, ms = -1;
    hsize_t chunk[2] = {n < log_opt.chunk_rows ? n : log_opt.chunk_rows, 8};
    int ok = buf && fs >= 0 && dcpl >= 0 && H5Pset_chunk(dcpl, 2, chunk) >= 0 &&
             H5Pset_deflate(dcpl, (unsigned)log_opt.deflate) >= 0 &&
             (d = H5Dcreate2(g, "actions", H5T_STD_I64LE, fs, H5P_DEFAULT, dcpl,
                             H5P_DEFAULT)) >= 0;
    int fd = fileno(s->fp);
    for (hsize_t r0 = 0; ok && r0 < n; r0 += blk) {
        hsize_t rows = n - r0 < blk ? n - r0 : blk;
        size_t bytes = (size_t)rows * 8 * sizeof *buf, got = 0;
        while (got < bytes) {
            ssize_t k = pread(fd, (char *)buf + got, bytes - got,
                              (off_t)((base + r0) * 8 * sizeof *buf + got));
            if (k <= 0) {
                if (k < 0 && errno == EINTR)
                    continue;
                ok = 0;
                break;
            }
            got += (size_t)k;
        }
        hsize_t start[2] = {r0, 0}, count[2] = {rows, 8};
        ok = ok && (ms = H5Screate_simple(2, count, NULL)) >= 0 &&
             H5Sselect_hyperslab(fs, H5S_SELECT_SET, start, NULL, count, NULL) >= 0 &&
             H5Dwrite(d, H5T_NATIVE_INT64, ms, fs, H5P_DEFAULT, buf) >= 0;
        sc_h5_close(ms);
        ms = -1;
    }
    if (!ok) {
        sc_h5_close(d);
        d = -1;
    }
    sc_h5_close(dcpl);
    sc_h5_close(fs);
    free(buf);
    return d;
}

static void write_run(h5w *h, hid_t runs, const sc_scenario *sc, const sc_run *run,
                      sc_log_spool *spool)
{
    hid_t g = make_group(h, runs, run->sum.label);
    if (g < 0)
        return;
    write_summary_attrs(h, g, &run->sum);
    /* decision log: from the run's memory, or copied from its spool */
    if (spool) {
        hid_t d = write_log_spooled(g, spool, (hsize_t)run->n_log_streamed);
        /* the spool is consumed: closed (so removed) here, its failure the write's (a
         * segment's file is closed by its owner, sc_log_spool_free) */
        errno = 0;
        if (spool->fp && !spool->file && fclose(spool->fp) != 0 && !spool->err)
            spool->err = errno ? errno : EIO;
        spool->fp = NULL;
        if (d < 0 || spool->err)
            h->failed = 1;
        else
            attr_str(h, d, "columns", "t,app,region,type,kind,option,count,accepted");
        sc_h5_close(d);
    } else {
        hsize_t dims[2] = {run->n_log, 8};
        int64_t *buf = malloc((run->n_log ? run->n_log : 1) * 8 * sizeof *buf);
        if (!buf) {
            h->failed = 1;
        } else {
            for (size_t i = 0; i < run->n_log; i++)
                log_row(&run->log[i], buf + i * 8);
            hid_t d = sc_h5_write_nd_open(g, "actions", 2, dims, H5T_STD_I64LE,
                                          H5T_NATIVE_INT64, buf, &log_opt);
            if (d < 0)
                h->failed = 1;
            else
                attr_str(h, d, "columns", "t,app,region,type,kind,option,count,accepted");
            sc_h5_close(d);
            free(buf);
        }
    }
    if (run->per_step) {
        hid_t sg = make_group(h, g, "series");
        for (size_t a = 0; a < sc->n_apps && sg >= 0; a++) {
            hid_t ag = make_group(h, sg, sc->apps[a].name);
            for (size_t r = 0; r < sc->n_regions && ag >= 0; r++) {
                size_t ar = a * sc->n_regions + r;
                hid_t rg = make_group(h, ag, sc->regions[r].name);
                if (rg < 0)
                    break;
                size_t off = ar * (size_t)run->n_steps;
                hsize_t n = (hsize_t)run->n_steps;
                write_1d(h, rg, "demand", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, run->demand + off, n, 1);
                write_1d(h, rg, "capacity", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, run->capacity + off, n, 1);
                write_1d(h, rg, "served", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, run->served + off, n, 1);
                write_1d(h, rg, "cost", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, run->cost + off, n, 1);
                write_1d(h, rg, "instances", H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, run->instances + off, n, 1);
                /* where each geography is served (issue 11; routed runs only, optional on
                 * read): share.<geo> = the share of the geography's load routed to this
                 * region; route_latency.<geo> in the geography's home region: the worst
                 * latency of its routes in the step, ms (NaN without load) */
                for (size_t gi = 0; run->geo_share && gi < sc->n_geos; gi++) {
                    size_t ag_i = a * sc->n_geos + gi;
                    char dn[SC_NAME_MAX + 32];
                    snprintf(dn, sizeof dn, "share.%s", sc->geos[gi].name);
                    write_1d(h, rg, dn, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE,
                             run->geo_share + (ag_i * run->geo_regions + r) * (size_t)run->n_steps,
                             n, 1);
                    if (sc->geos[gi].home_region != (int)r)
                        continue;
                    snprintf(dn, sizeof dn, "route_latency.%s", sc->geos[gi].name);
                    write_1d(h, rg, dn, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE,
                             run->geo_latency + ag_i * (size_t)run->n_steps, n, 1);
                }
                H5Gclose(rg);
            }
            if (ag >= 0)
                H5Gclose(ag);
        }
        if (sg >= 0)
            H5Gclose(sg);
    }
    H5Gclose(g);
}

/* The RUN LAYOUT of one set, into group g. */
static void write_layout(h5w *h, hid_t g, const sc_results_set *set)
{
    const sc_scenario *sc = set->sc;
    char hash[32];
    snprintf(hash, sizeof hash, "%016" PRIx64, sc->hash);
    attr_str(h, g, "scenario_name", sc->name);
    attr_str(h, g, "scenario_hash", hash);
    {
        uint64_t seed = sc->seed;
        attr_num(h, g, "seed", H5T_NATIVE_UINT64, &seed);
    }
    attr_i64(h, g, "step_ms", sc->step_ms);
    attr_i64(h, g, "warmup_steps", set->warmup_steps);
    attr_i64(h, g, "n_steps", set->n_steps);
    write_string(h, g, "scenario", sc->source_json ? sc->source_json : "");
    {
        int64_t *t = malloc((size_t)(set->n_steps ? set->n_steps : 1) * sizeof *t);
        if (!t) {
            h->failed = 1;
        } else {
            for (int64_t k = 0; k < set->n_steps; k++)
                t[k] = sc->start + k * sc->step_ms;
            write_1d(h, g, "time", H5T_NATIVE_INT64, H5T_STD_I64LE, t, (hsize_t)set->n_steps, 1);
            free(t);
        }
    }
    write_names(h, g, "apps", sc->apps[0].name, sizeof(sc_app), sc->n_apps);
    write_names(h, g, "regions", sc->regions[0].name, sizeof(sc_region), sc->n_regions);
    write_names(h, g, "geos", sc->geos[0].name, sizeof(sc_geo), sc->n_geos);
    hid_t rg = make_group(h, g, "runs");
    for (size_t i = 0; i < set->n_runs && rg >= 0; i++)
        write_run(h, rg, sc, set->runs[i], set->logs ? set->logs[i] : NULL);
    if (rg >= 0)
        H5Gclose(rg);
}

/* Create the temporary file with HDF5's error printing off for our calls; *f < 0 on
 * failure (err set, printing restored). */
static sc_status h5w_open(h5w *h, sc_atomic_file *af, const char *path, hid_t *f,
                          sc_error *err)
{
    *f = -1;
    memset(h, 0, sizeof *h);
    sc_status st = sc_atomic_begin(af, path, err);
    if (st)
        return st;
    sc_h5_quiet_begin(&h->quiet);
    *f = sc_h5_file_create(af->tmp, SC_H5_LIBVER_DEFAULT);
    if (*f < 0) {
        sc_h5_quiet_end(&h->quiet);
        sc_atomic_abort(af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot create results file");
    }
    return SC_OK;
}

static sc_status h5w_close(h5w *h, sc_atomic_file *af, const char *path, hid_t f,
                           sc_error *err)
{
    if (H5Fclose(f) < 0)
        h->failed = 1;
    sc_h5_quiet_end(&h->quiet);
    if (h->failed) {
        sc_atomic_abort(af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot write results (disk full?)");
    }
    return sc_atomic_commit(af, err);
}

sc_status sc_results_write(const char *path, const sc_world *w, sc_run *const *runs,
                           size_t n_runs, sc_error *err)
{
    return sc_results_write_spooled(path, w, runs, NULL, n_runs, err);
}

sc_status sc_results_write_spooled(const char *path, const sc_world *w, sc_run *const *runs,
                                   sc_log_spool *const *logs, size_t n_runs, sc_error *err)
{
    sc_atomic_file af;
    h5w h;
    hid_t f;
    sc_status st = h5w_open(&h, &af, path, &f, err);
    if (st)
        return st;
    attr_str(&h, f, "schema", SC_RESULTS_SCHEMA);
    attr_i64(&h, f, "schema_version", SC_RESULTS_SCHEMA_VERSION);
    attr_str(&h, f, "sculpt_version", SC_VERSION);
    attr_str(&h, f, "git_commit", SC_GIT_COMMIT);
    sc_results_set set = {.sc = w->sc, .n_steps = w->n_steps, .warmup_steps = w->warmup_steps,
                          .runs = runs, .n_runs = n_runs, .logs = logs};
    write_layout(&h, f, &set);
    return h5w_close(&h, &af, path, f, err);
}

/* ---- summary metrics ------------------------------------------------------------- */

/* The m-th SC_RF_SWEEP row of the schema table. */
static const sc_results_field *metric_field(sc_summary_metric m)
{
    int k = 0;
    for (int i = 0; i < SC_RESULTS_N_FIELDS; i++)
        if (sc_results_fields[i].flags & SC_RF_SWEEP) {
            if (k == (int)m)
                return &sc_results_fields[i];
            k++;
        }
    return NULL;
}

const char *sc_summary_metric_name(sc_summary_metric m)
{
    const sc_results_field *f = metric_field(m);
    return f ? f->name : "?";
}

double sc_summary_metric_value(const sc_run_summary *s, sc_summary_metric m)
{
    const sc_results_field *f = metric_field(m);
    return f ? sc_results_field_number(s, f) : NAN;
}

/* ---- sweep file --------------------------------------------------------------------- */

static void write_summary(h5w *h, hid_t f, const sc_sweep_output *o)
{
    hid_t g = make_group(h, f, "summary");
    if (g < 0)
        return;
    size_t n = o->n_rows;
    int64_t *iv = malloc((n ? n : 1) * sizeof *iv);
    double *dv = malloc((n ? n : 1) * sizeof *dv);
    const char **sv = calloc(n ? n : 1, sizeof *sv);
    if (!iv || !dv || !sv) {
        h->failed = 1;
    } else {
        for (size_t i = 0; i < n; i++)
            iv[i] = o->rows[i].setting;
        write_1d(h, g, "setting", H5T_NATIVE_INT64, H5T_STD_I64LE, iv, n, 0);
        for (size_t i = 0; i < n; i++)
            sv[i] = o->rows[i].label;
        write_strv(h, g, "policy", sv, n);
        for (size_t i = 0; i < n; i++)
            sv[i] = o->rows[i].params ? o->rows[i].params : "{}";
        write_strv(h, g, "parameters", sv, n);
        for (size_t i = 0; i < n; i++)
            iv[i] = o->rows[i].n;
        write_1d(h, g, "n", H5T_NATIVE_INT64, H5T_STD_I64LE, iv, n, 0);
        for (int m = 0; m < SC_SUMMARY_METRICS; m++) {
            char name[64];
            for (size_t i = 0; i < n; i++)
                dv[i] = o->rows[i].mean[m];
            snprintf(name, sizeof name, "%s_mean", sc_summary_metric_name((sc_summary_metric)m));
            write_1d(h, g, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dv, n, 0);
            for (size_t i = 0; i < n; i++)
                dv[i] = o->rows[i].ci95[m];
            snprintf(name, sizeof name, "%s_ci95", sc_summary_metric_name((sc_summary_metric)m));
            write_1d(h, g, name, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, dv, n, 0);
        }
    }
    free(iv);
    free(dv);
    free(sv);
    H5Gclose(g);
}

sc_status sc_results_write_sweep(const char *path, const sc_sweep_output *o, sc_error *err)
{
    sc_atomic_file af;
    h5w h;
    hid_t f;
    sc_status st = h5w_open(&h, &af, path, &f, err);
    if (st)
        return st;
    char hash[32];
    snprintf(hash, sizeof hash, "%016" PRIx64, o->hash);
    attr_str(&h, f, "schema", SC_SWEEP_SCHEMA);
    attr_i64(&h, f, "schema_version", SC_SWEEP_SCHEMA_VERSION);
    attr_str(&h, f, "sculpt_version", SC_VERSION);
    attr_str(&h, f, "git_commit", SC_GIT_COMMIT);
    attr_str(&h, f, "sweep_name", o->name);
    attr_str(&h, f, "sweep_hash", hash);
    {
        uint64_t seed = o->base_seed;
        attr_num(&h, f, "base_seed", H5T_NATIVE_UINT64, &seed);
    }
    size_t n_runs = o->n_settings * o->n_replicates;
    attr_i64(&h, f, "n_axes", (int64_t)o->n_axes);
    attr_i64(&h, f, "n_settings", (int64_t)o->n_settings);
    attr_i64(&h, f, "n_replicates", (int64_t)o->n_replicates);
    attr_i64(&h, f, "n_runs", (int64_t)n_runs);
    write_string(&h, f, "sweep", o->source_text ? o->source_text : "");
    write_strv(&h, f, "axes", o->axes, o->n_axes);
    write_strv(&h, f, "settings", o->settings, o->n_settings);
    hid_t rg = make_group(&h, f, "runs");
    for (size_t i = 0; i < n_runs && rg >= 0 && !h.failed; i++) {
        char name[32];
        snprintf(name, sizeof name, "%06zu", i);
        hid_t g = make_group(&h, rg, name);
        if (g < 0)
            break;
        size_t setting = i / o->n_replicates, rep = i % o->n_replicates;
        attr_i64(&h, g, "run_index", (int64_t)i);
        attr_i64(&h, g, "setting", (int64_t)setting);
        attr_i64(&h, g, "replicate", (int64_t)rep);
        attr_str(&h, g, "parameters", o->settings[setting]);
        write_layout(&h, g, &o->runs[i]);
        H5Gclose(g);
    }
    if (rg >= 0)
        H5Gclose(rg);
    write_summary(&h, f, o);
    return h5w_close(&h, &af, path, f, err);
}

/* ---- reading ------------------------------------------------------------------------ */

/* A string attribute (fixed or variable length, bounded by the file size) as a malloc'd
 * string, NULL when absent or unreadable. */
static char *rd_attr_str(hid_t obj, const char *name)
{
    char *out = NULL;
    return sc_h5_attr_read_str(obj, name, &out) == 0 ? out : NULL;
}

static int rd_attr_num(hid_t obj, const char *name, hid_t mem, void *out)
{
    return sc_h5_attr_read_num(obj, name, mem, out) == 0 ? 0 : -1;
}

typedef struct rd {
    const char *path;
    sc_error *err;
    sc_results_file *f;
    size_t cap;
} rd;

static sc_status rd_fail(rd *r, const char *obj, const char *what)
{
    char where[1200];
    snprintf(where, sizeof where, "%s: %s", r->path, obj);
    return sc_error_set(r->err, SC_ERR_INPUT, where, "%s", what);
}

#define RD_I64(obj, objname, name, dst)                                                  \
    do {                                                                                 \
        if (rd_attr_num(obj, name, H5T_NATIVE_INT64, dst) < 0) {                         \
            st = rd_fail(r, objname, "missing or unreadable integer attribute '" name "'"); \
            goto done;                                                                   \
        }                                                                                \
    } while (0)

/* The summary attributes of one run group: every SC_RF_ATTR row of the schema table. */
static sc_status rd_summary(rd *r, hid_t g, const char *gname, sc_run_summary *s)
{
    for (int i = 0; i < SC_RESULTS_N_FIELDS; i++) {
        const sc_results_field *f = &sc_results_fields[i];
        if (!(f->flags & SC_RF_ATTR))
            continue;
        char *p = (char *)s + f->offset;
        char msg[160];
        int rc;
        switch (f->type) {
        case SC_RF_STR: {
            char *v = NULL;
            rc = sc_h5_attr_read_str(g, f->name, &v);
            if (rc == 0)
                snprintf(p, SC_NAME_MAX, "%s", v);
            free(v);
            snprintf(msg, sizeof msg, "missing string attribute '%s'", f->name);
            break;
        }
        case SC_RF_F64:
            rc = sc_h5_attr_read_num(g, f->name, H5T_NATIVE_DOUBLE, p);
            if (rc == -1 && (f->flags & SC_RF_OPTIONAL)) {
                *(double *)p = NAN;
                rc = 0;
            }
            snprintf(msg, sizeof msg, "missing or unreadable number attribute '%s'", f->name);
            break;
        default: {
            int64_t v = 0;
            rc = sc_h5_attr_read_num(g, f->name, H5T_NATIVE_INT64, &v);
            *(long *)p = (long)v;
            snprintf(msg, sizeof msg, "missing or unreadable integer attribute '%s'", f->name);
            break;
        }
        }
        if (rc != 0)
            return rd_fail(r, gname, msg);
    }
    return SC_OK;
}

/* Name of child k of g (by name order), malloc'd. */
static char *child_name(hid_t g, hsize_t k)
{
    ssize_t len = H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, k, NULL, 0, H5P_DEFAULT);
    if (len < 0)
        return NULL;
    char *name = calloc((size_t)len + 1, 1);
    if (name &&
        H5Lget_name_by_idx(g, ".", H5_INDEX_NAME, H5_ITER_INC, k, name, (size_t)len + 1,
                           H5P_DEFAULT) < 0) {
        free(name);
        return NULL;
    }
    return name;
}

/* Read the RUN LAYOUT in group g (named gname) into entries sharing `proto`. */
static sc_status rd_layout(rd *r, hid_t g, const char *gname, const sc_results_entry *proto)
{
    sc_status st = SC_OK;
    sc_results_entry base = *proto;
    snprintf(base.group, sizeof base.group, "%s", gname);
    hid_t runs = -1;
    RD_I64(g, gname, "n_steps", &base.n_steps);
    RD_I64(g, gname, "warmup_steps", &base.warmup_steps);
    RD_I64(g, gname, "step_ms", &base.step_ms);
    if (rd_attr_num(g, "seed", H5T_NATIVE_UINT64, &base.seed) < 0) {
        st = rd_fail(r, gname, "missing or unreadable integer attribute 'seed'");
        goto done;
    }
    if (H5Lexists(g, "runs", H5P_DEFAULT) <= 0 ||
        (runs = H5Gopen2(g, "runs", H5P_DEFAULT)) < 0) {
        st = rd_fail(r, gname, "no 'runs' group");
        goto done;
    }
    H5G_info_t info;
    if (H5Gget_info(runs, &info) < 0) {
        st = rd_fail(r, gname, "cannot list 'runs'");
        goto done;
    }
    for (hsize_t k = 0; k < info.nlinks; k++) {
        char *name = child_name(runs, k);
        char obj[1200];
        snprintf(obj, sizeof obj, "%s%sruns/%s", gname, strcmp(gname, "/") ? "/" : "",
                 name ? name : "?");
        hid_t pg = name ? H5Gopen2(runs, name, H5P_DEFAULT) : -1;
        free(name);
        if (pg < 0) {
            st = rd_fail(r, obj, "cannot open run group");
            goto done;
        }
        if (r->f->n_entries == r->cap) {
            size_t nc = r->cap ? 2 * r->cap : 16;
            sc_results_entry *ne = realloc(r->f->entries, nc * sizeof *ne);
            if (!ne) {
                H5Gclose(pg);
                st = sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
                goto done;
            }
            r->f->entries = ne;
            r->cap = nc;
        }
        sc_results_entry *e = &r->f->entries[r->f->n_entries];
        *e = base;
        e->params = strdup(proto->params ? proto->params : "{}");
        if (!e->params) {
            H5Gclose(pg);
            st = sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
            goto done;
        }
        r->f->n_entries++;
        st = rd_summary(r, pg, obj, &e->sum);
        H5Gclose(pg);
        if (st)
            goto done;
    }
done:
    if (runs >= 0)
        H5Gclose(runs);
    return st;
}

/* ---- provenance, names, series and the sweep summary (SC_RESULTS_READ_META/SWEEP) ---- */

static const char *const series_names[SC_SERIES_COUNT] = {
#define SC_SERIES_NAME_(id, nm) nm,
    SC_RESULTS_SERIES(SC_SERIES_NAME_)
#undef SC_SERIES_NAME_
};

const char *sc_results_series_name(sc_results_series s)
{
    return (unsigned)s < SC_SERIES_COUNT ? series_names[s] : "?";
}

/* An optional string attribute into buf, "unknown" when absent; out of memory and an
 * attribute that is not one string are errors (they used to read as "unknown": issue
 * 13, found by the fault sweep). */
static sc_status rd_opt_str(rd *r, hid_t obj, const char *objname, const char *name,
                            char *buf, size_t cap)
{
    int rc = sc_h5_attr_read_strbuf(obj, name, buf, cap);
    if (rc == -1)
        snprintf(buf, cap, "unknown");
    if (rc == -3)
        return sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
    if (rc == -2) {
        char msg[160];
        snprintf(msg, sizeof msg, "attribute '%s': expected one string", name);
        return rd_fail(r, objname, msg);
    }
    return SC_OK;
}

/* A list of names: non-empty, without '/', shorter than SC_NAME_MAX. */
static sc_status rd_names(rd *r, hid_t h, const char *dname, char ***out, size_t *n)
{
    char obj[64];
    snprintf(obj, sizeof obj, "/%s", dname);
    int rc = sc_h5_read_strlist(h, dname, out, n);
    if (rc == -3)
        return sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
    if (rc < 0)
        return rd_fail(r, obj, rc == -1 ? "dataset is missing"
                                        : "expected a 1-D string dataset (within the file's size)");
    for (size_t i = 0; i < *n; i++)
        if (!(*out)[i][0] || strlen((*out)[i]) >= SC_NAME_MAX || strchr((*out)[i], '/')) {
            char msg[160];
            snprintf(msg, sizeof msg, "element %zu: expected a non-empty name without '/' of "
                     "at most %d characters", i, SC_NAME_MAX - 1);
            return rd_fail(r, obj, msg);
        }
    return SC_OK;
}

/* Which per-step series each run of a run file holds (entries' series_all/any). */
static void rd_series_masks(rd *r, hid_t h)
{
    const sc_results_meta *m = &r->f->meta;
    for (size_t i = 0; i < r->f->n_entries; i++) {
        sc_results_entry *e = &r->f->entries[i];
        char base[1024], p[2048];
        snprintf(base, sizeof base, "runs/%s/series", e->sum.label);
        e->series_all = e->series_any = 0;
        if (!sc_h5_exists(h, base) || m->n_apps == 0 || m->n_regions == 0)
            continue;
        e->series_all = (1u << SC_SERIES_COUNT) - 1;
        for (size_t a = 0; a < m->n_apps; a++)
            for (size_t k = 0; k < m->n_regions; k++)
                for (int s = 0; s < SC_SERIES_COUNT; s++) {
                    snprintf(p, sizeof p, "%s/%s/%s/%s", base, m->apps[a], m->regions[k],
                             series_names[s]);
                    if (sc_h5_exists(h, p))
                        e->series_any |= 1u << s;
                    else
                        e->series_all &= ~(1u << s);
                }
    }
}

/* The root of a run file: provenance, the time axis, names, the scenario text. */
static sc_status rd_meta_run(rd *r, hid_t h)
{
    sc_results_meta *m = &r->f->meta;
    sc_status st = SC_OK;
    if ((st = rd_opt_str(r, h, "/", "sculpt_version", m->sculpt_version,
                         sizeof m->sculpt_version)) ||
        (st = rd_opt_str(r, h, "/", "git_commit", m->git_commit, sizeof m->git_commit)) ||
        (st = rd_opt_str(r, h, "/", "scenario_name", m->scenario_name,
                         sizeof m->scenario_name)) ||
        (st = rd_opt_str(r, h, "/", "scenario_hash", m->scenario_hash,
                         sizeof m->scenario_hash)))
        return st;
    if (sc_h5_attr_read_num(h, "seed", H5T_NATIVE_UINT64, &m->seed) != 0)
        m->seed = 0;
    RD_I64(h, "/", "n_steps", &m->n_steps);
    RD_I64(h, "/", "step_ms", &m->step_ms);
    RD_I64(h, "/", "warmup_steps", &m->warmup_steps);
    if (m->n_steps < 0 || m->n_steps > ((int64_t)1 << 32) || m->step_ms <= 0 ||
        m->warmup_steps < 0 || m->warmup_steps > m->n_steps) {
        char msg[256];
        snprintf(msg, sizeof msg, "inconsistent n_steps %" PRId64 ", step_ms %" PRId64
                 ", warmup_steps %" PRId64 " (expected 0 <= warmup_steps <= n_steps, "
                 "step_ms > 0)", m->n_steps, m->step_ms, m->warmup_steps);
        return rd_fail(r, "/", msg);
    }
    {
        hsize_t want = (hsize_t)m->n_steps, dims[1];
        void *v = NULL;
        int rc = sc_h5_read_nd(h, "time", H5T_NATIVE_INT64, sizeof(int64_t), 1, &want, dims, &v);
        if (rc == -3)
            return sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
        if (rc < 0) {
            char msg[160];
            snprintf(msg, sizeof msg, "expected a 1-D numeric dataset of n_steps = %" PRId64
                     " elements", m->n_steps);
            return rd_fail(r, "/time", msg);
        }
        m->time_ms = v;
    }
    if ((st = rd_names(r, h, "apps", &m->apps, &m->n_apps)) ||
        (st = rd_names(r, h, "regions", &m->regions, &m->n_regions)))
        goto done;
    if (sc_h5_read_string(h, "scenario", &m->scenario) == -3)
        return sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
    /* geographies: optional (files before issue 11 routing results lack them) */
    if (sc_h5_exists(h, "geos") && (st = rd_names(r, h, "geos", &m->geos, &m->n_geos)))
        goto done;
    rd_series_masks(r, h);
done:
    return st;
}

/* A sweep file's provenance: the root's, and the scenario's from the first run group. */
static sc_status rd_meta_sweep(rd *r, hid_t h)
{
    sc_results_meta *m = &r->f->meta;
    sc_status st;
    if ((st = rd_opt_str(r, h, "/", "sculpt_version", m->sculpt_version,
                         sizeof m->sculpt_version)) ||
        (st = rd_opt_str(r, h, "/", "git_commit", m->git_commit, sizeof m->git_commit)))
        return st;
    snprintf(m->scenario_name, sizeof m->scenario_name, "unknown");
    snprintf(m->scenario_hash, sizeof m->scenario_hash, "unknown");
    if (sc_h5_attr_read_num(h, "base_seed", H5T_NATIVE_UINT64, &m->seed) != 0)
        m->seed = 0;
    hid_t g = sc_h5_exists(h, "runs") ? H5Gopen2(h, "runs", H5P_DEFAULT) : -1;
    if (g >= 0) {
        char *first = child_name(g, 0);
        hid_t rg = first && sc_h5_exists(g, first) ? H5Gopen2(g, first, H5P_DEFAULT) : -1;
        if (rg >= 0) {
            sc_h5_attr_read_strbuf(rg, "scenario_name", m->scenario_name,
                                   sizeof m->scenario_name);
            sc_h5_attr_read_strbuf(rg, "scenario_hash", m->scenario_hash,
                                   sizeof m->scenario_hash);
            if (!m->scenario_name[0])
                snprintf(m->scenario_name, sizeof m->scenario_name, "unknown");
            if (!m->scenario_hash[0])
                snprintf(m->scenario_hash, sizeof m->scenario_hash, "unknown");
            sc_h5_attr_read_num(rg, "step_ms", H5T_NATIVE_INT64, &m->step_ms);
            H5Gclose(rg);
        }
        free(first);
        H5Gclose(g);
    }
    return SC_OK;
}

/* One 1-D numeric column of /summary with exactly n rows. */
static sc_status rd_column(rd *r, hid_t g, const char *name, hid_t mem, void *buf, size_t n)
{
    int rc = sc_h5_read_1d_into(g, name, mem, (hsize_t)n, buf);
    if (rc == 0)
        return SC_OK;
    char obj[128], msg[160];
    snprintf(obj, sizeof obj, "/summary/%s", name);
    snprintf(msg, sizeof msg, rc == -1 ? "dataset is missing"
                                       : "expected a 1-D numeric dataset of %zu rows", n);
    return rd_fail(r, obj, msg);
}

/* The sweep's axes, settings and /summary rows. */
static sc_status rd_sweep(rd *r, hid_t h)
{
    sc_results_sweep *s = &r->f->sweep;
    sc_status st = SC_OK;
    hid_t g = -1;
    char **pol = NULL;
    size_t n_pol = 0;
    int64_t *iv = NULL;
    double *dv = NULL;
    if ((st = rd_opt_str(r, h, "/", "sweep_name", s->name, sizeof s->name)) ||
        (st = rd_opt_str(r, h, "/", "sweep_hash", s->hash, sizeof s->hash)))
        return st;
    if (sc_h5_attr_read_num(h, "base_seed", H5T_NATIVE_UINT64, &s->base_seed) != 0)
        s->base_seed = 0;
    if (sc_h5_attr_read_num(h, "n_settings", H5T_NATIVE_INT64, &s->n_settings) ||
        sc_h5_attr_read_num(h, "n_replicates", H5T_NATIVE_INT64, &s->n_replicates) ||
        s->n_settings < 1 || s->n_replicates < 1 || s->n_settings > 1000000)
        return rd_fail(r, "/", "attributes n_settings and n_replicates must be positive "
                       "integers");
    if (sc_h5_attr_read_num(h, "n_runs", H5T_NATIVE_INT64, &s->n_runs))
        s->n_runs = s->n_settings * s->n_replicates;
    int rc = sc_h5_read_strlist(h, "axes", &s->axes, &s->n_axes);
    if (rc == 0)
        rc = sc_h5_read_strlist(h, "settings", &s->settings, &s->n_settings_listed);
    if (rc == -3)
        return sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
    if (rc < 0)
        return rd_fail(r, "/axes, /settings", "expected 1-D string datasets");
    if (s->n_settings_listed != (size_t)s->n_settings) {
        char msg[160];
        snprintf(msg, sizeof msg, "%zu entries, expected n_settings = %" PRId64,
                 s->n_settings_listed, s->n_settings);
        return rd_fail(r, "/settings", msg);
    }
    if (!sc_h5_exists(h, "summary") || (g = H5Gopen2(h, "summary", H5P_DEFAULT)) < 0)
        return rd_fail(r, "/summary", "group is missing");
    rc = sc_h5_read_strlist(g, "policy", &pol, &n_pol);
    if (rc < 0) {
        st = rc == -3 ? sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory")
                      : rd_fail(r, "/summary/policy", "expected a 1-D string dataset");
        goto done;
    }
    if (n_pol == 0) {
        st = sc_error_set(r->err, SC_ERR_EMPTY, r->path, "/summary: no rows");
        goto done;
    }
    s->rows = calloc(n_pol, sizeof *s->rows);
    iv = malloc(n_pol * sizeof *iv);
    dv = malloc(n_pol * sizeof *dv);
    if (!s->rows || !iv || !dv) {
        st = sc_error_set(r->err, SC_ERR_NOMEM, r->path, "out of memory");
        goto done;
    }
    s->n_rows = n_pol;
    for (size_t i = 0; i < n_pol; i++)
        snprintf(s->rows[i].label, sizeof s->rows[i].label, "%s", pol[i]);
    if ((st = rd_column(r, g, "setting", H5T_NATIVE_INT64, iv, n_pol)))
        goto done;
    for (size_t i = 0; i < n_pol; i++) {
        if (iv[i] < 0 || iv[i] >= s->n_settings) {
            st = sc_error_set(r->err, SC_ERR_INPUT, r->path, "/summary/setting[%zu] = %" PRId64
                              " is not a setting index (0 to %" PRId64 ")", i, iv[i],
                              s->n_settings - 1);
            goto done;
        }
        s->rows[i].setting = iv[i];
        s->rows[i].params = s->settings[iv[i]];
    }
    if ((st = rd_column(r, g, "n", H5T_NATIVE_INT64, iv, n_pol)))
        goto done;
    for (size_t i = 0; i < n_pol; i++)
        s->rows[i].n = (long)iv[i];
    for (int m = 0; m < SC_SUMMARY_METRICS; m++)
        for (int c = 0; c < 2; c++) {
            char name[96];
            snprintf(name, sizeof name, "%s_%s", sc_summary_metric_name((sc_summary_metric)m),
                     c ? "ci95" : "mean");
            if ((st = rd_column(r, g, name, H5T_NATIVE_DOUBLE, dv, n_pol)))
                goto done;
            for (size_t i = 0; i < n_pol; i++) {
                if (c)
                    s->rows[i].ci95[m] = dv[i];
                else
                    s->rows[i].mean[m] = dv[i];
            }
        }
done:
    sc_h5_strlist_free(pol, n_pol);
    free(iv);
    free(dv);
    if (g >= 0)
        H5Gclose(g);
    return st;
}

void sc_results_file_free(sc_results_file *f)
{
    if (!f)
        return;
    for (size_t i = 0; i < f->n_entries; i++)
        free(f->entries[i].params);
    free(f->entries);
    free(f->meta.time_ms);
    sc_h5_strlist_free(f->meta.apps, f->meta.n_apps);
    sc_h5_strlist_free(f->meta.regions, f->meta.n_regions);
    sc_h5_strlist_free(f->meta.geos, f->meta.n_geos);
    free(f->meta.scenario);
    sc_h5_strlist_free(f->sweep.axes, f->sweep.n_axes);
    sc_h5_strlist_free(f->sweep.settings, f->sweep.n_settings_listed);
    free(f->sweep.rows);
    free(f);
}

sc_status sc_results_open(const char *path, unsigned what, sc_results_file **out, sc_error *err)
{
    *out = NULL;
    sc_results_file *f = calloc(1, sizeof *f);
    if (!f)
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    sc_h5_quiet quiet;
    sc_h5_quiet_begin(&quiet);
    snprintf(f->path, sizeof f->path, "%s", path);
    rd rr = {.path = path, .err = err, .f = f}, *r = &rr;
    sc_status st = SC_OK;
    char *schema = NULL;
    hid_t runs = -1;
    hid_t h = -1;
    /* a results file may come from elsewhere: libhdf5 reads it in a child first
     * (issue 13, item 2; core/base/h5probe.c) */
    if ((st = sc_h5_probe_check(path, err)))
        goto done;
    h = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (h < 0) {
        FILE *fp = fopen(path, "rb");
        if (!fp) {
            st = sc_error_set(err, SC_ERR_IO, path, "cannot open the results file");
        } else {
            fclose(fp);
            st = sc_error_set(err, SC_ERR_INPUT, path, "not an HDF5 file");
        }
        goto done;
    }
    schema = rd_attr_str(h, "schema");
    if (!schema) {
        st = rd_fail(r, "/", "no 'schema' attribute: not a sculpt results file");
        goto done;
    }
    snprintf(f->schema, sizeof f->schema, "%s", schema);
    RD_I64(h, "/", "schema_version", &f->schema_version);
    if (strcmp(schema, SC_RESULTS_SCHEMA) == 0) {
        f->n_settings = f->n_replicates = 1;
        sc_results_entry proto = {.params = "{}"};
        if (what & SC_RESULTS_READ_RUNS)
            st = rd_layout(r, h, "/", &proto);
        if (!st && (what & SC_RESULTS_READ_META))
            st = rd_meta_run(r, h);
    } else if (strcmp(schema, SC_SWEEP_SCHEMA) == 0) {
        f->is_sweep = 1;
        int64_t ns, nrep;
        RD_I64(h, "/", "n_settings", &ns);
        RD_I64(h, "/", "n_replicates", &nrep);
        f->n_settings = (size_t)ns;
        f->n_replicates = (size_t)nrep;
        if (!st && (what & SC_RESULTS_READ_META))
            st = rd_meta_sweep(r, h);
        if (!st && (what & SC_RESULTS_READ_SWEEP))
            st = rd_sweep(r, h);
        if (st || !(what & SC_RESULTS_READ_RUNS))
            goto done;
        if (H5Lexists(h, "runs", H5P_DEFAULT) <= 0 ||
            (runs = H5Gopen2(h, "runs", H5P_DEFAULT)) < 0) {
            st = rd_fail(r, "/", "no 'runs' group");
            goto done;
        }
        H5G_info_t info;
        if (H5Gget_info(runs, &info) < 0) {
            st = rd_fail(r, "/runs", "cannot list the runs");
            goto done;
        }
        for (hsize_t k = 0; k < info.nlinks && !st; k++) {
            char *name = child_name(runs, k);
            char gname[64];
            snprintf(gname, sizeof gname, "/runs/%.20s", name ? name : "?");
            hid_t g = name ? H5Gopen2(runs, name, H5P_DEFAULT) : -1;
            free(name);
            if (g < 0) {
                st = rd_fail(r, gname, "cannot open run group");
                goto done;
            }
            sc_results_entry proto = {0};
            char *params = rd_attr_str(g, "parameters");
            if (!params)
                st = rd_fail(r, gname, "missing string attribute 'parameters'");
            if (!st && (rd_attr_num(g, "run_index", H5T_NATIVE_INT64, &proto.run_index) < 0 ||
                        rd_attr_num(g, "setting", H5T_NATIVE_INT64, &proto.setting) < 0 ||
                        rd_attr_num(g, "replicate", H5T_NATIVE_INT64, &proto.replicate) < 0))
                st = rd_fail(r, gname,
                             "missing integer attribute 'run_index', 'setting' or 'replicate'");
            if (!st) {
                proto.params = params;
                st = rd_layout(r, g, gname, &proto);
            }
            free(params);
            H5Gclose(g);
        }
    } else {
        char msg[200];
        snprintf(msg, sizeof msg, "schema '%.60s' is neither '%s' nor '%s'", schema,
                 SC_RESULTS_SCHEMA, SC_SWEEP_SCHEMA);
        st = rd_fail(r, "/", msg);
    }
done:
    if (runs >= 0)
        H5Gclose(runs);
    if (h >= 0)
        H5Fclose(h);
    sc_h5_quiet_end(&quiet);
    free(schema);
    if (st) {
        sc_results_file_free(f);
        return st;
    }
    *out = f;
    return SC_OK;
}

sc_status sc_results_read(const char *path, sc_results_file **out, sc_error *err)
{
    return sc_results_open(path, SC_RESULTS_READ_RUNS, out, err);
}

sc_status sc_results_read_series(const char *path, const char *group, const char *label,
                                 const char *app, const char *region, const char *name,
                                 double **out, size_t *n, sc_error *err)
{
    *out = NULL;
    *n = 0;
    char dpath[2048];
    snprintf(dpath, sizeof dpath, "%s%sruns/%s/series/%s/%s/%s", group,
             group[0] && group[strlen(group) - 1] == '/' ? "" : "/", label, app, region, name);
    sc_h5_quiet quiet;
    sc_h5_quiet_begin(&quiet);
    sc_status st = SC_OK;
    hid_t h = -1;
    if ((st = sc_h5_probe_check(path, err)))
        goto done;
    h = H5Fis_hdf5(path) > 0 ? H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT) : -1;
    if (h < 0) {
        st = sc_error_set(err, SC_ERR_IO, path, "cannot open the results file");
        goto done;
    }
    hsize_t dims[1];
    void *v = NULL;
    int rc = sc_h5_read_nd(h, dpath, H5T_NATIVE_DOUBLE, sizeof(double), 1, NULL, dims, &v);
    if (rc == -1) {
        char where[2200];
        snprintf(where, sizeof where, "%s: %s", path, dpath);
        st = sc_error_set(err, SC_ERR_NOTFOUND, where,
                          "no such series (was the run written with per-step output?)");
    } else if (rc == -3) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    } else if (rc < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "%s: not a readable 1-D numeric series",
                          dpath);
    } else {
        *out = v;
        *n = (size_t)dims[0];
    }
done:
    if (h >= 0)
        H5Fclose(h);
    sc_h5_quiet_end(&quiet);
    return st;
}
