/*
 * test_sim.c - the mock cloud (billing, boot, limits, rate limit, spot, reserved) and
 * the HPA reactive policy, against values computed by hand from the documented rules.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "evq.h"
#include "mockcloud.h"
#include "sculpt/policy.h"
#include "sculpt/scenario.h"
#include "sim.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define EV_BASE 16

static sc_scenario *sc;
static sc_evq *q;
static sc_provider *prov;
static sc_mock *mock;
static sc_time_ms t0;

static void noop_change(void *ctx, int app, int region)
{
    (void)ctx;
    (void)app;
    (void)region;
}

static sc_provider *make_mock(sc_evq *queue)
{
    sc_mock_config mc = {.sc = sc, .q = queue, .event_base = EV_BASE, .start_ms = sc->start,
                         .end_ms = sc->start + 3 * SC_MS_PER_HOUR, .drain_ms = 30000,
                         .before_change = noop_change, .ctx = NULL};
    sc_provider *p = NULL;
    sc_error err;
    cr_assert_eq(sc_provider_alloc(&sc_mock_provider_type, &mc, &p, &err), SC_OK, "%s", err.msg);
    return p;
}

static void setup(void)
{
    sc_error err;
    cr_assert_eq(sc_scenario_load(FIX, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_evq_alloc(64, &q), SC_OK);
    prov = make_mock(q);
    mock = sc_mock_of(prov);
    t0 = sc->start;
}

static void teardown(void)
{
    sc_provider_free(prov);
    sc_evq_free(q);
    sc_scenario_free(sc);
}

static sc_action act(sc_action_kind k, int region, sc_purchase o, int count)
{
    sc_action a = {.kind = k, .app = 0, .region = region, .type = 0, .option = o,
                   .count = count, .to_region = -1, .to_type = -1};
    return a;
}

static sc_action_result apply_at(sc_provider *p, sc_action a, sc_time_ms t)
{
    sc_action_result res;
    sc_error err;
    cr_assert_eq(sc_provider_apply(p, &a, t, &res, &err), SC_OK, "%s", err.msg);
    return res;
}

/* Dispatch the mock's events up to and including time t. */
static void run_until(sc_evq *queue, sc_mock *m, sc_time_ms t)
{
    sc_event ev;
    while (sc_evq_peek(queue, &ev) && ev.time <= t) {
        sc_evq_pop(queue, &ev);
        sc_error err;
        cr_assert_eq(sc_mock_handle(m, &ev, &err), SC_OK, "%s", err.msg);
    }
}

static double pool_cost(sc_mock *m, sc_time_ms t, int region, sc_purchase o)
{
    double cost[2 * 3] = {0};
    sc_mock_bill(m, t, cost);
    return cost[(size_t)region * 3 + o];
}

TestSuite(mock, .init = setup, .fini = teardown);

Test(mock, sixty_second_minimum)
{
    /* launched at t0, cancelled while booting 30 s later: billed 60 s at $0.36/h */
    apply_at(prov, act(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 1), t0);
    sc_action_result r = apply_at(prov, act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_ONDEMAND, 1),
                                  t0 + 30000);
    cr_assert_eq(r.accepted, 1);
    cr_assert_float_eq(pool_cost(mock, t0 + SC_MS_PER_HOUR, 0, SC_PURCHASE_ONDEMAND),
                       0.36 * 60.0 / 3600.0, 1e-12);
}

Test(mock, boot_then_warmup_then_ready)
{
    /* r1 boots in exactly 90 s; app warm-up 30 s: running at +90 s, serving at +120 s */
    apply_at(prov, act(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 2), t0);
    sc_pool_state ps;
    sc_error err;
    sc_provider_describe(prov, 0, 0, 0, SC_PURCHASE_ONDEMAND, &ps, &err);
    cr_assert_eq(ps.booting, 2);
    run_until(q, mock, t0 + 89999);
    sc_provider_describe(prov, 0, 0, 0, SC_PURCHASE_ONDEMAND, &ps, &err);
    cr_assert_eq(ps.booting, 2);
    run_until(q, mock, t0 + 90000);
    sc_provider_describe(prov, 0, 0, 0, SC_PURCHASE_ONDEMAND, &ps, &err);
    cr_assert_eq(ps.warming, 2);
    cr_assert_eq(sc_mock_ars(mock)[0].serving, 0);
    run_until(q, mock, t0 + 120000);
    sc_provider_describe(prov, 0, 0, 0, SC_PURCHASE_ONDEMAND, &ps, &err);
    cr_assert_eq(ps.ready, 2);
    cr_assert_eq(sc_mock_ars(mock)[0].serving, 2);
}

/* Provider interface version 2: the snapshot, full then incremental (since_last), gives
 * the counts the boot sequence above predicts by hand, and agrees with describe() on
 * every pool after every change. */
static void snap_check(sc_pool_state *buf, int since_last)
{
    sc_error err;
    cr_assert_eq(sc_provider_snapshot(prov, sc, buf, 6, since_last, &err), SC_OK, "%s",
                 err.msg);
    for (int r = 0; r < 2; r++)
        for (int o = 0; o < 3; o++) {
            sc_pool_state d;
            sc_provider_describe(prov, 0, r, 0, (sc_purchase)o, &d, &err);
            cr_assert_eq(memcmp(&d, &buf[r * 3 + o], sizeof d), 0, "pool r%d o%d", r, o);
        }
}

Test(mock, snapshot_full_then_incremental)
{
    cr_assert_eq(sc_mock_provider_type.version, 2);
    sc_pool_state buf[6];
    memset(buf, 0xff, sizeof buf);
    apply_at(prov, act(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 2), t0);
    snap_check(buf, 0);
    cr_assert_eq(buf[0].booting, 2);
    cr_assert_eq(buf[3].booting, 0);
    run_until(q, mock, t0 + 90000);
    snap_check(buf, 1);
    cr_assert_eq(buf[0].booting, 0);
    cr_assert_eq(buf[0].warming, 2);
    apply_at(prov, act(SC_ACTION_PROVISION, 1, SC_PURCHASE_ONDEMAND, 1), t0 + 90000);
    snap_check(buf, 1);
    cr_assert_eq(buf[3].booting, 1);
    cr_assert_eq(buf[0].warming, 2);
    run_until(q, mock, t0 + 120000);
    snap_check(buf, 1);
    cr_assert_eq(buf[0].ready, 2);
    apply_at(prov, act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_ONDEMAND, 1), t0 + 120000);
    snap_check(buf, 1);
    cr_assert_eq(buf[0].ready, 1);
    cr_assert_eq(buf[0].draining, 1);
    /* Wrong size: an error naming the sizes, not a write past the buffer. */
    sc_error err;
    cr_assert_eq(sc_provider_snapshot(prov, sc, buf, 5, 0, &err), SC_ERR_INTERNAL);
}

Test(mock, capacity_limit_and_quota)
{
    /* r1: limit 8 instances of t2, quota 10 vCPU = 5 instances of 2 vCPU */
    sc_action_result r = apply_at(prov, act(SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 8), t0);
    cr_assert_eq(r.accepted, 5);
    cr_assert_eq(r.limited, 3);
    r = apply_at(prov, act(SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 1), t0 + 2000);
    cr_assert_eq(r.accepted, 0);
    cr_assert_eq(r.limited, 1);
}

Test(mock, api_rate_limit)
{
    /* r1: 1 call/s, burst of 10 tokens: the 11th call at the same instant is refused, one
     * more second buys one more call */
    for (int i = 0; i < 10; i++)
        cr_assert_eq(apply_at(prov, act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_ONDEMAND, 1), t0)
                         .throttled, 0);
    cr_assert_eq(apply_at(prov, act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_ONDEMAND, 1), t0)
                     .throttled, 1);
    cr_assert_eq(apply_at(prov, act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_ONDEMAND, 1),
                          t0 + 1000).throttled, 0);
    cr_assert_eq(apply_at(prov, act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_ONDEMAND, 1),
                          t0 + 1000).throttled, 1);
}

Test(mock, drain_is_billed)
{
    /* r2 (no rate limit): on for one hour, then drained 30 s: 3630 s at $0.36/h */
    apply_at(prov, act(SC_ACTION_PROVISION, 1, SC_PURCHASE_ONDEMAND, 1), t0);
    run_until(q, mock, t0 + SC_MS_PER_HOUR);
    apply_at(prov, act(SC_ACTION_DEPROVISION, 1, SC_PURCHASE_ONDEMAND, 1), t0 + SC_MS_PER_HOUR);
    sc_pool_state ps;
    sc_error err;
    sc_provider_describe(prov, 0, 1, 0, SC_PURCHASE_ONDEMAND, &ps, &err);
    cr_assert_eq(ps.draining, 1);
    run_until(q, mock, t0 + 2 * SC_MS_PER_HOUR);
    sc_provider_describe(prov, 0, 1, 0, SC_PURCHASE_ONDEMAND, &ps, &err);
    cr_assert_eq(ps.draining + ps.ready, 0);
    cr_assert_float_eq(pool_cost(mock, t0 + 2 * SC_MS_PER_HOUR, 1, SC_PURCHASE_ONDEMAND),
                       0.36 * 3630.0 / 3600.0, 1e-9);
}

Test(mock, reserved_commitment_billed_when_unused)
{
    /* two reserved instances bought at t0 and released after 10 minutes: the 365-day
     * commitment is still billed, so 10 h cost 2 x 10 x $0.18 */
    apply_at(prov, act(SC_ACTION_PROVISION, 0, SC_PURCHASE_RESERVED, 2), t0);
    apply_at(prov, act(SC_ACTION_DEPROVISION, 0, SC_PURCHASE_RESERVED, 2), t0 + 600000);
    run_until(q, mock, t0 + 10 * SC_MS_PER_HOUR);
    cr_assert_float_eq(pool_cost(mock, t0 + 10 * SC_MS_PER_HOUR, 0, SC_PURCHASE_RESERVED),
                       3.6, 1e-9);
}

/* Notice times of the first n spot launches in r2, read off the queue. */
static void spot_times(sc_provider *p, sc_evq *queue, int prior_noise, sc_time_ms *out, int n)
{
    sc_mock *m = sc_mock_of(p);
    if (prior_noise) { /* unrelated activity first: another pool, other times */
        apply_at(p, act(SC_ACTION_PROVISION, 1, SC_PURCHASE_ONDEMAND, 3), t0);
        apply_at(p, act(SC_ACTION_DEPROVISION, 1, SC_PURCHASE_ONDEMAND, 2), t0 + 5000);
    }
    apply_at(p, act(SC_ACTION_PROVISION, 1, SC_PURCHASE_SPOT, n), t0 + 10000);
    int got = 0;
    sc_event ev;
    sc_time_ms notice_of_first_end = 0;
    while (got < n && sc_evq_pop(queue, &ev)) {
        if (ev.type == EV_BASE + SC_MOCK_EV_NOTICE && ev.a % 3 == SC_PURCHASE_SPOT)
            out[got++] = ev.time;
        sc_error err;
        cr_assert_eq(sc_mock_handle(m, &ev, &err), SC_OK);
        if (ev.type == EV_BASE + SC_MOCK_EV_NOTICE && got == 1)
            notice_of_first_end = ev.time;
    }
    cr_assert_eq(got, n);
    /* the interrupted instance ends two minutes after its notice */
    while (sc_evq_pop(queue, &ev)) {
        if (ev.type == EV_BASE + SC_MOCK_EV_END && ev.a % 3 == SC_PURCHASE_SPOT) {
            cr_assert_geq(ev.time - notice_of_first_end, 120000);
            break;
        }
        sc_error err;
        sc_mock_handle(m, &ev, &err);
    }
}

Test(mock, spot_interruptions_are_common_random_numbers)
{
    /* the k-th spot launch meets the same interruption whatever else happened before */
    sc_time_ms a[3], b[3];
    spot_times(prov, q, 0, a, 3);
    sc_evq *q2;
    cr_assert_eq(sc_evq_alloc(64, &q2), SC_OK);
    sc_provider *p2 = make_mock(q2);
    spot_times(p2, q2, 1, b, 3);
    for (int i = 0; i < 3; i++)
        cr_assert_eq(a[i], b[i], "launch %d: %lld vs %lld", i, (long long)a[i], (long long)b[i]);
    cr_assert_eq(sc_mock_get_stats(sc_mock_of(p2))->interruptions >= 1, 1);
    sc_provider_free(p2);
    sc_evq_free(q2);
}

/* ---- HPA reactive policy with a hand-made view ---- */

typedef struct hpa_fixture {
    sc_policy *pol;
    float load[2][4], ieq[2][4];
    float load_now[2], ieq_now[2];
    const float *lp[2], *ip[2];
    sc_pool_state pools[2 * 3];
    sc_policy_view v;
    sc_plan plan;
} hpa_fixture;

static void hpa_init(hpa_fixture *f, const char *params)
{
    memset(f, 0, sizeof *f);
    const sc_policy_type *pt;
    sc_error err;
    cr_assert_eq(sc_policy_find("reactive", &pt, &err), SC_OK);
    cr_assert_eq(sc_policy_alloc(pt, sc, params, "test", &f->pol, &err), SC_OK, "%s", err.msg);
    for (int i = 0; i < 2; i++) {
        f->lp[i] = f->load[i];
        f->ip[i] = f->ieq[i];
    }
    f->v = (sc_policy_view){.sc = sc, .step = 0, .n_steps = 4, .load = f->lp, .ieq = f->ip,
                            .load_now = f->load_now, .ieq_now = f->ieq_now, .pools = f->pools};
    sc_plan_init(&f->plan);
}

static void hpa_fini(hpa_fixture *f)
{
    sc_plan_cleanup(&f->plan);
    sc_policy_free(f->pol);
}

/* Decide at t for region r1 with `ready`/`booting` on-demand instances and demand of
 * `ieq` instance-equivalents; returns the signed change the plan asks for in r1. */
static int hpa_step(hpa_fixture *f, sc_time_ms t, int ready, int booting, double ieq)
{
    f->pools[0 * 3 + SC_PURCHASE_ONDEMAND] = (sc_pool_state){.booting = booting, .ready = ready};
    f->ieq[0][0] = (float)ieq;
    f->load[0][0] = (float)(ieq * 200.0);
    f->ieq_now[0] = f->ieq[0][0];
    f->load_now[0] = f->load[0][0];
    f->v.now = t;
    sc_plan_clear(&f->plan);
    sc_error err;
    cr_assert_eq(sc_policy_decide(f->pol, &f->v, &f->plan, &err), SC_OK);
    int delta = 0;
    for (size_t i = 0; i < f->plan.n; i++)
        if (f->plan.actions[i].region == 0)
            delta += f->plan.actions[i].kind == SC_ACTION_PROVISION ? f->plan.actions[i].count
                                                                    : -f->plan.actions[i].count;
    return delta;
}

TestSuite(hpa, .init = setup, .fini = teardown);

Test(hpa, scale_up_by_ratio)
{
    /* 4 ready at 100 % of the binding resource, target 0.5: ratio 2, desired ceil(2*4) = 8,
     * within the rate limit max(2*4, 4+4) = 8 */
    hpa_fixture f;
    hpa_init(&f, "{}");
    cr_assert_eq(hpa_step(&f, t0, 4, 0, 4.0), 4);
    hpa_fini(&f);
}

Test(hpa, tolerance_holds)
{
    /* 10 ready at 54 %: ratio 54/50 = 1.08, |1 - 1.08| <= 0.1 keeps 10 */
    hpa_fixture f;
    hpa_init(&f, "{}");
    cr_assert_eq(hpa_step(&f, t0, 10, 0, 5.4), 0);
    /* 5.75 instance-equivalents on 10: 57 % (whole percent), ratio 1.14 -> ceil(11.4) = 12 */
    cr_assert_eq(hpa_step(&f, t0 + 15000, 10, 0, 5.75), 2);
    hpa_fini(&f);
}

Test(hpa, unready_counted_as_zero_usage)
{
    /* 4 ready at 100 % + 4 booting, target 0.5: ratio 2 > 1 with unready pods, so the
     * unready count with zero usage: (1.0*4)/(0.5*8) = 1.0, within tolerance: hold 8 */
    hpa_fixture f;
    hpa_init(&f, "{}");
    cr_assert_eq(hpa_step(&f, t0, 4, 4, 4.0), 0);
    hpa_fini(&f);
}

Test(hpa, scale_up_rate_limit)
{
    /* 2 ready at 100 %, target overridden to 0.1: ratio 10 -> 20 wanted; the limit is
     * max(2 * 2, 2 + 4) = 6 per 15 s period: +4 */
    hpa_fixture f;
    hpa_init(&f, "{\"target_util\": 0.1}");
    cr_assert_eq(hpa_step(&f, t0, 2, 0, 2.0), 4);
    /* 15 s later, 6 requested (4 of them booting, so 2 ready at 100 %): with unready,
     * utilisation floor(100*2/6) = 33 %, ratio 33/10 = 3.3 -> ceil(3.3*6) = 20, limit
     * from the period start 6:
     * max(12, 10) = 12: +6 */
    cr_assert_eq(hpa_step(&f, t0 + 15000, 2, 4, 2.0), 6);
    hpa_fini(&f);
}

Test(hpa, scale_down_waits_for_stabilisation_window)
{
    /* t=0: 10 ready at 50 % (ratio 1, hold, recommendation 10).  From t=15 s demand halves:
     * raw recommendation 5, but the highest recommendation of the last 300 s is 10 until
     * the t=0 one leaves the window (now - 300 s, now], i.e. at t = 300 s. */
    hpa_fixture f;
    hpa_init(&f, "{}");
    cr_assert_eq(hpa_step(&f, t0, 10, 0, 5.0), 0);
    for (sc_time_ms t = 15000; t < 300000; t += 15000)
        cr_assert_eq(hpa_step(&f, t0 + t, 10, 0, 2.5), 0, "t=%lld", (long long)t);
    cr_assert_eq(hpa_step(&f, t0 + 300000, 10, 0, 2.5), -5);
    hpa_fini(&f);
}

/* Issue 13 (scale): the fast path no longer writes each held recommendation into the
 * ring; they are put back, with the times of the calls that made them, at the next full
 * evaluation.  Calls at irregular times, so that a wrong time would move a window. */
Test(hpa, held_recommendations_keep_their_times)
{
    /* 10 ready at 50 %: hold at t = 0, 7, 20, 100, 290 s (all but the first on the fast
     * path).  At t = 400 s demand halves: raw 5 (25 % / 50 % = 0.5), but the highest
     * recommendation in (now - 300 s, now] is the 10 of t = 290 s until t = 590 s. */
    hpa_fixture f;
    hpa_init(&f, "{}");
    static const sc_time_ms hold_s[] = {0, 7, 20, 100, 290};
    for (size_t i = 0; i < sizeof hold_s / sizeof hold_s[0]; i++)
        cr_assert_eq(hpa_step(&f, t0 + hold_s[i] * 1000, 10, 0, 5.0), 0, "t=%lld s",
                     (long long)hold_s[i]);
    cr_assert_eq(hpa_step(&f, t0 + 400000, 10, 0, 2.5), 0);
    cr_assert_eq(hpa_step(&f, t0 + 589000, 10, 0, 2.5), 0); /* 290 s still in (289, 589] */
    cr_assert_eq(hpa_step(&f, t0 + 591000, 10, 0, 2.5), -5); /* (291, 591]: 5 and 5 */
    hpa_fini(&f);
}

Test(hpa, held_recommendation_in_scale_up_window)
{
    /* scale_up_window 60 s: scale-up takes the lowest recommendation of the window.
     * t = 0 and 30 s hold 10 (30 s on the fast path); at 50 s 75 % on 10 gives raw
     * ceil(1.5 * 10) = 15, held back by the 10s of 0 and 30 s; at 85 s the window
     * (25, 85] still has the 10 of 30 s; at 95 s it has only 15s: +5 (within the rate
     * limit max(2 x 10, 10 + 4) = 20). */
    hpa_fixture f;
    hpa_init(&f, "{\"scale_up_window\": \"60s\"}");
    cr_assert_eq(hpa_step(&f, t0, 10, 0, 5.0), 0);
    cr_assert_eq(hpa_step(&f, t0 + 30000, 10, 0, 5.0), 0);
    cr_assert_eq(hpa_step(&f, t0 + 50000, 10, 0, 7.5), 0);
    cr_assert_eq(hpa_step(&f, t0 + 85000, 10, 0, 7.5), 0);
    cr_assert_eq(hpa_step(&f, t0 + 95000, 10, 0, 7.5), 5);
    hpa_fini(&f);
}

Test(policy_params, shared_helpers)
{
    cJSON *p = cJSON_Parse("{\"a\": \"90s\", \"b\": 2.5, \"z\": \"0s\", \"t\": 0.0, \"u\": true,"
                           " \"bad\": \"soon\"}");
    sc_error err;
    int64_t ms = -1;
    cr_assert_eq(sc_policy_param_duration(p, "a", 1, &ms, "w", &err), SC_OK);
    cr_assert_eq(ms, 90000);
    cr_assert_eq(sc_policy_param_duration(p, "b", 1, &ms, "w", &err), SC_OK);
    cr_assert_eq(ms, 2500); /* a number is seconds */
    cr_assert_eq(sc_policy_param_duration(p, "z", 0, &ms, "w", &err), SC_OK);
    cr_assert_eq(ms, 0);
    cr_assert_eq(sc_policy_param_duration(p, "z", 1, &ms, "w", &err), SC_ERR_INPUT);
    cr_assert_eq(sc_policy_param_duration(p, "bad", 0, &ms, "w", &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.where, "w");
    cr_assert_not_null(strstr(err.msg, "bad"));
    ms = 7;
    cr_assert_eq(sc_policy_param_duration(p, "absent", 1, &ms, "w", &err), SC_OK);
    cr_assert_eq(ms, 7);
    double x = -1;
    cr_assert_eq(sc_policy_param_number(p, "t", 0, 1, 0, &x, "w", &err), SC_OK);
    cr_assert_eq(sc_policy_param_number(p, "t", 0, 1, 1, &x, "w", &err), SC_ERR_INPUT);
    cr_assert_eq(sc_policy_param_number(p, "b", 0, 2, 0, &x, "w", &err), SC_ERR_INPUT);
    int flag = 0;
    cr_assert_eq(sc_policy_param_bool(p, "u", &flag, "w", &err), SC_OK);
    cr_assert_eq(flag, 1);
    cr_assert_eq(sc_policy_param_bool(p, "b", &flag, "w", &err), SC_ERR_INPUT);
    cJSON_Delete(p);
}

/* The run's decision log comes from the orchestrator.  unit.json: flat 400 req/s per
 * geography at 0.01 vCPU per req/s on 2-vCPU instances = 2 instance-equivalents per
 * region; static sizes at target_util 0.5 -> 4 instances per region, on demand, once
 * at the start (within r1's limit of 8, its quota of 10 vCPU and its 10-token API
 * burst).  So: two provisions of 4 at t0, both accepted, each with the policy helper's
 * reason; none in the measured period (warm-up is the first hour), so actions = 0. */
Test(mock, run_log_comes_from_the_orchestrator)
{
    sc_world *w = NULL;
    sc_error err;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_run *run = NULL;
    cr_assert_eq(sc_run_policy(w, &sc->policies[0], 0, &run, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(run->n_log, 2);
    for (int r = 0; r < 2; r++) {
        const sc_action_log *l = &run->log[r];
        cr_assert_eq(l->t, t0);
        cr_assert_eq(l->region, r);
        cr_assert_eq(l->kind, SC_ACTION_PROVISION);
        cr_assert_eq(l->option, SC_PURCHASE_ONDEMAND);
        cr_assert_eq(l->count, 4);
        cr_assert_eq(l->accepted, 4);
        cr_assert_str_eq(l->reason, "scale out to target");
    }
    cr_assert_eq(run->sum.actions, 0);
    cr_assert_eq(run->sum.launches, 8);
    sc_run_free(run);
    sc_world_free(w);
}
