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

SC_END_DECLS

#endif
