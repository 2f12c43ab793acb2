/*
 * test_oracle_route.c - the oracle's "routing": "plan" bound (core/policy/oracle.c,
 * "Routing"): every geography may be served by any region, so the bound holds for
 * every on-demand policy under any routing.  Expected values by hand (comments) and,
 * on the shipped routing scenarios, the stored figures of tests/golden/.
 *
 * Tiny scenario: one app, one geography g at home in r1 (on-demand 0.10 USD/h), a
 * second region r2 at 0.04 USD/h, 80 ms away (the SLO bound is 100 ms, curve 20 ms /
 * (1 - u)).  The app needs 0.01 vCPU per req/s on a 1-vCPU type: ieq = load / 100;
 * penalty 0.01 USD per req/s-hour = 1 USD per ieq-hour.  1 h warm-up, 2 h measured,
 * 5-minute steps, constant 2.5 ieq written into the world.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/policy.h"
#include "sim.h"

#define CSV_PATH SC_BINARY_DIR "/test_oracle_route_flat.csv"

typedef struct fixture {
    sc_scenario *sc;
    sc_world *w;
} fixture;

/* r2_limit: capacity limit of t1 in r2, -1 for none */
static fixture make(int r2_limit)
{
    FILE *f = fopen(CSV_PATH, "w");
    cr_assert(f != NULL);
    fprintf(f, "timestamp,value\n");
    for (int m = 0; m <= 4 * 60; m++)
        fprintf(f, "2026-01-05 %02d:%02d:00,100\n", m / 60, m % 60);
    fclose(f);
    char lim[64] = "";
    if (r2_limit >= 0)
        snprintf(lim, sizeof lim, ", \"capacity_limit\": %d", r2_limit);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 5, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"1h\", \"duration\": \"2h\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g\", \"home_region\": \"r1\"}],"
             " \"regions\": [{\"name\": \"r1\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0, \"reserved_term\": \"365d\","
             "   \"types\": {\"t1\": {\"on_demand\": 0.1}}},"
             "  {\"name\": \"r2\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0.02, \"reserved_term\": \"365d\","
             "   \"types\": {\"t1\": {\"on_demand\": 0.04%s}}}],"
             " \"instance_types\": [{\"name\": \"t1\", \"vcpu\": 1, \"mem_gib\": 4, \"io_mbps\": 100}],"
             " \"latency_ms\": {\"g\": {\"r1\": 10, \"r2\": 80}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"t1\","
             "   \"needs\": {\"cpu\": 0.01}, \"target_util\": 0.5, \"min_instances\": 1,"
             "   \"max_instances\": 100, \"warmup\": \"30s\","
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
             "   \"slo\": {\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
             "            \"penalty_per_unit_hour\": 0.01},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r1\", \"count\": 3}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"oracle\"}]}",
             lim, CSV_PATH);
    fixture fx = {0};
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, SC_BINARY_DIR "/test_oracle_route.json", &fx.sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_world_build(fx.sc, &fx.w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_float_eq(fx.w->unit_cap[0], 100.0, 1e-9);
    /* home routing: all of g's load in r1 (ar 0), none in r2 (ar 1) */
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        fx.w->ieq_ar[0][k] = 2.5f;
        fx.w->load_ar[0][k] = 250.0f;
        fx.w->load_ag[0][k] = 250.0f;
        fx.w->ieq_ar[1][k] = 0.0f;
        fx.w->load_ar[1][k] = 0.0f;
    }
    return fx;
}

static void drop(fixture *fx)
{
    sc_world_free(fx->w);
    sc_scenario_free(fx->sc);
}

static sc_run *run_on(const sc_world *w, const char *name, const char *params, sc_error *err,
                      sc_status *st)
{
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "%s", name);
    snprintf(spec.label, sizeof spec.label, "%s", name);
    sc_run *r = NULL;
    *st = sc_run_policy(w, &spec, 0, &r, err);
    return r;
}

/* Home bound: 2.5 ieq in r1 for 2 h at 0.10 = 0.50 USD.  Plan bound: the whole 2.5 ieq
 * in the cheaper r2 (over-latency routes allowed: the simulator charges them in
 * attainment, not USD), 0.04 x 2.5 x 2 = 0.20 USD. */
Test(oracle_route, plan_bound_serves_from_the_cheaper_region)
{
    fixture fx = make(-1);
    sc_error err;
    sc_status st;
    sc_run *home = run_on(fx.w, "oracle", "{}", &err, &st);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_float_eq(home->sum.lower_bound_usd, 0.5, 1e-6);
    sc_run *h2 = run_on(fx.w, "oracle", "{\"routing\": \"home\"}", &err, &st);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_float_eq(h2->sum.lower_bound_usd, home->sum.lower_bound_usd, 0.0);
    cr_assert_float_eq(h2->sum.cost_usd, home->sum.cost_usd, 0.0);
    sc_run *plan = run_on(fx.w, "oracle", "{\"routing\": \"plan\"}", &err, &st);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_float_eq(plan->sum.lower_bound_usd, 0.2, 1e-6);
    /* g has no routing mechanism: the executed plan keeps it at home, as the home plan */
    cr_assert_float_eq(plan->sum.cost_usd, home->sum.cost_usd, 1e-9);
    /* and the bound is below every policy's penalised cost */
    static const char *const pols[] = {"static", "reactive", "snaive-predictive",
                                       "aws-predictive"};
    for (size_t i = 0; i < sizeof pols / sizeof pols[0]; i++) {
        sc_run *r = run_on(fx.w, pols[i], "{}", &err, &st);
        cr_assert_eq(st, SC_OK, "%s: %s: %s", pols[i], err.where, err.msg);
        cr_assert(plan->sum.lower_bound_usd <= r->sum.penalised_cost_usd + 1e-9, "%s",
                  pols[i]);
        sc_run_free(r);
    }
    sc_run_free(home);
    sc_run_free(h2);
    sc_run_free(plan);
    drop(&fx);
}

/* r2 holds at most 2 instances: 2 ieq at 0.04 and 0.5 ieq at 0.10 for 2 h:
 * (0.08 + 0.05) x 2 = 0.26 USD. */
Test(oracle_route, plan_bound_keeps_capacity_limits)
{
    fixture fx = make(2);
    sc_error err;
    sc_status st;
    sc_run *plan = run_on(fx.w, "oracle", "{\"routing\": \"plan\", \"serve_util\": \"slo\"}",
                          &err, &st);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    /* the bound is the serve_util-1 relaxation whatever the executed operating point */
    cr_assert_float_eq(plan->sum.lower_bound_usd, 0.26, 1e-6);
    sc_run_free(plan);
    drop(&fx);
}

/* "plan" on a policy that does not plan routing itself, or a word the oracle does not
 * know, is an input error naming routing. */
Test(oracle_route, plan_only_where_the_policy_plans_routing)
{
    fixture fx = make(-1);
    sc_error err;
    sc_status st;
    sc_run *r = run_on(fx.w, "reactive", "{\"routing\": \"plan\"}", &err, &st);
    cr_assert_eq(st, SC_ERR_INPUT);
    cr_assert(r == NULL);
    cr_assert(strstr(err.msg, "routing") && strstr(err.msg, "plan"), "%s", err.msg);
    r = run_on(fx.w, "oracle", "{\"routing\": \"latency\"}", &err, &st);
    cr_assert_neq(st, SC_OK);
    cr_assert(r == NULL);
    cr_assert(strstr(err.msg, "routing") || strstr(err.where, "routing"), "%s: %s", err.where,
              err.msg);
    drop(&fx);
}

static cJSON *read_json(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f != NULL, "%s", path);
    static char buf[1 << 20];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    fclose(f);
    buf[n] = 0;
    cJSON *j = cJSON_Parse(buf);
    cr_assert(j != NULL, "%s", path);
    return j;
}

/* On the shipped routing scenarios the plan bound is <= the penalised cost of every
 * on-demand policy the golden files hold (baselines under home, latency, cheapest,
 * spill and failover routing), and of the oracle's own executed plan. */
Test(oracle_route, plan_bound_below_every_policy_on_the_routing_scenarios)
{
    static const char *const names[] = {"global", "europe-spike", "region-outage"};
    for (size_t i = 0; i < 3; i++) {
        char path[1024];
        snprintf(path, sizeof path, SC_SOURCE_DIR "/scenarios/%s.json", names[i]);
        sc_scenario *sc = NULL;
        sc_world *w = NULL;
        sc_error err;
        cr_assert_eq(sc_scenario_load(path, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
        cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
        sc_status st;
        sc_run *plan = run_on(w, "oracle", "{\"routing\": \"plan\"}", &err, &st);
        cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
        double lb = plan->sum.lower_bound_usd;
        cr_assert(isfinite(lb) && lb > 0, "%s: %g", names[i], lb);
        cr_assert(lb <= plan->sum.penalised_cost_usd + 1e-9, "%s", names[i]);
        snprintf(path, sizeof path, SC_SOURCE_DIR "/tests/golden/%s.json", names[i]);
        cJSON *g = read_json(path);
        int n = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, g)
        {
            const cJSON *pol = cJSON_GetObjectItemCaseSensitive(row, "policy");
            const cJSON *pc = cJSON_GetObjectItemCaseSensitive(row, "penalised_cost_usd");
            cr_assert(cJSON_IsString(pol) && cJSON_IsNumber(pc));
            if (strncmp(pol->valuestring, "sculpt", 6) == 0)
                continue; /* buys spot and reserved: may go below an on-demand bound */
            cr_assert(lb <= pc->valuedouble + 1e-9, "%s: bound %.4f > %s %.4f", names[i], lb,
                      pol->valuestring, pc->valuedouble);
            n++;
        }
        cr_assert(n >= 4, "%s: %d on-demand rows", names[i], n);
        cJSON_Delete(g);
        sc_run_free(plan);
        sc_world_free(w);
        sc_scenario_free(sc);
    }
}

/* ---- executed routing ("routing": "plan", oracle_route.c) ------------------------------
 *
 * The same two regions, g now routed by weighted DNS (record r1 = 255, none for r2;
 * 60 s propagation, 60 s TTL, no sticky clients, no rate limit) and r2 40 ms away.  At
 * the SLO operating point ("serve_util": "slo") a route runs at the utilisation where
 * curve + route latency meets 100 ms: u = 1 - 20 / (100 - route):
 *   g -> r1: 1 - 20/90 = 0.7778, 0.10 USD/h: 0.1286 USD per ieq-hour;
 *   g -> r2: 1 - 20/60 = 0.6667, 0.04 USD/h: 0.0600 USD per ieq-hour,
 * so the oracle serves g from r2: 2.5 ieq / 0.6667 = 3.75 -> 4 instances, at
 * 4 x 20 / (1 - 0.625) = 53.3 ms + 40 = 93.3 ms <= 100.  Home at the SLO point: 2.5 /
 * 0.7778 = 3.2 -> 4 instances of r1.  zero_min: demand 0 for the first zero_min minutes
 * (the plan keeps the weights while there is nothing to route). */
#define CSV_ROUTED SC_BINARY_DIR "/test_oracle_route_routed.csv"

static fixture make_routed(int zero_min)
{
    FILE *f = fopen(CSV_ROUTED, "w");
    cr_assert(f != NULL);
    fprintf(f, "timestamp,value\n");
    for (int m = 0; m <= 4 * 60; m++)
        fprintf(f, "2026-01-05 %02d:%02d:00,%d\n", m / 60, m % 60, m < zero_min ? 0 : 250);
    fclose(f);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 5, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"1h\", \"duration\": \"2h\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g\", \"home_region\": \"r1\","
             "   \"routing\": {\"mechanism\": \"dns-weighted\", \"weights\": {\"r1\": 255},"
             "     \"propagation\": \"60s\", \"ttl\": \"60s\", \"change_rate_per_sec\": 0}}],"
             " \"regions\": [{\"name\": \"r1\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0, \"reserved_term\": \"365d\","
             "   \"types\": {\"t1\": {\"on_demand\": 0.1}}},"
             "  {\"name\": \"r2\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0.02, \"reserved_term\": \"365d\","
             "   \"types\": {\"t1\": {\"on_demand\": 0.04}}}],"
             " \"instance_types\": [{\"name\": \"t1\", \"vcpu\": 1, \"mem_gib\": 4, \"io_mbps\": 100}],"
             " \"latency_ms\": {\"g\": {\"r1\": 10, \"r2\": 40}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"t1\","
             "   \"needs\": {\"cpu\": 0.01}, \"target_util\": 0.5, \"min_instances\": 1,"
             "   \"max_instances\": 100, \"warmup\": \"30s\","
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
             "   \"slo\": {\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
             "            \"penalty_per_unit_hour\": 0.01},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r1\", \"count\": 3}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"oracle\"}]}",
             CSV_ROUTED);
    fixture fx = {0};
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, SC_BINARY_DIR "/test_oracle_route2.json", &fx.sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_world_build(fx.sc, &fx.w, &err), SC_OK, "%s: %s", err.where, err.msg);
    return fx;
}

static sc_run *run_steps(const sc_world *w, const char *params)
{
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "oracle");
    snprintf(spec.label, sizeof spec.label, "oracle");
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(w, &spec, 1, &r, &err), SC_OK, "%s: %s", err.where, err.msg);
    return r;
}

/* Measured 2 h: home 4 x 0.10 x 2 = 0.80 USD; plan 4 x 0.04 x 2 = 0.32 USD, both at
 * full attainment; the plan's weights (r2 raised to 255 before r1 is cut to 0) are sent
 * at the start, and every measured step is served wholly by r2. */
Test(oracle_route, plan_serves_from_the_cheaper_region_within_the_bound)
{
    fixture fx = make_routed(0);
    sc_run *home = run_steps(fx.w, "{\"serve_util\": \"slo\", \"routing\": \"home\"}");
    sc_run *plan = run_steps(fx.w, "{\"serve_util\": \"slo\", \"routing\": \"plan\"}");
    cr_assert_float_eq(home->sum.cost_usd, 0.80, 1e-9);
    cr_assert_float_eq(home->sum.slo_attainment, 1.0, 1e-12);
    cr_assert_float_eq(plan->sum.cost_usd, 0.32, 1e-9);
    cr_assert_float_eq(plan->sum.slo_attainment, 1.0, 1e-12);
    cr_assert_float_eq(plan->sum.violation_minutes, 0.0, 1e-12);
    /* the set_weight calls, in order */
    int seen = 0;
    for (size_t i = 0; i < plan->n_log; i++) {
        const sc_action_log *e = &plan->log[i];
        if (e->kind != SC_ACTION_SET_WEIGHT)
            continue;
        cr_assert_eq(e->t, fx.sc->start);
        cr_assert_eq(e->type, 0); /* the geography */
        cr_assert_eq(e->accepted, 1);
        cr_assert_eq(e->region, seen == 0 ? 1 : 0, "call %d: region %d", seen, e->region);
        cr_assert_eq(e->count, seen == 0 ? 255 : 0);
        seen++;
    }
    cr_assert_eq(seen, 2);
    cr_assert(plan->geo_share != NULL);
    int64_t N = plan->n_steps;
    for (int64_t k = 12; k < N; k++) { /* measured: from 1 h */
        cr_assert_float_eq(plan->geo_share[(size_t)(0 * 2 + 1) * (size_t)N + (size_t)k], 1.0,
                           1e-9, "step %lld", (long long)k);
        cr_assert_float_eq(plan->instances[(size_t)1 * (size_t)N + (size_t)k], 4.0, 1e-9);
        cr_assert_float_eq(plan->instances[(size_t)0 * (size_t)N + (size_t)k], 0.0, 1e-9);
    }
    sc_run_free(home);
    sc_run_free(plan);
    drop(&fx);
}

/* Capacity before route, weights timed to their step: demand starts at 90 min (step
 * 18).  With 30-minute windows (one set of shares per window), the window from 60 min
 * has no demand and keeps the weights; the one from 90 min moves g to r2: the calls go at 90 min - 60 s propagation - 60 s TTL =
 * 88 min, so clients have moved at 90 min; r2's 4 instances are launched at 90 min -
 * 90 s boot - 30 s warm-up = 88 min, ready at 90 min.  Measured cost: 4 instances of r2
 * billed from their launch, 88 -> 180 min: 4 x 0.04 x 92 / 60 = 0.245333 USD (r1 holds
 * nothing while there is no demand: min_instances only where a region serves). */
Test(oracle_route, plan_weights_follow_capacity)
{
    fixture fx = make_routed(90);
    sc_run *plan = run_steps(fx.w, "{\"serve_util\": \"slo\", \"routing\": \"plan\","
                                   " \"window\": \"30m\"}");
    sc_time_ms t88 = fx.sc->start + 88 * 60000;
    int seen = 0, launched = 0;
    for (size_t i = 0; i < plan->n_log; i++) {
        const sc_action_log *e = &plan->log[i];
        if (e->kind == SC_ACTION_SET_WEIGHT) {
            cr_assert_eq(e->t, t88, "set_weight at %lld", (long long)(e->t - fx.sc->start));
            seen++;
        } else if (e->kind == SC_ACTION_PROVISION && e->region == 1) {
            cr_assert_eq(e->t, t88, "launch at %lld", (long long)(e->t - fx.sc->start));
            cr_assert_eq(e->count, 4);
            launched++;
        }
    }
    cr_assert_eq(seen, 2);
    cr_assert_eq(launched, 1);
    cr_assert_float_eq(plan->sum.slo_attainment, 1.0, 1e-12);
    cr_assert_float_eq(plan->sum.cost_usd, 4 * 0.04 * 92.0 / 60.0, 1e-6);
    sc_run_free(plan);
    drop(&fx);
}
