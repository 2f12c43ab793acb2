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
