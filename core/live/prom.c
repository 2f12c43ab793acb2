/*
 * prom.c - the Prometheus client of live mode: query_range over HTTP (core/cloud/http.c)
 * and the parser of its answers (metricsint.h has the request and answer shapes).
 *
 * The parser follows the published HTTP API (prometheus.io/docs/prometheus/latest/
 * querying/api/): every answer is {"status": "success" | "error", "data": ...,
 * "errorType", "error", "warnings"}; a range query's data is {"resultType": "matrix",
 * "result": [{"metric": {labels}, "values": [[<unix seconds, number>, "<value string>"],
 * ...]}]}.  Values are strings because JSON has no NaN or infinities; Go's float
 * formatting gives "NaN", "+Inf", "-Inf".  Prometheus answers HTTP 400 (bad_data), 422
 * (execution), 503 (timeout) with status "error", so an error body is read whatever the
 * HTTP status; a 5xx without that JSON (a proxy, a crash) is an I/O error.
 */
#define _POSIX_C_SOURCE 200809L
#include "metricsint.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "../cloud/cloudint.h"

struct sc_prom {
    sc_http *http;
    char base[1024];            /* without a trailing '/' */
    long timeout_ms;
};

/* A value string: a decimal number, "NaN", "+Inf", "-Inf" (also "Inf").  0 if bad. */
static int parse_value(const char *s, double *out)
{
    if (strcmp(s, "NaN") == 0) {
        *out = NAN;
        return 1;
    }
    if (strcmp(s, "+Inf") == 0 || strcmp(s, "Inf") == 0) {
        *out = INFINITY;
        return 1;
    }
    if (strcmp(s, "-Inf") == 0) {
        *out = -INFINITY;
        return 1;
    }
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || !isfinite(v))
        return 0; /* strtod would also take "nan(...)", "infinity", hex: not the API's */
    for (const char *p = s; *p; p++)
        if (!strchr("0123456789.eE+-", *p))
            return 0;
    *out = v;
    return 1;
}

sc_status sc_prom_parse_range(const char *body, size_t len, sc_time_ms t0, int64_t step_ms,
                              size_t n, double *out, sc_prom_range *info, const char *what,
                              sc_error *err)
{
    memset(info, 0, sizeof *info);
    for (size_t i = 0; i < n; i++)
        out[i] = NAN;
    if (step_ms <= 0)
        return sc_error_set(err, SC_ERR_USAGE, what, "query_range step must be positive");
    cJSON *root = cJSON_ParseWithLength(body, len);
    sc_status st = SC_OK;
    if (!root || !cJSON_IsObject(root)) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "the Prometheus answer is not a JSON object (%zu bytes)", len);
        goto done;
    }
    const cJSON *status = cJSON_GetObjectItemCaseSensitive(root, "status");
    if (!cJSON_IsString(status)) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "the Prometheus answer has no string $.status");
        goto done;
    }
    if (strcmp(status->valuestring, "error") == 0) {
        const cJSON *et = cJSON_GetObjectItemCaseSensitive(root, "errorType");
        const cJSON *em = cJSON_GetObjectItemCaseSensitive(root, "error");
        st = sc_error_set(err, SC_ERR_INPUT, what, "Prometheus refused the query: %s: %s",
                          cJSON_IsString(et) ? et->valuestring : "(no errorType)",
                          cJSON_IsString(em) ? em->valuestring : "(no error message)");
        goto done;
    }
    if (strcmp(status->valuestring, "success") != 0) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "$.status is '%.40s', expected \"success\" or \"error\"",
                          status->valuestring);
        goto done;
    }
    const cJSON *data = cJSON_GetObjectItemCaseSensitive(root, "data");
    const cJSON *rt = cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, "resultType")
                                           : NULL;
    const cJSON *result = cJSON_IsObject(data) ? cJSON_GetObjectItemCaseSensitive(data, "result")
                                               : NULL;
    if (!cJSON_IsString(rt) || !cJSON_IsArray(result)) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "the answer lacks $.data.resultType (string) or $.data.result "
                          "(array)");
        goto done;
    }
    if (strcmp(rt->valuestring, "matrix") != 0) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "$.data.resultType is '%.20s', a range query answers \"matrix\"",
                          rt->valuestring);
        goto done;
    }
    info->n_series = (size_t)cJSON_GetArraySize(result);
    if (info->n_series > 1) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "the query returned %zu series, expected one per app and "
                          "geography: aggregate it (e.g. sum(...))",
                          info->n_series);
        goto done;
    }
    if (info->n_series == 0)
        goto done;
    const cJSON *series = cJSON_GetArrayItem(result, 0);
    const cJSON *values = cJSON_IsObject(series)
                              ? cJSON_GetObjectItemCaseSensitive(series, "values")
                              : NULL;
    if (!cJSON_IsArray(values)) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "$.data.result[0].values is missing or not an array");
        goto done;
    }
    int idx = 0;
    const cJSON *pair;
    cJSON_ArrayForEach(pair, values)
    {
        const cJSON *ts = cJSON_GetArrayItem(pair, 0), *vs = cJSON_GetArrayItem(pair, 1);
        double v;
        if (!cJSON_IsArray(pair) || cJSON_GetArraySize(pair) != 2 || !cJSON_IsNumber(ts) ||
            !cJSON_IsString(vs) || !parse_value(vs->valuestring, &v)) {
            st = sc_error_set(err, SC_ERR_INPUT, what,
                              "$.data.result[0].values[%d] is not [<unix seconds>, "
                              "\"<number>\"]",
                              idx);
            goto done;
        }
        idx++;
        double tms = ts->valuedouble * 1000.0;
        if (!isfinite(tms) || fabs(tms) > 9.0e15) {
            info->n_off_grid++;
            continue;
        }
        int64_t t = (int64_t)llround(tms);
        int64_t d = t - t0;
        if (d < 0 || d % step_ms != 0 || (uint64_t)(d / step_ms) >= n) {
            info->n_off_grid++;
            continue;
        }
        out[d / step_ms] = v;
        info->n_placed++;
    }
done:
    cJSON_Delete(root);
    if (st)
        for (size_t i = 0; i < n; i++)
            out[i] = NAN;
    return st;
}

/* ---- the client ------------------------------------------------------------------- */

sc_status sc_prom_alloc(const char *base_url, long timeout_ms, sc_prom **out, sc_error *err)
{
    *out = NULL;
    int loop;
    sc_status st = sc_http_check_url(base_url, &loop, err);
    if (st) {
        snprintf(err->where, sizeof err->where, "--metrics prometheus:URL");
        return st;
    }
    size_t n = strlen(base_url);
    if (n >= sizeof((sc_prom *)0)->base)
        return sc_error_set(err, SC_ERR_INPUT, "--metrics", "Prometheus URL too long");
    sc_prom *p = calloc(1, sizeof *p);
    if (!p)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    memcpy(p->base, base_url, n + 1);
    while (n > 0 && p->base[n - 1] == '/')
        p->base[--n] = '\0';
    p->timeout_ms = timeout_ms > 0 ? timeout_ms : 10000;
    /* a read: retried on transport failures and 5xx, short backoff, fixed seed */
    sc_http_retry r = {.max_attempts = 3, .base_ms = 100, .cap_ms = 2000,
                       .max_retry_after_ms = 5000, .seed = 0x70726f6dULL};
    if ((st = sc_http_alloc(&r, NULL, &p->http, err))) {
        free(p);
        return st;
    }
    *out = p;
    return SC_OK;
}

void sc_prom_free(sc_prom *p)
{
    if (!p)
        return;
    sc_http_free(p->http);
    free(p);
}

long sc_prom_n_requests(const sc_prom *p) { return p ? sc_http_n_requests(p->http) : 0; }

/* Unix seconds with millisecond decimals, exact for any ms time. */
static void unix_s(sc_time_ms t, char *buf, size_t cap)
{
    int64_t s = t / 1000, ms = t % 1000;
    if (ms < 0) {
        ms += 1000;
        s -= 1;
    }
    snprintf(buf, cap, "%" PRId64 ".%03" PRId64, s, ms);
}

static sc_status query_chunk(sc_prom *p, const char *query, sc_time_ms t0, int64_t step_ms,
                             size_t n, double *out, sc_prom_range *info, sc_error *err);

/* Prometheus refuses a range of more than 11,000 points per series ("exceeded maximum
 * resolution"): longer grids are asked in pieces. */
#define PROM_MAX_POINTS 10000

sc_status sc_prom_query_range(sc_prom *p, const char *query, sc_time_ms t0, int64_t step_ms,
                              size_t n, double *out, sc_prom_range *info, sc_error *err)
{
    memset(info, 0, sizeof *info);
    for (size_t i0 = 0; i0 < n || n == 0; i0 += PROM_MAX_POINTS) {
        size_t m = n - i0 < PROM_MAX_POINTS ? n - i0 : PROM_MAX_POINTS;
        sc_prom_range part;
        sc_status st = query_chunk(p, query, t0 + (int64_t)i0 * step_ms, step_ms, m, out + i0,
                                   &part, err);
        if (st) {
            for (size_t i = 0; i < n; i++)
                out[i] = NAN;
            return st;
        }
        if (part.n_series > info->n_series)
            info->n_series = part.n_series;
        info->n_placed += part.n_placed;
        info->n_off_grid += part.n_off_grid;
        if (n == 0)
            break;
    }
    return SC_OK;
}

static sc_status query_chunk(sc_prom *p, const char *query, sc_time_ms t0, int64_t step_ms,
                             size_t n, double *out, sc_prom_range *info, sc_error *err)
{
    if (n == 0 || step_ms <= 0)
        return sc_error_set(err, SC_ERR_USAGE, query, "empty query_range grid");
    char start[32], end[32], step[32];
    unix_s(t0, start, sizeof start);
    unix_s(t0 + (int64_t)(n - 1) * step_ms, end, sizeof end);
    unix_s(step_ms, step, sizeof step);
    size_t cap = strlen(p->base) + 3 * strlen(query) + 256;
    char *url = malloc(cap);
    if (!url)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    int k = snprintf(url, cap, "%s/api/v1/query_range?", p->base);
    size_t len = (size_t)k;
    sc_http_form_append(url, cap, &len, "query", query);
    sc_http_form_append(url, cap, &len, "start", start);
    sc_http_form_append(url, cap, &len, "end", end);
    sc_http_form_append(url, cap, &len, "step", step);
    sc_http_req rq = {.method = "GET", .url = url, .idempotent = 1,
                      .timeout_ms = p->timeout_ms};
    sc_http_resp resp;
    sc_status st = sc_http_do(p->http, &rq, &resp, err);
    if (st) {
        snprintf(err->where, sizeof err->where, "%s", p->base);
        free(url);
        return st;
    }
    free(url);
    char what[300];
    snprintf(what, sizeof what, "%s query '%.200s'", p->base, query);
    int json = resp.len > 0 && resp.body[0] == '{';
    if (resp.status >= 500 && !json) {
        st = sc_error_set(err, SC_ERR_IO, what, "HTTP %ld from Prometheus", resp.status);
    } else if (resp.status != 200 && !json) {
        st = sc_error_set(err, SC_ERR_INPUT, what,
                          "HTTP %ld from Prometheus without the API's JSON: is this a "
                          "Prometheus server?",
                          resp.status);
    } else {
        st = sc_prom_parse_range(resp.body, resp.len, t0, step_ms, n, out, info, what, err);
        if (st == SC_OK && resp.status != 200)
            st = sc_error_set(err, SC_ERR_INPUT, what, "HTTP %ld with status success",
                              resp.status);
        else if (st == SC_ERR_INPUT && resp.status >= 500)
            err->status = st = SC_ERR_IO; /* 503: the server timed out, not bad input */
    }
    sc_http_resp_cleanup(&resp);
    return st;
}
