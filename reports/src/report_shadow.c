/*
 * report_shadow.c - `sculpt report` on a shadow run (report_shadow.h): live mode with
 * --provider mock and live metrics writes OUT/shadow.csv (sim/live.c), one row per step
 * and pool:
 *
 *   time,app,region,measured,observed_load,needed_instances,planned_instances
 *
 * needed_instances = the observed load's instance-equivalents / the app's target
 * utilisation (what the load needs at the setpoint the policy aims for), planned =
 * instances the shadow cloud holds (booting, warming, ready, interrupting).  The report
 * compares them over the measured steps (after the warm-up), per app and region:
 *
 *   steps          measured steps
 *   mean load      observed load
 *   mean needed    needed instances
 *   mean planned   planned instances
 *   short steps    steps with planned < ceil(needed): the policy would have been short
 *   short i-h      sum of (ceil(needed) - planned)+ x step hours: instance-hours missing
 *   surplus i-h    sum of (planned - ceil(needed))+ x step hours: instance-hours idle
 *
 * Output DIR: shadow.md (the table), shadow_summary.csv ("%.17g"), plots/shadow_<i>.png
 * and .svg (planned against needed over time, one plot per app-region; gnuplot/ keeps
 * the data and script), index.html, and the .sculpt-report marker.  Built in a hidden
 * sibling directory and renamed into place: a failure leaves nothing behind.
 */
#define _DEFAULT_SOURCE /* strsep, nftw */
#define _XOPEN_SOURCE 700
#include "report_shadow.h"

#include <errno.h>
#include <ftw.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "report_plot.h"
#include "sculpt/time.h"

typedef struct shadow_row {
    sc_time_ms t;
    int pool;                   /* index into pools */
    int measured;
    double load, needed, planned;
} shadow_row;

typedef struct shadow_pool {
    char app[64], region[64];
    long steps, short_steps;
    double sum_load, sum_needed, sum_planned, short_ih, surplus_ih;
} shadow_pool;

typedef struct shadow_data {
    shadow_row *rows;
    size_t n, cap;
    shadow_pool *pools;
    size_t n_pools;
    int64_t step_ms;
} shadow_data;

int sc_report_is_shadow(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[128] = "";
    int ok = fgets(line, sizeof line, f) &&
             strncmp(line, "time,app,region,measured,observed_load,needed_instances,"
                           "planned_instances", 73) == 0;
    fclose(f);
    return ok;
}

static int find_pool(shadow_data *d, const char *app, const char *region)
{
    for (size_t i = 0; i < d->n_pools; i++)
        if (strcmp(d->pools[i].app, app) == 0 && strcmp(d->pools[i].region, region) == 0)
            return (int)i;
    shadow_pool *p = realloc(d->pools, (d->n_pools + 1) * sizeof *p);
    if (!p)
        return -1;
    d->pools = p;
    memset(&p[d->n_pools], 0, sizeof *p);
    snprintf(p[d->n_pools].app, sizeof p->app, "%s", app);
    snprintf(p[d->n_pools].region, sizeof p->region, "%s", region);
    return (int)d->n_pools++;
}

static sc_status read_csv(const char *path, shadow_data *d, sc_error *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return sc_error_set(err, SC_ERR_IO, path, "cannot open: %s", strerror(errno));
    char line[1024];
    long ln = 0;
    sc_status st = SC_OK;
    sc_time_ms prev_t = SC_TIME_MIN;
    d->step_ms = 0;
    while (fgets(line, sizeof line, f)) {
        ln++;
        if (ln == 1)
            continue; /* the header (sc_report_is_shadow checked it) */
        char where[1100];
        snprintf(where, sizeof where, "%s:%ld", path, ln);
        line[strcspn(line, "\r\n")] = '\0';
        char *fld[7];
        int nf = 0;
        for (char *p = line, *tok; nf < 7 && (tok = strsep(&p, ",")); )
            fld[nf++] = tok;
        shadow_row r;
        char *e1, *e2, *e3;
        if (nf != 7 || sc_time_parse(fld[0], NULL, &r.t) != SC_OK || !fld[1][0] ||
            !fld[2][0] || (strcmp(fld[3], "0") != 0 && strcmp(fld[3], "1") != 0)) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "expected time,app,region,measured(0|1),observed_load,"
                              "needed_instances,planned_instances");
            break;
        }
        r.measured = fld[3][0] == '1';
        r.load = strtod(fld[4], &e1);
        r.needed = strtod(fld[5], &e2);
        r.planned = strtod(fld[6], &e3);
        if (*e1 || *e2 || *e3 || !isfinite(r.load) || !isfinite(r.needed) ||
            !isfinite(r.planned) || r.needed < 0 || r.planned < 0) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "load, needed and planned must be finite numbers >= 0");
            break;
        }
        if (r.t < prev_t) {
            st = sc_error_set(err, SC_ERR_INPUT, where, "rows are not in time order");
            break;
        }
        if (r.t > prev_t && prev_t != SC_TIME_MIN && (d->step_ms == 0 || r.t - prev_t < d->step_ms))
            d->step_ms = r.t - prev_t;
        prev_t = r.t;
        if ((r.pool = find_pool(d, fld[1], fld[2])) < 0) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            break;
        }
        if (d->n == d->cap) {
            size_t c = d->cap ? 2 * d->cap : 256;
            shadow_row *q = realloc(d->rows, c * sizeof *q);
            if (!q) {
                st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            d->rows = q;
            d->cap = c;
        }
        d->rows[d->n++] = r;
    }
    if (!st && ferror(f))
        st = sc_error_set(err, SC_ERR_IO, path, "read error");
    fclose(f);
    if (!st && d->n == 0)
        st = sc_error_set(err, SC_ERR_EMPTY, path, "the shadow report has no rows");
    if (!st && d->step_ms == 0)
        st = sc_error_set(err, SC_ERR_INPUT, path, "fewer than two distinct times: no step");
    return st;
}

static void aggregate(shadow_data *d)
{
    double step_h = (double)d->step_ms / 3.6e6;
    for (size_t i = 0; i < d->n; i++) {
        const shadow_row *r = &d->rows[i];
        if (!r->measured)
            continue;
        shadow_pool *p = &d->pools[r->pool];
        double need = ceil(r->needed - 1e-9);
        p->steps++;
        p->sum_load += r->load;
        p->sum_needed += r->needed;
        p->sum_planned += r->planned;
        if (r->planned < need) {
            p->short_steps++;
            p->short_ih += (need - r->planned) * step_h;
        } else {
            p->surplus_ih += (r->planned - need) * step_h;
        }
    }
}

static int rm_entry(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
    (void)sb;
    (void)flag;
    (void)ftw;
    return remove(p);
}

static sc_status write_all(const shadow_data *d, const char *csv, const char *tmp,
                           const sc_report_opts *opts, sc_error *err)
{
    char p[2048];
    const char *sub[] = {"", "/plots", "/gnuplot"};
    for (int i = 0; i < 3; i++) {
        snprintf(p, sizeof p, "%s%s", tmp, sub[i]);
        if (mkdir(p, 0777) != 0)
            return sc_error_set(err, SC_ERR_IO, p, "cannot create: %s", strerror(errno));
    }
    snprintf(p, sizeof p, "%s/.sculpt-report", tmp);
    FILE *f = fopen(p, "w");
    if (!f)
        return sc_error_set(err, SC_ERR_IO, p, "cannot create");
    fputs("sculpt shadow report\n", f);
    fclose(f);
    /* the table: Markdown, CSV and HTML */
    char pm[2048], pc[2048], ph[2048];
    snprintf(pm, sizeof pm, "%s/shadow.md", tmp);
    snprintf(pc, sizeof pc, "%s/shadow_summary.csv", tmp);
    snprintf(ph, sizeof ph, "%s/index.html", tmp);
    FILE *md = fopen(pm, "w"), *cs = fopen(pc, "w"), *ht = fopen(ph, "w");
    sc_status st = SC_OK;
    if (!md || !cs || !ht) {
        st = sc_error_set(err, SC_ERR_IO, tmp, "cannot create the report files");
        goto close;
    }
    fprintf(md, "# Shadow run: planned capacity against observed load\n\n"
                "Source: `%s`; step %.0f s; measured steps only (after the warm-up).\n"
                "Needed = the observed load's instances at the app's target utilisation; "
                "short = planned below needed (rounded up).\n\n"
                "| app | region | steps | mean load | mean needed | mean planned | short steps "
                "| short instance-h | surplus instance-h |\n|---|---|---|---|---|---|---|---|---|\n",
            csv, (double)d->step_ms / 1000.0);
    fprintf(cs, "app,region,steps,mean_load,mean_needed,mean_planned,short_steps,"
                "short_instance_hours,surplus_instance_hours\n");
    fprintf(ht, "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>sculpt shadow "
                "report</title></head><body>\n<h1>Shadow run: planned capacity against "
                "observed load</h1>\n<p>Measured steps only; needed = instances the observed "
                "load needs at the app's target utilisation.</p>\n<table border=\"1\" "
                "cellpadding=\"3\">\n<tr><th>app</th><th>region</th><th>steps</th><th>mean "
                "load</th><th>mean needed</th><th>mean planned</th><th>short steps</th>"
                "<th>short instance-h</th><th>surplus instance-h</th></tr>\n");
    for (size_t i = 0; i < d->n_pools; i++) {
        const shadow_pool *q = &d->pools[i];
        double n = q->steps > 0 ? (double)q->steps : NAN;
        if (q->steps == 0)
            fprintf(md, "| %s | %s | 0 | - | - | - | 0 | 0 | 0 |\n", q->app, q->region);
        else
            fprintf(md, "| %s | %s | %ld | %.1f | %.2f | %.2f | %ld | %.2f | %.2f |\n",
                    q->app, q->region, q->steps, q->sum_load / n, q->sum_needed / n,
                    q->sum_planned / n, q->short_steps, q->short_ih, q->surplus_ih);
        fprintf(cs, "%s,%s,%ld,%.17g,%.17g,%.17g,%ld,%.17g,%.17g\n", q->app, q->region,
                q->steps, q->sum_load / n, q->sum_needed / n, q->sum_planned / n,
                q->short_steps, q->short_ih, q->surplus_ih);
        fprintf(ht, "<tr><td>%s</td><td>%s</td><td>%ld</td><td>%.1f</td><td>%.2f</td>"
                    "<td>%.2f</td><td>%ld</td><td>%.2f</td><td>%.2f</td></tr>\n",
                q->app, q->region, q->steps, q->sum_load / n, q->sum_needed / n,
                q->sum_planned / n, q->short_steps, q->short_ih, q->surplus_ih);
    }
    fprintf(ht, "</table>\n");
    /* plots: one per pool, planned against needed over hours since the first row */
    if (opts->png || opts->svg) {
        char gpp[2048];
        snprintf(gpp, sizeof gpp, "%s/gnuplot/plots.gp", tmp);
        FILE *gp = fopen(gpp, "w");
        if (!gp) {
            st = sc_error_set(err, SC_ERR_IO, gpp, "cannot create");
            goto close;
        }
        for (size_t i = 0; i < d->n_pools && !st; i++) {
            char name[64], dat[2100];
            snprintf(name, sizeof name, "shadow_%zu", i);
            snprintf(dat, sizeof dat, "%s/gnuplot/%s.dat", tmp, name);
            FILE *df = fopen(dat, "w");
            if (!df) {
                st = sc_error_set(err, SC_ERR_IO, dat, "cannot create");
                break;
            }
            fprintf(df, "# hours needed planned observed_load\n");
            for (size_t k = 0; k < d->n; k++)
                if (d->rows[k].pool == (int)i)
                    fprintf(df, "%.6f %.6g %.6g %.6g\n",
                            (double)(d->rows[k].t - d->rows[0].t) / 3.6e6, d->rows[k].needed,
                            d->rows[k].planned, d->rows[k].load);
            fclose(df);
            char *body = NULL;
            size_t blen = 0;
            FILE *b = open_memstream(&body, &blen);
            if (!b) {
                st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            char title[300];
            snprintf(title, sizeof title, "%s in %s: planned capacity against observed load",
                     d->pools[i].app, d->pools[i].region);
            fputs("set title ", b);
            sc_report_gp_quote(b, title);
            fprintf(b, "\nset xlabel 'hours'\nset ylabel 'instances'\nset grid\nset key below\n"
                       "set yrange [0:*]\n"
                       "plot 'gnuplot/%s.dat' using 1:2 with lines lw 1.5 lc rgb '#d62728' "
                       "title 'needed (observed load at target utilisation)', \\\n"
                       "     'gnuplot/%s.dat' using 1:3 with steps lw 1.5 lc rgb '#1f77b4' "
                       "title 'planned (shadow cloud)'\n",
                    name, name);
            fclose(b);
            st = sc_report_gp_emit(gp, opts->png, opts->svg, name, body, blen, err);
            free(body);
            fprintf(ht, "<h2>");
            fprintf(ht, "%s / %s</h2>\n<img src=\"plots/%s.%s\" alt=\"%s\">\n", d->pools[i].app,
                    d->pools[i].region, name, opts->svg ? "svg" : "png", name);
        }
        fclose(gp);
        char gnuplot[1024];
        if (!st)
            st = sc_report_gnuplot_find(opts->gnuplot, gnuplot, sizeof gnuplot, err);
        if (!st)
            st = sc_report_gnuplot_run(gnuplot, tmp, err);
    }
    fprintf(ht, "</body></html>\n");
close:
    if (md && fclose(md) != 0 && !st)
        st = sc_error_set(err, SC_ERR_IO, pm, "write error");
    if (cs && fclose(cs) != 0 && !st)
        st = sc_error_set(err, SC_ERR_IO, pc, "write error");
    if (ht && fclose(ht) != 0 && !st)
        st = sc_error_set(err, SC_ERR_IO, ph, "write error");
    return st;
}

sc_status sc_report_shadow_write(const char *csv, const char *dir, const sc_report_opts *opts,
                                 sc_error *err)
{
    sc_status st = sc_report_check_output(dir, opts, err);
    if (st)
        return st;
    shadow_data d;
    memset(&d, 0, sizeof d);
    if ((st = read_csv(csv, &d, err)))
        goto done;
    aggregate(&d);
    char tmp[2048], old[2100];
    const char *slash = strrchr(dir, '/');
    if (slash)
        snprintf(tmp, sizeof tmp, "%.*s/.%s.tmp.%d", (int)(slash - dir), dir, slash + 1,
                 (int)getpid());
    else
        snprintf(tmp, sizeof tmp, ".%s.tmp.%d", dir, (int)getpid());
    snprintf(old, sizeof old, "%s.old", tmp);
    st = write_all(&d, csv, tmp, opts, err);
    if (!st) {
        struct stat sb;
        int exists = stat(dir, &sb) == 0; /* allowed by sc_report_check_output (force) */
        if (exists && rename(dir, old) != 0)
            st = sc_error_set(err, SC_ERR_IO, dir, "cannot move the old report aside");
        else if (rename(tmp, dir) != 0) {
            st = sc_error_set(err, SC_ERR_IO, dir, "cannot rename %s into place", tmp);
            if (exists)
                rename(old, dir);
        } else if (exists) {
            nftw(old, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
        }
    }
    if (st)
        nftw(tmp, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
done:
    free(d.rows);
    free(d.pools);
    return st;
}
