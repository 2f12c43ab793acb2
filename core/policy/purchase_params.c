/*
 * purchase_params.c - the `purchase` parameter of the baselines (`reactive`,
 * `aws-predictive`): a reserved base, an on-demand base and a spot share above the
 * bases, as an EC2 Auto Scaling group with a mixed-instances policy over reserved
 * instances would buy (rules in policy_sculpt.h, "purchase options of the baselines").
 *
 * Why here: both baselines share the reader, the split and the reserved purchase, and
 * "auto" uses sculpt's own newsvendor rule (sc_sculpt_reserve_level) so that a baseline
 * is given the reserved level sculpt would choose from the same hours: a weak baseline
 * cannot inflate sculpt's saving.  Only the warm-up is read (steps before
 * warmup_steps, all in the past at the purchase): no look-ahead.
 *
 * The default mix (0 / 0 / 0) is never applied: the policies keep their own code path,
 * so their figures at default settings stay bit-identical.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>

#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"

/* SC_ERR_INPUT at where.purchase[.key] with the message msg. */
static sc_status bad(sc_error *err, const char *where, const char *key, const char *msg)
{
    char w[sizeof err->where];
    char p[sizeof err->where];
    sc_params_member_where(p, sizeof p, where, "purchase");
    if (key)
        sc_params_member_where(w, sizeof w, p, key);
    else
        snprintf(w, sizeof w, "%s", p);
    return sc_error_set(err, SC_ERR_INPUT, w, "%s", msg);
}

/* A whole number >= 0 (at most 1e6) into *out. */
static sc_status read_count(const cJSON *it, const char *where, const char *key, int *out,
                            sc_error *err)
{
    char msg[128];
    if (!cJSON_IsNumber(it))
        return bad(err, where, key, "expected a whole number >= 0");
    double v = it->valuedouble;
    snprintf(msg, sizeof msg, "expected a whole number in [0, 1000000], got %.15g", v);
    if (!(v >= 0) || v > 1e6 || v != floor(v))
        return bad(err, where, key, msg);
    *out = (int)v;
    return SC_OK;
}

sc_status sc_purchase_mix_read(const sc_scenario *sc, const cJSON *params, const char *where,
                               sc_purchase_mix *out, sc_error *err)
{
    memset(out, 0, sizeof *out);
    const cJSON *pm = params ? cJSON_GetObjectItemCaseSensitive(params, "purchase") : NULL;
    if (!pm)
        return SC_OK;
    if (!cJSON_IsObject(pm))
        return bad(err, where, NULL,
                   "expected an object {\"reserved_base\": \"auto\" | N, \"on_demand_base\": "
                   "N, \"spot_above_base\": 0..1}");
    const cJSON *it;
    char msg[512];
    cJSON_ArrayForEach(it, pm)
    {
        const char *k = it->string ? it->string : "";
        if (k[0] == '_' || strncmp(k, "comment", 7) == 0)
            continue;
        if (strcmp(k, "reserved_base") == 0) {
            if (cJSON_IsString(it)) {
                if (strcmp(it->valuestring, "auto") != 0) {
                    snprintf(msg, sizeof msg,
                             "expected \"auto\" or a whole number >= 0, got \"%.64s\"",
                             it->valuestring);
                    return bad(err, where, k, msg);
                }
                out->reserved_auto = 1;
            } else {
                sc_status st = read_count(it, where, k, &out->reserved_base, err);
                if (st)
                    return st;
            }
        } else if (strcmp(k, "on_demand_base") == 0) {
            sc_status st = read_count(it, where, k, &out->on_demand_base, err);
            if (st)
                return st;
        } else if (strcmp(k, "spot_above_base") == 0) {
            if (!cJSON_IsNumber(it))
                return bad(err, where, k, "expected a number in [0, 1]");
            snprintf(msg, sizeof msg, "expected a number in [0, 1], got %.15g",
                     it->valuedouble);
            if (!(it->valuedouble >= 0 && it->valuedouble <= 1))
                return bad(err, where, k, msg);
            out->spot_above_base = it->valuedouble;
        } else {
            snprintf(msg, sizeof msg,
                     "unknown key '%.64s'; valid keys: reserved_base, on_demand_base, "
                     "spot_above_base",
                     k);
            return bad(err, where, k, msg);
        }
    }
    if (out->reserved_auto || out->reserved_base > 0) {
        for (size_t a = 0; a < sc->n_apps; a++) {
            int t = sc->apps[a].instance_type;
            for (size_t r = 0; r < sc->n_regions; r++) {
                double pr = sc->regions[r].types[t].price_per_hour[SC_PURCHASE_RESERVED];
                if (!(pr >= 0)) {
                    snprintf(msg, sizeof msg,
                             "a reserved base needs reserved prices: region '%s' has none for "
                             "instance type '%s' (app '%s')",
                             sc->regions[r].name, sc->types[t].name, sc->apps[a].name);
                    return bad(err, where, "reserved_base", msg);
                }
            }
        }
    }
    return SC_OK;
}

int sc_purchase_mix_is_default(const sc_purchase_mix *m)
{
    return !m->reserved_auto && m->reserved_base == 0 && m->on_demand_base == 0 &&
           m->spot_above_base == 0.0;
}

void sc_purchase_mix_split(const sc_purchase_mix *m, int desired, int reserved,
                           int *on_demand, int *spot)
{
    int above = desired - reserved;
    if (above < 0)
        above = 0;
    int base = above < m->on_demand_base ? above : m->on_demand_base;
    int sp = (int)floor(m->spot_above_base * (double)(above - base) + 1e-9);
    *spot = sp;
    *on_demand = above - sp;
}

/* Reserved level of "auto" for (app, region): the rule over the warm-up's hours. */
static int auto_level(const sc_purchase_mix *m, const sc_policy_view *v, int app, int region,
                      double target)
{
    const sc_scenario *sc = v->sc;
    int64_t n = v->warmup_steps;
    if (n <= 0 || !(target > 0))
        return 0;
    int64_t per_h = SC_MS_PER_HOUR / sc->step_ms;
    if (per_h < 1)
        per_h = 1;
    size_t nh = (size_t)((n + per_h - 1) / per_h);
    int *need = calloc(nh, sizeof *need);
    if (!need)
        return -1;
    size_t ar = sc_view_ar(v, app, region);
    for (int64_t k = 0; k < n; k++) {
        double x = v->ieq[ar][k];
        int nk = x > 0 ? (int)ceil(x / target - 1e-9) : 0;
        size_t h = (size_t)(k / per_h);
        if (nk > need[h])
            need[h] = nk;
    }
    const sc_region_type *rt = &sc->regions[region].types[sc->apps[app].instance_type];
    double c_sp = rt->price_per_hour[SC_PURCHASE_SPOT];
    int level = sc_sculpt_reserve_level(need, nh, rt->price_per_hour[SC_PURCHASE_RESERVED],
                                        rt->price_per_hour[SC_PURCHASE_ONDEMAND],
                                        c_sp >= 0 ? c_sp : NAN, m->spot_above_base, NULL);
    free(need);
    return level;
}

sc_status sc_purchase_mix_apply(const sc_purchase_mix *m, sc_purchase_mix_ar *st,
                                const sc_policy_view *v, int app, int region, int desired,
                                double target, sc_plan *plan, int *launched)
{
    const sc_scenario *sc = v->sc;
    const sc_app *ap = &sc->apps[app];
    sc_status s;
    if (launched)
        *launched = 0;
    int just_bought = 0; /* requested in this plan: not in the view's pools yet */
    if (!st->bought && v->step >= v->warmup_steps) {
        st->bought = 1;
        int level = m->reserved_auto ? auto_level(m, v, app, region, target) : m->reserved_base;
        if (level < 0)
            return SC_ERR_NOMEM;
        if (level > ap->max_instances)
            level = ap->max_instances;
        st->level = level;
        st->end_ms = sc_time_add(v->now, sc->regions[region].reserved_term_ms);
        const sc_pool_state *rp = sc_view_pool(v, app, region, SC_PURCHASE_RESERVED);
        if (level > sc_pool_requested(rp)) {
            if ((s = sc_plan_to_target_why(plan, v, app, region, SC_PURCHASE_RESERVED, level,
                                           "reserved base")))
                return s;
            just_bought = level;
        }
    } else if (st->bought && st->level > 0 && v->now >= st->end_ms) {
        st->level = 0;
        if ((s = sc_plan_to_target_why(plan, v, app, region, SC_PURCHASE_RESERVED, 0,
                                       "reserved term ended")))
            return s;
    }
    const sc_pool_state *rp = sc_view_pool(v, app, region, SC_PURCHASE_RESERVED);
    const sc_pool_state *op = sc_view_pool(v, app, region, SC_PURCHASE_ONDEMAND);
    const sc_pool_state *spp = sc_view_pool(v, app, region, SC_PURCHASE_SPOT);
    int r_req = sc_pool_requested(rp), r_serv = rp->ready + rp->interrupting;
    if (just_bought > r_req)
        r_req = just_bought;
    if (st->bought && st->level == 0 && st->end_ms <= v->now)
        r_req = r_serv = 0; /* being released */
    int od, sp;
    sc_purchase_mix_split(m, desired, r_req, &od, &sp);
    double sp_price = sc->regions[region].types[ap->instance_type].price_per_hour[SC_PURCHASE_SPOT];
    if (!(sp_price >= 0)) {
        od += sp;
        sp = 0;
    }
    /* cover on demand what reserved or spot does not serve yet */
    int r_use = desired < r_req ? desired : r_req;
    int cover = r_use > r_serv ? r_use - r_serv : 0;
    cover += sp > spp->ready ? sp - spp->ready : 0;
    int od_t = od + cover;
    int have = sc_pool_requested(op) + sc_pool_requested(spp);
    if ((s = sc_plan_to_target(plan, v, app, region, SC_PURCHASE_ONDEMAND, od_t)) ||
        (sp_price >= 0 && (s = sc_plan_to_target(plan, v, app, region, SC_PURCHASE_SPOT, sp))))
        return s;
    if (launched && od_t + sp > have)
        *launched = od_t + sp - have;
    return SC_OK;
}
