/*
 * costmodel.c - the cost and SLO model of one application, read from a scenario into
 * the optimizer's problem (optimizer.h, sc_costmodel_fill).
 *
 * Cost: instance-hours at the region's price for the app's instance type and purchase
 * option (NaN = not offered); reserved instances cost their effective hourly price
 * whether used or not (the commitment); egress per routed instance-equivalent-hour is
 * gb_per_unit_hour x egress_per_gb of the serving region x unit_cap (load units per
 * ieq), charged when a geography is served away from its home region (the simulator's
 * rule); spot capacity is derated by its expected interruption loss, the hazard rate
 * times the time to replace an interrupted instance (the lead time), capped at 0.9.
 *
 * SLO: a route g -> r is allowed when the route latency plus the curve latency at the
 * serving utilisation, base / (1 - min(u, u_max)), is within the app's latency bound;
 * unserved load costs penalty_per_unit_hour per load-unit-hour, i.e. penalty x unit_cap
 * per ieq-hour.
 *
 * Limits: the region's capacity_limit for the type, its vCPU quota / vCPUs of the type,
 * and the app's max_instances; the smallest wins and cap_kind says which.
 */
#include <math.h>
#include <string.h>

#include "sculpt/optimizer.h"

void sc_costmodel_opts_init(sc_costmodel_opts *o)
{
    memset(o, 0, sizeof *o);
    o->lead_quantile = 0.95;
    o->spot_max_share = 0.5;
    o->flap_budget = -1.0;
    o->may_buy_reserved = 0;
    o->serve_util = 0.0;
}

double sc_costmodel_unit_cap(const sc_scenario *sc, int app)
{
    const sc_app *a = &sc->apps[app];
    const sc_instance_type *it = &sc->types[a->instance_type];
    double k = 0.0;
    for (int m = 0; m < SC_METRIC_RESOURCES; m++)
        if (it->capacity[m] > 0 && a->needs[m] / it->capacity[m] > k)
            k = a->needs[m] / it->capacity[m];
    return k > 0 ? 1.0 / k : 1.0;
}

int64_t sc_costmodel_lead_ms(const sc_scenario *sc, int app, int region, double q)
{
    double boot = sc_dist_quantile(&sc->regions[region].boot, q);
    return (int64_t)ceil(boot) + sc->apps[app].warmup_ms;
}

double sc_costmodel_latency_ms(const sc_scenario *sc, int app, double u)
{
    const sc_latency_curve *c = &sc->apps[app].latency;
    double uc = u < c->u_max ? u : c->u_max;
    if (uc < 0)
        uc = 0;
    return c->base_ms / (1.0 - uc);
}

sc_status sc_costmodel_fill(const sc_scenario *sc, int app, const sc_costmodel_opts *o,
                            int64_t step_ms, sc_time_ms start_ms, const double *used,
                            const double *used_vcpu, sc_opt_problem_buf *b, sc_error *err)
{
    sc_costmodel_opts def;
    if (!o) {
        sc_costmodel_opts_init(&def);
        o = &def;
    }
    if (!sc || app < 0 || (size_t)app >= sc->n_apps)
        return sc_error_set(err, SC_ERR_INPUT, "cost model", "app index %d out of range", app);
    sc_opt_problem *p = &b->p;
    if ((size_t)p->n_regions != sc->n_regions || (size_t)p->n_geos != sc->n_geos)
        return sc_error_set(err, SC_ERR_INPUT, "cost model",
                            "problem sized R=%d G=%d, scenario has %zu regions and %zu geos",
                            p->n_regions, p->n_geos, sc->n_regions, sc->n_geos);
    if (step_ms <= 0)
        return sc_error_set(err, SC_ERR_INPUT, "cost model", "step_ms must be > 0");
    const sc_app *a = &sc->apps[app];
    const sc_instance_type *it = &sc->types[a->instance_type];
    double ucap = sc_costmodel_unit_cap(sc, app);
    double su = o->serve_util > 0 ? o->serve_util : a->target_util;
    if (su > 1)
        su = 1;
    p->step_ms = step_ms;
    p->start_ms = start_ms;
    p->serve_util = su;
    p->penalty_per_ieq_hour = a->slo.penalty_per_unit_hour * ucap;
    p->spot_max_share = o->spot_max_share;
    p->flap_budget = o->flap_budget;
    p->may_buy_reserved = o->may_buy_reserved;
    p->max_inst = a->max_instances;
    double curve = sc_costmodel_latency_ms(sc, app, su);
    for (size_t r = 0; r < sc->n_regions; r++) {
        const sc_region *rg = &sc->regions[r];
        const sc_region_type *rt = &rg->types[a->instance_type];
        for (int opt = 0; opt < SC_PURCHASE_COUNT; opt++)
            b->price[r * 3 + (size_t)opt] = rt->price_per_hour[opt];
        double lim = -1.0;
        unsigned kind = SC_OPT_BIND_CAPACITY;
        if (rt->capacity_limit >= 0) {
            lim = rt->capacity_limit - (used ? used[r] : 0.0);
            kind = SC_OPT_BIND_CAPACITY;
        }
        if (rg->vcpu_quota >= 0 && it->capacity[SC_METRIC_CPU] > 0) {
            double q = floor((rg->vcpu_quota - (used_vcpu ? used_vcpu[r] : 0.0)) /
                             it->capacity[SC_METRIC_CPU] + 1e-9);
            if (lim < 0 || q < lim) {
                lim = q;
                kind = SC_OPT_BIND_QUOTA;
            }
        }
        if (lim >= 0 && a->max_instances < lim) {
            lim = a->max_instances;
            kind = SC_OPT_BIND_MAX_INST;
        }
        if (lim != -1.0 && lim < 0)
            lim = 0;
        b->cap_limit[r] = lim;
        b->cap_kind[r] = kind;
        int64_t lead = sc_costmodel_lead_ms(sc, app, (int)r, o->lead_quantile);
        b->lead_steps[r] = (int)((lead + step_ms - 1) / step_ms);
        double loss = rg->spot_interrupt_per_hour * (double)lead / 3.6e6;
        b->spot_loss[r] = loss < 0.9 ? loss : 0.9;
    }
    for (size_t g = 0; g < sc->n_geos; g++) {
        int home = sc->geos[g].home_region;
        for (size_t r = 0; r < sc->n_regions; r++) {
            double lat = sc_scenario_latency(sc, (int)g, (int)r) + curve;
            size_t i = g * sc->n_regions + r;
            b->route_ok[i] = lat <= a->slo.latency_ms;
            b->egress_per_ieq_hour[i] =
                (int)r == home ? 0.0
                               : a->gb_per_unit_hour * sc->regions[r].egress_per_gb * ucap;
        }
    }
    /* min_instances where the app is deployed: home regions of its geographies with
     * demand, or regions where it holds capacity. */
    for (size_t r = 0; r < sc->n_regions; r++) {
        int deployed = 0;
        for (int opt = 0; opt < SC_PURCHASE_COUNT; opt++)
            deployed |= b->current[r * 3 + (size_t)opt] > 0;
        for (size_t d = 0; d < a->n_demand; d++)
            deployed |= sc->geos[a->demand[d].geo].home_region == (int)r;
        b->min_inst[r] = deployed ? a->min_instances : 0;
    }
    return SC_OK;
}
