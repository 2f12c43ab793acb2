/*
 * test_sculpt_stockout.c - sculpt answers a spot stock-out (core/policy/sculpt_stockout.c,
 * issue 11 items 3 and 5): it learns the stock-out from the refused launch, plans the gap
 * on on-demand at once, probes with an exponential back-off, and returns to spot once a
 * probe is granted.
 *
 * The world: one app, one region `r`, 5-minute steps, a flat demand of 5 ieq, boot a
 * constant 60 s, no routine spot interruption; t1 costs 0.10 on demand and 0.03 as spot
 * (so the plan holds spot, up to the default share 0.5).  latency.base_ms 20 against
 * slo.latency_ms 100 puts the SLO's utilisation bound at 1 - 20 / 100 = 0.8, so serving
 * 5 ieq needs ceil(5 / 0.8) = 7 instances.  One day of warm-up, one measured day.  The
 * stock-out window is [T, T + 3 h), T = 06:00 of the measured day, reclaim 1: every
 * running spot instance gets the two-minute notice at T and ends at T + 2 min.
 *
 * Expected, by hand from the rule in sculpt_stockout.c's opening comment (decisions
 * every 5 minutes, on the step boundaries; the cloud answers a launch at once and the
 * policy reads the answer at its next decision):
 *   - T + 5 min: the first decision that sees the spot pool empty asks for spot again:
 *     refused (the one batch refused before the policy knew);
 *   - T + 10 min: the refusal is read: marked, back-off 5 min, replan; on-demand alone
 *     now covers the demand: at least 7 on-demand instances requested at T + 10 min;
 *   - probes (one spot instance each) when the back-off has passed, each refusal read one
 *     decision later doubling it up to 1 h:
 *       T+15 (refused; read at T+20: back-off 10, until T+30),
 *       T+30 (refused; T+35: 20, until T+55), T+55 (refused; T+60: 40, until T+100),
 *       T+100 (refused; T+105: 60 (cap), until T+165), T+165 (refused; T+170: 60,
 *       until T+230), T+230 = T + 3 h 50 min: the window has ended, granted;
 *     no other spot launch between T + 10 min and T + 230 min;
 *   - after the granted probe (read at T + 235 min: reset, replan) spot is launched again.
 * With `"stockout": false` the policy keeps asking for spot at every decision of the
 * window (36 refused batches at T + 5 ... T + 180 min minus the first), the behaviour
 * before.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sim.h"
#include "tu_common.h"

#define CSV_PATH SC_BINARY_DIR "/test_sculpt_stockout_flat.csv"
#define MIN_ (INT64_C(60000))

static void write_csv(void)
{
    static int done;
    if (!done)
        tu_write_flat_csv(CSV_PATH, 3, "500");
    done = 1;
}

typedef struct fixture {
    sc_scenario *sc;
    sc_world *w;
} fixture;

/* The world, with the stock-out window when window = 1. */
static fixture make(int window)
{
    write_csv();
    char text[4096];
    snprintf(text, sizeof text,
             "{\"name\": \"t\", \"seed\": 7, \"start\": \"2026-01-05T00:00:00Z\","
             " \"warmup\": \"1d\", \"duration\": \"1d\", \"step\": \"5m\","
             " \"geos\": [{\"name\": \"g\", \"home_region\": \"r\"}],"
             " \"regions\": [{\"name\": \"r\", \"boot\": {\"dist\": \"const\", \"value_s\": 60},"
             "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0,"
             "   \"types\": {\"t1\": {\"on_demand\": 0.1, \"spot\": 0.03}}%s}],"
             " \"instance_types\": [{\"name\": \"t1\", \"vcpu\": 1, \"mem_gib\": 4, \"io_mbps\": 100}],"
             " \"latency_ms\": {\"g\": {\"r\": 0}},"
             " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"t1\","
             "   \"needs\": {\"cpu\": 0.01}, \"target_util\": 0.8, \"min_instances\": 1,"
             "   \"max_instances\": 100, \"warmup\": \"0s\","
             "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
             "   \"slo\": {\"latency_ms\": 100, \"max_unserved_frac\": 0.001,"
             "            \"penalty_per_unit_hour\": 0.01, \"attainment\": 0.99},"
             "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
             "   \"initial\": [{\"region\": \"r\", \"count\": 8}]}],"
             " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
             " \"policies\": [{\"name\": \"static\"}]}",
             window ? ", \"spot_stockouts\": [{\"type\": \"t1\", \"start\": "
                      "\"2026-01-06T06:00:00Z\", \"duration\": \"3h\", \"reclaim\": 1}]"
                    : "",
             CSV_PATH);
    fixture fx = {0};
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, SC_BINARY_DIR "/test_sculpt_stockout.json", &fx.sc,
                                   &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_world_build(fx.sc, &fx.w, &err), SC_OK, "%s: %s", err.where, err.msg);
    return fx;
}

static sc_run *run(fixture *fx, const char *params)
{
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(fx->w, &spec, 0, &r, &err), SC_OK, "%s: %s", err.where, err.msg);
    return r;
}

static void drop(fixture *fx)
{
    sc_world_free(fx->w);
    sc_scenario_free(fx->sc);
}

static sc_time_ms window_start(void)
{
    sc_time_ms t;
    cr_assert_eq(sc_time_parse("2026-01-06T06:00:00Z", NULL, &t), SC_OK);
    return t;
}

static int is_spot_launch(const sc_action_log *e)
{
    return e->kind == SC_ACTION_PROVISION && e->option == SC_PURCHASE_SPOT;
}

/* On-demand instances requested (launched minus deprovisioned) after every call up to t. */
static int od_count_at(const sc_run *r, sc_time_ms t, int initial)
{
    int n = initial;
    for (size_t i = 0; i < r->n_log && r->log[i].t <= t; i++) {
        const sc_action_log *e = &r->log[i];
        if (e->option != SC_PURCHASE_ONDEMAND)
            continue;
        if (e->kind == SC_ACTION_PROVISION)
            n += e->accepted;
        else if (e->kind == SC_ACTION_DEPROVISION)
            n -= e->accepted;
    }
    return n;
}

Test(sculpt_stockout, learns_backs_off_and_returns)
{
    fixture fx = make(1);
    sc_run *r = run(&fx, NULL);
    sc_time_ms T = window_start();
    /* the hand-computed probe times (file comment) */
    static const int probe_min[] = {15, 30, 55, 100, 165, 230};
    int n_probe = 0, refused_batches = 0, spot_before = 0, spot_after = 0;
    sc_time_ms first_refused = SC_TIME_MAX;
    for (size_t i = 0; i < r->n_log; i++) {
        const sc_action_log *e = &r->log[i];
        if (!is_spot_launch(e))
            continue;
        if (e->t < T)
            spot_before += e->accepted;
        if (e->t >= T && e->accepted < e->count) {
            refused_batches++;
            if (first_refused == SC_TIME_MAX)
                first_refused = e->t;
        }
        if (e->t > T + 10 * MIN_ && e->t <= T + 230 * MIN_) {
            cr_assert(n_probe < 6, "an unexpected spot launch at T + %lld min (count %d)",
                      (long long)((e->t - T) / MIN_), e->count);
            cr_assert_eq(e->t, T + probe_min[n_probe] * MIN_,
                         "probe %d at T + %lld min, expected T + %d min", n_probe,
                         (long long)((e->t - T) / MIN_), probe_min[n_probe]);
            cr_assert_eq(e->count, 1, "a probe is one instance (got %d)", e->count);
            cr_assert_eq(e->accepted, n_probe < 5 ? 0 : 1, "probe %d: accepted %d", n_probe,
                         e->accepted);
            n_probe++;
        }
        if (e->t > T + 230 * MIN_)
            spot_after += e->accepted;
    }
    cr_assert_gt(spot_before, 0, "the plan holds spot before the window");
    cr_assert_eq(first_refused, T + 5 * MIN_, "first refusal at T + %lld min, expected T + 5",
                 (long long)((first_refused - T) / MIN_));
    cr_assert_eq(n_probe, 6, "probes: %d, expected 6", n_probe);
    /* one refused batch before the policy knew, then the five refused probes */
    cr_assert_eq(refused_batches, 1 + 5, "refused batches %d, expected 6", refused_batches);
    /* on-demand covers the demand from the decision that read the refusal */
    int od = od_count_at(r, T + 10 * MIN_, 8);
    cr_assert_geq(od, 7, "on-demand at T + 10 min: %d, expected >= ceil(5 / 0.8) = 7", od);
    cr_assert_gt(spot_after, 0, "spot resumes after the granted probe");
    fprintf(stderr, "stock-out: attainment %.5f, cost %.2f, refused %ld\n",
            r->sum.slo_attainment, r->sum.cost_usd, r->sum.refused);
    sc_run_free(r);

    /* off: spot is asked for at every decision of the window (the behaviour before) */
    r = run(&fx, "{\"stockout\": false}");
    int off_batches = 0;
    for (size_t i = 0; i < r->n_log; i++)
        if (is_spot_launch(&r->log[i]) && r->log[i].t >= T &&
            r->log[i].accepted < r->log[i].count)
            off_batches++;
    cr_assert_geq(off_batches, 30, "without the rule: %d refused batches, expected one per "
                                   "decision of the window (35)", off_batches);
    sc_run_free(r);
    drop(&fx);
}

/* Without a refusal nothing changes: the same world without the window gives the same
 * decisions with the rule on and off. */
Test(sculpt_stockout, no_refusal_no_change)
{
    fixture fx = make(0);
    sc_run *a = run(&fx, NULL), *b = run(&fx, "{\"stockout\": false}");
    cr_assert_eq(a->n_log, b->n_log);
    for (size_t i = 0; i < a->n_log; i++)
        cr_assert(memcmp(&a->log[i].t, &b->log[i].t, sizeof a->log[i].t) == 0 &&
                      a->log[i].count == b->log[i].count &&
                      a->log[i].option == b->log[i].option &&
                      a->log[i].kind == b->log[i].kind,
                  "decision %zu differs", i);
    cr_assert_eq(a->sum.cost_usd, b->sum.cost_usd);
    sc_run_free(a);
    sc_run_free(b);
    drop(&fx);
}

Test(sculpt_stockout, bad_backoff)
{
    fixture fx = make(0);
    sc_policy_spec spec = {.params_json = "{\"stockout_backoff\": \"10m\", "
                                          "\"stockout_backoff_max\": \"5m\"}"};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "stockout_backoff_max") != NULL, "%s", err.msg);
    cr_assert_null(r);
    drop(&fx);
}
