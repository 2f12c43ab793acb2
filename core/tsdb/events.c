/*
 * events.c - the external event feed: validation, sorting, CSV and JSON read/write
 * (format in events.h and traces/GENERATOR.md).
 *
 * The feed is a plain growable array.  Readers parse the whole text in memory (feeds are
 * small: thousands of events at most) and stop at the first bad line or element, naming
 * it.  Writers sort a copy, print to "<path>.tmp.<pid>" and rename it into place, so a
 * reader never sees half a feed.  Numbers are printed with the fewest digits that read
 * back to the same double, timestamps to the second unless they carry milliseconds, so a
 * write/read round trip is exact and the same feed always gives the same bytes.
 */
#include "sculpt/events.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sculpt/csv.h"
#include "sculpt/fsutil.h"
#include "sculpt/json.h"

sc_event_feed *sc_event_feed_alloc(void)
{
    return calloc(1, sizeof(sc_event_feed));
}

void sc_event_feed_free(sc_event_feed *feed)
{
    if (!feed)
        return;
    free(feed->events);
    free(feed);
}

/* [A-Za-z0-9_.-]+, not "." or "..", shorter than SC_EVENT_NAME_MAX; "*" when star_ok. */
static int name_ok(const char *s, int star_ok)
{
    size_t n = strlen(s);
    if (n == 0 || n >= SC_EVENT_NAME_MAX)
        return 0;
    if (star_ok && strcmp(s, "*") == 0)
        return 1;
    if (strcmp(s, ".") == 0 || strcmp(s, "..") == 0)
        return 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (!(isalnum(c) || c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

sc_status sc_event_validate(const sc_event *ev, const char *where, sc_error *err)
{
    if (!name_ok(ev->app, 1))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "app '%s': expected \"*\" or a name of [A-Za-z0-9_.-], 1-%d "
                            "characters",
                            ev->app, SC_EVENT_NAME_MAX - 1);
    if (!name_ok(ev->geo, 1))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "geo '%s': expected \"*\" or a name of [A-Za-z0-9_.-], 1-%d "
                            "characters",
                            ev->geo, SC_EVENT_NAME_MAX - 1);
    if (!name_ok(ev->kind, 0))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "kind '%s': expected a name of [A-Za-z0-9_.-], 1-%d characters",
                            ev->kind, SC_EVENT_NAME_MAX - 1);
    if (ev->end_ms <= ev->start_ms)
        return sc_error_set(err, SC_ERR_INPUT, where, "end must be after start");
    if (!isnan(ev->lift) && !(isfinite(ev->lift) && ev->lift > -1.0))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "lift %g: expected a number > -1 (0.5 = +50 %%) or empty",
                            ev->lift);
    return SC_OK;
}

sc_status sc_event_feed_add(sc_event_feed *feed, const sc_event *ev, sc_error *err)
{
    sc_status st = sc_event_validate(ev, NULL, err);
    if (st != SC_OK)
        return st;
    if (feed->n == feed->cap) {
        size_t nc = feed->cap ? feed->cap * 2 : 16;
        sc_event *ne = realloc(feed->events, nc * sizeof *ne);
        if (!ne)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory growing event feed");
        feed->events = ne;
        feed->cap = nc;
    }
    feed->events[feed->n++] = *ev;
    return SC_OK;
}

static int cmp_event(const void *pa, const void *pb)
{
    const sc_event *a = pa, *b = pb;
    if (a->start_ms != b->start_ms)
        return a->start_ms < b->start_ms ? -1 : 1;
    if (a->end_ms != b->end_ms)
        return a->end_ms < b->end_ms ? -1 : 1;
    int c = strcmp(a->app, b->app);
    if (c)
        return c;
    c = strcmp(a->geo, b->geo);
    if (c)
        return c;
    c = strcmp(a->kind, b->kind);
    if (c)
        return c;
    int na = isnan(a->lift), nb = isnan(b->lift);
    if (na || nb)
        return na - nb;
    return (a->lift > b->lift) - (a->lift < b->lift);
}

void sc_event_feed_sort(sc_event_feed *feed)
{
    if (feed && feed->n > 1)
        qsort(feed->events, feed->n, sizeof *feed->events, cmp_event);
}

int sc_event_applies(const sc_event *ev, const char *app, const char *geo)
{
    return (strcmp(ev->app, "*") == 0 || strcmp(ev->app, app) == 0) &&
           (strcmp(ev->geo, "*") == 0 || strcmp(ev->geo, geo) == 0);
}

char *sc_event_time_format(sc_time_ms t, char *buf, size_t len)
{
    char tmp[40];
    int64_t ms = t - sc_time_floor_div(t, 1000) * 1000;
    sc_time_format(t - ms, tmp, sizeof tmp);
    if (ms == 0) {
        snprintf(buf, len, "%s", tmp);
    } else {
        size_t l = strlen(tmp);
        if (l > 0)
            tmp[l - 1] = '\0'; /* drop the Z */
        snprintf(buf, len, "%s.%03dZ", tmp, (int)ms);
    }
    return buf;
}

char *sc_event_number_format(double v, char *buf, size_t len)
{
    for (int prec = 15; prec <= 17; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        if (strtod(buf, NULL) == v)
            break;
    }
    return buf;
}

/* ---- CSV ------------------------------------------------------------------------- */

/* Records come from the one CSV reader (sculpt/csv.h: RFC 4180 quoting, CRLF, BOM,
 * '#' comment lines, fields trimmed, file:line in errors). */

static int lift_is_missing(const char *s)
{
    return *s == '\0' || strcmp(s, "nan") == 0 || strcmp(s, "NaN") == 0 ||
           strcmp(s, "NAN") == 0 || strcmp(s, "NA") == 0;
}

static sc_status copy_name(char *dst, const char *src, const char *where, const char *col,
                           sc_error *err)
{
    if (strlen(src) >= SC_EVENT_NAME_MAX)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "column '%s': longer than %d characters", col,
                            SC_EVENT_NAME_MAX - 1);
    snprintf(dst, SC_EVENT_NAME_MAX, "%s", src);
    return SC_OK;
}

static sc_status parse_time_field(const char *s, const char *where, const char *col,
                                  sc_time_ms *out, sc_error *err)
{
    if (sc_time_parse(s, "UTC", out) != SC_OK)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "column '%s': expected an ISO-8601 time such as "
                            "2024-03-05T09:00:00Z, got '%s'",
                            col, s);
    return SC_OK;
}

static sc_status parse_lift_text(const char *s, const char *where, double *out, sc_error *err)
{
    if (lift_is_missing(s)) {
        *out = NAN;
        return SC_OK;
    }
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || !isfinite(v))
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "column 'lift': expected a number (0.5 = +50 %%) or empty, got '%s'",
                            s);
    *out = v;
    return SC_OK;
}

/* Parse one data record (fields from the CSV reader) into *ev. */
static sc_status parse_csv_record(const sc_csv_rec *r, const char *where, sc_event *ev,
                                  sc_error *err)
{
    static const char *const cols[6] = {"start", "end", "app", "geo", "kind", "lift"};
    if (r->n > 6)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "expected 6 comma-separated fields "
                            "(start,end,app,geo,kind,lift), got more");
    if (r->n != 6)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "expected 6 comma-separated fields (start,end,app,geo,kind,lift), "
                            "got %zu",
                            r->n);
    const char *f[6];
    for (int i = 0; i < 6; i++) {
        f[i] = r->f[i];
        if (i < 5 && f[i][0] == '\0')
            return sc_error_set(err, SC_ERR_INPUT, where, "column '%s' is empty", cols[i]);
    }
    memset(ev, 0, sizeof *ev);
    sc_status st;
    if ((st = parse_time_field(f[0], where, "start", &ev->start_ms, err)) != SC_OK ||
        (st = parse_time_field(f[1], where, "end", &ev->end_ms, err)) != SC_OK ||
        (st = copy_name(ev->app, f[2], where, "app", err)) != SC_OK ||
        (st = copy_name(ev->geo, f[3], where, "geo", err)) != SC_OK ||
        (st = copy_name(ev->kind, f[4], where, "kind", err)) != SC_OK ||
        (st = parse_lift_text(f[5], where, &ev->lift, err)) != SC_OK)
        return st;
    return sc_event_validate(ev, where, err);
}

/* 1 when record r is the header "start,end,app,geo,kind,lift" (spaces ignored). */
static int is_header(const sc_csv_rec *r)
{
    static const char *const cols[6] = {"start", "end", "app", "geo", "kind", "lift"};
    if (r->n != 6)
        return 0;
    for (int i = 0; i < 6; i++) {
        const char *a = r->f[i], *b = cols[i];
        for (;; a++) {
            if (isspace((unsigned char)*a))
                continue;
            if (*a != *b)
                return 0;
            if (!*a)
                break;
            b++;
        }
    }
    return 1;
}

sc_status sc_event_feed_parse_csv(const char *text, const char *file, sc_event_feed **out,
                                  sc_error *err)
{
    *out = NULL;
    if (!file)
        file = "<feed>";
    const sc_csv_opts copts = {'#', 0, 0}; /* '#' comment lines, fields trimmed */
    sc_csv *csv = NULL;
    sc_status st = sc_csv_parse(text ? text : "", strlen(text ? text : ""), file, &copts, &csv,
                                err);
    if (st != SC_OK)
        return st;
    sc_event_feed *feed = sc_event_feed_alloc();
    if (!feed) {
        sc_csv_free(csv);
        return sc_error_set(err, SC_ERR_NOMEM, file, "out of memory reading event feed");
    }
    char where[600];
    if (csv->n_rec == 0) {
        st = sc_error_set(err, SC_ERR_INPUT, file,
                          "empty feed: expected the header line 'start,end,app,geo,kind,lift'");
        goto fail;
    }
    if (!is_header(&csv->rec[0])) {
        snprintf(where, sizeof where, "%s:%zu", file, csv->rec[0].line);
        st = sc_error_set(err, SC_ERR_INPUT, where,
                          "expected the header line 'start,end,app,geo,kind,lift'");
        goto fail;
    }
    for (size_t i = 1; i < csv->n_rec; i++) {
        snprintf(where, sizeof where, "%s:%zu", file, csv->rec[i].line);
        sc_event ev;
        if ((st = parse_csv_record(&csv->rec[i], where, &ev, err)) != SC_OK)
            goto fail;
        if ((st = sc_event_feed_add(feed, &ev, err)) != SC_OK)
            goto fail;
    }
    sc_csv_free(csv);
    *out = feed;
    return SC_OK;
fail:
    sc_csv_free(csv);
    sc_event_feed_free(feed);
    return st;
}

/* ---- JSON ------------------------------------------------------------------------ */

/* JSON: parsing (file:line:col), paths and messages ("file: $[3].start: what"), key
 * checks and string getters come from the one JSON reader (sculpt/json.h). */

static sc_status json_time(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                           const char *key, sc_time_ms *out)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    if (!it || cJSON_IsNull(it))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "required field is missing");
    if (!cJSON_IsString(it))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected an ISO-8601 time string such as 2024-03-05T09:00:00Z, "
                            "got %s",
                            sc_json_type_name(it));
    if (sc_time_parse(it->valuestring, "UTC", out) != SC_OK)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected an ISO-8601 time such as 2024-03-05T09:00:00Z, got '%s'",
                            it->valuestring);
    return SC_OK;
}

sc_status sc_event_feed_parse_json(const char *text, const char *file, sc_event_feed **out,
                                   sc_error *err)
{
    *out = NULL;
    if (!file)
        file = "<feed>";
    cJSON *root = NULL;
    sc_status st = sc_json_parse(text ? text : "", file, &root, err);
    if (st != SC_OK)
        return st;
    sc_event_feed *feed = sc_event_feed_alloc();
    if (!feed) {
        cJSON_Delete(root);
        return sc_error_set(err, SC_ERR_NOMEM, file, "out of memory reading event feed");
    }
    const sc_json_ctx cx = {file, err};
    const cJSON *arr = root;
    const char *apath = "$";
    if (cJSON_IsObject(root)) {
        arr = cJSON_GetObjectItemCaseSensitive(root, "events");
        apath = "$.events";
    }
    if (!cJSON_IsArray(arr)) {
        st = sc_json_fail(&cx, SC_ERR_INPUT, apath, NULL,
                          "expected an array of events (or an object with \"events\")");
        goto fail;
    }
    static const char *const allowed[] = {"start", "end", "app", "geo", "kind", "lift", NULL};
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        char path[SC_JSON_PATH_MAX];
        sc_json_path_index(path, apath, i);
        if ((st = sc_json_check_keys(&cx, e, path, allowed)) != SC_OK)
            goto fail;
        sc_event ev;
        memset(&ev, 0, sizeof ev);
        ev.lift = NAN;
        if ((st = json_time(&cx, e, path, "start", &ev.start_ms)) != SC_OK ||
            (st = json_time(&cx, e, path, "end", &ev.end_ms)) != SC_OK ||
            (st = sc_json_get_string_buf(&cx, e, path, "app", SC_JSON_OPTIONAL, "*", ev.app,
                                         sizeof ev.app)) != SC_OK ||
            (st = sc_json_get_string_buf(&cx, e, path, "geo", SC_JSON_OPTIONAL, "*", ev.geo,
                                         sizeof ev.geo)) != SC_OK ||
            (st = sc_json_get_string_buf(&cx, e, path, "kind", SC_JSON_REQUIRED, NULL, ev.kind,
                                         sizeof ev.kind)) != SC_OK)
            goto fail;
        const cJSON *l = cJSON_GetObjectItemCaseSensitive(e, "lift");
        if (l && !cJSON_IsNull(l)) {
            if (!cJSON_IsNumber(l)) {
                st = sc_json_fail(&cx, SC_ERR_INPUT, path, "lift",
                                  "expected a number (0.5 = +50 %%) or null, got %s",
                                  sc_json_type_name(l));
                goto fail;
            }
            ev.lift = l->valuedouble;
        }
        char where[600];
        snprintf(where, sizeof where, "%s: %s", file, path);
        if ((st = sc_event_validate(&ev, where, err)) != SC_OK ||
            (st = sc_event_feed_add(feed, &ev, err)) != SC_OK)
            goto fail;
    }
    cJSON_Delete(root);
    *out = feed;
    return SC_OK;
fail:
    cJSON_Delete(root);
    sc_event_feed_free(feed);
    return st;
}

static int ends_with(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

sc_status sc_event_feed_read(const char *path, sc_event_feed **out, sc_error *err)
{
    *out = NULL;
    char *text = NULL;
    sc_status st = sc_file_read_all(path, &text, NULL, err);
    if (st != SC_OK)
        return st;
    if (ends_with(path, ".json"))
        st = sc_event_feed_parse_json(text, path, out, err);
    else
        st = sc_event_feed_parse_csv(text, path, out, err);
    free(text);
    return st;
}

/* ---- writers --------------------------------------------------------------------- */

/* A sorted copy of the events (caller frees), or NULL with n == 0 / out of memory. */
static sc_event *sorted_copy(const sc_event_feed *feed)
{
    if (!feed || feed->n == 0)
        return NULL;
    sc_event *c = malloc(feed->n * sizeof *c);
    if (!c)
        return NULL;
    memcpy(c, feed->events, feed->n * sizeof *c);
    qsort(c, feed->n, sizeof *c, cmp_event);
    return c;
}

static sc_status write_feed(const sc_event_feed *feed, const char *path, int json,
                            sc_error *err)
{
    size_t n = feed ? feed->n : 0;
    sc_event *ev = sorted_copy(feed);
    if (n && !ev)
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory writing event feed");
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st != SC_OK) {
        free(ev);
        return st;
    }
    FILE *fp = fopen(af.tmp, "wb");
    if (!fp) {
        int e = errno;
        free(ev);
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "cannot create its temporary file: %s",
                            strerror(e));
    }
    if (json)
        fputs("[\n", fp);
    else
        fputs("start,end,app,geo,kind,lift\n", fp);
    for (size_t i = 0; i < n; i++) {
        char a[40], b[40], l[40];
        sc_event_time_format(ev[i].start_ms, a, sizeof a);
        sc_event_time_format(ev[i].end_ms, b, sizeof b);
        if (isnan(ev[i].lift))
            snprintf(l, sizeof l, "%s", json ? "null" : "");
        else
            sc_event_number_format(ev[i].lift, l, sizeof l);
        /* names are [A-Za-z0-9_.-*] (validated on add), so need no escaping */
        if (json)
            fprintf(fp,
                    "  {\"start\": \"%s\", \"end\": \"%s\", \"app\": \"%s\", \"geo\": \"%s\", "
                    "\"kind\": \"%s\", \"lift\": %s}%s\n",
                    a, b, ev[i].app, ev[i].geo, ev[i].kind, l, i + 1 < n ? "," : "");
        else
            fprintf(fp, "%s,%s,%s,%s,%s,%s\n", a, b, ev[i].app, ev[i].geo, ev[i].kind, l);
    }
    if (json)
        fputs("]\n", fp);
    free(ev);
    int bad = ferror(fp);
    if (fclose(fp) != 0)
        bad = 1;
    if (bad) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "write error on %s", af.tmp);
    }
    return sc_atomic_commit(&af, err);
}

sc_status sc_event_feed_write_csv(const sc_event_feed *feed, const char *path, sc_error *err)
{
    return write_feed(feed, path, 0, err);
}

sc_status sc_event_feed_write_json(const sc_event_feed *feed, const char *path,
                                   sc_error *err)
{
    return write_feed(feed, path, 1, err);
}

sc_status sc_event_feed_write(const sc_event_feed *feed, const char *path, sc_error *err)
{
    return write_feed(feed, path, ends_with(path, ".json"), err);
}
