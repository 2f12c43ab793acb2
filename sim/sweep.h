/*
 * sweep.h - scenario sweeps: a base scenario, axes that override any scenario field by
 * JSON path, and replicate seeds; the runs are the cartesian product (file format in
 * scenarios/SWEEPS.md, results layout in results.h).
 *
 * Run order (fixed, documented): run index i = setting * n_replicates + replicate;
 * settings enumerate the axes' values with the LAST axis varying fastest (like nested
 * loops written in file order).  Replicate r runs with seed
 * sc_rng_key(base_seed, SC_RNG_SWEEP, r, 0, 0), the same for every setting (common
 * random numbers across settings, so settings compare on the same noise).
 *
 * A run: the base scenario's JSON with the setting's overrides and the replicate's
 * seed applied (cJSON), parsed by sc_scenario_parse with the base file's path (so
 * relative paths resolve as for the base), its world built, and every policy run in
 * scenario order, sequentially.  Parallelism is across runs (OpenMP, dynamic schedule;
 * with MPI, run i belongs to rank i % n_ranks); results are kept per run index and
 * written afterwards in order, so the output bytes do not depend on -j or ranks.
 */
#ifndef SCULPT_SWEEP_H
#define SCULPT_SWEEP_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "results.h"
#include "sculpt/json.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"
#include "sim.h"

#define SC_SWEEP_MAX_RUNS 1000000 /* more runs than this is surely a mistake */
#define SC_SWEEP_MAX_AXES 64

typedef struct sc_sweep_axis {
    char path[SC_JSON_PATH_MAX];   /* "$.apps[0].target_util" */
    cJSON *values;                 /* owned: a non-empty JSON array */
    size_t n_values;
} sc_sweep_axis;

typedef struct sc_sweep {
    char path[1024];               /* the sweep file (messages) */
    char name[SC_NAME_MAX];
    char *source_text;             /* owned: the sweep file text */
    uint64_t hash;                 /* of the sweep text and the base scenario text */
    cJSON *base;                   /* owned: the base scenario JSON */
    char base_path[1024];          /* path given to sc_scenario_parse */
    uint64_t base_seed;
    sc_sweep_axis *axes;           /* owned, [n_axes] */
    size_t n_axes;
    size_t n_settings, n_replicates, n_runs;
    char **settings;               /* owned, [n_settings]: parameters JSON per setting */
    uint64_t *seeds;               /* owned, [n_replicates] */
} sc_sweep;

/* Load / parse a sweep file.  Checks its shape, the axis path syntax and the values;
 * does not yet apply the axes (sc_sweep_validate does).  Errors name the sweep file
 * and JSON path.  Free with sc_sweep_free. */
sc_status sc_sweep_load(const char *path, sc_sweep **out, sc_error *err);
sc_status sc_sweep_parse(const char *text, const char *path, sc_sweep **out, sc_error *err);
void sc_sweep_free(sc_sweep *sw);

/* Apply `value` at JSON path `path` of root (a copy is stored).  A missing object key
 * is created (with intermediate objects when the path continues with a key); a
 * missing array element or a step through a non-container is an error, described in
 * msg[len]. */
sc_status sc_sweep_json_set(cJSON *root, const char *path, const cJSON *value, char *msg,
                            size_t len);

/* The scenario of run i (overrides and seed applied), parsed.  Errors are prefixed
 * with the run's parameters.  Free with sc_scenario_free. */
sc_status sc_sweep_run_scenario(const sc_sweep *sw, size_t i, sc_scenario **out,
                                sc_error *err);

/* Check every setting: its scenario parses and its policies exist.  Cheap (no worlds
 * are built); call before running anything. */
sc_status sc_sweep_validate(const sc_sweep *sw, sc_error *err);

/* What one run produced. */
typedef struct sc_sweep_run_out {
    sc_status status;              /* SC_OK when the run succeeded */
    sc_error err;
    sc_scenario *sc;               /* owned: the run's scenario */
    int64_t n_steps, warmup_steps;
    sc_run **runs;                 /* owned, [n_runs]: one per policy, scenario order */
    size_t n_runs;
    sc_log_spool **logs;           /* owned, [n_runs] when the logs were spooled
                                      (sc_sweep_exec.log_spool_beside): runs[p]'s log is
                                      a segment of its thread's file; else NULL */
} sc_sweep_run_out;

void sc_sweep_run_out_cleanup(sc_sweep_run_out *o);

/* Run i of the sweep into *o (zeroed by the caller).  Returns o->status. */
sc_status sc_sweep_run_one(const sc_sweep *sw, size_t i, int per_step, sc_sweep_run_out *o);

typedef void (*sc_sweep_progress_fn)(void *ctx, size_t done, size_t total);

typedef struct sc_sweep_exec {
    int threads;                   /* OpenMP threads; 0 = OpenMP's default */
    int per_step;                  /* keep per-step series */
    int rank, n_ranks;             /* this process runs i with i % n_ranks == rank */
    sc_sweep_progress_fn progress; /* called (serialised) after each run; may be NULL */
    void *progress_ctx;
    /* Issue 13: the decision logs spooled beside this output (the results file's final
     * name) instead of held in memory: one temporary file per thread, each run's logs a
     * segment of it (sc_log_spool_segment).  NULL: in memory (needed for MPI gathers). */
    const char *log_spool_beside;
    sc_log_spool **log_files;      /* out: [n_log_files] the thread files, freed by
                                      sc_sweep_exec_cleanup after the results are written */
    int n_log_files;
} sc_sweep_exec;

/* Close (so remove) the spool files of an execute; the runs' segments must not be
 * written after it. */
void sc_sweep_exec_cleanup(sc_sweep_exec *ex);
/* Close the spool files of an execute, checked (sc_log_spool_close), once the results
 * are written and before they are committed: a failed close fails the command. */
sc_status sc_sweep_exec_close_logs(sc_sweep_exec *ex, sc_error *err);

/* Run this process's share of the runs in parallel into outs[n_runs] (zeroed by the
 * caller; other ranks' slots stay empty).  Returns the first failure in run order
 * (err says which run) or SC_OK. */
sc_status sc_sweep_execute(const sc_sweep *sw, sc_sweep_exec *ex, sc_sweep_run_out *outs,
                           sc_error *err);

/* ---- MPI (built with -DSCULPT_MPI=ON; otherwise a single process) ----------------- */

/* Initialise MPI when the process was started by mpirun (and MPI is built in); else
 * *rank = 0, *n_ranks = 1. */
void sc_sweep_mpi_init(int *argc, char ***argv, int *rank, int *n_ranks);
/* Finalise MPI if sc_sweep_mpi_init started it. */
void sc_sweep_mpi_finalize(void);
/* Rank 0 gathers the other ranks' runs into outs (they send their packed run results;
 * rank 0 re-derives each run's scenario itself).  On other ranks the runs are sent and
 * released.  No-op with one rank. */
sc_status sc_sweep_gather(const sc_sweep *sw, sc_sweep_run_out *outs, int rank, int n_ranks,
                          sc_error *err);
/* Broadcast rank 0's exit code to every rank (returns it). */
int sc_sweep_mpi_agree(int code);

/* ---- statistics and the summary table ---------------------------------------------- */

/* Mean of x[n] and the half-width of its 95 % confidence interval under a Student t
 * distribution with n - 1 degrees of freedom: t(0.975, n-1) * sd / sqrt(n), sd with
 * the n - 1 denominator.  n == 1: half = NaN; n == 0: both NaN. */
void sc_stats_mean_ci95(const double *x, size_t n, double *mean, double *half);

/* Summary rows of entries (any order of settings): one row per (setting, label), by
 * setting, then labels in order of first appearance.  rows[i].params borrows from the
 * entries.  Caller frees *rows with free(). */
sc_status sc_sweep_summarise(const sc_results_entry *e, size_t n, sc_summary_row **rows,
                             size_t *n_rows, sc_error *err);

#endif
