/*
 * rng_stream.h - GSL generator streams seeded from an entity key (internal, not
 * installed).  The keyed draws of sculpt/rng.h need no GSL type; a stream does, so its
 * declaration lives here and the installed headers never include <gsl/gsl_rng.h>.
 * The symbol is hidden in libsculpt.so (no SC_BEGIN_DECLS).
 */
#ifndef SCULPT_RNG_STREAM_H
#define SCULPT_RNG_STREAM_H

#include <stdint.h>

#include <gsl/gsl_rng.h>

#include "sculpt/rng.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A GSL generator (mt19937) seeded from key (a sc_rng_key).  The caller frees it with
 * gsl_rng_free.  NULL when out of memory. */
gsl_rng *sc_rng_stream_alloc(uint64_t key);

#ifdef __cplusplus
}
#endif

#endif
