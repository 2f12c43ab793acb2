/*
 * robust.c - the seasonal Hampel filter of robust.h: isolated outliers of a fit window
 * clipped to the larger of a local and a seasonal threshold (median + k robust sigmas),
 * so that a forecaster fitted on the window is not driven by them.
 *
 * Why (issue 10, the spiky NAB series): the engine fits ets on 14 days of hourly peaks.
 * One 5-minute spike 75x the usual level (nab-257a54: 1505 instance-equivalents in an
 * hour whose neighbours held 2 to 20) sets a residual that the maximum-likelihood sigma
 * squares, and the 0.99 quantile the optimizer plans on stays at 350 to 450 for the
 * 14 days the spike remains in the window, while the load is 1.5 to 20.  Clipping the
 * spike in the series the model sees (the raw observations stay in the engine's ring
 * and in the simulator: accounting and the SLO sizing's counterfactual needs see them)
 * brings the quantiles back to the level of the rest of the series.
 *
 * Each point's statistics come from its own neighbourhood sets (robust.h), gathered
 * into the caller's scratch: [0, nl) the local set, then the seasonal set.  Medians are
 * GSL's gsl_stats_median (quickselect in place: the sets are scratch copies, their order
 * does not matter).  Cost per point: two medians of <= 2 half_window + 1 values and two
 * of <= 2 seasons + 1 (about 50 values by default), so a 336-step window costs ~3e4
 * operations, negligible next to an ets fit.
 */
#include <math.h>

#include <gsl/gsl_sort_double.h>
#include <gsl/gsl_statistics_double.h>

#include "robust.h"

#define MAD_SIGMA 1.4826 /* 1 / Phi^-1(3/4): MAD -> sigma of a normal */

void sc_robust_config_init(sc_robust_config *cfg)
{
    cfg->half_window = 12;
    cfg->period = 0;
    cfg->seasons = 7;
    cfg->k = 5.0;
    cfg->tail = 0.01;
    cfg->rel_floor = 0.05;
    cfg->abs_floor = 1e-9;
}

size_t sc_robust_scratch_len(const sc_robust_config *cfg, size_t n)
{
    size_t l = 2 * cfg->half_window + 1, s = cfg->seasons + 1;
    if (s > l)
        l = s;
    return l > n ? l : n;
}

/* The (1 - tail) quantile of the finite values of y[0..n) (GSL's interpolation of the
 * sorted values, R's type 7); -inf when tail is 0 or no value is finite. */
static double tail_level(const sc_robust_config *cfg, const double *y, size_t n, double *x)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
        if (isfinite(y[i]))
            x[k++] = y[i];
    if (!(cfg->tail > 0) || k == 0)
        return -INFINITY;
    gsl_sort(x, 1, k);
    return gsl_stats_quantile_from_sorted_data(x, 1, k, 1.0 - cfg->tail);
}

/* Median and robust scale of x[0..n) (n >= 1; x is reordered, then overwritten). */
static void med_scale(const sc_robust_config *cfg, double *x, size_t n, double *med,
                      double *scale)
{
    double m = gsl_stats_median(x, 1, n);
    for (size_t i = 0; i < n; i++)
        x[i] = fabs(x[i] - m);
    double s = MAD_SIGMA * gsl_stats_median(x, 1, n);
    double f = cfg->rel_floor * fabs(m);
    if (s < f)
        s = f;
    if (s < cfg->abs_floor)
        s = cfg->abs_floor;
    *med = m;
    *scale = s;
}

/* Thresholds of one side set x[0..n) (it includes the value tested): widen [*lo, *hi]
 * to [med - k scale, med + k scale] when n >= 3 (x is overwritten).  Returns 1 when the
 * side counted. */
static int side(const sc_robust_config *cfg, double *x, size_t n, double *lo, double *hi)
{
    if (n < 3)
        return 0;
    double m, sc;
    med_scale(cfg, x, n, &m, &sc);
    if (m + cfg->k * sc > *hi)
        *hi = m + cfg->k * sc;
    if (m - cfg->k * sc < *lo)
        *lo = m - cfg->k * sc;
    return 1;
}

/* The test of robust.h on v from its four side sets, each gathered into the scratch
 * x[0..n) in turn by gather(which, x) (0 local before, 1 local after, 2 seasonal before,
 * 3 seasonal after; each includes v).  A test whose sides all have < 3 values passes:
 * with a period (seasonal set) and no seasonal side yet, nothing is clipped. */
typedef size_t (*gather_fn)(const void *ctx, int which, double *x);

static double clip(const sc_robust_config *cfg, double v, gather_fn gather, const void *ctx,
                   int seasonal, double top, double *x, signed char *flag)
{
    double lo_l = INFINITY, hi_l = -INFINITY, lo_s = INFINITY, hi_s = -INFINITY;
    int any_l = 0, any_s = 0;
    any_l |= side(cfg, x, gather(ctx, 0, x), &lo_l, &hi_l);
    any_l |= side(cfg, x, gather(ctx, 1, x), &lo_l, &hi_l);
    if (seasonal) {
        any_s |= side(cfg, x, gather(ctx, 2, x), &lo_s, &hi_s);
        any_s |= side(cfg, x, gather(ctx, 3, x), &lo_s, &hi_s);
    }
    signed char f = 0;
    if (any_l && (any_s || !seasonal)) {
        double hi = any_s && hi_s > hi_l ? hi_s : hi_l;
        double lo = any_s && lo_s < lo_l ? lo_s : lo_l;
        if (top > hi) /* not beyond the series' own upper tail: kept */
            hi = top;
        if (v > hi) {
            v = hi;
            f = 1;
        } else if (v < lo) {
            v = lo;
            f = -1;
        }
    }
    if (flag)
        *flag = f;
    return v;
}

/* The neighbourhood of y[i] in y[0..n), restricted to j <= last (the trailing variant:
 * last = i). */
typedef struct nb {
    const sc_robust_config *cfg;
    const double *y;
    size_t n, i, w, m;  /* w: local steps each side; m: period (0: none) */
} nb;

static size_t gather_nb(const void *ctx, int which, double *x)
{
    const nb *b = ctx;
    size_t k = 0, i = b->i;
    x[k++] = b->y[i];
    if (which == 0)
        for (size_t d = 1; d <= b->w && d <= i; d++)
            k += isfinite(b->y[i - d]) ? (x[k] = b->y[i - d], 1) : 0;
    else if (which == 1)
        for (size_t d = 1; d <= b->w && i + d < b->n; d++)
            k += isfinite(b->y[i + d]) ? (x[k] = b->y[i + d], 1) : 0;
    else if (which == 2 && b->m)
        for (size_t d = 1; d <= b->cfg->seasons && d * b->m <= i; d++)
            k += isfinite(b->y[i - d * b->m]) ? (x[k] = b->y[i - d * b->m], 1) : 0;
    else if (which == 3 && b->m)
        for (size_t d = 1; d <= b->cfg->seasons && i + d * b->m < b->n; d++)
            k += isfinite(b->y[i + d * b->m]) ? (x[k] = b->y[i + d * b->m], 1) : 0;
    return k;
}

size_t sc_robust_filter(const sc_robust_config *cfg, const double *y, size_t n, double *out,
                        signed char *flag, double *scratch)
{
    nb b = {cfg, y, n, 0, cfg->half_window, cfg->period >= 2 ? (size_t)cfg->period : 0};
    size_t clipped = 0;
    double top = tail_level(cfg, y, n, scratch);
    for (size_t i = 0; i < n; i++) {
        signed char f = 0;
        out[i] = y[i];
        if (isfinite(y[i])) {
            b.i = i;
            out[i] = clip(cfg, y[i], gather_nb, &b, b.m > 0, top, scratch, &f);
        }
        if (flag)
            flag[i] = f;
        clipped += f != 0;
    }
    return clipped;
}

double sc_robust_clip_trailing(const sc_robust_config *cfg, const double *y, size_t n,
                               signed char *flag, double *scratch)
{
    if (flag)
        *flag = 0;
    if (n == 0)
        return NAN;
    if (!isfinite(y[n - 1]))
        return y[n - 1];
    /* n = i + 1: the "after" sides are empty */
    nb b = {cfg, y, n, n - 1, 2 * cfg->half_window,
            cfg->period >= 2 ? (size_t)cfg->period : 0};
    double top = tail_level(cfg, y, n, scratch);
    return clip(cfg, y[n - 1], gather_nb, &b, b.m > 0, top, scratch, flag);
}
