/*
 * mockcloud.c - the mock cloud provider (design in mockcloud.h).
 *
 * Data structures: one pool per (app, region, type, option), index
 * ((ar * n_types) + type) * SC_PURCHASE_COUNT + option.  A pool keeps its instances in
 * a slot array with a free list; an event names its instance by (pool, slot, gen) so
 * a reused slot never receives a stale event (events of ended instances are also
 * cancelled through their queue handles).  Counts per state are kept incrementally, so
 * describe() and the policy view are O(1).  Billing integrates billable instance-time
 * lazily per pool (bill_t .. now) whenever a count changes and when the simulator asks.
 *
 * Snapshot (provider interface version 2): the view of the apps' own instance types is
 * kept current; each entry that changes is put once on a dirty list, so a snapshot
 * with since_last copies only the entries changed since the previous snapshot (a few
 * hundred per decision at 10,000 app-regions, instead of the whole view).
 */
#include "mockcloud.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "../core/scenario/spot.h"
#include "mockroute.h"
#include "sculpt/rng.h"

enum { ST_FREE = 0, ST_BOOTING, ST_WARMING, ST_READY, ST_INTERRUPTING, ST_DRAINING, ST_N };

#define MIN_BILL_MS INT64_C(60000)   /* 60 s minimum per instance */
#define NOTICE_MS INT64_C(120000)    /* spot interruption notice */
#define BURST_SEC 10.0               /* token bucket burst, seconds of refill */
#define NO_SLOT UINT32_MAX

typedef struct inst {
    sc_time_ms launch_ms;   /* API call; billing starts */
    sc_time_ms running_ms;  /* boot finished */
    uint64_t ev;            /* handle of the pending event, 0 if none */
    uint32_t gen;           /* incremented each time the slot is reused */
    uint32_t next_free;     /* free-list link when ST_FREE */
    uint32_t launch_idx;    /* k-th launch of the pool: the key of its random draws */
    uint32_t prev, next;    /* links in the pool's list of its state (NO_SLOT ends) */
    uint8_t state;
} inst;

typedef struct commit {
    sc_time_ms end_ms;      /* commitment ends (exclusive) */
    int count;              /* instances committed */
} commit;

/* Issue 13: 128 bytes, and the array 64-byte aligned, so a pool is two cache lines (an
 * event reads and writes both), not three. */
typedef struct pool {
    /* first line */
    inst *slots;
    sc_time_ms bill_t;      /* billed up to here */
    double acc_usd;         /* billed, not yet handed to the simulator */
    int cnt[ST_N];
    uint32_t n_slots, free_head;
    int billable;           /* instances billed per second (not reserved pools) */
    unsigned char dirty;    /* the app's own type: its view entry is on the dirty list */
    unsigned char active;   /* on the active list */
    unsigned char own;      /* type is the app's own instance type */
    unsigned char option;   /* the pool's own coordinates (issue 13: pool_decode read */
    /* second line */
    uint32_t head[ST_N];    /* per state, the instance that entered it last (LIFO list) */
    int app, region, type;  /* them by three divisions at every event and accrual) */
    uint32_t cap;
    uint32_t next_launch;   /* launch index of the next launch (CRN key) */
    commit *commits;        /* reserved commitments */
    int n_commits, cap_commits;
} pool;
_Static_assert(sizeof(pool) <= 128, "a pool spans two cache lines");

struct sc_mock {
    sc_mock_config cfg;
    const sc_scenario *sc;
    size_t n_ar, n_types, n_pools;
    pool *pools;            /* [n_pools], 64-byte aligned inside pools_mem */
    void *pools_mem;
    uint32_t *active;       /* pool indices that ever held anything */
    size_t n_active, cap_active;
    uint32_t *dirty_list;   /* view entries [ar * 3 + option] (the app's own type) changed
                               since the last snapshot, n_dirty of them: their pools have
                               dirty = 1 (issue 13: the view is not kept, a snapshot reads
                               the pools it names, so an event touches no view array) */
    size_t n_dirty;
    sc_mock_ar *ars;        /* [ar] */
    int *in_use;            /* [region * n_types + type] instances not ended */
    double *vcpu_in_use;    /* [region] */
    double *tokens;         /* [region] */
    sc_time_ms *token_t;    /* [region] */
    sc_mock_stats stats;
    /* routing (only when the scenario routes: sc->routed) */
    sc_mroute *routes;      /* [ag] weighted geographies (cfg NULL for the others) */
    int *spill_w;           /* [ag * nr + r] spill capacity scalers, 0..255 */
    unsigned char *spill_ok;/* [ag * nr + r] healthy as the checker sees it (every
                               mechanism; spill's front end reads it, policies see it
                               through sc_mock_route_health) */
    int *spill_order;       /* [g * nr + k] regions by latency from geography g */
    double *spill_room;     /* [nr] scratch: capacity left, ieq */
    uint32_t *hc_gen;       /* [ar] serving transitions (0 <-> > 0) so far */
    /* outages (only when the scenario has windows: sc->has_outages) */
    double *avail;          /* [region] serving capacity fraction, 1 outside windows */
    int n_down;             /* regions inside a window now */
    /* spot stock-outs (only when a region has windows: spot_stockouts) */
    int *spot_out;          /* [region * n_types + type] stock-out windows open now */
};

/* Serving as the health checker sees it: serving instances in a region not down. */
/* Issue 11: the serving instances of a region in a partial loss that its status checks
 * report impaired: n - floor(n x avail), the capacity the window takes (a region down,
 * avail 0, has all of them impaired). */
static int view_impaired(const sc_mock *m, int region, int n)
{
    double av = m->avail ? m->avail[region] : 1.0;
    return av < 1.0 && n > 0 ? n - (int)floor(n * av + 1e-9) : 0;
}

static int eff_serving(const sc_mock *m, size_t ar)
{
    return m->ars[ar].serving > 0 &&
           (!m->avail || m->avail[ar % m->sc->n_regions] > 0);
}

/* The pool of the app's own type behind view entry (ar, option). */
static pool *own_pool(const sc_mock *m, size_t ar, size_t o)
{
    size_t app = ar / m->sc->n_regions;
    size_t type = (size_t)m->sc->apps[app].instance_type;
    return &m->pools[((ar * m->n_types) + type) * SC_PURCHASE_COUNT + o];
}

static int pool_serving(const pool *p)
{
    return p->cnt[ST_READY] + p->cnt[ST_INTERRUPTING];
}

/* View entry vi (its pool p) changed since the last snapshot. */
static void mark_dirty(sc_mock *m, pool *p, size_t vi)
{
    if (!p->dirty) {
        p->dirty = 1;
        m->dirty_list[m->n_dirty++] = (uint32_t)vi;
    }
}

/* The view of pool p in region r: its counts per state and the impaired ones. */
static void pool_view(const sc_mock *m, const pool *p, int region, sc_pool_state *out)
{
    out->booting = p->cnt[ST_BOOTING];
    out->warming = p->cnt[ST_WARMING];
    out->ready = p->cnt[ST_READY];
    out->interrupting = p->cnt[ST_INTERRUPTING];
    out->draining = p->cnt[ST_DRAINING];
    out->impaired = view_impaired(m, region, out->ready + out->interrupting);
}

sc_mock *sc_mock_of(sc_provider *p)
{
    return p->state ? *(sc_mock **)p->state : NULL;
}

static size_t pool_index(const sc_mock *m, int app, int region, int type, sc_purchase o)
{
    size_t ar = (size_t)app * m->sc->n_regions + (size_t)region;
    return ((ar * m->n_types) + (size_t)type) * SC_PURCHASE_COUNT + (size_t)o;
}

static void pool_decode(const sc_mock *m, size_t pi, int *app, int *region, int *type,
                        sc_purchase *o)
{
    const pool *p = &m->pools[pi];
    *o = (sc_purchase)p->option;
    *type = p->type;
    *region = p->region;
    *app = p->app;
}

static double price_of(const sc_mock *m, int region, int type, sc_purchase o)
{
    double p = m->sc->regions[region].types[type].price_per_hour[o];
    return p == p ? p : 0.0;
}

/* Integrate billable instance-time and commitments of pool pi up to t. */
static void pool_accrue(sc_mock *m, size_t pi, sc_time_ms t)
{
    pool *p = &m->pools[pi];
    if (t <= p->bill_t)
        return;
    int app, region, type;
    sc_purchase o;
    pool_decode(m, pi, &app, &region, &type, &o);
    double price = price_of(m, region, type, o);
    if (o == SC_PURCHASE_SPOT && m->sc->regions[region].spot_mult) {
        /* a spot price per hour (spot_price.c) */
        p->acc_usd += (double)p->billable *
                      sc_spot_price_integral(m->sc, region, type, p->bill_t, t) / 3.6e6;
    } else if (o != SC_PURCHASE_RESERVED) {
        p->acc_usd += (double)p->billable * (double)(t - p->bill_t) * price / 3.6e6;
    } else {
        for (int i = 0; i < p->n_commits; i++) {
            commit *c = &p->commits[i];
            sc_time_ms e = c->end_ms < t ? c->end_ms : t;
            if (e > p->bill_t)
                p->acc_usd += (double)c->count * (double)(e - p->bill_t) * price / 3.6e6;
        }
    }
    p->bill_t = t;
}

/* Enter pool pi in the list of pools that bill.  SC_ERR_NOMEM when the list cannot
 * grow: the launch must then fail, since a pool missing from the list would run
 * instances without billing them (issue 13: this failure was once absorbed silently,
 * and the run ended with exit 0 and a cost too low). */
static sc_status set_active(sc_mock *m, size_t pi, sc_time_ms now)
{
    pool *p = &m->pools[pi];
    if (p->active)
        return SC_OK;
    if (m->n_active == m->cap_active) {
        size_t nc = m->cap_active ? m->cap_active * 2 : 256;
        uint32_t *na = realloc(m->active, nc * sizeof *na);
        if (!na)
            return SC_ERR_NOMEM;
        m->active = na;
        m->cap_active = nc;
    }
    m->active[m->n_active++] = (uint32_t)pi;
    p->active = 1;
    p->bill_t = now;
    return SC_OK;
}

static void list_remove(pool *p, uint32_t slot)
{
    inst *in = &p->slots[slot];
    if (in->prev != NO_SLOT)
        p->slots[in->prev].next = in->next;
    else
        p->head[in->state] = in->next;
    if (in->next != NO_SLOT)
        p->slots[in->next].prev = in->prev;
    in->prev = in->next = NO_SLOT;
}

static void list_push(pool *p, uint32_t slot, int state)
{
    inst *in = &p->slots[slot];
    in->prev = NO_SLOT;
    in->next = p->head[state];
    if (in->next != NO_SLOT)
        p->slots[in->next].prev = slot;
    p->head[state] = slot;
}

/* ---- routing --------------------------------------------------------------------- */

static const sc_geo_routing *geo_routing(const sc_mock *m, size_t g)
{
    return &m->sc->geos[g].routing;
}

/* (app, region) just started or stopped serving: each checked geography's checker
 * gives its verdict interval x threshold later, if the state lasts (hc_gen). */
static void health_transition(sc_mock *m, int app, int region, int serving, sc_time_ms now)
{
    const sc_scenario *sc = m->sc;
    size_t nr = sc->n_regions, ar = (size_t)app * nr + (size_t)region;
    uint32_t gen = ++m->hc_gen[ar];
    for (size_t g = 0; g < sc->n_geos; g++) {
        const sc_geo_routing *rt = geo_routing(m, g);
        if (rt->mech == SC_ROUTE_HOME || rt->hc_threshold <= 0)
            continue;
        size_t ag = (size_t)app * sc->n_geos + g;
        sc_time_ms t = sc_time_add(now, rt->hc_interval_ms * rt->hc_threshold);
        /* the queue's handle is not kept: a stale verdict is told by its generation */
        sc_evq_push(m->cfg.q, t, m->cfg.event_base + SC_MOCK_EV_HEALTH,
                    (uint32_t)(ag * nr + (size_t)region),
                    ((uint64_t)gen << 1) | (uint64_t)(serving != 0), NULL);
    }
}

/* P of route ag changed at now: accounting events at the breakpoints of the ramp
 * (now + hold, now + sticky) and every route_tick_ms in between. */
static sc_status schedule_ramp(sc_mock *m, int app, const sc_mroute *rt, sc_time_ms now)
{
    uint32_t type = m->cfg.event_base + SC_MOCK_EV_TICK;
    int64_t h = rt->cfg->hold_ms, hs = sc_mroute_horizon_ms(rt), tick = m->cfg.route_tick_ms;
    sc_status st;
    if (h > 0 && (st = sc_evq_push(m->cfg.q, sc_time_add(now, h), type, (uint32_t)app, 0, NULL)))
        return st;
    if (hs > h && (st = sc_evq_push(m->cfg.q, sc_time_add(now, hs), type, (uint32_t)app, 0, NULL)))
        return st;
    if (tick > 0)
        for (int64_t k = tick; k < hs; k += tick)
            if (k != h && (st = sc_evq_push(m->cfg.q, sc_time_add(now, k), type, (uint32_t)app,
                                            0, NULL)))
                return st;
    return SC_OK;
}

static sc_status route_handle(sc_mock *m, const sc_event *ev, sc_error *err)
{
    const sc_scenario *sc = m->sc;
    size_t nr = sc->n_regions, ng = sc->n_geos;
    sc_time_ms now = ev->time;
    int kind = (int)(ev->type - m->cfg.event_base);
    if (!m->hc_gen)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "routing event without routing");
    if (kind == SC_MOCK_EV_TICK) {
        int app = (int)ev->a;
        if (m->cfg.before_change)
            m->cfg.before_change(m->cfg.ctx, app, 0);
        for (size_t g = 0; g < ng; g++)
            if (m->routes[(size_t)app * ng + g].cfg)
                sc_mroute_prune(&m->routes[(size_t)app * ng + g], now);
        return SC_OK;
    }
    size_t ag = kind == SC_MOCK_EV_PUBLISH ? ev->a : ev->a / nr;
    int app = (int)(ag / ng), region = (int)(ev->a % nr);
    if (ag >= sc->n_apps * ng)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "routing event names no route");
    sc_mroute *rt = &m->routes[ag];
    if (kind == SC_MOCK_EV_HEALTH) {
        uint32_t gen = (uint32_t)(ev->b >> 1);
        int healthy = (int)(ev->b & 1);
        if (gen != m->hc_gen[(size_t)app * nr + (size_t)region])
            return SC_OK; /* the state did not last */
        if (m->cfg.before_change)
            m->cfg.before_change(m->cfg.ctx, app, region);
        m->spill_ok[ag * nr + (size_t)region] = (unsigned char)healthy;
        if (!rt->cfg)
            return SC_OK;
        int ch = sc_mroute_set_health(rt, region, healthy, now);
        if (ch < 0)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        return ch ? schedule_ramp(m, app, rt, now) : SC_OK;
    }
    if (m->cfg.before_change)
        m->cfg.before_change(m->cfg.ctx, app, 0);
    int ch = sc_mroute_publish(rt, now);
    if (ch < 0)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    return ch ? schedule_ramp(m, app, rt, now) : SC_OK;
}

static sc_status route_apply(sc_mock *m, const sc_action *a, sc_time_ms now,
                             sc_action_result *res, sc_error *err)
{
    const sc_scenario *sc = m->sc;
    size_t nr = sc->n_regions, ng = sc->n_geos;
    if (a->geo < 0 || (size_t)a->geo >= ng)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "set_weight names no geography");
    const sc_geo_routing *cfg = geo_routing(m, (size_t)a->geo);
    if (cfg->mech == SC_ROUTE_HOME || !m->hc_gen)
        return sc_error_set(err, SC_ERR_INPUT, NULL,
                            "set_weight: geography '%s' is routed 'home' (fixed); give it a "
                            "routing mechanism in the scenario",
                            sc->geos[a->geo].name);
    size_t ag = (size_t)a->app * ng + (size_t)a->geo;
    if (cfg->mech == SC_ROUTE_SPILL) {
        /* a capacity scaler: the front end applies it at once */
        if (m->cfg.before_change)
            m->cfg.before_change(m->cfg.ctx, a->app, a->region);
        m->spill_w[ag * nr + (size_t)a->region] = a->weight;
        res->accepted = 1;
        m->stats.route_changes++;
        return SC_OK;
    }
    sc_time_ms pub;
    int ok = sc_mroute_set_weight(&m->routes[ag], a->region, a->weight, now, &pub);
    if (ok < 0)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    if (ok == 0) {
        res->throttled = 1;
        m->stats.throttled++;
        return SC_OK;
    }
    res->accepted = 1;
    m->stats.route_changes++;
    sc_status st = sc_evq_push(m->cfg.q, pub, m->cfg.event_base + SC_MOCK_EV_PUBLISH,
                               (uint32_t)ag, 0, NULL);
    return st ? sc_error_set(err, st, NULL, "event queue full") : SC_OK;
}

void sc_mock_route_start(sc_mock *m)
{
    if (!m->hc_gen)
        return;
    const sc_scenario *sc = m->sc;
    size_t nr = sc->n_regions, ng = sc->n_geos;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t g = 0; g < ng; g++) {
            size_t ag = a * ng + g;
            const sc_geo_routing *cfg = geo_routing(m, g);
            for (size_t r = 0; r < nr; r++) {
                int ok = cfg->hc_threshold <= 0 || eff_serving(m, a * nr + r);
                if (m->routes[ag].cfg)
                    sc_mroute_set_health(&m->routes[ag], (int)r, ok, m->cfg.start_ms);
                m->spill_ok[ag * nr + r] = (unsigned char)ok;
            }
        }
}

void sc_mock_route_shares(sc_mock *m, int app, sc_time_ms t, const double *ieq_g, double *out)
{
    const sc_scenario *sc = m->sc;
    size_t nr = sc->n_regions, ng = sc->n_geos;
    double *room = m->spill_room;
    int room_set = 0;
    for (size_t g = 0; g < ng; g++) {
        double *o = out + g * nr;
        size_t ag = (size_t)app * ng + g;
        const sc_geo_routing *cfg = geo_routing(m, g);
        if (cfg->mech == SC_ROUTE_HOME || !m->hc_gen) {
            for (size_t r = 0; r < nr; r++)
                o[r] = (int)r == sc->geos[g].home_region ? 1.0 : 0.0;
            continue;
        }
        if (m->routes[ag].cfg) {
            sc_mroute_share(&m->routes[ag], t, o);
            continue;
        }
        /* spill: capacity left per region is shared by the app's spill geographies in
         * geography order */
        if (!room_set) {
            for (size_t r = 0; r < nr; r++)
                room[r] = m->ars[(size_t)app * nr + r].serving * cfg->max_util *
                          (m->avail ? m->avail[r] : 1.0);
            room_set = 1;
        }
        const int *w = m->spill_w + ag * nr;
        const unsigned char *ok = m->spill_ok + ag * nr;
        const int *order = m->spill_order + g * nr;
        double e = ieq_g[g], left = e, cap_tot = 0.0;
        for (size_t r = 0; r < nr; r++)
            o[r] = 0.0;
        if (!(e > 0)) { /* no demand: it would go to the nearest usable region */
            for (size_t k = 0; k < nr; k++)
                if (w[order[k]] > 0 && ok[order[k]]) {
                    o[order[k]] = 1.0;
                    break;
                }
            continue;
        }
        for (size_t k = 0; k < nr && left > 0; k++) {
            int r = order[k];
            if (w[r] <= 0 || !ok[r])
                continue;
            double cap = room[r] * w[r] / (double)SC_ROUTE_WEIGHT_MAX;
            cap_tot += m->ars[(size_t)app * nr + (size_t)r].serving * cfg->max_util * w[r] /
                       (double)SC_ROUTE_WEIGHT_MAX * (m->avail ? m->avail[r] : 1.0);
            double take = cap < left ? cap : left;
            if (take > 0) {
                o[r] += take / e;
                room[r] -= take;
                left -= take;
            }
        }
        if (left > 0) {
            /* every usable region full: the rest in proportion to capacity, or to the
             * nearest usable region (healthy first, then any: fail open) */
            if (cap_tot > 0) {
                for (size_t r = 0; r < nr; r++)
                    if (w[r] > 0 && ok[r])
                        o[r] += left / e *
                                (m->ars[(size_t)app * nr + r].serving * cfg->max_util * w[r] /
                                 (double)SC_ROUTE_WEIGHT_MAX * (m->avail ? m->avail[r] : 1.0)) /
                                cap_tot;
            } else {
                int best = -1;
                for (size_t k = 0; k < nr && best < 0; k++)
                    if (w[order[k]] > 0 && ok[order[k]])
                        best = order[k];
                for (size_t k = 0; k < nr && best < 0; k++)
                    if (w[order[k]] > 0)
                        best = order[k];
                o[best >= 0 ? best : sc->geos[g].home_region] += left / e;
            }
        }
    }
}

/* ---- outages ---------------------------------------------------------------------- */

static sc_status outage_handle(sc_mock *m, const sc_event *ev, sc_error *err)
{
    const sc_scenario *sc = m->sc;
    size_t r = ev->a, nr = sc->n_regions;
    size_t k = (size_t)(ev->b >> 1);
    int end = (int)(ev->b & 1);
    if (!m->avail || r >= nr || k >= sc->regions[r].n_outages)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "outage event names no window");
    /* everything is accounted up to now with the capacity before the change */
    if (m->cfg.before_change)
        for (size_t a = 0; a < sc->n_apps; a++)
            for (size_t r2 = 0; r2 < nr; r2++)
                m->cfg.before_change(m->cfg.ctx, (int)a, (int)r2);
    int *was = NULL;
    if (m->hc_gen) {
        was = malloc(sc->n_apps * sizeof *was + 1);
        if (!was)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        for (size_t a = 0; a < sc->n_apps; a++)
            was[a] = eff_serving(m, a * nr + r);
    }
    /* the status checks see it (issue 11): the view entries whose impaired count moves */
    int *imp_was = malloc(sc->n_apps * SC_PURCHASE_COUNT * sizeof *imp_was + 1);
    if (!imp_was) {
        free(was);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t o = 0; o < SC_PURCHASE_COUNT; o++)
            imp_was[a * SC_PURCHASE_COUNT + o] =
                view_impaired(m, (int)r, pool_serving(own_pool(m, a * nr + r, o)));
    m->avail[r] = end ? 1.0 : 1.0 - sc->regions[r].outages[k].lost;
    m->n_down += end ? -1 : 1;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t o = 0; o < SC_PURCHASE_COUNT; o++) {
            size_t vi = (a * nr + r) * SC_PURCHASE_COUNT + o;
            pool *p = own_pool(m, a * nr + r, o);
            if (view_impaired(m, (int)r, pool_serving(p)) != imp_was[a * SC_PURCHASE_COUNT + o])
                mark_dirty(m, p, vi);
        }
    free(imp_was);
    if (was)
        for (size_t a = 0; a < sc->n_apps; a++)
            if (was[a] != eff_serving(m, a * nr + r))
                health_transition(m, (int)a, (int)r, eff_serving(m, a * nr + r), ev->time);
    free(was);
    return SC_OK;
}

const unsigned char *sc_mock_route_health(const sc_mock *m)
{
    return m->hc_gen ? m->spill_ok : NULL;
}

const double *sc_mock_avail(const sc_mock *m)
{
    return m->avail;
}

int sc_mock_outages_active(const sc_mock *m)
{
    return m->n_down;
}

static sc_status outage_init(sc_mock *m)
{
    const sc_scenario *sc = m->sc;
    if (!(m->avail = malloc((sc->n_regions + 1) * sizeof *m->avail)))
        return SC_ERR_NOMEM;
    for (size_t r = 0; r < sc->n_regions; r++) {
        m->avail[r] = 1.0;
        for (size_t k = 0; k < sc->regions[r].n_outages; k++) {
            const sc_outage *o = &sc->regions[r].outages[k];
            uint32_t type = m->cfg.event_base + SC_MOCK_EV_OUTAGE;
            sc_status st = sc_evq_push(m->cfg.q, o->start_ms, type, (uint32_t)r,
                                       (uint64_t)k << 1, NULL);
            if (!st)
                st = sc_evq_push(m->cfg.q, o->start_ms + o->duration_ms, type, (uint32_t)r,
                                 ((uint64_t)k << 1) | 1, NULL);
            if (st)
                return st;
        }
    }
    return SC_OK;
}

/* Routing state at init: routes, spill arrays, generation counters. */
static sc_status route_init(sc_mock *m)
{
    const sc_scenario *sc = m->sc;
    size_t nr = sc->n_regions, ng = sc->n_geos, nag = sc->n_apps * ng;
    m->routes = calloc(nag + 1, sizeof *m->routes);
    m->spill_w = calloc(nag * nr + 1, sizeof *m->spill_w);
    m->spill_ok = calloc(nag * nr + 1, 1);
    m->spill_order = calloc(ng * nr + 1, sizeof *m->spill_order);
    m->spill_room = calloc(nr + 1, sizeof *m->spill_room);
    m->hc_gen = calloc(m->n_ar + 1, sizeof *m->hc_gen);
    if (!m->routes || !m->spill_w || !m->spill_ok || !m->spill_order || !m->spill_room ||
        !m->hc_gen)
        return SC_ERR_NOMEM;
    for (size_t g = 0; g < ng; g++) {
        int *order = m->spill_order + g * nr;
        for (size_t r = 0; r < nr; r++) {
            /* insertion sort by (latency, index): ties by region order */
            size_t k = r;
            double l = sc_scenario_latency(sc, (int)g, (int)r);
            while (k > 0 && sc_scenario_latency(sc, (int)g, order[k - 1]) > l) {
                order[k] = order[k - 1];
                k--;
            }
            order[k] = (int)r;
        }
    }
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t g = 0; g < ng; g++) {
            const sc_geo_routing *cfg = geo_routing(m, g);
            size_t ag = a * ng + g;
            for (size_t r = 0; r < nr; r++) {
                m->spill_w[ag * nr + r] = cfg->weights ? cfg->weights[r] : 0;
                m->spill_ok[ag * nr + r] = 1;
            }
            if (cfg->mech == SC_ROUTE_DNS || cfg->mech == SC_ROUTE_ANYCAST) {
                sc_status st = sc_mroute_init(&m->routes[ag], cfg, (int)nr, m->cfg.start_ms, NULL);
                if (st)
                    return st;
            }
        }
    return SC_OK;
}

/* Move one instance between states, keeping every aggregate in step.  Calls
 * before_change first. */
static void move_state(sc_mock *m, size_t pi, inst *in, int to, sc_time_ms now)
{
    int app, region, type;
    sc_purchase o;
    pool_decode(m, pi, &app, &region, &type, &o);
    if (m->cfg.before_change)
        m->cfg.before_change(m->cfg.ctx, app, region);
    pool_accrue(m, pi, now);
    pool *p = &m->pools[pi];
    size_t ar = (size_t)app * m->sc->n_regions + (size_t)region;
    int from = in->state;
    uint32_t slot = (uint32_t)(in - p->slots);
    if (from != ST_FREE)
        list_remove(p, slot);
    if (to != ST_FREE)
        list_push(p, slot, to);
    int serving_from = from == ST_READY || from == ST_INTERRUPTING;
    int serving_to = to == ST_READY || to == ST_INTERRUPTING;
    int bill_from = from != ST_FREE, bill_to = to != ST_FREE;
    if (from != ST_FREE)
        p->cnt[from]--;
    if (to != ST_FREE)
        p->cnt[to]++;
    if (m->hc_gen && serving_to != serving_from) { /* routed: the health checker looks */
        int was_serving = eff_serving(m, ar);
        m->ars[ar].serving += serving_to - serving_from;
        if (was_serving != eff_serving(m, ar))
            health_transition(m, app, region, eff_serving(m, ar), now);
    } else {
        m->ars[ar].serving += serving_to - serving_from;
    }
    m->ars[ar].billable += bill_to - bill_from;
    if (!p->own)
        m->ars[ar].serving_other += serving_to - serving_from;
    if (o != SC_PURCHASE_RESERVED)
        p->billable += bill_to - bill_from;
    in->state = (uint8_t)to;
    if (p->own)
        mark_dirty(m, p, ar * SC_PURCHASE_COUNT + o);
}

static sc_status slot_alloc(pool *p, uint32_t *out)
{
    if (p->free_head != NO_SLOT) {
        *out = p->free_head;
        p->free_head = p->slots[*out].next_free;
        return SC_OK;
    }
    if (p->n_slots == p->cap) {
        uint32_t nc = p->cap ? p->cap * 2 : 8;
        inst *ns = realloc(p->slots, nc * sizeof *ns);
        if (!ns)
            return SC_ERR_NOMEM;
        p->slots = ns;
        p->cap = nc;
    }
    memset(&p->slots[p->n_slots], 0, sizeof(inst));
    p->slots[p->n_slots].prev = p->slots[p->n_slots].next = NO_SLOT;
    *out = p->n_slots++;
    return SC_OK;
}

static uint64_t ev_payload(uint32_t slot, uint32_t gen)
{
    return ((uint64_t)slot << 32) | gen;
}

static sc_status push_ev(sc_mock *m, size_t pi, uint32_t slot, int kind, sc_time_ms t)
{
    inst *in = &m->pools[pi].slots[slot];
    return sc_evq_push(m->cfg.q, t, m->cfg.event_base + (uint32_t)kind, (uint32_t)pi,
                       ev_payload(slot, in->gen), &in->ev);
}

/* End an instance now: billing minimum, counters, free the slot. */
static void end_instance(sc_mock *m, size_t pi, uint32_t slot, sc_time_ms now)
{
    pool *p = &m->pools[pi];
    inst *in = &p->slots[slot];
    if (in->ev) {
        sc_evq_cancel(m->cfg.q, in->ev);
        in->ev = 0;
    }
    move_state(m, pi, in, ST_FREE, now);
    int app, region, type;
    sc_purchase o;
    pool_decode(m, pi, &app, &region, &type, &o);
    if (o != SC_PURCHASE_RESERVED && now - in->launch_ms < MIN_BILL_MS)
        p->acc_usd += (double)(MIN_BILL_MS - (now - in->launch_ms)) *
                      (o == SC_PURCHASE_SPOT && m->sc->regions[region].spot_mult
                           ? sc_spot_price_at(m->sc, region, type, now)
                           : price_of(m, region, type, o)) /
                      3.6e6;
    m->in_use[(size_t)region * m->n_types + (size_t)type]--;
    m->vcpu_in_use[region] -= m->sc->types[type].capacity[SC_METRIC_CPU];
    in->gen++;
    in->next_free = p->free_head;
    p->free_head = slot;
    m->stats.terminations++;
}

static sc_status add_commit(pool *p, sc_time_ms end_ms, int count)
{
    for (int i = 0; i < p->n_commits; i++)
        if (p->commits[i].end_ms == end_ms) {
            p->commits[i].count += count;
            return SC_OK;
        }
    if (p->n_commits == p->cap_commits) {
        int nc = p->cap_commits ? p->cap_commits * 2 : 4;
        commit *na = realloc(p->commits, (size_t)nc * sizeof *na);
        if (!na)
            return SC_ERR_NOMEM;
        p->commits = na;
        p->cap_commits = nc;
    }
    p->commits[p->n_commits++] = (commit){end_ms, count};
    return SC_OK;
}

/* Launch n instances in pool pi at now; ready_now = initial allocation. */
static sc_status launch(sc_mock *m, size_t pi, int n, sc_time_ms now, int ready_now,
                        sc_error *err)
{
    int app, region, type;
    sc_purchase o;
    pool_decode(m, pi, &app, &region, &type, &o);
    const sc_scenario *sc = m->sc;
    pool *p = &m->pools[pi];
    if (set_active(m, pi, now))
        return sc_error_set(err, SC_ERR_NOMEM, NULL,
                            "out of memory: cannot list a pool for billing");
    uint64_t pool_key = ((uint64_t)app << 24) ^ ((uint64_t)type << 4) ^ (uint64_t)o;
    if (o == SC_PURCHASE_RESERVED) {
        pool_accrue(m, pi, now);
        if (add_commit(p, sc_time_add(now, sc->regions[region].reserved_term_ms), n))
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (int i = 0; i < n; i++) {
        uint32_t slot;
        if (slot_alloc(p, &slot))
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        inst *in = &p->slots[slot];
        uint32_t idx = p->next_launch++;
        in->launch_ms = now;
        in->launch_idx = idx;
        in->ev = 0;
        in->state = ST_FREE;
        m->in_use[(size_t)region * m->n_types + (size_t)type]++;
        m->vcpu_in_use[region] += sc->types[type].capacity[SC_METRIC_CPU];
        m->stats.launches++;
        if (ready_now) {
            in->running_ms = now;
            move_state(m, pi, in, ST_READY, now);
        } else {
            double u = sc_rng_u01(
                sc_rng_key(sc->seed, SC_RNG_BOOT, (uint64_t)region, pool_key, idx));
            double boot = sc_dist_quantile(&sc->regions[region].boot, u);
            in->running_ms = sc_time_add(now, (int64_t)(boot + 0.5));
            move_state(m, pi, in, ST_BOOTING, now);
            sc_status st = push_ev(m, pi, slot, SC_MOCK_EV_RUNNING, in->running_ms);
            if (st)
                return sc_error_set(err, st, NULL, "event queue full");
        }
    }
    return SC_OK;
}

/* Time of the spot interruption notice of launch idx of pool pi, or SC_TIME_MAX. */
static sc_time_ms spot_notice_time(const sc_mock *m, size_t pi, uint32_t idx,
                                   sc_time_ms running_ms)
{
    int app, region, type;
    sc_purchase o;
    pool_decode(m, pi, &app, &region, &type, &o);
    double rate = m->sc->regions[region].spot_interrupt_per_hour;
    if (o != SC_PURCHASE_SPOT || !(rate > 0))
        return SC_TIME_MAX;
    uint64_t pool_key = ((uint64_t)app << 24) ^ ((uint64_t)type << 4) ^ (uint64_t)o;
    double u = sc_rng_u01(sc_rng_key(m->sc->seed, SC_RNG_SPOT, (uint64_t)region, pool_key, idx));
    double hours = -log(u) / rate;
    if (hours > 1e6)
        return SC_TIME_MAX;
    return sc_time_add(running_ms, (int64_t)(hours * 3.6e6));
}

/* ---- spot stock-outs (core/scenario/spot_stockout.c) -------------------------------- */

/* Reclaim, with the window's probability, each spot instance of the window's type in
 * its region that is booting, warming or serving (not one already noticed or
 * draining): a two-minute notice, then the end.  The uniform of an instance is keyed by
 * (hash of the region's name ^ window start, pool, launch index), so the same launch
 * meets the same verdict under every policy. */
static sc_status spot_reclaim(sc_mock *m, size_t region, const sc_spot_stockout *w,
                              sc_time_ms now, sc_error *err)
{
    const sc_scenario *sc = m->sc;
    if (!(w->reclaim > 0))
        return SC_OK;
    /* the window by its region's name and start, as the windows themselves are keyed */
    uint64_t win_key = sc_rng_hash_str(sc->regions[region].name) ^ (uint64_t)w->start_ms;
    for (size_t a = 0; a < sc->n_apps; a++) {
        size_t pi = pool_index(m, (int)a, (int)region, w->type, SC_PURCHASE_SPOT);
        pool *p = &m->pools[pi];
        uint64_t pool_key = ((uint64_t)a << 24) ^ ((uint64_t)w->type << 4) ^
                            (uint64_t)SC_PURCHASE_SPOT;
        for (uint32_t s = 0; s < p->n_slots; s++) {
            inst *in = &p->slots[s];
            if (in->state != ST_BOOTING && in->state != ST_WARMING && in->state != ST_READY)
                continue;
            double u = sc_rng_u01(sc_rng_key(sc->seed, SC_RNG_STOCKOUT, win_key, pool_key,
                                             in->launch_idx));
            if (!(u < w->reclaim))
                continue;
            if (in->ev) {
                sc_evq_cancel(m->cfg.q, in->ev);
                in->ev = 0;
            }
            if (in->state == ST_READY)
                move_state(m, pi, in, ST_INTERRUPTING, now);
            m->stats.interruptions++;
            m->stats.reclaimed++;
            sc_status st = push_ev(m, pi, s, SC_MOCK_EV_END, sc_time_add(now, NOTICE_MS));
            if (st)
                return sc_error_set(err, st, NULL, "event queue full");
        }
    }
    return SC_OK;
}

static sc_status spot_handle(sc_mock *m, const sc_event *ev, sc_error *err)
{
    const sc_scenario *sc = m->sc;
    size_t r = ev->a, k = (size_t)(ev->b >> 1);
    int end = (int)(ev->b & 1);
    if (!m->spot_out || r >= sc->n_regions || k >= sc->regions[r].n_spot_stockouts)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "spot event names no stock-out");
    const sc_spot_stockout *w = &sc->regions[r].spot_stockouts[k];
    m->spot_out[r * m->n_types + (size_t)w->type] += end ? -1 : 1;
    return end ? SC_OK : spot_reclaim(m, r, w, ev->time, err);
}

static sc_status spot_init(sc_mock *m)
{
    const sc_scenario *sc = m->sc;
    if (!(m->spot_out = calloc(sc->n_regions * m->n_types + 1, sizeof *m->spot_out)))
        return SC_ERR_NOMEM;
    uint32_t type = m->cfg.event_base + SC_MOCK_EV_SPOT;
    for (size_t r = 0; r < sc->n_regions; r++)
        for (size_t k = 0; k < sc->regions[r].n_spot_stockouts; k++) {
            const sc_spot_stockout *w = &sc->regions[r].spot_stockouts[k];
            sc_status st = sc_evq_push(m->cfg.q, w->start_ms, type, (uint32_t)r,
                                       (uint64_t)k << 1, NULL);
            if (!st)
                st = sc_evq_push(m->cfg.q, w->start_ms + w->duration_ms, type, (uint32_t)r,
                                 ((uint64_t)k << 1) | 1, NULL);
            if (st)
                return st;
        }
    return SC_OK;
}

const int *sc_mock_spot_stockouts(const sc_mock *m)
{
    return m->spot_out;
}

static int refill_token(sc_mock *m, int region, sc_time_ms now)
{
    int rate = m->sc->regions[region].api_rate_per_sec;
    if (rate <= 0)
        return 1;
    double cap = rate * BURST_SEC;
    double add = (double)(now - m->token_t[region]) / 1000.0 * rate;
    m->tokens[region] = m->tokens[region] + add > cap ? cap : m->tokens[region] + add;
    m->token_t[region] = now;
    if (m->tokens[region] < 1.0)
        return 0;
    m->tokens[region] -= 1.0;
    return 1;
}

/* Pick the instance to remove: booting, then warming, then ready, then interrupting;
 * within a state the one that entered it last.  Returns NO_SLOT if none. */
static uint32_t pick_victim(const pool *p)
{
    static const int order[] = {ST_BOOTING, ST_WARMING, ST_READY, ST_INTERRUPTING};
    for (size_t k = 0; k < sizeof order / sizeof order[0]; k++)
        if (p->head[order[k]] != NO_SLOT)
            return p->head[order[k]];
    return NO_SLOT;
}

static sc_status mock_apply(void *state, const sc_action *a, sc_time_ms now,
                            sc_action_result *res, sc_error *err)
{
    sc_mock *m = *(sc_mock **)state;
    const sc_scenario *sc = m->sc;
    if (a->kind == SC_ACTION_SET_WEIGHT) {
        if (a->app < 0 || (size_t)a->app >= sc->n_apps || a->region < 0 ||
            (size_t)a->region >= sc->n_regions)
            return sc_error_set(err, SC_ERR_INTERNAL, NULL, "set_weight names no route");
        return route_apply(m, a, now, res, err);
    }
    if (a->app < 0 || (size_t)a->app >= sc->n_apps || a->region < 0 ||
        (size_t)a->region >= sc->n_regions || a->type < 0 || (size_t)a->type >= sc->n_types)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "action names no pool");
    if (!refill_token(m, a->region, now)) {
        res->throttled = 1;
        m->stats.throttled++;
        return SC_OK;
    }
    size_t pi = pool_index(m, a->app, a->region, a->type, a->option);
    pool *p = &m->pools[pi];
    switch (a->kind) {
    case SC_ACTION_PROVISION: {
        if (!(sc->regions[a->region].types[a->type].price_per_hour[a->option] ==
              sc->regions[a->region].types[a->type].price_per_hour[a->option])) {
            res->limited = a->count;
            m->stats.refused_limit += a->count;
            return SC_OK; /* option not offered in the region */
        }
        int n = a->count;
        const sc_region *rg = &sc->regions[a->region];
        if (m->avail && !(m->avail[a->region] > 0))
            n = 0; /* the region is down */
        if (a->option == SC_PURCHASE_SPOT && m->spot_out &&
            m->spot_out[(size_t)a->region * m->n_types + (size_t)a->type] > 0) {
            m->stats.refused_stockout += n; /* InsufficientInstanceCapacity */
            n = 0;
        }
        int lim = rg->types[a->type].capacity_limit;
        int used = m->in_use[(size_t)a->region * m->n_types + (size_t)a->type];
        if (lim >= 0 && n > lim - used)
            n = lim - used > 0 ? lim - used : 0;
        if (rg->vcpu_quota >= 0) {
            double v = sc->types[a->type].capacity[SC_METRIC_CPU];
            if (v > 0) {
                double room = rg->vcpu_quota - m->vcpu_in_use[a->region];
                int fit = room > 0 ? (int)floor(room / v + 1e-9) : 0;
                if (n > fit)
                    n = fit;
            }
        }
        res->limited = a->count - n;
        m->stats.refused_limit += res->limited;
        res->accepted = n;
        return n > 0 ? launch(m, pi, n, now, 0, err) : SC_OK;
    }
    case SC_ACTION_DEPROVISION: {
        int done = 0;
        while (done < a->count) {
            uint32_t s = pick_victim(p);
            if (s == NO_SLOT)
                break;
            inst *in = &p->slots[s];
            if (in->ev) {
                sc_evq_cancel(m->cfg.q, in->ev);
                in->ev = 0;
            }
            if (in->state == ST_BOOTING || m->cfg.drain_ms <= 0) {
                end_instance(m, pi, s, now); /* cancelled launch: nothing to drain */
            } else {
                move_state(m, pi, in, ST_DRAINING, now);
                sc_status st =
                    push_ev(m, pi, s, SC_MOCK_EV_END, sc_time_add(now, m->cfg.drain_ms));
                if (st)
                    return sc_error_set(err, st, NULL, "event queue full");
            }
            done++;
        }
        res->accepted = done;
        return SC_OK;
    }
    case SC_ACTION_RESIZE:
    case SC_ACTION_RELOCATE:
    default: {
        /* Resize and relocate are a launch of the target pool plus a drain of the
         * source: the orchestrator splits them, so the mock sees only these two. */
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "mock provider: %s must be split into provision and "
                            "deprovision by the orchestrator",
                            sc_action_kind_name(a->kind));
    }
    }
}

sc_status sc_mock_handle(sc_mock *m, const sc_event *ev, sc_error *err)
{
    uint32_t kind = ev->type - m->cfg.event_base;
    if (kind == SC_MOCK_EV_PUBLISH || kind == SC_MOCK_EV_HEALTH || kind == SC_MOCK_EV_TICK)
        return route_handle(m, ev, err);
    if (kind == SC_MOCK_EV_OUTAGE)
        return outage_handle(m, ev, err);
    if (kind == SC_MOCK_EV_SPOT)
        return spot_handle(m, ev, err);
    size_t pi = ev->a;
    if (pi >= m->n_pools)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "mock event names no pool");
    pool *p = &m->pools[pi];
    uint32_t slot = (uint32_t)(ev->b >> 32), gen = (uint32_t)ev->b;
    if (slot >= p->n_slots || p->slots[slot].gen != gen || p->slots[slot].state == ST_FREE)
        return SC_OK; /* stale: the instance is gone */
    inst *in = &p->slots[slot];
    in->ev = 0;
    sc_time_ms now = ev->time;
    int app, region, type;
    sc_purchase o;
    pool_decode(m, pi, &app, &region, &type, &o);
    switch (ev->type - m->cfg.event_base) {
    case SC_MOCK_EV_RUNNING: {
        move_state(m, pi, in, ST_WARMING, now);
        int64_t w = m->sc->apps[app].warmup_ms;
        return push_ev(m, pi, slot, SC_MOCK_EV_READY, sc_time_add(now, w > 0 ? w : 0));
    }
    case SC_MOCK_EV_READY: {
        move_state(m, pi, in, ST_READY, now);
        /* time to interruption from running: exponential, by inverse transform of the
         * launch's own variate */
        sc_time_ms nt = spot_notice_time(m, pi, in->launch_idx, in->running_ms);
        if (nt != SC_TIME_MAX) {
            if (nt < now)
                nt = now;
            return push_ev(m, pi, slot, SC_MOCK_EV_NOTICE, nt);
        }
        return SC_OK;
    }
    case SC_MOCK_EV_NOTICE:
        m->stats.interruptions++;
        move_state(m, pi, in, ST_INTERRUPTING, now);
        return push_ev(m, pi, slot, SC_MOCK_EV_END, sc_time_add(now, NOTICE_MS));
    case SC_MOCK_EV_END:
        end_instance(m, pi, slot, now);
        return SC_OK;
    default:
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "unknown mock event %u", ev->type);
    }
}

sc_status sc_mock_seed(sc_mock *m, int app, int region, int type, sc_purchase option,
                       int count, sc_error *err)
{
    if (count <= 0)
        return SC_OK;
    return launch(m, pool_index(m, app, region, type, option), count, m->cfg.start_ms, 1, err);
}

int sc_mock_serving_type(const sc_mock *m, int app, int region, int type)
{
    int n = 0;
    for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
        const pool *p = &m->pools[pool_index(m, app, region, type, (sc_purchase)o)];
        n += p->cnt[ST_READY] + p->cnt[ST_INTERRUPTING];
    }
    return n;
}

const sc_mock_ar *sc_mock_ars(const sc_mock *m)
{
    return m->ars;
}

const sc_mock_stats *sc_mock_get_stats(const sc_mock *m)
{
    return &m->stats;
}

void sc_mock_bill(sc_mock *m, sc_time_ms t, double *cost)
{
    for (size_t i = 0; i < m->n_active; i++) {
        size_t pi = m->active[i];
        pool_accrue(m, pi, t);
        pool *p = &m->pools[pi];
        if (p->acc_usd != 0.0) {
            size_t ar = (size_t)p->app * m->sc->n_regions + (size_t)p->region;
            cost[ar * SC_PURCHASE_COUNT + (size_t)p->option] += p->acc_usd;
            p->acc_usd = 0.0;
        }
    }
}

static void mock_cleanup(void *state)
{
    sc_mock *m = *(sc_mock **)state;
    if (!m)
        return;
    if (m->pools)
        for (size_t i = 0; i < m->n_pools; i++) {
            free(m->pools[i].slots);
            free(m->pools[i].commits);
        }
    free(m->pools_mem);
    free(m->active);
    free(m->dirty_list);
    free(m->ars);
    free(m->in_use);
    free(m->vcpu_in_use);
    free(m->tokens);
    free(m->token_t);
    if (m->routes)
        for (size_t i = 0; i < m->sc->n_apps * m->sc->n_geos; i++)
            if (m->routes[i].cfg)
                sc_mroute_cleanup(&m->routes[i]);
    free(m->routes);
    free(m->spill_w);
    free(m->spill_ok);
    free(m->spill_order);
    free(m->spill_room);
    free(m->hc_gen);
    free(m->avail);
    free(m->spot_out);
    free(m);
    *(sc_mock **)state = NULL;
}

static sc_status mock_init(void *state, const void *config, sc_error *err)
{
    const sc_mock_config *cfg = config;
    if (!cfg || !cfg->sc || !cfg->q)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "mock provider needs a config");
    sc_mock *m = calloc(1, sizeof *m);
    if (!m)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    *(sc_mock **)state = m;
    m->cfg = *cfg;
    m->sc = cfg->sc;
    m->n_ar = m->sc->n_apps * m->sc->n_regions;
    m->n_types = m->sc->n_types;
    m->n_pools = m->n_ar * m->n_types * SC_PURCHASE_COUNT;
    if ((m->pools_mem = calloc(m->n_pools + 1, sizeof *m->pools)))
        m->pools = (pool *)(((uintptr_t)m->pools_mem + 63) & ~(uintptr_t)63);
    m->dirty_list = calloc(m->n_ar * SC_PURCHASE_COUNT + 1, sizeof *m->dirty_list);
    m->ars = calloc(m->n_ar + 1, sizeof *m->ars);
    m->in_use = calloc(m->sc->n_regions * m->n_types + 1, sizeof *m->in_use);
    m->vcpu_in_use = calloc(m->sc->n_regions + 1, sizeof *m->vcpu_in_use);
    m->tokens = calloc(m->sc->n_regions + 1, sizeof *m->tokens);
    m->token_t = calloc(m->sc->n_regions + 1, sizeof *m->token_t);
    if (!m->pools || !m->dirty_list || !m->ars || !m->in_use ||
        !m->vcpu_in_use || !m->tokens ||
        !m->token_t) {
        mock_cleanup(state);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < m->n_pools; i++) {
        pool *p = &m->pools[i];
        p->free_head = NO_SLOT;
        for (int st = 0; st < ST_N; st++)
            p->head[st] = NO_SLOT;
        /* index ((ar * n_types) + type) * SC_PURCHASE_COUNT + option */
        size_t rest = i / SC_PURCHASE_COUNT, ar = rest / m->n_types;
        p->option = (unsigned char)(i % SC_PURCHASE_COUNT);
        p->type = (int)(rest % m->n_types);
        p->region = (int)(ar % m->sc->n_regions);
        p->app = (int)(ar / m->sc->n_regions);
        p->own = p->type == m->sc->apps[p->app].instance_type;
    }
    for (size_t r = 0; r < m->sc->n_regions; r++) {
        m->tokens[r] = m->sc->regions[r].api_rate_per_sec * BURST_SEC;
        m->token_t[r] = cfg->start_ms;
    }
    int has_stockouts = 0;
    for (size_t r = 0; r < m->sc->n_regions; r++)
        has_stockouts |= m->sc->regions[r].n_spot_stockouts > 0;
    if ((m->sc->routed && route_init(m)) || (m->sc->has_outages && outage_init(m)) ||
        (has_stockouts && spot_init(m))) {
        mock_cleanup(state);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    return SC_OK;
}

static sc_status mock_describe(void *state, int app, int region, int type, sc_purchase o,
                               sc_pool_state *out, sc_error *err)
{
    sc_mock *m = *(sc_mock **)state;
    pool_view(m, &m->pools[pool_index(m, app, region, type, o)], region, out);
    return SC_OK;
}

/* Issue 13: the dirty list, for the simulator's sc_policy_view.changed. */
const uint32_t *sc_mock_dirty(const sc_mock *m, size_t *n)
{
    *n = m->n_dirty;
    return m->dirty_list;
}

/* Version 2: the view into out; with since_last only the entries changed since the
 * previous snapshot (out holds that snapshot, the provider interface's promise). */
static sc_status mock_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                               sc_error *err)
{
    sc_mock *m = *(sc_mock **)state;
    if (n != m->n_ar * SC_PURCHASE_COUNT)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "mock provider: snapshot of %zu pools, it has %zu", n,
                            m->n_ar * SC_PURCHASE_COUNT);
    size_t nr = m->sc->n_regions;
    if (since_last) {
        for (size_t i = 0; i < m->n_dirty; i++) {
            size_t vi = m->dirty_list[i], ar = vi / SC_PURCHASE_COUNT;
            pool_view(m, own_pool(m, ar, vi % SC_PURCHASE_COUNT), (int)(ar % nr), &out[vi]);
        }
    } else {
        for (size_t vi = 0; vi < n; vi++) {
            size_t ar = vi / SC_PURCHASE_COUNT;
            pool_view(m, own_pool(m, ar, vi % SC_PURCHASE_COUNT), (int)(ar % nr), &out[vi]);
        }
    }
    for (size_t i = 0; i < m->n_dirty; i++) {
        size_t vi = m->dirty_list[i];
        own_pool(m, vi / SC_PURCHASE_COUNT, vi % SC_PURCHASE_COUNT)->dirty = 0;
    }
    m->n_dirty = 0;
    return SC_OK;
}

const sc_provider_type sc_mock_provider_type = {
    .name = "mock",
    .version = 2,
    .state_size = sizeof(sc_mock *),
    .init = mock_init,
    .cleanup = mock_cleanup,
    .apply = mock_apply,
    .describe = mock_describe,
    .ctrl = NULL,
    .snapshot = mock_snapshot,
    .params = sc_mock_params,
    .n_params = sizeof sc_mock_params / sizeof sc_mock_params[0],
};
