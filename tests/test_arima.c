/*
 * test_arima.c - the arima and harmonic forecasters and the Kalman likelihood.
 *
 * Expected values come from R (R 4.2.2, forecast 8.20), produced by
 * tests/fixtures/arima/make_fixtures.R into tests/fixtures/arima/reference.txt (the
 * commands are in that script), from Box & Jenkins' published airline-model estimates,
 * and from hand calculations written out in the comments.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "../core/forecast/fcint.h"
#include "sculpt/forecast.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/arima"
#define PI 3.14159265358979323846

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(arima, .init = setup);

static double *read_series(const char *name, size_t *n)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", FIX, name);
    FILE *fp = fopen(path, "r");
    cr_assert(fp, "cannot open %s", path);
    size_t cap = 1024, k = 0;
    double *v = malloc(cap * sizeof *v), x;
    while (fscanf(fp, "%lf", &x) == 1) {
        if (k == cap)
            v = realloc(v, (cap *= 2) * sizeof *v);
        v[k++] = x;
    }
    fclose(fp);
    *n = k;
    return v;
}

/* Values of the line of reference.txt that starts with key (after the key). */
static size_t ref_values(const char *key, double *out, size_t cap)
{
    FILE *fp = fopen(FIX "/reference.txt", "r");
    cr_assert(fp);
    char line[4096];
    size_t k = 0;
    while (fgets(line, sizeof line, fp)) {
        size_t kl = strlen(key);
        if (strncmp(line, key, kl) != 0 || line[kl] != ' ')
            continue;
        char *p = line + kl, *end;
        while (k < cap) {
            double v = strtod(p, &end);
            if (end == p)
                break;
            out[k++] = v;
            p = end;
        }
        break;
    }
    fclose(fp);
    cr_assert(k > 0, "no reference line %s", key);
    return k;
}

/* R: arima(lh, order = c(1, 0, 0), method = "ML") -> ar1, intercept, sigma2, loglik */
Test(arima, lh_ar1_matches_r)
{
    size_t n;
    double *y = read_series("lh.txt", &n);
    cr_assert_eq(n, 48);
    double r[4];
    cr_assert_eq(ref_values("lh_ar1", r, 4), 4);
    sc_arima_model md;
    sc_error err;
    sc_arima_order o = {1, 0, 0, 0, 0, 0, 1};
    cr_assert_eq(sc_arima_fit_order(y, n, NULL, 0, o, 1, &md, &err), SC_OK, "%s", err.msg);
    cr_expect_float_eq(md.ar[0], r[0], 2e-3, "ar1 %.6f vs R %.6f", md.ar[0], r[0]);
    cr_expect_float_eq(md.mu, r[1], 2e-3, "mean %.6f vs R %.6f", md.mu, r[1]);
    cr_expect_float_eq(md.sigma2, r[2], 1e-3, "sigma2 %.6f vs R %.6f", md.sigma2, r[2]);
    cr_expect_float_eq(md.loglik, r[3], 1e-3, "loglik %.6f vs R %.6f", md.loglik, r[3]);
    free(y);
}

/* Airline model: Box & Jenkins (1970) publish theta = 0.40, Theta = 0.61 on the log
 * series (their sign convention), R gives ma1 = -0.4018, sma1 = -0.5569 by exact ML
 * (reference.txt); we compare with R's figures, its logLik 244.6995, and its 12-step
 * forecasts and 95 % limits. */
Test(arima, airline_matches_r)
{
    size_t n;
    double *y = read_series("logairpass.txt", &n);
    cr_assert_eq(n, 144);
    double r[4], mean_r[12], lo_r[12], hi_r[12];
    ref_values("airline", r, 4);
    cr_assert_eq(ref_values("airline_mean", mean_r, 12), 12);
    ref_values("airline_lo95", lo_r, 12);
    ref_values("airline_hi95", hi_r, 12);
    sc_arima_model md;
    sc_error err;
    sc_arima_order o = {0, 1, 1, 0, 1, 1, 12};
    cr_assert_eq(sc_arima_fit_order(y, n, NULL, 0, o, 0, &md, &err), SC_OK, "%s", err.msg);
    cr_expect_float_eq(md.ma[0], -0.4018, 1e-3, "ma1 %.5f", md.ma[0]);
    cr_expect_float_eq(md.sma[0], -0.5569, 1e-3, "sma1 %.5f", md.sma[0]);
    cr_expect_float_eq(md.loglik, r[3], 5e-3, "loglik %.5f vs R %.5f", md.loglik, r[3]);
    cr_expect_eq(md.nobs, 131);   /* 144 - 1 - 12 */
    double q[2] = {0.025, 0.975}, mean[12], quant[24];
    cr_assert_eq(sc_arima_model_predict(&md, 12, NULL, q, 2, mean, quant, &err), SC_OK);
    for (int s = 0; s < 12; s++) {
        cr_expect_float_eq(mean[s], mean_r[s], 2e-3, "mean[%d] %.5f vs %.5f", s, mean[s],
                           mean_r[s]);
        cr_expect_float_eq(quant[2 * s], lo_r[s], 3e-3, "lo[%d] %.5f vs %.5f", s,
                           quant[2 * s], lo_r[s]);
        cr_expect_float_eq(quant[2 * s + 1], hi_r[s], 3e-3, "hi[%d] %.5f vs %.5f", s,
                           quant[2 * s + 1], hi_r[s]);
    }
    free(y);
}

/* Kalman likelihood by hand: MA(1) with theta = 0.5 on w = (1, 2).
 * Var(w) = 1 + theta^2 = 1.25, Cov(w_1, w_2) = theta = 0.5.
 * v1 = 1, F1 = 1.25; w2|w1: mean 0.5/1.25 * 1 = 0.4, F2 = 1.25 - 0.25/1.25 = 1.05,
 * v2 = 1.6.  ssq = 1/1.25 + 2.56/1.05, sumlog = log 1.25 + log 1.05. */
Test(arima, kalman_ma1_hand)
{
    sc_kalman k;
    double work[64], theta = 0.5, w[2] = {1.0, 2.0};
    cr_assert(sc_kalman_setup(&k, NULL, 0, &theta, 1, work));
    double ssq = 0, sumlog = 0;
    size_t nu = 0;
    sc_kalman_filter(&k, w, 2, &ssq, &sumlog, &nu);
    cr_expect_eq(nu, 2);
    cr_expect_float_eq(ssq, 1.0 / 1.25 + 2.56 / 1.05, 1e-12);
    cr_expect_float_eq(sumlog, log(1.25) + log(1.05), 1e-12);
}

/* AR(1) phi = 0.5: stationary variance 1/(1 - 0.25) = 4/3 (hand). */
Test(arima, kalman_ar1_stationary_variance)
{
    sc_kalman k;
    double work[64], phi = 0.5;
    cr_assert(sc_kalman_setup(&k, &phi, 1, NULL, 0, work));
    cr_expect_float_eq(k.P[0], 4.0 / 3.0, 1e-12);
    double bad = 1.0;
    cr_expect_not(sc_kalman_setup(&k, &bad, 1, NULL, 0, work), "unit root accepted");
}

/* R's auto.arima on arima.sim(list(ar = c(0.6, -0.3)), n = 500) with set.seed(1)
 * picks ARIMA(2,0,0) with zero mean, ar = (0.589, -0.318) (reference.txt). */
Test(arima, auto_recovers_ar2)
{
    size_t n;
    double *y = read_series("ar2.txt", &n);
    double r[8];
    ref_values("ar2_auto", r, 8);
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("arima", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, n, NULL, &err), SC_OK, "%s", err.msg);
    sc_arima_info info;
    cr_assert_eq(sc_arima_info_get(fc, &info, &err), SC_OK);
    cr_expect_eq(info.p, (int)r[0], "p = %d", info.p);
    cr_expect_eq(info.d, (int)r[1], "d = %d", info.d);
    cr_expect_eq(info.q, (int)r[2], "q = %d", info.q);
    cr_expect_float_eq(info.ar[0], r[3], 0.01, "ar1 %.4f vs %.4f", info.ar[0], r[3]);
    cr_expect_float_eq(info.ar[1], r[4], 0.01, "ar2 %.4f vs %.4f", info.ar[1], r[4]);
    sc_forecaster_free(fc);
    free(y);
}

/* Random walk ARIMA(0,1,0) without drift: the forecast is the last value, and after
 * update(7) it is 7 at every step (hand); the 95 % half-width grows as sqrt(h). */
Test(arima, random_walk_update)
{
    double y[10] = {1, 2, 1, 3, 2, 4, 3, 5, 4, 6};
    sc_arima_model md;
    sc_error err;
    sc_arima_order o = {0, 1, 0, 0, 0, 0, 1};
    cr_assert_eq(sc_arima_fit_order(y, 10, NULL, 0, o, 0, &md, &err), SC_OK, "%s", err.msg);
    /* sigma2 = mean of squared differences: (1+1+4+1+4+1+4+1+4)/9 = 21/9 */
    cr_expect_float_eq(md.sigma2, 21.0 / 9.0, 1e-9);
    sc_arima_model_update(&md, 7.0, NULL);
    double q[1] = {0.975}, mean[4], quant[4];
    cr_assert_eq(sc_arima_model_predict(&md, 4, NULL, q, 1, mean, quant, &err), SC_OK);
    for (int s = 0; s < 4; s++) {
        cr_expect_float_eq(mean[s], 7.0, 1e-9);
        double hw = 1.959963984540054 * sqrt(21.0 / 9.0 * (s + 1));
        cr_expect_float_eq(quant[s] - mean[s], hw, 1e-6);
    }
}

/* KPSS by hand on x = (1, 2, 3, 4): mean 2.5, e = (-1.5, -.5, .5, 1.5), partial sums
 * S = (-1.5, -2, -1.5, 0), eta = (2.25 + 4 + 2.25) / 16 = 0.53125; lag
 * floor(3 * 2 / 13) = 0, s2 = 5 / 4 = 1.25; statistic 0.425. */
Test(arima, kpss_hand)
{
    double x[4] = {1, 2, 3, 4};
    cr_expect_float_eq(sc_arima_kpss_stat(x, 4), 0.425, 1e-12);
}

/* Harmonic regression recovers hand-made Fourier coefficients:
 * y_t = 10 + 3 sin(2 pi t/24) - 2 cos(4 pi t/24) + 4 sin(2 pi t/168) + tiny noise
 * (a +-0.005 deterministic saw-tooth), t = 0..1343 (8 weeks). */
Test(arima, harmonic_recovers_fourier)
{
    size_t n = 1344;
    double *y = malloc(n * sizeof *y);
    for (size_t t = 0; t < n; t++)
        y[t] = 10 + 3 * sin(2 * PI * t / 24.0) - 2 * cos(4 * PI * t / 24.0) +
               4 * sin(2 * PI * t / 168.0) + 0.005 * (((t * 7919) % 11) / 5.0 - 1.0);
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("harmonic", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, n, NULL, &err), SC_OK, "%s", err.msg);
    sc_arima_info info;
    cr_assert_eq(sc_arima_info_get(fc, &info, &err), SC_OK);
    int i24 = -1, i168 = -1;
    for (int i = 0; i < info.nperiods; i++) {
        if (info.periods[i] == 24)
            i24 = i;
        if (info.periods[i] == 168)
            i168 = i;
    }
    cr_assert(i24 >= 0 && i168 >= 0, "periods found: %d (%d, %d)", info.nperiods,
              info.periods[0], info.periods[1]);
    double a, c;
    cr_assert(sc_harmonic_coef(fc, i24, 1, &a, &c));
    cr_expect_float_eq(a, 3.0, 0.01, "sin1 %.5f", a);
    cr_expect_float_eq(c, 0.0, 0.01, "cos1 %.5f", c);
    cr_assert(sc_harmonic_coef(fc, i24, 2, &a, &c));
    cr_expect_float_eq(a, 0.0, 0.01);
    cr_expect_float_eq(c, -2.0, 0.01, "cos2 %.5f", c);
    cr_assert(sc_harmonic_coef(fc, i168, 1, &a, &c));
    cr_expect_float_eq(a, 4.0, 0.01, "weekly sin1 %.5f", a);
    /* the forecast continues the signal: step 1 is t = n */
    double mean[24];
    cr_assert_eq(sc_forecaster_predict(fc, 24, NULL, 0, mean, NULL, &err), SC_OK);
    for (size_t s = 0; s < 24; s++) {
        double t = (double)(n + s);
        double truth = 10 + 3 * sin(2 * PI * t / 24.0) - 2 * cos(4 * PI * t / 24.0) +
                       4 * sin(2 * PI * t / 168.0);
        cr_expect_float_eq(mean[s], truth, 0.02, "step %zu: %.4f vs %.4f", s, mean[s], truth);
    }
    sc_forecaster_free(fc);
    free(y);
}

/* ARIMAX: y = 5 + 3 * event + AR(1) noise; the event coefficient is recovered and an
 * announced future event lifts the forecast by about 3. */
Test(arima, arimax_event_regressor)
{
    size_t n = 400, nf = 10;
    double *y = malloc(n * sizeof *y), *x = calloc(n + nf, sizeof *x);
    double e = 0.0;
    uint64_t s = 12345;
    for (size_t t = 0; t < n + nf; t++)
        x[t] = (t % 50) < 5 ? 1.0 : 0.0;
    for (size_t t = 0; t < n; t++) {
        s = s * 6364136223846793005ULL + 1442695040888963407ULL;
        double u = ((double)(s >> 11) / 9007199254740992.0) - 0.5;
        e = 0.5 * e + u;
        y[t] = 5 + 3 * x[t] + e;
    }
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    sc_forecaster *fc;
    sc_error err;
    sc_forecast_exog ex = {.x = x, .ncols = 1, .n_future = nf};
    cr_assert_eq(sc_forecaster_alloc("arima", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, n, &ex, &err), SC_OK, "%s", err.msg);
    sc_arima_info info;
    cr_assert_eq(sc_arima_info_get(fc, &info, &err), SC_OK);
    cr_expect_eq(info.nx, 1);
    cr_expect_float_eq(info.beta[0], 3.0, 0.1, "beta %.4f", info.beta[0]);
    /* history ends at t = 399 (399 % 50 = 49); steps t = 400..404 are events */
    double mean[10];
    cr_assert_eq(sc_forecaster_predict(fc, 10, NULL, 0, mean, NULL, &err), SC_OK);
    cr_expect_gt(mean[2] - mean[7], 2.5, "event lift %.3f", mean[2] - mean[7]);
    sc_forecaster_free(fc);
    free(y);
    free(x);
}

static void check_finite(const char *model, const double *y, size_t n, int period,
                         int expect_ok)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = period;
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc(model, &cfg, &fc, &err), SC_OK);
    sc_status st = sc_forecaster_fit(fc, y, n, NULL, &err);
    if (!expect_ok) {
        cr_expect_neq(st, SC_OK, "%s accepted %zu values", model, n);
        cr_expect(strlen(err.msg) > 0);
        sc_forecaster_free(fc);
        return;
    }
    cr_assert_eq(st, SC_OK, "%s on %zu values: %s", model, n, err.msg);
    double q[3] = {0.05, 0.5, 0.99}, mean[30], quant[90];
    for (int u = 0; u < 5; u++)
        sc_forecaster_update(fc, u == 2 ? NAN : y[n - 1]);
    cr_assert_eq(sc_forecaster_predict(fc, 30, q, 3, mean, quant, &err), SC_OK);
    for (int s = 0; s < 30; s++) {
        cr_expect(isfinite(mean[s]), "%s: mean[%d] = %g", model, s, mean[s]);
        for (int k = 0; k < 3; k++)
            cr_expect(isfinite(quant[s * 3 + k]));
    }
    sc_forecaster_free(fc);
}

Test(arima, bad_inputs_never_nan)
{
    static const char *const models[2] = {"arima", "harmonic"};
    double y[200];
    for (int k = 0; k < 2; k++) {
        const char *m = models[k];
        double tiny[3] = {1, 2, 3};
        check_finite(m, tiny, 3, 24, 0);        /* too short: clear error */
        double five[5] = {1, 2, 1.5, 2.5, 2};
        check_finite(m, five, 5, 24, k == 0);   /* arima takes 5, harmonic needs 8 */
        for (int i = 0; i < 200; i++)
            y[i] = 42.0;
        check_finite(m, y, 200, 24, 1);         /* constant */
        for (int i = 0; i < 200; i++)
            y[i] = 0.0;
        check_finite(m, y, 200, 24, 1);         /* all zero */
        for (int i = 0; i < 200; i++)
            y[i] = sin(i * 0.3) * 5 - 10 + (i % 7 == 3 ? NAN : 0.0);
        check_finite(m, y, 200, 24, 1);         /* NaN gaps, negative values */
        for (int i = 0; i < 30; i++)
            y[i] = i;
        check_finite(m, y, 30, 168, 1);         /* period longer than the series */
        for (int i = 0; i < 100; i++)
            y[i] = (double)(i * i);             /* deterministic polynomial */
        check_finite(m, y, 100, 1, 1);
    }
}

Test(arima, registry_lists_models)
{
    const sc_forecaster_type *t;
    sc_error err;
    cr_assert_eq(sc_forecaster_type_find("arima", &t, &err), SC_OK);
    cr_expect_eq(t->max_period, SC_ARIMA_MAX_PERIOD);
    cr_assert_eq(sc_forecaster_type_find("harmonic", &t, &err), SC_OK);
    cr_expect_eq(t->max_period, SC_FORECAST_MAX_PERIOD);
}
