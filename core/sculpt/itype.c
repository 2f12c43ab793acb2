/*
 * itype.c - which instance type runs each (app, region) pool: the optimizer's type
 * dimension (optimizer.h, "instance-type choice"; core/sculpt/README.md "Instance
 * types").
 *
 * Instance-equivalents depend on the type.  An app's demand has a shape: the resource
 * vector D (vCPU, GiB, MB/s) it needs per unit of demand (its per-unit needs, or the
 * mix of its resource series).  One instance of type t carries cap_t, so the demand
 * takes E_t(D) = max_m D_m / cap_t[m] instances of t at 100 % of the binding resource;
 * the binding resource is the m that attains the max and may differ between types (a
 * memory-bound app on a compute type is CPU-bound on a memory type).  The problem is
 * posed in instance-equivalents of the app's own type ("home" ieq); one instance of t
 * is worth
 *
 *     f_t = E_home(D) / E_t(D)   home ieq per instance of t,
 *
 * exactly, whatever the scale of D (both E are linear in it).  A type lacking a
 * resource the shape needs (cap 0 where D_m > 0) serves nothing: f_t = 0.
 *
 * The problem of type t.  Posed in instances of t, every region running t, the app's
 * problem is the home problem with: demand d / f_t (ieq of t), penalty per ieq-hour
 * pi f_t and egress per ieq-hour e f_t (both per home ieq before), prices, capacity
 * limit (the type's stock and the region's vCPU quota / the type's vCPUs, then
 * max_instances) of t, and the capacity held now converted at floor(n / f_t) (what the
 * held instances serve until they are replaced).  Lead times, minimum instances, spot
 * loss, routes (the curve at the same serving utilisation) do not depend on the type.
 *
 * The choice.  sc_itype_choose solves the problem of each candidate type with the
 * caller's optimizer (lp or ga), once per type.  When every geography can be routed to
 * at most one region (the sculpt policy and the oracle: the simulator's routing is
 * fixed), no constraint or cost term joins two regions: the objective is a sum of
 * per-region parts (a region's instance cost, plus penalty and egress of the
 * geographies it alone may serve), and each part depends only on that region's type.
 * So picking per region the type whose part is least (plus the switch cost below) is
 * the optimum over all T^R assignments of one type per pool, with T solves instead of
 * T^R, and exact to the optimizer's own optimality (lp: proved on the newsvendor path).
 * When routing couples regions, the parts are not separable; the choice is then one
 * type for every region (the least total), a feasible plan but not the optimum over
 * mixed assignments (what remains: a per-region capacity coefficient in the LP).
 *
 * Switching has a price: the new instances are billed from launch while the old ones
 * still serve, for the lead time (boot + warm-up) of the region, so switch_usd = the
 * candidate's instances at the first reachable step x its on-demand price x lead
 * hours.  A switch is taken when the candidate's part plus switch_usd is below (1 -
 * min_saving) x the current type's part (hysteresis: no flapping between types of
 * nearly equal cost).  Reserved instances are commitments of one type: a region
 * holding reserved instances keeps its type.
 *
 * Ownership: the workspace holds one problem and one solution per type (allocated
 * once; choose allocates nothing itself, the optimizer's solves aside).  Deterministic: types in index order, ties to the
 * current type, then to the lower index.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/optimizer.h"

struct sc_itype_ws {
    int R, G, K, Q, T;
    sc_opt_problem_buf **prob; /* [T] the problem of each type */
    sc_opt_solution **sol;     /* [T] its solution */
    unsigned char *solved;     /* [T] 1 if solved in the last choose */
    double *part;              /* [T * R] region parts of each type's objective */
};

/* E_t(D): instances of t at 100 % of the binding resource per unit of shape; 0 for an
 * empty shape, INFINITY when t lacks a resource the shape needs. */
static double ieq_of(const sc_instance_type *t, const double *shape)
{
    double e = 0.0;
    for (int m = 0; m < SC_METRIC_RESOURCES; m++) {
        if (!(shape[m] > 0))
            continue;
        if (!(t->capacity[m] > 0))
            return INFINITY;
        if (shape[m] / t->capacity[m] > e)
            e = shape[m] / t->capacity[m];
    }
    return e;
}

double sc_itype_ieq_per_inst(const sc_scenario *sc, int app, int type, const double *shape)
{
    const sc_app *a = &sc->apps[app];
    if (type == a->instance_type)
        return 1.0;
    if (!shape)
        shape = a->needs;
    double eh = ieq_of(&sc->types[a->instance_type], shape);
    double et = ieq_of(&sc->types[type], shape);
    if (!(eh > 0) || !isfinite(eh))
        return NAN; /* no shape: instance-equivalents of another type are unknown */
    if (!isfinite(et))
        return 0.0;
    return eh / et;
}

/* Worth of type t under the options: given, or from the shape. */
static double worth_of(const sc_scenario *sc, int app, int t, const sc_itype_opts *o)
{
    if (t == sc->apps[app].instance_type)
        return 1.0;
    if (o->ieq_per_inst)
        return o->ieq_per_inst[t] >= 0 ? o->ieq_per_inst[t] : 0.0;
    return sc_itype_ieq_per_inst(sc, app, t, o->shape);
}

void sc_itype_opts_init(sc_itype_opts *o)
{
    memset(o, 0, sizeof *o);
    o->min_saving = 0.02;
}

sc_status sc_itype_ws_alloc(const sc_scenario *sc, int n_regions, int n_geos, int n_steps,
                            int n_quant, sc_itype_ws **out, sc_error *err)
{
    *out = NULL;
    if (!sc || sc->n_types < 1 || (size_t)n_regions != sc->n_regions)
        return sc_error_set(err, SC_ERR_INPUT, "instance types",
                            "workspace sized for %d regions, scenario has %zu", n_regions,
                            sc ? sc->n_regions : (size_t)0);
    sc_itype_ws *w = calloc(1, sizeof *w);
    if (!w)
        return sc_error_set(err, SC_ERR_NOMEM, "instance types", "out of memory");
    w->R = n_regions;
    w->G = n_geos;
    w->K = n_steps;
    w->Q = n_quant;
    w->T = (int)sc->n_types;
    w->prob = calloc((size_t)w->T, sizeof *w->prob);
    w->sol = calloc((size_t)w->T, sizeof *w->sol);
    w->solved = calloc((size_t)w->T, 1);
    w->part = calloc((size_t)w->T * (size_t)w->R, sizeof *w->part);
    sc_status st = SC_OK;
    if (!w->prob || !w->sol || !w->solved || !w->part) {
        st = sc_error_set(err, SC_ERR_NOMEM, "instance types", "out of memory");
        goto fail;
    }
    for (int t = 0; t < w->T; t++) {
        if ((st = sc_opt_problem_alloc(n_regions, n_geos, n_steps, n_quant, &w->prob[t], err)))
            goto fail;
        if ((st = sc_opt_solution_alloc(n_regions, n_geos, n_steps, n_quant, &w->sol[t], err)))
            goto fail;
    }
    *out = w;
    return SC_OK;
fail:
    sc_itype_ws_free(w);
    return st;
}

void sc_itype_ws_free(sc_itype_ws *w)
{
    if (!w)
        return;
    for (int t = 0; w->prob && t < w->T; t++)
        sc_opt_problem_free(w->prob[t]);
    for (int t = 0; w->sol && t < w->T; t++)
        sc_opt_solution_free(w->sol[t]);
    free(w->prob);
    free(w->sol);
    free(w->solved);
    free(w->part);
    free(w);
}

const sc_opt_solution *sc_itype_solution(const sc_itype_ws *w, int type)
{
    if (!w || type < 0 || type >= w->T || !w->solved[type])
        return NULL;
    return w->sol[type];
}

const sc_opt_problem *sc_itype_problem(const sc_itype_ws *w, int type)
{
    if (!w || type < 0 || type >= w->T || !w->solved[type])
        return NULL;
    return &w->prob[type]->p;
}

/* Is type t offered in region r at all (an on-demand price or a reserved/spot one)? */
static int offered(const sc_region *rg, int t)
{
    for (int o = 0; o < SC_PURCHASE_COUNT; o++)
        if (!isnan(rg->types[t].price_per_hour[o]))
            return rg->types[t].capacity_limit != 0;
    return 0;
}

/* The problem of type t from the home problem p (file comment). */
static void derive(const sc_scenario *sc, int app, const sc_opt_problem *p, int t, double f,
                   sc_opt_problem_buf *b)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    const sc_app *a = &sc->apps[app];
    const sc_instance_type *it = &sc->types[t];
    sc_opt_problem *d = &b->p;
    /* scalars: everything as in p, then the type-dependent ones */
    const double *qlevel = d->qlevel, *demand = d->demand, *price = d->price;
    const double *egress = d->egress_per_ieq_hour, *cap = d->cap_limit, *loss = d->spot_loss;
    const unsigned char *route = d->route_ok;
    const unsigned *kind = d->cap_kind;
    const int *mn = d->min_inst, *cur = d->current, *lead = d->lead_steps;
    *d = *p;
    d->qlevel = qlevel;
    d->demand = demand;
    d->price = price;
    d->egress_per_ieq_hour = egress;
    d->cap_limit = cap;
    d->spot_loss = loss;
    d->route_ok = route;
    d->cap_kind = kind;
    d->min_inst = mn;
    d->current = cur;
    d->lead_steps = lead;
    d->penalty_per_ieq_hour = p->penalty_per_ieq_hour * f;
    memcpy(b->qlevel, p->qlevel, (size_t)Q * sizeof *b->qlevel);
    for (size_t i = 0; i < (size_t)G * (size_t)K * (size_t)Q; i++) {
        double v = p->demand[i];
        b->demand[i] = isfinite(v) && v > 0 ? v / f : 0.0;
    }
    for (size_t i = 0; i < (size_t)G * (size_t)R; i++) {
        b->route_ok[i] = p->route_ok[i];
        b->egress_per_ieq_hour[i] = p->egress_per_ieq_hour ? p->egress_per_ieq_hour[i] * f : 0.0;
    }
    for (int r = 0; r < R; r++) {
        const sc_region *rg = &sc->regions[r];
        const sc_region_type *rt = &rg->types[t];
        int avail = offered(rg, t);
        for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
            /* an option the caller turned off (NaN in p) stays off */
            double pr = isnan(p->price[r * SC_PURCHASE_COUNT + o]) ? NAN : rt->price_per_hour[o];
            b->price[r * SC_PURCHASE_COUNT + o] = avail ? pr : NAN;
        }
        double lim = rt->capacity_limit;
        unsigned k = SC_OPT_BIND_CAPACITY;
        if (rg->vcpu_quota >= 0 && it->capacity[SC_METRIC_CPU] > 0) {
            double qv = floor(rg->vcpu_quota / it->capacity[SC_METRIC_CPU] + 1e-9);
            if (lim < 0 || qv < lim) {
                lim = qv;
                k = SC_OPT_BIND_QUOTA;
            }
        }
        if (!avail)
            lim = 0;
        b->cap_limit[r] = lim < 0 ? -1.0 : lim;
        b->cap_kind[r] = k;
        b->min_inst[r] = p->min_inst ? p->min_inst[r] : 0;
        b->lead_steps[r] = p->lead_steps[r];
        b->spot_loss[r] = p->spot_loss ? p->spot_loss[r] : 0.0;
        for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
            int n = p->current[r * SC_PURCHASE_COUNT + o];
            if (t != a->instance_type)
                n = o == SC_PURCHASE_RESERVED ? 0 : (int)floor((double)n / f + 1e-9);
            b->current[r * SC_PURCHASE_COUNT + o] = n;
        }
    }
}

/* Region parts of solution s of problem d: instance cost of r, plus penalty and
 * egress of the geographies only r may serve.  Returns 0 when some geography can be
 * routed to more than one region (the parts are then not separable). */
static int region_parts(const sc_opt_problem *d, const sc_opt_solution *s, double *part)
{
    int R = d->n_regions, G = d->n_geos, K = d->n_steps;
    double h = (double)d->step_ms / 3.6e6;
    int sep = 1;
    for (int r = 0; r < R; r++) {
        double c = 0.0;
        for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
            double pr = d->price[r * SC_PURCHASE_COUNT + o];
            if (isnan(pr))
                continue;
            for (int k = 0; k < K; k++)
                c += pr * h * s->x[SC_OPT_X(d, r, o, o == SC_PURCHASE_RESERVED ? 0 : k)];
        }
        part[r] = c;
    }
    for (int g = 0; g < G; g++) {
        int only = -1, n = 0;
        for (int r = 0; r < R; r++)
            if (d->route_ok[SC_OPT_GR(d, g, r)]) {
                only = r;
                n++;
            }
        if (n > 1)
            sep = 0;
        if (n != 1)
            continue; /* a geography nobody may serve costs the same under every type */
        for (int k = 0; k < K; k++) {
            part[only] += d->penalty_per_ieq_hour * h * s->shortfall[SC_OPT_GK(d, g, k)];
            if (d->egress_per_ieq_hour)
                part[only] += d->egress_per_ieq_hour[SC_OPT_GR(d, g, only)] * h *
                              s->routed[SC_OPT_GR(d, g, only) * (size_t)K + (size_t)k];
        }
    }
    return sep;
}

sc_status sc_itype_choose(sc_itype_ws *w, sc_optimizer *opt, const sc_scenario *sc, int app,
                          const sc_opt_problem *p, const sc_itype_opts *o,
                          sc_itype_choice *out, sc_error *err)
{
    sc_itype_opts def;
    if (!o) {
        sc_itype_opts_init(&def);
        o = &def;
    }
    if (!w || !opt || !sc || !p || !out || app < 0 || (size_t)app >= sc->n_apps)
        return sc_error_set(err, SC_ERR_INPUT, "instance types", "bad arguments");
    if (p->n_regions != w->R || p->n_geos != w->G || p->n_steps != w->K || p->n_quant != w->Q)
        return sc_error_set(err, SC_ERR_INPUT, "instance types",
                            "problem R=%d G=%d K=%d Q=%d, workspace R=%d G=%d K=%d Q=%d",
                            p->n_regions, p->n_geos, p->n_steps, p->n_quant, w->R, w->G,
                            w->K, w->Q);
    if (!(o->min_saving >= 0 && o->min_saving < 1))
        return sc_error_set(err, SC_ERR_INPUT, "instance types",
                            "min_saving = %g: expected [0, 1)", o->min_saving);
    const sc_app *a = &sc->apps[app];
    int R = w->R, T = w->T, home = a->instance_type;
    for (int r = 0; r < R; r++)
        if (o->cur_type && (o->cur_type[r] < 0 || o->cur_type[r] >= T))
            return sc_error_set(err, SC_ERR_INPUT, "instance types",
                                "cur_type[%d] = %d: expected a type index below %d", r,
                                o->cur_type[r], T);
    int sep = 1;
    sc_status st;
    for (int t = 0; t < T; t++) {
        w->solved[t] = 0;
        double f = worth_of(sc, app, t, o);
        int cand = t == home || (!o->candidates || o->candidates[t]);
        int used = 0; /* some region runs t now: its part is needed for the comparison */
        for (int r = 0; r < R; r++)
            used |= o->cur_type && o->cur_type[r] == t;
        if ((!cand && !used) || !(f > 0))
            continue;
        derive(sc, app, p, t, f, w->prob[t]);
        if ((st = sc_optimizer_solve(opt, &w->prob[t]->p, w->sol[t], err)))
            return st;
        w->solved[t] = 1;
        sep &= region_parts(&w->prob[t]->p, w->sol[t], w->part + (size_t)t * (size_t)R);
    }
    double h = (double)p->step_ms / 3.6e6;
    /* switch cost of type t in region r: its instances at the first reachable step,
     * billed for the lead time while the old ones still serve */
    for (int r = 0; r < R; r++) {
        int cur = o->cur_type ? o->cur_type[r] : home;
        sc_itype_choice *c = &out[r];
        memset(c, 0, sizeof *c);
        c->type = cur;
        c->separable = sep;
        c->cost_cur_usd = w->solved[cur] ? w->part[(size_t)cur * (size_t)R + (size_t)r] : NAN;
        c->cost_usd = c->cost_cur_usd;
        c->ieq_per_inst = worth_of(sc, app, cur, o);
    }
    int lock_all = !sep; /* coupled regions: one type for all (file comment) */
    double best_tot = INFINITY;
    int best_t = -1;
    for (int t = 0; t < T; t++) {
        if (!w->solved[t] || !(t == home || !o->candidates || o->candidates[t]))
            continue;
        const sc_opt_problem *d = &w->prob[t]->p;
        const sc_opt_solution *s = w->sol[t];
        double tot = s->objective_usd; /* the whole plan, plus the switches */
        for (int r = 0; r < R; r++) {
            int cur = o->cur_type ? o->cur_type[r] : home;
            sc_itype_choice *c = &out[r];
            int held_res = p->current[r * SC_PURCHASE_COUNT + SC_PURCHASE_RESERVED] > 0;
            double part = w->part[(size_t)t * (size_t)R + (size_t)r];
            double sw = 0.0;
            if (t != cur) {
                int k0 = d->lead_steps[r] < d->n_steps ? d->lead_steps[r] : d->n_steps - 1;
                int n = 0;
                for (int oo = 0; oo < SC_PURCHASE_COUNT; oo++)
                    n += s->x[SC_OPT_X(d, r, oo, oo == SC_PURCHASE_RESERVED ? 0 : k0)];
                double pr = d->price[r * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
                sw = (isnan(pr) ? 0.0 : pr) * n * (o->lead_ms ? (double)o->lead_ms[r] / 3.6e6
                                                              : d->lead_steps[r] * h);
            }
            tot += sw;
            if (lock_all || held_res || isnan(d->price[r * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND]))
                continue;
            if (t == cur)
                continue;
            double bar = isnan(c->cost_cur_usd) ? INFINITY : (1.0 - o->min_saving) * c->cost_cur_usd;
            double have = c->type == cur ? bar : c->cost_usd;
            if (part + sw < have) {
                c->type = t;
                c->cost_usd = part + sw;
                c->switch_usd = sw;
                c->ieq_per_inst = worth_of(sc, app, t, o);
            }
        }
        if (tot < best_tot) {
            best_tot = tot;
            best_t = t;
        }
    }
    if (lock_all && best_t >= 0) {
        /* one type for every region: switch only when the total saves min_saving */
        double cur_tot = w->sol[home]->objective_usd;
        int all_cur = 1;
        for (int r = 0; r < R; r++)
            all_cur &= (o->cur_type ? o->cur_type[r] : home) == home;
        if (all_cur && best_t != home && best_tot < (1.0 - o->min_saving) * cur_tot)
            for (int r = 0; r < R; r++) {
                if (p->current[r * SC_PURCHASE_COUNT + SC_PURCHASE_RESERVED] > 0 ||
                    !offered(&sc->regions[r], best_t))
                    continue;
                out[r].type = best_t;
                out[r].cost_usd = w->part[(size_t)best_t * (size_t)R + (size_t)r];
                out[r].ieq_per_inst = worth_of(sc, app, best_t, o);
            }
    }
    return SC_OK;
}
