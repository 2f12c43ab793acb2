/*
 * test_ensemble_member.c - sc_ensemble_add_member / sc_ensemble_backtest_start: an
 * externally fitted member is backtested at the ensemble's origins and weighted by the
 * documented inverse-error rule.
 *
 * Case: y_t = t, t = 0..431, period 1.  Backtest design (ensemble.c): H = 48, origins
 * 24 steps apart, K = 8 (need 48 + 7*24 = 216 <= 432 - 216), n0 = 216.  MASE scale of
 * y with lag 1 = 1.  At an origin whose last observation is T:
 *   snaive at m = 1 (the ensemble's "snaive") forecasts T at every step s, error s;
 *     band means (1-6, 7-24, 25-48): 3.5, 15.5, 36.5;
 *   snaive at period 2 (the external member) forecasts y_{T + s - 2 ceil(s/2)}, error
 *     2 ceil(s/2): band 1 -> (2+2+4+4+6+6)/6 = 4; band 2 -> mean of 8,8,10,...,24,24 =
 *     16; band 3 -> mean of 26,...,48 = 37.
 * With only these two members active (M = 2, lambda = 8/(8+2) = 0.8) the weight of the
 * external one in band b is 0.8 E_ext^-2 / (E_ext^-2 + E_sn^-2) + 0.1.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "sculpt/ensemble.h"
#include "sculpt/forecast.h"

#define N 432
#define N0 216

static double y[N];

static void setup(void)
{
    gsl_set_error_handler_off();
    for (size_t t = 0; t < N; t++)
        y[t] = (double)t;
}

static sc_forecaster *fit_ensemble(void)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 1;
    sc_forecaster *ens = NULL;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("ensemble", &cfg, &ens, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_fit(ens, y, N, NULL, &err), SC_OK, "%s", err.msg);
    return ens;
}

static sc_forecaster *fit_snaive2(size_t n)
{
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 2;
    sc_forecaster *fc = NULL;
    sc_error err;
    cr_assert_eq(sc_forecaster_alloc("snaive", &cfg, &fc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_fit(fc, y, n, NULL, &err), SC_OK, "%s", err.msg);
    return fc;
}

static size_t find_label(const sc_ensemble_info *info, const char *label)
{
    for (size_t k = 0; k < info->count; k++)
        if (strcmp(info->label[k], label) == 0)
            return k;
    cr_assert_fail("member %s missing", label);
    return 0;
}

Test(ensemble_member, backtest_start, .init = setup)
{
    cr_assert_eq(sc_ensemble_backtest_start(432), 216);    /* K = 8 */
    cr_assert_eq(sc_ensemble_backtest_start(700), 484);    /* M4 Hourly train length */
    cr_assert_eq(sc_ensemble_backtest_start(400), 208);    /* K = 7: 400 - 48 - 6*24 */
    cr_assert_eq(sc_ensemble_backtest_start(3), 0);        /* n/4 = 0: no backtest */
}

static void check_weights(int with_final)
{
    sc_forecaster *ens = fit_ensemble();
    sc_error err;
    sc_forecaster *bt = fit_snaive2(N0);
    sc_forecaster *fin = with_final ? fit_snaive2(N) : NULL;
    cr_assert_eq(sc_ensemble_add_member(ens, "ext", bt, fin, &err), SC_OK, "%s", err.msg);
    sc_ensemble_info info;
    cr_assert_eq(sc_ensemble_info_get(ens, &info, &err), SC_OK);
    size_t ks = find_label(&info, "snaive"), ke = find_label(&info, "ext");
    cr_assert_eq(ke, info.count - 1);
    cr_assert_eq(info.origins, 8);
    const double e_sn[3] = {3.5, 15.5, 36.5}, e_ext[3] = {4.0, 16.0, 37.0};
    for (int b = 0; b < 3; b++) {
        cr_assert_float_eq(info.bt_error[ks][b], e_sn[b], 1e-9);
        cr_assert_float_eq(info.bt_error[ke][b], e_ext[b], 1e-9);
    }
    cr_assert_eq(sc_ensemble_use(ens, (1u << ks) | (1u << ke), &err), SC_OK);
    cr_assert_eq(sc_ensemble_info_get(ens, &info, &err), SC_OK);
    double w_ext[3];
    for (int b = 0; b < 3; b++) {
        double ie = 1.0 / (e_ext[b] * e_ext[b]), is = 1.0 / (e_sn[b] * e_sn[b]);
        w_ext[b] = 0.8 * ie / (ie + is) + 0.1;
        cr_assert_float_eq(info.weight[ke][b], w_ext[b], 1e-12, "band %d: %.15g vs %.15g",
                           b, info.weight[ke][b], w_ext[b]);
        cr_assert_float_eq(info.weight[ks][b], 1.0 - w_ext[b], 1e-12);
    }
    /* final forecast: snaive forecasts 431; the external member, at n = 432 either
     * advanced by update() or refitted, forecasts 430 at odd steps and 431 at even. */
    double f[30];
    cr_assert_eq(sc_forecaster_predict(ens, 30, NULL, 0, f, NULL, &err), SC_OK);
    cr_assert_float_eq(f[0], 431.0 - w_ext[0], 1e-9, "%.15g", f[0]);
    cr_assert_float_eq(f[1], 431.0, 1e-9);
    cr_assert_float_eq(f[6], 431.0 - w_ext[1], 1e-9);
    cr_assert_float_eq(f[26], 431.0 - w_ext[2], 1e-9);
    sc_forecaster_free(ens);
}

Test(ensemble_member, weights_by_hand_advanced, .init = setup)
{
    check_weights(0);
}

Test(ensemble_member, weights_by_hand_refit, .init = setup)
{
    check_weights(1);
}

Test(ensemble_member, rejects_leaky_or_late_members, .init = setup)
{
    sc_error err;
    sc_forecaster *ens = fit_ensemble();
    sc_ensemble_info before;
    cr_assert_eq(sc_ensemble_info_get(ens, &before, &err), SC_OK);
    /* a backtest member that saw data past n0 */
    cr_assert_eq(sc_ensemble_add_member(ens, "ext", fit_snaive2(N0 + 1), NULL, &err),
                 SC_ERR_INPUT);
    /* a final member fitted on less than the whole history */
    cr_assert_eq(sc_ensemble_add_member(ens, "ext", fit_snaive2(N0), fit_snaive2(N - 1),
                                        &err),
                 SC_ERR_INPUT);
    sc_ensemble_info after;
    cr_assert_eq(sc_ensemble_info_get(ens, &after, &err), SC_OK);
    cr_assert_eq(after.count, before.count);
    /* after an update the stored origins no longer line up */
    cr_assert_eq(sc_forecaster_update(ens, 432.0), SC_OK);
    cr_assert_eq(sc_ensemble_add_member(ens, "ext", fit_snaive2(N0), NULL, &err),
                 SC_ERR_INPUT);
    sc_forecaster_free(ens);
    /* not an ensemble */
    sc_forecaster *sn = fit_snaive2(N);
    cr_assert_eq(sc_ensemble_add_member(sn, "ext", fit_snaive2(N0), NULL, &err),
                 SC_ERR_INPUT);
    sc_forecaster_free(sn);
}
