/*
 * bench_h5probe - what the untrusted-HDF5 probe (core/base/h5probe.c) costs, side by
 * side with the plain open it guards and the read that follows it.
 *
 *   bench_h5probe FILE.h5 [ROUNDS]     (default 200 rounds)
 *
 * Each round, in this order, on the same file (hot in the page cache):
 *   open   H5Fopen + H5Fclose: what every reader did before the probe;
 *   probe  sc_h5_probe_run: fork, a child that walks the whole file under limits,
 *          waitpid (the verdict not remembered);
 *   read   sc_results_open(FILE, runs + meta + sweep) as `sculpt report` reads it, with
 *          the probe's verdict remembered (as from the second open of a report on):
 *          the work the probe is added to.
 * Printed per kind: median, 10th and 90th percentile wall time in ms, and the CPU time
 * per round (this process: CLOCK_PROCESS_CPUTIME_ID; the probe's child: getrusage
 * RUSAGE_CHILDREN).  On a shared machine CPU time is the better estimate of what a
 * quiet core takes; compare the columns of one run.  The probe's level comes from
 * SCULPT_H5_PROBE (off, headers, attrs, full), as in sculpt.
 */
#define _GNU_SOURCE
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

#include "../../core/base/h5util.h"
#include "../common/clock.h"
#include "results.h"

static int cmp_d(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static void report(const char *what, double *t, int n)
{
    qsort(t, (size_t)n, sizeof *t, cmp_d);
    printf("%-6s median %8.3f ms   p10 %8.3f ms   p90 %8.3f ms\n", what, 1e3 * t[n / 2],
           1e3 * t[n / 10], 1e3 * t[(n * 9) / 10]);
}

static double child_cpu_s(void)
{
    struct rusage ru;
    getrusage(RUSAGE_CHILDREN, &ru);
    return (double)ru.ru_utime.tv_sec + 1e-6 * (double)ru.ru_utime.tv_usec +
           (double)ru.ru_stime.tv_sec + 1e-6 * (double)ru.ru_stime.tv_usec;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_h5probe FILE.h5 [ROUNDS]\n");
        return 2;
    }
    const char *path = argv[1];
    int n = argc > 2 ? atoi(argv[2]) : 200;
    int depth = sc_h5_probe_depth_default();
    if (n < 10)
        n = 10;
    double *t_open = calloc((size_t)n, sizeof(double)), *t_probe = calloc((size_t)n, sizeof(double)),
           *t_read = calloc((size_t)n, sizeof(double));
    if (!t_open || !t_probe || !t_read)
        return 1;
    H5Eset_auto2(H5E_DEFAULT, NULL, NULL);
    char why[256];
    if (sc_h5_probe(path, why, sizeof why) != SC_H5_PROBE_CLEAN) {
        fprintf(stderr, "%s: not clean: %s\n", path, why);
        return 1;
    }
    double cpu_children = 0, cpu_open = 0, cpu_probe = 0, cpu_read = 0;
    for (int i = 0; i < n; i++) {
        double u0 = cpu_s();
        double t0 = now_s();
        hid_t f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
        if (f < 0)
            return 1;
        H5Fclose(f);
        double t1 = now_s(), u1 = cpu_s();
        double c0 = child_cpu_s();
        if (sc_h5_probe_run(path, depth, why, sizeof why) != SC_H5_PROBE_CLEAN)
            return 1;
        double t2 = now_s(), u2 = cpu_s();
        cpu_children += child_cpu_s() - c0;
        sc_results_file *r = NULL;
        sc_error err;
        if (sc_results_open(path, SC_RESULTS_READ_RUNS | SC_RESULTS_READ_META |
                                      SC_RESULTS_READ_SWEEP, &r, &err) != SC_OK) {
            fprintf(stderr, "%s: %s\n", err.where, err.msg);
            return 1;
        }
        sc_results_file_free(r);
        double t3 = now_s(), u3 = cpu_s();
        cpu_open += u1 - u0;
        cpu_probe += u2 - u1;
        cpu_read += u3 - u2;
        t_open[i] = t1 - t0;
        t_probe[i] = t2 - t1;
        t_read[i] = t3 - t2;
    }
    printf("%s, %d rounds, probe level %d (SCULPT_H5_PROBE)\n", path, n, depth);
    report("open", t_open, n);
    report("probe", t_probe, n);
    report("read", t_read, n);
    printf("CPU per round: open %.3f ms, probe %.3f ms (parent: fork, wait) + %.3f ms "
           "(child), read %.3f ms\n", 1e3 * cpu_open / n, 1e3 * cpu_probe / n,
           1e3 * cpu_children / n, 1e3 * cpu_read / n);
    free(t_open);
    free(t_probe);
    free(t_read);
    return 0;
}
