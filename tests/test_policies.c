/*
 * test_policies.c - the predictive policies (snaive-predictive, aws-predictive, oracle,
 * sculpt) on tiny hand-made scenarios, against decisions worked out by hand from each
 * policy's documented rules (core/policy/README.md).
 *
 * Every scenario here has one app, one geography and one region; its demand is written
 * straight into the world's step arrays after sc_world_build (the CSV trace only gives
 * the world its shape).  The app needs 0.01 vCPU per req/s on a 1-vCPU type, so one
 * instance serves 100 req/s at 100 %: ieq = load / 100.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sculpt/rng.h"
#include "sim.h"

#include "oneregion.h"

#define CSV_PATH SC_BINARY_DIR "/test_policies_flat.csv"
#define MIN_MS SC_MS_PER_MIN

typedef oneregion fixture;

/* One app "a" in region "r" for geography "g" (oneregion.h); a flat CSV at 1-minute
 * resolution covering 2026-01-05 .. 2026-01-15; boot constant boot_s (or, when boot_s <=
 * 0, lognormal with median 97 s and p95 160 s), app warm-up 30 s. */
static fixture make(const char *warmup, const char *duration, const char *step, int initial,
                    int boot_s)
{
    oneregion_csv(CSV_PATH, 10 * 1440, 1, 100);
    char bootspec[128];
    if (boot_s > 0)
        snprintf(bootspec, sizeof bootspec, "{\"dist\": \"const\", \"value_s\": %d}", boot_s);
    else
        snprintf(bootspec, sizeof bootspec,
                 "{\"dist\": \"lognormal\", \"median_s\": 97, \"p95_s\": 160}");
    oneregion_spec s = oneregion_defaults();
    s.seed = 11;
    s.warmup = warmup;
    s.duration = duration;
    s.step = step;
    s.boot = bootspec;
    s.reserved_term = "365d";
    s.initial = initial;
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_policies.json";
    return oneregion_make(&s);
}

static void fill_ieq(fixture *fx, double ieq)
{
    for (int64_t k = 0; k < fx->w->n_steps; k++)
        oneregion_set_ieq(fx->w, k, ieq);
}

static sc_run *run(fixture *fx, const char *policy, const char *params)
{
    return oneregion_run(fx->w, policy, params, 1);
}

/* ---- snaive-predictive --------------------------------------------------------- */

/*
 * Week of warm-up + 1 day, 5-minute steps, boot 90 s + warm-up 30 s = lead 120 s.
 * Demand ieq 1 everywhere (2 instances at target 0.5) except step S = 500 of week 0 and
 * step S + W (W = 2016 steps in a week) of week 1, where it is 3 (6 instances).
 *  - week 0 (no history a week back): reactive-like, the decision at the start of step
 *    S sees 3 and provisions 6 - 2 = 4 then; they serve after 120 s, so step S has
 *    2 + 4 * 180/300 = 4.4 serving instances on average; at S + 1 they are removed.
 *  - week 1: the decision at the start of step S + W - 1 covers [now, now + 300 s +
 *    120 s), i.e. steps S+W-1 and S+W, and step S+W's forecast is ieq(S) = 3: it
 *    provisions 4 one step early, and step S + W is served by 6 instances throughout.
 */
Test(snaive_predictive, provisions_last_weeks_value_one_lead_time_ahead)
{
    fixture fx = make("7d", "1d", "5m", 2, 90);
    const int64_t S = 100, W = 2016;
    fill_ieq(&fx, 1.0);
    oneregion_set_ieq(fx.w, S, 3.0);
    oneregion_set_ieq(fx.w, S + W, 3.0);
    sc_run *r = run(&fx, "snaive-predictive", "{}");
    sc_time_ms t_early = fx.sc->start + (S + W - 1) * 300000;
    sc_time_ms t_w0 = fx.sc->start + S * 300000;
    int seen_early = 0, seen_w0 = 0;
    for (size_t i = 0; i < r->n_log; i++) {
        const sc_action_log *l = &r->log[i];
        if (l->t == t_early) {
            cr_assert_eq(l->kind, SC_ACTION_PROVISION);
            cr_assert_eq(l->count, 4);
            seen_early = 1;
        } else if (l->t == t_w0) {
            cr_assert_eq(l->kind, SC_ACTION_PROVISION);
            cr_assert_eq(l->count, 4);
            seen_w0 = 1;
        } else if (l->kind == SC_ACTION_PROVISION) {
            cr_assert_fail("unexpected provision at step %lld",
                           (long long)((l->t - fx.sc->start) / 300000));
        }
    }
    cr_assert(seen_early && seen_w0);
    cr_assert_float_eq(r->instances[S], 4.4, 1e-9);
    cr_assert_float_eq(r->instances[S + W], 6.0, 1e-9);
    cr_assert_float_eq(r->instances[S + W + 1], 2.0, 1e-9);
    cr_assert_float_eq(r->instances[S + W - 2], 2.0, 1e-9);
    sc_run_free(r);
    oneregion_drop(&fx);
}

Test(snaive_predictive, rejects_bad_parameters)
{
    fixture fx = make("1h", "1h", "5m", 2, 90);
    sc_policy_spec spec = {.params_json = (char *)"{\"season\": \"7m\"}"};
    snprintf(spec.name, sizeof spec.name, "snaive-predictive");
    snprintf(spec.label, sizeof spec.label, "x");
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "season") != NULL, "%s", err.msg);
    /* the place names the parameter (params.h), the message the step it must divide */
    cr_assert(strstr(err.where, "season") != NULL, "%s", err.where);
    cr_assert_str_eq(err.msg, "season: expected a whole number of scenario steps (300000 ms), "
                              "got 420000 ms");
    spec.params_json = (char *)"{\"bogus\": 1}";
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "bogus") != NULL, "%s", err.msg);
    /* checked by sc_policy_alloc against the declared table; nothing close: the list */
    cr_assert_str_eq(err.msg, "unknown parameter 'bogus' (valid: cadence, season, target_util, "
                              "boot_quantile)");
    spec.params_json = (char *)"{\"seasn\": \"7d\"}";
    cr_assert_eq(sc_run_policy(fx.w, &spec, 0, &r, &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.msg, "unknown parameter 'seasn' (did you mean 'season'?)");
    cr_assert_null(r);
    oneregion_drop(&fx);
}

/* ---- aws-predictive ------------------------------------------------------------ */

/*
 * Target tracking alone, 1-minute steps, 2 instances, target 0.5.  ieq 1 (u = 0.5, not
 * above target) until minute 100, then 1.5 (u = 0.75): datapoints above target at
 * minutes 100, 101, 102, so the 3rd, at minute 102, scales out to ceil(0.75 * 2 / 0.5)
 * = 3 (one launch).  From minute 140 ieq is 1 again: u = 1/3 and ceil(1/3 * 3 / 0.5) =
 * 2 < 3 removes one instance, after 15 datapoints: minutes 140..154, so at minute 154.
 */
Test(aws_predictive, target_tracking_out_after_3_in_after_15)
{
    fixture fx = make("1h", "3h", "1m", 2, 90);
    fill_ieq(&fx, 1.0);
    for (int64_t k = 100; k < 140; k++)
        oneregion_set_ieq(fx.w, k, 1.5);
    sc_run *r = run(&fx, "aws-predictive", "{\"predictive\": false}");
    cr_assert_eq(r->n_log, 2);
    cr_assert_eq(r->log[0].kind, SC_ACTION_PROVISION);
    cr_assert_eq(r->log[0].count, 1);
    cr_assert_eq(r->log[0].t, fx.sc->start + 102 * MIN_MS);
    cr_assert_eq(r->log[1].kind, SC_ACTION_DEPROVISION);
    cr_assert_eq(r->log[1].count, 1);
    cr_assert_eq(r->log[1].t, fx.sc->start + 154 * MIN_MS);
    sc_run_free(r);
    /* the same with out_periods 5: minute 104 */
    r = run(&fx, "aws-predictive", "{\"predictive\": false, \"out_periods\": 5}");
    cr_assert_eq(r->log[0].t, fx.sc->start + 104 * MIN_MS);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/*
 * Predictive alone, 5-minute steps, 1 day of warm-up + 1 day.  Day 0: ieq 1 except hour
 * 5 (ieq 3).  The first forecast is made at 24 h with exactly 24 whole hours: ets needs
 * 3 x 24 observations for a daily season, so the fallback hierarchy answers with snaive,
 * whose forecast of hour 24 + i is hour i of day 0.  Hence: at 24 h the floor of hour 24
 * is ceil(1 / 0.5) = 2 (one launch: the initial 1 instance is below it), and at 29 h -
 * 300 s (the pre-launch buffer) the floor of hour 29 is ceil(3 / 0.5) = 6: 4 launches at
 * 28:55.  Day 1's demand is 0.1 everywhere, and the forecasts of later refits fall, yet
 * predictive scaling never scales in: no deprovision at all.
 */
Test(aws_predictive, prelaunch_buffer_and_no_scale_in_on_forecast)
{
    fixture fx = make("1d", "1d", "5m", 1, 90);
    fill_ieq(&fx, 1.0);
    for (int64_t k = 5 * 12; k < 6 * 12; k++)
        oneregion_set_ieq(fx.w, k, 3.0);
    for (int64_t k = 24 * 12; k < 48 * 12; k++)
        oneregion_set_ieq(fx.w, k, 0.1);
    sc_run *r = run(&fx, "aws-predictive", "{\"target_tracking\": false}");
    cr_assert_eq(r->n_log, 2);
    cr_assert_eq(r->log[0].kind, SC_ACTION_PROVISION);
    cr_assert_eq(r->log[0].count, 1);
    cr_assert_eq(r->log[0].t, fx.sc->start + 24 * SC_MS_PER_HOUR);
    cr_assert_eq(r->log[1].kind, SC_ACTION_PROVISION);
    cr_assert_eq(r->log[1].count, 4);
    cr_assert_eq(r->log[1].t, fx.sc->start + 29 * SC_MS_PER_HOUR - 300000);
    sc_run_free(r);
    /* buffer 600 s: ten minutes before the hour */
    r = run(&fx, "aws-predictive", "{\"target_tracking\": false, \"buffer\": \"600s\"}");
    cr_assert_eq(r->n_log, 2);
    cr_assert_eq(r->log[1].t, fx.sc->start + 29 * SC_MS_PER_HOUR - 600000);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/* ---- oracle -------------------------------------------------------------------- */

/*
 * Constant demand of 2.5 ieq over a measured period of 2 h, on-demand price 0.1 USD/h,
 * penalty 0.01 USD per req/s-hour = 1 USD per ieq-hour (100 req/s per instance) > the
 * price, so the relaxation covers all demand: bound = 0.1 x 2.5 x 2 = 0.5 USD.  The
 * executed plan holds ceil(2.5) = 3 instances from the start (initial 3): 0.1 x 3 x 2 =
 * 0.6 USD, nothing unserved.
 */
Test(oracle, bound_known_answer_and_executed_cost)
{
    fixture fx = make("1h", "2h", "5m", 3, 90);
    fill_ieq(&fx, 2.5);
    sc_run *r = run(&fx, "oracle", "{}");
    cr_assert_float_eq(r->sum.lower_bound_usd, 0.5, 1e-6);
    cr_assert_float_eq(r->sum.cost_usd, 0.6, 1e-6);
    cr_assert_float_eq(r->sum.penalty_usd, 0.0, 1e-9);
    cr_assert_eq(r->n_log, 0);
    sc_run_free(r);
    /* a policy without a bound reports NaN */
    r = run(&fx, "reactive", "{}");
    cr_assert(isnan(r->sum.lower_bound_usd));
    sc_run_free(r);
    oneregion_drop(&fx);
}

/*
 * Random small scenarios (demand a seeded random walk with jumps, lognormal boot):
 * the oracle's penalised cost is never above any other policy's, and its LP bound is
 * never above its own executed penalised cost (nor anybody else's on on-demand capacity).
 */
Test(oracle, never_worse_than_any_policy_and_bound_below)
{
    static const char *const others[] = {"static", "reactive", "snaive-predictive",
                                         "aws-predictive"};
    for (int trial = 0; trial < 6; trial++) {
        fixture fx = make("1d", "6h", "5m", 2 + trial, trial % 2 ? 0 : 60 + 40 * trial);
        double level = 1.0 + trial;
        for (int64_t k = 0; k < fx.w->n_steps; k++) {
            double u = sc_rng_u01(sc_rng_key(1234, SC_RNG_TRACE, (uint64_t)trial, 0, (uint64_t)k));
            level *= 0.85 + 0.3 * u;
            if (level < 0.2)
                level = 0.2;
            if (level > 40)
                level = 40;
            double jump = u > 0.97 ? 3.0 : 1.0;
            oneregion_set_ieq(fx.w, k, level * jump);
        }
        sc_run *o = run(&fx, "oracle", "{}");
        double opc = o->sum.penalised_cost_usd;
        cr_assert(o->sum.lower_bound_usd <= opc + 1e-9, "trial %d: bound %g > executed %g", trial,
                  o->sum.lower_bound_usd, opc);
        cr_assert(o->sum.lower_bound_usd > 0);
        for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
            sc_run *r = run(&fx, others[i], "{}");
            cr_assert(opc <= r->sum.penalised_cost_usd + 1e-9,
                      "trial %d: oracle %g > %s %g", trial, opc, others[i],
                      r->sum.penalised_cost_usd);
            cr_assert(o->sum.lower_bound_usd <= r->sum.penalised_cost_usd + 1e-9);
            sc_run_free(r);
        }
        sc_run_free(o);
        oneregion_drop(&fx);
    }
}

/* ---- sculpt -------------------------------------------------------------------- */

/*
 * A daily pattern: ieq 1 except 10:00-11:00, ieq 4.  Two days of warm-up, one measured.
 * On-demand only, no guard, one quantile (0.5), forecaster hierarchy from ets, refitted
 * daily (the default refit is weekly since harmonic became the default).  From 24 h
 * on the forecaster is snaive (ets with a daily season needs 72 hourly observations; the
 * hierarchy falls back), and
 * the pattern repeats exactly, so the forecast is exact with zero spread.  The penalty
 * (0.01 USD per req/s-hour = 1 USD per ieq-hour) exceeds the price of serving one ieq-hour
 * at target 0.5 (0.2 USD), so the plan covers demand: 8 instances for the peak hour,
 * 2 otherwise.  Hence, on day 1 and day 2: a provision of 6 issued at 10:00 - lead
 * (lead = boot 90 s + warm-up 30 s = 120 s, so at 09:58), and forecast-driven scale-in
 * of 6 at 11:00, the start of the first hour that no longer needs them.
 */
Test(sculpt, provisions_before_the_forecast_peak_and_scales_in_after)
{
    fixture fx = make("2d", "1d", "5m", 2, 90);
    fill_ieq(&fx, 1.0);
    for (int d = 0; d < 3; d++)
        for (int64_t k = 0; k < 12; k++)
            oneregion_set_ieq(fx.w, d * 288 + 10 * 12 + k, 4.0);
    sc_run *r = run(&fx, "sculpt",
                    "{\"on_demand_only\": true, \"guard\": false, \"quantiles\": [0.5],"
                    " \"forecaster\": \"ets\", \"refit\": \"24h\", \"intra_hour\": false,"
                    /* the hand-computed plan is at the app's target and the forecast as
                     * it is: the sizing before sculpt_size.c's default */
                    " \"serve_util\": \"target\", \"headroom\": 1}");
    /* the hourly plan's timed actions (intra_hour false); the default step controller
     * is tested in test_policy_sculpt_intrahour.c */
    for (int d = 1; d < 3; d++) {
        sc_time_ms t_up = fx.sc->start + d * SC_MS_PER_DAY + 10 * SC_MS_PER_HOUR - 120000;
        sc_time_ms t_down = fx.sc->start + d * SC_MS_PER_DAY + 11 * SC_MS_PER_HOUR;
        int up = 0, down = 0;
        for (size_t i = 0; i < r->n_log; i++) {
            const sc_action_log *l = &r->log[i];
            if (l->t == t_up && l->kind == SC_ACTION_PROVISION && l->count == 6)
                up++;
            if (l->t == t_down && l->kind == SC_ACTION_DEPROVISION && l->count == 6)
                down++;
            if (l->t > t_up - SC_MS_PER_HOUR && l->t < t_up)
                cr_assert_fail("day %d: unexpected action at %lld ms", d, (long long)l->t);
        }
        cr_assert_eq(up, 1, "day %d: no provision of 6 at 09:58", d);
        cr_assert_eq(down, 1, "day %d: no deprovision of 6 at 11:00", d);
        /* the peak steps were served by 8 instances throughout */
        int64_t k10 = d * 288 + 10 * 12;
        cr_assert_float_eq(r->instances[k10], 8.0, 1e-9);
        cr_assert_float_eq(r->instances[k10 + 11], 8.0, 1e-9);
        cr_assert_float_eq(r->instances[k10 + 12], 2.0, 1e-9);
    }
    sc_run_free(r);
    oneregion_drop(&fx);
}

/* With a zero penalty, shortfall is free: the cheapest plan holds min_instances (1). */
Test(sculpt, zero_penalty_holds_the_minimum)
{
    fixture fx = make("1h", "3h", "5m", 4, 90);
    fill_ieq(&fx, 3.0);
    sc_run *r = run(&fx, "sculpt",
                    "{\"penalty_multiplier\": 0, \"guard\": false, \"on_demand_only\": true}");
    cr_assert_geq(r->n_log, 1);
    cr_assert_eq(r->log[0].t, fx.sc->start);
    cr_assert_eq(r->log[0].kind, SC_ACTION_DEPROVISION);
    cr_assert_eq(r->log[0].count, 3);
    for (int64_t k = 0; k < fx.w->n_steps; k++)
        cr_assert_float_eq(r->instances[k], 1.0, 1e-9);
    sc_run_free(r);
    oneregion_drop(&fx);
}
