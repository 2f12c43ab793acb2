/*
 * fuzz_params.c - fuzz harness of the plug-in parameter checker (sc_params_check,
 * core/include/sculpt/params.h), which reads the "params" object of every policy in a
 * scenario, and of its typed getters.
 *
 * The input is JSON text.  It is checked against the table of every built-in policy
 * (sc_policy_params) and of the lp and ga optimizers.  Checks: a failure carries a
 * message and the status SC_ERR_INPUT; after a success every getter of every declared
 * parameter succeeds (a getter reading a checked object never meets a value it cannot
 * read); the edit distance of every key to every declared name is symmetric.
 */
#include <string.h>

#include <cjson/cJSON.h>

#include "fuzz.h"
#include "sculpt/optimizer.h"
#include "sculpt/params.h"
#include "sculpt/policy.h"

static void read_all(const sc_param_def *d, size_t n, const cJSON *o)
{
    for (size_t i = 0; i < n; i++) {
        double x = 0, q[32];
        int64_t v = 0;
        int b = 0, e = 0;
        const char *s = NULL;
        size_t nq = 0;
        sc_status st = SC_OK;
        switch (d[i].kind) {
        case SC_PARAM_NUMBER:
            st = sc_params_get_number(d, n, o, d[i].name, &x);
            if (!st && d[i].values)
                st = sc_params_get_enum(d, n, o, d[i].name, &e);
            break;
        case SC_PARAM_INTEGER: st = sc_params_get_int(d, n, o, d[i].name, &v); break;
        case SC_PARAM_BOOL: st = sc_params_get_bool(d, n, o, d[i].name, &b); break;
        case SC_PARAM_DURATION:
            st = sc_params_get_duration(d, n, o, d[i].name, &v);
            if (v < 0)
                abort();
            break;
        case SC_PARAM_STRING: st = sc_params_get_string(d, n, o, d[i].name, &s); break;
        case SC_PARAM_ENUM: st = sc_params_get_enum(d, n, o, d[i].name, &e); break;
        case SC_PARAM_NUMBERS:
            st = sc_params_get_numbers(d, n, o, d[i].name, q, 32, &nq);
            break;
        default: break;
        }
        if (st != SC_OK)
            abort();
    }
}

static void check(const sc_param_def *d, size_t n, const cJSON *o)
{
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_params_check(d, n, o, "f.json: $.policies[0].params (policy 'p')", &err);
    if (st == SC_OK) {
        read_all(d, n, o);
    } else if (st != SC_ERR_INPUT || !err.msg[0] || !err.where[0]) {
        abort();
    }
    for (const cJSON *it = cJSON_IsObject(o) ? o->child : NULL; it; it = it->next)
        for (size_t i = 0; i < n && it->string; i++)
            if (sc_params_edit_distance(it->string, d[i].name) !=
                sc_params_edit_distance(d[i].name, it->string))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char *text = sc_fuzz_strndup(data, size);
    if (!text)
        return 0;
    cJSON *o = cJSON_Parse(text);
    free(text);
    if (!o)
        return 0;
    static const char *const names[] = {"static", "reactive", "snaive-predictive",
                                        "aws-predictive", "oracle", "sculpt"};
    for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
        const sc_policy_type *t;
        const sc_param_def *d;
        size_t n;
        const char *summary;
        if (sc_policy_find(names[k], &t, NULL) == SC_OK && sc_policy_params(t, &d, &n, &summary))
            check(d, n, o);
    }
    check(sc_optimizer_lp_params, sc_optimizer_lp_n_params, o);
    check(sc_optimizer_ga_params, sc_optimizer_ga_n_params, o);
    cJSON_Delete(o);
    return 0;
}
