#define _POSIX_C_SOURCE 200809L
/*
 * optimizer.c - planning speed of the capacity optimizers (bench/optimizer/README.md).
 *
 *  1. One replan of A apps x 10 regions x 24 hourly steps x 3 purchase options,
 *     decomposed per app (10 geographies, each allowed in its home region and the two
 *     next ones, 3 demand quantiles, flap budget on): cold (a fresh GLPK model per app,
 *     presolver on) and warm (one optimizer kept across apps and replans: same shape,
 *     so only bounds/objective change and the dual simplex starts from the last basis).
 *  2. GA against LP on small instances where GLPK proves optimality (MILP): cost gap
 *     and solve times, GA population not seeded from the LP.
 *  3. GA on the non-linear latency-curve objective against LP plans evaluated on it
 *     (curve_bench, below).
 *
 * Wall-clock timing is this program's business only (the library reads no clock).
 * Usage: bench_optimizer [apps=100] [ga_instances=20] [curve_ga_population=60]
 * (apps = 0: the GA sections only)
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>


#include "sculpt/optimizer.h"
#include "../common/clock.h"
#include "../common/replan_app.h"

static unsigned long long rs = 0x243F6A8885A308D3ull;
static double rnd(void)
{
    rs = rs * 6364136223846793005ull + 1442695040888963407ull;
    return (double)(rs >> 11) / 9007199254740992.0;
}

/* Fill app a's problem (R regions, G = R geos). shift: hours the demand is advanced
 * (a replan one hour later). */
static void fill_app(sc_opt_problem_buf *b, int a, int shift)
{
    sc_opt_problem *p = &b->p;
    int R = p->n_regions, G = p->n_geos;
    bench_app_base(b, a, 60);
    bench_app_prices(b, a);
    for (int g = 0; g < G; g++)
        for (int r = 0; r < R; r++) {
            int d = (r - g + R) % R;
            b->route_ok[g * R + r] = d <= 2;
            b->egress_per_ieq_hour[g * R + r] = d == 0 ? 0.0 : 0.002 * d;
        }
    bench_app_demand(b, a, shift);
}

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

/*
 * 3. The non-linear SLO objective (optimizer.h latency_curve): the GA optimises the
 *    true cost under the latency curve; the LP can only linearise it through a fixed
 *    serving utilisation, at the app's target (0.6 / 0.7, what the planner uses) or at
 *    the utilisation where the curve meets the tightest allowed route's budget,
 *    u* = 1 - base / budget (the best a fixed utilisation can do for the mean
 *    latency).  Both LP plans are evaluated under the same non-linear objective
 *    (sc_opt_evaluate_curve); the GA is not seeded from them.
 *    Instances: 3 regions x 2 geos x 6 steps x 3 quantiles as in section 2, with the
 *    curves and SLOs of the demo's apps (scenarios/demo.json): web base 30 ms, bound
 *    150 ms, target 0.6; api 20 / 100 / 0.6; batch 500 / 5000 / 0.7; route latency 15 ms
 *    to the home region, 40 ms to the shared third region.
 */
typedef struct curve_app {
    const char *name;
    double base_ms, bound_ms, target;
} curve_app;

static const curve_app curve_apps[3] = {
    {"web", 30, 150, 0.6}, {"api", 20, 100, 0.6}, {"batch", 500, 5000, 0.7}};

static void fill_curve(sc_opt_problem_buf *sb, const curve_app *ap, double *budget)
{
    sb->qlevel[0] = 0.5;
    sb->qlevel[1] = 0.9;
    sb->qlevel[2] = 0.99;
    sb->p.serve_util = ap->target;
    sb->p.penalty_per_ieq_hour = 0.2 + 1.0 * rnd();
    sb->p.spot_max_share = 0.5;
    sb->p.flap_budget = rnd() < 0.5 ? -1 : 8;
    for (int r = 0; r < 3; r++) {
        sb->price[r * 3] = 0.05 + 0.1 * rnd();
        sb->price[r * 3 + 1] = NAN;
        sb->price[r * 3 + 2] = 0.3 * sb->price[r * 3];
        sb->cap_limit[r] = 8 + (int)(16 * rnd());
        sb->lead_steps[r] = (int)(2 * rnd());
        sb->spot_loss[r] = 0.05 * rnd();
        sb->current[r * 3] = (int)(4 * rnd());
    }
    for (int g = 0; g < 2; g++) {
        for (int r = 0; r < 3; r++) {
            double route = r == g ? 15.0 : 40.0;
            budget[g * 3 + r] = ap->bound_ms - route;
            sb->route_ok[g * 3 + r] = r == g || (g == 0 && r == 2 && rnd() < 0.5);
            sb->egress_per_ieq_hour[g * 3 + r] = r == g ? 0 : 0.01;
        }
        for (int k = 0; k < 6; k++) {
            double m = 1 + 6 * rnd();
            double *d = &sb->demand[(g * 6 + k) * 3];
            d[0] = m;
            d[1] = m * (1.1 + 0.3 * rnd());
            d[2] = d[1] * (1.1 + 0.3 * rnd());
        }
    }
    sb->p.curve_base_ms = ap->base_ms;
    sb->p.curve_u_max = 0.99;
    sb->p.curve_budget_ms = budget;
}

static int curve_bench(int n, int pop)
{
    sc_error err;
    static const char *const mode_name[3] = {"", "mean", "tail"};
    for (int mode = SC_OPT_LATENCY_MEAN; mode <= SC_OPT_LATENCY_TAIL; mode++) {
        printf("# ga (population %d) on the latency curve (%s) vs lp plans evaluated on it: 3 "
               "regions x 2 geos x 6 steps x 3 quantiles\n",
               pop, mode_name[mode]);
        printf("inst app   pen   lp@target  lp@u*      ga         ga/lp@t  ga/lp@u*  "
               "(u*)       cpu ga ms\n");
        double sum_t = 0, sum_u = 0, sum_g = 0, c_lp = 0, c_ga = 0;
        double rmin = INFINITY, rmax = -INFINITY;
        int better_t = 0, better_u = 0;
        for (int i = 0; i < n; i++) {
            sc_opt_problem_buf *sb;
            sc_opt_solution *s_lp, *s_ev, *s_ga;
            double budget[6];
            if (sc_opt_problem_alloc(3, 2, 6, 3, &sb, &err) ||
                sc_opt_solution_alloc(3, 2, 6, 3, &s_lp, &err) ||
                sc_opt_solution_alloc(3, 2, 6, 3, &s_ev, &err) ||
                sc_opt_solution_alloc(3, 2, 6, 3, &s_ga, &err)) {
                sc_error_print(&err, stderr);
                return 1;
            }
            const curve_app *ap = &curve_apps[i % 3];
            fill_curve(sb, ap, budget);
            sb->p.latency_curve = mode;
            sc_opt_config cfg;
            sc_opt_config_init(&cfg);
            cfg.seed = 100 + (uint64_t)i;
            cfg.ga_population = pop;
            sc_optimizer *lp, *ga;
            if (sc_optimizer_alloc("lp", &cfg, &lp, &err) ||
                sc_optimizer_alloc("ga", &cfg, &ga, &err)) {
                sc_error_print(&err, stderr);
                return 1;
            }
            /* lp at the target utilisation (the curve fields are ignored by lp) */
            double t0 = cpu_s();
            if (sc_optimizer_solve(lp, &sb->p, s_lp, &err)) {
                sc_error_print(&err, stderr);
                return 1;
            }
            c_lp += cpu_s() - t0;
            sc_opt_evaluate_curve(&sb->p, s_lp->x, s_ev);
            double lp_t = s_ev->objective_usd;
            /* lp at u* = 1 - base / (tightest budget of an allowed route) */
            double bmin = INFINITY;
            for (int j = 0; j < 6; j++)
                if (sb->route_ok[j] && budget[j] < bmin)
                    bmin = budget[j];
            double su = sb->p.serve_util;
            sb->p.serve_util = 1.0 - ap->base_ms / bmin;
            if (sc_optimizer_solve(lp, &sb->p, s_lp, &err)) {
                sc_error_print(&err, stderr);
                return 1;
            }
            sc_opt_evaluate_curve(&sb->p, s_lp->x, s_ev);
            double lp_u = s_ev->objective_usd, ustar = sb->p.serve_util;
            sb->p.serve_util = su;
            t0 = cpu_s();
            if (sc_optimizer_solve(ga, &sb->p, s_ga, &err)) {
                sc_error_print(&err, stderr);
                return 1;
            }
            double dga = cpu_s() - t0;
            c_ga += dga;
            double g = s_ga->objective_usd;
            printf("%4d %-5s %.3f %9.4f  %9.4f  %9.4f  %7.4f  %7.4f  (u* %.3f) %6.1f\n", i,
                   ap->name, sb->p.penalty_per_ieq_hour, lp_t, lp_u, g, g / lp_t, g / lp_u,
                   ustar, 1e3 * dga);
            sum_t += lp_t;
            sum_u += lp_u;
            sum_g += g;
            double best_lp = lp_t < lp_u ? lp_t : lp_u;
            if (g / best_lp < rmin)
                rmin = g / best_lp;
            if (g / best_lp > rmax)
                rmax = g / best_lp;
            better_t += g < lp_t - 1e-9;
            better_u += g < lp_u - 1e-9;
            sc_optimizer_free(lp);
            sc_optimizer_free(ga);
            sc_opt_solution_free(s_lp);
            sc_opt_solution_free(s_ev);
            sc_opt_solution_free(s_ga);
            sc_opt_problem_free(sb);
        }
        if (n > 0)
            printf("%s curve, %d instances: true cost summed: lp@target %.3f, lp@u* %.3f, ga "
                   "%.3f USD (ga / lp@target %.3f, ga / lp@u* %.3f); ga below lp@target on %d, "
                   "below lp@u* on %d; ga / best lp per instance %.3f-%.3f; mean CPU per "
                   "solve lp %.2f ms (MILP at target), ga %.2f ms\n",
                   mode_name[mode], n, sum_t, sum_u, sum_g, sum_g / sum_t, sum_g / sum_u,
                   better_t, better_u, rmin, rmax, 1e3 * c_lp / n, 1e3 * c_ga / n);
        fflush(stdout);
    }
    return 0;
}

int main(int argc, char **argv)
{
    int apps = argc > 1 ? atoi(argv[1]) : 100;
    int ga_n = argc > 2 ? atoi(argv[2]) : 20;
    int curve_pop = argc > 3 ? atoi(argv[3]) : 60;
    sc_error err;
    sc_optimizer_global_init();
    const int R = 10, G = 10, K = 24, Q = 3;
    sc_opt_problem_buf *b;
    sc_opt_solution *s;
    if (bench_bufs_alloc(R, G, K, Q, &b, &s))
        return 1;
    printf("# replan: %d apps x %d regions x %d steps x 3 options, %d geos, %d quantiles\n", apps,
           R, K, G, Q);
    for (int mode = 3; mode >= 0 && apps > 0; mode--) {
        int warm = mode & 1, flap = !(mode & 2);
        sc_opt_config cfg;
        sc_opt_config_init(&cfg);
        cfg.warm_start = warm;
        /* one optimizer per app, kept across replans (warm start from its own basis) */
        sc_optimizer **opt = bench_optimizers_alloc(apps, &cfg);
        if (!opt)
            return 1;
        for (int rep = 0; rep < 3; rep++) {
            double t0 = now_s(), c0 = cpu_s();
            bench_tally t = {0};
            for (int a = 0; a < apps; a++) {
                fill_app(b, a, rep);
                if (!flap)
                    b->p.flap_budget = -1;
                if (bench_solve(opt[a], b, s, &t))
                    return 1;
            }
            double dt = now_s() - t0, dc = cpu_s() - c0;
            printf("%s, %s, replan %d: wall %.3f s, cpu %.3f s (%.2f ms/app), simplex iterations %ld, "
                   "proved optimal %d/%d, rounded %d, objective %.2f USD, LP bound %.2f USD "
                   "(gap %.3f %%)\n",
                   flap ? "flap budget 60 (coupled steps)" : "no flap budget (per-step)",
                   warm ? "warm" : "cold", rep, dt, dc, 1e3 * dc / apps, t.iterations, t.proved, apps,
                   t.rounded, t.obj, t.bound, 100 * (t.obj - t.bound) / t.bound);
            fflush(stdout);
        }
        bench_optimizers_free(opt, apps);
    }
    sc_opt_problem_free(b);
    sc_opt_solution_free(s);

    /* GA vs LP on small instances GLPK solves to proved optimality. */
    printf("# ga vs lp (MILP proved optimal): 3 regions x 2 geos x 6 steps x 3 quantiles\n");
    double *gaps = calloc((size_t)ga_n + 1, sizeof *gaps);
    double t_lp = 0, t_ga = 0;
    int proved = 0;
    for (int i = 0; i < ga_n; i++) {
        sc_opt_problem_buf *sb;
        sc_opt_solution *s1, *s2;
        if (sc_opt_problem_alloc(3, 2, 6, 3, &sb, &err) ||
            sc_opt_solution_alloc(3, 2, 6, 3, &s1, &err) ||
            sc_opt_solution_alloc(3, 2, 6, 3, &s2, &err))
            return 1;
        sb->qlevel[0] = 0.5;
        sb->qlevel[1] = 0.9;
        sb->qlevel[2] = 0.99;
        sb->p.serve_util = 0.5 + 0.5 * rnd();
        sb->p.penalty_per_ieq_hour = 0.05 + 0.5 * rnd();
        sb->p.spot_max_share = 0.5;
        sb->p.flap_budget = rnd() < 0.5 ? -1 : 8;
        for (int r = 0; r < 3; r++) {
            sb->price[r * 3] = 0.05 + 0.1 * rnd();
            sb->price[r * 3 + 1] = NAN;
            sb->price[r * 3 + 2] = 0.3 * sb->price[r * 3];
            sb->cap_limit[r] = 4 + (int)(8 * rnd());
            sb->lead_steps[r] = (int)(2 * rnd());
            sb->spot_loss[r] = 0.05 * rnd();
            sb->current[r * 3] = (int)(4 * rnd());
        }
        /* each geography: home region allowed, another with prob 1/2 (egress) */
        for (int g = 0; g < 2; g++) {
            for (int r = 0; r < 3; r++) {
                sb->route_ok[g * 3 + r] = r == g || (r == 2 && rnd() < 0.5);
                sb->egress_per_ieq_hour[g * 3 + r] = r == g ? 0 : 0.01;
            }
            /* greedy routing is exact when each geography has one region: keep geo 1
             * single-homed so the gap measures the GA search, not the routing rule */
            if (g == 1)
                sb->route_ok[1 * 3 + 2] = 0;
            for (int k = 0; k < 6; k++) {
                double m = 1 + 6 * rnd();
                double *d = &sb->demand[(g * 6 + k) * 3];
                d[0] = m;
                d[1] = m * (1.1 + 0.3 * rnd());
                d[2] = d[1] * (1.1 + 0.3 * rnd());
            }
        }
        sc_optimizer *lp, *ga;
        sc_opt_config cfg;
        sc_opt_config_init(&cfg);
        cfg.seed = 7 + (uint64_t)i;
        sc_optimizer_alloc("lp", &cfg, &lp, &err);
        sc_optimizer_alloc("ga", &cfg, &ga, &err);
        double t0 = cpu_s();
        sc_optimizer_solve(lp, &sb->p, s1, &err);
        double t1 = cpu_s();
        sc_optimizer_solve(ga, &sb->p, s2, &err);
        double t2 = cpu_s();
        t_lp += t1 - t0;
        t_ga += t2 - t1;
        proved += s1->proved_optimal;
        gaps[i] = (s2->objective_usd - s1->objective_usd) / s1->objective_usd;
        sc_optimizer_free(lp);
        sc_optimizer_free(ga);
        sc_opt_solution_free(s1);
        sc_opt_solution_free(s2);
        sc_opt_problem_free(sb);
    }
    qsort(gaps, (size_t)ga_n, sizeof *gaps, cmp_d);
    double mean = 0;
    for (int i = 0; i < ga_n; i++)
        mean += gaps[i];
    if (ga_n > 0)
        printf("instances %d, proved optimal %d; GA gap to LP: mean %.3f %%, median %.3f %%, "
               "max %.3f %%; mean solve CPU time lp %.2f ms, ga %.2f ms\n",
               ga_n, proved, 100 * mean / ga_n, 100 * gaps[ga_n / 2], 100 * gaps[ga_n - 1],
               1e3 * t_lp / ga_n, 1e3 * t_ga / ga_n);
    free(gaps);
    return curve_bench(ga_n, curve_pop);
}
