/*
 * metrics.c - live mode's observation sources and the store of observations
 * (metricsint.h): the scenario's live.metrics section, query templates, the Prometheus
 * and store sources, the per-step routing of observed loads to region rows, and the
 * writer that appends every observation to the HDF5 store.
 *
 * A source holds a window of steps [k0, k1] (the last fetch) for each (signal, app-geo)
 * in one owned array, so the loop reads values without allocating.  Only app-geos with
 * demand are observed; the others have load 0 and no SLO signal.
 *
 * Routing (sc_metrics_route) repeats, for one step and load-only demand, the mapping of
 * sc_world_build (sim/world.c): instance-equivalents e = max over resources of
 * needs[m] x L / capacity[m], and region r of app a receives share(a, g, r) x L and
 * share x e with the start-of-run shares the world computed.  The world stays the only
 * owner of the shares; only the per-step arithmetic is here.
 */
#define _POSIX_C_SOURCE 200809L
#include "metricsint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sculpt/json.h"
#include "sculpt/live.h"
#include "sculpt/tsdb.h"

static const char *const signal_metric[SC_SIGNAL_COUNT] = {
    "observed_load", "observed_latency_ms", "observed_error_ratio"};
static const char *const signal_key[SC_SIGNAL_COUNT] = {"load", "latency", "errors"};

/* ---- the section -------------------------------------------------------------------- */

static sc_status read_cloudwatch(const sc_json_ctx *cx, const cJSON *cw,
                                 sc_metrics_section *out)
{
    static const char *const keys[] = {"endpoint", "namespace", "load", "latency", "errors",
                                       "load_stat", "latency_stat", "errors_stat",
                                       "latency_scale", "dimensions", "placement", NULL};
    static const char *const stat_key[SC_SIGNAL_COUNT] = {"load_stat", "latency_stat",
                                                           "errors_stat"};
    const char *cp = "$.live.metrics.cloudwatch";
    const cJSON *dims = NULL;
    sc_status st;
    char placement[16] = "start";
    if ((st = sc_json_check_keys(cx, cw, cp, keys)) ||
        (st = sc_json_get_string_buf(cx, cw, cp, "placement", SC_JSON_OPTIONAL, "start",
                                     placement, sizeof placement)) ||
        (st = sc_json_get_string_buf(cx, cw, cp, "endpoint", SC_JSON_OPTIONAL, "",
                                     out->cw_endpoint, sizeof out->cw_endpoint)) ||
        (st = sc_json_get_string_buf(cx, cw, cp, "namespace", SC_JSON_OPTIONAL,
                                     out->cw_namespace, out->cw_namespace,
                                     sizeof out->cw_namespace)) ||
        (st = sc_json_get_number(cx, cw, cp, "latency_scale", SC_JSON_OPTIONAL, 1.0,
                                 &out->cw_latency_scale)) ||
        (st = sc_json_get_object(cx, cw, cp, "dimensions", SC_JSON_OPTIONAL, &dims)))
        return st;
    for (int s = 0; s < SC_SIGNAL_COUNT; s++)
        if ((st = sc_json_get_string_buf(cx, cw, cp, signal_key[s], SC_JSON_OPTIONAL,
                                         out->cw_metric[s], out->cw_metric[s],
                                         sizeof out->cw_metric[s])) ||
            (st = sc_json_get_string_buf(cx, cw, cp, stat_key[s], SC_JSON_OPTIONAL,
                                         out->cw_stat[s], out->cw_stat[s],
                                         sizeof out->cw_stat[s])))
            return st;
    if (!out->cw_metric[SC_SIGNAL_LOAD][0] || !out->cw_namespace[0])
        return sc_error_set(cx->err, SC_ERR_INPUT, cx->file,
                            "%s: the load metric and the namespace cannot be empty", cp);
    if (!(out->cw_latency_scale > 0) || !isfinite(out->cw_latency_scale))
        return sc_error_set(cx->err, SC_ERR_INPUT, cx->file,
                            "%s.latency_scale: expected a positive number", cp);
    if (strcmp(placement, "start") != 0 && strcmp(placement, "end") != 0)
        return sc_error_set(cx->err, SC_ERR_INPUT, cx->file,
                            "%s.placement: expected \"start\" or \"end\", got '%s'", cp,
                            placement);
    out->cw_at_end = strcmp(placement, "end") == 0;
    if (dims) {
        out->cw_n_dims = 0;
        const cJSON *d;
        cJSON_ArrayForEach(d, dims)
        {
            if (out->cw_n_dims == 4 || !cJSON_IsString(d) || strlen(d->string) >= 64 ||
                strlen(d->valuestring) >= 256)
                return sc_error_set(cx->err, SC_ERR_INPUT, cx->file,
                                    "%s.dimensions: at most 4 dimensions, each a name "
                                    "(< 64 bytes) and a string template (< 256 bytes)",
                                    cp);
            snprintf(out->cw_dim_name[out->cw_n_dims], 64, "%s", d->string);
            snprintf(out->cw_dim_tmpl[out->cw_n_dims], 256, "%s", d->valuestring);
            out->cw_n_dims++;
        }
    }
    return SC_OK;
}

sc_status sc_metrics_section_read(const sc_scenario *sc, sc_metrics_section *out,
                                  sc_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->query[SC_SIGNAL_LOAD], SC_PROM_QUERY_MAX, "%s", SC_PROM_DEFAULT_LOAD);
    snprintf(out->query[SC_SIGNAL_LATENCY], SC_PROM_QUERY_MAX, "%s", SC_PROM_DEFAULT_LATENCY);
    snprintf(out->query[SC_SIGNAL_ERRORS], SC_PROM_QUERY_MAX, "%s", SC_PROM_DEFAULT_ERRORS);
    out->timeout_ms = 10000;
    snprintf(out->cw_namespace, sizeof out->cw_namespace, "Sculpt");
    static const char *const cw_default[SC_SIGNAL_COUNT] = {
        "sculpt_load", "sculpt_latency_ms", "sculpt_error_ratio"};
    for (int s = 0; s < SC_SIGNAL_COUNT; s++) {
        snprintf(out->cw_metric[s], sizeof out->cw_metric[s], "%s", cw_default[s]);
        snprintf(out->cw_stat[s], sizeof out->cw_stat[s], "Average");
    }
    out->cw_latency_scale = 1.0;
    out->cw_n_dims = 2;
    snprintf(out->cw_dim_name[0], sizeof out->cw_dim_name[0], "app");
    snprintf(out->cw_dim_tmpl[0], sizeof out->cw_dim_tmpl[0], "{app}");
    snprintf(out->cw_dim_name[1], sizeof out->cw_dim_name[1], "geo");
    snprintf(out->cw_dim_tmpl[1], sizeof out->cw_dim_tmpl[1], "{geo}");
    cJSON *root = NULL;
    sc_status st = SC_OK;
    sc_json_ctx cx = {sc->path, err};
    const cJSON *m = NULL, *p = NULL, *cw = NULL;
    static const char *const mkeys[] = {"store", "prometheus", "cloudwatch", NULL};
    static const char *const pkeys[] = {"load", "latency", "errors", "timeout", NULL};
    const char *store = NULL;
    if ((st = sc_live_subsection(sc, "metrics", &root, &m, err)) || !m)
        goto done;
    if ((st = sc_json_check_keys(&cx, m, "$.live.metrics", mkeys)) ||
        (st = sc_json_get_string(&cx, m, "$.live.metrics", "store", SC_JSON_OPTIONAL, NULL,
                                 &store)) ||
        (st = sc_json_get_object(&cx, m, "$.live.metrics", "prometheus", SC_JSON_OPTIONAL,
                                 &p)) ||
        (st = sc_json_get_object(&cx, m, "$.live.metrics", "cloudwatch", SC_JSON_OPTIONAL,
                                 &cw)))
        goto done;
    if (cw && (st = read_cloudwatch(&cx, cw, out)))
        goto done;
    if (store) {
        if (!store[0]) {
            st = sc_error_set(err, SC_ERR_INPUT, sc->path,
                              "$.live.metrics.store: expected the path of an HDF5 store");
            goto done;
        }
        int n = store[0] == '/' ? snprintf(out->store, sizeof out->store, "%s", store)
                                : snprintf(out->store, sizeof out->store, "%s/%s", sc->dir,
                                           store);
        if (n < 0 || (size_t)n >= sizeof out->store) {
            st = sc_error_set(err, SC_ERR_INPUT, sc->path, "$.live.metrics.store: too long");
            goto done;
        }
    }
    if (!p)
        goto done;
    const char *pp = "$.live.metrics.prometheus";
    if ((st = sc_json_check_keys(&cx, p, pp, pkeys)) ||
        (st = sc_json_get_duration(&cx, p, pp, "timeout", SC_JSON_OPTIONAL, 10000, 1,
                                   &out->timeout_ms)))
        goto done;
    for (int s = 0; s < SC_SIGNAL_COUNT; s++)
        if ((st = sc_json_get_string_buf(&cx, p, pp, signal_key[s], SC_JSON_OPTIONAL,
                                         out->query[s], out->query[s], SC_PROM_QUERY_MAX)))
            goto done;
    if (!out->query[SC_SIGNAL_LOAD][0])
        st = sc_error_set(err, SC_ERR_INPUT, sc->path,
                          "$.live.metrics.prometheus.load: the load query cannot be empty");
done:
    cJSON_Delete(root);
    return st;
}

sc_status sc_metrics_expand(const sc_scenario *sc, const char *tmpl, int app, int geo,
                            char *buf, size_t cap, sc_error *err)
{
    size_t l = 0;
    char stepbuf[32];
    snprintf(stepbuf, sizeof stepbuf, "%llds", (long long)(sc->step_ms / 1000));
    for (const char *s = tmpl; *s;) {
        const char *rep = NULL;
        size_t skip = 1;
        if (*s == '{') {
            const char *e = strchr(s, '}');
            size_t n = e ? (size_t)(e - s - 1) : 0;
            if (e && n == 3 && strncmp(s + 1, "app", 3) == 0)
                rep = sc->apps[app].name;
            else if (e && n == 3 && strncmp(s + 1, "geo", 3) == 0)
                rep = sc->geos[geo].name;
            else if (e && n == 6 && strncmp(s + 1, "region", 6) == 0)
                rep = sc->regions[sc->geos[geo].home_region].name;
            else if (e && n == 4 && strncmp(s + 1, "step", 4) == 0)
                rep = stepbuf;
            if (rep)
                skip = n + 2;
            /* other braces are PromQL's own (label matchers): kept as they are */
        }
        const char *src = rep ? rep : s;
        size_t n = rep ? strlen(rep) : 1;
        if (l + n + 1 > cap)
            return sc_error_set(err, SC_ERR_INPUT, sc->path,
                                "$.live.metrics.prometheus: query for app '%s' geo '%s' "
                                "longer than %zu characters once expanded",
                                sc->apps[app].name, sc->geos[geo].name, cap - 1);
        memcpy(buf + l, src, n);
        l += n;
        s += skip;
    }
    buf[l] = '\0';
    return SC_OK;
}

/* ---- sources ------------------------------------------------------------------------ */

struct sc_metrics {
    const sc_scenario *sc;
    size_t n_ag;
    unsigned char *observed;    /* [ag] 1 when the app has demand in the geo */
    char *queries;              /* [signal][ag][SC_PROM_QUERY_MAX]; "" = off */
    sc_prom *prom;              /* prometheus source */
    sc_cw *cw;                  /* cloudwatch source */
    sc_cw_query *cwq;           /* [signal][ag] (metric "" = off) */
    int cw_at_end;              /* $.live.metrics.cloudwatch.placement "end" */
    sc_tsdb *db;                /* store source */
    int64_t k0, n_win, cap_win; /* the window [k0, k0 + n_win) */
    double *win;                /* [signal][ag][cap_win] */
};

static char *query_of(const sc_metrics *m, int s, size_t ag)
{
    return m->queries + ((size_t)s * m->n_ag + ag) * SC_PROM_QUERY_MAX;
}

sc_status sc_metrics_open(const char *spec, const sc_scenario *sc,
                          const sc_metrics_section *sec, sc_metrics **out, sc_error *err)
{
    *out = NULL;
    sc_metrics *m = calloc(1, sizeof *m);
    if (!m)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    m->sc = sc;
    m->n_ag = sc->n_apps * sc->n_geos;
    m->observed = calloc(m->n_ag + 1, 1);
    sc_status st = SC_OK;
    if (!m->observed) {
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t d = 0; d < sc->apps[a].n_demand; d++) {
            const sc_demand_src *src = &sc->apps[a].demand[d];
            if (src->metric != SC_METRIC_LOAD) {
                st = sc_error_set(err, SC_ERR_INPUT, sc->path,
                                  "$.apps[%zu].demand[%zu]: a resource-metric demand source; "
                                  "live metrics sources observe each app's load only",
                                  a, d);
                goto fail;
            }
            m->observed[a * sc->n_geos + (size_t)src->geo] = 1;
        }
    if (strncmp(spec, "prometheus:", 11) == 0) {
        if ((st = sc_prom_alloc(spec + 11, (long)sec->timeout_ms, &m->prom, err)))
            goto fail;
        m->queries = calloc(SC_SIGNAL_COUNT * m->n_ag + 1, SC_PROM_QUERY_MAX);
        if (!m->queries) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            goto fail;
        }
        for (int s = 0; s < SC_SIGNAL_COUNT; s++)
            for (size_t ag = 0; ag < m->n_ag; ag++)
                if (m->observed[ag] && sec->query[s][0] &&
                    (st = sc_metrics_expand(sc, sec->query[s], (int)(ag / sc->n_geos),
                                            (int)(ag % sc->n_geos), query_of(m, s, ag),
                                            SC_PROM_QUERY_MAX, err)))
                    goto fail;
    } else if (strcmp(spec, "cloudwatch") == 0) {
        if ((st = sc_cw_alloc(sec->cw_endpoint, &m->cw, err)))
            goto fail;
        m->cw_at_end = sec->cw_at_end;
        m->cwq = calloc(SC_SIGNAL_COUNT * m->n_ag + 1, sizeof *m->cwq);
        if (!m->cwq) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            goto fail;
        }
        for (int s = 0; s < SC_SIGNAL_COUNT; s++)
            for (size_t ag = 0; ag < m->n_ag; ag++) {
                sc_cw_query *q = &m->cwq[(size_t)s * m->n_ag + ag];
                if (!m->observed[ag] || !sec->cw_metric[s][0])
                    continue;
                snprintf(q->id, sizeof q->id, "s%d_%zu", s, ag);
                snprintf(q->ns, sizeof q->ns, "%s", sec->cw_namespace);
                snprintf(q->stat, sizeof q->stat, "%s", sec->cw_stat[s]);
                q->scale = s == SC_SIGNAL_LATENCY ? sec->cw_latency_scale : 1.0;
                if ((st = sc_metrics_expand(sc, sec->cw_metric[s], (int)(ag / sc->n_geos),
                                            (int)(ag % sc->n_geos), q->metric, sizeof q->metric,
                                            err)))
                    goto fail;
                q->n_dims = sec->cw_n_dims;
                for (int d = 0; d < q->n_dims; d++) {
                    snprintf(q->dim_name[d], sizeof q->dim_name[d], "%s", sec->cw_dim_name[d]);
                    if ((st = sc_metrics_expand(sc, sec->cw_dim_tmpl[d], (int)(ag / sc->n_geos),
                                                (int)(ag % sc->n_geos), q->dim_value[d],
                                                sizeof q->dim_value[d], err)))
                        goto fail;
                }
            }
    } else if (strncmp(spec, "store:", 6) == 0) {
        if ((st = sc_tsdb_open(spec + 6, SC_TSDB_READ, &m->db, err)))
            goto fail;
    } else {
        st = sc_error_set(err, SC_ERR_USAGE, "--metrics",
                          "'%s' is not an observation source (prometheus:URL, cloudwatch, "
                          "store:PATH)",
                          spec);
        goto fail;
    }
    *out = m;
    return SC_OK;
fail:
    sc_metrics_free(m);
    return st;
}

void sc_metrics_free(sc_metrics *m)
{
    if (!m)
        return;
    sc_prom_free(m->prom);
    sc_cw_free(m->cw);
    free(m->cwq);
    sc_tsdb_close(m->db, NULL);
    free(m->observed);
    free(m->queries);
    free(m->win);
    free(m);
}

long sc_metrics_n_requests(const sc_metrics *m)
{
    return m ? sc_prom_n_requests(m->prom) + sc_cw_n_requests(m->cw) : 0;
}

static double *win_row(const sc_metrics *m, int s, size_t ag)
{
    return m->win + ((size_t)s * m->n_ag + ag) * (size_t)m->cap_win;
}

/* CloudWatch: one GetMetricData per region (the geographies' home regions). */
static sc_status cw_fetch(sc_metrics *m, sc_time_ms t0, int64_t n, int strict, sc_error *err)
{
    const sc_scenario *sc = m->sc;
    size_t nq_all = SC_SIGNAL_COUNT * m->n_ag;
    sc_cw_query *batch = malloc((nq_all + 1) * sizeof *batch);
    size_t *from = malloc((nq_all + 1) * sizeof *from);
    sc_status st = SC_OK;
    if (!batch || !from) {
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        goto out;
    }
    for (size_t r = 0; r < sc->n_regions && !st; r++) {
        size_t nb = 0;
        for (size_t i = 0; i < nq_all; i++) {
            size_t ag = i % m->n_ag;
            if (!m->cwq[i].id[0] || (size_t)sc->geos[ag % sc->n_geos].home_region != r)
                continue;
            batch[nb] = m->cwq[i];
            batch[nb].out = win_row(m, (int)(i / m->n_ag), ag);
            from[nb++] = i;
        }
        if (!nb)
            continue;
        sc_cw_place pl = {.at_end = m->cw_at_end, .now_ms = sc_live_wall_ms()};
        st = sc_cw_get(m->cw, sc->regions[r].name, batch, nb, t0, sc->step_ms, (size_t)n, &pl,
                       err);
        for (size_t b = 0; !st && strict && b < nb; b++)
            if (from[b] / m->n_ag == SC_SIGNAL_LOAD && batch[b].n_points == 0) {
                size_t ag = from[b] % m->n_ag;
                st = sc_error_set(err, SC_ERR_INPUT, "--metrics cloudwatch",
                                  "no datapoint of %s/%s for app '%s' geo '%s' in %s at the "
                                  "first step: check the namespace, metric and dimensions "
                                  "($.live.metrics.cloudwatch)",
                                  batch[b].ns, batch[b].metric, sc->apps[ag / sc->n_geos].name,
                                  sc->geos[ag % sc->n_geos].name, sc->regions[r].name);
            }
    }
out:
    free(batch);
    free(from);
    return st;
}

/* A store series into row[n] on the grid from t0 (NaN where absent). */
static sc_status store_fetch(sc_metrics *m, const sc_series_key *key, sc_time_ms t0, size_t n,
                             double *row, sc_error *err)
{
    for (size_t i = 0; i < n; i++)
        row[i] = NAN;
    if (!sc_tsdb_has(m->db, key))
        return SC_OK;
    sc_time_ms *t = NULL;
    double *v = NULL;
    size_t nv = 0;
    sc_status st = sc_tsdb_read(m->db, key, t0, t0 + (int64_t)n * m->sc->step_ms, &t, &v, &nv,
                                err);
    for (size_t i = 0; st == SC_OK && i < nv; i++) {
        int64_t d = t[i] - t0;
        if (d >= 0 && d % m->sc->step_ms == 0 && (size_t)(d / m->sc->step_ms) < n)
            row[d / m->sc->step_ms] = v[i];
    }
    free(t);
    free(v);
    return st;
}

sc_status sc_metrics_fetch(sc_metrics *m, int64_t k0, int64_t k1, int strict, sc_error *err)
{
    const sc_scenario *sc = m->sc;
    int64_t n = k1 - k0 + 1;
    if (n <= 0)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "empty fetch window");
    if (n > m->cap_win) {
        double *w = malloc((size_t)SC_SIGNAL_COUNT * m->n_ag * (size_t)n * sizeof *w + 1);
        if (!w)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        free(m->win);
        m->win = w;
        m->cap_win = n;
    }
    m->k0 = k0;
    m->n_win = n;
    sc_time_ms t0 = sc->start + k0 * sc->step_ms;
    if (m->cw) {
        for (int s = 0; s < SC_SIGNAL_COUNT; s++)
            for (size_t ag = 0; ag < m->n_ag; ag++)
                for (int64_t i = 0; i < n; i++)
                    win_row(m, s, ag)[i] = (s == SC_SIGNAL_LOAD && !m->observed[ag]) ? 0.0 : NAN;
        return cw_fetch(m, t0, n, strict, err);
    }
    for (int s = 0; s < SC_SIGNAL_COUNT; s++)
        for (size_t ag = 0; ag < m->n_ag; ag++) {
            double *row = win_row(m, s, ag);
            for (int64_t i = 0; i < n; i++)
                row[i] = (s == SC_SIGNAL_LOAD && !m->observed[ag]) ? 0.0 : NAN;
            if (!m->observed[ag])
                continue;
            const char *app = sc->apps[ag / sc->n_geos].name;
            const char *geo = sc->geos[ag % sc->n_geos].name;
            sc_status st;
            if (m->db) {
                sc_series_key key = {app, geo, signal_metric[s]};
                st = store_fetch(m, &key, t0, (size_t)n, row, err);
            } else {
                const char *q = query_of(m, s, ag);
                if (!q[0])
                    continue;
                sc_prom_range info;
                st = sc_prom_query_range(m->prom, q, t0, sc->step_ms, (size_t)n, row, &info,
                                         err);
                if (st == SC_OK && strict && s == SC_SIGNAL_LOAD && info.n_series == 0)
                    st = sc_error_set(err, SC_ERR_INPUT, "--metrics",
                                      "the load query of app '%s' geo '%s' returned no "
                                      "series (query: %.300s): check the metric name and "
                                      "labels, or $.live.metrics.prometheus.load",
                                      app, geo, q);
            }
            if (st)
                return st;
        }
    return SC_OK;
}

double sc_metrics_value(const sc_metrics *m, sc_metrics_signal s, size_t ag, int64_t k)
{
    if (k < m->k0 || k >= m->k0 + m->n_win || ag >= m->n_ag)
        return NAN;
    return win_row(m, (int)s, ag)[k - m->k0];
}

int sc_metrics_store_has_observations(const char *path, const sc_scenario *sc)
{
    sc_tsdb *db = NULL;
    if (sc_tsdb_open(path, SC_TSDB_READ, &db, NULL))
        return 0;
    int all = 1, any = 0;
    for (size_t a = 0; a < sc->n_apps && all; a++)
        for (size_t d = 0; d < sc->apps[a].n_demand; d++) {
            const sc_demand_src *src = &sc->apps[a].demand[d];
            sc_series_key key = {sc->apps[a].name, sc->geos[src->geo].name, "observed_load"};
            if (!sc_tsdb_has(db, &key)) {
                all = 0;
                break;
            }
            any = 1;
        }
    sc_tsdb_close(db, NULL);
    return all && any;
}

/* ---- routing one step ------------------------------------------------------------- */

void sc_metrics_route(const sc_world *w, const double *load_ag, float *load_ar,
                      float *ieq_ar)
{
    const sc_scenario *sc = w->sc;
    size_t ng = sc->n_geos, nr = sc->n_regions;
    for (size_t i = 0; i < w->n_ar; i++)
        load_ar[i] = ieq_ar[i] = 0.0f;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        const sc_instance_type *it = &sc->types[app->instance_type];
        for (size_t g = 0; g < ng; g++) {
            double L = load_ag[a * ng + g];
            if (!(L > 0))
                continue; /* no demand, a gap never carried, or a negative reading */
            double e = 0.0;
            for (int m = 0; m < SC_METRIC_RESOURCES; m++)
                if (it->capacity[m] > 0 && app->needs[m] * L / it->capacity[m] > e)
                    e = app->needs[m] * L / it->capacity[m];
            for (size_t r = 0; r < nr; r++) {
                double sh = w->share[(a * ng + g) * nr + r];
                if (sh > 0) {
                    load_ar[a * nr + r] += (float)(sh * L);
                    ieq_ar[a * nr + r] += (float)(sh * e);
                }
            }
        }
    }
}

void sc_metrics_geo_ieq(const sc_world *w, const double *load_ag, double *ieq_ag)
{
    const sc_scenario *sc = w->sc;
    size_t ng = sc->n_geos;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        const sc_instance_type *it = &sc->types[app->instance_type];
        for (size_t g = 0; g < ng; g++) {
            double L = load_ag[a * ng + g], e = 0.0;
            for (int m = 0; m < SC_METRIC_RESOURCES && L > 0; m++)
                if (it->capacity[m] > 0 && app->needs[m] * L / it->capacity[m] > e)
                    e = app->needs[m] * L / it->capacity[m];
            ieq_ag[a * ng + g] = e;
        }
    }
}

/* ---- the observation writer ------------------------------------------------------- */

#define OBS_BUF 4096 /* samples buffered per series at most (one chunk of the store) */

struct sc_obs_writer {
    const sc_scenario *sc;
    sc_tsdb *db;
    size_t n_series;            /* SC_SIGNAL_COUNT x n_ag */
    sc_time_ms *last;           /* [series] last stored or buffered t (SC_TIME_MIN none) */
    size_t *n, *cap;            /* [series] buffered samples, buffer capacity */
    sc_time_ms **t;             /* [series] -> [cap], grown on demand up to OBS_BUF */
    double **v;                 /* [series] -> [cap] */
    sc_tsdb_appender **app;     /* [series] open append paths (h-live: handles kept open
                                   across flushes), NULL until the first flush */
    int64_t pending;            /* steps added since the last flush */
    long appended;
};

sc_status sc_obs_writer_open(const char *path, const sc_scenario *sc, sc_obs_writer **out,
                             sc_error *err)
{
    *out = NULL;
    sc_obs_writer *w = calloc(1, sizeof *w);
    if (!w)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    w->sc = sc;
    size_t n_ag = sc->n_apps * sc->n_geos;
    w->n_series = SC_SIGNAL_COUNT * n_ag;
    w->last = malloc((w->n_series + 1) * sizeof *w->last);
    w->n = calloc(w->n_series + 1, sizeof *w->n);
    w->cap = calloc(w->n_series + 1, sizeof *w->cap);
    w->t = calloc(w->n_series + 1, sizeof *w->t);
    w->v = calloc(w->n_series + 1, sizeof *w->v);
    w->app = calloc(w->n_series + 1, sizeof *w->app);
    sc_status st;
    if (!w->last || !w->n || !w->cap || !w->t || !w->v || !w->app) {
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    FILE *probe = fopen(path, "rb");
    if (probe)
        fclose(probe);
    if ((st = sc_tsdb_open(path, probe ? SC_TSDB_RDWR : SC_TSDB_CREATE, &w->db, err)))
        goto fail;
    for (size_t i = 0; i < w->n_series; i++) {
        w->last[i] = SC_TIME_MIN;
        size_t ag = i % n_ag;
        sc_series_key key = {sc->apps[ag / sc->n_geos].name, sc->geos[ag % sc->n_geos].name,
                             signal_metric[i / n_ag]};
        sc_series_info info;
        if (probe && sc_tsdb_has(w->db, &key) && sc_tsdb_info(w->db, &key, &info, NULL) == SC_OK &&
            info.n > 0)
            w->last[i] = info.t_last;
    }
    *out = w;
    return SC_OK;
fail:
    sc_obs_writer_close(w, NULL, NULL);
    return st;
}

int64_t sc_obs_writer_pending(const sc_obs_writer *w) { return w ? w->pending : 0; }

sc_status sc_obs_writer_add(sc_obs_writer *w, int64_t k, const double *const *vals,
                            sc_error *err)
{
    const sc_scenario *sc = w->sc;
    size_t n_ag = sc->n_apps * sc->n_geos;
    sc_time_ms t = sc->start + k * sc->step_ms;
    for (int s = 0; s < SC_SIGNAL_COUNT; s++) {
        if (!vals[s])
            continue;
        for (size_t ag = 0; ag < n_ag; ag++) {
            size_t i = (size_t)s * n_ag + ag;
            if (t <= w->last[i])
                continue; /* already stored (a resumed run) */
            if (w->n[i] == OBS_BUF) {
                sc_status st = sc_obs_writer_flush(w, err);
                if (st)
                    return st;
            }
            if (w->n[i] == w->cap[i]) {
                size_t c = w->cap[i] ? 2 * w->cap[i] : 16;
                sc_time_ms *nt = realloc(w->t[i], c * sizeof *nt);
                if (nt)
                    w->t[i] = nt;
                double *nv = nt ? realloc(w->v[i], c * sizeof *nv) : NULL;
                if (!nv)
                    return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
                w->v[i] = nv;
                w->cap[i] = c;
            }
            w->t[i][w->n[i]] = t;
            w->v[i][w->n[i]] = vals[s][ag];
            w->n[i]++;
            w->last[i] = t;
        }
    }
    w->pending++;
    return SC_OK;
}

sc_status sc_obs_writer_flush(sc_obs_writer *w, sc_error *err)
{
    const sc_scenario *sc = w->sc;
    size_t n_ag = sc->n_apps * sc->n_geos;
    for (size_t i = 0; i < w->n_series; i++) {
        if (!w->n[i])
            continue;
        size_t ag = i % n_ag;
        int s = (int)(i / n_ag);
        const sc_app *app = &sc->apps[ag / sc->n_geos];
        sc_series_key key = {app->name, sc->geos[ag % sc->n_geos].name, signal_metric[s]};
        const char *unit = s == SC_SIGNAL_LOAD ? app->unit
                           : s == SC_SIGNAL_LATENCY ? "ms" : "ratio";
        sc_status st = w->app[i] ? SC_OK
                                 : sc_tsdb_appender_open(w->db, &key, unit, sc->step_ms, "geo",
                                                         &w->app[i], err);
        if (!st)
            st = sc_tsdb_appender_add(w->app[i], w->t[i], w->v[i], w->n[i], err);
        if (st)
            return st;
        w->appended += (long)w->n[i];
        w->n[i] = 0;
    }
    w->pending = 0;
    return SC_OK;
}

sc_status sc_obs_writer_close(sc_obs_writer *w, long *n_samples, sc_error *err)
{
    if (!w)
        return SC_OK;
    sc_status st = w->db && w->n && w->app ? sc_obs_writer_flush(w, err) : SC_OK;
    for (size_t i = 0; w->app && i < w->n_series; i++)
        sc_tsdb_appender_close(w->app[i]);
    free(w->app);
    sc_error e2;
    sc_status cst = sc_tsdb_close(w->db, &e2);
    if (!st && cst) {
        st = cst;
        if (err)
            *err = e2;
    }
    if (n_samples)
        *n_samples = w->appended;
    for (size_t i = 0; w->t && w->v && i < w->n_series; i++) {
        free(w->t[i]);
        free(w->v[i]);
    }
    free(w->last);
    free(w->n);
    free(w->cap);
    free(w->t);
    free(w->v);
    free(w);
    return st;
}
