/*
 * time.c - saturating time arithmetic and timestamp parsing (see time.h).
 *
 * Zone names are resolved by tz.c (the TZif reader with its per-zone cache), never by
 * the C library's TZ variable and mktime(): that state is process-wide, so switching it
 * raced with other threads, and re-reading the zone file on every call made an import
 * with a zone ~58x slower than one in UTC.  The wall time is first turned into "local
 * seconds" (the same arithmetic as for UTC) and then shifted by the zone's offset with
 * the repeat rule of tz.h (a repeated local time is its first instant).  A local time
 * inside a gap (skipped when the clocks go forward) is refused here, SC_ERR_RANGE, and
 * sc_time_parse_why() names the gap: tz.h's sc_tz_local_to_utc() would shift it forward
 * silently, and a careful user would rather be told (issue 13).
 */
#define _GNU_SOURCE
#include "sculpt/time.h"
#include "sculpt/tz.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

sc_time_ms sc_time_add(sc_time_ms a, int64_t b)
{
    if (b > 0 && a > SC_TIME_MAX - b)
        return SC_TIME_MAX;
    if (b < 0 && a < SC_TIME_MIN - b)
        return SC_TIME_MIN;
    return a + b;
}

sc_time_ms sc_time_from_sec(double s)
{
    double ms = s * 1000.0;
    if (!(ms == ms))
        return 0;
    if (ms >= 9.2e18)
        return SC_TIME_MAX;
    if (ms <= -9.2e18)
        return SC_TIME_MIN;
    return (sc_time_ms)(ms < 0 ? ms - 0.5 : ms + 0.5);
}

int64_t sc_time_floor_div(sc_time_ms t, int64_t step)
{
    int64_t q = t / step;
    if ((t % step != 0) && ((t < 0) != (step < 0)))
        q--;
    return q;
}

/* Days from 1970-01-01 to y-m-d in the proleptic Gregorian calendar (H. Hinnant's
 * days_from_civil algorithm). */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    const int64_t era = (y >= 0 ? y : y - 399) / 400;
    const unsigned yoe = (unsigned)(y - era * 400);
    const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, unsigned *m, unsigned *d)
{
    z += 719468;
    const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    const unsigned doe = (unsigned)(z - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const int64_t yy = (int64_t)yoe + era * 400;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp + (mp < 10 ? 3 : -9);
    *y = (int)(yy + (*m <= 2));
}

static int parse_uint(const char **p, int ndig, int *out)
{
    int v = 0;
    for (int i = 0; i < ndig; i++) {
        if (!isdigit((unsigned char)**p))
            return -1;
        v = v * 10 + (**p - '0');
        (*p)++;
    }
    *out = v;
    return 0;
}

/* "+HH:MM", "-HHMM", "+HH" -> offset in minutes.  Returns 0 on success. */
static int parse_offset(const char *s, int *minutes)
{
    int sign, hh = 0, mm = 0;
    if (*s == '+')
        sign = 1;
    else if (*s == '-')
        sign = -1;
    else
        return -1;
    s++;
    if (parse_uint(&s, 2, &hh))
        return -1;
    if (*s == ':')
        s++;
    if (*s) {
        if (parse_uint(&s, 2, &mm))
            return -1;
    }
    if (*s || hh > 23 || mm > 59)
        return -1;
    *minutes = sign * (hh * 60 + mm);
    return 0;
}

/* Local wall-clock seconds as "YYYY-MM-DD HH:MM:SS" (the day of local_s read as UTC). */
static void fmt_local(int64_t local_s, char *buf, size_t len)
{
    int64_t days = sc_time_floor_div(local_s, 86400);
    int64_t rem = local_s - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04d-%02u-%02u %02d:%02d:%02d", y, m, d, (int)(rem / 3600),
             (int)(rem % 3600 / 60), (int)(rem % 60));
}

static void fmt_offset(int32_t off, char *buf, size_t len)
{
    int32_t a = off < 0 ? -off : off;
    snprintf(buf, len, "UTC%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
             (int)(a % 3600 / 60));
}

/* Local seconds local_s in zone z: its UTC seconds in *u_out, or, when local_s falls in a
 * gap (skipped when the clocks go forward), SC_ERR_RANGE with the gap described in why.
 * A repeated local time (the hour the clocks go back) is its first instant (tz.h). */
static sc_status zone_local_to_utc(const sc_tz *z, const char *s, int64_t local_s,
                                   int64_t *u_out, char *why, unsigned long len)
{
    int64_t u = sc_tz_local_to_utc(z, local_s);
    if (u + sc_tz_offset(z, u) == local_s) {
        *u_out = u;
        return SC_OK;
    }
    /* a gap: u = local_s - o1 with o1 the offset before it; the transition T lies in
     * (local_s - o2, local_s - o1], and the local times [T + o1, T + o2) do not exist */
    int32_t o1 = (int32_t)(local_s - u), o2 = sc_tz_offset(z, u);
    int64_t lo = local_s - o2, hi = u; /* offset(lo) == o1, offset(hi) == o2 */
    if (o2 > o1) {
        while (hi - lo > 1) {
            int64_t mid = lo + (hi - lo) / 2;
            if (sc_tz_offset(z, mid) == o1)
                lo = mid;
            else
                hi = mid;
        }
    }
    if (why && len) {
        char a[40], b[40], oa[16], ob[16];
        fmt_local(hi + o1, a, sizeof a);
        fmt_local(hi + o2, b, sizeof b);
        fmt_offset(o1, oa, sizeof oa);
        fmt_offset(o2, ob, sizeof ob);
        snprintf(why, len,
                 "local time '%.40s' does not exist in %s (a daylight-saving gap: the clocks "
                 "go forward from %s to %s, %s to %s); give the time with its UTC offset, "
                 "or in UTC",
                 s, sc_tz_name(z), a, b + 11, oa, ob);
    }
    return SC_ERR_RANGE;
}

sc_status sc_time_parse(const char *s, const char *tz, sc_time_ms *out)
{
    return sc_time_parse_why(s, tz, out, NULL, 0);
}

sc_status sc_time_parse_why(const char *s, const char *tz, sc_time_ms *out, char *why,
                            unsigned long why_len)
{
    if (why && why_len)
        why[0] = '\0';
    if (!s)
        return SC_ERR_INPUT;
    while (isspace((unsigned char)*s))
        s++;
    /* plain integer: Unix seconds */
    const char *q = s;
    if (*q == '-')
        q++;
    if (isdigit((unsigned char)*q)) {
        const char *r = q;
        while (isdigit((unsigned char)*r))
            r++;
        const char *e = r;
        while (isspace((unsigned char)*e))
            e++;
        if (*e == '\0' && (r - q) != 4) {
            errno = 0;
            long long v = strtoll(s, NULL, 10);
            if (errno || v > INT64_MAX / 1000 || v < INT64_MIN / 1000)
                return SC_ERR_RANGE;
            *out = (sc_time_ms)v * 1000;
            return SC_OK;
        }
    }
    int y, mo, d, h = 0, mi = 0, sec = 0, ms = 0;
    const char *p = s;
    if (parse_uint(&p, 4, &y) || *p++ != '-' || parse_uint(&p, 2, &mo) || *p++ != '-' ||
        parse_uint(&p, 2, &d))
        return SC_ERR_INPUT;
    if (*p == 'T' || *p == ' ') {
        p++;
        if (parse_uint(&p, 2, &h) || *p++ != ':' || parse_uint(&p, 2, &mi))
            return SC_ERR_INPUT;
        if (*p == ':') {
            p++;
            if (parse_uint(&p, 2, &sec))
                return SC_ERR_INPUT;
            if (*p == '.') {
                p++;
                int nd = 0;
                ms = 0;
                while (isdigit((unsigned char)*p)) {
                    if (nd < 3)
                        ms = ms * 10 + (*p - '0');
                    nd++;
                    p++;
                }
                if (nd == 0)
                    return SC_ERR_INPUT;
                for (; nd < 3; nd++)
                    ms *= 10;
            }
        }
    }
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return SC_ERR_RANGE;
    /* reject impossible dates such as 2021-02-30 */
    {
        int yy;
        unsigned mm2, dd2;
        civil_from_days(days_from_civil(y, (unsigned)mo, (unsigned)d), &yy, &mm2, &dd2);
        if ((int)mm2 != mo || (int)dd2 != d)
            return SC_ERR_RANGE;
    }
    while (*p == ' ')
        p++;
    int have_off = 0, off_min = 0;
    if (*p == 'Z' || *p == 'z') {
        have_off = 1;
        p++;
    } else if (*p == '+' || *p == '-') {
        if (parse_offset(p, &off_min))
            return SC_ERR_INPUT;
        have_off = 1;
        p += strlen(p);
    }
    while (isspace((unsigned char)*p))
        p++;
    if (*p)
        return SC_ERR_INPUT;

    int64_t days = days_from_civil(y, (unsigned)mo, (unsigned)d);
    int64_t utc_sec = days * 86400 + h * 3600 + mi * 60 + sec;
    if (!have_off && tz && *tz && strcmp(tz, "UTC") != 0 && strcmp(tz, "Z") != 0) {
        if (tz[0] == '+' || tz[0] == '-') {
            if (parse_offset(tz, &off_min))
                return SC_ERR_INPUT;
        } else {
            const sc_tz *zone;
            sc_status zs = sc_tz_get(tz, &zone, NULL);
            if (zs != SC_OK)
                return zs == SC_ERR_INPUT ? SC_ERR_INPUT : SC_ERR_NOTFOUND;
            int64_t u;
            sc_status gs = zone_local_to_utc(zone, s, utc_sec, &u, why, why_len);
            if (gs != SC_OK)
                return gs;
            *out = u * 1000 + ms;
            return SC_OK;
        }
    }
    utc_sec -= (int64_t)off_min * 60;
    *out = utc_sec * 1000 + ms;
    return SC_OK;
}

char *sc_time_format(sc_time_ms t, char *buf, unsigned long len)
{
    int64_t sec = sc_time_floor_div(t, 1000);
    int64_t days = sc_time_floor_div(sec, 86400);
    int64_t rem = sec - days * 86400;
    int y;
    unsigned m, d;
    civil_from_days(days, &y, &m, &d);
    snprintf(buf, len, "%04d-%02u-%02uT%02d:%02d:%02dZ", y, m, d, (int)(rem / 3600),
             (int)(rem % 3600 / 60), (int)(rem % 60));
    return buf;
}

sc_status sc_duration_parse(const char *s, int64_t *out_ms)
{
    if (!s || !*s)
        return SC_ERR_INPUT;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno || !(v >= 0))
        return SC_ERR_INPUT;
    double mult;
    if (*end == '\0' || strcmp(end, "s") == 0)
        mult = 1000.0;
    else if (strcmp(end, "ms") == 0)
        mult = 1.0;
    else if (strcmp(end, "m") == 0 || strcmp(end, "min") == 0)
        mult = 60000.0;
    else if (strcmp(end, "h") == 0)
        mult = 3600000.0;
    else if (strcmp(end, "d") == 0)
        mult = 86400000.0;
    else if (strcmp(end, "w") == 0)
        mult = 7 * 86400000.0;
    else
        return SC_ERR_INPUT;
    double ms = v * mult;
    if (ms > 9.2e18)
        return SC_ERR_RANGE;
    *out_ms = (int64_t)(ms + 0.5);
    return SC_OK;
}
