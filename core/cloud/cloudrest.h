/*
 * cloudrest.h - what the two JSON-over-bearer-token adapters share (not installed):
 * Azure (azure.c: scale sets through Resource Manager) and GCP (gcp.c: managed instance
 * groups on Compute Engine).  Both speak JSON to a REST API with an OAuth2 bearer token,
 * and both manage pools that are one absolute size each (sku.capacity, targetSize): the
 * on-demand and the spot pool of each (app, region).
 *
 * REST (rest.c, sc_rest_).  One sc_rest per adapter names its HTTP client, what counts
 * as throttling, and how its error object reads:
 *   - sc_rest_error: the error of a JSON answer; the token endpoints' OAuth2 shape
 *     {"error": "code", "error_description": "..."} (RFC 6749 section 5.2) is read here,
 *     an {"error": {...}} object by the adapter's error_obj;
 *   - sc_rest_token: POST a form to a token endpoint and read access_token/expires_in;
 *   - sc_rest_call: one call with "Authorization: Bearer TOKEN", 2xx or an error naming
 *     what was asked with the API's code and message (5xx and throttling: SC_ERR_IO).
 * The token and secrets go to requests only, never into a message.
 *
 * Sized pools (sized.c, sc_sized_).  sc_sized describes the pools of such an adapter:
 * size[ar * 2 + spot] is the last size it read or set (-1 = unknown), its snapshot
 * refreshes them; the functions check an action, compute its absolute target, fill the
 * journal payload "KEY=N" ahead of the call and read it back at apply, and turn the
 * size before and after into the action's result.
 */
#ifndef SCULPT_CLOUDREST_H
#define SCULPT_CLOUDREST_H

#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "cloudint.h"
#include "sculpt/live.h"

struct cJSON;

/* Code and message of the cloud's own error object (the value of "error"). */
typedef void (*sc_rest_error_fn)(const struct cJSON *error, char *code, size_t ccap, char *msg,
                                 size_t mcap);

typedef struct sc_rest {
    sc_http *http;               /* owned by the adapter */
    sc_http_throttle_fn throttle; /* the cloud's "slow down" answers (also the client's) */
    sc_rest_error_fn error_obj;  /* reads an {"error": {...}} object */
} sc_rest;

/* The error of answer body into code[ccap] ("HTTP error" when none) and msg[mcap] ("" when
 * none). */
void sc_rest_error(const sc_rest *api, const char *body, char *code, size_t ccap, char *msg,
                   size_t mcap);

/* POST the form body to the token endpoint url (idempotent: it changes nothing).  A
 * non-200 answer: "WHO: HTTP S CODE: MESSAGE" under url (SC_ERR_IO for 5xx, else
 * SC_ERR_INPUT); an answer without an access_token that fits token[cap]: SC_ERR_IO.  On
 * SC_OK, token holds the access token and *expires_s its expires_in (3600 when absent). */
sc_status sc_rest_token(const sc_rest *api, const char *url, const char *body, const char *who,
                        char *token, size_t cap, time_t *expires_s, sc_error *err);

/* One call with the bearer token: method to url with body (JSON, NULL = none), an extra
 * header line (NULL = none) and the response header capture (NULL = none); every call is
 * idempotent (retried).  2xx: SC_OK with resp kept (the caller frees it,
 * sc_http_resp_cleanup); else resp freed and an error under url "WHAT: HTTP S CODE:
 * MESSAGE (after N attempts)", SC_ERR_IO for 5xx and throttling, else SC_ERR_INPUT. */
sc_status sc_rest_call(const sc_rest *api, const char *token, const char *method, const char *url,
                       const char *body, const char *header, const char *capture,
                       const char *what, sc_http_resp *resp, sc_error *err);

/* Sleep ms milliseconds (nothing when <= 0). */
void sc_rest_sleep_ms(int64_t ms);

/* The cloud_config's retry settings (defaults 5 attempts, 200 ms base, 20 s cap, 60 s
 * longest Retry-After; the seed, else the scenario's). */
sc_http_retry sc_rest_retry(const sc_cloud_config *cfg, const sc_scenario *sc);

/* cfg->endpoint checked (sc_http_check_url, *loopback) and its length without trailing
 * '/' in *len; no endpoint: SC_OK, *loopback = 0, *len = -1. */
sc_status sc_rest_endpoint(const sc_cloud_config *cfg, int *loopback, int *len, sc_error *err);

typedef sc_status (*sc_sized_snapshot_fn)(void *state, sc_pool_state *out, size_t n,
                                          int since_last, sc_error *err);

typedef struct sc_sized {
    const sc_scenario *sc;       /* borrowed */
    const char *who;             /* "azure", "gcp": where refusals are reported */
    const char *manages;         /* what the adapter manages, for the refusal of other pools */
    const char *key;             /* journal payload key: "capacity", "size" */
    sc_sized_snapshot_fn snapshot; /* refreshes size[] */
    void *state;                 /* the adapter's, for snapshot */
    char (*group)[256];          /* [ar] on-demand pool names (the spot one + "-spot") */
    int *size;                   /* [ar * 2 + spot] last known size, -1 = unknown */
} sc_sized;

/* group[] from the template tmpl (NULL: "sculpt-{app}-{region}") and size[] all unknown;
 * both freed by sc_sized_cleanup.  SC_ERR_NOMEM when out of memory. */
sc_status sc_sized_alloc(sc_sized *z, const char *tmpl, sc_error *err);
void sc_sized_cleanup(sc_sized *z);
/* The index ar * 2 + spot of act's pool in size[]. */
size_t sc_sized_slot(const sc_sized *z, const sc_action *act);
/* A set_weight, or a provision / deprovision of the on-demand or spot pool of the app's
 * own type: SC_OK; anything else: SC_ERR_INPUT "pool A/R T O: MANAGES". */
sc_status sc_sized_check(const sc_sized *z, const sc_action *act, sc_error *err);
/* The target size after act (sc_cloud_target_of on size[]). */
sc_status sc_sized_target(const sc_sized *z, const sc_action *act, int *target, sc_error *err);
/* SC_PROVIDER_CTRL_PREPARE: check c->act, then c->payload = "weight=W" or "KEY=TARGET". */
sc_status sc_sized_prepare(const sc_sized *z, sc_live_call *c, sc_error *err);
/* The ctrl operations both adapters answer alike: CALL (arg's payload copied to
 * payload[SC_LIVE_PAYLOAD_MAX] for the next apply), PREPARE (sc_sized_prepare), IS_REAL
 * (1), CLOUD_STATS (sc_cloud_stats_fill with http and the counts); SC_ERR_NOTFOUND for
 * any other. */
sc_status sc_sized_ctrl(const sc_sized *z, const sc_http *http, char *payload, long mutating,
                        long read_only, int op, void *arg, sc_error *err);
/* The start of a resize at apply: *target from the payload "KEY=N" given by CTRL_CALL
 * (then cleared), else computed; *before the size before it (-1 when unknown). */
sc_status sc_sized_begin(const sc_sized *z, const sc_action *act, char *payload, int *before,
                         int *target, sc_error *err);
/* The end of a resize to target that was done: size[] updated, res->accepted = the
 * instances moved (act->count when before is unknown), res->limited = what a
 * deprovision could not remove. */
void sc_sized_done(const sc_sized *z, const sc_action *act, int before, int target,
                   sc_action_result *res);

#endif
