/*
 * test_oracle_target.c - the oracle at matched attainment ("serve_util": "target",
 * core/policy/oracle.c) next to the default lower-bound oracle, on a tiny hand-made
 * scenario; expected values are worked out by hand in the comments.
 *
 * One app in one region for one geography; the app needs 0.01 vCPU per req/s on a
 * 1-vCPU type, so one instance serves 100 req/s at 100 %: ieq = load / 100.  Target
 * utilisation 0.5, latency curve 20 ms / (1 - u) plus 10 ms of route, SLO bound 100 ms:
 * the bound holds while 20 / (1 - u) <= 90, i.e. u <= 0.778.  On-demand 0.1 USD/h,
 * penalty 0.01 USD per req/s-hour = 1 USD per ieq-hour.  Boot 90 s, warm-up 30 s;
 * 1 h warm-up, 2 h measured, 5-minute steps; demand written into the world directly.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sculpt/policy.h"
#include "sim.h"

#define CSV_PATH SC_BINARY_DIR "/test_oracle_target_flat.csv"

typedef struct fixture {
    sc_scenario *sc;
    sc_world *w;
} fixture;

static fixture make(int initial)
{
    FILE *f = fopen(CSV_PATH, "w");
    cr_assert(f != NULL);
    fprintf(f, "timestamp,value\n");
    for (int m = 0; m <= 4 * 60; m++)
        fprintf(f, "2026-01-05 %02d:%02d:00,100\n", m / 60, m % 60);
    fclose(f);
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 5, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"1h\", \"duration\": \"2h\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g\", \"home_region\": \"r\"}],"
             " \"regions\": [{\"name\": \"r\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0, \"reserved_term\": \"365d\","
             "   \"types\": {\"t1\": {\"on_demand\": 0.1}}}],"
             " \"instance_types\": [{\"name\": \"t1\", \"vcpu\": 1, \"mem_gib\": 4, \"io_mbps\": 100}],"
             " \"latency_ms\": {\"g\": {\"r\": 10}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"t1\","
             "   \"needs\": {\"cpu\": 0.01}, \"target_util\": 0.5, \"min_instances\": 1,"
             "   \"max_instances\": 100, \"warmup\": \"30s\","
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
             "   \"slo\": {\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
             "            \"penalty_per_unit_hour\": 0.01},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r\", \"count\": %d}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"oracle\"}]}",
             initial, CSV_PATH);
    fixture fx = {0};
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, SC_BINARY_DIR "/test_oracle_target.json", &fx.sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_world_build(fx.sc, &fx.w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_float_eq(fx.w->unit_cap[0], 100.0, 1e-9);
    return fx;
}

static void fill_ieq(fixture *fx, double ieq)
{
    for (int64_t k = 0; k < fx->w->n_steps; k++) {
        fx->w->ieq_ar[0][k] = (float)ieq;
        fx->w->load_ar[0][k] = (float)(ieq * 100.0);
        fx->w->load_ag[0][k] = (float)(ieq * 100.0);
    }
}

static void drop(fixture *fx)
{
    sc_world_free(fx->w);
    sc_scenario_free(fx->sc);
}

static sc_run *run(fixture *fx, const char *params, sc_status want, sc_error *err)
{
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "oracle");
    snprintf(spec.label, sizeof spec.label, "oracle");
    sc_run *r = NULL;
    sc_status st = sc_run_policy(fx->w, &spec, 1, &r, err);
    cr_assert_eq(st, want, "%s: %s", err->where, err->msg);
    return r;
}

/*
 * Constant demand 2.5 ieq.  Default oracle (serve_util 1): 3 instances (ceil 2.5) at
 * u = 0.833, latency 20 / 0.167 + 10 = 130 ms > 100: every measured step violates the
 * latency bound (attainment 0), cost 0.1 x 3 x 2 = 0.6 USD, nothing unserved, bound
 * 0.1 x 2.5 x 2 = 0.5 USD.  At the target (0.5): 2.5 / 0.5 = 5 instances from the end of
 * the warm-up on, u = 0.5, latency 50 ms: attainment 1, cost 0.1 x 5 x 2 = 1.0 USD; its
 * lower bound is the serve_util-1 LP's, solved apart (the LP at 0.5 bounds nothing): 0.5.  "serve_util": 0.5 is the same plan.
 * "slo" (below) needs only 4.
 */
Test(oracle_target, matched_attainment_against_the_lower_bound_oracle)
{
    fixture fx = make(3);
    fill_ieq(&fx, 2.5);
    sc_error err;
    sc_run *lb = run(&fx, "{}", SC_OK, &err);
    cr_assert_float_eq(lb->sum.cost_usd, 0.6, 1e-6);
    cr_assert_float_eq(lb->sum.lower_bound_usd, 0.5, 1e-6);
    cr_assert_float_eq(lb->sum.slo_attainment, 0.0, 1e-12);
    cr_assert_float_eq(lb->sum.penalty_usd, 0.0, 1e-9);
    sc_run *tg = run(&fx, "{\"serve_util\": \"target\"}", SC_OK, &err);
    cr_assert_float_eq(tg->sum.cost_usd, 1.0, 1e-6);
    cr_assert_float_eq(tg->sum.slo_attainment, 1.0, 1e-12);
    cr_assert_float_eq(tg->sum.penalty_usd, 0.0, 1e-9);
    cr_assert_float_eq(tg->sum.lower_bound_usd, lb->sum.lower_bound_usd, 0.0);
    /* the bound still holds for the target oracle's executed cost */
    cr_assert(lb->sum.lower_bound_usd <= tg->sum.penalised_cost_usd + 1e-9);
    /* "slo": the highest utilisation within the bound, 1 - 20 / (100 - 10) = 0.778:
     * ceil(2.5 / 0.778) = ceil(3.21) = 4 instances, u = 0.625, latency 63 ms:
     * attainment 1 at 0.1 x 4 x 2 = 0.8 USD */
    sc_run *slo = run(&fx, "{\"serve_util\": \"slo\"}", SC_OK, &err);
    cr_assert_float_eq(slo->sum.cost_usd, 0.8, 1e-6);
    cr_assert_float_eq(slo->sum.slo_attainment, 1.0, 1e-12);
    cr_assert_float_eq(slo->sum.lower_bound_usd, lb->sum.lower_bound_usd, 0.0);
    sc_run_free(slo);
    sc_run *half = run(&fx, "{\"serve_util\": 0.5}", SC_OK, &err);
    cr_assert_float_eq(half->sum.cost_usd, tg->sum.cost_usd, 1e-12);
    cr_assert_float_eq(half->sum.slo_attainment, 1.0, 1e-12);
    sc_run_free(lb);
    sc_run_free(tg);
    sc_run_free(half);
    drop(&fx);
}

/* A serve_util that is not "target", "slo" or a number in (0, 1] is an input error naming
 * the parameter. */
Test(oracle_target, bad_serve_util_is_an_input_error)
{
    fixture fx = make(3);
    fill_ieq(&fx, 2.5);
    sc_error err;
    static const char *const bad[] = {"{\"serve_util\": \"targets\"}", "{\"serve_util\": 0}",
                                      "{\"serve_util\": 1.5}", "{\"serve_util\": true}"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        sc_run *r = NULL;
        sc_policy_spec spec = {.params_json = (char *)bad[i]};
        snprintf(spec.name, sizeof spec.name, "oracle");
        snprintf(spec.label, sizeof spec.label, "oracle");
        cr_assert_neq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_OK, "%s", bad[i]);
        cr_assert(strstr(err.msg, "serve_util"), "%s: %s", bad[i], err.msg);
        cr_assert(r == NULL);
    }
    drop(&fx);
}
