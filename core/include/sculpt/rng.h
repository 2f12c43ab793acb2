/*
 * rng.h - random numbers keyed by entity, for common random numbers across policies.
 *
 * Every random draw in a simulation is a pure function of (scenario seed, what it is
 * for, which entity, which index): the k-th launch in instance pool p of region r gets
 * the same uniform variate whichever policy asked for it and however many draws were made
 * elsewhere.  Variates come from a counter-based generator: the key is hashed with the
 * SplitMix64 finaliser (Steele, Lea & Flood, "Fast splittable pseudorandom number
 * generators", OOPSLA 2014), and non-uniform draws are made by inverse transform with
 * GSL's quantile functions, so one key gives one draw.  Streams that need many draws
 * (synthetic trace noise) use a GSL generator seeded from a derived key
 * (sc_rng_stream_alloc in the internal core/base/rng_stream.h, so that this header needs
 * no GSL header).
 */
#ifndef SCULPT_RNG_H
#define SCULPT_RNG_H

#include "sculpt/export.h"

#include <stdint.h>

SC_BEGIN_DECLS

/* What a draw is for: part of every key, so purposes never share variates. */
typedef enum sc_rng_kind {
    SC_RNG_BOOT = 1,      /* boot delay of a launch: (region, pool, launch index) */
    SC_RNG_WARMUP = 2,    /* app warm-up jitter: (region, pool, launch index) */
    SC_RNG_SPOT = 3,      /* spot interruption: (region, pool, launch index) */
    SC_RNG_STOCKOUT = 4,  /* spot stock-outs: windows (region name hash, type name hash,
                             2 x failure + up/down), reclaims (window, pool, launch) */
    SC_RNG_TRACE = 5,     /* synthetic trace generation: (app, geo, metric) */
    SC_RNG_EVENT = 6,     /* synthetic event feed: (campaign index, field) */
    SC_RNG_POLICY = 7,    /* a policy's own randomness (GA etc.): (policy, call) */
    SC_RNG_SWEEP = 8,     /* replicate seeds of a sweep: (replicate) */
    SC_RNG_FORECAST = 9,  /* forecasters: simulated intervals, LSTM init: (series, use) */
    SC_RNG_OUTAGE = 10,   /* random region outages: (region name hash, failure, up/down) */
    SC_RNG_SPOT_PRICE = 11 /* spot price path: (region name hash, hour, 0) */
} sc_rng_kind;

/* Mix a seed, a kind and up to three entity coordinates into one 64-bit key. */
uint64_t sc_rng_key(uint64_t seed, sc_rng_kind kind, uint64_t a, uint64_t b, uint64_t c);

/* SplitMix64 finaliser of x. */
uint64_t sc_rng_mix64(uint64_t x);

/* Uniform variate in the open interval (0, 1) determined by key. */
double sc_rng_u01(uint64_t key);

/* Stable 64-bit hash (FNV-1a then mixed) of a string, for entity names. */
uint64_t sc_rng_hash_str(const char *s);

SC_END_DECLS

#endif
