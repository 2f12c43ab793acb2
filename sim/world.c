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
 * Memory: sc_world_footprint estimates the peak from the sizes and sc_world_build
 * refuses above SC_WORLD_MAX_BYTES before allocating; a trace's values are freed after
 * the last app that reads them, so traces and step arrays are not both whole at once.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "import.h"
#include "sculpt/tsdb.h"
#include "sim.h"

#ifdef __GLIBC__
#include <malloc.h> /* malloc_trim: hand freed series back to the system */
#endif

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
    free(w->app_local);
    free(w->ar_geo_start);
    free(w->ar_geo);
    free(w->arena);
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
        const sc_gen_series *gs = sc_gen_find(gen, app, geo, metric);
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
    return bytes;
}

sc_status sc_world_build(const sc_scenario *sc, sc_world **out, sc_error *err)
{
    *out = NULL;
    sc_status st = SC_OK;
    sc_gen_result *gen = NULL;
    double **tv = NULL, *lg = NULL, *rg = NULL;
    const double **tp = NULL;
    size_t *gen_idx = NULL, *last_app = NULL;
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
    for (size_t i = 0; i < sc->n_traces; i++)
        last_app[i] = SIZE_MAX;
    for (size_t a = 0; a < na; a++)
        for (size_t d = 0; d < sc->apps[a].n_demand; d++)
            last_app[sc_scenario_trace_index(sc, sc->apps[a].demand[d].trace)] = a;
    double released = 0.0;
    for (size_t a = 0; a < na; a++) {
        const sc_app *app = &sc->apps[a];
        const sc_instance_type *it = &sc->types[app->instance_type];
        double k_unit = 0.0; /* instance-equivalents per load unit */
        for (int m = 0; m < SC_METRIC_RESOURCES; m++)
            if (it->capacity[m] > 0 && app->needs[m] / it->capacity[m] > k_unit)
                k_unit = app->needs[m] / it->capacity[m];
        w->unit_cap[a] = k_unit > 0 ? 1.0 / k_unit : 1.0;
        double peak_ieq = 0.0; /* issue 13 bound: sum over geos of each one's peak */
        memset(lg, 0, ng * (size_t)ns * sizeof *lg);
        memset(rg, 0, ng * SC_METRIC_RESOURCES * (size_t)ns * sizeof *rg);
        int has_load = 0;
        for (size_t d = 0; d < app->n_demand; d++) {
            const sc_demand_src *src = &app->demand[d];
            const double *vals = tp[sc_scenario_trace_index(sc, src->trace)];
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
            /* the routing at the start: home, or the initial weights of a weighted
             * mechanism (the per-region history policies see; spill: home) */
            int home = sc->geos[g].home_region;
            const sc_geo_routing *gr = &sc->geos[g].routing;
            if (gr->weights && gr->mech != SC_ROUTE_SPILL) {
                double sw = 0.0;
                for (size_t r = 0; r < nr; r++)
                    sw += gr->weights[r] > 0 ? gr->weights[r] : 0;
                for (size_t r = 0; r < nr; r++)
                    w->share[(a * ng + g) * nr + r] =
                        gr->weights[r] > 0 ? gr->weights[r] / sw : 0.0;
            } else {
                w->share[(a * ng + g) * nr + (size_t)home] = 1.0;
            }
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
        for (size_t d = 0; d < app->n_demand; d++) {
            size_t t = sc_scenario_trace_index(sc, app->demand[d].trace);
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
    free(lg);
    free(rg);
    sc_world_free(w);
    return st;
}
