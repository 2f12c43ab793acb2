/*
 * test_plan.c - the Resource Allocation Plan: action timing against lead times,
 * relocation, spot fallback, explanations, JSON form, and best-effort plans for
 * infeasible problems.  Expected values are worked out by hand in the comments.
 */
#include <math.h>
#include <string.h>

#include <criterion/criterion.h>
#include <cjson/cJSON.h>

#include "sculpt/plan.h"

#define T0 INT64_C(1700000000000)
#define H SC_MS_PER_HOUR

static sc_opt_problem_buf *mk(int R, int G, int K)
{
    sc_opt_problem_buf *b = NULL;
    sc_error err;
    cr_assert_eq(sc_opt_problem_alloc(R, G, K, 1, &b, &err), SC_OK);
    for (int i = 0; i < R * 3; i++)
        b->price[i] = NAN;
    b->qlevel[0] = 0.5;
    b->p.step_ms = H;
    b->p.start_ms = T0;
    return b;
}

static void build(sc_opt_problem_buf *b, const int64_t *lead_ms, sc_rap *rap,
                  sc_opt_solution **out)
{
    sc_error err;
    sc_optimizer *opt;
    cr_assert_eq(sc_optimizer_alloc("lp", NULL, &opt, &err), SC_OK);
    sc_opt_solution *s;
    cr_assert_eq(sc_opt_solution_alloc(b->p.n_regions, b->p.n_geos, b->p.n_steps, 1, &s, &err),
                 SC_OK);
    cr_assert_eq(sc_optimizer_solve(opt, &b->p, s, &err), SC_OK, "%s", err.msg);
    sc_rap_ctx ctx = {.sc = NULL, .app = 0, .type = 0, .now = T0, .lead_ms = lead_ms,
                      .forecast = "test"};
    sc_rap_init(rap);
    cr_assert_eq(sc_rap_build(rap, &ctx, &b->p, s, &err), SC_OK);
    sc_optimizer_free(opt);
    *out = s;
}

/* One region, lead 20 min (1 step), 2 instances now, demand 2, 5, 1, price 0.1,
 * penalty 1: x = 2, 5, 1.  Provision 3 needed at T0 + 1 h, issued 20 min earlier
 * (T0 + 40 min); deprovision 4 needed and issued at T0 + 2 h. */
Test(plan, issue_time_is_needed_minus_lead)
{
    sc_opt_problem_buf *b = mk(1, 1, 3);
    b->demand[0] = 2;
    b->demand[1] = 5;
    b->demand[2] = 1;
    b->price[0] = 0.1;
    b->current[0] = 2;
    b->lead_steps[0] = 1;
    b->p.penalty_per_ieq_hour = 1;
    int64_t lead[1] = {20 * SC_MS_PER_MIN};
    sc_rap rap;
    sc_opt_solution *s;
    build(b, lead, &rap, &s);
    cr_assert_eq(rap.n, 2);
    const sc_rap_action *a = &rap.actions[0];
    cr_assert_eq(a->act.kind, SC_ACTION_PROVISION);
    cr_assert_eq(a->act.count, 3);
    cr_assert_eq(a->act.needed_ms, T0 + H);
    cr_assert_eq(a->act.issue_ms, T0 + 40 * SC_MS_PER_MIN);
    cr_assert_eq(a->why.late, 0);
    /* cost delta: 3 instances x 0.1 USD/h x 2 remaining steps = 0.6 */
    cr_assert_float_eq(a->why.cost_delta_usd, 0.6, 1e-12);
    cr_assert_float_eq(a->why.quantile, 1.0, 1e-12);
    cr_assert_str_eq(a->why.forecast, "test");
    a = &rap.actions[1];
    cr_assert_eq(a->act.kind, SC_ACTION_DEPROVISION);
    cr_assert_eq(a->act.count, 4);
    cr_assert_eq(a->act.needed_ms, T0 + 2 * H);
    cr_assert_eq(a->act.issue_ms, T0 + 2 * H);
    /* -4 x 0.1 x 1 remaining step */
    cr_assert_float_eq(a->why.cost_delta_usd, -0.4, 1e-12);
    sc_rap_cleanup(&rap);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

/* A lead longer than the time to the need: issued now, marked late. Lead 90 min,
 * lead_steps 0 (the caller allowed growth at step 1 anyway): provision needed at
 * T0 + 1 h would be issued at T0 - 30 min, so it is issued at T0 and late. */
Test(plan, late_action_clamped_to_now)
{
    sc_opt_problem_buf *b = mk(1, 1, 2);
    b->demand[0] = 0;
    b->demand[1] = 3;
    b->price[0] = 0.1;
    b->p.penalty_per_ieq_hour = 1;
    int64_t lead[1] = {90 * SC_MS_PER_MIN};
    sc_rap rap;
    sc_opt_solution *s;
    build(b, lead, &rap, &s);
    cr_assert_eq(rap.n, 1);
    cr_assert_eq(rap.actions[0].act.issue_ms, T0);
    cr_assert_eq(rap.actions[0].act.needed_ms, T0 + H);
    cr_assert_eq(rap.actions[0].why.late, 1);
    sc_rap_cleanup(&rap);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

/* Relocation: one geography may use A (0.10/h, lead 0) or B (0.05/h, lead 1 step);
 * demand 4 in both steps.  Step 0: only A can grow -> A 4.  Step 1: B is cheaper -> B 4,
 * A 0, and the routing moved A -> B: one relocate of 4 to B, issued at T0 + 1 h - lead(B)
 * = T0 + 30 min.  Split for the mock: provision 4 in B at T0 + 30 min, deprovision 4 in
 * A at T0 + 1 h. */
Test(plan, relocation_when_demand_moves)
{
    sc_opt_problem_buf *b = mk(2, 1, 2);
    b->demand[0] = 4;
    b->demand[1] = 4;
    b->price[0] = 0.10;
    b->price[3] = 0.05;
    b->lead_steps[1] = 1;
    b->p.penalty_per_ieq_hour = 1;
    int64_t lead[2] = {0, 30 * SC_MS_PER_MIN};
    sc_rap rap;
    sc_opt_solution *s;
    build(b, lead, &rap, &s);
    cr_assert_eq(rap.n, 2, "n = %zu", rap.n);
    cr_assert_eq(rap.actions[0].act.kind, SC_ACTION_PROVISION);
    cr_assert_eq(rap.actions[0].act.region, 0);
    cr_assert_eq(rap.actions[0].act.count, 4);
    const sc_rap_action *r = &rap.actions[1];
    cr_assert_eq(r->act.kind, SC_ACTION_RELOCATE);
    cr_assert_eq(r->act.region, 0);
    cr_assert_eq(r->act.to_region, 1);
    cr_assert_eq(r->act.count, 4);
    cr_assert_eq(r->act.issue_ms, T0 + 30 * SC_MS_PER_MIN);
    /* 4 x (0.05 - 0.10) x 1 step = -0.2 */
    cr_assert_float_eq(r->why.cost_delta_usd, -0.2, 1e-12);
    sc_plan plan;
    sc_plan_init(&plan);
    cr_assert_eq(sc_rap_to_plan(&rap, SC_TIME_MAX, &plan), SC_OK);
    cr_assert_eq(plan.n, 3);
    cr_assert_eq(plan.actions[1].kind, SC_ACTION_PROVISION);
    cr_assert_eq(plan.actions[1].region, 1);
    cr_assert_eq(plan.actions[1].issue_ms, T0 + 30 * SC_MS_PER_MIN);
    cr_assert_eq(plan.actions[2].kind, SC_ACTION_DEPROVISION);
    cr_assert_eq(plan.actions[2].region, 0);
    cr_assert_eq(plan.actions[2].issue_ms, T0 + H);
    /* Each half of the split relocate says so in the orchestrator's log; the first
     * provision (lead 0, issued on time, on-demand) is plain forecast demand. */
    cr_assert_str_eq(plan.actions[0].reason, "rap: forecast demand at the planned quantile");
    cr_assert_str_eq(plan.actions[1].reason, "rap: relocate, launch at the target");
    cr_assert_str_eq(plan.actions[2].reason, "rap: relocate, drain at the source");
    sc_plan_cleanup(&plan);
    sc_rap_cleanup(&rap);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

/* Spot carries its on-demand fallback: one region, on-demand 0.1, spot 0.03, share
 * <= 50 %, demand 4 -> 2 + 2; the spot provision's explanation names on_demand. */
Test(plan, spot_has_on_demand_fallback)
{
    sc_opt_problem_buf *b = mk(1, 1, 1);
    b->demand[0] = 4;
    b->price[0] = 0.1;
    b->price[2] = 0.03;
    b->p.spot_max_share = 0.5;
    b->p.penalty_per_ieq_hour = 1;
    sc_rap rap;
    sc_opt_solution *s;
    build(b, NULL, &rap, &s);
    cr_assert_eq(rap.n, 2);
    int seen = 0;
    for (size_t i = 0; i < rap.n; i++)
        if (rap.actions[i].act.option == SC_PURCHASE_SPOT) {
            seen = 1;
            cr_assert_eq(rap.actions[i].act.count, 2);
            cr_assert_eq(rap.actions[i].why.fallback_option, SC_PURCHASE_ONDEMAND);
            cr_assert(rap.actions[i].why.binding & SC_OPT_BIND_SPOT_SHARE);
        }
    cr_assert(seen);
    sc_rap_cleanup(&rap);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

/* Infeasible: demand 10 ieq, the only region limited to 6 instances (quota): the plan
 * provisions 6, names the quota as binding and unmet, and the JSON says so. */
Test(plan, infeasible_plan_names_the_constraint_json)
{
    sc_opt_problem_buf *b = mk(1, 1, 1);
    b->demand[0] = 10;
    b->price[0] = 0.1;
    b->cap_limit[0] = 6;
    b->cap_kind[0] = SC_OPT_BIND_QUOTA;
    b->p.penalty_per_ieq_hour = 1;
    sc_rap rap;
    sc_opt_solution *s;
    build(b, NULL, &rap, &s);
    cr_assert_eq(rap.n, 1);
    cr_assert_eq(rap.actions[0].act.count, 6);
    cr_assert(rap.actions[0].why.binding & SC_OPT_BIND_QUOTA);
    cr_assert(rap.unmet & SC_OPT_BIND_QUOTA);
    /* shortfall 4 ieq; objective 0.6 + 4 = 4.6 */
    cr_assert_float_eq(rap.actions[0].why.expected_shortfall_ieq, 4.0, 1e-9);
    cr_assert_float_eq(rap.objective_usd, 4.6, 1e-9);
    cJSON *j = sc_rap_to_json(&rap, NULL, "web", "lp", &b->p);
    cr_assert_not_null(j);
    char *txt = cJSON_PrintUnformatted(j);
    cJSON *back = cJSON_Parse(txt);
    cr_assert_not_null(back);
    cJSON *un = cJSON_GetObjectItem(back, "unmet");
    cr_assert(cJSON_IsArray(un) && cJSON_GetArraySize(un) == 1);
    cr_assert_str_eq(cJSON_GetArrayItem(un, 0)->valuestring, "quota");
    cJSON *acts = cJSON_GetObjectItem(back, "actions");
    cr_assert_eq(cJSON_GetArraySize(acts), 1);
    cJSON *a0 = cJSON_GetArrayItem(acts, 0);
    cr_assert_str_eq(cJSON_GetObjectItem(a0, "kind")->valuestring, "provision");
    cr_assert_eq(cJSON_GetObjectItem(a0, "count")->valuedouble, 6);
    cr_assert_str_eq(cJSON_GetObjectItem(a0, "issue")->valuestring, "2023-11-14T22:13:20Z");
    cJSON *why = cJSON_GetObjectItem(a0, "why");
    cr_assert_float_eq(cJSON_GetObjectItem(why, "expected_shortfall_ieq")->valuedouble, 4.0,
                       1e-9);
    cr_assert(strstr(txt, "\"binding\":[\"quota\"]") != NULL, "%s", txt);
    cJSON_free(txt);
    cJSON_Delete(back);
    cJSON_Delete(j);
    sc_rap_cleanup(&rap);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}
