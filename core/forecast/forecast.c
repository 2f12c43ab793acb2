/*
 * forecast.c - the forecaster registry, instances, the wrappers that are the only
 * callers of a model's methods, and the "never empty" fallback hierarchy.
 *
 * The registry is a NULL-terminated array of const types (curl's vtls list); names of
 * models planned for later slices of the engine (arima, harmonic, lstm, ensemble) are
 * known, so asking for one says "not built" instead of "unknown".
 *
 * The wrappers own every argument check: the period range, a fitted instance before
 * update/predict, a clean history (leading NaNs dropped, gaps filled, see forecast.h),
 * and the output guard: a non-finite mean is replaced by the last finite observation
 * and quantiles are sorted per step, so no NaN ever reaches a caller.
 */
#include "sculpt/forecast.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

extern const sc_forecaster_type sc_forecast_naive_type;
extern const sc_forecaster_type sc_forecast_snaive_type;
extern const sc_forecaster_type sc_forecast_naive2_type;
extern const sc_forecaster_type sc_forecast_ets_type;
extern const sc_forecaster_type sc_forecast_arima_type;
extern const sc_forecaster_type sc_forecast_harmonic_type;
extern const sc_forecaster_type sc_forecast_lstm_type;
extern const sc_forecaster_type sc_forecast_ensemble_type;

/* Const and built in: lookups are safe from any thread without a lock. */
static const sc_forecaster_type *const registry[] = {
    &sc_forecast_naive_type,
    &sc_forecast_snaive_type,
    &sc_forecast_naive2_type,
    &sc_forecast_ets_type,
    &sc_forecast_arima_type,
    &sc_forecast_harmonic_type,
    &sc_forecast_lstm_type,
    &sc_forecast_ensemble_type,
    NULL,
};

/* Known models not in this build (later slices of issue 3). */
static const char *const not_built[] = {NULL};

static const char *const default_hierarchy[] = {"ets", "snaive", "naive"};

const sc_forecaster_type *const *sc_forecaster_types(void)
{
    return registry;
}

/* ---- parameter tables (params.h) ------------------------------------------------ */

const sc_param_def sc_forecast_common_params[3] = {
    {.name = "period", .kind = SC_PARAM_INTEGER, .def = "1", .lo = 1,
     .hi = SC_FORECAST_MAX_PERIOD, .help = "seasonal period in samples; 1 = non-seasonal"},
    {.name = "seed", .kind = SC_PARAM_INTEGER, .def = "1", .lo = 0, .hi = 1e15,
     .help = "seed of simulated prediction intervals"},
    {.name = "nsim", .kind = SC_PARAM_INTEGER, .def = "0", .lo = 0, .hi = 1e6,
     .help = "sample paths of simulated intervals; 0 = the default"},
};

void sc_forecaster_params(const sc_forecaster_type *type, const sc_param_def **defs,
                          size_t *n)
{
    *defs = NULL;
    *n = 0;
    if (type && type->version >= 3 && type->params) {
        *defs = type->params;
        *n = type->n_params;
    }
}

#define MAX_FC_PARAMS 32

sc_status sc_forecast_config_from_json(const sc_forecaster_type *type, const cJSON *obj,
                                       const char *where, sc_forecast_config *cfg,
                                       sc_error *err)
{
    if (!obj)
        return SC_OK;
    const sc_param_def *own;
    size_t n_own, n_common = sizeof sc_forecast_common_params / sizeof sc_forecast_common_params[0];
    sc_forecaster_params(type, &own, &n_own);
    if (n_common + n_own > MAX_FC_PARAMS)
        return sc_error_set(err, SC_ERR_INTERNAL, where, "%s: too many parameters", type->name);
    /* one table: the common parameters, then the model's own */
    sc_param_def all[MAX_FC_PARAMS];
    memcpy(all, sc_forecast_common_params, sizeof sc_forecast_common_params);
    if (n_own)
        memcpy(all + n_common, own, n_own * sizeof *own);
    size_t n = n_common + n_own;
    sc_status st = sc_params_check(all, n, obj, where, err);
    if (st)
        return st;
    int64_t v;
    if (cJSON_GetObjectItemCaseSensitive(obj, "period")) {
        if ((st = sc_params_get_int(all, n, obj, "period", &v)))
            return st;
        cfg->period = (int)v;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, "seed")) {
        if ((st = sc_params_get_int(all, n, obj, "seed", &v)))
            return st;
        cfg->seed = (uint64_t)v;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, "nsim")) {
        if ((st = sc_params_get_int(all, n, obj, "nsim", &v)))
            return st;
        cfg->nsim = (int)v;
    }
    if (type == &sc_forecast_ets_type) {
        const cJSON *spec = cJSON_GetObjectItemCaseSensitive(obj, "spec");
        if (spec)
            snprintf(cfg->ets.spec, sizeof cfg->ets.spec, "%s", spec->valuestring);
        static const char *const names[4] = {"alpha", "beta", "gamma", "phi"};
        double *dst[4] = {&cfg->ets.alpha, &cfg->ets.beta, &cfg->ets.gamma, &cfg->ets.phi};
        for (int i = 0; i < 4; i++)
            if (cJSON_GetObjectItemCaseSensitive(obj, names[i]) &&
                (st = sc_params_get_number(all, n, obj, names[i], dst[i])))
                return st;
    }
    return SC_OK;
}

void sc_forecast_config_init(sc_forecast_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->period = 1;
    cfg->seed = 1;
    memcpy(cfg->ets.spec, "ZZZ", 4);
    cfg->ets.alpha = cfg->ets.beta = cfg->ets.gamma = cfg->ets.phi = NAN;
    cfg->nsim = 0;
}

sc_status sc_forecaster_type_find(const char *name, const sc_forecaster_type **out,
                                  sc_error *err)
{
    *out = NULL;
    if (!name)
        return sc_error_set(err, SC_ERR_USAGE, "forecast", "no model name given");
    for (size_t i = 0; registry[i]; i++)
        if (strcmp(registry[i]->name, name) == 0) {
            *out = registry[i];
            return SC_OK;
        }
    for (size_t i = 0; not_built[i]; i++)
        if (strcmp(not_built[i], name) == 0)
            return sc_error_set(err, SC_ERR_NOTBUILT, "forecast",
                                "model '%s' is known but not built in this binary", name);
    char names[256] = "";
    size_t len = 0;
    for (size_t i = 0; registry[i]; i++) {
        int k = snprintf(names + len, sizeof names - len, "%s%s", i ? ", " : "",
                         registry[i]->name);
        if (k < 0 || (size_t)k >= sizeof names - len)
            break;
        len += (size_t)k;
    }
    return sc_error_set(err, SC_ERR_NOTFOUND, "forecast",
                        "unknown model '%s'; valid models: %s", name, names);
}

sc_status sc_forecaster_alloc(const char *name, const sc_forecast_config *cfg,
                              sc_forecaster **out, sc_error *err)
{
    *out = NULL;
    const sc_forecaster_type *type;
    sc_status st = sc_forecaster_type_find(name, &type, err);
    if (st != SC_OK)
        return st;
    sc_forecaster *fc = calloc(1, sizeof *fc);
    if (!fc)
        return sc_error_set(err, SC_ERR_NOMEM, "forecast", "allocating a forecaster");
    fc->state = calloc(1, type->state_size ? type->state_size : 1);
    if (!fc->state) {
        free(fc);
        return sc_error_set(err, SC_ERR_NOMEM, "forecast", "allocating %zu bytes of state",
                            type->state_size);
    }
    fc->type = type;
    if (cfg)
        fc->cfg = *cfg;
    else
        sc_forecast_config_init(&fc->cfg);
    fc->cfg.ets.spec[sizeof fc->cfg.ets.spec - 1] = '\0';
    if (fc->cfg.nsim <= 0)
        fc->cfg.nsim = SC_FORECAST_DEFAULT_NSIM;
    fc->last_obs = 0.0;
    *out = fc;
    return SC_OK;
}

void sc_forecaster_free(sc_forecaster *fc)
{
    if (!fc)
        return;
    if (fc->fitted && fc->type->version >= 2 && fc->type->cleanup)
        fc->type->cleanup(fc->state);
    free(fc->state);
    free(fc);
}

const char *sc_forecaster_name(const sc_forecaster *fc)
{
    return fc && fc->type ? fc->type->name : "none";
}

/* Clean y into a fresh array: drop leading NaNs, fill gaps (see forecast.h).  Returns
 * SC_ERR_EMPTY when nothing finite, SC_ERR_INPUT for +-inf. */
static sc_status clean_history(const double *y, size_t n, int m, double **out,
                               size_t *n_out, size_t *first_out, sc_error *err)
{
    *out = NULL;
    *n_out = 0;
    size_t first = 0;
    while (first < n && isnan(y[first]))
        first++;
    if (first_out)
        *first_out = first;
    if (first == n)
        return sc_error_set(err, SC_ERR_EMPTY, "forecast",
                            "history has no finite observation (%zu values, all missing)", n);
    size_t len = n - first;
    double *c = malloc(len * sizeof *c);
    if (!c)
        return sc_error_set(err, SC_ERR_NOMEM, "forecast", "copying %zu observations", len);
    for (size_t i = 0; i < len; i++) {
        double v = y[first + i];
        if (isinf(v)) {
            free(c);
            return sc_error_set(err, SC_ERR_INPUT, "forecast",
                                "observation %zu is infinite; expected a finite value or "
                                "NaN for missing",
                                first + i);
        }
        if (isnan(v))
            v = (m > 1 && i >= (size_t)m) ? c[i - (size_t)m] : c[i - 1];
        c[i] = v;
    }
    *out = c;
    *n_out = len;
    return SC_OK;
}

sc_status sc_forecaster_fit(sc_forecaster *fc, const double *y, size_t n,
                            const sc_forecast_exog *exog, sc_error *err)
{
    if (!fc || (!y && n))
        return sc_error_set(err, SC_ERR_INTERNAL, "forecast", "fit: NULL argument");
    int m = fc->cfg.period;
    if (m < 1 || m > SC_FORECAST_MAX_PERIOD)
        return sc_error_set(err, SC_ERR_RANGE, "forecast",
                            "period %d outside [1, %d]", m, SC_FORECAST_MAX_PERIOD);
    if (exog && exog->ncols && !exog->x)
        return sc_error_set(err, SC_ERR_INTERNAL, "forecast", "fit: exog without values");
    double *c;
    size_t len, first;
    sc_status st = clean_history(y, n, m, &c, &len, &first, err);
    if (st != SC_OK)
        return st;
    size_t need = fc->type->min_history(&fc->cfg);
    if (len < need) {
        free(c);
        return sc_error_set(err, SC_ERR_RANGE, "forecast",
                            "model '%s' needs at least %zu observations with period %d, "
                            "got %zu",
                            fc->type->name, need, m, len);
    }
    if (fc->fitted && fc->type->version >= 2 && fc->type->cleanup)
        fc->type->cleanup(fc->state);
    memset(fc->state, 0, fc->type->state_size);
    fc->fitted = 0;
    /* exog rows follow the history: drop the rows of the dropped leading NaNs. */
    sc_forecast_exog ex_shift;
    if (exog && exog->ncols && first) {
        ex_shift = *exog;
        ex_shift.x = exog->x + first * exog->ncols;
        exog = &ex_shift;
    }
    st = fc->type->fit(fc->state, &fc->cfg, c, len, exog, err);
    if (st == SC_OK) {
        fc->fitted = 1;
        fc->n_obs = len;
        fc->last_obs = c[len - 1];
    }
    free(c);
    return st;
}

sc_status sc_forecaster_fit_many(sc_forecaster *const *fcs, size_t count,
                                 const double *const *y, const size_t *n,
                                 const sc_forecast_exog *const *exog, sc_error *err)
{
    if (count == 0)
        return SC_OK;
    if (!fcs || !y || !n || !fcs[0])
        return sc_error_set(err, SC_ERR_INTERNAL, "forecast", "fit_many: NULL argument");
    const sc_forecaster_type *type = fcs[0]->type;
    for (size_t i = 0; i < count; i++)
        if (!fcs[i] || fcs[i]->type != type || (!y[i] && n[i]))
            return sc_error_set(err, SC_ERR_INTERNAL, "forecast",
                                "fit_many: instance %zu is NULL or of another type", i);
    if (type->version < 2 || !type->fit_global) {
        for (size_t i = 0; i < count; i++) {
            sc_status st = sc_forecaster_fit(fcs[i], y[i], n[i], exog ? exog[i] : NULL, err);
            if (st == SC_ERR_EMPTY || st == SC_ERR_RANGE) {
                sc_error_clear(err);
                continue;   /* left unfitted: the caller falls back */
            }
            if (st != SC_OK)
                return st;
        }
        return SC_OK;
    }
    int m = fcs[0]->cfg.period;
    if (m < 1 || m > SC_FORECAST_MAX_PERIOD)
        return sc_error_set(err, SC_ERR_RANGE, "forecast",
                            "period %d outside [1, %d]", m, SC_FORECAST_MAX_PERIOD);
    size_t need = type->min_history(&fcs[0]->cfg);
    sc_status st = SC_OK;
    double **c = calloc(count, sizeof *c);
    size_t *len = calloc(count, sizeof *len);
    void **states = calloc(count, sizeof *states);
    sc_forecast_exog *ex = calloc(count, sizeof *ex);
    const sc_forecast_exog **exp = calloc(count, sizeof *exp);
    size_t *idx = calloc(count, sizeof *idx);
    const double **cy = calloc(count, sizeof *cy);
    size_t k = 0;
    if (!c || !len || !states || !ex || !exp || !idx || !cy) {
        st = sc_error_set(err, SC_ERR_NOMEM, "forecast", "fit_many of %zu series", count);
        goto done;
    }
    for (size_t i = 0; i < count; i++) {
        sc_forecaster *fc = fcs[i];
        if (fc->fitted && type->cleanup)
            type->cleanup(fc->state);
        memset(fc->state, 0, type->state_size);
        fc->fitted = 0;
        size_t first;
        st = clean_history(y[i], n[i], m, &c[k], &len[k], &first, err);
        if (st == SC_ERR_EMPTY) {
            sc_error_clear(err);
            st = SC_OK;
            continue;
        }
        if (st != SC_OK) {
            if (err) {
                char msg[sizeof err->msg];
                memcpy(msg, err->msg, sizeof msg);
                snprintf(err->msg, sizeof err->msg, "series %zu: %.900s", i, msg);
            }
            goto done;
        }
        if (len[k] < need) {
            free(c[k]);
            c[k] = NULL;
            continue;
        }
        exp[k] = NULL;
        if (exog && exog[i] && exog[i]->ncols) {
            ex[k] = *exog[i];
            ex[k].x = exog[i]->x + first * exog[i]->ncols;
            exp[k] = &ex[k];
        }
        states[k] = fc->state;
        cy[k] = c[k];
        idx[k] = i;
        k++;
    }
    if (k) {
        st = type->fit_global(states, &fcs[0]->cfg, cy, len, k, exog ? exp : NULL, err);
        if (st == SC_OK)
            for (size_t j = 0; j < k; j++) {
                sc_forecaster *fc = fcs[idx[j]];
                fc->fitted = 1;
                fc->n_obs = len[j];
                fc->last_obs = c[j][len[j] - 1];
            }
    }
done:
    if (c)
        for (size_t j = 0; j < count; j++)
            free(c[j]);
    free(c);
    free(len);
    free(states);
    free(ex);
    free(exp);
    free(idx);
    free(cy);
    return st;
}

sc_status sc_forecaster_update(sc_forecaster *fc, double y)
{
    if (!fc || !fc->fitted)
        return SC_ERR_INTERNAL;
    if (isinf(y))
        y = NAN;   /* an infinite reading is treated as missing */
    fc->type->update(fc->state, y);
    fc->n_obs++;
    if (!isnan(y))
        fc->last_obs = y;
    return SC_OK;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

sc_status sc_forecaster_predict(const sc_forecaster *fc, size_t h, const double *q,
                                size_t nq, double *mean, double *quant, sc_error *err)
{
    if (!fc || !mean || (nq && (!q || !quant)))
        return sc_error_set(err, SC_ERR_INTERNAL, "forecast", "predict: NULL argument");
    if (!fc->fitted)
        return sc_error_set(err, SC_ERR_INTERNAL, "forecast",
                            "predict: model '%s' has not been fitted", fc->type->name);
    if (h == 0)
        return SC_OK;
    for (size_t k = 0; k < nq; k++)
        if (!(q[k] > 0.0 && q[k] < 1.0))
            return sc_error_set(err, SC_ERR_RANGE, "forecast",
                                "quantile %g outside (0, 1)", q[k]);
    sc_status st = fc->type->predict(fc->state, h, q, nq, mean, quant, err);
    if (st != SC_OK)
        return st;
    /* Output guard: never NaN or inf, quantiles ordered. */
    for (size_t s = 0; s < h; s++) {
        if (!isfinite(mean[s]))
            mean[s] = s ? mean[s - 1] : fc->last_obs;
        for (size_t k = 0; k < nq; k++)
            if (!isfinite(quant[s * nq + k]))
                quant[s * nq + k] = mean[s];
        if (nq > 1)
            qsort(quant + s * nq, nq, sizeof *quant, cmp_double);
    }
    return SC_OK;
}

sc_status sc_forecaster_fit_fallback(const char *const *names, size_t count,
                                     const sc_forecast_config *cfg, const double *y,
                                     size_t n, const sc_forecast_exog *exog,
                                     sc_forecaster **out, sc_error *err)
{
    *out = NULL;
    if (!names) {
        names = default_hierarchy;
        count = sizeof default_hierarchy / sizeof default_hierarchy[0];
    }
    sc_status st = SC_ERR_EMPTY;
    for (size_t i = 0; i < count; i++) {
        sc_forecaster *fc;
        st = sc_forecaster_alloc(names[i], cfg, &fc, err);
        if (st != SC_OK)
            return st;
        st = sc_forecaster_fit(fc, y, n, exog, err);
        if (st == SC_OK) {
            sc_error_clear(err);
            *out = fc;
            return SC_OK;
        }
        sc_forecaster_free(fc);
        if (st == SC_ERR_EMPTY || st == SC_ERR_INPUT || st == SC_ERR_NOMEM)
            return st;   /* no model can do better with this history */
    }
    return st;
}
