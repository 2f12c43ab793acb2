/*
 * simulator.h - the simulator as a library: build a world from a scenario and run a
 * policy on it (the discrete-event simulation of sim/sim.c, design in sim/sim.h).
 *
 *   sc_global_init();                          // once per process (sculpt/sculpt.h)
 *   sc_scenario *sc; sc_world *w; sc_run *run; sc_error err;
 *   sc_scenario_load("demo.json", &sc, &err);  // scenario.h
 *   sc_world_build(sc, &w, &err);
 *   sc_run_policy(w, &sc->policies[0], 0, &run, &err);
 *   char *json = sc_run_json(run);             // the object `sculpt run --json` prints
 *   free(json); sc_run_free(run); sc_world_free(w); sc_scenario_free(sc);
 *
 * Runs of one world are independent: several threads may run policies on the same world
 * at once (the world is read-only during runs).
 */
#ifndef SCULPT_SIMULATOR_H
#define SCULPT_SIMULATOR_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/policy.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"

SC_BEGIN_DECLS

typedef struct sc_world {
    const sc_scenario *sc;      /* borrowed */
    int64_t n_steps;            /* warm-up + measured steps */
    int64_t warmup_steps;
    size_t n_ar, n_ag;          /* apps x regions, apps x geos */
    float **load_ar;            /* [ar][step] load units routed to the region */
    float **ieq_ar;             /* [ar][step] instance-equivalents at 100 % */
    float **load_ag;            /* [ag][step] load units of the geography */
    float **ieq_ag;             /* [ag][step] instance-equivalents of the geography; only
                                   when the scenario routes (sc->routed), else NULL */
    double *share;              /* [(app * n_geos + geo) * n_regions + region] routing */
    double *unit_cap;           /* [app] load units one instance serves at 100 % */
    unsigned char *app_local;   /* [app] 1 if every geography routes wholly to one region,
                                   so a region's service is accounted on its own */
    int *ar_geo_start;          /* [ar + 1] CSR index into ar_geo of the geographies ... */
    int *ar_geo;                /* ... whose whole load region ar serves (local apps) */
    float *arena;               /* owned storage behind the step arrays */
    float *type_ieq;            /* [(app * n_types + type) * n_steps + step]: instance-
                                   equivalents of the app's own type that one instance
                                   of `type` serves (1 for the own type; 0 when the type
                                   lacks a resource the app needs); NULL when the
                                   scenario has one instance type */
    int64_t window;             /* 0: the whole-run layout (the step arrays above hold every
                                   step); > 0: windowed (issue 13): the step arrays are NULL
                                   and each run lays demand out this many steps at a time
                                   into rings of window + the policy's look-back */
    struct sc_world_src *src;   /* windowed: what the windows are made from (internal) */
} sc_world;

/* Largest world footprint sc_world_build accepts, in bytes (32 GiB). */
#define SC_WORLD_MAX_BYTES (32.0 * 1024.0 * 1024.0 * 1024.0)

/* Estimated peak memory in bytes of building the world of sc and of one run on it: the
 * step arrays (4 bytes per step of each per-region and per-geography row), the traces'
 * values at every step (8 bytes, generated or read), one app's working rows, and with
 * routing the run's copy of the history.  Not allocated: an estimate from the sizes. */
double sc_world_footprint(const sc_scenario *sc);

/* Build the world of a scenario (reads or generates its traces): sc_world_build_layout
 * with window 0 (automatic). */
sc_status sc_world_build(const sc_scenario *sc, sc_world **out, sc_error *err);

/* Whole-run layouts above this footprint are built windowed when the scenario allows it
 * (1 GiB). */
#define SC_WORLD_WINDOW_ABOVE_BYTES (1024.0 * 1024.0 * 1024.0)

/* Build with a chosen layout.  window < 0: the whole-run layout (refused, SC_ERR_INPUT
 * with the figure, when sc_world_footprint exceeds SC_WORLD_MAX_BYTES); > 0: windowed,
 * that many steps at a time; 0: automatic: the environment variable SCULPT_WORLD_WINDOW
 * (a number of steps, or "whole") when set, else windowed by an hour of steps when the
 * whole-run footprint exceeds SC_WORLD_WINDOW_ABOVE_BYTES.  A scenario that routes
 * (sc->routed) is always laid out whole.  Runs give the same bytes either way. */
sc_status sc_world_build_layout(const sc_scenario *sc, int64_t window, sc_world **out,
                                sc_error *err);

/* The window sc_world_build_layout would use for `window` (0: the whole-run layout). */
int64_t sc_world_window_choice(const sc_scenario *sc, int64_t window);

/* Estimated peak bytes of a windowed world and one run's rings: rings of window +
 * lookback + 1 steps (4 bytes a step of each row), the traces read whole (8 bytes a
 * step), and per generated series its window of values and its noise stream. */
double sc_world_footprint_windowed(const sc_scenario *sc, int64_t window, int64_t lookback);
void sc_world_free(sc_world *w);

/* sc_action_log, the decision log entry: orchestrator.h. */

typedef struct sc_run_summary {
    char policy[SC_NAME_MAX];
    char label[SC_NAME_MAX];
    double cost_usd;                        /* instances + egress, measured period */
    double cost_by_option[SC_PURCHASE_COUNT];
    double egress_usd;
    double penalty_usd;                     /* unserved load x penalty */
    double penalised_cost_usd;              /* cost + penalty */
    double slo_attainment;                  /* fraction of app-geo-steps meeting the SLO */
    double slo_objective;                   /* its objective, sc_scenario_slo_objective */
    double violation_minutes;               /* app-geo minutes in violation */
    double outage_violation_minutes;        /* of those, minutes while a region was inside
                                               an outage window; NaN without windows */
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
    sc_action_log *log;        /* decision log, in issue order (empty when it was handed
                                  to a log sink, sc_run_opts) */
    size_t n_log, cap_log;
    size_t n_log_streamed;     /* entries handed to the log sink */
    /* Where each geography is served (issue 11; per_step runs of routed scenarios,
     * NULL otherwise): */
    size_t n_ag;               /* apps x geographies */
    size_t geo_regions;        /* regions per geography in geo_share */
    double *geo_share;         /* [(ag * n_regions + r) * n_steps + step] mean share of
                                  geography ag's load routed to region r, 0..1 */
    double *geo_latency;       /* [ag * n_steps + step] worst latency of ag's routes in
                                  the step (curve + network), ms; NaN without load */
} sc_run;

/* Options of sc_run_policy_opts. */
typedef struct sc_run_opts {
    int per_step;              /* keep per-step arrays */
    /* Optional (NULL: the run keeps its whole log in run->log): called at every step
     * boundary and at the end with the decision log entries issued since the last call,
     * in issue order, so the log is not held whole (issue 13).  The entries are freed
     * after the call; a non-zero return stops the run with SC_ERR_IO. */
    int (*log_sink)(void *ctx, const sc_action_log *entries, size_t n);
    void *log_ctx;
} sc_run_opts;

/* sc_run_policy with options (opts NULL: defaults). */
sc_status sc_run_policy_opts(const sc_world *w, const sc_policy_spec *spec,
                             const sc_run_opts *opts, sc_run **out, sc_error *err);

/* Run the policy described by spec over the world.  per_step: keep per-step arrays. */
sc_status sc_run_policy(const sc_world *w, const sc_policy_spec *spec, int per_step,
                        sc_run **out, sc_error *err);
void sc_run_free(sc_run *run);

/* Register the simulator's plug-ins (mock provider).  Idempotent. */
void sc_sim_register(void);

/* The run's summary as the JSON object `sculpt run --json` prints for it (keys in the
 * README), cJSON's formatted text.  The caller frees it with free().  NULL when out of
 * memory. */
char *sc_run_json(const sc_run *run);
/* The summaries of n runs as one JSON array (what `sculpt run --json` prints).  The
 * caller frees it with free(). */
char *sc_runs_json(sc_run *const *runs, size_t n);

SC_END_DECLS

#endif
