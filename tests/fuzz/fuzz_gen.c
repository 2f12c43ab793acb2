/*
 * fuzz_gen.c - fuzz harness of the synthetic generator's spec parser and generator
 * (sc_gen_run, traces/src/gen.h).
 *
 * The input is the spec JSON text (cut at an embedded NUL, as a C string), run with
 * seed 42.  The time axis is overridden to 3 days at 1-hour steps (sc_gen_options), so
 * one input costs at most 72 samples per series: the spec's own "duration" and "step"
 * are still parsed and validated, but a spec asking for years at 1-second steps (legal
 * up to gen.c's 32 GiB limit) does not turn a fuzz run into an allocation test.
 *
 * On success the result's promises are checked: series sorted by (app, geo, metric),
 * each of n_steps samples >= 0 at the overridden step, a feed that validates, and
 * sc_gen_find finds every series.  On failure *out must be NULL and err must say why.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "gen.h"

static int key_cmp(const sc_gen_series *a, const sc_gen_series *b)
{
    int c = strcmp(a->app, b->app);
    if (!c)
        c = strcmp(a->geo, b->geo);
    if (!c)
        c = strcmp(a->metric, b->metric);
    return c;
}

static void check_result(const sc_gen_result *res)
{
    if (res->step_ms != SC_MS_PER_HOUR || res->n_steps != 72 || !res->feed)
        abort();
    for (size_t i = 0; i < res->n_series; i++) {
        const sc_gen_series *s = &res->series[i];
        if (s->n != res->n_steps || s->step_ms != res->step_ms ||
            (i > 0 && key_cmp(&res->series[i - 1], s) >= 0) ||
            sc_gen_find(res, s->app, s->geo, s->metric) != s)
            abort();
        for (size_t k = 0; k < s->n; k++)
            if (!(s->v[k] >= 0) || isinf(s->v[k]))
                abort();
    }
    sc_error err;
    for (size_t i = 0; i < res->feed->n; i++)
        if (sc_event_validate(&res->feed->events[i], "fuzz", &err) != SC_OK)
            abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char *text = sc_fuzz_strndup(data, size);
    if (!text)
        return 0;
    sc_gen_options opt = {0};
    opt.duration_ms = 3 * SC_MS_PER_DAY;
    opt.step_ms = SC_MS_PER_HOUR;
    sc_gen_result *res = NULL;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_gen_run(text, "fuzz-spec.json", 42, &opt, &res, &err);
    if (st == SC_OK) {
        if (!res)
            abort();
        check_result(res);
    } else if (res || err.status == SC_OK) {
        abort();
    }
    sc_gen_result_free(res);
    free(text);
    return 0;
}
