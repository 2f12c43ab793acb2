/*
 * event_effect.h - pooled multiplicative event effects from an event feed (issue 3 item
 * 4): how much an event of a kind (a public holiday, a campaign) moves the load, as a
 * profile over the steps since the event's start, estimated once across many series
 * and many past events, and applied around ANY forecaster:
 *
 *     y_adj = y / exp(beta)   on the history's event rows (so the model sees a normal
 *                             day where the holiday was), then
 *     f     = f_adj * exp(beta) on the forecast's event rows.
 *
 * This is the alternative to a per-window regression coefficient (sc_exog_from_feed +
 * harmonic/arima), which on the EIA holidays had one to three holidays per fitting
 * window and made holiday error worse.  Method, per kind and offset j (steps since the
 * event's start, offsets >= len share the last):
 *
 *   d = log y_t - mean(log y_{t - L}, log y_{t + L})   (L = ref_lag steps; a reference
 *       row inside any event of the series, missing, non-positive or at or after
 *       `until_ms` is left out; with neither reference the row is skipped)
 *   clusters: the (series, event) values of events that START on the same UTC day are
 *       averaged first (one day's weather or one global campaign moves them together);
 *   raw = mean of the C cluster means; se^2 = their sample variance / C (C >= 2);
 *   beta = raw * max(0, 1 - se^2 / raw^2)
 * the positive-part James-Stein / method-of-moments empirical-Bayes estimate of one
 * mean under a N(0, tau^2) prior with tau^2 = max(0, raw^2 - se^2): an effect no larger
 * than its noise is shrunk to 0, and with C < 2 clusters beta is 0 (no evidence).
 * Only data at times < until_ms enter, so a caller forecasting from an origin passes
 * the origin and no future value leaks in.  Multiplicative, so the data must be
 * positive where it is used (demand, CPU, requests).
 */
#ifndef SCULPT_EVENT_EFFECT_H
#define SCULPT_EVENT_EFFECT_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/events.h"
#include "sculpt/forecast.h"

SC_BEGIN_DECLS

#define SC_EVENT_EFFECT_MAX_LEN 168      /* most offsets per kind */
#define SC_EVENT_EFFECT_MAX_KINDS SC_FORECAST_MAX_EXOG

/* One series the effects are pooled over: y[k] is the value at t0 + k step_ms (NaN =
 * missing), scoped by (app, geo) as sc_event_applies matches events. */
typedef struct sc_event_series {
    const char *app;
    const char *geo;
    const double *y;
    size_t n;
    sc_time_ms t0;
} sc_event_series;

typedef struct sc_event_effect {
    int64_t step_ms;                     /* sampling step of the series (> 0) */
    size_t len;                          /* offsets estimated per kind (1..MAX_LEN) */
    size_t nkinds;                       /* kinds seen, sorted by name */
    char kind[SC_EVENT_EFFECT_MAX_KINDS][SC_EVENT_NAME_MAX];
    double beta[SC_EVENT_EFFECT_MAX_KINDS][SC_EVENT_EFFECT_MAX_LEN]; /* shrunk log effect */
    double raw[SC_EVENT_EFFECT_MAX_KINDS][SC_EVENT_EFFECT_MAX_LEN];  /* before shrinkage;
                                                                        NaN = no data */
    double se[SC_EVENT_EFFECT_MAX_KINDS][SC_EVENT_EFFECT_MAX_LEN];   /* of raw; NaN if C<2 */
    size_t clusters[SC_EVENT_EFFECT_MAX_KINDS][SC_EVENT_EFFECT_MAX_LEN]; /* C */
    size_t events[SC_EVENT_EFFECT_MAX_KINDS]; /* (series, event) pairs that gave a value */
} sc_event_effect;

/* Estimate the effects of every event kind of `feed` over the series (see top), using
 * data before until_ms only.  ref_lag: the reference distance in steps (168 = one week
 * on hourly data: the same hour of the same weekday); len: offsets per kind, 1 to
 * SC_EVENT_EFFECT_MAX_LEN (24 = each hour of a one-day event).  *out is allocated and
 * owned by the caller (sc_event_effect_free); NULL on failure.  SC_ERR_INPUT for NULL
 * arguments, step_ms <= 0, ref_lag 0 or len out of range; SC_ERR_RANGE for more than
 * SC_EVENT_EFFECT_MAX_KINDS kinds; SC_ERR_NOMEM. */
sc_status sc_event_effect_fit(const sc_event_feed *feed, const sc_event_series *series,
                              size_t nseries, int64_t step_ms, sc_time_ms until_ms,
                              size_t ref_lag, size_t len, sc_event_effect **out,
                              sc_error *err);

/* Multiply y[k] (at t0 + k eff->step_ms, k < n) by exp(sign * beta) for every event of
 * the feed applying to (app, geo) whose kind the effect knows, at the row's offset from
 * the event's start (a row is in an event when the event overlaps [t, t + step), as
 * sc_exog_from_feed).  sign = -1 removes the effects from a history, +1 puts them on a
 * forecast; overlapping events multiply.  NaN stays NaN.  SC_ERR_INPUT for NULL
 * arguments or sign not +-1. */
sc_status sc_event_effect_apply(const sc_event_effect *eff, const sc_event_feed *feed,
                                const char *app, const char *geo, sc_time_ms t0, double *y,
                                size_t n, int sign, sc_error *err);

void sc_event_effect_free(sc_event_effect *eff);

SC_END_DECLS

#endif
