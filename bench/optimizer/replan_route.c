#define _POSIX_C_SOURCE 200809L
/*
 * replan_route.c - issue 11's replanning target: one replan of 100 apps x 10 regions x
 * 10 geographies x 24 hourly steps x 3 purchase options WITH routing (each geography may
 * be served by every region its latency bound allows), side by side with the same
 * problem routed home only, on the `lp` optimizer's paths.
 *
 * The problem is the one sculpt's "routing": "plan" gives the optimizer
 * (core/policy/sculpt_route.c): per app, G = 10 geographies, route g -> r allowed when
 * access latency + round-trip time home(g) -> r + the app's curve latency at the planned
 * utilisation is within its SLO bound; egress per ieq-hour for every route away from
 * home; prices per region and option.  Real data, read at run time from the source tree:
 *  - round-trip times between the 10 regions: traces/data/geo/aws_rtt_ms_2022.csv
 *    (Skyplane, Apache-2.0), access latency 15 ms (as scenarios/global.json);
 *  - egress USD/GB between them: traces/data/geo/aws_transfer_usd_per_gb.csv;
 *  - m4.large on-demand and 1-year no-upfront reserved prices per region:
 *    traces/data/pricing/aws_ec2_linux_ondemand_reserved_by_region_2017-11-12.csv
 *    (ec2instances.info); spot at 0.35 x on-demand (no spot price ships: assumed).
 * Invented, stated: two app classes alternate, "regional" (curve base 20 ms, SLO bound
 * 100 ms: at u = 0.6 the curve takes 50 ms, so a route's network latency must be <= 50
 * ms: the home region and its near neighbours) and "global" (base 20 ms, bound 400 ms:
 * nearly every region); 5 kB per request and 100 req/s per instance-equivalent (1.8 GB
 * per ieq-hour routed away); demand per geography a diurnal sine at the geography's
 * local time (UTC offset of its home region), 3 quantiles 0.5/0.9/0.99; on-demand,
 * reserved held (4 per region), spot <= 50 %, lead 1 step, no flap budget.
 *
 * Cases (one optimizer per app kept across 3 consecutive replans, the horizon moved one
 * hour each):
 *   routed, default config          (decompose_steps: 24 one-step LPs per app, GLPK warm)
 *   routed, warm_start = 0          (fresh presolved GLPK model per step)
 *   home only, default (newsvendor) (geographies pinned home: no GLPK)
 *   home only, newsvendor = 0       (the same on GLPK per step)
 * Prints CPU s per replan, the summed objective, the LP bound and proved-optimal count.
 *
 * Usage: bench_replan_route [apps=100] [source_dir]
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/optimizer.h"
#include "../common/clock.h"
#include "../common/replan_app.h"

#ifndef SC_SOURCE_DIR
#define SC_SOURCE_DIR "."
#endif

enum { R = 10, G = 10, K = 24, Q = 3 };

static const char *const region_names[R] = {
    "us-east-1",    "us-east-2",    "us-west-2",      "ca-central-1",   "eu-west-1",
    "eu-west-2",    "eu-central-1", "ap-northeast-1", "ap-southeast-1", "ap-south-1"};
/* UTC offset of each region's users, hours (standard time) */
static const double utc_off[R] = {-5, -5, -8, -5, 0, 0, 1, 9, 8, 5.5};

static double rtt_ms[R][R], egress_gb[R][R], od[R], res[R];

static int region_ix(const char *s)
{
    for (int r = 0; r < R; r++)
        if (strcmp(s, region_names[r]) == 0)
            return r;
    return -1;
}

/* Read "a,b,value" rows (header skipped) into m[a][b] for known regions. */
static int read_pairs(const char *dir, const char *rel, double m[R][R])
{
    char path[1024], line[512];
    snprintf(path, sizeof path, "%s/%s", dir, rel);
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_replan_route: cannot open %s\n", path);
        return -1;
    }
    for (int a = 0; a < R; a++)
        for (int b = 0; b < R; b++)
            m[a][b] = a == b ? 0.0 : NAN;
    if (!fgets(line, sizeof line, f)) {
        fclose(f);
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        char *c1 = strchr(line, ','), *c2 = c1 ? strchr(c1 + 1, ',') : NULL;
        if (!c2)
            continue;
        *c1 = *c2 = 0;
        int a = region_ix(line), b = region_ix(c1 + 1);
        if (a >= 0 && b >= 0 && a != b)
            m[a][b] = strtod(c2 + 1, NULL);
    }
    fclose(f);
    for (int a = 0; a < R; a++)
        for (int b = 0; b < R; b++)
            if (isnan(m[a][b])) {
                fprintf(stderr, "bench_replan_route: %s: no %s -> %s\n", path,
                        region_names[a], region_names[b]);
                return -1;
            }
    return 0;
}

static int read_prices(const char *dir)
{
    char path[1024], line[1024];
    snprintf(path, sizeof path, "%s/%s", dir,
             "traces/data/pricing/aws_ec2_linux_ondemand_reserved_by_region_2017-11-12.csv");
    FILE *f = fopen(path, "r");
    if (!f) {
        fprintf(stderr, "bench_replan_route: cannot open %s\n", path);
        return -1;
    }
    for (int r = 0; r < R; r++)
        od[r] = res[r] = NAN;
    while (fgets(line, sizeof line, f)) {
        /* instance_type,family,vCPU,memory_gib,region,ondemand,res_1y_noupfront,... */
        char *fld[8];
        int n = 0;
        for (char *s = line; n < 8 && s; n++) {
            fld[n] = s;
            s = strchr(s, ',');
            if (s)
                *s++ = 0;
        }
        if (n < 7 || strcmp(fld[0], "m4.large") != 0)
            continue;
        int r = region_ix(fld[4]);
        if (r >= 0) {
            od[r] = strtod(fld[5], NULL);
            res[r] = strtod(fld[6], NULL);
        }
    }
    fclose(f);
    for (int r = 0; r < R; r++)
        if (isnan(od[r]) || isnan(res[r])) {
            fprintf(stderr, "bench_replan_route: no m4.large price for %s\n", region_names[r]);
            return -1;
        }
    return 0;
}

#define ACCESS_MS 15.0
#define GB_PER_IEQ_HOUR 1.8 /* 100 req/s x 3600 s x 5 kB */

/* App a's problem at horizon shift `shift` hours; routed = 0 pins every geography home. */
static void fill_app(sc_opt_problem_buf *b, int a, int shift, int routed, int *n_routes)
{
    sc_opt_problem *p = &b->p;
    bench_app_base(b, a, -1);
    for (int r = 0; r < R; r++) {
        b->price[r * 3 + 0] = od[r];
        b->price[r * 3 + 1] = res[r];
        b->price[r * 3 + 2] = 0.35 * od[r];
    }
    /* regional apps (even) and global apps (odd): curve latency at u = 0.6 is
     * 20 / 0.4 = 50 ms; bounds 100 and 400 ms */
    double bound = a % 2 ? 400.0 : 100.0, curve = 20.0 / (1.0 - p->serve_util);
    for (int g = 0; g < G; g++)
        for (int r = 0; r < R; r++) {
            int ok = g == r || (routed && ACCESS_MS + rtt_ms[g][r] + curve <= bound);
            b->route_ok[g * R + r] = (unsigned char)ok;
            b->egress_per_ieq_hour[g * R + r] = g == r ? 0.0 : GB_PER_IEQ_HOUR * egress_gb[r][g];
            *n_routes += ok;
        }
    for (int g = 0; g < G; g++)
        for (int k = 0; k < K; k++) {
            double hour = fmod((double)(k + shift) + utc_off[g] + 48.0, 24.0);
            bench_app_demand_at(b, g, k,
                                6.0 + 2.0 * (a % 5) +
                                    4.0 * sin(6.283185307179586 * (hour - 8.0) / 24.0));
        }
}

static int run_case(const char *label, int apps, int routed, int newsvendor, int warm,
                    sc_opt_problem_buf *b, sc_opt_solution *s)
{
    sc_opt_config cfg;
    sc_opt_config_init(&cfg);
    cfg.newsvendor = newsvendor;
    cfg.warm_start = warm;
    sc_optimizer **opt = bench_optimizers_alloc(apps, &cfg);
    if (!opt)
        return 1;
    for (int rep = 0; rep < 3; rep++) {
        double c0 = cpu_s(), t0 = now_s(), away = 0, served = 0;
        bench_tally t = {0};
        int routes = 0;
        for (int a = 0; a < apps; a++) {
            fill_app(b, a, rep, routed, &routes);
            if (bench_solve(opt[a], b, s, &t))
                return 1;
            for (int g = 0; g < G; g++)
                for (int r = 0; r < R; r++)
                    for (int k = 0; k < K; k++) {
                        double y = s->routed[((size_t)g * R + (size_t)r) * K + (size_t)k];
                        served += y;
                        away += g == r ? 0.0 : y;
                    }
        }
        double dc = cpu_s() - c0, dt = now_s() - t0;
        printf("%-34s replan %d: cpu %.4f s (%.3f ms/app), wall %.4f s, routes %.1f/geo, "
               "away %.1f %%, proved %d/%d, objective %.2f USD, LP bound %.2f USD\n",
               label, rep, dc, 1e3 * dc / apps, dt, (double)routes / (apps * G),
               served > 0 ? 100.0 * away / served : 0.0, t.proved, apps, t.obj, t.bound);
        fflush(stdout);
    }
    bench_optimizers_free(opt, apps);
    return 0;
}

int main(int argc, char **argv)
{
    int apps = argc > 1 ? atoi(argv[1]) : 100;
    const char *dir = argc > 2 ? argv[2] : SC_SOURCE_DIR;
    if (apps < 1) {
        fprintf(stderr, "usage: bench_replan_route [apps=100] [source_dir]\n");
        return 2;
    }
    if (read_pairs(dir, "traces/data/geo/aws_rtt_ms_2022.csv", rtt_ms) ||
        read_pairs(dir, "traces/data/geo/aws_transfer_usd_per_gb.csv", egress_gb) ||
        read_prices(dir))
        return 1;
    sc_opt_problem_buf *b;
    sc_opt_solution *s;
    if (bench_bufs_alloc(R, G, K, Q, &b, &s))
        return 1;
    printf("# replan with routing: %d apps x %d regions x %d geos x %d steps x 3 options, "
           "%d quantiles, no flap budget (real RTT, egress and m4.large prices)\n",
           apps, R, G, K, Q);
    const char *only = getenv("BENCH_CASE"); /* run one case: routed, routed-cold, home, home-glpk */
    struct {
        const char *name, *label;
        int routed, nv, warm;
    } cases[] = {
        {"routed", "routed, default (GLPK per step)", 1, 1, 1},
        {"routed-cold", "routed, warm_start 0", 1, 1, 0},
        {"home", "home only, default (newsvendor)", 0, 1, 1},
        {"home-glpk", "home only, newsvendor 0 (GLPK)", 0, 0, 1},
    };
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        if (only && strcmp(only, cases[c].name) != 0)
            continue;
        if (run_case(cases[c].label, apps, cases[c].routed, cases[c].nv, cases[c].warm, b, s))
            return 1;
    }
    sc_opt_solution_free(s);
    sc_opt_problem_free(b);
    return 0;
}
