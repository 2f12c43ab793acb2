/*
 * sculpt_intrahour.c - intra-hour shaping of the `sculpt` policy (sculpt.c): the hourly
 * plan cut into sub-steps by the observed profile of the hour, every scenario step.
 *
 *  4. Intra-hour shaping (`intra_hour`, default on).  The hourly plan sizes capacity
 *     for the forecast of the hour's PEAK, which most of the hour does not need.  Each
 *     hour is cut into sub-steps of `substep` (15 min, at least the scenario step).
 *     The profile of a sub-step is the `profile_level` quantile (0.5: the median) over
 *     the last `profile_days` (7) days of the ratio of that sub-step's observed peak ieq
 *     to its hour's peak, same hour of day and same position in the hour (1 with no
 *     such day).  A sub-step of hour k with profile p gets the capacity p x C_k, C_k =
 *     x_od + x_res + (1 - spot loss) x_spot the LP's planned serving capacity of the
 *     hour: reserved first (held anyway), on-demand and spot cut in the hour's
 *     proportion, rounded up, at least min_instances.  `profile_spread` (w, default
 *     0: off) widens each day's window of the sub-step to [t0 - w, t0 + substep + w)
 *     before the quantile over days, for a peak whose minute drifts from day to day
 *     (sc_sculpt_profile).  Every scenario step, the
 *     decision at now is the last one before now + step, and capacity it requests
 *     arrives at now + lead (boot p95 + warm-up), while what it releases cannot come
 *     back before then: it sets the counts to the maximum over the sub-steps
 *     overlapping [now, now + step + lead).  So provisions are issued a lead time
 *     before the sub-step needs them, and an instance is released only when no
 *     sub-step needs it for longer than its lead time (its boot and warm-up are billed
 *     again if it comes back; billing is per second with a 60 s minimum, below any
 *     step of the scenarios).  The guard (sculpt.c) is folded in: at least
 *     ceil(peak observed ieq over the last `guard_hold` / target) instances, the
 *     extra as on-demand; when the observation falls back the controller returns to
 *     the forecast's counts (the guard scales in after its hold).
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/fsutil.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"

#include "sculpt_int.h"

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
 * position in the hour), at most 1 (hour_stat "max").  With profile_spread w > 0 the
 * sub-step's peak is taken over [t0 - w, t0 + substep + w) on that day (it may reach
 * into the neighbouring hours): the maximum over the neighbouring sub-steps per day,
 * then the median over days, so a one-step spike whose minute drifts by up to w finds
 * its sub-step at 1 on every day instead of splitting its days between two sub-steps
 * that each stay below the median.  1 (no shaping) without such a day. */
double sc_sculpt_profile(const sculpt_state *s, const sc_policy_view *v, int a, int r,
                         int64_t h, sc_time_ms t0)
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
        double m = sc_sculpt_hour_stat(s, v, a, r, hh);
        if (!(m > 0))
            continue;
        sc_time_ms u0 = t0 - (sc_time_ms)d * 24 * HOUR_MS;
        /* profile_spread: the sub-step's window widened each side, so a peak whose
         * position jitters by up to the spread from day to day lands in it every day
         * (the view serves observed steps only: never past now) */
        sc_time_ms u1 = u0 + s->substep_ms + s->profile_spread_ms;
        u0 -= s->profile_spread_ms;
        if (u1 > v->now + 1)
            u1 = v->now + 1;
        double x = sc_view_ieq_max(v, a, r, u0, u1);
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
void sc_sculpt_substep_counts(int x_od, int x_sp, int x_res, double loss, double p,
                              int min_inst, int *od, int *sp)
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
sc_status sc_sculpt_shape_step(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
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
        double tu = sc_sculpt_util(s, (int)a);
        for (size_t r = 0; r < sc->n_regions; r++) {
            if (sc_sculpt_itype_owns(s, sc, (int)a, (int)r))
                continue; /* a pool on another instance type: sculpt_itype.c scales it */
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
                               ? sc_sculpt_profile(s, v, (int)a, (int)r, sc_time_floor_div(t0, HOUR_MS), t0)
                               : 1.0;
                if (x_od + x_sp > 0) /* h-meets: held where violations fell */
                    p = fmax(p, sc_sculpt_vmem_floor(s, sc, (int)a, (int)r, t0));
                int o, q;
                sc_sculpt_substep_counts(x_od, x_sp, x_res, b->spot_loss[r], p, b->min_inst[r], &o,
                                         &q);
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
            /* the plan's count before the guard, for the sizer's guard factor */
            sc_sizer_note_plan(&s->size, v, (int)a, (int)r, od + sp + res);
            sc_sculpt_lead_note_plan(s, v, (int)a, (int)r, od + sp + res); /* h-meets */
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
                /* issue 11 (route_cool): at the utilisation of the routes served */
                double gu = sc_sculpt_route_guard_util(s, sc, (int)a, (int)r, tu);
                need *= sc_sizer_guard_factor(&s->size, (int)a); /* sculpt_size.c */
                need *= sc_sculpt_lead_margin(s, (int)a, (int)r); /* h-meets: sculpt_lead.c */
                int n = need > 0 ? (int)ceil(need / gu - 1e-9) : 0;
                if (app->max_instances >= 0 && n > app->max_instances)
                    n = app->max_instances;
                int nb = sc_sculpt_burst_count(s, v, (int)a, (int)r, tu); /* burst guard */
                if (nb > n)
                    n = nb;
                if (n > od + sp + res)
                    od = n - sp - res;
            }
            /* issue 11: instances the cloud reports impaired are replaced (sculpt_route.c) */
            int imp = sc_sculpt_impaired_target(v, (int)a, (int)r, od + sp + res, lim);
            if (imp > od + sp + res)
                od = imp - sp - res;
            /* routing plan: a region whose weight fell drains after clients moved */
            int hold = sc_sculpt_route_drain_floor(s, (int)a, (int)r, v->now);
            if (hold > od + sp + res)
                od = hold - sp - res;
            /* spot stock-out learnt: running spot kept, no launch but the probe */
            sc_sculpt_stockout_shape(s, v, (int)a, (int)r, b->spot_loss[r], b->min_inst[r],
                                     &od, &sp);
            sc_status st;
            if ((st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_ONDEMAND, od)) ||
                (!s->on_demand_only &&
                 (st = sc_plan_to_target(plan, v, (int)a, (int)r, SC_PURCHASE_SPOT, sp))))
                return sc_error_set(err, st, NULL, "sculpt: cannot build plan");
        }
    }
    return SC_OK;
}
