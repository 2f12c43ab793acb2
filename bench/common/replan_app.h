/*
 * replan_app.h - the per-app replan problem the optimizer benchmarks share:
 * bench/optimizer/optimizer.c, bench/optimizer/replan_route.c and bench/yearlong/replan.c
 * (include as "../common/replan_app.h" after "sculpt/optimizer.h").  Header-only,
 * static inline.
 *
 * App a of every benchmark: 3 demand quantiles 0.5/0.9/0.99, serving utilisation 0.6,
 * penalty 0.5 + 0.05 (a mod 10) USD per unserved ieq-hour, spot share <= 50 %, at most
 * 400 instances; per region a limit of 300, lead 1 step, spot loss 1 %, current 10 + (a +
 * r) mod 5 on demand, 4 reserved held, no spot, at least 2 instances.  What differs
 * between them (prices, flap budget, allowed routes and the demand's phase) the caller
 * fills; bench_app_prices and bench_app_demand give the synthetic ones that
 * bench_optimizer and bench_replan use.
 */
#ifndef SC_BENCH_REPLAN_APP_H
#define SC_BENCH_REPLAN_APP_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "sculpt/optimizer.h"

/* The settings every benchmark's app a has (above); flap_budget as given (-1 = none). */
static inline void bench_app_base(sc_opt_problem_buf *b, int a, int flap_budget)
{
    sc_opt_problem *p = &b->p;
    b->qlevel[0] = 0.5;
    b->qlevel[1] = 0.9;
    b->qlevel[2] = 0.99;
    p->serve_util = 0.6;
    p->penalty_per_ieq_hour = 0.5 + 0.05 * (a % 10);
    p->spot_max_share = 0.5;
    p->flap_budget = flap_budget;
    p->max_inst = 400;
    for (int r = 0; r < p->n_regions; r++) {
        b->cap_limit[r] = 300;
        b->lead_steps[r] = 1;
        b->spot_loss[r] = 0.01;
        b->current[r * 3 + 0] = 10 + (a + r) % 5;
        b->current[r * 3 + 1] = 4;
        b->current[r * 3 + 2] = 0;
        b->min_inst[r] = 2;
    }
}

/* Synthetic prices: on demand 0.08 + 0.004 r + 0.001 (a mod 7) USD per hour in region r,
 * reserved 0.62 x and spot 0.35 x that. */
static inline void bench_app_prices(sc_opt_problem_buf *b, int a)
{
    for (int r = 0; r < b->p.n_regions; r++) {
        double base = 0.08 + 0.004 * r + 0.001 * (a % 7);
        b->price[r * 3 + 0] = base;
        b->price[r * 3 + 1] = 0.62 * base;
        b->price[r * 3 + 2] = 0.35 * base;
    }
}

/* Demand of geography g at step k: median m, quantiles 0.9 and 0.99 at 1.15 m and
 * 1.35 m. */
static inline void bench_app_demand_at(sc_opt_problem_buf *b, int g, int k, double m)
{
    double *d = &b->demand[(g * b->p.n_steps + k) * 3];
    d[0] = m;
    d[1] = m * 1.15;
    d[2] = m * 1.35;
}

/* Synthetic diurnal demand: median 6 + 2 (a mod 5) + 4 sin(2 pi h / 24) at hour h = (k +
 * shift + 2 g) mod 24 (shift: hours the horizon has moved, a replan one hour later). */
static inline void bench_app_demand(sc_opt_problem_buf *b, int a, int shift)
{
    for (int g = 0; g < b->p.n_geos; g++)
        for (int k = 0; k < b->p.n_steps; k++) {
            double hour = (double)((k + shift + 2 * g) % 24);
            bench_app_demand_at(b, g, k,
                                6.0 + 2.0 * (a % 5) +
                                    4.0 * sin(6.283185307179586 * hour / 24.0));
        }
}

/* The problem and solution buffers of a replan (sc_opt_problem_alloc and
 * sc_opt_solution_alloc); nonzero, the error printed, when they cannot be made. */
static inline int bench_bufs_alloc(int n_regions, int n_geos, int n_steps, int n_q,
                                   sc_opt_problem_buf **b, sc_opt_solution **s)
{
    sc_error err;
    *b = NULL;
    *s = NULL;
    if (sc_opt_problem_alloc(n_regions, n_geos, n_steps, n_q, b, &err) ||
        sc_opt_solution_alloc(n_regions, n_geos, n_steps, n_q, s, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    return 0;
}

/* The sums of one replan over its apps. */
typedef struct bench_tally {
    double obj, bound;          /* objective and LP bound, USD */
    long iterations;            /* simplex iterations */
    int proved, rounded;        /* apps proved optimal; apps solved by a rounded LP */
} bench_tally;

/* Solve b with opt into s and add s to t; nonzero, the error printed, on failure. */
static inline int bench_solve(sc_optimizer *opt, sc_opt_problem_buf *b, sc_opt_solution *s,
                              bench_tally *t)
{
    sc_error err;
    if (sc_optimizer_solve(opt, &b->p, s, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    t->obj += s->objective_usd;
    t->bound += s->lp_bound_usd;
    t->iterations += s->iterations;
    t->rounded += s->method == SC_OPT_METHOD_LP_ROUNDED;
    t->proved += s->proved_optimal;
    return 0;
}

/* One `lp` optimizer with cfg per app (calloc'd array; bench_optimizers_free); NULL,
 * the error printed, when one cannot be made. */
static inline sc_optimizer **bench_optimizers_alloc(int apps, const sc_opt_config *cfg)
{
    sc_error err;
    sc_optimizer **opt = calloc((size_t)apps, sizeof *opt);
    if (!opt)
        return NULL;
    for (int a = 0; a < apps; a++)
        if (sc_optimizer_alloc("lp", cfg, &opt[a], &err)) {
            sc_error_print(&err, stderr);
            for (int i = 0; i < a; i++)
                sc_optimizer_free(opt[i]);
            free(opt);
            return NULL;
        }
    return opt;
}

static inline void bench_optimizers_free(sc_optimizer **opt, int apps)
{
    for (int a = 0; opt && a < apps; a++)
        sc_optimizer_free(opt[a]);
    free(opt);
}

#endif
