/*
 * test_time_dst.c - local times across daylight-saving changes (issue 13).
 *
 * The rule (core/include/sculpt/time.h, tests/bad_input/README.md): a naive local time
 * read in an IANA zone that does not exist (skipped when the clocks go forward) is
 * refused, SC_ERR_RANGE, and the message names the gap; a local time that happens twice
 * (the hour the clocks go back) is its FIRST instant, so a trace that covers the repeated
 * hour in naive local time runs backwards and is refused as out of order, and is read
 * when its timestamps carry their UTC offsets.  Expected instants come from zdump and
 * GNU date, quoted at each check:
 *   zdump -v -c 2026,2027 Europe/London
 *     Sun Mar 29 01:00:00 2026 UT = Sun Mar 29 02:00:00 2026 BST gmtoff=3600
 *     Sun Oct 25 01:00:00 2026 UT = Sun Oct 25 01:00:00 2026 GMT gmtoff=0
 *   zdump -v -c 2024,2025 Australia/Sydney
 *     Sat Oct  5 16:00:00 2024 UT = Sun Oct  6 03:00:00 2024 AEDT gmtoff=39600
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "import.h"
#include "sculpt/time.h"

#define T_GAP_LONDON 1774746000LL /* date -u -d '2026-03-29 01:00:00Z' +%s */

Test(time_dst, london_spring_gap_is_refused_and_named)
{
    sc_time_ms t = 0;
    char why[320];
    cr_assert_eq(sc_time_parse_why("2026-03-29 01:30", "Europe/London", &t, why, sizeof why),
                 SC_ERR_RANGE);
    cr_expect(strstr(why, "local time '2026-03-29 01:30' does not exist in Europe/London") !=
                  NULL,
              "why = %s", why);
    cr_expect(strstr(why, "from 2026-03-29 01:00:00 to 02:00:00, UTC+00:00 to UTC+01:00") !=
                  NULL,
              "why = %s", why);
    /* sc_time_parse refuses it too */
    cr_expect_eq(sc_time_parse("2026-03-29T01:30:00", "Europe/London", &t), SC_ERR_RANGE);
    /* the gap's edges: [01:00:00, 02:00:00) local does not exist */
    cr_assert_eq(sc_time_parse("2026-03-29 00:59:59", "Europe/London", &t), SC_OK);
    cr_expect_eq(t, (T_GAP_LONDON - 1) * 1000); /* GMT: 00:59:59Z */
    cr_expect_eq(sc_time_parse("2026-03-29 01:00:00", "Europe/London", &t), SC_ERR_RANGE);
    cr_expect_eq(sc_time_parse("2026-03-29 01:59:59.999", "Europe/London", &t), SC_ERR_RANGE);
    cr_assert_eq(sc_time_parse("2026-03-29 02:00:00", "Europe/London", &t), SC_OK);
    cr_expect_eq(t, T_GAP_LONDON * 1000); /* BST: 01:00:00Z */
    /* with its offset, or in UTC, the same wall-clock text is a valid instant */
    cr_assert_eq(sc_time_parse("2026-03-29 01:30+00:00", "Europe/London", &t), SC_OK);
    cr_expect_eq(t, (T_GAP_LONDON + 1800) * 1000);
    cr_assert_eq(sc_time_parse("2026-03-29 01:30", "UTC", &t), SC_OK);
    cr_expect_eq(t, (T_GAP_LONDON + 1800) * 1000);
    /* a fixed offset has no gap */
    cr_expect_eq(sc_time_parse("2026-03-29 01:30", "+01:00", &t), SC_OK);
    /* a syntax error leaves why empty */
    cr_expect_eq(sc_time_parse_why("2026-03-29 1:30", "Europe/London", &t, why, sizeof why),
                 SC_ERR_INPUT);
    cr_expect_eq(why[0], '\0');
}

Test(time_dst, sydney_gap_is_refused)
{
    sc_time_ms t = 0;
    char why[320];
    /* AEST (+10) -> AEDT (+11) at 2024-10-05 16:00Z: local 02:00..03:00 does not exist */
    cr_assert_eq(sc_time_parse_why("2024-10-06 02:30", "Australia/Sydney", &t, why, sizeof why),
                 SC_ERR_RANGE);
    cr_expect(strstr(why, "from 2024-10-06 02:00:00 to 03:00:00, UTC+10:00 to UTC+11:00") !=
                  NULL,
              "why = %s", why);
    /* date -u -d '2024-10-06 03:00 AEDT' +%s -> 1728144000 */
    cr_assert_eq(sc_time_parse("2024-10-06 03:00", "Australia/Sydney", &t), SC_OK);
    cr_expect_eq(t, 1728144000LL * 1000);
}

Test(time_dst, london_repeated_hour_is_its_first_instant)
{
    sc_time_ms t = 0;
    /* 01:30 happens in BST then GMT: date -u -d '2026-10-25 01:30 BST' +%s -> 1792888200,
     * date -u -d '2026-10-25 01:30 GMT' +%s -> 1792891800; the first is taken */
    cr_assert_eq(sc_time_parse("2026-10-25 01:30", "Europe/London", &t), SC_OK);
    cr_expect_eq(t, 1792888200LL * 1000);
    cr_assert_eq(sc_time_parse("2026-10-25 01:30+00:00", "Europe/London", &t), SC_OK);
    cr_expect_eq(t, 1792891800LL * 1000);
    cr_assert_eq(sc_time_parse("2026-10-25 01:30+01:00", "Europe/London", &t), SC_OK);
    cr_expect_eq(t, 1792888200LL * 1000);
}

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/sculpt_dst_XXXXXX.csv");
    int fd = mkstemps(path, 4);
    cr_assert(fd >= 0);
    FILE *f = fdopen(fd, "w");
    fputs(text, f);
    fclose(f);
    return path;
}

Test(time_dst, csv_gap_names_file_and_line)
{
    char *path = write_tmp("timestamp,value\n2026-03-29 00:30:00,1\n2026-03-29 01:30:00,2\n"
                           "2026-03-29 02:30:00,3\n");
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.tz, sizeof opt.tz, "Europe/London");
    sc_time_ms *t = NULL;
    double *v = NULL;
    size_t n = 0;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(path, &opt, &t, &v, &n, &err), SC_ERR_INPUT);
    char where[300];
    snprintf(where, sizeof where, "%s:3", path);
    cr_expect(strstr(err.msg, where) != NULL || strstr(err.where, where) != NULL,
              "where = %s, msg = %s", err.where, err.msg);
    cr_expect(strstr(err.msg, "does not exist in Europe/London (a daylight-saving gap") != NULL,
              "msg = %s", err.msg);
    unlink(path);
    free(path);
}

Test(time_dst, csv_repeated_hour_needs_offsets)
{
    /* the fall-back hour in naive local time: the second 01:00 is read as the first
     * (00:00Z), before the previous row's 01:30 BST (00:30Z): refused at line 5 */
    char *path = write_tmp("timestamp,value\n2026-10-25 00:30,1\n2026-10-25 01:00,2\n"
                           "2026-10-25 01:30,3\n2026-10-25 01:00,4\n2026-10-25 01:30,5\n"
                           "2026-10-25 02:00,6\n");
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    snprintf(opt.tz, sizeof opt.tz, "Europe/London");
    sc_time_ms *t = NULL;
    double *v = NULL;
    size_t n = 0;
    sc_error err;
    cr_assert_eq(sc_trace_read_csv(path, &opt, &t, &v, &n, &err), SC_ERR_INPUT);
    cr_expect(strstr(err.msg, "is before the previous row") != NULL, "msg = %s", err.msg);
    char where[300];
    snprintf(where, sizeof where, "%s:5", path);
    cr_expect(strstr(err.msg, where) != NULL || strstr(err.where, where) != NULL,
              "where = %s, msg = %s", err.where, err.msg);
    unlink(path);
    free(path);
    /* with offsets the same hour reads as six half-hours from 2026-10-24 23:30Z:
     * date -u -d '2026-10-25 00:30 BST' +%s -> 1792884600 */
    path = write_tmp("timestamp,value\n2026-10-25 00:30+01:00,1\n2026-10-25 01:00+01:00,2\n"
                     "2026-10-25 01:30+01:00,3\n2026-10-25 01:00+00:00,4\n"
                     "2026-10-25 01:30+00:00,5\n2026-10-25 02:00+00:00,6\n");
    cr_assert_eq(sc_trace_read_csv(path, &opt, &t, &v, &n, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(n, 6);
    for (size_t i = 0; i < n; i++) {
        cr_expect_eq(t[i], (1792884600LL + 1800 * (sc_time_ms)i) * 1000, "t[%zu]", i);
        cr_expect_eq(v[i], (double)(i + 1));
    }
    free(t);
    free(v);
    unlink(path);
    free(path);
}
