/*
 * sculpt_stockout.c - the `sculpt` policy answers spot stock-outs (issue 11, items 3 and
 * 5): it learns a stock-out from the cloud's answers, plans the gap on on-demand, and
 * probes for the spot pool's return with an exponential back-off.
 *
 * Signal, and only that.  A live cloud says "no" to a launch (EC2 RunInstances answers
 * InsufficientInstanceCapacity; the provider interface's `limited`) and nothing about
 * when capacity comes back.  The policy reads the orchestrator's tallies of launch
 * answers per (region, type, option) (sc_policy_view.launches, sc_orch_launch_tally:
 * instances accepted and refused, cumulative), never the scenario's windows.  An
 * interruption alone does not mark a pool (spot is interrupted at its routine rate in
 * every scenario); the replacement launch that follows one meets the refusal.  Nor do
 * refusals in a region whose health checks report it failed on some route (the view's
 * route_health, as Route 53 reports it): the region is down, on-demand would be refused
 * as well, and routing's failover answers it (sculpt_route.c); nor refusals that the
 * region's published capacity limit of the type or its vCPU quota explains (the
 * instances of the type there at the previous decision, draining ones included, plus
 * every launch answered since, of any option, exceed the limit): the optimizer already
 * plans within those.
 *
 * State per (region, instance type), shared by the apps that run the type there:
 *   backoff_ms  0: spot available; > 0: marked unavailable, the current back-off;
 *   until       no probe before this time (the back-off's end);
 *   probing     1 while a probe (or, without intra_hour, a plan that offers spot again)
 *               awaits the cloud's answer;
 *   seen_*      the tallies at the previous decision (the answers since are new).
 *
 * Rule, at every decision, from the spot answers since the previous one:
 *   - refused > 0: the pool is marked; the first refusal sets the back-off to
 *     `stockout_backoff` (5 min); a refused probe doubles it, up to
 *     `stockout_backoff_max` (1 h); until = now + back-off.  EC2's guidance for
 *     InsufficientInstanceCapacity: retry later, or in another pool or on demand.
 *   - none refused and accepted > 0 while marked (a granted probe): the mark and the
 *     back-off are reset.
 *   - a change of the mark (set or reset) replans at once, so the optimizer's plan
 *     follows within the decision (sculpt.c).
 * While marked, the optimizer sees the pool's spot option as not offered (its price NaN:
 * spot's capacity limit is 0 in every step), so it plans the gap on on-demand, or in
 * another region where routing allows (`"routing": "plan"`).  Every scenario step
 * (intra_hour), the shaped counts of a marked pool keep its running spot instances
 * (the stock-out refuses launches; it ends nothing, a reclaim ends instances through
 * the cloud) as long as the planned capacity needs them, up to the spot share cap, and
 * take them off the on-demand count at their derated capacity (1 - expected loss); no
 * spot launch is asked for, except the probe: once the back-off has passed, ONE spot
 * instance more than held, in the first app that runs the type in the region.  Without
 * intra_hour there is no probe: when the back-off has passed, the next replan offers
 * spot again and its launches are the probe.
 *
 * Off with `"stockout": false` (the policy then keeps asking for spot, as before).
 */
#include <math.h>
#include <stdlib.h>

#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"

#include "sculpt_int.h"

typedef struct so_pool {
    int64_t backoff_ms;      /* 0: available; > 0: marked, the current back-off */
    sc_time_ms until;        /* no probe before this */
    int probing;             /* a probe awaits its answer */
    int lp_off;              /* the optimizer sees spot as not offered */
    sc_time_ms probe_at;     /* decision that made the probe (one per decision) */
    long seen_acc[SC_PURCHASE_COUNT], seen_ref[SC_PURCHASE_COUNT]; /* tallies at the
                                previous decision, per option */
    double used_n, used_vcpu; /* instances of the type and vCPUs in the region at the
                                previous decision, before its launches */
} so_pool;

struct sculpt_stockout {
    int64_t base_ms, max_ms; /* stockout_backoff, stockout_backoff_max */
    size_t n_regions, n_types;
    so_pool *p;              /* [region * n_types + type] */
};

sc_status sc_sculpt_stockout_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                                  const char *where, sc_error *err)
{
    int on = 1;
    int64_t base = 0, max = 0;
    sc_status st;
    if ((st = sc_params_get_bool(sc_sculpt_params, sc_sculpt_n_params, params, "stockout",
                                 &on)) ||
        (st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params,
                                     "stockout_backoff", &base)) ||
        (st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params,
                                     "stockout_backoff_max", &max)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    s->stockout = NULL;
    if (!on)
        return SC_OK;
    if (max < base)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "stockout_backoff_max: expected at least stockout_backoff");
    struct sculpt_stockout *so = calloc(1, sizeof *so);
    if (!so || !(so->p = calloc(sc->n_regions * sc->n_types + 1, sizeof *so->p))) {
        free(so);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    so->base_ms = base;
    so->max_ms = max;
    so->n_regions = sc->n_regions;
    so->n_types = sc->n_types;
    for (size_t i = 0; i < sc->n_regions * sc->n_types; i++) {
        so->p[i].until = SC_TIME_MIN;
        so->p[i].probe_at = SC_TIME_MIN;
    }
    s->stockout = so;
    return SC_OK;
}

void sc_sculpt_stockout_cleanup(sculpt_state *s)
{
    if (!s->stockout)
        return;
    free(s->stockout->p);
    free(s->stockout);
    s->stockout = NULL;
}

/* 1 when the provider's health checks report region r failed on some route (the
 * refusals there are the region's, not the spot pool's). */
static int region_failed(const sc_policy_view *v, size_t r)
{
    const sc_scenario *sc = v->sc;
    for (size_t a = 0; v->route_health && a < sc->n_apps; a++)
        for (size_t g = 0; g < sc->n_geos; g++)
            if (!sc_view_route_healthy(v, (int)a, (int)g, (int)r))
                return 1;
    return 0;
}

/* Instances of type t running in region r as the view shows them (every app; draining
 * ones too: they hold capacity until they end), and the vCPUs of every type there. */
static void region_use(const sc_policy_view *v, size_t r, size_t t, double *n_t,
                       double *vcpu)
{
    const sc_scenario *sc = v->sc;
    *n_t = *vcpu = 0.0;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t u = 0; u < sc->n_types; u++) {
            const sc_pool_state *ps;
            if (v->pools_type)
                ps = &v->pools_type[((a * sc->n_regions + r) * sc->n_types + u) *
                                    SC_PURCHASE_COUNT];
            else if ((int)u == sc->apps[a].instance_type)
                ps = &v->pools[(a * sc->n_regions + r) * SC_PURCHASE_COUNT];
            else
                continue;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                double n = sc_pool_requested(&ps[o]) + ps[o].draining;
                if (u == t)
                    *n_t += n;
                *vcpu += n * sc->types[u].capacity[SC_METRIC_CPU];
            }
        }
}

/* 1 when the launches answered since the previous decision (n of every option, vcpu
 * their vCPUs) did not fit in region r under the type's published capacity limit or the
 * region's vCPU quota from what ran there then (the LP's own bounds): the refusal is
 * the limit's. */
static int at_limit(const sc_policy_view *v, const so_pool *p, size_t r, size_t t, long n)
{
    const sc_region *rg = &v->sc->regions[r];
    int lim = rg->types[t].capacity_limit;
    double vc = (double)n * v->sc->types[t].capacity[SC_METRIC_CPU];
    return (lim >= 0 && p->used_n + (double)n > lim) ||
           (rg->vcpu_quota >= 0 && p->used_vcpu + vc > rg->vcpu_quota);
}

int sc_sculpt_stockout_observe(sculpt_state *s, const sc_policy_view *v)
{
    struct sculpt_stockout *so = s->stockout;
    if (!so || !v->launches)
        return 0;
    int changed = 0;
    for (size_t i = 0; i < so->n_regions * so->n_types; i++) {
        so_pool *p = &so->p[i];
        const sc_launch_tally *t = &v->launches[i * SC_PURCHASE_COUNT];
        long dref = t[SC_PURCHASE_SPOT].refused - p->seen_ref[SC_PURCHASE_SPOT];
        long dacc = t[SC_PURCHASE_SPOT].accepted - p->seen_acc[SC_PURCHASE_SPOT];
        long n_all = 0; /* launches of every option answered since */
        for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
            n_all += t[o].refused - p->seen_ref[o] + t[o].accepted - p->seen_acc[o];
            p->seen_ref[o] = t[o].refused;
            p->seen_acc[o] = t[o].accepted;
        }
        size_t r = i / so->n_types, ty = i % so->n_types;
        int limit = dref > 0 && at_limit(v, p, r, ty, n_all);
        region_use(v, r, ty, &p->used_n, &p->used_vcpu); /* for the next decision */
        int off0 = p->lp_off;
        if (dref > 0 && (limit || region_failed(v, r)))
            dref = 0; /* a region failure or a limit, which on-demand cannot answer */
        if (dref > 0) {
            if (p->backoff_ms == 0) {
                p->backoff_ms = so->base_ms;
            } else if (p->probing) {
                p->backoff_ms = p->backoff_ms > so->max_ms / 2 ? so->max_ms : 2 * p->backoff_ms;
            }
            p->until = sc_time_add(v->now, p->backoff_ms);
            p->lp_off = 1;
        } else if (dacc > 0 && p->backoff_ms > 0) {
            p->backoff_ms = 0; /* a granted launch: the pool is back */
            p->until = SC_TIME_MIN;
            p->lp_off = 0;
        } else if (p->backoff_ms > 0 && !s->intra && v->now >= p->until && p->lp_off) {
            p->lp_off = 0; /* no probe without intra_hour: the replan offers spot again */
            p->probing = 1;
            changed = 1;
            continue;
        }
        p->probing = 0;
        changed |= p->lp_off != off0;
    }
    return changed;
}

void sc_sculpt_stockout_problem(const sculpt_state *s, const sc_scenario *sc, int a,
                                sc_opt_problem_buf *b)
{
    const struct sculpt_stockout *so = s->stockout;
    if (!so)
        return;
    size_t t = (size_t)sc->apps[a].instance_type;
    for (size_t r = 0; r < sc->n_regions; r++)
        if (so->p[r * so->n_types + t].lp_off)
            b->price[r * 3 + SC_PURCHASE_SPOT] = NAN;
}

void sc_sculpt_stockout_shape(sculpt_state *s, const sc_policy_view *v, int a, int r,
                              double loss, int min_inst, int *od, int *sp)
{
    struct sculpt_stockout *so = s->stockout;
    if (!so || !v->launches)
        return;
    const sc_scenario *sc = v->sc;
    so_pool *p = &so->p[(size_t)r * so->n_types + (size_t)sc->apps[a].instance_type];
    if (p->backoff_ms == 0)
        return;
    int held = sc_pool_requested(sc_view_pool(v, a, r, SC_PURCHASE_SPOT));
    int res = sc_pool_requested(sc_view_pool(v, a, r, SC_PURCHASE_RESERVED));
    double serve = *od + (1.0 - loss) * *sp; /* planned capacity beyond the reserved */
    /* running spot is kept while the plan needs it, within the spot share cap */
    int cap = (int)floor(s->spot_max_share * (*od + *sp + res) + 1e-9);
    if (cap < *sp)
        cap = *sp;
    int keep = held < cap ? held : cap;
    int o = (int)ceil(serve - (1.0 - loss) * keep - 1e-9);
    if (o < 0)
        o = 0;
    if (o + keep + res < min_inst)
        o = min_inst - keep - res;
    /* the probe: one launch more than held, once the back-off has passed */
    if (v->now >= p->until && !p->probing && o + keep + res > 0 && p->probe_at != v->now) {
        p->probing = 1;
        p->probe_at = v->now;
        keep = held + 1;
    }
    *od = o;
    *sp = keep;
}
