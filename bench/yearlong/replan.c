#define _POSIX_C_SOURCE 200809L
/*
 * replan.c - one replan of A apps x 10 regions x 24 hourly steps x 3 purchase options
 * in the shape the `sculpt` policy gives the optimizer (geographies = regions, each
 * served by its own region: the simulator's routing is fixed), with the `lp`
 * optimizer's newsvendor path on and off (off = GLPK per step, the code before it).
 *
 * Same data as bench/optimizer (bench_optimizer's fill_app: 3 quantiles 0.5/0.9/0.99,
 * on-demand, reserved held (not bought), spot with share <= 50 %, lead 1 step, limits,
 * min_instances), except routing: bench_optimizer lets each geography use three
 * regions, which is outside the newsvendor path (GLPK decides there).
 * One optimizer per app is kept across 3 consecutive replans (the horizon moved one hour).
 * Prints CPU seconds per replan, the summed objective and LP bound of both paths (they
 * must agree: both are the proved integer optimum).
 *
 * Usage: bench_replan [apps=100]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "sculpt/optimizer.h"
#include "../common/clock.h"

static void fill_app(sc_opt_problem_buf *b, int a, int shift)
{
    sc_opt_problem *p = &b->p;
    int R = p->n_regions, G = p->n_geos, K = p->n_steps;
    b->qlevel[0] = 0.5;
    b->qlevel[1] = 0.9;
    b->qlevel[2] = 0.99;
    p->serve_util = 0.6;
    p->penalty_per_ieq_hour = 0.5 + 0.05 * (a % 10);
    p->spot_max_share = 0.5;
    p->flap_budget = -1;
    p->max_inst = 400;
    for (int r = 0; r < R; r++) {
        double base = 0.08 + 0.004 * r + 0.001 * (a % 7);
        b->price[r * 3 + 0] = base;
        b->price[r * 3 + 1] = 0.62 * base;
        b->price[r * 3 + 2] = 0.35 * base;
        b->cap_limit[r] = 300;
        b->lead_steps[r] = 1;
        b->spot_loss[r] = 0.01;
        b->current[r * 3 + 0] = 10 + (a + r) % 5;
        b->current[r * 3 + 1] = 4;
        b->current[r * 3 + 2] = 0;
        b->min_inst[r] = 2;
    }
    for (int g = 0; g < G; g++)
        for (int r = 0; r < R; r++) {
            b->route_ok[g * R + r] = g == r;
            b->egress_per_ieq_hour[g * R + r] = 0.0;
        }
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++) {
            double hour = (double)((k + shift + 2 * g) % 24);
            double m = 6.0 + 2.0 * (a % 5) + 4.0 * sin(6.283185307179586 * hour / 24.0);
            double *d = &b->demand[(g * K + k) * 3];
            d[0] = m;
            d[1] = m * 1.15;
            d[2] = m * 1.35;
        }
}

int main(int argc, char **argv)
{
    int apps = argc > 1 ? atoi(argv[1]) : 100;
    if (apps < 1) {
        fprintf(stderr, "usage: bench_replan [apps=100]\n");
        return 2;
    }
    sc_error err;
    const int R = 10, G = 10, K = 24, Q = 3;
    sc_opt_problem_buf *b;
    sc_opt_solution *s;
    if (sc_opt_problem_alloc(R, G, K, Q, &b, &err) || sc_opt_solution_alloc(R, G, K, Q, &s, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    printf("# replan, sculpt shape: %d apps x %d regions x %d steps x 3 options, each of %d geos "
           "served by its own region, %d quantiles, no flap budget\n",
           apps, R, K, G, Q);
    for (int nv = 1; nv >= 0; nv--) {
        sc_opt_config cfg;
        sc_opt_config_init(&cfg);
        cfg.newsvendor = nv;
        sc_optimizer **opt = calloc((size_t)apps, sizeof *opt);
        if (!opt)
            return 1;
        for (int a = 0; a < apps; a++)
            if (sc_optimizer_alloc("lp", &cfg, &opt[a], &err)) {
                sc_error_print(&err, stderr);
                return 1;
            }
        for (int rep = 0; rep < 3; rep++) {
            double c0 = cpu_s(), t0 = now_s(), obj = 0, bound = 0;
            int proved = 0;
            for (int a = 0; a < apps; a++) {
                fill_app(b, a, rep);
                if (sc_optimizer_solve(opt[a], &b->p, s, &err)) {
                    sc_error_print(&err, stderr);
                    return 1;
                }
                obj += s->objective_usd;
                bound += s->lp_bound_usd;
                proved += s->proved_optimal;
            }
            double dc = cpu_s() - c0, dt = now_s() - t0;
            printf("%s, replan %d: cpu %.4f s (%.3f ms/app), wall %.4f s, proved optimal %d/%d, "
                   "objective %.4f USD, LP bound %.4f USD\n",
                   nv ? "newsvendor path    " : "GLPK per step (off)", rep, dc, 1e3 * dc / apps,
                   dt, proved, apps, obj, bound);
            fflush(stdout);
        }
        for (int a = 0; a < apps; a++)
            sc_optimizer_free(opt[a]);
        free(opt);
    }
    sc_opt_problem_free(b);
    sc_opt_solution_free(s);
    return 0;
}
