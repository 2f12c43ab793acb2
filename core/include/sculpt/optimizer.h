/*
 * optimizer.h - the Resource Sculpting Manager's optimizers: one capacity problem per
 * application, solved by plug-ins behind one interface (`lp` on GLPK, `ga`).
 *
 * The problem (full formulation written out in core/sculpt/README.md):
 *
 *   plan steps k = 0..K-1 of step_ms each, starting at start_ms;
 *   regions r = 0..R-1, purchase options o in {on_demand, reserved, spot};
 *   geographies g = 0..G-1, where demand arises.
 *
 *   Demand of geography g in step k is given by Q quantiles of the Workload Intensity
 *   Vector, in instance-equivalents (ieq) at 100 % of the binding resource (the
 *   simulator's ieq): demand[(g*K + k)*Q + q] at levels qlevel[q] (increasing).  The
 *   quantiles are read as a discrete distribution (atom d_q with weight w_q, the
 *   midpoints between levels: w_0 = (p_0+p_1)/2, ..., w_{Q-1} = 1 - (p_{Q-2}+p_{Q-1})/2),
 *   so the expected shortfall E[(D - s)^+] of served amount s is exactly piecewise
 *   linear with slope -P(D >= d_q) on (d_{q-1}, d_q].  The marginal value of one more
 *   unit of served capacity is penalty x P(D >= d_q): the quantile an app is sized for
 *   follows from its penalty against its prices (newsvendor), it is not fixed.
 *
 *   Variables:
 *     x[r][o][k] instances (on_demand and spot per step; reserved one count per region
 *                for the whole horizon, since a commitment outlives any plan);
 *     y[g][r][k] ieq of geography g routed to region r (only where route_ok);
 *     z[g][k][q] served ieq in quantile segment q, 0 <= z <= d_q - d_{q-1}.
 *   Constraints:
 *     sum_g y[g][r][k] <= serve_util * (x_od + x_res + (1 - spot_loss[r]) x_spot)
 *     sum_r y[g][r][k]  = sum_q z[g][k][q]
 *     min_inst[r] <= x_od + x_res + x_spot <= min(max_inst, cap_limit[r])
 *     x_spot <= spot_max_share * (x_od + x_res + x_spot)
 *     lead time: for k < lead_steps[r], x[r][o][k] <= current[r][o] (no capacity can
 *                arrive before it; scale-in is allowed at once)
 *     reserved:  x_res >= current_res; x_res == current_res unless may_buy_reserved
 *     flap:      sum_{o,k} |x[r][o][k] - x[r][o][k-1]| <= flap_budget (x[..][-1] =
 *                current), linear through split variables
 *   Objective (USD over the horizon, h = step hours):
 *     sum price[r][o] h x + sum egress[g][r] h y + penalty h sum_{g,k} E[(D - s)^+]
 *
 * Instances are integers: the `lp` optimizer solves the MILP with glp_intopt when the
 * problem has at most cfg.milp_max_int integer columns (then proved_optimal = 1), else
 * it solves the LP relaxation, rounds each instance count up and re-solves routing
 * with the counts fixed; it reports both the relaxation value (lp_bound_usd, a lower
 * bound on the penalised cost) and the rounded plan's cost (objective_usd).
 *
 * Infeasible inputs never fail the solve: shortfall is always allowed (at its
 * penalty), so demand above every capacity limit or a geography with no region
 * within its latency bound gives the best possible allocation, and `unmet` says which
 * constraint could not be met (SC_OPT_UNMET_* bits, with a message).  Contradictory
 * bounds (min above max) are clamped and reported the same way.
 *
 * Ownership: a problem's arrays are borrowed by the optimizer for the duration of a
 * solve.  sc_opt_problem_alloc makes a problem that owns its arrays (free with
 * sc_opt_problem_free); a caller may also point the fields at its own arrays.  A
 * solution is caller-owned (sc_opt_solution_alloc / _free), sized for given
 * dimensions, and reused between solves so the steady state does not allocate.
 *
 * Threads: GLPK keeps per-thread environment state, and the first use of GLPK in a
 * process (its environment set-up and glp_term_out) is not thread-safe in some
 * builds.  sc_optimizer_global_init() does that set-up once under a lock; the wrappers
 * call it, and a multi-threaded caller may call it once at start-up.  An optimizer
 * instance must be used by one thread at a time.
 *
 * No wall clock is read here (DESIGN.md): solve times are measured by callers
 * (bench/optimizer).
 */
#ifndef SCULPT_OPTIMIZER_H
#define SCULPT_OPTIMIZER_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/params.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

/* Index helpers (row-major, step last). */
#define SC_OPT_X(p, r, o, k) ((((size_t)(r) * SC_PURCHASE_COUNT + (size_t)(o)) * (size_t)(p)->n_steps) + (size_t)(k))
#define SC_OPT_GR(p, g, r) ((size_t)(g) * (size_t)(p)->n_regions + (size_t)(r))
#define SC_OPT_GK(p, g, k) ((size_t)(g) * (size_t)(p)->n_steps + (size_t)(k))
#define SC_OPT_RK(p, r, k) ((size_t)(r) * (size_t)(p)->n_steps + (size_t)(k))

/* Constraints that may bind on a (region, step) or that could not be met.  Bit masks. */
typedef enum sc_opt_bind {
    SC_OPT_BIND_NONE = 0,
    SC_OPT_BIND_CAPACITY = 1u << 0,   /* region capacity limit (stock-out) reached */
    SC_OPT_BIND_QUOTA = 1u << 1,      /* vCPU quota reached (when the limit came from it) */
    SC_OPT_BIND_MAX_INST = 1u << 2,   /* app's max_instances per region reached */
    SC_OPT_BIND_MIN_INST = 1u << 3,   /* held up by min_instances */
    SC_OPT_BIND_LEAD = 1u << 4,       /* would grow but capacity cannot arrive in time */
    SC_OPT_BIND_FLAP = 1u << 5,       /* flap budget exhausted */
    SC_OPT_BIND_RESERVED = 1u << 6,   /* reserved commitment held (cannot shrink) */
    SC_OPT_BIND_LATENCY = 1u << 7,    /* a geography has no region within its latency bound */
    SC_OPT_BIND_BUDGET = 1u << 8,     /* cost budget (reserved for the planner) */
    SC_OPT_BIND_SPOT_SHARE = 1u << 9  /* spot share cap reached */
} sc_opt_bind;

/* Short name of one bit ("capacity", "quota", ...); "none" for 0. */
const char *sc_opt_bind_name(unsigned bit);
/* Comma-separated names of a mask into buf ("none" when 0).  Returns buf. */
char *sc_opt_bind_names(unsigned mask, char *buf, size_t len);

/* How a solution was obtained. */
typedef enum sc_opt_method {
    SC_OPT_METHOD_NONE = 0,
    SC_OPT_METHOD_MILP = 1,       /* glp_intopt, optimal integer solution */
    SC_OPT_METHOD_LP_ROUNDED = 2, /* LP relaxation, counts rounded up, routing re-solved */
    SC_OPT_METHOD_GA = 3          /* genetic algorithm */
} sc_opt_method;

/* One application's capacity problem.  All arrays are borrowed (see top). */
typedef struct sc_opt_problem {
    int n_regions;               /* R >= 1 */
    int n_geos;                  /* G >= 1 */
    int n_steps;                 /* K >= 1 */
    int n_quant;                 /* Q >= 1 */
    int64_t step_ms;             /* length of a plan step, > 0 */
    sc_time_ms start_ms;         /* start of step 0 (informational; used by plans) */

    const double *qlevel;        /* [Q] quantile levels, strictly increasing in (0,1) */
    const double *demand;        /* [(g*K + k)*Q + q] ieq at 100 %; non-decreasing in q;
                                    NaN or < 0 is read as 0 */
    double serve_util;           /* fraction of an instance that counts as serving, in
                                    (0, 1]: the app's target utilisation */
    double penalty_per_ieq_hour; /* USD per ieq-hour of expected shortfall, >= 0 */

    const double *price;         /* [r*3 + o] USD per instance-hour; NaN = not offered */
    const unsigned char *route_ok; /* [g*R + r] 1 if the latency bound holds on g -> r */
    const double *egress_per_ieq_hour; /* [g*R + r] USD per ieq-hour routed; NULL = 0 */
    const double *cap_limit;     /* [r] max instances of this app in r (remaining
                                    capacity limit / quota, all options); < 0 = none */
    const unsigned *cap_kind;    /* [r] which limit cap_limit came from
                                    (SC_OPT_BIND_CAPACITY / _QUOTA / _MAX_INST); NULL =
                                    capacity */
    const int *min_inst;         /* [r] lower bound on total instances; NULL = 0 */
    int max_inst;                /* per region, all options; < 0 = none */
    const int *current;          /* [r*3 + o] instances now (requested, not draining) */
    const int *lead_steps;       /* [r] steps before new capacity can serve, >= 0 */
    const double *spot_loss;     /* [r] fraction of spot capacity expected lost to
                                    interruptions, in [0, 1); NULL = 0 */
    double spot_max_share;       /* max spot fraction of a region's instances, [0, 1] */
    int may_buy_reserved;        /* 1: this solve is a commitment point */
    double flap_budget;          /* max sum over (o, k) of |x[k] - x[k-1]| per region
                                    (instances); < 0 = unlimited */
    /* Non-linear SLO objective (sc_opt_latency, below).  Read by `ga` and by
     * sc_opt_evaluate_curve only; `lp` ignores it (it linearises the curve through
     * serve_util and route_ok).  All zero after sc_opt_problem_init = off. */
    int latency_curve;           /* sc_opt_latency; 0 = none (linear objective) */
    double curve_base_ms;        /* the app's curve: latency = base / (1 - min(u, u_max)),
                                    ms, > 0 when latency_curve != 0 */
    double curve_u_max;          /* utilisation cap of the curve, (0, 1); <= 0 or >= 1 =
                                    no cap */
    const double *curve_budget_ms; /* [g*R + r] SLO latency bound minus route latency
                                    g -> r, ms (what the curve may use); required when
                                    latency_curve != 0 */
    /* Utilisation per route (issue 11): capacity serving route g -> r runs at
     * route_serve_util[g*R + r] in (0, serve_util), so that a route whose network
     * latency leaves less room for queueing meets the latency bound at a lower
     * utilisation: one ieq routed g -> r takes serve_util / route_serve_util of a unit
     * of the capacity row.  0 (or >= serve_util) = serve_util; NULL = serve_util on every
     * route.  Read by `lp` and sc_opt_evaluate; `ga`'s curve objective has its own. */
    const double *route_serve_util;
} sc_opt_problem;

/* How the GA's objective reads the utilisation -> latency curve (sc_opt_problem
 * latency_curve).  u = load / serving instances of a region in one demand outcome. */
typedef enum sc_opt_latency {
    SC_OPT_LATENCY_NONE = 0, /* linear objective: shortfall against serve_util x capacity */
    SC_OPT_LATENCY_MEAN = 1, /* the load a region serves while its curve latency
                                base / (1 - min(u, u_max)) exceeds the budget is late
                                (the simulator's SLO test) */
    SC_OPT_LATENCY_TAIL = 2  /* M/M/1 response time (the curve is its mean): the fraction
                                exp(-(1 - min(u, u_max)) budget / base) of served load is
                                late */
} sc_opt_latency;

/* Zero every field and set defaults: serve_util 1, max_inst -1, spot_max_share 1,
 * flap_budget -1, may_buy_reserved 0. */
void sc_opt_problem_init(sc_opt_problem *p);

/* A problem that owns arrays for R regions, G geos, K steps, Q quantiles (all
 * zeroed; route_ok all 1; cap_limit all -1; lead 0).  Free with sc_opt_problem_free.
 * The const fields point at the owned arrays; write through the mutable aliases
 * below. */
typedef struct sc_opt_problem_buf {
    sc_opt_problem p;
    double *qlevel, *demand, *price, *egress_per_ieq_hour, *cap_limit, *spot_loss;
    unsigned char *route_ok;
    unsigned *cap_kind;
    int *min_inst, *current, *lead_steps;
    double *route_serve_util; /* [G*R], zeroed (= serve_util on every route) */
} sc_opt_problem_buf;

sc_status sc_opt_problem_alloc(int n_regions, int n_geos, int n_steps, int n_quant,
                               sc_opt_problem_buf **out, sc_error *err);
void sc_opt_problem_free(sc_opt_problem_buf *b);

/* Check dimensions and values; SC_ERR_INPUT with the offending field. */
sc_status sc_opt_problem_check(const sc_opt_problem *p, sc_error *err);

/* The result of a solve, sized for (R, G, K, Q) at allocation. */
typedef struct sc_opt_solution {
    int n_regions, n_geos, n_steps, n_quant;
    int *x;                 /* [(r*3 + o)*K + k] integer instances (reserved constant
                               over k) */
    double *x_relaxed;      /* same layout: the LP relaxation (lp), or = x (ga) */
    double *routed;         /* [(g*R + r)*K + k] ieq routed, at the integer x */
    double *served;         /* [g*K + k] ieq served = sum_r routed */
    double *shortfall;      /* [g*K + k] expected shortfall E[(D - served)^+], ieq */
    double *cover;          /* [g*K + k] P(D <= served) under the discrete reading of
                               the quantiles: the quantile level the plan covers */
    unsigned *binding;      /* [r*K + k] sc_opt_bind bits binding at the integer x */
    double cost_instances_usd; /* instance cost over the horizon */
    double cost_egress_usd;    /* routing egress */
    double penalty_usd;        /* penalty x expected shortfall */
    double objective_usd;      /* sum of the three: penalised cost of x */
    double lp_bound_usd;       /* LP relaxation objective (lower bound); NaN for ga */
    int proved_optimal;        /* 1 if x is proved optimal for the integer problem */
    sc_opt_method method;
    unsigned unmet;            /* sc_opt_bind bits of constraints that could not be met */
    char unmet_msg[512];       /* what could not be met, for a person; "" if none */
    long iterations;           /* simplex iterations (lp) or generations (ga) */
} sc_opt_solution;

sc_status sc_opt_solution_alloc(int n_regions, int n_geos, int n_steps, int n_quant,
                                sc_opt_solution **out, sc_error *err);
void sc_opt_solution_free(sc_opt_solution *s);

/*
 * Evaluate integer instance counts x ([(r*3+o)*K + k], reserved read from k = 0) on
 * problem p: route demand (greedy by value: each unit of capacity goes to the
 * geography-segment of highest marginal value net of egress; exact when each
 * geography has one allowed region or capacity is not short) and fill every output
 * field of sol except lp_bound/method (x_relaxed is used as scratch and left
 * undefined).  Constraint violations of x (limits, lead, flap, spot share) are not
 * checked here; see sc_opt_check_x.  Does not
 * allocate.  Used by `ga` and by tests as an independent objective.
 */
void sc_opt_evaluate(const sc_opt_problem *p, const int *x, sc_opt_solution *sol);

/*
 * Evaluate x under the non-linear SLO objective of p->latency_curve (ga.c; with
 * SC_OPT_LATENCY_NONE it is sc_opt_evaluate).  Each geography's demand is split over
 * regions in the proportions of sc_opt_evaluate's greedy routing at full capacity
 * (serve_util 1), left in sol->routed.  For each quantile atom q (weight w_q, the same
 * atom in every geography) a region with serving capacity N (ieq at 100 %) and load L
 * serves min(L, N), the rest is unserved, and the served load is late by the curve at
 * u = L / N for each geography's budget.  Unserved and late load both cost
 * penalty_per_ieq_hour; egress is charged on served load.  Fills sol as
 * sc_opt_evaluate does, with served = expected served ieq, shortfall = expected
 * unserved ieq, cover = probability that the atom is served in full, penalty_usd =
 * penalty on unserved + late load.  Does not allocate.
 */
void sc_opt_evaluate_curve(const sc_opt_problem *p, const int *x, sc_opt_solution *sol);

/* 1 if x satisfies every hard constraint of p (bounds, lead, reserved, flap, spot
 * share); else 0 and, if why != NULL, a message. */
int sc_opt_check_x(const sc_opt_problem *p, const int *x, char *why, size_t len);

/* ---- plug-in interface --------------------------------------------------------- */

typedef struct sc_opt_config {
    int milp_max_int;     /* lp: MILP when integer columns <= this (default 400); 0 never */
    int warm_start;       /* lp: keep the GLPK problem between solves of the same shape
                             and start from the previous basis (default 1) */
    int presolve;         /* lp: GLPK presolver on a cold start (default 1) */
    int decompose_steps;  /* lp: without a flap budget or a reserved purchase the steps
                             are independent: solve them one by one on a small warm
                             model (default 1; the optimum is the same) */
    int newsvendor;       /* lp: when moreover every geography can be routed to at most
                             one region, each (region, step) is a two-variable integer
                             newsvendor (on-demand, spot) solved exactly without GLPK
                             (lp.c "The newsvendor path"; default 1; the optimum is the
                             same, and it is the proved integer optimum at any size) */
    uint64_t seed;        /* ga: seed (keys SC_RNG_POLICY, (seed-derived, call)) */
    int ga_population;    /* ga: population size (default 60) */
    int ga_generations;   /* ga: generations (default 300) */
} sc_opt_config;

/* Defaults as documented above. */
void sc_opt_config_init(sc_opt_config *cfg);

typedef struct sc_optimizer_type {
    const char *name;     /* "lp", "ga" */
    int version;          /* 1 */
    size_t state_size;    /* bytes the core allocates (zeroed) */
    sc_status (*init)(void *state, const sc_opt_config *cfg, sc_error *err);
    void (*cleanup)(void *state);
    /* Solve p into sol (sized for p).  Never fails on an infeasible demand; fails only
     * on bad input, out of memory or a solver breakdown. */
    sc_status (*solve)(void *state, const sc_opt_config *cfg, const sc_opt_problem *p,
                       sc_opt_solution *sol, sc_error *err);
    /* ---- version 2: declared parameters (params.h): the sc_opt_config fields the type
     * reads, by their field names; sc_opt_config_from_json checks and applies them ---- */
    const sc_param_def *params; /* [n_params], static storage */
    size_t n_params;
} sc_optimizer_type;

typedef struct sc_optimizer {
    const sc_optimizer_type *type;
    sc_opt_config cfg;
    void *state;          /* owned */
    long n_solves;
} sc_optimizer;

/* Look up "lp" or "ga"; a miss lists the valid names (SC_ERR_NOTFOUND). */
sc_status sc_optimizer_find(const char *name, const sc_optimizer_type **out, sc_error *err);
/* Comma-separated names of the built optimizers. */
const char *sc_optimizer_names(void);
/* cfg NULL = defaults.  Free with sc_optimizer_free (NULL is a no-op). */
sc_status sc_optimizer_alloc(const char *name, const sc_opt_config *cfg, sc_optimizer **out,
                             sc_error *err);
void sc_optimizer_free(sc_optimizer *opt);
/* Check p and sol's dimensions, then solve.  The only caller of type->solve. */
sc_status sc_optimizer_solve(sc_optimizer *opt, const sc_opt_problem *p, sc_opt_solution *sol,
                             sc_error *err);
/* GLPK process set-up (once, locked).  Safe to call many times. */
void sc_optimizer_global_init(void);

extern const sc_optimizer_type sc_optimizer_lp;
extern const sc_optimizer_type sc_optimizer_ga;

/* Parameter tables of lp and ga (optimizer.c), pointed at by their type structs (sized
 * here so the type structs can use sizeof; the compiler checks the definitions). */
extern const sc_param_def sc_optimizer_lp_params[5];
extern const size_t sc_optimizer_lp_n_params;
extern const sc_param_def sc_optimizer_ga_params[3];
extern const size_t sc_optimizer_ga_n_params;

/* Check obj (a JSON object, NULL = none) against t's table and copy the given values
 * into cfg (other fields unchanged).  where: "file: $.path" of obj for messages
 * (params.h).  SC_ERR_INPUT on an unknown key or a bad value, cfg then unchanged. */
sc_status sc_opt_config_from_json(const sc_optimizer_type *t, const struct cJSON *obj,
                                  const char *where, sc_opt_config *cfg, sc_error *err);

/* ---- cost and SLO model (costmodel.c) ------------------------------------------ */

/* Options for building one app's problem from a scenario. */
typedef struct sc_costmodel_opts {
    double lead_quantile;   /* boot quantile used for lead times (default 0.95) */
    double spot_max_share;  /* default 0.5 */
    double flap_budget;     /* default -1 (unlimited) */
    int may_buy_reserved;   /* default 0 */
    double serve_util;      /* <= 0: the app's target_util (default) */
} sc_costmodel_opts;

void sc_costmodel_opts_init(sc_costmodel_opts *o);

/* Load units one instance of the app serves at 100 % of its binding resource (the
 * simulator's unit_cap): 1 / max_m(needs[m] / capacity[m]); 1 when the app has no
 * per-unit needs (its load is given in instance-equivalents). */
double sc_costmodel_unit_cap(const sc_scenario *sc, int app);

/* Lead time of new capacity in region r for app: boot quantile at q plus the app's
 * warm-up, in ms (rounded up). */
int64_t sc_costmodel_lead_ms(const sc_scenario *sc, int app, int region, double q);

/* Curve latency of the app at utilisation u: base / (1 - min(u, u_max)). */
double sc_costmodel_latency_ms(const sc_scenario *sc, int app, double u);

/* Fill the scenario-derived fields of b->p for app, with geographies = the scenario's
 * geos: prices of the app's instance type, route_ok (route latency + curve latency at
 * serve_util <= SLO bound), egress per ieq-hour (gb_per_unit_hour x egress_per_gb of
 * the serving region x unit_cap, when the region is not the geo's home), cap_limit =
 * min(capacity_limit of the type, vcpu_quota / vcpu of the type, max_instances) with
 * cap_kind saying which, min_inst (min_instances where the app is deployed: a home
 * region of a geography with demand or a region with current capacity), lead steps
 * (ceil(lead_ms / step_ms)), spot_loss (interrupt rate x lead hours, capped at 0.9),
 * penalty per ieq-hour (penalty_per_unit_hour x unit_cap), serve_util, step.  b must
 * have R = n_regions and G = n_geos.  Demand and qlevel are left to the caller; fill
 * b->current BEFORE this call (min_inst depends on where the app holds capacity).
 * used (may be NULL): [r] instances of the same type already planned by other
 * apps in each region, and used_vcpu [r], subtracted from the limits (the planner's
 * remaining-capacity coordination across apps). */
sc_status sc_costmodel_fill(const sc_scenario *sc, int app, const sc_costmodel_opts *o,
                            int64_t step_ms, sc_time_ms start_ms, const double *used,
                            const double *used_vcpu, sc_opt_problem_buf *b, sc_error *err);

/* ---- instance-type choice per pool (itype.c) ------------------------------------ */
/*
 * Where a region offers several instance types, which one each (app, region) pool
 * runs: design, optimality and the switch rule in itype.c's header comment and
 * core/sculpt/README.md "Instance types".
 */

/* Home instance-equivalents (ieq of the app's own type, the problem's unit) one
 * instance of `type` serves, given the shape of the app's demand: shape[m] = resource
 * m (vCPU, GiB, MB/s) per unit of demand, any scale; NULL = the app's per-unit needs.
 * f = E_home / E_type with E_x = max_m shape[m] / capacity_x[m] (the binding resource
 * of each type).  1 for the app's own type; 0 when the type lacks a resource the shape
 * needs; NaN when the shape is empty (an app without needs and no shape given). */
double sc_itype_ieq_per_inst(const sc_scenario *sc, int app, int type, const double *shape);

typedef struct sc_itype_opts {
    const double *shape;     /* [SC_METRIC_RESOURCES] demand shape; NULL = app's needs */
    const double *ieq_per_inst; /* [n_types] each type's worth in home ieq, given by the
                                caller (e.g. measured on the demand of the step);
                                overrides shape; NULL = from shape */
    const int *cur_type;     /* [R] type each region's pool runs now; NULL = app's type */
    const unsigned char *candidates; /* [n_types] 1 = may be chosen; NULL = every type;
                                    the app's own type is always a candidate */
    const int64_t *lead_ms;  /* [R] boot + warm-up of a switch, ms; NULL = lead_steps x
                                step */
    double min_saving;       /* a switch must cut the region's penalised cost over the
                                horizon by this fraction, [0, 1) (default 0.02) */
} sc_itype_opts;

/* Defaults: every field NULL, min_saving 0.02. */
void sc_itype_opts_init(sc_itype_opts *o);

/* The choice for one region. */
typedef struct sc_itype_choice {
    int type;                /* the type the pool should run (index into types) */
    double ieq_per_inst;     /* home ieq per instance of it (sc_itype_ieq_per_inst) */
    double cost_usd;         /* region's penalised cost over the horizon at it, with
                                switch_usd (USD) */
    double cost_cur_usd;     /* the same at the type it runs now; NaN if unknown */
    double switch_usd;       /* one-off cost of the switch: new instances billed over
                                the lead time while the old ones serve (0 = no switch) */
    int separable;           /* 1: regions chosen independently (proved best among one
                                type per pool); 0: routing couples regions, one type
                                for all */
} sc_itype_choice;

/* Workspace: one problem and one solution per type of sc, sized (R, G, K, Q).  Free
 * with sc_itype_ws_free (NULL is a no-op). */
typedef struct sc_itype_ws sc_itype_ws;
sc_status sc_itype_ws_alloc(const sc_scenario *sc, int n_regions, int n_geos, int n_steps,
                            int n_quant, sc_itype_ws **out, sc_error *err);
void sc_itype_ws_free(sc_itype_ws *w);

/*
 * Choose the type of each region's pool for app.  p is the app's problem in its own
 * type (prices, limits of apps[app].instance_type; demand, penalty and egress per home
 * ieq; current = capacity held now, in instances of the app's type: convert other
 * types' instances by their ieq_per_inst).  Solves the problem of each candidate type
 * with opt (any optimizer: lp or ga), keeps each solution in w, and writes out[r] for
 * r < R.  Allocates nothing itself (the optimizer's own solves aside).  SC_ERR_INPUT on
 * bad arguments.
 */
sc_status sc_itype_choose(sc_itype_ws *w, sc_optimizer *opt, const sc_scenario *sc, int app,
                          const sc_opt_problem *p, const sc_itype_opts *o,
                          sc_itype_choice *out, sc_error *err);
/* The problem and solution of type t in the last sc_itype_choose (x in instances of t,
 * region rows valid for the regions that chose t); NULL when t was not solved.
 * Borrowed from w. */
const sc_opt_problem *sc_itype_problem(const sc_itype_ws *w, int type);
const sc_opt_solution *sc_itype_solution(const sc_itype_ws *w, int type);

SC_END_DECLS

#endif
