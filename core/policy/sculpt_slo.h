/*
 * sculpt_slo.h - the error-budget controller of a headroom factor (sculpt_slo.c, whose
 * opening comment has the rule), shared by `sculpt` (slo_control: the factor multiplies
 * its forecast quantiles) and `reactive` ("target_util": "auto": the factor divides its
 * target utilisation).  Internal to core/policy; not installed.
 */
#ifndef SCULPT_POLICY_SCULPT_SLO_H
#define SCULPT_POLICY_SCULPT_SLO_H

#include <stdint.h>

#include "sculpt/policy.h"

/* Settings; sc_slo_ctl_config_default gives the documented defaults. */
typedef struct sc_slo_ctl_config {
    int64_t window_ms;        /* long window of the burn rate (7 d) */
    int64_t hold_ms;          /* no lowering this long after a raise (48 h) */
    int64_t update_ms;        /* period of the rule (1 h: a replan) */
    double h0;                /* initial factor (1) */
    double h_min, h_max;      /* range ([1, 3]; [0.5, 3] on demand only in sculpt) */
    double gain_up, gain_down;/* log steps (0.1, 0.005) */
} sc_slo_ctl_config;

/* The controller's state.  Arrays are NULL when off. */
typedef struct sc_slo_ctl {
    int on;
    sc_slo_ctl_config cfg;
    int64_t window_steps;     /* long window, scenario steps */
    int64_t short_steps;      /* short window: window / 28 */
    int64_t last_k;           /* last step judged; -1 none */
    int64_t last_step;        /* step of the last observation; -1 none */
    size_t n_apps, n_regions;
    double *h;                /* [n_apps] headroom factor */
    sc_time_ms *last_up;      /* [n_apps] time of the last raise; SC_TIME_MIN none */
    int *fresh;               /* [n_apps] a violation seen since the last raise acted */
    long *sum_v, *sum_n;      /* [n_apps] violated / judged steps in the long window */
    int *ring_v, *ring_n;     /* [n_apps * window_steps] per step */
    int *serving_prev;        /* [n_ar] serving instances at the last step start; -1 */
    double *u_slo;            /* [n_ar] utilisation at the SLO latency bound */
} sc_slo_ctl;

void sc_slo_ctl_config_default(sc_slo_ctl_config *c);
/* Allocate for the scenario (on = 1); SC_ERR_INPUT (where) on a bad setting, NOMEM.
 * On failure nothing is left allocated. */
sc_status sc_slo_ctl_init(sc_slo_ctl *c, const sc_scenario *sc, const sc_slo_ctl_config *cfg,
                          const char *where, sc_error *err);
void sc_slo_ctl_cleanup(sc_slo_ctl *c);
/* Every decision: judge the step just closed at the first decision of a new step. */
void sc_slo_ctl_observe(sc_slo_ctl *c, const sc_policy_view *v);
/* Record step k's outcome for app a (nv violated of nn judged app-geographies) in the
 * long-window ring and its sums; flags a fresh violation when the last update is older
 * than update_ms.  Shared by the model's judgement (sc_slo_ctl_observe) and the measured
 * one (slo_measured.c). */
void sc_slo_ctl_record(sc_slo_ctl *c, size_t a, int64_t k, int nv, int nn, sc_time_ms now);
/* Every cfg.update_ms: move the factors. */
void sc_slo_ctl_update(sc_slo_ctl *c, const sc_policy_view *v);
/* App a's factor; 1 when off. */
double sc_slo_ctl_factor(const sc_slo_ctl *c, int app);

#endif
