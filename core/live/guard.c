/*
 * guard.c - guardrails on live mutating calls (live.h).
 *
 * State: the requested instances of every pool (the provider's snapshot, synced before
 * each decision, then moved by every accepted call), and the recent changes as a FIFO of
 * (time, instances) pruned to the trailing hour.  A check clamps one call:
 *   - kill switch: the file exists -> 0 (checked with stat on every call, so touching
 *     the file stops the very next call);
 *   - region not allowed -> 0;
 *   - min_per_pool: a removal never takes the pool's requested count below the floor;
 *   - max_change_per_step / per_hour: launches + removals in the current scenario step
 *     / the trailing hour, including this call, stay within the limit;
 *   - budget_per_hour_usd: a launch keeps the hourly price of all requested instances,
 *     plus the upfront prices paid in the trailing hour (Reserved Instances bought with
 *     a provision: sc_guard_check_upfront), within the cap (removals always pass: they
 *     lower it); a purchase whose upfront price would pass the cap is refused whole.
 * Rules are applied in that order; the first that cuts names the result.
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/live.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "sculpt/json.h"
#include "sculpt/policy.h"

#define HOUR_MS INT64_C(3600000)

typedef struct change {
    sc_time_ms t;
    int n;
} change;

struct sc_guard {
    sc_guard_config cfg;        /* region_allowed borrowed from the caller's config */
    const sc_scenario *sc;
    int *requested;             /* [(app * n_regions + region) * 3 + option] */
    size_t n_pools;
    change *ch; size_t head, n_ch, cap_ch; /* ring buffer */
    struct { sc_time_ms t; double usd; } *up; /* upfront prices paid, time order */
    size_t n_up, cap_up;
};

void sc_guard_config_init(sc_guard_config *g)
{
    memset(g, 0, sizeof *g);
    g->max_change_per_step = -1;
    g->max_change_per_hour = -1;
    g->budget_per_hour_usd = -1;
}

void sc_guard_config_cleanup(sc_guard_config *g)
{
    if (!g)
        return;
    free(g->region_allowed);
    g->region_allowed = NULL;
}

sc_status sc_guard_alloc(const sc_guard_config *cfg, const sc_scenario *sc, sc_guard **out,
                         sc_error *err)
{
    *out = NULL;
    sc_guard *g = calloc(1, sizeof *g);
    if (!g)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    g->cfg = *cfg;
    g->sc = sc;
    g->n_pools = sc->n_apps * sc->n_regions * SC_PURCHASE_COUNT;
    g->requested = calloc(g->n_pools + 1, sizeof *g->requested);
    g->cap_ch = 1024;
    g->ch = calloc(g->cap_ch, sizeof *g->ch);
    if (!g->requested || !g->ch) {
        sc_guard_free(g);
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
    }
    *out = g;
    return SC_OK;
}

void sc_guard_free(sc_guard *g)
{
    if (!g)
        return;
    free(g->requested);
    free(g->ch);
    free(g->up);
    free(g);
}

void sc_guard_sync(sc_guard *g, const sc_pool_state *pools, size_t n)
{
    for (size_t i = 0; i < n && i < g->n_pools; i++)
        g->requested[i] = sc_pool_requested(&pools[i]);
}

static void prune(sc_guard *g, sc_time_ms now)
{
    while (g->n_ch && g->ch[g->head].t <= now - HOUR_MS) {
        g->head = (g->head + 1) % g->cap_ch;
        g->n_ch--;
    }
}

static long changed_since(const sc_guard *g, sc_time_ms t0)
{
    long s = 0;
    for (size_t i = 0; i < g->n_ch; i++) {
        const change *c = &g->ch[(g->head + i) % g->cap_ch];
        if (c->t >= t0)
            s += c->n;
    }
    return s;
}

static double hourly_usd(const sc_guard *g)
{
    const sc_scenario *sc = g->sc;
    double s = 0.0;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++)
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                double p = sc->regions[r].types[sc->apps[a].instance_type].price_per_hour[o];
                int n = g->requested[(a * sc->n_regions + r) * SC_PURCHASE_COUNT + (size_t)o];
                if (n > 0 && isfinite(p))
                    s += n * p;
            }
    return s;
}

/* Upfront prices paid in the trailing hour (older ones dropped). */
static double upfront_in_hour(sc_guard *g, sc_time_ms now)
{
    size_t k = 0;
    while (k < g->n_up && g->up[k].t <= now - HOUR_MS)
        k++;
    if (k) {
        memmove(g->up, g->up + k, (g->n_up - k) * sizeof *g->up);
        g->n_up -= k;
    }
    double s = 0.0;
    for (size_t i = 0; i < g->n_up; i++)
        s += g->up[i].usd;
    return s;
}

static int pool_index(const sc_guard *g, const sc_action *act, size_t *idx)
{
    const sc_scenario *sc = g->sc;
    if (act->app < 0 || (size_t)act->app >= sc->n_apps || act->region < 0 ||
        (size_t)act->region >= sc->n_regions || act->type != sc->apps[act->app].instance_type)
        return 0;
    *idx = ((size_t)act->app * sc->n_regions + (size_t)act->region) * SC_PURCHASE_COUNT +
           (size_t)act->option;
    return 1;
}

void sc_guard_check(sc_guard *g, const sc_action *act, sc_time_ms now, int *allowed,
                    const char **rule)
{
    const sc_guard_config *c = &g->cfg;
    int n = act->count;
    *rule = "";
    struct stat st;
    if (c->kill_switch[0] && stat(c->kill_switch, &st) == 0) {
        *allowed = 0;
        *rule = "kill-switch";
        return;
    }
    if (c->region_allowed && !c->region_allowed[act->region]) {
        *allowed = 0;
        *rule = "guard:region";
        return;
    }
    size_t idx;
    int known = pool_index(g, act, &idx);
    int removal = act->kind == SC_ACTION_DEPROVISION;
    if (removal && c->min_per_pool > 0 && known) {
        int room = g->requested[idx] - c->min_per_pool;
        if (room < 0)
            room = 0;
        if (n > room) {
            n = room;
            *rule = "guard:min_per_pool";
        }
    }
    prune(g, now);
    if (c->max_change_per_step >= 0) {
        int64_t step = g->sc->step_ms;
        sc_time_ms t0 = g->sc->start + sc_time_floor_div(now - g->sc->start, step) * step;
        long room = c->max_change_per_step - changed_since(g, t0);
        if (room < 0)
            room = 0;
        if (n > room) {
            n = (int)room;
            *rule = "guard:max_change_per_step";
        }
    }
    if (c->max_change_per_hour >= 0) {
        long room = c->max_change_per_hour - changed_since(g, now - HOUR_MS + 1);
        if (room < 0)
            room = 0;
        if (n > room) {
            n = (int)room;
            *rule = "guard:max_change_per_hour";
        }
    }
    if (!removal && c->budget_per_hour_usd >= 0 && known) {
        const sc_scenario *sc = g->sc;
        double p = sc->regions[act->region].types[act->type].price_per_hour[act->option];
        if (isfinite(p) && p > 0) {
            double room = floor(
                (c->budget_per_hour_usd - hourly_usd(g) - upfront_in_hour(g, now)) / p + 1e-9);
            if (room < 0)
                room = 0;
            if (n > room) {
                n = (int)room;
                *rule = "guard:budget_per_hour";
            }
        }
    }
    *allowed = n < 0 ? 0 : n;
}

void sc_guard_commit(sc_guard *g, const sc_action *act, sc_time_ms now, int accepted)
{
    if (accepted <= 0)
        return;
    size_t idx;
    if (pool_index(g, act, &idx))
        g->requested[idx] += act->kind == SC_ACTION_DEPROVISION ? -accepted : accepted;
    if (g->n_ch == g->cap_ch) { /* grow the ring, oldest first */
        change *c = malloc(2 * g->cap_ch * sizeof *c);
        if (!c)
            return; /* keep the old window: the limit stays conservative */
        for (size_t i = 0; i < g->n_ch; i++)
            c[i] = g->ch[(g->head + i) % g->cap_ch];
        free(g->ch);
        g->ch = c;
        g->head = 0;
        g->cap_ch *= 2;
    }
    g->ch[(g->head + g->n_ch) % g->cap_ch] = (change){now, accepted};
    g->n_ch++;
}

int sc_guard_check_upfront(sc_guard *g, const sc_action *act, sc_time_ms now, double usd,
                           const char **rule)
{
    const sc_guard_config *c = &g->cfg;
    *rule = "";
    if (c->budget_per_hour_usd < 0 || !(usd > 0))
        return 1;
    double own = 0.0;
    size_t idx;
    if (pool_index(g, act, &idx) && act->kind == SC_ACTION_PROVISION) {
        double p = g->sc->regions[act->region].types[act->type].price_per_hour[act->option];
        if (isfinite(p) && p > 0)
            own = act->count * p;
    }
    double spend = hourly_usd(g) + own + upfront_in_hour(g, now) + usd;
    if (spend <= c->budget_per_hour_usd + 1e-9)
        return 1;
    *rule = "guard:budget_per_hour";
    return 0;
}

void sc_guard_commit_upfront(sc_guard *g, sc_time_ms now, double usd)
{
    if (!(usd > 0))
        return;
    if (g->n_up == g->cap_up) {
        size_t cap = g->cap_up ? 2 * g->cap_up : 16;
        void *q = realloc(g->up, cap * sizeof *g->up);
        if (!q) /* out of memory: this price goes uncounted */
            return;
        g->up = q;
        g->cap_up = cap;
    }
    g->up[g->n_up].t = now;
    g->up[g->n_up].usd = usd;
    g->n_up++;
}

/* ---- the scenario's live section ------------------------------------------------- */

void sc_live_section_cleanup(sc_live_section *s)
{
    if (s)
        sc_guard_config_cleanup(&s->guard);
}

sc_status sc_live_subsection(const sc_scenario *sc, const char *name, cJSON **root,
                             const cJSON **obj, sc_error *err)
{
    *root = NULL;
    *obj = NULL;
    if (!sc->source_json)
        return SC_OK;
    sc_status st = sc_json_parse(sc->source_json, sc->path, root, err);
    if (st)
        return st;
    sc_json_ctx cx = {sc->path, err};
    const cJSON *live = NULL;
    if ((st = sc_json_get_object(&cx, *root, "$", "live", SC_JSON_OPTIONAL, &live)) || !live)
        return st;
    return sc_json_get_object(&cx, live, "$.live", name, SC_JSON_OPTIONAL, obj);
}

sc_status sc_live_section_read(const sc_scenario *sc, sc_live_section *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    sc_guard_config_init(&out->guard);
    snprintf(out->group_name, sizeof out->group_name, "sculpt-{app}-{region}");
    if (!sc->source_json)
        return SC_OK;
    cJSON *root = NULL;
    sc_status st = sc_json_parse(sc->source_json, sc->path, &root, err);
    if (st)
        return st;
    sc_json_ctx cx = {sc->path, err};
    const cJSON *live = NULL, *g = NULL, *regions = NULL;
    static const char *const keys[] = {"policy", "group_name", "allow_remote_bootstrap",
                                       "apply_command", "guardrails",
                                       "metrics", /* core/live/metrics.c reads it */
                                       /* provider sections, read by core/cloud/ */
                                       "route53", "azure", "gcp", "reservations",
                                       NULL};
    static const char *const gkeys[] = {"max_change_per_step", "max_change_per_hour",
                                        "budget_per_hour_usd", "min_per_pool",
                                        "allowed_regions", "kill_switch", NULL};
    if ((st = sc_json_get_object(&cx, root, "$", "live", SC_JSON_OPTIONAL, &live)) || !live)
        goto done;
    if ((st = sc_json_check_keys(&cx, live, "$.live", keys)) ||
        (st = sc_json_get_string_buf(&cx, live, "$.live", "policy", SC_JSON_OPTIONAL, "",
                                     out->policy, sizeof out->policy)) ||
        (st = sc_json_get_string_buf(&cx, live, "$.live", "group_name", SC_JSON_OPTIONAL,
                                     out->group_name, out->group_name,
                                     sizeof out->group_name)) ||
        (st = sc_json_get_string_buf(&cx, live, "$.live", "apply_command", SC_JSON_OPTIONAL, "",
                                     out->apply_command, sizeof out->apply_command)) ||
        (st = sc_json_get_bool(&cx, live, "$.live", "allow_remote_bootstrap", SC_JSON_OPTIONAL,
                               0, &out->allow_remote_bootstrap)) ||
        (st = sc_json_get_object(&cx, live, "$.live", "guardrails", SC_JSON_OPTIONAL, &g)) ||
        !g)
        goto done;
    const char *gp = "$.live.guardrails";
    sc_guard_config *gc = &out->guard;
    const char *ks = NULL;
    if ((st = sc_json_check_keys(&cx, g, gp, gkeys)) ||
        (st = sc_json_get_int_range(&cx, g, gp, "max_change_per_step", SC_JSON_OPTIONAL, -1, 0,
                                    1000000000, &gc->max_change_per_step)) ||
        (st = sc_json_get_int_range(&cx, g, gp, "max_change_per_hour", SC_JSON_OPTIONAL, -1, 0,
                                    1000000000, &gc->max_change_per_hour)) ||
        (st = sc_json_get_int_range(&cx, g, gp, "min_per_pool", SC_JSON_OPTIONAL, 0, 0,
                                    1000000000, &gc->min_per_pool)) ||
        (st = sc_json_get_number(&cx, g, gp, "budget_per_hour_usd", SC_JSON_OPTIONAL, -1,
                                 &gc->budget_per_hour_usd)) ||
        (st = sc_json_get_string(&cx, g, gp, "kill_switch", SC_JSON_OPTIONAL, NULL, &ks)) ||
        (st = sc_json_get_array(&cx, g, gp, "allowed_regions", SC_JSON_OPTIONAL, &regions)))
        goto done;
    if (cJSON_GetObjectItemCaseSensitive(g, "budget_per_hour_usd") &&
        (st = sc_json_check_range(&cx, gp, "budget_per_hour_usd", gc->budget_per_hour_usd, 0,
                                  INFINITY, "non-negative")))
        goto done;
    if (ks) {
        if (ks[0] == '/')
            snprintf(gc->kill_switch, sizeof gc->kill_switch, "%s", ks);
        else
            snprintf(gc->kill_switch, sizeof gc->kill_switch, "%s/%s", sc->dir, ks);
    }
    if (regions) {
        gc->region_allowed = calloc(sc->n_regions + 1, 1);
        if (!gc->region_allowed) {
            st = sc_error_set(err, SC_ERR_NOMEM, NULL, "out of memory");
            goto done;
        }
        size_t i = 0;
        const cJSON *it;
        cJSON_ArrayForEach(it, regions) {
            char path[SC_JSON_PATH_MAX];
            sc_json_path_index(path, "$.live.guardrails.allowed_regions", i++);
            int r = cJSON_IsString(it) ? sc_scenario_region_index(sc, it->valuestring) : -1;
            if (r < 0) {
                st = sc_error_set(err, SC_ERR_INPUT, NULL,
                                  "expected the name of a scenario region, got %s%s%s",
                                  cJSON_IsString(it) ? "'" : "a ",
                                  cJSON_IsString(it) ? it->valuestring : sc_json_type_name(it),
                                  cJSON_IsString(it) ? "'" : "");
                if (err)
                    snprintf(err->where, sizeof err->where, "%s: %s", sc->path, path);
                goto done;
            }
            gc->region_allowed[r] = 1;
        }
    }
done:
    cJSON_Delete(root);
    if (st)
        sc_live_section_cleanup(out);
    return st;
}
