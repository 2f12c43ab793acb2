/*
 * test_report_route.c - `sculpt report` on a routed run (reports/src/report_plot.c):
 * a "where load is served" plot for each run whose routing differs from the first
 * run's, and the cost-attainment plot of the policies.  Runs the real CLI on
 * scenarios/region-outage.json (us-east-1 is lost for two hours: failover moves its
 * load, home routing does not).
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DIR SC_BINARY_DIR "/test_report_route.d"

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 && st.st_size > 0;
}

static void sh(const char *cmd)
{
    int rc = system(cmd);
    cr_assert_eq(rc, 0, "%s: exit %d", cmd, rc);
}

Test(report_route, routing_plot_for_a_routed_run_only)
{
    sh("rm -rf '" DIR "' && mkdir -p '" DIR "'");
    sh("'" SC_SCULPT_BIN "' run '" SC_SOURCE_DIR "/scenarios/region-outage.json' --policy reactive"
       " --policy reactive-failover -j 1 -o '" DIR "/r.h5' > /dev/null");
    sh("'" SC_SCULPT_BIN "' report '" DIR "/r.h5' -o '" DIR "/rep' --format png > /dev/null");
    cr_assert(exists(DIR "/rep/plots/routing_1_reactive-failover.png"));
    cr_assert(exists(DIR "/rep/plots/cost_attainment.png"));
    cr_assert(exists(DIR "/rep/gnuplot/routing_1_reactive-failover.dat"));
    /* the first run (home routing) is the reference: no plot of its own */
    cr_assert(!exists(DIR "/rep/plots/routing_0_reactive.png"));
    /* shares of the routed run: three regions, each row sums to 100 % */
    FILE *f = fopen(DIR "/rep/gnuplot/routing_1_reactive-failover.dat", "r");
    cr_assert(f != NULL);
    char line[512];
    int rows = 0, zero_east = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        double t, s1, s2, s3;
        cr_assert_eq(sscanf(line, "%lf %lf %lf %lf", &t, &s1, &s2, &s3), 4, "%s", line);
        cr_assert_float_eq(s1 + s2 + s3, 100.0, 1e-6, "%s", line);
        zero_east += s1 < 1e-9; /* us-east-1 inside its outage: its load failed over */
        rows++;
    }
    fclose(f);
    cr_assert_gt(rows, 0);
    cr_assert_gt(zero_east, 0);
    /* the html page shows both */
    sh("grep -q 'plots/routing_1_reactive-failover.png' '" DIR "/rep/index.html'");
    sh("grep -q 'plots/cost_attainment.png' '" DIR "/rep/index.html'");
    /* two home-routed runs: no routing plot */
    sh("'" SC_SCULPT_BIN "' run '" SC_SOURCE_DIR "/scenarios/region-outage.json' --policy static"
       " --policy reactive -j 1 -o '" DIR "/h.h5' > /dev/null");
    sh("'" SC_SCULPT_BIN "' report '" DIR "/h.h5' -o '" DIR "/reph' --format png > /dev/null");
    sh("! ls '" DIR "/reph/plots/' | grep -q routing_");
    sh("rm -rf '" DIR "'");
}

/* Where each geography is served (issue 11): a results file of a routed run holds
 * series/<app>/<region>/share.<geo> and route_latency.<geo>; the report draws the shares
 * of a geography whose routing changes (New York, failed over while us-east-1 is down,
 * by sculpt's routing plan, its default here), each row summing to 100 %, and not of
 * one that stays at home (California: us-west-2 loses 30 % of its capacity, which no
 * health check sees). */
Test(report_route, shares_per_geography_over_time)
{
    sh("rm -rf '" DIR "g' && mkdir -p '" DIR "g'");
    sh("'" SC_SCULPT_BIN "' run '" SC_SOURCE_DIR "/scenarios/region-outage.json' --policy sculpt"
       " -j 1 -o '" DIR "g/r.h5' > /dev/null");
    sh("h5ls -r '" DIR "g/r.h5' | grep -q 'sculpt/series/web/us-east-2/share.ny'");
    sh("h5ls -r '" DIR "g/r.h5' | grep -q 'sculpt/series/web/us-east-1/route_latency.ny'");
    sh("'" SC_SCULPT_BIN "' report '" DIR "g/r.h5' -o '" DIR "g/rep' --format png > /dev/null");
    cr_assert(exists(DIR "g/rep/plots/geo_routing_0_sculpt_web_ny.png"));
    cr_assert(!exists(DIR "g/rep/plots/geo_routing_0_sculpt_web_cal.png"));
    FILE *f = fopen(DIR "g/rep/gnuplot/geo_routing_0_sculpt_web_ny.dat", "r");
    cr_assert(f != NULL);
    char line[512];
    int rows = 0, away = 0;
    while (fgets(line, sizeof line, f)) {
        if (line[0] == '#')
            continue;
        double t, s1, s2, s3;
        cr_assert_eq(sscanf(line, "%lf %lf %lf %lf", &t, &s1, &s2, &s3), 4, "%s", line);
        cr_assert_float_eq(s1 + s2 + s3, 100.0, 1e-6, "%s", line);
        away += s1 < 50.0;
        rows++;
    }
    fclose(f);
    /* 14 measured days of 5-minute steps; the outage is 2 h = 24 steps, of which the
     * first (detection 90 s, the decision at the next 5-minute step, propagation 60 s)
     * still has New York mostly at home */
    cr_assert_eq(rows, 14 * 288);
    cr_assert_geq(away, 20, "New York left us-east-1 in %d steps of its 24-step outage", away);
    cr_assert_leq(away, 30);
    sh("grep -q 'p95 of its worst route latency' '" DIR "g/rep/index.html'");
    sh("rm -rf '" DIR "g'");
}
