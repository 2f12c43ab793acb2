#define _POSIX_C_SOURCE 200809L
/*
 * replan.c - one replan of A apps x 10 regions x 24 hourly steps x 3 purchase options
 * in the shape the `sculpt` policy gives the optimizer (geographies = regions, each
 * served by its own region: the simulator's routing is fixed), with the `lp`
 * optimizer's newsvendor path on and off (off = GLPK per step, the code before it).
 *
 * Same data as bench/optimizer (../common/replan_app.h: 3 quantiles 0.5/0.9/0.99,
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
#include "../common/replan_app.h"

static void fill_app(sc_opt_problem_buf *b, int a, int shift)
{
    sc_opt_problem *p = &b->p;
    int R = p->n_regions, G = p->n_geos;
    bench_app_base(b, a, -1);
    bench_app_prices(b, a);
    for (int g = 0; g < G; g++)
        for (int r = 0; r < R; r++) {
            b->route_ok[g * R + r] = g == r;
            b->egress_per_ieq_hour[g * R + r] = 0.0;
        }
    bench_app_demand(b, a, shift);
}

int main(int argc, char **argv)
{
    int apps = argc > 1 ? atoi(argv[1]) : 100;
    if (apps < 1) {
        fprintf(stderr, "usage: bench_replan [apps=100]\n");
        return 2;
    }
    const int R = 10, G = 10, K = 24, Q = 3;
    sc_opt_problem_buf *b;
    sc_opt_solution *s;
    if (bench_bufs_alloc(R, G, K, Q, &b, &s))
        return 1;
    printf("# replan, sculpt shape: %d apps x %d regions x %d steps x 3 options, each of %d geos "
           "served by its own region, %d quantiles, no flap budget\n",
           apps, R, K, G, Q);
    for (int nv = 1; nv >= 0; nv--) {
        sc_opt_config cfg;
        sc_opt_config_init(&cfg);
        cfg.newsvendor = nv;
        sc_optimizer **opt = bench_optimizers_alloc(apps, &cfg);
        if (!opt)
            return 1;
        for (int rep = 0; rep < 3; rep++) {
            double c0 = cpu_s(), t0 = now_s();
            bench_tally t = {0};
            for (int a = 0; a < apps; a++) {
                fill_app(b, a, rep);
                if (bench_solve(opt[a], b, s, &t))
                    return 1;
            }
            double dc = cpu_s() - c0, dt = now_s() - t0;
            printf("%s, replan %d: cpu %.4f s (%.3f ms/app), wall %.4f s, proved optimal %d/%d, "
                   "objective %.4f USD, LP bound %.4f USD\n",
                   nv ? "newsvendor path    " : "GLPK per step (off)", rep, dc, 1e3 * dc / apps,
                   dt, t.proved, apps, t.obj, t.bound);
            fflush(stdout);
        }
        bench_optimizers_free(opt, apps);
    }
    sc_opt_problem_free(b);
    sc_opt_solution_free(s);
    return 0;
}
