/*
 * test_route_pick.c - sculpt's "route_pick" (core/policy/sculpt_route.c): each weighted
 * geography served by one region, chosen on the planned cost with each region at the
 * utilisation of its routes, moved only when the move saves more than route_stay (the
 * default with the plan).
 *
 * One app, one geography g at home in r1 (0.10 USD/h, 10 ms), a second region r2 40 ms
 * away at a price p.  Curve 20 ms / (1 - u), SLO bound 100 ms.  Sized at the target
 * ("serve_util": "target", target 0.5, headroom 1), sculpt checks routes at u = (0.5 +
 * 1) / 2 = 0.75 (sculpt_route.c check_util): g -> r1 meets the bound there (80 + 10 =
 * 90 ms), g -> r2 does not (80 + 40 = 120 ms) but does at its own SLO utilisation
 * 1 - 20 / (100 - 40) = 0.6667, so with route_pick r2 is allowed at 0.5 x 0.6667 / 0.75
 * = 0.4444 and r1 runs at 0.5.  Planned cost per ieq-hour: r1 0.10 / 0.5 = 0.200 USD;
 * r2 p / 0.4444:
 *   p = 0.04:   0.090 USD, a saving of 55 % > route_stay (2 %): g moves to r2;
 *   p = 0.0875: 0.196875 USD, a saving of 1.56 % < 2 %: g stays at home; with
 *               "route_stay": 0 it moves.
 * 400 req/s flat (tests/fixtures/sim/flat.csv), 0.01 vCPU per req/s on 2 vCPU: 2 ieq.
 * 1 h warm-up, 3 h measured, 5-minute steps, on demand only.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sculpt/orchestrator.h"
#include "sculpt/policy.h"
#include "sculpt/scenario.h"
#include "sculpt/simulator.h"
#include "sim.h"

#define FIX_PATH SC_SOURCE_DIR "/tests/fixtures/route/route.json" /* for relative paths */

typedef struct result {
    double cost, attainment;
    int calls;            /* accepted set_weight calls */
    int w[2];             /* final weights of r1, r2 */
    double share_r2_last; /* g's share in r2 over the last hour */
} result;

static result run(double p2, const char *routing, const char *extra)
{
    char text[8192];
    snprintf(text, sizeof text,
             "{\"name\": \"pick\", \"seed\": 3, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"1h\", \"duration\": \"3h\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g\", \"home_region\": \"r1\", \"routing\": {"
             "   \"mechanism\": \"dns-weighted\", \"weights\": {\"r1\": 255},"
             "   \"propagation\": \"60s\", \"ttl\": \"60s\", \"change_rate_per_sec\": 5,"
             "   \"change_burst\": 5, \"health_check\": {\"interval\": \"30s\", \"threshold\": 3}}}],"
             " \"regions\": [{\"name\": \"r1\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"egress_per_gb\": 0.02, \"types\": {\"t2\": {\"on_demand\": 0.1}}},"
             "  {\"name\": \"r2\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"egress_per_gb\": 0.02, \"types\": {\"t2\": {\"on_demand\": %.4f}}}],"
             " \"instance_types\": [{\"name\": \"t2\", \"vcpu\": 2, \"mem_gib\": 4}],"
             " \"latency_ms\": {\"g\": {\"r1\": 10, \"r2\": 40}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"t2\","
             "   \"needs\": {\"cpu\": 0.01}, \"target_util\": 0.5, \"min_instances\": 0,"
             "   \"max_instances\": 100, \"warmup\": \"30s\", \"gb_per_unit_hour\": 0.0002,"
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99}, \"slo\": {\"latency_ms\": 100,"
             "   \"max_unserved_frac\": 0.01, \"penalty_per_unit_hour\": 1},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"flat\"}],"
             "   \"initial\": [{\"region\": \"r1\", \"count\": 4}]}],"
             " \"traces\": [{\"name\": \"flat\", \"csv\": \"../sim/flat.csv\"}],"
             " \"policies\": [{\"name\": \"sculpt\", \"params\": {\"routing\": \"%s\","
             "   \"on_demand_only\": true, \"serve_util\": \"target\", \"headroom\": 1%s}}]}",
             p2, routing, extra);
    sc_sim_register();
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, FIX_PATH, &sc, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    sc_run *r = NULL;
    cr_assert_eq(sc_run_policy(w, &sc->policies[0], 1, &r, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    result out = {.cost = r->sum.cost_usd, .attainment = r->sum.slo_attainment,
                  .w = {255, 0}};
    for (size_t i = 0; i < r->n_log; i++) {
        const sc_action_log *e = &r->log[i];
        if (e->kind != SC_ACTION_SET_WEIGHT || !e->accepted)
            continue;
        out.calls++;
        out.w[e->region] = e->count;
    }
    cr_assert(r->geo_share != NULL);
    int64_t N = r->n_steps;
    for (int64_t k = N - 12; k < N; k++)
        out.share_r2_last += r->geo_share[(size_t)1 * (size_t)N + (size_t)k] / 12.0;
    sc_run_free(r);
    sc_world_free(w);
    sc_scenario_free(sc);
    return out;
}

/* p = 0.04: g moves to r2 once (r2 raised to 255, r1 cut to 0: two calls, no flip
 * back), serves there at the end, and costs less than the same policy at home. */
Test(route_pick, moves_to_the_cheaper_region_at_its_utilisation, .timeout = 300)
{
    result pick = run(0.04, "plan", "");
    result home = run(0.04, "home", "");
    cr_assert_eq(pick.w[1], 255);
    cr_assert_eq(pick.w[0], 0);
    cr_assert_eq(pick.calls, 2, "one move, two calls: got %d", pick.calls);
    cr_assert_float_eq(pick.share_r2_last, 1.0, 1e-9);
    cr_assert_eq(home.calls, 0);
    cr_assert_lt(pick.cost, home.cost, "pick %.4f home %.4f", pick.cost, home.cost);
    /* without route_pick the route is not allowed at the check utilisation */
    result plan = run(0.04, "plan", ", \"route_pick\": false");
    cr_assert_eq(plan.calls, 0);
}

/* p = 0.0875: a 1.56 % saving stays below route_stay 2 %: no move; route_stay 0 moves. */
Test(route_pick, near_equal_routes_stay, .timeout = 300)
{
    result stay = run(0.0875, "plan", ", \"route_pick\": true");
    cr_assert_eq(stay.calls, 0);
    cr_assert_float_eq(stay.share_r2_last, 0.0, 1e-12);
    result go = run(0.0875, "plan", ", \"route_pick\": true, \"route_stay\": 0");
    cr_assert_eq(go.w[1], 255);
    cr_assert_eq(go.w[0], 0);
    cr_assert_float_eq(go.share_r2_last, 1.0, 1e-9);
}
