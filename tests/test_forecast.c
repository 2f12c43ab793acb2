/*
 * test_forecast.c - the forecaster registry, naive/snaive/naive2, ETS, the M4 measures
 * and `sculpt forecast --eval`.
 *
 * Expected values come from outside the code under test: the M4 organisers' published
 * Hourly figures (/work/shared/data/m4 copies of "Evaluation and Ranks.xlsx", see
 * ../shared/data/README.md), hand calculations written out in the comments, and a
 * closed-form least-squares solution for the SES initial level computed with Python.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <gsl/gsl_errno.h>

#include "eval/eval.h"
#include "sculpt/forecast.h"

#define M4_DIR SC_SOURCE_DIR "/tests/fixtures/forecast/m4-hourly"
#define PI 3.14159265358979323846
#define FIX SC_SOURCE_DIR "/tests/fixtures/forecast"

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(forecast, .init = setup);

static double round3(double x)
{
    return round(x * 1000.0) / 1000.0;
}

static int file_exists(const char *p)
{
    FILE *fp = fopen(p, "r");
    if (fp)
        fclose(fp);
    return fp != NULL;
}

/* ---- registry --------------------------------------------------------------------- */

Test(forecast, registry_miss_lists_names)
{
    const sc_forecaster_type *t;
    sc_error err;
    cr_assert_eq(sc_forecaster_type_find("snaive", &t, &err), SC_OK);
    cr_assert_str_eq(t->name, "snaive");
    cr_assert_eq(sc_forecaster_type_find("prophet", &t, &err), SC_ERR_NOTFOUND);
    cr_assert(strstr(err.msg, "naive2") && strstr(err.msg, "ets"), "msg: %s", err.msg);
    /* every model the issue names is built now; each is found by name */
    static const char *const all[] = {"naive", "snaive", "naive2", "ets",
                                      "arima", "harmonic", "lstm", "ensemble"};
    for (size_t i = 0; i < sizeof all / sizeof all[0]; i++)
        cr_assert_eq(sc_forecaster_type_find(all[i], &t, &err), SC_OK, "%s", all[i]);
}

/* ---- baselines by hand ------------------------------------------------------------ */

Test(forecast, naive_hand)
{
    /* y = 1, 3, 2: forecast 2; residuals 2, -1 so sigma = sqrt(5/2); the 2-step
     * standard error is sigma*sqrt(2) = sqrt(5); 97.5 % quantile 2 + 1.959964*sqrt(5). */
    double y[] = {1, 3, 2}, q[] = {0.975}, mean[2], qu[2];
    sc_forecaster *fc;
    cr_assert_eq(sc_forecaster_alloc("naive", NULL, &fc, NULL), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, 3, NULL, NULL), SC_OK);
    cr_assert_eq(sc_forecaster_predict(fc, 2, q, 1, mean, qu, NULL), SC_OK);
    cr_assert_float_eq(mean[1], 2.0, 1e-12);
    cr_assert_float_eq(qu[1], 2.0 + 1.959963985 * sqrt(5.0), 1e-8);
    sc_forecaster_free(fc);
}

Test(forecast, snaive_hand_and_update)
{
    /* m = 3, y = 1..6: forecasts 4, 5, 6, 4; residuals y(t)-y(t-3) = 3, 3, 3 so sigma 3;
     * steps 1-3 have se 3, step 4 has se 3*sqrt(2). */
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 3;
    double y[] = {1, 2, 3, 4, 5, 6}, q[] = {0.025, 0.975}, mean[4], qu[8];
    sc_forecaster *fc;
    cr_assert_eq(sc_forecaster_alloc("snaive", &cfg, &fc, NULL), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, 6, NULL, NULL), SC_OK);
    cr_assert_eq(sc_forecaster_predict(fc, 4, q, 2, mean, qu, NULL), SC_OK);
    double want[] = {4, 5, 6, 4};
    for (int i = 0; i < 4; i++)
        cr_assert_float_eq(mean[i], want[i], 1e-12);
    cr_assert_float_eq(qu[1], 4.0 + 1.959963985 * 3.0, 1e-8);
    cr_assert_float_eq(qu[7], 4.0 + 1.959963985 * 3.0 * sqrt(2.0), 1e-8);
    /* update 7 then a missing value: the next season slots are 7 and (kept) 5 */
    sc_forecaster_update(fc, 7);
    sc_forecaster_update(fc, NAN);
    cr_assert_eq(sc_forecaster_predict(fc, 2, NULL, 0, mean, NULL, NULL), SC_OK);
    cr_assert_float_eq(mean[0], 6.0, 1e-12);   /* position 8 = same season as y6 = 6 */
    cr_assert_float_eq(mean[1], 7.0, 1e-12);   /* position 9 = same season as 7 */
    sc_forecaster_free(fc);
}

Test(forecast, decompose_and_m4_test_hand)
{
    /* m = 2, y = 1,3,1,3,1,3: centred MA with weights 1/4,1/2,1/4 is 2 everywhere, the
     * ratios are 0.5 at even and 1.5 at odd positions, figures (0.5, 1.5), mean 1. */
    double y[] = {1, 3, 1, 3, 1, 3}, fig[2];
    cr_assert_eq(sc_season_decompose(y, 6, 2, 1, fig, NULL), SC_OK);
    cr_assert_float_eq(fig[0], 0.5, 1e-12);
    cr_assert_float_eq(fig[1], 1.5, 1e-12);
    cr_assert_eq(sc_season_decompose(y, 6, 2, 0, fig, NULL), SC_OK);   /* additive: -1, 1 */
    cr_assert_float_eq(fig[0], -1.0, 1e-12);
    cr_assert_float_eq(fig[1], 1.0, 1e-12);
    /* M4 test: a clean period-12 cosine of 300 points is seasonal; with 72 points and
     * m = 24 R's acf stops at lag floor(10 log10 72) = 18, so xacf[24] is NA: not
     * seasonal; fewer than 3m points: not seasonal. */
    double s[300];
    for (int i = 0; i < 300; i++)
        s[i] = 10 + cos(2 * PI * i / 12.0);
    cr_assert(sc_season_m4_test(s, 300, 12));
    cr_assert(!sc_season_m4_test(s, 72, 24));
    cr_assert(!sc_season_m4_test(s, 30, 12));
    int p;
    cr_assert_eq(sc_season_detect(s, 300, 48, &p, NULL), SC_OK);
    cr_assert_eq(p, 12);
}

/* ---- the published M4 Hourly figures ----------------------------------------------- */

static void m4_eval(const char *model, sc_m4_eval_result *r)
{
    sc_m4_set tr, te;
    sc_error err;
    cr_assert_eq(sc_m4_set_read(M4_DIR "/Hourly-train.csv", &tr, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_m4_set_read(M4_DIR "/Hourly-test.csv", &te, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(tr.count, 414);
    sc_m4_eval_opts o = {.model = model, .horizon = 48, .period = 24, .level = 95};
    cr_assert_eq(sc_m4_eval(&tr, &te, &o, r, &err), SC_OK, "%s", err.msg);
    sc_m4_set_cleanup(&tr);
    sc_m4_set_cleanup(&te);
}

Test(forecast, m4_hourly_published_figures, .timeout = 120)
{
    if (!file_exists(M4_DIR "/Hourly-train.csv"))
        cr_skip_test("M4 data not present");
    sc_m4_eval_result r;
    /* m4_hourly_point_forecast_accuracy.csv: sNaive 13.912 / 1.193, Naive2 18.383 /
     * 2.395, Naive 43.003 / 11.608; m4_hourly_prediction_interval_accuracy.csv: Naive
     * MSIS 71.245 and ACD 0.011 (|coverage - 0.95|). */
    m4_eval("snaive", &r);
    cr_assert_float_eq(round3(r.smape), 13.912, 1e-9, "sNaive sMAPE %.6f", r.smape);
    cr_assert_float_eq(round3(r.mase), 1.193, 1e-9, "sNaive MASE %.6f", r.mase);
    cr_assert_float_eq(round3(r.naive2_smape), 18.383, 1e-9);
    cr_assert_float_eq(round3(r.naive2_mase), 2.395, 1e-9);
    /* OWA from the rounded published figures is 0.62745; ours uses unrounded means */
    cr_assert(fabs(r.owa - 0.627454) < 1e-3, "OWA %.6f", r.owa);
    m4_eval("naive2", &r);
    cr_assert_float_eq(round3(r.smape), 18.383, 1e-9, "Naive2 sMAPE %.6f", r.smape);
    cr_assert_float_eq(round3(r.mase), 2.395, 1e-9, "Naive2 MASE %.6f", r.mase);
    cr_assert_float_eq(r.owa, 1.0, 1e-12);
    m4_eval("naive", &r);
    cr_assert_float_eq(round3(r.smape), 43.003, 1e-9, "Naive sMAPE %.6f", r.smape);
    cr_assert_float_eq(round3(r.mase), 11.608, 1e-9, "Naive MASE %.6f", r.mase);
    cr_assert_float_eq(round3(r.msis), 71.245, 1e-9, "Naive MSIS %.6f", r.msis);
    cr_assert_float_eq(round3(fabs(r.coverage - 0.95)), 0.011, 1e-9, "cov %.6f", r.coverage);
}

/* ---- ETS --------------------------------------------------------------------------- */

Test(forecast, ets_ses_filter_hand)
{
    /* SES (ANN), alpha 0.5, l0 10, y = 10, 12, 11, 13, 12:
     *   l: 10 -> 10 -> 11 -> 11 -> 12 -> 12, fitted 10, 10, 11, 11, 12,
     *   errors 0, 2, 0, 2, 0, SSE 8. */
    double y[] = {10, 12, 11, 13, 12}, fit[5], sse, par[4] = {0.5, 0, 0, 1}, x0[1] = {10};
    sc_ets_model md = {'A', 'N', 0, 'N'};
    cr_assert_eq(sc_ets_filter(md, 1, par, x0, y, 5, fit, &sse, NULL), SC_OK);
    double want[] = {10, 10, 11, 11, 12};
    for (int i = 0; i < 5; i++)
        cr_assert_float_eq(fit[i], want[i], 1e-12);
    cr_assert_float_eq(sse, 8.0, 1e-12);
    /* Additive Holt-Winters, m = 2, alpha .5, beta .25, gamma .5, l0 = 10, b0 = 1,
     * s_0 = 1, s_{-1} = -1, y = 10, 13:
     *   t1: f = 10 + 1 + s_{-1} = 10; q = 11, l = 11 + .5(10 + 1 - 11) = 11,
     *       b = 1 + .5(11 - 10 - 1) = 1, s = -1 + .5(10 - 11 + 1) = -1
     *   t2: f = 11 + 1 + s_0 = 13. */
    double y2[] = {10, 13}, fit2[2], par2[4] = {0.5, 0.25, 0.5, 1}, x2[] = {10, 1, 1, -1};
    sc_ets_model hw = {'A', 'A', 0, 'A'};
    cr_assert_eq(sc_ets_filter(hw, 2, par2, x2, y2, 2, fit2, &sse, NULL), SC_OK);
    cr_assert_float_eq(fit2[0], 10.0, 1e-12);
    cr_assert_float_eq(fit2[1], 13.0, 1e-12);
    cr_assert_float_eq(sse, 0.0, 1e-12);
}

Test(forecast, ets_filter_matches_r_loglik)
{
    /* Known answer from R (forecast 8.20, R 4.2, Debian r-cran-forecast), M4 series H1:
     *   x <- as.numeric(train[1, -1]); x <- x[!is.na(x)]
     *   f <- ets(ts(x, frequency = 24), model = "MAM", damped = TRUE)
     *   f$par[1:4]; f$initstate; f$loglik          # loglik = -4028.783
     * Feeding R's parameters and initial states to our recursions must give R's
     * log-likelihood -0.5 (n log sum e^2 + 2 sum log|f|). */
    static const double par[4] = {9.9930743740823091e-01, 2.8673177791212804e-03,
                                  1.7844354054875693e-04, 9.7819933751996047e-01};
    static const double x0[26] = {
        577.57827780881052604, 0.24581104498757994, 1.26996754733562334,
        1.29096102374501953,   1.29683743929038608, 1.29045923262297046,
        1.27219167458599713,   1.23054245801423567, 1.16625679836556695,
        1.08233481163405409,   0.97765070147611177, 0.86962004843588658,
        0.77695202560067966,   0.71660855447860916, 0.69862340460175365,
        0.68435733687421196,   0.68630592673331936, 0.70818085219791227,
        0.74350198203215689,   0.79710618673915412, 0.86863271613717408,
        0.97064393306450181,   1.06751111983649150, 1.14317027343299404,
        1.16535430027314924,   1.22622965249204086};
    sc_m4_set tr;
    sc_error err;
    cr_assert_eq(sc_m4_set_read(M4_DIR "/Hourly-train.csv", &tr, &err), SC_OK, "%s", err.msg);
    cr_assert_str_eq(tr.ids[0], "H1");
    size_t n = tr.n[0];
    cr_assert_eq(n, 700);
    double *fit = malloc(n * sizeof *fit), sse;
    sc_ets_model md = {'M', 'A', 1, 'M'};
    cr_assert_eq(sc_ets_filter(md, 24, par, x0, tr.y[0], n, fit, &sse, &err), SC_OK);
    double slog = 0.0;
    for (size_t i = 0; i < n; i++)
        slog += log(fabs(fit[i]));
    double loglik = -0.5 * ((double)n * log(sse) + 2.0 * slog);
    cr_assert_float_eq(loglik, -4028.783, 1e-3, "loglik %.4f", loglik);
    free(fit);
    sc_m4_set_cleanup(&tr);
}

Test(forecast, ets_ses_fixed_alpha_mle)
{
    /* ANN with alpha fixed at 0.5: the MLE of l0 minimises the SSE, which is quadratic
     * in l0; the closed-form least-squares answer (computed in Python, independent of
     * sculpt) for y = 10,12,11,13,12,14,13,15 is l0 = 10.996108949, final level (the
     * forecast) 14.003891051, SSE 14.677042802. The 1-step 97.5 % bound is
     * f + 1.959964 sigma and the 3-step one f + 1.959964 sigma sqrt(1 + 2 alpha^2). */
    double y[] = {10, 12, 11, 13, 12, 14, 13, 15}, q[] = {0.975}, mean[3], qu[3];
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    memcpy(cfg.ets.spec, "ANN", 4);
    cfg.ets.alpha = 0.5;
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ets", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, 8, NULL, &err), SC_OK, "%s", err.msg);
    sc_ets_info in;
    cr_assert_eq(sc_ets_info_get(fc, &in, &err), SC_OK);
    cr_assert_float_eq(in.alpha, 0.5, 1e-12);
    cr_assert_float_eq(in.l0, 10.996108949, 2e-3, "l0 %.9f", in.l0);
    cr_assert_eq(sc_forecaster_predict(fc, 3, q, 1, mean, qu, &err), SC_OK);
    cr_assert_float_eq(mean[0], 14.003891051, 1e-3, "f %.9f", mean[0]);
    cr_assert_float_eq(mean[2], mean[0], 1e-12);
    double sigma = sqrt(in.sigma2);
    cr_assert_float_eq(in.sigma2 * 7.0, 14.677042802, 1e-3);   /* sse / (n - 1 state) */
    cr_assert_float_eq(qu[0] - mean[0], 1.959963985 * sigma, 1e-8);
    cr_assert_float_eq(qu[2] - mean[2], 1.959963985 * sigma * sqrt(1.5), 1e-8);
    sc_forecaster_free(fc);
}

Test(forecast, ets_recovers_seasonal_signal)
{
    /* A noiseless multiplicative daily pattern on a level of 100: any reasonable ETS
     * fit forecasts it almost exactly (within 1 %). */
    double y[24 * 10], mean[24];
    for (int i = 0; i < 240; i++)
        y[i] = 100.0 * (1.0 + 0.3 * sin(2 * PI * i / 24.0));
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ets", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, 240, NULL, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_predict(fc, 24, NULL, 0, mean, NULL, &err), SC_OK);
    for (int i = 0; i < 24; i++) {
        double want = 100.0 * (1.0 + 0.3 * sin(2 * PI * (240 + i) / 24.0));
        cr_assert(fabs(mean[i] - want) < 1.0, "step %d: %g vs %g", i, mean[i], want);
    }
    sc_forecaster_free(fc);
}

Test(forecast, ets_simulated_intervals_deterministic)
{
    double y[24 * 6], q[] = {0.025, 0.975}, m1[12], m2[12], q1[24], q2[24];
    for (int i = 0; i < 144; i++)
        y[i] = 50.0 + 10.0 * sin(2 * PI * i / 24.0) + (double)((i * 37) % 11) - 5.0;
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    memcpy(cfg.ets.spec, "MNM", 4);
    sc_forecaster *fc;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ets", &cfg, &fc, &err), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, y, 144, NULL, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_predict(fc, 12, q, 2, m1, q1, &err), SC_OK);
    cr_assert_eq(sc_forecaster_predict(fc, 12, q, 2, m2, q2, &err), SC_OK);
    cr_assert_eq(memcmp(q1, q2, sizeof q1), 0, "same seed, same bounds");
    for (int i = 0; i < 12; i++)
        cr_assert(q1[2 * i] < m1[i] && m1[i] < q1[2 * i + 1]);
    sc_forecaster_free(fc);
}

/* ---- never empty, robustness ------------------------------------------------------ */

Test(forecast, fallback_hierarchy)
{
    double y[100];
    for (int i = 0; i < 100; i++)
        y[i] = 10.0 + (i % 24) + 0.1 * (i % 7);
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    sc_forecaster *fc;
    cr_assert_eq(sc_forecaster_fit_fallback(NULL, 0, &cfg, y, 1, NULL, &fc, NULL), SC_OK);
    cr_assert_str_eq(sc_forecaster_name(fc), "naive");
    sc_forecaster_free(fc);
    cr_assert_eq(sc_forecaster_fit_fallback(NULL, 0, &cfg, y, 30, NULL, &fc, NULL), SC_OK);
    cr_assert_str_eq(sc_forecaster_name(fc), "snaive");
    sc_forecaster_free(fc);
    cr_assert_eq(sc_forecaster_fit_fallback(NULL, 0, &cfg, y, 100, NULL, &fc, NULL), SC_OK);
    cr_assert_str_eq(sc_forecaster_name(fc), "ets");
    sc_forecaster_free(fc);
    double nan3[] = {NAN, NAN, NAN};
    sc_error err;
    cr_assert_eq(sc_forecaster_fit_fallback(NULL, 0, &cfg, nan3, 3, NULL, &fc, &err),
                 SC_ERR_EMPTY);
    cr_assert_null(fc);
}

Test(forecast, awkward_series_never_nan)
{
    enum { N = 80 };
    double cases[6][N];
    for (int i = 0; i < N; i++) {
        cases[0][i] = 5.0;                                   /* constant */
        cases[1][i] = 0.0;                                   /* all zero */
        cases[2][i] = -100.0 + 10.0 * (i % 4);               /* negative */
        cases[3][i] = (i % 9 == 3) ? NAN : 20.0 + (i % 4);   /* NaN gaps */
        cases[4][i] = (i < 70) ? NAN : 1.0 + i;              /* short after leading NaN */
        cases[5][i] = (i % 4 == 0) ? 0.0 : 1e6;              /* zeros and large values */
    }
    const char *models[] = {"naive", "snaive", "naive2", "ets"};
    double q[] = {0.025, 0.5, 0.975}, mean[30], qu[90];
    for (int c = 0; c < 6; c++)
        for (int k = 0; k < 4; k++)
            for (int period = 1; period <= 48; period += 47) {   /* 1, and 48 > data */
                sc_forecast_config cfg;
                sc_forecast_config_init(&cfg);
                cfg.period = period == 1 ? 4 : period;
                const char *chain[] = {models[k], "naive"};
                sc_forecaster *fc;
                sc_error err;
                cr_assert_eq(sc_forecaster_fit_fallback(chain, 2, &cfg, cases[c], N, NULL,
                                                        &fc, &err),
                             SC_OK, "case %d model %s: %s", c, models[k], err.msg);
                cr_assert_eq(sc_forecaster_predict(fc, 30, q, 3, mean, qu, &err), SC_OK);
                for (int i = 0; i < 30; i++) {
                    cr_assert(isfinite(mean[i]), "case %d %s step %d", c, models[k], i);
                    for (int j = 0; j < 3; j++)
                        cr_assert(isfinite(qu[i * 3 + j]));
                    cr_assert(qu[i * 3] <= qu[i * 3 + 2]);
                }
                sc_forecaster_update(fc, NAN);
                sc_forecaster_update(fc, 3.0);
                cr_assert_eq(sc_forecaster_predict(fc, 30, q, 3, mean, qu, &err), SC_OK);
                for (int i = 0; i < 30; i++)
                    cr_assert(isfinite(mean[i]) && isfinite(qu[i * 3 + 1]));
                sc_forecaster_free(fc);
            }
    /* constant series forecasts its value */
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 4;
    sc_forecaster *fc;
    cr_assert_eq(sc_forecaster_alloc("ets", &cfg, &fc, NULL), SC_OK);
    cr_assert_eq(sc_forecaster_fit(fc, cases[0], N, NULL, NULL), SC_OK);
    cr_assert_eq(sc_forecaster_predict(fc, 5, NULL, 0, mean, NULL, NULL), SC_OK);
    cr_assert_float_eq(mean[4], 5.0, 1e-12);
    sc_forecaster_free(fc);
}

/* ---- the CLI ------------------------------------------------------------------------ */

static int run(const char *cmd)
{
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *slurp(const char *path, size_t *len)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return NULL;
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    *len = fread(b, 1, (size_t)n, fp);
    b[*len] = '\0';
    fclose(fp);
    return b;
}

/* Write a copy of an M4 file whose values are reversed within each row and rescaled
 * (a permutation plus a change of every value). */
static void shuffle_file(const char *in, const char *out)
{
    sc_m4_set s;
    cr_assert_eq(sc_m4_set_read(in, &s, NULL), SC_OK);
    FILE *fp = fopen(out, "w");
    fprintf(fp, "\"V1\"\n");
    for (size_t i = 0; i < s.count; i++) {
        fprintf(fp, "\"%s\"", s.ids[i]);
        for (size_t j = 0; j < s.n[i]; j++)
            fprintf(fp, ",%.17g", s.y[i][s.n[i] - 1 - j] * 1.5 + 1);
        fputc('\n', fp);
    }
    fclose(fp);
    sc_m4_set_cleanup(&s);
}

Test(forecast, cli_save_ignores_test_values, .timeout = 300)
{
    if (!file_exists(M4_DIR "/Hourly-train.csv"))
        cr_skip_test("M4 data not present");
    const char *dir = SC_BINARY_DIR "/test_forecast_tmp";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    cr_assert_eq(run(cmd), 0);
    shuffle_file(M4_DIR "/Hourly-test.csv", SC_BINARY_DIR "/test_forecast_tmp/shuffled.csv");
    const char *models[] = {"snaive", "naive2"};
    for (int k = 0; k < 2; k++) {
        snprintf(cmd, sizeof cmd,
                 SC_SCULPT_BIN " forecast --eval " M4_DIR "/Hourly-train.csv " M4_DIR
                               "/Hourly-test.csv --model %s --horizon 48 --period 24 "
                               "--save %s/a.csv > /dev/null && " SC_SCULPT_BIN
                               " forecast --eval " M4_DIR "/Hourly-train.csv "
                               "%s/shuffled.csv --model %s --horizon 48 --period 24 --save "
                               "%s/b.csv > /dev/null",
                 models[k], dir, dir, models[k], dir);
        cr_assert_eq(run(cmd), 0, "%s", cmd);
        size_t la, lb;
        char *a = slurp(SC_BINARY_DIR "/test_forecast_tmp/a.csv", &la);
        char *b = slurp(SC_BINARY_DIR "/test_forecast_tmp/b.csv", &lb);
        cr_assert(a && b);
        cr_assert(la > 414 * 3 * 48, "saved file too small: %zu", la);
        cr_assert_eq(la, lb);
        cr_assert_eq(memcmp(a, b, la), 0, "%s: saved forecasts depend on TEST", models[k]);
        /* M4 layout: header then "H1", "H1-lo95", "H1-hi95", ... */
        cr_assert(strncmp(a, "\"id\",\"F1\"", 9) == 0);
        cr_assert(strstr(a, "\n\"H1-lo95\",") && strstr(a, "\n\"H414-hi95\","));
        free(a);
        free(b);
    }
}

/* Write the first k series of an M4 file, values optionally reversed and rescaled. */
static void subset_file(const char *in, const char *out, size_t k, int scramble)
{
    sc_m4_set s;
    cr_assert_eq(sc_m4_set_read(in, &s, NULL), SC_OK);
    FILE *fp = fopen(out, "w");
    fprintf(fp, "\"V1\"\n");
    for (size_t i = 0; i < s.count && i < k; i++) {
        fprintf(fp, "\"%s\"", s.ids[i]);
        for (size_t j = 0; j < s.n[i]; j++)
            fprintf(fp, ",%.17g",
                    scramble ? s.y[i][s.n[i] - 1 - j] * 0.5 + 3 : s.y[i][j]);
        fputc('\n', fp);
    }
    fclose(fp);
    sc_m4_set_cleanup(&s);
}

Test(forecast, cli_ets_save_ignores_test_values, .timeout = 300)
{
    /* ets with simulated intervals: seeded, so the bytes repeat; and TEST-blind */
    const char *dir = SC_BINARY_DIR "/test_forecast_tmp";
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "mkdir -p %s", dir);
    cr_assert_eq(run(cmd), 0);
    subset_file(M4_DIR "/Hourly-train.csv", SC_BINARY_DIR "/test_forecast_tmp/tr8.csv", 8, 0);
    subset_file(M4_DIR "/Hourly-test.csv", SC_BINARY_DIR "/test_forecast_tmp/te8.csv", 8, 0);
    subset_file(M4_DIR "/Hourly-test.csv", SC_BINARY_DIR "/test_forecast_tmp/te8s.csv", 8, 1);
    snprintf(cmd, sizeof cmd,
             SC_SCULPT_BIN " forecast --eval %s/tr8.csv %s/te8.csv --model ets --horizon 48 "
                           "--period 24 --save %s/e1.csv > /dev/null && " SC_SCULPT_BIN
                           " forecast --eval %s/tr8.csv %s/te8s.csv --model ets --horizon 48 "
                           "--period 24 --save %s/e2.csv > /dev/null",
             dir, dir, dir, dir, dir, dir);
    cr_assert_eq(run(cmd), 0, "%s", cmd);
    size_t la, lb;
    char *a = slurp(SC_BINARY_DIR "/test_forecast_tmp/e1.csv", &la);
    char *b = slurp(SC_BINARY_DIR "/test_forecast_tmp/e2.csv", &lb);
    cr_assert(a && b && la > 8 * 3 * 48);
    cr_assert_eq(la, lb);
    cr_assert_eq(memcmp(a, b, la), 0, "ets: saved forecasts depend on TEST");
    free(a);
    free(b);
}

Test(forecast, cli_json_and_bad_input)
{
    char cmd[4096];
    const char *out = SC_BINARY_DIR "/test_forecast_robust.json";
    snprintf(cmd, sizeof cmd,
             SC_SCULPT_BIN " forecast --eval " FIX "/robust-train.csv " FIX
                           "/robust-test.csv --model naive,snaive,naive2,ets,auto "
                           "--horizon 8 --period 4 --json > %s",
             out);
    cr_assert_eq(run(cmd), 0, "%s", cmd);
    size_t len;
    char *txt = slurp(out, &len);
    cr_assert(txt);
    cr_assert(strstr(txt, "\"smape\"") && strstr(txt, "\"coverage95\"") &&
              strstr(txt, "\"msis\"") && strstr(txt, "\"seconds\"") &&
              strstr(txt, "\"series\": 7"));
    cr_assert_null(strstr(txt, "nan"), "NaN in output: %s", txt);
    cr_assert_null(strstr(txt, "inf"), "inf in output: %s", txt);
    free(txt);
    /* non-numeric value: exit 2 naming file and line */
    snprintf(cmd, sizeof cmd,
             SC_SCULPT_BIN " forecast --eval " FIX "/bad-train.csv " FIX
                           "/robust-test.csv --model snaive --horizon 2 --period 1 "
                           "2> %s.err",
             out);
    cr_assert_eq(run(cmd), 2);
    snprintf(cmd, sizeof cmd, "%s.err", out);
    txt = slurp(cmd, &len);
    cr_assert(strstr(txt, "bad-train.csv:3") && strstr(txt, "x5"), "%s", txt);
    free(txt);
    /* a series without any value: a clear error, exit 2 */
    snprintf(cmd, sizeof cmd,
             SC_SCULPT_BIN " forecast --eval " FIX "/allnan-train.csv " FIX
                           "/allnan-test.csv --model snaive --horizon 1 --period 1 "
                           "2> /dev/null");
    cr_assert_eq(run(cmd), 2);
    /* unknown model: exit 2 */
    snprintf(cmd, sizeof cmd,
             SC_SCULPT_BIN " forecast --eval " FIX "/robust-train.csv " FIX
                           "/robust-test.csv --model prophet --horizon 8 2> /dev/null");
    cr_assert_eq(run(cmd), 2);
}
