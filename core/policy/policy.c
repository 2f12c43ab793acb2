/*
 * policy.c - policy registry, plans, and the wrappers that are the only callers of a
 * policy's methods (policy.h).
 */
#include "sculpt/policy.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#define MAX_POLICIES 32

static const sc_policy_type *builtin[] = {&sc_policy_static, &sc_policy_reactive,
                                          &sc_policy_snaive_predictive,
                                          &sc_policy_aws_predictive, &sc_policy_oracle,
                                          &sc_policy_sculpt};
/* Types registered at run time.  Built-ins are a const array; extra[] and n_extra are
 * read and written under registry_lock only, so register, find and names are safe from
 * several threads at once (a type, once registered, is never removed or changed). */
static const sc_policy_type *extra[MAX_POLICIES];
static size_t n_extra;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* The body of both sc_plan_to_target variants, inlined into each: the reactive policy
 * calls it for every pool at every sync, so a wrapper call would show in bench_scale. */
static inline sc_status to_target(sc_plan *plan, const sc_policy_view *view, int app,
                                  int region, sc_purchase option, int target,
                                  const char *reason)
{
    const sc_pool_state *ps = sc_view_pool(view, app, region, option);
    int have = sc_pool_requested(ps);
    if (target == have)
        return SC_OK;
    sc_action a = {
        .kind = target > have ? SC_ACTION_PROVISION : SC_ACTION_DEPROVISION,
        .app = app,
        .region = region,
        .type = view->sc->apps[app].instance_type,
        .option = option,
        .count = target > have ? target - have : have - target,
        .to_region = -1,
        .to_type = -1,
        .issue_ms = view->now,
        .needed_ms = view->now,
        .reason = reason ? reason
                         : (target > have ? "scale out to target" : "scale in to target"),
    };
    return sc_plan_push(plan, &a);
}

sc_status sc_plan_to_target(sc_plan *plan, const sc_policy_view *view, int app, int region,
                            sc_purchase option, int target)
{
    return to_target(plan, view, app, region, option, target, NULL);
}

sc_status sc_plan_to_target_why(sc_plan *plan, const sc_policy_view *view, int app,
                                int region, sc_purchase option, int target,
                                const char *reason)
{
    return to_target(plan, view, app, region, option, target, reason);
}

double sc_view_ieq_max(const sc_policy_view *v, int app, int region, sc_time_ms t0,
                       sc_time_ms t1)
{
    const sc_scenario *sc = v->sc;
    int64_t k0 = sc_time_floor_div(t0 - sc->start, sc->step_ms);
    int64_t k1 = sc_time_floor_div(t1 - 1 - sc->start, sc->step_ms);
    double m = NAN;
    for (int64_t k = k0 < 0 ? 0 : k0; k <= k1; k++) {
        double e = sc_view_ieq(v, app, region, k);
        if (e >= 0 && !(e <= m))
            m = e;
    }
    return m;
}

sc_status sc_policy_param_duration(const cJSON *params, const char *key, int positive,
                                   int64_t *out, const char *where, sc_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, key);
    if (!v)
        return SC_OK;
    int64_t ms = -1;
    if (cJSON_IsString(v)) {
        if (sc_duration_parse(v->valuestring, &ms) != SC_OK)
            ms = -1;
    } else if (cJSON_IsNumber(v) && v->valuedouble >= 0 && v->valuedouble < 1e12) {
        ms = (int64_t)(v->valuedouble * 1000.0 + 0.5);
    }
    if (ms < 0 || (positive && ms == 0))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "%s: expected a %sduration such as \"15s\" or a number of seconds",
                            key, positive ? "positive " : "");
    *out = ms;
    return SC_OK;
}

sc_status sc_policy_param_number(const cJSON *params, const char *key, double lo, double hi,
                                 int lo_open, double *out, const char *where, sc_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, key);
    if (!v)
        return SC_OK;
    if (!cJSON_IsNumber(v) || !(lo_open ? v->valuedouble > lo : v->valuedouble >= lo) ||
        !(v->valuedouble <= hi))
        return sc_error_set(err, SC_ERR_INPUT, where, "%s: expected a number in %c%g, %g]", key,
                            lo_open ? '(' : '[', lo, hi);
    *out = v->valuedouble;
    return SC_OK;
}

sc_status sc_policy_param_bool(const cJSON *params, const char *key, int *out,
                               const char *where, sc_error *err)
{
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, key);
    if (!v)
        return SC_OK;
    if (!cJSON_IsBool(v))
        return sc_error_set(err, SC_ERR_INPUT, where, "%s: expected true or false", key);
    *out = cJSON_IsTrue(v);
    return SC_OK;
}

sc_status sc_policy_register(const sc_policy_type *type)
{
    sc_status st = SC_OK;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < n_extra; i++)
        if (extra[i] == type)
            goto done;
    if (n_extra >= MAX_POLICIES) {
        st = SC_ERR_INTERNAL;
        goto done;
    }
    extra[n_extra++] = type;
done:
    pthread_mutex_unlock(&registry_lock);
    return st;
}

void sc_policy_names(char *buf, size_t len)
{
    buf[0] = '\0';
    size_t nb = sizeof builtin / sizeof builtin[0];
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < nb + n_extra; i++) {
        const sc_policy_type *t = i < nb ? builtin[i] : extra[i - nb];
        strncat(buf, i ? ", " : "", len - strlen(buf) - 1);
        strncat(buf, t->name, len - strlen(buf) - 1);
    }
    pthread_mutex_unlock(&registry_lock);
}

sc_status sc_policy_find(const char *name, const sc_policy_type **out, sc_error *err)
{
    *out = NULL;
    size_t nb = sizeof builtin / sizeof builtin[0];
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < nb + n_extra; i++) {
        const sc_policy_type *t = i < nb ? builtin[i] : extra[i - nb];
        if (strcmp(t->name, name) == 0) {
            *out = t;
            break;
        }
    }
    pthread_mutex_unlock(&registry_lock);
    if (*out)
        return SC_OK;
    char names[512];
    sc_policy_names(names, sizeof names);
    return sc_error_set(err, SC_ERR_NOTFOUND, NULL, "unknown policy '%s' (valid: %s)", name,
                        names);
}

sc_status sc_policy_alloc(const sc_policy_type *type, const sc_scenario *sc,
                          const char *params_json, const char *where, sc_policy **out,
                          sc_error *err)
{
    *out = NULL;
    cJSON *params = cJSON_Parse(params_json && *params_json ? params_json : "{}");
    if (!params || !cJSON_IsObject(params)) {
        cJSON_Delete(params);
        return sc_error_set(err, SC_ERR_INPUT, where, "expected a JSON object of parameters");
    }
    /* `routing` and `routing_period` belong to the routing controller that runs next to
     * every policy (sc_routing_*, orchestrator.h), not to the policy's own table; a
     * policy that plans routing itself declares `routing` in its table (the oracle:
     * "home" | "plan") and then sees it too (the controller runs home for "plan") */
    int own_routing = 0;
    for (size_t i = 0; type->version >= 2 && i < type->n_params; i++)
        own_routing |= strcmp(type->params[i].name, "routing") == 0;
    const cJSON *rt = cJSON_GetObjectItemCaseSensitive(params, "routing");
    if (!own_routing && cJSON_IsString(rt) && strcmp(rt->valuestring, "plan") == 0) {
        cJSON_Delete(params);
        char place[sizeof err->where];
        sc_params_member_where(place, sizeof place, where, "routing");
        return sc_error_set(err, SC_ERR_INPUT, place,
                            "routing: 'plan' needs a policy that plans routing itself "
                            "(oracle, sculpt); %s takes home, latency, failover, spill, "
                            "cheapest",
                            type->name);
    }
    if (!own_routing)
        cJSON_DeleteItemFromObjectCaseSensitive(params, "routing");
    cJSON_DeleteItemFromObjectCaseSensitive(params, "routing_period");
    /* one place for unknown keys, kinds and ranges (params.h) */
    sc_status st = type->version >= 2 ? sc_params_check(type->params, type->n_params, params,
                                                        where, err)
                                      : SC_OK;
    if (st != SC_OK) {
        cJSON_Delete(params);
        return st;
    }
    sc_policy *p = calloc(1, sizeof *p);
    if (!p) {
        cJSON_Delete(params);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    p->type = type;
    p->state = calloc(1, type->state_size ? type->state_size : 1);
    if (!p->state) {
        free(p);
        cJSON_Delete(params);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    st = type->init(p->state, sc, params, where, err);
    cJSON_Delete(params);
    if (st != SC_OK) {
        /* init cleans up what it made before failing */
        free(p->state);
        free(p);
        return st;
    }
    *out = p;
    return SC_OK;
}

void sc_policy_free(sc_policy *p)
{
    if (!p)
        return;
    if (p->type->cleanup)
        p->type->cleanup(p->state);
    free(p->state);
    free(p);
}

int64_t sc_policy_cadence_ms(const sc_policy *p)
{
    int64_t c = p->type->cadence_ms ? p->type->cadence_ms(p->state) : 0;
    return c < 0 ? 0 : c;
}

sc_status sc_policy_decide(sc_policy *p, const sc_policy_view *view, sc_plan *plan,
                           sc_error *err)
{
    p->n_decisions++;
    return p->type->decide(p->state, view, plan, err);
}

int sc_policy_params(const sc_policy_type *type, const sc_param_def **defs, size_t *n,
                     const char **summary)
{
    *defs = NULL;
    *n = 0;
    *summary = NULL;
    if (!type)
        return 0;
    if (type->version >= 2) {
        *defs = type->params;
        *n = type->n_params;
        *summary = type->summary;
        return 1;
    }
    return 0;
}
