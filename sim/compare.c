/*
 * compare.c - regression gating between two results files (design in compare.h).
 *
 * Matching is by exact strings: the setting's parameters JSON as the sweep wrote it
 * (compact, axis order) and the policy label; pairing by the replicate seed.  Rows
 * follow the baseline file's order (settings, then labels by name, as read).
 */
#include "compare.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

void sc_compare_opts_default(sc_compare_opts *o)
{
    o->max_cost_increase_pct = SC_COMPARE_DEFAULT_COST_PCT;
    o->max_slo_drop_points = SC_COMPARE_DEFAULT_SLO_POINTS;
    o->alpha = SC_COMPARE_DEFAULT_ALPHA;
    o->require_objective = 0;
}

/* A run's objective; files before the objective was recorded hold NaN. */
static double run_objective(const sc_run_summary *s)
{
    return isfinite(s->slo_objective) ? s->slo_objective : SC_SLO_ATTAINMENT_DEFAULT;
}

void sc_paired_ttest(const double *base, const double *cand, size_t n, double alpha,
                     sc_paired_test *out)
{
    memset(out, 0, sizeof *out);
    out->n = n;
    out->sd_diff = out->t = out->p = NAN;
    if (n == 0) {
        out->mean_diff = NAN;
        return;
    }
    double sum = 0;
    for (size_t i = 0; i < n; i++)
        sum += cand[i] - base[i];
    double m = sum / (double)n;
    out->mean_diff = m;
    if (n < 2) {
        out->beyond_noise = m != 0.0;
        return;
    }
    double ss = 0;
    for (size_t i = 0; i < n; i++) {
        double d = cand[i] - base[i] - m;
        ss += d * d;
    }
    double sd = sqrt(ss / (double)(n - 1));
    out->sd_diff = sd;
    if (sd == 0.0) {
        out->t = m == 0.0 ? 0.0 : (m > 0 ? INFINITY : -INFINITY);
        out->p = m == 0.0 ? 1.0 : 0.0;
    } else {
        out->t = m / (sd / sqrt((double)n));
        out->p = 2.0 * gsl_cdf_tdist_Q(fabs(out->t), (double)(n - 1));
    }
    out->beyond_noise = out->p < alpha;
}

void sc_compare_report_free(sc_compare_report *r)
{
    if (!r)
        return;
    free(r->rows);
    free(r);
}

static int same_run(const sc_results_entry *a, const sc_results_entry *b)
{
    return strcmp(a->params, b->params) == 0 && strcmp(a->sum.label, b->sum.label) == 0;
}

sc_status sc_compare_files(const sc_results_file *base, const sc_results_file *cand,
                           const sc_compare_opts *o, sc_compare_report **out, sc_error *err)
{
    *out = NULL;
    if (strcmp(base->schema, cand->schema) != 0 || base->schema_version != cand->schema_version)
        return sc_error_set(err, SC_ERR_INPUT, cand->path,
                            "results schema %s v%" PRId64 " differs from the baseline's (%s: %s "
                            "v%" PRId64 "); compare files of the same kind and version",
                            cand->schema, cand->schema_version, base->path, base->schema,
                            base->schema_version);
    size_t n = base->n_entries;
    sc_compare_report *rep = calloc(1, sizeof *rep);
    sc_compare_row *rows = calloc(n ? n : 1, sizeof *rows);
    size_t *match = malloc((n ? n : 1) * sizeof *match);
    double *xb = malloc((n ? n : 1) * sizeof *xb), *xc = malloc((n ? n : 1) * sizeof *xc);
    sc_status st = SC_OK;
    if (!rep || !rows || !match || !xb || !xc) {
        st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        goto fail;
    }
    /* pair every baseline run with the candidate run of same setting, label and seed */
    for (size_t i = 0; i < n; i++) {
        const sc_results_entry *b = &base->entries[i];
        size_t j = 0;
        while (j < cand->n_entries &&
               !(same_run(b, &cand->entries[j]) && cand->entries[j].seed == b->seed))
            j++;
        if (j == cand->n_entries) {
            st = sc_error_set(err, SC_ERR_NOTFOUND, cand->path,
                              "no match for the baseline's run %s policy '%s' (setting %s, seed "
                              "%" PRIu64 "): the candidate must contain every baseline run "
                              "(same setting parameters, policy label and seed)",
                              b->group, b->sum.label, b->params, b->seed);
            goto fail;
        }
        match[i] = j;
    }
    size_t nr = 0;
    for (size_t i = 0; i < n; i++) {
        const sc_results_entry *b = &base->entries[i];
        int seen = 0;
        for (size_t r = 0; r < nr && !seen; r++)
            seen = strcmp(rows[r].params, b->params) == 0 && strcmp(rows[r].label, b->sum.label) == 0;
        if (seen)
            continue;
        sc_compare_row *row = &rows[nr++];
        row->params = b->params;
        snprintf(row->label, sizeof row->label, "%s", b->sum.label);
        size_t k = 0;
        for (size_t q = i; q < n; q++)
            if (same_run(&base->entries[q], b)) {
                xb[k] = sc_summary_metric_value(&base->entries[q].sum, SC_SM_COST);
                xc[k] = sc_summary_metric_value(&cand->entries[match[q]].sum, SC_SM_COST);
                k++;
            }
        row->n_pairs = k;
        sc_paired_ttest(xb, xc, k, o->alpha, &row->cost_test);
        double mb = 0, mc = 0;
        for (size_t q = 0; q < k; q++) {
            mb += xb[q];
            mc += xc[q];
        }
        row->base_cost = mb / (double)k;
        row->cand_cost = mc / (double)k;
        row->cost_change_pct = row->base_cost != 0.0
                                   ? 100.0 * (row->cand_cost - row->base_cost) / row->base_cost
                                   : (row->cand_cost > 0 ? INFINITY : 0.0);
        row->cost_regressed = row->cost_change_pct > o->max_cost_increase_pct &&
                              row->cost_test.beyond_noise;
        k = 0;
        for (size_t q = i; q < n; q++)
            if (same_run(&base->entries[q], b)) {
                xb[k] = sc_summary_metric_value(&base->entries[q].sum, SC_SM_SLO);
                xc[k] = sc_summary_metric_value(&cand->entries[match[q]].sum, SC_SM_SLO);
                k++;
            }
        sc_paired_ttest(xb, xc, k, o->alpha, &row->slo_test);
        mb = mc = 0;
        for (size_t q = 0; q < k; q++) {
            mb += xb[q];
            mc += xc[q];
        }
        row->base_slo = mb / (double)k;
        row->cand_slo = mc / (double)k;
        row->slo_drop_points = 100.0 * (row->base_slo - row->cand_slo);
        row->slo_regressed = row->slo_drop_points > o->max_slo_drop_points &&
                             row->slo_test.beyond_noise;
        double obj = 0;
        k = 0;
        for (size_t q = i; q < n; q++)
            if (same_run(&base->entries[q], b)) {
                obj += run_objective(&cand->entries[match[q]].sum);
                k++;
            }
        row->cand_objective = obj / (double)k;
        row->objective_missed = o->require_objective && row->cand_slo < row->cand_objective;
        rep->n_regressed += row->cost_regressed || row->slo_regressed || row->objective_missed;
    }
    free(match);
    free(xb);
    free(xc);
    rep->rows = rows;
    rep->n_rows = nr;
    *out = rep;
    return SC_OK;
fail:
    free(match);
    free(xb);
    free(xc);
    free(rows);
    free(rep);
    return st;
}
