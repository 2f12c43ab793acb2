/*
 * report.h - `sculpt report`: turn a results file (sim/results.h) into a directory a
 * person can open: index.html with plots made by gnuplot (PNG and SVG), summary.md and
 * summary.csv, and the plots' data and script (so any plot can be re-made).
 *
 *   DIR/index.html            summary table, plots, provenance; no external resources
 *   DIR/summary.md            the summary table in Markdown
 *   DIR/summary.csv           every summary figure, full precision ("%.17g")
 *   DIR/plots/<plot>.png|svg  the images
 *   DIR/gnuplot/              plots.gp and one <plot>.dat per plot
 *   DIR/.sculpt-report        marker: this directory is a sculpt report
 *
 * The report is built in a temporary directory next to DIR (".<name>.tmp.<pid>") and
 * renamed into place at the end, so a failure leaves nothing behind.  An existing DIR
 * is refused (SC_ERR_USAGE, exit 2) unless opts.force is set; with force it is replaced
 * only if it is empty or is a sculpt report (has the marker), never any other directory.
 *
 * Determinism: the same results file gives the same index.html, summary.md,
 * summary.csv, data files and script, byte for byte (no timestamps; runs in the order
 * of their names).  Image bytes are gnuplot's and may differ between gnuplot versions.
 */
#ifndef SCULPT_REPORT_H
#define SCULPT_REPORT_H

#include <stddef.h>

#include "sculpt/status.h"

typedef struct sc_report_opts {
    int png;              /* 1: PNG images (gnuplot pngcairo terminal) */
    int svg;              /* 1: SVG images (gnuplot svg terminal) */
    int force;            /* 1: replace an existing report directory */
    const char *gnuplot;  /* program; NULL: $SCULPT_GNUPLOT, else "gnuplot" on PATH */
} sc_report_opts;

/* Defaults: PNG and SVG, no force, gnuplot from the environment. */
void sc_report_opts_init(sc_report_opts *opts);

/* Parse a --format list: comma-separated "png", "svg", or "none" (tables only, no
 * gnuplot needed).  Sets opts->png and opts->svg; SC_ERR_USAGE on anything else. */
sc_status sc_report_formats_parse(const char *list, sc_report_opts *opts, sc_error *err);

/* Check, before any heavy work, that a report can be written to dir: that dir does not
 * exist (or may be replaced under opts->force) and that gnuplot is installed when plots
 * are wanted.  Creates nothing.  SC_ERR_USAGE (exit 2) for an existing dir,
 * SC_ERR_NOTBUILT (exit 1) when gnuplot is missing. */
sc_status sc_report_check_output(const char *dir, const sc_report_opts *opts, sc_error *err);

/* Write the report of results_path into dir (layout above).  A missing or invalid
 * results file is SC_ERR_NOTFOUND / SC_ERR_INPUT (exit 2) naming it; gnuplot missing
 * or failing is exit 1; I/O failures SC_ERR_IO (exit 3).  On failure nothing is left. */
sc_status sc_report_write(const char *results_path, const char *dir, const sc_report_opts *opts,
                          sc_error *err);

/* A temporary results file name for `sculpt run --report DIR` without -o: a hidden
 * sibling of DIR (".<name>.results.<pid>.h5"), so it is on the same file system. */
void sc_report_temp_results_path(const char *dir, char *out, size_t cap);

#endif
