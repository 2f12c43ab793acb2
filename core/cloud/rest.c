/*
 * rest.c - JSON REST calls with an OAuth2 bearer token, shared by the Azure and GCP
 * adapters (cloudrest.h): error answers, the token exchange, one authorised call, and
 * the adapters' common retry and endpoint settings.
 */
#define _POSIX_C_SOURCE 200809L
#include "cloudrest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

void sc_rest_error(const sc_rest *api, const char *body, char *code, size_t ccap, char *msg,
                   size_t mcap)
{
    snprintf(code, ccap, "HTTP error");
    msg[0] = '\0';
    cJSON *j = cJSON_Parse(body);
    const cJSON *e = j ? cJSON_GetObjectItemCaseSensitive(j, "error") : NULL;
    if (cJSON_IsString(e)) { /* the token endpoint: "error", "error_description" */
        snprintf(code, ccap, "%s", e->valuestring);
        const cJSON *d = cJSON_GetObjectItemCaseSensitive(j, "error_description");
        if (cJSON_IsString(d))
            snprintf(msg, mcap, "%s", d->valuestring);
    } else if (cJSON_IsObject(e)) {
        api->error_obj(e, code, ccap, msg, mcap);
    }
    cJSON_Delete(j);
}

sc_status sc_rest_token(const sc_rest *api, const char *url, const char *body, const char *who,
                        char *token, size_t cap, time_t *expires_s, sc_error *err)
{
    sc_http_req rq = {.method = "POST", .url = url, .body = body,
                      .content_type = "application/x-www-form-urlencoded", .idempotent = 1};
    sc_http_resp resp;
    sc_status st = sc_http_do(api->http, &rq, &resp, err);
    if (st)
        return st;
    if (resp.status != 200) {
        char code[128], msg[512];
        sc_rest_error(api, resp.body, code, sizeof code, msg, sizeof msg);
        long s = resp.status;
        sc_http_resp_cleanup(&resp);
        return sc_error_set(err, s >= 500 ? SC_ERR_IO : SC_ERR_INPUT, url,
                            "%s: HTTP %ld %s%s%s", who, s, code, msg[0] ? ": " : "", msg);
    }
    cJSON *j = cJSON_Parse(resp.body);
    sc_http_resp_cleanup(&resp);
    const cJSON *t = j ? cJSON_GetObjectItemCaseSensitive(j, "access_token") : NULL;
    const cJSON *e = j ? cJSON_GetObjectItemCaseSensitive(j, "expires_in") : NULL;
    if (!cJSON_IsString(t) || strlen(t->valuestring) >= cap) {
        cJSON_Delete(j);
        return sc_error_set(err, SC_ERR_IO, url, "the token answer has no access_token");
    }
    snprintf(token, cap, "%s", t->valuestring);
    *expires_s = cJSON_IsNumber(e) ? (time_t)e->valuedouble : 3600;
    cJSON_Delete(j);
    return SC_OK;
}

sc_status sc_rest_call(const sc_rest *api, const char *token, const char *method, const char *url,
                       const char *body, const char *header, const char *capture,
                       const char *what, sc_http_resp *resp, sc_error *err)
{
    char auth[4200];
    snprintf(auth, sizeof auth, "Authorization: Bearer %s", token);
    const char *hdrs[] = {auth, header, NULL};
    sc_http_req rq = {.method = method, .url = url, .body = body,
                      .content_type = body ? "application/json" : NULL, .idempotent = 1,
                      .headers = hdrs, .capture = capture};
    sc_status st = sc_http_do(api->http, &rq, resp, err);
    memset(auth, 0, sizeof auth);
    if (st)
        return st;
    if (resp->status >= 200 && resp->status < 300)
        return SC_OK;
    char code[128], msg[512];
    sc_rest_error(api, resp->body, code, sizeof code, msg, sizeof msg);
    long s = resp->status;
    int attempts = resp->attempts;
    int thr = api->throttle(s, resp->body);
    sc_http_resp_cleanup(resp);
    return sc_error_set(err, s >= 500 || thr ? SC_ERR_IO : SC_ERR_INPUT, url,
                        "%s: HTTP %ld %s%s%s (after %d attempt%s)", what, s, code,
                        msg[0] ? ": " : "", msg, attempts, attempts == 1 ? "" : "s");
}

void sc_rest_sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

sc_http_retry sc_rest_retry(const sc_cloud_config *cfg, const sc_scenario *sc)
{
    sc_http_retry rt = {.max_attempts = cfg->max_attempts > 0 ? cfg->max_attempts : 5,
                        .base_ms = cfg->backoff_base_ms > 0 ? cfg->backoff_base_ms : 200,
                        .cap_ms = cfg->backoff_cap_ms > 0 ? cfg->backoff_cap_ms : 20000,
                        .max_retry_after_ms = 60000,
                        .seed = cfg->seed ? cfg->seed : sc->seed};
    return rt;
}

sc_status sc_rest_endpoint(const sc_cloud_config *cfg, int *loopback, int *len, sc_error *err)
{
    *loopback = 0;
    *len = -1;
    if (!cfg->endpoint)
        return SC_OK;
    sc_status st = sc_http_check_url(cfg->endpoint, loopback, err);
    if (st)
        return st;
    size_t n = strlen(cfg->endpoint);
    while (n && cfg->endpoint[n - 1] == '/')
        n--;
    *len = (int)n;
    return SC_OK;
}
