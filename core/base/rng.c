/*
 * rng.c - counter-based, entity-keyed random numbers (see rng.h for the design).
 */
#include "rng_stream.h"

uint64_t sc_rng_mix64(uint64_t x)
{
    x += UINT64_C(0x9e3779b97f4a7c15);
    x = (x ^ (x >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    x = (x ^ (x >> 27)) * UINT64_C(0x94d049bb133111eb);
    return x ^ (x >> 31);
}

uint64_t sc_rng_key(uint64_t seed, sc_rng_kind kind, uint64_t a, uint64_t b, uint64_t c)
{
    uint64_t h = sc_rng_mix64(seed);
    h = sc_rng_mix64(h ^ (uint64_t)kind);
    h = sc_rng_mix64(h ^ a);
    h = sc_rng_mix64(h ^ b);
    h = sc_rng_mix64(h ^ c);
    return h;
}

double sc_rng_u01(uint64_t key)
{
    /* 53 random bits, offset by half a unit so 0 and 1 are never returned */
    uint64_t x = sc_rng_mix64(key) >> 11;
    return ((double)x + 0.5) * (1.0 / 9007199254740992.0);
}

uint64_t sc_rng_hash_str(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; s && *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return sc_rng_mix64(h);
}

gsl_rng *sc_rng_stream_alloc(uint64_t key)
{
    gsl_rng *r = gsl_rng_alloc(gsl_rng_mt19937);
    if (!r)
        return NULL;
    /* mt19937 takes an unsigned long seed; 0 would select the default seed */
    unsigned long s = (unsigned long)(key ^ (key >> 32));
    gsl_rng_set(r, s ? s : 1UL);
    return r;
}
