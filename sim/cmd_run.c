/*
 * cmd_run.c - `sculpt run SCENARIO.json [-o RESULTS.h5] [--json]`: run every policy
 * the scenario lists on the same demand and seed, print a comparison table (or JSON),
 * and write the results file.
 *
 * With --report DIR it also writes the report of the results (reports/src/report.h); the
 * destination and gnuplot are checked before the runs start, and without -o the results
 * go to a temporary file next to DIR that is removed afterwards.
 *
 * Each run hands its decision log over step by step: to a spool beside the results file
 * (sim/results.h, sc_log_spool; made before the world is built, so an unwritable output
 * is refused before any run), copied into the file at the end; without a results file it
 * is dropped.  The log is never held whole in memory.
 *
 * Policies run in parallel with OpenMP; each run is independent and deterministic, and
 * the output is assembled in the scenario's order, so the bytes do not depend on the
 * thread count.
 */
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>


#include "cli.h"
#include "report.h"
#include "results.h"
#include "sculpt/fsutil.h"
#include "sculpt/policy.h"
#include "sculpt/scenario.h"
#include "sim.h"

static void run_usage(FILE *fp)
{
    char names[512];
    sc_policy_names(names, sizeof names);
    fprintf(fp,
            "usage: sculpt run SCENARIO.json [-o RESULTS.h5] [--json] [--policy LABEL]...\n"
            "                  [-j THREADS] [--no-per-step] [--report DIR]\n"
            "\n"
            "Run the scenario's policies on the same demand and seed and compare them.\n"
            "\n"
            "  -o, --output FILE   write the results file (HDF5; see sim/results.h)\n"
            "      --json          print the comparison as a JSON array on stdout\n"
            "      --policy LABEL  run only this policy (repeatable)\n"
            "  -j, --threads N     policies run in parallel (default: OpenMP's default)\n"
            "      --no-per-step   do not store per-step series in the results\n"
            "      --report DIR    also write a report (HTML, plots, tables) into the new\n"
            "                      directory DIR, as `sculpt report` does\n"
            "      --help-policy [NAME]\n"
            "                      a policy's parameters (kind, default, range, help),\n"
            "                      or every policy with one line each\n"
            "  -h, --help          this help\n"
            "\n"
            "Policies: %s\n"
            "Exit status: 0 ok, 1 runtime failure, 2 bad scenario or usage, 3 I/O error.\n",
            names);
}

/* The console table: columns are schema-table rows (results_schema.h) with a heading,
 * a width and how the value is shown. */
static const struct {
    const char *head;
    int width, decimals;
    double scale;
    int field;   /* SC_RFI_* */
} run_cols[] = {
    {"cost_usd", 12, 2, 1, SC_RFI_cost_usd},
    {"penalised_usd", 14, 2, 1, SC_RFI_penalised_cost_usd},
    {"slo_%", 9, 3, 100, SC_RFI_slo_attainment},
    {"viol_min", 10, 1, 1, SC_RFI_violation_minutes},
    {"unserved_%", 10, 4, 100, SC_RFI_unserved_fraction},
    {"idle_h", 10, 1, 1, SC_RFI_idle_capacity_hours},
    {"actions", 8, 0, 1, SC_RFI_actions},
};

/* The decision log of a run whose results are not written: dropped as it comes. */
static int drop_log(void *ctx, const sc_action_log *entries, size_t n)
{
    (void)ctx;
    (void)entries;
    (void)n;
    return 0;
}

static void print_table(sc_run *const *runs, size_t n)
{
    const size_t nc = sizeof run_cols / sizeof run_cols[0];
    int w = 6;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(runs[i]->sum.label) > w)
            w = (int)strlen(runs[i]->sum.label);
    printf("%-*s", w, "policy");
    for (size_t c = 0; c < nc; c++)
        printf(" %*s", run_cols[c].width, run_cols[c].head);
    printf("\n");
    for (size_t i = 0; i < n; i++) {
        const sc_run_summary *s = &runs[i]->sum;
        printf("%-*s", w, s->label);
        for (size_t c = 0; c < nc; c++) {
            const sc_results_field *f = &sc_results_fields[run_cols[c].field];
            if (f->type == SC_RF_LONG)
                printf(" %*ld", run_cols[c].width, *(const long *)((const char *)s + f->offset));
            else
                printf(" %*.*f", run_cols[c].width, run_cols[c].decimals,
                       run_cols[c].scale * sc_results_field_number(s, f));
        }
        printf("\n");
    }
    /* a bound is no operating point: a line of its own under the table */
    for (size_t i = 0; i < n; i++)
        if (isfinite(runs[i]->sum.lower_bound_usd))
            printf("lower bound (%s, LP relaxation): %.2f USD penalised, for any on-demand "
                   "policy\n",
                   runs[i]->sum.label, runs[i]->sum.lower_bound_usd);
}

int sc_cmd_run(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, 'J'},
                                         {"policy", required_argument, NULL, 'p'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"no-per-step", no_argument, NULL, 'N'},
                                         {"report", required_argument, NULL, 'R'},
                                         {"help", no_argument, NULL, 'h'},
                                         {"help-policy", optional_argument, NULL, 'P'},
                                         {NULL, 0, NULL, 0}};
    const char *output = NULL, *report_dir = NULL;
    sc_report_opts ropts;
    sc_report_opts_init(&ropts);
    int json = 0, threads = 0, no_per_step = 0;
    const char *only[64];
    size_t n_only = 0;
    sc_error err;
    sc_error_clear(&err);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': output = optarg; break;
        case 'J': json = 1; break;
        case 'N': no_per_step = 1; break;
        case 'R': report_dir = optarg; break;
        case 'j': {
            /* as `sweep -j`: a count >= 1; 0, negatives and words are refused */
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 4096) {
                sc_error_set(&err, SC_ERR_USAGE, NULL,
                             "-j %s: expected a thread count between 1 and 4096", optarg);
                return sc_cli_fail(&err);
            }
            threads = (int)v;
            break;
        }
        case 'p':
            if (n_only < sizeof only / sizeof only[0])
                only[n_only++] = optarg;
            break;
        case 'h': run_usage(stdout); return 0;
        case 'P': /* --help-policy[=NAME] or --help-policy NAME (sim/cmd_params.c) */
            return sc_cmd_help_policy(optarg ? optarg : optind < argc && argv[optind][0] != '-'
                                                            ? argv[optind] : NULL, stdout);
        default: run_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        sc_error_set(&err, SC_ERR_USAGE, NULL, "expected one scenario file (see --help)");
        return sc_cli_fail(&err);
    }
    if (report_dir && sc_report_check_output(report_dir, &ropts, &err))
        return sc_cli_fail(&err);
    sc_sim_register();
    sc_scenario *sc = NULL;
    if (sc_scenario_load(argv[optind], &sc, &err))
        return sc_cli_fail(&err);
    {
        /* no output may be an input (the scenario, its spec, its traces) */
        const char *ins[256];
        size_t n_in = sc_cli_scenario_inputs(sc, ins, sizeof ins / sizeof ins[0]);
        const char *outs[1] = {output};
        if (sc_cli_check_outputs(outs, 1, ins, n_in, &err)) {
            sc_scenario_free(sc);
            return sc_cli_fail(&err);
        }
    }
    /* select and validate policies before any heavy work */
    size_t n_sel = 0;
    sc_policy_spec **sel = calloc(sc->n_policies + 1, sizeof *sel);
    int rc = 0;
    if (!sel) {
        sc_scenario_free(sc);
        sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
        return sc_cli_fail(&err);
    }
    for (size_t i = 0; i < n_only; i++) {
        size_t j = 0;
        while (j < sc->n_policies && strcmp(sc->policies[j].label, only[i]) != 0)
            j++;
        if (j == sc->n_policies) {
            sc_error_set(&err, SC_ERR_NOTFOUND, sc->path,
                         "--policy %s: the scenario has no policy with that label", only[i]);
            rc = sc_cli_fail(&err);
            goto out;
        }
    }
    for (size_t i = 0; i < sc->n_policies; i++) {
        int want = n_only == 0;
        for (size_t j = 0; j < n_only; j++)
            want |= strcmp(sc->policies[i].label, only[j]) == 0;
        if (!want)
            continue;
        const sc_policy_type *pt;
        if (sc_policy_find(sc->policies[i].name, &pt, &err)) {
            snprintf(err.where, sizeof err.where, "%s: $.policies[%zu].name", sc->path, i);
            rc = sc_cli_fail(&err);
            goto out;
        }
        sel[n_sel++] = &sc->policies[i];
    }
    if (n_sel == 0) {
        sc_error_set(&err, SC_ERR_INPUT, sc->path, "$.policies: no policy to run");
        rc = sc_cli_fail(&err);
        goto out;
    }
    {
        /* Where the results go: -o, or without it and with --report a hidden name
         * beside DIR (never committed); neither: no results file. */
        char tmp_base[4200] = "";
        const char *res_final = output;
        if (!output && report_dir) {
            snprintf(tmp_base, sizeof tmp_base, "%s", report_dir);
            size_t l = strlen(tmp_base);
            while (l > 1 && tmp_base[l - 1] == '/')
                tmp_base[--l] = '\0';
            snprintf(tmp_base + l, sizeof tmp_base - l, ".results.h5");
            res_final = tmp_base;
        }
        /* Each run's decision log goes to a spool beside the results (created now, so
         * an output directory that cannot be written is refused before any run), and
         * is dropped when no results file is written. */
        sc_log_spool **spools = calloc(n_sel, sizeof *spools);
        if (!spools) {
            sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
            rc = sc_cli_fail(&err);
            goto out;
        }
        for (size_t i = 0; res_final && i < n_sel; i++)
            if (sc_log_spool_open(res_final, &spools[i], &err)) {
                for (size_t j = 0; j < i; j++)
                    sc_log_spool_free(spools[j]);
                free(spools);
                rc = sc_cli_fail(&err);
                goto out;
            }
        sc_world *w = NULL;
        sc_run **runs = NULL;
        sc_error *errs = NULL;
        sc_status *sts = NULL;
        if (sc_world_build(sc, &w, &err)) {
            rc = sc_cli_fail(&err);
            goto free_spools;
        }
        runs = calloc(n_sel, sizeof *runs);
        errs = calloc(n_sel, sizeof *errs);
        sts = calloc(n_sel, sizeof *sts);
        if (!runs || !errs || !sts) {
            sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
            rc = sc_cli_fail(&err);
            goto free_runs;
        }
        int per_step = sc->per_step_output && !no_per_step;
        if (threads > 0)
            omp_set_num_threads(threads);
#pragma omp parallel for schedule(dynamic, 1)
        for (size_t i = 0; i < n_sel; i++) {
            sc_error_clear(&errs[i]);
            sc_run_opts ro = {.per_step = per_step,
                              .log_sink = spools[i] ? sc_log_spool_sink : drop_log,
                              .log_ctx = spools[i]};
            sts[i] = sc_run_policy_opts(w, sel[i], &ro, &runs[i], &errs[i]);
            if (sts[i] != SC_OK && spools[i])   /* a spool write failure: say why */
                sc_log_spool_check(spools[i], &errs[i]);
        }
        size_t bad = n_sel;
        for (size_t i = 0; i < n_sel && bad == n_sel; i++)
            if (sts[i] != SC_OK)
                bad = i;
        if (bad < n_sel) {
            rc = sc_cli_fail(&errs[bad]);
        } else {
            if (json) {
                char *txt = sc_runs_json(runs, n_sel);
                if (txt) {
                    printf("%s\n", txt);
                    free(txt);
                }
            } else {
                printf("scenario %s: %zu apps, %zu regions, %zu geographies, %lld steps of "
                       "%lld s (%lld warm-up), seed %llu\n",
                       sc->name, sc->n_apps, sc->n_regions, sc->n_geos, (long long)w->n_steps,
                       (long long)(sc->step_ms / 1000), (long long)w->warmup_steps,
                       (unsigned long long)sc->seed);
                print_table(runs, n_sel);
            }
            /* The results go to a temporary file first; with --report the report is
             * written from it, and only then is the results file renamed into place,
             * so a failing report leaves an existing results file untouched.  Without
             * -o the temporary file is never committed (a hidden name beside DIR). */
            sc_atomic_file af;
            if (res_final) {
                sc_status st = sc_atomic_begin(&af, res_final, &err);
                if (!st)
                    st = sc_results_write_spooled(af.tmp, w, runs, spools, n_sel, &err);
                for (size_t i = 0; st && i < n_sel; i++)   /* a spool's failure: say why */
                    if (sc_log_spool_check(spools[i], &err))
                        break;
                if (!st && report_dir)
                    st = sc_report_write(af.tmp, report_dir, &ropts, &err);
                if (!st && output)
                    st = sc_atomic_commit(&af, &err);
                else
                    sc_atomic_abort(&af);
                if (st) {
                    sc_cli_error_final_name(&af, &err);
                    rc = sc_cli_fail(&err);
                } else if (!json) {
                    if (output)
                        printf("results written to %s\n", output);
                    if (report_dir)
                        printf("report written to %s/index.html\n", report_dir);
                }
            }
        }
    free_runs:
        for (size_t i = 0; runs && i < n_sel; i++)
            sc_run_free(runs[i]);
        free(runs);
        free(errs);
        free(sts);
        sc_world_free(w);
    free_spools:
        for (size_t i = 0; i < n_sel; i++)
            sc_log_spool_free(spools[i]);
        free(spools);
    }
out:
    free(sel);
    sc_scenario_free(sc);
    return rc;
}
