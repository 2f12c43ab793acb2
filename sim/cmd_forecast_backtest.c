/*
 * cmd_forecast_backtest.c - `sculpt forecast --backtest`: rolling-origin evaluation.
 *
 *   sculpt forecast --backtest STORE.h5 --model NAME [--series APP/PLACE/METRIC ...]
 *                   [--step 1h] [--horizons 1h,6h,24h] [--origins 8]
 *                   [--quantiles 0.5,0.9,0.95,0.99] [--period M] [--history D]
 *                   [--seed S] [--json]
 *
 * rolling-origin evaluation on a store (issue 3 item 7): every selected series (default
 * all) is resampled to --step with the peak rule (sc_resample, SC_RESAMPLE_MAX, bins on
 * the Unix epoch) and backtested by sc_backtest_series (sim/eval/backtest.c: N
 * origins tiling the last N*H steps, the model REFITTED at each origin on the data
 * before it, the period detected per series on the data before the first origin unless
 * --period is given; --history D fits on only the last D before each origin).  Prints
 * one row per horizon: sMAPE, MASE, pinball loss per quantile (divided by the MASE scale)
 * and the realised coverage of each quantile (the fraction of actuals at or below it),
 * averaged over origins and series.  --json prints the same as one JSON object (no
 * timings, so the bytes depend only on the input).
 * Bad input (missing store, unknown series, a series too short, a horizon that is not
 * a multiple of the step) exits 2 with the reason.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"
#include "sculpt/ensemble.h"
#include "sculpt/events.h"
#include "sculpt/forecast.h"
#include "sculpt/fsutil.h"
#include "sculpt/time.h"
#include "sculpt/tsdb.h"
#include "sculpt/wiv.h"
#include "sculpt/wpe.h"

#include "cmd_forecast.h"
#include "eval/eval.h"

/* ---- --backtest --------------------------------------------------------------------- */

static void backtest_usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt forecast --backtest STORE.h5 --model NAME\n"
            "                       [--series APP/PLACE/METRIC ...] [--step 1h]\n"
            "                       [--horizons 1h,6h,24h] [--origins N]\n"
            "                       [--quantiles 0.5,0.9,0.95,0.99] [--period M]\n"
            "                       [--history DURATION] [--seed S] [--json]\n"
            "\n"
            "Rolling-origin evaluation of one model on the series of a store, resampled\n"
            "to --step with the peak rule; the model is refitted at every origin.\n"
            "  --history D  fit on only the last D of data before each origin (default all)\n"
            "  --period M   seasonal period in steps (default: detected per series)\n");
}

#define BT_MAX_SERIES 256

typedef struct bt_args {
    const char *store, *model;
    const char *series[BT_MAX_SERIES];
    size_t nseries;
    int64_t step_ms;
    char horizon_text[256];
    char horizon_label[SC_BACKTEST_MAX_HORIZONS][32];
    size_t horizons[SC_BACKTEST_MAX_HORIZONS];
    size_t nh;
    double q[SC_BACKTEST_MAX_QUANTILES];
    size_t nq;
    long origins, period;
    size_t max_history;      /* steps; 0 = all */
    unsigned long long seed;
    int json;
} bt_args;

static int bt_parse_horizons(bt_args *a, const char *text, sc_error *err)
{
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    a->nh = 0;
    for (char *sp = NULL, *tok = strtok_r(buf, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
        int64_t ms;
        if (a->nh == SC_BACKTEST_MAX_HORIZONS) {
            sc_error_set(err, SC_ERR_USAGE, "--horizons", "at most %d horizons",
                         SC_BACKTEST_MAX_HORIZONS);
            return 0;
        }
        if (sc_duration_parse(tok, &ms) != SC_OK || ms <= 0 || ms % a->step_ms != 0) {
            sc_error_set(err, SC_ERR_USAGE, "--horizons",
                         "'%s' is not a positive duration that is a whole number of steps "
                         "(%lld ms)",
                         tok, (long long)a->step_ms);
            return 0;
        }
        snprintf(a->horizon_label[a->nh], sizeof a->horizon_label[0], "%s", tok);
        a->horizons[a->nh++] = (size_t)(ms / a->step_ms);
    }
    if (a->nh == 0) {
        sc_error_set(err, SC_ERR_USAGE, "--horizons", "expected a comma list of durations");
        return 0;
    }
    return 1;
}

static int bt_parse_quantiles(bt_args *a, const char *text, sc_error *err)
{
    return sc_cmd_forecast_parse_levels(text, a->q, SC_BACKTEST_MAX_QUANTILES, &a->nq, err);
}

/* Read, resample and backtest one series. */
static sc_status bt_one(sc_tsdb *db, const sc_series_key *key, const bt_args *a,
                        const sc_backtest_opts *opts, sc_backtest_acc *acc, int *period,
                        sc_error *err)
{
    char what[256];
    snprintf(what, sizeof what, "%s: %s/%s/%s", a->store, key->app, key->place, key->metric);
    sc_time_ms *t = NULL, *tr = NULL;
    double *v = NULL, *vr = NULL;
    size_t n = 0, nr = 0;
    sc_status st = sc_tsdb_read(db, key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, err);
    if (st == SC_OK && n == 0)
        st = sc_error_set(err, SC_ERR_EMPTY, what, "series has no samples");
    if (st == SC_OK)
        st = sc_resample(t, v, n, 0, a->step_ms, SC_RESAMPLE_MAX, &tr, &vr, &nr, err);
    if (st == SC_OK)
        st = sc_backtest_series(vr, nr, opts, what, acc, period, err);
    free(t);
    free(v);
    free(tr);
    free(vr);
    return st;
}

static void bt_print_row_json(const sc_backtest_row *r, const bt_args *a, size_t k)
{
    printf("%s\n    {\"horizon\": \"%s\", \"steps\": %zu, \"points\": %zu, \"smape\": ",
           k ? "," : "", a->horizon_label[k], r->horizon, r->points);
    sc_cmd_forecast_print_num(r->smape);
    printf(", \"mase\": ");
    sc_cmd_forecast_print_num(r->mase);
    printf(", \"pinball\": {");
    for (size_t j = 0; j < a->nq; j++) {
        printf("%s\"%g\": ", j ? ", " : "", a->q[j]);
        sc_cmd_forecast_print_num(r->pinball[j]);
    }
    printf("}, \"coverage\": {");
    for (size_t j = 0; j < a->nq; j++) {
        printf("%s\"%g\": ", j ? ", " : "", a->q[j]);
        sc_cmd_forecast_print_num(r->coverage[j]);
    }
    printf("}}");
}

static int bt_run(const bt_args *a)
{
    sc_error err;
    sc_error_clear(&err);
    if (access(a->store, R_OK) != 0) {
        sc_error_set(&err, SC_ERR_INPUT, a->store, "no such store (or it is unreadable)");
        return sc_cli_fail(&err);
    }
    const sc_forecaster_type *type;
    if (sc_forecaster_type_find(a->model, &type, &err) != SC_OK)
        return sc_cli_fail(&err);
    sc_tsdb *db = NULL;
    if (sc_tsdb_open(a->store, SC_TSDB_READ, &db, &err) != SC_OK)
        return sc_cli_fail(&err);
    sc_series_info *list = NULL;
    size_t nlist = 0;
    sc_status st = SC_OK;
    char keybuf[BT_MAX_SERIES][256];
    sc_series_key keys[BT_MAX_SERIES];
    size_t nkeys = 0;
    if (a->nseries) {
        for (size_t i = 0; i < a->nseries && st == SC_OK; i++) {
            if (!sc_cmd_forecast_split_key(a->series[i], keybuf[i], sizeof keybuf[i], &keys[i]))
                st = sc_error_set(&err, SC_ERR_USAGE, "--series",
                                  "'%s': expected APP/PLACE/METRIC", a->series[i]);
            else if (!sc_tsdb_has(db, &keys[i]))
                st = sc_error_set(&err, SC_ERR_NOTFOUND, a->store,
                                  "no series %s in the store (see sculpt trace info)",
                                  a->series[i]);
            nkeys = i + 1;
        }
    } else {
        st = sc_tsdb_list(db, &list, &nlist, &err);
        if (st == SC_OK && nlist == 0)
            st = sc_error_set(&err, SC_ERR_EMPTY, a->store, "the store has no series");
        for (size_t i = 0; st == SC_OK && i < nlist && nkeys < BT_MAX_SERIES; i++)
            keys[nkeys++] = (sc_series_key){list[i].app, list[i].place, list[i].metric};
        if (st == SC_OK && nlist > BT_MAX_SERIES)
            st = sc_error_set(&err, SC_ERR_RANGE, a->store,
                              "%zu series; at most %d at once (use --series)", nlist,
                              BT_MAX_SERIES);
    }
    sc_backtest_opts opts = {
        .model = a->model,
        .origins = (size_t)a->origins,
        .horizons = a->horizons,
        .nh = a->nh,
        .q = a->q,
        .nq = a->nq,
        .period = (int)a->period,
        .max_period = 0,
        .seed = a->seed,
        .max_history = a->max_history,
    };
    sc_backtest_acc acc;
    if (st == SC_OK)
        st = sc_backtest_acc_init(&acc, &opts, &err);
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    int periods[BT_MAX_SERIES];
    for (size_t i = 0; st == SC_OK && i < nkeys; i++) {
        if (sc_cli_is_tty() && !a->json)
            fprintf(stderr, "\r%s: series %zu/%zu", a->model, i + 1, nkeys);
        st = bt_one(db, &keys[i], a, &opts, &acc, &periods[i], &err);
    }
    if (sc_cli_is_tty() && !a->json)
        fprintf(stderr, "\r%40s\r", "");
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double secs = (double)(t1.tv_sec - t0.tv_sec) + 1e-9 * (double)(t1.tv_nsec - t0.tv_nsec);
    int rc = 0;
    if (st != SC_OK) {
        rc = sc_cli_fail(&err);
    } else if (a->json) {
        printf("{\"store\": ");
        sc_cmd_forecast_print_json_string(a->store);
        printf(", \"model\": ");
        sc_cmd_forecast_print_json_string(a->model);
        printf(", \"step_ms\": %lld, \"origins\": %ld, \"series\": %zu, \"fits\": %zu, "
               "\"periods\": [",
               (long long)a->step_ms, a->origins, acc.series, acc.fits);
        for (size_t i = 0; i < nkeys; i++)
            printf("%s%d", i ? ", " : "", periods[i]);
        printf("], \"quantiles\": [");
        for (size_t j = 0; j < a->nq; j++)
            printf("%s%g", j ? ", " : "", a->q[j]);
        printf("], \"horizons\": [");
        for (size_t k = 0; k < acc.nh; k++) {
            sc_backtest_row r;
            sc_backtest_acc_row(&acc, k, &r);
            bt_print_row_json(&r, a, k);
        }
        printf("\n]}\n");
    } else {
        printf("model %s, %zu series, step %lld ms, %ld origins (refit at each), periods",
               a->model, acc.series, (long long)a->step_ms, a->origins);
        for (size_t i = 0; i < nkeys; i++)
            printf("%s%d", i ? "," : " ", periods[i]);
        printf("\n%-8s %6s %8s %8s", "horizon", "points", "sMAPE", "MASE");
        for (size_t j = 0; j < a->nq; j++) {
            char h[32];
            snprintf(h, sizeof h, "pin%g", a->q[j]);
            printf(" %8s", h);
        }
        for (size_t j = 0; j < a->nq; j++) {
            char h[32];
            snprintf(h, sizeof h, "cov%g", a->q[j]);
            printf(" %8s", h);
        }
        printf("\n");
        for (size_t k = 0; k < acc.nh; k++) {
            sc_backtest_row r;
            sc_backtest_acc_row(&acc, k, &r);
            printf("%-8s %6zu ", a->horizon_label[k], r.points);
            sc_cmd_forecast_print_text_num(r.smape);
            printf(" ");
            sc_cmd_forecast_print_text_num(r.mase);
            for (size_t j = 0; j < a->nq; j++) {
                printf(" ");
                sc_cmd_forecast_print_text_num(r.pinball[j]);
            }
            for (size_t j = 0; j < a->nq; j++) {
                printf(" ");
                sc_cmd_forecast_print_text_num(r.coverage[j]);
            }
            printf("\n");
        }
        fprintf(stderr, "sculpt: note: backtest of %s took %.2f s (%zu fits)\n", a->model,
                secs, acc.fits);
    }
    free(list);
    sc_error close_err;
    sc_tsdb_close(db, &close_err);
    return rc;
}

int sc_cmd_forecast_backtest(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"backtest", required_argument, NULL, 'b'}, {"model", required_argument, NULL, 'm'},
        {"series", required_argument, NULL, 'S'},   {"step", required_argument, NULL, 't'},
        {"horizons", required_argument, NULL, 'H'}, {"origins", required_argument, NULL, 'n'},
        {"quantiles", required_argument, NULL, 'q'}, {"period", required_argument, NULL, 'p'},
        {"seed", required_argument, NULL, 's'},     {"json", no_argument, NULL, 'j'},
        {"history", required_argument, NULL, 'W'},  {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    sc_error err;
    sc_error_clear(&err);
    bt_args a;
    memset(&a, 0, sizeof a);
    a.step_ms = 3600000;
    a.origins = 8;
    a.seed = 1;
    const char *horizons = "1h,6h,24h", *quantiles = "0.5,0.9,0.95,0.99", *history = NULL;
    int c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'b':
            a.store = optarg;
            break;
        case 'm':
            a.model = optarg;
            break;
        case 'S':
            if (a.nseries == BT_MAX_SERIES) {
                sc_error_set(&err, SC_ERR_USAGE, "--series", "at most %d series",
                             BT_MAX_SERIES);
                return sc_cli_fail(&err);
            }
            a.series[a.nseries++] = optarg;
            /* Further words up to the next option are more series. */
            while (optind < argc && argv[optind][0] != '-' && a.nseries < BT_MAX_SERIES)
                a.series[a.nseries++] = argv[optind++];
            break;
        case 't':
            if (sc_duration_parse(optarg, &a.step_ms) != SC_OK || a.step_ms <= 0)
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--step",
                                               "expected a positive duration (5m, 1h)"});
            break;
        case 'H':
            horizons = optarg;
            break;
        case 'n':
            if (!sc_cmd_forecast_parse_size(optarg, 1, 10000, &a.origins))
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--origins",
                                               "expected an integer in [1, 10000]"});
            break;
        case 'q':
            quantiles = optarg;
            break;
        case 'p':
            if (!sc_cmd_forecast_parse_size(optarg, 1, SC_FORECAST_MAX_PERIOD, &a.period)) {
                sc_error_set(&err, SC_ERR_USAGE, "--period", "expected an integer in [1, %d]",
                             SC_FORECAST_MAX_PERIOD);
                return sc_cli_fail(&err);
            }
            break;
        case 's': {
            char *end;
            a.seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end)
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--seed",
                                               "expected a non-negative integer"});
            break;
        }
        case 'j':
            a.json = 1;
            break;
        case 'W':
            history = optarg;
            break;
        case 'h':
            backtest_usage(stdout);
            return 0;
        default:
            sc_error_set(&err, SC_ERR_USAGE, "forecast --backtest",
                         "unknown or incomplete option '%s'", argv[optind - 1]);
            backtest_usage(stderr);
            return sc_cli_fail(&err);
        }
    }
    if (!a.store || !a.model) {
        sc_error_set(&err, SC_ERR_USAGE, "--backtest",
                     "expected --backtest STORE.h5 --model NAME");
        backtest_usage(stderr);
        return sc_cli_fail(&err);
    }
    if (!bt_parse_horizons(&a, horizons, &err) || !bt_parse_quantiles(&a, quantiles, &err))
        return sc_cli_fail(&err);
    if (history) {
        int64_t ms;
        if (sc_duration_parse(history, &ms) != SC_OK || ms <= 0 || ms % a.step_ms != 0) {
            sc_error_set(&err, SC_ERR_USAGE, "--history",
                         "'%s' is not a positive duration that is a whole number of steps",
                         history);
            return sc_cli_fail(&err);
        }
        a.max_history = (size_t)(ms / a.step_ms);
    }
    return bt_run(&a);
}
