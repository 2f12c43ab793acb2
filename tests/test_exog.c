/*
 * test_exog.c - sc_exog_from_feed: an announced event feed as regressor columns.
 *
 * Expected columns are worked out by hand below from the documented rule (row k covers
 * [t0 + k step, t0 + (k+1) step); an applying event that overlaps it sets its kind's
 * indicator and adds its stated lift), not taken from the code's output.
 */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sculpt/events.h"
#include "sculpt/forecast.h"

#define HOUR INT64_C(3600000)
#define PI 3.14159265358979323846
#define T0 INT64_C(1709510400000) /* 2024-03-04T00:00:00Z (date -u -d ... +%s) */

static void add(sc_event_feed *f, int64_t s_min, int64_t e_min, const char *app,
                const char *geo, const char *kind, double lift)
{
    sc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.start_ms = T0 + s_min * 60000;
    ev.end_ms = T0 + e_min * 60000;
    snprintf(ev.app, sizeof ev.app, "%s", app);
    snprintf(ev.geo, sizeof ev.geo, "%s", geo);
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    ev.lift = lift;
    sc_error err = {0};
    cr_assert_eq(sc_event_feed_add(f, &ev, &err), SC_OK, "%s", err.msg);
}

/* Feed (times in minutes after T0):
 *   A campaign web/na   [630, 720)  lift 0.5   10:30-12:00
 *   B holiday  any app and geo ("*") [660, 780)  lift NaN   11:00-13:00
 *   C campaign api/na   [600, 900)  lift 0.9   other app: never applies to web
 *   D campaign web/eu   [600, 900)  lift 0.9   other geo
 *   E campaign web, any geo [840, 900)  lift 0.2   14:00-15:00
 *   F campaign web/na   [480, 600)  lift 1.0   08:00-10:00, ends exactly at row 0
 * Rows for web/na, t0 = 10:00, step 1 h, 3 history + 3 future rows (10:00 .. 15:00).
 * Kinds applying to web/na: campaign (A, E, F), holiday (B) -> columns
 * [campaign, holiday, lift].
 *   row 0 [10,11): A (10:30 < 11:00)            -> 1, 0, 0.5   (B starts at 11: no; F
 *                                                  ends at 10: no)
 *   row 1 [11,12): A, B                         -> 1, 1, 0.5   (B's lift unstated = 0)
 *   row 2 [12,13): B (A ends at 12:00: no)      -> 0, 1, 0
 *   row 3 [13,14): nothing                      -> 0, 0, 0
 *   row 4 [14,15): E                            -> 1, 0, 0.2
 *   row 5 [15,16): nothing (E ends at 15:00)    -> 0, 0, 0 */
Test(exog, hand_computed_columns)
{
    sc_event_feed *f = sc_event_feed_alloc();
    cr_assert_not_null(f);
    add(f, 630, 720, "web", "na", "campaign", 0.5);
    add(f, 660, 780, "*", "*", "holiday", NAN);
    add(f, 600, 900, "api", "na", "campaign", 0.9);
    add(f, 600, 900, "web", "eu", "campaign", 0.9);
    add(f, 840, 900, "web", "*", "campaign", 0.2);
    add(f, 480, 600, "web", "na", "campaign", 1.0);
    sc_forecast_exog x;
    sc_error err = {0};
    cr_assert_eq(sc_exog_from_feed(f, "web", "na", T0 + 10 * HOUR, HOUR, 3, 3, &x, &err),
                 SC_OK, "%s", err.msg);
    cr_assert_eq(x.ncols, 3);
    cr_assert_eq(x.n_future, 3);
    const double want[6][3] = {
        {1, 0, 0.5}, {1, 1, 0.5}, {0, 1, 0}, {0, 0, 0}, {1, 0, 0.2}, {0, 0, 0}};
    for (int k = 0; k < 6; k++)
        for (int c = 0; c < 3; c++)
            cr_expect_float_eq(x.x[k * 3 + c], want[k][c], 1e-12, "row %d col %d: %g", k, c,
                               x.x[k * 3 + c]);
    sc_exog_free(&x);
    cr_assert_null(x.x);
    cr_assert_eq(x.ncols, 0);

    char kinds[4][SC_EVENT_NAME_MAX];
    size_t nk = 0;
    cr_assert_eq(sc_exog_feed_kinds(f, "web", "na", kinds, 4, &nk, &err), SC_OK);
    cr_assert_eq(nk, 2);
    cr_assert_str_eq(kinds[0], "campaign");
    cr_assert_str_eq(kinds[1], "holiday");
    /* api/eu: only B applies -> one kind */
    cr_assert_eq(sc_exog_feed_kinds(f, "api", "eu", kinds, 4, &nk, &err), SC_OK);
    cr_assert_eq(nk, 1);
    cr_assert_str_eq(kinds[0], "holiday");
    sc_event_feed_free(f);
}

/* Two overlapping campaigns add their lifts; a 30-minute step splits an event that
 * starts and ends mid-step.  Events (minutes): [15, 75) lift 0.3 and [40, 50) lift 0.5.
 * Rows of 30 min from T0: [0,30) first only -> 1, 0.3; [30,60) both -> 1, 0.8;
 * [60,90) first only -> 1, 0.3; [90,120) none -> 0, 0. */
Test(exog, overlapping_lifts_and_substeps)
{
    sc_event_feed *f = sc_event_feed_alloc();
    add(f, 15, 75, "*", "*", "campaign", 0.3);
    add(f, 40, 50, "*", "*", "campaign", 0.5);
    sc_forecast_exog x;
    sc_error err = {0};
    cr_assert_eq(sc_exog_from_feed(f, "a", "g", T0, 30 * 60000, 4, 0, &x, &err), SC_OK);
    cr_assert_eq(x.ncols, 2);
    cr_assert_eq(x.n_future, 0);
    const double want[4][2] = {{1, 0.3}, {1, 0.8}, {1, 0.3}, {0, 0}};
    for (int k = 0; k < 4; k++)
        for (int c = 0; c < 2; c++)
            cr_expect_float_eq(x.x[k * 2 + c], want[k][c], 1e-12, "row %d col %d", k, c);
    sc_exog_free(&x);
    sc_event_feed_free(f);
}

Test(exog, nothing_applies_and_bad_input)
{
    sc_event_feed *f = sc_event_feed_alloc();
    add(f, 0, 60, "web", "na", "campaign", 0.3);
    sc_forecast_exog x;
    sc_error err = {0};
    cr_assert_eq(sc_exog_from_feed(f, "api", "na", T0, HOUR, 5, 1, &x, &err), SC_OK);
    cr_assert_eq(x.ncols, 0);
    cr_assert_null(x.x);
    cr_assert_eq(sc_exog_from_feed(f, "web", "na", T0, 0, 5, 1, &x, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_exog_from_feed(f, "web", "na", T0, HOUR, 0, 0, &x, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_exog_from_feed(NULL, "web", "na", T0, HOUR, 5, 0, &x, &err),
                 SC_ERR_INPUT);
    /* 16 kinds + the lift column exceed SC_FORECAST_MAX_EXOG (16) */
    for (int i = 0; i < 16; i++) {
        char kind[16];
        snprintf(kind, sizeof kind, "k%02d", i);
        add(f, 0, 60, "*", "*", kind, NAN);
    }
    cr_assert_eq(sc_exog_from_feed(f, "web", "na", T0, HOUR, 5, 0, &x, &err), SC_ERR_RANGE);
    cr_assert_null(x.x);
    sc_event_feed_free(f);
}

/* The columns feed a real model: harmonic (ARIMAX-like regression) fitted with the
 * indicator raises the forecast inside an announced future event.  Series: 24-periodic
 * pattern 100 + 10 sin(2 pi t/24), +50 % (x1.5) during announced events every 3 days. */
Test(exog, harmonic_uses_the_columns)
{
    sc_event_feed *f = sc_event_feed_alloc();
    size_t n = 24 * 21, h = 24;
    for (int d = 1; d < 21; d += 3)
        add(f, (int64_t)d * 1440 + 8 * 60, (int64_t)d * 1440 + 16 * 60, "*", "*", "campaign",
            0.5);
    add(f, 21 * 1440 + 8 * 60, 21 * 1440 + 16 * 60, "*", "*", "campaign", 0.5);
    double y[24 * 21];
    sc_forecast_exog x;
    sc_error err = {0};
    cr_assert_eq(sc_exog_from_feed(f, "a", "g", T0, HOUR, n, h, &x, &err), SC_OK);
    for (size_t t = 0; t < n; t++)
        y[t] = (100 + 10 * sin(2 * PI * (double)t / 24)) * (x.x[t * 2] > 0 ? 1.5 : 1.0) +
               0.5 * sin(1.3 * (double)t);
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = 24;
    sc_forecaster *fc = NULL;
    cr_assert_eq(sc_forecaster_alloc("harmonic", &cfg, &fc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_forecaster_fit(fc, y, n, &x, &err), SC_OK, "%s", err.msg);
    double mean[24];
    cr_assert_eq(sc_forecaster_predict(fc, h, NULL, 0, mean, NULL, &err), SC_OK);
    /* hour 12 of the next day is inside the announced event: ~1.5 x 100 = 150 (sin = 0);
     * hour 2 is outside: ~100 + 10 sin(pi/6) = 105 */
    cr_expect(mean[12] > 135 && mean[12] < 165, "in-event forecast %g", mean[12]);
    cr_expect(mean[2] > 95 && mean[2] < 115, "outside forecast %g", mean[2]);
    sc_forecaster_free(fc);
    sc_exog_free(&x);
    sc_event_feed_free(f);
}
