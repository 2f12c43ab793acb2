/*
 * import.h - reading outside traces (plain CSV, NAB, M4) into the time-series store or
 * into memory, and resampling them to a fixed step.
 *
 * Formats (details and examples in traces/README.md):
 *   CSV  rows of timestamp,value[,value...]; the first row is a header when its time
 *        cell is not a timestamp.  Columns are chosen by 0-based index or header name.
 *   NAB  the Numenta Anomaly Benchmark layout: "timestamp,value" with
 *        "YYYY-MM-DD HH:MM:SS" (read exactly like CSV).
 *   M4   one series per row: "id","v1","v2",... with no timestamps: the caller gives a
 *        start time and a step.  Trailing empty cells are padding (rows are ragged),
 *        empty cells between values are missing samples.
 *
 * Missing data stays missing: empty cells, "NA", "N/A", "nan", "null" (any case) become
 * NaN, and timestamps absent from a regular series stay absent (never filled with
 * zero).  Timestamps must be strictly increasing: a duplicate or out-of-order row is
 * SC_ERR_INPUT naming "file:line".  A trace with no rows or only missing values is
 * SC_ERR_EMPTY naming the file.
 *
 * Resampling (sc_resample) puts samples in bins [origin + k*step, origin + (k+1)*step)
 * labelled by their start, from the bin of the first sample to the bin of the last.
 * MAX (the default: capacity must serve the peak of the finer samples), MEAN or SUM of
 * the non-missing samples in the bin; a bin with no non-missing sample is NaN.  Data
 * coarser than the step are NOT interpolated: each sample fills only its own bin and
 * the bins between two samples are NaN.
 */
#ifndef SCULPT_TRACES_IMPORT_H
#define SCULPT_TRACES_IMPORT_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"
#include "sculpt/time.h"
#include "sculpt/tsdb.h"

typedef enum sc_trace_format {
    SC_TRACE_FMT_CSV = 0,
    SC_TRACE_FMT_NAB = 1,
    SC_TRACE_FMT_M4 = 2
} sc_trace_format;

/* Same numbering as sc_trace_ref.resample in scenario.h. */
typedef enum sc_resample_rule {
    SC_RESAMPLE_MAX = 0,   /* peak of the samples in the bin (default) */
    SC_RESAMPLE_MEAN = 1,  /* mean of the non-missing samples */
    SC_RESAMPLE_SUM = 2    /* sum of the non-missing samples (counts, e.g. requests) */
} sc_resample_rule;

/* What to do with consecutive rows that carry the same timestamp (CSV/NAB). */
typedef enum sc_dup_rule {
    SC_DUP_ERROR = 0,  /* an error naming both lines (default) */
    SC_DUP_MAX = 1,    /* keep the peak of the duplicated rows' values */
    SC_DUP_MEAN = 2,   /* mean of their non-missing values */
    SC_DUP_FIRST = 3,  /* keep the first row */
    SC_DUP_LAST = 4    /* keep the last row */
} sc_dup_rule;

typedef struct sc_import_opts {
    sc_trace_format format;     /* default CSV */
    char time_col[128];         /* CSV: 0-based index or header name; "" = column 0 */
    char value_col[1024];       /* CSV: index or header name, a comma list of them, or
                                   "*" = every column except the time column;
                                   "" = column 1.  With several columns each one becomes
                                   a series whose place is the column's header. */
    char tz[64];                /* zone of timestamps without an offset: "" = UTC,
                                   "+HH:MM" or an IANA name ("America/New_York") */
    char unit[64];              /* unit attribute of the stored series ("" = none) */
    double scale;               /* values are multiplied by this (default 1) */
    char app[64];               /* "" = CSV/NAB: the file's base name; M4: "m4" when the
                                   row id is the place */
    char place[64];             /* "" = "global" */
    char place_kind[16];        /* "geo" (default) or "region" */
    char metric[64];            /* "" = "load" */
    int64_t step_ms;            /* > 0: resample to this step before storing; 0 = keep
                                   the native sampling */
    sc_resample_rule resample;  /* rule used when step_ms > 0 */
    sc_time_ms origin_ms;       /* resampling bins start at origin + k*step (default 0:
                                   the Unix epoch, so hourly bins start on the hour UTC) */
    sc_time_ms m4_start_ms;     /* M4: time of each row's first value (default
                                   2000-01-01T00:00Z; M4 publishes no dates) */
    int64_t m4_step_ms;         /* M4: sampling step (default 1 h) */
    int m4_id_as_place;         /* M4: 0 = the row id names the app (default),
                                   1 = the row id names the place */
    int m4_continue;            /* M4: a row whose series already exists in the store
                                   continues one step after its last sample (so
                                   Hourly-test.csv follows Hourly-train.csv) */
    char m4_ids[1024];          /* M4: comma list of row ids to import; "" = all */
    sc_dup_rule duplicates;     /* CSV/NAB rows with the same timestamp: an error
                                   (default) or merged into one sample by a rule */
} sc_import_opts;

/* Defaults as documented above. */
void sc_import_opts_init(sc_import_opts *opt);

/* Parse "csv" | "nab" | "m4" and "max" | "mean" | "sum"; SC_ERR_USAGE otherwise. */
sc_status sc_trace_format_parse(const char *s, sc_trace_format *out);
sc_status sc_resample_rule_parse(const char *s, sc_resample_rule *out);
/* Parse "error" | "max" | "mean" | "first" | "last"; SC_ERR_USAGE otherwise. */
sc_status sc_dup_rule_parse(const char *s, sc_dup_rule *out);

/*
 * Import one file into an open (writable) store.  *n_series_out (may be NULL) receives
 * the number of series written.  On error the store may hold part of the file: callers
 * that need all-or-nothing use sc_trace_import_files.
 */
sc_status sc_trace_import(sc_tsdb *db, const char *path, const sc_import_opts *opt,
                          size_t *n_series_out, sc_error *err);

/*
 * Import files into the store at store_path, all or nothing: the store (or an empty
 * new one) is copied to a temporary file next to it, the files are imported there, and
 * the copy is renamed over store_path only when every file imported.  On failure the
 * original store is untouched and no temporary file is left.
 */
sc_status sc_trace_import_files(const char *store_path, const char *const *files,
                                size_t n_files, const sc_import_opts *opt,
                                size_t *n_series_out, sc_error *err);

/*
 * Read one value column of a CSV or NAB file into memory (no store): the simulator's
 * path for scenario traces given as CSV.  opt may be NULL (defaults: columns 0 and 1,
 * UTC, scale 1, native sampling); tz, scale, columns and step/resample/origin apply;
 * value_col must name one column.  *t and *v are malloc'ed (caller frees with free()),
 * *n > 0 on success.
 */
sc_status sc_trace_read_csv(const char *path, const sc_import_opts *opt, sc_time_ms **t,
                            double **v, size_t *n, sc_error *err);

/*
 * Resample (t, v; n samples, t strictly increasing) to bins of step_ms starting at
 * origin (see the top of this file).  *t_out and *v_out are malloc'ed (caller frees
 * with free()); *n_out is the number of bins from the first sample's bin to the last's
 * (0 when n is 0).  SC_ERR_RANGE if that would exceed SC_RESAMPLE_MAX_BINS.
 */
#define SC_RESAMPLE_MAX_BINS 100000000u
sc_status sc_resample(const sc_time_ms *t, const double *v, size_t n, sc_time_ms origin,
                      int64_t step_ms, sc_resample_rule rule, sc_time_ms **t_out,
                      double **v_out, size_t *n_out, sc_error *err);

/* Nominal step of a series: the smallest gap between samples when every gap is a whole
 * multiple of it (a regular series with missing timestamps), else 0 (irregular). */
int64_t sc_trace_infer_step(const sc_time_ms *t, size_t n);

#endif
