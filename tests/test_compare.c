/*
 * test_compare.c - `sculpt compare` and its statistics: the paired t-test against the
 * closed form of Student's t with 2 degrees of freedom, the regression rule on noisy and
 * on consistent differences of the same mean, and end to end: a real regression
 * (exit 4 naming the policy), the same results (exit 0), unmatched runs (exit 2) and
 * schema mismatches (exit 2).
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <hdf5.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "compare.h"
#include "results.h"
#include "sculpt/fsutil.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/sweep/"
#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"

/* ---- the paired t-test ----------------------------------------------------------- */

/* With 2 degrees of freedom Student's t has the closed form
 * P(|T| > t) = 1 - t / sqrt(t^2 + 2), independent of GSL. */
Test(compare_stats, paired_ttest_hand)
{
    /* d = 1, 1, 1.5: mean 7/6, sd = sqrt(((1/6)^2 * 2 + (1/3)^2) / 2) = 0.28867513,
     * t = (7/6) / (0.28867513 / sqrt(3)) = 7; p = 1 - 7 / sqrt(51) = 0.0198039 */
    double b[] = {10, 12, 14}, c[] = {11, 13, 15.5};
    sc_paired_test t;
    sc_paired_ttest(b, c, 3, 0.05, &t);
    cr_assert_float_eq(t.mean_diff, 7.0 / 6.0, 1e-12);
    cr_assert_float_eq(t.sd_diff, 0.2886751346, 1e-9);
    cr_assert_float_eq(t.t, 7.0, 1e-9);
    cr_assert_float_eq(t.p, 0.0198039412, 1e-8);
    cr_assert(t.beyond_noise);
    /* d = 3, -2, 2: mean 1, sd = sqrt(7), t = 1 / (sqrt(7) / sqrt(3)) = 0.65465367,
     * p = 1 - t / sqrt(t^2 + 2) = 0.5799160: noise */
    double c2[] = {13, 10, 16};
    sc_paired_ttest(b, c2, 3, 0.05, &t);
    cr_assert_float_eq(t.t, 0.6546536707, 1e-9);
    cr_assert_float_eq(t.p, 0.5799159748, 1e-8);
    cr_assert(!t.beyond_noise);
    /* one pair: any change counts; no change does not */
    sc_paired_ttest(b, c, 1, 0.05, &t);
    cr_assert(t.beyond_noise);
    sc_paired_ttest(b, b, 1, 0.05, &t);
    cr_assert(!t.beyond_noise);
}

/* Fake files: 3 replicates of one policy with given costs. */
static void fake(sc_results_file *f, sc_results_entry *e, const double *cost)
{
    memset(f, 0, sizeof *f);
    snprintf(f->schema, sizeof f->schema, "%s", SC_SWEEP_SCHEMA);
    f->schema_version = 1;
    f->entries = e;
    f->n_entries = 3;
    for (int i = 0; i < 3; i++) {
        memset(&e[i], 0, sizeof e[i]);
        e[i].params = "{\"$.x\":1}";
        e[i].seed = 100 + (uint64_t)i;
        snprintf(e[i].sum.label, sizeof e[i].sum.label, "reactive");
        e[i].sum.cost_usd = cost[i];
        e[i].sum.slo_attainment = 0.99;
    }
}

/* Same +5 % mean cost increase twice: once buried in noise (paired differences +20,
 * -10, +5 on a mean of 100: t = 0.65, p = 0.58), once consistent (+5, +5, +5). Only the
 * second is a regression at the default 1 % tolerance. */
Test(compare_stats, noise_does_not_fail_consistent_change_does)
{
    sc_results_file fb, fc;
    sc_results_entry eb[3], ec[3];
    double base[] = {90, 100, 110}, noisy[] = {110, 90, 115}, worse[] = {95, 105, 115};
    sc_compare_opts o;
    sc_compare_opts_default(&o);
    sc_compare_report *rep = NULL;
    fake(&fb, eb, base);
    fake(&fc, ec, noisy);
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, NULL), SC_OK);
    cr_assert_eq(rep->n_rows, 1);
    cr_assert_float_eq(rep->rows[0].cost_change_pct, 5.0, 1e-9);
    cr_assert_eq(rep->rows[0].cost_regressed, 0);
    cr_assert_eq(rep->n_regressed, 0);
    sc_compare_report_free(rep);
    fake(&fc, ec, worse);
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, NULL), SC_OK);
    cr_assert_eq(rep->rows[0].cost_regressed, 1);
    cr_assert_eq(rep->n_regressed, 1);
    sc_compare_report_free(rep);
    /* a 10 % tolerance accepts the consistent +5 % */
    o.max_cost_increase_pct = 10;
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, NULL), SC_OK);
    cr_assert_eq(rep->n_regressed, 0);
    sc_compare_report_free(rep);
    /* a seed missing from the candidate: no match */
    ec[2].seed = 999;
    sc_error err;
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, &err), SC_ERR_NOTFOUND);
    cr_assert(strstr(err.msg, "seed 102"), "%s", err.msg);
}

/* --require-objective: mean candidate attainment (0.998 + 0.999 + 0.9995) / 3 = 0.9988333
 * against its objective 0.999 misses (a regression, with the cost unchanged); at 0.998 it
 * meets it; a file without the objective (NaN) is held to the default 0.999; without the
 * option nothing is checked. */
Test(compare_stats, require_objective)
{
    sc_results_file fb, fc;
    sc_results_entry eb[3], ec[3];
    double cost[] = {90, 100, 110}, att[] = {0.998, 0.999, 0.9995};
    sc_compare_opts o;
    sc_compare_opts_default(&o);
    cr_assert_eq(o.require_objective, 0);
    sc_compare_report *rep = NULL;
    fake(&fb, eb, cost);
    fake(&fc, ec, cost);
    for (int i = 0; i < 3; i++) {
        eb[i].sum.slo_attainment = ec[i].sum.slo_attainment = att[i];
        ec[i].sum.slo_objective = 0.999;
    }
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, NULL), SC_OK);
    cr_assert_eq(rep->n_regressed, 0);
    cr_assert_eq(rep->rows[0].objective_missed, 0);
    sc_compare_report_free(rep);
    o.require_objective = 1;
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, NULL), SC_OK);
    cr_assert_float_eq(rep->rows[0].cand_slo, 0.99883333333333, 1e-12);
    cr_assert_float_eq(rep->rows[0].cand_objective, 0.999, 1e-15);
    cr_assert_eq(rep->rows[0].objective_missed, 1);
    cr_assert_eq(rep->rows[0].cost_regressed, 0);
    cr_assert_eq(rep->n_regressed, 1);
    sc_compare_report_free(rep);
    for (int i = 0; i < 3; i++)
        ec[i].sum.slo_objective = 0.998;
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, NULL), SC_OK);
    cr_assert_eq(rep->n_regressed, 0);
    sc_compare_report_free(rep);
    for (int i = 0; i < 3; i++)
        ec[i].sum.slo_objective = NAN;
    cr_assert_eq(sc_compare_files(&fb, &fc, &o, &rep, NULL), SC_OK);
    cr_assert_float_eq(rep->rows[0].cand_objective, 0.999, 1e-15);
    cr_assert_eq(rep->n_regressed, 1);
    sc_compare_report_free(rep);
}

/* ---- end to end --------------------------------------------------------------------- */

static char dir[256];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-compare-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(compare_cli, .init = mkdir_tmp, .fini = rm_tmp, .timeout = 300);

static int run(const char *args, char *out, size_t len)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s > out.txt 2>&1", dir, SC_SCULPT_BIN, args);
    int rc = system(cmd);
    if (out) {
        char p[512], *txt = NULL;
        sc_error e;
        out[0] = '\0';
        snprintf(p, sizeof p, "%s/out.txt", dir);
        if (sc_file_read_all(p, &txt, NULL, &e) == SC_OK) {
            snprintf(out, len, "%s", txt);
            free(txt);
        }
    }
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(compare_cli, regression_same_unmatched_schema)
{
    char o[8192];
    cr_assert_eq(run("sweep " FIX "tiny-base.json -o base.h5", o, sizeof o), 0, "%s", o);
    cr_assert_eq(run("sweep " FIX "tiny-worse.json -o worse.h5", o, sizeof o), 0, "%s", o);
    /* the same results: no regression */
    cr_assert_eq(run("compare base.h5 base.h5", o, sizeof o), 0, "%s", o);
    /* every policy of tiny-base.json attains 100 % >= its default objective 99.9 % */
    cr_assert_eq(run("compare base.h5 base.h5 --require-objective --json", o, sizeof o), 0, "%s",
                 o);
    cr_assert(strstr(o, "\"candidate_slo_objective\":\t0.999"), "%s", o);
    cr_assert(strstr(o, "\"objective_missed\":\tfalse"), "%s", o);
    /* target utilisation 0.25 instead of 0.5: the reactive policy runs about twice the
     * instances, far beyond 1 %: exit 4 naming the policy */
    cr_assert_eq(run("compare base.h5 worse.h5", o, sizeof o), 4, "%s", o);
    cr_assert(strstr(o, "regression: policy 'reactive'"), "%s", o);
    cr_assert(strstr(o, "ERR_REGRESSION"), "%s", o);
    /* the other way round it is an improvement */
    cr_assert_eq(run("compare worse.h5 base.h5 --json", o, sizeof o), 0, "%s", o);
    cr_assert(strstr(o, "\"verdict\":\t\"pass\""), "%s", o);
    /* a generous tolerance accepts it */
    cr_assert_eq(run("compare base.h5 worse.h5 --max-cost-increase 500", o, sizeof o), 0, "%s", o);

    /* unmatched: a candidate sweep with fewer replicates has no match for seed 3 */
    cr_assert_eq(run("sweep " FIX "tiny.json -o other.h5", o, sizeof o), 0, "%s", o);
    cr_assert_eq(run("compare base.h5 other.h5", o, sizeof o), 2, "%s", o);
    cr_assert(strstr(o, "no match for the baseline's run"), "%s", o);

    /* schema: a `sculpt run` file against a sweep file */
    cr_assert_eq(run("run " UNIT " -o run.h5", o, sizeof o), 0, "%s", o);
    cr_assert_eq(run("compare base.h5 run.h5", o, sizeof o), 2, "%s", o);
    cr_assert(strstr(o, "differs from the baseline's"), "%s", o);
    /* run files compare with each other */
    cr_assert_eq(run("compare run.h5 run.h5", o, sizeof o), 0, "%s", o);

    /* schema version: rewrite schema_version of a copy to 2 */
    char p[512];
    snprintf(p, sizeof p, "cp %s/run.h5 %s/run2.h5", dir, dir);
    cr_assert_eq(system(p), 0);
    snprintf(p, sizeof p, "%s/run2.h5", dir);
    hid_t f = H5Fopen(p, H5F_ACC_RDWR, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    hid_t a = H5Aopen(f, "schema_version", H5P_DEFAULT);
    int64_t v = 2;
    cr_assert_geq(H5Awrite(a, H5T_NATIVE_INT64, &v), 0);
    H5Aclose(a);
    H5Fclose(f);
    cr_assert_eq(run("compare run.h5 run2.h5", o, sizeof o), 2, "%s", o);
    cr_assert(strstr(o, "v2 differs from the baseline's"), "%s", o);

    /* a file that is not a results file */
    cr_assert_eq(run("compare run.h5 " UNIT, o, sizeof o), 2, "%s", o);
}
