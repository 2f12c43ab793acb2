/*
 * summary.c - a run's summary as JSON: the objects `sculpt run --json` prints and the
 * embedding API returns (sc_run_json, simulator.h).  Keys and their order are the
 * README's; cJSON prints numbers with up to 17 significant digits, so the text carries
 * the doubles exactly.
 */
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "sculpt/simulator.h"

static cJSON *summary_object(const sc_run_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    cJSON_AddStringToObject(o, "policy", s->label);
    cJSON_AddStringToObject(o, "type", s->policy);
    cJSON_AddNumberToObject(o, "cost_usd", s->cost_usd);
    cJSON_AddNumberToObject(o, "cost_on_demand_usd", s->cost_by_option[SC_PURCHASE_ONDEMAND]);
    cJSON_AddNumberToObject(o, "cost_reserved_usd", s->cost_by_option[SC_PURCHASE_RESERVED]);
    cJSON_AddNumberToObject(o, "cost_spot_usd", s->cost_by_option[SC_PURCHASE_SPOT]);
    cJSON_AddNumberToObject(o, "egress_usd", s->egress_usd);
    cJSON_AddNumberToObject(o, "penalty_usd", s->penalty_usd);
    cJSON_AddNumberToObject(o, "penalised_cost_usd", s->penalised_cost_usd);
    cJSON_AddNumberToObject(o, "slo_attainment", s->slo_attainment);
    cJSON_AddNumberToObject(o, "violation_minutes", s->violation_minutes);
    cJSON_AddNumberToObject(o, "unserved_fraction", s->unserved_fraction);
    cJSON_AddNumberToObject(o, "idle_capacity_hours", s->idle_capacity_hours);
    cJSON_AddNumberToObject(o, "actions", (double)s->actions);
    if (s->lower_bound_usd == s->lower_bound_usd)
        cJSON_AddNumberToObject(o, "lower_bound_usd", s->lower_bound_usd);
    cJSON_AddNumberToObject(o, "launches", (double)s->launches);
    cJSON_AddNumberToObject(o, "refused", (double)s->refused);
    cJSON_AddNumberToObject(o, "throttled", (double)s->throttled);
    cJSON_AddNumberToObject(o, "interruptions", (double)s->interruptions);
    return o;
}

char *sc_run_json(const sc_run *run)
{
    cJSON *o = summary_object(&run->sum);
    if (!o)
        return NULL;
    char *txt = cJSON_Print(o);
    cJSON_Delete(o);
    return txt;
}

char *sc_runs_json(sc_run *const *runs, size_t n)
{
    cJSON *arr = cJSON_CreateArray();
    if (!arr)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        cJSON *o = summary_object(&runs[i]->sum);
        if (!o) {
            cJSON_Delete(arr);
            return NULL;
        }
        cJSON_AddItemToArray(arr, o);
    }
    char *txt = cJSON_Print(arr);
    cJSON_Delete(arr);
    return txt;
}
