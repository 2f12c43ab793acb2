/*
 * update.c - micro-benchmark of sc_forecaster_update: updates per second on one core
 * for each model (issue 3 target: at least 10^6 per second per core).
 *
 * Each model is fitted once to 960 points of a synthetic hourly series (daily cycle,
 * trend, deterministic noise), then absorbs N further observations one at a time through
 * the public wrapper, as a long simulation does between refits.  A checksum of the final
 * one-step forecasts keeps the compiler from discarding the loop.  Usage:
 *     bench_forecast_update [N]        (default 10^7 updates per model)
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "sculpt/forecast.h"

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double series(size_t t)
{
    double noise = (double)((t * 2654435761u) % 1000) / 1000.0 - 0.5;
    return 100.0 + 0.01 * (double)t + 30.0 * sin(2.0 * 3.14159265358979 * (double)t / 24.0) +
           5.0 * noise;
}

int main(int argc, char **argv)
{
    gsl_set_error_handler_off();
    long n_upd = argc > 1 ? atol(argv[1]) : 10000000L;
    if (n_upd <= 0)
        n_upd = 10000000L;
    enum { NFIT = 960 };
    double y[NFIT];
    for (size_t t = 0; t < NFIT; t++)
        y[t] = series(t);
    /* pre-computed observations so the loop times update() only */
    enum { RING = 4096 };
    double *obs = malloc(RING * sizeof *obs);
    if (!obs)
        return 1;
    for (size_t i = 0; i < RING; i++)
        obs[i] = series(NFIT + i);
    const char *models[] = {"naive", "snaive", "naive2", "ets", "arima", "harmonic"};
    printf("%-8s %-6s %14s %10s\n", "model", "spec", "updates/s", "seconds");
    for (size_t k = 0; k < sizeof models / sizeof models[0]; k++) {
        sc_forecast_config cfg;
        sc_forecast_config_init(&cfg);
        cfg.period = 24;
        sc_forecaster *fc;
        sc_error err;
        if (sc_forecaster_alloc(models[k], &cfg, &fc, &err) != SC_OK ||
            sc_forecaster_fit(fc, y, NFIT, NULL, &err) != SC_OK) {
            sc_error_print(&err, stderr);
            return 1;
        }
        char spec[16] = "-";
        sc_ets_info info;
        if (sc_ets_info_get(fc, &info, NULL) == SC_OK)
            snprintf(spec, sizeof spec, "%c%c%s%c", info.model.error, info.model.trend,
                     info.model.damped ? "d" : "", info.model.season);
        double t0 = now();
        for (long i = 0; i < n_upd; i++)
            sc_forecaster_update(fc, obs[(size_t)i & (RING - 1)]);
        double dt = now() - t0;
        double mean[1];
        sc_forecaster_predict(fc, 1, NULL, 0, mean, NULL, &err);
        printf("%-8s %-6s %14.3e %10.3f   (check %.3f)\n", models[k], spec,
               (double)n_upd / dt, dt, mean[0]);
        sc_forecaster_free(fc);
    }
    free(obs);
    return 0;
}
