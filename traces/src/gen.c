/*
 * gen.c - the synthetic multi-region trace generator (API in gen.h, spec and model in
 * traces/GENERATOR.md).
 *
 * Model of series (app a, geo g, metric m) at sample time t (UTC ms):
 *
 *   v(t) = base(a,g) * scale(m) * daily(t) * weekly(t) * trend(t) * events(t) * noise(t)
 *
 *   local(t)  = t + utcoffset_g(t)          (IANA zone with DST, or a fixed offset)
 *   daily     = 1 + A_a * cos(2 pi (hour_local - peak_a) / 24)      A in [0, 1]
 *   weekly    = weekend_factor_a on local Saturday and Sunday, else 1
 *   trend     = (1 + g_a) ^ ((t - start) / 1 day)
 *   events    = prod over events e covering (a, g) of (1 + lift_e * shape_e(t))
 *               campaigns: trapezoid (linear ramp up and down over `ramp`),
 *               flash crowds: linear rise over rise_fraction of the duration, then
 *               linear decay to 0, fixed events: a box
 *   noise     = exp(x_k - sigma^2 / 2),  x_k = phi x_{k-1} + sigma sqrt(1 - phi^2) z_k,
 *               x_0 = sigma z_0, z ~ N(0,1): stationary AR(1) log-noise with standard
 *               deviation sigma and mean factor 1 (autocorrelated, not white).
 *
 * Every factor is >= 0 by validation, so values are >= 0 (and clamped to be sure).
 *
 * UTC offsets of IANA zones come from the compiled tz database through the one zone
 * reader of sculpt (sculpt/tz.h: TZif files, footer rules, a shared thread-safe cache),
 * so DST switches happen at the right instant.
 *
 * Randomness (rng.h), entity-keyed so that adding a geography, app or metric leaves all
 * other draws unchanged:
 *   noise of (a,g,m):      stream sc_rng_key(seed, SC_RNG_TRACE, H(a), H(g), H(m))
 *   flash crowds of (a,g): stream sc_rng_key(seed, SC_RNG_TRACE, H(a), H(g), H("#flash"))
 *                          ('#' is not allowed in names, so no metric collides)
 *   campaigns of scope (a, g or "*"): count from stream key(seed, SC_RNG_EVENT, H(a), H(g), 0),
 *                          field f of campaign i from sc_rng_u01(key(..., (i+1)*16 + f)).
 */
#include "gen.h"

#include <errno.h>
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>
#include <cjson/cJSON.h>

#include "sculpt/fsutil.h"
#include "sculpt/json.h"
#include "sculpt/rng.h"
#include "rng_stream.h" /* sc_rng_stream_alloc (internal) */
#include "sculpt/tz.h"

#define PI_ 3.14159265358979323846
/* Guard against runaway specs: the series are held as doubles (8 bytes a sample); a spec
 * whose samples would take more than this is refused with the estimate.  (Until issue 13
 * the guard was a count, 10^8 samples, which refused 2,000 apps x 10 regions x 30 days.) */
#define MAX_GEN_BYTES (32.0 * 1024.0 * 1024.0 * 1024.0)
#define MAX_RATE_PER_WEEK 10000.0

/* ---- small JSON helpers ----------------------------------------------------------
 * Parsing, paths, messages ("file: $.path.key: what") and key checks come from the one
 * JSON reader (sculpt/json.h); below are only the generator's value rules. */

/* Present and not null? */
static const cJSON *jget(const cJSON *obj, const char *key)
{
    const cJSON *it = cJSON_GetObjectItemCaseSensitive(obj, key);
    return (it && !cJSON_IsNull(it)) ? it : NULL;
}

/* Number in a range; bounds "[]", "[)", "(]", "()". */
static sc_status jnum(const sc_json_ctx *cx, const cJSON *obj, const char *path, const char *key,
                      double def, double lo, double hi, const char *bounds, double *out)
{
    const cJSON *it = jget(obj, key);
    if (!it) {
        *out = def;
        return SC_OK;
    }
    if (!cJSON_IsNumber(it) || !isfinite(it->valuedouble))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a number, got %s",
                            sc_json_type_name(it));
    double v = it->valuedouble;
    int ok_lo = bounds[0] == '[' ? v >= lo : v > lo;
    int ok_hi = bounds[1] == ']' ? v <= hi : v < hi;
    if (!ok_lo || !ok_hi)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a number in %c%g, %g%c, got %g",
                            bounds[0], lo, hi, bounds[1], v);
    *out = v;
    return SC_OK;
}

/* A name [A-Za-z0-9_.-]+ (or "*" when star_ok) into buf[SC_GEN_NAME_MAX]. */
static sc_status jname(const sc_json_ctx *cx, const cJSON *obj, const char *path, const char *key,
                       const char *def, int star_ok, char *buf)
{
    const cJSON *it = jget(obj, key);
    if (!it) {
        if (!def)
            return sc_json_fail(cx, SC_ERR_INPUT, path, key, "required field is missing");
        snprintf(buf, SC_GEN_NAME_MAX, "%s", def);
        return SC_OK;
    }
    if (!cJSON_IsString(it))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a string, got %s",
                            sc_json_type_name(it));
    const char *s = it->valuestring;
    size_t n = strlen(s);
    int ok = n > 0 && n < SC_GEN_NAME_MAX && strcmp(s, ".") && strcmp(s, "..");
    if (ok && !(star_ok && strcmp(s, "*") == 0))
        for (size_t i = 0; i < n && ok; i++) {
            char c = s[i];
            ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '.' || c == '-';
        }
    if (!ok)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected a name of [A-Za-z0-9_.-]%s, 1-%d characters, got '%s'",
                            star_ok ? " or \"*\"" : "", SC_GEN_NAME_MAX - 1, s);
    snprintf(buf, SC_GEN_NAME_MAX, "%s", s);
    return SC_OK;
}

/* Free text (units) into buf[SC_GEN_NAME_MAX]. */
static sc_status jtext(const sc_json_ctx *cx, const cJSON *obj, const char *path, const char *key,
                       const char *def, char *buf)
{
    const cJSON *it = jget(obj, key);
    if (!it) {
        snprintf(buf, SC_GEN_NAME_MAX, "%s", def);
        return SC_OK;
    }
    if (!cJSON_IsString(it))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected a string, got %s",
                            sc_json_type_name(it));
    if (strlen(it->valuestring) >= SC_GEN_NAME_MAX)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "longer than %d characters",
                            SC_GEN_NAME_MAX - 1);
    snprintf(buf, SC_GEN_NAME_MAX, "%s", it->valuestring);
    return SC_OK;
}

static sc_status dur_value(const sc_json_ctx *cx, const cJSON *it, const char *path,
                           const char *key, int64_t min_ms, int64_t *out)
{
    if (!cJSON_IsString(it))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected a duration string such as \"5m\", \"2h\", \"3d\", got %s",
                            sc_json_type_name(it));
    int64_t v;
    if (sc_duration_parse(it->valuestring, &v) != SC_OK)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected a duration such as \"250ms\", \"30s\", \"5m\", \"2h\", "
                            "\"3d\", \"1w\", got '%s'",
                            it->valuestring);
    if (v < min_ms)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "duration '%s' is shorter than the minimum %lld ms", it->valuestring,
                            (long long)min_ms);
    *out = v;
    return SC_OK;
}

static sc_status jdur(const sc_json_ctx *cx, const cJSON *obj, const char *path, const char *key,
                      int64_t def, int64_t min_ms, int64_t *out)
{
    const cJSON *it = jget(obj, key);
    if (!it) {
        *out = def;
        return SC_OK;
    }
    return dur_value(cx, it, path, key, min_ms, out);
}

static sc_status jtime(const sc_json_ctx *cx, const cJSON *obj, const char *path, const char *key,
                       int required, sc_time_ms def, sc_time_ms *out)
{
    const cJSON *it = jget(obj, key);
    if (!it) {
        if (required)
            return sc_json_fail(cx, SC_ERR_INPUT, path, key, "required field is missing");
        *out = def;
        return SC_OK;
    }
    if (!cJSON_IsString(it) || sc_time_parse(it->valuestring, "UTC", out) != SC_OK)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected an ISO-8601 time string such as \"2024-03-04T00:00:00Z\"");
    return SC_OK;
}

/* [lo, hi] numbers (or one number for lo == hi), lo <= hi, both in [min, max]. */
static sc_status jnum_range(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                            const char *key, double dlo, double dhi, double min, double max,
                            double *lo, double *hi)
{
    const cJSON *it = jget(obj, key);
    if (!it) {
        *lo = dlo;
        *hi = dhi;
        return SC_OK;
    }
    double a, b;
    if (cJSON_IsNumber(it)) {
        a = b = it->valuedouble;
    } else if (cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2 &&
               cJSON_IsNumber(it->child) && cJSON_IsNumber(it->child->next)) {
        a = it->child->valuedouble;
        b = it->child->next->valuedouble;
    } else {
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected [min, max] (two numbers) or a number, got %s",
                            sc_json_type_name(it));
    }
    if (!(isfinite(a) && isfinite(b) && a <= b && a >= min && b <= max))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected min <= max within [%g, %g], got [%g, %g]", min, max, a, b);
    *lo = a;
    *hi = b;
    return SC_OK;
}

static sc_status jdur_range(const sc_json_ctx *cx, const cJSON *obj, const char *path,
                            const char *key, int64_t dlo, int64_t dhi, int64_t min_ms,
                            int64_t *lo, int64_t *hi)
{
    const cJSON *it = jget(obj, key);
    if (!it) {
        *lo = dlo;
        *hi = dhi;
        return SC_OK;
    }
    sc_status st;
    if (cJSON_IsString(it)) {
        if ((st = dur_value(cx, it, path, key, min_ms, lo)) != SC_OK)
            return st;
        *hi = *lo;
        return SC_OK;
    }
    if (!(cJSON_IsArray(it) && cJSON_GetArraySize(it) == 2))
        return sc_json_fail(cx, SC_ERR_INPUT, path, key,
                            "expected [min, max] (two duration strings such as [\"1d\", \"3d\"]), "
                            "got %s", sc_json_type_name(it));
    char p[SC_JSON_PATH_MAX], p0[SC_JSON_PATH_MAX], p1[SC_JSON_PATH_MAX];
    sc_json_path_key(p, path, key);
    sc_json_path_index(p0, p, 0);
    sc_json_path_index(p1, p, 1);
    if ((st = dur_value(cx, it->child, p0, NULL, min_ms, lo)) != SC_OK ||
        (st = dur_value(cx, it->child->next, p1, NULL, min_ms, hi)) != SC_OK)
        return st;
    if (*lo > *hi)
        return sc_json_fail(cx, SC_ERR_INPUT, path, key, "expected min <= max");
    return SC_OK;
}

/* ---- the parsed spec ------------------------------------------------------------------ */

typedef struct geo_spec {
    char name[SC_GEN_NAME_MAX];
    char zone[SC_GEN_NAME_MAX]; /* IANA zone, or "" for a fixed offset */
    int64_t fixed_off_ms;       /* offset when zone is "" */
    double scale;               /* multiplies the apps' default base level */
    const sc_tz *tz;            /* the zone when zone is not "": from the shared cache
                                   (sc_tz_get), never freed here */
} geo_spec;

typedef struct metric_spec {
    char name[SC_GEN_NAME_MAX];
    char unit[SC_GEN_NAME_MAX];
    double scale;
} metric_spec;

typedef struct app_spec {
    char name[SC_GEN_NAME_MAX];
    metric_spec *metrics;
    size_t n_metrics;
    double *base;          /* per geo (index as geos) */
    double daily_amplitude, weekend_factor, peak_hour, trend_per_day;
    double noise_sigma, noise_ar;
} app_spec;

typedef struct flash_spec {
    double rate_per_week;
    double lift_lo, lift_hi;
    int64_t dur_lo, dur_hi;
    double rise_fraction;
} flash_spec;

typedef struct campaign_spec {
    int have_count, have_global_count;
    int64_t count, global_count;
    double rate_per_week, global_rate_per_week;
    double lift_lo, lift_hi;
    int64_t dur_lo, dur_hi;
    int64_t ramp_ms;
    int64_t start_jitter_ms, end_jitter_ms; /* standard deviations */
    double lift_noise, lift_bias;
    double p_unannounced, p_cancelled, p_lift_unstated;
    int64_t announce_round_ms;
} campaign_spec;

typedef struct spec {
    sc_time_ms start;
    int64_t duration_ms, step_ms;
    geo_spec *geos;
    size_t n_geos;
    app_spec *apps;
    size_t n_apps;
    flash_spec flash;
    campaign_spec camp;
    sc_gen_truth *fixed; /* fixed events */
    size_t n_fixed;
    int streamed;        /* 1: produced window by window (sc_gen_stream): no whole-run cap */
    char file[256];      /* the spec's file and JSON path, for the load-range error */
    char path[128];
} spec;

static void spec_cleanup(spec *s)
{
    free(s->geos);
    for (size_t i = 0; i < s->n_apps; i++) {
        free(s->apps[i].metrics);
        free(s->apps[i].base);
    }
    free(s->apps);
    free(s->fixed);
}

/* ---- time zones ----------------------------------------------------------------------- */

/* Parse "+HH:MM" / "-HH:MM" / "+HH" into ms; 0 ok. */
static int parse_fixed_offset(const char *s, int64_t *out)
{
    sc_time_ms a, b;
    /* sc_time_parse reads a naive time in a fixed-offset tz: UTC - offset */
    if (sc_time_parse("2000-01-01T12:00:00", s, &a) != SC_OK ||
        sc_time_parse("2000-01-01T12:00:00", "UTC", &b) != SC_OK)
        return -1;
    *out = b - a;
    return 0;
}

/* UTC offset (ms) of geography g at instant t (ms). */
static int64_t geo_offset_ms(const geo_spec *g, sc_time_ms t)
{
    if (!g->zone[0])
        return g->fixed_off_ms;
    return (int64_t)sc_tz_offset(g->tz, sc_time_floor_div(t, 1000)) * 1000;
}

/* ---- spec parsing --------------------------------------------------------------------- */

static sc_status parse_geo(const sc_json_ctx *cx, const cJSON *o, const char *path, geo_spec *g)
{
    static const char *const keys[] = {"name", "tz", "utc_offset", "scale", NULL};
    sc_status st;
    if ((st = sc_json_check_keys(cx, o, path, keys)) != SC_OK ||
        (st = jname(cx, o, path, "name", NULL, 0, g->name)) != SC_OK ||
        (st = jnum(cx, o, path, "scale", 1.0, 0.0, INFINITY, "[)", &g->scale)) != SC_OK)
        return st;
    const cJSON *tz = jget(o, "tz"), *uo = jget(o, "utc_offset");
    g->zone[0] = '\0';
    g->fixed_off_ms = 0;
    if (tz && uo)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "utc_offset",
                            "give either \"tz\" or \"utc_offset\", not both");
    if (tz) {
        if (!cJSON_IsString(tz))
            return sc_json_fail(cx, SC_ERR_INPUT, path, "tz", "expected a string, got %s",
                                sc_json_type_name(tz));
        const char *z = tz->valuestring;
        if (strcmp(z, "UTC") == 0 || strcmp(z, "Z") == 0 || strcmp(z, "Etc/UTC") == 0)
            return SC_OK;
        if (z[0] == '+' || z[0] == '-') {
            if (parse_fixed_offset(z, &g->fixed_off_ms) != 0)
                return sc_json_fail(cx, SC_ERR_INPUT, path, "tz",
                                    "expected an IANA zone or \"+HH:MM\", got '%s'", z);
            return SC_OK;
        }
        sc_error zerr;
        sc_status zs = strlen(z) >= sizeof g->zone ? SC_ERR_NOTFOUND
                                                   : sc_tz_get(z, &g->tz, &zerr);
        if (zs == SC_ERR_NOTFOUND)
            return sc_json_fail(cx, SC_ERR_INPUT, path, "tz",
                                "unknown time zone '%s'; expected an IANA name such as "
                                "\"Europe/Berlin\", \"UTC\" or \"+09:00\"", z);
        if (zs != SC_OK)
            return sc_json_fail(cx, SC_ERR_INPUT, path, "tz", "%s", zerr.msg);
        snprintf(g->zone, sizeof g->zone, "%s", z);
        return SC_OK;
    }
    if (uo) {
        if (cJSON_IsNumber(uo)) {
            double h = uo->valuedouble;
            if (!(h >= -14 && h <= 14))
                return sc_json_fail(cx, SC_ERR_INPUT, path, "utc_offset",
                                    "expected hours in [-14, 14], got %g", h);
            g->fixed_off_ms = (int64_t)llround(h * 60.0) * SC_MS_PER_MIN;
            return SC_OK;
        }
        if (cJSON_IsString(uo) && parse_fixed_offset(uo->valuestring, &g->fixed_off_ms) == 0)
            return SC_OK;
        return sc_json_fail(cx, SC_ERR_INPUT, path, "utc_offset",
                            "expected hours (9, -5, 5.5) or \"+HH:MM\"");
    }
    return SC_OK;
}

static sc_status parse_app(const sc_json_ctx *cx, const cJSON *o, const char *path, const spec *s,
                           app_spec *a)
{
    static const char *const keys[] = {"name", "unit", "metric", "metrics", "base",
                                       "daily_amplitude", "weekend_factor", "peak_hour",
                                       "trend_per_day", "noise_sigma", "noise_ar", NULL};
    sc_status st;
    char unit[SC_GEN_NAME_MAX], metric[SC_GEN_NAME_MAX];
    if ((st = sc_json_check_keys(cx, o, path, keys)) != SC_OK ||
        (st = jname(cx, o, path, "name", NULL, 0, a->name)) != SC_OK ||
        (st = jtext(cx, o, path, "unit", "req/s", unit)) != SC_OK ||
        (st = jname(cx, o, path, "metric", "load", 0, metric)) != SC_OK ||
        (st = jnum(cx, o, path, "daily_amplitude", 0.5, 0, 1, "[]", &a->daily_amplitude)) ||
        (st = jnum(cx, o, path, "weekend_factor", 0.7, 0, INFINITY, "[)", &a->weekend_factor)) ||
        (st = jnum(cx, o, path, "peak_hour", 14, 0, 24, "[)", &a->peak_hour)) ||
        (st = jnum(cx, o, path, "trend_per_day", 0, -1, 1, "(]", &a->trend_per_day)) ||
        (st = jnum(cx, o, path, "noise_sigma", 0.05, 0, 2, "[]", &a->noise_sigma)) ||
        (st = jnum(cx, o, path, "noise_ar", 0.9, 0, 1, "[)", &a->noise_ar)))
        return st;
    /* metrics */
    const cJSON *ms = jget(o, "metrics");
    if (ms) {
        if (jget(o, "metric"))
            return sc_json_fail(cx, SC_ERR_INPUT, path, "metrics",
                                "give either \"metric\" or \"metrics\", not both");
        if (!cJSON_IsArray(ms) || cJSON_GetArraySize(ms) < 1)
            return sc_json_fail(cx, SC_ERR_INPUT, path, "metrics",
                                "expected a non-empty array of objects");
        a->n_metrics = (size_t)cJSON_GetArraySize(ms);
    } else {
        a->n_metrics = 1;
    }
    a->metrics = calloc(a->n_metrics, sizeof *a->metrics);
    a->base = calloc(s->n_geos, sizeof *a->base);
    if (!a->metrics || !a->base)
        return sc_error_set(cx->err, SC_ERR_NOMEM, NULL, "out of memory");
    if (!ms) {
        snprintf(a->metrics[0].name, SC_GEN_NAME_MAX, "%s", metric);
        snprintf(a->metrics[0].unit, SC_GEN_NAME_MAX, "%s", unit);
        a->metrics[0].scale = 1.0;
    } else {
        char mp[SC_JSON_PATH_MAX], mip[SC_JSON_PATH_MAX];
        sc_json_path_key(mp, path, "metrics");
        size_t i = 0;
        for (const cJSON *m = ms->child; m; m = m->next, i++) {
            static const char *const mkeys[] = {"name", "unit", "scale", NULL};
            sc_json_path_index(mip, mp, i);
            metric_spec *x = &a->metrics[i];
            if ((st = sc_json_check_keys(cx, m, mip, mkeys)) != SC_OK ||
                (st = jname(cx, m, mip, "name", NULL, 0, x->name)) != SC_OK ||
                (st = jtext(cx, m, mip, "unit", unit, x->unit)) != SC_OK ||
                (st = jnum(cx, m, mip, "scale", 1.0, 0, INFINITY, "[)", &x->scale)) != SC_OK)
                return st;
            for (size_t j = 0; j < i; j++)
                if (strcmp(a->metrics[j].name, x->name) == 0)
                    return sc_json_fail(cx, SC_ERR_INPUT, mip, "name", "duplicate metric '%s'",
                                        x->name);
        }
    }
    /* base: a number, or {"default": x, "<geo>": y, ...} */
    const cJSON *b = jget(o, "base");
    double def = 100.0;
    int have_def = 1;
    if (b && cJSON_IsNumber(b)) {
        if (!(isfinite(b->valuedouble) && b->valuedouble >= 0))
            return sc_json_fail(cx, SC_ERR_INPUT, path, "base",
                                "expected a non-negative number, got %g", b->valuedouble);
        def = b->valuedouble;
        b = NULL;
    } else if (b && !cJSON_IsObject(b)) {
        return sc_json_fail(cx, SC_ERR_INPUT, path, "base",
                            "expected a number or an object {\"default\": x, \"<geo>\": y}, got %s",
                            sc_json_type_name(b));
    }
    char bp[SC_JSON_PATH_MAX];
    sc_json_path_key(bp, path, "base");
    if (b) {
        const cJSON *d = jget(b, "default");
        have_def = d != NULL;
        if (d && (st = jnum(cx, b, bp, "default", 100, 0, INFINITY, "[)", &def)) != SC_OK)
            return st;
        for (const cJSON *m = b->child; m; m = m->next) {
            const char *k = m->string ? m->string : "";
            if (strcmp(k, "default") == 0 || k[0] == '_' || strncmp(k, "comment", 7) == 0)
                continue;
            int found = 0;
            for (size_t g = 0; g < s->n_geos && !found; g++)
                found = strcmp(s->geos[g].name, k) == 0;
            if (!found)
                return sc_json_fail(cx, SC_ERR_INPUT, bp, k, "no geography named '%s' in $.geos",
                                    k);
            for (const cJSON *q = b->child; q != m; q = q->next)
                if (q->string && strcmp(q->string, k) == 0)
                    return sc_json_fail(cx, SC_ERR_INPUT, bp, k, "key occurs twice");
        }
    }
    for (size_t g = 0; g < s->n_geos; g++) {
        const cJSON *v = b ? jget(b, s->geos[g].name) : NULL;
        if (v) {
            if ((st = jnum(cx, b, bp, s->geos[g].name, 0, 0, INFINITY, "[)", &a->base[g])) !=
                SC_OK)
                return st;
        } else if (have_def) {
            a->base[g] = def * s->geos[g].scale;
        } else {
            return sc_json_fail(cx, SC_ERR_INPUT, path, "base",
                                "no level for geography '%s' and no \"default\"", s->geos[g].name);
        }
    }
    return SC_OK;
}

static sc_status parse_flash(const sc_json_ctx *cx, const cJSON *o, const char *path, flash_spec *f)
{
    static const char *const keys[] = {"rate_per_week", "lift", "duration", "rise_fraction",
                                       NULL};
    f->rate_per_week = 0.5;
    f->lift_lo = 0.5;
    f->lift_hi = 2.0;
    f->dur_lo = 15 * SC_MS_PER_MIN;
    f->dur_hi = 2 * SC_MS_PER_HOUR;
    f->rise_fraction = 0.2;
    if (!o)
        return SC_OK;
    sc_status st;
    if ((st = sc_json_check_keys(cx, o, path, keys)) != SC_OK ||
        (st = jnum(cx, o, path, "rate_per_week", 0.5, 0, MAX_RATE_PER_WEEK, "[]",
                   &f->rate_per_week)) ||
        (st = jnum_range(cx, o, path, "lift", 0.5, 2.0, 0, 1000, &f->lift_lo, &f->lift_hi)) ||
        (st = jdur_range(cx, o, path, "duration", f->dur_lo, f->dur_hi, SC_MS_PER_MIN,
                         &f->dur_lo, &f->dur_hi)) ||
        (st = jnum(cx, o, path, "rise_fraction", 0.2, 0, 1, "(]", &f->rise_fraction)))
        return st;
    return SC_OK;
}

static sc_status parse_campaigns(const sc_json_ctx *cx, const cJSON *o, const char *path,
                                 campaign_spec *c)
{
    static const char *const keys[] = {
        "count", "rate_per_week", "global_count", "global_rate_per_week", "lift", "duration",
        "ramp", "start_jitter", "end_jitter", "lift_noise", "lift_bias", "p_unannounced",
        "p_cancelled", "p_lift_unstated", "announce_round", NULL};
    memset(c, 0, sizeof *c);
    c->rate_per_week = 0.25;
    c->global_rate_per_week = 0.1;
    c->lift_lo = 0.2;
    c->lift_hi = 0.8;
    c->dur_lo = SC_MS_PER_DAY;
    c->dur_hi = 5 * SC_MS_PER_DAY;
    c->ramp_ms = 2 * SC_MS_PER_HOUR;
    c->start_jitter_ms = 3 * SC_MS_PER_HOUR;
    c->end_jitter_ms = 12 * SC_MS_PER_HOUR;
    c->lift_noise = 0.3;
    c->lift_bias = 1.0;
    c->p_unannounced = 0.15;
    c->p_cancelled = 0.1;
    c->p_lift_unstated = 0.2;
    c->announce_round_ms = SC_MS_PER_HOUR;
    if (!o)
        return SC_OK;
    sc_status st;
    double cnt = 0, gcnt = 0;
    if ((st = sc_json_check_keys(cx, o, path, keys)) != SC_OK ||
        (st = jnum(cx, o, path, "count", 0, 0, 1e6, "[]", &cnt)) ||
        (st = jnum(cx, o, path, "global_count", 0, 0, 1e6, "[]", &gcnt)) ||
        (st = jnum(cx, o, path, "rate_per_week", c->rate_per_week, 0, MAX_RATE_PER_WEEK, "[]",
                   &c->rate_per_week)) ||
        (st = jnum(cx, o, path, "global_rate_per_week", c->global_rate_per_week, 0,
                   MAX_RATE_PER_WEEK, "[]", &c->global_rate_per_week)) ||
        (st = jnum_range(cx, o, path, "lift", c->lift_lo, c->lift_hi, 0, 1000, &c->lift_lo,
                         &c->lift_hi)) ||
        (st = jdur_range(cx, o, path, "duration", c->dur_lo, c->dur_hi, SC_MS_PER_MIN,
                         &c->dur_lo, &c->dur_hi)) ||
        (st = jdur(cx, o, path, "ramp", c->ramp_ms, 0, &c->ramp_ms)) ||
        (st = jdur(cx, o, path, "start_jitter", c->start_jitter_ms, 0, &c->start_jitter_ms)) ||
        (st = jdur(cx, o, path, "end_jitter", c->end_jitter_ms, 0, &c->end_jitter_ms)) ||
        (st = jnum(cx, o, path, "lift_noise", c->lift_noise, 0, 3, "[]", &c->lift_noise)) ||
        (st = jnum(cx, o, path, "lift_bias", c->lift_bias, 0, 100, "[]", &c->lift_bias)) ||
        (st = jnum(cx, o, path, "p_unannounced", c->p_unannounced, 0, 1, "[]",
                   &c->p_unannounced)) ||
        (st = jnum(cx, o, path, "p_cancelled", c->p_cancelled, 0, 1, "[]", &c->p_cancelled)) ||
        (st = jnum(cx, o, path, "p_lift_unstated", c->p_lift_unstated, 0, 1, "[]",
                   &c->p_lift_unstated)) ||
        (st = jdur(cx, o, path, "announce_round", c->announce_round_ms, SC_MS_PER_SEC,
                   &c->announce_round_ms)))
        return st;
    if (jget(o, "count")) {
        if (cnt != floor(cnt))
            return sc_json_fail(cx, SC_ERR_INPUT, path, "count", "expected a whole number, got %g",
                                cnt);
        if (jget(o, "rate_per_week"))
            return sc_json_fail(cx, SC_ERR_INPUT, path, "count",
                                "give either \"count\" or \"rate_per_week\"");
        c->have_count = 1;
        c->count = (int64_t)cnt;
    }
    if (jget(o, "global_count")) {
        if (gcnt != floor(gcnt))
            return sc_json_fail(cx, SC_ERR_INPUT, path, "global_count",
                                "expected a whole number, got %g", gcnt);
        if (jget(o, "global_rate_per_week"))
            return sc_json_fail(cx, SC_ERR_INPUT, path, "global_count",
                                "give either \"global_count\" or \"global_rate_per_week\"");
        c->have_global_count = 1;
        c->global_count = (int64_t)gcnt;
    }
    if (c->p_unannounced + c->p_cancelled > 1.0)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "p_cancelled",
                            "p_unannounced + p_cancelled must be <= 1 "
                            "(they are exclusive outcomes)");
    return SC_OK;
}

static sc_status parse_fixed(const sc_json_ctx *cx, const cJSON *arr, const char *path, spec *s)
{
    if (!cJSON_IsArray(arr))
        return sc_json_fail(cx, SC_ERR_INPUT, path, NULL, "expected an array of events, got %s",
                            sc_json_type_name(arr));
    size_t n = (size_t)cJSON_GetArraySize(arr);
    s->fixed = calloc(n ? n : 1, sizeof *s->fixed);
    if (!s->fixed)
        return sc_error_set(cx->err, SC_ERR_NOMEM, NULL, "out of memory");
    size_t i = 0;
    for (const cJSON *e = arr->child; e; e = e->next, i++) {
        static const char *const keys[] = {"kind", "app", "geo", "start", "end", "duration",
                                           "lift", NULL};
        char p[SC_JSON_PATH_MAX];
        sc_json_path_index(p, path, i);
        sc_gen_truth *t = &s->fixed[i];
        sc_status st;
        int64_t dur = 0;
        if ((st = sc_json_check_keys(cx, e, p, keys)) != SC_OK ||
            (st = jname(cx, e, p, "kind", NULL, 0, t->kind)) != SC_OK ||
            (st = jname(cx, e, p, "app", "*", 1, t->app)) != SC_OK ||
            (st = jname(cx, e, p, "geo", "*", 1, t->geo)) != SC_OK ||
            (st = jtime(cx, e, p, "start", 1, 0, &t->actual_start_ms)) != SC_OK)
            return st;
        if (jget(e, "end") && jget(e, "duration"))
            return sc_json_fail(cx, SC_ERR_INPUT, p, "duration",
                                "give either \"end\" or \"duration\", not both");
        if (jget(e, "end")) {
            if ((st = jtime(cx, e, p, "end", 1, 0, &t->actual_end_ms)) != SC_OK)
                return st;
        } else {
            if (!jget(e, "duration"))
                return sc_json_fail(cx, SC_ERR_INPUT, p, "end",
                                    "required field is missing (or give \"duration\")");
            if ((st = jdur(cx, e, p, "duration", 0, SC_MS_PER_SEC, &dur)) != SC_OK)
                return st;
            t->actual_end_ms = sc_time_add(t->actual_start_ms, dur);
        }
        if (t->actual_end_ms <= t->actual_start_ms)
            return sc_json_fail(cx, SC_ERR_INPUT, p, "end", "must be after start");
        if (!jget(e, "lift"))
            return sc_json_fail(cx, SC_ERR_INPUT, p, "lift", "required field is missing");
        if ((st = jnum(cx, e, p, "lift", 0, -1, 1000, "(]", &t->actual_lift)) != SC_OK)
            return st;
        if (strcmp(t->app, "*") != 0) {
            int found = 0;
            for (size_t a = 0; a < s->n_apps && !found; a++)
                found = strcmp(s->apps[a].name, t->app) == 0;
            if (!found)
                return sc_json_fail(cx, SC_ERR_INPUT, p, "app", "no app named '%s' in $.apps",
                                    t->app);
        }
        if (strcmp(t->geo, "*") != 0) {
            int found = 0;
            for (size_t g = 0; g < s->n_geos && !found; g++)
                found = strcmp(s->geos[g].name, t->geo) == 0;
            if (!found)
                return sc_json_fail(cx, SC_ERR_INPUT, p, "geo",
                                    "no geography named '%s' in $.geos", t->geo);
        }
        t->status = SC_GEN_FIXED;
        t->in_feed = 1;
        t->announced_start_ms = t->actual_start_ms;
        t->announced_end_ms = t->actual_end_ms;
        t->announced_lift = t->actual_lift;
        s->n_fixed++;
    }
    return SC_OK;
}

static sc_status parse_spec(const sc_json_ctx *cx, const cJSON *root, const char *path,
                            const sc_gen_options *opt, spec *s)
{
    snprintf(s->file, sizeof s->file, "%s", cx->file ? cx->file : "");
    snprintf(s->path, sizeof s->path, "%s", path);
    static const char *const keys[] = {"start", "duration", "step", "geos", "apps",
                                       "flash_crowds", "campaigns", "events", NULL};
    sc_status st;
    char p[SC_JSON_PATH_MAX], q[SC_JSON_PATH_MAX];
    if ((st = sc_json_check_keys(cx, root, path, keys)) != SC_OK)
        return st;
    sc_time_ms def_start;
    sc_time_parse("2024-01-01T00:00:00Z", NULL, &def_start);
    if ((st = jtime(cx, root, path, "start", 0, def_start, &s->start)) != SC_OK ||
        (st = jdur(cx, root, path, "duration", 28 * SC_MS_PER_DAY, SC_MS_PER_SEC,
                   &s->duration_ms)) != SC_OK ||
        (st = jdur(cx, root, path, "step", 5 * SC_MS_PER_MIN, SC_MS_PER_SEC, &s->step_ms)) !=
            SC_OK)
        return st;
    if (opt) {
        if (opt->override_start)
            s->start = opt->start_ms;
        if (opt->duration_ms > 0)
            s->duration_ms = opt->duration_ms;
        if (opt->step_ms > 0)
            s->step_ms = opt->step_ms;
    }
    if (s->duration_ms < s->step_ms)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "duration",
                            "must be at least one step (%lld ms)", (long long)s->step_ms);
    /* geos */
    const cJSON *geos = jget(root, "geos");
    if (!geos)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "geos", "required field is missing");
    if (!cJSON_IsArray(geos) || cJSON_GetArraySize(geos) < 1)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "geos",
                            "expected a non-empty array of objects, got %s",
                            sc_json_type_name(geos));
    s->n_geos = (size_t)cJSON_GetArraySize(geos);
    s->geos = calloc(s->n_geos, sizeof *s->geos);
    if (!s->geos) {
        s->n_geos = 0;
        return sc_error_set(cx->err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    sc_json_path_key(p, path, "geos");
    size_t i = 0;
    for (const cJSON *g = geos->child; g; g = g->next, i++) {
        sc_json_path_index(q, p, i);
        if ((st = parse_geo(cx, g, q, &s->geos[i])) != SC_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->geos[j].name, s->geos[i].name) == 0)
                return sc_json_fail(cx, SC_ERR_INPUT, q, "name", "duplicate geography '%s'",
                                    s->geos[i].name);
    }
    /* apps */
    const cJSON *apps = jget(root, "apps");
    if (!apps)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "apps", "required field is missing");
    if (!cJSON_IsArray(apps) || cJSON_GetArraySize(apps) < 1)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "apps",
                            "expected a non-empty array of objects, got %s",
                            sc_json_type_name(apps));
    size_t na = (size_t)cJSON_GetArraySize(apps);
    s->apps = calloc(na, sizeof *s->apps);
    if (!s->apps)
        return sc_error_set(cx->err, SC_ERR_NOMEM, NULL, "out of memory");
    s->n_apps = na;
    sc_json_path_key(p, path, "apps");
    i = 0;
    for (const cJSON *a = apps->child; a; a = a->next, i++) {
        sc_json_path_index(q, p, i);
        if ((st = parse_app(cx, a, q, s, &s->apps[i])) != SC_OK)
            return st;
        for (size_t j = 0; j < i; j++)
            if (strcmp(s->apps[j].name, s->apps[i].name) == 0)
                return sc_json_fail(cx, SC_ERR_INPUT, q, "name", "duplicate app '%s'",
                                    s->apps[i].name);
    }
    int64_t total = (int64_t)(s->duration_ms / s->step_ms);
    size_t nser = 0;
    for (size_t a = 0; a < s->n_apps; a++)
        nser += s->apps[a].n_metrics * s->n_geos;
    double gen_bytes = (double)total * (double)nser * (double)sizeof(double);
    if (gen_bytes > MAX_GEN_BYTES && !s->streamed)
        return sc_json_fail(cx, SC_ERR_INPUT, path, "duration",
                            "%lld steps x %zu series exceeds the limit: about %.1f GiB of "
                            "samples (8 bytes each), more than the %.0f GiB allowed",
                            (long long)total, nser, gen_bytes / 1073741824.0,
                            MAX_GEN_BYTES / 1073741824.0);
    /* events */
    const cJSON *fc = jget(root, "flash_crowds");
    sc_json_path_key(p, path, "flash_crowds");
    if ((st = parse_flash(cx, fc, p, &s->flash)) != SC_OK)
        return st;
    const cJSON *cp = jget(root, "campaigns");
    sc_json_path_key(p, path, "campaigns");
    if ((st = parse_campaigns(cx, cp, p, &s->camp)) != SC_OK)
        return st;
    const cJSON *ev = jget(root, "events");
    if (ev) {
        sc_json_path_key(p, path, "events");
        if ((st = parse_fixed(cx, ev, p, s)) != SC_OK)
            return st;
    }
    return SC_OK;
}

/* ---- event generation ----------------------------------------------------------------- */

typedef struct truth_list {
    sc_gen_truth *v;
    size_t n, cap;
} truth_list;

static sc_status truth_push(truth_list *l, const sc_gen_truth *t)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 64;
        sc_gen_truth *nv = realloc(l->v, nc * sizeof *nv);
        if (!nv)
            return SC_ERR_NOMEM;
        l->v = nv;
        l->cap = nc;
    }
    l->v[l->n++] = *t;
    return SC_OK;
}

static double uniform_in(double lo, double hi, double u)
{
    return lo + (hi - lo) * u;
}

static int64_t round_to(int64_t v, int64_t q)
{
    return sc_time_floor_div(v + q / 2, q) * q;
}

/* Campaigns of scope (app, geo or "*"). */
static sc_status gen_campaigns(const spec *s, uint64_t seed, const char *app, const char *geo,
                               int global, truth_list *out)
{
    const campaign_spec *c = &s->camp;
    uint64_t ha = sc_rng_hash_str(app), hg = sc_rng_hash_str(geo);
    int64_t n;
    int have = global ? c->have_global_count : c->have_count;
    if (have) {
        n = global ? c->global_count : c->count;
    } else {
        double rate = global ? c->global_rate_per_week : c->rate_per_week;
        double mu = rate * (double)s->duration_ms / (double)(7 * SC_MS_PER_DAY);
        if (mu <= 0)
            return SC_OK;
        gsl_rng *r = sc_rng_stream_alloc(sc_rng_key(seed, SC_RNG_EVENT, ha, hg, 0));
        if (!r)
            return SC_ERR_NOMEM;
        n = (int64_t)gsl_ran_poisson(r, mu);
        gsl_rng_free(r);
    }
    const sc_time_ms t0 = s->start, t1 = s->start + s->duration_ms;
    const int64_t q = c->announce_round_ms;
    for (int64_t i = 0; i < n; i++) {
        double u[8];
        for (uint64_t f = 0; f < 8; f++)
            u[f] = sc_rng_u01(sc_rng_key(seed, SC_RNG_EVENT, ha, hg, (uint64_t)(i + 1) * 16 + f));
        sc_gen_truth t;
        memset(&t, 0, sizeof t);
        snprintf(t.kind, sizeof t.kind, "campaign");
        snprintf(t.app, sizeof t.app, "%s", app);
        snprintf(t.geo, sizeof t.geo, "%s", geo);
        /* the plan, as it would be announced: times rounded to announce_round */
        int64_t dur = round_to((int64_t)llround(uniform_in((double)c->dur_lo, (double)c->dur_hi,
                                                           u[0])), q);
        if (dur < q)
            dur = q;
        int64_t room = (t1 - t0) - dur;
        sc_time_ms a_start =
            round_to(t0 + (room > 0 ? (int64_t)llround((double)room * u[1]) : 0), q);
        sc_time_ms a_end = a_start + dur;
        /* announced lifts are round figures (whole percent) */
        double a_lift = round(100.0 * uniform_in(c->lift_lo, c->lift_hi, u[2])) / 100.0;
        /* what actually happens */
        sc_time_ms r_start =
            a_start + round_to((int64_t)llround((double)c->start_jitter_ms *
                                                gsl_cdf_ugaussian_Pinv(u[4])),
                               SC_MS_PER_MIN);
        sc_time_ms r_end = a_end + round_to((int64_t)llround((double)c->end_jitter_ms *
                                                             gsl_cdf_ugaussian_Pinv(u[5])),
                                            SC_MS_PER_MIN);
        int64_t min_dur = round_to(dur / 4, SC_MS_PER_MIN);
        if (min_dur < SC_MS_PER_MIN)
            min_dur = SC_MS_PER_MIN;
        if (r_end < r_start + min_dur)
            r_end = r_start + min_dur;
        double z = gsl_cdf_ugaussian_Pinv(u[6]);
        double r_lift =
            a_lift * c->lift_bias * exp(c->lift_noise * z - 0.5 * c->lift_noise * c->lift_noise);
        int stated = u[7] >= c->p_lift_unstated;
        if (u[3] < c->p_unannounced) {
            t.status = SC_GEN_UNANNOUNCED;
            t.in_feed = 0;
            t.announced_start_ms = r_start;
            t.announced_end_ms = r_end;
            t.announced_lift = NAN;
            t.actual_start_ms = r_start;
            t.actual_end_ms = r_end;
            t.actual_lift = r_lift;
        } else if (u[3] < c->p_unannounced + c->p_cancelled) {
            t.status = SC_GEN_CANCELLED;
            t.in_feed = 1;
            t.announced_start_ms = a_start;
            t.announced_end_ms = a_end;
            t.announced_lift = stated ? a_lift : NAN;
            t.actual_start_ms = a_start;
            t.actual_end_ms = a_end;
            t.actual_lift = 0.0;
        } else {
            t.status = SC_GEN_HAPPENED;
            t.in_feed = 1;
            t.announced_start_ms = a_start;
            t.announced_end_ms = a_end;
            t.announced_lift = stated ? a_lift : NAN;
            t.actual_start_ms = r_start;
            t.actual_end_ms = r_end;
            t.actual_lift = r_lift;
        }
        if (truth_push(out, &t) != SC_OK)
            return SC_ERR_NOMEM;
    }
    return SC_OK;
}

/* Flash crowds of (app, geo): Poisson arrivals over [start, end). */
static sc_status gen_flash(const spec *s, uint64_t seed, const char *app, const char *geo,
                           truth_list *out)
{
    const flash_spec *f = &s->flash;
    if (f->rate_per_week <= 0)
        return SC_OK;
    gsl_rng *r = sc_rng_stream_alloc(sc_rng_key(seed, SC_RNG_TRACE, sc_rng_hash_str(app),
                                                sc_rng_hash_str(geo), sc_rng_hash_str("#flash")));
    if (!r)
        return SC_ERR_NOMEM;
    double mean_gap_ms = (double)(7 * SC_MS_PER_DAY) / f->rate_per_week;
    double t = (double)s->start;
    const double t1 = (double)(s->start + s->duration_ms);
    sc_status st = SC_OK;
    for (;;) {
        t += gsl_ran_exponential(r, mean_gap_ms);
        if (t >= t1)
            break;
        double du = gsl_rng_uniform(r), lu = gsl_rng_uniform(r);
        sc_gen_truth x;
        memset(&x, 0, sizeof x);
        snprintf(x.kind, sizeof x.kind, "flash_crowd");
        snprintf(x.app, sizeof x.app, "%s", app);
        snprintf(x.geo, sizeof x.geo, "%s", geo);
        x.status = SC_GEN_FLASH_CROWD;
        x.in_feed = 0;
        x.actual_start_ms = round_to((sc_time_ms)llround(t), SC_MS_PER_SEC);
        int64_t d = round_to((int64_t)llround(uniform_in((double)f->dur_lo, (double)f->dur_hi, du)),
                             SC_MS_PER_SEC);
        x.actual_end_ms = x.actual_start_ms + (d > 0 ? d : SC_MS_PER_SEC);
        x.actual_lift = uniform_in(f->lift_lo, f->lift_hi, lu);
        x.announced_start_ms = x.actual_start_ms;
        x.announced_end_ms = x.actual_end_ms;
        x.announced_lift = NAN;
        if ((st = truth_push(out, &x)) != SC_OK)
            break;
    }
    gsl_rng_free(r);
    return st;
}

static int cmp_truth(const void *pa, const void *pb)
{
    const sc_gen_truth *a = pa, *b = pb;
    if (a->actual_start_ms != b->actual_start_ms)
        return a->actual_start_ms < b->actual_start_ms ? -1 : 1;
    int c = strcmp(a->app, b->app);
    if (c)
        return c;
    if ((c = strcmp(a->geo, b->geo)))
        return c;
    if ((c = strcmp(a->kind, b->kind)))
        return c;
    if (a->status != b->status)
        return a->status < b->status ? -1 : 1;
    if (a->actual_end_ms != b->actual_end_ms)
        return a->actual_end_ms < b->actual_end_ms ? -1 : 1;
    if (a->announced_start_ms != b->announced_start_ms)
        return a->announced_start_ms < b->announced_start_ms ? -1 : 1;
    return (a->actual_lift > b->actual_lift) - (a->actual_lift < b->actual_lift);
}

/* Shape of an event's effect at t, in [0, 1]. */
static double event_shape(const sc_gen_truth *e, sc_time_ms t, const spec *s)
{
    if (t < e->actual_start_ms || t >= e->actual_end_ms)
        return 0.0;
    double x = (double)(t - e->actual_start_ms);
    double len = (double)(e->actual_end_ms - e->actual_start_ms);
    if (e->status == SC_GEN_FLASH_CROWD) {
        double rise = s->flash.rise_fraction * len;
        if (x < rise)
            return x / rise;
        return (len - x) / (len - rise > 0 ? len - rise : 1.0);
    }
    if (e->status == SC_GEN_FIXED)
        return 1.0;
    double ramp = (double)s->camp.ramp_ms;
    if (ramp > len / 2)
        ramp = len / 2;
    if (ramp <= 0)
        return 1.0;
    if (x < ramp)
        return x / ramp;
    if (len - x < ramp)
        return (len - x) / ramp;
    return 1.0;
}

/* ---- the run -------------------------------------------------------------------------- */

const char *sc_gen_truth_status_name(sc_gen_truth_status st)
{
    switch (st) {
    case SC_GEN_HAPPENED: return "happened";
    case SC_GEN_UNANNOUNCED: return "unannounced";
    case SC_GEN_CANCELLED: return "cancelled";
    case SC_GEN_FLASH_CROWD: return "flash_crowd";
    case SC_GEN_FIXED: return "fixed";
    }
    return "unknown";
}

void sc_gen_result_free(sc_gen_result *res)
{
    if (!res)
        return;
    for (size_t i = 0; i < res->n_series; i++)
        free(res->series[i].v);
    free(res->series);
    sc_event_feed_free(res->feed);
    free(res->truth);
    free(res);
}

static int cmp_series(const void *pa, const void *pb)
{
    const sc_gen_series *a = pa, *b = pb;
    int c = strcmp(a->app, b->app);
    if (c)
        return c;
    if ((c = strcmp(a->geo, b->geo)))
        return c;
    return strcmp(a->metric, b->metric);
}

/* The events of a spec: per-scope campaigns, global campaigns, flash crowds, fixed
 * events, sorted (cmp_truth). */
static sc_status gen_events(const spec *s, uint64_t seed, sc_gen_truth **out, size_t *n_out)
{
    truth_list tl = {0};
    sc_status st = SC_OK;
    for (size_t a = 0; a < s->n_apps && st == SC_OK; a++) {
        for (size_t g = 0; g < s->n_geos && st == SC_OK; g++) {
            st = gen_campaigns(s, seed, s->apps[a].name, s->geos[g].name, 0, &tl);
            if (st == SC_OK)
                st = gen_flash(s, seed, s->apps[a].name, s->geos[g].name, &tl);
        }
        if (st == SC_OK)
            st = gen_campaigns(s, seed, s->apps[a].name, "*", 1, &tl);
    }
    for (size_t i = 0; i < s->n_fixed && st == SC_OK; i++)
        st = truth_push(&tl, &s->fixed[i]);
    if (st != SC_OK) {
        free(tl.v);
        return st;
    }
    if (tl.n > 1)
        qsort(tl.v, tl.n, sizeof *tl.v, cmp_truth);
    *out = tl.v;
    *n_out = tl.n;
    return SC_OK;
}

/* A name and its index in the spec, sorted by name to find an event's scope. */
typedef struct name_ix {
    const char *name;
    size_t i;
} name_ix;

static int cmp_name_ix(const void *pa, const void *pb)
{
    return strcmp(((const name_ix *)pa)->name, ((const name_ix *)pb)->name);
}

/* The index of name in sorted order[0..n), or SIZE_MAX. */
static size_t name_find(const name_ix *order, size_t n, const char *name)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(order[mid].name, name);
        if (c == 0)
            return order[mid].i;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

/* The events acting on each (geo g, app a), in truth order: ev[ev_start[g * n_apps + a]
 * .. ev_start[g * n_apps + a + 1]).  The same set as scanning every event with
 * scope_covers (not cancelled, ending after the start), found by name instead. */
typedef struct ev_index {
    size_t *start; /* [n_geos * n_apps + 1] */
    size_t *ev;
} ev_index;

static void ev_index_free(ev_index *x)
{
    free(x->start);
    free(x->ev);
    x->start = x->ev = NULL;
}

static sc_status ev_index_build(const spec *s, const sc_gen_truth *truth, size_t n_truth,
                                ev_index *x)
{
    size_t na = s->n_apps, ng = s->n_geos, cells = na * ng;
    name_ix *oa = malloc((na + 1) * sizeof *oa), *og = malloc((ng + 1) * sizeof *og);
    x->start = calloc(cells + 1, sizeof *x->start);
    x->ev = NULL;
    if (!oa || !og || !x->start)
        goto nomem;
    for (size_t i = 0; i < na; i++)
        oa[i] = (name_ix){s->apps[i].name, i};
    for (size_t i = 0; i < ng; i++)
        og[i] = (name_ix){s->geos[i].name, i};
    qsort(oa, na, sizeof *oa, cmp_name_ix);
    qsort(og, ng, sizeof *og, cmp_name_ix);
    for (int pass = 0; pass < 2; pass++) {
        size_t *fill = NULL;
        if (pass == 1) {
            size_t acc = 0;
            for (size_t c = 0; c <= cells; c++) {
                size_t n = x->start[c];
                x->start[c] = acc;
                acc += n;
            }
            x->ev = malloc((acc + 1) * sizeof *x->ev);
            fill = calloc(cells + 1, sizeof *fill);
            if (!x->ev || !fill) {
                free(fill);
                goto nomem;
            }
        }
        for (size_t e = 0; e < n_truth; e++) {
            const sc_gen_truth *t = &truth[e];
            if (t->status == SC_GEN_CANCELLED || t->actual_end_ms <= s->start)
                continue;
            int all_a = strcmp(t->app, "*") == 0, all_g = strcmp(t->geo, "*") == 0;
            size_t a0 = 0, a1 = na, g0 = 0, g1 = ng;
            if (!all_a) {
                a0 = name_find(oa, na, t->app);
                if (a0 == SIZE_MAX)
                    continue;
                a1 = a0 + 1;
            }
            if (!all_g) {
                g0 = name_find(og, ng, t->geo);
                if (g0 == SIZE_MAX)
                    continue;
                g1 = g0 + 1;
            }
            for (size_t g = g0; g < g1; g++)
                for (size_t a = a0; a < a1; a++) {
                    size_t c = g * na + a;
                    if (pass == 0)
                        x->start[c]++;
                    else
                        x->ev[x->start[c] + fill[c]++] = e;
                }
        }
        free(fill);
    }
    free(oa);
    free(og);
    return SC_OK;
nomem:
    free(oa);
    free(og);
    ev_index_free(x);
    return SC_ERR_NOMEM;
}

/* Local hour and weekend flag of geography gs at steps [k0, k1) (index k - k0). */
static void geo_window(const spec *s, const geo_spec *gs, int64_t k0, int64_t k1,
                       double *local_hour, double *weekend)
{
    for (int64_t k = k0; k < k1; k++) {
        sc_time_ms t = s->start + (sc_time_ms)k * s->step_ms;
        sc_time_ms local = t + geo_offset_ms(gs, t);
        int64_t day = sc_time_floor_div(local, SC_MS_PER_DAY);
        local_hour[k - k0] = (double)(local - day * SC_MS_PER_DAY) / (double)SC_MS_PER_HOUR;
        /* 1970-01-01 was a Thursday: (day + 4) mod 7 is 0 on Sunday, 6 on Saturday */
        int64_t dow = ((day + 4) % 7 + 7) % 7;
        weekend[k - k0] = (dow == 0 || dow == 6) ? 1.0 : 0.0;
    }
}

/* Issue 13: the factors of the shape that many series share, per window.  The cosine
 * of the daily cycle depends only on the geography's local hour and the app's peak hour,
 * the trend only on the app's growth rate and the step, so in a window the series of
 * many apps share them (bench/scale: 13 peak hours and one rate over 10^5 series).  Each
 * is computed by the same expression as without the cache, so values are the same bits.
 * Direct-mapped tables keyed by (geography, peak hour) and by rate; a collision only
 * recomputes.  Emptied whenever the window moves (sc_gen_stream_window). */
#define SHAPE_COS_SLOTS 512
#define SHAPE_TREND_SLOTS 8
#define SHAPE_CACHE_BYTES (8.0 * 1024.0 * 1024.0) /* no cache for windows larger than
                                                      this allows */
typedef struct shape_cache {
    size_t cap;                           /* steps per entry (0: no cache) */
    uint64_t cos_key[SHAPE_COS_SLOTS];    /* peak hour's bits of the entry */
    uint32_t cos_geo[SHAPE_COS_SLOTS];    /* geography of the entry + 1 (0: empty) */
    uint64_t trend_key[SHAPE_TREND_SLOTS];/* rate's bits */
    unsigned char trend_ok[SHAPE_TREND_SLOTS];
    double *cosv;                         /* [SHAPE_COS_SLOTS * cap] */
    double *trend;                        /* [SHAPE_TREND_SLOTS * cap] */
} shape_cache;

static uint64_t dbl_bits(double x)
{
    uint64_t u;
    memcpy(&u, &x, sizeof u);
    return u;
}

static void shape_cache_clear(shape_cache *cc)
{
    memset(cc->cos_geo, 0, sizeof cc->cos_geo);
    memset(cc->trend_ok, 0, sizeof cc->trend_ok);
}

/* The cosines of the daily cycle of (geo g, peak hour) over the window, cached. */
static const double *shape_cos(shape_cache *cc, size_t g, double peak, const double *local_hour,
                               size_t w)
{
    uint64_t pk = dbl_bits(peak);
    size_t i = (size_t)(sc_rng_mix64(pk ^ ((uint64_t)g * UINT64_C(0x9E3779B97F4A7C15))) %
                        SHAPE_COS_SLOTS);
    double *v = cc->cosv + i * cc->cap;
    if (cc->cos_geo[i] != (uint32_t)g + 1 || cc->cos_key[i] != pk) {
        for (size_t j = 0; j < w; j++)
            v[j] = cos(2.0 * PI_ * (local_hour[j] - peak) / 24.0);
        cc->cos_geo[i] = (uint32_t)g + 1;
        cc->cos_key[i] = pk;
    }
    return v;
}

/* (1 + rate)^days over the window's steps [k0, k0 + w), cached. */
static const double *shape_trend(shape_cache *cc, const spec *s, double rate, int64_t k0,
                                 size_t w)
{
    uint64_t rk = dbl_bits(rate);
    size_t i = (size_t)(sc_rng_mix64(rk) % SHAPE_TREND_SLOTS);
    double *v = cc->trend + i * cc->cap;
    if (!cc->trend_ok[i] || cc->trend_key[i] != rk) {
        for (size_t j = 0; j < w; j++) {
            int64_t k = k0 + (int64_t)j;
            double days = (double)((sc_time_ms)k * s->step_ms) / (double)SC_MS_PER_DAY;
            v[j] = pow(1.0 + rate, days);
        }
        cc->trend_ok[i] = 1;
        cc->trend_key[i] = rk;
    }
    return v;
}

/* The deterministic demand shape of (app a, geo g) at steps [k0, k1): base level with
 * daily, weekly and trend factors, and the events' multiplier.  cc: the window's cache
 * of shared factors, or NULL. */
static void shape_window(const spec *s, const sc_gen_truth *truth, const ev_index *ix,
                         size_t a, size_t g, const double *local_hour, const double *weekend,
                         int64_t k0, int64_t k1, double *base, double *mult, shape_cache *cc)
{
    const app_spec *as = &s->apps[a];
    if (cc && cc->cap >= (size_t)(k1 - k0)) {
        size_t w = (size_t)(k1 - k0);
        const double *cv = shape_cos(cc, g, as->peak_hour, local_hour, w);
        const double *tr = shape_trend(cc, s, as->trend_per_day, k0, w);
        for (size_t j = 0; j < w; j++) {
            double daily = 1.0 + as->daily_amplitude * cv[j];
            double weekly = weekend[j] != 0.0 ? as->weekend_factor : 1.0;
            base[j] = as->base[g] * daily * weekly * tr[j];
            mult[j] = 1.0;
        }
    } else {
        for (int64_t k = k0; k < k1; k++) {
            size_t j = (size_t)(k - k0);
            double days = (double)((sc_time_ms)k * s->step_ms) / (double)SC_MS_PER_DAY;
            double daily = 1.0 + as->daily_amplitude *
                                     cos(2.0 * PI_ * (local_hour[j] - as->peak_hour) / 24.0);
            double weekly = weekend[j] != 0.0 ? as->weekend_factor : 1.0;
            double trend = pow(1.0 + as->trend_per_day, days);
            base[j] = as->base[g] * daily * weekly * trend;
            mult[j] = 1.0;
        }
    }
    size_t c = g * s->n_apps + a;
    for (size_t i = ix->start[c]; i < ix->start[c + 1]; i++) {
        const sc_gen_truth *t = &truth[ix->ev[i]];
        int64_t ks = sc_time_floor_div(t->actual_start_ms - s->start, s->step_ms);
        if (ks < k0)
            ks = k0;
        for (int64_t k = ks; k < k1; k++) {
            sc_time_ms tk = s->start + (sc_time_ms)k * s->step_ms;
            if (tk >= t->actual_end_ms)
                break;
            mult[k - k0] *= 1.0 + t->actual_lift * event_shape(t, tk, s);
        }
    }
}

/* The noise state of one series between windows. */
typedef struct noise_state {
    gsl_rng *r;    /* NULL before step 0 and after the last step */
    double x;      /* the AR(1) state after the last step produced */
    int64_t next;  /* next step to produce */
} noise_state;

static uint64_t noise_key(const spec *s, uint64_t seed, size_t a, size_t g, size_t m)
{
    const app_spec *as = &s->apps[a];
    return sc_rng_key(seed, SC_RNG_TRACE, sc_rng_hash_str(as->name),
                      sc_rng_hash_str(s->geos[g].name), sc_rng_hash_str(as->metrics[m].name));
}

/* Values of series (a, g, m) at steps [ns->next, k1) into out (index k - k0 where k0 is
 * ns->next): shape times AR(1) log-noise, one stream per series drawn in step order, so
 * windows in sequence give the bytes of one pass. */
static sc_status noise_window(const spec *s, uint64_t seed, size_t a, size_t g, size_t m,
                              noise_state *ns, int64_t k1, const double *base,
                              const double *mult, double *out, sc_error *err)
{
    const app_spec *as = &s->apps[a];
    const metric_spec *ms = &as->metrics[m];
    const double sig = as->noise_sigma, phi = as->noise_ar;
    const double innov = sig * sqrt(1.0 - phi * phi);
    int64_t k0 = ns->next;
    if (k0 >= k1)
        return SC_OK;
    if (k0 == 0) {
        ns->r = sc_rng_stream_alloc(noise_key(s, seed, a, g, m));
        if (!ns->r)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory generating traces");
        ns->x = sig * gsl_ran_gaussian_ziggurat(ns->r, 1.0);
    }
    double x = ns->x;
    for (int64_t k = k0; k < k1; k++) {
        if (k > 0)
            x = phi * x + innov * gsl_ran_gaussian_ziggurat(ns->r, 1.0);
        double noise = exp(x - 0.5 * sig * sig);
        size_t j = (size_t)(k - k0);
        double v = ms->scale * base[j] * mult[j] * noise;
        if (!isfinite(v)) {
            /* many overlapping events (each a factor 1 + lift) multiply past the range of
             * a double: a spec error, not a load */
            char when[40];
            sc_time_format(s->start + (sc_time_ms)k * s->step_ms, when, sizeof when);
            return sc_error_set(err, SC_ERR_INPUT, s->file[0] ? s->file : NULL,
                                "%s: the load of %s/%s/%s at %s is not a finite number: the "
                                "overlapping events' factors (1 + lift each) multiply past "
                                "%g; lower campaigns/flash_crowds rate_per_week or lift",
                                s->path, as->name, s->geos[g].name, ms->name, when, DBL_MAX);
        }
        out[j] = v > 0.0 ? v : 0.0;
    }
    ns->x = x;
    ns->next = k1;
    if (k1 >= (int64_t)(s->duration_ms / s->step_ms)) {
        gsl_rng_free(ns->r);
        ns->r = NULL;
    }
    return SC_OK;
}

static sc_status generate(const spec *s, uint64_t seed, sc_gen_result *res, sc_error *err)
{
    const size_t n = (size_t)(s->duration_ms / s->step_ms);
    res->start_ms = s->start;
    res->step_ms = s->step_ms;
    res->n_steps = n;
    size_t nser = 0;
    double *local_hour = NULL, *weekend = NULL, *mult = NULL, *base = NULL;
    ev_index ix = {0};
    sc_status st = gen_events(s, seed, &res->truth, &res->n_truth);
    if (st != SC_OK)
        goto nomem;

    /* the feed: what was announced */
    res->feed = sc_event_feed_alloc();
    if (!res->feed)
        goto nomem;
    for (size_t i = 0; i < res->n_truth; i++) {
        const sc_gen_truth *t = &res->truth[i];
        if (!t->in_feed)
            continue;
        sc_event ev;
        memset(&ev, 0, sizeof ev);
        ev.start_ms = t->announced_start_ms;
        ev.end_ms = t->announced_end_ms;
        snprintf(ev.app, sizeof ev.app, "%s", t->app);
        snprintf(ev.geo, sizeof ev.geo, "%s", t->geo);
        snprintf(ev.kind, sizeof ev.kind, "%s", t->kind);
        ev.lift = t->announced_lift;
        if ((st = sc_event_feed_add(res->feed, &ev, err)) != SC_OK)
            return st;
    }
    sc_event_feed_sort(res->feed);
    if (ev_index_build(s, res->truth, res->n_truth, &ix) != SC_OK)
        goto nomem;

    /* series: one pass over the whole run (the window [0, n) of sc_gen_stream) */
    for (size_t a = 0; a < s->n_apps; a++)
        nser += s->apps[a].n_metrics * s->n_geos;
    res->series = calloc(nser, sizeof *res->series);
    local_hour = malloc(n * sizeof *local_hour);
    weekend = malloc(n * sizeof *weekend);
    mult = malloc(n * sizeof *mult);
    base = malloc(n * sizeof *base);
    if (!res->series || !local_hour || !weekend || !mult || !base)
        goto nomem;
    size_t si = 0;
    for (size_t g = 0; g < s->n_geos; g++) {
        const geo_spec *gs = &s->geos[g];
        geo_window(s, gs, 0, (int64_t)n, local_hour, weekend);
        for (size_t a = 0; a < s->n_apps; a++) {
            const app_spec *as = &s->apps[a];
            shape_window(s, res->truth, &ix, a, g, local_hour, weekend, 0, (int64_t)n, base,
                         mult, NULL);
            for (size_t m = 0; m < as->n_metrics; m++) {
                const metric_spec *ms = &as->metrics[m];
                sc_gen_series *sr = &res->series[si++];
                snprintf(sr->app, sizeof sr->app, "%s", as->name);
                snprintf(sr->geo, sizeof sr->geo, "%s", gs->name);
                snprintf(sr->metric, sizeof sr->metric, "%s", ms->name);
                snprintf(sr->unit, sizeof sr->unit, "%s", ms->unit);
                sr->start_ms = s->start;
                sr->step_ms = s->step_ms;
                sr->n = n;
                sr->v = malloc(n * sizeof *sr->v);
                if (!sr->v)
                    goto nomem;
                noise_state ns = {0};
                sc_status nst = noise_window(s, seed, a, g, m, &ns, (int64_t)n, base, mult,
                                             sr->v, err);
                if (ns.r)
                    gsl_rng_free(ns.r);
                if (nst != SC_OK) {
                    ev_index_free(&ix);
                    free(local_hour);
                    free(weekend);
                    free(mult);
                    free(base);
                    res->n_series = nser; /* calloc'ed: unset v are NULL */
                    return nst;
                }
            }
        }
    }
    res->n_series = si;
    qsort(res->series, res->n_series, sizeof *res->series, cmp_series);
    ev_index_free(&ix);
    free(local_hour);
    free(weekend);
    free(mult);
    free(base);
    return SC_OK;
nomem:
    ev_index_free(&ix);
    free(local_hour);
    free(weekend);
    free(mult);
    free(base);
    if (res->series)
        res->n_series = nser; /* calloc'ed: unset v are NULL */
    return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory generating traces");
}

/* ---- the generator by window ---------------------------------------------------------- */

struct sc_gen_stream {
    spec s;
    uint64_t seed;
    int64_t n_steps;
    sc_gen_truth *truth;
    size_t n_truth;
    ev_index ix;
    size_t n_series;      /* in generation order: geo, app, metric */
    size_t *ser_app, *ser_geo, *ser_metric;
    size_t *by_name;      /* [n_series] series sorted by (app, geo, metric) for find */
    noise_state *noise;   /* [n_series] */
    int64_t k0, k1;       /* the current window */
    size_t cap;           /* steps the window buffers hold */
    double *local_hour, *weekend; /* [n_geos * cap] */
    double *base, *mult;  /* [cap] */
    shape_cache cc;       /* the window's shared factors (issue 13) */
};

void sc_gen_stream_free(sc_gen_stream *gs)
{
    if (!gs)
        return;
    for (size_t i = 0; gs->noise && i < gs->n_series; i++)
        gsl_rng_free(gs->noise[i].r);
    free(gs->noise);
    free(gs->ser_app);
    free(gs->ser_geo);
    free(gs->ser_metric);
    free(gs->by_name);
    ev_index_free(&gs->ix);
    free(gs->truth);
    free(gs->local_hour);
    free(gs->weekend);
    free(gs->base);
    free(gs->mult);
    free(gs->cc.cosv);
    free(gs->cc.trend);
    spec_cleanup(&gs->s);
    free(gs);
}

/* Order of series i against the names (app, geo, metric). */
static int series_cmp(const sc_gen_stream *gs, size_t i, const char *app, const char *geo,
                      const char *metric)
{
    const app_spec *as = &gs->s.apps[gs->ser_app[i]];
    int c = strcmp(as->name, app);
    if (!c)
        c = strcmp(gs->s.geos[gs->ser_geo[i]].name, geo);
    if (!c)
        c = strcmp(as->metrics[gs->ser_metric[i]].name, metric);
    return c;
}

static _Thread_local const sc_gen_stream *sort_gs; /* qsort has no context argument */

static int cmp_by_name(const void *pa, const void *pb)
{
    size_t b = *(const size_t *)pb;
    const app_spec *as = &sort_gs->s.apps[sort_gs->ser_app[b]];
    return series_cmp(sort_gs, *(const size_t *)pa, as->name,
                      sort_gs->s.geos[sort_gs->ser_geo[b]].name,
                      as->metrics[sort_gs->ser_metric[b]].name);
}

sc_status sc_gen_stream_open(const char *text, const char *spec_file, uint64_t seed,
                             const sc_gen_options *opt, sc_gen_stream **out, sc_error *err)
{
    *out = NULL;
    if (!spec_file)
        spec_file = "<spec>";
    cJSON *root = NULL;
    sc_status st = sc_json_parse(text ? text : "", spec_file, &root, err);
    if (st != SC_OK)
        return st;
    sc_gen_stream *gs = calloc(1, sizeof *gs);
    if (!gs) {
        cJSON_Delete(root);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    sc_json_ctx cx = {spec_file, err};
    gs->s.streamed = 1;
    st = parse_spec(&cx, root, "$", opt, &gs->s);
    cJSON_Delete(root);
    if (st != SC_OK) {
        sc_gen_stream_free(gs);
        return st;
    }
    const spec *s = &gs->s;
    gs->seed = seed;
    gs->n_steps = (int64_t)(s->duration_ms / s->step_ms);
    if (gen_events(s, seed, &gs->truth, &gs->n_truth) != SC_OK ||
        ev_index_build(s, gs->truth, gs->n_truth, &gs->ix) != SC_OK)
        goto nomem;
    for (size_t a = 0; a < s->n_apps; a++)
        gs->n_series += s->apps[a].n_metrics * s->n_geos;
    gs->ser_app = malloc((gs->n_series + 1) * sizeof *gs->ser_app);
    gs->ser_geo = malloc((gs->n_series + 1) * sizeof *gs->ser_geo);
    gs->ser_metric = malloc((gs->n_series + 1) * sizeof *gs->ser_metric);
    gs->noise = calloc(gs->n_series + 1, sizeof *gs->noise);
    gs->by_name = malloc((gs->n_series + 1) * sizeof *gs->by_name);
    if (!gs->ser_app || !gs->ser_geo || !gs->ser_metric || !gs->noise || !gs->by_name)
        goto nomem;
    size_t si = 0;
    for (size_t g = 0; g < s->n_geos; g++)
        for (size_t a = 0; a < s->n_apps; a++)
            for (size_t m = 0; m < s->apps[a].n_metrics; m++, si++) {
                gs->ser_app[si] = a;
                gs->ser_geo[si] = g;
                gs->ser_metric[si] = m;
            }
    for (size_t i = 0; i < gs->n_series; i++)
        gs->by_name[i] = i;
    sort_gs = gs;
    qsort(gs->by_name, gs->n_series, sizeof *gs->by_name, cmp_by_name);
    sort_gs = NULL;
    *out = gs;
    return SC_OK;
nomem:
    sc_gen_stream_free(gs);
    return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory generating traces");
}

int64_t sc_gen_stream_steps(const sc_gen_stream *gs)
{
    return gs->n_steps;
}

size_t sc_gen_stream_find(const sc_gen_stream *gs, const char *app, const char *geo,
                          const char *metric)
{
    size_t lo = 0, hi = gs->n_series;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = series_cmp(gs, gs->by_name[mid], app, geo, metric);
        if (c == 0)
            return gs->by_name[mid];
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return SIZE_MAX;
}

sc_status sc_gen_stream_window(sc_gen_stream *gs, int64_t k0, int64_t k1, sc_error *err)
{
    const spec *s = &gs->s;
    if (k0 < 0 || k1 < k0 || k1 > gs->n_steps)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "generator window [%lld, %lld) outside the run's %lld steps",
                            (long long)k0, (long long)k1, (long long)gs->n_steps);
    size_t w = (size_t)(k1 - k0);
    if (w > gs->cap) {
        size_t ng = s->n_geos;
        double *lh = realloc(gs->local_hour, (ng * w + 1) * sizeof *lh);
        if (lh)
            gs->local_hour = lh;
        double *we = realloc(gs->weekend, (ng * w + 1) * sizeof *we);
        if (we)
            gs->weekend = we;
        double *b = realloc(gs->base, (w + 1) * sizeof *b);
        if (b)
            gs->base = b;
        double *m = realloc(gs->mult, (w + 1) * sizeof *m);
        if (m)
            gs->mult = m;
        if (!lh || !we || !b || !m)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory generating traces");
        gs->cap = w;
        /* the cache of shared factors, when a window's tables stay small; without it
         * every series computes its own (the same values) */
        free(gs->cc.cosv);
        free(gs->cc.trend);
        gs->cc.cosv = gs->cc.trend = NULL;
        gs->cc.cap = 0;
        if ((double)w * (SHAPE_COS_SLOTS + SHAPE_TREND_SLOTS) * sizeof(double) <=
            SHAPE_CACHE_BYTES) {
            gs->cc.cosv = malloc(SHAPE_COS_SLOTS * w * sizeof *gs->cc.cosv);
            gs->cc.trend = malloc(SHAPE_TREND_SLOTS * w * sizeof *gs->cc.trend);
            if (!gs->cc.cosv || !gs->cc.trend)
                return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory generating traces");
            gs->cc.cap = w;
        }
    }
    shape_cache_clear(&gs->cc);
    for (size_t g = 0; g < s->n_geos; g++)
        geo_window(s, &s->geos[g], k0, k1, gs->local_hour + g * gs->cap,
                   gs->weekend + g * gs->cap);
    gs->k0 = k0;
    gs->k1 = k1;
    return SC_OK;
}

sc_status sc_gen_stream_fill(sc_gen_stream *gs, size_t series, double *out, sc_error *err)
{
    if (series >= gs->n_series)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL, "generator series %zu of %zu", series,
                            gs->n_series);
    noise_state *ns = &gs->noise[series];
    if (ns->next != gs->k0)
        return sc_error_set(err, SC_ERR_INTERNAL, NULL,
                            "generator series %zu: window starts at step %lld, the series "
                            "is at step %lld (windows must come in order)",
                            series, (long long)gs->k0, (long long)ns->next);
    size_t a = gs->ser_app[series], g = gs->ser_geo[series], m = gs->ser_metric[series];
    shape_window(&gs->s, gs->truth, &gs->ix, a, g, gs->local_hour + g * gs->cap,
                 gs->weekend + g * gs->cap, gs->k0, gs->k1, gs->base, gs->mult, &gs->cc);
    return noise_window(&gs->s, gs->seed, a, g, m, ns, gs->k1, gs->base, gs->mult, out, err);
}

sc_status sc_gen_run_json(const cJSON *root, const char *spec_file, const char *json_path,
                          uint64_t seed, const sc_gen_options *opt, sc_gen_result **out,
                          sc_error *err)
{
    *out = NULL;
    sc_json_ctx cx = {spec_file ? spec_file : "<spec>", err};
    spec s;
    memset(&s, 0, sizeof s);
    const char *path = json_path && *json_path ? json_path : "$";
    sc_status st = parse_spec(&cx, root, path, opt, &s);
    sc_gen_result *res = NULL;
    if (st == SC_OK) {
        res = calloc(1, sizeof *res);
        if (!res)
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
        else
            st = generate(&s, seed, res, err);
    }
    spec_cleanup(&s);
    if (st != SC_OK) {
        sc_gen_result_free(res);
        return st;
    }
    *out = res;
    return SC_OK;
}

sc_status sc_gen_run(const char *text, const char *spec_file, uint64_t seed,
                     const sc_gen_options *opt, sc_gen_result **out, sc_error *err)
{
    *out = NULL;
    if (!spec_file)
        spec_file = "<spec>";
    cJSON *root = NULL;
    sc_status pst = sc_json_parse(text ? text : "", spec_file, &root, err);
    if (pst != SC_OK)
        return pst;
    sc_status st = sc_gen_run_json(root, spec_file, "$", seed, opt, out, err);
    cJSON_Delete(root);
    return st;
}

const sc_gen_series *sc_gen_find(const sc_gen_result *res, const char *app, const char *geo,
                                 const char *metric)
{
    if (!res)
        return NULL;
    for (size_t i = 0; i < res->n_series; i++) {
        const sc_gen_series *s = &res->series[i];
        if (strcmp(s->app, app) == 0 && strcmp(s->geo, geo) == 0 &&
            strcmp(s->metric, metric) == 0)
            return s;
    }
    return NULL;
}

sc_status sc_gen_write(const sc_gen_result *res, sc_tsdb *db, sc_error *err)
{
    if (res->n_steps == 0)
        return SC_OK;
    sc_time_ms *t = malloc(res->n_steps * sizeof *t);
    if (!t)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory writing traces");
    for (size_t k = 0; k < res->n_steps; k++)
        t[k] = res->start_ms + (sc_time_ms)k * res->step_ms;
    sc_status st = SC_OK;
    for (size_t i = 0; i < res->n_series && st == SC_OK; i++) {
        const sc_gen_series *s = &res->series[i];
        sc_series_key key = {s->app, s->geo, s->metric};
        st = sc_tsdb_append(db, &key, s->unit, s->step_ms, "geo", t, s->v, s->n, err);
    }
    free(t);
    return st;
}

sc_status sc_gen_truth_write_csv(const sc_gen_result *res, const char *path, sc_error *err)
{
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, path, err);
    if (st != SC_OK)
        return st;
    FILE *fp = fopen(af.tmp, "wb");
    if (!fp) {
        st = sc_error_set(err, SC_ERR_IO, path, "cannot create %s: %s", af.tmp,
                          strerror(errno));
        sc_atomic_abort(&af);
        return st;
    }
    fputs("kind,app,geo,status,in_feed,announced_start,announced_end,announced_lift,"
          "actual_start,actual_end,actual_lift\n",
          fp);
    for (size_t i = 0; i < res->n_truth; i++) {
        const sc_gen_truth *t = &res->truth[i];
        char as[40], ae[40], al[40], rs[40], re[40], rl[40];
        sc_event_time_format(t->announced_start_ms, as, sizeof as);
        sc_event_time_format(t->announced_end_ms, ae, sizeof ae);
        sc_event_time_format(t->actual_start_ms, rs, sizeof rs);
        sc_event_time_format(t->actual_end_ms, re, sizeof re);
        if (isnan(t->announced_lift))
            al[0] = '\0';
        else
            sc_event_number_format(t->announced_lift, al, sizeof al);
        sc_event_number_format(t->actual_lift, rl, sizeof rl);
        fprintf(fp, "%s,%s,%s,%s,%d,%s,%s,%s,%s,%s,%s\n", t->kind, t->app, t->geo,
                sc_gen_truth_status_name(t->status), t->in_feed, as, ae, al, rs, re, rl);
    }
    int bad = ferror(fp);
    if (fclose(fp) != 0)
        bad = 1;
    if (bad) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, path, "write error on %s", af.tmp);
    }
    return sc_atomic_commit(&af, err);
}
