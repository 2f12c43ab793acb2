/*
 * compare.h - regression gating: compare a candidate results file with a baseline
 * (`sculpt compare`, scenarios/SWEEPS.md "Regression gating in CI").
 *
 * Both files must have the same schema and schema version (run vs run file, sweep vs
 * sweep file).  Runs are matched by (setting parameters JSON, policy label) and
 * replicates paired by seed; every baseline run must have its match in the candidate.
 * For each matched (setting, policy), over its n pairs (candidate - baseline):
 *
 *   cost:  change = (mean cand cost - mean base cost) / mean base cost, in %;
 *          regressed when change > max_cost_increase_pct and the change is beyond noise;
 *   SLO:   drop = (mean base attainment - mean cand attainment) x 100, in points;
 *          regressed when drop > max_slo_drop_points and the drop is beyond noise.
 *
 *   objective (opt-in, require_objective): the candidate's mean attainment must reach
 *          the mean of its runs' slo_objective (apps[].slo.attainment); files written
 *          before the objective was recorded read it as NaN and are held to
 *          SC_SLO_ATTAINMENT_DEFAULT.  No noise test: the objective is a contract.
 *
 * "Beyond noise": with n >= 2 pairs, a two-sided paired t-test of the differences
 * rejects "no change" at level alpha (default 0.05, i.e. 95 %); identical differences
 * (zero spread) count as beyond noise when they are not zero.  With one pair there is
 * no noise estimate and any change beyond the tolerance counts.  So a regression must
 * be both practically large (tolerance) and statistically real (test).
 */
#ifndef SCULPT_COMPARE_H
#define SCULPT_COMPARE_H

#include <stddef.h>

#include "results.h"

#define SC_COMPARE_DEFAULT_COST_PCT 1.0    /* % increase of mean cost tolerated */
#define SC_COMPARE_DEFAULT_SLO_POINTS 0.1  /* percentage points of attainment tolerated */
#define SC_COMPARE_DEFAULT_ALPHA 0.05

typedef struct sc_compare_opts {
    double max_cost_increase_pct;
    double max_slo_drop_points;
    double alpha;                  /* significance level of the paired t-test */
    int require_objective;         /* 1: a candidate below its objective is a regression */
} sc_compare_opts;

void sc_compare_opts_default(sc_compare_opts *o);

/* Paired t-test of d_i = cand_i - base_i. */
typedef struct sc_paired_test {
    size_t n;
    double mean_diff;      /* mean of d */
    double sd_diff;        /* sample standard deviation of d (n - 1); NaN when n < 2 */
    double t;              /* mean / (sd / sqrt(n)); +-inf when sd = 0 and mean != 0 */
    double p;              /* two-sided p-value; NaN when n < 2 */
    int beyond_noise;      /* see the file comment */
} sc_paired_test;

void sc_paired_ttest(const double *base, const double *cand, size_t n, double alpha,
                     sc_paired_test *out);

typedef struct sc_compare_row {
    const char *params;            /* borrowed from the baseline file */
    char label[SC_NAME_MAX];
    size_t n_pairs;
    double base_cost, cand_cost;   /* means, USD */
    double cost_change_pct;
    sc_paired_test cost_test;
    int cost_regressed;
    double base_slo, cand_slo;     /* means, fractions */
    double slo_drop_points;
    sc_paired_test slo_test;
    int slo_regressed;
    double cand_objective;         /* mean slo_objective of the candidate's runs */
    int objective_missed;          /* require_objective and cand_slo < cand_objective */
} sc_compare_row;

typedef struct sc_compare_report {
    sc_compare_row *rows;          /* owned; baseline order */
    size_t n_rows;
    size_t n_regressed;            /* rows with a cost or SLO regression or, with
                                      require_objective, a missed objective */
} sc_compare_report;

/* Compare; SC_ERR_INPUT on schema mismatch, SC_ERR_NOTFOUND when a baseline run has
 * no match (err names it).  The report borrows from base; free with
 * sc_compare_report_free. */
sc_status sc_compare_files(const sc_results_file *base, const sc_results_file *cand,
                           const sc_compare_opts *o, sc_compare_report **out, sc_error *err);
void sc_compare_report_free(sc_compare_report *r);

#endif
