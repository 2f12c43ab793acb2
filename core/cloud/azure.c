/*
 * azure.c - the Azure provider adapter (cloud.h): virtual machine scale sets through
 * Azure Resource Manager, routing weights through Traffic Manager.
 *
 * Pools.  The on-demand pool of (app, region) is the scale set named by the group
 * template (default "sculpt-{app}-{region}") in $.live.azure.resource_group; the spot pool
 * is the scale set of the same name + "-spot" (a scale set has one priority, Regular or
 * Spot, so the two pools are two sets; the spot set is only read when the scenario prices
 * spot in the region).  The set's sku.capacity is the base of the adapter's absolute
 * targets; what serves is read from its instances, as EC2's lifecycle states are (one
 * more call per set: Virtual Machine Scale Set VMs - List with $expand=instanceView,
 * every nextLink page followed on the management host only).  Per instance:
 *   properties.provisioningState Failed               not counted (never serves)
 *   Deleting, or PowerState/stopping|deallocating    draining
 *   Creating, or PowerState/starting                 booting
 *   PowerState/stopped|deallocated                   not counted
 *   else (Succeeded, Updating: running or no view)   ready
 * so a set at capacity 5 with one instance Failed and one Deleting serves 3, and the
 * policy's provision raises the capacity past them.
 *
 * Calls (Resource Manager https://management.azure.com, or --endpoint; bearer token):
 *   token     POST https://login.microsoftonline.com/TENANT/oauth2/v2.0/token, form
 *             grant_type=client_credentials, client_id, client_secret, scope=
 *             https://management.azure.com/.default (the OAuth2 client-credentials grant
 *             of the Microsoft identity platform); kept until 5 min before expires_in.
 *   snapshot  GET  /subscriptions/S/resourceGroups/G/providers/Microsoft.Compute/
 *             virtualMachineScaleSets/NAME?api-version=2024-07-01 (pinned), then
 *             GET .../virtualMachineScaleSets/NAME/virtualMachines?$expand=instanceView&
 *             api-version=2024-07-01 and its nextLink pages (value[], nextLink).
 *   apply     PATCH (same URL) {"sku":{"capacity":N}}: absolute, so idempotent and retried;
 *             the target is written ahead as "capacity=N".  A 201/202 answer carries
 *             Azure-AsyncOperation: the adapter GETs that URL until its status is
 *             Succeeded (done), Failed or Canceled (an error with the operation's
 *             error.code and message), waiting Retry-After (else poll_ms) between polls.
 *   set_weight PATCH /subscriptions/S/resourceGroups/G/providers/Microsoft.Network/
 *             trafficmanagerprofiles/PROFILE/ENDPOINT_TYPE/ENDPOINT?api-version=2022-04-01
 *             {"properties":{"endpointStatus":"Enabled","weight":W}}; weight 0 (Traffic
 *             Manager's weights are 1..1000) is {"properties":{"endpointStatus":"Disabled"}}.
 *             PROFILE from $.live.azure.traffic_manager.profile (default
 *             "sculpt-{app}-{geo}"), ENDPOINT from .endpoint (default "{region}").
 *   bootstrap (--bootstrap) GET each pool's set; a 404 is created: PUT (same URL) with
 *             If-None-Match: * and a VirtualMachineScaleSet body (location, sku {name,
 *             tier, capacity = the initial count}, Uniform orchestration, Manual
 *             upgrades, Regular or Spot priority, image, SSH-key Linux login, one NIC in
 *             $.live.azure.bootstrap.subnet_id), then its async operation; 412 = made
 *             meanwhile = done.  Idempotent: a rerun finds every set and creates none.
 * Throttling: HTTP 429 (Retry-After honoured) and 503; only the PATCHes and GETs (all
 * idempotent) are retried, the token POST too (it changes nothing).
 *
 * Credentials: AZURE_TENANT_ID, AZURE_CLIENT_ID, AZURE_CLIENT_SECRET (the names the Azure
 * SDKs read); the subscription from $.live.azure.subscription_id or AZURE_SUBSCRIPTION_ID.
 * The secret and the token go to the request only, never into a message or the journal.
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/cloud.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "cloudrest.h"
#include "sculpt/json.h"
#include "sculpt/live.h"

#define AZ_COMPUTE_API "2024-07-01"
#define AZ_TM_API "2022-04-01"

typedef struct azure {
    const sc_scenario *sc;
    char mgmt[512];             /* Resource Manager base, no trailing '/' */
    char login[512];            /* token endpoint base */
    char tenant[128], client_id[128], secret[512];
    char sub[128], rg[128];
    char tm_profile[128], tm_endpoint[128], tm_type[32];
    char token[4096];
    time_t token_expiry;        /* wall clock seconds */
    char bs_image[256];         /* bootstrap: "publisher:offer:sku:version" */
    char bs_subnet[512];        /* bootstrap: subnet resource id ("" = not given) */
    char bs_ssh_key[2048];      /* bootstrap: the admin's SSH public key ("" = not given) */
    char bs_admin[64];          /* bootstrap: admin user name */
    int64_t poll_ms;            /* between async polls without Retry-After */
    int max_polls;
    sc_rest api;                /* the HTTP client (owned), throttling, ARM's error shape */
    sc_sized pools;             /* group[ar]: on-demand scale set names; size[ar * 2 + spot]:
                                   capacity (on demand, spot), -1 = unknown */
    char payload[SC_LIVE_PAYLOAD_MAX];
    long mutating, read_only;
} azure;

static int az_throttle(long status, const char *body)
{
    (void)body;
    return status == 429 || status == 503;
}

/* ---- requests ------------------------------------------------------------------ */

/* An ARM error object's code and message. */
static void az_error_obj(const cJSON *e, char *code, size_t ccap, char *msg, size_t mcap)
{
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(e, "code");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(e, "message");
    if (cJSON_IsString(c))
        snprintf(code, ccap, "%s", c->valuestring);
    if (cJSON_IsString(m))
        snprintf(msg, mcap, "%s", m->valuestring);
}

static sc_status az_token(azure *z, sc_error *err)
{
    if (z->token[0] && time(NULL) + 300 < z->token_expiry)
        return SC_OK;
    char url[700], body[2048];
    size_t len = 0;
    body[0] = '\0';
    snprintf(url, sizeof url, "%s/%s/oauth2/v2.0/token", z->login, z->tenant);
    sc_http_form_append(body, sizeof body, &len, "grant_type", "client_credentials");
    sc_http_form_append(body, sizeof body, &len, "client_id", z->client_id);
    sc_http_form_append(body, sizeof body, &len, "client_secret", z->secret);
    sc_http_form_append(body, sizeof body, &len, "scope", "https://management.azure.com/.default");
    char who[300];
    snprintf(who, sizeof who, "Azure token request for client %s", z->client_id);
    time_t expires_s;
    sc_status st = sc_rest_token(&z->api, url, body, who, z->token, sizeof z->token, &expires_s,
                                 err);
    memset(body, 0, sizeof body);
    if (st)
        return st;
    z->token_expiry = time(NULL) + expires_s;
    return SC_OK;
}

/* One ARM call with the bearer token (and an extra header line, NULL = none); 2xx =
 * SC_OK (resp kept), else an error naming what with the API's code and message (resp
 * freed). */
static sc_status az_call_h(azure *z, const char *method, const char *url, const char *body,
                           const char *header, const char *what, sc_http_resp *resp,
                           sc_error *err)
{
    sc_status st = az_token(z, err);
    if (st)
        return st;
    return sc_rest_call(&z->api, z->token, method, url, body, header, "Azure-AsyncOperation",
                        what, resp, err);
}

static sc_status az_call(azure *z, const char *method, const char *url, const char *body,
                         const char *what, sc_http_resp *resp, sc_error *err)
{
    return az_call_h(z, method, url, body, NULL, what, resp, err);
}

/* Follow an Azure-AsyncOperation URL to its end. */
static sc_status az_wait(azure *z, const char *op_url, int64_t first_wait_ms, const char *what,
                         sc_error *err)
{
    /* the bearer token goes only to the management host the adapter was given */
    size_t ml = strlen(z->mgmt);
    if (strncmp(op_url, z->mgmt, ml) != 0 || (op_url[ml] != '/' && op_url[ml] != '\0'))
        return sc_error_set(err, SC_ERR_IO, "azure",
                            "%s: the Azure-AsyncOperation URL is not on %s; not followed",
                            what, z->mgmt);
    sc_status st;
    int64_t wait = first_wait_ms >= 0 ? first_wait_ms : z->poll_ms;
    for (int k = 0; k < z->max_polls; k++) {
        sc_rest_sleep_ms(wait);
        sc_http_resp resp;
        if ((st = az_call(z, "GET", op_url, NULL, "async operation", &resp, err)))
            return st;
        z->read_only++;
        wait = resp.retry_after_ms >= 0 ? resp.retry_after_ms : z->poll_ms;
        cJSON *j = cJSON_Parse(resp.body);
        const cJSON *s = j ? cJSON_GetObjectItemCaseSensitive(j, "status") : NULL;
        char status[32] = "";
        if (cJSON_IsString(s))
            snprintf(status, sizeof status, "%s", s->valuestring);
        if (strcmp(status, "Failed") == 0 || strcmp(status, "Canceled") == 0) {
            char code[128], msg[512];
            sc_rest_error(&z->api, resp.body, code, sizeof code, msg, sizeof msg);
            cJSON_Delete(j);
            sc_http_resp_cleanup(&resp);
            return sc_error_set(err, SC_ERR_IO, "azure", "%s: the operation ended %s: %s%s%s",
                                what, status, code, msg[0] ? ": " : "", msg);
        }
        cJSON_Delete(j);
        sc_http_resp_cleanup(&resp);
        if (strcmp(status, "Succeeded") == 0)
            return SC_OK;
    }
    return sc_error_set(err, SC_ERR_IO, "azure", "%s: the operation did not end after %d polls",
                        what, z->max_polls);
}

/* A change (PATCH, PUT) counted as mutating, then its Azure-AsyncOperation (when the
 * answer names one) followed to its end.  ok_status: an HTTP status that counts as done
 * without an answer to follow (0 = none). */
static sc_status az_change(azure *z, const char *method, const char *url, const char *body,
                           const char *header, int ok_status, const char *what, sc_error *err)
{
    sc_http_resp resp;
    sc_status st = az_call_h(z, method, url, body, header, what, &resp, err);
    z->mutating++;
    if (st) {
        char code[32];
        snprintf(code, sizeof code, "HTTP %d", ok_status);
        return ok_status && err && strstr(err->msg, code) ? SC_OK : st;
    }
    char op[1024];
    snprintf(op, sizeof op, "%s", resp.captured);
    int64_t ra = resp.retry_after_ms;
    sc_http_resp_cleanup(&resp);
    return op[0] ? az_wait(z, op, ra, what, err) : SC_OK;
}

static void vmss_url(const azure *z, const char *name, char *out, size_t cap)
{
    snprintf(out, cap,
             "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/"
             "virtualMachineScaleSets/%s?api-version=" AZ_COMPUTE_API,
             z->mgmt, z->sub, z->rg, name);
}

static int has_spot(const azure *z, size_t r)
{
    return sc_cloud_offered(z->sc, r, SC_PURCHASE_SPOT);
}

static void set_name(const azure *z, size_t ar, int spot, char *out, size_t cap)
{
    snprintf(out, cap, "%s%s", z->pools.group[ar], spot ? "-spot" : "");
}

/* GET the scale set of pool (ar, spot) into resp; name[300] gets its name. */
static sc_status get_set(azure *z, size_t ar, int spot, char *name, sc_http_resp *resp,
                         sc_error *err)
{
    char url[1200], what[400];
    set_name(z, ar, spot, name, 300);
    vmss_url(z, name, url, sizeof url);
    snprintf(what, sizeof what, "scale set %s", name);
    sc_status st = az_call(z, "GET", url, NULL, what, resp, err);
    z->read_only++;
    return st;
}

/* The power state of one instance from its instance view ("" when none is given). */
static void power_state(const cJSON *props, char *out, size_t cap)
{
    out[0] = '\0';
    const cJSON *iv = cJSON_GetObjectItemCaseSensitive(props, "instanceView");
    const cJSON *sts = iv ? cJSON_GetObjectItemCaseSensitive(iv, "statuses") : NULL, *it;
    cJSON_ArrayForEach(it, sts)
    {
        const cJSON *code = cJSON_GetObjectItemCaseSensitive(it, "code");
        if (cJSON_IsString(code) && strncmp(code->valuestring, "PowerState/", 11) == 0)
            snprintf(out, cap, "%s", code->valuestring + 11);
    }
}

/* Count the instances of scale set name by state into p (ready, booting, draining; failed
 * and stopped ones are not counted). */
static sc_status count_vms(azure *z, const char *name, sc_pool_state *p, sc_error *err)
{
    char url[1400], what[400];
    snprintf(url, sizeof url,
             "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/"
             "virtualMachineScaleSets/%s/virtualMachines?$expand=instanceView&api-version="
             AZ_COMPUTE_API,
             z->mgmt, z->sub, z->rg, name);
    snprintf(what, sizeof what, "instances of scale set %s", name);
    size_t ml = strlen(z->mgmt);
    for (int page = 0; url[0]; page++) {
        if (page >= 1000)
            return sc_error_set(err, SC_ERR_IO, "azure", "%s: more than 1000 pages", what);
        sc_http_resp resp;
        sc_status st = az_call(z, "GET", url, NULL, what, &resp, err);
        z->read_only++;
        if (st)
            return st;
        cJSON *j = cJSON_Parse(resp.body);
        sc_http_resp_cleanup(&resp);
        const cJSON *val = j ? cJSON_GetObjectItemCaseSensitive(j, "value") : NULL, *vm;
        if (!cJSON_IsArray(val)) {
            cJSON_Delete(j);
            return sc_error_set(err, SC_ERR_IO, url, "%s: the answer has no value list", what);
        }
        cJSON_ArrayForEach(vm, val)
        {
            const cJSON *pr = cJSON_GetObjectItemCaseSensitive(vm, "properties");
            const cJSON *ps = pr ? cJSON_GetObjectItemCaseSensitive(pr, "provisioningState")
                                 : NULL;
            const char *prov = cJSON_IsString(ps) ? ps->valuestring : "";
            char power[64];
            power_state(pr, power, sizeof power);
            if (strcmp(prov, "Failed") == 0)
                continue;
            if (strcmp(prov, "Deleting") == 0 || strcmp(power, "stopping") == 0 ||
                strcmp(power, "deallocating") == 0)
                p->draining++;
            else if (strcmp(prov, "Creating") == 0 || strcmp(power, "starting") == 0)
                p->booting++;
            else if (strcmp(power, "stopped") == 0 || strcmp(power, "deallocated") == 0)
                continue;
            else
                p->ready++;
        }
        const cJSON *next = cJSON_GetObjectItemCaseSensitive(j, "nextLink");
        url[0] = '\0';
        if (cJSON_IsString(next) && next->valuestring[0]) {
            /* the bearer token goes only to the management host the adapter was given */
            if (strncmp(next->valuestring, z->mgmt, ml) != 0 || next->valuestring[ml] != '/') {
                cJSON_Delete(j);
                return sc_error_set(err, SC_ERR_IO, "azure",
                                    "%s: the nextLink is not on %s; not followed", what,
                                    z->mgmt);
            }
            snprintf(url, sizeof url, "%s", next->valuestring);
        }
        cJSON_Delete(j);
    }
    return SC_OK;
}

/* ---- provider methods ------------------------------------------------------------ */

static sc_status az_snapshot(void *state, sc_pool_state *out, size_t n, int since_last,
                             sc_error *err)
{
    azure *z = state;
    (void)since_last;
    const sc_scenario *sc = z->sc;
    memset(out, 0, n * sizeof *out);
    for (size_t ap = 0; ap < sc->n_apps; ap++)
        for (size_t r = 0; r < sc->n_regions; r++)
            for (int spot = 0; spot < 2; spot++) {
                size_t ar = ap * sc->n_regions + r;
                if (spot && !has_spot(z, r))
                    continue;
                char name[300], url[1200];
                sc_http_resp resp;
                sc_status st = get_set(z, ar, spot, name, &resp, err);
                vmss_url(z, name, url, sizeof url);
                if (st) {
                    if (err && strstr(err->msg, "HTTP 404"))
                        return sc_error_set(err, SC_ERR_NOTFOUND, "azure",
                                            "scale set '%s' not found in resource group '%s': "
                                            "create it first",
                                            name, z->rg);
                    return st;
                }
                cJSON *j = cJSON_Parse(resp.body);
                sc_http_resp_cleanup(&resp);
                const cJSON *sku = j ? cJSON_GetObjectItemCaseSensitive(j, "sku") : NULL;
                const cJSON *c = sku ? cJSON_GetObjectItemCaseSensitive(sku, "capacity") : NULL;
                if (!cJSON_IsNumber(c) || c->valuedouble < 0) {
                    cJSON_Delete(j);
                    return sc_error_set(err, SC_ERR_IO, url,
                                        "the scale set answer has no sku.capacity");
                }
                int cap = (int)c->valuedouble;
                cJSON_Delete(j);
                sc_pool_state *p =
                    &out[ar * SC_PURCHASE_COUNT + (spot ? SC_PURCHASE_SPOT : SC_PURCHASE_ONDEMAND)];
                if (cap > 0 && (st = count_vms(z, name, p, err)))
                    return st;
                z->pools.size[ar * 2 + (size_t)spot] = cap;
            }
    return SC_OK;
}

static sc_status az_describe(void *state, int app, int region, int type, sc_purchase option,
                             sc_pool_state *out, sc_error *err)
{
    azure *z = state;
    (void)type;
    return sc_cloud_describe_by_snapshot(az_snapshot, state, z->sc->n_apps, z->sc->n_regions,
                                         app, region, option, out, err);
}

static sc_status set_weight(azure *z, const sc_action *act, sc_error *err)
{
    const sc_scenario *sc = z->sc;
    char prof[256], ep[256], url[1200], body[256], what[600];
    const char *an = sc->apps[act->app].name, *gn = sc->geos[act->geo].name,
               *rn = sc->regions[act->region].name;
    sc_cloud_expand(prof, sizeof prof, z->tm_profile, an, gn, rn);
    sc_cloud_expand(ep, sizeof ep, z->tm_endpoint, an, gn, rn);
    snprintf(url, sizeof url,
             "%s/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Network/"
             "trafficmanagerprofiles/%s/%s/%s?api-version=" AZ_TM_API,
             z->mgmt, z->sub, z->rg, prof, z->tm_type, ep);
    if (act->weight > 0)
        snprintf(body, sizeof body,
                 "{\"properties\":{\"endpointStatus\":\"Enabled\",\"weight\":%d}}", act->weight);
    else
        snprintf(body, sizeof body, "{\"properties\":{\"endpointStatus\":\"Disabled\"}}");
    snprintf(what, sizeof what, "Traffic Manager endpoint %s/%s", prof, ep);
    return az_change(z, "PATCH", url, body, NULL, 0, what, err);
}

static sc_status az_apply(void *state, const sc_action *act, sc_time_ms now,
                          sc_action_result *res, sc_error *err)
{
    azure *z = state;
    (void)now;
    sc_status st = sc_sized_check(&z->pools, act, err);
    if (st)
        return st;
    if (act->kind == SC_ACTION_SET_WEIGHT) {
        z->payload[0] = '\0';
        if ((st = set_weight(z, act, err)))
            return st;
        res->accepted = 1;
        return SC_OK;
    }
    size_t ar = (size_t)act->app * z->sc->n_regions + (size_t)act->region;
    int spot = act->option == SC_PURCHASE_SPOT;
    int before, target;
    if ((st = sc_sized_begin(&z->pools, act, z->payload, &before, &target, err)))
        return st;
    char name[300], url[1200], body[128], what[400];
    set_name(z, ar, spot, name, sizeof name);
    vmss_url(z, name, url, sizeof url);
    snprintf(body, sizeof body, "{\"sku\":{\"capacity\":%d}}", target);
    snprintf(what, sizeof what, "scale set %s capacity %d", name, target);
    if ((st = az_change(z, "PATCH", url, body, NULL, 0, what, err)))
        return st;
    sc_sized_done(&z->pools, act, before, target, res);
    return SC_OK;
}

/* ---- bootstrap: create the missing scale sets ----------------------------------------- */

/* The create body of scale set name (Virtual Machine Scale Sets - Create Or Update,
 * api-version 2024-07-01): Uniform orchestration, manual upgrades, the app's size and
 * the initial capacity, a Linux image with SSH key login only, one NIC in the subnet;
 * Spot priority (evicted instances deleted, pay up to the on-demand price) for the spot
 * set.  Freed by the caller with free(). */
static char *create_body(const azure *z, size_t ar, int spot, int capacity)
{
    const sc_scenario *sc = z->sc;
    size_t ap = ar / sc->n_regions, r = ar % sc->n_regions;
    char name[300], img[256], path[160];
    set_name(z, ar, spot, name, sizeof name);
    snprintf(img, sizeof img, "%s", z->bs_image);
    char *part[4] = {img, "", "", ""};
    for (int i = 1, k = 0; img[k] && i < 4; k++)
        if (img[k] == ':') {
            img[k] = '\0';
            part[i++] = img + k + 1;
        }
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "location", sc->regions[r].name);
    cJSON *sku = cJSON_AddObjectToObject(j, "sku");
    cJSON_AddStringToObject(sku, "name", sc->types[sc->apps[ap].instance_type].name);
    cJSON_AddStringToObject(sku, "tier", "Standard");
    cJSON_AddNumberToObject(sku, "capacity", capacity);
    cJSON *pr = cJSON_AddObjectToObject(j, "properties");
    cJSON_AddStringToObject(pr, "orchestrationMode", "Uniform");
    cJSON_AddStringToObject(cJSON_AddObjectToObject(pr, "upgradePolicy"), "mode", "Manual");
    cJSON *vm = cJSON_AddObjectToObject(pr, "virtualMachineProfile");
    cJSON_AddStringToObject(vm, "priority", spot ? "Spot" : "Regular");
    if (spot) {
        cJSON_AddStringToObject(vm, "evictionPolicy", "Delete");
        cJSON_AddNumberToObject(cJSON_AddObjectToObject(vm, "billingProfile"), "maxPrice", -1);
    }
    cJSON *ir = cJSON_AddObjectToObject(cJSON_AddObjectToObject(vm, "storageProfile"),
                                        "imageReference");
    cJSON_AddStringToObject(ir, "publisher", part[0]);
    cJSON_AddStringToObject(ir, "offer", part[1]);
    cJSON_AddStringToObject(ir, "sku", part[2]);
    cJSON_AddStringToObject(ir, "version", part[3]);
    cJSON *os = cJSON_AddObjectToObject(vm, "osProfile");
    cJSON_AddStringToObject(os, "computerNamePrefix", name);
    cJSON_AddStringToObject(os, "adminUsername", z->bs_admin);
    cJSON *lc = cJSON_AddObjectToObject(os, "linuxConfiguration");
    cJSON_AddBoolToObject(lc, "disablePasswordAuthentication", 1);
    cJSON *key = cJSON_CreateObject();
    snprintf(path, sizeof path, "/home/%s/.ssh/authorized_keys", z->bs_admin);
    cJSON_AddStringToObject(key, "path", path);
    cJSON_AddStringToObject(key, "keyData", z->bs_ssh_key);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(cJSON_AddObjectToObject(lc, "ssh"), "publicKeys"),
                         key);
    cJSON *nic = cJSON_CreateObject();
    cJSON_AddStringToObject(nic, "name", name);
    cJSON *np = cJSON_AddObjectToObject(nic, "properties");
    cJSON_AddBoolToObject(np, "primary", 1);
    cJSON *ip = cJSON_CreateObject();
    cJSON_AddStringToObject(ip, "name", name);
    cJSON_AddStringToObject(
        cJSON_AddObjectToObject(cJSON_AddObjectToObject(ip, "properties"), "subnet"), "id",
        z->bs_subnet);
    cJSON_AddItemToArray(cJSON_AddArrayToObject(np, "ipConfigurations"), ip);
    cJSON_AddItemToArray(
        cJSON_AddArrayToObject(cJSON_AddObjectToObject(vm, "networkProfile"),
                               "networkInterfaceConfigurations"),
        nic);
    char *out = cJSON_PrintUnformatted(j);
    cJSON_Delete(j);
    return out;
}

/* Each pool's scale set (the spot set where the region prices spot) is read; a missing
 * one (404) is created with PUT and If-None-Match: * (create only: a set made meanwhile,
 * or by a resent PUT whose answer was lost, answers 412, which counts as done), its
 * capacity the scenario's initial count, then its async operation is followed.  An
 * existing set is left as it is. */
static sc_status az_bootstrap(azure *z, sc_error *err)
{
    const sc_scenario *sc = z->sc;
    for (size_t ar = 0; ar < sc->n_apps * sc->n_regions; ar++)
        for (int spot = 0; spot < 2; spot++) {
            size_t ap = ar / sc->n_regions, r = ar % sc->n_regions;
            if (spot && !has_spot(z, r))
                continue;
            char name[300], url[1200], what[400];
            sc_http_resp resp;
            sc_status st = get_set(z, ar, spot, name, &resp, err);
            vmss_url(z, name, url, sizeof url);
            if (st == SC_OK) {
                sc_http_resp_cleanup(&resp);
                continue;
            }
            if (!err || !strstr(err->msg, "HTTP 404"))
                return st;
            int initial = sc_cloud_initial(&sc->apps[ap], (int)r,
                                           spot ? SC_PURCHASE_SPOT : SC_PURCHASE_ONDEMAND);
            char *body = create_body(z, ar, spot, initial);
            if (!body)
                return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            snprintf(what, sizeof what, "create scale set %s", name);
            /* 412: created meanwhile, done */
            st = az_change(z, "PUT", url, body, "If-None-Match: *", 412, what, err);
            free(body);
            if (st)
                return st;
        }
    return SC_OK;
}

/* ---- life cycle -------------------------------------------------------------------- */

static void az_cleanup(void *state)
{
    azure *z = state;
    sc_http_free(z->api.http);
    sc_sized_cleanup(&z->pools);
    memset(z->secret, 0, sizeof z->secret);
    memset(z->token, 0, sizeof z->token);
}

static sc_status read_section(azure *z, sc_error *err)
{
    const sc_scenario *sc = z->sc;
    snprintf(z->tm_profile, sizeof z->tm_profile, "sculpt-{app}-{geo}");
    snprintf(z->tm_endpoint, sizeof z->tm_endpoint, "{region}");
    snprintf(z->tm_type, sizeof z->tm_type, "azureEndpoints");
    snprintf(z->bs_image, sizeof z->bs_image,
             "Canonical:0001-com-ubuntu-server-jammy:22_04-lts-gen2:latest");
    snprintf(z->bs_admin, sizeof z->bs_admin, "sculpt");
    z->poll_ms = 2000;
    z->max_polls = 300;
    cJSON *root = NULL;
    sc_status st = SC_OK;
    sc_json_ctx cx = {sc->path, err};
    const cJSON *a = NULL, *tm = NULL;
    static const char *const keys[] = {"subscription_id", "resource_group", "traffic_manager",
                                       "poll", "bootstrap", NULL};
    static const char *const bkeys[] = {"image", "subnet_id", "ssh_public_key",
                                        "admin_username", NULL};
    const cJSON *bs = NULL;
    static const char *const tkeys[] = {"profile", "endpoint", "endpoint_type", NULL};
    const char *p = "$.live.azure";
    int64_t poll = z->poll_ms;
    if ((st = sc_live_subsection(sc, "azure", &root, &a, err)) || !a)
        goto done;
    if ((st = sc_json_check_keys(&cx, a, p, keys)) ||
        (st = sc_json_get_string_buf(&cx, a, p, "subscription_id", SC_JSON_OPTIONAL, "", z->sub,
                                     sizeof z->sub)) ||
        (st = sc_json_get_string_buf(&cx, a, p, "resource_group", SC_JSON_OPTIONAL, "", z->rg,
                                     sizeof z->rg)) ||
        (st = sc_json_get_duration(&cx, a, p, "poll", SC_JSON_OPTIONAL, poll, 0, &poll)) ||
        (st = sc_json_get_object(&cx, a, p, "traffic_manager", SC_JSON_OPTIONAL, &tm)) ||
        (st = sc_json_get_object(&cx, a, p, "bootstrap", SC_JSON_OPTIONAL, &bs)))
        goto done;
    z->poll_ms = poll;
    if (bs) {
        const char *bp = "$.live.azure.bootstrap";
        if ((st = sc_json_check_keys(&cx, bs, bp, bkeys)) ||
            (st = sc_json_get_string_buf(&cx, bs, bp, "image", SC_JSON_OPTIONAL, z->bs_image,
                                         z->bs_image, sizeof z->bs_image)) ||
            (st = sc_json_get_string_buf(&cx, bs, bp, "subnet_id", SC_JSON_OPTIONAL, "",
                                         z->bs_subnet, sizeof z->bs_subnet)) ||
            (st = sc_json_get_string_buf(&cx, bs, bp, "ssh_public_key", SC_JSON_OPTIONAL, "",
                                         z->bs_ssh_key, sizeof z->bs_ssh_key)) ||
            (st = sc_json_get_string_buf(&cx, bs, bp, "admin_username", SC_JSON_OPTIONAL,
                                         z->bs_admin, z->bs_admin, sizeof z->bs_admin)))
            goto done;
        int colons = 0;
        for (const char *q = z->bs_image; *q; q++)
            colons += *q == ':';
        if (colons != 3) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, bp, "image",
                              "expected publisher:offer:sku:version, got '%s'", z->bs_image);
            goto done;
        }
    }
    if (tm) {
        const char *tp = "$.live.azure.traffic_manager";
        if ((st = sc_json_check_keys(&cx, tm, tp, tkeys)) ||
            (st = sc_json_get_string_buf(&cx, tm, tp, "profile", SC_JSON_OPTIONAL, z->tm_profile,
                                         z->tm_profile, sizeof z->tm_profile)) ||
            (st = sc_json_get_string_buf(&cx, tm, tp, "endpoint", SC_JSON_OPTIONAL,
                                         z->tm_endpoint, z->tm_endpoint, sizeof z->tm_endpoint)) ||
            (st = sc_json_get_string_buf(&cx, tm, tp, "endpoint_type", SC_JSON_OPTIONAL,
                                         z->tm_type, z->tm_type, sizeof z->tm_type)))
            goto done;
        if (strcmp(z->tm_type, "azureEndpoints") != 0 &&
            strcmp(z->tm_type, "externalEndpoints") != 0 &&
            strcmp(z->tm_type, "nestedEndpoints") != 0) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, tp, "endpoint_type",
                              "expected azureEndpoints, externalEndpoints or nestedEndpoints, "
                              "got '%s'",
                              z->tm_type);
            goto done;
        }
    }
done:
    cJSON_Delete(root);
    return st;
}

/* A path segment for ARM: letters, digits, - _ . ( ). */
static int arm_name_ok(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr("-_.()", *s)))
            return 0;
    return 1;
}

static sc_status az_init(void *state, const void *config, sc_error *err)
{
    azure *z = state;
    const sc_cloud_config *cfg = config;
    if (!cfg || !cfg->sc)
        return sc_error_set(err, SC_ERR_INTERNAL, "azure", "the azure adapter needs a config");
    const sc_scenario *sc = cfg->sc;
    z->sc = sc;
    sc_status st;
    int loopback, n;
    if ((st = sc_rest_endpoint(cfg, &loopback, &n, err)))
        return st;
    if (n >= 0) {
        snprintf(z->mgmt, sizeof z->mgmt, "%.*s", n, cfg->endpoint);
        snprintf(z->login, sizeof z->login, "%.*s", n, cfg->endpoint);
    } else {
        snprintf(z->mgmt, sizeof z->mgmt, "https://management.azure.com");
        snprintf(z->login, sizeof z->login, "https://login.microsoftonline.com");
    }
    if ((st = sc_cloud_bootstrap_allowed(cfg, loopback, "scale sets",
                                         "the real Azure endpoints", err)) ||
        (st = read_section(z, err)))
        return st;
    if (cfg->bootstrap && (!z->bs_subnet[0] || !z->bs_ssh_key[0]))
        return sc_error_set(err, SC_ERR_INPUT, sc->path,
                            "$.live.azure.bootstrap: --bootstrap creates scale sets and needs "
                            "subnet_id (a subnet's resource id) and ssh_public_key");
    const char *env_sub = getenv("AZURE_SUBSCRIPTION_ID");
    if (!z->sub[0] && env_sub)
        snprintf(z->sub, sizeof z->sub, "%s", env_sub);
    if (!z->sub[0] || !z->rg[0])
        return sc_error_set(err, SC_ERR_INPUT, sc->path,
                            "the azure provider needs $.live.azure.resource_group and a "
                            "subscription ($.live.azure.subscription_id or "
                            "AZURE_SUBSCRIPTION_ID)");
    if (!arm_name_ok(z->sub) || !arm_name_ok(z->rg))
        return sc_error_set(err, SC_ERR_INPUT, sc->path,
                            "$.live.azure: subscription_id and resource_group may hold "
                            "letters, digits and - _ . ( ) only");
    const char *t = getenv("AZURE_TENANT_ID"), *c = getenv("AZURE_CLIENT_ID"),
               *s = getenv("AZURE_CLIENT_SECRET");
    if (!t || !*t || !c || !*c || !s || !*s)
        return sc_error_set(err, SC_ERR_INPUT, "azure",
                            "missing credentials: set AZURE_TENANT_ID, AZURE_CLIENT_ID and "
                            "AZURE_CLIENT_SECRET (a service principal's client secret)");
    if (!arm_name_ok(t))
        return sc_error_set(err, SC_ERR_INPUT, "AZURE_TENANT_ID",
                            "expected a tenant id (GUID) or domain");
    snprintf(z->tenant, sizeof z->tenant, "%s", t);
    snprintf(z->client_id, sizeof z->client_id, "%s", c);
    snprintf(z->secret, sizeof z->secret, "%s", s);
    z->pools = (sc_sized){.sc = sc, .who = "azure", .key = "capacity",
                          .manages = "the azure adapter manages the on-demand and spot scale "
                                     "sets of each app's own instance type (reserved capacity "
                                     "is a billing reservation, not a pool it scales)",
                          .snapshot = az_snapshot, .state = z};
    z->api = (sc_rest){.throttle = az_throttle, .error_obj = az_error_obj};
    sc_http_retry rt = sc_rest_retry(cfg, sc);
    if ((st = sc_sized_alloc(&z->pools, cfg->group_name, err)) ||
        (st = sc_http_alloc(&rt, az_throttle, &z->api.http, err)) ||
        (cfg->bootstrap && (st = az_bootstrap(z, err)))) {
        az_cleanup(z);
        return st;
    }
    return SC_OK;
}

static sc_status az_ctrl(void *state, int op, void *arg, sc_error *err)
{
    azure *z = state;
    switch (op) {
    case SC_PROVIDER_CTRL_IDEMPOTENCY_KEY:
        return SC_OK;
    default:
        return sc_sized_ctrl(&z->pools, z->api.http, z->payload, z->mutating, z->read_only, op,
                             arg, err);
    }
}

const sc_provider_type sc_azure_provider_type = {
    .name = "azure",
    .version = 2,
    .state_size = sizeof(azure),
    .init = az_init,
    .cleanup = az_cleanup,
    .apply = az_apply,
    .describe = az_describe,
    .ctrl = az_ctrl,
    .snapshot = az_snapshot,
};
