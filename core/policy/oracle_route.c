/*
 * oracle_route.c - the oracle's executed routing plan ("routing": "plan", issue 11 item
 * 6): where the clairvoyant oracle serves each geography's load, and the set_weight
 * actions and per-region capacity that carry it out in the simulated world.
 *
 * Plan.  Per app and window (the oracle's windows: warm-up and measured period apart),
 * one problem of the oracle's optimizer with G = n_geos geographies: demand[g][k] = the
 * geography's true instance-equivalents (sc_view_geo_ieq, clairvoyant), one quantile.
 * Route g -> r is allowed when the app's queueing latency at the route's utilisation
 * u_gr plus the route latency (access + RTT, sc_scenario_latency) is within the SLO
 * bound, and the geography's mechanism is weighted (dns-weighted, anycast); a geography
 * routed "home" or by "spill" (the front end's waterfall, not weights) keeps its home
 * region.  u_gr is the operating point's:
 *   - "slo" (serve_util < 0): the highest utilisation at which the route meets the
 *     bound, sc_oracle_route_u_slo (1 - base / (bound - route), at most min(u_max, 1));
 *     routes below 0.05 are not allowed, the home route always is (at >= 0.05);
 *   - a number or "target": that utilisation on every route, a route allowed when the
 *     curve latency there plus the route latency meets the bound (home always).
 * The problem's serve_util is the largest u_gr and route_serve_util[g][r] = u_gr, so the
 * `lp` optimizer charges a route at its own utilisation and plans each region at one
 * utilisation (lp.c, "one utilisation per region").  Egress per ieq-hour away from home
 * = gb_per_unit_hour x egress_per_gb(r) x load units per instance (the simulator's);
 * prices on demand; each region's type capacity limit / quota; max_instances; no
 * min_instances in the problem (applied below, where a region serves load).
 *
 * Weights.  One set of shares per window: the plan's routed[g][r] / served[g] summed
 * over the window's steps (a window without planned demand keeps the weights).  Per
 * step the LP is indifferent between near-equal routes (ny's api at 0.100 USD/h in
 * us-east-1 at u 0.900 or us-west-2 at 0.905 on `global`) and its choice flips from
 * hour to hour; executed, every flip pays a move (both regions hold capacity while
 * clients move) and boots: on `global` with api at shop's size per-step shares gained
 * 4.7 % of the home cost of api alone, per-window shares 12.0 %.  Quantised as the
 * mechanism takes them: w_r = round(255 x share_r / max share).  A change is sent when
 * some weight moves by 8 (of 255) or more, or to or from 0 (sculpt's rule); it is
 * timed to complete when it is needed: the calls go at T_k - delay - hold (T_k the
 * step's start; delay = the mechanism's propagation, hold = the TTL or connection
 * life), never before now, raises before cuts, spaced by a mirror of the route's token
 * bucket (change_rate_per_sec, change_burst) so none is throttled.  The simulator
 * then moves clients over [call + delay, call + delay + hold], sticky ones by call +
 * delay + sticky (sim/mockroute.h).
 *
 * Capacity.  The share a region receives of a geography at any instant of a change's
 * move lies between the old and the new share (the mock's share is a moving average of
 * published shares), so the envelope env[g][r][k] = the largest share g can send r at
 * any time in step k (the step's own share, and the old and new shares of every move
 * overlapping it) bounds the region's load: L_r[k] = sum_g D_g[k] env[g][r][k].  The
 * region runs at u_r[k] = the least u_gr over the geographies it may serve in the
 * step, and needs ceil(L_r[k] / u_r[k]) instances (within its limit; min_instances
 * where L_r > 0): capacity in the target region is there before weights move, and the
 * source keeps its instances until the last client (sticky ones included) has left.
 * The caller (oracle.c) issues them as the home plan's counts: boots known, ready at
 * the step's start.
 *
 * What the plan does not know: outages and health checks (the oracle's whole-run plan
 * ignores them, as the home oracle does); a weight change of a region the health check
 * fails is the front end's to ignore.
 *
 * Determinism: geographies, regions and steps in index order; the optimizer is
 * deterministic; no clock, no randomness.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "oracle_int.h"

#define MIN_CHANGE 8    /* weight moves (of 255) below which no change is sent */
#define U_ROUTE_MIN 0.05 /* routes that meet the bound only below this are not used */

double sc_oracle_route_u_slo(const sc_scenario *sc, int app, int geo, int region)
{
    const sc_app *a = &sc->apps[app];
    double umax = a->latency.u_max < 1 ? a->latency.u_max : 1.0;
    double room = a->slo.latency_ms - sc_scenario_latency(sc, geo, region);
    if (!(room > a->latency.base_ms))
        return 0.0;
    double u = 1.0 - a->latency.base_ms / room;
    if (u > umax)
        u = umax;
    /* a hair inside the bound: at exactly u the curve's latency may round above it */
    return u * (1.0 - 1e-9);
}

static int weighted(const sc_geo *g)
{
    return g->routing.mech == SC_ROUTE_DNS || g->routing.mech == SC_ROUTE_ANYCAST;
}

/* Shares the front end answers with for weights w (negative = no record). */
static void shares_of(const int *w, int R, double *sh)
{
    double tot = 0.0;
    for (int r = 0; r < R; r++)
        tot += w[r] > 0 ? w[r] : 0;
    for (int r = 0; r < R; r++)
        sh[r] = tot > 0 && w[r] > 0 ? w[r] / tot : 0.0;
}

typedef struct route_work {
    int R, G;
    int64_t N;
    double *u;        /* [G*R] route utilisation; 0 = route not allowed */
    double *want;     /* [(g*R + r)*N + k] planned share; NaN = keep */
    double *env;      /* [(g*R + r)*N + k] largest share in the step */
    double *sh_old, *sh_new; /* [R] */
    int *w_cur, *w_new;      /* [R] */
} route_work;

static void work_free(route_work *w)
{
    free(w->u);
    free(w->want);
    free(w->env);
    free(w->sh_old);
    free(w->sh_new);
    free(w->w_cur);
    free(w->w_new);
}

/* Route utilisations of app a (see the top); returns the largest. */
static double route_utils(const sc_scenario *sc, int a, double serve_util, double *u)
{
    const sc_app *app = &sc->apps[a];
    int R = (int)sc->n_regions, G = (int)sc->n_geos;
    double ua = serve_util > 0 ? serve_util : app->target_util, su = 0.0;
    for (int g = 0; g < G; g++) {
        int home = sc->geos[g].home_region, routable = weighted(&sc->geos[g]);
        for (int r = 0; r < R; r++) {
            double x = 0.0;
            if (serve_util < 0) {
                x = sc_oracle_route_u_slo(sc, a, g, r);
                if (r == home && x < U_ROUTE_MIN)
                    x = U_ROUTE_MIN;
                if (x < U_ROUTE_MIN)
                    x = 0.0;
            } else if (r == home || sc_costmodel_latency_ms(sc, a, ua) +
                                            sc_scenario_latency(sc, g, r) <=
                                        app->slo.latency_ms) {
                x = ua;
            }
            if (r != home && !routable)
                x = 0.0;
            u[g * R + r] = x;
            if (x > su)
                su = x;
        }
    }
    return su;
}

/* Solve the windows; planned shares into w->want. */
static sc_status plan_shares(const sc_policy_view *v, sc_optimizer *opt, int a, int64_t win,
                             double su, double ucap, route_work *w, double *rounded,
                             sc_error *err)
{
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    int R = w->R, G = w->G;
    int64_t N = w->N, W0 = v->warmup_steps;
    sc_status st = SC_OK;
    for (int64_t k0 = 0; k0 < N;) {
        int64_t k1 = k0 + win;
        if (k0 < W0 && k1 > W0)
            k1 = W0;
        if (k1 > N)
            k1 = N;
        int K = (int)(k1 - k0);
        sc_opt_problem_buf *b = NULL;
        sc_opt_solution *sol = NULL;
        if ((st = sc_opt_problem_alloc(R, G, K, 1, &b, err)) ||
            (st = sc_opt_solution_alloc(R, G, K, 1, &sol, err))) {
            sc_opt_problem_free(b);
            return st;
        }
        sc_opt_problem *p = &b->p;
        p->step_ms = sc->step_ms;
        p->start_ms = sc->start + k0 * sc->step_ms;
        p->serve_util = su;
        p->penalty_per_ieq_hour = app->slo.penalty_per_unit_hour * ucap;
        p->max_inst = app->max_instances;
        p->spot_max_share = 0.0;
        p->flap_budget = -1.0;
        p->may_buy_reserved = 0;
        b->qlevel[0] = 0.5;
        for (int r = 0; r < R; r++) {
            b->price[r * 3 + SC_PURCHASE_ONDEMAND] =
                sc->regions[r].types[app->instance_type].price_per_hour[SC_PURCHASE_ONDEMAND];
            b->price[r * 3 + SC_PURCHASE_RESERVED] = NAN;
            b->price[r * 3 + SC_PURCHASE_SPOT] = NAN;
            unsigned kind;
            b->cap_limit[r] = sc_oracle_region_limit(sc, a, r, &kind);
            b->cap_kind[r] = kind;
            for (int g = 0; g < G; g++) {
                size_t i = (size_t)g * (size_t)R + (size_t)r;
                double u = w->u[i];
                b->route_ok[i] = u > 0;
                b->route_serve_util[i] = u > 0 && u < su ? u : 0.0;
                b->egress_per_ieq_hour[i] =
                    r == sc->geos[g].home_region
                        ? 0.0
                        : app->gb_per_unit_hour * sc->regions[r].egress_per_gb * ucap;
            }
        }
        for (int g = 0; g < G; g++)
            for (int k = 0; k < K; k++) {
                double e = sc_view_geo_ieq(v, a, g, k0 + k);
                b->demand[(size_t)g * (size_t)K + (size_t)k] = e > 0 ? e : 0.0;
            }
        st = sc_optimizer_solve(opt, p, sol, err);
        if (!st) {
            if (k0 >= W0)
                *rounded += sol->objective_usd;
            /* one set of shares per window: the window's routed over served ieq */
            for (int g = 0; g < G; g++) {
                double served = 0.0;
                for (int k = 0; k < K; k++)
                    served += sol->served[(size_t)g * (size_t)K + (size_t)k];
                for (int r = 0; r < R; r++) {
                    size_t gr = (size_t)g * (size_t)R + (size_t)r;
                    double y = 0.0;
                    for (int k = 0; k < K; k++)
                        y += sol->routed[gr * (size_t)K + (size_t)k];
                    for (int k = 0; k < K; k++)
                        w->want[gr * (size_t)N + (size_t)(k0 + k)] =
                            served > 1e-9 ? y / served : NAN;
                }
            }
        }
        sc_opt_problem_free(b);
        sc_opt_solution_free(sol);
        if (st)
            return st;
        k0 = k1;
    }
    return SC_OK;
}

/* Raise env of (g, every r) to max(old, new share) over the steps that overlap
 * [lo, hi). */
static void envelope(const sc_scenario *sc, route_work *w, int g, sc_time_ms lo, sc_time_ms hi)
{
    int64_t k0 = (lo - sc->start) / sc->step_ms, k1 = (hi - sc->start - 1) / sc->step_ms;
    if (lo < sc->start)
        k0 = 0;
    if (k1 >= w->N)
        k1 = w->N - 1;
    for (int64_t k = k0 < 0 ? 0 : k0; k <= k1; k++)
        for (int r = 0; r < w->R; r++) {
            double *e = &w->env[((size_t)g * (size_t)w->R + (size_t)r) * (size_t)w->N +
                                (size_t)k];
            double m = fmax(w->sh_old[r], w->sh_new[r]);
            if (m > *e)
                *e = m;
        }
}

/* Turn the planned shares of geography g into timed set_weight calls; fill env. */
static sc_status execute_geo(const sc_policy_view *v, int a, int g, route_work *w,
                             sc_plan *plan, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    const sc_geo_routing *cfg = &sc->geos[g].routing;
    int R = w->R;
    int64_t N = w->N;
    int can = weighted(&sc->geos[g]);
    /* a geography routed home or by spill is planned at home (spill: what overflows
     * the front end's max_utilization is the front end's) */
    for (int r = 0; r < R; r++)
        w->w_cur[r] = can && cfg->weights
                          ? (cfg->weights[r] > 0 ? cfg->weights[r] : 0)
                          : (r == sc->geos[g].home_region ? SC_ROUTE_WEIGHT_MAX : 0);
    int hold_sticky = cfg->sticky_frac > 0 && cfg->sticky_ms > cfg->hold_ms;
    int64_t settle = hold_sticky ? cfg->sticky_ms : cfg->hold_ms;
    double tokens = cfg->change_burst > 0 ? cfg->change_burst : 1;
    sc_time_ms token_t = v->now;
    for (int64_t k = 0; k < N; k++) {
        shares_of(w->w_cur, R, w->sh_old);
        double mx = 0.0;
        for (int r = 0; r < R; r++) {
            double x = w->want[((size_t)g * (size_t)R + (size_t)r) * (size_t)N + (size_t)k];
            if (!(x >= 0)) {
                mx = 0.0;
                break;
            }
            mx = fmax(mx, x);
        }
        int change = 0;
        if (can && mx > 0) {
            for (int r = 0; r < R; r++) {
                double x = w->want[((size_t)g * (size_t)R + (size_t)r) * (size_t)N +
                                   (size_t)k];
                w->w_new[r] = (int)lround(SC_ROUTE_WEIGHT_MAX * x / mx);
                if ((w->w_new[r] > 0) != (w->w_cur[r] > 0) ||
                    abs(w->w_new[r] - w->w_cur[r]) >= MIN_CHANGE)
                    change = 1;
            }
        }
        if (change) {
            shares_of(w->w_new, R, w->sh_new);
            sc_time_ms tk = sc->start + k * sc->step_ms;
            sc_time_ms t = tk - cfg->delay_ms - cfg->hold_ms, first = -1, last = t;
            if (t < v->now)
                t = v->now;
            for (int pass = 0; pass < 2; pass++)
                for (int r = 0; r < R; r++) {
                    if (w->w_new[r] == w->w_cur[r] || (pass == 0) != (w->w_new[r] > w->w_cur[r]))
                        continue;
                    if (cfg->change_rate_per_sec > 0) {
                        double rate = cfg->change_rate_per_sec;
                        tokens += (double)(t - token_t) / 1000.0 * rate;
                        if (tokens > cfg->change_burst)
                            tokens = cfg->change_burst;
                        token_t = t;
                        if (tokens < 1.0) {
                            /* wait for the next token, to the ms (rounded up) */
                            int64_t dt = (int64_t)ceil((1.0 - tokens) / rate * 1000.0);
                            t += dt;
                            tokens += (double)dt / 1000.0 * rate;
                            token_t = t;
                        }
                        tokens -= 1.0;
                    }
                    sc_action act = {.kind = SC_ACTION_SET_WEIGHT, .app = a, .region = r,
                                     .type = sc->apps[a].instance_type,
                                     .option = SC_PURCHASE_ONDEMAND, .count = 0,
                                     .to_region = -1, .to_type = -1, .issue_ms = t,
                                     .needed_ms = tk, .reason = "oracle routing: plan",
                                     .geo = g, .weight = w->w_new[r]};
                    if (sc_plan_push(plan, &act))
                        return sc_error_set(err, SC_ERR_NOMEM, NULL, "oracle: out of memory");
                    if (first < 0)
                        first = t;
                    last = t;
                }
            /* clients move from the first call's publication to the last one's + the
             * holding time (sticky ones included) */
            envelope(sc, w, g, first + cfg->delay_ms, last + cfg->delay_ms + settle);
            memcpy(w->w_cur, w->w_new, (size_t)R * sizeof *w->w_cur);
            memcpy(w->sh_old, w->sh_new, (size_t)R * sizeof *w->sh_old);
        }
        for (int r = 0; r < R; r++) {
            double *e = &w->env[((size_t)g * (size_t)R + (size_t)r) * (size_t)N + (size_t)k];
            if (w->sh_old[r] > *e)
                *e = w->sh_old[r];
        }
    }
    return SC_OK;
}

sc_status sc_oracle_route_plan(const sc_policy_view *v, sc_optimizer *opt, int a, int64_t win,
                               double serve_util, double ucap, int *tgt, sc_plan *plan,
                               double *rounded, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    route_work w = {.R = (int)sc->n_regions, .G = (int)sc->n_geos, .N = v->n_steps};
    size_t grn = (size_t)w.G * (size_t)w.R * (size_t)w.N;
    w.u = calloc((size_t)w.G * (size_t)w.R, sizeof *w.u);
    w.want = malloc(grn * sizeof *w.want);
    w.env = calloc(grn, sizeof *w.env);
    w.sh_old = calloc((size_t)w.R, sizeof *w.sh_old);
    w.sh_new = calloc((size_t)w.R, sizeof *w.sh_new);
    w.w_cur = calloc((size_t)w.R, sizeof *w.w_cur);
    w.w_new = calloc((size_t)w.R, sizeof *w.w_new);
    sc_status st = SC_OK;
    if (!w.u || !w.want || !w.env || !w.sh_old || !w.sh_new || !w.w_cur || !w.w_new) {
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "oracle: out of memory");
        goto done;
    }
    if (!v->geo_ieq) {
        st = sc_error_set(err, SC_ERR_INTERNAL, NULL,
                          "oracle: routing 'plan' needs per-geography demand in the view");
        goto done;
    }
    double su = route_utils(sc, a, serve_util, w.u);
    if ((st = plan_shares(v, opt, a, win, su, ucap, &w, rounded, err)))
        goto done;
    for (int g = 0; g < w.G; g++)
        if ((st = execute_geo(v, a, g, &w, plan, err)))
            goto done;
    for (int r = 0; r < w.R; r++) {
        unsigned kind;
        double lim = sc_oracle_region_limit(sc, a, r, &kind);
        for (int64_t k = 0; k < w.N; k++) {
            double load = 0.0, ur = INFINITY;
            for (int g = 0; g < w.G; g++) {
                double e = w.env[((size_t)g * (size_t)w.R + (size_t)r) * (size_t)w.N +
                                 (size_t)k];
                double d = sc_view_geo_ieq(v, a, g, k);
                if (!(e > 0) || !(d > 0))
                    continue;
                load += d * e;
                double u = w.u[(size_t)g * (size_t)w.R + (size_t)r];
                if (!(u > 0)) /* a route the scenario's initial weights use */
                    u = U_ROUTE_MIN;
                if (u < ur)
                    ur = u;
            }
            double need = load > 0 ? ceil(load / ur - 1e-9) : 0.0;
            if (load > 0 && need < app->min_instances)
                need = app->min_instances;
            if (lim >= 0 && need > lim)
                need = lim;
            tgt[(size_t)r * (size_t)w.N + (size_t)k] = need < 1e9 ? (int)need : 1000000000;
        }
    }
done:
    work_free(&w);
    return st;
}
