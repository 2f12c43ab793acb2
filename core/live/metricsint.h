/*
 * metricsint.h - live mode's monitoring sources (internal, not installed): the Prometheus
 * client (prom.c), its query_range answer parser, and the observation source the live
 * loop reads one step at a time (metrics.c).
 *
 * Observations.  A source delivers, for every (app, geo) of the scenario and every
 * scenario step k (instant t_k = start + k x step), three values:
 *   load        the app's load in the geography, in the app's load unit, after the
 *               scenario's demand scale and offset (what the simulator routes);
 *   latency_ms  the SLO latency signal (e.g. a histogram quantile), NaN when not observed;
 *   error_ratio the fraction of requests that failed, NaN when not observed.
 * A missing step is a gap (NaN), never a zero.  The loop turns loads into the per-region
 * rows the policies read (sc_metrics_route, the same mapping as sc_world_build's: the
 * start-of-run routing shares, instance-equivalents from the app's needs).
 *
 * Store layout of observations (sc_tsdb, one series per (app, geo, signal)):
 *   /series/<app>/<geo>/observed_load, observed_latency_ms, observed_error_ratio
 * The names differ from the scenario's trace keys (a synthetic trace is
 * <app>/<geo>/load, the raw values before scale), so both can live in one file.
 *
 * Prometheus (sc_prom).  GET <base>/api/v1/query_range?query=Q&start=S&end=E&step=D with
 * S and E in Unix seconds (millisecond decimals) and D in seconds.  The answer (the
 * published HTTP API: {"status": "success"|"error", "data": {"resultType": "matrix",
 * "result": [{"metric": {...}, "values": [[<unix s>, "<value>"], ...]}]}, "errorType",
 * "error", "warnings"}) is parsed by sc_prom_parse_range: values are strings ("1.5",
 * "NaN", "+Inf", "-Inf"); each sample is placed on the step grid by its timestamp
 * (rounded to the ms); a sample off the grid is ignored and counted; steps without a
 * sample (a gap, a stale series that Prometheus no longer returns) stay NaN.
 */
#ifndef SCULPT_METRICSINT_H
#define SCULPT_METRICSINT_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/scenario.h"
#include "sculpt/simulator.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

/* ---- the query_range parser ------------------------------------------------------ */

typedef struct sc_prom_range {
    size_t n_series;            /* series in the answer */
    size_t n_placed;            /* samples placed on the grid */
    size_t n_off_grid;          /* samples ignored: timestamp off the grid or outside */
} sc_prom_range;

/* Parse the query_range answer body[len] onto the grid t0 + i x step_ms, i in [0, n):
 * out[i] = the value at that instant, NaN where none.  The answer must hold at most one
 * series (aggregate in the query, e.g. sum by ()); zero series leave out all NaN and
 * info->n_series = 0 (the caller decides whether that is an error).  `what` names the
 * query in messages.  Errors: SC_ERR_INPUT for an answer that is not the documented JSON,
 * for status "error" (the message carries errorType and error), for a resultType other
 * than matrix and for more than one series. */
sc_status sc_prom_parse_range(const char *body, size_t len, sc_time_ms t0, int64_t step_ms,
                              size_t n, double *out, sc_prom_range *info, const char *what,
                              sc_error *err);

/* ---- the Prometheus client -------------------------------------------------------- */

typedef struct sc_prom sc_prom;

/* A client of the server at base_url ("http://127.0.0.1:9090", https, or http to a
 * loopback host only; a trailing '/' is allowed).  Free with sc_prom_free. */
sc_status sc_prom_alloc(const char *base_url, long timeout_ms, sc_prom **out, sc_error *err);
void sc_prom_free(sc_prom *p);
/* Evaluate query over the grid t0 + i x step_ms, i in [0, n), into out[n] (as
 * sc_prom_parse_range; grids longer than 10,000 steps are asked in pieces, below the
 * server's 11,000-point limit).  SC_ERR_IO when the server does not answer (after retries) or
 * answers 5xx without the API's JSON; SC_ERR_INPUT for an error answer (bad query). */
sc_status sc_prom_query_range(sc_prom *p, const char *query, sc_time_ms t0, int64_t step_ms,
                              size_t n, double *out, sc_prom_range *info, sc_error *err);
long sc_prom_n_requests(const sc_prom *p);

/* ---- the CloudWatch client (core/cloud/cloudwatch.c) ------------------------------ */

/* One metric query of GetMetricData, and where its datapoints go. */
typedef struct sc_cw_query {
    char id[32];                /* [a-z][a-zA-Z0-9_]*, unique in a request */
    char ns[256], metric[256], stat[32];
    int n_dims;
    char dim_name[4][64], dim_value[4][256];
    double scale;               /* values are multiplied by this (e.g. s -> ms: 1000) */
    double *out;                /* [n] on the grid; NaN where no datapoint */
    size_t n_points;            /* datapoints placed */
    size_t n_partial;           /* of those, from a period not over at the request */
} sc_cw_query;

/* Where datapoints go (cloudwatch.c, "Placement" and "Partial last period"). */
typedef struct sc_cw_place {
    int at_end;                 /* 0: the step starting nearest the period's start; 1:
                                   nearest its end (the period just closed) */
    sc_time_ms now_ms;          /* wall time of the request (ms since the epoch): periods
                                   not over by then are partial; 0 = no check */
} sc_cw_place;

typedef struct sc_cw sc_cw;

/* A client of CloudWatch at endpoint (NULL or "" = the real regional endpoints; https,
 * or http to loopback), with credentials from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY
 * / AWS_SESSION_TOKEN (SC_ERR_INPUT when missing; the secret goes to libcurl only). */
sc_status sc_cw_alloc(const char *endpoint, sc_cw **out, sc_error *err);
void sc_cw_free(sc_cw *c);
/* GetMetricData for the queries q[nq] in region, period = step_ms, over the grid t0 +
 * i x step_ms, i in [0, n) (pages followed).  SC_ERR_IO: no answer or 5xx; SC_ERR_INPUT:
 * a 4xx (the API's error code in the message) or an answer that cannot be read. */
sc_status sc_cw_get(sc_cw *c, const char *region, sc_cw_query *q, size_t nq, sc_time_ms t0,
                    int64_t step_ms, size_t n, const sc_cw_place *pl, sc_error *err);
long sc_cw_n_requests(const sc_cw *c);

/* ---- observation sources ---------------------------------------------------------- */

typedef enum sc_metrics_signal {
    SC_SIGNAL_LOAD = 0,
    SC_SIGNAL_LATENCY = 1,
    SC_SIGNAL_ERRORS = 2,
    SC_SIGNAL_COUNT = 3
} sc_metrics_signal;

/* The scenario's `live.metrics` section (all optional):
 *   "metrics": {"store": PATH,            every observation appended here (relative to
 *                                          the scenario's directory; --store overrides)
 *               "prometheus": {"load": Q, "latency": Q, "errors": Q, "timeout": "10s"}}
 * Q is a PromQL template: {app}, {geo}, {region} (the geo's home region) and {step}
 * (the scenario step as a Prometheus duration, e.g. "300s") are replaced.  Defaults:
 * SC_PROM_DEFAULT_LOAD, _LATENCY, _ERRORS below; "" turns the latency or error signal
 * off. */
#define SC_PROM_DEFAULT_LOAD "sum(sculpt_load{app=\"{app}\",geo=\"{geo}\"})"
#define SC_PROM_DEFAULT_LATENCY                                                          \
    "1000 * histogram_quantile(0.95, sum by (le) (rate("                                 \
    "sculpt_request_duration_seconds_bucket{app=\"{app}\",geo=\"{geo}\"}[{step}])))"
#define SC_PROM_DEFAULT_ERRORS                                                           \
    "sum(rate(sculpt_requests_failed_total{app=\"{app}\",geo=\"{geo}\"}[{step}])) / "    \
    "sum(rate(sculpt_requests_total{app=\"{app}\",geo=\"{geo}\"}[{step}]))"
#define SC_PROM_QUERY_MAX 1024

typedef struct sc_metrics_section {
    char store[1024];           /* "" = none; resolved against the scenario's directory */
    char query[SC_SIGNAL_COUNT][SC_PROM_QUERY_MAX]; /* templates; "" = signal off */
    int64_t timeout_ms;         /* one HTTP request */
    /* "cloudwatch": {"endpoint": URL, "namespace": "Sculpt", "load": "sculpt_load",
     *   "latency": "sculpt_latency_ms", "errors": "sculpt_error_ratio" ("" = off),
     *   "load_stat" / "latency_stat" / "errors_stat": "Average" (or p95, Sum, ...),
     *   "latency_scale": 1, "dimensions": {"app": "{app}", "geo": "{geo}"}} (at most 4
     *   dimensions, values templated as queries are; --endpoint overrides endpoint).
     *   Each query reads the geography's home region. */
    char cw_endpoint[512];
    char cw_namespace[256];
    char cw_metric[SC_SIGNAL_COUNT][256];
    char cw_stat[SC_SIGNAL_COUNT][32];
    double cw_latency_scale;
    int cw_n_dims;
    char cw_dim_name[4][64], cw_dim_tmpl[4][256];
    int cw_at_end;              /* "placement": "start" (0, default) or "end" (1) */
} sc_metrics_section;

sc_status sc_metrics_section_read(const sc_scenario *sc, sc_metrics_section *out,
                                  sc_error *err);

/* Expand a template for (app, geo) into buf[cap]; SC_ERR_INPUT when it does not fit or
 * names an unknown {field}. */
sc_status sc_metrics_expand(const sc_scenario *sc, const char *tmpl, int app, int geo,
                            char *buf, size_t cap, sc_error *err);

typedef struct sc_metrics sc_metrics;

/* A source for spec "prometheus:URL", "cloudwatch" or "store:PATH" (a store holding observed_load for
 * every app-geo with load demand: sc_metrics_store_has_observations).  Bad spec, URL or
 * section: SC_ERR_INPUT / SC_ERR_USAGE; an app with a resource-metric demand source is
 * refused (these sources observe load). */
sc_status sc_metrics_open(const char *spec, const sc_scenario *sc,
                          const sc_metrics_section *sec, sc_metrics **out, sc_error *err);
void sc_metrics_free(sc_metrics *m);
/* Fetch steps [k0, k1] (inclusive, k1 < the scenario's steps) of every signal; then
 * sc_metrics_value reads them.  `strict`: a load query that returns no series at all is
 * SC_ERR_INPUT (the first fetch: a wrong metric name or label), else a gap. */
sc_status sc_metrics_fetch(sc_metrics *m, int64_t k0, int64_t k1, int strict, sc_error *err);
/* Value of signal s for app-geo ag (= app x n_geos + geo) at step k in [k0, k1] of the
 * last fetch; NaN when missing. */
double sc_metrics_value(const sc_metrics *m, sc_metrics_signal s, size_t ag, int64_t k);
/* HTTP requests made (0 for the store). */
long sc_metrics_n_requests(const sc_metrics *m);

/* 1 when the store at path holds <app>/<geo>/observed_load for every app-geo of sc with
 * load demand; 0 otherwise (also when it cannot be opened). */
int sc_metrics_store_has_observations(const char *path, const sc_scenario *sc);

/* Per-region rows of one step from per-geo loads: load_ag[n_apps x n_geos] (NaN = gap,
 * carried forward by the caller) -> load_ar, ieq_ar [n_apps x n_regions], with the
 * world's routing shares and the app's instance-equivalents per load unit. */
void sc_metrics_route(const sc_world *w, const double *load_ag, float *load_ar,
                      float *ieq_ar);

/* h-liveroute: the instance-equivalents of each geography's load, the mapping
 * sc_metrics_route applies before it splits the load over regions:
 * ieq_ag[ag] = max over resources of needs[m] x L / capacity[m] (0 where L is not > 0).
 * This is the per-geography demand the policy view's geo_ieq carries (issue 11). */
void sc_metrics_geo_ieq(const sc_world *w, const double *load_ag, double *ieq_ag);

/* ---- appending observations to the store ----------------------------------------- */

typedef struct sc_obs_writer sc_obs_writer;

/* Open (create when absent) the store at path for observations of sc.  Observations
 * are buffered per series (up to 4096 samples, one chunk of the store) and appended by
 * sc_obs_writer_flush (also called by _close and when a buffer is full): an append
 * costs about the same for 1 sample as for hundreds (the store decompresses and
 * rewrites its last chunk), so the live loop flushes every SC_OBS_FLUSH_STEPS steps or
 * after a catch-up fetch, not every step.  A crash loses at most the buffered steps,
 * which a resumed run observes again and appends (steps already stored are skipped). */
#define SC_OBS_FLUSH_STEPS 12
sc_status sc_obs_writer_open(const char *path, const sc_scenario *sc, sc_obs_writer **out,
                             sc_error *err);
/* Buffer step k's observations: vals[SC_SIGNAL_COUNT][n_apps x n_geos]; a signal row
 * may be NULL (not observed).  Steps already in the store (a resumed run) are skipped. */
sc_status sc_obs_writer_add(sc_obs_writer *w, int64_t k, const double *const *vals,
                            sc_error *err);
sc_status sc_obs_writer_flush(sc_obs_writer *w, sc_error *err);
/* Steps added since the last flush. */
int64_t sc_obs_writer_pending(const sc_obs_writer *w);
/* Flush and close; NULL is a no-op.  Samples appended so far: *n_samples (may be NULL). */
sc_status sc_obs_writer_close(sc_obs_writer *w, long *n_samples, sc_error *err);

#endif
