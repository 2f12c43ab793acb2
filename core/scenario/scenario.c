/*
 * scenario.c - read and validate a scenario file (scenario.h; schema in
 * scenarios/README.md).
 *
 * One pass over the cJSON tree, in dependency order, so every name is resolved to an
 * index when it is read: instance types, regions (their price tables refer to types),
 * geographies (home region), the latency matrix (geo x region), the synthetic generator
 * spec, traces, applications (type, geos, traces, regions), policies, output.  Every
 * object is first passed to sc_json_check_keys, so a misspelt key is an error with its
 * JSON path instead of a silently applied default.
 *
 * Invariants of a loaded scenario (the simulator relies on them without re-checking):
 *  - every name is 1..63 characters of [A-Za-z0-9_.-] and unique in its list; policy
 *    labels are unique (policy names may repeat with different parameters);
 *  - n_geos, n_regions, n_types, n_apps, n_policies >= 1; every app has >= 1 demand
 *    source, with distinct (geo, metric) pairs, each naming an existing trace;
 *  - latency_ms is complete (n_geos * n_regions finite values >= 0);
 *  - step_ms > 0 divides warmup_ms and duration_ms; duration_ms > 0;
 *  - prices are >= 0 or NaN (not offered); on_demand is finite for every type a region
 *    lists; a type a region does not list has all prices NaN and capacity_limit 0;
 *  - 0 < target_util <= 1, 0 <= min_instances <= max_instances, max_instances >= 1;
 *  - initial allocations use an option the region offers for the app's type, and the
 *    per-region totals respect max_instances, capacity limits and vCPU quotas.
 *
 * On any error the half-built scenario is freed and *out stays NULL.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */
#include "sculpt/scenario.h"

#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <gsl/gsl_cdf.h>

#include "sculpt/csv.h"
#include "sculpt/json.h"
#include "sculpt/rng.h"

#include "outage_random.h"
#include "spot.h"

/* Phi^-1(0.95): z-score of the 95th percentile of a standard normal. */
#define SC_Z95 1.6448536269514722
/* Longest accepted warm-up + duration: 100 years, far from int64 overflow. */
#define SC_SPAN_MAX_MS (INT64_C(36525) * SC_MS_PER_DAY)

/* The largest meaningful value of every quantity (issue 13: a huge number is refused
 * with its JSON path and this range, never carried into a float-to-integer conversion).
 * Each is orders of magnitude above anything a cloud offers, and small enough that the
 * products the simulator forms (instances x price x hours, boot delay in ms, needs x
 * demand / capacity) stay far inside int64 and double range.  The instance count an
 * app's demand implies is bounded separately once the traces are read
 * (sc_scenario_check_peak, scenario_bounds.c). */
#define SC_CAPACITY_MAX 1e6    /* vcpu and mem_gib of an instance type (largest: 448, 24576) */
#define SC_IO_MAX 1e9          /* io_mbps of an instance type */
#define SC_BOOT_MAX_S 86400.0  /* boot delay parameters, s: one day */
#define SC_PRICE_MAX 1e6       /* USD per instance-hour, per GB of egress */
#define SC_SPOT_RATE_MAX 3600.0 /* spot interruptions per instance-hour: one a second */
#define SC_LATENCY_MAX_MS 1e7  /* latency matrix, access, base and SLO latency: ~2.8 h */
#define SC_NEED_MAX 1e6        /* per-unit needs of an app */
#define SC_SCALE_MAX 1e9       /* demand scale */
#define SC_OFFSET_MAX 1e12     /* |demand offset| */
#define SC_GB_PER_UNIT_MAX 1e6 /* GB per unit-hour leaving a region */
#define SC_PENALTY_MAX 1e9     /* USD per unserved unit-hour */
/* Largest quantile sc_dist_quantile returns, ms: 30 days (see there). */
#define SC_DIST_Q_MAX_MS (30.0 * 86400e3)

#define TRY(expr)                                                                      \
    do {                                                                               \
        sc_status st_ = (expr);                                                        \
        if (st_ != SC_OK)                                                              \
            return st_;                                                                \
    } while (0)

/* Names of a list, hashed: index i + 1 of an entry (stride bytes each, name first) in
 * an open-addressing table of a power-of-two size at least twice the list's length
 * (linear probing; 0 = empty).  The loader resolves the names of the traces and apps
 * through it, which were linear searches per name: quadratic in the apps (10^5 trace
 * names at 10,000 apps x 10 geos).  Only the parse uses it; lookups after the parse
 * (sc_scenario_trace_index) still scan the list. */
typedef struct name_index {
    uint32_t *slot;   /* [mask + 1]: entry index + 1, or 0 */
    size_t mask;      /* table size - 1 */
    const char *base; /* the list's entries */
    size_t stride;    /* bytes per entry */
} name_index;

typedef struct parser {
    sc_json_ctx cx;
    sc_scenario *sc;
    name_index traces_ix; /* $.traces by name, filled as they are read */
    name_index apps_ix;   /* $.apps by name, filled as they are read */
} parser;

/* ---- names -------------------------------------------------------------------------- */

const char *sc_metric_name(sc_metric m)
{
    switch (m) {
    case SC_METRIC_CPU: return "cpu";
    case SC_METRIC_MEM: return "mem";
    case SC_METRIC_IO: return "io";
    case SC_METRIC_LOAD: return "load";
    }
    return "unknown";
}

const char *sc_route_mech_name(sc_route_mech m)
{
    static const char *const names[SC_ROUTE_MECH_COUNT] = {"home", "dns-weighted", "anycast",
                                                           "spill"};
    return (unsigned)m < SC_ROUTE_MECH_COUNT ? names[m] : "?";
}

const char *sc_purchase_name(sc_purchase p)
{
    switch (p) {
    case SC_PURCHASE_ONDEMAND: return "on_demand";
    case SC_PURCHASE_RESERVED: return "reserved";
    case SC_PURCHASE_SPOT: return "spot";
    case SC_PURCHASE_COUNT: break;
    }
    return "unknown";
}

/* ---- distributions ------------------------------------------------------------------ */

double sc_dist_quantile(const sc_dist *d, double u)
{
    if (!d)
        return 0.0;
    if (!(u == u))
        u = 0.5;
    /* Keep u inside (0,1) so the lognormal stays finite at the ends. */
    if (u < 1e-300)
        u = 1e-300;
    if (u > 1.0 - 0x1p-53)
        u = 1.0 - 0x1p-53;
    double q;
    switch (d->kind) {
    case SC_DIST_CONST:
        q = d->a_ms;
        break;
    case SC_DIST_UNIFORM:
        q = d->a_ms + u * (d->b_ms - d->a_ms);
        break;
    case SC_DIST_LOGNORMAL: {
        /* ln X ~ N(mu, sigma^2) with exp(mu) = median and exp(mu + z95 sigma) = p95. */
        if (!(d->a_ms > 0))
            return 0.0;
        double sigma = d->b_ms > d->a_ms ? log(d->b_ms / d->a_ms) / SC_Z95 : 0.0;
        q = d->a_ms * exp(sigma * gsl_cdf_ugaussian_Pinv(u));
        break;
    }
    default:
        q = 0.0;
    }
    /* A lognormal with a tiny median and a large p95 has a tail far beyond any delay
     * (exp of hundreds at u near 1): cut it at SC_DIST_Q_MAX_MS, so the caller's
     * conversion to integer milliseconds is always defined.  Inputs are bounded by
     * SC_BOOT_MAX_S, so const and uniform never reach the cut. */
    if (!(q > 0))
        return 0.0;
    return q < SC_DIST_Q_MAX_MS ? q : SC_DIST_Q_MAX_MS;
}

/* ---- lookups ------------------------------------------------------------------------ */

/* Every entity struct starts with char name[SC_NAME_MAX], so one search serves all. */
static int find_name(const void *base, size_t n, size_t stride, const char *name)
{
    if (!name)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (strcmp((const char *)base + i * stride, name) == 0)
            return (int)i;
    return -1;
}

/* FNV-1a, 64 bits. */
static uint64_t name_hash(const char *s)
{
    uint64_t h = UINT64_C(14695981039346656037);
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * UINT64_C(1099511628211);
    return h;
}

/* An empty index for up to n entries of the list at base.  0 or -1 (out of memory). */
static int name_index_init(name_index *ix, const void *base, size_t n, size_t stride)
{
    size_t cap = 16;
    while (cap < 2 * n)
        cap *= 2;
    ix->slot = calloc(cap, sizeof *ix->slot);
    ix->mask = cap - 1;
    ix->base = base;
    ix->stride = stride;
    return ix->slot ? 0 : -1;
}

static void name_index_cleanup(name_index *ix)
{
    free(ix->slot);
    ix->slot = NULL;
}

/* The table position of `name`: its entry's, or the empty one where it would go. */
static size_t name_index_pos(const name_index *ix, const char *name)
{
    size_t h = (size_t)name_hash(name) & ix->mask;
    while (ix->slot[h] &&
           strcmp(ix->base + (size_t)(ix->slot[h] - 1) * ix->stride, name) != 0)
        h = (h + 1) & ix->mask;
    return h;
}

/* Index of the entry named `name`, or -1. */
static int name_index_find(const name_index *ix, const char *name)
{
    return name ? (int)ix->slot[name_index_pos(ix, name)] - 1 : -1;
}

/* Add entry i (its name not yet in the index). */
static void name_index_add(name_index *ix, size_t i)
{
    ix->slot[name_index_pos(ix, ix->base + i * ix->stride)] = (uint32_t)(i + 1);
}

static void list_names(const void *base, size_t n, size_t stride, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        const char *nm = (const char *)base + i * stride;
        if (len + strlen(nm) + 8 >= cap) {
            snprintf(buf + len, cap - len, ", ...");
            return;
        }
        len += (size_t)snprintf(buf + len, cap - len, "%s%s", i ? ", " : "", nm);
    }
    if (n == 0)
        snprintf(buf, cap, "(none)");
}

int sc_scenario_region_index(const sc_scenario *sc, const char *name)
{
    return sc ? find_name(sc->regions, sc->n_regions, sizeof *sc->regions, name) : -1;
}

int sc_scenario_geo_index(const sc_scenario *sc, const char *name)
{
    return sc ? find_name(sc->geos, sc->n_geos, sizeof *sc->geos, name) : -1;
}

int sc_scenario_type_index(const sc_scenario *sc, const char *name)
{
    return sc ? find_name(sc->types, sc->n_types, sizeof *sc->types, name) : -1;
}

int sc_scenario_trace_index(const sc_scenario *sc, const char *name)
{
    return sc ? find_name(sc->traces, sc->n_traces, sizeof *sc->traces, name) : -1;
}

double sc_scenario_slo_objective(const sc_scenario *sc)
{
    if (!sc || sc->n_apps == 0)
        return SC_SLO_ATTAINMENT_DEFAULT;
    double sum = 0;
    for (size_t a = 0; a < sc->n_apps; a++)
        sum += sc->apps[a].slo.attainment;
    return sum / (double)sc->n_apps;
}

/* ---- parsing helpers ---------------------------------------------------------------- */

static int name_char_ok(int c)
{
    return isalnum(c) || c == '_' || c == '.' || c == '-';
}

static sc_status check_name(parser *p, const char *path, const char *key, const char *s)
{
    if (!s[0])
        return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key, "expected a non-empty name");
    for (const char *c = s; *c; c++)
        if (!name_char_ok((unsigned char)*c))
            return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key,
                                "invalid character '%c' in name \"%s\" (names use letters, "
                                "digits, '_', '.' and '-')",
                                (*c >= 0x20 && *c < 0x7f) ? *c : '?', s);
    return SC_OK;
}

/* Read a required name at obj.key into out[SC_NAME_MAX]. */
static sc_status get_name(parser *p, const cJSON *obj, const char *path, const char *key,
                          char *out)
{
    TRY(sc_json_get_string_buf(&p->cx, obj, path, key, SC_JSON_REQUIRED, NULL, out,
                               SC_NAME_MAX));
    return check_name(p, path, key, out);
}

/* `name` (read at path.key) must be one of the n entries at base; *out = its index.
 * With ix (an index of all n entries) the name is looked up there. */
static sc_status resolve_ix(parser *p, const char *path, const char *key, const char *what,
                            const char *name, const void *base, size_t n, size_t stride,
                            const name_index *ix, int *out)
{
    int i = ix ? name_index_find(ix, name) : find_name(base, n, stride, name);
    if (i < 0) {
        char list[400];
        list_names(base, n, stride, list, sizeof list);
        return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key, "unknown %s '%s'; valid %ss: %s",
                            what, name, what, list);
    }
    *out = i;
    return SC_OK;
}

static sc_status resolve(parser *p, const char *path, const char *key, const char *what,
                         const char *name, const void *base, size_t n, size_t stride,
                         int *out)
{
    return resolve_ix(p, path, key, what, name, base, n, stride, NULL, out);
}

/* The i-th of n entries (stride bytes each) repeats the name of an earlier one?  With
 * ix (the index of entries 0..i-1), it is searched there and entry i is added. */
static sc_status check_unique_ix(parser *p, const char *list_path, const void *base,
                                 size_t i, size_t stride, const char *what, name_index *ix)
{
    const char *nm = (const char *)base + i * stride;
    int j = ix ? name_index_find(ix, nm) : find_name(base, i, stride, nm);
    if (j >= 0) {
        char ip[SC_JSON_PATH_MAX];
        sc_json_path_index(ip, list_path, i);
        return sc_json_fail(&p->cx, SC_ERR_INPUT, ip, "name",
                            "duplicate %s name '%s' (also at %s[%d]); names must be unique",
                            what, nm, list_path, j);
    }
    if (ix)
        name_index_add(ix, i);
    return SC_OK;
}

static sc_status check_unique(parser *p, const char *list_path, const void *base, size_t i,
                              size_t stride, const char *what)
{
    return check_unique_ix(p, list_path, base, i, stride, what, NULL);
}

/* A required, non-empty array at obj.key; *n = its length. */
static sc_status get_list(parser *p, const cJSON *obj, const char *path, const char *key,
                          const cJSON **arr, size_t *n)
{
    TRY(sc_json_get_array(&p->cx, obj, path, key, SC_JSON_REQUIRED, arr));
    int sz = cJSON_GetArraySize(*arr);
    if (sz <= 0)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key,
                            "expected a non-empty array");
    *n = (size_t)sz;
    return SC_OK;
}

static sc_status nomem(parser *p)
{
    return sc_json_fail(&p->cx, SC_ERR_NOMEM, "$", NULL, "out of memory");
}

/* Resolve a file path named at path.key against the scenario's directory. */
static sc_status resolve_path(parser *p, const char *path, const char *key, const char *rel,
                              char *out, size_t cap)
{
    if (!rel[0])
        return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key, "expected a non-empty file path");
    int w;
    if (rel[0] == '/' || strcmp(p->sc->dir, ".") == 0)
        w = snprintf(out, cap, "%s", rel);
    else
        w = snprintf(out, cap, "%s/%s", p->sc->dir, rel);
    if (w < 0 || (size_t)w >= cap)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key, "file path longer than %zu bytes",
                            cap - 1);
    return SC_OK;
}

/* A time zone: "UTC", "+05:30"-style offset or an IANA name known to the system. */
static sc_status check_tz(parser *p, const char *path, const char *key, const char *tz)
{
    sc_time_ms t;
    if (tz[0] && sc_time_parse("2000-01-01T00:00:00", tz, &t) != SC_OK)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key,
                            "unknown time zone \"%s\" (expected \"UTC\", an offset such as "
                            "\"-04:00\", or an IANA name such as \"America/New_York\")",
                            tz);
    return SC_OK;
}

/* ---- top level: name, seed, times ----------------------------------------------------- */

static const char *const top_keys[] = {
    "name",    "seed",       "start",  "warmup",    "duration", "step",     "geos",   "regions",
    "instance_types", "latency_ms", "network", "apps", "traces", "synthetic", "policies", "output",
    "live" /* read by live mode: sc_live_section_read (core/live/guard.c) */, NULL};

static sc_status parse_seed(parser *p, const cJSON *root)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "seed");
    p->sc->seed = 1;
    if (!it || cJSON_IsNull(it))
        return SC_OK;
    if (cJSON_IsString(it) && it->valuestring) {
        /* A decimal string carries seeds above 2^53 exactly. */
        const char *s = it->valuestring;
        uint64_t v = 0;
        int ok = s[0] != '\0';
        for (const char *c = s; ok && *c; c++) {
            if (!isdigit((unsigned char)*c) || v > (UINT64_MAX - (uint64_t)(*c - '0')) / 10)
                ok = 0;
            else
                v = v * 10 + (uint64_t)(*c - '0');
        }
        if (!ok)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "seed",
                                "expected a non-negative integer or a decimal string below "
                                "2^64, got \"%s\"",
                                s);
        p->sc->seed = v;
        return SC_OK;
    }
    int64_t v;
    if (!cJSON_IsNumber(it))
        return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "seed",
                            "expected a non-negative integer, got %s", sc_json_type_name(it));
    TRY(sc_json_get_int(&p->cx, root, "$", "seed", SC_JSON_REQUIRED, 1, &v));
    if (v < 0)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "seed",
                            "expected a non-negative integer, got %lld", (long long)v);
    p->sc->seed = (uint64_t)v;
    return SC_OK;
}

static void fmt_dur(int64_t ms, char *buf, size_t cap)
{
    static const struct { int64_t ms; const char *unit; } units[] = {
        {SC_MS_PER_DAY, "d"}, {SC_MS_PER_HOUR, "h"}, {SC_MS_PER_MIN, "m"},
        {SC_MS_PER_SEC, "s"}, {1, "ms"}};
    if (ms == 0) {
        snprintf(buf, cap, "0s");
        return;
    }
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
        if (ms % units[i].ms == 0) {
            snprintf(buf, cap, "%lld%s", (long long)(ms / units[i].ms), units[i].unit);
            return;
        }
}

static sc_status parse_times(parser *p, const cJSON *root)
{
    sc_scenario *sc = p->sc;
    TRY(sc_json_get_time(&p->cx, root, "$", "start", SC_JSON_REQUIRED, 0, NULL, &sc->start));
    if (sc->start < -(INT64_C(1) << 60) || sc->start > (INT64_C(1) << 60))
        return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "start", "timestamp out of range");
    TRY(sc_json_get_duration(&p->cx, root, "$", "warmup", SC_JSON_OPTIONAL, 0, 0,
                             &sc->warmup_ms));
    TRY(sc_json_get_duration(&p->cx, root, "$", "duration", SC_JSON_REQUIRED, 0, 1,
                             &sc->duration_ms));
    TRY(sc_json_get_duration(&p->cx, root, "$", "step", SC_JSON_OPTIONAL, 5 * SC_MS_PER_MIN, 1,
                             &sc->step_ms));
    if (sc->warmup_ms > SC_SPAN_MAX_MS || sc->duration_ms > SC_SPAN_MAX_MS ||
        sc->warmup_ms + sc->duration_ms > SC_SPAN_MAX_MS)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "duration",
                            "warmup + duration exceeds 100 years");
    char sb[32], vb[32];
    fmt_dur(sc->step_ms, sb, sizeof sb);
    if (sc->warmup_ms % sc->step_ms != 0) {
        fmt_dur(sc->warmup_ms, vb, sizeof vb);
        return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "warmup",
                            "warmup %s is not a multiple of step %s", vb, sb);
    }
    if (sc->duration_ms % sc->step_ms != 0) {
        fmt_dur(sc->duration_ms, vb, sizeof vb);
        return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "duration",
                            "duration %s is not a multiple of step %s", vb, sb);
    }
    return SC_OK;
}

/* ---- instance types --------------------------------------------------------------- */

static sc_status parse_types(parser *p, const cJSON *root)
{
    static const char *const keys[] = {"name", "vcpu", "mem_gib", "io_mbps", NULL};
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    size_t n;
    TRY(get_list(p, root, "$", "instance_types", &arr, &n));
    if (!(sc->types = calloc(n, sizeof *sc->types)))
        return nomem(p);
    sc->n_types = n;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char ip[SC_JSON_PATH_MAX];
        sc_json_path_index(ip, "$.instance_types", i);
        sc_instance_type *t = &sc->types[i];
        TRY(sc_json_check_keys(&p->cx, it, ip, keys));
        TRY(get_name(p, it, ip, "name", t->name));
        TRY(check_unique(p, "$.instance_types", sc->types, i, sizeof *t, "instance type"));
        double *c = t->capacity;
        TRY(sc_json_get_number(&p->cx, it, ip, "vcpu", SC_JSON_REQUIRED, 0, &c[SC_METRIC_CPU]));
        TRY(sc_json_check_range(&p->cx, ip, "vcpu", c[SC_METRIC_CPU], 0, SC_CAPACITY_MAX,
                                "(]"));
        TRY(sc_json_get_number(&p->cx, it, ip, "mem_gib", SC_JSON_REQUIRED, 0,
                               &c[SC_METRIC_MEM]));
        TRY(sc_json_check_range(&p->cx, ip, "mem_gib", c[SC_METRIC_MEM], 0, SC_CAPACITY_MAX,
                                "(]"));
        TRY(sc_json_get_number(&p->cx, it, ip, "io_mbps", SC_JSON_OPTIONAL, 0,
                               &c[SC_METRIC_IO]));
        TRY(sc_json_check_range(&p->cx, ip, "io_mbps", c[SC_METRIC_IO], 0, SC_IO_MAX, "[]"));
        i++;
    }
    return SC_OK;
}

/* ---- regions ------------------------------------------------------------------------ */

static sc_status parse_boot(parser *p, const cJSON *reg, const char *rp, sc_dist *d)
{
    static const char *const kc[] = {"dist", "value_s", NULL};
    static const char *const ku[] = {"dist", "min_s", "max_s", NULL};
    static const char *const kl[] = {"dist", "median_s", "p95_s", NULL};
    const cJSON *b;
    TRY(sc_json_get_object(&p->cx, reg, rp, "boot", SC_JSON_REQUIRED, &b));
    char bp[SC_JSON_PATH_MAX];
    sc_json_path_key(bp, rp, "boot");
    const char *kind;
    TRY(sc_json_get_string(&p->cx, b, bp, "dist", SC_JSON_REQUIRED, NULL, &kind));
    double a = 0, c = 0;
    if (strcmp(kind, "const") == 0) {
        TRY(sc_json_check_keys(&p->cx, b, bp, kc));
        TRY(sc_json_get_number(&p->cx, b, bp, "value_s", SC_JSON_REQUIRED, 0, &a));
        TRY(sc_json_check_range(&p->cx, bp, "value_s", a, 0, SC_BOOT_MAX_S, "[]"));
        d->kind = SC_DIST_CONST;
        c = a;
    } else if (strcmp(kind, "uniform") == 0) {
        TRY(sc_json_check_keys(&p->cx, b, bp, ku));
        TRY(sc_json_get_number(&p->cx, b, bp, "min_s", SC_JSON_REQUIRED, 0, &a));
        TRY(sc_json_check_range(&p->cx, bp, "min_s", a, 0, SC_BOOT_MAX_S, "[]"));
        TRY(sc_json_get_number(&p->cx, b, bp, "max_s", SC_JSON_REQUIRED, 0, &c));
        TRY(sc_json_check_range(&p->cx, bp, "max_s", c, a, SC_BOOT_MAX_S, "[]"));
        d->kind = SC_DIST_UNIFORM;
    } else if (strcmp(kind, "lognormal") == 0) {
        TRY(sc_json_check_keys(&p->cx, b, bp, kl));
        TRY(sc_json_get_number(&p->cx, b, bp, "median_s", SC_JSON_REQUIRED, 0, &a));
        TRY(sc_json_check_range(&p->cx, bp, "median_s", a, 0, SC_BOOT_MAX_S, "(]"));
        TRY(sc_json_get_number(&p->cx, b, bp, "p95_s", SC_JSON_REQUIRED, 0, &c));
        if (!(c >= a))
            return sc_json_fail(&p->cx, SC_ERR_INPUT, bp, "p95_s",
                                "expected p95_s >= median_s (%.15g), got %.15g", a, c);
        TRY(sc_json_check_range(&p->cx, bp, "p95_s", c, a, SC_BOOT_MAX_S, "[]"));
        d->kind = SC_DIST_LOGNORMAL;
    } else {
        return sc_json_fail(&p->cx, SC_ERR_INPUT, bp, "dist",
                            "unknown distribution '%s'; valid distributions: const, uniform, "
                            "lognormal",
                            kind);
    }
    d->a_ms = a * 1000.0;
    d->b_ms = c * 1000.0;
    return SC_OK;
}

static sc_status parse_price(parser *p, const cJSON *obj, const char *tp, const char *key,
                             sc_json_req req, double *out)
{
    TRY(sc_json_get_number(&p->cx, obj, tp, key, req, NAN, out));
    if (!isnan(*out))
        TRY(sc_json_check_range(&p->cx, tp, key, *out, 0, SC_PRICE_MAX, "[]"));
    return SC_OK;
}

static sc_status parse_region_types(parser *p, const cJSON *reg, const char *rp, sc_region *r)
{
    static const char *const keys[] = {"on_demand", "reserved", "spot", "capacity_limit", NULL};
    sc_scenario *sc = p->sc;
    for (size_t k = 0; k < sc->n_types; k++) {
        for (int o = 0; o < SC_PURCHASE_COUNT; o++)
            r->types[k].price_per_hour[o] = NAN;
        r->types[k].capacity_limit = 0; /* not listed = not offered */
    }
    const cJSON *tobj;
    TRY(sc_json_get_object(&p->cx, reg, rp, "types", SC_JSON_REQUIRED, &tobj));
    char tsp[SC_JSON_PATH_MAX];
    sc_json_path_key(tsp, rp, "types");
    TRY(sc_json_check_unique_keys(&p->cx, tobj, tsp));
    int listed = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, tobj)
    {
        const char *tn = it->string ? it->string : "";
        if (sc_json_is_comment_key(tn))
            continue;
        int k;
        TRY(resolve(p, tsp, tn, "instance type", tn, sc->types, sc->n_types,
                    sizeof *sc->types, &k));
        char tp[SC_JSON_PATH_MAX];
        sc_json_path_key(tp, tsp, tn);
        TRY(sc_json_check_keys(&p->cx, it, tp, keys));
        sc_region_type *rt = &r->types[k];
        TRY(parse_price(p, it, tp, "on_demand", SC_JSON_REQUIRED,
                        &rt->price_per_hour[SC_PURCHASE_ONDEMAND]));
        TRY(parse_price(p, it, tp, "reserved", SC_JSON_OPTIONAL,
                        &rt->price_per_hour[SC_PURCHASE_RESERVED]));
        TRY(parse_price(p, it, tp, "spot", SC_JSON_OPTIONAL,
                        &rt->price_per_hour[SC_PURCHASE_SPOT]));
        TRY(sc_json_get_int_range(&p->cx, it, tp, "capacity_limit", SC_JSON_OPTIONAL, -1, 0,
                                  INT32_MAX, &rt->capacity_limit));
        listed++;
    }
    if (!listed)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "types",
                            "expected at least one instance type with its prices");
    return SC_OK;
}

/* $.regions[i].outages: scheduled windows of lost capacity, inside the run, in order. */
static sc_status parse_outages(parser *p, const cJSON *reg, const char *rp, sc_region *r)
{
    static const char *const keys[] = {"start", "duration", "lost", NULL};
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    TRY(sc_json_get_array(&p->cx, reg, rp, "outages", SC_JSON_OPTIONAL, &arr));
    if (!arr)
        return SC_OK;
    size_t n = (size_t)cJSON_GetArraySize(arr);
    if (n == 0)
        return SC_OK;
    if (!(r->outages = calloc(n, sizeof *r->outages)))
        return nomem(p);
    char lp[SC_JSON_PATH_MAX];
    sc_json_path_key(lp, rp, "outages");
    sc_time_ms end = sc->start + sc->warmup_ms + sc->duration_ms;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char op[SC_JSON_PATH_MAX];
        sc_json_path_index(op, lp, i);
        sc_outage *o = &r->outages[i];
        TRY(sc_json_check_keys(&p->cx, it, op, keys));
        TRY(sc_json_get_time(&p->cx, it, op, "start", SC_JSON_REQUIRED, 0, NULL, &o->start_ms));
        TRY(sc_json_get_duration(&p->cx, it, op, "duration", SC_JSON_REQUIRED, 0, 1,
                                 &o->duration_ms));
        TRY(sc_json_get_number(&p->cx, it, op, "lost", SC_JSON_OPTIONAL, 1.0, &o->lost));
        TRY(sc_json_check_range(&p->cx, op, "lost", o->lost, 0, 1, "(]"));
        if (o->start_ms < sc->start || o->duration_ms > end - o->start_ms)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, op, "start",
                                "the outage window must lie inside the run (warm-up start to "
                                "the end of the measured period)");
        if (i > 0 && o->start_ms < r->outages[i - 1].start_ms + r->outages[i - 1].duration_ms)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, op, "start",
                                "outage windows of a region must be in order and not overlap");
        i++;
    }
    r->n_outages = n;
    sc->has_outages = 1;
    return SC_OK;
}

/* $.regions[i].mtbf, mttr: random outages (outage_random.c), drawn from the scenario's
 * seed and merged with the scheduled windows already parsed. */
static sc_status parse_random_outages(parser *p, const cJSON *reg, const char *rp,
                                      sc_region *r)
{
    sc_scenario *sc = p->sc;
    const cJSON *mtbf = cJSON_GetObjectItemCaseSensitive(reg, "mtbf");
    const cJSON *mttr = cJSON_GetObjectItemCaseSensitive(reg, "mttr");
    if (!mtbf && !mttr)
        return SC_OK;
    if (!mtbf)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "mttr",
                            "mttr needs mtbf: random outages take both (or neither)");
    if (!mttr)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "mtbf",
                            "mtbf needs mttr: random outages take both (or neither)");
    TRY(sc_json_get_duration(&p->cx, reg, rp, "mtbf", SC_JSON_REQUIRED, 0, 1, &r->mtbf_ms));
    TRY(sc_json_get_duration(&p->cx, reg, rp, "mttr", SC_JSON_REQUIRED, 0, 1, &r->mttr_ms));
    if (r->mtbf_ms > SC_SPAN_MAX_MS)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "mtbf",
                            "expected at most 100 years (36525d)");
    if (r->mttr_ms > SC_SPAN_MAX_MS)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "mttr",
                            "expected at most 100 years (36525d)");
    sc_time_ms t0 = sc->start, t1 = sc->start + sc->warmup_ms + sc->duration_ms;
    double expected = (double)(t1 - t0) / ((double)r->mtbf_ms + (double)r->mttr_ms);
    if (expected > SC_OUTAGE_RANDOM_EXPECTED_MAX)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "mtbf",
                            "expected at most %d random outages per region over the run, "
                            "got (warm-up + duration) / (mtbf + mttr) = %.6g",
                            SC_OUTAGE_RANDOM_EXPECTED_MAX, expected);
    sc_outage *rnd, *merged;
    size_t n_rnd, n_merged;
    sc_status st = sc_outage_random_draw(sc->seed, r->name, r->mtbf_ms, r->mttr_ms, t0, t1,
                                         &rnd, &n_rnd);
    if (st == SC_ERR_NOMEM)
        return nomem(p);
    if (st)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "mtbf",
                            "more than %d random outages drawn over the run",
                            SC_OUTAGE_RANDOM_WINDOWS_MAX);
    st = sc_outage_merge(r->outages, r->n_outages, rnd, n_rnd, &merged, &n_merged);
    free(rnd);
    if (st)
        return nomem(p);
    free(r->outages);
    r->outages = merged;
    r->n_outages = n_merged;
    r->n_outages_random = n_rnd;
    sc->has_outages = 1; /* outage_violation_minutes is reported (0 without a window) */
    return SC_OK;
}

static sc_status parse_regions(parser *p, const cJSON *root)
{
    static const char *const keys[] = {"name",          "boot",          "vcpu_quota",
                                       "spot_interrupt_per_hour",        "egress_per_gb",
                                       "reserved_term", "api_rate_per_sec", "types",
                                       "outages", "mtbf", "mttr",
                                       "spot_stockouts", "spot_price", NULL}; /* spot.h */
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    size_t n;
    TRY(get_list(p, root, "$", "regions", &arr, &n));
    if (!(sc->regions = calloc(n, sizeof *sc->regions)))
        return nomem(p);
    sc->n_regions = n;
    for (size_t i = 0; i < n; i++)
        if (!(sc->regions[i].types = calloc(sc->n_types, sizeof *sc->regions[i].types)))
            return nomem(p);
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char rp[SC_JSON_PATH_MAX];
        sc_json_path_index(rp, "$.regions", i);
        sc_region *r = &sc->regions[i];
        TRY(sc_json_check_keys(&p->cx, it, rp, keys));
        TRY(get_name(p, it, rp, "name", r->name));
        TRY(check_unique(p, "$.regions", sc->regions, i, sizeof *r, "region"));
        TRY(parse_boot(p, it, rp, &r->boot));
        TRY(sc_json_get_int_range(&p->cx, it, rp, "vcpu_quota", SC_JSON_OPTIONAL, -1, 0,
                                  INT32_MAX, &r->vcpu_quota));
        TRY(sc_json_get_number(&p->cx, it, rp, "spot_interrupt_per_hour", SC_JSON_OPTIONAL, 0,
                               &r->spot_interrupt_per_hour));
        TRY(sc_json_check_range(&p->cx, rp, "spot_interrupt_per_hour",
                                r->spot_interrupt_per_hour, 0, SC_SPOT_RATE_MAX, "[]"));
        TRY(sc_json_get_number(&p->cx, it, rp, "egress_per_gb", SC_JSON_OPTIONAL, 0,
                               &r->egress_per_gb));
        TRY(sc_json_check_range(&p->cx, rp, "egress_per_gb", r->egress_per_gb, 0,
                                SC_PRICE_MAX, "[]"));
        TRY(sc_json_get_duration(&p->cx, it, rp, "reserved_term", SC_JSON_OPTIONAL,
                                 365 * SC_MS_PER_DAY, 1, &r->reserved_term_ms));
        if (r->reserved_term_ms > SC_SPAN_MAX_MS)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "reserved_term",
                                "expected a term of at most 100 years (36525d)");
        TRY(sc_json_get_int_range(&p->cx, it, rp, "api_rate_per_sec", SC_JSON_OPTIONAL, 0, 0,
                                  INT32_MAX, &r->api_rate_per_sec));
        TRY(parse_region_types(p, it, rp, r));
        TRY(parse_outages(p, it, rp, r));
        TRY(parse_random_outages(p, it, rp, r));
        TRY(sc_spot_parse_region(&p->cx, sc, it, rp, r)); /* spot market: spot_parse.c */
        i++;
    }
    return SC_OK;
}

/* ---- geographies and the latency matrix --------------------------------------------- */

/* $.geos[i].routing (scenarios/README.md, "Routing").  Defaults are the real ones of
 * the services each mechanism stands for, with sources in the README. */
static sc_status parse_routing(parser *p, const cJSON *geo, const char *gp, sc_geo *g)
{
    static const char *const k_dns[] = {"mechanism", "weights", "propagation", "ttl",
                                        "sticky_frac", "sticky", "change_rate_per_sec",
                                        "change_burst", "health_check", NULL};
    static const char *const k_any[] = {"mechanism", "weights", "propagation", "connection",
                                        "change_rate_per_sec", "change_burst",
                                        "health_check", NULL};
    static const char *const k_spill[] = {"mechanism", "weights", "max_utilization",
                                          "health_check", NULL};
    static const char *const k_hc[] = {"interval", "threshold", NULL};
    sc_scenario *sc = p->sc;
    sc_geo_routing *rt = &g->routing;
    const cJSON *obj;
    TRY(sc_json_get_object(&p->cx, geo, gp, "routing", SC_JSON_OPTIONAL, &obj));
    if (!obj)
        return SC_OK;
    char rp[SC_JSON_PATH_MAX];
    sc_json_path_key(rp, gp, "routing");
    const char *mech;
    TRY(sc_json_get_string(&p->cx, obj, rp, "mechanism", SC_JSON_OPTIONAL, "home", &mech));
    int mi = -1;
    for (int m = 0; m < SC_ROUTE_MECH_COUNT; m++)
        if (strcmp(mech, sc_route_mech_name((sc_route_mech)m)) == 0)
            mi = m;
    if (mi < 0)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "mechanism",
                            "unknown mechanism '%s'; valid: home, dns-weighted, anycast, "
                            "spill",
                            mech);
    rt->mech = (sc_route_mech)mi;
    if (rt->mech == SC_ROUTE_HOME) {
        static const char *const k_home[] = {"mechanism", NULL};
        return sc_json_check_keys(&p->cx, obj, rp, k_home);
    }
    sc->routed = 1;
    TRY(sc_json_check_keys(&p->cx, obj, rp,
                           rt->mech == SC_ROUTE_DNS       ? k_dns
                           : rt->mech == SC_ROUTE_ANYCAST ? k_any
                                                          : k_spill));
    if (!(rt->weights = calloc(sc->n_regions, sizeof *rt->weights)))
        return nomem(p);
    const cJSON *w;
    TRY(sc_json_get_object(&p->cx, obj, rp, "weights", SC_JSON_OPTIONAL, &w));
    /* spill: every region at full capacity; weighted: a record for home only (a region
     * without a record, -1, is never answered until a set_weight creates it) */
    for (size_t r = 0; r < sc->n_regions; r++)
        rt->weights[r] = rt->mech == SC_ROUTE_SPILL ? SC_ROUTE_WEIGHT_MAX
                         : (int)r == g->home_region ? (w ? -1 : SC_ROUTE_WEIGHT_MAX)
                                                    : -1;
    if (w) {
        char wp[SC_JSON_PATH_MAX];
        sc_json_path_key(wp, rp, "weights");
        TRY(sc_json_check_unique_keys(&p->cx, w, wp));
        long sum = 0;
        const cJSON *cell;
        cJSON_ArrayForEach(cell, w)
        {
            const char *rn = cell->string ? cell->string : "";
            if (sc_json_is_comment_key(rn))
                continue;
            int r;
            TRY(resolve(p, wp, rn, "region", rn, sc->regions, sc->n_regions,
                        sizeof *sc->regions, &r));
            int v;
            TRY(sc_json_get_int_range(&p->cx, w, wp, rn, SC_JSON_REQUIRED, 0, 0,
                                      SC_ROUTE_WEIGHT_MAX, &v));
            rt->weights[r] = v;
            sum += v;
        }
        if (sum <= 0)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "weights",
                                "weights must sum to a positive total (each 0..%d)",
                                SC_ROUTE_WEIGHT_MAX);
    }
    /* Route 53: changes reach every name server within 60 s (GetChange INSYNC); AWS
     * recommends a TTL of 60 s or less with health checks; the API allows 5 requests/s
     * per account; health checks every 30 s, unhealthy after 3 failures.  Anycast
     * (Global Accelerator): weight changes act within seconds, open connections stay. */
    int64_t d_delay = rt->mech == SC_ROUTE_DNS ? 60000 : rt->mech == SC_ROUTE_ANYCAST ? 5000 : 0;
    int64_t d_hold = rt->mech == SC_ROUTE_DNS ? 60000 : rt->mech == SC_ROUTE_ANYCAST ? 60000 : 0;
    rt->delay_ms = d_delay;
    rt->hold_ms = d_hold;
    rt->sticky_frac = 0.0;
    rt->sticky_ms = rt->hold_ms;
    rt->change_rate_per_sec = rt->mech == SC_ROUTE_SPILL ? 0.0 : 5.0;
    rt->change_burst = rt->mech == SC_ROUTE_SPILL ? 0 : 5;
    if (rt->mech != SC_ROUTE_SPILL) {
        TRY(sc_json_get_duration(&p->cx, obj, rp, "propagation", SC_JSON_OPTIONAL, d_delay, 0,
                                 &rt->delay_ms));
        TRY(sc_json_get_duration(&p->cx, obj, rp,
                                 rt->mech == SC_ROUTE_DNS ? "ttl" : "connection",
                                 SC_JSON_OPTIONAL, d_hold, 0, &rt->hold_ms));
        rt->sticky_ms = rt->hold_ms;
        TRY(sc_json_get_number(&p->cx, obj, rp, "change_rate_per_sec", SC_JSON_OPTIONAL, 5.0,
                               &rt->change_rate_per_sec));
        TRY(sc_json_check_range(&p->cx, rp, "change_rate_per_sec", rt->change_rate_per_sec, 0,
                                1e6, "[]"));
        TRY(sc_json_get_int_range(&p->cx, obj, rp, "change_burst", SC_JSON_OPTIONAL, 5, 1,
                                  1000000, &rt->change_burst));
    }
    rt->max_util = 0.8;
    if (rt->mech == SC_ROUTE_SPILL) {
        TRY(sc_json_get_number(&p->cx, obj, rp, "max_utilization", SC_JSON_OPTIONAL, 0.8,
                               &rt->max_util));
        TRY(sc_json_check_range(&p->cx, rp, "max_utilization", rt->max_util, 0, 1, "(]"));
    }
    if (rt->mech == SC_ROUTE_DNS) {
        TRY(sc_json_get_number(&p->cx, obj, rp, "sticky_frac", SC_JSON_OPTIONAL, 0.0,
                               &rt->sticky_frac));
        TRY(sc_json_check_range(&p->cx, rp, "sticky_frac", rt->sticky_frac, 0, 1, "[]"));
        TRY(sc_json_get_duration(&p->cx, obj, rp, "sticky", SC_JSON_OPTIONAL, rt->hold_ms, 0,
                                 &rt->sticky_ms));
        if (rt->sticky_ms < rt->hold_ms)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "sticky",
                                "expected a duration at least the ttl (sticky clients keep "
                                "answers longer than the TTL)");
    }
    rt->hc_interval_ms = 30000;
    rt->hc_threshold = 3;
    const cJSON *hc;
    TRY(sc_json_get_object(&p->cx, obj, rp, "health_check", SC_JSON_OPTIONAL, &hc));
    if (hc) {
        char hp[SC_JSON_PATH_MAX];
        sc_json_path_key(hp, rp, "health_check");
        TRY(sc_json_check_keys(&p->cx, hc, hp, k_hc));
        TRY(sc_json_get_duration(&p->cx, hc, hp, "interval", SC_JSON_OPTIONAL, 30000, 1,
                                 &rt->hc_interval_ms));
        TRY(sc_json_get_int_range(&p->cx, hc, hp, "threshold", SC_JSON_OPTIONAL, 3, 0, 10,
                                  &rt->hc_threshold));
    }
    return SC_OK;
}

static sc_status parse_geos(parser *p, const cJSON *root)
{
    static const char *const keys[] = {"name", "home_region", "tz", "routing", NULL};
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    size_t n;
    TRY(get_list(p, root, "$", "geos", &arr, &n));
    if (!(sc->geos = calloc(n, sizeof *sc->geos)))
        return nomem(p);
    sc->n_geos = n;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char gp[SC_JSON_PATH_MAX];
        sc_json_path_index(gp, "$.geos", i);
        sc_geo *g = &sc->geos[i];
        TRY(sc_json_check_keys(&p->cx, it, gp, keys));
        TRY(get_name(p, it, gp, "name", g->name));
        TRY(check_unique(p, "$.geos", sc->geos, i, sizeof *g, "geo"));
        const char *hr;
        TRY(sc_json_get_string(&p->cx, it, gp, "home_region", SC_JSON_REQUIRED, NULL, &hr));
        TRY(resolve(p, gp, "home_region", "region", hr, sc->regions, sc->n_regions,
                    sizeof *sc->regions, &g->home_region));
        TRY(sc_json_get_string_buf(&p->cx, it, gp, "tz", SC_JSON_OPTIONAL, "UTC", g->tz,
                                   sizeof g->tz));
        TRY(check_tz(p, gp, "tz", g->tz));
        TRY(parse_routing(p, it, gp, g));
        i++;
    }
    return SC_OK;
}

/* $.network: the latency matrix from where users are (scenarios/README.md, "network"):
 * latency_ms[g][r] = access_ms[g] + RTT(home(g), r), RTT 0 at home, from a CSV of
 * measured round trips between regions (src,dst,rtt_ms; traces/data/geo). */
static sc_status parse_network(parser *p, const cJSON *net)
{
    static const char *const keys[] = {"rtt_csv", "access_ms", NULL};
    sc_scenario *sc = p->sc;
    const char *np = "$.network";
    TRY(sc_json_check_keys(&p->cx, net, np, keys));
    const char *rel;
    char path[1024];
    TRY(sc_json_get_string(&p->cx, net, np, "rtt_csv", SC_JSON_REQUIRED, NULL, &rel));
    TRY(resolve_path(p, np, "rtt_csv", rel, path, sizeof path));
    const cJSON *acc;
    TRY(sc_json_get_object(&p->cx, net, np, "access_ms", SC_JSON_REQUIRED, &acc));
    char ap[SC_JSON_PATH_MAX];
    sc_json_path_key(ap, np, "access_ms");
    TRY(sc_json_check_unique_keys(&p->cx, acc, ap));
    double *access = malloc((sc->n_geos + 1) * sizeof *access);
    double *rtt = malloc((sc->n_regions * sc->n_regions + 1) * sizeof *rtt);
    sc_csv *csv = NULL;
    sc_status st = SC_OK;
    if (!access || !rtt) {
        st = nomem(p);
        goto out;
    }
    for (size_t g = 0; g < sc->n_geos; g++) {
        if ((st = sc_json_get_number(&p->cx, acc, ap, sc->geos[g].name, SC_JSON_REQUIRED, 0,
                                     &access[g])) ||
            (st = sc_json_check_range(&p->cx, ap, sc->geos[g].name, access[g], 0,
                                      SC_LATENCY_MAX_MS, "[]")))
            goto out;
    }
    const cJSON *it;
    cJSON_ArrayForEach(it, acc)
    {
        const char *gn = it->string ? it->string : "";
        int g;
        if (!sc_json_is_comment_key(gn) &&
            (st = resolve(p, ap, gn, "geo", gn, sc->geos, sc->n_geos, sizeof *sc->geos, &g)))
            goto out;
    }
    for (size_t k = 0; k < sc->n_regions * sc->n_regions; k++)
        rtt[k] = NAN;
    sc_error cerr;
    sc_csv_opts opts = {.comment = '#'};
    if (sc_csv_read(path, &opts, &csv, &cerr)) {
        st = sc_json_fail(&p->cx, SC_ERR_INPUT, np, "rtt_csv", "%s: %s", cerr.where, cerr.msg);
        goto out;
    }
    for (size_t i = 1; i < csv->n_rec; i++) { /* record 0 is the header */
        const sc_csv_rec *rec = &csv->rec[i];
        if (rec->n < 3)
            continue;
        int a = sc_scenario_region_index(sc, rec->f[0]), b = sc_scenario_region_index(sc, rec->f[1]);
        char *end;
        double v = strtod(rec->f[2], &end);
        if (a < 0 || b < 0)
            continue; /* a region this scenario does not use */
        if (end == rec->f[2] || *end || !(v >= 0) || !(v <= SC_LATENCY_MAX_MS)) {
            st = sc_json_fail(&p->cx, SC_ERR_INPUT, np, "rtt_csv",
                              "%s:%zu: column 3: expected a round-trip time in [0, %.0f] ms, "
                              "got '%s'",
                              path, rec->line, SC_LATENCY_MAX_MS, rec->f[2]);
            goto out;
        }
        rtt[(size_t)a * sc->n_regions + (size_t)b] = v;
    }
    for (size_t g = 0; g < sc->n_geos; g++) {
        size_t h = (size_t)sc->geos[g].home_region;
        for (size_t r = 0; r < sc->n_regions; r++) {
            double x = r == h ? 0.0 : rtt[h * sc->n_regions + r];
            if (isnan(x)) {
                st = sc_json_fail(&p->cx, SC_ERR_INPUT, np, "rtt_csv",
                                  "%s has no round-trip time from '%s' (home of geo '%s') to "
                                  "'%s'",
                                  path, sc->regions[h].name, sc->geos[g].name,
                                  sc->regions[r].name);
                goto out;
            }
            sc->latency_ms[g * sc->n_regions + r] = access[g] + x;
        }
    }
out:
    sc_csv_free(csv);
    free(access);
    free(rtt);
    return st;
}

static sc_status parse_latency(parser *p, const cJSON *root)
{
    sc_scenario *sc = p->sc;
    size_t n = sc->n_geos * sc->n_regions;
    if (!(sc->latency_ms = malloc(n * sizeof *sc->latency_ms)))
        return nomem(p);
    for (size_t k = 0; k < n; k++)
        sc->latency_ms[k] = NAN;
    const cJSON *m, *net;
    TRY(sc_json_get_object(&p->cx, root, "$", "network", SC_JSON_OPTIONAL, &net));
    if (net) {
        if (cJSON_GetObjectItemCaseSensitive(root, "latency_ms"))
            return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "network",
                                "give either latency_ms or network, not both");
        return parse_network(p, net);
    }
    TRY(sc_json_get_object(&p->cx, root, "$", "latency_ms", SC_JSON_REQUIRED, &m));
    TRY(sc_json_check_unique_keys(&p->cx, m, "$.latency_ms"));
    const cJSON *row;
    cJSON_ArrayForEach(row, m)
    {
        const char *gn = row->string ? row->string : "";
        if (sc_json_is_comment_key(gn))
            continue;
        int g;
        TRY(resolve(p, "$.latency_ms", gn, "geo", gn, sc->geos, sc->n_geos, sizeof *sc->geos,
                    &g));
        char gp[SC_JSON_PATH_MAX];
        sc_json_path_key(gp, "$.latency_ms", gn);
        TRY(sc_json_check_unique_keys(&p->cx, row, gp));
        const cJSON *cell;
        cJSON_ArrayForEach(cell, row)
        {
            const char *rn = cell->string ? cell->string : "";
            if (sc_json_is_comment_key(rn))
                continue;
            int r;
            TRY(resolve(p, gp, rn, "region", rn, sc->regions, sc->n_regions,
                        sizeof *sc->regions, &r));
            double v;
            TRY(sc_json_get_number(&p->cx, row, gp, rn, SC_JSON_REQUIRED, 0, &v));
            TRY(sc_json_check_range(&p->cx, gp, rn, v, 0, SC_LATENCY_MAX_MS, "[]"));
            sc->latency_ms[(size_t)g * sc->n_regions + (size_t)r] = v;
        }
    }
    for (size_t g = 0; g < sc->n_geos; g++)
        for (size_t r = 0; r < sc->n_regions; r++)
            if (isnan(sc->latency_ms[g * sc->n_regions + r])) {
                char gp[SC_JSON_PATH_MAX];
                sc_json_path_key(gp, "$.latency_ms", sc->geos[g].name);
                if (!cJSON_GetObjectItemCaseSensitive(m, sc->geos[g].name))
                    return sc_json_fail(&p->cx, SC_ERR_INPUT, "$.latency_ms", sc->geos[g].name,
                                        "required field is missing (the latency matrix needs "
                                        "a row for every geo, with every region)");
                return sc_json_fail(&p->cx, SC_ERR_INPUT, gp, sc->regions[r].name,
                                    "required field is missing (the latency matrix needs "
                                    "every geo x region pair)");
            }
    return SC_OK;
}

/* ---- synthetic spec and traces ------------------------------------------------------ */

static sc_status parse_synthetic(parser *p, const cJSON *root)
{
    sc_scenario *sc = p->sc;
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(root, "synthetic");
    if (!it || cJSON_IsNull(it))
        return SC_OK;
    if (cJSON_IsObject(it)) {
        if (!(sc->synthetic_json = cJSON_PrintUnformatted(it)))
            return nomem(p);
        snprintf(sc->synthetic_path, sizeof sc->synthetic_path, "%s", sc->path);
        return SC_OK;
    }
    if (!cJSON_IsString(it) || !it->valuestring)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, "$", "synthetic",
                            "expected an object (the generator spec) or a string (the path "
                            "of a spec file), got %s",
                            sc_json_type_name(it));
    TRY(resolve_path(p, "$", "synthetic", it->valuestring, sc->synthetic_path,
                     sizeof sc->synthetic_path));
    cJSON *spec = NULL;
    sc_error e;
    sc_error_clear(&e);
    sc_status st = sc_json_load(sc->synthetic_path, &spec, NULL, &e);
    if (st == SC_ERR_IO)
        return sc_json_fail(&p->cx, st, "$", "synthetic", "cannot read generator spec: %s: %s",
                            e.where, e.msg);
    if (st != SC_OK) {
        /* A parse error inside the spec file names that file and its line:column. */
        if (p->cx.err)
            *p->cx.err = e;
        return st;
    }
    if (!cJSON_IsObject(spec)) {
        const char *tn = sc_json_type_name(spec);
        cJSON_Delete(spec);
        sc_json_ctx scx = {sc->synthetic_path, p->cx.err};
        return sc_json_fail(&scx, SC_ERR_INPUT, "$", NULL,
                            "expected an object (the generator spec), got %s", tn);
    }
    sc->synthetic_json = cJSON_PrintUnformatted(spec);
    cJSON_Delete(spec);
    return sc->synthetic_json ? SC_OK : nomem(p);
}

/* Is s a series key "a/b/c" of three names? */
static int valid_series(const char *s)
{
    int parts = 1, len = 0;
    for (const char *c = s;; c++) {
        if (*c == '/' || *c == '\0') {
            if (len == 0)
                return 0;
            if (*c == '\0')
                return parts == 3;
            parts++;
            len = 0;
        } else if (name_char_ok((unsigned char)*c)) {
            len++;
        } else {
            return 0;
        }
    }
}

static sc_status parse_traces(parser *p, const cJSON *root)
{
    static const char *const keys[] = {"name", "synthetic", "csv", "store", "series", "tz",
                                       "value_col", "shift", "resample", NULL};
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    size_t n;
    TRY(get_list(p, root, "$", "traces", &arr, &n));
    if (!(sc->traces = calloc(n, sizeof *sc->traces)))
        return nomem(p);
    sc->n_traces = n;
    if (name_index_init(&p->traces_ix, sc->traces, n, sizeof *sc->traces))
        return nomem(p);
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char tp[SC_JSON_PATH_MAX];
        sc_json_path_index(tp, "$.traces", i);
        sc_trace_ref *t = &sc->traces[i];
        TRY(sc_json_check_keys(&p->cx, it, tp, keys));
        TRY(get_name(p, it, tp, "name", t->name));
        TRY(check_unique_ix(p, "$.traces", sc->traces, i, sizeof *t, "trace",
                            &p->traces_ix));
        const char *syn, *csv, *store;
        TRY(sc_json_get_string(&p->cx, it, tp, "synthetic", SC_JSON_OPTIONAL, NULL, &syn));
        TRY(sc_json_get_string(&p->cx, it, tp, "csv", SC_JSON_OPTIONAL, NULL, &csv));
        TRY(sc_json_get_string(&p->cx, it, tp, "store", SC_JSON_OPTIONAL, NULL, &store));
        int nsrc = (syn != NULL) + (csv != NULL) + (store != NULL);
        if (nsrc != 1)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, NULL,
                                "expected exactly one source key of 'synthetic', 'csv' or "
                                "'store', got %d",
                                nsrc);
        const cJSON *series = cJSON_GetObjectItemCaseSensitive(it, "series");
        const cJSON *tz = cJSON_GetObjectItemCaseSensitive(it, "tz");
        const cJSON *vc = cJSON_GetObjectItemCaseSensitive(it, "value_col");
        t->value_col = 1;
        if (syn) {
            t->kind = SC_TRACE_SYNTHETIC;
            if (series)
                return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "series",
                                    "a synthetic trace names its series in 'synthetic' "
                                    "(\"app/geo/metric\"); remove 'series'");
            if (strlen(syn) >= sizeof t->series || !valid_series(syn))
                return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "synthetic",
                                    "expected a series name \"app/geo/metric\" of the "
                                    "generator spec, got \"%s\"",
                                    syn);
            snprintf(t->series, sizeof t->series, "%s", syn);
            if (!sc->synthetic_json)
                return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "synthetic",
                                    "a synthetic trace needs the scenario's generator spec "
                                    "($.synthetic), which is missing");
        } else if (csv) {
            t->kind = SC_TRACE_CSV;
            TRY(resolve_path(p, tp, "csv", csv, t->path, sizeof t->path));
            if (series)
                return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "series",
                                    "'series' applies to 'store' traces only");
            TRY(sc_json_get_string_buf(&p->cx, it, tp, "tz", SC_JSON_OPTIONAL, "", t->tz,
                                       sizeof t->tz));
            TRY(check_tz(p, tp, "tz", t->tz));
            TRY(sc_json_get_int_range(&p->cx, it, tp, "value_col", SC_JSON_OPTIONAL, 1, 0,
                                      1000000, &t->value_col));
        } else {
            t->kind = SC_TRACE_STORE;
            TRY(resolve_path(p, tp, "store", store, t->path, sizeof t->path));
            TRY(sc_json_get_string_buf(&p->cx, it, tp, "series", SC_JSON_REQUIRED, NULL,
                                       t->series, sizeof t->series));
            if (!valid_series(t->series))
                return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "series",
                                    "expected a store series \"app/place/metric\", got \"%s\"",
                                    t->series);
        }
        if (!csv && tz)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "tz",
                                "'tz' applies to 'csv' traces only");
        if (!csv && vc)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "value_col",
                                "'value_col' applies to 'csv' traces only");
        TRY(sc_json_get_duration(&p->cx, it, tp, "shift", SC_JSON_OPTIONAL, 0, -SC_SPAN_MAX_MS,
                                 &t->shift_ms));
        if (t->shift_ms > SC_SPAN_MAX_MS)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "shift", "shift exceeds 100 years");
        const char *rs;
        TRY(sc_json_get_string(&p->cx, it, tp, "resample", SC_JSON_OPTIONAL, "max", &rs));
        if (strcmp(rs, "max") == 0)
            t->resample = 0;
        else if (strcmp(rs, "mean") == 0)
            t->resample = 1;
        else if (strcmp(rs, "sum") == 0)
            t->resample = 2;
        else
            return sc_json_fail(&p->cx, SC_ERR_INPUT, tp, "resample",
                                "unknown resampling '%s'; valid: max, mean, sum", rs);
        i++;
    }
    return SC_OK;
}

/* ---- applications ------------------------------------------------------------------- */

static sc_status parse_metric(parser *p, const char *path, const char *key, const char *s,
                              sc_metric *out)
{
    if (strcmp(s, "cpu") == 0)
        *out = SC_METRIC_CPU;
    else if (strcmp(s, "mem") == 0)
        *out = SC_METRIC_MEM;
    else if (strcmp(s, "io") == 0)
        *out = SC_METRIC_IO;
    else if (strcmp(s, "load") == 0 || strcmp(s, "requests") == 0)
        *out = SC_METRIC_LOAD;
    else
        return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key,
                            "unknown metric '%s'; valid metrics: load (alias requests), cpu, "
                            "mem, io",
                            s);
    return SC_OK;
}

static sc_status parse_purchase(parser *p, const char *path, const char *key, const char *s,
                                sc_purchase *out)
{
    for (int o = 0; o < SC_PURCHASE_COUNT; o++)
        if (strcmp(s, sc_purchase_name((sc_purchase)o)) == 0) {
            *out = (sc_purchase)o;
            return SC_OK;
        }
    return sc_json_fail(&p->cx, SC_ERR_INPUT, path, key,
                        "unknown purchase option '%s'; valid options: on_demand, reserved, spot",
                        s);
}

static sc_status parse_demand(parser *p, const cJSON *app, const char *ap, sc_app *a)
{
    static const char *const keys[] = {"geo", "trace", "metric", "scale", "offset", NULL};
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    size_t n;
    TRY(get_list(p, app, ap, "demand", &arr, &n));
    if (!(a->demand = calloc(n, sizeof *a->demand)))
        return nomem(p);
    a->n_demand = n;
    char lp[SC_JSON_PATH_MAX];
    sc_json_path_key(lp, ap, "demand");
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char dp[SC_JSON_PATH_MAX];
        sc_json_path_index(dp, lp, i);
        sc_demand_src *d = &a->demand[i];
        TRY(sc_json_check_keys(&p->cx, it, dp, keys));
        const char *s;
        TRY(sc_json_get_string(&p->cx, it, dp, "geo", SC_JSON_REQUIRED, NULL, &s));
        TRY(resolve(p, dp, "geo", "geo", s, sc->geos, sc->n_geos, sizeof *sc->geos, &d->geo));
        TRY(sc_json_get_string(&p->cx, it, dp, "trace", SC_JSON_REQUIRED, NULL, &s));
        int ti;
        TRY(resolve_ix(p, dp, "trace", "trace", s, sc->traces, sc->n_traces,
                       sizeof *sc->traces, p->traces_ix.slot ? &p->traces_ix : NULL, &ti));
        snprintf(d->trace, sizeof d->trace, "%s", sc->traces[ti].name);
        TRY(sc_json_get_string(&p->cx, it, dp, "metric", SC_JSON_OPTIONAL, "load", &s));
        TRY(parse_metric(p, dp, "metric", s, &d->metric));
        TRY(sc_json_get_number(&p->cx, it, dp, "scale", SC_JSON_OPTIONAL, 1.0, &d->scale));
        TRY(sc_json_check_range(&p->cx, dp, "scale", d->scale, 0, SC_SCALE_MAX, "[]"));
        TRY(sc_json_get_number(&p->cx, it, dp, "offset", SC_JSON_OPTIONAL, 0.0, &d->offset));
        TRY(sc_json_check_range(&p->cx, dp, "offset", d->offset, -SC_OFFSET_MAX, SC_OFFSET_MAX,
                                "[]"));
        for (size_t j = 0; j < i; j++)
            if (a->demand[j].geo == d->geo && a->demand[j].metric == d->metric)
                return sc_json_fail(&p->cx, SC_ERR_INPUT, dp, NULL,
                                    "duplicate demand source for geo '%s', metric '%s' (also "
                                    "at %s[%zu])",
                                    sc->geos[d->geo].name, sc_metric_name(d->metric), lp, j);
        if (d->metric != SC_METRIC_LOAD &&
            !(sc->types[a->instance_type].capacity[d->metric] > 0))
            return sc_json_fail(&p->cx, SC_ERR_INPUT, dp, "metric",
                                "demand metric '%s' but instance type '%s' has no %s capacity",
                                sc_metric_name(d->metric), sc->types[a->instance_type].name,
                                sc_metric_name(d->metric));
        i++;
    }
    return SC_OK;
}

static sc_status parse_initial(parser *p, const cJSON *app, const char *ap, sc_app *a)
{
    static const char *const keys[] = {"region", "count", "option", NULL};
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    TRY(sc_json_get_array(&p->cx, app, ap, "initial", SC_JSON_OPTIONAL, &arr));
    int sz = arr ? cJSON_GetArraySize(arr) : 0;
    if (sz <= 0)
        return SC_OK;
    if (!(a->initial = calloc((size_t)sz, sizeof *a->initial)))
        return nomem(p);
    a->n_initial = (size_t)sz;
    char lp[SC_JSON_PATH_MAX];
    sc_json_path_key(lp, ap, "initial");
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char ip[SC_JSON_PATH_MAX];
        sc_json_path_index(ip, lp, i);
        sc_initial_alloc *x = &a->initial[i];
        TRY(sc_json_check_keys(&p->cx, it, ip, keys));
        const char *s;
        TRY(sc_json_get_string(&p->cx, it, ip, "region", SC_JSON_REQUIRED, NULL, &s));
        TRY(resolve(p, ip, "region", "region", s, sc->regions, sc->n_regions,
                    sizeof *sc->regions, &x->region));
        TRY(sc_json_get_int_range(&p->cx, it, ip, "count", SC_JSON_REQUIRED, 0, 0, INT32_MAX,
                                  &x->count));
        TRY(sc_json_get_string(&p->cx, it, ip, "option", SC_JSON_OPTIONAL, "on_demand", &s));
        TRY(parse_purchase(p, ip, "option", s, &x->option));
        const sc_region *r = &sc->regions[x->region];
        const sc_region_type *rt = &r->types[a->instance_type];
        if (isnan(rt->price_per_hour[x->option])) {
            char offered[64] = "";
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                if (!isnan(rt->price_per_hour[o]))
                    snprintf(offered + strlen(offered), sizeof offered - strlen(offered),
                             "%s%s", offered[0] ? ", " : "", sc_purchase_name((sc_purchase)o));
            return sc_json_fail(&p->cx, SC_ERR_INPUT, ip, "option",
                                "region '%s' does not offer instance type '%s' as %s (offered: "
                                "%s)",
                                r->name, sc->types[a->instance_type].name, s,
                                offered[0] ? offered : "nothing");
        }
        long long total = 0;
        for (size_t j = 0; j <= i; j++) {
            if (a->initial[j].region != x->region)
                continue;
            if (j < i && a->initial[j].option == x->option)
                return sc_json_fail(&p->cx, SC_ERR_INPUT, ip, NULL,
                                    "duplicate initial allocation for region '%s', option '%s' "
                                    "(also at %s[%zu])",
                                    r->name, s, lp, j);
            total += a->initial[j].count;
        }
        if (total > a->max_instances)
            return sc_json_fail(&p->cx, SC_ERR_INPUT, ip, "count",
                                "initial instances in region '%s' total %lld, more than "
                                "max_instances (%d)",
                                r->name, total, a->max_instances);
        i++;
    }
    return SC_OK;
}

static sc_status parse_app(parser *p, const cJSON *it, const char *ap, size_t idx)
{
    static const char *const keys[] = {
        "name",      "unit",          "instance_type",    "needs",   "target_util",
        "min_instances", "max_instances", "warmup", "gb_per_unit_hour", "latency", "slo",
        "demand",    "initial",       NULL};
    static const char *const need_keys[] = {"cpu", "mem", "io", NULL};
    static const char *const lat_keys[] = {"base_ms", "u_max", NULL};
    static const char *const slo_keys[] = {"latency_ms", "max_unserved_frac",
                                           "penalty_per_unit_hour", "attainment", NULL};
    sc_scenario *sc = p->sc;
    sc_app *a = &sc->apps[idx];
    TRY(sc_json_check_keys(&p->cx, it, ap, keys));
    TRY(get_name(p, it, ap, "name", a->name));
    TRY(check_unique_ix(p, "$.apps", sc->apps, idx, sizeof *a, "app",
                        p->apps_ix.slot ? &p->apps_ix : NULL));
    TRY(sc_json_get_string_buf(&p->cx, it, ap, "unit", SC_JSON_OPTIONAL, "req/s", a->unit,
                               sizeof a->unit));
    const char *s;
    TRY(sc_json_get_string(&p->cx, it, ap, "instance_type", SC_JSON_REQUIRED, NULL, &s));
    TRY(resolve(p, ap, "instance_type", "instance type", s, sc->types, sc->n_types,
                sizeof *sc->types, &a->instance_type));

    const cJSON *needs;
    char np[SC_JSON_PATH_MAX];
    sc_json_path_key(np, ap, "needs");
    TRY(sc_json_get_object(&p->cx, it, ap, "needs", SC_JSON_OPTIONAL, &needs));
    if (needs)
        TRY(sc_json_check_keys(&p->cx, needs, np, need_keys));
    for (int m = 0; m < SC_METRIC_RESOURCES; m++) {
        const char *mn = sc_metric_name((sc_metric)m);
        a->needs[m] = 0;
        if (needs) {
            TRY(sc_json_get_number(&p->cx, needs, np, mn, SC_JSON_OPTIONAL, 0, &a->needs[m]));
            TRY(sc_json_check_range(&p->cx, np, mn, a->needs[m], 0, SC_NEED_MAX, "[]"));
        }
        if (a->needs[m] > 0 && !(sc->types[a->instance_type].capacity[m] > 0))
            return sc_json_fail(&p->cx, SC_ERR_INPUT, np, mn,
                                "app needs %s but instance type '%s' has no %s capacity",
                                mn, sc->types[a->instance_type].name, mn);
    }

    TRY(sc_json_get_number(&p->cx, it, ap, "target_util", SC_JSON_OPTIONAL, 0.6,
                           &a->target_util));
    TRY(sc_json_check_range(&p->cx, ap, "target_util", a->target_util, 0, 1, "(]"));
    TRY(sc_json_get_int_range(&p->cx, it, ap, "min_instances", SC_JSON_OPTIONAL, 0, 0,
                              SC_SCENARIO_INSTANCES_MAX, &a->min_instances));
    TRY(sc_json_get_int_range(&p->cx, it, ap, "max_instances", SC_JSON_REQUIRED, 0, 1,
                              SC_SCENARIO_INSTANCES_MAX, &a->max_instances));
    if (a->min_instances > a->max_instances)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, ap, "min_instances",
                            "min_instances (%d) is greater than max_instances (%d)",
                            a->min_instances, a->max_instances);
    TRY(sc_json_get_duration(&p->cx, it, ap, "warmup", SC_JSON_OPTIONAL, 0, 0, &a->warmup_ms));
    if (a->warmup_ms > SC_SPAN_MAX_MS)
        return sc_json_fail(&p->cx, SC_ERR_INPUT, ap, "warmup", "warmup exceeds 100 years");
    TRY(sc_json_get_number(&p->cx, it, ap, "gb_per_unit_hour", SC_JSON_OPTIONAL, 0,
                           &a->gb_per_unit_hour));
    TRY(sc_json_check_range(&p->cx, ap, "gb_per_unit_hour", a->gb_per_unit_hour, 0,
                            SC_GB_PER_UNIT_MAX, "[]"));

    const cJSON *lat, *slo;
    char lp[SC_JSON_PATH_MAX], sp[SC_JSON_PATH_MAX];
    sc_json_path_key(lp, ap, "latency");
    TRY(sc_json_get_object(&p->cx, it, ap, "latency", SC_JSON_REQUIRED, &lat));
    TRY(sc_json_check_keys(&p->cx, lat, lp, lat_keys));
    TRY(sc_json_get_number(&p->cx, lat, lp, "base_ms", SC_JSON_REQUIRED, 0,
                           &a->latency.base_ms));
    TRY(sc_json_check_range(&p->cx, lp, "base_ms", a->latency.base_ms, 0, SC_LATENCY_MAX_MS,
                            "(]"));
    TRY(sc_json_get_number(&p->cx, lat, lp, "u_max", SC_JSON_OPTIONAL, 0.99,
                           &a->latency.u_max));
    TRY(sc_json_check_range(&p->cx, lp, "u_max", a->latency.u_max, 0, 1, "()"));

    sc_json_path_key(sp, ap, "slo");
    TRY(sc_json_get_object(&p->cx, it, ap, "slo", SC_JSON_REQUIRED, &slo));
    TRY(sc_json_check_keys(&p->cx, slo, sp, slo_keys));
    TRY(sc_json_get_number(&p->cx, slo, sp, "latency_ms", SC_JSON_REQUIRED, 0,
                           &a->slo.latency_ms));
    TRY(sc_json_check_range(&p->cx, sp, "latency_ms", a->slo.latency_ms, 0, SC_LATENCY_MAX_MS,
                            "(]"));
    if (!(a->slo.latency_ms > a->latency.base_ms))
        return sc_json_fail(&p->cx, SC_ERR_INPUT, sp, "latency_ms",
                            "SLO latency %.15g ms cannot be met: the service time at zero "
                            "load (latency.base_ms) is already %.15g ms",
                            a->slo.latency_ms, a->latency.base_ms);
    TRY(sc_json_get_number(&p->cx, slo, sp, "max_unserved_frac", SC_JSON_OPTIONAL, 0.001,
                           &a->slo.max_unserved_frac));
    TRY(sc_json_check_range(&p->cx, sp, "max_unserved_frac", a->slo.max_unserved_frac, 0, 1,
                            "[]"));
    TRY(sc_json_get_number(&p->cx, slo, sp, "penalty_per_unit_hour", SC_JSON_OPTIONAL, 0,
                           &a->slo.penalty_per_unit_hour));
    TRY(sc_json_check_range(&p->cx, sp, "penalty_per_unit_hour", a->slo.penalty_per_unit_hour,
                            0, SC_PENALTY_MAX, "[]"));
    TRY(sc_json_get_number(&p->cx, slo, sp, "attainment", SC_JSON_OPTIONAL,
                           SC_SLO_ATTAINMENT_DEFAULT, &a->slo.attainment));
    TRY(sc_json_check_range(&p->cx, sp, "attainment", a->slo.attainment, 0, 1, "()"));

    TRY(parse_demand(p, it, ap, a));
    int any_load = 0;
    for (size_t i = 0; i < a->n_demand; i++)
        any_load |= a->demand[i].metric == SC_METRIC_LOAD;
    if (any_load && !(a->needs[0] > 0 || a->needs[1] > 0 || a->needs[2] > 0))
        return sc_json_fail(&p->cx, SC_ERR_INPUT, ap, "needs",
                            "demand has metric 'load' but no resource need per load unit; "
                            "give at least one of needs.cpu, needs.mem, needs.io > 0");
    return parse_initial(p, it, ap, a);
}

static sc_status parse_apps(parser *p, const cJSON *root)
{
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    size_t n;
    TRY(get_list(p, root, "$", "apps", &arr, &n));
    if (!(sc->apps = calloc(n, sizeof *sc->apps)))
        return nomem(p);
    sc->n_apps = n;
    if (name_index_init(&p->apps_ix, sc->apps, n, sizeof *sc->apps))
        return nomem(p);
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char ap[SC_JSON_PATH_MAX];
        sc_json_path_index(ap, "$.apps", i);
        TRY(parse_app(p, it, ap, i));
        i++;
    }
    return SC_OK;
}

/* Initial allocations of all apps against each region's capacity limits and quota. */
static sc_status check_initial_capacity(parser *p)
{
    sc_scenario *sc = p->sc;
    for (size_t r = 0; r < sc->n_regions; r++) {
        const sc_region *reg = &sc->regions[r];
        double vcpus = 0;
        for (size_t k = 0; k < sc->n_types; k++) {
            long long count = 0;
            for (size_t a = 0; a < sc->n_apps; a++) {
                const sc_app *app = &sc->apps[a];
                if ((size_t)app->instance_type != k)
                    continue;
                for (size_t j = 0; j < app->n_initial; j++)
                    if ((size_t)app->initial[j].region == r)
                        count += app->initial[j].count;
            }
            vcpus += (double)count * sc->types[k].capacity[SC_METRIC_CPU];
            int lim = reg->types[k].capacity_limit;
            if (lim >= 0 && count > lim) {
                char rp[SC_JSON_PATH_MAX];
                sc_json_path_index(rp, "$.regions", r);
                return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "types",
                                    "initial allocations put %lld '%s' instances in region "
                                    "'%s', above its capacity_limit %d",
                                    count, sc->types[k].name, reg->name, lim);
            }
        }
        if (reg->vcpu_quota >= 0 && vcpus > reg->vcpu_quota) {
            char rp[SC_JSON_PATH_MAX];
            sc_json_path_index(rp, "$.regions", r);
            return sc_json_fail(&p->cx, SC_ERR_INPUT, rp, "vcpu_quota",
                                "initial allocations use %.15g vCPUs in region '%s', above its "
                                "vcpu_quota %d",
                                vcpus, reg->name, reg->vcpu_quota);
        }
    }
    return SC_OK;
}

/* ---- policies and output ------------------------------------------------------------ */

static sc_status parse_policies(parser *p, const cJSON *root)
{
    static const char *const keys[] = {"name", "label", "params", NULL};
    sc_scenario *sc = p->sc;
    const cJSON *arr;
    size_t n;
    TRY(get_list(p, root, "$", "policies", &arr, &n));
    if (!(sc->policies = calloc(n, sizeof *sc->policies)))
        return nomem(p);
    sc->n_policies = n;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char pp[SC_JSON_PATH_MAX];
        sc_json_path_index(pp, "$.policies", i);
        sc_policy_spec *ps = &sc->policies[i];
        TRY(sc_json_check_keys(&p->cx, it, pp, keys));
        TRY(get_name(p, it, pp, "name", ps->name));
        TRY(sc_json_get_string_buf(&p->cx, it, pp, "label", SC_JSON_OPTIONAL, ps->name,
                                   ps->label, sizeof ps->label));
        TRY(check_name(p, pp, "label", ps->label));
        for (size_t j = 0; j < i; j++)
            if (strcmp(sc->policies[j].label, ps->label) == 0)
                return sc_json_fail(&p->cx, SC_ERR_INPUT, pp,
                                    cJSON_GetObjectItemCaseSensitive(it, "label") ? "label"
                                                                                  : "name",
                                    "duplicate policy label '%s' (also at $.policies[%zu]); "
                                    "give each policy a distinct 'label'",
                                    ps->label, j);
        const cJSON *params;
        TRY(sc_json_get_object(&p->cx, it, pp, "params", SC_JSON_OPTIONAL, &params));
        if (params) {
            char prp[SC_JSON_PATH_MAX];
            sc_json_path_key(prp, pp, "params");
            TRY(sc_json_check_unique_keys(&p->cx, params, prp));
            ps->params_json = cJSON_PrintUnformatted(params);
        } else {
            ps->params_json = strdup("{}");
        }
        if (!ps->params_json)
            return nomem(p);
        i++;
    }
    return SC_OK;
}

static sc_status parse_output(parser *p, const cJSON *root)
{
    static const char *const keys[] = {"per_step", NULL};
    const cJSON *out;
    p->sc->per_step_output = 1;
    TRY(sc_json_get_object(&p->cx, root, "$", "output", SC_JSON_OPTIONAL, &out));
    if (!out)
        return SC_OK;
    TRY(sc_json_check_keys(&p->cx, out, "$.output", keys));
    return sc_json_get_bool(&p->cx, out, "$.output", "per_step", SC_JSON_OPTIONAL, 1,
                            &p->sc->per_step_output);
}

/* ---- entry points ------------------------------------------------------------------- */

static sc_status parse_root(parser *p, const cJSON *root)
{
    sc_scenario *sc = p->sc;
    TRY(sc_json_check_keys(&p->cx, root, "$", top_keys));
    TRY(get_name(p, root, "$", "name", sc->name));
    TRY(parse_seed(p, root));
    TRY(parse_times(p, root));
    TRY(parse_types(p, root));
    TRY(parse_regions(p, root));
    TRY(parse_geos(p, root));
    TRY(parse_latency(p, root));
    TRY(parse_synthetic(p, root));
    TRY(parse_traces(p, root));
    TRY(parse_apps(p, root));
    TRY(check_initial_capacity(p));
    TRY(parse_policies(p, root));
    return parse_output(p, root);
}

/* Build a scenario from parsed JSON; takes ownership of text (always). */
static sc_status build(char *text, cJSON *root, const char *path, sc_scenario **out,
                       sc_error *err)
{
    sc_scenario *sc = calloc(1, sizeof *sc);
    if (!sc) {
        free(text);
        cJSON_Delete(root);
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    }
    sc->source_json = text;
    sc->hash = sc_rng_hash_str(text);
    parser p = {.cx = {path, err}, .sc = sc};
    sc_status st;
    if (strlen(path) >= sizeof sc->path) {
        st = sc_error_set(err, SC_ERR_INPUT, NULL, "scenario path longer than %zu bytes",
                          sizeof sc->path - 1);
        goto fail;
    }
    snprintf(sc->path, sizeof sc->path, "%s", path);
    const char *slash = strrchr(path, '/');
    if (!slash)
        snprintf(sc->dir, sizeof sc->dir, ".");
    else if (slash == path)
        snprintf(sc->dir, sizeof sc->dir, "/");
    else
        snprintf(sc->dir, sizeof sc->dir, "%.*s", (int)(slash - path), path);
    if (!cJSON_IsObject(root)) {
        st = sc_json_fail(&p.cx, SC_ERR_INPUT, "$", NULL,
                          "expected a JSON object (the scenario), got %s",
                          sc_json_type_name(root));
        goto fail;
    }
    st = parse_root(&p, root);
    if (st != SC_OK)
        goto fail;
    name_index_cleanup(&p.traces_ix);
    name_index_cleanup(&p.apps_ix);
    cJSON_Delete(root);
    *out = sc;
    return SC_OK;
fail:
    name_index_cleanup(&p.traces_ix);
    name_index_cleanup(&p.apps_ix);
    cJSON_Delete(root);
    sc_scenario_free(sc);
    return st;
}

sc_status sc_scenario_parse(const char *text, const char *path, sc_scenario **out,
                            sc_error *err)
{
    *out = NULL;
    if (!path)
        path = "";
    if (!text)
        return sc_error_set(err, SC_ERR_INPUT, path, "no scenario text");
    cJSON *root;
    TRY(sc_json_parse(text, path, &root, err));
    char *copy = strdup(text);
    if (!copy) {
        cJSON_Delete(root);
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    }
    return build(copy, root, path, out, err);
}

sc_status sc_scenario_load(const char *path, sc_scenario **out, sc_error *err)
{
    *out = NULL;
    if (!path || !*path)
        return sc_error_set(err, SC_ERR_USAGE, NULL, "no scenario file given");
    cJSON *root;
    char *text;
    TRY(sc_json_load(path, &root, &text, err));
    return build(text, root, path, out, err);
}

void sc_scenario_free(sc_scenario *sc)
{
    if (!sc)
        return;
    if (sc->regions)
        for (size_t i = 0; i < sc->n_regions; i++) {
            free(sc->regions[i].types);
            free(sc->regions[i].outages);
            sc_spot_region_cleanup(&sc->regions[i]);
        }
    free(sc->regions);
    if (sc->geos)
        for (size_t i = 0; i < sc->n_geos; i++)
            free(sc->geos[i].routing.weights);
    free(sc->geos);
    free(sc->types);
    free(sc->latency_ms);
    if (sc->apps)
        for (size_t i = 0; i < sc->n_apps; i++) {
            free(sc->apps[i].demand);
            free(sc->apps[i].initial);
        }
    free(sc->apps);
    free(sc->traces);
    free(sc->synthetic_json);
    if (sc->policies)
        for (size_t i = 0; i < sc->n_policies; i++)
            free(sc->policies[i].params_json);
    free(sc->policies);
    free(sc->source_json);
    free(sc);
}
