/*
 * m4set.c - series sets in M4 layout (forecast.h, sc_m4_set): a header row, then one row
 * per series, "id" then its values; trailing empty fields are absent values, "NA" or an
 * inner empty field is a missing value (NaN).  Read by the evaluation layer
 * (sim/eval/m4eval.c), the benchmarks and the tests.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/forecast.h"
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

/* Next field of a line starting at *p (end at e): copies it unquoted into buf. */
static int next_field(const char **p, const char *e, char *buf, size_t cap)
{
    const char *s = *p;
    size_t len = 0;
    int quoted = 0;
    if (s < e && *s == '"') {
        quoted = 1;
        s++;
    }
    while (s < e) {
        if (quoted && *s == '"') {
            s++;
            if (s < e && *s == '"') {   /* "" inside quotes */
                if (len + 1 < cap)
                    buf[len++] = '"';
                s++;
                continue;
            }
            quoted = 0;
            continue;
        }
        if (!quoted && *s == ',')
            break;
        if (len + 1 < cap)
            buf[len++] = *s;
        s++;
    }
    buf[len] = '\0';
    *p = (s < e) ? s + 1 : e + 1;
    return 1;
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
    char *text;
    size_t len;
    sc_status st = sc_file_read_all(path, &text, &len, err);
    if (st != SC_OK)
        return st;
    size_t cap = 0, lineno = 0;
    char field[256], where[600];
    double *vals = NULL;
    size_t vcap = 0;
    const char *p = text, *end = text + len;
    while (p < end) {
        const char *e = memchr(p, '\n', (size_t)(end - p));
        if (!e)
            e = end;
        const char *le = e;
        if (le > p && le[-1] == '\r')
            le--;
        lineno++;
        const char *line = p;
        p = e + 1;
        if (lineno == 1 || le == line)
            continue;   /* header, blank line */
        snprintf(where, sizeof where, "%s:%zu", path, lineno);
        const char *q = line;
        next_field(&q, le, field, sizeof field);
        if (!field[0]) {
            st = sc_error_set(err, SC_ERR_INPUT, where, "empty series id in column 1");
            goto fail;
        }
        char *id = strdup(field);
        size_t n = 0, n_nonempty = 0;
        while (q <= le) {
            next_field(&q, le, field, sizeof field);
            if (n == vcap) {
                size_t nc = vcap ? 2 * vcap : 1024;
                double *nv = realloc(vals, nc * sizeof *nv);
                if (!nv) {
                    free(id);
                    st = sc_error_set(err, SC_ERR_NOMEM, where, "growing a row");
                    goto fail;
                }
                vals = nv;
                vcap = nc;
            }
            double v;
            if (!field[0] || strcmp(field, "NA") == 0 || strcmp(field, "NaN") == 0) {
                v = NAN;
            } else {
                char *stop;
                v = strtod(field, &stop);
                while (*stop == ' ')
                    stop++;
                if (*stop || !isfinite(v)) {
                    free(id);
                    st = sc_error_set(err, SC_ERR_INPUT, where,
                                      "column %zu: '%s' is not a finite number", n + 2,
                                      field);
                    goto fail;
                }
            }
            vals[n++] = v;
            if (field[0])
                n_nonempty = n;   /* trailing empty fields are absent, not missing */
        }
        n = n_nonempty;
        double *y = malloc((n ? n : 1) * sizeof *y);
        if (!id || !y) {
            free(id);
            free(y);
            st = sc_error_set(err, SC_ERR_NOMEM, where, "copying a row");
            goto fail;
        }
        memcpy(y, vals, n * sizeof *y);
        st = set_push(out, &cap, id, y, n, err);
        if (st != SC_OK) {
            free(id);
            free(y);
            goto fail;
        }
    }
    free(vals);
    free(text);
    if (out->count == 0)
        return sc_error_set(err, SC_ERR_EMPTY, path,
                            "no series: expected a header row then rows \"id\",v1,v2,...");
    return SC_OK;
fail:
    free(vals);
    free(text);
    sc_m4_set_cleanup(out);
    return st;
}
