/*
 * wiv.h - the Workload Intensity Vector (WIV): what the Workload Prediction Engine hands
 * to the optimizer and the predictive policies.
 *
 * For every app x geography cell, a forecast path of `steps` steps of step_ms each,
 * starting at origin_ms (step s, 0-based, covers [origin + s step, origin + (s+1) step)),
 * each step with a mean and nq quantiles (default 0.5, 0.9, 0.95, 0.99).  When the WIV
 * step is coarser than the forecaster's data step, a step's value is the PEAK within the
 * step: the largest mean and, per level, the largest quantile of the data steps it
 * covers (capacity must hold the busiest moment of the step; note the maximum of
 * per-step quantiles is a bound on, not the quantile of, the within-step peak).
 * Summary points at leads of 1 h, 6 h and 24 h are the values of the step that contains
 * that lead time (lead L lies in step ceil(L / step) - 1), absent when the path is
 * shorter.
 *
 * Layout: mean[(a * n_geos + g) * steps + s], quant[((a * n_geos + g) * steps + s) * nq
 * + k]; quantile levels ascending in (0, 1); names unique within apps and within geos.
 * Values never NaN once set (cells start at 0).
 *
 * Forms (both written atomically, temp name + rename, fsutil.h):
 *   JSON  {"format": "sculpt-wiv", "version": 1, "origin_ms", "step_ms", "steps",
 *          "quantiles": [..], "apps": [..], "geos": [..],
 *          "cells": [{"app", "geo", "mean": [steps], "quantiles": [[nq] x steps]}],
 *          "summary": [{"app", "geo", "lead_ms", "mean", "quantiles": [nq]}]}
 *          (summary is derived, written for readers' convenience, ignored on read).
 *   HDF5  root attributes format = "sculpt-wiv", version, origin_ms, step_ms; datasets
 *          /quantiles (nq), /apps, /geos (fixed 64-byte NUL-terminated strings), /mean (n_apps,
 *          n_geos, steps), /quant (n_apps, n_geos, steps, nq), /summary/lead_ms (3),
 *          /summary/mean (n_apps, n_geos, 3), /summary/quant (n_apps, n_geos, 3, nq);
 *          a summary lead beyond the path is NaN.
 */
#ifndef SCULPT_WIV_H
#define SCULPT_WIV_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"

SC_BEGIN_DECLS

#define SC_WIV_MAX_QUANTILES 16
#define SC_WIV_NAME_MAX 64          /* bytes of an app or geography name, with NUL */
#define SC_WIV_NSUMMARY 3           /* summary leads: 1 h, 6 h, 24 h */

/* Leads of the summary points, ms. */
extern const int64_t sc_wiv_summary_lead_ms[SC_WIV_NSUMMARY];

typedef struct sc_wiv {
    size_t n_apps, n_geos;               /* grid size */
    char (*apps)[SC_WIV_NAME_MAX];       /* n_apps names (owned) */
    char (*geos)[SC_WIV_NAME_MAX];       /* n_geos names (owned) */
    size_t steps;                        /* path length, >= 1 */
    int64_t origin_ms;                   /* start of step 0, ms since epoch */
    int64_t step_ms;                     /* step duration, ms, > 0 */
    size_t nq;                           /* quantile levels, <= SC_WIV_MAX_QUANTILES */
    double q[SC_WIV_MAX_QUANTILES];      /* levels, ascending in (0, 1) */
    double *mean;                        /* n_apps * n_geos * steps (owned) */
    double *quant;                       /* n_apps * n_geos * steps * nq (owned) */
} sc_wiv;

/* Allocate a WIV for the given names, path length and step; q == NULL (nq ignored)
 * uses the default levels 0.5, 0.9, 0.95, 0.99.  Values start at 0.  SC_ERR_RANGE for
 * an empty grid, steps == 0, step_ms <= 0, bad or unsorted levels; SC_ERR_INPUT for a
 * name that is empty, too long or repeated.  Free with sc_wiv_free (NULL is a no-op). */
sc_status sc_wiv_alloc(const char *const *apps, size_t n_apps, const char *const *geos,
                       size_t n_geos, size_t steps, int64_t origin_ms, int64_t step_ms,
                       const double *q, size_t nq, sc_wiv **out, sc_error *err);
void sc_wiv_free(sc_wiv *w);

/* Index of an app / geography by name, -1 when absent. */
int sc_wiv_app_index(const sc_wiv *w, const char *app);
int sc_wiv_geo_index(const sc_wiv *w, const char *geo);

/* Set cell (a, g) from a forecast made at the data step data_step_ms: mean[h] and
 * quant[h * nq] (step-major, the WIV's own levels, as sc_forecaster_predict gives them
 * for w->q).  data_step_ms must divide step_ms; WIV step s takes the peak over data
 * steps s*r .. s*r + r - 1 (r = step_ms / data_step_ms) that exist; a WIV step beyond
 * the forecast keeps its value and is reported in *filled (steps set), which may be
 * NULL.  SC_ERR_RANGE for a bad index or step ratio, SC_ERR_INPUT for non-finite
 * values. */
sc_status sc_wiv_set_cell(sc_wiv *w, size_t a, size_t g, int64_t data_step_ms,
                          const double *mean, const double *quant, size_t h,
                          size_t *filled, sc_error *err);

/* The summary point at lead lead_ms for cell (a, g): the step containing the lead
 * (see top).  mean_out and quant_out[nq] receive it.  SC_ERR_RANGE when the lead is
 * <= 0 or beyond the path, or the cell index is bad. */
sc_status sc_wiv_summary(const sc_wiv *w, size_t a, size_t g, int64_t lead_ms,
                         double *mean_out, double *quant_out, sc_error *err);

/* Write / read the JSON form.  The reader checks everything it reads (format, version,
 * sizes, ascending levels, finite numbers) and reports the JSON path of a bad value
 * ("file: $.cells[3].mean[7]").  *out is NULL on failure; free with sc_wiv_free. */
sc_status sc_wiv_write_json(const sc_wiv *w, const char *path, sc_error *err);
sc_status sc_wiv_read_json(const char *path, sc_wiv **out, sc_error *err);

/* Write / read the HDF5 form (layout at top).  SC_ERR_IO when the file cannot be
 * written or opened, SC_ERR_INPUT when a dataset is missing or has the wrong shape. */
sc_status sc_wiv_write_hdf5(const sc_wiv *w, const char *path, sc_error *err);
sc_status sc_wiv_read_hdf5(const char *path, sc_wiv **out, sc_error *err);

SC_END_DECLS

#endif
