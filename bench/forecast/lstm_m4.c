/*
 * lstm_m4.c - bench_forecast_lstm: train the global lstm on an M4-layout training file
 * with explicit options, forecast every series and score against the test file
 * (sMAPE, MASE, OWA vs naive2 on the same series, coverage95, MSIS), with training and
 * forecast time (wall and CPU).  For tuning on a subset of series; the options' effect
 * should be judged by the validation loss printed (cut from the end of each TRAINING
 * series), never by the test scores.
 *
 *   bench_forecast_lstm TRAIN.csv TEST.csv [key=value ...]
 *   keys: series (first N series, default all), hidden, len, horizon, epochs, windows,
 *         batch, lr, patience, loss (mae|mse), seed, period, verbose
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "../../core/forecast/lstm.h"
#include "sculpt/forecast.h"

static double wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double cpu(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s TRAIN.csv TEST.csv [key=value ...]\n", argv[0]);
        return 2;
    }
    int m = 24;
    uint64_t seed = 1;
    size_t nser = 0;
    for (int i = 3; i < argc; i++)
        if (strncmp(argv[i], "period=", 7) == 0)
            m = atoi(argv[i] + 7);
    sc_lstm_opts o;
    sc_lstm_opts_init(&o, m);
    o.horizon = 48;
    for (int i = 3; i < argc; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq) {
            fprintf(stderr, "bad option '%s'\n", argv[i]);
            return 2;
        }
        *eq = '\0';
        const char *k = argv[i], *v = eq + 1;
        if (!strcmp(k, "series"))
            nser = (size_t)atol(v);
        else if (!strcmp(k, "hidden"))
            o.hidden = (size_t)atol(v);
        else if (!strcmp(k, "len"))
            o.input_len = (size_t)atol(v);
        else if (!strcmp(k, "horizon"))
            o.horizon = (size_t)atol(v);
        else if (!strcmp(k, "epochs"))
            o.epochs = atoi(v);
        else if (!strcmp(k, "windows"))
            o.windows = (size_t)atol(v);
        else if (!strcmp(k, "batch"))
            o.batch = (size_t)atol(v);
        else if (!strcmp(k, "lr"))
            o.lr = atof(v);
        else if (!strcmp(k, "patience"))
            o.patience = atoi(v);
        else if (!strcmp(k, "loss"))
            o.loss = !strcmp(v, "mse") ? SC_LSTM_LOSS_MSE : SC_LSTM_LOSS_MAE;
        else if (!strcmp(k, "seed"))
            seed = (uint64_t)atoll(v);
        else if (!strcmp(k, "verbose"))
            o.verbose = atoi(v);
        else if (strcmp(k, "period") != 0) {
            fprintf(stderr, "unknown option '%s'\n", k);
            return 2;
        }
    }
    sc_error err;
    sc_m4_set tr, te;
    if (sc_m4_set_read(argv[1], &tr, &err) != SC_OK || sc_m4_set_read(argv[2], &te, &err) != SC_OK) {
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
        return 2;
    }
    size_t ns = nser && nser < tr.count ? nser : tr.count, H = o.horizon;
    double w0 = wall(), c0 = cpu();
    sc_lstm_model *md;
    if (sc_lstm_model_train(&o, m, seed, (const double *const *)tr.y, tr.n, ns, NULL, &md,
                            &err) != SC_OK) {
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
        return 1;
    }
    double w1 = wall(), c1 = cpu();
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = m;
    sc_forecaster **fcs = calloc(ns, sizeof *fcs);
    for (size_t i = 0; i < ns; i++)
        sc_forecaster_alloc("lstm", &cfg, &fcs[i], &err);
    if (sc_lstm_forecasters_attach(md, fcs, ns, (const double *const *)tr.y, tr.n, NULL,
                                   &err) != SC_OK) {
        fprintf(stderr, "%s: %s\n", err.where, err.msg);
        return 1;
    }
    double q[2] = {0.025, 0.975};
    double *f = malloc(H * sizeof *f), *qb = malloc(2 * H * sizeof *qb);
    double *lo = malloc(H * sizeof *lo), *hi = malloc(H * sizeof *hi);
    double *f2 = malloc(H * sizeof *f2), *qb2 = malloc(2 * H * sizeof *qb2);
    double s_sm = 0, s_ma = 0, s_is = 0, s2_sm = 0, s2_ma = 0, cov = 0;
    size_t pts = 0, nsc = 0;
    double predict_w = 0.0;
    for (size_t i = 0; i < ns; i++) {
        double pw = wall();
        sc_forecaster_predict(fcs[i], H, q, 2, f, qb, &err);
        predict_w += wall() - pw;
        for (size_t k = 0; k < H; k++) {
            lo[k] = qb[2 * k];
            hi[k] = qb[2 * k + 1];
        }
        sc_forecaster *n2;
        sc_forecaster_fit_fallback((const char *const[]){"naive2"}, 1, &cfg, tr.y[i], tr.n[i],
                                   NULL, &n2, &err);
        sc_forecaster_predict(n2, H, q, 2, f2, qb2, &err);
        sc_forecaster_free(n2);
        sc_m4_score a, b;
        sc_m4_score_series(tr.y[i], tr.n[i], m, te.y[i], f, lo, hi, H, 95.0, &a);
        sc_m4_score_series(tr.y[i], tr.n[i], m, te.y[i], f2, NULL, NULL, H, 95.0, &b);
        s_sm += a.smape;
        s2_sm += b.smape;
        cov += a.covered;
        pts += a.h;
        if (!isnan(a.mase)) {
            s_ma += a.mase;
            s2_ma += b.mase;
            s_is += a.msis;
            nsc++;
        }
    }
    double w2 = wall(), c2 = cpu();
    const sc_lstm_report *r = sc_lstm_model_report(md);
    printf("series %zu hidden %zu len %zu H %zu params %zu epochs %d best %d val %.5f\n", ns,
           o.hidden, o.input_len, H, r->n_params, r->epochs_run, r->best_epoch, r->val_loss);
    printf("| lstm | %.3f | %.3f | %.3f | %.3f | %.3f | train %.1f s wall (%.1f CPU), "
           "forecast %.2f s |\n",
           s_sm / (double)ns, s_ma / (double)nsc,
           0.5 * (s_sm / s2_sm + s_ma / s2_ma), cov / (double)pts, s_is / (double)nsc,
           w1 - w0, c1 - c0, predict_w);
    (void)w2;
    (void)c2;
    for (size_t i = 0; i < ns; i++)
        sc_forecaster_free(fcs[i]);
    free(fcs);
    sc_lstm_model_release(md);
    free(f);
    free(qb);
    free(lo);
    free(hi);
    free(f2);
    free(qb2);
    sc_m4_set_cleanup(&tr);
    sc_m4_set_cleanup(&te);
    return 0;
}
