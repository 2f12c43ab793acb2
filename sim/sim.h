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
#include "sculpt/scenario.h"
#include "sculpt/status.h"

typedef struct sc_world {
    const sc_scenario *sc;      /* borrowed */
    int64_t n_steps;            /* warm-up + measured steps */
    int64_t warmup_steps;
    size_t n_ar, n_ag;          /* apps x regions, apps x geos */
    float **load_ar;            /* [ar][step] load units routed to the region */
    float **ieq_ar;             /* [ar][step] instance-equivalents at 100 % */
    float **load_ag;            /* [ag][step] load units of the geography */
    double *share;              /* [(app * n_geos + geo) * n_regions + region] routing */
    double *unit_cap;           /* [app] load units one instance serves at 100 % */
    unsigned char *app_local;   /* [app] 1 if every geography routes wholly to one region,
                                   so a region's service is accounted on its own */
    int *ar_geo_start;          /* [ar + 1] CSR index into ar_geo of the geographies ... */
    int *ar_geo;                /* ... whose whole load region ar serves (local apps) */
    float *arena;               /* owned storage behind the step arrays */
} sc_world;

/* Build the world of a scenario (reads or generates its traces). */
sc_status sc_world_build(const sc_scenario *sc, sc_world **out, sc_error *err);
void sc_world_free(sc_world *w);

/* One scaling action as it was issued (the decision log). */
typedef struct sc_action_log {
    sc_time_ms t;
    int app, region, type;
    int kind;         /* sc_action_kind */
    int option;       /* sc_purchase */
    int count;        /* requested */
    int accepted;     /* accepted by the provider */
} sc_action_log;

typedef struct sc_run_summary {
    char policy[SC_NAME_MAX];
    char label[SC_NAME_MAX];
    double cost_usd;                        /* instances + egress, measured period */
    double cost_by_option[SC_PURCHASE_COUNT];
    double egress_usd;
    double penalty_usd;                     /* unserved load x penalty */
    double penalised_cost_usd;              /* cost + penalty */
    double slo_attainment;                  /* fraction of app-geo-steps meeting the SLO */
    double violation_minutes;               /* app-geo minutes in violation */
    double unserved_fraction;               /* unserved / demanded load units */
    double idle_capacity_hours;             /* serving instance-hours above demand */
    double demand_unit_hours;               /* load-unit-hours demanded */
    double instance_hours;                  /* serving instance-hours */
    long actions;                           /* accepted scaling actions, measured */
    long launches, refused, throttled, interruptions, decisions;
    double lower_bound_usd;                 /* the policy's own lower bound on penalised
                                               cost (oracle: LP relaxation); NaN if none */
} sc_run_summary;

typedef struct sc_run {
    sc_run_summary sum;
    int per_step;              /* 1 if the arrays below are filled */
    int64_t n_steps;
    size_t n_ar;
    double *demand;            /* [ar][step] mean load units */
    double *capacity;          /* [ar][step] mean serving capacity, load units at 100 % */
    double *served;            /* [ar][step] mean load units served */
    double *cost;              /* [ar][step] USD billed in the step */
    double *instances;         /* [ar][step] mean serving instances */
    sc_action_log *log;        /* decision log, in issue order */
    size_t n_log, cap_log;
} sc_run;

/* Run the policy described by spec over the world.  per_step: keep per-step arrays. */
sc_status sc_run_policy(const sc_world *w, const sc_policy_spec *spec, int per_step,
                        sc_run **out, sc_error *err);
void sc_run_free(sc_run *run);

/* Register the simulator's plug-ins (mock provider).  Idempotent. */
void sc_sim_register(void);

#endif
