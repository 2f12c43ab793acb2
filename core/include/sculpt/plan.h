/*
 * plan.h - the Resource Allocation Plan: timed actions with an explanation each.
 *
 * An optimizer solution (optimizer.h) says how many instances each (region, option)
 * should serve in each plan step.  sc_rap_build turns it into actions:
 *
 *   - for each (region, option) and step k, the change d = x[k] - x[k-1] (x[-1] =
 *     current) becomes a provision (d > 0) or a deprovision (d < 0) of |d| instances;
 *   - needed time = start_ms + k * step_ms; a provision is issued at needed -
 *     lead_ms[r] (the region's high-percentile boot time plus the app's warm-up), never
 *     before `now` (it is then late, and its explanation says so); a deprovision is
 *     issued at the needed time (capacity leaves when it is no longer needed);
 *   - in the same step, a decrease in region a and an increase in region b of the same
 *     option, with routed demand moving from a to b, become one relocate of
 *     min(decrease, increase) instances (to_region = b), issued at the provision's issue
 *     time; sc_rap_to_plan splits relocates into provision + deprovision for providers
 *     that do not relocate (the mock);
 *   - spot is never planned without an on-demand fallback: each spot provision
 *     records its fallback (on-demand in the same region) in the explanation, and the
 *     policy replaces interrupted spot capacity on demand.
 *
 * The types (sc_rap, sc_rap_action, sc_rap_why) and sc_rap_init/_cleanup/_clear live
 * with the plan and action types in orchestrator.h; this header and core/sculpt/plan.c
 * hold what needs the optimizer's types.
 *
 * Every action carries an explanation (sc_rap_why): the forecast model and the
 * quantile level the planned capacity covers, the demand at that quantile, the
 * constraint that binds (limit, quota, budget, flap budget, capacity, lead), the cost
 * delta over the rest of the horizon (USD, instance price only) and the expected
 * shortfall in the step.  The plan also says what could not be met (unmet bits and
 * message from the solution).
 *
 * JSON form (sc_rap_to_json), for review:
 *   {"app": "web", "optimizer": "lp", "method": "milp", "start": "...Z", "step_s": 3600,
 *    "horizon_steps": 24, "objective_usd": .., "lp_bound_usd": .., "cost_usd": ..,
 *    "egress_usd": .., "penalty_usd": .., "proved_optimal": true,
 *    "unmet": ["capacity"], "unmet_msg": "...",
 *    "actions": [{"kind": "provision", "region": "us-east-1", "to_region": null,
 *                 "option": "spot", "count": 3, "issue": "...Z", "needed": "...Z",
 *                 "lead_s": 220, "late": false,
 *                 "why": {"forecast": "ets", "quantile": 0.9, "demand_ieq": 12.3,
 *                         "binding": ["none"], "cost_delta_usd": 1.2,
 *                         "expected_shortfall_ieq": 0.1, "fallback": "on_demand"}}]}
 */
#ifndef SCULPT_PLAN_H
#define SCULPT_PLAN_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdio.h>

struct cJSON; /* by pointer only: no cJSON header needed by a caller */

#include "sculpt/optimizer.h"
#include "sculpt/orchestrator.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"

SC_BEGIN_DECLS

/* Inputs of sc_rap_build besides the problem and solution. */
typedef struct sc_rap_ctx {
    const sc_scenario *sc;      /* for names and the instance type; may be NULL in tests */
    int app;                    /* app index (action.app) */
    int type;                   /* instance type index (action.type) */
    sc_time_ms now;             /* no action is issued before now */
    const int64_t *lead_ms;     /* [R] lead time of new capacity per region */
    const char *forecast;       /* forecast model name, "" if unknown */
} sc_rap_ctx;

/* Append the actions of sol (for problem p) to rap.  Only steps whose needed time is
 * at most horizon end are planned; steps 0..K-1 all are. */
sc_status sc_rap_build(sc_rap *rap, const sc_rap_ctx *ctx, const sc_opt_problem *p,
                       const sc_opt_solution *sol, sc_error *err);

/* Append rap's actions to a plan (orchestrator.h), splitting relocates into a
 * provision at the target and a deprovision at the source (same issue time for the
 * provision, needed time for the deprovision).  Only actions with issue_ms < until
 * are copied (until = SC_TIME_MAX for all). */
sc_status sc_rap_to_plan(const sc_rap *rap, sc_time_ms until, sc_plan *plan);

/* JSON form (layout at the top).  sc may be NULL (indices instead of names).  Caller
 * frees with cJSON_Delete.  NULL when out of memory. */
struct cJSON *sc_rap_to_json(const sc_rap *rap, const sc_scenario *sc, const char *app_name,
                      const char *optimizer, const sc_opt_problem *p);

/* Print the plan as a table, one action per line. */
void sc_rap_print(const sc_rap *rap, const sc_scenario *sc, FILE *fp);

SC_END_DECLS

#endif
