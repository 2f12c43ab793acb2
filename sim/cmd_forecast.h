/*
 * cmd_forecast.h - internals shared by the files of `sculpt forecast`: the three modes
 * (cmd_forecast_fit.c: fit and predict the WIV; cmd_forecast_eval.c: --eval, M4
 * scoring; cmd_forecast_backtest.c: --backtest, rolling origins), the dispatcher that
 * chooses one (cmd_forecast.c, sc_cmd_forecast) and its small number printers.  Not a
 * public header.
 */
#ifndef SCULPT_SIM_CMD_FORECAST_H
#define SCULPT_SIM_CMD_FORECAST_H

#include <stddef.h>

#include "sculpt/status.h"
#include "sculpt/tsdb.h"

/* The modes; argv as given to sc_cmd_forecast.  Exit status. */
int sc_cmd_forecast_fit(int argc, char **argv);
int sc_cmd_forecast_eval(int argc, char **argv);
int sc_cmd_forecast_backtest(int argc, char **argv);

/* A JSON number with 6 decimals, or null when undefined (printed on stdout). */
void sc_cmd_forecast_print_num(double v);
/* A table cell with 3 decimals, or n/a when undefined (printed on stdout). */
void sc_cmd_forecast_print_text_num(double v);
/* *out = s as a whole number in [lo, hi]; 1 on success, 0 otherwise. */
int sc_cmd_forecast_parse_size(const char *s, long lo, long hi, long *out);

/* Split "APP/PLACE/METRIC" into buf (cap bytes) and point key's fields into it; 1 when
 * the three names are valid store names, 0 otherwise. */
int sc_cmd_forecast_split_key(const char *text, char *buf, size_t cap, sc_series_key *key);
/* s as a JSON string literal on stdout. */
void sc_cmd_forecast_print_json_string(const char *s);
/* "0.5,0.9,...": at most max distinct levels strictly between 0 and 1 into q, sorted
 * ascending, *nq of them; 1 on success, 0 with err set (on --quantiles) otherwise. */
int sc_cmd_forecast_parse_levels(const char *text, double *q, size_t max, size_t *nq,
                                 sc_error *err);

#endif
