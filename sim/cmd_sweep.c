/*
 * cmd_sweep.c - `sculpt sweep SWEEP.json -o SWEEP.h5 [-j N] [--json] [--csv FILE]
 * [--no-per-step]`: run a sweep (sweep.h), print the summary table (mean and 95 %
 * confidence interval over replicates per setting and policy), write the sweep results
 * file (results.h) and the summary CSV.
 *
 * Order of work: parse and validate every setting (bad input exits 2 before any run),
 * run this process's share in parallel, gather (MPI), then rank 0 alone prints and
 * writes.  The .h5 is written before the CSV; both via temp + rename.  The CSV goes
 * to --csv FILE, by default beside the .h5 as <output without .h5>.summary.csv.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "results.h"
#include "sculpt/fsutil.h"
#include "sweep.h"

static void sweep_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt sweep SWEEP.json -o SWEEP.h5 [-j THREADS] [--json] [--csv FILE]\n"
            "                    [--no-per-step]\n"
            "\n"
            "Run a scenario sweep (scenarios/SWEEPS.md): every setting of the axes times every\n"
            "replicate seed, in parallel; summarise each (setting, policy) by the mean and the\n"
            "95 %% confidence interval over the replicates.\n"
            "\n"
            "  -o, --output FILE   the sweep results file (HDF5; layout in sim/results.h)\n"
            "  -j, --threads N     runs in parallel (default: OpenMP's default)\n"
            "      --json          print the summary as JSON on stdout instead of a table\n"
            "      --csv FILE      the summary CSV (default: <output without .h5>.summary.csv)\n"
            "      --no-per-step   do not store per-step series (smaller file, less memory)\n"
            "  -h, --help          this help\n"
            "\n"
            "Under mpirun (binary built with -DSCULPT_MPI=ON) each rank runs the runs i with\n"
            "i %% ranks == rank and rank 0 writes the same file a single process would.\n"
            "Exit status: 0 ok, 1 runtime failure, 2 bad sweep/scenario or usage, 3 I/O error.\n");
}

/* Progress bar on stderr (only when it is a terminal). */
typedef struct progress {
    double t0;
} progress;

static void show_progress(void *ctx, size_t done, size_t total)
{
    progress *p = ctx;
    double el = omp_get_wtime() - p->t0;
    double eta = done ? el / (double)done * (double)(total - done) : 0.0;
    int width = 30, fill = total ? (int)((double)width * (double)done / (double)total) : width;
    char bar[64];
    for (int k = 0; k < width; k++)
        bar[k] = k < fill ? '#' : '.';
    bar[width] = '\0';
    fprintf(stderr, "\r[%s] %zu/%zu runs  elapsed %.0f s  ETA %.0f s   ", bar, done, total, el,
            eta);
    if (done == total)
        fputc('\n', stderr);
    fflush(stderr);
}

static void csv_field(FILE *f, const char *s)
{
    fputc('"', f);
    for (; *s; s++) {
        if (*s == '"')
            fputc('"', f);
        fputc(*s, f);
    }
    fputc('"', f);
}

static void csv_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, ",%.10g", v);
    else
        fputs(",", f);
}

static sc_status write_csv(const char *path, const sc_summary_row *rows, size_t n, sc_error *err)
{
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st)
        return st;
    FILE *f = fopen(af.tmp, "w");
    if (!f) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot create the summary CSV");
    }
    fputs("setting,parameters,policy,n", f);
    for (int m = 0; m < SC_SUMMARY_METRICS; m++)
        fprintf(f, ",%s_mean,%s_ci95", sc_summary_metric_name((sc_summary_metric)m),
                sc_summary_metric_name((sc_summary_metric)m));
    fputc('\n', f);
    for (size_t i = 0; i < n; i++) {
        fprintf(f, "%lld,", (long long)rows[i].setting);
        csv_field(f, rows[i].params ? rows[i].params : "{}");
        fputc(',', f);
        csv_field(f, rows[i].label);
        fprintf(f, ",%ld", rows[i].n);
        for (int m = 0; m < SC_SUMMARY_METRICS; m++) {
            csv_num(f, rows[i].mean[m]);
            csv_num(f, rows[i].ci95[m]);
        }
        fputc('\n', f);
    }
    if (ferror(f) | fclose(f)) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot write the summary CSV");
    }
    return sc_atomic_commit(&af, err);
}

/* The results a sweep keeps in memory until it writes them: per run and policy, five
 * per-step series of app-regions (sc_run: demand, capacity, served, cost, instances, 8
 * bytes each), estimated from setting 0's scenario before any run starts.  More than
 * half of the machine's physical memory is refused with the figure (issue 13: 10^5
 * replicates took 5.8 GB in a minute before failing). */
static sc_status check_footprint(const sc_sweep *sw, int per_step, sc_error *err)
{
    sc_scenario *sc = NULL;
    if (!per_step)
        return SC_OK; /* without per-step series a run keeps a summary only */
    /* setting 0 parsed in sc_sweep_validate: a failure now is out of memory, and must not
     * skip the check (issue 13, found by the fault sweep) */
    sc_status st = sc_sweep_run_scenario(sw, 0, &sc, err);
    if (st)
        return st;
    double steps = (double)(sc->warmup_ms + sc->duration_ms) / (double)sc->step_ms;
    double per_run = (double)sc->n_policies * 5.0 * 8.0 * (double)sc->n_apps *
                     (double)sc->n_regions * steps;
    double total = per_run * (double)sw->n_runs;
    sc_scenario_free(sc);
    long pages = sysconf(_SC_PHYS_PAGES), page = sysconf(_SC_PAGE_SIZE);
    double limit = pages > 0 && page > 0 ? 0.5 * (double)pages * (double)page : 8.0 * 1073741824.0;
    if (total <= limit)
        return SC_OK;
    return sc_error_set(err, SC_ERR_RANGE, sw->path,
                        "$.replicates: %zu runs would keep about %.1f GiB of per-step results "
                        "in memory (%.1f MiB a run), more than half of this machine's %.1f "
                        "GiB; use fewer replicates or settings, or --no-per-step",
                        sw->n_runs, total / 1073741824.0, per_run / 1048576.0,
                        2.0 * limit / 1073741824.0);
}

static void add_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void print_json(const sc_sweep *sw, const sc_summary_row *rows, size_t n)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "sweep", sw->name);
    cJSON_AddNumberToObject(root, "settings", (double)sw->n_settings);
    cJSON_AddNumberToObject(root, "replicates", (double)sw->n_replicates);
    cJSON_AddNumberToObject(root, "runs", (double)sw->n_runs);
    cJSON *arr = cJSON_AddArrayToObject(root, "summary");
    for (size_t i = 0; i < n; i++) {
        cJSON *o = cJSON_CreateObject();
        cJSON_AddNumberToObject(o, "setting", (double)rows[i].setting);
        cJSON *par = cJSON_Parse(rows[i].params ? rows[i].params : "{}");
        cJSON_AddItemToObject(o, "parameters", par ? par : cJSON_CreateObject());
        cJSON_AddStringToObject(o, "policy", rows[i].label);
        cJSON_AddStringToObject(o, "type", rows[i].policy);
        cJSON_AddNumberToObject(o, "n", (double)rows[i].n);
        for (int m = 0; m < SC_SUMMARY_METRICS; m++) {
            cJSON *mo = cJSON_AddObjectToObject(o, sc_summary_metric_name((sc_summary_metric)m));
            add_num(mo, "mean", rows[i].mean[m]);
            add_num(mo, "ci95", rows[i].ci95[m]);
        }
        cJSON_AddItemToArray(arr, o);
    }
    char *txt = cJSON_Print(root);
    if (txt)
        printf("%s\n", txt);
    free(txt);
    cJSON_Delete(root);
}

static void pm(char *buf, size_t len, double mean, double ci, double scale, int prec)
{
    char a[32], b[32];
    snprintf(a, sizeof a, "%.*f", prec, mean * scale);
    if (isfinite(ci))
        snprintf(b, sizeof b, "%.*f", prec, ci * scale);
    else
        snprintf(b, sizeof b, "-");
    snprintf(buf, len, "%s ± %s", a, b);
}

static void print_table(const sc_sweep *sw, const sc_summary_row *rows, size_t n)
{
    printf("sweep %s: %zu settings x %zu replicates = %zu runs (mean ± 95 %% CI half-width)\n",
           sw->name, sw->n_settings, sw->n_replicates, sw->n_runs);
    for (size_t s = 0; s < sw->n_settings; s++)
        printf("  setting %zu: %s\n", s, sw->settings[s]);
    printf("%-7s %-18s %3s %24s %24s %20s %18s %18s\n", "setting", "policy", "n", "cost_usd",
           "penalised_usd", "slo_%", "viol_min", "unserved_%");
    for (size_t i = 0; i < n; i++) {
        const sc_summary_row *r = &rows[i];
        char c[64], p[64], s[64], v[64], u[64];
        pm(c, sizeof c, r->mean[SC_SM_COST], r->ci95[SC_SM_COST], 1, 2);
        pm(p, sizeof p, r->mean[SC_SM_PENALISED], r->ci95[SC_SM_PENALISED], 1, 2);
        pm(s, sizeof s, r->mean[SC_SM_SLO], r->ci95[SC_SM_SLO], 100, 3);
        pm(v, sizeof v, r->mean[SC_SM_VIOLATION], r->ci95[SC_SM_VIOLATION], 1, 1);
        pm(u, sizeof u, r->mean[SC_SM_UNSERVED], r->ci95[SC_SM_UNSERVED], 100, 4);
        printf("%-7lld %-18s %3ld %25s %25s %21s %19s %19s\n", (long long)r->setting, r->label,
               r->n, c, p, s, v, u);
    }
}

int sc_cmd_sweep(int argc, char **argv)
{
    static const struct option opts[] = {{"output", required_argument, NULL, 'o'},
                                         {"json", no_argument, NULL, 'J'},
                                         {"csv", required_argument, NULL, 'C'},
                                         {"threads", required_argument, NULL, 'j'},
                                         {"no-per-step", no_argument, NULL, 'N'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    const char *output = NULL, *csv = NULL;
    int json = 0, threads = 0, no_per_step = 0;
    sc_error err;
    sc_error_clear(&err);
    progress pg = {0};
    sc_sweep_exec ex = {0}; /* at function scope: its log spools live until the write */
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "o:j:h", opts, NULL)) != -1) {
        switch (ch) {
        case 'o': output = optarg; break;
        case 'C': csv = optarg; break;
        case 'J': json = 1; break;
        case 'N': no_per_step = 1; break;
        case 'j': {
            char *end = NULL;
            long v = strtol(optarg, &end, 10);
            if (!*optarg || *end || v < 1 || v > 4096) {
                sc_error_set(&err, SC_ERR_USAGE, NULL, "-j %s: expected a thread count >= 1",
                             optarg);
                return sc_cli_fail(&err);
            }
            threads = (int)v;
            break;
        }
        case 'h': sweep_usage(stdout); return 0;
        default: sweep_usage(stderr); return 2;
        }
    }
    if (optind != argc - 1) {
        sc_error_set(&err, SC_ERR_USAGE, NULL, "expected one sweep file (see --help)");
        return sc_cli_fail(&err);
    }
    if (!output) {
        sc_error_set(&err, SC_ERR_USAGE, NULL, "-o SWEEP.h5 is required (see --help)");
        return sc_cli_fail(&err);
    }
    char csv_default[4200];
    if (!csv) {
        size_t l = strlen(output);
        int cut = l > 3 && strcmp(output + l - 3, ".h5") == 0 ? 3 : 0;
        snprintf(csv_default, sizeof csv_default, "%.*s.summary.csv", (int)(l - (size_t)cut),
                 output);
        csv = csv_default;
    }
    int rank = 0, n_ranks = 1;
    sc_sweep_mpi_init(&argc, &argv, &rank, &n_ranks);
    sc_sim_register();
    int rc = 0;
    sc_sweep *sw = NULL;
    sc_sweep_run_out *outs = NULL;
    sc_results_set *sets = NULL;
    sc_results_entry *ent = NULL;
    sc_summary_row *rows = NULL;
    size_t n_rows = 0;
    sc_status st = sc_sweep_load(argv[optind], &sw, &err);
    if (!st)
        st = sc_sweep_validate(sw, &err);
    if (!st) {
        /* no output may be an input (sweep file, base scenario) or the other output */
        const char *ins[258] = {sw->path, sw->base_path};
        size_t n_in = 2;
        /* and the files the base scenario reads (its traces), when it parses as is */
        char *base_text = cJSON_PrintUnformatted(sw->base);
        sc_scenario *base_sc = NULL;
        sc_error perr;
        sc_status pst = base_text ? sc_scenario_parse(base_text, sw->base_path, &base_sc, &perr)
                                  : SC_ERR_NOMEM;
        if (pst == SC_OK)
            n_in += sc_cli_scenario_inputs(base_sc, ins + 2, 256);
        /* out of memory must not skip the output-equals-input check (issue 13) */
        if (pst == SC_ERR_NOMEM) {
            free(base_text);
            st = sc_error_set(&err, SC_ERR_NOMEM, sw->base_path,
                              "out of memory reading the base scenario");
            rc = sc_cli_fail(&err);
            goto out;
        }
        const char *outputs[2] = {output, csv};
        st = sc_cli_check_outputs(outputs, 2, ins, n_in, &err);
        sc_scenario_free(base_sc);
        free(base_text);
    }
    if (!st)
        st = check_footprint(sw, !no_per_step, &err);
    if (st) {
        rc = rank == 0 ? sc_cli_fail(&err) : sc_status_exit_code(st);
        goto out;
    }
    outs = calloc(sw->n_runs, sizeof *outs);
    if (!outs) {
        sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
        rc = sc_cli_fail(&err);
        goto out;
    }
    {
        pg.t0 = omp_get_wtime();
        ex = (sc_sweep_exec){.threads = threads, .per_step = !no_per_step, .rank = rank,
                             .n_ranks = n_ranks,
                             .progress = rank == 0 && sc_cli_is_tty() ? show_progress : NULL,
                             .progress_ctx = &pg,
                             /* issue 13: the logs spooled beside the output, unless MPI
                              * gathers them from other ranks in memory */
                             .log_spool_beside = n_ranks == 1 ? output : NULL};
        sc_error lerr;
        sc_error_clear(&lerr);
        /* a local failure is reported by rank 0 after gathering (it travels with the run) */
        (void)sc_sweep_execute(sw, &ex, outs, &lerr);
        if (rank == 0 && n_ranks == 1 && lerr.status) {
            rc = sc_cli_fail(&lerr);
            goto out;
        }
    }
    st = sc_sweep_gather(sw, outs, rank, n_ranks, &err);
    if (rank != 0)
        goto out;
    if (st) {
        rc = sc_cli_fail(&err);
        goto out;
    }
    for (size_t i = 0; i < sw->n_runs; i++)
        if (outs[i].status) {
            rc = sc_cli_fail(&outs[i].err);
            goto out;
        }
    {
        size_t n_ent = 0;
        for (size_t i = 0; i < sw->n_runs; i++)
            n_ent += outs[i].n_runs;
        sets = calloc(sw->n_runs, sizeof *sets);
        ent = calloc(n_ent ? n_ent : 1, sizeof *ent);
        if (!sets || !ent) {
            sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
            rc = sc_cli_fail(&err);
            goto out;
        }
        size_t k = 0;
        for (size_t i = 0; i < sw->n_runs; i++) {
            sets[i] = (sc_results_set){.sc = outs[i].sc, .n_steps = outs[i].n_steps,
                                       .warmup_steps = outs[i].warmup_steps,
                                       .runs = outs[i].runs, .n_runs = outs[i].n_runs,
                                       .logs = outs[i].logs};
            for (size_t p = 0; p < outs[i].n_runs; p++, k++) {
                ent[k].params = sw->settings[i / sw->n_replicates];
                ent[k].run_index = (int64_t)i;
                ent[k].setting = (int64_t)(i / sw->n_replicates);
                ent[k].replicate = (int64_t)(i % sw->n_replicates);
                ent[k].seed = sw->seeds[i % sw->n_replicates];
                ent[k].sum = outs[i].runs[p]->sum;
            }
        }
        if (sc_sweep_summarise(ent, n_ent, &rows, &n_rows, &err)) {
            rc = sc_cli_fail(&err);
            goto out;
        }
        const char **axes = calloc(sw->n_axes ? sw->n_axes : 1, sizeof *axes);
        if (!axes) {
            sc_error_set(&err, SC_ERR_NOMEM, NULL, "out of memory");
            rc = sc_cli_fail(&err);
            goto out;
        }
        for (size_t a = 0; a < sw->n_axes; a++)
            axes[a] = sw->axes[a].path;
        sc_sweep_output so = {.name = sw->name, .source_text = sw->source_text,
                              .hash = sw->hash, .base_seed = sw->base_seed, .axes = axes,
                              .n_axes = sw->n_axes,
                              .settings = (const char *const *)sw->settings,
                              .n_settings = sw->n_settings, .n_replicates = sw->n_replicates,
                              .runs = sets, .seeds = sw->seeds, .rows = rows,
                              .n_rows = n_rows};
        if (json)
            print_json(sw, rows, n_rows);
        else
            print_table(sw, rows, n_rows);
        fflush(stdout);
        /* both outputs to temporary files, then committed together (or neither) */
        sc_atomic_file af_h5, af_csv;
        sc_atomic_file *both[2] = {&af_h5, &af_csv};
        af_csv.tmp[0] = af_csv.path[0] = '\0';
        af_csv.fd = af_csv.slot = -1;
        st = sc_atomic_begin(&af_h5, output, &err);
        if (!st)
            st = sc_results_write_sweep(af_h5.tmp, &so, &err);
        if (!st)
            st = sc_atomic_begin(&af_csv, csv, &err);
        if (!st)
            st = write_csv(af_csv.tmp, rows, n_rows, &err);
        free(axes);
        if (!st) /* the logs' spool files are consumed: a failed close fails the command */
            st = sc_sweep_exec_close_logs(&ex, &err);
        if (!st)
            st = sc_atomic_commit_all(both, 2, &err);
        if (st) {
            sc_cli_error_final_name(&af_h5, &err);
            sc_cli_error_final_name(&af_csv, &err);
            sc_atomic_abort(&af_h5);
            sc_atomic_abort(&af_csv);
            rc = sc_cli_fail(&err);
            goto out;
        }
        if (!json)
            printf("results written to %s, summary to %s\n", output, csv);
    }
out:
    if (n_ranks > 1)
        rc = sc_sweep_mpi_agree(rc);
    free(rows);
    free(ent);
    free(sets);
    for (size_t i = 0; outs && i < sw->n_runs; i++)
        sc_sweep_run_out_cleanup(&outs[i]);
    free(outs);
    sc_sweep_exec_cleanup(&ex);
    sc_sweep_free(sw);
    sc_sweep_mpi_finalize();
    return rc;
}
