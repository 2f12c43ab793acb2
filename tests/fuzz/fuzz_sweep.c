/*
 * fuzz_sweep.c - fuzz harness of the sweep file parser (sc_sweep_parse, sim/sweep.h) and
 * of the scenarios its settings make (sc_sweep_validate: each axis applied to the base
 * by JSON path, then the scenario parser and the policy registry).
 *
 * The input is the sweep JSON text, parsed as if it were
 * /nonexistent/sculpt-fuzz/sweep.json: a "base" naming a file resolves into a directory
 * that does not exist; an inline base object is used as is.  Inputs naming /dev, /proc
 * or /sys are skipped (reading /dev/zero is a property of the file, not the parser).
 * Validation runs only for at most 16 settings, so one input stays fast.
 *
 * Expected: SC_OK, or an error with err filled and *out NULL; never a crash or a leak.
 */
#include "fuzz.h"
#include "sculpt/sculpt.h"
#include "sweep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int inited;
    if (!inited) {
        sc_global_init(); /* the policy registry, for sc_sweep_validate */
        inited = 1;
    }
    if (size > SC_FUZZ_MAX_INPUT || sc_fuzz_contains(data, size, "/dev") ||
        sc_fuzz_contains(data, size, "/proc") || sc_fuzz_contains(data, size, "/sys"))
        return 0;
    char *text = sc_fuzz_strndup(data, size);
    if (!text)
        return 0;
    sc_sweep *sw = NULL;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_sweep_parse(text, "/nonexistent/sculpt-fuzz/sweep.json", &sw, &err);
    if (st == SC_OK) {
        if (!sw || sw->n_settings < 1 || sw->n_replicates < 1 ||
            sw->n_runs != sw->n_settings * sw->n_replicates)
            abort(); /* the shape sc_sweep_execute indexes by */
        if (sw->n_settings <= 16) {
            sc_error_clear(&err);
            if (sc_sweep_validate(sw, &err) != SC_OK && err.status == SC_OK)
                abort();
        }
    } else if (sw != NULL || err.status == SC_OK) {
        abort();
    }
    sc_sweep_free(sw);
    free(text);
    return 0;
}
