/*
 * report_plot.c - data files, the gnuplot script and running gnuplot (report_plot.h).
 *
 * Each plot's body (labels, ranges, the plot command) is generated once and emitted
 * once per output format, after a `reset` and the terminal's settings, so PNG and SVG
 * show the same thing.  Time series show the measured period only (steps from
 * warmup_steps on), the same period as the summary figures, so a cumulative cost curve
 * ends at the run's cost.  Data files are printed with "%.10g" in the C locale, so the
 * same results give the same bytes.
 */
#define _DEFAULT_SOURCE
#include "report_plot.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gsl/gsl_sort.h>

#include "report_sweep.h"

#define PLOT_W 960
#define PLOT_H 400

/* Policy colours, by run index (cycled). */
static const char *const palette[] = {"#1f77b4", "#d62728", "#2ca02c", "#ff7f0e",
                                      "#9467bd", "#8c564b", "#e377c2", "#17becf"};
#define N_PALETTE (sizeof palette / sizeof palette[0])

const char *sc_report_colour(size_t i)
{
    return palette[i % N_PALETTE];
}

void sc_report_plots_cleanup(sc_report_plots *p)
{
    if (!p)
        return;
    free(p->v);
    p->v = NULL;
    p->n = p->cap = 0;
}

sc_status sc_report_plots_add(sc_report_plots *p, const char *name, const char *title,
                           sc_report_section sec, sc_error *err)
{
    if (p->n == p->cap) {
        size_t nc = p->cap ? 2 * p->cap : 16;
        sc_report_plot *nv = realloc(p->v, nc * sizeof *nv);
        if (!nv)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory listing plots");
        p->v = nv;
        p->cap = nc;
    }
    sc_report_plot *q = &p->v[p->n++];
    memset(q, 0, sizeof *q);
    snprintf(q->name, sizeof q->name, "%s", name);
    snprintf(q->title, sizeof q->title, "%s", title);
    q->section = sec;
    return SC_OK;
}

/* Letters, digits and '-' kept, anything else '_', at most 40 characters. */
void sc_report_sanitize(const char *in, char *out, size_t cap)
{
    size_t j = 0;
    for (size_t i = 0; in[i] && j + 1 < cap && j < 40; i++) {
        unsigned char c = (unsigned char)in[i];
        int ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '-';
        out[j++] = ok ? (char)c : '_';
    }
    out[j] = '\0';
}

/* Write s as a gnuplot single-quoted string: '' stands for ', control characters
 * become spaces (a newline would end the command). */
void sc_report_gp_quote(FILE *f, const char *s)
{
    fputc('\'', f);
    for (; *s; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\'')
            fputs("''", f);
        else if (c < 0x20 || c == 0x7f)
            fputc(' ', f);
        else
            fputc((int)c, f);
    }
    fputc('\'', f);
}

void sc_report_gp_num(FILE *f, double v)
{
    if (isfinite(v))
        fprintf(f, "%.10g", v);
    else
        fputs("NaN", f);
}

/* Emit body once per requested format. */
sc_status sc_report_gp_emit(FILE *gp, int png, int svg, const char *name, const char *body,
                            size_t body_len, sc_error *err)
{
    if (png) {
        fprintf(gp,
                "reset\n"
                "set terminal pngcairo size %d,%d noenhanced font 'Sans,10'\n"
                "set output 'plots/%s.png'\n",
                PLOT_W, PLOT_H, name);
        fwrite(body, 1, body_len, gp);
        fputs("set output\n\n", gp);
    }
    if (svg) {
        fprintf(gp,
                "reset\n"
                "set terminal svg size %d,%d noenhanced font 'Sans,10' background '#ffffff'\n"
                "set output 'plots/%s.svg'\n",
                PLOT_W, PLOT_H, name);
        fwrite(body, 1, body_len, gp);
        fputs("set output\n\n", gp);
    }
    if (ferror(gp))
        return sc_error_set(err, SC_ERR_IO, name, "cannot write the gnuplot script");
    return SC_OK;
}

/* Common settings of a time-series plot. */
static void time_axis(FILE *b, const sc_report_results *r)
{
    int64_t span = r->n_steps > r->warmup_steps
                       ? r->time_ms[r->n_steps - 1] - r->time_ms[r->warmup_steps]
                       : 0;
    const char *fmt = span <= 2 * 86400000LL ? "%H:%M" : "%d %b";
    fprintf(b,
            "set xdata time\n"
            "set format x '%s'\n"
            "set autoscale xfix\n"
            "set xlabel 'time (UTC)'\n"
            "set grid\n"
            "set key below\n"
            "set datafile missing 'NaN'\n",
            fmt);
}

static FILE *open_data(const char *dir, const char *name, sc_error *err)
{
    char path[4400];
    snprintf(path, sizeof path, "%s/gnuplot/%s.dat", dir, name);
    FILE *f = fopen(path, "w");
    if (!f)
        sc_error_set(err, SC_ERR_IO, path, "cannot create: %s", strerror(errno));
    return f;
}

static sc_status close_data(FILE *f, const char *dir, const char *name, sc_error *err)
{
    int bad = ferror(f);
    if (fclose(f) != 0 || bad)
        return sc_error_set(err, SC_ERR_IO, dir, "gnuplot/%s.dat: write failed (disk full?)",
                            name);
    return SC_OK;
}

static void put_time(FILE *f, int64_t t_ms)
{
    /* seconds since the epoch, what gnuplot's time axis counts in */
    fprintf(f, "%lld.%03d", (long long)(t_ms / 1000), (int)(t_ms % 1000));
}

/* ---- (a) demand against capacity, one plot per app x region ---------------------- */

static sc_status plot_demand(const sc_report_results *r, const char *dir, FILE *gp, int png,
                             int svg, sc_report_plots *out, sc_error *err)
{
    size_t n_ser = 0;
    for (size_t j = 0; j < r->n_runs; j++)
        n_ser += r->runs[j].has_series != 0;
    if (n_ser == 0 || r->n_steps <= r->warmup_steps)
        return SC_OK;
    size_t ns = (size_t)r->n_steps;
    double *dem = malloc(n_ser * ns * sizeof *dem);
    double *cap = malloc(n_ser * ns * sizeof *cap);
    char *body = NULL;
    size_t body_len = 0;
    sc_status st = SC_OK;
    if (!dem || !cap) {
        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory reading series");
        goto done;
    }
    for (size_t a = 0; a < r->n_apps && !st; a++) {
        for (size_t k = 0; k < r->n_regions && !st; k++) {
            size_t s = 0;
            for (size_t j = 0; j < r->n_runs && !st; j++) {
                if (!r->runs[j].has_series)
                    continue;
                st = sc_report_series_read(r, &r->runs[j], a, k, "demand", dem + s * ns, err);
                if (!st)
                    st = sc_report_series_read(r, &r->runs[j], a, k, "capacity",
                                               cap + s * ns, err);
                if (st == SC_ERR_NOTFOUND)
                    st = sc_error_set(err, SC_ERR_INPUT, r->path,
                                      "%s/series/%s/%s: demand or capacity is missing",
                                      r->runs[j].group, r->apps[a], r->regions[k]);
                s++;
            }
            if (st)
                break;
            /* one demand line when every policy saw the same demand (the usual case) */
            int same = 1;
            size_t w0 = (size_t)r->warmup_steps;
            for (size_t q = 1; q < n_ser && same; q++)
                same = memcmp(dem + w0, dem + q * ns + w0, (ns - w0) * sizeof *dem) == 0;
            char sa[48], sr[48], name[192];
            sc_report_sanitize(r->apps[a], sa, sizeof sa);
            sc_report_sanitize(r->regions[k], sr, sizeof sr);
            snprintf(name, sizeof name, "demand_%zu_%zu_%s_%s", a, k, sa, sr);
            FILE *df = open_data(dir, name, err);
            if (!df) {
                st = err ? err->status : SC_ERR_IO;
                break;
            }
            fputs("# time_s", df);
            for (size_t q = 0; q < n_ser; q++)
                fprintf(df, " demand_%zu capacity_%zu", q, q);
            fputc('\n', df);
            for (size_t t = w0; t < ns; t++) {
                put_time(df, r->time_ms[t]);
                for (size_t q = 0; q < n_ser; q++) {
                    fputc(' ', df);
                    sc_report_gp_num(df, dem[q * ns + t]);
                    fputc(' ', df);
                    sc_report_gp_num(df, cap[q * ns + t]);
                }
                fputc('\n', df);
            }
            if ((st = close_data(df, dir, name, err)))
                break;
            FILE *b = open_memstream(&body, &body_len);
            if (!b) {
                st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
                break;
            }
            time_axis(b, r);
            fputs("set title ", b);
            char title[512];
            snprintf(title, sizeof title, "%s in %s: demand and serving capacity", r->apps[a],
                     r->regions[k]);
            sc_report_gp_quote(b, title);
            fputs("\nset ylabel 'load units (mean over each step)'\nset yrange [0:*]\nplot ", b);
            size_t q = 0;
            int first = 1;
            if (same) {
                fprintf(b, "'gnuplot/%s.dat' using ($1):2 with lines lw 2 lc rgb '#000000' "
                           "title 'demand'", name);
                first = 0;
            }
            for (size_t j = 0; j < r->n_runs; j++) {
                if (!r->runs[j].has_series)
                    continue;
                if (!same) {
                    fprintf(b, "%s'gnuplot/%s.dat' using ($1):%zu with lines lw 1 dt 2 "
                               "lc rgb '%s' title ", first ? "" : ", \\\n     ", name,
                            2 + 2 * q, sc_report_colour(j));
                    char t2[300];
                    snprintf(t2, sizeof t2, "demand: %s", r->runs[j].label);
                    sc_report_gp_quote(b, t2);
                    first = 0;
                }
                fprintf(b, "%s'gnuplot/%s.dat' using ($1):%zu with lines lw 1.2 lc rgb '%s' "
                           "title ", first ? "" : ", \\\n     ", name, 3 + 2 * q,
                        sc_report_colour(j));
                char t2[300];
                snprintf(t2, sizeof t2, "capacity: %s", r->runs[j].label);
                sc_report_gp_quote(b, t2);
                first = 0;
                q++;
            }
            fputc('\n', b);
            fclose(b);
            st = sc_report_gp_emit(gp, png, svg, name, body, body_len, err);
            free(body);
            body = NULL;
            if (!st)
                st = sc_report_plots_add(out, name, title, SC_REPORT_SEC_DEMAND, err);
        }
    }
done:
    free(body);
    free(dem);
    free(cap);
    return st;
}

/* ---- (b) cost: cumulative over time, and by purchase option ---------------------- */

static const char *const option_series[3] = {"cost_on_demand", "cost_reserved", "cost_spot"};
static const char *const option_title[3] = {"on-demand", "reserved", "spot"};

static sc_status plot_cost(const sc_report_results *r, const char *dir, FILE *gp, int png,
                           int svg, sc_report_plots *out, sc_error *err)
{
    sc_status st = SC_OK;
    char *body = NULL;
    size_t body_len = 0;
    if (r->n_runs == 0)
        return SC_OK;
    /* by purchase option: stacked bars from the summary attributes (always present) */
    {
        const char *name = "cost_by_option";
        FILE *df = open_data(dir, name, err);
        if (!df)
            return err ? err->status : SC_ERR_IO;
        fputs("# on_demand_usd reserved_usd spot_usd egress_usd (one row per run)\n", df);
        for (size_t j = 0; j < r->n_runs; j++) {
            const sc_report_run *u = &r->runs[j];
            double v[4] = {u->sum.cost_by_option[SC_PURCHASE_ONDEMAND],
                           u->sum.cost_by_option[SC_PURCHASE_RESERVED],
                           u->sum.cost_by_option[SC_PURCHASE_SPOT], u->sum.egress_usd};
            for (int c = 0; c < 4; c++) {
                if (c)
                    fputc(' ', df);
                sc_report_gp_num(df, v[c]);
            }
            fputc('\n', df);
        }
        if ((st = close_data(df, dir, name, err)))
            return st;
        FILE *b = open_memstream(&body, &body_len);
        if (!b)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        fputs("set title 'Cost of the measured period by purchase option'\n"
              "set ylabel 'cost (USD)'\n"
              "set yrange [0:*]\n"
              "set grid ytics\n"
              "set key below\n"
              "set style data histograms\n"
              "set style histogram rowstacked\n"
              "set style fill solid 0.85 border -1\n"
              "set boxwidth 0.6\n"
              "set xtics nomirror (",
              b);
        for (size_t j = 0; j < r->n_runs; j++) {
            if (j)
                fputs(", ", b);
            sc_report_gp_quote(b, r->runs[j].label);
            fprintf(b, " %zu", j);
        }
        fprintf(b, ")\nset xrange [-0.6:%zu.6]\n", r->n_runs - 1);
        fprintf(b, "plot 'gnuplot/%s.dat' using 1 title 'on-demand' lc rgb '#4c72b0', \\\n"
                   "     '' using 2 title 'reserved' lc rgb '#55a868', \\\n"
                   "     '' using 3 title 'spot' lc rgb '#dd8452', \\\n"
                   "     '' using 4 title 'egress' lc rgb '#8172b3'\n",
                name);
        fclose(b);
        st = sc_report_gp_emit(gp, png, svg, name, body, body_len, err);
        free(body);
        body = NULL;
        if (!st)
            st = sc_report_plots_add(out, name, "Cost of the measured period by purchase option "
                           "(stacked), per policy", SC_REPORT_SEC_COST, err);
        if (st)
            return st;
    }
    /* cumulative over time from the per-step series */
    size_t n_ser = 0;
    for (size_t j = 0; j < r->n_runs; j++)
        n_ser += r->runs[j].has_series != 0;
    if (n_ser == 0 || r->n_steps <= r->warmup_steps)
        return SC_OK;
    size_t ns = (size_t)r->n_steps, w0 = (size_t)r->warmup_steps;
    /* per series run: total, on-demand, reserved, spot */
    double *acc = calloc(n_ser * 4 * ns, sizeof *acc);
    double *buf = malloc(ns * sizeof *buf);
    int *has_opt = calloc(n_ser, sizeof *has_opt);
    const char *name = "cost_cumulative";
    if (!acc || !buf || !has_opt) {
        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory reading series");
        goto done;
    }
    size_t s = 0;
    for (size_t j = 0; j < r->n_runs && !st; j++) {
        const sc_report_run *u = &r->runs[j];
        if (!u->has_series)
            continue;
        has_opt[s] = u->has_option_cost;
        for (int c = 0; c < 4 && !st; c++) {
            if (c > 0 && !has_opt[s])
                break;
            for (size_t a = 0; a < r->n_apps && !st; a++)
                for (size_t k = 0; k < r->n_regions && !st; k++) {
                    st = sc_report_series_read(r, u, a, k, c == 0 ? "cost" : option_series[c - 1],
                                               buf, err);
                    if (st == SC_ERR_NOTFOUND) {
                        st = sc_error_set(err, SC_ERR_INPUT, r->path,
                                          "%s/series/%s/%s/%s: dataset is missing", u->group,
                                          r->apps[a], r->regions[k],
                                          c == 0 ? "cost" : option_series[c - 1]);
                        break;
                    }
                    double *dst = acc + (s * 4 + (size_t)c) * ns;
                    for (size_t t = w0; t < ns && !st; t++)
                        dst[t] += isfinite(buf[t]) ? buf[t] : 0.0;
                }
            double *dst = acc + (s * 4 + (size_t)c) * ns;
            for (size_t t = w0 + 1; t < ns; t++)
                dst[t] += dst[t - 1];
        }
        s++;
    }
    if (st)
        goto done;
    {
        FILE *df = open_data(dir, name, err);
        if (!df) {
            st = err ? err->status : SC_ERR_IO;
            goto done;
        }
        fputs("# time_s, then per run with series: cumulative total, on_demand, reserved, "
              "spot (USD; NaN when not recorded)\n", df);
        for (size_t t = w0; t < ns; t++) {
            put_time(df, r->time_ms[t]);
            for (size_t q = 0; q < n_ser; q++)
                for (int c = 0; c < 4; c++) {
                    fputc(' ', df);
                    sc_report_gp_num(df, (c == 0 || has_opt[q]) ? acc[(q * 4 + (size_t)c) * ns + t]
                                                                : NAN);
                }
            fputc('\n', df);
        }
        if ((st = close_data(df, dir, name, err)))
            goto done;
    }
    {
        FILE *b = open_memstream(&body, &body_len);
        if (!b) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            goto done;
        }
        time_axis(b, r);
        fputs("set title 'Cumulative cost over the measured period'\n"
              "set ylabel 'cumulative cost (USD)'\nset yrange [0:*]\nplot ",
              b);
        size_t q = 0;
        int first = 1;
        for (size_t j = 0; j < r->n_runs; j++) {
            if (!r->runs[j].has_series)
                continue;
            fprintf(b, "%s'gnuplot/%s.dat' using ($1):%zu with lines lw 2 lc rgb '%s' title ",
                    first ? "" : ", \\\n     ", name, 2 + 4 * q, sc_report_colour(j));
            char t2[300];
            snprintf(t2, sizeof t2, "%s: total", r->runs[j].label);
            sc_report_gp_quote(b, t2);
            first = 0;
            if (has_opt[q])
                for (int c = 1; c < 4; c++) {
                    fprintf(b, ", \\\n     'gnuplot/%s.dat' using ($1):%zu with lines lw 1 "
                               "dt %d lc rgb '%s' title ",
                            name, 2 + 4 * q + (size_t)c, c + 1, sc_report_colour(j));
                    snprintf(t2, sizeof t2, "%s: %s", r->runs[j].label, option_title[c - 1]);
                    sc_report_gp_quote(b, t2);
                }
            q++;
        }
        fputc('\n', b);
        fclose(b);
        st = sc_report_gp_emit(gp, png, svg, name, body, body_len, err);
        if (!st)
            st = sc_report_plots_add(out, name, "Cumulative cost over the measured period, per policy "
                           "(by purchase option where the results record it)",
                           SC_REPORT_SEC_COST, err);
    }
done:
    free(body);
    free(acc);
    free(buf);
    free(has_opt);
    return st;
}

/* ---- (c) forecast against actual ----------------------------------------------- */

static sc_status plot_forecast(const sc_report_results *r, const char *dir, FILE *gp, int png,
                               int svg, sc_report_plots *out, sc_error *err)
{
    if (r->n_steps <= r->warmup_steps)
        return SC_OK;
    size_t ns = (size_t)r->n_steps, w0 = (size_t)r->warmup_steps;
    double *v = malloc(4 * ns * sizeof *v); /* actual, mean, lo, hi */
    char *body = NULL;
    size_t body_len = 0;
    sc_status st = SC_OK;
    if (!v)
        return sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory reading series");
    for (size_t j = 0; j < r->n_runs && !st; j++) {
        const sc_report_run *u = &r->runs[j];
        if (!u->has_series || !u->has_forecast)
            continue;
        for (size_t a = 0; a < r->n_apps && !st; a++)
            for (size_t k = 0; k < r->n_regions && !st; k++) {
                st = sc_report_series_read(r, u, a, k, "forecast_mean", v + ns, err);
                if (st == SC_ERR_NOTFOUND) {
                    st = SC_OK; /* this app x region has no forecast */
                    continue;
                }
                if (st || (st = sc_report_series_read(r, u, a, k, "demand", v, err)))
                    break;
                int has_band = 1;
                for (int c = 2; c < 4 && !st; c++) {
                    st = sc_report_series_read(r, u, a, k, c == 2 ? "forecast_lo" : "forecast_hi",
                                               v + (size_t)c * ns, err);
                    if (st == SC_ERR_NOTFOUND) {
                        st = SC_OK;
                        has_band = 0;
                    }
                }
                if (st)
                    break;
                /* headline figures for the caption: MAE, interval coverage */
                double abs_sum = 0;
                size_t n_f = 0, n_cov = 0, n_band = 0;
                for (size_t t = w0; t < ns; t++) {
                    double y = v[t], m = v[ns + t];
                    if (!isfinite(y) || !isfinite(m))
                        continue;
                    abs_sum += fabs(y - m);
                    n_f++;
                    if (has_band && isfinite(v[2 * ns + t]) && isfinite(v[3 * ns + t])) {
                        n_band++;
                        n_cov += y >= v[2 * ns + t] && y <= v[3 * ns + t];
                    }
                }
                char sl[48], sa[48], sr[48], name[192], title[512];
                sc_report_sanitize(u->label, sl, sizeof sl);
                sc_report_sanitize(r->apps[a], sa, sizeof sa);
                sc_report_sanitize(r->regions[k], sr, sizeof sr);
                snprintf(name, sizeof name, "forecast_%zu_%zu_%zu_%s_%s_%s", j, a, k, sl, sa, sr);
                FILE *df = open_data(dir, name, err);
                if (!df) {
                    st = err ? err->status : SC_ERR_IO;
                    break;
                }
                fputs("# time_s actual forecast_mean forecast_lo forecast_hi\n", df);
                for (size_t t = w0; t < ns; t++) {
                    put_time(df, r->time_ms[t]);
                    for (int c = 0; c < 4; c++) {
                        fputc(' ', df);
                        sc_report_gp_num(df, (c >= 2 && !has_band) ? NAN : v[(size_t)c * ns + t]);
                    }
                    fputc('\n', df);
                }
                if ((st = close_data(df, dir, name, err)))
                    break;
                char stats[160];
                if (n_f == 0)
                    snprintf(stats, sizeof stats, "no forecast in the measured period");
                else if (n_band > 0)
                    snprintf(stats, sizeof stats, "MAE %.4g, interval coverage %.1f %% of %zu steps",
                             abs_sum / (double)n_f, 100.0 * (double)n_cov / (double)n_band, n_band);
                else
                    snprintf(stats, sizeof stats, "MAE %.4g over %zu steps", abs_sum / (double)n_f,
                             n_f);
                snprintf(title, sizeof title, "%s, %s in %s: forecast against actual (%s)",
                         u->label, r->apps[a], r->regions[k], stats);
                FILE *b = open_memstream(&body, &body_len);
                if (!b) {
                    st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
                    break;
                }
                time_axis(b, r);
                char t1[400];
                snprintf(t1, sizeof t1, "%s, %s in %s: forecast against actual", u->label,
                         r->apps[a], r->regions[k]);
                fputs("set title ", b);
                sc_report_gp_quote(b, t1);
                fputs("\nset ylabel 'load units (mean over each step)'\nset yrange [0:*]\nplot ", b);
                if (has_band)
                    fprintf(b, "'gnuplot/%s.dat' using ($1):4:5 with filledcurves "
                               "lc rgb '#c6dbef' fs solid 1.0 noborder title 'prediction "
                               "interval', \\\n     ",
                            name);
                fprintf(b, "'gnuplot/%s.dat' using ($1):2 with lines lw 1.2 lc rgb '#000000' "
                           "title 'actual demand', \\\n     "
                           "'gnuplot/%s.dat' using ($1):3 with lines lw 1.5 lc rgb '%s' "
                           "title 'forecast mean'\n",
                        name, name, sc_report_colour(j));
                fclose(b);
                st = sc_report_gp_emit(gp, png, svg, name, body, body_len, err);
                free(body);
                body = NULL;
                if (!st)
                    st = sc_report_plots_add(out, name, title, SC_REPORT_SEC_FORECAST, err);
            }
    }
    free(body);
    free(v);
    return st;
}

/* ---- (d) cost against attainment, one point per policy ------------------------- */

static sc_status plot_cost_attainment(const sc_report_results *r, const char *dir, FILE *gp,
                                      int png, int svg, sc_report_plots *out, sc_error *err)
{
    if (r->n_runs == 0)
        return SC_OK;
    const char *name = "cost_attainment";
    FILE *df = open_data(dir, name, err);
    if (!df)
        return err ? err->status : SC_ERR_IO;
    fputs("# slo_attainment_% penalised_cost_usd lower_bound_usd (one row per run)\n", df);
    for (size_t j = 0; j < r->n_runs; j++) {
        const sc_run_summary *u = &r->runs[j].sum;
        sc_report_gp_num(df, 100.0 * u->slo_attainment);
        fputc(' ', df);
        sc_report_gp_num(df, u->penalised_cost_usd);
        fputc(' ', df);
        sc_report_gp_num(df, u->lower_bound_usd);
        fputc('\n', df);
    }
    sc_status st = close_data(df, dir, name, err);
    if (st)
        return st;
    char *body = NULL;
    size_t body_len = 0;
    FILE *b = open_memstream(&body, &body_len);
    if (!b)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    fputs("set title 'Penalised cost against SLO attainment (measured period)'\n"
          "set xlabel 'SLO attainment (% of app-geography-steps)'\n"
          "set ylabel 'penalised cost (USD)'\n"
          "set grid\nset key below\nset yrange [0:*]\n"
          "plot ",
          b);
    for (size_t j = 0; j < r->n_runs; j++) {
        fprintf(b, "%s'gnuplot/%s.dat' every ::%zu::%zu using 1:2 with points pt 7 ps 1.5 "
                   "lc rgb '%s' title ",
                j ? ", \\\n     " : "", name, j, j, sc_report_colour(j));
        sc_report_gp_quote(b, r->runs[j].label);
    }
    /* a bound is no operating point: a horizontal line, not a point */
    for (size_t j = 0; j < r->n_runs; j++)
        if (isfinite(r->runs[j].sum.lower_bound_usd)) {
            fprintf(b, ", \\\n     %.10g with lines dt 2 lc rgb '%s' title ",
                    r->runs[j].sum.lower_bound_usd, sc_report_colour(j));
            char t2[300];
            snprintf(t2, sizeof t2, "%s: lower bound", r->runs[j].label);
            sc_report_gp_quote(b, t2);
        }
    fputc('\n', b);
    fclose(b);
    st = sc_report_gp_emit(gp, png, svg, name, body, body_len, err);
    free(body);
    if (!st)
        st = sc_report_plots_add(out, name, "Penalised cost against SLO attainment, one point "
                                 "per policy (dashed: an oracle's lower bound)",
                                 SC_REPORT_SEC_COST, err);
    return st;
}

/* ---- (e) where load is served: routing shares over time ------------------------- */

/* One share-over-time figure: the data file NAME (time, then one column per region in
 * %: v[k * ns + t] as a fraction of 1, or of the step's total over regions when
 * `normalise`), the gnuplot body with TITLE and YLABEL, and the plot list entry with
 * CAPTION (routing section). */
static sc_status plot_shares(const sc_report_results *r, const char *dir, FILE *gp, int png,
                             int svg, const char *name, const char *header, const double *v,
                             int normalise, const char *title, const char *ylabel,
                             const char *caption, sc_report_plots *out, sc_error *err)
{
    size_t ns = (size_t)r->n_steps, w0 = (size_t)r->warmup_steps, R = r->n_regions;
    FILE *df = open_data(dir, name, err);
    if (!df)
        return err ? err->status : SC_ERR_IO;
    fputs(header, df);
    for (size_t t = w0; t < ns; t++) {
        double tot = 0.0;
        for (size_t k = 0; k < R; k++)
            tot += v[k * ns + t];
        put_time(df, r->time_ms[t]);
        for (size_t k = 0; k < R; k++) {
            fputc(' ', df);
            double x = v[k * ns + t];
            sc_report_gp_num(df, !normalise ? 100.0 * x : tot > 0 ? 100.0 * x / tot : NAN);
        }
        fputc('\n', df);
    }
    sc_status st = close_data(df, dir, name, err);
    if (st)
        return st;
    char *body = NULL;
    size_t body_len = 0;
    FILE *b = open_memstream(&body, &body_len);
    if (!b)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    time_axis(b, r);
    fputs("set title ", b);
    sc_report_gp_quote(b, title);
    fputs("\nset ylabel ", b);
    sc_report_gp_quote(b, ylabel);
    fputs("\nset yrange [0:100]\nset key below\nplot ", b);
    for (size_t k = 0; k < R; k++) {
        fprintf(b, "%s'gnuplot/%s.dat' using ($1):%zu with lines lw 2 lc rgb '%s' title ",
                k ? ", \\\n     " : "", name, 2 + k, sc_report_colour(k));
        sc_report_gp_quote(b, r->regions[k]);
    }
    fputc('\n', b);
    fclose(b);
    st = sc_report_gp_emit(gp, png, svg, name, body, body_len, err);
    free(body);
    return st ? st : sc_report_plots_add(out, name, caption, SC_REPORT_SEC_ROUTING, err);
}

/* A run is routed when its per-region demand series (the load routed to each region)
 * differs from the first run's at some step: the first run is the reference (home
 * routing in the shipped scenarios).  For each routed run: one plot of the share of all
 * apps' load served in each region over the measured period. */
static sc_status plot_routing(const sc_report_results *r, const char *dir, FILE *gp, int png,
                              int svg, sc_report_plots *out, sc_error *err)
{
    if (r->n_runs < 2 || r->n_regions < 2 || !r->runs[0].has_series ||
        r->n_steps <= r->warmup_steps)
        return SC_OK;
    size_t ns = (size_t)r->n_steps, R = r->n_regions;
    double *ref = calloc(R * ns, sizeof *ref), *cur = calloc(R * ns, sizeof *cur);
    double *buf = malloc(ns * sizeof *buf);
    sc_status st = SC_OK;
    if (!ref || !cur || !buf) {
        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory reading series");
        goto done;
    }
    for (size_t j = 0; j < r->n_runs && !st; j++) {
        const sc_report_run *u = &r->runs[j];
        if (!u->has_series)
            continue;
        double *dst = j == 0 ? ref : cur;
        memset(dst, 0, R * ns * sizeof *dst);
        for (size_t a = 0; a < r->n_apps && !st; a++)
            for (size_t k = 0; k < R && !st; k++) {
                st = sc_report_series_read(r, u, a, k, "demand", buf, err);
                if (st == SC_ERR_NOTFOUND)
                    st = sc_error_set(err, SC_ERR_INPUT, r->path,
                                      "%s/series/%s/%s/demand: dataset is missing", u->group,
                                      r->apps[a], r->regions[k]);
                for (size_t t = 0; t < ns && !st; t++)
                    dst[k * ns + t] += isfinite(buf[t]) ? buf[t] : 0.0;
            }
        if (st || j == 0)
            continue;
        int differs = 0;
        for (size_t i = 0; i < R * ns && !differs; i++)
            differs = fabs(cur[i] - ref[i]) > 1e-9 * (fabs(ref[i]) + 1.0);
        if (!differs)
            continue;
        char san[128], name[192];
        sc_report_sanitize(u->label, san, sizeof san);
        snprintf(name, sizeof name, "routing_%zu_%s", j, san);
        char t2[400], cap[400];
        snprintf(t2, sizeof t2, "Where load is served: %s", u->label);
        snprintf(cap, sizeof cap, "Share of the load routed to each region over time, %s "
                 "(its routing differs from %s's)", u->label, r->runs[0].label);
        st = plot_shares(r, dir, gp, png, svg, name,
                         "# time_s, then per region: share of all apps' load routed there (%)\n",
                         cur, 1, t2, "share of load (%)", cap, out, err);
    }
done:
    free(ref);
    free(cur);
    free(buf);
    return st;
}

/* ---- (e2) where each geography is served (issue 11) ------------------------------ */

/* Share of geography g's load (app a) in each region over the measured period, for
 * every run whose results hold series/<app>/<region>/share.<geo> (routed runs) and
 * whose shares for that (app, geography) change over it (a geography that stays where
 * it starts has nothing to draw).  The caption gives the p95 over the measured steps of
 * the geography's worst route latency in a step (route_latency.<geo>, nearest rank on
 * the steps with load). */
static sc_status plot_geo_routing(const sc_report_results *r, const char *dir, FILE *gp,
                                  int png, int svg, sc_report_plots *out, sc_error *err)
{
    const sc_results_meta *m = &r->results->meta;
    if (!m->geos || r->n_regions < 2 || r->n_steps <= r->warmup_steps)
        return SC_OK;
    size_t ns = (size_t)r->n_steps, w0 = (size_t)r->warmup_steps, R = r->n_regions;
    double *sh = malloc((R * ns + 1) * sizeof *sh), *lat = malloc((ns + 1) * sizeof *lat);
    sc_status st = SC_OK;
    if (!sh || !lat) {
        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory reading series");
        goto done;
    }
    for (size_t j = 0; j < r->n_runs && !st; j++) {
        const sc_report_run *u = &r->runs[j];
        for (size_t a = 0; a < r->n_apps && !st; a++)
            for (size_t g = 0; g < m->n_geos && !st; g++) {
                char dn[SC_REPORT_NAME_MAX + 32];
                snprintf(dn, sizeof dn, "share.%s", m->geos[g]);
                int have = 1;
                for (size_t k = 0; k < R && !st && have; k++) {
                    st = sc_report_series_read(r, u, a, k, dn, sh + k * ns, err);
                    if (st == SC_ERR_NOTFOUND)
                        have = 0, st = SC_OK;
                }
                if (st || !have)
                    continue;
                int moved = 0;
                for (size_t k = 0; k < R && !moved; k++)
                    for (size_t t = w0 + 1; t < ns && !moved; t++)
                        moved = fabs(sh[k * ns + t] - sh[k * ns + w0]) > 1e-6;
                if (!moved)
                    continue;
                /* p95 of the worst route latency per step (in the home region's group) */
                snprintf(dn, sizeof dn, "route_latency.%s", m->geos[g]);
                double p95 = NAN;
                for (size_t k = 0; k < R && !st; k++) {
                    st = sc_report_series_read(r, u, a, k, dn, lat, err);
                    if (st == SC_ERR_NOTFOUND) {
                        st = SC_OK;
                        continue;
                    }
                    if (st)
                        break;
                    size_t n = 0;
                    for (size_t t = w0; t < ns; t++)
                        if (isfinite(lat[t]))
                            lat[n++] = lat[t];
                    if (n) {
                        gsl_sort(lat, 1, n);
                        p95 = lat[(size_t)ceil(0.95 * (double)n) - 1];
                    }
                    break;
                }
                if (st)
                    break;
                char sl[48], sa[48], sg[48], name[256];
                sc_report_sanitize(u->label, sl, sizeof sl);
                sc_report_sanitize(r->apps[a], sa, sizeof sa);
                sc_report_sanitize(m->geos[g], sg, sizeof sg);
                snprintf(name, sizeof name, "geo_routing_%zu_%s_%s_%s", j, sl, sa, sg);
                char t2[600], cap[600];
                snprintf(t2, sizeof t2, "Where %s's %s load is served: %s", m->geos[g],
                         r->apps[a], u->label);
                snprintf(cap, sizeof cap, "Share of %s's %s load routed to each region over "
                         "time, %s; p95 of its worst route latency per step: %.1f ms",
                         m->geos[g], r->apps[a], u->label, p95);
                st = plot_shares(r, dir, gp, png, svg, name,
                                 "# time_s, then per region: share of the geography's load "
                                 "routed there (%)\n",
                                 sh, 0, t2, "share of the geography's load (%)", cap, out, err);
            }
    }
done:
    free(sh);
    free(lat);
    return st;
}

sc_status sc_report_plots_write(const sc_report_results *r, const char *dir, int png,
                                int svg, sc_report_plots *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    char path[4400];
    snprintf(path, sizeof path, "%s/gnuplot", dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return sc_error_set(err, SC_ERR_IO, path, "cannot create: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/plots", dir);
    if (mkdir(path, 0777) != 0 && errno != EEXIST)
        return sc_error_set(err, SC_ERR_IO, path, "cannot create: %s", strerror(errno));
    snprintf(path, sizeof path, "%s/gnuplot/plots.gp", dir);
    FILE *gp = fopen(path, "w");
    if (!gp)
        return sc_error_set(err, SC_ERR_IO, path, "cannot create: %s", strerror(errno));
    fputs("# Written by `sculpt report`: run from the report directory with\n"
          "#   gnuplot gnuplot/plots.gp\n\n",
          gp);
    sc_status st = SC_OK;
    if (r->sweep)
        st = sc_report_sweep_plots(r, dir, gp, png, svg, out, err);
    if (!st)
        st = plot_cost(r, dir, gp, png, svg, out, err);
    if (!st)
        st = plot_cost_attainment(r, dir, gp, png, svg, out, err);
    if (!st)
        st = plot_demand(r, dir, gp, png, svg, out, err);
    if (!st)
        st = plot_routing(r, dir, gp, png, svg, out, err);
    if (!st)
        st = plot_geo_routing(r, dir, gp, png, svg, out, err);
    if (!st)
        st = plot_forecast(r, dir, gp, png, svg, out, err);
    int bad = ferror(gp);
    if (fclose(gp) != 0 || bad) {
        if (!st)
            st = sc_error_set(err, SC_ERR_IO, path, "write failed (disk full?)");
    }
    return st;
}

/* ---- running gnuplot -------------------------------------------------------------- */

static int is_executable(const char *p)
{
    struct stat sb;
    return stat(p, &sb) == 0 && S_ISREG(sb.st_mode) && access(p, X_OK) == 0;
}

sc_status sc_report_gnuplot_find(const char *override, char *out, size_t cap, sc_error *err)
{
    const char *prog = override;
    if (!prog || !*prog)
        prog = getenv("SCULPT_GNUPLOT");
    if (!prog || !*prog)
        prog = "gnuplot";
    if (strchr(prog, '/')) {
        if (is_executable(prog)) {
            snprintf(out, cap, "%s", prog);
            return SC_OK;
        }
        return sc_error_set(err, SC_ERR_NOTBUILT, prog,
                            "gnuplot not found or not executable; plots need gnuplot "
                            "(Debian package gnuplot-nox), or use --format none");
    }
    const char *path = getenv("PATH");
    if (!path)
        path = "/usr/bin:/bin";
    const char *p = path;
    for (;;) {
        const char *e = strchr(p, ':');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        char cand[4096];
        if (len == 0)
            snprintf(cand, sizeof cand, "./%s", prog);
        else
            snprintf(cand, sizeof cand, "%.*s/%s", (int)len, p, prog);
        if (is_executable(cand)) {
            snprintf(out, cap, "%s", cand);
            return SC_OK;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return sc_error_set(err, SC_ERR_NOTBUILT, prog,
                        "gnuplot is not installed (not found on PATH); plots need gnuplot "
                        "(Debian package gnuplot-nox), or use --format none for tables only");
}

sc_status sc_report_gnuplot_run(const char *gnuplot, const char *dir, sc_error *err)
{
    char log[4400];
    snprintf(log, sizeof log, "%s/gnuplot/gnuplot.log", dir);
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return sc_error_set(err, SC_ERR_INTERNAL, gnuplot, "cannot start gnuplot: %s",
                            strerror(errno));
    if (pid == 0) {
        /* child: only async-signal-safe calls until exec */
        if (chdir(dir) != 0)
            _exit(126);
        int fd = open("gnuplot/gnuplot.log", O_WRONLY | O_CREAT | O_TRUNC, 0666);
        int nul = open("/dev/null", O_RDONLY);
        if (fd < 0 || nul < 0)
            _exit(126);
        dup2(nul, STDIN_FILENO);
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
        char *const argv[] = {(char *)"gnuplot", (char *)"gnuplot/plots.gp", NULL};
        execv(gnuplot, argv);
        _exit(127);
    }
    int status = 0;
    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR)
            return sc_error_set(err, SC_ERR_INTERNAL, gnuplot, "waiting for gnuplot: %s",
                                strerror(errno));
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) {
        unlink(log);
        return SC_OK;
    }
    /* the last non-empty line of gnuplot's output says what went wrong */
    char tail[400] = "";
    FILE *f = fopen(log, "r");
    if (f) {
        char line[400];
        while (fgets(line, sizeof line, f)) {
            size_t n = strlen(line);
            while (n && (line[n - 1] == '\n' || line[n - 1] == '\r' || line[n - 1] == ' '))
                line[--n] = '\0';
            if (n)
                snprintf(tail, sizeof tail, "%s", line);
        }
        fclose(f);
    }
    if (WIFEXITED(status) && WEXITSTATUS(status) == 127)
        return sc_error_set(err, SC_ERR_NOTBUILT, gnuplot, "cannot execute gnuplot");
    if (WIFSIGNALED(status))
        return sc_error_set(err, SC_ERR_INTERNAL, gnuplot, "gnuplot killed by signal %d%s%s",
                            WTERMSIG(status), tail[0] ? ": " : "", tail);
    return sc_error_set(err, SC_ERR_INTERNAL, gnuplot, "gnuplot failed (exit %d)%s%s",
                        WIFEXITED(status) ? WEXITSTATUS(status) : -1, tail[0] ? ": " : "",
                        tail);
}
