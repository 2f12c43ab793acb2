/*
 * test_sculpt_slo.c - sculpt's self-calibrating headroom (`slo_control`,
 * core/policy/sculpt_slo.c): on a stationary synthetic trace the error-budget controller
 * brings the SLO attainment to the objective from above (a start with too much headroom)
 * and from below (too little), within a stated tolerance, and it sees only the past.
 *
 * The trace: one app, one region, 5-minute steps; ieq_k = 5 exp(0.25 z_k) with z_k
 * independent standard normal draws (a fixed counter-based stream, sc_rng_u01 through
 * Box-Muller), so every hour looks like every other.  The SLO: latency.base_ms 20 and
 * slo.latency_ms 100 with no route latency put the SLO's utilisation bound at
 * 1 - 20 / 100 = 0.8, equal to the app's target utilisation, so a step is in violation
 * exactly when its ieq exceeds the capacity planned for it at the target; objective
 * slo.attainment 0.99 (budget: 1 % of steps).  Ten days of warm-up let the controller
 * settle (it runs during the warm-up; the 7-day window fills), the measured week is the
 * attainment tested.
 *
 * Tolerance: the controller's dead band holds the long-window burn rate in [1/2, 1],
 * i.e. the attainment in [0.99, 0.995]; with a week of 2016 steps one violation is
 * 0.0005 of attainment, and a week's count of rare events is noisy (Poisson: 20 +- 4.5
 * at the objective), so the test accepts [0.985, 0.998]: the objective within 0.005
 * below and the dead band's top plus 0.003 above.  With the controller frozen the two
 * starts lie outside that band on either side, so the test is not vacuous; sculpt
 * without the controller attains 0.9196 here (its optimizer, at this penalty, plans for
 * less than the objective).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sculpt/rng.h"
#include "sim.h"

#include "oneregion.h"

#define CSV_PATH SC_BINARY_DIR "/test_sculpt_slo_flat.csv"

typedef oneregion fixture;

/* The fixture's demand: 0 stationary lognormal (file comment); 1 the same at a tenth
 * of its spread plus unforecastable one-step spikes (spike_trace). */
static int g_mode;
static const char *g_objective = "0.99"; /* slo.attainment of the fixture */

static fixture make(void)
{
    oneregion_csv(CSV_PATH, 18 * 1440, 5, 500);
    char slo[256];
    snprintf(slo, sizeof slo,
             "{\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
             " \"penalty_per_unit_hour\": 0.002, \"attainment\": %s}",
             g_objective);
    oneregion_spec s = oneregion_defaults();
    s.warmup = "10d";
    s.duration = "7d";
    s.boot = "{\"dist\": \"const\", \"value_s\": 60}";
    s.latency_ms = 0;
    s.target_util = 0.8;
    s.app_warmup = "0s";
    s.slo = slo;
    s.initial = 8;
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_sculpt_slo.json";
    fixture fx = oneregion_make(&s);
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        double u1 = sc_rng_u01(sc_rng_mix64(0x5105u + 2 * (uint64_t)k));
        double u2 = sc_rng_u01(sc_rng_mix64(0x5105u + 2 * (uint64_t)k + 1));
        if (u1 < 1e-300)
            u1 = 1e-300;
        double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        double ieq = 5.0 * exp(0.25 * z);
        if (g_mode == 1) {
            /* level 5 with 2.5 % noise; with probability 0.02, independently per step, a
             * spike of 6 x the level for one step (5 minutes, shorter than a replan) */
            double u3 = sc_rng_u01(sc_rng_mix64(0x5eedu + (uint64_t)k));
            ieq = 5.0 * exp(0.025 * z) * (u3 < 0.02 ? 6.0 : 1.0);
        }
        oneregion_set_ieq(fx.w, k, ieq);
    }
    return fx;
}

static sc_run *run_policy(fixture *fx, const char *policy, const char *params)
{
    return oneregion_run(fx->w, policy, params, 0);
}

static sc_run *run(fixture *fx, const char *params)
{
    return run_policy(fx, "sculpt", params);
}

#define COMMON "\"on_demand_only\": true, \"reserve_every\": 0"

static double attainment(const char *params)
{
    fixture fx = make();
    sc_run *r = run(&fx, params);
    double at = r->sum.slo_attainment;
    fprintf(stderr, "%s: attainment %.5f, cost %.2f USD\n", params, at, r->sum.cost_usd);
    sc_run_free(r);
    oneregion_drop(&fx);
    return at;
}

/* The starts are on either side: with the controller frozen (gains 1e-12) a headroom of
 * 2 over-provisions (attainment above the band) and 0.6 under-provisions (below it). */
Test(sculpt_slo, frozen_starts_are_above_and_below, .timeout = 300)
{
    double hi = attainment("{" COMMON ", \"slo_control\": true, \"slo_headroom\": 2.0, "
                           "\"slo_gain\": [1e-12, 1e-12]}");
    double lo = attainment("{" COMMON ", \"slo_control\": true, \"slo_headroom\": 0.6, "
                           "\"slo_gain\": [1e-12, 1e-12]}");
    cr_expect_gt(hi, 0.998, "frozen at 2.0: %.5f", hi);
    cr_expect_lt(lo, 0.985, "frozen at 0.6: %.5f", lo);
}

/* Converged from above and from below into [0.985, 0.998] (file comment). */
Test(sculpt_slo, converges_from_above, .timeout = 300)
{
    double at = attainment("{" COMMON ", \"slo_control\": true, \"slo_headroom\": 2.0}");
    cr_expect(at >= 0.985 && at <= 0.998, "from 2.0: attainment %.5f", at);
}

Test(sculpt_slo, converges_from_below, .timeout = 300)
{
    double at = attainment("{" COMMON ", \"slo_control\": true, \"slo_headroom\": 0.6}");
    cr_expect(at >= 0.985 && at <= 0.998, "from 0.6: attainment %.5f", at);
}

/* Bad values exit with the parameter's path. */
Test(sculpt_slo, bad_parameters)
{
    fixture fx = make();
    static const char *const bad[] = {
        "{\"slo_control\": true, \"slo_headroom\": 5, \"slo_headroom_range\": [0.5, 3]}",
        "{\"slo_control\": true, \"slo_gain\": [0, 0.02]}",
        "{\"slo_control\": true, \"slo_headroom_range\": [2, 1]}",
        "{\"slo_control\": true, \"slo_window\": \"5m\"}",
        "{\"slo_control\": 1}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_policy_spec spec = {.params_json = (char *)bad[i]};
        snprintf(spec.name, sizeof spec.name, "sculpt");
        snprintf(spec.label, sizeof spec.label, "sculpt");
        sc_run *r = NULL;
        sc_error err;
        cr_expect_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT, "%s", bad[i]);
        cr_expect_null(r);
    }
    oneregion_drop(&fx);
}

static double baseline_attainment(const char *policy, const char *params)
{
    fixture fx = make();
    sc_run *r = run_policy(&fx, policy, params);
    double at = r->sum.slo_attainment;
    fprintf(stderr, "%s %s: attainment %.5f, cost %.2f USD\n", policy, params, at,
            r->sum.cost_usd);
    sc_run_free(r);
    oneregion_drop(&fx);
    return at;
}

/* reactive's "target_util": "auto": the same controller divides the HPA's target.  At
 * the app's fixed target 0.8 (= the SLO's utilisation bound) the HPA misses the
 * objective far below the band; with "auto" the target comes down until the attainment
 * lies in the same band [0.985, 0.998]. */
Test(sculpt_slo, reactive_auto_target, .timeout = 300)
{
    double fixed = baseline_attainment("reactive", "{}");
    double at = baseline_attainment("reactive", "{\"target_util\": \"auto\"}");
    cr_expect_lt(fixed, 0.985, "fixed target: %.5f", fixed);
    cr_expect(at >= 0.985 && at <= 0.998, "auto target: attainment %.5f", at);
}

/* The same for aws-predictive (target tracking and the forecast's capacity). */
Test(sculpt_slo, aws_predictive_auto_target, .timeout = 300)
{
    double fixed = baseline_attainment("aws-predictive", "{}");
    double at = baseline_attainment("aws-predictive", "{\"target_util\": \"auto\"}");
    cr_expect_lt(fixed, 0.985, "fixed target: %.5f", fixed);
    cr_expect(at >= 0.985 && at <= 0.998, "auto target: attainment %.5f", at);
}

/* ---- the SLO sizer (sculpt_size.c, sculpt's default) ------------------------------ */

typedef struct outcome {
    double attainment, cost;
} outcome;

static outcome outcome_of(int mode, const char *params)
{
    g_mode = mode;
    fixture fx = make();
    sc_run *r = run(&fx, params);
    outcome o = {r->sum.slo_attainment, r->sum.cost_usd};
    fprintf(stderr, "mode %d %s: attainment %.5f, cost %.2f USD\n", mode, params,
            o.attainment, o.cost);
    sc_run_free(r);
    oneregion_drop(&fx);
    g_mode = 0;
    return o;
}

/* Expected band of the sizer on the stationary trace (objective 0.99, budget b = 0.01,
 * headroom_safety 0.5): it takes the k-th largest of n counterfactual needs, k =
 * floor(0.5 b (n + 1)) = 20 of a 14-day window's 4032 steps, which the next step exceeds
 * with probability k / (n + 1) = 0.005: attainment 0.995 expected.  A week of 2016
 * steps counts about 10 +- 3 violations (Poisson), +-0.0016, and the counterfactual is
 * linear in the factor (the rounding of counts to whole instances is not), so the test
 * accepts [0.99, 0.999]: the objective met, and at most a tenth of the budget unspent.
 * The two starts (the factor before the first judged step) lie outside it when frozen
 * ("headroom" fixed at 2 and at 0.5); here the sizer runs from them. */
#define SIZER "\"on_demand_only\": true, \"reserve_every\": 0, \"slo_headroom_range\": [0.25, 3]"

Test(sculpt_size, frozen_starts_are_above_and_below, .timeout = 300)
{
    outcome hi = outcome_of(0, "{" COMMON ", \"headroom\": 2}");
    outcome lo = outcome_of(0, "{" COMMON ", \"headroom\": 0.5}");
    cr_expect_gt(hi.attainment, 0.999, "frozen at 2: %.5f", hi.attainment);
    cr_expect_lt(lo.attainment, 0.99, "frozen at 0.5: %.5f", lo.attainment);
}

Test(sculpt_size, converges_from_above, .timeout = 300)
{
    outcome o = outcome_of(0, "{" SIZER ", \"slo_headroom\": 2}");
    cr_expect(o.attainment >= 0.99 && o.attainment <= 0.999, "from 2: attainment %.5f",
              o.attainment);
}

Test(sculpt_size, converges_from_below, .timeout = 300)
{
    outcome o = outcome_of(0, "{" SIZER ", \"slo_headroom\": 0.5}");
    cr_expect(o.attainment >= 0.99 && o.attainment <= 0.999, "from 0.5: attainment %.5f",
              o.attainment);
}

/* Unforecastable spikes (g_mode 1): 2 % of the steps carry 6 x the level for one step,
 * twice the budget of 1 %, and no factor within headroom_range (up to 1.25 x a forecast
 * quantile of a 2.5 %-noise level) serves 6 x: the objective cannot be met by headroom.
 * The sizer counts the spikes as not fixable (their counterfactual need is about 6 / 1.1
 * x the factor in force, above 1.25) and does not chase them: it costs no more than
 * 1.05 x sculpt with the factor fixed at 1 (the forecast as it is), and less than 0.9 x
 * the factor fixed at the top of the range, 1.25 (what raising "until the burn falls"
 * ends at: the burn never falls), while the attainment of both stays in [0.975, 0.99]:
 * 1 - 0.02 with a week's Poisson noise (40 +- 6 spikes of 2016 steps, +-0.003) and a
 * few spikes served (one right after another meets the guard's capacity). */
Test(sculpt_size, spikes_are_not_chased, .timeout = 300)
{
    outcome autoh = outcome_of(1, "{" COMMON "}");
    outcome one = outcome_of(1, "{" COMMON ", \"headroom\": 1}");
    outcome top = outcome_of(1, "{" COMMON ", \"headroom\": 1.25}");
    cr_expect_leq(autoh.cost, 1.05 * one.cost, "auto %.2f vs fixed 1 %.2f", autoh.cost,
                  one.cost);
    cr_expect_lt(autoh.cost, 0.9 * top.cost, "auto %.2f vs fixed 1.25 %.2f", autoh.cost,
                 top.cost);
    cr_expect(autoh.attainment >= 0.975 && autoh.attainment <= 0.99, "auto: %.5f",
              autoh.attainment);
    cr_expect(top.attainment >= 0.975 && top.attainment <= 0.99, "fixed 1.25: %.5f",
              top.attainment);
}

/* Bad values of the sizer's parameters exit with the parameter's path. */
Test(sculpt_size, bad_parameters)
{
    fixture fx = make();
    static const char *const bad[] = {
        "{\"headroom\": \"manual\"}", "{\"headroom\": 0}", "{\"headroom_safety\": 0}",
        "{\"headroom_safety\": 1.5}", "{\"serve_util\": \"max\"}",
        "{\"headroom_window\": \"5m\"}",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_policy_spec spec = {.params_json = (char *)bad[i]};
        snprintf(spec.name, sizeof spec.name, "sculpt");
        snprintf(spec.label, sizeof spec.label, "sculpt");
        sc_run *r = NULL;
        sc_error err;
        cr_expect_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT, "%s", bad[i]);
        cr_expect_null(r);
    }
    oneregion_drop(&fx);
}

/* Cost falls as the objective loosens: on the stationary trace the sizer's target is
 * the k-th largest of the window's needs, k = floor(0.5 b (N + 1)) = 100, 20, 2 for
 * objectives 0.95, 0.99, 0.999 (N = 4032): a lower quantile of the same distribution
 * for a looser objective, so less capacity (strictly: the needs are continuous).  Each
 * objective is met with the same +-0.0016 week-noise margin as above, at most 0.003
 * under (0.999: a week holds 2 allowed violations, k = 2 plans for 1).  The range is
 * widened to [0.25, 3] as above: at this fixture's low penalty the optimizer plans a low
 * forecast quantile, and the 5-minute noise needs more than the default top of 1.25
 * over it (with the default range the sizer stops at 1.25 and attains 0.974 at 0.99). */
Test(sculpt_size, cost_falls_as_the_objective_loosens, .timeout = 300)
{
    static const char *const objs[] = {"0.95", "0.99", "0.999"};
    static const double obj_v[] = {0.95, 0.99, 0.999};
    outcome o[3];
    for (int i = 0; i < 3; i++) {
        g_objective = objs[i];
        o[i] = outcome_of(0, "{" SIZER "}");
        cr_expect_geq(o[i].attainment, obj_v[i] - 0.003, "objective %s: attainment %.5f",
                      objs[i], o[i].attainment);
    }
    g_objective = "0.99";
    cr_expect_lt(o[0].cost, o[1].cost, "0.95: %.2f, 0.99: %.2f", o[0].cost, o[1].cost);
    cr_expect_lt(o[1].cost, o[2].cost, "0.99: %.2f, 0.999: %.2f", o[1].cost, o[2].cost);
}
