/*
 * sculpt_size.h - the `sculpt` policy's SLO sizing (sculpt_size.c, whose opening comment
 * has the rule): the utilisation capacity is sized at (`serve_util`) and the headroom
 * factor on the forecast quantiles sized from the past steps' counterfactual
 * (`"headroom": "auto"`).  Internal to core/policy; not installed.
 */
#ifndef SCULPT_POLICY_SCULPT_SIZE_H
#define SCULPT_POLICY_SCULPT_SIZE_H

#include <stdint.h>

#include "sculpt/policy.h"

/* Settings (documented defaults in sculpt_size.c). */
typedef struct sc_sizer_config {
    int64_t window_ms;        /* steps the quantile is taken over (headroom_window, 14 d) */
    double h0;                /* factor before any step is judged (1) */
    double h_min, h_max;      /* range; needs above h_max are "not fixable" ([0.25, 2]) */
    double safety;            /* share of the error budget planned to be spent (0.5) */
    double down;              /* largest log step down per update (0.02) */
    double z_margin;          /* budget kept back: B - z sqrt(B) when above safety x B
                                 (B the window's budget in steps); 0: safety alone */
} sc_sizer_config;

/* Guard factors the sizer chooses among ("guard_headroom": "auto"; sculpt_size.c). */
#define SC_SIZER_GUARD_MAX 5

/* The sizer's state; arrays NULL when off. */
typedef struct sc_sizer {
    int on;
    sc_sizer_config cfg;
    int64_t window_steps;     /* the ring's length, scenario steps */
    int64_t skip_steps;       /* steps not judged at the start (before the first plan) */
    int64_t last_step;        /* step of the last decision seen; -1 none */
    size_t n_apps, n_regions;
    double *h;                /* [n_apps] the factor in force */
    double *h_prev;           /* [n_apps] the factor in force at the last step's start */
    unsigned char *code;      /* [SC_SIZER_GUARD_MAX * n_ar * window_steps] counterfactual
                                 factor per step with guard factor j (block j), log-coded
                                 (sculpt_size.c); 0: not judged */
    long *hist;               /* [SC_SIZER_GUARD_MAX * n_apps * 256] counts of the
                                 window's codes, block j per guard factor */
    double factor[256];       /* the factor each code stands for */
    int64_t guard_hold_steps; /* the guard's hold, scenario steps */
    int *serving_prev;        /* [n_ar] serving instances at the last step start; -1 */
    double *u_slo;            /* [n_ar] utilisation at the SLO's latency bound */
    double *u_guard;          /* [n_ar] utilisation the guard sizes at */
    int *lag_steps;           /* [n_ar] steps before the guard's capacity serves */
    /* guard headroom (sculpt_size.c, "Guard factor"): the guard sizes for g x the peak
     * ieq it observed; g[0] is the fixed factor or 1, g[1..n_g-1] the other candidates */
    int n_g;                  /* candidates, 1..SC_SIZER_GUARD_MAX (1: fixed) */
    double g[SC_SIZER_GUARD_MAX]; /* the factors, increasing, g[0] >= 1 */
    int *gsel;                /* [n_apps] index of the factor in force */
    double *plan_w;           /* [n_ar * window_steps] the plan's instances per unit of h
                                 that served each judged step; NaN: not judged */
    double *gx_w;             /* [n_ar * window_steps] the guard's observed peak ieq
                                 for each judged step (before the factor) */
    double *note;             /* [n_ar * window_steps] the plan's count / h noted at the
                                 decisions of each step (the largest), negative when the
                                 count was min_instances' floor; NaN: none */
    int64_t *note_k;          /* [n_ar * window_steps] step each note belongs to */
    double *last_p;           /* [n_ar] the last plan per unit of h above the floor; 0 */
} sc_sizer;

/* The utilisation at which app a's latency in region r (plus the worst route of the
 * geographies at home there) reaches its SLO bound, capped at latency.u_max. */
double sc_sizer_u_slo(const sc_scenario *sc, int a, int r);
/* Allocate (on = 1).  u_guard: [n_apps * n_regions] the guard's utilisation (copied);
 * guard_hold_ms: how long the guard keeps what it adds.  SC_ERR_INPUT (where) on a bad
 * setting, NOMEM; on failure nothing is left allocated. */
sc_status sc_sizer_init(sc_sizer *z, const sc_scenario *sc, const sc_sizer_config *cfg,
                        const double *u_guard, int64_t guard_hold_ms, const char *where,
                        sc_error *err);
void sc_sizer_cleanup(sc_sizer *z);
/* Every decision: judge the step just closed at the first decision of a new step. */
void sc_sizer_observe(sc_sizer *z, const sc_policy_view *v);
/* At each replan: move the factors. */
void sc_sizer_update(sc_sizer *z, const sc_policy_view *v);
/* App a's factor; 1 when off. */
double sc_sizer_factor(const sc_sizer *z, int app);
/* The guard's factor in force for app a: the guard sizes for this times the peak ieq it
 * observed; 1 when off. */
double sc_sizer_guard_factor(const sc_sizer *z, int app);
/* "guard_headroom": fixed >= 1 holds the guard's factor there; fixed <= 0 ("auto")
 * lets the sizer choose it among 1, 2^(1/4), ..., 2 at every replan.  Before the first
 * decision; no-op when off. */
void sc_sizer_set_guard(sc_sizer *z, double fixed);
/* Every decision of the intra-hour controller (sculpt_intrahour.c): the plan's count
 * of (a, r) before the guard, which the sizer's guard choice scales by h. */
void sc_sizer_note_plan(sc_sizer *z, const sc_policy_view *v, int a, int r, int count);
/* Hook for the routing plan (sculpt_route.c): (a, r)'s utilisation at the SLO from the
 * geographies routed there now; ignored when off or u <= 0. */
void sc_sizer_set_u_slo(sc_sizer *z, int a, int r, double u);

#endif
