/*
 * test_policy_sculpt_reserve.c - the sculpt policy's reserved purchases (commitment
 * points, the newsvendor level of policy_sculpt.h) and its event feed (announced events
 * as regressors, no look-ahead), against expectations worked out by hand.
 *
 * Scenarios: one app "a", one region "r", one geography "g"; the app needs 0.01 vCPU
 * per req/s on a 1-vCPU type, so one instance serves 100 req/s at 100 % (ieq = load /
 * 100) and, at target 0.5, an ieq of x needs ceil(2 x) instances.  Prices: on-demand
 * 0.10, reserved 0.06 USD/h (c_res / c_od = 0.6), no spot.  Demand is written straight
 * into the world's arrays (the CSV only gives the world its shape).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "sculpt/events.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sim.h"

#include "oneregion.h"

#define CSV_PATH SC_BINARY_DIR "/test_policy_sculpt_flat.csv"
#define FEED_FULL SC_BINARY_DIR "/test_policy_sculpt_feed_full.csv"
#define FEED_CUT SC_BINARY_DIR "/test_policy_sculpt_feed_cut.csv"
#define HOUR SC_MS_PER_HOUR
#define DAY SC_MS_PER_DAY

/* ---- the rule on its own ---------------------------------------------------------- */

Test(sculpt_reserve_rule, flat_demand_buys_all_of_it)
{
    int need[100];
    for (int i = 0; i < 100; i++)
        need[i] = 7;
    double sav = -1;
    /* every hour needs 7: the 7th reserved instance saves c_od = 0.10 >= 0.06 every
     * hour, the 8th saves nothing */
    cr_assert_eq(sc_sculpt_reserve_level(need, 100, 0.06, 0.10, NAN, 0.0, &sav), 7);
    cr_assert_float_eq(sav, 0.10, 1e-12);
}

Test(sculpt_reserve_rule, high_ten_percent_of_hours_buys_the_low_level)
{
    /* need 20 in 10 of 100 hours, 5 otherwise; c_res / c_od = 0.6.  Instances 1..5 are
     * used every hour (saving 0.10 >= 0.06); instances 6..20 only 10 % of the hours
     * (saving 0.1 x 0.10 = 0.01 < 0.06): buy 5, the level exceeded in >= 60 % of hours. */
    int need[100];
    for (int i = 0; i < 100; i++)
        need[i] = i % 10 == 3 ? 20 : 5;
    double sav = -1;
    cr_assert_eq(sc_sculpt_reserve_level(need, 100, 0.06, 0.10, NAN, 0.0, &sav), 5);
    cr_assert_float_eq(sav, 0.10, 1e-12);
}

Test(sculpt_reserve_rule, exceedance_exactly_at_the_price_ratio_buys)
{
    /* 3 of 5 hours need 5, 2 need 3: level 5 is exceeded in 60 % of the hours, saving
     * 0.6 x 0.10 = 0.06 = c_res: bought.  At c_res = 0.061 it is not, and the level is 3
     * (used every hour). */
    int need[5] = {5, 3, 5, 3, 5};
    double sav = -1;
    cr_assert_eq(sc_sculpt_reserve_level(need, 5, 0.06, 0.10, NAN, 0.0, &sav), 5);
    cr_assert_float_eq(sav, 0.06, 1e-12);
    cr_assert_eq(sc_sculpt_reserve_level(need, 5, 0.061, 0.10, NAN, 0.0, &sav), 3);
    cr_assert_float_eq(sav, 0.10, 1e-12);
}

Test(sculpt_reserve_rule, spot_within_its_share_is_the_alternative)
{
    /* flat need 10, spot share 0.5: at most 5 instances may be spot, so instances 1..5
     * replace on-demand (0.10) and 6..10 replace spot.  Spot at 0.035 < c_res: buy 5;
     * spot at 0.08 > c_res: reserved beats spot too, buy 10. */
    int need[24];
    for (int i = 0; i < 24; i++)
        need[i] = 10;
    double sav;
    cr_assert_eq(sc_sculpt_reserve_level(need, 24, 0.06, 0.10, 0.035, 0.5, &sav), 5);
    cr_assert_float_eq(sav, 0.10, 1e-12);
    cr_assert_eq(sc_sculpt_reserve_level(need, 24, 0.06, 0.10, 0.08, 0.5, &sav), 10);
    cr_assert_float_eq(sav, 0.08, 1e-12);
    /* odd need: ceil((1 - 0.5) x 7) = 4 must be on-demand or reserved */
    for (int i = 0; i < 24; i++)
        need[i] = 7;
    cr_assert_eq(sc_sculpt_reserve_level(need, 24, 0.06, 0.10, 0.035, 0.5, NULL), 4);
}

Test(sculpt_reserve_rule, nothing_to_buy)
{
    int zero[3] = {0, 0, 0};
    double sav = -1;
    cr_assert_eq(sc_sculpt_reserve_level(zero, 3, 0.06, 0.10, NAN, 0.0, &sav), 0);
    cr_assert_float_eq(sav, 0.0, 1e-12);
    int need[2] = {4, 4};
    cr_assert_eq(sc_sculpt_reserve_level(need, 0, 0.06, 0.10, NAN, 0.0, NULL), 0);
    cr_assert_eq(sc_sculpt_reserve_level(NULL, 2, 0.06, 0.10, NAN, 0.0, NULL), 0);
    /* reserved dearer than on-demand: never worth it below a certain hour */
    int half[4] = {4, 0, 4, 0};
    cr_assert_eq(sc_sculpt_reserve_level(half, 4, 0.11, 0.10, NAN, 0.0, NULL), 0);
}

/* ---- scenario fixture --------------------------------------------------------------- */

typedef oneregion fixture;

/* The one-region world (oneregion.h) with reserved 0.06 USD/h beside on-demand 0.10 and
 * a 365-day term; 5-minute steps over a flat hourly CSV of 8 days. */
static fixture make(const char *warmup, const char *duration, int initial)
{
    oneregion_csv(CSV_PATH, 8 * 1440, 60, 100);
    oneregion_spec s = oneregion_defaults();
    s.warmup = warmup;
    s.duration = duration;
    s.reserved_term = "365d";
    s.prices = "{\"on_demand\": 0.1, \"reserved\": 0.06}";
    s.initial = initial;
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_policy_sculpt.json";
    return oneregion_make(&s);
}

/* These tests hand-compute plans at the app's target_util and the forecast as it is
 * (oneregion_legacy). */
static sc_run *run(fixture *fx, const char *params)
{
    char buf[1024];
    return oneregion_run(fx->w, "sculpt", oneregion_legacy(params, buf, sizeof buf), 1);
}

/* One decision of a sculpt instance at now, on the world's demand up to now, with
 * empty pools.  Returns the policy (caller frees) and fills plan. */
static sc_policy *decide_once(fixture *fx, const char *params, sc_time_ms now, sc_plan *plan)
{
    const sc_policy_type *pt;
    sc_error err;
    cr_assert_eq(sc_policy_find("sculpt", &pt, &err), SC_OK);
    sc_policy *p = NULL;
    char buf[1024];
    const char *legacy = oneregion_legacy(params, buf, sizeof buf);
    cr_assert_eq(sc_policy_alloc(pt, fx->sc, legacy, "test", &p, &err), SC_OK, "%s", err.msg);
    static sc_pool_state pools[SC_PURCHASE_COUNT];
    memset(pools, 0, sizeof pools);
    int64_t step = (now - fx->sc->start) / fx->sc->step_ms;
    sc_policy_view v = {.sc = fx->sc,
                        .now = now,
                        .step = step,
                        .n_steps = fx->w->n_steps,
                        .warmup_steps = fx->w->warmup_steps,
                        .load = (const float *const *)fx->w->load_ar,
                        .ieq = (const float *const *)fx->w->ieq_ar,
                        .load_now = &fx->w->load_ar[0][step],
                        .ieq_now = &fx->w->ieq_ar[0][step],
                        .pools = pools,
                        .clairvoyant = 0};
    cr_assert_eq(sc_policy_decide(p, &v, plan, &err), SC_OK, "%s", err.msg);
    return p;
}

/*
 * Flat demand of ieq 10 (20 instances at target 0.5) for 30 h; a commitment point at
 * 30 h (reserve_every 30h) with a 30 h history and a 6 h horizon forecast by `naive`
 * (the last hour: 10).  The view is 36 hours all needing 20: buy 20 reserved, explained
 * as covering the level exceeded in every hour (exceed_frac 1, quantile 0), level 10
 * ieq, binding "reserved", commitment 20 x 0.06 x 8760 h = 10512 USD.
 */
Test(sculpt_reserve, flat_demand_decision_buys_n_with_its_explanation)
{
    fixture fx = make("30h", "18h", 0);
    for (int64_t k = 0; k < fx.w->n_steps; k++)
        oneregion_set_ieq(fx.w, k, 10.0);
    sc_plan plan;
    sc_plan_init(&plan);
    sc_time_ms now = fx.sc->start + 30 * HOUR;
    sc_policy *p = decide_once(&fx,
                               "{\"reserve_every\": \"30h\", \"reserve_history\": \"30h\","
                               " \"horizon\": \"6h\", \"forecaster\": \"naive\", \"guard\": false}",
                               now, &plan);
    size_t n = 0;
    const sc_sculpt_reserve *log = sc_sculpt_reserve_log(p, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(log[0].t, now);
    cr_assert_eq(log[0].held, 0);
    cr_assert_eq(log[0].rule_level, 20);
    cr_assert_eq(log[0].level, 20);
    cr_assert_eq(log[0].count, 20);
    cr_assert_eq(log[0].hours_history, 30);
    cr_assert_eq(log[0].hours, 36);
    cr_assert_float_eq(log[0].exceed_frac, 1.0, 1e-12);
    cr_assert_float_eq(log[0].mean_saving, 0.10, 1e-12);
    cr_assert_float_eq(log[0].commit_usd, 20 * 0.06 * 8760.0, 1e-6);
    cr_assert_eq(log[0].end_ms, now + 365 * DAY);
    /* the plan holds the purchase, issued now */
    int found = 0;
    for (size_t i = 0; i < plan.n; i++)
        if (plan.actions[i].option == SC_PURCHASE_RESERVED) {
            cr_assert_eq(plan.actions[i].kind, SC_ACTION_PROVISION);
            cr_assert_eq(plan.actions[i].count, 20);
            cr_assert_eq(plan.actions[i].issue_ms, now);
            found++;
        }
    cr_assert_eq(found, 1);
    sc_plan_cleanup(&plan);
    sc_policy_free(p);
    oneregion_drop(&fx);
}

/*
 * Demand high (ieq 20: 40 instances) in 3 of the 30 history hours (hours 3, 13, 23),
 * ieq 5 (10 instances) otherwise; the last hour is low, so the naive forecast adds 10
 * hours of 10 instances: 3 of 40 hours are high.  Level 10 is exceeded in every hour
 * (saving 0.10 >= 0.06); level 11 only in 3/40 = 7.5 % of them (0.0075 < 0.06): buy 10,
 * the low level, and not the high one.
 */
Test(sculpt_reserve, high_ten_percent_buys_the_low_level)
{
    fixture fx = make("30h", "18h", 0);
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        int64_t hour = k / 12;
        oneregion_set_ieq(fx.w, k, hour % 10 == 3 ? 20.0 : 5.0);
    }
    sc_plan plan;
    sc_plan_init(&plan);
    sc_time_ms now = fx.sc->start + 30 * HOUR;
    sc_policy *p = decide_once(&fx,
                               "{\"reserve_every\": \"30h\", \"reserve_history\": \"30h\","
                               " \"horizon\": \"10h\", \"forecaster\": \"naive\", \"guard\": false}",
                               now, &plan);
    size_t n = 0;
    const sc_sculpt_reserve *log = sc_sculpt_reserve_log(p, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(log[0].level, 10);
    cr_assert_eq(log[0].count, 10);
    cr_assert_eq(log[0].hours, 40);
    cr_assert_float_eq(log[0].exceed_frac, 1.0, 1e-12);
    cr_assert_float_eq(log[0].c_res / log[0].c_od, 0.6, 1e-12);
    sc_plan_cleanup(&plan);
    sc_policy_free(p);
    oneregion_drop(&fx);
}

/* No purchase before the first commitment point, with reserve_every 0, or on demand
 * only. */
Test(sculpt_reserve, no_purchase_off_the_commitment_points)
{
    fixture fx = make("30h", "18h", 0);
    for (int64_t k = 0; k < fx.w->n_steps; k++)
        oneregion_set_ieq(fx.w, k, 10.0);
    const char *params[] = {
        "{\"reserve_every\": \"31h\", \"forecaster\": \"naive\"}",
        "{\"reserve_every\": 0, \"forecaster\": \"naive\"}",
        "{\"reserve_every\": \"30h\", \"on_demand_only\": true, \"forecaster\": \"naive\"}"};
    for (int i = 0; i < 3; i++) {
        sc_plan plan;
        sc_plan_init(&plan);
        sc_policy *p = decide_once(&fx, params[i], fx.sc->start + 30 * HOUR, &plan);
        size_t n = 9;
        sc_sculpt_reserve_log(p, &n);
        cr_assert_eq(n, 0, "params %d bought reserved", i);
        for (size_t j = 0; j < plan.n; j++)
            cr_assert_neq(plan.actions[j].option, SC_PURCHASE_RESERVED);
        sc_plan_cleanup(&plan);
        sc_policy_free(p);
    }
    oneregion_drop(&fx);
}

/*
 * In the simulator: flat ieq 10, 1 day of warm-up + 2 days, reserve_every 1d.  At the
 * first commitment point (the start of the measured period) 20 reserved instances are
 * bought and accepted; at the second (day 2) the rule's level is still 20 = held, so
 * nothing more is bought.  The measured reserved cost is the pro-rated commitment:
 * 20 x 0.06 USD x 48 h = 57.6 USD, paid whether used or not.
 */
Test(sculpt_reserve, simulated_flat_run_commits_once_and_pays_pro_rata)
{
    fixture fx = make("1d", "2d", 20);
    for (int64_t k = 0; k < fx.w->n_steps; k++)
        oneregion_set_ieq(fx.w, k, 10.0);
    sc_run *r = run(&fx, "{\"reserve_every\": \"1d\"}");
    int buys = 0;
    for (size_t i = 0; i < r->n_log; i++) {
        const sc_action_log *l = &r->log[i];
        if (l->option != SC_PURCHASE_RESERVED)
            continue;
        cr_assert_eq(l->kind, SC_ACTION_PROVISION);
        cr_assert_eq(l->t, fx.sc->start + DAY);
        cr_assert_eq(l->count, 20);
        cr_assert_eq(l->accepted, 20);
        buys++;
    }
    cr_assert_eq(buys, 1);
    cr_assert_float_eq(r->sum.cost_by_option[SC_PURCHASE_RESERVED], 20 * 0.06 * 48.0, 1e-6);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/* ---- event feed ----------------------------------------------------------------------- */

static void write_feed(const char *path, int with_last)
{
    sc_event_feed *f = sc_event_feed_alloc();
    cr_assert(f != NULL);
    sc_time_ms t0;
    cr_assert_eq(sc_time_parse("2026-01-05T00:00:00Z", NULL, &t0), SC_OK);
    sc_error err;
    for (int d = 1; d <= 4; d++) {
        if (d == 3 || (d == 4 && !with_last))
            continue;
        sc_event ev = {.start_ms = t0 + d * DAY + 10 * HOUR, .end_ms = t0 + d * DAY + 18 * HOUR,
                       .lift = 1.5};
        snprintf(ev.app, sizeof ev.app, "a");
        snprintf(ev.geo, sizeof ev.geo, "g");
        snprintf(ev.kind, sizeof ev.kind, "campaign");
        cr_assert_eq(sc_event_feed_add(f, &ev, &err), SC_OK, "%s", err.msg);
    }
    cr_assert_eq(sc_event_feed_write(f, path, &err), SC_OK, "%s", err.msg);
    sc_event_feed_free(f);
}

/*
 * Campaigns (ieq 2 -> 5) on days 1, 2 and 4, 10:00-18:00, all announced in the feed;
 * 3 days of warm-up + 2.  An event counts as known from its start minus announce_lead
 * (24 h), so the day-4 campaign is known from day 3 10:00.  Run once with the whole
 * feed and once with the feed without the day-4 campaign: every decision before day 3
 * 10:00 must be the same (no look-ahead into the feed), and later ones must differ (the
 * feed is read at all: with it, capacity for the campaign is planned ahead).
 */
Test(sculpt_events, only_known_announcements_are_used)
{
    fixture fx = make("3d", "2d", 4);
    for (int64_t k = 0; k < fx.w->n_steps; k++) {
        int64_t hod = (k / 12) % 24, day = k / 288;
        int camp = (day == 1 || day == 2 || day == 4) && hod >= 10 && hod < 18;
        oneregion_set_ieq(fx.w, k, camp ? 5.0 : 2.0 + 0.3 * sin(2 * 3.14159265358979323846 * (double)hod / 24.0));
    }
    write_feed(FEED_FULL, 1);
    write_feed(FEED_CUT, 0);
    sc_run *a = run(&fx, "{\"events\": \"" FEED_FULL "\", \"reserve_every\": 0}");
    sc_run *b = run(&fx, "{\"events\": \"" FEED_CUT "\", \"reserve_every\": 0}");
    sc_time_ms cut = fx.sc->start + 3 * DAY + 10 * HOUR;
    size_t i = 0;
    while (i < a->n_log && i < b->n_log && a->log[i].t < cut) {
        cr_assert_eq(a->log[i].t, b->log[i].t, "entry %zu", i);
        cr_assert_eq(a->log[i].kind, b->log[i].kind, "entry %zu", i);
        cr_assert_eq(a->log[i].option, b->log[i].option, "entry %zu", i);
        cr_assert_eq(a->log[i].count, b->log[i].count, "entry %zu", i);
        i++;
    }
    cr_assert(i < a->n_log && a->log[i].t >= cut);
    cr_assert(i < b->n_log && b->log[i].t >= cut);
    int differ = a->n_log != b->n_log;
    for (size_t j = i; !differ && j < a->n_log; j++)
        differ = a->log[j].t != b->log[j].t || a->log[j].count != b->log[j].count ||
                 a->log[j].kind != b->log[j].kind;
    cr_assert(differ, "the announced day-4 campaign changed no decision");
    /* with the announcement the day-4 campaign is served better */
    cr_assert_leq(a->sum.violation_minutes, b->sum.violation_minutes);
    sc_run_free(a);
    sc_run_free(b);
    oneregion_drop(&fx);
}

Test(sculpt_events, bad_feed_is_an_input_error)
{
    fixture fx = make("1d", "1d", 4);
    const sc_policy_type *pt;
    sc_error err;
    cr_assert_eq(sc_policy_find("sculpt", &pt, &err), SC_OK);
    sc_policy *p = NULL;
    cr_assert_eq(sc_policy_alloc(pt, fx.sc, "{\"events\": \"no-such-feed.csv\"}", "here", &p,
                                 &err),
                 SC_ERR_IO);
    cr_assert_null(p);
    cr_assert(strstr(err.msg, "events") != NULL, "%s", err.msg);
    cr_assert_eq(sc_policy_alloc(pt, fx.sc, "{\"events\": 3}", "here", &p, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_policy_alloc(pt, fx.sc, "{\"reserve_every\": \"-1h\"}", "here", &p, &err),
                 SC_ERR_INPUT);
    oneregion_drop(&fx);
}
