/*
 * static.c - the `static` policy: each (app, region) sized once, at the start, for the
 * peak of its demand over the whole run at the app's target utilisation, on on-demand
 * capacity.  It is clairvoyant about the peak (it reads the whole trace), which is how
 * a capacity planner sizes a fixed fleet from last season's peak.
 *
 * A region is "deployed" for an app when demand is routed to it or it holds initial
 * capacity; min_instances applies only there.  Capacity the app holds in other purchase
 * options counts toward the target.
 *
 * Parameters (table `params` below; `sculpt run --help-policy static`):
 * {"headroom": 1.0}  multiplies the peak (e.g. 1.2 = 20 % spare).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/policy.h"

static const sc_param_def params[] = {
    {.name = "headroom", .kind = SC_PARAM_NUMBER, .def = "1.0", .lo = 0, .hi = INFINITY,
     .flags = SC_PARAM_LO_OPEN, .help = "multiplier on the peak (1.2 = 20 % spare)"},
};

typedef struct static_state {
    double headroom;  /* multiplier on the peak, > 0 */
} static_state;

/* params was checked against the table by sc_policy_alloc. */
static sc_status static_init(void *state, const sc_scenario *sc, const cJSON *params_obj,
                             const char *where, sc_error *err)
{
    (void)sc;
    static_state *s = state;
    s->headroom = 1.0;
    sc_status st = sc_params_get_number(params, sizeof params / sizeof params[0], params_obj,
                                        "headroom", &s->headroom);
    return st ? sc_error_set(err, st, where, "static: parameter table out of date") : SC_OK;
}

static int64_t static_cadence(const void *state)
{
    return 0;
}

static sc_status static_decide(void *state, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err)
{
    const static_state *s = state;
    const sc_scenario *sc = v->sc;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        for (size_t r = 0; r < sc->n_regions; r++) {
            double peak = 0.0;
            int deployed = 0;
            for (int64_t k = 0; k < v->n_steps; k++) {
                double e = sc_view_ieq(v, (int)a, (int)r, k);
                double l = sc_view_load(v, (int)a, (int)r, k);
                if (e > peak)
                    peak = e;
                if (l > 0)
                    deployed = 1;
            }
            int other = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                int n = sc_pool_requested(sc_view_pool(v, (int)a, (int)r, (sc_purchase)o));
                if (n > 0)
                    deployed = 1;
                if (o != SC_PURCHASE_ONDEMAND)
                    other += n;
            }
            if (!deployed)
                continue;
            double need = ceil(peak * s->headroom / app->target_util - 1e-9);
            int target = (int)need;
            if (target < app->min_instances)
                target = app->min_instances;
            if (target > app->max_instances)
                target = app->max_instances;
            target -= other;
            if (target < 0)
                target = 0;
            sc_status st =
                sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_ONDEMAND, target);
            if (st != SC_OK)
                return sc_error_set(err, st, NULL, "static: cannot build plan");
        }
    }
    return SC_OK;
}

const sc_policy_type sc_policy_static = {
    .name = "static",
    .version = 2,
    .state_size = sizeof(static_state),
    .clairvoyant = 1,
    .init = static_init,
    .cleanup = NULL,
    .cadence_ms = static_cadence,
    .decide = static_decide,
    .lower_bound = NULL,
    .params = params,
    .n_params = sizeof params / sizeof params[0],
    .summary = "fixed on-demand fleet sized once for the run's peak (clairvoyant)",
};
