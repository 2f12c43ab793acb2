/*
 * aws_predictive_params.c - the parameter table of the `aws-predictive` policy
 * (params.h), read from awsp_init and the design comment of aws_predictive.c: the same
 * keys, defaults and ranges.
 *
 * Where init checks something the table cannot say (the forecaster must be registered),
 * init keeps the check.  Ranges are init's own: cadence and refresh positive, history
 * and horizon at least 1 h (init's "expected at least 1h").  out_periods and in_periods
 * are whole numbers here; init truncated a fractional count.
 *
 * Until aws_predictive.c's type struct points at it (version 2), sc_policy_params()
 * returns it for help; awsp_init still checks its own keys.
 */
#include <math.h>

#include "sculpt/policy.h"

static const char *const target_words[] = {"auto", NULL};

#define POS .lo = 0, .hi = INFINITY, .flags = SC_PARAM_LO_OPEN /* a positive duration */
#define HOUR_PLUS .lo = 3600000.0, .hi = INFINITY               /* at least 1h */

const sc_param_def sc_aws_predictive_params[16] = {
    {.name = "cadence", .kind = SC_PARAM_DURATION, .def = "60s", POS,
     .help = "metric period: one target-tracking datapoint per cadence"},
    {.name = "target_util", .kind = SC_PARAM_NUMBER, .def = "app's target_util", .lo = 0,
     .hi = 1, .values = target_words,
     .help = "target utilisation (0 = the app's; \"auto\": the app's, calibrated on the SLO "
             "error budget)"},
    {.name = "buffer", .kind = SC_PARAM_DURATION, .def = "300s",
     .help = "SchedulingBufferTime: predictive capacity launched this early"},
    {.name = "warmup", .kind = SC_PARAM_DURATION, .def = "300s",
     .help = "instance warm-up left out of the metric"},
    {.name = "out_periods", .kind = SC_PARAM_INTEGER, .def = "3", .lo = 1, .hi = 1000,
     .help = "datapoints above target before scale-out"},
    {.name = "in_periods", .kind = SC_PARAM_INTEGER, .def = "15", .lo = 1, .hi = 1000,
     .help = "datapoints below target before scale-in"},
    {.name = "history", .kind = SC_PARAM_DURATION, .def = "14d", HOUR_PLUS,
     .help = "history of whole hours the forecast is fitted on"},
    {.name = "min_history", .kind = SC_PARAM_DURATION, .def = "24h",
     .help = "history needed before the first forecast (at least 2h is used)"},
    {.name = "refresh", .kind = SC_PARAM_DURATION, .def = "6h", POS,
     .help = "forecast refresh period"},
    {.name = "horizon", .kind = SC_PARAM_DURATION, .def = "48h", HOUR_PLUS,
     .help = "hours of forecast capacity kept"},
    {.name = "forecaster", .kind = SC_PARAM_STRING, .def = "ets", .lo = 1, .hi = SC_NAME_MAX - 1,
     .help = "stand-in for AWS's model; then snaive -> naive"},
    {.name = "ets_spec", .kind = SC_PARAM_STRING, .def = "ANA", .lo = 3, .hi = 7,
     .help = "ETS model letters (\"ZZZ\" = AICc selection)"},
    {.name = "max_observed_util", .kind = SC_PARAM_NUMBER, .def = "1.0", .lo = 0.01, .hi = 100,
     .help = "cap on the utilisation a saturated instance reports"},
    {.name = "predictive", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "predictive scaling (forecast and scale)"},
    {.name = "target_tracking", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "target tracking scaling policy"},
    {.name = "purchase", .kind = SC_PARAM_OBJECT, .def = "all on demand",
     .help = "{\"reserved_base\": \"auto\"|N, \"on_demand_base\": N, "
             "\"spot_above_base\": 0..1} per (app, region)"},
};

const size_t sc_aws_predictive_n_params =
    sizeof sc_aws_predictive_params / sizeof sc_aws_predictive_params[0];

const char sc_aws_predictive_summary[] =
    "model of EC2 Auto Scaling predictive scaling (hourly forecast) + target tracking";
