/*
 * report_data.c - reads a results file for the report (layout in sim/results.h; design
 * notes in report_data.h).
 *
 * Strings are accepted fixed-length (as sculpt writes them) or variable-length (as
 * h5py writes them); numbers in any HDF5 numeric type (the library converts).  Every
 * error names the file and the object that was wrong.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"
#include "report_sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#define SC_RESULTS_SCHEMA_NAME "sculpt-results"
#define SC_SWEEP_SCHEMA_NAME "sculpt-sweep"
#define SC_REPORT_MAX_SCHEMA_VERSION 1

/* Read a scalar string attribute into out[cap].  Returns 0 ok, -1 absent, -2 bad. */
int sc_report_attr_str(hid_t obj, const char *name, char *out, size_t cap)
{
    out[0] = '\0';
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -2;
    int rc = -2;
    hid_t ft = H5Aget_type(a);
    hid_t sp = H5Aget_space(a);
    if (ft >= 0 && sp >= 0 && H5Tget_class(ft) == H5T_STRING &&
        H5Sget_simple_extent_npoints(sp) == 1) {
        if (H5Tis_variable_str(ft) > 0) {
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, H5T_VARIABLE);
            char *s = NULL;
            if (H5Aread(a, mt, &s) >= 0 && s) {
                snprintf(out, cap, "%s", s);
                rc = 0;
            }
            if (s)
                H5free_memory(s);
            H5Tclose(mt);
        } else {
            size_t sz = H5Tget_size(ft);
            char *buf = calloc(sz + 1, 1);
            hid_t mt = H5Tcopy(H5T_C_S1);
            H5Tset_size(mt, sz);
            /* NULLPAD: a string that fills its size exactly (no terminator, as numpy
             * writes them) keeps its last character; buf has the terminator */
            H5Tset_strpad(mt, H5T_STR_NULLPAD);
            if (buf && H5Aread(a, mt, buf) >= 0) {
                buf[sz] = '\0';
                snprintf(out, cap, "%s", buf);
                rc = 0;
            }
            H5Tclose(mt);
            free(buf);
        }
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

/* Read a scalar numeric attribute as mem_type.  Returns 0 ok, -1 absent, -2 bad. */
int sc_report_attr_num(hid_t obj, const char *name, hid_t mem_type, void *out)
{
    if (H5Aexists(obj, name) <= 0)
        return -1;
    hid_t a = H5Aopen(obj, name, H5P_DEFAULT);
    if (a < 0)
        return -2;
    int rc = -2;
    hid_t ft = H5Aget_type(a);
    hid_t sp = H5Aget_space(a);
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    if ((cls == H5T_INTEGER || cls == H5T_FLOAT) && sp >= 0 &&
        H5Sget_simple_extent_npoints(sp) == 1 && H5Aread(a, mem_type, out) >= 0)
        rc = 0;
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Aclose(a);
    return rc;
}

static sc_status need_i64(const sc_report_results *r, hid_t obj, const char *objname,
                          const char *name, int64_t *out, sc_error *err)
{
    int rc = sc_report_attr_num(obj, name, H5T_NATIVE_INT64, out);
    if (rc == 0)
        return SC_OK;
    return sc_error_set(err, SC_ERR_INPUT, r->path, "%s: attribute '%s' %s", objname, name,
                        rc == -1 ? "is missing" : "is not a scalar number");
}

static sc_status need_f64(const sc_report_results *r, hid_t obj, const char *objname,
                          const char *name, double *out, sc_error *err)
{
    int rc = sc_report_attr_num(obj, name, H5T_NATIVE_DOUBLE, out);
    if (rc == 0)
        return SC_OK;
    return sc_error_set(err, SC_ERR_INPUT, r->path, "%s: attribute '%s' %s", objname, name,
                        rc == -1 ? "is missing" : "is not a scalar number");
}

/* Optional number: absent -> 0, present but malformed -> error. */
static sc_status opt_f64(const sc_report_results *r, hid_t obj, const char *objname,
                         const char *name, double *out, sc_error *err)
{
    *out = 0.0;
    int rc = sc_report_attr_num(obj, name, H5T_NATIVE_DOUBLE, out);
    if (rc == -2)
        return sc_error_set(err, SC_ERR_INPUT, r->path, "%s: attribute '%s' is not a scalar "
                            "number", objname, name);
    if (rc == -1)
        *out = 0.0;
    return SC_OK;
}

/* Does the link path a/b/c exist below loc (each component checked in turn)? */
static int path_exists(hid_t loc, const char *path)
{
    char buf[2048];
    size_t n = strlen(path);
    if (n >= sizeof buf)
        return 0;
    for (size_t i = 0; i <= n; i++) {
        if (path[i] == '/' || path[i] == '\0') {
            memcpy(buf, path, i);
            buf[i] = '\0';
            if (i == 0)
                continue;
            if (H5Lexists(loc, buf, H5P_DEFAULT) <= 0)
                return 0;
        }
    }
    return 1;
}

void sc_report_strings_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static char *dup_n(const char *s, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, s, n);
        d[n] = '\0';
    }
    return d;
}

sc_status sc_report_h5_strings(const sc_report_results *r, hid_t loc, const char *dname,
                               char ***out, size_t *n_out, sc_error *err)
{
    *out = NULL;
    *n_out = 0;
    if (H5Lexists(loc, dname, H5P_DEFAULT) <= 0)
        return sc_error_set(err, SC_ERR_INPUT, r->path, "%s: dataset is missing (expected "
                            "a list of strings)", dname);
    hid_t d = H5Dopen2(loc, dname, H5P_DEFAULT);
    if (d < 0)
        return sc_error_set(err, SC_ERR_INPUT, r->path, "%s: not a dataset", dname);
    sc_status st = SC_OK;
    hid_t ft = H5Dget_type(d);
    hid_t sp = H5Dget_space(d);
    char **v = NULL;
    size_t n = 0;
    if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING ||
        H5Sget_simple_extent_ndims(sp) != 1) {
        st = sc_error_set(err, SC_ERR_INPUT, r->path, "%s: expected a 1-D string dataset",
                          dname);
        goto done;
    }
    n = (size_t)H5Sget_simple_extent_npoints(sp);
    v = calloc(n ? n : 1, sizeof *v);
    if (!v) {
        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory reading %s", dname);
        goto done;
    }
    if (n > 0) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        if (H5Tis_variable_str(ft) > 0) {
            char **tmp = calloc(n, sizeof *tmp);
            H5Tset_size(mt, H5T_VARIABLE);
            if (!tmp || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, tmp) < 0) {
                st = sc_error_set(err, SC_ERR_INPUT, r->path, "%s: cannot read", dname);
            } else {
                for (size_t i = 0; i < n && !st; i++)
                    if (!(v[i] = dup_n(tmp[i] ? tmp[i] : "", tmp[i] ? strlen(tmp[i]) : 0)))
                        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
                H5Dvlen_reclaim(mt, sp, H5P_DEFAULT, tmp);
            }
            free(tmp);
        } else {
            size_t w = H5Tget_size(ft);
            char *buf = calloc(n, w + 1);
            H5Tset_size(mt, w);
            H5Tset_strpad(mt, H5T_STR_NULLPAD);
            if (!buf || H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
                st = sc_error_set(err, SC_ERR_INPUT, r->path, "%s: cannot read", dname);
            } else {
                for (size_t i = 0; i < n && !st; i++)
                    if (!(v[i] = dup_n(buf + i * w, strnlen(buf + i * w, w))))
                        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
            }
            free(buf);
        }
        H5Tclose(mt);
    }
done:
    if (st) {
        sc_report_strings_free(v, n);
    } else {
        *out = v;
        *n_out = n;
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    return st;
}

/* A list of names (apps, regions) into fixed-size slots; names must be non-empty. */
static sc_status read_names(sc_report_results *r, const char *dname,
                            char (**out)[SC_REPORT_NAME_MAX], size_t *n_out, sc_error *err)
{
    *out = NULL;
    *n_out = 0;
    char **v = NULL;
    size_t n = 0;
    char where[64];
    snprintf(where, sizeof where, "/%s", dname);
    sc_status st = sc_report_h5_strings(r, r->file, where, &v, &n, err);
    if (st)
        return st;
    char(*names)[SC_REPORT_NAME_MAX] = calloc(n ? n : 1, sizeof *names);
    if (!names)
        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
    for (size_t i = 0; i < n && !st; i++) {
        if (!v[i][0] || strlen(v[i]) >= SC_REPORT_NAME_MAX || strchr(v[i], '/'))
            st = sc_error_set(err, SC_ERR_INPUT, r->path, "/%s[%zu]: expected a non-empty "
                              "name without '/' of at most %d characters", dname, i,
                              SC_REPORT_NAME_MAX - 1);
        else
            snprintf(names[i], SC_REPORT_NAME_MAX, "%s", v[i]);
    }
    sc_report_strings_free(v, n);
    if (st) {
        free(names);
        return st;
    }
    *out = names;
    *n_out = n;
    return SC_OK;
}

/* Read a scalar string dataset (fixed or variable length); NULL if absent or not one.
 * Caller frees with free(). */
static char *read_scalar_string(hid_t loc, const char *name)
{
    if (H5Lexists(loc, name, H5P_DEFAULT) <= 0)
        return NULL;
    hid_t d = H5Dopen2(loc, name, H5P_DEFAULT);
    if (d < 0)
        return NULL;
    char *out = NULL;
    hid_t ft = H5Dget_type(d);
    hid_t sp = H5Dget_space(d);
    if (ft >= 0 && sp >= 0 && H5Tget_class(ft) == H5T_STRING &&
        H5Sget_simple_extent_npoints(sp) == 1) {
        hid_t mt = H5Tcopy(H5T_C_S1);
        if (H5Tis_variable_str(ft) > 0) {
            char *v = NULL;
            H5Tset_size(mt, H5T_VARIABLE);
            if (H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, &v) >= 0 && v) {
                out = malloc(strlen(v) + 1);
                if (out)
                    memcpy(out, v, strlen(v) + 1);
            }
            if (v)
                H5free_memory(v);
        } else {
            size_t sz = H5Tget_size(ft);
            H5Tset_size(mt, sz);
            H5Tset_strpad(mt, H5T_STR_NULLPAD);
            out = calloc(sz + 1, 1);
            if (out && H5Dread(d, mt, H5S_ALL, H5S_ALL, H5P_DEFAULT, out) < 0) {
                free(out);
                out = NULL;
            }
        }
        H5Tclose(mt);
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    return out;
}

/* Put the runs in the order of the scenario's policy list ($.policies[].label, which
 * defaults to .name), as `sculpt run` prints them; runs the scenario text does not name
 * keep their name order after those.  Without a readable /scenario, name order stays. */
static void order_like_scenario(sc_report_results *r, hid_t loc)
{
    char *txt = read_scalar_string(loc, "scenario");
    cJSON *root = txt ? cJSON_Parse(txt) : NULL;
    free(txt);
    const cJSON *pols = root ? cJSON_GetObjectItemCaseSensitive(root, "policies") : NULL;
    sc_report_run *sorted = cJSON_IsArray(pols) ? calloc(r->n_runs, sizeof *sorted) : NULL;
    char *used = sorted ? calloc(r->n_runs, 1) : NULL;
    if (!sorted || !used)
        goto done;
    size_t n = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, pols)
    {
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(it, "label");
        if (!cJSON_IsString(l))
            l = cJSON_GetObjectItemCaseSensitive(it, "name");
        if (!cJSON_IsString(l))
            continue;
        for (size_t j = 0; j < r->n_runs; j++)
            if (!used[j] && strcmp(r->runs[j].label, l->valuestring) == 0) {
                sorted[n++] = r->runs[j];
                used[j] = 1;
                break;
            }
    }
    for (size_t j = 0; j < r->n_runs; j++)
        if (!used[j])
            sorted[n++] = r->runs[j];
    memcpy(r->runs, sorted, r->n_runs * sizeof *sorted);
done:
    free(used);
    free(sorted);
    cJSON_Delete(root);
}

static sc_status read_time(sc_report_results *r, sc_error *err)
{
    if (H5Lexists(r->file, "time", H5P_DEFAULT) <= 0)
        return sc_error_set(err, SC_ERR_INPUT, r->path, "/time: dataset is missing");
    hid_t d = H5Dopen2(r->file, "time", H5P_DEFAULT);
    if (d < 0)
        return sc_error_set(err, SC_ERR_INPUT, r->path, "/time: not a dataset");
    sc_status st = SC_OK;
    hid_t sp = H5Dget_space(d);
    hid_t ft = H5Dget_type(d);
    if (sp < 0 || ft < 0 || H5Tget_class(ft) != H5T_INTEGER ||
        H5Sget_simple_extent_ndims(sp) != 1 ||
        H5Sget_simple_extent_npoints(sp) != (hssize_t)r->n_steps) {
        st = sc_error_set(err, SC_ERR_INPUT, r->path,
                          "/time: expected a 1-D integer dataset of n_steps = %" PRId64
                          " elements", r->n_steps);
        goto done;
    }
    r->time_ms = malloc((size_t)(r->n_steps > 0 ? r->n_steps : 1) * sizeof *r->time_ms);
    if (!r->time_ms) {
        st = sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory reading /time");
        goto done;
    }
    if (r->n_steps > 0 &&
        H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, r->time_ms) < 0)
        st = sc_error_set(err, SC_ERR_INPUT, r->path, "/time: cannot read");
done:
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    return st;
}

static sc_status read_run(sc_report_results *r, hid_t runs, const char *runs_path,
                          const char *name, sc_report_run *run, sc_error *err)
{
    memset(run, 0, sizeof *run);
    snprintf(run->label, sizeof run->label, "%s", name);
    snprintf(run->group, sizeof run->group, "%s/%s", runs_path, name);
    hid_t g = H5Gopen2(runs, name, H5P_DEFAULT);
    if (g < 0)
        return sc_error_set(err, SC_ERR_INPUT, r->path, "%s: expected a group", run->group);
    sc_status st = SC_OK;
    const char *on = run->group;
    char label[SC_REPORT_NAME_MAX];
    if (sc_report_attr_str(g, "label", label, sizeof label) == 0 && label[0])
        snprintf(run->label, sizeof run->label, "%s", label);
    sc_report_attr_str(g, "policy", run->policy, sizeof run->policy);
    if ((st = need_f64(r, g, on, "cost_usd", &run->cost_usd, err)) ||
        (st = need_f64(r, g, on, "penalised_cost_usd", &run->penalised_cost_usd, err)) ||
        (st = need_f64(r, g, on, "slo_attainment", &run->slo_attainment, err)) ||
        (st = need_f64(r, g, on, "violation_minutes", &run->violation_minutes, err)) ||
        (st = need_f64(r, g, on, "unserved_fraction", &run->unserved_fraction, err)) ||
        (st = need_f64(r, g, on, "idle_capacity_hours", &run->idle_capacity_hours, err)) ||
        (st = need_i64(r, g, on, "actions", &run->actions, err)) ||
        (st = opt_f64(r, g, on, "cost_on_demand_usd", &run->cost_on_demand_usd, err)) ||
        (st = opt_f64(r, g, on, "cost_reserved_usd", &run->cost_reserved_usd, err)) ||
        (st = opt_f64(r, g, on, "cost_spot_usd", &run->cost_spot_usd, err)) ||
        (st = opt_f64(r, g, on, "egress_usd", &run->egress_usd, err)) ||
        (st = opt_f64(r, g, on, "penalty_usd", &run->penalty_usd, err)) ||
        (st = opt_f64(r, g, on, "instance_hours", &run->instance_hours, err)))
        goto done;
    if (H5Lexists(g, "series", H5P_DEFAULT) > 0 && r->n_apps > 0 && r->n_regions > 0) {
        char p[1024];
        run->has_series = 1;
        for (size_t a = 0; a < r->n_apps; a++)
            for (size_t k = 0; k < r->n_regions; k++) {
                snprintf(p, sizeof p, "series/%s/%s/demand", r->apps[a], r->regions[k]);
                if (!path_exists(g, p))
                    run->has_series = 0;
                snprintf(p, sizeof p, "series/%s/%s/forecast_mean", r->apps[a], r->regions[k]);
                if (path_exists(g, p))
                    run->has_forecast = 1;
                snprintf(p, sizeof p, "series/%s/%s/cost_on_demand", r->apps[a],
                         r->regions[k]);
                if (path_exists(g, p))
                    run->has_option_cost = 1;
            }
        if (!run->has_series) {
            st = sc_error_set(err, SC_ERR_INPUT, r->path,
                              "%s/series: incomplete, expected <app>/<region>/demand for "
                              "every app and region", run->group);
            goto done;
        }
    }
done:
    H5Gclose(g);
    return st;
}

sc_status sc_report_results_open(const char *path, sc_report_results **out, sc_error *err)
{
    *out = NULL;
    struct stat sb;
    if (!path || !*path)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "no results file given");
    if (stat(path, &sb) != 0)
        return sc_error_set(err, SC_ERR_NOTFOUND, path, "cannot open results file: %s",
                            strerror(errno));
    if (!S_ISREG(sb.st_mode))
        return sc_error_set(err, SC_ERR_INPUT, path, "not a regular file (expected a results "
                            "file written by `sculpt run -o` or `sculpt sweep -o`)");
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    if (H5Fis_hdf5(path) <= 0)
        return sc_error_set(err, SC_ERR_INPUT, path, "not an HDF5 file (expected a results "
                            "file written by `sculpt run -o` or `sculpt sweep -o`)");
    sc_report_results *r = calloc(1, sizeof *r);
    if (!r)
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    snprintf(r->path, sizeof r->path, "%s", path);
    r->file = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    sc_status st = SC_OK;
    hid_t runs = -1;
    if (r->file < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "cannot open as HDF5");
        goto fail;
    }
    if (sc_report_attr_str(r->file, "schema", r->schema, sizeof r->schema) != 0 ||
        (strcmp(r->schema, SC_RESULTS_SCHEMA_NAME) != 0 &&
         strcmp(r->schema, SC_SWEEP_SCHEMA_NAME) != 0)) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "/: attribute 'schema' is '%s', expected "
                          "'" SC_RESULTS_SCHEMA_NAME "' or '" SC_SWEEP_SCHEMA_NAME "'",
                          r->schema);
        goto fail;
    }
    if ((st = need_i64(r, r->file, "/", "schema_version", &r->schema_version, err)))
        goto fail;
    if (r->schema_version < 1 || r->schema_version > SC_REPORT_MAX_SCHEMA_VERSION) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "/: schema_version %" PRId64 " is not "
                          "supported (this sculpt reads 1 to %d)", r->schema_version,
                          SC_REPORT_MAX_SCHEMA_VERSION);
        goto fail;
    }
    if (strcmp(r->schema, SC_SWEEP_SCHEMA_NAME) == 0) {
        if (sc_report_attr_str(r->file, "sculpt_version", r->sculpt_version,
                               sizeof r->sculpt_version))
            snprintf(r->sculpt_version, sizeof r->sculpt_version, "unknown");
        if (sc_report_attr_str(r->file, "git_commit", r->git_commit, sizeof r->git_commit))
            snprintf(r->git_commit, sizeof r->git_commit, "unknown");
        if ((st = sc_report_sweep_read(r, err)))
            goto fail;
        *out = r;
        return SC_OK;
    }
    if ((st = need_i64(r, r->file, "/", "n_steps", &r->n_steps, err)) ||
        (st = need_i64(r, r->file, "/", "step_ms", &r->step_ms, err)) ||
        (st = need_i64(r, r->file, "/", "warmup_steps", &r->warmup_steps, err)))
        goto fail;
    if (r->n_steps < 0 || r->n_steps > ((int64_t)1 << 32) || r->step_ms <= 0 ||
        r->warmup_steps < 0 || r->warmup_steps > r->n_steps) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "/: inconsistent n_steps %" PRId64
                          ", step_ms %" PRId64 ", warmup_steps %" PRId64
                          " (expected 0 <= warmup_steps <= n_steps, step_ms > 0)",
                          r->n_steps, r->step_ms, r->warmup_steps);
        goto fail;
    }
    if (sc_report_attr_str(r->file, "sculpt_version", r->sculpt_version, sizeof r->sculpt_version))
        snprintf(r->sculpt_version, sizeof r->sculpt_version, "unknown");
    if (sc_report_attr_str(r->file, "git_commit", r->git_commit, sizeof r->git_commit))
        snprintf(r->git_commit, sizeof r->git_commit, "unknown");
    if (sc_report_attr_str(r->file, "scenario_name", r->scenario_name, sizeof r->scenario_name))
        snprintf(r->scenario_name, sizeof r->scenario_name, "unknown");
    if (sc_report_attr_str(r->file, "scenario_hash", r->scenario_hash, sizeof r->scenario_hash))
        snprintf(r->scenario_hash, sizeof r->scenario_hash, "unknown");
    if (sc_report_attr_num(r->file, "seed", H5T_NATIVE_UINT64, &r->seed) != 0)
        r->seed = 0;
    if ((st = read_time(r, err)) || (st = read_names(r, "apps", &r->apps, &r->n_apps, err)) ||
        (st = read_names(r, "regions", &r->regions, &r->n_regions, err)))
        goto fail;
    if (H5Lexists(r->file, "runs", H5P_DEFAULT) <= 0 ||
        (runs = H5Gopen2(r->file, "runs", H5P_DEFAULT)) < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "/runs: group is missing");
        goto fail;
    }
    H5G_info_t gi;
    if (H5Gget_info(runs, &gi) < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "/runs: cannot list");
        goto fail;
    }
    if (gi.nlinks == 0) {
        st = sc_error_set(err, SC_ERR_EMPTY, path, "/runs: no runs in the results file");
        goto fail;
    }
    r->runs = calloc((size_t)gi.nlinks, sizeof *r->runs);
    if (!r->runs) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
        goto fail;
    }
    for (hsize_t i = 0; i < gi.nlinks; i++) {
        char name[SC_REPORT_NAME_MAX];
        ssize_t len = H5Lget_name_by_idx(runs, ".", H5_INDEX_NAME, H5_ITER_INC, i, name,
                                         sizeof name, H5P_DEFAULT);
        if (len < 0 || (size_t)len >= sizeof name) {
            st = sc_error_set(err, SC_ERR_INPUT, path, "/runs: link %llu has no usable name",
                              (unsigned long long)i);
            goto fail;
        }
        if ((st = read_run(r, runs, "/runs", name, &r->runs[r->n_runs], err)))
            goto fail;
        r->n_runs++;
    }
    H5Gclose(runs);
    order_like_scenario(r, r->file);
    *out = r;
    return SC_OK;
fail:
    if (runs >= 0)
        H5Gclose(runs);
    sc_report_results_free(r);
    return st;
}

void sc_report_results_free(sc_report_results *r)
{
    if (!r)
        return;
    if (r->file > 0)
        H5Fclose(r->file);
    free(r->time_ms);
    free(r->apps);
    free(r->regions);
    free(r->runs);
    sc_report_sweep_free(r->sweep);
    free(r);
}

sc_status sc_report_series_read(const sc_report_results *r, const sc_report_run *run,
                                size_t app, size_t region, const char *name, double *buf,
                                sc_error *err)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/series/%s/%s/%s", run->group, r->apps[app], r->regions[region],
             name);
    if (!path_exists(r->file, p + 1))
        return SC_ERR_NOTFOUND;
    hid_t d = H5Dopen2(r->file, p, H5P_DEFAULT);
    if (d < 0)
        return sc_error_set(err, SC_ERR_INPUT, r->path, "%s: not a dataset", p);
    sc_status st = SC_OK;
    hid_t sp = H5Dget_space(d);
    hid_t ft = H5Dget_type(d);
    H5T_class_t cls = ft >= 0 ? H5Tget_class(ft) : H5T_NO_CLASS;
    if (sp < 0 || (cls != H5T_FLOAT && cls != H5T_INTEGER) ||
        H5Sget_simple_extent_ndims(sp) != 1 ||
        H5Sget_simple_extent_npoints(sp) != (hssize_t)r->n_steps) {
        st = sc_error_set(err, SC_ERR_INPUT, r->path,
                          "%s: expected a 1-D numeric dataset of n_steps = %" PRId64
                          " elements", p, r->n_steps);
    } else if (r->n_steps > 0 &&
               H5Dread(d, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, buf) < 0) {
        st = sc_error_set(err, SC_ERR_INPUT, r->path, "%s: cannot read", p);
    }
    if (sp >= 0)
        H5Sclose(sp);
    if (ft >= 0)
        H5Tclose(ft);
    H5Dclose(d);
    return st;
}
