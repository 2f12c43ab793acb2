/*
 * orchestrator.c - the executor: plans in, provider calls out (design in
 * orchestrator.h).
 *
 * Data structures:
 *   - pending actions in a slot array with a free list (slot = the id handed to the
 *     schedule callback; a slot is reused once its action was issued, so memory is
 *     bounded by the actions pending at once, not by the run); each carries its
 *     insertion sequence number;
 *   - without a schedule callback, a binary min-heap of slots ordered by (issue_ms,
 *     sequence): ties go in insertion order, never by accident;
 *   - the action log, a growable array handed to the caller at the end
 *     (sc_orch_log_take), and the snapshot buffer, allocated once at creation
 *     (apps x regions x SC_PURCHASE_COUNT pool states).
 * Invariants: a slot is live from submit to issue; the heap holds exactly the live slots
 * when there is no callback; the snapshot buffer is only written by the provider's
 * snapshot, so the provider may update it incrementally (since_last).
 *
 * The split of resize and relocate is the one the simulator always did: a provision of
 * `count` in the target pool (to_type for resize, to_region for relocate), logged, then,
 * if it accepted k > 0 instances, a deprovision of k in the source pool, logged.  The
 * hot path (one issued action) allocates only when the log grows (amortised doubling).
 */
#include "sculpt/orchestrator.h"

#include <stdlib.h>
#include <string.h>

#include "sculpt/provider.h"

#define NO_SLOT UINT32_MAX

typedef struct pend {
    sc_action act;
    uint64_t seq;               /* insertion sequence, for ties in the heap */
    uint32_t next_free;         /* free-list link while not live */
    int live;                   /* 1 from submit to issue */
} pend;

struct sc_orch {
    sc_provider *prov;          /* borrowed */
    sc_orch_config cfg;
    sc_pool_state *snap;        /* [n_snap], allocated at creation */
    size_t n_snap;
    int snap_taken;             /* snap holds the provider's previous snapshot */
    pend *slots;                /* pending actions */
    uint32_t n_slots, cap_slots, free_head;
    size_t n_pending;
    uint64_t next_seq;
    uint32_t *heap;             /* slots by (issue_ms, seq), when cfg.schedule == NULL */
    size_t n_heap, cap_heap;
    sc_action_log *log;
    size_t n_log, cap_log;
    long n_counted;             /* accepted calls at or after cfg.count_from_ms */
    sc_launch_tally *tally;     /* [(region * n_types + type) * 3 + option] launch answers */
};

sc_status sc_orch_alloc(sc_provider *prov, const sc_orch_config *cfg, sc_orch **out,
                        sc_error *err)
{
    *out = NULL;
    if (!prov || !cfg)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "orchestrator: needs a provider and a config");
    sc_orch *o = calloc(1, sizeof *o);
    if (!o)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "orchestrator: out of memory");
    o->prov = prov;
    o->cfg = *cfg;
    o->free_head = NO_SLOT;
    if (cfg->sc) {
        o->n_snap = cfg->sc->n_apps * cfg->sc->n_regions * SC_PURCHASE_COUNT;
        o->snap = calloc(o->n_snap + 1, sizeof *o->snap);
        o->tally = calloc(cfg->sc->n_regions * cfg->sc->n_types * SC_PURCHASE_COUNT + 1,
                          sizeof *o->tally);
        if (!o->snap || !o->tally) {
            free(o->snap);
            free(o->tally);
            free(o);
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "orchestrator: out of memory");
        }
    }
    *out = o;
    return SC_OK;
}

void sc_orch_free(sc_orch *o)
{
    if (!o)
        return;
    free(o->snap);
    free(o->tally);
    free(o->slots);
    free(o->heap);
    free(o->log);
    free(o);
}

/* ---- the log --------------------------------------------------------------------- */

static sc_status log_call(sc_orch *o, const sc_action *a, sc_time_ms now, int accepted,
                          sc_error *err)
{
    if (o->n_log == o->cap_log) {
        size_t nc = o->cap_log ? o->cap_log * 2 : 256;
        sc_action_log *nl = realloc(o->log, nc * sizeof *nl);
        if (!nl)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "orchestrator: log: out of memory");
        o->log = nl;
        o->cap_log = nc;
    }
    if (a->kind == SC_ACTION_SET_WEIGHT) {
        /* routing, not capacity: logged with the geography in `type`, never counted */
        o->log[o->n_log++] = (sc_action_log){now, a->app, a->region, a->geo, (int)a->kind, 0,
                                             a->weight, accepted, a->reason};
        return SC_OK;
    }
    o->log[o->n_log++] = (sc_action_log){now,       a->app,        a->region, a->type,
                                         (int)a->kind, (int)a->option, a->count, accepted,
                                         a->reason};
    if (accepted > 0 && now >= o->cfg.count_from_ms)
        o->n_counted++;
    return SC_OK;
}

const sc_action_log *sc_orch_log(const sc_orch *o, size_t *n)
{
    *n = o->n_log;
    return o->log;
}

void sc_orch_log_take(sc_orch *o, sc_action_log **log, size_t *n, size_t *cap)
{
    *log = o->log;
    *n = o->n_log;
    *cap = o->cap_log;
    o->log = NULL;
    o->n_log = o->cap_log = 0;
}

long sc_orch_n_counted(const sc_orch *o)
{
    return o->n_counted;
}

const sc_launch_tally *sc_orch_launch_tally(const sc_orch *o)
{
    return o->tally;
}

/* Count a launch's answer in its (region, type, option) tally. */
static void tally_launch(sc_orch *o, const sc_action *a, const sc_action_result *res)
{
    const sc_scenario *sc = o->cfg.sc;
    if (!o->tally || a->kind != SC_ACTION_PROVISION || res->throttled)
        return;
    sc_launch_tally *t =
        &o->tally[((size_t)a->region * sc->n_types + (size_t)a->type) * SC_PURCHASE_COUNT +
                  (size_t)a->option];
    t->accepted += res->accepted;
    t->refused += res->limited;
}

/* ---- issuing --------------------------------------------------------------------- */

/* A plan that names a pool outside the scenario is a policy's bug: an error that says
 * which action, before any provider sees it (providers index arrays with these). */
static sc_status check_action(const sc_orch *o, const sc_action *a, sc_error *err)
{
    const sc_scenario *sc = o->cfg.sc;
    if (!sc)
        return SC_OK;
    int n_apps = (int)sc->n_apps, n_regions = (int)sc->n_regions, n_types = (int)sc->n_types;
    int ok = a->app >= 0 && a->app < n_apps && a->region >= 0 && a->region < n_regions &&
             a->type >= 0 && a->type < n_types;
    if (a->kind == SC_ACTION_SET_WEIGHT) {
        if (a->app >= 0 && a->app < n_apps && a->region >= 0 && a->region < n_regions &&
            a->geo >= 0 && (size_t)a->geo < sc->n_geos && a->weight >= 0 &&
            a->weight <= SC_ROUTE_WEIGHT_MAX)
            return SC_OK;
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "orchestrator: set_weight names no route (app %d, geo %d, region "
                            "%d, weight %d)",
                            a->app, a->geo, a->region, a->weight);
    }
    if (a->kind == SC_ACTION_RESIZE)
        ok = ok && a->to_type >= 0 && a->to_type < n_types;
    else if (a->kind == SC_ACTION_RELOCATE)
        ok = ok && a->to_region >= 0 && a->to_region < n_regions;
    if (ok)
        return SC_OK;
    return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                        "orchestrator: %s action names a pool outside the scenario (app %d, "
                        "region %d, type %d, to_region %d, to_type %d)",
                        sc_action_kind_name(a->kind), a->app, a->region, a->type,
                        a->to_region, a->to_type);
}

/* Issue one action at now; resize and relocate become a launch plus a drain of what
 * the launch accepted. */
static sc_status issue(sc_orch *o, const sc_action *a, sc_time_ms now, sc_error *err)
{
    sc_action_result res;
    sc_status st;
    if ((st = check_action(o, a, err)))
        return st;
    if (a->kind == SC_ACTION_RESIZE || a->kind == SC_ACTION_RELOCATE) {
        sc_action up = *a, down = *a;
        up.kind = SC_ACTION_PROVISION;
        if (a->kind == SC_ACTION_RESIZE)
            up.type = a->to_type;
        else
            up.region = a->to_region;
        down.kind = SC_ACTION_DEPROVISION;
        if ((st = sc_provider_apply(o->prov, &up, now, &res, err)))
            return st;
        tally_launch(o, &up, &res);
        if ((st = log_call(o, &up, now, res.accepted, err)))
            return st;
        down.count = res.accepted;
        if (down.count <= 0)
            return SC_OK;
        if ((st = sc_provider_apply(o->prov, &down, now, &res, err)))
            return st;
        return log_call(o, &down, now, res.accepted, err);
    }
    if ((st = sc_provider_apply(o->prov, a, now, &res, err)))
        return st;
    tally_launch(o, a, &res);
    return log_call(o, a, now, res.accepted, err);
}

/* ---- pending actions ------------------------------------------------------------- */

static int before(const sc_orch *o, uint32_t x, uint32_t y)
{
    const pend *a = &o->slots[x], *b = &o->slots[y];
    if (a->act.issue_ms != b->act.issue_ms)
        return a->act.issue_ms < b->act.issue_ms;
    return a->seq < b->seq;
}

static sc_status heap_push(sc_orch *o, uint32_t slot)
{
    if (o->n_heap == o->cap_heap) {
        size_t nc = o->cap_heap ? o->cap_heap * 2 : 64;
        uint32_t *nh = realloc(o->heap, nc * sizeof *nh);
        if (!nh)
            return SC_ERR_NOMEM;
        o->heap = nh;
        o->cap_heap = nc;
    }
    size_t i = o->n_heap++;
    while (i > 0) {
        size_t parent = (i - 1) / 2;
        if (!before(o, slot, o->heap[parent]))
            break;
        o->heap[i] = o->heap[parent];
        i = parent;
    }
    o->heap[i] = slot;
    return SC_OK;
}

static uint32_t heap_pop(sc_orch *o)
{
    uint32_t top = o->heap[0];
    uint32_t last = o->heap[--o->n_heap];
    size_t n = o->n_heap, i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && before(o, o->heap[c + 1], o->heap[c]))
            c++;
        if (!before(o, o->heap[c], last))
            break;
        o->heap[i] = o->heap[c];
        i = c;
    }
    if (n > 0)
        o->heap[i] = last;
    return top;
}

static sc_status slot_alloc(sc_orch *o, uint32_t *out)
{
    if (o->free_head != NO_SLOT) {
        *out = o->free_head;
        o->free_head = o->slots[*out].next_free;
        return SC_OK;
    }
    if (o->n_slots == o->cap_slots) {
        if (o->cap_slots >= NO_SLOT / 2)
            return SC_ERR_NOMEM;
        uint32_t nc = o->cap_slots ? o->cap_slots * 2 : 64;
        pend *ns = realloc(o->slots, nc * sizeof *ns);
        if (!ns)
            return SC_ERR_NOMEM;
        o->slots = ns;
        o->cap_slots = nc;
    }
    *out = o->n_slots++;
    return SC_OK;
}

static void slot_release(sc_orch *o, uint32_t slot)
{
    o->slots[slot].live = 0;
    o->slots[slot].next_free = o->free_head;
    o->free_head = slot;
    o->n_pending--;
}

static sc_status keep_pending(sc_orch *o, const sc_action *a, sc_error *err)
{
    uint32_t slot;
    if (slot_alloc(o, &slot))
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "orchestrator: out of memory");
    pend *p = &o->slots[slot];
    p->act = *a;
    p->seq = o->next_seq++;
    p->live = 1;
    p->next_free = NO_SLOT;
    o->n_pending++;
    sc_status st;
    if (o->cfg.schedule) {
        if ((st = o->cfg.schedule(o->cfg.ctx, a->issue_ms, slot))) {
            slot_release(o, slot);
            return sc_error_set(err, st, NULL,
                                "orchestrator: scheduling an action for later failed");
        }
    } else if (heap_push(o, slot)) {
        slot_release(o, slot);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "orchestrator: out of memory");
    }
    return SC_OK;
}

sc_status sc_orch_submit(sc_orch *o, const sc_plan *plan, sc_time_ms now, sc_error *err)
{
    for (size_t i = 0; i < plan->n; i++) {
        const sc_action *a = &plan->actions[i];
        sc_status st = a->issue_ms <= now ? issue(o, a, now, err) : keep_pending(o, a, err);
        if (st)
            return st;
    }
    return SC_OK;
}

sc_status sc_orch_issue_pending(sc_orch *o, uint64_t id, sc_time_ms now, sc_error *err)
{
    if (!o->cfg.schedule || id >= o->n_slots || !o->slots[id].live)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "orchestrator: no pending action %llu", (unsigned long long)id);
    sc_action a = o->slots[id].act;
    slot_release(o, (uint32_t)id);
    return issue(o, &a, now, err);
}

sc_time_ms sc_orch_next_due(const sc_orch *o)
{
    return o->n_heap ? o->slots[o->heap[0]].act.issue_ms : SC_TIME_MAX;
}

sc_status sc_orch_run_due(sc_orch *o, sc_time_ms now, sc_error *err)
{
    while (o->n_heap && o->slots[o->heap[0]].act.issue_ms <= now) {
        uint32_t slot = heap_pop(o);
        sc_action a = o->slots[slot].act;
        slot_release(o, slot);
        sc_status st = issue(o, &a, now, err);
        if (st)
            return st;
    }
    return SC_OK;
}

size_t sc_orch_n_pending(const sc_orch *o)
{
    return o->n_pending;
}

/* ---- capacity -------------------------------------------------------------------- */

sc_status sc_orch_snapshot(sc_orch *o, const sc_pool_state **out, sc_error *err)
{
    *out = NULL;
    if (!o->cfg.sc)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "orchestrator: snapshot needs the scenario in the config");
    sc_status st = sc_provider_snapshot(o->prov, o->cfg.sc, o->snap, o->n_snap,
                                        o->snap_taken, err);
    o->snap_taken = st == SC_OK;
    if (st)
        return st;
    *out = o->snap;
    return SC_OK;
}
