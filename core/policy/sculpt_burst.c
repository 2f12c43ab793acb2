/*
 * sculpt_burst.c - the burst guard of the `sculpt` policy (sculpt.c): capacity launched
 * for the demand a rising ramp will reach when it arrives, on an alarm of the burst
 * detector (sculpt/burst.h), on top of the reactive guard.
 *
 *  5. Burst guard (`burst`, default off).  Per (app, region), every scenario step is fed
 *     once, in order, to a CUSUM detector on the log of the observed ieq (burst.h: k 0.5,
 *     h `burst_threshold` (5), baseline sigma at least 5 %, 12 steps of warm-up; its
 *     stated delay: a doubling is flagged on the step itself, +15 % on the third step).
 *     On an alarm raised within the last `burst_hold` (15 min) while the ramp still
 *     rises (least-squares slope of the log ieq over the last 3 steps > 0), the guard
 *     sizes for the demand extrapolated along the ramp to when the capacity it launches
 *     now is replaced by the next decision's: x_now exp(slope (step + L) / step), L =
 *     the region's boot quantile at `burst_boot_quantile` (0.95) + the app's warm-up,
 *     at most `burst_max_growth` (4) x x_now.  So the step size follows the observed
 *     ramp and the boot delay: a steep ramp or a slow boot launches more.  Scale-in with
 *     hysteresis: the extrapolated level is held for `burst_hold` after it was last
 *     raised (a higher one replaces it at once), then the reactive guard's observed peak
 *     over `guard_hold` and the plan take over again.  Capacity is
 *     ceil(level / target), the extra as on-demand.  The detector reads only steps up
 *     to the current one (the view's past), so the guard has no look-ahead
 *     (tests/test_lookahead.c).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/burst.h"
#include "sculpt/policy.h"

#include "sculpt_int.h"

typedef struct burst_ar {
    sc_burst det;
    int64_t k_next;          /* next scenario step to feed the detector */
    double level;            /* extrapolated ieq held, 0: none */
    sc_time_ms until;        /* the level is held before this instant */
} burst_ar;

struct sculpt_burst {
    int64_t hold_ms;         /* burst_hold */
    double boot_q;           /* boot quantile of the extrapolation's lead */
    size_t n_ar;
    burst_ar ar[];           /* [n_ar] */
};

sc_status sc_sculpt_burst_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                               const char *where, sc_error *err)
{
    int on = 0;
    int64_t hold_ms = 0;
    double h = 5.0, growth = 4.0, boot_q = 0.95;
    sc_status st;
    if ((st = sc_params_get_bool(sc_sculpt_params, sc_sculpt_n_params, params, "burst", &on)) ||
        (st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params,
                                     "burst_hold", &hold_ms)) ||
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                   "burst_threshold", &h)) ||
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                   "burst_max_growth", &growth)) ||
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                   "burst_boot_quantile", &boot_q)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    s->burst = NULL;
    if (!on)
        return SC_OK;
    size_t n_ar = sc->n_apps * sc->n_regions;
    struct sculpt_burst *b = calloc(1, sizeof *b + (n_ar + 1) * sizeof b->ar[0]);
    if (!b)
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    b->hold_ms = hold_ms;
    b->boot_q = boot_q;
    b->n_ar = n_ar;
    sc_burst_config cfg;
    sc_burst_config_init(&cfg);
    cfg.h = h;
    cfg.max_growth = growth;
    for (size_t i = 0; i < n_ar; i++) {
        sc_error e;
        if ((st = sc_burst_init(&b->ar[i].det, &cfg, &e))) {
            free(b);
            return sc_error_set(err, st, where, "burst_%s: %s", e.where, e.msg);
        }
        b->ar[i].until = SC_TIME_MIN;
    }
    s->burst = b;
    return SC_OK;
}

void sc_sculpt_burst_cleanup(sculpt_state *s)
{
    free(s->burst);
    s->burst = NULL;
}

/* Feed (a, r)'s detector the steps up to the current one, and return the instances the
 * burst guard asks for now (0: none): ceil(held level / tu). */
int sc_sculpt_burst_count(sculpt_state *s, const sc_policy_view *v, int a, int r, double tu)
{
    struct sculpt_burst *b = s->burst;
    if (!b)
        return 0;
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    burst_ar *x = &b->ar[(size_t)a * sc->n_regions + (size_t)r];
    int64_t cur = sc_time_floor_div(v->now - sc->start, sc->step_ms);
    /* observation i of the detector is scenario step i */
    for (; x->k_next <= cur; x->k_next++)
        sc_burst_push(&x->det, sc_view_ieq(v, a, r, x->k_next));
    if (x->det.last_alarm >= 0 && x->det.n > 0) {
        sc_time_ms fired = sc->start + (sc_time_ms)x->det.last_alarm * sc->step_ms;
        if (v->now - fired < b->hold_ms && sc_burst_slope(&x->det) > 0) {
            double lead = sc_dist_quantile(&sc->regions[r].boot, b->boot_q) + app->warmup_ms;
            double level = sc_burst_extrapolate(&x->det, (sc->step_ms + lead) / sc->step_ms);
            if (level >= x->level || v->now >= x->until) {
                x->level = level;
                x->until = v->now + b->hold_ms;
            }
        }
    }
    if (v->now >= x->until)
        x->level = 0.0;
    if (!(x->level > 0))
        return 0;
    double n = ceil(x->level / tu - 1e-9);
    if (app->max_instances >= 0 && n > app->max_instances)
        n = app->max_instances;
    return n > INT32_MAX ? INT32_MAX : (int)n;
}
