/*
 * test_orchestrator.c - the executor (sc_orch_*) and provider snapshots, against a fake
 * provider defined here that records every call and accepts at most `accept_max`
 * instances per call.  Every expected value is written out by hand from the rules in
 * orchestrator.h: due actions at once in plan order, later ones by (issue time,
 * insertion order), resize / relocate = launch of the target + drain of what the
 * launch accepted, one log entry per provider call, version-1 snapshot = one describe
 * per pool.
 */
#include <criterion/criterion.h>
#include <string.h>

#include "sculpt/orchestrator.h"
#include "sculpt/provider.h"
#include "sculpt/scenario.h"

/* ---- the fake provider ----------------------------------------------------------- */

#define MAX_CALLS 64

typedef struct call {
    sc_action act;
    sc_time_ms now;
} call;

typedef struct fake {
    int accept_max;             /* instances accepted per call at most */
    call calls[MAX_CALLS];
    int n_calls;
    int n_describe;             /* describe calls */
    int n_snapshot;             /* snapshot calls */
    int last_since;             /* since_last of the last snapshot call */
} fake;

static sc_status fake_init(void *state, const void *config, sc_error *err)
{
    (void)err;
    fake *f = state;
    f->accept_max = config ? *(const int *)config : 1000;
    return SC_OK;
}

static sc_status fake_apply(void *state, const sc_action *act, sc_time_ms now,
                            sc_action_result *res, sc_error *err)
{
    fake *f = state;
    if (f->n_calls == MAX_CALLS)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "fake: too many calls");
    if (act->kind != SC_ACTION_PROVISION && act->kind != SC_ACTION_DEPROVISION)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "fake: unsplit %s",
                            sc_action_kind_name(act->kind));
    f->calls[f->n_calls++] = (call){*act, now};
    res->accepted = act->count < f->accept_max ? act->count : f->accept_max;
    return SC_OK;
}

/* A pool's state encodes its key, so a misplaced entry shows. */
static sc_pool_state encode(int app, int region, int type, int option)
{
    return (sc_pool_state){.booting = type,
                           .warming = 1000 + app,
                           .ready = 100 * app + 10 * region + option,
                           .interrupting = region,
                           .draining = option};
}

static sc_status fake_describe(void *state, int app, int region, int type, sc_purchase o,
                               sc_pool_state *out, sc_error *err)
{
    (void)err;
    fake *f = state;
    f->n_describe++;
    *out = encode(app, region, type, (int)o);
    return SC_OK;
}

static sc_status fake_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                               sc_error *err)
{
    (void)err;
    fake *f = state;
    f->n_snapshot++;
    f->last_since = since_last;
    for (size_t i = 0; i < n; i++)
        out[i] = (sc_pool_state){.ready = 7};
    return SC_OK;
}

static const sc_provider_type fake_v1 = {.name = "fake1",
                                         .version = 1,
                                         .state_size = sizeof(fake),
                                         .init = fake_init,
                                         .apply = fake_apply,
                                         .describe = fake_describe};

static const sc_provider_type fake_v2 = {.name = "fake2",
                                         .version = 2,
                                         .state_size = sizeof(fake),
                                         .init = fake_init,
                                         .apply = fake_apply,
                                         .describe = fake_describe,
                                         .snapshot = fake_snapshot};

/* ---- fixture --------------------------------------------------------------------- */

/* Two apps (instance types 1 and 0) in three regions: enough for the snapshot layout. */
static sc_app apps[2];
static sc_scenario scn;
static sc_provider *prov;
static fake *fk;
static sc_orch *orch;

static void make(const sc_provider_type *t, int accept_max, const sc_orch_config *cfg)
{
    memset(apps, 0, sizeof apps);
    memset(&scn, 0, sizeof scn);
    apps[0].instance_type = 1;
    apps[1].instance_type = 0;
    scn.apps = apps;
    scn.n_apps = 2;
    scn.n_regions = 3;
    scn.n_types = 2;
    sc_error err;
    cr_assert_eq(sc_provider_alloc(t, &accept_max, &prov, &err), SC_OK);
    fk = prov->state;
    sc_orch_config c = cfg ? *cfg : (sc_orch_config){.sc = &scn, .count_from_ms = 0};
    cr_assert_eq(sc_orch_alloc(prov, &c, &orch, &err), SC_OK, "%s", err.msg);
}

static void fini(void)
{
    sc_orch_free(orch);
    sc_provider_free(prov);
    orch = NULL;
    prov = NULL;
}

static sc_action mk(sc_action_kind k, int region, int count, sc_time_ms issue)
{
    return (sc_action){.kind = k,
                       .app = 0,
                       .region = region,
                       .type = 1,
                       .option = SC_PURCHASE_ONDEMAND,
                       .count = count,
                       .to_region = -1,
                       .to_type = -1,
                       .issue_ms = issue,
                       .needed_ms = issue};
}

static void push(sc_plan *p, sc_action a)
{
    cr_assert_eq(sc_plan_push(p, &a), SC_OK);
}

TestSuite(orch, .fini = fini);

/* Due actions go at once in plan order; later ones wait and go by (issue time,
 * insertion order), each at the time run_due is called. */
Test(orch, due_now_pending_later_in_time_then_insertion_order)
{
    make(&fake_v2, 1000, NULL);
    sc_plan p;
    sc_plan_init(&p);
    push(&p, mk(SC_ACTION_PROVISION, 0, 1, 3000)); /* pending, third */
    push(&p, mk(SC_ACTION_PROVISION, 1, 2, 1000)); /* due: issue == now */
    push(&p, mk(SC_ACTION_PROVISION, 2, 3, 2000)); /* pending, first of the 2000s */
    push(&p, mk(SC_ACTION_PROVISION, 0, 4, 500));  /* due: in the past */
    push(&p, mk(SC_ACTION_PROVISION, 1, 5, 2000)); /* pending, second of the 2000s */
    sc_error err;
    cr_assert_eq(sc_orch_submit(orch, &p, 1000, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(fk->n_calls, 2);
    cr_assert_eq(fk->calls[0].act.count, 2);
    cr_assert_eq(fk->calls[1].act.count, 4);
    cr_assert_eq(fk->calls[0].now, 1000);
    cr_assert_eq(fk->calls[1].now, 1000);
    cr_assert_eq(sc_orch_n_pending(orch), 3);
    cr_assert_eq(sc_orch_next_due(orch), 2000);

    /* Another decision adds one more at 2000: it goes after the two already there. */
    sc_plan_clear(&p);
    push(&p, mk(SC_ACTION_PROVISION, 2, 6, 2000));
    cr_assert_eq(sc_orch_submit(orch, &p, 1500, &err), SC_OK);
    cr_assert_eq(fk->n_calls, 2);

    cr_assert_eq(sc_orch_run_due(orch, 1999, &err), SC_OK);
    cr_assert_eq(fk->n_calls, 2);
    cr_assert_eq(sc_orch_run_due(orch, 2000, &err), SC_OK);
    cr_assert_eq(fk->n_calls, 5);
    cr_assert_eq(fk->calls[2].act.count, 3);
    cr_assert_eq(fk->calls[3].act.count, 5);
    cr_assert_eq(fk->calls[4].act.count, 6);
    cr_assert_eq(sc_orch_next_due(orch), 3000);
    cr_assert_eq(sc_orch_run_due(orch, 4000, &err), SC_OK);
    cr_assert_eq(fk->n_calls, 6);
    cr_assert_eq(fk->calls[5].act.count, 1);
    cr_assert_eq(fk->calls[5].now, 4000); /* issued when run, not at its nominal time */
    cr_assert_eq(sc_orch_n_pending(orch), 0);
    cr_assert_eq(sc_orch_next_due(orch), SC_TIME_MAX);
    sc_plan_cleanup(&p);
}

/* With a schedule callback the caller owns the timers: one call per pending action,
 * in insertion order, and the action goes when the caller says. */
typedef struct timers {
    sc_time_ms t[8];
    uint64_t id[8];
    int n;
} timers;

static sc_status record_timer(void *ctx, sc_time_ms issue_ms, uint64_t id)
{
    timers *tm = ctx;
    tm->t[tm->n] = issue_ms;
    tm->id[tm->n++] = id;
    return SC_OK;
}

Test(orch, schedule_callback_and_issue_by_id)
{
    timers tm = {.n = 0};
    sc_orch_config cfg = {.sc = &scn, .schedule = record_timer, .ctx = &tm};
    make(&fake_v2, 1000, &cfg);
    sc_plan p;
    sc_plan_init(&p);
    push(&p, mk(SC_ACTION_PROVISION, 0, 1, 9000));
    push(&p, mk(SC_ACTION_DEPROVISION, 1, 2, 100));
    push(&p, mk(SC_ACTION_PROVISION, 2, 3, 5000));
    sc_error err;
    cr_assert_eq(sc_orch_submit(orch, &p, 100, &err), SC_OK);
    cr_assert_eq(fk->n_calls, 1);
    cr_assert_eq(tm.n, 2);
    cr_assert_eq(tm.t[0], 9000);
    cr_assert_eq(tm.t[1], 5000);
    cr_assert_neq(tm.id[0], tm.id[1]);
    cr_assert_eq(sc_orch_next_due(orch), SC_TIME_MAX); /* the caller's timers know */
    cr_assert_eq(sc_orch_issue_pending(orch, tm.id[1], 5000, &err), SC_OK);
    cr_assert_eq(fk->n_calls, 2);
    cr_assert_eq(fk->calls[1].act.count, 3);
    cr_assert_eq(fk->calls[1].now, 5000);
    /* Issued once only; unknown ids are an error, not a crash. */
    cr_assert_eq(sc_orch_issue_pending(orch, tm.id[1], 5000, &err), SC_ERR_INTERNAL);
    cr_assert_eq(sc_orch_issue_pending(orch, 12345, 5000, &err), SC_ERR_INTERNAL);
    cr_assert_eq(sc_orch_issue_pending(orch, tm.id[0], 9000, &err), SC_OK);
    cr_assert_eq(fk->calls[2].act.count, 1);
    cr_assert_eq(sc_orch_n_pending(orch), 0);
    sc_plan_cleanup(&p);
}

/* Resize: launch 5 of type 0 (accepted 3 of them), then drain 3 of type 1.
 * Relocate region 0 -> 2: launch 4 in region 2 (3 accepted), drain 3 in region 0.
 * A launch refused entirely drains nothing. */
Test(orch, resize_and_relocate_are_launch_plus_drain_of_what_was_accepted)
{
    make(&fake_v2, 3, NULL);
    sc_plan p;
    sc_plan_init(&p);
    sc_action rs = mk(SC_ACTION_RESIZE, 1, 5, 0);
    rs.to_type = 0;
    push(&p, rs);
    sc_action rl = mk(SC_ACTION_RELOCATE, 0, 4, 0);
    rl.to_region = 2;
    push(&p, rl);
    sc_error err;
    cr_assert_eq(sc_orch_submit(orch, &p, 10, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(fk->n_calls, 4);
    const sc_action *c0 = &fk->calls[0].act, *c1 = &fk->calls[1].act;
    const sc_action *c2 = &fk->calls[2].act, *c3 = &fk->calls[3].act;
    cr_assert(c0->kind == SC_ACTION_PROVISION && c0->type == 0 && c0->region == 1 &&
              c0->count == 5);
    cr_assert(c1->kind == SC_ACTION_DEPROVISION && c1->type == 1 && c1->region == 1 &&
              c1->count == 3);
    cr_assert(c2->kind == SC_ACTION_PROVISION && c2->region == 2 && c2->type == 1 &&
              c2->count == 4);
    cr_assert(c3->kind == SC_ACTION_DEPROVISION && c3->region == 0 && c3->count == 3);

    fini();
    make(&fake_v2, 0, NULL);
    sc_plan_clear(&p);
    push(&p, rs);
    cr_assert_eq(sc_orch_submit(orch, &p, 10, &err), SC_OK);
    cr_assert_eq(fk->n_calls, 1);
    size_t n;
    const sc_action_log *log = sc_orch_log(orch, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(log[0].count, 5);
    cr_assert_eq(log[0].accepted, 0);
    sc_plan_cleanup(&p);
}

/* One log entry per provider call, with the time, pool, kind, requested, accepted and
 * reason; accepted calls from count_from_ms on are counted. */
Test(orch, log_and_counting)
{
    sc_orch_config cfg = {.sc = &scn, .count_from_ms = 1000};
    make(&fake_v2, 2, &cfg);
    sc_plan p;
    sc_plan_init(&p);
    sc_action a = mk(SC_ACTION_PROVISION, 2, 5, 0);
    a.reason = "because";
    push(&p, a);
    sc_error err;
    cr_assert_eq(sc_orch_submit(orch, &p, 999, &err), SC_OK); /* before the count */
    sc_plan_clear(&p);
    sc_action r = mk(SC_ACTION_RELOCATE, 0, 4, 1000);
    r.to_region = 1;
    push(&p, r);
    cr_assert_eq(sc_orch_submit(orch, &p, 1000, &err), SC_OK);
    size_t n;
    const sc_action_log *log = sc_orch_log(orch, &n);
    cr_assert_eq(n, 3);
    cr_assert_eq(log[0].t, 999);
    cr_assert_eq(log[0].region, 2);
    cr_assert_eq(log[0].kind, SC_ACTION_PROVISION);
    cr_assert_eq(log[0].count, 5);
    cr_assert_eq(log[0].accepted, 2);
    cr_assert_str_eq(log[0].reason, "because");
    cr_assert_eq(log[1].t, 1000);
    cr_assert_eq(log[1].region, 1);
    cr_assert_eq(log[1].kind, SC_ACTION_PROVISION);
    cr_assert_eq(log[1].count, 4);
    cr_assert_eq(log[1].accepted, 2);
    cr_assert_null(log[1].reason);
    cr_assert_eq(log[2].region, 0);
    cr_assert_eq(log[2].kind, SC_ACTION_DEPROVISION);
    cr_assert_eq(log[2].count, 2);
    cr_assert_eq(log[2].accepted, 2);
    cr_assert_eq(sc_orch_n_counted(orch), 2);

    sc_action_log *taken;
    size_t nt, cap;
    sc_orch_log_take(orch, &taken, &nt, &cap);
    cr_assert_eq(nt, 3);
    cr_assert_geq(cap, 3);
    cr_assert_eq(taken[2].accepted, 2);
    free(taken);
    sc_orch_log(orch, &n);
    cr_assert_eq(n, 0);
    sc_plan_cleanup(&p);
}

/* Version 1: one describe per (app, region, option) of the app's own type, at
 * (app * 3 + region) * 3 + option.  Version 2: one snapshot call, since_last from the
 * second call on. */
Test(orch, snapshot_v1_fallback_and_v2)
{
    make(&fake_v1, 1000, NULL);
    const sc_pool_state *s;
    sc_error err;
    cr_assert_eq(sc_orch_snapshot(orch, &s, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(fk->n_describe, 18);
    /* app 1 (type 0), region 2, spot (option index 2) at (1 * 3 + 2) * 3 + 2 = 17 */
    sc_pool_state e = s[17];
    cr_assert_eq(e.booting, 0);
    cr_assert_eq(e.warming, 1001);
    cr_assert_eq(e.ready, 122);
    cr_assert_eq(e.interrupting, 2);
    cr_assert_eq(e.draining, 2);
    /* app 0 (type 1), region 1, on-demand (0) at (0 * 3 + 1) * 3 + 0 = 3 */
    cr_assert_eq(s[3].booting, 1);
    cr_assert_eq(s[3].ready, 10);
    cr_assert_eq(SC_PURCHASE_SPOT, 2);
    cr_assert_eq(SC_PURCHASE_ONDEMAND, 0);
    fini();

    make(&fake_v2, 1000, NULL);
    cr_assert_eq(sc_orch_snapshot(orch, &s, &err), SC_OK);
    cr_assert_eq(fk->n_snapshot, 1);
    cr_assert_eq(fk->n_describe, 0);
    cr_assert_eq(fk->last_since, 0);
    cr_assert_eq(s[17].ready, 7);
    cr_assert_eq(sc_orch_snapshot(orch, &s, &err), SC_OK);
    cr_assert_eq(fk->n_snapshot, 2);
    cr_assert_eq(fk->last_since, 1);
}

/* Bad requests are errors with a message, never a crash. */
Test(orch, bad_requests)
{
    sc_orch_config nosc = {.sc = NULL};
    make(&fake_v2, 1000, &nosc);
    const sc_pool_state *s = (const sc_pool_state *)1;
    sc_error err;
    cr_assert_eq(sc_orch_snapshot(orch, &s, &err), SC_ERR_INTERNAL);
    cr_assert_null(s);
    cr_assert(strstr(err.msg, "scenario") != NULL, "%s", err.msg);
    sc_pool_state buf[4];
    scn.n_apps = 2;
    scn.n_regions = 3;
    cr_assert_eq(sc_provider_snapshot(prov, &scn, buf, 4, 0, &err), SC_ERR_INTERNAL);
    cr_assert_eq(sc_orch_issue_pending(orch, 0, 0, &err), SC_ERR_INTERNAL);
    fini();
    /* A pool outside the scenario (2 apps, 3 regions, 2 types) never reaches the
     * provider. */
    make(&fake_v2, 1000, NULL);
    sc_plan p;
    sc_plan_init(&p);
    sc_action rs = mk(SC_ACTION_RESIZE, 1, 5, 0); /* to_type -1 */
    push(&p, rs);
    cr_assert_eq(sc_orch_submit(orch, &p, 0, &err), SC_ERR_INTERNAL);
    cr_assert(strstr(err.msg, "resize") != NULL, "%s", err.msg);
    sc_plan_clear(&p);
    push(&p, mk(SC_ACTION_PROVISION, 3, 1, 0)); /* region 3 of 3 */
    cr_assert_eq(sc_orch_submit(orch, &p, 0, &err), SC_ERR_INTERNAL);
    cr_assert_eq(fk->n_calls, 0);
    sc_plan_cleanup(&p);
    sc_orch *o2 = (sc_orch *)1;
    cr_assert_eq(sc_orch_alloc(NULL, &nosc, &o2, &err), SC_ERR_INTERNAL);
    cr_assert_null(o2);
    sc_orch_free(NULL);
}
