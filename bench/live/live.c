/*
 * live.c - live-mode benchmark: the CPU time of one live step (observe, decide, journal,
 * apply) for many apps x regions, and the calls it makes.
 *
 *   bench_live [--apps 100] [--regions 10] [--days 2] [--policy reactive|snaive-predictive]
 *              [--execute] [--no-group-commit]
 *
 * A generated scenario (one synthetic series per app and geography, daily cycles in ten
 * time zones, noise, flash crowds) runs through sc_live_run with the mock cloud as the
 * provider (shadow mode), metrics replayed one 5-minute step at a time, the clock at
 * fast:1e12 (the loop never waits), the journal in a temporary directory.  Figures: CPU
 * seconds per decision (a decision = one live step of every app-region: snapshot,
 * policy, journal, orchestrator, provider calls) and per observed step, mutating calls
 * per decision against the app-regions (a pool already at its target gets no call), and
 * journal records.  Network time is not included: the provider is in-process.  Without
 * --execute the journal is not fsync'd (a dry run); with it every record is, as in a
 * run that changes a real cloud (the mock still answers), which measures the journal's
 * durability cost per call.
 * Target (issue 12): one live step for 100 apps x 10 regions under 1 s of CPU.
 */
#define _POSIX_C_SOURCE 200809L
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "sculpt/live.h"
#include "sculpt/rng.h"
#include "sculpt/scenario.h"
#include "sculpt/sculpt.h"
#include "../common/clock.h"
#include "../common/textbuf.h"


int main(int argc, char **argv)
{
    int apps = 100, regions = 10, days = 2;
    const char *policy = "reactive";
    int execute = 0, no_group = 0;
    static const struct option opts[] = {{"apps", required_argument, NULL, 'a'},
                                         {"regions", required_argument, NULL, 'r'},
                                         {"days", required_argument, NULL, 'd'},
                                         {"policy", required_argument, NULL, 'p'},
                                         {"execute", no_argument, NULL, 'x'},
                                         {"no-group-commit", no_argument, NULL, 'g'},
                                         {"help", no_argument, NULL, 'h'},
                                         {NULL, 0, NULL, 0}};
    int ch;
    while ((ch = getopt_long(argc, argv, "h", opts, NULL)) != -1) {
        switch (ch) {
        case 'a': apps = atoi(optarg); break;
        case 'r': regions = atoi(optarg); break;
        case 'd': days = atoi(optarg); break;
        case 'p': policy = optarg; break;
        case 'x': execute = 1; break;
        case 'g': no_group = 1; break;
        default:
            printf("usage: bench_live [--apps N] [--regions R] [--days D] [--policy NAME] "
                   "[--execute] [--no-group-commit]\n");
            return ch == 'h' ? 0 : 2;
        }
    }
    if (apps < 1 || regions < 1 || regions > 10 || days < 2) {
        fprintf(stderr, "bench_live: need apps >= 1, 1 <= regions <= 10, days >= 2\n");
        return 2;
    }
    if (sc_global_init() != SC_OK)
        return 1;
    static const char *const zones[] = {"America/New_York", "Europe/Berlin", "Asia/Tokyo",
                                        "America/Los_Angeles", "Europe/London",
                                        "Asia/Singapore", "Australia/Sydney",
                                        "America/Sao_Paulo", "Asia/Kolkata",
                                        "Africa/Johannesburg"};
    buf b = {malloc(1 << 20), 0, 1 << 20};
    put(&b, "{\"name\": \"bench-live\", \"seed\": 1, \"start\": \"2024-01-01T00:00:00Z\",\n"
            " \"warmup\": \"1d\", \"duration\": \"%dd\", \"step\": \"5m\",\n \"geos\": [",
        days - 1);
    for (int r = 0; r < regions; r++)
        put(&b, "%s{\"name\": \"g%d\", \"home_region\": \"r%d\", \"tz\": \"%s\"}", r ? "," : "",
            r, r, zones[r]);
    put(&b, "],\n \"regions\": [");
    for (int r = 0; r < regions; r++)
        put(&b,
            "%s{\"name\": \"r%d\", \"boot\": {\"dist\": \"const\", \"value_s\": 90}, "
            "\"spot_interrupt_per_hour\": 0, \"egress_per_gb\": 0.02, "
            "\"reserved_term\": \"365d\", \"types\": {\"m4.large\": {\"on_demand\": 0.1, "
            "\"reserved\": 0.062, \"spot\": 0.035}}}\n",
            r ? "," : "", r);
    put(&b, "],\n \"instance_types\": [{\"name\": \"m4.large\", \"vcpu\": 2, \"mem_gib\": 8}],\n"
            " \"latency_ms\": {");
    for (int g = 0; g < regions; g++) {
        put(&b, "%s\"g%d\": {", g ? "," : "", g);
        for (int r = 0; r < regions; r++)
            put(&b, "%s\"r%d\": %d", r ? "," : "", r, g == r ? 15 : 80);
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
        double base = 50.0 + 4950.0 * sc_rng_u01(sc_rng_key(1, SC_RNG_TRACE, 99, (uint64_t)a, 0));
        put(&b,
            "%s{\"name\": \"app%d\", \"unit\": \"req/s\", \"base\": %.1f, "
            "\"daily_amplitude\": 0.5, \"weekend_factor\": 0.8, \"peak_hour\": %d, "
            "\"noise_sigma\": 0.06, \"noise_ar\": 0.9}",
            a ? ",\n" : "", a, base, 9 + (a % 13));
    }
    put(&b, "], \"flash_crowds\": {\"rate_per_week\": 0.5}},\n"
            " \"policies\": [{\"name\": \"%s\"}]}\n",
        policy);
    sc_error err;
    sc_scenario *sc = NULL;
    if (sc_scenario_parse(b.p, "bench-live.json", &sc, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    free(b.p);
    char dir[] = "/tmp/bench-live-XXXXXX", jpath[64];
    if (!mkdtemp(dir))
        return 3;
    snprintf(jpath, sizeof jpath, "%s/journal", dir);
    sc_live_config cfg = {.sc = sc, .policy = &sc->policies[0], .metrics = "replay",
                          .provider = "mock", .journal_path = jpath, .clock_speed = 1e12,
                          .execute = execute, .no_group_commit = no_group};
    sc_live_summary s;
    double t0 = now_s(), c0 = cpu_s();
    if (sc_live_run(&cfg, &s, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    double t1 = now_s(), c1 = cpu_s();
    /* the same run again on the journal: pure replay */
    sc_live_summary s2;
    if (sc_live_run(&cfg, &s2, &err)) {
        sc_error_print(&err, stderr);
        return 1;
    }
    double c2 = cpu_s();
    unlink(jpath);
    rmdir(dir);
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    int ar = apps * regions;
    printf("live: %d apps x %d regions (%d app-regions), %d days at 5-minute steps, %s, "
           "mock provider, journal %s\n",
           apps, regions, ar, days, policy, execute ? "fsync'd (--execute)" : "not fsync'd");
    printf("  run (incl. building the world) %.2f s wall, %.2f s CPU\n", t1 - t0, c1 - c0);
    printf("  steps observed %ld, decisions %ld\n", s.steps, s.decisions);
    printf("  CPU per decision   %.3g s (one live step of all %d app-regions)\n",
           (c1 - c0) / (double)s.decisions, ar);
    printf("  CPU per 5-min step %.3g s\n", (c1 - c0) / (double)s.steps);
    printf("  mutating calls     %ld = %.2f per decision for %d app-regions (%.2f %%)\n",
           s.calls_mutating, (double)s.calls_mutating / (double)s.decisions, ar,
           100.0 * (double)s.calls_mutating / (double)s.decisions / ar);
    printf("  read-only calls    %ld (one snapshot per decision)\n", s.calls_read_only);
    printf("  journal records    %ld, fsyncs %ld (before close)\n", s.journal_written,
           s.journal_fsyncs);
    printf("  replay of the journal: %.2f s CPU, %ld calls replayed, %ld mutating\n", c2 - c1,
           s2.journal_replayed, s2.calls_mutating);
    printf("  peak memory        %.1f MiB\n", ru.ru_maxrss / 1024.0);
    sc_scenario_free(sc);
    return 0;
}
