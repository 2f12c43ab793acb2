/*
 * report_data.c - the report's view of a results file (design notes in report_data.h).
 *
 * Everything is read by the results reader (sim/results.c), which accepts strings
 * fixed-length (as sculpt writes them) or variable-length (as h5py writes them) and
 * numbers in any HDF5 numeric type, bounds every stored length by the file's size and
 * names the file and the object in every error.  This file only checks what the report
 * needs beyond a readable file and puts the runs in the scenario's order.
 */
#define _POSIX_C_SOURCE 200809L
#include "report_data.h"
#include "report_sweep.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cjson/cJSON.h>

#define SC_REPORT_MAX_SCHEMA_VERSION 1

void sc_report_strings_free(char **v, size_t n)
{
    if (!v)
        return;
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Put the runs in the order of the scenario's policy list ($.policies[].label, which
 * defaults to .name), as `sculpt run` prints them; runs the scenario text does not name
 * keep their name order after those.  Without a readable scenario, name order stays. */
/* SC_ERR_NOMEM when out of memory (the order would silently differ: issue 13). */
static sc_status order_like_scenario(sc_report_results *r, const char *txt)
{
    sc_status st = SC_OK;
    cJSON *root = txt ? cJSON_Parse(txt) : NULL;
    const cJSON *pols = root ? cJSON_GetObjectItemCaseSensitive(root, "policies") : NULL;
    sc_report_run *sorted = NULL;
    char *used = NULL;
    if (!cJSON_IsArray(pols))
        goto done;
    sorted = calloc(r->n_runs, sizeof *sorted);
    used = calloc(r->n_runs, 1);
    if (!sorted || !used) {
        st = SC_ERR_NOMEM;
        goto done;
    }
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
    return st;
}

/* The runs of a run file, from the reader's entries. */
static sc_status take_runs(sc_report_results *r, sc_error *err)
{
    const sc_results_file *f = r->results;
    if (f->n_entries == 0)
        return sc_error_set(err, SC_ERR_EMPTY, r->path, "/runs: no runs in the results file");
    r->runs = calloc(f->n_entries, sizeof *r->runs);
    if (!r->runs)
        return sc_error_set(err, SC_ERR_NOMEM, r->path, "out of memory");
    for (size_t i = 0; i < f->n_entries; i++) {
        const sc_results_entry *e = &f->entries[i];
        sc_report_run *u = &r->runs[i];
        snprintf(u->label, sizeof u->label, "%s", e->sum.label);
        snprintf(u->policy, sizeof u->policy, "%s", e->sum.policy);
        snprintf(u->group, sizeof u->group, "/runs/%s", e->sum.label);
        u->sum = e->sum;
        u->has_forecast = (e->series_any >> SC_SERIES_FORECAST_MEAN) & 1;
        u->has_option_cost = (e->series_any >> SC_SERIES_COST_ON_DEMAND) & 1;
        u->has_series = (e->series_all >> SC_SERIES_DEMAND) & 1;
        if (!u->has_series && e->series_any)
            return sc_error_set(err, SC_ERR_INPUT, r->path,
                                "%s/series: incomplete, expected <app>/<region>/demand for "
                                "every app and region", u->group);
        r->n_runs++;
    }
    return SC_OK;
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
    sc_results_file *f = NULL;
    /* first the schema alone, then what the report needs of that kind of file */
    sc_status st = sc_results_open(path, 0, &f, err);
    if (st == SC_OK && f->is_sweep) {
        /* a sweep report reads the summary table, not every run's layout */
        sc_results_file_free(f);
        f = NULL;
        st = sc_results_open(path, SC_RESULTS_READ_META | SC_RESULTS_READ_SWEEP, &f, err);
    } else if (st == SC_OK) {
        sc_results_file_free(f);
        f = NULL;
        st = sc_results_open(path, SC_RESULTS_READ_META | SC_RESULTS_READ_RUNS, &f, err);
    }
    if (st)
        return st;
    sc_report_results *r = calloc(1, sizeof *r);
    if (!r) {
        sc_results_file_free(f);
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    }
    r->results = f;
    snprintf(r->path, sizeof r->path, "%s", path);
    snprintf(r->schema, sizeof r->schema, "%s", f->schema);
    r->schema_version = f->schema_version;
    if (r->schema_version < 1 || r->schema_version > SC_REPORT_MAX_SCHEMA_VERSION) {
        st = sc_error_set(err, SC_ERR_INPUT, path, "/: schema_version %" PRId64 " is not "
                          "supported (this sculpt reads 1 to %d)", r->schema_version,
                          SC_REPORT_MAX_SCHEMA_VERSION);
        goto fail;
    }
    const sc_results_meta *m = &f->meta;
    snprintf(r->sculpt_version, sizeof r->sculpt_version, "%s", m->sculpt_version);
    snprintf(r->git_commit, sizeof r->git_commit, "%s", m->git_commit);
    snprintf(r->scenario_name, sizeof r->scenario_name, "%s", m->scenario_name);
    snprintf(r->scenario_hash, sizeof r->scenario_hash, "%s", m->scenario_hash);
    r->seed = m->seed;
    r->step_ms = m->step_ms;
    if (f->is_sweep) {
        if ((st = sc_report_sweep_read(r, err)))
            goto fail;
        *out = r;
        return SC_OK;
    }
    r->warmup_steps = m->warmup_steps;
    r->n_steps = m->n_steps;
    r->time_ms = m->time_ms;
    r->apps = m->apps;
    r->regions = m->regions;
    r->n_apps = m->n_apps;
    r->n_regions = m->n_regions;
    if ((st = take_runs(r, err)))
        goto fail;
    if ((st = order_like_scenario(r, m->scenario))) {
        st = sc_error_set(err, st, r->path, "out of memory ordering the runs");
        goto fail;
    }
    *out = r;
    return SC_OK;
fail:
    sc_report_results_free(r);
    return st;
}

void sc_report_results_free(sc_report_results *r)
{
    if (!r)
        return;
    free(r->runs);
    sc_report_sweep_free(r->sweep);
    sc_results_file_free(r->results);
    free(r);
}

sc_status sc_report_series_read(const sc_report_results *r, const sc_report_run *run,
                                size_t app, size_t region, const char *name, double *buf,
                                sc_error *err)
{
    sc_error e2;
    sc_error_clear(&e2);
    double *v = NULL;
    size_t n = 0;
    sc_status st = sc_results_read_series(r->path, "/", run->label, r->apps[app],
                                          r->regions[region], name, &v, &n, &e2);
    if (st == SC_ERR_NOTFOUND)
        return SC_ERR_NOTFOUND;
    if (st) {
        if (err)
            *err = e2;
        return st;
    }
    if (n != (size_t)r->n_steps) {
        free(v);
        return sc_error_set(err, SC_ERR_INPUT, r->path,
                            "%s/series/%s/%s/%s: expected a 1-D numeric dataset of n_steps = "
                            "%" PRId64 " elements",
                            run->group, r->apps[app], r->regions[region], name, r->n_steps);
    }
    if (n)
        memcpy(buf, v, n * sizeof *buf);
    free(v);
    return SC_OK;
}
