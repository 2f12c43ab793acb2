/*
 * wpe.h - the Workload Prediction Engine: the one forecasting pipeline of sculpt.
 *
 * The engine owns, per series, the history of observations resampled to its step, one
 * forecaster (forecast.h) with its refit cadence and warm starts, and the event
 * regressors known at decision time.  Callers (the sculpt and aws-predictive policies,
 * `sculpt forecast`, later live mode) feed observations and ask for forecasts; they no
 * longer rebuild the pipeline.
 *
 *   observe(series, t, value)  an observation covering [t, t + obs_span_ms) (obs_span_ms
 *                              = 0: the instant t).  It enters every engine step
 *                              [k step, (k+1) step) it overlaps, by the resampling rule:
 *                              PEAK (default; the largest value, capacity must hold the
 *                              busiest moment) or MEAN (the plain mean of the values).
 *                              NaN values are missing (ignored).
 *                              Observations come in time order per series.
 *   forecast(series, now, h)   steps before floor(now / step) are closed (their values
 *                              final); the forecast starts with the step under way.  The
 *                              forecaster is refitted when due - first call, `refit_ms`
 *                              since the last fit, or a change in the number of known
 *                              events - on the last `history` closed steps from
 *                              `start_ms` on (a closed step without observation is NaN,
 *                              a missing sample for forecast.h), through the fallback
 *                              hierarchy `names`, with an ets warm start from the
 *                              previous ets fit of the series; otherwise the closed steps
 *                              since the last fit are absorbed by the cheap update().
 *                              Then mean and quantiles of h steps are predicted.
 *
 * Time comes only with the observations and the forecast calls: the engine never reads
 * the wall clock, so equal inputs give equal bytes.
 *
 * Transform: with `log`, the forecaster sees log(max(y, log_floor)); quantiles map back
 * exactly through exp, the mean is exp of the log-scale mean (the median of a symmetric
 * log-scale model, not the mean).
 *
 * Events: with a feed, the events known at now - those with start - announce_lead_ms <=
 * now - that apply to the series' app and to one of its geographies (or "*") enter the
 * fit as regressors, one 0/1 indicator column per event kind (sc_exog_from_feed), plus
 * the announced-lift column with `event_lift` (log1p of the lift on the log scale); a
 * column that does not vary over the history steps is dropped (its coefficient cannot
 * be estimated next to the intercept; for an indicator: 0 in every step or 1 in every
 * one).  Too many kinds for one model (sc_exog_from_feed's SC_ERR_RANGE): no
 * regressors.  announce_lead_ms = INT64_MAX makes every event of the feed known (a
 * feed that is itself the announcement).  n_future announced rows
 * follow the history.  A newly known event forces a refit.
 *
 * Memory: sc_wpe_alloc sizes everything (rings of history + refit steps per series, the
 * fit window, the prediction buffers); observe and update-path forecasts do not
 * allocate.  Refits allocate (the forecaster, the regressors).
 *
 * Robust fitting (`robust`, off by default): the forecaster is fitted on the window with
 * its isolated outliers clipped by a seasonal Hampel filter (core/forecast/robust.h:
 * beyond median + robust_k robust sigmas of both the step's local window and the same
 * phase of the neighbouring periods); sc_wpe_step_value and every caller still see the
 * raw steps.
 *
 * Fallback: the first model of `names` that can fit the window answers
 * (sc_forecaster_fit_fallback); sc_wpe_info.model names it.
 *
 * Threads: one engine per thread; engines share nothing.
 */
#ifndef SCULPT_WPE_H
#define SCULPT_WPE_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/events.h"
#include "sculpt/forecast.h"
#include "sculpt/status.h"
#include "sculpt/time.h"
#include "sculpt/wiv.h"

SC_BEGIN_DECLS

#define SC_WPE_MAX_NAMES 8        /* models in a fallback hierarchy */
#define SC_WPE_MAX_QUANTILES 16
#define SC_WPE_NAME_MAX 64        /* bytes of a model, app or geography name with NUL */
#define SC_WPE_MAX_GEOS 32        /* geographies that map to one series */
#define SC_WPE_MAX_STEPS 100000000u /* largest history or horizon, steps */

/* Resampling rule of the observations inside one engine step. */
typedef enum sc_wpe_rule {
    SC_WPE_PEAK = 0,   /* largest value (default) */
    SC_WPE_MEAN = 1    /* plain mean of the values */
} sc_wpe_rule;

/* Options of an engine.  Initialise with sc_wpe_config_init(), then set fields. */
typedef struct sc_wpe_config {
    int64_t step_ms;            /* engine step, ms (default 1 h); steps are UTC-aligned:
                                   step k covers [k step_ms, (k+1) step_ms) */
    int64_t obs_span_ms;        /* an observation at t covers [t, t + span); 0 = instant */
    sc_time_ms start_ms;        /* first step used: the first whole step at or after it
                                   (SC_TIME_MIN: the first step observed) */
    sc_wpe_rule rule;           /* PEAK (default) or MEAN */
    int log;                    /* forecast log(max(y, log_floor)) (default 0) */
    double log_floor;           /* default 1e-3 */
    size_t history;             /* steps of the fit window (default 336) */
    int64_t refit_ms;           /* refit when now - last fit >= this (default 24 h) */
    size_t horizon;             /* largest h of a forecast, steps (default 24) */
    size_t nq;                  /* quantile levels (default 0) */
    double q[SC_WPE_MAX_QUANTILES]; /* ascending in (0, 1) */
    char names[SC_WPE_MAX_NAMES][SC_WPE_NAME_MAX]; /* fallback hierarchy, most capable
                                   first; n_names = 0: ets, snaive, naive */
    size_t n_names;
    sc_forecast_config fc;      /* model options (period, seed, ets spec); the warm-start
                                   fields are filled by the engine */
    int warm;                   /* warm-start ets refits from the previous ets fit
                                   (default 1) */
    int warm_maxit;             /* evaluation cap of a warm start (default 1000) */
    const sc_event_feed *feed;  /* borrowed for the engine's life, sorted by start
                                   (sc_event_feed_sort); NULL = no regressors */
    int64_t announce_lead_ms;   /* an event is known from start - this (default 24 h) */
    int event_lift;             /* also the announced-lift column (default 0) */
    size_t n_future;            /* announced rows after the history; 0 = ceil(refit /
                                   step) + horizon + 2 */
    int robust;                 /* outlier-robust fitting (core/forecast/robust.h): 0 off
                                   (default), 1 the fit window's isolated outliers
                                   clipped, 2 also each step absorbed by update() against
                                   the steps before it */
    double robust_k;            /* its threshold, robust sigmas (default 5) */
    double robust_tail;         /* no value at or below the window's (1 - tail) quantile
                                   is clipped: spikes more frequent than this are part of
                                   the load (default 0.01; 0: none kept) */
} sc_wpe_config;

/* What a forecast did. */
typedef struct sc_wpe_info {
    const char *model;          /* the model answering (static string of forecast.h) */
    int refitted;               /* 1 when this call refitted */
    size_t n_hist;              /* steps of the last fit window */
    size_t n_exog;              /* regressor columns of the last fit */
    uint64_t fits;              /* fits of this series so far */
} sc_wpe_info;

typedef struct sc_wpe sc_wpe;

/* Defaults (see the fields). */
void sc_wpe_config_init(sc_wpe_config *cfg);

/* An engine of n_series series, all with cfg (copied; the feed is borrowed).  Errors:
 * SC_ERR_INPUT for bad options, SC_ERR_NOTFOUND for an unknown model name,
 * SC_ERR_NOMEM.  *out is NULL on failure; free with sc_wpe_free (NULL is a no-op). */
sc_status sc_wpe_alloc(const sc_wpe_config *cfg, size_t n_series, sc_wpe **out,
                       sc_error *err);
void sc_wpe_free(sc_wpe *wpe);

/* Name the series (its app and the geographies whose events apply to it; "*" events
 * always apply).  Needed for events and for sc_wpe_wiv; geos may be NULL when
 * n_geos == 0 (then the series' own name geo is used). */
sc_status sc_wpe_series_set(sc_wpe *wpe, size_t series, const char *app, const char *geo,
                            const char *const *event_geos, size_t n_geos, sc_error *err);

/* One observation (see top).  SC_ERR_RANGE for a bad series; SC_ERR_INPUT for an
 * observation before one already given or entirely inside closed steps. */
sc_status sc_wpe_observe(sc_wpe *wpe, size_t series, sc_time_ms t_ms, double value,
                         sc_error *err);
/* n observations at once, in time order. */
sc_status sc_wpe_observe_many(sc_wpe *wpe, size_t series, const sc_time_ms *t_ms,
                              const double *value, size_t n, sc_error *err);

/* Forecast series at now (see top): mean[h] and quant[h * nq] (step-major, cfg's
 * levels), caller-owned; quant may be NULL when nq == 0, mean may be NULL.  Step 1 is
 * the step under way at now.  h <= cfg horizon.  info may be NULL.  SC_ERR_EMPTY when
 * no closed step since start_ms or no finite value in the window (nothing written; the
 * caller stands in); other errors of the forecaster with their message. */
sc_status sc_wpe_forecast(sc_wpe *wpe, size_t series, sc_time_ms now, size_t h,
                          double *mean, double *quant, sc_wpe_info *info, sc_error *err);

/* Forecast series[0..n-1] at now into their cells of w, matched by the series' app and
 * geo names.  w->q must equal cfg's levels, w->step_ms be a multiple of the engine
 * step, and w->origin_ms the start of the step under way at now (WIV step 0).  A
 * series with no forecast (SC_ERR_EMPTY) keeps its cell.  answered[i] (may be NULL)
 * receives the model of series i or NULL. */
sc_status sc_wpe_wiv(sc_wpe *wpe, const size_t *series, size_t n, sc_time_ms now,
                     sc_wiv *w, const char **answered, sc_error *err);

/* Seasonal period of one series (0 = the config's fc.period), e.g. detected on its
 * history; a change drops the series' model, so the next forecast refits. */
sc_status sc_wpe_series_period(sc_wpe *wpe, size_t series, int period, sc_error *err);

/* Fits made so far for series (all series when series == SIZE_MAX). */
uint64_t sc_wpe_fits(const sc_wpe *wpe, size_t series);
/* The series' current forecaster (NULL before the first fit); borrowed. */
const sc_forecaster *sc_wpe_forecaster(const sc_wpe *wpe, size_t series);
/* Resampled value of closed or open step k (absolute index k = floor(t / step)) of the
 * series; NaN when not observed or no longer held. */
double sc_wpe_step_value(const sc_wpe *wpe, size_t series, int64_t k);

SC_END_DECLS

#endif
