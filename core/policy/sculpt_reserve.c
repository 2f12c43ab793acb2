/*
 * sculpt_reserve.c - reserved purchases of the `sculpt` policy (sculpt.c): commitment
 * points, the newsvendor level, the commitments held and the reserve log.
 *
 *  Reserved purchases (`reserve_every`, default 7 d; 0 = never; never with
 *  `on_demand_only`): commitment points are the replans at start + j x reserve_every
 *  (j >= 1).  At one, per deployed (app, region) offering reserved, the long-horizon
 *  view is the hourly peak ieq of the last `reserve_history` (14 d) of whole hours plus
 *  the forecast median of the horizon; need[h] = ceil(ieq[h] / target).  The level L is
 *  the newsvendor rule of policy_sculpt.h (sc_sculpt_reserve_level): the largest L
 *  whose mean hourly saving against on-demand (or spot, within the spot share) is at
 *  least the reserved price; without spot, the level of need exceeded in a fraction
 *  >= c_res / c_od of the hours.  L is clipped to the region's limits (capacity limit,
 *  quota, max_instances), and L - held instances are bought at once, for the region's
 *  `reserved_term` (the simulator bills the commitment pro rata inside the run, used or
 *  not).  They are kept for the term; when a term ends, its instances are released at
 *  the next replan (the next commitment point buys again if the rule says so).  The
 *  purchase joins the plan with its explanation record (sc_rap_why: rule level as the
 *  quantile covered, level in ieq, binding "reserved" plus any limit that clipped it,
 *  the commitment's cost) and the policy's reserve log (sc_sculpt_reserve_log).  The
 *  LP of the commitment point still sees the reserved held before it (the new instances
 *  boot; the LP's on-demand instances they replace leave at the next replan).  Refused
 *  or throttled purchases are taken off the commitments at the next decision.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/fsutil.h"
#include "sculpt/optimizer.h"
#include "sculpt/plan.h"
#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"

#include "sculpt_int.h"

int sc_sculpt_commit_push(sculpt_ar *h, sculpt_commit c)
{
    if (h->n_commits == h->cap_commits) {
        int nc = h->cap_commits ? 2 * h->cap_commits : 4;
        sculpt_commit *na = realloc(h->commits, (size_t)nc * sizeof *na);
        if (!na)
            return -1;
        h->commits = na;
        h->cap_commits = nc;
    }
    h->commits[h->n_commits++] = c;
    return 0;
}

/* Reserved instances committed and not expired at now. */
int sc_sculpt_commits_active(const sculpt_ar *h, sc_time_ms now)
{
    int n = 0;
    for (int i = 0; i < h->n_commits; i++)
        if (h->commits[i].end_ms > now)
            n += h->commits[i].count;
    return n;
}

/* ---- reserved purchases ------------------------------------------------------------ */

int sc_sculpt_reserve_level(const int *need, size_t n, double c_res, double c_od,
                            double c_sp, double spot_share, double *mean_saving)
{
    if (mean_saving)
        *mean_saving = 0.0;
    if (!need || n == 0 || !(c_res >= 0) || !(c_od > 0) || !isfinite(c_od))
        return 0;
    int spot = isfinite(c_sp) && c_sp > 0 && spot_share > 0;
    double sh = spot ? (spot_share < 1 ? spot_share : 1.0) : 0.0;
    double band = spot && c_sp < c_od ? c_sp : c_od;
    int top = 0;
    for (size_t h = 0; h < n; h++)
        if (need[h] > top)
            top = need[h];
    int level = 0;
    for (int l = 1; l <= top; l++) {
        double tot = 0.0;
        for (size_t h = 0; h < n; h++) {
            int nh = need[h] > 0 ? need[h] : 0;
            int m = (int)ceil((1.0 - sh) * nh - 1e-9);
            if (l <= m)
                tot += c_od;
            else if (l <= nh)
                tot += band;
        }
        double mean = tot / (double)n;
        if (mean_saving)
            *mean_saving = mean;
        /* buy when the expected saving covers the price (relative tolerance for the
         * rounding of a sum of equal terms) */
        if (!(mean >= c_res * (1.0 - 1e-12)))
            break;
        level = l;
    }
    if (mean_saving && level > 0) {
        /* the loop left the saving of level + 1 (or of level when it reached top) */
        double tot = 0.0;
        for (size_t h = 0; h < n; h++) {
            int nh = need[h] > 0 ? need[h] : 0;
            int m = (int)ceil((1.0 - sh) * nh - 1e-9);
            tot += level <= m ? c_od : level <= nh ? band : 0.0;
        }
        *mean_saving = tot / (double)n;
    }
    return level;
}

const sc_sculpt_reserve *sc_sculpt_reserve_log(const sc_policy *p, size_t *n)
{
    *n = 0;
    if (!p || p->type != &sc_policy_sculpt || !p->state)
        return NULL;
    const sculpt_state *s = p->state;
    *n = s->n_rlog;
    return s->rlog;
}

/* Take refused or throttled reserved purchases off the commitments: the pool holds
 * fewer reserved instances than are committed and not expired (newest first). */
void sc_sculpt_reconcile(sculpt_state *s, const sc_policy_view *v)
{
    const sc_scenario *sc = v->sc;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            sculpt_ar *h = &s->ar[a * sc->n_regions + r];
            if (!h->n_commits)
                continue;
            int held = sc_pool_requested(sc_view_pool(v, (int)a, (int)r, SC_PURCHASE_RESERVED));
            int lack = sc_sculpt_commits_active(h, v->now) - held;
            for (int i = h->n_commits - 1; i >= 0 && lack > 0; i--) {
                sculpt_commit *c = &h->commits[i];
                if (c->end_ms <= v->now || c->count <= 0)
                    continue;
                int take = c->count < lack ? c->count : lack;
                c->count -= take;
                lack -= take;
                if (c->log_idx >= 0) {
                    sc_sculpt_reserve *e = &s->rlog[c->log_idx];
                    e->count -= take;
                    e->commit_usd = e->count * e->c_res * e->term_hours;
                }
            }
        }
}

/* One commitment decision as a JSON record of the reserve log, with the view's need
 * histogram ([need, hours] pairs), so that the level can be recomputed from it. */
static int rjson_add(sculpt_state *s, const sc_policy_view *v, int a, int r, size_t n,
                     size_t n_hist, double c_res, double c_od, double c_sp, double share,
                     int rule, int level, int held, unsigned clipped)
{
    const sc_scenario *sc = v->sc;
    if (!s->rjson && !(s->rjson = cJSON_CreateArray()))
        return -1;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    cJSON_AddItemToArray(s->rjson, o);
    char tb[40], bb[128];
    sc_time_format(v->now, tb, sizeof tb);
    cJSON_AddStringToObject(o, "t", tb);
    cJSON_AddStringToObject(o, "app", sc->apps[a].name);
    cJSON_AddStringToObject(o, "region", sc->regions[r].name);
    cJSON_AddNumberToObject(o, "c_res", c_res);
    cJSON_AddNumberToObject(o, "c_od", c_od);
    if (share > 0)
        cJSON_AddNumberToObject(o, "c_sp", c_sp);
    else
        cJSON_AddNullToObject(o, "c_sp");
    cJSON_AddNumberToObject(o, "spot_share", share);
    cJSON_AddNumberToObject(o, "hours", (double)n);
    cJSON_AddNumberToObject(o, "hours_history", (double)n_hist);
    cJSON_AddNumberToObject(o, "rule_level", rule);
    cJSON_AddNumberToObject(o, "level", level);
    cJSON_AddNumberToObject(o, "held", held);
    cJSON_AddNumberToObject(o, "bought", level > held ? level - held : 0);
    cJSON_AddStringToObject(o, "clipped_by", clipped ? sc_opt_bind_names(clipped, bb, sizeof bb)
                                                      : "none");
    cJSON *hist = cJSON_AddArrayToObject(o, "need_hours");
    if (!hist)
        return -1;
    /* histogram of need: sort a copy by counting (needs are small integers) */
    int top = 0;
    for (size_t i = 0; i < n; i++)
        if (s->need[i] > top)
            top = s->need[i];
    for (int x = 0; x <= top; x++) {
        size_t c = 0;
        for (size_t i = 0; i < n; i++)
            c += s->need[i] == x;
        if (!c)
            continue;
        cJSON *pair = cJSON_CreateArray();
        if (!pair)
            return -1;
        cJSON_AddItemToArray(pair, cJSON_CreateNumber(x));
        cJSON_AddItemToArray(pair, cJSON_CreateNumber((double)c));
        cJSON_AddItemToArray(hist, pair);
    }
    return 0;
}

/* Rewrite the reserve log file (atomically). */
sc_status sc_sculpt_rjson_write(sculpt_state *s, sc_error *err)
{
    if (!s->rlog_path[0] || !s->rjson)
        return SC_OK;
    char *text = cJSON_Print(s->rjson);
    if (!text)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, s->rlog_path, err);
    if (st) {
        free(text);
        return st;
    }
    FILE *f = fopen(af.tmp, "w");
    int ok = f && fputs(text, f) >= 0 && fputc('\n', f) != EOF;
    if (f && fclose(f) != 0)
        ok = 0;
    free(text);
    if (!ok) {
        sc_atomic_abort(&af);
        return sc_error_set(err, SC_ERR_IO, s->rlog_path, "cannot write the reserve log");
    }
    return sc_atomic_commit(&af, err);
}

/* Commitment point for (a, r): the rule's level from the long-horizon view (history
 * hours + the forecast median in s->quant, which sp_forecast just filled), clipped to
 * the region's limits; records the purchase in s->buy[r], the commitments and the log. */
sc_status sc_sculpt_reserve_decide(sculpt_state *s, const sc_policy_view *v, int a, int r,
                                const sc_opt_problem_buf *b, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    const sc_app *app = &sc->apps[a];
    const sc_region *rg = &sc->regions[r];
    s->buy[r].count = 0;
    double c_res = b->price[r * 3 + SC_PURCHASE_RESERVED];
    double c_od = b->price[r * 3 + SC_PURCHASE_ONDEMAND];
    if (!isfinite(c_res) || !isfinite(c_od) || !(c_od > c_res))
        return SC_OK;
    double u = b->p.serve_util;
    int64_t h_end = sc_time_floor_div(v->now, HOUR_MS);
    int64_t h_first = sc_time_floor_div(sc->start + HOUR_MS - 1, HOUR_MS);
    int64_t h0 = h_end - s->reserve_history_ms / HOUR_MS;
    if (h0 < h_first)
        h0 = h_first;
    size_t n = 0;
    for (int64_t hh = h0; hh < h_end && (int64_t)n < s->need_cap; hh++) {
        double x = sc_sculpt_hour_max(v, a, r, hh);
        if (x == x)
            s->need[n++] = x > 0 ? (int)ceil(x / u - 1e-6) : 0;
    }
    size_t n_hist = n;
    int qm = 0;
    for (int q = 1; q < s->nq; q++)
        if (fabs(s->q[q] - 0.5) < fabs(s->q[qm] - 0.5))
            qm = q;
    for (int k = 0; k < s->K && (int64_t)n < s->need_cap; k++) {
        double x = s->quant[(size_t)k * (size_t)s->nq + (size_t)qm];
        s->need[n++] = x > 0 ? (int)ceil(x / u - 1e-6) : 0;
    }
    if (n == 0)
        return SC_OK;
    double c_sp = b->price[r * 3 + SC_PURCHASE_SPOT];
    double share = isfinite(c_sp) ? b->p.spot_max_share : 0.0;
    if (isfinite(c_sp))
        c_sp /= 1.0 - b->spot_loss[r];
    double saving = 0.0;
    int rule = sc_sculpt_reserve_level(s->need, n, c_res, c_od, c_sp, share, &saving);
    int level = rule;
    unsigned clipped = 0;
    if (b->cap_limit[r] >= 0 && level > (int)b->cap_limit[r]) {
        level = (int)b->cap_limit[r];
        clipped |= b->cap_kind[r];
    }
    if (app->max_instances >= 0 && level > app->max_instances) {
        level = app->max_instances;
        clipped |= SC_OPT_BIND_MAX_INST;
    }
    sculpt_ar *h = &s->ar[sc_view_ar(v, a, r)];
    int held = sc_sculpt_commits_active(h, v->now);
    if (s->rlog_path[0] &&
        rjson_add(s, v, a, r, n, n_hist, c_res, c_od, c_sp, share, rule, level, held, clipped))
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
    if (level <= held)
        return SC_OK;
    int cnt = level - held;
    size_t exceed = 0;
    for (size_t i = 0; i < n; i++)
        exceed += s->need[i] >= level;
    if (s->n_rlog == s->cap_rlog) {
        size_t nc = s->cap_rlog ? 2 * s->cap_rlog : 16;
        sc_sculpt_reserve *nl = realloc(s->rlog, nc * sizeof *nl);
        if (!nl)
            return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
        s->rlog = nl;
        s->cap_rlog = nc;
    }
    double term_h = (double)rg->reserved_term_ms / 3.6e6;
    sc_sculpt_reserve e = {.t = v->now,
                           .end_ms = sc_time_add(v->now, rg->reserved_term_ms),
                           .app = a,
                           .region = r,
                           .held = held,
                           .rule_level = rule,
                           .level = level,
                           .count = cnt,
                           .hours = (int)n,
                           .hours_history = (int)n_hist,
                           .exceed_frac = (double)exceed / (double)n,
                           .mean_saving = saving,
                           .c_res = c_res,
                           .c_od = c_od,
                           .c_sp = share > 0 ? c_sp : NAN,
                           .spot_share = share,
                           .term_hours = term_h,
                           .commit_usd = cnt * c_res * term_h,
                           .clipped = clipped};
    sculpt_commit c = {e.end_ms, cnt, (long)s->n_rlog};
    if (sc_sculpt_commit_push(h, c))
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
    s->rlog[s->n_rlog++] = e;
    sculpt_buy *bu = &s->buy[r];
    bu->count = cnt;
    memset(&bu->why, 0, sizeof bu->why);
    const sc_forecaster *fc = sc_wpe_forecaster(s->wpe, sc_view_ar(v, a, r));
    snprintf(bu->why.forecast, sizeof bu->why.forecast, "%s", fc ? sc_forecaster_name(fc) : "");
    bu->why.quantile = 1.0 - e.exceed_frac; /* share of the view's hours below the level */
    bu->why.demand_ieq = level * u;
    bu->why.binding = SC_OPT_BIND_RESERVED | clipped;
    bu->why.cost_delta_usd = e.commit_usd;
    bu->why.expected_shortfall_ieq = 0.0;
    bu->why.late = 0;
    bu->why.fallback_option = -1;
    return SC_OK;
}

/* Append this replan's reserved purchases of app a to the plan's explanation record. */
sc_status sc_sculpt_reserve_emit(sculpt_state *s, const sc_policy_view *v, int a, sc_error *err)
{
    const sc_scenario *sc = v->sc;
    for (size_t r = 0; r < sc->n_regions; r++) {
        if (s->buy[r].count <= 0)
            continue;
        if (s->rap.n == s->rap.cap) {
            size_t nc = s->rap.cap ? 2 * s->rap.cap : 64;
            sc_rap_action *na = realloc(s->rap.actions, nc * sizeof *na);
            if (!na)
                return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
            s->rap.actions = na;
            s->rap.cap = nc;
        }
        sc_rap_action *ra = &s->rap.actions[s->rap.n++];
        memset(ra, 0, sizeof *ra);
        ra->act.kind = SC_ACTION_PROVISION;
        ra->act.app = a;
        ra->act.region = (int)r;
        ra->act.type = sc->apps[a].instance_type;
        ra->act.option = SC_PURCHASE_RESERVED;
        ra->act.count = s->buy[r].count;
        ra->act.to_region = -1;
        ra->act.to_type = -1;
        ra->act.issue_ms = v->now;
        ra->act.needed_ms = sc_time_add(v->now, s->lead_ms[r]);
        ra->why = s->buy[r].why;
        s->buy[r].count = 0;
    }
    return SC_OK;
}
