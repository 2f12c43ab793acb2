/*
 * report_plot.h - the report's plots: data files and one gnuplot script written into
 * the report directory, then gnuplot run as an external program.
 *
 * Layout inside the report directory (paths relative to it, which is gnuplot's working
 * directory):
 *   gnuplot/plots.gp        the script (kept so a reader can re-make or restyle a plot)
 *   gnuplot/<plot>.dat      whitespace-separated columns, "NaN" for missing values
 *   plots/<plot>.png|.svg   the images (pngcairo and svg terminals)
 *
 * Plot names are built from indices and sanitised names, so they are unique and safe
 * in file names and URLs.  Every string taken from the results file that reaches the
 * script (titles, tick labels) is quoted for gnuplot and the terminals are
 * "noenhanced", so a label cannot inject gnuplot commands or markup.
 */
#ifndef SCULPT_REPORT_PLOT_H
#define SCULPT_REPORT_PLOT_H

#include <stddef.h>
#include <stdio.h>

#include "report_data.h"
#include "sculpt/status.h"

typedef enum sc_report_section {
    SC_REPORT_SEC_COST = 0,      /* cumulative cost, cost by purchase option */
    SC_REPORT_SEC_DEMAND = 1,    /* demand against capacity per app x region */
    SC_REPORT_SEC_FORECAST = 2,  /* forecast against actual, prediction interval */
    SC_REPORT_SEC_SWEEP = 3,     /* cost vs SLO attainment, Pareto front */
    SC_REPORT_SEC_ROUTING = 4    /* share of load per region over time, routed runs */
} sc_report_section;

typedef struct sc_report_plot {
    char name[192];              /* file base name under plots/, no extension */
    char title[512];             /* caption for the HTML page */
    sc_report_section section;
} sc_report_plot;

typedef struct sc_report_plots {
    sc_report_plot *v;           /* owned; free with sc_report_plots_cleanup */
    size_t n, cap;
} sc_report_plots;

void sc_report_plots_cleanup(sc_report_plots *p);
/* Append a plot to the list (copies name and title). */
sc_status sc_report_plots_add(sc_report_plots *p, const char *name, const char *title,
                              sc_report_section sec, sc_error *err);

/* Write gnuplot/<plot>.dat and gnuplot/plots.gp under dir for results r, producing the
 * formats asked for (png, svg: 0/1 each), and list the plots in *out (initialised by
 * this call; the caller cleans it up even on failure). */
sc_status sc_report_plots_write(const sc_report_results *r, const char *dir, int png,
                                int svg, sc_report_plots *out, sc_error *err);

/* Find the gnuplot program: `override` (a path, or a name searched on PATH) if not
 * NULL, else $SCULPT_GNUPLOT if set, else "gnuplot" on PATH.  Writes its path to
 * out[cap].  SC_ERR_NOTBUILT (exit 1) when it is not installed. */
sc_status sc_report_gnuplot_find(const char *override, char *out, size_t cap, sc_error *err);

/* Run `gnuplot gnuplot/plots.gp` with dir as working directory, its output going to
 * dir/gnuplot/gnuplot.log (removed on success).  SC_ERR_INTERNAL with the log's last
 * line when gnuplot fails. */
sc_status sc_report_gnuplot_run(const char *gnuplot, const char *dir, sc_error *err);

/* Helpers shared by the plot writers (report_plot.c, report_sweep.c). */
const char *sc_report_colour(size_t run_index);            /* "#rrggbb", cycled */
void sc_report_sanitize(const char *in, char *out, size_t cap); /* for file names */
void sc_report_gp_quote(FILE *f, const char *s);             /* gnuplot '...' string */
void sc_report_gp_num(FILE *f, double v);                    /* "%.10g" or "NaN" */
/* Emit one plot body (settings + plot command) once per format, as plots/<name>.png/.svg */
sc_status sc_report_gp_emit(FILE *gp, int png, int svg, const char *name, const char *body,
                            size_t body_len, sc_error *err);

#endif
