/*
 * cmd_compare.c - `sculpt compare BASELINE.h5 CANDIDATE.h5 [--max-cost-increase PCT]
 * [--max-slo-drop POINTS] [--alpha A] [--require-objective] [--json]`: regression gating
 * (compare.h).
 *
 * Exit status: 0 no regression, 4 a policy got worse beyond the tolerances (what and by
 * how much is printed), 2 unmatched runs, schema mismatch, bad file or usage, 3 a file
 * cannot be read.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "compare.h"
#include "results.h"

static void compare_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt compare BASELINE.h5 CANDIDATE.h5 [--max-cost-increase PCT]\n"
            "                      [--max-slo-drop POINTS] [--alpha A] [--require-objective]\n"
            "                      [--json]\n"
            "\n"
            "Compare matching runs of two results files (both `sculpt run` or both\n"
            "`sculpt sweep`), pairing replicates by seed, and fail when a policy got worse\n"
            "beyond the tolerances and beyond noise (paired t-test; scenarios/SWEEPS.md).\n"
            "\n"
            "  --max-cost-increase PCT  tolerated increase of mean cost, %% (default %g)\n"
            "  --max-slo-drop POINTS    tolerated drop of SLO attainment, percentage points\n"
            "                           (default %g)\n"
            "  --alpha A                significance level of the paired t-test (default %g)\n"
            "  --require-objective      also fail when a candidate policy's mean SLO attainment\n"
            "                           is below its objective (the scenario's\n"
            "                           apps[].slo.attainment, mean over apps; files written\n"
            "                           before it was recorded are held to %g)\n"
            "  --json                   print the comparison as JSON on stdout\n"
            "  -h, --help               this help\n"
            "\n"
            "Exit status: 0 no regression, 4 regression (or a missed objective), 2 unmatched runs, schema mismatch or\n"
            "bad input, 3 a file cannot be read.\n",
            SC_COMPARE_DEFAULT_COST_PCT, SC_COMPARE_DEFAULT_SLO_POINTS,
            SC_COMPARE_DEFAULT_ALPHA, SC_SLO_ATTAINMENT_DEFAULT);
}

static int parse_num(const char *opt, const char *s, double lo, double hi, double *out)
{
    char *end = NULL;
    double v = strtod(s, &end);
    if (!*s || *end || !isfinite(v) || v < lo || v > hi) {
        sc_error err;
        sc_error_set(&err, SC_ERR_USAGE, NULL, "%s %s: expected a number in [%g, %g]", opt, s,
                     lo, hi);
        return sc_cli_fail(&err);
    }
    *out = v;
    return 0;
}

static void add_num(cJSON *o, const char *k, double v)
{
    if (isfinite(v))
        cJSON_AddNumberToObject(o, k, v);
    else
        cJSON_AddNullToObject(o, k);
}

static void print_json(const char *bp, const char *cp, const sc_compare_opts *o,
                       const sc_compare_report *rep)
{
    cJSON *root = cJSON_CreateObject();
    cJSON_AddStringToObject(root, "baseline", bp);
    cJSON_AddStringToObject(root, "candidate", cp);
    cJSON_AddNumberToObject(root, "max_cost_increase_pct", o->max_cost_increase_pct);
    cJSON_AddNumberToObject(root, "max_slo_drop_points", o->max_slo_drop_points);
    cJSON_AddNumberToObject(root, "alpha", o->alpha);
    cJSON_AddBoolToObject(root, "require_objective", o->require_objective);
    cJSON *arr = cJSON_AddArrayToObject(root, "comparisons");
    for (size_t i = 0; i < rep->n_rows; i++) {
        const sc_compare_row *r = &rep->rows[i];
        cJSON *e = cJSON_CreateObject();
        cJSON *par = cJSON_Parse(r->params);
        cJSON_AddItemToObject(e, "parameters", par ? par : cJSON_CreateObject());
        cJSON_AddStringToObject(e, "policy", r->label);
        cJSON_AddNumberToObject(e, "pairs", (double)r->n_pairs);
        add_num(e, "baseline_cost_usd", r->base_cost);
        add_num(e, "candidate_cost_usd", r->cand_cost);
        add_num(e, "cost_change_pct", r->cost_change_pct);
        add_num(e, "cost_p_value", r->cost_test.p);
        cJSON_AddBoolToObject(e, "cost_regressed", r->cost_regressed);
        add_num(e, "baseline_slo_attainment", r->base_slo);
        add_num(e, "candidate_slo_attainment", r->cand_slo);
        add_num(e, "slo_drop_points", r->slo_drop_points);
        add_num(e, "slo_p_value", r->slo_test.p);
        cJSON_AddBoolToObject(e, "slo_regressed", r->slo_regressed);
        add_num(e, "candidate_slo_objective", r->cand_objective);
        cJSON_AddBoolToObject(e, "objective_missed", r->objective_missed);
        cJSON_AddItemToArray(arr, e);
    }
    cJSON_AddNumberToObject(root, "regressions", (double)rep->n_regressed);
    cJSON_AddStringToObject(root, "verdict", rep->n_regressed ? "regression" : "pass");
    char *txt = cJSON_Print(root);
    if (txt)
        printf("%s\n", txt);
    free(txt);
    cJSON_Delete(root);
}

static void fmt_p(char *buf, size_t len, const sc_paired_test *t)
{
    if (isfinite(t->p))
        snprintf(buf, len, "p=%.3g", t->p);
    else
        snprintf(buf, len, "1 pair");
}

static void print_text(const sc_compare_opts *o, const sc_compare_report *rep)
{
    printf("%-10s %-18s %5s %12s %12s %9s %10s %9s %9s %9s %10s %9s\n", "verdict", "policy",
           "pairs", "base_cost", "cand_cost", "cost_%", "cost_p", "base_slo%", "cand_slo%",
           "slo_drop", "slo_p", "cand_obj%");
    for (size_t i = 0; i < rep->n_rows; i++) {
        const sc_compare_row *r = &rep->rows[i];
        char cp[32], sp[32];
        fmt_p(cp, sizeof cp, &r->cost_test);
        fmt_p(sp, sizeof sp, &r->slo_test);
        printf("%-10s %-18s %5zu %12.2f %12.2f %+9.3f %10s %9.3f %9.3f %+9.3f %10s %9.3f  %s\n",
               r->cost_regressed || r->slo_regressed || r->objective_missed ? "REGRESSED" : "ok", r->label, r->n_pairs,
               r->base_cost, r->cand_cost, r->cost_change_pct, cp, 100 * r->base_slo,
               100 * r->cand_slo, r->slo_drop_points, sp, 100 * r->cand_objective, r->params);
    }
    for (size_t i = 0; i < rep->n_rows; i++) {
        const sc_compare_row *r = &rep->rows[i];
        if (r->cost_regressed)
            printf("regression: policy '%s' %s: cost +%.3f %% (%.2f -> %.2f USD) exceeds the "
                   "tolerance of %g %%\n",
                   r->label, r->params, r->cost_change_pct, r->base_cost, r->cand_cost,
                   o->max_cost_increase_pct);
        if (r->slo_regressed)
            printf("regression: policy '%s' %s: SLO attainment -%.3f points (%.3f %% -> %.3f %%) "
                   "exceeds the tolerance of %g points\n",
                   r->label, r->params, r->slo_drop_points, 100 * r->base_slo, 100 * r->cand_slo,
                   o->max_slo_drop_points);
        if (r->objective_missed)
            printf("regression: policy '%s' %s: SLO attainment %.3f %% is below its objective "
                   "%.3f %%\n",
                   r->label, r->params, 100 * r->cand_slo, 100 * r->cand_objective);
    }
}

int sc_cmd_compare(int argc, char **argv)
{
    static const struct option opts[] = {{"max-cost-increase", required_argument, NULL, 'c'},
                                         {"max-slo-drop", required_argument, NULL, 's'},
                                         {"alpha", required_argument, NULL, 'a'},
                                         {"require-objective", no_argument, NULL, 'O'},
                                         {"json", no_argument, NULL, 'J'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    sc_compare_opts o;
    sc_compare_opts_default(&o);
    int json = 0, rc;
    sc_error err;
    sc_error_clear(&err);
    optind = 1;
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            if ((rc = parse_num("--max-cost-increase", optarg, 0, 1e9, &o.max_cost_increase_pct)))
                return rc;
            break;
        case 's':
            if ((rc = parse_num("--max-slo-drop", optarg, 0, 100, &o.max_slo_drop_points)))
                return rc;
            break;
        case 'a':
            if ((rc = parse_num("--alpha", optarg, 1e-12, 0.5, &o.alpha)))
                return rc;
            break;
        case 'O': o.require_objective = 1; break;
        case 'J': json = 1; break;
        case 'h': compare_usage(stdout); return 0;
        default: compare_usage(stderr); return 2;
        }
    }
    if (optind != argc - 2) {
        sc_error_set(&err, SC_ERR_USAGE, NULL, "expected BASELINE.h5 CANDIDATE.h5 (see --help)");
        return sc_cli_fail(&err);
    }
    sc_results_file *b = NULL, *c = NULL;
    sc_compare_report *rep = NULL;
    rc = 0;
    if (sc_results_read(argv[optind], &b, &err) || sc_results_read(argv[optind + 1], &c, &err) ||
        sc_compare_files(b, c, &o, &rep, &err)) {
        rc = sc_cli_fail(&err);
        goto out;
    }
    if (json)
        print_json(argv[optind], argv[optind + 1], &o, rep);
    else
        print_text(&o, rep);
    if (rep->n_regressed) {
        sc_error_set(&err, SC_ERR_REGRESSION, argv[optind + 1],
                     "%zu of %zu (setting, policy) comparisons regressed beyond the tolerances "
                     "(cost +%g %%, SLO -%g points%s)",
                     rep->n_regressed, rep->n_rows, o.max_cost_increase_pct, o.max_slo_drop_points,
                     o.require_objective ? ", attainment >= objective" : "");
        rc = sc_cli_fail(&err);
    }
out:
    sc_compare_report_free(rep);
    sc_results_file_free(b);
    sc_results_file_free(c);
    return rc;
}
