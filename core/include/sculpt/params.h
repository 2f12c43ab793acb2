/*
 * params.h - declared parameters of plug-ins (forecasters, optimizers, policies,
 * providers): one table per type, checked in one place, printed as help.
 *
 * A plug-in type lists its parameters as a const array of sc_param_def (name, kind,
 * default as text, range, help line).  The registry wrapper (sc_policy_alloc, ...)
 * calls sc_params_check on the user's JSON object before the type's init, so every
 * type rejects unknown keys, wrong kinds and out-of-range values the same way and with
 * the same messages; init then reads the values with the typed getters below, which
 * return the checked value or the table's default.  The table is therefore the single
 * place where a parameter's default, range and help live; `sculpt run --help-policy
 * NAME` prints it (sc_params_print).
 *
 * Messages.  `where` is the place of the params object, "file: $.policies[2].params",
 * optionally followed by a note in parentheses ("... (policy 'hpa')").  A message about
 * a member puts the member's path in sc_error.where: the key is appended to the JSON
 * path (the token starting with '$'), before any note:
 *     where "demo.json: $.policies[2].params.tagret_util (policy 'hpa')"
 *     msg   "unknown parameter 'tagret_util' (did you mean 'target_util'?)"
 * When `where` holds no JSON path the key follows it after ": ".  An unknown key gets
 * the closest declared name when it is a likely typo (optimal-string-alignment
 * Damerau-Levenshtein distance <= max(1, strlen(key) / 3): one transposition counts
 * 1), else the list of valid names.  Keys starting with "_" or "comment" are comments
 * and always allowed (json.h's convention); a key given twice is an error.
 *
 * Kinds and what the checker accepts (lo/hi: the range; it applies when lo < hi, with
 * either end open by a flag; use -INFINITY / INFINITY for an unbounded end):
 *   NUMBER    a finite JSON number in the range; with `values` also one of those words
 *             (oracle's serve_util: a number in (0, 1] or "target" or "slo").
 *   INTEGER   a JSON number with no fractional part, in the range.
 *   BOOL      true or false.
 *   DURATION  a duration string ("250ms", "15s", "5m", "2h", "7d", "1w", or a bare
 *             number of seconds as text) or, unless SC_PARAM_TEXT_ONLY, a JSON number of
 *             seconds in [0, 1e12); always >= 0; the range is in ms.
 *   STRING    a JSON string whose length lies in the range (lo/hi are characters).
 *   ENUM      one of the NULL-terminated `values`.
 *   NUMBERS   a non-empty JSON array of numbers, each in the range, at most max_items
 *             (0 = no limit), strictly increasing with SC_PARAM_INCREASING.
 *   OBJECT    a JSON object, checked by the reader that owns it (declared for help).
 * Defaults: `def` is text for help ("15s", "0.1", "app's target_util").  A getter uses
 * it when the key is absent and the text parses as the kind; otherwise (a default that
 * depends on the scenario) it leaves *out as the caller preset it.
 *
 * Tables are const data with static storage; nothing here allocates or keeps state.
 */
#ifndef SCULPT_PARAMS_H
#define SCULPT_PARAMS_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sculpt/status.h"

struct cJSON;

SC_BEGIN_DECLS

typedef enum sc_param_kind {
    SC_PARAM_NUMBER = 0,
    SC_PARAM_INTEGER,
    SC_PARAM_BOOL,
    SC_PARAM_DURATION,
    SC_PARAM_STRING,
    SC_PARAM_ENUM,
    SC_PARAM_NUMBERS,
    SC_PARAM_OBJECT,
    SC_PARAM_KIND_COUNT
} sc_param_kind;

/* Flags of sc_param_def.flags. */
enum {
    SC_PARAM_LO_OPEN = 1u << 0,    /* range excludes lo */
    SC_PARAM_HI_OPEN = 1u << 1,    /* range excludes hi */
    SC_PARAM_INCREASING = 1u << 2, /* NUMBERS: strictly increasing */
    SC_PARAM_TEXT_ONLY = 1u << 3   /* DURATION: a JSON number of seconds is refused */
};

typedef struct sc_param_def {
    const char *name;            /* JSON key */
    sc_param_kind kind;
    const char *def;             /* default as text for help; NULL = none (absent = off) */
    double lo, hi;               /* range, used when lo < hi (DURATION: ms; STRING:
                                    characters; NUMBERS: each element) */
    unsigned flags;              /* SC_PARAM_* above */
    const char *const *values;   /* ENUM: allowed words, NULL-terminated; NUMBER: extra
                                    words accepted instead of a number (or NULL) */
    size_t max_items;            /* NUMBERS: most elements; 0 = no limit */
    const char *help;            /* one line */
} sc_param_def;

/* "number", "integer", "bool", "duration", "string", "enum", "numbers", "object". */
const char *sc_param_kind_name(sc_param_kind kind);

/* Optimal string alignment distance (Levenshtein plus adjacent transpositions, each
 * substring edited once) between a and b; SIZE_MAX when either exceeds 64 bytes. */
size_t sc_params_edit_distance(const char *a, const char *b);

/* The candidate closest to word (first on ties) when it is a likely typo: distance
 * <= max(1, strlen(word) / 3); else NULL.  n candidates (NULL entries skipped). */
const char *sc_params_suggest(const char *word, const char *const *cands, size_t n);

/* The def named name, or NULL. */
const sc_param_def *sc_params_find(const sc_param_def *defs, size_t n, const char *name);

/* The place of member key of the params object at where (the key appended to the JSON
 * path, before any note), for messages of checks an init makes itself. */
void sc_params_member_where(char *out, size_t len, const char *where, const char *key);

/* Check obj against the table: an object, no key twice, every key declared (or a
 * comment key), every value of its kind and in range.  SC_ERR_INPUT with the member's
 * path and what was expected (messages above).  obj NULL is an empty object. */
sc_status sc_params_check(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                          const char *where, sc_error *err);

/* Typed getters over a CHECKED object: the value of key `name`, else the table's
 * default when it parses, else *out unchanged.  SC_ERR_INTERNAL when name is not in the
 * table or is declared with another kind (a programming error, so tests catch it). */
sc_status sc_params_get_number(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                               const char *name, double *out);
sc_status sc_params_get_int(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                            const char *name, int64_t *out);
sc_status sc_params_get_bool(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                             const char *name, int *out);
sc_status sc_params_get_duration(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                                 const char *name, int64_t *out_ms);
/* *out borrows the string inside obj or the table's default text. */
sc_status sc_params_get_string(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                               const char *name, const char **out);
/* ENUM: index of the word in values.  NUMBER with words: the word's index, or -1 when a
 * number was given (read it with sc_params_get_number). */
sc_status sc_params_get_enum(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                             const char *name, int *out);
/* NUMBERS: copies at most cap values into out[], their count into *n_out (both left
 * unchanged when absent and the default does not parse). */
sc_status sc_params_get_numbers(const sc_param_def *defs, size_t n, const struct cJSON *obj,
                                const char *name, double *out, size_t cap, size_t *n_out);

/* The accepted values of d as text: "[0, 1]", "> 0", "max | mean", "(0, 1] | target";
 * "" when anything of the kind is accepted.  Returns buf. */
char *sc_params_range_text(const sc_param_def *d, char *buf, size_t len);

/* Print the table, one parameter a line, columns aligned:
 *     name  kind  default  accepted  help
 * Each line starts with `indent`. */
void sc_params_print(FILE *fp, const sc_param_def *defs, size_t n, const char *indent);

SC_END_DECLS

#endif
