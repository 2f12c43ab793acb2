/*
 * sim.h - the discrete-event simulation of one scenario under one policy.
 *
 * A world (sc_world) is the scenario's demand laid out per step, shared read-only by
 * every policy run: load units and instance-equivalents per (app, region) and load per
 * (app, geography), at the scenario step, from `start` for warm-up + duration.
 * Missing samples inside a trace are carried forward (then backward at its start); a
 * trace that does not cover the run is an error that says which.
 *
 * A run (sc_run_policy) replays the world through the real core: the policy decides on
 * its own cadence, the orchestrator issues its plan to the mock provider, and the
 * service model accounts every interval between events exactly (demand is constant
 * within a step, capacity changes only at events):
 *   per (app, region): u = instance-equivalents / serving instances (binding resource),
 *     served fraction s = min(1, 1/u), latency = base_ms / (1 - min(u, u_max));
 *   per (app, geography): load routed to regions by the routing shares (default: all to
 *     the home region); it is in violation while latency + route latency exceeds the SLO
 *     bound or its unserved fraction exceeds max_unserved_frac.
 * A step of (app, geography) meets its SLO when its worst latency in the step is within
 * the bound and its unserved fraction over the step is within the limit.
 */
#ifndef SCULPT_SIM_H
#define SCULPT_SIM_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/policy.h"
#include "sculpt/simulator.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"

/* The world and run types and functions are public: sculpt/simulator.h. */

#endif
