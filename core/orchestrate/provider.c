/*
 * provider.c - provider registry and the wrappers that are the only callers of a
 * provider's methods (see provider.h).
 *
 * The registry knows the live adapters by name even when they are not built, so that
 * asking for "aws" in a build without it says "not built" rather than "unknown"
 * (curl's habit with TLS back ends).
 */
#include "sculpt/provider.h"

#include "sculpt/cloud.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_PROVIDERS 16

/* registered[] and n_registered are read and written under registry_lock only, so
 * register and find are safe from several threads at once (sc_global_init registers the
 * mock provider; a type, once registered, is never removed or changed). */
static const sc_provider_type *registered[MAX_PROVIDERS];
static size_t n_registered;
static pthread_mutex_t registry_lock = PTHREAD_MUTEX_INITIALIZER;

/* Live adapters built into the library (core/cloud/), found without registering. */
static const sc_provider_type *const builtin_live[] = {&sc_aws_provider_type,
                                                      &sc_terraform_provider_type,
                                                      &sc_azure_provider_type,
                                                      &sc_gcp_provider_type};

/* Adapters the project knows of; those not registered are reported as not built. */
static const char *const known_names[] = {"mock", "aws", "azure", "gcp", "terraform"};

const char *sc_action_kind_name(sc_action_kind k)
{
    static const char *const names[] = {"provision", "deprovision", "resize", "relocate",
                                            "set_weight"};
    if ((unsigned)k >= SC_ACTION_KIND_COUNT)
        return "unknown";
    return names[k];
}

sc_status sc_provider_register(const sc_provider_type *type)
{
    if (!type || !type->name)
        return SC_ERR_INTERNAL;
    sc_status st = SC_OK;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < n_registered; i++)
        if (registered[i] == type || strcmp(registered[i]->name, type->name) == 0)
            goto done;
    if (n_registered >= MAX_PROVIDERS) {
        st = SC_ERR_INTERNAL;
        goto done;
    }
    registered[n_registered++] = type;
done:
    pthread_mutex_unlock(&registry_lock);
    return st;
}

sc_status sc_provider_find(const char *name, const sc_provider_type **out, sc_error *err)
{
    *out = NULL;
    pthread_mutex_lock(&registry_lock);
    for (size_t i = 0; i < n_registered; i++)
        if (strcmp(registered[i]->name, name) == 0) {
            *out = registered[i];
            break;
        }
    pthread_mutex_unlock(&registry_lock);
    for (size_t i = 0; !*out && i < sizeof builtin_live / sizeof builtin_live[0]; i++)
        if (strcmp(builtin_live[i]->name, name) == 0)
            *out = builtin_live[i];
    if (*out)
        return SC_OK;
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++)
        if (strcmp(known_names[i], name) == 0)
            return sc_error_set(err, SC_ERR_NOTBUILT, NULL,
                                "provider '%s' is known but not built into this binary",
                                name);
    char list[256] = "";
    for (size_t i = 0; i < sizeof known_names / sizeof known_names[0]; i++) {
        strncat(list, i ? ", " : "", sizeof list - strlen(list) - 1);
        strncat(list, known_names[i], sizeof list - strlen(list) - 1);
    }
    return sc_error_set(err, SC_ERR_NOTFOUND, NULL, "unknown provider '%s' (valid: %s)", name,
                        list);
}

sc_status sc_provider_alloc(const sc_provider_type *type, const void *config,
                            sc_provider **out, sc_error *err)
{
    *out = NULL;
    sc_provider *p = calloc(1, sizeof *p);
    if (!p)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    p->type = type;
    p->state = calloc(1, type->state_size ? type->state_size : 1);
    if (!p->state) {
        free(p);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    sc_status st = type->init ? type->init(p->state, config, err) : SC_OK;
    if (st != SC_OK) {
        free(p->state);
        free(p);
        return st;
    }
    *out = p;
    return SC_OK;
}

void sc_provider_free(sc_provider *p)
{
    if (!p)
        return;
    if (p->type->cleanup)
        p->type->cleanup(p->state);
    free(p->state);
    free(p);
}

sc_status sc_provider_apply(sc_provider *p, const sc_action *act, sc_time_ms now,
                            sc_action_result *res, sc_error *err)
{
    memset(res, 0, sizeof *res);
    if (act->kind == SC_ACTION_SET_WEIGHT) {
        if (act->weight < 0 || act->weight > SC_ROUTE_WEIGHT_MAX)
            return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                                "set_weight: weight %d outside 0..%d", act->weight,
                                SC_ROUTE_WEIGHT_MAX);
        p->n_calls++;
        return p->type->apply(p->state, act, now, res, err);
    }
    if (act->count <= 0)
        return SC_OK;
    if ((unsigned)act->kind >= SC_ACTION_KIND_COUNT ||
        (unsigned)act->option >= SC_PURCHASE_COUNT)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "malformed action");
    p->n_calls++;
    return p->type->apply(p->state, act, now, res, err);
}

sc_status sc_provider_describe(sc_provider *p, int app, int region, int type,
                               sc_purchase option, sc_pool_state *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    return p->type->describe(p->state, app, region, type, option, out, err);
}

sc_status sc_provider_snapshot(sc_provider *p, const sc_scenario *sc, sc_pool_state *out,
                               size_t n, int since_last, sc_error *err)
{
    size_t nr = sc->n_regions;
    if (n != sc->n_apps * nr * SC_PURCHASE_COUNT)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "provider snapshot: %zu entries for %zu apps x %zu regions x %d "
                            "options",
                            n, sc->n_apps, nr, SC_PURCHASE_COUNT);
    if (p->type->version >= 2 && p->type->snapshot)
        return p->type->snapshot(p->state, out, n, since_last, err);
    /* Version 1: one describe per pool. */
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < nr; r++)
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                sc_status st = sc_provider_describe(p, (int)a, (int)r,
                                                    sc->apps[a].instance_type,
                                                    (sc_purchase)o,
                                                    &out[(a * nr + r) * SC_PURCHASE_COUNT +
                                                         (size_t)o],
                                                    err);
                if (st != SC_OK)
                    return st;
            }
    return SC_OK;
}
