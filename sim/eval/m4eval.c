/*
 * m4eval.c - the M4 evaluation harness of the evaluation layer (eval.h): forecast every
 * series of an M4-layout training set with one model, time it, report progress through
 * the caller's callback, write the forecasts when asked, then score them with core's
 * accuracy measures (core/forecast/accuracy.c) against the test set.
 *
 * sc_m4_eval makes every forecast (and writes --save) before it reads a single test
 * value, so the saved forecasts cannot depend on the test file.  Its `seconds` is the
 * wall time of fitting and forecasting the model (monotonic clock, reported only, never
 * part of any output file): reading the clock is why this harness lives outside core.
 * Model names beyond the registry are the harness's own: "auto" (the hierarchy ets,
 * snaive, naive) and "ensemble+lstm" / "ensemble+lstm2" (the per-series ensemble with a
 * global lstm member, below).
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/forecast/lstm.h"
#include "eval.h"
#include "sculpt/ensemble.h"
#include "sculpt/forecast.h"
#include "sculpt/fsutil.h"

/* Progress: a counter (note NULL) or a note, to the caller's callback when set. */
static void progress_count(const sc_m4_eval_opts *o, const char *model, size_t done,
                           size_t total)
{
    if (o->progress)
        o->progress(o->progress_ctx, model, done, total, NULL);
}

static void progress_note(const sc_m4_eval_opts *o, const char *model, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
static void progress_note(const sc_m4_eval_opts *o, const char *model, const char *fmt, ...)
{
    if (!o->progress)
        return;
    char buf[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    o->progress(o->progress_ctx, model, 0, 0, buf);
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
                                 double *hi, double *qbuf, size_t *fallbacks,
                                 const sc_m4_eval_opts *po, int *done, sc_error *err)
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
        progress_note(po, chain[0], "training one global model on %zu series", ns);
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
 * progress is set, the lstm member's mean weights per band go to it as a note. */
static sc_status forecast_ensemble_lstm(int twice, const sc_forecast_config *cfg,
                                        const sc_m4_set *train, size_t h, const double q[2],
                                        double *f, double *lo, double *hi, double *qbuf,
                                        size_t *fallbacks, const sc_m4_eval_opts *po,
                                        sc_error *err)
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
        progress_note(po, "lstm", "training on %zu series truncated at their backtest start",
                      nsel_count);
        st = sc_lstm_model_train(&o, cfg->period, cfg->seed, ysel, nsel, nsel_count, NULL,
                                 &mA, err);
        if (st == SC_OK && twice) {
            for (size_t j = 0; j < nsel_count; j++)
                nsel[j] = train->n[idx[j]];
            progress_note(po, "lstm", "training on the %zu whole series", nsel_count);
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
        if (i % 16 == 15 || i + 1 == ns)
            progress_count(po, "ensemble+lstm", i + 1, ns);
    }
    if (with > 0)
        progress_note(po, "lstm", "lstm member on %zu series, mean weight per band %.3f / "
                      "%.3f / %.3f", with, wsum[0] / (double)with, wsum[1] / (double)with,
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
    if (!fp) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot create the forecast file");
    }
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
                                    &out->fallbacks, opts, err);
        if (st != SC_OK)
            goto done;
        global = 1;
    } else if (nchain > 1) {
        st = forecast_global(chain, nchain, &cfg, train, h, q, f, lo, hi, qbuf,
                             &out->fallbacks, opts, &global, err);
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
        if (i % 16 == 15 || i + 1 == ns)
            progress_count(opts, model, i + 1, ns);
    }
    out->seconds = now_seconds() - t0;
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
    out->owa = sc_accuracy_owa(out->smape, out->mase, out->naive2_smape, out->naive2_mase);
done:
    free(f);
    free(lo);
    free(hi);
    free(f2);
    free(tmp);
    free(qbuf);
    return st;
}
