/*
 * test_sweep.c - scenario sweeps: the 95 % confidence interval against a hand
 * calculation, JSON-path overrides, the documented run order and seeds, byte-identical
 * results at -j 1 and -j 2 (and under mpirun -np 2 when an MPI build exists), reading
 * the file back, and bad sweep files: exit 2 naming the file and JSON path, nothing
 * left behind.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cjson/cJSON.h>

#include "results.h"
#include "sculpt/fsutil.h"
#include "sculpt/rng.h"
#include "sweep.h"

#define TINY SC_SOURCE_DIR "/tests/fixtures/sweep/tiny.json"

static char dir[256];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-sweep-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

static int run(const char *args, char *err_out, size_t err_len)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "cd %s && %s %s > stdout.txt 2> stderr.txt", dir, SC_SCULPT_BIN,
             args);
    int rc = system(cmd);
    if (err_out) {
        char path[512];
        snprintf(path, sizeof path, "%s/stderr.txt", dir);
        char *txt = NULL;
        sc_error e;
        err_out[0] = '\0';
        if (sc_file_read_all(path, &txt, NULL, &e) == SC_OK) {
            snprintf(err_out, err_len, "%s", txt);
            free(txt);
        }
    }
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static void write_file(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

/* Files in dir other than the given inputs and the captured stdout/stderr. */
static int stray_files(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.' || strcmp(e->d_name, "stdout.txt") == 0 ||
            strcmp(e->d_name, "stderr.txt") == 0 || strstr(e->d_name, ".json"))
            continue;
        n++;
    }
    closedir(d);
    return n;
}

/* ---- statistics ------------------------------------------------------------------- */

Test(sweep_stats, mean_ci95_hand)
{
    /* x = 2, 4, 6, 8: mean 5; sample sd = sqrt((9 + 1 + 1 + 9) / 3) = 2.5819889;
     * t(0.975, 3) = 3.182446305 (Student t table); half = 3.182446305 * 2.5819889 / 2
     * = 4.1085205. */
    double x[] = {2, 4, 6, 8}, m, h;
    sc_stats_mean_ci95(x, 4, &m, &h);
    cr_assert_float_eq(m, 5.0, 1e-12);
    cr_assert_float_eq(h, 4.1085205135, 1e-8);
    /* one replicate: no interval */
    sc_stats_mean_ci95(x, 1, &m, &h);
    cr_assert_float_eq(m, 2.0, 1e-12);
    cr_assert(isnan(h));
    /* equal values: zero width */
    double y[] = {3, 3, 3};
    sc_stats_mean_ci95(y, 3, &m, &h);
    cr_assert_float_eq(m, 3.0, 1e-12);
    cr_assert_float_eq(h, 0.0, 1e-12);
}

Test(sweep_stats, summarise_rows)
{
    /* two settings x two replicates x two labels, entries out of setting order */
    sc_results_entry e[8];
    memset(e, 0, sizeof e);
    const char *labels[2] = {"static", "reactive"};
    double cost[8] = {10, 20, 12, 22, 1, 2, 3, 4};
    int setting[8] = {1, 1, 1, 1, 0, 0, 0, 0};
    for (int i = 0; i < 8; i++) {
        e[i].setting = setting[i];
        e[i].params = setting[i] ? "{\"a\":1}" : "{\"a\":0}";
        snprintf(e[i].sum.label, sizeof e[i].sum.label, "%s", labels[i % 2]);
        e[i].sum.cost_usd = cost[i];
    }
    sc_summary_row *rows = NULL;
    size_t n = 0;
    cr_assert_eq(sc_sweep_summarise(e, 8, &rows, &n, NULL), SC_OK);
    cr_assert_eq(n, 4);
    /* setting 0 first: static = {1, 3} -> mean 2; reactive {2, 4} -> 3 */
    cr_assert_eq(rows[0].setting, 0);
    cr_assert_str_eq(rows[0].label, "static");
    cr_assert_float_eq(rows[0].mean[SC_SM_COST], 2.0, 1e-12);
    /* {1, 3}: sd = sqrt(2), t(0.975, 1) = 12.70620474, half = 12.70620474 * sqrt(2)/sqrt(2) */
    cr_assert_float_eq(rows[0].ci95[SC_SM_COST], 12.7062047362, 1e-7);
    cr_assert_str_eq(rows[1].label, "reactive");
    cr_assert_float_eq(rows[1].mean[SC_SM_COST], 3.0, 1e-12);
    cr_assert_eq(rows[2].setting, 1);
    cr_assert_float_eq(rows[2].mean[SC_SM_COST], 11.0, 1e-12);
    cr_assert_float_eq(rows[3].mean[SC_SM_COST], 21.0, 1e-12);
    cr_assert_eq(rows[3].n, 2);
    free(rows);
}

/* ---- JSON paths --------------------------------------------------------------------- */

Test(sweep_path, set_create_and_errors)
{
    cJSON *doc = cJSON_Parse("{\"a\":[{\"b\":1},{\"c\":{}}],\"t\":{\"m4.large\":{\"p\":1}}}");
    cJSON *v = cJSON_CreateNumber(7);
    char msg[256];
    cr_assert_eq(sc_sweep_json_set(doc, "$.a[0].b", v, msg, sizeof msg), SC_OK);
    cr_assert_eq(sc_sweep_json_set(doc, "$.a[1].c.new.deeper", v, msg, sizeof msg), SC_OK);
    cr_assert_eq(sc_sweep_json_set(doc, "$.t[\"m4.large\"].p", v, msg, sizeof msg), SC_OK);
    char *txt = cJSON_PrintUnformatted(doc);
    cr_assert_str_eq(txt, "{\"a\":[{\"b\":7},{\"c\":{\"new\":{\"deeper\":7}}}],"
                          "\"t\":{\"m4.large\":{\"p\":7}}}");
    free(txt);
    cr_assert_eq(sc_sweep_json_set(doc, "$.a[2].b", v, msg, sizeof msg), SC_ERR_INPUT);
    cr_assert(strstr(msg, "index 2 is out of range: $.a has 2 elements"), "%s", msg);
    cr_assert_eq(sc_sweep_json_set(doc, "$.a.b", v, msg, sizeof msg), SC_ERR_INPUT);
    cr_assert(strstr(msg, "$.a is an array, not an object"), "%s", msg);
    cr_assert_eq(sc_sweep_json_set(doc, "a.b", v, msg, sizeof msg), SC_ERR_INPUT);
    cr_assert_eq(sc_sweep_json_set(doc, "$.a[x]", v, msg, sizeof msg), SC_ERR_INPUT);
    cJSON_Delete(v);
    cJSON_Delete(doc);
}

/* ---- order and seeds ---------------------------------------------------------------- */

Test(sweep_order, settings_last_axis_fastest_and_seeds)
{
    sc_sweep *sw = NULL;
    sc_error err;
    cr_assert_eq(sc_sweep_load(TINY, &sw, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sw->n_settings, 6);
    cr_assert_eq(sw->n_replicates, 2);
    cr_assert_eq(sw->n_runs, 12);
    /* axes: duration [3h, 1h, 2h] x target_util [0.5, 0.8], last fastest */
    cr_assert_str_eq(sw->settings[0], "{\"$.duration\":\"3h\",\"$.apps[0].target_util\":0.5}");
    cr_assert_str_eq(sw->settings[1], "{\"$.duration\":\"3h\",\"$.apps[0].target_util\":0.8}");
    cr_assert_str_eq(sw->settings[2], "{\"$.duration\":\"1h\",\"$.apps[0].target_util\":0.5}");
    cr_assert_str_eq(sw->settings[5], "{\"$.duration\":\"2h\",\"$.apps[0].target_util\":0.8}");
    /* unit.json has seed 7; replicate r's seed is keyed by (7, SC_RNG_SWEEP, r) */
    cr_assert_eq(sw->base_seed, 7);
    cr_assert_eq(sw->seeds[1], sc_rng_key(7, SC_RNG_SWEEP, 1, 0, 0));
    cr_assert_neq(sw->seeds[0], sw->seeds[1]);
    /* run 3 = setting 1, replicate 1: its scenario carries the overrides and the seed */
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_sweep_run_scenario(sw, 3, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc->duration_ms, 3 * 3600000);
    cr_assert_float_eq(sc->apps[0].target_util, 0.8, 1e-12);
    cr_assert_eq(sc->seed, sw->seeds[1]);
    sc_scenario_free(sc);
    sc_sweep_free(sw);
}

/* ---- end to end --------------------------------------------------------------------- */

TestSuite(sweep_cli, .init = mkdir_tmp, .fini = rm_tmp, .timeout = 300);

static int same_bytes(const char *a, const char *b)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cmp -s '%s/%s' '%s/%s'", dir, a, dir, b);
    return system(cmd) == 0;
}

Test(sweep_cli, byte_identical_across_threads_and_readable)
{
    char e[4096];
    cr_assert_eq(run("sweep " TINY " -j 1 -o j1.h5", e, sizeof e), 0, "%s", e);
    cr_assert_eq(run("sweep " TINY " -j 2 -o j2.h5 --json", e, sizeof e), 0, "%s", e);
    cr_assert(same_bytes("j1.h5", "j2.h5"), "-j 1 and -j 2 gave different bytes");
    cr_assert(same_bytes("j1.summary.csv", "j2.summary.csv"));
    /* --json: stdout parses and has one summary row per (setting, policy) */
    char p[512], *txt = NULL;
    sc_error err;
    snprintf(p, sizeof p, "%s/stdout.txt", dir);
    cr_assert_eq(sc_file_read_all(p, &txt, NULL, &err), SC_OK);
    cJSON *j = cJSON_Parse(txt);
    free(txt);
    cr_assert_not_null(j);
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(j, "summary")), 12);
    cJSON_Delete(j);
    /* read back: 12 runs x 2 policies, settings and replicates as documented */
    sc_results_file *f = NULL;
    snprintf(p, sizeof p, "%s/j1.h5", dir);
    cr_assert_eq(sc_results_read(p, &f, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert(f->is_sweep);
    cr_assert_str_eq(f->schema, "sculpt-sweep");
    cr_assert_eq(f->n_entries, 24);
    cr_assert_str_eq(f->entries[7].group, "/runs/000003");
    cr_assert_eq(f->entries[7].setting, 1);
    cr_assert_eq(f->entries[7].replicate, 1);
    /* 3 h measured + 1 h warm-up at 5 min = 48 steps */
    cr_assert_eq(f->entries[7].n_steps, 48);
    double *v = NULL;
    size_t n = 0;
    cr_assert_eq(sc_results_read_series(p, f->entries[7].group, "reactive", "a", "r1", "demand",
                                        &v, &n, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(n, 48);
    free(v);
    sc_results_file_free(f);
}

Test(sweep_cli, bad_sweep_files_exit_2_nothing_left)
{
    char e[4096];
    write_file("malformed.json", "{\"base\": \"x.json\",\n \"axes\": [ }");
    cr_assert_eq(run("sweep malformed.json -o out.h5", e, sizeof e), 2, "%s", e);
    cr_assert(strstr(e, "malformed.json:2:"), "%s", e);

    write_file("badpath.json", "{\"base\": \"" SC_SOURCE_DIR "/tests/fixtures/sim/unit.json\","
                               " \"axes\": [{\"path\": \"$.apps[3].target_util\", \"values\": [0.5]}]}");
    cr_assert_eq(run("sweep badpath.json -o out.h5", e, sizeof e), 2, "%s", e);
    cr_assert(strstr(e, "badpath.json: $.axes[0].path"), "%s", e);
    cr_assert(strstr(e, "index 3 is out of range"), "%s", e);

    write_file("unknown.json", "{\"base\": \"" SC_SOURCE_DIR "/tests/fixtures/sim/unit.json\","
                               " \"axes\": [{\"path\": \"$.durration\", \"values\": [\"1h\"]}]}");
    cr_assert_eq(run("sweep unknown.json -o out.h5", e, sizeof e), 2, "%s", e);
    cr_assert(strstr(e, "unknown.json: run 0"), "%s", e);
    cr_assert(strstr(e, "durration"), "%s", e);

    write_file("empty.json", "{\"base\": \"" SC_SOURCE_DIR "/tests/fixtures/sim/unit.json\","
                             " \"axes\": [{\"path\": \"$.duration\", \"values\": []}]}");
    cr_assert_eq(run("sweep empty.json -o out.h5", e, sizeof e), 2, "%s", e);
    cr_assert(strstr(e, "empty.json: $.axes[0].values"), "%s", e);

    /* a value of the wrong type: the scenario's own error, prefixed with the run */
    write_file("type.json", "{\"base\": \"" SC_SOURCE_DIR "/tests/fixtures/sim/unit.json\","
                            " \"axes\": [{\"path\": \"$.apps[0].target_util\", \"values\": [0.5, \"high\"]}]}");
    cr_assert_eq(run("sweep type.json -o out.h5", e, sizeof e), 2, "%s", e);
    cr_assert(strstr(e, "type.json: run 1 (setting 1 {\"$.apps[0].target_util\":\"high\"}"), "%s", e);
    cr_assert(strstr(e, "$.apps[0].target_util"), "%s", e);

    cr_assert_eq(stray_files(), 0, "a failed sweep left files behind");
}

Test(sweep_cli, mpi_ranks_give_the_same_bytes)
{
    const char *mpibin = SC_SOURCE_DIR "/build-mpi/sculpt";
    if (access(mpibin, X_OK) != 0 || system("command -v mpirun > /dev/null 2>&1") != 0)
        cr_skip_test("no MPI build at %s or no mpirun; .ci/run checks it", mpibin);
    char e[4096], args[2048];
    cr_assert_eq(run("sweep " TINY " -j 1 -o one.h5", e, sizeof e), 0, "%s", e);
    snprintf(args, sizeof args, "--version > /dev/null; mpirun --allow-run-as-root --oversubscribe "
                                "-np 2 %s sweep " TINY " -j 1 -o two.h5",
             mpibin);
    cr_assert_eq(run(args, e, sizeof e), 0, "%s", e);
    cr_assert(same_bytes("one.h5", "two.h5"), "mpirun -np 2 gave different bytes");
}
