/*
 * forecast.h - the Workload Prediction Engine's forecaster plug-ins, their registry,
 * the "never empty" fallback hierarchy, and the accuracy measures (the evaluation
 * harnesses that fit and time models, M4 and rolling-origin backtests, are the
 * evaluation layer's: sim/eval/eval.h; the engine itself: wpe.h).
 *
 * A forecaster is a plug-in (STYLE.md rule 10): a const sc_forecaster_type (name,
 * version, state size, methods) and an sc_forecaster instance that points at its type
 * and owns a state block of type->state_size bytes that the core allocates.  The core
 * calls methods only through the sc_forecaster_* wrappers below, which check arguments,
 * clean missing values out of histories and make sure no NaN leaves a model.
 *
 *   fit(history, exog)        estimate from a whole history (may allocate, may be slow)
 *   update(observation)       absorb one new observation, O(1), never allocates; the
 *                             parameters stay fixed until the next fit (cheap between
 *                             periodic refits in long simulations)
 *   predict(horizon, q)       mean and quantiles for steps 1..horizon
 *
 * Missing values: NaN in a history is a missing sample.  The fit wrapper drops leading
 * NaNs and fills each remaining NaN from one seasonal period earlier (or from the
 * previous sample when the period is 1 or too little history precedes it), so every
 * model sees a complete series whose end is the end of the history.  update(NaN)
 * advances the model without learning: the model's own one-step forecast stands in
 * for the missing value.
 *
 * Never empty: sc_forecaster_fit_fallback() walks a hierarchy of models from the most
 * capable down (default "ets" -> "snaive" -> "naive") and keeps the first that can fit
 * the history, so a forecast exists from the first observation on; the instance's
 * name says which model answered.
 */
#ifndef SCULPT_FORECAST_H
#define SCULPT_FORECAST_H

#include "sculpt/export.h"
#include "sculpt/events.h"
#include "sculpt/params.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/rng.h"
#include "sculpt/status.h"

SC_BEGIN_DECLS

/* Largest seasonal period any baseline accepts (4 weeks of hours, a week at 5 min is
 * 2016).  Models document their own, smaller limits in core/forecast/README.md. */
#define SC_FORECAST_MAX_PERIOD 2016
/* Longest seasonal period ETS models natively (an hourly daily cycle), as in R's ets. */
#define SC_ETS_MAX_PERIOD 24
/* Longest seasonal period ARIMA models natively (longer periods: "harmonic"). */
#define SC_ARIMA_MAX_PERIOD 24
/* Most exogenous regressor columns (event feeds, calendars) a model accepts. */
#define SC_FORECAST_MAX_EXOG 16
/* Default number of sample paths for simulated prediction intervals. */
#define SC_FORECAST_DEFAULT_NSIM 2000
/* RNG kind used for simulated intervals.  rng.h has no forecast kind yet; 9 is the next
 * free value (requested to be added to rng.h as SC_RNG_FORECAST). */
#define SC_FORECAST_RNG_KIND SC_RNG_FORECAST

/* Options of the ets model (ets.c); other models ignore them.  The engine (wpe.h)
 * fills the warm-start fields at its refits. */
typedef struct sc_ets_options {
    char spec[8];      /* model "ETS" letters: "ZZZ" (auto, default), "ANN", "AAdA",
                          "MAM", ... ; Z = choose by AICc */
    double alpha;      /* fixed smoothing parameters; NaN = estimate (default) */
    double beta;
    double gamma;
    double phi;
    /* Warm start (periodic refits): 0 = cold start, R's starting point (the default,
     * also of a zeroed config).  1 = start Nelder-Mead from warm_par (alpha, beta,
     * gamma, phi; a NaN or unused entry takes R's initparam value) and, when
     * warm_x0[0] (l0) is finite, from the initial states warm_x0 = (l0, b0, s_0, s_{-1},
     * ..., s_{-m+1}) of a previous fit whose history began warm_shift samples before
     * this one's (the seasonal states are rotated by warm_shift; the level is kept),
     * else from R's heuristic initial states; the simplex is 10x smaller than R's.  A
     * warm start outside the admissible region falls back to the cold start.
     * warm_maxit caps the objective evaluations of a warm start (0 = R's 2000, as
     * cold). */
    int warm;
    int warm_shift;
    int warm_maxit;
    double warm_par[4];
    double warm_x0[2 + SC_ETS_MAX_PERIOD];
} sc_ets_options;

/* Options of a fit.  Initialise with sc_forecast_config_init(). */
typedef struct sc_forecast_config {
    int period;        /* seasonal period in samples; 1 = non-seasonal */
    uint64_t seed;     /* seed of simulated prediction intervals */
    int nsim;          /* sample paths for simulated intervals; 0 = default */
    sc_ets_options ets; /* ets only */
} sc_forecast_config;

/* Optional exogenous regressors, row-major (n + n_future) x ncols: the first n rows are
 * aligned with the history passed to fit (before leading NaNs are dropped), the
 * n_future rows after them are the announced values of the steps after the history
 * (e.g. event-feed indicators of a campaign announced for tomorrow).  Borrowed for the
 * duration of the call; a model that needs them later copies them.  Used by lstm. */
typedef struct sc_forecast_exog {
    const double *x;   /* (n + n_future) * ncols values */
    size_t ncols;
    size_t n_future;   /* rows after the history (0 = none announced) */
} sc_forecast_exog;

/* The method table of a forecaster.  New members only at the end (version). */
typedef struct sc_forecaster_type {
    const char *name;        /* registry key: "naive", "snaive", "naive2", "ets", "lstm" */
    int version;             /* 1; 2 with the optional methods; 3 with params */
    size_t state_size;       /* bytes of model state the core allocates per instance */
    int max_period;          /* longest seasonal period modelled natively (1 = none) */
    /* Fewest observations fit() needs for cfg (after leading NaNs are dropped). */
    size_t (*min_history)(const sc_forecast_config *cfg);
    /* Fit y[0..n-1] (complete: no NaN, n >= min_history).  state is zeroed. */
    sc_status (*fit)(void *state, const sc_forecast_config *cfg, const double *y, size_t n,
                     const sc_forecast_exog *exog, sc_error *err);
    /* Absorb one observation (NaN = missing).  O(1), no allocation. */
    void (*update)(void *state, double y);
    /* mean[h] and quant[h * nq] (step-major: quant[s * nq + k] is quantile q[k] of step
     * s + 1) for h steps.  q[k] in (0, 1). */
    sc_status (*predict)(const void *state, size_t h, const double *q, size_t nq,
                         double *mean, double *quant, sc_error *err);
    /* ---- version 2: optional methods, NULL when absent (all version-1 types) ---- */
    /* Release what fit/fit_global allocated inside state (the core frees the block). */
    void (*cleanup)(void *state);
    /* Fit count instances at once on complete histories y[i][0..n[i]-1] (each n[i] >=
     * min_history): ONE model learnt across all the series (a global model, lstm), each
     * state then forecasting its own series.  states[i] are zeroed; exog is NULL or
     * count entries (each may be NULL). */
    sc_status (*fit_global)(void *const *states, const sc_forecast_config *cfg,
                            const double *const *y, const size_t *n, size_t count,
                            const sc_forecast_exog *const *exog, sc_error *err);
    /* ---- version 3 (params.h): the model's own parameters (besides the common ones
     * of sc_forecast_common_params), declared for help and for a JSON config read by
     * sc_forecast_config_from_json; NULL / 0 when it has none ---- */
    const sc_param_def *params;  /* [n_params], static storage */
    size_t n_params;
} sc_forecaster_type;

/* An instance: a type, a copy of the config, and the model state. */
typedef struct sc_forecaster {
    const sc_forecaster_type *type;
    sc_forecast_config cfg;
    int fitted;                 /* 1 after a successful fit */
    uint64_t n_obs;             /* observations absorbed (fit + updates) */
    double last_obs;            /* last finite observation (guard value) */
    void *state;                /* type->state_size bytes, owned by the instance */
} sc_forecaster;

/* Defaults: period 1, seed 1, nsim default; ets: spec "ZZZ", parameters estimated,
 * cold start. */
void sc_forecast_config_init(sc_forecast_config *cfg);

/* Parameters every model reads from sc_forecast_config (period, seed, nsim). */
extern const sc_param_def sc_forecast_common_params[3];

/* The model's own parameter table (version >= 3), else NULL / 0. */
void sc_forecaster_params(const sc_forecaster_type *type, const sc_param_def **defs,
                          size_t *n);

/* Fill cfg from a JSON object of parameters for model `type`: the common ones
 * (sc_forecast_common_params) and the model's own (its table), checked first by
 * sc_params_check (unknown key: "did you mean", the JSON path from `where`).  Absent
 * keys leave cfg as it is (call sc_forecast_config_init first).  obj NULL = none. */
sc_status sc_forecast_config_from_json(const sc_forecaster_type *type,
                                       const struct cJSON *obj, const char *where,
                                       sc_forecast_config *cfg, sc_error *err);

/* Look a type up by name.  A miss gives SC_ERR_NOTFOUND listing the valid names; a
 * model that is planned but not built in this binary gives SC_ERR_NOTBUILT. */
sc_status sc_forecaster_type_find(const char *name, const sc_forecaster_type **out,
                                  sc_error *err);
/* NULL-terminated list of built types, in registry order. */
const sc_forecaster_type *const *sc_forecaster_types(void);

/* Allocate an unfitted instance of the named model.  Free with sc_forecaster_free. */
sc_status sc_forecaster_alloc(const char *name, const sc_forecast_config *cfg,
                              sc_forecaster **out, sc_error *err);
/* NULL is a no-op. */
void sc_forecaster_free(sc_forecaster *fc);
/* Name of the model that answers (the type's name). */
const char *sc_forecaster_name(const sc_forecaster *fc);

/* Fit to y[0..n-1] (NaN = missing; see top).  Errors: SC_ERR_EMPTY when no finite
 * value, SC_ERR_RANGE when the cleaned history is shorter than min_history or the
 * period is outside [1, SC_FORECAST_MAX_PERIOD], SC_ERR_INPUT for infinite values.
 * exog may be NULL. */
sc_status sc_forecaster_fit(sc_forecaster *fc, const double *y, size_t n,
                            const sc_forecast_exog *exog, sc_error *err);
/* Absorb one observation (NaN = missing).  Requires a fitted instance. */
sc_status sc_forecaster_update(sc_forecaster *fc, double y);
/* Mean and quantiles for steps 1..h into caller-owned mean[h], quant[h*nq] (quant may
 * be NULL when nq == 0).  Quantiles are sorted per step and never NaN. */
sc_status sc_forecaster_predict(const sc_forecaster *fc, size_t h, const double *q,
                                size_t nq, double *mean, double *quant, sc_error *err);

/* Fit fcs[0..count-1] (instances of one type with one config) on y[i][0..n[i]-1]
 * (NaN = missing, cleaned as by sc_forecaster_fit) at once: a type with fit_global
 * learns one model across all the series, other types are fitted one by one.  A series
 * the model cannot take (no finite value, shorter than min_history) is left unfitted
 * (fcs[i]->fitted == 0) so the caller can fall back for it; the others are fitted.
 * exog is NULL or count entries (each may be NULL).  Fails on NULL/mixed arguments,
 * infinite values, memory, or when the model's own fit fails. */
sc_status sc_forecaster_fit_many(sc_forecaster *const *fcs, size_t count,
                                 const double *const *y, const size_t *n,
                                 const sc_forecast_exog *const *exog, sc_error *err);

/* Never empty: fit the first model of names[0..count-1] (most capable first) that can
 * fit y; names == NULL uses the default hierarchy ets, snaive, naive.  *out answers
 * (sc_forecaster_name says which).  Fails only with SC_ERR_EMPTY (no finite value) or
 * a bad name. */
sc_status sc_forecaster_fit_fallback(const char *const *names, size_t count,
                                     const sc_forecast_config *cfg, const double *y,
                                     size_t n, const sc_forecast_exog *exog,
                                     sc_forecaster **out, sc_error *err);

/* ---- seasonal period detection (season.c) ---------------------------------------- */

/* Strongest seasonal period in [2, max_period] from the sample autocorrelation of y
 * (NaN-aware): the lag with the largest local-maximum ACF above the 95 % white-noise
 * bound 1.96/sqrt(n), among lags with at least 3 full cycles.  *out = 1 when none. */
sc_status sc_season_detect(const double *y, size_t n, int max_period, int *out,
                           sc_error *err);

/* M4's seasonality test (Benchmarks and Evaluation.R, SeasonalityTest): seasonal when
 * n >= 3m and |r_m| > 1.645/sqrt(n) * sqrt(1 + 2 sum_{k<m} r_k^2), with the ACF up to
 * R's default lag.max = floor(10 log10 n) (a longer m is never seasonal).  1/0. */
int sc_season_m4_test(const double *y, size_t n, int m);

/* R's decompose() seasonal figure, multiplicative (mult = 1) or additive (0): out[i] for
 * positions i, i+m, ... (0-based) of y[0..n-1], normalised to mean 1 (multiplicative)
 * or mean 0 (additive).  n >= 2m.  SC_ERR_RANGE when too short, SC_ERR_INPUT when a
 * position has no finite ratio (zero trend), SC_ERR_NOMEM. */
sc_status sc_season_decompose(const double *y, size_t n, int m, int mult, double *out,
                              sc_error *err);

/* ---- ETS (ets.c) ----------------------------------------------------------------- */

/* Letters of an ETS model. */
typedef struct sc_ets_model {
    char error;    /* 'A' or 'M' */
    char trend;    /* 'N' or 'A' */
    int damped;    /* 1 for Ad */
    char season;   /* 'N', 'A' or 'M' */
} sc_ets_model;

/* Run the ETS recursions (Hyndman et al. 2008, Table 2.3) with given parameters and
 * initial states x0 = (l0, b0, s_{0}, s_{-1}, ..., s_{-m+1}) (b0 only with a trend, the
 * m seasonal states only with a season), writing one-step fitted values fitted[n] and
 * returning the sum of squared (relative, for M errors) errors in *sse.  For testing and
 * for callers that fix everything.  par = (alpha, beta, gamma, phi). */
sc_status sc_ets_filter(sc_ets_model model, int m, const double par[4], const double *x0,
                        const double *y, size_t n, double *fitted, double *sse,
                        sc_error *err);

/* Description of a fitted ets instance (model letters, parameters, AICc). */
typedef struct sc_ets_info {
    sc_ets_model model;
    int m;
    double alpha, beta, gamma, phi;
    double l0, b0;
    double sigma2;     /* residual variance (relative errors for M models) */
    double aicc;
    double loglik;
    double s0[SC_ETS_MAX_PERIOD];  /* initial seasonal states s_0, s_{-1}, ..., s_{-m+1}
                                      (m of them; zero without a season) */
    int evals;         /* objective evaluations of the chosen model's Nelder-Mead */
    int warm;          /* 1 when that Nelder-Mead started from cfg's warm start */
} sc_ets_info;
/* Fails with SC_ERR_INPUT when fc is not an ets instance. */
sc_status sc_ets_info_get(const sc_forecaster *fc, sc_ets_info *out, sc_error *err);

/* ---- ARIMA (arima.c) and dynamic harmonic regression (harmonic.c) ---------------- */

/* Description of a fitted arima instance, or of the ARIMA errors of a harmonic one. */
typedef struct sc_arima_info {
    int p, d, q, P, D, Q, m;     /* orders and seasonal period */
    int constant;                /* 1: mean (d + D = 0) or drift (d + D = 1) included */
    double ar[5], ma[5];         /* non-seasonal coefficients (R's sign convention) */
    double sar[2], sma[2];       /* seasonal coefficients */
    double mu, drift;            /* intercept, drift per step (data units) */
    double beta[SC_FORECAST_MAX_EXOG]; /* regression coefficients of the exog columns */
    size_t nx;                   /* exog columns */
    double sigma2;               /* innovation variance */
    double loglik, aicc;         /* exact Gaussian log-likelihood (as R's logLik), AICc */
    size_t nobs;                 /* observations in the likelihood (n - d - mD) */
    int css;                     /* 1 when the exact ML fit failed and CSS answered */
    /* harmonic only: */
    int nperiods;                /* seasonal periods with Fourier terms */
    int periods[4];
    int harmonics[4];            /* K per period */
} sc_arima_info;
/* Fails with SC_ERR_INPUT when fc is not a fitted arima or harmonic instance. */
sc_status sc_arima_info_get(const sc_forecaster *fc, sc_arima_info *out, sc_error *err);

/* ---- M4-layout sets (m4set.c) and accuracy measures (accuracy.c) ---------------------------------------------------- */

/* A set of series in M4 layout: a header row, then one row per series, "id" then its
 * values (trailing empty fields are absent values; "NA" or an inner empty field is a
 * missing value, NaN). */
typedef struct sc_m4_set {
    size_t count;        /* number of series */
    char **ids;          /* count ids */
    double **y;          /* count arrays */
    size_t *n;           /* count lengths */
} sc_m4_set;

/* Read path into *out (zeroed first).  Free with sc_m4_set_cleanup. */
sc_status sc_m4_set_read(const char *path, sc_m4_set *out, sc_error *err);
void sc_m4_set_cleanup(sc_m4_set *set);

/* M4 point and interval measures of one series (M4 Competitor's Guide, 2018):
 *   sMAPE = mean 200|y-f|/(|y|+|f|)        (a 0/0 term counts 0)
 *   MASE  = mean |y-f| / scale,  scale = mean_{t>m} |x_t - x_{t-m}| on the training x
 *           (lag 1 when n <= m)
 *   MSIS  = mean [(U-L) + 2/a (L-y)1{y<L} + 2/a (y-U)1{y>U}] / scale, a = 1 - level
 *   coverage = fraction of y in [L, U]. */
typedef struct sc_m4_score {
    double smape;        /* percent */
    double mase;         /* NaN when scale is 0 (constant training series) */
    double msis;         /* NaN when scale is 0 or no bounds */
    double covered;      /* number of test points inside [L, U] */
    size_t h;            /* points scored */
} sc_m4_score;

/* Scale of MASE/MSIS for training x[0..n-1] (NaN-aware).  0 when undefined. */
double sc_m4_scale(const double *x, size_t n, int m);
/* Score one series.  lo/hi may be NULL (then msis NaN, covered 0). */
void sc_m4_score_series(const double *train, size_t n_train, int m, const double *test,
                        const double *f, const double *lo, const double *hi, size_t h,
                        double level, sc_m4_score *out);

/* One sMAPE term 200|y-f|/(|y|+|f|) (0 when both are 0). */
double sc_accuracy_smape(double y, double f);
/* Pinball loss of the level-q quantile Q at the actual y: q(y-Q) if y >= Q, else
 * (1-q)(Q-y). */
double sc_accuracy_pinball(double y, double Q, double q);
/* OWA = (smape/smape_ref + mase/mase_ref) / 2 against a reference (M4: naive2); NaN
 * when a reference figure is not positive. */
double sc_accuracy_owa(double smape, double mase, double smape_ref, double mase_ref);

/* ---- event feeds as regressors (exog.c) ------------------------------------------- */

/* Turn an announced event feed into exogenous regressor columns for the series of
 * (app, geo) sampled at t0 + k * step_ms, k = 0 .. n_hist + n_future - 1 (row k covers
 * [t0 + k step, t0 + (k+1) step); n_hist rows of history, then n_future announced rows).
 * Columns, in this order:
 *   0 .. K-1  one indicator per event kind: 1 when an event of that kind whose scope
 *             covers (app, geo) (sc_event_applies) overlaps row k's interval at all,
 *             else 0.  The K kinds are the distinct kinds of ALL events of the feed that
 *             apply to (app, geo), whatever their time, sorted by strcmp, so the columns
 *             are the same for every window of one series (sc_exog_feed_kinds lists them);
 *   K         announced lift: the sum of the `lift` of the applying events that overlap
 *             row k (an event without a stated lift (NaN) adds 0).
 * K = 0 (no applying event) gives out->ncols = 0 and out->x = NULL: no regressors.
 * out->x is allocated (rows * ncols, row-major) and owned by the caller: free it with
 * sc_exog_free.  Errors: SC_ERR_INPUT for NULL arguments, step_ms <= 0 or no rows;
 * SC_ERR_RANGE when K + 1 > SC_FORECAST_MAX_EXOG; SC_ERR_NOMEM. */
sc_status sc_exog_from_feed(const sc_event_feed *feed, const char *app, const char *geo,
                            sc_time_ms t0, int64_t step_ms, size_t n_hist, size_t n_future,
                            sc_forecast_exog *out, sc_error *err);
/* The kinds of the indicator columns for (app, geo), in column order: kinds[0..*count-1]
 * (at most max are written; *count is the full number). */
sc_status sc_exog_feed_kinds(const sc_event_feed *feed, const char *app, const char *geo,
                             char (*kinds)[SC_EVENT_NAME_MAX], size_t max, size_t *count,
                             sc_error *err);
/* Free what sc_exog_from_feed allocated and zero *exog; NULL is a no-op. */
void sc_exog_free(sc_forecast_exog *exog);


SC_END_DECLS

#endif
