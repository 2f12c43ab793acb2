/*
 * tz.h - IANA time zones read from the compiled tz database (TZif files, RFC 8536),
 * without the C library's process-wide TZ state.
 *
 * A zone is parsed once into an immutable sc_tz: the UTC instants of its transitions
 * with the offset that holds from each, the offset before the first one, and the POSIX
 * TZ rule of the file's footer ("CET-1CEST,M3.5.0,M10.5.0/3"), which gives the offset
 * after the last transition.  Immutable zones can be shared by any number of threads.
 *
 * Two ways to get one:
 *   sc_tz_get()   the per-process cache: zone name (and tz directory) -> parsed zone,
 *                 behind a mutex; zones stay alive until the process ends.  This is the
 *                 one piece of process-wide state, deliberately: it only ever grows with
 *                 immutable, read-only values, so no caller can observe another's use.
 *   sc_tz_load()  a private copy from an explicit directory; the caller frees it.
 *
 * The directory is $TZDIR when set and not empty, else /usr/share/zoneinfo.  Zone names
 * are relative paths of [A-Za-z0-9_+-./] without a ".." component ("Europe/Berlin",
 * "Etc/GMT+5", "UTC"); anything else is refused before a file is opened.
 *
 * Local wall time -> UTC follows the rules documented in time.h and traces/README.md:
 * an ambiguous local time (the repeated hour when clocks go back) is the FIRST instant
 * (the one still in summer time); a local time that does not exist (skipped when clocks
 * go forward) is read with the offset in force before the gap, i.e. shifted forward by
 * the gap (02:30 on a US spring-forward night is 03:30 daylight time).
 * Leap-second records ("right/" zones) are ignored: sculpt time is POSIX time.
 */
#ifndef SCULPT_TZ_H
#define SCULPT_TZ_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"

SC_BEGIN_DECLS

typedef struct sc_tz sc_tz;

/* Largest TZif file accepted (bytes); real ones are under 4 KiB. */
#define SC_TZ_FILE_MAX (1u << 20)

/* 1 when `name` is an acceptable zone name (see above), else 0. */
int sc_tz_name_valid(const char *name);

/*
 * Parse zone `name` from directory `dir` (NULL = $TZDIR or /usr/share/zoneinfo).
 * On success *out is a new zone the caller frees with sc_tz_free().  Errors (with
 * *out NULL): SC_ERR_NOTFOUND for an invalid name or a missing file, SC_ERR_INPUT for a
 * file that is not valid TZif, SC_ERR_NOMEM; err names the zone and the file.
 */
sc_status sc_tz_load(const char *dir, const char *name, sc_tz **out, sc_error *err);

/* Parse `len` bytes of TZif data as zone `name` (which is only recorded, not checked,
 * and named in errors with `file`, which may be NULL).  Same results as sc_tz_load. */
sc_status sc_tz_parse(const void *data, size_t len, const char *name, const char *file,
                      sc_tz **out, sc_error *err);

/* Free a zone from sc_tz_load() or sc_tz_parse(); NULL is a no-op.  Never call it on sc_tz_get() zones. */
void sc_tz_free(sc_tz *tz);

/*
 * The cached zone `name` from $TZDIR (or /usr/share/zoneinfo), parsed on first use.
 * *out stays valid until the process ends and must not be freed.  Thread-safe.
 * Errors as sc_tz_load(); failures are not cached.
 */
sc_status sc_tz_get(const char *name, const sc_tz **out, sc_error *err);

/* The zone's name as given ("Europe/Berlin"). */
const char *sc_tz_name(const sc_tz *tz);

/* Offset of local time from UTC (seconds east, e.g. 3600 for CET) at UTC instant t_s. */
int32_t sc_tz_offset(const sc_tz *tz, int64_t t_s);

/* UTC seconds of local wall-clock seconds `local_s` (local time read as if it were UTC:
 * days_from_civil * 86400 + h*3600 + m*60 + s), with the gap/repeat rules above. */
int64_t sc_tz_local_to_utc(const sc_tz *tz, int64_t local_s);

SC_END_DECLS

#endif
