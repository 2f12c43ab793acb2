/*
 * cmd_forecast_eval.c - `sculpt forecast --eval`: M4-style scoring of forecasters.
 *
 *   sculpt forecast --eval TRAIN.csv TEST.csv --model NAME[,NAME...] --horizon H
 *                   --period M [--level 95] [--seed S] [--json] [--save FILE]
 *
 * reads M4-layout files (a header row, then "id",v1,v2,... per series), forecasts every
 * training series with each model (the evaluation layer, sim/eval/eval.h: sc_m4_eval)
 * and prints sMAPE, MASE,
 * OWA (relative to naive2 on the same data), the central interval's coverage and MSIS,
 * and the wall time of fitting and forecasting.  --json prints one JSON object with keys
 * model, smape, mase, owa, coverage95, msis, seconds, series (an array of such objects
 * when several models are given; the coverage key carries the level, e.g. coverage80).
 * --save writes the forecasts and interval bounds in M4 layout (rows id, id-loL, id-hiL),
 * atomically, before the test file's values are looked at.  A value that is undefined
 * (MASE of a constant series set) prints as n/a, or null in JSON.
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

static void usage(FILE *fp)
{
    fprintf(fp,
            "usage: sculpt forecast --eval TRAIN.csv TEST.csv --model NAME[,NAME...]\n"
            "                       --horizon H --period M [--level L] [--seed S]\n"
            "                       [--json] [--save FILE]\n"
            "       sculpt forecast --backtest STORE.h5 --model NAME ... (see --backtest --help)\n"
            "       sculpt forecast STORE.h5|TRACE.csv ... (fit and predict; see --help)\n"
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

/* Progress of sc_m4_eval on stderr (a terminal): a counter line rewritten in place,
 * notes on lines of their own. */
static void eval_progress(void *ctx, const char *model, size_t done, size_t total,
                          const char *note)
{
    (void)ctx;
    if (note)
        fprintf(stderr, "%s: %s\n", model, note);
    else
        fprintf(stderr, "\r%s: %zu/%zu series%s", model, done, total, done == total ? "\n" : "");
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

/* Before any model runs: each id once in TRAIN, and TEST has the same series in the same
 * order; errors name the file and the series' row (issue 13: duplicate ids were
 * accepted, and a mismatch named "TEST" instead of the file). */
static sc_status check_pair(const sc_m4_set *train, const char *train_path,
                            const sc_m4_set *test, const char *test_path, sc_error *err)
{
    if (test->count != train->count)
        return sc_error_set(err, SC_ERR_INPUT, test_path,
                            "%zu series, but %s has %zu; TEST needs one row per TRAIN series",
                            test->count, train_path, train->count);
    for (size_t i = 0; i < test->count; i++)
        if (strcmp(train->ids[i], test->ids[i]) != 0) {
            char where[4200];
            snprintf(where, sizeof where, "%s: series %zu", test_path, i + 1);
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "id '%.200s' does not match '%.200s' of %s (same order needed)",
                                test->ids[i], train->ids[i], train_path);
        }
    if (train->count < 2)
        return SC_OK;
    char ***ids = malloc(train->count * sizeof *ids);
    if (!ids)
        return sc_error_set(err, SC_ERR_NOMEM, train_path, "out of memory checking ids");
    for (size_t i = 0; i < train->count; i++)
        ids[i] = &train->ids[i];
    qsort(ids, train->count, sizeof *ids, cmp_id);
    sc_status st = SC_OK;
    for (size_t i = 1; i < train->count && st == SC_OK; i++)
        if (strcmp(*ids[i], *ids[i - 1]) == 0) {
            size_t a = (size_t)(ids[i - 1] - train->ids), b = (size_t)(ids[i] - train->ids);
            char where[4200];
            snprintf(where, sizeof where, "%s: series %zu", train_path, (a > b ? a : b) + 1);
            st = sc_error_set(err, SC_ERR_INPUT, where,
                              "duplicate id '%.200s' (also series %zu); each id once",
                              *ids[i], (a < b ? a : b) + 1);
        }
    free(ids);
    return st;
}

int sc_cmd_forecast_eval(int argc, char **argv)
{
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
            if (!sc_cmd_forecast_parse_size(optarg, 1, 100000, &horizon))
                return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--horizon",
                                               "expected an integer in [1, 100000]"});
            break;
        case 'p':
            if (!sc_cmd_forecast_parse_size(optarg, 1, SC_FORECAST_MAX_PERIOD, &period)) {
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
        if (strcmp(names[i], "auto") != 0 && strcmp(names[i], "ensemble+lstm") != 0 &&
            strcmp(names[i], "ensemble+lstm2") != 0 &&
            sc_forecaster_type_find(names[i], &t, &err) != SC_OK)
            return sc_cli_fail(&err);
    }
    if (save && nm > 1)
        return sc_cli_fail(&(sc_error){SC_ERR_USAGE, "--save",
                                       "--save takes exactly one model"});

    if (save) {
        /* --save may not overwrite TRAIN or TEST (file identity, links resolved) */
        const char *ins[2] = {train_path, test_path};
        if (sc_output_check(save, ins, 2, &err))
            return sc_cli_fail(&err);
    }
    sc_m4_set train, test;
    sc_status st = sc_m4_set_read(train_path, &train, &err);
    if (st != SC_OK)
        return sc_cli_fail(&err);
    st = sc_m4_set_read(test_path, &test, &err);
    if (st == SC_OK)
        st = check_pair(&train, train_path, &test, test_path, &err);
    if (st != SC_OK) {
        sc_m4_set_cleanup(&train);
        sc_m4_set_cleanup(&test);
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
            .progress = sc_cli_is_tty() ? eval_progress : NULL,
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
            sc_cmd_forecast_print_num(r.smape);
            printf(", \"mase\": ");
            sc_cmd_forecast_print_num(r.mase);
            printf(", \"owa\": ");
            sc_cmd_forecast_print_num(r.owa);
            printf(", \"coverage%g\": ", level);
            sc_cmd_forecast_print_num(r.coverage);
            printf(", \"msis\": ");
            sc_cmd_forecast_print_num(r.msis);
            printf(", \"seconds\": %.3f, \"series\": %zu, \"series_unscaled\": %zu, "
                   "\"fallbacks\": %zu}",
                   r.seconds, r.series, r.series_unscaled, r.fallbacks);
            if (nm == 1)
                printf("\n");
        } else {
            printf("%-8s ", names[i]);
            sc_cmd_forecast_print_text_num(r.smape);
            printf(" ");
            sc_cmd_forecast_print_text_num(r.mase);
            printf(" ");
            sc_cmd_forecast_print_text_num(r.owa);
            printf(" ");
            sc_cmd_forecast_print_text_num(r.coverage);
            printf(" ");
            sc_cmd_forecast_print_text_num(r.msis);
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
