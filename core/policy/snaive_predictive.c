/*
 * snaive_predictive.c - the `snaive-predictive` policy: provision now for what the
 * same moment of last week needed, early enough that the capacity is ready in time.
 *
 * The forecast is the seasonal naive one with a weekly season: the instance-equivalents
 * of step s are forecast as those of step s - week (read from the view's past, so the
 * policy never looks ahead).  For the step already under way the observation itself is
 * known and is used instead: the seasonal forecast only stands in for the future.
 *
 * Lead time of a region: the boot delay's p95 (sc_dist_quantile(&region.boot, 0.95),
 * parameter `boot_quantile`) plus the app's warm-up.  Capacity launched at `now` serves
 * from now + lead at the latest (in 95 % of launches), and the next decision at
 * now + cadence can change capacity from now + cadence + lead on, so this decision is
 * responsible for every step that overlaps [now, now + cadence + lead):
 *
 *     target = max over those steps s of ceil(need(s) / target_util - 1e-9),
 *     need(s) = ieq(s - week)  for s > current step and s - week >= 0,
 *               ieq(current step) otherwise (no week of history yet: reactive-like),
 *
 * clamped to [min_instances, max_instances], bought on demand (capacity the app holds
 * in other purchase options counts toward it).  The maximum over the window is what makes
 * scale-in safe: an instance is released only when neither the current step nor any step
 * until the next decision's capacity can arrive needs it.  With the default cadence (the
 * scenario step) and a lead shorter than a step this is max(need(now), need(next step)),
 * i.e. "the value one week earlier, one lead time ahead".
 *
 * A region is deployed for an app when it held capacity at the start or demand has been
 * routed to it; min_instances applies only there (as for `reactive`).
 *
 * Parameters (all optional; table `params` below, `sculpt run --help-policy
 * snaive-predictive`): {"cadence": <scenario step>, "season": "7d",
 *  "target_util": <app's>, "boot_quantile": 0.95}
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/policy.h"

static const sc_param_def params[] = {
    {.name = "cadence", .kind = SC_PARAM_DURATION, .def = "scenario step", .lo = 0,
     .hi = INFINITY, .flags = SC_PARAM_LO_OPEN, .help = "decision period"},
    {.name = "season", .kind = SC_PARAM_DURATION, .def = "7d", .lo = 0, .hi = INFINITY,
     .flags = SC_PARAM_LO_OPEN, .help = "seasonal lag (a whole number of scenario steps)"},
    {.name = "target_util", .kind = SC_PARAM_NUMBER, .def = "app's target_util", .lo = 0,
     .hi = 1, .flags = SC_PARAM_LO_OPEN, .help = "utilisation the capacity is sized for"},
    {.name = "boot_quantile", .kind = SC_PARAM_NUMBER, .def = "0.95", .lo = 0, .hi = 0.9999,
     .flags = SC_PARAM_LO_OPEN, .help = "quantile of the boot delay used as lead time"},
};
#define N_PARAMS (sizeof params / sizeof params[0])

typedef struct snp_state {
    int64_t cadence_ms;       /* decision period */
    int64_t season_ms;        /* seasonal lag, default one week */
    double target_override;   /* <= 0: the app's target_util */
    double boot_quantile;     /* quantile of the boot delay used as lead time */
    int64_t *lead_ms;         /* [app * n_regions + region] boot quantile + warm-up */
    unsigned char *deployed;  /* [ar] */
    size_t n_ar;
    int initialised;
} snp_state;

static void snp_cleanup(void *state)
{
    snp_state *s = state;
    free(s->lead_ms);
    free(s->deployed);
    s->lead_ms = NULL;
    s->deployed = NULL;
}

/* params_obj was checked against `params` by sc_policy_alloc. */
static sc_status snp_init(void *state, const sc_scenario *sc, const cJSON *params_obj,
                          const char *where, sc_error *err)
{
    snp_state *s = state;
    s->cadence_ms = sc->step_ms;  /* default: the scenario step */
    s->target_override = 0.0;     /* default: the app's target_util */
    sc_status st;
    if ((st = sc_params_get_duration(params, N_PARAMS, params_obj, "cadence", &s->cadence_ms)) ||
        (st = sc_params_get_duration(params, N_PARAMS, params_obj, "season", &s->season_ms)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "target_util",
                                   &s->target_override)) ||
        (st = sc_params_get_number(params, N_PARAMS, params_obj, "boot_quantile",
                                   &s->boot_quantile)))
        return sc_error_set(err, st, where, "snaive-predictive: parameter table out of date");
    if (s->season_ms % sc->step_ms != 0) {
        char place[sizeof err->where];
        sc_params_member_where(place, sizeof place, where, "season");
        return sc_error_set(err, SC_ERR_INPUT, place,
                            "season: expected a whole number of scenario steps (%lld ms), "
                            "got %lld ms",
                            (long long)sc->step_ms, (long long)s->season_ms);
    }
    s->n_ar = sc->n_apps * sc->n_regions;
    s->lead_ms = calloc(s->n_ar + 1, sizeof *s->lead_ms);
    s->deployed = calloc(s->n_ar + 1, 1);
    if (!s->lead_ms || !s->deployed) {
        snp_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            double boot = sc_dist_quantile(&sc->regions[r].boot, s->boot_quantile);
            s->lead_ms[a * sc->n_regions + r] =
                (int64_t)ceil(boot) + sc->apps[a].warmup_ms;
        }
    return SC_OK;
}

static int64_t snp_cadence(const void *state)
{
    return ((const snp_state *)state)->cadence_ms;
}

static sc_status snp_decide(void *state, const sc_policy_view *v, sc_plan *plan,
                            sc_error *err)
{
    snp_state *s = state;
    const sc_scenario *sc = v->sc;
    int64_t season_steps = s->season_ms / sc->step_ms;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        double target = s->target_override > 0 ? s->target_override : app->target_util;
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            int other = 0, total = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                int n = sc_pool_requested(sc_view_pool(v, (int)a, (int)r, (sc_purchase)o));
                total += n;
                if (o != SC_PURCHASE_ONDEMAND)
                    other += n;
            }
            double now_ieq = v->ieq_now[ar];
            if (!(now_ieq >= 0))
                now_ieq = 0;
            if (!s->initialised && total > 0)
                s->deployed[ar] = 1;
            if (v->load_now[ar] > 0)
                s->deployed[ar] = 1;
            if (!s->deployed[ar])
                continue;
            /* steps overlapping [now, now + cadence + lead) */
            sc_time_ms horizon_end = v->now + s->cadence_ms + s->lead_ms[ar];
            int64_t last = (horizon_end - 1 - sc->start) / sc->step_ms;
            if (last >= v->n_steps)
                last = v->n_steps - 1;
            double need = now_ieq;
            for (int64_t k = v->step + 1; k <= last; k++) {
                double e = now_ieq;
                if (k - season_steps >= 0) {
                    e = sc_view_ieq(v, (int)a, (int)r, k - season_steps);
                    if (!(e >= 0))
                        e = now_ieq; /* missing: hold the observation */
                }
                if (e > need)
                    need = e;
            }
            int n = (int)ceil(need / target - 1e-9);
            if (n < app->min_instances)
                n = app->min_instances;
            if (n > app->max_instances)
                n = app->max_instances;
            n -= other;
            if (n < 0)
                n = 0;
            sc_status st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_ONDEMAND, n);
            if (st != SC_OK)
                return sc_error_set(err, st, NULL, "snaive-predictive: cannot build plan");
        }
    }
    s->initialised = 1;
    return SC_OK;
}

/* Look-back (issue 13, the windowed world): one season before the next step. */
static int64_t snp_lookback(const void *state)
{
    return ((const snp_state *)state)->season_ms;
}

const sc_policy_type sc_policy_snaive_predictive = {
    .name = "snaive-predictive",
    .version = 2,
    .state_size = sizeof(snp_state),
    .clairvoyant = 0,
    .init = snp_init,
    .cleanup = snp_cleanup,
    .cadence_ms = snp_cadence,
    .decide = snp_decide,
    .lower_bound = NULL,
    .params = params,
    .n_params = N_PARAMS,
    .summary = "seasonal naive forecast (same moment last week), one lead time ahead",
    .lookback_ms = snp_lookback,
};
