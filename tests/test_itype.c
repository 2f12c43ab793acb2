/*
 * test_itype.c - instance-type choice per pool (core/sculpt/itype.c): instance-
 * equivalents by binding resource, the per-region choice with lp and ga, the switch
 * rule (hysteresis, switch cost, staying on the type a pool runs), and bad input.
 *
 * The hand-computed case.  Three types: c (4 vCPU, 7.5 GiB, 0.20 USD/h), m (2 vCPU,
 * 8 GiB, 0.10), r (2 vCPU, 16 GiB, 0.126).  The app needs 0.01 vCPU and 0.075 GiB per
 * req/s and runs on c: per req/s it takes max(0.01/4, 0.075/7.5) = 0.01 c-instances
 * (memory binds), max(0.01/2, 0.075/8) = 0.009375 m-instances (memory binds) and
 * max(0.01/2, 0.075/16) = 0.005 r-instances (CPU binds on r).  So one m is worth
 * 0.01 / 0.009375 = 16/15 c-equivalents and one r is worth 2.
 *
 * Region r1 offers c, m, r; region r2 offers c and m.  One geography per region (home
 * routing), one hour, one quantile (the median: weight 1), 40 c-ieq of demand each
 * (4000 req/s), serving utilisation 0.8, penalty 10 USD per c-ieq-hour (high enough to
 * serve everything: the cheapest c-ieq-hour costs 0.126 / 2 / 0.8 = 0.079):
 *   c: 40 / 0.8 = 50 instances, 10.00 USD;
 *   m: 40 / (16/15) = 37.5 m-ieq, / 0.8 = 46.875 -> 47 instances, 4.70 USD (46 would
 *      leave 37.5 - 36.8 = 0.7 m-ieq short at 10 x 16/15 per m-ieq-hour: 7.47 USD);
 *   r: 40 / 2 = 20 r-ieq, / 0.8 = 25 instances, 3.15 USD.
 * Expected: r1 runs 25 r (3.15 USD), r2 runs 47 m (4.70 USD).
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <criterion/criterion.h>

#include <unistd.h>

#include "sculpt/optimizer.h"
#include "sculpt/policy.h"
#include "sim.h"

#include "oneregion.h"

#define CSV_PATH SC_BINARY_DIR "/test_itype_flat.csv"
#define SIM_CSV SC_BINARY_DIR "/test_itype_sim.csv"
#define HOUR SC_MS_PER_HOUR

static sc_scenario *load(const char *r2_m_price, const char *extra_type)
{
    oneregion_csv(CSV_PATH, 6 * 60, 60, 4000);
    char text[8192];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 1, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"1h\", \"duration\": \"2h\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g1\", \"home_region\": \"r1\"},"
             "            {\"name\": \"g2\", \"home_region\": \"r2\"}],"
             " \"regions\": ["
             "  {\"name\": \"r1\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0, \"reserved_term\": \"365d\","
             "   \"types\": {\"c\": {\"on_demand\": 0.2}, \"m\": {\"on_demand\": 0.1},"
             "             \"r\": {\"on_demand\": 0.126}}},"
             "  {\"name\": \"r2\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0, \"reserved_term\": \"365d\","
             "   \"types\": {\"c\": {\"on_demand\": 0.2}, \"m\": {\"on_demand\": %s}%s}}],"
             " \"instance_types\": [{\"name\": \"c\", \"vcpu\": 4, \"mem_gib\": 7.5, \"io_mbps\": 100},"
             "   {\"name\": \"m\", \"vcpu\": 2, \"mem_gib\": 8, \"io_mbps\": 100},"
             "   {\"name\": \"r\", \"vcpu\": 2, \"mem_gib\": 16, \"io_mbps\": 100}],"
             " \"latency_ms\": {\"g1\": {\"r1\": 10, \"r2\": 80}, \"g2\": {\"r1\": 80, \"r2\": 10}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"c\","
             "   \"needs\": {\"cpu\": 0.01, \"mem\": 0.075}, \"target_util\": 0.8, \"min_instances\": 1,"
             "   \"max_instances\": 1000, \"warmup\": \"30s\","
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
             "   \"slo\": {\"latency_ms\": 200, \"max_unserved_frac\": 0.001,"
             "            \"penalty_per_unit_hour\": 0.1},"
             "   \"demand\": [{\"geo\": \"g1\", \"trace\": \"tg\"}, {\"geo\": \"g2\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r1\", \"count\": 50}, {\"region\": \"r2\", \"count\": 50}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"static\"}]}",
             r2_m_price, extra_type, CSV_PATH);
    sc_scenario *sc = NULL;
    sc_error err;
    sc_status st = sc_scenario_parse(text, SC_BINARY_DIR "/test_itype.json", &sc, &err);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    return sc;
}

/* The home problem of the file comment: 2 regions = 2 geos, K = 1, Q = 1. */
static sc_opt_problem_buf *home_problem(const sc_scenario *sc)
{
    sc_opt_problem_buf *b = NULL;
    sc_error err;
    cr_assert_eq(sc_opt_problem_alloc(2, 2, 1, 1, &b, &err), SC_OK);
    b->qlevel[0] = 0.5;
    b->p.step_ms = SC_MS_PER_HOUR;
    b->p.serve_util = 0.8;
    b->p.penalty_per_ieq_hour = 10.0; /* 0.1 USD per req/s-hour x 100 req/s per c-ieq */
    b->p.spot_max_share = 0.0;
    for (int r = 0; r < 2; r++) {
        b->price[r * 3 + SC_PURCHASE_ONDEMAND] = sc->regions[r].types[0].price_per_hour[0];
        b->price[r * 3 + SC_PURCHASE_RESERVED] = NAN;
        b->price[r * 3 + SC_PURCHASE_SPOT] = NAN;
        b->cap_limit[r] = -1.0;
        for (int g = 0; g < 2; g++)
            b->route_ok[g * 2 + r] = g == r;
        b->demand[r] = 40.0;
    }
    return b;
}

static sc_optimizer *mkopt(const char *name)
{
    sc_optimizer *opt = NULL;
    sc_error err;
    cr_assert_eq(sc_optimizer_alloc(name, NULL, &opt, &err), SC_OK);
    return opt;
}

Test(itype, ieq_per_instance_by_binding_resource)
{
    sc_scenario *sc = load("0.1", "");
    cr_assert_float_eq(sc_itype_ieq_per_inst(sc, 0, 0, NULL), 1.0, 1e-12);
    cr_assert_float_eq(sc_itype_ieq_per_inst(sc, 0, 1, NULL), 16.0 / 15.0, 1e-12);
    cr_assert_float_eq(sc_itype_ieq_per_inst(sc, 0, 2, NULL), 2.0, 1e-12);
    /* a CPU-bound shape (1 vCPU, 1 GiB): c carries 4 per instance, m and r 2 */
    double cpu[3] = {1.0, 1.0, 0.0};
    cr_assert_float_eq(sc_itype_ieq_per_inst(sc, 0, 1, cpu), 0.5, 1e-12);
    cr_assert_float_eq(sc_itype_ieq_per_inst(sc, 0, 2, cpu), 0.5, 1e-12);
    /* a type without a resource the shape needs serves nothing; no shape: unknown */
    double io[3] = {0.0, 0.0, 5.0};
    cr_assert_float_eq(sc_itype_ieq_per_inst(sc, 0, 1, io), 1.0, 1e-12);
    double none[3] = {0.0, 0.0, 0.0};
    cr_assert(isnan(sc_itype_ieq_per_inst(sc, 0, 1, none)));
    sc_scenario_free(sc);
}

static void hand_case(const char *optname)
{
    sc_scenario *sc = load("0.1", "");
    sc_opt_problem_buf *b = home_problem(sc);
    sc_optimizer *opt = mkopt(optname);
    sc_itype_ws *w = NULL;
    sc_error err;
    cr_assert_eq(sc_itype_ws_alloc(sc, 2, 2, 1, 1, &w, &err), SC_OK);
    sc_itype_choice ch[2];
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, NULL, ch, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(ch[0].type, 2, "%s: r1 should run r, got %d", optname, ch[0].type);
    cr_assert_eq(ch[1].type, 1, "%s: r2 should run m, got %d", optname, ch[1].type);
    cr_assert(ch[0].separable && ch[1].separable);
    const sc_opt_problem *pr = sc_itype_problem(w, 2), *pm = sc_itype_problem(w, 1);
    const sc_opt_solution *sr = sc_itype_solution(w, 2), *sm = sc_itype_solution(w, 1);
    cr_assert(pr && pm && sr && sm);
    cr_assert_eq(sr->x[SC_OPT_X(pr, 0, SC_PURCHASE_ONDEMAND, 0)], 25);
    cr_assert_eq(sm->x[SC_OPT_X(pm, 1, SC_PURCHASE_ONDEMAND, 0)], 47);
    cr_assert_float_eq(ch[0].cost_usd, 3.15, 1e-9);
    cr_assert_float_eq(ch[1].cost_usd, 4.70, 1e-9);
    cr_assert_float_eq(ch[0].cost_cur_usd, 10.0, 1e-9);
    cr_assert_float_eq(ch[1].cost_cur_usd, 10.0, 1e-9);
    cr_assert_float_eq(ch[0].ieq_per_inst, 2.0, 1e-12);
    /* type r is not offered in r2: no instance of it planned there */
    cr_assert_eq(sr->x[SC_OPT_X(pr, 1, SC_PURCHASE_ONDEMAND, 0)], 0);
    sc_itype_ws_free(w);
    sc_optimizer_free(opt);
    sc_opt_problem_free(b);
    sc_scenario_free(sc);
}

Test(itype, hand_case_lp) { hand_case("lp"); }
Test(itype, hand_case_ga) { hand_case("ga"); }

/* The switch rule.  r2 only (r1 as above). */
Test(itype, switch_rule)
{
    sc_error err;
    sc_itype_choice ch[2];
    sc_itype_opts o;
    /* m at 0.199 in r2: 47 x 0.199 = 9.353 < 0.98 x 10 = 9.8: switch.  At 0.2085:
     * 9.7995, just under; at 0.2090: 9.823 > 9.8: a saving of 1.8 % < 2 %: stay on c. */
    const char *prices[3] = {"0.199", "0.2085", "0.2090"};
    const int expect[3] = {1, 1, 0};
    for (int i = 0; i < 3; i++) {
        sc_scenario *sc = load(prices[i], "");
        sc_opt_problem_buf *b = home_problem(sc);
        sc_optimizer *opt = mkopt("lp");
        sc_itype_ws *w = NULL;
        cr_assert_eq(sc_itype_ws_alloc(sc, 2, 2, 1, 1, &w, &err), SC_OK);
        cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, NULL, ch, &err), SC_OK);
        cr_assert_eq(ch[1].type, expect[i], "price %s: type %d", prices[i], ch[1].type);
        sc_itype_ws_free(w);
        sc_optimizer_free(opt);
        sc_opt_problem_free(b);
        sc_scenario_free(sc);
    }
    /* switch cost: with a lead of 1 h the 47 new m in r2 are billed 1 h while the c
     * still serve: 4.70 + 4.70 = 9.40 < 9.8, switch (switch_usd 4.70); with 2 h:
     * 4.70 + 9.40 = 14.10 > 9.8, stay.  r1: 25 r x 0.126 x 1 h = 3.15 + 3.15 = 6.30. */
    sc_scenario *sc = load("0.1", "");
    sc_opt_problem_buf *b = home_problem(sc);
    sc_optimizer *opt = mkopt("lp");
    sc_itype_ws *w = NULL;
    cr_assert_eq(sc_itype_ws_alloc(sc, 2, 2, 1, 1, &w, &err), SC_OK);
    sc_itype_opts_init(&o);
    int64_t lead[2] = {3600000, 3600000};
    o.lead_ms = lead;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_OK);
    cr_assert_eq(ch[1].type, 1);
    cr_assert_float_eq(ch[1].switch_usd, 4.70, 1e-9);
    cr_assert_float_eq(ch[1].cost_usd, 9.40, 1e-9);
    cr_assert_float_eq(ch[0].cost_usd, 6.30, 1e-9);
    lead[1] = 7200000;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_OK);
    cr_assert_eq(ch[1].type, 0);
    cr_assert_float_eq(ch[1].switch_usd, 0.0, 1e-12);
    /* a pool already on m stays there (no switch back, no switch cost): r2 runs m
     * with current 47 m = 47 x 16/15 = 50.13 c-ieq held, given as 50 c-instances */
    int cur[2] = {2, 1};
    o.cur_type = cur;
    b->current[0 * 3 + SC_PURCHASE_ONDEMAND] = 50;
    b->current[1 * 3 + SC_PURCHASE_ONDEMAND] = 50;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_OK);
    cr_assert_eq(ch[0].type, 2);
    cr_assert_eq(ch[1].type, 1);
    cr_assert_float_eq(ch[1].switch_usd, 0.0, 1e-12);
    cr_assert_float_eq(ch[1].cost_usd, 4.70, 1e-9);
    /* candidates: only the app's own type allowed: everyone goes back to c only when
     * it is cheaper than staying; r (3.15 USD) and m (4.70) stay */
    unsigned char only_c[3] = {1, 0, 0};
    o.candidates = only_c;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_OK);
    cr_assert_eq(ch[0].type, 2);
    cr_assert_eq(ch[1].type, 1);
    /* fresh pools on c with only c allowed: nothing changes */
    o.cur_type = NULL;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_OK);
    cr_assert_eq(ch[0].type, 0);
    cr_assert_eq(ch[1].type, 0);
    /* a region holding reserved c instances keeps c (a commitment of one type) */
    o.candidates = NULL;
    b->current[1 * 3 + SC_PURCHASE_RESERVED] = 3;
    b->price[1 * 3 + SC_PURCHASE_RESERVED] = 0.12;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_OK);
    cr_assert_eq(ch[0].type, 2);
    cr_assert_eq(ch[1].type, 0);
    /* bad arguments */
    int bad[2] = {0, 7};
    o.cur_type = bad;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "cur_type[1]") != NULL, "%s", err.msg);
    o.cur_type = NULL;
    o.min_saving = 1.5;
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, &o, ch, &err), SC_ERR_INPUT);
    sc_itype_ws_free(w);
    sc_optimizer_free(opt);
    sc_opt_problem_free(b);
    sc_scenario_free(sc);
}

/* Routing that couples the regions (g1 may also use r2): one type for both. */
Test(itype, coupled_regions_one_type)
{
    sc_scenario *sc = load("0.1", "");
    sc_opt_problem_buf *b = home_problem(sc);
    b->route_ok[0 * 2 + 1] = 1;
    sc_optimizer *opt = mkopt("lp");
    sc_itype_ws *w = NULL;
    sc_error err;
    cr_assert_eq(sc_itype_ws_alloc(sc, 2, 2, 1, 1, &w, &err), SC_OK);
    sc_itype_choice ch[2];
    cr_assert_eq(sc_itype_choose(w, opt, sc, 0, &b->p, NULL, ch, &err), SC_OK);
    cr_assert_eq(ch[0].separable, 0);
    /* all c: 100 x 0.2 = 20 USD.  All m: 75 m-ieq / 0.8 = 93.75 -> 94 instances,
     * 9.40 USD (r2 needs 47 for g2 alone).  All r: r is not offered in r2, the only
     * region g2 may use, so g2's 20 r-ieq go unserved at 10 x 2 per r-ieq-hour (400
     * USD) besides 25 r for g1 (3.15 USD).  m wins: 9.40 < 0.98 x 20. */
    cr_assert_eq(ch[0].type, 1);
    cr_assert_eq(ch[1].type, 1);
    sc_itype_ws_free(w);
    sc_optimizer_free(opt);
    sc_opt_problem_free(b);
    sc_scenario_free(sc);
}

/* Bad input: a region pricing a type the scenario does not define. */
Test(itype, unknown_type_in_region)
{
    sc_scenario *sc = NULL;
    sc_error err;
    const char *bad =
        "{\"name\": \"t\", \"seed\": 1, \"start\": \"2026-01-05T00:00:00Z\","
        " \"warmup\": \"1h\", \"duration\": \"2h\", \"step\": \"5m\","
        " \"geos\": [{\"name\": \"g1\", \"home_region\": \"r1\"}],"
        " \"regions\": [{\"name\": \"r1\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
        "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0, \"reserved_term\": \"365d\","
        "   \"types\": {\"c\": {\"on_demand\": 0.2}, \"x9\": {\"on_demand\": 0.1}}}],"
        " \"instance_types\": [{\"name\": \"c\", \"vcpu\": 4, \"mem_gib\": 7.5, \"io_mbps\": 100}],"
        " \"latency_ms\": {\"g1\": {\"r1\": 10}}, \"apps\": [], \"traces\": [],"
        " \"policies\": [{\"name\": \"static\"}]}";
    cr_assert_eq(sc_scenario_parse(bad, "bad.json", &sc, &err), SC_ERR_INPUT);
    cr_assert_null(sc);
    cr_assert(strstr(err.where, "$.regions[0].types") != NULL, "%s", err.where);
    cr_assert(strstr(err.msg, "x9") != NULL, "%s", err.msg);
}

/*
 * In the simulator, through the sculpt policy ("instance_types": "auto").  One region,
 * types c (4 vCPU, 7.5 GiB, 0.20 USD/h, the app's) and m (2 vCPU, 8 GiB, 0.10), the
 * app of the hand case (memory-bound: one m is worth 16/15 c), a flat 1000 req/s =
 * 10 c-ieq, target utilisation 0.5: 20 c instances (4.00 USD/h, the initial
 * allocation) or 10 / (16/15) / 0.5 = 18.75 -> 19 m instances (1.90 USD/h).  The
 * penalty (0.1 USD per req/s-hour) is far above either price, so the plan covers the
 * demand.  Boot 90 s + warm-up 30 s.
 * Expected: at the first replan the pool switches to m, once: 19 m launched, never a
 * c launched; the 20 c are drained only as the m serve, so capacity never falls below
 * the demand (no gap) and nothing is unserved; the measured day costs 24 x 1.90 = 45.60
 * USD.
 */
static sc_scenario *sim_scenario(const char *params)
{
    oneregion_csv(SIM_CSV, 5 * 24 * 60, 60, 1000);
    char text[8192];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 5, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"3d\", \"duration\": \"1d\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g\", \"home_region\": \"r\"}],"
             " \"regions\": [{\"name\": \"r\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0,"
             "   \"types\": {\"c\": {\"on_demand\": 0.2}, \"m\": {\"on_demand\": 0.1}}}],"
             " \"instance_types\": [{\"name\": \"c\", \"vcpu\": 4, \"mem_gib\": 7.5, \"io_mbps\": 100},"
             "   {\"name\": \"m\", \"vcpu\": 2, \"mem_gib\": 8, \"io_mbps\": 100}],"
             " \"latency_ms\": {\"g\": {\"r\": 10}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"c\","
             "   \"needs\": {\"cpu\": 0.01, \"mem\": 0.075}, \"target_util\": 0.5,"
             "   \"min_instances\": 1, \"max_instances\": 100, \"warmup\": \"30s\","
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
             "   \"slo\": {\"latency_ms\": 1000, \"max_unserved_frac\": 0.001,"
             "            \"penalty_per_unit_hour\": 0.1},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r\", \"count\": 20}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"sculpt\", \"params\": %s}]}",
             SIM_CSV, params);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, SC_BINARY_DIR "/test_itype_sim.json", &sc, &err), SC_OK,
                 "%s: %s", err.where, err.msg);
    return sc;
}

Test(itype, sculpt_swaps_once_without_gap, .timeout = 120)
{
    sc_sim_register();
    char params[1024];
    remove(SC_BINARY_DIR "/test_itype_log.json");
    snprintf(params, sizeof params,
             "{\"instance_types\": \"auto\", \"on_demand_only\": true, \"forecaster\": \"naive\","
               " \"serve_util\": \"target\", \"headroom\": 1,"
             " \"itype_log\": \"%s\"}",
             SC_BINARY_DIR "/test_itype_log.json");
    sc_scenario *sc = sim_scenario(params);
    sc_world *w = NULL;
    sc_error err;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_not_null(w->type_ieq);
    cr_assert_float_eq(w->type_ieq[1 * w->n_steps + 100], 16.0 / 15.0, 1e-6);
    sc_run *r = NULL;
    cr_assert_eq(sc_run_policy(w, &sc->policies[0], 1, &r, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    int m_prov = 0, c_prov = 0, m_held = 0, c_held = 20;
    sc_time_ms first_m = SC_TIME_MAX, last_c_drain = SC_TIME_MIN;
    for (size_t i = 0; i < r->n_log; i++) {
        const sc_action_log *l = &r->log[i];
        int d = l->kind == SC_ACTION_PROVISION ? l->accepted : -l->accepted;
        if (l->type == 1) {
            m_held += d;
            if (d > 0 && m_prov++ == 0)
                first_m = l->t;
            cr_assert(l->reason && strstr(l->reason, "instance type") != NULL);
        } else {
            c_held += d;
            c_prov += d > 0;
            if (d < 0)
                last_c_drain = l->t;
        }
    }
    cr_assert_eq(c_prov, 0, "a c instance was launched after the switch");
    cr_assert_eq(m_prov, 1, "m launched %d times (expected one resize)", m_prov);
    cr_assert_eq(first_m, sc->start, "the switch happens at the first replan");
    cr_assert_eq(m_held, 19);
    cr_assert_eq(c_held, 0);
    /* the c pool is drained only once the m serve: boot 90 s + warm-up 30 s */
    cr_assert_geq(last_c_drain, sc->start + 120000);
    /* no gap: capacity (load units at 100 %) never below the demand, all served */
    for (int64_t k = 0; k < r->n_steps; k++) {
        cr_assert_geq(r->capacity[k], r->demand[k] - 1e-6, "step %lld: capacity %g < demand %g",
                      (long long)k, r->capacity[k], r->demand[k]);
        cr_assert_float_eq(r->served[k], r->demand[k], 1e-6, "step %lld", (long long)k);
    }
    cr_assert_float_eq(r->sum.cost_usd, 24 * 1.90, 1e-6, "cost %.6f", r->sum.cost_usd);
    sc_run_free(r);
    /* the itype log: one switch, c -> m, worth 16/15, over the 24 h horizon 20 c cost
     * 96.00 USD and 19 m 45.60 + 19 x 0.10 x (lead 120 s) = 45.6633 */
    FILE *lf = fopen(SC_BINARY_DIR "/test_itype_log.json", "r");
    cr_assert_not_null(lf);
    char text[4096];
    size_t len = fread(text, 1, sizeof text - 1, lf);
    text[len] = '\0';
    fclose(lf);
    cJSON *log = cJSON_Parse(text);
    cr_assert_not_null(log, "%s", text);
    cr_assert_eq(cJSON_GetArraySize(log), 1, "%s", text);
    cJSON *e = cJSON_GetArrayItem(log, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(e, "from")->valuestring, "c");
    cr_assert_str_eq(cJSON_GetObjectItem(e, "to")->valuestring, "m");
    cr_assert_float_eq(cJSON_GetObjectItem(e, "worth_to")->valuedouble, 16.0 / 15.0, 1e-6);
    cr_assert_float_eq(cJSON_GetObjectItem(e, "cost_from_usd")->valuedouble, 96.0, 1e-6, "%s", text);
    cr_assert_float_eq(cJSON_GetObjectItem(e, "cost_to_usd")->valuedouble,
                       45.6 + 19 * 0.1 * 120.0 / 3600.0, 1e-6, "%s", text);
    cJSON_Delete(log);
    /* "fixed" (the default): the pool stays on c, 20 instances, 24 x 4.00 = 96.00 */
    sc_policy_spec spec = {.params_json = (char *)"{\"on_demand_only\": true, \"forecaster\": \"naive\","
               " \"serve_util\": \"target\", \"headroom\": 1}"};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    cr_assert_eq(sc_run_policy(w, &spec, 1, &r, &err), SC_OK, "%s: %s", err.where, err.msg);
    for (size_t i = 0; i < r->n_log; i++)
        cr_assert_eq(r->log[i].type, 0);
    cr_assert_float_eq(r->sum.cost_usd, 24 * 4.00, 1e-6, "cost %.6f", r->sum.cost_usd);
    sc_run_free(r);
    sc_world_free(w);
    sc_scenario_free(sc);
}

/* Bad parameters: an unknown candidate type, a mode outside fixed/auto, auto without
 * intra-hour control. */
Test(itype, sculpt_bad_params)
{
    sc_sim_register();
    const char *bad[3] = {"{\"instance_types\": \"auto\", \"itype_types\": \"m,x9\"}",
                          "{\"instance_types\": \"sometimes\"}",
                          "{\"instance_types\": \"auto\", \"intra_hour\": false}"};
    const char *what[3] = {"x9", "instance_types", "intra_hour"};
    for (int i = 0; i < 3; i++) {
        sc_scenario *sc = sim_scenario(bad[i]);
        sc_world *w = NULL;
        sc_error err;
        cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK);
        sc_run *r = NULL;
        cr_assert_eq(sc_run_policy(w, &sc->policies[0], 0, &r, &err), SC_ERR_INPUT, "case %d", i);
        cr_assert_null(r);
        cr_assert(strstr(err.msg, what[i]) != NULL || strstr(err.where, what[i]) != NULL,
                  "case %d: %s: %s", i, err.where, err.msg);
        sc_world_free(w);
        sc_scenario_free(sc);
    }
}
