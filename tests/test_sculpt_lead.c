/*
 * test_sculpt_lead.c - the guard's margin over the lead-time distribution
 * (core/policy/sculpt_lead.c, `guard_margin`).
 *
 * The lead-time distribution against hand values: L = boot + warm-up, P_j = P((j - 1)
 * step < L <= j step).  The held-out suite's region (lognormal boot, median 97 s, p95
 * 160 s: sigma = ln(160 / 97) / 1.6448536 = 0.304245) with a 60 s warm-up and 5-minute
 * steps: P(L > 300 s) = P(boot > 240 s) = Q(ln(240 / 97) / sigma) = Q(2.977482) =
 * 0.00145314, P(L > 600 s) = Q(5.6427) = 8.4e-9 < 1e-4, so J = 2, P_1 = 0.99854686,
 * P_2 = 0.00145314 (Q the normal upper tail, 0.5 erfc(z / sqrt 2), computed with
 * Python's math.erfc).  With 1-minute steps: F(60 j) = P(boot <= 60 (j - 1)) = 0,
 * 0.0571906, 0.7578299, 0.9789215, 0.9985469, 0.9998967 for j = 1..6, so P_2 =
 * 0.0571906, P_3 = 0.7006393, P_4 = 0.2210916, P_5 = 0.0196254, P_6 = 0.0013498, and P(L
 * > 360 s) = 1.03e-4 is still above 1e-4: J = 7 with the rest.  A constant boot of 120 s
 * with a 60 s warm-up and 60 s steps: L = 180 s, exactly 3 steps: P_3 = 1.
 *
 * The rule on a trace where it matters: one region, 5-minute steps, a level that moves as
 * a random walk of jumps (each step, independently, x 1.15 with probability 0.03, / 1.15
 * with 0.03, kept within [3, 12] ieq) with 1 % noise: the jumps' times are no forecast's,
 * so a guard that sizes for the observed load leaves each up-jump to the plan's headroom.
 * A jump of 1.15 needs a margin of at most 1.15 x (1 + 1 instance's rounding): within the
 * default guard_margin_max 1.25, so the rule must learn it and serve them.  The plan is
 * held at half the forecast (`"headroom": 0.5`) so that the guard is what serves (with
 * the SLO sizer on, its headroom covers these jumps already: attainment 1 with or
 * without the margin).  Measured (47 up-jumps in the measured week): margin 1, 142
 * violated steps of 2016 at 149.77 USD; auto, 3 at 169.93; fixed 1.2, 0 at 175.55.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sculpt/rng.h"
#include "sim.h"

#include "../core/policy/sculpt_int.h"
#include "oneregion.h"

Test(sculpt_lead, lead_distribution_lognormal_5min)
{
    sc_dist boot = {.kind = SC_DIST_LOGNORMAL, .a_ms = 97000.0, .b_ms = 160000.0};
    double pj[9];
    int J = 0;
    sc_sculpt_lead_pj(&boot, 60000.0, 300000, pj, &J);
    cr_assert_eq(J, 2);
    cr_assert_float_eq(pj[1], 0.99854686, 2e-7);
    cr_assert_float_eq(pj[2], 0.00145314, 2e-7);
}

Test(sculpt_lead, lead_distribution_lognormal_1min)
{
    sc_dist boot = {.kind = SC_DIST_LOGNORMAL, .a_ms = 97000.0, .b_ms = 160000.0};
    double pj[9];
    int J = 0;
    sc_sculpt_lead_pj(&boot, 60000.0, 60000, pj, &J);
    cr_assert_eq(J, 7);
    const double want[] = {0.0, 0.0, 0.0571906, 0.7006393, 0.2210916, 0.0196254, 0.0013498};
    for (int j = 1; j <= 6; j++)
        cr_assert_float_eq(pj[j], want[j], 2e-7, "P_%d = %.8f", j, pj[j]);
    cr_assert_float_eq(pj[7], 1.033e-4, 2e-7);
    double sum = 0.0;
    for (int j = 0; j <= 8; j++)
        sum += pj[j];
    cr_assert_float_eq(sum, 1.0, 1e-12);
}

Test(sculpt_lead, lead_distribution_constant)
{
    sc_dist boot = {.kind = SC_DIST_CONST, .a_ms = 120000.0, .b_ms = 0.0};
    double pj[9];
    int J = 0;
    sc_sculpt_lead_pj(&boot, 60000.0, 60000, pj, &J);
    cr_assert_eq(J, 3);
    cr_assert_float_eq(pj[1], 0.0, 1e-15);
    cr_assert_float_eq(pj[2], 0.0, 1e-15);
    cr_assert_float_eq(pj[3], 1.0, 1e-15);
}

#define CSV_PATH SC_BINARY_DIR "/test_sculpt_lead.csv"

/* The random walk of jumps (file comment); *ups: up-jumps in the measured period. */
static oneregion make(int *ups)
{
    oneregion_csv(CSV_PATH, 18 * 1440, 5, 500);
    oneregion_spec s = oneregion_defaults();
    s.warmup = "10d";
    s.duration = "7d";
    s.boot = "{\"dist\": \"const\", \"value_s\": 60}";
    s.latency_ms = 0;
    s.target_util = 0.8;
    s.app_warmup = "0s";
    s.slo = "{\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
            " \"penalty_per_unit_hour\": 0.1, \"attainment\": 0.999}";
    s.initial = 8;
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_sculpt_lead.json";
    oneregion fx = oneregion_make(&s);
    double level = 6.0;
    int64_t warm = 10 * 288;
    *ups = 0;
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        double u = sc_rng_u01(sc_rng_mix64(0x1eadu + 3 * (uint64_t)k));
        double u1 = sc_rng_u01(sc_rng_mix64(0x1eadu + 3 * (uint64_t)k + 1));
        double u2 = sc_rng_u01(sc_rng_mix64(0x1eadu + 3 * (uint64_t)k + 2));
        if (u < 0.03 && level * 1.15 <= 12.0) {
            level *= 1.15;
            *ups += k >= warm;
        } else if (u >= 0.03 && u < 0.06 && level / 1.15 >= 3.0)
            level /= 1.15;
        if (u1 < 1e-300)
            u1 = 1e-300;
        double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        oneregion_set_ieq(fx.w, k, level * exp(0.01 * z));
    }
    return fx;
}

static void outcome(const char *params, double *att, double *cost, int *ups)
{
    oneregion fx = make(ups);
    sc_run *r = oneregion_run(fx.w, "sculpt", params, 0);
    *att = r->sum.slo_attainment;
    *cost = r->sum.cost_usd;
    fprintf(stderr, "%s: attainment %.5f (%.0f violated of 2016), cost %.2f USD, %d up-jumps\n",
            params, *att, (1.0 - *att) * 2016.0, *cost, *ups);
    sc_run_free(r);
    oneregion_drop(&fx);
}

#define COMMON "\"on_demand_only\": true, \"reserve_every\": 0, \"headroom\": 0.5"
#define COMMON_MEM "\"on_demand_only\": true, \"reserve_every\": 0"

/* Without the margin the up-jumps the plan did not cover are violated; with it the rule
 * learns a margin of about the jump and serves them. */
Test(sculpt_lead, margin_serves_the_jumps_within_the_lead, .timeout = 300)
{
    double a1, c1, aa, ca, af, cf;
    int ups;
    outcome("{" COMMON ", \"guard_margin\": 1, \"violation_memory\": 0}", &a1, &c1, &ups);
    outcome("{" COMMON ", \"guard_margin\": \"auto\", \"violation_memory\": 0}", &aa, &ca,
            &ups);
    outcome("{" COMMON ", \"guard_margin\": 1.2, \"violation_memory\": 0}", &af, &cf, &ups);
    double v1 = (1.0 - a1) * 2016.0, va = (1.0 - aa) * 2016.0, vf = (1.0 - af) * 2016.0;
    /* the walk has ~60 up-jumps a week (0.03 x 2016, fewer at the cap) */
    cr_assert(ups > 30 && ups < 90, "%d up-jumps", ups);
    /* without the margin most up-jumps are violated (the guard's rounding leaves less
     * than 15 % at 4-15 instances but for a few), and so are the noise's ups where the
     * guard is tight: measured 142 */
    cr_assert(v1 >= ups / 2, "margin 1: %.0f violated steps", v1);
    /* a fixed margin above every jump serves them: at most the objective's budget */
    cr_assert(vf <= 2.5, "margin 1.2: %.0f violated steps", vf);
    /* the rule: within the objective's budget (0.001 x 2016 = 2 steps) plus the
     * Poisson slack of its planned share, and at less cost than the fixed margin */
    cr_assert(va <= 4.5, "auto: %.0f violated steps", va);
    cr_assert(ca < cf, "auto %.2f USD, fixed 1.2 %.2f USD", ca, cf);
}

Test(sculpt_lead, bad_parameters)
{
    int ups;
    oneregion fx = make(&ups);
    const char *bad[] = {"{\"guard_margin\": 0.9}", "{\"guard_margin\": \"sometimes\"}",
                         "{\"guard_margin_max\": 5}", "{\"guard_margin_safety\": 0}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        const sc_policy_type *t;
        sc_error err;
        cr_assert_eq(sc_policy_find("sculpt", &t, &err), SC_OK);
        sc_policy *p = NULL;
        sc_status st = sc_policy_alloc(t, fx.sc, bad[i], "w", &p, &err);
        cr_assert_eq(st, SC_ERR_INPUT, "%s accepted", bad[i]);
        cr_assert(strstr(err.msg, "guard_margin") != NULL, "%s: %s", bad[i], err.msg);
        cr_assert_null(p);
    }
    oneregion_drop(&fx);
}

/* ---- the memory of where violations fell (core/policy/sculpt_vmem.c) ------------------
 *
 * A once-a-day spike whose time drifts across a sub-step edge: level 5 ieq (1 % noise)
 * and at noon one step of 2 x (within what the hour's plan covers: the forecast of the
 * hour's peak, with the sizer's headroom up to 1.25), at 12:10 on days d = 0 mod 3, 12:15 on d = 1 mod 3 and
 * 12:20 on d = 2 mod 3.  12:10 lies in the sub-step [12:00, 12:15), which carries the
 * spike on a third of the days only, so its median share is the base level's and the
 * intra-hour shaping cuts it to the level: every 12:10 spike of the measured week is
 * violated (days 12 and 15: 2 steps, the whole budget at 0.999).  With the memory the
 * violations of the warm-up's 12:10 days hold that sub-step at the hour's plan on the
 * following days: none in the measured week.  Measured: 2 violated at 136.14 USD, and 0
 * at 120.09 (cheaper: the sizer no longer raises the whole plan for those steps); with
 * a spike of 4 x, beyond the plan's reach, both leave 5. */
static oneregion make_drift(void)
{
    oneregion_csv(CSV_PATH, 18 * 1440, 5, 500);
    oneregion_spec s = oneregion_defaults();
    s.warmup = "10d";
    s.duration = "7d";
    s.boot = "{\"dist\": \"const\", \"value_s\": 60}";
    s.latency_ms = 0;
    s.target_util = 0.8;
    s.app_warmup = "0s";
    s.slo = "{\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
            " \"penalty_per_unit_hour\": 0.1, \"attainment\": 0.999}";
    s.initial = 8;
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_sculpt_lead.json";
    oneregion fx = oneregion_make(&s);
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        double u1 = sc_rng_u01(sc_rng_mix64(0xd21fu + 2 * (uint64_t)k));
        double u2 = sc_rng_u01(sc_rng_mix64(0xd21fu + 2 * (uint64_t)k + 1));
        if (u1 < 1e-300)
            u1 = 1e-300;
        double z = sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
        int64_t d = k / 288, m = (k % 288) * 5; /* day, minute of day (start at 00:00) */
        int64_t at = 12 * 60 + 10 + 5 * (d % 3);
        oneregion_set_ieq(fx.w, k, 5.0 * exp(0.01 * z) * (m == at ? 1.5 : 1.0));
    }
    return fx;
}

Test(sculpt_vmem, drifting_daily_spike_is_held_after_its_violation, .timeout = 300)
{
    double att[2], cost[2];
    const char *params[2] = {"{" COMMON_MEM ", \"violation_memory\": 0}", "{" COMMON_MEM "}"};
    for (int i = 0; i < 2; i++) {
        oneregion fx = make_drift();
        sc_run *r = oneregion_run(fx.w, "sculpt", params[i], 0);
        att[i] = r->sum.slo_attainment;
        cost[i] = r->sum.cost_usd;
        fprintf(stderr, "%s: attainment %.5f (%.0f violated of 2016), cost %.2f USD\n",
                params[i], att[i], (1.0 - att[i]) * 2016.0, cost[i]);
        sc_run_free(r);
        oneregion_drop(&fx);
    }
    cr_assert_eq((int)lround((1.0 - att[0]) * 2016.0), 2, "off: %.5f", att[0]);
    cr_assert_eq((int)lround((1.0 - att[1]) * 2016.0), 0, "memory: %.5f", att[1]);
    /* the hold costs one sub-step a day at the hour's plan */
    cr_assert(cost[1] < cost[0] * 1.05, "memory %.2f USD, off %.2f", cost[1], cost[0]);
}
