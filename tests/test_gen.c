/*
 * test_gen.c - the synthetic trace generator (traces/src/gen.h) and `sculpt trace gen`.
 *
 * Expected values are derived by hand from the model in traces/GENERATOR.md, not taken
 * from the generator's output:
 *   - daily peak at local hour 20: Tokyo (UTC+9, no DST) 11:00 UTC; New York 01:00 UTC in
 *     January (EST, UTC-5) and 00:00 UTC in July (EDT, UTC-4); Berlin 19:00 UTC in January
 *     (CET) and 18:00 UTC in July (CEST); a "+05:30" geography 14:30 UTC.
 *   - US DST 2024 (tz database): clocks go 02:00 EST -> 03:00 EDT at 2024-03-10T07:00Z and
 *     02:00 EDT -> 01:00 EST at 2024-11-03T06:00Z.
 *   - 2024-01-01 was a Monday, so Jan 6-7 and 13-14 are the weekends.
 *   - 1.01^10 = 1.1046221254112045 (binomial expansion, 16 digits).
 * Statistical checks use binomial / sampling tolerances of about 4 standard deviations
 * (computed in the comments), with fixed seeds.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

/* spec templates below are constant format strings held in variables */
#pragma GCC diagnostic ignored "-Wformat-nonliteral"

#include "gen.h"
#include "sculpt/fsutil.h"
#include "sculpt/tsdb.h"

#ifndef M_PI
#define M_PI 3.14159265358979323846
#endif
#define HOUR INT64_C(3600000)
#define MIN INT64_C(60000)
#define DAY (24 * HOUR)

static sc_gen_result *run(const char *spec, uint64_t seed)
{
    sc_gen_result *r = NULL;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_gen_run(spec, "spec.json", seed, NULL, &r, &err);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_not_null(r);
    return r;
}

static const sc_gen_series *find(const sc_gen_result *r, const char *app, const char *geo,
                                 const char *metric)
{
    const sc_gen_series *s = sc_gen_find(r, app, geo, metric);
    cr_assert_not_null(s, "no series %s/%s/%s", app, geo, metric);
    return s;
}

static sc_time_ms T(const char *iso)
{
    sc_time_ms t;
    cr_assert_eq(sc_time_parse(iso, "UTC", &t), SC_OK);
    return t;
}

/* index of time t in series s (t must be on the grid) */
static size_t at(const sc_gen_series *s, const char *iso)
{
    sc_time_ms t = T(iso);
    cr_assert_eq((t - s->start_ms) % s->step_ms, 0);
    size_t k = (size_t)((t - s->start_ms) / s->step_ms);
    cr_assert_lt(k, s->n);
    return k;
}

/* minutes after UTC midnight of the largest sample in [k0, k1) */
static int argmax_minute(const sc_gen_series *s, size_t k0, size_t k1)
{
    size_t best = k0;
    for (size_t k = k0; k < k1; k++)
        if (s->v[k] > s->v[best])
            best = k;
    sc_time_ms t = s->start_ms + (sc_time_ms)best * s->step_ms;
    return (int)(((t % DAY) + DAY) % DAY / MIN);
}

#define QUIET_EVENTS \
    "\"flash_crowds\": {\"rate_per_week\": 0}, \"campaigns\": {\"count\": 0, \"global_count\": 0}"

static const char *peak_spec_fmt =
    "{\"start\": \"%s\", \"duration\": \"1d\", \"step\": \"5m\","
    " \"geos\": [{\"name\": \"na\", \"tz\": \"America/New_York\"},"
    "            {\"name\": \"eu\", \"tz\": \"Europe/Berlin\"},"
    "            {\"name\": \"ap\", \"tz\": \"Asia/Tokyo\"},"
    "            {\"name\": \"in\", \"utc_offset\": \"+05:30\"}],"
    " \"apps\": [{\"name\": \"web\", \"base\": 100, \"daily_amplitude\": 0.5,"
    "             \"weekend_factor\": 1, \"peak_hour\": 20, \"noise_sigma\": 0}]," QUIET_EVENTS "}";

Test(gen, daily_peak_at_local_hour_in_utc)
{
    char spec[2048];
    snprintf(spec, sizeof spec, peak_spec_fmt, "2024-01-08T00:00:00Z");
    sc_gen_result *r = run(spec, 1);
    cr_assert_eq(r->n_steps, 288);
    cr_assert_eq(argmax_minute(find(r, "web", "ap", "load"), 0, 288), 11 * 60);
    cr_assert_eq(argmax_minute(find(r, "web", "na", "load"), 0, 288), 1 * 60);
    cr_assert_eq(argmax_minute(find(r, "web", "eu", "load"), 0, 288), 19 * 60);
    cr_assert_eq(argmax_minute(find(r, "web", "in", "load"), 0, 288), 14 * 60 + 30);
    /* at the peak the value is base * (1 + amplitude) = 150 */
    const sc_gen_series *ap = find(r, "web", "ap", "load");
    cr_assert_float_eq(ap->v[at(ap, "2024-01-08T11:00:00Z")], 150.0, 1e-9);
    /* and 12 h later the trough, base * (1 - amplitude) = 50 */
    cr_assert_float_eq(ap->v[at(ap, "2024-01-08T23:00:00Z")], 50.0, 1e-9);
    sc_gen_result_free(r);

    snprintf(spec, sizeof spec, peak_spec_fmt, "2024-07-08T00:00:00Z");
    r = run(spec, 1);
    cr_assert_eq(argmax_minute(find(r, "web", "ap", "load"), 0, 288), 11 * 60);
    cr_assert_eq(argmax_minute(find(r, "web", "na", "load"), 0, 288), 0);
    cr_assert_eq(argmax_minute(find(r, "web", "eu", "load"), 0, 288), 18 * 60);
    cr_assert_eq(argmax_minute(find(r, "web", "in", "load"), 0, 288), 14 * 60 + 30);
    sc_gen_result_free(r);
}

Test(gen, dst_transitions_follow_the_zone)
{
    const char *fmt =
        "{\"start\": \"%s\", \"duration\": \"3d\", \"step\": \"5m\","
        " \"geos\": [{\"name\": \"na\", \"tz\": \"America/New_York\"}],"
        " \"apps\": [{\"name\": \"web\", \"base\": 100, \"daily_amplitude\": %s,"
        "             \"weekend_factor\": 1, \"peak_hour\": %s, \"noise_sigma\": 0}]," QUIET_EVENTS
        "}";
    char spec[2048];
    /* spring forward: evening peak (20 local) at 01:00Z before, 00:00Z after */
    snprintf(spec, sizeof spec, fmt, "2024-03-09T00:00:00Z", "0.5", "20");
    sc_gen_result *r = run(spec, 1);
    const sc_gen_series *s = find(r, "web", "na", "load");
    size_t d1 = at(s, "2024-03-09T12:00:00Z"), d2 = at(s, "2024-03-10T12:00:00Z"),
           d3 = at(s, "2024-03-11T12:00:00Z");
    cr_assert_eq(argmax_minute(s, d1, d2), 60);
    cr_assert_eq(argmax_minute(s, d2, d3), 0);
    sc_gen_result_free(r);

    /* the instant itself: amplitude 1, peak 0 local, v = 100 (1 + cos(2 pi h / 24)) */
    snprintf(spec, sizeof spec, fmt, "2024-03-09T00:00:00Z", "1", "0");
    r = run(spec, 1);
    s = find(r, "web", "na", "load");
    double h_before = 1.0 + 55.0 / 60.0; /* 06:55Z = 01:55 EST */
    cr_assert_float_eq(s->v[at(s, "2024-03-10T06:55:00Z")],
                       100.0 * (1.0 + cos(2.0 * M_PI * h_before / 24.0)), 1e-9);
    /* 07:00Z = 03:00 EDT: 100 (1 + cos(pi/4)) */
    cr_assert_float_eq(s->v[at(s, "2024-03-10T07:00:00Z")], 100.0 * (1.0 + sqrt(0.5)), 1e-9);
    sc_gen_result_free(r);

    /* fall back: 05:55Z = 01:55 EDT, 06:00Z = 01:00 EST */
    snprintf(spec, sizeof spec, fmt, "2024-11-02T00:00:00Z", "1", "0");
    r = run(spec, 1);
    s = find(r, "web", "na", "load");
    cr_assert_float_eq(s->v[at(s, "2024-11-03T05:55:00Z")],
                       100.0 * (1.0 + cos(2.0 * M_PI * h_before / 24.0)), 1e-9);
    cr_assert_float_eq(s->v[at(s, "2024-11-03T06:00:00Z")],
                       100.0 * (1.0 + cos(2.0 * M_PI / 24.0)), 1e-9);
    sc_gen_result_free(r);
}

Test(gen, zone_rules_beyond_the_transition_table)
{
    /* TZif files list transitions up to 2037; later instants follow the POSIX rule in
     * the file's footer.  Sydney is on the southern cycle: AEDT (UTC+11) in January,
     * AEST (UTC+10) in July, so a 20:00 local peak is at 09:00Z / 10:00Z. */
    const char *fmt =
        "{\"start\": \"%s\", \"duration\": \"1d\", \"step\": \"5m\","
        " \"geos\": [{\"name\": \"na\", \"tz\": \"America/New_York\"},"
        "            {\"name\": \"au\", \"tz\": \"Australia/Sydney\"}],"
        " \"apps\": [{\"name\": \"web\", \"base\": 100, \"daily_amplitude\": 0.5,"
        "             \"weekend_factor\": 1, \"peak_hour\": 20, \"noise_sigma\": 0}]," QUIET_EVENTS
        "}";
    static const struct {
        const char *start;
        int na_min, au_min;
    } cases[] = {
        {"2024-01-08T00:00:00Z", 60, 9 * 60},  {"2024-07-08T00:00:00Z", 0, 10 * 60},
        {"2040-01-09T00:00:00Z", 60, 9 * 60},  {"2040-07-09T00:00:00Z", 0, 10 * 60},
        {"2055-07-12T00:00:00Z", 0, 10 * 60},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char spec[2048];
        snprintf(spec, sizeof spec, fmt, cases[i].start);
        sc_gen_result *r = run(spec, 1);
        cr_assert_eq(argmax_minute(find(r, "web", "na", "load"), 0, 288), cases[i].na_min,
                     "na %s", cases[i].start);
        cr_assert_eq(argmax_minute(find(r, "web", "au", "load"), 0, 288), cases[i].au_min,
                     "au %s", cases[i].start);
        sc_gen_result_free(r);
    }
}

Test(gen, weekend_factor_in_local_time)
{
    const char *spec =
        "{\"start\": \"2024-01-01T00:00:00Z\", \"duration\": \"14d\", \"step\": \"1h\","
        " \"geos\": [{\"name\": \"utc\", \"tz\": \"UTC\"}, {\"name\": \"ap\", \"tz\": \"Asia/Tokyo\"}],"
        " \"apps\": [{\"name\": \"web\", \"base\": 100, \"daily_amplitude\": 0.4,"
        "             \"weekend_factor\": 0.6, \"peak_hour\": 13, \"noise_sigma\": 0},"
        "            {\"name\": \"flat\", \"base\": 100, \"daily_amplitude\": 0,"
        "             \"weekend_factor\": 0.6, \"noise_sigma\": 0}]," QUIET_EVENTS "}";
    sc_gen_result *r = run(spec, 3);
    const sc_gen_series *s = find(r, "web", "utc", "load");
    cr_assert_eq(s->n, 14 * 24);
    double we = 0, wd = 0;
    int nwe = 0, nwd = 0;
    for (size_t k = 0; k < s->n; k++) {
        size_t day = k / 24; /* day 0 = Monday 2024-01-01 */
        if (day % 7 == 5 || day % 7 == 6) {
            we += s->v[k];
            nwe++;
        } else {
            wd += s->v[k];
            nwd++;
        }
    }
    cr_assert_eq(nwe, 4 * 24);
    /* whole days: the cosine averages out, so the ratio of means is the factor */
    cr_assert_float_eq((we / nwe) / (wd / nwd), 0.6, 1e-9);
    /* Tokyo: Saturday starts at Friday 15:00 UTC and ends at Sunday 15:00 UTC */
    const sc_gen_series *f = find(r, "flat", "ap", "load");
    cr_assert_float_eq(f->v[at(f, "2024-01-05T14:00:00Z")], 100.0, 1e-9);
    cr_assert_float_eq(f->v[at(f, "2024-01-05T15:00:00Z")], 60.0, 1e-9);
    cr_assert_float_eq(f->v[at(f, "2024-01-07T14:00:00Z")], 60.0, 1e-9);
    cr_assert_float_eq(f->v[at(f, "2024-01-07T15:00:00Z")], 100.0, 1e-9);
    sc_gen_result_free(r);
}

Test(gen, trend_compounds_per_day)
{
    const char *spec =
        "{\"start\": \"2024-01-01T00:00:00Z\", \"duration\": \"11d\", \"step\": \"1h\","
        " \"geos\": [{\"name\": \"g\"}],"
        " \"apps\": [{\"name\": \"a\", \"base\": 50, \"daily_amplitude\": 0,"
        "             \"weekend_factor\": 1, \"trend_per_day\": 0.01, \"noise_sigma\": 0}]," QUIET_EVENTS
        "}";
    sc_gen_result *r = run(spec, 1);
    const sc_gen_series *s = find(r, "a", "g", "load");
    cr_assert_float_eq(s->v[0], 50.0, 1e-12);
    cr_assert_float_eq(s->v[240] / s->v[0], 1.1046221254112045, 1e-12);
    sc_gen_result_free(r);
}

Test(gen, noise_is_autocorrelated_lognormal)
{
    /* sigma 0 gives exactly base, so log(v / 100) is the noise process x_k - sigma^2/2.
     * 20160 samples of an AR(1) with phi 0.9: effective n ~ 20160 * 0.1 / 1.9 ~ 1060, so
     * the sd estimate is within ~2.2 % (1 sd) and the mean within 0.003. */
    const char *spec =
        "{\"start\": \"2024-01-01T00:00:00Z\", \"duration\": \"70d\", \"step\": \"5m\","
        " \"geos\": [{\"name\": \"g\"}],"
        " \"apps\": [{\"name\": \"a\", \"base\": 100, \"daily_amplitude\": 0,"
        "             \"weekend_factor\": 1, \"noise_sigma\": 0.1, \"noise_ar\": 0.9}]," QUIET_EVENTS
        "}";
    sc_gen_result *r = run(spec, 11);
    const sc_gen_series *s = find(r, "a", "g", "load");
    size_t n = s->n;
    double m = 0, mv = 0;
    for (size_t k = 0; k < n; k++) {
        m += log(s->v[k] / 100.0);
        mv += s->v[k] / 100.0;
    }
    m /= (double)n;
    mv /= (double)n;
    double c0 = 0, c1 = 0;
    for (size_t k = 0; k < n; k++) {
        double d = log(s->v[k] / 100.0) - m;
        c0 += d * d;
        if (k > 0)
            c1 += d * (log(s->v[k - 1] / 100.0) - m);
    }
    double sd = sqrt(c0 / (double)(n - 1)), rho = c1 / c0;
    cr_assert(sd > 0.085 && sd < 0.115, "sd %g", sd);
    cr_assert(rho > 0.85 && rho < 0.95, "lag-1 autocorrelation %g", rho);
    cr_assert(fabs(mv - 1.0) < 0.02, "mean factor %g", mv);
    sc_gen_result_free(r);
}

static int same_result(const sc_gen_result *a, const sc_gen_result *b)
{
    if (a->n_series != b->n_series || a->n_steps != b->n_steps || a->feed->n != b->feed->n ||
        a->n_truth != b->n_truth)
        return 0;
    for (size_t i = 0; i < a->n_series; i++)
        if (memcmp(a->series[i].v, b->series[i].v, a->n_steps * sizeof(double)) != 0)
            return 0;
    if (a->feed->n && memcmp(a->feed->events, b->feed->events, a->feed->n * sizeof(sc_event)))
        return 0;
    for (size_t i = 0; i < a->n_truth; i++) {
        const sc_gen_truth *x = &a->truth[i], *y = &b->truth[i];
        if (x->actual_start_ms != y->actual_start_ms || x->actual_end_ms != y->actual_end_ms ||
            x->status != y->status || strcmp(x->app, y->app) || strcmp(x->geo, y->geo))
            return 0;
    }
    return 1;
}

static char *demo_spec(void)
{
    char *t = NULL;
    sc_error err;
    cr_assert_eq(sc_file_read_all(SC_SOURCE_DIR "/traces/specs/demo.json", &t, NULL, &err),
                 SC_OK);
    return t;
}

Test(gen, demo_spec_is_deterministic_and_seed_dependent)
{
    char *spec = demo_spec();
    sc_gen_result *a = run(spec, 42), *b = run(spec, 42), *c = run(spec, 43);
    /* 3 geos x (web + api + batch cpu/mem) = 12 series, 21 d at 5 min = 6048 steps */
    cr_assert_eq(a->n_series, 12);
    cr_assert_eq(a->n_steps, 21 * 288);
    cr_assert(same_result(a, b), "same seed must give identical results");
    cr_assert(!same_result(a, c), "different seeds must differ");
    cr_assert_gt(a->feed->n, 0);
    int flash = 0, camp = 0;
    for (size_t i = 0; i < a->n_truth; i++) {
        flash += a->truth[i].status == SC_GEN_FLASH_CROWD;
        camp += !strcmp(a->truth[i].kind, "campaign");
    }
    cr_assert_gt(flash, 0);
    cr_assert_gt(camp, 0);
    /* sorted by (app, geo, metric) */
    for (size_t i = 1; i < a->n_series; i++) {
        char x[200], y[200];
        snprintf(x, sizeof x, "%s/%s/%s", a->series[i - 1].app, a->series[i - 1].geo,
                 a->series[i - 1].metric);
        snprintf(y, sizeof y, "%s/%s/%s", a->series[i].app, a->series[i].geo,
                 a->series[i].metric);
        cr_assert_lt(strcmp(x, y), 0);
    }
    free(spec);
    sc_gen_result_free(a);
    sc_gen_result_free(b);
    sc_gen_result_free(c);
}

Test(gen, values_are_never_negative)
{
    /* heavy noise, deep daily cycle, weekend 0, falling trend, many flash crowds */
    const char *spec =
        "{\"start\": \"2024-01-01T00:00:00Z\", \"duration\": \"28d\", \"step\": \"5m\","
        " \"geos\": [{\"name\": \"g\", \"tz\": \"Asia/Kolkata\"}, {\"name\": \"h\", \"utc_offset\": -3}],"
        " \"apps\": [{\"name\": \"a\", \"base\": 10, \"daily_amplitude\": 1,"
        "             \"weekend_factor\": 0, \"trend_per_day\": -0.2, \"noise_sigma\": 2,"
        "             \"noise_ar\": 0.2}],"
        " \"flash_crowds\": {\"rate_per_week\": 50, \"lift\": [0, 10]},"
        " \"campaigns\": {\"rate_per_week\": 5, \"global_rate_per_week\": 2}}";
    sc_gen_result *r = run(spec, 5);
    size_t zeros = 0;
    for (size_t i = 0; i < r->n_series; i++)
        for (size_t k = 0; k < r->n_steps; k++) {
            cr_assert(isfinite(r->series[i].v[k]) && r->series[i].v[k] >= 0.0);
            zeros += r->series[i].v[k] == 0.0;
        }
    cr_assert_gt(zeros, 0, "weekend factor 0 should give zeros");
    sc_gen_result_free(r);
}

static const char *campaign_spec_fmt =
    "{\"start\": \"2020-01-06T00:00:00Z\", \"duration\": \"2000d\", \"step\": \"1h\","
    " \"geos\": [{\"name\": \"g\", \"tz\": \"Europe/Paris\"}],"
    " \"apps\": [{\"name\": \"a\", \"base\": 100, \"daily_amplitude\": 0.3,"
    "             \"weekend_factor\": 0.8, \"noise_sigma\": 0.05}],"
    " \"flash_crowds\": {\"rate_per_week\": 0},"
    " \"campaigns\": {\"count\": %d, \"global_count\": 0, \"lift\": [0.2, 0.6],"
    "                 \"duration\": [\"1d\", \"3d\"], \"ramp\": \"2h\", \"start_jitter\": \"3h\","
    "                 \"end_jitter\": \"6h\", \"lift_noise\": 0.3, \"p_unannounced\": 0.2,"
    "                 \"p_cancelled\": 0.15, \"p_lift_unstated\": 0.25}}";

Test(gen, campaign_feed_is_realistic)
{
    char spec[2048];
    snprintf(spec, sizeof spec, campaign_spec_fmt, 400);
    sc_gen_result *r = run(spec, 2024);
    snprintf(spec, sizeof spec, campaign_spec_fmt, 0);
    sc_gen_result *base = run(spec, 2024);
    const int N = 400;
    int n_un = 0, n_can = 0, n_hap = 0, n_moved = 0, n_stated = 0, n_unstated = 0;
    double sum_abs_shift_h = 0, sum_ratio = 0;
    for (size_t i = 0; i < r->n_truth; i++) {
        const sc_gen_truth *t = &r->truth[i];
        cr_assert_str_eq(t->kind, "campaign");
        if (t->status == SC_GEN_UNANNOUNCED) {
            n_un++;
            cr_assert_eq(t->in_feed, 0);
        } else if (t->status == SC_GEN_CANCELLED) {
            n_can++;
            cr_assert_eq(t->in_feed, 1);
        } else {
            cr_assert_eq(t->status, SC_GEN_HAPPENED);
            n_hap++;
            n_moved += t->actual_start_ms != t->announced_start_ms;
            sum_abs_shift_h += fabs((double)(t->actual_start_ms - t->announced_start_ms)) / HOUR;
            if (!isnan(t->announced_lift)) {
                n_stated++;
                sum_ratio += t->actual_lift / t->announced_lift;
            }
        }
        if (t->in_feed && isnan(t->announced_lift))
            n_unstated++;
    }
    cr_assert_eq(n_un + n_can + n_hap, N);
    /* Binomial(400, 0.2): mean 80, sd 8 -> +-32;  Binomial(400, 0.15): 60, sd 7.1 -> +-29 */
    cr_assert(abs(n_un - 80) <= 32, "unannounced %d", n_un);
    cr_assert(abs(n_can - 60) <= 29, "cancelled %d", n_can);
    /* the feed holds exactly the announced ones (happened + cancelled) */
    cr_assert_eq((int)r->feed->n, N - n_un);
    /* Binomial(~320, 0.25): mean 80, sd 7.7 -> +-31 */
    cr_assert(abs(n_unstated - (N - n_un) / 4) <= 31, "unstated lifts %d", n_unstated);
    /* timing: start jitter N(0, 3 h): essentially always moved; E|shift| = 3 sqrt(2/pi)
     * = 2.394 h, sd of the mean ~ 0.6 * 3 / sqrt(260) = 0.11 h */
    cr_assert_geq(n_moved, n_hap * 95 / 100, "moved %d of %d", n_moved, n_hap);
    double mean_shift = sum_abs_shift_h / n_hap;
    cr_assert(mean_shift > 1.95 && mean_shift < 2.85, "mean |start shift| %g h", mean_shift);
    /* actual/announced lift: lognormal factor with mean 1 (lift_bias 1), sigma 0.3:
     * sd of the mean over ~200 ~ 0.31 / sqrt(200) = 0.022 */
    double mean_ratio = sum_ratio / n_stated;
    cr_assert(mean_ratio > 0.9 && mean_ratio < 1.1, "mean actual/announced lift %g",
              mean_ratio);

    /* effect on the series: campaigns draw from their own keys, so the series without
     * campaigns has the same noise; the ratio isolates the campaign factor */
    const sc_gen_series *a = find(r, "a", "g", "load"), *b = find(base, "a", "g", "load");
    unsigned char *covered = calloc(a->n, 1);
    for (size_t i = 0; i < r->n_truth; i++) {
        const sc_gen_truth *t = &r->truth[i];
        if (t->status == SC_GEN_CANCELLED)
            continue;
        /* at the middle of the actual window (on the plateau, beyond the 2 h ramps) the
         * ratio is at least 1 + lift (other lifts are >= 0) */
        sc_time_ms mid = t->actual_start_ms + (t->actual_end_ms - t->actual_start_ms) / 2;
        if (mid >= a->start_ms && mid < a->start_ms + (sc_time_ms)a->n * a->step_ms) {
            size_t k = (size_t)((mid - a->start_ms) / a->step_ms);
            cr_assert_geq(a->v[k] / b->v[k], 1.0 + t->actual_lift - 1e-9,
                          "campaign at %lld: ratio %g lift %g", (long long)t->actual_start_ms,
                          a->v[k] / b->v[k], t->actual_lift);
        }
        for (size_t k = 0; k < a->n; k++) {
            sc_time_ms tk = a->start_ms + (sc_time_ms)k * a->step_ms;
            if (tk >= t->actual_start_ms && tk < t->actual_end_ms)
                covered[k] = 1;
        }
    }
    size_t n_out = 0;
    for (size_t k = 0; k < a->n; k++)
        if (!covered[k]) {
            n_out++;
            cr_assert_eq(a->v[k], b->v[k], "sample %zu outside all actual windows changed", k);
        }
    cr_assert_gt(n_out, 1000);
    free(covered);
    sc_gen_result_free(r);
    sc_gen_result_free(base);
}

Test(gen, fixed_events_apply_exactly_and_are_announced)
{
    const char *fmt =
        "{\"start\": \"2024-03-11T00:00:00Z\", \"duration\": \"7d\", \"step\": \"1h\","
        " \"geos\": [{\"name\": \"na\", \"tz\": \"America/New_York\"}, {\"name\": \"eu\"}],"
        " \"apps\": [{\"name\": \"web\", \"base\": 100}]," QUIET_EVENTS "%s}";
    char spec[2048];
    snprintf(spec, sizeof spec, fmt,
             ", \"events\": [{\"kind\": \"holiday\", \"geo\": \"na\", "
             "\"start\": \"2024-03-13T04:00:00Z\", \"duration\": \"1d\", \"lift\": -0.25}]");
    sc_gen_result *r = run(spec, 9);
    snprintf(spec, sizeof spec, fmt, "");
    sc_gen_result *b = run(spec, 9);
    const sc_gen_series *x = find(r, "web", "na", "load"), *y = find(b, "web", "na", "load");
    size_t k0 = at(x, "2024-03-13T04:00:00Z"), k1 = at(x, "2024-03-14T04:00:00Z");
    for (size_t k = 0; k < x->n; k++) {
        double want = (k >= k0 && k < k1) ? 0.75 : 1.0;
        cr_assert_float_eq(x->v[k] / y->v[k], want, 1e-12, "k %zu", k);
    }
    const sc_gen_series *e1 = find(r, "web", "eu", "load"), *e2 = find(b, "web", "eu", "load");
    cr_assert(memcmp(e1->v, e2->v, e1->n * sizeof(double)) == 0);
    cr_assert_eq(r->feed->n, 1);
    cr_assert_str_eq(r->feed->events[0].kind, "holiday");
    cr_assert_str_eq(r->feed->events[0].app, "*");
    cr_assert_eq(r->feed->events[0].lift, -0.25);
    sc_gen_result_free(r);
    sc_gen_result_free(b);
}

Test(gen, adding_a_geo_leaves_other_geos_unchanged)
{
    const char *fmt =
        "{\"start\": \"2024-03-04T00:00:00Z\", \"duration\": \"28d\", \"step\": \"15m\","
        " \"geos\": [{\"name\": \"na\", \"tz\": \"America/New_York\"},"
        "            {\"name\": \"eu\", \"tz\": \"Europe/Berlin\"}%s],"
        " \"apps\": [{\"name\": \"web\"}, {\"name\": \"api\", \"metrics\": [{\"name\": \"cpu\"},"
        "             {\"name\": \"mem\", \"scale\": 2}]}],"
        " \"flash_crowds\": {\"rate_per_week\": 2},"
        " \"campaigns\": {\"rate_per_week\": 1, \"global_rate_per_week\": 1}}";
    char s2[2048], s3[2048];
    snprintf(s2, sizeof s2, fmt, "");
    snprintf(s3, sizeof s3, fmt, ", {\"name\": \"ap\", \"tz\": \"Asia/Tokyo\"}");
    sc_gen_result *a = run(s2, 77), *b = run(s3, 77);
    cr_assert_eq(a->n_series, 6);
    cr_assert_eq(b->n_series, 9);
    for (size_t i = 0; i < a->n_series; i++) {
        const sc_gen_series *x = &a->series[i];
        const sc_gen_series *y = find(b, x->app, x->geo, x->metric);
        cr_assert(memcmp(x->v, y->v, x->n * sizeof(double)) == 0, "%s/%s/%s changed", x->app,
                  x->geo, x->metric);
    }
    /* the feed without ap entries is the same sequence */
    size_t j = 0, same = 0;
    for (size_t i = 0; i < b->feed->n; i++) {
        if (!strcmp(b->feed->events[i].geo, "ap"))
            continue;
        cr_assert_lt(j, a->feed->n);
        cr_assert(!memcmp(&a->feed->events[j], &b->feed->events[i], sizeof(sc_event)));
        j++;
        same++;
    }
    cr_assert_eq(j, a->feed->n);
    cr_assert_gt(same, 0);
    sc_gen_result_free(a);
    sc_gen_result_free(b);
}

Test(gen, options_override_time_axis)
{
    char *spec = demo_spec();
    sc_gen_options opt = {1, T("2024-06-03T00:00:00Z"), 2 * DAY, HOUR};
    sc_gen_result *r = NULL;
    sc_error err;
    cr_assert_eq(sc_gen_run(spec, "demo.json", 1, &opt, &r, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(r->n_steps, 48);
    cr_assert_eq(r->start_ms, T("2024-06-03T00:00:00Z"));
    cr_assert_eq(r->series[0].step_ms, HOUR);
    sc_gen_result_free(r);
    free(spec);
}

static void expect_spec_error(const char *spec, const char *where, const char *msg_part)
{
    sc_gen_result *r = (sc_gen_result *)1;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_gen_run(spec, "spec.json", 1, NULL, &r, &err);
    cr_assert_eq(st, SC_ERR_INPUT, "status %s for %s", sc_status_name(st), spec);
    cr_assert_null(r);
    cr_assert_str_eq(err.where, where, "where '%s' msg '%s'", err.where, err.msg);
    cr_assert(strstr(err.msg, msg_part), "msg '%s' lacks '%s'", err.msg, msg_part);
}

Test(gen, bad_spec_names_the_json_path)
{
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}, {\"name\": \"eu\", \"tz\": 1}],"
                      " \"apps\": [{\"name\": \"a\"}]}",
                      "spec.json: $.geos[1].tz", "expected a string");
    expect_spec_error("{\"geos\": [{\"name\": \"na\", \"tz\": \"Mars/Olympus\"}],"
                      " \"apps\": [{\"name\": \"a\"}]}",
                      "spec.json: $.geos[0].tz", "unknown time zone");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}], \"apps\": [{\"name\": \"a\","
                      " \"peak_hr\": 3}]}",
                      "spec.json: $.apps[0].peak_hr", "unknown key 'peak_hr' (did you mean 'peak_hour'?)");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}], \"apps\": [{\"name\": \"a\","
                      " \"daily_amplitude\": 1.5}]}",
                      "spec.json: $.apps[0].daily_amplitude", "[0, 1]");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}], \"apps\": [{\"name\": \"a\","
                      " \"base\": {\"default\": 5, \"xx\": 3}}]}",
                      "spec.json: $.apps[0].base.xx", "no geography");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}], \"apps\": [{\"name\": \"a\"}],"
                      " \"campaigns\": {\"p_unannounced\": 0.7, \"p_cancelled\": 0.5}}",
                      "spec.json: $.campaigns.p_cancelled", "<= 1");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}], \"apps\": [{\"name\": \"a\"}],"
                      " \"flash_crowds\": {\"duration\": [\"1h\", 5]}}",
                      "spec.json: $.flash_crowds.duration[1]", "duration");
    expect_spec_error("{\"geos\": [], \"apps\": [{\"name\": \"a\"}]}", "spec.json: $.geos",
                      "non-empty");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}]}", "spec.json: $.apps", "missing");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}], \"apps\": [{\"name\": \"a\"}],"
                      " \"step\": \"1h\", \"duration\": \"30m\"}",
                      "spec.json: $.duration", "at least one step");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}, {\"name\": \"na\"}],"
                      " \"apps\": [{\"name\": \"a\"}]}",
                      "spec.json: $.geos[1].name", "duplicate");
    expect_spec_error("{\"geos\": [{\"name\": \"na\"}], \"apps\": [{\"name\": \"a\"}],"
                      " \"events\": [{\"kind\": \"holiday\", \"geo\": \"zz\","
                      " \"start\": \"2024-01-02\", \"duration\": \"1d\", \"lift\": -0.2}]}",
                      "spec.json: $.events[0].geo", "no geography");
    /* malformed JSON: file:line:col */
    sc_gen_result *r = NULL;
    sc_error err;
    cr_assert_eq(sc_gen_run("{\n \"geos\": [,]\n}", "spec.json", 1, NULL, &r, &err),
                 SC_ERR_INPUT);
    cr_assert(strncmp(err.where, "spec.json:2:", 12) == 0, "where %s", err.where);
}

/* ---- store and command line ------------------------------------------------------- */

static char tmpdir[256];

static void mk_tmpdir(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/test_gen_tmp_%ld", SC_BINARY_DIR, (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static void rm_tmpdir(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    (void)system(cmd);
}

Test(gen_io, write_to_store_and_read_back, .init = mk_tmpdir, .fini = rm_tmpdir)
{
    char *spec = demo_spec();
    sc_gen_result *r = run(spec, 3);
    char path[512];
    snprintf(path, sizeof path, "%s/demo.h5", tmpdir);
    sc_tsdb *db = NULL;
    sc_error err;
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_gen_write(r, db, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_READ, &db, &err), SC_OK, "%s", err.msg);
    sc_series_info *info = NULL;
    size_t n = 0;
    cr_assert_eq(sc_tsdb_list(db, &info, &n, &err), SC_OK);
    cr_assert_eq(n, r->n_series);
    const sc_gen_series *s = find(r, "batch", "ap", "mem");
    sc_series_key key = {"batch", "ap", "mem"};
    sc_time_ms *t = NULL;
    double *v = NULL;
    size_t m = 0;
    cr_assert_eq(sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &m, &err), SC_OK);
    cr_assert_eq(m, s->n);
    cr_assert_eq(t[0], T("2024-03-04T00:00:00Z"));
    cr_assert_eq(t[m - 1] - t[0], (sc_time_ms)(m - 1) * 5 * MIN);
    cr_assert(memcmp(v, s->v, m * sizeof(double)) == 0);
    free(t);
    free(v);
    free(info);
    sc_tsdb_close(db, NULL);
    sc_gen_result_free(r);
    free(spec);
}

static int sh(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(gen_io, cli_writes_store_feed_truth_atomically, .init = mk_tmpdir, .fini = rm_tmpdir)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "'%s' trace gen '%s/traces/specs/demo.json' -o '%s/d.h5' --truth '%s/t.csv' "
             "--seed 7 -q",
             SC_SCULPT_BIN, SC_SOURCE_DIR, tmpdir, tmpdir);
    cr_assert_eq(sh(cmd), 0, "%s", cmd);
    /* default feed path beside the store */
    snprintf(cmd, sizeof cmd,
             "test -s '%s/d.h5' && head -1 '%s/d.events.csv' | grep -qx "
             "'start,end,app,geo,kind,lift' && head -1 '%s/t.csv' | grep -q '^kind,app,geo'",
             tmpdir, tmpdir, tmpdir);
    cr_assert_eq(sh(cmd), 0, "outputs missing");
    /* the store seen from outside (h5py), if available: 6048 samples, 5 min apart */
    snprintf(cmd, sizeof cmd,
             "/usr/bin/python3 -c 'import h5py' 2>/dev/null || exit 0; /usr/bin/python3 -c "
             "\"import h5py,sys; f=h5py.File('%s/d.h5','r'); t=f['series/web/ap/load/t'][:]; "
             "v=f['series/web/ap/load/v'][:]; "
             "sys.exit(0 if len(t)==6048 and t[1]-t[0]==300000 and (v>=0).all() else 1)\"",
             tmpdir);
    cr_assert_eq(sh(cmd), 0, "h5py check");
    /* same seed, same feed bytes; JSON feed by extension */
    snprintf(cmd, sizeof cmd,
             "'%s' trace gen '%s/traces/specs/demo.json' -o '%s/e.h5' --seed 7 -q "
             "--events '%s/e.json' && cmp -s '%s/d.events.csv' '%s/d.events.csv' && "
             "head -c1 '%s/e.json' | grep -q '\\['",
             SC_SCULPT_BIN, SC_SOURCE_DIR, tmpdir, tmpdir, tmpdir, tmpdir, tmpdir);
    cr_assert_eq(sh(cmd), 0, "%s", cmd);

    /* a bad spec: exit 2, message names the JSON path, nothing written */
    char bad[512];
    snprintf(bad, sizeof bad, "%s/bad.json", tmpdir);
    FILE *fp = fopen(bad, "w");
    cr_assert_not_null(fp);
    fputs("{\"geos\": [{\"name\": \"na\"}, {\"name\": \"eu\", \"tz\": 9}],\n"
          " \"apps\": [{\"name\": \"a\"}]}\n",
          fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd, "'%s' trace gen '%s' -o '%s/out/x.h5' 2>'%s/err.txt'",
             SC_SCULPT_BIN, bad, tmpdir, tmpdir);
    snprintf(cmd + strlen(cmd), sizeof cmd - strlen(cmd), "; test $? -eq 2");
    char mk[600];
    snprintf(mk, sizeof mk, "mkdir -p '%s/out'", tmpdir);
    cr_assert_eq(sh(mk), 0);
    cr_assert_eq(sh(cmd), 0, "bad spec must exit 2");
    snprintf(cmd, sizeof cmd, "grep -q '\\$.geos\\[1\\].tz' '%s/err.txt' && test -z \"$(ls -A '%s/out')\"",
             tmpdir, tmpdir);
    cr_assert_eq(sh(cmd), 0, "error must name $.geos[1].tz and leave nothing behind");
    /* --help */
    snprintf(cmd, sizeof cmd, "'%s' trace gen --help | grep -q 'usage: sculpt trace gen'",
             SC_SCULPT_BIN);
    cr_assert_eq(sh(cmd), 0);
}
