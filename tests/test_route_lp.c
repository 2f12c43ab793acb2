/*
 * test_route_lp.c - routes at their own utilisation in the `lp` optimizer (issue 11,
 * route_serve_util in optimizer.h; core/sculpt/lp.c "one utilisation per region").
 *
 * Hand-computed cases, one 1-hour step, one quantile (the demand is known), penalty
 * 100 USD per ieq-hour (far above any price: all demand is served), on demand only,
 * serve_util 0.8.
 *
 * Case 1 (2 regions, 1 geography at home in r0): r0 costs 1.00 USD/h, r1 0.50 USD/h;
 * demand 10 ieq.  The route to r1 meets the latency bound only at utilisation 0.5.
 *   without route utilisations (r1 not allowed at 0.8): ceil(10 / 0.8) = 13 instances
 *     in r0, 13.00 USD;
 *   with r1 at 0.5: one ieq costs 1.00 / 0.8 = 1.25 USD in r0 and 0.50 / 0.5 = 1.00 in
 *     r1, so all goes to r1: 10 / 0.5 = 20 instances, 10.00 USD.
 *
 * Case 2 (one utilisation per region): r0 1.00 USD/h, r1 0.60 USD/h.  Geography g0
 * (8 ieq) may use r0 or r1 at 0.8; g1 (4 ieq) only r1 at 0.5.
 *   the per-route LP alone would put g0 in r1 at 0.8 and g1 in r1 at 0.5:
 *     8 / 0.8 + 4 / 0.5 = 18 instances, 10.80 USD, but r1's instances run at one
 *     utilisation, which g1's route needs to be 0.5: 12 ieq at 0.8 overall = late;
 *   with r1 at 0.5 for all its load: g0 in r1 costs 0.60 / 0.5 = 1.20 per ieq against
 *     1.25 in r0, so 12 / 0.5 = 24 instances in r1, 14.40 USD (g0 in r0 instead:
 *     10 x 1.00 + 8 x 0.60 = 14.80);
 *   the plan without route utilisations is no option: g1 would be unserved (400 USD).
 *   Expected: x = (0, 24), routed g0 -> r1 = 8, g1 -> r1 = 4, objective 14.40 USD.
 * Both cases by the GLPK paths (MILP, and the rounded relaxation) and case 1 by the
 * newsvendor path too (one region allowed per geography when r0 is closed).
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "sculpt/optimizer.h"

static sc_opt_problem_buf *problem(int R, int G)
{
    sc_opt_problem_buf *b = NULL;
    sc_error err;
    cr_assert_eq(sc_opt_problem_alloc(R, G, 1, 1, &b, &err), SC_OK);
    for (int i = 0; i < R * 3; i++)
        b->price[i] = NAN;
    b->p.step_ms = SC_MS_PER_HOUR;
    b->p.serve_util = 0.8;
    b->p.penalty_per_ieq_hour = 100.0;
    b->p.spot_max_share = 0.0;
    b->qlevel[0] = 0.5;
    return b;
}

static sc_opt_solution *solve(const sc_opt_problem *p, int milp_max, int newsvendor)
{
    sc_opt_config cfg;
    sc_opt_config_init(&cfg);
    cfg.milp_max_int = milp_max;
    cfg.newsvendor = newsvendor;
    sc_optimizer *opt = NULL;
    sc_error err;
    cr_assert_eq(sc_optimizer_alloc("lp", &cfg, &opt, &err), SC_OK);
    sc_opt_solution *sol = NULL;
    cr_assert_eq(sc_opt_solution_alloc(p->n_regions, p->n_geos, 1, 1, &sol, &err), SC_OK);
    cr_assert_eq(sc_optimizer_solve(opt, p, sol, &err), SC_OK, "%s", err.msg);
    sc_optimizer_free(opt);
    return sol;
}

#define X_OD(r) ((size_t)(r) * SC_PURCHASE_COUNT + SC_PURCHASE_ONDEMAND)

static sc_opt_problem_buf *case1(int with_util)
{
    sc_opt_problem_buf *b = problem(2, 1);
    b->price[0 * 3 + SC_PURCHASE_ONDEMAND] = 1.0;
    b->price[1 * 3 + SC_PURCHASE_ONDEMAND] = 0.5;
    b->demand[0] = 10.0;
    b->route_ok[0] = 1;
    b->route_ok[1] = (unsigned char)with_util;
    b->route_serve_util[1] = 0.5;
    return b;
}

Test(route_lp, far_route_at_lower_utilisation)
{
    for (int milp = 0; milp <= 1; milp++) {
        sc_opt_problem_buf *b = case1(0);
        sc_opt_solution *sol = solve(&b->p, milp ? 400 : 0, 0);
        cr_assert_eq(sol->x[X_OD(0)], 13, "home only: ceil(10 / 0.8)");
        cr_assert_float_eq(sol->objective_usd, 13.0, 1e-9);
        sc_opt_solution_free(sol);
        sc_opt_problem_free(b);

        b = case1(1);
        sol = solve(&b->p, milp ? 400 : 0, 0);
        cr_assert_eq(sol->x[X_OD(0)], 0, "r0 at 1.25 USD/ieq loses to r1 at 1.00");
        cr_assert_eq(sol->x[X_OD(1)], 20, "10 ieq at 0.5");
        cr_assert_float_eq(sol->routed[1], 10.0, 1e-9);
        cr_assert_float_eq(sol->objective_usd, 10.0, 1e-9);
        cr_assert_float_eq(sol->penalty_usd, 0.0, 1e-9);
        sc_opt_solution_free(sol);
        sc_opt_problem_free(b);
    }
}

Test(route_lp, newsvendor_path_reads_the_route_utilisation)
{
    /* r0 closed to the geography: one allowed region, the newsvendor path applies */
    sc_opt_problem_buf *b = case1(1);
    b->route_ok[0] = 0;
    sc_opt_solution *nv = solve(&b->p, 400, 1);
    sc_opt_solution *glpk = solve(&b->p, 400, 0);
    cr_assert_eq(nv->x[X_OD(1)], 20);
    cr_assert_eq(glpk->x[X_OD(1)], 20);
    cr_assert_float_eq(nv->routed[1], 10.0, 1e-9);
    cr_assert_float_eq(nv->objective_usd, 10.0, 1e-9);
    cr_assert_float_eq(nv->lp_bound_usd, glpk->lp_bound_usd, 1e-9);
    sc_opt_solution_free(nv);
    sc_opt_solution_free(glpk);
    sc_opt_problem_free(b);
}

Test(route_lp, one_utilisation_per_region)
{
    for (int milp = 0; milp <= 1; milp++) {
        sc_opt_problem_buf *b = problem(2, 2);
        b->price[0 * 3 + SC_PURCHASE_ONDEMAND] = 1.0;
        b->price[1 * 3 + SC_PURCHASE_ONDEMAND] = 0.6;
        b->demand[0] = 8.0; /* g0 */
        b->demand[1] = 4.0; /* g1 */
        b->route_ok[0 * 2 + 0] = 1;
        b->route_ok[0 * 2 + 1] = 1;
        b->route_ok[1 * 2 + 0] = 0;
        b->route_ok[1 * 2 + 1] = 1;
        b->route_serve_util[1 * 2 + 1] = 0.5;
        sc_opt_solution *sol = solve(&b->p, milp ? 400 : 0, 1);
        cr_assert_eq(sol->x[X_OD(0)], 0, "milp %d", milp);
        cr_assert_eq(sol->x[X_OD(1)], 24, "milp %d: 12 ieq at 0.5, not 18", milp);
        cr_assert_float_eq(sol->routed[0 * 2 + 1], 8.0, 1e-9);
        cr_assert_float_eq(sol->routed[1 * 2 + 1], 4.0, 1e-9);
        cr_assert_float_eq(sol->objective_usd, 14.4, 1e-9);
        sc_opt_solution_free(sol);
        sc_opt_problem_free(b);
    }
}

Test(route_lp, bad_route_utilisation_is_refused)
{
    sc_opt_problem_buf *b = case1(1);
    b->route_serve_util[1] = 1.5;
    sc_error err;
    cr_assert_neq(sc_opt_problem_check(&b->p, &err), SC_OK);
    cr_assert(strstr(err.msg, "route_serve_util[1]") != NULL, "%s", err.msg);
    b->route_serve_util[1] = NAN;
    cr_assert_neq(sc_opt_problem_check(&b->p, &err), SC_OK);
    sc_opt_problem_free(b);
}
