/*
 * test_world_footprint.c - the world's footprint estimate replaces the 10^8-sample cap.
 *
 * Expected figures are hand calculations from the fixture's sizes (not the code's
 * formula applied to its own inputs): tests/fixtures/sim/unit.json has 1 app, 2 regions,
 * 2 geographies each at home (so geography rows alias region rows), 2 CSV traces, 1 h
 * warm-up + 2 h at 5 min = 36 steps:
 *   step arrays   2 rows (load, ieq) x 2 app-regions x 36 steps x 4 B =   576
 *   trace values  2 traces x 36 x 8 B                                   =   576
 *   app rows      2 geos x (load + 3 resources) x 36 x 8 B              = 2,304
 *                                                                  total  3,456 B
 * The absurd variant runs 36,000 days at 1 s: 3,600 + 36,000 x 86,400 = 3,110,403,600
 * steps x 96 B = 298,598,745,600 B = 278.1 GiB, refused before anything is allocated.
 * The generator's guard (demo spec, 12 series) at 100,000,000 days of 5 min:
 * 2.88e10 steps x 12 x 8 B = 2,574.9 GiB, refused with that figure.
 *
 * Traces are released after the last app that reads them: a ramp CSV (minute i has value
 * i) read by two apps, the second scaling it by 2, must give every step its hand value
 * (the peak of the step's five minutes: 5k + 4) in both apps' rows.
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

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define GEN_DEMO SC_SOURCE_DIR "/traces/specs/demo.json"

Test(world_footprint, unit_scenario_by_hand)
{
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(UNIT, &sc, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(sc_world_footprint(sc), 3456.0, "footprint %.0f", sc_world_footprint(sc));
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_expect_eq(w->n_steps, 36);
    sc_world_free(w);
    sc_scenario_free(sc);
}

Test(world_footprint, absurd_scenario_refused_with_figure)
{
    char *text = tu_slurp(UNIT);
    text = tu_subst(text, "\"duration\": \"2h\", \"step\": \"5m\"",
                 "\"duration\": \"36000d\", \"step\": \"1s\"");
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_parse(text, UNIT, &sc, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(sc_world_footprint(sc), 298598745600.0, "footprint %.0f",
                 sc_world_footprint(sc));
    sc_world *w = (sc_world *)1;
    /* the whole-run layout */
    cr_assert_eq(sc_world_build_layout(sc, -1, &w, &err), SC_ERR_INPUT);
    cr_expect_null(w);
    cr_expect(strstr(err.where, "unit.json") != NULL, "where: %s", err.where);
    cr_expect(strstr(err.msg, "$.duration: 3110403600 steps x 1 apps x 2 regions needs "
                              "about 278.1 GiB") != NULL,
              "msg: %s", err.msg);
    cr_expect(strstr(err.msg, "limit of 32 GiB") != NULL, "msg: %s", err.msg);
    /* automatic: windowed (above 1 GiB), but its two CSV traces are read whole:
     * 2 x 3110403600 steps x 8 bytes = 46.35 GiB */
    w = (sc_world *)1;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_ERR_INPUT);
    cr_expect_null(w);
    cr_expect(strstr(err.msg, "about 46.3 GiB") != NULL, "msg: %s", err.msg);
    cr_expect(strstr(err.msg, "limit of 32 GiB") != NULL, "msg: %s", err.msg);
    sc_scenario_free(sc);
    free(text);
}

Test(world_footprint, generator_guard_states_the_figure)
{
    char *text = tu_slurp(GEN_DEMO);
    text = tu_subst(text, "\"duration\": \"21d\"", "\"duration\": \"100000000d\"");
    sc_error err;
    sc_gen_result *res = NULL;
    cr_assert_eq(sc_gen_run(text, GEN_DEMO, 1, NULL, &res, &err), SC_ERR_INPUT);
    cr_expect_null(res);
    cr_expect(strstr(err.msg, "28800000000 steps x 12 series exceeds the limit: about "
                              "2574.9 GiB") != NULL,
              "msg: %s", err.msg);
    free(text);
}

Test(world_footprint, shared_trace_released_after_last_reader)
{
    char dir[] = "/tmp/sc-worldfp-XXXXXX";
    cr_assert(mkdtemp(dir));
    char csv[64], json[64];
    snprintf(csv, sizeof csv, "%s/ramp.csv", dir);
    snprintf(json, sizeof json, "%s/two.json", dir);
    tu_ramp_csv(csv);
    char *text = tu_slurp(UNIT);
    text = tu_subst(text, "\"flat.csv\"", "\"ramp.csv\"");
    text = tu_subst(text, "\"flat.csv\"", "\"ramp.csv\"");
    text = tu_subst(text,
                    "\"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}, {\"geo\": \"h\", "
                    "\"trace\": \"th\"}]}",
                    "\"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}, {\"geo\": \"h\", "
                    "\"trace\": \"th\"}]},\n"
                    "    {\"name\": \"b\", \"unit\": \"req/s\", \"instance_type\": \"t2\", "
                    "\"needs\": {\"cpu\": 0.01}, \"target_util\": 0.5, \"min_instances\": 1, "
                    "\"max_instances\": 100, \"latency\": {\"base_ms\": 20, \"u_max\": 0.99}, "
                    "\"slo\": {\"latency_ms\": 100, \"max_unserved_frac\": 0.01, "
                    "\"penalty_per_unit_hour\": 1}, "
                    "\"demand\": [{\"geo\": \"g\", \"trace\": \"tg\", \"scale\": 2}]}");
    tu_write(json, text);
    free(text);
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(json, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(w->n_steps, 36);
    cr_assert_eq(w->n_ar, 4); /* (a, r1) (a, r2) (b, r1) (b, r2) */
    for (int64_t k = 0; k < 36; k++) {
        double v = 5.0 * (double)k + 4.0;
        cr_expect_eq(w->load_ar[0][k], (float)v, "a r1 step %lld: %g", (long long)k,
                     w->load_ar[0][k]);
        cr_expect_eq(w->load_ar[1][k], (float)v, "a r2 step %lld", (long long)k);
        cr_expect_eq(w->load_ar[2][k], (float)(2 * v), "b r1 step %lld: %g", (long long)k,
                     w->load_ar[2][k]);
        cr_expect_eq(w->load_ar[3][k], 0.0f, "b r2 step %lld", (long long)k);
        /* 0.01 cpu per unit on a 2-vCPU type: v / 200 instance-equivalents */
        cr_expect(fabs(w->ieq_ar[2][k] - 2 * v / 200.0) < 1e-5, "b r1 ieq step %lld: %g",
                  (long long)k, w->ieq_ar[2][k]);
    }
    sc_world_free(w);
    sc_scenario_free(sc);
    remove(csv);
    remove(json);
    remove(dir);
}
