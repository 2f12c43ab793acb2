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
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gen.h"
#include "sim.h"

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define GEN_DEMO SC_SOURCE_DIR "/traces/specs/demo.json"

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    cr_assert(s);
    cr_assert_eq(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Replace the first occurrence of old by new in a malloc'd string. */
static char *subst(char *s, const char *old, const char *new)
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
    char *text = slurp(UNIT);
    text = subst(text, "\"duration\": \"2h\", \"step\": \"5m\"",
                 "\"duration\": \"36000d\", \"step\": \"1s\"");
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_parse(text, UNIT, &sc, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(sc_world_footprint(sc), 298598745600.0, "footprint %.0f",
                 sc_world_footprint(sc));
    sc_world *w = (sc_world *)1;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_ERR_INPUT);
    cr_expect_null(w);
    cr_expect(strstr(err.where, "unit.json") != NULL, "where: %s", err.where);
    cr_expect(strstr(err.msg, "$.duration: 3110403600 steps x 1 apps x 2 regions needs "
                              "about 278.1 GiB") != NULL,
              "msg: %s", err.msg);
    cr_expect(strstr(err.msg, "limit of 32 GiB") != NULL, "msg: %s", err.msg);
    sc_scenario_free(sc);
    free(text);
}

Test(world_footprint, generator_guard_states_the_figure)
{
    char *text = slurp(GEN_DEMO);
    text = subst(text, "\"duration\": \"21d\"", "\"duration\": \"100000000d\"");
    sc_error err;
    sc_gen_result *res = NULL;
    cr_assert_eq(sc_gen_run(text, GEN_DEMO, 1, NULL, &res, &err), SC_ERR_INPUT);
    cr_expect_null(res);
    cr_expect(strstr(err.msg, "28800000000 steps x 12 series exceeds the limit: about "
                              "2574.9 GiB") != NULL,
              "msg: %s", err.msg);
    free(text);
}
