/*
 * test_route_outage.c - a partial capacity loss as the policy sees it and sculpt's
 * answer (issue 11, item 3 / region-outage; sim/mockcloud.c view_impaired,
 * core/policy/sculpt_route.c sc_sculpt_impaired_target).
 *
 * Fixture tests/fixtures/route/route_outage.json: region r2 loses 30 % of its serving
 * capacity from 01:15 to 01:45 (lost 0.3).  By hand:
 *   10 serving on-demand instances in r2: the cloud reports 10 - floor(10 x 0.7) = 3 of
 *     them impaired from 01:15 (the window's event), none before or after 01:45;
 *   7 serving instances: 7 - floor(4.9) = 3 impaired.
 *   sculpt's replacement for n = 10 wanted with 10 serving of which 3 impaired:
 *     ceil(10 x 10 / 7) = ceil(14.29) = 15 instances (then 15 x 0.7 = 10.5 >= 10 serve);
 *     at a limit of 12: 12; none impaired, or all (a region down: the health checks move
 *     its load): n unchanged.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "evq.h"
#include "mockcloud.h"
#include "sculpt/policy.h"
#include "sculpt/provider.h"
#include "sculpt/scenario.h"

/* core/policy/sculpt_int.h (not included: its sc_event is not the simulator's) */
int sc_sculpt_impaired_target(const sc_policy_view *v, int a, int r, int n, int lim);

#define FIX SC_SOURCE_DIR "/tests/fixtures/route/route_outage.json"
#define EV_BASE 16
#define MIN_ (INT64_C(60000))

static void noop_change(void *ctx, int app, int region)
{
    (void)ctx;
    (void)app;
    (void)region;
}

static void run_until(sc_evq *q, sc_mock *m, sc_time_ms t)
{
    sc_event ev;
    while (sc_evq_peek(q, &ev) && ev.time <= t) {
        sc_evq_pop(q, &ev);
        sc_error err;
        cr_assert_eq(sc_mock_handle(m, &ev, &err), SC_OK, "%s", err.msg);
    }
}

static sc_pool_state pool_at(sc_provider *prov, sc_evq *q, sc_mock *m, sc_time_ms t)
{
    run_until(q, m, t);
    sc_pool_state ps;
    sc_error err;
    cr_assert_eq(sc_provider_describe(prov, 0, 1, 0, SC_PURCHASE_ONDEMAND, &ps, &err), SC_OK,
                 "%s", err.msg);
    return ps;
}

Test(route_outage, the_cloud_reports_impaired_instances_in_the_window)
{
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_evq *q = NULL;
    cr_assert_eq(sc_evq_alloc(64, &q), SC_OK);
    sc_mock_config mc = {.sc = sc, .q = q, .event_base = EV_BASE, .start_ms = sc->start,
                         .end_ms = sc->start + 180 * MIN_, .drain_ms = 30000,
                         .before_change = noop_change, .route_tick_ms = 10000};
    sc_provider *prov = NULL;
    cr_assert_eq(sc_provider_alloc(&sc_mock_provider_type, &mc, &prov, &err), SC_OK, "%s",
                 err.msg);
    sc_mock *m = sc_mock_of(prov);
    cr_assert_eq(sc_mock_seed(m, 0, 1, 0, SC_PURCHASE_ONDEMAND, 10, &err), SC_OK, "%s",
                 err.msg);
    sc_mock_route_start(m);
    sc_time_ms t0 = sc->start;
    sc_pool_state ps = pool_at(prov, q, m, t0 + 75 * MIN_ - 1);
    cr_assert_eq(ps.ready, 10);
    cr_assert_eq(ps.impaired, 0, "before the window");
    ps = pool_at(prov, q, m, t0 + 75 * MIN_);
    cr_assert_eq(ps.ready, 10, "impaired instances stay ready and billed");
    cr_assert_eq(ps.impaired, 3, "10 - floor(10 x 0.7)");
    ps = pool_at(prov, q, m, t0 + 105 * MIN_);
    cr_assert_eq(ps.impaired, 0, "after the window");
    sc_provider_free(prov);
    sc_evq_free(q);
    sc_scenario_free(sc);
}

Test(route_outage, sculpt_replaces_the_impaired_capacity)
{
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_pool_state pools[2 * SC_PURCHASE_COUNT];
    memset(pools, 0, sizeof pools);
    sc_policy_view v = {.sc = sc, .pools = pools};
    sc_pool_state *p = &pools[1 * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
    p->ready = 10;
    cr_assert_eq(sc_sculpt_impaired_target(&v, 0, 1, 10, 100), 10, "none impaired");
    p->impaired = 3;
    cr_assert_eq(sc_sculpt_impaired_target(&v, 0, 1, 10, 100), 15, "ceil(100 / 7)");
    cr_assert_eq(sc_sculpt_impaired_target(&v, 0, 1, 10, 12), 12, "at the limit");
    cr_assert_eq(sc_sculpt_impaired_target(&v, 0, 1, 0, 100), 0, "nothing wanted");
    /* 7 serving (spot interrupting counts as serving), 3 impaired: ceil(5 x 7 / 4) = 9 */
    p->ready = 5;
    pools[1 * SC_PURCHASE_COUNT + SC_PURCHASE_SPOT].interrupting = 2;
    cr_assert_eq(sc_sculpt_impaired_target(&v, 0, 1, 5, 100), 9);
    p->impaired = 7; /* every serving instance: a region down */
    cr_assert_eq(sc_sculpt_impaired_target(&v, 0, 1, 5, 100), 5);
    sc_scenario_free(sc);
}
