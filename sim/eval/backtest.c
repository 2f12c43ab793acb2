/*
 * backtest.c - rolling-origin evaluation of one forecaster on regularly sampled series
 * (issue 3 item 7), part of the evaluation layer (eval.h; the CLI is `sculpt forecast
 * --backtest`, sim/cmd_forecast_backtest.c).  The measures are core's
 * (core/forecast/accuracy.c).
 *
 * For a series y[0..n-1] and the longest horizon H (steps): origins o_0 < ... < o_{N-1}
 * with o_{N-1} = n - H and o_k = o_{N-1} - (N-1-k) stride.  stride = H, so the N
 * forecast windows tile the last N*H steps without overlap; when the series is too short
 * for that the stride shrinks (to 1 at least) so that o_0 keeps the history the model
 * needs.  At every origin the model is REFITTED on y[0..o) only (no update() between
 * origins: the score is that of a model refitted at the origin, which is how the
 * forecasts of `sculpt forecast` are made) and forecasts H steps with the quantiles.
 *
 * Scores at horizon h (a single step, the h-th after the origin, y = y[o + h - 1]):
 *   sMAPE   200 |y - f| / (|y| + |f|)          (0/0 counts 0, as m4eval.c)
 *   MASE    |y - f| / s, s = sc_m4_scale(y[0..o), m): the in-sample seasonal naive
 *           mean absolute error at the period m, as M4 (lag 1 when o <= m)
 *   pinball q (y - Q_q) if y >= Q_q, else (1 - q)(Q_q - y), divided by the same s
 *           (scale-free, so series of different units can be averaged, as M5's SPL)
 *   coverage 1 if y <= Q_q else 0  (so the realised coverage of a q-quantile should
 *           be close to q)
 * Means are over all (series, origin) pairs with a present actual; MASE and pinball
 * leave out pairs whose scale is 0 (a constant history).  The period is opts->period
 * or is detected once per series on y[0..o_0) (data before every origin).  With
 * opts->max_history = W > 0 the model, the scale and the detection see only the last W
 * steps before the origin (a sliding window; bounds the cost on years of hourly data).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "eval.h"
#include "sculpt/forecast.h"

sc_status sc_backtest_acc_init(sc_backtest_acc *acc, const sc_backtest_opts *opts,
                               sc_error *err)
{
    if (!acc || !opts || !opts->model)
        return sc_error_set(err, SC_ERR_INPUT, "backtest", "NULL argument");
    memset(acc, 0, sizeof *acc);
    if (opts->nh < 1 || opts->nh > SC_BACKTEST_MAX_HORIZONS || !opts->horizons)
        return sc_error_set(err, SC_ERR_INPUT, "backtest", "expected 1 to %d horizons",
                            SC_BACKTEST_MAX_HORIZONS);
    if (opts->nq > SC_BACKTEST_MAX_QUANTILES || (opts->nq && !opts->q))
        return sc_error_set(err, SC_ERR_INPUT, "backtest", "expected at most %d quantiles",
                            SC_BACKTEST_MAX_QUANTILES);
    if (opts->origins < 1)
        return sc_error_set(err, SC_ERR_INPUT, "backtest", "expected at least 1 origin");
    for (size_t k = 0; k < opts->nh; k++) {
        if (opts->horizons[k] < 1)
            return sc_error_set(err, SC_ERR_INPUT, "backtest", "horizon %zu is 0 steps",
                                k + 1);
        acc->horizons[k] = opts->horizons[k];
    }
    for (size_t j = 0; j < opts->nq; j++) {
        if (!(opts->q[j] > 0.0 && opts->q[j] < 1.0))
            return sc_error_set(err, SC_ERR_INPUT, "backtest",
                                "quantile %g is outside (0, 1)", opts->q[j]);
        acc->q[j] = opts->q[j];
    }
    acc->nh = opts->nh;
    acc->nq = opts->nq;
    return SC_OK;
}

void sc_backtest_acc_row(const sc_backtest_acc *acc, size_t k, sc_backtest_row *out)
{
    memset(out, 0, sizeof *out);
    out->horizon = acc->horizons[k];
    out->points = acc->points[k];
    double dn = (double)acc->points[k], ds = (double)acc->points_scaled[k];
    out->smape = acc->points[k] ? acc->smape_sum[k] / dn : NAN;
    out->mase = acc->points_scaled[k] ? acc->mase_sum[k] / ds : NAN;
    for (size_t j = 0; j < acc->nq; j++) {
        out->pinball[j] = acc->points_scaled[k] ? acc->pinball_sum[k][j] / ds : NAN;
        out->coverage[j] = acc->points[k] ? acc->below_sum[k][j] / dn : NAN;
    }
}

static size_t longest_horizon(const sc_backtest_acc *acc)
{
    size_t H = 0;
    for (size_t k = 0; k < acc->nh; k++)
        if (acc->horizons[k] > H)
            H = acc->horizons[k];
    return H;
}

/* History the model needs at period m: its min_history and m + 1 (a lag-m MASE scale). */
static size_t history_needed(const sc_forecaster_type *type, const sc_backtest_opts *opts,
                             int m)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = m;
    size_t need = type->min_history(&cfg);
    if (need < (size_t)m + 1)
        need = (size_t)m + 1;
    (void)opts;
    return need < 2 ? 2 : need;
}

sc_status sc_backtest_series(const double *y, size_t n, const sc_backtest_opts *opts,
                             const char *what, sc_backtest_acc *acc, int *period_out,
                             sc_error *err)
{
    if (!y || !opts || !acc || acc->nh == 0)
        return sc_error_set(err, SC_ERR_INPUT, what, "backtest: NULL or uninitialised");
    const sc_forecaster_type *type;
    sc_status st = sc_forecaster_type_find(opts->model, &type, err);
    if (st != SC_OK)
        return st;
    size_t H = longest_horizon(acc), N = opts->origins;
    if (n <= H + N)
        return sc_error_set(err, SC_ERR_RANGE, what,
                            "series too short: %zu steps for %zu origins and a %zu-step "
                            "horizon",
                            n, N, H);
    size_t o_last = n - H;
    /* Stride H when the history allows it; otherwise the largest that does (>= 1). */
    int m = opts->period;
    size_t need = history_needed(type, opts, m > 0 ? m : 1);
    size_t stride = H;
    if (N > 1 && (o_last < need || (o_last - need) / (N - 1) < stride))
        stride = o_last > need ? (o_last - need) / (N - 1) : 0;
    if (stride < 1 && N > 1)
        stride = 1;
    if (o_last < (N - 1) * stride + need)
        return sc_error_set(err, SC_ERR_RANGE, what,
                            "series too short: %zu steps; %s needs %zu before the first of "
                            "%zu origins plus a %zu-step horizon",
                            n, opts->model, need, N, H);
    size_t o_first = o_last - (N - 1) * stride;
    if (opts->max_history && opts->max_history < need)
        return sc_error_set(err, SC_ERR_RANGE, what,
                            "a %zu-step history window is shorter than the %zu steps %s "
                            "needs",
                            opts->max_history, need, opts->model);
    if (m <= 0) {
        int maxp = opts->max_period > 0 ? opts->max_period : 168;
        if (maxp > SC_FORECAST_MAX_PERIOD)
            maxp = SC_FORECAST_MAX_PERIOD;
        m = 1;
        size_t w0 = opts->max_history && o_first > opts->max_history
                        ? o_first - opts->max_history
                        : 0;
        st = maxp >= 2 ? sc_season_detect(y + w0, o_first - w0, maxp, &m, err) : SC_OK;
        if (st != SC_OK)
            return st;
        /* The detected period may need more history than the first origin has. */
        size_t avail = o_first - w0;
        if (avail < history_needed(type, opts, m))
            m = 1;
    }
    if (period_out)
        *period_out = m;

    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = m;
    cfg.seed = opts->seed;
    size_t nq = acc->nq;
    double *mean = malloc(H * sizeof *mean);
    double *quant = malloc((H * nq + 1) * sizeof *quant);
    if (!mean || !quant) {
        free(mean);
        free(quant);
        return sc_error_set(err, SC_ERR_NOMEM, what, "backtest buffers");
    }
    for (size_t i = 0; i < N && st == SC_OK; i++) {
        size_t o = o_first + i * stride;
        size_t w0 = opts->max_history && o > opts->max_history ? o - opts->max_history : 0;
        sc_forecaster *fc = NULL;
        st = sc_forecaster_alloc(opts->model, &cfg, &fc, err);
        if (st == SC_OK)
            st = sc_forecaster_fit(fc, y + w0, o - w0, NULL, err);
        if (st == SC_OK)
            st = sc_forecaster_predict(fc, H, acc->q, nq, mean, nq ? quant : NULL, err);
        sc_forecaster_free(fc);
        if (st != SC_OK) {
            if (err) {
                sc_error ctx = *err;
                sc_error_set(err, ctx.status, what, "origin %zu of %zu (step %zu): %s",
                             i + 1, N, o, ctx.msg);
            }
            break;
        }
        acc->fits++;
        double scale = sc_m4_scale(y + w0, o - w0, m);
        for (size_t k = 0; k < acc->nh; k++) {
            size_t s = acc->horizons[k] - 1;
            double a = y[o + s], f = mean[s];
            if (isnan(a))
                continue;
            acc->smape_sum[k] += sc_accuracy_smape(a, f);
            acc->points[k]++;
            for (size_t j = 0; j < nq; j++)
                acc->below_sum[k][j] += a <= quant[s * nq + j] ? 1.0 : 0.0;
            if (scale > 0.0) {
                acc->mase_sum[k] += fabs(a - f) / scale;
                for (size_t j = 0; j < nq; j++) {
                    double loss = sc_accuracy_pinball(a, quant[s * nq + j], acc->q[j]);
                    acc->pinball_sum[k][j] += loss / scale;
                }
                acc->points_scaled[k]++;
            }
        }
    }
    free(mean);
    free(quant);
    if (st == SC_OK)
        acc->series++;
    return st;
}
