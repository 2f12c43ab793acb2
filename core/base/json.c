/*
 * json.c - path-aware cJSON helpers (see json.h).
 *
 * The getters share one shape: look the key up case-sensitively, treat absent and null
 * alike (default or "required field is missing"), check the JSON type, then check the
 * value.  Every failure goes through sc_json_fail, which writes "file: path.key" into
 * sc_error.where, so no caller ever formats a location by hand.
 */
#include "sculpt/json.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/fsutil.h"
#include "sculpt/time.h"

#define SC_JSON_INT_MAX 9007199254740992.0 /* 2^53: integers a double holds exactly */

/* ---- parsing ---------------------------------------------------------------------- */

void sc_json_text_position(const char *text, size_t off, int *line, int *col)
{
    int l = 1, c = 1;
    for (size_t i = 0; text && i < off && text[i]; i++) {
        if (text[i] == '\n') {
            l++;
            c = 1;
        } else {
            c++;
        }
    }
    *line = l;
    *col = c;
}

/* A short printable excerpt of the text at p, for "near '...'". */
static void excerpt(const char *p, char *buf, size_t cap)
{
    size_t n = 0;
    for (; *p && *p != '\n' && *p != '\r' && n + 1 < cap && n < 16; p++)
        buf[n++] = (*p >= 0x20 && *p < 0x7f) ? *p : '?';
    buf[n] = '\0';
}

sc_status sc_json_parse(const char *text, const char *file, cJSON **out, sc_error *err)
{
    *out = NULL;
    if (!file)
        file = "";
    if (!text)
        return sc_error_set(err, SC_ERR_INPUT, file, "no JSON text");
    const char *end = NULL;
    cJSON *root = cJSON_ParseWithOpts(text, &end, 1);
    if (!root) {
        size_t off = (end && end >= text) ? (size_t)(end - text) : 0;
        int line, col;
        sc_json_text_position(text, off, &line, &col);
        char where[512];
        snprintf(where, sizeof where, "%s:%d:%d", file, line, col);
        /* cJSON points at the byte it could not accept (or just past the last value it
         * read for trailing garbage); say what is there. */
        const char *p = text + off;
        while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')
            p++;
        if (*p == '\0') {
            int only_ws = 1;
            for (const char *q = text; *q; q++)
                if (!(*q == ' ' || *q == '\t' || *q == '\r' || *q == '\n'))
                    only_ws = 0;
            return sc_error_set(err, SC_ERR_INPUT, where, "malformed JSON: %s",
                                only_ws ? "empty input, expected a JSON value"
                                        : "unexpected end of input");
        }
        char ex[24];
        excerpt(text + off, ex, sizeof ex);
        return sc_error_set(err, SC_ERR_INPUT, where, "malformed JSON near '%s'", ex);
    }
    /* A "\u0000" escape would silently cut a path or a name short (cJSON ends the C
     * string there): refuse it, with its place. */
    int in_str = 0;
    for (const char *q = text; *q; q++) {
        if (!in_str) {
            in_str = *q == '"';
            continue;
        }
        if (*q == '"') {
            in_str = 0;
        } else if (*q == '\\' && q[1]) {
            if (q[1] == 'u' && strncmp(q + 2, "0000", 4) == 0) {
                int line, col;
                sc_json_text_position(text, (size_t)(q - text), &line, &col);
                char where[512];
                snprintf(where, sizeof where, "%s:%d:%d", file, line, col);
                cJSON_Delete(root);
                return sc_error_set(err, SC_ERR_INPUT, where,
                                    "a string contains \\u0000 (NUL), which would cut it "
                                    "short; remove it");
            }
            q++;
        }
    }
    *out = root;
    return SC_OK;
}

sc_status sc_json_load(const char *path, cJSON **out, char **out_text, sc_error *err)
{
    *out = NULL;
    if (out_text)
        *out_text = NULL;
    char *text = NULL;
    size_t len = 0;
    sc_status st = sc_file_read_all(path, &text, &len, err);
    if (st != SC_OK)
        return st;
    if (strlen(text) != len) {
        int line, col;
        size_t off = strlen(text);
        sc_json_text_position(text, off, &line, &col);
        char where[512];
        snprintf(where, sizeof where, "%s:%d:%d", path, line, col);
        free(text);
        return sc_error_set(err, SC_ERR_INPUT, where, "malformed JSON: NUL byte in text");
    }
    st = sc_json_parse(text, path, out, err);
    if (st != SC_OK || !out_text)
        free(text);
    else
        *out_text = text;
    return st;
}

/* ---- paths and errors ------------------------------------------------------------- */

void sc_json_path_key(char out[SC_JSON_PATH_MAX], const char *parent, const char *key)
{
    snprintf(out, SC_JSON_PATH_MAX, "%s.%s", parent ? parent : "$", key ? key : "");
}

void sc_json_path_index(char out[SC_JSON_PATH_MAX], const char *parent, size_t i)
{
    snprintf(out, SC_JSON_PATH_MAX, "%s[%zu]", parent ? parent : "$", i);
}

sc_status sc_json_fail(const sc_json_ctx *cx, sc_status st, const char *path, const char *key,
                       const char *fmt, ...)
{
    sc_error *err = cx ? cx->err : NULL;
    if (!err)
        return st;
    char where[512];
    const char *file = (cx && cx->file) ? cx->file : "";
    const char *sep = file[0] ? ": " : "";
    if (key)
        snprintf(where, sizeof where, "%s%s%s.%s", file, sep, path ? path : "$", key);
    else
        snprintf(where, sizeof where, "%s%s%s", file, sep, path ? path : "$");
    va_list ap;
    va_start(ap, fmt);
    sc_error_setv(err, st, where, fmt, ap);
    va_end(ap);
    return st;
}

const char *sc_json_type_name(const cJSON *item)
{
    if (!item)
        return "nothing";
    if (cJSON_IsNumber(item))
        return "a number";
    if (cJSON_IsString(item))
        return "a string";
    if (cJSON_IsBool(item))
        return "a boolean";
    if (cJSON_IsNull(item))
        return "null";
    if (cJSON_IsArray(item))
        return "an array";
    if (cJSON_IsObject(item))
        return "an object";
    return "an invalid value";
}

int sc_json_is_comment_key(const char *key)
{
    return key && (key[0] == '_' || strncmp(key, "comment", 7) == 0);
}

/* Report the first key that occurs twice in obj. */
static sc_status check_dups(const sc_json_ctx *cx, const cJSON *obj, const char *path)
{
    for (const cJSON *a = obj->child; a; a = a->next) {
        if (!a->string)
            continue;
        for (const cJSON *b = a->next; b; b = b->next)
            if (b->string && strcmp(a->string, b->string) == 0)
                return sc_json_fail(cx, SC_ERR_INPUT, path, a->string,
                                    "duplicate key '%s' (each key may appear once)",
                                    a->string);
    }
    return SC_OK;
}

sc_status sc_json_check_unique_keys(const sc_json_ctx *cx, const cJSON *obj, const char *path)
{
    if (!cJSON_IsObject(obj))
        return sc_json_fail(cx, SC_ERR_INPUT, path, NULL, "expected an object, got %s",
                            sc_json_type_name(obj));
    return check_dups(cx, obj, path);
}

/* Levenshtein distance of two short strings (capped at 64 characters each). */
static size_t edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return (size_t)-1;
    size_t row[65];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t best = diag + (a[i - 1] != b[j - 1]);
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

const char *sc_json_suggest(const char *word, const char *const *candidates)
{
    const char *best = NULL;
    size_t bestd = (size_t)-1, len = word ? strlen(word) : 0;
    size_t limit = len / 3 > 1 ? len / 3 : 1;
    for (size_t i = 0; word && candidates && candidates[i]; i++) {
        size_t d = edit_distance(word, candidates[i]);
        if (d < bestd) {
            bestd = d;
            best = candidates[i];
        }
    }
    return bestd <= limit ? best : NULL;
}

sc_status sc_json_check_keys(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *const *allowed)
{
    sc_status st = sc_json_check_unique_keys(cx, obj, path);
    if (st != SC_OK)
        return st;
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *k = it->string ? it->string : "";
        if (sc_json_is_comment_key(k))
            continue;
        int ok = 0;
        for (size_t i = 0; allowed && allowed[i]; i++)
            if (strcmp(k, allowed[i]) == 0) {
                ok = 1;
                break;
            }
        if (ok)
            continue;
        char list[600];
        size_t n = 0;
        list[0] = '\0';
        for (size_t i = 0; allowed && allowed[i] && n < sizeof list - 1; i++) {
            int w = snprintf(list + n, sizeof list - n, "%s%s", i ? ", " : "", allowed[i]);
            if (w < 0)
                break;
            n += (size_t)w;
        }
        const char *guess = sc_json_suggest(k, allowed);
        char hint[96] = "";
        if (guess)
            snprintf(hint, sizeof hint, " (did you mean '%s'?)", guess);
        return sc_json_fail(cx, SC_ERR_INPUT, path, k,
                            "unknown key '%s'%s; valid keys: %s (comment keys start with "
                            "'_' or 'comment')",
                            k, hint, list[0] ? list : "(none)");
    }
    return SC_OK;
}

sc_status sc_json_check_range(const sc_json_ctx *cx, const char *path, const char *key,
                              double v, double lo, double hi, const char *bounds)
{
    int lo_open = bounds && bounds[0] == '(';
    int hi_open = bounds && bounds[0] && bounds[1] == ')';
    int ok = (lo_open ? v > lo : v >= lo) && (hi_open ? v < hi : v <= hi);
    if (ok)
        return SC_OK;
    /* An upper bound of 1e6 or more is a sanity ceiling (issue 13: huge numbers), not
     * the field's meaning: below 0 still reads "non-negative" / "positive", above the
     * ceiling the message names the whole range. */
    int below = lo_open ? !(v > lo) : !(v >= lo);
    if (lo == 0 && ((below && hi >= 1e6) || (isinf(hi) && hi > 0)))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a %s number, got %.15g",
                            lo_open ? "positive" : "non-negative", v);
    if (isinf(hi) && hi > 0)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a number %s %.15g, got %.15g",
                            lo_open ? ">" : ">=", lo, v);
    if (isinf(lo) && lo < 0)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a number %s %.15g, got %.15g",
                            hi_open ? "<" : "<=", hi, v);
    return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a number in %c%.15g, %.15g%c, got %.15g",
                        lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']', v);
}

/* ---- getters ---------------------------------------------------------------------- */

/* The member at key, or NULL when absent or null.  A required absent member is an
 * error (returned through *st). */
static const cJSON *member(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                           const char *key, sc_json_req req, sc_status *st)
{
    *st = SC_OK;
    if (!cJSON_IsObject(obj)) {
        *st = sc_json_fail(cx, SC_ERR_INPUT, path, NULL, "expected an object, got %s",
                           sc_json_type_name(obj));
        return NULL;
    }
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (it && cJSON_IsNull(it))
        it = NULL;
    if (!it && req == SC_JSON_REQUIRED)
        *st = sc_json_fail(cx, SC_ERR_INPUT, path, key, "required field is missing");
    return it;
}

static cJSON_bool is_string(const cJSON *it) { return cJSON_IsString(it) && it->valuestring; }

/* The member at key (member()) in *out, checked to be of its kind: *out = NULL with
 * SC_OK when absent or null (and optional); "expected WHAT, got TYPE" when is() says
 * no.  The one check every getter below starts with. */
static sc_status typed_member(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                              const char *key, sc_json_req req,
                              cJSON_bool (*is)(const cJSON *), const char *what,
                              const cJSON **out)
{
    sc_status st;
    *out = member(cx, obj, path, key, req, &st);
    if (st != SC_OK || !*out || is(*out))
        return st;
    return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected %s, got %s", what,
                        sc_json_type_name(*out));
}

sc_status sc_json_get_number(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *key, sc_json_req req, double def, double *out)
{
    const cJSON *it;
    sc_status st = typed_member(cx, obj, path, key, req, cJSON_IsNumber, "a number", &it);
    if (st != SC_OK || !it) {
        if (st == SC_OK)
            *out = def;
        return st;
    }
    if (!isfinite(it->valuedouble))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a finite number");
    *out = it->valuedouble;
    return SC_OK;
}

sc_status sc_json_get_int(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                          const char *key, sc_json_req req, int64_t def, int64_t *out)
{
    const cJSON *it;
    sc_status st = typed_member(cx, obj, path, key, req, cJSON_IsNumber, "an integer", &it);
    if (st != SC_OK || !it) {
        if (st == SC_OK)
            *out = def;
        return st;
    }
    double v = it->valuedouble;
    if (!isfinite(v) || v != floor(v) || fabs(v) > SC_JSON_INT_MAX)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected an integer, got %.15g", v);
    *out = (int64_t)v;
    return SC_OK;
}

sc_status sc_json_get_int_range(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                                const char *key, sc_json_req req, int64_t def, int64_t lo,
                                int64_t hi, int *out)
{
    int64_t v;
    sc_status st = sc_json_get_int(cx, obj, path, key, req, def, &v);
    if (st != SC_OK)
        return st;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it || cJSON_IsNull(it)) { /* the default is the caller's choice, not checked */
        *out = (int)def;
        return SC_OK;
    }
    if (v < lo || v > hi) {
        if (lo == 0 && hi >= INT32_MAX)
            return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                                "expected a non-negative integer, got %lld", (long long)v);
        if (lo == 1 && hi >= INT32_MAX)
            return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                                "expected a positive integer, got %lld", (long long)v);
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected an integer in [%lld, %lld], got %lld", (long long)lo,
                            (long long)hi, (long long)v);
    }
    *out = (int)v;
    return SC_OK;
}

sc_status sc_json_get_bool(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                           const char *key, sc_json_req req, int def, int *out)
{
    const cJSON *it;
    sc_status st = typed_member(cx, obj, path, key, req, cJSON_IsBool,
                                "a boolean (true or false)", &it);
    if (st != SC_OK || !it) {
        if (st == SC_OK)
            *out = def;
        return st;
    }
    *out = cJSON_IsTrue(it) ? 1 : 0;
    return SC_OK;
}

sc_status sc_json_get_string(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *key, sc_json_req req, const char *def,
                             const char **out)
{
    const cJSON *it;
    sc_status st = typed_member(cx, obj, path, key, req, is_string, "a string", &it);
    if (st != SC_OK || !it) {
        if (st == SC_OK)
            *out = def;
        return st;
    }
    *out = it->valuestring;
    return SC_OK;
}

sc_status sc_json_get_string_buf(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                                 const char *key, sc_json_req req, const char *def, char *buf,
                                 size_t cap)
{
    const char *s = NULL;
    sc_status st = sc_json_get_string(cx, obj, path, key, req, def, &s);
    if (st != SC_OK)
        return st;
    if (!s)
        s = "";
    if (strlen(s) >= cap)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "string is longer than %zu characters", cap - 1);
    memcpy(buf, s, strlen(s) + 1);
    return SC_OK;
}

sc_status sc_json_get_array(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                            const char *key, sc_json_req req, const cJSON **out)
{
    const cJSON *it;
    sc_status st = typed_member(cx, obj, path, key, req, cJSON_IsArray, "an array", &it);
    if (st == SC_OK)
        *out = it;
    return st;
}

sc_status sc_json_get_object(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                             const char *key, sc_json_req req, const cJSON **out)
{
    const cJSON *it;
    sc_status st = typed_member(cx, obj, path, key, req, cJSON_IsObject, "an object", &it);
    if (st == SC_OK)
        *out = it;
    return st;
}

/* "5m" -> "5m"; ms -> shortest exact text, for messages. */
static void fmt_ms(int64_t ms, char *buf, size_t cap)
{
    if (ms == 0) {
        snprintf(buf, cap, "0s");
        return;
    }
    static const struct { int64_t ms; const char *unit; } units[] = {
        {SC_MS_PER_DAY, "d"}, {SC_MS_PER_HOUR, "h"}, {SC_MS_PER_MIN, "m"},
        {SC_MS_PER_SEC, "s"}, {1, "ms"}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms % units[i].ms == 0) {
            snprintf(buf, cap, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
}

sc_status sc_json_get_duration(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                               const char *key, sc_json_req req, int64_t def, int64_t min_ms,
                               int64_t *out_ms)
{
    const cJSON *it;
    sc_status st = typed_member(cx, obj, path, key, req, is_string,
                                "a duration string such as \"30s\", \"5m\", \"7d\",", &it);
    if (st != SC_OK || !it) {
        if (st == SC_OK)
            *out_ms = def;
        return st;
    }
    const char *s = it->valuestring;
    int neg = s[0] == '-';
    int64_t ms = 0;
    sc_status pst = sc_duration_parse(s + neg, &ms);
    if (pst == SC_ERR_RANGE)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "duration \"%s\" is out of range: expected at most 100000000d "
                            "(int64 milliseconds)",
                            s);
    if (pst != SC_OK)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected a duration such as \"250ms\", \"30s\", \"5m\", \"2h\", "
                            "\"7d\", \"1w\", got \"%s\"",
                            s);
    if (neg)
        ms = -ms;
    if (ms < min_ms) {
        char b[32];
        fmt_ms(min_ms, b, sizeof b);
        if (min_ms == 1)
            return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                                "expected a positive duration, got \"%s\"", s);
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected a duration of at least %s, got \"%s\"", b, s);
    }
    *out_ms = ms;
    return SC_OK;
}

sc_status sc_json_get_time(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                           const char *key, sc_json_req req, int64_t def, const char *tz,
                           int64_t *out_ms)
{
    const char *s = NULL;
    sc_status st = sc_json_get_string(cx, obj, path, key, req, NULL, &s);
    if (st != SC_OK)
        return st;
    if (!s) {
        *out_ms = def;
        return SC_OK;
    }
    sc_time_ms t;
    char why[320];
    if (sc_time_parse_why(s, tz, &t, why, sizeof why) != SC_OK) {
        if (why[0]) /* a local time in a daylight-saving gap (issue 13) */
            return sc_json_fail(cx, SC_ERR_INPUT, path, key, "%s", why);
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected a timestamp such as \"2026-03-02T00:00:00Z\", got \"%s\"",
                            s);
    }
    *out_ms = t;
    return SC_OK;
}
