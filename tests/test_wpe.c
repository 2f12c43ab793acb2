/*
 * test_wpe.c - the Workload Prediction Engine (core/forecast/wpe.c, wpe.h).
 *
 * Expected values are hand calculations written out next to each case: peaks and means
 * of irregular observations per hour, the number of fits a cadence implies, naive and
 * snaive forecasts (the last value; the last value of the same season), exp(log(y)),
 * the model the fallback hierarchy must reach on a too-short history, and which events
 * are known at which time.  Determinism is checked as equal bytes from two engines fed
 * the same inputs.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include <gsl/gsl_errno.h>

#include "sculpt/wpe.h"

#define H INT64_C(3600000)
#define MIN INT64_C(60000)
#define PI 3.14159265358979323846

static void setup(void)
{
    gsl_set_error_handler_off();
}

TestSuite(wpe, .init = setup);

static sc_wpe *make(sc_wpe_config *c, size_t n_series)
{
    sc_wpe *w = NULL;
    sc_error err;
    sc_status st = sc_wpe_alloc(c, n_series, &w, &err);
    cr_assert_eq(st, SC_OK, "%s", err.msg);
    return w;
}

static void chain(sc_wpe_config *c, const char *a, const char *b)
{
    snprintf(c->names[0], sizeof c->names[0], "%s", a);
    c->n_names = 1;
    if (b) {
        snprintf(c->names[1], sizeof c->names[1], "%s", b);
        c->n_names = 2;
    }
}

Test(wpe, peak_of_step_irregular)
{
    sc_wpe_config c;
    sc_wpe_config_init(&c);
    sc_wpe *w = make(&c, 1);
    /* hour 0: 3, 7, 5 -> peak 7; hour 1: 2; hour 2: 4, NaN (missing), -1 -> peak 4;
     * hour 3: nothing; hour 4: 1 */
    const sc_time_ms t[] = {10 * MIN, 40 * MIN, 59 * MIN, H + 5 * MIN, 2 * H + 30 * MIN,
                            2 * H + 31 * MIN, 2 * H + 32 * MIN, 4 * H};
    const double v[] = {3, 7, 5, 2, 4, NAN, -1, 1};
    sc_error err;
    cr_assert_eq(sc_wpe_observe_many(w, 0, t, v, 8, &err), SC_OK);
    cr_expect_eq(sc_wpe_step_value(w, 0, 0), 7.0);
    cr_expect_eq(sc_wpe_step_value(w, 0, 1), 2.0);
    cr_expect_eq(sc_wpe_step_value(w, 0, 2), 4.0);
    cr_expect(isnan(sc_wpe_step_value(w, 0, 3)));
    cr_expect_eq(sc_wpe_step_value(w, 0, 4), 1.0);
    /* out of order: an error, not a crash */
    cr_expect_eq(sc_wpe_observe(w, 0, 3 * H, 1.0, &err), SC_ERR_INPUT);
    cr_expect_eq(sc_wpe_observe(w, 1, 5 * H, 1.0, &err), SC_ERR_RANGE);
    sc_wpe_free(w);

    /* mean on request: hour 0 = (3 + 7 + 5) / 3 = 5, hour 2 = (4 - 1) / 2 = 1.5 */
    c.rule = SC_WPE_MEAN;
    w = make(&c, 1);
    cr_assert_eq(sc_wpe_observe_many(w, 0, t, v, 8, &err), SC_OK);
    cr_expect_eq(sc_wpe_step_value(w, 0, 0), 5.0);
    cr_expect_eq(sc_wpe_step_value(w, 0, 2), 1.5);
    sc_wpe_free(w);

    /* observations covering 20 minutes: one at 0:50 enters hours 0 and 1 */
    c.rule = SC_WPE_PEAK;
    c.obs_span_ms = 20 * MIN;
    w = make(&c, 1);
    cr_assert_eq(sc_wpe_observe(w, 0, 20 * MIN, 2.0, &err), SC_OK);
    cr_assert_eq(sc_wpe_observe(w, 0, 50 * MIN, 6.0, &err), SC_OK);
    cr_assert_eq(sc_wpe_observe(w, 0, H + 10 * MIN, 3.0, &err), SC_OK);
    cr_expect_eq(sc_wpe_step_value(w, 0, 0), 6.0);
    cr_expect_eq(sc_wpe_step_value(w, 0, 1), 6.0);
    sc_wpe_free(w);
}

/* Hourly observations y(k) = 10 + (k mod 3) at k hours, k in [from, to). */
static void feed(sc_wpe *w, size_t series, int64_t from, int64_t to)
{
    sc_error err;
    for (int64_t k = from; k < to; k++)
        cr_assert_eq(sc_wpe_observe(w, series, k * H, 10.0 + (double)(k % 3), &err), SC_OK);
}

Test(wpe, refit_cadence_counts)
{
    sc_wpe_config c;
    sc_wpe_config_init(&c);
    chain(&c, "naive", NULL);
    c.refit_ms = 24 * H;
    sc_wpe *w = make(&c, 1);
    sc_error err;
    double mean[24];
    int refits = 0;
    /* forecasts at 1 h, 2 h, ..., 72 h: fits at 1 h (first), 25 h and 49 h (24 h apart);
     * 72 h - 49 h = 23 h < 24 h: no fourth */
    for (int64_t k = 1; k <= 72; k++) {
        feed(w, 0, k - 1, k);
        sc_wpe_info info;
        cr_assert_eq(sc_wpe_forecast(w, 0, k * H, 24, mean, NULL, &info, &err), SC_OK, "%s",
                     err.msg);
        refits += info.refitted;
    }
    cr_expect_eq(sc_wpe_fits(w, 0), 3);
    cr_expect_eq(refits, 3);
    /* bad input is an error, never a crash: an observation in a closed step (hour 71,
     * closed by the forecast at 72 h), a longer forecast than sized for, a bad series */
    cr_expect_eq(sc_wpe_observe(w, 0, 71 * H + 30 * MIN, 1.0, &err), SC_ERR_INPUT);
    cr_expect_eq(sc_wpe_forecast(w, 0, 72 * H, 25, mean, NULL, NULL, &err), SC_ERR_INPUT);
    cr_expect_eq(sc_wpe_forecast(w, 3, 72 * H, 1, mean, NULL, NULL, &err), SC_ERR_RANGE);
    sc_wpe_free(w);
}

Test(wpe, update_equals_fresh_fit)
{
    /* naive: the forecast is the last closed step; snaive (period 3): step h is the value
     * of the same season in the last cycle.  The engine refitting daily (updates between)
     * and one refitting at every call must agree, and with the hand values. */
    const char *models[] = {"naive", "snaive"};
    for (int mi = 0; mi < 2; mi++) {
        sc_wpe_config c;
        sc_wpe_config_init(&c);
        chain(&c, models[mi], NULL);
        c.fc.period = 3;
        c.refit_ms = 24 * H;
        sc_wpe *a = make(&c, 1);
        c.refit_ms = 0;
        sc_wpe *b = make(&c, 1);
        sc_error err;
        feed(a, 0, 0, 3);
        feed(b, 0, 0, 3);
        for (int64_t k = 3; k <= 40; k++) {
            double ma[6], mb[6];
            cr_assert_eq(sc_wpe_forecast(a, 0, k * H, 6, ma, NULL, NULL, &err), SC_OK, "%s",
                         err.msg);
            cr_assert_eq(sc_wpe_forecast(b, 0, k * H, 6, mb, NULL, NULL, &err), SC_OK, "%s",
                         err.msg);
            for (int s = 0; s < 6; s++) {
                /* closed steps 0..k-1, y(j) = 10 + j mod 3 */
                double hand = mi == 0 ? 10.0 + (double)((k - 1) % 3)
                                      : 10.0 + (double)((k + s) % 3);
                cr_expect_eq(ma[s], hand, "%s k=%lld s=%d: %g", models[mi], (long long)k, s,
                             ma[s]);
                cr_expect_eq(mb[s], hand, "%s k=%lld s=%d: %g", models[mi], (long long)k, s,
                             mb[s]);
            }
            feed(a, 0, k, k + 1);
            feed(b, 0, k, k + 1);
        }
        cr_expect_eq(sc_wpe_fits(a, 0), 2); /* at 3 h and 27 h */
        cr_expect_eq(sc_wpe_fits(b, 0), 38);
        sc_wpe_free(a);
        sc_wpe_free(b);
    }
}

Test(wpe, events_known_after_announcement)
{
    sc_event_feed *feed_ev = sc_event_feed_alloc();
    cr_assert_not_null(feed_ev);
    sc_error err;
    /* campaign for app "web" in "fr" at 50 h..54 h: known from 50 - 24 = 26 h; the same
     * for another app (never applies) and for geography "us" (not of this series) */
    sc_event e = {.start_ms = 50 * H, .end_ms = 54 * H, .lift = NAN};
    snprintf(e.app, sizeof e.app, "web");
    snprintf(e.geo, sizeof e.geo, "fr");
    snprintf(e.kind, sizeof e.kind, "campaign");
    cr_assert_eq(sc_event_feed_add(feed_ev, &e, &err), SC_OK);
    snprintf(e.app, sizeof e.app, "shop");
    cr_assert_eq(sc_event_feed_add(feed_ev, &e, &err), SC_OK);
    snprintf(e.app, sizeof e.app, "web");
    snprintf(e.geo, sizeof e.geo, "us");
    e.start_ms = 30 * H;
    e.end_ms = 31 * H;
    cr_assert_eq(sc_event_feed_add(feed_ev, &e, &err), SC_OK);
    sc_event_feed_sort(feed_ev);

    sc_wpe_config c;
    sc_wpe_config_init(&c);
    chain(&c, "naive", NULL);
    c.refit_ms = 1000 * H;
    c.feed = feed_ev;
    c.announce_lead_ms = 24 * H;
    sc_wpe *w = make(&c, 1);
    const char *geos[] = {"fr", "be"};
    cr_assert_eq(sc_wpe_series_set(w, 0, "web", "eu", geos, 2, &err), SC_OK);
    double mean[4];
    for (int64_t k = 1; k <= 40; k++) {
        feed(w, 0, k - 1, k);
        /* at 1 h - 1 ms no step is whole: no forecast; the first fit is at 2 h - 1 ms;
         * a forecast at 26 h - 1 ms does not know the campaign, one at 27 h - 1 ms does
         * and refits; the "us" event (known from 6 h) and the "shop" one never count */
        cr_assert_eq(sc_wpe_forecast(w, 0, k * H - 1, 4, mean, NULL, NULL, &err),
                     k == 1 ? SC_ERR_EMPTY : SC_OK, "k=%lld: %s", (long long)k, err.msg);
        uint64_t want = k < 2 ? 0 : k <= 26 ? 1 : 2;
        cr_expect_eq(sc_wpe_fits(w, 0), want, "k=%lld fits=%llu", (long long)k,
                     (unsigned long long)sc_wpe_fits(w, 0));
    }
    sc_wpe_free(w);
    sc_event_feed_free(feed_ev);
}

Test(wpe, log_transform_round_trip)
{
    sc_wpe_config c;
    sc_wpe_config_init(&c);
    chain(&c, "naive", NULL);
    c.log = 1;
    c.nq = 2;
    c.q[0] = 0.5;
    c.q[1] = 0.9;
    sc_wpe *w = make(&c, 2);
    sc_error err;
    for (int64_t k = 0; k < 10; k++) {
        cr_assert_eq(sc_wpe_observe(w, 0, k * H, 5.0, &err), SC_OK);
        cr_assert_eq(sc_wpe_observe(w, 1, k * H, 0.0, &err), SC_OK);
    }
    double mean[3], q[6];
    cr_assert_eq(sc_wpe_forecast(w, 0, 10 * H, 3, mean, q, NULL, &err), SC_OK, "%s", err.msg);
    /* a constant series: no error, every quantile exp(log 5) = 5 */
    for (int i = 0; i < 3; i++)
        cr_expect(fabs(mean[i] - 5.0) < 1e-12, "%g", mean[i]);
    for (int i = 0; i < 6; i++)
        cr_expect(fabs(q[i] - 5.0) < 1e-12, "%g", q[i]);
    /* zero is floored at 1e-3 before the log */
    cr_assert_eq(sc_wpe_forecast(w, 1, 10 * H, 3, mean, q, NULL, &err), SC_OK, "%s", err.msg);
    cr_expect(fabs(q[0] - 1e-3) < 1e-15, "%g", q[0]);
    sc_wpe_free(w);
}

Test(wpe, fallback_reports_answering_model)
{
    sc_wpe_config c;
    sc_wpe_config_init(&c);
    chain(&c, "snaive", "naive");
    c.fc.period = 24;
    sc_wpe *w = make(&c, 1);
    sc_error err;
    sc_wpe_info info;
    double mean[2];
    /* nothing observed: no forecast, an error the caller stands in for */
    cr_expect_eq(sc_wpe_forecast(w, 0, 0, 2, mean, NULL, &info, &err), SC_ERR_EMPTY);
    feed(w, 0, 0, 5);
    /* 5 hours < one season of 24: snaive cannot fit, naive answers with y(4) = 11 */
    cr_assert_eq(sc_wpe_forecast(w, 0, 5 * H, 2, mean, NULL, &info, &err), SC_OK, "%s",
                 err.msg);
    cr_expect_str_eq(info.model, "naive");
    cr_expect_eq(mean[0], 11.0);
    sc_wpe_free(w);
    /* 30 hours: snaive answers */
    w = make(&c, 1);
    feed(w, 0, 0, 30);
    cr_assert_eq(sc_wpe_forecast(w, 0, 30 * H, 2, mean, NULL, &info, &err), SC_OK);
    cr_expect_str_eq(info.model, "snaive");
    sc_wpe_free(w);
    /* an unknown model is refused at creation, with the valid names */
    chain(&c, "nosuchmodel", NULL);
    sc_wpe *bad = NULL;
    cr_expect_eq(sc_wpe_alloc(&c, 1, &bad, &err), SC_ERR_NOTFOUND);
    cr_expect_null(bad);
    cr_expect(strstr(err.msg, "naive") != NULL, "%s", err.msg);
}

Test(wpe, no_wall_clock_same_bytes)
{
    /* ets ANA, a first fit after 8 days and a warm-started refit after 10: two engines
     * fed the same inputs give the same bytes (nothing depends on when they run) */
    double out[2][48 * 3];
    for (int run = 0; run < 2; run++) {
        sc_wpe_config c;
        sc_wpe_config_init(&c);
        c.fc.period = 24;
        snprintf(c.fc.ets.spec, sizeof c.fc.ets.spec, "ANA");
        c.nq = 2;
        c.q[0] = 0.5;
        c.q[1] = 0.95;
        c.history = 7 * 24;
        sc_wpe *w = make(&c, 1);
        sc_error err;
        for (int64_t k = 0; k < 10 * 24; k++) {
            double y = 100 + 30 * sin(2 * PI * (double)k / 24.0) + (double)((k * 7919) % 13);
            cr_assert_eq(sc_wpe_observe(w, 0, k * H + 17 * MIN, y, &err), SC_OK);
            if (k == 8 * 24)
                cr_assert_eq(sc_wpe_forecast(w, 0, (k + 1) * H, 24, out[run], out[run] + 24,
                                             NULL, &err),
                             SC_OK, "%s", err.msg);
        }
        cr_assert_eq(sc_wpe_forecast(w, 0, 10 * 24 * H, 24, out[run] + 72, out[run] + 96,
                                     NULL, &err),
                     SC_OK, "%s", err.msg);
        cr_expect_eq(sc_wpe_fits(w, 0), 2);
        sc_wpe_free(w);
    }
    cr_expect_eq(memcmp(out[0], out[1], sizeof out[0]), 0);
}

Test(wpe, wiv_cells)
{
    sc_wpe_config c;
    sc_wpe_config_init(&c);
    chain(&c, "naive", NULL);
    c.nq = 1;
    c.q[0] = 0.5;
    sc_wpe *w = make(&c, 2);
    sc_error err;
    cr_assert_eq(sc_wpe_series_set(w, 0, "web", "eu", NULL, 0, &err), SC_OK);
    cr_assert_eq(sc_wpe_series_set(w, 1, "web", "us", NULL, 0, &err), SC_OK);
    for (int64_t k = 0; k < 6; k++) {
        cr_assert_eq(sc_wpe_observe(w, 0, k * H, 3.0, &err), SC_OK);
        cr_assert_eq(sc_wpe_observe(w, 1, k * H, (double)k, &err), SC_OK);
    }
    const char *apps[] = {"web"}, *geos[] = {"eu", "us"};
    sc_wiv *wiv = NULL;
    double q = 0.5;
    cr_assert_eq(sc_wiv_alloc(apps, 1, geos, 2, 4, 6 * H, H, &q, 1, &wiv, &err), SC_OK);
    size_t series[] = {0, 1};
    const char *who[2];
    cr_assert_eq(sc_wpe_wiv(w, series, 2, 6 * H, wiv, who, &err), SC_OK, "%s", err.msg);
    cr_expect_str_eq(who[0], "naive");
    /* naive: the last value, 3 for eu and 5 for us, at every step */
    for (size_t s = 0; s < 4; s++) {
        cr_expect_eq(wiv->mean[0 * 4 + s], 3.0);
        cr_expect_eq(wiv->mean[1 * 4 + s], 5.0);
        cr_expect_eq(wiv->quant[1 * 4 + s], 5.0);
    }
    /* a WIV whose origin is not the step under way is refused */
    cr_expect_eq(sc_wpe_wiv(w, series, 2, 7 * H, wiv, who, &err), SC_ERR_INPUT);
    /* a level the engine does not predict is refused */
    sc_wiv_free(wiv);
    double q2 = 0.9;
    cr_assert_eq(sc_wiv_alloc(apps, 1, geos, 2, 4, 6 * H, H, &q2, 1, &wiv, &err), SC_OK);
    cr_expect_eq(sc_wpe_wiv(w, series, 2, 6 * H, wiv, who, &err), SC_ERR_INPUT);
    sc_wiv_free(wiv);
    sc_wpe_free(w);
}
