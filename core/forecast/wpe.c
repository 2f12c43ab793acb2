/*
 * wpe.c - the Workload Prediction Engine (wpe.h): per-series resampling rings, refit
 * cadence with ets warm starts, update() between refits, event regressors filtered by
 * announcement time, the fallback hierarchy, and the WIV.
 *
 * Data structures.  Per series, a ring of `cap` = history + ceil(refit / step) + 4
 * engine steps holds the resampled values by absolute step index k (slot k mod cap):
 * val[] is the running peak (PEAK, NaN until a value arrives) or the running sum
 * (MEAN, with cnt[] the values summed).  Steps [k_lo, k_hi) are held; steps below
 * k_closed were closed by a forecast and take no more observations.  A refit reads the
 * window [max(k_end - history, k_first), k_end) from the ring into the engine's
 * scratch `hist` (transformed); an update() absorbs steps [k_next, k_end).  Between
 * refits k_end - k_next <= ceil(refit / step) + 1, so the ring always holds them.
 *
 * The arithmetic is the one of the pipelines it replaces (core/policy/sculpt.c before
 * issue 9): the peak is `if (!(v <= m)) m = v` from NaN, the mean sum / count in
 * arrival order; the warm-start shift is (k0 - previous k0) mod period; a regressor
 * column is kept when it varies over the history (for the 0/1 indicators the policy
 * uses: 0 < rows on < n, its old rule).  Results of the policies are the same to the
 * last digit (tests/golden).
 *
 * Invariants: k_lo <= k_hi, k_hi - k_lo <= cap; fc is NULL before the first fit and
 * after a period change, else the last successful fit (a failed refit keeps the
 * previous model); no allocation in observe() or in a forecast that does not refit.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "robust.h"
#include "sculpt/wpe.h"

typedef struct wpe_series {
    char app[SC_WPE_NAME_MAX];
    char geo[SC_WPE_NAME_MAX];
    char (*egeos)[SC_WPE_NAME_MAX];  /* geographies whose events apply (owned) */
    size_t n_egeos;
    double *val;              /* [cap] peak or sum per step slot */
    uint32_t *cnt;            /* [cap] values seen per step slot */
    int64_t k_lo, k_hi;       /* steps held: [k_lo, k_hi) */
    int64_t k_closed;         /* steps < k_closed are closed */
    int64_t k_first;          /* first step used (INT64_MIN: not known yet) */
    sc_time_ms t_last;        /* last observation time (order check) */
    sc_forecaster *fc;        /* owned; NULL until the first fit */
    sc_time_ms fitted_at;     /* now of the last fit */
    int64_t k_next;           /* next closed step to absorb by update() */
    int64_t k0_fit;           /* first step of the last fit window */
    size_t n_known;           /* feed events known at the last fit */
    size_t n_hist, n_exog;    /* of the last fit */
    uint64_t fits;
    int period;               /* seasonal period of this series; 0 = the config's */
} wpe_series;

struct sc_wpe {
    sc_wpe_config cfg;
    const char *names[SC_WPE_MAX_NAMES];
    size_t n_names;
    size_t n_series;
    wpe_series *s;            /* [n_series] */
    int64_t cap;              /* ring slots per series */
    int64_t refit_steps;      /* ceil(refit / step) */
    double *hist;             /* scratch [history] */
    double *mean, *quant;     /* scratch [horizon], [horizon * nq] */
    sc_event_feed *known;     /* scratch: events known for one series (feed only) */
    double *xbuf;             /* scratch [xrows * SC_FORECAST_MAX_EXOG] (feed only) */
    size_t xrows;
    double *raw;              /* scratch [max(history, cap)] raw steps (robust only) */
    double *rscratch;         /* scratch of the robust filter (robust only) */
};

void sc_wpe_config_init(sc_wpe_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->step_ms = INT64_C(3600000);
    cfg->start_ms = SC_TIME_MIN;
    cfg->rule = SC_WPE_PEAK;
    cfg->log_floor = 1e-3;
    cfg->history = 14 * 24;
    cfg->refit_ms = 24 * INT64_C(3600000);
    cfg->horizon = 24;
    sc_forecast_config_init(&cfg->fc);
    cfg->warm = 1;
    cfg->warm_maxit = 1000;
    cfg->announce_lead_ms = 24 * INT64_C(3600000);
    cfg->robust_k = 5.0;
    cfg->robust_tail = 0.01;
}

/* The filter of the engine for a series of the given seasonal period. */
static void robust_config(const sc_wpe *w, int period, sc_robust_config *rc)
{
    sc_robust_config_init(rc);
    rc->period = period;
    rc->k = w->cfg.robust_k;
    rc->tail = w->cfg.robust_tail;
}

void sc_wpe_free(sc_wpe *wpe)
{
    if (!wpe)
        return;
    if (wpe->s)
        for (size_t i = 0; i < wpe->n_series; i++) {
            sc_forecaster_free(wpe->s[i].fc);
            free(wpe->s[i].val);
            free(wpe->s[i].cnt);
            free(wpe->s[i].egeos);
        }
    free(wpe->s);
    free(wpe->hist);
    free(wpe->mean);
    free(wpe->quant);
    free(wpe->xbuf);
    free(wpe->raw);
    free(wpe->rscratch);
    sc_event_feed_free(wpe->known);
    free(wpe);
}

sc_status sc_wpe_alloc(const sc_wpe_config *cfg, size_t n_series, sc_wpe **out,
                       sc_error *err)
{
    static const char *const chain[] = {"ets", "snaive", "naive"};
    *out = NULL;
    if (!cfg || n_series == 0)
        return sc_error_set(err, SC_ERR_INPUT, "wpe", "no configuration or no series");
    if (cfg->step_ms <= 0 || cfg->obs_span_ms < 0 || cfg->history < 1 ||
        cfg->history > SC_WPE_MAX_STEPS || cfg->refit_ms < 0 || cfg->horizon < 1 ||
        cfg->horizon > SC_WPE_MAX_STEPS || cfg->nq > SC_WPE_MAX_QUANTILES ||
        cfg->n_names > SC_WPE_MAX_NAMES || (cfg->rule != SC_WPE_PEAK && cfg->rule != SC_WPE_MEAN) ||
        (cfg->log && !(cfg->log_floor > 0)) || cfg->announce_lead_ms < 0 ||
        cfg->robust < 0 || cfg->robust > 2 ||
        (cfg->robust && (!(cfg->robust_k > 0) || !(cfg->robust_tail >= 0 && cfg->robust_tail < 1))))
        return sc_error_set(err, SC_ERR_INPUT, "wpe",
                            "bad option: expected step > 0, span >= 0, history >= 1, "
                            "refit >= 0, 1 <= horizon, nq <= %d, rule peak or mean, "
                            "log floor > 0, robust 0..2 with k > 0 and tail in [0, 1)",
                            SC_WPE_MAX_QUANTILES);
    for (size_t k = 0; k < cfg->nq; k++)
        if (!(cfg->q[k] > 0 && cfg->q[k] < 1) || (k > 0 && !(cfg->q[k] > cfg->q[k - 1])))
            return sc_error_set(err, SC_ERR_INPUT, "wpe",
                                "quantile %zu: expected ascending levels in (0, 1)", k);
    sc_wpe *w = calloc(1, sizeof *w);
    if (!w)
        return sc_error_set(err, SC_ERR_NOMEM, "wpe", "out of memory");
    w->cfg = *cfg;
    if (cfg->n_names == 0) {
        for (size_t i = 0; i < 3; i++)
            snprintf(w->cfg.names[i], SC_WPE_NAME_MAX, "%s", chain[i]);
        w->cfg.n_names = 3;
    }
    w->n_names = w->cfg.n_names;
    sc_status st;
    for (size_t i = 0; i < w->n_names; i++) {
        const sc_forecaster_type *ft;
        w->names[i] = w->cfg.names[i];
        if ((st = sc_forecaster_type_find(w->names[i], &ft, err)) != SC_OK) {
            sc_wpe_free(w);
            return st;
        }
    }
    w->refit_steps = (cfg->refit_ms + cfg->step_ms - 1) / cfg->step_ms;
    if (w->cfg.n_future == 0)
        w->cfg.n_future = (size_t)w->refit_steps + cfg->horizon + 2;
    w->cap = (int64_t)cfg->history + w->refit_steps + 4;
    w->n_series = n_series;
    w->s = calloc(n_series, sizeof *w->s);
    w->hist = calloc(cfg->history, sizeof *w->hist);
    w->mean = calloc(cfg->horizon, sizeof *w->mean);
    w->quant = calloc(cfg->horizon * (cfg->nq ? cfg->nq : 1), sizeof *w->quant);
    if (cfg->feed) {
        w->xrows = cfg->history + w->cfg.n_future;
        w->known = sc_event_feed_alloc();
        w->xbuf = malloc(w->xrows * SC_FORECAST_MAX_EXOG * sizeof *w->xbuf);
    }
    if (cfg->robust) {
        size_t nr = cfg->history > (size_t)w->cap ? cfg->history : (size_t)w->cap;
        sc_robust_config rc;
        robust_config(w, SC_FORECAST_MAX_PERIOD, &rc);
        w->raw = malloc(nr * sizeof *w->raw);
        w->rscratch = malloc(sc_robust_scratch_len(&rc, nr) * sizeof *w->rscratch);
    }
    if (!w->s || !w->hist || !w->mean || !w->quant || (cfg->feed && (!w->known || !w->xbuf)) ||
        (cfg->robust && (!w->raw || !w->rscratch))) {
        sc_wpe_free(w);
        return sc_error_set(err, SC_ERR_NOMEM, "wpe", "out of memory");
    }
    int64_t k_first = cfg->start_ms == SC_TIME_MIN
                          ? INT64_MIN
                          : sc_time_floor_div(sc_time_add(cfg->start_ms, cfg->step_ms - 1),
                                              cfg->step_ms);
    for (size_t i = 0; i < n_series; i++) {
        wpe_series *s = &w->s[i];
        s->val = malloc((size_t)w->cap * sizeof *s->val);
        s->cnt = malloc((size_t)w->cap * sizeof *s->cnt);
        if (!s->val || !s->cnt) {
            sc_wpe_free(w);
            return sc_error_set(err, SC_ERR_NOMEM, "wpe", "out of memory");
        }
        s->k_lo = s->k_hi = s->k_closed = INT64_MIN;
        s->k_first = k_first;
        s->t_last = SC_TIME_MIN;
    }
    *out = w;
    return SC_OK;
}

sc_status sc_wpe_series_set(sc_wpe *wpe, size_t series, const char *app, const char *geo,
                            const char *const *event_geos, size_t n_geos, sc_error *err)
{
    if (!wpe || series >= wpe->n_series || !app || !geo || (n_geos && !event_geos) ||
        n_geos > SC_WPE_MAX_GEOS)
        return sc_error_set(err, SC_ERR_RANGE, "wpe", "series %zu: bad series or names",
                            series);
    wpe_series *s = &wpe->s[series];
    if (strlen(app) >= SC_WPE_NAME_MAX || strlen(geo) >= SC_WPE_NAME_MAX)
        return sc_error_set(err, SC_ERR_INPUT, "wpe", "series %zu: name too long", series);
    snprintf(s->app, sizeof s->app, "%s", app);
    snprintf(s->geo, sizeof s->geo, "%s", geo);
    free(s->egeos);
    s->egeos = NULL;
    s->n_egeos = 0;
    size_t ng = n_geos ? n_geos : 1;
    s->egeos = calloc(ng, sizeof *s->egeos);
    if (!s->egeos)
        return sc_error_set(err, SC_ERR_NOMEM, "wpe", "out of memory");
    for (size_t g = 0; g < ng; g++)
        snprintf(s->egeos[g], SC_WPE_NAME_MAX, "%s", n_geos ? event_geos[g] : geo);
    s->n_egeos = ng;
    return SC_OK;
}

static size_t slot(const sc_wpe *w, int64_t k)
{
    int64_t r = k % w->cap;
    return (size_t)(r < 0 ? r + w->cap : r);
}

/* Make step k held (k >= k_hi - 1 or inside the ring), clearing the slots it brings in. */
static void ring_reach(sc_wpe *w, wpe_series *s, int64_t k)
{
    double empty = w->cfg.rule == SC_WPE_PEAK ? NAN : 0.0;
    if (s->k_hi == INT64_MIN) {
        s->k_lo = k;
        s->k_hi = k;
    }
    if (k < s->k_hi)
        return;
    int64_t from = k + 1 - s->k_hi > w->cap ? k + 1 - w->cap : s->k_hi;
    for (int64_t j = from; j <= k; j++) {
        size_t i = slot(w, j);
        s->val[i] = empty;
        s->cnt[i] = 0;
    }
    s->k_hi = k + 1;
    if (s->k_hi - s->k_lo > w->cap)
        s->k_lo = s->k_hi - w->cap;
}

sc_status sc_wpe_observe(sc_wpe *wpe, size_t series, sc_time_ms t_ms, double value,
                         sc_error *err)
{
    if (!wpe || series >= wpe->n_series)
        return sc_error_set(err, SC_ERR_RANGE, "wpe", "no series %zu", series);
    wpe_series *s = &wpe->s[series];
    if (t_ms < s->t_last)
        return sc_error_set(err, SC_ERR_INPUT, "wpe",
                            "series %zu: observation at %lld ms before the previous one "
                            "(%lld ms): observations come in time order",
                            series, (long long)t_ms, (long long)s->t_last);
    int64_t step = wpe->cfg.step_ms;
    int64_t k0 = sc_time_floor_div(t_ms, step);
    int64_t k1 = wpe->cfg.obs_span_ms > 0
                     ? sc_time_floor_div(sc_time_add(t_ms, wpe->cfg.obs_span_ms - 1), step)
                     : k0;
    if (k1 < s->k_closed)
        return sc_error_set(err, SC_ERR_INPUT, "wpe",
                            "series %zu: observation at %lld ms falls in steps already "
                            "closed by a forecast",
                            series, (long long)t_ms);
    s->t_last = t_ms;
    if (isnan(value)) /* missing */
        return SC_OK;
    if (k0 < s->k_closed)
        k0 = s->k_closed;
    if (s->k_first == INT64_MIN)
        s->k_first = k0;
    ring_reach(wpe, s, k1);
    if (k0 < s->k_lo)
        k0 = s->k_lo;
    for (int64_t k = k0; k <= k1; k++) {
        size_t i = slot(wpe, k);
        if (wpe->cfg.rule == SC_WPE_PEAK) {
            if (!(value <= s->val[i]))
                s->val[i] = value;
        } else {
            s->val[i] += value;
        }
        s->cnt[i]++;
    }
    return SC_OK;
}

sc_status sc_wpe_observe_many(sc_wpe *wpe, size_t series, const sc_time_ms *t_ms,
                              const double *value, size_t n, sc_error *err)
{
    if (n && (!t_ms || !value))
        return sc_error_set(err, SC_ERR_INPUT, "wpe", "no observations");
    for (size_t i = 0; i < n; i++) {
        sc_status st = sc_wpe_observe(wpe, series, t_ms[i], value[i], err);
        if (st != SC_OK)
            return st;
    }
    return SC_OK;
}

double sc_wpe_step_value(const sc_wpe *wpe, size_t series, int64_t k)
{
    if (!wpe || series >= wpe->n_series)
        return NAN;
    const wpe_series *s = &wpe->s[series];
    if (s->k_hi == INT64_MIN || k < s->k_lo || k >= s->k_hi)
        return NAN;
    size_t i = slot(wpe, k);
    if (!s->cnt[i])
        return NAN;
    return wpe->cfg.rule == SC_WPE_PEAK ? s->val[i] : s->val[i] / s->cnt[i];
}

/* The value the forecaster sees for a step value y (NaN stays NaN). */
static double tf_in(const sc_wpe *w, double y)
{
    if (!w->cfg.log || y != y)
        return y;
    return log(y > w->cfg.log_floor ? y : w->cfg.log_floor);
}

/* Does event ev apply to series s (its app, one of its geographies, or "*")? */
static int event_applies(const wpe_series *s, const sc_event *ev)
{
    if (strcmp(ev->app, "*") != 0 && strcmp(ev->app, s->app) != 0)
        return 0;
    if (strcmp(ev->geo, "*") == 0)
        return 1;
    for (size_t g = 0; g < s->n_egeos; g++)
        if (strcmp(ev->geo, s->egeos[g]) == 0)
            return 1;
    return 0;
}

/* Events of the feed known at now that apply to s: counted, and copied into w->known
 * (geo rewritten to "*": the series is the sum of its geographies) when copy is set.
 * The feed is sorted by start, so the scan stops at the first event not yet known. */
static sc_status known_events(sc_wpe *w, const wpe_series *s, sc_time_ms now, int copy,
                              size_t *count, sc_error *err)
{
    const sc_event_feed *feed = w->cfg.feed;
    *count = 0;
    if (copy)
        w->known->n = 0;
    for (size_t i = 0; i < feed->n; i++) {
        const sc_event *ev = &feed->events[i];
        if (sc_time_add(ev->start_ms, -w->cfg.announce_lead_ms) > now)
            break;
        if (!event_applies(s, ev))
            continue;
        (*count)++;
        if (!copy)
            continue;
        sc_event e = *ev;
        snprintf(e.geo, sizeof e.geo, "*");
        sc_error ferr;
        if (sc_event_feed_add(w->known, &e, &ferr))
            return sc_error_set(err, SC_ERR_NOMEM, "wpe", "events: %s", ferr.msg);
    }
    return SC_OK;
}

/* Regressors of a fit of s on the n steps from k0 and nf announced steps after them,
 * from the known events in w->known, into w->xbuf (see wpe.h "Events").  ex->ncols = 0:
 * none. */
static sc_status fit_exog(sc_wpe *w, const wpe_series *s, int64_t k0, size_t n, size_t nf,
                          sc_forecast_exog *ex, sc_error *err)
{
    ex->x = NULL;
    ex->ncols = 0;
    ex->n_future = 0;
    if (w->known->n == 0)
        return SC_OK;
    sc_forecast_exog full = {0};
    sc_error ferr;
    sc_status st = sc_exog_from_feed(w->known, s->app, "*", k0 * w->cfg.step_ms,
                                     w->cfg.step_ms, n, nf, &full, &ferr);
    if (st == SC_ERR_RANGE) /* too many kinds for one model: no regressors */
        return SC_OK;
    if (st)
        return sc_error_set(err, st, "wpe", "events: %s", ferr.msg);
    size_t rows = n + nf, kinds = full.ncols ? full.ncols - 1 : 0;
    /* with event_lift the lift column too, as log(1 + lift) on the log scale (a
     * multiplicative effect with coefficient 1 when the announcement is right) */
    if (w->cfg.event_lift && full.ncols)
        kinds = full.ncols;
    size_t lift_col = w->cfg.log && w->cfg.event_lift ? full.ncols - 1 : (size_t)-1;
    if (rows > w->xrows)
        rows = w->xrows;
    /* keep the columns that vary over the history (for 0/1 indicators: 0 < rows on < n) */
    int keep[SC_FORECAST_MAX_EXOG];
    size_t nc = 0;
    for (size_t c = 0; c < kinds && c < SC_FORECAST_MAX_EXOG; c++) {
        keep[c] = 0;
        for (size_t t = 1; t < n && !keep[c]; t++)
            keep[c] = full.x[t * full.ncols + c] != full.x[c];
        nc += (size_t)keep[c];
    }
    if (nc) {
        size_t k = 0;
        for (size_t t = 0; t < rows; t++)
            for (size_t c = 0; c < kinds && c < SC_FORECAST_MAX_EXOG; c++)
                if (keep[c]) {
                    double x = full.x[t * full.ncols + c];
                    w->xbuf[k++] = c == lift_col ? log1p(x > -0.99 ? x : -0.99) : x;
                }
        ex->x = w->xbuf;
        ex->ncols = nc;
        ex->n_future = rows - n;
    }
    sc_exog_free(&full);
    return SC_OK;
}

/* The seasonal period of series s: its own, else the configuration's. */
static int series_period(const sc_wpe *w, const wpe_series *s)
{
    return s->period > 0 ? s->period : w->cfg.fc.period;
}

/* The value update() absorbs for closed step k of s: the raw step, or with robust = 2
 * its clip against the steps before it that the ring holds (sc_robust_clip_trailing). */
static double update_value(sc_wpe *w, wpe_series *s, int64_t k)
{
    size_t series = (size_t)(s - w->s);
    double y = sc_wpe_step_value(w, series, k);
    if (w->cfg.robust < 2 || !isfinite(y))
        return y;
    sc_robust_config rc;
    robust_config(w, series_period(w, s), &rc);
    int64_t back = (int64_t)(2 * rc.half_window);
    if (rc.period >= 2 && (int64_t)rc.seasons * rc.period > back)
        back = (int64_t)rc.seasons * rc.period;
    int64_t from = k - back;
    if (from < s->k_lo)
        from = s->k_lo;
    if (s->k_first != INT64_MIN && from < s->k_first)
        from = s->k_first;
    size_t n = (size_t)(k - from + 1);
    for (size_t i = 0; i < n; i++)
        w->raw[i] = sc_wpe_step_value(w, series, from + (int64_t)i);
    return sc_robust_clip_trailing(&rc, w->raw, n, NULL, w->rscratch);
}

/* Refit s on the window ending before k_end (see top). */
static sc_status refit(sc_wpe *w, wpe_series *s, sc_time_ms now, int64_t k_end,
                       size_t n_known, sc_error *err)
{
    int64_t k0 = k_end - (int64_t)w->cfg.history;
    if (k0 < s->k_first)
        k0 = s->k_first;
    size_t n = (size_t)(k_end - k0);
    int finite = 0;
    for (size_t i = 0; i < n; i++) {
        double y = sc_wpe_step_value(w, (size_t)(s - w->s), k0 + (int64_t)i);
        w->hist[i] = y;
        finite |= y == y;
    }
    if (w->cfg.robust) { /* the raw window into raw, its filtered copy into hist */
        sc_robust_config rc;
        robust_config(w, series_period(w, s), &rc);
        memcpy(w->raw, w->hist, n * sizeof *w->raw);
        sc_robust_filter(&rc, w->raw, n, w->hist, NULL, w->rscratch);
    }
    for (size_t i = 0; i < n; i++)
        w->hist[i] = tf_in(w, w->hist[i]);
    sc_status st;
    sc_forecast_exog ex = {0};
    if (w->cfg.feed) {
        size_t cnt;
        if ((st = known_events(w, s, now, 1, &cnt, err)) != SC_OK ||
            (st = fit_exog(w, s, k0, n, w->cfg.n_future, &ex, err)) != SC_OK)
            return st;
    }
    sc_forecast_config cfg = w->cfg.fc;
    if (s->period > 0)
        cfg.period = s->period;
    cfg.ets.warm = 0;
    sc_error ferr;
    sc_ets_info prev;
    if (w->cfg.warm && s->fc && sc_ets_info_get(s->fc, &prev, &ferr) == SC_OK) {
        int m = cfg.period > 0 ? cfg.period : 1;
        cfg.ets.warm = 1;
        cfg.ets.warm_maxit = w->cfg.warm_maxit;
        cfg.ets.warm_shift = (int)((k0 - s->k0_fit) % m);
        cfg.ets.warm_par[0] = prev.alpha;
        cfg.ets.warm_par[1] = prev.beta;
        cfg.ets.warm_par[2] = prev.gamma;
        cfg.ets.warm_par[3] = prev.phi;
        cfg.ets.warm_x0[0] = prev.l0;
        cfg.ets.warm_x0[1] = prev.b0;
        for (int j = 0; j < SC_ETS_MAX_PERIOD; j++)
            cfg.ets.warm_x0[2 + j] = prev.s0[j];
    }
    if (!finite)
        return sc_error_set(err, SC_ERR_EMPTY, "wpe", "series %zu: no observation in the "
                            "%zu-step window", (size_t)(s - w->s), n);
    sc_forecaster *fc = NULL;
    st = sc_forecaster_fit_fallback(w->names, w->n_names, &cfg, w->hist, n,
                                    ex.ncols ? &ex : NULL, &fc, &ferr);
    if (st != SC_OK)
        return sc_error_set(err, st, "wpe", "series %zu: %s", (size_t)(s - w->s), ferr.msg);
    sc_forecaster_free(s->fc);
    s->fc = fc;
    s->fitted_at = now;
    s->k_next = k_end;
    s->k0_fit = k0;
    s->n_known = n_known;
    s->n_hist = n;
    s->n_exog = ex.ncols;
    s->fits++;
    return SC_OK;
}

sc_status sc_wpe_forecast(sc_wpe *wpe, size_t series, sc_time_ms now, size_t h,
                          double *mean, double *quant, sc_wpe_info *info, sc_error *err)
{
    if (!wpe || series >= wpe->n_series)
        return sc_error_set(err, SC_ERR_RANGE, "wpe", "no series %zu", series);
    if (h < 1 || h > wpe->cfg.horizon || (wpe->cfg.nq && !quant))
        return sc_error_set(err, SC_ERR_INPUT, "wpe",
                            "forecast of %zu steps: expected 1 to %zu and a quantile buffer",
                            h, wpe->cfg.horizon);
    wpe_series *s = &wpe->s[series];
    int64_t k_end = sc_time_floor_div(now, wpe->cfg.step_ms);
    if (info) {
        info->model = s->fc ? sc_forecaster_name(s->fc) : NULL;
        info->refitted = 0;
    }
    if (k_end > s->k_closed)
        s->k_closed = k_end;
    if (s->k_first == INT64_MIN || k_end <= s->k_first)
        return sc_error_set(err, SC_ERR_EMPTY, "wpe", "series %zu: no whole step observed",
                            series);
    size_t n_known = 0;
    sc_status st;
    if (wpe->cfg.feed && (st = known_events(wpe, s, now, 0, &n_known, err)) != SC_OK)
        return st;
    if (!s->fc || now - s->fitted_at >= wpe->cfg.refit_ms ||
        (wpe->cfg.feed && n_known != s->n_known)) {
        if ((st = refit(wpe, s, now, k_end, n_known, err)) != SC_OK)
            return st;
        if (info)
            info->refitted = 1;
    } else {
        for (; s->k_next < k_end; s->k_next++)
            sc_forecaster_update(s->fc, tf_in(wpe, update_value(wpe, s, s->k_next)));
    }
    size_t nq = wpe->cfg.nq;
    double *m = mean ? mean : wpe->mean;
    sc_error ferr;
    if ((st = sc_forecaster_predict(s->fc, h, wpe->cfg.q, nq, m, nq ? quant : NULL, &ferr)))
        return sc_error_set(err, st, "wpe", "series %zu: %s", series, ferr.msg);
    if (wpe->cfg.log) {
        for (size_t i = 0; i < h * nq; i++)
            quant[i] = exp(quant[i]);
        for (size_t i = 0; i < h; i++)
            m[i] = exp(m[i]);
    }
    if (info) {
        info->model = sc_forecaster_name(s->fc);
        info->n_hist = s->n_hist;
        info->n_exog = s->n_exog;
        info->fits = s->fits;
    }
    return SC_OK;
}

sc_status sc_wpe_wiv(sc_wpe *wpe, const size_t *series, size_t n, sc_time_ms now,
                     sc_wiv *w, const char **answered, sc_error *err)
{
    if (!wpe || !w || (n && !series))
        return sc_error_set(err, SC_ERR_INPUT, "wpe", "wiv: no engine, WIV or series");
    if (w->nq != wpe->cfg.nq || w->step_ms % wpe->cfg.step_ms != 0)
        return sc_error_set(err, SC_ERR_INPUT, "wpe",
                            "wiv: expected the engine's %zu quantile levels and a step "
                            "multiple of %lld ms",
                            wpe->cfg.nq, (long long)wpe->cfg.step_ms);
    for (size_t k = 0; k < w->nq; k++)
        if (w->q[k] != wpe->cfg.q[k])
            return sc_error_set(err, SC_ERR_INPUT, "wpe", "wiv: quantile level %zu differs "
                                "from the engine's", k);
    int64_t origin = sc_time_floor_div(now, wpe->cfg.step_ms) * wpe->cfg.step_ms;
    if (w->origin_ms != origin)
        return sc_error_set(err, SC_ERR_INPUT, "wpe",
                            "wiv: origin %lld ms is not the start of the step under way at "
                            "now (%lld ms)",
                            (long long)w->origin_ms, (long long)origin);
    size_t r = (size_t)(w->step_ms / wpe->cfg.step_ms);
    size_t h = w->steps * r;
    if (h > wpe->cfg.horizon)
        h = wpe->cfg.horizon;
    for (size_t i = 0; i < n; i++) {
        if (answered)
            answered[i] = NULL;
        if (series[i] >= wpe->n_series)
            return sc_error_set(err, SC_ERR_RANGE, "wpe", "wiv: no series %zu", series[i]);
        const wpe_series *s = &wpe->s[series[i]];
        int a = sc_wiv_app_index(w, s->app), g = sc_wiv_geo_index(w, s->geo);
        if (a < 0 || g < 0)
            return sc_error_set(err, SC_ERR_NOTFOUND, "wpe",
                                "wiv: no cell for series %zu (%s/%s)", series[i], s->app,
                                s->geo);
        sc_wpe_info info;
        sc_status st = sc_wpe_forecast(wpe, series[i], now, h, wpe->mean, wpe->quant, &info,
                                       err);
        if (st == SC_ERR_EMPTY)
            continue;
        if (st != SC_OK)
            return st;
        if (answered)
            answered[i] = info.model;
        if ((st = sc_wiv_set_cell(w, (size_t)a, (size_t)g, wpe->cfg.step_ms, wpe->mean,
                                  wpe->quant, h, NULL, err)) != SC_OK)
            return st;
    }
    return SC_OK;
}

sc_status sc_wpe_series_period(sc_wpe *wpe, size_t series, int period, sc_error *err)
{
    if (!wpe || series >= wpe->n_series)
        return sc_error_set(err, SC_ERR_RANGE, "wpe", "no series %zu", series);
    if (period < 0 || period > SC_FORECAST_MAX_PERIOD)
        return sc_error_set(err, SC_ERR_RANGE, "wpe", "series %zu: period %d outside [0, %d]",
                            series, period, SC_FORECAST_MAX_PERIOD);
    wpe_series *s = &wpe->s[series];
    if (s->period != period) {
        s->period = period;
        sc_forecaster_free(s->fc); /* a model of another period: refit at the next call */
        s->fc = NULL;
    }
    return SC_OK;
}

uint64_t sc_wpe_fits(const sc_wpe *wpe, size_t series)
{
    if (!wpe)
        return 0;
    if (series == SIZE_MAX) {
        uint64_t t = 0;
        for (size_t i = 0; i < wpe->n_series; i++)
            t += wpe->s[i].fits;
        return t;
    }
    return series < wpe->n_series ? wpe->s[series].fits : 0;
}

const sc_forecaster *sc_wpe_forecaster(const sc_wpe *wpe, size_t series)
{
    return wpe && series < wpe->n_series ? wpe->s[series].fc : NULL;
}
