/*
 * policy_sculpt.h - what the `sculpt` policy (core/policy/sculpt.c) exposes beyond the
 * policy interface: its reserved-capacity rule and the explanation records of the
 * reserved purchases it made (read after or during a run, e.g. by tests and reports).
 *
 * Reserved rule (core/policy/README.md, "sculpt"): at a commitment point, per (app,
 * region), need[h] is the number of instances hour h of the long-horizon view needs at
 * the planned utilisation (ceil(hourly peak ieq / target)).  The L-th reserved instance
 * saves, in hour h,
 *     c_od            when L <= M_h = ceil((1 - s) need[h])  (it replaces on-demand),
 *     min(c_od, c_sp) when M_h < L <= need[h]              (it replaces spot),
 *     0               when L > need[h]                     (it idles),
 * with s the spot share cap (0 without spot) and c_sp the spot price per serving
 * instance (price / (1 - expected interruption loss)).  The level bought up to is the
 * largest L whose mean saving over the view's hours is at least the reserved price
 * c_res (a newsvendor rule: without spot, the level of need exceeded in at least a
 * fraction c_res / c_od of the hours).
 */
#ifndef SCULPT_POLICY_SCULPT_H
#define SCULPT_POLICY_SCULPT_H

#include "sculpt/export.h"

#include <stddef.h>

#include "sculpt/policy.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

/* The level of the rule above for need[0..n-1] (n >= 1; negative needs count as 0).
 * spot_share in [0, 1] (0 = no spot), c_sp NaN or <= 0 = spot not offered.  Returns L
 * and, when mean_saving != NULL, the mean hourly saving of the L-th instance (of the
 * (L+1)-th when L = 0), USD per hour. */
int sc_sculpt_reserve_level(const int *need, size_t n, double c_res, double c_od,
                            double c_sp, double spot_share, double *mean_saving);

/* One reserved purchase, as explained by the policy. */
typedef struct sc_sculpt_reserve {
    sc_time_ms t;            /* commitment point (issue time of the purchase) */
    sc_time_ms end_ms;       /* end of the commitment: t + the region's reserved term */
    int app, region;
    int held;                /* reserved instances already committed before it */
    int rule_level;          /* level the rule gives (before the limit clip) */
    int level;               /* level bought up to: min(rule_level, limit) */
    int count;               /* instances bought = level - held (> 0); after the
                                provider's answer (refused instances taken off) */
    int hours;               /* hours in the view: history + forecast */
    int hours_history;       /* of which observed */
    double exceed_frac;      /* fraction of the view's hours whose need >= level */
    double mean_saving;      /* mean hourly saving of the level-th instance, USD */
    double c_res, c_od, c_sp;/* prices per instance-hour (c_sp: NaN without spot) */
    double spot_share;       /* spot share cap used */
    double term_hours;       /* the commitment's term */
    double commit_usd;       /* count x c_res x term hours (the whole commitment; the
                                simulator bills the part inside the run) */
    unsigned clipped;        /* sc_opt_bind bits when the limit clipped the level */
} sc_sculpt_reserve;

/* The reserved purchases of a sculpt policy instance so far, in time order; *n = 0
 * (and NULL) for another policy type. */
const sc_sculpt_reserve *sc_sculpt_reserve_log(const sc_policy *p, size_t *n);

/* The headroom factor of app `app` of a sculpt policy instance: the multiplier of its
 * forecast quantiles, set by the SLO sizer (`"headroom": "auto"`, the default,
 * sculpt_size.c) or the error-budget controller (`slo_control`, sculpt_slo.c), else the
 * fixed `headroom`; NaN for another policy type or an app out of range. */
double sc_sculpt_headroom(const sc_policy *p, int app);
/* App a's guard factor in force (`guard_headroom`, core/policy/sculpt_size.c): the
 * guard sizes for it times the peak ieq it observed; 1 without the SLO sizer, NaN for
 * another policy type or an app out of range. */
double sc_sculpt_guard_headroom(const sc_policy *p, int app);

/* ---- purchase options of the baselines (core/policy/purchase_params.c) -------------
 *
 * The `purchase` parameter of `reactive` and `aws-predictive`, modelled on an EC2 Auto
 * Scaling group with a mixed-instances policy over a reserved-instance base, per
 * (app, region) the app is deployed in:
 *     {"reserved_base": "auto" | N, "on_demand_base": N, "spot_above_base": 0..1}
 * every key optional, defaults 0 / 0 / 0: everything on demand, exactly as without the
 * parameter (the policies then run their old code path).  Given the policy's desired
 * count D and the reserved instances requested R:
 *     above = max(0, D - R), od_base = min(above, on_demand_base),
 *     spot  = floor(spot_above_base x (above - od_base)),  on-demand = above - spot
 * (on-demand takes the rounding, as the Auto Scaling group does).  Reserved or spot
 * capacity not serving yet (booting, warming, or spot under an interruption notice) is
 * covered on demand until it serves: interrupted spot is replaced on demand at the
 * notice and re-requested as spot.  Where a region offers no spot price, the spot part
 * is bought on demand.
 * Reserved: at the first decision of the measured period (step >= warmup_steps) the
 * policy buys R = N, or with "auto" the level of sc_sculpt_reserve_level over the
 * warm-up's hours, need[h] = ceil(peak instance-equivalents of hour h / target
 * utilisation), at the region's reserved, on-demand and spot prices (spot share
 * spot_above_base): without spot, the level of need exceeded in at least c_res / c_od
 * of the warm-up's hours.  Bought for the region's reserved term and released when it
 * ends (never renewed).  A warm-up shorter than one step buys nothing under "auto". */
typedef struct sc_purchase_mix {
    int reserved_auto;          /* 1: reserved_base "auto" */
    int reserved_base;          /* instances per (app, region) when not auto, >= 0 */
    int on_demand_base;         /* instances per (app, region), >= 0 */
    double spot_above_base;     /* share of capacity above the bases bought as spot, [0, 1] */
} sc_purchase_mix;

/* Read the member `purchase` of a policy's params object (absent: all on demand).  where
 * is the params object's place ("file: $.policies[i].params"); errors (SC_ERR_INPUT)
 * name the member's path, e.g. "...params.purchase.spot_above_base".  A reserved base
 * ("auto" or N > 0) needs a reserved price for every app's instance type in every
 * region. */
sc_status sc_purchase_mix_read(const sc_scenario *sc, const struct cJSON *params,
                               const char *where, sc_purchase_mix *out, sc_error *err);

/* 1 when m is the default (everything on demand). */
int sc_purchase_mix_is_default(const sc_purchase_mix *m);

/* The split above: desired D with R reserved requested -> on-demand and spot targets
 * (before the cover of capacity not yet serving). */
void sc_purchase_mix_split(const sc_purchase_mix *m, int desired, int reserved,
                           int *on_demand, int *spot);

/* Per-(app, region) state of a policy applying a mix: the reserved purchase. */
typedef struct sc_purchase_mix_ar {
    int bought;                 /* 1 once the reserved purchase was decided */
    int level;                  /* reserved instances bought up to */
    sc_time_ms end_ms;          /* end of their term */
} sc_purchase_mix_ar;

/* Emit this decision's actions for (app, region): the reserved purchase when due, then
 * the on-demand and spot targets for the desired count (target: the planning
 * utilisation of "auto").  *launched (may be NULL): instances newly requested on demand
 * or spot. */
sc_status sc_purchase_mix_apply(const sc_purchase_mix *m, sc_purchase_mix_ar *st,
                                const sc_policy_view *v, int app, int region, int desired,
                                double target, sc_plan *plan, int *launched);

SC_END_DECLS

#endif
