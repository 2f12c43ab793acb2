/*
 * test_results_schema.c - the summary-field table (sim/results_schema.h) seen from
 * outside.  Every field of sc_run_summary is listed BY HAND here, independent of the
 * table: a run with distinct "high-entropy" values in every field is written with
 * sc_results_write and read back with sc_results_read, and every field must come back
 * bit for bit, so a field missing from the table (or written under a wrong member)
 * fails.  The `--json` text is checked against the README's key order, with and
 * without the conditional lower_bound_usd.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "results_schema.h"
#include "sculpt/simulator.h"
#include "tu_common.h"

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"

/* Distinct values in every field: no two equal, none round, negative and tiny too. */
static void fill(sc_run_summary *s)
{
    memset(s, 0, sizeof *s);
    snprintf(s->policy, sizeof s->policy, "reactive");
    snprintf(s->label, sizeof s->label, "hpa-Quux_7.x");
    s->cost_usd = 1234.5678901234567;
    s->cost_by_option[SC_PURCHASE_ONDEMAND] = 0.1 + 0.2; /* 0.30000000000000004 */
    s->cost_by_option[SC_PURCHASE_RESERVED] = 987.00000000000011;
    s->cost_by_option[SC_PURCHASE_SPOT] = 3.0e-310;       /* subnormal */
    s->egress_usd = 17.171717171717171;
    s->penalty_usd = -0.0;
    s->penalised_cost_usd = 6.02214076e23;
    s->slo_attainment = 0.99951171875;
    s->violation_minutes = 12345.25;
    s->unserved_fraction = 1.0 / 3.0;
    s->idle_capacity_hours = 2.718281828459045;
    s->demand_unit_hours = 1.4142135623730951e7;
    s->instance_hours = 299792.458;
    s->actions = 101;
    s->launches = 2027;
    s->refused = 3;
    s->throttled = 44;
    s->interruptions = 555;
    s->decisions = 6666;
    s->lower_bound_usd = 42.000000000000007;
    s->slo_objective = 0.9995;
    s->outage_violation_minutes = 12.345678901234567;
}

static int same_bits(double a, double b)
{
    return memcmp(&a, &b, sizeof a) == 0;
}

Test(results_schema, round_trip_every_field)
{
    sc_error err;
    sc_error_clear(&err);
    sc_scenario *sc;
    sc_world *w;
    tu_load_world(UNIT, &sc, &w);
    sc_run run;
    memset(&run, 0, sizeof run);
    fill(&run.sum);
    sc_run *runs[1] = {&run};
    char path[512];
    snprintf(path, sizeof path, "%s/test_results_schema_%ld.h5", SC_BINARY_DIR, (long)getpid());
    cr_assert_eq(sc_results_write(path, w, runs, 1, &err), SC_OK, "%s", err.msg);
    sc_results_file *f = NULL;
    cr_assert_eq(sc_results_read(path, &f, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(f->n_entries, 1);
    const sc_run_summary *a = &f->entries[0].sum, *b = &run.sum;
    cr_assert_str_eq(a->policy, b->policy);
    cr_assert_str_eq(a->label, b->label);
    cr_assert(same_bits(a->cost_usd, b->cost_usd));
    cr_assert(same_bits(a->cost_by_option[SC_PURCHASE_ONDEMAND],
                        b->cost_by_option[SC_PURCHASE_ONDEMAND]));
    cr_assert(same_bits(a->cost_by_option[SC_PURCHASE_RESERVED],
                        b->cost_by_option[SC_PURCHASE_RESERVED]));
    cr_assert(same_bits(a->cost_by_option[SC_PURCHASE_SPOT], b->cost_by_option[SC_PURCHASE_SPOT]));
    cr_assert(same_bits(a->egress_usd, b->egress_usd));
    cr_assert(same_bits(a->penalty_usd, b->penalty_usd)); /* -0.0 keeps its sign */
    cr_assert(same_bits(a->penalised_cost_usd, b->penalised_cost_usd));
    cr_assert(same_bits(a->slo_attainment, b->slo_attainment));
    cr_assert(same_bits(a->violation_minutes, b->violation_minutes));
    cr_assert(same_bits(a->unserved_fraction, b->unserved_fraction));
    cr_assert(same_bits(a->idle_capacity_hours, b->idle_capacity_hours));
    cr_assert(same_bits(a->demand_unit_hours, b->demand_unit_hours));
    cr_assert(same_bits(a->instance_hours, b->instance_hours));
    cr_assert(same_bits(a->lower_bound_usd, b->lower_bound_usd));
    cr_assert(same_bits(a->slo_objective, b->slo_objective));
    cr_assert(same_bits(a->outage_violation_minutes, b->outage_violation_minutes));
    cr_assert_eq(a->actions, 101);
    cr_assert_eq(a->launches, 2027);
    cr_assert_eq(a->refused, 3);
    cr_assert_eq(a->throttled, 44);
    cr_assert_eq(a->interruptions, 555);
    cr_assert_eq(a->decisions, 6666);
    /* The members listed above are all of sc_run_summary: 2 names of SC_NAME_MAX bytes,
     * 16 doubles (cost_by_option holds 3) and 6 longs, no padding.  A member added to the
     * struct changes its size and fails here, so this test (and the table) get updated. */
    cr_assert_eq(sizeof(sc_run_summary), 2 * SC_NAME_MAX + 16 * sizeof(double) + 6 * sizeof(long));
    /* 22 members, cost_by_option as 3 rows (one per purchase option): 24 rows */
    cr_assert_eq(SC_RESULTS_N_FIELDS, 24);
    sc_results_file_free(f);
    unlink(path);
    sc_world_free(w);
    sc_scenario_free(sc);
}

/* The sweep metrics, by hand: the five figures of scenarios/SWEEPS.md. */
Test(results_schema, sweep_metrics)
{
    const char *want[] = {"cost_usd", "penalised_cost_usd", "slo_attainment",
                          "violation_minutes", "unserved_fraction"};
    cr_assert_eq(SC_SUMMARY_METRICS, 5);
    sc_run_summary s;
    fill(&s);
    double val[] = {s.cost_usd, s.penalised_cost_usd, s.slo_attainment, s.violation_minutes,
                    s.unserved_fraction};
    for (int m = 0; m < 5; m++) {
        cr_assert_str_eq(sc_summary_metric_name((sc_summary_metric)m), want[m]);
        cr_assert(same_bits(sc_summary_metric_value(&s, (sc_summary_metric)m), val[m]));
    }
}

/* The --json keys in the README's order; lower_bound_usd only when it is a number. */
Test(results_schema, json_key_order)
{
    sc_run run;
    memset(&run, 0, sizeof run);
    fill(&run.sum);
    run.sum.cost_usd = 1.5;
    char *txt = sc_run_json(&run);
    cr_assert_not_null(txt);
    const char *keys[] = {"\"policy\"", "\"type\"", "\"cost_usd\"", "\"cost_on_demand_usd\"",
                          "\"cost_reserved_usd\"", "\"cost_spot_usd\"", "\"egress_usd\"",
                          "\"penalty_usd\"", "\"penalised_cost_usd\"", "\"slo_attainment\"",
                          "\"slo_objective\"", "\"violation_minutes\"", "\"unserved_fraction\"",
                          "\"idle_capacity_hours\"", "\"actions\"", "\"lower_bound_usd\"",
                          "\"launches\"", "\"refused\"", "\"throttled\"", "\"interruptions\"",
                          "\"outage_violation_minutes\""};
    const char *p = txt;
    for (size_t i = 0; i < sizeof keys / sizeof *keys; i++) {
        const char *q = strstr(p, keys[i]);
        cr_assert_not_null(q, "key %s missing or out of order in %s", keys[i], txt);
        p = q + strlen(keys[i]);
    }
    cr_assert_not_null(strstr(txt, "\"policy\":\t\"hpa-Quux_7.x\""), "%s", txt);
    cr_assert_not_null(strstr(txt, "\"type\":\t\"reactive\""), "%s", txt);
    cr_assert_not_null(strstr(txt, "\"cost_usd\":\t1.5,"), "%s", txt);
    cr_assert_null(strstr(txt, "demand_unit_hours"));
    cr_assert_null(strstr(txt, "decisions"));
    free(txt);
    run.sum.lower_bound_usd = NAN;
    run.sum.outage_violation_minutes = NAN; /* a scenario without outage windows */
    txt = sc_run_json(&run);
    cr_assert_null(strstr(txt, "lower_bound_usd"), "%s", txt);
    cr_assert_null(strstr(txt, "outage_violation_minutes"), "%s", txt);
    cr_assert_not_null(strstr(txt, "\"launches\""));
    free(txt);
}

/* The reader's provenance part (SC_RESULTS_READ_META) on a real `sculpt run` file of
 * unit.json: 1 h warm-up + 2 h at 5 min = 36 steps, 12 of them warm-up; the first step
 * starts at 2026-01-05T00:00:00Z = 1767571200000 ms (20458 days x 86400000 ms); one app
 * "a", regions "r1" and "r2"; the five per-step series of results.h in every cell. */
Test(results_schema, reader_meta_of_a_run_file)
{
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/test_results_meta_%ld.h5", SC_BINARY_DIR, (long)getpid());
    snprintf(cmd, sizeof cmd, "'%s' run '%s' -o '%s' >/dev/null", SC_SCULPT_BIN, UNIT, path);
    cr_assert_eq(system(cmd), 0);
    sc_error err;
    sc_error_clear(&err);
    sc_results_file *f = NULL;
    cr_assert_eq(sc_results_open(path, SC_RESULTS_READ_RUNS | SC_RESULTS_READ_META, &f, &err),
                 SC_OK, "%s", err.msg);
    const sc_results_meta *m = &f->meta;
    cr_assert_eq(m->n_steps, 36);
    cr_assert_eq(m->warmup_steps, 12);
    cr_assert_eq(m->step_ms, 300000);
    cr_assert_eq(m->seed, 7);
    cr_assert_eq(m->time_ms[0], 1767571200000LL);
    cr_assert_eq(m->time_ms[35], 1767571200000LL + 35 * 300000LL);
    cr_assert_str_eq(m->scenario_name, "unit");
    cr_assert_eq(strlen(m->scenario_hash), 16);
    cr_assert_eq(m->n_apps, 1);
    cr_assert_str_eq(m->apps[0], "a");
    cr_assert_eq(m->n_regions, 2);
    cr_assert_str_eq(m->regions[0], "r1");
    cr_assert_str_eq(m->regions[1], "r2");
    cr_assert_not_null(m->scenario);
    cr_assert_not_null(strstr(m->scenario, "\"name\": \"unit\""));
    cr_assert_eq(f->n_entries, 2);
    unsigned five = (1u << SC_SERIES_DEMAND) | (1u << SC_SERIES_CAPACITY) |
                    (1u << SC_SERIES_SERVED) | (1u << SC_SERIES_COST) |
                    (1u << SC_SERIES_INSTANCES);
    for (size_t i = 0; i < f->n_entries; i++) {
        cr_assert_eq(f->entries[i].series_all, five, "run %zu", i);
        cr_assert_eq(f->entries[i].series_any, five, "run %zu", i);
    }
    /* one series through the reader: 36 values, none negative */
    double *v = NULL;
    size_t n = 0;
    cr_assert_eq(sc_results_read_series(path, "/", "static", "a", "r1", "demand", &v, &n, &err),
                 SC_OK, "%s", err.msg);
    cr_assert_eq(n, 36);
    for (size_t i = 0; i < n; i++)
        cr_assert_geq(v[i], 0.0);
    free(v);
    cr_assert_eq(sc_results_read_series(path, "/", "static", "a", "r1", "forecast_mean", &v, &n,
                                        &err),
                 SC_ERR_NOTFOUND);
    sc_results_file_free(f);
    unlink(path);
}
