/*
 * test_gen_cache.c - the generator's per-window cache of shared shape factors (issue 13,
 * item 1: the daily cosine per (geography, peak hour) and the trend per growth rate are
 * computed once a window for all the series that share them).
 *
 * The reference is the generator's whole-run pass (sc_gen_run), which never uses the
 * cache: every series produced window by window must have its bytes.  The spec is built
 * to stress the cache: 60 apps x 4 geographies (two IANA zones with DST, two fixed
 * offsets), peak hours drawn from 7 values (shared by many apps, with fractional hours
 * and one pair that differs in the last bit), growth rates from 4 values (0, negative,
 * and two that differ in the last bit), so that entries are hit, collide in the
 * direct-mapped tables and must not be confused.  Windows of 1, 5, 12 and 288 steps, and
 * one of the whole run, 2,304 steps, larger than the cache allows (the uncached path).
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"

static char *spec_text(void)
{
    static const char *peaks[] = {"9", "9.5", "13.25", "20", "0",
                                  "20.000000000000004", "23.999"};
    static const char *rates[] = {"0", "-0.001", "0.002", "0.0020000000000000005"};
    size_t cap = 1 << 16, len = 0;
    char *b = malloc(cap);
    cr_assert(b);
    len += (size_t)snprintf(b + len, cap - len,
                            "{\"start\": \"2024-03-08T00:00:00Z\", \"duration\": \"8d\", "
                            "\"step\": \"5m\", \"geos\": ["
                            "{\"name\": \"na\", \"tz\": \"America/New_York\"},"
                            "{\"name\": \"eu\", \"tz\": \"Europe/Berlin\"},"
                            "{\"name\": \"in\", \"tz\": \"+05:30\"},"
                            "{\"name\": \"ap\", \"tz\": \"+09:00\"}], \"apps\": [");
    for (int a = 0; a < 60; a++)
        len += (size_t)snprintf(b + len, cap - len,
                                "%s{\"name\": \"app%d\", \"unit\": \"req/s\", \"base\": %d, "
                                "\"daily_amplitude\": 0.%d, \"weekend_factor\": 0.7, "
                                "\"peak_hour\": %s, \"trend_per_day\": %s, "
                                "\"noise_sigma\": 0.05, \"noise_ar\": 0.8}",
                                a ? "," : "", a, 100 + 7 * a, 1 + a % 9, peaks[(a * 5) % 7],
                                rates[(a / 3) % 4]);
    len += (size_t)snprintf(b + len, cap - len,
                            "], \"flash_crowds\": {\"rate_per_week\": 1.0}, "
                            "\"campaigns\": {\"rate_per_week\": 0.5}}");
    cr_assert_lt(len, cap - 1);
    return b;
}

Test(gen_cache, windows_give_the_whole_run_bytes)
{
    char *text = spec_text();
    sc_error err;
    sc_gen_result *whole = NULL;
    cr_assert_eq(sc_gen_run(text, "cache.json", 11, NULL, &whole, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(whole->n_series, 240);
    cr_assert_eq(whole->n_steps, 8 * 288);
    static const int64_t windows[] = {1, 5, 12, 288, 8 * 288};
    for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++) {
        sc_gen_stream *gs = NULL;
        cr_assert_eq(sc_gen_stream_open(text, "cache.json", 11, NULL, &gs, &err), SC_OK, "%s",
                     err.msg);
        int64_t n = sc_gen_stream_steps(gs), W = windows[wi];
        double *got = malloc((size_t)n * whole->n_series * sizeof *got);
        size_t *idx = malloc(whole->n_series * sizeof *idx);
        cr_assert(got && idx);
        for (size_t i = 0; i < whole->n_series; i++) {
            const sc_gen_series *s = &whole->series[i];
            idx[i] = sc_gen_stream_find(gs, s->app, s->geo, s->metric);
            cr_assert_neq(idx[i], SIZE_MAX);
        }
        for (int64_t k0 = 0; k0 < n; k0 += W) {
            int64_t k1 = k0 + W < n ? k0 + W : n;
            cr_assert_eq(sc_gen_stream_window(gs, k0, k1, &err), SC_OK, "%s", err.msg);
            for (size_t i = 0; i < whole->n_series; i++)
                cr_assert_eq(sc_gen_stream_fill(gs, idx[i], got + i * (size_t)n + k0, &err),
                             SC_OK, "%s", err.msg);
        }
        size_t bad = 0;
        for (size_t i = 0; i < whole->n_series; i++)
            bad += memcmp(got + i * (size_t)n, whole->series[i].v, (size_t)n * sizeof *got) != 0;
        cr_expect_eq(bad, 0, "window %lld: %zu of %zu series differ from the whole run",
                     (long long)W, bad, whole->n_series);
        free(got);
        free(idx);
        sc_gen_stream_free(gs);
    }
    sc_gen_result_free(whole);
    free(text);
}
