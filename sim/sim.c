/*
 * sim.c - one policy over one world: the event loop, and the service model and metrics
 * (design in sim.h).  The run is world + policy + Orchestrator (core/orchestrate, the
 * only execution path: it issues plans, splits resize and relocate, keeps the action
 * log) + mock provider; a live run swaps the last.
 *
 * Events: STEP (a demand step boundary: account every app up to it, bill, close the
 * step's metrics), DECIDE (the policy's clock: the orchestrator snapshots every pool
 * through the provider interface for the policy's view, then takes the plan), ACTION
 * (a pending plan action whose issue time has come: the orchestrator schedules each
 * one through a callback that queues this event, so actions interleave with the
 * provider's events by (time, insertion sequence)), and the mock provider's own
 * events.  The queue orders by (time, insertion sequence); all STEP events are queued
 * first, so at a step boundary the STEP event runs before any decision or provider
 * event of the same instant.
 *
 * Accounting is lazy: before the capacity of a pool changes, its region is accounted from
 * its last accounted instant to now with the old capacity, together with the
 * geographies it serves.  When an app routes every geography wholly to one region (the
 * default, home routing) regions are independent and only the changed one is touched;
 * with split routing the whole app is accounted at once.  Demand
 * only changes at steps, and every app is accounted up to each step boundary, so an
 * accounted interval never spans two steps.
 */
#include "sim.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "evq.h"
#include "mockcloud.h"
#include "world_window.h"

enum { EV_STEP = 1, EV_DECIDE = 2, EV_ACTION = 3, EV_MOCK_BASE = 16 };

#define DRAIN_MS INT64_C(30000) /* connection draining before an instance ends */
#define ROUTE_TICK_MS INT64_C(10000) /* accounting sub-step while a routing share ramps */

typedef struct geo_acc {
    double demand_ms;     /* integral of load units over ms in the step */
    double unserved_ms;   /* integral of unserved load units */
    double viol_ms;       /* ms in violation */
    double outage_viol_ms;/* ms in violation while a region is inside an outage window */
    double max_latency;   /* worst latency in the step, ms */
} geo_acc;

/* Issue 13: what the accounting of an app-region keeps, in one record (two to a cache
 * line), because a provider event's hook reads and writes all of it: four arrays cost
 * four cache misses an event at 10^5 app-regions. */
typedef struct ar_acc {
    sc_time_ms t;         /* accounted up to */
    double served_ms;     /* integral of served load units */
    double serving_ms;    /* integral of serving instances */
    double idle_ms;       /* integral of idle instances */
} ar_acc;

typedef struct run_ctx {
    const sc_world *w;
    const sc_scenario *sc;
    sc_run *run;
    sc_evq *q;
    sc_provider *prov;
    sc_mock *mock;
    sc_orch *orch;
    sc_routing *routing;        /* the routing controller next to the policy, or NULL */
    const sc_mock_ar *ars;
    const double *avail;        /* [region] capacity fraction (outages), or NULL */
    int64_t step;               /* current step index */
    /* the demand rows (issue 13): the world's whole-run arrays (ring 0, slot = step) or a
     * windowed world's cursor rings (slot = step % ring) */
    sc_world_cursor *cur;
    float *const *load_ar, *const *ieq_ar, *const *load_ag;
    int64_t ring, slot;
    ar_acc *acc;                /* [ar], 64-byte aligned inside acc_mem */
    void *acc_mem;
    double *cost;               /* [ar * 3] USD of the current step */
    geo_acc *geo;               /* [ag] */
    double *s_r, *lat_r;        /* scratch [n_regions] */
    float *load_now, *ieq_now;  /* [ar] demand of the current step, contiguous */
    double egress_gb_step;      /* egress GB x price, current step: USD */
    /* routing (sc->routed): shares change over time, read from the mock */
    double *share_dyn;          /* [n_geos * n_regions] shares of the app being accounted */
    double *ieq_g;              /* [n_geos] scratch: the app's demand per geography */
    double *routed_ms;          /* [ar] integral of load units routed to the region */
    double *routed_ieq_ms;      /* [ar] integral of instance-equivalents routed there */
    float **obs_load, **obs_ieq;/* [ar][step] the policies' history: the world's layout
                                   (initial weights) until a step closes, then what the
                                   region received in it under the shares of the run */
    float *obs_arena;
    double *share_ms;           /* [ag * nr + r] integral of the share routed in the step
                                   (run->geo_share; routed per_step runs only) */
    /* measured totals */
    double tot_demand_ms, tot_unserved_ms, tot_viol_ms, tot_idle_ms, tot_penalty;
    double tot_outage_viol_ms;
    double tot_inst_ms;
    long steps_ok, steps_total;
    sc_plan plan;
    sc_pool_state *pools_type;  /* [(ar * n_types + type) * 3 + option] the view's pools of
                                   every type, when the scenario has several */
    /* issue 13: sc_policy_view.changed (not in routed runs, whose current demand moves
     * with the shares at every decision) */
    uint64_t *chg;              /* [(n_ar + 63) / 64] ar changed since the last decision */
    int chg_ok;                 /* chg covers everything since the previous decision */
} run_ctx;

/* Serving capacity of ar in instance-equivalents of the app's own type when it holds
 * instances of other types: each counts w->type_ieq of the step (world.c). */
static double serving_ieq(const run_ctx *c, size_t ar)
{
    const sc_scenario *sc = c->sc;
    size_t a = ar / sc->n_regions, T = sc->n_types;
    int r = (int)(ar % sc->n_regions), own = sc->apps[a].instance_type;
    double n = c->ars[ar].serving - c->ars[ar].serving_other;
    for (size_t t = 0; t < T; t++)
        if ((int)t != own)
            n += sc_mock_serving_type(c->mock, (int)a, r, (int)t) *
                 (double)c->w->type_ieq[(a * T + t) * (size_t)c->w->n_steps + (size_t)c->step];
    return n;
}

/* Service of region ar over [t0, t1) with the current demand and capacity: served
 * fraction s and latency of the curve. */
static void account_region(run_ctx *c, const sc_app *app, size_t ar, double dt, double *s_out,
                           double *lat_out)
{
    double n = c->ars[ar].serving;
    if (c->ars[ar].serving_other) /* instances of other types (resize): their worth */
        n = serving_ieq(c, ar);
    if (c->avail) /* an outage window: part of the region's capacity is lost */
        n *= c->avail[ar % c->sc->n_regions];
    double e = c->ieq_now[ar];
    double L = c->load_now[ar];
    double u = n > 0 ? e / n : (e > 0 ? INFINITY : 0.0);
    double s = u <= 1.0 ? 1.0 : (n > 0 ? 1.0 / u : 0.0);
    double uc = u < app->latency.u_max ? u : app->latency.u_max;
    *s_out = s;
    *lat_out = app->latency.base_ms / (1.0 - uc);
    ar_acc *x = &c->acc[ar];
    x->served_ms += s * L * dt;
    x->serving_ms += n * dt;
    x->idle_ms += (n > e ? n - e : 0.0) * dt;
}

/* Geography ag of app a over dt: its load, unserved share, worst latency. */
static void account_geo(run_ctx *c, const sc_app *app, size_t ag, double L, double unserved,
                        double lat, double egress, double dt)
{
    geo_acc *ga = &c->geo[ag];
    ga->demand_ms += L * dt;
    ga->unserved_ms += unserved * L * dt;
    if (L > 0 && lat > ga->max_latency)
        ga->max_latency = lat;
    if (L > 0 && (lat > app->slo.latency_ms || unserved > app->slo.max_unserved_frac)) {
        ga->viol_ms += dt;
        if (c->avail && sc_mock_outages_active(c->mock) > 0)
            ga->outage_viol_ms += dt;
    }
    c->egress_gb_step += egress;
}

/* Account region r of a local app (every geography routed wholly to one region) and the
 * geographies it serves, up to t. */
static void account_local(run_ctx *c, int a, int r, sc_time_ms t)
{
    const sc_scenario *sc = c->sc;
    size_t ar = (size_t)a * sc->n_regions + (size_t)r;
    sc_time_ms t0 = c->acc[ar].t;
    if (t <= t0)
        return;
    double dt = (double)(t - t0);
    c->acc[ar].t = t;
    const sc_app *app = &sc->apps[a];
    double s, lat;
    account_region(c, app, ar, dt, &s, &lat);
    const sc_world *w = c->w;
    for (int i = w->ar_geo_start[ar]; i < w->ar_geo_start[ar + 1]; i++) {
        int g = w->ar_geo[i];
        size_t ag = (size_t)a * sc->n_geos + (size_t)g;
        double L = c->load_ag[ag][c->slot];
        double egress = 0.0;
        if (r != sc->geos[g].home_region)
            egress = L * dt / 3.6e6 * app->gb_per_unit_hour * sc->regions[r].egress_per_gb;
        account_geo(c, app, ag, L, 1.0 - s, lat + sc_scenario_latency(sc, g, r), egress, dt);
    }
}

/* Routed scenarios: the shares of app a at t (into share_dyn) and the current step's
 * demand per region under them (into load_now, ieq_now). */
static void routed_demand(run_ctx *c, int a, sc_time_ms t)
{
    const sc_world *w = c->w;
    size_t nr = c->sc->n_regions, ng = c->sc->n_geos;
    for (size_t g = 0; g < ng; g++)
        c->ieq_g[g] = w->ieq_ag[(size_t)a * ng + g][c->step];
    sc_mock_route_shares(c->mock, a, t, c->ieq_g, c->share_dyn);
    for (size_t r = 0; r < nr; r++)
        c->load_now[(size_t)a * nr + r] = c->ieq_now[(size_t)a * nr + r] = 0.0f;
    for (size_t g = 0; g < ng; g++) {
        size_t ag = (size_t)a * ng + g;
        double L = w->load_ag[ag][c->step], E = w->ieq_ag[ag][c->step];
        for (size_t r = 0; r < nr; r++) {
            double sh = c->share_dyn[g * nr + r];
            if (sh > 0) {
                c->load_now[(size_t)a * nr + r] += (float)(sh * L);
                c->ieq_now[(size_t)a * nr + r] += (float)(sh * E);
            }
        }
    }
}

/* Account every region and geography of app a up to t (general routing). */
static void account_app(run_ctx *c, int a, sc_time_ms t)
{
    const sc_scenario *sc = c->sc;
    const sc_world *w = c->w;
    size_t nr = sc->n_regions, ng = sc->n_geos;
    if (w->app_local[a]) {
        for (size_t r = 0; r < nr; r++)
            account_local(c, a, (int)r, t);
        return;
    }
    sc_time_ms t0 = c->acc[(size_t)a * nr].t;
    if (t <= t0)
        return;
    double dt = (double)(t - t0);
    const sc_app *app = &sc->apps[a];
    const double *share = w->share + (size_t)a * ng * nr;
    if (c->share_dyn) {
        /* The shares at the interval's midpoint: exact for the routed load (linear in
         * the share, and the mock puts events at every breakpoint of a ramp), a
         * midpoint rule for service and latency over sub-steps of route_tick_ms. */
        routed_demand(c, a, t0 + (t - t0) / 2);
        share = c->share_dyn;
        for (size_t r = 0; r < nr; r++)
            c->routed_ms[(size_t)a * nr + r] += c->load_now[(size_t)a * nr + r] * dt,
            c->routed_ieq_ms[(size_t)a * nr + r] += c->ieq_now[(size_t)a * nr + r] * dt;
    }
    for (size_t r = 0; r < nr; r++) {
        size_t ar = (size_t)a * nr + r;
        c->acc[ar].t = t;
        account_region(c, app, ar, dt, &c->s_r[r], &c->lat_r[r]);
    }
    for (size_t g = 0; g < ng; g++) {
        size_t ag = (size_t)a * ng + g;
        double L = c->load_ag[ag][c->slot];
        double unserved = 0.0, lat = 0.0, egress = 0.0;
        int home = sc->geos[g].home_region;
        for (size_t r = 0; r < nr; r++) {
            double sh = share[g * nr + r];
            if (!(sh > 0))
                continue;
            unserved += sh * (1.0 - c->s_r[r]);
            if (c->share_ms) /* results: where each geography is served (issue 11) */
                c->share_ms[ag * nr + r] += sh * dt;
            double l = c->lat_r[r] + sc_scenario_latency(sc, (int)g, (int)r);
            if (l > lat)
                lat = l;
            if ((int)r != home)
                egress += sh * L * dt / 3.6e6 * app->gb_per_unit_hour * sc->regions[r].egress_per_gb;
        }
        account_geo(c, app, ag, L, unserved, lat, egress, dt);
    }
}

/* The mock calls before_change(app) before a pool of the app changes; the current time
 * is the event's, which the loop stores in the hook before dispatching. */
typedef struct change_hook {
    run_ctx *c;
    sc_time_ms now;
} change_hook;

static void hook_before_change(void *ctx, int app, int region)
{
    change_hook *h = ctx;
    if (h->c->w->app_local[app])
        account_local(h->c, app, region, h->now);
    else
        account_app(h->c, app, h->now);
}

/* Copy the current step's demand into the contiguous arrays; with c->chg, mark the
 * app-regions whose values change (bit patterns, so NaN and -0 count as they are). */
static void demand_now(run_ctx *c)
{
    uint64_t *chg = c->chg;
    for (size_t ar = 0; ar < c->w->n_ar; ar++) {
        float l = c->load_ar[ar][c->slot], e = c->ieq_ar[ar][c->slot];
        if (chg && (memcmp(&l, &c->load_now[ar], sizeof l) || memcmp(&e, &c->ieq_now[ar], sizeof e)))
            chg[ar >> 6] |= UINT64_C(1) << (ar & 63);
        c->load_now[ar] = l;
        c->ieq_now[ar] = e;
    }
}

/* Issue 13: before the snapshot, mark the app-regions whose pools changed since the
 * last one (the mock's dirty list) and hand the bitmap to the view when it covers the
 * whole time since the previous decision. */
static const uint64_t *changed_since_last(run_ctx *c)
{
    if (!c->chg)
        return NULL;
    size_t n;
    const uint32_t *d = sc_mock_dirty(c->mock, &n);
    for (size_t i = 0; i < n; i++) {
        size_t ar = d[i] / SC_PURCHASE_COUNT;
        c->chg[ar >> 6] |= UINT64_C(1) << (ar & 63);
    }
    return c->chg_ok ? c->chg : NULL;
}

static void close_step(run_ctx *c, sc_time_ms t)
{
    const sc_scenario *sc = c->sc;
    size_t na = sc->n_apps, nr = sc->n_regions, ng = sc->n_geos;
    for (size_t a = 0; a < na; a++)
        account_app(c, (int)a, t);
    sc_mock_bill(c->mock, t, c->cost);
    int64_t k = c->step;
    int measured = k >= c->w->warmup_steps;
    double step_ms = (double)sc->step_ms;
    sc_run *run = c->run;
    for (size_t a = 0; a < na; a++) {
        const sc_app *app = &sc->apps[a];
        for (size_t r = 0; r < nr; r++) {
            size_t ar = a * nr + r;
            double cost = 0.0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                double x = c->cost[ar * SC_PURCHASE_COUNT + o];
                cost += x;
                if (measured)
                    run->sum.cost_by_option[o] += x;
                c->cost[ar * SC_PURCHASE_COUNT + o] = 0.0;
            }
            if (run->per_step) {
                size_t idx = ar * (size_t)run->n_steps + (size_t)k;
                run->demand[idx] =
                    c->routed_ms ? c->routed_ms[ar] / step_ms : c->load_ar[ar][c->slot];
                run->served[idx] = c->acc[ar].served_ms / step_ms;
                run->instances[idx] = c->acc[ar].serving_ms / step_ms;
                run->capacity[idx] = run->instances[idx] * c->w->unit_cap[a];
                run->cost[idx] = cost;
            }
            if (measured) {
                c->tot_idle_ms += c->acc[ar].idle_ms;
                c->tot_inst_ms += c->acc[ar].serving_ms;
            }
            c->acc[ar].served_ms = c->acc[ar].serving_ms = c->acc[ar].idle_ms = 0.0;
            if (c->routed_ms) {
                c->obs_load[ar][k] = (float)(c->routed_ms[ar] / step_ms);
                c->obs_ieq[ar][k] = (float)(c->routed_ieq_ms[ar] / step_ms);
                c->routed_ms[ar] = c->routed_ieq_ms[ar] = 0.0;
            }
        }
        for (size_t g = 0; g < ng; g++) {
            geo_acc *ga = &c->geo[a * ng + g];
            if (measured) {
                double frac = ga->demand_ms > 0 ? ga->unserved_ms / ga->demand_ms : 0.0;
                int ok = ga->max_latency <= app->slo.latency_ms &&
                         frac <= app->slo.max_unserved_frac;
                c->steps_ok += ok;
                c->steps_total++;
                c->tot_demand_ms += ga->demand_ms;
                c->tot_unserved_ms += ga->unserved_ms;
                c->tot_viol_ms += ga->viol_ms;
                c->tot_outage_viol_ms += ga->outage_viol_ms;
                c->tot_penalty += ga->unserved_ms / 3.6e6 * app->slo.penalty_per_unit_hour;
            }
            if (run->geo_share) { /* results: where each geography is served (issue 11) */
                size_t ag = a * ng + g;
                for (size_t r = 0; r < nr; r++) {
                    run->geo_share[(ag * nr + r) * (size_t)run->n_steps + (size_t)k] =
                        c->share_ms[ag * nr + r] / step_ms;
                    c->share_ms[ag * nr + r] = 0.0;
                }
                run->geo_latency[ag * (size_t)run->n_steps + (size_t)k] =
                    ga->demand_ms > 0 ? ga->max_latency : NAN;
            }
            memset(ga, 0, sizeof *ga);
        }
    }
    if (measured)
        run->sum.egress_usd += c->egress_gb_step;
    c->egress_gb_step = 0.0;
}

/* The orchestrator's timer: a pending action becomes an ACTION event at its issue
 * time, queued now, so its place among same-time events is its insertion order. */
static sc_status schedule_action(void *ctx, sc_time_ms issue_ms, uint64_t id)
{
    return sc_evq_push(ctx, issue_ms, EV_ACTION, 0, id, NULL);
}

void sc_run_free(sc_run *run)
{
    if (!run)
        return;
    free(run->demand);
    free(run->capacity);
    free(run->served);
    free(run->cost);
    free(run->instances);
    free(run->geo_share);
    free(run->geo_latency);
    free(run->log);
    free(run);
}

void sc_sim_register(void)
{
    sc_provider_register(&sc_mock_provider_type);
}

static void ctx_cleanup(run_ctx *c)
{
    sc_orch_free(c->orch);
    sc_routing_free(c->routing);
    sc_provider_free(c->prov);
    sc_evq_free(c->q);
    sc_world_cursor_free(c->cur);
    free(c->acc_mem);
    free(c->cost);
    free(c->pools_type);
    free(c->geo);
    free(c->s_r);
    free(c->lat_r);
    free(c->load_now);
    free(c->ieq_now);
    free(c->share_dyn);
    free(c->ieq_g);
    free(c->routed_ms);
    free(c->routed_ieq_ms);
    free(c->obs_load);
    free(c->obs_ieq);
    free(c->obs_arena);
    free(c->share_ms);
    free(c->chg);
    sc_plan_cleanup(&c->plan);
}

/* Hand the log entries issued since the last call to the sink (opts->log_sink). */
static sc_status stream_log(run_ctx *c, const sc_run_opts *o, const char *where, sc_error *err)
{
    sc_action_log *log = NULL;
    size_t n = 0, cap = 0;
    sc_orch_log_take(c->orch, &log, &n, &cap);
    int bad = n ? o->log_sink(o->log_ctx, log, n) : 0;
    free(log);
    c->run->n_log_streamed += n;
    if (bad)
        return sc_error_set(err, SC_ERR_IO, where, "the decision log's sink failed");
    return SC_OK;
}

sc_status sc_run_policy(const sc_world *w, const sc_policy_spec *spec, int per_step,
                        sc_run **out, sc_error *err)
{
    sc_run_opts o = {.per_step = per_step};
    return sc_run_policy_opts(w, spec, &o, out, err);
}

sc_status sc_run_policy_opts(const sc_world *w, const sc_policy_spec *spec,
                             const sc_run_opts *opts, sc_run **out, sc_error *err)
{
    sc_run_opts defaults = {0};
    if (!opts)
        opts = &defaults;
    int per_step = opts->per_step;
    *out = NULL;
    const sc_scenario *sc = w->sc;
    char where[1200];
    if (spec >= sc->policies && spec < sc->policies + sc->n_policies)
        snprintf(where, sizeof where, "%s: $.policies[%zu].params (policy '%s')", sc->path,
                 (size_t)(spec - sc->policies), spec->label);
    else
        snprintf(where, sizeof where, "%s: policy '%s'", sc->path, spec->label);
    const sc_policy_type *pt;
    sc_status st = sc_policy_find(spec->name, &pt, err);
    if (st) {
        if (err)
            snprintf(err->where, sizeof err->where, "%s", where);
        return st;
    }
    sc_routing_mode rmode;
    int64_t rperiod;
    st = sc_routing_from_params(sc, spec->params_json, where, &rmode, &rperiod, err);
    if (st)
        return st;
    sc_policy *pol = NULL;
    st = sc_policy_alloc(pt, sc, spec->params_json, where, &pol, err);
    if (st)
        return st;

    run_ctx c;
    memset(&c, 0, sizeof c);
    sc_plan_init(&c.plan);
    c.w = w;
    c.sc = sc;
    size_t na = sc->n_apps, nr = sc->n_regions;
    sc_run *run = calloc(1, sizeof *run);
    c.run = run;
    if (!run) {
        sc_policy_free(pol);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    snprintf(run->sum.policy, sizeof run->sum.policy, "%s", spec->name);
    snprintf(run->sum.label, sizeof run->sum.label, "%s", spec->label);
    run->per_step = per_step;
    run->n_steps = w->n_steps;
    run->n_ar = w->n_ar;
    size_t cells = w->n_ar * (size_t)w->n_steps;
    if (per_step) {
        run->demand = calloc(cells + 1, sizeof *run->demand);
        run->capacity = calloc(cells + 1, sizeof *run->capacity);
        run->served = calloc(cells + 1, sizeof *run->served);
        run->cost = calloc(cells + 1, sizeof *run->cost);
        run->instances = calloc(cells + 1, sizeof *run->instances);
    }
    if ((c.acc_mem = calloc(w->n_ar + 2, sizeof *c.acc)))
        c.acc = (ar_acc *)(((uintptr_t)c.acc_mem + 63) & ~(uintptr_t)63);
    c.cost = calloc(w->n_ar * SC_PURCHASE_COUNT + 1, sizeof *c.cost);
    c.geo = calloc(w->n_ag + 1, sizeof *c.geo);
    c.s_r = calloc(nr + 1, sizeof *c.s_r);
    c.lat_r = calloc(nr + 1, sizeof *c.lat_r);
    c.load_now = calloc(w->n_ar + 1, sizeof *c.load_now);
    c.ieq_now = calloc(w->n_ar + 1, sizeof *c.ieq_now);
    if ((per_step && (!run->demand || !run->capacity || !run->served || !run->cost ||
                      !run->instances)) ||
        !c.acc || !c.cost || !c.geo ||
        !c.s_r || !c.lat_r || !c.load_now || !c.ieq_now) {
        st = sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
        goto fail;
    }
    if (sc->routed) {
        c.share_dyn = calloc(sc->n_geos * nr + 1, sizeof *c.share_dyn);
        c.ieq_g = calloc(sc->n_geos + 1, sizeof *c.ieq_g);
        c.routed_ms = calloc(w->n_ar + 1, sizeof *c.routed_ms);
        c.routed_ieq_ms = calloc(w->n_ar + 1, sizeof *c.routed_ieq_ms);
        c.obs_load = calloc(w->n_ar + 1, sizeof *c.obs_load);
        c.obs_ieq = calloc(w->n_ar + 1, sizeof *c.obs_ieq);
        c.obs_arena = malloc((2 * cells + 1) * sizeof *c.obs_arena);
        if (!c.share_dyn || !c.ieq_g || !c.routed_ms || !c.routed_ieq_ms || !c.obs_load ||
            !c.obs_ieq || !c.obs_arena) {
            st = sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
            goto fail;
        }
        if (per_step) { /* where each geography is served (issue 11) */
            run->n_ag = w->n_ag;
            run->geo_regions = nr;
            run->geo_share = calloc(w->n_ag * nr * (size_t)w->n_steps + 1,
                                    sizeof *run->geo_share);
            run->geo_latency = calloc(w->n_ag * (size_t)w->n_steps + 1,
                                      sizeof *run->geo_latency);
            c.share_ms = calloc(w->n_ag * nr + 1, sizeof *c.share_ms);
            if (!run->geo_share || !run->geo_latency || !c.share_ms) {
                st = sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
                goto fail;
            }
        }
        for (size_t ar = 0; ar < w->n_ar; ar++) {
            c.obs_load[ar] = c.obs_arena + ar * (size_t)w->n_steps;
            c.obs_ieq[ar] = c.obs_arena + (w->n_ar + ar) * (size_t)w->n_steps;
            memcpy(c.obs_load[ar], w->load_ar[ar], (size_t)w->n_steps * sizeof(float));
            memcpy(c.obs_ieq[ar], w->ieq_ar[ar], (size_t)w->n_steps * sizeof(float));
        }
    }
    if (w->window > 0) {
        /* a windowed world: the run's own rings, as deep as the policy looks back */
        int64_t lb = -1;
        if (!pt->clairvoyant && pt->lookback_ms)
            lb = pt->lookback_ms(pol->state);
        int64_t lb_steps = lb < 0 ? -1 : (lb + sc->step_ms - 1) / sc->step_ms + 1;
        if ((st = sc_world_cursor_open(w, lb_steps, &c.cur, err)) ||
            (st = sc_world_cursor_reach(c.cur, 0, err)))
            goto fail;
        c.load_ar = c.cur->load_ar;
        c.ieq_ar = c.cur->ieq_ar;
        c.load_ag = c.cur->load_ag;
        c.ring = c.cur->ring;
    } else {
        c.load_ar = w->load_ar;
        c.ieq_ar = w->ieq_ar;
        c.load_ag = w->load_ag;
    }
    if (sc_evq_alloc(1024, &c.q)) {
        st = sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
        goto fail;
    }
    sc_time_ms end = sc->start + w->n_steps * sc->step_ms;
    change_hook hook = {&c, sc->start};
    sc_mock_config mc = {.sc = sc,
                         .q = c.q,
                         .event_base = EV_MOCK_BASE,
                         .start_ms = sc->start,
                         .end_ms = end,
                         .drain_ms = DRAIN_MS,
                         .before_change = hook_before_change,
                         .ctx = &hook,
                         .route_tick_ms = ROUTE_TICK_MS};
    if ((st = sc_provider_alloc(&sc_mock_provider_type, &mc, &c.prov, err)))
        goto fail;
    c.mock = sc_mock_of(c.prov);
    sc_orch_config oc = {.sc = sc,
                         .count_from_ms = sc->start + w->warmup_steps * sc->step_ms,
                         .schedule = schedule_action,
                         .ctx = c.q};
    if ((st = sc_orch_alloc(c.prov, &oc, &c.orch, err)))
        goto fail;
    if (rmode != SC_ROUTING_HOME &&
        (st = sc_routing_alloc(sc, rmode, rperiod, &c.routing, err)))
        goto fail;
    c.ars = sc_mock_ars(c.mock);
    c.avail = sc_mock_avail(c.mock);
    for (size_t ar = 0; ar < w->n_ar; ar++)
        c.acc[ar].t = sc->start;
    for (size_t a = 0; a < na; a++) {
        const sc_app *app = &sc->apps[a];
        for (size_t i = 0; i < app->n_initial; i++) {
            const sc_initial_alloc *ia = &app->initial[i];
            if ((st = sc_mock_seed(c.mock, (int)a, ia->region, app->instance_type, ia->option,
                                   ia->count, err)))
                goto fail;
        }
    }
    sc_mock_route_start(c.mock);
    sc_policy_view view = {.sc = sc,
                           .n_steps = w->n_steps,
                           .warmup_steps = w->warmup_steps,
                           .load = (const float *const *)(c.obs_load ? c.obs_load : c.load_ar),
                           .ieq = (const float *const *)(c.obs_ieq ? c.obs_ieq : c.ieq_ar),
                           .ring = c.ring,
                           .load_now = c.load_now,
                           .ieq_now = c.ieq_now,
                           .pools = NULL, /* the orchestrator's snapshot, per decision */
                           .clairvoyant = pt->clairvoyant,
                           .type_ieq = w->type_ieq,
                           /* per geography, past only through sc_view_geo_* (issue 11) */
                           .geo_load = (const float *const *)w->load_ag,
                           .geo_ieq = (const float *const *)w->ieq_ag,
                           .route_health = sc_mock_route_health(c.mock),
                           /* launch answers, as a live cloud gives them (issue 11) */
                           .launches = sc_orch_launch_tally(c.orch)};
    if (w->type_ieq) {
        c.pools_type = calloc(w->n_ar * sc->n_types * SC_PURCHASE_COUNT, sizeof *c.pools_type);
        if (!c.pools_type) {
            st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
            goto fail;
        }
        view.pools_type = c.pools_type;
    }
    if (!c.share_dyn && !(c.chg = calloc((w->n_ar + 63) / 64 + 1, sizeof *c.chg))) {
        st = sc_error_set(err, SC_ERR_NOMEM, sc->path, "out of memory");
        goto fail;
    }
    demand_now(&c);
    int64_t cadence = sc_policy_cadence_ms(pol);
    /* Every step boundary is queued before anything else, so at a boundary the step
     * event runs before any decision or provider event of the same instant, whatever
     * the policy's cadence: a decision at a boundary sees the step that starts there. */
    for (int64_t k = 1; k <= w->n_steps; k++)
        if ((st = sc_evq_push(c.q, sc->start + k * sc->step_ms, EV_STEP, 0, (uint64_t)k, NULL)))
            goto qfail;
    if ((st = sc_evq_push(c.q, sc->start, EV_DECIDE, 0, 0, NULL)))
        goto qfail;
    sc_event ev;
    while (sc_evq_pop(c.q, &ev)) {
        if (ev.time > end)
            break;
        hook.now = ev.time;
        if (ev.type == EV_STEP) {
            close_step(&c, ev.time);
            if (opts->log_sink && (st = stream_log(&c, opts, where, err)))
                goto fail;
            if (ev.b >= (uint64_t)w->n_steps)
                break;
            c.step = (int64_t)ev.b;
            if (c.cur) {
                if ((st = sc_world_cursor_reach(c.cur, c.step, err)))
                    goto fail;
                c.slot = c.step % c.ring;
            } else {
                c.slot = c.step;
            }
            demand_now(&c);
        } else if (ev.type == EV_DECIDE) {
            if (c.share_dyn) { /* the view's current demand per region under today's shares */
                for (size_t a = 0; a < na; a++) {
                    account_app(&c, (int)a, ev.time);
                    routed_demand(&c, (int)a, ev.time);
                }
                /* the step under way, as observed so far: the routed rate now, not the
                 * world's allocation under the initial shares (close_step writes the
                 * step's mean over it) */
                for (size_t ar = 0; ar < w->n_ar; ar++) {
                    c.obs_load[ar][c.step] = c.load_now[ar];
                    c.obs_ieq[ar][c.step] = c.ieq_now[ar];
                }
            }
            view.now = ev.time;
            view.step = c.step;
            if (c.cur && c.cur->end > c.ring)
                view.ring_lo = c.cur->end - c.ring;
            sc_plan_clear(&c.plan);
            view.changed = changed_since_last(&c);
            if ((st = sc_orch_snapshot(c.orch, &view.pools, err)))
                goto fail;
            for (size_t i = 0; c.pools_type && i < w->n_ar * sc->n_types * SC_PURCHASE_COUNT; i++) {
                size_t ar = i / (sc->n_types * SC_PURCHASE_COUNT);
                int t = (int)(i / SC_PURCHASE_COUNT % sc->n_types), o = (int)(i % SC_PURCHASE_COUNT);
                if ((st = sc_provider_describe(c.prov, (int)(ar / sc->n_regions),
                                               (int)(ar % sc->n_regions), t, (sc_purchase)o,
                                               &c.pools_type[i], err)))
                    goto fail;
            }
            if ((st = sc_policy_decide(pol, &view, &c.plan, err)))
                goto fail;
            if (c.routing && (st = sc_routing_decide(c.routing, ev.time, view.pools, &c.plan, err)))
                goto fail;
            if ((st = sc_orch_submit(c.orch, &c.plan, ev.time, err)))
                goto fail;
            if (c.chg) { /* the next decision's view is compared with this one */
                memset(c.chg, 0, (w->n_ar + 63) / 64 * sizeof *c.chg);
                c.chg_ok = 1;
            }
            if (cadence > 0 &&
                (st = sc_evq_push(c.q, ev.time + cadence, EV_DECIDE, 0, 0, NULL)))
                goto qfail;
        } else if (ev.type == EV_ACTION) {
            if ((st = sc_orch_issue_pending(c.orch, ev.b, ev.time, err)))
                goto fail;
        } else {
            if ((st = sc_mock_handle(c.mock, &ev, err)))
                goto fail;
        }
    }
    {
        const sc_mock_stats *ms = sc_mock_get_stats(c.mock);
        sc_run_summary *s = &run->sum;
        s->launches = ms->launches;
        s->refused = ms->refused_limit;
        s->throttled = ms->throttled;
        s->interruptions = ms->interruptions;
        s->decisions = pol->n_decisions;
        s->actions = sc_orch_n_counted(c.orch);
        if (opts->log_sink) {
            if ((st = stream_log(&c, opts, where, err)))
                goto fail;
        } else {
            sc_orch_log_take(c.orch, &run->log, &run->n_log, &run->cap_log);
        }
        s->cost_usd = s->egress_usd;
        for (int o = 0; o < SC_PURCHASE_COUNT; o++)
            s->cost_usd += s->cost_by_option[o];
        s->penalty_usd = c.tot_penalty;
        s->penalised_cost_usd = s->cost_usd + s->penalty_usd;
        s->slo_attainment = c.steps_total ? (double)c.steps_ok / (double)c.steps_total : 1.0;
        s->slo_objective = sc_scenario_slo_objective(sc);
        s->violation_minutes = c.tot_viol_ms / 60000.0;
        s->outage_violation_minutes = c.avail ? c.tot_outage_viol_ms / 60000.0 : NAN;
        s->unserved_fraction = c.tot_demand_ms > 0 ? c.tot_unserved_ms / c.tot_demand_ms : 0.0;
        s->idle_capacity_hours = c.tot_idle_ms / 3.6e6;
        s->demand_unit_hours = c.tot_demand_ms / 3.6e6;
        s->instance_hours = c.tot_inst_ms / 3.6e6;
        s->lower_bound_usd = pt->lower_bound ? pt->lower_bound(pol->state) : NAN;
    }
    ctx_cleanup(&c);
    sc_policy_free(pol);
    *out = run;
    return SC_OK;
qfail:
    st = sc_error_set(err, st, where, "event queue: out of memory");
fail:
    ctx_cleanup(&c);
    sc_policy_free(pol);
    sc_run_free(run);
    return st;
}
