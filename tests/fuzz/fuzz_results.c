/*
 * fuzz_results.c - fuzz harness of the results reader (sc_results_open with every part:
 * run summaries, provenance, names, series masks, a sweep's summary table; then one
 * per-step series per run; sim/results.h) and of the report's view built on it
 * (sc_report_results_open, reports/src/report_data.h) on arbitrary bytes.
 *
 * The input is written to a file in the harness's private temp directory and opened.  A
 * read that fails must fail with a status and err filled, never a crash; every stored
 * length is bounded by the file size (core/base/h5util.h), so a corrupt length cannot
 * make the reader allocate more than the file could hold.  As for the store harness, a
 * crash inside libhdf5 itself on a corrupt structure is a finding against the installed
 * HDF5 (1.10 serial).
 *
 * Seeds (tests/fuzz/corpus/results/): a `sculpt run --no-per-step` file of
 * tests/fixtures/sim/unit.json, a two-setting sweep file of it with 30-minute runs, and
 * a series store (valid HDF5 of another schema).
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#define SC_FUZZ_NEEDS_TMPDIR
#include <stdio.h>

#include "fuzz.h"
#include "report_data.h"
#include "results.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char path[256];
    if (sc_fuzz_write_file("results.h5", data, size, path, sizeof path) != 0)
        return 0;
    sc_error err;
    sc_error_clear(&err);
    sc_results_file *f = NULL;
    sc_status st = sc_results_open(path, SC_RESULTS_READ_RUNS | SC_RESULTS_READ_META |
                                             SC_RESULTS_READ_SWEEP,
                                   &f, &err);
    if (st != SC_OK) {
        if (f || err.status == SC_OK)
            abort();
    } else {
        for (size_t i = 0; i < f->n_entries && f->meta.n_apps && f->meta.n_regions; i++) {
            double *v = NULL;
            size_t n = 0;
            sc_error e2;
            sc_error_clear(&e2);
            if (sc_results_read_series(path, f->entries[i].group, f->entries[i].sum.label,
                                       f->meta.apps[0], f->meta.regions[0], "demand", &v, &n,
                                       &e2) == SC_OK)
                free(v);
            else if (e2.status == SC_OK)
                abort();
        }
        sc_results_file_free(f);
    }
    sc_report_results *r = NULL;
    sc_error_clear(&err);
    st = sc_report_results_open(path, &r, &err);
    if (st != SC_OK && (r || err.status == SC_OK))
        abort();
    sc_report_results_free(r);
    remove(path);
    return 0;
}
