/*
 * summary.c - a run's summary as JSON: the objects `sculpt run --json` prints and the
 * embedding API returns (sc_run_json, simulator.h).  The keys, their order and which of
 * them are printed come from the schema table (results_schema.h: the JSON and JSON_POS
 * columns); the order is the README's and tests/golden's.  A key flagged
 * SC_RF_JSON_IF_NUM (lower_bound_usd) is left out when its value is NaN.  cJSON prints
 * numbers with up to 17 significant digits, so the text carries the doubles exactly.
 */
#include <math.h>
#include <stdlib.h>

#include <cjson/cJSON.h>

#include "results_schema.h"
#include "sculpt/simulator.h"

static cJSON *summary_object(const sc_run_summary *s)
{
    cJSON *o = cJSON_CreateObject();
    if (!o)
        return NULL;
    int max = sc_results_json_max_pos();
    for (int pos = 1; pos <= max; pos++) {
        const sc_results_field *f = sc_results_field_by_json_pos(pos);
        if (!f || !(f->flags & SC_RF_JSON))
            continue;
        cJSON *item;
        if (f->type == SC_RF_STR) {
            item = cJSON_AddStringToObject(o, f->json, sc_results_field_string(s, f));
        } else {
            double v = sc_results_field_number(s, f);
            if ((f->flags & SC_RF_JSON_IF_NUM) && isnan(v))
                continue;
            item = cJSON_AddNumberToObject(o, f->json, v);
        }
        if (!item) {
            cJSON_Delete(o);
            return NULL;
        }
    }
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
