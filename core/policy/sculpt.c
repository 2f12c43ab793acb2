/*
 * sculpt.c - the `sculpt` policy: forecast -> optimizer -> plan, replanned on a cadence,
 * with forecast-driven scale-in as well as scale-out (DESIGN.md "Data flow"), reserved
 * purchases at planned commitment points, and announced events as regressors.
 *
 * Every `cadence` (default 1 h), per app:
 *  1. Workload Intensity Vector, from the Workload Prediction Engine (wpe.h), one
 *     series per (app, region), fed at each replan the scenario steps that became
 *     visible since the last one (the view, past only).  Its history is the hourly MAX
 *     of the observed instance-equivalents (capacity must serve the peak of an hour)
 *     over whole UTC hours.  A forecaster (forecast.h) is fitted through the fallback
 *     hierarchy (`ets` -> `snaive` -> `naive` by default, `harmonic` or `ensemble` on
 *     request, so a forecast exists from the first hour on) on the last `history` (14 d)
 *     of hours, refitted every `refit` (24 h) and advanced between refits with the
 *     cheap update() on each new hour.  The default (ets(A,N,A) refitted daily) was
 *     kept on the held-out suite's development half against harmonic regression
 *     refitted weekly: with the SLO sizing, equal medians but the objective met on
 *     fewer traces with harmonic (bench/policy/README.md, "The forecaster that drives
 *     decisions").  It
 *     predicts `horizon` (24 h) of hourly quantiles at `quantiles` (default 0.5, 0.75,
 *     0.9, 0.95, 0.99), starting with the hour under way.  Before
 *     the first whole hour the current observation stands in for every quantile.
 *     Event feed (`events`, a feed file of events.h; off by default): the events that
 *     apply to the app and to a geography whose home is the region (or to "*") and that
 *     are KNOWN at the decision time enter the fit as exogenous regressors, one 0/1
 *     indicator column per event kind (sc_exog_from_feed without its lift column: the
 *     stated lifts are noisy and often missing, and the indicator alone did better in
 *     core/forecast/README.md "Event feeds: measured value"); a column that does not
 *     vary over the history is dropped (its coefficient cannot be estimated).  The feed has no
 *     announce time, so an event counts as known from its announced start minus
 *     `announce_lead` (24 h).  The announced rows of the next refit + horizon hours are
 *     passed as future rows; a newly known event forces a refit.  With a feed the
 *     default forecaster is `harmonic` (the exog-capable model measured on campaigns)
 *     and the series is forecast on the log scale (`forecast_log`): campaign lifts are
 *     multiplicative, and quantiles map back exactly through exp.
 *  2. Optimizer.  One problem per app for `optimizer` (`lp` by default, optimizer.h):
 *     plan steps are the hours of the horizon; geographies = regions with `"routing":
 *     "home"` (the weights stay as the scenario sets them, so each region's routed load
 *     is what its capacity must serve); with `"routing": "plan"` (the default where a
 *     geography has a routing mechanism) the scenario's geographies with their own
 *     forecasts, latency feasibility and egress, and the plan's routing becomes
 *     set_weight actions (sculpt_route.c, whose opening comment has the rules); capacity at the app's target utilisation covers the
 *     served demand; the shortfall costs the app's penalty per load-unit-hour x load
 *     units per instance x `penalty_multiplier`, against the quantiles, so the quantile
 *     each region is sized for follows from penalty against price (newsvendor) rather
 *     than being fixed; on-demand and spot (spot share <= `spot_max_share`, derated by
 *     its expected interruption loss) unless `on_demand_only`; reserved instances held
 *     are a fixed count (never bought or released by the LP, whose 24 h view is too
 *     short for a commitment); capacity limits and the vCPU quota of the region;
 *     min/max instances; lead steps = ceil((boot p95 + warm-up) / 1 h), so no capacity
 *     is planned to arrive before it can.
 *  3. Plan.  The solution becomes timed actions (plan.h, sc_rap_build, with their
 *     explanation records).  With `intra_hour` (default) only its reserved actions go to
 *     the simulator; on-demand and spot counts are set every scenario step by the
 *     intra-hour controller (4.).  Without it, provisions are issued their lead time
 *     before the hour they serve, deprovisions at the start of the hour they are no
 *     longer needed; only actions issued before the next replan are kept.
 *  4. Intra-hour shaping (`intra_hour`, default on): the hourly plan is shaped inside
 *     the hour, step by step (sculpt_intrahour.c, whose opening comment has the rule).
 *  Reserved purchases (`reserve_every`, default 7 d; 0 = never): at commitment points
 *  the newsvendor level of reserved instances is bought for the region's term
 *  (sculpt_reserve.c, whose opening comment has the rule).
 *  Between replans, every scenario step, a reactive guard (`guard`, default on) adds
 *  on-demand instances when the current observation needs more than is requested at
 *  target utilisation (forecast misses such as flash crowds, and the on-demand fallback
 *  for interrupted spot capacity).  With intra_hour it holds them for `guard_hold`
 *  (300 s, the HPA's scale-down stabilisation) after the observation that needed them;
 *  without, it never scales in (the next replan does).
 *  `hour_stat` "mean" forecasts the hourly mean instead of the peak (the profile is
 *  then the sub-step peak over the hour's mean, possibly above 1, and the counts are
 *  clipped to the region's limits); measured, not the default.
 *
 * Parameters (all optional): {"cadence": "1h", "horizon": "24h", "optimizer": "lp",
 *  "penalty_multiplier": 1.0, "on_demand_only": false, "quantiles": [0.5, 0.75, 0.9,
 *  0.95, 0.99], "history": "14d", "refit": "24h", "ets_spec": "ANA",
 *  "spot_max_share": 0.5, "guard": true, "target_util": <app's>,
 *  "forecaster": "ets" ("harmonic" with events), "reserve_every": "7d",
 *  "reserve_history": "14d", "events": null, "announce_lead": "24h",
 *  "forecast_log": <true with events, else false>, "intra_hour": true, "substep": "15m",
 *  "profile_days": 7, "profile_level": 0.5, "profile_spread": "0s", "guard_hold": "300s",
 *  "hour_stat": "max",
 *  "slo_control": false, "slo_window": "7d", "slo_hold": "48h", "slo_headroom": 1.0,
 *  "slo_headroom_range": [0.25, 1.25] (slo_control: [0.5, 3] on demand only else
 *  [1, 3]), "slo_gain": [0.1, 0.005], "serve_util": "slo", "headroom": "auto",
 *  "headroom_safety": 0.5, "headroom_window": "14d",
 *  "burst": false, "burst_threshold": 5, "burst_hold": "15m", "burst_max_growth": 4,
 *  "burst_boot_quantile": 0.95,
 *  "routing": "home" ("plan" where a geography has a routing mechanism),
 *  "route_util": the planned utilisation with the SLO sizing, else halfway from
 *  target_util to 1, "stockout": true, "stockout_backoff": "5m",
 *  "stockout_backoff_max": "1h" (sculpt_stockout.c: spot stock-outs learnt)}
 * serve_util / headroom (sculpt_size.c, whose opening comment has the rule): capacity
 * (optimizer and guard) is sized at the utilisation where the latency meets the SLO
 * bound, and the forecast quantiles are multiplied by a headroom factor per app sized
 * from the past steps' counterfactual needs, so that apps[].slo.attainment is met at
 * least cost; "serve_util": "target" with "headroom": 1 is the sizing before it.
 * burst: the burst guard (sculpt_burst.c, whose opening comment has the rule): on a
 * CUSUM alarm of the log ieq (sculpt/burst.h) capacity for the ramp extrapolated over
 * the step and the boot delay.  Off by default (bench/policy/README.md, "Flash crowds").
 * slo_control: the self-calibrating headroom, an online controller on the SLO error
 * budget that multiplies the forecast quantiles of step 2 by a factor per app, raised
 * when the budget burns fast and lowered when it is left unspent, from the past only
 * (sculpt_slo.c, whose opening comment has the rule, its state and its guard against
 * oscillation).  Off by default: the held-out suite's development half did not justify
 * it as the default (bench/policy/README.md, "Held-out suite").
 * robust (default "fit"; "off", "update"), robust_k (5), robust_tail (0; the engine's
 * own default is 0.01): the engine fits the forecaster on the window with its isolated
 * outliers clipped (a seasonal Hampel filter, core/forecast/robust.c; wpe.h "Robust
 * fitting"); accounting, the guard and the SLO sizing keep the raw observations.
 * Chosen on the held-out development half (bench/policy/README.md, "Spiky series";
 * robust_tail 0: core/policy/README.md, "SLO sizing", issue 10's worst trace).
 * forecaster names the most capable model tried; the hierarchy continues below it
 * (ets -> snaive -> naive).
 * target_util is the utilisation the planned capacity may reach (the optimizer's
 * serve_util and the guard's setpoint), the same knob as reactive's.
 * events is a feed file (CSV or JSON, events.h), relative to the scenario file.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/events.h"
#include "sculpt/forecast.h"
#include "sculpt/fsutil.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sculpt/wpe.h"

#include "sculpt_int.h"


static void sculpt_cleanup(void *state)
{
    sculpt_state *s = state;
    sc_wpe_free(s->wpe);
    s->wpe = NULL;
    free(s->mean);
    free(s->quant);
    free(s->lead_ms);
    free(s->planned_at);
    s->planned_at = NULL;
    s->mean = s->quant = NULL;
    s->lead_ms = NULL;
    if (s->ar)
        for (size_t i = 0; i < s->n_ar; i++)
            free(s->ar[i].commits);
    free(s->need);
    free(s->buy);
    free(s->rlog);
    s->need = NULL;
    s->buy = NULL;
    s->rlog = NULL;
    cJSON_Delete(s->rjson);
    s->rjson = NULL;
    sc_sculpt_slo_cleanup(s);
    sc_sculpt_burst_cleanup(s);
    sc_event_feed_free(s->feed);
    s->feed = NULL;
    if (s->prob) {
        for (size_t a = 0; a < s->n_apps; a++)
            sc_opt_problem_free(s->prob[a]);
        free(s->prob);
    }
    if (s->sol) {
        for (size_t a = 0; a < s->n_apps; a++)
            sc_opt_solution_free(s->sol[a]);
        free(s->sol);
    }
    s->prob = NULL;
    s->sol = NULL;
    sc_optimizer_free(s->opt);
    s->opt = NULL;
    sc_rap_cleanup(&s->rap);
    sc_sculpt_itype_cleanup(s); /* instance types (sculpt_itype.c) */
    sc_sculpt_route_cleanup(s); /* routing plan (sculpt_route.c) */
    sc_sculpt_stockout_cleanup(s); /* spot stock-outs (sculpt_stockout.c) */
    free(s->ar);
    s->ar = NULL;
}

/* The configuration of the policy's prediction engines (wpe.h): hourly steps by the
 * peak (or mean) of the scenario steps overlapping an hour, from the first whole hour
 * of the run. */
void sc_sculpt_wpe_config(const sculpt_state *s, const sc_scenario *sc, sc_wpe_config *out)
{
    sc_wpe_config wc;
    sc_wpe_config_init(&wc);
    wc.step_ms = HOUR_MS;
    wc.obs_span_ms = sc->step_ms;
    wc.start_ms = sc->start;
    wc.rule = s->hour_mean ? SC_WPE_MEAN : SC_WPE_PEAK;
    wc.log = s->forecast_log;
    wc.log_floor = LOG_FLOOR;
    wc.history = (size_t)s->hist_cap;
    wc.refit_ms = s->refit_ms;
    wc.horizon = (size_t)s->K;
    wc.nq = (size_t)s->nq;
    memcpy(wc.q, s->q, (size_t)s->nq * sizeof *s->q);
    for (size_t i = 0; i < s->n_names; i++)
        snprintf(wc.names[i], sizeof wc.names[i], "%s", s->names[i]);
    wc.n_names = s->n_names;
    wc.fc.period = 24;
    wc.fc.seed = sc->seed;
    snprintf(wc.fc.ets.spec, sizeof wc.fc.ets.spec, "%s", s->ets_spec);
    /* Warm start of a refit of the same (app, region) from the previous ets fit: its
     * parameters and initial states, the seasonal ones rotated by the hours the window
     * moved (forecast.h: warm), with half R's evaluation budget: cold ANA fits on 14
     * days of hours stop at R's maxit (2000) without meeting reltol, and warm ones
     * stopped at 1000 reached a lower criterion on 70 % of 350 refits measured
     * (bench/README.md, yearlong). */
    wc.warm = 1;
    wc.warm_maxit = 1000;
    wc.feed = s->feed;
    wc.announce_lead_ms = s->announce_lead_ms;
    wc.event_lift = s->event_lift;
    wc.robust = s->robust; /* robust fitting (core/forecast/robust.c) */
    wc.robust_k = s->robust_k;
    wc.robust_tail = s->robust_tail;
    *out = wc;
}

static sc_status sp_engine_alloc(sculpt_state *s, const sc_scenario *sc, const char *where,
                                 sc_error *err)
{
    sc_wpe_config wc;
    sc_sculpt_wpe_config(s, sc, &wc);
    /* the engine of the policy: one series per (app, region) whose events are those of
     * the geographies at home there */
    sc_status st = sc_wpe_alloc(&wc, s->n_ar, &s->wpe, err);
    if (st) {
        snprintf(err->where, sizeof err->where, "%s", where);
        return st;
    }
    const char *geos[SC_WPE_MAX_GEOS];
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ng = 0;
            for (size_t g = 0; g < sc->n_geos && ng < SC_WPE_MAX_GEOS; g++)
                if (sc->geos[g].home_region == (int)r)
                    geos[ng++] = sc->geos[g].name;
            /* no geography at home: no event but "*" applies */
            static const char *const none = "";
            if ((st = sc_wpe_series_set(s->wpe, a * sc->n_regions + r, sc->apps[a].name,
                                        sc->regions[r].name, ng ? geos : &none, ng ? ng : 1,
                                        err))) {
                snprintf(err->where, sizeof err->where, "%s", where);
                return st;
            }
        }
    return SC_OK;
}

static sc_status sculpt_init(void *state, const sc_scenario *sc, const cJSON *params,
                             const char *where, sc_error *err)
{
    sculpt_state *s = state;
    sc_rap_init(&s->rap);
    s->cadence_ms = HOUR_MS;
    s->horizon_ms = 24 * HOUR_MS;
    s->history_ms = 14 * 24 * HOUR_MS;
    s->refit_ms = 24 * HOUR_MS; /* bench/policy/README.md, item 6 */
    snprintf(s->optimizer, sizeof s->optimizer, "lp");
    s->penalty_mult = 1.0;
    s->on_demand_only = 0;
    s->guard = 1;
    s->spot_max_share = 0.5;
    static const double qdef[] = {0.5, 0.75, 0.9, 0.95, 0.99};
    s->nq = 5;
    memcpy(s->q, qdef, sizeof qdef);
    snprintf(s->ets_spec, sizeof s->ets_spec, "ANA");
    s->last_plan = SC_TIME_MIN;
    s->step_ms = sc->step_ms;
    s->reserve_every_ms = 7 * 24 * HOUR_MS;
    s->reserve_history_ms = 14 * 24 * HOUR_MS;
    s->announce_lead_ms = 24 * HOUR_MS;
    s->intra = 1;
    s->substep_ms = 15 * 60 * INT64_C(1000);
    s->profile_days = 7;
    s->profile_level = 0.5;
    s->profile_spread_ms = 0; /* sculpt_intrahour.c: profile_spread */
    s->guard_hold_ms = 300 * INT64_C(1000);
    sc_status st;
    if ((st = sc_policy_param_duration(params, "cadence", 1, &s->cadence_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "horizon", 1, &s->horizon_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "history", 1, &s->history_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "refit", 1, &s->refit_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "reserve_every", 0, &s->reserve_every_ms, where,
                                       err)) ||
        (st = sc_policy_param_duration(params, "reserve_history", 1, &s->reserve_history_ms,
                                       where, err)) ||
        (st = sc_policy_param_duration(params, "announce_lead", 0, &s->announce_lead_ms, where,
                                       err)) ||
        (st = sc_policy_param_duration(params, "substep", 1, &s->substep_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "guard_hold", 0, &s->guard_hold_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "profile_spread", 0, &s->profile_spread_ms, where,
                                       err)) ||
        (st = sc_policy_param_bool(params, "intra_hour", &s->intra, where, err)))
        return st;
    if (s->profile_spread_ms > HOUR_MS)
        return sc_error_set(err, SC_ERR_INPUT, where, "profile_spread: expected at most 1h");
    if (s->substep_ms < sc->step_ms)
        s->substep_ms = sc->step_ms;
    if (s->substep_ms > HOUR_MS || HOUR_MS % s->substep_ms != 0)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "substep: expected a divisor of 1h (at least the scenario step)");
    const cJSON *v;
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "hour_stat"))) {
        if (!cJSON_IsString(v) ||
            (strcmp(v->valuestring, "max") != 0 && strcmp(v->valuestring, "mean") != 0))
            return sc_error_set(err, SC_ERR_INPUT, where, "hour_stat: expected \"max\" or \"mean\"");
        s->hour_mean = strcmp(v->valuestring, "mean") == 0;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "profile_days"))) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 1 && v->valuedouble <= 56) ||
            v->valuedouble != floor(v->valuedouble))
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "profile_days: expected a whole number of days in [1, 56]");
        s->profile_days = (int)v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "profile_level"))) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1))
            return sc_error_set(err, SC_ERR_INPUT, where, "profile_level: expected a number in [0, 1]");
        s->profile_level = v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "penalty_multiplier"))) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1e6))
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "penalty_multiplier: expected a number in [0, 1e6]");
        s->penalty_mult = v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "target_util"))) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble > 0 && v->valuedouble <= 1))
            return sc_error_set(err, SC_ERR_INPUT, where, "target_util: expected a number in (0, 1]");
        s->target_override = v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "spot_max_share"))) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble <= 1))
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "spot_max_share: expected a number in [0, 1]");
        s->spot_max_share = v->valuedouble;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "on_demand_only"))) {
        if (!cJSON_IsBool(v))
            return sc_error_set(err, SC_ERR_INPUT, where, "on_demand_only: expected true/false");
        s->on_demand_only = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "guard"))) {
        if (!cJSON_IsBool(v))
            return sc_error_set(err, SC_ERR_INPUT, where, "guard: expected true/false");
        s->guard = cJSON_IsTrue(v);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "ets_spec"))) {
        if (!cJSON_IsString(v) || strlen(v->valuestring) < 3 ||
            strlen(v->valuestring) >= sizeof s->ets_spec)
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "ets_spec: expected ETS letters such as \"ZZZ\"");
        snprintf(s->ets_spec, sizeof s->ets_spec, "%s", v->valuestring);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "quantiles"))) {
        int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
        if (n < 1 || n > MAX_Q)
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "quantiles: expected an array of 1 to %d levels", MAX_Q);
        int i = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            if (!cJSON_IsNumber(e) || !(e->valuedouble > 0 && e->valuedouble < 1) ||
                (i > 0 && !(e->valuedouble > s->q[i - 1])))
                return sc_error_set(err, SC_ERR_INPUT, where,
                                    "quantiles[%d]: expected increasing levels in (0, 1)", i);
            s->q[i] = e->valuedouble;
        }
        s->nq = n;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "optimizer"))) {
        if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof s->optimizer)
            return sc_error_set(err, SC_ERR_INPUT, where, "optimizer: expected a name");
        snprintf(s->optimizer, sizeof s->optimizer, "%s", v->valuestring);
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "reserve_log"))) {
        if (!cJSON_IsString(v) || !v->valuestring[0] ||
            strlen(v->valuestring) >= sizeof s->rlog_path)
            return sc_error_set(err, SC_ERR_INPUT, where, "reserve_log: expected a file name");
        snprintf(s->rlog_path, sizeof s->rlog_path, "%s", v->valuestring);
    }
    /* the feed file is read last, once every other parameter is valid */
    char feed_path[2048] = "";
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "events"))) {
        if (!cJSON_IsString(v) || !v->valuestring[0])
            return sc_error_set(err, SC_ERR_INPUT, where, "events: expected a feed file name");
        const char *slash = strrchr(sc->path, '/');
        if (v->valuestring[0] == '/' || !slash)
            snprintf(feed_path, sizeof feed_path, "%s", v->valuestring);
        else
            snprintf(feed_path, sizeof feed_path, "%.*s/%s", (int)(slash - sc->path), sc->path,
                     v->valuestring);
        s->forecast_log = 1;
    }
    if ((st = sc_policy_param_bool(params, "forecast_log", &s->forecast_log, where, err)) ||
        (st = sc_policy_param_bool(params, "event_lift", &s->event_lift, where, err)))
        return st;
    s->K = (int)((s->horizon_ms + HOUR_MS - 1) / HOUR_MS);
    if (s->K < 1 || s->K > 24 * 14)
        return sc_error_set(err, SC_ERR_INPUT, where, "horizon: expected 1h to 14d");
    /* forecaster hierarchy: `forecaster` (default ets), then the ones below it.  The
     * ensemble (core/forecast/ensemble.c) is available as "forecaster": "ensemble"; it is
     * not the default because its rolling-origin backtests make every refit far slower
     * (the no-look-ahead test on the demo did not finish in 10 minutes with it). */
    const sc_forecaster_type *ft;
    snprintf(s->first, sizeof s->first, "%s", feed_path[0] ? "harmonic" : "ets");
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "forecaster"))) {
        if (!cJSON_IsString(v) || strlen(v->valuestring) >= sizeof s->first)
            return sc_error_set(err, SC_ERR_INPUT, where, "forecaster: expected a model name");
        if ((st = sc_forecaster_type_find(v->valuestring, &ft, err)) != SC_OK) {
            snprintf(err->where, sizeof err->where, "%s", where);
            return st;
        }
        snprintf(s->first, sizeof s->first, "%s", v->valuestring);
    }
    static const char *const below[] = {"ets", "snaive", "naive"};
    s->n_names = 0;
    s->names[s->n_names++] = s->first;
    int seen = 0;
    for (size_t i = 0; i < 3; i++) {
        if (seen)
            s->names[s->n_names++] = below[i];
        else if (strcmp(below[i], s->first) == 0)
            seen = 1;
    }
    if (!seen) /* ensemble, or a model outside the chain: fall back through all three */
        for (size_t i = 0; i < 3; i++)
            s->names[s->n_names++] = below[i];
    if (feed_path[0]) {
        sc_error ferr;
        if ((st = sc_event_feed_read(feed_path, &s->feed, &ferr)))
            return sc_error_set(err, st, where, "events: %s%s%s", ferr.where,
                                ferr.where[0] ? ": " : "", ferr.msg);
        sc_event_feed_sort(s->feed);
    }
    /* after on_demand_only (the controller's default headroom range depends on it); it
     * allocates, so from here on a failure cleans up */
    /* robust fitting of the engines (core/forecast/robust.c) */
    if ((st = sc_params_get_enum(sc_sculpt_params, sc_sculpt_n_params, params, "robust",
                                 &s->robust)) ||
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params, "robust_k",
                                   &s->robust_k)) ||
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params, "robust_tail",
                                   &s->robust_tail)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    if ((st = sc_sculpt_slo_init(s, sc, params, where, err)) ||
        (st = sc_sculpt_guard_init(s, params, where, err)) || /* sculpt_size.c */
        (st = sc_sculpt_burst_init(s, sc, params, where, err)) || /* sculpt_burst.c */
        (st = sc_sculpt_stockout_init(s, sc, params, where, err))) { /* sculpt_stockout.c */
        sculpt_cleanup(s);
        return st;
    }
    s->n_ar = sc->n_apps * sc->n_regions;
    s->hist_cap = s->history_ms / HOUR_MS;
    if (s->hist_cap < 1)
        s->hist_cap = 1;
    /* routing plan (sculpt_route.c): after K, nq, the history and the forecaster */
    if ((st = sc_sculpt_route_init(s, sc, params, where, err))) {
        sculpt_cleanup(s);
        return st;
    }
    s->ar = calloc(s->n_ar + 1, sizeof *s->ar);
    s->mean = calloc((size_t)s->K + 1, sizeof *s->mean);
    s->quant = calloc((size_t)s->K * (size_t)s->nq + 1, sizeof *s->quant);
    s->lead_ms = calloc(sc->n_regions + 1, sizeof *s->lead_ms);
    s->prob = calloc(sc->n_apps + 1, sizeof *s->prob);
    s->sol = calloc(sc->n_apps + 1, sizeof *s->sol);
    s->planned_at = malloc((sc->n_apps + 1) * sizeof *s->planned_at);
    s->need_cap = s->reserve_history_ms / HOUR_MS + 1 + s->K;
    s->need = calloc((size_t)s->need_cap, sizeof *s->need);
    s->buy = calloc(sc->n_regions + 1, sizeof *s->buy);
    if (!s->ar || !s->mean || !s->quant || !s->lead_ms || !s->prob || !s->sol ||
        !s->planned_at || !s->need || !s->buy) {
        sculpt_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    s->n_apps = sc->n_apps;
    if ((st = sc_optimizer_alloc(s->optimizer, NULL, &s->opt, err))) {
        snprintf(err->where, sizeof err->where, "%s", where);
        sculpt_cleanup(s);
        return st;
    }
    int R = (int)sc->n_regions, G = sc_sculpt_route_n_geos(s, sc);
    for (size_t a = 0; a < sc->n_apps; a++)
        if ((st = sc_opt_problem_alloc(R, G, s->K, s->nq, &s->prob[a], err)) ||
            (st = sc_opt_solution_alloc(R, G, s->K, s->nq, &s->sol[a], err))) {
            snprintf(err->where, sizeof err->where, "%s", where);
            sculpt_cleanup(s);
            return st;
        }
    if ((st = sp_engine_alloc(s, sc, where, err))) {
        sculpt_cleanup(s);
        return st;
    }
    /* instance types (sculpt_itype.c) */
    if ((st = sc_sculpt_itype_init(s, sc, params, where, err)) ||
        (st = sc_sculpt_itype_alloc_ws(s, sc, err))) {
        sculpt_cleanup(s);
        return st;
    }
    for (size_t a = 0; a < sc->n_apps; a++)
        s->planned_at[a] = SC_TIME_MIN;
    /* reserved instances of the initial allocation are committed at the start */
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t i = 0; i < sc->apps[a].n_initial; i++) {
            const sc_initial_alloc *ia = &sc->apps[a].initial[i];
            if (ia->option != SC_PURCHASE_RESERVED || ia->count <= 0)
                continue;
            sculpt_commit c = {sc_time_add(sc->start, sc->regions[ia->region].reserved_term_ms),
                               ia->count, -1};
            if (sc_sculpt_commit_push(&s->ar[a * sc->n_regions + (size_t)ia->region], c)) {
                sculpt_cleanup(s);
                return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
            }
        }
    s->next_commit = s->reserve_every_ms > 0 ? sc_time_add(sc->start, s->reserve_every_ms)
                                             : SC_TIME_MAX;
    /* Reserve the plan's action array up front: sc_rap_build sorts it with qsort even
     * when it holds no action, and qsort(NULL, 0, ...) is undefined (UBSan). */
    s->rap.cap = 64;
    s->rap.actions = malloc(s->rap.cap * sizeof *s->rap.actions);
    if (!s->rap.actions) {
        sculpt_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    return SC_OK;
}

static int64_t sculpt_cadence(const void *state)
{
    const sculpt_state *s = state;
    return (s->guard || s->intra) && s->step_ms < s->cadence_ms ? s->step_ms : s->cadence_ms;
}

/* Max of the view's ieq over the steps overlapping UTC hour h; NaN if none observed. */
double sc_sculpt_hour_max(const sc_policy_view *v, int a, int r, int64_t h)
{
    return sc_view_ieq_max(v, a, r, h * HOUR_MS, (h + 1) * HOUR_MS);
}

/* Mean of the view's ieq over the steps of UTC hour h; NaN if none observed. */
static double hour_mean(const sc_policy_view *v, int a, int r, int64_t h)
{
    const sc_scenario *sc = v->sc;
    int64_t k0 = sc_time_floor_div(h * HOUR_MS - sc->start, sc->step_ms);
    int64_t k1 = sc_time_floor_div((h + 1) * HOUR_MS - 1 - sc->start, sc->step_ms);
    double sum = 0.0;
    int n = 0;
    for (int64_t k = k0 < 0 ? 0 : k0; k <= k1; k++) {
        double e = sc_view_ieq(v, a, r, k);
        if (e >= 0) {
            sum += e;
            n++;
        }
    }
    return n ? sum / n : NAN;
}

/* The hourly statistic forecast: the peak, or the mean with hour_stat "mean". */
double sc_sculpt_hour_stat(const sculpt_state *s, const sc_policy_view *v, int a, int r, int64_t h)
{
    return s->hour_mean ? hour_mean(v, a, r, h) : sc_sculpt_hour_max(v, a, r, h);
}

/* Feed the engine the steps of (a, r) that became visible since the last decision:
 * each scenario step k is an observation covering [start + k step, start + (k+1) step)
 * (the engine takes the hourly peak or mean over the steps overlapping an hour, as
 * sc_view_ieq_max does).  The step containing now is fed once it is visible. */
static sc_status sp_feed(sculpt_state *s, const sc_policy_view *v, int a, int r, size_t ar,
                         sc_error *err)
{
    const sc_scenario *sc = v->sc;
    int64_t k_now = sc_time_floor_div(v->now - sc->start, sc->step_ms);
    sculpt_ar *h = &s->ar[ar];
    for (; h->k_fed <= k_now; h->k_fed++) {
        double e = sc_view_ieq(v, a, r, h->k_fed);
        if (h->k_fed == k_now && !(e >= 0))
            break; /* not visible yet (a lagging live driver) */
        if (!(e >= 0))
            continue; /* not observed (as sc_view_ieq_max) */
        sc_status st = sc_wpe_observe(s->wpe, ar, sc->start + h->k_fed * sc->step_ms, e, err);
        if (st)
            return st;
    }
    return SC_OK;
}

/* Bring the forecast of (a, r) up to the hour under way (the engine refits or updates)
 * and write its quantiles into s->quant (K x nq).  With no whole hour yet, every
 * quantile is the current ieq. */
static sc_status sp_forecast(sculpt_state *s, const sc_policy_view *v, int a, int r,
                             sc_error *err)
{
    const sc_scenario *sc = v->sc;
    size_t ar = sc_view_ar(v, a, r);
    /* The simulator runs a step's event before decisions at the same instant, so the
     * step containing now is visible; a live driver may lag, hence the fallback. */
    double now_ieq = sc_view_ieq(v, a, r, sc_time_floor_div(v->now - sc->start, sc->step_ms));
    int now_seen = now_ieq >= 0;
    if (!now_seen)
        now_ieq = v->ieq_now[ar] >= 0 ? v->ieq_now[ar] : 0.0;
    sc_status st;
    if ((st = sp_feed(s, v, a, r, ar, err)))
        return st;
    sc_error ferr;
    st = sc_wpe_forecast(s->wpe, ar, v->now, (size_t)s->K, s->mean, s->quant, NULL, &ferr);
    if (st == SC_ERR_EMPTY) {
        for (int i = 0; i < s->K * s->nq; i++)
            s->quant[i] = now_ieq;
        return SC_OK;
    }
    if (st)
        return sc_error_set(err, st, NULL, "sculpt: forecast: %s", ferr.msg);
    /* the hour under way has been seen in part: its peak is at least what was seen */
    for (int qi = 0; qi < s->nq && now_seen && !s->hour_mean; qi++)
        if (s->quant[qi] < now_ieq)
            s->quant[qi] = now_ieq;
    return SC_OK;
}

static sc_status sculpt_replan(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err)
{
    const sc_scenario *sc = v->sc;
    int R = (int)sc->n_regions, K = s->K, Q = s->nq;
    sc_time_ms plan_start = sc_time_floor_div(v->now, HOUR_MS) * HOUR_MS;
    sc_status st;
    int commit = s->reserve_every_ms > 0 && !s->on_demand_only && v->now >= s->next_commit;
    if (commit)
        while (s->next_commit <= v->now)
            s->next_commit = sc_time_add(s->next_commit, s->reserve_every_ms);
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        sc_opt_problem_buf *b = s->prob[a];
        sc_opt_problem *p = &b->p;
        const sc_instance_type *it = &sc->types[app->instance_type];
        double kk = 0.0;
        for (int m = 0; m < SC_METRIC_RESOURCES; m++)
            if (it->capacity[m] > 0 && app->needs[m] / it->capacity[m] > kk)
                kk = app->needs[m] / it->capacity[m];
        double ucap = kk > 0 ? 1.0 / kk : 1.0;
        p->step_ms = HOUR_MS;
        p->start_ms = plan_start;
        p->serve_util = sc_sculpt_util(s, (int)a);
        p->penalty_per_ieq_hour = app->slo.penalty_per_unit_hour * ucap * s->penalty_mult;
        p->max_inst = app->max_instances;
        p->spot_max_share = s->on_demand_only ? 0.0 : s->spot_max_share;
        p->flap_budget = -1.0;
        p->may_buy_reserved = 0;
        for (int q = 0; q < Q; q++)
            b->qlevel[q] = s->q[q];
        int any = 0;
        for (int r = 0; r < R; r++) {
            const sc_region *rg = &sc->regions[r];
            const sc_region_type *rt = &rg->types[app->instance_type];
            b->price[r * 3 + SC_PURCHASE_ONDEMAND] = rt->price_per_hour[SC_PURCHASE_ONDEMAND];
            /* reserved held is a fixed count in the LP (may_buy_reserved = 0) */
            b->price[r * 3 + SC_PURCHASE_RESERVED] = rt->price_per_hour[SC_PURCHASE_RESERVED];
            b->price[r * 3 + SC_PURCHASE_SPOT] =
                s->on_demand_only ? NAN : rt->price_per_hour[SC_PURCHASE_SPOT];
            int held = 0;
            for (int o = 0; o < 3; o++) {
                int n = sc_pool_requested(sc_view_pool(v, (int)a, r, (sc_purchase)o));
                b->current[r * 3 + o] = n;
                held += n;
            }
            /* reserved instances whose commitment ended are released (the next
             * commitment point buys again if the rule says so) */
            int active = sc_sculpt_commits_active(&s->ar[sc_view_ar(v, (int)a, r)], v->now);
            if (b->current[r * 3 + SC_PURCHASE_RESERVED] > active) {
                if (sc_plan_to_target(plan, v, (int)a, r, SC_PURCHASE_RESERVED, active))
                    return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
                held -= b->current[r * 3 + SC_PURCHASE_RESERVED] - active;
                b->current[r * 3 + SC_PURCHASE_RESERVED] = active;
            }
            double lim = rt->capacity_limit;
            unsigned kind = SC_OPT_BIND_CAPACITY;
            if (rg->vcpu_quota >= 0 && it->capacity[SC_METRIC_CPU] > 0) {
                double qv = floor(rg->vcpu_quota / it->capacity[SC_METRIC_CPU] + 1e-9);
                if (lim < 0 || qv < lim) {
                    lim = qv;
                    kind = SC_OPT_BIND_QUOTA;
                }
            }
            b->cap_limit[r] = lim < 0 ? -1.0 : lim;
            b->cap_kind[r] = kind;
            size_t ar = sc_view_ar(v, (int)a, r);
            int deployed = held > 0 || v->load_now[ar] > 0;
            b->min_inst[r] = deployed ? app->min_instances : 0;
            s->lead_ms[r] = (int64_t)ceil(sc_dist_quantile(&rg->boot, 0.95)) + app->warmup_ms;
            /* the plan's step 0 is the hour under way: capacity requested now arrives
             * at now + lead, which is inside it; later hours are reachable when the lead
             * fits before them */
            int64_t reach = v->now + s->lead_ms[r] - plan_start;
            b->lead_steps[r] = (int)((reach + HOUR_MS - 1) / HOUR_MS) - 1;
            if (b->lead_steps[r] < 0)
                b->lead_steps[r] = 0;
            double loss = rg->spot_interrupt_per_hour * (double)s->lead_ms[r] / 3.6e6;
            b->spot_loss[r] = loss < 0.9 ? loss : 0.9;
            for (int g = 0; g < R && !s->route; g++) {
                b->route_ok[g * R + r] = g == r;
                b->egress_per_ieq_hour[g * R + r] = 0.0;
            }
            if (!deployed) {
                for (int i = 0; i < K * Q && !s->route; i++)
                    b->demand[(size_t)r * (size_t)K * (size_t)Q + (size_t)i] = 0.0;
                continue;
            }
            /* routing plan: demand per geography (below); the region's own forecast
             * only for a commitment decision */
            any |= !s->route;
            if ((!s->route || commit) && (st = sp_forecast(s, v, (int)a, r, err)))
                return st;
            if (commit && !sc_sculpt_itype_owns(s, sc, (int)a, r) &&
                (st = sc_sculpt_reserve_decide(s, v, (int)a, r, b, err)))
                return st;
            /* the headroom factor (sculpt_size.c; 1 exactly: no change) */
            double hr = sc_sculpt_slo_headroom(s, (int)a);
            for (int k = 0; k < K && !s->route; k++)
                for (int q = 0; q < Q; q++)
                    b->demand[((size_t)r * (size_t)K + (size_t)k) * (size_t)Q + (size_t)q] =
                        hr * s->quant[(size_t)k * (size_t)Q + (size_t)q];
        }
        if (s->route && (st = sc_sculpt_route_fill(s, v, (int)a,
                                                   sc_sculpt_slo_headroom(s, (int)a),
                                                   b, &any, err)))
            return st;
        if (!any) {
            if (s->intra) { /* nothing deployed: the plan is none (the guard still acts) */
                memset(s->sol[a]->x, 0, (size_t)R * 3 * (size_t)K * sizeof *s->sol[a]->x);
                s->planned_at[a] = plan_start;
            }
            continue;
        }
        if (commit && (st = sc_sculpt_rjson_write(s, err)))
            return st;
        sc_sculpt_stockout_problem(s, sc, (int)a, b); /* marked spot pools: not offered */
        if ((st = sc_optimizer_solve(s->opt, p, s->sol[a], err)))
            return st;
        if ((st = sc_sculpt_itype_replan(s, v, (int)a, err))) /* instance types */
            return st;
        sc_rap_clear(&s->rap);
        sc_rap_ctx ctx = {.sc = sc, .app = (int)a, .type = app->instance_type, .now = v->now,
                          .lead_ms = s->lead_ms,
                          .forecast = sc_wpe_forecaster(s->wpe, a * sc->n_regions)
                                          ? sc_forecaster_name(sc_wpe_forecaster(
                                                s->wpe, a * sc->n_regions))
                                          : ""};
        if ((st = sc_rap_build(&s->rap, &ctx, p, s->sol[a], err)))
            return st;
        if (s->intra) {
            /* on-demand and spot counts are set step by step by shape_step from this
             * solution; the plan keeps the reserved actions only */
            size_t keep = 0;
            for (size_t i = 0; i < s->rap.n; i++)
                if (s->rap.actions[i].act.option == SC_PURCHASE_RESERVED)
                    s->rap.actions[keep++] = s->rap.actions[i];
            s->rap.n = keep;
            s->planned_at[a] = plan_start;
        }
        if ((st = sc_sculpt_reserve_emit(s, v, (int)a, err)))
            return st;
        if ((st = sc_rap_to_plan(&s->rap, v->now + s->cadence_ms, plan)))
            return sc_error_set(err, st, NULL, "sculpt: out of memory");
    }
    return SC_OK;
}

static sc_status sculpt_decide(void *state, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err)
{
    sculpt_state *s = state;
    const sc_scenario *sc = v->sc;
    sc_sculpt_reconcile(s, v);
    sc_sculpt_slo_observe(s, v);
    /* routing plan: a changed health verdict replans at once (failover) */
    int health = sc_sculpt_route_health_changed(s, v);
    health |= sc_sculpt_stockout_observe(s, v); /* a spot pool marked or back: replan */
    if (s->last_plan == SC_TIME_MIN || v->now - s->last_plan >= s->cadence_ms || health) {
        s->last_plan = v->now;
        sc_sculpt_slo_update(s, v);
        sc_status st = sculpt_replan(s, v, plan, err);
        if (!st && s->intra)
            st = sc_sculpt_shape_step(s, v, plan, err);
        if (!st && s->intra)
            st = sc_sculpt_itype_step(s, v, plan, err); /* instance types */
        return st ? st : sc_sculpt_route_step(s, v, plan, err);
    }
    if (s->intra) {
        sc_status st = sc_sculpt_shape_step(s, v, plan, err);
        if (!st)
            st = sc_sculpt_itype_step(s, v, plan, err); /* instance types */
        return st ? st : sc_sculpt_route_step(s, v, plan, err);
    }
    if (!s->guard)
        return SC_OK;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            /* the guard's factor (sculpt_size.c; 1 without the sizer) */
            double need = v->ieq_now[ar] * sc_sizer_guard_factor(&s->size, (int)a);
            if (!(need > 0))
                continue;
            int total = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                total += sc_pool_requested(sc_view_pool(v, (int)a, (int)r, (sc_purchase)o));
            double tu = sc_sculpt_util(s, (int)a);
            /* issue 11 (route_cool): at the utilisation of the routes served */
            int n = (int)ceil(need / sc_sculpt_route_guard_util(s, sc, (int)a, (int)r, tu) - 1e-9);
            if (n > app->max_instances)
                n = app->max_instances;
            int nb = sc_sculpt_burst_count(s, v, (int)a, (int)r, tu); /* sculpt_burst.c */
            if (nb > n)
                n = nb;
            if (n <= total)
                continue;
            int od = sc_pool_requested(sc_view_pool(v, (int)a, (int)r, SC_PURCHASE_ONDEMAND));
            sc_status st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_ONDEMAND,
                                             od + n - total);
            if (st)
                return sc_error_set(err, st, NULL, "sculpt: cannot build plan");
        }
    }
    return SC_OK;
}

const sc_policy_type sc_policy_sculpt = {
    .name = "sculpt",
    .version = 2,
    .state_size = sizeof(sculpt_state),
    .clairvoyant = 0,
    .init = sculpt_init,
    .cleanup = sculpt_cleanup,
    .cadence_ms = sculpt_cadence,
    .decide = sculpt_decide,
    .params = sc_sculpt_params,
    .n_params = sizeof sc_sculpt_params / sizeof sc_sculpt_params[0],
    .summary = sc_sculpt_summary,
};
