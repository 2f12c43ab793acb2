/*
 * reactive.c - the `reactive` policy: the Kubernetes Horizontal Pod Autoscaler
 * controller's algorithm, with instances in the role of pods.
 *
 * Reference: kubernetes/kubernetes pkg/controller/podautoscaler (horizontal.go and
 * replica_calculator.go), which is authoritative where the docs differ.  Every sync
 * period (default 15 s), for each (app, region) the app is deployed in:
 *
 *  1. Replica calculation (GetResourceReplicas).  usageRatio = utilisation of the ready
 *     instances / target, where utilisation is that of the binding resource (with
 *     several metrics HPA takes the max of the per-metric proposals; with the rules
 *     below that equals the proposal of the binding metric).  Instances still booting
 *     or warming are "unready pods": if usageRatio <= 1 they are ignored and
 *     desired = ceil(usageRatio * ready); if usageRatio > 1 they are counted with zero
 *     usage, the ratio recomputed over all instances, and a change that flips direction
 *     or falls within tolerance is dropped.  |usageRatio - 1| <= tolerance (0.1) keeps
 *     the current count.  With no ready instance there is no metric and HPA holds.
 *     Utilisation and target are whole percentages, as in the controller, so 55 % on
 *     a 50 % target is a ratio of exactly 55/50 (which, in float64, is just outside a
 *     0.1 tolerance, as it is in Kubernetes).
 *  2. Stabilisation (stabilizeRecommendationWithBehaviors): the raw recommendation is
 *     remembered; scale-down takes the highest recommendation of the last 300 s,
 *     scale-up the lowest within its window (default 0 s: the current one).
 *  3. Rate limits (convertDesiredReplicasWithBehaviorRate), default behaviour: scale-up
 *     at most max(+100 %, +4 instances) per 15 s period measured from the count at the
 *     period's start; scale-down at most 100 % per 15 s.  Then min/max instances.
 *
 * Utilisation is capped at max_observed_util (default 1.0): a saturated instance
 * reports 100 % of its resource, not the demand it cannot serve.  Deviation: HPA does
 * nothing at zero replicas; here a deployed (app, region) at zero is brought to
 * max(min_instances, ceil(need / target)) so a run never deadlocks at zero.
 *
 * Parameters (all optional; table `params` below, `sculpt run --help-policy reactive`):
 * {"sync": "15s", "tolerance": 0.1, "scale_down_window": "300s", "scale_up_window": "0s",
 *  "scale_up_pods": 4, "scale_up_percent": 100, "scale_up_period": "15s",
 *  "scale_down_percent": 100, "scale_down_period": "15s", "target_util": <app's>,
 *  "max_observed_util": 1.0, "purchase": {...}}
 * "target_util": "auto" calibrates the target on the SLO error budget: the controller of
 * sculpt_slo.h (the rule in sculpt_slo.c) judges every closed step against the SLO and
 * moves a factor h per app in [0.5, 3]; the target is the app's target_util / h (at most
 * 1), so a budget burning fast lowers the target and one left unspent raises it.  Opt-in:
 * the default is unchanged.
 * Capacity is bought on demand, unless `purchase` (policy_sculpt.h, "purchase options of
 * the baselines") sets a reserved base, an on-demand base or a spot share: the HPA's
 * desired count is then split over the options (sc_purchase_mix_apply).  Without it
 * (or with its defaults) the code path below is the original one.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"

#include "sculpt_slo.h"

static const char *const target_words[] = {"auto", NULL};

static const sc_param_def params[] = {
    {.name = "sync", .kind = SC_PARAM_DURATION, .def = "15s", .lo = 0, .hi = INFINITY,
     .flags = SC_PARAM_LO_OPEN,
     .help = "controller sync period (--horizontal-pod-autoscaler-sync-period)"},
    {.name = "tolerance", .kind = SC_PARAM_NUMBER, .def = "0.1", .lo = 0, .hi = 1,
     .help = "|usageRatio - 1| within it keeps the current count"},
    {.name = "scale_down_window", .kind = SC_PARAM_DURATION, .def = "300s",
     .help = "scale-down stabilisation window (highest recent recommendation)"},
    {.name = "scale_up_window", .kind = SC_PARAM_DURATION, .def = "0s",
     .help = "scale-up stabilisation window (lowest recent recommendation)"},
    {.name = "scale_up_pods", .kind = SC_PARAM_INTEGER, .def = "4", .lo = 0, .hi = 1e6,
     .help = "scale-up rate limit: instances added per scale_up_period"},
    {.name = "scale_up_percent", .kind = SC_PARAM_NUMBER, .def = "100", .lo = 0, .hi = 1e6,
     .help = "scale-up rate limit: percent added per scale_up_period (the larger limit wins)"},
    {.name = "scale_up_period", .kind = SC_PARAM_DURATION, .def = "15s",
     .help = "period of the scale-up rate limits"},
    {.name = "scale_down_percent", .kind = SC_PARAM_NUMBER, .def = "100", .lo = 0, .hi = 100,
     .help = "scale-down rate limit: percent removed per scale_down_period"},
    {.name = "scale_down_period", .kind = SC_PARAM_DURATION, .def = "15s",
     .help = "period of the scale-down rate limit"},
    {.name = "target_util", .kind = SC_PARAM_NUMBER, .def = "app's target_util", .lo = 0,
     .hi = 1, .values = target_words,
     .help = "target utilisation of the binding resource (0 = the app's; \"auto\": the "
             "app's, calibrated on the SLO error budget)"},
    {.name = "max_observed_util", .kind = SC_PARAM_NUMBER, .def = "1.0", .lo = 0.01, .hi = 100,
     .help = "cap on the utilisation a saturated instance reports"},
    {.name = "purchase", .kind = SC_PARAM_OBJECT, .def = "all on demand",
     .help = "{\"reserved_base\": \"auto\"|N, \"on_demand_base\": N, "
             "\"spot_above_base\": 0..1} per (app, region)"},
};
#define N_PARAMS (sizeof params / sizeof params[0])

typedef struct rec_entry {
    sc_time_ms t;   /* when recommended */
    int n;          /* recommended instances */
} rec_entry;

typedef struct hpa_ar {
    int spec;              /* current desired replicas (scale.spec.replicas); -1 = unset */
    int deployed;          /* 1 if the app runs in this region */
    int rec_head, rec_len; /* ring of recent raw recommendations */
    int ev_head, ev_len;   /* ring of recent scale events (t, delta) */
    /* steady-state fast path: inputs of the last full evaluation and whether every
     * remembered recommendation equals spec */
    float last_need;
    int last_ready, last_unready, last_current, last_raw;
    int all_equal;
    int held;              /* fast-path recommendations (= spec) not yet in the ring: one
                              per decide call just before this one, at most rec_cap */
    int64_t last_call;     /* the decide call that last visited it (skipped calls: see
                              "Skipping" below) */
} hpa_ar;

typedef struct reactive_state {
    int64_t sync_ms;
    double tolerance;
    int64_t down_window_ms, up_window_ms;
    int up_pods;
    double up_percent;
    int64_t up_period_ms;
    double down_percent;
    int64_t down_period_ms;
    double target_override;     /* <= 0: use the app's target_util */
    double max_observed_util;
    size_t n_ar;
    hpa_ar *ar;                 /* [n_ar] */
    int rec_cap, ev_cap;
    int *recs;                  /* [n_ar * rec_cap] recommended instances; see below */
    rec_entry *evs;             /* [n_ar * ev_cap], n = signed delta */
    sc_time_ms *call_t;         /* [rec_cap] time of decide call k at k % rec_cap */
    int64_t n_calls;            /* decide calls completed */
    unsigned char *up_ok, *down_ok; /* [rec_cap] for the current call: whether the call
                                       `age` + 1 calls back lies in the scale-up /
                                       scale-down stabilisation window */
    int initialised;
    sc_purchase_mix mix;        /* `purchase`; default: everything on demand */
    int use_mix;                /* 0 for the default mix (the original code path) */
    sc_purchase_mix_ar *mix_ar; /* [n_ar] when use_mix */
    sc_slo_ctl slo;             /* "target_util": "auto": the error-budget controller;
                                   target = app's target_util / its factor */
    sc_time_ms slo_last;        /* last controller update; SC_TIME_MIN none */
    uint64_t *settled;          /* [(n_ar + 63) / 64] bit ar: with the same inputs the next
                                   call would take the fast path and plan nothing */
} reactive_state;

static void reactive_cleanup(void *state)
{
    reactive_state *s = state;
    free(s->ar);
    free(s->recs);
    free(s->evs);
    free(s->mix_ar);
    free(s->call_t);
    free(s->up_ok);
    free(s->down_ok);
    free(s->settled);
    s->settled = NULL;
    s->call_t = NULL;
    s->up_ok = s->down_ok = NULL;
    sc_slo_ctl_cleanup(&s->slo);
    s->ar = NULL;
    s->recs = NULL;
    s->evs = NULL;
    s->mix_ar = NULL;
}

/* params_obj was checked against `params` by sc_policy_alloc. */
static sc_status reactive_init(void *state, const sc_scenario *sc, const cJSON *params_obj,
                               const char *where, sc_error *err)
{
    reactive_state *s = state;
    s->target_override = 0.0; /* default: the app's target_util */
    int64_t pods = 4;
    sc_status st;
    if ((st = sc_params_get_duration(params, N_PARAMS, params_obj, "sync", &s->sync_ms)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "tolerance", &s->tolerance)) ||
        (st = sc_params_get_duration(params, N_PARAMS, params_obj, "scale_down_window",
                                     &s->down_window_ms)) ||
        (st = sc_params_get_duration(params, N_PARAMS, params_obj, "scale_up_window",
                                     &s->up_window_ms)) ||
        (st = sc_params_get_int(params, N_PARAMS, params_obj, "scale_up_pods", &pods)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "scale_up_percent",
                                   &s->up_percent)) ||
        (st = sc_params_get_duration(params, N_PARAMS, params_obj, "scale_up_period",
                                     &s->up_period_ms)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "scale_down_percent",
                                   &s->down_percent)) ||
        (st = sc_params_get_duration(params, N_PARAMS, params_obj, "scale_down_period",
                                     &s->down_period_ms)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "target_util",
                                   &s->target_override)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "max_observed_util",
                                   &s->max_observed_util)))
        return sc_error_set(err, st, where, "reactive: parameter table out of date");
    s->up_pods = (int)pods;
    if (s->sync_ms <= 0)
        return sc_error_set(err, SC_ERR_INPUT, where, "sync: expected a positive duration");
    int tw = -1;
    if ((st = sc_params_get_enum(params, N_PARAMS, params_obj, "target_util", &tw)))
        return sc_error_set(err, st, where, "reactive: parameter table out of date");
    s->slo_last = SC_TIME_MIN;
    if (tw == 0) { /* "auto" */
        s->target_override = 0.0;
        sc_slo_ctl_config cfg;
        sc_slo_ctl_config_default(&cfg);
        /* the factor divides the target: [1/2, 3] lets the target rise to 2x the app's
         * (capped at 1) when the budget is unspent and fall to a third of it */
        cfg.h_min = 0.5;
        if ((st = sc_slo_ctl_init(&s->slo, sc, &cfg, where, err)))
            return st;
    }
    if ((st = sc_purchase_mix_read(sc, params_obj, where, &s->mix, err))) {
        sc_slo_ctl_cleanup(&s->slo);
        return st;
    }
    s->use_mix = !sc_purchase_mix_is_default(&s->mix);
    s->n_ar = sc->n_apps * sc->n_regions;
    int64_t longest = s->down_window_ms > s->up_window_ms ? s->down_window_ms : s->up_window_ms;
    s->rec_cap = (int)(longest / s->sync_ms) + 2;
    int64_t per = s->up_period_ms > s->down_period_ms ? s->up_period_ms : s->down_period_ms;
    s->ev_cap = (int)(per / s->sync_ms) + 2;
    s->ar = calloc(s->n_ar ? s->n_ar : 1, sizeof *s->ar);
    s->recs = calloc(s->n_ar * (size_t)s->rec_cap + 1, sizeof *s->recs);
    s->evs = calloc(s->n_ar * (size_t)s->ev_cap + 1, sizeof *s->evs);
    s->call_t = calloc((size_t)s->rec_cap, sizeof *s->call_t);
    s->up_ok = calloc((size_t)s->rec_cap, 1);
    s->down_ok = calloc((size_t)s->rec_cap, 1);
    s->settled = calloc((s->n_ar + 63) / 64 + 1, sizeof *s->settled);
    if (s->use_mix)
        s->mix_ar = calloc(s->n_ar ? s->n_ar : 1, sizeof *s->mix_ar);
    if (!s->ar || !s->recs || !s->evs || !s->call_t || !s->up_ok || !s->down_ok ||
        !s->settled || (s->use_mix && !s->mix_ar)) {
        reactive_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    return SC_OK;
}

static int64_t reactive_cadence(const void *state)
{
    return ((const reactive_state *)state)->sync_ms;
}

/* Step 1: replica calculation for one (app, region).  As in the controller
 * (GetResourceUtilizationRatio), utilisation and target are whole percentages and the
 * ratio is their quotient. */
static double hpa_target_pct(double target)
{
    double target_pct = floor(target * 100.0 + 0.5);
    return target_pct < 1 ? 1 : target_pct;
}

/* target_pct: hpa_target_pct(target), computed once per app. */
static int hpa_replicas(const reactive_state *s, int current, int ready, int unready,
                        double need_ieq, double target_pct)
{
    if (ready <= 0)
        return current; /* no metrics from ready instances: HPA holds */
    double util = need_ieq / ready;
    if (util > s->max_observed_util)
        util = s->max_observed_util;
    double util_pct = floor(util * 100.0 + 1e-9);
    double ratio = util_pct / target_pct;
    int up_with_unready = unready > 0 && ratio > 1.0;
    if (!up_with_unready) {
        if (fabs(1.0 - ratio) <= s->tolerance)
            return current;
        return (int)ceil(ratio * ready);
    }
    /* unready instances counted with zero usage */
    double new_pct = floor(util * ready * 100.0 / (ready + unready) + 1e-9);
    double new_ratio = new_pct / target_pct;
    if (fabs(1.0 - new_ratio) <= s->tolerance || new_ratio < 1.0)
        return current;
    int n = (int)ceil(new_ratio * (ready + unready));
    if (n < current)
        return current;
    return n;
}

/* Skipping (issue 13, 10^5 app-regions).  When the view says which app-regions changed
 * since the previous call (sc_policy_view.changed), an app-region that is "settled"
 * (bit in s->settled: its last visit took the hold path below and planned nothing, so
 * with the same pools and demand the next would too) and did not change is not visited
 * at all: the only effect the visit would have had is held++ (and remembering the same
 * inputs), which the next visit makes up from the calls in between (last_call).  Visits stay in increasing ar order, so the plan is the
 * same, action for action, as when every app-region is visited.  Not with "auto" (the
 * target moves with the budget) or a purchase mix (its own state moves). */

/* A decide call's invariants, shared by its visits. */
typedef struct hpa_call {
    const sc_policy_view *v;
    sc_plan *plan;
    const unsigned char *up_ok, *down_ok; /* [rec_cap] see reactive_decide */
} hpa_call;

static void settle(reactive_state *s, size_t ar, int settled)
{
    uint64_t bit = UINT64_C(1) << (ar & 63);
    if (settled)
        s->settled[ar >> 6] |= bit;
    else
        s->settled[ar >> 6] &= ~bit;
}

/* One (app a, region r) = ar of a decide call: steps 1-3 above and the plan. */
static sc_status hpa_visit(reactive_state *s, const hpa_call *k, const sc_app *app, size_t a,
                           size_t r, size_t ar, double target, double target_pct,
                           sc_error *err)
{
    const sc_policy_view *v = k->v;
    sc_plan *plan = k->plan;
    const sc_time_ms now = v->now;
    const int rec_cap = s->rec_cap;
    hpa_ar *h = &s->ar[ar];
    if (h->deployed && s->n_calls - h->last_call > 1) { /* skipped calls: their held++ */
        int64_t held = h->held + (s->n_calls - h->last_call - 1);
        h->held = held < rec_cap ? (int)held : rec_cap;
    }
    h->last_call = s->n_calls;
    int ready = 0, unready = 0, other = 0, total = 0;
    for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
        const sc_pool_state *ps = &v->pools[ar * SC_PURCHASE_COUNT + (size_t)o];
        ready += ps->ready + ps->interrupting;
        unready += ps->booting + ps->warming;
        total += sc_pool_requested(ps);
        if (o != SC_PURCHASE_ONDEMAND)
            other += sc_pool_requested(ps);
    }
    double need = v->ieq_now[ar];
    double load = v->load_now[ar];
    if (!(need >= 0))
        need = 0;
    if (!s->initialised) {
        h->spec = total;
        h->deployed = total > 0 || load > 0;
    }
    if (load > 0)
        h->deployed = 1;
    if (!h->deployed) {
        settle(s, ar, 1); /* stays so until its demand changes */
        return SC_OK;
    }
    int current = h->spec;
    int *ring = &s->recs[ar * (size_t)rec_cap];
    /* Hold path: the raw recommendation equals the current count (in range), so
     * stabilisation and the rate limits leave it there whatever the ring holds (up <=
     * raw <= down) and the only state a full evaluation would change is the ring, by
     * one entry equal to spec: counted in held instead, and the inputs remembered.
     * Same inputs as last time with every remembered recommendation equal (the old fast
     * path) need not even recompute raw.  Not with "auto": the target itself may have
     * moved. */
    int raw = 0, have_raw = 0;
    if (s->initialised && !s->slo.on && current > 0 && current >= app->min_instances &&
        current <= app->max_instances) {
        if (h->all_equal && h->last_raw == current && h->last_current == current &&
            h->last_ready == ready && h->last_unready == unready &&
            h->last_need == (float)need)
            raw = current;
        else
            raw = hpa_replicas(s, current, ready, unready, need, target_pct);
        have_raw = 1;
    }
    if (have_raw && raw == current) {
        if (h->held < s->rec_cap)
            h->held++;
        h->last_need = (float)need;
        h->last_ready = ready;
        h->last_unready = unready;
        h->last_current = current;
        h->last_raw = raw;
        if (s->use_mix) {
            settle(s, ar, 0);
            sc_status st = sc_purchase_mix_apply(&s->mix, &s->mix_ar[ar], v, (int)a,
                                                 (int)r, current, target, plan, NULL);
            if (st != SC_OK)
                return sc_error_set(err, st, NULL, "reactive: cannot build plan");
        } else if (total != current) {
            settle(s, ar, 0);
            int od_target = current - other < 0 ? 0 : current - other;
            sc_status st = sc_plan_to_target(plan, v, (int)a, (int)r,
                                             SC_PURCHASE_ONDEMAND, od_target);
            if (st != SC_OK)
                return sc_error_set(err, st, NULL, "reactive: cannot build plan");
        } else {
            /* the same inputs would take this path again and plan nothing */
            settle(s, ar, 1);
        }
        return SC_OK;
    }
    /* the recommendations the fast path held back: {time of call k, spec} for
     * the h->held calls before this one (spec has not changed since) */
    for (int i = 0; i < h->held; i++) {
        if (h->rec_len == rec_cap) {
            h->rec_head = h->rec_head + 1 == rec_cap ? 0 : h->rec_head + 1;
            h->rec_len--;
        }
        int slot = h->rec_head + h->rec_len;
        ring[slot >= rec_cap ? slot - rec_cap : slot] = h->spec;
        h->rec_len++;
    }
    h->held = 0;
    if (!have_raw)
        raw = current <= 0 ? (int)ceil(need / target - 1e-9)
                           : hpa_replicas(s, current, ready, unready, need, target_pct);
    h->last_need = (float)need;
    h->last_ready = ready;
    h->last_unready = unready;
    h->last_current = current;
    h->last_raw = raw;

    /* Step 2: stabilisation over remembered recommendations */
    /* lo, hi: the least and greatest recommendation the ring holds once raw is
     * in and the oldest entry out (if full), for all_equal below */
    const unsigned char *const up_ok = k->up_ok, *const down_ok = k->down_ok;
    int up = raw, down = raw, lo = raw, hi = raw;
    for (int i = 0, j = h->rec_head; i < h->rec_len; i++, j = j + 1 == rec_cap ? 0 : j + 1) {
        int n = ring[j], age = h->rec_len - 1 - i;
        if (up_ok[age] && n < up)
            up = n;
        if (down_ok[age] && n > down)
            down = n;
        if (i > 0 || h->rec_len < rec_cap) {
            lo = n < lo ? n : lo;
            hi = n > hi ? n : hi;
        }
    }
    /* remember raw; drop entries older than both windows */
    if (h->rec_len == s->rec_cap) {
        h->rec_head = h->rec_head + 1 == s->rec_cap ? 0 : h->rec_head + 1;
        h->rec_len--;
    }
    int slot = h->rec_head + h->rec_len;
    ring[slot >= rec_cap ? slot - rec_cap : slot] = raw;
    h->rec_len++;
    int rec = current;
    if (rec < up)
        rec = up;
    if (rec > down)
        rec = down;

    /* Step 3: rate limits from the count at the start of the period */
    rec_entry *evr = &s->evs[ar * (size_t)s->ev_cap];
    int added_up = 0, removed_up = 0, added_dn = 0, removed_dn = 0;
    for (int i = 0, j = h->ev_head; i < h->ev_len; i++, j = j + 1 == s->ev_cap ? 0 : j + 1) {
        const rec_entry *e = &evr[j];
        if (e->t > now - s->up_period_ms) {
            if (e->n > 0)
                added_up += e->n;
            else
                removed_up -= e->n;
        }
        if (e->t > now - s->down_period_ms) {
            if (e->n > 0)
                added_dn += e->n;
            else
                removed_dn -= e->n;
        }
    }
    if (rec > current) {
        int start = current - added_up + removed_up;
        int by_pct = (int)ceil(start * (1.0 + s->up_percent / 100.0) - 1e-9);
        int by_pods = start + s->up_pods;
        int limit = by_pct > by_pods ? by_pct : by_pods;
        if (rec > limit)
            rec = limit < current ? current : limit;
    } else if (rec < current) {
        int start = current - added_dn + removed_dn;
        int limit = (int)(start * (1.0 - s->down_percent / 100.0));
        if (rec < limit)
            rec = limit > current ? current : limit;
    }
    if (rec < app->min_instances)
        rec = app->min_instances;
    if (rec > app->max_instances)
        rec = app->max_instances;
    if (rec != current) {
        if (h->ev_len == s->ev_cap) {
            h->ev_head = h->ev_head + 1 == s->ev_cap ? 0 : h->ev_head + 1;
            h->ev_len--;
        }
        int es = h->ev_head + h->ev_len;
        evr[es >= s->ev_cap ? es - s->ev_cap : es] = (rec_entry){now, rec - current};
        h->ev_len++;
        h->spec = rec;
    }
    h->all_equal = lo == h->spec && hi == h->spec;
    /* raw != current here (or "auto", or current out of range): the next call must
     * look again, the ring's ages having moved */
    settle(s, ar, 0);
    /* The replica controller keeps requested == spec (re-requests refused or
     * interrupted instances). */
    if (s->use_mix) {
        sc_status st = sc_purchase_mix_apply(&s->mix, &s->mix_ar[ar], v, (int)a,
                                             (int)r, h->spec, target, plan, NULL);
        if (st != SC_OK)
            return sc_error_set(err, st, NULL, "reactive: cannot build plan");
        return SC_OK;
    }
    int od_target = h->spec - other;
    if (od_target < 0)
        od_target = 0;
    sc_status st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_ONDEMAND,
                                     od_target);
    if (st != SC_OK)
        return sc_error_set(err, st, NULL, "reactive: cannot build plan");
    return SC_OK;
}

/* The app's target utilisation at this call, and as a whole percentage. */
static double app_target(const reactive_state *s, const sc_app *app, size_t a)
{
    double target = s->target_override > 0 ? s->target_override : app->target_util;
    if (s->slo.on) {
        target = app->target_util / sc_slo_ctl_factor(&s->slo, (int)a);
        if (target > 1.0)
            target = 1.0;
    }
    return target;
}

/* Index of the lowest set bit of x != 0. */
static int lowest_bit(uint64_t x)
{
#if defined(__GNUC__)
    return __builtin_ctzll(x);
#else
    int b = 0;
    while (!(x & 1)) {
        x >>= 1;
        b++;
    }
    return b;
#endif
}

static sc_status reactive_decide(void *state, const sc_policy_view *v, sc_plan *plan,
                                 sc_error *err)
{
    reactive_state *s = state;
    const sc_scenario *sc = v->sc;
    sc_time_ms now = v->now;
    if (s->slo.on) {
        sc_slo_ctl_observe(&s->slo, v);
        if (s->slo_last == SC_TIME_MIN || now - s->slo_last >= s->slo.cfg.update_ms) {
            s->slo_last = now;
            sc_slo_ctl_update(&s->slo, v);
        }
    }
    const size_t n_apps = sc->n_apps, n_regions = sc->n_regions;
    const int rec_cap = s->rec_cap;
    /* The ring of a deployed app-region holds one recommendation per decide call (the
     * fast path's held back ones included), so its entry of age g (0 = newest) was
     * made at call n_calls - 1 - g, whose time call_t keeps: a window test per age,
     * once per call, instead of a time per entry.  (A failed decide ends the run, so
     * a call cut short by an error never breaks the one-per-call rule.) */
    const sc_time_ms up_from = now - s->up_window_ms, down_from = now - s->down_window_ms;
    unsigned char *const up_ok = s->up_ok, *const down_ok = s->down_ok;
    for (int g = 0; g < rec_cap; g++) {
        int64_t k = s->n_calls - 1 - g;
        sc_time_ms t = k >= 0 ? s->call_t[k % rec_cap] : SC_TIME_MIN;
        up_ok[g] = k >= 0 && t > up_from;
        down_ok[g] = k >= 0 && t > down_from;
    }
    hpa_call call = {.v = v, .plan = plan, .up_ok = up_ok, .down_ok = down_ok};
    sc_status st;
    if (s->initialised && !s->slo.on && !s->use_mix && v->changed) {
        /* skipping: visit the app-regions that are not settled or changed */
        size_t n_words = (s->n_ar + 63) / 64;
        for (size_t wi = 0; wi < n_words; wi++) {
            uint64_t bits = ~s->settled[wi] | v->changed[wi];
            if (wi == n_words - 1 && s->n_ar % 64)
                bits &= (UINT64_C(1) << (s->n_ar % 64)) - 1;
            while (bits) {
                size_t ar = wi * 64 + (size_t)lowest_bit(bits);
                bits &= bits - 1;
                size_t a = ar / n_regions;
                const sc_app *app = &sc->apps[a];
                double target = app_target(s, app, a);
                if ((st = hpa_visit(s, &call, app, a, ar % n_regions, ar, target,
                                    hpa_target_pct(target), err)))
                    return st;
            }
        }
    } else {
        for (size_t a = 0; a < n_apps; a++) {
            const sc_app *app = &sc->apps[a];
            double target = app_target(s, app, a);
            double target_pct = hpa_target_pct(target);
            for (size_t r = 0; r < n_regions; r++)
                if ((st = hpa_visit(s, &call, app, a, r, a * n_regions + r, target,
                                    target_pct, err)))
                    return st;
        }
    }
    s->call_t[s->n_calls % s->rec_cap] = now;
    s->n_calls++;
    s->initialised = 1;
    return SC_OK;
}

/* Look-back (issue 13, the windowed world): the HPA reads only the current step
 * (load_now / ieq_now); the SLO controller and "auto" reserved levels read more. */
static int64_t reactive_lookback(const void *state)
{
    const reactive_state *s = state;
    return s->slo.on || s->mix.reserved_auto ? -1 : 0;
}

const sc_policy_type sc_policy_reactive = {
    .name = "reactive",
    .version = 2,
    .state_size = sizeof(reactive_state),
    .clairvoyant = 0,
    .init = reactive_init,
    .cleanup = reactive_cleanup,
    .cadence_ms = reactive_cadence,
    .decide = reactive_decide,
    .lower_bound = NULL,
    .params = params,
    .n_params = N_PARAMS,
    .summary = "Kubernetes HPA algorithm on instances (tolerance, stabilisation, rate limits)",
    .lookback_ms = reactive_lookback,
};
