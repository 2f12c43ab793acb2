/*
 * terraform.c - Terraform output (cloud.h): sc_terraform_render, the .tf.json of the
 * groups and their capacities (used by `sculpt plan --format terraform`), and the
 * "terraform" live provider, which keeps the declared count of every pool, writes one
 * revision per change set and, with execute, runs the scenario's apply command on it.
 *
 * Attribute names follow the Terraform AWS provider's resource documentation
 * (aws_autoscaling_group, aws_launch_template); tests/test_live_terraform.c checks them
 * against tests/live/fixtures/terraform/aws.schema.  Only AWS resources so far.
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

#include "sculpt/fsutil.h"
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

sc_status sc_terraform_render(const sc_scenario *sc, const char *group_tmpl, const int *counts,
                              char **out, sc_error *err)
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
