/*
 * results.h - results files (HDF5): the file of `sculpt run` (schema "sculpt-results"),
 * the file of `sculpt sweep` (schema "sculpt-sweep"), and a reader for both (used by
 * `sculpt compare` and the reports).
 *
 * ---- `sculpt run`: schema "sculpt-results", schema_version 1 ----------------------------
 *
 *   /                     attrs: schema, schema_version, sculpt_version, git_commit,
 *                                + the RUN LAYOUT attrs below
 *   + the RUN LAYOUT datasets and groups below, at the root
 *
 * RUN LAYOUT (one scenario and its policy runs; at the root of a run file, and inside
 * every /runs/<NNNNNN> group of a sweep file):
 *
 *   attrs:  scenario_name, scenario_hash (16 hex digits), seed (uint64), step_ms,
 *           warmup_steps, n_steps
 *   scenario              string: the scenario's JSON text as it was run (for a sweep
 *                         run: the base scenario with the run's overrides and seed)
 *   time                  int64 [n_steps]: start of each step, ms since the epoch
 *   apps, regions, geos   string lists (one name per element, scenario order)
 *   runs/<label>/         attrs: policy, label and every summary figure (sc_run_summary:
 *                         cost_usd, cost_on_demand_usd, cost_reserved_usd, cost_spot_usd,
 *                         egress_usd, penalty_usd, penalised_cost_usd, slo_attainment,
 *                         violation_minutes, unserved_fraction, idle_capacity_hours,
 *                         demand_unit_hours, instance_hours (float64); actions,
 *                         launches, refused, throttled, interruptions, decisions (int64))
 *     actions             int64 [n, 8]: t, app, region, type, kind, option, count,
 *                         accepted (attr "columns" names them)
 *     series/<app>/<region>/{demand, capacity, served, cost, instances}
 *                         float64 [n_steps] (only with per-step output)
 *
 * ---- `sculpt sweep`: schema "sculpt-sweep", schema_version 1 ----------------------------
 *
 *   /                     attrs: schema ("sculpt-sweep"), schema_version (1),
 *                                sculpt_version, git_commit, sweep_name,
 *                                sweep_hash (16 hex digits: the sweep file text and the
 *                                base scenario text), base_seed (uint64), n_axes,
 *                                n_settings, n_replicates, n_runs
 *   sweep                 string: the sweep file's text
 *   axes                  string list [n_axes]: the axes' JSON paths, in file order
 *   settings              string list [n_settings]: each setting's parameters as a
 *                         compact JSON object {"<axis path>": value, ...} (axis order)
 *   runs/<NNNNNN>/        one group per run, NNNNNN = run index, 6 digits, zero-padded
 *                         (so name order is run order).  Run index
 *                         i = setting * n_replicates + replicate; settings enumerate the
 *                         cartesian product of the axes with the LAST axis varying
 *                         fastest (scenarios/SWEEPS.md).
 *                         attrs: run_index, setting, replicate (int64), parameters
 *                         (string, = settings[setting]) and the RUN LAYOUT attrs (its
 *                         seed is the replicate's seed)
 *                         + the RUN LAYOUT datasets and groups
 *   summary/              one row per (setting, policy label): settings in order, then
 *                         the policies in scenario order.  Datasets [n_rows]:
 *     setting             int64
 *     policy              string list: the policy label
 *     parameters          string list: = settings[setting]
 *     n                   int64: replicates in the row
 *     <metric>_mean       float64: mean over the replicates
 *     <metric>_ci95       float64: half-width of the 95 % confidence interval of the
 *                         mean (Student t, n - 1 degrees of freedom); NaN when n < 2
 *                         for <metric> in cost_usd, penalised_cost_usd, slo_attainment,
 *                         violation_minutes, unserved_fraction (SC_SUMMARY_METRICS)
 *
 * No wall-clock time is stored anywhere and object time tracking is off, so the same
 * input and seed give the same bytes.  Files are written to a temporary name and renamed.
 */
#ifndef SCULPT_RESULTS_H
#define SCULPT_RESULTS_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/scenario.h"
#include "results_schema.h"
#include "sim.h"

#define SC_RESULTS_SCHEMA "sculpt-results"
#define SC_SWEEP_SCHEMA "sculpt-sweep"
#define SC_SWEEP_SCHEMA_VERSION 1

/* ---- summary table metrics (sweeps, compare, reports) ------------------------------ */

/* The SC_RF_SWEEP rows of the schema table (results_schema.h), in table order; the
 * names below index them for the code that formats one metric in particular. */
typedef enum sc_summary_metric {
    SC_SM_COST = 0,       /* cost_usd */
    SC_SM_PENALISED = 1,  /* penalised_cost_usd */
    SC_SM_SLO = 2,        /* slo_attainment (fraction) */
    SC_SM_VIOLATION = 3,  /* violation_minutes */
    SC_SM_UNSERVED = 4,   /* unserved_fraction */
    SC_SUMMARY_METRICS = SC_RESULTS_N_SWEEP
} sc_summary_metric;
_Static_assert(SC_SM_UNSERVED + 1 == SC_SUMMARY_METRICS,
               "SC_SM_* must name every SC_RF_SWEEP row of results_schema.h");

/* "cost_usd", "penalised_cost_usd", ...: the names used in files and JSON (the
 * schema table's names). */
const char *sc_summary_metric_name(sc_summary_metric m);
/* The metric's value in a run summary. */
double sc_summary_metric_value(const sc_run_summary *s, sc_summary_metric m);

/* One row of a sweep's summary: a (setting, policy label) over its replicates. */
typedef struct sc_summary_row {
    int64_t setting;
    char label[SC_NAME_MAX];
    char policy[SC_NAME_MAX];             /* registry name of the policy */
    const char *params;                   /* borrowed: the setting's parameters JSON */
    long n;                               /* replicates */
    double mean[SC_SUMMARY_METRICS];
    double ci95[SC_SUMMARY_METRICS];      /* half-width; NaN when n < 2 */
} sc_summary_row;

/* ---- writing ----------------------------------------------------------------------- */

/* One scenario and its policy runs: what the RUN LAYOUT holds. */
typedef struct sc_results_set {
    const sc_scenario *sc;       /* borrowed: names, step, start, seed, source text */
    int64_t n_steps, warmup_steps;
    sc_run *const *runs;         /* borrowed, [n_runs], in the order to write */
    size_t n_runs;
} sc_results_set;

/* Write a `sculpt run` results file. */
sc_status sc_results_write(const char *path, const sc_world *w, sc_run *const *runs,
                           size_t n_runs, sc_error *err);

/* What a sweep file holds (all borrowed). */
typedef struct sc_sweep_output {
    const char *name;             /* sweep name */
    const char *source_text;      /* the sweep file's text */
    uint64_t hash;
    uint64_t base_seed;
    const char *const *axes;      /* [n_axes] JSON paths */
    size_t n_axes;
    const char *const *settings;  /* [n_settings] parameters JSON */
    size_t n_settings, n_replicates;
    const sc_results_set *runs;   /* [n_settings * n_replicates], run index order */
    const uint64_t *seeds;        /* [n_replicates] */
    const sc_summary_row *rows;   /* summary */
    size_t n_rows;
} sc_sweep_output;

/* Write a `sculpt sweep` results file. */
sc_status sc_results_write_sweep(const char *path, const sc_sweep_output *out, sc_error *err);

/* ---- reading ----------------------------------------------------------------------- */

/* One policy run found in a results file. */
typedef struct sc_results_entry {
    char group[32];           /* HDF5 path of its RUN LAYOUT group: "/" or "/runs/000017" */
    char *params;             /* owned: setting parameters JSON ("{}" in a run file) */
    int64_t run_index;        /* 0 in a run file */
    int64_t setting;          /* 0 in a run file */
    int64_t replicate;        /* 0 in a run file */
    uint64_t seed;
    int64_t n_steps, warmup_steps, step_ms;
    sc_run_summary sum;       /* policy, label and the summary figures */
} sc_results_entry;

typedef struct sc_results_file {
    char path[1024];
    char schema[32];          /* SC_RESULTS_SCHEMA or SC_SWEEP_SCHEMA */
    int64_t schema_version;
    int is_sweep;
    size_t n_settings, n_replicates;   /* 1 and 1 for a run file */
    sc_results_entry *entries;  /* owned; run group order, then policy label order */
    size_t n_entries;
} sc_results_file;

/* Read the schema and every run's summary figures (not the per-step series).  A file
 * that is not a results file of either schema gives SC_ERR_INPUT naming what is
 * missing; a file that cannot be opened gives SC_ERR_IO.  Free with
 * sc_results_file_free. */
sc_status sc_results_read(const char *path, sc_results_file **out, sc_error *err);
void sc_results_file_free(sc_results_file *f);

/* Read one per-step series of a policy run: `group` is an entry's group, `label` its
 * policy label, `name` one of demand, capacity, served, cost, instances.  *out gets
 * *n values (caller frees with free()).  A run written without per-step output gives
 * SC_ERR_NOTFOUND. */
sc_status sc_results_read_series(const char *path, const char *group, const char *label,
                                 const char *app, const char *region, const char *name,
                                 double **out, size_t *n, sc_error *err);

#endif
