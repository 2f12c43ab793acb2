/*
 * test_live_terraform.c - `sculpt plan --scenario S.json --format terraform -o FILE`: the
 * .tf.json it writes uses only attribute names of the Terraform AWS provider's published
 * resource schemas (tests/live/fixtures/terraform/aws.schema, written from the
 * provider's documentation), with every required one present; the capacities are
 * consistent (min_size <= desired_capacity <= max_size, on-demand base within the
 * desired capacity); each resource names the provider alias of its region; group names
 * follow the live section's template; -o writes atomically (a bad directory: exit 3 and
 * nothing left).
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>

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
