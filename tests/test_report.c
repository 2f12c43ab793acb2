/*
 * test_report.c - `sculpt report` and `sculpt run --report` end to end.
 *
 * Expected values come from outside the report code: summary figures and series read
 * back with the HDF5 C API from the results file, forecast datasets and a sweep file
 * written by h5py with values chosen by hand (the MAE, interval coverage and Pareto
 * fronts below are worked out in comments), and the PNG signature from the PNG spec.
 * Where /usr/bin/chromium exists the page is rendered headless and its DOM checked.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <hdf5.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sculpt/fsutil.h"

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define PY "/usr/bin/python3"

static char dir[256];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-report-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(report, .init = mkdir_tmp, .fini = rm_tmp);

/* Run a shell command line (stdout/stderr to files in dir); return the exit code. */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char cmd[8192], full[8400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    snprintf(full, sizeof full, "%s > %s/stdout.txt 2> %s/stderr.txt", cmd, dir, dir);
    int rc = system(full);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *slurp(const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    char *txt = NULL;
    size_t n = 0;
    sc_error e;
    if (sc_file_read_all(path, &txt, &n, &e) != SC_OK)
        return NULL;
    return txt;
}

static int exists(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int exists(const char *fmt, ...)
{
    char path[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(path, sizeof path, fmt, ap);
    va_end(ap);
    struct stat sb;
    return lstat(path, &sb) == 0;
}

/* Entries of dir whose name contains `part` (leftover temporaries). */
static int count_entries(const char *part)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d)) != NULL)
        n += strstr(e->d_name, part) != NULL;
    closedir(d);
    return n;
}

static double h5_attr(const char *file, const char *obj, const char *name)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    double v = NAN;
    hid_t a = H5Aopen_by_name(f, obj, name, H5P_DEFAULT, H5P_DEFAULT);
    cr_assert_geq(a, 0, "%s: no attribute %s", obj, name);
    cr_assert_geq(H5Aread(a, H5T_NATIVE_DOUBLE, &v), 0);
    H5Aclose(a);
    H5Fclose(f);
    return v;
}

/* Sum of a series over the measured steps (from warmup_steps on). */
static double h5_series_sum(const char *file, const char *path)
{
    hid_t f = H5Fopen(file, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert_geq(f, 0);
    long long warm = 0, n = 0;
    hid_t a = H5Aopen(f, "warmup_steps", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_LLONG, &warm);
    H5Aclose(a);
    a = H5Aopen(f, "n_steps", H5P_DEFAULT);
    H5Aread(a, H5T_NATIVE_LLONG, &n);
    H5Aclose(a);
    double *buf = calloc((size_t)n, sizeof *buf);
    hid_t d = H5Dopen2(f, path, H5P_DEFAULT);
    cr_assert_geq(d, 0, "no dataset %s", path);
    cr_assert_geq(H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf), 0);
    H5Dclose(d);
    H5Fclose(f);
    double s = 0;
    for (long long i = warm; i < n; i++)
        s += buf[i];
    free(buf);
    return s;
}

/* The PNG signature (PNG spec, section 5.2) and a size no blank 960x400 image has. */
static void assert_png(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/rep/plots/%s.png", dir, name);
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "missing %s", path);
    unsigned char sig[8];
    cr_assert_eq(fread(sig, 1, 8, f), 8);
    fseek(f, 0, SEEK_END);
    long size = ftell(f);
    fclose(f);
    static const unsigned char png_sig[8] = {0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};
    cr_assert_eq(memcmp(sig, png_sig, 8), 0, "%s is not a PNG", path);
    /* a blank 960x400 white PNG compresses to well under 4 kB */
    cr_assert_gt(size, 8000, "%s is suspiciously small (%ld bytes): blank?", path, size);
}

/* The SVG draws data: path elements with at least min_points coordinates in total. */
static void assert_svg(const char *name, int min_points)
{
    char *svg = slurp("%s/rep/plots/%s.svg", dir, name);
    cr_assert_not_null(svg, "missing %s.svg", name);
    cr_assert_not_null(strstr(svg, "<svg"));
    int points = 0;
    for (const char *p = svg; (p = strstr(p, "<path")) != NULL; p++) {
        const char *d = strstr(p, " d='");
        if (!d)
            d = strstr(p, " d=\"");
        const char *end = strchr(p, '>');
        if (!d || !end || d > end)
            continue;
        for (const char *q = d + 4; q < end; q++)
            points += (*q == 'L' || *q == 'M');
    }
    cr_assert_geq(points, min_points, "%s.svg has only %d path points", name, points);
    free(svg);
}

static void run_unit(void)
{
    cr_assert_eq(sh("%s run %s -o %s/r.h5", SC_SCULPT_BIN, UNIT, dir), 0);
}

/* CSV row of `label`: its fields split in place into f[]; returns the field count. */
static int csv_row(char *csv, const char *label, char **f, int max)
{
    char *save = NULL;
    for (char *line = strtok_r(csv, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        size_t n = strlen(label);
        if (strncmp(line, label, n) != 0 || line[n] != ',')
            continue;
        int k = 0;
        char *s2 = NULL;
        for (char *t = strtok_r(line, ",", &s2); t && k < max; t = strtok_r(NULL, ",", &s2))
            f[k++] = t;
        return k;
    }
    return 0;
}

Test(report, run_results_tables_and_plots)
{
    run_unit();
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 0);
    char res[512];
    snprintf(res, sizeof res, "%s/r.h5", dir);
    char *html = slurp("%s/rep/index.html", dir);
    char *md = slurp("%s/rep/summary.md", dir);
    char *csv = slurp("%s/rep/summary.csv", dir);
    cr_assert(html && md && csv);
    cr_assert(exists("%s/rep/.sculpt-report", dir));
    const char *labels[] = {"static", "reactive"};
    for (int i = 0; i < 2; i++) {
        char grp[64], want[64];
        snprintf(grp, sizeof grp, "/runs/%s", labels[i]);
        cr_assert_not_null(strstr(html, labels[i]));
        cr_assert_not_null(strstr(md, labels[i]));
        /* CSV: full precision, equal to the attributes read back with HDF5 */
        char *copy = strdup(csv), *f[32];
        int nf = csv_row(copy, labels[i], f, 32);
        cr_assert_eq(nf, 15, "summary.csv row of %s has %d fields", labels[i], nf);
        cr_assert_eq(strtod(f[2], NULL), h5_attr(res, grp, "cost_usd"));
        cr_assert_eq(strtod(f[8], NULL), h5_attr(res, grp, "penalised_cost_usd"));
        cr_assert_eq(strtod(f[9], NULL), h5_attr(res, grp, "slo_attainment"));
        cr_assert_eq(strtod(f[10], NULL), h5_attr(res, grp, "violation_minutes"));
        cr_assert_eq(strtod(f[11], NULL), h5_attr(res, grp, "unserved_fraction"));
        cr_assert_eq(strtod(f[12], NULL), h5_attr(res, grp, "idle_capacity_hours"));
        cr_assert_eq(strtod(f[14], NULL), h5_attr(res, grp, "actions"));
        free(copy);
        /* HTML and Markdown: the figures at the precision the tables document */
        snprintf(want, sizeof want, "<td>%.2f</td>", h5_attr(res, grp, "cost_usd"));
        cr_assert_not_null(strstr(html, want), "index.html lacks %s", want);
        snprintf(want, sizeof want, "<td>%.3f</td>", 100 * h5_attr(res, grp, "slo_attainment"));
        cr_assert_not_null(strstr(html, want), "index.html lacks %s", want);
        snprintf(want, sizeof want, "| %.2f |", h5_attr(res, grp, "penalised_cost_usd"));
        cr_assert_not_null(strstr(md, want), "summary.md lacks %s", want);
        snprintf(want, sizeof want, "| %.1f |", h5_attr(res, grp, "idle_capacity_hours"));
        cr_assert_not_null(strstr(md, want), "summary.md lacks %s", want);
    }
    /* policies in the scenario's order (static, then reactive), as `sculpt run` prints */
    cr_assert_lt(strstr(md, "| static") - md, strstr(md, "| reactive") - md);
    /* provenance */
    cr_assert_not_null(strstr(html, "id=\"summary\""));
    cr_assert_not_null(strstr(html, "<td>7</td>"), "seed 7 of the fixture");
    cr_assert_not_null(strstr(html, "unit"));
    /* no external resources */
    cr_assert_null(strstr(html, "http://"));
    cr_assert_null(strstr(html, "https://"));
    /* plots: the fixture has app a in regions r1 and r2 */
    const char *plots[] = {"cost_by_option", "cost_cumulative", "demand_0_0_a_r1",
                           "demand_0_1_a_r2"};
    for (int i = 0; i < 4; i++) {
        assert_png(plots[i]);
        char img[128];
        snprintf(img, sizeof img, "src=\"plots/%s.png\"", plots[i]);
        cr_assert_not_null(strstr(html, img), "index.html does not show %s", plots[i]);
    }
    /* 24 measured steps: each time series line has 24 points */
    assert_svg("demand_0_0_a_r1", 40);
    assert_svg("cost_cumulative", 40);
    cr_assert_not_null(strstr(html, "hold no forecasts"));
    /* the cumulative cost curve ends at the sum of the per-step cost series */
    char *dat = slurp("%s/rep/gnuplot/cost_cumulative.dat", dir);
    cr_assert_not_null(dat);
    char *last = dat + strlen(dat) - 1;
    while (last > dat && last[-1] != '\n')
        last--;
    double t, c_static, c_reactive;
    /* columns: time, then 4 per run (total, on-demand, reserved, spot) */
    cr_assert_eq(sscanf(last, "%lf %lf %*s %*s %*s %lf", &t, &c_static, &c_reactive), 3);
    double s1 = h5_series_sum(res, "/runs/static/series/a/r1/cost") +
                h5_series_sum(res, "/runs/static/series/a/r2/cost");
    double s2 = h5_series_sum(res, "/runs/reactive/series/a/r1/cost") +
                h5_series_sum(res, "/runs/reactive/series/a/r2/cost");
    cr_assert_float_eq(c_static, s1, 1e-6 * (1 + s1));
    cr_assert_float_eq(c_reactive, s2, 1e-6 * (1 + s2));
    free(dat);
    free(html);
    free(md);
    free(csv);
    cr_assert_eq(count_entries(".tmp."), 0, "temporary directory left behind");
}

Test(report, same_results_same_bytes)
{
    run_unit();
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 0);
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep2", SC_SCULPT_BIN, dir, dir), 0);
    cr_assert_eq(sh("diff -r -x plots %s/rep %s/rep2", dir, dir), 0,
                 "two reports of the same results differ outside plots/");
}

Test(report, forecast_plots_when_present)
{
    run_unit();
    /* Add forecasts for reactive, a in r1 with h5py: mean = demand + 4 (so MAE = 4);
     * interval [demand - 10, demand + 10] on even steps (covers the actual), and
     * [demand + 1, demand + 10] on odd steps (misses it).  The measured period is steps
     * 12..35 (1 h warm-up of 5-min steps, 2 h measured): 24 steps, 12 even, so the
     * coverage is 12/24 = 50.0 %. */
    char script[512];
    snprintf(script, sizeof script, "%s/aug.py", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fputs("import sys, h5py, numpy as np\n"
          "f = h5py.File(sys.argv[1], 'r+')\n"
          "g = f['runs/reactive/series/a/r1']\n"
          "d = g['demand'][:]\n"
          "k = np.arange(d.size)\n"
          "g['forecast_mean'] = d + 4.0\n"
          "g['forecast_lo'] = np.where(k % 2 == 0, d - 10.0, d + 1.0)\n"
          "g['forecast_hi'] = d + 10.0\n"
          "f.close()\n",
          f);
    fclose(f);
    cr_assert_eq(sh(PY " %s %s/r.h5", script, dir), 0, "h5py augmentation failed");
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 0);
    const char *name = "forecast_1_0_0_reactive_a_r1";
    assert_png(name);
    assert_svg(name, 40);
    char *html = slurp("%s/rep/index.html", dir);
    cr_assert_not_null(html);
    cr_assert_not_null(strstr(html, "MAE 4, interval coverage 50.0 % of 24 steps"),
                       "forecast caption with MAE 4 and coverage 50 %% expected");
    cr_assert_null(strstr(html, "hold no forecasts"));
    free(html);
}

Test(report, missing_or_invalid_results_exit_2_leave_nothing)
{
    /* missing: I/O, exit 3 (README's exit-status table); invalid: bad input, exit 2 */
    cr_assert_eq(sh("%s report %s/nope.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 3);
    char *err = slurp("%s/stderr.txt", dir);
    cr_assert_not_null(strstr(err, "nope.h5"), "error should name the file: %s", err);
    free(err);
    cr_assert(!exists("%s/rep", dir));
    /* a file that is not HDF5 */
    cr_assert_eq(sh("cp %s %s/scenario.h5", UNIT, dir), 0);
    cr_assert_eq(sh("%s report %s/scenario.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 2);
    err = slurp("%s/stderr.txt", dir);
    cr_assert_not_null(strstr(err, "scenario.h5"));
    cr_assert_not_null(strstr(err, "not an HDF5 file"));
    free(err);
    /* an HDF5 file of another kind */
    cr_assert_eq(sh(PY " -c \"import h5py; h5py.File('%s/other.h5', 'w').attrs['schema'] = "
                    "'something-else'\"", dir), 0);
    cr_assert_eq(sh("%s report %s/other.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 2);
    err = slurp("%s/stderr.txt", dir);
    cr_assert_not_null(strstr(err, "other.h5"));
    cr_assert_not_null(strstr(err, "schema"));
    free(err);
    cr_assert(!exists("%s/rep", dir));
    cr_assert_eq(count_entries(".tmp."), 0);
    /* usage */
    cr_assert_eq(sh("%s report %s/nope.h5", SC_SCULPT_BIN, dir), 2);
    cr_assert_eq(sh("%s report %s/nope.h5 -o %s/rep --format bmp", SC_SCULPT_BIN, dir, dir), 2);
    cr_assert_eq(sh("%s report --help", SC_SCULPT_BIN), 0);
}

Test(report, existing_dir_needs_force_and_a_report)
{
    run_unit();
    cr_assert_eq(sh("mkdir %s/rep", dir), 0);
    cr_assert_eq(sh("touch %s/rep/precious", dir), 0);
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep --format none", SC_SCULPT_BIN, dir, dir), 2);
    /* --force does not replace a directory that is not a report */
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep --force --format none", SC_SCULPT_BIN, dir,
                    dir), 2);
    cr_assert(exists("%s/rep/precious", dir));
    cr_assert_eq(sh("rm -rf %s/rep", dir), 0);
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep --format none", SC_SCULPT_BIN, dir, dir), 0);
    cr_assert(!exists("%s/rep/plots", dir), "--format none draws nothing");
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep --format svg", SC_SCULPT_BIN, dir, dir), 2);
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep --force --format svg", SC_SCULPT_BIN, dir,
                    dir), 0);
    assert_svg("demand_0_0_a_r1", 40);
    cr_assert(!exists("%s/rep/plots/demand_0_0_a_r1.png", dir));
    cr_assert_eq(count_entries(".old."), 0);
    cr_assert_eq(count_entries(".tmp."), 0);
}

Test(report, gnuplot_missing_exit_1)
{
    run_unit();
    cr_assert_eq(sh("SCULPT_GNUPLOT=%s/no-gnuplot %s report %s/r.h5 -o %s/rep", dir,
                    SC_SCULPT_BIN, dir, dir), 1);
    char *err = slurp("%s/stderr.txt", dir);
    cr_assert_not_null(strstr(err, "gnuplot"), "%s", err);
    free(err);
    cr_assert(!exists("%s/rep", dir));
    /* not on PATH either */
    cr_assert_eq(sh("PATH=%s %s report %s/r.h5 -o %s/rep", dir, SC_SCULPT_BIN, dir, dir), 1);
    cr_assert(!exists("%s/rep", dir));
    cr_assert_eq(count_entries(".tmp."), 0);
}

Test(report, run_with_report_in_one_step)
{
    cr_assert_eq(sh("%s run %s --report %s/rep", SC_SCULPT_BIN, UNIT, dir), 0);
    cr_assert(exists("%s/rep/index.html", dir));
    cr_assert(exists("%s/rep/summary.csv", dir));
    assert_png("demand_0_1_a_r2");
    /* the temporary results file is gone */
    cr_assert_eq(count_entries(".results."), 0);
    cr_assert_eq(count_entries(".h5"), 0);
    /* with -o the results stay; an existing report dir is refused before running */
    cr_assert_eq(sh("%s run %s -o %s/r.h5 --report %s/rep", SC_SCULPT_BIN, UNIT, dir, dir), 2);
    cr_assert(!exists("%s/r.h5", dir), "refused before running");
    cr_assert_eq(sh("%s run %s -o %s/r.h5 --report %s/rep3", SC_SCULPT_BIN, UNIT, dir, dir), 0);
    cr_assert(exists("%s/r.h5", dir));
    cr_assert(exists("%s/rep3/index.html", dir));
}

/* A sweep file in the documented layout (sim/results.h), written by h5py:
 *   setting 0: A cost 100 slo 0.99, B cost 80 slo 0.95
 *   setting 1: A cost 120 slo 0.98, B cost 90 slo 0.999
 * Fronts (lower cost, higher SLO): all rows -> B0 (cheapest) and B1 (90 < 100 and 120,
 * best SLO); A0 and A1 are dominated by B1.  Policy A alone -> A0 (dominates A1).
 * Policy B alone -> B0 and B1 (neither dominates the other). */
static void write_sweep(void)
{
    char script[512];
    snprintf(script, sizeof script, "%s/sweep.py", dir);
    FILE *f = fopen(script, "w");
    cr_assert_not_null(f);
    fputs("import sys, h5py, numpy as np\n"
          "f = h5py.File(sys.argv[1], 'w')\n"
          "a = f.attrs\n"
          "a['schema'] = np.bytes_('sculpt-sweep'); a['schema_version'] = np.int64(1)\n"
          "a['sculpt_version'] = np.bytes_('0.1.0'); a['git_commit'] = np.bytes_('abc')\n"
          "a['sweep_name'] = np.bytes_('toy'); a['sweep_hash'] = np.bytes_('00112233aabbccdd')\n"
          "a['base_seed'] = np.uint64(42); a['n_axes'] = np.int64(1)\n"
          "a['n_settings'] = np.int64(2); a['n_replicates'] = np.int64(3)\n"
          "a['n_runs'] = np.int64(6)\n"
          "f['axes'] = np.array([b'$.policies[0].params.q'])\n"
          "f['settings'] = np.array([b'{\"$.policies[0].params.q\":0.5}', "
          "b'{\"$.policies[0].params.q\":0.9}'])\n"
          "r = f.create_group('runs/000000')\n"
          "r.attrs['scenario_name'] = np.bytes_('toyscen')\n"
          "r.attrs['scenario_hash'] = np.bytes_('feedfacefeedface')\n"
          "s = f.create_group('summary')\n"
          "s['setting'] = np.array([0, 0, 1, 1], dtype=np.int64)\n"
          "s['policy'] = np.array([b'A', b'B', b'A', b'B'])\n"
          "s['parameters'] = np.array([f['settings'][0]] * 2 + [f['settings'][1]] * 2)\n"
          "s['n'] = np.array([3, 3, 3, 3], dtype=np.int64)\n"
          "m = {'cost_usd': [100, 80, 120, 90], 'penalised_cost_usd': [101, 85, 121, 90.5],\n"
          "     'slo_attainment': [0.99, 0.95, 0.98, 0.999],\n"
          "     'violation_minutes': [10, 50, 20, 1], 'unserved_fraction': [0.001, 0.01, "
          "0.002, 0.0001]}\n"
          "for k, v in m.items():\n"
          "    s[k + '_mean'] = np.array(v, dtype=np.float64)\n"
          "    s[k + '_ci95'] = np.array(v, dtype=np.float64) * 0.05\n"
          "f.close()\n",
          f);
    fclose(f);
    cr_assert_eq(sh(PY " %s %s/sweep.h5", script, dir), 0, "h5py sweep fixture failed");
}

Test(report, sweep_tables_fronts_and_plots)
{
    write_sweep();
    cr_assert_eq(sh("%s report %s/sweep.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 0);
    char *csv = slurp("%s/rep/summary.csv", dir);
    char *md = slurp("%s/rep/summary.md", dir);
    char *html = slurp("%s/rep/index.html", dir);
    cr_assert(csv && md && html);
    /* rows in file order; last two columns: on the policy's front, on the overall front */
    const char *want[4][3] = {{"A", "100", "1,0"}, {"B", "80", "1,1"}, {"A", "120", "0,0"},
                              {"B", "90", "1,1"}};
    char *line = strchr(csv, '\n') + 1;
    for (int i = 0; i < 4; i++) {
        char *end = strchr(line, '\n');
        cr_assert_not_null(end);
        *end = '\0';
        char prefix[32];
        snprintf(prefix, sizeof prefix, "%d,", i / 2);
        cr_assert_eq(strncmp(line, prefix, strlen(prefix)), 0, "row %d: %s", i, line);
        char pol[16];
        snprintf(pol, sizeof pol, ",%s,3,%s,", want[i][0], want[i][1]);
        cr_assert_not_null(strstr(line, pol), "row %d: %s lacks %s", i, line, pol);
        size_t n = strlen(line);
        cr_assert_str_eq(line + n - 3, want[i][2], "row %d fronts: %s", i, line);
        line = end + 1;
    }
    /* mean ± CI: cost 100 ± 5 (5 % of 100); SLO 99.000 ± 4.950 */
    cr_assert_not_null(strstr(md, "100.00 ± 5.00"));
    cr_assert_not_null(strstr(md, "99.000 ± 4.950"));
    cr_assert_not_null(strstr(html, "100.00 ± 5.00"));
    cr_assert_not_null(strstr(html, "toyscen"));
    cr_assert_not_null(strstr(html, "0.5"));
    const char *plots[] = {"sweep_pareto", "sweep_cost", "sweep_slo"};
    for (int i = 0; i < 3; i++)
        assert_png(plots[i]);
    assert_svg("sweep_pareto", 8);
    free(csv);
    free(md);
    free(html);
}

Test(report, chromium_renders_the_page)
{
    if (access("/usr/bin/chromium", X_OK) != 0) {
        cr_skip_test("/usr/bin/chromium not installed");
        return;
    }
    run_unit();
    cr_assert_eq(sh("%s report %s/r.h5 -o %s/rep", SC_SCULPT_BIN, dir, dir), 0);
    cr_assert_eq(sh("timeout 120 /usr/bin/chromium --headless --no-sandbox --disable-gpu "
                    "--disable-quic --no-first-run --disable-background-networking "
                    "--disable-component-update --disable-sync --user-data-dir=%s/chrome "
                    "--dump-dom file://%s/rep/index.html",
                    dir, dir),
                 0);
    char *dom = slurp("%s/stdout.txt", dir);
    cr_assert_not_null(dom);
    cr_assert_not_null(strstr(dom, "id=\"summary\""), "the rendered DOM lacks the table");
    cr_assert_not_null(strstr(dom, "reactive"));
    free(dom);
}
