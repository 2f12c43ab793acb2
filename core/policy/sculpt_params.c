/*
 * sculpt_params.c - the parameter table of the `sculpt` policy (params.h), read from
 * sculpt_init and the design comment of sculpt.c: the same keys, defaults and ranges.
 *
 * Where init checks something the table cannot say (substep must divide 1 h, a forecaster
 * or optimizer name must be registered, the events feed must be readable), the table
 * says the kind and init keeps the check.  The table is never stricter than init, so
 * pointing sc_policy_sculpt.params at it changes no accepted scenario except where noted
 * (profile_days was already whole; the horizon's [1h, 14d] after rounding up to hours is
 * (0, 14d] before).
 *
 * Until sculpt.c's type struct points at it (version 2), sc_policy_params() returns it
 * for help; sculpt_init still checks its own keys.
 */
#include <math.h>

#include "sculpt/policy.h"

static const char *const hour_stats[] = {"max", "mean", NULL};
static const char *const itype_modes[] = {"fixed", "auto", NULL};
static const char *const serve_utils[] = {"slo", "target", NULL};
static const char *const headrooms[] = {"auto", NULL};
static const char *const robusts[] = {"off", "fit", "update", NULL};

#define POS .lo = 0, .hi = INFINITY, .flags = SC_PARAM_LO_OPEN /* a positive duration */

static const char *const routings[] = {"home", "plan", "latency", "failover", "spill",
                                       "cheapest", NULL};

const sc_param_def sc_sculpt_params[64] = {
    {.name = "cadence", .kind = SC_PARAM_DURATION, .def = "1h", POS,
     .help = "replan period (forecast and optimizer)"},
    {.name = "horizon", .kind = SC_PARAM_DURATION, .def = "24h", .lo = 0, .hi = 14 * 86400000.0,
     .flags = SC_PARAM_LO_OPEN, .help = "planning horizon, rounded up to whole hours"},
    {.name = "optimizer", .kind = SC_PARAM_STRING, .def = "lp", .lo = 1, .hi = SC_NAME_MAX - 1,
     .help = "optimizer plug-in (sculpt/optimizer.h): lp or ga"},
    {.name = "penalty_multiplier", .kind = SC_PARAM_NUMBER, .def = "1.0", .lo = 0, .hi = 1e6,
     .help = "multiplies the app's shortfall penalty in the optimizer"},
    {.name = "on_demand_only", .kind = SC_PARAM_BOOL, .def = "false",
     .help = "buy neither spot nor reserved capacity"},
    {.name = "quantiles", .kind = SC_PARAM_NUMBERS, .def = "[0.5, 0.75, 0.9, 0.95, 0.99]",
     .lo = 0, .hi = 1, .flags = SC_PARAM_LO_OPEN | SC_PARAM_HI_OPEN | SC_PARAM_INCREASING,
     .max_items = 16, .help = "forecast quantile levels the optimizer sees"},
    {.name = "history", .kind = SC_PARAM_DURATION, .def = "14d", POS,
     .help = "hourly history the forecaster is fitted on"},
    {.name = "refit", .kind = SC_PARAM_DURATION, .def = "24h", POS,
     .help = "forecaster refit period"},
    {.name = "ets_spec", .kind = SC_PARAM_STRING, .def = "ANA", .lo = 3, .hi = 7,
     .help = "ETS model letters (\"ZZZ\" = AICc selection)"},
    {.name = "spot_max_share", .kind = SC_PARAM_NUMBER, .def = "0.5", .lo = 0, .hi = 1,
     .help = "largest share of a region's capacity bought as spot"},
    {.name = "guard", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "reactive guard between replans (on-demand, forecast misses)"},
    {.name = "target_util", .kind = SC_PARAM_NUMBER, .def = "app's target_util", .lo = 0,
     .hi = 1, .flags = SC_PARAM_LO_OPEN,
     .help = "utilisation planned capacity may reach (optimizer and guard)"},
    {.name = "forecaster", .kind = SC_PARAM_STRING, .def = "ets",
     .lo = 1, .hi = SC_NAME_MAX - 1,
     .help = "most capable forecaster tried; then ets -> snaive -> naive"},
    {.name = "reserve_every", .kind = SC_PARAM_DURATION, .def = "7d",
     .help = "reserved-purchase commitment points (0 = never)"},
    {.name = "reserve_history", .kind = SC_PARAM_DURATION, .def = "14d", POS,
     .help = "hourly history behind a reserved purchase"},
    {.name = "events", .kind = SC_PARAM_STRING, .lo = 1, .hi = INFINITY,
     .help = "event feed file (CSV or JSON), relative to the scenario file"},
    {.name = "announce_lead", .kind = SC_PARAM_DURATION, .def = "24h",
     .help = "an event is known this long before its start"},
    {.name = "forecast_log", .kind = SC_PARAM_BOOL, .def = "true with events, else false",
     .help = "forecast on the log scale"},
    {.name = "reserve_log", .kind = SC_PARAM_STRING, .lo = 1, .hi = 1023,
     .help = "JSON file of every commitment decision"},
    {.name = "event_lift", .kind = SC_PARAM_BOOL, .def = "false",
     .help = "also pass the announced lift as a regressor"},
    {.name = "intra_hour", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "adjust counts per sub-step within the hour"},
    {.name = "substep", .kind = SC_PARAM_DURATION, .def = "15m", .lo = 0, .hi = 3600000.0,
     .flags = SC_PARAM_LO_OPEN, .help = "intra-hour sub-step: a divisor of 1h (>= scenario step)"},
    {.name = "profile_days", .kind = SC_PARAM_INTEGER, .def = "7", .lo = 1, .hi = 56,
     .help = "days of history behind the intra-hour profile"},
    {.name = "guard_hold", .kind = SC_PARAM_DURATION, .def = "300s",
     .help = "the guard keeps added instances this long (intra_hour)"},
    {.name = "hour_stat", .kind = SC_PARAM_ENUM, .def = "max", .values = hour_stats,
     .help = "hourly aggregate forecast: peak or mean of the hour"},
    {.name = "profile_level", .kind = SC_PARAM_NUMBER, .def = "0.5", .lo = 0, .hi = 1,
     .help = "quantile of the intra-hour profile over profile_days"},
    {.name = "profile_spread", .kind = SC_PARAM_DURATION, .def = "0s", .lo = 0, .hi = 3600000.0,
     .help = "intra-hour profile: a sub-step's peak over its window widened this much each side"},
    {.name = "slo_control", .kind = SC_PARAM_BOOL, .def = "false",
     .help = "self-calibrating headroom on the SLO error budget (sculpt_slo.c)"},
    {.name = "slo_window", .kind = SC_PARAM_DURATION, .def = "7d", POS,
     .help = "rolling window of the error budget's burn rate"},
    {.name = "slo_hold", .kind = SC_PARAM_DURATION, .def = "48h",
     .help = "no lowering of the headroom this long after a raise"},
    {.name = "slo_headroom", .kind = SC_PARAM_NUMBER, .def = "1.0", .lo = 0, .hi = 100,
     .flags = SC_PARAM_LO_OPEN,
     .help = "initial headroom factor on the forecast quantiles (auto headroom, slo_control)"},
    {.name = "slo_headroom_range", .kind = SC_PARAM_NUMBERS,
     .def = "[0.07, 1.25] on demand only, else [0.25, 1.25] (auto headroom); slo_control: [0.5, 3] on demand only, else [1, 3]",
     .lo = 0,
     .hi = 100, .flags = SC_PARAM_LO_OPEN | SC_PARAM_INCREASING, .max_items = 2,
     .help = "[min, max] of the headroom factor"},
    {.name = "slo_gain", .kind = SC_PARAM_NUMBERS, .def = "[0.1, 0.005]", .lo = 0, .hi = 1,
     .flags = SC_PARAM_LO_OPEN, .max_items = 2,
     .help = "[up, down] log steps of the headroom per replan"},
    /* instance types (sculpt_itype.c) */
    {.name = "instance_types", .kind = SC_PARAM_ENUM, .def = "fixed", .values = itype_modes,
     .help = "auto: choose the instance type per pool by the app's binding resource"},
    {.name = "itype_types", .kind = SC_PARAM_STRING, .def = "every type", .lo = 1,
     .hi = 1023, .help = "candidate instance types (auto): names separated by commas"},
    {.name = "itype_min_saving", .kind = SC_PARAM_NUMBER, .def = "0.10", .lo = 0, .hi = 1,
     .flags = SC_PARAM_HI_OPEN, .help = "a type switch must save this fraction of the pool's cost"},
    {.name = "itype_hold", .kind = SC_PARAM_DURATION, .def = "24h",
     .help = "a pool keeps its instance type this long after a switch"},
    {.name = "itype_log", .kind = SC_PARAM_STRING, .lo = 1, .hi = 1023,
     .help = "JSON file of every instance-type switch (auto)"},
    /* SLO sizing (sculpt_size.c) */
    {.name = "serve_util", .kind = SC_PARAM_ENUM, .def = "slo", .values = serve_utils,
     .help = "size capacity at the SLO's latency-bound utilisation or the app's target_util"},
    {.name = "headroom", .kind = SC_PARAM_NUMBER, .def = "auto", .lo = 0, .hi = 100,
     .flags = SC_PARAM_LO_OPEN, .values = headrooms,
     .help = "factor on the forecast quantiles: auto (from the past steps' needs) or fixed"},
    {.name = "guard_headroom", .kind = SC_PARAM_NUMBER, .def = "auto on demand only, else 1",
     .lo = 1, .hi = 4, .values = headrooms,
     .help = "the guard sizes for this x the peak ieq it observed: auto (chosen by the SLO "
             "sizer among 1, 2^(1/4) ... 2 at least cost for the same budget) or fixed"},
    {.name = "headroom_safety", .kind = SC_PARAM_NUMBER, .def = "0.5 on demand only, else 0.1",
     .lo = 0, .hi = 1,
     .flags = SC_PARAM_LO_OPEN, .help = "share of the error budget the auto headroom spends"},
    {.name = "headroom_window", .kind = SC_PARAM_DURATION, .def = "14d", POS,
     .help = "steps the auto headroom's quantile of past needs is taken over"},
    {.name = "headroom_margin", .kind = SC_PARAM_NUMBER, .def = "3 on demand only, else 5",
     .lo = 0, .hi = 100,
     .help = "auto headroom spends B - margin sqrt(B) of the window's budget B when above "
             "headroom_safety x B (Poisson deviations kept back); 0: safety alone"},
    /* h-meets: the guard's margin over the lead-time distribution (sculpt_lead.c) */
    {.name = "guard_margin", .kind = SC_PARAM_NUMBER, .def = "auto, 1 on demand only",
     .lo = 1, .hi = 4,
     .values = headrooms,
     .help = "factor on the guard's observed need: auto (from the past steps the lead "
             "time's growth left tight) or fixed (1: none)"},
    {.name = "guard_margin_max", .kind = SC_PARAM_NUMBER, .def = "1.25", .lo = 1, .hi = 4,
     .help = "auto guard margin: growth above this is not fixable (left, not chased)"},
    {.name = "guard_margin_safety", .kind = SC_PARAM_NUMBER, .def = "0.25", .lo = 0, .hi = 1,
     .flags = SC_PARAM_LO_OPEN,
     .help = "auto guard margin: share of the error budget the guard may leave unserved"},
    /* h-meets: where violations fell (sculpt_vmem.c) */
    {.name = "violation_memory", .kind = SC_PARAM_DURATION, .def = "7d", .lo = 0,
     .hi = 14 * 86400000.0,
     .help = "intra-hour shaping holds the hour's plan in a sub-step where a step was "
             "violated at about that time on one of the last days (whole days; 0: off)"},
    /* burst guard (sculpt_burst.c) */
    {.name = "burst", .kind = SC_PARAM_BOOL, .def = "false",
     .help = "burst guard: CUSUM alarm on the log ieq, launch for the extrapolated ramp"},
    {.name = "burst_threshold", .kind = SC_PARAM_NUMBER, .def = "5", .lo = 0, .hi = 1e3,
     .flags = SC_PARAM_LO_OPEN, .help = "CUSUM decision threshold h, in sigma units"},
    {.name = "burst_hold", .kind = SC_PARAM_DURATION, .def = "15m",
     .help = "an alarm drives the guard this long; its level is held this long"},
    {.name = "burst_max_growth", .kind = SC_PARAM_NUMBER, .def = "4", .lo = 1, .hi = 100,
     .help = "largest extrapolation, x the current observation"},
    {.name = "burst_boot_quantile", .kind = SC_PARAM_NUMBER, .def = "0.95", .lo = 0, .hi = 1,
     .flags = SC_PARAM_LO_OPEN | SC_PARAM_HI_OPEN,
     .help = "boot-delay quantile the ramp is extrapolated over"},
    {.name = "routing", .kind = SC_PARAM_ENUM,
     .def = "plan where a geography has a routing mechanism, else home", .values = routings,
     .help = "plan: sculpt routes (joint plan of weights and capacity, sculpt_route.c); "
             "home or a baseline mode: the routing controller next to it"},
    {.name = "route_util", .kind = SC_PARAM_NUMBER,
     .def = "the planned utilisation (SLO sizing), else halfway from target_util to 1",
     .lo = 0, .hi = 1, .flags = SC_PARAM_LO_OPEN,
     .help = "routing plan: utilisation at which a route must meet the latency bound"},
    /* issue 11, h-route: routes at their own utilisation (sculpt_route.c) */
    {.name = "route_cool", .kind = SC_PARAM_BOOL, .def = "false",
     .help = "routing plan: a route within the latency bound only below the planned "
             "utilisation may be planned, its region then running cooler (lp.c)"},
    /* issue 11, h-groute: one region per routed geography (sculpt_route.c) */
    {.name = "route_pick", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "routing plan: each weighted geography served by one region, chosen by local "
             "search on planned cost with each region at its routes' utilisation"},
    {.name = "route_stay", .kind = SC_PARAM_NUMBER, .def = "0.02", .lo = 0, .hi = 1,
     .help = "route_pick: a geography moves only when that saves more than this fraction "
             "of its planned cost where it is"},
    /* robust fitting (core/forecast/robust.c, wpe.h) */
    {.name = "robust", .kind = SC_PARAM_ENUM, .def = "fit", .values = robusts,
     .help = "clip isolated outliers of the forecaster's fit window (fit), and of the steps "
             "absorbed between refits (update)"},
    {.name = "robust_k", .kind = SC_PARAM_NUMBER, .def = "5", .lo = 0, .hi = 1e3,
     .flags = SC_PARAM_LO_OPEN, .help = "robust fitting's threshold, robust sigmas"},
    {.name = "robust_tail", .kind = SC_PARAM_NUMBER, .def = "0", .lo = 0, .hi = 1,
     .flags = SC_PARAM_HI_OPEN,
     .help = "robust fitting keeps every value within the window's upper tail of this share"},
    /* spot stock-outs learnt from refused launches (sculpt_stockout.c) */
    {.name = "stockout", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "a refused spot launch marks the (region, type) spot pool unavailable: the gap "
             "is planned on on-demand until a probe launch is granted"},
    {.name = "stockout_backoff", .kind = SC_PARAM_DURATION, .def = "5m", POS,
     .help = "back-off after the first refusal, doubled by each refused probe"},
    {.name = "stockout_backoff_max", .kind = SC_PARAM_DURATION, .def = "1h", POS,
     .help = "longest back-off between probes of a marked spot pool"},
};

const size_t sc_sculpt_n_params = sizeof sc_sculpt_params / sizeof sc_sculpt_params[0];

const char sc_sculpt_summary[] =
    "forecast quantiles + LP/GA capacity plan, reserved/spot purchases, reactive guard";
