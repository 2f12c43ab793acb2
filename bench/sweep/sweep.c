/*
 * bench/sweep/sweep.c - throughput of the sweep runner (README.md beside this file).
 *
 *   bench_sweep [SWEEP.json] [REPEATS]
 *
 * For the sweep (default bench/sweep/bench-sweep.json, 64 runs) it measures, best of
 * REPEATS (default 3):
 *   alone   every run's scenario parsed from text, its world built and its policies
 *           run, one after the other, with no sweep machinery (what `sculpt run` does
 *           per scenario, minus output);
 *   -j 1    sc_sweep_execute with one thread (overrides applied with cJSON, parse,
 *           world, policies, per-run result slots, progress hook);
 *   -j 2    the same with two threads;
 *   write   sc_results_write_sweep of the -j 2 results (serial, after the runs).
 * and prints runs per second, the parallel efficiency T1 / (2 T2) and the per-run
 * overhead (T1 - T_alone) / runs.  Wall-clock times (omp_get_wtime): this is a
 * benchmark, not a simulation.
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <cjson/cJSON.h>

#include "results.h"
#include "sweep.h"

static void free_outs(sc_sweep_run_out *o, size_t n)
{
    for (size_t i = 0; i < n; i++)
        sc_sweep_run_out_cleanup(&o[i]);
}

static void die(const sc_error *err)
{
    fprintf(stderr, "%s: %s\n", err->where, err->msg);
    exit(1);
}

/* Every run's scenario text, made up front (not timed). */
static char **run_texts(const sc_sweep *sw)
{
    char **t = calloc(sw->n_runs, sizeof *t);
    for (size_t i = 0; t && i < sw->n_runs; i++) {
        sc_error err;
        sc_scenario *sc = NULL;
        if (sc_sweep_run_scenario(sw, i, &sc, &err))
            die(&err);
        t[i] = sc->source_json;
        sc->source_json = NULL;
        sc_scenario_free(sc);
    }
    return t;
}

static double time_alone(const sc_sweep *sw, char **texts)
{
    double t0 = omp_get_wtime();
    for (size_t i = 0; i < sw->n_runs; i++) {
        sc_error err;
        sc_scenario *sc = NULL;
        if (sc_scenario_parse(texts[i], sw->base_path, &sc, &err))
            die(&err);
        sc_world *w = NULL;
        if (sc_world_build(sc, &w, &err))
            die(&err);
        for (size_t p = 0; p < sc->n_policies; p++) {
            sc_run *r = NULL;
            if (sc_run_policy(w, &sc->policies[p], 1, &r, &err))
                die(&err);
            sc_run_free(r);
        }
        sc_world_free(w);
        sc_scenario_free(sc);
    }
    return omp_get_wtime() - t0;
}

static double time_sweep(const sc_sweep *sw, int threads, sc_sweep_run_out *outs)
{
    sc_sweep_exec ex = {.threads = threads, .per_step = 1, .rank = 0, .n_ranks = 1};
    sc_error err;
    double t0 = omp_get_wtime();
    if (sc_sweep_execute(sw, &ex, outs, &err)) {
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
        exit(1);
    }
    return omp_get_wtime() - t0;
}

int main(int argc, char **argv)
{
    const char *path = argc > 1 && argv[1][0] ? argv[1] : SC_BENCH_SWEEP;
    int reps = argc > 2 ? atoi(argv[2]) : 3;
    if (reps < 1)
        reps = 1;
    sc_sim_register();
    sc_sweep *sw = NULL;
    sc_error err;
    if (sc_sweep_load(path, &sw, &err) || sc_sweep_validate(sw, &err)) {
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
        return 1;
    }
    sc_sweep_run_out *outs = calloc(sw->n_runs, sizeof *outs);
    char **texts = run_texts(sw);
    double best_alone = 1e300, best1 = 1e300, best2 = 1e300, best_w = 1e300;
    for (int r = 0; r < reps; r++) {
        double a = time_alone(sw, texts);
        if (a < best_alone)
            best_alone = a;
        double t1 = time_sweep(sw, 1, outs);
        free_outs(outs, sw->n_runs);
        if (t1 < best1)
            best1 = t1;
        double t2 = time_sweep(sw, 2, outs);
        if (t2 < best2)
            best2 = t2;
        /* write the -j 2 results */
        sc_results_set *sets = calloc(sw->n_runs, sizeof *sets);
        for (size_t i = 0; i < sw->n_runs; i++)
            sets[i] = (sc_results_set){.sc = outs[i].sc, .n_steps = outs[i].n_steps,
                                       .warmup_steps = outs[i].warmup_steps,
                                       .runs = outs[i].runs, .n_runs = outs[i].n_runs};
        const char *axes[16];
        for (size_t k = 0; k < sw->n_axes && k < 16; k++)
            axes[k] = sw->axes[k].path;
        sc_sweep_output so = {.name = sw->name, .source_text = sw->source_text, .hash = sw->hash,
                              .base_seed = sw->base_seed, .axes = axes, .n_axes = sw->n_axes,
                              .settings = (const char *const *)sw->settings,
                              .n_settings = sw->n_settings, .n_replicates = sw->n_replicates,
                              .runs = sets, .seeds = sw->seeds};
        double tw0 = omp_get_wtime();
        if (sc_results_write_sweep("bench_sweep.h5", &so, &err)) {
            fprintf(stderr, "%s: %s\n", err.where, err.msg);
            return 1;
        }
        double tw = omp_get_wtime() - tw0;
        if (tw < best_w)
            best_w = tw;
        remove("bench_sweep.h5");
        free(sets);
        free_outs(outs, sw->n_runs);
    }
    double n = (double)sw->n_runs;
    printf("sweep %s: %zu runs (%zu settings x %zu replicates), best of %d\n", sw->name,
           sw->n_runs, sw->n_settings, sw->n_replicates, reps);
    printf("alone (parse + world + policies, no sweep machinery): %8.3f s  %7.2f runs/s\n",
           best_alone, n / best_alone);
    printf("sweep -j 1:                                           %8.3f s  %7.2f runs/s\n",
           best1, n / best1);
    printf("sweep -j 2:                                           %8.3f s  %7.2f runs/s\n",
           best2, n / best2);
    printf("parallel efficiency on 2 threads T1 / (2 T2):         %8.1f %%\n",
           100.0 * best1 / (2.0 * best2));
    printf("per-run overhead of the sweep machinery (T1 - alone) / runs: %.2f ms (%.1f %% of a run)\n",
           1e3 * (best1 - best_alone) / n, 100.0 * (best1 - best_alone) / best_alone);
    printf("writing the sweep file (per-step series, serial):     %8.3f s\n", best_w);
    for (size_t i = 0; i < sw->n_runs; i++)
        free(texts[i]);
    free(texts);
    free(outs);
    sc_sweep_free(sw);
    return 0;
}
