/*
 * params.c - plug-in parameter tables: the checker, the typed getters and the help
 * printer of params.h.
 *
 * The checker walks the user's object once, in its order: the first offending member
 * is reported, so a message names one key and one expectation.  Each kind has one
 * "what was expected" phrase (expect_text), used both in error messages and, through
 * sc_params_range_text, in the help table, so the two cannot disagree.
 *
 * Typos.  sc_params_edit_distance is the optimal string alignment distance (Damerau's
 * adjacent transposition counted as one edit, as people mistype "tagret" for
 * "target"); json.c's sc_json_suggest uses plain Levenshtein, where a transposition
 * costs 2.  The threshold max(1, len / 3) is the same as json.c's, so both readers
 * suggest for similar typos.
 *
 * Durations keep the exact conversion of the former sc_policy_param_duration: a text
 * goes through sc_duration_parse, a JSON number v of seconds becomes
 * (int64_t)(v * 1000 + 0.5) ms, so a converted policy reads the same values to the
 * millisecond.
 */
#include "sculpt/params.h"

#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sculpt/json.h"
#include "sculpt/time.h"

static const char *const kind_names[SC_PARAM_KIND_COUNT] = {
    "number", "integer", "bool", "duration", "string", "enum", "numbers", "object"};

const char *sc_param_kind_name(sc_param_kind kind)
{
    return (unsigned)kind < SC_PARAM_KIND_COUNT ? kind_names[kind] : "?";
}

/* ---- typo suggestions --------------------------------------------------------------- */

size_t sc_params_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > 64 || lb > 64)
        return SIZE_MAX;
    /* d[i][j]: distance between a[0..i) and b[0..j); three rows suffice */
    size_t rows[3][65];
    size_t *prev2 = rows[0], *prev = rows[1], *cur = rows[2];
    for (size_t j = 0; j <= lb; j++)
        prev[j] = j;
    for (size_t i = 1; i <= la; i++) {
        cur[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t best = prev[j - 1] + (a[i - 1] != b[j - 1]);
            if (prev[j] + 1 < best)
                best = prev[j] + 1;
            if (cur[j - 1] + 1 < best)
                best = cur[j - 1] + 1;
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
                prev2[j - 2] + 1 < best)
                best = prev2[j - 2] + 1;
            cur[j] = best;
        }
        size_t *t = prev2;
        prev2 = prev;
        prev = cur;
        cur = t;
    }
    return prev[lb];
}

const char *sc_params_suggest(const char *word, const char *const *cands, size_t n)
{
    if (!word || !cands)
        return NULL;
    size_t len = strlen(word), limit = len / 3 > 1 ? len / 3 : 1;
    size_t bestd = SIZE_MAX;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!cands[i])
            continue;
        size_t d = sc_params_edit_distance(word, cands[i]);
        if (d < bestd) {
            bestd = d;
            best = cands[i];
        }
    }
    return bestd <= limit ? best : NULL;
}

static const char *suggest_def(const char *word, const sc_param_def *defs, size_t n)
{
    size_t len = strlen(word), limit = len / 3 > 1 ? len / 3 : 1;
    size_t bestd = SIZE_MAX;
    const char *best = NULL;
    for (size_t i = 0; i < n; i++) {
        size_t d = sc_params_edit_distance(word, defs[i].name);
        if (d < bestd) {
            bestd = d;
            best = defs[i].name;
        }
    }
    return bestd <= limit ? best : NULL;
}

const sc_param_def *sc_params_find(const sc_param_def *defs, size_t n, const char *name)
{
    for (size_t i = 0; defs && name && i < n; i++)
        if (strcmp(defs[i].name, name) == 0)
            return &defs[i];
    return NULL;
}

/* ---- text of ranges ----------------------------------------------------------------- */

/* Append to buf (always terminated, truncated). */
static void cat(char *buf, size_t len, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void cat(char *buf, size_t len, const char *fmt, ...)
{
    size_t used = strlen(buf);
    if (used + 1 >= len)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf + used, len - used, fmt, ap);
    va_end(ap);
}

/* A duration in ms as the largest unit that divides it: "1h", "90s", "250ms". */
static void fmt_duration(char *buf, size_t len, double ms)
{
    static const struct {
        const char *u;
        double ms;
    } units[] = {{"d", 86400000.0}, {"h", 3600000.0}, {"m", 60000.0}, {"s", 1000.0}};
    if (isinf(ms)) {
        snprintf(buf, len, "inf");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms != 0 && fmod(ms, units[i].ms) == 0) {
            snprintf(buf, len, "%.15g%s", ms / units[i].ms, units[i].u);
            return;
        }
    snprintf(buf, len, ms == 0 ? "0s" : "%.15gms", ms);
}

static void fmt_bound(const sc_param_def *d, double v, char *buf, size_t len)
{
    if (d->kind == SC_PARAM_DURATION)
        fmt_duration(buf, len, v);
    else
        snprintf(buf, len, "%.15g", v);
}

static int has_range(const sc_param_def *d)
{
    return d->lo < d->hi;
}

/* "[0, 1]", "> 0", ">= 1", "<= 5"; "" without a range. */
static void range_text(const sc_param_def *d, char *buf, size_t len)
{
    buf[0] = '\0';
    if (!has_range(d))
        return;
    char lo[40], hi[40];
    fmt_bound(d, d->lo, lo, sizeof lo);
    fmt_bound(d, d->hi, hi, sizeof hi);
    int lo_open = (d->flags & SC_PARAM_LO_OPEN) != 0, hi_open = (d->flags & SC_PARAM_HI_OPEN) != 0;
    if (isinf(d->hi) && isinf(d->lo))
        return;
    if (isinf(d->hi))
        snprintf(buf, len, "%s %s", lo_open ? ">" : ">=", lo);
    else if (isinf(d->lo))
        snprintf(buf, len, "%s %s", hi_open ? "<" : "<=", hi);
    else
        snprintf(buf, len, "%c%s, %s%c", lo_open ? '(' : '[', lo, hi, hi_open ? ')' : ']');
}

static void words_text(const char *const *values, char *buf, size_t len, const char *sep)
{
    for (size_t i = 0; values && values[i]; i++)
        cat(buf, len, "%s\"%s\"", i ? sep : "", values[i]);
}

char *sc_params_range_text(const sc_param_def *d, char *buf, size_t len)
{
    if (!buf || !len)
        return buf;
    buf[0] = '\0';
    switch (d->kind) {
    case SC_PARAM_NUMBER:
    case SC_PARAM_INTEGER:
    case SC_PARAM_DURATION:
        range_text(d, buf, len);
        if (d->kind == SC_PARAM_DURATION && !buf[0])
            snprintf(buf, len, ">= 0s");
        if (d->kind == SC_PARAM_DURATION && (d->flags & SC_PARAM_TEXT_ONLY))
            cat(buf, len, ", text only");
        if (d->kind == SC_PARAM_NUMBER && d->values) {
            cat(buf, len, "%s", buf[0] ? " | " : "");
            words_text(d->values, buf, len, " | ");
        }
        break;
    case SC_PARAM_STRING:
        if (has_range(d)) {
            if (isinf(d->hi) && d->lo == 1)
                snprintf(buf, len, "non-empty");
            else if (isinf(d->hi))
                snprintf(buf, len, ">= %.0f chars", d->lo);
            else
                snprintf(buf, len, "%.0f-%.0f chars", d->lo, d->hi);
        }
        break;
    case SC_PARAM_ENUM:
        words_text(d->values, buf, len, " | ");
        break;
    case SC_PARAM_NUMBERS:
        range_text(d, buf, len);
        if (d->flags & SC_PARAM_INCREASING)
            cat(buf, len, "%sincreasing", buf[0] ? ", " : "");
        if (d->max_items)
            cat(buf, len, "%s1-%zu items", buf[0] ? ", " : "", d->max_items);
        break;
    default:
        break;
    }
    return buf;
}

/* "positive " for (0, inf), "non-negative " for [0, inf), else "" (then the range
 * follows the noun). */
static const char *sign_word(const sc_param_def *d)
{
    if (d->lo != 0 || !isinf(d->hi) || d->hi < 0)
        return "";
    return d->flags & SC_PARAM_LO_OPEN ? "positive " : "non-negative ";
}

/* What a value of d must be, for messages: "a number in [0, 1]", "a positive
 * duration such as \"15s\" or a number of seconds", "one of \"max\", \"mean\"". */
static void expect_text(const sc_param_def *d, char *buf, size_t len)
{
    char r[96];
    range_text(d, r, sizeof r);
    const char *sign = sign_word(d);
    if (sign[0])
        r[0] = '\0';
    if (r[0] == '[' || r[0] == '(') { /* "in [0, 1]"; "> 0.5" reads as it is */
        char t[sizeof r];
        snprintf(t, sizeof t, "in %.90s", r);
        snprintf(r, sizeof r, "%s", t);
    }
    buf[0] = '\0';
    switch (d->kind) {
    case SC_PARAM_NUMBER:
        if (d->values) {
            words_text(d->values, buf, len, ", ");
            cat(buf, len, " or ");
        }
        cat(buf, len, "a %snumber%s%s", sign, r[0] ? " " : "", r);
        break;
    case SC_PARAM_INTEGER:
        snprintf(buf, len, "a %swhole number%s%s", sign, r[0] ? " " : "", r);
        break;
    case SC_PARAM_BOOL:
        snprintf(buf, len, "true or false");
        break;
    case SC_PARAM_DURATION:
        snprintf(buf, len, "a %sduration%s%s such as \"15s\"%s", sign, r[0] ? " " : "", r,
                 d->flags & SC_PARAM_TEXT_ONLY ? "" : " or a number of seconds");
        break;
    case SC_PARAM_STRING:
        if (has_range(d) && isinf(d->hi) && d->lo == 1)
            snprintf(buf, len, "a non-empty string");
        else if (has_range(d) && isinf(d->hi))
            snprintf(buf, len, "a string of at least %.0f characters", d->lo);
        else if (has_range(d))
            snprintf(buf, len, "a string of %.0f to %.0f characters", d->lo, d->hi);
        else
            snprintf(buf, len, "a string");
        break;
    case SC_PARAM_ENUM:
        snprintf(buf, len, "one of ");
        words_text(d->values, buf, len, ", ");
        break;
    case SC_PARAM_NUMBERS:
        snprintf(buf, len, "an array of ");
        if (d->max_items)
            cat(buf, len, "1 to %zu ", d->max_items);
        cat(buf, len, "%snumbers%s%s", d->flags & SC_PARAM_INCREASING ? "increasing " : "",
            r[0] ? " " : "", r);
        break;
    case SC_PARAM_OBJECT:
        snprintf(buf, len, "an object");
        break;
    default:
        snprintf(buf, len, "a value");
        break;
    }
}

/* ---- the checker -------------------------------------------------------------------- */

static void member_where(char *out, size_t len, const char *where, const char *key,
                         long index);

/* The member's place: key inserted after the JSON path token of where ("$..."). */
void sc_params_member_where(char *out, size_t len, const char *where, const char *key)
{
    member_where(out, len, where, key, -1);
}

static void member_where(char *out, size_t len, const char *where, const char *key,
                         long index)
{
    char idx[32] = "";
    if (index >= 0)
        snprintf(idx, sizeof idx, "[%ld]", index);
    if (!where || !where[0]) {
        snprintf(out, len, "%s%s", key, idx);
        return;
    }
    const char *dollar = strchr(where, '$');
    if (!dollar) {
        snprintf(out, len, "%s: %s%s", where, key, idx);
        return;
    }
    size_t end = (size_t)(dollar - where) + strcspn(dollar, " ");
    snprintf(out, len, "%.*s.%s%s%s", (int)end, where, key, idx, where + end);
}

static int in_range(const sc_param_def *d, double v)
{
    if (!has_range(d))
        return 1;
    int lo_ok = d->flags & SC_PARAM_LO_OPEN ? v > d->lo : v >= d->lo;
    int hi_ok = d->flags & SC_PARAM_HI_OPEN ? v < d->hi : v <= d->hi;
    return lo_ok && hi_ok;
}

/* "1.5", "\"soon\"" (truncated), "a boolean", "an array". */
static void got_text(const cJSON *v, char *buf, size_t len)
{
    if (cJSON_IsNumber(v))
        snprintf(buf, len, "%.15g", v->valuedouble);
    else if (cJSON_IsString(v))
        snprintf(buf, len, "\"%.40s%s\"", v->valuestring,
                 strlen(v->valuestring) > 40 ? "..." : "");
    else
        snprintf(buf, len, "%s", sc_json_type_name(v));
}

static sc_status fail_value(const sc_param_def *d, const cJSON *v, const char *where,
                            long index, sc_error *err)
{
    char place[sizeof err->where], exp[256], got[64];
    member_where(place, sizeof place, where, d->name, index);
    expect_text(d, exp, sizeof exp);
    got_text(v, got, sizeof got);
    char key[96];
    if (index >= 0)
        snprintf(key, sizeof key, "%s[%ld]", d->name, index);
    else
        snprintf(key, sizeof key, "%s", d->name);
    return sc_error_set(err, SC_ERR_INPUT, place, "%s: expected %s, got %s", key, exp, got);
}

static int word_index(const char *const *values, const char *s)
{
    for (int i = 0; values && values[i]; i++)
        if (strcmp(values[i], s) == 0)
            return i;
    return -1;
}

/* The value of a DURATION member in ms, or -1 when it is not one. */
static int64_t duration_ms(const sc_param_def *d, const cJSON *v)
{
    int64_t ms = -1;
    if (cJSON_IsString(v)) {
        if (sc_duration_parse(v->valuestring, &ms) != SC_OK)
            ms = -1;
    } else if (cJSON_IsNumber(v) && !(d->flags & SC_PARAM_TEXT_ONLY) && v->valuedouble >= 0 &&
               v->valuedouble < 1e12) {
        ms = (int64_t)(v->valuedouble * 1000.0 + 0.5);
    }
    return ms;
}

static sc_status check_value(const sc_param_def *d, const cJSON *v, const char *where,
                             sc_error *err)
{
    switch (d->kind) {
    case SC_PARAM_NUMBER:
        if (d->values && cJSON_IsString(v) && word_index(d->values, v->valuestring) >= 0)
            return SC_OK;
        if (cJSON_IsNumber(v) && isfinite(v->valuedouble) && in_range(d, v->valuedouble))
            return SC_OK;
        return fail_value(d, v, where, -1, err);
    case SC_PARAM_INTEGER:
        if (cJSON_IsNumber(v) && isfinite(v->valuedouble) &&
            v->valuedouble == floor(v->valuedouble) && fabs(v->valuedouble) <= 9007199254740992.0 &&
            in_range(d, v->valuedouble))
            return SC_OK;
        return fail_value(d, v, where, -1, err);
    case SC_PARAM_BOOL:
        return cJSON_IsBool(v) ? SC_OK : fail_value(d, v, where, -1, err);
    case SC_PARAM_DURATION: {
        int64_t ms = duration_ms(d, v);
        return ms >= 0 && in_range(d, (double)ms) ? SC_OK : fail_value(d, v, where, -1, err);
    }
    case SC_PARAM_STRING:
        return cJSON_IsString(v) && in_range(d, (double)strlen(v->valuestring))
                   ? SC_OK
                   : fail_value(d, v, where, -1, err);
    case SC_PARAM_ENUM: {
        if (cJSON_IsString(v) && word_index(d->values, v->valuestring) >= 0)
            return SC_OK;
        size_t nv = 0;
        while (d->values && d->values[nv])
            nv++;
        const char *guess = cJSON_IsString(v) ? sc_params_suggest(v->valuestring, d->values, nv)
                                              : NULL;
        if (!guess)
            return fail_value(d, v, where, -1, err);
        char place[sizeof err->where], exp[256], got[64];
        member_where(place, sizeof place, where, d->name, -1);
        expect_text(d, exp, sizeof exp);
        got_text(v, got, sizeof got);
        return sc_error_set(err, SC_ERR_INPUT, place,
                            "%s: expected %s, got %s (did you mean \"%s\"?)", d->name, exp, got,
                            guess);
    }
    case SC_PARAM_NUMBERS: {
        int n = cJSON_IsArray(v) ? cJSON_GetArraySize(v) : 0;
        if (n < 1 || (d->max_items && (size_t)n > d->max_items))
            return fail_value(d, v, where, -1, err);
        long i = 0;
        double prev = 0;
        for (const cJSON *e = v->child; e; e = e->next, i++) {
            int ok = cJSON_IsNumber(e) && isfinite(e->valuedouble) && in_range(d, e->valuedouble);
            if (ok && (d->flags & SC_PARAM_INCREASING) && i > 0 && !(e->valuedouble > prev))
                ok = 0;
            if (!ok) {
                if (cJSON_IsNumber(e) && in_range(d, e->valuedouble)) {
                    char place[sizeof err->where], exp[256];
                    member_where(place, sizeof place, where, d->name, i);
                    expect_text(d, exp, sizeof exp);
                    return sc_error_set(err, SC_ERR_INPUT, place,
                                        "%s[%ld]: expected %s, got %.15g after %.15g", d->name,
                                        i, exp, e->valuedouble, prev);
                }
                return fail_value(d, e, where, i, err);
            }
            prev = e->valuedouble;
        }
        return SC_OK;
    }
    case SC_PARAM_OBJECT:
        return cJSON_IsObject(v) ? SC_OK : fail_value(d, v, where, -1, err);
    default:
        return sc_error_set(err, SC_ERR_INTERNAL, where, "parameter '%s': unknown kind %d",
                            d->name, (int)d->kind);
    }
}

sc_status sc_params_check(const sc_param_def *defs, size_t n, const cJSON *obj,
                          const char *where, sc_error *err)
{
    if (!obj)
        return SC_OK;
    if (!cJSON_IsObject(obj))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "expected a JSON object of parameters, got %s",
                            sc_json_type_name(obj));
    for (const cJSON *it = obj->child; it; it = it->next) {
        const char *k = it->string ? it->string : "";
        char place[sizeof err->where];
        for (const cJSON *o = obj->child; o != it; o = o->next)
            if (o->string && strcmp(o->string, k) == 0) {
                member_where(place, sizeof place, where, k, -1);
                return sc_error_set(err, SC_ERR_INPUT, place, "parameter '%s' given twice", k);
            }
        if (sc_json_is_comment_key(k))
            continue;
        const sc_param_def *d = sc_params_find(defs, n, k);
        if (!d) {
            member_where(place, sizeof place, where, k, -1);
            const char *guess = suggest_def(k, defs, n);
            if (guess)
                return sc_error_set(err, SC_ERR_INPUT, place,
                                    "unknown parameter '%s' (did you mean '%s'?)", k, guess);
            char list[700] = "";
            for (size_t i = 0; i < n; i++)
                cat(list, sizeof list, "%s%s", i ? ", " : "", defs[i].name);
            return sc_error_set(err, SC_ERR_INPUT, place, "unknown parameter '%s' (valid: %s)", k,
                                n ? list : "none");
        }
        sc_status st = check_value(d, it, where, err);
        if (st != SC_OK)
            return st;
    }
    return SC_OK;
}

/* ---- getters ------------------------------------------------------------------------ */

/* The def of name with the given kind, and the member (NULL when absent). */
static sc_status lookup(const sc_param_def *defs, size_t n, const cJSON *obj, const char *name,
                        sc_param_kind kind, const sc_param_def **d, const cJSON **v)
{
    *d = sc_params_find(defs, n, name);
    if (!*d || (*d)->kind != kind)
        return SC_ERR_INTERNAL;
    *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
    return SC_OK;
}

/* Parse the whole of text as a finite number. */
static int parse_number(const char *text, double *out)
{
    if (!text || !*text)
        return 0;
    char *end;
    double x = strtod(text, &end);
    if (*end || !isfinite(x))
        return 0;
    *out = x;
    return 1;
}

sc_status sc_params_get_number(const sc_param_def *defs, size_t n, const cJSON *obj,
                               const char *name, double *out)
{
    const sc_param_def *d;
    const cJSON *v;
    if (lookup(defs, n, obj, name, SC_PARAM_NUMBER, &d, &v))
        return SC_ERR_INTERNAL;
    if (v) {
        if (cJSON_IsNumber(v))
            *out = v->valuedouble;
        return SC_OK;
    }
    parse_number(d->def, out);
    return SC_OK;
}

sc_status sc_params_get_int(const sc_param_def *defs, size_t n, const cJSON *obj,
                            const char *name, int64_t *out)
{
    const sc_param_def *d;
    const cJSON *v;
    if (lookup(defs, n, obj, name, SC_PARAM_INTEGER, &d, &v))
        return SC_ERR_INTERNAL;
    double x;
    if (v && cJSON_IsNumber(v))
        *out = (int64_t)v->valuedouble;
    else if (!v && parse_number(d->def, &x) && x == floor(x))
        *out = (int64_t)x;
    return SC_OK;
}

sc_status sc_params_get_bool(const sc_param_def *defs, size_t n, const cJSON *obj,
                             const char *name, int *out)
{
    const sc_param_def *d;
    const cJSON *v;
    if (lookup(defs, n, obj, name, SC_PARAM_BOOL, &d, &v))
        return SC_ERR_INTERNAL;
    if (v && cJSON_IsBool(v))
        *out = cJSON_IsTrue(v);
    else if (!v && d->def && strcmp(d->def, "true") == 0)
        *out = 1;
    else if (!v && d->def && strcmp(d->def, "false") == 0)
        *out = 0;
    return SC_OK;
}

sc_status sc_params_get_duration(const sc_param_def *defs, size_t n, const cJSON *obj,
                                 const char *name, int64_t *out_ms)
{
    const sc_param_def *d;
    const cJSON *v;
    if (lookup(defs, n, obj, name, SC_PARAM_DURATION, &d, &v))
        return SC_ERR_INTERNAL;
    int64_t ms;
    if (v) {
        if ((ms = duration_ms(d, v)) >= 0)
            *out_ms = ms;
    } else if (d->def && sc_duration_parse(d->def, &ms) == SC_OK) {
        *out_ms = ms;
    }
    return SC_OK;
}

sc_status sc_params_get_string(const sc_param_def *defs, size_t n, const cJSON *obj,
                               const char *name, const char **out)
{
    const sc_param_def *d;
    const cJSON *v;
    if (lookup(defs, n, obj, name, SC_PARAM_STRING, &d, &v))
        return SC_ERR_INTERNAL;
    if (v && cJSON_IsString(v))
        *out = v->valuestring;
    else if (!v && d->def)
        *out = d->def;
    return SC_OK;
}

sc_status sc_params_get_enum(const sc_param_def *defs, size_t n, const cJSON *obj,
                             const char *name, int *out)
{
    const sc_param_def *d = sc_params_find(defs, n, name);
    if (!d || !(d->kind == SC_PARAM_ENUM || (d->kind == SC_PARAM_NUMBER && d->values)))
        return SC_ERR_INTERNAL;
    const cJSON *v = cJSON_IsObject(obj) ? cJSON_GetObjectItemCaseSensitive(obj, name) : NULL;
    const char *word = v ? (cJSON_IsString(v) ? v->valuestring : NULL) : d->def;
    int i = word ? word_index(d->values, word) : -1;
    if (i >= 0)
        *out = i;
    else if (d->kind == SC_PARAM_NUMBER && (v || (d->def && parse_number(d->def, &(double){0}))))
        *out = -1;
    return SC_OK;
}

sc_status sc_params_get_numbers(const sc_param_def *defs, size_t n, const cJSON *obj,
                                const char *name, double *out, size_t cap, size_t *n_out)
{
    const sc_param_def *d;
    const cJSON *v;
    if (lookup(defs, n, obj, name, SC_PARAM_NUMBERS, &d, &v))
        return SC_ERR_INTERNAL;
    size_t k = 0;
    if (v) {
        for (const cJSON *e = v->child; e && k < cap; e = e->next)
            if (cJSON_IsNumber(e))
                out[k++] = e->valuedouble;
        *n_out = k;
        return SC_OK;
    }
    /* default text: numbers separated by commas and/or spaces, optionally in [ ] */
    if (!d->def)
        return SC_OK;
    const char *p = d->def;
    double tmp[64];
    while (*p && k < sizeof tmp / sizeof tmp[0]) {
        while (*p == '[' || *p == ']' || *p == ',' || *p == ' ')
            p++;
        if (!*p)
            break;
        char *end;
        double x = strtod(p, &end);
        if (end == p)
            return SC_OK; /* not a literal list: leave *out unchanged */
        tmp[k++] = x;
        p = end;
    }
    if (k == 0)
        return SC_OK;
    size_t m = k < cap ? k : cap;
    memcpy(out, tmp, m * sizeof *out);
    *n_out = m;
    return SC_OK;
}

/* ---- help --------------------------------------------------------------------------- */

void sc_params_print(FILE *fp, const sc_param_def *defs, size_t n, const char *indent)
{
    static const char *const head[4] = {"parameter", "kind", "default", "accepted"};
    int w[4];
    for (int c = 0; c < 4; c++)
        w[c] = (int)strlen(head[c]);
    char range[256];
    for (size_t i = 0; i < n; i++) {
        const sc_param_def *d = &defs[i];
        int l[4] = {(int)strlen(d->name), (int)strlen(sc_param_kind_name(d->kind)),
                    (int)strlen(d->def ? d->def : "-"),
                    (int)strlen(sc_params_range_text(d, range, sizeof range))};
        for (int c = 0; c < 4; c++)
            if (l[c] > w[c])
                w[c] = l[c];
    }
    if (!indent)
        indent = "";
    fprintf(fp, "%s%-*s  %-*s  %-*s  %-*s  %s\n", indent, w[0], head[0], w[1], head[1], w[2],
            head[2], w[3], head[3], "help");
    for (size_t i = 0; i < n; i++) {
        const sc_param_def *d = &defs[i];
        sc_params_range_text(d, range, sizeof range);
        fprintf(fp, "%s%-*s  %-*s  %-*s  %-*s  %s\n", indent, w[0], d->name, w[1],
                sc_param_kind_name(d->kind), w[2], d->def ? d->def : "-", w[3],
                range[0] ? range : "", d->help ? d->help : "");
    }
}
