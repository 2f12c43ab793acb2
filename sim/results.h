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
 *   runs/<label>/         attrs: every SC_RF_ATTR row of the schema table
 *                         (results_schema.h), in table order: policy, label (strings);
 *                         cost_usd, cost_on_demand_usd, cost_reserved_usd, cost_spot_usd,
 *                         egress_usd, penalty_usd, penalised_cost_usd, lower_bound_usd
 *                         (NaN when the policy has none; optional on read),
 *                         slo_attainment, violation_minutes, unserved_fraction,
 *                         idle_capacity_hours, demand_unit_hours, instance_hours
 *                         (float64); actions, launches, refused, throttled,
 *                         interruptions, decisions (int64); slo_objective (float64,
 *                         apps[].slo.attainment's mean; optional on read: NaN in
 *                         files written before it); outage_violation_minutes
 *                         (float64, NaN without outage windows; optional on read)
 *     actions             int64 [n, 8]: t, app, region, type, kind, option, count,
 *                         accepted (attr "columns" names them); chunks of 1,024 rows,
 *                         deflate 4; `sculpt run` streams it through a spool
 *                         (sc_log_spool below), sweeps write it from memory
 *     series/<app>/<region>/{demand, capacity, served, cost, instances}
 *                         float64 [n_steps] (only with per-step output)
 *     series/<app>/<region>/share.<geo>
 *                         float64 [n_steps]: mean share of the geography's load routed
 *                         to the region in the step, 0..1 (per-step output of routed
 *                         scenarios only; optional on read, issue 11)
 *     series/<app>/<home region>/route_latency.<geo>
 *                         float64 [n_steps]: the geography's worst route latency in the
 *                         step (curve + network), ms; NaN in steps without load (same)
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
 *                         violation_minutes, unserved_fraction (SC_SUMMARY_METRICS: the
 *                         SC_RF_SWEEP rows of results_schema.h)
 *
 * No wall-clock time is stored anywhere and object time tracking is off, so the same
 * input and seed give the same bytes.  Files are written to a temporary name and renamed.
 * All HDF5 calls go through core/base/h5util.h (HDF5's default library-version range,
 * string attributes of strlen bytes: the bytes of files written before it).  The
 * reader (sc_results_open) is the only one: `sculpt compare`, sweeps and the report
 * read through it.
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

/* The decision log of one run spooled to a temporary file (issue 13: the log is not
 * held whole in memory).  The file is made beside the output (O_TMPFILE, or an
 * exclusive "<output>.tmp.<16 hex>" never following links and unlinked at once), so it
 * has no name while it is written: no exit path, SIGINT, SIGTERM or kill -9 included,
 * can leave it behind.  Rows are written as the run hands them over
 * (sc_log_spool_sink, a sc_run_opts.log_sink: plain stdio, no HDF5, safe in an OpenMP
 * thread with one spool per run) and copied into the run's actions dataset by
 * sc_results_write_spooled in blocks of 16 chunks (16,384 rows), giving the bytes the
 * in-memory log gives. */
typedef struct sc_log_spool sc_log_spool;

/* Create the spool beside output (the results file's final name).  An output directory
 * that cannot be written is SC_ERR_IO naming output (so a bad -o is refused before any
 * run). */
sc_status sc_log_spool_open(const char *output, sc_log_spool **out, sc_error *err);
/* Issue 13 (sweeps): a segment of the spool file `file`: the rows a sink writes through
 * it from now on (nothing else may write to file meanwhile), so one thread's runs share
 * one temporary file in turn instead of holding a file each.  Written by
 * sc_results_write_spooled / sc_results_write_sweep like a spool; file must outlive it.
 * Free with sc_log_spool_free (which leaves file open). */
sc_status sc_log_spool_segment(sc_log_spool *file, sc_log_spool **out, sc_error *err);
/* sc_run_opts.log_sink with ctx = the spool; -1 once a write has failed. */
int sc_log_spool_sink(void *ctx, const sc_action_log *entries, size_t n);
/* SC_OK, or the first write failure as SC_ERR_IO naming the output and the cause. */
sc_status sc_log_spool_check(const sc_log_spool *s, sc_error *err);
/* Close (and so remove) the spool; NULL is fine. */
void sc_log_spool_free(sc_log_spool *s);
/* Close a spool that owns its file (not a segment) once its rows are consumed, checked:
 * SC_ERR_IO naming the output when the close fails (the stream's last buffered write
 * fails there).  Afterwards sc_log_spool_free only frees.  NULL is fine. */
sc_status sc_log_spool_close(sc_log_spool *s, sc_error *err);

/* One scenario and its policy runs: what the RUN LAYOUT holds. */
typedef struct sc_results_set {
    const sc_scenario *sc;       /* borrowed: names, step, start, seed, source text */
    int64_t n_steps, warmup_steps;
    sc_run *const *runs;         /* borrowed, [n_runs], in the order to write */
    size_t n_runs;
    sc_log_spool *const *logs;   /* optional [n_runs]: runs[i]'s log is its n_log_streamed
                                    rows in logs[i] (NULL, or a NULL entry: run->log) */
} sc_results_set;

/* Write a `sculpt run` results file. */
sc_status sc_results_write(const char *path, const sc_world *w, sc_run *const *runs,
                           size_t n_runs, sc_error *err);
/* The same with the runs' decision logs in spools (logs NULL: sc_results_write).  Each
 * spool is consumed: closed (so removed) by the write, its close failing the write;
 * the caller still frees it. */
sc_status sc_results_write_spooled(const char *path, const sc_world *w, sc_run *const *runs,
                                   sc_log_spool *const *logs, size_t n_runs, sc_error *err);

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

/* Per-step series a run group may hold (series/<app>/<region>/<name>). */
#define SC_RESULTS_SERIES(X)                                                             \
    X(DEMAND, "demand") X(CAPACITY, "capacity") X(SERVED, "served") X(COST, "cost")      \
    X(INSTANCES, "instances") X(FORECAST_MEAN, "forecast_mean")                          \
    X(FORECAST_LO, "forecast_lo") X(FORECAST_HI, "forecast_hi")                          \
    X(COST_ON_DEMAND, "cost_on_demand") X(COST_RESERVED, "cost_reserved")                \
    X(COST_SPOT, "cost_spot")
typedef enum sc_results_series {
#define SC_SERIES_ENUM_(id, nm) SC_SERIES_##id,
    SC_RESULTS_SERIES(SC_SERIES_ENUM_)
#undef SC_SERIES_ENUM_
    SC_SERIES_COUNT
} sc_results_series;
const char *sc_results_series_name(sc_results_series s);

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
    unsigned series_all;      /* bit SC_SERIES_x: held for every app and region (META) */
    unsigned series_any;      /* bit SC_SERIES_x: held for at least one (META) */
} sc_results_entry;

/* Provenance and names (SC_RESULTS_READ_META).  Absent strings read "unknown". */
typedef struct sc_results_meta {
    char sculpt_version[64];
    char git_commit[64];
    char scenario_name[SC_NAME_MAX];  /* sweep: the first run group's */
    char scenario_hash[64];
    uint64_t seed;                    /* sweep: base_seed */
    int64_t step_ms;                  /* ms; sweep: the first run group's, 0 if absent */
    int64_t warmup_steps, n_steps;    /* run files */
    int64_t *time_ms;                 /* owned, [n_steps] ms since the epoch: run files */
    char **apps, **regions;           /* owned name lists: run files */
    size_t n_apps, n_regions;
    char *scenario;                   /* owned: the scenario JSON text, NULL if absent */
    char **geos;                      /* owned geography names (optional: NULL in files
                                         without them); series/<app>/<region>/share.<geo>
                                         and route_latency.<geo> of routed runs */
    size_t n_geos;
} sc_results_meta;

/* A sweep file's axes, settings and summary table (SC_RESULTS_READ_SWEEP). */
typedef struct sc_results_sweep {
    char name[SC_NAME_MAX];
    char hash[64];
    uint64_t base_seed;
    int64_t n_settings, n_replicates, n_runs;
    char **axes;                      /* owned, [n_axes] JSON paths */
    size_t n_axes;
    char **settings;                  /* owned, [n_settings_listed] parameters JSON */
    size_t n_settings_listed;
    sc_summary_row *rows;             /* owned, [n_rows] file order; params borrowed from
                                         settings, policy "" (the file holds labels) */
    size_t n_rows;
} sc_results_sweep;

typedef struct sc_results_file {
    char path[1024];
    char schema[32];          /* SC_RESULTS_SCHEMA or SC_SWEEP_SCHEMA */
    int64_t schema_version;
    int is_sweep;
    size_t n_settings, n_replicates;   /* 1 and 1 for a run file */
    sc_results_entry *entries;  /* owned; run group order, then policy label order */
    size_t n_entries;
    sc_results_meta meta;       /* filled with SC_RESULTS_READ_META */
    sc_results_sweep sweep;     /* filled with SC_RESULTS_READ_SWEEP (sweep files) */
} sc_results_file;

/* What sc_results_open reads besides the schema. */
enum {
    SC_RESULTS_READ_RUNS = 1u << 0,   /* every run's summary figures (entries) */
    SC_RESULTS_READ_META = 1u << 1,   /* provenance, time axis, names, series masks */
    SC_RESULTS_READ_SWEEP = 1u << 2   /* a sweep's axes, settings and summary table */
};

/* Read the schema and what `what` asks for.  A file that is not a results file of
 * either schema gives SC_ERR_INPUT naming what is missing; a file that cannot be opened
 * gives SC_ERR_IO; a sweep summary without rows SC_ERR_EMPTY.  Free with
 * sc_results_file_free. */
sc_status sc_results_open(const char *path, unsigned what, sc_results_file **out,
                          sc_error *err);

/* sc_results_open(path, SC_RESULTS_READ_RUNS, ...): the schema and every run's summary
 * figures (not the per-step series). */
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
