/*
 * test_lookahead.c - policies see only the past.
 *
 * Every registered policy that is not declared clairvoyant is run twice on the demo
 * scenario: once on the true demand, once with the demand from step k on multiplied by
 * three.  Their decision logs must be identical before the start of step k (and differ
 * after it, so the perturbation is not vacuous).  A clairvoyant policy (static) must
 * differ before it, which shows the test can see look-ahead when there is some.
 */
#include <cjson/cJSON.h>
#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/policy.h"
#include "sim.h"

#define DEMO SC_SOURCE_DIR "/scenarios/demo.json"

static void perturb(sc_world *w, int64_t k)
{
    for (size_t i = 0; i < w->n_ar; i++)
        for (int64_t s = k; s < w->n_steps; s++) {
            w->load_ar[i][s] *= 3.0f;
            w->ieq_ar[i][s] *= 3.0f;
        }
    for (size_t i = 0; i < w->n_ag; i++)
        for (int64_t s = k; s < w->n_steps; s++) {
            w->load_ag[i][s] *= 3.0f;
            if (w->ieq_ag) /* routed scenarios: per-geography demand is read too */
                w->ieq_ag[i][s] *= 3.0f;
        }
}

static int same_entry(const sc_action_log *a, const sc_action_log *b)
{
    return a->t == b->t && a->app == b->app && a->region == b->region && a->type == b->type &&
           a->kind == b->kind && a->option == b->option && a->count == b->count &&
           a->accepted == b->accepted;
}

/* Returns 1 if the logs agree on every entry before t_cut, and sets *differ_after. */
static int agree_before(const sc_run *a, const sc_run *b, sc_time_ms t_cut, int *differ_after)
{
    size_t i = 0, j = 0;
    while (i < a->n_log && a->log[i].t < t_cut && j < b->n_log && b->log[j].t < t_cut) {
        if (!same_entry(&a->log[i], &b->log[j]))
            return 0;
        i++;
        j++;
    }
    int a_more = i < a->n_log && a->log[i].t < t_cut;
    int b_more = j < b->n_log && b->log[j].t < t_cut;
    if (a_more || b_more)
        return 0;
    *differ_after = a->n_log != b->n_log;
    for (size_t x = i, y = j; !*differ_after && x < a->n_log && y < b->n_log; x++, y++)
        if (!same_entry(&a->log[x], &b->log[y]))
            *differ_after = 1;
    return 1;
}

static void run_pair_in(const char *path, const char *name, const char *params, int *agree,
                        int *differ_after)
{
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(path, &sc, &err), SC_OK, "%s", err.msg);
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_policy_spec spec = {.params_json = (char *)params};
    snprintf(spec.name, sizeof spec.name, "%s", name);
    snprintf(spec.label, sizeof spec.label, "%s", name);
    sc_run *a = NULL, *b = NULL;
    cr_assert_eq(sc_run_policy(w, &spec, 0, &a, &err), SC_OK, "%s", err.msg);
    int64_t k = w->warmup_steps + (w->n_steps - w->warmup_steps) / 2;
    perturb(w, k);
    cr_assert_eq(sc_run_policy(w, &spec, 0, &b, &err), SC_OK, "%s", err.msg);
    *agree = agree_before(a, b, sc->start + k * sc->step_ms, differ_after);
    cr_assert_gt(a->n_log, 0, "%s made no decision at all", name);
    sc_run_free(a);
    sc_run_free(b);
    sc_world_free(w);
    sc_scenario_free(sc);
}

static void run_pair_params(const char *name, const char *params, int *agree,
                            int *differ_after)
{
    run_pair_in(DEMO, name, params, agree, differ_after);
}

static void run_pair(const char *name, int *agree, int *differ_after)
{
    run_pair_in(DEMO, name, "{}", agree, differ_after);
}

/* Routing decisions (issue 11): the routing controller next to a capacity policy, and
 * sculpt's routing plan, on a routed scenario (the log holds the set_weight calls with
 * the scaling calls; perturb() scales the per-geography demand too). */
Test(lookahead, routing_decisions_see_only_the_past)
{
    sc_sim_register();
    static const char *const cases[][2] = {
        {"reactive", "{\"routing\": \"cheapest\", \"routing_period\": \"30m\"}"},
        {"reactive", "{\"routing\": \"latency\"}"},
        {"aws-predictive", "{\"routing\": \"failover\"}"}};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int agree = 0, differ = 0;
        run_pair_in(SC_SOURCE_DIR "/scenarios/global.json", cases[i][0], cases[i][1], &agree,
                    &differ);
        cr_assert(agree, "%s %s changed a decision before the perturbation", cases[i][0],
                  cases[i][1]);
        cr_assert(differ, "%s %s did not react to the perturbation", cases[i][0], cases[i][1]);
    }
}

/* sculpt's own routing plan (sculpt_route.c): per-geography forecasts (sc_view_geo_ieq)
 * and route health drive its capacity plan and weights, on the small routed fixture (a 3 h run:
 * sculpt's hourly plans on global take minutes per pair). */
Test(lookahead, sculpt_routing_plan_sees_only_the_past)
{
    sc_sim_register();
    int agree = 0, differ = 0;
    run_pair_in(SC_SOURCE_DIR "/tests/fixtures/route/route.json", "sculpt",
                "{\"routing\": \"plan\", \"on_demand_only\": true}", &agree, &differ);
    cr_assert(agree, "sculpt routing plan changed a decision before the perturbation");
    cr_assert(differ, "sculpt routing plan did not react to the perturbation");
}

/* Issue 11 (h-route): the impaired instances of a partial capacity loss (r2 loses 30 %
 * 01:15-01:45, before the perturbation at 02:00) reach sculpt only through the pools'
 * snapshot, and its routes at their own utilisation ("route_cool") through the plan. */
Test(lookahead, sculpt_partial_loss_and_route_cool_see_only_the_past)
{
    sc_sim_register();
    static const char *const cases[] = {
        "{\"routing\": \"plan\", \"on_demand_only\": true}",
        "{\"routing\": \"plan\", \"on_demand_only\": true, \"route_cool\": true}",
        "{\"routing\": \"home\"}"};
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int agree = 0, differ = 0;
        run_pair_in(SC_SOURCE_DIR "/tests/fixtures/route/route_outage.json", "sculpt",
                    cases[i], &agree, &differ);
        cr_assert(agree, "sculpt %s changed a decision before the perturbation", cases[i]);
        cr_assert(differ, "sculpt %s did not react to the perturbation", cases[i]);
    }
}

Test(lookahead, non_clairvoyant_policies_see_only_the_past)
{
    sc_sim_register();
    char names[512];
    sc_policy_names(names, sizeof names);
    int checked = 0;
    for (char *tok = strtok(names, ", "); tok; tok = strtok(NULL, ", ")) {
        const sc_policy_type *pt;
        sc_error err;
        cr_assert_eq(sc_policy_find(tok, &pt, &err), SC_OK);
        if (pt->clairvoyant)
            continue;
        int agree = 0, differ = 0;
        char name[64];
        snprintf(name, sizeof name, "%s", tok);
        run_pair(name, &agree, &differ);
        cr_assert(agree, "policy %s changed a decision before the perturbation", name);
        cr_assert(differ, "policy %s did not react to the perturbation at all", name);
        checked++;
    }
    cr_assert_geq(checked, 1);
}

Test(lookahead, clairvoyant_static_is_detected)
{
    sc_sim_register();
    int agree = 1, differ = 0;
    run_pair("static", &agree, &differ);
    cr_assert_not(agree, "the test cannot see static's look-ahead");
}

/* The state the defaults leave off: the error-budget controller (sculpt's slo_control,
 * and sculpt's SLO sizer at other settings than the default's,
 * reactive's "target_util": "auto": its ring of judged steps and factors) and the
 * burst guard (sculpt's burst: its detector, ramp and held level), the
 * baselines' purchase options (the
 * reserved "auto" level from the warm-up, the split, the cover of capacity not serving
 * yet) see only the past too. */
Test(lookahead, controller_and_purchase_options_see_only_the_past)
{
    sc_sim_register();
    static const struct {
        const char *name, *params;
    } cases[] = {
        {"sculpt", "{\"slo_control\": true, \"slo_window\": \"1d\"}"},
        /* the SLO sizer (sculpt_size.c, on by default): a short window so its ring
         * wraps, the error budget spent in full, and on demand only */
        {"sculpt", "{\"headroom_window\": \"1d\"}"},
        {"sculpt", "{\"on_demand_only\": true, \"headroom_safety\": 1, "
                   "\"headroom_window\": \"6h\"}"},
        /* the sizer's guard factor (sculpt_size.c, on demand only by default): its
         * plan notes, the guard's observed peaks and the choice among factors, with
         * spot and a short window so the rings wrap */
        {"sculpt", "{\"guard_headroom\": \"auto\", \"headroom_window\": \"6h\"}"},
        /* the burst guard (sculpt_burst.c): its CUSUM detector and ramp read the past */
        {"sculpt", "{\"burst\": true}"},
        {"sculpt", "{\"burst\": true, \"intra_hour\": false}"},
        /* the guard's margin over the lead-time distribution (sculpt_lead.c; on by
         * default with purchase options): a short window so its ring wraps, the budget
         * spent in full, and on demand only */
        {"sculpt", "{\"guard_margin\": \"auto\", \"headroom_window\": \"6h\", "
                   "\"guard_margin_safety\": 1}"},
        {"sculpt", "{\"on_demand_only\": true, \"guard_margin\": \"auto\"}"},
        /* the memory of where violations fell (sculpt_vmem.c; on by default): one day */
        {"sculpt", "{\"violation_memory\": \"1d\"}"},
        /* the intra-hour profile's widened windows (sculpt_intrahour.c) */
        {"sculpt", "{\"profile_spread\": \"10m\"}"},
        {"reactive", "{\"purchase\": {\"reserved_base\": \"auto\", \"on_demand_base\": 1, "
                     "\"spot_above_base\": 0.5}}"},
        {"aws-predictive", "{\"purchase\": {\"reserved_base\": \"auto\", "
                           "\"spot_above_base\": 0.5}}"},
        {"reactive", "{\"target_util\": \"auto\"}"},
        {"aws-predictive", "{\"target_util\": \"auto\"}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int agree = 0, differ = 0;
        run_pair_params(cases[i].name, cases[i].params, &agree, &differ);
        cr_assert(agree, "%s %s changed a decision before the perturbation", cases[i].name,
                  cases[i].params);
        cr_assert(differ, "%s %s did not react to the perturbation", cases[i].name,
                  cases[i].params);
    }
}

/* Instance types (sculpt's "instance_types": "auto", sculpt_itype.c): the worth of each
 * type is read from the view at the current step only.  On itype.json (several types),
 * from the middle of the measured period on the demand triples and every other type is
 * worth half as much: decisions before it must not change, decisions after it must. */
Test(lookahead, instance_type_choice_sees_only_the_past)
{
    sc_sim_register();
    sc_error err;
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(SC_SOURCE_DIR "/scenarios/itype.json", &sc, &err), SC_OK,
                 "%s", err.msg);
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_not_null(w->type_ieq);
    sc_policy_spec spec = {
        .params_json = (char *)"{\"instance_types\": \"auto\", \"on_demand_only\": true}"};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    sc_run *a = NULL, *b = NULL;
    cr_assert_eq(sc_run_policy(w, &spec, 0, &a, &err), SC_OK, "%s", err.msg);
    int64_t k = w->warmup_steps + (w->n_steps - w->warmup_steps) / 2;
    perturb(w, k);
    for (size_t app = 0; app < sc->n_apps; app++)
        for (size_t t = 0; t < sc->n_types; t++)
            if ((int)t != sc->apps[app].instance_type)
                for (int64_t s = k; s < w->n_steps; s++)
                    w->type_ieq[(app * sc->n_types + t) * (size_t)w->n_steps + (size_t)s] *= 0.5f;
    cr_assert_eq(sc_run_policy(w, &spec, 0, &b, &err), SC_OK, "%s", err.msg);
    int differ = 0;
    cr_assert(agree_before(a, b, sc->start + k * sc->step_ms, &differ),
              "the instance-type choice changed a decision before the perturbation");
    cr_assert(differ, "the instance-type choice did not react to the perturbation");
    int other = 0; /* the run did use another type */
    for (size_t i = 0; i < a->n_log; i++)
        other |= a->log[i].type != sc->apps[a->log[i].app].instance_type;
    cr_assert(other, "no pool changed its instance type");
    sc_run_free(a);
    sc_run_free(b);
    sc_world_free(w);
    sc_scenario_free(sc);
}

/* Spot stock-outs learnt from refused launches (issue 11, sculpt_stockout.c): the demo
 * with a 4 h m4.large spot stock-out in us-east-1 (no reclaim: nothing but a refusal
 * tells of it) in the measured period,
 * against the demo without it.  sculpt's decisions are identical up to its first
 * refused spot launch (which is inside the window: it cannot avoid spot ahead of a
 * window it has not been told of), and differ after it (it answered the refusal). */
Test(lookahead, sculpt_stockout_learns_only_from_refusals)
{
    sc_sim_register();
    sc_error err;
    FILE *f = fopen(DEMO, "rb");
    cr_assert_not_null(f);
    static char text[1 << 16];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    cJSON *root = cJSON_Parse(text);
    cr_assert_not_null(root);
    cJSON *r0 = cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(root, "regions"), 0);
    cJSON *w = cJSON_Parse("[{\"type\": \"m4.large\", \"start\": \"2024-03-14T12:00:00Z\","
                           " \"duration\": \"4h\"}]");
    cr_assert(r0 && w);
    cJSON_AddItemToObject(r0, "spot_stockouts", w);
    char *with = cJSON_PrintUnformatted(root);
    cJSON_Delete(root);
    sc_scenario *sa = NULL, *sb = NULL;
    cr_assert_eq(sc_scenario_load(DEMO, &sa, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_scenario_parse(with, DEMO, &sb, &err), SC_OK, "%s: %s", err.where, err.msg);
    free(with);
    sc_world *wa = NULL, *wb = NULL;
    cr_assert_eq(sc_world_build(sa, &wa, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_world_build(sb, &wb, &err), SC_OK, "%s", err.msg);
    sc_policy_spec spec = {.params_json = (char *)"{}"};
    snprintf(spec.name, sizeof spec.name, "sculpt");
    snprintf(spec.label, sizeof spec.label, "sculpt");
    sc_run *a = NULL, *b = NULL;
    cr_assert_eq(sc_run_policy(wa, &spec, 0, &a, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_run_policy(wb, &spec, 0, &b, &err), SC_OK, "%s", err.msg);
    sc_time_ms t0;
    cr_assert_eq(sc_time_parse("2024-03-14T12:00:00Z", NULL, &t0), SC_OK);
    sc_time_ms first = SC_TIME_MAX;
    for (size_t i = 0; i < b->n_log && first == SC_TIME_MAX; i++)
        if (b->log[i].kind == SC_ACTION_PROVISION && b->log[i].option == SC_PURCHASE_SPOT &&
            b->log[i].accepted < b->log[i].count)
            first = b->log[i].t;
    cr_assert_geq(first, t0, "a spot launch refused before the window");
    cr_assert_lt(first, t0 + 4 * 3600000, "no spot launch refused in the window");
    int differ = 0;
    cr_assert(agree_before(a, b, first, &differ),
              "sculpt changed a decision before its first refused spot launch");
    cr_assert(differ, "sculpt did not answer the refusal");
    sc_run_free(a);
    sc_run_free(b);
    sc_world_free(wa);
    sc_world_free(wb);
    sc_scenario_free(sa);
    sc_scenario_free(sb);
}
