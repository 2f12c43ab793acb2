/*
 * robust.h - outlier-robust fitting series for the Workload Prediction Engine (robust.c):
 * a seasonal Hampel filter that clips isolated outliers in the series a forecaster is
 * fitted on, so that one spike does not inflate the model's sigma (and with it every
 * planning quantile) for the whole fit window.  Not a public header: wpe.c and the tests
 * include it.
 *
 * The test (one point y_i of a series with seasonal period m):
 *   local     L_i = the finite values y_j, |j - i| <= half_window (y_i included);
 *   seasonal  S_i = the finite values y_{i + d m}, |d| <= seasons (y_i included);
 *   for a set X: med(X), scale(X) = max(1.4826 MAD(X), rel_floor |med(X)|, abs_floor)
 *   (1.4826 MAD estimates a normal sigma; the floors keep a flat stretch, MAD = 0, from
 *   flagging every small move);
 *   upper thresholds hi_X = med(X) + k scale(X), lower lo_X = med(X) - k scale(X).
 * y_i is an upper outlier when y_i > hi_L AND y_i > hi_S (with the seasonal test: see
 * below) and is clipped to max(hi_L, hi_S), the least change that makes it pass one of
 * the two tests; a lower outlier likewise to min(lo_L, lo_S).  A value that recurs at the
 * same phase of the season (a daily batch peak) passes the seasonal test and is kept; a
 * spike seen once is beyond both and is clipped.  Each set is judged as two sides, the
 * values before y_i and those after it (each with y_i), and a threshold is the larger
 * of its sides' (a side counts with at least 3 values): a spike next to a level shift
 * is beyond the side it does not belong to as well.  With period >= 2 a value is
 * clipped only when a seasonal side exists (two other periods on one side): before
 * that, a daily peak cannot be told from a spike, and nothing is clipped.  Without a
 * period the local test decides alone.  Clipping to the threshold rather than replacing by the median
 * (Hampel's original rule) keeps the step high, only not extreme: capacity planning errs
 * on the side of more.
 *
 * Reference: F. R. Hampel, "The influence curve and its role in robust estimation",
 * JASA 69 (1974); the identifier as in R. K. Pearson, "Outliers in process modeling and
 * identification", IEEE Trans. Control Systems Technology 10 (2002): window median,
 * MAD scale 1.4826, threshold t = 3 in its examples (here k, default 5: only gross
 * outliers, the model's own sigma covers the rest).
 *
 * Past only: the statistics of a point use only values of the series given, which the
 * engine takes from closed steps (a fit window ends before the step under way); the
 * trailing variant (sc_robust_clip_trailing) uses none after the point.
 *
 * Memory: the caller owns a scratch of sc_robust_scratch_len(cfg) doubles; no call
 * allocates.  Results are deterministic (medians of the same sets, no randomness).
 */
#ifndef SCULPT_ROBUST_H
#define SCULPT_ROBUST_H

#include <stddef.h>

typedef struct sc_robust_config {
    size_t half_window;   /* local window: steps each side (default 12: a day of hours) */
    int period;           /* seasonal period, steps (0 or 1: no seasonal test) */
    size_t seasons;       /* seasonal neighbours each side (default 7) */
    double k;             /* threshold, robust sigmas (default 5) */
    double tail;          /* upper tail share kept: no value at or below the series'
                             (1 - tail) quantile is clipped (default 0.01; 0: none) */
    double rel_floor;     /* scale floor, fraction of |median| (default 0.05) */
    double abs_floor;     /* scale floor, absolute (default 1e-9) */
} sc_robust_config;

/* Defaults (see the fields); period 0. */
void sc_robust_config_init(sc_robust_config *cfg);

/* Doubles of scratch a call with cfg on a series of n values needs. */
size_t sc_robust_scratch_len(const sc_robust_config *cfg, size_t n);

/* Filter y[0..n) into out[0..n) (out may not alias y): every finite value tested
 * against its local and seasonal neighbours within [0, n) (see top), clipped when it is
 * an outlier; NaN stays NaN.  flag (may be NULL) gets +1 (clipped down), -1 (clipped up)
 * or 0 per value.  Returns the number of values clipped. */
size_t sc_robust_filter(const sc_robust_config *cfg, const double *y, size_t n, double *out,
                        signed char *flag, double *scratch);

/* The same test for the last value y[n - 1] of a series with neighbours on one side
 * only (y[0..n-1) before it): local L = y[n-1 - 2 half_window .. n-1] (a window of the
 * same length, all of it before), seasonal S = y[n-1 - d period], d = 0..seasons.  Returns the value to use (y[n - 1] or its clip); *flag (may
 * be NULL) as above. */
double sc_robust_clip_trailing(const sc_robust_config *cfg, const double *y, size_t n,
                               signed char *flag, double *scratch);

#endif
