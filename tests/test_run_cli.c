/*
 * test_run_cli.c - `sculpt run` end to end: the documented JSON keys, identical result
 * bytes on a second run and at another thread count, and bad input: each case exits
 * with status 2, names the file and the line or JSON path, and leaves nothing behind.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sculpt/fsutil.h"

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define FLAT SC_SOURCE_DIR "/tests/fixtures/sim/flat.csv"

static char dir[256];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-run-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(run_cli, .init = mkdir_tmp, .fini = rm_tmp);

static int run(const char *args, char *err_out, size_t err_len)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s %s > %s/stdout.txt 2> %s/stderr.txt", SC_SCULPT_BIN, args,
             dir, dir);
    int rc = system(cmd);
    if (err_out) {
        char path[512];
        snprintf(path, sizeof path, "%s/stderr.txt", dir);
        char *txt = NULL;
        size_t n = 0;
        sc_error e;
        if (sc_file_read_all(path, &txt, &n, &e) == SC_OK) {
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

/* Copy the unit scenario into dir, replacing `from` by `to` once (if from != NULL). */
static void scenario_with(const char *name, const char *from, const char *to)
{
    char *txt = NULL;
    size_t n;
    sc_error e;
    cr_assert_eq(sc_file_read_all(UNIT, &txt, &n, &e), SC_OK);
    char *out = malloc(n + (to ? strlen(to) : 0) + 1);
    char *hit = from ? strstr(txt, from) : NULL;
    if (from)
        cr_assert_not_null(hit, "fixture lacks '%s'", from);
    if (hit) {
        size_t pre = (size_t)(hit - txt);
        memcpy(out, txt, pre);
        strcpy(out + pre, to);
        strcat(out, hit + strlen(from));
    } else {
        strcpy(out, txt);
    }
    write_file(name, out);
    free(out);
    free(txt);
}

static void copy_flat(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "cp '%s' '%s/flat.csv'", FLAT, dir);
    cr_assert_eq(system(cmd), 0);
}

/* Nothing but the files the test wrote itself may be in dir. */
static void assert_nothing_left(const char *const *allowed)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    struct dirent *de;
    while ((de = readdir(d))) {
        if (de->d_name[0] == '.')
            continue;
        int ok = 0;
        for (const char *const *a = allowed; *a; a++)
            ok |= strcmp(*a, de->d_name) == 0;
        cr_assert(ok, "left behind: %s", de->d_name);
    }
    closedir(d);
}

static void expect_bad(const char *scenario, const char *must_name, const char *must_say)
{
    char args[1024], msg[4096] = "";
    snprintf(args, sizeof args, "run %s/%s -o %s/out.h5", dir, scenario, dir);
    int rc = run(args, msg, sizeof msg);
    cr_assert_eq(rc, 2, "exit %d, stderr: %s", rc, msg);
    cr_assert_not_null(strstr(msg, must_name), "message does not name '%s': %s", must_name, msg);
    if (must_say)
        cr_assert_not_null(strstr(msg, must_say), "message lacks '%s': %s", must_say, msg);
    char out[512];
    snprintf(out, sizeof out, "%s/out.h5", dir);
    struct stat st;
    cr_assert_neq(stat(out, &st), 0, "output written despite the error");
}

Test(run_cli, json_keys_and_identical_bytes)
{
    copy_flat();
    scenario_with("s.json", NULL, NULL);
    char args[1024];
    snprintf(args, sizeof args, "run %s/s.json -o %s/a.h5 --json -j 1", dir, dir);
    cr_assert_eq(run(args, NULL, 0), 0);
    char path[512];
    snprintf(path, sizeof path, "%s/stdout.txt", dir);
    char *txt;
    size_t n;
    sc_error e;
    cr_assert_eq(sc_file_read_all(path, &txt, &n, &e), SC_OK);
    cJSON *arr = cJSON_Parse(txt);
    free(txt);
    cr_assert(cJSON_IsArray(arr));
    cr_assert_eq(cJSON_GetArraySize(arr), 2);
    static const char *const keys[] = {"policy", "cost_usd", "penalised_cost_usd",
                                       "slo_attainment", "violation_minutes",
                                       "unserved_fraction", "idle_capacity_hours", "actions"};
    const cJSON *o;
    int i = 0;
    cJSON_ArrayForEach(o, arr)
    {
        for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
            cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(o, keys[k]), "missing %s",
                               keys[k]);
        cr_assert_str_eq(cJSON_GetObjectItemCaseSensitive(o, "policy")->valuestring,
                         i == 0 ? "static" : "reactive");
        i++;
    }
    /* flat 400 req/s per geography, 0.01 vCPU per req/s, 2 vCPU per instance: 2
     * instance-equivalents; static sizes for 2 / 0.5 = 4 instances per region: over the
     * 2 measured hours, 2 regions x 4 x $0.36 x 2 h = $5.76 (r1's quota of 10 vCPU fits
     * 5 instances, so 4 fit) */
    const cJSON *st0 = cJSON_GetArrayItem(arr, 0);
    cr_assert_float_eq(cJSON_GetObjectItemCaseSensitive(st0, "cost_usd")->valuedouble, 5.76,
                       1e-6);
    cr_assert_float_eq(cJSON_GetObjectItemCaseSensitive(st0, "slo_attainment")->valuedouble,
                       1.0, 1e-12);
    cJSON_Delete(arr);
    snprintf(args, sizeof args, "run %s/s.json -o %s/b.h5 -j 2", dir, dir);
    cr_assert_eq(run(args, NULL, 0), 0);
    char a[512], b[512], cmd[1200];
    snprintf(a, sizeof a, "%s/a.h5", dir);
    snprintf(b, sizeof b, "%s/b.h5", dir);
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", a, b);
    cr_assert_eq(system(cmd), 0, "results differ between runs / thread counts");
}

Test(run_cli, unknown_policy)
{
    copy_flat();
    scenario_with("s.json", "{\"name\": \"reactive\"}", "{\"name\": \"reactiv\"}");
    expect_bad("s.json", "$.policies[1].name", "valid: static, reactive");
    static const char *const allowed[] = {"s.json", "flat.csv", "stdout.txt", "stderr.txt", NULL};
    assert_nothing_left(allowed);
}

Test(run_cli, bad_policy_parameter)
{
    copy_flat();
    scenario_with("s.json", "{\"name\": \"reactive\"}",
                  "{\"name\": \"reactive\", \"params\": {\"sync\": \"soon\"}}");
    expect_bad("s.json", "policies[1]", "sync");
}

Test(run_cli, empty_trace)
{
    write_file("flat.csv", "timestamp,value\n");
    scenario_with("s.json", NULL, NULL);
    expect_bad("s.json", "flat.csv", NULL);
}

Test(run_cli, all_nan_trace)
{
    write_file("flat.csv", "timestamp,value\n2026-01-05 00:00:00,nan\n2026-01-05 00:01:00,NaN\n");
    scenario_with("s.json", NULL, NULL);
    expect_bad("s.json", "flat.csv", NULL);
}

Test(run_cli, timestamps_out_of_order)
{
    write_file("flat.csv", "timestamp,value\n2026-01-05 00:00:00,1\n2026-01-05 00:02:00,1\n"
                           "2026-01-05 00:01:00,1\n");
    scenario_with("s.json", NULL, NULL);
    expect_bad("s.json", "flat.csv:4", NULL);
}

Test(run_cli, timestamps_duplicated)
{
    write_file("flat.csv", "timestamp,value\n2026-01-05 00:00:00,1\n2026-01-05 00:00:00,2\n");
    scenario_with("s.json", NULL, NULL);
    expect_bad("s.json", "flat.csv:3", NULL);
}

Test(run_cli, trace_too_short)
{
    write_file("flat.csv", "timestamp,value\n2026-01-05 00:00:00,1\n2026-01-05 00:05:00,2\n");
    scenario_with("s.json", NULL, NULL);
    expect_bad("s.json", "trace 'tg'", "shift");
}

Test(run_cli, unknown_region)
{
    copy_flat();
    scenario_with("s.json", "\"home_region\": \"r2\"", "\"home_region\": \"r9\"");
    expect_bad("s.json", "$.geos[1].home_region", NULL);
}

Test(run_cli, truncated_store)
{
    /* a results file cut in half is not a readable store */
    copy_flat();
    scenario_with("s.json", NULL, NULL);
    char args[1024];
    snprintf(args, sizeof args, "run %s/s.json -o %s/full.h5", dir, dir);
    cr_assert_eq(run(args, NULL, 0), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "head -c 2000 '%s/full.h5' > '%s/cut.h5' && rm '%s/full.h5'", dir,
             dir, dir);
    cr_assert_eq(system(cmd), 0);
    scenario_with("s2.json", "{\"name\": \"th\", \"csv\": \"flat.csv\"}",
                  "{\"name\": \"th\", \"store\": \"cut.h5\", \"series\": \"a/h/load\"}");
    expect_bad("s2.json", "cut.h5", NULL);
}

Test(run_cli, unwritable_output_leaves_nothing)
{
    copy_flat();
    scenario_with("s.json", NULL, NULL);
    char args[1024], msg[4096] = "";
    snprintf(args, sizeof args, "run %s/s.json -o %s/no/such/dir/out.h5", dir, dir);
    int rc = run(args, msg, sizeof msg);
    cr_assert_eq(rc, 3, "exit %d: %s", rc, msg);
    cr_assert_not_null(strstr(msg, "out.h5"), "%s", msg);
    /* refused before any run: no comparison table was printed (the decision-log
     * spools are created beside the output before the world is built) */
    char so[512];
    snprintf(so, sizeof so, "%s/stdout.txt", dir);
    struct stat sb;
    cr_assert_eq(stat(so, &sb), 0);
    cr_assert_eq(sb.st_size, 0, "the runs ran before the output was refused");
    static const char *const allowed[] = {"s.json", "flat.csv", "stdout.txt", "stderr.txt", NULL};
    assert_nothing_left(allowed);
}

Test(run_cli, usage_errors)
{
    char msg[4096] = "";
    cr_assert_eq(run("run", msg, sizeof msg), 2);
    cr_assert_eq(run("run --help", NULL, 0), 0);
    cr_assert_eq(run("nosuchcommand", msg, sizeof msg), 2);
    cr_assert_not_null(strstr(msg, "nosuchcommand"));
}

Test(run_cli, demo_twice_identical_bytes)
{
    /* the README's demo: same scenario and seed, one thread then two threads */
    char args[1024];
    snprintf(args, sizeof args, "run %s/scenarios/demo.json -o %s/d1.h5 -j 1", SC_SOURCE_DIR, dir);
    cr_assert_eq(run(args, NULL, 0), 0);
    snprintf(args, sizeof args, "run %s/scenarios/demo.json -o %s/d2.h5 -j 2 --json", SC_SOURCE_DIR,
             dir);
    cr_assert_eq(run(args, NULL, 0), 0);
    char cmd[1200];
    snprintf(cmd, sizeof cmd, "cmp -s '%s/d1.h5' '%s/d2.h5'", dir, dir);
    cr_assert_eq(system(cmd), 0, "demo results differ between two runs");
}
