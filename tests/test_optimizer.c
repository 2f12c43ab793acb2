/*
 * test_optimizer.c - the capacity optimizers (`lp`, `ga`) on problems whose optimum is
 * known by hand, against exhaustive search on tiny random instances, and on infeasible
 * inputs.  Expected values come from the hand calculations in the comments and from a
 * brute-force enumeration with its own objective written here (not the library's).
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

static sc_opt_solution *solve(const char *name, const sc_opt_problem *p, int milp_max)
{
    sc_opt_config cfg;
    sc_opt_config_init(&cfg);
    cfg.milp_max_int = milp_max;
    sc_optimizer *opt = NULL;
    sc_error err;
    cr_assert_eq(sc_optimizer_alloc(name, &cfg, &opt, &err), SC_OK);
    sc_opt_solution *sol = NULL;
    cr_assert_eq(sc_opt_solution_alloc(p->n_regions, p->n_geos, p->n_steps, p->n_quant, &sol,
                                       &err),
                 SC_OK);
    sc_status st = sc_optimizer_solve(opt, p, sol, &err);
    cr_assert_eq(st, SC_OK, "%s: %s", name, err.msg);
    sc_optimizer_free(opt);
    return sol;
}

/*
 * One geography, regions A and B, one 1-hour step, demand 10 ieq (one quantile),
 * penalty 1 USD/ieq-h (above every price, so all demand is served).
 * A: on-demand 0.10, spot 0.04 (spot share <= 50 %); B: on-demand 0.08, limit 4.
 * A pair (1 on-demand + 1 spot) in A costs 0.14 for 2 units = 0.07/unit < 0.08 in B,
 * so with b units in B and 10 - b (even) in A: 0.70 + 0.01 b, least at b = 0:
 * A = 5 on-demand + 5 spot, cost 0.70, no shortfall.
 */
static sc_opt_problem_buf *hand1(void)
{
    sc_opt_problem_buf *b = mk(2, 1, 1, 1);
    b->qlevel[0] = 0.5;
    b->demand[0] = 10;
    b->p.penalty_per_ieq_hour = 1.0;
    b->price[0 * 3 + 0] = 0.10;
    b->price[0 * 3 + 2] = 0.04;
    b->price[1 * 3 + 0] = 0.08;
    b->cap_limit[1] = 4;
    b->p.spot_max_share = 0.5;
    return b;
}

static void check_hand1(const char *name)
{
    sc_opt_problem_buf *b = hand1();
    sc_opt_solution *s = solve(name, &b->p, 400);
    cr_assert_float_eq(s->objective_usd, 0.70, 1e-9, "%s objective %g", name, s->objective_usd);
    cr_assert_eq(s->x[SC_OPT_X(&b->p, 0, 0, 0)], 5);
    cr_assert_eq(s->x[SC_OPT_X(&b->p, 0, 2, 0)], 5);
    cr_assert_eq(s->x[SC_OPT_X(&b->p, 1, 0, 0)], 0);
    cr_assert_float_eq(s->shortfall[0], 0.0, 1e-9);
    cr_assert(sc_opt_check_x(&b->p, s->x, NULL, 0));
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

Test(optimizer, hand_two_regions_two_options_lp) { check_hand1("lp"); }
Test(optimizer, hand_two_regions_two_options_ga) { check_hand1("ga"); }

/*
 * Newsvendor: one region (on-demand 0.10), demand quantiles 10, 14, 20 at levels 0.5,
 * 0.9, 0.99.  Atom weights (midpoints): 0.7, 0.245, 0.055; P(D >= d_q) = 1, 0.3, 0.055.
 * Serving segment (10, 14] is worth penalty x 0.3 per unit, (14, 20] penalty x 0.055.
 *  penalty 1.0: 0.3 > 0.1 > 0.055 -> 14 instances; cost 1.4 + 1.0 x 0.055 x 6 = 1.73.
 *  penalty 0.2: 0.06 < 0.1        -> 10 instances; cost 1.0 + 0.2 x (0.245 x 4 +
 *               0.055 x 10) = 1.0 + 0.306 = 1.306.
 */
static void check_newsvendor(const char *name, double pen, int want_x, double want_obj)
{
    sc_opt_problem_buf *b = mk(1, 1, 1, 3);
    b->qlevel[0] = 0.5;
    b->qlevel[1] = 0.9;
    b->qlevel[2] = 0.99;
    b->demand[0] = 10;
    b->demand[1] = 14;
    b->demand[2] = 20;
    b->price[0] = 0.10;
    b->p.penalty_per_ieq_hour = pen;
    sc_opt_solution *s = solve(name, &b->p, 400);
    cr_assert_eq(s->x[0], want_x, "%s penalty %g: x %d", name, pen, s->x[0]);
    cr_assert_float_eq(s->objective_usd, want_obj, 1e-9, "%s: %g", name, s->objective_usd);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

Test(optimizer, newsvendor_quantile_follows_penalty)
{
    check_newsvendor("lp", 1.0, 14, 1.73);
    check_newsvendor("lp", 0.2, 10, 1.306);
    check_newsvendor("ga", 1.0, 14, 1.73);
    check_newsvendor("ga", 0.2, 10, 1.306);
}

/*
 * Lead time and flap budget: one region, 3 steps, lead 1 step, 2 on-demand instances
 * now, demand 5 each step, price 1, penalty 10.
 *  No flap budget: x = 2, 5, 5 (step 0 cannot grow): cost 12, shortfall 3 -> 30; 42.
 *  Flap budget 2 (total change): 2, 4, 4 gives cost 10, shortfall 3 + 1 + 1 -> 50; 60;
 *  the alternatives 2, 3, 4 (69) and 2, 2, 4 (78) are worse.
 */
static void check_lead(const char *name, double flap, double want, int x1)
{
    sc_opt_problem_buf *b = mk(1, 1, 3, 1);
    b->qlevel[0] = 0.5;
    for (int k = 0; k < 3; k++)
        b->demand[k] = 5;
    b->price[0] = 1.0;
    b->current[0] = 2;
    b->lead_steps[0] = 1;
    b->p.penalty_per_ieq_hour = 10;
    b->p.flap_budget = flap;
    sc_opt_solution *s = solve(name, &b->p, 400);
    cr_assert_float_eq(s->objective_usd, want, 1e-9, "%s flap %g: %g", name, flap,
                       s->objective_usd);
    cr_assert_eq(s->x[0], 2);
    cr_assert_eq(s->x[1], x1);
    cr_assert(s->binding[0] & SC_OPT_BIND_LEAD);
    if (flap >= 0)
        cr_assert(s->binding[1] & SC_OPT_BIND_FLAP);
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
}

Test(optimizer, lead_time_and_flap_budget)
{
    check_lead("lp", -1, 42, 5);
    check_lead("lp", 2, 60, 4);
    check_lead("ga", -1, 42, 5);
    check_lead("ga", 2, 60, 4);
}

/* Infeasible: demand 10 but both regions limited to 3 instances -> 3 + 3, shortfall
 * 4 ieq, and the plan says the capacity limit could not be met.  A second geography
 * with no region inside its latency bound is reported too. */
Test(optimizer, infeasible_best_effort)
{
    for (int m = 0; m < 2; m++) {
        const char *name = m ? "ga" : "lp";
        sc_opt_problem_buf *b = mk(2, 2, 1, 1);
        b->qlevel[0] = 0.5;
        b->demand[0] = 10;  /* geo 0 */
        b->demand[1] = 2;   /* geo 1: no allowed route */
        b->route_ok[SC_OPT_GR(&b->p, 1, 0)] = 0;
        b->route_ok[SC_OPT_GR(&b->p, 1, 1)] = 0;
        b->price[0] = 0.1;
        b->price[3] = 0.12;
        b->cap_limit[0] = 3;
        b->cap_limit[1] = 3;
        b->p.penalty_per_ieq_hour = 5;
        sc_opt_solution *s = solve(name, &b->p, 400);
        cr_assert_eq(s->x[SC_OPT_X(&b->p, 0, 0, 0)], 3);
        cr_assert_eq(s->x[SC_OPT_X(&b->p, 1, 0, 0)], 3);
        cr_assert_float_eq(s->shortfall[0], 4.0, 1e-9);
        cr_assert_float_eq(s->shortfall[1], 2.0, 1e-9);
        cr_assert(s->unmet & SC_OPT_BIND_CAPACITY, "%s unmet %x", name, s->unmet);
        cr_assert(s->unmet & SC_OPT_BIND_LATENCY);
        cr_assert(strstr(s->unmet_msg, "latency") != NULL, "%s", s->unmet_msg);
        /* cost 0.3 + 0.36 = 0.66, penalty 5 x (4 + 2) = 30 */
        cr_assert_float_eq(s->objective_usd, 30.66, 1e-9);
        sc_opt_solution_free(s);
        sc_opt_problem_free(b);
    }
}

/* ---- exhaustive search ---------------------------------------------------------- */

/* Independent objective for one geography without egress: served s = min(total serving
 * capacity, largest quantile), expected shortfall from midpoint weights. */
static double brute_obj(const sc_opt_problem_buf *b, const int *x)
{
    const sc_opt_problem *p = &b->p;
    int R = p->n_regions, K = p->n_steps, Q = p->n_quant;
    double cost = 0.0, pen = 0.0;
    for (int k = 0; k < K; k++) {
        double cap = 0.0;
        for (int r = 0; r < R; r++)
            for (int o = 0; o < 3; o += 2) {
                int v = x[SC_OPT_X(p, r, o, k)];
                if (v && isfinite(b->price[r * 3 + o])) {
                    cost += v * b->price[r * 3 + o];
                    cap += v * p->serve_util * (o == 2 ? 1.0 - b->spot_loss[r] : 1.0);
                }
            }
        for (int q = 0; q < Q; q++) {
            double lo = q == 0 ? 0.0 : (b->qlevel[q - 1] + b->qlevel[q]) / 2;
            double hi = q == Q - 1 ? 1.0 : (b->qlevel[q] + b->qlevel[q + 1]) / 2;
            double d = b->demand[k * Q + q];
            if (d > cap)
                pen += (hi - lo) * (d - cap);
        }
    }
    return cost + p->penalty_per_ieq_hour * pen;
}

static int brute_feasible(const sc_opt_problem_buf *b, const int *x)
{
    const sc_opt_problem *p = &b->p;
    for (int r = 0; r < p->n_regions; r++) {
        double flap = 0;
        for (int o = 0; o < 3; o += 2) {
            int prev = b->current[r * 3 + o];
            for (int k = 0; k < p->n_steps; k++) {
                int v = x[SC_OPT_X(p, r, o, k)];
                if (!isfinite(b->price[r * 3 + o]) && v)
                    return 0;
                if (k < b->lead_steps[r] && v > b->current[r * 3 + o])
                    return 0;
                flap += abs(v - prev);
                prev = v;
            }
        }
        if (p->flap_budget >= 0 && flap > p->flap_budget)
            return 0;
        for (int k = 0; k < p->n_steps; k++) {
            int od = x[SC_OPT_X(p, r, 0, k)], sp = x[SC_OPT_X(p, r, 2, k)];
            if (b->cap_limit[r] >= 0 && od + sp > b->cap_limit[r])
                return 0;
            if (sp > p->spot_max_share * (od + sp) + 1e-9)
                return 0;
        }
    }
    return 1;
}

Test(optimizer, lp_milp_equals_exhaustive_search_ga_within_gap)
{
    /* 2 regions x (on-demand, spot) x 2 steps, counts 0..3: 4^8 = 65536 allocations. */
    unsigned long long state = 0x9E3779B97F4A7C15ull;
    double worst_gap = 0.0;
    for (int inst = 0; inst < 12; inst++) {
#define RND() ((state = state * 6364136223846793005ull + 1442695040888963407ull), \
               (double)(state >> 11) / 9007199254740992.0)
        sc_opt_problem_buf *b = mk(2, 1, 2, 2);
        b->qlevel[0] = 0.5;
        b->qlevel[1] = 0.9;
        for (int k = 0; k < 2; k++) {
            double d0 = 0.5 + 3.5 * RND();
            b->demand[k * 2] = d0;
            b->demand[k * 2 + 1] = d0 + 2.0 * RND();
        }
        for (int r = 0; r < 2; r++) {
            b->price[r * 3] = 0.05 + 0.2 * RND();
            b->price[r * 3 + 2] = RND() < 0.7 ? 0.02 + 0.1 * RND() : NAN;
            b->spot_loss[r] = 0.2 * RND();
            b->cap_limit[r] = 3;
            b->current[r * 3] = (int)(RND() * 3);
            b->lead_steps[r] = RND() < 0.5 ? 1 : 0;
        }
        b->p.serve_util = 0.6 + 0.4 * RND();
        b->p.spot_max_share = RND() < 0.5 ? 0.5 : 1.0;
        b->p.penalty_per_ieq_hour = 0.05 + 0.5 * RND();
        b->p.flap_budget = RND() < 0.5 ? -1 : 2;
        /* enumerate */
        int x[2 * 3 * 2] = {0}, bestx[12];
        double best = INFINITY;
        int idx[8];
        const int slots[8][3] = {{0, 0, 0}, {0, 0, 1}, {0, 2, 0}, {0, 2, 1},
                                 {1, 0, 0}, {1, 0, 1}, {1, 2, 0}, {1, 2, 1}};
        for (int code = 0; code < 65536; code++) {
            int c = code;
            for (int i = 0; i < 8; i++) {
                idx[i] = c & 3;
                c >>= 2;
            }
            memset(x, 0, sizeof x);
            for (int i = 0; i < 8; i++)
                x[SC_OPT_X(&b->p, slots[i][0], slots[i][1], slots[i][2])] = idx[i];
            if (!brute_feasible(b, x))
                continue;
            double v = brute_obj(b, x);
            if (v < best) {
                best = v;
                memcpy(bestx, x, sizeof x);
            }
        }
        cr_assert(isfinite(best));
        sc_opt_solution *s = solve("lp", &b->p, 400);
        cr_assert_eq(s->method, SC_OPT_METHOD_MILP);
        cr_assert(s->proved_optimal);
        cr_assert_float_eq(s->objective_usd, best, 1e-7, "instance %d: lp %.9f brute %.9f", inst,
                           s->objective_usd, best);
        cr_assert(brute_feasible(b, s->x));
        cr_assert_float_eq(brute_obj(b, s->x), best, 1e-7);
        cr_assert(s->lp_bound_usd <= best + 1e-7);
        sc_opt_solution_free(s);
        /* Rounded LP: an upper bound, never below the optimum. */
        s = solve("lp", &b->p, 0);
        cr_assert(s->objective_usd >= best - 1e-7);
        cr_assert(s->lp_bound_usd <= best + 1e-7);
        sc_opt_solution_free(s);
        /* GA: stated gap of 5 % (it is usually exact on these). */
        s = solve("ga", &b->p, 0);
        cr_assert(brute_feasible(b, s->x));
        double gap = (s->objective_usd - best) / best;
        cr_assert(gap >= -1e-9 && gap <= 0.05, "instance %d: ga %.6f brute %.6f", inst,
                  s->objective_usd, best);
        if (gap > worst_gap)
            worst_gap = gap;
        sc_opt_solution_free(s);
        sc_opt_problem_free(b);
        (void)bestx;
    }
    cr_log_info("worst GA gap %.4f %%", 100 * worst_gap);
}

Test(optimizer, registry_and_bad_input)
{
    const sc_optimizer_type *t;
    sc_error err;
    cr_assert_eq(sc_optimizer_find("simplex", &t, &err), SC_ERR_NOTFOUND);
    cr_assert(strstr(err.msg, "lp") && strstr(err.msg, "ga"));
    cr_assert_eq(sc_optimizer_find("lp", &t, &err), SC_OK);
    sc_opt_problem_buf *b = mk(1, 1, 1, 2);
    b->qlevel[0] = 0.9;
    b->qlevel[1] = 0.5; /* not increasing */
    b->price[0] = 1;
    sc_optimizer *opt;
    cr_assert_eq(sc_optimizer_alloc("lp", NULL, &opt, &err), SC_OK);
    sc_opt_solution *s;
    cr_assert_eq(sc_opt_solution_alloc(1, 1, 1, 2, &s, &err), SC_OK);
    cr_assert_eq(sc_optimizer_solve(opt, &b->p, s, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "qlevel"));
    sc_opt_solution_free(s);
    sc_optimizer_free(opt);
    sc_opt_problem_free(b);
}
