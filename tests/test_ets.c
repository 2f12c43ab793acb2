/*
 * test_ets.c - `ets` estimation and selection against R's forecast::ets.
 *
 * Every expected value below is R output (R 4.2.2, forecast 8.20, Debian
 * r-cran-forecast), with the R command in the comment.  sculpt's ets transcribes R's
 * algorithm (initstate on R's decompose of the whole series, initparam, bounds = "both"
 * with the admissibility test, nmmin with R's settings, AICc selection), so it should
 * choose R's model and reach R's likelihood; forecasts are compared within a tolerance.
 * (The recursions alone are checked in test_forecast.c: ets_filter_matches_r_loglik.)
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "sculpt/forecast.h"

#define M4_DIR SC_SOURCE_DIR "/tests/fixtures/forecast/m4-hourly"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(ets, .init = setup);

/* AirPassengers (Box & Jenkins), R's datasets::AirPassengers, monthly 1949-1960. */
static const double air[144] = {
    112, 118, 132, 129, 121, 135, 148, 148, 136, 119, 104, 118, 115, 126, 141, 135, 125,
    149, 170, 170, 158, 133, 114, 140, 145, 150, 178, 163, 172, 178, 199, 199, 184, 162,
    146, 166, 171, 180, 193, 181, 183, 218, 230, 242, 209, 191, 172, 194, 196, 196, 236,
    235, 229, 243, 264, 272, 237, 211, 180, 201, 204, 188, 235, 227, 234, 264, 302, 293,
    259, 229, 203, 229, 242, 233, 267, 269, 270, 315, 364, 347, 312, 274, 237, 278, 284,
    277, 317, 313, 318, 374, 413, 405, 355, 306, 271, 306, 315, 301, 356, 348, 355, 422,
    465, 467, 404, 347, 305, 336, 340, 318, 362, 348, 363, 435, 491, 505, 404, 359, 310,
    337, 360, 342, 406, 396, 420, 472, 548, 559, 463, 407, 362, 405, 417, 391, 419, 461,
    472, 535, 622, 606, 508, 461, 390, 432};

/* R's datasets::Nile, annual flow 1871-1970. */
static const double nile[100] = {
    1120, 1160, 963,  1210, 1160, 1160, 813,  1230, 1370, 1140, 995,  935,  1110, 994,  1020,
    960,  1180, 799,  958,  1140, 1100, 1210, 1150, 1250, 1260, 1220, 1030, 1100, 774,  840,
    874,  694,  940,  833,  701,  916,  692,  1020, 1050, 969,  831,  726,  456,  824,  702,
    1120, 1100, 832,  764,  821,  768,  845,  864,  862,  698,  845,  744,  796,  1040, 759,
    781,  865,  845,  944,  984,  897,  822,  1010, 771,  676,  649,  846,  812,  742,  801,
    1040, 860,  874,  848,  890,  744,  749,  838,  1050, 918,  986,  797,  923,  975,  815,
    1020, 906,  901,  1170, 912,  746,  919,  718,  714,  740};

static sc_forecaster *fit(const char *spec, int period, const double *y, size_t n)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = period;
    strcpy(cfg.ets.spec, spec);
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ets", &cfg, &fc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_fit(fc, y, n, NULL, &err), SC_OK, "%s", err.msg);
    return fc;
}

static void assert_model(const sc_ets_info *in, char e, char t, int d, char s)
{
    cr_assert(in->model.error == e && in->model.trend == t && in->model.damped == d &&
                  in->model.season == s,
              "model %c%c%s%c, R chose %c%c%s%c", in->model.error, in->model.trend,
              in->model.damped ? "d" : "", in->model.season, e, t, d ? "d" : "", s);
}

static void assert_rel(double got, double want, double tol, const char *what)
{
    cr_assert(fabs(got - want) <= tol * fabs(want), "%s: %.9g, R %.9g", what, got, want);
}

Test(ets, airpassengers_selects_r_model)
{
    /* f <- ets(AirPassengers); f$method; f$par; f$loglik; f$aicc
     *   "ETS(M,Ad,M)", alpha 0.709551916, beta 0.0204089193, gamma 1.00468310e-04,
     *   phi 0.979999927, l 120.993935507, b 1.77054019711; loglik -679.583216237,
     *   aicc 1400.63843247
     * forecast(f, h = 12)$mean
     *   441.801847278 434.118620069 496.630046777 483.237479446 483.991353447
     *   551.024400008 613.179679246 609.364830849 530.540834527 463.033214487
     *   402.747800051 451.969373093 */
    static const double want[12] = {441.801847278, 434.118620069, 496.630046777,
                                    483.237479446, 483.991353447, 551.024400008,
                                    613.179679246, 609.364830849, 530.540834527,
                                    463.033214487, 402.747800051, 451.969373093};
    sc_forecaster *fc = fit("ZZZ", 12, air, 144);
    sc_ets_info in;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(fc, &in, &err), SC_OK);
    assert_model(&in, 'M', 'A', 1, 'M');
    cr_assert_float_eq(in.loglik, -679.583216237, 1e-3, "loglik %.6f", in.loglik);
    cr_assert_float_eq(in.aicc, 1400.63843247, 1e-3, "aicc %.6f", in.aicc);
    cr_assert_float_eq(in.alpha, 0.709551916, 1e-4, "alpha %.9f", in.alpha);
    cr_assert_float_eq(in.beta, 0.0204089193, 1e-4, "beta %.9f", in.beta);
    cr_assert_float_eq(in.gamma, 1.00468310e-04, 1e-5, "gamma %.9g", in.gamma);
    cr_assert_float_eq(in.phi, 0.979999927, 1e-4, "phi %.9f", in.phi);
    assert_rel(in.l0, 120.993935507, 1e-4, "l0");
    double mean[12];
    cr_assert_eq(sc_forecaster_predict(fc, 12, NULL, 0, mean, NULL, &err), SC_OK);
    /* R's mean for this class-3 model adds a sigma^2 correction to the point forecast
     * (forecast's class3); it is far below 0.1 % here */
    for (int i = 0; i < 12; i++)
        assert_rel(mean[i], want[i], 1e-3, "forecast");
    sc_forecaster_free(fc);
}

Test(ets, nile_selects_r_model)
{
    /* n <- ets(Nile); n$method; n$par; n$loglik; forecast(n, h = 3)$mean
     *   "ETS(M,N,N)", alpha 0.151403166237, l 1087.77182499; loglik -726.150957803;
     *   838.875161323 (flat) */
    sc_forecaster *fc = fit("ZZZ", 1, nile, 100);
    sc_ets_info in;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(fc, &in, &err), SC_OK);
    assert_model(&in, 'M', 'N', 0, 'N');
    cr_assert_float_eq(in.loglik, -726.150957803, 1e-3, "loglik %.6f", in.loglik);
    cr_assert_float_eq(in.alpha, 0.151403166237, 1e-4, "alpha %.9f", in.alpha);
    assert_rel(in.l0, 1087.77182499, 1e-4, "l0");
    double mean[3];
    cr_assert_eq(sc_forecaster_predict(fc, 3, NULL, 0, mean, NULL, &err), SC_OK);
    for (int i = 0; i < 3; i++)
        assert_rel(mean[i], 838.875161323, 1e-4, "forecast");
    sc_forecaster_free(fc);
}

static sc_m4_set m4;

static void m4_load(void)
{
    setup();
    sc_error err;
    cr_assert_eq(sc_m4_set_read(M4_DIR "/Hourly-train.csv", &m4, &err), SC_OK, "%s",
                 err.msg);
}

static void m4_free(void)
{
    sc_m4_set_cleanup(&m4);
}

Test(ets, m4_h1_selects_r_model, .init = m4_load, .fini = m4_free)
{
    /* d <- read.csv("Hourly-train.csv"); x <- as.numeric(d[1, -1]); x <- x[!is.na(x)]
     * h <- ets(ts(x, frequency = 24)); h$method; h$loglik; h$aicc
     *   "ETS(M,Ad,M)", -4028.78316511, 8120.34659928
     * as.numeric(forecast(h, h = 48)$mean)[c(1, 12, 24, 48)]
     *   621.833976629 625.341812617 681.918200088 680.689846953 */
    cr_assert_str_eq(m4.ids[0], "H1");
    sc_forecaster *fc = fit("ZZZ", 24, m4.y[0], m4.n[0]);
    sc_ets_info in;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(fc, &in, &err), SC_OK);
    assert_model(&in, 'M', 'A', 1, 'M');
    cr_assert_float_eq(in.loglik, -4028.78316511, 1e-3, "loglik %.6f", in.loglik);
    cr_assert_float_eq(in.aicc, 8120.34659928, 1e-3, "aicc %.6f", in.aicc);
    double mean[48];
    cr_assert_eq(sc_forecaster_predict(fc, 48, NULL, 0, mean, NULL, &err), SC_OK);
    assert_rel(mean[0], 621.833976629, 1e-3, "h=1");
    assert_rel(mean[11], 625.341812617, 1e-3, "h=12");
    assert_rel(mean[23], 681.918200088, 1e-3, "h=24");
    assert_rel(mean[47], 680.689846953, 1e-3, "h=48");
    sc_forecaster_free(fc);
}

Test(ets, m4_h5_admissible_region_as_r, .init = m4_load, .fini = m4_free)
{
    /* The admissibility test (bounds = "both") binds here: inside the usual bounds
     * alone a far higher likelihood (about -4709) is reachable with parameters R
     * rejects as non-forecastable.
     * x <- as.numeric(d[5, -1]); x <- x[!is.na(x)]
     * g <- ets(ts(x, frequency = 24), model = "AAA", damped = TRUE); g$par[1:4]; g$loglik
     *   alpha 0.9767737519977 beta 0.0508704503315 gamma 0.0177381202649
     *   phi 0.8051907536764; loglik -5049.49726355 */
    cr_assert_str_eq(m4.ids[4], "H5");
    sc_forecaster *fc = fit("AAdA", 24, m4.y[4], m4.n[4]);
    sc_ets_info in;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(fc, &in, &err), SC_OK);
    assert_model(&in, 'A', 'A', 1, 'A');
    cr_assert_float_eq(in.loglik, -5049.49726355, 1e-3, "loglik %.6f", in.loglik);
    cr_assert_float_eq(in.alpha, 0.9767737519977, 1e-4, "alpha %.9f", in.alpha);
    cr_assert_float_eq(in.beta, 0.0508704503315, 1e-4, "beta %.9f", in.beta);
    cr_assert_float_eq(in.gamma, 0.0177381202649, 1e-4, "gamma %.9f", in.gamma);
    cr_assert_float_eq(in.phi, 0.8051907536764, 1e-4, "phi %.9f", in.phi);
    sc_forecaster_free(fc);
}

/* ---- warm start (cfg.ets.warm): periodic refits of the sculpt policy ------------------ */

static sc_forecaster *fit_cfg(const sc_forecast_config *cfg, const double *y, size_t n)
{
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ets", cfg, &fc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_fit(fc, y, n, NULL, &err), SC_OK, "%s", err.msg);
    return fc;
}

/* Warm configuration from a fitted instance: its parameters and initial states. */
static void warm_from(sc_forecast_config *cfg, const sc_ets_info *in, int shift)
{
    cfg->ets.warm = 1;
    cfg->ets.warm_shift = shift;
    cfg->ets.warm_par[0] = in->alpha;
    cfg->ets.warm_par[1] = in->beta;
    cfg->ets.warm_par[2] = in->gamma;
    cfg->ets.warm_par[3] = in->phi;
    cfg->ets.warm_x0[0] = in->l0;
    cfg->ets.warm_x0[1] = in->b0;
    for (int j = 0; j < in->m; j++)
        cfg->ets.warm_x0[2 + j] = in->s0[j];
}

Test(ets, warm_start_at_optimum_same_likelihood_fewer_evals)
{
    /* A cold fit that converges (Nelder-Mead stops on reltol before maxit): restarted
     * from its own optimum, the warm fit must give the same likelihood in far fewer
     * evaluations.  R 4.2.2, forecast 8.20:
     * a <- ets(AirPassengers, model = "ANN"); a$loglik   -863.893377599 */
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    strcpy(cfg.ets.spec, "ANN");
    sc_forecaster *cold = fit_cfg(&cfg, air, 144);
    sc_ets_info ci, wi;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(cold, &ci, &err), SC_OK);
    cr_assert_eq(ci.warm, 0);
    cr_assert_float_eq(ci.loglik, -863.893377599, 1e-6, "cold loglik %.9f", ci.loglik);
    cr_assert(ci.evals < 2000, "cold fit did not converge (%d evaluations)", ci.evals);
    warm_from(&cfg, &ci, 0);
    sc_forecaster *warm = fit_cfg(&cfg, air, 144);
    cr_assert_eq(sc_ets_info_get(warm, &wi, &err), SC_OK);
    cr_assert_eq(wi.warm, 1);
    cr_assert(fabs(wi.loglik + 863.893377599) <= 1e-6 * 863.893377599, "warm %.9f, R %.9f",
              wi.loglik, -863.893377599);
    cr_assert(wi.evals * 2 <= ci.evals, "warm %d evaluations, cold %d", wi.evals, ci.evals);
    sc_forecaster_free(warm);
    sc_forecaster_free(cold);
}

Test(ets, warm_start_ana_at_optimum_not_worse, .init = m4_load, .fini = m4_free)
{
    /* ETS(A,N,A) on 14 days of hours as the sculpt policy refits it (H1's first 336
     * values).  R stops at maxit here too, so R's likelihood is not a converged
     * optimum; a warm restart from it must not be worse and must converge before maxit.
     * R 4.2.2, forecast 8.20: x <- as.numeric(d[1, -1])[1:336]
     * g <- ets(ts(x, frequency = 24), model = "ANA"); g$loglik   -1866.85803987 */
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    strcpy(cfg.ets.spec, "ANA");
    sc_forecaster *cold = fit_cfg(&cfg, m4.y[0], 336);
    sc_ets_info ci, wi;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(cold, &ci, &err), SC_OK);
    cr_assert_float_eq(ci.loglik, -1866.85803987, 1e-6, "cold loglik %.9f", ci.loglik);
    warm_from(&cfg, &ci, 0);
    sc_forecaster *warm = fit_cfg(&cfg, m4.y[0], 336);
    cr_assert_eq(sc_ets_info_get(warm, &wi, &err), SC_OK);
    cr_assert_eq(wi.warm, 1);
    cr_assert(wi.loglik >= -1866.85803987 * (1 + 1e-6), "warm %.9f, R %.9f", wi.loglik,
              -1866.85803987);
    cr_assert(wi.evals < ci.evals, "warm %d evaluations, cold %d", wi.evals, ci.evals);
    sc_forecaster_free(warm);
    sc_forecaster_free(cold);
}

Test(ets, warm_start_from_poor_start_reaches_cold_likelihood, .init = m4_load,
     .fini = m4_free)
{
    /* Poor start: the initial states of the fit of the window one day later (rotated
     * back by 24 h) with far-off smoothing parameters (alpha 0.5, gamma 0.3; R's fit
     * has alpha 0.99978, gamma 0.00016).  Nelder-Mead in 25 dimensions gives no
     * guarantee from an arbitrary start; the warm fit must come within 0.5 % of R's
     * likelihood (-1866.85803987, previous test) and use the warm start. */
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    strcpy(cfg.ets.spec, "ANA");
    sc_forecaster *prev = fit_cfg(&cfg, m4.y[0] + 24, 336);
    sc_ets_info pi, wi;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(prev, &pi, &err), SC_OK);
    warm_from(&cfg, &pi, -24);
    cfg.ets.warm_par[0] = 0.5;
    cfg.ets.warm_par[2] = 0.3;
    sc_forecaster *warm = fit_cfg(&cfg, m4.y[0], 336);
    cr_assert_eq(sc_ets_info_get(warm, &wi, &err), SC_OK);
    cr_assert_eq(wi.warm, 1);
    cr_assert(fabs(wi.loglik + 1866.85803987) <= 5e-3 * 1866.85803987, "warm %.9f, R %.9f",
              wi.loglik, -1866.85803987);
    sc_forecaster_free(prev);
    sc_forecaster_free(warm);
}

Test(ets, warm_start_inadmissible_falls_back_to_cold)
{
    /* Hand-made: gamma 0.5 with alpha 0.9 breaks gamma <= 1 - alpha, so the warm start
     * is outside R's bounds and the fit must be exactly the cold one. */
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 12;
    strcpy(cfg.ets.spec, "ANA");
    sc_forecaster *cold = fit_cfg(&cfg, air, 144);
    cfg.ets.warm = 1;
    cfg.ets.warm_par[0] = 0.9;
    cfg.ets.warm_par[2] = 0.5;
    cfg.ets.warm_x0[0] = NAN;
    sc_forecaster *warm = fit_cfg(&cfg, air, 144);
    sc_ets_info ci, wi;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(cold, &ci, &err), SC_OK);
    cr_assert_eq(sc_ets_info_get(warm, &wi, &err), SC_OK);
    cr_assert_eq(wi.warm, 0);
    cr_assert_eq(wi.loglik, ci.loglik);
    cr_assert_eq(wi.evals, ci.evals);
    sc_forecaster_free(warm);
    sc_forecaster_free(cold);
}

Test(ets, no_trend_seasonal_admissible_at_small_alpha_gamma)
{
    /* ETS(A,N,A) with alpha and gamma fixed near their lower bounds, a point that the
     * Schur-Cohn root test used to reject by rounding (the characteristic polynomial has
     * a root at z = 1 and eleven others just inside the unit circle).  Its roots,
     * computed independently with mpmath 1.3.0 (40 digits):
     *   a = mpf(0.00011655281019236558); g = mpf('1e-4'); m = 12
     *   sorted(abs(x) for x in polyroots([1, a-1] + [0]*(m-2) + [g-1, 1-a-g],
     *                                    maxsteps=800, extraprec=300))[-3:]
     *   -> 0.999991665799352, 0.999991665799352, 1.0
     * all within R's 1 + 1e-10, so R's bounds = "both" admits it and the fit must
     * succeed with those parameters (ets.c: admissible, the proof for models without
     * trend).  The proved test is the fast arithmetic of warm refits (a cold fit keeps
     * the old root test bit for bit), so this is a warm fit from R's starting point (no
     * warm values given). */
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 12;
    strcpy(cfg.ets.spec, "ANA");
    cfg.ets.alpha = 0.00011655281019236558;
    cfg.ets.gamma = 1e-4;
    cfg.ets.warm = 1;
    for (int i = 0; i < 4; i++)
        cfg.ets.warm_par[i] = NAN;
    cfg.ets.warm_x0[0] = NAN;
    sc_forecaster *fc = fit_cfg(&cfg, air, 144);
    sc_ets_info in;
    sc_error err;
    cr_assert_eq(sc_ets_info_get(fc, &in, &err), SC_OK);
    assert_model(&in, 'A', 'N', 0, 'A');
    cr_assert_eq(in.warm, 1);
    cr_assert_eq(in.alpha, 0.00011655281019236558);
    cr_assert_eq(in.gamma, 1e-4);
    cr_assert(isfinite(in.loglik), "loglik %g", in.loglik);
    sc_forecaster_free(fc);
}
