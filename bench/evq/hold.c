/*
 * hold.c - HOLD benchmark of the event queue (sim/evq.c) against C++
 * std::priority_queue (hold_peer.cpp), in one process.
 *
 * The HOLD model (Vaucher & Duval, CACM 18(4) 1975; Jones, CACM 29(4) 1986): fill the
 * queue with N events, then repeat M times: pop the minimum and push a new event at the
 * popped time plus a random increment.  The queue size stays N, so the cost per hold
 * operation at size N is measured in the steady state a simulator lives in.
 *
 * Fairness:
 *  - both queues hold the same 32-byte event ordered by (time, seq), ties in insertion
 *    order, and see the same pre-generated increments (one array, indexed identically);
 *  - both are compiled with -O2 (no -march=native) and run in this one process, in
 *    alternation (ours first on even repetitions, the peer first on odd ones), R times
 *    each; the median time is reported;
 *  - after every run the popped sequence is checked: sum of times, sum of seqs and an
 *    order-sensitive hash must be equal, or the program stops with exit code 1;
 *  - the pre-fill is not timed; neither queue allocates during the timed loop (the peer's
 *    vector is reserved to N + 1, ours gets capacity hint N + 1).
 *
 * Increments are in ms, drawn by inverse transform from uniforms of a SplitMix64
 * counter stream (sc_rng_u01), seed fixed:
 *   exp      exponential, mean 1000 ms (rounded to ms, so times tie often)
 *   uniform  uniform integer in [0, 2000] ms, mean 1000 ms
 *   bimodal  0.9 x uniform [0, 200] + 0.1 x uniform [0, 18200] ms, mean 1000 ms (Jones'
 *            bimodal shape: most events soon, a few far ahead)
 *
 * A cancel-heavy variant (ours only: std::priority_queue cannot cancel) marks 10 % of
 * the pushes for cancellation and cancels each about N/10 hold operations later,
 * pushing a replacement when the cancel succeeds, so the size stays about N.
 *
 * Usage: bench_evq [--reps R] [--scale F] [--sizes N,N,...] [--dist exp,uniform,bimodal]
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime, strtok_r */

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "evq.h"
#include "hold.h"
#include "sculpt/rng.h"

#define INCR_BITS 20 /* 2^20 increments >= the largest pre-fill of 10^6 */
#define INCR_LEN ((size_t)1 << INCR_BITS)
#define MAX_REPS 31

double hold_now(void)
{
    struct timespec ts;
    /* CPU time of this thread: the machine is shared, so time spent descheduled would
       otherwise be charged to whichever queue was running */
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static double draw(const char *dist, uint64_t seed, size_t i)
{
    double u = sc_rng_u01(sc_rng_mix64(seed) ^ (uint64_t)i * UINT64_C(0x9e3779b97f4a7c15));
    if (strcmp(dist, "uniform") == 0)
        return floor(u * 2001.0);
    if (strcmp(dist, "bimodal") == 0) {
        double v = sc_rng_u01(sc_rng_mix64(seed + 1) ^ (uint64_t)i * UINT64_C(0xd1b54a32d192ed03));
        return u < 0.9 ? floor(v * 201.0) : floor(v * 18201.0);
    }
    return floor(-1000.0 * log(u) + 0.5); /* exp */
}

static int hold_run_ours(size_t n, size_t m, const int64_t *incr, size_t mask,
                         hold_result *res)
{
    sc_evq *q;
    if (sc_evq_alloc(n + 1, &q) != SC_OK)
        return -1;
    uint64_t seq = 0;
    for (size_t i = 0; i < n; i++, seq++)
        if (sc_evq_push(q, incr[i & mask], (uint32_t)(seq & 7), (uint32_t)seq, seq, NULL))
            goto err;
    uint64_t st = 0, ss = 0, h = 0;
    double t0 = hold_now();
    for (size_t i = 0; i < m; i++, seq++) {
        sc_event e;
        sc_evq_pop(q, &e);
        st += (uint64_t)e.time;
        ss += e.seq;
        h = h * 31 + ((uint64_t)e.time ^ e.seq);
        if (sc_evq_push(q, e.time + incr[(n + i) & mask], (uint32_t)(seq & 7),
                        (uint32_t)seq, seq, NULL))
            goto err;
    }
    res->seconds = hold_now() - t0;
    res->sum_time = st;
    res->sum_seq = ss;
    res->order_hash = h;
    sc_evq_free(q);
    return 0;
err:
    sc_evq_free(q);
    return -1;
}

/* Cancel-heavy HOLD on ours: returns hold operations per second; *cancelled gets the
 * number of successful cancels. */
static int hold_run_cancel(size_t n, size_t m, const int64_t *incr, size_t mask,
                           double *seconds, size_t *cancelled, size_t *cap_growth)
{
    sc_evq *q;
    if (sc_evq_alloc(n + 1, &q) != SC_OK)
        return -1;
    size_t ring_len = n / 100 > 0 ? n / 100 : 1; /* 10 % marked => cancelled ~N/10 later */
    uint64_t *ring = calloc(ring_len, sizeof *ring);
    if (!ring) {
        sc_evq_free(q);
        return -1;
    }
    size_t ring_pos = 0, ncancel = 0;
    for (size_t i = 0; i < n; i++)
        if (sc_evq_push(q, incr[i & mask], 0, 0, i, NULL))
            goto err;
    size_t cap0 = sc_evq_capacity(q);
    double t0 = hold_now();
    for (size_t i = 0; i < m; i++) {
        sc_event e;
        sc_evq_pop(q, &e);
        int64_t inc = incr[(n + i) & mask];
        uint64_t hdl;
        if (sc_evq_push(q, e.time + inc, 0, 0, i, &hdl))
            goto err;
        /* mark 10 %: decided by a mixed counter, independent of the increments */
        if (sc_rng_mix64(i) % 10 == 0) {
            uint64_t old = ring[ring_pos];
            ring[ring_pos] = hdl;
            ring_pos = ring_pos + 1 == ring_len ? 0 : ring_pos + 1;
            if (old && sc_evq_cancel(q, old)) {
                ncancel++;
                if (sc_evq_push(q, e.time + (inc ^ 1), 0, 0, i, NULL))
                    goto err;
            }
        }
    }
    *seconds = hold_now() - t0;
    *cancelled = ncancel;
    *cap_growth = sc_evq_capacity(q) - cap0;
    free(ring);
    sc_evq_free(q);
    return 0;
err:
    free(ring);
    sc_evq_free(q);
    return -1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static double median(double *v, int k)
{
    qsort(v, (size_t)k, sizeof *v, cmp_double);
    return k % 2 ? v[k / 2] : 0.5 * (v[k / 2 - 1] + v[k / 2]);
}

/* M for size n: about 0.5-2 s per run on a 2020s x86-64 core. */
static size_t default_m(size_t n)
{
    if (n <= 10000)
        return 10000000;
    if (n <= 100000)
        return 5000000;
    return 2000000;
}

static void usage(FILE *fp)
{
    fprintf(fp, "usage: bench_evq [--reps R] [--scale F] [--sizes N,N,...] "
                "[--dist exp,uniform,bimodal] [--no-cancel]\n");
}

int main(int argc, char **argv)
{
    int reps = 5, do_cancel = 1;
    double scale = 1.0;
    char sizes_arg[256] = "1000,100000,1000000";
    char dists_arg[256] = "exp,uniform,bimodal";
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--reps") == 0 && i + 1 < argc)
            reps = atoi(argv[++i]);
        else if (strcmp(argv[i], "--scale") == 0 && i + 1 < argc)
            scale = atof(argv[++i]);
        else if (strcmp(argv[i], "--sizes") == 0 && i + 1 < argc)
            snprintf(sizes_arg, sizeof sizes_arg, "%s", argv[++i]);
        else if (strcmp(argv[i], "--dist") == 0 && i + 1 < argc)
            snprintf(dists_arg, sizeof dists_arg, "%s", argv[++i]);
        else if (strcmp(argv[i], "--no-cancel") == 0)
            do_cancel = 0;
        else if (strcmp(argv[i], "--help") == 0) {
            usage(stdout);
            return 0;
        } else {
            usage(stderr);
            return 2;
        }
    }
    if (reps < 1 || reps > MAX_REPS || !(scale > 0.0)) {
        fprintf(stderr, "bench_evq: --reps must be in 1..%d and --scale > 0\n", MAX_REPS);
        return 2;
    }
    size_t sizes[16], nsizes = 0;
    for (char *tok = strtok(sizes_arg, ","); tok && nsizes < 16; tok = strtok(NULL, ",")) {
        long v = atol(tok);
        if (v < 1 || (size_t)v > INCR_LEN) {
            fprintf(stderr, "bench_evq: size %s out of range 1..%zu\n", tok, INCR_LEN);
            return 2;
        }
        sizes[nsizes++] = (size_t)v;
    }
    int64_t *incr = malloc(INCR_LEN * sizeof *incr);
    if (!incr)
        return 1;
    const uint64_t seed = 20240517;
    int bad = 0;

    printf("HOLD benchmark: sc_evq (C) vs std::priority_queue (C++), -O2, median of %d "
           "alternating runs\n", reps);
    printf("%-8s %9s %10s %14s %14s %7s  %s\n", "dist", "N", "M", "ours ev/s",
           "peer ev/s", "ratio", "checksum");
    char *save = NULL;
    for (char *dist = strtok_r(dists_arg, ",", &save); dist; dist = strtok_r(NULL, ",", &save)) {
        if (strcmp(dist, "exp") && strcmp(dist, "uniform") && strcmp(dist, "bimodal")) {
            fprintf(stderr, "bench_evq: unknown distribution '%s' (exp, uniform, bimodal)\n",
                    dist);
            free(incr);
            return 2;
        }
        for (size_t i = 0; i < INCR_LEN; i++)
            incr[i] = (int64_t)draw(dist, seed, i);
        for (size_t si = 0; si < nsizes; si++) {
            size_t n = sizes[si];
            size_t m = (size_t)((double)default_m(n) * scale);
            if (m < 1)
                m = 1;
            double t_ours[MAX_REPS], t_peer[MAX_REPS];
            hold_result ro, rp;
            int same = 1;
            for (int r = 0; r < reps; r++) {
                int rc;
                if (r % 2 == 0)
                    rc = hold_run_ours(n, m, incr, INCR_LEN - 1, &ro) |
                         hold_peer_run(n, m, incr, INCR_LEN - 1, &rp);
                else
                    rc = hold_peer_run(n, m, incr, INCR_LEN - 1, &rp) |
                         hold_run_ours(n, m, incr, INCR_LEN - 1, &ro);
                if (rc) {
                    fprintf(stderr, "bench_evq: out of memory\n");
                    free(incr);
                    return 1;
                }
                t_ours[r] = ro.seconds;
                t_peer[r] = rp.seconds;
                if (ro.sum_time != rp.sum_time || ro.sum_seq != rp.sum_seq ||
                    ro.order_hash != rp.order_hash)
                    same = 0;
            }
            double eo = (double)m / median(t_ours, reps);
            double ep = (double)m / median(t_peer, reps);
            printf("%-8s %9zu %10zu %14.4g %14.4g %7.2f  %s %016llx\n", dist, n, m, eo, ep,
                   eo / ep, same ? "equal" : "MISMATCH",
                   (unsigned long long)ro.order_hash);
            fflush(stdout);
            if (!same)
                bad = 1;
        }
    }

    if (do_cancel) {
        /* exponential increments again */
        for (size_t i = 0; i < INCR_LEN; i++)
            incr[i] = (int64_t)draw("exp", seed, i);
        printf("\ncancel-heavy HOLD (ours only, exp): 10%% of pushes cancelled ~N/10 "
               "holds later, replaced\n");
        printf("%9s %10s %14s %12s %10s\n", "N", "M", "ours hold/s", "cancelled",
               "cap growth");
        for (size_t si = 0; si < nsizes; si++) {
            size_t n = sizes[si];
            size_t m = (size_t)((double)default_m(n) * scale);
            if (m < 1)
                m = 1;
            double t[MAX_REPS];
            size_t nc = 0, growth = 0;
            for (int r = 0; r < reps; r++)
                if (hold_run_cancel(n, m, incr, INCR_LEN - 1, &t[r], &nc, &growth)) {
                    fprintf(stderr, "bench_evq: out of memory\n");
                    free(incr);
                    return 1;
                }
            printf("%9zu %10zu %14.4g %12zu %10zu\n", n, m, (double)m / median(t, reps), nc,
                   growth);
        }
    }
    free(incr);
    if (bad) {
        fprintf(stderr, "bench_evq: the two queues popped different sequences\n");
        return 1;
    }
    return 0;
}
