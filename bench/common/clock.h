/*
 * clock.h - the benchmarks' two clocks, shared by bench/scale, bench/optimizer and
 * bench/yearlong (include as "../common/clock.h"; needs _POSIX_C_SOURCE >= 199309L).
 *
 * now_s(): monotonic wall time in seconds.  cpu_s(): CPU time of the process in
 * seconds: on a shared machine, the better estimate of the wall time the same work
 * takes on a quiet core.
 */
#ifndef SC_BENCH_CLOCK_H
#define SC_BENCH_CLOCK_H

#include <time.h>

static inline double sc_bench_ts_s(clockid_t id)
{
    struct timespec ts;
    clock_gettime(id, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static inline double now_s(void) { return sc_bench_ts_s(CLOCK_MONOTONIC); }
static inline double cpu_s(void) { return sc_bench_ts_s(CLOCK_PROCESS_CPUTIME_ID); }

#endif
