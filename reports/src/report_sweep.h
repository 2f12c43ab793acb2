/*
 * report_sweep.h - the sweep part of a report (schema "sculpt-sweep", layout in
 * sim/results.h): the /summary rows (mean and 95 % CI half-width over the replicates per
 * setting and policy) as tables, cost and SLO attainment per setting with CI error bars,
 * and cost against SLO attainment with the Pareto front (lower cost and higher SLO
 * attainment are better) of each policy and of all points.
 *
 * A point is on a front when no other point of the same set has cost <= and SLO >=
 * with at least one strict; the comparison uses the means (CIs are drawn, not tested).
 */
#ifndef SCULPT_REPORT_SWEEP_H
#define SCULPT_REPORT_SWEEP_H

#include <stdio.h>

#include "report_data.h"
#include "report_plot.h"

/* The sweep metrics: the SC_RF_SWEEP rows of the schema table (sim/results.h). */
enum { SC_REPORT_SM_COST = SC_SM_COST, SC_REPORT_SM_PENALISED = SC_SM_PENALISED,
       SC_REPORT_SM_SLO = SC_SM_SLO, SC_REPORT_SM_VIOLATION = SC_SM_VIOLATION,
       SC_REPORT_SM_UNSERVED = SC_SM_UNSERVED, SC_REPORT_SM_COUNT = SC_SUMMARY_METRICS };

typedef struct sc_report_sweep_row {
    int64_t setting;                  /* index into settings */
    char label[SC_REPORT_NAME_MAX];   /* policy label */
    int64_t n;                        /* replicates */
    double mean[SC_REPORT_SM_COUNT];
    double ci95[SC_REPORT_SM_COUNT];  /* half-width; NaN when n < 2 */
    int front_all;                    /* 1: on the Pareto front of all rows */
    int front_policy;                 /* 1: on the front of its policy's rows */
} sc_report_sweep_row;

struct sc_report_sweep {
    char name[SC_REPORT_NAME_MAX];
    char hash[64];
    uint64_t base_seed;
    int64_t n_settings, n_replicates, n_runs;
    char **axes;                      /* [n_axes] JSON paths */
    size_t n_axes;
    char **settings;                  /* [n_settings] parameters JSON */
    char **setting_short;             /* [n_settings] "14d / 15s / 0.6" */
    sc_report_sweep_row *rows;        /* [n_rows], file order */
    size_t n_rows;
    char **policies;                  /* [n_policies] distinct labels, first-seen order */
    size_t n_policies;
};

typedef struct sc_report_sweep sc_report_sweep;

/* Name of metric m in files ("cost_usd", ...). */
const char *sc_report_sweep_metric(int m);

/* The sweep part of a sweep file (read by the results reader into r->results->sweep)
 * into r->sweep, with the Pareto fronts marked. */
sc_status sc_report_sweep_read(sc_report_results *r, sc_error *err);
void sc_report_sweep_free(sc_report_sweep *s);

/* Write the sweep plots' data files and script parts. */
sc_status sc_report_sweep_plots(const sc_report_results *r, const char *dir, FILE *gp,
                                int png, int svg, sc_report_plots *out, sc_error *err);

#endif
