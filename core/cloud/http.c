/*
 * http.c - the cloud adapters' HTTP client: libcurl, SigV4, retries (cloudint.h).
 */
#define _POSIX_C_SOURCE 200809L
#include "cloudint.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "sculpt/rng.h"

struct sc_http {
    CURL *curl;
    sc_http_retry retry;
    sc_http_throttle_fn throttle;
    long n_requests, n_retries, n_throttles;
    uint64_t n_waits;           /* index into the jitter stream */
};

typedef struct rbuf {
    char *p;
    size_t len, cap;
} rbuf;

static size_t on_body(char *data, size_t size, size_t nmemb, void *ud)
{
    rbuf *b = ud;
    size_t n = size * nmemb;
    if (b->len + n + 1 > b->cap) {
        size_t c = b->cap ? b->cap * 2 : 4096;
        while (c < b->len + n + 1)
            c *= 2;
        char *q = realloc(b->p, c);
        if (!q)
            return 0; /* aborts the transfer */
        b->p = q;
        b->cap = c;
    }
    memcpy(b->p + b->len, data, n);
    b->len += n;
    b->p[b->len] = '\0';
    return n;
}

typedef struct hctx {
    int64_t ra;                 /* Retry-After in ms, -1 when absent */
    const char *capture;        /* header name to keep, NULL = none */
    char captured[1024];
} hctx;

/* Retry-After in ms: delta-seconds only (clouds send those); -1 when absent.  And the
 * value of the header the request asked for. */
static size_t on_header(char *data, size_t size, size_t nmemb, void *ud)
{
    hctx *hc = ud;
    int64_t *ra = &hc->ra;
    size_t n = size * nmemb;
    size_t cl = hc->capture ? strlen(hc->capture) : 0;
    if (cl && n > cl + 1 && strncasecmp(data, hc->capture, cl) == 0 && data[cl] == ':') {
        size_t a = cl + 1, b = n;
        while (a < b && (data[a] == ' ' || data[a] == '\t'))
            a++;
        while (b > a && strchr(" \t\r\n", data[b - 1]))
            b--;
        if (b - a < sizeof hc->captured) {
            memcpy(hc->captured, data + a, b - a);
            hc->captured[b - a] = '\0';
        }
    }
    if (n > 12 && strncasecmp(data, "Retry-After:", 12) == 0) {
        char tmp[64];
        size_t k = n - 12 < sizeof tmp - 1 ? n - 12 : sizeof tmp - 1;
        memcpy(tmp, data + 12, k);
        tmp[k] = '\0';
        char *end;
        double s = strtod(tmp, &end);
        if (end != tmp && s >= 0 && isfinite(s))
            *ra = (int64_t)(s * 1000.0);
    }
    return n;
}

sc_status sc_http_alloc(const sc_http_retry *retry, sc_http_throttle_fn throttle,
                        sc_http **out, sc_error *err)
{
    *out = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "libcurl initialisation failed");
    sc_http *h = calloc(1, sizeof *h);
    if (!h)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    h->curl = curl_easy_init();
    if (!h->curl) {
        free(h);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "libcurl: cannot create a handle");
    }
    h->retry = *retry;
    if (h->retry.max_attempts < 1)
        h->retry.max_attempts = 1;
    h->throttle = throttle;
    *out = h;
    return SC_OK;
}

void sc_http_free(sc_http *h)
{
    if (!h)
        return;
    curl_easy_cleanup(h->curl);
    free(h);
}

void sc_http_resp_cleanup(sc_http_resp *r)
{
    free(r->body);
    memset(r, 0, sizeof *r);
}

long sc_http_n_retries(const sc_http *h) { return h->n_retries; }
long sc_http_n_throttles(const sc_http *h) { return h->n_throttles; }

void sc_cloud_stats_fill(void *stats, const sc_http *h, long mutating, long read_only)
{
    sc_cloud_stats *s = stats;
    s->requests = sc_http_n_requests(h);
    s->mutating = mutating;
    s->read_only = read_only;
    s->retries = sc_http_n_retries(h);
    s->throttles = sc_http_n_throttles(h);
}
long sc_http_n_requests(const sc_http *h) { return h->n_requests; }

static void sleep_ms(int64_t ms)
{
    if (ms <= 0)
        return;
    struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static int transient(CURLcode rc)
{
    return rc == CURLE_OPERATION_TIMEDOUT || rc == CURLE_COULDNT_CONNECT ||
           rc == CURLE_RECV_ERROR || rc == CURLE_SEND_ERROR || rc == CURLE_GOT_NOTHING ||
           rc == CURLE_PARTIAL_FILE;
}

sc_status sc_http_do(sc_http *h, const sc_http_req *rq, sc_http_resp *resp, sc_error *err)
{
    memset(resp, 0, sizeof *resp);
    CURL *c = h->curl;
    for (int attempt = 0;; attempt++) {
        rbuf b = {0};
        hctx hc = {.ra = -1, .capture = rq->capture};
        struct curl_slist *hdr = NULL;
        char line[2300];
        curl_easy_reset(c);
        curl_easy_setopt(c, CURLOPT_URL, rq->url);
        curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 1L);
        curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 2L);
        curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
        /* libcurl re-sends a request by itself when a reused connection turns out dead;
         * a call that must not be repeated gets a connection of its own */
        if (!rq->idempotent)
            curl_easy_setopt(c, CURLOPT_FRESH_CONNECT, 1L);
        curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms > 0 ? rq->timeout_ms : 30000L);
        curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
        curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
        curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(c, CURLOPT_HEADERDATA, &hc);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
        if (rq->body) {
            curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
            curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
        }
        if (rq->content_type) {
            snprintf(line, sizeof line, "Content-Type: %s", rq->content_type);
            hdr = curl_slist_append(hdr, line);
        }
        if (rq->sigv4) {
            curl_easy_setopt(c, CURLOPT_AWS_SIGV4, rq->sigv4);
            curl_easy_setopt(c, CURLOPT_USERNAME, rq->user ? rq->user : "");
            curl_easy_setopt(c, CURLOPT_PASSWORD, rq->secret ? rq->secret : "");
            if (rq->session_token) {
                snprintf(line, sizeof line, "X-Amz-Security-Token: %s", rq->session_token);
                hdr = curl_slist_append(hdr, line);
            }
        }
        for (const char *const *hp = rq->headers; hp && *hp; hp++)
            hdr = curl_slist_append(hdr, *hp);
        /* No "Expect:" override: libcurl would sign the empty header it then omits
         * (SignedHeaders ...;expect;...), and a server that checks signatures refuses
         * the request (found with moto's signature checks on). */
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdr);
        h->n_requests++;
        CURLcode rc = curl_easy_perform(c);
        curl_slist_free_all(hdr);
        resp->attempts = attempt + 1;
        long status = 0;
        if (rc == CURLE_OK)
            curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
        int throttled = rc == CURLE_OK &&
                        (status == 429 || (h->throttle && h->throttle(status, b.p ? b.p : "")));
        int retryable = rq->idempotent &&
                        (rc != CURLE_OK ? transient(rc) : (throttled || status >= 500));
        if (throttled)
            h->n_throttles++;
        if (!retryable || attempt + 1 >= h->retry.max_attempts) {
            if (rc != CURLE_OK) {
                free(b.p);
                return sc_error_set(err, SC_ERR_IO, rq->url, "no answer after %d attempt%s: %s",
                                    attempt + 1, attempt ? "s" : "", curl_easy_strerror(rc));
            }
            resp->status = status;
            resp->retry_after_ms = hc.ra;
            snprintf(resp->captured, sizeof resp->captured, "%s", hc.captured);
            resp->body = b.p ? b.p : calloc(1, 1);
            resp->len = b.len;
            return resp->body ? SC_OK : sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        }
        free(b.p);
        int64_t wait;
        if (hc.ra >= 0) {
            wait = hc.ra < h->retry.max_retry_after_ms ? hc.ra : h->retry.max_retry_after_ms;
        } else {
            double bound = (double)h->retry.base_ms * ldexp(1.0, attempt);
            if (bound > (double)h->retry.cap_ms)
                bound = (double)h->retry.cap_ms;
            double u = sc_rng_u01(sc_rng_key(h->retry.seed, SC_RNG_POLICY, 0x687474, h->n_waits, 0));
            wait = (int64_t)(u * bound);
        }
        h->n_waits++;
        h->n_retries++;
        sleep_ms(wait);
    }
}

sc_status sc_http_check_url(const char *url, int *loopback, sc_error *err)
{
    *loopback = 0;
    const char *p;
    int tls;
    if (strncmp(url, "https://", 8) == 0)
        p = url + 8, tls = 1;
    else if (strncmp(url, "http://", 7) == 0)
        p = url + 7, tls = 0;
    else
        return sc_error_set(err, SC_ERR_INPUT, "--endpoint",
                            "expected an http:// or https:// URL, got '%s'", url);
    char host[256];
    size_t n = 0;
    if (*p == '[') { /* IPv6 literal */
        const char *e = strchr(p, ']');
        if (!e || (size_t)(e - p) >= sizeof host)
            return sc_error_set(err, SC_ERR_INPUT, "--endpoint", "malformed host in '%s'", url);
        n = (size_t)(e - p) + 1;
        memcpy(host, p, n);
    } else {
        while (p[n] && p[n] != ':' && p[n] != '/' && p[n] != '?' && n < sizeof host - 1)
            n++;
        memcpy(host, p, n);
    }
    host[n] = '\0';
    if (!n)
        return sc_error_set(err, SC_ERR_INPUT, "--endpoint", "no host in '%s'", url);
    for (size_t i = 0; i < n; i++)
        if (!(isalnum((unsigned char)host[i]) || strchr(".-_[]:", host[i])))
            return sc_error_set(err, SC_ERR_INPUT, "--endpoint", "malformed host in '%s'",
                                url);
    const char *rest = p + n;
    if (*rest == ':') {
        char *end;
        long port = strtol(rest + 1, &end, 10);
        if (end == rest + 1 || port <= 0 || port > 65535 || (*end && *end != '/'))
            return sc_error_set(err, SC_ERR_INPUT, "--endpoint", "malformed port in '%s'",
                                url);
    } else if (*rest && *rest != '/') {
        return sc_error_set(err, SC_ERR_INPUT, "--endpoint", "malformed URL '%s'", url);
    }
    *loopback = strcmp(host, "localhost") == 0 || strncmp(host, "127.", 4) == 0 ||
                strcmp(host, "[::1]") == 0;
    if (!tls && !*loopback)
        return sc_error_set(err, SC_ERR_INPUT, "--endpoint",
                            "plain http is allowed only to a loopback host (127.0.0.1, "
                            "localhost, [::1]); use https for '%s'",
                            host);
    return SC_OK;
}

void sc_http_form_append(char *buf, size_t cap, size_t *len, const char *key, const char *v)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t l = *len;
    if (l && l + 1 < cap)
        buf[l++] = '&';
    for (const char *s = key; *s && l + 1 < cap; s++)
        buf[l++] = *s;
    if (l + 1 < cap)
        buf[l++] = '=';
    for (const unsigned char *s = (const unsigned char *)v; *s && l + 3 < cap; s++) {
        if (isalnum(*s) || *s == '-' || *s == '_' || *s == '.' || *s == '~') {
            buf[l++] = (char)*s;
        } else {
            buf[l++] = '%';
            buf[l++] = hex[*s >> 4];
            buf[l++] = hex[*s & 15];
        }
    }
    buf[l < cap ? l : cap - 1] = '\0';
    *len = l;
}

sc_status sc_cloud_describe_by_snapshot(
    sc_status (*snapshot)(void *state, sc_pool_state *out, size_t n, int since_last,
                          sc_error *err),
    void *state, size_t n_apps, size_t n_regions, int app, int region, sc_purchase option,
    sc_pool_state *out, sc_error *err)
{
    size_t n = n_apps * n_regions * SC_PURCHASE_COUNT;
    sc_pool_state *all = calloc(n + 1, sizeof *all);
    if (!all)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    sc_status st = snapshot(state, all, n, 0, err);
    if (!st)
        *out = all[((size_t)app * n_regions + (size_t)region) * SC_PURCHASE_COUNT +
                   (size_t)option];
    free(all);
    return st;
}

sc_status sc_cloud_bootstrap_allowed(const sc_cloud_config *cfg, int loopback, const char *what,
                                     const char *real, sc_error *err)
{
    if (!cfg->bootstrap || loopback || cfg->allow_remote_bootstrap)
        return SC_OK;
    return sc_error_set(err, SC_ERR_INPUT, "--bootstrap",
                        "refused against %s: bootstrap creates %s, and is allowed only "
                        "against a loopback endpoint unless the scenario's live section sets "
                        "allow_remote_bootstrap",
                        cfg->endpoint ? cfg->endpoint : real, what);
}

sc_status sc_cloud_target_of(
    sc_status (*snapshot)(void *state, sc_pool_state *out, size_t n, int since_last,
                          sc_error *err),
    void *state, size_t n_apps, size_t n_regions, const int *cached, const sc_action *act,
    int *target, sc_error *err)
{
    if (*cached < 0) {
        size_t n = n_apps * n_regions * SC_PURCHASE_COUNT;
        sc_pool_state *all = calloc(n + 1, sizeof *all);
        if (!all)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        sc_status st = snapshot(state, all, n, 0, err);
        free(all);
        if (st)
            return st;
    }
    int c = *cached;
    int t = act->kind == SC_ACTION_PROVISION ? c + act->count : c - act->count;
    *target = t < 0 ? 0 : t;
    return SC_OK;
}

int sc_cloud_initial(const sc_app *app, int region, sc_purchase option)
{
    int n = 0;
    for (size_t i = 0; i < app->n_initial; i++)
        if (app->initial[i].region == region && app->initial[i].option == option)
            n += app->initial[i].count;
    return n;
}

int sc_cloud_offered(const sc_scenario *sc, size_t region, sc_purchase option)
{
    for (size_t a = 0; a < sc->n_apps; a++) {
        double p = sc->regions[region].types[sc->apps[a].instance_type].price_per_hour[option];
        if (p == p) /* not NaN: offered */
            return 1;
    }
    return 0;
}
