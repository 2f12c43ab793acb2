/*
 * test_route_size.c - the SLO sizer under a known routing (issue 11 item 5;
 * core/policy/sculpt_route.c feeding core/policy/sculpt_size.c through
 * sc_sizer_set_u_slo).
 *
 * The fixture tests/fixtures/route/route.json: app a (latency curve 20 / (1 - u) ms,
 * bound 100 ms), geography g at home in r1 (10 ms), h at home in r2 (10 ms); here the
 * route g -> r2 is made 40 ms.  By hand:
 *   u(route) = 1 - base / (bound - route latency):
 *     g -> r1: 1 - 20 / 90 = 0.777778;  g -> r2: 1 - 20 / 60 = 0.666667;
 *     a route of 80 ms or more: room 20 <= base 20, no utilisation meets the bound: 0.
 * Step 12 (the first judged: an hour of 5-minute steps is skipped) of (a, r2): 7 ieq
 * routed there, 10 serving instances, factor in force 1, no guard (min_instances 1).
 *   r2 judged for h alone (u 0.777778): need 7 / 0.777778 = 9 <= 10, served above the
 *     guard, so its counterfactual factor is 9 / 10 = 0.9, code ceil(32 log2 0.9) + 128
 *     = 124, factor 2^((124 - 128.5) / 32) = 0.907115; one judged step: the target is
 *     the largest, 0.907115 < 1, so h falls by at most 2 %: exp(-0.02) = 0.980199.
 *   r2 judged with g routed there (u 0.666667): 7 > 6.66667 is a violation, factor
 *     1 x (7 / 0.666667) / 10 = 1.05, code ceil(32 log2 1.05) + 128 = 131, factor
 *     2^((131 - 128.5) / 32) = 1.055645: h rises to it at once.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/policy.h"
#include "sculpt/scenario.h"

#include "../core/policy/sculpt_int.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/route/route.json"

static sc_scenario *load_fixture(void)
{
    FILE *f = fopen(FIX, "rb");
    cr_assert(f != NULL);
    static char text[65536];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    const char *from = "\"g\": {\"r1\": 10, \"r2\": 80}";
    char *p = strstr(text, from);
    cr_assert(p != NULL, "fixture changed: %s not found", from);
    memcpy(p, "\"g\": {\"r1\": 10, \"r2\": 40}", strlen(from));
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    return sc;
}

Test(route_size, route_utilisation_at_the_bound)
{
    sc_scenario *sc = load_fixture();
    cr_assert_float_eq(sc_sculpt_route_u_slo(sc, 0, 0, 0), 1.0 - 20.0 / 90.0, 1e-12);
    cr_assert_float_eq(sc_sculpt_route_u_slo(sc, 0, 0, 1), 1.0 - 20.0 / 60.0, 1e-12);
    cr_assert_eq(sc_sculpt_route_u_slo(sc, 0, 1, 0), 0.0, "80 ms: nothing meets 100 ms");
    /* the sizer's own (home routes only) */
    cr_assert_float_eq(sc_sizer_u_slo(sc, 0, 1), 1.0 - 20.0 / 90.0, 1e-12);
    sc_scenario_free(sc);
}

/* One judged step of (a, r2) with 7 ieq and 10 serving; u_route > 0: judged at it. */
static double factor_after_step(const sc_scenario *sc, double u_route)
{
    sc_sizer_config cfg = {.window_ms = 14 * 24 * HOUR_MS, .h0 = 1.0, .h_min = 0.25,
                           .h_max = 1.25, .safety = 0.5, .down = 0.02};
    double u_guard[2] = {0.0, 0.0}; /* no guard: min_instances only */
    sc_sizer z;
    sc_error err;
    cr_assert_eq(sc_sizer_init(&z, sc, &cfg, u_guard, 0, "$", &err), SC_OK, "%s", err.msg);
    if (u_route > 0)
        sc_sizer_set_u_slo(&z, 0, 1, u_route);
    enum { NS = 36 };
    static float row1[NS], row2[NS];
    memset(row1, 0, sizeof row1);
    memset(row2, 0, sizeof row2);
    row2[12] = 7.0f;
    const float *rows[2] = {row1, row2};
    sc_pool_state pools[2 * SC_PURCHASE_COUNT];
    memset(pools, 0, sizeof pools);
    pools[1 * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND].ready = 10;
    sc_policy_view v = {.sc = sc, .now = sc->start + 13 * sc->step_ms, .step = 13,
                        .n_steps = NS, .ieq = rows, .load = rows, .pools = pools};
    sc_sizer_observe(&z, &v);
    sc_sizer_update(&z, &v);
    double h = sc_sizer_factor(&z, 0);
    sc_sizer_cleanup(&z);
    return h;
}

Test(route_size, a_region_serving_a_farther_geography_is_judged_cooler)
{
    sc_scenario *sc = load_fixture();
    cr_assert_eq(sc->step_ms, 300000);
    cr_assert_float_eq(factor_after_step(sc, 0.0), exp(-0.02), 1e-9);
    cr_assert_float_eq(factor_after_step(sc, 1.0 - 20.0 / 60.0), exp2(2.5 / 32.0), 1e-9);
    /* set_u_slo ignores 0 (a route beyond the bound at any utilisation) */
    cr_assert_float_eq(factor_after_step(sc, 0.0), factor_after_step(sc, -1.0), 1e-15);
    sc_scenario_free(sc);
}
