/*
 * sculpt.c - the `sculpt` policy: forecast -> optimizer -> plan, replanned on a cadence,
 * with forecast-driven scale-in as well as scale-out (DESIGN.md "Data flow"), reserved
 * purchases at planned commitment points, and announced events as regressors.
 *
 * Every `cadence` (default 1 h), per app:
 *  1. Workload Intensity Vector.  Per (app, region), the history is the hourly MAX of
 *     the observed instance-equivalents (capacity must serve the peak of an hour) over
 *     whole UTC hours.  A forecaster (forecast.h) is fitted through the fallback
 *     hierarchy (`ets` -> `snaive` -> `naive` by default, `ensemble` on request, so a forecast
 *     exists from the first hour on) on the last `history` (14 d) of hours, refitted
 *     every `refit` (24 h) and advanced between refits with the cheap update() on each
 *     new hour.  It predicts `horizon` (24 h) of hourly quantiles at `quantiles`
 *     (default 0.5, 0.75, 0.9, 0.95, 0.99), starting with the hour under way.  Before
 *     the first whole hour the current observation stands in for every quantile.
 *     Event feed (`events`, a feed file of events.h; off by default): the events that
 *     apply to the app and to a geography whose home is the region (or to "*") and that
 *     are KNOWN at the decision time enter the fit as exogenous regressors, one 0/1
 *     indicator column per event kind (sc_exog_from_feed without its lift column: the
 *     stated lifts are noisy and often missing, and the indicator alone did better in
 *     core/forecast/README.md "Event feeds: measured value"); a column with no event in
 *     the history is dropped (its coefficient cannot be estimated).  The feed has no
 *     announce time, so an event counts as known from its announced start minus
 *     `announce_lead` (24 h).  The announced rows of the next refit + horizon hours are
 *     passed as future rows; a newly known event forces a refit.  With a feed the
 *     default forecaster is `harmonic` (the exog-capable model measured on campaigns)
 *     and the series is forecast on the log scale (`forecast_log`): campaign lifts are
 *     multiplicative, and quantiles map back exactly through exp.
 *  2. Optimizer.  One problem per app for `optimizer` (`lp` by default, optimizer.h):
 *     plan steps are the hours of the horizon; geographies = regions (the simulator
 *     routes load by the scenario's fixed shares, so each region's routed load is what
 *     its capacity must serve); capacity at the app's target utilisation covers the
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
 *  4. Intra-hour shaping (`intra_hour`, default on).  The hourly plan sizes capacity
 *     for the forecast of the hour's PEAK, which most of the hour does not need.  Each
 *     hour is cut into sub-steps of `substep` (15 min, at least the scenario step).
 *     The profile of a sub-step is the `profile_level` quantile (0.5: the median) over
 *     the last `profile_days` (7) days of the ratio of that sub-step's observed peak ieq
 *     to its hour's peak, same hour of day and same position in the hour (1 with no
 *     such day).  A sub-step of hour k with profile p gets the capacity p x C_k, C_k =
 *     x_od + x_res + (1 - spot loss) x_spot the LP's planned serving capacity of the
 *     hour: reserved first (held anyway), on-demand and spot cut in the hour's
 *     proportion, rounded up, at least min_instances.  Every scenario step, the
 *     decision at now is the last one before now + step, and capacity it requests
 *     arrives at now + lead (boot p95 + warm-up), while what it releases cannot come
 *     back before then: it sets the counts to the maximum over the sub-steps
 *     overlapping [now, now + step + lead).  So provisions are issued a lead time
 *     before the sub-step needs them, and an instance is released only when no
 *     sub-step needs it for longer than its lead time (its boot and warm-up are billed
 *     again if it comes back; billing is per second with a 60 s minimum, below any
 *     step of the scenarios).  The guard (below) is folded in: at least
 *     ceil(peak observed ieq over the last `guard_hold` / target) instances, the
 *     extra as on-demand; when the observation falls back the controller returns to
 *     the forecast's counts (the guard scales in after its hold).
 *  Reserved purchases (`reserve_every`, default 7 d; 0 = never; never with
 *  `on_demand_only`): commitment points are the replans at start + j x reserve_every
 *  (j >= 1).  At one, per deployed (app, region) offering reserved, the long-horizon
 *  view is the hourly peak ieq of the last `reserve_history` (14 d) of whole hours plus
 *  the forecast median of the horizon; need[h] = ceil(ieq[h] / target).  The level L is
 *  the newsvendor rule of policy_sculpt.h (sc_sculpt_reserve_level): the largest L
 *  whose mean hourly saving against on-demand (or spot, within the spot share) is at
 *  least the reserved price; without spot, the level of need exceeded in a fraction
 *  >= c_res / c_od of the hours.  L is clipped to the region's limits (capacity limit,
 *  quota, max_instances), and L - held instances are bought at once, for the region's
 *  `reserved_term` (the simulator bills the commitment pro rata inside the run, used or
 *  not).  They are kept for the term; when a term ends, its instances are released at
 *  the next replan (the next commitment point buys again if the rule says so).  The
 *  purchase joins the plan with its explanation record (sc_rap_why: rule level as the
 *  quantile covered, level in ieq, binding "reserved" plus any limit that clipped it,
 *  the commitment's cost) and the policy's reserve log (sc_sculpt_reserve_log).  The
 *  LP of the commitment point still sees the reserved held before it (the new instances
 *  boot; the LP's on-demand instances they replace leave at the next replan).  Refused
 *  or throttled purchases are taken off the commitments at the next decision.
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
 *  "profile_days": 7, "profile_level": 0.5, "guard_hold": "300s", "hour_stat": "max"}
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

#include "sculpt/events.h"
#include "sculpt/forecast.h"
#include "sculpt/fsutil.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sculpt/wpe.h"

#define HOUR_MS INT64_C(3600000)
#define MAX_Q 16
#define LOG_FLOOR 1e-3        /* ieq floor before log (forecast_log) */

typedef struct sculpt_commit {
    sc_time_ms end_ms;        /* commitment ends (exclusive) */
    int count;
    long log_idx;             /* entry in the reserve log, -1 for the initial allocation */
} sculpt_commit;

typedef struct sculpt_ar {
    int64_t k_fed;            /* next scenario step to feed the engine */
    sculpt_commit *commits;   /* reserved commitments, oldest first */
    int n_commits, cap_commits;
} sculpt_ar;

/* A reserved purchase decided in this replan, joined to the plan after the solve. */
typedef struct sculpt_buy {
    int count;
    sc_rap_why why;
} sculpt_buy;

typedef struct sculpt_state {
    int64_t cadence_ms, horizon_ms, history_ms, refit_ms;
    char optimizer[SC_NAME_MAX];
    double penalty_mult;
    int on_demand_only, guard;
    double spot_max_share;
    double target_override;   /* <= 0: the app's target_util */
    double q[MAX_Q];
    int nq;
    char ets_spec[8];
    char first[SC_NAME_MAX];  /* most capable forecaster asked for */
    const char *names[4];     /* forecaster hierarchy */
    size_t n_names;
    int K;                    /* plan steps (hours) */
    size_t n_ar;
    sculpt_ar *ar;            /* [n_ar] */
    sc_wpe *wpe;              /* the prediction engine: one series per (app, region) */
    double *mean, *quant;     /* scratch [K], [K * nq] */
    int64_t hist_cap;
    int64_t *lead_ms;         /* [n_regions] scratch per app */
    sc_optimizer *opt;
    size_t n_apps;
    sc_opt_problem_buf **prob;/* [n_apps] */
    sc_opt_solution **sol;    /* [n_apps] */
    sc_rap rap;
    sc_time_ms last_plan;     /* SC_TIME_MIN: never */
    int64_t step_ms;
    /* reserved */
    int64_t reserve_every_ms; /* 0: no reserved purchases */
    int64_t reserve_history_ms;
    sc_time_ms next_commit;   /* next commitment point */
    int *need;                /* scratch [reserve history hours + K] */
    int64_t need_cap;
    sculpt_buy *buy;          /* [n_regions] this replan's purchases */
    sc_sculpt_reserve *rlog;  /* reserve log */
    size_t n_rlog, cap_rlog;
    char rlog_path[1024];     /* "reserve_log": JSON file of every commitment decision */
    cJSON *rjson;             /* its array */
    /* event feed */
    sc_event_feed *feed;      /* NULL: none (borrowed by the engine) */
    int64_t announce_lead_ms;
    int forecast_log;
    int event_lift;           /* also the announced-lift column */
    /* intra-hour shaping */
    int intra;                /* shape the hourly plan inside the hour (default on) */
    int64_t substep_ms;       /* profile resolution (>= the scenario step) */
    int profile_days;         /* days of history the profile is the median over */
    double profile_level;     /* quantile of the ratios taken (0.5: the median) */
    int64_t guard_hold_ms;    /* the guard's instances are held this long */
    int hour_mean;            /* forecast the hourly mean (profile: sub-step peak / mean) */
    sc_time_ms *planned_at;   /* [n_apps] plan_start of app a's last solve; SC_TIME_MIN */
} sculpt_state;

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
    free(s->ar);
    s->ar = NULL;
}

static int commit_push(sculpt_ar *h, sculpt_commit c)
{
    if (h->n_commits == h->cap_commits) {
        int nc = h->cap_commits ? 2 * h->cap_commits : 4;
        sculpt_commit *na = realloc(h->commits, (size_t)nc * sizeof *na);
        if (!na)
            return -1;
        h->commits = na;
        h->cap_commits = nc;
    }
    h->commits[h->n_commits++] = c;
    return 0;
}

/* Reserved instances committed and not expired at now. */
static int commits_active(const sculpt_ar *h, sc_time_ms now)
{
    int n = 0;
    for (int i = 0; i < h->n_commits; i++)
        if (h->commits[i].end_ms > now)
            n += h->commits[i].count;
    return n;
}

/* The prediction engine of the policy (wpe.h): hourly steps by the peak (or mean) of
 * the scenario steps overlapping an hour, from the first whole hour of the run; one
 * series per (app, region) whose events are those of the geographies at home there. */
static sc_status sp_engine_alloc(sculpt_state *s, const sc_scenario *sc, const char *where,
                                 sc_error *err)
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
    snprintf(wc.fc.spec, sizeof wc.fc.spec, "%s", s->ets_spec);
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
    static const char *const keys[] = {
        "cadence", "horizon", "optimizer", "penalty_multiplier", "on_demand_only",
        "quantiles", "history", "refit", "ets_spec", "spot_max_share", "guard", "target_util",
        "forecaster", "reserve_every", "reserve_history", "events", "announce_lead",
        "forecast_log", "reserve_log", "event_lift", "intra_hour", "substep", "profile_days",
        "guard_hold", "hour_stat", "profile_level"};
    sculpt_state *s = state;
    sc_rap_init(&s->rap);
    s->cadence_ms = HOUR_MS;
    s->horizon_ms = 24 * HOUR_MS;
    s->history_ms = 14 * 24 * HOUR_MS;
    s->refit_ms = 24 * HOUR_MS;
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
    s->guard_hold_ms = 300 * INT64_C(1000);
    for (const cJSON *it = params->child; it; it = it->next) {
        size_t k = 0;
        while (k < sizeof keys / sizeof keys[0] && strcmp(keys[k], it->string) != 0)
            k++;
        if (k == sizeof keys / sizeof keys[0])
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "unknown parameter '%s' of policy sculpt", it->string);
    }
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
        (st = sc_policy_param_bool(params, "intra_hour", &s->intra, where, err)))
        return st;
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
    s->n_ar = sc->n_apps * sc->n_regions;
    s->hist_cap = s->history_ms / HOUR_MS;
    if (s->hist_cap < 1)
        s->hist_cap = 1;
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
    int R = (int)sc->n_regions;
    for (size_t a = 0; a < sc->n_apps; a++)
        if ((st = sc_opt_problem_alloc(R, R, s->K, s->nq, &s->prob[a], err)) ||
            (st = sc_opt_solution_alloc(R, R, s->K, s->nq, &s->sol[a], err))) {
            snprintf(err->where, sizeof err->where, "%s", where);
            sculpt_cleanup(s);
            return st;
        }
    if ((st = sp_engine_alloc(s, sc, where, err))) {
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
            if (commit_push(&s->ar[a * sc->n_regions + (size_t)ia->region], c)) {
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
static double hour_max(const sc_policy_view *v, int a, int r, int64_t h)
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
static double hour_stat(const sculpt_state *s, const sc_policy_view *v, int a, int r, int64_t h)
{
    return s->hour_mean ? hour_mean(v, a, r, h) : hour_max(v, a, r, h);
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

/* ---- reserved purchases ------------------------------------------------------------ */

int sc_sculpt_reserve_level(const int *need, size_t n, double c_res, double c_od,
                            double c_sp, double spot_share, double *mean_saving)
{
    if (mean_saving)
        *mean_saving = 0.0;
    if (!need || n == 0 || !(c_res >= 0) || !(c_od > 0) || !isfinite(c_od))
        return 0;
    int spot = isfinite(c_sp) && c_sp > 0 && spot_share > 0;
    double sh = spot ? (spot_share < 1 ? spot_share : 1.0) : 0.0;
    double band = spot && c_sp < c_od ? c_sp : c_od;
    int top = 0;
    for (size_t h = 0; h < n; h++)
        if (need[h] > top)
            top = need[h];
    int level = 0;
    for (int l = 1; l <= top; l++) {
        double tot = 0.0;
        for (size_t h = 0; h < n; h++) {
            int nh = need[h] > 0 ? need[h] : 0;
            int m = (int)ceil((1.0 - sh) * nh - 1e-9);
            if (l <= m)
                tot += c_od;
            else if (l <= nh)
                tot += band;
        }
        double mean = tot / (double)n;
        if (mean_saving)
            *mean_saving = mean;
        /* buy when the expected saving covers the price (relative tolerance for the
         * rounding of a sum of equal terms) */
        if (!(mean >= c_res * (1.0 - 1e-12)))
            break;
        level = l;
    }
    if (mean_saving && level > 0) {
        /* the loop left the saving of level + 1 (or of level when it reached top) */
        double tot = 0.0;
        for (size_t h = 0; h < n; h++) {
            int nh = need[h] > 0 ? need[h] : 0;
            int m = (int)ceil((1.0 - sh) * nh - 1e-9);
            tot += level <= m ? c_od : level <= nh ? band : 0.0;
        }
        *mean_saving = tot / (double)n;
    }
    return level;
}

const sc_sculpt_reserve *sc_sculpt_reserve_log(const sc_policy *p, size_t *n)
{
    *n = 0;
    if (!p || p->type != &sc_policy_sculpt || !p->state)
        return NULL;
    const sculpt_state *s = p->state;
    *n = s->n_rlog;
    return s->rlog;
}

/* Take refused or throttled reserved purchases off the commitments: the pool holds
 * fewer reserved instances than are committed and not expired (newest first). */
static void reconcile(sculpt_state *s, const sc_policy_view *v)
{
    const sc_scenario *sc = v->sc;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            sculpt_ar *h = &s->ar[a * sc->n_regions + r];
            if (!h->n_commits)
                continue;
            int held = sc_pool_requested(sc_view_pool(v, (int)a, (int)r, SC_PURCHASE_RESERVED));
            int lack = commits_active(h, v->now) - held;
            for (int i = h->n_commits - 1; i >= 0 && lack > 0; i--) {
                sculpt_commit *c = &h->commits[i];
                if (c->end_ms <= v->now || c->count <= 0)
                    continue;
                int take = c->count < lack ? c->count : lack;
                c->count -= take;
                lack -= take;
                if (c->log_idx >= 0) {
                    sc_sculpt_reserve *e = &s->rlog[c->log_idx];
                    e->count -= take;
                    e->commit_usd = e->count * e->c_res * e->term_hours;
                }
            }
        }
}

/* One commitment decision as a JSON record of the reserve log, with the view's need
 * histogram ([need, hours] pairs), so that the level can be recomputed from it. */
static int rjson_add(sculpt_state *s, const sc_policy_view *v, int a, int r, size_t n,
                     size_t n_hist, double c_res, double c_od, double c_sp, double share,
                     int rule, int level, int held, unsigned clipped)
{
    const sc_scenario *sc = v->sc;
    if (!s->rjson && !(s->rjson = cJSON_CreateArray()))
        return -1;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    cJSON_AddItemToArray(s->rjson, o);
    char tb[40], bb[128];
    sc_time_format(v->now, tb, sizeof tb);
    cJSON_AddStringToObject(o, "t", tb);
    cJSON_AddStringToObject(o, "app", sc->apps[a].name);
    cJSON_AddStringToObject(o, "region", sc->regions[r].name);
    cJSON_AddNumberToObject(o, "c_res", c_res);
    cJSON_AddNumberToObject(o, "c_od", c_od);
    if (share > 0)
        cJSON_AddNumberToObject(o, "c_sp", c_sp);
    else
        cJSON_AddNullToObject(o, "c_sp");
    cJSON_AddNumberToObject(o, "spot_share", share);
    cJSON_AddNumberToObject(o, "hours", (double)n);
    cJSON_AddNumberToObject(o, "hours_history", (double)n_hist);
    cJSON_AddNumberToObject(o, "rule_level", rule);
    cJSON_AddNumberToObject(o, "level", level);
    cJSON_AddNumberToObject(o, "held", held);
    cJSON_AddNumberToObject(o, "bought", level > held ? level - held : 0);
    cJSON_AddStringToObject(o, "clipped_by", clipped ? sc_opt_bind_names(clipped, bb, sizeof bb)
                                                      : "none");
    cJSON *hist = cJSON_AddArrayToObject(o, "need_hours");
    if (!hist)
        return -1;
    /* histogram of need: sort a copy by counting (needs are small integers) */
    int top = 0;
    for (size_t i = 0; i < n; i++)
        if (s->need[i] > top)
            top = s->need[i];
    for (int x = 0; x <= top; x++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            c += s->need[i] == x;
        if (!c)
            continue;
        cJSON *pair = cJSON_CreateArray();
        if (!pair)
            return -1;
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(x));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)c));
        cJSON_AddItemToArray(hist, pair);
    }
    return 0;
}

/* Rewrite the reserve log file (atomically). */
static sc_status rjson_write(sculpt_state *s, sc_error *err)
{
    if (!s->rlog_path[0] || !s->rjson)
        return SC_OK;
    char *text = cJSON_Print(s->rjson);
    if (!text)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, s->rlog_path, err);
    if (st) {
        free(text);
        return st;
    }
    FILE *f = fopen(af.tmp, "w");
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0)
        ok = 0;
    free(text);
    if (!ok) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, s->rlog_path, "cannot write the reserve log");
    }
    return sc_atomic_commit(&af, err);
}

/* Commitment point for (a, r): the rule's level from the long-horizon view (history
 * hours + the forecast median in s->quant, which sp_forecast just filled), clipped to
 * the region's limits; records the purchase in s->buy[r], the commitments and the log. */
static sc_status reserve_decide(sculpt_state *s, const sc_policy_view *v, int a, int r,
                                const sc_opt_problem_buf *b, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    const sc_region *rg = &sc->regions[r];
    s->buy[r].count = 0;
    double c_res = b->price[r * 3 + SC_PURCHASE_RESERVED];
    double c_od = b->price[r * 3 + SC_PURCHASE_ONDEMAND];
    if (!isfinite(c_res) || !isfinite(c_od) || !(c_od > c_res))
        return SC_OK;
    double u = b->p.serve_util;
    int64_t h_end = sc_time_floor_div(v->now, HOUR_MS);
    int64_t h_first = sc_time_floor_div(sc->start + HOUR_MS - 1, HOUR_MS);
    int64_t h0 = h_end - s->reserve_history_ms / HOUR_MS;
    if (h0 < h_first)
        h0 = h_first;
    size_t n = 0;
    for (int64_t hh = h0; hh < h_end && (int64_t)n < s->need_cap; hh++) {
        double x = hour_max(v, a, r, hh);
        if (x == x)
            s->need[n++] = x > 0 ? (int)ceil(x / u - 1e-6) : 0;
    }
    size_t n_hist = n;
    int qm = 0;
    for (int q = 1; q < s->nq; q++)
        if (fabs(s->q[q] - 0.5) < fabs(s->q[qm] - 0.5))
            qm = q;
    for (int k = 0; k < s->K && (int64_t)n < s->need_cap; k++) {
        double x = s->quant[(size_t)k * (size_t)s->nq + (size_t)qm];
        s->need[n++] = x > 0 ? (int)ceil(x / u - 1e-6) : 0;
    }
    if (n == 0)
        return SC_OK;
    double c_sp = b->price[r * 3 + SC_PURCHASE_SPOT];
    double share = isfinite(c_sp) ? b->p.spot_max_share : 0.0;
    if (isfinite(c_sp))
        c_sp /= 1.0 - b->spot_loss[r];
    double saving = 0.0;
    int rule = sc_sculpt_reserve_level(s->need, n, c_res, c_od, c_sp, share, &saving);
    int level = rule;
    unsigned clipped = 0;
    if (b->cap_limit[r] >= 0 && level > (int)b->cap_limit[r]) {
        level = (int)b->cap_limit[r];
        clipped |= b->cap_kind[r];
    }
    if (app->max_instances >= 0 && level > app->max_instances) {
        level = app->max_instances;
        clipped |= SC_OPT_BIND_MAX_INST;
    }
    sculpt_ar *h = &s->ar[sc_view_ar(v, a, r)];
    int held = commits_active(h, v->now);
    if (s->rlog_path[0] &&
        rjson_add(s, v, a, r, n, n_hist, c_res, c_od, c_sp, share, rule, level, held, clipped))
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
    if (level <= held)
        return SC_OK;
    int cnt = level - held;
    size_t exceed = 0;
    for (size_t i = 0; i < n; i++)
        exceed += s->need[i] >= level;
    if (s->n_rlog == s->cap_rlog) {
        size_t nc = s->cap_rlog ? 2 * s->cap_rlog : 16;
        sc_sculpt_reserve *nl = realloc(s->rlog, nc * sizeof *nl);
        if (!nl)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
        s->rlog = nl;
        s->cap_rlog = nc;
    }
    double term_h = (double)rg->reserved_term_ms / 3.6e6;
    sc_sculpt_reserve e = {.t = v->now,
                           .end_ms = sc_time_add(v->now, rg->reserved_term_ms),
                           .app = a,
                           .region = r,
                           .held = held,
                           .rule_level = rule,
                           .level = level,
                           .count = cnt,
                           .hours = (int)n,
                           .hours_history = (int)n_hist,
                           .exceed_frac = (double)exceed / (double)n,
                           .mean_saving = saving,
                           .c_res = c_res,
                           .c_od = c_od,
                           .c_sp = share > 0 ? c_sp : NAN,
                           .spot_share = share,
                           .term_hours = term_h,
                           .commit_usd = cnt * c_res * term_h,
                           .clipped = clipped};
    sculpt_commit c = {e.end_ms, cnt, (long)s->n_rlog};
    if (commit_push(h, c))
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
    s->rlog[s->n_rlog++] = e;
    sculpt_buy *bu = &s->buy[r];
    bu->count = cnt;
    memset(&bu->why, 0, sizeof bu->why);
    const sc_forecaster *fc = sc_wpe_forecaster(s->wpe, sc_view_ar(v, a, r));
    snprintf(bu->why.forecast, sizeof bu->why.forecast, "%s", fc ? sc_forecaster_name(fc) : "");
    bu->why.quantile = 1.0 - e.exceed_frac; /* share of the view's hours below the level */
    bu->why.demand_ieq = level * u;
    bu->why.binding = SC_OPT_BIND_RESERVED | clipped;
    bu->why.cost_delta_usd = e.commit_usd;
    bu->why.expected_shortfall_ieq = 0.0;
    bu->why.late = 0;
    bu->why.fallback_option = -1;
    return SC_OK;
}

/* Append this replan's reserved purchases of app a to the plan's explanation record. */
static sc_status reserve_emit(sculpt_state *s, const sc_policy_view *v, int a, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    for (size_t r = 0; r < sc->n_regions; r++) {
        if (s->buy[r].count <= 0)
            continue;
        if (s->rap.n == s->rap.cap) {
            size_t nc = s->rap.cap ? 2 * s->rap.cap : 64;
            sc_rap_action *na = realloc(s->rap.actions, nc * sizeof *na);
            if (!na)
                return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
            s->rap.actions = na;
            s->rap.cap = nc;
        }
        sc_rap_action *ra = &s->rap.actions[s->rap.n++];
        memset(ra, 0, sizeof *ra);
        ra->act.kind = SC_ACTION_PROVISION;
        ra->act.app = a;
        ra->act.region = (int)r;
        ra->act.type = sc->apps[a].instance_type;
        ra->act.option = SC_PURCHASE_RESERVED;
        ra->act.count = s->buy[r].count;
        ra->act.to_region = -1;
        ra->act.to_type = -1;
        ra->act.issue_ms = v->now;
        ra->act.needed_ms = sc_time_add(v->now, s->lead_ms[r]);
        ra->why = s->buy[r].why;
        s->buy[r].count = 0;
    }
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
        p->serve_util = s->target_override > 0 ? s->target_override : app->target_util;
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
            int active = commits_active(&s->ar[sc_view_ar(v, (int)a, r)], v->now);
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
            for (int g = 0; g < R; g++) {
                b->route_ok[g * R + r] = g == r;
                b->egress_per_ieq_hour[g * R + r] = 0.0;
            }
            if (!deployed) {
                for (int i = 0; i < K * Q; i++)
                    b->demand[(size_t)r * (size_t)K * (size_t)Q + (size_t)i] = 0.0;
                continue;
            }
            any = 1;
            if ((st = sp_forecast(s, v, (int)a, r, err)))
                return st;
            if (commit && (st = reserve_decide(s, v, (int)a, r, b, err)))
                return st;
            for (int k = 0; k < K; k++)
                for (int q = 0; q < Q; q++)
                    b->demand[((size_t)r * (size_t)K + (size_t)k) * (size_t)Q + (size_t)q] =
                        s->quant[(size_t)k * (size_t)Q + (size_t)q];
        }
        if (!any) {
            if (s->intra) { /* nothing deployed: the plan is none (the guard still acts) */
                memset(s->sol[a]->x, 0, (size_t)R * 3 * (size_t)K * sizeof *s->sol[a]->x);
                s->planned_at[a] = plan_start;
            }
            continue;
        }
        if (commit && (st = rjson_write(s, err)))
            return st;
        if ((st = sc_optimizer_solve(s->opt, p, s->sol[a], err)))
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
        if ((st = reserve_emit(s, v, (int)a, err)))
            return st;
        if ((st = sc_rap_to_plan(&s->rap, v->now + s->cadence_ms, plan)))
            return sc_error_set(err, st, NULL, "sculpt: out of memory");
    }
    return SC_OK;
}

/* ---- intra-hour shaping ------------------------------------------------------------ */

/* Quantile at level p of x[0..n-1] (n >= 1; sorts x), linear between order statistics
 * (R's type 7): p = 0.5 is the median, 1 the maximum. */
static double quantile7(double *x, int n, double p)
{
    for (int i = 1; i < n; i++) { /* insertion sort: n <= 56 */
        double t = x[i];
        int j = i;
        for (; j > 0 && x[j - 1] > t; j--)
            x[j] = x[j - 1];
        x[j] = t;
    }
    double hpos = (n - 1) * p;
    int lo = (int)floor(hpos);
    if (lo >= n - 1)
        return x[n - 1];
    return x[lo] + (hpos - lo) * (x[lo + 1] - x[lo]);
}

/* Intra-hour profile of (a, r) for the sub-step [t0, t0 + substep) of UTC hour h: the
 * median, over the last profile_days days with that hour observed whole, of the ratio
 * of the sub-step's peak ieq to its hour's peak on that day (same hour of day, same
 * position in the hour).  1 (no shaping) without such a day. */
static double profile(const sculpt_state *s, const sc_policy_view *v, int a, int r, int64_t h,
                      sc_time_ms t0)
{
    const sc_scenario *sc = v->sc;
    int64_t h_end = sc_time_floor_div(v->now, HOUR_MS); /* hours before it are whole */
    int64_t h_first = sc_time_floor_div(sc->start + HOUR_MS - 1, HOUR_MS);
    double ratio[56];
    int n = 0;
    for (int d = 1; d <= s->profile_days; d++) {
        int64_t hh = h - 24 * (int64_t)d;
        if (hh >= h_end)
            continue;
        if (hh < h_first)
            break;
        double m = hour_stat(s, v, a, r, hh);
        if (!(m > 0))
            continue;
        sc_time_ms u0 = t0 - (sc_time_ms)d * 24 * HOUR_MS;
        double x = sc_view_ieq_max(v, a, r, u0, u0 + s->substep_ms);
        if (x >= 0)
            ratio[n++] = x < m || s->hour_mean ? x / m : 1.0;
    }
    return n ? quantile7(ratio, n, s->profile_level) : 1.0;
}

/* Counts of on-demand and spot for a sub-step whose profile is p, in an hour planned at
 * x_od / x_sp / x_res (the LP's integer counts): the capacity p x C, C = x_od + x_res +
 * (1 - loss) x_sp the hour's planned serving capacity, reserved first (held anyway),
 * then on-demand and spot cut in the hour's proportion (so the spot share stays the
 * plan's), rounded up; at least min_inst in all. */
static void substep_counts(int x_od, int x_sp, int x_res, double loss, double p, int min_inst,
                           int *od, int *sp)
{
    double flex = x_od + (1.0 - loss) * x_sp;
    double need = p * (x_res + flex) - x_res;
    int o = 0, q = 0;
    if (need > 1e-9 && flex > 0) {
        double f = need / flex;
        q = (int)floor(f * x_sp + 0.5);
        if (p <= 1.0 && q > x_sp)
            q = x_sp;
        o = (int)ceil(need - (1.0 - loss) * q - 1e-9);
        if (o < 0)
            o = 0;
        if (p <= 1.0 && o > x_od) { /* rounding: never above the hour's plan */
            o = x_od;
            q = x_sp;
        }
    }
    if (o + q + x_res < min_inst)
        o = min_inst - q - x_res;
    *od = o;
    *sp = q;
}

/* Every step: the on-demand and spot counts of each (app, region).  The capacity a
 * decision at now requests arrives at now + lead; the next decision is one step later,
 * so this one must cover every sub-step overlapping [now, now + step + lead) (what it
 * releases cannot come back before now + lead, what it adds serves from then on):
 * the maximum of the sub-step counts there.  So an instance is released only when no
 * sub-step needs it for longer than its lead time (its boot and warm-up are billed),
 * and provisions are issued a lead time before the sub-step needs them.  The guard on
 * top: at least ceil(observed ieq / target) instances for the peak of the last
 * guard_hold, the extra as on-demand (forecast misses, interrupted spot). */
static sc_status shape_step(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
                            sc_error *err)
{
    const sc_scenario *sc = v->sc;
    int64_t cur = sc_time_floor_div(v->now - sc->start, sc->step_ms);
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        if (s->planned_at[a] == SC_TIME_MIN)
            continue;
        const sc_opt_problem_buf *b = s->prob[a];
        const sc_opt_solution *sol = s->sol[a];
        int K = s->K;
        double tu = s->target_override > 0 ? s->target_override : app->target_util;
        for (size_t r = 0; r < sc->n_regions; r++) {
            const sc_region *rg = &sc->regions[r];
            int64_t lead = (int64_t)ceil(sc_dist_quantile(&rg->boot, 0.95)) + app->warmup_ms;
            sc_time_ms w1 = v->now + sc->step_ms + lead;
            int od = 0, sp = 0;
            int x_res = sol->x[(r * 3 + SC_PURCHASE_RESERVED) * (size_t)K];
            for (sc_time_ms t0 = sc_time_floor_div(v->now, s->substep_ms) * s->substep_ms;
                 t0 < w1; t0 += s->substep_ms) {
                int64_t k = sc_time_floor_div(t0 - s->planned_at[a], HOUR_MS);
                if (k < 0)
                    k = 0;
                if (k >= K)
                    k = K - 1;
                int x_od = sol->x[(r * 3 + SC_PURCHASE_ONDEMAND) * (size_t)K + (size_t)k];
                int x_sp = sol->x[(r * 3 + SC_PURCHASE_SPOT) * (size_t)K + (size_t)k];
                double p = x_od + x_sp > 0
                               ? profile(s, v, (int)a, (int)r, sc_time_floor_div(t0, HOUR_MS), t0)
                               : 1.0;
                int o, q;
                substep_counts(x_od, x_sp, x_res, b->spot_loss[r], p, b->min_inst[r], &o, &q);
                if (o > od)
                    od = o;
                if (q > sp)
                    sp = q;
            }
            int res = sc_pool_requested(sc_view_pool(v, (int)a, (int)r, SC_PURCHASE_RESERVED));
            /* a profile above 1 (hour_stat "mean") may ask for more than the hour's plan:
             * within the region's limits, spot cut first */
            int lim = b->cap_limit[r] >= 0 ? (int)b->cap_limit[r] : INT32_MAX;
            if (app->max_instances >= 0 && app->max_instances < lim)
                lim = app->max_instances;
            if (od + sp + res > lim) {
                int over = od + sp + res - lim;
                int cut = over < sp ? over : sp;
                sp -= cut;
                over -= cut;
                od = od > over ? od - over : 0;
            }
            if (s->guard) {
                double need = 0.0;
                int64_t nh = s->guard_hold_ms / sc->step_ms;
                for (int64_t k = cur - nh + (nh > 0 && s->guard_hold_ms % sc->step_ms == 0);
                     k <= cur; k++) {
                    double x = sc_view_ieq(v, (int)a, (int)r, k);
                    if (x > need)
                        need = x;
                }
                if (need == 0.0 && v->ieq_now[sc_view_ar(v, (int)a, (int)r)] > 0)
                    need = v->ieq_now[sc_view_ar(v, (int)a, (int)r)];
                int n = need > 0 ? (int)ceil(need / tu - 1e-9) : 0;
                if (app->max_instances >= 0 && n > app->max_instances)
                    n = app->max_instances;
                if (n > od + sp + res)
                    od = n - sp - res;
            }
            sc_status st;
            if ((st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_ONDEMAND, od)) ||
                (!s->on_demand_only &&
                 (st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_SPOT, sp))))
                return sc_error_set(err, st, NULL, "sculpt: cannot build plan");
        }
    }
    return SC_OK;
}

static sc_status sculpt_decide(void *state, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err)
{
    sculpt_state *s = state;
    const sc_scenario *sc = v->sc;
    reconcile(s, v);
    if (s->last_plan == SC_TIME_MIN || v->now - s->last_plan >= s->cadence_ms) {
        s->last_plan = v->now;
        sc_status st = sculpt_replan(s, v, plan, err);
        if (st || !s->intra)
            return st;
        return shape_step(s, v, plan, err);
    }
    if (s->intra)
        return shape_step(s, v, plan, err);
    if (!s->guard)
        return SC_OK;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            double need = v->ieq_now[ar];
            if (!(need > 0))
                continue;
            int total = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                total += sc_pool_requested(sc_view_pool(v, (int)a, (int)r, (sc_purchase)o));
            double tu = s->target_override > 0 ? s->target_override : app->target_util;
            int n = (int)ceil(need / tu - 1e-9);
            if (n > app->max_instances)
                n = app->max_instances;
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
    .version = 1,
    .state_size = sizeof(sculpt_state),
    .clairvoyant = 0,
    .init = sculpt_init,
    .cleanup = sculpt_cleanup,
    .cadence_ms = sculpt_cadence,
    .decide = sculpt_decide,
};
