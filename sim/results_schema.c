/*
 * results_schema.c - the results-schema table (results_schema.h) and its accessors.
 * In the library (not with the results writer) because `sc_run_json` (summary.c), part
 * of the embedding API, prints a run's summary through it.
 */
#include <math.h>
#include <stddef.h>

#include "results_schema.h"

/* ---- the table ------------------------------------------------------------- */

#define SC_RF_ROW_(nm, js, jpos, ty, member, un, fl, ds)                                   \
    {.name = #nm, .json = js, .json_pos = jpos, .type = SC_RF_##ty,                        \
     .offset = offsetof(sc_run_summary, member), .unit = un, .flags = fl, .desc = ds},
const sc_results_field sc_results_fields[SC_RESULTS_N_FIELDS] = {
    SC_RESULTS_SUMMARY_FIELDS(SC_RF_ROW_)};
#undef SC_RF_ROW_

const sc_results_field *sc_results_field_by_json_pos(int pos)
{
    for (int i = 0; i < SC_RESULTS_N_FIELDS; i++)
        if (sc_results_fields[i].json_pos == pos && pos > 0)
            return &sc_results_fields[i];
    return NULL;
}

int sc_results_json_max_pos(void)
{
    int m = 0;
    for (int i = 0; i < SC_RESULTS_N_FIELDS; i++)
        if (sc_results_fields[i].json_pos > m)
            m = sc_results_fields[i].json_pos;
    return m;
}

double sc_results_field_number(const sc_run_summary *s, const sc_results_field *f)
{
    const char *p = (const char *)s + f->offset;
    switch (f->type) {
    case SC_RF_F64: return *(const double *)p;
    case SC_RF_LONG: return (double)*(const long *)p;
    default: return NAN;
    }
}

const char *sc_results_field_string(const sc_run_summary *s, const sc_results_field *f)
{
    return f->type == SC_RF_STR ? (const char *)s + f->offset : "";
}

