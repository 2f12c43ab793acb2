/*
 * sculpt_itype.c - the `sculpt` policy's instance-type choice per pool ("instance_types":
 * "auto"; sculpt.c calls it from small hooks; core/policy/README.md "Instance types").
 *
 *  5. Instance types.  At each replan, after the app's plan in its own type is solved,
 *     sc_itype_choose (core/sculpt/itype.c) solves the problem of each candidate type
 *     and picks per region the type of least penalised cost over the horizon, a switch
 *     paying the lead time of double billing and beating the current type by
 *     `itype_min_saving`.  Instance-equivalents of each type come from the view
 *     (sc_view_type_ieq at the current step: the app's demand shape, its binding
 *     resource on each type); capacity held in other types counts at that worth.
 *
 *     The pool of (app, region) then runs the chosen type (s->itype_run).  A pool on
 *     the app's own type is scaled by the rest of sculpt as before (intra-hour shaping
 *     and guard); a pool on another type is scaled here, every step: the chosen type's
 *     plan (on-demand and spot of the hours overlapping [now, now + step + lead)), with
 *     the guard on top (ceil(peak observed ieq over guard_hold / (target x worth)), the
 *     extra as on-demand) and min_instances.
 *
 *     The resize (replace instances by another type) is issued as its two halves, so
 *     that capacity has no gap: the new type is launched at once (the plan above), and
 *     the instances of the replaced type are drained only as the new ones serve: a
 *     replaced pool keeps ceil((requested - serving of the new type) x worth_new /
 *     worth_old) instances, i.e. the old capacity covers exactly the new capacity still
 *     booting or warming up.  (The Orchestrator's SC_ACTION_RESIZE drains at the
 *     launch, leaving boot + warm-up without that capacity.)  Both halves carry their
 *     reason into the action log.
 *
 *     Limits: needs intra_hour (the pool's counts are set every step); a pool holding
 *     reserved instances keeps its type (a commitment of one type), and a pool on
 *     another type buys no reserved instances; the reserved purchase rule and the SLO
 *     controller read the app's own type.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/fsutil.h"
#include "sculpt/optimizer.h"
#include "sculpt/policy.h"

#include "sculpt_int.h"

static const char WHY_LAUNCH[] = "instance type: scale the chosen type to its plan (resize)";
static const char WHY_DRAIN[] = "instance type: drain the replaced type as the new one serves";
static const char WHY_SHRINK[] = "instance type: scale in the chosen type to its plan";

sc_status sc_sculpt_itype_init(sculpt_state *s, const sc_scenario *sc, const cJSON *params,
                               const char *where, sc_error *err)
{
    s->itype_min_saving = 0.10;
    s->itype_hold_ms = 24 * HOUR_MS;
    sc_status st;
    if ((st = sc_policy_param_duration(params, "itype_hold", 0, &s->itype_hold_ms, where, err)))
        return st;
    const cJSON *lp = cJSON_GetObjectItemCaseSensitive(params, "itype_log");
    if (lp) {
        if (!cJSON_IsString(lp) || !lp->valuestring[0] ||
            strlen(lp->valuestring) >= sizeof s->itype_log_path)
            return sc_error_set(err, SC_ERR_INPUT, where, "itype_log: expected a file name");
        snprintf(s->itype_log_path, sizeof s->itype_log_path, "%s", lp->valuestring);
    }
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(params, "instance_types");
    if (v) {
        if (!cJSON_IsString(v) ||
            (strcmp(v->valuestring, "fixed") != 0 && strcmp(v->valuestring, "auto") != 0))
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "instance_types: expected \"fixed\" or \"auto\"");
        s->itype = strcmp(v->valuestring, "auto") == 0;
    }
    if ((v = cJSON_GetObjectItemCaseSensitive(params, "itype_min_saving"))) {
        if (!cJSON_IsNumber(v) || !(v->valuedouble >= 0 && v->valuedouble < 1))
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "itype_min_saving: expected a number in [0, 1)");
        s->itype_min_saving = v->valuedouble;
    }
    const cJSON *list = cJSON_GetObjectItemCaseSensitive(params, "itype_types");
    if (!s->itype)
        return SC_OK; /* itype_types and the others are read only with "auto" */
    if (!s->intra)
        return sc_error_set(err, SC_ERR_INPUT, where,
                            "instance_types: \"auto\" needs intra_hour (counts set every step)");
    size_t T = sc->n_types, nar = sc->n_apps * sc->n_regions;
    s->itype_cand = calloc(T + 1, 1);
    s->itype_run = calloc(nar + 1, sizeof *s->itype_run);
    s->itype_since = calloc(nar + 1, sizeof *s->itype_since);
    s->itype_x = calloc(nar * SC_PURCHASE_COUNT * (size_t)s->K + 1, sizeof *s->itype_x);
    s->itype_cur = calloc(sc->n_regions + 1, sizeof *s->itype_cur);
    s->itype_save = calloc(sc->n_regions * SC_PURCHASE_COUNT + 1, sizeof *s->itype_save);
    s->itype_ch = calloc(sc->n_regions + 1, sizeof *s->itype_ch);
    s->itype_lead = calloc(sc->n_regions + 1, sizeof *s->itype_lead);
    s->itype_f = calloc(T + 1, sizeof *s->itype_f);
    if (!s->itype_cand || !s->itype_run || !s->itype_since || !s->itype_x || !s->itype_cur || !s->itype_save || !s->itype_ch ||
        !s->itype_lead || !s->itype_f)
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    for (size_t i = 0; i < nar; i++) {
        s->itype_run[i] = sc->apps[i / sc->n_regions].instance_type;
        s->itype_since[i] = SC_TIME_MIN;
    }
    if (!list) {
        memset(s->itype_cand, 1, T);
    } else {
        /* "itype_types": "m4.large,r5.large": the candidates; each must be a known
         * type with an on-demand price in at least one region */
        if (!cJSON_IsString(list) || !list->valuestring[0])
            return sc_error_set(err, SC_ERR_INPUT, where,
                                "itype_types: expected instance type names separated by commas");
        const char *p = list->valuestring;
        while (*p) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            char name[SC_NAME_MAX];
            if (n == 0 || n >= sizeof name)
                return sc_error_set(err, SC_ERR_INPUT, where,
                                    "itype_types: an empty or over-long type name in \"%s\"",
                                    list->valuestring);
            memcpy(name, p, n);
            name[n] = '\0';
            int t = sc_scenario_type_index(sc, name);
            if (t < 0)
                return sc_error_set(err, SC_ERR_INPUT, where,
                                    "itype_types: unknown instance type '%s' (not in "
                                    "$.instance_types)",
                                    name);
            int priced = 0;
            for (size_t r = 0; r < sc->n_regions; r++)
                priced |= !isnan(sc->regions[r].types[t].price_per_hour[SC_PURCHASE_ONDEMAND]);
            if (!priced)
                return sc_error_set(err, SC_ERR_INPUT, where,
                                    "itype_types: instance type '%s' has no on-demand price in "
                                    "any region ($.regions[*].types)",
                                    name);
            s->itype_cand[t] = 1;
            p += n + (e ? 1 : 0);
        }
    }
    return SC_OK;
}

sc_status sc_sculpt_itype_alloc_ws(sculpt_state *s, const sc_scenario *sc, sc_error *err)
{
    if (!s->itype)
        return SC_OK;
    return sc_itype_ws_alloc(sc, (int)sc->n_regions, (int)sc->n_regions, s->K, s->nq,
                             &s->itype_ws, err);
}

void sc_sculpt_itype_cleanup(sculpt_state *s)
{
    cJSON_Delete(s->itype_json);
    s->itype_json = NULL;
    sc_itype_ws_free(s->itype_ws);
    free(s->itype_cand);
    free(s->itype_run);
    free(s->itype_since);
    free(s->itype_x);
    free(s->itype_cur);
    free(s->itype_save);
    free(s->itype_ch);
    free(s->itype_lead);
    free(s->itype_f);
}

int sc_sculpt_itype_owns(const sculpt_state *s, const sc_scenario *sc, int a, int r)
{
    return s->itype &&
           s->itype_run[(size_t)a * sc->n_regions + (size_t)r] != sc->apps[a].instance_type;
}

/* Worth of one instance of type t for app a now (home ieq), from the view; the
 * type's needs-based worth when the view has no type data. */
static double worth(const sc_policy_view *v, int a, int t)
{
    double f = sc_view_type_ieq(v, a, t, v->step);
    if (isnan(f))
        f = sc_itype_ieq_per_inst(v->sc, a, t, NULL);
    return f;
}

static int requested_type(const sc_policy_view *v, int a, int r, int t, int o)
{
    const sc_scenario *sc = v->sc;
    size_t i = ((sc_view_ar(v, a, r) * sc->n_types) + (size_t)t) * SC_PURCHASE_COUNT + (size_t)o;
    return sc_pool_requested(&v->pools_type[i]);
}

static int serving_type(const sc_policy_view *v, int a, int r, int t)
{
    const sc_scenario *sc = v->sc;
    int n = 0;
    for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
        const sc_pool_state *ps =
            &v->pools_type[((sc_view_ar(v, a, r) * sc->n_types) + (size_t)t) * SC_PURCHASE_COUNT +
                           (size_t)o];
        n += ps->ready + ps->interrupting;
    }
    return n;
}

/* Set pool (a, r, t, o) to target instances. */
static sc_status to_target(sc_plan *plan, const sc_policy_view *v, int a, int r, int t, int o,
                           int target, const char *why_up, const char *why_down)
{
    int have = requested_type(v, a, r, t, o);
    if (target == have)
        return SC_OK;
    sc_action act = {
        .kind = target > have ? SC_ACTION_PROVISION : SC_ACTION_DEPROVISION,
        .app = a,
        .region = r,
        .type = t,
        .option = (sc_purchase)o,
        .count = target > have ? target - have : have - target,
        .to_region = -1,
        .to_type = -1,
        .issue_ms = v->now,
        .needed_ms = v->now,
        .reason = target > have ? why_up : why_down,
    };
    return sc_plan_push(plan, &act);
}

/* One switch into the itype log: when, which pool, from and to, the worths and the
 * costs over the horizon that decided it. */
static int log_switch(sculpt_state *s, const sc_policy_view *v, int a, int r, int from, int to)
{
    const sc_scenario *sc = v->sc;
    if (!s->itype_json && !(s->itype_json = cJSON_CreateArray()))
        return -1;
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return -1;
    cJSON_AddItemToArray(s->itype_json, o);
    char tb[40];
    sc_time_format(v->now, tb, sizeof tb);
    const sc_itype_choice *c = &s->itype_ch[r];
    cJSON_AddStringToObject(o, "t", tb);
    cJSON_AddStringToObject(o, "app", sc->apps[a].name);
    cJSON_AddStringToObject(o, "region", sc->regions[r].name);
    cJSON_AddStringToObject(o, "from", sc->types[from].name);
    cJSON_AddStringToObject(o, "to", sc->types[to].name);
    cJSON_AddNumberToObject(o, "worth_from", s->itype_f[from]);
    cJSON_AddNumberToObject(o, "worth_to", s->itype_f[to]);
    cJSON_AddNumberToObject(o, "cost_from_usd", c->cost_cur_usd);
    cJSON_AddNumberToObject(o, "cost_to_usd", c->cost_usd);
    cJSON_AddNumberToObject(o, "switch_usd", c->switch_usd);
    cJSON_AddNumberToObject(o, "horizon_h", s->K);
    return cJSON_GetArraySize(s->itype_json) > 0 ? 0 : -1;
}

/* Write the itype log file (atomically: the whole array each time). */
static sc_status log_write(sculpt_state *s, sc_error *err)
{
    char *text = cJSON_Print(s->itype_json);
    if (!text)
        return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
    sc_atomic_file af;
    sc_status st = sc_atomic_begin(&af, s->itype_log_path, err);
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
        return sc_error_set(err, SC_ERR_IO, s->itype_log_path, "cannot write the itype log");
    }
    return sc_atomic_commit(&af, err);
}

sc_status sc_sculpt_itype_replan(sculpt_state *s, const sc_policy_view *v, int a, sc_error *err)
{
    if (!s->itype || !v->pools_type)
        return SC_OK;
    const sc_scenario *sc = v->sc;
    int R = (int)sc->n_regions, T = (int)sc->n_types, K = s->K, own = sc->apps[a].instance_type;
    sc_opt_problem_buf *b = s->prob[a];
    for (int t = 0; t < T; t++)
        s->itype_f[t] = worth(v, a, t);
    /* capacity held in other types counts at its worth, in the app's type (restored
     * below: the own-type plan was solved on the own-type pools) */
    memcpy(s->itype_save, b->current, (size_t)R * 3 * sizeof *s->itype_save);
    for (int r = 0; r < R; r++) {
        s->itype_cur[r] = s->itype_run[(size_t)a * (size_t)R + (size_t)r];
        s->itype_lead[r] = s->lead_ms[r];
        for (int t = 0; t < T; t++) {
            if (t == own || !(s->itype_f[t] > 0))
                continue;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                if (o != SC_PURCHASE_RESERVED)
                    b->current[r * 3 + o] +=
                        (int)floor(requested_type(v, a, r, t, o) * s->itype_f[t] + 1e-9);
        }
    }
    sc_itype_opts o;
    sc_itype_opts_init(&o);
    o.ieq_per_inst = s->itype_f;
    o.cur_type = s->itype_cur;
    o.candidates = s->itype_cand;
    o.lead_ms = s->itype_lead;
    o.min_saving = s->itype_min_saving;
    sc_status st = sc_itype_choose(s->itype_ws, s->opt, sc, a, &b->p, &o, s->itype_ch, err);
    memcpy(b->current, s->itype_save, (size_t)R * 3 * sizeof *s->itype_save);
    if (st)
        return st;
    for (int r = 0; r < R; r++) {
        size_t ar = (size_t)a * (size_t)R + (size_t)r;
        int t = s->itype_ch[r].type;
        /* a pool that switched keeps its type for itype_hold (no flapping) */
        if (t != s->itype_cur[r] && s->itype_since[ar] != SC_TIME_MIN &&
            v->now - s->itype_since[ar] < s->itype_hold_ms)
            t = s->itype_cur[r];
        if (t != s->itype_cur[r]) {
            s->itype_since[ar] = v->now;
            if (s->itype_log_path[0]) {
                if (log_switch(s, v, a, r, s->itype_cur[r], t))
                    return sc_error_set(err, SC_ERR_NOMEM, NULL, "sculpt: out of memory");
                if ((st = log_write(s, err)))
                    return st;
            }
        }
        s->itype_run[ar] = t;
        if (t == own)
            continue;
        const sc_opt_problem *pt = sc_itype_problem(s->itype_ws, t);
        const sc_opt_solution *xt = sc_itype_solution(s->itype_ws, t);
        for (int oo = 0; oo < SC_PURCHASE_COUNT; oo++)
            for (int k = 0; k < K; k++)
                s->itype_x[(ar * SC_PURCHASE_COUNT + (size_t)oo) * (size_t)K + (size_t)k] =
                    xt->x[SC_OPT_X(pt, r, oo, oo == SC_PURCHASE_RESERVED ? 0 : k)];
    }
    return SC_OK;
}

sc_status sc_sculpt_itype_step(sculpt_state *s, const sc_policy_view *v, sc_plan *plan,
                               sc_error *err)
{
    if (!s->itype || !v->pools_type)
        return SC_OK;
    const sc_scenario *sc = v->sc;
    int R = (int)sc->n_regions, T = (int)sc->n_types, K = s->K;
    int64_t cur = sc_time_floor_div(v->now - sc->start, sc->step_ms);
    sc_status st;
    for (size_t a = 0; a < sc->n_apps; a++) {
        const sc_app *app = &sc->apps[a];
        if (s->planned_at[a] == SC_TIME_MIN)
            continue;
        double tu = s->target_override > 0 ? s->target_override : app->target_util;
        for (int r = 0; r < R; r++) {
            size_t ar = a * (size_t)R + (size_t)r;
            int run = s->itype_run[ar];
            double f_run = worth(v, (int)a, run);
            if (run != app->instance_type && f_run > 0) {
                /* the intra-hour shaping of sculpt_intrahour.c on the chosen type's plan:
                 * the sub-steps overlapping [now, now + step + lead), guard on top */
                const sc_region *rg = &sc->regions[r];
                const sc_opt_problem_buf *b = s->prob[a];
                int64_t lead = (int64_t)ceil(sc_dist_quantile(&rg->boot, 0.95)) + app->warmup_ms;
                sc_time_ms w1 = v->now + sc->step_ms + lead;
                int od = 0, sp = 0;
                for (sc_time_ms t0 = sc_time_floor_div(v->now, s->substep_ms) * s->substep_ms;
                     t0 < w1; t0 += s->substep_ms) {
                    int64_t k = sc_time_floor_div(t0 - s->planned_at[a], HOUR_MS);
                    k = k < 0 ? 0 : (k >= K ? K - 1 : k);
                    int xo = s->itype_x[(ar * 3 + SC_PURCHASE_ONDEMAND) * (size_t)K + (size_t)k];
                    int xs = s->itype_x[(ar * 3 + SC_PURCHASE_SPOT) * (size_t)K + (size_t)k];
                    double p = xo + xs > 0 ? sc_sculpt_profile(s, v, (int)a, r,
                                                               sc_time_floor_div(t0, HOUR_MS), t0)
                                           : 1.0;
                    int o, q;
                    sc_sculpt_substep_counts(xo, xs, 0, b->spot_loss[r], p, b->min_inst[r], &o, &q);
                    od = o > od ? o : od;
                    sp = q > sp ? q : sp;
                }
                /* the type's stock and the region's vCPU quota (as itype.c's problem) */
                int lim = rg->types[run].capacity_limit >= 0 ? rg->types[run].capacity_limit
                                                             : INT32_MAX;
                double vc = sc->types[run].capacity[SC_METRIC_CPU];
                if (rg->vcpu_quota >= 0 && vc > 0 && floor(rg->vcpu_quota / vc + 1e-9) < lim)
                    lim = (int)floor(rg->vcpu_quota / vc + 1e-9);
                if (app->max_instances >= 0 && app->max_instances < lim)
                    lim = app->max_instances;
                if (od + sp > lim) {
                    int over = od + sp - lim, cut = over < sp ? over : sp;
                    sp -= cut;
                    over -= cut;
                    od = od > over ? od - over : 0;
                }
                double need = 0.0;
                int64_t nh = s->guard_hold_ms / sc->step_ms;
                for (int64_t k = cur - nh + (nh > 0 && s->guard_hold_ms % sc->step_ms == 0);
                     s->guard && k <= cur; k++) {
                    double x = sc_view_ieq(v, (int)a, r, k);
                    if (x > need)
                        need = x;
                }
                if (s->guard && need == 0.0 && v->ieq_now[ar] > 0)
                    need = v->ieq_now[ar];
                int n = need > 0 ? (int)ceil(need / (tu * f_run) - 1e-9) : 0;
                if (app->max_instances >= 0 && n > app->max_instances)
                    n = app->max_instances;
                if (n > od + sp)
                    od = n - sp;
                if ((st = to_target(plan, v, (int)a, r, run, SC_PURCHASE_ONDEMAND, od, WHY_LAUNCH,
                                    WHY_SHRINK)) ||
                    (!s->on_demand_only &&
                     (st = to_target(plan, v, (int)a, r, run, SC_PURCHASE_SPOT, sp, WHY_LAUNCH,
                                     WHY_SHRINK))))
                    return sc_error_set(err, st, NULL, "sculpt: out of memory");
            }
            /* replaced types: keep what covers the new capacity not yet serving (what
             * the chosen type will have requested after this decision's plan) */
            int req_run = 0;
            for (int o = 0; o < SC_PURCHASE_COUNT; o++)
                req_run += requested_type(v, (int)a, r, run, o);
            for (size_t i = 0; i < plan->n; i++) {
                const sc_action *pa = &plan->actions[i];
                if (pa->app == (int)a && pa->region == r && pa->type == run &&
                    (pa->kind == SC_ACTION_PROVISION || pa->kind == SC_ACTION_DEPROVISION))
                    req_run += pa->kind == SC_ACTION_PROVISION ? pa->count : -pa->count;
            }
            double pending = (req_run - serving_type(v, (int)a, r, run)) * (f_run > 0 ? f_run : 0);
            for (int t = 0; t < T; t++) {
                if (t == run)
                    continue;
                double f_old = worth(v, (int)a, t);
                for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                    if (o == SC_PURCHASE_RESERVED)
                        continue; /* commitments are not resized */
                    int have = requested_type(v, (int)a, r, t, o);
                    if (have == 0)
                        continue;
                    int keep = f_old > 0 ? (int)ceil(pending / f_old - 1e-9) : 0;
                    if (keep > have)
                        keep = have;
                    pending -= keep * (f_old > 0 ? f_old : 0);
                    if (pending < 0)
                        pending = 0;
                    if (keep < have &&
                        (st = to_target(plan, v, (int)a, r, t, o, keep, WHY_DRAIN, WHY_DRAIN)))
                        return sc_error_set(err, st, NULL, "sculpt: out of memory");
                }
            }
        }
    }
    return SC_OK;
}
