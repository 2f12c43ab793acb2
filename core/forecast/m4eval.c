/*
 * m4eval.c - M4-layout series files and the M4 accuracy measures.
 *
 * Measures follow the M4 Competitor's Guide (2018) and the organisers' "Benchmarks and
 * Evaluation.R": per series sMAPE = mean 200|y-f|/(|y|+|f|), MASE = mean |y-f| / scale
 * with scale = mean |x_t - x_{t-m}| over the training series, MSIS = mean of the
 * interval score (U-L) + 2/a (L-y)[y<L] + 2/a (y-U)[y>U] divided by the same scale,
 * a = 1 - level; set figures are means over series, OWA = (sMAPE/sMAPE_naive2 +
 * MASE/MASE_naive2)/2 with naive2 run on the same data here, and coverage is the
 * fraction of all test points inside [L, U].  Conventions beyond M4, for inputs M4
 * never had: a 0/0 sMAPE term is 0; a missing test value is not scored; a series whose
 * scale is 0 (constant training data) is left out of MASE and MSIS and counted in
 * series_unscaled; with n <= m the scale uses lag 1.
 *
 * sc_m4_eval makes every forecast (and writes --save) before it reads a single test
 * value, so the saved forecasts cannot depend on the test file.  Its `seconds` is the
 * wall time of fitting and forecasting the model (monotonic clock, reported only,
 * never part of any output file).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "lstm.h"
#include "sculpt/csv.h"
#include "sculpt/ensemble.h"
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

double sc_m4_scale(const double *x, size_t n, int m)
{
    size_t lag = (m >= 1 && n > (size_t)m) ? (size_t)m : 1;
    double sum = 0.0;
    size_t cnt = 0;
    for (size_t t = lag; t < n; t++)
        if (!isnan(x[t]) && !isnan(x[t - lag])) {
            sum += fabs(x[t] - x[t - lag]);
            cnt++;
        }
    return cnt ? sum / (double)cnt : 0.0;
}

void sc_m4_score_series(const double *train, size_t n_train, int m, const double *test,
                        const double *f, const double *lo, const double *hi, size_t h,
                        double level, sc_m4_score *out)
{
    double scale = sc_m4_scale(train, n_train, m);
    double a = 1.0 - level / 100.0;
    double s_smape = 0.0, s_ae = 0.0, s_is = 0.0, covered = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < h; i++) {
        double y = test[i];
        if (isnan(y))
            continue;
        double den = fabs(y) + fabs(f[i]);
        s_smape += den > 0.0 ? 200.0 * fabs(y - f[i]) / den : 0.0;
        s_ae += fabs(y - f[i]);
        if (lo && hi) {
            double is = hi[i] - lo[i];
            if (y < lo[i])
                is += 2.0 / a * (lo[i] - y);
            if (y > hi[i])
                is += 2.0 / a * (y - hi[i]);
            s_is += is;
            if (y >= lo[i] && y <= hi[i])
                covered += 1.0;
        }
        cnt++;
    }
    out->h = cnt;
    out->covered = covered;
    double dn = cnt ? (double)cnt : 1.0;
    out->smape = s_smape / dn;
    out->mase = scale > 0.0 ? s_ae / dn / scale : NAN;
    out->msis = (scale > 0.0 && lo && hi) ? s_is / dn / scale : NAN;
}

/* ---- whole-set evaluation --------------------------------------------------------- */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Predict h steps of a fitted instance into mean/lo/hi (qbuf: 2h scratch). */
static sc_status predict_bounds(const sc_forecaster *fc, size_t h, const double q[2],
                                double *mean, double *lo, double *hi, double *qbuf,
                                sc_error *err)
{
    sc_status st = sc_forecaster_predict(fc, h, q, 2, mean, qbuf, err);
    if (st == SC_OK)
        for (size_t i = 0; i < h; i++) {
            lo[i] = qbuf[2 * i];
            hi[i] = qbuf[2 * i + 1];
        }
    return st;
}

/* A global model (type with fit_global, e.g. lstm): train ONE model on all training
 * series through sc_forecaster_fit_many, then predict each; series the model cannot
 * take fall back along the rest of the chain one by one.  *done = 0 when the model is
 * per-series (the caller then forecasts series by series). */
static sc_status forecast_global(const char *const *chain, size_t nchain,
                                 const sc_forecast_config *cfg, const sc_m4_set *train,
                                 size_t h, const double q[2], double *f, double *lo,
                                 double *hi, double *qbuf, size_t *fallbacks, int progress,
                                 int *done, sc_error *err)
{
    *done = 0;
    const sc_forecaster_type *type;
    sc_status st = sc_forecaster_type_find(chain[0], &type, err);
    if (st != SC_OK)
        return st;
    if (type->version < 2 || !type->fit_global)
        return SC_OK;
    *done = 1;
    size_t ns = train->count;
    sc_forecaster **fcs = calloc(ns, sizeof *fcs);
    if (!fcs)
        return sc_error_set(err, SC_ERR_NOMEM, "m4", "allocating %zu forecasters", ns);
    for (size_t i = 0; i < ns && st == SC_OK; i++)
        st = sc_forecaster_alloc(chain[0], cfg, &fcs[i], err);
    if (st == SC_OK) {
        if (progress)
            fprintf(stderr, "%s: training one global model on %zu series\n", chain[0], ns);
        st = sc_forecaster_fit_many(fcs, ns, (const double *const *)train->y, train->n,
                                    NULL, err);
    }
    for (size_t i = 0; i < ns && st == SC_OK; i++) {
        if (fcs[i]->fitted) {
            st = predict_bounds(fcs[i], h, q, f + i * h, lo + i * h, hi + i * h, qbuf, err);
        } else {
            sc_forecaster *fb;
            st = sc_forecaster_fit_fallback(chain + 1, nchain - 1, cfg, train->y[i],
                                            train->n[i], NULL, &fb, err);
            if (st == SC_OK) {
                st = predict_bounds(fb, h, q, f + i * h, lo + i * h, hi + i * h, qbuf, err);
                sc_forecaster_free(fb);
                (*fallbacks)++;
            }
        }
    }
    for (size_t i = 0; i < ns; i++)
        sc_forecaster_free(fcs[i]);
    free(fcs);
    return st;
}

/* "ensemble+lstm" ("ensemble+lstm2"): the per-series ensemble plus a global lstm member
 * added by sc_ensemble_add_member.  No leakage into the member's backtest: model A is
 * trained on every series truncated at its ensemble backtest start n0 =
 * sc_ensemble_backtest_start(n) and backtested from there.  With twice = 0 the same
 * instance, advanced to n by update(), is the final member (one training); with
 * twice = 1 model B, trained on the whole series, is (two trainings).  Series too
 * short for the lstm (n0 below its minimum history) get the plain ensemble.  When
 * progress is set, the lstm member's mean weights per band go to stderr. */
static sc_status forecast_ensemble_lstm(int twice, const sc_forecast_config *cfg,
                                        const sc_m4_set *train, size_t h, const double q[2],
                                        double *f, double *lo, double *hi, double *qbuf,
                                        size_t *fallbacks, int progress, sc_error *err)
{
    size_t ns = train->count;
    sc_lstm_opts o;
    sc_lstm_opts_init(&o, cfg->period);
    size_t need = sc_lstm_min_history(&o);
    size_t *n0 = calloc(ns, sizeof *n0), *idx = calloc(ns, sizeof *idx);
    size_t *nsel = calloc(ns, sizeof *nsel);
    const double **ysel = calloc(ns, sizeof *ysel);
    sc_lstm_model *mA = NULL, *mB = NULL;
    sc_forecaster *ens = NULL, *bt = NULL, *fin = NULL;
    sc_status st = SC_OK;
    double wsum[SC_ENSEMBLE_NBANDS] = {0};
    size_t with = 0, nsel_count = 0;
    if (!n0 || !idx || !nsel || !ysel) {
        st = sc_error_set(err, SC_ERR_NOMEM, "m4", "allocating %zu series", ns);
        goto done;
    }
    for (size_t i = 0; i < ns; i++) {
        n0[i] = sc_ensemble_backtest_start(train->n[i]);
        if (n0[i] >= need) {
            idx[nsel_count] = i;
            ysel[nsel_count] = train->y[i];
            nsel[nsel_count++] = n0[i];
        }
    }
    if (nsel_count > 0) {
        if (progress)
            fprintf(stderr, "lstm: training on %zu series truncated at their backtest "
                            "start\n", nsel_count);
        st = sc_lstm_model_train(&o, cfg->period, cfg->seed, ysel, nsel, nsel_count, NULL,
                                 &mA, err);
        if (st == SC_OK && twice) {
            for (size_t j = 0; j < nsel_count; j++)
                nsel[j] = train->n[idx[j]];
            if (progress)
                fprintf(stderr, "lstm: training on the %zu whole series\n", nsel_count);
            st = sc_lstm_model_train(&o, cfg->period, cfg->seed, ysel, nsel, nsel_count,
                                     NULL, &mB, err);
        }
        if (st != SC_OK)
            goto done;
    }
    size_t j = 0;
    for (size_t i = 0; i < ns && st == SC_OK; i++) {
        const double *y = train->y[i];
        size_t n = train->n[i];
        static const char *const chain[] = {"ensemble", "naive"};
        st = sc_forecaster_fit_fallback(chain, 2, cfg, y, n, NULL, &ens, err);
        if (st != SC_OK)
            break;
        if (strcmp(sc_forecaster_name(ens), "ensemble") != 0) {
            (*fallbacks)++;
        } else if (j < nsel_count && idx[j] == i) {
            j++;
            st = sc_forecaster_alloc("lstm", cfg, &bt, err);
            if (st == SC_OK)
                st = sc_lstm_forecasters_attach(mA, &bt, 1, &y, &n0[i], NULL, err);
            if (st == SC_OK && mB) {
                st = sc_forecaster_alloc("lstm", cfg, &fin, err);
                if (st == SC_OK)
                    st = sc_lstm_forecasters_attach(mB, &fin, 1, &y, &n, NULL, err);
            }
            if (st == SC_OK) {
                st = sc_ensemble_add_member(ens, "lstm", bt, fin, err);
                bt = fin = NULL;   /* owned by the ensemble, or freed on error */
            }
            sc_ensemble_info info;
            if (st == SC_OK && sc_ensemble_info_get(ens, &info, NULL) == SC_OK) {
                with++;
                for (size_t b = 0; b < SC_ENSEMBLE_NBANDS; b++)
                    wsum[b] += info.weight[info.count - 1][b];
            }
        }
        if (st == SC_OK)
            st = predict_bounds(ens, h, q, f + i * h, lo + i * h, hi + i * h, qbuf, err);
        sc_forecaster_free(ens);
        ens = NULL;
        if (progress && (i % 16 == 15 || i + 1 == ns))
            fprintf(stderr, "\rensemble+lstm: %zu/%zu series", i + 1, ns);
    }
    if (progress && with > 0)
        fprintf(stderr, "\nlstm member on %zu series, mean weight per band %.3f / %.3f / "
                        "%.3f\n", with, wsum[0] / (double)with, wsum[1] / (double)with,
                wsum[2] / (double)with);
done:
    sc_forecaster_free(bt);
    sc_forecaster_free(fin);
    sc_forecaster_free(ens);
    sc_lstm_model_release(mA);
    sc_lstm_model_release(mB);
    free(n0);
    free(idx);
    free(nsel);
    free(ysel);
    return st;
}

/* Forecast one series with the chain; mean/lo/hi get h values each. */
static sc_status forecast_one(const char *const *chain, size_t nchain,
                              const sc_forecast_config *cfg, const double *y, size_t n,
                              size_t h, const double q[2], double *mean, double *lo,
                              double *hi, double *qbuf, int *fell_back, sc_error *err)
{
    sc_forecaster *fc;
    sc_status st = sc_forecaster_fit_fallback(chain, nchain, cfg, y, n, NULL, &fc, err);
    if (st != SC_OK)
        return st;
    *fell_back = strcmp(sc_forecaster_name(fc), chain[0]) != 0;
    st = sc_forecaster_predict(fc, h, q, 2, mean, qbuf, err);
    if (st == SC_OK)
        for (size_t i = 0; i < h; i++) {
            lo[i] = qbuf[2 * i];
            hi[i] = qbuf[2 * i + 1];
        }
    sc_forecaster_free(fc);
    return st;
}

static sc_status write_forecasts(const char *path, const sc_m4_set *train, size_t h,
                                 double level, const double *f, const double *lo,
                                 const double *hi, sc_error *err)
{
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st != SC_OK)
        return st;
    FILE *fp = fopen(af.tmp, "w");
    if (!fp)
        return sc_error_set(err, SC_ERR_IO, af.tmp, "cannot create the forecast file");
    fprintf(fp, "\"id\"");
    for (size_t j = 0; j < h; j++)
        fprintf(fp, ",\"F%zu\"", j + 1);
    fputc('\n', fp);
    static const char *const suffix[3] = {"", "-lo", "-hi"};
    for (size_t i = 0; i < train->count; i++)
        for (int r = 0; r < 3; r++) {
            const double *v = (r == 0 ? f : r == 1 ? lo : hi) + i * h;
            if (r == 0)
                fprintf(fp, "\"%s\"", train->ids[i]);
            else
                fprintf(fp, "\"%s%s%g\"", train->ids[i], suffix[r], level);
            for (size_t j = 0; j < h; j++)
                fprintf(fp, ",%.15g", v[j]);
            fputc('\n', fp);
        }
    int bad = ferror(fp);
    if (fclose(fp) != 0 || bad) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "writing the forecast file failed");
    }
    return sc_atomic_commit(&af, err);
}

sc_status sc_m4_eval(const sc_m4_set *train, const sc_m4_set *test,
                     const sc_m4_eval_opts *opts, sc_m4_eval_result *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    size_t h = opts->horizon, ns = train->count;
    double level = opts->level > 0.0 ? opts->level : 95.0;
    if (h == 0)
        return sc_error_set(err, SC_ERR_USAGE, "--horizon", "horizon must be positive");
    if (!(level > 0.0 && level < 100.0))
        return sc_error_set(err, SC_ERR_USAGE, "--level", "level %g outside (0, 100)",
                            level);
    if (opts->period < 1 || opts->period > SC_FORECAST_MAX_PERIOD)
        return sc_error_set(err, SC_ERR_USAGE, "--period", "period %d outside [1, %d]",
                            opts->period, SC_FORECAST_MAX_PERIOD);
    const char *model = opts->model ? opts->model : "auto";
    int ens_lstm = strcmp(model, "ensemble+lstm") == 0     ? 1
                   : strcmp(model, "ensemble+lstm2") == 0 ? 2
                                                           : 0;
    const char *chain_named[2] = {model, "naive"};
    const char *const *chain = chain_named;
    size_t nchain = strcmp(model, "naive") == 0 ? 1 : 2;
    if (strcmp(model, "auto") == 0) {
        chain = NULL;
        nchain = 0;
    } else if (ens_lstm) {
        const sc_forecaster_type *t;
        sc_status st = sc_forecaster_type_find("ensemble", &t, err);
        if (st == SC_OK)
            st = sc_forecaster_type_find("lstm", &t, err);
        if (st != SC_OK)
            return st;
    } else {
        const sc_forecaster_type *t;
        sc_status st = sc_forecaster_type_find(model, &t, err);
        if (st != SC_OK)
            return st;
    }
    static const char *const dflt[] = {"ets", "snaive", "naive"};
    if (!chain) {
        chain = dflt;
        nchain = 3;
    }
    sc_forecast_config cfg;
    if (opts->cfg)
        cfg = *opts->cfg;
    else
        sc_forecast_config_init(&cfg);
    cfg.period = opts->period;
    cfg.seed = opts->seed;
    double q[2] = {(1.0 - level / 100.0) / 2.0, 1.0 - (1.0 - level / 100.0) / 2.0};

    sc_status st = SC_OK;
    double *f = malloc(ns * h * sizeof *f), *lo = malloc(ns * h * sizeof *lo);
    double *hi = malloc(ns * h * sizeof *hi), *f2 = malloc(ns * h * sizeof *f2);
    double *tmp = malloc(3 * h * sizeof *tmp), *qbuf = malloc(2 * h * sizeof *qbuf);
    if (!f || !lo || !hi || !f2 || !tmp || !qbuf) {
        st = sc_error_set(err, SC_ERR_NOMEM, "m4", "allocating forecasts for %zu series", ns);
        goto done;
    }
    /* 1. the model's forecasts, timed; no test value has been looked at. */
    double t0 = now_seconds();
    int global = 0;
    if (ens_lstm) {
        st = forecast_ensemble_lstm(ens_lstm == 2, &cfg, train, h, q, f, lo, hi, qbuf,
                                    &out->fallbacks, opts->progress, err);
        if (st != SC_OK)
            goto done;
        global = 1;
    } else if (nchain > 1) {
        st = forecast_global(chain, nchain, &cfg, train, h, q, f, lo, hi, qbuf,
                             &out->fallbacks, opts->progress, &global, err);
        if (st != SC_OK)
            goto done;
    }
    for (size_t i = 0; i < ns && !global; i++) {
        int fb = 0;
        st = forecast_one(chain, nchain, &cfg, train->y[i], train->n[i], h, q, f + i * h,
                          lo + i * h, hi + i * h, qbuf, &fb, err);
        if (st != SC_OK) {
            if (err) {
                char msg[sizeof err->msg];
                memcpy(msg, err->msg, sizeof msg);
                snprintf(err->msg, sizeof err->msg, "series %.64s (row %zu): %.900s",
                         train->ids[i], i + 2, msg);
            }
            goto done;
        }
        out->fallbacks += (size_t)fb;
        if (opts->progress && (i % 16 == 15 || i + 1 == ns))
            fprintf(stderr, "\r%s: %zu/%zu series", model, i + 1, ns);
    }
    out->seconds = now_seconds() - t0;
    if (opts->progress)
        fputc('\n', stderr);
    if (opts->save_path) {
        st = write_forecasts(opts->save_path, train, h, level, f, lo, hi, err);
        if (st != SC_OK)
            goto done;
    }
    /* 2. naive2 on the same data, the OWA reference. */
    static const char *const n2chain[] = {"naive2", "naive"};
    for (size_t i = 0; i < ns; i++) {
        int fb;
        st = forecast_one(n2chain, 2, &cfg, train->y[i], train->n[i], h, q, f2 + i * h,
                          tmp, tmp + h, qbuf, &fb, err);
        if (st != SC_OK)
            goto done;
    }
    /* 3. scoring: the first use of the test values. */
    if (test->count != ns) {
        st = sc_error_set(err, SC_ERR_INPUT, "TEST", "test has %zu series, train has %zu",
                          test->count, ns);
        goto done;
    }
    double s_smape = 0, s_mase = 0, s_msis = 0, s2_smape = 0, s2_mase = 0, cov = 0;
    size_t n_scaled = 0, n_points = 0;
    for (size_t i = 0; i < ns; i++) {
        if (strcmp(train->ids[i], test->ids[i]) != 0) {
            char where[64];
            snprintf(where, sizeof where, "TEST row %zu", i + 2);
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "series id '%s' does not match train id '%s'", test->ids[i],
                              train->ids[i]);
            goto done;
        }
        if (test->n[i] < h) {
            char where[64];
            snprintf(where, sizeof where, "TEST row %zu", i + 2);
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "series '%s' has %zu test values, horizon is %zu",
                              test->ids[i], test->n[i], h);
            goto done;
        }
        sc_m4_score sc, sc2;
        sc_m4_score_series(train->y[i], train->n[i], opts->period, test->y[i], f + i * h,
                           lo + i * h, hi + i * h, h, level, &sc);
        sc_m4_score_series(train->y[i], train->n[i], opts->period, test->y[i], f2 + i * h,
                           NULL, NULL, h, level, &sc2);
        s_smape += sc.smape;
        s2_smape += sc2.smape;
        cov += sc.covered;
        n_points += sc.h;
        if (!isnan(sc.mase)) {
            s_mase += sc.mase;
            s2_mase += sc2.mase;
            s_msis += sc.msis;
            n_scaled++;
        }
    }
    out->series = ns;
    out->series_unscaled = ns - n_scaled;
    out->smape = s_smape / (double)ns;
    out->naive2_smape = s2_smape / (double)ns;
    out->mase = n_scaled ? s_mase / (double)n_scaled : NAN;
    out->naive2_mase = n_scaled ? s2_mase / (double)n_scaled : NAN;
    out->msis = n_scaled ? s_msis / (double)n_scaled : NAN;
    out->coverage = n_points ? cov / (double)n_points : NAN;
    out->owa = (out->naive2_smape > 0 && out->naive2_mase > 0)
                   ? 0.5 * (out->smape / out->naive2_smape + out->mase / out->naive2_mase)
                   : NAN;
done:
    free(f);
    free(lo);
    free(hi);
    free(f2);
    free(tmp);
    free(qbuf);
    return st;
}
