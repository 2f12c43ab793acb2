/*
 * oracle.c - the `oracle` policy: the best any policy could do, so every result can be
 * stated as a ratio to it.  Clairvoyant: it reads the whole run's true demand.
 *
 * It decides once, at the start.  Per app, the run is cut into windows (default 1 day of
 * scenario steps; the warm-up and the measured period never share a window) and each
 * window is one problem of the `lp` optimizer (optimizer.h, h8's GLPK back end) at the
 * simulator's step resolution:
 *   - geographies = regions: the simulator routes each geography's load by the
 *     scenario's fixed shares (home routing by default), so what a policy controls is
 *     the capacity of each (app, region) against the instance-equivalents routed to it
 *     (the world's ieq); geography r is served only by region r, without egress;
 *   - one quantile (the true demand: there is no uncertainty left);
 *   - on-demand capacity only (reserved and spot are not offered to it; see "Bound");
 *   - serve_util = 1 by default: the simulator charges the penalty only for load above
 *     100 % of the serving capacity, so penalised cost is lowest at full utilisation
 *     (and latency attainment poor: a bound, not an operating point).  "serve_util":
 *     "target" plans each app at its own target utilisation, as every other policy
 *     sizes capacity, so the oracle's cost can be compared at matched attainment;
 *     "slo" plans each (app, region) at the highest utilisation at which its latency
 *     curve plus the route latency of every geography it serves (the geographies at
 *     home there, the simulator's home routing) stays within the SLO bound,
 *     u = 1 - base / (bound - route), the least over those geographies, in
 *     [0.05, min(u_max, 1)] (a region with no geography at home: the least over the
 *     app's geographies): full latency attainment at the least capacity; a number
 *     in (0, 1] plans every app at that utilisation.  (Until h-groute "slo" ran the
 *     whole app at the least over all its geographies: on `global` shop ran at
 *     Sydney's and New York's 0.647 in London and Frankfurt too, 50 USD of the home
 *     oracle's cost that no routing was needed to save);
 *   - penalty per ieq-hour = penalty_per_unit_hour x load units per instance;
 *   - min_instances where the app is deployed (initial capacity or any demand in the
 *     run); no max_instances, no lead-time and no flap constraint (see "Bound");
 *   - capacity limits of the instance type and the vCPU quota of the region (the whole
 *     of each, for each app: a relaxation when apps share a region).
 *
 * Bound.  Let b(t) be the instances a policy has billed and n(t) <= b(t) those serving,
 * and x_k the mean of b over step k.  The simulator's cost is at least price x h per step
 * (it also bills boot, warm-up, draining and 60 s minimums), and its penalty at least
 * penalty x h x (D_k - x_k)^+ (unserved load is (D - n)^+, convex in n, and n <= b).
 * Every policy here keeps x_k >= min_instances where deployed, and the mock never runs
 * more than the limits.  So the LP above, summed over the measured windows, is a lower
 * bound on the measured penalised cost of every policy that buys on-demand capacity only
 * (all baselines; sculpt with on_demand_only).  Without lead or flap constraints the
 * steps decouple, so cutting the run into windows loses nothing.  It is what
 * lower_bound() returns (run summary field lower_bound_usd).  Policies that buy spot or
 * reserved capacity can go below it.  The argument needs serve_util = 1: below 1 the LP
 * buys capacity the simulator does not require, so its value bounds nothing; for a
 * serve_util other than 1 the oracle therefore solves the serve_util-1 problem apart
 * (the same problems, for the bound only) and lower_bound() returns that, so one
 * "slo" oracle gives both the operating point and the bound (the README's demo table).
 *
 * Routing ("routing": "home" | "plan").  "home" (the default) is all of the above: the
 * world's per-region ieq, as home routing (or the scenario's initial weights) puts it,
 * each region on its own.  That is no bound for a policy that routes elsewhere: on
 * europe-spike the spill mechanism serves the home region's overflow in a neighbour, and
 * the executed home oracle (1345.56 USD penalised) comes in below the home LP (1511.90).
 * "plan" adds, per app and measured window, the relaxation in which the app's whole
 * demand (every geography pooled; the sum over regions of the world's ieq, which routing
 * only moves) may be served by any region: every route any policy could take, the
 * over-latency ones included at no USD (the simulator charges a late route in attainment
 * only: violation minutes, no penalty), egress 0 (a lower bound on any route's egress),
 * min_instances 0, serve_util 1, each region's type capacity limit and quota kept.  For
 * any policy with on-demand capacity x_r in step k and routed loads L_r, the simulator's
 * unserved load is sum_r (L_r - x_r)^+ >= (D - sum_r x_r)^+, so its penalised cost is at
 * least this LP's value: lower_bound() returns it whatever serve_util is (the executed
 * plan is planned at serve_util; the bound's LP is solved apart, at 1).  Policy
 * parameters: the wrapper (sc_policy_alloc) leaves `routing` to a policy whose table
 * declares it and the routing controller runs home for "plan"; a policy that does not
 * declare it gets an input error for "plan".  The executed plan under "plan" routes
 * (oracle_route.c): per app, the whole run's per-geography demand planned over every
 * route that meets the latency bound at its own operating utilisation ("slo": each
 * route's, from its latency), carried out by timed set_weight actions, with capacity
 * in a region before weights move load there and kept in the source until clients
 * have moved.  In a scenario without a weighted geography (or a view without
 * per-geography demand) it is the home plan.
 *
 * Executed plan.  The relaxation's counts are rounded up by the optimizer (or solved
 * as a MILP when small), clamped to [min_instances, max_instances], and turned into
 * timed actions on the on-demand pool: a decrease is a deprovision at the start of its
 * step; an increase of d instances at step k is a provision issued so that all d are
 * ready at the step's start.  The oracle knows each launch's boot delay because they are
 * common random numbers (sim/mockcloud.c): the i-th launch in pool (app, region, type,
 * on-demand) boots in sc_dist_quantile(boot, sc_rng_u01(sc_rng_key(seed, SC_RNG_BOOT,
 * region, pool_key, i))) ms, rounded to the nearest ms, pool_key = (app << 24) ^
 * (type << 4) ^ option, and launch indices count every launch of the pool from the
 * initial allocation on.  Issue = step start - max delay of the batch - warm-up
 * (never before now); issue times are then made non-decreasing in launch order (a batch
 * is pulled earlier rather than let a later batch take its launch indices).
 *
 * Parameters (all optional; table `params` below, `sculpt run --help-policy oracle`):
 * {"window": "1d", "serve_util": 1.0 | "target" | "slo" | (0, 1], "optimizer": "lp",
 *  "routing": "home" | "plan"}
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/optimizer.h"
#include "sculpt/policy.h"
#include "sculpt/rng.h"

#include "oracle_int.h"

static const char *const serve_words[] = {"target", "slo", NULL};
static const char *const routing_words[] = {"home", "plan", NULL};

static const sc_param_def params[] = {
    {.name = "window", .kind = SC_PARAM_DURATION, .def = "1d", .lo = 0, .hi = INFINITY,
     .flags = SC_PARAM_LO_OPEN | SC_PARAM_TEXT_ONLY,
     .help = "length of one LP problem (at least one scenario step)"},
    {.name = "serve_util", .kind = SC_PARAM_NUMBER, .def = "1.0", .lo = 0, .hi = 1,
     .flags = SC_PARAM_LO_OPEN, .values = serve_words,
     .help = "planned utilisation: a number, each app's \"target\", or its latency \"slo\""},
    {.name = "optimizer", .kind = SC_PARAM_STRING, .def = "lp", .lo = 1, .hi = SC_NAME_MAX - 1,
     .help = "optimizer plug-in (sculpt/optimizer.h): lp or ga"},
    {.name = "routing", .kind = SC_PARAM_ENUM, .def = "home", .values = routing_words,
     .help = "home: bound and plan with geographies at their home regions; plan: the plan "
             "routes within the latency bound (set_weight), the bound lets every geography "
             "be served by any region (any policy's routing)"},
};
#define N_PARAMS (sizeof params / sizeof params[0])

typedef struct oracle_state {
    int64_t window_ms;
    double serve_util;        /* (0, 1]; 0: each app's target_util ("target"); -1:
                                 the utilisation at the app's latency bound ("slo") */
    char optimizer[SC_NAME_MAX];
    double bound_usd;         /* LP relaxation over the measured period */
    double rounded_usd;       /* objective of the rounded plan, measured period */
    int route_plan;           /* "routing": "plan" */
    double route_bound_usd;   /* routed relaxation over the measured period ("plan") */
    int decided;
} oracle_state;

static void oracle_cleanup(void *state)
{
    (void)state;
}

/* params_obj was checked against `params` by sc_policy_alloc; what depends on the
 * scenario (window >= step) or on the optimizer registry is checked here. */
static sc_status oracle_init(void *state, const sc_scenario *sc, const cJSON *params_obj,
                             const char *where, sc_error *err)
{
    oracle_state *s = state;
    s->bound_usd = NAN;
    s->rounded_usd = NAN;
    s->route_bound_usd = NAN;
    int serve_word = -1, routing_word = 0;
    const char *opt = "lp";
    char place[sizeof err->where];
    sc_status st;
    if ((st = sc_params_get_duration(params, N_PARAMS, params_obj, "window", &s->window_ms)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "serve_util",
                                   &s->serve_util)) ||
        (st = sc_params_get_enum(params, N_PARAMS, params_obj, "serve_util", &serve_word)) ||
        (st = sc_params_get_string(params, N_PARAMS, params_obj, "optimizer", &opt)) ||
        (st = sc_params_get_enum(params, N_PARAMS, params_obj, "routing", &routing_word)))
        return sc_error_set(err, st, where, "oracle: parameter table out of date");
    if (serve_word == 0)
        s->serve_util = 0.0;  /* "target" */
    else if (serve_word == 1)
        s->serve_util = -1.0; /* "slo" */
    s->route_plan = routing_word == 1;
    if (s->window_ms < sc->step_ms) {
        sc_params_member_where(place, sizeof place, where, "window");
        return sc_error_set(err, SC_ERR_INPUT, place,
                            "window: expected a duration of at least one step (%lld ms), "
                            "got %lld ms",
                            (long long)sc->step_ms, (long long)s->window_ms);
    }
    const sc_optimizer_type *t;
    if ((st = sc_optimizer_find(opt, &t, err))) {
        if (err)
            sc_params_member_where(err->where, sizeof err->where, where, "optimizer");
        return st;
    }
    snprintf(s->optimizer, sizeof s->optimizer, "%s", opt);
    return SC_OK;
}

static int64_t oracle_cadence(const void *state)
{
    return 0;
}

static double oracle_lower_bound(const void *state)
{
    const oracle_state *s = state;
    return s->route_plan ? s->route_bound_usd : s->bound_usd;
}

/* The highest utilisation at which app's curve latency plus the route latency from
 * each of its geographies' home region stays within its SLO bound ("slo"). */
static double slo_util(const sc_scenario *sc, int app)
{
    const sc_app *a = &sc->apps[app];
    double umax = a->latency.u_max < 1 ? a->latency.u_max : 1.0, u = umax;
    for (size_t d = 0; d < a->n_demand; d++) {
        int g = a->demand[d].geo;
        double room = a->slo.latency_ms - sc_scenario_latency(sc, g, sc->geos[g].home_region);
        double ug = room > a->latency.base_ms ? 1.0 - a->latency.base_ms / room : 0.0;
        if (ug < u)
            u = ug;
    }
    /* a hair inside the bound: at exactly u the curve's latency may round above it */
    u *= 1.0 - 1e-9;
    return u < 0.05 ? 0.05 : u;
}

/* "slo" with home routing: the highest utilisation at which every geography at home in
 * region r with demand for app meets the bound there (the routes r serves), the least
 * over them (sc_oracle_route_u_slo, at least 0.05); dflt when none is at home in r. */
static double region_slo_util(const sc_scenario *sc, int app, int r, double dflt)
{
    const sc_app *a = &sc->apps[app];
    double u = INFINITY;
    for (size_t d = 0; d < a->n_demand; d++) {
        int g = a->demand[d].geo;
        if (sc->geos[g].home_region != r)
            continue;
        double ug = sc_oracle_route_u_slo(sc, app, g, r);
        u = fmin(u, ug < 0.05 ? 0.05 : ug);
    }
    return isfinite(u) ? u : dflt;
}

/* Boot delay in ms (as the mock rounds it) of launch idx of (app, region) on demand. */
static int64_t boot_of(const sc_scenario *sc, int app, int region, uint32_t idx)
{
    int type = sc->apps[app].instance_type;
    uint64_t pool_key = ((uint64_t)app << 24) ^ ((uint64_t)type << 4) ^
                        (uint64_t)SC_PURCHASE_ONDEMAND;
    double u = sc_rng_u01(sc_rng_key(sc->seed, SC_RNG_BOOT, (uint64_t)region, pool_key, idx));
    double boot = sc_dist_quantile(&sc->regions[region].boot, u);
    return (int64_t)(boot + 0.5);
}

/* Limits of app's type in region r for the problem: the type's capacity limit and the
 * quota, whichever is smaller; -1 when none. */
double sc_oracle_region_limit(const sc_scenario *sc, int app, int r, unsigned *kind)
{
    const sc_app *a = &sc->apps[app];
    const sc_region *rg = &sc->regions[r];
    const sc_instance_type *it = &sc->types[a->instance_type];
    double lim = rg->types[a->instance_type].capacity_limit;
    *kind = SC_OPT_BIND_CAPACITY;
    if (rg->vcpu_quota >= 0 && it->capacity[SC_METRIC_CPU] > 0) {
        double q = floor(rg->vcpu_quota / it->capacity[SC_METRIC_CPU] + 1e-9);
        if (lim < 0 || q < lim) {
            lim = q;
            *kind = SC_OPT_BIND_QUOTA;
        }
    }
    return lim < 0 ? -1.0 : lim;
}

/* "routing": "plan": the relaxation of app a over the measured period in which the
 * app's whole demand (every geography pooled) may be served by any region: one LP per
 * window with one geography routable to every region, egress 0, over-latency routes
 * allowed (the simulator charges them in attainment only, not in USD), min_inst 0,
 * serve_util 1, each region's type capacity limit / quota kept.  See "Routing" above
 * for why it bounds every on-demand policy under any routing.  dep non-NULL: the home
 * relaxation instead (geographies = regions, min_instances where deployed: the main
 * LP's problem at serve_util 1, for a serve_util other than 1).  Adds to *bound. */
static sc_status routed_bound(const sc_policy_view *v, sc_optimizer *opt, int a, int64_t win,
                              double ucap, const int *dep, double *bound, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    int R = (int)sc->n_regions;
    int64_t N = v->n_steps;
    sc_status st = SC_OK;
    for (int64_t k0 = v->warmup_steps; k0 < N;) {
        int64_t k1 = k0 + win < N ? k0 + win : N;
        int K = (int)(k1 - k0);
        sc_opt_problem_buf *b = NULL;
        sc_opt_solution *sol = NULL;
        int G = dep ? R : 1;
        if ((st = sc_opt_problem_alloc(R, G, K, 1, &b, err)) ||
            (st = sc_opt_solution_alloc(R, G, K, 1, &sol, err))) {
            sc_opt_problem_free(b);
            return st;
        }
        sc_opt_problem *p = &b->p;
        p->step_ms = sc->step_ms;
        p->start_ms = sc->start + k0 * sc->step_ms;
        p->serve_util = 1.0;
        p->penalty_per_ieq_hour = app->slo.penalty_per_unit_hour * ucap;
        p->max_inst = -1;
        p->spot_max_share = 0.0;
        p->flap_budget = -1.0;
        p->may_buy_reserved = 0;
        b->qlevel[0] = 0.5;
        for (int r = 0; r < R; r++) {
            b->price[r * 3 + SC_PURCHASE_ONDEMAND] =
                sc->regions[r].types[app->instance_type].price_per_hour[SC_PURCHASE_ONDEMAND];
            b->price[r * 3 + SC_PURCHASE_RESERVED] = NAN;
            b->price[r * 3 + SC_PURCHASE_SPOT] = NAN;
            for (int o = 0; o < 3; o++)
                b->current[r * 3 + o] = 0;
            unsigned kind;
            b->cap_limit[r] = sc_oracle_region_limit(sc, a, r, &kind);
            b->cap_kind[r] = kind;
            b->min_inst[r] = dep && dep[r] ? app->min_instances : 0;
            b->lead_steps[r] = 0;
            b->spot_loss[r] = 0.0;
            for (int g = 0; g < G; g++) {
                b->route_ok[g * R + r] = !dep || g == r;
                b->egress_per_ieq_hour[g * R + r] = 0.0;
            }
        }
        for (int k = 0; k < K; k++) {
            double d = 0.0;
            for (int r = 0; r < R; r++) {
                double e = sc_view_ieq(v, a, r, k0 + k);
                if (dep)
                    b->demand[(size_t)r * (size_t)K + (size_t)k] = e >= 0 ? e : 0.0;
                else
                    d += e > 0 ? e : 0.0;
            }
            if (!dep)
                b->demand[k] = d;
        }
        st = sc_optimizer_solve(opt, p, sol, err);
        if (!st)
            *bound += sol->lp_bound_usd;
        sc_opt_problem_free(b);
        sc_opt_solution_free(sol);
        if (st)
            return st;
        k0 = k1;
    }
    return SC_OK;
}

typedef struct batch {
    sc_time_ms issue, needed;
    int count;
} batch;

static sc_status oracle_decide(void *state, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err)
{
    oracle_state *s = state;
    const sc_scenario *sc = v->sc;
    if (s->decided)
        return SC_OK;
    s->decided = 1;
    if (!v->clairvoyant)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "oracle: view is not clairvoyant");
    int R = (int)sc->n_regions;
    int64_t N = v->n_steps, W0 = v->warmup_steps;
    int64_t win = s->window_ms / sc->step_ms;
    if (win < 1)
        win = 1;
    if (win > N)
        win = N;
    int *xs = calloc((size_t)R * (size_t)N + 1, sizeof *xs);  /* [r][k] planned */
    /* the executed plan routes where some geography has a weighted mechanism and the
     * view gives per-geography demand; else it is the home plan */
    int xroute = s->route_plan && sc->routed && v->geo_ieq;
    int *tgt = xroute ? calloc((size_t)R * (size_t)N + 1, sizeof *tgt) : NULL;
    double *ur = calloc((size_t)R + 1, sizeof *ur); /* [r] planned utilisation */
    batch *bs = calloc((size_t)N + 1, sizeof *bs);
    sc_opt_problem_buf *b = NULL, *b_last = NULL;
    sc_opt_solution *sol = NULL, *sol_last = NULL;
    sc_optimizer *opt = NULL;
    sc_status st = SC_OK;
    double bound = 0.0, rounded = 0.0, rbound = 0.0, hbound = 0.0;
    if (!xs || !bs || !ur || (xroute && !tgt)) {
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "oracle: out of memory");
        goto done;
    }
    if ((st = sc_optimizer_alloc(s->optimizer, NULL, &opt, err)))
        goto done;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        /* deployed: initial capacity or demand at some step */
        int *dep = calloc((size_t)R, sizeof *dep);
        if (!dep) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "oracle: out of memory");
            goto done;
        }
        for (int r = 0; r < R; r++) {
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                dep[r] |= sc_pool_requested(sc_view_pool(v, (int)a, r, (sc_purchase)o)) > 0;
            for (int64_t k = 0; k < N && !dep[r]; k++)
                dep[r] |= sc_view_load(v, (int)a, r, k) > 0;
        }
        /* unit_cap: load units per instance at 100 % (as the simulator) */
        const sc_instance_type *it = &sc->types[app->instance_type];
        double kk = 0.0;
        for (int m = 0; m < SC_METRIC_RESOURCES; m++)
            if (it->capacity[m] > 0 && app->needs[m] / it->capacity[m] > kk)
                kk = app->needs[m] / it->capacity[m];
        double ucap = kk > 0 ? 1.0 / kk : 1.0;
        /* planned utilisation of this app */
        double ua = s->serve_util > 0    ? s->serve_util
                    : s->serve_util == 0 ? app->target_util
                                         : slo_util(sc, (int)a);
        /* "slo": each region at the utilisation of the routes it serves (the
         * geographies at home there), ua where none is */
        double umax = 0.0;
        for (int r = 0; r < R; r++) {
            ur[r] = s->serve_util < 0 ? region_slo_util(sc, (int)a, r, ua) : ua;
            umax = fmax(umax, ur[r]);
        }
        if ((s->route_plan && (st = routed_bound(v, opt, (int)a, win, ucap, NULL, &rbound,
                                                 err))) ||
            (s->serve_util != 1.0 && !xroute &&
             (st = routed_bound(v, opt, (int)a, win, ucap, dep, &hbound, err)))) {
            free(dep);
            goto done;
        }
        /* "plan": the routed plan (oracle_route.c) in place of the home windows */
        if (xroute &&
            (st = sc_oracle_route_plan(v, opt, (int)a, win, s->serve_util, ucap, tgt, plan,
                                       &rounded, err))) {
            free(dep);
            goto done;
        }
        for (int64_t k0 = 0; k0 < N && !xroute;) {
            int64_t k1 = k0 + win;
            if (k0 < W0 && k1 > W0)
                k1 = W0;
            if (k1 > N)
                k1 = N;
            int K = (int)(k1 - k0);
            if (!b || b->p.n_steps != K) {
                /* windows have at most two lengths: keep the last problem of each */
                if (b_last && b_last->p.n_steps == K) {
                    sc_opt_problem_buf *tb = b;
                    sc_opt_solution *ts = sol;
                    b = b_last;
                    sol = sol_last;
                    b_last = tb;
                    sol_last = ts;
                } else {
                    sc_opt_problem_free(b_last);
                    sc_opt_solution_free(sol_last);
                    b_last = b;
                    sol_last = sol;
                    b = NULL;
                    sol = NULL;
                    if ((st = sc_opt_problem_alloc(R, R, K, 1, &b, err)) ||
                        (st = sc_opt_solution_alloc(R, R, K, 1, &sol, err))) {
                        free(dep);
                        goto done;
                    }
                }
            }
            sc_opt_problem *p = &b->p;
            p->step_ms = sc->step_ms;
            p->start_ms = sc->start + k0 * sc->step_ms;
            p->serve_util = umax;
            p->penalty_per_ieq_hour = app->slo.penalty_per_unit_hour * ucap;
            p->max_inst = -1;
            p->spot_max_share = 0.0;
            p->flap_budget = -1.0;
            p->may_buy_reserved = 0;
            b->qlevel[0] = 0.5;
            for (int r = 0; r < R; r++) {
                b->price[r * 3 + SC_PURCHASE_ONDEMAND] =
                    sc->regions[r].types[app->instance_type].price_per_hour[SC_PURCHASE_ONDEMAND];
                b->price[r * 3 + SC_PURCHASE_RESERVED] = NAN;
                b->price[r * 3 + SC_PURCHASE_SPOT] = NAN;
                for (int o = 0; o < 3; o++)
                    b->current[r * 3 + o] = 0;
                unsigned kind;
                b->cap_limit[r] = sc_oracle_region_limit(sc, (int)a, r, &kind);
                b->cap_kind[r] = kind;
                b->min_inst[r] = dep[r] ? app->min_instances : 0;
                b->lead_steps[r] = 0;
                b->spot_loss[r] = 0.0;
                b->route_serve_util[r * R + r] = ur[r] < umax ? ur[r] : 0.0;
                for (int g = 0; g < R; g++) {
                    b->route_ok[g * R + r] = g == r;
                    b->egress_per_ieq_hour[g * R + r] = 0.0;
                }
                for (int k = 0; k < K; k++) {
                    double e = sc_view_ieq(v, (int)a, r, k0 + k);
                    b->demand[(size_t)r * (size_t)K + (size_t)k] = e >= 0 ? e : 0.0;
                }
            }
            if ((st = sc_optimizer_solve(opt, p, sol, err))) {
                free(dep);
                goto done;
            }
            if (k0 >= W0) {
                bound += sol->lp_bound_usd;
                rounded += sol->objective_usd;
            }
            for (int r = 0; r < R; r++)
                for (int k = 0; k < K; k++)
                    xs[(size_t)r * (size_t)N + (size_t)(k0 + k)] =
                        sol->x[((size_t)r * 3 + SC_PURCHASE_ONDEMAND) * (size_t)K + (size_t)k];
            k0 = k1;
        }
        /* executed plan, per region */
        for (int r = 0; r < R; r++) {
            if (!dep[r] && !xroute)
                continue;
            int other = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                if (o != SC_PURCHASE_ONDEMAND)
                    other += sc_pool_requested(sc_view_pool(v, (int)a, r, (sc_purchase)o));
            int have = sc_pool_requested(sc_view_pool(v, (int)a, r, SC_PURCHASE_ONDEMAND));
            uint32_t idx = (uint32_t)have; /* launches so far: the initial allocation */
            int prev = have;
            size_t nb = 0;
            sc_action base = {.app = (int)a, .region = r, .type = app->instance_type,
                              .option = SC_PURCHASE_ONDEMAND, .to_region = -1, .to_type = -1};
            for (int64_t k = 0; k < N; k++) {
                int t = xroute ? tgt[(size_t)r * (size_t)N + (size_t)k]
                                      : xs[(size_t)r * (size_t)N + (size_t)k];
                if (s->serve_util != 1.0 && !xroute) {
                    /* an operating point, not a bound: the LP may leave load above
                     * serve_util x capacity at the penalty when that is cheaper, which
                     * the simulator serves late, not unserved; hold the point:
                     * ceil(ieq / u), within the region's limit */
                    double e = sc_view_ieq(v, (int)a, r, k);
                    double need = e > 0 ? ceil(e / ur[r] - 1e-9) : 0.0;
                    unsigned kind;
                    double lim = sc_oracle_region_limit(sc, (int)a, r, &kind);
                    if (lim >= 0 && need > lim)
                        need = lim;
                    if (need > t && need < 1e9)
                        t = (int)need;
                }
                if (t < app->min_instances && !xroute) /* plan: where it serves */
                    t = app->min_instances;
                if (t > app->max_instances)
                    t = app->max_instances;
                t -= other;
                if (t < 0)
                    t = 0;
                sc_time_ms needed = sc->start + k * sc->step_ms;
                if (t > prev) {
                    int d = t - prev;
                    int64_t worst = 0;
                    for (int i = 0; i < d; i++) {
                        int64_t bt = boot_of(sc, (int)a, r, idx + (uint32_t)i);
                        if (bt > worst)
                            worst = bt;
                    }
                    idx += (uint32_t)d;
                    sc_time_ms issue = needed - worst - (app->warmup_ms > 0 ? app->warmup_ms : 0);
                    bs[nb++] = (batch){issue < v->now ? v->now : issue, needed, d};
                } else if (t < prev) {
                    /* deprovisions do not take launch indices: emit now */
                    sc_action act = base;
                    act.kind = SC_ACTION_DEPROVISION;
                    act.count = prev - t;
                    act.issue_ms = act.needed_ms = needed;
                    if ((st = sc_plan_push(plan, &act))) {
                        free(dep);
                        st = sc_error_set(err, st, NULL, "oracle: out of memory");
                        goto done;
                    }
                }
                prev = t;
            }
            /* launch order = index order: issue times non-decreasing */
            for (size_t i = nb; i-- > 1;)
                if (bs[i - 1].issue > bs[i].issue)
                    bs[i - 1].issue = bs[i].issue;
            for (size_t i = 0; i < nb; i++) {
                sc_action act = base;
                act.kind = SC_ACTION_PROVISION;
                act.count = bs[i].count;
                act.issue_ms = bs[i].issue;
                act.needed_ms = bs[i].needed;
                if ((st = sc_plan_push(plan, &act))) {
                    free(dep);
                    st = sc_error_set(err, st, NULL, "oracle: out of memory");
                    goto done;
                }
            }
        }
        free(dep);
    }
    /* the bound is the serve_util-1 relaxation whatever the executed operating point */
    s->bound_usd = s->serve_util == 1.0 ? bound : hbound;
    s->rounded_usd = rounded;
    s->route_bound_usd = s->route_plan ? rbound : NAN;
done:
    sc_optimizer_free(opt);
    sc_opt_problem_free(b);
    sc_opt_problem_free(b_last);
    sc_opt_solution_free(sol);
    sc_opt_solution_free(sol_last);
    free(xs);
    free(tgt);
    free(ur);
    free(bs);
    return st;
}

const sc_policy_type sc_policy_oracle = {
    .name = "oracle",
    .version = 2,
    .state_size = sizeof(oracle_state),
    .clairvoyant = 1,
    .init = oracle_init,
    .cleanup = oracle_cleanup,
    .cadence_ms = oracle_cadence,
    .decide = oracle_decide,
    .lower_bound = oracle_lower_bound,
    .params = params,
    .n_params = N_PARAMS,
    .summary = "clairvoyant LP lower bound on penalised cost (on-demand only)",
};
