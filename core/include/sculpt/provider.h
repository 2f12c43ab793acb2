/*
 * provider.h - the provider interface: how plans reach a cloud.
 *
 * One shape for the mock cloud of the simulator and the live adapters (AWS, Azure, GCP,
 * Terraform emitter): a const type struct with a name, a version, the size of the
 * state the core allocates for it, and methods; an instance pairs a type with its
 * state.  The core calls methods only through the sc_provider_* wrappers below, which
 * are the one place for argument checks and counting.  New methods go at the end and
 * bump `version` (SQLite's iVersion habit).
 *
 * Pools: capacity is counted per pool = (app, region, instance type, purchase option).
 * Actions (sc_action) are defined with the plans in orchestrator.h; the orchestrator
 * (sc_orch) is the only caller of sc_provider_apply in the simulator and live mode, and
 * it reads capacity only through sc_provider_snapshot.
 *
 * Versions: 1 = init, cleanup, apply, describe, ctrl.  2 adds snapshot (every pool of
 * the apps' own instance types in one call); sc_provider_snapshot falls back to one
 * describe per pool for a version-1 type.
 */
#ifndef SCULPT_PROVIDER_H
#define SCULPT_PROVIDER_H

#include "sculpt/export.h"

#include <stddef.h>

#include "sculpt/orchestrator.h"
#include "sculpt/params.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

/* What the provider reports back for one apply. */
typedef struct sc_action_result {
    int accepted;               /* instances accepted (0..count) */
    int throttled;              /* 1 if the API rate limit refused the call */
    int limited;                /* instances refused by capacity limit or quota */
} sc_action_result;

/* Capacity of one pool as the provider sees it. */
typedef struct sc_pool_state {
    int booting;      /* requested, not yet running */
    int warming;      /* running, app warming up: billed, not serving */
    int ready;        /* serving */
    int interrupting; /* spot with an interruption notice: still serving */
    int draining;     /* deprovisioned, draining: billed, not serving */
    int impaired;     /* of ready + interrupting: failing their status checks, billed and
                         serving nothing (a partial capacity loss, as EC2's
                         DescribeInstanceStatus reports it "impaired"); 0 when the
                         provider does not report it (issue 11) */
} sc_pool_state;

typedef struct sc_provider_type {
    const char *name;
    int version;          /* 1 or 2 (2: has snapshot, params and n_params) */
    size_t state_size;    /* bytes the core allocates (zeroed) for an instance */
    /* Set up the state from a provider-specific config (may be NULL). */
    sc_status (*init)(void *state, const void *config, sc_error *err);
    void (*cleanup)(void *state);
    /* Issue one action at time now. */
    sc_status (*apply)(void *state, const sc_action *act, sc_time_ms now,
                       sc_action_result *res, sc_error *err);
    /* Current capacity of pool (app, region, type, option). */
    sc_status (*describe)(void *state, int app, int region, int type, sc_purchase option,
                          sc_pool_state *out, sc_error *err);
    /* Escape hatch for provider-specific operations (0 = unsupported). */
    sc_status (*ctrl)(void *state, int op, void *arg, sc_error *err);
    /* Version 2.  Every pool of each app's own instance type into out[(app * n_regions
     * + region) * SC_PURCHASE_COUNT + option], n entries (n = apps x regions x
     * SC_PURCHASE_COUNT).  since_last = 1 promises that out holds what this method
     * wrote on its previous call, unchanged, so the provider may rewrite only the pools
     * that changed since (the mock does); 0 asks for every entry.  One consumer per
     * instance may use since_last (the orchestrator). */
    sc_status (*snapshot)(void *state, sc_pool_state *out, size_t n, int since_last,
                          sc_error *err);
    /* ---- also version 2 (params.h): the settings the provider reads, declared for help and
     * for a JSON config; the mock's come from the scenario's $.regions[i] ---- */
    const sc_param_def *params; /* [n_params], static storage */
    size_t n_params;
} sc_provider_type;

typedef struct sc_provider {
    const sc_provider_type *type;
    void *state;          /* owned, type->state_size bytes */
    long n_calls;         /* apply calls made through the wrapper */
} sc_provider;

/* Find a provider type by name among the registered and the known-but-not-built ones.
 * Unknown names give SC_ERR_NOTFOUND listing the valid names; a known live adapter
 * that was not built gives SC_ERR_NOTBUILT. */
sc_status sc_provider_find(const char *name, const sc_provider_type **out, sc_error *err);
/* Register a provider type (the simulator registers "mock").  Not thread-safe: call
 * at start-up. */
sc_status sc_provider_register(const sc_provider_type *type);

/* Allocate an instance of type and run its init.  Free with sc_provider_free. */
sc_status sc_provider_alloc(const sc_provider_type *type, const void *config,
                            sc_provider **out, sc_error *err);
void sc_provider_free(sc_provider *p);
sc_status sc_provider_apply(sc_provider *p, const sc_action *act, sc_time_ms now,
                            sc_action_result *res, sc_error *err);
sc_status sc_provider_describe(sc_provider *p, int app, int region, int type,
                               sc_purchase option, sc_pool_state *out, sc_error *err);
/* All pools of scenario sc's apps' own instance types into out (layout of the
 * snapshot method; n must be apps x regions x SC_PURCHASE_COUNT, else SC_ERR_INTERNAL).
 * Version 2 types answer in one call (since_last as there); version 1 types get one
 * describe per pool. */
sc_status sc_provider_snapshot(sc_provider *p, const sc_scenario *sc, sc_pool_state *out,
                               size_t n, int since_last, sc_error *err);

SC_END_DECLS

#endif
