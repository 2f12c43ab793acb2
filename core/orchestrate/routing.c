/*
 * routing.c - the routing controller: baseline routing next to any capacity policy
 * (modes and contract in orchestrator.h).
 *
 * State: the weights the controller last asked for, per (app, geography, region),
 * starting from the scenario's; a decision computes the wanted weights of every routed
 * (app, geography) and appends one set_weight action per region whose weight differs,
 * so a steady state issues nothing.  The wanted weights are all-or-nothing (255 on one
 * region) except for spill and failover, whose shapes are fixed.  Ties between regions
 * go to the lower latency, then to the lower region index: deterministic.
 *
 * Health, as a controller outside the provider can know it: a region is healthy for an
 * app when the last snapshot shows a serving (ready or interrupting) instance of the
 * app's own type there.  The provider's own health checks still act on the published
 * weights (a set weight on an unhealthy region is not answered by the front end).
 */
#include "sculpt/orchestrator.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sculpt/json.h"
#include "sculpt/provider.h"

#define DEFAULT_PERIOD_MS INT64_C(3600000)

struct sc_routing {
    const sc_scenario *sc;
    sc_routing_mode mode;
    int64_t period_ms;          /* cheapest: re-evaluation period */
    sc_time_ms next_eval;       /* cheapest: next evaluation at or after */
    int *cur;                   /* [(app * n_geos + geo) * n_regions + region] weights */
    int *want;                  /* [n_regions] scratch */
    double *unit_cost;          /* [app * n_regions + region] USD per load-unit-hour
                                   served at the setpoint, instances only */
};

const char *sc_routing_mode_name(sc_routing_mode m)
{
    static const char *const names[SC_ROUTING_MODE_COUNT] = {"home", "latency", "failover",
                                                             "spill", "cheapest"};
    return (unsigned)m < SC_ROUTING_MODE_COUNT ? names[m] : "?";
}

sc_status sc_routing_from_params(const sc_scenario *sc, const char *params_json,
                                 const char *where, sc_routing_mode *mode, int64_t *period_ms,
                                 sc_error *err)
{
    *mode = SC_ROUTING_HOME;
    *period_ms = DEFAULT_PERIOD_MS;
    if (!params_json || !*params_json)
        return SC_OK;
    cJSON *root = cJSON_Parse(params_json);
    if (!root || !cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sc_error_set(err, SC_ERR_INPUT, where, "expected a JSON object of parameters");
    }
    sc_json_ctx cx = {.file = NULL, .err = err};
    const char *name;
    sc_status st = sc_json_get_string(&cx, root, "params", "routing", SC_JSON_OPTIONAL, "home",
                                      &name);
    if (!st)
        st = sc_json_get_duration(&cx, root, "params", "routing_period", SC_JSON_OPTIONAL,
                                  DEFAULT_PERIOD_MS, 1000, period_ms);
    if (st) {
        cJSON_Delete(root);
        /* the policy's place first, then what the getter said */
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s: %s", err->where, err->msg);
        return sc_error_set(err, st, where, "%s", msg);
    }
    int m = -1;
    if (strcmp(name, "plan") == 0)
        m = SC_ROUTING_HOME; /* the policy routes itself (sc_policy_alloc checks it can) */
    for (int i = 0; i < SC_ROUTING_MODE_COUNT; i++)
        if (strcmp(name, sc_routing_mode_name((sc_routing_mode)i)) == 0)
            m = i;
    if (m < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, where,
                          "routing: unknown routing '%s' (valid: home, latency, failover, "
                          "spill, cheapest)",
                          name);
        cJSON_Delete(root);
        return st;
    }
    cJSON_Delete(root);
    if (m != SC_ROUTING_HOME && !sc->routed)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "routing: '%s' needs a geography with a routing mechanism "
                            "($.geos[i].routing); every geography here is routed home",
                            sc_routing_mode_name((sc_routing_mode)m));
    *mode = (sc_routing_mode)m;
    return SC_OK;
}

void sc_routing_free(sc_routing *rt)
{
    if (!rt)
        return;
    free(rt->cur);
    free(rt->want);
    free(rt->unit_cost);
    free(rt);
}

sc_status sc_routing_alloc(const sc_scenario *sc, sc_routing_mode mode, int64_t period_ms,
                           sc_routing **out, sc_error *err)
{
    *out = NULL;
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions;
    sc_routing *rt = calloc(1, sizeof *rt);
    if (!rt)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    rt->sc = sc;
    rt->mode = mode;
    rt->period_ms = period_ms > 0 ? period_ms : DEFAULT_PERIOD_MS;
    rt->next_eval = SC_TIME_MIN;
    rt->cur = calloc(na * ng * nr + 1, sizeof *rt->cur);
    rt->want = calloc(nr + 1, sizeof *rt->want);
    rt->unit_cost = calloc(na * nr + 1, sizeof *rt->unit_cost);
    if (!rt->cur || !rt->want || !rt->unit_cost) {
        sc_routing_free(rt);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t a = 0; a < na; a++) {
        const sc_app *app = &sc->apps[a];
        const sc_instance_type *it = &sc->types[app->instance_type];
        double k_unit = 0.0; /* instances per load unit at 100 %, binding resource */
        for (int m = 0; m < SC_METRIC_RESOURCES; m++)
            if (it->capacity[m] > 0 && app->needs[m] / it->capacity[m] > k_unit)
                k_unit = app->needs[m] / it->capacity[m];
        for (size_t r = 0; r < nr; r++) {
            double price = sc->regions[r].types[app->instance_type]
                               .price_per_hour[SC_PURCHASE_ONDEMAND];
            rt->unit_cost[a * nr + r] =
                price == price ? price * k_unit / app->target_util : INFINITY;
        }
        for (size_t g = 0; g < ng; g++) {
            const sc_geo_routing *gr = &sc->geos[g].routing;
            for (size_t r = 0; r < nr; r++)
                rt->cur[(a * ng + g) * nr + r] =
                    gr->weights ? gr->weights[r]
                                : ((int)r == sc->geos[g].home_region ? SC_ROUTE_WEIGHT_MAX : 0);
        }
    }
    *out = rt;
    return SC_OK;
}

static int healthy(const sc_routing *rt, const sc_pool_state *pools, size_t a, size_t r)
{
    const sc_pool_state *p = pools + (a * rt->sc->n_regions + r) * SC_PURCHASE_COUNT;
    int n = 0;
    for (int o = 0; o < SC_PURCHASE_COUNT; o++)
        n += p[o].ready + p[o].interrupting;
    return n > 0;
}

/* The region with the least key among the candidates (healthy, and within the latency
 * bound for cheapest), ties to lower latency then lower index; -1 if none. */
static int pick(const sc_routing *rt, const sc_pool_state *pools, size_t a, size_t g)
{
    const sc_scenario *sc = rt->sc;
    const sc_app *app = &sc->apps[a];
    size_t nr = sc->n_regions;
    int best = -1;
    double best_key = INFINITY, best_lat = INFINITY;
    double setpoint_ms = app->latency.base_ms / (1.0 - fmin(app->target_util, app->latency.u_max));
    for (size_t r = 0; r < nr; r++) {
        if (pools && !healthy(rt, pools, a, r))
            continue;
        double lat = sc_scenario_latency(sc, (int)g, (int)r);
        double key = lat;
        if (rt->mode == SC_ROUTING_CHEAPEST) {
            if (setpoint_ms + lat > app->slo.latency_ms)
                continue;
            key = rt->unit_cost[a * nr + r];
            if ((int)r != sc->geos[g].home_region)
                key += app->gb_per_unit_hour * sc->regions[r].egress_per_gb;
            if (!isfinite(key))
                continue;
        }
        if (key < best_key || (key == best_key && lat < best_lat)) {
            best = (int)r;
            best_key = key;
            best_lat = lat;
        }
    }
    return best;
}

sc_status sc_routing_decide(sc_routing *rt, sc_time_ms now, const sc_pool_state *pools,
                            sc_plan *plan, sc_error *err)
{
    const sc_scenario *sc = rt->sc;
    if (rt->mode == SC_ROUTING_HOME)
        return SC_OK;
    if (rt->mode == SC_ROUTING_CHEAPEST) {
        if (now < rt->next_eval)
            return SC_OK;
        rt->next_eval = sc_time_add(now, rt->period_ms);
    }
    size_t na = sc->n_apps, ng = sc->n_geos, nr = sc->n_regions;
    for (size_t a = 0; a < na; a++)
        for (size_t g = 0; g < ng; g++) {
            const sc_geo *geo = &sc->geos[g];
            sc_route_mech mech = geo->routing.mech;
            if (mech == SC_ROUTE_HOME)
                continue;
            int *want = rt->want;
            int home = geo->home_region;
            if (rt->mode == SC_ROUTING_SPILL) {
                if (mech != SC_ROUTE_SPILL)
                    continue;
                for (size_t r = 0; r < nr; r++)
                    want[r] = SC_ROUTE_WEIGHT_MAX;
            } else if (rt->mode == SC_ROUTING_FAILOVER || mech == SC_ROUTE_SPILL) {
                /* spill geographies under latency / cheapest: the front end already
                 * sends to the nearest; keep every region usable */
                for (size_t r = 0; r < nr; r++)
                    want[r] = mech == SC_ROUTE_SPILL
                                  ? SC_ROUTE_WEIGHT_MAX
                                  : ((int)r == home ? SC_ROUTE_WEIGHT_MAX : 0);
            } else {
                int best = pick(rt, pools, a, g);
                if (best < 0)
                    best = pick(rt, NULL, a, g); /* none healthy: the best configured */
                if (best < 0)
                    best = home;
                for (size_t r = 0; r < nr; r++)
                    want[r] = (int)r == best ? SC_ROUTE_WEIGHT_MAX : 0;
            }
            int *cur = rt->cur + (a * ng + g) * nr;
            /* raise the new weights before lowering the old, so the total never falls
             * to zero between two calls */
            for (int pass = 0; pass < 2; pass++)
                for (size_t r = 0; r < nr; r++) {
                    if (want[r] == cur[r] || (pass == 0) != (want[r] > cur[r]))
                        continue;
                    sc_action act = {.kind = SC_ACTION_SET_WEIGHT, .app = (int)a,
                                     .region = (int)r, .type = sc->apps[a].instance_type,
                                     .option = SC_PURCHASE_ONDEMAND, .count = 0,
                                     .to_region = -1, .to_type = -1, .issue_ms = now,
                                     .needed_ms = now, .reason = "routing",
                                     .geo = (int)g, .weight = want[r]};
                    sc_status st = sc_plan_push(plan, &act);
                    if (st)
                        return sc_error_set(err, st, NULL, "routing: out of memory");
                    cur[r] = want[r];
                }
        }
    return SC_OK;
}

void sc_routing_note(sc_routing *rt, const sc_action *a)
{
    const sc_scenario *sc = rt->sc;
    if (a->kind != SC_ACTION_SET_WEIGHT || a->app < 0 || (size_t)a->app >= sc->n_apps ||
        a->geo < 0 || (size_t)a->geo >= sc->n_geos || a->region < 0 ||
        (size_t)a->region >= sc->n_regions)
        return;
    rt->cur[((size_t)a->app * sc->n_geos + (size_t)a->geo) * sc->n_regions +
            (size_t)a->region] = a->weight;
}
