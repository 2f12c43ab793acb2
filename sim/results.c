/*
 * results.c - writes the results file (layout in results.h).
 */
#include "results.h"

#include <hdf5.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/fsutil.h"
#include "sculpt/version.h"

typedef struct h5w {
    hid_t gcpl;   /* group creation: no time tracking */
    hid_t dcpl;   /* dataset creation: no time tracking */
    int failed;
} h5w;

static hid_t make_group(h5w *h, hid_t parent, const char *name)
{
    hid_t g = H5Gcreate2(parent, name, H5P_DEFAULT, h->gcpl, H5P_DEFAULT);
    if (g < 0)
        h->failed = 1;
    return g;
}

static void attr_str(h5w *h, hid_t obj, const char *name, const char *val)
{
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, strlen(val) ? strlen(val) : 1);
    H5Tset_strpad(t, H5T_STR_NULLTERM);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, t, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, t, strlen(val) ? val : "") < 0)
        h->failed = 1;
    H5Aclose(a);
    H5Sclose(s);
    H5Tclose(t);
}

static void attr_num(h5w *h, hid_t obj, const char *name, hid_t type, const void *val)
{
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t a = H5Acreate2(obj, name, type, s, H5P_DEFAULT, H5P_DEFAULT);
    if (a < 0 || H5Awrite(a, type, val) < 0)
        h->failed = 1;
    H5Aclose(a);
    H5Sclose(s);
}

static void attr_f64(h5w *h, hid_t obj, const char *name, double v)
{
    attr_num(h, obj, name, H5T_NATIVE_DOUBLE, &v);
}

static void attr_i64(h5w *h, hid_t obj, const char *name, int64_t v)
{
    attr_num(h, obj, name, H5T_NATIVE_INT64, &v);
}

static void write_1d(h5w *h, hid_t parent, const char *name, hid_t mem, hid_t file,
                     const void *data, hsize_t n, int compress)
{
    hid_t s = H5Screate_simple(1, &n, NULL);
    hid_t dcpl = H5Pcopy(h->dcpl);
    if (compress && n > 0) {
        hsize_t chunk = n < 4096 ? n : 4096;
        H5Pset_chunk(dcpl, 1, &chunk);
        H5Pset_shuffle(dcpl);
        H5Pset_deflate(dcpl, 4);
    }
    hid_t d = H5Dcreate2(parent, name, file, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
    if (d < 0 || (n > 0 && H5Dwrite(d, mem, H5S_ALL, H5S_ALL, H5P_DEFAULT, data) < 0))
        h->failed = 1;
    H5Dclose(d);
    H5Pclose(dcpl);
    H5Sclose(s);
}

static void write_string(h5w *h, hid_t parent, const char *name, const char *text)
{
    size_t len = strlen(text);
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, len ? len : 1);
    hid_t s = H5Screate(H5S_SCALAR);
    hid_t d = H5Dcreate2(parent, name, t, s, H5P_DEFAULT, h->dcpl, H5P_DEFAULT);
    if (d < 0 || H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, len ? text : "") < 0)
        h->failed = 1;
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
}

/* A list of names as a fixed-length string array. */
static void write_names(h5w *h, hid_t parent, const char *dname, const char *base,
                        size_t stride, size_t n)
{
    size_t w = 1;
    for (size_t i = 0; i < n; i++) {
        size_t l = strlen(base + i * stride);
        if (l > w)
            w = l;
    }
    char *buf = calloc(n ? n : 1, w);
    if (!buf) {
        h->failed = 1;
        return;
    }
    for (size_t i = 0; i < n; i++)
        memcpy(buf + i * w, base + i * stride, strlen(base + i * stride));
    hid_t t = H5Tcopy(H5T_C_S1);
    H5Tset_size(t, w);
    H5Tset_strpad(t, H5T_STR_NULLPAD);
    hsize_t dim = n;
    hid_t s = H5Screate_simple(1, &dim, NULL);
    hid_t d = H5Dcreate2(parent, dname, t, s, H5P_DEFAULT, h->dcpl, H5P_DEFAULT);
    if (d < 0 || (n && H5Dwrite(d, t, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0))
        h->failed = 1;
    H5Dclose(d);
    H5Sclose(s);
    H5Tclose(t);
    free(buf);
}

static void write_summary_attrs(h5w *h, hid_t g, const sc_run_summary *s)
{
    attr_str(h, g, "policy", s->policy);
    attr_str(h, g, "label", s->label);
    attr_f64(h, g, "cost_usd", s->cost_usd);
    attr_f64(h, g, "cost_on_demand_usd", s->cost_by_option[SC_PURCHASE_ONDEMAND]);
    attr_f64(h, g, "cost_reserved_usd", s->cost_by_option[SC_PURCHASE_RESERVED]);
    attr_f64(h, g, "cost_spot_usd", s->cost_by_option[SC_PURCHASE_SPOT]);
    attr_f64(h, g, "egress_usd", s->egress_usd);
    attr_f64(h, g, "penalty_usd", s->penalty_usd);
    attr_f64(h, g, "penalised_cost_usd", s->penalised_cost_usd);
    attr_f64(h, g, "slo_attainment", s->slo_attainment);
    attr_f64(h, g, "violation_minutes", s->violation_minutes);
    attr_f64(h, g, "unserved_fraction", s->unserved_fraction);
    attr_f64(h, g, "idle_capacity_hours", s->idle_capacity_hours);
    attr_f64(h, g, "demand_unit_hours", s->demand_unit_hours);
    attr_f64(h, g, "instance_hours", s->instance_hours);
    attr_i64(h, g, "actions", s->actions);
    attr_i64(h, g, "launches", s->launches);
    attr_i64(h, g, "refused", s->refused);
    attr_i64(h, g, "throttled", s->throttled);
    attr_i64(h, g, "interruptions", s->interruptions);
    attr_i64(h, g, "decisions", s->decisions);
}

static void write_run(h5w *h, hid_t runs, const sc_world *w, const sc_run *run)
{
    const sc_scenario *sc = w->sc;
    hid_t g = make_group(h, runs, run->sum.label);
    if (g < 0)
        return;
    write_summary_attrs(h, g, &run->sum);
    /* decision log */
    {
        hsize_t dims[2] = {run->n_log, 8};
        int64_t *buf = malloc((run->n_log ? run->n_log : 1) * 8 * sizeof *buf);
        if (!buf) {
            h->failed = 1;
        } else {
            for (size_t i = 0; i < run->n_log; i++) {
                const sc_action_log *l = &run->log[i];
                int64_t row[8] = {l->t, l->app, l->region, l->type,
                                  l->kind, l->option, l->count, l->accepted};
                memcpy(buf + i * 8, row, sizeof row);
            }
            hid_t s = H5Screate_simple(2, dims, NULL);
            hid_t dcpl = H5Pcopy(h->dcpl);
            if (run->n_log > 0) {
                hsize_t chunk[2] = {run->n_log < 1024 ? run->n_log : 1024, 8};
                H5Pset_chunk(dcpl, 2, chunk);
                H5Pset_deflate(dcpl, 4);
            }
            hid_t d = H5Dcreate2(g, "actions", H5T_STD_I64LE, s, H5P_DEFAULT, dcpl, H5P_DEFAULT);
            if (d < 0 || (run->n_log &&
                          H5Dwrite(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0))
                h->failed = 1;
            if (d >= 0)
                attr_str(h, d, "columns", "t,app,region,type,kind,option,count,accepted");
            H5Dclose(d);
            H5Pclose(dcpl);
            H5Sclose(s);
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

sc_status sc_results_write(const char *path, const sc_world *w, sc_run *const *runs,
                           size_t n_runs, sc_error *err)
{
    const sc_scenario *sc = w->sc;
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st)
        return st;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    h5w h = {0};
    h.gcpl = H5Pcreate(H5P_GROUP_CREATE);
    h.dcpl = H5Pcreate(H5P_DATASET_CREATE);
    H5Pset_obj_track_times(h.gcpl, 0);
    H5Pset_obj_track_times(h.dcpl, 0);
    hid_t fcpl = H5Pcreate(H5P_FILE_CREATE);
    H5Pset_obj_track_times(fcpl, 0);
    hid_t f = H5Fcreate(af.tmp, H5F_ACC_TRUNC, fcpl, H5P_DEFAULT);
    H5Pclose(fcpl);
    if (f < 0) {
        H5Pclose(h.gcpl);
        H5Pclose(h.dcpl);
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot create results file");
    }
    char hash[32];
    snprintf(hash, sizeof hash, "%016" PRIx64, sc->hash);
    attr_str(&h, f, "schema", SC_RESULTS_SCHEMA);
    attr_i64(&h, f, "schema_version", SC_RESULTS_SCHEMA_VERSION);
    attr_str(&h, f, "sculpt_version", SC_VERSION);
    attr_str(&h, f, "git_commit", SC_GIT_COMMIT);
    attr_str(&h, f, "scenario_name", sc->name);
    attr_str(&h, f, "scenario_hash", hash);
    {
        uint64_t seed = sc->seed;
        attr_num(&h, f, "seed", H5T_NATIVE_UINT64, &seed);
    }
    attr_i64(&h, f, "step_ms", sc->step_ms);
    attr_i64(&h, f, "warmup_steps", w->warmup_steps);
    attr_i64(&h, f, "n_steps", w->n_steps);
    write_string(&h, f, "scenario", sc->source_json ? sc->source_json : "");
    {
        int64_t *t = malloc((size_t)(w->n_steps ? w->n_steps : 1) * sizeof *t);
        if (!t) {
            h.failed = 1;
        } else {
            for (int64_t k = 0; k < w->n_steps; k++)
                t[k] = sc->start + k * sc->step_ms;
            write_1d(&h, f, "time", H5T_NATIVE_INT64, H5T_STD_I64LE, t, (hsize_t)w->n_steps, 1);
            free(t);
        }
    }
    write_names(&h, f, "apps", sc->apps[0].name, sizeof(sc_app), sc->n_apps);
    write_names(&h, f, "regions", sc->regions[0].name, sizeof(sc_region), sc->n_regions);
    write_names(&h, f, "geos", sc->geos[0].name, sizeof(sc_geo), sc->n_geos);
    hid_t rg = make_group(&h, f, "runs");
    for (size_t i = 0; i < n_runs && rg >= 0; i++)
        write_run(&h, rg, w, runs[i]);
    if (rg >= 0)
        H5Gclose(rg);
    H5Pclose(h.gcpl);
    H5Pclose(h.dcpl);
    if (H5Fclose(f) < 0)
        h.failed = 1;
    if (h.failed) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot write results (disk full?)");
    }
    return sc_atomic_commit(&af, err);
}
