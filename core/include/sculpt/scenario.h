/*
 * scenario.h - the scenario: what a simulation (or a live deployment) is about.
 *
 * Parsed from JSON (schema in scenarios/README.md) into plain arrays indexed by
 * position; names are resolved to indices at load time so the simulator never compares
 * strings.  Every error names the file and JSON path ("demo.json: $.apps[2].slo.
 * latency_ms: expected a positive number").
 *
 * Model (DESIGN.md "Domain model"):
 *  - geographies: where users are; each has a home region.
 *  - regions: where capacity runs; prices per instance type and purchase option, a boot
 *    time distribution, capacity limits per type, a vCPU quota, spot interruption rate,
 *    egress price.  latency_ms[geo][region] joins the two.
 *  - instance types: capacity per resource metric (vCPU, GiB, MB/s).
 *  - applications: demand per geography as load series (load units per second, e.g.
 *    requests/s) and/or direct resource series; per-unit resource needs; instance type;
 *    target utilisation (autoscaler setpoint); min/max instances; initial allocation;
 *    latency curve and SLO.
 */
#ifndef SCULPT_SCENARIO_H
#define SCULPT_SCENARIO_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

#define SC_NAME_MAX 64

/* Resource metrics.  SC_METRIC_LOAD is the application's own load unit (e.g. req/s); it
 * is turned into resources through the app's per-unit needs. */
typedef enum sc_metric {
    SC_METRIC_CPU = 0, /* vCPU */
    SC_METRIC_MEM = 1, /* GiB */
    SC_METRIC_IO = 2,  /* MB/s */
    SC_METRIC_RESOURCES = 3,
    SC_METRIC_LOAD = 3 /* load units ("requests" is an accepted alias) */
} sc_metric;

const char *sc_metric_name(sc_metric m); /* "cpu","mem","io","load" */

typedef enum sc_purchase {
    SC_PURCHASE_ONDEMAND = 0,
    SC_PURCHASE_RESERVED = 1,
    SC_PURCHASE_SPOT = 2,
    SC_PURCHASE_COUNT = 3
} sc_purchase;

const char *sc_purchase_name(sc_purchase p); /* "on_demand","reserved","spot" */

/* A duration distribution, in ms.  Draws are by inverse transform of one uniform, so
 * common random numbers carry across policies. */
typedef enum sc_dist_kind {
    SC_DIST_CONST = 0,     /* a = value */
    SC_DIST_UNIFORM = 1,   /* a = min, b = max */
    SC_DIST_LOGNORMAL = 2  /* a = median, b = 95th percentile (b >= a) */
} sc_dist_kind;

typedef struct sc_dist {
    sc_dist_kind kind;
    double a_ms;  /* see sc_dist_kind */
    double b_ms;
} sc_dist;

/* Quantile of the distribution at u in (0,1), in ms, in [0, 30 days] (a far tail is cut). */
double sc_dist_quantile(const sc_dist *d, double u);

/* How a geography's clients are spread over regions (scenarios/README.md, "Routing";
 * the propagation model is the mock cloud's, sim/mockroute.h). */
typedef enum sc_route_mech {
    SC_ROUTE_HOME = 0,     /* "home": all load to the home region, fixed (the default) */
    SC_ROUTE_DNS = 1,      /* "dns-weighted": weighted DNS records (Route 53, Traffic
                              Manager): control-plane delay, then resolver caches expire
                              over the TTL; a sticky fraction keeps answers longer */
    SC_ROUTE_ANYCAST = 2,  /* "anycast": endpoint weights of an anycast front (Global
                              Accelerator): seconds; open connections stay */
    SC_ROUTE_SPILL = 3,    /* "spill": nearest healthy region first up to its capacity,
                              overflow by round-trip time (GCP waterfall-by-region) */
    SC_ROUTE_MECH_COUNT = 4
} sc_route_mech;

const char *sc_route_mech_name(sc_route_mech m); /* "home","dns-weighted","anycast","spill" */

#define SC_ROUTE_WEIGHT_MAX 255 /* weights are quantised to 0..255 (Route 53's range) */

typedef struct sc_geo_routing {
    sc_route_mech mech;
    int *weights;               /* [n_regions] initial weights 0..SC_ROUTE_WEIGHT_MAX, or
                                   -1 = no record for the region (weighted mechanisms:
                                   never answered until a set_weight creates it); sum of
                                   the positive ones > 0 (spill: capacity scalers, 255 =
                                   1.0, every region listed); owned; NULL for home */
    int64_t delay_ms;           /* dns: control-plane propagation; anycast: convergence */
    int64_t hold_ms;            /* dns: record TTL; anycast: open-connection lifetime */
    double sticky_frac;         /* dns: fraction of clients that ignore the TTL, [0, 1] */
    int64_t sticky_ms;          /* dns: how long those keep an answer (>= hold_ms) */
    double change_rate_per_sec; /* weight-change calls per second (token bucket); 0 = no
                                   limit */
    int change_burst;           /* bucket size, calls (>= 1 when rate > 0) */
    int64_t hc_interval_ms;     /* health check interval */
    double max_util;            /* spill: a region is full at this utilisation of its
                                   serving instances (GCP maxUtilization, default 0.8) */
    int hc_threshold;           /* failed checks before a region is unhealthy (and
                                   passed ones before it is healthy again); 0 = no checks */
} sc_geo_routing;

typedef struct sc_geo {
    char name[SC_NAME_MAX];
    int home_region;            /* index into regions */
    char tz[SC_NAME_MAX];       /* IANA zone of the users (informational, generator) */
    sc_geo_routing routing;     /* mechanism (default home: routing.weights NULL) */
} sc_geo;

typedef struct sc_instance_type {
    char name[SC_NAME_MAX];
    double capacity[SC_METRIC_RESOURCES]; /* vCPU, GiB, MB/s per instance */
} sc_instance_type;

/* Per region x instance type. */
typedef struct sc_region_type {
    double price_per_hour[SC_PURCHASE_COUNT]; /* USD per instance-hour; NaN = not offered */
    int capacity_limit;                       /* max running instances of this type in the
                                                 region (stock-out); -1 = unlimited */
} sc_region_type;

/* A window in which a region loses capacity (scheduled outage or partial loss). */
typedef struct sc_outage {
    sc_time_ms start_ms;          /* inside the run */
    int64_t duration_ms;          /* > 0, ends inside the run */
    double lost;                  /* fraction of the region's serving capacity lost, (0, 1];
                                     1 = the region is down (launches refused too) */
} sc_outage;

/* A window in which a region grants no new spot instances of one type (spot stock-out,
 * EC2's InsufficientInstanceCapacity; issue 11; core/scenario/spot_stockout.c). */
typedef struct sc_spot_stockout {
    int type;                     /* index into types */
    sc_time_ms start_ms;          /* inside the run */
    int64_t duration_ms;          /* > 0, ends inside the run */
    double reclaim;               /* probability that each spot instance of the type in the
                                     region (any app; booting, warming or serving) is
                                     reclaimed at the window's start, [0, 1] */
} sc_spot_stockout;

typedef struct sc_region {
    char name[SC_NAME_MAX];
    sc_region_type *types;        /* [n_types], owned */
    sc_dist boot;                 /* boot delay: API call to instance running */
    int vcpu_quota;               /* max vCPUs running in the region; -1 = unlimited */
    double spot_interrupt_per_hour; /* hazard rate of a spot interruption per instance-hour */
    double egress_per_gb;         /* USD per GB leaving the region to another region */
    int64_t reserved_term_ms;     /* reserved commitment term */
    int api_rate_per_sec;         /* provider API calls per second (token bucket); 0 = no limit */
    sc_outage *outages;           /* owned, sorted by start, not overlapping: the scheduled
                                     windows merged with the random ones (mtbf) */
    size_t n_outages;
    int64_t mtbf_ms;              /* mean time between failures (random outages); 0 = none */
    int64_t mttr_ms;              /* mean time to repair; 0 when mtbf_ms is 0 */
    size_t n_outages_random;      /* random windows drawn (before the merge) */
    /* spot market (issue 11; core/scenario/spot_*.c, scenarios/README.md "Spot market") */
    sc_spot_stockout *spot_stockouts; /* owned, sorted by (type, start), not overlapping
                                         within a type: scheduled windows merged with the
                                         random ones */
    size_t n_spot_stockouts;
    size_t n_spot_stockouts_random; /* random windows drawn (before the merge) */
    double spot_log_sd;           /* spot price model: stationary sd of the log price; 0 =
                                     the listed spot price holds all run */
    int64_t spot_reversion_ms;    /* its mean-reversion time constant (0 when off) */
    double *spot_mult;            /* owned, [n_spot_hours]: hour h of the run (from start)
                                     has spot price min(listed x spot_mult[h], on-demand);
                                     NULL when the price is fixed */
    size_t n_spot_hours;
} sc_region;

/* One demand source: a series feeding (app, geo, metric). */
typedef struct sc_demand_src {
    int geo;                      /* index into geos */
    sc_metric metric;             /* SC_METRIC_LOAD or a resource metric */
    char trace[SC_NAME_MAX];      /* name of an entry in sc_scenario.traces */
    double scale;                 /* values are multiplied by this */
    double offset;                /* then this is added */
} sc_demand_src;

typedef struct sc_initial_alloc {
    int region;
    int count;
    sc_purchase option;
} sc_initial_alloc;

/* Utilisation -> latency: latency = base_ms / (1 - min(u, u_max)) (an M/M/1 response
 * time with service time base_ms), plus the route's network latency. */
typedef struct sc_latency_curve {
    double base_ms;   /* service time at zero load */
    double u_max;     /* utilisation cap of the curve, e.g. 0.99 */
} sc_latency_curve;

typedef struct sc_slo {
    double latency_ms;             /* bound on (curve latency + route latency) */
    double max_unserved_frac;      /* max unserved fraction of load within a step */
    double penalty_per_unit_hour;  /* USD per load-unit-hour unserved */
    double attainment;             /* objective: fraction of the app's app-geo-steps that
                                      must meet the two bounds above, in (0, 1);
                                      default SC_SLO_ATTAINMENT_DEFAULT */
} sc_slo;

#define SC_SLO_ATTAINMENT_DEFAULT 0.999

typedef struct sc_app {
    char name[SC_NAME_MAX];
    char unit[SC_NAME_MAX];                /* load unit, e.g. "req/s" */
    int instance_type;                     /* index into types */
    double needs[SC_METRIC_RESOURCES];     /* resource per load unit (vCPU, GiB, MB/s) */
    double target_util;                    /* autoscaler setpoint in (0,1] */
    int min_instances, max_instances;      /* per region */
    int64_t warmup_ms;                     /* app warm-up after boot */
    double gb_per_unit_hour;               /* egress GB per load-unit-hour routed away */
    sc_latency_curve latency;
    sc_slo slo;
    sc_demand_src *demand;  size_t n_demand;     /* owned */
    sc_initial_alloc *initial; size_t n_initial; /* owned */
} sc_app;

/* Where a named trace comes from. */
typedef enum sc_trace_kind {
    SC_TRACE_STORE = 0,     /* a series in an HDF5 store */
    SC_TRACE_CSV = 1,       /* a CSV/NAB file, read at load time */
    SC_TRACE_SYNTHETIC = 2  /* a series of the scenario's synthetic generator spec */
} sc_trace_kind;

typedef struct sc_trace_ref {
    char name[SC_NAME_MAX];
    sc_trace_kind kind;
    char path[1024];        /* store or CSV path, resolved relative to the scenario file */
    char series[256];       /* store: "app/place/metric"; synthetic: "app/geo/metric" */
    char tz[SC_NAME_MAX];   /* CSV: zone of naive timestamps ("" = UTC) */
    int value_col;          /* CSV: 0-based value column (default 1) */
    int64_t shift_ms;       /* added to the trace's timestamps (align to the scenario) */
    int resample;           /* 0 = max (peak), 1 = mean, 2 = sum: to the scenario step */
} sc_trace_ref;

/* A policy to compare: a name and its JSON parameters (kept as a JSON string, parsed
 * by the policy itself). */
typedef struct sc_policy_spec {
    char name[SC_NAME_MAX];       /* registry name: "static", "reactive", ... */
    char label[SC_NAME_MAX];      /* display name, default = name */
    char *params_json;            /* owned; "{}" when none */
} sc_policy_spec;

typedef struct sc_scenario {
    char name[SC_NAME_MAX];
    char path[1024];              /* file it was read from */
    char dir[1024];               /* its directory, for relative paths */
    uint64_t seed;
    sc_time_ms start;             /* first simulated instant (warm-up begins here) */
    int64_t warmup_ms;            /* history period excluded from metrics */
    int64_t duration_ms;          /* measured period after warm-up */
    int64_t step_ms;              /* demand / accounting step */

    sc_geo *geos; size_t n_geos;
    sc_region *regions; size_t n_regions;
    sc_instance_type *types; size_t n_types;
    double *latency_ms;           /* [n_geos * n_regions], row = geo */
    sc_app *apps; size_t n_apps;
    sc_trace_ref *traces; size_t n_traces;
    char *synthetic_json;         /* owned; generator spec (JSON text) or NULL */
    char synthetic_path[1024];    /* where the spec came from, for messages */
    sc_policy_spec *policies; size_t n_policies;
    int routed;                   /* 1 if any geography has a mechanism other than home */
    int has_outages;              /* 1 if any region has an outage window */
    int has_spot_market;          /* 1 if any region has spot stock-outs or a spot price
                                     model (spot_stockouts, spot_mult) */
    int per_step_output;          /* write per-step series to results (default 1) */

    char *source_json;            /* owned; the scenario file text, stored in results */
    uint64_t hash;                /* FNV-1a/SplitMix hash of source_json */
} sc_scenario;

/* The most instances one app may hold or need (min_instances, max_instances, and the
 * instance-equivalents its peak demand implies): far above any fleet, far below int
 * overflow in the per-region sums. */
#define SC_SCENARIO_INSTANCES_MAX 1000000

/* Check the instance-equivalents an app's demand implies at its peak (`peak_ieq`, summed
 * over its geographies, computed once the traces are read) against
 * SC_SCENARIO_INSTANCES_MAX.  SC_ERR_INPUT with the app's JSON path and the figures when
 * above or not finite; SC_OK otherwise.  core/scenario/scenario_bounds.c. */
sc_status sc_scenario_check_peak(const sc_scenario *sc, size_t app, double peak_ieq,
                                 sc_error *err);

/* Load and validate.  On failure *out is NULL and err names file and JSON path. */
sc_status sc_scenario_load(const char *path, sc_scenario **out, sc_error *err);
/* Parse from text; `path` is used for messages and relative paths. */
sc_status sc_scenario_parse(const char *text, const char *path, sc_scenario **out,
                            sc_error *err);
void sc_scenario_free(sc_scenario *sc);

/* Lookups by name; -1 when missing. */
int sc_scenario_region_index(const sc_scenario *sc, const char *name);
int sc_scenario_geo_index(const sc_scenario *sc, const char *name);
int sc_scenario_type_index(const sc_scenario *sc, const char *name);
int sc_scenario_trace_index(const sc_scenario *sc, const char *name);

/* The run's attainment objective: the mean of apps[].slo.attainment over the apps (each
 * app has the same number of app-geo-steps, so this is the objective of the pooled
 * attainment sc_run_summary.slo_attainment: pooled attainment >= it exactly when the
 * violations spent do not exceed the violations the apps allow in total).
 * SC_SLO_ATTAINMENT_DEFAULT for a scenario without apps. */
double sc_scenario_slo_objective(const sc_scenario *sc);

static inline double sc_scenario_latency(const sc_scenario *sc, int geo, int region)
{
    return sc->latency_ms[(size_t)geo * sc->n_regions + (size_t)region];
}

SC_END_DECLS

#endif
