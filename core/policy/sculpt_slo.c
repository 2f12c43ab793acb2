/*
 * sculpt_slo.c - the `sculpt` policy's self-calibrating headroom: an online controller
 * on the SLO error budget (`slo_control`, off by default); and the reading of the SLO
 * sizing's parameters (`serve_util`, `headroom*`: the sizer itself is sculpt_size.c),
 * the headroom factor and utilisation sculpt.c asks for, whichever sets them.
 *
 * What it moves.  One headroom factor h_a per app multiplies every forecast quantile the
 * optimizer sees (sculpt.c, sculpt_replan), so the capacity planned for an hour is that
 * of h_a x the forecast: h_a > 1 plans above the forecast distribution, h_a < 1 below.
 * The optimizer still chooses the quantile from penalty against price; h_a corrects what
 * the forecast's predictive distribution, the boot-delay tail and the intra-hour profile
 * get wrong, as measured on the SLO itself.  The guard is not scaled (it stays the
 * floor of a reactive autoscaler).  h_a starts at `slo_headroom` (1.0) and stays within
 * `slo_headroom_range`: [0.5, 3] with on_demand_only, else [1, 3] (below 1 the plan's
 * spot capacity gives way to the guard's on-demand: measured on the held-out suite's
 * development half, bench/policy/README.md).
 *
 * What it measures (past only).  At each decision that opens a new scenario step k, for
 * every (app, region) the app is deployed in, the step k - 1 just closed is judged as
 * the simulator judges an app-geography-step: violated when its instance-equivalents
 * exceed u_slo x the fewest serving instances seen over the step (at its start and at
 * its end), where u_slo = min(u_max, 1 - latency.base_ms / (slo.latency_ms - route)) is
 * the utilisation at which the latency curve reaches the SLO bound (route: the largest
 * route latency of the geographies at home in the region, 0 if none; u_slo <= 1 also
 * covers the unserved limit).  Counts go into a ring of the last `slo_window` (7 d) of
 * steps per app: V violated of N judged.  The error budget is b = 1 - the app's
 * `slo.attainment`; the burn rate over a window is (V / N) / b (SRE burn-rate alerting:
 * 1 spends the budget exactly over the window).
 *
 * The rule, at each replan (hourly), per app, once the long window holds at least 1 / b
 * judged steps (enough to see one allowed violation; before that nothing moves):
 *   raise  h_a *= exp(gain_up)   when the long-window burn > 1 AND a violation was seen
 *                                 since the last raise took effect (the lead time of
 *                                 capacity after it: one replan);
 *   lower  h_a *= exp(-gain_down) when the long-window burn < 1/2 AND no violation in
 *                                 the short window (slo_window / 28: 6 h of 7 d) AND
 *                                 `slo_hold` (48 h) has passed since the last raise.
 * Guard against oscillation: the dead band [1/2, 1] of burn where nothing moves; the
 * asymmetric gains (`slo_gain`, [0.1, 0.005] in log units: up 10.5 %, down 0.5 %), so
 * the way back down is twenty times slower than the way up; the hold after each raise
 * (`slo_hold`, 48 h); and
 * the "fresh violation" condition, which stops the windup a 7-day window would
 * otherwise cause (old violations stay in the window for days after the capacity that
 * cures them is in place).  At equilibrium the attainment sits between the objective and
 * 1 - b / 2.  State per app: h, the time of the last raise, the fresh-violation flag,
 * the ring and its sums; per (app, region): the serving count at the last decision.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/policy.h"

#include "sculpt_int.h"
#include "slo_measured.h" /* h-live */

void sc_slo_ctl_config_default(sc_slo_ctl_config *c)
{
    c->window_ms = 7 * 24 * HOUR_MS;
    c->hold_ms = 48 * HOUR_MS;
    c->update_ms = HOUR_MS;
    c->h0 = 1.0;
    c->h_min = 1.0;
    c->h_max = 3.0;
    c->gain_up = 0.1;
    c->gain_down = 0.005;
}

sc_status sc_slo_ctl_init(sc_slo_ctl *c, const sc_scenario *sc, const sc_slo_ctl_config *cfg,
                          const char *where, sc_error *err)
{
    memset(c, 0, sizeof *c);
    c->cfg = *cfg;
    if (!(cfg->h_min <= cfg->h0 && cfg->h0 <= cfg->h_max))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "slo_headroom %.15g: expected within slo_headroom_range [%.15g, "
                            "%.15g]",
                            cfg->h0, cfg->h_min, cfg->h_max);
    c->window_steps = cfg->window_ms / sc->step_ms;
    if (c->window_steps < 2)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "slo_window: expected at least two scenario steps");
    c->short_steps = c->window_steps / 28 > 0 ? c->window_steps / 28 : 1;
    c->last_k = -1;
    c->last_step = -1;
    c->n_apps = sc->n_apps;
    c->n_regions = sc->n_regions;
    size_t na = sc->n_apps, nar = sc->n_apps * sc->n_regions;
    c->h = malloc((na + 1) * sizeof *c->h);
    c->last_up = malloc((na + 1) * sizeof *c->last_up);
    c->fresh = calloc(na + 1, sizeof *c->fresh);
    c->sum_v = calloc(na + 1, sizeof *c->sum_v);
    c->sum_n = calloc(na + 1, sizeof *c->sum_n);
    c->ring_v = calloc(na * (size_t)c->window_steps + 1, sizeof *c->ring_v);
    c->ring_n = calloc(na * (size_t)c->window_steps + 1, sizeof *c->ring_n);
    c->serving_prev = malloc((nar + 1) * sizeof *c->serving_prev);
    c->u_slo = malloc((nar + 1) * sizeof *c->u_slo);
    if (!c->h || !c->last_up || !c->fresh || !c->sum_v || !c->sum_n || !c->ring_v ||
        !c->ring_n || !c->serving_prev || !c->u_slo) {
        sc_slo_ctl_cleanup(c);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    for (size_t a = 0; a < na; a++) {
        c->h[a] = cfg->h0;
        c->last_up[a] = SC_TIME_MIN;
        const sc_app *app = &sc->apps[a];
        for (size_t r = 0; r < sc->n_regions; r++) {
            double route = 0.0;
            for (size_t g = 0; g < sc->n_geos; g++)
                if (sc->geos[g].home_region == (int)r) {
                    double l = sc_scenario_latency(sc, (int)g, (int)r);
                    if (l > route)
                        route = l;
                }
            double room = app->slo.latency_ms - route;
            double u = room > app->latency.base_ms ? 1.0 - app->latency.base_ms / room : 0.0;
            if (u > app->latency.u_max)
                u = app->latency.u_max;
            c->u_slo[a * sc->n_regions + r] = u;
            c->serving_prev[a * sc->n_regions + r] = -1;
        }
    }
    c->on = 1;
    return SC_OK;
}

sc_status sc_sculpt_slo_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                             const char *where, sc_error *err)
{
    sc_slo_ctl_config cfg;
    sc_slo_ctl_config_default(&cfg);
    if (s->on_demand_only)
        cfg.h_min = 0.5;
    cfg.update_ms = s->cadence_ms;
    sc_status st;
    int on = 0;
    double range[2] = {cfg.h_min, cfg.h_max}, gain[2] = {cfg.gain_up, cfg.gain_down};
    size_t n;
    if ((st = sc_params_get_bool(sc_sculpt_params, sc_sculpt_n_params, params, "slo_control",
                                 &on)) ||
        (st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params,
                                     "slo_window", &cfg.window_ms)) ||
        (st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params, "slo_hold",
                                     &cfg.hold_ms)) ||
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                   "slo_headroom", &cfg.h0)) ||
        (st = sc_params_get_numbers(sc_sculpt_params, sc_sculpt_n_params, params,
                                    "slo_headroom_range", range, 2, &n)) ||
        (st = sc_params_get_numbers(sc_sculpt_params, sc_sculpt_n_params, params, "slo_gain",
                                    gain, 2, &n)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    memset(&s->slo, 0, sizeof s->slo);
    memset(&s->size, 0, sizeof s->size);
    s->lead = NULL;
    s->vmem = NULL;
    s->util = NULL;
    s->headroom_fixed = 1.0;
    /* SLO sizing (sculpt_size.c): the utilisation, then the headroom */
    int serve_word = 0, head_word = 0;
    /* on demand only 0.5; with spot 0.1: interruptions at a tight peak add violations
     * the window's needs under-predict (measured on the held-out development half) */
    double safety = s->on_demand_only ? 0.5 : 0.1;
    const cJSON *sf = cJSON_GetObjectItemCaseSensitive(params, "headroom_safety");
    const cJSON *rg = cJSON_GetObjectItemCaseSensitive(params, "slo_headroom_range");
    if ((st = sc_params_get_enum(sc_sculpt_params, sc_sculpt_n_params, params, "serve_util",
                                 &serve_word)) ||
        (st = sc_params_get_enum(sc_sculpt_params, sc_sculpt_n_params, params, "headroom",
                                 &head_word)) ||
        (sf && (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                          "headroom_safety", &safety))))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    if (head_word < 0 &&
        (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params, "headroom",
                                   &s->headroom_fixed)))
        return sc_error_set(err, st, where, "sculpt: parameter table out of date");
    s->util = malloc((sc->n_apps + 1) * sizeof *s->util);
    double *ug = malloc((sc->n_apps * sc->n_regions + 1) * sizeof *ug);
    if (!s->util || !ug) {
        free(ug);
        sc_sculpt_slo_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    for (size_t a = 0; a < sc->n_apps; a++) {
        double u = sc->apps[a].target_util;
        if (s->target_override > 0)
            u = s->target_override;
        else if (serve_word == 0) { /* "slo": the least over the app's regions */
            u = 1.0;
            for (size_t r = 0; r < sc->n_regions; r++) {
                double x = sc_sizer_u_slo(sc, (int)a, (int)r);
                if (x < u)
                    u = x;
            }
            if (!(u > 0))
                u = sc->apps[a].target_util; /* no room under the bound: as before */
        }
        s->util[a] = u;
        for (size_t r = 0; r < sc->n_regions; r++)
            ug[a * sc->n_regions + r] = s->guard ? u : 0.0;
    }
    if (on) {
        cfg.h_min = range[0];
        cfg.h_max = range[1];
        cfg.gain_up = gain[0];
        cfg.gain_down = gain[1];
        st = sc_slo_ctl_init(&s->slo, sc, &cfg, where, err);
    } else if (head_word == 0) { /* "auto" (slo_control takes precedence) */
        /* on demand only: the floor 0.07 (near the histogram's lowest code, 2^-3.95) and
         * the Poisson margin 3 (sculpt_size.c); with spot the floor stays 0.25 and the
         * margin is 5 (interruptions add violations the window under-predicts): both
         * measured on the held-out development half */
        sc_sizer_config zc = {.window_ms = 14 * 24 * HOUR_MS, .h0 = 1.0,
                              .h_min = s->on_demand_only ? 0.07 : 0.25, .h_max = 1.25,
                              .safety = safety, .down = 0.02,
                              .z_margin = s->on_demand_only ? 3.0 : 5.0};
        if ((st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params,
                                         "headroom_window", &zc.window_ms)) ||
            (cJSON_GetObjectItemCaseSensitive(params, "headroom_margin") &&
             (st = sc_params_get_number(sc_sculpt_params, sc_sculpt_n_params, params,
                                        "headroom_margin", &zc.z_margin)))) {
            free(ug);
            sc_sculpt_slo_cleanup(s);
            return sc_error_set(err, st, where, "sculpt: parameter table out of date");
        }
        if (rg) {
            zc.h_min = range[0];
            zc.h_max = range[1];
        }
        /* the start (slo_headroom) is clamped into the range: it only matters until
         * the first step is judged */
        if (cJSON_GetObjectItemCaseSensitive(params, "slo_headroom"))
            zc.h0 = fmin(fmax(cfg.h0, zc.h_min), zc.h_max);
        if (zc.window_ms / sc->step_ms < 2) {
            free(ug);
            sc_sculpt_slo_cleanup(s);
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "headroom_window: expected at least two scenario steps");
        }
        st = sc_sizer_init(&s->size, sc, &zc, ug, s->guard_hold_ms, where, err);
    }
    free(ug);
    if (!st) { /* the guard's margin over the lead-time distribution (sculpt_lead.c) */
        int64_t window_ms = 14 * 24 * HOUR_MS;
        st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params,
                                    "headroom_window", &window_ms);
        if (st)
            st = sc_error_set(err, st, where, "sculpt: parameter table out of date");
        else
            st = sc_sculpt_lead_init(s, sc, params, window_ms, where, err);
    }
    if (!st && s->intra) { /* where violations fell (sculpt_vmem.c) */
        int64_t mem_ms = 7 * 24 * HOUR_MS;
        st = sc_params_get_duration(sc_sculpt_params, sc_sculpt_n_params, params,
                                    "violation_memory", &mem_ms);
        if (st)
            st = sc_error_set(err, st, where, "sculpt: parameter table out of date");
        else
            st = sc_sculpt_vmem_init(s, sc, (int)(mem_ms / (24 * HOUR_MS)), where, err);
    }
    if (st)
        sc_sculpt_slo_cleanup(s);
    return st;
}

void sc_sculpt_slo_cleanup(sculpt_state *s)
{
    sc_slo_ctl_cleanup(&s->slo);
    sc_sizer_cleanup(&s->size);
    sc_sculpt_lead_cleanup(s);
    sc_sculpt_vmem_cleanup(s);
    free(s->util);
    s->util = NULL;
}

void sc_sculpt_slo_observe(sculpt_state *s, const sc_policy_view *v)
{
    sc_slo_ctl_observe(&s->slo, v);
    sc_sizer_observe(&s->size, v);
    sc_sculpt_lead_observe(s, v);
    sc_sculpt_vmem_observe(s, v);
}

void sc_sculpt_slo_update(sculpt_state *s, const sc_policy_view *v)
{
    sc_slo_ctl_update(&s->slo, v);
    sc_sizer_update(&s->size, v);
}

double sc_sculpt_util(const sculpt_state *s, int app)
{
    return s->util[app];
}

void sc_slo_ctl_cleanup(sc_slo_ctl *c)
{
    free(c->h);
    free(c->last_up);
    free(c->fresh);
    free(c->sum_v);
    free(c->sum_n);
    free(c->ring_v);
    free(c->ring_n);
    free(c->serving_prev);
    free(c->u_slo);
    c->h = NULL;
    c->last_up = NULL;
    c->fresh = NULL;
    c->sum_v = c->sum_n = NULL;
    c->ring_v = c->ring_n = NULL;
    c->serving_prev = NULL;
    c->u_slo = NULL;
    c->on = 0;
}


void sc_slo_ctl_record(sc_slo_ctl *c, size_t a, int64_t k, int nv, int nn, sc_time_ms now)
{
    size_t slot = a * (size_t)c->window_steps + (size_t)(k % c->window_steps);
    c->sum_v[a] += nv - c->ring_v[slot];
    c->sum_n[a] += nn - c->ring_n[slot];
    c->ring_v[slot] = nv;
    c->ring_n[slot] = nn;
    if (nv > 0 && (c->last_up[a] == SC_TIME_MIN || now - c->last_up[a] > c->cfg.update_ms))
        c->fresh[a] = 1;
}

void sc_slo_ctl_observe(sc_slo_ctl *c, const sc_policy_view *v)
{
    if (!c->on)
        return;
    if (v->slo_judged && v->slo_violated) { /* h-live: measured SLO (slo_measured.c) */
        sc_slo_ctl_observe_measured(c, v);
        return;
    }
    const sc_scenario *sc = v->sc;
    int64_t cur = v->step;
    int64_t k = cur - 1;
    int new_step = cur != c->last_step;
    int judge = new_step && k >= 0;
    for (size_t a = 0; a < sc->n_apps; a++) {
        int nv = 0, nn = 0;
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            int now_srv = sc_sculpt_serving(v, (int)a, (int)r);
            if (judge) {
                double x = sc_view_ieq(v, (int)a, (int)r, k);
                int prev = c->serving_prev[ar];
                int low = prev >= 0 && prev < now_srv ? prev : now_srv;
                if (x > 0 || now_srv > 0) {
                    nn++;
                    if (x > 0 && x > c->u_slo[ar] * (double)low * (1.0 + 1e-9))
                        nv++;
                }
            }
            if (new_step)
                c->serving_prev[ar] = now_srv;
        }
        if (!judge)
            continue;
        sc_slo_ctl_record(c, a, k, nv, nn, v->now);
    }
    c->last_step = cur;
    if (judge)
        c->last_k = k;
}

void sc_slo_ctl_update(sc_slo_ctl *c, const sc_policy_view *v)
{
    if (!c->on)
        return;
    const sc_scenario *sc = v->sc;
    for (size_t a = 0; a < sc->n_apps; a++) {
        double b = 1.0 - sc->apps[a].slo.attainment;
        if (!(b > 0) || (double)c->sum_n[a] * b < 1.0)
            continue;
        double burn = ((double)c->sum_v[a] / (double)c->sum_n[a]) / b;
        int short_v = 0;
        for (int64_t i = 0; i < c->short_steps && c->last_k - i >= 0; i++)
            short_v += c->ring_v[a * (size_t)c->window_steps +
                                 (size_t)((c->last_k - i) % c->window_steps)];
        if (burn > 1.0 && c->fresh[a]) {
            c->h[a] *= exp(c->cfg.gain_up);
            c->last_up[a] = v->now;
            c->fresh[a] = 0;
        } else if (burn < 0.5 && short_v == 0 &&
                   (c->last_up[a] == SC_TIME_MIN || v->now - c->last_up[a] >= c->cfg.hold_ms)) {
            c->h[a] *= exp(-c->cfg.gain_down);
        }
        if (c->h[a] > c->cfg.h_max)
            c->h[a] = c->cfg.h_max;
        if (c->h[a] < c->cfg.h_min)
            c->h[a] = c->cfg.h_min;
    }
}

double sc_slo_ctl_factor(const sc_slo_ctl *c, int app)
{
    return c->on && app >= 0 && (size_t)app < c->n_apps ? c->h[app] : 1.0;
}

double sc_sculpt_slo_headroom(const sculpt_state *s, int app)
{
    if (s->slo.on)
        return sc_slo_ctl_factor(&s->slo, app);
    if (s->size.on)
        return sc_sizer_factor(&s->size, app);
    return s->headroom_fixed;
}

double sc_sculpt_headroom(const sc_policy *p, int app)
{
    if (!p || p->type != &sc_policy_sculpt)
        return NAN;
    const sculpt_state *s = p->state;
    if (app < 0 || (size_t)app >= s->n_apps)
        return NAN;
    return sc_sculpt_slo_headroom(s, app);
}
