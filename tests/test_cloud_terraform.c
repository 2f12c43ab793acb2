/*
 * test_cloud_terraform.c - `sculpt plan --format terraform` for Azure, GCP and the routing
 * resources (core/cloud/terraform.c).
 *
 * Every attribute path written is in the provider's published schema
 * (tests/live/fixtures/terraform/{azurerm,google,route53}.schema, from the providers'
 * resource documentation) and every required one is present; the routing weights are the
 * scenario's configured ones, checked by hand: 128 and 127 of 255 (Route 53 weights 128 /
 * 127; Traffic Manager weights 128 / 127, enabled; GCP capacity scalers 128/255 =
 * 0.50196... and 127/255 = 0.49804...), names, regions and resource groups as configured.
 */
#define _GNU_SOURCE
#include "sculpt/sculpt.h"

#include "fake_cloud/cloudtest.h"

#define TFIX SC_SOURCE_DIR "/tests/live/fixtures/terraform/"

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

TestSuite(cloud_terraform, .init = setup, .fini = teardown);

static cJSON *plan_tf(const char *scenario)
{
    char cmd[2048], out[512];
    snprintf(out, sizeof out, "%s/plan.tf.json", dir);
    snprintf(cmd, sizeof cmd, "%s plan --scenario %s --format terraform -o %s 2> %s/err.txt",
             SC_SCULPT_BIN, scenario, out, dir);
    cr_assert_eq(system(cmd), 0, "sculpt plan --format terraform %s", scenario);
    char *t = slurp(out);
    cJSON *j = cJSON_Parse(t);
    free(t);
    cr_assert_not_null(j);
    return j;
}

/* Walk one resource instance: every path in the schema (name[] of type), required ones
 * present.  Arrays of objects are walked element by element under the same path. */
static void walk(const cJSON *o, const char *prefix, const char *type, char names[][160],
                 int n, int *seen)
{
    const cJSON *c;
    cJSON_ArrayForEach(c, o) {
        char path[300];
        snprintf(path, sizeof path, "%s%s%s", prefix, prefix[0] ? "." : "", c->string);
        char full[400];
        snprintf(full, sizeof full, "%s %s", type, path);
        int k = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(names[i], full) == 0)
                k = i;
        cr_assert_geq(k, 0, "%s is not in the provider's schema", full);
        seen[k] = 1;
        if (cJSON_IsObject(c))
            walk(c, path, type, names, n, seen);
        else if (cJSON_IsArray(c)) {
            const cJSON *e;
            cJSON_ArrayForEach(e, c) if (cJSON_IsObject(e)) walk(e, path, type, names, n, seen);
        }
    }
}

static void check_schema(const cJSON *root, const char *schema, const char *type)
{
    char *fx = slurp(schema);
    cr_assert_not_null(fx, "%s", schema);
    static char names[128][160];
    int req[128], n = 0;
    char *save = NULL;
    for (char *ln = strtok_r(fx, "\n", &save); ln && n < 128; ln = strtok_r(NULL, "\n", &save)) {
        char t[80], p[100], k[32];
        if (ln[0] == '#' || sscanf(ln, "%79s %99s %31s", t, p, k) != 3)
            continue;
        snprintf(names[n], sizeof names[n], "%s %s", t, p);
        req[n] = strcmp(t, type) == 0 && strcmp(k, "required") == 0;
        n++;
    }
    free(fx);
    const cJSON *res = cJSON_GetObjectItem(cJSON_GetObjectItem(root, "resource"), type);
    cr_assert_not_null(res, "no %s written", type);
    int count = 0;
    const cJSON *inst;
    cJSON_ArrayForEach(inst, res) {
        int seen[128] = {0};
        walk(inst, "", type, names, n, seen);
        for (int i = 0; i < n; i++)
            if (req[i])
                cr_assert(seen[i], "%s: required %s missing", inst->string, names[i]);
        count++;
    }
    cr_assert_gt(count, 0);
}

static const cJSON *res_of(const cJSON *root, const char *type, const char *label)
{
    const cJSON *r = cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(root, "resource"),
                                                             type),
                                         label);
    cr_assert_not_null(r, "%s.%s", type, label);
    return r;
}

Test(cloud_terraform, azure_scale_sets_and_traffic_manager)
{
    cJSON *j = plan_tf(SC_SOURCE_DIR "/tests/live/azure.json");
    check_schema(j, TFIX "azurerm.schema", "azurerm_linux_virtual_machine_scale_set");
    check_schema(j, TFIX "azurerm.schema", "azurerm_traffic_manager_azure_endpoint");
    const cJSON *v = res_of(j, "azurerm_linux_virtual_machine_scale_set", "sculpt-web-eastus");
    cr_assert_str_eq(cJSON_GetObjectItem(v, "location")->valuestring, "eastus");
    cr_assert_str_eq(cJSON_GetObjectItem(v, "resource_group_name")->valuestring, "sculpt-rg");
    cr_assert_str_eq(cJSON_GetObjectItem(v, "sku")->valuestring, "Standard_D2s_v5");
    const cJSON *e = res_of(j, "azurerm_traffic_manager_azure_endpoint", "sculpt-web-g-eastus");
    cr_assert_eq(cJSON_GetObjectItem(e, "weight")->valueint, 128);
    cr_assert(cJSON_IsTrue(cJSON_GetObjectItem(e, "enabled")));
    e = res_of(j, "azurerm_traffic_manager_azure_endpoint", "sculpt-web-g-westeurope");
    cr_assert_eq(cJSON_GetObjectItem(e, "weight")->valueint, 127);
    cr_assert(strstr(cJSON_GetObjectItem(e, "profile_id")->valuestring,
                     "/resourceGroups/sculpt-rg/providers/Microsoft.Network/"
                     "trafficManagerProfiles/sculpt-web-g"));
    cJSON_Delete(j);
}

Test(cloud_terraform, gcp_instance_groups_and_backend_scalers)
{
    cJSON *j = plan_tf(SC_SOURCE_DIR "/tests/live/gcp.json");
    check_schema(j, TFIX "google.schema", "google_compute_region_instance_group_manager");
    check_schema(j, TFIX "google.schema", "google_compute_backend_service");
    const cJSON *m = res_of(j, "google_compute_region_instance_group_manager",
                            "sculpt-web-us-central1");
    cr_assert_str_eq(cJSON_GetObjectItem(m, "region")->valuestring, "us-central1");
    const cJSON *b = cJSON_GetObjectItem(res_of(j, "google_compute_backend_service", "sculpt-web"),
                                         "backend");
    cr_assert_eq(cJSON_GetArraySize(b), 2);
    cr_assert_float_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(b, 0), "capacity_scaler")->valuedouble,
                       128.0 / 255.0, 1e-12);
    cr_assert_float_eq(cJSON_GetObjectItem(cJSON_GetArrayItem(b, 1), "capacity_scaler")->valuedouble,
                       127.0 / 255.0, 1e-12);
    cr_assert_str_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(cJSON_GetObjectItem(j, "provider"),
                                                             "google"),
                                         "project")->valuestring,
                     "sculpt-test");
    cJSON_Delete(j);
}

Test(cloud_terraform, route53_weighted_records)
{
    cJSON *j = plan_tf(SC_SOURCE_DIR "/tests/live/aws-route53.json");
    check_schema(j, TFIX "route53.schema", "aws_route53_record");
    check_schema(j, TFIX "aws.schema", "aws_autoscaling_group");
    const cJSON *r = res_of(j, "aws_route53_record", "web_g_example_com-us-east-1");
    cr_assert_str_eq(cJSON_GetObjectItem(r, "set_identifier")->valuestring, "us-east-1");
    cr_assert_str_eq(cJSON_GetObjectItem(r, "name")->valuestring, "web.g.example.com");
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "weighted_routing_policy"), "weight")
                     ->valueint,
                 128);
    r = res_of(j, "aws_route53_record", "web_h_example_com-us-east-1");
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(r, "weighted_routing_policy"), "weight")
                     ->valueint,
                 127);
    cJSON_Delete(j);
}
