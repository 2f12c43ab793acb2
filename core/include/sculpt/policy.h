/*
 * policy.h - policies: decide(state, view) -> plan.
 *
 * A policy is a plug-in (STYLE.md): a const type struct plus a state block the core
 * allocates.  The simulator (or the live loop) calls decide() every cadence_ms on the
 * policy's own clock and hands it a view of the world as it is at `now`: the observed
 * demand of every step that has started, and the capacity of every pool.  A policy that
 * is not declared clairvoyant can only read the past through sc_view_load() /
 * sc_view_ieq(), which return NaN for steps after the current one; the no-look-ahead
 * test (tests/test_lookahead.c) checks this from the outside.
 *
 * Output is a plan: timed actions (sc_plan, sc_action: orchestrator.h, their one home).
 * The orchestrator issues actions with issue_ms <= now at once and schedules later ones.
 */
#ifndef SCULPT_POLICY_H
#define SCULPT_POLICY_H

#include "sculpt/export.h"

#include <math.h>
#include <stddef.h>
#include <stdint.h>

/* cJSON values are passed by pointer only: no cJSON header needed by a caller. */
struct cJSON;

#include "sculpt/orchestrator.h"
#include "sculpt/params.h"
#include "sculpt/provider.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

/* What a policy sees.  Arrays are indexed by ar = app * n_regions + region. */
typedef struct sc_policy_view {
    const sc_scenario *sc;
    sc_time_ms now;
    int64_t step;               /* index of the step containing now; 0 = scenario start */
    int64_t n_steps;            /* steps in the whole run (warm-up + measured) */
    int64_t warmup_steps;       /* steps before metrics start */
    const float *const *load;   /* [ar][step]: load units routed to the region */
    const float *const *ieq;    /* [ar][step]: instance-equivalents at 100 % utilisation
                                   of the binding resource */
    const float *load_now;      /* [ar]: load[ar][step], contiguous for fast scans */
    const float *ieq_now;       /* [ar]: ieq[ar][step] */
    const sc_pool_state *pools; /* [ar * SC_PURCHASE_COUNT + option], app's instance type:
                                   the orchestrator's snapshot taken for this decision */
    int clairvoyant;            /* 1: the policy may read future steps */
    /* Instance types (resize; NULL when the scenario has one type or the runner does
     * not provide them, as live mode does not yet): */
    const sc_pool_state *pools_type; /* [(ar * n_types + type) * SC_PURCHASE_COUNT +
                                   option]: every type's pools, read with the snapshot */
    const float *type_ieq;      /* [(app * n_types + type) * n_steps + step]: instance-
                                   equivalents of the app's own type one instance of
                                   type serves in the step (sc_world.type_ieq); read
                                   through sc_view_type_ieq */
    /* Per geography (issue 11; NULL when the driver gives none: the accessors then
     * answer NaN, and every route healthy).  Indexed by ag = app * n_geos + geo. */
    const float *const *geo_load; /* [ag][step]: load units arising in the geography */
    const float *const *geo_ieq;  /* [ag][step]: instance-equivalents of that load */
    const unsigned char *route_health; /* [ag * n_regions + region]: the provider's
                                   health-check verdict on the route (1 healthy), as
                                   Route 53 reports it: after interval x threshold */
    int64_t ring;               /* 0: load and ieq hold every step of the run; > 0 (a
                                   windowed world, issue 13): rows of `ring` steps, step k
                                   at [k % ring], holding steps ring_lo .. (at least) step */
    int64_t ring_lo;            /* oldest step held: reads before it are NaN, so a policy
                                   reads no further back than it declares (lookback_ms) */
    /* h-live (issue 12): live mode's SLO outcome measured from each app's latency and
     * error signals, per step (filled when the step is observed, so the past only):
     * slo_judged[app * n_steps + step] = the app's geographies with a measurement,
     * slo_violated[...] = those over the SLO (latency above slo.latency_ms or errors
     * above slo.max_unserved_frac: the simulator's rule).  NULL (the simulator, replay):
     * the error-budget controller (sculpt_slo.h) judges from the model instead. */
    const int *slo_judged, *slo_violated;
    const sc_launch_tally *launches; /* [(region * n_types + type) * SC_PURCHASE_COUNT +
                                   option]: the provider's answers to launches so far,
                                   accepted and refused (sc_orch_launch_tally); NULL when
                                   the driver gives none (issue 11: stock-outs learnt) */
    /* Issue 13 (10^5 app-regions): which app-regions may have changed since the view the
     * policy's previous decide() call was given.  Bit ar % 64 of changed[ar / 64] is set
     * when ar's pools (any option) or load_now / ieq_now may differ from that view; a
     * clear bit promises they are the same bits.  NULL: not known (every entry may have
     * changed): the first call, live mode, routed runs.  Read through sc_view_changed. */
    const uint64_t *changed;    /* [(apps x regions + 63) / 64] */
} sc_policy_view;

/* 1 when (app-region) ar's pools or current demand may differ from the previous decide
 * call's view (always 1 when the driver does not say), else 0. */
static inline int sc_view_changed(const struct sc_policy_view *v, size_t ar)
{
    return !v->changed || ((v->changed[ar >> 6] >> (ar & 63)) & 1u);
}

static inline size_t sc_view_ar(const sc_policy_view *v, int app, int region)
{
    return (size_t)app * v->sc->n_regions + (size_t)region;
}

/* Where step lies in a row of load / ieq (the step itself unless the rows are rings). */
static inline int64_t sc_view_slot(const sc_policy_view *v, int64_t step)
{
    return v->ring > 0 ? step % v->ring : step;
}

/* Observed load units in (app, region) at step; NaN for the future (unless
 * clairvoyant), outside the run, or before the look-back the policy declared (a
 * windowed world: ring_lo). */
static inline double sc_view_load(const sc_policy_view *v, int app, int region, int64_t step)
{
    if (step < v->ring_lo || step < 0 || step >= v->n_steps ||
        (step > v->step && !v->clairvoyant))
        return NAN;
    return (double)v->load[sc_view_ar(v, app, region)][sc_view_slot(v, step)];
}

/* Instance-equivalents needed at 100 % of the binding resource, same rules. */
static inline double sc_view_ieq(const sc_policy_view *v, int app, int region, int64_t step)
{
    if (step < v->ring_lo || step < 0 || step >= v->n_steps ||
        (step > v->step && !v->clairvoyant))
        return NAN;
    return (double)v->ieq[sc_view_ar(v, app, region)][sc_view_slot(v, step)];
}

static inline size_t sc_view_ag(const sc_policy_view *v, int app, int geo)
{
    return (size_t)app * v->sc->n_geos + (size_t)geo;
}

/* Observed load units arising in geography geo for app at step (wherever they are
 * served); NaN for the future (unless clairvoyant), outside the run, or when the driver
 * gives no per-geography demand.  The same past-only rule as sc_view_load. */
static inline double sc_view_geo_load(const sc_policy_view *v, int app, int geo, int64_t step)
{
    if (!v->geo_load || step < 0 || step >= v->n_steps || (step > v->step && !v->clairvoyant))
        return NAN;
    return (double)v->geo_load[sc_view_ag(v, app, geo)][step];
}

/* Instance-equivalents of geography geo's load for app at step, same rules. */
static inline double sc_view_geo_ieq(const sc_policy_view *v, int app, int geo, int64_t step)
{
    if (!v->geo_ieq || step < 0 || step >= v->n_steps || (step > v->step && !v->clairvoyant))
        return NAN;
    return (double)v->geo_ieq[sc_view_ag(v, app, geo)][step];
}

/* 1 when the provider's health check currently reports region healthy on the route of
 * (app, geo) (or the driver reports no health: every route healthy), else 0. */
static inline int sc_view_route_healthy(const sc_policy_view *v, int app, int geo, int region)
{
    return !v->route_health ||
           v->route_health[sc_view_ag(v, app, geo) * v->sc->n_regions + (size_t)region] != 0;
}

/* Max of the instance-equivalents over the steps overlapping [t0, t1) that the view may
 * read (past steps, or all when clairvoyant); NaN when none. */
double sc_view_ieq_max(const sc_policy_view *v, int app, int region, sc_time_ms t0,
                       sc_time_ms t1);

/* Instance-equivalents (of app's own type) one instance of type serves at step, same
 * rules as sc_view_ieq; NaN without type data. */
static inline double sc_view_type_ieq(const sc_policy_view *v, int app, int type, int64_t step)
{
    if (!v->type_ieq || step < 0 || step >= v->n_steps || (step > v->step && !v->clairvoyant))
        return NAN;
    return (double)v->type_ieq[((size_t)app * v->sc->n_types + (size_t)type) *
                                   (size_t)v->n_steps + (size_t)step];
}

static inline const sc_pool_state *sc_view_pool(const sc_policy_view *v, int app, int region,
                                                sc_purchase option)
{
    return &v->pools[sc_view_ar(v, app, region) * SC_PURCHASE_COUNT + option];
}

/* Instances requested and not being removed: booting + warming + ready + interrupting. */
static inline int sc_pool_requested(const sc_pool_state *p)
{
    return p->booting + p->warming + p->ready + p->interrupting;
}

typedef struct sc_policy_type {
    const char *name;
    int version;                /* 1 */
    size_t state_size;          /* bytes allocated (zeroed) by the core */
    int clairvoyant;            /* 1 if the policy reads the future (static, oracle) */
    /* params: the policy's JSON object (never NULL); where: "file: $.policies[i].params"
     * for messages. */
    sc_status (*init)(void *state, const sc_scenario *sc, const struct cJSON *params,
                      const char *where, sc_error *err);
    void (*cleanup)(void *state);
    /* Decision period in ms; 0 = decide once, at the start. */
    int64_t (*cadence_ms)(const void *state);
    /* Append this decision's actions to plan. */
    sc_status (*decide)(void *state, const sc_policy_view *view, sc_plan *plan,
                        sc_error *err);
    /* Optional (NULL = none): a lower bound on the penalised cost of the measured period
     * that the policy computed (oracle: its LP relaxation), read after the run; NaN when
     * it has none.  Stored in the run summary as lower_bound_usd. */
    double (*lower_bound)(const void *state);
    /* Version 2 (params.h): the declared parameters.  sc_policy_alloc checks the params
     * object against them before init (unknown key, kind, range), so init only reads
     * values with the sc_params_get_* getters.  Version 1 types check their own keys. */
    const sc_param_def *params; /* [n_params], static storage */
    size_t n_params;
    const char *summary;        /* one line for `sculpt run --help-policy` (may be NULL) */
    /* Optional (NULL: the whole past): how far before now, in ms, decide() reads the
     * view's history through the accessors (0: only the current step; < 0: the whole
     * past).  A windowed world (issue 13) keeps that much behind the current step;
     * older steps read as NaN.  Ignored for clairvoyant types (they get every step). */
    int64_t (*lookback_ms)(const void *state);
} sc_policy_type;

typedef struct sc_policy {
    const sc_policy_type *type;
    void *state;
    long n_decisions;
} sc_policy;

/* Look up by name; a miss lists the valid names (SC_ERR_NOTFOUND). */
sc_status sc_policy_find(const char *name, const sc_policy_type **out, sc_error *err);
/* Register an extra policy type at start-up (built-ins are always present). */
sc_status sc_policy_register(const sc_policy_type *type);
/* NULL-terminated list of all policy types (for --help). */
void sc_policy_names(char *buf, size_t len);

/* params_json: the policy's parameters as JSON text ("{}" if none). */
sc_status sc_policy_alloc(const sc_policy_type *type, const sc_scenario *sc,
                          const char *params_json, const char *where, sc_policy **out,
                          sc_error *err);
void sc_policy_free(sc_policy *p);
int64_t sc_policy_cadence_ms(const sc_policy *p);
sc_status sc_policy_decide(sc_policy *p, const sc_policy_view *view, sc_plan *plan,
                           sc_error *err);

/* Optional parameters for a policy's init: an absent key leaves *out unchanged; a bad
 * value is SC_ERR_INPUT naming `where` and the key.  A duration is a string such as
 * "15s" / "5m" or a number of seconds (> 0 when `positive`, else >= 0); a number must lie
 * in [lo, hi], or (lo, hi] when `lo_open`. */
sc_status sc_policy_param_duration(const struct cJSON *params, const char *key, int positive,
                                   int64_t *out, const char *where, sc_error *err);
sc_status sc_policy_param_number(const struct cJSON *params, const char *key, double lo, double hi,
                                 int lo_open, double *out, const char *where, sc_error *err);
sc_status sc_policy_param_bool(const struct cJSON *params, const char *key, int *out,
                               const char *where, sc_error *err);

/* Built-in policy types. */
extern const sc_policy_type sc_policy_static;
extern const sc_policy_type sc_policy_reactive;
extern const sc_policy_type sc_policy_snaive_predictive; /* snaive_predictive.c */
extern const sc_policy_type sc_policy_aws_predictive;    /* aws_predictive.c */
extern const sc_policy_type sc_policy_oracle;            /* oracle.c */
extern const sc_policy_type sc_policy_sculpt;            /* sculpt.c */

/* Helpers shared by policies: emit the actions that move pool (app, region, option) of
 * the app's instance type from its requested count to target at time now.  The actions'
 * reason is "scale out to target" / "scale in to target"; _why gives the policy's own
 * (a string literal, see sc_action.reason). */
sc_status sc_plan_to_target(sc_plan *plan, const sc_policy_view *view, int app, int region,
                            sc_purchase option, int target);
sc_status sc_plan_to_target_why(sc_plan *plan, const sc_policy_view *view, int app,
                                int region, sc_purchase option, int target,
                                const char *reason);

/* The parameter table of a policy type (version >= 2; every built-in has one).  *defs
 * is NULL and *n 0 when none is declared; *summary may be NULL.  Returns 1 when a table
 * exists. */
int sc_policy_params(const sc_policy_type *type, const sc_param_def **defs, size_t *n,
                     const char **summary);

/* Parameter tables of the policies in sculpt.c and aws_predictive.c (sculpt_params.c,
 * aws_predictive_params.c).  Sized here so a type struct can write
 * `.n_params = sizeof sc_sculpt_params / sizeof sc_sculpt_params[0]` (the compiler checks
 * the size against the definition). */
extern const sc_param_def sc_sculpt_params[64];
extern const size_t sc_sculpt_n_params;
extern const char sc_sculpt_summary[];
extern const sc_param_def sc_aws_predictive_params[16];
extern const size_t sc_aws_predictive_n_params;
extern const char sc_aws_predictive_summary[];

SC_END_DECLS

#endif
