/*
 * test_reactive_skip.c - the reactive policy's skipping of unchanged app-regions
 * (issue 13): given sc_policy_view.changed, it visits only the app-regions that changed
 * or are not settled, and must plan exactly what it plans when it visits every one.
 *
 * Two references: the same policy given no bitmap (changed = NULL: every app-region is
 * visited), and a plain re-implementation of the algorithm the policy documents
 * (reactive.c's header: the Kubernetes HPA's replica calculation, stabilisation over the
 * recommendations of the window by time, rate limits over the scale events of the
 * period by time, min/max), written here without any of the policy's shortcuts (no
 * fast or hold path, no ring of ages, no held entries, no skipping).  Three run in
 * lockstep over a pseudo-random world of 80 app-regions (two 64-bit words, the second
 * partial): demand moves at some calls for nearly every app-region (a step boundary) and
 * at others for a few; pools follow the plan (launches boot over a few calls) and lose
 * instances at random (interruptions).  Every call's plan must be the same, action for
 * action.  A last test breaks the bitmap's promise on purpose and checks that the
 * skipping instance then plans nothing, so the first test cannot pass by visiting
 * everything.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/policy.h"
#include "sculpt/scenario.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define N_APPS 40
#define N_REG 2
#define N_AR (N_APPS * N_REG)
#define N_WORDS ((N_AR + 63) / 64)

static sc_scenario *sc;

/* unit.json's regions, geographies and types with N_APPS copies of its app. */
static void setup(void)
{
    size_t cap = 1 << 16, n = 0;
    char *t = malloc(cap);
    cr_assert_not_null(t);
    n += (size_t)snprintf(t + n, cap - n,
        "{\"name\": \"skip\", \"seed\": 7, \"start\": \"2026-01-05T00:00:00Z\", "
        "\"warmup\": \"1h\", \"duration\": \"2h\", \"step\": \"5m\", "
        "\"geos\": [{\"name\": \"g\", \"home_region\": \"r1\"}, "
        "{\"name\": \"h\", \"home_region\": \"r2\"}], \"regions\": ["
        "{\"name\": \"r1\", \"boot\": {\"dist\": \"const\", \"value_s\": 90}, "
        "\"types\": {\"t2\": {\"on_demand\": 0.36}}}, "
        "{\"name\": \"r2\", \"boot\": {\"dist\": \"const\", \"value_s\": 60}, "
        "\"types\": {\"t2\": {\"on_demand\": 0.36}}}], "
        "\"instance_types\": [{\"name\": \"t2\", \"vcpu\": 2, \"mem_gib\": 4}], "
        "\"latency_ms\": {\"g\": {\"r1\": 10, \"r2\": 80}, \"h\": {\"r1\": 80, \"r2\": 10}}, "
        "\"apps\": [");
    for (int a = 0; a < N_APPS; a++)
        n += (size_t)snprintf(t + n, cap - n,
            "%s{\"name\": \"a%d\", \"unit\": \"req/s\", \"instance_type\": \"t2\", "
            "\"needs\": {\"cpu\": 0.01}, \"target_util\": %.2f, \"min_instances\": 1, "
            "\"max_instances\": 60, \"warmup\": \"30s\", \"latency\": {\"base_ms\": 20}, "
            "\"slo\": {\"latency_ms\": 100, \"max_unserved_frac\": 0.01, "
            "\"penalty_per_unit_hour\": 1}, \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}, "
            "{\"geo\": \"h\", \"trace\": \"th\"}]}",
            a ? ", " : "", a, 0.4 + 0.01 * a);
    n += (size_t)snprintf(t + n, cap - n,
        "], \"traces\": [{\"name\": \"tg\", \"csv\": \"flat.csv\"}, "
        "{\"name\": \"th\", \"csv\": \"flat.csv\"}], \"policies\": [{\"name\": \"reactive\"}]}");
    cr_assert_lt(n, cap);
    sc_error err;
    cr_assert_eq(sc_scenario_parse(t, FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    free(t);
}

static void teardown(void)
{
    sc_scenario_free(sc);
}

TestSuite(reactive_skip, .init = setup, .fini = teardown);

/* xorshift64*: the test's own stream, fixed seed. */
static uint64_t rnd_state;
static double rnd(void)
{
    rnd_state ^= rnd_state >> 12;
    rnd_state ^= rnd_state << 25;
    rnd_state ^= rnd_state >> 27;
    return (double)((rnd_state * UINT64_C(2685821657736338717)) >> 11) / 9007199254740992.0;
}

/* The world both instances see. */
typedef struct world {
    sc_pool_state pools[N_AR * SC_PURCHASE_COUNT];
    int boot_left[N_AR];        /* calls until the booting instances are ready */
    float load_now[N_AR], ieq_now[N_AR];
    float load[N_AR][1], ieq[N_AR][1];
    const float *lp[N_AR], *ip[N_AR];
    /* the previous call's inputs, for the bitmap */
    sc_pool_state prev_pools[N_AR * SC_PURCHASE_COUNT];
    float prev_load[N_AR], prev_ieq[N_AR];
    uint64_t changed[N_WORDS];
} world;

static sc_policy_view view_of(world *w, sc_time_ms now)
{
    for (int ar = 0; ar < N_AR; ar++) {
        w->lp[ar] = w->load[ar];
        w->ip[ar] = w->ieq[ar];
        w->load[ar][0] = w->load_now[ar];
        w->ieq[ar][0] = w->ieq_now[ar];
    }
    return (sc_policy_view){.sc = sc, .now = now, .step = 0, .n_steps = 1,
                            .load = w->lp, .ieq = w->ip, .load_now = w->load_now,
                            .ieq_now = w->ieq_now, .pools = w->pools};
}

/* Set changed from a comparison with the previous call's inputs, then remember them. */
static void mark_changed(world *w)
{
    memset(w->changed, 0, sizeof w->changed);
    for (int ar = 0; ar < N_AR; ar++) {
        int ch = memcmp(&w->pools[ar * SC_PURCHASE_COUNT], &w->prev_pools[ar * SC_PURCHASE_COUNT],
                        SC_PURCHASE_COUNT * sizeof(sc_pool_state)) != 0 ||
                 memcmp(&w->load_now[ar], &w->prev_load[ar], sizeof(float)) != 0 ||
                 memcmp(&w->ieq_now[ar], &w->prev_ieq[ar], sizeof(float)) != 0;
        if (ch)
            w->changed[ar / 64] |= UINT64_C(1) << (ar % 64);
    }
    memcpy(w->prev_pools, w->pools, sizeof w->pools);
    memcpy(w->prev_load, w->load_now, sizeof w->load_now);
    memcpy(w->prev_ieq, w->ieq_now, sizeof w->ieq_now);
}

/* Apply a plan: launches boot for 1-3 calls, removals take booting instances first. */
static void apply(world *w, const sc_plan *p)
{
    for (size_t i = 0; i < p->n; i++) {
        const sc_action *a = &p->actions[i];
        cr_assert_eq(a->option, SC_PURCHASE_ONDEMAND);
        int ar = a->app * N_REG + a->region;
        sc_pool_state *ps = &w->pools[ar * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
        if (a->kind == SC_ACTION_PROVISION) {
            ps->booting += a->count;
            w->boot_left[ar] = 1 + (int)(rnd() * 3);
        } else {
            cr_assert_eq(a->kind, SC_ACTION_DEPROVISION);
            int k = a->count, b = k < ps->booting ? k : ps->booting;
            ps->booting -= b;
            ps->ready -= k - b;
            cr_assert_geq(ps->ready, 0);
        }
    }
}

/* Between calls: boots finish, a rare interruption, demand moves (everywhere at a step
 * boundary, in a few app-regions otherwise). */
static void advance(world *w, int step_boundary)
{
    for (int ar = 0; ar < N_AR; ar++) {
        sc_pool_state *ps = &w->pools[ar * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
        if (ps->booting && --w->boot_left[ar] <= 0) {
            ps->ready += ps->booting;
            ps->booting = 0;
        }
        if (ps->ready > 1 && rnd() < 0.01)
            ps->ready--;
        if (step_boundary ? rnd() < 0.95 : rnd() < 0.04) {
            /* a random walk: sometimes within tolerance, sometimes not */
            double e = w->ieq_now[ar] * (0.85 + 0.3 * rnd());
            if (e < 0.2)
                e = 0.2;
            if (e > 25)
                e = 25;
            w->ieq_now[ar] = (float)e;
            w->load_now[ar] = (float)(e * 200.0);
        }
    }
}

/* x: the reference's plan (visiting all, or the plain re-implementation), y: the other */
static void plans_equal(const sc_plan *x, const sc_plan *y, int call)
{
    cr_assert_eq(x->n, y->n, "call %d: %zu actions in the reference, %zu in the other", call,
                 x->n, y->n);
    for (size_t i = 0; i < x->n; i++) {
        const sc_action *a = &x->actions[i], *b = &y->actions[i];
        cr_assert(a->kind == b->kind && a->app == b->app && a->region == b->region &&
                      a->option == b->option && a->count == b->count &&
                      a->issue_ms == b->issue_ms,
                  "call %d, action %zu differs", call, i);
    }
}

static sc_policy *alloc_reactive(const char *params)
{
    const sc_policy_type *pt;
    sc_error err;
    sc_policy *p = NULL;
    cr_assert_eq(sc_policy_find("reactive", &pt, &err), SC_OK);
    cr_assert_eq(sc_policy_alloc(pt, sc, params, "test", &p, &err), SC_OK, "%s", err.msg);
    return p;
}

static void world_init(world *w)
{
    memset(w, 0, sizeof *w);
    for (int ar = 0; ar < N_AR; ar++) {
        /* a few app-regions not deployed (no instances, no demand) until demand comes */
        int deployed = ar % 7 != 3;
        w->pools[ar * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND].ready = deployed ? 2 + ar % 5 : 0;
        w->ieq_now[ar] = deployed ? (float)(1.0 + 0.1 * (ar % 11)) : 0.0f;
        w->load_now[ar] = w->ieq_now[ar] * 200.0f;
    }
}

/* ---- the plain reference ------------------------------------------------------------ */

#define REF_MAX 4096
typedef struct ref_ar {
    int spec, deployed;
    int n_rec;
    sc_time_ms rec_t[REF_MAX];
    int rec_n[REF_MAX];
    int n_ev;
    sc_time_ms ev_t[REF_MAX];
    int ev_d[REF_MAX];
} ref_ar;

typedef struct ref_hpa {
    int initialised;
    double tolerance, up_pct, down_pct;
    int up_pods;
    int64_t up_win, down_win, up_per, down_per;
    ref_ar ar[N_AR];
} ref_hpa;

/* HPA replica calculation (GetResourceReplicas, whole percentages). */
static int ref_replicas(const ref_hpa *h, int current, int ready, int unready, double need,
                        double target)
{
    if (ready <= 0)
        return current;
    double tpct = floor(target * 100.0 + 0.5);
    if (tpct < 1)
        tpct = 1;
    double util = fmin(need / ready, 1.0);
    double ratio = floor(util * 100.0 + 1e-9) / tpct;
    if (!(unready > 0 && ratio > 1.0))
        return fabs(1.0 - ratio) <= h->tolerance ? current : (int)ceil(ratio * ready);
    double r2 = floor(util * ready * 100.0 / (ready + unready) + 1e-9) / tpct;
    if (fabs(1.0 - r2) <= h->tolerance || r2 < 1.0)
        return current;
    int n = (int)ceil(r2 * (ready + unready));
    return n < current ? current : n;
}

static void ref_decide(ref_hpa *h, const sc_policy_view *v, sc_plan *plan)
{
    sc_time_ms now = v->now;
    for (int a = 0; a < N_APPS; a++) {
        const sc_app *app = &sc->apps[a];
        for (int r = 0; r < N_REG; r++) {
            int ar = a * N_REG + r;
            ref_ar *x = &h->ar[ar];
            const sc_pool_state *od = &v->pools[ar * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
            int ready = od->ready + od->interrupting, unready = od->booting + od->warming;
            int total = sc_pool_requested(od);
            double need = v->ieq_now[ar] >= 0 ? v->ieq_now[ar] : 0.0;
            if (!h->initialised) {
                x->spec = total;
                x->deployed = total > 0 || v->load_now[ar] > 0;
            }
            if (v->load_now[ar] > 0)
                x->deployed = 1;
            if (!x->deployed)
                continue;
            int current = x->spec;
            int raw = current <= 0 ? (int)ceil(need / app->target_util - 1e-9)
                                   : ref_replicas(h, current, ready, unready, need,
                                                  app->target_util);
            /* stabilisation: the recommendations of the windows, by time */
            int up = raw, down = raw;
            for (int i = 0; i < x->n_rec; i++) {
                if (x->rec_t[i] > now - h->up_win && x->rec_n[i] < up)
                    up = x->rec_n[i];
                if (x->rec_t[i] > now - h->down_win && x->rec_n[i] > down)
                    down = x->rec_n[i];
            }
            cr_assert_lt(x->n_rec, REF_MAX);
            x->rec_t[x->n_rec] = now;
            x->rec_n[x->n_rec++] = raw;
            int rec = current;
            if (rec < up)
                rec = up;
            if (rec > down)
                rec = down;
            /* rate limits from the count at the start of each period */
            int add_u = 0, rem_u = 0, add_d = 0, rem_d = 0;
            for (int i = 0; i < x->n_ev; i++) {
                if (x->ev_t[i] > now - h->up_per)
                    x->ev_d[i] > 0 ? (add_u += x->ev_d[i]) : (rem_u -= x->ev_d[i]);
                if (x->ev_t[i] > now - h->down_per)
                    x->ev_d[i] > 0 ? (add_d += x->ev_d[i]) : (rem_d -= x->ev_d[i]);
            }
            if (rec > current) {
                int start = current - add_u + rem_u;
                int lim = (int)fmax(ceil(start * (1.0 + h->up_pct / 100.0) - 1e-9),
                                    start + h->up_pods);
                if (rec > lim)
                    rec = lim < current ? current : lim;
            } else if (rec < current) {
                int start = current - add_d + rem_d;
                int lim = (int)(start * (1.0 - h->down_pct / 100.0));
                if (rec < lim)
                    rec = lim > current ? current : lim;
            }
            rec = rec < app->min_instances ? app->min_instances : rec;
            rec = rec > app->max_instances ? app->max_instances : rec;
            if (rec != current) {
                cr_assert_lt(x->n_ev, REF_MAX);
                x->ev_t[x->n_ev] = now;
                x->ev_d[x->n_ev++] = rec - current;
                x->spec = rec;
            }
            int od_target = x->spec - (total - sc_pool_requested(od));
            cr_assert_eq(sc_plan_to_target(plan, v, a, r, SC_PURCHASE_ONDEMAND,
                                           od_target < 0 ? 0 : od_target),
                         SC_OK);
        }
    }
    h->initialised = 1;
}

/* Run both instances and the reference for n_calls calls every sync_ms (ref: its
 * settings, the policy's params in the reference's terms); returns the total of actions. */
static size_t lockstep(const char *params, const ref_hpa *ref_cfg, int64_t sync_ms,
                       int n_calls, uint64_t seed)
{
    rnd_state = seed;
    static world w;
    world_init(&w);
    static ref_hpa ref;
    ref = *ref_cfg;
    sc_plan pr;
    sc_plan_init(&pr);
    sc_policy *all = alloc_reactive(params), *skip = alloc_reactive(params);
    sc_plan pa, pb;
    sc_plan_init(&pa);
    sc_plan_init(&pb);
    size_t total = 0;
    sc_error err;
    for (int k = 0; k < n_calls; k++) {
        sc_time_ms now = sc->start + k * sync_ms;
        mark_changed(&w);
        sc_policy_view va = view_of(&w, now), vb = va;
        vb.changed = k ? w.changed : NULL; /* the first call: nothing to compare with */
        sc_plan_clear(&pa);
        sc_plan_clear(&pb);
        cr_assert_eq(sc_policy_decide(all, &va, &pa, &err), SC_OK, "%s", err.msg);
        cr_assert_eq(sc_policy_decide(skip, &vb, &pb, &err), SC_OK, "%s", err.msg);
        plans_equal(&pa, &pb, k);
        sc_plan_clear(&pr);
        ref_decide(&ref, &va, &pr);
        plans_equal(&pr, &pa, k);
        total += pa.n;
        apply(&w, &pa);
        advance(&w, k % 5 == 4);
    }
    sc_plan_cleanup(&pa);
    sc_plan_cleanup(&pb);
    sc_plan_cleanup(&pr);
    sc_policy_free(all);
    sc_policy_free(skip);
    return total;
}

Test(reactive_skip, same_plans_default_behaviour)
{
    /* the defaults: 15 s sync, 300 s scale-down window (a ring of 22 entries) */
    static const ref_hpa cfg = {.tolerance = 0.1, .up_pct = 100, .down_pct = 100,
                                .up_pods = 4, .up_win = 0, .down_win = 300000,
                                .up_per = 15000, .down_per = 15000};
    size_t n = lockstep("{}", &cfg, 15000, 600, 0x9e3779b97f4a7c15u);
    cr_assert_gt(n, 100, "the world must make the policy act (%zu actions)", n);
}

Test(reactive_skip, same_plans_hourly_windows)
{
    /* a 60 s sync with both stabilisation windows and a slower scale-down limit: the
     * held recommendations must land at the right ages after skipped calls */
    static const ref_hpa cfg = {.tolerance = 0.1, .up_pct = 100, .down_pct = 20,
                                .up_pods = 4, .up_win = 120000, .down_win = 600000,
                                .up_per = 15000, .down_per = 180000};
    size_t n = lockstep("{\"sync\": \"60s\", \"scale_up_window\": \"120s\", "
                        "\"scale_down_window\": \"600s\", \"scale_down_percent\": 20, "
                        "\"scale_down_period\": \"180s\"}",
                        &cfg, 60000, 500, 12345);
    cr_assert_gt(n, 100, "the world must make the policy act (%zu actions)", n);
}

Test(reactive_skip, same_plans_many_seeds)
{
    for (uint64_t seed = 1; seed <= 20; seed++)
    {
        static const ref_hpa cfg = {.tolerance = 0.1, .up_pct = 100, .down_pct = 100,
                                    .up_pods = 4, .up_win = 0, .down_win = 120000,
                                    .up_per = 15000, .down_per = 15000};
        lockstep("{\"sync\": \"30s\", \"scale_down_window\": \"120s\"}", &cfg, 30000, 120,
                 seed);
    }
}

Test(reactive_skip, broken_promise_is_believed)
{
    /* Settle every app-region on constant inputs, then raise all demand 3x but tell the
     * skipping instance that nothing changed: it must not look (an empty plan) while the
     * instance visiting everything scales out.  This shows the skip path is taken. */
    static world w;
    world_init(&w);
    sc_policy *all = alloc_reactive("{}"), *skip = alloc_reactive("{}");
    sc_plan pa, pb;
    sc_plan_init(&pa);
    sc_plan_init(&pb);
    sc_error err;
    uint64_t none[N_WORDS] = {0};
    int k = 0;
    for (; k < 40; k++) { /* 10 minutes: past the 300 s window, boots done */
        sc_policy_view va = view_of(&w, sc->start + k * 15000), vb = va;
        mark_changed(&w);
        vb.changed = k ? w.changed : NULL;
        sc_plan_clear(&pa);
        sc_plan_clear(&pb);
        cr_assert_eq(sc_policy_decide(all, &va, &pa, &err), SC_OK);
        cr_assert_eq(sc_policy_decide(skip, &vb, &pb, &err), SC_OK);
        plans_equal(&pa, &pb, k);
        apply(&w, &pa);
        for (int ar = 0; ar < N_AR; ar++) { /* boots end at once: a quiet world */
            sc_pool_state *ps = &w.pools[ar * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND];
            ps->ready += ps->booting;
            ps->booting = 0;
        }
    }
    cr_assert_eq(pa.n, 0, "the world must be settled before the test's last call");
    for (int ar = 0; ar < N_AR; ar++) {
        w.ieq_now[ar] *= 3.0f;
        w.load_now[ar] *= 3.0f;
    }
    sc_policy_view va = view_of(&w, sc->start + k * 15000), vb = va;
    vb.changed = none;
    sc_plan_clear(&pa);
    sc_plan_clear(&pb);
    cr_assert_eq(sc_policy_decide(all, &va, &pa, &err), SC_OK);
    cr_assert_eq(sc_policy_decide(skip, &vb, &pb, &err), SC_OK);
    cr_assert_gt(pa.n, 30, "visiting all: %zu scale-outs", pa.n);
    cr_assert_eq(pb.n, 0, "skipping: %zu actions, expected none", pb.n);
    sc_plan_cleanup(&pa);
    sc_plan_cleanup(&pb);
    sc_policy_free(all);
    sc_policy_free(skip);
}
