/*
 * cmd_forecast.c - `sculpt forecast`: fit, predict and evaluate forecasters.
 *
 *   sculpt forecast --eval TRAIN.csv TEST.csv --model NAME[,NAME...] --horizon H
 *                   --period M [--level 95] [--seed S] [--json] [--save FILE]
 *
 * reads M4-layout files (a header row, then "id",v1,v2,... per series), forecasts every
 * training series with each model (core/forecast, sc_m4_eval) and prints sMAPE, MASE,
 * OWA (relative to naive2 on the same data), the central interval's coverage and MSIS,
 * and the wall time of fitting and forecasting.  --json prints one JSON object with keys
 * model, smape, mase, owa, coverage95, msis, seconds, series (an array of such objects
 * when several models are given; the coverage key carries the level, e.g. coverage80).
 * --save writes the forecasts and interval bounds in M4 layout (rows id, id-loL, id-hiL),
 * atomically, before the test file's values are looked at.  A value that is undefined
 * (MASE of a constant series set) prints as n/a, or null in JSON.
 *
 *   sculpt forecast --backtest STORE.h5 --model NAME [--series APP/PLACE/METRIC ...]
 *                   [--step 1h] [--horizons 1h,6h,24h] [--origins 8]
 *                   [--quantiles 0.5,0.9,0.95,0.99] [--period M] [--history D]
 *                   [--seed S] [--json]
 *
 * rolling-origin evaluation on a store (issue 3 item 7): every selected series (default
 * all) is resampled to --step with the peak rule (sc_resample, SC_RESAMPLE_MAX, bins on
 * the Unix epoch) and backtested by sc_backtest_series (core/forecast/backtest.c: N
 * origins tiling the last N*H steps, the model REFITTED at each origin on the data
 * before it, the period detected per series on the data before the first origin unless
 * --period is given; --history D fits on only the last D before each origin).  Prints
 * one row per horizon: sMAPE, MASE, pinball loss per quantile (divided by the MASE scale)
 * and the realised coverage of each quantile (the fraction of actuals at or below it),
 * averaged over origins and series.  --json prints the same as one JSON object (no timings, so the bytes depend only on the input).
 * Bad input (missing store, unknown series, a series too short, a horizon that is not
 * a multiple of the step) exits 2 with the reason.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "import.h"
#include "sculpt/forecast.h"
#include "sculpt/tsdb.h"

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt forecast --eval TRAIN.csv TEST.csv --model NAME[,NAME...]\n"
            "                       --horizon H --period M [--level L] [--seed S]\n"
            "                       [--json] [--save FILE]\n"
            "       sculpt forecast --backtest STORE.h5 --model NAME ... (see --backtest --help)\n"
            "\n"
            "Fit each model to every training series of an M4-layout file, forecast H\n"
            "steps and score against TEST.csv the way M4 does.\n"
            "\n"
            "  --eval TRAIN TEST  M4-layout files: header row, then \"id\",v1,v2,...\n"
            "  --model LIST       models (naive, snaive, naive2, ets, auto); default snaive\n"
            "  --horizon H        forecast horizon in steps (required)\n"
            "  --period M         scoring period: MASE scale, snaive, naive2 (default 1)\n"
            "  --level L          central prediction interval in percent (default 95)\n"
            "  --seed S           seed of simulated intervals (default 1)\n"
            "  --json             print a JSON object (keys smape, mase, owa, coverage95,\n"
            "                     msis, seconds, series)\n"
            "  --save FILE        write forecasts and bounds in M4 layout (one model only)\n"
            "  -h, --help         this help\n");
}

/* A JSON number with 6 decimals, or null when undefined. */
static void print_num(double v)
{
    if (isfinite(v))
        printf("%.6f", v);
    else
        printf("null");
}

/* A table cell with 3 decimals, or n/a when undefined. */
static void print_text_num(double v)
{
    if (isfinite(v))
        printf("%8.3f", v);
    else
        printf("%8s", "n/a");
}

static int parse_size(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

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
    char buf[256];
    snprintf(buf, sizeof buf, "%s", text);
    a->nq = 0;
    for (char *sp = NULL, *tok = strtok_r(buf, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
        char *end;
        double v = strtod(tok, &end);
        if (*end || !(v > 0.0 && v < 1.0) || a->nq == SC_BACKTEST_MAX_QUANTILES) {
            sc_error_set(err, SC_ERR_USAGE, "--quantiles",
                         "'%s': expected at most %d levels in (0, 1)", tok,
                         SC_BACKTEST_MAX_QUANTILES);
            return 0;
        }
        a->q[a->nq++] = v;
    }
    return 1;
}

/* Split "app/place/metric" into buf; 1 when it has exactly three valid parts. */
static int bt_split_key(const char *text, char *buf, size_t cap, sc_series_key *key)
{
    snprintf(buf, cap, "%s", text);
    char *p1 = strchr(buf, '/');
    char *p2 = p1 ? strchr(p1 + 1, '/') : NULL;
    if (!p1 || !p2 || strchr(p2 + 1, '/'))
        return 0;
    *p1 = *p2 = '\0';
    key->app = buf;
    key->place = p1 + 1;
    key->metric = p2 + 1;
    return sc_tsdb_name_valid(key->app) && sc_tsdb_name_valid(key->place) &&
           sc_tsdb_name_valid(key->metric);
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

/* A JSON string literal (quotes, backslashes and control characters escaped). */
static void bt_print_json_string(const char *s)
{
    putchar('"');
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if (*p == '"' || *p == '\\')
            printf("\\%c", *p);
        else if (*p < 0x20)
            printf("\\u%04x", *p);
        else
            putchar(*p);
    }
    putchar('"');
}

static void bt_print_row_json(const sc_backtest_row *r, const bt_args *a, size_t k)
{
    printf("%s\n    {\"horizon\": \"%s\", \"steps\": %zu, \"points\": %zu, \"smape\": ",
           k ? "," : "", a->horizon_label[k], r->horizon, r->points);
    print_num(r->smape);
    printf(", \"mase\": ");
    print_num(r->mase);
    printf(", \"pinball\": {");
    for (size_t j = 0; j < a->nq; j++) {
        printf("%s\"%g\": ", j ? ", " : "", a->q[j]);
        print_num(r->pinball[j]);
    }
    printf("}, \"coverage\": {");
    for (size_t j = 0; j < a->nq; j++) {
        printf("%s\"%g\": ", j ? ", " : "", a->q[j]);
        print_num(r->coverage[j]);
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
            if (!bt_split_key(a->series[i], keybuf[i], sizeof keybuf[i], &keys[i]))
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
        bt_print_json_string(a->store);
        printf(", \"model\": ");
        bt_print_json_string(a->model);
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
            print_text_num(r.smape);
            printf(" ");
            print_text_num(r.mase);
            for (size_t j = 0; j < a->nq; j++) {
                printf(" ");
                print_text_num(r.pinball[j]);
            }
            for (size_t j = 0; j < a->nq; j++) {
                printf(" ");
                print_text_num(r.coverage[j]);
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

static int bt_main(int argc, char **argv)
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
            if (!parse_size(optarg, 1, 10000, &a.origins))
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--origins",
                                               "expected an integer in [1, 10000]"});
            break;
        case 'q':
            quantiles = optarg;
            break;
        case 'p':
            if (!parse_size(optarg, 1, SC_FORECAST_MAX_PERIOD, &a.period)) {
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

int sc_cmd_forecast(int argc, char **argv)
{
    for (int i = 1; i < argc; i++)
        if (strcmp(argv[i], "--backtest") == 0 || strncmp(argv[i], "--backtest=", 11) == 0)
            return bt_main(argc, argv);
    static const struct option longopts[] = {
        {"eval", required_argument, NULL, 'e'},  {"model", required_argument, NULL, 'm'},
        {"horizon", required_argument, NULL, 'H'}, {"period", required_argument, NULL, 'p'},
        {"level", required_argument, NULL, 'l'}, {"seed", required_argument, NULL, 's'},
        {"json", no_argument, NULL, 'j'},        {"save", required_argument, NULL, 'o'},
        {"help", no_argument, NULL, 'h'},        {NULL, 0, NULL, 0},
    };
    sc_error err;
    sc_error_clear(&err);
    const char *train_path = NULL, *test_path = NULL, *models = "snaive", *save = NULL;
    long horizon = 0, period = 1;
    double level = 95.0;
    unsigned long long seed = 1;
    int json = 0, c;
    optind = 1;
    opterr = 0;
    while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
        switch (c) {
        case 'e':
            train_path = optarg;
            if (optind < argc && argv[optind][0] != '-')
                test_path = argv[optind++];
            break;
        case 'm':
            models = optarg;
            break;
        case 'H':
            if (!parse_size(optarg, 1, 100000, &horizon))
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--horizon",
                                               "expected an integer in [1, 100000]"});
            break;
        case 'p':
            if (!parse_size(optarg, 1, SC_FORECAST_MAX_PERIOD, &period)) {
                sc_error_set(&err, SC_ERR_USAGE, "--period", "expected an integer in [1, %d]",
                             SC_FORECAST_MAX_PERIOD);
                return sc_cli_fail(&err);
            }
            break;
        case 'l': {
            char *end;
            level = strtod(optarg, &end);
            if (*end || !(level > 0.0 && level < 100.0))
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--level",
                                               "expected a percentage in (0, 100)"});
            break;
        }
        case 's': {
            char *end;
            seed = strtoull(optarg, &end, 10);
            if (!*optarg || *end)
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--seed",
                                               "expected a non-negative integer"});
            break;
        }
        case 'j':
            json = 1;
            break;
        case 'o':
            save = optarg;
            break;
        case 'h':
            usage(stdout);
            return 0;
        default:
            sc_error_set(&err, SC_ERR_USAGE, "forecast", "unknown or incomplete option '%s'",
                         argv[optind - 1]);
            usage(stderr);
            return sc_cli_fail(&err);
        }
    }
    if (!train_path || !test_path) {
        sc_error_set(&err, SC_ERR_USAGE, "--eval", "expected --eval TRAIN.csv TEST.csv");
        usage(stderr);
        return sc_cli_fail(&err);
    }
    if (horizon <= 0)
        return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--horizon", "--horizon H is required"});

    /* Split the model list; check every name before any work. */
    char list[512];
    snprintf(list, sizeof list, "%s", models);
    const char *names[16];
    size_t nm = 0;
    for (char *save_ptr = NULL, *tok = strtok_r(list, ",", &save_ptr); tok && nm < 16;
         tok = strtok_r(NULL, ",", &save_ptr))
        names[nm++] = tok;
    if (nm == 0)
        return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--model", "no model given"});
    for (size_t i = 0; i < nm; i++) {
        const sc_forecaster_type *t;
        if (strcmp(names[i], "auto") != 0 &&
            sc_forecaster_type_find(names[i], &t, &err) != SC_OK)
            return sc_cli_fail(&err);
    }
    if (save && nm > 1)
        return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--save",
                                       "--save takes exactly one model"});

    sc_m4_set train, test;
    sc_status st = sc_m4_set_read(train_path, &train, &err);
    if (st != SC_OK)
        return sc_cli_fail(&err);
    st = sc_m4_set_read(test_path, &test, &err);
    if (st != SC_OK) {
        sc_m4_set_cleanup(&train);
        return sc_cli_fail(&err);
    }
    int rc = 0;
    if (json && nm > 1)
        printf("[");
    else if (!json)
        printf("%-8s %8s %8s %8s %8s %8s %9s %7s\n", "model", "sMAPE", "MASE", "OWA",
               "cov", "MSIS", "seconds", "series");
    for (size_t i = 0; i < nm; i++) {
        sc_m4_eval_opts opts = {
            .model = names[i],
            .horizon = (size_t)horizon,
            .period = (int)period,
            .level = level,
            .seed = seed,
            .progress = sc_cli_is_tty(),
            .save_path = save,
            .cfg = NULL,
        };
        sc_m4_eval_result r;
        st = sc_m4_eval(&train, &test, &opts, &r, &err);
        if (st != SC_OK) {
            if (json && nm > 1)
                printf("]\n");
            rc = sc_cli_fail(&err);
            break;
        }
        if (json) {
            printf("%s{\"model\": \"%s\", \"smape\": ", i ? ", " : "", names[i]);
            print_num(r.smape);
            printf(", \"mase\": ");
            print_num(r.mase);
            printf(", \"owa\": ");
            print_num(r.owa);
            printf(", \"coverage%g\": ", level);
            print_num(r.coverage);
            printf(", \"msis\": ");
            print_num(r.msis);
            printf(", \"seconds\": %.3f, \"series\": %zu, \"series_unscaled\": %zu, "
                   "\"fallbacks\": %zu}",
                   r.seconds, r.series, r.series_unscaled, r.fallbacks);
            if (nm == 1)
                printf("\n");
        } else {
            printf("%-8s ", names[i]);
            print_text_num(r.smape);
            printf(" ");
            print_text_num(r.mase);
            printf(" ");
            print_text_num(r.owa);
            printf(" ");
            print_text_num(r.coverage);
            printf(" ");
            print_text_num(r.msis);
            printf(" %9.3f %7zu\n", r.seconds, r.series);
            if (r.fallbacks)
                fprintf(stderr, "sculpt: note: %s: %zu series answered by a fallback model\n",
                        names[i], r.fallbacks);
            if (r.series_unscaled)
                fprintf(stderr,
                        "sculpt: note: %zu series with a zero MASE scale left out of MASE "
                        "and MSIS\n",
                        r.series_unscaled);
        }
        fflush(stdout);
    }
    if (rc == 0 && json && nm > 1)
        printf("]\n");
    sc_m4_set_cleanup(&train);
    sc_m4_set_cleanup(&test);
    return rc;
}
