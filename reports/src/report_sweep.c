/*
 * report_sweep.c - the sweep part of a report (report_sweep.h): takes the /summary rows
 * that the results reader (sim/results.c) read, marks the Pareto fronts and writes the
 * sweep plots.
 *
 * Only the summary group and the first run group's provenance attributes are read: a
 * sweep's per-run series can be large and one plot per run and app x region would not
 * be readable; `sculpt run` a single setting for those.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_sweep.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

const char *sc_report_sweep_metric(int m)
{
    return m >= 0 && m < SC_REPORT_SM_COUNT ? sc_summary_metric_name((sc_summary_metric)m) : "?";
}

void sc_report_sweep_free(sc_report_sweep *s)
{
    if (!s)
        return;
    sc_report_strings_free(s->axes, s->n_axes);
    sc_report_strings_free(s->settings, (size_t)s->n_settings);
    sc_report_strings_free(s->setting_short, (size_t)s->n_settings);
    sc_report_strings_free(s->policies, s->n_policies);
    free(s->rows);
    free(s);
}


/* "14d / 15s / 0.6" from {"$.duration":"14d", ...}; "setting N" if not an object. */
static char *short_setting(const char *json, size_t idx)
{
    char buf[512];
    size_t len = 0;
    buf[0] = '\0';
    cJSON *o = cJSON_Parse(json);
    const cJSON *it;
    if (cJSON_IsObject(o) && o->child) {
        cJSON_ArrayForEach(it, o)
        {
            char v[128];
            if (cJSON_IsString(it))
                snprintf(v, sizeof v, "%s", it->valuestring);
            else if (cJSON_IsNumber(it))
                snprintf(v, sizeof v, "%.10g", it->valuedouble);
            else {
                char *p = cJSON_PrintUnformatted(it);
                snprintf(v, sizeof v, "%s", p ? p : "?");
                free(p);
            }
            int w = snprintf(buf + len, sizeof buf - len, "%s%s", len ? " / " : "", v);
            if (w < 0 || (size_t)w >= sizeof buf - len)
                break;
            len += (size_t)w;
        }
    } else {
        snprintf(buf, sizeof buf, "setting %zu", idx);
    }
    cJSON_Delete(o);
    return strdup(buf);
}

/* Mark the rows on the Pareto front of the set selected by `policy` (NULL: all). */
static void mark_front(sc_report_sweep *s, const char *policy, int all)
{
    for (size_t i = 0; i < s->n_rows; i++) {
        sc_report_sweep_row *p = &s->rows[i];
        if (policy && strcmp(p->label, policy) != 0)
            continue;
        double pc = p->mean[SC_REPORT_SM_COST], ps = p->mean[SC_REPORT_SM_SLO];
        if (!isfinite(pc) || !isfinite(ps))
            continue;
        int dominated = 0;
        for (size_t j = 0; j < s->n_rows && !dominated; j++) {
            const sc_report_sweep_row *q = &s->rows[j];
            if (j == i || (policy && strcmp(q->label, policy) != 0))
                continue;
            double qc = q->mean[SC_REPORT_SM_COST], qs = q->mean[SC_REPORT_SM_SLO];
            dominated = qc <= pc && qs >= ps && (qc < pc || qs > ps);
        }
        if (!dominated) {
            if (all)
                p->front_all = 1;
            else
                p->front_policy = 1;
        }
    }
}

sc_status sc_report_sweep_read(sc_report_results *r, sc_error *err)
{
    const sc_results_sweep *in = &r->results->sweep;
    sc_report_sweep *s = calloc(1, sizeof *s);
    if (!s)
        return sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
    r->sweep = s;
    snprintf(s->name, sizeof s->name, "%s", in->name);
    snprintf(s->hash, sizeof s->hash, "%s", in->hash);
    s->base_seed = in->base_seed;
    s->n_settings = in->n_settings;
    s->n_replicates = in->n_replicates;
    s->n_runs = in->n_runs;
    size_t ns = (size_t)in->n_settings;
    s->axes = calloc(in->n_axes ? in->n_axes : 1, sizeof *s->axes);
    s->settings = calloc(ns, sizeof *s->settings);
    s->setting_short = calloc(ns, sizeof *s->setting_short);
    s->rows = calloc(in->n_rows ? in->n_rows : 1, sizeof *s->rows);
    s->policies = calloc(in->n_rows ? in->n_rows : 1, sizeof *s->policies);
    if (!s->axes || !s->settings || !s->setting_short || !s->rows || !s->policies)
        return sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
    for (size_t i = 0; i < in->n_axes; i++, s->n_axes++)
        if (!(s->axes[i] = strdup(in->axes[i])))
            return sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
    for (size_t i = 0; i < ns; i++)
        if (!(s->settings[i] = strdup(in->settings[i])) ||
            !(s->setting_short[i] = short_setting(s->settings[i], i)))
            return sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
    s->n_rows = in->n_rows;
    for (size_t i = 0; i < in->n_rows; i++) {
        sc_report_sweep_row *w = &s->rows[i];
        snprintf(w->label, sizeof w->label, "%s", in->rows[i].label);
        w->setting = in->rows[i].setting;
        w->n = in->rows[i].n;
        for (int m = 0; m < SC_REPORT_SM_COUNT; m++) {
            w->mean[m] = in->rows[i].mean[m];
            w->ci95[m] = in->rows[i].ci95[m];
        }
    }
    /* distinct policies in first-seen order (the summary lists them in scenario order) */
    for (size_t i = 0; i < s->n_rows; i++) {
        size_t k = 0;
        while (k < s->n_policies && strcmp(s->policies[k], s->rows[i].label) != 0)
            k++;
        if (k == s->n_policies) {
            if (!(s->policies[s->n_policies] = strdup(s->rows[i].label)))
                return sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
            s->n_policies++;
        }
    }
    mark_front(s, NULL, 1);
    for (size_t k = 0; k < s->n_policies; k++)
        mark_front(s, s->policies[k], 0);
    return SC_OK;
}

/* The last component of an axis path: "$.policies[1].params.sync" -> "sync". */
static void axis_short(const char *path, char *out, size_t cap)
{
    const char *p = strrchr(path, '.');
    p = p ? p + 1 : path;
    snprintf(out, cap, "%s", p);
}

static void put_ci(FILE *f, double v, double scale)
{
    sc_report_gp_num(f, isfinite(v) ? v * scale : 0.0);
}

sc_status sc_report_sweep_plots(const sc_report_results *r, const char *dir, FILE *gp,
                                int png, int svg, sc_report_plots *out, sc_error *err)
{
    const sc_report_sweep *s = r->sweep;
    char path[4400];
    sc_status st = SC_OK;
    char *body = NULL;
    size_t body_len = 0;
    /* points: one block per policy (gnuplot `index`) */
    snprintf(path, sizeof path, "%s/gnuplot/sweep_points.dat", dir);
    FILE *f = fopen(path, "w");
    if (!f)
        return sc_error_set(err, SC_ERR_IO, path, "cannot create");
    for (size_t k = 0; k < s->n_policies; k++) {
        fprintf(f, "%s# policy %zu: setting slo_pct slo_ci95_pct cost_usd cost_ci95_usd "
                   "on_policy_front on_front\n",
                k ? "\n\n" : "", k);
        for (size_t i = 0; i < s->n_rows; i++) {
            const sc_report_sweep_row *w = &s->rows[i];
            if (strcmp(w->label, s->policies[k]) != 0)
                continue;
            fprintf(f, "%" PRId64 " ", w->setting);
            sc_report_gp_num(f, 100.0 * w->mean[SC_REPORT_SM_SLO]);
            fputc(' ', f);
            put_ci(f, w->ci95[SC_REPORT_SM_SLO], 100.0);
            fputc(' ', f);
            sc_report_gp_num(f, w->mean[SC_REPORT_SM_COST]);
            fputc(' ', f);
            put_ci(f, w->ci95[SC_REPORT_SM_COST], 1.0);
            fprintf(f, " %d %d\n", w->front_policy, w->front_all);
        }
    }
    int bad = ferror(f);
    if (fclose(f) || bad)
        return sc_error_set(err, SC_ERR_IO, path, "write failed");
    /* fronts sorted by SLO attainment: one block per policy, then the overall front */
    snprintf(path, sizeof path, "%s/gnuplot/sweep_front.dat", dir);
    f = fopen(path, "w");
    if (!f)
        return sc_error_set(err, SC_ERR_IO, path, "cannot create");
    size_t *idx = malloc(s->n_rows * sizeof *idx);
    if (!idx) {
        fclose(f);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t k = 0; k <= s->n_policies; k++) {
        size_t n = 0;
        for (size_t i = 0; i < s->n_rows; i++) {
            const sc_report_sweep_row *w = &s->rows[i];
            int in = k < s->n_policies ? (w->front_policy && strcmp(w->label, s->policies[k]) == 0)
                                       : w->front_all;
            if (in)
                idx[n++] = i;
        }
        /* insertion sort by (slo, cost): a handful of points, stable */
        for (size_t a = 1; a < n; a++) {
            size_t v = idx[a], b = a;
            while (b > 0) {
                const sc_report_sweep_row *p = &s->rows[idx[b - 1]], *q = &s->rows[v];
                int gt = p->mean[SC_REPORT_SM_SLO] > q->mean[SC_REPORT_SM_SLO] ||
                         (p->mean[SC_REPORT_SM_SLO] == q->mean[SC_REPORT_SM_SLO] &&
                          p->mean[SC_REPORT_SM_COST] > q->mean[SC_REPORT_SM_COST]);
                if (!gt)
                    break;
                idx[b] = idx[b - 1];
                b--;
            }
            idx[b] = v;
        }
        fprintf(f, "%s# %s front: slo_pct cost_usd setting\n", k ? "\n\n" : "",
                k < s->n_policies ? "policy" : "overall");
        for (size_t a = 0; a < n; a++) {
            const sc_report_sweep_row *w = &s->rows[idx[a]];
            sc_report_gp_num(f, 100.0 * w->mean[SC_REPORT_SM_SLO]);
            fputc(' ', f);
            sc_report_gp_num(f, w->mean[SC_REPORT_SM_COST]);
            fprintf(f, " %" PRId64 "\n", w->setting);
        }
    }
    free(idx);
    bad = ferror(f);
    if (fclose(f) || bad)
        return sc_error_set(err, SC_ERR_IO, path, "write failed");

    /* 1. cost against SLO attainment with the fronts */
    FILE *b = open_memstream(&body, &body_len);
    if (!b)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    fprintf(b, "set title 'Cost against SLO attainment: mean and 95 %% CI over %" PRId64
               " replicates per setting'\n"
               "set xlabel 'SLO attainment (%%)'\nset ylabel 'cost (USD)'\n"
               "set grid\nset key below\nset offsets graph 0.05, graph 0.05, graph 0.05, "
               "graph 0.05\nplot ",
            s->n_replicates);
    for (size_t k = 0; k < s->n_policies; k++) {
        fprintf(b, "%s'gnuplot/sweep_points.dat' index %zu using 2:4:3:5 with xyerrorbars "
                   "pt 7 ps 0.8 lc rgb '%s' title ",
                k ? ", \\\n     " : "", k, sc_report_colour(k));
        sc_report_gp_quote(b, s->policies[k]);
        fprintf(b, ", \\\n     'gnuplot/sweep_front.dat' index %zu using 1:2 with lines lw 1.5 "
                   "dt 2 lc rgb '%s' title ",
                k, sc_report_colour(k));
        char t[300];
        snprintf(t, sizeof t, "%s: Pareto front", s->policies[k]);
        sc_report_gp_quote(b, t);
    }
    fprintf(b, ", \\\n     'gnuplot/sweep_front.dat' index %zu using 1:2 with points pt 6 "
               "ps 2.2 lw 1.5 lc rgb '#000000' title 'Pareto front of all points'\n",
            s->n_policies);
    fclose(b);
    st = sc_report_gp_emit(gp, png, svg, "sweep_pareto", body, body_len, err);
    free(body);
    body = NULL;
    if (!st)
        st = sc_report_plots_add(out, "sweep_pareto",
                                 "Cost against SLO attainment per setting and policy (mean, "
                                 "95 % CI error bars); dashed: each policy's Pareto front; "
                                 "circles: the Pareto front of all points",
                                 SC_REPORT_SEC_SWEEP, err);
    /* 2, 3. cost and SLO attainment per setting */
    char axes[400] = "";
    size_t al = 0;
    for (size_t i = 0; i < s->n_axes; i++) {
        char a[128];
        axis_short(s->axes[i], a, sizeof a);
        int w = snprintf(axes + al, sizeof axes - al, "%s%s", i ? " / " : "", a);
        if (w < 0 || (size_t)w >= sizeof axes - al)
            break;
        al += (size_t)w;
    }
    for (int which = 0; which < 2 && !st; which++) {
        const char *name = which ? "sweep_slo" : "sweep_cost";
        b = open_memstream(&body, &body_len);
        if (!b)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        fprintf(b, "set title '%s per setting: mean and 95 %% CI over %" PRId64
                   " replicates'\n",
                which ? "SLO attainment" : "Cost", s->n_replicates);
        fputs("set xlabel ", b);
        char xl[500];
        snprintf(xl, sizeof xl, "setting (%s)", axes);
        sc_report_gp_quote(b, xl);
        fprintf(b, "\nset ylabel '%s'\nset grid\nset key below\n",
                which ? "SLO attainment (%)" : "cost (USD)");
        fprintf(b, "set xrange [-0.5:%" PRId64 ".5]\n", s->n_settings - 1);
        if (s->n_settings > 4)
            fputs("set xtics rotate by 30 right\n", b);
        fputs("set xtics nomirror (", b);
        for (int64_t i = 0; i < s->n_settings; i++) {
            if (i)
                fputs(", ", b);
            sc_report_gp_quote(b, s->setting_short[i]);
            fprintf(b, " %" PRId64, i);
        }
        fputs(")\nplot ", b);
        for (size_t k = 0; k < s->n_policies; k++) {
            double off = 0.08 * ((double)k - 0.5 * (double)(s->n_policies - 1));
            fprintf(b, "%s'gnuplot/sweep_points.dat' index %zu using ($1%+.3f):%d:%d with "
                       "yerrorlines pt 7 ps 0.8 lw 1.5 lc rgb '%s' title ",
                    k ? ", \\\n     " : "", k, off, which ? 2 : 4, which ? 3 : 5,
                    sc_report_colour(k));
            sc_report_gp_quote(b, s->policies[k]);
        }
        fputc('\n', b);
        fclose(b);
        st = sc_report_gp_emit(gp, png, svg, name, body, body_len, err);
        free(body);
        body = NULL;
        if (!st)
            st = sc_report_plots_add(out, name,
                                     which ? "SLO attainment per setting and policy (mean, 95 % "
                                             "CI error bars)"
                                           : "Cost per setting and policy (mean, 95 % CI "
                                             "error bars)",
                                     SC_REPORT_SEC_SWEEP, err);
    }
    return st;
}
