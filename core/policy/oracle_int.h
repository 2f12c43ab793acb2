/*
 * oracle_int.h - internal interface between the oracle policy (oracle.c) and its
 * executed routing plan (oracle_route.c, "routing": "plan").  Not installed.
 */
#ifndef SCULPT_ORACLE_INT_H
#define SCULPT_ORACLE_INT_H

#include <stdint.h>

#include "sculpt/optimizer.h"
#include "sculpt/orchestrator.h"
#include "sculpt/policy.h"

/* Utilisation at which app's queueing latency plus the route latency geo -> region
 * stays within its SLO bound: 1 - base / (bound - route), capped at min(u_max, 1) and a
 * hair inside the bound; 0 when the route leaves no room (route >= bound - base). */
double sc_oracle_route_u_slo(const sc_scenario *sc, int app, int geo, int region);

/* Limit on app's instances in region r (oracle.c): the type's capacity limit and the
 * vCPU quota, whichever is smaller, and in *kind which one binds; -1 when none. */
double sc_oracle_region_limit(const sc_scenario *sc, int app, int r, unsigned *kind);

/*
 * The oracle's executed routing plan for app a (oracle_route.c, design there): the
 * whole run's true per-geography demand, one optimizer problem per window with every
 * routable geography allowed to every region whose route meets the latency bound at
 * its operating utilisation, turned into timed set_weight actions (pushed to plan)
 * and into the instances each region needs at each step, tgt[r * n_steps + k]
 * (caller-owned, [R x n_steps]): enough for the routed load at the utilisation every
 * geography it serves allows, through each weight change's propagation (capacity
 * before route; the source keeps its instances until clients have moved), with the
 * app's min_instances where a region serves load, within its limits.
 *   serve_util: > 0 a fixed utilisation; 0 the app's target; < 0 the SLO point.
 *   ucap: load units per instance at 100 %.
 *   *rounded: += the rounded plans' objective over the measured windows.
 */
sc_status sc_oracle_route_plan(const sc_policy_view *v, sc_optimizer *opt, int a, int64_t win,
                               double serve_util, double ucap, int *tgt, sc_plan *plan,
                               double *rounded, sc_error *err);

#endif
