/*
 * test_params.c - plug-in parameter tables (sculpt/params.h): typo suggestions, the
 * checker's messages and JSON paths for every kind, the getters' defaults, the policy
 * wrapper rejecting unknown keys for every converted policy, each table against its
 * policy's init, and `sculpt run --help-policy`.
 *
 * Known answers are worked by hand: edit distances from the definition of the optimal
 * string alignment distance (kitten/sitting is the textbook Levenshtein 3; CA/ABC is
 * the textbook case where OSA gives 3 and unrestricted Damerau-Levenshtein 2), and every
 * expected message is written out from the documented format in params.h, not copied
 * from a run.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cjson/cJSON.h>

#include "sculpt/forecast.h"
#include "sculpt/optimizer.h"
#include "sculpt/params.h"
#include "sculpt/policy.h"
#include "sculpt/scenario.h"

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define WHERE "s.json: $.policies[2].params (policy 'p')"

/* ---- edit distance and suggestions ----------------------------------------------------- */

Test(params, edit_distance_hand_cases)
{
    cr_assert_eq(sc_params_edit_distance("", ""), 0);
    cr_assert_eq(sc_params_edit_distance("abc", ""), 3);
    cr_assert_eq(sc_params_edit_distance("", "ab"), 2);
    cr_assert_eq(sc_params_edit_distance("sync", "sync"), 0);
    /* k->s, e->i, insert g */
    cr_assert_eq(sc_params_edit_distance("kitten", "sitting"), 3);
    /* one adjacent transposition (ag <-> ga) */
    cr_assert_eq(sc_params_edit_distance("tagret_util", "target_util"), 1);
    cr_assert_eq(sc_params_edit_distance("ab", "ba"), 1);
    /* OSA may not edit a transposed pair again: CA -> AC -> ABC is not allowed, 3 */
    cr_assert_eq(sc_params_edit_distance("ca", "abc"), 3);
    /* flaw -> law (delete f) -> lawn (insert n) */
    cr_assert_eq(sc_params_edit_distance("flaw", "lawn"), 2);
    char longw[80];
    memset(longw, 'a', sizeof longw - 1);
    longw[sizeof longw - 1] = '\0';
    cr_assert_eq(sc_params_edit_distance(longw, "a"), SIZE_MAX);
}

Test(params, suggestions)
{
    static const char *const c[] = {"sync", "tolerance", "target_util", "scale_up_pods"};
    /* threshold max(1, len / 3) */
    cr_assert_str_eq(sc_params_suggest("tagret_util", c, 4), "target_util"); /* 1 <= 3 */
    cr_assert_str_eq(sc_params_suggest("synk", c, 4), "sync");               /* 1 <= 1 */
    cr_assert_str_eq(sc_params_suggest("tolerence", c, 4), "tolerance");     /* 1 <= 3 */
    cr_assert_str_eq(sc_params_suggest("scale_up_pod", c, 4), "scale_up_pods");
    cr_assert_null(sc_params_suggest("xyz", c, 4));  /* 3 edits from sync > 1 */
    cr_assert_null(sc_params_suggest("pods", c, 4)); /* 3 from sync (p->s, o->y, d->n) > 1 */
    /* tolrnce -> tolerance: 2 insertions, 2 <= 7 / 3 = 2: suggested */
    cr_assert_str_eq(sc_params_suggest("tolrnce", c, 4), "tolerance");
    /* ties go to the first candidate: "ab" is 1 from both "abc" and "abd" */
    static const char *const t[] = {"abd", "abc"};
    cr_assert_str_eq(sc_params_suggest("ab", t, 2), "abd");
    cr_assert_null(sc_params_suggest("ab", NULL, 0));
}

/* ---- the checker: every kind, exact messages and paths ---------------------------------- */

static const char *const stats[] = {"max", "mean", NULL};
static const char *const words[] = {"target", "slo", NULL};

static const sc_param_def T[] = {
    {.name = "target_util", .kind = SC_PARAM_NUMBER, .def = "0.5", .lo = 0, .hi = 1},
    {.name = "rate", .kind = SC_PARAM_NUMBER, .def = "2", .lo = 0, .hi = INFINITY,
     .flags = SC_PARAM_LO_OPEN},
    {.name = "serve_util", .kind = SC_PARAM_NUMBER, .def = "1.0", .lo = 0, .hi = 1,
     .flags = SC_PARAM_LO_OPEN, .values = words},
    {.name = "days", .kind = SC_PARAM_INTEGER, .def = "7", .lo = 1, .hi = 56},
    {.name = "guard", .kind = SC_PARAM_BOOL, .def = "true"},
    {.name = "sync", .kind = SC_PARAM_DURATION, .def = "15s", .lo = 0, .hi = INFINITY,
     .flags = SC_PARAM_LO_OPEN},
    {.name = "window", .kind = SC_PARAM_DURATION, .def = "1d", .lo = 0, .hi = INFINITY,
     .flags = SC_PARAM_LO_OPEN | SC_PARAM_TEXT_ONLY},
    {.name = "hold", .kind = SC_PARAM_DURATION, .def = "0s"},
    {.name = "horizon", .kind = SC_PARAM_DURATION, .def = "24h", .lo = 0, .hi = 14 * 86400000.0,
     .flags = SC_PARAM_LO_OPEN},
    {.name = "ets_spec", .kind = SC_PARAM_STRING, .def = "ANA", .lo = 3, .hi = 7},
    {.name = "events", .kind = SC_PARAM_STRING, .lo = 1, .hi = INFINITY},
    {.name = "label", .kind = SC_PARAM_STRING, .def = "x"},
    {.name = "hour_stat", .kind = SC_PARAM_ENUM, .def = "max", .values = stats},
    {.name = "quantiles", .kind = SC_PARAM_NUMBERS, .def = "[0.5, 0.9]", .lo = 0, .hi = 1,
     .flags = SC_PARAM_LO_OPEN | SC_PARAM_HI_OPEN | SC_PARAM_INCREASING, .max_items = 3},
    {.name = "boot", .kind = SC_PARAM_OBJECT},
    {.name = "level", .kind = SC_PARAM_NUMBER, .def = "app's level", .lo = 0, .hi = 1},
};
#define NT (sizeof T / sizeof T[0])

/* Check json against T at WHERE; expect failure at `place` with message `msg`. */
static void bad(const char *json, const char *place, const char *msg)
{
    cJSON *o = cJSON_Parse(json);
    cr_assert_not_null(o, "test JSON: %s", json);
    sc_error err;
    sc_error_clear(&err);
    cr_assert_eq(sc_params_check(T, NT, o, WHERE, &err), SC_ERR_INPUT, "%s", json);
    cr_assert_eq(err.status, SC_ERR_INPUT);
    cr_assert_str_eq(err.where, place, "%s", json);
    cr_assert_str_eq(err.msg, msg, "%s\n got: %s\nwant: %s", json, err.msg, msg);
    cJSON_Delete(o);
}

static void good(const char *json)
{
    cJSON *o = cJSON_Parse(json);
    cr_assert_not_null(o, "test JSON: %s", json);
    sc_error err;
    sc_error_clear(&err);
    cr_assert_eq(sc_params_check(T, NT, o, WHERE, &err), SC_OK, "%s: %s", json, err.msg);
    cJSON_Delete(o);
}

#define AT(key) "s.json: $.policies[2].params." key " (policy 'p')"

Test(params, unknown_keys)
{
    bad("{\"tagret_util\": 0.5}", AT("tagret_util"),
        "unknown parameter 'tagret_util' (did you mean 'target_util'?)");
    bad("{\"sync\": \"15s\", \"hour_stats\": \"max\"}", AT("hour_stats"),
        "unknown parameter 'hour_stats' (did you mean 'hour_stat'?)");
    bad("{\"zzz\": 1}", AT("zzz"),
        "unknown parameter 'zzz' (valid: target_util, rate, serve_util, days, guard, sync, "
        "window, hold, horizon, ets_spec, events, label, hour_stat, quantiles, boot, level)");
    /* comments are allowed; a key given twice is not */
    good("{\"_comment\": \"why\", \"comment\": 3, \"rate\": 1}");
    bad("{\"rate\": 1, \"rate\": 2}", AT("rate"), "parameter 'rate' given twice");
    /* not an object: the place is the params object itself */
    bad("[1]", WHERE, "expected a JSON object of parameters, got an array");
    good("{}");
    sc_error err;
    cr_assert_eq(sc_params_check(T, NT, NULL, WHERE, &err), SC_OK);
    /* where without a JSON path, and no where at all */
    cJSON *o = cJSON_Parse("{\"tagret_util\": 1}");
    cr_assert_eq(sc_params_check(T, NT, o, "test", &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.where, "test: tagret_util");
    cr_assert_eq(sc_params_check(T, NT, o, NULL, &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.where, "tagret_util");
    /* a path without a note */
    cr_assert_eq(sc_params_check(T, NT, o, "a.json: $.x.params", &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.where, "a.json: $.x.params.tagret_util");
    /* an empty table rejects every key */
    cr_assert_eq(sc_params_check(NULL, 0, o, "a.json: $.x", &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.msg, "unknown parameter 'tagret_util' (valid: none)");
    cJSON_Delete(o);
}

Test(params, numbers_and_integers)
{
    good("{\"target_util\": 0, \"rate\": 1e-9, \"days\": 56}");
    good("{\"target_util\": 1, \"days\": 1.0}");
    bad("{\"target_util\": 1.5}", AT("target_util"),
        "target_util: expected a number in [0, 1], got 1.5");
    bad("{\"target_util\": \"high\"}", AT("target_util"),
        "target_util: expected a number in [0, 1], got \"high\"");
    bad("{\"target_util\": null}", AT("target_util"),
        "target_util: expected a number in [0, 1], got null");
    bad("{\"rate\": 0}", AT("rate"), "rate: expected a positive number, got 0");
    bad("{\"days\": 2.5}", AT("days"), "days: expected a whole number in [1, 56], got 2.5");
    bad("{\"days\": 57}", AT("days"), "days: expected a whole number in [1, 56], got 57");
    bad("{\"days\": true}", AT("days"),
        "days: expected a whole number in [1, 56], got a boolean");
    /* a number or one of the words */
    good("{\"serve_util\": \"slo\"}");
    good("{\"serve_util\": 1}");
    bad("{\"serve_util\": \"targets\"}", AT("serve_util"),
        "serve_util: expected \"target\", \"slo\" or a number in (0, 1], got \"targets\"");
    bad("{\"serve_util\": 0}", AT("serve_util"),
        "serve_util: expected \"target\", \"slo\" or a number in (0, 1], got 0");
}

Test(params, bools_durations_strings)
{
    good("{\"guard\": false}");
    bad("{\"guard\": 1}", AT("guard"), "guard: expected true or false, got 1");
    bad("{\"guard\": \"yes\"}", AT("guard"), "guard: expected true or false, got \"yes\"");
    good("{\"sync\": \"90s\", \"hold\": 0, \"horizon\": \"14d\", \"window\": \"1h\"}");
    good("{\"sync\": 2.5}"); /* seconds */
    bad("{\"sync\": \"soon\"}", AT("sync"),
        "sync: expected a positive duration such as \"15s\" or a number of seconds, got "
        "\"soon\"");
    bad("{\"sync\": \"0s\"}", AT("sync"),
        "sync: expected a positive duration such as \"15s\" or a number of seconds, got \"0s\"");
    bad("{\"hold\": -1}", AT("hold"),
        "hold: expected a duration such as \"15s\" or a number of seconds, got -1");
    bad("{\"window\": 3600}", AT("window"),
        "window: expected a positive duration such as \"15s\", got 3600");
    bad("{\"horizon\": \"15d\"}", AT("horizon"),
        "horizon: expected a duration in (0s, 14d] such as \"15s\" or a number of seconds, "
        "got \"15d\"");
    good("{\"ets_spec\": \"AAdA\", \"events\": \"f.csv\", \"label\": \"\"}");
    bad("{\"ets_spec\": \"AN\"}", AT("ets_spec"),
        "ets_spec: expected a string of 3 to 7 characters, got \"AN\"");
    bad("{\"ets_spec\": \"AAAAAAAA\"}", AT("ets_spec"),
        "ets_spec: expected a string of 3 to 7 characters, got \"AAAAAAAA\"");
    bad("{\"events\": \"\"}", AT("events"), "events: expected a non-empty string, got \"\"");
    bad("{\"label\": 3}", AT("label"), "label: expected a string, got 3");
}

Test(params, enums_lists_objects)
{
    good("{\"hour_stat\": \"mean\", \"quantiles\": [0.1, 0.5, 0.99], \"boot\": {}}");
    bad("{\"hour_stat\": \"medain\"}", AT("hour_stat"),
        "hour_stat: expected one of \"max\", \"mean\", got \"medain\" (did you mean \"mean\"?)");
    bad("{\"hour_stat\": \"p99\"}", AT("hour_stat"),
        "hour_stat: expected one of \"max\", \"mean\", got \"p99\"");
    bad("{\"hour_stat\": 1}", AT("hour_stat"),
        "hour_stat: expected one of \"max\", \"mean\", got 1");
    bad("{\"quantiles\": [0.5, 0.4]}", AT("quantiles[1]"),
        "quantiles[1]: expected an array of 1 to 3 increasing numbers in (0, 1), got 0.4 after "
        "0.5");
    bad("{\"quantiles\": [0.5, 1]}", AT("quantiles[1]"),
        "quantiles[1]: expected an array of 1 to 3 increasing numbers in (0, 1), got 1");
    bad("{\"quantiles\": [\"a\"]}", AT("quantiles[0]"),
        "quantiles[0]: expected an array of 1 to 3 increasing numbers in (0, 1), got \"a\"");
    bad("{\"quantiles\": []}", AT("quantiles"),
        "quantiles: expected an array of 1 to 3 increasing numbers in (0, 1), got an array");
    bad("{\"quantiles\": [0.1, 0.2, 0.3, 0.4]}", AT("quantiles"),
        "quantiles: expected an array of 1 to 3 increasing numbers in (0, 1), got an array");
    bad("{\"quantiles\": 0.5}", AT("quantiles"),
        "quantiles: expected an array of 1 to 3 increasing numbers in (0, 1), got 0.5");
    bad("{\"boot\": 1}", AT("boot"), "boot: expected an object, got 1");
}

/* ---- getters ------------------------------------------------------------------------- */

Test(params, getters_defaults)
{
    cJSON *o = cJSON_Parse("{}");
    double x = -1;
    int64_t i = -1, ms = -1;
    int b = -1, e = -9;
    const char *str = NULL;
    double q[4] = {0};
    size_t nq = 0;
    cr_assert_eq(sc_params_get_number(T, NT, o, "target_util", &x), SC_OK);
    cr_assert_eq(x, 0.5);
    cr_assert_eq(sc_params_get_number(T, NT, o, "rate", &x), SC_OK);
    cr_assert_eq(x, 2.0);
    x = 9;
    cr_assert_eq(sc_params_get_number(T, NT, o, "level", &x), SC_OK);
    cr_assert_eq(x, 9); /* "app's level" is not a literal: left as preset */
    cr_assert_eq(sc_params_get_enum(T, NT, o, "serve_util", &e), SC_OK);
    cr_assert_eq(e, -1); /* default 1.0 is a number */
    cr_assert_eq(sc_params_get_int(T, NT, o, "days", &i), SC_OK);
    cr_assert_eq(i, 7);
    cr_assert_eq(sc_params_get_bool(T, NT, o, "guard", &b), SC_OK);
    cr_assert_eq(b, 1);
    cr_assert_eq(sc_params_get_duration(T, NT, o, "sync", &ms), SC_OK);
    cr_assert_eq(ms, 15000);
    cr_assert_eq(sc_params_get_duration(T, NT, o, "window", &ms), SC_OK);
    cr_assert_eq(ms, 86400000);
    cr_assert_eq(sc_params_get_duration(T, NT, o, "hold", &ms), SC_OK);
    cr_assert_eq(ms, 0);
    cr_assert_eq(sc_params_get_string(T, NT, o, "ets_spec", &str), SC_OK);
    cr_assert_str_eq(str, "ANA");
    str = NULL;
    cr_assert_eq(sc_params_get_string(T, NT, o, "events", &str), SC_OK);
    cr_assert_null(str); /* no default */
    cr_assert_eq(sc_params_get_enum(T, NT, o, "hour_stat", &e), SC_OK);
    cr_assert_eq(e, 0);
    cr_assert_eq(sc_params_get_numbers(T, NT, o, "quantiles", q, 4, &nq), SC_OK);
    cr_assert_eq(nq, 2);
    cr_assert_eq(q[0], 0.5);
    cr_assert_eq(q[1], 0.9);
    /* programming errors: wrong kind, undeclared name */
    cr_assert_eq(sc_params_get_number(T, NT, o, "days", &x), SC_ERR_INTERNAL);
    cr_assert_eq(sc_params_get_duration(T, NT, o, "nope", &ms), SC_ERR_INTERNAL);
    cr_assert_eq(sc_params_get_enum(T, NT, o, "rate", &e), SC_ERR_INTERNAL);
    cJSON_Delete(o);
}

Test(params, getters_values)
{
    cJSON *o = cJSON_Parse("{\"serve_util\": \"slo\", \"hour_stat\": \"mean\", \"quantiles\": "
                           "[0.1, 0.2, 0.3], \"sync\": 2.5, \"window\": \"2h\", \"days\": 12, "
                           "\"guard\": false, \"level\": 0.25, \"label\": \"abc\"}");
    sc_error err;
    cr_assert_eq(sc_params_check(T, NT, o, WHERE, &err), SC_OK, "%s", err.msg);
    double x = -1, q[2] = {0};
    int64_t i = -1, ms = -1;
    int b = -1, e = -9;
    const char *str = NULL;
    size_t nq = 0;
    x = 7;
    cr_assert_eq(sc_params_get_number(T, NT, o, "serve_util", &x), SC_OK);
    cr_assert_eq(x, 7); /* a word: the number is left alone */
    cr_assert_eq(sc_params_get_enum(T, NT, o, "serve_util", &e), SC_OK);
    cr_assert_eq(e, 1);
    cr_assert_eq(sc_params_get_enum(T, NT, o, "hour_stat", &e), SC_OK);
    cr_assert_eq(e, 1);
    cr_assert_eq(sc_params_get_numbers(T, NT, o, "quantiles", q, 2, &nq), SC_OK);
    cr_assert_eq(nq, 2); /* capped at cap */
    cr_assert_eq(q[1], 0.2);
    cr_assert_eq(sc_params_get_duration(T, NT, o, "sync", &ms), SC_OK);
    cr_assert_eq(ms, 2500);
    cr_assert_eq(sc_params_get_duration(T, NT, o, "window", &ms), SC_OK);
    cr_assert_eq(ms, 7200000);
    cr_assert_eq(sc_params_get_int(T, NT, o, "days", &i), SC_OK);
    cr_assert_eq(i, 12);
    cr_assert_eq(sc_params_get_bool(T, NT, o, "guard", &b), SC_OK);
    cr_assert_eq(b, 0);
    cr_assert_eq(sc_params_get_number(T, NT, o, "level", &x), SC_OK);
    cr_assert_eq(x, 0.25);
    cr_assert_eq(sc_params_get_string(T, NT, o, "label", &str), SC_OK);
    cr_assert_str_eq(str, "abc");
    cJSON_Delete(o);
}

/* ---- help table ------------------------------------------------------------------------ */

Test(params, print_aligned)
{
    static const char *const xy[] = {"x", "y", NULL};
    static const sc_param_def d[] = {
        {.name = "a", .kind = SC_PARAM_NUMBER, .def = "1", .lo = 0, .hi = 1, .help = "first"},
        {.name = "long_name", .kind = SC_PARAM_BOOL, .def = "true", .help = "second"},
        {.name = "mode", .kind = SC_PARAM_ENUM, .values = xy, .help = "third"},
    };
    char *buf = NULL;
    size_t len = 0;
    FILE *fp = open_memstream(&buf, &len);
    cr_assert_not_null(fp);
    sc_params_print(fp, d, 3, "> ");
    fclose(fp);
    /* widths: name 9 ("parameter", "long_name"), kind 6 ("number"), default 7
     * ("default"), accepted 9 ("\"x\" | \"y\""); two spaces between columns */
    const char *want = "> parameter  kind    default  accepted   help\n"
                       "> a          number  1        [0, 1]     first\n"
                       "> long_name  bool    true                second\n"
                       "> mode       enum    -        \"x\" | \"y\"  third\n";
    cr_assert_str_eq(buf, want);
    free(buf);
    char r[64];
    static const sc_param_def dur = {.name = "w", .kind = SC_PARAM_DURATION, .lo = 3600000.0,
                                     .hi = INFINITY, .flags = SC_PARAM_TEXT_ONLY};
    cr_assert_str_eq(sc_params_range_text(&dur, r, sizeof r), ">= 1h, text only");
    cr_assert_str_eq(sc_params_range_text(&T[2], r, sizeof r), "(0, 1] | \"target\" | \"slo\"");
    cr_assert_str_eq(sc_params_range_text(&T[13], r, sizeof r),
                     "(0, 1), increasing, 1-3 items");
}

/* ---- the policy wrapper ------------------------------------------------------------------ */

static sc_scenario *load_unit(void)
{
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(UNIT, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    return sc;
}

static const char *const converted[] = {"static", "reactive", "oracle", "snaive-predictive"};

/* Every converted policy rejects an unknown key in sc_policy_alloc, at its JSON path,
 * with a suggestion for a typo of one of its own parameters. */
Test(params, wrapper_rejects_unknown_keys)
{
    sc_scenario *sc = load_unit();
    static const char *const typo[][2] = {{"hedroom", "headroom"},
                                          {"tagret_util", "target_util"},
                                          {"serve_utli", "serve_util"},
                                          {"boot_quantil", "boot_quantile"}};
    for (size_t i = 0; i < sizeof converted / sizeof converted[0]; i++) {
        const sc_policy_type *t;
        sc_error err;
        cr_assert_eq(sc_policy_find(converted[i], &t, &err), SC_OK);
        cr_assert_geq(t->version, 2, "%s", converted[i]);
        sc_policy *p = NULL;
        cr_assert_eq(sc_policy_alloc(t, sc, "{\"bogus_key\": 1}", "u.json: $.policies[0].params",
                                     &p, &err),
                     SC_ERR_INPUT, "%s", converted[i]);
        cr_assert_null(p);
        cr_assert_str_eq(err.where, "u.json: $.policies[0].params.bogus_key");
        cr_assert(strncmp(err.msg, "unknown parameter 'bogus_key' (valid: ", 38) == 0, "%s",
                  err.msg);
        char json[64], want[128];
        snprintf(json, sizeof json, "{\"%s\": 1}", typo[i][0]);
        snprintf(want, sizeof want, "unknown parameter '%s' (did you mean '%s'?)", typo[i][0],
                 typo[i][1]);
        cr_assert_eq(sc_policy_alloc(t, sc, json, "u.json: $.policies[0].params", &p, &err),
                     SC_ERR_INPUT);
        cr_assert_str_eq(err.msg, want);
        /* defaults: an empty object is fine */
        cr_assert_eq(sc_policy_alloc(t, sc, "{}", "w", &p, &err), SC_OK, "%s", err.msg);
        sc_policy_free(p);
    }
    sc_scenario_free(sc);
}

/* A valid value of d's kind and range (1h for durations: every duration parameter of
 * the built-ins accepts it on the unit scenario, whose step is 5m). */
static void sample_value(const sc_param_def *d, char *buf, size_t len)
{
    int lo_open = (d->flags & SC_PARAM_LO_OPEN) != 0;
    int ranged = d->lo < d->hi;
    switch (d->kind) {
    case SC_PARAM_NUMBER:
        if (d->values)
            snprintf(buf, len, "\"%s\"", d->values[0]);
        else if (!ranged)
            snprintf(buf, len, "1");
        else if (isinf(d->hi))
            snprintf(buf, len, "%.17g", d->lo + 1);
        else
            snprintf(buf, len, "%.17g", (d->lo + d->hi) / 2);
        break;
    case SC_PARAM_INTEGER:
        snprintf(buf, len, "%.0f", !ranged ? 1 : lo_open ? floor(d->lo) + 1 : ceil(d->lo));
        break;
    case SC_PARAM_BOOL: snprintf(buf, len, "true"); break;
    case SC_PARAM_DURATION: snprintf(buf, len, "\"1h\""); break;
    case SC_PARAM_STRING:
        if (strcmp(d->name, "optimizer") == 0)
            snprintf(buf, len, "\"lp\"");
        else if (strcmp(d->name, "forecaster") == 0)
            snprintf(buf, len, "\"naive\"");
        else if (strcmp(d->name, "events") == 0)
            snprintf(buf, len, "\"no-such-feed.csv\"");
        else if (strcmp(d->name, "reserve_log") == 0)
            snprintf(buf, len, "\"%s/test_params_reserve_log.json\"", SC_BINARY_DIR);
        else
            snprintf(buf, len, "\"%s\"", d->def ? d->def : "x");
        break;
    case SC_PARAM_ENUM: snprintf(buf, len, "\"%s\"", d->values[0]); break;
    case SC_PARAM_NUMBERS: snprintf(buf, len, "[0.5]"); break;
    default: snprintf(buf, len, "{}"); break;
    }
}

/* Each table against its policy's init: every declared key set alone to a valid value
 * is accepted by sc_policy_alloc (for sculpt and aws-predictive, whose init still checks
 * its own keys, this proves table <= init's keys; their init's key lists have 48 and 16
 * entries, the tables' sizes checked below, so the two sets are equal).  For converted
 * policies init reads every value through the getters, which fail on an undeclared
 * name, so init <= table too. */
Test(params, tables_match_init)
{
    sc_scenario *sc = load_unit();
    char names[512];
    sc_policy_names(names, sizeof names);
    static const char *const all[] = {"static", "reactive", "snaive-predictive",
                                      "aws-predictive", "oracle", "sculpt"};
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        const sc_policy_type *t;
        sc_error err;
        cr_assert_eq(sc_policy_find(all[k], &t, &err), SC_OK);
        const sc_param_def *defs;
        size_t n;
        const char *summary;
        cr_assert_eq(sc_policy_params(t, &defs, &n, &summary), 1, "%s has no table", all[k]);
        cr_assert_not_null(summary);
        if (strcmp(all[k], "sculpt") == 0)
            cr_assert_eq(n, 64); /* 26 + the six slo_* of sculpt_slo.c + the five
                                    instance-type keys of sculpt_itype.c + the six of
                                    sculpt_size.c (serve_util, headroom*, guard_headroom) + five burst*
                                    (sculpt_burst.c) + routing, route_util,
                                    route_cool, route_pick and route_stay
                                    (sculpt_route.c) + robust, robust_k, robust_tail
                                    (core/forecast/robust.c) + profile_spread
                                    (sculpt_intrahour.c) + stockout,
                                    stockout_backoff, stockout_backoff_max
                                    (sculpt_stockout.c) + guard_margin,
                                    guard_margin_max, guard_margin_safety
                                    (sculpt_lead.c) + violation_memory
                                    (sculpt_vmem.c) */
        if (strcmp(all[k], "aws-predictive") == 0)
            cr_assert_eq(n, 16); /* 15 + purchase (read by sc_purchase_mix_read) */
        for (size_t i = 0; i < n; i++) {
            char val[256], json[400];
            sample_value(&defs[i], val, sizeof val);
            snprintf(json, sizeof json, "{\"%s\": %s}", defs[i].name, val);
            /* the sample is valid for the table itself */
            cJSON *o = cJSON_Parse(json);
            cr_assert_eq(sc_params_check(defs, n, o, "w", &err), SC_OK, "%s %s: %s", all[k],
                         json, err.msg);
            cJSON_Delete(o);
            sc_policy *p = NULL;
            sc_error_clear(&err);
            sc_status st = sc_policy_alloc(t, sc, json, "w", &p, &err);
            cr_assert(st == SC_OK || !strstr(err.msg, "unknown parameter"), "%s %s: %s", all[k],
                      json, err.msg);
            /* "events" names a feed file; the sample names none, so only the missing file
             * may be reported */
            if (strcmp(defs[i].name, "events") != 0)
                cr_assert_eq(st, SC_OK, "%s %s: %s: %s", all[k], json, err.where, err.msg);
            sc_policy_free(p);
        }
    }
    sc_scenario_free(sc);
    remove(SC_BINARY_DIR "/test_params_reserve_log.json");
}

/* ---- sculpt run --help-policy -------------------------------------------------------------- */

/* Run the CLI; stdout and stderr into out; returns the exit code. */
static int run_cli(const char *args, char *out, size_t len)
{
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "%s %s 2>&1", SC_SCULPT_BIN, args);
    FILE *fp = popen(cmd, "r");
    cr_assert_not_null(fp);
    size_t n = fread(out, 1, len - 1, fp);
    out[n] = '\0';
    int rc = pclose(fp);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(params, help_policy_cli)
{
    static char out[65536];
    static const char *const all[] = {"static", "reactive", "snaive-predictive",
                                      "aws-predictive", "oracle", "sculpt"};
    cr_assert_eq(run_cli("run --help-policy", out, sizeof out), 0, "%s", out);
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++)
        cr_assert_not_null(strstr(out, all[k]), "list lacks %s: %s", all[k], out);
    for (size_t k = 0; k < sizeof all / sizeof all[0]; k++) {
        char args[128];
        snprintf(args, sizeof args, "run --help-policy %s", all[k]);
        cr_assert_eq(run_cli(args, out, sizeof out), 0, "%s", out);
        const sc_policy_type *t;
        cr_assert_eq(sc_policy_find(all[k], &t, NULL), SC_OK);
        const sc_param_def *defs;
        size_t n;
        const char *summary;
        sc_policy_params(t, &defs, &n, &summary);
        for (size_t i = 0; i < n; i++)
            cr_assert_not_null(strstr(out, defs[i].name), "%s: %s missing", all[k],
                               defs[i].name);
    }
    cr_assert_eq(run_cli("run --help-policy=oracle", out, sizeof out), 0);
    cr_assert_not_null(strstr(out, "serve_util"));
    cr_assert_eq(run_cli("run --help-policy reactiv", out, sizeof out), 2);
    cr_assert_not_null(strstr(out, "unknown policy 'reactiv' (did you mean 'reactive'?)"), "%s",
                       out);
    cr_assert_eq(run_cli("run --help-policy qqq", out, sizeof out), 2);
    cr_assert_not_null(strstr(out, "unknown policy 'qqq' (valid: static, reactive"), "%s", out);
    cr_assert_eq(run_cli("run --help", out, sizeof out), 0);
    cr_assert_not_null(strstr(out, "--help-policy"));
}

/* ---- optimizers and providers -------------------------------------------------------------- */

Test(params, optimizer_config_from_json)
{
    const sc_optimizer_type *lp, *ga;
    cr_assert_eq(sc_optimizer_find("lp", &lp, NULL), SC_OK);
    cr_assert_eq(sc_optimizer_find("ga", &ga, NULL), SC_OK);
    cr_assert_geq(lp->version, 2);
    cr_assert_eq(lp->n_params, 5);
    cr_assert_eq(ga->n_params, 3);
    sc_opt_config cfg;
    sc_opt_config_init(&cfg);
    sc_error err;
    /* given keys are copied; absent ones keep cfg's values (not the table's defaults) */
    cfg.presolve = 0;
    cJSON *o = cJSON_Parse("{\"milp_max_int\": 0, \"warm_start\": false}");
    cr_assert_eq(sc_opt_config_from_json(lp, o, "x.json: $.opt", &cfg, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(cfg.milp_max_int, 0);
    cr_assert_eq(cfg.warm_start, 0);
    cr_assert_eq(cfg.presolve, 0);
    cr_assert_eq(cfg.newsvendor, 1);
    cJSON_Delete(o);
    /* a ga key given to lp: unknown, with the suggestion among lp's names if close */
    o = cJSON_Parse("{\"ga_population\": 10}");
    cr_assert_eq(sc_opt_config_from_json(lp, o, "x.json: $.opt", &cfg, &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.where, "x.json: $.opt.ga_population");
    cr_assert_str_eq(err.msg, "unknown parameter 'ga_population' (valid: milp_max_int, "
                              "warm_start, presolve, decompose_steps, newsvendor)");
    cr_assert_eq(sc_opt_config_from_json(ga, o, "x.json: $.opt", &cfg, &err), SC_OK);
    cr_assert_eq(cfg.ga_population, 10);
    cJSON_Delete(o);
    o = cJSON_Parse("{\"ga_population\": 3, \"seed\": 7}");
    int before = cfg.ga_population;
    cr_assert_eq(sc_opt_config_from_json(ga, o, "x.json: $.opt", &cfg, &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.msg, "ga_population: expected a whole number in [4, 1000000], got 3");
    cr_assert_eq(cfg.ga_population, before); /* unchanged on error */
    cJSON_Delete(o);
    o = cJSON_Parse("{\"seed\": 7, \"ga_generatons\": 5}");
    cr_assert_eq(sc_opt_config_from_json(ga, o, "x.json: $.opt", &cfg, &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.msg, "unknown parameter 'ga_generatons' (did you mean 'ga_generations'?)");
    cJSON_Delete(o);
}

/* The mock's table: the region keys of the scenario (parse_regions' list) that the mock
 * applies, i.e. all but "name" and "egress_per_gb" (billed by sim.c, not the mock). */
Test(params, mock_provider_table)
{
    extern const sc_provider_type sc_mock_provider_type;
    const sc_provider_type *t = &sc_mock_provider_type;
    cr_assert_geq(t->version, 2);
    static const char *const region_keys[] = {"boot", "vcpu_quota", "spot_interrupt_per_hour",
                                              "reserved_term", "api_rate_per_sec", "types"};
    cr_assert_eq(t->n_params, sizeof region_keys / sizeof region_keys[0]);
    for (size_t i = 0; i < t->n_params; i++)
        cr_assert_not_null(sc_params_find(t->params, t->n_params, region_keys[i]), "%s",
                           region_keys[i]);
}

/* Forecasters (version 3): ets declares its own parameters, the common ones apply to
 * every model; values and messages by hand from the tables' documented ranges. */
Test(params, forecaster_tables)
{
    const sc_forecaster_type *ets, *naive;
    sc_error err;
    cr_assert_eq(sc_forecaster_type_find("ets", &ets, &err), SC_OK);
    cr_assert_eq(sc_forecaster_type_find("naive", &naive, &err), SC_OK);
    const sc_param_def *defs;
    size_t n;
    sc_forecaster_params(ets, &defs, &n);
    cr_assert_eq(n, 5);
    static const char *const own[] = {"spec", "alpha", "beta", "gamma", "phi"};
    for (size_t i = 0; i < 5; i++)
        cr_assert_not_null(sc_params_find(defs, n, own[i]), "%s", own[i]);
    sc_forecaster_params(naive, &defs, &n);
    cr_assert_eq(n, 0);

    sc_forecast_config cfg;
    sc_forecast_config_init(&cfg);
    cJSON *o = cJSON_Parse("{\"spec\": \"AAdA\", \"alpha\": 0.25, \"period\": 24, \"nsim\": 500}");
    cr_assert_eq(sc_forecast_config_from_json(ets, o, "f.json: $.model", &cfg, &err), SC_OK,
                 "%s", err.msg);
    cr_assert_str_eq(cfg.ets.spec, "AAdA");
    cr_assert_eq(cfg.ets.alpha, 0.25);
    cr_assert(isnan(cfg.ets.beta)); /* absent: still estimated */
    cr_assert_eq(cfg.period, 24);
    cr_assert_eq(cfg.nsim, 500);
    cr_assert_eq(cfg.seed, 1); /* absent: unchanged */
    cJSON_Delete(o);

    o = cJSON_Parse("{\"alpah\": 0.3}");
    cr_assert_eq(sc_forecast_config_from_json(ets, o, "f.json: $.model", &cfg, &err), SC_ERR_INPUT);
    cr_assert_str_eq(err.msg, "unknown parameter 'alpah' (did you mean 'alpha'?)");
    cr_assert(strstr(err.where, "$.model.alpah") != NULL, "%s", err.where);
    cJSON_Delete(o);

    o = cJSON_Parse("{\"phi\": 0.5}"); /* R's damping bounds are [0.8, 0.98] */
    cr_assert_eq(sc_forecast_config_from_json(ets, o, "f.json: $.model", &cfg, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "phi") && strstr(err.msg, "[0.8, 0.98]"), "%s", err.msg);
    cJSON_Delete(o);

    /* a model without parameters of its own refuses ets's */
    o = cJSON_Parse("{\"spec\": \"ANN\"}");
    cr_assert_eq(sc_forecast_config_from_json(naive, o, "f.json: $.model", &cfg, &err),
                 SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "unknown parameter 'spec'") != NULL, "%s", err.msg);
    cJSON_Delete(o);
}

Test(params, help_model_cli)
{
    char out[16384];
    cr_assert_eq(run_cli("forecast --help-model ets", out, sizeof out), 0, "%s", out);
    static const char *const names[] = {"spec", "alpha", "beta", "gamma", "phi", "period",
                                        "seed", "nsim"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        cr_assert(strstr(out, names[i]) != NULL, "%s missing from\n%s", names[i], out);
    cr_assert_eq(run_cli("forecast --help-model", out, sizeof out), 0, "%s", out);
    cr_assert(strstr(out, "ensemble") != NULL, "%s", out);
    cr_assert_eq(run_cli("forecast --help-model etz", out, sizeof out), 2, "%s", out);
    cr_assert(strstr(out, "did you mean 'ets'") != NULL, "%s", out);
}
