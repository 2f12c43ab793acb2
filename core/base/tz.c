/*
 * tz.c - the one time-zone reader of sculpt: TZif files (RFC 8536) and POSIX TZ rules,
 * with a per-process cache of parsed zones (see tz.h for the contract).
 *
 * File layout (RFC 8536 section 3): a 44-byte header ("TZif", version, 15 reserved bytes,
 * six 32-bit counts isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt), then the
 * v1 data block with 32-bit transition times.  Version '2' and later repeat header and
 * data with 64-bit times, followed by a footer "\n<POSIX TZ string>\n".  We read the
 * 64-bit block when there is one (else the 32-bit one), and the footer.  Every count is
 * checked against the bytes actually present before anything is allocated, so an
 * allocation is never larger than a small multiple of the file size.
 *
 * Data (struct sc_tz): at[i] (UTC s, strictly increasing) is where off[i] (s east of UTC)
 * starts to hold; before at[0] the offset of local time type 0 holds (RFC 8536 3.2);
 * after at[n-1] the footer rule holds when there is one, else off[n-1].
 *
 * POSIX TZ strings (POSIX.1-2017 8.3, with the RFC 8536 3.3.1 extensions: hours in
 * [-167, 167] for the switch times): "STDoffset[DST[offset][,start[/time],end[/time]]]"
 * with start/end as Mm.w.d, Jn or n.  Offsets are written WEST of UTC ("CET-1").
 *
 * Local -> UTC: a local time L has the solutions t = L - o for the offsets o in force
 * near L that satisfy offset(t) == o.  Offsets never reach 26 h, so the offsets in force
 * at L - 100000 s and L + 100000 s, and at L minus each of them, include every candidate
 * when at most one transition falls within a day of L (true of every zone in the tz
 * database: in tzdata 2025 no two offset changes of any zone are less than 2.3 days
 * apart).  When the offsets at L -/+ 100000 s agree, no transition is in reach and the
 * answer is L minus that offset: two lookups, the usual case.  Of several solutions (a
 * repeated hour) we take the first instant; with none (a gap) we read L with the offset
 * in force just before the gap.
 *
 * Cache: a singly linked list of (directory, name, zone), newest first.  Inserts take a
 * mutex; lookups walk the list without it (acquire load of the head, release store on
 * insert), so the per-timestamp cost of an import in a zone is a few string compares.
 * Entries are never removed, so a pointer handed out stays valid.  Parsing happens outside
 * the lock; if two threads parse the same zone at once, the first insert wins and the
 * other copy is freed.
 */
#define _GNU_SOURCE
#include "sculpt/tz.h"

#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define TZ_DEFAULT_DIR "/usr/share/zoneinfo"
#define TZ_NAME_MAX 256
#define TZ_PATH_MAX 4096
#define TZ_OFF_LIMIT (26 * 3600) /* |offset| must be below this (RFC 8536: < 25 h 59 m) */

/* month, week, weekday form (Mm.w.d) or a day of year (Jn: 1..365 without Feb 29;
 * n: 0..365 counting Feb 29) */
typedef enum { RULE_MWD, RULE_JULIAN1, RULE_JULIAN0 } rule_kind;

typedef struct tz_date {
    rule_kind kind;
    int m, w, d;  /* Mm.w.d: month 1-12, week 1-5 (5 = last), weekday 0-6 (0 = Sunday) */
    int n;        /* Jn / n: the day number */
    int64_t time; /* local time of day of the switch, s (may be < 0 or > 24 h) */
} tz_date;

typedef struct posix_rule {
    int ok;          /* a footer rule is present and parsed */
    int has_dst;     /* 0: std_off always */
    int32_t std_off; /* s east of UTC */
    int32_t dst_off; /* s east of UTC */
    tz_date start;   /* switch to DST (local standard time) */
    tz_date end;     /* switch back (local daylight time) */
} posix_rule;

struct sc_tz {
    char name[TZ_NAME_MAX]; /* as given, e.g. "Europe/Berlin" */
    size_t n;               /* number of transitions */
    int64_t *at;            /* [n] UTC s of transition i, strictly increasing */
    int32_t *off;           /* [n] s east of UTC from at[i] on */
    int32_t first_off;      /* s east of UTC before at[0] (time type 0) */
    posix_rule rule;        /* after at[n-1] (or always, when n == 0) if rule.ok */
};

/* ---- calendar -------------------------------------------------------------------------- */

/* Days since 1970-01-01 of y-m-d, proleptic Gregorian (H. Hinnant's days_from_civil). */
static int64_t days_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int64_t floor_div(int64_t a, int64_t b)
{
    int64_t q = a / b;
    if ((a % b != 0) && ((a < 0) != (b < 0)))
        q--;
    return q;
}

/* Day (since the epoch) on which rule date r falls in year y. */
static int64_t rule_day(int64_t y, const tz_date *r)
{
    int64_t jan1 = days_civil(y, 1, 1);
    if (r->kind == RULE_JULIAN1) /* J1..J365, Feb 29 never counted */
        return jan1 + r->n - 1 + (is_leap(y) && r->n >= 60);
    if (r->kind == RULE_JULIAN0)
        return jan1 + r->n;
    int64_t first = days_civil(y, r->m, 1);
    int64_t next = r->m == 12 ? days_civil(y + 1, 1, 1) : days_civil(y, r->m + 1, 1);
    int64_t dow_first = ((first + 4) % 7 + 7) % 7; /* 1970-01-01 was a Thursday (4) */
    int64_t day = first + ((r->d - dow_first) % 7 + 7) % 7 + (int64_t)(r->w - 1) * 7;
    while (day >= next)
        day -= 7;
    return day;
}

/* Offset (s east) of rule r at UTC instant t (s). */
static int32_t rule_offset(const posix_rule *r, int64_t t)
{
    if (!r->has_dst)
        return r->std_off;
    /* the UTC year of t; switches are never within a day of New Year in real zones, and
     * start > end (southern hemisphere) is handled by the "or" below */
    int64_t days = floor_div(t, 86400);
    int64_t y = 1970 + floor_div(days, 366);
    while (days_civil(y + 1, 1, 1) <= days)
        y++;
    while (days_civil(y, 1, 1) > days)
        y--;
    int64_t start = rule_day(y, &r->start) * 86400 + r->start.time - r->std_off;
    int64_t end = rule_day(y, &r->end) * 86400 + r->end.time - r->dst_off;
    int dst = start < end ? (t >= start && t < end) : (t >= start || t < end);
    return dst ? r->dst_off : r->std_off;
}

/* ---- POSIX TZ strings ------------------------------------------------------------------ */

static const char *ptz_name(const char *p)
{
    if (*p == '<') {
        const char *q = p + 1;
        while (*q && *q != '>')
            q++;
        return *q == '>' && q - p - 1 >= 3 ? q + 1 : NULL;
    }
    const char *q = p;
    while ((*q >= 'A' && *q <= 'Z') || (*q >= 'a' && *q <= 'z'))
        q++;
    return q - p >= 3 ? q : NULL;
}

/* [+-]hh[:mm[:ss]] with hh <= 167 -> seconds (as written). */
static const char *ptz_time(const char *p, int64_t *sec)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    int64_t part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (*p < '0' || *p > '9')
            return i == 0 ? NULL : p - 1; /* p - 1: give the ':' back */
        int64_t v = 0;
        int nd = 0;
        while (*p >= '0' && *p <= '9' && nd < 4) {
            v = v * 10 + (*p++ - '0');
            nd++;
        }
        if ((i == 0 && v > 167) || (i > 0 && v > 59))
            return NULL;
        part[i] = v;
        if (*p != ':' || i == 2)
            break;
        p++;
    }
    *sec = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return p;
}

static const char *ptz_num(const char *p, int lo, int hi, int *out)
{
    if (*p < '0' || *p > '9')
        return NULL;
    int v = 0;
    while (*p >= '0' && *p <= '9') {
        v = v * 10 + (*p++ - '0');
        if (v > hi)
            return NULL;
    }
    if (v < lo)
        return NULL;
    *out = v;
    return p;
}

static const char *ptz_date(const char *p, tz_date *r)
{
    memset(r, 0, sizeof *r);
    if (*p == 'M') {
        r->kind = RULE_MWD;
        if (!(p = ptz_num(p + 1, 1, 12, &r->m)) || *p++ != '.' ||
            !(p = ptz_num(p, 1, 5, &r->w)) || *p++ != '.' || !(p = ptz_num(p, 0, 6, &r->d)))
            return NULL;
    } else if (*p == 'J') {
        r->kind = RULE_JULIAN1;
        if (!(p = ptz_num(p + 1, 1, 365, &r->n)))
            return NULL;
    } else {
        r->kind = RULE_JULIAN0;
        if (!(p = ptz_num(p, 0, 365, &r->n)))
            return NULL;
    }
    r->time = 2 * 3600;
    if (*p == '/')
        return ptz_time(p + 1, &r->time);
    return p;
}

/* Parse a POSIX TZ string into r; 0 on success. */
static int parse_posix_tz(const char *s, posix_rule *r)
{
    memset(r, 0, sizeof *r);
    const char *p = ptz_name(s);
    int64_t off;
    if (!p || !(p = ptz_time(p, &off)) || off <= -TZ_OFF_LIMIT || off >= TZ_OFF_LIMIT)
        return -1;
    r->std_off = (int32_t)-off;
    if (*p == '\0') {
        r->ok = 1;
        return 0;
    }
    if (!(p = ptz_name(p)))
        return -1;
    r->dst_off = r->std_off + 3600;
    if (*p && *p != ',') {
        if (!(p = ptz_time(p, &off)) || off <= -TZ_OFF_LIMIT || off >= TZ_OFF_LIMIT)
            return -1;
        r->dst_off = (int32_t)-off;
    }
    /* RFC 8536 3.3.1 requires the rule part whenever a DST name is given */
    if (*p++ != ',' || !(p = ptz_date(p, &r->start)) || *p++ != ',' ||
        !(p = ptz_date(p, &r->end)) || *p != '\0')
        return -1;
    r->has_dst = 1;
    r->ok = 1;
    return 0;
}

/* ---- TZif ------------------------------------------------------------------------------ */

static uint64_t be_u(const unsigned char *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

int sc_tz_name_valid(const char *name)
{
    if (!name || !*name || name[0] == '/' || strlen(name) >= TZ_NAME_MAX)
        return 0;
    for (const char *p = name; *p; p++) {
        char c = *p;
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '-' || c == '+' || c == '/' || c == '.'))
            return 0;
    }
    if (strstr(name, "..") || strstr(name, "//"))
        return 0;
    return name[strlen(name) - 1] != '/';
}

static const char *tz_dir(const char *dir)
{
    if (dir && *dir)
        return dir;
    const char *env = getenv("TZDIR");
    return env && *env ? env : TZ_DEFAULT_DIR;
}

/* Read at most SC_TZ_FILE_MAX bytes of a regular file. */
static sc_status read_small_file(const char *path, const char *name, unsigned char **out,
                                 size_t *len, sc_error *err)
{
    *out = NULL;
    FILE *f = fopen(path, "rb");
    if (!f)
        return sc_error_set(err, errno == ENOENT || errno == ENOTDIR ? SC_ERR_NOTFOUND
                                                                      : SC_ERR_INPUT,
                            path, "unknown time zone '%s': cannot open %s: %s", name, path,
                            strerror(errno));
    struct stat sb;
    sc_status st = SC_OK;
    unsigned char *buf = NULL;
    if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode)) {
        st = sc_error_set(err, SC_ERR_NOTFOUND, path,
                          "unknown time zone '%s': %s is not a zone file", name, path);
        goto out;
    }
    if (sb.st_size > (off_t)SC_TZ_FILE_MAX) {
        st = sc_error_set(err, SC_ERR_INPUT, path,
                          "time zone '%s': %s is %lld bytes, more than a TZif file can be",
                          name, path, (long long)sb.st_size);
        goto out;
    }
    buf = malloc((size_t)sb.st_size + 1);
    if (!buf) {
        st = sc_error_set(err, SC_ERR_NOMEM, path, "out of memory reading time zone '%s'",
                          name);
        goto out;
    }
    *len = fread(buf, 1, (size_t)sb.st_size, f);
    if (ferror(f)) {
        st = sc_error_set(err, SC_ERR_IO, path, "time zone '%s': read error on %s", name,
                          path);
        goto out;
    }
    *out = buf;
    buf = NULL;
out:
    free(buf);
    fclose(f);
    return st;
}

/* Parse TZif bytes into z (name already set).  Returns NULL or a static description of
 * what is wrong. */
static const char *parse_tzif(const unsigned char *p, size_t len, sc_tz *z, int *nomem)
{
    const unsigned char *end = p + len;
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return "not a TZif file (no \"TZif\" magic)";
    int version = p[4];
    if (version != 0 && (version < '2' || version > '9'))
        return "unknown TZif version byte";
    uint64_t cnt[6]; /* isutcnt, isstdcnt, leapcnt, timecnt, typecnt, charcnt */
    for (int i = 0; i < 6; i++)
        cnt[i] = be_u(p + 20 + 4 * i, 4);
    int tsize = 4;
    uint64_t blk = cnt[3] * 5 + cnt[4] * 6 + cnt[5] + cnt[2] * 8 + cnt[1] + cnt[0];
    p += 44;
    if ((uint64_t)(end - p) < blk)
        return "truncated (the v1 data block is shorter than its header says)";
    if (version >= '2') {
        p += blk;
        if ((uint64_t)(end - p) < 44 || memcmp(p, "TZif", 4) != 0)
            return "truncated or corrupt (no second, 64-bit header)";
        for (int i = 0; i < 6; i++)
            cnt[i] = be_u(p + 20 + 4 * i, 4);
        p += 44;
        tsize = 8;
        blk = cnt[3] * 9 + cnt[4] * 6 + cnt[5] + cnt[2] * 12 + cnt[1] + cnt[0];
        if ((uint64_t)(end - p) < blk)
            return "truncated (the 64-bit data block is shorter than its header says)";
    }
    if (cnt[4] == 0 || cnt[4] > 256)
        return "corrupt: the number of local time types is not in 1..256";
    if ((cnt[0] && cnt[0] != cnt[4]) || (cnt[1] && cnt[1] != cnt[4]))
        return "corrupt: isutcnt/isstdcnt differ from typecnt";
    const unsigned char *times = p, *idx = p + cnt[3] * (uint64_t)tsize,
                        *types = idx + cnt[3];
    for (uint64_t k = 0; k < cnt[4]; k++) {
        int64_t o = (int32_t)(uint32_t)be_u(types + 6 * k, 4);
        if (o <= -TZ_OFF_LIMIT || o >= TZ_OFF_LIMIT)
            return "corrupt: a UTC offset of a day or more";
        if (types[6 * k + 4] > 1 || types[6 * k + 5] >= (cnt[5] ? cnt[5] : 1))
            return "corrupt: a bad isdst flag or abbreviation index";
    }
    z->n = (size_t)cnt[3];
    /* bounded by the file: timecnt * tsize bytes are present */
    z->at = malloc((z->n ? z->n : 1) * sizeof *z->at);
    z->off = malloc((z->n ? z->n : 1) * sizeof *z->off);
    if (!z->at || !z->off) {
        *nomem = 1;
        return "out of memory";
    }
    for (size_t i = 0; i < z->n; i++) {
        uint64_t raw = be_u(times + i * (size_t)tsize, tsize);
        z->at[i] = tsize == 8 ? (int64_t)raw : (int64_t)(int32_t)(uint32_t)raw;
        if (i > 0 && z->at[i] <= z->at[i - 1])
            return "corrupt: transition times are not increasing";
        if (idx[i] >= cnt[4])
            return "corrupt: a transition names a local time type that does not exist";
        z->off[i] = (int32_t)(uint32_t)be_u(types + 6 * idx[i], 4);
    }
    z->first_off = (int32_t)(uint32_t)be_u(types, 4);
    memset(&z->rule, 0, sizeof z->rule);
    if (version >= '2') {
        const unsigned char *f = p + blk;
        if (f >= end || *f != '\n')
            return "truncated (no footer after the 64-bit data)";
        const unsigned char *nl = memchr(f + 1, '\n', (size_t)(end - f - 1));
        if (!nl)
            return "truncated footer (no closing newline)";
        size_t fl = (size_t)(nl - f - 1);
        if (fl >= 256)
            return "corrupt footer (longer than a TZ string can be)";
        char tzs[256];
        memcpy(tzs, f + 1, fl);
        tzs[fl] = '\0';
        if (fl > 0 && parse_posix_tz(tzs, &z->rule) != 0)
            return "corrupt footer (not a POSIX TZ string)";
    }
    return NULL;
}

void sc_tz_free(sc_tz *tz)
{
    if (!tz)
        return;
    free(tz->at);
    free(tz->off);
    free(tz);
}

sc_status sc_tz_load(const char *dir, const char *name, sc_tz **out, sc_error *err)
{
    *out = NULL;
    if (!sc_tz_name_valid(name))
        return sc_error_set(err, SC_ERR_NOTFOUND, NULL,
                            "unknown time zone '%.256s': expected an IANA name such as "
                            "\"Europe/Berlin\" (a relative path without \"..\")",
                            name ? name : "(null)");
    char path[TZ_PATH_MAX];
    int pl = snprintf(path, sizeof path, "%s/%s", tz_dir(dir), name);
    if (pl < 0 || (size_t)pl >= sizeof path)
        return sc_error_set(err, SC_ERR_NOTFOUND, NULL,
                            "unknown time zone '%s': path too long", name);
    unsigned char *buf = NULL;
    size_t len = 0;
    sc_status st = read_small_file(path, name, &buf, &len, err);
    if (st != SC_OK)
        return st;
    st = sc_tz_parse(buf, len, name, path, out, err);
    free(buf);
    return st;
}

sc_status sc_tz_parse(const void *data, size_t len, const char *name, const char *file,
                      sc_tz **out, sc_error *err)
{
    *out = NULL;
    if (!name)
        name = "";
    if (!file)
        file = "<TZif data>";
    sc_tz *z = calloc(1, sizeof *z);
    if (!z)
        return sc_error_set(err, SC_ERR_NOMEM, file, "out of memory reading time zone '%s'",
                            name);
    snprintf(z->name, sizeof z->name, "%s", name);
    int nomem = 0;
    const char *why = parse_tzif(data ? data : "", data ? len : 0, z, &nomem);
    if (why) {
        sc_tz_free(z);
        if (nomem)
            return sc_error_set(err, SC_ERR_NOMEM, file,
                                "out of memory reading time zone '%s'", name);
        return sc_error_set(err, SC_ERR_INPUT, file, "time zone '%s': %s is %s", name, file,
                            why);
    }
    *out = z;
    return SC_OK;
}

/* ---- the cache ------------------------------------------------------------------------- */

typedef struct tz_entry {
    struct tz_entry *next;
    char *dir;  /* directory the zone was read from */
    sc_tz *tz;  /* immutable */
} tz_entry;

static pthread_mutex_t cache_lock = PTHREAD_MUTEX_INITIALIZER; /* serialises inserts */
/* Newest entry first.  Written only under cache_lock, with a release store after the
 * entry is complete; read without the lock with an acquire load: entries are immutable
 * and never removed, so a reader sees either the old list or the new one, both whole. */
static tz_entry *cache_head;

static const sc_tz *cache_find(const char *dir, const char *name)
{
    for (const tz_entry *e = __atomic_load_n(&cache_head, __ATOMIC_ACQUIRE); e; e = e->next)
        if (strcmp(e->tz->name, name) == 0 && strcmp(e->dir, dir) == 0)
            return e->tz;
    return NULL;
}

sc_status sc_tz_get(const char *name, const sc_tz **out, sc_error *err)
{
    *out = NULL;
    const char *dir = tz_dir(NULL);
    const sc_tz *hit = name ? cache_find(dir, name) : NULL; /* lock-free, see above */
    if (hit) {
        *out = hit;
        return SC_OK;
    }
    sc_tz *z = NULL;
    sc_status st = sc_tz_load(dir, name, &z, err);
    if (st != SC_OK)
        return st;
    tz_entry *e = calloc(1, sizeof *e);
    char *d = strdup(dir);
    if (!e || !d) {
        free(e);
        free(d);
        sc_tz_free(z);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory caching time zone '%s'",
                            name);
    }
    pthread_mutex_lock(&cache_lock);
    hit = cache_find(dir, name);
    if (!hit) {
        e->dir = d;
        e->tz = z;
        e->next = cache_head;
        __atomic_store_n(&cache_head, e, __ATOMIC_RELEASE);
        hit = z;
        e = NULL;
        d = NULL;
        z = NULL;
    }
    pthread_mutex_unlock(&cache_lock);
    free(e);
    free(d);
    sc_tz_free(z); /* another thread inserted the same zone first */
    *out = hit;
    return SC_OK;
}

/* ---- conversions ----------------------------------------------------------------------- */

const char *sc_tz_name(const sc_tz *tz)
{
    return tz->name;
}

int32_t sc_tz_offset(const sc_tz *tz, int64_t t_s)
{
    if (tz->n == 0)
        return tz->rule.ok ? rule_offset(&tz->rule, t_s) : tz->first_off;
    if (t_s < tz->at[0])
        return tz->first_off;
    if (t_s > tz->at[tz->n - 1] && tz->rule.ok)
        return rule_offset(&tz->rule, t_s);
    size_t lo = 0, hi = tz->n; /* the last transition <= t_s */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->at[mid] <= t_s)
            lo = mid;
        else
            hi = mid;
    }
    return tz->off[lo];
}

int64_t sc_tz_local_to_utc(const sc_tz *tz, int64_t local_s)
{
    const int64_t reach = 100000; /* > the largest offset: every candidate is in reach */
    int32_t cand[4];
    cand[0] = sc_tz_offset(tz, local_s - reach);
    cand[1] = sc_tz_offset(tz, local_s + reach);
    if (cand[0] == cand[1]) /* no transition within reach (the usual case) */
        return local_s - cand[0];
    cand[2] = sc_tz_offset(tz, local_s - cand[0]);
    cand[3] = sc_tz_offset(tz, local_s - cand[1]);
    int found = 0;
    int64_t best = 0;
    int32_t max_o = cand[0];
    for (int i = 0; i < 4; i++) {
        if (cand[i] > max_o)
            max_o = cand[i];
        int64_t t = local_s - cand[i];
        if (sc_tz_offset(tz, t) == cand[i] && (!found || t < best)) {
            best = t;
            found = 1;
        }
    }
    if (found)
        return best;
    /* a gap: L - max_o is before it, so its offset is the one in force before the gap */
    return local_s - sc_tz_offset(tz, local_s - max_o);
}
