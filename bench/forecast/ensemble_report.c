/*
 * ensemble_report.c - what the `ensemble` forecaster learnt on an M4-layout set, and an
 * ablation: the ensemble without each member in turn.
 *
 *   bench_ensemble_report TRAIN.csv TEST.csv H M [LEVEL]
 *
 * Every training series is fitted once (sc_forecaster_fit of "ensemble", period M);
 * the learnt weights (sc_ensemble_info_get) are averaged over series per member label
 * and horizon band (a member absent from a series counts as weight 0 there).  The
 * ablation drops one member label at a time with sc_ensemble_use(), which recomputes
 * weights and conformal calibration from the stored backtests without refitting, and
 * scores the forecasts against TEST (read only for scoring) with the M4 measures of
 * m4eval.c: OWA against naive2 fitted here on the same series.  The 'all' row is the
 * full ensemble.  Everything runs on one thread.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <gsl/gsl_errno.h>

#include "sculpt/ensemble.h"
#include "sculpt/forecast.h"

#define MAXL 16   /* distinct member labels over the set */

typedef struct acc {
    double smape, mase, msis, covered, points;
    size_t n, n_scaled;
} acc;

static void acc_add(acc *a, const sc_m4_score *s)
{
    a->smape += s->smape;
    a->n++;
    if (isfinite(s->mase)) {
        a->mase += s->mase;
        a->msis += s->msis;
        a->n_scaled++;
    }
    a->covered += s->covered;
    a->points += (double)s->h;
}

static int label_index(char labels[MAXL][24], size_t *nl, const char *l)
{
    for (size_t i = 0; i < *nl; i++)
        if (strcmp(labels[i], l) == 0)
            return (int)i;
    if (*nl == MAXL)
        return -1;
    snprintf(labels[*nl], 24, "%s", l);
    return (int)(*nl)++;
}

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: %s TRAIN.csv TEST.csv H M [LEVEL]\n", argv[0]);
        return 2;
    }
    gsl_set_error_handler_off();
    size_t H = (size_t)atol(argv[3]);
    int m = atoi(argv[4]);
    double level = argc > 5 ? atof(argv[5]) : 95.0;
    double a = 1.0 - level / 100.0;
    double q[2] = {a / 2.0, 1.0 - a / 2.0};
    sc_error err;
    sc_m4_set tr, te;
    if (sc_m4_set_read(argv[1], &tr, &err) != SC_OK || sc_m4_set_read(argv[2], &te, &err) != SC_OK) {
        sc_error_print(&err, stderr);
        return 2;
    }
    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cfg.period = m;
    char labels[MAXL][24];
    size_t nl = 0;
    double wsum[MAXL][SC_ENSEMBLE_NBANDS] = {{0}};
    acc full = {0}, n2 = {0}, abl[MAXL];
    memset(abl, 0, sizeof abl);
    size_t present[MAXL] = {0};
    double *f = malloc(H * sizeof *f), *qb = malloc(2 * H * sizeof *qb);
    double *lo = malloc(H * sizeof *lo), *hi = malloc(H * sizeof *hi);
    double t0 = (double)clock() / CLOCKS_PER_SEC;
    for (size_t i = 0; i < tr.count; i++) {
        sc_forecaster *fc = NULL, *nv = NULL;
        sc_m4_score s;
        if (sc_forecaster_alloc("naive2", &cfg, &nv, &err) != SC_OK ||
            sc_forecaster_fit(nv, tr.y[i], tr.n[i], NULL, &err) != SC_OK ||
            sc_forecaster_predict(nv, H, q, 2, f, qb, &err) != SC_OK) {
            sc_error_print(&err, stderr);
            return 1;
        }
        for (size_t j = 0; j < H; j++) {
            lo[j] = qb[2 * j];
            hi[j] = qb[2 * j + 1];
        }
        sc_m4_score_series(tr.y[i], tr.n[i], m, te.y[i], f, lo, hi, H, level, &s);
        acc_add(&n2, &s);
        sc_forecaster_free(nv);
        if (sc_forecaster_alloc("ensemble", &cfg, &fc, &err) != SC_OK ||
            sc_forecaster_fit(fc, tr.y[i], tr.n[i], NULL, &err) != SC_OK) {
            sc_error_print(&err, stderr);
            return 1;
        }
        sc_ensemble_info info;
        sc_ensemble_info_get(fc, &info, &err);
        int idx[SC_ENSEMBLE_MAX_MEMBERS];
        for (size_t k = 0; k < info.count; k++) {
            idx[k] = label_index(labels, &nl, info.label[k]);
            if (idx[k] < 0)
                continue;
            present[idx[k]]++;
            for (size_t b = 0; b < SC_ENSEMBLE_NBANDS; b++)
                wsum[idx[k]][b] += info.weight[k][b];
        }
        uint32_t all = (uint32_t)((1u << info.count) - 1u);
        for (int drop = -1; drop < (int)MAXL; drop++) {
            uint32_t mask = all;
            if (drop >= 0) {
                int k = -1;
                for (size_t j = 0; j < info.count; j++)
                    if (idx[j] == drop)
                        k = (int)j;
                if (k >= 0)
                    mask &= ~(1u << k);
                if (mask == 0)
                    continue;
            }
            if (sc_ensemble_use(fc, mask, &err) != SC_OK ||
                sc_forecaster_predict(fc, H, q, 2, f, qb, &err) != SC_OK) {
                sc_error_print(&err, stderr);
                return 1;
            }
            for (size_t j = 0; j < H; j++) {
                lo[j] = qb[2 * j];
                hi[j] = qb[2 * j + 1];
            }
            sc_m4_score_series(tr.y[i], tr.n[i], m, te.y[i], f, lo, hi, H, level,
                               &s);
            acc_add(drop < 0 ? &full : &abl[drop], &s);
        }
        sc_forecaster_free(fc);
        if (isatty(2))
            fprintf(stderr, "\r%zu/%zu", i + 1, tr.count);
    }
    double cpu = (double)clock() / CLOCKS_PER_SEC - t0;
    if (isatty(2))
        fprintf(stderr, "\n");
    double n2s = n2.smape / (double)n2.n, n2m = n2.mase / (double)n2.n_scaled;
    printf("series %zu, CPU %.1f s (ensemble fits + naive2 + ablation predictions)\n\n",
           tr.count, cpu);
    printf("mean weight per member and horizon band (0 where absent)\n");
    printf("%-14s %8s %8s %8s %8s\n", "member", "1-6", "7-24", "25-48", "series");
    for (size_t l = 0; l < nl; l++)
        printf("%-14s %8.3f %8.3f %8.3f %8zu\n", labels[l], wsum[l][0] / (double)tr.count,
               wsum[l][1] / (double)tr.count, wsum[l][2] / (double)tr.count, present[l]);
    printf("\nablation (sMAPE, MASE, OWA vs naive2 on these series, coverage, MSIS)\n");
    printf("%-16s %8s %8s %8s %8s %8s\n", "ensemble", "sMAPE", "MASE", "OWA", "cov", "MSIS");
    for (int l = -1; l < (int)nl; l++) {
        const acc *A = l < 0 ? &full : &abl[l];
        double sm = A->smape / (double)A->n, ma = A->mase / (double)A->n_scaled;
        char name[32];
        snprintf(name, sizeof name, "%s%s", l < 0 ? "all" : "without ",
                 l < 0 ? "" : labels[l]);
        printf("%-16s %8.3f %8.3f %8.3f %8.3f %8.3f\n", name, sm, ma,
               0.5 * (sm / n2s + ma / n2m), A->covered / A->points,
               A->msis / (double)A->n_scaled);
    }
    free(f);
    free(qb);
    free(lo);
    free(hi);
    sc_m4_set_cleanup(&tr);
    sc_m4_set_cleanup(&te);
    return 0;
}
