/*
 * gcp.c - the GCP provider adapter (cloud.h): regional managed instance groups on Compute
 * Engine, routing weights as backend-service capacity scalers.
 *
 * Pools.  The on-demand pool of (app, region) is the regional managed instance group
 * named by the group template (default "sculpt-{app}-{region}"); the spot pool is the
 * group of the same name + "-spot" (an instance template has one provisioning model, so
 * the two pools are two groups; the spot group is only read where the scenario prices
 * spot).  The pool's count is the group's targetSize; the snapshot reports
 * currentActions.none as ready, creating / recreating / verifying / refreshing /
 * restarting / starting / resuming as booting, deleting / abandoning / stopping /
 * suspending as draining, and targetSize beyond those as booting.
 *
 * Calls (Compute Engine v1, https://compute.googleapis.com/compute/v1, or --endpoint +
 * "/compute/v1"; bearer token):
 *   token     a service-account JWT (jwt.c: RS256, iss = client_email, scope
 *             https://www.googleapis.com/auth/compute, aud = the key's token_uri, one
 *             hour) exchanged at token_uri (or --endpoint + "/token") for an access token
 *             (grant urn:ietf:params:oauth:grant-type:jwt-bearer); kept until 5 min
 *             before expires_in.
 *   snapshot  GET  projects/P/regions/R/instanceGroupManagers/NAME.
 *   apply     POST projects/P/regions/R/instanceGroupManagers/NAME/resize?size=N&requestId=U:
 *             absolute, with U a UUID from SHA-256 of (journal key, pool, size), so a repeat
 *             after a crash or a retry is answered by Compute Engine with the first
 *             operation (requestId is its idempotency key); then GET the operation's
 *             selfLink until status DONE (an `error` there is an error).
 *   set_weight GET projects/P/global/backendServices/BS ($.live.gcp.backend_service,
 *             default "sculpt-{app}"), set capacityScaler on the backend of every
 *             region's group (appended with balancingMode UTILIZATION when absent),
 *             PATCH it back once with the fingerprint and a requestId (from the key and
 *             every scaler), then the operation; no PATCH when every scaler is already
 *             there.  The geography is not part of a backend service: the geographies
 *             sharing one (a template without {geo}) are combined, each region's scaler =
 *             the largest weight / 255 any of them gives it (scaler_of); the weights
 *             start from the scenario's routing weights and follow each set_weight,
 *             replayed ones included (SC_PROVIDER_CTRL_REPLAYED).
 *   bootstrap (--bootstrap) per pool: POST projects/P/global/instanceTemplates (name =
 *             the group's, machineType, boot disk image, network; SPOT scheduling for
 *             the spot group) then POST projects/P/regions/R/instanceGroupManagers (name,
 *             baseInstanceName, instanceTemplate, targetSize = the initial count), each
 *             operation followed; 409 alreadyExists = done, so a rerun creates nothing.
 * Throttling: HTTP 429, 503, and 403 with reason rateLimitExceeded /
 * userRateLimitExceeded (Compute Engine's quota answers); every call here is retried
 * (all are idempotent: GETs, absolute resizes and PATCHes with a requestId).
 *
 * Credentials: GOOGLE_APPLICATION_CREDENTIALS names a service-account key file (JSON:
 * client_email, private_key, token_uri, project_id); $.live.gcp.project overrides the
 * project.  The key and tokens go to requests only, never into a message or the journal.
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/cloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cloudint.h"
#include "sculpt/fsutil.h"
#include "sculpt/json.h"
#include "sculpt/live.h"

#define GCE_SCOPE "https://www.googleapis.com/auth/compute"

typedef struct gcp {
    const sc_scenario *sc;
    char compute[512];          /* ".../compute/v1", no trailing '/' */
    char token_uri[512];
    char email[256], project[128];
    char *key;                  /* PEM private key (owned, wiped at cleanup) */
    char backend[128];          /* backend service template */
    char bs_image[256];         /* bootstrap: boot disk source image */
    char bs_network[256];       /* bootstrap: network of the instances' interface */
    char token[4096];
    time_t token_expiry;
    int64_t poll_ms;
    int max_polls;
    sc_http *http;
    char (*group)[256];         /* [ar] on-demand group names */
    int *size;                  /* [ar * 2] targetSize (on demand, spot), -1 = unknown */
    int *wt;                    /* [app][geo][region] last routing weight, -1 = none */
    char key_id[SC_LIVE_KEY_MAX]; /* the journal's idempotency key of the next apply */
    char payload[SC_LIVE_PAYLOAD_MAX];
    long mutating, read_only;
} gcp;

static int gcp_throttle(long status, const char *body)
{
    return status == 429 || status == 503 ||
           (status == 403 && (strstr(body, "\"rateLimitExceeded\"") ||
                              strstr(body, "\"userRateLimitExceeded\"")));
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

/* error.message (and the first error.errors[].reason) of a Google API answer. */
static void gcp_error(const char *body, char *code, size_t ccap, char *msg, size_t mcap)
{
    snprintf(code, ccap, "HTTP error");
    msg[0] = '\0';
    cJSON *j = cJSON_Parse(body);
    const cJSON *e = j ? cJSON_GetObjectItemCaseSensitive(j, "error") : NULL;
    if (cJSON_IsString(e)) { /* the token endpoint */
        snprintf(code, ccap, "%s", e->valuestring);
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "error_description");
        if (cJSON_IsString(d))
            snprintf(msg, mcap, "%s", d->valuestring);
    } else if (cJSON_IsObject(e)) {
        const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
        const cJSON *errs = cJSON_GetObjectItemCaseSensitive(e, "errors");
        const cJSON *first = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
        const cJSON *r = first ? cJSON_GetObjectItemCaseSensitive(first, "reason") : NULL;
        if (!r)
            r = first ? cJSON_GetObjectItemCaseSensitive(first, "code") : NULL;
        if (cJSON_IsString(r))
            snprintf(code, ccap, "%s", r->valuestring);
        if (cJSON_IsString(m))
            snprintf(msg, mcap, "%s", m->valuestring);
    }
    cJSON_Delete(j);
}

static sc_status gcp_token(gcp *g, sc_error *err)
{
    time_t now = time(NULL);
    if (g->token[0] && now + 300 < g->token_expiry)
        return SC_OK;
    char header[] = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}", claims[1200];
    snprintf(claims, sizeof claims,
             "{\"iss\":\"%s\",\"scope\":\"" GCE_SCOPE "\",\"aud\":\"%s\",\"iat\":%lld,"
             "\"exp\":%lld}",
             g->email, g->token_uri, (long long)now, (long long)now + 3600);
    char *jwt = NULL;
    sc_status st = sc_jwt_rs256(g->key, header, claims, &jwt, err);
    if (st)
        return st;
    size_t cap = strlen(jwt) + 256, len = 0;
    char *body = malloc(cap);
    if (!body) {
        free(jwt);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    body[0] = '\0';
    sc_http_form_append(body, cap, &len, "grant_type",
                        "urn:ietf:params:oauth:grant-type:jwt-bearer");
    sc_http_form_append(body, cap, &len, "assertion", jwt);
    free(jwt);
    sc_http_req rq = {.method = "POST", .url = g->token_uri, .body = body,
                      .content_type = "application/x-www-form-urlencoded", .idempotent = 1};
    sc_http_resp resp;
    st = sc_http_do(g->http, &rq, &resp, err);
    free(body);
    if (st)
        return st;
    if (resp.status != 200) {
        char code[128], msg[512];
        gcp_error(resp.body, code, sizeof code, msg, sizeof msg);
        long s = resp.status;
        sc_http_resp_cleanup(&resp);
        return sc_error_set(err, s >= 500 ? SC_ERR_IO : SC_ERR_INPUT, g->token_uri,
                            "GCP token request for %s: HTTP %ld %s%s%s", g->email, s, code,
                            msg[0] ? ": " : "", msg);
    }
    cJSON *j = cJSON_Parse(resp.body);
    sc_http_resp_cleanup(&resp);
    const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "access_token") : NULL;
    const cJSON *e = j ? cJSON_GetObjectItemCaseSensitive(j, "expires_in") : NULL;
    if (!cJSON_IsString(t) || strlen(t->valuestring) >= sizeof g->token) {
        cJSON_Delete(j);
        return sc_error_set(err, SC_ERR_IO, g->token_uri, "the token answer has no access_token");
    }
    snprintf(g->token, sizeof g->token, "%s", t->valuestring);
    g->token_expiry = now + (cJSON_IsNumber(e) ? (time_t)e->valuedouble : 3600);
    cJSON_Delete(j);
    return SC_OK;
}

/* One Compute call with the bearer token; 2xx: SC_OK with *out the parsed answer
 * (cJSON_Delete), else an error naming what. */
static sc_status gcp_call(gcp *g, const char *method, const char *url, const char *body,
                          const char *what, cJSON **out, sc_error *err)
{
    *out = NULL;
    sc_status st = gcp_token(g, err);
    if (st)
        return st;
    char auth[4200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", g->token);
    const char *hdrs[] = {auth, NULL};
    sc_http_req rq = {.method = method, .url = url, .body = body,
                      .content_type = body ? "application/json" : NULL, .idempotent = 1,
                      .headers = hdrs};
    sc_http_resp resp;
    st = sc_http_do(g->http, &rq, &resp, err);
    memset(auth, 0, sizeof auth);
    if (st)
        return st;
    if (resp.status < 200 || resp.status >= 300) {
        char code[128], msg[512];
        gcp_error(resp.body, code, sizeof code, msg, sizeof msg);
        long s = resp.status;
        int attempts = resp.attempts;
        int thr = gcp_throttle(s, resp.body);
        sc_http_resp_cleanup(&resp);
        return sc_error_set(err, s >= 500 || thr ? SC_ERR_IO : SC_ERR_INPUT, url,
                            "%s: HTTP %ld %s%s%s (after %d attempt%s)", what, s, code,
                            msg[0] ? ": " : "", msg, attempts, attempts == 1 ? "" : "s");
    }
    *out = cJSON_Parse(resp.body);
    sc_http_resp_cleanup(&resp);
    if (!*out)
        return sc_error_set(err, SC_ERR_IO, url, "%s: the answer is not JSON", what);
    return SC_OK;
}

/* Follow an Operation to DONE. */
static sc_status gcp_wait(gcp *g, cJSON *op, const char *what, sc_error *err)
{
    for (int k = 0;; k++) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(op, "status");
        const cJSON *e = cJSON_GetObjectItemCaseSensitive(op, "error");
        if (cJSON_IsObject(e)) {
            const cJSON *errs = cJSON_GetObjectItemCaseSensitive(e, "errors");
            const cJSON *f = cJSON_IsArray(errs) ? cJSON_GetArrayItem(errs, 0) : NULL;
            const cJSON *c = f ? cJSON_GetObjectItemCaseSensitive(f, "code") : NULL;
            const cJSON *m = f ? cJSON_GetObjectItemCaseSensitive(f, "message") : NULL;
            sc_status st = sc_error_set(err, SC_ERR_IO, "gcp", "%s: the operation failed: %s%s%s",
                                        what, cJSON_IsString(c) ? c->valuestring : "error",
                                        cJSON_IsString(m) ? ": " : "",
                                        cJSON_IsString(m) ? m->valuestring : "");
            cJSON_Delete(op);
            return st;
        }
        if (cJSON_IsString(s) && strcmp(s->valuestring, "DONE") == 0) {
            cJSON_Delete(op);
            return SC_OK;
        }
        const cJSON *link = cJSON_GetObjectItemCaseSensitive(op, "selfLink");
        char url[1200];
        if (!cJSON_IsString(link)) {
            cJSON_Delete(op);
            return sc_error_set(err, SC_ERR_IO, "gcp", "%s: the operation has no selfLink", what);
        }
        /* selfLink is absolute on GCP; the fake gives a path: both stay on our host */
        const char *path = strstr(link->valuestring, "/compute/v1/");
        size_t base = strlen(g->compute) - strlen("/compute/v1");
        snprintf(url, sizeof url, "%.*s%s", (int)base, g->compute, path ? path : "");
        cJSON_Delete(op);
        if (!path)
            return sc_error_set(err, SC_ERR_IO, "gcp", "%s: unexpected operation link", what);
        if (k >= g->max_polls)
            return sc_error_set(err, SC_ERR_IO, "gcp", "%s: the operation did not end after %d "
                                "polls", what, k);
        sleep_ms(g->poll_ms);
        sc_status st = gcp_call(g, "GET", url, NULL, "operation", &op, err);
        g->read_only++;
        if (st)
            return st;
    }
}

static int has_spot(const gcp *g, size_t r)
{
    return sc_cloud_offered(g->sc, r, SC_PURCHASE_SPOT);
}

static void mig_url(const gcp *g, size_t ar, int spot, const char *suffix, char *out, size_t cap)
{
    const sc_scenario *sc = g->sc;
    snprintf(out, cap, "%s/projects/%s/regions/%s/instanceGroupManagers/%s%s%s", g->compute,
             g->project, sc->regions[ar % sc->n_regions].name, g->group[ar], spot ? "-spot" : "",
             suffix);
}

static int num(const cJSON *o, const char *k)
{
    const cJSON *v = o ? cJSON_GetObjectItemCaseSensitive(o, k) : NULL;
    return cJSON_IsNumber(v) ? (int)v->valuedouble : 0;
}

static sc_status gcp_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                              sc_error *err)
{
    gcp *g = state;
    (void)since_last;
    const sc_scenario *sc = g->sc;
    memset(out, 0, n * sizeof *out);
    for (size_t ar = 0; ar < sc->n_apps * sc->n_regions; ar++)
        for (int spot = 0; spot < 2; spot++) {
            if (spot && !has_spot(g, ar % sc->n_regions))
                continue;
            char url[1200], what[400];
            mig_url(g, ar, spot, "", url, sizeof url);
            snprintf(what, sizeof what, "instance group manager %s%s", g->group[ar],
                     spot ? "-spot" : "");
            cJSON *j;
            sc_status st = gcp_call(g, "GET", url, NULL, what, &j, err);
            g->read_only++;
            if (st)
                return st;
            const cJSON *ts = cJSON_GetObjectItemCaseSensitive(j, "targetSize");
            if (!cJSON_IsNumber(ts) || ts->valuedouble < 0) {
                cJSON_Delete(j);
                return sc_error_set(err, SC_ERR_IO, url, "%s: no targetSize in the answer", what);
            }
            int target = (int)ts->valuedouble;
            const cJSON *ca = cJSON_GetObjectItemCaseSensitive(j, "currentActions");
            sc_pool_state *p =
                &out[ar * SC_PURCHASE_COUNT + (spot ? SC_PURCHASE_SPOT : SC_PURCHASE_ONDEMAND)];
            p->ready = num(ca, "none");
            p->booting = num(ca, "creating") + num(ca, "creatingWithoutRetries") +
                         num(ca, "recreating") + num(ca, "verifying") + num(ca, "refreshing") +
                         num(ca, "restarting") + num(ca, "starting") + num(ca, "resuming");
            p->draining = num(ca, "deleting") + num(ca, "abandoning") + num(ca, "stopping") +
                          num(ca, "suspending");
            if (target > p->ready + p->booting)
                p->booting = target - p->ready;
            cJSON_Delete(j);
            g->size[ar * 2 + (size_t)spot] = target;
        }
    return SC_OK;
}

static sc_status gcp_describe(void *state, int app, int region, int type, sc_purchase option,
                             sc_pool_state *out, sc_error *err)
{
    gcp *g = state;
    (void)type;
    return sc_cloud_describe_by_snapshot(gcp_snapshot, state, g->sc->n_apps, g->sc->n_regions,
                                         app, region, option, out, err);
}

static sc_status check_pool(gcp *g, const sc_action *act, sc_error *err)
{
    const sc_scenario *sc = g->sc;
    if (act->kind == SC_ACTION_SET_WEIGHT)
        return SC_OK;
    if (act->option == SC_PURCHASE_RESERVED || act->type != sc->apps[act->app].instance_type ||
        (act->kind != SC_ACTION_PROVISION && act->kind != SC_ACTION_DEPROVISION))
        return sc_error_set(err, SC_ERR_INPUT, "gcp",
                            "pool %s/%s %s %s: the gcp adapter manages the on-demand and spot "
                            "instance groups of each app's own machine type (committed use is "
                            "a billing commitment, not a pool it resizes)",
                            sc->apps[act->app].name, sc->regions[act->region].name,
                            sc->types[act->type].name, sc_purchase_name(act->option));
    return SC_OK;
}

static sc_status target_of(gcp *g, const sc_action *act, int *target, sc_error *err)
{
    size_t ar = (size_t)act->app * g->sc->n_regions + (size_t)act->region;
    int spot = act->option == SC_PURCHASE_SPOT;
    return sc_cloud_target_of(gcp_snapshot, g, g->sc->n_apps, g->sc->n_regions,
                              &g->size[ar * 2 + (size_t)spot], act, target, err);
}

/* The geographies' last weights ([app][geo][region], -1 = none), from the scenario's
 * configured routing weights until a set_weight (or its replay) changes one. */
static int *weight_at(gcp *g, int app, int geo, int region)
{
    const sc_scenario *sc = g->sc;
    return &g->wt[((size_t)app * sc->n_geos + (size_t)geo) * sc->n_regions + (size_t)region];
}

/* The scaler of region r's backend in the service bs of app: the largest weight / 255
 * of the geographies whose service is bs (GCP has one backend per region group for all
 * of them: a region is as available as the geography that wants it most, and the load
 * balancer's proximity then sends each geography to its nearest available region); -1
 * when none of them has a weight for r. */
static double scaler_of(gcp *g, int app, int r, const char *bs)
{
    const sc_scenario *sc = g->sc;
    int best = -1;
    for (size_t geo = 0; geo < sc->n_geos; geo++) {
        char b2[256];
        sc_cloud_expand(b2, sizeof b2, g->backend, sc->apps[app].name, sc->geos[geo].name,
                        sc->regions[r].name);
        int w = *weight_at(g, app, (int)geo, r);
        if (strcmp(b2, bs) == 0 && w > best)
            best = w;
    }
    return best < 0 ? -1 : best / 255.0;
}

/* Record act's weight, then GET the backend service and PATCH it once with the scaler
 * of every region backend it serves (scaler_of), unless every one is already there. */
static sc_status set_scaler(gcp *g, const sc_action *act, sc_error *err)
{
    const sc_scenario *sc = g->sc;
    *weight_at(g, act->app, act->geo, act->region) = act->weight;
    char bs[256], url[1200], what[400], rid_text[1024], rid[37];
    sc_cloud_expand(bs, sizeof bs, g->backend, sc->apps[act->app].name,
                    sc->geos[act->geo].name, sc->regions[act->region].name);
    snprintf(url, sizeof url, "%s/projects/%s/global/backendServices/%s", g->compute,
             g->project, bs);
    snprintf(what, sizeof what, "backend service %s", bs);
    cJSON *j;
    sc_status st = gcp_call(g, "GET", url, NULL, what, &j, err);
    g->read_only++;
    if (st)
        return st;
    cJSON *backends = cJSON_GetObjectItemCaseSensitive(j, "backends");
    if (!cJSON_IsArray(backends)) {
        cJSON_DeleteItemFromObjectCaseSensitive(j, "backends");
        backends = cJSON_AddArrayToObject(j, "backends");
    }
    int changed = 0;
    size_t rl = (size_t)snprintf(rid_text, sizeof rid_text, "%s|%s|w", g->key_id, bs);
    for (size_t r = 0; r < sc->n_regions; r++) {
        double scaler = scaler_of(g, act->app, (int)r, bs);
        if (scaler < 0)
            continue;
        /* the group a backend names: the regional group's instance group */
        char group[1200];
        snprintf(group, sizeof group, "projects/%s/regions/%s/instanceGroups/%s", g->project,
                 sc->regions[r].name, g->group[(size_t)act->app * sc->n_regions + r]);
        cJSON *mine = NULL, *b;
        size_t gl = strlen(group);
        cJSON_ArrayForEach(b, backends)
        {
            const cJSON *gr = cJSON_GetObjectItemCaseSensitive(b, "group");
            if (cJSON_IsString(gr) && strlen(gr->valuestring) >= gl &&
                strcmp(gr->valuestring + strlen(gr->valuestring) - gl, group) == 0)
                mine = b;
        }
        if (!mine) {
            mine = cJSON_CreateObject();
            cJSON_AddStringToObject(mine, "group", group);
            cJSON_AddStringToObject(mine, "balancingMode", "UTILIZATION");
            cJSON_AddItemToArray(backends, mine);
        }
        const cJSON *old = cJSON_GetObjectItemCaseSensitive(mine, "capacityScaler");
        if (!cJSON_IsNumber(old) || old->valuedouble != scaler) {
            changed = 1;
            cJSON_DeleteItemFromObjectCaseSensitive(mine, "capacityScaler");
            cJSON_AddNumberToObject(mine, "capacityScaler", scaler);
        }
        if (rl < sizeof rid_text)
            rl += (size_t)snprintf(rid_text + rl, sizeof rid_text - rl, "|%s=%.17g",
                                   sc->regions[r].name, scaler);
    }
    if (!changed) {
        cJSON_Delete(j);
        return SC_OK;
    }
    cJSON *patch = cJSON_CreateObject();
    cJSON_AddItemToObject(patch, "backends", cJSON_DetachItemFromObject(j, "backends"));
    const cJSON *fp = cJSON_GetObjectItemCaseSensitive(j, "fingerprint");
    if (cJSON_IsString(fp))
        cJSON_AddStringToObject(patch, "fingerprint", fp->valuestring);
    cJSON_Delete(j);
    char *body = cJSON_PrintUnformatted(patch);
    cJSON_Delete(patch);
    if (!body)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    sc_uuid_from(rid_text, rid);
    char purl[1300];
    snprintf(purl, sizeof purl, "%s?requestId=%s", url, rid);
    st = gcp_call(g, "PATCH", purl, body, what, &j, err);
    free(body);
    g->mutating++;
    if (st)
        return st;
    return gcp_wait(g, j, what, err);
}

static sc_status gcp_apply(void *state, const sc_action *act, sc_time_ms now,
                           sc_action_result *res, sc_error *err)
{
    gcp *g = state;
    (void)now;
    sc_status st = check_pool(g, act, err);
    if (st)
        return st;
    if (act->kind == SC_ACTION_SET_WEIGHT) {
        g->payload[0] = '\0';
        st = set_scaler(g, act, err);
        g->key_id[0] = '\0';
        if (st)
            return st;
        res->accepted = 1;
        return SC_OK;
    }
    size_t ar = (size_t)act->app * g->sc->n_regions + (size_t)act->region;
    int spot = act->option == SC_PURCHASE_SPOT;
    int target = -1;
    if (g->payload[0] && sscanf(g->payload, "size=%d", &target) != 1)
        target = -1;
    g->payload[0] = '\0';
    int before = g->size[ar * 2 + (size_t)spot];
    if (target < 0 && (st = target_of(g, act, &target, err)))
        return st;
    if (before < 0)
        before = g->size[ar * 2 + (size_t)spot];
    char rid_text[512], rid[37], url[1400], what[400];
    snprintf(rid_text, sizeof rid_text, "%s|%s%s|%d", g->key_id[0] ? g->key_id : "-",
             g->group[ar], spot ? "-spot" : "", target);
    sc_uuid_from(rid_text, rid);
    g->key_id[0] = '\0';
    char suffix[128];
    snprintf(suffix, sizeof suffix, "/resize?size=%d&requestId=%s", target, rid);
    mig_url(g, ar, spot, suffix, url, sizeof url);
    snprintf(what, sizeof what, "resize of %s%s to %d", g->group[ar], spot ? "-spot" : "",
             target);
    cJSON *op;
    st = gcp_call(g, "POST", url, NULL, what, &op, err);
    g->mutating++;
    if (st || (st = gcp_wait(g, op, what, err)))
        return st;
    g->size[ar * 2 + (size_t)spot] = target;
    int moved = before >= 0 ? (target > before ? target - before : before - target) : act->count;
    res->accepted = moved < act->count ? moved : act->count;
    if (act->kind == SC_ACTION_DEPROVISION && before >= 0 && before < act->count)
        res->limited = act->count - before;
    return SC_OK;
}

/* ---- bootstrap: create the missing templates and groups --------------------------- */

/* POST body to url and follow its operation; HTTP 409 (alreadyExists: made by an
 * earlier run, or by a resent insert whose answer was lost) counts as done. */
static sc_status insert(gcp *g, const char *url, cJSON *body, const char *what, sc_error *err)
{
    char *txt = cJSON_PrintUnformatted(body);
    cJSON_Delete(body);
    if (!txt)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    cJSON *op;
    sc_status st = gcp_call(g, "POST", url, txt, what, &op, err);
    free(txt);
    g->mutating++;
    if (st && err && strstr(err->msg, "HTTP 409"))
        return SC_OK;
    if (st)
        return st;
    return gcp_wait(g, op, what, err);
}

/* Per pool (the spot group where the region prices spot): instance template NAME
 * (Instance Templates - insert: machineType = the app's type, a boot disk from
 * $.live.gcp.bootstrap.image, one interface on .network, SPOT provisioning with
 * DELETE on preemption for the spot one), then the regional managed instance group NAME
 * (Region Instance Group Managers - insert: baseInstanceName, instanceTemplate,
 * targetSize = the initial count).  Idempotent: a rerun gets 409 for each. */
static sc_status gcp_bootstrap(gcp *g, sc_error *err)
{
    const sc_scenario *sc = g->sc;
    for (size_t ar = 0; ar < sc->n_apps * sc->n_regions; ar++)
        for (int spot = 0; spot < 2; spot++) {
            size_t ap = ar / sc->n_regions, r = ar % sc->n_regions;
            if (spot && !has_spot(g, r))
                continue;
            char name[300], url[1200], what[400], tmpl[800];
            snprintf(name, sizeof name, "%s%s", g->group[ar], spot ? "-spot" : "");
            cJSON *t = cJSON_CreateObject();
            cJSON_AddStringToObject(t, "name", name);
            cJSON *pr = cJSON_AddObjectToObject(t, "properties");
            cJSON_AddStringToObject(pr, "machineType",
                                    sc->types[sc->apps[ap].instance_type].name);
            cJSON *disk = cJSON_CreateObject();
            cJSON_AddBoolToObject(disk, "boot", 1);
            cJSON_AddBoolToObject(disk, "autoDelete", 1);
            cJSON_AddStringToObject(cJSON_AddObjectToObject(disk, "initializeParams"),
                                    "sourceImage", g->bs_image);
            cJSON_AddItemToArray(cJSON_AddArrayToObject(pr, "disks"), disk);
            cJSON *nic = cJSON_CreateObject();
            cJSON_AddStringToObject(nic, "network", g->bs_network);
            cJSON_AddItemToArray(cJSON_AddArrayToObject(pr, "networkInterfaces"), nic);
            if (spot) {
                cJSON *s = cJSON_AddObjectToObject(pr, "scheduling");
                cJSON_AddStringToObject(s, "provisioningModel", "SPOT");
                cJSON_AddStringToObject(s, "instanceTerminationAction", "DELETE");
            }
            snprintf(url, sizeof url, "%s/projects/%s/global/instanceTemplates", g->compute,
                     g->project);
            snprintf(what, sizeof what, "insert instance template %s", name);
            sc_status st = insert(g, url, t, what, err);
            if (st)
                return st;
            int initial = sc_cloud_initial(&sc->apps[ap], (int)r,
                                           spot ? SC_PURCHASE_SPOT : SC_PURCHASE_ONDEMAND);
            cJSON *m = cJSON_CreateObject();
            cJSON_AddStringToObject(m, "name", name);
            cJSON_AddStringToObject(m, "baseInstanceName", name);
            snprintf(tmpl, sizeof tmpl, "projects/%s/global/instanceTemplates/%s", g->project,
                     name);
            cJSON_AddStringToObject(m, "instanceTemplate", tmpl);
            cJSON_AddNumberToObject(m, "targetSize", initial);
            snprintf(url, sizeof url, "%s/projects/%s/regions/%s/instanceGroupManagers",
                     g->compute, g->project, sc->regions[r].name);
            snprintf(what, sizeof what, "insert instance group manager %s", name);
            if ((st = insert(g, url, m, what, err)))
                return st;
        }
    return SC_OK;
}

/* ---- life cycle -------------------------------------------------------------------- */

static void gcp_cleanup(void *state)
{
    gcp *g = state;
    sc_http_free(g->http);
    free(g->group);
    free(g->size);
    free(g->wt);
    if (g->key) {
        memset(g->key, 0, strlen(g->key));
        free(g->key);
    }
    memset(g->token, 0, sizeof g->token);
}

static sc_status read_key(gcp *g, sc_error *err)
{
    const char *path = getenv("GOOGLE_APPLICATION_CREDENTIALS");
    if (!path || !*path)
        return sc_error_set(err, SC_ERR_INPUT, "gcp",
                            "missing credentials: set GOOGLE_APPLICATION_CREDENTIALS to a "
                            "service-account key file (JSON)");
    char *txt = NULL;
    size_t n = 0;
    sc_status st = sc_file_read_all(path, &txt, &n, err);
    if (st)
        return sc_error_set(err, SC_ERR_INPUT, path,
                            "cannot read the service-account key (GOOGLE_APPLICATION_CREDENTIALS)");
    cJSON *j = cJSON_Parse(txt);
    memset(txt, 0, n);
    free(txt);
    const char *fields[] = {"client_email", "private_key", "token_uri"};
    const cJSON *v[3] = {0};
    for (int i = 0; j && i < 3; i++)
        v[i] = cJSON_GetObjectItemCaseSensitive(j, fields[i]);
    const cJSON *type = j ? cJSON_GetObjectItemCaseSensitive(j, "type") : NULL;
    const cJSON *proj = j ? cJSON_GetObjectItemCaseSensitive(j, "project_id") : NULL;
    if (!j || !cJSON_IsString(type) || strcmp(type->valuestring, "service_account") != 0 ||
        !cJSON_IsString(v[0]) || !cJSON_IsString(v[1])) {
        cJSON_Delete(j);
        return sc_error_set(err, SC_ERR_INPUT, path,
                            "not a service-account key: expected JSON with type "
                            "\"service_account\", client_email and private_key");
    }
    snprintf(g->email, sizeof g->email, "%s", v[0]->valuestring);
    g->key = strdup(v[1]->valuestring);
    if (!g->token_uri[0])
        snprintf(g->token_uri, sizeof g->token_uri, "%s",
                 cJSON_IsString(v[2]) ? v[2]->valuestring : "https://oauth2.googleapis.com/token");
    if (!g->project[0] && cJSON_IsString(proj))
        snprintf(g->project, sizeof g->project, "%s", proj->valuestring);
    cJSON_Delete(j);
    if (!g->key)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    int lb;
    return sc_http_check_url(g->token_uri, &lb, err);
}

static sc_status read_section(gcp *g, sc_error *err)
{
    const sc_scenario *sc = g->sc;
    snprintf(g->backend, sizeof g->backend, "sculpt-{app}");
    snprintf(g->bs_image, sizeof g->bs_image, "projects/debian-cloud/global/images/family/debian-12");
    snprintf(g->bs_network, sizeof g->bs_network, "global/networks/default");
    g->poll_ms = 2000;
    g->max_polls = 300;
    cJSON *root = NULL;
    sc_status st = SC_OK;
    sc_json_ctx cx = {sc->path, err};
    const cJSON *s = NULL, *bs = NULL;
    static const char *const keys[] = {"project", "backend_service", "poll", "bootstrap", NULL};
    static const char *const bkeys[] = {"image", "network", NULL};
    const char *p = "$.live.gcp";
    int64_t poll = g->poll_ms;
    if ((st = sc_live_subsection(sc, "gcp", &root, &s, err)) || !s)
        goto done;
    if ((st = sc_json_check_keys(&cx, s, p, keys)) ||
        (st = sc_json_get_string_buf(&cx, s, p, "project", SC_JSON_OPTIONAL, "", g->project,
                                     sizeof g->project)) ||
        (st = sc_json_get_string_buf(&cx, s, p, "backend_service", SC_JSON_OPTIONAL, g->backend,
                                     g->backend, sizeof g->backend)) ||
        (st = sc_json_get_duration(&cx, s, p, "poll", SC_JSON_OPTIONAL, poll, 0, &poll)) ||
        (st = sc_json_get_object(&cx, s, p, "bootstrap", SC_JSON_OPTIONAL, &bs)))
        goto done;
    g->poll_ms = poll;
    if (bs && ((st = sc_json_check_keys(&cx, bs, "$.live.gcp.bootstrap", bkeys)) ||
               (st = sc_json_get_string_buf(&cx, bs, "$.live.gcp.bootstrap", "image",
                                            SC_JSON_OPTIONAL, g->bs_image, g->bs_image,
                                            sizeof g->bs_image)) ||
               (st = sc_json_get_string_buf(&cx, bs, "$.live.gcp.bootstrap", "network",
                                            SC_JSON_OPTIONAL, g->bs_network, g->bs_network,
                                            sizeof g->bs_network))))
        goto done;
done:
    cJSON_Delete(root);
    return st;
}

static sc_status gcp_init(void *state, const void *config, sc_error *err)
{
    gcp *g = state;
    const sc_cloud_config *cfg = config;
    if (!cfg || !cfg->sc)
        return sc_error_set(err, SC_ERR_INTERNAL, "gcp", "the gcp adapter needs a config");
    const sc_scenario *sc = cfg->sc;
    g->sc = sc;
    sc_status st;
    int loopback = 0;
    if (cfg->endpoint) {
        if ((st = sc_http_check_url(cfg->endpoint, &loopback, err)))
            return st;
        size_t n = strlen(cfg->endpoint);
        while (n && cfg->endpoint[n - 1] == '/')
            n--;
        snprintf(g->compute, sizeof g->compute, "%.*s/compute/v1", (int)n, cfg->endpoint);
        snprintf(g->token_uri, sizeof g->token_uri, "%.*s/token", (int)n, cfg->endpoint);
    } else {
        snprintf(g->compute, sizeof g->compute, "https://compute.googleapis.com/compute/v1");
    }
    if ((st = sc_cloud_bootstrap_allowed(cfg, loopback, "instance templates and groups",
                                         "the real GCP endpoints", err)))
        return st;
    if ((st = read_section(g, err)) || (st = read_key(g, err))) {
        gcp_cleanup(g);
        return st;
    }
    if (!g->project[0]) {
        gcp_cleanup(g);
        return sc_error_set(err, SC_ERR_INPUT, sc->path,
                            "no GCP project: set $.live.gcp.project or project_id in the key");
    }
    size_t nar = sc->n_apps * sc->n_regions;
    g->group = calloc(nar + 1, sizeof *g->group);
    g->size = malloc((2 * nar + 1) * sizeof *g->size);
    g->wt = malloc((nar * sc->n_geos + 1) * sizeof *g->wt);
    if (!g->group || !g->size || !g->wt) {
        gcp_cleanup(g);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    const char *tmpl = cfg->group_name ? cfg->group_name : "sculpt-{app}-{region}";
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = ap * sc->n_regions + r;
            sc_cloud_expand(g->group[ar], sizeof g->group[0], tmpl, sc->apps[ap].name, "",
                            sc->regions[r].name);
            g->size[2 * ar] = g->size[2 * ar + 1] = -1;
            for (size_t geo = 0; geo < sc->n_geos; geo++) {
                const int *w = sc->geos[geo].routing.weights;
                *weight_at(g, (int)ap, (int)geo, (int)r) = w ? w[r] : -1;
            }
        }
    sc_http_retry rt = {.max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 5,
                        .base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 200,
                        .cap_ms = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : 20000,
                        .max_retry_after_ms = 60000,
                        .seed = cfg->seed ? cfg->seed : sc->seed};
    if ((st = sc_http_alloc(&rt, gcp_throttle, &g->http, err)) ||
        (cfg->bootstrap && (st = gcp_bootstrap(g, err)))) {
        gcp_cleanup(g);
        return st;
    }
    return SC_OK;
}

static sc_status gcp_ctrl(void *state, int op, void *arg, sc_error *err)
{
    gcp *g = state;
    switch (op) {
    case SC_PROVIDER_CTRL_IDEMPOTENCY_KEY:
        snprintf(g->key_id, sizeof g->key_id, "%s", (const char *)arg);
        return SC_OK;
    case SC_PROVIDER_CTRL_CALL:
        snprintf(g->payload, sizeof g->payload, "%s", ((const sc_live_call *)arg)->payload);
        return SC_OK;
    case SC_PROVIDER_CTRL_REPLAYED: { /* a weight the journal says was set: remember it */
        const sc_action *a = ((const sc_live_call *)arg)->act;
        if (a->kind == SC_ACTION_SET_WEIGHT && a->app >= 0 && (size_t)a->app < g->sc->n_apps &&
            a->geo >= 0 && (size_t)a->geo < g->sc->n_geos && a->region >= 0 &&
            (size_t)a->region < g->sc->n_regions)
            *weight_at(g, a->app, a->geo, a->region) = a->weight;
        return SC_OK;
    }
    case SC_PROVIDER_CTRL_PREPARE: {
        sc_live_call *c = arg;
        sc_status st = check_pool(g, c->act, err);
        if (st)
            return st;
        if (c->act->kind == SC_ACTION_SET_WEIGHT) {
            snprintf(c->payload, sizeof c->payload, "weight=%d", c->act->weight);
            return SC_OK;
        }
        int target;
        if ((st = target_of(g, c->act, &target, err)))
            return st;
        snprintf(c->payload, sizeof c->payload, "size=%d", target);
        return SC_OK;
    }
    case SC_PROVIDER_CTRL_IS_REAL:
        *(int *)arg = 1;
        return SC_OK;
    case SC_PROVIDER_CTRL_CLOUD_STATS:
        sc_cloud_stats_fill(arg, g->http, g->mutating, g->read_only);
        return SC_OK;
    default:
        return SC_ERR_NOTFOUND;
    }
}

const sc_provider_type sc_gcp_provider_type = {
    .name = "gcp",
    .version = 2,
    .state_size = sizeof(gcp),
    .init = gcp_init,
    .cleanup = gcp_cleanup,
    .apply = gcp_apply,
    .describe = gcp_describe,
    .ctrl = gcp_ctrl,
    .snapshot = gcp_snapshot,
};
