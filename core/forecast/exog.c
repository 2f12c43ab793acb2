/*
 * exog.c - an announced event feed (events.h) as exogenous regressor columns
 * (sc_forecast_exog) for the forecasters that take them (arima as ARIMAX, harmonic,
 * lstm).
 *
 * Design: the columns are fixed per (app, geo) from the whole feed -- one indicator per
 * kind (sorted), then the announced lift -- so rolling windows of one series share a
 * column layout and a model fitted on one window reads the next window's rows the same
 * way.  A row is "in" an event when the event overlaps the row's interval
 * [t, t + step) at all: with peak aggregation (a step's value is its peak) an event
 * touching any part of the step can set the step's value.  The lift column sums the
 * stated lifts of the overlapping events (unstated = 0), i.e. the first-order effect of
 * overlapping multiplicative lifts.  Cost O(events * rows_touched + rows * ncols).
 */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/forecast.h"

/* Insert kind into the sorted set kinds[0..*n-1] (capacity cap); return 0 when full. */
static int kinds_insert(char (*kinds)[SC_EVENT_NAME_MAX], size_t *n, size_t cap,
                        const char *kind)
{
    size_t lo = 0, hi = *n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(kinds[mid], kind);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    if (*n >= cap)
        return 0;
    memmove(kinds[lo + 1], kinds[lo], (*n - lo) * sizeof kinds[0]);
    snprintf(kinds[lo], SC_EVENT_NAME_MAX, "%s", kind);
    (*n)++;
    return 1;
}

/* Sorted distinct kinds of the events applying to (app, geo), up to cap; *overflow = 1
 * when there were more. */
static void collect_kinds(const sc_event_feed *feed, const char *app, const char *geo,
                          char (*kinds)[SC_EVENT_NAME_MAX], size_t cap, size_t *n,
                          int *overflow)
{
    *n = 0;
    *overflow = 0;
    for (size_t i = 0; i < feed->n; i++) {
        const sc_event *ev = &feed->events[i];
        if (!sc_event_applies(ev, app, geo))
            continue;
        if (!kinds_insert(kinds, n, cap, ev->kind))
            *overflow = 1;
    }
}

sc_status sc_exog_feed_kinds(const sc_event_feed *feed, const char *app, const char *geo,
                             char (*kinds)[SC_EVENT_NAME_MAX], size_t max, size_t *count,
                             sc_error *err)
{
    if (!feed || !app || !geo || !count || (max && !kinds))
        return sc_error_set(err, SC_ERR_INPUT, "sc_exog_feed_kinds", "NULL argument");
    /* count all distinct kinds, writing at most max */
    char(*all)[SC_EVENT_NAME_MAX] = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        int overflow;
        if (cap) {
            collect_kinds(feed, app, geo, all, cap, &n, &overflow);
            if (!overflow)
                break;
        }
        cap = cap ? 2 * cap : 16;
        void *p = realloc(all, cap * sizeof *all);
        if (!p) {
            free(all);
            return sc_error_set(err, SC_ERR_NOMEM, "sc_exog_feed_kinds", "allocating kinds");
        }
        all = p;
    }
    for (size_t i = 0; i < n && i < max; i++)
        memcpy(kinds[i], all[i], sizeof all[i]);
    *count = n;
    free(all);
    return SC_OK;
}

sc_status sc_exog_from_feed(const sc_event_feed *feed, const char *app, const char *geo,
                            sc_time_ms t0, int64_t step_ms, size_t n_hist, size_t n_future,
                            sc_forecast_exog *out, sc_error *err)
{
    if (!out)
        return sc_error_set(err, SC_ERR_INPUT, "sc_exog_from_feed", "NULL output");
    memset(out, 0, sizeof *out);
    if (!feed || !app || !geo)
        return sc_error_set(err, SC_ERR_INPUT, "sc_exog_from_feed", "NULL argument");
    if (step_ms <= 0)
        return sc_error_set(err, SC_ERR_INPUT, "sc_exog_from_feed",
                            "step_ms must be > 0, got %lld", (long long)step_ms);
    size_t rows = n_hist + n_future;
    if (rows == 0 || rows < n_hist)
        return sc_error_set(err, SC_ERR_INPUT, "sc_exog_from_feed",
                            "expected at least one row");
    char kinds[SC_FORECAST_MAX_EXOG][SC_EVENT_NAME_MAX];
    size_t nk;
    int overflow;
    collect_kinds(feed, app, geo, kinds, SC_FORECAST_MAX_EXOG - 1, &nk, &overflow);
    if (overflow)
        return sc_error_set(err, SC_ERR_RANGE, "sc_exog_from_feed",
                            "more than %d event kinds apply to %s/%s; at most %d columns",
                            SC_FORECAST_MAX_EXOG - 1, app, geo, SC_FORECAST_MAX_EXOG);
    if (nk == 0)
        return SC_OK;
    size_t nc = nk + 1;
    if (rows > SIZE_MAX / nc / sizeof(double))
        return sc_error_set(err, SC_ERR_RANGE, "sc_exog_from_feed", "too many rows");
    double *x = calloc(rows * nc, sizeof *x);
    if (!x)
        return sc_error_set(err, SC_ERR_NOMEM, "sc_exog_from_feed",
                            "allocating %zu x %zu regressors", rows, nc);
    for (size_t i = 0; i < feed->n; i++) {
        const sc_event *ev = &feed->events[i];
        if (!sc_event_applies(ev, app, geo))
            continue;
        size_t col = 0;
        while (col < nk && strcmp(kinds[col], ev->kind) != 0)
            col++;
        /* rows k with t0 + k step < end and t0 + (k+1) step > start */
        int64_t rel_s = ev->start_ms - t0, rel_e = ev->end_ms - t0;
        if (rel_e <= 0)
            continue;
        /* first k with (k+1) step > rel_s: k = floor(rel_s / step) (rel_s >= 0) */
        int64_t k0 = rel_s <= 0 ? 0 : rel_s / step_ms;
        /* last k with k step < rel_e: k = ceil(rel_e / step) - 1 */
        int64_t k1 = (rel_e - 1) / step_ms;
        if (k0 >= (int64_t)rows)
            continue;
        if (k1 >= (int64_t)rows)
            k1 = (int64_t)rows - 1;
        double lift = isnan(ev->lift) ? 0.0 : ev->lift;
        for (int64_t k = k0; k <= k1; k++) {
            double *r = x + (size_t)k * nc;
            r[col] = 1.0;
            r[nk] += lift;
        }
    }
    out->x = x;
    out->ncols = nc;
    out->n_future = n_future;
    return SC_OK;
}

void sc_exog_free(sc_forecast_exog *exog)
{
    if (!exog)
        return;
    free((void *)exog->x);
    memset(exog, 0, sizeof *exog);
}
