/*
 * outage_random.h - random region outages from MTBF and MTTR ($.regions[i].mtbf, mttr;
 * scenarios/README.md, "Random outages").  Internal to the library (not installed):
 * scenario.c draws the windows at load time, tests check them.
 */
#ifndef SCULPT_OUTAGE_RANDOM_H
#define SCULPT_OUTAGE_RANDOM_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/scenario.h"
#include "sculpt/status.h"

/* At most this many random failures expected per region over the run: (end - start) /
 * (mtbf + mttr) above it is refused as input. */
#define SC_OUTAGE_RANDOM_EXPECTED_MAX 1000
/* Hard cap on the windows one draw may produce (four times the expected maximum: a
 * Poisson count with mean 1000 exceeds it with probability far below 1e-300). */
#define SC_OUTAGE_RANDOM_WINDOWS_MAX (4 * SC_OUTAGE_RANDOM_EXPECTED_MAX)

/* The exponential quantile -mean_ms * ln(u) of u = sc_rng_u01(key), rounded up to a whole
 * ms, >= 1: one up- or down-time of an alternating renewal process. */
int64_t sc_renewal_exp_ms(uint64_t key, int64_t mean_ms);

/* The k-th up-time (down = 0) or down-time (down = 1) of one process, in ms. */
typedef int64_t (*sc_renewal_time_fn)(const void *ctx, uint64_t k, int down,
                                      int64_t mean_ms);

/* Alternating renewal process on [t0_ms, t1_ms), up at t0_ms: window k starts after
 * up-time k and lasts down-time k, clipped at t1_ms.  *out (caller frees with free();
 * NULL when *n_out is 0) holds 2 * *n_out values, start and duration of each window in
 * order.  SC_ERR_INPUT when more than `max` windows would be drawn; SC_ERR_NOMEM.  On
 * failure *out is NULL.  Region outages and spot stock-outs (spot_stockout.c) draw
 * their windows with it. */
sc_status sc_renewal_draw(sc_renewal_time_fn time, const void *ctx, int64_t mtbf_ms,
                          int64_t mttr_ms, sc_time_ms t0_ms, sc_time_ms t1_ms, size_t max,
                          sc_time_ms **out, size_t *n_out);

/* The k-th up-time (down = 0) or down-time (down = 1) of region `region` in ms: the
 * exponential quantile -mean_ms * ln(u) of u = sc_rng_u01(sc_rng_key(seed,
 * SC_RNG_OUTAGE, sc_rng_hash_str(region), k, down)), rounded up to a whole ms, >= 1. */
int64_t sc_outage_random_time(uint64_t seed, const char *region, uint64_t k, int down,
                              int64_t mean_ms);

/* Alternating renewal process on [t0_ms, t1_ms): the region is up at t0_ms; failure k
 * starts after up-time k and lasts down-time k (lost = 1), clipped at t1_ms.  *out
 * (caller frees with free(); NULL when *n_out is 0) holds the windows in order, not
 * overlapping.  SC_ERR_INPUT when more than SC_OUTAGE_RANDOM_WINDOWS_MAX windows would
 * be drawn; SC_ERR_NOMEM.  On failure *out is NULL. */
sc_status sc_outage_random_draw(uint64_t seed, const char *region, int64_t mtbf_ms,
                                int64_t mttr_ms, sc_time_ms t0_ms, sc_time_ms t1_ms,
                                sc_outage **out, size_t *n_out);

/* Merge two window lists (each in order and not overlapping): at every instant the
 * fraction lost is the larger of the two; adjacent pieces that lose the same fraction
 * become one window.  *out (caller frees with free(); NULL when *n_out is 0).  On
 * failure (SC_ERR_NOMEM) *out is NULL. */
sc_status sc_outage_merge(const sc_outage *a, size_t na, const sc_outage *b, size_t nb,
                          sc_outage **out, size_t *n_out);

#endif
