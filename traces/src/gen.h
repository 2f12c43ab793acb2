/*
 * gen.h - the synthetic multi-region trace generator.
 *
 * From a JSON spec (documented field by field in traces/GENERATOR.md) and a seed, build
 * in memory:
 *   - one regular series per (app, geo, metric): demand with a time-zone-shifted daily
 *     cycle, a weekly weekend dip, a per-day trend, autocorrelated (AR(1)) log-noise,
 *     unannounced flash crowds and marketing campaigns;
 *   - the event feed: what was ANNOUNCED (campaign times and lifts as promised, some of
 *     which never happen; unannounced campaigns and flash crowds are missing);
 *   - the ground truth: every campaign (announced and actual window and lift, and
 *     whether it happened, was unannounced or was cancelled), every flash crowd and every
 *     fixed event.
 *
 * Determinism: the result is a pure function of (spec, seed, options).  Every draw comes
 * from an entity-keyed stream (rng.h): series noise from
 * sc_rng_key(seed, SC_RNG_TRACE, hash(app), hash(geo), hash(metric)), flash crowds from
 * (app, geo, "#flash"), campaigns from SC_RNG_EVENT keys of (app, geo or "*", index and
 * field).  So adding a geography, an app or a metric leaves every other series, and the
 * feed entries of other scopes, unchanged.
 */
#ifndef SCULPT_GEN_H
#define SCULPT_GEN_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sculpt/events.h"
#include "sculpt/status.h"
#include "sculpt/time.h"
#include "sculpt/tsdb.h"

#define SC_GEN_NAME_MAX 64

/* One generated series: v[k] is the value at start_ms + k * step_ms. */
typedef struct sc_gen_series {
    char app[SC_GEN_NAME_MAX];
    char geo[SC_GEN_NAME_MAX];
    char metric[SC_GEN_NAME_MAX];
    char unit[SC_GEN_NAME_MAX];
    sc_time_ms start_ms;  /* time of v[0], UTC ms */
    int64_t step_ms;      /* > 0 */
    size_t n;             /* number of samples */
    double *v;            /* n values, all >= 0 (owned) */
} sc_gen_series;

/* What a ground-truth record is. */
typedef enum sc_gen_truth_status {
    SC_GEN_HAPPENED = 0,     /* announced campaign that happened (with noise) */
    SC_GEN_UNANNOUNCED = 1,  /* campaign that happened without being in the feed */
    SC_GEN_CANCELLED = 2,    /* announced campaign that never happened (no effect) */
    SC_GEN_FLASH_CROWD = 3,  /* unannounced short spike */
    SC_GEN_FIXED = 4         /* fixed event of the spec: announced and happened exactly */
} sc_gen_truth_status;

/* "happened", "unannounced", "cancelled", "flash_crowd", "fixed". */
const char *sc_gen_truth_status_name(sc_gen_truth_status s);

typedef struct sc_gen_truth {
    char kind[SC_GEN_NAME_MAX];     /* "campaign", "flash_crowd", or a fixed event's kind */
    char app[SC_GEN_NAME_MAX];      /* app name or "*" */
    char geo[SC_GEN_NAME_MAX];      /* geo name or "*" */
    sc_gen_truth_status status;
    int in_feed;                    /* 1 when the event is in the announced feed */
    sc_time_ms announced_start_ms;  /* announced window (== actual when not announced) */
    sc_time_ms announced_end_ms;
    double announced_lift;          /* as in the feed (NaN when not stated/announced) */
    sc_time_ms actual_start_ms;     /* actual window; for cancelled == announced */
    sc_time_ms actual_end_ms;
    double actual_lift;             /* actual peak lift (0 for cancelled) */
} sc_gen_truth;

typedef struct sc_gen_result {
    sc_time_ms start_ms;       /* first sample time */
    int64_t step_ms;           /* sample step */
    size_t n_steps;            /* samples per series */
    sc_gen_series *series;     /* n_series, sorted by (app, geo, metric) */
    size_t n_series;
    sc_event_feed *feed;       /* the announced events, sorted (events.h) */
    sc_gen_truth *truth;       /* n_truth records, sorted by (actual start, app, geo, kind) */
    size_t n_truth;
} sc_gen_result;

/* Overrides of the spec's time axis (the simulator's scenario decides them). */
typedef struct sc_gen_options {
    int override_start;   /* 1: use start_ms instead of the spec's "start" */
    sc_time_ms start_ms;
    int64_t duration_ms;  /* > 0: use instead of the spec's "duration" */
    int64_t step_ms;      /* > 0: use instead of the spec's "step" */
} sc_gen_options;

/*
 * Generate from spec text.  `spec_file` names the spec in messages ("spec.json: $.geos[1]
 * .tz: expected a string"; malformed JSON gives "spec.json:LINE:COL").  opt may be NULL.
 * On success *out is the result (free with sc_gen_result_free); on failure *out is NULL
 * and err says what and where (SC_ERR_INPUT for a bad spec).
 */
sc_status sc_gen_run(const char *spec_json_text, const char *spec_file, uint64_t seed,
                     const sc_gen_options *opt, sc_gen_result **out, sc_error *err);

/* As sc_gen_run, from an already parsed spec object (e.g. embedded in a scenario).
 * json_path is the object's own path for messages ("$" or "$.traces[0].generator"). */
sc_status sc_gen_run_json(const cJSON *spec, const char *spec_file, const char *json_path,
                          uint64_t seed, const sc_gen_options *opt, sc_gen_result **out,
                          sc_error *err);

/* Free a result; NULL is a no-op. */
void sc_gen_result_free(sc_gen_result *res);

/* The series of (app, geo, metric), or NULL. */
const sc_gen_series *sc_gen_find(const sc_gen_result *res, const char *app, const char *geo,
                                 const char *metric);

/* Append every series to the store (place_kind "geo", the series' unit and step). */
sc_status sc_gen_write(const sc_gen_result *res, sc_tsdb *db, sc_error *err);

/* Write the ground truth as CSV, atomically:
 *   kind,app,geo,status,in_feed,announced_start,announced_end,announced_lift,
 *   actual_start,actual_end,actual_lift */
sc_status sc_gen_truth_write_csv(const sc_gen_result *res, const char *path, sc_error *err);

/*
 * The generator by window (issue 13): the series' values step window by step window, the
 * same bytes as sc_gen_run's whole-run series.  Opening parses the spec and draws every
 * event (cheap); each series keeps its noise stream between windows (one mt19937 state,
 * about 5 KB, from its first window to its last), so windows must come in order:
 *
 *   sc_gen_stream_open(text, file, seed, &opt, &gs, &err);
 *   size_t i = sc_gen_stream_find(gs, "app", "geo", "load");
 *   for (k0 = 0; k0 < n; k0 += W) {
 *       sc_gen_stream_window(gs, k0, min(k0 + W, n), &err);  // per-geo calendar
 *       sc_gen_stream_fill(gs, i, out, &err);                 // out[0 .. W)
 *   }
 *   sc_gen_stream_free(gs);
 *
 * A series not filled in some window cannot be filled later (SC_ERR_INTERNAL).  The
 * whole-run cap of sc_gen_run (32 GiB of samples) does not apply.
 */
typedef struct sc_gen_stream sc_gen_stream;

sc_status sc_gen_stream_open(const char *spec_json_text, const char *spec_file, uint64_t seed,
                             const sc_gen_options *opt, sc_gen_stream **out, sc_error *err);
void sc_gen_stream_free(sc_gen_stream *gs);
/* Steps of the run (the spec's duration / step after the options). */
int64_t sc_gen_stream_steps(const sc_gen_stream *gs);
/* The index of series (app, geo, metric), or SIZE_MAX. */
size_t sc_gen_stream_find(const sc_gen_stream *gs, const char *app, const char *geo,
                          const char *metric);
/* Make [k0, k1) the current window (0 <= k0 <= k1 <= steps). */
sc_status sc_gen_stream_window(sc_gen_stream *gs, int64_t k0, int64_t k1, sc_error *err);
/* The values of a series at the current window's steps into out[0 .. k1 - k0). */
sc_status sc_gen_stream_fill(sc_gen_stream *gs, size_t series, double *out, sc_error *err);

#endif
