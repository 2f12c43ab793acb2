/*
 * sculpt_int.h - internals of the `sculpt` policy shared by its files: sculpt.c
 * (parameters, forecast -> optimizer -> plan, the guard), sculpt_reserve.c (reserved
 * purchases), sculpt_intrahour.c (intra-hour shaping) and sculpt_burst.c (the burst
 * guard).  The state block is the policy's (sc_policy_type.state_size); not a public header.
 */
#ifndef SCULPT_POLICY_SCULPT_INT_H
#define SCULPT_POLICY_SCULPT_INT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sculpt/events.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sculpt/wpe.h"

#define HOUR_MS INT64_C(3600000)
#define MAX_Q 16
#define LOG_FLOOR 1e-3        /* ieq floor before log (forecast_log) */

typedef struct sculpt_commit {
    sc_time_ms end_ms;        /* commitment ends (exclusive) */
    int count;
    long log_idx;             /* entry in the reserve log, -1 for the initial allocation */
} sculpt_commit;

typedef struct sculpt_ar {
    int64_t k_fed;            /* next scenario step to feed the engine */
    sculpt_commit *commits;   /* reserved commitments, oldest first */
    int n_commits, cap_commits;
} sculpt_ar;

/* A reserved purchase decided in this replan, joined to the plan after the solve. */
typedef struct sculpt_buy {
    int count;
    sc_rap_why why;
} sculpt_buy;

#include "sculpt_size.h"
#include "sculpt_slo.h"

typedef struct sculpt_state {
    int64_t cadence_ms, horizon_ms, history_ms, refit_ms;
    char optimizer[SC_NAME_MAX];
    double penalty_mult;
    int on_demand_only, guard;
    double spot_max_share;
    double target_override;   /* <= 0: the app's target_util */
    double q[MAX_Q];
    int nq;
    char ets_spec[8];
    char first[SC_NAME_MAX];  /* most capable forecaster asked for */
    const char *names[4];     /* forecaster hierarchy */
    size_t n_names;
    int K;                    /* plan steps (hours) */
    size_t n_ar;
    sculpt_ar *ar;            /* [n_ar] */
    sc_wpe *wpe;              /* the prediction engine: one series per (app, region) */
    double *mean, *quant;     /* scratch [K], [K * nq] */
    int64_t hist_cap;
    int64_t *lead_ms;         /* [n_regions] scratch per app */
    sc_optimizer *opt;
    size_t n_apps;
    sc_opt_problem_buf **prob;/* [n_apps] */
    sc_opt_solution **sol;    /* [n_apps] */
    sc_rap rap;
    sc_time_ms last_plan;     /* SC_TIME_MIN: never */
    int64_t step_ms;
    /* reserved */
    int64_t reserve_every_ms; /* 0: no reserved purchases */
    int64_t reserve_history_ms;
    sc_time_ms next_commit;   /* next commitment point */
    int *need;                /* scratch [reserve history hours + K] */
    int64_t need_cap;
    sculpt_buy *buy;          /* [n_regions] this replan's purchases */
    sc_sculpt_reserve *rlog;  /* reserve log */
    size_t n_rlog, cap_rlog;
    char rlog_path[1024];     /* "reserve_log": JSON file of every commitment decision */
    cJSON *rjson;             /* its array */
    /* event feed */
    sc_event_feed *feed;      /* NULL: none (borrowed by the engine) */
    int64_t announce_lead_ms;
    int forecast_log;
    int event_lift;           /* also the announced-lift column */
    /* intra-hour shaping */
    int intra;                /* shape the hourly plan inside the hour (default on) */
    int64_t substep_ms;       /* profile resolution (>= the scenario step) */
    int profile_days;         /* days of history the profile is the median over */
    double profile_level;     /* quantile of the ratios taken (0.5: the median) */
    int64_t profile_spread_ms; /* sub-step's window widened by this each side (intra) */
    int64_t guard_hold_ms;    /* the guard's instances are held this long */
    int hour_mean;            /* forecast the hourly mean (profile: sub-step peak / mean) */
    sc_time_ms *planned_at;   /* [n_apps] plan_start of app a's last solve; SC_TIME_MIN */
    sc_slo_ctl slo;           /* self-calibrating headroom (slo_control) */
    /* instance types (sculpt_itype.c; "instance_types": "auto") */
    int itype;                /* 1: choose the type per pool */
    double itype_min_saving;  /* a switch must save this fraction, [0, 1) */
    int64_t itype_hold_ms;    /* a pool keeps a type this long after switching */
    sc_time_ms *itype_since;  /* [n_ar] last switch; SC_TIME_MIN: never */
    unsigned char *itype_cand;/* [n_types] candidate types */
    int *itype_run;           /* [n_ar] type each pool runs (the one scaled) */
    int *itype_x;             /* [(ar * 3 + option) * K + k] plan of pools on another
                                 type, in its instances */
    int *itype_cur, *itype_save; /* scratch [n_regions], [n_regions * 3] */
    int64_t *itype_lead;      /* scratch [n_regions] */
    double *itype_f;          /* scratch [n_types] worth of each type, home ieq */
    sc_itype_choice *itype_ch;/* scratch [n_regions] */
    sc_itype_ws *itype_ws;
    char itype_log_path[1024];/* "itype_log": JSON file of every type switch */
    cJSON *itype_json;        /* its array */
    /* SLO sizing (sculpt_size.c) */
    double *util;             /* [n_apps] utilisation the optimizer and guard size at */
    sc_sizer size;            /* "headroom": "auto" */
    double headroom_fixed;    /* "headroom": a number (used when size and slo are off) */
    struct sculpt_burst *burst; /* burst guard (sculpt_burst.c); NULL: off */
    struct sculpt_route *route; /* "routing": "plan" (sculpt_route.c); NULL: home */
    int robust;               /* "robust": the engines' robust fitting (wpe.h), 0..2 */
    double robust_k;          /* "robust_k": its threshold, robust sigmas */
    double robust_tail;       /* "robust_tail": upper share of the window never clipped */
    struct sculpt_stockout *stockout; /* stock-outs learnt (sculpt_stockout.c); NULL: off */
    struct sculpt_lead *lead; /* h-meets: the guard's margin (sculpt_lead.c); NULL: off */
    struct sculpt_vmem *vmem; /* h-meets: where violations fell (sculpt_vmem.c); NULL: off */
} sculpt_state;

/* ---- sculpt.c ---- */
/* Max of the view's ieq over the steps overlapping UTC hour h; NaN if none observed. */
double sc_sculpt_hour_max(const sc_policy_view *v, int a, int r, int64_t h);
/* The hourly statistic forecast: the peak, or the mean with hour_stat "mean". */
double sc_sculpt_hour_stat(const sculpt_state *s, const sc_policy_view *v, int a, int r,
                           int64_t h);

/* The prediction engines' configuration (sculpt.c; sculpt_route.c's per-geography
 * engine uses the same). */
void sc_sculpt_wpe_config(const sculpt_state *s, const sc_scenario *sc, sc_wpe_config *out);

/* ---- sculpt_route.c: "routing": "plan" (issue 11 item 5) ---- */
/* Read `routing` (default "plan" where a geography has a routing mechanism, else
 * "home") and, for "plan", allocate the routing state and its per-geography engine.
 * Call after the other parameters (it reads the forecaster settings). */
sc_status sc_sculpt_route_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                               const char *where, sc_error *err);
void sc_sculpt_route_cleanup(sculpt_state *s);
/* Geographies of the optimizer's problems: the scenario's with "plan", else one per
 * region (home). */
int sc_sculpt_route_n_geos(const sculpt_state *s, const sc_scenario *sc);
/* Before a decision (every one): track how long each region has served; 1 when a
 * route's health verdict changed since the last decision
 * (the caller replans at once: failover). */
int sc_sculpt_route_health_changed(sculpt_state *s, const sc_policy_view *v);
/* Fill app a's problem with the per-geography demand (forecast quantiles x headroom hr),
 * latency feasibility and egress; *any = 1 when the app has demand. */
sc_status sc_sculpt_route_fill(sculpt_state *s, const sc_policy_view *v, int a, double hr,
                               sc_opt_problem_buf *b, int *any, sc_error *err);
/* Every decision, after the capacity actions: the set_weight actions that move each
 * routed geography toward the plan's shares (capacity first, rate-limited, failover). */
sc_status sc_sculpt_route_step(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err);
/* The highest utilisation at which app a's route g -> r meets its latency bound
 * (curve base / (1 - u) plus the route's latency), capped at u_max; 0 if none. */
double sc_sculpt_route_u_slo(const sc_scenario *sc, int a, int g, int r);
/* Region r's utilisation at the SLO for app a: the least of sc_sizer_u_slo (its home
 * geographies) and sc_sculpt_route_u_slo over the geographies routed there now
 * (weight > 0; routes that meet the bound at no utilisation are left out). */
/* Issue 11, partial capacity loss: the instances (a, r) needs for n to serve when the
 * cloud reports some of its serving instances impaired (sc_pool_state.impaired):
 * ceil(n x serving / (serving - impaired)), at most lim; n when none is impaired or all
 * are (a region down: the health checks move its load). */
int sc_sculpt_impaired_target(const sc_policy_view *v, int a, int r, int n, int lim);

/* The utilisation the guard sizes (a, r) at: tu, or with "route_cool" the lesser of tu
 * and the region's routes' (sc_sculpt_route_region_u_slo). */
double sc_sculpt_route_guard_util(const sculpt_state *s, const sc_scenario *sc, int a, int r,
                                  double tu);
double sc_sculpt_route_region_u_slo(const sculpt_state *s, const sc_scenario *sc, int a,
                                    int r);
/* Instances region r must keep for app a at now: a region whose weight was lowered
 * keeps its count until clients have moved (propagation + TTL / sticky hold). */
int sc_sculpt_route_drain_floor(const sculpt_state *s, int a, int r, sc_time_ms now);

/* ---- sculpt_stockout.c: spot stock-outs learnt from refused launches (issue 11) ---- */
/* Read stockout, stockout_backoff, stockout_backoff_max; allocate (NULL when off). */
sc_status sc_sculpt_stockout_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                                  const char *where, sc_error *err);
void sc_sculpt_stockout_cleanup(sculpt_state *s);
/* Every decision, first: read the launch answers since the last one, mark / back off /
 * reset; 1 when the optimizer's view of a spot pool changed (the caller replans). */
int sc_sculpt_stockout_observe(sculpt_state *s, const sc_policy_view *v);
/* Before app a's solve: spot not offered in the regions where its type is marked. */
void sc_sculpt_stockout_problem(const sculpt_state *s, const sc_scenario *sc, int a,
                                sc_opt_problem_buf *b);
/* Shaped counts of (a, r) while marked: running spot kept for on-demand, the probe. */
void sc_sculpt_stockout_shape(sculpt_state *s, const sc_policy_view *v, int a, int r,
                              double loss, int min_inst, int *od, int *sp);

/* ---- sculpt_reserve.c ---- */
/* Append a commitment; -1 when out of memory. */
int sc_sculpt_commit_push(sculpt_ar *h, sculpt_commit c);
/* Reserved instances committed and not expired at now. */
int sc_sculpt_commits_active(const sculpt_ar *h, sc_time_ms now);
/* Take refused or throttled purchases off the commitments. */
void sc_sculpt_reconcile(sculpt_state *s, const sc_policy_view *v);
/* The commitment decision of (a, r) at a commitment point (into s->buy[r]). */
sc_status sc_sculpt_reserve_decide(sculpt_state *s, const sc_policy_view *v, int a, int r,
                                   const sc_opt_problem_buf *b, sc_error *err);
/* Join app a's purchases of this replan to the plan. */
sc_status sc_sculpt_reserve_emit(sculpt_state *s, const sc_policy_view *v, int a,
                                 sc_error *err);
/* Write the reserve log file (when asked for). */
sc_status sc_sculpt_rjson_write(sculpt_state *s, sc_error *err);

/* ---- sculpt_slo.c ---- */
/* Read the slo_* parameters and allocate the controller (nothing when off). */
sc_status sc_sculpt_slo_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                             const char *where, sc_error *err);
/* App a's headroom factor on the forecast quantiles (sizer, slo_control or fixed). */
double sc_sculpt_slo_headroom(const sculpt_state *s, int app);
/* The utilisation app a's capacity is sized at (optimizer and guard). */
double sc_sculpt_util(const sculpt_state *s, int app);
/* Every decision / every replan / at cleanup: the sizer and the slo_control controller. */
void sc_sculpt_slo_observe(sculpt_state *s, const sc_policy_view *v);
void sc_sculpt_slo_update(sculpt_state *s, const sc_policy_view *v);
void sc_sculpt_slo_cleanup(sculpt_state *s);

/* ---- sculpt_size.c (issue 10, guard headroom) ---- */
/* Instances of (a, r) serving now over every purchase option: ready + interrupting. */
int sc_sculpt_serving(const sc_policy_view *v, int a, int r);
/* Read "guard_headroom" (after sc_sculpt_slo_init): the sizer's guard factor. */
sc_status sc_sculpt_guard_init(sculpt_state *s, const cJSON *params, const char *where,
                               sc_error *err);

/* ---- sculpt_lead.c (h-meets: the guard margin over the lead-time distribution) ---- */
/* Read guard_margin* (after guard, intra_hour and guard_hold; s->lead NULL when off). */
sc_status sc_sculpt_lead_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                              int64_t window_ms, const char *where, sc_error *err);
void sc_sculpt_lead_cleanup(sculpt_state *s);
/* Every decision: judge the step just closed at the first decision of a new step and
 * move the margins. */
void sc_sculpt_lead_observe(sculpt_state *s, const sc_policy_view *v);
/* Every step, before the guard: the count the shaped plan (and the limits) ask of (a, r). */
void sc_sculpt_lead_note_plan(sculpt_state *s, const sc_policy_view *v, int a, int r, int n);
/* The factor (>= 1) the guard multiplies its observed need by in (a, r); 1 when off. */
double sc_sculpt_lead_margin(const sculpt_state *s, int a, int r);
/* P(lead = j steps), j = 1..*J, into pj[0..8] (pj[0] = 0): the lead boot + warm_ms with
 * the boot drawn from `boot`, in steps of step_ms (a lead of 0 counts as one step). */
void sc_sculpt_lead_pj(const sc_dist *boot, double warm_ms, int64_t step_ms, double *pj,
                       int *J);

/* ---- sculpt_vmem.c (h-meets: the profile held where violations fell) ---- */
/* Allocate for a memory of `days` days (s->vmem NULL when 0). */
sc_status sc_sculpt_vmem_init(sculpt_state *s, const sc_scenario *sc, int days,
                              const char *where, sc_error *err);
void sc_sculpt_vmem_cleanup(sculpt_state *s);
void sc_sculpt_vmem_observe(sculpt_state *s, const sc_policy_view *v);
/* The least profile of (a, r)'s sub-step starting at t0: 1 where a step was violated
 * at about the same time on one of the last days, else 0. */
double sc_sculpt_vmem_floor(const sculpt_state *s, const sc_scenario *sc, int a, int r,
                            sc_time_ms t0);

/* ---- sculpt_itype.c ---- */
/* Read instance_types, itype_types, itype_min_saving (after intra_hour and K). */
sc_status sc_sculpt_itype_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                               const char *where, sc_error *err);
/* The workspace (after the optimizer and K are known; nothing when off). */
sc_status sc_sculpt_itype_alloc_ws(sculpt_state *s, const sc_scenario *sc, sc_error *err);
void sc_sculpt_itype_cleanup(sculpt_state *s);
/* 1 if pool (a, r) runs a type other than the app's own (scaled by sculpt_itype.c). */
int sc_sculpt_itype_owns(const sculpt_state *s, const sc_scenario *sc, int a, int r);
/* After app a's own-type solve: choose the type per region, keep the chosen plans. */
sc_status sc_sculpt_itype_replan(sculpt_state *s, const sc_policy_view *v, int a, sc_error *err);
/* Every step: scale pools on another type, drain replaced types as the new serve. */
sc_status sc_sculpt_itype_step(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err);

/* ---- sculpt_burst.c ---- */
/* Read the burst_* parameters and allocate the burst guard (s->burst; NULL when off). */
sc_status sc_sculpt_burst_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                               const char *where, sc_error *err);
void sc_sculpt_burst_cleanup(sculpt_state *s);
/* Feed (a, r)'s detector up to the current step; instances the burst guard asks for. */
int sc_sculpt_burst_count(sculpt_state *s, const sc_policy_view *v, int a, int r, double tu);

/* ---- sculpt_intrahour.c ---- */
/* Intra-hour profile of (a, r) for the sub-step at t0 of UTC hour h (1: none). */
double sc_sculpt_profile(const sculpt_state *s, const sc_policy_view *v, int a, int r,
                         int64_t h, sc_time_ms t0);
/* On-demand and spot counts of a sub-step with profile p in an hour planned at x_od,
 * x_sp, x_res. */
void sc_sculpt_substep_counts(int x_od, int x_sp, int x_res, double loss, double p,
                              int min_inst, int *od, int *sp);
/* One scenario step of intra-hour shaping (and the guard) into plan. */
sc_status sc_sculpt_shape_step(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err);

#endif
