/*
 * test_event_effect.c - pooled multiplicative event effects (core/forecast/event_effect.c)
 * on a hand-built case whose estimate is computed by hand from the method in
 * sculpt/event_effect.h.
 *
 * Two hourly series A and B, 28 days, 100 everywhere except:
 *   holiday, day 10, geo A: 100 e^-0.1      holiday, day 10, geo B: 100 e^-0.2
 *   holiday, day 17, geo A: 100 e^-0.3      campaign, days 5 and 20, geo A: 100 e^0.5
 * References at +-168 h: day 10's are days 3 (normal) and 17 (a holiday of A: masked;
 * B's day 17 is normal), day 17's are days 10 (masked) and 24; so every d is exact:
 *   holiday clusters (start day): day 10 = mean(-0.1, -0.2) = -0.15, day 17 = -0.3
 *   raw = -0.225; sample variance of the 2 cluster means = 2 * 0.075^2 = 0.01125,
 *   se^2 = 0.005625; shrink = 1 - 0.005625 / 0.050625 = 8/9; beta = -0.2.
 *   campaign: days 5 (refs day -2: none, day 12) and 20: both d = 0.5, variance 0, so
 *   beta = raw = 0.5 (no shrinkage without noise).
 * With until = day 17 00:00 only the day-10 cluster remains: C = 1, beta = 0 (no
 * evidence), raw = -0.15.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sculpt/event_effect.h"

#define HOUR INT64_C(3600000)
#define DAY (24 * HOUR)
enum { N = 28 * 24 };

static sc_event ev(int day, const char *geo, const char *kind)
{
    sc_event e;
    memset(&e, 0, sizeof e);
    e.start_ms = day * DAY;
    e.end_ms = (day + 1) * DAY;
    snprintf(e.app, sizeof e.app, "*");
    snprintf(e.geo, sizeof e.geo, "%s", geo);
    snprintf(e.kind, sizeof e.kind, "%s", kind);
    e.lift = NAN;
    return e;
}

static double ya[N], yb[N];
static sc_event evs[5];
static sc_event_feed feed;
static sc_event_series ser[2];

static void build(void)
{
    for (size_t k = 0; k < N; k++)
        ya[k] = yb[k] = 100.0;
    for (size_t h = 0; h < 24; h++) {
        ya[10 * 24 + h] = 100.0 * exp(-0.1);
        yb[10 * 24 + h] = 100.0 * exp(-0.2);
        ya[17 * 24 + h] = 100.0 * exp(-0.3);
        ya[5 * 24 + h] = ya[20 * 24 + h] = 100.0 * exp(0.5);
    }
    evs[0] = ev(10, "A", "holiday");
    evs[1] = ev(10, "B", "holiday");
    evs[2] = ev(17, "A", "holiday");
    evs[3] = ev(5, "A", "campaign");
    evs[4] = ev(20, "A", "campaign");
    memset(&feed, 0, sizeof feed);
    feed.events = evs;
    feed.n = 5;
    ser[0] = (sc_event_series){"web", "A", ya, N, 0};
    ser[1] = (sc_event_series){"web", "B", yb, N, 0};
}

Test(event_effect, pooled_shrunk_effects_by_hand, .init = build)
{
    sc_event_effect *e = NULL;
    sc_error err;
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, HOUR, N * HOUR, 168, 24, &e, &err), SC_OK,
                 "%s", err.msg);
    cr_assert_eq(e->nkinds, 2);
    cr_assert_str_eq(e->kind[0], "campaign");
    cr_assert_str_eq(e->kind[1], "holiday");
    for (size_t j = 0; j < 24; j++) {
        cr_assert_float_eq(e->raw[1][j], -0.225, 1e-12);
        cr_assert_float_eq(e->beta[1][j], -0.2, 1e-12, "offset %zu: %g", j, e->beta[1][j]);
        cr_assert_eq(e->clusters[1][j], 2);
        cr_assert_float_eq(e->beta[0][j], 0.5, 1e-12);
    }
    cr_assert_eq(e->events[1], 3);
    cr_assert_eq(e->events[0], 2);

    /* apply: remove then restore on a copy of A */
    double y[N];
    memcpy(y, ya, sizeof y);
    cr_assert_eq(sc_event_effect_apply(e, &feed, "web", "A", 0, y, N, -1, &err), SC_OK);
    cr_assert_float_eq(y[10 * 24 + 7], 100.0 * exp(0.1), 1e-9);   /* e^-0.1 / e^-0.2 */
    cr_assert_float_eq(y[5 * 24 + 7], 100.0, 1e-9);               /* campaign removed */
    cr_assert_float_eq(y[3 * 24 + 7], 100.0, 0);                  /* normal day untouched */
    cr_assert_eq(sc_event_effect_apply(e, &feed, "web", "A", 0, y, N, 1, &err), SC_OK);
    for (size_t k = 0; k < N; k++)
        cr_assert_float_eq(y[k], ya[k], 1e-9);
    /* a window starting mid-event: offsets count from the event's start (hour 0 of day
     * 10 is 6 h before t0 = day 10 06:00), and the forecast of a B row gets B's events */
    double z[4] = {100, 100, 100, 100};
    cr_assert_eq(sc_event_effect_apply(e, &feed, "web", "B", 10 * DAY + 6 * HOUR, z, 4, 1, &err),
                 SC_OK);
    cr_assert_float_eq(z[0], 100.0 * exp(-0.2), 1e-9);
    sc_event_effect_free(e);
}

Test(event_effect, only_data_before_until, .init = build)
{
    sc_event_effect *e = NULL;
    sc_error err;
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, HOUR, 17 * DAY, 168, 24, &e, &err), SC_OK);
    cr_assert_eq(e->clusters[1][0], 1);
    cr_assert_float_eq(e->raw[1][0], -0.15, 1e-12);
    cr_assert_eq(e->beta[1][0], 0.0);
    cr_assert(isnan(e->se[1][0]));
    cr_assert_eq(e->events[1], 2);
    /* campaign day 5: its only reference (day 12) is before day 17; day 20 is not */
    cr_assert_float_eq(e->raw[0][0], 0.5, 1e-12);
    cr_assert_eq(e->beta[0][0], 0.0);
    sc_event_effect_free(e);
}

Test(event_effect, bad_input, .init = build)
{
    sc_event_effect *e = (sc_event_effect *)&feed;
    sc_error err;
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, HOUR, 0, 168, 24, NULL, &err),
                 SC_ERR_INPUT);
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, 0, 0, 168, 24, &e, &err), SC_ERR_INPUT);
    cr_assert_null(e);
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, HOUR, 0, 0, 24, &e, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, HOUR, 0, 168, 0, &e, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, HOUR, 0, 168, SC_EVENT_EFFECT_MAX_LEN + 1,
                                     &e, &err),
                 SC_ERR_INPUT);
    cr_assert_eq(sc_event_effect_fit(NULL, ser, 2, HOUR, 0, 168, 24, &e, &err), SC_ERR_INPUT);
    /* until before every row: no data, effects 0, NaN raw */
    cr_assert_eq(sc_event_effect_fit(&feed, ser, 2, HOUR, 0, 168, 24, &e, &err), SC_OK);
    cr_assert_eq(e->beta[1][3], 0.0);
    cr_assert(isnan(e->raw[1][3]));
    double y[2] = {1, 2};
    cr_assert_eq(sc_event_effect_apply(e, &feed, "web", "A", 0, y, 2, 2, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_event_effect_apply(e, NULL, "web", "A", 0, y, 2, 1, &err), SC_ERR_INPUT);
    sc_event_effect_free(e);
    sc_event_effect_free(NULL);
}
