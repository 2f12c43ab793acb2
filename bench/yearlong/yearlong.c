/*
 * yearlong.c - year-long simulation benchmark of the `sculpt` policy (issue 4, planning
 * speed): 100 apps x 5 regions, hourly replanning (forecast -> optimizer -> plan), on a
 * generated multi-region trace built the way bench/scale/scale.c builds its scenario
 * (one geography per region, daily and weekly cycles per time zone, trend,
 * autocorrelated noise, flash crowds, campaigns), 5-minute demand steps.
 *
 *   bench_yearlong [--apps 100] [--regions 5] [--days 365] [--step 5m]
 *                  [--params '{"forecaster": "ets"}'] [--no-split] [--check N]
 *
 * Prints the CPU time of the whole program split into: trace generation + layout,
 * simulation (everything in the run that is not one of the phases below: the event
 * loop, the mock cloud, the accounting, the policy's own bookkeeping such as feeding
 * the prediction engine (wpe.h) and filling the problems, and the guard), forecasting
 * (fits through the engine's fallback hierarchy, updates, predicts), optimisation
 * (sc_optimizer_solve) and plan building (sc_rap_build, sc_rap_to_plan); plus peak
 * resident memory.  Target (issue 4): 100 x 5 x 1 year under
 * 10 minutes on one core (stretch: 2 minutes).  Run it pinned (taskset -c 0).
 *
 * How the split is measured, without touching the library or the results: the phases
 * are library entry points that the policy calls across translation units, so this
 * program is linked with `-Wl,--wrap=NAME` for each of them (CMakeLists.txt) and its
 * __wrap_NAME times the call and forwards to __real_NAME.  Nothing is written to any
 * results file, so determinism is unaffected.  Per-call CPU clocks cost ~6 us on this
 * (virtualised) machine, far too much for millions of calls, so each call is timed on
 * CLOCK_MONOTONIC (~0.1 us) and a phase's CPU time is estimated as its share of the
 * run's wall time times the run's CPU time (preemption spread evenly over the phases;
 * exact on a quiet core).  --no-split runs without the timers, to measure their
 * overhead.  --check N repeats every Nth solve on GLPK alone (the optimizer's
 * newsvendor path off) and compares the objectives (untimed; the run is then slower).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "sculpt/forecast.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/rng.h"
#include "sculpt/scenario.h"
#include "sim.h"
#include "../common/clock.h"
#include "../common/textbuf.h"

/* ---- phase timers (linker wraps) ---------------------------------------------- */

enum { PH_FIT, PH_UPDATE, PH_PREDICT, PH_OPT, PH_PLAN, PH_N };
static const char *const ph_name[PH_N] = {"forecast: fit", "forecast: update",
                                          "forecast: predict", "optimise", "plan build"};
static double ph_wall[PH_N];
static long ph_calls[PH_N];
static int split_on = 1;

#define TIMED(ph, call)                                                                      \
    do {                                                                                     \
        ph_calls[ph]++;                                                                      \
        if (!split_on)                                                                       \
            return call;                                                                     \
        double t0_ = now_s();                                                                \
        __typeof__(call) r_ = call;                                                          \
        ph_wall[ph] += now_s() - t0_;                                                        \
        return r_;                                                                           \
    } while (0)

sc_status __real_sc_forecaster_fit_fallback(const char *const *names, size_t count,
                                            const sc_forecast_config *cfg, const double *y,
                                            size_t n, const sc_forecast_exog *x, sc_forecaster **out,
                                            sc_error *err);
sc_status __wrap_sc_forecaster_fit_fallback(const char *const *names, size_t count,
                                            const sc_forecast_config *cfg, const double *y,
                                            size_t n, const sc_forecast_exog *x, sc_forecaster **out,
                                            sc_error *err);
sc_status __wrap_sc_forecaster_fit_fallback(const char *const *names, size_t count,
                                            const sc_forecast_config *cfg, const double *y,
                                            size_t n, const sc_forecast_exog *x, sc_forecaster **out,
                                            sc_error *err)
{
    TIMED(PH_FIT, __real_sc_forecaster_fit_fallback(names, count, cfg, y, n, x, out, err));
}

sc_status __real_sc_forecaster_update(sc_forecaster *fc, double y);
sc_status __wrap_sc_forecaster_update(sc_forecaster *fc, double y);
sc_status __wrap_sc_forecaster_update(sc_forecaster *fc, double y)
{
    TIMED(PH_UPDATE, __real_sc_forecaster_update(fc, y));
}

sc_status __real_sc_forecaster_predict(const sc_forecaster *fc, size_t h, const double *q,
                                       size_t nq, double *mean, double *quant, sc_error *err);
sc_status __wrap_sc_forecaster_predict(const sc_forecaster *fc, size_t h, const double *q,
                                       size_t nq, double *mean, double *quant, sc_error *err);
sc_status __wrap_sc_forecaster_predict(const sc_forecaster *fc, size_t h, const double *q,
                                       size_t nq, double *mean, double *quant, sc_error *err)
{
    TIMED(PH_PREDICT, __real_sc_forecaster_predict(fc, h, q, nq, mean, quant, err));
}

sc_status __real_sc_optimizer_solve(sc_optimizer *opt, const sc_opt_problem *p,
                                    sc_opt_solution *sol, sc_error *err);
sc_status __wrap_sc_optimizer_solve(sc_optimizer *opt, const sc_opt_problem *p,
                                    sc_opt_solution *sol, sc_error *err);
/* --check N: every Nth solve is repeated on GLPK alone (cfg.newsvendor = 0) and the
 * objectives compared; the repeat is outside the timers. */
static long check_every, n_checked, n_mismatch, n_xdiff;
static double worst_rel;

static void check_solve(const sc_opt_problem *p, const sc_opt_solution *sol)
{
    static sc_optimizer *ref;
    sc_error err;
    if (!ref) {
        sc_opt_config cfg;
        sc_opt_config_init(&cfg);
        cfg.newsvendor = 0;
        if (sc_optimizer_alloc("lp", &cfg, &ref, &err)) {
            sc_error_print(&err, stderr);
            exit(1);
        }
    }
    sc_opt_solution *s2 = NULL;
    if (sc_opt_solution_alloc(p->n_regions, p->n_geos, p->n_steps, p->n_quant, &s2, &err) ||
        __real_sc_optimizer_solve(ref, p, s2, &err)) {
        sc_error_print(&err, stderr);
        exit(1);
    }
    double rel = fabs(s2->objective_usd - sol->objective_usd) / (1.0 + fabs(s2->objective_usd));
    n_checked++;
    if (rel > worst_rel)
        worst_rel = rel;
    if (rel > 1e-7 && n_mismatch++ < 5)
        fprintf(stderr, "check: objective %.9g vs GLPK %.9g (methods %d, %d)\n",
                sol->objective_usd, s2->objective_usd, (int)sol->method, (int)s2->method);
    size_t nx = (size_t)p->n_regions * SC_PURCHASE_COUNT * (size_t)p->n_steps;
    n_xdiff += memcmp(s2->x, sol->x, nx * sizeof *sol->x) != 0;
    sc_opt_solution_free(s2);
}

sc_status __wrap_sc_optimizer_solve(sc_optimizer *opt, const sc_opt_problem *p,
                                    sc_opt_solution *sol, sc_error *err)
{
    if (check_every > 0 && (ph_calls[PH_OPT] + 1) % check_every == 0) {
        sc_status st = __real_sc_optimizer_solve(opt, p, sol, err);
        ph_calls[PH_OPT]++;
        if (!st)
            check_solve(p, sol);
        return st;
    }
    TIMED(PH_OPT, __real_sc_optimizer_solve(opt, p, sol, err));
}

sc_status __real_sc_rap_build(sc_rap *rap, const sc_rap_ctx *ctx, const sc_opt_problem *p,
                              const sc_opt_solution *sol, sc_error *err);
sc_status __wrap_sc_rap_build(sc_rap *rap, const sc_rap_ctx *ctx, const sc_opt_problem *p,
                              const sc_opt_solution *sol, sc_error *err);
sc_status __wrap_sc_rap_build(sc_rap *rap, const sc_rap_ctx *ctx, const sc_opt_problem *p,
                              const sc_opt_solution *sol, sc_error *err)
{
    TIMED(PH_PLAN, __real_sc_rap_build(rap, ctx, p, sol, err));
}

sc_status __real_sc_rap_to_plan(const sc_rap *rap, sc_time_ms until, sc_plan *plan);
sc_status __wrap_sc_rap_to_plan(const sc_rap *rap, sc_time_ms until, sc_plan *plan);
sc_status __wrap_sc_rap_to_plan(const sc_rap *rap, sc_time_ms until, sc_plan *plan)
{
    TIMED(PH_PLAN, __real_sc_rap_to_plan(rap, until, plan));
}

/* ---- scenario ------------------------------------------------------------------- */


/* The scale benchmark's scenario (bench/scale/scale.c) with the sculpt policy. */
static void make_scenario(buf *b, int apps, int regions, int days, const char *step,
                          const char *params)
{
    static const char *const zones[] = {
        "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles",
        "Europe/London", "Asia/Singapore", "Australia/Sydney", "America/Sao_Paulo",
        "Asia/Kolkata", "Africa/Johannesburg", "America/Chicago", "Europe/Paris",
        "Asia/Seoul", "Asia/Dubai", "America/Toronto", "Europe/Stockholm",
        "Asia/Hong_Kong", "America/Mexico_City", "Europe/Madrid", "Asia/Jakarta",
        "Pacific/Auckland", "Europe/Warsaw", "America/Bogota", "Asia/Manila"};
    put(b, "{\"name\": \"yearlong\", \"seed\": 1, \"start\": \"2024-01-01T00:00:00Z\",\n"
           " \"warmup\": \"1d\", \"duration\": \"%dd\", \"step\": \"%s\",\n \"geos\": [",
        days - 1, step);
    for (int r = 0; r < regions; r++)
        put(b, "%s{\"name\": \"g%d\", \"home_region\": \"r%d\", \"tz\": \"%s\"}", r ? "," : "",
            r, r, zones[r]);
    put(b, "],\n \"regions\": [");
    for (int r = 0; r < regions; r++)
        put(b,
            "%s{\"name\": \"r%d\", \"boot\": {\"dist\": \"lognormal\", \"median_s\": 97, "
            "\"p95_s\": 160}, \"spot_interrupt_per_hour\": 0.01, \"egress_per_gb\": 0.02, "
            "\"reserved_term\": \"365d\", \"types\": {\"m4.large\": {\"on_demand\": %.3f, "
            "\"reserved\": 0.062, \"spot\": 0.035}}}\n",
            r ? "," : "", r, 0.100 + 0.003 * r);
    put(b, "],\n \"instance_types\": [{\"name\": \"m4.large\", \"vcpu\": 2, \"mem_gib\": 8}],\n"
           " \"latency_ms\": {");
    for (int g = 0; g < regions; g++) {
        put(b, "%s\"g%d\": {", g ? "," : "", g);
        for (int r = 0; r < regions; r++)
            put(b, "%s\"r%d\": %d", r ? "," : "", r, g == r ? 15 : 60 + 10 * ((g + r) % 12));
        put(b, "}");
    }
    put(b, "},\n \"apps\": [");
    for (int a = 0; a < apps; a++) {
        double base = 50.0 + 4950.0 * sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 99, (uint64_t)a, 0));
        int init = (int)(base * 0.01 / 2.0 / 0.6) + 1;
        put(b,
            "%s{\"name\": \"app%d\", \"unit\": \"req/s\", \"instance_type\": \"m4.large\", "
            "\"needs\": {\"cpu\": 0.01}, \"target_util\": 0.6, \"min_instances\": 1, "
            "\"max_instances\": 5000, \"warmup\": \"60s\", \"latency\": {\"base_ms\": 30}, "
            "\"slo\": {\"latency_ms\": 150, \"max_unserved_frac\": 0.001, "
            "\"penalty_per_unit_hour\": 0.1}, \"demand\": [",
            a ? ",\n" : "", a);
        for (int g = 0; g < regions; g++)
            put(b, "%s{\"geo\": \"g%d\", \"trace\": \"t%d_%d\"}", g ? "," : "", g, a, g);
        put(b, "], \"initial\": [");
        for (int r = 0; r < regions; r++)
            put(b, "%s{\"region\": \"r%d\", \"count\": %d}", r ? "," : "", r, init);
        put(b, "]}");
    }
    put(b, "],\n \"traces\": [");
    for (int a = 0; a < apps; a++)
        for (int g = 0; g < regions; g++)
            put(b, "%s{\"name\": \"t%d_%d\", \"synthetic\": \"app%d/g%d/load\"}",
                a || g ? "," : "", a, g, a, g);
    put(b, "],\n \"synthetic\": {\"start\": \"2024-01-01T00:00:00Z\", \"duration\": \"%dd\", "
           "\"step\": \"%s\", \"geos\": [",
        days, step);
    for (int g = 0; g < regions; g++)
        put(b, "%s{\"name\": \"g%d\", \"tz\": \"%s\"}", g ? "," : "", g, zones[g]);
    put(b, "], \"apps\": [");
    for (int a = 0; a < apps; a++) {
        double u1 = sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 98, (uint64_t)a, 1));
        double u2 = sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 98, (uint64_t)a, 2));
        double base = 50.0 + 4950.0 * sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 99, (uint64_t)a, 0));
        put(b,
            "%s{\"name\": \"app%d\", \"unit\": \"req/s\", \"base\": %.1f, "
            "\"daily_amplitude\": %.3f, \"weekend_factor\": %.3f, \"peak_hour\": %d, "
            "\"trend_per_day\": 0.002, \"noise_sigma\": 0.06, \"noise_ar\": 0.9}",
            a ? ",\n" : "", a, base, 0.3 + 0.5 * u1, 0.5 + 0.4 * u2, 9 + (a % 13));
    }
    put(b, "], \"flash_crowds\": {\"rate_per_week\": 0.5}, "
           "\"campaigns\": {\"rate_per_week\": 0.3}},\n"
           " \"policies\": [{\"name\": \"sculpt\", \"params\": %s}],\n"
           " \"output\": {\"per_step\": false}}\n",
        params);
}

int main(int argc, char **argv)
{
    int apps = 100, regions = 5, days = 365;
    const char *step = "5m", *params = "{}";
    static const struct option opts[] = {{"apps", required_argument, NULL, 'a'},
                                         {"regions", required_argument, NULL, 'r'},
                                         {"days", required_argument, NULL, 'd'},
                                         {"step", required_argument, NULL, 's'},
                                         {"params", required_argument, NULL, 'p'},
                                         {"no-split", no_argument, NULL, 'n'},
                                         {"check", required_argument, NULL, 'c'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'a': apps = atoi(optarg); break;
        case 'r': regions = atoi(optarg); break;
        case 'd': days = atoi(optarg); break;
        case 's': step = optarg; break;
        case 'p': params = optarg; break;
        case 'n': split_on = 0; break;
        case 'c': check_every = atol(optarg); break;
        default:
            printf("usage: bench_yearlong [--apps 100] [--regions 5] [--days 365] [--step 5m] "
                   "[--params JSON] [--no-split] [--check N]\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (apps < 1 || regions < 1 || regions > 24 || days < 2) {
        fprintf(stderr, "bench_yearlong: need apps >= 1, 1 <= regions <= 24, days >= 2\n");
        return 2;
    }
    gsl_set_error_handler_off();
    buf b = {malloc(1 << 20), 0, 1 << 20};
    if (!b.p) {
        fprintf(stderr, "out of memory\n");
        return 1;
    }
    make_scenario(&b, apps, regions, days, step, params);

    sc_error err;
    sc_scenario *sc = NULL;
    double t0 = now_s(), c0 = cpu_s();
    if (sc_scenario_parse(b.p, "bench-yearlong.json", &sc, &err)) {
        sc_error_print(&err, stderr);
        return 2;
    }
    free(b.p);
    sc_sim_register();
    sc_world *w = NULL;
    if (sc_world_build(sc, &w, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    double t2 = now_s(), c2 = cpu_s();
    sc_run *run = NULL;
    if (sc_run_policy(w, &sc->policies[0], 0, &run, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    double t3 = now_s(), c3 = cpu_s();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);

    double run_wall = t3 - t2, run_cpu = c3 - c2;
    double scale = run_wall > 0 ? run_cpu / run_wall : 1.0;
    double fc_wall = ph_wall[PH_FIT] + ph_wall[PH_UPDATE] + ph_wall[PH_PREDICT];
    double in_phases = fc_wall + ph_wall[PH_OPT] + ph_wall[PH_PLAN];
    printf("yearlong: %d apps x %d regions x %d days, %s demand steps, sculpt %s\n", apps,
           regions, days, step, params);
    printf("                                  CPU s   share   calls\n");
    printf("  trace generation + layout    %8.2f\n", c2 - c0);
    printf("  simulation run               %8.2f  100.0%%\n", run_cpu);
    if (split_on) {
        printf("    simulation, policy other   %8.2f  %5.1f%%\n", (run_wall - in_phases) * scale,
               100 * (run_wall - in_phases) / run_wall);
        printf("    forecasting                %8.2f  %5.1f%%\n", fc_wall * scale,
               100 * fc_wall / run_wall);
        for (int i = PH_FIT; i <= PH_PREDICT; i++)
            printf("      %-22s   %8.2f  %5.1f%% %8ld\n", ph_name[i], ph_wall[i] * scale,
                   100 * ph_wall[i] / run_wall, ph_calls[i]);
        for (int i = PH_OPT; i < PH_N; i++)
            printf("    %-24s   %8.2f  %5.1f%% %8ld\n", ph_name[i], ph_wall[i] * scale,
                   100 * ph_wall[i] / run_wall, ph_calls[i]);
        printf("    (phase CPU = phase wall x run CPU/wall = %.3f)\n", scale);
    }
    printf("  total                        %8.2f   (wall %.2f s)\n", c3 - c0, t3 - t0);
    printf("  peak memory                  %8.1f MiB\n", ru.ru_maxrss / 1024.0);
    printf("  replans %ld (solves), decisions %ld, scaling actions %ld (launches %ld)\n",
           ph_calls[PH_OPT], run->sum.decisions, run->sum.actions, run->sum.launches);
    printf("  slo attainment %.5f, cost %.0f USD, penalised %.0f USD\n",
           run->sum.slo_attainment, run->sum.cost_usd, run->sum.penalised_cost_usd);
    if (check_every > 0)
        printf("  check: %ld solves repeated on GLPK, %ld objectives differ by > 1e-7, worst "
               "relative difference %.2e; %ld plans differ (ties)\n",
               n_checked, n_mismatch, worst_rel, n_xdiff);
    sc_run_free(run);
    sc_world_free(w);
    sc_scenario_free(sc);
    return 0;
}
