/*
 * wiv.c - the Workload Intensity Vector (sculpt/wiv.h): allocation, peak-within-step
 * aggregation of a forecast into a cell, summary points, and the JSON (cJSON) and HDF5
 * forms with their readers.
 *
 * The type is a dense app x geography x step grid (layout in wiv.h) so the optimizer can
 * index it without lookups.  Aggregation takes, for every WIV step, the maximum over the
 * data steps it covers of the mean and of each quantile separately (the peak within the
 * step, as issue 3 asks).  Both writers go through a temporary file renamed over the
 * target (fsutil.h); both readers validate shapes and values and build a fresh WIV
 * through sc_wiv_alloc, so whatever they return satisfies the invariants of wiv.h.
 */
#include "sculpt/wiv.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <hdf5.h>

#include "sculpt/fsutil.h"
#include "sculpt/json.h"

#include "../base/h5util.h"

const int64_t sc_wiv_summary_lead_ms[SC_WIV_NSUMMARY] = {3600000, 6 * 3600000,
                                                          24 * 3600000};

static const double default_q[4] = {0.5, 0.9, 0.95, 0.99};

void sc_wiv_free(sc_wiv *w)
{
    if (!w)
        return;
    free(w->apps);
    free(w->geos);
    free(w->mean);
    free(w->quant);
    free(w);
}

static sc_status check_names(const char *const *names, size_t n, const char *what,
                             sc_error *err)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = names[i] ? strlen(names[i]) : 0;
        if (len == 0 || len >= SC_WIV_NAME_MAX)
            return sc_error_set(err, SC_ERR_INPUT, "wiv",
                                "%s name %zu: expected 1 to %d bytes", what, i,
                                SC_WIV_NAME_MAX - 1);
        for (size_t j = 0; j < i; j++)
            if (strcmp(names[i], names[j]) == 0)
                return sc_error_set(err, SC_ERR_INPUT, "wiv", "%s name '%s' repeated",
                                    what, names[i]);
    }
    return SC_OK;
}

sc_status sc_wiv_alloc(const char *const *apps, size_t n_apps, const char *const *geos,
                       size_t n_geos, size_t steps, int64_t origin_ms, int64_t step_ms,
                       const double *q, size_t nq, sc_wiv **out, sc_error *err)
{
    *out = NULL;
    if (n_apps == 0 || n_geos == 0 || steps == 0)
        return sc_error_set(err, SC_ERR_RANGE, "wiv",
                            "empty grid: %zu apps x %zu geographies x %zu steps", n_apps,
                            n_geos, steps);
    if (step_ms <= 0)
        return sc_error_set(err, SC_ERR_RANGE, "wiv", "step %lld ms: expected > 0",
                            (long long)step_ms);
    if (!q) {
        q = default_q;
        nq = 4;
    }
    if (nq > SC_WIV_MAX_QUANTILES)
        return sc_error_set(err, SC_ERR_RANGE, "wiv", "%zu quantile levels: at most %d",
                            nq, SC_WIV_MAX_QUANTILES);
    for (size_t k = 0; k < nq; k++)
        if (!(q[k] > 0.0 && q[k] < 1.0) || (k && !(q[k] > q[k - 1])))
            return sc_error_set(err, SC_ERR_RANGE, "wiv",
                                "quantile level %zu = %g: expected ascending in (0, 1)", k,
                                q[k]);
    sc_status st = check_names(apps, n_apps, "app", err);
    if (st == SC_OK)
        st = check_names(geos, n_geos, "geography", err);
    if (st != SC_OK)
        return st;
    size_t cells = n_apps * n_geos;
    if (steps > SIZE_MAX / cells / (nq + 1) / sizeof(double))
        return sc_error_set(err, SC_ERR_RANGE, "wiv", "grid too large");
    sc_wiv *w = calloc(1, sizeof *w);
    if (!w)
        return sc_error_set(err, SC_ERR_NOMEM, "wiv", "allocating a WIV");
    w->apps = calloc(n_apps, sizeof *w->apps);
    w->geos = calloc(n_geos, sizeof *w->geos);
    w->mean = calloc(cells * steps, sizeof *w->mean);
    w->quant = calloc(cells * steps * (nq ? nq : 1), sizeof *w->quant);
    if (!w->apps || !w->geos || !w->mean || !w->quant) {
        sc_wiv_free(w);
        return sc_error_set(err, SC_ERR_NOMEM, "wiv", "allocating %zu cells x %zu steps",
                            cells, steps);
    }
    for (size_t i = 0; i < n_apps; i++)
        snprintf(w->apps[i], SC_WIV_NAME_MAX, "%s", apps[i]);
    for (size_t i = 0; i < n_geos; i++)
        snprintf(w->geos[i], SC_WIV_NAME_MAX, "%s", geos[i]);
    w->n_apps = n_apps;
    w->n_geos = n_geos;
    w->steps = steps;
    w->origin_ms = origin_ms;
    w->step_ms = step_ms;
    w->nq = nq;
    memcpy(w->q, q, nq * sizeof *q);
    *out = w;
    return SC_OK;
}

int sc_wiv_app_index(const sc_wiv *w, const char *app)
{
    for (size_t i = 0; i < w->n_apps; i++)
        if (strcmp(w->apps[i], app) == 0)
            return (int)i;
    return -1;
}

int sc_wiv_geo_index(const sc_wiv *w, const char *geo)
{
    for (size_t i = 0; i < w->n_geos; i++)
        if (strcmp(w->geos[i], geo) == 0)
            return (int)i;
    return -1;
}

sc_status sc_wiv_set_cell(sc_wiv *w, size_t a, size_t g, int64_t data_step_ms,
                          const double *mean, const double *quant, size_t h,
                          size_t *filled, sc_error *err)
{
    if (filled)
        *filled = 0;
    if (a >= w->n_apps || g >= w->n_geos)
        return sc_error_set(err, SC_ERR_RANGE, "wiv", "cell (%zu, %zu) outside %zu x %zu",
                            a, g, w->n_apps, w->n_geos);
    if (data_step_ms <= 0 || w->step_ms % data_step_ms != 0)
        return sc_error_set(err, SC_ERR_RANGE, "wiv",
                            "data step %lld ms must divide the WIV step %lld ms",
                            (long long)data_step_ms, (long long)w->step_ms);
    for (size_t i = 0; i < h; i++) {
        if (!isfinite(mean[i]))
            return sc_error_set(err, SC_ERR_INPUT, "wiv", "mean of step %zu is not finite",
                                i + 1);
        for (size_t k = 0; k < w->nq; k++)
            if (!isfinite(quant[i * w->nq + k]))
                return sc_error_set(err, SC_ERR_INPUT, "wiv",
                                    "quantile %zu of step %zu is not finite", k, i + 1);
    }
    size_t r = (size_t)(w->step_ms / data_step_ms);
    size_t base = (a * w->n_geos + g) * w->steps;
    size_t set = 0;
    for (size_t s = 0; s < w->steps; s++) {
        size_t i0 = s * r;
        if (i0 >= h)
            break;
        size_t i1 = i0 + r < h ? i0 + r : h;
        double pm = mean[i0];
        double *qo = w->quant + (base + s) * w->nq;
        for (size_t k = 0; k < w->nq; k++)
            qo[k] = quant[i0 * w->nq + k];
        for (size_t i = i0 + 1; i < i1; i++) {
            pm = fmax(pm, mean[i]);
            for (size_t k = 0; k < w->nq; k++)
                qo[k] = fmax(qo[k], quant[i * w->nq + k]);
        }
        w->mean[base + s] = pm;
        set++;
    }
    if (filled)
        *filled = set;
    return SC_OK;
}

/* Step holding lead_ms, or steps when beyond the path / not positive. */
static size_t lead_step(const sc_wiv *w, int64_t lead_ms)
{
    if (lead_ms <= 0)
        return w->steps;
    int64_t s = (lead_ms + w->step_ms - 1) / w->step_ms - 1;   /* ceil - 1 */
    return (uint64_t)s < w->steps ? (size_t)s : w->steps;
}

sc_status sc_wiv_summary(const sc_wiv *w, size_t a, size_t g, int64_t lead_ms,
                         double *mean_out, double *quant_out, sc_error *err)
{
    if (a >= w->n_apps || g >= w->n_geos)
        return sc_error_set(err, SC_ERR_RANGE, "wiv", "cell (%zu, %zu) outside %zu x %zu",
                            a, g, w->n_apps, w->n_geos);
    size_t s = lead_step(w, lead_ms);
    if (s >= w->steps)
        return sc_error_set(err, SC_ERR_RANGE, "wiv",
                            "lead %lld ms outside the path (%zu steps of %lld ms)",
                            (long long)lead_ms, w->steps, (long long)w->step_ms);
    size_t i = (a * w->n_geos + g) * w->steps + s;
    *mean_out = w->mean[i];
    if (quant_out)
        memcpy(quant_out, w->quant + i * w->nq, w->nq * sizeof *quant_out);
    return SC_OK;
}

/* ---- JSON ---------------------------------------------------------------------------- */

/* A number printed with 17 significant digits, so it reads back bit-exact (cJSON's
 * own printer keeps 15 digits whenever they read back within an epsilon). */
static cJSON *exact_number(double v)
{
    char buf[40];
    snprintf(buf, sizeof buf, "%.17g", v);
    return cJSON_CreateRaw(buf);
}

static cJSON *num_array(const double *v, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    for (size_t i = 0; arr && i < n; i++) {
        cJSON *x = exact_number(v[i]);
        if (!x || !cJSON_AddItemToArray(arr, x)) {
            cJSON_Delete(x);
            cJSON_Delete(arr);
            return NULL;
        }
    }
    return arr;
}

static cJSON *wiv_to_json(const sc_wiv *w)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    int ok = cJSON_AddStringToObject(root, "format", "sculpt-wiv") &&
             cJSON_AddNumberToObject(root, "version", 1) &&
             cJSON_AddNumberToObject(root, "origin_ms", (double)w->origin_ms) &&
             cJSON_AddNumberToObject(root, "step_ms", (double)w->step_ms) &&
             cJSON_AddNumberToObject(root, "steps", (double)w->steps);
    cJSON *qa = ok ? num_array(w->q, w->nq) : NULL;
    ok = ok && qa && cJSON_AddItemToObject(root, "quantiles", qa);
    cJSON *apps = ok ? cJSON_AddArrayToObject(root, "apps") : NULL;
    cJSON *geos = ok ? cJSON_AddArrayToObject(root, "geos") : NULL;
    cJSON *cells = ok ? cJSON_AddArrayToObject(root, "cells") : NULL;
    cJSON *summ = ok ? cJSON_AddArrayToObject(root, "summary") : NULL;
    ok = ok && apps && geos && cells && summ;
    for (size_t a = 0; ok && a < w->n_apps; a++)
        ok = cJSON_AddItemToArray(apps, cJSON_CreateString(w->apps[a]));
    for (size_t g = 0; ok && g < w->n_geos; g++)
        ok = cJSON_AddItemToArray(geos, cJSON_CreateString(w->geos[g]));
    for (size_t a = 0; ok && a < w->n_apps; a++)
        for (size_t g = 0; ok && g < w->n_geos; g++) {
            size_t base = (a * w->n_geos + g) * w->steps;
            cJSON *c = cJSON_CreateObject();
            ok = c && cJSON_AddItemToArray(cells, c) &&
                 cJSON_AddStringToObject(c, "app", w->apps[a]) &&
                 cJSON_AddStringToObject(c, "geo", w->geos[g]);
            cJSON *mv = ok ? num_array(w->mean + base, w->steps) : NULL;
            ok = ok && mv && cJSON_AddItemToObject(c, "mean", mv);
            cJSON *qs = ok ? cJSON_AddArrayToObject(c, "quantiles") : NULL;
            ok = ok && qs;
            for (size_t s = 0; ok && s < w->steps; s++) {
                cJSON *row = num_array(w->quant + (base + s) * w->nq, w->nq);
                ok = row && cJSON_AddItemToArray(qs, row);
            }
            for (int k = 0; ok && k < SC_WIV_NSUMMARY; k++) {
                size_t s = lead_step(w, sc_wiv_summary_lead_ms[k]);
                if (s >= w->steps)
                    continue;
                cJSON *p = cJSON_CreateObject();
                ok = p && cJSON_AddItemToArray(summ, p) &&
                     cJSON_AddStringToObject(p, "app", w->apps[a]) &&
                     cJSON_AddStringToObject(p, "geo", w->geos[g]) &&
                     cJSON_AddNumberToObject(p, "lead_ms",
                                             (double)sc_wiv_summary_lead_ms[k]) &&
                     cJSON_AddItemToObject(p, "mean", exact_number(w->mean[base + s]));
                cJSON *row = ok ? num_array(w->quant + (base + s) * w->nq, w->nq) : NULL;
                ok = ok && row && cJSON_AddItemToObject(p, "quantiles", row);
            }
        }
    if (!ok) {
        cJSON_Delete(root);
        return NULL;
    }
    return root;
}

sc_status sc_wiv_write_json(const sc_wiv *w, const char *path, sc_error *err)
{
    cJSON *root = wiv_to_json(w);
    if (!root)
        return sc_error_set(err, SC_ERR_NOMEM, path, "building the WIV JSON");
    char *text = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    if (!text)
        return sc_error_set(err, SC_ERR_NOMEM, path, "printing the WIV JSON");
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st != SC_OK) {
        free(text);
        return st;
    }
    FILE *fp = fopen(af.tmp, "w");
    if (!fp) {
        free(text);
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot create the WIV file");
    }
    int bad = fputs(text, fp) < 0 || fputc('\n', fp) == EOF;
    bad |= fclose(fp) != 0;
    free(text);
    if (bad) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, af.tmp, "writing the WIV file failed");
    }
    return sc_atomic_commit(&af, err);
}

/* Read n finite numbers of array item (path for messages). */
static sc_status read_nums(const char *file, const cJSON *arr, const char *path, size_t n,
                           double *out, sc_error *err)
{
    if (!cJSON_IsArray(arr) || (size_t)cJSON_GetArraySize(arr) != n)
        return sc_error_set(err, SC_ERR_INPUT, file, "%s: expected an array of %zu numbers", path, n);
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (!cJSON_IsNumber(x) || !isfinite(x->valuedouble))
            return sc_error_set(err, SC_ERR_INPUT, file, "%s[%zu]: expected a finite number", path, i);
        out[i++] = x->valuedouble;
    }
    return SC_OK;
}

static sc_status get_int(const char *file, const cJSON *root, const char *key, int64_t lo,
                         int64_t *out, sc_error *err)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsNumber(x) || x->valuedouble != floor(x->valuedouble) ||
        fabs(x->valuedouble) > 9007199254740992.0 || x->valuedouble < (double)lo)
        return sc_error_set(err, SC_ERR_INPUT, file, "$.%s: expected an integer >= %lld", key, (long long)lo);
    *out = (int64_t)x->valuedouble;
    return SC_OK;
}

/* Names of array key: fresh array of n borrowed pointers into the cJSON tree. */
static sc_status get_names(const char *file, const cJSON *root, const char *key,
                           const char ***out, size_t *n, sc_error *err)
{
    *out = NULL;
    const cJSON *arr = cJSON_GetObjectItemCaseSensitive(root, key);
    if (!cJSON_IsArray(arr) || cJSON_GetArraySize(arr) < 1)
        return sc_error_set(err, SC_ERR_INPUT, file, "$.%s: expected a non-empty array", key);
    *n = (size_t)cJSON_GetArraySize(arr);
    const char **v = calloc(*n, sizeof *v);
    if (!v)
        return sc_error_set(err, SC_ERR_NOMEM, file, "reading names");
    size_t i = 0;
    const cJSON *x;
    cJSON_ArrayForEach(x, arr)
    {
        if (!cJSON_IsString(x)) {
            free(v);
            return sc_error_set(err, SC_ERR_INPUT, file, "$.%s[%zu]: expected a string", key, i);
        }
        v[i++] = x->valuestring;
    }
    *out = v;
    return SC_OK;
}

sc_status sc_wiv_read_json(const char *path, sc_wiv **out, sc_error *err)
{
    *out = NULL;
    cJSON *root = NULL;
    sc_status st = sc_json_load(path, &root, NULL, err);
    if (st != SC_OK)
        return st;
    const char **apps = NULL, **geos = NULL;
    size_t na = 0, ng = 0;
    sc_wiv *w = NULL;
    const cJSON *fmt = cJSON_GetObjectItemCaseSensitive(root, "format");
    int64_t version, origin, step, steps;
    if (!cJSON_IsObject(root) || !cJSON_IsString(fmt) ||
        strcmp(fmt->valuestring, "sculpt-wiv") != 0) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "$.format: expected \"sculpt-wiv\"");
        goto done;
    }
    if ((st = get_int(path, root, "version", 1, &version, err)) != SC_OK)
        goto done;
    if (version != 1) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "$.version: expected 1, got %lld",
                          (long long)version);
        goto done;
    }
    if ((st = get_int(path, root, "origin_ms", INT64_MIN, &origin, err)) != SC_OK ||
        (st = get_int(path, root, "step_ms", 1, &step, err)) != SC_OK ||
        (st = get_int(path, root, "steps", 1, &steps, err)) != SC_OK)
        goto done;
    const cJSON *qa = cJSON_GetObjectItemCaseSensitive(root, "quantiles");
    double q[SC_WIV_MAX_QUANTILES];
    size_t nq = cJSON_IsArray(qa) ? (size_t)cJSON_GetArraySize(qa) : 0;
    if (nq > SC_WIV_MAX_QUANTILES) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "$.quantiles: at most %d levels",
                          SC_WIV_MAX_QUANTILES);
        goto done;
    }
    if ((st = read_nums(path, qa, "$.quantiles", nq, q, err)) != SC_OK)
        goto done;
    if ((st = get_names(path, root, "apps", &apps, &na, err)) != SC_OK ||
        (st = get_names(path, root, "geos", &geos, &ng, err)) != SC_OK)
        goto done;
    st = sc_wiv_alloc(apps, na, geos, ng, (size_t)steps, origin, step, q, nq, &w, err);
    if (st != SC_OK) {
        char msg[sizeof err->msg];
        snprintf(msg, sizeof msg, "%s", err ? err->msg : "");
        st = sc_error_set(err, SC_ERR_INPUT, path, "%s", msg);
        goto done;
    }
    const cJSON *cells = cJSON_GetObjectItemCaseSensitive(root, "cells");
    if (!cJSON_IsArray(cells) || (size_t)cJSON_GetArraySize(cells) != na * ng) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "$.cells: expected %zu cells",
                          na * ng);
        goto done;
    }
    unsigned char *seen = calloc(na * ng, 1);
    if (!seen) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "reading cells");
        goto done;
    }
    size_t ci = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cells)
    {
        char p[128];
        const cJSON *ja = cJSON_GetObjectItemCaseSensitive(c, "app");
        const cJSON *jg = cJSON_GetObjectItemCaseSensitive(c, "geo");
        int a = cJSON_IsString(ja) ? sc_wiv_app_index(w, ja->valuestring) : -1;
        int g = cJSON_IsString(jg) ? sc_wiv_geo_index(w, jg->valuestring) : -1;
        if (a < 0 || g < 0 || seen[(size_t)a * ng + (size_t)g]) {
            st = sc_error_set(err, SC_ERR_INPUT, path,
                              "$.cells[%zu]: expected a listed app and geo, once each", ci);
            break;
        }
        seen[(size_t)a * ng + (size_t)g] = 1;
        size_t base = ((size_t)a * ng + (size_t)g) * w->steps;
        snprintf(p, sizeof p, "$.cells[%zu].mean", ci);
        st = read_nums(path, cJSON_GetObjectItemCaseSensitive(c, "mean"), p, w->steps,
                       w->mean + base, err);
        if (st != SC_OK)
            break;
        const cJSON *qs = cJSON_GetObjectItemCaseSensitive(c, "quantiles");
        if (!cJSON_IsArray(qs) || (size_t)cJSON_GetArraySize(qs) != w->steps) {
            st = sc_error_set(err, SC_ERR_INPUT, path,
                              "$.cells[%zu].quantiles: expected %zu rows", ci,
                              w->steps);
            break;
        }
        size_t s = 0;
        const cJSON *row;
        cJSON_ArrayForEach(row, qs)
        {
            snprintf(p, sizeof p, "$.cells[%zu].quantiles[%zu]", ci, s);
            st = read_nums(path, row, p, nq, w->quant + (base + s) * nq, err);
            if (st != SC_OK)
                break;
            s++;
        }
        if (st != SC_OK)
            break;
        ci++;
    }
    free(seen);
done:
    free(apps);
    free(geos);
    cJSON_Delete(root);
    if (st != SC_OK) {
        sc_wiv_free(w);
        return st;
    }
    *out = w;
    return SC_OK;
}

/* ---- HDF5 ---------------------------------------------------------------------------- */

/* Datasets and attributes through core/base/h5util (times off: the same WIV gives the
 * same bytes). */
static herr_t write_ds(hid_t loc, const char *name, int rank, const hsize_t *dims,
                       const double *v)
{
    return sc_h5_write_nd(loc, name, rank, dims, H5T_IEEE_F64LE, H5T_NATIVE_DOUBLE, v, NULL);
}

static herr_t write_names(hid_t loc, const char *name, char (*v)[SC_WIV_NAME_MAX], size_t n)
{
    const char **p = malloc((n ? n : 1) * sizeof *p);
    if (!p)
        return -1;
    for (size_t i = 0; i < n; i++)
        p[i] = v[i];
    herr_t r = sc_h5_write_strlist(loc, name, p, n, SC_WIV_NAME_MAX);
    free(p);
    return r;
}

sc_status sc_wiv_write_hdf5(const sc_wiv *w, const char *path, sc_error *err)
{
    size_t cells = w->n_apps * w->n_geos;
    double *sm = malloc(cells * SC_WIV_NSUMMARY * sizeof *sm);
    double *sq = malloc(cells * SC_WIV_NSUMMARY * (w->nq ? w->nq : 1) * sizeof *sq);
    if (!sm || !sq) {
        free(sm);
        free(sq);
        return sc_error_set(err, SC_ERR_NOMEM, path, "summary buffers");
    }
    for (size_t c = 0; c < cells; c++)
        for (int k = 0; k < SC_WIV_NSUMMARY; k++) {
            size_t s = lead_step(w, sc_wiv_summary_lead_ms[k]);
            size_t o = c * SC_WIV_NSUMMARY + (size_t)k;
            sm[o] = s < w->steps ? w->mean[c * w->steps + s] : NAN;
            for (size_t j = 0; j < w->nq; j++)
                sq[o * w->nq + j] = s < w->steps ? w->quant[(c * w->steps + s) * w->nq + j]
                                                 : NAN;
        }
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st != SC_OK) {
        free(sm);
        free(sq);
        return st;
    }
    sc_h5_quiet quiet;   /* errors are reported through sc_error */
    sc_h5_quiet_begin(&quiet);
    /* times off on the root group too (the file was written with HDF5's defaults
     * before: its root group carried a modification time) */
    hid_t f = sc_h5_file_create(af.tmp, SC_H5_LIBVER_DEFAULT);
    herr_t r = f < 0 ? -1 : 0;
    if (r >= 0)
        r = sc_h5_attr_write_str(f, "format", "sculpt-wiv", SC_H5_STR_NUL);
    if (r >= 0)
        r = sc_h5_attr_write_i64(f, "version", H5T_STD_I64LE, 1);
    if (r >= 0)
        r = sc_h5_attr_write_i64(f, "origin_ms", H5T_STD_I64LE, w->origin_ms);
    if (r >= 0)
        r = sc_h5_attr_write_i64(f, "step_ms", H5T_STD_I64LE, w->step_ms);
    hsize_t dq = w->nq, d3[3] = {w->n_apps, w->n_geos, w->steps},
            d4[4] = {w->n_apps, w->n_geos, w->steps, w->nq};
    if (r >= 0)
        r = write_ds(f, "quantiles", 1, &dq, w->q);
    if (r >= 0)
        r = write_names(f, "apps", w->apps, w->n_apps);
    if (r >= 0)
        r = write_names(f, "geos", w->geos, w->n_geos);
    if (r >= 0)
        r = write_ds(f, "mean", 3, d3, w->mean);
    if (r >= 0)
        r = write_ds(f, "quant", 4, d4, w->quant);
    if (r >= 0) {
        hid_t gs = sc_h5_group_create(f, "summary");
        double lead[SC_WIV_NSUMMARY];
        for (int k = 0; k < SC_WIV_NSUMMARY; k++)
            lead[k] = (double)sc_wiv_summary_lead_ms[k];
        hsize_t dl = SC_WIV_NSUMMARY, s3[3] = {w->n_apps, w->n_geos, SC_WIV_NSUMMARY},
                s4[4] = {w->n_apps, w->n_geos, SC_WIV_NSUMMARY, w->nq};
        r = gs < 0 ? -1 : write_ds(gs, "lead_ms", 1, &dl, lead);
        if (r >= 0)
            r = write_ds(gs, "mean", 3, s3, sm);
        if (r >= 0)
            r = write_ds(gs, "quant", 4, s4, sq);
        if (gs >= 0)
            H5Gclose(gs);
    }
    if (f >= 0 && H5Fclose(f) < 0)
        r = -1;
    sc_h5_quiet_end(&quiet);
    free(sm);
    free(sq);
    if (r < 0) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "writing the WIV HDF5 file failed");
    }
    return sc_atomic_commit(&af, err);
}

/* Read dataset name of the given rank (bounded by the file size, h5util.h); dims
 * receives its shape.  The caller frees *out.  Returns -1 when absent or malformed. */
static int read_ds(hid_t f, const char *name, int rank, hsize_t *dims, double **out)
{
    void *v = NULL;
    *out = NULL;
    if (sc_h5_read_nd(f, name, H5T_NATIVE_DOUBLE, sizeof(double), rank, NULL, dims, &v) < 0)
        return -1;
    *out = v;
    return 0;
}

/* A non-empty list of names, each shorter than SC_WIV_NAME_MAX. */
static int read_names(hid_t f, const char *name, char (**out)[SC_WIV_NAME_MAX], size_t *n)
{
    *out = NULL;
    char **s = NULL;
    size_t d = 0;
    if (sc_h5_read_strlist(f, name, &s, &d) < 0)
        return -1;
    int ok = d > 0;
    for (size_t i = 0; ok && i < d; i++)
        ok = strlen(s[i]) < SC_WIV_NAME_MAX;
    char(*v)[SC_WIV_NAME_MAX] = ok ? calloc(d, sizeof *v) : NULL;
    for (size_t i = 0; v && i < d; i++)
        memcpy(v[i], s[i], strlen(s[i]));
    sc_h5_strlist_free(s, d);
    if (!v)
        return -1;
    *out = v;
    *n = d;
    return 0;
}

sc_status sc_wiv_read_hdf5(const char *path, sc_wiv **out, sc_error *err)
{
    *out = NULL;
    /* a WIV file may come from elsewhere: libhdf5 reads it in a child first (issue 13,
     * item 2; core/base/h5probe.c) */
    sc_status pst = sc_h5_probe_check(path, err);
    if (pst)
        return pst;
    sc_h5_quiet quiet;   /* errors are reported through sc_error */
    sc_h5_quiet_begin(&quiet);
    hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    if (f < 0) {
        sc_h5_quiet_end(&quiet);
        return sc_error_set(err, SC_ERR_IO, path, "cannot open as HDF5");
    }
    sc_status st = SC_OK;
    int64_t version = 0, origin = 0, step = 0;
    double *q = NULL, *mean = NULL, *quant = NULL;
    char(*apps)[SC_WIV_NAME_MAX] = NULL, (*geos)[SC_WIV_NAME_MAX] = NULL;
    size_t na = 0, ng = 0;
    hsize_t dq[1], d3[3], d4[4];
    sc_wiv *w = NULL;
    const char *what = NULL;
    if (sc_h5_attr_read_int(f, "version", &version) < 0 || version != 1)
        what = "attribute version (expected 1)";
    else if (sc_h5_attr_read_int(f, "origin_ms", &origin) < 0 ||
             sc_h5_attr_read_int(f, "step_ms", &step) < 0)
        what = "attributes origin_ms, step_ms";
    else if (read_ds(f, "quantiles", 1, dq, &q) < 0 || dq[0] > SC_WIV_MAX_QUANTILES)
        what = "dataset /quantiles (at most 16 levels)";
    else if (read_names(f, "apps", &apps, &na) < 0 || read_names(f, "geos", &geos, &ng) < 0)
        what = "datasets /apps and /geos (strings)";
    else if (read_ds(f, "mean", 3, d3, &mean) < 0 || d3[0] != na || d3[1] != ng)
        what = "dataset /mean (apps x geos x steps)";
    else if (read_ds(f, "quant", 4, d4, &quant) < 0 || d4[0] != na || d4[1] != ng ||
             d4[2] != d3[2] || d4[3] != dq[0])
        what = "dataset /quant (apps x geos x steps x quantiles)";
    if (what) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "missing or malformed %s", what);
    } else {
        const char **an = malloc(na * sizeof *an), **gn = malloc(ng * sizeof *gn);
        if (!an || !gn) {
            st = sc_error_set(err, SC_ERR_NOMEM, path, "reading names");
        } else {
            for (size_t i = 0; i < na; i++)
                an[i] = apps[i];
            for (size_t i = 0; i < ng; i++)
                gn[i] = geos[i];
            st = sc_wiv_alloc(an, na, gn, ng, (size_t)d3[2], origin, step, q, (size_t)dq[0],
                              &w, err);
        }
        free(an);
        free(gn);
        if (st == SC_OK) {
            size_t nv = na * ng * w->steps;
            for (size_t i = 0; st == SC_OK && i < nv; i++)
                if (!isfinite(mean[i]))
                    st = sc_error_set(err, SC_ERR_INPUT, path, "/mean[%zu] is not finite", i);
            for (size_t i = 0; st == SC_OK && i < nv * w->nq; i++)
                if (!isfinite(quant[i]))
                    st = sc_error_set(err, SC_ERR_INPUT, path, "/quant[%zu] is not finite",
                                      i);
            if (st == SC_OK) {
                memcpy(w->mean, mean, nv * sizeof *mean);
                memcpy(w->quant, quant, nv * w->nq * sizeof *quant);
            }
        } else if (st != SC_ERR_NOMEM) {
            st = SC_ERR_INPUT;
            if (err)
                err->status = SC_ERR_INPUT;
        }
    }
    H5Fclose(f);
    sc_h5_quiet_end(&quiet);
    free(q);
    free(mean);
    free(quant);
    free(apps);
    free(geos);
    if (st != SC_OK) {
        sc_wiv_free(w);
        return st;
    }
    *out = w;
    return SC_OK;
}
