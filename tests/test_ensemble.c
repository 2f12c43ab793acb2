/*
 * test_ensemble.c - the `ensemble` forecaster: learnt weights, split-conformal
 * calibration, never-empty behaviour, and a small M4 regression against snaive.
 *
 * Expected values are derived by hand from the formulas documented in
 * core/forecast/ensemble.c (weights w = lambda w_raw + (1 - lambda)/M with lambda =
 * K/(K + 2); conformal rank ceil((n+1)q)) or computed by the test itself (sMAPE of both
 * models, the binomial tolerance), never copied from the code's output.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sculpt/ensemble.h"
#include "sculpt/forecast.h"
#include "sculpt/rng.h"
#include "rng_stream.h" /* sc_rng_stream_alloc (internal) */

#define M4_DIR SC_SOURCE_DIR "/tests/fixtures/forecast/m4-hourly"

static void setup(void)
{
    gsl_set_error_handler_off();
}

/* Deterministic pseudo-random value in [0, 1) from an integer (no RNG state). */
static double hash01(uint64_t x)
{
    x += 0x9e3779b97f4a7c15ull;
    x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
    x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
    x ^= x >> 31;
    return (double)(x >> 11) / 9007199254740992.0;
}

static int find_label(const sc_ensemble_info *in, const char *l)
{
    for (size_t k = 0; k < in->count; k++)
        if (strcmp(in->label[k], l) == 0)
            return (int)k;
    return -1;
}

/* A series that repeats exactly every 168 steps (a random weekly profile) but not every
 * 24: snaive at the weekly period is a perfect member, snaive at 24, naive2 and ets see
 * day-to-day noise.  The backtest error of the perfect member is 0, below the floor, so
 * its raw weight is ~1 (others' errors are O(1) in MASE units, their raw weights ~1e-12)
 * and with K = 8 origins lambda = 8/(8+2) = 0.8: its weight is 0.8 + 0.2/M, every
 * other member's 0.2/M, M = members with a backtest (all here).  Its forecast is then
 * exact up to 0.2/M of the noise members' errors. */
Test(ensemble, weight_goes_to_the_perfect_member, .init = setup)
{
    enum { N = 1008 };   /* 6 weeks */
    double y[N];
    for (size_t t = 0; t < N; t++)
        y[t] = 100.0 + 50.0 * hash01(t % 168);
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ensemble", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, N, NULL, &err), SC_OK, "%s", err.msg);
    sc_ensemble_info in;
    cr_assert_eq(sc_ensemble_info_get(fc, &in, &err), SC_OK);
    cr_assert_eq(in.origins, 8);
    cr_assert(in.calibrated);
    int p = find_label(&in, "snaive@168");
    cr_assert(p >= 0, "weekly snaive member missing");
    double M = (double)in.count;
    for (size_t b = 0; b < SC_ENSEMBLE_NBANDS; b++) {
        cr_assert_float_eq(in.bt_error[p][b], 0.0, 1e-12);
        cr_assert_float_eq(in.weight[p][b], 0.8 + 0.2 / M, 1e-6, "band %zu: %g", b,
                           in.weight[p][b]);
        double tot = 0.0;
        for (size_t k = 0; k < in.count; k++) {
            tot += in.weight[k][b];
            if ((int)k != p)
                cr_assert_float_eq(in.weight[k][b], 0.2 / M, 1e-6);
        }
        cr_assert_float_eq(tot, 1.0, 1e-12);
    }
    /* dropping every member but the perfect one makes the forecast exact */
    cr_assert_eq(sc_ensemble_use(fc, 1u << p, &err), SC_OK);
    double f[48];
    cr_assert_eq(sc_forecaster_predict(fc, 48, NULL, 0, f, NULL, &err), SC_OK);
    for (size_t s = 0; s < 48; s++)
        cr_assert_float_eq(f[s], y[(N + s) % 168], 1e-9);
    /* an empty mask is refused */
    cr_assert_eq(sc_ensemble_use(fc, 0, &err), SC_ERR_RANGE);
    sc_forecaster_free(fc);
}

/* Conformal ranks on a hand-checkable set: n = 19 residuals -1..-19 sorted ascending
 * (-19..-1): q = 0.95 -> rank ceil(20 * 0.95) = 19 -> -1; q = 0.05 -> floor(1) = 1 ->
 * -19; q = 0.5 -> ceil(10) = 10 -> -10; q = 0.975 -> rank 19.5 -> 20 > n -> NaN. */
Test(ensemble, conformal_ranks)
{
    double r[19];
    for (int i = 0; i < 19; i++)
        r[i] = -19.0 + i;
    cr_assert_float_eq(sc_conformal_quantile(r, 19, 0.95), -1.0, 0);
    cr_assert_float_eq(sc_conformal_quantile(r, 19, 0.05), -19.0, 0);
    cr_assert_float_eq(sc_conformal_quantile(r, 19, 0.5), -10.0, 0);
    cr_assert(isnan(sc_conformal_quantile(r, 19, 0.975)));
    cr_assert(isnan(sc_conformal_quantile(r, 19, 0.01)));
    cr_assert(isnan(sc_conformal_quantile(r, 0, 0.5)));
}

/* Split-conformal coverage on Gaussian residuals.  With n = 99 exchangeable calibration
 * scores the interval [R_(floor(100*0.05)), R_(ceil(100*0.95))] = [R_(5), R_(95)]
 * covers a fresh draw with probability exactly (95 - 5)/100 = 0.90 (Lei et al. 2018,
 * Theorem 1 with continuous scores).  200 independent calibration sets x 100 fresh
 * draws: the coverage of one set is Beta(90, 10) distributed (variance .9*.1/101), the
 * average over 200 sets has sd sqrt(.09/101/200) = 0.0021, the test draws add
 * sqrt(.09/20000) = 0.0021: tolerance 4 * 0.003 = 0.012. */
Test(ensemble, conformal_coverage_on_gaussian_residuals)
{
    gsl_rng *r = sc_rng_stream_alloc(sc_rng_key(7, SC_RNG_FORECAST, 1, 2, 3));
    cr_assert_not_null(r);
    size_t hit = 0, tot = 0;
    double cal[99];
    for (int set = 0; set < 200; set++) {
        for (int i = 0; i < 99; i++)
            cal[i] = gsl_ran_gaussian(r, 2.0);
        for (int i = 1; i < 99; i++)   /* insertion sort */
            for (int j = i; j > 0 && cal[j - 1] > cal[j]; j--) {
                double t = cal[j];
                cal[j] = cal[j - 1];
                cal[j - 1] = t;
            }
        double lo = sc_conformal_quantile(cal, 99, 0.05);
        double hi = sc_conformal_quantile(cal, 99, 0.95);
        cr_assert_eq(lo, cal[4]);
        cr_assert_eq(hi, cal[94]);
        for (int i = 0; i < 100; i++) {
            double x = gsl_ran_gaussian(r, 2.0);
            hit += x >= lo && x <= hi;
            tot++;
        }
    }
    gsl_rng_free(r);
    double cov = (double)hit / (double)tot;
    cr_assert(fabs(cov - 0.90) < 0.012, "coverage %g", cov);
}

/* The ensemble's own intervals on a daily cycle with iid Gaussian noise (sd 1): the
 * calibration reads level q at Phi(c Phi^-1(q)) with the default c = Phi^-1(0.9875) /
 * Phi^-1(0.975) (see ensemble.h), so 0.975 is read at 0.9875 and 0.025 at 0.0125: a
 * 95 % central interval is built as a 97.5 % one.  Over 12 independent series x 48
 * steps the realised coverage of the 95 % interval must lie in [0.93, 0.995]: the
 * expected 0.975 minus a finite-calibration allowance (7 origins x 6..24-step bands)
 * and about 3 binomial sd, sqrt(.975*.025/576) = 0.0065. */
Test(ensemble, interval_coverage_on_gaussian_noise, .init = setup)
{
    gsl_rng *r = sc_rng_stream_alloc(sc_rng_key(11, SC_RNG_FORECAST, 4, 5, 6));
    enum { N = 400, H = 48, S = 12 };
    double y[N + H], f[H], qv[2 * H], q[2] = {0.025, 0.975};
    size_t hit = 0;
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    for (int s = 0; s < S; s++) {
        for (size_t t = 0; t < N + H; t++)
            y[t] = 50.0 + 10.0 * sin(2.0 * 3.14159265358979323846 * (double)(t % 24) / 24.0) +
                   gsl_ran_gaussian(r, 1.0);
        sc_forecaster *fc;
        sc_error err;
        cr_assert_eq(sc_forecaster_alloc("ensemble", &cfg, &fc, &err), SC_OK);
        cr_assert_eq(sc_forecaster_fit(fc, y, N, NULL, &err), SC_OK, "%s", err.msg);
        cr_assert_eq(sc_forecaster_predict(fc, H, q, 2, f, qv, &err), SC_OK);
        for (size_t t = 0; t < H; t++)
            hit += y[N + t] >= qv[2 * t] && y[N + t] <= qv[2 * t + 1];
        sc_forecaster_free(fc);
    }
    gsl_rng_free(r);
    double cov = (double)hit / (double)(S * H);
    cr_assert(cov >= 0.93 && cov <= 0.995, "coverage %g", cov);
}

/* Never empty: with 5 observations and m = 24 only naive2 can fit (snaive needs 24,
 * ets 8), on a 1-step backtest; the forecast is finite and the intervals ordered.  A
 * constant series forecasts its constant (every member does, every residual is 0). */
Test(ensemble, short_and_constant_histories, .init = setup)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    double y[5] = {3, 4, 5, 4, 3}, f[10], qv[20], q[2] = {0.1, 0.9};
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ensemble", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, 5, NULL, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_predict(fc, 10, q, 2, f, qv, &err), SC_OK);
    for (int s = 0; s < 10; s++) {
        cr_assert(isfinite(f[s]));
        cr_assert(qv[2 * s] <= qv[2 * s + 1]);
    }
    /* update keeps it usable and moves the naive-type members */
    cr_assert_eq(sc_forecaster_update(fc, 100.0), SC_OK);
    cr_assert_eq(sc_forecaster_update(fc, NAN), SC_OK);
    cr_assert_eq(sc_forecaster_predict(fc, 10, q, 2, f, qv, &err), SC_OK);
    cr_assert(isfinite(f[0]) && f[0] > 5.0);
    sc_forecaster_free(fc);

    double c[200];
    for (int i = 0; i < 200; i++)
        c[i] = 7.0;
    cr_assert_eq(sc_forecaster_alloc("ensemble", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, c, 200, NULL, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_predict(fc, 10, q, 2, f, qv, &err), SC_OK);
    for (int s = 0; s < 10; s++) {
        cr_assert_float_eq(f[s], 7.0, 1e-9);
        cr_assert_float_eq(qv[2 * s], 7.0, 1e-9);
    }
    sc_forecaster_free(fc);
}

static double smape(const double *y, const double *f, size_t h)
{
    double s = 0.0;
    for (size_t i = 0; i < h; i++) {
        double d = fabs(y[i]) + fabs(f[i]);
        s += d > 0 ? 200.0 * fabs(y[i] - f[i]) / d : 0.0;
    }
    return s / (double)h;
}

/* Regression on real data: M4 Hourly series 1-5 (fixture), H = 48, m = 24.  (Five, not
 * ten: with arima built, every ensemble fit runs auto.arima twice, ~20 s a series.)  The
 * ensemble's mean sMAPE must beat snaive's on the same series (the test computes both
 * from the forecasts, sMAPE as M4 defines it).  Published sNaive sMAPE over all 414
 * series is 13.912; the ensemble combines snaive with better members. */
Test(ensemble, beats_snaive_on_five_m4_series, .init = setup, .timeout = 600)
{
    sc_m4_set tr, te;
    sc_error err;
    cr_assert_eq(sc_m4_set_read(M4_DIR "/Hourly-train.csv", &tr, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_m4_set_read(M4_DIR "/Hourly-test.csv", &te, &err), SC_OK, "%s", err.msg);
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    double se = 0.0, ss = 0.0, f[48];
    for (size_t i = 0; i < 5; i++) {
        const char *names[2] = {"ensemble", "snaive"};
        for (int k = 0; k < 2; k++) {
            sc_forecaster *fc;
            cr_assert_eq(sc_forecaster_alloc(names[k], &cfg, &fc, &err), SC_OK);
            cr_assert_eq(sc_forecaster_fit(fc, tr.y[i], tr.n[i], NULL, &err), SC_OK, "%s",
                         err.msg);
            cr_assert_eq(sc_forecaster_predict(fc, 48, NULL, 0, f, NULL, &err), SC_OK);
            *(k ? &ss : &se) += smape(te.y[i], f, 48) / 5.0;
            sc_forecaster_free(fc);
        }
    }
    cr_assert(se < ss, "ensemble sMAPE %g vs snaive %g", se, ss);
    sc_m4_set_cleanup(&tr);
    sc_m4_set_cleanup(&te);
}
