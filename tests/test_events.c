/*
 * test_events.c - the external event feed (core/include/sculpt/events.h): CSV and JSON
 * round trips, sorted deterministic output, and errors that name file:line / JSON path.
 *
 * Expected timestamps were converted independently with GNU date:
 *   date -u -d @1709629200  ->  Tue Mar  5 09:00:00 UTC 2024
 *   date -u -d '2024-01-08T00:00:00Z' +%s  ->  1704672000
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sculpt/events.h"
#include "sculpt/fsutil.h"

#define T_0305_0900 INT64_C(1709629200000) /* 2024-03-05T09:00:00Z */
#define T_0108 INT64_C(1704672000000)      /* 2024-01-08T00:00:00Z */
#define HOUR INT64_C(3600000)

static char tmpdir[256];

static void setup(void)
{
    snprintf(tmpdir, sizeof tmpdir, "%s/test_events_tmp_%ld", SC_BINARY_DIR, (long)getpid());
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s' && mkdir -p '%s'", tmpdir, tmpdir);
    cr_assert_eq(system(cmd), 0);
}

static void teardown(void)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tmpdir);
    (void)system(cmd);
}

static sc_event mk(sc_time_ms s, sc_time_ms e, const char *app, const char *geo,
                   const char *kind, double lift)
{
    sc_event ev;
    memset(&ev, 0, sizeof ev);
    ev.start_ms = s;
    ev.end_ms = e;
    snprintf(ev.app, sizeof ev.app, "%s", app);
    snprintf(ev.geo, sizeof ev.geo, "%s", geo);
    snprintf(ev.kind, sizeof ev.kind, "%s", kind);
    ev.lift = lift;
    return ev;
}

static char *slurp(const char *path)
{
    char *t = NULL;
    sc_error err;
    cr_assert_eq(sc_file_read_all(path, &t, NULL, &err), SC_OK, "read %s", path);
    return t;
}

static int same_event(const sc_event *a, const sc_event *b)
{
    int lift_same = (isnan(a->lift) && isnan(b->lift)) || a->lift == b->lift;
    return a->start_ms == b->start_ms && a->end_ms == b->end_ms && !strcmp(a->app, b->app) &&
           !strcmp(a->geo, b->geo) && !strcmp(a->kind, b->kind) && lift_same;
}

/* Three events added out of order. */
static sc_event_feed *sample_feed(int reversed)
{
    sc_event ev[3] = {
        mk(T_0305_0900, T_0305_0900 + 48 * HOUR, "web", "na", "campaign", 0.5),
        mk(T_0108, T_0108 + 24 * HOUR, "*", "eu", "holiday", -0.3),
        mk(T_0305_0900, T_0305_0900 + 2 * HOUR + 250, "api", "*", "release", NAN),
    };
    sc_event_feed *f = sc_event_feed_alloc();
    cr_assert_not_null(f);
    sc_error err;
    for (int i = 0; i < 3; i++)
        cr_assert_eq(sc_event_feed_add(f, &ev[reversed ? 2 - i : i], &err), SC_OK);
    return f;
}

TestSuite(events, .init = setup, .fini = teardown);

Test(events, csv_exact_bytes_sorted)
{
    sc_event_feed *f = sample_feed(0);
    char path[512];
    snprintf(path, sizeof path, "%s/feed.csv", tmpdir);
    sc_error err;
    cr_assert_eq(sc_event_feed_write_csv(f, path, &err), SC_OK, "%s", err.msg);
    char *got = slurp(path);
    /* Written by hand: sorted by start, then end (09:00 + 2h 250ms before + 48h). */
    const char *want = "start,end,app,geo,kind,lift\n"
                       "2024-01-08T00:00:00Z,2024-01-09T00:00:00Z,*,eu,holiday,-0.3\n"
                       "2024-03-05T09:00:00Z,2024-03-05T11:00:00.250Z,api,*,release,\n"
                       "2024-03-05T09:00:00Z,2024-03-07T09:00:00Z,web,na,campaign,0.5\n";
    cr_assert_str_eq(got, want);
    free(got);
    sc_event_feed_free(f);
}

Test(events, insertion_order_does_not_change_bytes)
{
    sc_event_feed *a = sample_feed(0), *b = sample_feed(1);
    char pa[512], pb[512], pj[512], pk[512];
    snprintf(pa, sizeof pa, "%s/a.csv", tmpdir);
    snprintf(pb, sizeof pb, "%s/b.csv", tmpdir);
    snprintf(pj, sizeof pj, "%s/a.json", tmpdir);
    snprintf(pk, sizeof pk, "%s/b.json", tmpdir);
    sc_error err;
    cr_assert_eq(sc_event_feed_write(a, pa, &err), SC_OK);
    cr_assert_eq(sc_event_feed_write(b, pb, &err), SC_OK);
    cr_assert_eq(sc_event_feed_write(a, pj, &err), SC_OK);
    cr_assert_eq(sc_event_feed_write(b, pk, &err), SC_OK);
    char *ta = slurp(pa), *tb = slurp(pb), *tj = slurp(pj), *tk = slurp(pk);
    cr_assert_str_eq(ta, tb);
    cr_assert_str_eq(tj, tk);
    cr_assert(tj[0] == '[', "JSON by extension");
    free(ta);
    free(tb);
    free(tj);
    free(tk);
    sc_event_feed_free(a);
    sc_event_feed_free(b);
}

static void roundtrip(const char *name)
{
    sc_event_feed *f = sample_feed(1);
    /* add awkward values: a lift that needs 17 digits, a negative epoch time */
    sc_event x = mk(-HOUR, 1, "a.b-c_d", "geo9", "flash_crowd", 0.1 + 0.2);
    sc_error err;
    cr_assert_eq(sc_event_feed_add(f, &x, &err), SC_OK);
    char path[512];
    snprintf(path, sizeof path, "%s/%s", tmpdir, name);
    cr_assert_eq(sc_event_feed_write(f, path, &err), SC_OK, "%s", err.msg);
    sc_event_feed *g = NULL;
    cr_assert_eq(sc_event_feed_read(path, &g, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(g->n, f->n);
    sc_event_feed_sort(f);
    for (size_t i = 0; i < f->n; i++)
        cr_assert(same_event(&f->events[i], &g->events[i]), "event %zu differs", i);
    /* the earliest is the 1969 one; its lift is exactly 0.1 + 0.2 */
    cr_assert_eq(g->events[0].start_ms, -HOUR);
    cr_assert_eq(g->events[0].lift, 0.30000000000000004);
    sc_event_feed_free(f);
    sc_event_feed_free(g);
}

Test(events, csv_roundtrip)
{
    roundtrip("rt.csv");
}

Test(events, json_roundtrip)
{
    roundtrip("rt.json");
}

Test(events, json_defaults_and_wrapper_object)
{
    const char *text = "{\"events\": [\n"
                       "  {\"start\": \"2024-03-05T10:00:00+01:00\", \"end\": \"2024-03-06\","
                       "   \"kind\": \"holiday\"},\n"
                       "  {\"start\": \"2024-03-05T09:00:00Z\", \"end\": \"2024-03-05T10:00:00Z\","
                       "   \"app\": \"web\", \"geo\": \"na\", \"kind\": \"campaign\", \"lift\": null}\n"
                       "]}";
    sc_event_feed *f = NULL;
    sc_error err;
    cr_assert_eq(sc_event_feed_parse_json(text, "x.json", &f, &err), SC_OK, "%s %s", err.where,
                 err.msg);
    cr_assert_eq(f->n, 2);
    /* 10:00+01:00 is 09:00Z (hand conversion) */
    cr_assert_eq(f->events[0].start_ms, T_0305_0900);
    cr_assert_str_eq(f->events[0].app, "*");
    cr_assert_str_eq(f->events[0].geo, "*");
    cr_assert(isnan(f->events[0].lift));
    /* "2024-03-06" = midnight UTC = 09:00 on 03-05 + 15 h */
    cr_assert_eq(f->events[0].end_ms, T_0305_0900 + 15 * HOUR);
    cr_assert(isnan(f->events[1].lift));
    sc_event_feed_free(f);
}

static void expect_csv_error(const char *text, const char *where, const char *msg_part)
{
    sc_event_feed *f = (sc_event_feed *)1;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_event_feed_parse_csv(text, "feed.csv", &f, &err);
    cr_assert_eq(st, SC_ERR_INPUT, "status %s for %s", sc_status_name(st), text);
    cr_assert_null(f);
    cr_assert_str_eq(err.where, where, "where '%s' (msg %s)", err.where, err.msg);
    cr_assert(strstr(err.msg, msg_part), "msg '%s' lacks '%s'", err.msg, msg_part);
}

#define HDR "start,end,app,geo,kind,lift\n"
#define GOOD "2024-03-05T09:00:00Z,2024-03-06T09:00:00Z,web,na,campaign,0.5\n"

Test(events, csv_bad_lines_name_file_and_line)
{
    expect_csv_error(HDR GOOD "2024-03-05T09:00:00Z,tomorrow,web,na,campaign,0.5\n",
                     "feed.csv:3", "column 'end'");
    expect_csv_error(HDR GOOD "\n# comment\n2024-03-05,2024-03-06,web,na,campaign\n",
                     "feed.csv:5", "expected 6");
    expect_csv_error(HDR "2024-03-06T00:00:00Z,2024-03-05T00:00:00Z,web,na,campaign,\n",
                     "feed.csv:2", "end must be after start");
    expect_csv_error(HDR "2024-03-05,2024-03-06,web,na,campaign,abc\n", "feed.csv:2",
                     "column 'lift'");
    expect_csv_error(HDR "2024-03-05,2024-03-06,web,na,campaign,-1.5\n", "feed.csv:2",
                     "lift");
    expect_csv_error(HDR "2024-03-05,2024-03-06,we b,na,campaign,0.1\n", "feed.csv:2", "app");
    expect_csv_error(HDR "2024-03-05,2024-03-06,web,na,,0.1\n", "feed.csv:2", "kind");
    expect_csv_error(GOOD, "feed.csv:1", "header");
    expect_csv_error("", "feed.csv", "header");
    expect_csv_error(HDR "2024-03-05,2024-03-06,web,na,campaign,0.1,extra\n", "feed.csv:2",
                     "got more");
}

Test(events, csv_accepts_crlf_blank_comments_and_nan)
{
    const char *text = "# feed\r\n start , end ,app,geo,kind,lift\r\n\r\n"
                       "2024-03-05T09:00:00Z,2024-03-06T09:00:00Z,web,na,campaign,NaN\r\n";
    sc_event_feed *f = NULL;
    sc_error err;
    cr_assert_eq(sc_event_feed_parse_csv(text, "f.csv", &f, &err), SC_OK, "%s %s", err.where,
                 err.msg);
    cr_assert_eq(f->n, 1);
    cr_assert(isnan(f->events[0].lift));
    cr_assert_eq(f->events[0].start_ms, T_0305_0900);
    sc_event_feed_free(f);
}

static void expect_json_error(const char *text, const char *where, const char *msg_part)
{
    sc_event_feed *f = (sc_event_feed *)1;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_event_feed_parse_json(text, "feed.json", &f, &err);
    cr_assert_eq(st, SC_ERR_INPUT, "status %s for %s", sc_status_name(st), text);
    cr_assert_null(f);
    cr_assert_str_eq(err.where, where, "where '%s' (msg %s)", err.where, err.msg);
    cr_assert(strstr(err.msg, msg_part), "msg '%s' lacks '%s'", err.msg, msg_part);
}

Test(events, json_errors_name_the_path)
{
    const char *ok = "{\"start\":\"2024-03-05\",\"end\":\"2024-03-06\",\"kind\":\"x\"}";
    char buf[1024];
    snprintf(buf, sizeof buf, "[%s, {\"start\": 5, \"end\": \"2024-03-06\", \"kind\": \"x\"}]",
             ok);
    expect_json_error(buf, "feed.json: $[1].start", "ISO-8601");
    snprintf(buf, sizeof buf, "[%s, %s, {\"start\":\"2024-03-05\",\"end\":\"2024-03-06\","
                              "\"kind\":\"x\",\"lift\":\"big\"}]",
             ok, ok);
    expect_json_error(buf, "feed.json: $[2].lift", "expected a number");
    expect_json_error("[{\"start\":\"2024-03-05\",\"end\":\"2024-03-06\"}]",
                      "feed.json: $[0].kind", "missing");
    expect_json_error("[{\"start\":\"2024-03-05\",\"end\":\"2024-03-06\",\"kind\":\"x\","
                      "\"lfit\":0.2}]",
                      "feed.json: $[0].lfit", "unknown key 'lfit'");
    expect_json_error("{\"events\": 3}", "feed.json: $.events", "expected an array");
    /* malformed JSON: file:line:col; the bad ',' is on line 2 */
    sc_event_feed *f = NULL;
    sc_error err;
    cr_assert_eq(sc_event_feed_parse_json("[\n  {\"start\": ,}\n]", "feed.json", &f, &err),
                 SC_ERR_INPUT);
    cr_assert(strncmp(err.where, "feed.json:2:", 12) == 0, "where %s", err.where);
}

Test(events, applies_to_scope)
{
    sc_event a = mk(0, 1, "*", "eu", "holiday", NAN);
    cr_assert(sc_event_applies(&a, "web", "eu"));
    cr_assert(!sc_event_applies(&a, "web", "na"));
    sc_event b = mk(0, 1, "web", "*", "campaign", 0.2);
    cr_assert(sc_event_applies(&b, "web", "ap"));
    cr_assert(!sc_event_applies(&b, "api", "ap"));
}

Test(events, failed_write_leaves_nothing)
{
    sc_event_feed *f = sample_feed(0);
    char path[512];
    snprintf(path, sizeof path, "%s/no/such/dir/feed.csv", tmpdir);
    sc_error err;
    cr_assert_eq(sc_event_feed_write(f, path, &err), SC_ERR_IO);
    char cmd[700];
    snprintf(cmd, sizeof cmd, "test -z \"$(ls -A '%s')\"", tmpdir);
    cr_assert_eq(system(cmd), 0, "temporary file left behind");
    sc_event_feed_free(f);
}

Test(events, time_and_number_format)
{
    char b[40];
    cr_assert_str_eq(sc_event_time_format(T_0305_0900, b, sizeof b), "2024-03-05T09:00:00Z");
    cr_assert_str_eq(sc_event_time_format(T_0305_0900 + 7, b, sizeof b),
                     "2024-03-05T09:00:00.007Z");
    cr_assert_str_eq(sc_event_time_format(-1, b, sizeof b), "1969-12-31T23:59:59.999Z");
    cr_assert_str_eq(sc_event_number_format(0.25, b, sizeof b), "0.25");
    cr_assert_str_eq(sc_event_number_format(0.1 + 0.2, b, sizeof b), "0.30000000000000004");
}

Test(events, csv_fields_may_be_quoted_as_in_rfc4180)
{
    /* quotes around any field are removed; a doubled quote is a quote, which is not
     * allowed in a name, so the app of line 3 is refused naming its line */
    const char *text = "start,end,app,geo,kind,lift\n"
                       "\"2024-03-05T09:00:00Z\",\"2024-03-06T09:00:00Z\",\"web\",na,"
                       "\"campaign\",\"0.5\"\n";
    sc_event_feed *f = NULL;
    sc_error err;
    cr_assert_eq(sc_event_feed_parse_csv(text, "f.csv", &f, &err), SC_OK, "%s %s", err.where,
                 err.msg);
    cr_assert_eq(f->n, 1);
    cr_expect_str_eq(f->events[0].app, "web");
    cr_expect_str_eq(f->events[0].kind, "campaign");
    cr_expect_eq(f->events[0].lift, 0.5);
    sc_event_feed_free(f);
    expect_csv_error(HDR GOOD "2024-03-05,2024-03-06,\"we\"\"b\",na,campaign,0.1\n",
                     "feed.csv:3", "app");
    expect_csv_error(HDR "2024-03-05,2024-03-06,\"web,na,campaign,0.1\n", "feed.csv:2",
                     "unterminated");
}
