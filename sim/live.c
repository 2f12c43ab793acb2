/*
 * live.c - the live loop (live.h): one policy, on a clock, over observations arriving one
 * step at a time, through the Orchestrator to a provider, every call journaled ahead and
 * checked by the guardrails.  Not a copy of sim/sim.c: no service model, no metrics of
 * its own; it is a driver over the same components (policy, sc_orch in its no-callback
 * heap mode, the provider interface), with the mock cloud of sim/mockcloud.c as the
 * shadow provider.
 *
 * The loop visits, in time order, the instants at which something is due:
 *   a step boundary   -> the metrics source delivers that step's observations (the view
 *                        holds the past only: future steps are NaN, never read);
 *   a mock event      -> sc_mock_handle (shadow mode: boots, warm-ups, drains);
 *   a pending action  -> sc_orch_run_due;
 *   a decision        -> snapshot, policy decide, journal the plan (D + P records),
 *                        group_prepare (the intents of the plan's batchable calls in one
 *                        write and one fsync: group commit), sc_orch_submit, journal the
 *                        end (E); a decision whose plan is empty is not journaled.
 * The clock only paces the loop (sc_live_clock_wait); every time handed to the core is
 * the scheduled instant, so the same journal and observations give the same calls at
 * any clock speed.
 *
 * Every provider call goes through a wrapper provider (type "live-journal") between the
 * orchestrator and the real one; it names the call with its idempotency key, answers
 * calls the journal has recorded (replay), repeats calls the journal has as issuing
 * with the same key, checks guardrails, skips mutating calls in a dry run, and journals
 * intent and answer around each new call.
 *
 * Resume: decisions found in the journal are not re-decided; their plans are submitted
 * again from the journal, so the orchestrator's pending actions and the mock's shadow
 * state are rebuilt exactly.  The policy itself starts fresh at the first new decision
 * (its inputs, the observed history, are complete; internal state such as a cooldown
 * is not restored).
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/live.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../core/live/metricsint.h"
#include "evq.h"
#include "mockcloud.h"
#include "sculpt/cloud.h"
#include "sculpt/policy.h"
#include "sculpt/simulator.h"

#define EV_MOCK_BASE 16
#define DRAIN_MS INT64_C(30000)

typedef struct live_ctx {
    const sc_live_config *cfg;
    const sc_scenario *sc;
    sc_world *world;            /* the metrics source (replay, store) */
    float **load, **ieq;        /* [ar][step] observed so far, NaN beyond */
    float *arena;
    float *load_now, *ieq_now;  /* [ar] current step */
    int64_t n_steps;
    sc_evq *q;                  /* the mock's events */
    sc_provider *inner;         /* the provider */
    sc_mock *mock;              /* when inner is the mock */
    int real;                   /* inner changes real state */
    sc_provider *wrap;          /* journaling wrapper the orchestrator calls */
    sc_orch *orch;
    sc_journal *j;
    sc_guard *guard;
    sc_time_ms key_t;           /* time of the last call, and calls made at it */
    int key_n;
    sc_time_ms batch_t;         /* h-gcommit: keys "<batch_t>-n", batch_lo <= n < batch_hi, */
    int batch_lo, batch_hi;     /* were journaled by group_prepare, not yet made */
    int group;                  /* group commit on (not a dry run) */
    sc_live_summary *sum;
    /* ---- monitoring sources (core/live/metricsint.h) ---- */
    sc_metrics *src;            /* prometheus:URL or an observed store; NULL = the world */
    sc_obs_writer *obs;         /* every observation appended here; NULL = no store */
    double *obs_ag;             /* [SC_SIGNAL_COUNT][n_ag] the step being observed */
    double *held_ag;            /* [n_ag] last observed load (a gap carries it forward) */
    int *slo_n, *slo_v;         /* h-live: [app * n_steps + step] measured geographies and
                                   those over the SLO (the policy view's slo_judged /
                                   slo_violated: the error-budget controller's input) */
    float **gload, **gieq;      /* h-liveroute: [ag][step] observed load and
                                   instance-equivalents per (app, geography), NaN beyond
                                   the last observed step; NULL unless sc->routed (the
                                   policy view's geo_load / geo_ieq: sculpt's "plan") */
    float *garena;              /* their cells, 2 x n_ag x n_steps */
    double *gieq_ag;            /* [n_ag] scratch: one step's geography ieq (remote) */
    double *share;              /* [n_geos x n_regions] scratch: one app's shares now */
    sc_pool_state *shadow_pools; /* [n_apps x n_regions x options] shadow report */
    FILE *shadow;               /* the shadow report's CSV, NULL = none */
} live_ctx;

/* ---- the journaling wrapper provider ------------------------------------------- */

static sc_status inner_apply(live_ctx *c, const sc_action *act, int count, const char *key,
                             const char *payload, sc_time_ms now, int replay,
                             sc_action_result *res, sc_error *err)
{
    sc_action a = *act;
    a.count = count;
    if (c->inner->type->ctrl) {
        sc_live_call lc = {.act = &a, .key = key};
        snprintf(lc.payload, sizeof lc.payload, "%s", payload ? payload : "");
        c->inner->type->ctrl(c->inner->state, SC_PROVIDER_CTRL_IDEMPOTENCY_KEY, (void *)key,
                             NULL);
        c->inner->type->ctrl(c->inner->state, SC_PROVIDER_CTRL_CALL, &lc, NULL);
    }
    sc_status st = sc_provider_apply(c->inner, &a, now, res, err);
    if (st == SC_OK && res->throttled && !replay)
        c->sum->throttles++;
    return st;
}

/* Journal a call not made (I then S): why is the rule, "dry-run" or a guardrail's. */
static sc_status journal_skip(live_ctx *c, sc_journal_call *call, const char *why,
                              sc_error *err)
{
    call->state = SC_JOURNAL_SKIPPED;
    snprintf(call->why, sizeof call->why, "%s", why);
    sc_status st = sc_journal_call_begin(c->j, call, err);
    if (!st)
        st = sc_journal_call_end(c->j, call, err);
    return st;
}

static sc_status wrap_apply(void *state, const sc_action *act, sc_time_ms now,
                            sc_action_result *res, sc_error *err)
{
    live_ctx *c = *(live_ctx **)state;
    if (now != c->key_t) {
        c->key_t = now;
        c->key_n = 0;
    }
    sc_journal_call call;
    memset(&call, 0, sizeof call);
    snprintf(call.key, sizeof call.key, "%" PRId64 "-%d", now, c->key_n++);
    call.t = now;
    call.kind = (int)act->kind;
    call.app = act->app;
    call.region = act->region;
    call.type = act->type;
    call.option = (int)act->option;
    call.requested = act->count;
    /* h-clouds: a set_weight is journaled with the geography as its type and the weight
     * as its request; only the kill switch and allowed regions stop it (the change
     * limits count instances, which it does not change) */
    int routing = act->kind == SC_ACTION_SET_WEIGHT;
    if (routing) {
        call.type = act->geo;
        call.requested = act->weight;
    }
    double upfront = 0.0; /* h-live: an upfront price the call commits (PREPARE) */
    int batched = 0;      /* h-gcommit: journaled by group_prepare */
    const sc_journal_call *rec = sc_journal_find(c->j, call.key);
    if (rec && rec->state == SC_JOURNAL_SKIPPED && strcmp(rec->why, "dry-run") == 0 &&
        c->real && c->cfg->execute)
        rec = NULL; /* planned in a dry run, never made: make it now */
    if (rec) {
        if (rec->kind != call.kind || rec->app != call.app || rec->region != call.region ||
            rec->type != call.type || rec->option != call.option ||
            rec->requested != call.requested)
            return sc_error_set(err, SC_ERR_INPUT, c->cfg->journal_path,
                                "journal call %s does not match the replayed plan (journal: "
                                "%s of %d, plan: %s of %d); was the scenario or policy "
                                "changed?",
                                call.key, sc_action_kind_name((sc_action_kind)rec->kind),
                                rec->requested, sc_action_kind_name(act->kind), act->count);
        if (rec->state == SC_JOURNAL_DONE || rec->state == SC_JOURNAL_SKIPPED) {
            *res = rec->res;
            c->sum->journal_replayed++;
            if (rec->state == SC_JOURNAL_DONE && c->real && c->inner->type->ctrl) {
                /* h-live: a real adapter learns what the journal says it did */
                sc_live_call lc = {.act = act, .key = call.key};
                snprintf(lc.payload, sizeof lc.payload, "%s", rec->payload);
                c->inner->type->ctrl(c->inner->state, SC_PROVIDER_CTRL_REPLAYED, &lc, NULL);
            }
            if (rec->state == SC_JOURNAL_DONE && !c->real && rec->count > 0) {
                /* rebuild the shadow cloud: the mock is no real state */
                sc_action_result r2;
                sc_status st =
                    inner_apply(c, act, rec->count, call.key, rec->payload, now, 1, &r2, err);
                if (st)
                    return st;
            }
            if (!routing)
                sc_guard_commit(c->guard, act, now, res->accepted);
            if (rec->state == SC_JOURNAL_DONE) /* paid before the crash: in the window */
                sc_guard_commit_upfront(c->guard, now, rec->upfront_usd);
            return SC_OK;
        }
        /* ISSUING: the crash window.  Repeat with the same key and count (and count its
         * upfront price, read back from the journal, when it is answered).  h-gcommit: or
         * a call of this decision's group commit, journaled and counted by the guard at
         * group_prepare, now made for the first time. */
        call = *rec;
        upfront = rec->upfront_usd;
        batched = now == c->batch_t && c->key_n - 1 >= c->batch_lo &&
                  c->key_n - 1 < c->batch_hi;
        if (!batched)
            c->sum->retries++;
    } else {
        int allowed = act->count;
        const char *rule = "";
        sc_guard_check(c->guard, act, now, &allowed, &rule);
        if (routing) /* count 0: only the kill switch and regions set a rule */
            allowed = rule[0] ? 0 : 1;
        call.count = allowed;
        int dry = c->real && !c->cfg->execute;
        if (allowed == 0) {
            c->sum->guard_cut++;
            return journal_skip(c, &call, rule, err);
        }
        if (c->inner->type->ctrl) {
            /* the call's absolute form, written ahead; a dry run prepares it too (PREPARE
             * reads, never changes), so its journal names what the call would commit */
            sc_action a = *act;
            a.count = allowed;
            sc_live_call lc = {.act = &a, .key = call.key};
            sc_status pst = c->inner->type->ctrl(c->inner->state, SC_PROVIDER_CTRL_PREPARE,
                                                 &lc, err);
            if (pst == SC_OK) {
                snprintf(call.payload, sizeof call.payload, "%s", lc.payload);
                call.upfront_usd = lc.upfront_usd > 0 ? lc.upfront_usd : 0.0;
                snprintf(call.commits, sizeof call.commits, "%s", lc.commits);
            } else if (pst != SC_ERR_NOTFOUND && pst != SC_ERR_INTERNAL) {
                return pst; /* the adapter could not read the state it needs */
            }
            /* h-live: an upfront price (a reservation bought with the provision) is
             * counted by the budget cap; over it, the whole call is refused */
            const char *urule = "";
            if (pst == SC_OK && lc.upfront_usd > 0 &&
                !sc_guard_check_upfront(c->guard, &a, now, lc.upfront_usd, &urule)) {
                call.count = 0;
                call.payload[0] = '\0';
                c->sum->guard_cut++;
                return journal_skip(c, &call, urule, err);
            }
            upfront = call.upfront_usd;
        }
        if (dry)
            return journal_skip(c, &call, "dry-run", err);
        if (allowed < act->count && !routing)
            c->sum->guard_cut++;
        sc_status st = sc_journal_call_begin(c->j, &call, err);
        if (st)
            return st;
    }
    sc_status st = inner_apply(c, act, call.count, call.key, call.payload, now, 0, res, err);
    if (st)
        return st;
    c->sum->calls_mutating++;
    call.state = SC_JOURNAL_DONE;
    call.res = *res;
    if ((st = sc_journal_call_end(c->j, &call, err)))
        return st;
    if (!routing && !batched)
        sc_guard_commit(c->guard, act, now, res->accepted);
    sc_guard_commit_upfront(c->guard, now, upfront);
    return SC_OK;
}

static sc_status wrap_describe(void *state, int app, int region, int type, sc_purchase option,
                               sc_pool_state *out, sc_error *err)
{
    live_ctx *c = *(live_ctx **)state;
    c->sum->calls_read_only++;
    return sc_provider_describe(c->inner, app, region, type, option, out, err);
}

static sc_status wrap_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                               sc_error *err)
{
    live_ctx *c = *(live_ctx **)state;
    c->sum->calls_read_only++;
    return sc_provider_snapshot(c->inner, c->sc, out, n, since_last, err);
}

/* ---- group commit (h-gcommit; design in core/live/README.md) --------------------- */

/* Journal ahead, in one write and one fsync, the calls that sc_orch_submit is about to
 * make for plan at t: the longest prefix of its immediate actions that are provisions
 * or deprovisions of on-demand or spot pools, each (app, region) at most once (an
 * adapter's absolute target is computed from its cached state: AWS keeps an app-region's
 * on-demand and spot pools in one group, so a second prepared-but-unmade call there
 * would start from a stale size), the guardrails letting them through whole or cut
 * (not to zero) and no upfront price.  The prefix stops at anything else (a resize or
 * relocate makes one or two calls, a set_weight may combine with others of the app, a
 * reserved provision's Reserved Instance target spans the region), so keys stay in
 * step with wrap_apply's and the guard sees the calls in plan order as before.  Each
 * call's allowed count is committed to the guard here (its answer cannot raise it; a
 * smaller accepted count leaves the guard conservative).  wrap_apply then finds each one
 * ISSUING with its key and payload, as a resume would, and makes it: the write-ahead
 * rule holds (every intent durable before the first call), and a crash leaves at most
 * the batch ISSUING, each repeated with its key and absolute form on resume. */
static sc_status group_prepare(live_ctx *c, const sc_plan *plan, sc_time_ms t, sc_error *err)
{
    c->batch_lo = c->batch_hi = 0;
    if (!c->group || !plan->n)
        return SC_OK;
    if (t != c->key_t) {
        c->key_t = t;
        c->key_n = 0;
    }
    const sc_scenario *sc = c->sc;
    sc_journal_call *b = calloc(plan->n, sizeof *b);
    unsigned char *seen = calloc(sc->n_apps * sc->n_regions + 1, 1);
    if (!b || !seen) {
        free(b);
        free(seen);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    size_t nb = 0;
    sc_status st = SC_OK;
    for (size_t i = 0; i < plan->n; i++) {
        const sc_action *act = &plan->actions[i];
        if (act->issue_ms > t)
            continue; /* kept pending by the orchestrator: no call now */
        if ((act->kind != SC_ACTION_PROVISION && act->kind != SC_ACTION_DEPROVISION) ||
            act->option == SC_PURCHASE_RESERVED || act->count <= 0 || act->app < 0 ||
            (size_t)act->app >= sc->n_apps || act->region < 0 ||
            (size_t)act->region >= sc->n_regions)
            break;
        size_t ar = (size_t)act->app * sc->n_regions + (size_t)act->region;
        if (seen[ar])
            break;
        int allowed = act->count;
        const char *rule = "";
        sc_guard_check(c->guard, act, t, &allowed, &rule);
        if (allowed <= 0)
            break; /* skipped: wrap_apply journals why */
        sc_journal_call *call = &b[nb];
        snprintf(call->key, sizeof call->key, "%" PRId64 "-%d", t, c->key_n + (int)nb);
        call->t = t;
        call->kind = (int)act->kind;
        call->app = act->app;
        call->region = act->region;
        call->type = act->type;
        call->option = (int)act->option;
        call->requested = act->count;
        call->count = allowed;
        if (c->inner->type->ctrl) {
            sc_action a = *act;
            a.count = allowed;
            sc_live_call lc = {.act = &a, .key = call->key};
            sc_status pst = c->inner->type->ctrl(c->inner->state, SC_PROVIDER_CTRL_PREPARE,
                                                 &lc, err);
            if (pst != SC_OK && pst != SC_ERR_NOTFOUND && pst != SC_ERR_INTERNAL) {
                st = pst;
                break;
            }
            if (pst == SC_OK && (lc.upfront_usd > 0 || lc.commits[0]))
                break; /* a purchase: wrap_apply checks its price */
            if (pst == SC_OK)
                snprintf(call->payload, sizeof call->payload, "%s", lc.payload);
        }
        call->state = SC_JOURNAL_ISSUING;
        seen[ar] = 1;
        if (allowed < act->count)
            c->sum->guard_cut++;
        sc_guard_commit(c->guard, act, t, allowed);
        nb++;
    }
    free(seen);
    if (!st && nb && !(st = sc_journal_call_begin_many(c->j, b, nb, err))) {
        c->batch_t = t;
        c->batch_lo = c->key_n;
        c->batch_hi = c->key_n + (int)nb;
    }
    free(b);
    return st;
}

static const sc_provider_type wrap_type = {
    .name = "live-journal",
    .version = 2,
    .state_size = sizeof(live_ctx *),
    .apply = wrap_apply,
    .describe = wrap_describe,
    .snapshot = wrap_snapshot,
};

/* ---- set-up ---------------------------------------------------------------------- */

static sc_status build_source(live_ctx *c, sc_error *err)
{
    const char *m = c->cfg->metrics ? c->cfg->metrics : "replay";
    sc_scenario *sc = (sc_scenario *)c->sc;
    int observed_store = strncmp(m, "store:", 6) == 0 && m[6] &&
                         sc_metrics_store_has_observations(m + 6, sc);
    if (strncmp(m, "prometheus:", 11) == 0 || strcmp(m, "cloudwatch") == 0 || observed_store) {
        /* observations from outside: the world gives the structure (steps, routing
         * shares), the source gives every step's loads and SLO signals */
        sc_metrics_section sec;
        sc_status mst = sc_metrics_section_read(sc, &sec, err);
        if (!mst && c->cfg->metrics_endpoint && c->cfg->metrics_endpoint[0])
            snprintf(sec.cw_endpoint, sizeof sec.cw_endpoint, "%s", c->cfg->metrics_endpoint);
        if (!mst)
            mst = sc_metrics_open(m, sc, &sec, &c->src, err);
        if (mst)
            return mst;
        /* the first step now, before anything is written: an unreachable server, a
         * refused query or a load query without series stops here */
        if ((mst = sc_metrics_fetch(c->src, 0, 0, 1, err)))
            return mst;
        c->sum->remote = 1;
    } else if (strncmp(m, "store:", 6) == 0) {
        const char *path = m + 6;
        if (!*path)
            return sc_error_set(err, SC_ERR_USAGE, "--metrics",
                                "store:PATH needs the path of an HDF5 store");
        /* Every trace of the scenario is read from the store under its own series key
         * (a store trace keeps its series; a synthetic one is "app/geo/metric", the key
         * `sculpt trace gen` writes). */
        for (size_t i = 0; i < sc->n_traces; i++) {
            sc_trace_ref *tr = &sc->traces[i];
            if (tr->kind == SC_TRACE_CSV)
                return sc_error_set(err, SC_ERR_INPUT, sc->path,
                                    "trace '%s' is a CSV file: --metrics store:PATH reads "
                                    "store or synthetic series keys only",
                                    tr->name);
            tr->kind = SC_TRACE_STORE;
            snprintf(tr->path, sizeof tr->path, "%s", path);
        }
    } else if (strcmp(m, "replay") != 0) {
        return sc_error_set(err, SC_ERR_USAGE, "--metrics",
                            "unknown metrics source '%s' (valid: replay, store:PATH, "
                            "prometheus:URL, cloudwatch)",
                            m);
    }
    sc_status st = sc_world_build_layout(sc, -1, &c->world, err); /* whole: read per step */
    if (st)
        return st;
    const sc_world *w = c->world;
    c->n_steps = w->n_steps;
    size_t cells = w->n_ar * (size_t)w->n_steps;
    c->arena = malloc((2 * cells + 2 * w->n_ar + 1) * sizeof *c->arena);
    c->load = calloc(w->n_ar + 1, sizeof *c->load);
    c->ieq = calloc(w->n_ar + 1, sizeof *c->ieq);
    if (!c->arena || !c->load || !c->ieq)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    for (size_t i = 0; i < 2 * cells; i++)
        c->arena[i] = NAN;
    for (size_t ar = 0; ar < w->n_ar; ar++) {
        c->load[ar] = c->arena + ar * (size_t)w->n_steps;
        c->ieq[ar] = c->arena + cells + ar * (size_t)w->n_steps;
    }
    c->load_now = c->arena + 2 * cells;
    c->ieq_now = c->load_now + w->n_ar;
    if (c->src) { /* h-live: measured SLO outcomes for the policy (its view) */
        c->slo_n = calloc(c->sc->n_apps * (size_t)w->n_steps + 1, sizeof *c->slo_n);
        c->slo_v = calloc(c->sc->n_apps * (size_t)w->n_steps + 1, sizeof *c->slo_v);
        if (!c->slo_n || !c->slo_v)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    if (sc->routed) { /* h-liveroute: per-geography demand for routing "plan" */
        size_t gcells = w->n_ag * (size_t)w->n_steps;
        c->garena = malloc((2 * gcells + 1) * sizeof *c->garena);
        c->gload = calloc(w->n_ag + 1, sizeof *c->gload);
        c->gieq = calloc(w->n_ag + 1, sizeof *c->gieq);
        c->gieq_ag = calloc(w->n_ag + 1, sizeof *c->gieq_ag);
        c->share = calloc(sc->n_geos * sc->n_regions + 1, sizeof *c->share);
        if (!c->garena || !c->gload || !c->gieq || !c->gieq_ag || !c->share)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        for (size_t i = 0; i < 2 * gcells; i++)
            c->garena[i] = NAN;
        for (size_t ag = 0; ag < w->n_ag; ag++) {
            c->gload[ag] = c->garena + ag * (size_t)w->n_steps;
            c->gieq[ag] = c->garena + gcells + ag * (size_t)w->n_steps;
        }
    }
    c->obs_ag = calloc(SC_SIGNAL_COUNT * w->n_ag + 1, sizeof *c->obs_ag);
    c->held_ag = calloc(w->n_ag + 1, sizeof *c->held_ag);
    if (!c->obs_ag || !c->held_ag)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    return SC_OK;
}

/* A revision boundary for providers that batch (terraform): after a decision and after
 * due actions.  The journal says whether this revision was already applied. */
static sc_status revision(live_ctx *c, sc_time_ms t, sc_error *err)
{
    if (!c->inner->type->ctrl)
        return SC_OK;
    sc_cloud_revision rv = {.t = t, .replaying = sc_journal_has_revision(c->j, t)};
    sc_status st = c->inner->type->ctrl(c->inner->state, SC_PROVIDER_CTRL_REVISION, &rv, err);
    if (st == SC_ERR_NOTFOUND || st == SC_ERR_INTERNAL)
        return SC_OK;
    if (st)
        return st;
    if (rv.written && !rv.replaying)
        return sc_journal_revision_done(c->j, t, err);
    return SC_OK;
}

/* The shadow report: one row per step and pool with its observed load, the instances
 * that load needs at the app's target utilisation, and the capacity the shadow cloud
 * holds (requested: booting + warming + ready + interrupting). */
static sc_status shadow_row(live_ctx *c, int64_t k, sc_error *err)
{
    const sc_scenario *sc = c->sc;
    /* describe, not snapshot: a snapshot resets the mock's changed-since-last list,
     * which the orchestrator's own snapshots rely on */
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++)
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                sc_status st = sc_provider_describe(
                    c->inner, (int)a, (int)r, sc->apps[a].instance_type, (sc_purchase)o,
                    &c->shadow_pools[(a * sc->n_regions + r) * SC_PURCHASE_COUNT + (size_t)o],
                    err);
                if (st)
                    return st;
            }
    char tb[32];
    sc_time_format(sc->start + k * sc->step_ms, tb, sizeof tb);
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            long held = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                const sc_pool_state *p = &c->shadow_pools[ar * SC_PURCHASE_COUNT + (size_t)o];
                held += p->booting + p->warming + p->ready + p->interrupting;
            }
            double tu = sc->apps[a].target_util > 0 ? sc->apps[a].target_util : 1.0;
            fprintf(c->shadow, "%s,%s,%s,%d,%.6g,%.6g,%ld\n", tb, sc->apps[a].name,
                    sc->regions[r].name, k < c->world->warmup_steps ? 0 : 1,
                    (double)c->load_now[ar], (double)c->ieq_now[ar] / tu, held);
        }
    if (ferror(c->shadow))
        return sc_error_set(err, SC_ERR_IO, c->cfg->shadow_csv, "cannot write the shadow report");
    return SC_OK;
}

/* h-liveroute: in shadow mode with routing, the current step's rows per region as the
 * shadow cloud routes them now: each geography's observed load and instance-equivalents
 * times the mock's shares at t (sc_mock_route_shares: weights as propagated, health
 * checks, spill), as the simulator gives its policies at a decision (sim/sim.c,
 * routed_demand).  Without it the rows keep the start-of-run shares, and a region that
 * handed its geography away would still look loaded (sculpt's capacity-before-route
 * gate would hold the way back).  A real cloud's rows come from its per-region
 * measurements; that is not done here (README, live section). */
static void shadow_route(live_ctx *c, int64_t k, sc_time_ms t)
{
    const sc_scenario *sc = c->sc;
    size_t nr = sc->n_regions, ng = sc->n_geos;
    if (!c->mock || !c->gload || k < 0)
        return;
    for (size_t a = 0; a < sc->n_apps; a++) {
        for (size_t g = 0; g < ng; g++)
            c->gieq_ag[g] = c->gieq[a * ng + g][k];
        sc_mock_route_shares(c->mock, (int)a, t, c->gieq_ag, c->share);
        for (size_t r = 0; r < nr; r++)
            c->load_now[a * nr + r] = c->ieq_now[a * nr + r] = 0.0f;
        for (size_t g = 0; g < ng; g++) {
            double L = c->gload[a * ng + g][k], E = c->gieq[a * ng + g][k];
            for (size_t r = 0; r < nr; r++) {
                double sh = c->share[g * nr + r];
                if (sh > 0) {
                    c->load_now[a * nr + r] += (float)(sh * L);
                    c->ieq_now[a * nr + r] += (float)(sh * E);
                }
            }
        }
        for (size_t r = 0; r < nr; r++) {
            c->load[a * nr + r][k] = c->load_now[a * nr + r];
            c->ieq[a * nr + r][k] = c->ieq_now[a * nr + r];
        }
    }
}

/* Deliver step k's observations: from the world (replay, trace stores) or from the
 * source's last fetch; append them to the store; count the SLO signal. */
static sc_status observe(live_ctx *c, int64_t k, sc_error *err)
{
    const sc_world *w = c->world;
    const sc_scenario *sc = c->sc;
    size_t n_ag = w->n_ag;
    double *load = c->obs_ag, *lat = c->obs_ag + n_ag, *erq = c->obs_ag + 2 * n_ag;
    if (c->src) {
        for (size_t ag = 0; ag < n_ag; ag++) {
            load[ag] = sc_metrics_value(c->src, SC_SIGNAL_LOAD, ag, k);
            lat[ag] = sc_metrics_value(c->src, SC_SIGNAL_LATENCY, ag, k);
            erq[ag] = sc_metrics_value(c->src, SC_SIGNAL_ERRORS, ag, k);
            if (isnan(load[ag]))
                c->sum->obs_gaps++; /* a gap, not a zero: the last reading stands */
            else
                c->held_ag[ag] = load[ag];
        }
        sc_metrics_route(w, c->held_ag, c->load_now, c->ieq_now);
        for (size_t ar = 0; ar < w->n_ar; ar++) {
            c->load[ar][k] = c->load_now[ar];
            c->ieq[ar][k] = c->ieq_now[ar];
        }
        if (c->gload) { /* h-liveroute: the geography's demand, as it was measured */
            sc_metrics_geo_ieq(w, c->held_ag, c->gieq_ag);
            for (size_t ag = 0; ag < n_ag; ag++) {
                c->gload[ag][k] = (float)c->held_ag[ag];
                c->gieq[ag][k] = (float)c->gieq_ag[ag];
            }
        }
        for (size_t ag = 0; ag < n_ag; ag++) {
            if (isnan(lat[ag]))
                continue;
            size_t a = ag / sc->n_geos;
            const sc_slo *slo = &sc->apps[a].slo;
            int met = lat[ag] <= slo->latency_ms &&
                      (isnan(erq[ag]) || erq[ag] <= slo->max_unserved_frac);
            /* h-live: every measured step reaches the policy's error budget (as the
             * simulator's controller judges warm-up steps too); attainment is reported
             * over the measured period only */
            c->slo_n[a * (size_t)c->n_steps + (size_t)k]++;
            c->slo_v[a * (size_t)c->n_steps + (size_t)k] += !met;
            if (k >= w->warmup_steps) {
                c->sum->slo_steps++;
                c->sum->slo_met += met;
            }
        }
    } else {
        for (size_t ar = 0; ar < w->n_ar; ar++) {
            c->load[ar][k] = c->load_now[ar] = w->load_ar[ar][k];
            c->ieq[ar][k] = c->ieq_now[ar] = w->ieq_ar[ar][k];
        }
        for (size_t ag = 0; ag < n_ag; ag++)
            load[ag] = w->load_ag[ag][k];
        for (size_t ag = 0; c->gload && ag < n_ag; ag++) { /* h-liveroute */
            c->gload[ag][k] = w->load_ag[ag][k];
            c->gieq[ag][k] = w->ieq_ag[ag][k];
        }
    }
    if (c->obs) {
        const double *rows[SC_SIGNAL_COUNT] = {load, c->src ? lat : NULL, c->src ? erq : NULL};
        sc_status st = sc_obs_writer_add(c->obs, k, rows, err);
        if (st)
            return st;
    }
    c->sum->steps++;
    return c->shadow ? shadow_row(c, k, err) : SC_OK;
}

static void print_plan(FILE *fp, const sc_scenario *sc, sc_time_ms t, const sc_plan *plan,
                       int replayed)
{
    char tb[32], ib[32];
    sc_time_format(t, tb, sizeof tb);
    for (size_t i = 0; i < plan->n; i++) {
        const sc_action *a = &plan->actions[i];
        sc_time_format(a->issue_ms, ib, sizeof ib);
        if (a->kind == SC_ACTION_SET_WEIGHT) { /* h-clouds: a weight, not a count */
            fprintf(fp, "%s %s set_weight %s/%s geo %s weight %d at %s\n", tb,
                    replayed ? "replayed" : "plan", sc->apps[a->app].name,
                    sc->regions[a->region].name, sc->geos[a->geo].name, a->weight, ib);
            continue;
        }
        fprintf(fp, "%s %s %s %s/%s %s x%d at %s%s%s%s\n", tb, replayed ? "replayed" : "plan",
                sc_action_kind_name(a->kind), sc->apps[a->app].name,
                sc->regions[a->region].name, sc_purchase_name(a->option), a->count, ib,
                a->reason ? " (" : "", a->reason ? a->reason : "", a->reason ? ")" : "");
    }
}

static void ctx_cleanup(live_ctx *c)
{
    sc_orch_free(c->orch);
    sc_provider_free(c->wrap);
    sc_provider_free(c->inner);
    sc_evq_free(c->q);
    sc_journal_close(c->j);
    sc_guard_free(c->guard);
    sc_world_free(c->world);
    sc_metrics_free(c->src);
    sc_obs_writer_close(c->obs, NULL, NULL); /* an error path: flush what was observed */
    free(c->obs_ag);
    free(c->held_ag);
    free(c->slo_n);
    free(c->slo_v);
    free(c->shadow_pools);
    if (c->shadow)
        fclose(c->shadow);
    free(c->load);
    free(c->ieq);
    free(c->arena);
    free(c->gload);
    free(c->gieq);
    free(c->garena);
    free(c->gieq_ag);
    free(c->share);
}

/* ---- the loop -------------------------------------------------------------------- */

sc_status sc_live_run(const sc_live_config *cfg, sc_live_summary *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    const sc_scenario *sc = cfg->sc;
    live_ctx c;
    memset(&c, 0, sizeof c);
    c.cfg = cfg;
    c.sc = sc;
    c.sum = out;
    c.key_t = SC_TIME_MIN;
    sc_policy *pol = NULL;
    sc_routing *routing = NULL;
    sc_plan plan;
    sc_plan_init(&plan);
    sc_status st;
    const sc_policy_type *pt;
    if ((st = sc_policy_find(cfg->policy->name, &pt, err)))
        goto done;
    if (pt->clairvoyant) {
        st = sc_error_set(err, SC_ERR_INPUT, sc->path,
                          "policy '%s' (%s) is clairvoyant: it reads the future, which live "
                          "mode cannot; pick another with --policy",
                          cfg->policy->label, cfg->policy->name);
        goto done;
    }
    if (!cfg->journal_path) {
        st = sc_error_set(err, SC_ERR_USAGE, NULL, "live mode needs a journal path");
        goto done;
    }
    if ((st = build_source(&c, err)))
        goto done;
    sc_time_ms scen_end = sc->start + c.n_steps * sc->step_ms;
    /* The provider first: bad input there (endpoint, credentials) leaves no journal. */
    const char *pname = cfg->provider ? cfg->provider : "mock";
    const sc_provider_type *prt;
    if ((st = sc_provider_find(pname, &prt, err)))
        goto done;
    if (prt == &sc_mock_provider_type) {
        if (sc_evq_alloc(1024, &c.q)) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            goto done;
        }
        sc_mock_config mc = {.sc = sc, .q = c.q, .event_base = EV_MOCK_BASE,
                             .start_ms = sc->start, .end_ms = scen_end, .drain_ms = DRAIN_MS};
        if ((st = sc_provider_alloc(prt, &mc, &c.inner, err)))
            goto done;
        c.mock = sc_mock_of(c.inner);
        for (size_t a = 0; a < sc->n_apps; a++)
            for (size_t i = 0; i < sc->apps[a].n_initial; i++) {
                const sc_initial_alloc *ia = &sc->apps[a].initial[i];
                if ((st = sc_mock_seed(c.mock, (int)a, ia->region, sc->apps[a].instance_type,
                                       ia->option, ia->count, err)))
                    goto done;
            }
        c.real = 0;
    } else {
        if ((st = sc_provider_alloc(prt, cfg->provider_config, &c.inner, err)))
            goto done;
        int is_real = 1;
        if (prt->ctrl)
            prt->ctrl(c.inner->state, SC_PROVIDER_CTRL_IS_REAL, &is_real, NULL);
        c.real = is_real != 0;
    }
    c.group = !cfg->no_group_commit && !(c.real && !cfg->execute); /* h-gcommit */
    if ((st = sc_journal_open(cfg->journal_path, sc, cfg->policy->label, sc->start, &c.j, err)))
        goto done;
    sc_time_ms origin = sc_journal_origin(c.j);
    if (c.inner->type->ctrl) { /* h-live: the plan id the adapter derives its tokens from */
        char pid[SC_LIVE_PLAN_ID_MAX];
        sc_live_plan_id(sc, cfg->policy->label, origin, pid);
        c.inner->type->ctrl(c.inner->state, SC_PROVIDER_CTRL_PLAN_ID, pid, NULL);
    }
    if (origin < sc->start || origin > scen_end) {
        st = sc_error_set(err, SC_ERR_INPUT, cfg->journal_path,
                          "the journal's origin (%" PRId64 ") is outside the scenario's "
                          "period [%" PRId64 ", %" PRId64 "]",
                          origin, sc->start, scen_end);
        goto done;
    }
    {
        /* the store of observations: --store, else $.live.metrics.store */
        sc_metrics_section msec;
        const char *store = cfg->store_path;
        if (!store) {
            if ((st = sc_metrics_section_read(sc, &msec, err)))
                goto done;
            store = msec.store;
        }
        if (store[0] && (st = sc_obs_writer_open(store, sc, &c.obs, err)))
            goto done;
        if (cfg->shadow_csv && c.mock) {
            c.shadow_pools = calloc(sc->n_apps * sc->n_regions * SC_PURCHASE_COUNT + 1,
                                    sizeof *c.shadow_pools);
            c.shadow = fopen(cfg->shadow_csv, "w");
            if (!c.shadow_pools || !c.shadow) {
                st = sc_error_set(err, SC_ERR_IO, cfg->shadow_csv,
                                  "cannot create the shadow report");
                goto done;
            }
            fprintf(c.shadow, "time,app,region,measured,observed_load,needed_instances,"
                              "planned_instances\n");
        }
    }
    sc_time_ms end = cfg->until_ms > 0 ? sc_time_add(origin, cfg->until_ms) : scen_end;
    if (end > scen_end)
        end = scen_end;
    {
        sc_guard_config none;
        sc_guard_config_init(&none);
        if ((st = sc_guard_alloc(cfg->guard ? cfg->guard : &none, sc, &c.guard, err)))
            goto done;
    }
    sc_journal_set_sync(c.j, cfg->execute);
    if ((st = sc_provider_alloc(&wrap_type, NULL, &c.wrap, err)))
        goto done;
    *(live_ctx **)c.wrap->state = &c;
    sc_orch_config oc = {.sc = sc, .count_from_ms = SC_TIME_MIN};
    if ((st = sc_orch_alloc(c.wrap, &oc, &c.orch, err)))
        goto done;
    char where[1200];
    snprintf(where, sizeof where, "%s: policy '%s'", sc->path, cfg->policy->label);
    if ((st = sc_policy_alloc(pt, sc, cfg->policy->params_json, where, &pol, err)))
        goto done;
    {   /* h-clouds: the routing controller next to the policy, as sim/sim.c runs it; its
         * set_weight actions reach the provider (Route 53 on aws).  On a resume it
         * starts from the scenario's weights: a repeated weight is an idempotent UPSERT. */
        sc_routing_mode rmode;
        int64_t rperiod;
        if ((st = sc_routing_from_params(sc, cfg->policy->params_json, where, &rmode, &rperiod,
                                         err)) ||
            (rmode != SC_ROUTING_HOME &&
             (st = sc_routing_alloc(sc, rmode, rperiod, &routing, err))))
            goto done;
    }
    int64_t cadence = sc_policy_cadence_ms(pol);

    size_t n_jdec, n_jact;
    const sc_journal_decision *jdec = sc_journal_decisions(c.j, &n_jdec);
    const sc_action *jact = sc_journal_actions(c.j, &n_jact);
    size_t jd = 0;
    size_t n_jdec0 = n_jdec; /* decisions to replay (the array grows as we write) */
    sc_policy_view view = {.sc = sc, .n_steps = c.n_steps,
                           .warmup_steps = c.world->warmup_steps,
                           .load = (const float *const *)c.load,
                           .ieq = (const float *const *)c.ieq,
                           .load_now = c.load_now, .ieq_now = c.ieq_now, .clairvoyant = 0,
                           .slo_judged = c.slo_n, .slo_violated = c.slo_v,
                           /* h-liveroute: per geography, observed steps only (issue 11) */
                           .geo_load = (const float *const *)c.gload,
                           .geo_ieq = (const float *const *)c.gieq,
                           .route_health = c.mock ? sc_mock_route_health(c.mock) : NULL};
    if (c.mock)
        sc_mock_route_start(c.mock); /* h-liveroute: health checks from the seeded pools */
    int64_t k_obs = -1;                 /* last observed step */
    sc_time_ms t_dec = sc->start;        /* next decision (on the policy's cadence) */
    while (t_dec < origin && cadence > 0)
        t_dec += cadence;
    sc_live_clock clock;
    int clock_started = 0;
    sc_time_ms t_prev = origin;
    int64_t report_every = c.n_steps / 10 > 0 ? c.n_steps / 10 : 1;
    for (;;) {
        sc_time_ms t_step = k_obs + 1 < c.n_steps ? sc->start + (k_obs + 1) * sc->step_ms
                                                  : SC_TIME_MAX;
        if (t_step < origin) /* steps before the origin are history: observe at once */
            t_step = origin;
        sc_time_ms t = t_step;
        if (t_dec < t)
            t = t_dec;
        sc_time_ms due = sc_orch_next_due(c.orch);
        if (due < t)
            t = due;
        sc_event ev;
        if (c.q && sc_evq_peek(c.q, &ev) && ev.time < t)
            t = ev.time;
        if (t >= end || t == SC_TIME_MAX)
            break;
        int replaying = jd < n_jdec0;
        if (!replaying) {
            if (!clock_started) {
                sc_live_clock_start(&clock, cfg->clock_speed, t_prev);
                clock_started = 1;
            }
            sc_live_clock_wait(&clock, t);
        }
        t_prev = t;
        /* 1. observations of every step that has started (one fetch for them all) */
        if (c.src && k_obs + 1 < c.n_steps && sc->start + (k_obs + 1) * sc->step_ms <= t) {
            int64_t k1 = (t - sc->start) / sc->step_ms;
            if (k1 >= c.n_steps)
                k1 = c.n_steps - 1;
            if ((st = sc_metrics_fetch(c.src, k_obs + 1, k1, 0, err)))
                goto done;
        }
        while (k_obs + 1 < c.n_steps && sc->start + (k_obs + 1) * sc->step_ms <= t) {
            if ((st = observe(&c, ++k_obs, err)))
                goto done;
            if (cfg->progress && (k_obs % report_every == 0 || k_obs + 1 == c.n_steps)) {
                char tb[32];
                fprintf(cfg->progress,
                        "live: %s step %" PRId64 "/%" PRId64 ", %ld decisions, %ld calls%s\n",
                        sc_time_format(t, tb, sizeof tb), k_obs + 1, c.n_steps, out->decisions,
                        out->calls_mutating, replaying ? " (replaying the journal)" : "");
            }
        }
        if (sc_obs_writer_pending(c.obs) >= SC_OBS_FLUSH_STEPS &&
            (st = sc_obs_writer_flush(c.obs, err)))
            goto done;
        view.step = k_obs;
        /* 2. the shadow cloud's own events */
        while (c.q && sc_evq_peek(c.q, &ev) && ev.time <= t) {
            sc_evq_pop(c.q, &ev);
            if ((st = sc_mock_handle(c.mock, &ev, err)))
                goto done;
        }
        /* 3. pending plan actions */
        if (sc_orch_next_due(c.orch) <= t &&
            ((st = sc_orch_run_due(c.orch, t, err)) || (st = revision(&c, t, err))))
            goto done;
        /* 4. a decision */
        if (t_dec == t) {
            sc_plan_clear(&plan);
            if (jd < n_jdec0 && jdec[jd].t == t) {
                const sc_journal_decision *d = &jdec[jd];
                for (size_t i = 0; i < d->n_actions; i++) {
                    if ((st = sc_plan_push(&plan, &jact[d->first_action + i]))) {
                        st = sc_error_set(err, st, NULL, "out of memory");
                        goto done;
                    }
                    if (routing) /* h-clouds: the weights already set */
                        sc_routing_note(routing, &jact[d->first_action + i]);
                }
                int complete = d->complete;
                if ((st = sc_orch_submit(c.orch, &plan, t, err)))
                    goto done;
                if (!complete && (st = sc_journal_decision_end(c.j, t, err)))
                    goto done;
                if (cfg->plan_out)
                    print_plan(cfg->plan_out, sc, t, &plan, 1);
                jd++;
                /* the journal's arrays may have moved while writing */
                jdec = sc_journal_decisions(c.j, &n_jdec);
                jact = sc_journal_actions(c.j, &n_jact);
            } else if (jd < n_jdec0 && jdec[jd].t > t) {
                /* before the journal's next decision: this one planned nothing (empty
                 * plans are not journaled) */
            } else if (jd < n_jdec0) {
                st = sc_error_set(err, SC_ERR_INPUT, cfg->journal_path,
                                  "journal has a decision at %" PRId64 " where the loop "
                                  "decides at %" PRId64 ": another policy or cadence?",
                                  jdec[jd].t, t);
                goto done;
            } else {
                if ((st = sc_orch_snapshot(c.orch, &view.pools, err)))
                    goto done;
                sc_guard_sync(c.guard, view.pools,
                              sc->n_apps * sc->n_regions * SC_PURCHASE_COUNT);
                view.now = t;
                shadow_route(&c, k_obs, t); /* h-liveroute */
                if ((st = sc_policy_decide(pol, &view, &plan, err)))
                    goto done;
                if (routing && (st = sc_routing_decide(routing, t, view.pools, &plan, err)))
                    goto done;
                /* An empty plan is not journaled (it changes nothing; on a resume the
                 * loop knows it by its absence), which keeps fsyncs to plans that act. */
                if (plan.n && (st = sc_journal_decision_begin(c.j, t, &plan, err)))
                    goto done;
                if ((st = group_prepare(&c, &plan, t, err))) /* h-gcommit */
                    goto done;
                if ((st = sc_orch_submit(c.orch, &plan, t, err)))
                    goto done;
                c.batch_lo = c.batch_hi = 0;
                if (plan.n && (st = sc_journal_decision_end(c.j, t, err)))
                    goto done;
                if (cfg->plan_out)
                    print_plan(cfg->plan_out, sc, t, &plan, 0);
                jdec = sc_journal_decisions(c.j, &n_jdec);
                jact = sc_journal_actions(c.j, &n_jact);
            }
            if ((st = revision(&c, t, err)))
                goto done;
            out->decisions++;
            out->actions_planned += (long)plan.n;
            t_dec = cadence > 0 ? sc_time_add(t_dec, cadence) : SC_TIME_MAX;
        }
    }
    if (jd < n_jdec0 && cfg->progress)
        fprintf(cfg->progress,
                "live: stopped before the journal's end (%zu of its decisions not reached)\n",
                n_jdec0 - jd);
    out->journal_written = sc_journal_n_written(c.j);
    out->journal_fsyncs = sc_journal_n_fsync(c.j); /* h-clouds; the close adds one */
    out->slo_objective = sc_scenario_slo_objective(sc);
    st = sc_obs_writer_close(c.obs, &out->obs_stored, err);
    c.obs = NULL;
    if (st)
        goto done;
    if (c.inner->type->ctrl) { /* a cloud adapter counts API calls and its retries */
        sc_cloud_stats cs;
        memset(&cs, 0, sizeof cs);
        if (c.inner->type->ctrl(c.inner->state, SC_PROVIDER_CTRL_CLOUD_STATS, &cs, NULL) ==
            SC_OK) {
            out->calls_mutating = cs.mutating;
            out->calls_read_only = cs.read_only;
            out->retries += cs.retries;
            out->throttles = cs.throttles;
        }
    }
    st = SC_OK;
done:
    sc_plan_cleanup(&plan);
    sc_routing_free(routing);
    sc_policy_free(pol);
    ctx_cleanup(&c);
    return st;
}

char *sc_live_summary_json(const sc_live_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddNumberToObject(o, "steps", (double)s->steps);
    cJSON_AddNumberToObject(o, "actions_planned", (double)s->actions_planned);
    cJSON *calls = cJSON_AddObjectToObject(o, "calls");
    if (calls) {
        cJSON_AddNumberToObject(calls, "mutating", (double)s->calls_mutating);
        cJSON_AddNumberToObject(calls, "read_only", (double)s->calls_read_only);
    }
    cJSON_AddNumberToObject(o, "retries", (double)s->retries);
    cJSON_AddNumberToObject(o, "throttles", (double)s->throttles);
    cJSON *j = cJSON_AddObjectToObject(o, "journal");
    if (j) {
        cJSON_AddNumberToObject(j, "written", (double)s->journal_written);
        cJSON_AddNumberToObject(j, "replayed", (double)s->journal_replayed);
    }
    /* observations: only with a source from outside or a store (replay's keys stay) */
    if (s->remote || s->obs_stored) {
        cJSON *ob = cJSON_AddObjectToObject(o, "observations");
        if (ob) {
            cJSON_AddNumberToObject(ob, "gaps", (double)s->obs_gaps);
            cJSON_AddNumberToObject(ob, "stored", (double)s->obs_stored);
        }
    }
    if (s->slo_steps > 0) {
        cJSON *sl = cJSON_AddObjectToObject(o, "slo");
        if (sl) {
            cJSON_AddNumberToObject(sl, "attainment", (double)s->slo_met / (double)s->slo_steps);
            cJSON_AddNumberToObject(sl, "objective", s->slo_objective);
            cJSON_AddNumberToObject(sl, "steps", (double)s->slo_steps);
        }
    }
    char *txt = cJSON_Print(o);
    cJSON_Delete(o);
    return txt;
}
