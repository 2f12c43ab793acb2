/*
 * parse.c - sc_time_parse() alone: naive timestamps read in UTC and in a zone.
 *
 * Prints the CPU time per call (clock(), median of 5 interleaved rounds of 200,000 calls
 * each) of the same 200,000 hourly timestamps (2000-2022) read with tz = NULL and with
 * tz = ZONE, and their ratio.  Built by bench/import/run.sh against a libsculpt.a, so
 * the same file measures the library before and after a change.
 * Usage: bench_parse [ZONE]   (default Europe/London)
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sculpt/time.h"

#define N 200000
#define ROUNDS 5

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double run(char (*ts)[24], const char *tz, long long *sum)
{
    clock_t c0 = clock();
    for (int i = 0; i < N; i++) {
        sc_time_ms t;
        sc_status st = sc_time_parse(ts[i], tz, &t);
        if (st == SC_ERR_RANGE && tz)
            continue; /* a local time in a daylight-saving gap, refused (issue 13) */
        if (st != SC_OK) {
            fprintf(stderr, "bench_parse: cannot parse %s in %s\n", ts[i], tz ? tz : "UTC");
            exit(1);
        }
        *sum += t;
    }
    return (double)(clock() - c0) / CLOCKS_PER_SEC;
}

int main(int argc, char **argv)
{
    const char *zone = argc > 1 ? argv[1] : "Europe/London";
    char(*ts)[24] = malloc(sizeof(char[24]) * N);
    if (!ts)
        return 1;
    for (int i = 0; i < N; i++) {
        char buf[32];
        sc_time_format((sc_time_ms)i * SC_MS_PER_HOUR + INT64_C(946684800000), buf, sizeof buf);
        buf[10] = ' ';
        buf[19] = '\0'; /* "YYYY-MM-DD HH:MM:SS", naive */
        memcpy(ts[i], buf, 20);
    }
    double u[ROUNDS], z[ROUNDS];
    long long sum = 0;
    for (int r = 0; r < ROUNDS; r++) {
        u[r] = run(ts, NULL, &sum);
        z[r] = run(ts, zone, &sum);
    }
    qsort(u, ROUNDS, sizeof u[0], cmp);
    qsort(z, ROUNDS, sizeof z[0], cmp);
    printf("sc_time_parse: UTC %.1f ns/call, %s %.1f ns/call, ratio %.2f (checksum %lld)\n",
           u[ROUNDS / 2] / N * 1e9, zone, z[ROUNDS / 2] / N * 1e9, z[ROUNDS / 2] / u[ROUNDS / 2],
           sum);
    free(ts);
    return 0;
}
