/*
 * test_route.c - routing as state (issue 11, item 1): the propagation formula of
 * sim/mockroute.h against shares computed by hand, Route 53's answer rules under
 * health checks, the change-call token bucket, health-check failover timing and a
 * set_weight action through the orchestrator and the mock cloud, spill by capacity
 * and latency, the scenario's bad input, and home-equivalence of a routed run.
 *
 * Hand calculations use the fixture's parameters: propagation d = 60 s, TTL H = 60 s,
 * sticky fraction f = 0.1 keeping answers S = 900 s, health checks 30 s x 3 = 90 s.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "evq.h"
#include "mockcloud.h"
#include "mockroute.h"
#include "sculpt/orchestrator.h"
#include "sculpt/policy.h"
#include "sculpt/provider.h"
#include "sculpt/scenario.h"
#include "sculpt/simulator.h"
#include "tu_common.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/route/route.json"
#define EV_BASE 16
#define S_ (INT64_C(1000))

static const double EPS = 1e-12;

/* ---- the propagation model alone ------------------------------------------------- */

static int w2[2] = {255, 0};
static sc_geo_routing dns_cfg(void)
{
    sc_geo_routing g = {.mech = SC_ROUTE_DNS, .weights = w2, .delay_ms = 60 * S_,
                        .hold_ms = 60 * S_, .sticky_frac = 0.1, .sticky_ms = 900 * S_,
                        .change_rate_per_sec = 5, .change_burst = 5,
                        .hc_interval_ms = 30 * S_, .hc_threshold = 3};
    return g;
}

Test(mroute, one_change_follows_the_formula)
{
    sc_geo_routing cfg = dns_cfg();
    sc_mroute rt;
    cr_assert_eq(sc_mroute_init(&rt, &cfg, 2, 0, NULL), SC_OK);
    sc_time_ms pub;
    /* r2 from 0 to 85 at 1000 s: published at 1060 s, P = (255, 85)/340 = (0.75, 0.25) */
    cr_assert_eq(sc_mroute_set_weight(&rt, 1, 85, 1000 * S_, &pub), 1);
    cr_assert_eq(pub, 1060 * S_);
    cr_assert_eq(sc_mroute_publish(&rt, 1059 * S_), 0, "nothing due before 1060 s");
    cr_assert_eq(sc_mroute_publish(&rt, 1060 * S_), 1);
    double s[2];
    sc_mroute_share(&rt, 1059 * S_, s);
    cr_assert_float_eq(s[1], 0.0, EPS);
    /* share = 0.25 * [0.9 * min(1, x/60) + 0.1 * min(1, x/900)], x = t - 1060 s */
    sc_mroute_share(&rt, 1090 * S_, s); /* x = 30: 0.25 * (0.45 + 0.1/30) */
    cr_assert_float_eq(s[1], 0.25 * (0.45 + 0.1 / 30.0), EPS, "%.15g", s[1]);
    cr_assert_float_eq(s[0] + s[1], 1.0, EPS);
    sc_mroute_share(&rt, 1120 * S_, s); /* x = 60: 0.25 * (0.9 + 0.1 * 60/900) */
    cr_assert_float_eq(s[1], 0.25 * (0.9 + 0.1 * 60.0 / 900.0), EPS, "%.15g", s[1]);
    sc_mroute_share(&rt, 1510 * S_, s); /* x = 450: 0.25 * (0.9 + 0.05) */
    cr_assert_float_eq(s[1], 0.2375, EPS, "%.15g", s[1]);
    sc_mroute_share(&rt, 1960 * S_, s); /* x = 900: settled */
    cr_assert_float_eq(s[1], 0.25, EPS);
    sc_mroute_cleanup(&rt);
}

Test(mroute, two_changes_compose_as_moving_averages)
{
    sc_geo_routing cfg = dns_cfg();
    sc_mroute rt;
    cr_assert_eq(sc_mroute_init(&rt, &cfg, 2, 0, NULL), SC_OK);
    sc_time_ms pub;
    sc_mroute_set_weight(&rt, 1, 85, 1000 * S_, &pub);  /* P2 = 0.25 from 1060 s */
    sc_mroute_set_weight(&rt, 1, 255, 1100 * S_, &pub); /* P2 = 0.5 from 1160 s */
    sc_mroute_publish(&rt, 1060 * S_);
    sc_mroute_publish(&rt, 1160 * S_);
    double s[2];
    sc_mroute_share(&rt, 1190 * S_, s);
    /* TTL clients: window (1130, 1190]: 30 s at 0.25, 30 s at 0.5 -> 0.375.
     * sticky: window (290, 1190]: 770 s at 0, 100 s at 0.25, 30 s at 0.5 -> 40/900.
     * share = 0.9 * 0.375 + 0.1 * 40/900 = 0.341944... */
    cr_assert_float_eq(s[1], 0.9 * 0.375 + 0.1 * 40.0 / 900.0, EPS, "%.15g", s[1]);
    /* pruning keeps every piece a later share reads */
    sc_mroute_prune(&rt, 1190 * S_);
    sc_mroute_share(&rt, 1190 * S_, s);
    cr_assert_float_eq(s[1], 0.9 * 0.375 + 0.1 * 40.0 / 900.0, EPS);
    sc_mroute_cleanup(&rt);
}

Test(mroute, health_rules_of_weighted_records)
{
    /* Route 53: unhealthy records leave the answers; if every nonzero-weight record is
     * unhealthy the healthy zero-weight ones answer; if none is healthy, all answer. */
    sc_geo_routing cfg = dns_cfg();
    sc_mroute rt;
    cr_assert_eq(sc_mroute_init(&rt, &cfg, 2, 0, NULL), SC_OK);
    double p[2];
    cr_assert_eq(sc_mroute_set_health(&rt, 0, 0, 10 * S_), 1);
    sc_mroute_published(&rt, 10 * S_, p);
    cr_assert_float_eq(p[1], 1.0, EPS, "zero-weight standby takes over");
    cr_assert_eq(sc_mroute_set_health(&rt, 1, 0, 20 * S_), 1);
    sc_mroute_published(&rt, 20 * S_, p);
    cr_assert_float_eq(p[0], 1.0, EPS, "none healthy: fail open to the weights");
    cr_assert_eq(sc_mroute_set_health(&rt, 1, 0, 30 * S_), 0, "no change, no breakpoint");
    sc_mroute_published(&rt, 15 * S_, p);
    cr_assert_float_eq(p[1], 1.0, EPS, "history kept");
    sc_mroute_cleanup(&rt);
}

Test(mroute, change_calls_are_rate_limited)
{
    sc_geo_routing cfg = dns_cfg(); /* 5 calls/s, burst 5 */
    sc_mroute rt;
    cr_assert_eq(sc_mroute_init(&rt, &cfg, 2, 0, NULL), SC_OK);
    sc_time_ms pub;
    for (int i = 0; i < 5; i++)
        cr_assert_eq(sc_mroute_set_weight(&rt, 1, i, 1000 * S_, &pub), 1);
    cr_assert_eq(sc_mroute_set_weight(&rt, 1, 9, 1000 * S_, &pub), 0, "sixth call refused");
    cr_assert_eq(sc_mroute_set_weight(&rt, 1, 9, 1000 * S_ + 200, &pub), 1,
                 "one token back after 200 ms at 5/s");
    sc_mroute_cleanup(&rt);
}

/* ---- through the mock cloud and the orchestrator --------------------------------- */

static void noop_change(void *ctx, int app, int region)
{
    (void)ctx;
    (void)app;
    (void)region;
}

typedef struct fixture {
    sc_scenario *sc;
    sc_evq *q;
    sc_provider *prov;
    sc_mock *m;
} fixture;

static void fx_open(fixture *fx, sc_scenario *sc)
{
    fx->sc = sc;
    cr_assert_eq(sc_evq_alloc(64, &fx->q), SC_OK);
    sc_mock_config mc = {.sc = sc, .q = fx->q, .event_base = EV_BASE, .start_ms = sc->start,
                         .end_ms = sc->start + 3 * SC_MS_PER_HOUR, .drain_ms = 30000,
                         .before_change = noop_change, .route_tick_ms = 10000};
    sc_error err;
    cr_assert_eq(sc_provider_alloc(&sc_mock_provider_type, &mc, &fx->prov, &err), SC_OK, "%s",
                 err.msg);
    fx->m = sc_mock_of(fx->prov);
    cr_assert_eq(sc_mock_seed(fx->m, 0, 0, 0, SC_PURCHASE_ONDEMAND, 2, &err), SC_OK);
    cr_assert_eq(sc_mock_seed(fx->m, 0, 1, 0, SC_PURCHASE_ONDEMAND, 1, &err), SC_OK);
    sc_mock_route_start(fx->m);
}

static void fx_close(fixture *fx)
{
    sc_provider_free(fx->prov);
    sc_evq_free(fx->q);
    sc_scenario_free(fx->sc);
}

static void run_until(fixture *fx, sc_time_ms t)
{
    sc_event ev;
    while (sc_evq_peek(fx->q, &ev) && ev.time <= t) {
        sc_evq_pop(fx->q, &ev);
        sc_error err;
        cr_assert_eq(sc_mock_handle(fx->m, &ev, &err), SC_OK, "%s", err.msg);
    }
}

/* Share of geography g (0) served by region r at t, after the events up to t. */
static double share_at(fixture *fx, sc_time_ms t, int r)
{
    run_until(fx, t);
    double ieq[2] = {1.0, 1.0}, out[4];
    sc_mock_route_shares(fx->m, 0, t, ieq, out);
    return out[r];
}

static sc_scenario *load(void)
{
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(sc_scenario_load(FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    return sc;
}

Test(mockroute, failover_after_interval_times_threshold)
{
    fixture fx;
    fx_open(&fx, load());
    sc_time_ms T = fx.sc->start + 600 * S_;
    cr_assert_float_eq(share_at(&fx, T, 0), 1.0, EPS);
    sc_action a = {.kind = SC_ACTION_DEPROVISION, .app = 0, .region = 0, .type = 0,
                   .option = SC_PURCHASE_ONDEMAND, .count = 2, .to_region = -1, .to_type = -1};
    sc_action_result res;
    sc_error err;
    cr_assert_eq(sc_provider_apply(fx.prov, &a, T, &res, &err), SC_OK);
    cr_assert_eq(res.accepted, 2);
    /* r1 stops serving at T (draining does not serve); the checker says so at
     * T + 30 s x 3; only then do answers change (to the zero-weight standby r2) */
    cr_assert_float_eq(share_at(&fx, T + 90 * S_ - 1, 1), 0.0, EPS);
    cr_assert_float_eq(share_at(&fx, T + 90 * S_, 1), 0.0, EPS, "clients follow after");
    cr_assert_float_eq(share_at(&fx, T + 120 * S_, 1), 0.9 * 0.5 + 0.1 * 30.0 / 900.0, EPS);
    cr_assert_float_eq(share_at(&fx, T + 150 * S_, 1), 0.9 + 0.1 * 60.0 / 900.0, EPS);
    cr_assert_float_eq(share_at(&fx, T + 990 * S_, 1), 1.0, EPS);
    /* back: two launches at T + 1200 s boot 90 s (const) and warm up 30 s: serving at
     * T + 1320 s, healthy to the checker at T + 1410 s */
    a.kind = SC_ACTION_PROVISION;
    cr_assert_eq(sc_provider_apply(fx.prov, &a, T + 1200 * S_, &res, &err), SC_OK);
    cr_assert_float_eq(share_at(&fx, T + 1410 * S_ - 1, 0), 0.0, EPS);
    cr_assert_float_eq(share_at(&fx, T + 1440 * S_, 0), 0.9 * 0.5 + 0.1 * 30.0 / 900.0, EPS);
    fx_close(&fx);
}

Test(mockroute, set_weight_through_the_orchestrator)
{
    fixture fx;
    fx_open(&fx, load());
    sc_orch_config oc = {.sc = fx.sc, .count_from_ms = SC_TIME_MIN};
    sc_orch *o;
    sc_error err;
    cr_assert_eq(sc_orch_alloc(fx.prov, &oc, &o, &err), SC_OK);
    sc_plan plan;
    sc_plan_init(&plan);
    sc_time_ms T = fx.sc->start + 600 * S_;
    sc_action a = {.kind = SC_ACTION_SET_WEIGHT, .app = 0, .region = 1, .geo = 0,
                   .weight = 85, .to_region = -1, .to_type = -1, .issue_ms = T,
                   .reason = "test"};
    cr_assert_eq(sc_plan_push(&plan, &a), SC_OK);
    cr_assert_eq(sc_orch_submit(o, &plan, T, &err), SC_OK, "%s", err.msg);
    size_t n;
    const sc_action_log *log = sc_orch_log(o, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(log[0].kind, SC_ACTION_SET_WEIGHT);
    cr_assert_eq(log[0].type, 0, "the geography");
    cr_assert_eq(log[0].count, 85);
    cr_assert_eq(log[0].accepted, 1);
    cr_assert_eq(sc_orch_n_counted(o), 0, "routing is not a scaling action");
    cr_assert_str_eq(sc_action_kind_name(SC_ACTION_SET_WEIGHT), "set_weight");
    /* published at T + 60 s; 30 s later: 0.25 * (0.45 + 0.1 * 30/900) */
    cr_assert_float_eq(share_at(&fx, T + 60 * S_ - 1, 1), 0.0, EPS);
    cr_assert_float_eq(share_at(&fx, T + 90 * S_, 1), 0.25 * (0.45 + 0.1 / 30.0), EPS);
    /* a weight out of range is the policy's bug, caught before the provider */
    a.weight = 256;
    sc_plan_clear(&plan);
    sc_plan_push(&plan, &a);
    cr_assert_neq(sc_orch_submit(o, &plan, T, &err), SC_OK);
    sc_plan_cleanup(&plan);
    sc_orch_free(o);
    fx_close(&fx);
}

/* The fixture's text with one substring replaced, parsed as if it were the fixture. */
static sc_status parse_with(const char *from, const char *to, sc_scenario **out, sc_error *err)
{
    return tu_parse_edited(FIX, from, to, out, err);
}

Test(mockroute, spill_fills_the_nearest_region_then_the_next)
{
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with("\"mechanism\": \"dns-weighted\", \"weights\": {\"r1\": 255, \"r2\": 0},\n"
                            "                        \"propagation\": \"60s\", \"ttl\": \"60s\", "
                            "\"sticky_frac\": 0.1,\n                        \"sticky\": \"15m\", "
                            "\"change_rate_per_sec\": 5, \"change_burst\": 5,\n",
                            "\"mechanism\": \"spill\", \"max_utilization\": 0.5,\n", &sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    fixture fx;
    fx_open(&fx, sc);
    /* full at max_utilization 0.5: r1 2 x 0.5 = 1 ieq (10 ms away), r2 1 x 0.5 = 0.5 */
    double out[4], ieq[2] = {0.6, 1.0};
    sc_mock_route_shares(fx.m, 0, sc->start, ieq, out);
    cr_assert_float_eq(out[0], 1.0, EPS, "0.6 fits in r1");
    ieq[0] = 1.2;
    sc_mock_route_shares(fx.m, 0, sc->start, ieq, out);
    cr_assert_float_eq(out[0], 1.0 / 1.2, EPS);
    cr_assert_float_eq(out[1], 0.2 / 1.2, EPS);
    ieq[0] = 3.0; /* 1 + 0.5 fill both; 1.5 left, spread 2:1 by capacity */
    sc_mock_route_shares(fx.m, 0, sc->start, ieq, out);
    cr_assert_float_eq(out[0], (1.0 + 1.0) / 3.0, EPS);
    cr_assert_float_eq(out[1], (0.5 + 0.5) / 3.0, EPS);
    /* capacity scaler of r1 to 0 through set_weight: all to r2 */
    sc_action a = {.kind = SC_ACTION_SET_WEIGHT, .app = 0, .region = 0, .geo = 0, .weight = 0};
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(fx.prov, &a, sc->start, &res, &err), SC_OK, "%s", err.msg);
    ieq[0] = 0.3;
    sc_mock_route_shares(fx.m, 0, sc->start, ieq, out);
    cr_assert_float_eq(out[1], 1.0, EPS);
    /* geography h is routed home whatever happens */
    cr_assert_float_eq(out[2 + 1], 1.0, EPS);
    fx_close(&fx);
}

/* ---- bad input ------------------------------------------------------------------- */

static void bad(const char *from, const char *to, const char *where, const char *what)
{
    sc_scenario *sc = NULL;
    sc_error err;
    sc_status st = parse_with(from, to, &sc, &err);
    cr_assert_eq(st, SC_ERR_INPUT, "'%s' accepted", to);
    cr_assert_null(sc);
    cr_assert(strstr(err.where, where), "where '%s' lacks '%s'", err.where, where);
    cr_assert(strstr(err.msg, what), "message '%s' lacks '%s'", err.msg, what);
}

Test(route_input, bad_routing_is_an_error_with_its_path)
{
    bad("{\"r1\": 255, \"r2\": 0}", "{\"r1\": 0, \"r2\": 0}", "$.geos[0].routing.weights",
        "positive total");
    bad("{\"r1\": 255, \"r2\": 0}", "{\"r1\": 255, \"r9\": 0}", "$.geos[0].routing.weights",
        "unknown region 'r9'");
    bad("{\"r1\": 255, \"r2\": 0}", "{\"r1\": 256}", "$.geos[0].routing.weights.r1", "[0, 255]");
    bad("\"ttl\": \"60s\"", "\"ttl\": \"-5s\"", "$.geos[0].routing.ttl", "");
    bad("\"dns-weighted\"", "\"bgp\"", "$.geos[0].routing.mechanism", "unknown mechanism");
    bad("\"sticky\": \"15m\"", "\"sticky\": \"30s\"", "$.geos[0].routing.sticky", "ttl");
    bad("\"sticky_frac\": 0.1", "\"sticky_frac\": 1.5", "$.geos[0].routing.sticky_frac", "");
    bad("\"ttl\": \"60s\"", "\"connection\": \"60s\"", "$.geos[0].routing", "connection");
    bad("\"g\": {\"r1\": 10, \"r2\": 80}", "\"g\": {\"r1\": 10}", "$.latency_ms.g.r2",
        "missing");
}

Test(route_input, cli_exits_2_and_writes_nothing)
{
    char dir[] = "/tmp/sc_route_XXXXXX";
    cr_assert(mkdtemp(dir));
    char path[256], out[300], cmd[1024];
    snprintf(path, sizeof path, "%s/bad.json", dir);
    snprintf(out, sizeof out, "%s/out.h5", dir);
    FILE *f = fopen(FIX, "rb");
    static char text[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *at = strstr(text, "\"ttl\": \"60s\"");
    cr_assert(at);
    memcpy(at, "\"ttl\": \"-1s\"", 12);
    /* the scenario fails before its (relative) traces are read */
    f = fopen(path, "wb");
    fwrite(text, 1, n, f);
    fclose(f);
    snprintf(cmd, sizeof cmd, "%s run %s -o %s > %s/stdout 2> %s/stderr", SC_SCULPT_BIN,
             path, out, dir, dir);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc));
    cr_assert_eq(WEXITSTATUS(rc), 2);
    snprintf(cmd, sizeof cmd, "grep -q 'geos\\[0\\].routing' %s/stderr", dir);
    cr_assert_eq(system(cmd), 0, "stderr names the JSON path");
    cr_assert_neq(access(out, F_OK), 0, "nothing written");
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    cr_assert_eq(system(cmd), 0);
}

/* ---- the whole simulator --------------------------------------------------------- */

static sc_run *run_static(sc_scenario *sc)
{
    sc_world *w;
    sc_error err;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_run *r;
    cr_assert_eq(sc_run_policy(w, &sc->policies[0], 1, &r, &err), SC_OK, "%s", err.msg);
    sc_world_free(w);
    return r;
}

Test(route_sim, weighted_all_home_equals_home_routing)
{
    sc_sim_register();
    /* without health checks, dns weights (r1: 255, r2: 0) are home routing */
    sc_scenario *a, *b;
    sc_error err;
    cr_assert_eq(parse_with("\"threshold\": 3", "\"threshold\": 0", &a, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(parse_with("\"routing\"", "\"_routing\"", &b, &err), SC_OK, "%s", err.msg);
    cr_assert(a->routed && !b->routed);
    sc_run *ra = run_static(a), *rb = run_static(b);
    cr_assert_float_eq(ra->sum.cost_usd, rb->sum.cost_usd, 1e-9 * rb->sum.cost_usd);
    cr_assert_float_eq(ra->sum.slo_attainment, rb->sum.slo_attainment, 1e-12);
    cr_assert_float_eq(ra->sum.unserved_fraction, rb->sum.unserved_fraction, 1e-12);
    cr_assert_float_eq(ra->sum.violation_minutes, rb->sum.violation_minutes, 1e-9);
    for (size_t i = 0; i < ra->n_ar * (size_t)ra->n_steps; i++)
        cr_assert_float_eq(ra->demand[i], rb->demand[i], 1e-3, "demand[%zu]", i);
    sc_run_free(ra);
    sc_run_free(rb);
    sc_scenario_free(a);
    sc_scenario_free(b);
}

/* ---- where users are (item 2) ---------------------------------------------------- */

#define LAT "\"latency_ms\": {\"g\": {\"r1\": 10, \"r2\": 80}, \"h\": {\"r1\": 80, \"r2\": 10}}"

Test(route_input, network_gives_access_plus_rtt)
{
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with(LAT,
                            "\"network\": {\"rtt_csv\": \"rtt.csv\", "
                            "\"access_ms\": {\"g\": 12, \"h\": 7}}",
                            &sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    /* g lives at r1: 12 + 0, 12 + RTT(r1 -> r2) = 83.5; h at r2: 7 + 70.25, 7 + 0 */
    cr_assert_float_eq(sc_scenario_latency(sc, 0, 0), 12.0, EPS);
    cr_assert_float_eq(sc_scenario_latency(sc, 0, 1), 83.5, EPS);
    cr_assert_float_eq(sc_scenario_latency(sc, 1, 0), 77.25, EPS);
    cr_assert_float_eq(sc_scenario_latency(sc, 1, 1), 7.0, EPS);
    sc_scenario_free(sc);
    bad(LAT, "\"network\": {\"rtt_csv\": \"rtt_missing.csv\", \"access_ms\": {\"g\": 1, \"h\": 1}}",
        "$.network.rtt_csv", "no round-trip time from 'r2' (home of geo 'h') to 'r1'");
    bad(LAT, "\"network\": {\"rtt_csv\": \"rtt.csv\", \"access_ms\": {\"g\": 1}}",
        "$.network.access_ms.h", "missing");
    bad(LAT, "\"network\": {\"rtt_csv\": \"rtt.csv\", \"access_ms\": {\"g\": 1, \"h\": -1}}",
        "$.network.access_ms.h", "");
    bad("\"instance_types\"",
        "\"network\": {\"rtt_csv\": \"rtt.csv\", \"access_ms\": {\"g\": 1, \"h\": 1}}, "
        "\"instance_types\"",
        "$.network", "not both");
}

/* ---- the routing controller (item 4) --------------------------------------------- */

static sc_pool_state pools4[2 * 3]; /* app 0 x 2 regions x 3 options */

static void serving(int r1, int r2)
{
    memset(pools4, 0, sizeof pools4);
    pools4[0 * 3].ready = r1;
    pools4[1 * 3].ready = r2;
}

Test(routing, cheapest_within_the_latency_bound)
{
    sc_scenario *sc;
    sc_error err;
    /* r2 at 0.30 USD/h; bound 150 ms: at the setpoint 20 / (1 - 0.5) = 40 ms, g reaches
     * r1 in 40 + 10 and r2 in 40 + 80 = 120 <= 150.  Cost per unit-hour: 0.005 instances
     * per req/s at 100 %, / 0.5: r1 0.36 * 0.01 = 0.0036, r2 0.30 * 0.01 = 0.0030 */
    FILE *f = fopen(FIX, "rb");
    static char text[16384], t2[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    const char *pa = "\"t2\": {\"on_demand\": 0.36, \"spot\": 0.12}", *pb = "\"latency_ms\": 100";
    char *a = strstr(text, pa);
    char *b = strstr(text, pb);
    cr_assert(a && b && a < b);
    snprintf(t2, sizeof t2, "%.*s\"t2\": {\"on_demand\": 0.30, \"spot\": 0.12}%.*s\"latency_ms\": 150%s",
             (int)(a - text), text, (int)(b - (a + strlen(pa))), a + strlen(pa), b + strlen(pb));
    cr_assert_eq(sc_scenario_parse(t2, FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_float_eq(sc->apps[0].slo.latency_ms, 150.0, EPS);
    sc_routing *rt;
    cr_assert_eq(sc_routing_alloc(sc, SC_ROUTING_CHEAPEST, 3600000, &rt, &err), SC_OK);
    sc_plan plan;
    sc_plan_init(&plan);
    serving(2, 1);
    cr_assert_eq(sc_routing_decide(rt, sc->start, pools4, &plan, &err), SC_OK);
    cr_assert_eq(plan.n, 2, "raise r2, then lower r1");
    cr_assert_eq(plan.actions[0].kind, SC_ACTION_SET_WEIGHT);
    cr_assert_eq(plan.actions[0].region, 1);
    cr_assert_eq(plan.actions[0].weight, 255);
    cr_assert_eq(plan.actions[0].geo, 0);
    cr_assert_eq(plan.actions[1].region, 0);
    cr_assert_eq(plan.actions[1].weight, 0);
    sc_plan_clear(&plan);
    cr_assert_eq(sc_routing_decide(rt, sc->start + 7200000, pools4, &plan, &err), SC_OK);
    cr_assert_eq(plan.n, 0, "steady: nothing to change");
    sc_routing_free(rt);
    /* with the real bound (100 ms) r2 is out of reach: nothing moves */
    sc_scenario *sc100;
    cr_assert_eq(parse_with("\"t2\": {\"on_demand\": 0.36, \"spot\": 0.12}",
                            "\"t2\": {\"on_demand\": 0.30, \"spot\": 0.12}", &sc100, &err), SC_OK);
    cr_assert_eq(sc_routing_alloc(sc100, SC_ROUTING_CHEAPEST, 3600000, &rt, &err), SC_OK);
    cr_assert_eq(sc_routing_decide(rt, sc100->start, pools4, &plan, &err), SC_OK);
    cr_assert_eq(plan.n, 0);
    sc_routing_free(rt);
    sc_plan_cleanup(&plan);
    sc_scenario_free(sc);
    sc_scenario_free(sc100);
}

Test(routing, latency_takes_the_nearest_healthy_region)
{
    sc_scenario *sc = load();
    sc_error err;
    sc_routing *rt;
    cr_assert_eq(sc_routing_alloc(sc, SC_ROUTING_LATENCY, 0, &rt, &err), SC_OK);
    sc_plan plan;
    sc_plan_init(&plan);
    serving(2, 1);
    cr_assert_eq(sc_routing_decide(rt, sc->start, pools4, &plan, &err), SC_OK);
    cr_assert_eq(plan.n, 0, "r1 (10 ms) already has it all");
    serving(0, 1);
    cr_assert_eq(sc_routing_decide(rt, sc->start + 1000, pools4, &plan, &err), SC_OK);
    cr_assert_eq(plan.n, 2);
    cr_assert_eq(plan.actions[0].region, 1);
    cr_assert_eq(plan.actions[0].weight, 255);
    cr_assert_eq(plan.actions[1].weight, 0);
    sc_routing_free(rt);
    /* failover: home 255, standby 0 = the fixture's weights: nothing to do */
    sc_plan_clear(&plan);
    cr_assert_eq(sc_routing_alloc(sc, SC_ROUTING_FAILOVER, 0, &rt, &err), SC_OK);
    cr_assert_eq(sc_routing_decide(rt, sc->start, pools4, &plan, &err), SC_OK);
    cr_assert_eq(plan.n, 0);
    sc_routing_free(rt);
    sc_plan_cleanup(&plan);
    sc_scenario_free(sc);
}

Test(routing, params_are_checked)
{
    sc_scenario *sc = load();
    sc_error err;
    sc_routing_mode m;
    int64_t per;
    cr_assert_eq(sc_routing_from_params(sc, "{\"routing\": \"cheapest\", \"routing_period\": "
                                            "\"30m\", \"sync\": \"15s\"}",
                                        "here", &m, &per, &err),
                 SC_OK, "%s", err.msg);
    cr_assert_eq(m, SC_ROUTING_CHEAPEST);
    cr_assert_eq(per, 1800000);
    cr_assert_eq(sc_routing_from_params(sc, "{\"routing\": \"fastest\"}", "here", &m, &per, &err),
                 SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "unknown routing 'fastest'"), "%s", err.msg);
    cr_assert_str_eq(err.where, "here");
    sc_scenario *home;
    cr_assert_eq(parse_with("\"routing\"", "\"_routing\"", &home, &err), SC_OK);
    cr_assert_eq(sc_routing_from_params(home, "{\"routing\": \"latency\"}", "here", &m, &per,
                                        &err),
                 SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "needs a geography with a routing mechanism"), "%s", err.msg);
    cr_assert_eq(sc_routing_from_params(home, "{\"routing\": \"home\"}", "here", &m, &per, &err),
                 SC_OK);
    sc_scenario_free(home);
    sc_scenario_free(sc);
}

Test(route_sim, reactive_with_failover_survives_and_static_with_latency_runs)
{
    sc_sim_register();
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with("\"policies\": [{\"name\": \"static\"}]",
                            "\"policies\": [{\"name\": \"reactive\", \"params\": {\"routing\": "
                            "\"failover\"}}, {\"name\": \"static\", \"params\": {\"routing\": "
                            "\"latency\"}}]",
                            &sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    sc_world *w;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    for (size_t i = 0; i < 2; i++) {
        sc_run *r;
        cr_assert_eq(sc_run_policy(w, &sc->policies[i], 1, &r, &err), SC_OK, "%s", err.msg);
        cr_assert(r->sum.slo_attainment > 0.5, "%s: %g", sc->policies[i].label,
                  r->sum.slo_attainment);
        sc_run_free(r);
    }
    sc_world_free(w);
    sc_scenario_free(sc);
}

/* ---- outages (item 3) ------------------------------------------------------------ */

#define R1 "\"api_rate_per_sec\": 1,"

Test(mockroute, outage_fails_over_after_detection)
{
    sc_scenario *sc;
    sc_error err;
    /* r1 down from 00:10 for 2 h (the run starts at 00:00) */
    cr_assert_eq(parse_with(R1, R1 " \"outages\": [{\"start\": \"2026-01-05T00:10:00Z\", "
                                   "\"duration\": \"2h\"}],",
                            &sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_assert(sc->has_outages);
    fixture fx;
    fx_open(&fx, sc);
    sc_time_ms T = sc->start + 600 * S_;
    cr_assert_float_eq(share_at(&fx, T, 0), 1.0, EPS);
    cr_assert_eq(sc_mock_outages_active(fx.m), 1);
    cr_assert_float_eq(sc_mock_avail(fx.m)[0], 0.0, EPS);
    /* a launch into a region that is down is refused */
    sc_action a = {.kind = SC_ACTION_PROVISION, .app = 0, .region = 0, .type = 0,
                   .option = SC_PURCHASE_ONDEMAND, .count = 1, .to_region = -1, .to_type = -1};
    sc_action_result res;
    cr_assert_eq(sc_provider_apply(fx.prov, &a, T + 1000, &res, &err), SC_OK);
    cr_assert_eq(res.accepted, 0);
    cr_assert_eq(res.limited, 1);
    /* detection 30 s x 3 after the start, then the TTL/sticky ramp to the standby */
    cr_assert_float_eq(share_at(&fx, T + 90 * S_ - 1, 1), 0.0, EPS);
    cr_assert_float_eq(share_at(&fx, T + 120 * S_, 1), 0.9 * 0.5 + 0.1 * 30.0 / 900.0, EPS);
    /* back at 02:10, healthy to the checker 90 s later */
    sc_time_ms E = T + 7200 * S_;
    cr_assert_float_eq(share_at(&fx, E, 1), 1.0, EPS);
    cr_assert_eq(sc_mock_outages_active(fx.m), 0);
    cr_assert_float_eq(share_at(&fx, E + 90 * S_ - 1, 1), 1.0, EPS);
    cr_assert_float_eq(share_at(&fx, E + 150 * S_, 0), 0.9 + 0.1 * 60.0 / 900.0, EPS);
    fx_close(&fx);
}

Test(route_input, outage_windows_are_checked)
{
    bad(R1, R1 " \"outages\": [{\"start\": \"2026-01-05T02:30:00Z\", \"duration\": \"1h\"}],",
        "$.regions[0].outages[0].start", "inside the run");
    bad(R1, R1 " \"outages\": [{\"start\": \"2026-01-04T23:00:00Z\", \"duration\": \"2h\"}],",
        "$.regions[0].outages[0].start", "inside the run");
    bad(R1, R1 " \"outages\": [{\"start\": \"2026-01-05T00:30:00Z\", \"duration\": \"1h\", "
               "\"lost\": 0}],",
        "$.regions[0].outages[0].lost", "");
    bad(R1, R1 " \"outages\": [{\"start\": \"2026-01-05T00:30:00Z\", \"duration\": \"1h\"}, "
               "{\"start\": \"2026-01-05T01:00:00Z\", \"duration\": \"1h\"}],",
        "$.regions[0].outages[1].start", "overlap");
}

Test(route_sim, outage_violation_minutes_count_inside_windows)
{
    sc_sim_register();
    /* home routing (no mechanism), r1 (home of g) down 01:00-02:00 (measured period):
     * g's 400 req/s have no capacity for the whole hour: 60 violation minutes, all
     * inside the window; h (at r2) is not affected */
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with("\"routing\"", "\"_routing\"", &sc, &err), SC_OK);
    sc_scenario_free(sc);
    FILE *f = fopen(FIX, "rb");
    static char text[16384], t2[16384], t3[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *a = strstr(text, "\"routing\"");
    snprintf(t2, sizeof t2, "%.*s\"_routing\"%s", (int)(a - text), text, a + 9);
    char *b = strstr(t2, R1);
    snprintf(t3, sizeof t3, "%.*s%s \"outages\": [{\"start\": \"2026-01-05T01:00:00Z\", "
                            "\"duration\": \"1h\"}],%s",
             (int)(b - t2), t2, R1, b + strlen(R1));
    cr_assert_eq(sc_scenario_parse(t3, FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_run *r = run_static(sc);
    cr_assert_float_eq(r->sum.outage_violation_minutes, 60.0, 1e-9, "%.12g",
                       r->sum.outage_violation_minutes);
    cr_assert_float_eq(r->sum.violation_minutes, 60.0, 1e-9, "%.12g", r->sum.violation_minutes);
    sc_run_free(r);
    sc_scenario_free(sc);
}

Test(mroute, anycast_moves_new_connections_open_ones_stay)
{
    /* anycast: published 5 s after the call; connections last 60 s and stay: the share
     * is the 60 s moving average of P with no sticky part */
    int w[2] = {255, -1};
    sc_geo_routing cfg = {.mech = SC_ROUTE_ANYCAST, .weights = w, .delay_ms = 5 * S_,
                          .hold_ms = 60 * S_, .sticky_frac = 0.5 /* ignored */,
                          .sticky_ms = 900 * S_, .change_rate_per_sec = 0};
    sc_mroute rt;
    cr_assert_eq(sc_mroute_init(&rt, &cfg, 2, 0, NULL), SC_OK);
    sc_time_ms pub;
    cr_assert_eq(sc_mroute_set_weight(&rt, 1, 255, 100 * S_, &pub), 1);
    cr_assert_eq(pub, 105 * S_);
    sc_mroute_publish(&rt, pub);
    double s[2];
    sc_mroute_share(&rt, 120 * S_, s); /* 15 s of 60 at P2 = 0.5 */
    cr_assert_float_eq(s[1], 0.5 * 15.0 / 60.0, EPS);
    sc_mroute_share(&rt, 165 * S_, s);
    cr_assert_float_eq(s[1], 0.5, EPS);
    /* a region without a record (-1) gets nothing even when every record is unhealthy */
    double p[2];
    sc_mroute_set_health(&rt, 0, 0, 200 * S_);
    sc_mroute_set_health(&rt, 1, 0, 200 * S_);
    sc_mroute_published(&rt, 200 * S_, p);
    cr_assert_float_eq(p[0], 0.5, EPS, "fail open by weight");
    sc_mroute_cleanup(&rt);
    int w3[3] = {255, -1, 0};
    cfg.weights = w3;
    cr_assert_eq(sc_mroute_init(&rt, &cfg, 3, 0, NULL), SC_OK);
    sc_mroute_set_health(&rt, 0, 0, 10 * S_);
    double q[3];
    sc_mroute_published(&rt, 10 * S_, q);
    cr_assert_float_eq(q[1], 0.0, EPS, "no record, no answer");
    cr_assert_float_eq(q[2], 1.0, EPS, "the zero-weight record stands by");
    sc_mroute_cleanup(&rt);
}
