/*
 * json.h - path-aware helpers over cJSON for reading outside JSON input (scenarios,
 * generator specs, sweep files, API payloads).
 *
 * Every message a person sees names the file and the JSON path of the offending value,
 * in the form "demo.json: $.apps[2].slo.latency_ms" (sc_error.where) plus what was
 * expected and what was found (sc_error.msg): "expected a positive number, got -3".
 * Malformed JSON is reported as "demo.json:12:7" (1-based line and column of the byte
 * where cJSON stopped).
 *
 * Conventions of the getters (sc_json_get_*):
 *   - `obj` is a JSON object, `path` its own path ("$", "$.apps[2]"), `key` the member
 *     to read; the member's path is path + "." + key.
 *   - keys are compared case-sensitively (cJSON_GetObjectItemCaseSensitive).
 *   - `req` says whether the member must be present.  An absent optional member, or one
 *     whose value is JSON null, gives the default.  A required member that is absent or
 *     null is an error ("required field is missing").
 *   - a member of the wrong type is an error: "expected a number, got a string".
 *   - numbers must be finite; integers must have no fractional part and fit in the
 *     exact range of a double (|v| <= 2^53).
 *   - on error, *out is left unchanged and cx->err is filled (status SC_ERR_INPUT).
 *
 * Objects that a reader walks should be passed to sc_json_check_keys first: it rejects
 * members that are not in the allowed list (a typo silently ignored is a trap) and keys
 * that occur twice (cJSON keeps both; lookups would see only the first).  Keys starting
 * with "_" or "comment" are comments and always allowed.
 *
 * Parse positions come from cJSON_ParseWithOpts' return_parse_end, never from
 * cJSON_GetErrorPtr, so a message always belongs to the text that was parsed.
 */
#ifndef SCULPT_JSON_H
#define SCULPT_JSON_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sculpt/status.h"

SC_BEGIN_INTERNAL_DECLS

#define SC_JSON_PATH_MAX 256 /* longest JSON path kept for messages (truncated beyond) */

/* Who is reading: the file named in messages and where errors go. */
typedef struct sc_json_ctx {
    const char *file;  /* file name for messages (borrowed; "" or NULL = none) */
    sc_error *err;     /* filled on failure; may be NULL */
} sc_json_ctx;

typedef enum sc_json_req {
    SC_JSON_OPTIONAL = 0,
    SC_JSON_REQUIRED = 1
} sc_json_req;

/* ---- parsing ---------------------------------------------------------------------- */

/* Parse text.  Malformed JSON gives SC_ERR_INPUT with where = "file:line:col" and a
 * message saying what follows the error position.  On success the caller frees *out
 * with cJSON_Delete. */
sc_status sc_json_parse(const char *text, const char *file, cJSON **out, sc_error *err);

/* Read and parse a file.  A file that cannot be read gives SC_ERR_IO.  If out_text is
 * not NULL it receives the file text (caller frees with free()). */
sc_status sc_json_load(const char *path, cJSON **out, char **out_text, sc_error *err);

/* 1-based line and column (in bytes) of byte offset `off` in text. */
void sc_json_text_position(const char *text, size_t off, int *line, int *col);

/* ---- paths and errors ------------------------------------------------------------- */

/* out = parent + "." + key  (truncated to SC_JSON_PATH_MAX - 1 characters). */
void sc_json_path_key(char out[SC_JSON_PATH_MAX], const char *parent, const char *key);
/* out = parent + "[" + i + "]". */
void sc_json_path_index(char out[SC_JSON_PATH_MAX], const char *parent, size_t i);

/* Fill cx->err with status st at "file: path[.key]" (key may be NULL) and return st. */
sc_status sc_json_fail(const sc_json_ctx *cx, sc_status st, const char *path, const char *key,
                       const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* "a number", "a string", "a boolean", "null", "an array", "an object"; never NULL. */
const char *sc_json_type_name(const cJSON *item);

/* Is key a comment key ("_..." or "comment...")? */
int sc_json_is_comment_key(const char *key);

/* Check that obj is an object whose keys are all in `allowed` (NULL-terminated) or
 * comments, and that no key occurs twice.  Unknown keys are reported with the list of
 * valid keys and, for a likely typo, "did you mean ...". */
sc_status sc_json_check_keys(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *const *allowed);

/* The candidate (NULL-terminated list) closest to word by edit distance, if it is
 * close enough to be a likely typo (distance <= max(1, strlen(word) / 3)); else NULL. */
const char *sc_json_suggest(const char *word, const char *const *candidates);

/* Check that obj is an object in which no key occurs twice (for objects keyed by
 * names, such as a map from region name to price table). */
sc_status sc_json_check_unique_keys(const sc_json_ctx *cx, const cJSON *obj,
                                    const char *path);

/* Check lo <op> v <op> hi.  `bounds` is "[]", "[)", "(]" or "()" (closed or open ends);
 * use +-INFINITY for an unbounded end.  The message reads "expected a positive number",
 * "expected a non-negative number" or "expected a number in (0, 1]", with the value. */
sc_status sc_json_check_range(const sc_json_ctx *cx, const char *path, const char *key,
                              double v, double lo, double hi, const char *bounds);

/* ---- getters ---------------------------------------------------------------------- */

sc_status sc_json_get_number(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *key, sc_json_req req, double def, double *out);
sc_status sc_json_get_int(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                          const char *key, sc_json_req req, int64_t def, int64_t *out);
/* As sc_json_get_int, and a given value must lie in [lo, hi] (messages say so); the
 * default is returned as is (it may be a sentinel outside the range, such as -1). */
sc_status sc_json_get_int_range(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                                const char *key, sc_json_req req, int64_t def, int64_t lo,
                                int64_t hi, int *out);
sc_status sc_json_get_bool(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                           const char *key, sc_json_req req, int def, int *out);
/* *out borrows the string inside obj (or def). */
sc_status sc_json_get_string(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *key, sc_json_req req, const char *def,
                             const char **out);
/* Copy into buf[cap]; a longer string is an error ("longer than N characters"). */
sc_status sc_json_get_string_buf(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                                 const char *key, sc_json_req req, const char *def, char *buf,
                                 size_t cap);
/* *out = the array / object member, or NULL when an optional member is absent. */
sc_status sc_json_get_array(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                            const char *key, sc_json_req req, const cJSON **out);
sc_status sc_json_get_object(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *key, sc_json_req req, const cJSON **out);
/* A duration string ("250ms", "30s", "5m", "2h", "7d", "1w"; a leading "-" is allowed)
 * in ms, which must be >= min_ms.  JSON numbers are rejected, because a bare number
 * does not say its unit. */
sc_status sc_json_get_duration(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                               const char *key, sc_json_req req, int64_t def, int64_t min_ms,
                               int64_t *out_ms);
/* A timestamp string (formats of sc_time_parse; naive times are read in tz). */
sc_status sc_json_get_time(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                           const char *key, sc_json_req req, int64_t def, const char *tz,
                           int64_t *out_ms);

SC_END_INTERNAL_DECLS

#endif
