/*
 * test_world_window.c - the windowed (streaming) world of issue 13, item 6.
 *
 * The windowed layout must give the same bytes as the whole-run layout; the reference
 * is the whole-run path (the generator's sc_gen_run and sc_world_build_layout(-1)),
 * compared from outside: generated series, per-step demand read through a run's cursor,
 * and the results and decision logs of runs, at several window sizes.  Figures that are
 * not comparisons are hand calculations:
 *   - the ramp CSV (minute i has value i) resampled to 5-minute peaks: step k = 5k + 4,
 *     read by a second app at scale 2: 2 (5k + 4) (as test_world_footprint.c);
 *   - the windowed footprint of tests/fixtures/sim/unit.json (1 app, 2 regions, 2 home
 *     geographies so geography rows alias region rows, 2 CSV traces, 36 steps) with a
 *     window of 4 and no look-back: rings 2 rows x 2 app-regions x (4 + 0 + 1) steps x
 *     4 B = 80, CSV traces read whole 2 x 36 x 8 B = 576, routing shares 2 app-geos x 2
 *     regions x 8 B = 32: 688 B;
 *   - a world larger than the old cap of 10^8 samples: 400 apps x 10 regions x 30 days
 *     of 1-minute steps = 400 x 10 x 43,200 = 172,800,000 samples per row kind; its
 *     whole-run step arrays alone are 2 x 172.8e6 x 4 B = 1.29 GiB.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "sim.h"

#include "oneregion.h"
#include "world_window.h"

#define GEN_DEMO SC_SOURCE_DIR "/traces/specs/demo.json"
#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"

/* The generator by window gives each series' whole-run bytes, at any window size. */
Test(world_window, generator_by_window_equals_whole_run)
{
    char *text = tu_slurp(GEN_DEMO);
    sc_error err;
    sc_gen_result *whole = NULL;
    cr_assert_eq(sc_gen_run(text, GEN_DEMO, 7, NULL, &whole, &err), SC_OK, "%s", err.msg);
    cr_assert_gt(whole->n_series, 1);
    static const int64_t windows[] = {1, 7, 288, 100000};
    for (size_t wi = 0; wi < sizeof windows / sizeof windows[0]; wi++) {
        sc_gen_stream *gs = NULL;
        cr_assert_eq(sc_gen_stream_open(text, GEN_DEMO, 7, NULL, &gs, &err), SC_OK, "%s",
                     err.msg);
        int64_t n = sc_gen_stream_steps(gs);
        cr_assert_eq(n, (int64_t)whole->n_steps);
        double *got = malloc((size_t)n * whole->n_series * sizeof *got);
        size_t *idx = malloc(whole->n_series * sizeof *idx);
        cr_assert(got && idx);
        for (size_t i = 0; i < whole->n_series; i++) {
            const sc_gen_series *s = &whole->series[i];
            idx[i] = sc_gen_stream_find(gs, s->app, s->geo, s->metric);
            cr_assert_neq(idx[i], SIZE_MAX, "%s/%s/%s", s->app, s->geo, s->metric);
        }
        int64_t W = windows[wi];
        for (int64_t k0 = 0; k0 < n; k0 += W) {
            int64_t k1 = k0 + W < n ? k0 + W : n;
            cr_assert_eq(sc_gen_stream_window(gs, k0, k1, &err), SC_OK, "%s", err.msg);
            for (size_t i = 0; i < whole->n_series; i++)
                cr_assert_eq(sc_gen_stream_fill(gs, idx[i], got + i * (size_t)n + k0, &err),
                             SC_OK, "%s", err.msg);
        }
        for (size_t i = 0; i < whole->n_series; i++)
            cr_expect(memcmp(got + i * (size_t)n, whole->series[i].v,
                             (size_t)n * sizeof *got) == 0,
                      "window %lld: series %s/%s/%s differs", (long long)W,
                      whole->series[i].app, whole->series[i].geo, whole->series[i].metric);
        free(got);
        free(idx);
        sc_gen_stream_free(gs);
    }
    sc_gen_result_free(whole);
    free(text);
}

/* Windows must come in order: a skipped window is an internal error, not wrong data. */
Test(world_window, generator_windows_out_of_order_refused)
{
    char *text = tu_slurp(GEN_DEMO);
    sc_error err;
    sc_gen_stream *gs = NULL;
    cr_assert_eq(sc_gen_stream_open(text, GEN_DEMO, 7, NULL, &gs, &err), SC_OK, "%s", err.msg);
    double out[16];
    cr_assert_eq(sc_gen_stream_window(gs, 16, 32, &err), SC_OK);
    cr_expect_eq(sc_gen_stream_fill(gs, 0, out, &err), SC_ERR_INTERNAL);
    cr_expect(strstr(err.msg, "windows must come in order") != NULL, "%s", err.msg);
    cr_expect_eq(sc_gen_stream_window(gs, 0, sc_gen_stream_steps(gs) + 1, &err),
                 SC_ERR_INTERNAL);
    sc_gen_stream_free(gs);
    free(text);
}

/* Every step's demand through a cursor over the windowed world equals the whole-run
 * layout's, for scenarios with generated and with read traces. */
static void compare_layouts(const char *path, int64_t window, int64_t lookback)
{
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(path, &sc, &err), SC_OK, "%s", err.msg);
    sc_world *whole = NULL, *win = NULL;
    cr_assert_eq(sc_world_build_layout(sc, -1, &whole, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_world_build_layout(sc, window, &win, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(whole->window, 0);
    cr_assert_eq(win->window, window, "%s: window %lld", path, (long long)win->window);
    cr_assert_null(win->load_ar);
    sc_world_cursor *c = NULL;
    cr_assert_eq(sc_world_cursor_open(win, lookback, &c, &err), SC_OK, "%s", err.msg);
    cr_assert_lt(c->ring, win->n_steps, "the ring must be smaller than the run");
    for (int64_t k = 0; k < win->n_steps; k++) {
        cr_assert_eq(sc_world_cursor_reach(c, k, &err), SC_OK, "%s", err.msg);
        int64_t s = k % c->ring;
        for (size_t ar = 0; ar < win->n_ar; ar++) {
            cr_assert(memcmp(&c->load_ar[ar][s], &whole->load_ar[ar][k], sizeof(float)) == 0,
                      "%s load ar %zu step %lld: %g vs %g", path, ar, (long long)k,
                      c->load_ar[ar][s], whole->load_ar[ar][k]);
            cr_assert(memcmp(&c->ieq_ar[ar][s], &whole->ieq_ar[ar][k], sizeof(float)) == 0,
                      "%s ieq ar %zu step %lld", path, ar, (long long)k);
        }
        for (size_t ag = 0; ag < win->n_ag; ag++)
            cr_assert(memcmp(&c->load_ag[ag][s], &whole->load_ag[ag][k], sizeof(float)) == 0,
                      "%s load ag %zu step %lld", path, ag, (long long)k);
    }
    cr_expect_eq(memcmp(win->share, whole->share,
                        whole->n_ag * sc->n_regions * sizeof *whole->share),
                 0);
    cr_expect_eq(memcmp(win->unit_cap, whole->unit_cap, sc->n_apps * sizeof *whole->unit_cap),
                 0);
    sc_world_cursor_free(c);
    sc_world_free(win);
    sc_world_free(whole);
    sc_scenario_free(sc);
}

Test(world_window, per_step_demand_equals_whole_layout)
{
    /* europe-spike, global and region-outage route: always laid out whole */
    static const char *const scen[] = {"demo", "campaign", "nasa", "nab", "eia"};
    for (size_t i = 0; i < sizeof scen / sizeof scen[0]; i++) {
        char path[512];
        snprintf(path, sizeof path, SC_SOURCE_DIR "/scenarios/%s.json", scen[i]);
        compare_layouts(path, 1, 0);
        compare_layouts(path, 13, 5);
    }
}

/* Runs on a windowed world give the same results and decision log as on the whole-run
 * layout: the policies that declare a look-back (reactive, snaive-predictive,
 * aws-predictive) read rings; the others get every step. */
Test(world_window, runs_equal_whole_layout)
{
    sc_sim_register();
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(SC_SOURCE_DIR "/scenarios/demo.json", &sc, &err), SC_OK,
                 "%s", err.msg);
    sc_world *whole = NULL;
    cr_assert_eq(sc_world_build_layout(sc, -1, &whole, &err), SC_OK, "%s", err.msg);
    static const int64_t windows[] = {1, 97};
    sc_world *win[2] = {NULL, NULL};
    for (size_t wi = 0; wi < 2; wi++)
        cr_assert_eq(sc_world_build_layout(sc, windows[wi], &win[wi], &err), SC_OK, "%s",
                     err.msg);
    for (size_t p = 0; p < sc->n_policies; p++) {
        sc_run *a = NULL;
        cr_assert_eq(sc_run_policy(whole, &sc->policies[p], 1, &a, &err), SC_OK, "%s",
                     err.msg);
        char *ja = sc_run_json(a);
        cr_assert(ja);
        for (size_t wi = 0; wi < 2; wi++) {
            sc_run *b = NULL;
            cr_assert_eq(sc_run_policy(win[wi], &sc->policies[p], 1, &b, &err), SC_OK, "%s",
                         err.msg);
            char *jb = sc_run_json(b);
            cr_assert(jb);
            cr_expect_str_eq(jb, ja, "policy %s window %lld", sc->policies[p].label,
                             (long long)windows[wi]);
            cr_expect_eq(a->n_log, b->n_log, "policy %s", sc->policies[p].label);
            size_t cells = a->n_ar * (size_t)a->n_steps;
            cr_expect(memcmp(a->demand, b->demand, cells * sizeof *a->demand) == 0,
                      "policy %s: per-step demand", sc->policies[p].label);
            cr_expect(memcmp(a->instances, b->instances, cells * sizeof *a->instances) == 0,
                      "policy %s: per-step instances", sc->policies[p].label);
            for (size_t i = 0; i < a->n_log && i < b->n_log; i++)
                cr_expect(a->log[i].t == b->log[i].t && a->log[i].count == b->log[i].count &&
                              a->log[i].kind == b->log[i].kind &&
                              a->log[i].accepted == b->log[i].accepted,
                          "policy %s: log entry %zu", sc->policies[p].label, i);
            free(jb);
            sc_run_free(b);
        }
        free(ja);
        sc_run_free(a);
    }
    for (size_t wi = 0; wi < 2; wi++)
        sc_world_free(win[wi]);
    sc_world_free(whole);
    sc_scenario_free(sc);
}

/* A read older than the declared look-back is NaN, not stale data from the ring. */
Test(world_window, view_reads_before_the_ring_are_nan)
{
    float row[4] = {10, 11, 12, 13}; /* ring of 4: steps 8..11 at [k % 4] */
    const float *rows[1] = {row};
    sc_scenario sc;
    memset(&sc, 0, sizeof sc);
    sc.n_regions = 1;
    sc_policy_view v = {.sc = &sc, .step = 11, .n_steps = 100, .load = rows, .ieq = rows,
                        .ring = 4, .ring_lo = 8};
    cr_expect(isnan(sc_view_load(&v, 0, 0, 7)));
    cr_expect_eq(sc_view_load(&v, 0, 0, 8), 10.0);
    cr_expect_eq(sc_view_ieq(&v, 0, 0, 9), 11.0);
    cr_expect_eq(sc_view_ieq(&v, 0, 0, 11), 13.0);
    cr_expect(isnan(sc_view_ieq(&v, 0, 0, 12)));
}

/* Hand values through a windowed world: the ramp CSV read by two apps. */
Test(world_window, ramp_by_hand_through_the_cursor)
{
    char dir[] = "/tmp/sc-worldwin-XXXXXX";
    cr_assert(mkdtemp(dir));
    char csv[64], json[64];
    snprintf(csv, sizeof csv, "%s/flat.csv", dir);
    snprintf(json, sizeof json, "%s/unit.json", dir);
    tu_ramp_csv(csv);
    char *text = tu_slurp(UNIT);
    tu_write(json, text);
    free(text);
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(json, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_expect_eq(sc_world_footprint_windowed(sc, 4, 0), 688.0, "%.0f",
                 sc_world_footprint_windowed(sc, 4, 0));
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build_layout(sc, 4, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_world_cursor *c = NULL;
    cr_assert_eq(sc_world_cursor_open(w, 0, &c, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(c->ring, 5);
    for (int64_t k = 0; k < 36; k++) {
        cr_assert_eq(sc_world_cursor_reach(c, k, &err), SC_OK, "%s", err.msg);
        double v = 5.0 * (double)k + 4.0;
        cr_expect_eq(c->load_ar[0][k % 5], (float)v, "step %lld: %g", (long long)k,
                     c->load_ar[0][k % 5]);
        cr_expect_eq(c->load_ar[1][k % 5], (float)v, "step %lld", (long long)k);
    }
    sc_world_cursor_free(c);
    sc_world_free(w);
    sc_scenario_free(sc);
    remove(csv);
    remove(json);
    remove(dir);
}

/* 400 apps x 10 regions x 30 days at 1 minute: more samples than the old cap (10^8),
 * more than SC_WORLD_WINDOW_ABOVE_BYTES whole, so built windowed; a cursor with no
 * look-back holds an hour of steps. */
Test(world_window, larger_than_the_old_cap_builds)
{
    size_t cap = 4u << 20, n = 0;
    char *b = malloc(cap);
    cr_assert(b);
#define PUT(...) (n += (size_t)snprintf(b + n, cap - n, __VA_ARGS__))
    PUT("{\"name\": \"big\", \"seed\": 3, \"start\": \"2024-01-01T00:00:00Z\", "
        "\"warmup\": \"1d\", \"duration\": \"29d\", \"step\": \"1m\", \"geos\": [");
    for (int r = 0; r < 10; r++)
        PUT("%s{\"name\": \"g%d\", \"home_region\": \"r%d\", \"tz\": \"UTC\"}", r ? "," : "", r,
            r);
    PUT("], \"regions\": [");
    for (int r = 0; r < 10; r++)
        PUT("%s{\"name\": \"r%d\", \"boot\": {\"dist\": \"lognormal\", \"median_s\": 97, "
            "\"p95_s\": 160}, \"types\": {\"m\": {\"on_demand\": 0.1}}}",
            r ? "," : "", r);
    PUT("], \"instance_types\": [{\"name\": \"m\", \"vcpu\": 2, \"mem_gib\": 8}],\n"
        "\"latency_ms\": {");
    for (int g = 0; g < 10; g++) {
        PUT("%s\"g%d\": {", g ? "," : "", g);
        for (int r = 0; r < 10; r++)
            PUT("%s\"r%d\": %d", r ? "," : "", r, g == r ? 15 : 80);
        PUT("}");
    }
    PUT("}, \"apps\": [");
    for (int a = 0; a < 400; a++) {
        PUT("%s{\"name\": \"a%d\", \"unit\": \"req/s\", \"instance_type\": \"m\", "
            "\"needs\": {\"cpu\": 0.01}, \"target_util\": 0.6, \"min_instances\": 1, "
            "\"max_instances\": 5000, \"latency\": {\"base_ms\": 30}, \"slo\": "
            "{\"latency_ms\": 150, \"max_unserved_frac\": 0.001, "
            "\"penalty_per_unit_hour\": 0.1}, \"demand\": [",
            a ? ",\n" : "", a);
        for (int r = 0; r < 10; r++)
            PUT("%s{\"geo\": \"g%d\", \"trace\": \"a%dg%d\"}", r ? "," : "", r, a, r);
        PUT("]}");
    }
    PUT("], \"traces\": [");
    for (int a = 0; a < 400; a++)
        for (int r = 0; r < 10; r++)
            PUT("%s{\"name\": \"a%dg%d\", \"synthetic\": \"a%d/g%d/load\"}", a || r ? "," : "", a, r,
                a, r);
    PUT("], \"synthetic\": {\"start\": \"2024-01-01T00:00:00Z\", \"duration\": \"30d\", "
        "\"step\": \"1m\", \"geos\": [");
    for (int r = 0; r < 10; r++)
        PUT("%s{\"name\": \"g%d\", \"tz\": \"UTC\"}", r ? "," : "", r);
    PUT("], \"apps\": [");
    for (int a = 0; a < 400; a++)
        PUT("%s{\"name\": \"a%d\", \"unit\": \"req/s\", \"base\": 100}", a ? "," : "", a);
    PUT("]}, \"policies\": [{\"name\": \"reactive\"}]}");
#undef PUT
    cr_assert_lt(n, cap);
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_parse(b, "big.json", &sc, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    free(b);
    cr_expect_gt(sc_world_footprint(sc), 1.29 * 1024 * 1024 * 1024);
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_expect_eq(w->n_steps, 43200);
    cr_expect_eq(w->window, 60, "an hour of 1-minute steps: %lld", (long long)w->window);
    sc_world_cursor *c = NULL;
    cr_assert_eq(sc_world_cursor_open(w, 0, &c, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(c->ring, 61);
    cr_assert_eq(sc_world_cursor_reach(c, 100, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(c->end, 120);
    cr_expect_gt(c->load_ar[0][100 % 61], 0.0f);
    cr_expect_lt(sc_world_footprint_windowed(sc, 60, 0), 64.0 * 1024 * 1024);
    sc_world_cursor_free(c);
    sc_world_free(w);
    sc_scenario_free(sc);
}

/* The decision log handed to a sink step by step is the log a run holds whole. */
typedef struct log_acc {
    sc_action_log *v;
    size_t n, cap, calls;
} log_acc;

static int acc_log(void *ctx, const sc_action_log *e, size_t n)
{
    log_acc *a = ctx;
    if (a->n + n > a->cap) {
        a->cap = (a->n + n) * 2;
        a->v = realloc(a->v, a->cap * sizeof *a->v);
        if (!a->v)
            return 1;
    }
    memcpy(a->v + a->n, e, n * sizeof *e);
    a->n += n;
    a->calls++;
    return 0;
}

static int failing_sink(void *ctx, const sc_action_log *e, size_t n)
{
    (void)ctx;
    (void)e;
    (void)n;
    return 1;
}

Test(world_window, streamed_log_equals_held_log)
{
    sc_sim_register();
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(SC_SOURCE_DIR "/scenarios/demo.json", &sc, &err), SC_OK,
                 "%s", err.msg);
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build_layout(sc, 5, &w, &err), SC_OK, "%s", err.msg);
    const sc_policy_spec *spec = &sc->policies[1]; /* reactive, sync 15 s */
    cr_assert_str_eq(spec->name, "reactive");
    sc_run *a = NULL, *b = NULL;
    cr_assert_eq(sc_run_policy(w, spec, 0, &a, &err), SC_OK, "%s", err.msg);
    log_acc acc = {0};
    sc_run_opts o = {.log_sink = acc_log, .log_ctx = &acc};
    cr_assert_eq(sc_run_policy_opts(w, spec, &o, &b, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(b->n_log, 0);
    cr_expect_eq(b->n_log_streamed, a->n_log);
    cr_assert_eq(acc.n, a->n_log);
    cr_expect_gt(acc.calls, 10, "handed over step by step, %zu calls", acc.calls);
    for (size_t i = 0; i < acc.n; i++)
        cr_assert(acc.v[i].t == a->log[i].t && acc.v[i].app == a->log[i].app &&
                      acc.v[i].region == a->log[i].region && acc.v[i].type == a->log[i].type &&
                      acc.v[i].kind == a->log[i].kind && acc.v[i].option == a->log[i].option &&
                      acc.v[i].count == a->log[i].count &&
                      acc.v[i].accepted == a->log[i].accepted &&
                      acc.v[i].reason == a->log[i].reason,
                  "entry %zu", i);
    char *ja = sc_run_json(a), *jb = sc_run_json(b);
    cr_expect_str_eq(jb, ja);
    free(ja);
    free(jb);
    sc_run_free(b);
    b = NULL;
    o.log_sink = failing_sink;
    cr_expect_eq(sc_run_policy_opts(w, spec, &o, &b, &err), SC_ERR_IO);
    cr_expect_null(b);
    cr_expect(strstr(err.msg, "sink") != NULL, "%s", err.msg);
    free(acc.v);
    sc_run_free(a);
    sc_world_free(w);
    sc_scenario_free(sc);
}
