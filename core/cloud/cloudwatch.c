/*
 * cloudwatch.c - the CloudWatch client of live mode's monitoring (`--metrics
 * cloudwatch`): GetMetricData over the Query protocol (POST, form-encoded, API version
 * 2010-08-01), signed with SigV4 by libcurl (service "monitoring") like the AWS adapter,
 * answers read with the flat XML reader (cloudint.h).  Credentials as the AWS adapter's:
 * the environment, else the shared credentials file (sc_aws_credentials, awscred.c).
 * Declared in core/live/metricsint.h.
 *
 * Request (one per region, up to 500 metric queries, the API's limit):
 *   Action=GetMetricData&Version=2010-08-01&StartTime=<ISO>&EndTime=<ISO>
 *   &ScanBy=TimestampAscending
 *   &MetricDataQueries.member.N.Id=<id>
 *   &MetricDataQueries.member.N.MetricStat.Metric.Namespace=<ns>
 *   &MetricDataQueries.member.N.MetricStat.Metric.MetricName=<name>
 *   &MetricDataQueries.member.N.MetricStat.Metric.Dimensions.member.M.Name=<k>&...Value=<v>
 *   &MetricDataQueries.member.N.MetricStat.Period=<step s>&...MetricStat.Stat=<stat>
 *   [&NextToken=<token>]
 * Answer: GetMetricDataResponse/GetMetricDataResult/MetricDataResults/member/{Id, Label,
 * Timestamps/member*, Values/member*, StatusCode}, NextToken: timestamps and values are
 * parallel lists; a period without data has no entry (a gap).
 *
 * Placement (sc_cw_place).  A datapoint's timestamp ts is its period's start: the period
 * is [ts, ts + P), P = the step.  By default ("start") it is placed on the step that
 * starts nearest ts (the scenario's convention: step k's load is the load during
 * [t_k, t_k + step)); with "end" on the step that starts nearest ts + P, i.e. the period
 * that has just closed when step k begins (for wall-clock runs, where step k's own period
 * has barely begun when it is observed).  Nearest, not equal: CloudWatch aligns its
 * periods to the StartTime it rounds down (to the whole minute for data less than 15
 * days old, to 5 minutes up to 63 days, to the hour beyond: GetMetricData, StartTime), so
 * a scenario start off that grid receives timestamps shifted by less than a step; the
 * window of step k is [t_k - P/2, t_k + P/2) (half-way points go to the later step).
 *
 * Partial last period.  A period not over at the request's wall time now (ts + P > now,
 * now > 0) holds only what CloudWatch has received so far: when less than a tenth of it
 * has passed its datapoint is dropped (a gap: too little to say anything), else an
 * additive statistic (Sum, SampleCount) is scaled to the whole period, P / (now - ts),
 * and any other (Average, Minimum, Maximum, percentiles) is kept as is: an estimate from
 * the part seen.  Counted in sc_cw_query.n_partial.
 */
#define _POSIX_C_SOURCE 200809L
#include "../live/metricsint.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cloudint.h"

#define FORM "application/x-www-form-urlencoded; charset=utf-8"
#define CW_MAX_QUERIES 500

struct sc_cw {
    sc_http *http;
    char endpoint[512];         /* "" = https://monitoring.<region>.amazonaws.com/ */
    sc_aws_creds cred;          /* environment or shared credentials file (awscred.c) */
    long requests;
};

static int cw_throttle(long status, const char *body)
{
    return status >= 400 && (strstr(body, "<Code>Throttling</Code>") ||
                             strstr(body, "<Code>ThrottlingException</Code>") ||
                             strstr(body, "<Code>RequestLimitExceeded</Code>"));
}

sc_status sc_cw_alloc(const char *endpoint, sc_cw **out, sc_error *err)
{
    *out = NULL;
    if (endpoint && endpoint[0]) {
        int loop;
        sc_status st = sc_http_check_url(endpoint, &loop, err);
        if (st)
            return st;
    }
    sc_cw *c = calloc(1, sizeof *c);
    if (!c)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    snprintf(c->endpoint, sizeof c->endpoint, "%s", endpoint ? endpoint : "");
    sc_status st = sc_aws_credentials("--metrics cloudwatch", &c->cred, err);
    if (st) {
        free(c);
        return st;
    }
    sc_http_retry r = {.max_attempts = 4, .base_ms = 100, .cap_ms = 5000,
                       .max_retry_after_ms = 10000, .seed = 0x6377ULL};
    st = sc_http_alloc(&r, cw_throttle, &c->http, err);
    if (st) {
        sc_aws_creds_wipe(&c->cred);
        free(c);
        return st;
    }
    *out = c;
    return SC_OK;
}

void sc_cw_free(sc_cw *c)
{
    if (!c)
        return;
    sc_http_free(c->http);
    sc_aws_creds_wipe(&c->cred);
    free(c);
}

long sc_cw_n_requests(const sc_cw *c) { return c ? c->requests : 0; }

static void iso(sc_time_ms t, char *buf, size_t cap) { sc_time_format(t, buf, (unsigned long)cap); }

/* Append "prefix.key=value" to the form. */
static void form_kv(char *buf, size_t cap, size_t *len, const char *prefix, const char *key,
                    const char *v)
{
    char k[256];
    snprintf(k, sizeof k, "%s%s", prefix, key);
    sc_http_form_append(buf, cap, len, k, v);
}

/* Parse one answer into the queries' rows; *next receives NextToken ("" none). */
static int additive(const char *stat)
{
    return strcmp(stat, "Sum") == 0 || strcmp(stat, "SampleCount") == 0;
}

/* Place value v of the period starting at ts on cur's grid (see the top of the file). */
static void place(sc_cw_query *cur, sc_time_ms ts, double v, sc_time_ms t0, int64_t step_ms,
                  size_t n, const sc_cw_place *pl)
{
    int64_t d = (pl && pl->at_end ? ts + step_ms : ts) - t0;
    int64_t k = sc_time_floor_div(d + step_ms / 2, step_ms);
    if (k < 0 || (uint64_t)k >= n || !isnan(cur->out[k]))
        return; /* outside the window, or a second datapoint for the step: the first
                   (ScanBy TimestampAscending) stands */
    if (pl && pl->now_ms > 0 && ts + step_ms > pl->now_ms) {
        int64_t seen = pl->now_ms - ts;
        if (seen * 10 < step_ms)
            return;
        if (additive(cur->stat))
            v *= (double)step_ms / (double)seen;
        cur->n_partial++;
    }
    cur->out[k] = v * cur->scale;
    cur->n_points++;
}

static sc_status parse_answer(const char *body, size_t len, sc_cw_query *q, size_t nq,
                              sc_time_ms t0, int64_t step_ms, size_t n, const sc_cw_place *pl,
                              char *next, size_t next_cap, const char *what, sc_error *err)
{
    sc_xml_leaf *lv;
    size_t nl;
    sc_status st = sc_xml_leaves(body, len, &lv, &nl, err);
    if (st)
        return st;
    next[0] = '\0';
    sc_cw_query *cur = NULL;
    size_t ti = 0, vi = 0;
    sc_time_ms *ts = malloc((n + 1) * sizeof *ts);
    size_t nts = 0, cap_ts = n + 1;
    if (!ts) {
        sc_xml_leaves_free(lv, nl);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    for (size_t i = 0; i < nl && !st; i++) {
        const char *p = lv[i].path, *t = lv[i].text;
        if (sc_xml_path_ends(p, "GetMetricDataResult/NextToken")) {
            snprintf(next, next_cap, "%s", t);
        } else if (sc_xml_path_ends(p, "MetricDataResults/member/Id")) {
            cur = NULL;
            for (size_t k = 0; k < nq; k++)
                if (strcmp(q[k].id, t) == 0)
                    cur = &q[k];
            if (!cur)
                st = sc_error_set(err, SC_ERR_INPUT, what, "answer for unknown query id '%.40s'",
                                  t);
            nts = ti = vi = 0;
        } else if (sc_xml_path_ends(p, "MetricDataResults/member/Timestamps/member")) {
            sc_time_ms tm;
            if (!cur || sc_time_parse(t, NULL, &tm) != SC_OK) {
                st = sc_error_set(err, SC_ERR_INPUT, what, "bad timestamp '%.40s'", t);
                break;
            }
            if (nts == cap_ts) {
                sc_time_ms *q2 = realloc(ts, 2 * cap_ts * sizeof *ts);
                if (!q2) {
                    st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
                    break;
                }
                ts = q2;
                cap_ts *= 2;
            }
            ts[nts++] = tm;
            ti++;
        } else if (sc_xml_path_ends(p, "MetricDataResults/member/Values/member")) {
            char *e;
            double v = strtod(t, &e);
            if (!cur || e == t || *e || vi >= nts) {
                st = sc_error_set(err, SC_ERR_INPUT, what,
                                  "value '%.40s' without a timestamp or not a number", t);
                break;
            }
            place(cur, ts[vi++], v, t0, step_ms, n, pl);
        }
    }
    (void)ti;
    free(ts);
    sc_xml_leaves_free(lv, nl);
    return st;
}

sc_status sc_cw_get(sc_cw *c, const char *region, sc_cw_query *q, size_t nq, sc_time_ms t0,
                    int64_t step_ms, size_t n, const sc_cw_place *pl, sc_error *err)
{
    if (step_ms < 1000 || step_ms % 1000)
        return sc_error_set(err, SC_ERR_INPUT, "--metrics cloudwatch",
                            "CloudWatch periods are whole seconds; the step is %lld ms",
                            (long long)step_ms);
    for (size_t k = 0; k < nq; k++) {
        q[k].n_points = 0;
        q[k].n_partial = 0;
        for (size_t i = 0; i < n; i++)
            q[k].out[i] = NAN;
    }
    char url[600], scope[128], start[32], end[32], period[32], what[700];
    if (c->endpoint[0])
        snprintf(url, sizeof url, "%s", c->endpoint);
    else
        snprintf(url, sizeof url, "https://monitoring.%s.amazonaws.com/", region);
    snprintf(scope, sizeof scope, "aws:amz:%s:monitoring", region);
    snprintf(what, sizeof what, "%s GetMetricData (%s)", url, region);
    /* StartTime on the grid (CloudWatch aligns its periods to it, after rounding it
     * down); placed by their end, the periods start one step earlier */
    int64_t back = pl && pl->at_end ? step_ms : 0;
    iso(t0 - back, start, sizeof start);
    iso(t0 + (int64_t)n * step_ms - back, end, sizeof end);
    snprintf(period, sizeof period, "%lld", (long long)(step_ms / 1000));
    size_t cap = 4096 + nq * 1024 + 2048;
    char *body = malloc(cap);
    if (!body)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    char next[2048] = "";
    sc_status st = SC_OK;
    for (size_t k0 = 0; k0 < nq && !st; k0 += CW_MAX_QUERIES) {
        size_t k1 = nq - k0 < CW_MAX_QUERIES ? nq : k0 + CW_MAX_QUERIES;
        next[0] = '\0';
        for (int page = 0; page < 1000 && !st; page++) {
            size_t len = 0;
            body[0] = '\0';
            sc_http_form_append(body, cap, &len, "Action", "GetMetricData");
            sc_http_form_append(body, cap, &len, "Version", "2010-08-01");
            sc_http_form_append(body, cap, &len, "StartTime", start);
            sc_http_form_append(body, cap, &len, "EndTime", end);
            sc_http_form_append(body, cap, &len, "ScanBy", "TimestampAscending");
            for (size_t k = k0; k < k1; k++) {
                char pre[128];
                snprintf(pre, sizeof pre, "MetricDataQueries.member.%zu.", k - k0 + 1);
                form_kv(body, cap, &len, pre, "Id", q[k].id);
                form_kv(body, cap, &len, pre, "MetricStat.Metric.Namespace", q[k].ns);
                form_kv(body, cap, &len, pre, "MetricStat.Metric.MetricName", q[k].metric);
                for (int d = 0; d < q[k].n_dims; d++) {
                    char dk[160];
                    snprintf(dk, sizeof dk, "MetricStat.Metric.Dimensions.member.%d.Name", d + 1);
                    form_kv(body, cap, &len, pre, dk, q[k].dim_name[d]);
                    snprintf(dk, sizeof dk, "MetricStat.Metric.Dimensions.member.%d.Value",
                             d + 1);
                    form_kv(body, cap, &len, pre, dk, q[k].dim_value[d]);
                }
                form_kv(body, cap, &len, pre, "MetricStat.Period", period);
                form_kv(body, cap, &len, pre, "MetricStat.Stat", q[k].stat);
                form_kv(body, cap, &len, pre, "ReturnData", "true");
            }
            if (next[0])
                sc_http_form_append(body, cap, &len, "NextToken", next);
            if (len + 4 >= cap) {
                st = sc_error_set(err, SC_ERR_INTERNAL, what, "request too long");
                break;
            }
            sc_http_req rq = {.method = "POST", .url = url, .body = body,
                              .content_type = FORM, .sigv4 = scope, .user = c->cred.akid,
                              .secret = c->cred.secret,
                              .session_token = c->cred.token[0] ? c->cred.token : NULL,
                              .idempotent = 1};
            sc_http_resp resp;
            c->requests++;
            if ((st = sc_http_do(c->http, &rq, &resp, err)))
                break;
            if (resp.status < 200 || resp.status >= 300) {
                const char *code = strstr(resp.body, "<Code>");
                const char *msg = strstr(resp.body, "<Message>");
                st = sc_error_set(err, resp.status >= 500 ? SC_ERR_IO : SC_ERR_INPUT, what,
                                  "HTTP %ld: %.80s %.200s", resp.status,
                                  code ? code + 6 : "(no error code)", msg ? msg + 9 : "");
                /* cut the XML tails off the quoted fragments */
                for (char *p = err->msg; (p = strchr(p, '<'));)
                    *p = ' ';
            } else {
                st = parse_answer(resp.body, resp.len, q + k0, k1 - k0, t0, step_ms, n, pl,
                                  next, sizeof next, what, err);
            }
            sc_http_resp_cleanup(&resp);
            if (!next[0])
                break;
        }
    }
    free(body);
    return st;
}
