/*
 * oneregion.h - test helpers shared by the policy tests on the one-region world
 * (test_policies.c, test_purchase_mix.c, test_sculpt_slo.c, test_burst.c,
 * test_policy_sculpt_intrahour.c, test_policy_sculpt_reserve.c; test_itype.c uses its
 * CSV writer) and the world tests (test_world_footprint.c, test_world_window.c).
 * Header-only (static inline, so a test that uses part of it compiles warning-free);
 * include it after <criterion/criterion.h>.
 *
 * The one-region world: one app "a" on a 1-vCPU type "t1" in one region "r" serving one
 * geography "g"; the app needs 0.01 vCPU per req/s, so one instance serves 100 req/s at
 * 100 % and ieq = load / 100.  The demand of a test is written straight into the world's
 * step arrays after sc_world_build (oneregion_set_ieq); the flat CSV trace only gives the
 * world its shape.  What the tests vary (seed, time axis, boot, prices, target, SLO,
 * initial count) is a field of oneregion_spec; oneregion_defaults() is the world of
 * test_policy_sculpt_intrahour.c, which each test changes where its own differs.
 */
#ifndef SC_TESTS_ONEREGION_H
#define SC_TESTS_ONEREGION_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/policy.h"
#include "sim.h"
#include "tu_common.h"

/* ---- files ---------------------------------------------------------------------------- */

/* The whole file at path as a NUL-terminated malloc'd string (tu_common.h). */
static inline char *tu_slurp(const char *path)
{
    return tu_file_read(path, NULL);
}

/* Replace the first occurrence of old by new in a malloc'd string (freed; the result is
 * a new one). */
static inline char *tu_subst(char *s, const char *old, const char *new)
{
    char *p = strstr(s, old);
    cr_assert(p, "'%s' not found", old);
    size_t n = strlen(s) - strlen(old) + strlen(new);
    char *r = malloc(n + 1);
    cr_assert(r);
    memcpy(r, s, (size_t)(p - s));
    strcpy(r + (p - s), new);
    strcat(r, p + strlen(old));
    free(s);
    return r;
}

/* Writes text to path (asserting it could). */
static inline void tu_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    cr_assert_eq(fclose(f), 0);
}

/* The ramp CSV of the world tests: 180 rows from 2026-01-05 00:00, minute i has value
 * i (so a 5-minute step k of peaks is 5k + 4). */
static inline void tu_ramp_csv(const char *path)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fprintf(f, "timestamp,value\n");
    for (int i = 0; i < 180; i++)
        fprintf(f, "2026-01-05 %02d:%02d:00,%d\n", i / 60, i % 60, i);
    fclose(f);
}

/* ---- the one-region world ------------------------------------------------------------- */

/* A flat CSV "timestamp,value" with value (printed %g) at every step_min minutes from
 * 2026-01-05 00:00:00 to span_min minutes later inclusive.  Criterion runs tests in parallel
 * processes: each writes its own copy and renames it over path (same bytes), so no test
 * reads a half-written file.  Written once per process and path. */
static inline void oneregion_csv(const char *path, int span_min, int step_min, double value)
{
    static char written[512];
    if (strcmp(written, path) == 0)
        return;
    char tmp[600];
    snprintf(tmp, sizeof tmp, "%s.%ld.tmp", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    cr_assert(f != NULL);
    fprintf(f, "timestamp,value\n");
    sc_time_ms t0;
    cr_assert_eq(sc_time_parse("2026-01-05T00:00:00Z", NULL, &t0), SC_OK);
    for (int64_t m = 0; m <= span_min; m += step_min) {
        char buf[64];
        sc_time_format(t0 + m * SC_MS_PER_MIN, buf, sizeof buf);
        /* "YYYY-MM-DDTHH:MM:SSZ" -> "YYYY-MM-DD HH:MM:SS" */
        buf[10] = ' ';
        buf[19] = '\0';
        fprintf(f, "%s,%g\n", buf, value);
    }
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(rename(tmp, path), 0);
    snprintf(written, sizeof written, "%s", path);
}

typedef struct oneregion_spec {
    int seed;
    const char *warmup, *duration, *step;
    const char *boot;          /* the region's "boot" object */
    const char *reserved_term; /* NULL: the key is left out */
    const char *prices;        /* the region's "t1" entry */
    int latency_ms;            /* geography g to region r */
    double target_util;
    const char *app_warmup;
    const char *slo; /* the app's "slo" object */
    int initial;     /* instances in r at the start */
    const char *csv; /* the trace "tg" (oneregion_csv) */
    const char *json; /* the name the scenario is parsed under (messages' file) */
} oneregion_spec;

static inline oneregion_spec oneregion_defaults(void)
{
    oneregion_spec s = {
        .seed = 5,
        .warmup = "3d",
        .duration = "1d",
        .step = "5m",
        .boot = "{\"dist\": \"const\", \"value_s\": 90}",
        .reserved_term = NULL,
        .prices = "{\"on_demand\": 0.1}",
        .latency_ms = 10,
        .target_util = 0.5,
        .app_warmup = "30s",
        .slo = "{\"latency_ms\": 1000, \"max_unserved_frac\": 0.001,"
               " \"penalty_per_unit_hour\": 0.01}",
        .initial = 20,
        .csv = NULL,
        .json = NULL,
    };
    return s;
}

typedef struct oneregion {
    sc_scenario *sc;
    sc_world *w;
} oneregion;

/* Parses the spec's scenario and builds its world (asserting both succeed). */
static inline oneregion oneregion_make(const oneregion_spec *s)
{
    char term[64] = "";
    if (s->reserved_term)
        snprintf(term, sizeof term, " \"reserved_term\": \"%s\",", s->reserved_term);
    char text[4096];
    int n = snprintf(
        text, sizeof text,
        "{\"name\": \"t\", \"seed\": %d, \"start\": \"2026-01-05T00:00:00Z\","
        " \"warmup\": \"%s\", \"duration\": \"%s\", \"step\": \"%s\","
        " \"geos\": [{\"name\": \"g\", \"home_region\": \"r\"}],"
        " \"regions\": [{\"name\": \"r\", \"boot\": %s,"
        "   \"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0,%s"
        "   \"types\": {\"t1\": %s}}],"
        " \"instance_types\": [{\"name\": \"t1\", \"vcpu\": 1, \"mem_gib\": 4, \"io_mbps\": 100}],"
        " \"latency_ms\": {\"g\": {\"r\": %d}},"
        " \"apps\": [{\"name\": \"a\", \"unit\": \"req/s\", \"instance_type\": \"t1\","
        "   \"needs\": {\"cpu\": 0.01}, \"target_util\": %g, \"min_instances\": 1,"
        "   \"max_instances\": 100, \"warmup\": \"%s\","
        "   \"latency\": {\"base_ms\": 20, \"u_max\": 0.99},"
        "   \"slo\": %s,"
        "   \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}],"
        "   \"initial\": [{\"region\": \"r\", \"count\": %d}]}],"
        " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
        " \"policies\": [{\"name\": \"static\"}]}",
        s->seed, s->warmup, s->duration, s->step, s->boot, term, s->prices, s->latency_ms,
        s->target_util, s->app_warmup, s->slo, s->initial, s->csv);
    cr_assert(n > 0 && (size_t)n < sizeof text);
    oneregion fx = {0};
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, s->json, &fx.sc, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    cr_assert_eq(sc_world_build(fx.sc, &fx.w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_float_eq(fx.w->unit_cap[0], 100.0, 1e-9);
    return fx;
}

/* Demand of step k: ieq instance-equivalents, i.e. 100 x ieq req/s, in the app-region
 * and the app-geography rows. */
static inline void oneregion_set_ieq(sc_world *w, int64_t k, double ieq)
{
    w->ieq_ar[0][k] = (float)ieq;
    w->load_ar[0][k] = (float)(ieq * 100.0);
    w->load_ag[0][k] = (float)(ieq * 100.0);
}

static inline void oneregion_drop(oneregion *fx)
{
    sc_world_free(fx->w);
    sc_scenario_free(fx->sc);
}

/* Runs policy with params over the world (asserting it succeeds); per_step as
 * sc_run_policy. */
static inline sc_run *oneregion_run(const sc_world *w, const char *policy, const char *params,
                                    int per_step)
{
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "%s", policy);
    snprintf(spec.label, sizeof spec.label, "%s", policy);
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(sc_run_policy(w, &spec, per_step, &r, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    return r;
}

/* sculpt params with its old sizing in front (the plan at the app's target_util and the
 * forecast as it is), for the tests that hand-compute plans that way: sculpt's defaults
 * (sculpt_size.c: the SLO's utilisation and a measured headroom) no longer are. */
static inline const char *oneregion_legacy(const char *params, char *buf, size_t cap)
{
    snprintf(buf, cap, "{\"serve_util\": \"target\", \"headroom\": 1%s%s",
             params[1] == '}' ? "" : ", ", params + 1);
    return buf;
}

#endif
