/*
 * test_ga_curve.c - the non-linear SLO objective (optimizer.h latency_curve,
 * sc_opt_evaluate_curve in core/sculpt/ga.c) and the `ga` optimizer on it.
 *
 * Expected values come from the hand calculations in the comments and from a
 * brute-force enumeration of instance counts with its own objective written here
 * (the model of core/sculpt/ga.c's header, re-derived for one region and one
 * geography: cost(n) = c h n + pi h sum_q w_q [(d_q - n)^+ + min(d_q, n) v(d_q / n)]),
 * not the library's evaluation.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "sculpt/optimizer.h"

static sc_opt_problem_buf *mk(int R, int G, int K, int Q)
{
    sc_opt_problem_buf *b = NULL;
    sc_error err;
    cr_assert_eq(sc_opt_problem_alloc(R, G, K, Q, &b, &err), SC_OK);
    for (int i = 0; i < R * 3; i++)
        b->price[i] = NAN;
    b->p.step_ms = SC_MS_PER_HOUR;
    return b;
}

static sc_opt_solution *sol_for(const sc_opt_problem *p)
{
    sc_opt_solution *s = NULL;
    sc_error err;
    cr_assert_eq(sc_opt_solution_alloc(p->n_regions, p->n_geos, p->n_steps, p->n_quant, &s, &err),
                 SC_OK);
    return s;
}

static sc_opt_solution *solve(const char *name, const sc_opt_problem *p, uint64_t seed)
{
    sc_opt_config cfg;
    sc_opt_config_init(&cfg);
    cfg.seed = seed;
    sc_optimizer *opt = NULL;
    sc_error err;
    cr_assert_eq(sc_optimizer_alloc(name, &cfg, &opt, &err), SC_OK);
    sc_opt_solution *s = sol_for(p);
    cr_assert_eq(sc_optimizer_solve(opt, p, s, &err), SC_OK, "%s: %s", name, err.msg);
    sc_optimizer_free(opt);
    return s;
}

/* One region (on-demand 0.10 USD/h), one geography, K one-hour steps, the curve
 * base 20 ms, u_max 0.99, budget 100 ms (SLO bound - route latency). */
static double budget_100[1] = {100.0};

static sc_opt_problem_buf *tiny(int K, int Q, int mode, double penalty)
{
    sc_opt_problem_buf *b = mk(1, 1, K, Q);
    b->price[0] = 0.10;
    b->p.penalty_per_ieq_hour = penalty;
    b->p.serve_util = 0.6;
    b->p.latency_curve = mode;
    b->p.curve_base_ms = 20.0;
    b->p.curve_u_max = 0.99;
    b->p.curve_budget_ms = budget_100;
    return b;
}

/* The late fraction, written out from scenarios/README.md's curve. */
static double late_ref(int mode, double u)
{
    double uc = u < 0.99 ? u : 0.99;
    if (mode == SC_OPT_LATENCY_MEAN)
        return 20.0 / (1.0 - uc) > 100.0 + 1e-9 ? 1.0 : 0.0; /* at the bound: on time */
    return exp(-(1.0 - uc) * 100.0 / 20.0);
}

/* Brute-force cost of n instances for one step with atoms d[q], weights w[q]. */
static double cost_ref(int mode, double penalty, int n, const double *d, const double *w, int Q)
{
    double c = 0.10 * n;
    for (int q = 0; q < Q; q++) {
        double unserved = d[q] > n ? d[q] - n : 0.0;
        double served = d[q] < n ? d[q] : n;
        double late = n > 0 && served > 0 ? served * late_ref(mode, d[q] / n) : 0.0;
        c += penalty * w[q] * (unserved + late);
    }
    return c;
}

/*
 * Hand values, one atom d = 6, penalty 1.  Mean curve: latency 20 / (1 - u) <= 100 iff
 * u <= 0.8, so 8 instances (u = 0.75) serve on time: 0.8 USD; 7 (u = 0.857, latency
 * 140 ms) make all 6 late: 0.7 + 6 = 6.7; 5 serve 5 at u = 1.2 (latency at u_max
 * 0.99: 2000 ms), all late, and 1 unserved: 0.5 + 5 + 1 = 6.5.  Tail: 12 instances,
 * u = 0.5, late fraction exp(-0.5 x 100 / 20) = exp(-2.5) = 0.0820850: 1.2 + 6 x
 * 0.0820850 = 1.6925100.
 */
Test(ga_curve, evaluate_hand_values_one_region)
{
    sc_opt_problem_buf *b = tiny(1, 1, SC_OPT_LATENCY_MEAN, 1.0);
    b->qlevel[0] = 0.5;
    b->demand[0] = 6;
    sc_opt_solution *s = sol_for(&b->p);
    int x[3] = {8, 0, 0};
    sc_opt_evaluate_curve(&b->p, x, s);
    cr_assert_float_eq(s->objective_usd, 0.8, 1e-12);
    cr_assert_float_eq(s->cover[0], 1.0, 1e-12);
    x[0] = 7;
    sc_opt_evaluate_curve(&b->p, x, s);
    cr_assert_float_eq(s->objective_usd, 6.7, 1e-12);
    cr_assert_float_eq(s->shortfall[0], 0.0, 1e-12);
    x[0] = 5;
    sc_opt_evaluate_curve(&b->p, x, s);
    cr_assert_float_eq(s->objective_usd, 6.5, 1e-12);
    cr_assert_float_eq(s->shortfall[0], 1.0, 1e-12);
    cr_assert_float_eq(s->served[0], 5.0, 1e-12);
    cr_assert_float_eq(s->cover[0], 0.0, 1e-12);
    b->p.latency_curve = SC_OPT_LATENCY_TAIL;
    x[0] = 12;
    sc_opt_evaluate_curve(&b->p, x, s);
    cr_assert_float_eq(s->objective_usd, 1.6925100, 1e-7);
    cr_assert_float_eq(s->penalty_usd, 0.4925100, 1e-7);
    /* latency_curve 0: the linear objective of sc_opt_evaluate (serve_util 0.6:
     * 12 x 0.6 = 7.2 >= 6, nothing short) */
    b->p.latency_curve = SC_OPT_LATENCY_NONE;
    sc_opt_evaluate_curve(&b->p, x, s);
    cr_assert_float_eq(s->objective_usd, 1.2, 1e-12);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

/*
 * Two geographies share region 0 (10 instances, 0.1 USD/h), tail curve base 20 ms;
 * budgets 100 ms (geo 0, home) and 50 ms (geo 1, routed in with egress 0.01 USD per
 * ieq-hour; region 1 is not offered).  Demand 3 + 3 at u = 0.6: late 3 exp(-0.4 x 5)
 * + 3 exp(-0.4 x 2.5) = 0.4060058 + 1.1036383 = 1.5096441 ieq; cost 1.0 + 0.03 egress
 * + 1.5096441 penalty (1 USD/ieq-h) = 2.5396441.
 */
Test(ga_curve, evaluate_two_geographies_share_a_region)
{
    sc_opt_problem_buf *b = mk(2, 2, 1, 1);
    double budgets[4] = {100, 100, 50, 50};
    b->price[0] = 0.10;
    b->qlevel[0] = 0.5;
    b->demand[0] = 3;
    b->demand[1] = 3;
    b->route_ok[0 * 2 + 1] = 0;
    b->route_ok[1 * 2 + 1] = 0;
    b->egress_per_ieq_hour[1 * 2 + 0] = 0.01;
    b->p.penalty_per_ieq_hour = 1.0;
    b->p.latency_curve = SC_OPT_LATENCY_TAIL;
    b->p.curve_base_ms = 20;
    b->p.curve_u_max = 0.99;
    b->p.curve_budget_ms = budgets;
    sc_opt_solution *s = sol_for(&b->p);
    int x[6] = {10, 0, 0, 0, 0, 0};
    sc_opt_evaluate_curve(&b->p, x, s);
    cr_assert_float_eq(s->cost_instances_usd, 1.0, 1e-12);
    cr_assert_float_eq(s->cost_egress_usd, 0.03, 1e-12);
    cr_assert_float_eq(s->penalty_usd, 1.5096441, 1e-7);
    cr_assert_float_eq(s->objective_usd, 2.5396441, 1e-7);
    cr_assert_float_eq(s->served[0], 3.0, 1e-12);
    cr_assert_float_eq(s->served[1], 3.0, 1e-12);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

/*
 * The GA must find the brute-force optimum of one region, one step, three atoms
 * (levels 0.5 / 0.9 / 0.99: weights 0.7 / 0.245 / 0.055; d = 6 / 8 / 11).
 * Mean curve, penalty 0.3 USD per ieq-hour, by hand: on time needs u <= 0.8, i.e. 8,
 * 10, 14 instances for the three atoms: n = 14 costs 1.4; n = 10 leaves the top atom
 * late (u = 1.1: 10 served late, 1 unserved): 1.0 + 0.3 x 0.055 x 11 = 1.1815; n = 8:
 * 0.8 + 0.3 (0.245 x 8 + 0.055 x 11) = 1.5695; n = 0: 0.3 x 6.765 = 2.0295.  Optimum
 * n = 10 at 1.1815 (the brute force below confirms it over n = 0..60).
 */
static void check_brute(int mode, double penalty, int want_n, double want_cost)
{
    static const double d[3] = {6, 8, 11}, w[3] = {0.7, 0.245, 0.055};
    sc_opt_problem_buf *b = tiny(1, 3, mode, penalty);
    b->qlevel[0] = 0.5;
    b->qlevel[1] = 0.9;
    b->qlevel[2] = 0.99;
    for (int q = 0; q < 3; q++)
        b->demand[q] = d[q];
    int best = 0;
    double bc = INFINITY;
    for (int n = 0; n <= 60; n++) {
        double c = cost_ref(mode, penalty, n, d, w, 3);
        if (c < bc - 1e-12) {
            bc = c;
            best = n;
        }
    }
    if (want_n >= 0) {
        cr_assert_eq(best, want_n, "brute force n = %d, hand %d", best, want_n);
        cr_assert_float_eq(bc, want_cost, 1e-9);
    }
    sc_opt_solution *s = solve("ga", &b->p, 3);
    cr_assert_eq(s->x[0], best, "mode %d: ga n = %d, brute force %d", mode, s->x[0], best);
    cr_assert_float_eq(s->objective_usd, bc, 1e-9);
    cr_assert_eq(s->method, SC_OPT_METHOD_GA);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

Test(ga_curve, ga_finds_brute_force_optimum_mean_curve) { check_brute(SC_OPT_LATENCY_MEAN, 0.3, 10, 1.1815); }

Test(ga_curve, ga_finds_brute_force_optimum_tail_curve)
{
    check_brute(SC_OPT_LATENCY_TAIL, 0.3, -1, 0);
    check_brute(SC_OPT_LATENCY_TAIL, 1.0, -1, 0);
    check_brute(SC_OPT_LATENCY_TAIL, 3.0, -1, 0);
}

/* Tail curve, one atom d = 6, penalty 1: the derivative 0.1 - 6 (30 / n^2) e^(-5 + 30/n)
 * changes sign between 12 and 13, and 1.6925 (n = 12) < 1.7066 (n = 13): n = 12. */
Test(ga_curve, ga_tail_single_atom_hand_optimum)
{
    sc_opt_problem_buf *b = tiny(1, 1, SC_OPT_LATENCY_TAIL, 1.0);
    b->qlevel[0] = 0.5;
    b->demand[0] = 6;
    sc_opt_solution *s = solve("ga", &b->p, 5);
    cr_assert_eq(s->x[0], 12);
    cr_assert_float_eq(s->objective_usd, 1.2 + 6 * exp(-2.5), 1e-9);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

/*
 * Four independent steps (no flap budget, no lead time, nothing shared): the optimum
 * is the brute-force optimum of each step; the GA must find all four at once, and the
 * same seed must give the same plan.
 */
Test(ga_curve, ga_four_steps_each_at_brute_force_and_deterministic)
{
    static const double dd[4][3] = {{2, 3, 4}, {6, 8, 11}, {15, 17, 22}, {9, 9.5, 14}};
    static const double w[3] = {0.7, 0.245, 0.055};
    for (int mode = SC_OPT_LATENCY_MEAN; mode <= SC_OPT_LATENCY_TAIL; mode++) {
        sc_opt_problem_buf *b = tiny(4, 3, mode, 0.8);
        b->qlevel[0] = 0.5;
        b->qlevel[1] = 0.9;
        b->qlevel[2] = 0.99;
        double total = 0.0;
        int want[4];
        for (int k = 0; k < 4; k++) {
            for (int q = 0; q < 3; q++)
                b->demand[k * 3 + q] = dd[k][q];
            double bc = INFINITY;
            for (int n = 0; n <= 80; n++) {
                double c = cost_ref(mode, 0.8, n, dd[k], w, 3);
                if (c < bc - 1e-12) {
                    bc = c;
                    want[k] = n;
                }
            }
            total += bc;
        }
        sc_opt_solution *s = solve("ga", &b->p, 11);
        for (int k = 0; k < 4; k++)
            cr_assert_eq(s->x[SC_OPT_X(&b->p, 0, 0, k)], want[k], "mode %d step %d: ga %d want %d",
                         mode, k, s->x[SC_OPT_X(&b->p, 0, 0, k)], want[k]);
        cr_assert_float_eq(s->objective_usd, total, 1e-9);
        sc_opt_solution *s2 = solve("ga", &b->p, 11);
        cr_assert(memcmp(s->x, s2->x, 12 * sizeof *s->x) == 0);
        cr_assert(s->objective_usd == s2->objective_usd);
        sc_opt_solution_free(s);
        sc_opt_solution_free(s2);
        sc_opt_problem_free(b);
    }
}

/* Bad curve parameters are input errors naming the field, never a crash. */
Test(ga_curve, bad_curve_is_an_input_error)
{
    sc_opt_problem_buf *b = tiny(1, 1, 3, 1.0);
    b->qlevel[0] = 0.5;
    b->demand[0] = 6;
    sc_optimizer *opt = NULL;
    sc_error err;
    cr_assert_eq(sc_optimizer_alloc("ga", NULL, &opt, &err), SC_OK);
    sc_opt_solution *s = sol_for(&b->p);
    cr_assert_eq(sc_optimizer_solve(opt, &b->p, s, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "latency_curve"), "%s", err.msg);
    b->p.latency_curve = SC_OPT_LATENCY_TAIL;
    b->p.curve_budget_ms = NULL;
    cr_assert_eq(sc_optimizer_solve(opt, &b->p, s, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "curve_budget_ms"), "%s", err.msg);
    b->p.curve_budget_ms = budget_100;
    b->p.curve_base_ms = 0;
    cr_assert_eq(sc_optimizer_solve(opt, &b->p, s, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "curve_base_ms"), "%s", err.msg);
    sc_opt_solution_free(s);
    sc_optimizer_free(opt);
    sc_opt_problem_free(b);
}
