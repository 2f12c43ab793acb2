/*
 * scale.c - scale benchmark: many apps x regions x days at 5-minute demand steps with the
 * reactive (HPA) policy syncing every 60 s, on a generated multi-region trace (daily and
 * weekly cycles per time zone, trend, autocorrelated noise, flash crowds, campaigns).
 *
 *   bench_scale [--apps 1000] [--regions 10] [--days 30] [--sync 60s] [--window N|whole]
 *
 * Prints the wall time of trace generation + layout and of the simulation, simulated
 * app-region-hours per wall second, peak resident memory, and the number of scaling
 * actions (so that a flat trace cannot pass).  Target (issue 2): 1000 x 10 x 30 days
 * under 60 s on one core and under 2 GiB.  Issue 13: 2000 x 10 x 30 days under 2 GiB
 * (refused by the old 10^8-sample cap); the peak is printed next to the world's
 * footprint estimate (sc_world_footprint).
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include <gsl/gsl_errno.h>

#include "sculpt/rng.h"
#include "sculpt/scenario.h"
#include "sim.h"
#include "../common/clock.h"
#include "../common/textbuf.h"


/* The decision log handed over step by step (sc_run_opts.log_sink): counted, not held. */
static int count_log(void *ctx, const sc_action_log *entries, size_t n)
{
    (void)entries;
    *(size_t *)ctx += n;
    return 0;
}

int main(int argc, char **argv)
{
    int apps = 1000, regions = 10, days = 30;
    const char *sync = "60s";
    int64_t window = 0; /* sc_world_build_layout: 0 automatic, -1 whole, N steps */
    static const struct option opts[] = {{"apps", required_argument, NULL, 'a'},
                                         {"regions", required_argument, NULL, 'r'},
                                         {"days", required_argument, NULL, 'd'},
                                         {"sync", required_argument, NULL, 's'},
                                         {"window", required_argument, NULL, 'w'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'a': apps = atoi(optarg); break;
        case 'r': regions = atoi(optarg); break;
        case 'd': days = atoi(optarg); break;
        case 's': sync = optarg; break;
        case 'w': window = strcmp(optarg, "whole") == 0 ? -1 : atoll(optarg); break;
        default:
            printf("usage: bench_scale [--apps N] [--regions R] [--days D] [--sync 60s] "
                   "[--window N|whole]\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (apps < 1 || regions < 1 || regions > 24 || days < 2) {
        fprintf(stderr, "bench_scale: need apps >= 1, 1 <= regions <= 24, days >= 2\n");
        return 2;
    }
    gsl_set_error_handler_off();
    static const char *const zones[] = {
        "America/New_York", "Europe/Berlin", "Asia/Tokyo", "America/Los_Angeles",
        "Europe/London", "Asia/Singapore", "Australia/Sydney", "America/Sao_Paulo",
        "Asia/Kolkata", "Africa/Johannesburg", "America/Chicago", "Europe/Paris",
        "Asia/Seoul", "Asia/Dubai", "America/Toronto", "Europe/Stockholm",
        "Asia/Hong_Kong", "America/Mexico_City", "Europe/Madrid", "Asia/Jakarta",
        "Pacific/Auckland", "Europe/Warsaw", "America/Bogota", "Asia/Manila"};
    buf b = {malloc(1 << 20), 0, 1 << 20};
    put(&b, "{\"name\": \"scale\", \"seed\": 1, \"start\": \"2024-01-01T00:00:00Z\",\n"
            " \"warmup\": \"1d\", \"duration\": \"%dd\", \"step\": \"5m\",\n \"geos\": [",
        days - 1);
    for (int r = 0; r < regions; r++)
        put(&b, "%s{\"name\": \"g%d\", \"home_region\": \"r%d\", \"tz\": \"%s\"}", r ? "," : "",
            r, r, zones[r]);
    put(&b, "],\n \"regions\": [");
    for (int r = 0; r < regions; r++)
        put(&b,
            "%s{\"name\": \"r%d\", \"boot\": {\"dist\": \"lognormal\", \"median_s\": 97, "
            "\"p95_s\": 160}, \"spot_interrupt_per_hour\": 0.01, \"egress_per_gb\": 0.02, "
            "\"reserved_term\": \"365d\", \"types\": {\"m4.large\": {\"on_demand\": %.3f, "
            "\"reserved\": 0.062, \"spot\": 0.035}}}\n",
            r ? "," : "", r, 0.100 + 0.003 * r);
    put(&b, "],\n \"instance_types\": [{\"name\": \"m4.large\", \"vcpu\": 2, \"mem_gib\": 8}],\n"
            " \"latency_ms\": {");
    for (int g = 0; g < regions; g++) {
        put(&b, "%s\"g%d\": {", g ? "," : "", g);
        for (int r = 0; r < regions; r++)
            put(&b, "%s\"r%d\": %d", r ? "," : "", r, g == r ? 15 : 60 + 10 * ((g + r) % 12));
        put(&b, "}");
    }
    put(&b, "},\n \"apps\": [");
    for (int a = 0; a < apps; a++) {
        double base = 50.0 + 4950.0 * sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 99, (uint64_t)a, 0));
        int init = (int)(base * 0.01 / 2.0 / 0.6) + 1;
        put(&b,
            "%s{\"name\": \"app%d\", \"unit\": \"req/s\", \"instance_type\": \"m4.large\", "
            "\"needs\": {\"cpu\": 0.01}, \"target_util\": 0.6, \"min_instances\": 1, "
            "\"max_instances\": 5000, \"warmup\": \"60s\", \"latency\": {\"base_ms\": 30}, "
            "\"slo\": {\"latency_ms\": 150, \"max_unserved_frac\": 0.001, "
            "\"penalty_per_unit_hour\": 0.1}, \"demand\": [",
            a ? ",\n" : "", a);
        for (int g = 0; g < regions; g++)
            put(&b, "%s{\"geo\": \"g%d\", \"trace\": \"t%d_%d\"}", g ? "," : "", g, a, g);
        put(&b, "], \"initial\": [");
        for (int r = 0; r < regions; r++)
            put(&b, "%s{\"region\": \"r%d\", \"count\": %d}", r ? "," : "", r, init);
        put(&b, "]}");
    }
    put(&b, "],\n \"traces\": [");
    for (int a = 0; a < apps; a++)
        for (int g = 0; g < regions; g++)
            put(&b, "%s{\"name\": \"t%d_%d\", \"synthetic\": \"app%d/g%d/load\"}",
                a || g ? "," : "", a, g, a, g);
    put(&b, "],\n \"synthetic\": {\"start\": \"2024-01-01T00:00:00Z\", \"duration\": \"%dd\", "
            "\"step\": \"5m\", \"geos\": [",
        days);
    for (int g = 0; g < regions; g++)
        put(&b, "%s{\"name\": \"g%d\", \"tz\": \"%s\"}", g ? "," : "", g, zones[g]);
    put(&b, "], \"apps\": [");
    for (int a = 0; a < apps; a++) {
        double u1 = sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 98, (uint64_t)a, 1));
        double u2 = sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 98, (uint64_t)a, 2));
        double base = 50.0 + 4950.0 * sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 99, (uint64_t)a, 0));
        put(&b,
            "%s{\"name\": \"app%d\", \"unit\": \"req/s\", \"base\": %.1f, "
            "\"daily_amplitude\": %.3f, \"weekend_factor\": %.3f, \"peak_hour\": %d, "
            "\"trend_per_day\": 0.002, \"noise_sigma\": 0.06, \"noise_ar\": 0.9}",
            a ? ",\n" : "", a, base, 0.3 + 0.5 * u1, 0.5 + 0.4 * u2, 9 + (a % 13));
    }
    put(&b, "], \"flash_crowds\": {\"rate_per_week\": 0.5}, "
            "\"campaigns\": {\"rate_per_week\": 0.3}},\n"
            " \"policies\": [{\"name\": \"reactive\", \"params\": {\"sync\": \"%s\"}}],\n"
            " \"output\": {\"per_step\": false}}\n",
        sync);

    sc_error err;
    sc_scenario *sc = NULL;
    double t0 = now_s(), c0 = cpu_s();
    if (sc_scenario_parse(b.p, "bench-scale.json", &sc, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    free(b.p);
    sc_sim_register();
    double t1 = now_s(), c1 = cpu_s();
    sc_world *w = NULL;
    if (sc_world_build_layout(sc, window, &w, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    double t2 = now_s(), c2 = cpu_s();
    struct rusage ru_w; /* the peak of generation + layout, before the run's own memory */
    getrusage(RUSAGE_SELF, &ru_w);
    sc_run *run = NULL;
    size_t n_log = 0;
    sc_run_opts ro = {.per_step = 0, .log_sink = count_log, .log_ctx = &n_log};
    if (sc_run_policy_opts(w, &sc->policies[0], &ro, &run, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    double t3 = now_s(), c3 = cpu_s();
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    double ar_hours = (double)apps * regions * (double)w->n_steps * (double)sc->step_ms / 3.6e6;
    printf("scale: %d apps x %d regions x %d days, 5-minute steps, reactive sync %s\n", apps,
           regions, days, sync);
    printf("                          wall s    CPU s\n");
    printf("  parse scenario        %8.2f %8.2f\n", t1 - t0, c1 - c0);
    printf("  generate + lay out    %8.2f %8.2f\n", t2 - t1, c2 - c1);
    printf("  simulate              %8.2f %8.2f\n", t3 - t2, c3 - c2);
    printf("  total                 %8.2f %8.2f\n", t3 - t0, c3 - c0);
    printf("  app-region-hours / s  %8.3g (simulation only, per CPU second)\n",
           ar_hours / (c3 - c2));
    printf("  peak memory           %8.1f MiB (after layout %.1f MiB; world footprint "
           "estimate %.1f MiB)\n",
           ru.ru_maxrss / 1024.0, ru_w.ru_maxrss / 1024.0, sc_world_footprint(sc) / 1048576.0);
    if (w->window > 0)
        printf("  layout                windowed, %lld steps a window (windowed estimate with "
               "no look-back %.1f MiB)\n",
               (long long)w->window, sc_world_footprint_windowed(sc, w->window, 0) / 1048576.0);
    else
        printf("  layout                whole run\n");
    printf("  scaling actions       %8ld (launches %ld, decisions %ld)\n", (long)n_log,
           run->sum.launches, run->sum.decisions);
    printf("  slo attainment        %8.4f, cost %.0f USD\n", run->sum.slo_attainment,
           run->sum.cost_usd);
    sc_run_free(run);
    sc_world_free(w);
    sc_scenario_free(sc);
    return 0;
}
