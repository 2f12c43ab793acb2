/*
 * m4set.c - series sets in M4 layout (forecast.h, sc_m4_set): a header row, then one row
 * per series, "id" then its values; trailing empty fields are absent values, "NA" or an
 * inner empty field is a missing value (NaN).  Read through the one CSV reader
 * (sculpt/csv.h, RFC 4180 quoting).  Read by the evaluation layer
 * (sim/eval/m4eval.c), the benchmarks and the tests.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/forecast.h"
#include "sculpt/csv.h"
#include "sculpt/fsutil.h"

/* ---- reading ---------------------------------------------------------------------- */

void sc_m4_set_cleanup(sc_m4_set *set)
{
    if (!set)
        return;
    for (size_t i = 0; i < set->count; i++) {
        free(set->ids ? set->ids[i] : NULL);
        free(set->y ? set->y[i] : NULL);
    }
    free(set->ids);
    free(set->y);
    free(set->n);
    memset(set, 0, sizeof *set);
}

static sc_status set_push(sc_m4_set *set, size_t *cap, char *id, double *y, size_t n,
                          sc_error *err)
{
    if (set->count == *cap) {
        size_t nc = *cap ? 2 * *cap : 64;
        char **ids = realloc(set->ids, nc * sizeof *ids);
        if (ids)
            set->ids = ids;
        double **ys = realloc(set->y, nc * sizeof *ys);
        if (ys)
            set->y = ys;
        size_t *ns = realloc(set->n, nc * sizeof *ns);
        if (ns)
            set->n = ns;
        if (!ids || !ys || !ns)
            return sc_error_set(err, SC_ERR_NOMEM, "m4", "growing the series list");
        *cap = nc;
    }
    set->ids[set->count] = id;
    set->y[set->count] = y;
    set->n[set->count] = n;
    set->count++;
    return SC_OK;
}

sc_status sc_m4_set_read(const char *path, sc_m4_set *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    sc_csv *csv = NULL; /* the one CSV reader (sculpt/csv.h): RFC 4180 quoting */
    sc_status st = sc_csv_read(path, NULL, &csv, err);
    if (st != SC_OK)
        return st;
    size_t cap = 0;
    char where[600];
    for (size_t r = 0; r < csv->n_rec; r++) {
        const sc_csv_rec *rec = &csv->rec[r];
        if (rec->line == 1)
            continue; /* header */
        snprintf(where, sizeof where, "%s:%zu", path, rec->line);
        if (!rec->f[0][0]) {
            st = sc_error_set(err, SC_ERR_INPUT, where, "empty series id in column 1");
            goto fail;
        }
        size_t n = rec->n - 1;
        while (n > 0 && !rec->f[n][0])
            n--; /* trailing empty fields are absent, not missing */
        char *id = strdup(rec->f[0]);
        double *y = malloc((n ? n : 1) * sizeof *y);
        if (!id || !y) {
            free(id);
            free(y);
            st = sc_error_set(err, SC_ERR_NOMEM, where, "copying a row");
            goto fail;
        }
        for (size_t k = 0; k < n; k++) {
            const char *field = rec->f[k + 1];
            double v;
            if (!field[0] || strcmp(field, "NA") == 0 || strcmp(field, "NaN") == 0) {
                v = NAN;
            } else {
                char *stop;
                v = strtod(field, &stop);
                if (*stop || !isfinite(v)) {
                    free(id);
                    free(y);
                    st = sc_error_set(err, SC_ERR_INPUT, where,
                                      "column %zu: '%s' is not a finite number", k + 2, field);
                    goto fail;
                }
            }
            y[k] = v;
        }
        st = set_push(out, &cap, id, y, n, err);
        if (st != SC_OK) {
            free(id);
            free(y);
            goto fail;
        }
    }
    sc_csv_free(csv);
    if (out->count == 0)
        return sc_error_set(err, SC_ERR_EMPTY, path,
                            "no series: expected a header row then rows \"id\",v1,v2,...");
    return SC_OK;
fail:
    sc_csv_free(csv);
    sc_m4_set_cleanup(out);
    return st;
}

/* ---- measures --------------------------------------------------------------------- */
