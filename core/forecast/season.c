/*
 * season.c - seasonality: M4's autocorrelation test, R's classical decomposition, and detection of a seasonal period from the data.
 *
 * The sample autocorrelation is R's acf(): r_k = sum_{t<n-k} (x_t - xbar)(x_{t+k} - xbar)
 * / sum_t (x_t - xbar)^2.  M4's test (Benchmarks and Evaluation.R, SeasonalityTest) is
 * seasonal iff n >= 3m and |r_m| > 1.645/sqrt(n) * sqrt(1 + 2 sum_{k=1}^{m-1} r_k^2),
 * with acf's default lag.max = floor(10 log10 n); a lag beyond it is NA in R, and NA
 * counts as "not seasonal".  decompose() (R stats) takes the centred moving average of
 * order m (weights 1/2m at both ends when m is even) as trend, averages x/trend over
 * each position of the cycle and normalises the m figures to mean 1.
 */
#include <math.h>
#include <stdlib.h>

#include "sculpt/forecast.h"

/* ACF r[1..kmax] of y (NaN-aware: pairs with a NaN are skipped; mean and variance over
 * the finite values).  r[0] = 1.  Returns 0 when the variance is 0. */
static int acf(const double *y, size_t n, size_t kmax, double *r)
{
    double sum = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i])) {
            sum += y[i];
            cnt++;
        }
    if (cnt < 2)
        return 0;
    double mean = sum / (double)cnt;
    double den = 0.0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(y[i]))
            den += (y[i] - mean) * (y[i] - mean);
    if (!(den > 0.0))
        return 0;
    r[0] = 1.0;
    for (size_t k = 1; k <= kmax; k++) {
        double num = 0.0;
        for (size_t t = 0; t + k < n; t++)
            if (!isnan(y[t]) && !isnan(y[t + k]))
                num += (y[t] - mean) * (y[t + k] - mean);
        r[k] = num / den;
    }
    return 1;
}

int sc_season_m4_test(const double *y, size_t n, int m)
{
    if (m < 2 || n < 3 * (size_t)m)
        return 0;
    size_t lag_max = (size_t)floor(10.0 * log10((double)n));
    if (lag_max > n - 1)
        lag_max = n - 1;
    if ((size_t)m > lag_max)
        return 0;   /* xacf[m] is NA in R */
    double *r = malloc(((size_t)m + 1) * sizeof *r);
    if (!r)
        return 0;
    int seasonal = 0;
    if (acf(y, n, (size_t)m, r)) {
        double cum = 1.0;
        for (int k = 1; k < m; k++)
            cum += 2.0 * r[k] * r[k];
        double clim = 1.645 / sqrt((double)n) * sqrt(cum);
        seasonal = fabs(r[m]) > clim;
    }
    free(r);
    return seasonal;
}

sc_status sc_season_decompose(const double *y, size_t n, int m, int mult, double *out,
                              sc_error *err)
{
    if (m < 2 || n < 2 * (size_t)m)
        return sc_error_set(err, SC_ERR_RANGE, "decompose",
                            "need at least two periods (2 x %d), got %zu", m, n);
    size_t L = (m % 2 == 0) ? (size_t)m + 1 : (size_t)m;  /* filter length */
    size_t o = L / 2;                                      /* centring offset */
    double *w = malloc(L * sizeof *w);
    double *sum = calloc((size_t)m, sizeof *sum);
    size_t *cnt = calloc((size_t)m, sizeof *cnt);
    if (!w || !sum || !cnt) {
        free(w);
        free(sum);
        free(cnt);
        return sc_error_set(err, SC_ERR_NOMEM, "decompose", "allocating workspace");
    }
    for (size_t j = 0; j < L; j++)
        w[j] = 1.0 / m;
    if (m % 2 == 0)
        w[0] = w[L - 1] = 0.5 / m;
    /* trend[i] defined for o <= i < n - (L - 1 - o); R's filter sums filter[j] *
     * x[i + o - j] for j = 0..L-1. */
    for (size_t i = o; i + (L - 1 - o) < n; i++) {
        double z = 0.0;
        for (size_t j = 0; j < L; j++)
            z += w[j] * y[i + o - j];
        double s = mult ? y[i] / z : y[i] - z;
        if (isfinite(s)) {
            sum[i % (size_t)m] += s;
            cnt[i % (size_t)m]++;
        }
    }
    double tot = 0.0;
    sc_status st = SC_OK;
    for (int i = 0; i < m; i++) {
        if (!cnt[i]) {
            st = sc_error_set(err, SC_ERR_INPUT, "decompose",
                              "season position %d has no finite ratio to the trend", i);
            break;
        }
        out[i] = sum[i] / (double)cnt[i];
        tot += out[i];
    }
    if (st == SC_OK) {
        double mean = tot / m;
        for (int i = 0; i < m; i++)
            out[i] = mult ? out[i] / mean : out[i] - mean;
    }
    free(w);
    free(sum);
    free(cnt);
    return st;
}

sc_status sc_season_detect(const double *y, size_t n, int max_period, int *out,
                           sc_error *err)
{
    *out = 1;
    if (max_period < 2 || n < 6)
        return SC_OK;
    size_t kmax = (size_t)max_period;
    if (kmax > n / 3)
        kmax = n / 3;   /* at least three full cycles */
    if (kmax < 2)
        return SC_OK;
    double *r = malloc((kmax + 2) * sizeof *r);
    if (!r)
        return sc_error_set(err, SC_ERR_NOMEM, "season", "allocating %zu lags", kmax);
    size_t kfull = kmax + 1 < n ? kmax + 1 : kmax;
    if (acf(y, n, kfull, r)) {
        double bound = 1.96 / sqrt((double)n), best = bound;
        for (size_t k = 2; k <= kmax; k++) {
            double next = (k + 1 <= kfull) ? r[k + 1] : -INFINITY;
            if (r[k] > r[k - 1] && r[k] >= next && r[k] > best) {
                best = r[k];
                *out = (int)k;
            }
        }
    }
    free(r);
    return SC_OK;
}
