/*
 * import.c - trace import: CSV, NAB and M4 files into the store or memory, and
 * resampling (see import.h for the rules).
 *
 * A file is read whole (sc_file_read_all) and split into records in place: one record
 * per physical line, fields separated by commas, a field may be double-quoted ("" is an
 * escaped quote; quotes do not span lines).  Every record remembers its line number so
 * errors can say "file:line".  Blank lines are skipped, a UTF-8 byte-order mark and
 * CR-LF line ends are accepted.
 *
 * CSV/NAB produce one table: a time vector and one value vector per selected column.
 * M4 produces one series per row.  Each series is checked (strictly increasing time,
 * at least one non-missing value), optionally scaled and resampled, and appended to
 * the store under (app, place, metric) with the inferred nominal step.
 */
#define _POSIX_C_SOURCE 200809L
#include "import.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/csv.h"
#include "sculpt/fsutil.h"
#include "sculpt/tz.h"

#define M4_DEFAULT_START_MS INT64_C(946684800000) /* 2000-01-01T00:00:00Z */

void sc_import_opts_init(sc_import_opts *opt)
{
    memset(opt, 0, sizeof *opt);
    opt->format = SC_TRACE_FMT_CSV;
    opt->scale = 1.0;
    snprintf(opt->place_kind, sizeof opt->place_kind, "geo");
    opt->resample = SC_RESAMPLE_MAX;
    opt->origin_ms = 0;
    opt->m4_start_ms = M4_DEFAULT_START_MS;
    opt->m4_step_ms = SC_MS_PER_HOUR;
}

sc_status sc_trace_format_parse(const char *s, sc_trace_format *out)
{
    if (s && strcmp(s, "csv") == 0)
        *out = SC_TRACE_FMT_CSV;
    else if (s && strcmp(s, "nab") == 0)
        *out = SC_TRACE_FMT_NAB;
    else if (s && strcmp(s, "m4") == 0)
        *out = SC_TRACE_FMT_M4;
    else
        return SC_ERR_USAGE;
    return SC_OK;
}

sc_status sc_resample_rule_parse(const char *s, sc_resample_rule *out)
{
    if (s && strcmp(s, "max") == 0)
        *out = SC_RESAMPLE_MAX;
    else if (s && strcmp(s, "mean") == 0)
        *out = SC_RESAMPLE_MEAN;
    else if (s && strcmp(s, "sum") == 0)
        *out = SC_RESAMPLE_SUM;
    else
        return SC_ERR_USAGE;
    return SC_OK;
}

sc_status sc_dup_rule_parse(const char *s, sc_dup_rule *out)
{
    static const char *const names[] = {"error", "max", "mean", "first", "last"};
    for (int i = 0; i < 5; i++)
        if (s && strcmp(s, names[i]) == 0) {
            *out = (sc_dup_rule)i;
            return SC_OK;
        }
    return SC_ERR_USAGE;
}

/* Merge value x of a duplicated row into the kept sample *acc, which already merged
 * *cnt non-missing values (mean keeps the running sum until the rows end). */
static void dup_merge(sc_dup_rule rule, double *acc, unsigned *cnt, double x)
{
    if (rule == SC_DUP_FIRST)
        return;
    if (rule == SC_DUP_LAST) {
        *acc = x;
        return;
    }
    if (isnan(x))
        return;
    if (*cnt == 0 || isnan(*acc))
        *acc = x;
    else if (rule == SC_DUP_MAX)
        *acc = x > *acc ? x : *acc;
    else
        *acc += x;
    (*cnt)++;
}

/* ---------------------------------------------------------------- CSV records */

/* Records come from the one CSV reader (sculpt/csv.h): RFC 4180 quoting, CRLF, a BOM,
 * blank lines skipped, white space around fields trimmed, file:line in errors. */
typedef sc_csv_rec csv_rec;

/* Trim ASCII white space in place. */
static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* ---------------------------------------------------------------- cells */

static int is_missing(const char *s)
{
    if (!*s)
        return 1;
    const char *names[] = {"na", "n/a", "nan", "null", "none"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        size_t k = 0;
        while (names[i][k] && tolower((unsigned char)s[k]) == names[i][k])
            k++;
        if (!names[i][k] && !s[k])
            return 1;
    }
    return 0;
}

/* Parse a value cell: 0 ok (NaN for missing), -1 not a number. */
static int parse_value(const char *s, double *out)
{
    if (is_missing(s)) {
        *out = NAN;
        return 0;
    }
    char *end;
    errno = 0;
    double x = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(x))
        return -1;
    *out = x;
    return 0;
}

/* Column spec: a 0-based index or a header name.  -1 if not found. */
static long find_col(const char *spec, const csv_rec *header)
{
    char *end;
    errno = 0;
    long idx = strtol(spec, &end, 10);
    if (*spec && *end == '\0' && !errno && idx >= 0)
        return idx;
    if (header)
        for (size_t i = 0; i < header->n; i++)
            if (strcmp(header->f[i], spec) == 0)
                return (long)i;
    return -1;
}

/* Safe series name from arbitrary text: invalid characters become '_'. */
static void sanitize_name(const char *s, char *out, size_t len)
{
    size_t k = 0;
    for (; *s && k + 1 < len && k < 63; s++) {
        char c = *s;
        int ok = isalnum((unsigned char)c) || c == '_' || c == '.' || c == '-';
        out[k++] = ok ? c : '_';
    }
    out[k] = '\0';
    if (k == 0 || strcmp(out, ".") == 0 || strcmp(out, "..") == 0)
        snprintf(out, len, "series");
}

static void base_name(const char *path, char *out, size_t len)
{
    const char *b = strrchr(path, '/');
    b = b ? b + 1 : path;
    char tmp[256];
    snprintf(tmp, sizeof tmp, "%s", b);
    char *dot = strrchr(tmp, '.');
    if (dot && dot != tmp)
        *dot = '\0';
    sanitize_name(tmp, out, len);
}

/* ---------------------------------------------------------------- series checks */

int64_t sc_trace_infer_step(const sc_time_ms *t, size_t n)
{
    if (n < 2)
        return 0;
    int64_t d = INT64_MAX;
    for (size_t i = 1; i < n; i++) {
        if (t[i] <= t[i - 1])
            return 0;
        /* t[i] - t[i-1] overflows int64 when the times straddle the whole range
         * (fuzz_trace_import): such a series has no nominal step */
        uint64_t gu = (uint64_t)t[i] - (uint64_t)t[i - 1];
        if (gu > (uint64_t)INT64_MAX)
            return 0;
        int64_t g = (int64_t)gu;
        if (g < d)
            d = g;
    }
    for (size_t i = 1; i < n; i++)
        if ((t[i] - t[i - 1]) % d != 0)
            return 0;
    return d;
}

sc_status sc_resample(const sc_time_ms *t, const double *v, size_t n, sc_time_ms origin,
                      int64_t step_ms, sc_resample_rule rule, sc_time_ms **t_out,
                      double **v_out, size_t *n_out, sc_error *err)
{
    *t_out = NULL;
    *v_out = NULL;
    *n_out = 0;
    if (step_ms <= 0)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "resampling step must be positive");
    if (rule != SC_RESAMPLE_MAX && rule != SC_RESAMPLE_MEAN && rule != SC_RESAMPLE_SUM)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "unknown resampling rule %d", (int)rule);
    for (size_t i = 1; i < n; i++)
        if (t[i] <= t[i - 1])
            return sc_error_set(err, SC_ERR_INPUT, NULL,
                                "resampling needs strictly increasing timestamps (sample %zu)", i);
    size_t nb = 0;
    int64_t k0 = 0;
    if (n > 0) {
        /* bin index of a sample: floor((t - origin) / step), computed without overflow
         * by splitting both into quotient and remainder */
        int64_t qt = sc_time_floor_div(t[0], step_ms), qo = sc_time_floor_div(origin, step_ms);
        int64_t rt = t[0] - qt * step_ms, ro = origin - qo * step_ms;
        k0 = qt - qo - (rt < ro);
        int64_t qt1 = sc_time_floor_div(t[n - 1], step_ms);
        int64_t rt1 = t[n - 1] - qt1 * step_ms;
        int64_t k1 = qt1 - qo - (rt1 < ro);
        /* k1 >= k0, but k1 - k0 overflows int64 for a 1 ms step over the whole time
         * range (fuzz_trace_csv): take the difference in uint64 */
        uint64_t span = (uint64_t)k1 - (uint64_t)k0;
        if (span >= SC_RESAMPLE_MAX_BINS)
            return sc_error_set(err, SC_ERR_RANGE, NULL,
                                "resampling to %lld ms gives %llu bins (limit %u)",
                                (long long)step_ms, (unsigned long long)span + 1,
                                SC_RESAMPLE_MAX_BINS);
        nb = (size_t)span + 1;
    }
    sc_time_ms *to = malloc((nb ? nb : 1) * sizeof *to);
    double *vo = malloc((nb ? nb : 1) * sizeof *vo);
    size_t *cnt = calloc(nb ? nb : 1, sizeof *cnt);
    if (!to || !vo || !cnt) {
        free(to);
        free(vo);
        free(cnt);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory resampling");
    }
    for (size_t b = 0; b < nb; b++) {
        to[b] = sc_time_add(origin, (k0 + (int64_t)b) * step_ms);
        vo[b] = 0.0;
    }
    size_t b = 0;
    for (size_t i = 0; i < n; i++) {
        /* samples are sorted, so the bin index only moves forward */
        while (b + 1 < nb && t[i] >= to[b + 1])
            b++;
        double x = v[i];
        if (isnan(x))
            continue;
        if (cnt[b] == 0)
            vo[b] = x;
        else if (rule == SC_RESAMPLE_MAX)
            vo[b] = x > vo[b] ? x : vo[b];
        else
            vo[b] += x;
        cnt[b]++;
    }
    for (size_t k = 0; k < nb; k++) {
        if (cnt[k] == 0)
            vo[k] = NAN;
        else if (rule == SC_RESAMPLE_MEAN)
            vo[k] /= (double)cnt[k];
    }
    free(cnt);
    *t_out = to;
    *v_out = vo;
    *n_out = nb;
    return SC_OK;
}

/* ---------------------------------------------------------------- CSV/NAB table */

typedef struct csv_table {
    size_t n;            /* rows */
    sc_time_ms *t;       /* [n] */
    size_t n_cols;       /* value columns */
    double **v;          /* [n_cols][n] */
    char (*names)[64];   /* [n_cols] column header (sanitised) or "colN" */
    char (*labels)[64];  /* [n_cols] column header as written, for messages */
} csv_table;

static void table_free(csv_table *tb)
{
    if (tb->v)
        for (size_t c = 0; c < tb->n_cols; c++)
            free(tb->v[c]);
    free(tb->v);
    free(tb->t);
    free(tb->names);
    free(tb->labels);
    memset(tb, 0, sizeof *tb);
}

static sc_status parse_csv_table(const char *path, const sc_import_opts *opt, int single,
                                 csv_table *tb, sc_error *err)
{
    sc_csv *cf = NULL;
    char where[600];
    long *cols = NULL;
    size_t *line_of = NULL;
    unsigned *dup_cnt = NULL;
    memset(tb, 0, sizeof *tb);
    sc_status st = sc_csv_read(path, NULL, &cf, err);
    if (st != SC_OK)
        goto out;
    if (cf->n_rec == 0) {
        st = sc_error_set(err, SC_ERR_EMPTY, path, "empty trace: no rows");
        goto out;
    }
    const char *tz = opt->tz[0] ? opt->tz : NULL;
    /* a zone name is resolved once here (tz.h caches it), so that an unknown zone or a
     * corrupt zone file is reported as such rather than as a bad timestamp */
    if (tz && tz[0] != '+' && tz[0] != '-' && strcmp(tz, "UTC") != 0 && strcmp(tz, "Z") != 0) {
        const sc_tz *zone;
        sc_error zerr;
        sc_status zs = sc_tz_get(tz, &zone, &zerr);
        if (zs == SC_ERR_NOTFOUND) {
            st = sc_error_set(err, SC_ERR_USAGE, path, "%s", zerr.msg);
            goto out;
        }
        if (zs != SC_OK) {
            st = sc_error_set(err, zs, zerr.where, "%s", zerr.msg);
            goto out;
        }
    }
    /* header: the first record is a header when its time cell is not a timestamp */
    const csv_rec *header = NULL;
    {
        const csv_rec *r0 = &cf->rec[0];
        long tc0 = find_col(opt->time_col[0] ? opt->time_col : "0", NULL);
        sc_time_ms dummy;
        if (tc0 < 0 || (size_t)tc0 >= r0->n || sc_time_parse(r0->f[tc0], tz, &dummy) != SC_OK)
            header = r0;
    }
    long tcol = find_col(opt->time_col[0] ? opt->time_col : "0", header);
    if (tcol < 0) {
        snprintf(where, sizeof where, "%s:%zu", path, cf->rec[0].line);
        st = sc_error_set(err, SC_ERR_INPUT, where, "no time column '%s' in the header",
                          opt->time_col);
        goto out;
    }
    /* value columns */
    size_t max_cols = header ? header->n : cf->rec[0].n;
    const char *vspec = opt->value_col[0] ? opt->value_col : "1";
    size_t n_tokens = 1;
    for (const char *q = vspec; *q; q++)
        n_tokens += *q == ',';
    cols = calloc(max_cols > n_tokens ? max_cols : n_tokens, sizeof *cols);
    if (!cols) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto out;
    }
    size_t nc = 0;
    if (strcmp(vspec, "*") == 0) {
        for (size_t c = 0; c < max_cols; c++)
            if ((long)c != tcol)
                cols[nc++] = (long)c;
    } else {
        char spec[sizeof opt->value_col];
        snprintf(spec, sizeof spec, "%s", vspec);
        char *save = NULL;
        for (char *tok = strtok_r(spec, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
            tok = trim(tok);
            long c = find_col(tok, header);
            if (c < 0) {
                snprintf(where, sizeof where, "%s:%zu", path, cf->rec[0].line);
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "no value column '%s' in the header", tok);
                goto out;
            }
            cols[nc++] = c;
        }
    }
    if (nc == 0) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "no value column selected");
        goto out;
    }
    if (single && nc != 1) {
        st = sc_error_set(err, SC_ERR_USAGE, path,
                          "exactly one value column expected, %zu selected", nc);
        goto out;
    }
    size_t need = (size_t)tcol + 1;
    for (size_t c = 0; c < nc; c++)
        if ((size_t)cols[c] + 1 > need)
            need = (size_t)cols[c] + 1;

    size_t first = header ? 1 : 0;
    size_t rows = cf->n_rec - first;
    if (rows == 0) {
        st = sc_error_set(err, SC_ERR_EMPTY, path, "empty trace: a header and no data rows");
        goto out;
    }
    tb->n_cols = nc;
    tb->t = malloc(rows * sizeof *tb->t);
    tb->v = calloc(nc, sizeof *tb->v);
    tb->names = calloc(nc, sizeof *tb->names);
    tb->labels = calloc(nc, sizeof *tb->labels);
    line_of = malloc(rows * sizeof *line_of);
    if (!tb->t || !tb->v || !tb->names || !tb->labels || !line_of) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto out;
    }
    for (size_t c = 0; c < nc; c++) {
        tb->v[c] = malloc(rows * sizeof *tb->v[c]);
        if (!tb->v[c]) {
            st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
            goto out;
        }
        if (header && (size_t)cols[c] < header->n) {
            snprintf(tb->labels[c], sizeof tb->labels[c], "%s", header->f[cols[c]]);
            sanitize_name(header->f[cols[c]], tb->names[c], sizeof tb->names[c]);
        } else {
            snprintf(tb->labels[c], sizeof tb->labels[c], "column %ld", cols[c]);
            snprintf(tb->names[c], sizeof tb->names[c], "col%ld", cols[c]);
        }
    }
    dup_cnt = calloc(nc, sizeof *dup_cnt);
    if (!dup_cnt) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto out;
    }
    size_t w = 0; /* rows kept; with a duplicates rule, repeated times merge into one */
    for (size_t i = 0; i < rows; i++) {
        const csv_rec *r = &cf->rec[first + i];
        snprintf(where, sizeof where, "%s:%zu", path, r->line);
        if (r->n < need) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "%zu fields; expected at least %zu", r->n, need);
            goto out;
        }
        const char *ts = r->f[tcol];
        sc_time_ms ti;
        char why[320];
        sc_status ps = sc_time_parse_why(ts, tz, &ti, why, sizeof why);
        if (ps == SC_ERR_NOTFOUND) {
            st = sc_error_set(err, SC_ERR_USAGE, where, "unknown time zone '%s'", opt->tz);
            goto out;
        }
        if (ps != SC_OK && why[0]) { /* issue 13: a local time in a daylight-saving gap */
            st = sc_error_set(err, SC_ERR_INPUT, where, "%s", why);
            goto out;
        }
        if (ps != SC_OK) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "bad timestamp '%.64s': expected YYYY-MM-DD[ HH:MM[:SS]] with "
                              "an optional offset, or Unix seconds",
                              ts);
            goto out;
        }
        int dup = w > 0 && ti == tb->t[w - 1] && opt->duplicates != SC_DUP_ERROR;
        if (w > 0 && ti <= tb->t[w - 1] && !dup) {
            char a[32], b[32];
            sc_time_format(ti, a, sizeof a);
            sc_time_format(tb->t[w - 1], b, sizeof b);
            if (ti == tb->t[w - 1])
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "duplicate timestamp '%.64s' (%s, also at line %zu); "
                                  "--duplicates max|mean|first|last merges such rows",
                                  ts, a, line_of[w - 1]);
            else
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "timestamp '%.64s' (%s) is before the previous row's %s "
                                  "(line %zu); rows must be in increasing time order",
                                  ts, a, b, line_of[w - 1]);
            goto out;
        }
        if (!dup) {
            if (w > 0 && opt->duplicates == SC_DUP_MEAN)
                for (size_t c = 0; c < nc; c++)
                    if (dup_cnt[c] > 1)
                        tb->v[c][w - 1] /= dup_cnt[c];
            tb->t[w] = ti;
            line_of[w] = r->line;
        }
        for (size_t c = 0; c < nc; c++) {
            const char *cell = r->f[cols[c]];
            double x;
            if (parse_value(cell, &x) != 0) {
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "column %ld: bad value '%.64s' in column '%s': expected a "
                                  "finite number or an empty/NA cell for a missing sample",
                                  cols[c] + 1, cell, tb->labels[c]);
                goto out;
            }
            /* Demand is never negative (issue 13): a negative cell is a unit or sign
             * error upstream, refused here rather than clamped to 0 by the world. */
            if (x < 0) {
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "column %ld: negative value '%.64s' in column '%s': demand "
                                  "must be >= 0 (an empty or NA cell marks a missing sample)",
                                  cols[c] + 1, cell, tb->labels[c]);
                goto out;
            }
            x *= opt->scale;
            if (isinf(x)) {
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "column %ld: value '%.64s' in column '%s' times the scale "
                                  "%.6g is not a finite number",
                                  cols[c] + 1, cell, tb->labels[c], opt->scale);
                goto out;
            }
            if (dup) {
                dup_merge(opt->duplicates, &tb->v[c][w - 1], &dup_cnt[c], x);
            } else {
                tb->v[c][w] = x;
                dup_cnt[c] = !isnan(x);
            }
        }
        if (!dup)
            w++;
        tb->n = w;
    }
    if (w > 0 && opt->duplicates == SC_DUP_MEAN)
        for (size_t c = 0; c < nc; c++)
            if (dup_cnt[c] > 1)
                tb->v[c][w - 1] /= dup_cnt[c];
    for (size_t c = 0; c < nc; c++) {
        size_t good = 0;
        for (size_t i = 0; i < tb->n; i++)
            good += !isnan(tb->v[c][i]);
        if (good == 0) {
            st = sc_error_set(err, SC_ERR_EMPTY, path,
                              "column '%s' has only missing values", tb->labels[c]);
            goto out;
        }
    }
    st = SC_OK;
out:
    if (st != SC_OK)
        table_free(tb);
    free(line_of);
    free(dup_cnt);
    free(cols);
    sc_csv_free(cf);
    return st;
}

static sc_status check_opts(const char *path, const sc_import_opts *opt, sc_error *err)
{
    if (!isfinite(opt->scale) || opt->scale < 0)
        return sc_error_set(err, SC_ERR_USAGE, path, "scale must be a finite number >= 0");
    if (opt->step_ms < 0)
        return sc_error_set(err, SC_ERR_USAGE, path, "negative resampling step");
    if (opt->format == SC_TRACE_FMT_M4 && opt->m4_step_ms <= 0)
        return sc_error_set(err, SC_ERR_USAGE, path, "M4 step must be positive");
    const char *names[3] = {opt->app, opt->place, opt->metric};
    const char *what[3] = {"app", "place", "metric"};
    for (int i = 0; i < 3; i++)
        if (names[i][0] && !sc_tsdb_name_valid(names[i]))
            return sc_error_set(err, SC_ERR_USAGE, path,
                                "invalid %s name '%s': expected 1-63 characters of "
                                "[A-Za-z0-9_.-]",
                                what[i], names[i]);
    if (strcmp(opt->place_kind, "geo") != 0 && strcmp(opt->place_kind, "region") != 0)
        return sc_error_set(err, SC_ERR_USAGE, path, "place kind '%s': expected geo or region",
                            opt->place_kind);
    return SC_OK;
}

/* Optionally resample, then append one series. */
static sc_status store_series(sc_tsdb *db, const char *path, const sc_import_opts *opt,
                              const sc_series_key *key, const sc_time_ms *t, const double *v,
                              size_t n, sc_error *err)
{
    sc_status st;
    if (opt->step_ms > 0) {
        sc_time_ms *rt;
        double *rv;
        size_t rn;
        st = sc_resample(t, v, n, opt->origin_ms, opt->step_ms, opt->resample, &rt, &rv, &rn, err);
        if (st != SC_OK) {
            if (err)
                snprintf(err->where, sizeof err->where, "%s", path);
            return st;
        }
        st = sc_tsdb_append(db, key, opt->unit, opt->step_ms, opt->place_kind, rt, rv, rn, err);
        free(rt);
        free(rv);
        return st;
    }
    return sc_tsdb_append(db, key, opt->unit, sc_trace_infer_step(t, n), opt->place_kind, t, v,
                          n, err);
}

sc_status sc_trace_read_csv(const char *path, const sc_import_opts *opt_in, sc_time_ms **t,
                            double **v, size_t *n, sc_error *err)
{
    sc_import_opts defaults;
    const sc_import_opts *opt = opt_in;
    *t = NULL;
    *v = NULL;
    *n = 0;
    if (!opt) {
        sc_import_opts_init(&defaults);
        opt = &defaults;
    }
    if (opt->format == SC_TRACE_FMT_M4)
        return sc_error_set(err, SC_ERR_USAGE, path, "sc_trace_read_csv reads CSV/NAB, not M4");
    sc_status st = check_opts(path, opt, err);
    if (st != SC_OK)
        return st;
    csv_table tb;
    st = parse_csv_table(path, opt, 1, &tb, err);
    if (st != SC_OK)
        return st;
    if (opt->step_ms > 0) {
        st = sc_resample(tb.t, tb.v[0], tb.n, opt->origin_ms, opt->step_ms, opt->resample, t, v, n,
                         err);
        if (st != SC_OK && err)
            snprintf(err->where, sizeof err->where, "%s", path);
        table_free(&tb);
        return st;
    }
    *t = tb.t;
    *v = tb.v[0];
    *n = tb.n;
    tb.t = NULL;
    tb.v[0] = NULL;
    table_free(&tb);
    return SC_OK;
}

static sc_status import_csv(sc_tsdb *db, const char *path, const sc_import_opts *opt,
                            size_t *n_series, sc_error *err)
{
    csv_table tb;
    sc_status st = parse_csv_table(path, opt, 0, &tb, err);
    if (st != SC_OK)
        return st;
    char app[64];
    if (opt->app[0])
        snprintf(app, sizeof app, "%s", opt->app);
    else
        base_name(path, app, sizeof app);
    const char *metric = opt->metric[0] ? opt->metric : "load";
    for (size_t c = 0; c < tb.n_cols; c++) {
        const char *place = tb.n_cols > 1 ? tb.names[c] : (opt->place[0] ? opt->place : "global");
        sc_series_key key = {app, place, metric};
        st = store_series(db, path, opt, &key, tb.t, tb.v[c], tb.n, err);
        if (st != SC_OK)
            break;
        (*n_series)++;
    }
    table_free(&tb);
    return st;
}

/* Is id in the comma list (or the list empty)? */
static int id_selected(const char *list, const char *id)
{
    if (!list[0])
        return 1;
    size_t n = strlen(id);
    for (const char *p = list; *p;) {
        const char *e = strchr(p, ',');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (len == n && strncmp(p, id, n) == 0)
            return 1;
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

static sc_status import_m4(sc_tsdb *db, const char *path, const sc_import_opts *opt,
                           size_t *n_series, sc_error *err)
{
    sc_csv *cf = NULL;
    char where[600];
    sc_time_ms *t = NULL;
    double *v = NULL;
    sc_status st = sc_csv_read(path, NULL, &cf, err);
    if (st != SC_OK)
        goto out;
    size_t first = 0;
    if (cf->n_rec > 0) {
        /* header ("V1","V2",...): its second cell is not a number */
        const csv_rec *r0 = &cf->rec[0];
        double x;
        if (r0->n >= 2 && (parse_value(r0->f[1], &x) != 0 || isnan(x)))
            first = 1;
    }
    if (cf->n_rec <= first) {
        st = sc_error_set(err, SC_ERR_EMPTY, path, "empty M4 file: no series rows");
        goto out;
    }
    size_t maxn = 0;
    for (size_t i = first; i < cf->n_rec; i++)
        if (cf->rec[i].n > maxn)
            maxn = cf->rec[i].n;
    t = malloc(maxn * sizeof *t);
    v = malloc(maxn * sizeof *v);
    if (!t || !v) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto out;
    }
    const char *metric = opt->metric[0] ? opt->metric : "load";
    size_t imported = 0;
    for (size_t i = first; i < cf->n_rec; i++) {
        const csv_rec *r = &cf->rec[i];
        snprintf(where, sizeof where, "%s:%zu", path, r->line);
        const char *id = r->f[0];
        if (!sc_tsdb_name_valid(id)) {
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "series id '%.64s' is not a valid name ([A-Za-z0-9_.-]+)", id);
            goto out;
        }
        if (!id_selected(opt->m4_ids, id))
            continue;
        /* trailing empty cells are padding of the ragged rows */
        size_t nv = r->n - 1;
        while (nv > 0 && r->f[nv][0] == '\0')
            nv--;
        size_t good = 0;
        for (size_t k = 0; k < nv; k++) {
            const char *cell = r->f[k + 1];
            if (parse_value(cell, &v[k]) != 0) {
                st = sc_error_set(err, SC_ERR_INPUT, where,
                                  "bad value '%.64s' (value %zu of series %s): expected a "
                                  "finite number or an empty/NA cell",
                                  cell, k + 1, id);
                goto out;
            }
            v[k] *= opt->scale;
            good += !isnan(v[k]);
        }
        if (good == 0) {
            st = sc_error_set(err, SC_ERR_EMPTY, where, "series %s has no values", id);
            goto out;
        }
        const char *app = opt->m4_id_as_place ? (opt->app[0] ? opt->app : "m4") : id;
        const char *place = opt->m4_id_as_place ? id : (opt->place[0] ? opt->place : "global");
        sc_series_key key = {app, place, metric};
        sc_time_ms start = opt->m4_start_ms;
        if (opt->m4_continue && sc_tsdb_has(db, &key)) {
            sc_series_info info;
            if ((st = sc_tsdb_info(db, &key, &info, err)) != SC_OK)
                goto out;
            if (info.n > 0)
                start = sc_time_add(info.t_last, opt->m4_step_ms);
        }
        for (size_t k = 0; k < nv; k++)
            t[k] = sc_time_add(start, (int64_t)k * opt->m4_step_ms);
        if ((st = store_series(db, where, opt, &key, t, v, nv, err)) != SC_OK)
            goto out;
        imported++;
    }
    if (imported == 0) {
        st = sc_error_set(err, SC_ERR_EMPTY, path, "no M4 series matched the selection '%s'",
                          opt->m4_ids);
        goto out;
    }
    *n_series += imported;
    st = SC_OK;
out:
    free(t);
    free(v);
    sc_csv_free(cf);
    return st;
}

sc_status sc_trace_import(sc_tsdb *db, const char *path, const sc_import_opts *opt_in,
                          size_t *n_series_out, sc_error *err)
{
    sc_import_opts defaults;
    const sc_import_opts *opt = opt_in;
    size_t n_series = 0;
    if (n_series_out)
        *n_series_out = 0;
    if (!opt) {
        sc_import_opts_init(&defaults);
        opt = &defaults;
    }
    sc_status st = check_opts(path, opt, err);
    if (st != SC_OK)
        return st;
    if (opt->format == SC_TRACE_FMT_M4)
        st = import_m4(db, path, opt, &n_series, err);
    else
        st = import_csv(db, path, opt, &n_series, err);
    if (n_series_out)
        *n_series_out = n_series;
    return st;
}

/* Copy src to dst (created/truncated). */
static sc_status copy_file(const char *src, const char *dst, sc_error *err)
{
    FILE *in = fopen(src, "rb");
    if (!in)
        return sc_error_set(err, SC_ERR_IO, src, "cannot open: %s", strerror(errno));
    FILE *out = fopen(dst, "wb");
    if (!out) {
        int e = errno;
        fclose(in);
        return sc_error_set(err, SC_ERR_IO, dst, "cannot create: %s", strerror(e));
    }
    char buf[1 << 16];
    size_t n;
    sc_status st = SC_OK;
    while ((n = fread(buf, 1, sizeof buf, in)) > 0)
        if (fwrite(buf, 1, n, out) != n) {
            st = sc_error_set(err, SC_ERR_IO, dst, "write error copying %s", src);
            break;
        }
    if (st == SC_OK && ferror(in))
        st = sc_error_set(err, SC_ERR_IO, src, "read error");
    fclose(in);
    if (fclose(out) != 0 && st == SC_OK)
        st = sc_error_set(err, SC_ERR_IO, dst, "write error");
    return st;
}

sc_status sc_trace_import_files(const char *store_path, const char *const *files,
                                size_t n_files, const sc_import_opts *opt,
                                size_t *n_series_out, sc_error *err)
{
    sc_atomic_file af;
    sc_tsdb *db = NULL;
    size_t total = 0;
    if (n_series_out)
        *n_series_out = 0;
    sc_status st = sc_atomic_begin(&af, store_path, err);
    if (st != SC_OK)
        return st;
    int exists = access(store_path, F_OK) == 0;
    if (exists) {
        /* check the existing store before copying it, so the error names it */
        st = sc_tsdb_open(store_path, SC_TSDB_READ, &db, err);
        if (st != SC_OK) {
            sc_atomic_abort(&af); /* the temporary file exists from sc_atomic_begin */
            return st;
        }
        sc_tsdb_close(db, NULL);
        db = NULL;
        if ((st = copy_file(store_path, af.tmp, err)) != SC_OK)
            goto fail;
        st = sc_tsdb_open(af.tmp, SC_TSDB_RDWR, &db, err);
    } else {
        st = sc_tsdb_open(af.tmp, SC_TSDB_CREATE, &db, err);
    }
    if (st != SC_OK) {
        if (err)
            snprintf(err->where, sizeof err->where, "%s", store_path);
        goto fail;
    }
    for (size_t i = 0; i < n_files; i++) {
        size_t k = 0;
        st = sc_trace_import(db, files[i], opt, &k, err);
        total += k;
        if (st != SC_OK) {
            /* say which input file was being imported when the store refused it */
            if (err && !strstr(err->where, files[i])) {
                size_t m = strlen(err->msg);
                snprintf(err->msg + m, sizeof err->msg - m, " (importing %s)", files[i]);
            }
            goto fail;
        }
    }
    st = sc_tsdb_close(db, err);
    db = NULL;
    if (st != SC_OK)
        goto fail;
    if ((st = sc_atomic_commit(&af, err)) != SC_OK)
        return st;
    if (n_series_out)
        *n_series_out = total;
    return SC_OK;
fail:
    sc_tsdb_close(db, NULL);
    sc_atomic_abort(&af);
    /* messages about the temporary copy name the real store instead */
    if (err && strncmp(err->where, af.tmp, strlen(af.tmp)) == 0) {
        char rest[sizeof err->where];
        snprintf(rest, sizeof rest, "%s", err->where + strlen(af.tmp));
        snprintf(err->where, sizeof err->where, "%.300s%.200s", store_path, rest);
    }
    return st;
}
