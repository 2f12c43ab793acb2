/*
 * mockcloud.h - the mock cloud provider of the simulator.
 *
 * Implements the provider interface (provider.h) against simulated time:
 *  - provisioning completes after a boot delay drawn from the region's distribution,
 *    then the app warms up for its warm-up time before the instance serves;
 *  - deprovisioning drains the instance (drain_ms, billed, not serving) then ends it;
 *    booting instances are cancelled first, then warming, then ready ones; within a
 *    state, the instance that entered it last goes first (a LIFO list per state);
 *  - capacity limits per (region, type) and the region's vCPU quota refuse launches
 *    beyond them (stock-out), partially when only some fit;
 *  - an API rate limit per region: a token bucket refilled at api_rate_per_sec with a
 *    burst of 10 s worth of tokens; one token per apply call;
 *  - spot instances are interrupted at a rate of spot_interrupt_per_hour per running
 *    instance-hour, with a two-minute notice during which they still serve;
 *  - spot stock-outs ($.regions[i].spot_stockouts, core/scenario/spot.h): inside a
 *    window no spot instance of the type is granted in the region (the launch fails
 *    whole, as EC2's InsufficientInstanceCapacity: sc_action_result.limited); at the
 *    window's start each spot instance of the type in the region that is booting,
 *    warming or serving is reclaimed with the window's probability (one uniform per
 *    (window, pool, launch index)): it gets the two-minute notice (a serving one still
 *    serves meanwhile; a booting or warming one stops progressing), then ends;
 *  - a spot price varying per hour ($.regions[i].spot_price): spot pools are billed per
 *    second at the price of each hour (sc_spot_price_integral);
 *  - billing per second with a 60 s minimum per instance, from the launch call to the
 *    end of the instance, at the pool's purchase-option price.  Reserved capacity is a
 *    commitment: each reserved instance launched commits the region for the term at the
 *    reserved hourly price, billed whether used or not until the term ends or the run
 *    ends.  For runs shorter than the term we bill the pro-rated commitment (hours of the
 *    run it covers) and state that the residual value of the unexpired term is not
 *    counted as cost.
 *
 * Every random draw is keyed by (seed, region, pool, launch index) (rng.h), so the k-th
 * launch in a pool meets the same boot delay and interruption whatever the policy.
 *
 *  - routing: per (app, geography) weights over regions, set only by set_weight
 *    actions, taking effect as the geography's mechanism allows (mockroute.h for
 *    dns-weighted and anycast; spill fills the nearest healthy region up to its
 *    capacity, serving instances x max_utilization x capacity scaler, then the next by
 *    latency, and spreads what is left in proportion to capacity), with health-check
 *    failover (a region with no serving instance of the app fails its checks);
 *
 * Provider interface version 2: snapshot() copies the pool states of the apps' own
 * instance types in one call, only the changed ones when asked since_last.
 *
 * The simulator owns the event queue and dispatches the mock's events back to
 * sc_mock_handle(); before any pool changes, the mock calls before_change(ctx, app, region) so
 * the simulator can account service up to now with the old capacity.
 */
#ifndef SCULPT_MOCKCLOUD_H
#define SCULPT_MOCKCLOUD_H

#include <stdint.h>

#include "evq.h"
#include "sculpt/provider.h"
#include "sculpt/scenario.h"

/* Event types used by the mock: base + these. */
enum {
    SC_MOCK_EV_RUNNING = 0,   /* boot finished: instance running, warming up */
    SC_MOCK_EV_READY = 1,     /* warm-up finished: instance serves */
    SC_MOCK_EV_NOTICE = 2,    /* spot interruption notice */
    SC_MOCK_EV_END = 3,       /* drained or interrupted: instance ends */
    SC_MOCK_EV_PUBLISH = 4,   /* routing: a weight change reaches the front end (a = ag) */
    SC_MOCK_EV_HEALTH = 5,    /* routing: the health checker's verdict on a region (a =
                                 ag * n_regions + region, b = gen << 1 | healthy) */
    SC_MOCK_EV_TICK = 6,      /* routing: a breakpoint or sub-step of a share's ramp (a =
                                 app): only accounting happens */
    SC_MOCK_EV_OUTAGE = 7,    /* a region's outage window starts or ends (a = region,
                                 b = window << 1 | end) */
    SC_MOCK_EV_SPOT = 8,      /* a spot stock-out window starts or ends (a = region,
                                 b = window << 1 | end) */
    SC_MOCK_EV_COUNT = 9
};

typedef struct sc_mock_config {
    const sc_scenario *sc;
    sc_evq *q;                 /* borrowed: the simulator's event queue */
    uint32_t event_base;       /* first event type number reserved for the mock */
    sc_time_ms start_ms;       /* simulation start */
    sc_time_ms end_ms;         /* simulation end (commitments are billed up to it) */
    int64_t drain_ms;          /* connection draining before termination */
    void (*before_change)(void *ctx, int app, int region);
    void *ctx;
    int64_t route_tick_ms;     /* longest accounting sub-step while a routing share ramps
                                  (0 = only at the ramp's breakpoints) */
} sc_mock_config;

/* Aggregates the simulator reads per (app, region) = ar. */
typedef struct sc_mock_ar {
    int serving;               /* ready + interrupting instances, all types and options */
    int billable;              /* instances billed now (all states) */
    int serving_other;         /* of serving: instances of types other than the app's
                                  own (a resize; sc_mock_serving_type per type) */
} sc_mock_ar;

extern const sc_provider_type sc_mock_provider_type;
/* Its declared settings (mockcloud_params.c): the scenario's region keys it reads. */
extern const sc_param_def sc_mock_params[6];

/* After sc_provider_alloc(&sc_mock_provider_type, &cfg, ...): */
typedef struct sc_mock sc_mock;

/* The mock behind a provider instance. */
sc_mock *sc_mock_of(sc_provider *p);
/* Handle one of the mock's events (ev->type - event_base in [0, SC_MOCK_EV_COUNT)). */
sc_status sc_mock_handle(sc_mock *m, const sc_event *ev, sc_error *err);
/* Start with `count` ready instances in a pool at the simulation start (initial
 * allocation): billed from start, serving at once. */
sc_status sc_mock_seed(sc_mock *m, int app, int region, int type, sc_purchase option,
                       int count, sc_error *err);
/* Issue 13: the view entries (ar * SC_PURCHASE_COUNT + option, own type) changed since
 * the last snapshot, *n of them, in no particular order; valid until the next event or
 * snapshot.  The simulator reads it before the snapshot to tell the policy which
 * app-regions changed (sc_policy_view.changed). */
const uint32_t *sc_mock_dirty(const sc_mock *m, size_t *n);
/* Per-ar aggregates, [ar]. */
const sc_mock_ar *sc_mock_ars(const sc_mock *m);
/* Serving (ready + interrupting) instances of one type in (app, region), all options. */
int sc_mock_serving_type(const sc_mock *m, int app, int region, int type);
/* Bill everything up to t and add the cost since the last call into
 * cost[ar * SC_PURCHASE_COUNT + option] (USD).  t must not go backwards. */
void sc_mock_bill(sc_mock *m, sc_time_ms t, double *cost);

/* Routing (scenarios with a mechanism other than home; design in mockroute.h).
 * Health: a region is unhealthy for an app while it has no serving instance (its
 * endpoints fail their checks); the checker says so interval x threshold after the
 * change, if it lasted.  Call sc_mock_route_start once after the initial allocation
 * (sc_mock_seed), at the start: health then is what the seeded pools give. */
void sc_mock_route_start(sc_mock *m);
/* The share of each geography of app served by each region at t, into
 * out[g * n_regions + r]; ieq_g[g] is the geography's demand now (instance-
 * equivalents; spill fills regions by it).  Home geographies give 1 at home. */
void sc_mock_route_shares(sc_mock *m, int app, sc_time_ms t, const double *ieq_g, double *out);

/* The health checkers' verdicts, [(app * n_geos + geo) * n_regions + region], 1
 * healthy: what Route 53 reports (GetHealthCheckStatus), interval x threshold after a
 * region's serving state changed.  NULL when the scenario does not route. */
const unsigned char *sc_mock_route_health(const sc_mock *m);

/* Outages ($.regions[i].outages): from a window's start to its end the region's
 * serving capacity is multiplied by avail[region] = 1 - lost (its instances stay billed);
 * a region that is down (lost = 1) refuses launches.  NULL when the scenario has no
 * outage windows.  [region] */
const double *sc_mock_avail(const sc_mock *m);
/* Regions inside an outage window now. */
int sc_mock_outages_active(const sc_mock *m);

/* Spot stock-out windows open now per (region, type), [region * n_types + type] (> 0:
 * no spot launch granted).  NULL when the scenario has no stock-outs. */
const int *sc_mock_spot_stockouts(const sc_mock *m);

/* Counters for the results. */
typedef struct sc_mock_stats {
    long launches;            /* instances launched */
    long terminations;        /* instances ended */
    long refused_limit;       /* instances refused by capacity limit or quota */
    long throttled;           /* apply calls refused by the API rate limit */
    long interruptions;       /* spot interruptions (notices) */
    long route_changes;       /* set_weight calls accepted */
    long refused_stockout;    /* of refused_limit: spot instances refused by a stock-out */
    long reclaimed;           /* of interruptions: spot instances reclaimed at a
                                 stock-out's start */
} sc_mock_stats;
const sc_mock_stats *sc_mock_get_stats(const sc_mock *m);

#endif
