/*
 * terraform.c - Terraform output (cloud.h): sc_terraform_render, the .tf.json of the
 * groups and their capacities (used by `sculpt plan --format terraform`), and the
 * "terraform" live provider, which keeps the declared count of every pool, writes one
 * revision per change set and, with execute, runs the scenario's apply command on it.
 *
 * Attribute names follow the Terraform AWS provider's resource documentation
 * (aws_autoscaling_group, aws_launch_template); tests/test_live_terraform.c checks them
 * against tests/live/fixtures/terraform/aws.schema.
 *
 * The cloud is the one the scenario's live section configures: $.live.azure -> azurerm
 * (azurerm_linux_virtual_machine_scale_set per pool, "-spot" sets with priority Spot;
 * azurerm_traffic_manager_azure_endpoint weights for weighted geographies), $.live.gcp ->
 * google (google_compute_region_instance_group_manager per pool; a
 * google_compute_backend_service per app whose backends carry the capacity scalers),
 * else aws (plus aws_route53_record weighted records when $.live.route53 is set).  The
 * routing weights written are the scenario's configured ones (the geographies' initial
 * weights); tests/test_cloud_terraform.c checks the azurerm and google attribute names
 * against tests/live/fixtures/terraform/{azurerm,google}.schema.
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/cloud.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cloudint.h"
#include "sculpt/fsutil.h"
#include "sculpt/json.h"
#include "sculpt/live.h"

/* The group name of (app, region) from the template. */
static void tf_name(char *out, size_t cap, const char *tmpl, const char *app, const char *region)
{
    size_t l = 0;
    for (const char *p = tmpl; *p && l + 1 < cap;) {
        const char *v = NULL;
        if (strncmp(p, "{app}", 5) == 0)
            v = app, p += 5;
        else if (strncmp(p, "{region}", 8) == 0)
            v = region, p += 8;
        if (v) {
            int k = snprintf(out + l, cap - l, "%s", v);
            l = k > 0 && (size_t)k < cap - l ? l + (size_t)k : cap - 1;
        } else {
            out[l++] = *p++;
        }
    }
    out[l] = '\0';
}

/* Add app a's groups: x[r * 3 + option] instances.  Resource labels are the group names
 * with characters Terraform does not allow in a label replaced by '_'. */
static sc_status tf_add_app(cJSON *resources, const sc_scenario *sc, size_t a, const int *x,
                            const char *tmpl, sc_error *err)
{
    cJSON *asg = cJSON_GetObjectItemCaseSensitive(resources, "aws_autoscaling_group");
    cJSON *lt = cJSON_GetObjectItemCaseSensitive(resources, "aws_launch_template");
    const sc_app *app = &sc->apps[a];
    for (size_t r = 0; r < sc->n_regions; r++) {
        char name[256], label[256], ref[300], prov[300], az[96];
        tf_name(name, sizeof name, tmpl, app->name, sc->regions[r].name);
        snprintf(label, sizeof label, "%s", name);
        for (char *c = label; *c; c++)
            if (!(*c == '-' || *c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                  (*c >= '0' && *c <= '9')))
                *c = '_';
        snprintf(prov, sizeof prov, "aws.%s", sc->regions[r].name);
        snprintf(az, sizeof az, "%sa", sc->regions[r].name);
        int od = x[r * 3 + SC_PURCHASE_ONDEMAND] + x[r * 3 + SC_PURCHASE_RESERVED];
        int total = od + x[r * 3 + SC_PURCHASE_SPOT];
        cJSON *l = cJSON_AddObjectToObject(lt, label);
        cJSON *g = cJSON_AddObjectToObject(asg, label);
        if (!l || !g)
            return sc_error_set(err, SC_ERR_NOMEM, "plan", "out of memory");
        cJSON_AddStringToObject(l, "provider", prov);
        cJSON_AddStringToObject(l, "name", name);
        cJSON_AddStringToObject(l, "image_id", "${var.image_id}");
        cJSON_AddStringToObject(l, "instance_type", sc->types[app->instance_type].name);
        cJSON_AddStringToObject(g, "provider", prov);
        cJSON_AddStringToObject(g, "name", name);
        cJSON_AddNumberToObject(g, "min_size", app->min_instances < total ? app->min_instances : total);
        cJSON_AddNumberToObject(g, "max_size", app->max_instances);
        cJSON_AddNumberToObject(g, "desired_capacity", total);
        cJSON *azs = cJSON_AddArrayToObject(g, "availability_zones");
        cJSON_AddItemToArray(azs, cJSON_CreateString(az));
        cJSON *mip = cJSON_AddObjectToObject(g, "mixed_instances_policy");
        cJSON *dist = cJSON_AddObjectToObject(mip, "instances_distribution");
        cJSON_AddNumberToObject(dist, "on_demand_base_capacity", od);
        cJSON_AddNumberToObject(dist, "on_demand_percentage_above_base_capacity", 0);
        cJSON *mlt = cJSON_AddObjectToObject(mip, "launch_template");
        cJSON *spec = cJSON_AddObjectToObject(mlt, "launch_template_specification");
        snprintf(ref, sizeof ref, "${aws_launch_template.%s.name}", label);
        cJSON_AddStringToObject(spec, "launch_template_name", ref);
        cJSON_AddStringToObject(spec, "version", "$Latest");
    }
    return SC_OK;
}

static cJSON *tf_root(const sc_scenario *sc)
{
    cJSON *root = cJSON_CreateObject();
    cJSON *var = cJSON_AddObjectToObject(root, "variable");
    cJSON *img = cJSON_AddObjectToObject(var, "image_id");
    cJSON_AddStringToObject(img, "type", "string");
    cJSON_AddStringToObject(img, "description", "AMI of the launch templates");
    cJSON *prov = cJSON_AddObjectToObject(root, "provider");
    cJSON *aws = cJSON_AddArrayToObject(prov, "aws");
    for (size_t r = 0; r < sc->n_regions; r++) {
        cJSON *p = cJSON_CreateObject();
        cJSON_AddStringToObject(p, "alias", sc->regions[r].name);
        cJSON_AddStringToObject(p, "region", sc->regions[r].name);
        cJSON_AddItemToArray(aws, p);
    }
    cJSON *res = cJSON_AddObjectToObject(root, "resource");
    cJSON_AddObjectToObject(res, "aws_launch_template");
    cJSON_AddObjectToObject(res, "aws_autoscaling_group");
    return root;
}

static sc_status tf_render_aws(const sc_scenario *sc, const char *group_tmpl,
                                         const int *counts, const cJSON *r53, char **out,
                                         sc_error *err);

/* ---- Azure and GCP, and the routing resources ------------------------------------ */

typedef enum tf_cloud { TF_AWS = 0, TF_AZURE = 1, TF_GCP = 2 } tf_cloud;

/* Which cloud the scenario's live section configures, and its section (borrowed from
 * *root, which the caller frees). */
static tf_cloud tf_cloud_of(const sc_scenario *sc, cJSON **root, const cJSON **section)
{
    *root = sc->source_json ? cJSON_Parse(sc->source_json) : NULL;
    *section = NULL;
    const cJSON *live = *root ? cJSON_GetObjectItemCaseSensitive(*root, "live") : NULL;
    const cJSON *v;
    if (live && (v = cJSON_GetObjectItemCaseSensitive(live, "azure"))) {
        *section = v;
        return TF_AZURE;
    }
    if (live && (v = cJSON_GetObjectItemCaseSensitive(live, "gcp"))) {
        *section = v;
        return TF_GCP;
    }
    if (live)
        *section = cJSON_GetObjectItemCaseSensitive(live, "route53");
    return TF_AWS;
}

static const char *str_or(const cJSON *o, const char *k, const char *def)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsString(v) ? v->valuestring : def;
}

static void tf_label(char *label)
{
    for (char *c = label; *c; c++)
        if (!(*c == '-' || *c == '_' || (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
              (*c >= '0' && *c <= '9')))
            *c = '_';
}

static cJSON *obj(cJSON *parent, const char *key)
{
    cJSON *o = cJSON_GetObjectItemCaseSensitive(parent, key);
    return o ? o : cJSON_AddObjectToObject(parent, key);
}

static cJSON *tf_variable(cJSON *root, const char *name, const char *desc)
{
    cJSON *v = cJSON_AddObjectToObject(obj(root, "variable"), name);
    cJSON_AddStringToObject(v, "type", "string");
    cJSON_AddStringToObject(v, "description", desc);
    return v;
}

static void tf_azure(cJSON *root, const sc_scenario *sc, const int *counts, const char *tmpl,
                     const cJSON *sec)
{
    const char *rg = str_or(sec, "resource_group", "sculpt");
    const cJSON *tm = sec ? cJSON_GetObjectItemCaseSensitive(sec, "traffic_manager") : NULL;
    const char *ptmpl = str_or(tm, "profile", "sculpt-{app}-{geo}");
    const char *etmpl = str_or(tm, "endpoint", "{region}");
    tf_variable(root, "subnet_id", "subnet of the scale sets' network interfaces");
    tf_variable(root, "ssh_public_key", "public key of the admin user");
    cJSON_AddObjectToObject(obj(obj(root, "provider"), "azurerm"), "features");
    cJSON *res = obj(root, "resource");
    cJSON *vmss = obj(res, "azurerm_linux_virtual_machine_scale_set");
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++)
            for (int spot = 0; spot < 2; spot++) {
                const int *x = counts + (a * sc->n_regions + r) * SC_PURCHASE_COUNT;
                int n = spot ? x[SC_PURCHASE_SPOT] : x[SC_PURCHASE_ONDEMAND] + x[SC_PURCHASE_RESERVED];
                if (spot && n == 0)
                    continue;
                char name[300], label[300];
                tf_name(name, sizeof name, tmpl, sc->apps[a].name, sc->regions[r].name);
                if (spot)
                    strncat(name, "-spot", sizeof name - strlen(name) - 1);
                snprintf(label, sizeof label, "%s", name);
                tf_label(label);
                cJSON *v = cJSON_AddObjectToObject(vmss, label);
                cJSON_AddStringToObject(v, "name", name);
                cJSON_AddStringToObject(v, "resource_group_name", rg);
                cJSON_AddStringToObject(v, "location", sc->regions[r].name);
                cJSON_AddStringToObject(v, "sku", sc->types[sc->apps[a].instance_type].name);
                cJSON_AddNumberToObject(v, "instances", n);
                cJSON_AddStringToObject(v, "admin_username", "sculpt");
                if (spot) {
                    cJSON_AddStringToObject(v, "priority", "Spot");
                    cJSON_AddStringToObject(v, "eviction_policy", "Delete");
                }
                cJSON *key = cJSON_AddObjectToObject(v, "admin_ssh_key");
                cJSON_AddStringToObject(key, "username", "sculpt");
                cJSON_AddStringToObject(key, "public_key", "${var.ssh_public_key}");
                cJSON *img = cJSON_AddObjectToObject(v, "source_image_reference");
                cJSON_AddStringToObject(img, "publisher", "Canonical");
                cJSON_AddStringToObject(img, "offer", "ubuntu-24_04-lts");
                cJSON_AddStringToObject(img, "sku", "server");
                cJSON_AddStringToObject(img, "version", "latest");
                cJSON *disk = cJSON_AddObjectToObject(v, "os_disk");
                cJSON_AddStringToObject(disk, "caching", "ReadWrite");
                cJSON_AddStringToObject(disk, "storage_account_type", "Standard_LRS");
                cJSON *nic = cJSON_AddObjectToObject(v, "network_interface");
                cJSON_AddStringToObject(nic, "name", "nic");
                cJSON_AddBoolToObject(nic, "primary", 1);
                cJSON *ip = cJSON_AddObjectToObject(nic, "ip_configuration");
                cJSON_AddStringToObject(ip, "name", "internal");
                cJSON_AddBoolToObject(ip, "primary", 1);
                cJSON_AddStringToObject(ip, "subnet_id", "${var.subnet_id}");
            }
    /* Traffic Manager endpoints of the weighted geographies */
    cJSON *ep = NULL;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t g = 0; g < sc->n_geos; g++) {
            const sc_geo_routing *rt = &sc->geos[g].routing;
            if (!rt->weights || rt->mech != SC_ROUTE_DNS)
                continue;
            if (!ep)
                ep = obj(res, "azurerm_traffic_manager_azure_endpoint");
            for (size_t r = 0; r < sc->n_regions; r++) {
                if (rt->weights[r] < 0)
                    continue;
                char prof[256], en[256], label[600], pid[900], vlabel[300], vname[300],
                    target[400];
                sc_cloud_expand(prof, sizeof prof, ptmpl, sc->apps[a].name, sc->geos[g].name,
                                sc->regions[r].name);
                sc_cloud_expand(en, sizeof en, etmpl, sc->apps[a].name, sc->geos[g].name,
                                sc->regions[r].name);
                snprintf(label, sizeof label, "%s-%s", prof, en);
                tf_label(label);
                tf_name(vname, sizeof vname, tmpl, sc->apps[a].name, sc->regions[r].name);
                snprintf(vlabel, sizeof vlabel, "%s", vname);
                tf_label(vlabel);
                cJSON *e = cJSON_AddObjectToObject(ep, label);
                cJSON_AddStringToObject(e, "name", en);
                snprintf(pid, sizeof pid,
                         "/subscriptions/${var.subscription_id}/resourceGroups/%s/providers/"
                         "Microsoft.Network/trafficManagerProfiles/%s",
                         rg, prof);
                cJSON_AddStringToObject(e, "profile_id", pid);
                /* Traffic Manager weights are 1..1000: weight 0 is a disabled endpoint */
                cJSON_AddNumberToObject(e, "weight", rt->weights[r] > 0 ? rt->weights[r] : 1);
                cJSON_AddBoolToObject(e, "enabled", rt->weights[r] > 0);
                snprintf(target, sizeof target, "${var.endpoint_target_%s}", vlabel);
                cJSON_AddStringToObject(e, "target_resource_id", target);
                char vn[400];
                snprintf(vn, sizeof vn, "endpoint_target_%s", vlabel);
                if (!cJSON_GetObjectItemCaseSensitive(obj(root, "variable"), vn))
                    tf_variable(root, vn, "resource id behind the region's endpoint");
            }
        }
    if (ep)
        tf_variable(root, "subscription_id", "subscription of the Traffic Manager profiles");
}

static void tf_gcp(cJSON *root, const sc_scenario *sc, const int *counts, const char *tmpl,
                   const cJSON *sec)
{
    const char *project = str_or(sec, "project", "${var.project}");
    const char *btmpl = str_or(sec, "backend_service", "sculpt-{app}");
    if (strcmp(project, "${var.project}") == 0)
        tf_variable(root, "project", "GCP project");
    tf_variable(root, "instance_template", "self link of the groups' instance template");
    tf_variable(root, "spot_instance_template", "self link of the spot groups' template");
    cJSON *p = obj(obj(root, "provider"), "google");
    cJSON_AddStringToObject(p, "project", project);
    cJSON *res = obj(root, "resource");
    cJSON *mig = obj(res, "google_compute_region_instance_group_manager");
    cJSON *bes = NULL;
    for (size_t a = 0; a < sc->n_apps; a++) {
        cJSON *backends = NULL;
        int routed = 0;
        for (size_t g = 0; g < sc->n_geos; g++)
            routed |= sc->geos[g].routing.weights != NULL;
        if (routed) {
            char bs[256], bl[256];
            sc_cloud_expand(bs, sizeof bs, btmpl, sc->apps[a].name, "", "");
            snprintf(bl, sizeof bl, "%s", bs);
            tf_label(bl);
            if (!bes)
                bes = obj(res, "google_compute_backend_service");
            cJSON *b = cJSON_AddObjectToObject(bes, bl);
            cJSON_AddStringToObject(b, "name", bs);
            cJSON_AddStringToObject(b, "load_balancing_scheme", "EXTERNAL_MANAGED");
            backends = cJSON_AddArrayToObject(b, "backend");
        }
        for (size_t r = 0; r < sc->n_regions; r++) {
            /* the capacity scaler of the region: the first weighted geography's weight */
            int w = -1;
            for (size_t g = 0; g < sc->n_geos && w < 0; g++)
                if (sc->geos[g].routing.weights)
                    w = sc->geos[g].routing.weights[r];
            for (int spot = 0; spot < 2; spot++) {
                const int *x = counts + (a * sc->n_regions + r) * SC_PURCHASE_COUNT;
                int n = spot ? x[SC_PURCHASE_SPOT]
                             : x[SC_PURCHASE_ONDEMAND] + x[SC_PURCHASE_RESERVED];
                if (spot && n == 0)
                    continue;
                char name[300], label[300], ref[400];
                tf_name(name, sizeof name, tmpl, sc->apps[a].name, sc->regions[r].name);
                if (spot)
                    strncat(name, "-spot", sizeof name - strlen(name) - 1);
                snprintf(label, sizeof label, "%s", name);
                tf_label(label);
                cJSON *m = cJSON_AddObjectToObject(mig, label);
                cJSON_AddStringToObject(m, "name", name);
                cJSON_AddStringToObject(m, "base_instance_name", name);
                cJSON_AddStringToObject(m, "region", sc->regions[r].name);
                cJSON_AddNumberToObject(m, "target_size", n);
                cJSON *v = cJSON_AddObjectToObject(m, "version");
                cJSON_AddStringToObject(v, "name", spot ? "spot" : "primary");
                cJSON_AddStringToObject(v, "instance_template",
                                        spot ? "${var.spot_instance_template}"
                                             : "${var.instance_template}");
                if (backends && !spot && w >= 0) {
                    cJSON *b = cJSON_CreateObject();
                    snprintf(ref, sizeof ref,
                             "${google_compute_region_instance_group_manager.%s.instance_group}",
                             label);
                    cJSON_AddStringToObject(b, "group", ref);
                    cJSON_AddStringToObject(b, "balancing_mode", "UTILIZATION");
                    cJSON_AddNumberToObject(b, "capacity_scaler", w / 255.0);
                    cJSON_AddItemToArray(backends, b);
                }
            }
        }
    }
}

/* aws_route53_record weighted records of the weighted geographies ($.live.route53). */
static void tf_route53(cJSON *root, const sc_scenario *sc, const cJSON *r53)
{
    const char *zone = str_or(r53, "hosted_zone_id", "");
    const char *rec = str_or(r53, "record", "{app}.{geo}.sculpt.internal");
    const char *tgt = str_or(r53, "target", "{app}-{region}.sculpt.internal");
    const char *type = str_or(r53, "type", "CNAME");
    const cJSON *ttl = cJSON_GetObjectItemCaseSensitive(r53, "ttl");
    cJSON *rr = NULL;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t g = 0; g < sc->n_geos; g++) {
            const sc_geo_routing *rt = &sc->geos[g].routing;
            if (!rt->weights || rt->mech != SC_ROUTE_DNS)
                continue;
            if (!rr)
                rr = obj(obj(root, "resource"), "aws_route53_record");
            for (size_t r = 0; r < sc->n_regions; r++) {
                if (rt->weights[r] < 0)
                    continue;
                char name[256], value[256], label[600];
                sc_cloud_expand(name, sizeof name, rec, sc->apps[a].name, sc->geos[g].name,
                                sc->regions[r].name);
                sc_cloud_expand(value, sizeof value, tgt, sc->apps[a].name, sc->geos[g].name,
                                sc->regions[r].name);
                snprintf(label, sizeof label, "%s-%s", name, sc->regions[r].name);
                tf_label(label);
                cJSON *e = cJSON_AddObjectToObject(rr, label);
                cJSON_AddStringToObject(e, "zone_id", zone);
                cJSON_AddStringToObject(e, "name", name);
                cJSON_AddStringToObject(e, "type", type);
                cJSON_AddNumberToObject(e, "ttl", cJSON_IsNumber(ttl) ? ttl->valuedouble : 60);
                cJSON *recs = cJSON_AddArrayToObject(e, "records");
                cJSON_AddItemToArray(recs, cJSON_CreateString(value));
                cJSON_AddStringToObject(e, "set_identifier", sc->regions[r].name);
                cJSON *wp = cJSON_AddObjectToObject(e, "weighted_routing_policy");
                cJSON_AddNumberToObject(wp, "weight", rt->weights[r]);
            }
        }
}

sc_status sc_terraform_render(const sc_scenario *sc, const char *group_tmpl, const int *counts,
                              char **out, sc_error *err)
{
    const char *tmpl0 = group_tmpl && group_tmpl[0] ? group_tmpl : "sculpt-{app}-{region}";
    cJSON *src = NULL;
    const cJSON *sec = NULL;
    tf_cloud cloud = tf_cloud_of(sc, &src, &sec);
    if (cloud != TF_AWS) {
        *out = NULL;
        cJSON *root = cJSON_CreateObject();
        if (!root) {
            cJSON_Delete(src);
            return sc_error_set(err, SC_ERR_NOMEM, "terraform", "out of memory");
        }
        if (cloud == TF_AZURE)
            tf_azure(root, sc, counts, tmpl0, sec);
        else
            tf_gcp(root, sc, counts, tmpl0, sec);
        cJSON_Delete(src);
        *out = cJSON_Print(root);
        cJSON_Delete(root);
        return *out ? SC_OK : sc_error_set(err, SC_ERR_NOMEM, "terraform", "out of memory");
    }
    sc_status rst = tf_render_aws(sc, group_tmpl, counts, sec, out, err);
    cJSON_Delete(src);
    return rst;
}

static sc_status tf_render_aws(const sc_scenario *sc, const char *group_tmpl,
                                         const int *counts, const cJSON *r53, char **out,
                                         sc_error *err)
{
    *out = NULL;
    const char *tmpl = group_tmpl && group_tmpl[0] ? group_tmpl : "sculpt-{app}-{region}";
    cJSON *root = tf_root(sc);
    if (!root)
        return sc_error_set(err, SC_ERR_NOMEM, "terraform", "out of memory");
    cJSON *res = cJSON_GetObjectItemCaseSensitive(root, "resource");
    sc_status st = SC_OK;
    for (size_t a = 0; a < sc->n_apps && !st; a++)
        st = tf_add_app(res, sc, a, counts + a * sc->n_regions * SC_PURCHASE_COUNT, tmpl, err);
    if (!st && r53)
        tf_route53(root, sc, r53);
    if (!st && !(*out = cJSON_Print(root)))
        st = sc_error_set(err, SC_ERR_NOMEM, "terraform", "out of memory");
    cJSON_Delete(root);
    return st;
}

/* ---- the live provider ------------------------------------------------------------ */

typedef struct tfp {
    const sc_scenario *sc;
    char dir[1024];
    char cmd[1024];             /* "" = none */
    char tmpl[128];
    int execute;
    int *counts;                /* [(app * n_regions + region) * 3 + option] */
    int dirty;                  /* counts changed since the last revision */
    long revisions, commands;
} tfp;

static sc_status tfp_init(void *state, const void *config, sc_error *err)
{
    tfp *t = state;
    const sc_cloud_config *cfg = config;
    if (!cfg || !cfg->sc)
        return sc_error_set(err, SC_ERR_INTERNAL, "terraform", "the provider needs a config");
    if (!cfg->out_dir || !cfg->out_dir[0])
        return sc_error_set(err, SC_ERR_USAGE, "--out",
                            "--provider terraform writes its revisions into --out DIR");
    if (cfg->endpoint)
        return sc_error_set(err, SC_ERR_USAGE, "--endpoint",
                            "the terraform provider calls no endpoint");
    const sc_scenario *sc = cfg->sc;
    t->sc = sc;
    t->execute = cfg->execute;
    snprintf(t->dir, sizeof t->dir, "%s", cfg->out_dir);
    snprintf(t->cmd, sizeof t->cmd, "%s", cfg->apply_command ? cfg->apply_command : "");
    snprintf(t->tmpl, sizeof t->tmpl, "%s", cfg->group_name ? cfg->group_name
                                                             : "sculpt-{app}-{region}");
    size_t n = sc->n_apps * sc->n_regions * SC_PURCHASE_COUNT;
    t->counts = calloc(n + 1, sizeof *t->counts);
    if (!t->counts)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t i = 0; i < sc->apps[a].n_initial; i++) {
            const sc_initial_alloc *ia = &sc->apps[a].initial[i];
            t->counts[(a * sc->n_regions + (size_t)ia->region) * SC_PURCHASE_COUNT +
                      (size_t)ia->option] += ia->count;
        }
    return SC_OK;
}

static void tfp_cleanup(void *state)
{
    tfp *t = state;
    free(t->counts);
}

static sc_status tfp_apply(void *state, const sc_action *act, sc_time_ms now,
                           sc_action_result *res, sc_error *err)
{
    tfp *t = state;
    const sc_scenario *sc = t->sc;
    if (act->type != sc->apps[act->app].instance_type)
        return sc_error_set(err, SC_ERR_INPUT, "terraform",
                            "pool %s/%s %s: only each app's own instance type is declared",
                            sc->apps[act->app].name, sc->regions[act->region].name,
                            sc->types[act->type].name);
    int *c = &t->counts[((size_t)act->app * sc->n_regions + (size_t)act->region) *
                            SC_PURCHASE_COUNT + (size_t)act->option];
    int n = act->count;
    if (act->kind == SC_ACTION_DEPROVISION) {
        if (n > *c) {
            res->limited = n - *c;
            n = *c;
        }
        *c -= n;
    } else {
        *c += n;
    }
    res->accepted = n;
    t->dirty |= n > 0;
    return SC_OK;
}

static sc_status tfp_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                              sc_error *err)
{
    tfp *t = state;
    memset(out, 0, n * sizeof *out);
    for (size_t i = 0; i < n; i++)
        out[i].ready = t->counts[i];
    return SC_OK;
}

static sc_status tfp_describe(void *state, int app, int region, int type, sc_purchase option,
                              sc_pool_state *out, sc_error *err)
{
    tfp *t = state;
    out->ready = t->counts[((size_t)app * t->sc->n_regions + (size_t)region) *
                               SC_PURCHASE_COUNT + (size_t)option];
    return SC_OK;
}

/* Run the apply command on file: sh -c 'CMD "$1"' sculpt FILE. */
static sc_status run_command(tfp *t, const char *file, sc_error *err)
{
    char script[1200];
    snprintf(script, sizeof script, "%s \"$1\"", t->cmd);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return sc_error_set(err, SC_ERR_IO, "apply_command", "fork failed: %s", strerror(errno));
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", script, "sculpt", file, (char *)NULL);
        _exit(127);
    }
    int status;
    while (waitpid(pid, &status, 0) < 0)
        if (errno != EINTR)
            return sc_error_set(err, SC_ERR_IO, "apply_command", "wait failed");
    t->commands++;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
        return sc_error_set(err, SC_ERR_IO, "apply_command",
                            "'%s' failed on %s (exit status %d): the loop stops; fix it and "
                            "rerun with the same journal",
                            t->cmd, file, WIFEXITED(status) ? WEXITSTATUS(status) : -1);
    return SC_OK;
}

static sc_status tfp_revision(tfp *t, sc_cloud_revision *rv, sc_error *err)
{
    if (!t->dirty)
        return SC_OK;
    t->dirty = 0;
    char *txt = NULL;
    sc_status st = sc_terraform_render(t->sc, t->tmpl, t->counts, &txt, err);
    if (st)
        return st;
    char path[1200];
    snprintf(path, sizeof path, "%s/plan-%lld.tf.json", t->dir, (long long)rv->t);
    sc_atomic_file af;
    if ((st = sc_atomic_begin(&af, path, err))) {
        free(txt);
        return st;
    }
    FILE *fp = fopen(af.tmp, "w");
    int bad = !fp || fprintf(fp, "%s\n", txt) < 0;
    if (fp)
        bad |= fclose(fp) != 0;
    free(txt);
    if (bad) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot write the revision");
    }
    if ((st = sc_atomic_commit(&af, err)))
        return st;
    t->revisions++;
    if (t->execute && t->cmd[0] && !rv->replaying) {
        if ((st = run_command(t, path, err)))
            return st;
        rv->written = 1;
    }
    return SC_OK;
}

static sc_status tfp_ctrl(void *state, int op, void *arg, sc_error *err)
{
    tfp *t = state;
    switch (op) {
    case SC_PROVIDER_CTRL_IS_REAL:
        *(int *)arg = 0; /* files only; the apply command runs with execute */
        return SC_OK;
    case SC_PROVIDER_CTRL_REVISION:
        return tfp_revision(t, arg, err);
    case SC_PROVIDER_CTRL_CLOUD_STATS: {
        sc_cloud_stats *s = arg;
        memset(s, 0, sizeof *s);
        s->mutating = t->commands;
        return SC_OK;
    }
    default:
        return SC_ERR_NOTFOUND;
    }
}

const sc_provider_type sc_terraform_provider_type = {
    .name = "terraform",
    .version = 2,
    .state_size = sizeof(tfp),
    .init = tfp_init,
    .cleanup = tfp_cleanup,
    .apply = tfp_apply,
    .describe = tfp_describe,
    .ctrl = tfp_ctrl,
    .snapshot = tfp_snapshot,
};
