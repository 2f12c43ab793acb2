/*
 * sculpt_route.c - `sculpt` decides where load is served: "routing": "plan" (issue 11,
 * item 5), the default where a geography has a routing mechanism ($.geos[i].routing).
 *
 * Forecast.  One Workload Intensity Vector series per (app, geography), ag = app x
 * n_geos + geo, in an engine of its own with the policy's engine configuration
 * (sc_sculpt_wpe_config: hourly peak, the same forecaster hierarchy, history, refit and
 * quantiles).  It is fed the geography's observed instance-equivalents through
 * sc_view_geo_ieq (past only) at every replan: demand where it arises, whatever region
 * served it, so a routing change does not disturb the history the way the per-region
 * series (load as routed) are disturbed.
 *
 * Plan.  Each replan (sculpt.c), app a's optimizer problem has G = n_geos geographies
 * instead of one per region: demand[g] = the geography's forecast quantiles (times the
 * SLO controller's headroom); route g -> r is allowed (route_ok) when the region has
 * not failed for the route (below) and the latency at utilisation `route_util`, curve
 * latency base / (1 - min(u, u_max)) plus the network latency of g -> r, is within the
 * app's SLO bound.  route_util defaults, with the SLO sizing (sculpt_size.c, the
 * default), to the planned utilisation itself: capacity is sized at the SLO's
 * utilisation and the sizer's headroom, calibrated on the SLO, keeps the regions there.
 * Without it (`"serve_util": "target"`) it is halfway from the planned utilisation to 1
 * (0.8 for a target of 0.6): capacity is sized for the forecast at the target, but the
 * observed utilisation runs above it within steps and on forecast misses, and a route
 * that meets the bound only at the target turned into violation minutes on `global`
 * (checked at the target: 448 violation minutes, attainment 0.9936).  A routed
 * geography with no region within the bound at that utilisation (its home has failed)
 * may use the regions not failed whose route meets the bound at the highest
 * utilisation, and the app is planned at that utilisation for this replan (a failover
 * costs a little capacity everywhere while it lasts; else the region taking the load
 * is sized for its own geographies and the moved load is late); with none, its home
 * region (the best there is; the LP then pays its penalty where capacity lacks); a
 * geography without a mechanism ("home") only its home region.
 *
 * Sizing follows the routed load.  The SLO sizer (sculpt_size.c) judges each (app,
 * region)'s steps at the utilisation where its routes meet the bound; with a plan,
 * after every decision's weight changes, that is the least over the geographies with
 * a weight > 0 on the region (sc_sculpt_route_region_u_slo, fed through
 * sc_sizer_set_u_slo), so a region taking a farther geography's load is judged cooler.
 * Spill geographies count at home only (a scaler lets overflow in; where it goes is
 * the front end's).  The plan's demand is the geography's forecast quantiles times the
 * sizer's headroom factor, and capacity before route counts a region's spare at the
 * utilisation capacity is sized at.  Egress per ieq-hour routed away from home =
 * gb_per_unit_hour x egress_per_gb(r) x load units per instance.  Prices, purchase
 * options, capacity limits, quotas and lead times are the ones sculpt.c already sets
 * per region, so the LP's y[g][r][k] (sol->routed) is a joint plan of routing and
 * per-region capacity: it moves load only where capacity, with its lead time, can be.
 *
 * Execution, every decision (every scenario step), per routed (app, geography):
 *  1. Wanted shares = the plan's routed[g][r][k] / served[g][k] for the plan hour k
 *     under way; a geography with no planned demand keeps its weights.
 *  2. Failover: a region that has failed for the route (its health check fails while
 *     the app has serving instances there: an outage) gets share 0; when nothing
 *     planned is left, all goes to the nearest region that is serving and healthy,
 *     within the bound first.  A changed verdict also forces a replan
 *     (sc_sculpt_route_health_changed), so capacity is planned where the load went.
 *  3. Capacity before route: a region's share rises only once its health check passes
 *     on the route and only as far as its SERVING instances (ready or interrupting, not
 *     booting) can take the extra load at the planned utilisation u (sc_sculpt_util):
 *     spare = serving x u - observed routed ieq, shared in
 *     geography order; the regions losing share give up exactly what the others took,
 *     so the shares keep summing to 1 and the rest moves at a later decision, once the
 *     shaper's instances (planned for the hour with this routing) are ready.  Failover
 *     moves are not held back (the load is lost anyway).
 *  4. Quantised to the mechanism's weights: 255 x share / max share, rounded (Route 53's
 *     0..255).  Nothing is sent when no weight changes by more than `min_change` (8 of
 *     255) and none goes to or from 0.  Raises go before cuts (the total never falls
 *     to 0 between calls).  Calls are counted against a mirror of the mechanism's token
 *     bucket (change_rate_per_sec, change_burst), so none is throttled; the calls the
 *     bucket cannot take wait for the next decision.
 *  5. Drain after clients moved: when a region's weight falls, the region keeps the
 *     instances it has requested until propagation + TTL (or the sticky hold, when
 *     sticky clients exist) has passed (sc_sculpt_route_drain_floor, read by the
 *     shaper); the guard's hold on observed load covers what remains.
 * Spill geographies take capacity scalers instead of weights: 255 on every region the
 * plan uses (and home), 0 elsewhere; the front end's waterfall does the rest.
 *
 * Routes at their own utilisation ("route_cool": true; off by default).  A route that
 * meets the bound only below the check utilisation u (a far region: less room for
 * queueing) is allowed at route_serve_util = su x u_slo(g, r) / u (optimizer.h), and the
 * LP (lp.c "one utilisation per region") plans each region at the least utilisation of
 * the routes it loads, or keeps the plan without them when that is cheaper.  Executed:
 * the sizer already judges a region at its routes' utilisation (above); the guard sizes
 * at it too (sc_sculpt_route_guard_util) and the capacity-before-route spare of a
 * geography is counted at its route's utilisation.  Off by default because on `global`
 * it costs more than it saves (bench/policy/README.md "Routes at their own
 * utilisation"): api's far routes save ~10 % of the instance price per ieq in the LP,
 * but the regions taking them run all their load cooler and the guard follows.
 *
 * One region per geography ("route_pick", the default with the plan; h-groute).  Per
 * replan, each weighted geography of the app is given one region by local search
 * (route_pick()): from the
 * region it is served by now, a geography moves to the allowed region (route_ok as
 * with route_cool: within the bound at the route's own utilisation, not failed) that
 * lowers the planned cost most: sum over regions of the on-demand price x the mean
 * planned demand of the horizon it serves / the least utilisation of its routes, plus
 * egress; a move must save more than `route_stay` (default 0.02) of the geography's
 * cost where it is, so near-equal routes do not flip between replans.  The LP then
 * plans capacity for exactly these routes (one allowed region per weighted
 * geography), so the executed shares are 0 or 1 and the capacity follows them;
 * route_cool's sizing (the guard and the sizer at the routes' utilisation) comes with
 * it.  route_cool alone on `global` flipped shop's slivers into eu-west-1 every hour
 * (28,803 launches, 1,737 violation minutes); with route_pick the plan makes three
 * moves (api: gb and de to us-east-1, au to us-west-2) and stays: on demand only,
 * 5231.67 -> 5063.65 USD at attainment 0.99978 -> 0.99988 (bench/policy/README.md).
 *
 * Partial capacity loss (issue 11 item 3).  The cloud reports the instances of a region
 * that fail their status checks (sc_pool_state.impaired, as EC2 does; the mock during a
 * window with lost < 1); sc_sculpt_impaired_target asks for ceil(n x serving /
 * (serving - impaired)) in the region (within its limits), so the healthy ones carry n.
 * A region with all its serving instances impaired is left to the health checks.
 *
 * Determinism: regions and geographies in index order; no clock, no randomness.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sculpt/optimizer.h"
#include "sculpt/policy.h"
#include "sculpt/wpe.h"

#include "sculpt_int.h"

#define MIN_CHANGE 8 /* weights (of 255) below which a change is not worth a call */

typedef struct sculpt_route {
    sc_wpe *wpe;              /* one series per (app, geography) */
    int64_t *k_fed;           /* [ag] next scenario step to feed */
    int *cur;                 /* [ag * nr + r] weight last asked; -1 = no record */
    double *tokens;           /* [ag] calls left in the mechanism's bucket (a mirror) */
    sc_time_ms *token_t;      /* [ag] time tokens was brought up to date */
    sc_time_ms *hold_until;   /* [ar] drain: keep hold_count instances until then */
    int *hold_count;          /* [ar] */
    unsigned char *health;    /* [ag * nr + r] verdicts seen at the last decision */
    double *mean, *quant;     /* scratch [K], [K * nq] */
    double *share, *want, *next, *spare; /* scratch [nr] */
    size_t nr;                /* regions */
    int *w;                   /* scratch [nr] */
    double *cspare, *cused;   /* scratch [nr] ("route_cool") */
    int health_seen;          /* health[] holds a decision's verdicts */
    sc_time_ms *up_since;     /* [ar] serving without a break since; SC_TIME_MIN: not */
    double route_util;        /* utilisation a route's latency is checked at; <= 0:
                                 halfway from the planned one to 1 */
    int cool;                 /* "route_cool": routes below the check utilisation allowed
                                 at their own utilisation (route_serve_util) */
    int pick;                 /* "route_pick": one region per routed geography, chosen
                                 by local search on the planned cost (route_pick()) */
    double stay;              /* "route_stay": a move must save this fraction of the
                                 geography's planned cost where it is now */
    int *asg;                 /* scratch [n_geos]: region of each geography ("route_pick") */
    double *dg;               /* scratch [n_geos]: mean planned demand, ieq */
    double *ug;               /* scratch [n_geos * nr]: route utilisation, 0 = not allowed */
} sculpt_route;

/* The utilisation at which a route must keep the app within its latency bound: the
 * `route_util` set; else, with SLO sizing (the default: capacity sized at the SLO's
 * utilisation and a headroom calibrated on the SLO itself, sculpt_size.c), the planned
 * utilisation, since that is where the sizer keeps each region; else (serve_util
 * "target", no calibration) halfway from the planned utilisation to 1. */
static double check_util(const sculpt_state *s, const sculpt_route *rt, double serve_util)
{
    if (rt->route_util > 0)
        return rt->route_util;
    return s->size.on || s->slo.on ? serve_util : 0.5 * (serve_util + 1.0);
}

void sc_sculpt_route_cleanup(sculpt_state *s)
{
    sculpt_route *rt = s->route;
    if (!rt)
        return;
    sc_wpe_free(rt->wpe);
    free(rt->k_fed);
    free(rt->cur);
    free(rt->tokens);
    free(rt->token_t);
    free(rt->hold_until);
    free(rt->hold_count);
    free(rt->up_since);
    free(rt->health);
    free(rt->mean);
    free(rt->quant);
    free(rt->share);
    free(rt->want);
    free(rt->next);
    free(rt->spare);
    free(rt->cspare);
    free(rt->cused);
    free(rt->w);
    free(rt->asg);
    free(rt->dg);
    free(rt->ug);
    free(rt);
    s->route = NULL;
}

int sc_sculpt_route_n_geos(const sculpt_state *s, const sc_scenario *sc)
{
    return s->route ? (int)sc->n_geos : (int)sc->n_regions;
}

sc_status sc_sculpt_route_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                               const char *where, sc_error *err)
{
    s->route = NULL;
    /* plan by default where a geography has a routing mechanism (with the SLO sizing
     * it is at least as good as home on the three routed scenarios, bench/policy/
     * README.md "Routing"); one with none has nothing to route */
    int plan = sc->routed;
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "routing");
    if (v) {
        if (!cJSON_IsString(v))
            return sc_error_set(err, SC_ERR_INPUT, where, "routing: expected a string");
        plan = strcmp(v->valuestring, "plan") == 0;
        if (plan && !sc->routed)
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "routing: 'plan' needs a geography with a routing mechanism "
                                "($.geos[i].routing); every geography here is routed home");
    }
    double route_util = 0.0;
    sc_status st0 = sc_policy_param_number(params, "route_util", 0.0, 1.0, 1, &route_util,
                                            where, err);
    if (st0)
        return st0;
    double route_stay = 0.02;
    int route_pick = 1; /* the default with the plan (bench/policy/README.md "Routing") */
    if ((st0 = sc_policy_param_number(params, "route_stay", 0.0, 1.0, 0, &route_stay, where,
                                      err)) ||
        (st0 = sc_policy_param_bool(params, "route_pick", &route_pick, where, err)))
        return st0;
    const cJSON *cv = cJSON_GetObjectItemCaseSensitive(params, "route_cool");
    if (cv && !cJSON_IsBool(cv))
        return sc_error_set(err, SC_ERR_INPUT, where, "route_cool: expected true or false");
    if (!plan)
        return SC_OK;
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions, nag = na * ng;
    sculpt_route *rt = calloc(1, sizeof *rt);
    if (!rt)
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    s->route = rt;
    rt->route_util = route_util;
    rt->cool = cv && cJSON_IsTrue(cv);
    rt->stay = route_stay;
    rt->pick = route_pick;
    rt->cool |= route_pick; /* the regions run at the utilisation of their routes */
    rt->asg = calloc(ng + 1, sizeof *rt->asg);
    rt->dg = calloc(ng + 1, sizeof *rt->dg);
    rt->ug = calloc(ng * nr + 1, sizeof *rt->ug);
    rt->k_fed = calloc(nag + 1, sizeof *rt->k_fed);
    rt->cur = calloc(nag * nr + 1, sizeof *rt->cur);
    rt->tokens = calloc(nag + 1, sizeof *rt->tokens);
    rt->token_t = calloc(nag + 1, sizeof *rt->token_t);
    rt->hold_until = calloc(na * nr + 1, sizeof *rt->hold_until);
    rt->hold_count = calloc(na * nr + 1, sizeof *rt->hold_count);
    rt->up_since = calloc(na * nr + 1, sizeof *rt->up_since);
    rt->health = calloc(nag * nr + 1, 1);
    rt->mean = calloc((size_t)s->K + 1, sizeof *rt->mean);
    rt->quant = calloc((size_t)s->K * (size_t)s->nq + 1, sizeof *rt->quant);
    rt->share = calloc(nr + 1, sizeof *rt->share);
    rt->want = calloc(nr + 1, sizeof *rt->want);
    rt->next = calloc(nr + 1, sizeof *rt->next);
    rt->nr = nr;
    rt->spare = calloc(nr + 1, sizeof *rt->spare);
    rt->cspare = calloc(nr + 1, sizeof *rt->cspare);
    rt->cused = calloc(nr + 1, sizeof *rt->cused);
    rt->w = calloc(nr + 1, sizeof *rt->w);
    if (!rt->k_fed || !rt->cur || !rt->tokens || !rt->token_t || !rt->hold_until ||
        !rt->hold_count || !rt->up_since || !rt->health || !rt->mean || !rt->quant || !rt->share ||
        !rt->want || !rt->next || !rt->spare || !rt->w || !rt->cspare || !rt->cused ||
        !rt->asg || !rt->dg || !rt->ug) {
        sc_sculpt_route_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    for (size_t a = 0; a < na; a++)
        for (size_t g = 0; g < ng; g++) {
            const sc_geo_routing *gr = &sc->geos[g].routing;
            size_t ag = a * ng + g;
            rt->tokens[ag] = gr->change_burst;
            rt->token_t[ag] = sc->start;
            for (size_t r = 0; r < nr; r++)
                rt->cur[ag * nr + r] =
                    gr->weights ? gr->weights[r]
                                : ((int)r == sc->geos[g].home_region ? SC_ROUTE_WEIGHT_MAX : 0);
        }
    for (size_t i = 0; i < na * nr; i++)
        rt->hold_until[i] = rt->up_since[i] = SC_TIME_MIN;
    sc_wpe_config wc;
    sc_sculpt_wpe_config(s, sc, &wc);
    sc_status st = sc_wpe_alloc(&wc, nag, &rt->wpe, err);
    for (size_t a = 0; !st && a < na; a++)
        for (size_t g = 0; !st && g < ng; g++) {
            const char *geo = sc->geos[g].name;
            st = sc_wpe_series_set(rt->wpe, a * ng + g, sc->apps[a].name, geo, &geo, 1, err);
        }
    if (st) {
        snprintf(err->where, sizeof err->where, "%s", where);
        sc_sculpt_route_cleanup(s);
        return st;
    }
    return SC_OK;
}

static int serving(const sc_policy_view *v, int a, int r);

int sc_sculpt_route_health_changed(sculpt_state *s, const sc_policy_view *v)
{
    sculpt_route *rt = s->route;
    if (!rt)
        return 0;
    const sc_scenario *sc = v->sc;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            sc_time_ms *u = &rt->up_since[a * rt->nr + r];
            if (serving(v, (int)a, (int)r) == 0)
                *u = SC_TIME_MIN;
            else if (*u == SC_TIME_MIN)
                *u = v->now;
        }
    if (!v->route_health)
        return 0;
    size_t n = sc->n_apps * sc->n_geos * sc->n_regions;
    int changed = rt->health_seen && memcmp(rt->health, v->route_health, n) != 0;
    memcpy(rt->health, v->route_health, n);
    rt->health_seen = 1;
    return changed;
}

/* Serving instances (ready or interrupting) of (a, r), every purchase option. */
static int serving(const sc_policy_view *v, int a, int r)
{
    int n = 0;
    for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
        const sc_pool_state *p = sc_view_pool(v, a, r, (sc_purchase)o);
        n += p->ready + p->interrupting;
    }
    return n;
}

/* Region r has failed for the route of (a, g): its health check fails while the app
 * has serving instances there (an outage; an empty region is not failed, only not
 * checked healthy yet: it may be planned into, and its weight rises once instances
 * are ready). */
static int failed(const sculpt_route *rt, const sc_policy_view *v, int a, int g, int r)
{
    if (sc_view_route_healthy(v, a, g, r) || serving(v, a, r) == 0)
        return 0;
    /* instances serving for less than the checker needs to pass them are not failed */
    const sc_geo_routing *cfg = &v->sc->geos[g].routing;
    sc_time_ms since = rt->up_since[(size_t)a * rt->nr + (size_t)r];
    return since != SC_TIME_MIN &&
           v->now - since > cfg->hc_interval_ms * cfg->hc_threshold + v->sc->step_ms;
}

/* Latency of route g -> r for app at the planned utilisation u (curve + network). */
static double route_latency(const sc_scenario *sc, const sc_app *app, int g, int r, double u)
{
    double uu = fmin(u, app->latency.u_max);
    double curve = uu < 1.0 ? app->latency.base_ms / (1.0 - uu) : INFINITY;
    return curve + sc_scenario_latency(sc, g, r);
}

/* Forecast of (a, g) into rt->quant (K x nq); with no whole hour yet, the current
 * observation stands in for every quantile. */
static sc_status geo_forecast(sculpt_state *s, const sc_policy_view *v, int a, int g,
                              sc_error *err)
{
    sculpt_route *rt = s->route;
    const sc_scenario *sc = v->sc;
    size_t ag = sc_view_ag(v, a, g);
    int64_t k_now = sc_time_floor_div(v->now - sc->start, sc->step_ms);
    for (; rt->k_fed[ag] <= k_now; rt->k_fed[ag]++) {
        double e = sc_view_geo_ieq(v, a, g, rt->k_fed[ag]);
        if (rt->k_fed[ag] == k_now && !(e >= 0))
            break; /* not visible yet (a lagging live driver) */
        if (!(e >= 0))
            continue;
        sc_status st = sc_wpe_observe(rt->wpe, ag, sc->start + rt->k_fed[ag] * sc->step_ms,
                                      e, err);
        if (st)
            return st;
    }
    double now_ieq = sc_view_geo_ieq(v, a, g, k_now);
    int now_seen = now_ieq >= 0;
    if (!now_seen)
        now_ieq = 0.0;
    sc_error ferr;
    sc_status st = sc_wpe_forecast(rt->wpe, ag, v->now, (size_t)s->K, rt->mean, rt->quant,
                                   NULL, &ferr);
    if (st == SC_ERR_EMPTY) {
        for (int i = 0; i < s->K * s->nq; i++)
            rt->quant[i] = now_ieq;
        return SC_OK;
    }
    if (st)
        return sc_error_set(err, st, NULL, "sculpt: routing: forecast of %s in %s: %s",
                            sc->apps[a].name, sc->geos[g].name, ferr.msg);
    for (int qi = 0; qi < s->nq && now_seen && !s->hour_mean; qi++)
        if (rt->quant[qi] < now_ieq)
            rt->quant[qi] = now_ieq;
    return SC_OK;
}

/* Planned cost per hour of app a's geographies assigned to regions asg[] (a region at
 * the least utilisation of the routes it serves, ug; on-demand prices; egress). */
static double pick_cost(const sculpt_route *rt, const sc_opt_problem_buf *b, int R, int G,
                        const int *asg)
{
    double c = 0.0;
    for (int r = 0; r < R; r++) {
        double load = 0.0, ur = INFINITY;
        for (int g = 0; g < G; g++)
            if (asg[g] == r) {
                load += rt->dg[g];
                ur = fmin(ur, rt->ug[g * R + r]);
            }
        if (load > 0)
            c += b->price[r * 3 + SC_PURCHASE_ONDEMAND] * load / ur;
    }
    for (int g = 0; g < G; g++)
        c += rt->dg[g] * b->egress_per_ieq_hour[g * R + asg[g]];
    return c;
}

/* "route_pick": each weighted geography of app a served by one region, chosen by local
 * search from where it is served now (the region of its largest weight): a geography
 * moves to the allowed region that lowers the planned cost most (pick_cost: the mean
 * planned demand of the horizon, each region at the least utilisation of the routes it
 * serves), and only when the move saves more than route_stay of that geography's cost
 * where it is (hysteresis: near-equal routes do not flip); rounds until none moves (at
 * most 8).  The LP then plans capacity for exactly these routes (route_ok one region per
 * geography), so the shares it asks are 0 or 1 and the capacity it plans follows them.
 * Allowed: the routes route_ok already allows (latency within the bound at their own
 * utilisation, region not failed); a geography on failover keeps its allowed set. */
static void route_pick(sculpt_route *rt, const sc_policy_view *v, int a, double u,
                       sc_opt_problem_buf *b)
{
    const sc_scenario *sc = v->sc;
    int R = (int)sc->n_regions, G = (int)sc->n_geos;
    double su = b->p.serve_util;
    for (int g = 0; g < G; g++) {
        const int *cur = rt->cur + sc_view_ag(v, a, g) * (size_t)R;
        int best = -1, n_ok = 0;
        for (int r = 0; r < R; r++) {
            size_t i = (size_t)g * (size_t)R + (size_t)r;
            double us = sc_sculpt_route_u_slo(sc, a, g, r);
            rt->ug[i] = b->route_ok[i] ? su * fmin(1.0, us / u) : 0.0;
            if (b->route_ok[i]) {
                n_ok++;
                if (best < 0 || cur[r] > cur[best])
                    best = r;
            }
        }
        /* where it is served now, if allowed; else its home, else the first allowed */
        int home = sc->geos[g].home_region;
        rt->asg[g] = best >= 0 && cur[best] > 0 ? best : (b->route_ok[g * R + home] ? home : best);
        if (n_ok == 0)
            rt->asg[g] = home;
    }
    for (int round = 0; round < 8; round++) {
        int moved = 0;
        for (int g = 0; g < G; g++) {
            const sc_geo *geo = &sc->geos[g];
            if (geo->routing.mech != SC_ROUTE_DNS && geo->routing.mech != SC_ROUTE_ANYCAST)
                continue;
            if (!(rt->dg[g] > 0))
                continue;
            int here = rt->asg[g], best = here;
            double c0 = pick_cost(rt, b, R, G, rt->asg), cbest = c0;
            /* the geography's own cost where it is: its load at the region's price */
            double own = rt->dg[g] * b->price[here * 3 + SC_PURCHASE_ONDEMAND] /
                         fmax(rt->ug[g * R + here], 1e-9);
            for (int r = 0; r < R; r++) {
                if (r == here || !b->route_ok[g * R + r])
                    continue;
                rt->asg[g] = r;
                double c = pick_cost(rt, b, R, G, rt->asg);
                if (c < cbest) {
                    cbest = c;
                    best = r;
                }
            }
            rt->asg[g] = here;
            if (best != here && c0 - cbest > rt->stay * own) {
                rt->asg[g] = best;
                moved = 1;
            }
        }
        if (!moved)
            break;
    }
    for (int g = 0; g < G; g++) {
        const sc_geo *geo = &sc->geos[g];
        if (geo->routing.mech != SC_ROUTE_DNS && geo->routing.mech != SC_ROUTE_ANYCAST)
            continue;
        for (int r = 0; r < R; r++) {
            size_t i = (size_t)g * (size_t)R + (size_t)r;
            int ok = r == rt->asg[g] && b->route_ok[i];
            b->route_ok[i] = (unsigned char)ok;
            if (!ok)
                b->route_serve_util[i] = 0.0;
        }
        if (!b->route_ok[g * R + rt->asg[g]]) /* nothing was allowed: home */
            b->route_ok[g * R + geo->home_region] = 1;
    }
}

sc_status sc_sculpt_route_fill(sculpt_state *s, const sc_policy_view *v, int a, double hr,
                               sc_opt_problem_buf *b, int *any, sc_error *err)
{
    sculpt_route *rt = s->route;
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    int R = (int)sc->n_regions, G = (int)sc->n_geos, K = s->K, Q = s->nq;
    if (!v->geo_ieq) /* a driver without per-geography demand (the simulator and the live
                        loop give it wherever a geography has a routing mechanism) */
        return sc_error_set(err, SC_ERR_INPUT, NULL,
                            "sculpt: routing \"plan\" needs the demand of each geography, "
                            "which this driver does not give; set \"routing\": \"home\"");
    double ucap = sc_costmodel_unit_cap(sc, a); /* load units per instance-equivalent */
    double u = check_util(s, rt, b->p.serve_util);
    double su = b->p.serve_util;
    for (int g = 0; g < G; g++) {
        const sc_geo *geo = &sc->geos[g];
        int home = geo->home_region, n_ok = 0;
        for (int r = 0; r < R; r++) {
            /* a route within the bound at the check utilisation runs at serve_util;
             * one within it only at a lower utilisation runs cooler, in proportion
             * (route_serve_util: the LP charges it su / that of a unit of capacity) */
            double ur = 0.0;
            int ok;
            if (geo->routing.mech == SC_ROUTE_HOME) {
                ok = r == home;
            } else if (failed(rt, v, a, g, r)) {
                ok = 0;
            } else if (route_latency(sc, app, g, r, u) <= app->slo.latency_ms) {
                ok = 1;
            } else if (rt->cool && (!rt->pick || geo->routing.mech == SC_ROUTE_DNS ||
                                    geo->routing.mech == SC_ROUTE_ANYCAST)) {
                /* route_pick: weighted geographies only (it picks one region each) */
                ur = su * sc_sculpt_route_u_slo(sc, a, g, r) / u;
                ok = ur > 0;
            } else {
                ok = 0;
            }
            b->route_ok[g * R + r] = (unsigned char)ok;
            b->route_serve_util[g * R + r] = ok && ur < su ? ur : 0.0;
            n_ok += ok;
            b->egress_per_ieq_hour[g * R + r] =
                r == home ? 0.0 : app->gb_per_unit_hour * sc->regions[r].egress_per_gb * ucap;
        }
        if (!n_ok && geo->routing.mech != SC_ROUTE_HOME) {
            /* nowhere within the bound at the planned utilisation (the home region has
             * failed, or no route was ever that short): the regions not failed whose
             * route meets the bound at the highest utilisation, and the whole app
             * planned at that utilisation, so the load served there stays within its
             * bound (a failover costs a little capacity everywhere for its duration) */
            double best = 0.0;
            for (int r = 0; r < R; r++)
                if (!failed(rt, v, a, g, r))
                    best = fmax(best, sc_sculpt_route_u_slo(sc, a, g, r));
            for (int r = 0; r < R && best > 0; r++)
                if (!failed(rt, v, a, g, r) && sc_sculpt_route_u_slo(sc, a, g, r) >= best) {
                    b->route_ok[g * R + r] = 1;
                    n_ok++;
                }
            if (n_ok && best < b->p.serve_util)
                b->p.serve_util = best;
        }
        if (!n_ok) /* nowhere within the bound: the home region is the best there is */
            b->route_ok[g * R + home] = 1;
        sc_status st = geo_forecast(s, v, a, g, err);
        if (st)
            return st;
        rt->dg[g] = 0.0;
        for (int i = 0; i < K * Q; i++) {
            double d = rt->quant[i] > 0 ? hr * rt->quant[i] : 0.0;
            b->demand[(size_t)g * (size_t)K * (size_t)Q + (size_t)i] = d;
            if (d > 0)
                *any = 1;
            if (i % Q == Q / 2) /* the middle quantile */
                rt->dg[g] += d / K;
        }
    }
    if (rt->pick)
        route_pick(rt, v, a, u, b);
    return SC_OK;
}

int sc_sculpt_route_drain_floor(const sculpt_state *s, int a, int r, sc_time_ms now)
{
    const sculpt_route *rt = s->route;
    if (!rt)
        return 0;
    size_t ar = (size_t)a * rt->nr + (size_t)r;
    return now < rt->hold_until[ar] ? rt->hold_count[ar] : 0;
}

/* The wanted shares of (a, g) into rt->want; 0 when the plan has none for now (keep);
 * *failover = 1 when a region the current weights use is unhealthy. */
static int wanted(sculpt_state *s, const sc_policy_view *v, int a, int g, int *failover)
{
    sculpt_route *rt = s->route;
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    int R = (int)sc->n_regions, K = s->K;
    const sc_opt_solution *sol = s->sol[a];
    int64_t k = sc_time_floor_div(v->now - s->planned_at[a], HOUR_MS);
    if (k < 0)
        k = 0;
    if (k >= K)
        k = K - 1;
    const int *cur = rt->cur + sc_view_ag(v, a, g) * (size_t)R;
    *failover = 0;
    for (int r = 0; r < R; r++)
        if (cur[r] > 0 && failed(rt, v, a, g, r))
            *failover = 1;
    double tot = 0.0;
    for (int r = 0; r < R; r++) {
        double y = sol->routed[((size_t)g * (size_t)R + (size_t)r) * (size_t)K + (size_t)k];
        /* on failover only regions answering now (healthy, serving) take the load */
        int usable = *failover ? sc_view_route_healthy(v, a, g, r) && serving(v, a, r) > 0
                               : !failed(rt, v, a, g, r);
        rt->want[r] = y > 0 && usable ? y : 0.0;
        tot += rt->want[r];
    }
    if (tot > 0) {
        for (int r = 0; r < R; r++)
            rt->want[r] /= tot;
        return 1;
    }
    if (!*failover)
        return 0;
    /* nothing planned is left: the nearest region serving and healthy, within the
     * bound first; else the nearest not failed */
    double u = check_util(s, rt, s->prob[a]->p.serve_util);
    int best = -1, best_in = 0, best_up = 0;
    double best_lat = INFINITY;
    for (int r = 0; r < R; r++) {
        if (failed(rt, v, a, g, r))
            continue;
        double lat = route_latency(sc, app, g, r, u);
        int in = lat <= app->slo.latency_ms;
        int up = sc_view_route_healthy(v, a, g, r) && serving(v, a, r) > 0;
        if (best < 0 || up > best_up || (up == best_up && in > best_in) ||
            (up == best_up && in == best_in && lat < best_lat)) {
            best = r;
            best_in = in;
            best_up = up;
            best_lat = lat;
        }
    }
    if (best < 0)
        return 0; /* none healthy: leave it to the provider (it fails open) */
    for (int r = 0; r < R; r++)
        rt->want[r] = r == best ? 1.0 : 0.0;
    return 1;
}

/* Capacity before route: the new shares out[] from the current c[] toward w[]: a raise
 * only as far as the region's spare serving capacity takes the extra load of ieq_g
 * (spare[] is used up in the caller's order), and the cuts give up, in proportion, what
 * the raises took.  Shares sum to 1 on return (when any is positive). */
static void gate(const double *c, const double *w, double *spare, double ieq_g, int R,
                 double *out)
{
    double up = 0.0, down = 0.0;
    for (int r = 0; r < R; r++) {
        out[r] = c[r];
        double d = w[r] - c[r];
        if (d > 0) {
            double allow = ieq_g > 0 ? fmin(d, fmax(0.0, spare[r]) / ieq_g) : d;
            out[r] += allow;
            spare[r] -= allow * ieq_g;
            up += allow;
        } else {
            down -= d;
        }
    }
    double f = down > 0 ? fmin(1.0, up / down) : 0.0;
    double tot = 0.0;
    for (int r = 0; r < R; r++) {
        double d = w[r] - c[r];
        if (d < 0)
            out[r] += f * d;
        if (out[r] < 1e-12)
            out[r] = 0.0;
        tot += out[r];
    }
    for (int r = 0; r < R && tot > 0; r++)
        out[r] /= tot;
}

double sc_sculpt_route_u_slo(const sc_scenario *sc, int a, int g, int r)
{
    const sc_app *app = &sc->apps[a];
    double room = app->slo.latency_ms - sc_scenario_latency(sc, g, r);
    double u = room > app->latency.base_ms ? 1.0 - app->latency.base_ms / room : 0.0;
    return u > app->latency.u_max ? app->latency.u_max : u;
}

double sc_sculpt_route_region_u_slo(const sculpt_state *s, const sc_scenario *sc, int a,
                                    int r)
{
    const sculpt_route *rt = s->route;
    double u = sc_sizer_u_slo(sc, a, r);
    if (!rt)
        return u;
    for (size_t g = 0; g < sc->n_geos; g++) {
        const sc_geo *geo = &sc->geos[g];
        /* spill: a scaler > 0 only lets overflow in, and where overflow goes is the
         * front end's (not known per geography): the home route, as the sizer has it */
        size_t agr = ((size_t)a * sc->n_geos + g) * rt->nr + (size_t)r;
        int w = geo->routing.mech == SC_ROUTE_HOME || geo->routing.mech == SC_ROUTE_SPILL
                    ? geo->home_region == r
                    : rt->cur[agr] > 0;
        double ug = w ? sc_sculpt_route_u_slo(sc, a, (int)g, r) : 0.0;
        if (ug > 0 && ug < u) /* a route beyond the bound at any utilisation: headroom
                                 cannot fix it (failover to the best there is) */
            u = ug;
    }
    return u;
}

int sc_sculpt_impaired_target(const sc_policy_view *v, int a, int r, int n, int lim)
{
    int serv = 0, imp = 0;
    for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
        const sc_pool_state *p = sc_view_pool(v, a, r, (sc_purchase)o);
        serv += p->ready + p->interrupting;
        imp += p->impaired;
    }
    if (imp <= 0 || imp >= serv || n <= 0)
        return n;
    double t = ceil((double)n * serv / (double)(serv - imp) - 1e-9);
    if (t > lim)
        t = lim;
    return t > n ? (int)t : n;
}

double sc_sculpt_route_guard_util(const sculpt_state *s, const sc_scenario *sc, int a, int r,
                                  double tu)
{
    if (!s->route || !s->route->cool)
        return tu;
    return fmin(tu, sc_sculpt_route_region_u_slo(s, sc, a, r));
}

/* The SLO sizer judges each (app, region)'s steps at the utilisation of the routes it
 * serves now (after this decision's weight changes), not of the geographies at home
 * there: a region that takes a farther geography's load must run cooler. */
static void route_feed_sizer(sculpt_state *s, const sc_scenario *sc, int a)
{
    for (size_t r = 0; r < sc->n_regions; r++)
        sc_sizer_set_u_slo(&s->size, a, (int)r,
                           sc_sculpt_route_region_u_slo(s, sc, a, (int)r));
}

sc_status sc_sculpt_route_step(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err)
{
    sculpt_route *rt = s->route;
    if (!rt)
        return SC_OK;
    const sc_scenario *sc = v->sc;
    int R = (int)sc->n_regions, G = (int)sc->n_geos;
    int64_t k_now = sc_time_floor_div(v->now - sc->start, sc->step_ms);
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        if (s->planned_at[a] == SC_TIME_MIN)
            continue;
        /* spare at the utilisation capacity is sized at (the SLO's with SLO sizing) */
        double tu = sc_sculpt_util(s, (int)a);
        for (int r = 0; r < R; r++) {
            double e = v->ieq_now[sc_view_ar(v, (int)a, r)];
            rt->spare[r] = serving(v, (int)a, r) * tu - (e > 0 ? e : 0.0);
        }
        for (int g = 0; g < G; g++) {
            const sc_geo *geo = &sc->geos[g];
            const sc_geo_routing *cfg = &geo->routing;
            if (cfg->mech == SC_ROUTE_HOME)
                continue;
            int fo;
            if (!wanted(s, v, (int)a, g, &fo))
                continue;
            size_t ag = sc_view_ag(v, (int)a, g);
            int *cur = rt->cur + ag * (size_t)R;
            double *c = rt->share;
            double ctot = 0.0;
            for (int r = 0; r < R; r++)
                ctot += cur[r] > 0 ? cur[r] : 0;
            for (int r = 0; r < R; r++)
                c[r] = ctot > 0 && cur[r] > 0 ? cur[r] / ctot : 0.0;
            double ieq_g = sc_view_geo_ieq(v, (int)a, g, k_now);
            if (!(ieq_g >= 0))
                ieq_g = 0.0;
            /* the new shares: the wanted ones on failover, else gated; a region the health
             * check does not pass yet (instances just ready: the verdict comes interval x
             * threshold later) takes no more than it has, else the front end would skip
             * it and, with no healthy weighted record left, spread the load over every
             * healthy region whatever its latency */
            if (!fo) {
                for (int r = 0; r < R; r++)
                    if (!sc_view_route_healthy(v, (int)a, g, r) && rt->want[r] > c[r])
                        rt->want[r] = c[r];
                if (rt->cool) {
                    /* a route below the utilisation capacity is sized at: the region
                     * runs at the route's, so its spare for this geography is less */
                    for (int r = 0; r < R; r++) {
                        double ug = fmin(tu, sc_sculpt_route_u_slo(sc, (int)a, g, r));
                        rt->cspare[r] = rt->spare[r] - serving(v, (int)a, r) * (tu - ug);
                        rt->cused[r] = rt->cspare[r];
                    }
                    gate(c, rt->want, rt->cspare, ieq_g, R, rt->next);
                    for (int r = 0; r < R; r++)
                        rt->spare[r] -= rt->cused[r] - rt->cspare[r];
                } else {
                    gate(c, rt->want, rt->spare, ieq_g, R, rt->next);
                }
                memcpy(rt->want, rt->next, (size_t)R * sizeof *rt->want);
            }
            int *w = rt->w;
            double mx = 0.0;
            for (int r = 0; r < R; r++)
                mx = fmax(mx, rt->want[r]);
            if (!(mx > 0))
                continue;
            for (int r = 0; r < R; r++) {
                if (cfg->mech == SC_ROUTE_SPILL)
                    w[r] = rt->want[r] > 1e-3 || (r == geo->home_region &&
                                                  sc_view_route_healthy(v, (int)a, g, r))
                               ? SC_ROUTE_WEIGHT_MAX
                               : 0;
                else
                    w[r] = (int)lround(SC_ROUTE_WEIGHT_MAX * rt->want[r] / mx);
            }
            int significant = 0;
            for (int r = 0; r < R; r++) {
                int cw = cur[r] > 0 ? cur[r] : 0;
                if ((w[r] > 0) != (cw > 0) || abs(w[r] - cw) >= MIN_CHANGE)
                    significant = 1;
            }
            if (!significant)
                continue;
            double rate = cfg->change_rate_per_sec;
            if (rate > 0) {
                double t = rt->tokens[ag] + (double)(v->now - rt->token_t[ag]) / 1000.0 * rate;
                rt->tokens[ag] = t > cfg->change_burst ? cfg->change_burst : t;
                rt->token_t[ag] = v->now;
            }
            int64_t hold = cfg->hold_ms;
            if (cfg->sticky_frac > 0 && cfg->sticky_ms > hold)
                hold = cfg->sticky_ms;
            if (cfg->mech == SC_ROUTE_SPILL)
                hold = 0;
            /* raises before cuts, so the total never falls to 0 between two calls */
            for (int pass = 0; pass < 2; pass++)
                for (int r = 0; r < R; r++) {
                    int cw = cur[r] > 0 ? cur[r] : 0;
                    if (w[r] == cw || (pass == 0) != (w[r] > cw))
                        continue;
                    if (rate > 0 && rt->tokens[ag] < 1.0)
                        goto next_geo; /* the bucket is empty: the rest next decision */
                    sc_action act = {.kind = SC_ACTION_SET_WEIGHT, .app = (int)a, .region = r,
                                     .type = app->instance_type,
                                     .option = SC_PURCHASE_ONDEMAND, .count = 0,
                                     .to_region = -1, .to_type = -1, .issue_ms = v->now,
                                     .needed_ms = v->now,
                                     .reason = fo ? "sculpt routing: failover"
                                                  : "sculpt routing: plan",
                                     .geo = g, .weight = w[r]};
                    if (sc_plan_push(plan, &act))
                        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
                    if (rate > 0)
                        rt->tokens[ag] -= 1.0;
                    if (w[r] < cw && hold + cfg->delay_ms > 0) {
                        /* drain only after clients moved */
                        size_t ar = sc_view_ar(v, (int)a, r);
                        int n = 0;
                        for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                            n += sc_pool_requested(sc_view_pool(v, (int)a, r, (sc_purchase)o));
                        if (v->now >= rt->hold_until[ar] || n > rt->hold_count[ar])
                            rt->hold_count[ar] = n;
                        sc_time_ms until = sc_time_add(v->now, cfg->delay_ms + hold);
                        if (until > rt->hold_until[ar])
                            rt->hold_until[ar] = until;
                    }
                    cur[r] = w[r];
                }
        next_geo:;
        }
        route_feed_sizer(s, sc, (int)a);
    }
    return SC_OK;
}
