/*
 * report_data.h - the report's view of a results file (sim/results.h), read with the
 * HDF5 C API.
 *
 * sc_report_results_open() reads everything small (root attributes, /time, the name
 * lists, every run's summary attributes) into an sc_report_results and keeps the file
 * open; the per-step series, which can be large, are read one dataset at a time with
 * sc_report_series_read() while a plot's data file is written.
 *
 * Runs are listed in the order of their group names (HDF5's name index), which is a
 * stable key: the report's bytes do not depend on how the file was written.
 *
 * A sweep file (schema "sculpt-sweep") holds one such run layout per run group; the
 * report reads the same per-run summaries from it (see report_sweep.c) and groups them
 * by setting and policy.
 */
#ifndef SCULPT_REPORT_DATA_H
#define SCULPT_REPORT_DATA_H

#include <hdf5.h>
#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"

#define SC_REPORT_NAME_MAX 128

/* The summary figures of one policy run (attributes of /runs/<label>). */
typedef struct sc_report_run {
    char label[SC_REPORT_NAME_MAX];   /* group name = policy label */
    char policy[SC_REPORT_NAME_MAX];  /* policy type ("static", ...); "" if absent */
    char group[512];                  /* HDF5 path of the run group */
    double cost_usd;                  /* instances + egress, measured period */
    double cost_on_demand_usd;
    double cost_reserved_usd;
    double cost_spot_usd;
    double egress_usd;
    double penalty_usd;
    double penalised_cost_usd;
    double slo_attainment;            /* fraction 0..1 */
    double violation_minutes;
    double unserved_fraction;         /* fraction 0..1 */
    double idle_capacity_hours;
    double instance_hours;
    int64_t actions;                  /* accepted scaling actions */
    int has_series;                   /* 1 if series/<app>/<region>/ exist */
    int has_forecast;                 /* 1 if any forecast_mean dataset exists */
    int has_option_cost;              /* 1 if cost_on_demand etc. series exist */
} sc_report_run;

typedef struct sc_report_results {
    hid_t file;                            /* open, read-only */
    char path[4096];
    char schema[64];                       /* "sculpt-results" or "sculpt-sweep" */
    int64_t schema_version;
    char sculpt_version[64];
    char git_commit[64];
    char scenario_name[SC_REPORT_NAME_MAX];
    char scenario_hash[64];
    uint64_t seed;
    int64_t step_ms, warmup_steps, n_steps;
    int64_t *time_ms;                      /* [n_steps] start of each step */
    char (*apps)[SC_REPORT_NAME_MAX];      /* [n_apps] */
    char (*regions)[SC_REPORT_NAME_MAX];   /* [n_regions] */
    size_t n_apps, n_regions;
    sc_report_run *runs;                   /* [n_runs], by group name */
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

/* Scalar attribute helpers (strings fixed or variable length; numbers converted to
 * mem_type).  Return 0 ok, -1 absent, -2 present but not of that kind. */
int sc_report_attr_str(hid_t obj, const char *name, char *out, size_t cap);
int sc_report_attr_num(hid_t obj, const char *name, hid_t mem_type, void *out);

/* A 1-D string dataset as malloc'd strings: *out[n], each and the array freed with
 * free().  SC_ERR_INPUT naming the dataset when absent or not 1-D strings. */
sc_status sc_report_h5_strings(const sc_report_results *r, hid_t loc, const char *dname,
                               char ***out, size_t *n, sc_error *err);
void sc_report_strings_free(char **v, size_t n);

#endif
