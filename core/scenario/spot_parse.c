/*
 * spot_parse.c - read a region's spot market keys (spot.h): $.regions[i].spot_stockouts
 * (scheduled and random windows per instance type) and $.regions[i].spot_price (the
 * price model), validate them with their JSON paths, draw the random windows and the
 * price path.  Called by scenario.c once the region's name and price table are read.
 *
 * Refused (SC_ERR_INPUT, exit 2, the path of the offending key): an unknown instance
 * type, or one the region does not sell as spot; a window outside the run (warm-up start
 * to the end of the measured period); scheduled windows of one type out of order or
 * overlapping; an entry with both or neither of (start, duration) and (mtbf, mttr);
 * reclaim outside [0, 1]; mtbf, mttr or reversion zero, negative or above 100 years;
 * more than SC_SPOT_STOCKOUT_EXPECTED_MAX random windows expected; log_sd negative,
 * not finite or above SC_SPOT_LOG_SD_MAX.
 */
#include "spot.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define SPAN_MAX_MS (INT64_C(36525) * SC_MS_PER_DAY) /* 100 years, as scenario.c */

#define TRY(expr)                                                                      \
    do {                                                                               \
        sc_status st_ = (expr);                                                        \
        if (st_ != SC_OK)                                                              \
            return st_;                                                                \
    } while (0)

static sc_status nomem(const sc_json_ctx *cx, const char *path)
{
    return sc_json_fail(cx, SC_ERR_NOMEM, path, NULL, "out of memory");
}

/* Append the random windows of one entry to *w (n, cap). */
static sc_status add_random(const sc_json_ctx *cx, const sc_scenario *sc, const cJSON *it,
                            const char *ep, const sc_region *r, int type, double reclaim,
                            sc_spot_stockout **w, size_t *n, size_t *cap, size_t *n_rnd)
{
    int64_t mtbf, mttr;
    TRY(sc_json_get_duration(cx, it, ep, "mtbf", SC_JSON_REQUIRED, 0, 1, &mtbf));
    TRY(sc_json_get_duration(cx, it, ep, "mttr", SC_JSON_REQUIRED, 0, 1, &mttr));
    if (mtbf > SPAN_MAX_MS)
        return sc_json_fail(cx, SC_ERR_INPUT, ep, "mtbf", "expected at most 100 years (36525d)");
    if (mttr > SPAN_MAX_MS)
        return sc_json_fail(cx, SC_ERR_INPUT, ep, "mttr", "expected at most 100 years (36525d)");
    sc_time_ms t0 = sc->start, t1 = sc->start + sc->warmup_ms + sc->duration_ms;
    double expected = (double)(t1 - t0) / ((double)mtbf + (double)mttr);
    if (expected > SC_SPOT_STOCKOUT_EXPECTED_MAX)
        return sc_json_fail(cx, SC_ERR_INPUT, ep, "mtbf",
                            "expected at most %d random spot stock-outs per region and type "
                            "over the run, got (warm-up + duration) / (mtbf + mttr) = %.6g",
                            SC_SPOT_STOCKOUT_EXPECTED_MAX, expected);
    sc_spot_stockout *rnd;
    size_t nr;
    sc_status st = sc_spot_stockout_draw(sc->seed, r->name, sc->types[type].name, type, mtbf,
                                         mttr, reclaim, t0, t1, &rnd, &nr);
    if (st == SC_ERR_NOMEM)
        return nomem(cx, ep);
    if (st)
        return sc_json_fail(cx, SC_ERR_INPUT, ep, "mtbf",
                            "more than %d random spot stock-outs drawn over the run",
                            SC_SPOT_STOCKOUT_WINDOWS_MAX);
    if (*n + nr > *cap) {
        size_t nc = (*n + nr) * 2;
        sc_spot_stockout *g = realloc(*w, nc * sizeof *g);
        if (!g) {
            free(rnd);
            return nomem(cx, ep);
        }
        *w = g;
        *cap = nc;
    }
    if (nr)
        memcpy(*w + *n, rnd, nr * sizeof *rnd);
    free(rnd);
    *n += nr;
    *n_rnd += nr;
    return SC_OK;
}

static sc_status parse_stockouts(const sc_json_ctx *cx, sc_scenario *sc, const cJSON *reg,
                                 const char *rp, sc_region *r)
{
    static const char *const keys[] = {"type", "start", "duration", "mtbf", "mttr", "reclaim",
                                       NULL};
    const cJSON *arr;
    TRY(sc_json_get_array(cx, reg, rp, "spot_stockouts", SC_JSON_OPTIONAL, &arr));
    if (!arr)
        return SC_OK;
    size_t n_in = (size_t)cJSON_GetArraySize(arr);
    if (n_in == 0)
        return SC_OK;
    char lp[SC_JSON_PATH_MAX];
    sc_json_path_key(lp, rp, "spot_stockouts");
    size_t cap = n_in, n = 0, n_rnd = 0;
    /* r owns the array from here: on failure the scenario's free releases it */
    if (!(r->spot_stockouts = calloc(cap, sizeof *r->spot_stockouts)))
        return nomem(cx, lp);
    sc_time_ms *last_end = calloc(sc->n_types, sizeof *last_end);
    if (!last_end)
        return nomem(cx, lp);
    for (size_t k = 0; k < sc->n_types; k++)
        last_end[k] = INT64_MIN;
    sc_time_ms end = sc->start + sc->warmup_ms + sc->duration_ms;
    sc_status st = SC_OK;
    size_t i = 0;
    const cJSON *it;
    cJSON_ArrayForEach(it, arr)
    {
        char ep[SC_JSON_PATH_MAX];
        sc_json_path_index(ep, lp, i++);
        const char *tn;
        double reclaim;
        if ((st = sc_json_check_keys(cx, it, ep, keys)) ||
            (st = sc_json_get_string(cx, it, ep, "type", SC_JSON_REQUIRED, NULL, &tn)))
            break;
        int type = sc_scenario_type_index(sc, tn);
        if (type < 0) {
            st = sc_json_fail(cx, SC_ERR_INPUT, ep, "type", "unknown instance type '%s'", tn);
            break;
        }
        if (isnan(r->types[type].price_per_hour[SC_PURCHASE_SPOT])) {
            st = sc_json_fail(cx, SC_ERR_INPUT, ep, "type",
                              "region '%s' does not sell type '%s' as spot (no spot price "
                              "in its types table): a spot stock-out needs a spot offer",
                              r->name, tn);
            break;
        }
        if ((st = sc_json_get_number(cx, it, ep, "reclaim", SC_JSON_OPTIONAL, 0.0, &reclaim)) ||
            (st = sc_json_check_range(cx, ep, "reclaim", reclaim, 0, 1, "[]")))
            break;
        int sched = cJSON_GetObjectItemCaseSensitive(it, "start") ||
                    cJSON_GetObjectItemCaseSensitive(it, "duration");
        int rnd = cJSON_GetObjectItemCaseSensitive(it, "mtbf") ||
                  cJSON_GetObjectItemCaseSensitive(it, "mttr");
        if (sched == rnd) {
            st = sc_json_fail(cx, SC_ERR_INPUT, ep, sched ? "mtbf" : "start",
                              "a spot stock-out is either scheduled (start, duration) or "
                              "random (mtbf, mttr), %s",
                              sched ? "not both" : "give one of the two");
            break;
        }
        if (rnd) {
            if ((st = add_random(cx, sc, it, ep, r, type, reclaim, &r->spot_stockouts, &n, &cap,
                                 &n_rnd)))
                break;
            continue;
        }
        sc_spot_stockout w = {.type = type, .reclaim = reclaim};
        if ((st = sc_json_get_time(cx, it, ep, "start", SC_JSON_REQUIRED, 0, NULL,
                                   &w.start_ms)) ||
            (st = sc_json_get_duration(cx, it, ep, "duration", SC_JSON_REQUIRED, 0, 1,
                                       &w.duration_ms)))
            break;
        if (w.start_ms < sc->start || w.start_ms >= end || w.duration_ms > end - w.start_ms) {
            st = sc_json_fail(cx, SC_ERR_INPUT, ep, "start",
                              "the spot stock-out window must lie inside the run (warm-up "
                              "start to the end of the measured period)");
            break;
        }
        if (w.start_ms < last_end[type]) {
            st = sc_json_fail(cx, SC_ERR_INPUT, ep, "start",
                              "spot stock-out windows of one type must be in order and not "
                              "overlap");
            break;
        }
        last_end[type] = w.start_ms + w.duration_ms;
        if (n == cap) {
            size_t nc = 2 * cap;
            sc_spot_stockout *g = realloc(r->spot_stockouts, nc * sizeof *g);
            if (!g) {
                st = nomem(cx, ep);
                break;
            }
            r->spot_stockouts = g;
            cap = nc;
        }
        r->spot_stockouts[n++] = w;
    }
    free(last_end);
    if (st)
        return st;
    r->n_spot_stockouts = sc_spot_stockout_merge(r->spot_stockouts, n);
    r->n_spot_stockouts_random = n_rnd;
    if (r->n_spot_stockouts)
        sc->has_spot_market = 1;
    return SC_OK;
}

static sc_status parse_price(const sc_json_ctx *cx, sc_scenario *sc, const cJSON *reg,
                             const char *rp, sc_region *r)
{
    static const char *const keys[] = {"log_sd", "reversion", NULL};
    const cJSON *obj;
    TRY(sc_json_get_object(cx, reg, rp, "spot_price", SC_JSON_OPTIONAL, &obj));
    if (!obj)
        return SC_OK;
    char pp[SC_JSON_PATH_MAX];
    sc_json_path_key(pp, rp, "spot_price");
    TRY(sc_json_check_keys(cx, obj, pp, keys));
    TRY(sc_json_get_number(cx, obj, pp, "log_sd", SC_JSON_REQUIRED, 0, &r->spot_log_sd));
    TRY(sc_json_check_range(cx, pp, "log_sd", r->spot_log_sd, 0, SC_SPOT_LOG_SD_MAX, "[]"));
    TRY(sc_json_get_duration(cx, obj, pp, "reversion", SC_JSON_REQUIRED, 0, 1,
                             &r->spot_reversion_ms));
    if (r->spot_reversion_ms > SPAN_MAX_MS)
        return sc_json_fail(cx, SC_ERR_INPUT, pp, "reversion",
                            "expected at most 100 years (36525d)");
    int64_t span = sc->warmup_ms + sc->duration_ms;
    size_t n = (size_t)((span + SC_SPOT_PRICE_STEP_MS - 1) / SC_SPOT_PRICE_STEP_MS);
    if (n == 0)
        n = 1;
    if (!(r->spot_mult = malloc(n * sizeof *r->spot_mult)))
        return nomem(cx, pp);
    r->n_spot_hours = n;
    sc_spot_price_path(sc->seed, r->name, r->spot_log_sd, r->spot_reversion_ms, n,
                       r->spot_mult);
    sc->has_spot_market = 1;
    return SC_OK;
}

sc_status sc_spot_parse_region(const sc_json_ctx *cx, sc_scenario *sc, const cJSON *reg,
                               const char *rp, sc_region *r)
{
    TRY(parse_stockouts(cx, sc, reg, rp, r));
    return parse_price(cx, sc, reg, rp, r);
}

void sc_spot_region_cleanup(sc_region *r)
{
    free(r->spot_stockouts);
    r->spot_stockouts = NULL;
    r->n_spot_stockouts = 0;
    free(r->spot_mult);
    r->spot_mult = NULL;
    r->n_spot_hours = 0;
}
