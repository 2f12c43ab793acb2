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
 * a local time that does not exist, skipped when the clocks go forward, is refused with
 * SC_ERR_RANGE: sc_time_parse_why() says which gap).  Thread-safe.
 * Errors: SC_ERR_INPUT (syntax), SC_ERR_RANGE (impossible date or time, or a local time
 * inside a daylight-saving gap),
 * SC_ERR_NOTFOUND (unknown or invalid zone name); a corrupt zone file is SC_ERR_INPUT
 * (sc_tz_get() says why).
 */
sc_status sc_time_parse(const char *s, const char *tz, sc_time_ms *out);

/* sc_time_parse(), and when it fails for a reason a message should give, a sentence
 * saying why in why[why_len] (today: the daylight-saving gap a local time falls in, e.g.
 * "local time '2026-03-29 01:30:00' does not exist in Europe/London (a daylight-saving
 * gap: the clocks go forward from 2026-03-29 01:00:00 to 02:00:00, UTC+00:00 to
 * UTC+01:00); ..."); otherwise why[0] is '\0'.  why may be NULL. */
sc_status sc_time_parse_why(const char *s, const char *tz, sc_time_ms *out, char *why,
                            unsigned long why_len);

/* Format as "YYYY-MM-DDTHH:MM:SSZ" (UTC, seconds).  buf needs 32 bytes. */
char *sc_time_format(sc_time_ms t, char *buf, unsigned long len);

/* Parse a duration "300", "300s", "5m", "2h", "1d", "1w", "250ms" into ms. */
sc_status sc_duration_parse(const char *s, int64_t *out_ms);

SC_END_DECLS

#endif
