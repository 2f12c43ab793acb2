/*
 * naive.c - the M4 benchmark forecasters naive, snaive and naive2.
 *
 * They follow the M4 organisers' "Benchmarks and Evaluation.R" (Mcompetitions/
 * M4-methods) and forecast::naive/snaive (R forecast 8.2) exactly:
 *   naive   f(n+h) = y(n)
 *   snaive  f(n+h) = y(n+h-m*ceil(h/m)), the last value of the same season
 *   naive2  naive on the seasonally adjusted series times the seasonal index, where the
 *           series is adjusted only when M4's 90 % autocorrelation test
 *           (sc_season_m4_test) says it is seasonal, with the index from R's classical
 *           multiplicative decompose() (sc_season_decompose).
 * Prediction intervals are the random-walk ones of forecast::rwf/snaive: sigma is the
 * root mean square of the method's in-sample one-step residuals, the h-step standard
 * error sigma*sqrt(h) (naive, naive2 on the adjusted scale) or sigma*sqrt(ceil(h/m))
 * (snaive), and quantiles mean + z_q * se, Gaussian.
 *
 * State is fixed-size: snaive keeps a ring of the last m values indexed by position
 * modulo m (slot p mod m holds the latest value at a position congruent to p), so
 * update is O(1) and a missing value simply leaves last season's value in its slot.
 */
#include <math.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sculpt/forecast.h"

/* Residual accumulator: sum of squares and count of one-step residuals. */
typedef struct rw_sigma {
    double ss;        /* sum of squared residuals */
    uint64_t count;   /* residuals accumulated */
} rw_sigma;

static double rw_sigma_get(const rw_sigma *r)
{
    return r->count ? sqrt(r->ss / (double)r->count) : 0.0;
}

static void fill_quantiles(double mean, double se, const double *q, size_t nq, double *out)
{
    for (size_t k = 0; k < nq; k++)
        out[k] = mean + gsl_cdf_ugaussian_Pinv(q[k]) * se;
}

/* ---- naive ------------------------------------------------------------------------ */

typedef struct naive_state {
    double last;      /* last observed value */
    rw_sigma res;     /* residuals y(t) - y(t-1) */
} naive_state;

static size_t naive_min_history(const sc_forecast_config *cfg)
{
    (void)cfg;
    return 1;
}

static void naive_update(void *state, double y)
{
    naive_state *s = state;
    if (isnan(y))
        return;
    double e = y - s->last;
    s->res.ss += e * e;
    s->res.count++;
    s->last = y;
}

static sc_status naive_fit(void *state, const sc_forecast_config *cfg, const double *y,
                           size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    naive_state *s = state;
    s->last = y[0];
    for (size_t i = 1; i < n; i++)
        naive_update(s, y[i]);
    return SC_OK;
}

static sc_status naive_predict(const void *state, size_t h, const double *q, size_t nq,
                               double *mean, double *quant, sc_error *err)
{
    const naive_state *s = state;
    double sigma = rw_sigma_get(&s->res);
    for (size_t i = 0; i < h; i++) {
        mean[i] = s->last;
        fill_quantiles(s->last, sigma * sqrt((double)(i + 1)), q, nq, quant + i * nq);
    }
    return SC_OK;
}

const sc_forecaster_type sc_forecast_naive_type = {
    .name = "naive",
    .version = 1,
    .state_size = sizeof(naive_state),
    .max_period = 1,
    .min_history = naive_min_history,
    .fit = naive_fit,
    .update = naive_update,
    .predict = naive_predict,
};

/* ---- snaive ----------------------------------------------------------------------- */

typedef struct snaive_state {
    int m;                                  /* period */
    uint64_t pos;                           /* position of the next observation */
    rw_sigma res;                           /* residuals y(t) - y(t-m) */
    double ring[SC_FORECAST_MAX_PERIOD];    /* ring[p % m]: latest value at p (mod m) */
} snaive_state;

static size_t snaive_min_history(const sc_forecast_config *cfg)
{
    return cfg->period > 1 ? (size_t)cfg->period : 1;
}

static void snaive_update(void *state, double y)
{
    snaive_state *s = state;
    double *slot = &s->ring[s->pos % (uint64_t)s->m];
    if (!isnan(y)) {
        if (s->pos >= (uint64_t)s->m) {
            double e = y - *slot;
            s->res.ss += e * e;
            s->res.count++;
        }
        *slot = y;
    }
    s->pos++;
}

static sc_status snaive_fit(void *state, const sc_forecast_config *cfg, const double *y,
                            size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    snaive_state *s = state;
    s->m = cfg->period;
    for (size_t i = 0; i < n; i++)
        snaive_update(s, y[i]);
    return SC_OK;
}

static sc_status snaive_predict(const void *state, size_t h, const double *q, size_t nq,
                                double *mean, double *quant, sc_error *err)
{
    const snaive_state *s = state;
    uint64_t m = (uint64_t)s->m;
    double sigma = rw_sigma_get(&s->res);
    for (size_t i = 0; i < h; i++) {
        mean[i] = s->ring[(s->pos + i) % m];
        double cycles = (double)(i / m + 1);   /* ceil((i+1)/m) */
        fill_quantiles(mean[i], sigma * sqrt(cycles), q, nq, quant + i * nq);
    }
    return SC_OK;
}

const sc_forecaster_type sc_forecast_snaive_type = {
    .name = "snaive",
    .version = 1,
    .state_size = sizeof(snaive_state),
    .max_period = SC_FORECAST_MAX_PERIOD,
    .min_history = snaive_min_history,
    .fit = snaive_fit,
    .update = snaive_update,
    .predict = snaive_predict,
};

/* ---- naive2 ----------------------------------------------------------------------- */

typedef struct naive2_state {
    int m;                                  /* period (1 when not seasonal) */
    uint64_t pos;                           /* position of the next observation */
    double last;                            /* last seasonally adjusted value */
    rw_sigma res;                           /* residuals of naive on adjusted values */
    double si[SC_FORECAST_MAX_PERIOD];      /* si[p % m]: multiplicative index */
} naive2_state;

static size_t naive2_min_history(const sc_forecast_config *cfg)
{
    (void)cfg;
    return 1;
}

static void naive2_update(void *state, double y)
{
    naive2_state *s = state;
    double si = s->si[s->pos % (uint64_t)s->m];
    s->pos++;
    if (isnan(y))
        return;
    double d = y / si;
    double e = d - s->last;
    s->res.ss += e * e;
    s->res.count++;
    s->last = d;
}

static sc_status naive2_fit(void *state, const sc_forecast_config *cfg, const double *y,
                            size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    naive2_state *s = state;
    int m = cfg->period;
    s->m = 1;
    s->si[0] = 1.0;
    if (m > 1 && sc_season_m4_test(y, n, m)) {
        sc_error e2;
        if (sc_season_decompose(y, n, m, 1, s->si, &e2) == SC_OK) {
            int ok = 1;
            for (int i = 0; i < m; i++)
                if (!(isfinite(s->si[i]) && s->si[i] > 0.0))
                    ok = 0;
            if (ok)
                s->m = m;
        }
        if (s->m == 1)
            s->si[0] = 1.0;   /* decomposition unusable (zero/negative data): no adjust */
    }
    s->pos = 1;
    s->last = y[0] / s->si[0];
    for (size_t i = 1; i < n; i++)
        naive2_update(s, y[i]);
    return SC_OK;
}

static sc_status naive2_predict(const void *state, size_t h, const double *q, size_t nq,
                                double *mean, double *quant, sc_error *err)
{
    const naive2_state *s = state;
    double sigma = rw_sigma_get(&s->res);
    for (size_t i = 0; i < h; i++) {
        double si = s->si[(s->pos + i) % (uint64_t)s->m];
        mean[i] = s->last * si;
        fill_quantiles(s->last, sigma * sqrt((double)(i + 1)), q, nq, quant + i * nq);
        for (size_t k = 0; k < nq; k++)
            quant[i * nq + k] *= si;
    }
    return SC_OK;
}

const sc_forecaster_type sc_forecast_naive2_type = {
    .name = "naive2",
    .version = 1,
    .state_size = sizeof(naive2_state),
    .max_period = SC_FORECAST_MAX_PERIOD,
    .min_history = naive2_min_history,
    .fit = naive2_fit,
    .update = naive2_update,
    .predict = naive2_predict,
};
