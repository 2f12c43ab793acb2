/*
 * cmd_params.c - `sculpt run --help-policy [NAME]`: the declared parameters of a policy
 * (params.h), or the list of policies with one line each.
 *
 *   sculpt run --help-policy            every policy type: name and summary
 *   sculpt run --help-policy reactive   reactive's table: parameter, kind, default,
 *                                       accepted values, help
 *
 * The tables come from sc_policy_params (the type's own, or the declared table of a
 * built-in whose init still checks its keys itself).  An unknown name is a usage error
 * with "did you mean" (exit 2), like an unknown parameter in a scenario.  Output goes to
 * stdout; this file only prints, the tables live with their policies.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "sculpt/forecast.h"
#include "sculpt/params.h"
#include "sculpt/policy.h"

#define MAX_NAMES 64

/* Split sc_policy_names' "a, b, c" into names[] (pointers into buf). */
static size_t policy_names(char *buf, size_t len, const char **names, size_t cap)
{
    sc_policy_names(buf, len);
    size_t n = 0;
    for (char *p = buf; *p && n < cap;) {
        names[n++] = p;
        char *sep = strstr(p, ", ");
        if (!sep)
            break;
        *sep = '\0';
        p = sep + 2;
    }
    return n;
}

static void print_list(FILE *fp, const char *const *names, size_t n)
{
    int w = 4;
    for (size_t i = 0; i < n; i++)
        if ((int)strlen(names[i]) > w)
            w = (int)strlen(names[i]);
    fprintf(fp, "Policies (sculpt run --help-policy NAME lists a policy's parameters):\n");
    for (size_t i = 0; i < n; i++) {
        const sc_policy_type *t = NULL;
        const sc_param_def *defs;
        size_t nd;
        const char *summary = NULL;
        if (sc_policy_find(names[i], &t, NULL) == SC_OK)
            sc_policy_params(t, &defs, &nd, &summary);
        fprintf(fp, "  %-*s  %s\n", w, names[i], summary ? summary : "");
    }
}

int sc_cmd_help_policy(const char *name, FILE *fp)
{
    char buf[1024];
    const char *names[MAX_NAMES];
    size_t n = policy_names(buf, sizeof buf, names, MAX_NAMES);
    if (!name || !*name) {
        print_list(fp, names, n);
        return 0;
    }
    const sc_policy_type *t;
    sc_error err;
    sc_error_clear(&err);
    if (sc_policy_find(name, &t, &err) != SC_OK) {
        const char *guess = sc_params_suggest(name, names, n);
        if (guess) {
            sc_error_set(&err, SC_ERR_USAGE, "--help-policy",
                         "unknown policy '%s' (did you mean '%s'?)", name, guess);
        } else {
            char list[600] = "";
            for (size_t i = 0; i < n; i++) {
                strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
                strncat(list, names[i], sizeof list - strlen(list) - 1);
            }
            sc_error_set(&err, SC_ERR_USAGE, "--help-policy", "unknown policy '%s' (valid: %s)",
                         name, list);
        }
        return sc_cli_fail(&err);
    }
    const sc_param_def *defs;
    size_t nd;
    const char *summary;
    int have = sc_policy_params(t, &defs, &nd, &summary);
    fprintf(fp, "policy %s%s%s\n", t->name, summary ? ": " : "", summary ? summary : "");
    if (!have) {
        fprintf(fp, "  (no parameter table declared: see the policy's source)\n");
        return 0;
    }
    if (nd == 0) {
        fprintf(fp, "  (no parameters)\n");
        return 0;
    }
    fprintf(fp, "Parameters (\"params\" of $.policies[i]; all optional):\n");
    sc_params_print(fp, defs, nd, "  ");
    fprintf(fp, "Durations are strings such as \"15s\", \"5m\", \"2h\", \"7d\"%s.\n",
            "; a number means seconds unless the kind says text only");
    return 0;
}

/* ---- sculpt forecast --help-model [NAME] ------------------------------------------- */

int sc_cmd_help_model(const char *name, FILE *fp)
{
    const sc_forecaster_type *const *types = sc_forecaster_types();
    const size_t n_common = sizeof sc_forecast_common_params / sizeof sc_forecast_common_params[0];
    if (!name || !*name) {
        fprintf(fp, "Models (sculpt forecast --help-model NAME lists a model's parameters):\n");
        for (size_t i = 0; types[i]; i++) {
            const sc_param_def *defs;
            size_t nd;
            sc_forecaster_params(types[i], &defs, &nd);
            fprintf(fp, "  %-10s %zu own parameter%s\n", types[i]->name, nd, nd == 1 ? "" : "s");
        }
        fprintf(fp, "Every model also reads:\n");
        sc_params_print(fp, sc_forecast_common_params, n_common, "  ");
        return 0;
    }
    const sc_forecaster_type *t;
    sc_error err;
    sc_error_clear(&err);
    if (sc_forecaster_type_find(name, &t, &err) != SC_OK) {
        const char *names[64];
        size_t n = 0;
        for (size_t i = 0; types[i] && n < 64; i++)
            names[n++] = types[i]->name;
        const char *guess = sc_params_suggest(name, names, n);
        if (guess)
            sc_error_set(&err, SC_ERR_USAGE, "--help-model",
                         "unknown model '%s' (did you mean '%s'?)", name, guess);
        else
            snprintf(err.where, sizeof err.where, "--help-model");
        return sc_cli_fail(&err);
    }
    const sc_param_def *defs;
    size_t nd;
    sc_forecaster_params(t, &defs, &nd);
    fprintf(fp, "model %s\n", t->name);
    if (nd) {
        fprintf(fp, "Parameters of the model:\n");
        sc_params_print(fp, defs, nd, "  ");
    } else {
        fprintf(fp, "  (no parameters of its own)\n");
    }
    fprintf(fp, "Common to every model:\n");
    sc_params_print(fp, sc_forecast_common_params, n_common, "  ");
    return 0;
}
