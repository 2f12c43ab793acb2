/*
 * eval.h - the evaluation layer: harnesses that fit forecasters on whole data sets,
 * time them and report progress, outside core (issue 9 item 5).  Built into
 * libsculpt_sim (the .c files of sim/eval/).
 *
 *   sc_m4_eval           M4-style evaluation of one model on an M4-layout set
 *                        (m4eval.c; `sculpt forecast --eval`)
 *   sc_backtest_*        rolling-origin backtests of one model on regular series
 *                        (backtest.c; `sculpt forecast --backtest`)
 *
 * The measures they report are core's (forecast.h: sc_m4_score_series,
 * sc_accuracy_*).  Progress goes to a caller's callback, never to a stream.
 */
#ifndef SCULPT_SIM_EVAL_H
#define SCULPT_SIM_EVAL_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/export.h"
#include "sculpt/forecast.h"

SC_BEGIN_DECLS

/* Progress of a harness: a counter (done of total series for model; note NULL) or a
 * one-line note (done = total = 0).  ctx is the caller's. */
typedef void (*sc_eval_progress_fn)(void *ctx, const char *model, size_t done,
                                    size_t total, const char *note);

/* ---- M4 evaluation (m4eval.c) ---------------------------------------------------- */

/* Options and results of a whole-set evaluation. */
typedef struct sc_m4_eval_opts {
    const char *model;       /* model name, or "auto" for the fallback hierarchy */
    size_t horizon;          /* H */
    int period;              /* scoring period m (MASE scale, snaive, naive2) */
    double level;            /* central interval level in percent, default 95 */
    uint64_t seed;
    sc_eval_progress_fn progress; /* progress callback, or NULL (none) */
    void *progress_ctx;      /* its first argument */
    const char *save_path;   /* write forecasts + bounds here (atomically), or NULL */
    const sc_forecast_config *cfg;  /* NULL = defaults with the period above */
} sc_m4_eval_opts;

typedef struct sc_m4_eval_result {
    double smape, mase, owa;        /* set means; owa relative to naive2 on this data */
    double coverage;                /* fraction of all test points inside the interval */
    double msis;                    /* set mean */
    double seconds;                 /* wall time of fitting and forecasting the model */
    size_t series;                  /* series scored */
    size_t series_unscaled;         /* series left out of MASE/MSIS (zero scale) */
    double naive2_smape, naive2_mase;
    size_t fallbacks;               /* series answered by a fallback model */
} sc_m4_eval_result;

/* Forecast every training series with opts->model, write the forecasts when asked, then
 * score them against test (read only after all forecasts are made).  Series are matched
 * by position and their ids must agree; test rows need at least H values. */
sc_status sc_m4_eval(const sc_m4_set *train, const sc_m4_set *test,
                     const sc_m4_eval_opts *opts, sc_m4_eval_result *out, sc_error *err);

/* ---- rolling-origin backtests (backtest.c) ---------------------------------------- */

#define SC_BACKTEST_MAX_HORIZONS 16
#define SC_BACKTEST_MAX_QUANTILES 16

/* Options of a rolling-origin backtest of one model on regularly sampled series. */
typedef struct sc_backtest_opts {
    const char *model;           /* registry name */
    size_t origins;              /* N >= 1 origins per series */
    const size_t *horizons;      /* horizons in steps (each >= 1), nh of them */
    size_t nh;                   /* 1..SC_BACKTEST_MAX_HORIZONS */
    const double *q;             /* quantile levels in (0, 1), nq of them */
    size_t nq;                   /* 0..SC_BACKTEST_MAX_QUANTILES */
    int period;                  /* seasonal period (model and MASE scale); 0 = detect */
    int max_period;              /* detection bound when period == 0 (0 = 168) */
    uint64_t seed;               /* seed of simulated intervals */
    size_t max_history;          /* fit (and scale, detect) on at most the last this many
                                    steps before each origin; 0 = all the history */
} sc_backtest_opts;

/* Sums over (series, origin) pairs, per horizon k and quantile j. */
typedef struct sc_backtest_acc {
    size_t nh, nq;
    size_t horizons[SC_BACKTEST_MAX_HORIZONS];
    double q[SC_BACKTEST_MAX_QUANTILES];
    double smape_sum[SC_BACKTEST_MAX_HORIZONS];
    size_t points[SC_BACKTEST_MAX_HORIZONS];        /* pairs with a present actual */
    double mase_sum[SC_BACKTEST_MAX_HORIZONS];
    size_t points_scaled[SC_BACKTEST_MAX_HORIZONS]; /* ... and a non-zero MASE scale */
    double pinball_sum[SC_BACKTEST_MAX_HORIZONS][SC_BACKTEST_MAX_QUANTILES];
    double below_sum[SC_BACKTEST_MAX_HORIZONS][SC_BACKTEST_MAX_QUANTILES];
    size_t series;               /* series backtested */
    size_t fits;                 /* model fits made */
} sc_backtest_acc;

/* Means of one horizon (NaN when nothing was scored). */
typedef struct sc_backtest_row {
    size_t horizon;              /* steps */
    double smape;                /* percent, mean of 200|y-f|/(|y|+|f|) at the step */
    double mase;                 /* mean |y-f| / scale */
    double pinball[SC_BACKTEST_MAX_QUANTILES];  /* mean pinball loss / scale */
    double coverage[SC_BACKTEST_MAX_QUANTILES]; /* fraction of actuals <= q-quantile */
    size_t points;
} sc_backtest_row;

/* Zero acc and copy the horizons and quantiles of opts (checked: SC_ERR_INPUT). */
sc_status sc_backtest_acc_init(sc_backtest_acc *acc, const sc_backtest_opts *opts,
                               sc_error *err);
/* Backtest one series y[0..n-1] (one sample per step, NaN = missing) and add its scores
 * to acc.  Origins: H = the longest horizon, the last origin is n - H, the others lie
 * `stride` steps apart before it, stride = H (forecast windows tile the last N*H
 * steps) or less when the series is too short for that (never < 1).  The model is
 * refitted at every origin on y[0..origin) only (its last max_history steps when set).
 * The period (model and MASE scale) is opts->period, or detected once on
 * y[0..first origin) by sc_season_detect (bound max_period).  Errors: SC_ERR_RANGE
 * "series too short" when even stride 1 leaves the first origin with less history than
 * the model's min_history or period + 1, or max_history is below that (where = what);
 * the model's errors with the origin added. */
sc_status sc_backtest_series(const double *y, size_t n, const sc_backtest_opts *opts,
                             const char *what, sc_backtest_acc *acc, int *period_out,
                             sc_error *err);
/* Row k (0 <= k < acc->nh) of the means. */
void sc_backtest_acc_row(const sc_backtest_acc *acc, size_t k, sc_backtest_row *out);

SC_END_DECLS

#endif
