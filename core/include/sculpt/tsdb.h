/*
 * tsdb.h - the time-series store: an HDF5 file of series keyed by
 * (application, place, metric), where place is a geography or a region.
 *
 * Layout (schema "sculpt-tsdb", version 1; documented in traces/README.md):
 *
 *   /                       attrs: schema = "sculpt-tsdb", schema_version = 1
 *   /series/<app>/<place>/<metric>/      group, attrs: unit (string), step_ms (int64,
 *                                          0 = irregular), place_kind ("geo"|"region")
 *       t   int64  [n]  timestamps, ms since the Unix epoch UTC, strictly increasing
 *       v   float64[n]  values; NaN marks a missing sample (a gap stays missing)
 *
 * Both datasets are 1-D, unlimited, chunked (4096) and deflate-compressed (level 4)
 * with the shuffle filter.  Object time tracking is off, so the same content gives the
 * same bytes.  Names are [A-Za-z0-9_.-]+ (no '/').
 */
#ifndef SCULPT_TSDB_H
#define SCULPT_TSDB_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

typedef struct sc_tsdb sc_tsdb;

typedef enum { SC_TSDB_READ = 0, SC_TSDB_RDWR = 1, SC_TSDB_CREATE = 2 } sc_tsdb_mode;

/* Key of a series.  Strings are borrowed. */
typedef struct sc_series_key {
    const char *app;
    const char *place;      /* geography or region name */
    const char *metric;     /* "cpu", "mem", "io", "requests", "load", ... */
} sc_series_key;

/* Open (or with SC_TSDB_CREATE, create/truncate) a store.  Free with sc_tsdb_close.
 * Opening an unreadable, truncated or non-sculpt HDF5 file gives SC_ERR_INPUT (or
 * SC_ERR_IO when the file cannot be opened at all), naming the path. */
sc_status sc_tsdb_open(const char *path, sc_tsdb_mode mode, sc_tsdb **out, sc_error *err);
/* Close and flush; NULL is a no-op.  Returns the flush status. */
sc_status sc_tsdb_close(sc_tsdb *db, sc_error *err);

/* Create the series if missing (with unit and step) and append n samples.  t must be
 * strictly increasing, also across calls (first t > last stored t). */
sc_status sc_tsdb_append(sc_tsdb *db, const sc_series_key *key, const char *unit,
                         int64_t step_ms, const char *place_kind, const sc_time_ms *t,
                         const double *v, size_t n, sc_error *err);

/* An append path that keeps one series' datasets open across calls (live mode's
 * observation writer, issue 12): _open creates or checks the series as sc_tsdb_append
 * does, _add appends n samples (t strictly increasing, also across calls and after what
 * the store held), _close releases it.  Close every appender of a store before
 * sc_tsdb_close.  Each open appender keeps its datasets' chunk cache (about one 32 KiB
 * chunk per dataset). */
typedef struct sc_tsdb_appender sc_tsdb_appender;
sc_status sc_tsdb_appender_open(sc_tsdb *db, const sc_series_key *key, const char *unit,
                                int64_t step_ms, const char *place_kind,
                                sc_tsdb_appender **out, sc_error *err);
sc_status sc_tsdb_appender_add(sc_tsdb_appender *a, const sc_time_ms *t, const double *v,
                               size_t n, sc_error *err);
void sc_tsdb_appender_close(sc_tsdb_appender *a);

/* Read the samples with t0 <= t < t1 (use SC_TIME_MIN/SC_TIME_MAX for all).
 * *t_out and *v_out are malloc'ed (caller frees with free()); *n_out may be 0. */
sc_status sc_tsdb_read(sc_tsdb *db, const sc_series_key *key, sc_time_ms t0, sc_time_ms t1,
                       sc_time_ms **t_out, double **v_out, size_t *n_out, sc_error *err);

/* Summary of a series. */
typedef struct sc_series_info {
    char app[128], place[128], metric[64], unit[64], place_kind[16];
    int64_t step_ms;          /* nominal step, 0 = irregular */
    size_t n;                 /* number of samples */
    size_t n_missing;         /* NaN samples */
    sc_time_ms t_first, t_last;
    double min, max, mean;    /* over non-missing values (NaN if none) */
} sc_series_info;

/* List all series, sorted by (app, place, metric).  *out malloc'ed, free with free(). */
sc_status sc_tsdb_list(sc_tsdb *db, sc_series_info **out, size_t *n_out, sc_error *err);

/* Does the series exist? */
int sc_tsdb_has(sc_tsdb *db, const sc_series_key *key);

/* Path the store was opened from. */
const char *sc_tsdb_path(const sc_tsdb *db);

/* Summary of one series (same figures as sc_tsdb_list).  SC_ERR_NOTFOUND if absent. */
sc_status sc_tsdb_info(sc_tsdb *db, const sc_series_key *key, sc_series_info *out,
                       sc_error *err);

/* Is name a valid series name component: [A-Za-z0-9_.-]+, not "." or "..", at most
 * 63 bytes (so it fits every sc_series_info field)?  1 yes, 0 no. */
int sc_tsdb_name_valid(const char *name);

SC_END_DECLS

#endif
