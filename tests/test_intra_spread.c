/*
 * test_intra_spread.c - the intra-hour profile's `profile_spread` (sculpt_intrahour.c):
 * a one-step spike whose minute jitters from day to day, against counts worked out by
 * hand.
 *
 * Scenario (tests/oneregion.h, as test_policy_sculpt_intrahour.c): one app, one region,
 * 5-minute steps, one instance serves an ieq of 1 at 100 %, at target 0.5 an ieq of x
 * needs ceil(2 x) instances; on demand only; boot 90 s + warm-up 30 s: lead 2 min; the
 * forecaster `naive` on the hourly peak with the plan sized at target (oneregion_legacy),
 * so the hourly plan is ceil(2 x the last hour's peak).  Warm-up days 0-2, measured day 3.
 *
 * Demand: ieq 2 everywhere, except one step of ieq 10 in every hour, at minute 15 on
 * even days (0, 2, 4) and at minute 10 on odd days (1, 3): the spike's position drifts
 * by one step across the quarter-hour boundary at minute 15.  Every hour's peak is 10:
 * the hourly plan is 20 instances.
 *
 * Without spread, on day 3 (profile over days 2, 1, 0, spikes at minutes 15, 10, 15):
 * quarter 0 [0, 15) holds the spike on day 1 only: ratios {0.2, 1, 0.2}, median 0.2;
 * quarter 1 [15, 30) on days 2 and 0: {1, 0.2, 1}, median 1; quarters 2 and 3: 0.2.
 * Counts per quarter: 4, 20, 4, 4.  A decision at minute m covers [m, m + 5 + 2):
 * m = 0, 5: quarter 0 only: 4; m = 10: reaches quarter 1: 20; m = 15, 20: 20;
 * m = 25: [25, 32): 20; m = 30 ... 50: 4; m = 55: [55, 62) reaches the next hour's
 * quarter 0: 4, except at 23:55, whose window reaches day 4's 00:00-00:15, profiled
 * over days 3, 2, 1, 0: ratios {1, 0.2, 1, 0.2}, median (type 7) 0.2 + 0.5 x 0.8 = 0.6,
 * so ceil(0.6 x 20) = 12.  Day 3's spike at minute 10 meets the 20 requested at minute 10 itself,
 * which boot until 12: a shortfall in each of the 24 hours (the guard, at minute 10,
 * asks ceil(10 / 0.5) = 20 too and changes nothing).
 *
 * With profile_spread 5m, the window of quarter q on each day is [15 q - 5, 15 q + 20):
 * quarter 0 [-5, 20) and quarter 1 [10, 35) hold the spike on every day (minutes 10
 * and 15): median 1; quarter 2 [25, 50) and quarter 3 [40, 65) never (the next hour's
 * spike is at minute 70 or 75): 0.2.  Counts 20, 20, 4, 4; decisions: m = 0 ... 25: 20
 * (m = 25 reaches quarter 1); m = 30 ... 50: 4; m = 55 reaches the next quarter 0: 20
 * (on day 4 too: its window holds day 3's minute 10).
 * 20 instances are in place from minute 57 of the hour before, so every spike of day 3
 * is served: attainment 1.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sim.h"

#include "oneregion.h"

#define CSV_PATH SC_BINARY_DIR "/test_intra_spread.csv"
#define HOUR SC_MS_PER_HOUR
#define MIN_MS INT64_C(60000)

static oneregion make(void)
{
    oneregion_csv(CSV_PATH, 5 * 1440, 60, 100);
    oneregion_spec s = oneregion_defaults();
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_intra_spread.json";
    oneregion fx = oneregion_make(&s);
    /* ieq 2, and 10 at minute 15 (step 3 of the hour) on even days, 10 (step 2) on odd */
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        int64_t day = k / (24 * 12), pos = k % 12;
        oneregion_set_ieq(fx.w, k, pos == (day % 2 ? 2 : 3) ? 10.0 : 2.0);
    }
    return fx;
}

static sc_run *run(oneregion *fx, const char *params)
{
    char buf[1024];
    return oneregion_run(fx->w, "sculpt", oneregion_legacy(params, buf, sizeof buf), 1);
}

/* The on-demand count in force from each step's decision of the measured day, replayed
 * from the decision log from the initial 20, against want[minute / 5] in every hour
 * but the day's last step, against last (its window reaches day 4's first quarter). */
static void check_counts(const sc_run *r, const oneregion *fx, const int want[12], int last)
{
    sc_time_ms m0 = fx->sc->start + 3 * 24 * HOUR;
    int held = 20;
    size_t i = 0;
    for (int64_t k = -3 * 24 * 12; k < 24 * 12; k++) {
        sc_time_ms t = m0 + k * 5 * MIN_MS;
        for (; i < r->n_log && r->log[i].t <= t; i++) {
            cr_assert_eq(r->log[i].option, SC_PURCHASE_ONDEMAND);
            held += r->log[i].kind == SC_ACTION_PROVISION ? r->log[i].accepted
                                                          : -r->log[i].accepted;
        }
        if (k < 0)
            continue; /* the warm-up */
        int w = k == 24 * 12 - 1 ? last : want[k % 12];
        cr_assert_eq(held, w, "step %lld (minute %lld of the hour): %d, expected %d",
                     (long long)k, (long long)(k % 12) * 5, held, w);
    }
}

/* the profile alone: the memory of where violations fell (sculpt_vmem.c, on by default)
 * would hold the missed quarter after its first violation */
#define PARAMS "{\"on_demand_only\": true, \"forecaster\": \"naive\", \"violation_memory\": 0"

Test(intra_spread, without_spread_the_jittering_spike_is_placed_a_quarter_late)
{
    oneregion fx = make();
    sc_run *r = run(&fx, PARAMS "}");
    static const int want[12] = {4, 4, 20, 20, 20, 20, 4, 4, 4, 4, 4, 4};
    check_counts(r, &fx, want, 12);
    cr_assert_lt(r->sum.slo_attainment, 1.0); /* the spike boots while it is there */
    sc_run_free(r);
    /* a spread of 0 is the default */
    r = run(&fx, PARAMS ", \"profile_spread\": \"0s\"}");
    check_counts(r, &fx, want, 12);
    sc_run_free(r);
    oneregion_drop(&fx);
}

Test(intra_spread, a_spread_of_one_step_covers_both_positions)
{
    oneregion fx = make();
    sc_run *r = run(&fx, PARAMS ", \"profile_spread\": \"5m\"}");
    static const int want[12] = {20, 20, 20, 20, 20, 20, 4, 4, 4, 4, 4, 20};
    check_counts(r, &fx, want, 20);
    cr_assert_float_eq(r->sum.slo_attainment, 1.0, 1e-12);
    cr_assert_float_eq(r->sum.violation_minutes, 0.0, 1e-12);
    sc_run_free(r);
    oneregion_drop(&fx);
}

Test(intra_spread, bad_spread_is_an_input_error)
{
    oneregion fx = make();
    sc_policy_spec spec = {.params_json = (char *)"{\"profile_spread\": \"2h\"}"};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "x");
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "profile_spread") != NULL, "%s", err.msg);
    cr_assert_null(r);
    spec.params_json = (char *)"{\"profile_spread\": \"-5m\"}";
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "profile_spread") != NULL, "%s", err.msg);
    cr_assert_null(r);
    oneregion_drop(&fx);
}
