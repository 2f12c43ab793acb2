/*
 * results_schema.h - the one table of a policy run's summary fields (sc_run_summary).
 *
 * Every place that names a summary field iterates this table instead of listing the
 * fields by hand:
 *   - the results writer and reader (sim/results.c): the attributes of runs/<label>,
 *     written in TABLE order (the attribute order of existing files, so bytes do not
 *     change);
 *   - `sculpt run --json` and sc_run_json (sim/summary.c): the fields with a JSON key,
 *     in JSON_POS order (1, 2, ...), the order the README and tests/golden fix;
 *   - the sweep summary metrics (SC_SUMMARY_METRICS, sim/results.h): the SWEEP rows in
 *     table order (mean and ci95 per metric in sweep files, `sculpt compare`);
 *   - the report's per-run table (reports/src): the REPORT rows.
 *
 * Columns of SC_RESULTS_SUMMARY_FIELDS(X):
 *   X(NAME, JSON, JSON_POS, TYPE, MEMBER, UNIT, FLAGS, DESC)
 *   NAME      HDF5 attribute name (and CSV column): a C identifier, stringified
 *   JSON      key in `--json` ("" when the field is not printed)
 *   JSON_POS  1-based position of the key in the `--json` object (0: not printed)
 *   TYPE      F64 (double), LONG (long, stored as int64) or STR (char[SC_NAME_MAX])
 *   MEMBER    the sc_run_summary member designator (offsetof)
 *   UNIT      unit of the value ("" for strings and counts without one)
 *   FLAGS     SC_RF_* below
 *   DESC      one line for a person
 *
 * Adding a field: add it to sc_run_summary (simulator.h) and one row here; the writer,
 * reader and JSON follow.  A new attribute is OPTIONAL on read (files written before it
 * lack it); a new --json key changes the golden text, so it is a deliberate change.
 * The schema_version stays 1 as long as rows are only added with SC_RF_OPTIONAL.
 */
#ifndef SCULPT_RESULTS_SCHEMA_H
#define SCULPT_RESULTS_SCHEMA_H

#include <stddef.h>

#include "sculpt/simulator.h"

/* Where a field appears. */
enum {
    SC_RF_ATTR = 1u << 0,       /* attribute of runs/<label> in results files */
    SC_RF_JSON = 1u << 1,       /* key of `--json` */
    SC_RF_JSON_IF_NUM = 1u << 2,/* ... printed only when the value is not NaN */
    SC_RF_SWEEP = 1u << 3,      /* a sweep summary metric (mean and ci95 per setting) */
    SC_RF_REPORT = 1u << 4,     /* a column of the report's per-run table */
    SC_RF_OPTIONAL = 1u << 5    /* may be absent from a file (read as NaN) */
};

#define SC_RF_J (SC_RF_ATTR | SC_RF_JSON)
#define SC_RF_JR (SC_RF_ATTR | SC_RF_JSON | SC_RF_REPORT)
#define SC_RF_JRS (SC_RF_ATTR | SC_RF_JSON | SC_RF_REPORT | SC_RF_SWEEP)

/* clang-format off */
#define SC_RESULTS_SUMMARY_FIELDS(X)                                                          \
    X(policy,              "type",                2, STR,  policy, "", SC_RF_J,              \
      "policy type: the registry name (static, reactive, ...)")                             \
    X(label,               "policy",              1, STR,  label, "", SC_RF_J,               \
      "policy label as named in the scenario (unique in a run)")                            \
    X(cost_usd,            "cost_usd",            3, F64,  cost_usd, "USD", SC_RF_JRS,       \
      "instances + egress over the measured period (after warm-up)")                        \
    X(cost_on_demand_usd,  "cost_on_demand_usd",  4, F64,                                    \
      cost_by_option[SC_PURCHASE_ONDEMAND], "USD", SC_RF_JR, "on-demand instance cost")      \
    X(cost_reserved_usd,   "cost_reserved_usd",   5, F64,                                    \
      cost_by_option[SC_PURCHASE_RESERVED], "USD", SC_RF_JR, "reserved instance cost")       \
    X(cost_spot_usd,       "cost_spot_usd",       6, F64,                                    \
      cost_by_option[SC_PURCHASE_SPOT], "USD", SC_RF_JR, "spot instance cost")               \
    X(egress_usd,          "egress_usd",          7, F64,  egress_usd, "USD", SC_RF_JR,      \
      "cross-geo egress cost")                                                              \
    X(penalty_usd,         "penalty_usd",         8, F64,  penalty_usd, "USD", SC_RF_JR,     \
      "unserved load x the SLO penalty")                                                    \
    X(penalised_cost_usd,  "penalised_cost_usd",  9, F64,  penalised_cost_usd, "USD",        \
      SC_RF_JRS, "cost + penalty")                                                          \
    X(lower_bound_usd,     "lower_bound_usd",    16, F64,  lower_bound_usd, "USD",           \
      SC_RF_ATTR | SC_RF_JSON | SC_RF_JSON_IF_NUM | SC_RF_OPTIONAL,                          \
      "the policy's own lower bound on penalised cost (oracle: LP relaxation); NaN if none") \
    X(slo_attainment,      "slo_attainment",     10, F64,  slo_attainment, "fraction",       \
      SC_RF_JRS, "share of app-geo-steps meeting the SLO, 0..1")                            \
    X(violation_minutes,   "violation_minutes",  12, F64,  violation_minutes, "min",         \
      SC_RF_JRS, "app-geo minutes in violation of the SLO")                                 \
    X(unserved_fraction,   "unserved_fraction",  13, F64,  unserved_fraction, "fraction",    \
      SC_RF_JRS, "unserved / demanded load units, 0..1")                                    \
    X(idle_capacity_hours, "idle_capacity_hours",14, F64,  idle_capacity_hours, "h",         \
      SC_RF_JR, "serving instance-hours above demand")                                      \
    X(demand_unit_hours,   "",                    0, F64,  demand_unit_hours, "unit-h",      \
      SC_RF_ATTR, "load-unit-hours demanded")                                               \
    X(instance_hours,      "",                    0, F64,  instance_hours, "h",              \
      SC_RF_ATTR | SC_RF_REPORT, "serving instance-hours")                                  \
    X(actions,             "actions",            15, LONG, actions, "", SC_RF_JR,            \
      "accepted scaling actions in the measured period")                                    \
    X(launches,            "launches",           17, LONG, launches, "", SC_RF_J,            \
      "instances launched")                                                                 \
    X(refused,             "refused",            18, LONG, refused, "", SC_RF_J,             \
      "actions refused by the provider (quota, capacity)")                                  \
    X(throttled,           "throttled",          19, LONG, throttled, "", SC_RF_J,           \
      "actions throttled by the provider's API rate limit")                                 \
    X(interruptions,       "interruptions",      20, LONG, interruptions, "", SC_RF_J,       \
      "spot interruptions")                                                                 \
    X(decisions,           "",                    0, LONG, decisions, "", SC_RF_ATTR,        \
      "policy decide() calls")                                                              \
    X(slo_objective,       "slo_objective",      11, F64,  slo_objective, "fraction",        \
      SC_RF_ATTR | SC_RF_JSON | SC_RF_OPTIONAL,                                              \
      "attainment objective: mean of apps[].slo.attainment (NaN in files before it)")        \
    X(outage_violation_minutes, "outage_violation_minutes", 21, F64,                         \
      outage_violation_minutes, "min",                                                      \
      SC_RF_ATTR | SC_RF_JSON | SC_RF_JSON_IF_NUM | SC_RF_OPTIONAL,                          \
      "app-geo minutes in violation while a region was inside an outage window; NaN (not "  \
      "printed) in scenarios without outage windows")
/* clang-format on */

typedef enum sc_rf_type { SC_RF_F64 = 0, SC_RF_LONG = 1, SC_RF_STR = 2 } sc_rf_type;

/* One row of the table, as data. */
typedef struct sc_results_field {
    const char *name;     /* HDF5 attribute name */
    const char *json;     /* --json key, "" if none */
    int json_pos;         /* 1-based --json position, 0 if none */
    sc_rf_type type;
    size_t offset;        /* offsetof(sc_run_summary, MEMBER) */
    const char *unit;
    unsigned flags;       /* SC_RF_* */
    const char *desc;
} sc_results_field;

/* Row indices: SC_RFI_<NAME>. */
#define SC_RF_INDEX_(name, json, jpos, type, member, unit, flags, desc) SC_RFI_##name,
typedef enum sc_results_field_index {
    SC_RESULTS_SUMMARY_FIELDS(SC_RF_INDEX_)
    SC_RESULTS_N_FIELDS
} sc_results_field_index;
#undef SC_RF_INDEX_

/* Number of sweep metrics (rows with SC_RF_SWEEP), a compile-time constant. */
#define SC_RF_SWEEP_COUNT_(name, json, jpos, type, member, unit, flags, desc) \
    +(((flags) & SC_RF_SWEEP) ? 1 : 0)
enum { SC_RESULTS_N_SWEEP = 0 SC_RESULTS_SUMMARY_FIELDS(SC_RF_SWEEP_COUNT_) };
#undef SC_RF_SWEEP_COUNT_

/* The table, SC_RESULTS_N_FIELDS rows in table order. */
extern const sc_results_field sc_results_fields[SC_RESULTS_N_FIELDS];

/* The field at --json position pos (1-based), NULL if none. */
const sc_results_field *sc_results_field_by_json_pos(int pos);
/* The highest --json position used. */
int sc_results_json_max_pos(void);
/* The value of a numeric field (F64 or LONG) of s, as a double. */
double sc_results_field_number(const sc_run_summary *s, const sc_results_field *f);
/* The value of a STR field of s. */
const char *sc_results_field_string(const sc_run_summary *s, const sc_results_field *f);

#endif
