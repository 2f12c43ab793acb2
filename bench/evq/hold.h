/*
 * hold.h - the interface between the HOLD benchmark driver (hold.c, C) and the
 * std::priority_queue peer (hold_peer.cpp, C++), linked into one program so both
 * queues run in the same process, on the same pre-generated increments.
 */
#ifndef SCULPT_BENCH_HOLD_H
#define SCULPT_BENCH_HOLD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Result of one HOLD run. */
typedef struct hold_result {
    double seconds;      /* wall time of the M hold operations (pre-fill excluded) */
    uint64_t sum_time;   /* sum of popped times (ms), mod 2^64 */
    uint64_t sum_seq;    /* sum of popped seqs, mod 2^64 */
    uint64_t order_hash; /* order-sensitive hash of the popped (time, seq) sequence */
} hold_result;

/*
 * HOLD model: push n events at times incr[0..n), seq 0..n-1, then m times: pop the
 * minimum (time t, seq s), push an event at t + incr[(n + i) & mask].  Payload of the
 * k-th push: type = k & 7, a = (uint32_t)k, b = k.  Returns 0, or -1 on allocation
 * failure.  incr has mask + 1 entries (a power of two).
 */
int hold_peer_run(size_t n, size_t m, const int64_t *incr, size_t mask, hold_result *res);

/* Monotonic clock in seconds (benchmark timing only). */
double hold_now(void);

#ifdef __cplusplus
}
#endif

#endif
