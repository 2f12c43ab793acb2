/*
 * events.h - the external event feed: campaigns, holidays, releases, flash crowds...
 * that forecasters use as regressors (what was ANNOUNCED, not what happened).
 *
 * An event covers the half-open interval [start_ms, end_ms) (UTC ms, end > start) and a
 * scope: an application name or "*" (all apps) and a geography name or "*" (all
 * geographies).  `kind` is a free name ("campaign", "holiday", "flash_crowd",
 * "release", ...).  `lift` is the announced multiplicative effect on demand: 0.5 means
 * +50 %, -0.3 means -30 %; it must be > -1, and is NaN when nothing was announced.
 *
 * Files (documented in traces/GENERATOR.md):
 *   CSV   header "start,end,app,geo,kind,lift", then one event per line; timestamps
 *         ISO-8601 ("2024-03-05T09:00:00Z"; any sc_time_parse form is read, naive times
 *         as UTC); empty lift (or "nan", "NA") = not announced; blank lines and lines
 *         starting with '#' are skipped; fields may be quoted as in RFC 4180 (read by
 *         the one CSV reader, sculpt/csv.h).
 *   JSON  an array of objects {"start","end","app","geo","kind","lift"} (or an object
 *         {"events": [...]}); app and geo default to "*", lift to null (= NaN).
 * Names (app, geo, kind) are [A-Za-z0-9_.-]+, at most 63 bytes; app and geo may be "*".
 *
 * Writers sort by (start, end, app, geo, kind, lift) so the same feed gives the same
 * bytes, and write through a temporary file renamed into place (fsutil.h).  Readers
 * report errors as SC_ERR_INPUT with where = "file:line" (CSV) or "file: $[3].start"
 * (JSON).
 */
#ifndef SCULPT_EVENTS_H
#define SCULPT_EVENTS_H

#include "sculpt/export.h"

#include <stddef.h>

#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

#define SC_EVENT_NAME_MAX 64  /* bytes including the NUL */

typedef struct sc_event {
    sc_time_ms start_ms;            /* first instant covered, UTC ms */
    sc_time_ms end_ms;              /* first instant no longer covered; > start_ms */
    char app[SC_EVENT_NAME_MAX];    /* application name or "*" */
    char geo[SC_EVENT_NAME_MAX];    /* geography name or "*" */
    char kind[SC_EVENT_NAME_MAX];   /* "campaign", "holiday", "flash_crowd", ... */
    double lift;                    /* announced multiplicative lift (> -1), NaN = none */
} sc_event;

typedef struct sc_event_feed {
    sc_event *events;  /* n events (owned; malloc'ed) */
    size_t n;          /* number of events */
    size_t cap;        /* allocated slots */
} sc_event_feed;

/* An empty feed; free with sc_event_feed_free.  NULL when out of memory. */
sc_event_feed *sc_event_feed_alloc(void);
/* Free a feed and its events; NULL is a no-op. */
void sc_event_feed_free(sc_event_feed *feed);

/* Check one event (names, end > start, lift > -1 or NaN).  On failure fills err
 * (SC_ERR_INPUT, where = `where`) with what is wrong. */
sc_status sc_event_validate(const sc_event *ev, const char *where, sc_error *err);

/* Validate and append a copy of *ev. */
sc_status sc_event_feed_add(sc_event_feed *feed, const sc_event *ev, sc_error *err);

/* Sort in place by (start, end, app, geo, kind, lift; NaN lift last). */
void sc_event_feed_sort(sc_event_feed *feed);

/* Does the event's scope cover (app, geo)?  "*" matches everything. */
int sc_event_applies(const sc_event *ev, const char *app, const char *geo);

/* Parse feed text.  `file` names the input in messages.  Caller frees *out with
 * sc_event_feed_free; *out is NULL on failure. */
sc_status sc_event_feed_parse_csv(const char *text, const char *file, sc_event_feed **out,
                                  sc_error *err);
sc_status sc_event_feed_parse_json(const char *text, const char *file, sc_event_feed **out,
                                   sc_error *err);

/* Read a file: JSON when the name ends in ".json", CSV otherwise. */
sc_status sc_event_feed_read(const char *path, sc_event_feed **out, sc_error *err);

/* Write sorted (the feed itself is not modified), atomically.  sc_event_feed_write picks
 * JSON for names ending in ".json", CSV otherwise. */
sc_status sc_event_feed_write_csv(const sc_event_feed *feed, const char *path, sc_error *err);
sc_status sc_event_feed_write_json(const sc_event_feed *feed, const char *path,
                                   sc_error *err);
sc_status sc_event_feed_write(const sc_event_feed *feed, const char *path, sc_error *err);

/* Format t as "YYYY-MM-DDTHH:MM:SSZ", or "YYYY-MM-DDTHH:MM:SS.fffZ" when t is not a
 * whole second, so that reading it back gives t exactly.  buf needs 40 bytes. */
char *sc_event_time_format(sc_time_ms t, char *buf, size_t len);

/* Shortest "%.{15,16,17}g" text of a finite double that reads back exactly.  buf needs
 * 32 bytes. */
char *sc_event_number_format(double v, char *buf, size_t len);

SC_END_DECLS

#endif
