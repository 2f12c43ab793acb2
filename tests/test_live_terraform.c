/*
 * test_live_terraform.c - `sculpt plan --scenario S.json --format terraform -o FILE`: the
 * .tf.json it writes uses only attribute names of the Terraform AWS provider's published
 * resource schemas (tests/live/fixtures/terraform/aws.schema, written from the
 * provider's documentation), with every required one present; the capacities are
 * consistent (min_size <= desired_capacity <= max_size, on-demand base within the
 * desired capacity); each resource names the provider alias of its region; group names
 * follow the live section's template; -o writes atomically (a bad directory: exit 3 and
 * nothing left).  And `sculpt live --provider terraform --out DIR`: a file per plan
 * revision, the live section's apply_command (a stub recording its calls) run once per
 * revision with --execute, never in a dry run nor again on a rerun of the journal.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sculpt/fsutil.h"

#define AWSJSON SC_SOURCE_DIR "/tests/live/aws.json"
#define SCHEMA SC_SOURCE_DIR "/tests/live/fixtures/terraform/aws.schema"

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-tf-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(terraform, .init = setup, .fini = teardown);

typedef struct schema {
    char type[64][64], path[64][128], req[64][24];
    int n;
} schema;

static void load_schema(schema *s)
{
    FILE *fp = fopen(SCHEMA, "r");
    cr_assert_not_null(fp);
    char line[512];
    s->n = 0;
    while (fgets(line, sizeof line, fp) && s->n < 64) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        cr_assert_eq(sscanf(line, "%63s %127s %23s", s->type[s->n], s->path[s->n], s->req[s->n]),
                     3, "%s", line);
        s->n++;
    }
    fclose(fp);
}

static int known(const schema *s, const char *type, const char *path)
{
    for (int i = 0; i < s->n; i++)
        if (strcmp(s->type[i], type) == 0 && strcmp(s->path[i], path) == 0)
            return 1;
    return 0;
}

/* Every attribute path of an object (nested objects recursed; arrays are leaves). */
static void walk(const schema *s, const char *type, const cJSON *o, const char *prefix)
{
    for (const cJSON *it = o->child; it; it = it->next) {
        char path[256];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", it->string);
        cr_assert(known(s, type, path), "%s.%s is not in the provider's schema", type, path);
        if (cJSON_IsObject(it))
            walk(s, type, it, path);
    }
}

static const cJSON *at(const cJSON *o, const char *dotted)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", dotted);
    for (char *save = NULL, *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
        o = cJSON_GetObjectItemCaseSensitive(o, k);
    return o;
}

static int run(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s plan %s > %s/out.txt 2> %s/err.txt", SC_SCULPT_BIN, args, dir,
             dir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(terraform, attributes_match_the_provider_schema, .timeout = 120)
{
    schema s;
    load_schema(&s);
    char args[1024], out[512];
    snprintf(out, sizeof out, "%s/plan.tf.json", dir);
    snprintf(args, sizeof args, "--scenario %s --format terraform -o %s", AWSJSON, out);
    cr_assert_eq(run(args), 0);
    char *txt = NULL;
    size_t n = 0;
    sc_error e;
    cr_assert_eq(sc_file_read_all(out, &txt, &n, &e), SC_OK);
    cJSON *root = cJSON_Parse(txt);
    free(txt);
    cr_assert_not_null(root, "valid JSON");
    /* providers: one aws alias per scenario region */
    const cJSON *prov = at(root, "provider.aws");
    cr_assert(cJSON_IsArray(prov));
    cr_assert_eq(cJSON_GetArraySize(prov), 2);
    const cJSON *res = at(root, "resource");
    const char *regions[] = {"us-east-1", "eu-west-1"};
    int n_groups = 0;
    for (const cJSON *type = res->child; type; type = type->next) {
        for (const cJSON *r = type->child; r; r = r->next) {
            walk(&s, type->string, r, "");
            for (int i = 0; i < s.n; i++)
                if (strcmp(s.type[i], type->string) == 0 && strcmp(s.req[i], "required") == 0)
                    cr_assert_not_null(at(r, s.path[i]), "%s %s: %s missing", type->string,
                                       r->string, s.path[i]);
            const char *p = cJSON_GetStringValue(cJSON_GetObjectItem(r, "provider"));
            cr_assert_not_null(p);
            int ok = 0;
            for (int k = 0; k < 2; k++) {
                char want[64], name[64];
                snprintf(want, sizeof want, "aws.%s", regions[k]);
                snprintf(name, sizeof name, "sculpt-web-%s", regions[k]);
                if (strcmp(p, want) == 0) {
                    ok = 1;
                    cr_assert_str_eq(cJSON_GetStringValue(cJSON_GetObjectItem(r, "name")), name);
                }
            }
            cr_assert(ok, "provider %s is a region alias", p);
            if (strcmp(type->string, "aws_autoscaling_group") == 0) {
                n_groups++;
                double mn = at(r, "min_size")->valuedouble, mx = at(r, "max_size")->valuedouble;
                double d = at(r, "desired_capacity")->valuedouble;
                double base =
                    at(r, "mixed_instances_policy.instances_distribution.on_demand_base_capacity")
                        ->valuedouble;
                cr_assert(mn <= d && d <= mx, "%g <= %g <= %g", mn, d, mx);
                cr_assert(0 <= base && base <= d);
                cr_assert_eq(mx, 100, "the app's max_instances");
                cr_assert_gt(d, 0, "the plan holds capacity for a loaded app");
                cr_assert_not_null(at(r, "mixed_instances_policy.launch_template."
                                         "launch_template_specification.launch_template_name"));
            }
        }
    }
    cr_assert_eq(n_groups, 2);
    cJSON_Delete(root);
}

Test(terraform, bad_output_and_format)
{
    char args[1024];
    snprintf(args, sizeof args, "--scenario %s --format terraform -o %s/no/such/dir/x.tf.json",
             AWSJSON, dir);
    cr_assert_eq(run(args), 3);
    snprintf(args, sizeof args, "--scenario %s --format hcl", AWSJSON);
    cr_assert_eq(run(args), 2);
    snprintf(args, sizeof args, "--scenario %s -o %s/x.txt", AWSJSON, dir);
    cr_assert_eq(run(args), 2, "-o with the table format");
    char cmd[512];
    snprintf(cmd, sizeof cmd, "ls -A '%s' | grep -v -e out.txt -e err.txt | grep -q .", dir);
    cr_assert_neq(system(cmd), 0, "nothing left behind");
}

/* `sculpt live --provider terraform --out DIR`: one .tf.json per plan revision, the live
 * section's apply_command run on each with --execute (a stub that records its calls),
 * none in a dry run, none again on a rerun with the same journal; a dry-run journal then
 * --execute runs the commands once. */
static void scenario_with_command(const char *name, const char *cmd)
{
    char *txt = NULL;
    size_t n = 0;
    sc_error e;
    cr_assert_eq(sc_file_read_all(AWSJSON, &txt, &n, &e), SC_OK);
    char *brace = strrchr(txt, '}');
    *brace = '\0';
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "%s, \"live\": {\"apply_command\": \"%s\"}}\n", txt, cmd);
    fclose(fp);
    free(txt);
    char c2[1024];
    snprintf(c2, sizeof c2, "cp '%s/tests/live/ramp.csv' '%s/'", SC_SOURCE_DIR, dir);
    cr_assert_eq(system(c2), 0);
}

static int count_lines(const char *path)
{
    FILE *fp = fopen(path, "r");
    if (!fp)
        return 0;
    int n = 0, ch;
    while ((ch = fgetc(fp)) != EOF)
        n += ch == '\n';
    fclose(fp);
    return n;
}

static int read_count(void)
{
    char p[512];
    snprintf(p, sizeof p, "%s/count.txt", dir);
    FILE *fp = fopen(p, "r");
    int n = -1;
    if (fp) {
        if (fscanf(fp, "%d", &n) != 1)
            n = -1;
        fclose(fp);
    }
    return n;
}

static int live(const char *args)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "%s live %s > %s/out.txt 2> %s/err.txt", SC_SCULPT_BIN, args, dir,
             dir);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(terraform, live_provider_revisions_and_apply_command, .timeout = 120)
{
    char calls[512], cmdline[600];
    snprintf(calls, sizeof calls, "%s/calls.log", dir);
    snprintf(cmdline, sizeof cmdline, "echo >> %s", calls);
    scenario_with_command("s.json", cmdline);
    char args[2048];
    /* dry run: revisions written, no command */
    snprintf(args, sizeof args,
             "%s/s.json --provider terraform --out %s/tf --clock fast:1e9 --until 2h --json", dir,
             dir);
    cr_assert_eq(live(args), 0);
    char d[512];
    snprintf(d, sizeof d, "%s/tf", dir);
    char c[1024];
    snprintf(c, sizeof c, "ls '%s' | grep -c 'tf.json$' > '%s/count.txt'", d, dir);
    cr_assert_eq(system(c), 0);
    int revisions = read_count();
    cr_assert_gt(revisions, 1, "one file per revision");
    cr_assert_eq(count_lines(calls), 0, "no command in a dry run");
    /* the same journal with --execute: each revision applied once */
    snprintf(args, sizeof args,
             "%s/s.json --provider terraform --out %s/tf --execute --clock fast:1e9 --until 2h "
             "--json",
             dir, dir);
    cr_assert_eq(live(args), 0);
    cr_assert_eq(count_lines(calls), revisions, "one apply per revision");
    /* again: the journal says they were applied */
    cr_assert_eq(live(args), 0);
    cr_assert_eq(count_lines(calls), revisions, "no apply repeated");
    /* the command got the file of each revision */
    FILE *fp = fopen(calls, "r");
    char line[1024];
    while (fgets(line, sizeof line, fp)) {
        line[strcspn(line, "\n")] = '\0';
        cr_assert(strstr(line, "/tf/plan-") && strstr(line, ".tf.json"), "%s", line);
        struct stat st;
        cr_assert_eq(stat(line, &st), 0, "%s exists", line);
    }
    fclose(fp);
    /* a failing command stops the loop with an I/O error */
    scenario_with_command("f.json", "false");
    snprintf(args, sizeof args,
             "%s/f.json --provider terraform --out %s/tf2 --execute --clock fast:1e9 --until 2h",
             dir, dir);
    cr_assert_eq(live(args), 3);
    /* --out is required */
    snprintf(args, sizeof args, "%s/s.json --provider terraform --journal %s/j", dir, dir);
    cr_assert_eq(live(args), 2);
}

/* kill -9 of `sculpt live --provider terraform --execute` at 50 seeded random points, then
 * a rerun on the same journal: the last revision written equals an uninterrupted run's,
 * every revision the uninterrupted run applied was applied at least once (the apply
 * command is declarative, so a crash between it and its journal record repeats it), and
 * the journal holds every decision complete. */
Test(terraform, kill9_then_resume_cli, .timeout = 300)
{
    char calls[512], cmdline[600];
    snprintf(calls, sizeof calls, "%s/calls.log", dir);
    snprintf(cmdline, sizeof cmdline, "echo >> %s", calls);
    scenario_with_command("s.json", cmdline);
    char args[2048];
    snprintf(args, sizeof args,
             "%s/s.json --provider terraform --out %s/ref --execute --clock fast:1e9 --json", dir,
             dir);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    cr_assert_eq(live(args), 0);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double run_us = (t1.tv_sec - t0.tv_sec) * 1e6 + (t1.tv_nsec - t0.tv_nsec) / 1e3;
    int applied_ref = count_lines(calls);
    cr_assert_gt(applied_ref, 2);
    char c[2048];
    snprintf(c, sizeof c, "ls '%s/ref' | grep 'tf.json$' | sort | tail -1 > '%s/last.txt'", dir,
             dir);
    cr_assert_eq(system(c), 0);
    char last[256] = "";
    char lp[512];
    snprintf(lp, sizeof lp, "%s/last.txt", dir);
    FILE *fp = fopen(lp, "r");
    cr_assert(fgets(last, sizeof last, fp));
    fclose(fp);
    last[strcspn(last, "\n")] = '\0';
    int killed = 0, repeats = 0;
    for (int trial = 0; trial < 50; trial++) {
        snprintf(c, sizeof c, "rm -rf '%s/t' '%s'", dir, calls);
        cr_assert_eq(system(c), 0);
        /* u in [0, 1) from a fixed LCG: the same points every run */
        unsigned long long x = 2862933555777941757ULL * (unsigned long long)(trial + 1) + 3037000493ULL;
        double u = (double)(x >> 11) / 9007199254740992.0;
        snprintf(c, sizeof c,
                 "%s live %s/s.json --provider terraform --out %s/t --execute --clock fast:1e9 "
                 "> /dev/null 2>&1 & pid=$!; sleep %.6f; kill -9 $pid 2>/dev/null && echo k > "
                 "%s/killed.txt; wait $pid 2>/dev/null; true",
                 SC_SCULPT_BIN, dir, dir, u * run_us / 1e6, dir);
        snprintf(lp, sizeof lp, "%s/killed.txt", dir);
        remove(lp);
        cr_assert_eq(system(c), 0);
        struct stat st;
        killed += stat(lp, &st) == 0;
        snprintf(args, sizeof args,
                 "%s/s.json --provider terraform --out %s/t --execute --clock fast:1e9 --json",
                 dir, dir);
        cr_assert_eq(live(args), 0, "trial %d: resume failed", trial);
        char a[512], b[512];
        snprintf(a, sizeof a, "%s/ref/%s", dir, last);
        snprintf(b, sizeof b, "%s/t/%s", dir, last);
        char *ta = NULL, *tb = NULL;
        size_t na, nb;
        sc_error e;
        cr_assert_eq(sc_file_read_all(a, &ta, &na, &e), SC_OK);
        cr_assert_eq(sc_file_read_all(b, &tb, &nb, &e), SC_OK, "trial %d: %s missing", trial, b);
        cr_assert_str_eq(ta, tb, "trial %d: final revision differs", trial);
        free(ta);
        free(tb);
        int n = count_lines(calls);
        cr_assert_geq(n, applied_ref, "trial %d: %d applies, an applied revision was lost",
                      trial, n);
        cr_assert_leq(n, applied_ref + 1, "trial %d: %d applies: more than the one in flight "
                      "repeated", trial, n);
        repeats += n; /* applies in the killed and resumed runs of this trial */
    }
    fprintf(stderr,
            "kill9_then_resume_cli: 50 trials, %d killed mid-run, %.2f applies per trial "
            "(uninterrupted: %d)\n",
            killed, repeats / 50.0, applied_ref);
    cr_assert_geq(killed, 15, "kills land inside the run (%d of 50)", killed);
}
