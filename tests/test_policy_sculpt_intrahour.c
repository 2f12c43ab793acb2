/*
 * test_policy_sculpt_intrahour.c - the sculpt policy's intra-hour shaping (the hourly plan
 * cut to an intra-hour profile, the lead-time window of the step controller, the guard's
 * scale-in), against counts worked out by hand.
 *
 * Scenario: one app "a", one region "r", one geography "g", 5-minute steps; the app
 * needs 0.01 vCPU per req/s on a 1-vCPU type, so one instance serves 100 req/s at 100 %
 * (ieq = load / 100) and, at target 0.5, an ieq of x needs ceil(2 x) instances.  On
 * demand 0.10 USD/h only.  Boot is a constant 90 s and the app warms up for 30 s, so the
 * lead time is 120 s.  Demand repeats every hour (written straight into the world's
 * arrays; the CSV only gives the world its shape), so the forecaster `naive` on the
 * hourly peak predicts the peak exactly (no spread: every quantile is the peak), and the
 * penalty (0.01 USD per req/s-hour = 1 USD per ieq-hour) is far above the price of
 * capacity (0.2 USD per ieq-hour at target 0.5): the hourly plan is ceil(2 x peak).
 *
 * The profile of a quarter hour is the median over the last 7 days of (the quarter's
 * peak / its hour's peak); with the same demand every hour it is that ratio exactly.  A
 * decision at a step boundary t covers the quarters overlapping [t, t + 5 min + 2 min):
 * the count at t is the maximum of their counts ceil(ratio x hourly plan).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sim.h"

#include "oneregion.h"

#define CSV_PATH SC_BINARY_DIR "/test_policy_sculpt_intrahour.csv"
#define HOUR SC_MS_PER_HOUR
#define MIN_MS INT64_C(60000)

typedef oneregion fixture;

static fixture make(void)
{
    oneregion_csv(CSV_PATH, 5 * 1440, 60, 100);
    oneregion_spec s = oneregion_defaults();
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_policy_sculpt_ih.json";
    return oneregion_make(&s);
}

/* The same ieq in quarter q (0..3) of every hour. */
static void set_quarters(fixture *fx, const double ieq[4])
{
    for (int64_t k = 0; k < fx->w->n_steps; k++)
        oneregion_set_ieq(fx->w, k, ieq[(k % 12) / 3]);
}

/* These tests hand-compute plans at the app's target_util and the forecast as it is
 * (oneregion_legacy). */
static sc_run *run(fixture *fx, const char *params)
{
    char buf[1024];
    return oneregion_run(fx->w, "sculpt", oneregion_legacy(params, buf, sizeof buf), 1);
}

/* The on-demand count requested after every action of the measured day, replayed from
 * the decision log from the initial 20: counts[m / 5] for minute m of each hour must be
 * want[m / 5] (the count in force from that step's decision on) in every hour. */
static void check_counts(const sc_run *r, const fixture *fx, const int want[12],
                         int *n_prov, int *n_deprov)
{
    sc_time_ms m0 = fx->sc->start + 3 * 24 * HOUR;
    int held = 20;
    size_t i = 0;
    *n_prov = *n_deprov = 0;
    /* replay the warm-up */
    for (; i < r->n_log && r->log[i].t < m0; i++) {
        const sc_action_log *l = &r->log[i];
        cr_assert_eq(l->option, SC_PURCHASE_ONDEMAND);
        held += l->kind == SC_ACTION_PROVISION ? l->accepted : -l->accepted;
    }
    for (int64_t k = 0; k < 24 * 12; k++) {
        sc_time_ms t = m0 + k * 5 * MIN_MS;
        for (; i < r->n_log && r->log[i].t <= t; i++) {
            const sc_action_log *l = &r->log[i];
            cr_assert_eq(l->option, SC_PURCHASE_ONDEMAND);
            cr_assert_eq(l->t, t, "action off a step boundary at %lld", (long long)l->t);
            cr_assert_eq(l->accepted, l->count);
            if (l->kind == SC_ACTION_PROVISION) {
                held += l->count;
                (*n_prov)++;
            } else {
                held -= l->count;
                (*n_deprov)++;
            }
        }
        cr_assert_eq(held, want[k % 12], "step %lld (minute %lld of the hour): %d instances, expected %d",
                     (long long)k, (long long)(k % 12) * 5, held, want[k % 12]);
    }
}

/*
 * High (ieq 10) only in the first quarter of each hour, ieq 2 in the other three.  The
 * hourly plan is 20 instances (peak 10 at target 0.5).  Profile: quarter 0 is 1, quarters
 * 1-3 are 2 / 10 = 0.2, so 4 instances.  Decisions at minutes 0, 5 and 10 see quarter 0
 * in their window (minute 10: [10, 17) reaches into quarter 1 but also covers 10-15): 20;
 * minute 15: [15, 22) only quarter 1: 4, so 16 instances are released at minute 15;
 * minutes 20-50: 4; minute 55: [55, 62) reaches the next hour's first quarter: 20, so 16
 * are provisioned at minute 55 and are ready at 57 (lead 2 min) before the hour.  One
 * provision and one release per hour: 24 of each in the measured day.  Nothing is short
 * of capacity (attainment 1).  With intra_hour off the hourly plan holds 20 all along.
 */
Test(sculpt_intrahour, capacity_released_after_the_high_quarter)
{
    fixture fx = make();
    set_quarters(&fx, (const double[4]){10, 2, 2, 2});
    sc_run *r = run(&fx, "{\"on_demand_only\": true, \"forecaster\": \"naive\"}");
    static const int want[12] = {20, 20, 20, 4, 4, 4, 4, 4, 4, 4, 4, 20};
    int np, nd;
    check_counts(r, &fx, want, &np, &nd);
    cr_assert_eq(np, 24);
    cr_assert_eq(nd, 24);
    cr_assert_float_eq(r->sum.slo_attainment, 1.0, 1e-12);
    cr_assert_float_eq(r->sum.violation_minutes, 0.0, 1e-12);
    sc_run_free(r);

    r = run(&fx, "{\"on_demand_only\": true, \"forecaster\": \"naive\", \"intra_hour\": false}");
    static const int flat[12] = {20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20, 20};
    check_counts(r, &fx, flat, &np, &nd);
    cr_assert_eq(np + nd, 0);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/*
 * A ramp inside the hour: ieq 4, 6, 8, 10 in the four quarters.  Hourly plan 20; profile
 * 0.4, 0.6, 0.8, 1: counts 8, 12, 16, 20.  Windows: minute 0 [0, 7) and 5 [5, 12):
 * quarter 0, 8; minute 10 [10, 17) reaches quarter 1: 12 (capacity issued a lead time
 * before 15); 15, 20: 12; 25 [25, 32): 16; 30, 35: 16; 40 [40, 47): 20; 45, 50: 20;
 * 55 [55, 62): max(20, the next hour's 8) = 20; then 8 at minute 0 (12 released).  Per
 * hour: provisions of 4 at minutes 10, 25 and 40, one release of 12 at minute 0.
 */
Test(sculpt_intrahour, count_follows_a_rising_profile)
{
    fixture fx = make();
    set_quarters(&fx, (const double[4]){4, 6, 8, 10});
    sc_run *r = run(&fx, "{\"on_demand_only\": true, \"forecaster\": \"naive\"}");
    static const int want[12] = {8, 8, 12, 12, 12, 16, 16, 16, 20, 20, 20, 20};
    int np, nd;
    check_counts(r, &fx, want, &np, &nd);
    cr_assert_eq(np, 3 * 24);
    cr_assert_eq(nd, 24);
    cr_assert_float_eq(r->sum.slo_attainment, 1.0, 1e-12);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/*
 * The guard scales in: flat ieq 2 (plan 4), except an unforecast burst to ieq 10 in the
 * single step 12:10-12:15 of the measured day (the hourly naive forecast is 2 until that
 * hour is whole).  The guard adds 16 on demand at 12:10 (ceil(10 / 0.5) = 20 in all);
 * with the default guard_hold of 5 min (one step) they are released at 12:15, where
 * the observation is 2 again.  The plan for hour 13 made at 12:00 is 4 (naive: hour
 * 11's peak), so the decision at 12:55 keeps 4.  At the 13:00 replan the naive forecast
 * of the hourly peak is 10 (the burst hour's peak; its quantiles now spread above 10,
 * the residuals no longer being 0) and the profile of hour 13 from the last days (no
 * burst there: ratio 1) cuts nothing: at least 20 for the whole of hour 13 (the
 * forecast's reaction to the burst, not the guard's).  So the count is 4 from the
 * start of the measured day to 12:55, except 20 at 12:10 only, and >= 20 in hour 13.
 */
Test(sculpt_intrahour, guard_releases_after_its_hold)
{
    fixture fx = make();
    set_quarters(&fx, (const double[4]){2, 2, 2, 2});
    int64_t burst = (3 * 24 + 12) * 12 + 2; /* step of 12:10 on the measured day */
    fx.w->ieq_ar[0][burst] = 10.0f;
    fx.w->load_ar[0][burst] = 1000.0f;
    fx.w->load_ag[0][burst] = 1000.0f;
    sc_run *r = run(&fx, "{\"on_demand_only\": true, \"forecaster\": \"naive\"}");
    sc_time_ms m0 = fx.sc->start + 3 * 24 * HOUR;
    int held = 20;
    size_t i = 0;
    for (int64_t k = -3 * 24 * 12; k < 24 * 12; k++) {
        sc_time_ms t = m0 + k * 5 * MIN_MS;
        for (; i < r->n_log && r->log[i].t <= t; i++)
            held += r->log[i].kind == SC_ACTION_PROVISION ? r->log[i].accepted : -r->log[i].accepted;
        if (k < 12)
            continue; /* the warm-up (and the initial 20 being cut to 4) */
        if (k >= 13 * 12 && k < 14 * 12) { /* the forecast of hour 13 */
            cr_assert_geq(held, 20, "step %lld: %d instances, expected >= 20", (long long)k, held);
            continue;
        }
        if (k >= 13 * 12)
            break;
        int want = k == 12 * 12 + 2 ? 20 : 4; /* the guard at 12:10 only */
        cr_assert_eq(held, want, "step %lld: %d instances, expected %d", (long long)k, held, want);
    }
    sc_run_free(r);
    oneregion_drop(&fx);
}
