/*
 * orchestrator.h - the Orchestrator: the one home of actions, plans and Resource
 * Allocation Plans, and the executor that issues them to a provider.
 *
 * Types.  An action (sc_action) is one timed change of one pool; a plan (sc_plan) is a
 * growable list of them, what a policy's decide() appends to; a Resource Allocation
 * Plan (sc_rap) is a plan with an explanation per action and the summary of the solves
 * behind it (built from an optimizer solution by sc_rap_build in core/sculpt, plan.h).
 * They live here, below both core/policy and core/sculpt, so neither includes the
 * other to name them.  Dependency order of the core folders (no cycle):
 *
 *   base -> scenario -> orchestrate -> sculpt -> policy -> (sim, live)
 *
 * Executor (sc_orch).  Created over a provider (provider.h); the only path by which
 * actions reach it:
 *   - sc_orch_submit(plan, now) issues the actions with issue_ms <= now at once, in plan
 *     order, and keeps the later ones pending;
 *   - pending actions are issued in (issue_ms, insertion order).  The caller owns time:
 *     either it gives a schedule callback, called once per pending action in insertion
 *     order with (issue_ms, id), and later calls sc_orch_issue_pending(id) when that
 *     timer fires (the simulator turns each into an event of its queue, so actions
 *     interleave with the provider's events exactly by (time, sequence)); or it gives
 *     none and calls sc_orch_run_due(now) whenever sc_orch_next_due() has come (the
 *     orchestrator then keeps the pending actions in a heap ordered by (issue_ms,
 *     insertion sequence), libuv's timer habit);
 *   - set_weight (routing) goes to the provider as it is: the provider models how the
 *     change propagates (sim/mockroute.h for the mock);
 *   - resize and relocate become a launch of the target pool (to_type / to_region)
 *     followed, when the launch was accepted, by a drain of the source limited to the
 *     instances accepted; providers only ever see provision and deprovision;
 *   - every provider call is logged (sc_action_log: time, pool, kind, requested,
 *     accepted, and the policy's reason when the action carries one); accepted calls
 *     at or after count_from_ms are counted for the metrics;
 *   - capacity is read only through the provider: sc_orch_snapshot() takes one snapshot
 *     of every pool (sc_provider_snapshot, interface version 2) into a buffer allocated
 *     once, when a decision needs it.
 * No wall clock: every time is the caller's `now`.  One orchestrator per thread; no
 * global state.
 */
#ifndef SCULPT_ORCHESTRATOR_H
#define SCULPT_ORCHESTRATOR_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/scenario.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

/* Defined in provider.h; named here so the executor's API needs no include cycle. */
typedef struct sc_provider sc_provider;
typedef struct sc_pool_state sc_pool_state;

/* ---- actions --------------------------------------------------------------------- */

typedef enum sc_action_kind {
    SC_ACTION_PROVISION = 0,   /* launch `count` instances in (app, region, type, option) */
    SC_ACTION_DEPROVISION = 1, /* drain and terminate `count` instances of the pool */
    SC_ACTION_RESIZE = 2,      /* replace `count` instances by `to_type` instances */
    SC_ACTION_RELOCATE = 3,    /* move `count` instances' worth of capacity to `to_region` */
    SC_ACTION_SET_WEIGHT = 4,  /* set the routing weight of `region` for (app, geo) to
                                  `weight` (0..SC_ROUTE_WEIGHT_MAX): one weighted record
                                  (Route 53), endpoint weight (Traffic Manager, Global
                                  Accelerator) or capacity scaler (GCP); `type`, `option`
                                  and `count` are unused */
    SC_ACTION_KIND_COUNT = 5
} sc_action_kind;

const char *sc_action_kind_name(sc_action_kind k); /* "provision", ... */

/* One timed action of a plan. */
typedef struct sc_action {
    sc_action_kind kind;
    int app, region, type;      /* indices into the scenario */
    sc_purchase option;
    int count;                  /* instances, > 0 */
    int to_region, to_type;     /* relocate / resize target, -1 when unused */
    sc_time_ms issue_ms;        /* when the action is issued to the provider */
    sc_time_ms needed_ms;       /* when its capacity is needed (issue + lead time) */
    const char *reason;         /* optional short explanation for the action log, NULL =
                                   none; must outlive the run (a string literal): the
                                   log keeps the pointer */
    int geo;                    /* set_weight: the geography (index into geos) */
    int weight;                 /* set_weight: the new weight, 0..SC_ROUTE_WEIGHT_MAX */
} sc_action;

/* ---- plans ----------------------------------------------------------------------- */

/* A growable list of actions.  Owned by the caller; reused between decisions, so the
 * steady state does not allocate. */
typedef struct sc_plan {
    sc_action *actions;
    size_t n, cap;
} sc_plan;

void sc_plan_init(sc_plan *plan);
void sc_plan_cleanup(sc_plan *plan);
void sc_plan_clear(sc_plan *plan);
sc_status sc_plan_push(sc_plan *plan, const sc_action *act);

/* ---- Resource Allocation Plans (built by sc_rap_build, plan.h) -------------------- */

/* Why an action is in the plan. */
typedef struct sc_rap_why {
    char forecast[32];          /* forecast model that produced the demand ("ets", ...) */
    double quantile;            /* quantile level the planned capacity covers, [0, 1] */
    double demand_ieq;          /* total demand at that step at the median level, ieq */
    unsigned binding;           /* sc_opt_bind bits binding at (region, step) */
    double cost_delta_usd;      /* instance cost change from here to the horizon end */
    double expected_shortfall_ieq; /* expected shortfall in the step, all geographies */
    int late;                   /* 1 if issue time was clamped to now (lead not met) */
    int fallback_option;        /* spot: the fallback option (on_demand); else -1 */
} sc_rap_why;

typedef struct sc_rap_action {
    sc_action act;              /* kind, app, region, option, count, to_region, issue_ms,
                                   needed_ms */
    sc_rap_why why;
} sc_rap_action;

/* A plan for one app (or several, appended). */
typedef struct sc_rap {
    sc_rap_action *actions;     /* sorted by (issue_ms, needed_ms, region, option, kind) */
    size_t n, cap;
    /* Summary of the solve(s) behind it (summed over apps when appended). */
    double objective_usd, lp_bound_usd, cost_usd, egress_usd, penalty_usd;
    int proved_optimal;         /* 1 only if every solve was proved optimal */
    unsigned unmet;             /* sc_opt_bind bits that could not be met */
    char unmet_msg[1024];
} sc_rap;

void sc_rap_init(sc_rap *rap);
void sc_rap_cleanup(sc_rap *rap);
void sc_rap_clear(sc_rap *rap);

/* ---- the action log -------------------------------------------------------------- */

/* One provider call as it was issued (the decision log). */
typedef struct sc_action_log {
    sc_time_ms t;
    int app, region, type;
    int kind;         /* sc_action_kind: provision, deprovision (splits are logged as
                         their two halves) or set_weight */
    int option;       /* sc_purchase */
    int count;        /* requested (set_weight: the weight) */
    int accepted;     /* accepted by the provider (set_weight: 1 applied, 0 throttled);
                         set_weight calls are logged with type = the geography and are
                         not counted as scaling actions */
    const char *reason; /* the action's reason (sc_action.reason), NULL = none */
} sc_action_log;

/* ---- the executor ---------------------------------------------------------------- */

typedef struct sc_orch sc_orch;

typedef struct sc_orch_config {
    const sc_scenario *sc;      /* borrowed: pool layout of snapshots (apps' types) */
    sc_time_ms count_from_ms;   /* accepted calls at or after this time are counted
                                   (the measured period; SC_TIME_MIN = all) */
    /* Optional: called once per pending action, in insertion order, with its issue
     * time and id; the caller later calls sc_orch_issue_pending(id) at that time.
     * Returns SC_OK or a status that sc_orch_submit passes on.  NULL: the orchestrator
     * keeps the pending actions in its own heap (sc_orch_next_due/sc_orch_run_due). */
    sc_status (*schedule)(void *ctx, sc_time_ms issue_ms, uint64_t id);
    void *ctx;                  /* schedule's first argument */
} sc_orch_config;

/* Create an orchestrator over provider prov (borrowed; must outlive it).  Free with
 * sc_orch_free. */
sc_status sc_orch_alloc(sc_provider *prov, const sc_orch_config *cfg, sc_orch **out,
                        sc_error *err);
void sc_orch_free(sc_orch *o);

/* Take the actions of plan at time now: issue those due (issue_ms <= now) at once, in
 * plan order, and keep the others pending.  The plan is not kept; the caller may clear
 * it on return. */
sc_status sc_orch_submit(sc_orch *o, const sc_plan *plan, sc_time_ms now, sc_error *err);
/* Issue the pending action id (from the schedule callback) at now.  An unknown or
 * already issued id, or no schedule callback, is SC_ERR_INTERNAL. */
sc_status sc_orch_issue_pending(sc_orch *o, uint64_t id, sc_time_ms now, sc_error *err);
/* Without a schedule callback: issue time of the next pending action, SC_TIME_MAX when
 * none (with a callback the caller's timers know; this returns SC_TIME_MAX). */
sc_time_ms sc_orch_next_due(const sc_orch *o);
/* Without a schedule callback: issue every pending action with issue_ms <= now in
 * (issue_ms, insertion) order, each at now. */
sc_status sc_orch_run_due(sc_orch *o, sc_time_ms now, sc_error *err);
/* Actions pending (submitted, not issued). */
size_t sc_orch_n_pending(const sc_orch *o);

/* One snapshot of every pool, [(app * n_regions + region) * SC_PURCHASE_COUNT +
 * option] of each app's own instance type, through sc_provider_snapshot into a buffer
 * the orchestrator allocated at creation.  *out stays valid, and unchanged, until the
 * next call or sc_orch_free. */
sc_status sc_orch_snapshot(sc_orch *o, const sc_pool_state **out, sc_error *err);

/* The log of every provider call, in issue order (n entries). */
const sc_action_log *sc_orch_log(const sc_orch *o, size_t *n);
/* Hand the log's storage to the caller (who frees *log with free()); the orchestrator's
 * log is empty afterwards.  *cap is the allocated entries. */
void sc_orch_log_take(sc_orch *o, sc_action_log **log, size_t *n, size_t *cap);
/* Accepted calls (accepted > 0) at or after count_from_ms. */
long sc_orch_n_counted(const sc_orch *o);

/* ---- launch answers (issue 11: what a live cloud says about capacity) -------------
 * Per (region, type, option), cumulative over the run: instances the provider accepted
 * on launch and instances it refused as `limited` (sc_action_result: a capacity limit,
 * a quota, a region down, a spot stock-out, as EC2's InsufficientInstanceCapacity);
 * throttled calls count in neither.  Resize and relocate count their launch half. */
typedef struct sc_launch_tally {
    long accepted;    /* instances launched, cumulative */
    long refused;     /* instances refused as limited, cumulative */
} sc_launch_tally;

/* The tallies, [(region * n_types + type) * SC_PURCHASE_COUNT + option] of the scenario
 * in the config; NULL without one.  Valid until sc_orch_free. */
const sc_launch_tally *sc_orch_launch_tally(const sc_orch *o);

/* ---- the routing controller (routing.c) ------------------------------------------ */

/* Baseline routing that runs next to any capacity policy (issue 11, item 4): at each of
 * the policy's decisions it appends set_weight actions for the geographies that have a
 * routing mechanism (sc_geo_routing) to the policy's plan.  A policy's `routing` and
 * `routing_period` parameters choose it (sc_policy_alloc takes them out of the policy's
 * own parameters; the simulator reads them with sc_routing_from_params).
 *   home      no action: the scenario's weights stay (default; results unchanged);
 *   latency   all weight on the lowest-latency healthy region (Route 53 latency
 *             records): healthy = a serving instance of the app in the last snapshot;
 *   failover  home 255, every other region 0: the mechanism's health checks move the
 *             load to the zero-weight standbys when home fails (Route 53 failover);
 *   spill     every region's capacity scaler 255 for spill geographies (GCP's
 *             waterfall by region does the rest); weighted geographies keep theirs;
 *   cheapest  every routing_period (default 1 h), all weight on the region with the
 *             lowest cost per load-unit-hour (on-demand price / (units per instance x
 *             target_util) + egress when away from home) among those whose latency at
 *             the setpoint (base_ms / (1 - target_util) + route latency) is within the
 *             SLO bound and healthy; home if none (SkyPilot-style placement).
 * It reads only the scenario, now and the pool snapshot: no look-ahead. */
typedef enum sc_routing_mode {
    SC_ROUTING_HOME = 0,
    SC_ROUTING_LATENCY = 1,
    SC_ROUTING_FAILOVER = 2,
    SC_ROUTING_SPILL = 3,
    SC_ROUTING_CHEAPEST = 4,
    SC_ROUTING_MODE_COUNT = 5
} sc_routing_mode;

const char *sc_routing_mode_name(sc_routing_mode m); /* "home", "latency", ... */

typedef struct sc_routing sc_routing;

/* Read `routing` and `routing_period` from a policy's parameters (JSON object text;
 * other keys are ignored).  Errors (unknown mode, a mode other than home in a scenario
 * without routing mechanisms, a bad period) name `where` and the key. */
sc_status sc_routing_from_params(const sc_scenario *sc, const char *params_json,
                                 const char *where, sc_routing_mode *mode, int64_t *period_ms,
                                 sc_error *err);
/* A controller for scenario sc (borrowed; must outlive it).  Free with sc_routing_free. */
sc_status sc_routing_alloc(const sc_scenario *sc, sc_routing_mode mode, int64_t period_ms,
                           sc_routing **out, sc_error *err);
void sc_routing_free(sc_routing *rt);
/* One decision at now: append the set_weight actions (issue_ms = now) that move the
 * weights it last set to the ones the mode wants.  pools: the orchestrator's snapshot
 * (layout of sc_orch_snapshot).  Allocation only when the plan grows. */
sc_status sc_routing_decide(sc_routing *rt, sc_time_ms now, const sc_pool_state *pools,
                            sc_plan *plan, sc_error *err);
/* Record that set_weight action a was issued before (live mode replaying its journal),
 * so that the next decision starts from the weights already set.  Other kinds and
 * out-of-range actions are ignored. */
void sc_routing_note(sc_routing *rt, const sc_action *a);

SC_END_DECLS

#endif
