/*
 * sweep.c - scenario sweeps: parsing the sweep file, applying axis overrides by JSON
 * path, running the cartesian product of settings x replicates in parallel (OpenMP
 * across runs, optionally MPI across processes), and the summary statistics.  Design
 * in sweep.h; file format in scenarios/SWEEPS.md.
 *
 * JSON paths: "$" followed by steps ".key" (letters, digits, "_" and "-"), "[N]" (array
 * element) or "[\"key\"]" (any key, e.g. "m4.large").
 *
 * MPI wire format (one message per run, tag = run index, rank 0 receives in run
 * order, so each sender's messages arrive in the order it sent them): a packed byte
 * buffer of int64 status, the error (where, msg, fixed size), n_steps, warmup_steps,
 * n_runs, then per policy run the sc_run_summary struct, per_step, n_steps, n_ar, the
 * five per-step arrays when per_step, n_log and the decision log.  All ranks run the
 * same binary on the same kind of machine (DESIGN.md), so structs travel as bytes.
 */
#define _POSIX_C_SOURCE 200809L
#include "sweep.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_statistics_double.h>

#ifdef SC_HAVE_MPI
#include <mpi.h>
#include <cjson/cJSON.h>
#endif

#include "sculpt/fsutil.h"
#include "sculpt/policy.h"
#include "sculpt/rng.h"

/* ---- JSON paths --------------------------------------------------------------------- */

typedef struct path_step {
    int is_index;
    size_t index;
    char key[SC_JSON_PATH_MAX];
} path_step;

/* Parse the step of path at *pos; 1 = got one, 0 = end, -1 = syntax error (msg). */
static int path_next(const char *path, size_t *pos, path_step *st, char *msg, size_t len)
{
    const char *p = path + *pos;
    if (*p == '\0')
        return 0;
    st->is_index = 0;
    st->key[0] = '\0';
    if (*p == '.') {
        size_t n = 0;
        p++;
        while (isalnum((unsigned char)p[n]) || p[n] == '_' || p[n] == '-')
            n++;
        if (n == 0 || n >= sizeof st->key) {
            snprintf(msg, len, "expected a key after '.' at character %zu", *pos + 1);
            return -1;
        }
        memcpy(st->key, p, n);
        st->key[n] = '\0';
        *pos += 1 + n;
        return 1;
    }
    if (*p == '[') {
        p++;
        if (*p == '"') {
            const char *q = strchr(p + 1, '"');
            size_t n = q ? (size_t)(q - p - 1) : 0;
            if (!q || q[1] != ']' || n == 0 || n >= sizeof st->key) {
                snprintf(msg, len, "expected [\"key\"] at character %zu", *pos);
                return -1;
            }
            memcpy(st->key, p + 1, n);
            st->key[n] = '\0';
            *pos = (size_t)(q + 2 - path);
            return 1;
        }
        size_t n = 0, v = 0;
        while (isdigit((unsigned char)p[n]) && n < 9) {
            v = v * 10 + (size_t)(p[n] - '0');
            n++;
        }
        if (n == 0 || p[n] != ']') {
            snprintf(msg, len, "expected [N] or [\"key\"] at character %zu", *pos);
            return -1;
        }
        st->is_index = 1;
        st->index = v;
        *pos = (size_t)(p + n + 1 - path);
        return 1;
    }
    snprintf(msg, len, "expected '.' or '[' at character %zu", *pos);
    return -1;
}

/* Check the syntax of a path; 0 ok, -1 with msg. */
static int path_check(const char *path, char *msg, size_t len)
{
    if (path[0] != '$') {
        snprintf(msg, len, "a path starts with '$'");
        return -1;
    }
    size_t pos = 1;
    path_step st;
    int r, n = 0;
    while ((r = path_next(path, &pos, &st, msg, len)) == 1)
        n++;
    if (r < 0)
        return -1;
    if (n == 0) {
        snprintf(msg, len, "the path names the whole scenario; name a field, e.g. $.duration");
        return -1;
    }
    return 0;
}

sc_status sc_sweep_json_set(cJSON *root, const char *path, const cJSON *value, char *msg,
                            size_t len)
{
    if (path_check(path, msg, len))
        return SC_ERR_INPUT;
    size_t pos = 1;
    path_step st, nx;
    char tmp[8];
    int more = path_next(path, &pos, &st, msg, len);
    cJSON *cur = root;
    char at[SC_JSON_PATH_MAX] = "$";
    while (more == 1) {
        size_t save = pos;
        int has_next = path_next(path, &pos, &nx, tmp, sizeof tmp) == 1;
        pos = save;
        if (!st.is_index) {
            if (!cJSON_IsObject(cur)) {
                snprintf(msg, len, "%s is %s, not an object with key '%s'", at,
                         sc_json_type_name(cur), st.key);
                return SC_ERR_INPUT;
            }
            cJSON *child = cJSON_GetObjectItemCaseSensitive(cur, st.key);
            if (!has_next) {
                cJSON *dup = cJSON_Duplicate(value, 1);
                if (!dup)
                    return SC_ERR_NOMEM;
                if (child)
                    cJSON_ReplaceItemInObjectCaseSensitive(cur, st.key, dup);
                else
                    cJSON_AddItemToObject(cur, st.key, dup);
                return SC_OK;
            }
            if (!child) {
                if (nx.is_index) {
                    snprintf(msg, len, "%s has no key '%s' (an array cannot be created)", at,
                             st.key);
                    return SC_ERR_INPUT;
                }
                child = cJSON_AddObjectToObject(cur, st.key);
                if (!child)
                    return SC_ERR_NOMEM;
            }
            char up[SC_JSON_PATH_MAX];
            snprintf(up, sizeof up, "%s", at);
            sc_json_path_key(at, up, st.key);
            cur = child;
        } else {
            if (!cJSON_IsArray(cur)) {
                snprintf(msg, len, "%s is %s, not an array", at, sc_json_type_name(cur));
                return SC_ERR_INPUT;
            }
            size_t n = (size_t)cJSON_GetArraySize(cur);
            if (st.index >= n) {
                snprintf(msg, len, "index %zu is out of range: %s has %zu element%s",
                         st.index, at, n, n == 1 ? "" : "s");
                return SC_ERR_INPUT;
            }
            cJSON *child = cJSON_GetArrayItem(cur, (int)st.index);
            if (!has_next) {
                cJSON *dup = cJSON_Duplicate(value, 1);
                if (!dup)
                    return SC_ERR_NOMEM;
                cJSON_ReplaceItemViaPointer(cur, child, dup);
                return SC_OK;
            }
            char up[SC_JSON_PATH_MAX];
            snprintf(up, sizeof up, "%s", at);
            sc_json_path_index(at, up, st.index);
            cur = child;
        }
        more = path_next(path, &pos, &st, msg, len);
    }
    return SC_ERR_INTERNAL; /* unreachable: path_check saw at least one step */
}

/* ---- the sweep file ----------------------------------------------------------------- */

void sc_sweep_free(sc_sweep *sw)
{
    if (!sw)
        return;
    free(sw->source_text);
    cJSON_Delete(sw->base);
    for (size_t i = 0; i < sw->n_axes; i++)
        cJSON_Delete(sw->axes[i].values);
    free(sw->axes);
    for (size_t i = 0; sw->settings && i < sw->n_settings; i++)
        free(sw->settings[i]);
    free(sw->settings);
    free(sw->seeds);
    free(sw);
}

/* The seed of the base scenario JSON ("seed": integer or decimal string; default 1). */
static sc_status base_seed(const sc_json_ctx *cx, const cJSON *base, uint64_t *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(base, "seed");
    *out = 1;
    if (!it || cJSON_IsNull(it))
        return SC_OK;
    if (cJSON_IsString(it)) {
        const char *s = it->valuestring;
        char *end = NULL;
        if (!isdigit((unsigned char)s[0]))
            goto bad;
        unsigned long long v = strtoull(s, &end, 10);
        if (*end)
            goto bad;
        *out = (uint64_t)v;
        return SC_OK;
    }
    if (cJSON_IsNumber(it) && it->valuedouble >= 0 && it->valuedouble <= 9007199254740992.0 &&
        floor(it->valuedouble) == it->valuedouble) {
        *out = (uint64_t)it->valuedouble;
        return SC_OK;
    }
bad:
    return sc_json_fail(cx, SC_ERR_INPUT, "$.base", "seed",
                        "expected a non-negative integer or a decimal string");
}

sc_status sc_sweep_parse(const char *text, const char *path, sc_sweep **out, sc_error *err)
{
    *out = NULL;
    static const char *const keys[] = {"name", "base", "axes", "replicates", NULL};
    static const char *const axis_keys[] = {"path", "values", NULL};
    sc_json_ctx cx = {.file = path, .err = err};
    cJSON *root = NULL;
    sc_status st = sc_json_parse(text, path, &root, err);
    if (st)
        return st;
    sc_sweep *sw = calloc(1, sizeof *sw);
    if (!sw) {
        cJSON_Delete(root);
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    }
    snprintf(sw->path, sizeof sw->path, "%s", path);
    sw->source_text = strdup(text);
    if (!sw->source_text) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto fail;
    }
    if (!cJSON_IsObject(root)) {
        st = sc_json_fail(&cx, SC_ERR_INPUT, "$", NULL, "expected an object, got %s",
                          sc_json_type_name(root));
        goto fail;
    }
    if ((st = sc_json_check_keys(&cx, root, "$", keys)))
        goto fail;
    if ((st = sc_json_get_string_buf(&cx, root, "$", "name", SC_JSON_OPTIONAL, "sweep", sw->name,
                                     sizeof sw->name)))
        goto fail;
    int reps = 1;
    if ((st = sc_json_get_int_range(&cx, root, "$", "replicates", SC_JSON_OPTIONAL, 1, 1, 100000,
                                    &reps)))
        goto fail;
    sw->n_replicates = (size_t)reps;
    /* base: a path relative to the sweep file, or an inline scenario */
    uint64_t base_hash = 0;
    {
        const cJSON *b = cJSON_GetObjectItemCaseSensitive(root, "base");
        if (!b || cJSON_IsNull(b)) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, "$", "base",
                              "required field is missing (a scenario file name or object)");
            goto fail;
        }
        if (cJSON_IsString(b)) {
            const char *rel = b->valuestring;
            if (rel[0] == '/') {
                snprintf(sw->base_path, sizeof sw->base_path, "%s", rel);
            } else {
                const char *slash = strrchr(path, '/');
                int dl = slash ? (int)(slash - path) : 0;
                if (slash)
                    snprintf(sw->base_path, sizeof sw->base_path, "%.*s/%s", dl, path, rel);
                else
                    snprintf(sw->base_path, sizeof sw->base_path, "%s", rel);
            }
            char *btext = NULL;
            sc_error e2;
            sc_error_clear(&e2);
            if (sc_file_read_all(sw->base_path, &btext, NULL, &e2)) {
                st = sc_json_fail(&cx, SC_ERR_IO, "$", "base", "cannot read the base scenario %s",
                                  sw->base_path);
                goto fail;
            }
            base_hash = sc_rng_hash_str(btext);
            st = sc_json_parse(btext, sw->base_path, &sw->base, err);
            free(btext);
            if (st)
                goto fail;
            if (!cJSON_IsObject(sw->base)) {
                st = sc_json_fail(&cx, SC_ERR_INPUT, "$", "base",
                                  "the base scenario %s is not a JSON object", sw->base_path);
                goto fail;
            }
        } else if (cJSON_IsObject(b)) {
            snprintf(sw->base_path, sizeof sw->base_path, "%s", path);
            sw->base = cJSON_Duplicate(b, 1);
            if (!sw->base) {
                st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
                goto fail;
            }
        } else {
            st = sc_json_fail(&cx, SC_ERR_INPUT, "$", "base",
                              "expected a scenario file name or object, got %s",
                              sc_json_type_name(b));
            goto fail;
        }
    }
    sw->hash = sc_rng_mix64(sc_rng_hash_str(text) ^ sc_rng_mix64(base_hash));
    if ((st = base_seed(&cx, sw->base, &sw->base_seed)))
        goto fail;
    /* axes */
    const cJSON *axes = NULL;
    if ((st = sc_json_get_array(&cx, root, "$", "axes", SC_JSON_OPTIONAL, &axes)))
        goto fail;
    size_t na = axes ? (size_t)cJSON_GetArraySize(axes) : 0;
    if (na > SC_SWEEP_MAX_AXES) {
        st = sc_json_fail(&cx, SC_ERR_RANGE, "$", "axes", "more than %d axes", SC_SWEEP_MAX_AXES);
        goto fail;
    }
    sw->axes = calloc(na ? na : 1, sizeof *sw->axes);
    if (!sw->axes) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto fail;
    }
    sw->n_settings = 1;
    for (size_t i = 0; i < na; i++) {
        char ap[SC_JSON_PATH_MAX], msg[256];
        sc_json_path_index(ap, "$.axes", i);
        const cJSON *ax = cJSON_GetArrayItem(axes, (int)i);
        if (!cJSON_IsObject(ax)) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, ap, NULL, "expected an object, got %s",
                              sc_json_type_name(ax));
            goto fail;
        }
        if ((st = sc_json_check_keys(&cx, ax, ap, axis_keys)))
            goto fail;
        sc_sweep_axis *a = &sw->axes[sw->n_axes];
        if ((st = sc_json_get_string_buf(&cx, ax, ap, "path", SC_JSON_REQUIRED, NULL, a->path,
                                         sizeof a->path)))
            goto fail;
        if (path_check(a->path, msg, sizeof msg)) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, ap, "path", "bad JSON path '%s': %s", a->path,
                              msg);
            goto fail;
        }
        if (strcmp(a->path, "$.seed") == 0 || strcmp(a->path, "$[\"seed\"]") == 0) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, ap, "path",
                              "the seed is set per replicate; use \"replicates\"");
            goto fail;
        }
        for (size_t j = 0; j < sw->n_axes; j++)
            if (strcmp(sw->axes[j].path, a->path) == 0) {
                st = sc_json_fail(&cx, SC_ERR_INPUT, ap, "path",
                                  "'%s' is already the path of $.axes[%zu]", a->path, j);
                goto fail;
            }
        const cJSON *vals = NULL;
        if ((st = sc_json_get_array(&cx, ax, ap, "values", SC_JSON_REQUIRED, &vals)))
            goto fail;
        a->n_values = (size_t)cJSON_GetArraySize(vals);
        if (a->n_values == 0) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, ap, "values", "expected a non-empty array");
            goto fail;
        }
        a->values = cJSON_Duplicate(vals, 1);
        if (!a->values) {
            st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
            goto fail;
        }
        sw->n_axes++;
        if (sw->n_settings > SC_SWEEP_MAX_RUNS / a->n_values) {
            st = sc_json_fail(&cx, SC_ERR_RANGE, "$", "axes", "more than %d settings",
                              SC_SWEEP_MAX_RUNS);
            goto fail;
        }
        sw->n_settings *= a->n_values;
    }
    if (sw->n_settings > SC_SWEEP_MAX_RUNS / sw->n_replicates) {
        st = sc_json_fail(&cx, SC_ERR_RANGE, "$", "replicates",
                          "%zu settings x %zu replicates is more than %d runs", sw->n_settings,
                          sw->n_replicates, SC_SWEEP_MAX_RUNS);
        goto fail;
    }
    sw->n_runs = sw->n_settings * sw->n_replicates;
    /* settings' parameters, last axis fastest */
    sw->settings = calloc(sw->n_settings, sizeof *sw->settings);
    sw->seeds = calloc(sw->n_replicates, sizeof *sw->seeds);
    if (!sw->settings || !sw->seeds) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto fail;
    }
    for (size_t s = 0; s < sw->n_settings; s++) {
        cJSON *o = cJSON_CreateObject();
        size_t rest = s;
        cJSON **vals = calloc(sw->n_axes ? sw->n_axes : 1, sizeof *vals);
        if (!vals) { /* a setting without its values would run the base: issue 13 */
            cJSON_Delete(o);
            st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
            goto fail;
        }
        for (size_t k = sw->n_axes; o && vals && k-- > 0;) {
            vals[k] = cJSON_GetArrayItem(sw->axes[k].values, (int)(rest % sw->axes[k].n_values));
            rest /= sw->axes[k].n_values;
        }
        for (size_t k = 0; o && vals && k < sw->n_axes; k++)
            cJSON_AddItemToObject(o, sw->axes[k].path, cJSON_Duplicate(vals[k], 1));
        free(vals);
        sw->settings[s] = o ? cJSON_PrintUnformatted(o) : NULL;
        cJSON_Delete(o);
        if (!sw->settings[s]) {
            st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
            goto fail;
        }
    }
    for (size_t r = 0; r < sw->n_replicates; r++)
        sw->seeds[r] = sc_rng_key(sw->base_seed, SC_RNG_SWEEP, r, 0, 0);
    cJSON_Delete(root);
    *out = sw;
    return SC_OK;
fail:
    cJSON_Delete(root);
    sc_sweep_free(sw);
    return st;
}

sc_status sc_sweep_load(const char *path, sc_sweep **out, sc_error *err)
{
    *out = NULL;
    char *text = NULL;
    sc_status st = sc_file_read_all(path, &text, NULL, err);
    if (st)
        return st;
    st = sc_sweep_parse(text, path, out, err);
    free(text);
    return st;
}

/* Prefix err with the run's identity: where = "<sweep>: run i (setting s <params>,
 * replicate r, seed N)", msg = "<old where>: <old msg>". */
static void prefix_run(const sc_sweep *sw, size_t i, sc_error *err)
{
    if (!err)
        return;
    size_t s = i / sw->n_replicates, r = i % sw->n_replicates;
    char msg[sizeof err->msg];
    if (err->where[0])
        snprintf(msg, sizeof msg, "%s: %s", err->where, err->msg);
    else
        snprintf(msg, sizeof msg, "%s", err->msg);
    snprintf(err->msg, sizeof err->msg, "%s", msg);
    snprintf(err->where, sizeof err->where, "%s: run %zu (setting %zu %s, replicate %zu, seed %" PRIu64 ")",
             sw->path, i, s, sw->settings[s], r, sw->seeds[r]);
}

sc_status sc_sweep_run_scenario(const sc_sweep *sw, size_t i, sc_scenario **out, sc_error *err)
{
    *out = NULL;
    if (i >= sw->n_runs)
        return sc_error_set(err, SC_ERR_INTERNAL, sw->path, "run %zu out of range", i);
    size_t s = i / sw->n_replicates, r = i % sw->n_replicates;
    cJSON *doc = cJSON_Duplicate(sw->base, 1);
    if (!doc)
        return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
    sc_status st = SC_OK;
    /* value index per axis (last axis fastest), then apply in file order so a later
     * axis may refine what an earlier one set (e.g. $.policies, then a parameter) */
    size_t vi[SC_SWEEP_MAX_AXES], rest = s;
    if (sw->n_axes > sizeof vi / sizeof vi[0]) {
        cJSON_Delete(doc);
        return sc_error_set(err, SC_ERR_RANGE, sw->path, "$.axes: more than %zu axes",
                            sizeof vi / sizeof vi[0]);
    }
    for (size_t k = sw->n_axes; k-- > 0;) {
        vi[k] = rest % sw->axes[k].n_values;
        rest /= sw->axes[k].n_values;
    }
    for (size_t k = 0; k < sw->n_axes; k++) {
        const sc_sweep_axis *a = &sw->axes[k];
        const cJSON *v = cJSON_GetArrayItem(a->values, (int)vi[k]);
        char msg[512];
        st = sc_sweep_json_set(doc, a->path, v, msg, sizeof msg);
        if (st) {
            char where[SC_JSON_PATH_MAX + 16];
            sc_json_path_index(where, "$.axes", k);
            sc_json_ctx cx = {.file = sw->path, .err = err};
            if (st == SC_ERR_NOMEM)
                sc_error_set(err, st, sw->path, "out of memory");
            else
                sc_json_fail(&cx, st, where, "path", "'%s' does not exist in the scenario: %s",
                             a->path, msg);
            cJSON_Delete(doc);
            return st;
        }
    }
    char seed[32];
    snprintf(seed, sizeof seed, "%" PRIu64, sw->seeds[r]);
    cJSON *sj = cJSON_CreateString(seed);
    if (!sj) {
        cJSON_Delete(doc);
        return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
    }
    if (cJSON_GetObjectItemCaseSensitive(doc, "seed"))
        cJSON_ReplaceItemInObjectCaseSensitive(doc, "seed", sj);
    else
        cJSON_AddItemToObject(doc, "seed", sj);
    char *text = cJSON_Print(doc);
    cJSON_Delete(doc);
    if (!text)
        return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
    st = sc_scenario_parse(text, sw->base_path, out, err);
    free(text);
    if (st)
        prefix_run(sw, i, err);
    return st;
}

sc_status sc_sweep_validate(const sc_sweep *sw, sc_error *err)
{
    for (size_t s = 0; s < sw->n_settings; s++) {
        size_t i = s * sw->n_replicates;
        sc_scenario *sc = NULL;
        sc_status st = sc_sweep_run_scenario(sw, i, &sc, err);
        if (st)
            return st;
        for (size_t p = 0; p < sc->n_policies && !st; p++) {
            const sc_policy_type *pt;
            st = sc_policy_find(sc->policies[p].name, &pt, err);
            if (st) {
                char msg[sizeof err->msg];
                snprintf(msg, sizeof msg, "$.policies[%zu].name: %s", p, err->msg);
                snprintf(err->msg, sizeof err->msg, "%s", msg);
                err->where[0] = '\0';
                prefix_run(sw, i, err);
            }
        }
        sc_scenario_free(sc);
        if (st)
            return st;
    }
    return SC_OK;
}

/* ---- running ------------------------------------------------------------------------ */

void sc_sweep_run_out_cleanup(sc_sweep_run_out *o)
{
    if (!o)
        return;
    for (size_t k = 0; o->runs && k < o->n_runs; k++)
        sc_run_free(o->runs[k]);
    for (size_t k = 0; o->logs && k < o->n_runs; k++)
        sc_log_spool_free(o->logs[k]);
    free(o->logs);
    o->logs = NULL;
    free(o->runs);
    sc_scenario_free(o->sc);
    o->runs = NULL;
    o->sc = NULL;
    o->n_runs = 0;
}

/* Run i; with file, each policy run's decision log goes to a segment of it. */
static sc_status run_one(const sc_sweep *sw, size_t i, int per_step, sc_log_spool *file,
                         sc_sweep_run_out *o);

sc_status sc_sweep_run_one(const sc_sweep *sw, size_t i, int per_step, sc_sweep_run_out *o)
{
    return run_one(sw, i, per_step, NULL, o);
}

static sc_status run_one(const sc_sweep *sw, size_t i, int per_step, sc_log_spool *file,
                         sc_sweep_run_out *o)
{
    sc_error_clear(&o->err);
    sc_world *w = NULL;
    sc_status st = sc_sweep_run_scenario(sw, i, &o->sc, &o->err);
    if (st)
        goto out;
    if ((st = sc_world_build(o->sc, &w, &o->err))) {
        prefix_run(sw, i, &o->err);
        goto out;
    }
    o->n_steps = w->n_steps;
    o->warmup_steps = w->warmup_steps;
    o->runs = calloc(o->sc->n_policies ? o->sc->n_policies : 1, sizeof *o->runs);
    if (!o->runs) {
        st = sc_error_set(&o->err, SC_ERR_NOMEM, sw->path, "out of memory");
        goto out;
    }
    o->n_runs = o->sc->n_policies;
    if (file && !(o->logs = calloc(o->n_runs ? o->n_runs : 1, sizeof *o->logs))) {
        st = sc_error_set(&o->err, SC_ERR_NOMEM, sw->path, "out of memory");
        goto out;
    }
    int ps = per_step && o->sc->per_step_output;
    for (size_t p = 0; p < o->sc->n_policies; p++) {
        sc_run_opts ro = {.per_step = ps};
        if (file) { /* issue 13: the log to the thread's spool file, not to memory */
            if ((st = sc_log_spool_segment(file, &o->logs[p], &o->err)))
                goto out;
            ro.log_sink = sc_log_spool_sink;
            ro.log_ctx = o->logs[p];
        }
        if ((st = sc_run_policy_opts(w, &o->sc->policies[p], &ro, &o->runs[p], &o->err)) ||
            (file && (st = sc_log_spool_check(o->logs[p], &o->err)))) {
            prefix_run(sw, i, &o->err);
            goto out;
        }
    }
out:
    sc_world_free(w);
    o->status = st;
    if (st)
        sc_sweep_run_out_cleanup(o);
    return st;
}

sc_status sc_sweep_execute(const sc_sweep *sw, sc_sweep_exec *ex, sc_sweep_run_out *outs,
                           sc_error *err)
{
    int nr = ex->n_ranks > 0 ? ex->n_ranks : 1;
    size_t mine = 0;
    for (size_t i = 0; i < sw->n_runs; i++)
        mine += (int)(i % (size_t)nr) == ex->rank;
    size_t *idx = malloc((mine ? mine : 1) * sizeof *idx);
    if (!idx)
        return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
    for (size_t i = 0, k = 0; i < sw->n_runs; i++)
        if ((int)(i % (size_t)nr) == ex->rank)
            idx[k++] = i;
    if (ex->threads > 0)
        omp_set_num_threads(ex->threads);
    sc_log_spool **files = NULL;
    if (ex->log_spool_beside) {
        int nt = omp_get_max_threads();
        files = calloc((size_t)(nt > 0 ? nt : 1), sizeof *files);
        if (!files) {
            free(idx);
            return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
        }
        ex->log_files = files;
        ex->n_log_files = nt;
    }
    size_t done = 0;
    long n = (long)mine;
#pragma omp parallel for schedule(dynamic, 1)
    for (long k = 0; k < n; k++) {
        sc_log_spool *file = NULL;
        if (files) { /* this thread's spool file, opened at its first run */
            int t = omp_get_thread_num();
            if (t >= 0 && t < ex->n_log_files && !files[t])
                (void)sc_log_spool_open(ex->log_spool_beside, &files[t], &outs[idx[k]].err);
            file = t >= 0 && t < ex->n_log_files ? files[t] : NULL;
        }
        if (files && !file) {
            if (!outs[idx[k]].err.status)
                sc_error_set(&outs[idx[k]].err, SC_ERR_INTERNAL, sw->path,
                             "no spool file for thread %d", omp_get_thread_num());
            outs[idx[k]].status = outs[idx[k]].err.status;
        } else {
            run_one(sw, idx[k], ex->per_step, file, &outs[idx[k]]);
        }
        if (ex->progress) {
#pragma omp critical(sc_sweep_progress)
            {
                done++;
                ex->progress(ex->progress_ctx, done, mine);
            }
        }
    }
    sc_status st = SC_OK;
    for (size_t k = 0; k < mine && !st; k++)
        if (outs[idx[k]].status) {
            st = outs[idx[k]].status;
            if (err)
                *err = outs[idx[k]].err;
        }
    free(idx);
    return st;
}

sc_status sc_sweep_exec_close_logs(sc_sweep_exec *ex, sc_error *err)
{
    sc_status st = SC_OK;
    for (int t = 0; ex->log_files && t < ex->n_log_files && !st; t++)
        st = sc_log_spool_close(ex->log_files[t], err);
    return st;
}

void sc_sweep_exec_cleanup(sc_sweep_exec *ex)
{
    for (int t = 0; ex->log_files && t < ex->n_log_files; t++)
        sc_log_spool_free(ex->log_files[t]);
    free(ex->log_files);
    ex->log_files = NULL;
    ex->n_log_files = 0;
}

/* ---- MPI ---------------------------------------------------------------------------- */

#ifdef SC_HAVE_MPI
static int mpi_started;

typedef struct pbuf {
    unsigned char *p;
    size_t n, cap, off;
    int fail;
} pbuf;

static void put(pbuf *b, const void *src, size_t len)
{
    if (b->fail)
        return;
    if (b->n + len > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->n + len)
            nc *= 2;
        unsigned char *np = realloc(b->p, nc);
        if (!np) {
            b->fail = 1;
            return;
        }
        b->p = np;
        b->cap = nc;
    }
    memcpy(b->p + b->n, src, len);
    b->n += len;
}

static void put_i64(pbuf *b, int64_t v)
{
    put(b, &v, sizeof v);
}

static void get(pbuf *b, void *dst, size_t len)
{
    if (b->fail || b->off + len > b->n) {
        b->fail = 1;
        memset(dst, 0, len);
        return;
    }
    memcpy(dst, b->p + b->off, len);
    b->off += len;
}

static int64_t get_i64(pbuf *b)
{
    int64_t v;
    get(b, &v, sizeof v);
    return v;
}

static void pack_run(pbuf *b, const sc_sweep_run_out *o)
{
    put_i64(b, o->status);
    put(b, &o->err, sizeof o->err);
    put_i64(b, o->n_steps);
    put_i64(b, o->warmup_steps);
    put_i64(b, (int64_t)o->n_runs);
    for (size_t k = 0; k < o->n_runs; k++) {
        const sc_run *r = o->runs[k];
        put(b, &r->sum, sizeof r->sum);
        put_i64(b, r->per_step);
        put_i64(b, r->n_steps);
        put_i64(b, (int64_t)r->n_ar);
        if (r->per_step) {
            size_t cells = r->n_ar * (size_t)r->n_steps;
            put(b, r->demand, cells * sizeof(double));
            put(b, r->capacity, cells * sizeof(double));
            put(b, r->served, cells * sizeof(double));
            put(b, r->cost, cells * sizeof(double));
            put(b, r->instances, cells * sizeof(double));
            /* where each geography is served (issue 11): n_ag (-1: none) and the
             * regions per row, then the share and latency rows */
            put_i64(b, r->geo_share ? (int64_t)r->n_ag : -1);
            put_i64(b, (int64_t)r->geo_regions);
            if (r->geo_share) {
                size_t gcells = r->n_ag * (size_t)r->n_steps;
                put(b, r->geo_share, gcells * r->geo_regions * sizeof(double));
                put(b, r->geo_latency, gcells * sizeof(double));
            }
        }
        put_i64(b, (int64_t)r->n_log);
        put(b, r->log, r->n_log * sizeof *r->log);
    }
}

static double *get_arr(pbuf *b, size_t cells)
{
    double *a = malloc((cells ? cells : 1) * sizeof *a);
    if (!a) {
        b->fail = 1;
        return NULL;
    }
    get(b, a, cells * sizeof *a);
    return a;
}

static sc_status unpack_run(const sc_sweep *sw, size_t i, pbuf *b, sc_sweep_run_out *o,
                            sc_error *err)
{
    o->status = (sc_status)get_i64(b);
    get(b, &o->err, sizeof o->err);
    o->n_steps = get_i64(b);
    o->warmup_steps = get_i64(b);
    int64_t nr = get_i64(b);
    if (b->fail || nr < 0 || nr > 100000)
        goto bad;
    if (o->status)
        return SC_OK;
    o->runs = calloc((size_t)nr + 1, sizeof *o->runs);
    if (!o->runs)
        return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
    o->n_runs = (size_t)nr;
    for (size_t k = 0; k < o->n_runs; k++) {
        sc_run *r = calloc(1, sizeof *r);
        if (!r)
            return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
        o->runs[k] = r;
        get(b, &r->sum, sizeof r->sum);
        r->per_step = (int)get_i64(b);
        r->n_steps = get_i64(b);
        r->n_ar = (size_t)get_i64(b);
        if (b->fail || r->n_steps < 0 || r->n_ar > (b->n - b->off))
            goto bad;
        if (r->per_step) {
            size_t cells = r->n_ar * (size_t)r->n_steps;
            if (cells > (b->n - b->off) / sizeof(double))
                goto bad;
            r->demand = get_arr(b, cells);
            r->capacity = get_arr(b, cells);
            r->served = get_arr(b, cells);
            r->cost = get_arr(b, cells);
            r->instances = get_arr(b, cells);
            int64_t nag = get_i64(b), ngr = get_i64(b);
            if (b->fail || ngr < 0 || ngr > 100000 || nag > 100000000)
                goto bad;
            if (nag >= 0) {
                r->n_ag = (size_t)nag;
                r->geo_regions = (size_t)ngr;
                size_t gcells = r->n_ag * (size_t)r->n_steps;
                if (gcells * (r->geo_regions + 1) > (b->n - b->off) / sizeof(double))
                    goto bad;
                r->geo_share = get_arr(b, gcells * r->geo_regions);
                r->geo_latency = get_arr(b, gcells);
            }
        }
        int64_t nl = get_i64(b);
        if (b->fail || nl < 0 || (size_t)nl > (b->n - b->off) / sizeof *r->log)
            goto bad;
        r->n_log = r->cap_log = (size_t)nl;
        r->log = malloc(((size_t)nl ? (size_t)nl : 1) * sizeof *r->log);
        if (!r->log)
            return sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
        get(b, r->log, (size_t)nl * sizeof *r->log);
    }
    if (b->fail)
        goto bad;
    /* the scenario itself is re-derived here rather than shipped */
    return sc_sweep_run_scenario(sw, i, &o->sc, err);
bad:
    return sc_error_set(err, SC_ERR_INTERNAL, sw->path, "run %zu: malformed MPI message", i);
}
#endif

void sc_sweep_mpi_init(int *argc, char ***argv, int *rank, int *n_ranks)
{
    *rank = 0;
    *n_ranks = 1;
#ifdef SC_HAVE_MPI
    /* Only when started by a launcher: a plain `sculpt sweep` stays a single process. */
    if (!getenv("OMPI_COMM_WORLD_SIZE") && !getenv("PMI_SIZE") && !getenv("PMIX_RANK"))
        return;
    int provided = 0;
    if (MPI_Init_thread(argc, argv, MPI_THREAD_FUNNELED, &provided) != MPI_SUCCESS)
        return;
    mpi_started = 1;
    MPI_Comm_rank(MPI_COMM_WORLD, rank);
    MPI_Comm_size(MPI_COMM_WORLD, n_ranks);
#else
    (void)argc;
    (void)argv;
#endif
}

void sc_sweep_mpi_finalize(void)
{
#ifdef SC_HAVE_MPI
    if (mpi_started)
        MPI_Finalize();
    mpi_started = 0;
#endif
}

int sc_sweep_mpi_agree(int code)
{
#ifdef SC_HAVE_MPI
    if (mpi_started)
        MPI_Bcast(&code, 1, MPI_INT, 0, MPI_COMM_WORLD);
#endif
    return code;
}

sc_status sc_sweep_gather(const sc_sweep *sw, sc_sweep_run_out *outs, int rank, int n_ranks,
                          sc_error *err)
{
    if (n_ranks <= 1)
        return SC_OK;
#ifdef SC_HAVE_MPI
    sc_status st = SC_OK;
    for (size_t i = 0; i < sw->n_runs; i++) {
        int owner = (int)(i % (size_t)n_ranks);
        if (owner == 0)
            continue;
        if (rank == owner) {
            pbuf b = {0};
            pack_run(&b, &outs[i]);
            int64_t len = b.fail ? -1 : (int64_t)b.n;
            if (len > INT32_MAX)
                len = -2;
            MPI_Send(&len, 1, MPI_INT64_T, 0, (int)(2 * i), MPI_COMM_WORLD);
            if (len >= 0)
                MPI_Send(b.p, (int)len, MPI_BYTE, 0, (int)(2 * i + 1), MPI_COMM_WORLD);
            free(b.p);
            sc_sweep_run_out_cleanup(&outs[i]);
        } else if (rank == 0) {
            int64_t len = 0;
            MPI_Recv(&len, 1, MPI_INT64_T, owner, (int)(2 * i), MPI_COMM_WORLD, MPI_STATUS_IGNORE);
            if (len < 0) {
                if (!st)
                    st = sc_error_set(err, SC_ERR_NOMEM, sw->path,
                                      "run %zu: rank %d could not pack its results%s", i, owner,
                                      len == -2 ? " (larger than 2 GiB; use --no-per-step)" : "");
                continue;
            }
            pbuf b = {.n = (size_t)len};
            b.p = malloc(b.n ? b.n : 1);
            if (!b.p) {
                /* still receive, to keep the protocol in step */
                unsigned char dummy;
                MPI_Recv(&dummy, 0, MPI_BYTE, owner, (int)(2 * i + 1), MPI_COMM_WORLD,
                         MPI_STATUS_IGNORE);
                if (!st)
                    st = sc_error_set(err, SC_ERR_NOMEM, sw->path, "out of memory");
                continue;
            }
            MPI_Recv(b.p, (int)len, MPI_BYTE, owner, (int)(2 * i + 1), MPI_COMM_WORLD,
                     MPI_STATUS_IGNORE);
            if (!st) {
                sc_error e2;
                sc_error_clear(&e2);
                sc_status s2 = unpack_run(sw, i, &b, &outs[i], &e2);
                if (s2) {
                    st = s2;
                    if (err)
                        *err = e2;
                }
            }
            free(b.p);
        }
    }
    return st;
#else
    (void)outs;
    (void)rank;
    return sc_error_set(err, SC_ERR_NOTBUILT, sw->path,
                        "MPI support is not built into this binary (-DSCULPT_MPI=ON)");
#endif
}

/* ---- statistics --------------------------------------------------------------------- */

void sc_stats_mean_ci95(const double *x, size_t n, double *mean, double *half)
{
    if (n == 0) {
        *mean = *half = NAN;
        return;
    }
    *mean = gsl_stats_mean(x, 1, n);
    if (n < 2) {
        *half = NAN;
        return;
    }
    double sd = gsl_stats_sd_m(x, 1, n, *mean);
    double t = gsl_cdf_tdist_Pinv(0.975, (double)(n - 1));
    *half = t * sd / sqrt((double)n);
}

sc_status sc_sweep_summarise(const sc_results_entry *e, size_t n, sc_summary_row **rows,
                             size_t *n_rows, sc_error *err)
{
    *rows = NULL;
    *n_rows = 0;
    /* order of settings: ascending; labels: first appearance within the setting */
    sc_summary_row *r = calloc(n ? n : 1, sizeof *r);
    size_t *ord = malloc((n ? n : 1) * sizeof *ord);
    double *x = malloc((n ? n : 1) * sizeof *x);
    if (!r || !ord || !x) {
        free(r);
        free(ord);
        free(x);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    /* stable insertion sort of entry indices by setting */
    for (size_t i = 0; i < n; i++) {
        size_t j = i;
        while (j > 0 && e[ord[j - 1]].setting > e[i].setting) {
            ord[j] = ord[j - 1];
            j--;
        }
        ord[j] = i;
    }
    size_t nr = 0;
    for (size_t k = 0; k < n; k++) {
        const sc_results_entry *en = &e[ord[k]];
        size_t j = nr;
        while (j > 0 && r[j - 1].setting == en->setting) {
            if (strcmp(r[j - 1].label, en->sum.label) == 0)
                break;
            j--;
        }
        if (j > 0 && r[j - 1].setting == en->setting &&
            strcmp(r[j - 1].label, en->sum.label) == 0)
            continue;
        sc_summary_row *row = &r[nr++];
        row->setting = en->setting;
        snprintf(row->label, sizeof row->label, "%s", en->sum.label);
        snprintf(row->policy, sizeof row->policy, "%s", en->sum.policy);
        row->params = en->params;
    }
    for (size_t q = 0; q < nr; q++) {
        for (int m = 0; m < SC_SUMMARY_METRICS; m++) {
            size_t c = 0;
            for (size_t i = 0; i < n; i++)
                if (e[i].setting == r[q].setting && strcmp(e[i].sum.label, r[q].label) == 0)
                    x[c++] = sc_summary_metric_value(&e[i].sum, (sc_summary_metric)m);
            r[q].n = (long)c;
            sc_stats_mean_ci95(x, c, &r[q].mean[m], &r[q].ci95[m]);
        }
    }
    free(ord);
    free(x);
    *rows = r;
    *n_rows = nr;
    return SC_OK;
}
