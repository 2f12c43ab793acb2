/*
 * cmd_forecast.c - `sculpt forecast`: the dispatcher of its three modes, one file each:
 *
 *   sculpt forecast STORE.h5|TRACE.csv ...      fit and predict the Workload Intensity
 *                                               Vector through the prediction engine
 *                                               (cmd_forecast_fit.c)
 *   sculpt forecast --eval TRAIN.csv TEST.csv   M4-style scoring (cmd_forecast_eval.c,
 *                                               on the evaluation layer sim/eval/)
 *   sculpt forecast --backtest STORE.h5 ...     rolling-origin backtests
 *                                               (cmd_forecast_backtest.c)
 *
 * --backtest anywhere selects the backtest, else --eval the evaluation, else the plain
 * mode; each parses its own options.  The small number printers the modes share live
 * here (cmd_forecast.h).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "cmd_forecast.h"
#include "sculpt/status.h"
#include "sculpt/tsdb.h"

/* A JSON number with 6 decimals, or null when undefined. */
void sc_cmd_forecast_print_num(double v)
{
    if (isfinite(v))
        printf("%.6f", v);
    else
        printf("null");
}

/* A table cell with 3 decimals, or n/a when undefined. */
void sc_cmd_forecast_print_text_num(double v)
{
    if (isfinite(v))
        printf("%8.3f", v);
    else
        printf("%8s", "n/a");
}

int sc_cmd_forecast_parse_size(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (!*s || *end || v < lo || v > hi)
        return 0;
    *out = v;
    return 1;
}

/* Split "app/place/metric" into buf; 1 when it has exactly three valid parts. */
int sc_cmd_forecast_split_key(const char *text, char *buf, size_t cap, sc_series_key *key)
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

/* A JSON string literal (quotes, backslashes and control characters escaped). */
void sc_cmd_forecast_print_json_string(const char *s)
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

int sc_cmd_forecast(int argc, char **argv)
{
    int eval = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--help-model") == 0)
            return sc_cmd_help_model(i + 1 < argc && argv[i + 1][0] != '-' ? argv[i + 1] : NULL,
                                     stdout);
        if (strncmp(argv[i], "--help-model=", 13) == 0)
            return sc_cmd_help_model(argv[i] + 13, stdout);
        if (strcmp(argv[i], "--backtest") == 0 || strncmp(argv[i], "--backtest=", 11) == 0)
            return sc_cmd_forecast_backtest(argc, argv);
        if (strcmp(argv[i], "--eval") == 0 || strncmp(argv[i], "--eval=", 7) == 0)
            eval = 1;
    }
    return eval ? sc_cmd_forecast_eval(argc, argv) : sc_cmd_forecast_fit(argc, argv);
}

static int cmp_double_asc(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return (a > b) - (a < b);
}

/* "0.5,0.9,...": at most max distinct levels strictly between 0 and 1, sorted ascending. */
int sc_cmd_forecast_parse_levels(const char *text, double *q, size_t max, size_t *nq,
                                 sc_error *err)
{
    char buf[512];
    snprintf(buf, sizeof buf, "%s", text);
    *nq = 0;
    for (char *sp = NULL, *tok = strtok_r(buf, ",", &sp); tok; tok = strtok_r(NULL, ",", &sp)) {
        char *end;
        double v = strtod(tok, &end);
        if (end == tok || *end || !(v > 0.0 && v < 1.0)) {
            sc_error_set(err, SC_ERR_USAGE, "--quantiles",
                         "'%s': expected a level strictly between 0 and 1", tok);
            return 0;
        }
        if (*nq == max) {
            sc_error_set(err, SC_ERR_USAGE, "--quantiles", "at most %zu levels", max);
            return 0;
        }
        q[(*nq)++] = v;
    }
    if (*nq == 0) {
        sc_error_set(err, SC_ERR_USAGE, "--quantiles", "expected a comma list of levels");
        return 0;
    }
    qsort(q, *nq, sizeof q[0], cmp_double_asc);
    for (size_t k = 1; k < *nq; k++)
        if (q[k] == q[k - 1]) {
            sc_error_set(err, SC_ERR_USAGE, "--quantiles", "level %g given twice", q[k]);
            return 0;
        }
    return 1;
}
