/*
 * live.h - live mode: the same core (policy, Orchestrator, provider interface) on a
 * clock, fed by observations, with a write-ahead journal and guardrails.
 *
 * Pieces (each its own file in core/live/, the loop in sim/live.c because it drives the
 * simulator's mock cloud in shadow mode):
 *
 *   clock   (sc_live_clock)   the only reader of the wall clock in sculpt: `wall` (loop
 *                             time = origin + wall time elapsed) or `fast:N` (N times
 *                             faster).  The loop runs at scheduled loop times and only
 *                             asks the clock to wait for them, so a run's decisions do not
 *                             depend on the clock's speed (or on being late).
 *   journal (sc_journal)      write-ahead log of every decision and provider call, text,
 *                             one record per line, fsync'd before the call it announces;
 *                             after a crash the loop replays it (no call for an action
 *                             recorded done; the same idempotency key for one recorded
 *                             as issuing and never answered).
 *   guard   (sc_guard)        guardrails checked on every mutating call: allowed regions,
 *                             instances changed per step and per hour, a budget cap per
 *                             hour of the capacity held, a minimum capacity per pool that
 *                             live mode never goes below, and a kill-switch file.
 *   loop    (sc_live_run)     observe (one step at a time, from a metrics source) ->
 *                             policy decide (the policies feed the Workload Prediction
 *                             Engine themselves) -> orchestrator -> journaling provider
 *                             wrapper -> guard -> provider.
 *
 * Idempotency keys.  Each provider call gets key "<t>-<n>" where t is the loop time of
 * the call (ms since the epoch) and n its rank among the calls at that time: the same
 * plans and the same recorded answers give the same calls in the same order, so a key
 * names one call across crashes.  Adapters pass it on to the cloud (EC2 ClientToken,
 * GCP requestId) through sc_provider ctrl op SC_PROVIDER_CTRL_IDEMPOTENCY_KEY.
 *
 * Dry run.  Without `execute` no mutating call reaches a provider that changes real
 * state; the mock cloud (shadow mode) is still applied, since it only records what would
 * have been done.
 */
#ifndef SCULPT_LIVE_H
#define SCULPT_LIVE_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "sculpt/orchestrator.h"
#include "sculpt/provider.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

SC_BEGIN_DECLS

/* ---- provider ctrl ops of live adapters ------------------------------------------- */

/* arg: const char * (the key, NUL-terminated, at most SC_LIVE_KEY_MAX - 1 chars), valid
 * for the next apply call only.  A provider without idempotency answers 0 (unsupported)
 * and the journal's intent record is then the only guard against repeats. */
#define SC_PROVIDER_CTRL_IDEMPOTENCY_KEY 0x4c01
/* Does the provider change real state?  arg: int *, set to 0 by a simulated cloud (the
 * mock), which dry runs still apply.  A provider that does not answer is treated as
 * real. */
#define SC_PROVIDER_CTRL_IS_REAL 0x4c02
#define SC_LIVE_KEY_MAX 48
#define SC_LIVE_PAYLOAD_MAX 64
#define SC_LIVE_COMMITS_MAX 160

/* The absolute form of one call, written ahead in the journal so that a repeat after a
 * crash is idempotent even where the cloud's API is not keyed: an adapter that scales a
 * group by "desired += n" turns it into "desired=12" at prepare time, and a repeat sends
 * 12 again.  PREPARE (arg: sc_live_call *): the adapter fills payload for act (it may
 * read state; it must not change any).  CALL (arg: const sc_live_call *): key and
 * payload for the next apply (payload from PREPARE, or from the journal on a repeat).
 * A provider without these ops answers SC_ERR_NOTFOUND or SC_ERR_INTERNAL (ignored); any
 * other error from PREPARE stops the call. */
typedef struct sc_live_call {
    const sc_action *act;       /* the call (count after guardrails) */
    const char *key;            /* idempotency key */
    char payload[SC_LIVE_PAYLOAD_MAX]; /* no spaces; "" = none */
    double upfront_usd;         /* PREPARE out: an upfront price the call commits (AWS: a
                                   Reserved Instance purchase), counted by the budget
                                   guardrail; 0 = none */
    char commits[SC_LIVE_COMMITS_MAX]; /* PREPARE out: what the call would buy besides
                                   instances, for review (no spaces; "" = nothing); AWS:
                                   "ri:<region>:<type>:<offering id>:<count>" for the
                                   Reserved Instances a provision purchases.  A dry run
                                   prepares its calls too and journals it, with
                                   upfront_usd, without making the call. */
} sc_live_call;
#define SC_PROVIDER_CTRL_PREPARE 0x4c03
#define SC_PROVIDER_CTRL_CALL 0x4c04
/* REPLAYED (arg: const sc_live_call *, payload from the journal): a call the journal
 * records as done, replayed on a resume without being sent: an adapter that keeps state
 * across calls (GCP: every geography's weight, to combine them) learns it.  Optional. */
#define SC_PROVIDER_CTRL_REPLAYED 0x4c05
/* PLAN_ID (arg: const char *, SC_LIVE_PLAN_ID_MAX - 1 chars at most): the identity of the
 * plan the loop executes, sent once after the journal is open and before any call:
 * sc_live_plan_id of the journal's scenario, policy and origin.  An adapter derives its
 * cloud-side idempotency tokens from it, the call's key and the pool (EC2 ClientToken), so
 * that tokens are deterministic (the same journal for the same run) yet differ between
 * plans.  Optional. */
#define SC_PROVIDER_CTRL_PLAN_ID 0x4c06
#define SC_LIVE_PLAN_ID_MAX 17

/* The plan id: 16 hex digits of FNV-1a 64 over "<scenario hash, 16 hex>|<policy
 * label>|<origin ms>", the three things the journal's header names (a journal holds one
 * plan).  out[SC_LIVE_PLAN_ID_MAX]. */
void sc_live_plan_id(const sc_scenario *sc, const char *policy_label,
                     sc_time_ms origin_ms, char *out);

/* ---- clock ------------------------------------------------------------------------ */

typedef struct sc_live_clock {
    double speed;               /* loop ms per wall ms: 1 = wall, N = fast:N */
    sc_time_ms origin_ms;       /* loop time at the wall instant wall0_ms */
    int64_t wall0_ms;           /* CLOCK_MONOTONIC ms when the clock was started */
} sc_live_clock;

/* Parse "wall" or "fast:N" (N a number >= 1).  SC_ERR_USAGE names the text. */
sc_status sc_live_clock_parse(const char *text, double *speed, sc_error *err);
/* Start the clock: loop time origin_ms is now. */
void sc_live_clock_start(sc_live_clock *c, double speed, sc_time_ms origin_ms);
/* Current loop time. */
sc_time_ms sc_live_clock_now(const sc_live_clock *c);
/* Wait until loop time t (no wait when it has passed). */
void sc_live_clock_wait(const sc_live_clock *c, sc_time_ms t);
/* The wall time now, ms since the epoch (CLOCK_REALTIME): for telling a monitoring
 * period that is not over yet (CloudWatch's partial last period). */
sc_time_ms sc_live_wall_ms(void);

/* ---- journal ---------------------------------------------------------------------- */

/* States of one provider call in the journal. */
typedef enum sc_journal_state {
    SC_JOURNAL_NONE = 0,        /* not in the journal */
    SC_JOURNAL_ISSUING = 1,     /* intent written, no answer recorded (crash window) */
    SC_JOURNAL_DONE = 2,        /* answered; result recorded */
    SC_JOURNAL_SKIPPED = 3      /* not called: dry run, guardrail or kill switch */
} sc_journal_state;

/* One provider call as journaled. */
typedef struct sc_journal_call {
    char key[SC_LIVE_KEY_MAX];  /* idempotency key "<t>-<n>" */
    sc_time_ms t;               /* loop time of the call */
    int kind, app, region, type, option, count; /* the call (after guardrails) */
    int requested;              /* count the orchestrator asked for (before guardrails) */
    sc_journal_state state;
    sc_action_result res;       /* when DONE or SKIPPED */
    char why[32];               /* SKIPPED: "dry-run", "kill-switch", "guard:<rule>" */
    char payload[SC_LIVE_PAYLOAD_MAX]; /* the call's absolute form (SC_PROVIDER_CTRL_PREPARE) */
    double upfront_usd;         /* the upfront price the call commits (PREPARE), 0 = none:
                                   read back on a resume by the budget guardrail */
    char commits[SC_LIVE_COMMITS_MAX]; /* what it buys besides instances (PREPARE) */
} sc_journal_call;

/* One decision: its time and its plan as submitted. */
typedef struct sc_journal_decision {
    sc_time_ms t;
    size_t first_action, n_actions; /* into the journal's action array */
    int complete;               /* 1 when its "E" record was written */
} sc_journal_decision;

typedef struct sc_journal sc_journal;

/* Open (create when absent) the journal at path for a run of scenario sc (its hash and
 * name are checked against the header of an existing journal: a journal of another
 * scenario is SC_ERR_INPUT).  A torn last line (crash mid-write) is dropped and the file
 * truncated to the last whole record.  On a new journal origin_ms is written to the
 * header; on an existing one it is read from it.  Free with sc_journal_close. */
sc_status sc_journal_open(const char *path, const sc_scenario *sc, const char *policy_label,
                          sc_time_ms origin_ms, sc_journal **out, sc_error *err);
void sc_journal_close(sc_journal *j);
sc_time_ms sc_journal_origin(const sc_journal *j);
/* Decisions recorded, in time order. */
const sc_journal_decision *sc_journal_decisions(const sc_journal *j, size_t *n);
/* Planned actions recorded (the plans of the decisions, concatenated). */
const sc_action *sc_journal_actions(const sc_journal *j, size_t *n);
/* The recorded call with that key, NULL when none. */
const sc_journal_call *sc_journal_find(const sc_journal *j, const char *key);
/* Records written by this process (decisions, actions, call states). */
long sc_journal_n_written(const sc_journal *j);
/* fsyncs made since open (intents, revisions, and the last one at close). */
long sc_journal_n_fsync(const sc_journal *j);
/* fsync after every record: on (1, the default) or off.  The loop turns it off when it
 * makes no mutating call that changes real state (dry run): the journal is then the
 * reviewable plan, and a crash loses nothing that a rerun would not rebuild. */
void sc_journal_set_sync(sc_journal *j, int on);

/* Write a decision at t with its plan (made durable by the next intent's fsync).
 * Actions' reasons are not kept. */
sc_status sc_journal_decision_begin(sc_journal *j, sc_time_ms t, const sc_plan *plan,
                                    sc_error *err);
/* Write the end of the decision at t (durable with the next fsync): every call it
 * issued at once has been answered. */
sc_status sc_journal_decision_end(sc_journal *j, sc_time_ms t, sc_error *err);
/* Write (and fsync) that the provider's revision at t was applied (terraform: its apply
 * command succeeded); sc_journal_has_revision asks. */
sc_status sc_journal_revision_done(sc_journal *j, sc_time_ms t, sc_error *err);
int sc_journal_has_revision(const sc_journal *j, sc_time_ms t);
/* Write (and fsync) the intent of call c (state ISSUING) before it is made. */
sc_status sc_journal_call_begin(sc_journal *j, const sc_journal_call *c, sc_error *err);
/* The intents of n calls (state ISSUING) in one write and one fsync: group commit, the
 * write-ahead rule kept for all of them (each durable before any of them is made). */
sc_status sc_journal_call_begin_many(sc_journal *j, const sc_journal_call *c, size_t n,
                                     sc_error *err);
/* Write (and fsync) the outcome of the call with c->key: DONE or SKIPPED with c->res. */
sc_status sc_journal_call_end(sc_journal *j, const sc_journal_call *c, sc_error *err);

/* ---- guardrails ------------------------------------------------------------------- */

typedef struct sc_guard_config {
    int max_change_per_step;    /* instances launched + removed per scenario step; <0 off */
    int max_change_per_hour;    /* same over the trailing hour; < 0 = off */
    double budget_per_hour_usd; /* hourly price of the instances held, all pools; <0 off */
    int min_per_pool;           /* live mode never takes a pool below this; 0 = off */
    unsigned char *region_allowed; /* [n_regions] 1 = allowed; NULL = all (owned) */
    char kill_switch[1024];     /* path whose existence stops every mutating call ("" off) */
} sc_guard_config;

/* Defaults: everything off. */
void sc_guard_config_init(sc_guard_config *g);
void sc_guard_config_cleanup(sc_guard_config *g);

/* The scenario's optional `live` section (read from sc->source_json):
 *   "live": {"policy": LABEL, "group_name": "sculpt-{app}-{region}",
 *            "allow_remote_bootstrap": false, "apply_command": "terraform-apply.sh",
 *            "guardrails": {"max_change_per_step": N, "max_change_per_hour": N,
 *                           "budget_per_hour_usd": X, "min_per_pool": N,
 *                           "allowed_regions": [NAME, ...], "kill_switch": PATH}}
 * kill_switch is relative to the scenario's directory.  Absent: defaults (first
 * non-clairvoyant policy, guardrails off).  Bad input is SC_ERR_INPUT with the file and
 * JSON path. */
typedef struct sc_live_section {
    char policy[SC_NAME_MAX];   /* "" = not given */
    char group_name[128];       /* template with {app} and {region} */
    int allow_remote_bootstrap; /* --bootstrap also against a non-loopback endpoint */
    char apply_command[1024];   /* terraform: run on each revision with --execute ("" none) */
    sc_guard_config guard;
} sc_live_section;

sc_status sc_live_section_read(const sc_scenario *sc, sc_live_section *out, sc_error *err);
/* The object $.live.NAME of the scenario's source text, for the readers of the live
 * section's sub-sections (metrics, route53, azure, gcp, reservations): *obj is NULL when
 * the scenario has no source text, no live section or no NAME in it; *root is the
 * parsed document *obj points into (free with cJSON_Delete; NULL without source text).
 * A source that does not parse, or a live or NAME that is not an object, is
 * SC_ERR_INPUT with the file and JSON path. */
struct cJSON;
sc_status sc_live_subsection(const sc_scenario *sc, const char *name, struct cJSON **root,
                             const struct cJSON **obj, sc_error *err);
void sc_live_section_cleanup(sc_live_section *s);

typedef struct sc_guard sc_guard;
sc_status sc_guard_alloc(const sc_guard_config *cfg, const sc_scenario *sc, sc_guard **out,
                         sc_error *err);
void sc_guard_free(sc_guard *g);
/* The requested instances of every pool (snapshot layout, the apps' own types), as the
 * provider reports them; call before each decision's calls. */
void sc_guard_sync(sc_guard *g, const sc_pool_state *pools, size_t n);
/* Check one mutating call at loop time now: *allowed receives the instance count that
 * may be changed (0..act->count), *rule the rule that cut it ("" when none, static
 * storage). */
void sc_guard_check(sc_guard *g, const sc_action *act, sc_time_ms now, int *allowed,
                    const char **rule);
/* Record that `accepted` instances of act were changed at now. */
void sc_guard_commit(sc_guard *g, const sc_action *act, sc_time_ms now, int accepted);
/* A call that commits an upfront price usd (a reservation bought with a provision act):
 * 1 when the budget cap allows it at now (the hourly price of the instances held, act's
 * own instances, the upfront prices paid in the trailing hour and usd within
 * budget_per_hour_usd), else 0 with *rule = "guard:budget_per_hour". */
int sc_guard_check_upfront(sc_guard *g, const sc_action *act, sc_time_ms now, double usd,
                           const char **rule);
/* Record an upfront price paid at now. */
void sc_guard_commit_upfront(sc_guard *g, sc_time_ms now, double usd);

/* ---- the loop --------------------------------------------------------------------- */

typedef struct sc_live_config {
    const sc_scenario *sc;      /* borrowed */
    const sc_policy_spec *policy; /* borrowed; must not be clairvoyant */
    const char *metrics;        /* "replay", "store:PATH", "prometheus:URL", "cloudwatch" */
    const char *provider;       /* registry name: "mock", ... */
    const void *provider_config; /* passed to a non-mock provider's init (may be NULL) */
    int execute;                /* 1: mutating calls reach a real provider */
    const char *journal_path;   /* required */
    double clock_speed;         /* 1 = wall, N = fast:N */
    int64_t until_ms;           /* loop time counted from the origin; <= 0 = the end of
                                   the scenario's period */
    const sc_guard_config *guard; /* borrowed; NULL = no guardrails */
    FILE *progress;             /* progress lines (stderr), NULL = quiet */
    FILE *plan_out;             /* each decision's plan, NULL = none */
    /* monitoring sources (core/live/metricsint.h) */
    const char *store_path;     /* every observation appended to this HDF5 store; NULL
                                   = $.live.metrics.store, "" there = none */
    const char *shadow_csv;     /* per step and pool: observed load vs planned capacity
                                   (mock provider), for `sculpt report`; NULL = none */
    const char *metrics_endpoint; /* --endpoint for `cloudwatch` (overrides
                                   $.live.metrics.cloudwatch.endpoint); NULL = none */
    int no_group_commit;        /* h-gcommit: 1 = one fsync per mutating call (the intent
                                   before its call) instead of one per decision's batch
                                   (core/live/README.md); the journal's bytes are the same */
} sc_live_config;

typedef struct sc_live_summary {
    long steps;                 /* demand steps observed */
    long decisions;             /* decisions (the policy's, and replayed ones) */
    long actions_planned;       /* actions in the plans */
    long calls_mutating;        /* apply calls made to the provider */
    long calls_read_only;       /* snapshots taken */
    long retries, throttles;
    long journal_written;       /* records written by this run */
    long journal_replayed;      /* calls answered from the journal */
    long guard_cut;             /* calls cut or refused by a guardrail or the kill switch */
    /* observations (prometheus:URL and observed stores; with a store, every source) */
    long obs_gaps;              /* app-geo-steps whose load was missing (carried forward) */
    long obs_stored;            /* samples appended to the store by this run */
    long slo_steps;             /* measured app-geo-steps with a latency signal */
    long slo_met;               /* of those, within the app's latency and error bounds */
    double slo_objective;       /* sc_scenario_slo_objective */
    int remote;                 /* 1 when the source was prometheus or an observed store */
    long journal_fsyncs;        /* fsyncs of the journal (not in the --json object) */
} sc_live_summary;

/* Run the loop from the journal's origin (the scenario's start on a fresh journal) to
 * origin + until.  Decisions already in the journal are replayed, not re-decided. */
sc_status sc_live_run(const sc_live_config *cfg, sc_live_summary *out, sc_error *err);
/* The summary as the JSON object `sculpt live --json` prints; caller frees. */
char *sc_live_summary_json(const sc_live_summary *s);

SC_END_DECLS

#endif
