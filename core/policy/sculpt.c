/*
 * sculpt.c - the `sculpt` policy: forecast -> optimizer -> plan, replanned on a cadence,
 * with forecast-driven scale-in as well as scale-out (DESIGN.md "Data flow").
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
 *  2. Optimizer.  One problem per app for `optimizer` (`lp` by default, optimizer.h):
 *     plan steps are the hours of the horizon; geographies = regions (the simulator
 *     routes load by the scenario's fixed shares, so each region's routed load is what
 *     its capacity must serve); capacity at the app's target utilisation covers the
 *     served demand; the shortfall costs the app's penalty per load-unit-hour x load
 *     units per instance x `penalty_multiplier`, against the quantiles, so the quantile
 *     each region is sized for follows from penalty against price (newsvendor) rather
 *     than being fixed; on-demand and spot (spot share <= `spot_max_share`, derated by
 *     its expected interruption loss) unless `on_demand_only`; no reserved purchases
 *     (this policy has no long-horizon commitment points yet); capacity limits and the
 *     vCPU quota of the region; min/max instances; lead steps = ceil((boot p95 +
 *     warm-up) / 1 h), so no capacity is planned to arrive before it can.
 *  3. Plan.  The solution becomes timed actions (plan.h, sc_rap_build): provisions are
 *     issued their lead time before the hour they serve, deprovisions at the start of
 *     the hour they are no longer needed (so the forecast drives scale-in too).  Only
 *     actions issued before the next replan are kept; the next replan supersedes the
 *     rest.
 *  Between replans, every scenario step, a reactive guard (`guard`, default on) adds
 *  on-demand instances when the current observation needs more than is requested at
 *  target utilisation (forecast misses such as flash crowds, and the on-demand fallback
 *  for interrupted spot capacity).  The guard never scales in.
 *
 * Parameters (all optional): {"cadence": "1h", "horizon": "24h", "optimizer": "lp",
 *  "penalty_multiplier": 1.0, "on_demand_only": false, "quantiles": [0.5, 0.75, 0.9,
 *  0.95, 0.99], "history": "14d", "refit": "24h", "ets_spec": "ANA",
 *  "spot_max_share": 0.5, "guard": true, "target_util": <app's>,
 *  "forecaster": "ets"}
 * forecaster names the most capable model tried; the hierarchy continues below it
 * (ets -> snaive -> naive).
 * target_util is the utilisation the planned capacity may reach (the optimizer's
 * serve_util and the guard's setpoint), the same knob as reactive's.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/forecast.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"

#define HOUR_MS INT64_C(3600000)
#define MAX_Q 16

typedef struct sculpt_ar {
    sc_forecaster *fc;        /* owned; NULL until the first fit */
    int64_t h_next;           /* next whole hour to absorb (absolute UTC hour index) */
    sc_time_ms fitted_at;
} sculpt_ar;

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
    double *hist;             /* scratch [history hours] */
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
} sculpt_state;

static void sculpt_cleanup(void *state)
{
    sculpt_state *s = state;
    if (s->ar)
        for (size_t i = 0; i < s->n_ar; i++)
            sc_forecaster_free(s->ar[i].fc);
    free(s->ar);
    s->ar = NULL;
    free(s->hist);
    free(s->mean);
    free(s->quant);
    free(s->lead_ms);
    s->hist = s->mean = s->quant = NULL;
    s->lead_ms = NULL;
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
}

static sc_status sculpt_init(void *state, const sc_scenario *sc, const cJSON *params,
                             const char *where, sc_error *err)
{
    static const char *const keys[] = {
        "cadence", "horizon", "optimizer", "penalty_multiplier", "on_demand_only",
        "quantiles", "history", "refit", "ets_spec", "spot_max_share", "guard", "target_util",
        "forecaster"};
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
        (st = sc_policy_param_duration(params, "refit", 1, &s->refit_ms, where, err)))
        return st;
    const cJSON *v;
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
    s->K = (int)((s->horizon_ms + HOUR_MS - 1) / HOUR_MS);
    if (s->K < 1 || s->K > 24 * 14)
        return sc_error_set(err, SC_ERR_INPUT, where, "horizon: expected 1h to 14d");
    /* forecaster hierarchy: `forecaster` (default ets), then the ones below it.  The
     * ensemble (core/forecast/ensemble.c) is available as "forecaster": "ensemble"; it is
     * not the default because its rolling-origin backtests make every refit far slower
     * (the no-look-ahead test on the demo did not finish in 10 minutes with it). */
    const sc_forecaster_type *ft;
    snprintf(s->first, sizeof s->first, "ets");
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
    s->n_ar = sc->n_apps * sc->n_regions;
    s->hist_cap = s->history_ms / HOUR_MS;
    if (s->hist_cap < 1)
        s->hist_cap = 1;
    s->ar = calloc(s->n_ar + 1, sizeof *s->ar);
    s->hist = calloc((size_t)s->hist_cap + 1, sizeof *s->hist);
    s->mean = calloc((size_t)s->K + 1, sizeof *s->mean);
    s->quant = calloc((size_t)s->K * (size_t)s->nq + 1, sizeof *s->quant);
    s->lead_ms = calloc(sc->n_regions + 1, sizeof *s->lead_ms);
    s->prob = calloc(sc->n_apps + 1, sizeof *s->prob);
    s->sol = calloc(sc->n_apps + 1, sizeof *s->sol);
    if (!s->ar || !s->hist || !s->mean || !s->quant || !s->lead_ms || !s->prob || !s->sol) {
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
    for (size_t i = 0; i < s->n_ar; i++)
        s->ar[i].h_next = INT64_MIN;
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
    return s->guard && s->step_ms < s->cadence_ms ? s->step_ms : s->cadence_ms;
}

/* Max of the view's ieq over the steps overlapping UTC hour h; NaN if none observed. */
static double hour_max(const sc_policy_view *v, int a, int r, int64_t h)
{
    return sc_view_ieq_max(v, a, r, h * HOUR_MS, (h + 1) * HOUR_MS);
}

/* Bring the forecaster of (a, r) up to the hour under way and write its quantiles into
 * s->quant (K x nq).  With no whole hour yet, every quantile is the current ieq. */
static sc_status sp_forecast(sculpt_state *s, const sc_policy_view *v, int a, int r,
                             sc_error *err)
{
    const sc_scenario *sc = v->sc;
    size_t ar = sc_view_ar(v, a, r);
    sculpt_ar *h = &s->ar[ar];
    int64_t h_end = sc_time_floor_div(v->now, HOUR_MS);
    int64_t h_first = sc_time_floor_div(sc->start + HOUR_MS - 1, HOUR_MS);
    /* The simulator runs a step's event before decisions at the same instant, so the
     * step containing now is visible; a live driver may lag, hence the fallback. */
    double now_ieq = sc_view_ieq(v, a, r, sc_time_floor_div(v->now - sc->start, sc->step_ms));
    int now_seen = now_ieq >= 0;
    if (!now_seen)
        now_ieq = v->ieq_now[ar] >= 0 ? v->ieq_now[ar] : 0.0;
    sc_error ferr;
    sc_status st;
    if (h_end <= h_first) {
        for (int i = 0; i < s->K * s->nq; i++)
            s->quant[i] = now_ieq;
        return SC_OK;
    }
    if (!h->fc || v->now - h->fitted_at >= s->refit_ms) {
        int64_t h0 = h_end - s->hist_cap;
        if (h0 < h_first)
            h0 = h_first;
        size_t n = (size_t)(h_end - h0);
        for (size_t i = 0; i < n; i++)
            s->hist[i] = hour_max(v, a, r, h0 + (int64_t)i);
        sc_forecast_config cfg;
        sc_forecast_config_init(&cfg);
        cfg.period = 24;
        cfg.seed = sc->seed;
        snprintf(cfg.spec, sizeof cfg.spec, "%s", s->ets_spec);
        sc_forecaster *fc = NULL;
        st = sc_forecaster_fit_fallback(s->names, s->n_names, &cfg, s->hist, n, NULL, &fc,
                                        &ferr);
        if (st == SC_ERR_EMPTY) {
            for (int i = 0; i < s->K * s->nq; i++)
                s->quant[i] = now_ieq;
            return SC_OK;
        }
        if (st)
            return sc_error_set(err, st, NULL, "sculpt: forecast: %s", ferr.msg);
        sc_forecaster_free(h->fc);
        h->fc = fc;
        h->fitted_at = v->now;
        h->h_next = h_end;
    } else {
        for (; h->h_next < h_end; h->h_next++)
            sc_forecaster_update(h->fc, hour_max(v, a, r, h->h_next));
    }
    if ((st = sc_forecaster_predict(h->fc, (size_t)s->K, s->q, (size_t)s->nq, s->mean, s->quant,
                                    &ferr)))
        return sc_error_set(err, st, NULL, "sculpt: forecast: %s", ferr.msg);
    /* the hour under way has been seen in part: its peak is at least what was seen */
    for (int qi = 0; qi < s->nq && now_seen; qi++)
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
            b->price[r * 3 + SC_PURCHASE_RESERVED] = NAN;
            b->price[r * 3 + SC_PURCHASE_SPOT] =
                s->on_demand_only ? NAN : rt->price_per_hour[SC_PURCHASE_SPOT];
            int held = 0;
            for (int o = 0; o < 3; o++) {
                int n = sc_pool_requested(sc_view_pool(v, (int)a, r, (sc_purchase)o));
                b->current[r * 3 + o] = n;
                held += n;
            }
            /* reserved capacity held is kept as it is (not offered: NaN price); count it
             * by lowering the min and the limits of the others */
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
            for (int k = 0; k < K; k++)
                for (int q = 0; q < Q; q++)
                    b->demand[((size_t)r * (size_t)K + (size_t)k) * (size_t)Q + (size_t)q] =
                        s->quant[(size_t)k * (size_t)Q + (size_t)q];
        }
        if (!any)
            continue;
        if ((st = sc_optimizer_solve(s->opt, p, s->sol[a], err)))
            return st;
        sc_rap_clear(&s->rap);
        sc_rap_ctx ctx = {.sc = sc, .app = (int)a, .type = app->instance_type, .now = v->now,
                          .lead_ms = s->lead_ms,
                          .forecast = s->ar[a * sc->n_regions].fc
                                          ? sc_forecaster_name(s->ar[a * sc->n_regions].fc)
                                          : ""};
        if ((st = sc_rap_build(&s->rap, &ctx, p, s->sol[a], err)))
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
    if (s->last_plan == SC_TIME_MIN || v->now - s->last_plan >= s->cadence_ms) {
        s->last_plan = v->now;
        return sculpt_replan(s, v, plan, err);
    }
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
