/*
 * test_lstm.c - the lstm forecaster: finite-difference gradient check of the network's
 * backpropagation through time, learning a clean seasonal signal better than snaive,
 * bit-identical training for one seed, the global-model plug-in path and its edges.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/forecast/lstm.h"
#include "sculpt/forecast.h"

/* High-entropy deterministic values in (-1, 1). */
static double hv(size_t k, double a)
{
    return sin(1.7 * (double)k + a) * cos(0.37 * (double)k * (double)k + 0.5 * a);
}

static void grad_check(sc_lstm_loss loss)
{
    enum { NIN = 3, HID = 4, LEN = 5, OUT = 2, FUT = 1, B = 3 };
    sc_lstm_net *net;
    sc_error err;
    cr_assert_eq(sc_lstm_net_alloc(NIN, HID, OUT, FUT, 7, &net, &err), SC_OK);
    /* move every parameter off its initial value (biases and u start at 0/1) */
    for (size_t p = 0; p < net->n_params; p++)
        net->theta[p] += 0.3 * hv(p, 0.1);
    sc_lstm_work *w;
    cr_assert_eq(sc_lstm_work_alloc(net, B, LEN, &w, &err), SC_OK);
    double x[B * LEN * NIN], xf[B * OUT * FUT], t[B * OUT];
    for (size_t k = 0; k < B * LEN * NIN; k++)
        x[k] = hv(k, 1.3);
    for (size_t k = 0; k < B * OUT * FUT; k++)
        xf[k] = hv(k, 2.9);
    for (size_t k = 0; k < B * OUT; k++)
        t[k] = 2.0 * hv(k, 0.7);   /* far from the outputs: no MAE kink nearby */
    size_t P = net->n_params;
    cr_assert_eq(P, (size_t)((NIN + HID) * 4 * HID + 4 * HID + HID * OUT + OUT + FUT));
    double *g = malloc(P * sizeof *g);
    sc_lstm_net_loss_grad(net, w, x, xf, t, B, LEN, loss, g);
    const double eps = 1e-6;
    double worst = 0.0;
    for (size_t p = 0; p < P; p++) {
        double keep = net->theta[p];
        net->theta[p] = keep + eps;
        double lp = sc_lstm_net_loss_grad(net, w, x, xf, t, B, LEN, loss, NULL);
        net->theta[p] = keep - eps;
        double lm = sc_lstm_net_loss_grad(net, w, x, xf, t, B, LEN, loss, NULL);
        net->theta[p] = keep;
        double num = (lp - lm) / (2.0 * eps);
        double den = fmax(fabs(num), fabs(g[p]));
        /* relative error; gradients below 1e-7 in size are compared absolutely (the
         * central difference then carries ~1e-10 of rounding, 1e-16 / eps) */
        double rel = den > 1e-7 ? fabs(num - g[p]) / den : fabs(num - g[p]) / 1e-7;
        if (rel > worst)
            worst = rel;
        cr_expect_lt(rel, 1e-5, "param %zu: analytic %.12g numeric %.12g", p, g[p], num);
    }
    cr_log_info("gradient check: worst relative error %.3g over %zu parameters", worst, P);
    free(g);
    sc_lstm_work_free(w);
    sc_lstm_net_free(net);
}

Test(lstm, gradient_matches_central_differences_mse)
{
    grad_check(SC_LSTM_LOSS_MSE);
}

Test(lstm, gradient_matches_central_differences_mae)
{
    grad_check(SC_LSTM_LOSS_MAE);
}

/* Clean sinusoid + trend: series j is 100 + 10 j + slope_j t + amp_j sin(2 pi (t + ph_j)
 * / 24).  snaive's h-step error is slope_j * 24 * ceil(h / 24) exactly (the sinusoid
 * repeats, the trend moved by one or two days), so its mean absolute error over 48 steps
 * is slope_j * 36.  */
#define NS 8
#define NLEN 600
#define HZ 48

static double sig(size_t j, size_t t)
{
    double slope = 0.2 + 0.05 * (double)j, amp = 15.0 + 3.0 * (double)j;
    double ph = (double)(j * 5 % 24);
    return 100.0 + 10.0 * (double)j + slope * (double)t +
           amp * sin(2.0 * 3.14159265358979323846 * ((double)t + ph) / 24.0);
}

static void train_and_forecast(uint64_t seed, double *out /* NS * HZ */, double *qout)
{
    static double ys[NS][NLEN];
    const double *y[NS];
    size_t n[NS];
    for (size_t j = 0; j < NS; j++) {
        for (size_t t = 0; t < NLEN; t++)
            ys[j][t] = sig(j, t);
        y[j] = ys[j];
        n[j] = NLEN;
    }
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    cfg.seed = seed;
    sc_forecaster *fcs[NS];
    sc_error err;
    for (size_t j = 0; j < NS; j++)
        cr_assert_eq(sc_forecaster_alloc("lstm", &cfg, &fcs[j], &err), SC_OK);
    sc_status st = sc_forecaster_fit_many(fcs, NS, y, n, NULL, &err);
    cr_assert_eq(st, SC_OK, "%s", err.msg);
    double q[2] = {0.025, 0.975};
    for (size_t j = 0; j < NS; j++) {
        cr_assert(fcs[j]->fitted);
        cr_assert_eq(sc_forecaster_predict(fcs[j], HZ, q, qout ? 2 : 0, out + j * HZ,
                                           qout ? qout + j * 2 * HZ : NULL, &err),
                     SC_OK);
        sc_forecaster_free(fcs[j]);
    }
}

Test(lstm, learns_seasonal_signal_better_than_snaive)
{
    double f[NS * HZ];
    train_and_forecast(3, f, NULL);
    double mae = 0.0, mae_snaive = 0.0;
    for (size_t j = 0; j < NS; j++) {
        double slope = 0.2 + 0.05 * (double)j;
        mae_snaive += slope * 36.0;   /* see above */
        for (size_t h = 0; h < HZ; h++)
            mae += fabs(f[j * HZ + h] - sig(j, NLEN + h));
    }
    mae /= NS * HZ;
    mae_snaive /= NS;
    cr_log_info("lstm MAE %.3f, snaive MAE %.3f", mae, mae_snaive);
    cr_expect_lt(mae, 0.5 * mae_snaive, "lstm MAE %.3f vs snaive %.3f", mae, mae_snaive);
}

Test(lstm, same_seed_same_bytes)
{
    double a[NS * HZ], b[NS * HZ], qa[NS * 2 * HZ], qb[NS * 2 * HZ];
    train_and_forecast(11, a, qa);
    train_and_forecast(11, b, qb);
    cr_expect_eq(memcmp(a, b, sizeof a), 0, "forecasts differ between identical trainings");
    cr_expect_eq(memcmp(qa, qb, sizeof qa), 0, "quantiles differ");
    double c[NS * HZ];
    train_and_forecast(12, c, NULL);
    cr_expect_neq(memcmp(a, c, sizeof a), 0, "another seed should give other weights");
}

Test(lstm, registry_update_and_edges)
{
    const sc_forecaster_type *t;
    sc_error err;
    cr_assert_eq(sc_forecaster_type_find("lstm", &t, &err), SC_OK);
    cr_expect_eq(t->version, 2);
    cr_expect_not_null(t->fit_global);
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    /* min history: L + 2H = 168 + 2 * 48 with m = 24 (defaults) */
    cr_expect_eq(t->min_history(&cfg), 264u);
    double y[300];
    for (size_t i = 0; i < 300; i++)
        y[i] = sig(1, i);
    sc_forecaster *fc;
    cr_assert_eq(sc_forecaster_alloc("lstm", &cfg, &fc, &err), SC_OK);
    cr_expect_eq(sc_forecaster_fit(fc, y, 100, NULL, &err), SC_ERR_RANGE);
    /* one series through the per-series fit; NaN gaps are filled by the wrapper */
    y[150] = NAN;
    cr_assert_eq(sc_forecaster_fit(fc, y, 300, NULL, &err), SC_OK, "%s", err.msg);
    double m1[30], m2[30], qq[60], q[2] = {0.1, 0.9};
    cr_assert_eq(sc_forecaster_predict(fc, 30, q, 2, m1, qq, &err), SC_OK);
    for (size_t i = 0; i < 30; i++) {
        cr_expect(isfinite(m1[i]) && qq[2 * i] <= qq[2 * i + 1]);
    }
    /* update shifts the window by one step: the new first step is the old second one's
     * target position, so forecasts change; NaN updates never produce NaN */
    cr_assert_eq(sc_forecaster_update(fc, sig(1, 300)), SC_OK);
    cr_assert_eq(sc_forecaster_update(fc, NAN), SC_OK);
    cr_assert_eq(sc_forecaster_predict(fc, 30, q, 2, m2, qq, &err), SC_OK);
    int differ = 0;
    for (size_t i = 0; i < 30; i++) {
        cr_expect(isfinite(m2[i]));
        differ |= m1[i] != m2[i];
    }
    cr_expect(differ);
    /* refit on the same instance releases the old model (ASan checks the leak) */
    cr_assert_eq(sc_forecaster_fit(fc, y, 280, NULL, &err), SC_OK);
    sc_forecaster_free(fc);
}

Test(lstm, fit_many_leaves_short_series_unfitted)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    static double a[400], b[50], c[400];
    for (size_t i = 0; i < 400; i++) {
        a[i] = sig(2, i);
        c[i] = sig(4, i);
    }
    for (size_t i = 0; i < 50; i++)
        b[i] = sig(3, i);
    const double *y[3] = {a, b, c};
    size_t n[3] = {400, 50, 400};
    sc_forecaster *fcs[3];
    sc_error err;
    for (size_t j = 0; j < 3; j++)
        cr_assert_eq(sc_forecaster_alloc("lstm", &cfg, &fcs[j], &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit_many(fcs, 3, y, n, NULL, &err), SC_OK, "%s", err.msg);
    cr_expect(fcs[0]->fitted);
    cr_expect(!fcs[1]->fitted);
    cr_expect(fcs[2]->fitted);
    for (size_t j = 0; j < 3; j++)
        sc_forecaster_free(fcs[j]);
}

/* Announced events: series with a +60 % lift during flagged hours.  With the future
 * flags given (exog n_future), the forecast inside an announced event step must be
 * clearly above the forecast of the same step without the announcement. */
Test(lstm, announced_events_raise_the_forecast)
{
    enum { N = 500, NF = 48, S = 6 };
    static double ys[S][N], xs[S][N + NF];
    const double *y[S];
    size_t n[S];
    sc_forecast_exog ex[S];
    const sc_forecast_exog *exp[S];
    for (size_t j = 0; j < S; j++) {
        for (size_t t = 0; t < N + NF; t++) {
            /* 6-hour events every ~37 hours (offset by series), plus one at N + 10 */
            int on = ((t + 7 * j) % 37) < 6 || (t >= N + 10 && t < N + 16);
            xs[j][t] = on ? 1.0 : 0.0;
            if (t < N)
                ys[j][t] = (100.0 + 20.0 * sin(2.0 * 3.14159265358979323846 * (double)t / 24.0)) *
                           (on ? 1.6 : 1.0);
        }
        y[j] = ys[j];
        n[j] = N;
        ex[j] = (sc_forecast_exog){.x = xs[j], .ncols = 1, .n_future = NF};
        exp[j] = &ex[j];
    }
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    sc_forecaster *fcs[S];
    sc_error err;
    for (size_t j = 0; j < S; j++)
        cr_assert_eq(sc_forecaster_alloc("lstm", &cfg, &fcs[j], &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit_many(fcs, S, y, n, exp, &err), SC_OK, "%s", err.msg);
    double f[NF];
    cr_assert_eq(sc_forecaster_predict(fcs[0], NF, NULL, 0, f, NULL, &err), SC_OK);
    /* steps 11..16 (index 10..15) are announced; the base level there is ~100 +- 20 */
    double in = 0.0, base = 0.0;
    for (size_t h = 10; h < 16; h++) {
        in += f[h] / 6.0;
        base += (100.0 + 20.0 * sin(2.0 * 3.14159265358979323846 * (double)(N + h) / 24.0)) /
                6.0;
    }
    cr_log_info("forecast in announced event %.2f, base %.2f", in, base);
    cr_expect_gt(in, 1.25 * base, "event mean %.2f vs base %.2f", in, base);
    for (size_t j = 0; j < S; j++)
        sc_forecaster_free(fcs[j]);
}
