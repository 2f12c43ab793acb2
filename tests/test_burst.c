/*
 * test_burst.c - the burst detector (sculpt/burst.h): the stated detection delay on step
 * changes (hand-computed), its false-alarm rate on a stationary noisy series (against
 * Siegmund's approximation, computed here by hand), the ramp extrapolation, no look-ahead,
 * bad configurations.
 *
 * Hand calculations use the defaults: k = 0.5, h = 5, sigma_min = 0.05, warm-up 12
 * observations, ramp window 3.  On a constant warm-up the baseline variance is 0, so
 * sigma = sigma_min and a step of the log rate by delta adds d = delta / 0.05 - 0.5 to
 * the CUSUM per observation; the alarm comes on the first n with n d > 5.
 *
 * The last test runs sculpt's burst guard (core/policy/sculpt_burst.c) on the scenario
 * of tests/test_policy_sculpt_intrahour.c (one app, one region, 5-minute steps, an ieq
 * of x needs ceil(2 x) instances at target 0.5) and checks its counts by hand.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/burst.h"
#include "sculpt/policy.h"
#include "sim.h"

#include "oneregion.h"

static sc_burst make(void)
{
    sc_burst_config c;
    sc_burst_config_init(&c);
    sc_burst b;
    sc_error err;
    cr_assert_eq(sc_burst_init(&b, &c, &err), SC_OK);
    return b;
}

/* Observations (1-based, from the first one at the new level) until the alarm after 20
 * at 100 and then `after` forever; 0 if none within 1000. */
static long delay_of(double after)
{
    sc_burst b = make();
    for (int i = 0; i < 20; i++)
        cr_assert_eq(sc_burst_push(&b, 100.0), 0);
    for (long n = 1; n <= 1000; n++)
        if (sc_burst_push(&b, after))
            return n;
    return 0;
}

Test(burst, step_changes_fire_within_the_stated_delay)
{
    /* doubling: d = log 2 / 0.05 - 0.5 = 13.363 > 5: on the step itself */
    cr_assert_eq(delay_of(200.0), 1);
    /* +15 %: d = 0.139762 / 0.05 - 0.5 = 2.29524; 2 d = 4.59 <= 5 < 3 d = 6.89: the 3rd */
    cr_assert_eq(delay_of(115.0), 3);
    /* +5 %: d = 0.0487902 / 0.05 - 0.5 = 0.475803; 10 d = 4.758 < 5 < 11 d = 5.234 */
    cr_assert_eq(delay_of(105.0), 11);
    /* +2 %: d = 0.0198026 / 0.05 - 0.5 < 0: never */
    cr_assert_eq(delay_of(102.0), 0);
    /* the stated formula gives the same figures */
    sc_burst_config c;
    sc_burst_config_init(&c);
    cr_assert_eq(sc_burst_delay(&c, log(2.0), 0.0), 1);
    cr_assert_eq(sc_burst_delay(&c, log(1.15), 0.0), 3);
    cr_assert_eq(sc_burst_delay(&c, log(1.05), 0.0), 11);
    cr_assert_eq(sc_burst_delay(&c, log(1.02), 0.0), -1);
    /* with a baseline deviation of 0.2: log 2 / 0.2 - 0.5 = 2.9657: the 2nd */
    cr_assert_eq(sc_burst_delay(&c, log(2.0), 0.2), 2);
}

Test(burst, no_alarm_in_warm_up_and_restart_at_the_new_level)
{
    sc_burst b = make();
    /* a jump inside the warm-up is learnt, not flagged */
    for (int i = 0; i < 11; i++)
        cr_assert_eq(sc_burst_push(&b, i < 6 ? 100.0 : 400.0), 0);
    /* after an alarm the detector restarts at the new level: a plateau is flagged once */
    sc_burst p = make();
    for (int i = 0; i < 20; i++)
        sc_burst_push(&p, 100.0);
    int alarms = 0;
    for (int i = 0; i < 200; i++)
        alarms += sc_burst_push(&p, 300.0);
    cr_assert_eq(alarms, 1);
    cr_assert_eq(p.last_alarm, 20);
    cr_assert_float_eq(p.mu, log(300.0), 1e-12);
    /* and a second step from there is flagged again: +50 % on the step itself */
    cr_assert_eq(sc_burst_push(&p, 450.0), 1);
    /* a fall is never an alarm */
    for (int i = 0; i < 200; i++)
        cr_assert_eq(sc_burst_push(&p, 10.0), 0);
}

/* xorshift64* and Box-Muller: a fixed, platform-independent normal sequence */
static uint64_t rs = 88172645463325252ULL;
static double unif(void)
{
    rs ^= rs >> 12;
    rs ^= rs << 25;
    rs ^= rs >> 27;
    return ((rs * 2685821657736338717ULL) >> 11) * (1.0 / 9007199254740992.0);
}
static double gauss(void)
{
    double u = unif(), v = unif();
    if (u < 1e-300)
        u = 1e-300;
    return sqrt(-2.0 * log(u)) * cos(6.283185307179586 * v);
}

static double alarm_rate(double alpha, double sd, long n)
{
    sc_burst_config c;
    sc_burst_config_init(&c);
    c.alpha = alpha;
    sc_burst b;
    sc_error err;
    cr_assert_eq(sc_burst_init(&b, &c, &err), SC_OK);
    for (long i = 0; i < n; i++)
        sc_burst_push(&b, 500.0 * exp(sd * gauss()));
    return (double)b.n_alarms / (double)n;
}

Test(burst, false_alarm_rate_on_a_stationary_noisy_series)
{
    /* Siegmund: ARL0 = (e^{2kb} - 2kb - 1) / (2k^2), b = h + 1.166 = 6.166, k = 0.5:
     * (e^6.166 - 7.166) / 0.5 = (476.28 - 7.166) / 0.5 = 938.2 observations */
    sc_burst_config c;
    sc_burst_config_init(&c);
    cr_assert_float_eq(sc_burst_arl0(&c), 938.2, 0.5);
    /* log-normal noise, sd 0.2 on the log scale (above sigma_min, so the estimated
     * deviation scales the CUSUM), 400000 observations.  With a long baseline memory
     * (alpha 0.01, ~100 observations) the baseline is nearly known and the run length
     * is Siegmund's within 25 % */
    double r = alarm_rate(0.01, 0.2, 400000);
    cr_assert(r >= 0.75 / 938.2 && r <= 1.25 / 938.2, "alpha 0.01: ARL %g, Siegmund 938", 1 / r);
    /* the default memory (alpha 0.05, ~20 observations, so that it follows a daily
     * cycle) estimates the deviation with more noise: run length ~260 measured, bounded
     * here at 200 (burst.h states it) */
    r = alarm_rate(0.05, 0.2, 400000);
    cr_assert(r <= 1.0 / 200, "alpha 0.05: ARL %g < 200", 1 / r);
    /* noise below sigma_min (sd 0.03: increments of sd 0.6 against k = 0.5, h = 5):
     * rare (3 in 200000 measured), bounded at 10 */
    r = alarm_rate(0.05, 0.03, 200000);
    cr_assert(r <= 5e-5, "sd 0.03: %g alarms per observation", r);
}

Test(burst, ramp_slope_and_extrapolation)
{
    sc_burst b = make();
    cr_assert_float_eq(sc_burst_extrapolate(&b, 1.0), 0.0, 0.0);
    sc_burst_push(&b, 100.0);
    cr_assert_float_eq(sc_burst_slope(&b), 0.0, 0.0); /* one observation */
    sc_burst_push(&b, 200.0);
    cr_assert_float_eq(sc_burst_slope(&b), log(2.0), 1e-12);
    sc_burst_push(&b, 400.0);
    /* three points on a line in log: slope log 2 per observation */
    cr_assert_float_eq(sc_burst_slope(&b), log(2.0), 1e-12);
    /* 400 x 2^1.5 = 1131.37 */
    cr_assert_float_eq(sc_burst_extrapolate(&b, 1.5), 400.0 * pow(2.0, 1.5), 1e-9);
    /* 400 x 2^3 = 3200, capped at 4 x 400 */
    cr_assert_float_eq(sc_burst_extrapolate(&b, 3.0), 1600.0, 1e-9);
    /* 100, 400, 200 (window of 3): slope = ((-1)(log100 - m) + (1)(log200 - m)) / 2 =
     * log 2 / 2: the newest point is not a line through the window */
    sc_burst_push(&b, 100.0);
    sc_burst_push(&b, 400.0);
    sc_burst_push(&b, 200.0);
    cr_assert_float_eq(sc_burst_slope(&b), log(2.0) / 2, 1e-12);
    /* a falling ramp is not extrapolated */
    sc_burst_push(&b, 100.0);
    sc_burst_push(&b, 50.0);
    cr_assert_float_eq(sc_burst_extrapolate(&b, 5.0), 50.0, 1e-9);
    /* NaN and negative count as the floor (1e-3) */
    sc_burst_push(&b, NAN);
    sc_burst_push(&b, -4.0);
    sc_burst_push(&b, 0.0);
    cr_assert_float_eq(sc_burst_extrapolate(&b, 1.0), 1e-3, 1e-15);
}

Test(burst, output_up_to_t_ignores_the_future)
{
    /* two series equal up to t = 300, different after: alarms, slope and state agree at
     * every observation up to t */
    double x[600], y[600];
    for (int i = 0; i < 600; i++) {
        x[i] = 100.0 * exp(0.1 * gauss()) * (i % 97 == 50 ? 3.0 : 1.0);
        y[i] = i < 300 ? x[i] : x[i] * (i % 2 ? 5.0 : 0.1);
    }
    sc_burst a = make(), b = make();
    int differ = 0;
    for (int i = 0; i < 600; i++) {
        int fa = sc_burst_push(&a, x[i]), fb = sc_burst_push(&b, y[i]);
        if (i < 300) {
            cr_assert_eq(fa, fb, "alarm differs at %d", i);
            cr_assert(sc_burst_slope(&a) == sc_burst_slope(&b));
            cr_assert(a.s == b.s && a.mu == b.mu && a.var == b.var);
        } else if (fa != fb || a.s != b.s) {
            differ = 1;
        }
    }
    cr_assert(a.n_alarms > 0, "the series' bursts (x3 every 97) are seen");
    cr_assert(differ, "the perturbation after t is seen");
}

Test(burst, bad_configuration_is_an_input_error)
{
    sc_burst_config c;
    sc_burst b;
    sc_error err;
    static const char *const fields[] = {"k", "h", "alpha", "sigma_min", "floor", "warmup",
                                         "ramp_window", "max_growth"};
    for (int f = 0; f < 8; f++) {
        sc_burst_config_init(&c);
        switch (f) {
        case 0: c.k = -1; break;
        case 1: c.h = 0; break;
        case 2: c.alpha = 1.5; break;
        case 3: c.sigma_min = 0; break;
        case 4: c.floor = -1; break;
        case 5: c.warmup = 0; break;
        case 6: c.ramp_window = SC_BURST_MAX_WINDOW + 1; break;
        default: c.max_growth = 0.5; break;
        }
        cr_assert_eq(sc_burst_init(&b, &c, &err), SC_ERR_INPUT, "%s", fields[f]);
        cr_assert_str_eq(err.where, fields[f]);
    }
}

/* ---- the burst guard in sculpt ------------------------------------------------------ */

#define CSV_PATH SC_BINARY_DIR "/test_burst.csv"
#define HOUR SC_MS_PER_HOUR
#define MIN_MS INT64_C(60000)

/* One app "a" in region "r", 5-minute steps, 3 days of warm-up + 1 day; boot a constant
 * boot_s, app warm-up 30 s; ieq 2 everywhere (plan 4 at target 0.5) except the steps
 * of the measured day given in ramp[] from 12:10 on. */
static sc_run *run_ramp(int boot_s, const double *ramp, int n_ramp, const char *params,
                        sc_scenario **sc_out, sc_world **w_out)
{
    oneregion_csv(CSV_PATH, 5 * 1440, 60, 100);
    char bootspec[64];
    snprintf(bootspec, sizeof bootspec, "{\"dist\": \"const\", \"value_s\": %d}", boot_s);
    oneregion_spec s = oneregion_defaults();
    s.boot = bootspec;
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_burst.json";
    oneregion fx = oneregion_make(&s);
    *sc_out = fx.sc;
    *w_out = fx.w;
    int64_t k0 = (3 * 24 + 12) * 12 + 2; /* 12:10 of the measured day */
    for (int64_t k = 0; k < fx.w->n_steps; k++)
        oneregion_set_ieq(fx.w, k, k >= k0 && k < k0 + n_ramp ? ramp[k - k0] : 2.0);
    return oneregion_run(fx.w, "sculpt", params, 1);
}

/* The on-demand count in force after the decision of each step 12:00 .. 12:55 of the
 * measured day must be want[0..11]; 4 at every step from 01:00 to 11:55 before it. */
static void check_ramp(int boot_s, const char *params, const int want[12])
{
    static const double ramp[] = {4, 8, 8, 8}; /* 12:10 .. 12:25, then 2 again */
    sc_scenario *sc;
    sc_world *w;
    sc_run *r = run_ramp(boot_s, ramp, 4, params, &sc, &w);
    sc_time_ms m0 = sc->start + 3 * 24 * HOUR;
    int held = 20;
    size_t i = 0;
    for (int64_t k = -3 * 24 * 12; k < 13 * 12; k++) {
        sc_time_ms t = m0 + k * 5 * MIN_MS;
        for (; i < r->n_log && r->log[i].t <= t; i++) {
            cr_assert_eq(r->log[i].option, SC_PURCHASE_ONDEMAND);
            held += r->log[i].kind == SC_ACTION_PROVISION ? r->log[i].accepted
                                                          : -r->log[i].accepted;
        }
        if (k < 12)
            continue; /* the warm-up (and the initial 20 being cut to 4) */
        int x = k < 12 * 12 ? 4 : want[k - 12 * 12];
        cr_assert_eq(held, x, "boot %d s, %s: step %lld (%02lld:%02lld): %d instances, expected %d",
                     boot_s, params, (long long)k, (long long)(k / 12), (long long)(k % 12) * 5,
                     held, x);
    }
    sc_run_free(r);
    sc_world_free(w);
    sc_scenario_free(sc);
}

/*
 * ieq 2 for days, then 4 at 12:10, 8 at 12:15, 12:20 and 12:25, 2 from 12:30.  The
 * hourly plan of hour 12 is 4 (naive: hour 11's peak 2); the reactive guard alone asks
 * ceil(x / 0.5): 8 at 12:10, 16 at 12:15 .. 12:25, and 4 again at 12:30 (guard_hold 5
 * min: the current step only).
 *
 * The detector has seen ieq 2 for days: baseline log 2, deviation 0 -> sigma 0.05.
 *  12:10: z - mu = log 2: d = 13.86 > k + h: ALARM, restart at log 4.  Slope of (log 2,
 *         log 2, log 4) = log 2 / 2.  Boot 90 s + warm-up 30 s: L = 120 s, so the ramp
 *         is extrapolated (300 + 120) / 300 = 1.4 steps: 4 x 2^0.7 = 6.498, ceil(6.498 /
 *         0.5) = 13 instances, held to 12:25.
 *  12:15: log 8 - log 4 = log 2 again: ALARM, restart at log 8.  Slope of (log 2, log 4,
 *         log 8) = log 2: 8 x 2^1.4 = 21.11 -> 43, held to 12:30.
 *  12:20: no alarm (z = mu); the alarm of 12:15 is within the 15-min hold and the slope
 *         of (log 4, log 8, log 8) = log 2 / 2 > 0: 8 x 2^0.7 = 13.0 < 21.11 held: 43.
 *  12:25: slope 0 (log 8 three times): nothing new; 21.11 still held: 43.
 *  12:30: the hold has ended: the reactive guard and the plan: 4.
 * With a boot of 390 s, L = 420 s, 2.4 steps: 12:10: 4 x 2^1.2 = 9.19 -> 19; 12:15:
 *  8 x 2^2.4 = 42.2, capped at 4 x 8 = 32 -> 64; 12:20: 8 x 2^1.2 = 18.4 < 32: 64; 12:25:
 *  64; 12:30: 4.  So the step size follows the ramp and the boot delay.
 */
Test(burst, sculpt_guard_launches_for_the_ramp)
{
    static const int plain[12] = {4, 4, 8, 16, 16, 16, 4, 4, 4, 4, 4, 4};
    static const int fast[12] = {4, 4, 13, 43, 43, 43, 4, 4, 4, 4, 4, 4};
    static const int slow[12] = {4, 4, 19, 64, 64, 64, 4, 4, 4, 4, 4, 4};
    check_ramp(90, "{\"on_demand_only\": true, \"forecaster\": \"naive\","
               " \"serve_util\": \"target\", \"headroom\": 1}", plain);
    check_ramp(90, "{\"on_demand_only\": true, \"forecaster\": \"naive\","
               " \"serve_util\": \"target\", \"headroom\": 1, \"burst\": true}",
               fast);
    check_ramp(390, "{\"on_demand_only\": true, \"forecaster\": \"naive\","
               " \"serve_util\": \"target\", \"headroom\": 1, \"burst\": true}",
               slow);
}
