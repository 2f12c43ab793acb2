/*
 * test_live_cli.c - `sculpt live` end to end (the command line of issue 12 is the
 * contract): the --json summary object and nothing else on stdout, resume from the
 * journal without a mutating call, --until counted from the journal's origin, the
 * clairvoyant refusal, the policy from the scenario's live section, guardrails and the
 * kill switch from it, bad input (exit 2, the file and JSON path named, no journal left
 * behind), back ends known but not built (exit 1), and metrics from an HDF5 store giving
 * the same plans as replay.
 *
 * Expected figures: tests/live/live.json runs 1 h warm-up + 3 h at 5-minute steps, so a
 * full run observes 4 h / 5 min = 48 steps and --until 1h observes 12.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sculpt/fsutil.h"

#define LIVE SC_SOURCE_DIR "/tests/live/live.json"

static char dir[256];

static void mkdir_tmp(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-live-cli-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm_tmp(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(live_cli, .init = mkdir_tmp, .fini = rm_tmp);

static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *txt = NULL;
    size_t n = 0;
    sc_error e;
    if (sc_file_read_all(path, &txt, &n, &e) != SC_OK)
        return NULL;
    return txt;
}

/* Run `sculpt live` with args (dir substituted for every "@"); stdout/stderr to files. */
static int run(const char *args)
{
    char a[3000] = "", cmd[4096];
    for (const char *p = args; *p; p++) {
        if (*p == '@')
            strncat(a, dir, sizeof a - strlen(a) - 1);
        else
            strncat(a, (char[]){*p, 0}, sizeof a - strlen(a) - 1);
    }
    snprintf(cmd, sizeof cmd, "%s live %s > %s/stdout.txt 2> %s/stderr.txt", SC_SCULPT_BIN, a, dir,
             dir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static int exists(const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    struct stat st;
    return stat(path, &st) == 0;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(o, k);
    cr_assert(cJSON_IsNumber(v), "key %s", k);
    return v->valuedouble;
}

/* stdout must be exactly one JSON object with exactly the contract's keys. */
static cJSON *summary(void)
{
    char *out = slurp("stdout.txt");
    cr_assert_not_null(out);
    const char *end = NULL;
    cJSON *o = cJSON_ParseWithOpts(out, &end, 0);
    cr_assert(cJSON_IsObject(o), "stdout is not a JSON object: %s", out);
    while (*end == '\n' || *end == ' ')
        end++;
    cr_assert_eq(*end, '\0', "stdout holds more than the object: %s", end);
    free(out);
    const char *top[] = {"steps", "actions_planned", "calls", "retries", "throttles",
                         "journal"};
    int n = 0;
    for (const cJSON *it = o->child; it; it = it->next)
        n++;
    cr_assert_eq(n, 6, "top-level keys");
    for (size_t i = 0; i < 6; i++)
        cr_assert_not_null(cJSON_GetObjectItemCaseSensitive(o, top[i]), "%s", top[i]);
    const cJSON *calls = cJSON_GetObjectItemCaseSensitive(o, "calls");
    const cJSON *j = cJSON_GetObjectItemCaseSensitive(o, "journal");
    cr_assert_eq(cJSON_GetArraySize(calls), 2);
    cr_assert_eq(cJSON_GetArraySize(j), 2);
    num(calls, "mutating");
    num(calls, "read_only");
    num(j, "written");
    num(j, "replayed");
    return o;
}

#define FAST "--provider mock --clock fast:1e9"

Test(live_cli, json_summary_and_resume)
{
    cr_assert_eq(run(LIVE " " FAST " --journal @/j --json"), 0);
    cJSON *a = summary();
    cr_assert_eq(num(a, "steps"), 48);
    double planned = num(a, "actions_planned");
    double mut = num(cJSON_GetObjectItem(a, "calls"), "mutating");
    cr_assert_gt(planned, 0);
    cr_assert_eq(mut, planned, "the mock accepts every planned call (no split, no limit)");
    cr_assert_gt(num(cJSON_GetObjectItem(a, "journal"), "written"), planned);
    char *err = slurp("stderr.txt");
    cr_assert(strstr(err, "live: 48 steps"), "progress on stderr: %s", err);
    free(err);
    /* the same journal again: everything replayed, no mutating call, nothing written */
    cr_assert_eq(run(LIVE " " FAST " --journal @/j --json"), 0);
    cJSON *b = summary();
    cr_assert_eq(num(b, "steps"), 48);
    cr_assert_eq(num(b, "actions_planned"), planned);
    cr_assert_eq(num(cJSON_GetObjectItem(b, "calls"), "mutating"), 0);
    cr_assert_eq(num(cJSON_GetObjectItem(b, "journal"), "written"), 0);
    cr_assert_eq(num(cJSON_GetObjectItem(b, "journal"), "replayed"), mut);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

Test(live_cli, until_counts_from_the_journal_origin)
{
    cr_assert_eq(run(LIVE " " FAST " --journal @/j --until 1h --json"), 0);
    cJSON *a = summary();
    cr_assert_eq(num(a, "steps"), 12);
    double mut1 = num(cJSON_GetObjectItem(a, "calls"), "mutating");
    /* rerun to the same point: replay only */
    cr_assert_eq(run(LIVE " " FAST " --journal @/j --until 1h --json"), 0);
    cJSON *b = summary();
    cr_assert_eq(num(cJSON_GetObjectItem(b, "calls"), "mutating"), 0);
    cr_assert_eq(num(cJSON_GetObjectItem(b, "journal"), "replayed"), mut1);
    /* go on to the end: the first hour replayed, the rest new; the total equals one
     * uninterrupted run's */
    cr_assert_eq(run(LIVE " " FAST " --journal @/j --json"), 0);
    cJSON *c = summary();
    cr_assert_eq(num(c, "steps"), 48);
    cr_assert_eq(run(LIVE " " FAST " --journal @/k --json"), 0);
    cJSON *d = summary();
    cr_assert_eq(num(cJSON_GetObjectItem(c, "journal"), "replayed") +
                     num(cJSON_GetObjectItem(c, "calls"), "mutating"),
                 num(cJSON_GetObjectItem(d, "calls"), "mutating"));
    cJSON_Delete(a);
    cJSON_Delete(b);
    cJSON_Delete(c);
    cJSON_Delete(d);
}

Test(live_cli, clairvoyant_refused)
{
    cr_assert_eq(run(LIVE " " FAST " --policy static --journal @/j"), 2);
    char *err = slurp("stderr.txt");
    cr_assert(strstr(err, "clairvoyant"), "%s", err);
    cr_assert(strstr(err, "live.json"), "%s", err);
    free(err);
    cr_assert(!exists("j"), "nothing written");
}

static void write_scenario(const char *name, const char *live_section)
{
    char *txt = NULL;
    size_t n = 0;
    sc_error e;
    cr_assert_eq(sc_file_read_all(LIVE, &txt, &n, &e), SC_OK);
    char *brace = strrchr(txt, '}');
    cr_assert_not_null(brace);
    *brace = '\0';
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    cr_assert_not_null(fp);
    fprintf(fp, "%s, \"live\": %s}\n", txt, live_section);
    fclose(fp);
    free(txt);
    /* its CSV trace beside it */
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp '%s/tests/live/ramp.csv' '%s/'", SC_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
}

Test(live_cli, live_section_policy_and_bad_keys)
{
    write_scenario("p.json", "{\"policy\": \"static\"}");
    cr_assert_eq(run("@/p.json " FAST " --journal @/j"), 2, "$.live.policy is clairvoyant");
    write_scenario("q.json", "{\"policy\": \"nope\"}");
    cr_assert_eq(run("@/q.json " FAST " --journal @/j"), 2);
    char *err = slurp("stderr.txt");
    cr_assert(strstr(err, "$.live.policy") && strstr(err, "hpa"), "%s", err);
    free(err);
    write_scenario("r.json", "{\"guardrails\": {\"max_change_per_stp\": 3}}");
    cr_assert_eq(run("@/r.json " FAST " --journal @/j"), 2);
    err = slurp("stderr.txt");
    cr_assert(strstr(err, "r.json") && strstr(err, "$.live.guardrails"), "%s", err);
    free(err);
    write_scenario("s.json", "{\"guardrails\": {\"allowed_regions\": [\"r1\", \"mars\"]}}");
    cr_assert_eq(run("@/s.json " FAST " --journal @/j"), 2);
    err = slurp("stderr.txt");
    cr_assert(strstr(err, "$.live.guardrails.allowed_regions[1]") && strstr(err, "mars"),
              "%s", err);
    free(err);
    cr_assert(!exists("j"), "nothing written on bad input");
}

Test(live_cli, guardrails_and_kill_switch)
{
    /* no region may change: every call refused by the guardrail */
    write_scenario("g.json", "{\"guardrails\": {\"allowed_regions\": []}}");
    cr_assert_eq(run("@/g.json " FAST " --journal @/j --json"), 0);
    cJSON *a = summary();
    cr_assert_gt(num(a, "actions_planned"), 0);
    cr_assert_eq(num(cJSON_GetObjectItem(a, "calls"), "mutating"), 0);
    char *j = slurp("j");
    cr_assert(strstr(j, " guard:region\n"), "journal names the rule");
    free(j);
    /* the kill switch: its file exists, nothing is called */
    write_scenario("k.json", "{\"guardrails\": {\"kill_switch\": \"STOP\"}}");
    char stop[512];
    snprintf(stop, sizeof stop, "%s/STOP", dir);
    FILE *fp = fopen(stop, "w");
    fclose(fp);
    cr_assert_eq(run("@/k.json " FAST " --journal @/k --json"), 0);
    cJSON *b = summary();
    cr_assert_eq(num(cJSON_GetObjectItem(b, "calls"), "mutating"), 0);
    j = slurp("k");
    cr_assert(strstr(j, " kill-switch\n"));
    free(j);
    /* at most one instance changed per step */
    write_scenario("m.json", "{\"guardrails\": {\"max_change_per_step\": 1}}");
    cr_assert_eq(run("@/m.json " FAST " --journal @/m --json"), 0);
    j = slurp("m");
    char *line = strtok(j, "\n");
    long prev_step = -1;
    int in_step = 0;
    for (; line; line = strtok(NULL, "\n")) {
        long long t;
        int kind, app, region, type, option, count;
        char key[64];
        if (sscanf(line, "I %63s %lld %d %d %d %d %d %d", key, &t, &kind, &app, &region, &type,
                   &option, &count) == 8) {
            long step = (long)(t / 300000);
            in_step = step == prev_step ? in_step + count : count;
            prev_step = step;
            cr_assert_leq(in_step, 1, "more than one instance changed in a step: %s", line);
        }
    }
    free(j);
    cJSON_Delete(a);
    cJSON_Delete(b);
}

Test(live_cli, bad_usage_and_not_built)
{
    cr_assert_eq(run(LIVE " --provider nosuch --journal @/j"), 2);
    char *err = slurp("stderr.txt");
    cr_assert(strstr(err, "unknown provider 'nosuch'") && strstr(err, "mock, aws"), "%s", err);
    free(err);
    /* azure is built (h-clouds): without $.live.azure it says what is missing */
    cr_assert_eq(run(LIVE " --provider azure --journal @/j"), 2);
    err = slurp("stderr.txt");
    cr_assert(strstr(err, "resource_group"), "%s", err);
    free(err);
    cr_assert_eq(run(LIVE " --journal @/j"), 2, "--provider is required");
    cr_assert_eq(run(LIVE " --provider mock --clock fast:0 --journal @/j"), 2);
    cr_assert_eq(run(LIVE " --provider mock --clock fast:1e9 --until -3h --journal @/j"), 2);
    cr_assert_eq(run(LIVE " --provider mock --metrics bogus --journal @/j"), 2);
    /* prometheus and cloudwatch are built (tests/test_live_prom.c, test_live_metrics_cw.c):
     * nothing listens on port 1, an I/O error before anything is written */
    cr_assert_eq(run(LIVE " --provider mock --metrics prometheus:http://127.0.0.1:1 "
                          "--journal @/j"),
                 3);
    err = slurp("stderr.txt");
    cr_assert(strstr(err, "127.0.0.1:1"), "%s", err);
    free(err);
    cr_assert_eq(run(LIVE " --provider mock --metrics cloudwatch --endpoint "
                          "http://10.0.0.1:1 --journal @/j"),
                 2, "cloudwatch over plain http off loopback");
    err = slurp("stderr.txt");
    cr_assert(strstr(err, "loopback"), "%s", err);
    free(err);
    cr_assert_eq(run(LIVE " --provider mock --endpoint http://127.0.0.1:1 --journal @/j"), 2);
    cr_assert_eq(run(LIVE " " FAST " --policy nope --journal @/j"), 2);
    err = slurp("stderr.txt");
    cr_assert(strstr(err, "--policy") && strstr(err, "hpa"), "%s", err);
    free(err);
    cr_assert(!exists("j"), "nothing written on bad input");
    /* a journal of another scenario */
    FILE *fp = fopen(strcat(strcpy((char[600]){0}, dir), "/other"), "w");
    fputs("#sculpt-journal 1 hash=0000000000000001 origin=0 policy=x scenario=other\n", fp);
    fclose(fp);
    cr_assert_eq(run(LIVE " " FAST " --journal @/other"), 2);
    err = slurp("stderr.txt");
    cr_assert(strstr(err, "another scenario"), "%s", err);
    free(err);
}

Test(live_cli, plans_on_stdout_without_json)
{
    cr_assert_eq(run(LIVE " " FAST " --journal @/j --until 2h"), 0);
    char *out = slurp("stdout.txt");
    cr_assert(strstr(out, " plan provision web/r1 on_demand x"), "%s", out);
    free(out);
}

/* --metrics store:PATH reads every trace from an HDF5 store under its series key: a
 * store generated from the demo's own spec, seed, start and step holds the series the
 * scenario synthesises, so the plans are the same bytes as with replay. */
Test(live_cli, store_metrics_equal_replay, .timeout = 120)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "%s trace gen %s/traces/specs/demo.json -o %s/demo.h5 --seed 20260301 "
             "--start 2024-03-04T00:00:00Z --duration 21d --step 5m -q",
             SC_SCULPT_BIN, SC_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    const char *demo = SC_SOURCE_DIR "/scenarios/demo.json";
    char args[1024];
    snprintf(args, sizeof args, "%s --provider mock --policy reactive --clock fast:1e9 "
             "--until 2d --journal @/a", demo);
    cr_assert_eq(run(args), 0);
    char *a = slurp("stdout.txt");
    snprintf(args, sizeof args, "%s --provider mock --policy reactive --clock fast:1e9 "
             "--until 2d --metrics store:@/demo.h5 --journal @/b", demo);
    cr_assert_eq(run(args), 0);
    char *b = slurp("stdout.txt");
    cr_assert_gt(strlen(a), 100, "the plans are printed");
    cr_assert_str_eq(a, b);
    free(a);
    free(b);
    /* a store without the series: a clear error */
    snprintf(args, sizeof args, "%s --provider mock --policy reactive --clock fast:1e9 "
             "--metrics store:@/nope.h5 --journal @/c", demo);
    cr_assert_neq(run(args), 0);
    char *err = slurp("stderr.txt");
    cr_assert(strstr(err, "nope.h5"), "%s", err);
    free(err);
}
