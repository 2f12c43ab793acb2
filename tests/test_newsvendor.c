/*
 * test_newsvendor.c - the `lp` optimizer's newsvendor path (lp.c, "The newsvendor
 * path": each (region, step) solved exactly without GLPK when every geography can be
 * routed to at most one region and nothing couples the steps).
 *
 * Expected values: two hand calculations (comments), and GLPK itself on random
 * instances: the same problems solved with cfg.newsvendor = 0 go through GLPK's
 * branch and bound (glp_intopt, MILP at any size here), an independent reference
 * for the integer optimum, and its LP relaxation for lp_bound_usd.
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

/* Solve with the newsvendor path on or off; returns the status, sol filled. */
static sc_status solve(const sc_opt_problem *p, int newsvendor, sc_opt_solution *sol)
{
    sc_opt_config cfg;
    sc_opt_config_init(&cfg);
    cfg.newsvendor = newsvendor;
    cfg.milp_max_int = 1000000; /* GLPK: branch and bound at every size */
    sc_optimizer *opt = NULL;
    sc_error err;
    cr_assert_eq(sc_optimizer_alloc("lp", &cfg, &opt, &err), SC_OK);
    sc_status st = sc_optimizer_solve(opt, p, sol, &err);
    sc_optimizer_free(opt);
    return st;
}

/*
 * One region, one geography, one hour, quantiles 10, 12, 15 ieq at levels 0.5, 0.9,
 * 0.99: atom weights 0.7, 0.245, 0.055, tail probabilities B = 1, 0.3, 0.055.
 * serve_util 0.7, penalty 1 USD per ieq-hour.
 *
 * (a) on-demand only at 0.10: an instance serves 0.7 ieq, worth 0.7 x 0.3 = 0.21 in
 *     segment (10, 12] and 0.7 x 0.055 = 0.0385 above: cover 12 ieq, 12 / 0.7 = 17.14
 *     instances.  17: C = 11.9, cost 1.7 + shortfall 0.245 x 0.1 + 0.055 x 3.1 = 0.195,
 *     total 1.895; 18: C = 12.6, 1.8 + 0.055 x 2.4 = 1.932.  Optimum 17, 1.895.  LP
 *     relaxation: 17.142857 instances, 1.7142857 + 0.055 x 3 = 1.8792857.
 * (b) spot at 0.035 as well, share <= 0.5, no interruption loss: pairs (1 + 1) cost
 *     0.135 for 1.4 ieq (0.0964 per ieq), worth it up to 12 ieq, not above (0.055);
 *     relaxation o = s = 12 / 1.4 = 8.5714: 1.1571429 + 0.165 = 1.3221429.  Integer
 *     points around it: (9, 8) 1.18 + 0.195 = 1.375; (9, 9) 1.215 + 0.132 = 1.347;
 *     (8, 8) 1.08 + 0.405 = 1.485; (10, 10) 1.35 + 0.055 = 1.405.  Optimum (9, 9),
 *     1.347 (checked by enumeration of o, s <= 40).
 */
static sc_opt_problem_buf *hand(int spot)
{
    sc_opt_problem_buf *b = mk(1, 1, 1, 3);
    b->qlevel[0] = 0.5;
    b->qlevel[1] = 0.9;
    b->qlevel[2] = 0.99;
    b->demand[0] = 10;
    b->demand[1] = 12;
    b->demand[2] = 15;
    b->price[SC_PURCHASE_ONDEMAND] = 0.10;
    if (spot)
        b->price[SC_PURCHASE_SPOT] = 0.035;
    b->p.serve_util = 0.7;
    b->p.penalty_per_ieq_hour = 1.0;
    b->p.spot_max_share = 0.5;
    return b;
}

static void check_hand(int spot, int newsvendor, int want_od, int want_sp, double want_obj,
                       double want_bound)
{
    sc_opt_problem_buf *b = hand(spot);
    sc_opt_solution *s = NULL;
    sc_error err;
    cr_assert_eq(sc_opt_solution_alloc(1, 1, 1, 3, &s, &err), SC_OK);
    cr_assert_eq(solve(&b->p, newsvendor, s), SC_OK);
    cr_assert_eq(s->x[SC_OPT_X(&b->p, 0, SC_PURCHASE_ONDEMAND, 0)], want_od, "nv %d: od %d",
                 newsvendor, s->x[0]);
    cr_assert_eq(s->x[SC_OPT_X(&b->p, 0, SC_PURCHASE_SPOT, 0)], want_sp);
    cr_assert_float_eq(s->objective_usd, want_obj, 1e-9, "nv %d: %.9g", newsvendor,
                       s->objective_usd);
    cr_assert_float_eq(s->lp_bound_usd, want_bound, 1e-7, "nv %d: bound %.9g", newsvendor,
                       s->lp_bound_usd);
    cr_assert(s->proved_optimal);
    if (newsvendor)
        cr_assert_eq(s->iterations, 0, "the newsvendor path runs no simplex");
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

Test(newsvendor, hand_on_demand)
{
    check_hand(0, 1, 17, 0, 1.895, 1.8792857142857);
    check_hand(0, 0, 17, 0, 1.895, 1.8792857142857);
}

Test(newsvendor, hand_on_demand_and_spot)
{
    check_hand(1, 1, 9, 9, 1.347, 1.3221428571429);
    check_hand(1, 0, 9, 9, 1.347, 1.3221428571429);
}

/* xorshift, so the instances are the same on every platform */
static uint64_t rs = 0x9E3779B97F4A7C15ull;
static double u01(void)
{
    rs ^= rs << 13;
    rs ^= rs >> 7;
    rs ^= rs << 17;
    return (double)(rs >> 11) / 9007199254740992.0;
}
static int ri(int n) { return (int)(u01() * n); }

/* A random problem on which the newsvendor path applies: each geography routed to at
 * most one region (a region may serve several), every other feature drawn at random. */
static sc_opt_problem_buf *random_problem(void)
{
    int R = 1 + ri(3), G = 1 + ri(4), K = 1 + ri(4), Q = 1 + ri(4);
    sc_opt_problem_buf *b = mk(R, G, K, Q);
    sc_opt_problem *p = &b->p;
    for (int q = 0; q < Q; q++) { /* increasing levels in (0.02, 0.995) */
        double lo = q > 0 ? b->qlevel[q - 1] : 0.02;
        b->qlevel[q] = lo + (0.995 - lo) * (0.05 + 0.5 * u01()) / (Q - q);
    }
    p->serve_util = 0.4 + 0.6 * u01();
    p->penalty_per_ieq_hour = u01() < 0.1 ? 0.0 : 0.02 + 1.0 * u01();
    p->spot_max_share = u01() < 0.15 ? 0.0 : u01() < 0.15 ? 1.0 : u01();
    p->max_inst = u01() < 0.5 ? -1 : 2 + ri(40);
    p->step_ms = u01() < 0.5 ? SC_MS_PER_HOUR : 300000;
    for (int r = 0; r < R; r++) {
        if (u01() < 0.9)
            b->price[r * 3 + SC_PURCHASE_ONDEMAND] = 0.02 + 0.2 * u01();
        if (u01() < 0.3)
            b->price[r * 3 + SC_PURCHASE_RESERVED] = 0.01 + 0.1 * u01();
        if (u01() < 0.7)
            b->price[r * 3 + SC_PURCHASE_SPOT] = 0.005 + 0.1 * u01();
        b->cap_limit[r] = u01() < 0.5 ? -1.0 : (double)ri(40);
        b->min_inst[r] = ri(4);
        b->lead_steps[r] = ri(3);
        b->spot_loss[r] = u01() < 0.3 ? 0.0 : 0.3 * u01();
        b->current[r * 3 + SC_PURCHASE_ONDEMAND] = ri(12);
        b->current[r * 3 + SC_PURCHASE_RESERVED] = u01() < 0.5 ? 0 : ri(6);
        b->current[r * 3 + SC_PURCHASE_SPOT] = ri(6);
    }
    for (int g = 0; g < G; g++) {
        int to = u01() < 0.1 ? -1 : ri(R);
        for (int r = 0; r < R; r++) {
            b->route_ok[g * R + r] = r == to;
            b->egress_per_ieq_hour[g * R + r] = u01() < 0.5 ? 0.0 : 0.3 * u01();
        }
        for (int k = 0; k < K; k++) {
            double m = u01() < 0.05 ? 0.0 : 0.5 + 25 * u01();
            for (int q = 0; q < Q; q++) {
                b->demand[((size_t)g * K + k) * Q + q] = m;
                m *= 1.0 + 0.4 * u01();
            }
        }
    }
    return b;
}

Test(newsvendor, equals_glpk_on_random_instances)
{
    int n = 400, compared = 0, via_nv = 0;
    for (int i = 0; i < n; i++) {
        sc_opt_problem_buf *b = random_problem();
        const sc_opt_problem *p = &b->p;
        sc_opt_solution *a = NULL, *c = NULL;
        sc_error err;
        cr_assert_eq(sc_opt_solution_alloc(p->n_regions, p->n_geos, p->n_steps, p->n_quant, &a,
                                           &err),
                     SC_OK);
        cr_assert_eq(sc_opt_solution_alloc(p->n_regions, p->n_geos, p->n_steps, p->n_quant, &c,
                                           &err),
                     SC_OK);
        sc_status s1 = solve(p, 1, a), s0 = solve(p, 0, c);
        cr_assert_eq(s1, s0, "instance %d: status %d (newsvendor) vs %d (GLPK)", i, s1, s0);
        if (s0 == SC_OK) {
            compared++;
            cr_assert(c->proved_optimal, "instance %d: GLPK did not prove the optimum", i);
            double tol = 1e-7 * (1.0 + fabs(c->objective_usd));
            cr_assert(fabs(a->objective_usd - c->objective_usd) <= tol,
                      "instance %d: objective %.10g (newsvendor) vs %.10g (GLPK)", i,
                      a->objective_usd, c->objective_usd);
            cr_assert(fabs(a->lp_bound_usd - c->lp_bound_usd) <= tol,
                      "instance %d: LP bound %.10g (newsvendor) vs %.10g (GLPK)", i,
                      a->lp_bound_usd, c->lp_bound_usd);
            char why[256];
            cr_assert(sc_opt_check_x(p, a->x, why, sizeof why), "instance %d: %s", i, why);
            cr_assert(a->proved_optimal);
            via_nv += a->iterations == 0 && c->iterations > 0;
            cr_assert_eq(a->unmet, c->unmet, "instance %d: unmet bits", i);
        }
        sc_opt_solution_free(a);
        sc_opt_solution_free(c);
        sc_opt_problem_free(b);
    }
    cr_assert(compared >= n * 8 / 10, "only %d of %d instances solved", compared, n);
    cr_assert(via_nv >= compared * 8 / 10, "only %d of %d on the newsvendor path", via_nv,
              compared);
    cr_log_info("%d instances compared, %d on the newsvendor path", compared, via_nv);
}

/* A geography with two allowed regions is outside the path: GLPK decides, and the
 * result is the same as with the path switched off. */
Test(newsvendor, routing_choice_goes_to_glpk)
{
    sc_opt_problem_buf *b = mk(2, 1, 2, 1);
    b->qlevel[0] = 0.5;
    b->demand[0] = 10;
    b->demand[1] = 6;
    b->price[0] = 0.10;
    b->price[3] = 0.08;
    b->cap_limit[1] = 4;
    b->p.penalty_per_ieq_hour = 1.0;
    sc_opt_solution *a = NULL;
    sc_error err;
    cr_assert_eq(sc_opt_solution_alloc(2, 1, 2, 1, &a, &err), SC_OK);
    cr_assert_eq(solve(&b->p, 1, a), SC_OK);
    /* 4 in B (0.08) and 6 then 2 in A (0.10): 0.32 + 0.32 + 0.6 + 0.2 = 1.44 */
    cr_assert_float_eq(a->objective_usd, 1.44, 1e-9);
    sc_opt_solution_free(a);
    sc_opt_problem_free(b);
}
