/*
 * test_sculpt_guard.c - the SLO sizer's guard factor (core/policy/sculpt_size.c,
 * `"guard_headroom": "auto"`, issue 10): the guard sizes for g x the peak ieq it
 * observed, g chosen among 1, 2^(1/4), 2^(1/2), 2^(3/4), 2 as the cheapest that, with its
 * own plan factor, spends the same share of the error budget.
 *
 * The trace: one app, one region, 5-minute steps, boot a constant 60 s (the guard's
 * instances serve the step after the one they were launched for: lag 1), guard_hold
 * 300 s (one step), latency.base_ms 20 and slo.latency_ms 100 with no route latency: the
 * SLO's utilisation bound u_slo = 1 - 20 / 100 = 0.8.  Near idle (0.2 ieq) with a burst
 * of 8 steps every 150 minutes (30 steps; not a divisor of a day, so the burst moves
 * through the hours and the intra-hour profile, a median over days, does not pin it),
 * alternating 10 and 11.8 ieq inside the burst (not 12: 15 instances at 0.8 are exactly
 * 12, where the latency equals the bound and floating point decides).
 *
 * By hand, the guard alone (plan at its floor, 1 instance):
 *   g = 1:      after a step of 10 it holds ceil(10 / 0.8) = 13 instances, 10.4 ieq at
 *               u_slo, so each of the 4 steps of 11.8 that follow a 10 is violated, and the
 *               burst's first step (after 0.2: ceil(0.25) = 1 instance): 5 of 30 steps,
 *               16.7 %, over the objective 0.9's budget of 10 %, so the plan must carry
 *               some of them;
 *   g = 2^(1/4) = 1.1892: after 10, ceil(11.892 / 0.8) = ceil(14.87) = 15 instances,
 *               12 ieq at u_slo (after 11.8: ceil(17.54) = 18): every step inside the
 *               burst is served; only the first
 *               is left, 1 of 30 = 3.3 %, inside the budget with the plan at its floor;
 *   g >= 2^(1/2): the same steps served with more instances (after 10: ceil(17.68) = 18).
 * So with 2^(1/4) held the attainment is 1 - 1/30 = 0.96667 (29 of every 30 steps) or
 * better where the plan catches a first step, and the sizer must choose it: the default
 * attains the objective 0.9 and costs less than the guard held at 1
 * (`"guard_headroom": 1`, the sizing before the guard factor) at the same objective.
 * The fixed setting is also checked to stay at 1 and the accessor to be NaN for another
 * policy.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sim.h"
#include "tu_common.h"

#define CSV_PATH SC_BINARY_DIR "/test_sculpt_guard_flat.csv"

static void write_csv(void)
{
    static int done;
    if (!done)
        tu_write_flat_csv(CSV_PATH, 15, "20");
    done = 1;
}

/* The burst trace of the file comment at step k. */
static double burst_ieq(int64_t k)
{
    int64_t p = k % 30;
    if (p >= 8)
        return 0.2;
    return p % 2 == 0 ? 10.0 : 11.8;
}

typedef struct outcome {
    double attainment, cost;
} outcome;

/* The scenario (file comment) parsed, with its world when w is not NULL. */
static sc_scenario *make(sc_world **w)
{
    write_csv();
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 7, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"7d\", \"duration\": \"7d\", \"step\": \"5m\","
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
             "            \"penalty_per_unit_hour\": 0.1, \"attainment\": 0.9},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r\", \"count\": 2}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"static\"}]}",
             CSV_PATH);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, SC_BINARY_DIR "/test_sculpt_guard.json", &sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    if (w) {
        cr_assert_eq(sc_world_build(sc, w, &err), SC_OK, "%s: %s", err.where, err.msg);
        for (int64_t k = 0; k < (*w)->n_steps; k++) {
            double ieq = burst_ieq(k);
            (*w)->ieq_ar[0][k] = (float)ieq;
            (*w)->load_ar[0][k] = (float)(ieq * 100.0);
            (*w)->load_ag[0][k] = (float)(ieq * 100.0);
        }
    }
    return sc;
}

static outcome run(const char *params)
{
    sc_world *w = NULL;
    sc_scenario *sc = make(&w);
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(w, &spec, 0, &r, &err), SC_OK, "%s: %s", err.where, err.msg);
    outcome o = {r->sum.slo_attainment, r->sum.cost_usd};
    fprintf(stderr, "sculpt %s: attainment %.5f, cost %.2f\n", params, o.attainment, o.cost);
    sc_run_free(r);
    sc_world_free(w);
    sc_scenario_free(sc);
    return o;
}

#define OD "\"on_demand_only\": true, \"reserve_every\": 0"

/* The hand-reasoned order of the file comment: 2^(1/4) serves every step inside the
 * burst, so it is cheaper than 1 (whose plan must carry the steps of 11.8) and than
 * 2^(1/2) (the same steps served with more instances); the default ("auto") meets the
 * objective, costs less than the guard held at 1, and within 5 % of 2^(1/4) held from
 * the start (it starts at 1 and moves once the window shows the cost). */
Test(sculpt_guard, auto_chooses_the_factor_that_covers_the_burst, .timeout = 300)
{
    outcome g1 = run("{" OD ", \"guard_headroom\": 1}");
    outcome g2 = run("{" OD ", \"guard_headroom\": 1.189207115}");
    outcome g3 = run("{" OD ", \"guard_headroom\": 1.414213562}");
    outcome au = run("{" OD "}");
    cr_expect_lt(g2.cost, g1.cost, "2^(1/4) %.2f, 1 %.2f", g2.cost, g1.cost);
    cr_expect_lt(g2.cost, g3.cost, "2^(1/4) %.2f, 2^(1/2) %.2f", g2.cost, g3.cost);
    cr_expect_geq(g2.attainment, 1.0 - 1.0 / 30.0 - 1e-9, "2^(1/4): %.5f", g2.attainment);
    cr_expect_geq(g3.attainment, 1.0 - 1.0 / 30.0 - 1e-9, "2^(1/2): %.5f", g3.attainment);
    cr_expect_geq(au.attainment, 0.9, "auto: %.5f", au.attainment);
    cr_expect_lt(au.cost, g1.cost, "auto %.2f, 1 %.2f", au.cost, g1.cost);
    cr_expect_leq(au.cost, 1.05 * g2.cost, "auto %.2f, 2^(1/4) %.2f", au.cost, g2.cost);
}

/* The accessor: auto starts at 1, a fixed factor is held, NaN for another policy; a
 * factor below 1 is an input error naming the parameter. */
Test(sculpt_guard, accessor_and_bad_input)
{
    sc_scenario *sc = make(NULL);
    const sc_policy_type *st = NULL, *rt = NULL;
    sc_error err;
    cr_assert_eq(sc_policy_find("sculpt", &st, &err), SC_OK);
    cr_assert_eq(sc_policy_find("reactive", &rt, &err), SC_OK);
    sc_policy *p = NULL;
    cr_assert_eq(sc_policy_alloc(st, sc, "{" OD "}", "$.policies[0]", &p, &err), SC_OK,
                 "%s: %s", err.where, err.msg);
    cr_expect_eq(sc_sculpt_guard_headroom(p, 0), 1.0);
    cr_expect(isnan(sc_sculpt_guard_headroom(p, 1)));
    sc_policy_free(p);
    cr_assert_eq(sc_policy_alloc(st, sc, "{" OD ", \"guard_headroom\": 1.5}", "$.policies[0]",
                                 &p, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_expect_eq(sc_sculpt_guard_headroom(p, 0), 1.5);
    sc_policy_free(p);
    /* without the SLO sizer there is no factor: 1 */
    cr_assert_eq(sc_policy_alloc(st, sc, "{" OD ", \"headroom\": 1}", "$.policies[0]", &p,
                                 &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_expect_eq(sc_sculpt_guard_headroom(p, 0), 1.0);
    sc_policy_free(p);
    cr_assert_eq(sc_policy_alloc(rt, sc, "{}", "$.policies[1]", &p, &err), SC_OK);
    cr_expect(isnan(sc_sculpt_guard_headroom(p, 0)));
    sc_policy_free(p);
    p = NULL;
    cr_expect_eq(sc_policy_alloc(st, sc, "{\"guard_headroom\": 0.5}", "$.policies[0]", &p,
                                 &err),
                 SC_ERR_INPUT);
    cr_expect(p == NULL);
    cr_expect(strstr(err.where, "guard_headroom") || strstr(err.msg, "guard_headroom"),
              "%s: %s", err.where, err.msg);
    sc_scenario_free(sc);
}
