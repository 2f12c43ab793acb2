/*
 * test_tz.c - the TZif reader and zone cache (core/base/tz.c, sculpt/tz.h) and
 * sc_time_parse with zone names.
 *
 * Known answers come from tzcode's zdump (an independent reader of the same files) and
 * GNU date for the epoch seconds, quoted at each check, e.g.
 *     $ zdump -v -c 2024,2025 Europe/Berlin
 *     Europe/Berlin  Sun Mar 31 01:00:00 2024 UT = Sun Mar 31 03:00:00 2024 CEST isdst=1 gmtoff=7200
 *     $ date -u -d '2024-03-31 01:00:00Z' +%s   -> 1711846800
 * The hand-made zone file's answers are worked by hand in its comment, and the
 * local-to-UTC rules are also checked against glibc's mktime() (another independent
 * implementation) over every hour of 2000-2040 in several zones.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sculpt/time.h"
#include "sculpt/tz.h"

static const sc_tz *zone(const char *name)
{
    const sc_tz *z = NULL;
    sc_error err;
    sc_status st = sc_tz_get(name, &z, &err);
    cr_assert_eq(st, SC_OK, "%s: %s", name, err.msg);
    return z;
}

/* offset at t-1 and at t: the two sides of a transition zdump lists at t */
static void expect_switch(const char *name, int64_t t, int32_t before, int32_t after)
{
    const sc_tz *z = zone(name);
    cr_expect_eq(sc_tz_offset(z, t - 1), before, "%s at %lld - 1 s", name, (long long)t);
    cr_expect_eq(sc_tz_offset(z, t), after, "%s at %lld", name, (long long)t);
}

Test(tz, zdump_transitions)
{
    /* zdump -v -c 2024,2025 Europe/Berlin
     *   Sun Mar 31 00:59:59 2024 UT = ... 01:59:59 2024 CET isdst=0 gmtoff=3600
     *   Sun Mar 31 01:00:00 2024 UT = ... 03:00:00 2024 CEST isdst=1 gmtoff=7200
     *   Sun Oct 27 00:59:59 2024 UT = ... 02:59:59 2024 CEST isdst=1 gmtoff=7200
     *   Sun Oct 27 01:00:00 2024 UT = ... 02:00:00 2024 CET isdst=0 gmtoff=3600
     * date -u -d '2024-03-31 01:00:00Z' +%s -> 1711846800; '2024-10-27 01:00:00Z' -> 1729990800 */
    expect_switch("Europe/Berlin", 1711846800, 3600, 7200);
    expect_switch("Europe/Berlin", 1729990800, 7200, 3600);
    /* zdump -v -c 2021,2022 America/New_York
     *   Sun Mar 14 07:00:00 2021 UT = Sun Mar 14 03:00:00 2021 EDT isdst=1 gmtoff=-14400
     *   Sun Nov  7 06:00:00 2021 UT = Sun Nov  7 01:00:00 2021 EST isdst=0 gmtoff=-18000
     * date: '2021-03-14 07:00:00Z' -> 1615705200; '2021-11-07 06:00:00Z' -> 1636264800 */
    expect_switch("America/New_York", 1615705200, -18000, -14400);
    expect_switch("America/New_York", 1636264800, -14400, -18000);
    /* southern hemisphere: DST across New Year.  zdump -v -c 2024,2025 Australia/Sydney
     *   Sat Apr  6 16:00:00 2024 UT = Sun Apr  7 02:00:00 2024 AEST isdst=0 gmtoff=36000
     *   Sat Oct  5 16:00:00 2024 UT = Sun Oct  6 03:00:00 2024 AEDT isdst=1 gmtoff=39600
     * date: '2024-04-06 16:00:00Z' -> 1712419200; '2024-10-05 16:00:00Z' -> 1728144000 */
    expect_switch("Australia/Sydney", 1712419200, 39600, 36000);
    expect_switch("Australia/Sydney", 1728144000, 36000, 39600);
    cr_expect_eq(sc_tz_offset(zone("Australia/Sydney"), 1704067200), 39600); /* 2024-01-01Z */
    /* half-hour offset.  zdump -v Asia/Kolkata (its last transition)
     *   Sun Oct 14 17:30:00 1945 UT = Sun Oct 14 23:00:00 1945 IST isdst=0 gmtoff=19800
     *   Sun Oct 14 17:29:59 1945 UT = Sun Oct 14 23:59:59 1945 +0630 isdst=1 gmtoff=23400
     * date -u -d '1945-10-14 17:30:00Z' +%s -> -764145000 */
    expect_switch("Asia/Kolkata", -764145000, 23400, 19800);
    cr_expect_eq(sc_tz_offset(zone("Asia/Kolkata"), 1719792000), 19800); /* 2024-07-01Z */
}

Test(tz, footer_rule_after_the_last_transition)
{
    /* The files list transitions up to 2037; later instants come from the footer
     * (Berlin: "CET-1CEST,M3.5.0,M10.5.0/3", Sydney: "AEST-10AEDT,M10.1.0,M4.1.0/3").
     * zdump -v -c 2050,2051 Europe/Berlin
     *   Sun Mar 27 01:00:00 2050 UT = Sun Mar 27 03:00:00 2050 CEST isdst=1 gmtoff=7200
     *   Sun Oct 30 01:00:00 2050 UT = Sun Oct 30 02:00:00 2050 CET isdst=0 gmtoff=3600
     * zdump -v -c 2060,2061 Australia/Sydney
     *   Sat Apr  3 16:00:00 2060 UT = Sun Apr  4 02:00:00 2060 AEST isdst=0 gmtoff=36000
     *   Sat Oct  2 16:00:00 2060 UT = Sun Oct  3 03:00:00 2060 AEDT isdst=1 gmtoff=39600
     * date: '2050-03-27 01:00:00Z' -> 2531955600, '2050-10-30 01:00:00Z' -> 2550704400,
     *       '2060-04-03 16:00:00Z' -> 2848233600, '2060-10-02 16:00:00Z' -> 2863958400 */
    expect_switch("Europe/Berlin", 2531955600, 3600, 7200);
    expect_switch("Europe/Berlin", 2550704400, 7200, 3600);
    expect_switch("Australia/Sydney", 2848233600, 39600, 36000);
    expect_switch("Australia/Sydney", 2863958400, 36000, 39600);
    /* zdump -v Europe/Berlin, last line: Sun Oct 25 01:00:00 2499 UT = ... CET gmtoff=3600;
     * date -u -d '2499-10-25 01:00:00Z' +%s -> 16719354000 */
    expect_switch("Europe/Berlin", 16719354000LL, 7200, 3600);
}

Test(tz, local_time_gaps_and_repeats)
{
    sc_time_ms t;
    /* Berlin, 2024-03-31: 02:00 CET -> 03:00 CEST at 01:00Z (zdump above).
     * 01:30 local = 00:30Z; 03:30 local = 01:30Z; 02:30 does not exist and is refused
     * (issue 13; sc_tz_local_to_utc alone still shifts it forward, tested below). */
    cr_assert_eq(sc_time_parse("2024-03-31 01:30", "Europe/Berlin", &t), SC_OK);
    cr_expect_eq(t, (1711846800LL - 1800) * 1000);
    cr_assert_eq(sc_time_parse("2024-03-31 03:30", "Europe/Berlin", &t), SC_OK);
    cr_expect_eq(t, (1711846800LL + 1800) * 1000);
    cr_expect_eq(sc_time_parse("2024-03-31 02:30", "Europe/Berlin", &t), SC_ERR_RANGE);
    /* Berlin, 2024-10-27: 02:30 local happens at 00:30Z (CEST) and at 01:30Z (CET):
     * the first instant is taken. */
    cr_assert_eq(sc_time_parse("2024-10-27 02:30", "Europe/Berlin", &t), SC_OK);
    cr_expect_eq(t, (1729990800LL - 1800) * 1000);
    cr_assert_eq(sc_time_parse("2024-10-27 03:30", "Europe/Berlin", &t), SC_OK);
    cr_expect_eq(t, (1729990800LL + 2 * 3600 + 1800 - 3600) * 1000); /* CET: 02:30Z */
    /* New York, 2021-11-07: 01:30 EDT = 05:30Z comes first, 01:30 EST = 06:30Z second.
     * date -u -d '2021-11-07 01:30 EDT' +%s -> 1636263000 */
    cr_assert_eq(sc_time_parse("2021-11-07T01:30:00.250", "America/New_York", &t), SC_OK);
    cr_expect_eq(t, 1636263000LL * 1000 + 250);
    /* Sydney, 2024-10-06: 02:30 does not exist (AEST -> AEDT at 16:00Z): refused */
    cr_expect_eq(sc_time_parse("2024-10-06 02:30", "Australia/Sydney", &t), SC_ERR_RANGE);
    /* Kolkata: date -u -d '2024-07-01 05:30 +0530' +%s -> 1719792000 */
    cr_assert_eq(sc_time_parse("2024-07-01 05:30", "Asia/Kolkata", &t), SC_OK);
    cr_expect_eq(t, 1719792000LL * 1000);
    /* beyond 2037 (footer rule): date -u -d '2050-07-01 12:00 CEST' +%s -> 2540282400 */
    cr_assert_eq(sc_time_parse("2050-07-01 12:00", "Europe/Berlin", &t), SC_OK);
    cr_expect_eq(t, 2540282400LL * 1000);
}

/* glibc mktime() with tm_isdst = -1 as a second, independent reference: it takes the
 * first instant of a repeated hour, like sculpt, in zones whose summer time is the one
 * with isdst=1; a skipped time it shifts forward (normalising tm's fields), where sculpt
 * refuses it (issue 13): so sculpt must refuse exactly the times mktime normalises.  (In zones with "negative DST", such
 * as Africa/Casablanca, glibc reads a skipped time with the later offset instead; sculpt
 * keeps its one documented rule there, so those zones are not compared.) */
Test(tz, agrees_with_glibc_mktime_every_hour_2000_2040)
{
    static const char *const zones[] = {"Europe/Berlin",    "America/New_York",
                                        "Australia/Sydney", "Asia/Kolkata",
                                        "Australia/Lord_Howe", "America/Sao_Paulo",
                                        "Pacific/Chatham"};
    for (size_t zi = 0; zi < sizeof zones / sizeof zones[0]; zi++) {
        setenv("TZ", zones[zi], 1);
        tzset();
        long bad = 0, gaps = 0;
        for (int y = 2000; y <= 2040; y++)
            for (int mo = 1; mo <= 12; mo++)
                for (int d = 1; d <= 28; d++)
                    for (int h = 0; h < 24; h++) {
                        struct tm tm = {0};
                        tm.tm_year = y - 1900;
                        tm.tm_mon = mo - 1;
                        tm.tm_mday = d;
                        tm.tm_hour = h;
                        tm.tm_min = 30;
                        tm.tm_isdst = -1;
                        time_t ref = mktime(&tm);
                        int skipped = tm.tm_hour != h || tm.tm_min != 30 || tm.tm_mday != d;
                        char s[40];
                        snprintf(s, sizeof s, "%04d-%02d-%02d %02d:30", y, mo, d, h);
                        sc_time_ms t;
                        sc_status st = sc_time_parse(s, zones[zi], &t);
                        if (skipped) {
                            cr_assert_eq(st, SC_ERR_RANGE, "%s %s is in a gap", zones[zi], s);
                            gaps++;
                            continue;
                        }
                        cr_assert_eq(st, SC_OK, "%s %s", zones[zi], s);
                        if (t != (sc_time_ms)ref * 1000 && bad++ < 5)
                            cr_log_error("%s %s: mktime %lld, sculpt %lld", zones[zi], s,
                                         (long long)ref, (long long)(t / 1000));
                    }
        cr_expect_eq(bad, 0, "%s: %ld local times differ from mktime", zones[zi], bad);
        /* the comparison covers gaps: they skip a whole hour (no :30 is skipped in
         * Kolkata, with no DST, nor in Lord Howe, whose gap is 02:00-02:30) */
        if (strcmp(zones[zi], "Asia/Kolkata") != 0 && strcmp(zones[zi], "Australia/Lord_Howe"))
            cr_expect(gaps >= 10, "%s: only %ld gaps in 41 years", zones[zi], gaps);
    }
    unsetenv("TZ");
}

/* ---- a hand-made zone in a TZDIR of our own ------------------------------------------ */

static size_t put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
    return 4;
}

static size_t put64(unsigned char *p, uint64_t v)
{
    put32(p, (uint32_t)(v >> 32));
    put32(p + 4, (uint32_t)v);
    return 8;
}

static size_t header(unsigned char *p, uint32_t timecnt, uint32_t typecnt, uint32_t charcnt)
{
    memset(p, 0, 44);
    memcpy(p, "TZif2", 5);
    put32(p + 32, timecnt);
    put32(p + 36, typecnt);
    put32(p + 40, charcnt);
    return 44;
}

/*
 * Zone "Test/Mini", TZif version 2, written by hand:
 *   v1 block: no transitions, one type (+01:00, "AAA") - what a v2 reader skips;
 *   v2 block: types 0 = +01:00 "AAA" (std), 1 = +02:00 "BBB" (dst);
 *             transitions T1 = 1000000000 -> type 1, T2 = 1100000000 -> type 0;
 *   footer "AAA-1BBB,M3.5.0,M10.5.0/3" (the EU rule: BBB from the last Sunday of March,
 *   01:00Z, to the last Sunday of October, 01:00Z).
 * By hand: before T1 +3600 (type 0), [T1, T2] +7200 then +3600 at T2, after T2 the rule:
 * 2024-07-01Z (1719792000) +7200, 2024-01-01Z (1704067200) +3600.
 */
static size_t mini_tzif(unsigned char *buf)
{
    unsigned char *p = buf;
    p += header(p, 0, 1, 4);
    p += put32(p, 3600);
    *p++ = 0;
    *p++ = 0;
    memcpy(p, "AAA", 4);
    p += 4;
    p += header(p, 2, 2, 8);
    p += put64(p, 1000000000);
    p += put64(p, 1100000000);
    *p++ = 1;
    *p++ = 0;
    p += put32(p, 3600);
    *p++ = 0;
    *p++ = 0;
    p += put32(p, 7200);
    *p++ = 1;
    *p++ = 4;
    memcpy(p, "AAA\0BBB", 8);
    p += 8;
    const char *footer = "\nAAA-1BBB,M3.5.0,M10.5.0/3\n";
    memcpy(p, footer, strlen(footer));
    p += strlen(footer);
    return (size_t)(p - buf);
}

static void write_file(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "%s", path);
    cr_assert_eq(fwrite(b, 1, n, f), n);
    fclose(f);
}

static char tzdir[512];

static void make_tzdir(void)
{
    snprintf(tzdir, sizeof tzdir, "%s/test_tz_%ld", SC_BINARY_DIR, (long)getpid());
    char sub[600];
    snprintf(sub, sizeof sub, "%s/Test", tzdir);
    mkdir(tzdir, 0755);
    mkdir(sub, 0755);
}

static void rm_tzdir(void)
{
    char cmd[700];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", tzdir);
    cr_assert_eq(system(cmd), 0);
}

Test(tz, hand_made_zone_from_TZDIR, .init = make_tzdir, .fini = rm_tzdir)
{
    unsigned char b[512];
    size_t n = mini_tzif(b);
    char path[700];
    snprintf(path, sizeof path, "%s/Test/Mini", tzdir);
    write_file(path, b, n);
    setenv("TZDIR", tzdir, 1);
    const sc_tz *z = zone("Test/Mini");
    cr_expect_str_eq(sc_tz_name(z), "Test/Mini");
    cr_expect_eq(sc_tz_offset(z, 999999999), 3600);
    cr_expect_eq(sc_tz_offset(z, 1000000000), 7200);
    cr_expect_eq(sc_tz_offset(z, 1099999999), 7200);
    cr_expect_eq(sc_tz_offset(z, 1100000000), 3600);
    cr_expect_eq(sc_tz_offset(z, 1719792000), 7200);
    cr_expect_eq(sc_tz_offset(z, 1704067200), 3600);
    /* the gap at T1: local time jumps from T1+3600 to T1+7200; T1+3600+1800 (inside)
     * is read with +3600: T1+1800.  The repeat at T2: local T2+3600 .. T2+7200 happens
     * twice; T2+3600+1800 is first reached at T2+5400-7200 = T2-1800. */
    cr_expect_eq(sc_tz_local_to_utc(z, 1000000000LL + 5400), 1000000000LL + 1800);
    cr_expect_eq(sc_tz_local_to_utc(z, 1100000000LL + 5400), 1100000000LL - 1800);
    cr_expect_eq(sc_tz_local_to_utc(z, 1100000000LL + 7200 + 1), 1100000000LL + 3600 + 1);
    /* the same through sc_time_parse (it reads TZDIR too):
     * date -u -d '2024-07-01 02:00 +0200' +%s -> 1719792000 */
    sc_time_ms t;
    cr_assert_eq(sc_time_parse("2024-07-01 02:00", "Test/Mini", &t), SC_OK);
    cr_expect_eq(t, 1719792000LL * 1000);
    /* a zone the folder does not have */
    sc_error err;
    const sc_tz *none;
    cr_expect_eq(sc_tz_get("Europe/Berlin", &none, &err), SC_ERR_NOTFOUND);
    cr_expect(strstr(err.msg, "Europe/Berlin") && strstr(err.msg, tzdir), "%s", err.msg);
    cr_expect_eq(sc_time_parse("2024-07-01 02:00", "Europe/Berlin", &t), SC_ERR_NOTFOUND);

    /* an explicit directory, no cache: the caller owns the copy */
    sc_tz *own = NULL;
    cr_assert_eq(sc_tz_load(tzdir, "Test/Mini", &own, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(sc_tz_offset(own, 1719792000), 7200);
    sc_tz_free(own);
    sc_tz_free(NULL);
    unsetenv("TZDIR");
}

Test(tz, truncated_and_corrupt_files_are_errors, .init = make_tzdir, .fini = rm_tzdir)
{
    unsigned char b[512];
    size_t n = mini_tzif(b);
    char path[700];
    snprintf(path, sizeof path, "%s/Test/Bad", tzdir);
    sc_error err;
    sc_tz *z = NULL;
    /* every proper prefix is an error naming the zone and the file */
    for (size_t len = 0; len < n; len++) {
        write_file(path, b, len);
        sc_status st = sc_tz_load(tzdir, "Test/Bad", &z, &err);
        cr_expect_eq(st, SC_ERR_INPUT, "prefix of %zu bytes: %s", len, err.msg);
        cr_expect_null(z);
        cr_expect(strstr(err.msg, "Test/Bad") && strstr(err.msg, path), "%s", err.msg);
    }
    /* any single byte replaced: an error or a zone, never a crash (run under ASan) */
    for (size_t i = 0; i < n; i++)
        for (int v = 0; v < 256; v += 51) {
            unsigned char c[512];
            memcpy(c, b, n);
            c[i] = (unsigned char)v;
            write_file(path, c, n);
            sc_status st = sc_tz_load(tzdir, "Test/Bad", &z, &err);
            cr_expect(st == SC_OK || st == SC_ERR_INPUT, "byte %zu = %d: %s", i, v,
                      sc_status_name(st));
            if (st == SC_OK)
                (void)sc_tz_local_to_utc(z, 1700000000);
            sc_tz_free(z);
            z = NULL;
        }
    /* a header promising 2^32-1 transitions in a small file: refused before allocating */
    unsigned char big[512];
    memcpy(big, b, n);
    put32(big + 32, 0xffffffffu);
    write_file(path, big, n);
    cr_expect_eq(sc_tz_load(tzdir, "Test/Bad", &z, &err), SC_ERR_INPUT);
    cr_expect(strstr(err.msg, "truncated"), "%s", err.msg);
    /* a real zone cut short */
    FILE *f = fopen("/usr/share/zoneinfo/Europe/Berlin", "rb");
    cr_assert(f);
    unsigned char real[8192];
    size_t rn = fread(real, 1, sizeof real, f);
    fclose(f);
    for (size_t len = 0; len < rn; len += 7) {
        write_file(path, real, len);
        cr_expect_eq(sc_tz_load(tzdir, "Test/Bad", &z, &err), SC_ERR_INPUT, "%zu", len);
    }
    write_file(path, real, rn);
    cr_expect_eq(sc_tz_load(tzdir, "Test/Bad", &z, &err), SC_OK, "%s", err.msg);
    sc_tz_free(z);
}

Test(tz, bad_names_are_refused_before_any_file_is_opened)
{
    static const char *const bad[] = {"",           "/etc/localtime", "../etc/passwd",
                                      "Europe/../../etc/passwd", "Europe//Berlin",
                                      "Europe/",    "Europe/Berlin;rm", "Europe Berlin",
                                      "CET-1CEST,M3.5.0,M10.5.0/3"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_not(sc_tz_name_valid(bad[i]), "'%s'", bad[i]);
        const sc_tz *z;
        sc_error err;
        cr_expect_eq(sc_tz_get(bad[i], &z, &err), SC_ERR_NOTFOUND, "'%s'", bad[i]);
        cr_expect_null(z);
        sc_time_ms t;
        cr_expect_eq(sc_time_parse("2024-01-01 00:00", bad[i][0] ? bad[i] : "x/../y", &t),
                     SC_ERR_NOTFOUND, "'%s'", bad[i]);
    }
    cr_expect(sc_tz_name_valid("Etc/GMT+5"));
    cr_expect(sc_tz_name_valid("America/Argentina/Buenos_Aires"));
    /* a folder of the database is not a zone */
    const sc_tz *z;
    sc_error err;
    cr_expect_eq(sc_tz_get("America", &z, &err), SC_ERR_NOTFOUND);
    cr_expect(strstr(err.msg, "America"), "%s", err.msg);
}

/* ---- threads --------------------------------------------------------------------------- */

typedef struct conv_job {
    const char *zone;
    sc_time_ms sum; /* of every converted instant: a digest to compare */
    int failures;
} conv_job;

static void *convert_year(void *arg)
{
    conv_job *j = arg;
    for (int day = 0; day < 365; day++)
        for (int h = 0; h < 24; h++) {
            char s[40];
            sc_time_ms t;
            snprintf(s, sizeof s, "2024-%02d-%02d %02d:15", 1 + day / 31 % 12, 1 + day % 28, h);
            sc_status st = sc_time_parse(s, j->zone, &t);
            if (st == SC_ERR_RANGE) /* a local time in a DST gap, refused (issue 13) */
                j->sum += 1;
            else if (st != SC_OK)
                j->failures++;
            else
                j->sum += t;
        }
    return NULL;
}

Test(tz, cache_is_shared_safely_by_threads)
{
    /* 8 threads on 4 zones, all starting with a cold cache, then the same serially */
    static const char *const zones[] = {"Europe/London", "America/Chicago", "Asia/Tokyo",
                                        "Australia/Adelaide"};
    conv_job par[8], ser[8];
    pthread_t th[8];
    for (int i = 0; i < 8; i++) {
        par[i] = (conv_job){zones[i % 4], 0, 0};
        ser[i] = par[i];
        cr_assert_eq(pthread_create(&th[i], NULL, convert_year, &par[i]), 0);
    }
    for (int i = 0; i < 8; i++)
        pthread_join(th[i], NULL);
    for (int i = 0; i < 8; i++) {
        convert_year(&ser[i]);
        cr_expect_eq(par[i].failures, 0);
        cr_expect_eq(par[i].sum, ser[i].sum, "%s", zones[i % 4]);
    }
    /* one cached zone per name */
    cr_expect_eq((const void *)zone("Asia/Tokyo"), (const void *)zone("Asia/Tokyo"));
}

Test(tz, version_1_file_without_footer)
{
    /* TZif version 0 (v1 only): one transition at 1000000000 to +02:00 (type 1); no
     * footer, so the last offset holds for ever (RFC 8536 3.2 and 3.3) */
    unsigned char b[128];
    unsigned char *p = b;
    p += header(p, 1, 2, 8);
    b[4] = 0; /* version byte 0 */
    p += put32(p, 1000000000);
    *p++ = 1;
    p += put32(p, 3600);
    *p++ = 0;
    *p++ = 0;
    p += put32(p, 7200);
    *p++ = 1;
    *p++ = 4;
    memcpy(p, "AAA\0BBB", 8);
    p += 8;
    sc_tz *z = NULL;
    sc_error err;
    cr_assert_eq(sc_tz_parse(b, (size_t)(p - b), "Test/V1", NULL, &z, &err), SC_OK, "%s",
                 err.msg);
    cr_expect_eq(sc_tz_offset(z, 999999999), 3600);
    cr_expect_eq(sc_tz_offset(z, 1000000000), 7200);
    cr_expect_eq(sc_tz_offset(z, INT64_C(4000000000)), 7200);
    sc_tz_free(z);
}
