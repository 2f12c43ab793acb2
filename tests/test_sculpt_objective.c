/*
 * test_sculpt_objective.c - sculpt's default SLO sizing (core/policy/sculpt_size.c,
 * `"headroom": "auto"`) against the objective apps[].slo.attainment (issue 10: the
 * self-calibrated default meets 0.99, 0.999 and 0.9995, its cost falls as the objective
 * loosens, and it sees only the past).
 *
 * The trace (mode 0): one app, one region, 5-minute steps; ieq_k = 5 exp(0.25 z_k) with
 * z_k independent standard normal draws (a counter-based stream, sc_rng_u01 through
 * Box-Muller; a different stream from test_sculpt_slo.c), so every hour looks like every
 * other.  latency.base_ms 20 and slo.latency_ms 100 with no route latency put the SLO's
 * utilisation bound at u_slo = 1 - 20 / 100 = 0.8; boot a constant 60 s.  14 days of
 * warm-up fill the sizer's 14-day window (N = 4032 judged steps); the measured week
 * (2016 steps) is the attainment tested.
 *
 * Expected attainment (independent of the code: order statistics of exchangeable draws).
 * The sizer plans the k-th largest of the window's N counterfactual needs, k =
 * floor(0.5 b (N + 1)) (safety 0.5, b = 1 - objective), which a fresh step exceeds with
 * probability k / (N + 1); below k = 1 it extrapolates past the largest, so at most
 * 1 / (N + 1).  Violations in the measured week are then about Poisson with mean
 * lambda = 2016 k / (N + 1).  Where the window's budget B = b (N + 1) holds many steps,
 * k is instead B - 3 sqrt(B) when that is larger (the Poisson margin, on demand only):
 *   0.99:   B = 40.33, k = floor(max(20.17, 21.28)) = 21, lambda = 10.5;
 *   0.999:  k = 2, lambda = 1.0;
 *   0.9995: k = 1 (0.5 x 0.0005 x 4033 = 1.008), lambda = 0.5;
 *   0.95:   B = 201.65, k = floor(max(100.8, 159.05)) = 159, lambda = 79.5
 *           (without the margin, headroom_margin 0: k = 100, lambda = 50.0).
 * A run passes when its violation count is at most the Poisson 99.5 % quantile of its
 * lambda (19, 4, 3: attainment >= 0.99058, 0.99802, 0.99851; 19 is kept at 0.99, whose
 * lambda 10.5 puts the quantile at 20), i.e. the objective is met
 * up to one week's sampling noise; 0.99 also checks the other side: at least the 0.5 %
 * quantile (3: attainment <= 0.99851), so the budget is spent, not wasted.  (0.999 and
 * 0.9995 expect 1 and 0.5 violations: no lower bound on a count can be told from 0.)
 * The counterfactual is linear in the factor, the rounding to whole instances is not:
 * that is inside the noise band at 5-6 instances.  The headroom range is widened to
 * [0.25, 3] (as test_sculpt_slo.c does, for the same reason: at this fixture's low
 * penalty the optimizer plans a low forecast quantile and the 5-minute noise needs more
 * than the default top of 1.25 over it).
 *
 * From above and below: the factor starts at 3, the top of the range (frozen there: fewer
 * violations than 0.99's band allows, and a cost above every objective's converged cost,
 * checked) and at 0.5 (frozen: more violations than 0.99 allows, checked); from either
 * start each objective must land in its band, from 3 below the frozen cost, and the two
 * starts' costs within 3 % of each other (the start is forgotten once the window is
 * full: the same order statistic is read; 3 % is about two instances for a day).
 *
 * The budget counts every violation (mode 1): a level of 5 with 2.5 % noise and, with
 * probability 0.007 per step, a one-step spike to 6 x the level that no factor up to
 * 1.25 serves (counterfactual about 6 / 1.1 x the factor).  At 0.99 (k = 20 of N) the
 * spikes take about 28 of the 40 steps the window's budget allows; the fixable steps may
 * take only the rest.  Before sculpt_size.c charged the spikes to the budget it planned
 * k more violations on top of them (0.7 % + 0.5 % = 1.2 %: attainment 0.988, measured
 * 0.9876 before the change); now it serves every fixable step but k - u: attainment
 * about 1 - 0.007 = 0.993, and the test asks for >= 0.99 with the spikes' Poisson noise
 * (14 +- 3.7 a week) inside it.
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
#include "tu_common.h"

#define CSV_PATH SC_BINARY_DIR "/test_sculpt_objective_flat.csv"
#define WEEK_STEPS 2016.0

/* A flat CSV the scenario names (its values are replaced in the world below). */
static void write_csv(void)
{
    static int done;
    if (!done)
        tu_write_flat_csv(CSV_PATH, 22, "500");
    done = 1;
}

typedef struct fixture {
    sc_scenario *sc;
    sc_world *w;
} fixture;

static double normal_draw(uint64_t key)
{
    double u1 = sc_rng_u01(sc_rng_mix64(key));
    double u2 = sc_rng_u01(sc_rng_mix64(key ^ 0x9e3779b97f4a7c15u));
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

/* The scenario at objective obj with the demand of mode (file comment). */
static fixture make(const char *obj, int mode)
{
    write_csv();
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 7, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"14d\", \"duration\": \"7d\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g\", \"home_region\": \"r\"}],"
             " \"regions\": [{\"name\": \"r\", \"boot\": {\"dist\": \"const\", \"value_s\": 60},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0,"
             "   \"types\": {\"t1\": {\"on_demand\": 0.1}}}],"
             " \"instance_types\": [{\"name\": \"t1\", \"vcpu\": 1, \"mem_gib\": 4, \"io_mbps\": 100}],"
             " \"latency_ms\": {\"g\": {\"r\": 0}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"t1\","
             "   \"needs\": {\"cpu\": 0.01}, \"target_util\": 0.8, \"min_instances\": 1,"
             "   \"max_instances\": 100, \"warmup\": \"0s\","
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
             "   \"slo\": {\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
             "            \"penalty_per_unit_hour\": 0.002, \"attainment\": %s},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r\", \"count\": 8}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"static\"}]}",
             obj, CSV_PATH);
    fixture fx = {0};
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, SC_BINARY_DIR "/test_sculpt_objective.json", &fx.sc,
                                   &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_world_build(fx.sc, &fx.w, &err), SC_OK, "%s: %s", err.where, err.msg);
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        double z = normal_draw(0x0b1ec7u * 1000003u + (uint64_t)k);
        double ieq = 5.0 * exp(0.25 * z);
        if (mode == 2) { /* near idle with 3 % one-step spikes of 50 x */
            double u3 = sc_rng_u01(sc_rng_mix64(0x1d1eu * 7919u + (uint64_t)k));
            ieq = 0.2 * exp(0.025 * z) * (u3 < 0.03 ? 50.0 : 1.0);
        }
        if (mode == 1) {
            double u3 = sc_rng_u01(sc_rng_mix64(0x5b1e5u * 7919u + (uint64_t)k));
            ieq = 5.0 * exp(0.025 * z) * (u3 < 0.007 ? 6.0 : 1.0);
        }
        fx.w->ieq_ar[0][k] = (float)ieq;
        fx.w->load_ar[0][k] = (float)(ieq * 100.0);
        fx.w->load_ag[0][k] = (float)(ieq * 100.0);
    }
    return fx;
}

static void drop(fixture *fx)
{
    sc_world_free(fx->w);
    sc_scenario_free(fx->sc);
}

typedef struct outcome {
    double attainment, cost;
} outcome;

static outcome run(const char *obj, int mode, const char *params)
{
    fixture fx = make(obj, mode);
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_OK, "%s: %s", err.where, err.msg);
    outcome o = {r->sum.slo_attainment, r->sum.cost_usd};
    fprintf(stderr, "objective %s mode %d %s: attainment %.5f (%.0f violated steps), cost %.2f\n",
            obj, mode, params, o.attainment, (1.0 - o.attainment) * WEEK_STEPS, o.cost);
    sc_run_free(r);
    drop(&fx);
    return o;
}

#define COMMON "\"on_demand_only\": true, \"reserve_every\": 0"
#define SIZER COMMON ", \"slo_headroom_range\": [0.25, 3]"

/* Violated steps of the measured week. */
static double violations(outcome o)
{
    return round((1.0 - o.attainment) * WEEK_STEPS);
}

/* The Poisson 99.5 % and 0.5 % quantiles of each objective's lambda (file comment). */
static const char *const objs[] = {"0.99", "0.999", "0.9995"};
static const double max_viol[] = {19, 4, 3};
static const double min_viol[] = {3, 0, 0};

/* Objective i from both starts (file comment): in the band, from 3 below the frozen
 * cost at 3, and the two starts' costs within 3 %. */
static void converges(int i)
{
    /* The controller alone: the sizer's guard factor ("guard_headroom", auto on demand)
     * switches only at a 20 % saving, so the two starts can settle on different factors
     * and differ by more than 3 % for that reason, not the controller's. */
    outcome frozen = run(objs[i], 0, "{" COMMON ", \"guard_headroom\": 1, \"headroom\": 3}");
    outcome o[2];
    static const char *const start[] = {"3", "0.5"};
    for (int j = 0; j < 2; j++) {
        char params[256];
        snprintf(params, sizeof params, "{" SIZER ", \"guard_headroom\": 1, \"slo_headroom\": %s}",
                 start[j]);
        o[j] = run(objs[i], 0, params);
        double n = violations(o[j]);
        cr_expect(n <= max_viol[i] && n >= min_viol[i],
                  "objective %s from %s: %.0f violated steps, expected [%.0f, %.0f]",
                  objs[i], start[j], n, min_viol[i], max_viol[i]);
    }
    cr_expect_lt(o[0].cost, frozen.cost, "objective %s: from 3 %.2f, frozen at 3 %.2f",
                 objs[i], o[0].cost, frozen.cost);
    cr_expect_leq(fabs(o[0].cost - o[1].cost), 0.03 * fmax(o[0].cost, o[1].cost),
                  "objective %s: from 3 %.2f, from 0.5 %.2f", objs[i], o[0].cost, o[1].cost);
}

/* The two starts are outside the band when frozen: 3 over-provisions (fewer violations
 * than 0.99's band allows), 0.5 under-provisions (more than it allows). */
Test(sculpt_objective, frozen_starts_are_above_and_below, .timeout = 300)
{
    outcome hi = run("0.99", 0, "{" COMMON ", \"headroom\": 3}");
    outcome lo = run("0.99", 0, "{" COMMON ", \"headroom\": 0.5}");
    cr_expect_lt(violations(hi), min_viol[0], "frozen at 3: %.5f", hi.attainment);
    cr_expect_gt(violations(lo), max_viol[0], "frozen at 0.5: %.5f", lo.attainment);
}

Test(sculpt_objective, converges_to_0_99, .timeout = 300)
{
    converges(0);
}

Test(sculpt_objective, converges_to_0_999, .timeout = 300)
{
    converges(1);
}

Test(sculpt_objective, converges_to_0_9995, .timeout = 300)
{
    converges(2);
}

/* Cost is monotone in the objective: the target is a higher order statistic of the same
 * needs for a tighter objective (k = 20, 2, 1 of N; 0.9995 adds the tail past the
 * largest), so 0.99 < 0.999 <= 0.9995 in cost, strictly for the first pair (the 20th and
 * 2nd largest of a continuous sample differ). */
Test(sculpt_objective, cost_is_monotone_in_the_objective, .timeout = 300)
{
    outcome o[3];
    for (int i = 0; i < 3; i++)
        o[i] = run(objs[i], 0, "{" SIZER "}");
    cr_expect_lt(o[0].cost, o[1].cost, "0.99: %.2f, 0.999: %.2f", o[0].cost, o[1].cost);
    cr_expect_leq(o[1].cost, o[2].cost, "0.999: %.2f, 0.9995: %.2f", o[1].cost, o[2].cost);
}

/* A loose objective spends most of its budget (file comment): at 0.95 the k = 159th
 * largest need is planned (lambda 79.5: 57 to 103 violated steps at the Poisson 0.5 % and
 * 99.5 % quantiles, and at most 100 = the objective's 5 % of 2016), where the fixed half
 * (headroom_margin 0: k = 100, lambda 50: 33 to 69) keeps twice what chance needs; the
 * lower order statistic costs less. */
Test(sculpt_objective, loose_objective_spends_the_budget, .timeout = 300)
{
    outcome m = run("0.95", 0, "{" SIZER "}");
    outcome h = run("0.95", 0, "{" SIZER ", \"headroom_margin\": 0}");
    cr_expect(violations(m) >= 57 && violations(m) <= 100,
              "margin 3: %.0f violated steps, expected [57, 100]", violations(m));
    cr_expect(violations(h) >= 33 && violations(h) <= 69,
              "margin 0: %.0f violated steps, expected [33, 69]", violations(h));
    cr_expect_lt(m.cost, h.cost, "margin 3: %.2f USD, margin 0: %.2f", m.cost, h.cost);
}

/* The same with the purchase options (no on_demand_only; the fixture's region has no spot
 * price, so the plan is on demand, but the sizer's settings are those with spot: safety
 * 0.1 and margin 5): at 0.95 k = floor(max(0.1 x 201.65, 201.65 - 5 sqrt(201.65))) =
 * floor(max(20.2, 130.6)) = 130, lambda = 2016 x 130 / 4033 = 65.0 (Poisson 0.5 % and
 * 99.5 % quantiles 45 and 87); margin 0: k = 20, lambda 10.0 (3 to 19). */
Test(sculpt_objective, loose_objective_spends_the_budget_with_options, .timeout = 300)
{
    outcome m = run("0.95", 0, "{\"reserve_every\": 0, \"slo_headroom_range\": [0.25, 3]}");
    outcome h = run("0.95", 0,
                    "{\"reserve_every\": 0, \"slo_headroom_range\": [0.25, 3], "
                    "\"headroom_margin\": 0}");
    cr_expect(violations(m) >= 45 && violations(m) <= 87,
              "margin 5: %.0f violated steps, expected [45, 87]", violations(m));
    cr_expect(violations(h) >= 3 && violations(h) <= 19,
              "margin 0: %.0f violated steps, expected [3, 19]", violations(h));
    cr_expect_lt(m.cost, h.cost, "margin 5: %.2f USD, margin 0: %.2f", m.cost, h.cost);
}

/* The floor of the headroom (file comment, mode 2): a near-idle load of 0.2 ieq (a
 * quarter of one instance at u_slo 0.8) with one-step spikes to 10 ieq on 3 % of the
 * steps.  The hourly peak the forecaster sees is a spike in about 1 - 0.97^12 = 31 % of
 * the hours, so its quantiles sit near the spikes' 10 ieq; at the objective 0.9 the
 * budget (B = 403, k = 343) exceeds the spikes (about 121 in the window) and every
 * other step is served by min_instances (counterfactual 0), so the target is the
 * range's floor.  At the default floor 0.07 the plan holds ceil(0.07 x 10 / 0.8) = 1
 * instance, at 0.25 ceil(2.5 / 0.8) = 4 in the hours planned for a spike: the default
 * must cost less and both meet 0.9 (the spikes alone violate about 3 %). */
Test(sculpt_objective, loose_objective_plans_below_a_high_forecast, .timeout = 300)
{
    outcome d = run("0.9", 2, "{" COMMON "}");
    outcome q = run("0.9", 2, "{" COMMON ", \"slo_headroom_range\": [0.25, 1.25]}");
    cr_expect_geq(d.attainment, 0.9, "floor 0.07: %.5f", d.attainment);
    cr_expect_geq(q.attainment, 0.9, "floor 0.25: %.5f", q.attainment);
    cr_expect_lt(d.cost, q.cost, "floor 0.07: %.2f USD, floor 0.25: %.2f", d.cost, q.cost);
}

/* Unfixable spikes spend the budget first (file comment): 0.99 met with 0.7 % of the
 * steps spiking beyond any factor the default range allows. */
Test(sculpt_objective, unfixable_steps_spend_the_budget, .timeout = 300)
{
    outcome o = run("0.99", 1, "{" COMMON "}");
    cr_expect_geq(o.attainment, 0.99, "attainment %.5f", o.attainment);
}

/* No look-ahead: with the demand from the middle of the measured week on tripled, the
 * decisions before it are the same (the sizer reads only closed steps), and differ after
 * (the perturbation is seen).  At 0.9995: the tail extrapolation's path. */
static int same_entry(const sc_action_log *a, const sc_action_log *b)
{
    return a->t == b->t && a->app == b->app && a->region == b->region && a->type == b->type &&
           a->kind == b->kind && a->option == b->option && a->count == b->count &&
           a->accepted == b->accepted;
}

Test(sculpt_objective, sees_only_the_past, .timeout = 300)
{
    const char *params = "{" COMMON "}";
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    fixture fx = make("0.9995", 0);
    sc_run *a = NULL, *b = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &a, &err), SC_OK, "%s", err.msg);
    int64_t k = fx.w->warmup_steps + (fx.w->n_steps - fx.w->warmup_steps) / 2;
    for (int64_t s = k; s < fx.w->n_steps; s++) {
        fx.w->ieq_ar[0][s] *= 3.0f;
        fx.w->load_ar[0][s] *= 3.0f;
        fx.w->load_ag[0][s] *= 3.0f;
    }
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &b, &err), SC_OK, "%s", err.msg);
    sc_time_ms cut = fx.sc->start + k * fx.sc->step_ms;
    size_t i = 0;
    for (; i < a->n_log && i < b->n_log && a->log[i].t < cut && b->log[i].t < cut; i++)
        cr_assert(same_entry(&a->log[i], &b->log[i]), "decision %zu differs before the cut", i);
    cr_assert((i == a->n_log || a->log[i].t >= cut) && (i == b->n_log || b->log[i].t >= cut),
              "one run decided more before the cut");
    int differ = a->n_log != b->n_log;
    for (size_t j = i; !differ && j < a->n_log; j++)
        differ = !same_entry(&a->log[j], &b->log[j]);
    cr_expect(differ, "the tripled demand changed no decision");
    sc_run_free(a);
    sc_run_free(b);
    drop(&fx);
}
