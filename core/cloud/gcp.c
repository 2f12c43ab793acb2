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

#include "cloudrest.h"
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
    sc_rest api;                /* the HTTP client (owned), throttling, Google's error shape */
    sc_sized pools;             /* group[ar]: on-demand group names; size[ar * 2 + spot]:
                                   targetSize (on demand, spot), -1 = unknown */
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

/* error.message (and the first error.errors[].reason) of a Google API error object. */
static void gcp_error_obj(const cJSON *e, char *code, size_t ccap, char *msg, size_t mcap)
{
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
    char who[300];
    snprintf(who, sizeof who, "GCP token request for %s", g->email);
    time_t expires_s;
    st = sc_rest_token(&g->api, g->token_uri, body, who, g->token, sizeof g->token, &expires_s,
                       err);
    free(body);
    if (st)
        return st;
    g->token_expiry = now + expires_s;
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
    sc_http_resp resp;
    if ((st = sc_rest_call(&g->api, g->token, method, url, body, NULL, NULL, what, &resp, err)))
        return st;
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
        sc_rest_sleep_ms(g->poll_ms);
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
             g->project, sc->regions[ar % sc->n_regions].name, g->pools.group[ar],
             spot ? "-spot" : "", suffix);
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
            snprintf(what, sizeof what, "instance group manager %s%s", g->pools.group[ar],
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
            g->pools.size[ar * 2 + (size_t)spot] = target;
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
                 sc->regions[r].name, g->pools.group[(size_t)act->app * sc->n_regions + r]);
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
    sc_status st = sc_sized_check(&g->pools, act, err);
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
    int before, target;
    if ((st = sc_sized_begin(&g->pools, act, g->payload, &before, &target, err)))
        return st;
    char rid_text[512], rid[37], url[1400], what[400];
    snprintf(rid_text, sizeof rid_text, "%s|%s%s|%d", g->key_id[0] ? g->key_id : "-",
             g->pools.group[ar], spot ? "-spot" : "", target);
    sc_uuid_from(rid_text, rid);
    g->key_id[0] = '\0';
    char suffix[128];
    snprintf(suffix, sizeof suffix, "/resize?size=%d&requestId=%s", target, rid);
    mig_url(g, ar, spot, suffix, url, sizeof url);
    snprintf(what, sizeof what, "resize of %s%s to %d", g->pools.group[ar], spot ? "-spot" : "",
             target);
    cJSON *op;
    st = gcp_call(g, "POST", url, NULL, what, &op, err);
    g->mutating++;
    if (st || (st = gcp_wait(g, op, what, err)))
        return st;
    sc_sized_done(&g->pools, act, before, target, res);
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
            snprintf(name, sizeof name, "%s%s", g->pools.group[ar], spot ? "-spot" : "");
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
    sc_http_free(g->api.http);
    sc_sized_cleanup(&g->pools);
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
    int loopback, n;
    if ((st = sc_rest_endpoint(cfg, &loopback, &n, err)))
        return st;
    if (n >= 0) {
        snprintf(g->compute, sizeof g->compute, "%.*s/compute/v1", n, cfg->endpoint);
        snprintf(g->token_uri, sizeof g->token_uri, "%.*s/token", n, cfg->endpoint);
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
    g->pools = (sc_sized){.sc = sc, .who = "gcp", .key = "size",
                          .manages = "the gcp adapter manages the on-demand and spot instance "
                                     "groups of each app's own machine type (committed use is "
                                     "a billing commitment, not a pool it resizes)",
                          .snapshot = gcp_snapshot, .state = g};
    g->api = (sc_rest){.throttle = gcp_throttle, .error_obj = gcp_error_obj};
    size_t nar = sc->n_apps * sc->n_regions;
    g->wt = malloc((nar * sc->n_geos + 1) * sizeof *g->wt);
    if (!g->wt) {
        gcp_cleanup(g);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    if ((st = sc_sized_alloc(&g->pools, cfg->group_name, err))) {
        gcp_cleanup(g);
        return st;
    }
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        for (size_t r = 0; r < sc->n_regions; r++)
            for (size_t geo = 0; geo < sc->n_geos; geo++) {
                const int *w = sc->geos[geo].routing.weights;
                *weight_at(g, (int)ap, (int)geo, (int)r) = w ? w[r] : -1;
            }
    sc_http_retry rt = sc_rest_retry(cfg, sc);
    if ((st = sc_http_alloc(&rt, gcp_throttle, &g->api.http, err)) ||
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
    case SC_PROVIDER_CTRL_REPLAYED: { /* a weight the journal says was set: remember it */
        const sc_action *a = ((const sc_live_call *)arg)->act;
        if (a->kind == SC_ACTION_SET_WEIGHT && a->app >= 0 && (size_t)a->app < g->sc->n_apps &&
            a->geo >= 0 && (size_t)a->geo < g->sc->n_geos && a->region >= 0 &&
            (size_t)a->region < g->sc->n_regions)
            *weight_at(g, a->app, a->geo, a->region) = a->weight;
        return SC_OK;
    }
    default:
        return sc_sized_ctrl(&g->pools, g->api.http, g->payload, g->mutating, g->read_only, op,
                             arg, err);
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
