/*
 * plan.c - the Resource Allocation Plan: optimizer solution -> timed, explained
 * actions, its JSON form and its table (design in plan.h).
 *
 * Relocation: within one step and purchase option, a region that shrinks (a) and one
 * that grows (b) are paired into a relocate of min(shrink, growth) instances when some
 * geography's routed demand moved from a to b between the previous step and this one
 * (at step 0 the previous routing is unknown, so no relocation is inferred there).
 * Pairs are formed in region order, so the plan is a function of the solution alone.
 */
#include "sculpt/plan.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cjson/cJSON.h>

#include "sculpt/time.h"

/* sc_rap_init / _cleanup / _clear: core/orchestrate/plan.c, with the type. */

static sc_status rap_push(sc_rap *rap, const sc_rap_action *a)
{
    if (rap->n == rap->cap) {
        size_t nc = rap->cap ? rap->cap * 2 : 32;
        sc_rap_action *na = realloc(rap->actions, nc * sizeof *na);
        if (!na)
            return SC_ERR_NOMEM;
        rap->actions = na;
        rap->cap = nc;
    }
    rap->actions[rap->n++] = *a;
    return SC_OK;
}

static int cmp_action(const void *pa, const void *pb)
{
    const sc_rap_action *a = pa, *b = pb;
#define CMP(f)                                                                             \
    if (a->act.f != b->act.f)                                                              \
        return a->act.f < b->act.f ? -1 : 1;
    CMP(app)
    CMP(issue_ms)
    CMP(needed_ms)
    CMP(region)
    CMP(option)
    CMP(kind)
    CMP(to_region)
#undef CMP
    return 0;
}

/* Median-level index of the quantile levels. */
static int median_q(const sc_opt_problem *p)
{
    int q = 0;
    while (q + 1 < p->n_quant && p->qlevel[q] < 0.5)
        q++;
    return q;
}

static void explain(const sc_rap_ctx *ctx, const sc_opt_problem *p, const sc_opt_solution *sol,
                    int r, int k, sc_rap_why *w)
{
    memset(w, 0, sizeof *w);
    /* a bounded copy (snprintf "%s" here was a visible share of a replan's time) */
    const char *f = ctx->forecast ? ctx->forecast : "";
    size_t n = 0;
    while (n + 1 < sizeof w->forecast && f[n])
        n++;
    memcpy(w->forecast, f, n);
    w->forecast[n] = '\0';
    w->fallback_option = -1;
    int G = p->n_geos, K = p->n_steps, qm = median_q(p);
    double cover = 1.0, dem = 0.0, sf = 0.0;
    int any = 0;
    for (int g = 0; g < G; g++) {
        sf += sol->shortfall[SC_OPT_GK(p, g, k)];
        if (!p->route_ok[SC_OPT_GR(p, g, r)])
            continue;
        double y = sol->routed[SC_OPT_GR(p, g, r) * (size_t)K + (size_t)k];
        double d = p->demand[(SC_OPT_GK(p, g, k)) * (size_t)p->n_quant + (size_t)qm];
        if (y > 0 || d > 0) {
            any = 1;
            if (sol->cover[SC_OPT_GK(p, g, k)] < cover)
                cover = sol->cover[SC_OPT_GK(p, g, k)];
            if (isfinite(d) && d > 0)
                dem += d;
        }
    }
    w->quantile = any ? cover : 0.0;
    w->demand_ieq = dem;
    w->expected_shortfall_ieq = sf;
    w->binding = sol->binding[SC_OPT_RK(p, r, k)] | sol->unmet;
}

static sc_status emit(sc_rap *rap, const sc_rap_ctx *ctx, const sc_opt_problem *p,
                      const sc_opt_solution *sol, sc_action_kind kind, int r, int to, int o,
                      int k, int count)
{
    if (count <= 0)
        return SC_OK;
    sc_rap_action a;
    memset(&a, 0, sizeof a);
    int dest = kind == SC_ACTION_RELOCATE ? to : r;
    a.act.kind = kind;
    a.act.app = ctx->app;
    a.act.region = r;
    a.act.type = ctx->type;
    a.act.option = (sc_purchase)o;
    a.act.count = count;
    a.act.to_region = kind == SC_ACTION_RELOCATE ? to : -1;
    a.act.to_type = -1;
    sc_time_ms needed = sc_time_add(p->start_ms, (int64_t)k * p->step_ms);
    a.act.needed_ms = needed;
    sc_time_ms issue = needed;
    explain(ctx, p, sol, dest, k, &a.why);
    if (kind == SC_ACTION_PROVISION || kind == SC_ACTION_RELOCATE) {
        int64_t lead = ctx->lead_ms ? ctx->lead_ms[dest] : 0;
        issue = sc_time_add(needed, -lead);
    }
    if (issue < ctx->now) {
        if (kind != SC_ACTION_DEPROVISION)
            a.why.late = 1;
        issue = ctx->now;
    }
    a.act.issue_ms = issue;
    double h = (double)p->step_ms / 3.6e6;
    int K = p->n_steps;
    double left = o == SC_PURCHASE_RESERVED ? K : (double)(K - k);
    double pr = p->price[dest * 3 + o];
    if (kind == SC_ACTION_PROVISION)
        a.why.cost_delta_usd = count * pr * h * left;
    else if (kind == SC_ACTION_DEPROVISION)
        a.why.cost_delta_usd = -count * p->price[r * 3 + o] * h * left;
    else
        a.why.cost_delta_usd = count * (pr - p->price[r * 3 + o]) * h * left;
    if (o == SC_PURCHASE_SPOT && kind != SC_ACTION_DEPROVISION)
        a.why.fallback_option = SC_PURCHASE_ONDEMAND;
    return rap_push(rap, &a) == SC_OK ? SC_OK : SC_ERR_NOMEM;
}

sc_status sc_rap_build(sc_rap *rap, const sc_rap_ctx *ctx, const sc_opt_problem *p,
                       const sc_opt_solution *sol, sc_error *err)
{
    if (!rap || !ctx || !p || !sol || sol->n_regions != p->n_regions ||
        sol->n_steps != p->n_steps || sol->n_geos != p->n_geos)
        return sc_error_set(err, SC_ERR_INPUT, "plan", "plan inputs missing or mis-sized");
    int R = p->n_regions, G = p->n_geos, K = p->n_steps;
    int d_small[64];
    int *d = R <= 64 ? d_small : calloc((size_t)R, sizeof *d);
    if (!d)
        return sc_error_set(err, SC_ERR_NOMEM, "plan", "out of memory");
    size_t first = rap->n;
    sc_status st = SC_OK;
    for (int o = 0; o < SC_PURCHASE_COUNT && !st; o++) {
        for (int k = 0; k < K && !st; k++) {
            if (o == SC_PURCHASE_RESERVED && k > 0)
                break;
            for (int r = 0; r < R; r++) {
                int prev = k == 0 ? p->current[r * 3 + o] : sol->x[SC_OPT_X(p, r, o, k - 1)];
                if (!isfinite(p->price[r * 3 + o]))
                    prev = k == 0 ? p->current[r * 3 + o] : 0;
                d[r] = sol->x[SC_OPT_X(p, r, o, k)] - prev;
            }
            /* Relocations: demand moved a -> b between k-1 and k. */
            if (k > 0 && o != SC_PURCHASE_RESERVED)
                for (int a = 0; a < R; a++)
                    for (int b = 0; b < R && d[a] < 0; b++) {
                        if (b == a || d[b] <= 0)
                            continue;
                        int moved = 0;
                        for (int g = 0; g < G && !moved; g++) {
                            const double *y = sol->routed;
                            double ya0 = y[SC_OPT_GR(p, g, a) * (size_t)K + (size_t)k - 1];
                            double ya1 = y[SC_OPT_GR(p, g, a) * (size_t)K + (size_t)k];
                            double yb0 = y[SC_OPT_GR(p, g, b) * (size_t)K + (size_t)k - 1];
                            double yb1 = y[SC_OPT_GR(p, g, b) * (size_t)K + (size_t)k];
                            moved = ya1 < ya0 - 1e-9 && yb1 > yb0 + 1e-9;
                        }
                        if (!moved)
                            continue;
                        int m = -d[a] < d[b] ? -d[a] : d[b];
                        st = emit(rap, ctx, p, sol, SC_ACTION_RELOCATE, a, b, o, k, m);
                        if (st)
                            break;
                        d[a] += m;
                        d[b] -= m;
                    }
            for (int r = 0; r < R && !st; r++) {
                if (d[r] > 0)
                    st = emit(rap, ctx, p, sol, SC_ACTION_PROVISION, r, -1, o, k, d[r]);
                else if (d[r] < 0)
                    st = emit(rap, ctx, p, sol, SC_ACTION_DEPROVISION, r, -1, o, k, -d[r]);
            }
        }
    }
    if (d != d_small)
        free(d);
    if (st)
        return sc_error_set(err, st, "plan", "out of memory");
    if (rap->n > first)
        qsort(rap->actions + first, rap->n - first, sizeof *rap->actions, cmp_action);
    rap->objective_usd += sol->objective_usd;
    rap->lp_bound_usd += sol->lp_bound_usd;
    rap->cost_usd += sol->cost_instances_usd;
    rap->egress_usd += sol->cost_egress_usd;
    rap->penalty_usd += sol->penalty_usd;
    rap->proved_optimal = rap->proved_optimal && sol->proved_optimal;
    rap->unmet |= sol->unmet;
    if (sol->unmet_msg[0]) {
        size_t used = strlen(rap->unmet_msg);
        snprintf(rap->unmet_msg + used, sizeof rap->unmet_msg - used, "%s%s", used ? "; " : "",
                 sol->unmet_msg);
    }
    return SC_OK;
}

/* The short reason an action carries into the orchestrator's log (a literal: the log
 * keeps the pointer).  The full explanation stays in the RAP. */
static const char *rap_reason(const sc_rap_action *ra)
{
    if (ra->act.reason)
        return ra->act.reason;
    switch (ra->act.kind) {
    case SC_ACTION_RELOCATE:
        return "rap: relocate, routed demand moved";
    case SC_ACTION_DEPROVISION:
        return "rap: capacity no longer needed";
    default:
        break;
    }
    if (ra->why.late)
        return "rap: forecast demand, late (lead not met)";
    if (ra->why.fallback_option >= 0)
        return "rap: forecast demand on spot, on-demand fallback";
    return "rap: forecast demand at the planned quantile";
}

sc_status sc_rap_to_plan(const sc_rap *rap, sc_time_ms until, sc_plan *plan)
{
    for (size_t i = 0; i < rap->n; i++) {
        const sc_action *a = &rap->actions[i].act;
        if (a->issue_ms >= until)
            continue;
        sc_status st;
        if (a->kind == SC_ACTION_RELOCATE) {
            sc_action up = *a, down = *a;
            up.kind = SC_ACTION_PROVISION;
            up.region = a->to_region;
            up.to_region = -1;
            up.reason = a->reason ? a->reason : "rap: relocate, launch at the target";
            down.kind = SC_ACTION_DEPROVISION;
            down.to_region = -1;
            down.issue_ms = a->needed_ms > a->issue_ms ? a->needed_ms : a->issue_ms;
            down.reason = a->reason ? a->reason : "rap: relocate, drain at the source";
            if ((st = sc_plan_push(plan, &up)) != SC_OK)
                return st;
            if (down.issue_ms < until && (st = sc_plan_push(plan, &down)) != SC_OK)
                return st;
        } else {
            sc_action b = *a;
            b.reason = rap_reason(&rap->actions[i]);
            if ((st = sc_plan_push(plan, &b)) != SC_OK)
                return st;
        }
    }
    return SC_OK;
}

static const char *region_name(const sc_scenario *sc, int r, char *buf, size_t len)
{
    if (sc && r >= 0 && (size_t)r < sc->n_regions)
        return sc->regions[r].name;
    snprintf(buf, len, "%d", r);
    return buf;
}

static const char *method_name(const sc_rap *rap)
{
    return rap->proved_optimal ? "optimal" : "best-found";
}

cJSON *sc_rap_to_json(const sc_rap *rap, const sc_scenario *sc, const char *app_name,
                      const char *optimizer, const sc_opt_problem *p)
{
    cJSON *root = cJSON_CreateObject();
    if (!root)
        return NULL;
    char buf[64], nb[32];
    cJSON_AddStringToObject(root, "app", app_name ? app_name : "");
    cJSON_AddStringToObject(root, "optimizer", optimizer ? optimizer : "");
    cJSON_AddStringToObject(root, "status", method_name(rap));
    if (p) {
        cJSON_AddStringToObject(root, "start", sc_time_format(p->start_ms, buf, sizeof buf));
        cJSON_AddNumberToObject(root, "step_s", (double)p->step_ms / 1000.0);
        cJSON_AddNumberToObject(root, "horizon_steps", p->n_steps);
    }
    cJSON_AddNumberToObject(root, "objective_usd", rap->objective_usd);
    if (isfinite(rap->lp_bound_usd))
        cJSON_AddNumberToObject(root, "lp_bound_usd", rap->lp_bound_usd);
    else
        cJSON_AddNullToObject(root, "lp_bound_usd");
    cJSON_AddNumberToObject(root, "cost_usd", rap->cost_usd);
    cJSON_AddNumberToObject(root, "egress_usd", rap->egress_usd);
    cJSON_AddNumberToObject(root, "penalty_usd", rap->penalty_usd);
    cJSON_AddBoolToObject(root, "proved_optimal", rap->proved_optimal);
    cJSON *unmet = cJSON_AddArrayToObject(root, "unmet");
    for (unsigned b = 0; b < 16; b++)
        if (rap->unmet & (1u << b))
            cJSON_AddItemToArray(unmet, cJSON_CreateString(sc_opt_bind_name(1u << b)));
    cJSON_AddStringToObject(root, "unmet_msg", rap->unmet_msg);
    cJSON *arr = cJSON_AddArrayToObject(root, "actions");
    for (size_t i = 0; i < rap->n; i++) {
        const sc_rap_action *ra = &rap->actions[i];
        const sc_action *a = &ra->act;
        cJSON *o = cJSON_CreateObject();
        if (!o)
            break;
        cJSON_AddStringToObject(o, "kind", sc_action_kind_name(a->kind));
        cJSON_AddStringToObject(o, "region", region_name(sc, a->region, nb, sizeof nb));
        if (a->to_region >= 0)
            cJSON_AddStringToObject(o, "to_region", region_name(sc, a->to_region, nb, sizeof nb));
        else
            cJSON_AddNullToObject(o, "to_region");
        cJSON_AddStringToObject(o, "option", sc_purchase_name(a->option));
        cJSON_AddNumberToObject(o, "count", a->count);
        cJSON_AddStringToObject(o, "issue", sc_time_format(a->issue_ms, buf, sizeof buf));
        cJSON_AddStringToObject(o, "needed", sc_time_format(a->needed_ms, buf, sizeof buf));
        cJSON_AddNumberToObject(o, "lead_s", (double)(a->needed_ms - a->issue_ms) / 1000.0);
        cJSON_AddBoolToObject(o, "late", ra->why.late);
        cJSON *w = cJSON_AddObjectToObject(o, "why");
        cJSON_AddStringToObject(w, "forecast", ra->why.forecast);
        cJSON_AddNumberToObject(w, "quantile", ra->why.quantile);
        cJSON_AddNumberToObject(w, "demand_ieq", ra->why.demand_ieq);
        cJSON *bind = cJSON_AddArrayToObject(w, "binding");
        if (!ra->why.binding)
            cJSON_AddItemToArray(bind, cJSON_CreateString("none"));
        for (unsigned b = 0; b < 16; b++)
            if (ra->why.binding & (1u << b))
                cJSON_AddItemToArray(bind, cJSON_CreateString(sc_opt_bind_name(1u << b)));
        cJSON_AddNumberToObject(w, "cost_delta_usd", ra->why.cost_delta_usd);
        cJSON_AddNumberToObject(w, "expected_shortfall_ieq", ra->why.expected_shortfall_ieq);
        if (ra->why.fallback_option >= 0)
            cJSON_AddStringToObject(w, "fallback",
                                    sc_purchase_name((sc_purchase)ra->why.fallback_option));
        else
            cJSON_AddNullToObject(w, "fallback");
        cJSON_AddItemToArray(arr, o);
    }
    return root;
}

void sc_rap_print(const sc_rap *rap, const sc_scenario *sc, FILE *fp)
{
    char t1[32], t2[32], nb[32], nb2[32], bind[160];
    fprintf(fp, "%-20s %-20s %-11s %-28s %-9s %5s %6s %10s %9s  %s\n", "issue", "needed",
            "kind", "region", "option", "count", "q", "dcost_usd", "short_ieq", "binding");
    for (size_t i = 0; i < rap->n; i++) {
        const sc_rap_action *ra = &rap->actions[i];
        const sc_action *a = &ra->act;
        char where[80];
        if (a->kind == SC_ACTION_RELOCATE)
            snprintf(where, sizeof where, "%s->%s", region_name(sc, a->region, nb, sizeof nb),
                     region_name(sc, a->to_region, nb2, sizeof nb2));
        else
            snprintf(where, sizeof where, "%s", region_name(sc, a->region, nb, sizeof nb));
        fprintf(fp, "%-20s %-20s %-11s %-28s %-9s %5d %6.3f %10.3f %9.3f  %s%s\n",
                sc_time_format(a->issue_ms, t1, sizeof t1),
                sc_time_format(a->needed_ms, t2, sizeof t2), sc_action_kind_name(a->kind), where,
                sc_purchase_name(a->option), a->count, ra->why.quantile, ra->why.cost_delta_usd,
                ra->why.expected_shortfall_ieq,
                sc_opt_bind_names(ra->why.binding, bind, sizeof bind),
                ra->why.late ? " (late)" : "");
    }
    fprintf(fp, "objective %.4f USD (instances %.4f, egress %.4f, penalty %.4f)", rap->objective_usd,
            rap->cost_usd, rap->egress_usd, rap->penalty_usd);
    if (isfinite(rap->lp_bound_usd))
        fprintf(fp, ", LP bound %.4f", rap->lp_bound_usd);
    fprintf(fp, ", %s\n", method_name(rap));
    if (rap->unmet)
        fprintf(fp, "could not meet: %s\n", rap->unmet_msg);
}
