/*
 * aws_predictive.c - the `aws-predictive` policy: a model of AWS EC2 Auto Scaling's
 * predictive scaling ("forecast and scale" mode) combined with a target tracking
 * scaling policy, as a customer would run them together.
 *
 * Sources: AWS EC2 Auto Scaling User Guide, "Predictive scaling for Amazon EC2 Auto
 * Scaling" (how it works: forecasts from up to 14 days of history, needs at least 24 h,
 * refreshed about every 6 hours, hourly forecasts for the next 48 h, capacity set at
 * the start of each hour, SchedulingBufferTime pre-launches instances, "predictive
 * scaling only scales out ... it doesn't scale in"; with several policies the group
 * uses the largest capacity any of them asks for) and "Target tracking scaling
 * policies" (the high alarm needs 3 consecutive 1-minute datapoints above the target,
 * the low alarm 15 below it; the policy scales in only when the metric is far enough
 * below target to remove at least one instance; instances in their warm-up do not count
 * toward the aggregated metric).
 *
 * AWS's forecasting model is not public.  Its stand-in here is the project's `ets`
 * (core/forecast/ets.c, season 24 h) on hourly aggregates: by default the fixed model
 * ETS(A,N,A) (additive Holt-Winters without trend, parameters by maximum likelihood),
 * because AICc selection over all models ("ets_spec": "ZZZ") costs ~15x more CPU
 * (demo: 47 s against 2.8 s for 21 days of 9 series refitted every 6 h) for a similar
 * result (demo: cost 14677 against 14847 USD, attainment 0.99939 against 0.99942), through
 * the fallback hierarchy ets -> snaive -> naive (forecast.h), so a forecast exists even
 * when ets cannot fit.  The hourly value of the history is the MAX of the step values in
 * the hour (capacity must serve the peak of the hour), in instance-equivalents of the
 * binding resource; the capacity of an hour is ceil(forecast mean / target_util).
 *
 * Per (app, region), every `cadence` (60 s, the metric period):
 *   1. Forecast refresh: when at least `min_history` (24 h) of whole hours have been
 *      observed and `refresh` (6 h) has passed since the last fit, fit on the last
 *      `history` (14 d) of whole hours and keep capacities for `horizon` (48 h) of hours,
 *      starting with the hour under way.  Before that there is no predictive capacity.
 *   2. Predictive floor: the capacity of the hour that starts within `buffer` (300 s)
 *      from now, i.e. of hour floor((now + buffer) / 1 h); the desired capacity is raised
 *      to it (never lowered: no scale-in on the forecast), and target tracking does not
 *      scale in below it during that hour (the floor acts as the group's minimum).
 *   3. Target tracking on the binding utilisation u = min(max_observed_util,
 *      ieq / serving instances) (the average over instances out of warm-up equals it
 *      because load is balanced evenly).  Instances launched less than `warmup` (300 s)
 *      ago are left out of the metric (attributed first to instances not yet serving);
 *      with no instance left there is no datapoint and both alarm counters reset.
 *      n = ceil(u * serving / target) is the capacity that brings the load to target.
 *      Scale out to n when u > target for `out_periods` (3) consecutive datapoints and
 *      n exceeds the desired capacity (instances still warming count toward it); scale in
 *      to max(n, floor) after `in_periods` (15) consecutive datapoints with u < target and
 *      n < desired.  An alarm stays in ALARM while its condition holds, so the policy is
 *      re-evaluated every datapoint.
 *   Desired capacity is clamped to [min_instances, max_instances] and bought on demand
 *   (capacity held in other purchase options counts toward it).  As in `reactive`, a
 *   deployed (app, region) at zero instances is brought to ceil(ieq / target) so a run
 *   never deadlocks without a metric.
 *
 * Parameters (all optional): {"cadence": "60s", "target_util": <app's>,
 *  "buffer": "300s", "warmup": "300s", "out_periods": 3, "in_periods": 15,
 *  "history": "14d", "min_history": "24h", "refresh": "6h", "horizon": "48h",
 *  "forecaster": "ets", "ets_spec": "ANA", "max_observed_util": 1.0,
 *  "predictive": true, "target_tracking": true, "purchase": {...}}
 * "target_util": "auto" calibrates target tracking's target (and the forecast's
 * capacity, sized at the target when it is fitted) on the SLO error budget, with the
 * controller of reactive (sculpt_slo.h): the app's target_util / a factor in [0.5, 3].
 * `purchase` (policy_sculpt.h, "purchase options of the baselines"): a reserved base, an
 * on-demand base and a spot share above them, as a mixed-instances Auto Scaling group
 * over reserved instances buys; the desired capacity is split over the options by
 * sc_purchase_mix_apply.  Without it (or with its defaults) the original on-demand path
 * runs.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/forecast.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sculpt/wpe.h"

#include "sculpt_slo.h"

#define HOUR_MS INT64_C(3600000)

typedef struct launch_rec {
    sc_time_ms t;   /* launch call */
    int n;          /* instances */
} launch_rec;

typedef struct awsp_ar {
    int deployed;
    int desired;          /* the group's desired capacity (all options) */
    int up_count;         /* consecutive datapoints above target */
    int down_count;       /* consecutive datapoints below target, removable */
    int has_fc;
    int64_t fc_hour0;     /* absolute UTC hour index of fcap[0] */
    int64_t k_fed;        /* next scenario step to feed the engine */
    int rec_head, rec_len;/* ring of recent launches */
} awsp_ar;

typedef struct awsp_state {
    int64_t cadence_ms, buffer_ms, warmup_ms, history_ms, min_history_ms, refresh_ms;
    int64_t horizon_h;
    int out_periods, in_periods;
    double target_override, max_observed_util;
    int predictive, target_tracking;
    char forecaster[SC_NAME_MAX];
    char ets_spec[8];
    size_t n_ar;
    awsp_ar *ar;               /* [n_ar] */
    int *fcap;                 /* [n_ar * horizon_h] */
    launch_rec *recs;          /* [n_ar * rec_cap] */
    int rec_cap;
    sc_wpe *wpe;               /* prediction engine, one series per (app, region) */
    double *mean;              /* scratch [horizon_h] */
    int64_t hist_cap;
    sc_time_ms last_fit;       /* SC_TIME_MIN = never */
    int initialised;
    long n_fits;               /* fits made (for tests and reports) */
    sc_purchase_mix mix;       /* `purchase`; default: everything on demand */
    int use_mix;               /* 0 for the default mix (the original code path) */
    sc_purchase_mix_ar *mix_ar;/* [n_ar] when use_mix */
    sc_slo_ctl slo;            /* "target_util": "auto": target = app's / its factor */
    sc_time_ms slo_last;       /* last controller update; SC_TIME_MIN none */
} awsp_state;

static void awsp_cleanup(void *state)
{
    awsp_state *s = state;
    free(s->ar);
    free(s->fcap);
    free(s->recs);
    sc_wpe_free(s->wpe);
    free(s->mean);
    free(s->mix_ar);
    s->mix_ar = NULL;
    sc_slo_ctl_cleanup(&s->slo);
    s->ar = NULL;
    s->fcap = NULL;
    s->recs = NULL;
    s->wpe = NULL;
    s->mean = NULL;
}

static sc_status awsp_init(void *state, const sc_scenario *sc, const cJSON *params,
                           const char *where, sc_error *err)
{
    awsp_state *s = state;
    s->cadence_ms = 60000;
    s->buffer_ms = 300000;
    s->warmup_ms = 300000;
    s->history_ms = 14 * 24 * HOUR_MS;
    s->min_history_ms = 24 * HOUR_MS;
    s->refresh_ms = 6 * HOUR_MS;
    int64_t horizon_ms = 48 * HOUR_MS;
    double out_p = 3, in_p = 15;
    s->target_override = 0.0;
    s->max_observed_util = 1.0;
    s->predictive = 1;
    s->target_tracking = 1;
    snprintf(s->forecaster, sizeof s->forecaster, "ets");
    snprintf(s->ets_spec, sizeof s->ets_spec, "ANA");
    s->last_fit = SC_TIME_MIN;
    s->slo_last = SC_TIME_MIN;
    const cJSON *tu = cJSON_GetObjectItemCaseSensitive(params, "target_util");
    int target_auto = cJSON_IsString(tu) && strcmp(tu->valuestring, "auto") == 0;
    sc_status st;
    if ((st = sc_policy_param_duration(params, "cadence", 0, &s->cadence_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "buffer", 0, &s->buffer_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "warmup", 0, &s->warmup_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "history", 0, &s->history_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "min_history", 0, &s->min_history_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "refresh", 0, &s->refresh_ms, where, err)) ||
        (st = sc_policy_param_duration(params, "horizon", 0, &horizon_ms, where, err)) ||
        (!target_auto &&
         (st = sc_policy_param_number(params, "target_util", 0, 1, 0, &s->target_override,
                                      where, err))) ||
        (st = sc_policy_param_number(params, "max_observed_util", 0.01, 100, 0, &s->max_observed_util, where,
                          err)) ||
        (st = sc_policy_param_number(params, "out_periods", 1, 1000, 0, &out_p, where, err)) ||
        (st = sc_policy_param_number(params, "in_periods", 1, 1000, 0, &in_p, where, err)) ||
        (st = sc_policy_param_bool(params, "predictive", &s->predictive, where, err)) ||
        (st = sc_policy_param_bool(params, "target_tracking", &s->target_tracking, where, err)))
        return st;
    if ((st = sc_purchase_mix_read(sc, params, where, &s->mix, err)))
        return st;
    s->use_mix = !sc_purchase_mix_is_default(&s->mix);

    const cJSON *f = cJSON_GetObjectItemCaseSensitive(params, "forecaster");
    if (f) {
        const sc_forecaster_type *ft;
        if (!cJSON_IsString(f) || strlen(f->valuestring) >= sizeof s->forecaster)
            return sc_error_set(err, SC_ERR_INPUT, where, "forecaster: expected a model name");
        if ((st = sc_forecaster_type_find(f->valuestring, &ft, err)) != SC_OK) {
            snprintf(err->where, sizeof err->where, "%s", where);
            return st;
        }
        snprintf(s->forecaster, sizeof s->forecaster, "%s", f->valuestring);
    }
    const cJSON *e = cJSON_GetObjectItemCaseSensitive(params, "ets_spec");
    if (e) {
        if (!cJSON_IsString(e) || strlen(e->valuestring) < 3 ||
            strlen(e->valuestring) >= sizeof s->ets_spec)
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "ets_spec: expected ETS letters such as \"ZZZ\" or \"AAdA\"");
        snprintf(s->ets_spec, sizeof s->ets_spec, "%s", e->valuestring);
    }
    s->out_periods = (int)out_p;
    s->in_periods = (int)in_p;
    if (s->cadence_ms <= 0)
        return sc_error_set(err, SC_ERR_INPUT, where, "cadence: expected a positive duration");
    if (horizon_ms < HOUR_MS || s->history_ms < HOUR_MS || s->refresh_ms <= 0)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "horizon, history: expected at least 1h; refresh: positive");
    if (s->min_history_ms < 2 * HOUR_MS)
        s->min_history_ms = 2 * HOUR_MS;
    s->horizon_h = horizon_ms / HOUR_MS;
    s->hist_cap = s->history_ms / HOUR_MS;
    s->n_ar = sc->n_apps * sc->n_regions;
    s->rec_cap = (int)(s->warmup_ms / s->cadence_ms) + 2;
    if (target_auto) {
        sc_slo_ctl_config cfg;
        sc_slo_ctl_config_default(&cfg);
        cfg.h_min = 0.5; /* the factor divides the target, as in reactive */
        if ((st = sc_slo_ctl_init(&s->slo, sc, &cfg, where, err)))
            return st; /* nothing else allocated yet */
    }
    s->ar = calloc(s->n_ar + 1, sizeof *s->ar);
    s->fcap = calloc(s->n_ar * (size_t)s->horizon_h + 1, sizeof *s->fcap);
    s->recs = calloc(s->n_ar * (size_t)s->rec_cap + 1, sizeof *s->recs);
    s->mean = calloc((size_t)s->horizon_h + 1, sizeof *s->mean);
    if (s->use_mix)
        s->mix_ar = calloc(s->n_ar + 1, sizeof *s->mix_ar);
    if (!s->ar || !s->fcap || !s->recs || !s->mean || (s->use_mix && !s->mix_ar)) {
        awsp_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    /* The prediction engine (wpe.h): hourly peaks of the scenario steps from the first
     * whole hour, a cold fit at every refresh (refit 0, no warm start), mean only,
     * through the hierarchy forecaster -> snaive -> naive. */
    sc_wpe_config wc;
    sc_wpe_config_init(&wc);
    wc.step_ms = HOUR_MS;
    wc.obs_span_ms = sc->step_ms;
    wc.start_ms = sc->start;
    wc.history = s->hist_cap > 0 ? (size_t)s->hist_cap : 1;
    wc.refit_ms = 0;
    wc.warm = 0;
    wc.horizon = (size_t)s->horizon_h;
    snprintf(wc.names[0], sizeof wc.names[0], "%s", s->forecaster);
    wc.n_names = 1;
    if (strcmp(s->forecaster, "naive") != 0) {
        if (strcmp(s->forecaster, "snaive") != 0)
            snprintf(wc.names[wc.n_names++], sizeof wc.names[0], "snaive");
        snprintf(wc.names[wc.n_names++], sizeof wc.names[0], "naive");
    }
    wc.fc.period = 24;
    wc.fc.seed = sc->seed;
    snprintf(wc.fc.ets.spec, sizeof wc.fc.ets.spec, "%s", s->ets_spec);
    if ((st = sc_wpe_alloc(&wc, s->n_ar, &s->wpe, err)) != SC_OK) {
        snprintf(err->where, sizeof err->where, "%s", where);
        awsp_cleanup(s);
        return st;
    }
    return SC_OK;
}

static int64_t awsp_cadence(const void *state)
{
    return ((const awsp_state *)state)->cadence_ms;
}

/* Refit the forecasts of every deployed (app, region) at now.  Every (app, region)
 * feeds the engine the steps that became visible since the last refresh (one may be
 * deployed later with its history). */
static sc_status awsp_refit(awsp_state *s, const sc_policy_view *v, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    int64_t h_end = sc_time_floor_div(v->now, HOUR_MS);                  /* hour under way */
    int64_t h_first = sc_time_floor_div(sc->start + HOUR_MS - 1, HOUR_MS); /* first whole hour */
    int64_t h0 = h_end - s->hist_cap;
    if (h0 < h_first)
        h0 = h_first;
    size_t n = h_end > h0 ? (size_t)(h_end - h0) : 0;
    if ((int64_t)n * HOUR_MS < s->min_history_ms)
        return SC_OK;
    int64_t k_now = sc_time_floor_div(v->now - sc->start, sc->step_ms);
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        double target = s->target_override > 0 ? s->target_override : app->target_util;
        if (s->slo.on) {
            target = app->target_util / sc_slo_ctl_factor(&s->slo, (int)a);
            if (target > 1.0)
                target = 1.0;
        }
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            awsp_ar *h = &s->ar[ar];
            sc_status st;
            for (; h->k_fed <= k_now; h->k_fed++) {
                double e = sc_view_ieq(v, (int)a, (int)r, h->k_fed);
                if (h->k_fed == k_now && !(e >= 0))
                    break; /* not visible yet (a lagging live driver) */
                if (!(e >= 0))
                    continue; /* not observed (as sc_view_ieq_max) */
                if ((st = sc_wpe_observe(s->wpe, ar, sc->start + h->k_fed * sc->step_ms, e,
                                         err)) != SC_OK)
                    return st;
            }
            if (!h->deployed)
                continue;
            sc_error ferr;
            /* steps 1..horizon after the last whole hour: the hour under way first */
            st = sc_wpe_forecast(s->wpe, ar, v->now, (size_t)s->horizon_h, s->mean, NULL, NULL,
                                 &ferr);
            if (st == SC_ERR_EMPTY) {
                h->has_fc = 0;
                continue;
            }
            if (st != SC_OK)
                return sc_error_set(err, st, NULL, "aws-predictive: forecast: %s", ferr.msg);
            s->n_fits++;
            int *cap = &s->fcap[ar * (size_t)s->horizon_h];
            for (int64_t i = 0; i < s->horizon_h; i++) {
                double m = s->mean[i] > 0 ? s->mean[i] : 0.0;
                double c = ceil(m / target - 1e-9);
                cap[i] = c > app->max_instances ? app->max_instances : (int)c;
            }
            h->has_fc = 1;
            h->fc_hour0 = h_end;
        }
    }
    s->last_fit = v->now;
    return SC_OK;
}

/* Instances of ar launched less than warmup ago (and forget older ones). */
static int awsp_in_warmup(awsp_state *s, size_t ar, sc_time_ms now)
{
    awsp_ar *h = &s->ar[ar];
    launch_rec *ring = &s->recs[ar * (size_t)s->rec_cap];
    while (h->rec_len > 0 && ring[h->rec_head].t <= now - s->warmup_ms) {
        h->rec_head = (h->rec_head + 1) % s->rec_cap;
        h->rec_len--;
    }
    int n = 0;
    for (int i = 0, j = h->rec_head; i < h->rec_len; i++, j = (j + 1) % s->rec_cap)
        n += ring[j].n;
    return n;
}

static void awsp_note_launch(awsp_state *s, size_t ar, sc_time_ms now, int n)
{
    awsp_ar *h = &s->ar[ar];
    launch_rec *ring = &s->recs[ar * (size_t)s->rec_cap];
    if (h->rec_len > 0) {
        int last = (h->rec_head + h->rec_len - 1) % s->rec_cap;
        if (ring[last].t == now) {
            ring[last].n += n;
            return;
        }
    }
    if (h->rec_len == s->rec_cap) { /* cannot happen with cadence-spaced launches */
        h->rec_head = (h->rec_head + 1) % s->rec_cap;
        h->rec_len--;
    }
    ring[(h->rec_head + h->rec_len) % s->rec_cap] = (launch_rec){now, n};
    h->rec_len++;
}

static sc_status awsp_decide(void *state, const sc_policy_view *v, sc_plan *plan,
                             sc_error *err)
{
    awsp_state *s = state;
    const sc_scenario *sc = v->sc;
    sc_time_ms now = v->now;
    if (!s->initialised) {
        for (size_t ar = 0; ar < s->n_ar; ar++) {
            int total = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                total += sc_pool_requested(&v->pools[ar * SC_PURCHASE_COUNT + (size_t)o]);
            s->ar[ar].desired = total;
            s->ar[ar].deployed = total > 0;
        }
    }
    for (size_t ar = 0; ar < s->n_ar; ar++)
        if (v->load_now[ar] > 0)
            s->ar[ar].deployed = 1;
    sc_status st;
    if (s->slo.on) {
        sc_slo_ctl_observe(&s->slo, v);
        if (s->slo_last == SC_TIME_MIN || now - s->slo_last >= s->slo.cfg.update_ms) {
            s->slo_last = now;
            sc_slo_ctl_update(&s->slo, v);
        }
    }
    if (s->predictive && (s->last_fit == SC_TIME_MIN || now - s->last_fit >= s->refresh_ms) &&
        (st = awsp_refit(s, v, err)) != SC_OK)
        return st;
    int64_t h_pred = sc_time_floor_div(now + s->buffer_ms, HOUR_MS);
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        double target = s->target_override > 0 ? s->target_override : app->target_util;
        if (s->slo.on) {
            target = app->target_util / sc_slo_ctl_factor(&s->slo, (int)a);
            if (target > 1.0)
                target = 1.0;
        }
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            awsp_ar *h = &s->ar[ar];
            if (!h->deployed)
                continue;
            int serving = 0, unready = 0, other = 0, total = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                const sc_pool_state *ps = sc_view_pool(v, (int)a, (int)r, (sc_purchase)o);
                serving += ps->ready + ps->interrupting;
                unready += ps->booting + ps->warming;
                total += sc_pool_requested(ps);
                if (o != SC_PURCHASE_ONDEMAND)
                    other += sc_pool_requested(ps);
            }
            double need = v->ieq_now[ar];
            if (!(need >= 0))
                need = 0;
            /* predictive floor of the hour starting within the buffer */
            int pfloor = 0;
            if (s->predictive && h->has_fc) {
                int64_t i = h_pred - h->fc_hour0;
                if (i >= 0 && i < s->horizon_h)
                    pfloor = s->fcap[ar * (size_t)s->horizon_h + (size_t)i];
            }
            int desired = h->desired;
            if (desired < pfloor)
                desired = pfloor;
            /* target tracking */
            int warm = awsp_in_warmup(s, ar, now);
            int warm_serving = warm > unready ? warm - unready : 0;
            int counted = serving - warm_serving;
            if (s->target_tracking && counted > 0) {
                double u = need / serving;
                if (u > s->max_observed_util)
                    u = s->max_observed_util;
                int n = (int)ceil(u * serving / target - 1e-9);
                if (u > target)
                    h->up_count++;
                else
                    h->up_count = 0;
                if (u < target && n < desired)
                    h->down_count++;
                else
                    h->down_count = 0;
                if (h->up_count >= s->out_periods && n > desired)
                    desired = n;
                if (h->down_count >= s->in_periods) {
                    desired = n > pfloor ? n : pfloor;
                    h->down_count = 0;
                }
            } else {
                h->up_count = h->down_count = 0;
            }
            if (desired <= 0 && need > 0)
                desired = (int)ceil(need / target - 1e-9);
            if (desired < app->min_instances)
                desired = app->min_instances;
            if (desired > app->max_instances)
                desired = app->max_instances;
            h->desired = desired;
            if (s->use_mix) {
                int launched = 0;
                if ((st = sc_purchase_mix_apply(&s->mix, &s->mix_ar[ar], v, (int)a, (int)r,
                                                desired, target, plan, &launched)))
                    return sc_error_set(err, st, NULL, "aws-predictive: cannot build plan");
                if (launched > 0)
                    awsp_note_launch(s, ar, now, launched);
                continue;
            }
            int od = desired - other;
            if (od < 0)
                od = 0;
            int have = total - other;
            if (od > have)
                awsp_note_launch(s, ar, now, od - have);
            if ((st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_ONDEMAND, od)))
                return sc_error_set(err, st, NULL, "aws-predictive: cannot build plan");
        }
    }
    s->initialised = 1;
    return SC_OK;
}

/* Look-back (issue 13, the windowed world): the engine is fed the steps that became
 * visible since the last refit, all of them at the first (once min_history is there,
 * at most two hours and a refresh later). */
static int64_t awsp_lookback(const void *state)
{
    const awsp_state *s = state;
    if (s->slo.on || s->mix.reserved_auto)
        return -1;
    return s->min_history_ms + s->refresh_ms + s->cadence_ms + 2 * HOUR_MS;
}

const sc_policy_type sc_policy_aws_predictive = {
    .name = "aws-predictive",
    .version = 2,
    .state_size = sizeof(awsp_state),
    .clairvoyant = 0,
    .init = awsp_init,
    .cleanup = awsp_cleanup,
    .cadence_ms = awsp_cadence,
    .decide = awsp_decide,
    .params = sc_aws_predictive_params,
    .n_params = sizeof sc_aws_predictive_params / sizeof sc_aws_predictive_params[0],
    .summary = sc_aws_predictive_summary,
    .lookback_ms = awsp_lookback,
};
