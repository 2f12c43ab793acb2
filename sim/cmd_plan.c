/*
 * cmd_plan.c - `sculpt plan`: the Resource Allocation Plan for a scenario at a time.
 *
 *   sculpt plan --scenario S.json [--at TIME] [--horizon 24h] [--step 1h]
 *               [--allocation ALLOC.json] [--optimizer lp|ga] [--json]
 *               [--format table|json|terraform] [-o FILE]
 *
 * Demand comes from the scenario's traces (the world the simulator builds).  For each
 * app and geography, the demand of plan step k (at = --at + k * step) is read as
 * empirical quantiles (levels 0.5, 0.9, 0.99, linear interpolation) of the peak demand
 * of the same time of day on each of the up to 14 previous days before --at: a
 * seasonal-naive quantile forecast that needs no fitted model ("forecast":
 * "empirical-daily" in the explanations).  Only history before --at is read.
 *
 * Apps are planned one at a time in scenario order; each app's peak use of a region
 * (instances of its type, vCPUs) is taken off the capacity limits and quotas the next
 * apps see (remaining-capacity coordination of shared limits).  The current allocation
 * is the scenario's initial one, or ALLOC.json:
 *   {"<app>": {"<region>": {"on_demand": 3, "reserved": 2, "spot": 0}}}
 * Output: a table per app, or with --json (--format json) one JSON array of per-app
 * plans (plan.h), or with --format terraform a Terraform JSON configuration (.tf.json) of
 * the capacity the plan holds in its first step (issue 12, item 2, Terraform part):
 *   per region, a provider "aws" with alias = region;
 *   per (app, region), resource aws_launch_template (name, image_id, instance_type) and
 *   aws_autoscaling_group (name, min_size, max_size, desired_capacity =
 *   on-demand + reserved + spot instances of the first plan step, availability_zones,
 *   mixed_instances_policy: instances_distribution.on_demand_base_capacity = on-demand
 *   + reserved, on_demand_percentage_above_base_capacity = 0 (the rest is spot),
 *   launch_template.launch_template_specification {launch_template_name, version}).
 * Group names follow the scenario's live.group_name template (default
 * "sculpt-{app}-{region}"); the image is a variable ("image_id").  Only AWS resources
 * are written so far (sc_terraform_render, core/cloud/terraform.c); attribute names are
 * checked against the provider's schema in tests/test_live_terraform.c.  -o FILE is
 * written atomically (stdout without it).
 * Exit codes: 0 ok, 2 bad input or usage, 3 I/O error, 1 runtime failure.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "cli.h"
#include "sculpt/cloud.h"
#include "sculpt/fsutil.h"
#include "sculpt/live.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sim.h"

#define NQ 3
static const double qlevels[NQ] = {0.5, 0.9, 0.99};

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt plan --scenario S.json [--at TIME] [--horizon 24h] [--step 1h]\n"
            "                   [--allocation ALLOC.json] [--optimizer lp|ga] [--json]\n"
            "                   [--format table|json|terraform] [-o FILE]\n"
            "\n"
            "Plan capacity for every app of a scenario from time --at (default: the end of\n"
            "the warm-up) over --horizon, from empirical same-hour quantiles of the\n"
            "history before --at, and print the timed actions with their explanations.\n"
            "\n"
            "  --scenario FILE    scenario JSON (its traces give the history)\n"
            "  --at TIME          planning instant (ISO 8601); default start + warmup\n"
            "  --horizon DUR      plan horizon (default 24h)\n"
            "  --step DUR         plan step (default 1h)\n"
            "  --allocation FILE  current allocation JSON (default: the scenario's initial)\n"
            "  --optimizer NAME   lp (default) or ga\n"
            "  --json             print a JSON array of per-app plans (= --format json)\n"
            "  --format F         table (default), json, or terraform (a .tf.json of the\n"
            "                     groups and their capacities in the first plan step)\n"
            "  -o FILE            write there (atomically) instead of stdout\n"
            "  -h, --help         this help\n");
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/* Empirical quantile (type 7, linear) of sorted v[0..n-1]. */
static double quantile(const double *v, int n, double q)
{
    if (n <= 0)
        return 0.0;
    double h = (n - 1) * q;
    int lo = (int)floor(h);
    int hi = lo + 1 < n ? lo + 1 : lo;
    return v[lo] + (h - lo) * (v[hi] - v[lo]);
}

static sc_status read_allocation(const char *path, const sc_scenario *sc, int *cur,
                                 sc_error *err)
{
    FILE *fp = fopen(path, "rb");
    if (!fp)
        return sc_error_set(err, SC_ERR_IO, path, "cannot open allocation file");
    fseek(fp, 0, SEEK_END);
    long n = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *txt = malloc((size_t)(n > 0 ? n : 0) + 1);
    if (!txt) {
        fclose(fp);
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    }
    size_t got = fread(txt, 1, (size_t)(n > 0 ? n : 0), fp);
    txt[got] = '\0';
    fclose(fp);
    cJSON *root = cJSON_Parse(txt);
    free(txt);
    if (!cJSON_IsObject(root)) {
        cJSON_Delete(root);
        return sc_error_set(err, SC_ERR_INPUT, path, "expected a JSON object {app: {region: "
                                                     "{option: count}}}");
    }
    size_t nr = sc->n_regions;
    memset(cur, 0, sc->n_apps * nr * 3 * sizeof *cur);
    sc_status st = SC_OK;
    for (cJSON *ja = root->child; ja && !st; ja = ja->next) {
        int a = -1;
        for (size_t i = 0; i < sc->n_apps; i++)
            if (strcmp(sc->apps[i].name, ja->string) == 0)
                a = (int)i;
        char where[256];
        snprintf(where, sizeof where, "%s: $.%s", path, ja->string);
        if (a < 0 || !cJSON_IsObject(ja)) {
            st = sc_error_set(err, SC_ERR_INPUT, where, "expected an app name with an object");
            break;
        }
        for (cJSON *jr = ja->child; jr && !st; jr = jr->next) {
            int r = sc_scenario_region_index(sc, jr->string);
            snprintf(where, sizeof where, "%s: $.%s.%s", path, ja->string, jr->string);
            if (r < 0 || !cJSON_IsObject(jr)) {
                st = sc_error_set(err, SC_ERR_INPUT, where, "expected a region name with an object");
                break;
            }
            for (cJSON *jo = jr->child; jo; jo = jo->next) {
                int o = -1;
                for (int k = 0; k < SC_PURCHASE_COUNT; k++)
                    if (strcmp(jo->string, sc_purchase_name((sc_purchase)k)) == 0)
                        o = k;
                if (o < 0 || !cJSON_IsNumber(jo) || jo->valuedouble < 0 ||
                    jo->valuedouble != floor(jo->valuedouble) || jo->valuedouble > 1e7) {
                    st = sc_error_set(err, SC_ERR_INPUT, where,
                                      "'%s': expected on_demand, reserved or spot with a "
                                      "non-negative integer count",
                                      jo->string);
                    break;
                }
                cur[((size_t)a * nr + (size_t)r) * 3 + (size_t)o] = (int)jo->valuedouble;
            }
        }
    }
    cJSON_Delete(root);
    return st;
}

/* Write text to path atomically, or to stdout when path is NULL. */
static sc_status write_out(const char *path, const char *text, sc_error *err)
{
    if (!path) {
        printf("%s\n", text);
        return SC_OK;
    }
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st)
        return st;
    FILE *fp = fopen(af.tmp, "w");
    if (!fp)
        return sc_error_set(err, SC_ERR_IO, path, "cannot write");
    int bad = fprintf(fp, "%s\n", text) < 0;
    bad |= fclose(fp) != 0;
    if (bad) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "write failed");
    }
    return sc_atomic_commit(&af, err);
}

int sc_cmd_plan(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"scenario", required_argument, NULL, 's'}, {"at", required_argument, NULL, 'a'},
        {"horizon", required_argument, NULL, 'H'},  {"step", required_argument, NULL, 'S'},
        {"allocation", required_argument, NULL, 'A'}, {"optimizer", required_argument, NULL, 'P'},
        {"json", no_argument, NULL, 'j'},           {"store", required_argument, NULL, 'T'},
        {"format", required_argument, NULL, 'F'},   {"output", required_argument, NULL, 'O'},
        {"help", no_argument, NULL, 'h'},           {NULL, 0, NULL, 0}};
    const char *out_path = NULL;
    int terraform = 0;
    const char *scen = NULL, *at_s = NULL, *alloc = NULL, *optname = "lp";
    int64_t horizon = 24 * SC_MS_PER_HOUR, step = SC_MS_PER_HOUR;
    int json = 0;
    sc_error err;
    sc_error_clear(&err);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "ho:", longopts, NULL)) != -1) {
        switch (c) {
        case 'o':
        case 'O': out_path = optarg; break;
        case 'F':
            if (strcmp(optarg, "json") == 0)
                json = 1;
            else if (strcmp(optarg, "terraform") == 0)
                terraform = 1;
            else if (strcmp(optarg, "table") != 0) {
                sc_error_set(&err, SC_ERR_USAGE, "--format",
                             "expected table, json or terraform, got '%s'", optarg);
                return sc_cli_fail(&err);
            }
            break;
        case 's': scen = optarg; break;
        case 'a': at_s = optarg; break;
        case 'A': alloc = optarg; break;
        case 'P': optname = optarg; break;
        case 'j': json = 1; break;
        case 'H':
            if (sc_duration_parse(optarg, &horizon) || horizon <= 0) {
                sc_error_set(&err, SC_ERR_USAGE, "--horizon", "expected a positive duration");
                return sc_cli_fail(&err);
            }
            break;
        case 'S':
            if (sc_duration_parse(optarg, &step) || step <= 0) {
                sc_error_set(&err, SC_ERR_USAGE, "--step", "expected a positive duration");
                return sc_cli_fail(&err);
            }
            break;
        case 'T':
            sc_error_set(&err, SC_ERR_USAGE, "--store",
                         "not supported yet: the history comes from the scenario's traces");
            return sc_cli_fail(&err);
        case 'h': usage(stdout); return 0;
        default: usage(stderr); return 2;
        }
    }
    if (!scen || optind != argc) {
        usage(stderr);
        return 2;
    }
    if (out_path && !json && !terraform) {
        sc_error_set(&err, SC_ERR_USAGE, "-o", "writes --format json or terraform output");
        return sc_cli_fail(&err);
    }
    if (json && terraform) {
        sc_error_set(&err, SC_ERR_USAGE, "--format", "choose one of --json and terraform");
        return sc_cli_fail(&err);
    }
    int K = (int)(horizon / step);
    if (K < 1 || K > 10000) {
        sc_error_set(&err, SC_ERR_USAGE, "--horizon", "horizon / step must be 1..10000 steps");
        return sc_cli_fail(&err);
    }
    const sc_optimizer_type *ot;
    if (sc_optimizer_find(optname, &ot, &err))
        return sc_cli_fail(&err);

    sc_scenario *sc = NULL;
    sc_world *w = NULL;
    sc_optimizer *opt = NULL;
    sc_opt_problem_buf *b = NULL;
    sc_opt_solution *sol = NULL;
    int *cur = NULL;
    double *used = NULL, *used_vcpu = NULL, *samples = NULL;
    int64_t *lead = NULL;
    cJSON *all = NULL;
    sc_live_section sec;
    memset(&sec, 0, sizeof sec);
    int *counts = NULL;
    sc_rap rap;
    sc_rap_init(&rap);
    sc_status st = sc_scenario_load(scen, &sc, &err);
    if (st)
        goto done;
    sc_time_ms at = sc->start + sc->warmup_ms;
    if (at_s && (st = sc_time_parse(at_s, NULL, &at)) != SC_OK) {
        st = sc_error_set(&err, SC_ERR_USAGE, "--at", "expected an ISO 8601 time, got '%s'", at_s);
        goto done;
    }
    if ((st = sc_world_build_layout(sc, -1, &w, &err) /* reads the step arrays */) != SC_OK)
        goto done;
    {
        /* history is read before --at: outside the scenario's data there is none, and
         * days past the end must not be counted as history (issue 13) */
        sc_time_ms end = sc->start + (sc_time_ms)w->n_steps * sc->step_ms;
        if (at <= sc->start || at > end) {
            char t0[40], t1[40], ta[40];
            st = sc_error_set(&err, SC_ERR_RANGE, "--at",
                              "%s is outside the scenario's data (%s .. %s); plan from a "
                              "time after its start and not after its end",
                              sc_time_format(at, ta, sizeof ta),
                              sc_time_format(sc->start, t0, sizeof t0),
                              sc_time_format(end, t1, sizeof t1));
            goto done;
        }
    }
    size_t R = sc->n_regions, G = sc->n_geos, NA = sc->n_apps;
    cur = calloc(NA * R * 3, sizeof *cur);
    used = calloc(sc->n_types * R, sizeof *used);
    used_vcpu = calloc(R, sizeof *used_vcpu);
    lead = calloc(R, sizeof *lead);
    samples = calloc(15, sizeof *samples);
    if (!cur || !used || !used_vcpu || !lead || !samples) {
        st = sc_error_set(&err, SC_ERR_NOMEM, "plan", "out of memory");
        goto done;
    }
    if (alloc) {
        if ((st = read_allocation(alloc, sc, cur, &err)) != SC_OK)
            goto done;
    } else {
        for (size_t a = 0; a < NA; a++)
            for (size_t i = 0; i < sc->apps[a].n_initial; i++) {
                const sc_initial_alloc *ia = &sc->apps[a].initial[i];
                cur[(a * R + (size_t)ia->region) * 3 + ia->option] += ia->count;
            }
    }
    if ((st = sc_optimizer_alloc(optname, NULL, &opt, &err)) ||
        (st = sc_opt_problem_alloc((int)R, (int)G, K, NQ, &b, &err)) ||
        (st = sc_opt_solution_alloc((int)R, (int)G, K, NQ, &sol, &err)))
        goto done;
    if (json)
        all = cJSON_CreateArray();
    if (terraform) {
        if ((st = sc_live_section_read(sc, &sec, &err)))
            goto done;
        counts = calloc(NA * R * 3 + 1, sizeof *counts);
        if (!counts) {
            st = sc_error_set(&err, SC_ERR_NOMEM, "plan", "out of memory");
            goto done;
        }
    }
    int64_t at_step = sc_time_floor_div(at - sc->start, sc->step_ms);
    int64_t per = step / sc->step_ms > 0 ? step / sc->step_ms : 1;
    for (size_t a = 0; a < NA; a++) {
        const sc_app *app = &sc->apps[a];
        double ucap = sc_costmodel_unit_cap(sc, (int)a);
        for (size_t r = 0; r < R; r++)
            for (int o = 0; o < 3; o++)
                b->current[r * 3 + (size_t)o] = cur[(a * R + r) * 3 + (size_t)o];
        sc_costmodel_opts co;
        sc_costmodel_opts_init(&co);
        if ((st = sc_costmodel_fill(sc, (int)a, &co, step, at, used + (size_t)app->instance_type * R,
                                    used_vcpu, b, &err)))
            goto done;
        for (int q = 0; q < NQ; q++)
            b->qlevel[q] = qlevels[q];
        int hist_days = 0;
        for (size_t g = 0; g < G; g++) {
            const float *lag = w->load_ag[a * G + g];
            for (int k = 0; k < K; k++) {
                int n = 0;
                for (int d = 1; d <= 14; d++) {
                    int64_t s0 = at_step + (int64_t)k * per - (int64_t)d * (SC_MS_PER_DAY / sc->step_ms);
                    if (s0 < 0 || s0 + per > at_step)
                        continue;
                    double peak = 0.0;
                    for (int64_t j = s0; j < s0 + per && j < w->n_steps; j++)
                        if (lag[j] > peak)
                            peak = lag[j];
                    samples[n++] = peak / ucap;
                }
                if (n > hist_days)
                    hist_days = n;
                qsort(samples, (size_t)n, sizeof *samples, cmp_double);
                for (int q = 0; q < NQ; q++)
                    b->demand[((g * (size_t)K) + (size_t)k) * NQ + (size_t)q] =
                        quantile(samples, n, qlevels[q]);
            }
        }
        if ((st = sc_optimizer_solve(opt, &b->p, sol, &err)))
            goto done;
        for (size_t r = 0; r < R; r++)
            lead[r] = sc_costmodel_lead_ms(sc, (int)a, (int)r, co.lead_quantile);
        sc_rap_clear(&rap);
        sc_rap_ctx ctx = {.sc = sc, .app = (int)a, .type = app->instance_type, .now = at,
                          .lead_ms = lead, .forecast = "empirical-daily"};
        if ((st = sc_rap_build(&rap, &ctx, &b->p, sol, &err)))
            goto done;
        /* Coordination: this app's peak use comes off the limits the next apps see. */
        for (size_t r = 0; r < R; r++) {
            int peak = 0;
            for (int k = 0; k < K; k++) {
                int n = 0;
                for (int o = 0; o < 3; o++)
                    n += sol->x[SC_OPT_X(&b->p, r, o, k)];
                if (n > peak)
                    peak = n;
            }
            used[(size_t)app->instance_type * R + r] += peak;
            used_vcpu[r] += peak * sc->types[app->instance_type].capacity[SC_METRIC_CPU];
        }
        if (terraform) {
            for (size_t r = 0; r < R; r++)
                for (int o = 0; o < 3; o++)
                    counts[(a * R + r) * 3 + (size_t)o] = sol->x[SC_OPT_X(&b->p, r, o, 0)];
        } else if (json) {
            cJSON *j = sc_rap_to_json(&rap, sc, app->name, optname, &b->p);
            if (!j) {
                st = sc_error_set(&err, SC_ERR_NOMEM, "plan", "out of memory");
                goto done;
            }
            cJSON_AddNumberToObject(j, "history_days", hist_days);
            cJSON_AddItemToArray(all, j);
        } else {
            char t[32];
            printf("== app %s: plan from %s, %d steps of %llds, optimizer %s, %d days of history\n",
                   app->name, sc_time_format(at, t, sizeof t), K, (long long)(step / 1000),
                   optname, hist_days);
            sc_rap_print(&rap, sc, stdout);
            printf("\n");
        }
    }
    if (json || terraform) {
        char *txt = NULL;
        if (terraform) {
            if ((st = sc_terraform_render(sc, sec.group_name, counts, &txt, &err)))
                goto done;
        } else if (!(txt = cJSON_Print(all))) {
            st = sc_error_set(&err, SC_ERR_NOMEM, "plan", "out of memory");
            goto done;
        }
        st = write_out(out_path, txt, &err);
        free(txt);
    }
done:
    cJSON_Delete(all);
    free(counts);
    sc_live_section_cleanup(&sec);
    sc_rap_cleanup(&rap);
    sc_opt_solution_free(sol);
    sc_opt_problem_free(b);
    sc_optimizer_free(opt);
    free(cur);
    free(used);
    free(used_vcpu);
    free(lead);
    free(samples);
    sc_world_free(w);
    sc_scenario_free(sc);
    if (st)
        return sc_cli_fail(&err);
    return 0;
}
