/*
 * time.h - time in sculpt: int64_t milliseconds since the Unix epoch (UTC), in
 * simulation and live mode alike.  Nothing in core/ or sim/ reads the wall clock except
 * the live clock driver.  Arithmetic saturates instead of overflowing.
 */
#ifndef SCULPT_TIME_H
#define SCULPT_TIME_H

#include "sculpt/export.h"

#include <stdint.h>

#include "sculpt/status.h"

SC_BEGIN_DECLS

typedef int64_t sc_time_ms;

#define SC_MS_PER_SEC INT64_C(1000)
#define SC_MS_PER_MIN INT64_C(60000)
#define SC_MS_PER_HOUR INT64_C(3600000)
#define SC_MS_PER_DAY INT64_C(86400000)
#define SC_TIME_MAX INT64_MAX
#define SC_TIME_MIN INT64_MIN

/* a + b, clamped to [SC_TIME_MIN, SC_TIME_MAX]. */
sc_time_ms sc_time_add(sc_time_ms a, int64_t b);

/* Seconds (double) to ms, rounded to nearest; clamped. */
sc_time_ms sc_time_from_sec(double s);

/* Floor division of t by step (works for negative t). step > 0. */
int64_t sc_time_floor_div(sc_time_ms t, int64_t step);

/*
 * Parse a timestamp.  Accepted: "YYYY-MM-DD", "YYYY-MM-DD HH:MM[:SS[.fff]]",
 * "YYYY-MM-DDTHH:MM[:SS[.fff]]" with an optional "Z" or "+HH:MM"/"-HH:MM" suffix, or a
 * plain integer of Unix seconds.  A timestamp without an offset is read in `tz`:
 * NULL or "UTC" = UTC, "+05:30"-style fixed offset, or an IANA zone name
 * ("America/New_York"), for which DST is resolved from the tz database by tz.h
 * (ambiguous local times in the autumn fall-back hour take the first, DST, instant;
 * non-existent spring-forward times are shifted forward by the gap).  Thread-safe.
 * Errors: SC_ERR_INPUT (syntax), SC_ERR_RANGE (impossible date or time),
 * SC_ERR_NOTFOUND (unknown or invalid zone name); a corrupt zone file is SC_ERR_INPUT
 * (sc_tz_get() says why).
 */
sc_status sc_time_parse(const char *s, const char *tz, sc_time_ms *out);

/* Format as "YYYY-MM-DDTHH:MM:SSZ" (UTC, seconds).  buf needs 32 bytes. */
char *sc_time_format(sc_time_ms t, char *buf, unsigned long len);

/* Parse a duration "300", "300s", "5m", "2h", "1d", "1w", "250ms" into ms. */
sc_status sc_duration_parse(const char *s, int64_t *out_ms);

SC_END_DECLS

#endif
