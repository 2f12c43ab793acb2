/*
 * sized.c - the pools of the adapters whose pool is one absolute size (cloudrest.h):
 * Azure scale sets (sku.capacity) and GCP managed instance groups (targetSize).  The
 * on-demand and spot pools of (app, region) are slots ar * 2 + spot of size[]; a
 * provision or deprovision becomes an absolute target computed once, written to the
 * journal as "KEY=N" before the call and read back at apply, so a repeat after a crash
 * asks for the same size.
 */
#define _POSIX_C_SOURCE 200809L
#include "cloudrest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

sc_status sc_sized_alloc(sc_sized *z, const char *tmpl, sc_error *err)
{
    const sc_scenario *sc = z->sc;
    size_t nar = sc->n_apps * sc->n_regions;
    z->group = calloc(nar + 1, sizeof *z->group);
    z->size = malloc((2 * nar + 1) * sizeof *z->size);
    if (!z->group || !z->size) {
        sc_sized_cleanup(z);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    if (!tmpl)
        tmpl = "sculpt-{app}-{region}";
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = ap * sc->n_regions + r;
            sc_cloud_expand(z->group[ar], sizeof z->group[0], tmpl, sc->apps[ap].name, "",
                            sc->regions[r].name);
            z->size[2 * ar] = z->size[2 * ar + 1] = -1;
        }
    return SC_OK;
}

void sc_sized_cleanup(sc_sized *z)
{
    free(z->group);
    free(z->size);
    z->group = NULL;
    z->size = NULL;
}

size_t sc_sized_slot(const sc_sized *z, const sc_action *act)
{
    size_t ar = (size_t)act->app * z->sc->n_regions + (size_t)act->region;
    return ar * 2 + (act->option == SC_PURCHASE_SPOT ? 1 : 0);
}

sc_status sc_sized_check(const sc_sized *z, const sc_action *act, sc_error *err)
{
    const sc_scenario *sc = z->sc;
    if (act->kind == SC_ACTION_SET_WEIGHT)
        return SC_OK;
    if (act->option == SC_PURCHASE_RESERVED || act->type != sc->apps[act->app].instance_type ||
        (act->kind != SC_ACTION_PROVISION && act->kind != SC_ACTION_DEPROVISION))
        return sc_error_set(err, SC_ERR_INPUT, z->who, "pool %s/%s %s %s: %s",
                            sc->apps[act->app].name, sc->regions[act->region].name,
                            sc->types[act->type].name, sc_purchase_name(act->option),
                            z->manages);
    return SC_OK;
}

sc_status sc_sized_target(const sc_sized *z, const sc_action *act, int *target, sc_error *err)
{
    return sc_cloud_target_of(z->snapshot, z->state, z->sc->n_apps, z->sc->n_regions,
                              &z->size[sc_sized_slot(z, act)], act, target, err);
}

sc_status sc_sized_prepare(const sc_sized *z, sc_live_call *c, sc_error *err)
{
    sc_status st = sc_sized_check(z, c->act, err);
    if (st)
        return st;
    if (c->act->kind == SC_ACTION_SET_WEIGHT) {
        snprintf(c->payload, sizeof c->payload, "weight=%d", c->act->weight);
        return SC_OK;
    }
    int target;
    if ((st = sc_sized_target(z, c->act, &target, err)))
        return st;
    snprintf(c->payload, sizeof c->payload, "%s=%d", z->key, target);
    return SC_OK;
}

sc_status sc_sized_ctrl(const sc_sized *z, const sc_http *http, char *payload, long mutating,
                        long read_only, int op, void *arg, sc_error *err)
{
    switch (op) {
    case SC_PROVIDER_CTRL_CALL:
        snprintf(payload, SC_LIVE_PAYLOAD_MAX, "%s", ((const sc_live_call *)arg)->payload);
        return SC_OK;
    case SC_PROVIDER_CTRL_PREPARE:
        return sc_sized_prepare(z, arg, err);
    case SC_PROVIDER_CTRL_IS_REAL:
        *(int *)arg = 1;
        return SC_OK;
    case SC_PROVIDER_CTRL_CLOUD_STATS:
        sc_cloud_stats_fill(arg, http, mutating, read_only);
        return SC_OK;
    default:
        return SC_ERR_NOTFOUND;
    }
}

sc_status sc_sized_begin(const sc_sized *z, const sc_action *act, char *payload, int *before,
                         int *target, sc_error *err)
{
    size_t slot = sc_sized_slot(z, act);
    size_t kl = strlen(z->key);
    *target = -1;
    if (payload[0] && (strncmp(payload, z->key, kl) != 0 || payload[kl] != '=' ||
                       sscanf(payload + kl + 1, "%d", target) != 1))
        *target = -1;
    payload[0] = '\0';
    *before = z->size[slot];
    sc_status st;
    if (*target < 0 && (st = sc_sized_target(z, act, target, err)))
        return st;
    if (*before < 0)
        *before = z->size[slot];
    return SC_OK;
}

void sc_sized_done(const sc_sized *z, const sc_action *act, int before, int target,
                   sc_action_result *res)
{
    z->size[sc_sized_slot(z, act)] = target;
    int moved = before >= 0 ? (target > before ? target - before : before - target) : act->count;
    res->accepted = moved < act->count ? moved : act->count;
    if (act->kind == SC_ACTION_DEPROVISION && before >= 0 && before < act->count)
        res->limited = act->count - before;
}
