/*
 * world.c - the demand of a scenario laid out per step (see sim.h).
 *
 * Each named trace is read once (synthetic generator, CSV/NAB file or HDF5 store),
 * shifted by its `shift`, resampled to the scenario step from `start` with its rule
 * (default: the peak of finer samples), and checked to cover the whole run.  Gaps inside
 * are carried forward (backward before the first sample): the simulated "true" demand
 * needs a value at every step, and carrying the last observation is what a monitoring
 * system would show.  Then per app and geography: load units L = sum of its load
 * sources (scale * value + offset, clamped at 0), direct resource series R_m likewise,
 * and instance-equivalents E = max over resources of (needs_m * L + R_m) / capacity_m.
 *
 * Two layouts (issue 13), giving the same floats:
 *   - whole run: step arrays [row][step] for the run (tests and `sculpt plan`/live write
 *     or read them).  sc_world_footprint estimates the peak from the sizes and the build
 *     refuses above SC_WORLD_MAX_BYTES before allocating; a trace's values are freed
 *     after the last app that reads them, so traces and step arrays are not both whole.
 *   - windowed: no step arrays; each run's cursor (world_window.h) lays out `window`
 *     steps at a time into rings of window + the policy's declared look-back + 1 steps
 *     (sc_policy_type.lookback_ms; clairvoyant or undeclared: the whole run).  Synthetic
 *     traces without a shift come from the generator by window (sc_gen_stream: each
 *     series keeps its noise stream between windows); the other traces are placed whole
 *     once at build (8 bytes a step each, shared by the runs).  Memory is bounded by
 *     apps x regions x (window + look-back) plus one noise state per generated series,
 *     not by the run's length.  Chosen automatically above SC_WORLD_WINDOW_ABOVE_BYTES
 *     (scenarios that route are laid out whole: their runs copy the history).
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "import.h"
#include "sculpt/tsdb.h"
#include "sim.h"
#include "world_window.h"

#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim: hand freed series back to the system */
#endif

/* A windowed world's sources (issue 13): the traces that cannot be produced by window
 * (read from files, or synthetic with a shift) placed at every step as doubles, and for
 * the others the generator series they are (opened again by each run's cursor). */
struct sc_world_src {
    double **tv;        /* [trace] whole-run values, or NULL when streamed */
    size_t *gen_series; /* [trace] series of the generator, or SIZE_MAX when placed */
    size_t n_traces;
    int any_streamed;
};

static void world_src_free(struct sc_world_src *s)
{
    if (!s)
        return;
    for (size_t i = 0; s->tv && i < s->n_traces; i++)
        free(s->tv[i]);
    free(s->tv);
    free(s->gen_series);
    free(s);
}

void sc_world_free(sc_world *w)
{
    if (!w)
        return;
    free(w->load_ar);
    free(w->ieq_ar);
    free(w->ieq_ag);
    free(w->load_ag);
    free(w->share);
    free(w->unit_cap);
    free(w->type_ieq);
    free(w->app_local);
    free(w->ar_geo_start);
    free(w->ar_geo);
    free(w->arena);
    world_src_free(w->src);
    free(w);
}

static void fmt_time(sc_time_ms t, char *buf)
{
    sc_time_format(t, buf, 32);
}

/* Fill out[0..n_steps) from a regular series (t_bins, v_bins) that starts on the
 * scenario grid.  Errors when the run is not covered. */
static sc_status place_series(const sc_scenario *sc, const sc_trace_ref *tr, int64_t n_steps,
                              const sc_time_ms *tb, const double *vb, size_t nb,
                              double *out, sc_error *err)
{
    sc_time_ms end = sc->start + n_steps * sc->step_ms;
    char where[1100];
    snprintf(where, sizeof where, "%s: trace '%s'", sc->path, tr->name);
    if (nb == 0)
        return sc_error_set(err, SC_ERR_EMPTY, where, "the trace has no samples");
    if (tb[0] > sc->start || tb[nb - 1] + sc->step_ms < end) {
        char a[32], b[32], c[32], d[32];
        fmt_time(tb[0], a);
        fmt_time(tb[nb - 1] + sc->step_ms, b);
        fmt_time(sc->start, c);
        fmt_time(end, d);
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "covers %s .. %s but the scenario runs %s .. %s (move it with "
                            "\"shift\" or shorten the scenario)",
                            a, b, c, d);
    }
    for (int64_t k = 0; k < n_steps; k++)
        out[k] = NAN;
    size_t any = 0;
    for (size_t i = 0; i < nb; i++) {
        int64_t k = (tb[i] - sc->start) / sc->step_ms;
        if (k >= 0 && k < n_steps && vb[i] == vb[i]) {
            out[k] = vb[i];
            any++;
        }
    }
    if (!any)
        return sc_error_set(err, SC_ERR_EMPTY, where,
                            "no non-missing value within the scenario's span");
    double last = NAN;
    for (int64_t k = 0; k < n_steps; k++) {
        if (out[k] == out[k])
            last = out[k];
        else
            out[k] = last;
    }
    double first = NAN;
    for (int64_t k = n_steps - 1; k >= 0; k--) {
        if (out[k] == out[k])
            first = out[k];
        else
            out[k] = first;
    }
    return SC_OK;
}

/* sc_gen_find by binary search: the generator's series are sorted by (app, geo,
 * metric) in strcmp order (gen.h), and the first of equal keys is returned, as
 * sc_gen_find's scan would.  The scan per trace made the whole layout quadratic in the
 * apps (10^5 traces x 10^5 series at 10,000 apps x 10 geos). */
static const sc_gen_series *gen_find_sorted(const sc_gen_result *gen, const char *app,
                                            const char *geo, const char *metric)
{
    size_t lo = 0, hi = gen->n_series;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        const sc_gen_series *x = &gen->series[mid];
        int c = strcmp(x->app, app);
        if (!c)
            c = strcmp(x->geo, geo);
        if (!c)
            c = strcmp(x->metric, metric);
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (lo < gen->n_series) {
        const sc_gen_series *x = &gen->series[lo];
        if (!strcmp(x->app, app) && !strcmp(x->geo, geo) && !strcmp(x->metric, metric))
            return x;
    }
    return NULL;
}

/* Values of a trace at every step of the run: either *direct points into the
 * generator's own series (when it is already on the scenario grid with no gap), or
 * out[0..n_steps) is filled. */
static sc_status load_trace(const sc_scenario *sc, const sc_trace_ref *tr,
                            const sc_gen_result *gen, int64_t n_steps, double *out,
                            const double **direct, size_t *gen_idx, sc_error *err)
{
    *direct = NULL;
    *gen_idx = SIZE_MAX;
    sc_status st = SC_OK;
    sc_time_ms *t = NULL, *tb = NULL;
    double *v = NULL, *vb = NULL;
    size_t n = 0, nb = 0;
    char where[1400];
    if (tr->kind == SC_TRACE_SYNTHETIC) {
        char app[SC_NAME_MAX] = "", geo[SC_NAME_MAX] = "", metric[SC_NAME_MAX] = "load";
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", tr->series);
        char *s1 = strchr(tmp, '/');
        char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
        if (s1) {
            *s1 = '\0';
            if (s2)
                *s2 = '\0';
            snprintf(app, sizeof app, "%s", tmp);
            snprintf(geo, sizeof geo, "%s", s1 + 1);
            if (s2)
                snprintf(metric, sizeof metric, "%s", s2 + 1);
        }
        snprintf(where, sizeof where, "%s: trace '%s'", sc->path, tr->name);
        if (!gen)
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "synthetic trace but the scenario has no \"synthetic\" "
                                "generator spec");
        const sc_gen_series *gs = gen_find_sorted(gen, app, geo, metric);
        if (!gs)
            return sc_error_set(err, SC_ERR_NOTFOUND, where,
                                "the generator spec makes no series '%s' (expected "
                                "app/geo[/metric])",
                                tr->series);
        if (gs->start_ms == sc->start && gs->step_ms == sc->step_ms &&
            gs->n >= (size_t)n_steps && tr->shift_ms == 0) {
            size_t k = 0;
            while (k < (size_t)n_steps && gs->v[k] == gs->v[k])
                k++;
            if (k == (size_t)n_steps) {
                *direct = gs->v;
                *gen_idx = (size_t)(gs - gen->series);
                return SC_OK;
            }
        }
        n = gs->n;
        t = malloc((n ? n : 1) * sizeof *t);
        v = malloc((n ? n : 1) * sizeof *v);
        if (!t || !v) {
            st = sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
            goto done;
        }
        for (size_t i = 0; i < n; i++) {
            t[i] = gs->start_ms + (sc_time_ms)i * gs->step_ms;
            v[i] = gs->v[i];
        }
    } else if (tr->kind == SC_TRACE_CSV) {
        sc_import_opts opt;
        sc_import_opts_init(&opt);
        snprintf(opt.tz, sizeof opt.tz, "%s", tr->tz);
        snprintf(opt.value_col, sizeof opt.value_col, "%d", tr->value_col);
        st = sc_trace_read_csv(tr->path, &opt, &t, &v, &n, err);
        if (st)
            goto done;
    } else {
        sc_tsdb *db = NULL;
        st = sc_tsdb_open(tr->path, SC_TSDB_READ, &db, err);
        if (st)
            goto done;
        char tmp[256];
        snprintf(tmp, sizeof tmp, "%s", tr->series);
        char *s1 = strchr(tmp, '/');
        char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
        if (!s1 || !s2) {
            sc_tsdb_close(db, NULL);
            snprintf(where, sizeof where, "%s: trace '%s'", sc->path, tr->name);
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "series: expected \"app/place/metric\", got \"%s\"", tr->series);
            goto done;
        }
        *s1 = *s2 = '\0';
        sc_series_key key = {tmp, s1 + 1, s2 + 1};
        st = sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, err);
        sc_tsdb_close(db, NULL);
        if (st)
            goto done;
    }
    for (size_t i = 0; i < n; i++)
        t[i] = sc_time_add(t[i], tr->shift_ms);
    st = sc_resample(t, v, n, sc->start, sc->step_ms, (sc_resample_rule)tr->resample, &tb, &vb,
                     &nb, err);
    if (st)
        goto done;
    st = place_series(sc, tr, n_steps, tb, vb, nb, out, err);
done:
    free(t);
    free(v);
    free(tb);
    free(vb);
    return st;
}

/* What does not change over the run for app a: the load units one instance serves at
 * 100 % (unit_cap) and the routing at the start: home, or the initial weights of a
 * weighted mechanism (the per-region history policies see; spill: home). */
static void app_static(sc_world *w, size_t a)
{
    const sc_scenario *sc = w->sc;
    size_t ng = sc->n_geos, nr = sc->n_regions;
    const sc_app *app = &sc->apps[a];
    const sc_instance_type *it = &sc->types[app->instance_type];
    double k_unit = 0.0; /* instance-equivalents per load unit */
    for (int m = 0; m < SC_METRIC_RESOURCES; m++)
        if (it->capacity[m] > 0 && app->needs[m] / it->capacity[m] > k_unit)
            k_unit = app->needs[m] / it->capacity[m];
    w->unit_cap[a] = k_unit > 0 ? 1.0 / k_unit : 1.0;
    for (size_t g = 0; g < ng; g++) {
        int home = sc->geos[g].home_region;
        const sc_geo_routing *gr = &sc->geos[g].routing;
        if (gr->weights && gr->mech != SC_ROUTE_SPILL) {
            double sw = 0.0;
            for (size_t r = 0; r < nr; r++)
                sw += gr->weights[r] > 0 ? gr->weights[r] : 0;
            for (size_t r = 0; r < nr; r++)
                w->share[(a * ng + g) * nr + r] = gr->weights[r] > 0 ? gr->weights[r] / sw : 0.0;
        } else {
            w->share[(a * ng + g) * nr + (size_t)home] = 1.0;
        }
    }
}

/* Which apps route every geography wholly to one region, and for those, which
 * geographies each region serves (CSR lists). */
static sc_status route_index(sc_world *w, sc_error *err)
{
    const sc_scenario *sc = w->sc;
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions;
    w->app_local = calloc(na + 1, 1);
    w->ar_geo_start = calloc(w->n_ar + 1, sizeof *w->ar_geo_start);
    w->ar_geo = calloc(w->n_ag + 1, sizeof *w->ar_geo);
    int *sole = calloc(w->n_ag + 1, sizeof *sole);
    if (!w->app_local || !w->ar_geo_start || !w->ar_geo || !sole) {
        free(sole);
        return sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
    }
    for (size_t a = 0; a < na; a++) {
        int local = 1;
        for (size_t g = 0; g < ng; g++) {
            size_t ag = a * ng + g;
            sole[ag] = -1;
            for (size_t r = 0; r < nr; r++) {
                double sh = w->share[ag * nr + r];
                if (sh == 1.0)
                    sole[ag] = (int)r;
                else if (sh != 0.0)
                    local = 0;
            }
            if (sole[ag] < 0)
                local = 0;
        }
        /* with a routing mechanism shares change over time: no app is local */
        w->app_local[a] = (unsigned char)(local && !sc->routed);
    }
    int pos = 0;
    for (size_t a = 0; a < na; a++)
        for (size_t r = 0; r < nr; r++) {
            w->ar_geo_start[a * nr + r] = pos;
            if (!w->app_local[a])
                continue;
            for (size_t g = 0; g < ng; g++)
                if (sole[a * ng + g] == (int)r)
                    w->ar_geo[pos++] = (int)g;
        }
    w->ar_geo_start[w->n_ar] = pos;
    free(sole);
    return SC_OK;
}

/* 1 when a geography's load shares storage with its home region's: home routing and at
 * most one geography per region (routed: a region may serve several geographies). */
static int world_alias(const sc_scenario *sc)
{
    int alias = !sc->routed;
    for (size_t g = 0; g < sc->n_geos && alias; g++)
        for (size_t h = 0; h < g; h++)
            if (sc->geos[h].home_region == sc->geos[g].home_region)
                alias = 0;
    return alias;
}

double sc_world_footprint(const sc_scenario *sc)
{
    double ns = (double)((sc->warmup_ms + sc->duration_ms) / sc->step_ms);
    double n_ar = (double)sc->n_apps * (double)sc->n_regions;
    double n_ag = (double)sc->n_apps * (double)sc->n_geos;
    int alias = world_alias(sc);
    double rows = 2.0 * n_ar + (alias ? 0.0 : n_ag) + (sc->routed ? n_ag : 0.0);
    double bytes = rows * ns * sizeof(float);                        /* the arena */
    bytes += (double)sc->n_traces * ns * sizeof(double);             /* trace values */
    bytes += (double)sc->n_geos * (1 + SC_METRIC_RESOURCES) * ns * sizeof(double); /* lg, rg */
    if (sc->routed)
        bytes += 2.0 * n_ar * ns * sizeof(float); /* the run's copy of the history */
    if (sc->n_types > 1) /* type_ieq: each app's worth of each type per step */
        bytes += (double)sc->n_apps * (double)sc->n_types * ns * sizeof(float);
    return bytes;
}

/* E_t(D) = max_m D_m / capacity_t[m]: instances of t at 100 % of its binding resource
 * for resource vector D; INFINITY when t lacks a resource D needs, 0 for D = 0. */
static double type_ieq_of(const sc_instance_type *t, const double *d)
{
    double e = 0.0;
    for (int m = 0; m < SC_METRIC_RESOURCES; m++) {
        if (!(d[m] > 0))
            continue;
        if (!(t->capacity[m] > 0))
            return INFINITY;
        if (d[m] / t->capacity[m] > e)
            e = d[m] / t->capacity[m];
    }
    return e;
}

/* w->type_ieq of app a: per step, the app's instance-equivalents (of its own type) one
 * instance of type t serves, E_own(D_k) / E_t(D_k) for the app's resource vector D_k
 * summed over its geographies (needs x load + resource series); exact for a pool of
 * one type whatever the scale of D_k.  A step without demand carries the nearest
 * defined step's value (1 when none is). */
static void type_ieq_fill(sc_world *w, size_t a, const double *lg, const double *rg)
{
    const sc_scenario *sc = w->sc;
    const sc_app *app = &sc->apps[a];
    size_t T = sc->n_types, ng = sc->n_geos;
    int64_t ns = w->n_steps;
    const sc_instance_type *own = &sc->types[app->instance_type];
    for (size_t t = 0; t < T; t++) {
        float *f = w->type_ieq + (a * T + t) * (size_t)ns;
        int64_t first = -1;
        float last = 1.0f;
        for (int64_t k = 0; k < ns; k++) {
            double d[SC_METRIC_RESOURCES] = {0};
            for (size_t g = 0; g < ng; g++) {
                double L = lg[g * (size_t)ns + (size_t)k];
                for (int m = 0; m < SC_METRIC_RESOURCES; m++)
                    d[m] += app->needs[m] * L +
                            rg[(g * SC_METRIC_RESOURCES + (size_t)m) * (size_t)ns + (size_t)k];
            }
            double eo = type_ieq_of(own, d), et = type_ieq_of(&sc->types[t], d);
            if (t == (size_t)app->instance_type) {
                f[k] = 1.0f;
                continue;
            }
            if (eo > 0 && isfinite(eo)) {
                last = isfinite(et) ? (float)(eo / et) : 0.0f;
                if (first < 0) {
                    first = k;
                    for (int64_t j = 0; j < k; j++)
                        f[j] = last;
                }
            }
            f[k] = last;
        }
    }
}

/* The trace of every demand source of every app, in order (out[dem_start[a] + d]),
 * found through the names sorted once: sc_scenario_trace_index scans the traces, which
 * made the layout quadratic in the apps (10^5 sources x 10^5 traces at 10,000 apps). */
typedef struct trace_name {
    const char *name;
    size_t i;
} trace_name;

static int cmp_trace_name(const void *a, const void *b)
{
    return strcmp(((const trace_name *)a)->name, ((const trace_name *)b)->name);
}

static size_t *demand_traces(const sc_scenario *sc, size_t **dem_start_out)
{
    size_t na = sc->n_apps, n_dem = 0;
    for (size_t a = 0; a < na; a++)
        n_dem += sc->apps[a].n_demand;
    trace_name *tn = malloc((sc->n_traces + 1) * sizeof *tn);
    size_t *start = malloc((na + 1) * sizeof *start);
    size_t *dem = malloc((n_dem + 1) * sizeof *dem);
    if (!tn || !start || !dem) {
        free(tn);
        free(start);
        free(dem);
        return NULL;
    }
    for (size_t i = 0; i < sc->n_traces; i++)
        tn[i] = (trace_name){sc->traces[i].name, i};
    qsort(tn, sc->n_traces, sizeof *tn, cmp_trace_name);
    n_dem = 0;
    for (size_t a = 0; a < na; a++) {
        start[a] = n_dem;
        for (size_t d = 0; d < sc->apps[a].n_demand; d++) {
            trace_name key = {sc->apps[a].demand[d].trace, 0};
            const trace_name *hit = bsearch(&key, tn, sc->n_traces, sizeof *tn, cmp_trace_name);
            /* the scenario loader resolved every name: a miss cannot happen */
            dem[n_dem++] = hit ? hit->i : (size_t)sc_scenario_trace_index(sc, key.name);
        }
    }
    start[na] = n_dem;
    free(tn);
    *dem_start_out = start;
    return dem;
}

static sc_status build_whole(const sc_scenario *sc, sc_world **out, sc_error *err)
{
    *out = NULL;
    sc_status st = SC_OK;
    sc_gen_result *gen = NULL;
    double **tv = NULL, *lg = NULL, *rg = NULL;
    const double **tp = NULL;
    size_t *gen_idx = NULL, *last_app = NULL;
    size_t *dem_trace = NULL, *dem_start = NULL; /* demand_traces: each source's trace */
    double need = sc_world_footprint(sc);
    if (need > SC_WORLD_MAX_BYTES)
        return sc_error_set(err, SC_ERR_INPUT, sc->path,
                            "$.duration: %lld steps x %zu apps x %zu regions needs about %.1f "
                            "GiB of demand in memory, more than the limit of %.0f GiB "
                            "(shorten the run, lengthen the step or split the apps)",
                            (long long)((sc->warmup_ms + sc->duration_ms) / sc->step_ms),
                            sc->n_apps, sc->n_regions, need / 1073741824.0,
                            SC_WORLD_MAX_BYTES / 1073741824.0);
    sc_world *w = calloc(1, sizeof *w);
    if (!w)
        return sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
    w->sc = sc;
    w->warmup_steps = sc->warmup_ms / sc->step_ms;
    w->n_steps = (sc->warmup_ms + sc->duration_ms) / sc->step_ms;
    int64_t ns = w->n_steps;
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions;
    w->n_ar = na * nr;
    w->n_ag = na * ng;

    /* With home routing and at most one geography per region, a geography's load is
     * its home region's load: the two share storage. */
    int alias = world_alias(sc);

    if (sc->synthetic_json) {
        sc_gen_options go = {.override_start = 1,
                             .start_ms = sc->start,
                             .duration_ms = sc->warmup_ms + sc->duration_ms,
                             .step_ms = sc->step_ms};
        st = sc_gen_run(sc->synthetic_json, sc->synthetic_path[0] ? sc->synthetic_path : sc->path,
                        sc->seed, &go, &gen, err);
        if (st)
            goto fail;
    }
    tp = calloc(sc->n_traces + 1, sizeof *tp);
    gen_idx = malloc((sc->n_traces + 1) * sizeof *gen_idx);
    last_app = malloc((sc->n_traces + 1) * sizeof *last_app);
    lg = malloc(ng * (size_t)ns * sizeof *lg);
    rg = malloc(ng * SC_METRIC_RESOURCES * (size_t)ns * sizeof *rg);
    w->load_ar = calloc(w->n_ar + 1, sizeof *w->load_ar);
    w->ieq_ar = calloc(w->n_ar + 1, sizeof *w->ieq_ar);
    w->load_ag = calloc(w->n_ag + 1, sizeof *w->load_ag);
    w->share = calloc(na * ng * nr + 1, sizeof *w->share);
    w->unit_cap = calloc(na + 1, sizeof *w->unit_cap);
    if (sc->n_types > 1 &&
        !(w->type_ieq = calloc(na * sc->n_types * (size_t)ns + 1, sizeof *w->type_ieq))) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory building the world");
        goto fail;
    }
    size_t rows = 2 * w->n_ar + (alias ? 0 : w->n_ag) + (sc->routed ? w->n_ag : 0);
    if (sc->routed && !(w->ieq_ag = calloc(w->n_ag + 1, sizeof *w->ieq_ag))) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory laying out demand");
        goto fail;
    }
    w->arena = calloc(rows * (size_t)ns + 1, sizeof *w->arena);
    if (!tp || !gen_idx || !last_app || !lg || !rg || !w->load_ar || !w->ieq_ar ||
        !w->load_ag || !w->share || !w->unit_cap || !w->arena) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory laying out demand");
        goto fail;
    }
    for (size_t i = 0; i < w->n_ar; i++) {
        w->load_ar[i] = w->arena + i * (size_t)ns;
        w->ieq_ar[i] = w->arena + (w->n_ar + i) * (size_t)ns;
    }
    for (size_t a = 0; a < na; a++)
        for (size_t g = 0; g < ng; g++) {
            size_t ag = a * ng + g;
            w->load_ag[ag] = alias ? w->load_ar[a * nr + (size_t)sc->geos[g].home_region]
                                   : w->arena + (2 * w->n_ar + ag) * (size_t)ns;
            if (w->ieq_ag)
                w->ieq_ag[ag] =
                    w->arena + (2 * w->n_ar + (alias ? 0 : w->n_ag) + ag) * (size_t)ns;
        }

    /* traces not usable in place get their own buffer (tv[i]; NULL when in place) */
    tv = calloc(sc->n_traces + 1, sizeof *tv);
    if (!tv) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
        goto fail;
    }
    double *spare = NULL; /* a buffer a trace used in place did not need */
    for (size_t i = 0; i < sc->n_traces; i++) {
        double *buf = spare ? spare : malloc((size_t)ns * sizeof *buf + 1);
        spare = NULL;
        if (!buf) {
            st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
            goto fail;
        }
        st = load_trace(sc, &sc->traces[i], gen, ns, buf, &tp[i], &gen_idx[i], err);
        if (st) {
            free(buf);
            goto fail;
        }
        if (!tp[i])
            tp[i] = tv[i] = buf;
        else
            spare = buf;
    }
    free(spare);

    /* A trace's values (a generated series used in place, or its own buffer) are
     * released after the last app that reads them, so the traces and the step arrays
     * are not both whole in memory at once. */
    if (!(dem_trace = demand_traces(sc, &dem_start))) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
        goto fail;
    }
    for (size_t i = 0; i < sc->n_traces; i++)
        last_app[i] = SIZE_MAX;
    for (size_t a = 0; a < na; a++)
        for (size_t d = 0; d < sc->apps[a].n_demand; d++)
            last_app[dem_trace[dem_start[a] + d]] = a;
    double released = 0.0;
    for (size_t a = 0; a < na; a++) {
        const sc_app *app = &sc->apps[a];
        const sc_instance_type *it = &sc->types[app->instance_type];
        app_static(w, a);
        double peak_ieq = 0.0; /* issue 13 bound: sum over geos of each one's peak */
        memset(lg, 0, ng * (size_t)ns * sizeof *lg);
        memset(rg, 0, ng * SC_METRIC_RESOURCES * (size_t)ns * sizeof *rg);
        int has_load = 0;
        for (size_t d = 0; d < app->n_demand; d++) {
            const sc_demand_src *src = &app->demand[d];
            const double *vals = tp[dem_trace[dem_start[a] + d]];
            double *dst = src->metric == SC_METRIC_LOAD
                              ? lg + (size_t)src->geo * (size_t)ns
                              : rg + ((size_t)src->geo * SC_METRIC_RESOURCES + src->metric) *
                                         (size_t)ns;
            if (src->metric == SC_METRIC_LOAD)
                has_load = 1;
            for (int64_t k = 0; k < ns; k++) {
                double x = vals[k] * src->scale + src->offset;
                dst[k] += x > 0 ? x : 0.0;
            }
        }
        for (size_t g = 0; g < ng; g++) {
            float *lag = w->load_ag[a * ng + g];
            double ieq_peak_g = 0.0;
            for (int64_t k = 0; k < ns; k++) {
                double L = lg[g * (size_t)ns + (size_t)k];
                double e = 0.0;
                for (int m = 0; m < SC_METRIC_RESOURCES; m++) {
                    if (!(it->capacity[m] > 0))
                        continue;
                    double r = app->needs[m] * L +
                               rg[(g * SC_METRIC_RESOURCES + (size_t)m) * (size_t)ns + (size_t)k];
                    if (r / it->capacity[m] > e)
                        e = r / it->capacity[m];
                }
                if (e > ieq_peak_g || isnan(e))
                    ieq_peak_g = e; /* NaN or inf sticks, and is refused below */
                if (!has_load)
                    L = e * w->unit_cap[a];
                if (!alias)
                    lag[k] = (float)L;
                if (w->ieq_ag)
                    w->ieq_ag[a * ng + g][k] = (float)e;
                for (size_t r = 0; r < nr; r++) {
                    double sh = w->share[(a * ng + g) * nr + r];
                    if (sh > 0) {
                        w->load_ar[a * nr + r][k] += (float)(sh * L);
                        w->ieq_ar[a * nr + r][k] += (float)(sh * e);
                    }
                }
            }
            peak_ieq += ieq_peak_g;
        }
        if ((st = sc_scenario_check_peak(sc, a, peak_ieq, err)))
            goto fail;
        if (w->type_ieq) /* instance-equivalents of the other types (resize) */
            type_ieq_fill(w, a, lg, rg);
        for (size_t d = 0; d < app->n_demand; d++) {
            size_t t = dem_trace[dem_start[a] + d];
            if (last_app[t] != a || !tp[t])
                continue;
            if (gen_idx[t] != SIZE_MAX) {
                free(gen->series[gen_idx[t]].v);
                gen->series[gen_idx[t]].v = NULL;
                gen_idx[t] = SIZE_MAX;
            }
            free(tv[t]);
            tv[t] = NULL;
            tp[t] = NULL;
            released += (double)ns * sizeof(double);
        }
#ifdef __GLIBC__
        if (released > 64.0 * 1024 * 1024) {
            malloc_trim(0);
            released = 0.0;
        }
#endif
    }
    st = route_index(w, err);
    if (st)
        goto fail;
    sc_gen_result_free(gen);
    for (size_t i = 0; tv && i < sc->n_traces; i++)
        free(tv[i]);
    free(tv);
    free(tp);
    free(gen_idx);
    free(last_app);
    free(dem_trace);
    free(dem_start);
    free(lg);
    free(rg);
    *out = w;
    return SC_OK;
fail:
    sc_gen_result_free(gen);
    for (size_t i = 0; tv && i < sc->n_traces; i++)
        free(tv[i]);
    free(tv);
    free(tp);
    free(gen_idx);
    free(last_app);
    free(dem_trace);
    free(dem_start);
    free(lg);
    free(rg);
    sc_world_free(w);
    return st;
}

/* ---- the windowed layout (issue 13) ------------------------------------------------------
 *
 * A windowed world holds no step arrays: each run opens a cursor (world_window.h) that
 * lays demand out window by window into rings of window + look-back steps, with the same
 * arithmetic in the same order as the whole-run layout, so every value is the same
 * float.  Synthetic traces without a shift come from the generator by window
 * (sc_gen_stream); the others are read whole once at build (their size is the traces',
 * not apps x regions x steps). */

/* Parse "app/geo[/metric]" of a synthetic trace. */
static void synth_key(const sc_trace_ref *tr, char *app, char *geo, char *metric)
{
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", tr->series);
    app[0] = geo[0] = '\0';
    snprintf(metric, SC_NAME_MAX, "load");
    char *s1 = strchr(tmp, '/');
    char *s2 = s1 ? strchr(s1 + 1, '/') : NULL;
    if (s1) {
        *s1 = '\0';
        if (s2)
            *s2 = '\0';
        snprintf(app, SC_NAME_MAX, "%s", tmp);
        snprintf(geo, SC_NAME_MAX, "%s", s1 + 1);
        if (s2)
            snprintf(metric, SC_NAME_MAX, "%s", s2 + 1);
    }
}

static int trace_streamed(const sc_trace_ref *tr)
{
    return tr->kind == SC_TRACE_SYNTHETIC && tr->shift_ms == 0;
}

static sc_gen_options gen_opts(const sc_scenario *sc)
{
    sc_gen_options go = {.override_start = 1,
                         .start_ms = sc->start,
                         .duration_ms = sc->warmup_ms + sc->duration_ms,
                         .step_ms = sc->step_ms};
    return go;
}

static const char *gen_file(const sc_scenario *sc)
{
    return sc->synthetic_path[0] ? sc->synthetic_path : sc->path;
}

int64_t sc_world_window_choice(const sc_scenario *sc, int64_t window)
{
    if (sc->routed || window < 0)
        return 0;
    /* several instance types: the type worths (w->type_ieq, read by sculpt's
     * "instance_types": "auto") are laid out whole, not by window yet, so the automatic
     * choice keeps the whole-run layout; an explicit window is honoured without them */
    if (window == 0 && sc->n_types > 1)
        return 0;
    const char *env = getenv("SCULPT_WORLD_WINDOW");
    if (window == 0 && env && *env) {
        if (strcmp(env, "whole") == 0)
            return 0;
        char *end = NULL;
        long long x = strtoll(env, &end, 10);
        if (end && *end == '\0' && x > 0)
            window = (int64_t)x;
    }
    if (window == 0) {
        if (sc_world_footprint(sc) <= SC_WORLD_WINDOW_ABOVE_BYTES)
            return 0;
        window = SC_MS_PER_HOUR / sc->step_ms; /* default: an hour of steps */
        if (window < 1)
            window = 1;
    }
    int64_t ns = (sc->warmup_ms + sc->duration_ms) / sc->step_ms;
    return window < ns ? window : (ns > 0 ? ns : 1);
}

double sc_world_footprint_windowed(const sc_scenario *sc, int64_t window, int64_t lookback)
{
    double ns = (double)((sc->warmup_ms + sc->duration_ms) / sc->step_ms);
    double ring = (double)(window + lookback + 1);
    if (ring > ns)
        ring = ns;
    double n_ar = (double)sc->n_apps * (double)sc->n_regions;
    double n_ag = (double)sc->n_apps * (double)sc->n_geos;
    int alias = world_alias(sc);
    double bytes = (2.0 * n_ar + (alias ? 0.0 : n_ag)) * ring * sizeof(float); /* rings */
    double streamed = 0.0;
    for (size_t i = 0; i < sc->n_traces; i++) {
        if (trace_streamed(&sc->traces[i]))
            streamed += 1.0;
        else
            bytes += ns * sizeof(double); /* placed whole */
    }
    /* per streamed series: its window of values and its noise stream (mt19937) */
    bytes += streamed * ((double)window * sizeof(double) + 5024.0);
    bytes += n_ag * (double)sc->n_regions * sizeof(double); /* routing shares */
    return bytes;
}

static sc_status build_windowed(const sc_scenario *sc, int64_t window, sc_world **out,
                                sc_error *err)
{
    sc_status st = SC_OK;
    sc_gen_result *gen = NULL;
    sc_gen_stream *gs = NULL;
    double need = sc_world_footprint_windowed(sc, window, 0);
    if (need > SC_WORLD_MAX_BYTES)
        return sc_error_set(err, SC_ERR_INPUT, sc->path,
                            "$.duration: %lld steps x %zu apps x %zu regions needs about %.1f "
                            "GiB of demand in memory laid out whole, and laid out by window "
                            "its traces read whole still need about %.1f GiB, more than the "
                            "limit of %.0f GiB (shorten the run or lengthen the step)",
                            (long long)((sc->warmup_ms + sc->duration_ms) / sc->step_ms),
                            sc->n_apps, sc->n_regions, sc_world_footprint(sc) / 1073741824.0,
                            need / 1073741824.0, SC_WORLD_MAX_BYTES / 1073741824.0);
    sc_world *w = calloc(1, sizeof *w);
    if (!w)
        return sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
    w->sc = sc;
    w->warmup_steps = sc->warmup_ms / sc->step_ms;
    w->n_steps = (sc->warmup_ms + sc->duration_ms) / sc->step_ms;
    w->window = window;
    int64_t ns = w->n_steps;
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions;
    w->n_ar = na * nr;
    w->n_ag = na * ng;
    w->share = calloc(na * ng * nr + 1, sizeof *w->share);
    w->unit_cap = calloc(na + 1, sizeof *w->unit_cap);
    struct sc_world_src *src = w->src = calloc(1, sizeof *src);
    if (!w->share || !w->unit_cap || !src) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory laying out demand");
        goto fail;
    }
    src->n_traces = sc->n_traces;
    src->tv = calloc(sc->n_traces + 1, sizeof *src->tv);
    src->gen_series = malloc((sc->n_traces + 1) * sizeof *src->gen_series);
    if (!src->tv || !src->gen_series) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory laying out demand");
        goto fail;
    }
    int any_placed_synth = 0;
    for (size_t i = 0; i < sc->n_traces; i++) {
        src->gen_series[i] = SIZE_MAX;
        if (trace_streamed(&sc->traces[i]))
            src->any_streamed = 1;
        else if (sc->traces[i].kind == SC_TRACE_SYNTHETIC)
            any_placed_synth = 1;
    }
    sc_gen_options go = gen_opts(sc);
    if (sc->synthetic_json && src->any_streamed &&
        (st = sc_gen_stream_open(sc->synthetic_json, gen_file(sc), sc->seed, &go, &gs, err)))
        goto fail;
    if (sc->synthetic_json && any_placed_synth &&
        (st = sc_gen_run(sc->synthetic_json, gen_file(sc), sc->seed, &go, &gen, err)))
        goto fail;
    for (size_t i = 0; i < sc->n_traces; i++) {
        const sc_trace_ref *tr = &sc->traces[i];
        if (trace_streamed(tr)) {
            char where[1400], app[SC_NAME_MAX], geo[SC_NAME_MAX], metric[SC_NAME_MAX];
            snprintf(where, sizeof where, "%s: trace '%s'", sc->path, tr->name);
            if (!gs) {
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "synthetic trace but the scenario has no \"synthetic\" "
                                  "generator spec");
                goto fail;
            }
            synth_key(tr, app, geo, metric);
            src->gen_series[i] = sc_gen_stream_find(gs, app, geo, metric);
            if (src->gen_series[i] == SIZE_MAX) {
                st = sc_error_set(err, SC_ERR_NOTFOUND, where,
                                  "the generator spec makes no series '%s' (expected "
                                  "app/geo[/metric])",
                                  tr->series);
                goto fail;
            }
            continue;
        }
        double *buf = malloc((size_t)ns * sizeof *buf + 1);
        const double *direct = NULL;
        size_t gi;
        if (!buf) {
            st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
            goto fail;
        }
        if ((st = load_trace(sc, tr, gen, ns, buf, &direct, &gi, err))) {
            free(buf);
            goto fail;
        }
        if (direct)
            memcpy(buf, direct, (size_t)ns * sizeof *buf);
        src->tv[i] = buf;
    }
    for (size_t a = 0; a < na; a++)
        app_static(w, a);
    if ((st = route_index(w, err)))
        goto fail;
    sc_gen_stream_free(gs);
    sc_gen_result_free(gen);
    *out = w;
    return SC_OK;
fail:
    sc_gen_stream_free(gs);
    sc_gen_result_free(gen);
    sc_world_free(w);
    return st;
}

sc_status sc_world_build_layout(const sc_scenario *sc, int64_t window, sc_world **out,
                                sc_error *err)
{
    *out = NULL;
    int64_t wsteps = sc_world_window_choice(sc, window);
    return wsteps > 0 ? build_windowed(sc, wsteps, out, err) : build_whole(sc, out, err);
}

sc_status sc_world_build(const sc_scenario *sc, sc_world **out, sc_error *err)
{
    return sc_world_build_layout(sc, 0, out, err);
}

/* ---- a run's cursor over a windowed world ------------------------------------------ */

struct sc_world_cursor_priv {
    sc_gen_stream *gs;
    size_t *sb_of_trace;  /* [trace] row of sbuf, or SIZE_MAX when placed */
    size_t *sb_series;    /* [n_sb] generator series of each row */
    size_t n_sb;
    double *sbuf;         /* [n_sb][window] the streamed series' values in the window */
    double *lg, *rg;      /* [ng][window], [ng][resources][window] one app's sums */
    size_t *dem_start;    /* [app + 1] into dem_trace */
    size_t *dem_trace;    /* the trace of each demand source of each app, in order */
    double *peak_ag;      /* [app][geo] peak instance-equivalents of the steps laid out */
    float *arena;
};

void sc_world_cursor_free(sc_world_cursor *c)
{
    if (!c)
        return;
    if (c->p) {
        sc_gen_stream_free(c->p->gs);
        free(c->p->sb_of_trace);
        free(c->p->sb_series);
        free(c->p->sbuf);
        free(c->p->lg);
        free(c->p->rg);
        free(c->p->dem_start);
        free(c->p->dem_trace);
        free(c->p->peak_ag);
        free(c->p->arena);
        free(c->p);
    }
    free(c->load_ar);
    free(c->ieq_ar);
    free(c->load_ag);
    free(c);
}

sc_status sc_world_cursor_open(const sc_world *w, int64_t lookback_steps,
                               sc_world_cursor **out, sc_error *err)
{
    *out = NULL;
    const sc_scenario *sc = w->sc;
    const struct sc_world_src *src = w->src;
    sc_status st = SC_OK;
    sc_world_cursor *c = calloc(1, sizeof *c);
    if (!c || !(c->p = calloc(1, sizeof *c->p))) {
        free(c);
        return sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
    }
    struct sc_world_cursor_priv *p = c->p;
    int64_t ns = w->n_steps;
    if (lookback_steps < 0 || lookback_steps >= ns)
        lookback_steps = ns;
    c->window = w->window;
    c->ring = c->window + lookback_steps + 1;
    if (c->ring >= ns) { /* the whole run fits: one window */
        c->ring = ns;
        c->window = ns;
    }
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions;
    int alias = world_alias(sc);
    size_t rows = 2 * w->n_ar + (alias ? 0 : w->n_ag);
    size_t W = (size_t)c->window, R = (size_t)c->ring;
    c->load_ar = calloc(w->n_ar + 1, sizeof *c->load_ar);
    c->ieq_ar = calloc(w->n_ar + 1, sizeof *c->ieq_ar);
    c->load_ag = calloc(w->n_ag + 1, sizeof *c->load_ag);
    p->arena = calloc(rows * R + 1, sizeof *p->arena);
    p->lg = malloc((ng * W + 1) * sizeof *p->lg);
    p->rg = malloc((ng * SC_METRIC_RESOURCES * W + 1) * sizeof *p->rg);
    p->sb_of_trace = malloc((sc->n_traces + 1) * sizeof *p->sb_of_trace);
    p->sb_series = malloc((sc->n_traces + 1) * sizeof *p->sb_series);
    p->peak_ag = calloc(na * ng + 1, sizeof *p->peak_ag);
    if (!c->load_ar || !c->ieq_ar || !c->load_ag || !p->arena || !p->lg || !p->rg ||
        !p->sb_of_trace || !p->sb_series || !p->peak_ag) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory laying out demand");
        goto fail;
    }
    for (size_t i = 0; i < w->n_ar; i++) {
        c->load_ar[i] = p->arena + i * R;
        c->ieq_ar[i] = p->arena + (w->n_ar + i) * R;
    }
    for (size_t a = 0; a < na; a++)
        for (size_t g = 0; g < ng; g++) {
            size_t ag = a * ng + g;
            c->load_ag[ag] = alias ? c->load_ar[a * nr + (size_t)sc->geos[g].home_region]
                                   : p->arena + (2 * w->n_ar + ag) * R;
        }
    if (!(p->dem_trace = demand_traces(sc, &p->dem_start))) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory laying out demand");
        goto fail;
    }
    /* one row of values per distinct streamed series */
    for (size_t i = 0; i < sc->n_traces; i++) {
        p->sb_of_trace[i] = SIZE_MAX;
        size_t s = src->gen_series[i];
        if (s == SIZE_MAX)
            continue;
        for (size_t j = 0; j < p->n_sb && p->sb_of_trace[i] == SIZE_MAX; j++)
            if (p->sb_series[j] == s)
                p->sb_of_trace[i] = j;
        if (p->sb_of_trace[i] == SIZE_MAX) {
            p->sb_series[p->n_sb] = s;
            p->sb_of_trace[i] = p->n_sb++;
        }
    }
    if (p->n_sb) {
        sc_gen_options go = gen_opts(sc);
        if ((st = sc_gen_stream_open(sc->synthetic_json, gen_file(sc), sc->seed, &go, &p->gs,
                                     err)))
            goto fail;
        p->sbuf = malloc((p->n_sb * W + 1) * sizeof *p->sbuf);
        if (!p->sbuf) {
            st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory laying out demand");
            goto fail;
        }
    }
    c->w = w;
    c->end = 0;
    *out = c;
    return SC_OK;
fail:
    sc_world_cursor_free(c);
    return st;
}

/* Lay out steps [k0, k1) into the rings: the arithmetic of build_whole's per-app loop,
 * step by step in the same order.  The peak-demand bound (sc_scenario_check_peak) is
 * checked here too, on the running peaks of the steps laid out so far: build_whole
 * refuses an app when the sum over its geos of each geo's peak over the run is too large;
 * that sum of running maxima only grows, so the windowed layout refuses exactly the same
 * scenarios, at the first window where the bound is crossed (the figure named is the
 * peak so far, a lower bound of the whole run's), and the run ends with that error. */
static sc_status layout_window(sc_world_cursor *c, int64_t k0, int64_t k1, sc_error *err)
{
    const sc_world *w = c->w;
    const sc_scenario *sc = w->sc;
    const struct sc_world_src *src = w->src;
    struct sc_world_cursor_priv *p = c->p;
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions;
    size_t W = (size_t)(k1 - k0), R = (size_t)c->ring;
    int alias = world_alias(sc);
    sc_status st;
    if (p->gs) {
        if ((st = sc_gen_stream_window(p->gs, k0, k1, err)))
            return st;
        for (size_t j = 0; j < p->n_sb; j++)
            if ((st = sc_gen_stream_fill(p->gs, p->sb_series[j], p->sbuf + j * (size_t)c->window,
                                         err)))
                return st;
    }
    for (size_t a = 0; a < na; a++) {
        const sc_app *app = &sc->apps[a];
        const sc_instance_type *it = &sc->types[app->instance_type];
        memset(p->lg, 0, ng * W * sizeof *p->lg);
        memset(p->rg, 0, ng * SC_METRIC_RESOURCES * W * sizeof *p->rg);
        for (size_t r = 0; r < nr; r++)
            for (int64_t k = k0; k < k1; k++) {
                c->load_ar[a * nr + r][k % (int64_t)R] = 0.0f;
                c->ieq_ar[a * nr + r][k % (int64_t)R] = 0.0f;
            }
        int has_load = 0;
        for (size_t d = 0; d < app->n_demand; d++) {
            const sc_demand_src *ds = &app->demand[d];
            size_t t = p->dem_trace[p->dem_start[a] + d];
            const double *vals = src->tv[t] ? src->tv[t] + k0
                                            : p->sbuf + p->sb_of_trace[t] * (size_t)c->window;
            double *dst = ds->metric == SC_METRIC_LOAD
                              ? p->lg + (size_t)ds->geo * W
                              : p->rg + ((size_t)ds->geo * SC_METRIC_RESOURCES + ds->metric) * W;
            if (ds->metric == SC_METRIC_LOAD)
                has_load = 1;
            for (size_t j = 0; j < W; j++) {
                double x = vals[j] * ds->scale + ds->offset;
                dst[j] += x > 0 ? x : 0.0;
            }
        }
        double peak_ieq = 0.0;
        for (size_t g = 0; g < ng; g++) {
            float *lag = c->load_ag[a * ng + g];
            double *pk = &p->peak_ag[a * ng + g];
            for (size_t j = 0; j < W; j++) {
                size_t slot = (size_t)((k0 + (int64_t)j) % (int64_t)R);
                double L = p->lg[g * W + j];
                double e = 0.0;
                for (int m = 0; m < SC_METRIC_RESOURCES; m++) {
                    if (!(it->capacity[m] > 0))
                        continue;
                    double r = app->needs[m] * L + p->rg[(g * SC_METRIC_RESOURCES + (size_t)m) * W + j];
                    if (r / it->capacity[m] > e)
                        e = r / it->capacity[m];
                }
                if (e > *pk || isnan(e))
                    *pk = e; /* NaN or inf sticks, and is refused below */
                if (!has_load)
                    L = e * w->unit_cap[a];
                if (!alias)
                    lag[slot] = (float)L;
                for (size_t r = 0; r < nr; r++) {
                    double sh = w->share[(a * ng + g) * nr + r];
                    if (sh > 0) {
                        c->load_ar[a * nr + r][slot] += (float)(sh * L);
                        c->ieq_ar[a * nr + r][slot] += (float)(sh * e);
                    }
                }
            }
            peak_ieq += *pk;
        }
        if ((st = sc_scenario_check_peak(sc, a, peak_ieq, err)))
            return st;
    }
    return SC_OK;
}

sc_status sc_world_cursor_reach(sc_world_cursor *c, int64_t step, sc_error *err)
{
    while (step >= c->end && c->end < c->w->n_steps) {
        int64_t k1 = c->end + c->window;
        if (k1 > c->w->n_steps)
            k1 = c->w->n_steps;
        sc_status st = layout_window(c, c->end, k1, err);
        if (st)
            return st;
        c->end = k1;
    }
    return SC_OK;
}
