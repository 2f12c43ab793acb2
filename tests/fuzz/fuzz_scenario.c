/*
 * fuzz_scenario.c - fuzz harness of the scenario parser (sc_scenario_parse, scenario.h).
 *
 * The input is the scenario JSON text.  It is parsed as if it were the file
 * /nonexistent/sculpt-fuzz/scenario.json, so relative paths inside it ("synthetic":
 * "spec.json", trace "csv" paths) resolve into a directory that does not exist and the
 * outcome does not depend on the files around the fuzzer.  Inputs naming /dev, /proc or
 * /sys are skipped: the parser rightly reads the generator spec file a scenario names,
 * and reading /dev/zero or /dev/stdin would block or never end - a property of the
 * file, not of the parser.  Input with an embedded NUL is cut at the NUL, as a C string.
 *
 * Expected: SC_OK and a scenario that sc_scenario_free releases, or an error status with
 * err filled; never a crash, a leak or a sanitizer report.
 */
#include <string.h>

#include "fuzz.h"
#include "sculpt/scenario.h"

/* The invariants scenario.c promises for a loaded scenario (the simulator indexes with
 * them without re-checking): a violation is a parser bug, so abort to report it. */
static void check_invariants(const sc_scenario *sc)
{
    if (sc->n_geos < 1 || sc->n_regions < 1 || sc->n_types < 1 || sc->n_apps < 1 ||
        sc->n_policies < 1 || sc->step_ms <= 0 || sc->duration_ms <= 0 ||
        sc->duration_ms % sc->step_ms != 0 || sc->warmup_ms % sc->step_ms != 0)
        abort();
    for (size_t g = 0; g < sc->n_geos; g++) {
        if (sc->geos[g].home_region < 0 || (size_t)sc->geos[g].home_region >= sc->n_regions)
            abort();
        for (size_t r = 0; r < sc->n_regions; r++) {
            double l = sc_scenario_latency(sc, (int)g, (int)r);
            if (!(l >= 0))
                abort();
        }
    }
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        if (app->instance_type < 0 || (size_t)app->instance_type >= sc->n_types ||
            app->n_demand < 1 || !(app->target_util > 0 && app->target_util <= 1) ||
            app->min_instances < 0 || app->min_instances > app->max_instances ||
            app->max_instances < 1)
            abort();
        for (size_t d = 0; d < app->n_demand; d++)
            if (app->demand[d].geo < 0 || (size_t)app->demand[d].geo >= sc->n_geos ||
                sc_scenario_trace_index(sc, app->demand[d].trace) < 0)
                abort();
        for (size_t i = 0; i < app->n_initial; i++)
            if (app->initial[i].region < 0 || (size_t)app->initial[i].region >= sc->n_regions ||
                app->initial[i].count < 0 || (int)app->initial[i].option < 0 ||
                app->initial[i].option >= SC_PURCHASE_COUNT)
                abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT || sc_fuzz_contains(data, size, "/dev") ||
        sc_fuzz_contains(data, size, "/proc") || sc_fuzz_contains(data, size, "/sys"))
        return 0;
    char *text = sc_fuzz_strndup(data, size);
    if (!text)
        return 0;
    sc_scenario *sc = NULL;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_scenario_parse(text, "/nonexistent/sculpt-fuzz/scenario.json", &sc, &err);
    if (st == SC_OK) {
        check_invariants(sc);
    } else if (sc != NULL || err.status == SC_OK) {
        /* contract: on failure *out stays NULL and err says why */
        abort();
    }
    sc_scenario_free(sc);
    free(text);
    return 0;
}
