/*
 * route53.c - routing weights on AWS: Route 53 weighted records (cloudint.h).
 *
 * Model.  The traffic of (app, geography) is one DNS name (the $.live.route53 "record"
 * template, {app} {geo} {region}) with one weighted record per region: SetIdentifier =
 * the region's name, Weight = the routing weight (0..255, Route 53's range and the
 * scenario's SC_ROUTE_WEIGHT_MAX), value = the region's endpoint (the "target" template).
 * A set_weight action is one ChangeResourceRecordSets with a single UPSERT of that record:
 * absolute, so a repeat after a crash or a retry sends the same state (idempotent), then
 * GetChange until the change is INSYNC (PENDING while Route 53 propagates it).
 *
 * Calls (API version 2013-04-01, REST with XML bodies, global endpoint
 * https://route53.amazonaws.com or --endpoint; SigV4 scope us-east-1/route53):
 *   POST /2013-04-01/hostedzone/ZONE/rrset/   ChangeResourceRecordSetsRequest/ChangeBatch/
 *        Changes/Change/{Action=UPSERT, ResourceRecordSet/{Name, Type, SetIdentifier,
 *        Weight, TTL, ResourceRecords/ResourceRecord/Value}}; answer ChangeInfo/Id.
 *   GET  /2013-04-01/change/ID                GetChangeResponse/ChangeInfo/Status.
 * Throttling codes (aws.c's classifier): Throttling, PriorRequestNotComplete.
 *
 * Pacing (h-liveroute).  Route 53 limits API requests per AWS account with a token
 * bucket (Route 53 Developer Guide, "Throttling for Amazon Route 53 API requests"; the
 * long-standing quota was 5 requests per second per account for the record-changing
 * calls; since 2026-07-30 the documented account-level bucket holds 50 and refills 10
 * per second, with a separate change-throughput bucket).  The adapter keeps its own
 * bucket ($.live.route53 "rate_per_sec", default 5, and "burst", default 5: within both
 * the old and the new limits) and waits for a token before every request, so a burst
 * of weight changes (a failover moves every geography of a region at once) is spaced
 * rather than answered with Throttling and retried.  The waits use CLOCK_MONOTONIC;
 * the bucket itself is a pure function of the times it is given (sc_r53_bucket_take).
 */
#define _POSIX_C_SOURCE 200809L
#include "cloudint.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cjson/cJSON.h>

#include "sculpt/json.h"
#include "sculpt/live.h"

#define R53_VERSION "2013-04-01"
#define R53_NS "https://route53.amazonaws.com/doc/2013-04-01/"

void sc_cloud_expand(char *out, size_t cap, const char *tmpl, const char *app,
                       const char *geo, const char *region)
{
    size_t l = 0;
    for (const char *p = tmpl; *p && l + 1 < cap;) {
        const char *v = NULL;
        if (strncmp(p, "{app}", 5) == 0)
            v = app, p += 5;
        else if (strncmp(p, "{geo}", 5) == 0)
            v = geo, p += 5;
        else if (strncmp(p, "{region}", 8) == 0)
            v = region, p += 8;
        if (v) {
            int k = snprintf(out + l, cap - l, "%s", v);
            l = k < 0 ? l : (l + (size_t)k >= cap ? cap - 1 : l + (size_t)k);
        } else {
            out[l++] = *p++;
        }
    }
    out[l] = '\0';
}

sc_status sc_route53_read(const sc_scenario *sc, sc_route53 *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->record, sizeof out->record, "{app}.{geo}.sculpt.internal");
    snprintf(out->target, sizeof out->target, "{app}-{region}.sculpt.internal");
    snprintf(out->type, sizeof out->type, "CNAME");
    out->ttl_s = 60;
    out->wait_insync = 1;
    out->poll_ms = 2000;
    out->max_polls = 60;
    out->bucket = (sc_r53_bucket){.rate_per_sec = 5.0, .burst = 5.0, .t_ms = INT64_MIN};
    cJSON *root = NULL;
    sc_status st = SC_OK;
    sc_json_ctx cx = {sc->path, err};
    const cJSON *r = NULL;
    static const char *const keys[] = {"hosted_zone_id", "record", "target", "type", "ttl",
                                       "wait_insync", "poll", "rate_per_sec", "burst",
                                       NULL};
    const char *p = "$.live.route53";
    int64_t poll_ms = 2000;
    if ((st = sc_live_subsection(sc, "route53", &root, &r, err)) || !r)
        goto done;
    out->enabled = 1;
    if ((st = sc_json_check_keys(&cx, r, p, keys)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "hosted_zone_id", SC_JSON_REQUIRED, "",
                                     out->zone, sizeof out->zone)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "record", SC_JSON_OPTIONAL, out->record,
                                     out->record, sizeof out->record)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "target", SC_JSON_OPTIONAL, out->target,
                                     out->target, sizeof out->target)) ||
        (st = sc_json_get_string_buf(&cx, r, p, "type", SC_JSON_OPTIONAL, "CNAME", out->type,
                                     sizeof out->type)) ||
        (st = sc_json_get_int_range(&cx, r, p, "ttl", SC_JSON_OPTIONAL, 60, 0, 2147483647,
                                    &out->ttl_s)) ||
        (st = sc_json_get_bool(&cx, r, p, "wait_insync", SC_JSON_OPTIONAL, 1,
                               &out->wait_insync)) ||
        (st = sc_json_get_duration(&cx, r, p, "poll", SC_JSON_OPTIONAL, 2000, 0, &poll_ms)) ||
        (st = sc_json_get_number(&cx, r, p, "rate_per_sec", SC_JSON_OPTIONAL, 5.0,
                                 &out->bucket.rate_per_sec)) ||
        (st = sc_json_get_number(&cx, r, p, "burst", SC_JSON_OPTIONAL, 5.0,
                                 &out->bucket.burst)))
        goto done;
    if (!(out->bucket.rate_per_sec > 0) || !isfinite(out->bucket.rate_per_sec) ||
        out->bucket.rate_per_sec > 1e6) {
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "rate_per_sec",
                          "expected requests per second > 0 (Route 53's account limit)");
        goto done;
    }
    if (!(out->bucket.burst >= 1) || !isfinite(out->bucket.burst) || out->bucket.burst > 1e6) {
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "burst", "expected a number of requests >= 1");
        goto done;
    }
    out->poll_ms = poll_ms;
    /* "/hostedzone/Z1" (as ListHostedZones prints it) or "Z1" */
    if (strncmp(out->zone, "/hostedzone/", 12) == 0)
        memmove(out->zone, out->zone + 12, strlen(out->zone + 12) + 1);
    for (const char *q = out->zone; *q; q++)
        if (!((*q >= 'A' && *q <= 'Z') || (*q >= '0' && *q <= '9') || (*q >= 'a' && *q <= 'z'))) {
            st = sc_json_fail(&cx, SC_ERR_INPUT, p, "hosted_zone_id",
                              "expected a hosted zone id such as Z1D633PJN98FT9, got '%s'",
                              out->zone);
            goto done;
        }
    if (!out->zone[0]) {
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "hosted_zone_id", "is empty");
        goto done;
    }
    if (strcmp(out->type, "CNAME") != 0 && strcmp(out->type, "A") != 0 &&
        strcmp(out->type, "AAAA") != 0) {
        st = sc_json_fail(&cx, SC_ERR_INPUT, p, "type", "expected CNAME, A or AAAA, got '%s'",
                          out->type);
        goto done;
    }
done:
    cJSON_Delete(root);
    return st;
}

/* XML-escape s into out[cap]. */
static void xml_escape(char *out, size_t cap, const char *s)
{
    size_t l = 0;
    for (; *s && l + 7 < cap; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        default: break;
        }
        if (e) {
            size_t k = strlen(e);
            memcpy(out + l, e, k);
            l += k;
        } else {
            out[l++] = *s;
        }
    }
    out[l] = '\0';
}

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

int64_t sc_r53_bucket_take(sc_r53_bucket *b, int64_t now_ms)
{
    if (!(b->rate_per_sec > 0))
        return 0;
    double burst = b->burst >= 1.0 ? b->burst : 1.0;
    if (b->t_ms == INT64_MIN) {
        b->tokens = burst;
        b->t_ms = now_ms;
    }
    if (now_ms > b->t_ms) { /* refill since the last take, up to the capacity */
        b->tokens += (double)(now_ms - b->t_ms) / 1000.0 * b->rate_per_sec;
        if (b->tokens > burst)
            b->tokens = burst;
        b->t_ms = now_ms;
    }
    if (b->tokens < 1.0) { /* the token arrives later: reserve it */
        int64_t need = (int64_t)ceil((1.0 - b->tokens) * 1000.0 / b->rate_per_sec - 1e-9);
        b->tokens += (double)need / 1000.0 * b->rate_per_sec;
        b->t_ms += need;
    }
    b->tokens -= 1.0;
    int64_t wait = b->t_ms > now_ms ? b->t_ms - now_ms : 0;
    if (wait > 0) {
        b->paced++;
        b->waited_ms += wait;
    }
    return wait;
}

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static sc_status r53_do(const sc_aws_auth *auth, const char *method, const char *path,
                        const char *body, const char *what, sc_http_resp *resp, sc_error *err)
{
    char url[700];
    if (auth->endpoint[0]) {
        size_t n = strlen(auth->endpoint);
        snprintf(url, sizeof url, "%.*s%s", (int)(n && auth->endpoint[n - 1] == '/' ? n - 1 : n),
                 auth->endpoint, path);
    } else {
        snprintf(url, sizeof url, "https://route53.amazonaws.com%s", path);
    }
    sc_http_req rq = {.method = method, .url = url, .body = body,
                      .content_type = body ? "text/xml" : NULL,
                      .sigv4 = "aws:amz:us-east-1:route53", .user = auth->akid,
                      .secret = auth->secret,
                      .session_token = auth->token && auth->token[0] ? auth->token : NULL,
                      .idempotent = 1};
    sc_status st = sc_http_do(auth->http, &rq, resp, err);
    if (st)
        return st;
    if (resp->status >= 200 && resp->status < 300)
        return SC_OK;
    char code[128], msg[512];
    sc_aws_api_error(resp->body, code, sizeof code, msg, sizeof msg);
    long status = resp->status;
    int attempts = resp->attempts;
    sc_http_resp_cleanup(resp);
    return sc_error_set(err, status >= 500 || status == 429 ? SC_ERR_IO : SC_ERR_INPUT, url,
                        "%s: HTTP %ld %s%s%s (after %d attempt%s)", what, status, code,
                        msg[0] ? ": " : "", msg, attempts, attempts == 1 ? "" : "s");
}

/* ChangeInfo/Id and /Status of an answer. */
static sc_status change_info(const sc_http_resp *resp, char *id, size_t icap, char *status,
                             size_t scap, sc_error *err)
{
    sc_xml_leaf *lv;
    size_t n;
    sc_status st = sc_xml_leaves(resp->body, resp->len, &lv, &n, err);
    if (st)
        return st;
    id[0] = status[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (sc_xml_path_ends(lv[i].path, "ChangeInfo/Id"))
            snprintf(id, icap, "%s", lv[i].text);
        else if (sc_xml_path_ends(lv[i].path, "ChangeInfo/Status"))
            snprintf(status, scap, "%s", lv[i].text);
    }
    sc_xml_leaves_free(lv, n);
    if (!status[0])
        return sc_error_set(err, SC_ERR_IO, "route53",
                            "the answer has no ChangeInfo/Status");
    return SC_OK;
}

sc_status sc_route53_set_weight(sc_route53 *r, const sc_aws_auth *auth,
                                const sc_scenario *sc, int app, int geo, int region,
                                int weight, long *mutating, long *read_only, sc_error *err)
{
    const char *an = sc->apps[app].name, *gn = sc->geos[geo].name, *rn = sc->regions[region].name;
    char name[256], value[256], ename[512], evalue[512], eid[256], body[4096], path[256];
    sc_cloud_expand(name, sizeof name, r->record, an, gn, rn);
    sc_cloud_expand(value, sizeof value, r->target, an, gn, rn);
    xml_escape(ename, sizeof ename, name);
    xml_escape(evalue, sizeof evalue, value);
    xml_escape(eid, sizeof eid, rn);
    snprintf(body, sizeof body,
             "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
             "<ChangeResourceRecordSetsRequest xmlns=\"" R53_NS "\">"
             "<ChangeBatch><Comment>sculpt: weight of %s for %s</Comment><Changes><Change>"
             "<Action>UPSERT</Action><ResourceRecordSet><Name>%s</Name><Type>%s</Type>"
             "<SetIdentifier>%s</SetIdentifier><Weight>%d</Weight><TTL>%d</TTL>"
             "<ResourceRecords><ResourceRecord><Value>%s</Value></ResourceRecord>"
             "</ResourceRecords></ResourceRecordSet></Change></Changes></ChangeBatch>"
             "</ChangeResourceRecordSetsRequest>",
             eid, ename, ename, r->type, eid, weight, r->ttl_s, evalue);
    snprintf(path, sizeof path, "/" R53_VERSION "/hostedzone/%s/rrset/", r->zone);
    sc_http_resp resp;
    char what[400];
    snprintf(what, sizeof what, "ChangeResourceRecordSets (%s, %s)", name, rn);
    sleep_ms(sc_r53_bucket_take(&r->bucket, mono_ms())); /* h-liveroute: pacing */
    sc_status st = r53_do(auth, "POST", path, body, what, &resp, err);
    (*mutating)++;
    if (st)
        return st;
    char id[160], status[32];
    st = change_info(&resp, id, sizeof id, status, sizeof status, err);
    sc_http_resp_cleanup(&resp);
    if (st)
        return st;
    /* "/change/C2682N5HXP0BZ4" or a bare id */
    const char *cid = strncmp(id, "/change/", 8) == 0 ? id + 8 : id;
    for (int k = 0; r->wait_insync && strcmp(status, "INSYNC") != 0; k++) {
        if (strcmp(status, "PENDING") != 0)
            return sc_error_set(err, SC_ERR_IO, "route53", "change %s has status '%s'", cid,
                                status);
        if (k >= r->max_polls)
            return sc_error_set(err, SC_ERR_IO, "route53",
                                "change %s still PENDING after %d GetChange calls", cid, k);
        sleep_ms(r->poll_ms);
        sleep_ms(sc_r53_bucket_take(&r->bucket, mono_ms()));
        snprintf(path, sizeof path, "/" R53_VERSION "/change/%s", cid);
        st = r53_do(auth, "GET", path, NULL, "GetChange", &resp, err);
        (*read_only)++;
        if (st)
            return st;
        st = change_info(&resp, id, sizeof id, status, sizeof status, err);
        sc_http_resp_cleanup(&resp);
        if (st)
            return st;
    }
    return SC_OK;
}
