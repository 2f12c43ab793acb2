/*
 * report_data.h - the report's view of a results file (sim/results.h), read through the
 * results reader (sc_results_open in sim/results.c): the report has no HDF5 code of its
 * own.
 *
 * sc_report_results_open() asks the reader for everything small (provenance, the time
 * axis, the name lists, every run's summary figures and which per-step series each run
 * holds; for a sweep file its axes, settings and summary table) and checks what the
 * report needs on top of that (at least one run, complete demand series).  The per-step
 * series, which can be large, are read one at a time with sc_report_series_read() while
 * a plot's data file is written.
 *
 * Runs are listed in the order of the scenario's policy list (as `sculpt run` prints
 * them), then the others in the reader's order (group names: a stable key), so the
 * report's bytes do not depend on how the file was written.
 */
#ifndef SCULPT_REPORT_DATA_H
#define SCULPT_REPORT_DATA_H

#include <stddef.h>
#include <stdint.h>

#include "results.h"
#include "sculpt/status.h"

#define SC_REPORT_NAME_MAX 128

/* One policy run of a run file. */
typedef struct sc_report_run {
    char label[SC_REPORT_NAME_MAX];   /* policy label (= run group name) */
    char policy[SC_REPORT_NAME_MAX];  /* policy type ("static", ...) */
    char group[512];                  /* HDF5 path of the run group, for messages */
    sc_run_summary sum;               /* the summary figures (results_schema.h) */
    int has_series;                   /* 1 if series/<app>/<region>/demand exist for all */
    int has_forecast;                 /* 1 if any forecast_mean dataset exists */
    int has_option_cost;              /* 1 if any cost_on_demand dataset exists */
} sc_report_run;

typedef struct sc_report_results {
    sc_results_file *results;              /* owned: what the results reader read */
    char path[4096];
    char schema[64];                       /* "sculpt-results" or "sculpt-sweep" */
    int64_t schema_version;
    char sculpt_version[64];
    char git_commit[64];
    char scenario_name[SC_REPORT_NAME_MAX];
    char scenario_hash[64];
    uint64_t seed;
    int64_t step_ms, warmup_steps, n_steps;
    const int64_t *time_ms;                /* borrowed from results: [n_steps] */
    char *const *apps;                     /* borrowed from results: [n_apps] */
    char *const *regions;                  /* borrowed from results: [n_regions] */
    size_t n_apps, n_regions;
    sc_report_run *runs;                   /* [n_runs], scenario order */
    size_t n_runs;
    struct sc_report_sweep *sweep;         /* sweep files only (report_sweep.h), else NULL */
} sc_report_results;

/* Open and validate a results file.  Errors (exit 2): missing file, not HDF5, wrong
 * schema, malformed layout; each names the file and the object.  *out is freed with
 * sc_report_results_free (NULL on failure). */
sc_status sc_report_results_open(const char *path, sc_report_results **out, sc_error *err);
void sc_report_results_free(sc_report_results *r);

/* Read series/<app>/<region>/<name> of run into buf[n_steps] (caller-owned).
 * Returns SC_ERR_NOTFOUND (without touching err) when the dataset does not exist, and
 * SC_ERR_INPUT when it exists with the wrong shape or type. */
sc_status sc_report_series_read(const sc_report_results *r, const sc_report_run *run,
                                size_t app, size_t region, const char *name, double *buf,
                                sc_error *err);

/* Free n malloc'd strings and the array. */
void sc_report_strings_free(char **v, size_t n);

#endif
