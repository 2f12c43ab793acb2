/*
 * test_scenario.c - the scenario loader (core/scenario/scenario.c), the JSON helpers
 * (core/base/json.c) and `sculpt scenario check`.
 *
 * Expected values come from the hand-written fixtures in tests/fixtures/scenarios/ (read
 * the JSON next to each assertion) and from hand calculation for the lognormal
 * quantiles.  Bad inputs are made by one textual mutation of min.json each, so every
 * case has exactly one fault and the test asserts the exact file + JSON path reported.
 */
#define _POSIX_C_SOURCE 200809L
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <criterion/criterion.h>

#include "sculpt/fsutil.h"
#include "sculpt/json.h"
#include "sculpt/rng.h"
#include "sculpt/scenario.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/scenarios"

static char *read_fixture(const char *name)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s", FIX, name);
    char *text = NULL;
    sc_error err;
    cr_assert_eq(sc_file_read_all(path, &text, NULL, &err), SC_OK, "%s", err.msg);
    return text;
}

/* ---- a valid scenario, field by field ---------------------------------------------- */

Test(scenario, full_fixture_values)
{
    sc_scenario *sc = NULL;
    sc_error err;
    sc_error_clear(&err);
    const char *path = FIX "/full.json";
    sc_status st = sc_scenario_load(path, &sc, &err);
    cr_assert_eq(st, SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_not_null(sc);

    cr_expect_str_eq(sc->name, "full-demo");
    cr_expect_str_eq(sc->path, path);
    cr_expect_str_eq(sc->dir, FIX);
    cr_expect_eq(sc->seed, 42u);
    /* 2026-03-02T00:00:00Z: 20514 days after 1970-01-01 (56 years incl. 14 leap days =
     * 20454 days to 2026-01-01, + 31 + 28 + 1). */
    cr_expect_eq(sc->start, INT64_C(20514) * 86400000);
    cr_expect_eq(sc->warmup_ms, INT64_C(7) * 86400000);
    cr_expect_eq(sc->duration_ms, INT64_C(14) * 86400000);
    cr_expect_eq(sc->step_ms, INT64_C(300000));

    /* geos */
    cr_assert_eq(sc->n_geos, 3);
    cr_expect_str_eq(sc->geos[0].name, "na");
    cr_expect_eq(sc->geos[0].home_region, 0);
    cr_expect_str_eq(sc->geos[0].tz, "America/New_York");
    cr_expect_str_eq(sc->geos[1].name, "eu");
    cr_expect_eq(sc->geos[1].home_region, 1);
    cr_expect_str_eq(sc->geos[1].tz, "Europe/Dublin");
    cr_expect_str_eq(sc->geos[2].name, "apac");
    cr_expect_eq(sc->geos[2].home_region, 0);
    cr_expect_str_eq(sc->geos[2].tz, "UTC"); /* default */

    /* instance types */
    cr_assert_eq(sc->n_types, 2);
    cr_expect_str_eq(sc->types[0].name, "m5.large");
    cr_expect_eq(sc->types[0].capacity[SC_METRIC_CPU], 2.0);
    cr_expect_eq(sc->types[0].capacity[SC_METRIC_MEM], 8.0);
    cr_expect_eq(sc->types[0].capacity[SC_METRIC_IO], 600.0);
    cr_expect_str_eq(sc->types[1].name, "c5.xlarge");
    cr_expect_eq(sc->types[1].capacity[SC_METRIC_CPU], 4.0);
    cr_expect_eq(sc->types[1].capacity[SC_METRIC_IO], 0.0); /* default */

    /* regions */
    cr_assert_eq(sc->n_regions, 2);
    const sc_region *r0 = &sc->regions[0], *r1 = &sc->regions[1];
    cr_expect_str_eq(r0->name, "us-east-1");
    cr_expect_eq(r0->boot.kind, SC_DIST_LOGNORMAL);
    cr_expect_eq(r0->boot.a_ms, 55000.0);
    cr_expect_eq(r0->boot.b_ms, 110000.0);
    cr_expect_eq(r0->vcpu_quota, 4000);
    cr_expect_eq(r0->spot_interrupt_per_hour, 0.005);
    cr_expect_eq(r0->egress_per_gb, 0.02);
    cr_expect_eq(r0->reserved_term_ms, INT64_C(365) * 86400000);
    cr_expect_eq(r0->api_rate_per_sec, 20);
    cr_expect_eq(r0->types[0].price_per_hour[SC_PURCHASE_ONDEMAND], 0.096);
    cr_expect_eq(r0->types[0].price_per_hour[SC_PURCHASE_RESERVED], 0.060);
    cr_expect_eq(r0->types[0].price_per_hour[SC_PURCHASE_SPOT], 0.035);
    cr_expect_eq(r0->types[0].capacity_limit, 500);
    cr_expect_eq(r0->types[1].price_per_hour[SC_PURCHASE_ONDEMAND], 0.17);
    cr_expect(isnan(r0->types[1].price_per_hour[SC_PURCHASE_RESERVED])); /* not offered */
    cr_expect_eq(r0->types[1].price_per_hour[SC_PURCHASE_SPOT], 0.068);
    cr_expect_eq(r0->types[1].capacity_limit, -1); /* unlimited by default */
    cr_expect_str_eq(r1->name, "eu-west-1");
    cr_expect_eq(r1->boot.kind, SC_DIST_UNIFORM);
    cr_expect_eq(r1->boot.a_ms, 40000.0);
    cr_expect_eq(r1->boot.b_ms, 95500.0);
    cr_expect_eq(r1->vcpu_quota, -1);
    cr_expect_eq(r1->spot_interrupt_per_hour, 0.0);
    cr_expect_eq(r1->egress_per_gb, 0.09);
    cr_expect_eq(r1->reserved_term_ms, INT64_C(1095) * 86400000);
    cr_expect_eq(r1->api_rate_per_sec, 0);
    cr_expect_eq(r1->types[0].price_per_hour[SC_PURCHASE_ONDEMAND], 0.107);
    cr_expect_eq(r1->types[0].price_per_hour[SC_PURCHASE_RESERVED], 0.067);
    cr_expect(isnan(r1->types[0].price_per_hour[SC_PURCHASE_SPOT]));
    /* c5.xlarge is not listed in eu-west-1: nothing offered, no capacity */
    for (int o = 0; o < SC_PURCHASE_COUNT; o++)
        cr_expect(isnan(r1->types[1].price_per_hour[o]));
    cr_expect_eq(r1->types[1].capacity_limit, 0);

    /* latency matrix, row = geo */
    cr_expect_eq(sc_scenario_latency(sc, 0, 0), 15.0);
    cr_expect_eq(sc_scenario_latency(sc, 0, 1), 85.0);
    cr_expect_eq(sc_scenario_latency(sc, 1, 0), 80.0);
    cr_expect_eq(sc_scenario_latency(sc, 1, 1), 12.5);
    cr_expect_eq(sc_scenario_latency(sc, 2, 0), 190.0);
    cr_expect_eq(sc_scenario_latency(sc, 2, 1), 230.0);

    /* apps */
    cr_assert_eq(sc->n_apps, 2);
    const sc_app *web = &sc->apps[0], *batch = &sc->apps[1];
    cr_expect_str_eq(web->name, "web");
    cr_expect_str_eq(web->unit, "req/s");
    cr_expect_eq(web->instance_type, 0);
    cr_expect_eq(web->needs[SC_METRIC_CPU], 0.004);
    cr_expect_eq(web->needs[SC_METRIC_MEM], 0.002);
    cr_expect_eq(web->needs[SC_METRIC_IO], 0.0);
    cr_expect_eq(web->target_util, 0.65);
    cr_expect_eq(web->min_instances, 2);
    cr_expect_eq(web->max_instances, 400);
    cr_expect_eq(web->warmup_ms, 60000);
    cr_expect_eq(web->gb_per_unit_hour, 0.0002);
    cr_expect_eq(web->latency.base_ms, 20.0);
    cr_expect_eq(web->latency.u_max, 0.98);
    cr_expect_eq(web->slo.latency_ms, 120.0);
    cr_expect_eq(web->slo.max_unserved_frac, 0.002);
    cr_expect_eq(web->slo.penalty_per_unit_hour, 0.05);
    cr_assert_eq(web->n_demand, 2);
    cr_expect_eq(web->demand[0].geo, 0);
    cr_expect_eq(web->demand[0].metric, SC_METRIC_LOAD);
    cr_expect_str_eq(web->demand[0].trace, "web_na");
    cr_expect_eq(web->demand[0].scale, 1.5);
    cr_expect_eq(web->demand[0].offset, -3.0);
    cr_expect_eq(web->demand[1].geo, 1);
    cr_expect_eq(web->demand[1].metric, SC_METRIC_LOAD); /* "requests" alias */
    cr_expect_str_eq(web->demand[1].trace, "nasa");
    cr_expect_eq(web->demand[1].scale, 1.0);
    cr_expect_eq(web->demand[1].offset, 0.0);
    cr_assert_eq(web->n_initial, 3);
    cr_expect_eq(web->initial[0].region, 0);
    cr_expect_eq(web->initial[0].count, 4);
    cr_expect_eq(web->initial[0].option, SC_PURCHASE_ONDEMAND);
    cr_expect_eq(web->initial[1].region, 0);
    cr_expect_eq(web->initial[1].count, 2);
    cr_expect_eq(web->initial[1].option, SC_PURCHASE_RESERVED);
    cr_expect_eq(web->initial[2].region, 1);
    cr_expect_eq(web->initial[2].count, 3);
    cr_expect_eq(web->initial[2].option, SC_PURCHASE_ONDEMAND);

    cr_expect_str_eq(batch->name, "batch");
    cr_expect_str_eq(batch->unit, "jobs/s");
    cr_expect_eq(batch->instance_type, 1);
    cr_expect_eq(batch->needs[SC_METRIC_CPU], 0.5);
    cr_expect_eq(batch->needs[SC_METRIC_MEM], 0.0);
    cr_expect_eq(batch->target_util, 0.6);        /* default */
    cr_expect_eq(batch->min_instances, 0);        /* default */
    cr_expect_eq(batch->max_instances, 60);
    cr_expect_eq(batch->warmup_ms, 0);            /* default */
    cr_expect_eq(batch->gb_per_unit_hour, 0.0);   /* default */
    cr_expect_eq(batch->latency.base_ms, 900.0);
    cr_expect_eq(batch->latency.u_max, 0.99);     /* default */
    cr_expect_eq(batch->slo.latency_ms, 5000.0);
    cr_expect_eq(batch->slo.max_unserved_frac, 0.001); /* default */
    cr_expect_eq(batch->slo.penalty_per_unit_hour, 0.0); /* default */
    cr_assert_eq(batch->n_demand, 1);
    cr_expect_eq(batch->demand[0].geo, 2);
    cr_expect_eq(batch->demand[0].metric, SC_METRIC_CPU);
    cr_expect_eq(batch->n_initial, 0);
    cr_expect_null(batch->initial);

    /* traces: relative paths resolve against the scenario's directory */
    cr_assert_eq(sc->n_traces, 3);
    cr_expect_str_eq(sc->traces[0].name, "web_na");
    cr_expect_eq(sc->traces[0].kind, SC_TRACE_SYNTHETIC);
    cr_expect_str_eq(sc->traces[0].series, "web/na/load");
    cr_expect_eq(sc->traces[0].shift_ms, -3600000);
    cr_expect_eq(sc->traces[0].resample, 0); /* max */
    cr_expect_str_eq(sc->traces[1].name, "nasa");
    cr_expect_eq(sc->traces[1].kind, SC_TRACE_CSV);
    cr_expect_str_eq(sc->traces[1].path, FIX "/../traces/nasa.csv");
    cr_expect_str_eq(sc->traces[1].tz, "-04:00");
    cr_expect_eq(sc->traces[1].value_col, 2);
    cr_expect_eq(sc->traces[1].shift_ms, INT64_C(30) * 86400000);
    cr_expect_eq(sc->traces[1].resample, 1); /* mean */
    cr_expect_str_eq(sc->traces[2].name, "batch_cpu");
    cr_expect_eq(sc->traces[2].kind, SC_TRACE_STORE);
    cr_expect_str_eq(sc->traces[2].path, "/data/store.h5"); /* absolute: unchanged */
    cr_expect_str_eq(sc->traces[2].series, "batch/apac/cpu");
    cr_expect_eq(sc->traces[2].resample, 2); /* sum */
    cr_expect_eq(sc_scenario_trace_index(sc, "nasa"), 1);

    /* synthetic spec read from a file next to the scenario, stored unformatted */
    cr_expect_str_eq(sc->synthetic_path, FIX "/spec/gen.json");
    cr_expect_str_eq(sc->synthetic_json,
                     "{\"comment\":\"stand-in generator spec; its schema belongs to "
                     "traces/GENERATOR.md\",\"apps\":[{\"name\":\"web\",\"peak\":1200}]}");

    /* policies */
    cr_assert_eq(sc->n_policies, 3);
    cr_expect_str_eq(sc->policies[0].name, "static");
    cr_expect_str_eq(sc->policies[0].label, "static"); /* label defaults to name */
    cr_expect_str_eq(sc->policies[0].params_json, "{}");
    cr_expect_str_eq(sc->policies[1].name, "reactive");
    cr_expect_str_eq(sc->policies[1].label, "hpa");
    cr_expect_str_eq(sc->policies[1].params_json, "{\"sync\":\"15s\",\"tolerance\":0.1}");
    cr_expect_str_eq(sc->policies[2].label, "hpa-slow");
    cr_expect_str_eq(sc->policies[2].params_json, "{}");

    cr_expect_eq(sc->per_step_output, 0);

    /* source text and its hash */
    char *text = read_fixture("full.json");
    cr_expect_str_eq(sc->source_json, text);
    cr_expect_eq(sc->hash, sc_rng_hash_str(text));
    free(text);

    /* lookups */
    cr_expect_eq(sc_scenario_region_index(sc, "eu-west-1"), 1);
    cr_expect_eq(sc_scenario_region_index(sc, "eu-west-2"), -1);
    cr_expect_eq(sc_scenario_geo_index(sc, "apac"), 2);
    cr_expect_eq(sc_scenario_type_index(sc, "c5.xlarge"), 1);
    cr_expect_eq(sc_scenario_type_index(sc, "C5.XLARGE"), -1); /* case-sensitive */
    sc_scenario_free(sc);
}

Test(scenario, defaults_and_inline_synthetic)
{
    /* min.json leaves most optional fields out; an inline synthetic spec is kept as
     * unformatted JSON text; the default policy params are "{}". */
    char *text = read_fixture("min.json");
    const char *anchor = "\"policies\"";
    char *at = strstr(text, anchor);
    cr_assert_not_null(at);
    size_t pre = (size_t)(at - text);
    const char *ins = "\"synthetic\": {\"b\": [1, 2.5], \"a\": \"x\"},\n  ";
    char *buf = malloc(strlen(text) + strlen(ins) + 1);
    memcpy(buf, text, pre);
    strcpy(buf + pre, ins);
    strcat(buf, text + pre);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(buf, "dir/min.json", &sc, &err), SC_OK, "%s: %s",
                 err.where, err.msg);
    cr_expect_str_eq(sc->synthetic_json, "{\"b\":[1,2.5],\"a\":\"x\"}");
    cr_expect_str_eq(sc->synthetic_path, "dir/min.json");
    cr_expect_str_eq(sc->dir, "dir");
    cr_expect_str_eq(sc->traces[0].path, "dir/min.h5");
    cr_expect_eq(sc->per_step_output, 1);
    cr_expect_eq(sc->seed, 7u);
    cr_expect_eq(sc->regions[0].boot.kind, SC_DIST_CONST);
    cr_expect_eq(sc->regions[0].boot.a_ms, 60000.0);
    cr_expect_eq(sc->regions[0].vcpu_quota, -1);
    cr_expect_eq(sc->regions[0].reserved_term_ms, INT64_C(365) * 86400000);
    cr_expect_str_eq(sc->apps[0].unit, "req/s");
    cr_expect_eq(sc->apps[0].latency.u_max, 0.99);
    sc_scenario_free(sc);
    free(buf);

    /* without a synthetic spec: NULL; a file path without a directory resolves to "." */
    cr_assert_eq(sc_scenario_parse(text, "min.json", &sc, &err), SC_OK, "%s", err.msg);
    cr_expect_null(sc->synthetic_json);
    cr_expect_str_eq(sc->dir, ".");
    cr_expect_str_eq(sc->traces[0].path, "min.h5");
    sc_scenario_free(sc);
    free(text);
}

Test(scenario, seed_as_decimal_string)
{
    char *text = read_fixture("min.json");
    char *at = strstr(text, "\"seed\": 7");
    cr_assert_not_null(at);
    size_t pre = (size_t)(at - text);
    const char *rep = "\"seed\": \"18446744073709551615\"";
    char *buf = malloc(strlen(text) + strlen(rep) + 1);
    memcpy(buf, text, pre);
    strcpy(buf + pre, rep);
    strcat(buf, at + strlen("\"seed\": 7"));
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(buf, "s.json", &sc, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(sc->seed, UINT64_MAX);
    sc_scenario_free(sc);
    free(buf);
    free(text);
}

Test(scenario, readme_example_parses)
{
    /* The complete example in scenarios/README.md must stay valid. */
    char *doc = NULL;
    sc_error err;
    cr_assert_eq(sc_file_read_all(SC_SOURCE_DIR "/scenarios/README.md", &doc, NULL, &err),
                 SC_OK);
    char *sec = strstr(doc, "## Complete example");
    cr_assert_not_null(sec);
    char *begin = strstr(sec, "```json\n");
    cr_assert_not_null(begin);
    begin += strlen("```json\n");
    char *end = strstr(begin, "```");
    cr_assert_not_null(end);
    *end = '\0';
    sc_scenario *sc = NULL;
    /* synthetic "demo_generator.json" resolves next to this path (a fixture stand-in) */
    cr_expect_eq(sc_scenario_parse(begin, FIX "/readme_demo.json", &sc, &err), SC_OK,
                 "%s: %s", err.where, err.msg);
    if (sc) {
        cr_expect_str_eq(sc->name, "demo");
        cr_expect_eq(sc->n_apps, 2);
    }
    sc_scenario_free(sc);
    free(doc);
}

/* ---- distributions --------------------------------------------------------------- */

Test(scenario, lognormal_quantile_hand_computed)
{
    /* median 55 s, p95 110 s.  sigma = ln(110/55)/z95 = ln 2 / 1.6448536269514722.
     * Q(u) = 55000 ms * exp(sigma * z_u) = 55000 * 2^(z_u / z95).
     *  u = 0.5:  z = 0            -> 55000 ms
     *  u = 0.95: z = z95          -> 55000 * 2 = 110000 ms
     *  u = 0.99: z = 2.3263478740408408 (standard normal table: 2.326348)
     *            z/z95 = 1.41431908..., 2^1.41431908 = 2.66533908...
     *            -> 55000 * 2.66533908 = 146593.65 ms
     *  u = 0.1:  z = -1.2815515655446004, z/z95 = -0.77912..., 2^-0.77912 = 0.582719
     *            -> 32049.54 ms */
    sc_dist d = {SC_DIST_LOGNORMAL, 55000.0, 110000.0};
    cr_expect_float_eq(sc_dist_quantile(&d, 0.5), 55000.0, 1e-9);
    cr_expect_float_eq(sc_dist_quantile(&d, 0.95), 110000.0, 1e-6);
    cr_expect_float_eq(sc_dist_quantile(&d, 0.99), 146593.65, 0.01);
    cr_expect_float_eq(sc_dist_quantile(&d, 0.1), 32049.54, 0.01);
    /* extreme u stays finite and ordered */
    double lo = sc_dist_quantile(&d, 0.0), hi = sc_dist_quantile(&d, 1.0);
    cr_expect(isfinite(hi) && hi > 146593.65);
    cr_expect(lo >= 0.0 && lo < 32049.54);

    /* p95 == median: a point mass */
    sc_dist pt = {SC_DIST_LOGNORMAL, 30000.0, 30000.0};
    cr_expect_eq(sc_dist_quantile(&pt, 0.01), 30000.0);
    cr_expect_eq(sc_dist_quantile(&pt, 0.99), 30000.0);

    sc_dist c = {SC_DIST_CONST, 60000.0, 60000.0};
    cr_expect_eq(sc_dist_quantile(&c, 0.123), 60000.0);
    sc_dist u = {SC_DIST_UNIFORM, 40000.0, 90000.0};
    cr_expect_float_eq(sc_dist_quantile(&u, 0.25), 52500.0, 1e-9); /* 40000 + 0.25*50000 */
    cr_expect_float_eq(sc_dist_quantile(&u, 0.5), 65000.0, 1e-9);
}

Test(scenario, names)
{
    cr_expect_str_eq(sc_metric_name(SC_METRIC_CPU), "cpu");
    cr_expect_str_eq(sc_metric_name(SC_METRIC_MEM), "mem");
    cr_expect_str_eq(sc_metric_name(SC_METRIC_IO), "io");
    cr_expect_str_eq(sc_metric_name(SC_METRIC_LOAD), "load");
    cr_expect_str_eq(sc_purchase_name(SC_PURCHASE_ONDEMAND), "on_demand");
    cr_expect_str_eq(sc_purchase_name(SC_PURCHASE_RESERVED), "reserved");
    cr_expect_str_eq(sc_purchase_name(SC_PURCHASE_SPOT), "spot");
}

/* ---- bad inputs: one mutation of min.json each ------------------------------------- */

typedef struct bad_case {
    const char *what;
    const char *find;     /* text in min.json ... */
    const char *replace;  /* ... replaced by this */
    sc_status status;
    const char *where;    /* exact JSON path (after "min.json: ") */
    const char *msg;      /* substring of the message */
} bad_case;

#define APP_COPY                                                                         \
    "{\"name\": \"web\", \"instance_type\": \"m5.large\", \"needs\": {\"cpu\": 0.01}, "  \
    "\"max_instances\": 5, \"latency\": {\"base_ms\": 10}, \"slo\": {\"latency_ms\": "   \
    "100}, \"demand\": [{\"geo\": \"na\", \"trace\": \"web_na\"}]}, "

static const bad_case bad_cases[] = {
    {"missing required field", "\"min_instances\": 1, \"max_instances\": 50,",
     "\"min_instances\": 1,", SC_ERR_INPUT, "$.apps[0].max_instances",
     "required field is missing"},
    {"missing top-level field", "\"duration\": \"2d\",", "", SC_ERR_INPUT, "$.duration",
     "required field is missing"},
    {"mistyped number", "\"vcpu\": 2", "\"vcpu\": \"2\"", SC_ERR_INPUT,
     "$.instance_types[0].vcpu", "expected a number, got a string"},
    {"mistyped array", "[{\"name\": \"m5.large\", \"vcpu\": 2, \"mem_gib\": 8}]",
     "{\"name\": \"m5.large\"}", SC_ERR_INPUT, "$.instance_types",
     "expected an array, got an object"},
    {"negative price", "\"on_demand\": 0.107", "\"on_demand\": -0.107", SC_ERR_INPUT,
     "$.regions[1].types.m5.large.on_demand", "expected a non-negative number, got -0.107"},
    {"missing on_demand price", "\"on_demand\": 0.107", "\"spot\": 0.03", SC_ERR_INPUT,
     "$.regions[1].types.m5.large.on_demand", "required field is missing"},
    {"unknown region in home_region", "\"home_region\": \"eu-west-1\"",
     "\"home_region\": \"eu-west-9\"", SC_ERR_INPUT, "$.geos[1].home_region",
     "unknown region 'eu-west-9'; valid regions: us-east-1, eu-west-1"},
    {"unknown trace in demand", "\"trace\": \"web_eu\"", "\"trace\": \"web_asia\"",
     SC_ERR_INPUT, "$.apps[0].demand[1].trace",
     "unknown trace 'web_asia'; valid traces: web_na, web_eu"},
    {"unknown geo in demand", "\"geo\": \"eu\"", "\"geo\": \"asia\"", SC_ERR_INPUT,
     "$.apps[0].demand[1].geo", "unknown geo 'asia'; valid geos: na, eu"},
    {"unknown instance type", "\"instance_type\": \"m5.large\"",
     "\"instance_type\": \"m5.huge\"", SC_ERR_INPUT, "$.apps[0].instance_type",
     "unknown instance type 'm5.huge'; valid instance types: m5.large"},
    {"unknown type in price table", "{\"m5.large\": {\"on_demand\": 0.107}}",
     "{\"m5.larg\": {\"on_demand\": 0.107}}", SC_ERR_INPUT, "$.regions[1].types.m5.larg",
     "unknown instance type 'm5.larg'"},
    {"target_util 0", "\"target_util\": 0.6", "\"target_util\": 0", SC_ERR_INPUT,
     "$.apps[0].target_util", "expected a number in (0, 1], got 0"},
    {"target_util 1.5", "\"target_util\": 0.6", "\"target_util\": 1.5", SC_ERR_INPUT,
     "$.apps[0].target_util", "expected a number in (0, 1], got 1.5"},
    {"min > max", "\"min_instances\": 1", "\"min_instances\": 60", SC_ERR_INPUT,
     "$.apps[0].min_instances", "min_instances (60) is greater than max_instances (50)"},
    {"step does not divide duration", "\"duration\": \"2d\"", "\"duration\": \"2883m\"",
     SC_ERR_INPUT, "$.duration", "duration 2883m is not a multiple of step 5m"},
    {"step does not divide warmup", "\"warmup\": \"1d\"", "\"warmup\": \"62m\"",
     SC_ERR_INPUT, "$.warmup", "warmup 62m is not a multiple of step 5m"},
    {"zero step", "\"step\": \"5m\"", "\"step\": \"0s\"", SC_ERR_INPUT, "$.step",
     "expected a positive duration"},
    {"bad duration syntax", "\"step\": \"5m\"", "\"step\": \"5 minutes\"", SC_ERR_INPUT,
     "$.step", "expected a duration"},
    {"duration as number", "\"step\": \"5m\"", "\"step\": 300", SC_ERR_INPUT, "$.step",
     "expected a duration string"},
    {"bad start", "\"start\": \"2026-03-02T00:00:00Z\"", "\"start\": \"2026-02-30\"",
     SC_ERR_INPUT, "$.start", "expected a timestamp"},
    {"incomplete latency matrix", ", \"eu-west-1\": 12}", "}", SC_ERR_INPUT,
     "$.latency_ms.eu.eu-west-1", "required field is missing"},
    {"latency row missing", "\"eu\": {\"us-east-1\": 80, \"eu-west-1\": 12}",
     "\"_eu\": {}", SC_ERR_INPUT, "$.latency_ms.eu", "required field is missing"},
    {"negative latency", "\"us-east-1\": 80", "\"us-east-1\": -80", SC_ERR_INPUT,
     "$.latency_ms.eu.us-east-1", "expected a non-negative number, got -80"},
    {"unknown geo in latency matrix", "\"eu\": {\"us-east-1\": 80",
     "\"asia\": {\"us-east-1\": 80", SC_ERR_INPUT, "$.latency_ms.asia", "unknown geo 'asia'"},
    {"duplicate app name", "\"apps\": [", "\"apps\": [" APP_COPY, SC_ERR_INPUT,
     "$.apps[1].name", "duplicate app name 'web' (also at $.apps[0])"},
    {"duplicate region name", "\"name\": \"eu-west-1\"", "\"name\": \"us-east-1\"",
     SC_ERR_INPUT, "$.regions[1].name", "duplicate region name 'us-east-1'"},
    {"duplicate policy label", "[{\"name\": \"static\"}]",
     "[{\"name\": \"static\"}, {\"name\": \"reactive\", \"label\": \"static\"}]",
     SC_ERR_INPUT, "$.policies[1].label", "duplicate policy label 'static'"},
    {"unknown key typo", "\"target_util\": 0.6", "\"target_utl\": 0.6", SC_ERR_INPUT,
     "$.apps[0].target_utl",
     "unknown key 'target_utl' (did you mean 'target_util'?); valid keys: name, unit"},
    {"unknown top-level key", "\"seed\": 7", "\"sead\": 7", SC_ERR_INPUT, "$.sead",
     "unknown key 'sead' (did you mean 'seed'?)"},
    {"unknown key, no close match", "\"seed\": 7", "\"seed\": 7, \"colour\": 1",
     SC_ERR_INPUT, "$.colour", "unknown key 'colour'; valid keys: name, seed, start"},
    {"duplicate key", "\"seed\": 7,", "\"seed\": 7, \"seed\": 8,", SC_ERR_INPUT, "$.seed",
     "duplicate key 'seed'"},
    {"duplicate key in price table", "{\"on_demand\": 0.107}",
     "{\"on_demand\": 0.107, \"on_demand\": 0.2}", SC_ERR_INPUT,
     "$.regions[1].types.m5.large.on_demand", "duplicate key 'on_demand'"},
    {"empty demand", "[{\"geo\": \"na\", \"trace\": \"web_na\"}, {\"geo\": \"eu\", "
                     "\"trace\": \"web_eu\"}]",
     "[]", SC_ERR_INPUT, "$.apps[0].demand", "expected a non-empty array"},
    {"duplicate demand source", "{\"geo\": \"eu\", \"trace\": \"web_eu\"}",
     "{\"geo\": \"na\", \"trace\": \"web_eu\"}", SC_ERR_INPUT, "$.apps[0].demand[1]",
     "duplicate demand source for geo 'na', metric 'load'"},
    {"unknown metric", "{\"geo\": \"na\", \"trace\": \"web_na\"}",
     "{\"geo\": \"na\", \"trace\": \"web_na\", \"metric\": \"gpu\"}", SC_ERR_INPUT,
     "$.apps[0].demand[0].metric", "unknown metric 'gpu'"},
    {"negative initial count", "\"count\": 2", "\"count\": -1", SC_ERR_INPUT,
     "$.apps[0].initial[0].count", "expected a non-negative integer, got -1"},
    {"fractional initial count", "\"count\": 2", "\"count\": 2.5", SC_ERR_INPUT,
     "$.apps[0].initial[0].count", "expected an integer, got 2.5"},
    {"initial above max", "\"count\": 2", "\"count\": 51", SC_ERR_INPUT,
     "$.apps[0].initial[0].count", "total 51, more than max_instances (50)"},
    {"initial option not offered", "\"count\": 2", "\"count\": 2, \"option\": \"reserved\"",
     SC_ERR_INPUT, "$.apps[0].initial[0].option",
     "does not offer instance type 'm5.large' as reserved (offered: on_demand, spot)"},
    {"lognormal p95 below median", "{\"dist\": \"const\", \"value_s\": 60}",
     "{\"dist\": \"lognormal\", \"median_s\": 60, \"p95_s\": 30}", SC_ERR_INPUT,
     "$.regions[0].boot.p95_s", "expected p95_s >= median_s"},
    {"unknown distribution", "\"dist\": \"const\"", "\"dist\": \"normal\"", SC_ERR_INPUT,
     "$.regions[0].boot.dist", "unknown distribution 'normal'"},
    {"key of another distribution", "\"value_s\": 60", "\"median_s\": 60", SC_ERR_INPUT,
     "$.regions[0].boot.median_s", "unknown key 'median_s'"},
    {"attainment objective of 1", "\"slo\": {\"latency_ms\": 120}",
     "\"slo\": {\"latency_ms\": 120, \"attainment\": 1}", SC_ERR_INPUT,
     "$.apps[0].slo.attainment", "expected a number in (0, 1), got 1"},
    {"attainment objective of 0", "\"slo\": {\"latency_ms\": 120}",
     "\"slo\": {\"latency_ms\": 120, \"attainment\": 0}", SC_ERR_INPUT,
     "$.apps[0].slo.attainment", "expected a number in (0, 1), got 0"},
    {"attainment objective as a percentage", "\"slo\": {\"latency_ms\": 120}",
     "\"slo\": {\"latency_ms\": 120, \"attainment\": 99.9}", SC_ERR_INPUT,
     "$.apps[0].slo.attainment", "got 99.9"},
    {"attainment objective as a string", "\"slo\": {\"latency_ms\": 120}",
     "\"slo\": {\"latency_ms\": 120, \"attainment\": \"0.999\"}", SC_ERR_INPUT,
     "$.apps[0].slo.attainment", "expected a number"},
    {"SLO below service time", "\"slo\": {\"latency_ms\": 120}",
     "\"slo\": {\"latency_ms\": 15}", SC_ERR_INPUT, "$.apps[0].slo.latency_ms",
     "cannot be met"},
    {"no resource needs", "\"needs\": {\"cpu\": 0.004}", "\"needs\": {}", SC_ERR_INPUT,
     "$.apps[0].needs", "no resource need per load unit"},
    {"need without capacity", "\"needs\": {\"cpu\": 0.004}",
     "\"needs\": {\"cpu\": 0.004, \"io\": 0.1}", SC_ERR_INPUT, "$.apps[0].needs.io",
     "has no io capacity"},
    {"invalid name", "\"name\": \"web\"", "\"name\": \"web app\"", SC_ERR_INPUT,
     "$.apps[0].name", "invalid character ' '"},
    {"two trace sources", "\"store\": \"min.h5\", \"series\": \"web/na/load\"",
     "\"store\": \"min.h5\", \"csv\": \"a.csv\", \"series\": \"web/na/load\"", SC_ERR_INPUT,
     "$.traces[0]", "expected exactly one source key"},
    {"bad series key", "\"series\": \"web/na/load\"", "\"series\": \"web/na\"", SC_ERR_INPUT,
     "$.traces[0].series", "expected a store series \"app/place/metric\""},
    {"synthetic trace without spec", "\"store\": \"min.h5\", \"series\": \"web/na/load\"",
     "\"synthetic\": \"web/na/load\"", SC_ERR_INPUT, "$.traces[0].synthetic",
     "needs the scenario's generator spec"},
    {"bad resample", "\"series\": \"web/na/load\"",
     "\"series\": \"web/na/load\", \"resample\": \"median\"", SC_ERR_INPUT,
     "$.traces[0].resample", "unknown resampling 'median'"},
    {"unknown time zone", "\"home_region\": \"us-east-1\"}",
     "\"home_region\": \"us-east-1\", \"tz\": \"Mars/Olympus\"}", SC_ERR_INPUT,
     "$.geos[0].tz", "unknown time zone \"Mars/Olympus\""},
    {"empty policies", "[{\"name\": \"static\"}]", "[]", SC_ERR_INPUT, "$.policies",
     "expected a non-empty array"},
    {"params not an object", "{\"name\": \"static\"}",
     "{\"name\": \"static\", \"params\": [1]}", SC_ERR_INPUT, "$.policies[0].params",
     "expected an object, got an array"},
    {"output typo", "\"policies\": [", "\"output\": {\"perstep\": true}, \"policies\": [",
     SC_ERR_INPUT, "$.output.perstep", "unknown key 'perstep' (did you mean 'per_step'?)"},
    {"negative seed", "\"seed\": 7", "\"seed\": -7", SC_ERR_INPUT, "$.seed",
     "expected a non-negative integer"},
    {"capacity limit exceeded", "\"on_demand\": 0.096, \"spot\": 0.035",
     "\"on_demand\": 0.096, \"spot\": 0.035, \"capacity_limit\": 1", SC_ERR_INPUT,
     "$.regions[0].types", "above its capacity_limit 1"},
    {"vcpu quota exceeded", "\"boot\": {\"dist\": \"const\", \"value_s\": 60},",
     "\"boot\": {\"dist\": \"const\", \"value_s\": 60}, \"vcpu_quota\": 3,", SC_ERR_INPUT,
     "$.regions[0].vcpu_quota", "above its vcpu_quota 3"},
};

/* min.json with the first occurrence of find replaced. */
static char *mutate(const char *text, const char *find, const char *replace)
{
    const char *at = strstr(text, find);
    if (!at)
        return NULL;
    size_t pre = (size_t)(at - text);
    char *out = malloc(strlen(text) + strlen(replace) + 1);
    memcpy(out, text, pre);
    strcpy(out + pre, replace);
    strcat(out, at + strlen(find));
    return out;
}

Test(scenario, min_fixture_is_valid)
{
    char *text = read_fixture("min.json");
    sc_scenario *sc = NULL;
    sc_error err;
    cr_expect_eq(sc_scenario_parse(text, "min.json", &sc, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    sc_scenario_free(sc);
    free(text);
}

/* apps[].slo.attainment: default 0.999; the run's objective is the mean over apps
 * (each app has as many app-geo-steps as the others): (0.99 + 0.999) / 2 = 0.9945. */
Test(scenario, slo_attainment_objective)
{
    char *text = read_fixture("min.json");
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, "min.json", &sc, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(sc->apps[0].slo.attainment, 0.999);
    cr_expect_eq(sc_scenario_slo_objective(sc), 0.999);
    sc->apps[0].slo.attainment = 0.99;
    cr_expect_float_eq(sc_scenario_slo_objective(sc), 0.99, 1e-15);
    sc_scenario_free(sc);
    char *two = mutate(text, "\"slo\": {\"latency_ms\": 120}",
                       "\"slo\": {\"latency_ms\": 120, \"attainment\": 0.99}");
    cr_assert_not_null(two);
    cr_assert_eq(sc_scenario_parse(two, "min.json", &sc, &err), SC_OK, "%s", err.msg);
    cr_expect_eq(sc->apps[0].slo.attainment, 0.99);
    sc_scenario_free(sc);
    free(two);
    free(text);
    cr_assert_eq(sc_scenario_load(FIX "/full.json", &sc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc->n_apps, 2);
    sc->apps[0].slo.attainment = 0.99;
    cr_expect_float_eq(sc_scenario_slo_objective(sc), 0.9945, 1e-15);
    sc_scenario_free(sc);
    cr_expect_eq(sc_scenario_slo_objective(NULL), 0.999);
}

Test(scenario, bad_inputs_table)
{
    char *text = read_fixture("min.json");
    for (size_t i = 0; i < sizeof bad_cases / sizeof bad_cases[0]; i++) {
        const bad_case *bc = &bad_cases[i];
        char *bad = mutate(text, bc->find, bc->replace);
        cr_assert_not_null(bad, "case '%s': pattern not found in min.json", bc->what);
        sc_scenario *sc = (sc_scenario *)1;
        sc_error err;
        sc_error_clear(&err);
        sc_status st = sc_scenario_parse(bad, "min.json", &sc, &err);
        cr_expect_eq(st, bc->status, "case '%s': status %s, expected %s (%s: %s)", bc->what,
                     sc_status_name(st), sc_status_name(bc->status), err.where, err.msg);
        cr_expect_eq(err.status, st, "case '%s': err.status", bc->what);
        cr_expect_null(sc, "case '%s': *out must be NULL on failure", bc->what);
        char where[512];
        snprintf(where, sizeof where, "min.json: %s", bc->where);
        cr_expect_str_eq(err.where, where, "case '%s': where '%s', expected '%s' (msg: %s)",
                         bc->what, err.where, where, err.msg);
        cr_expect(strstr(err.msg, bc->msg) != NULL,
                  "case '%s': message '%s' lacks '%s'", bc->what, err.msg, bc->msg);
        if (st == SC_OK)
            sc_scenario_free(sc);
        free(bad);
    }
    free(text);
}

Test(scenario, malformed_json_line_column)
{
    sc_scenario *sc = NULL;
    sc_error err;
    /* bad_malformed.json: line 3 is `  "seed": 7` without a comma, so the parser fails at
     * the opening quote of "start", which is line 4, column 3. */
    sc_status st = sc_scenario_load(FIX "/bad_malformed.json", &sc, &err);
    cr_expect_eq(st, SC_ERR_INPUT);
    cr_expect_null(sc);
    cr_expect_str_eq(err.where, FIX "/bad_malformed.json:4:3");
    cr_expect(strstr(err.msg, "malformed JSON near '\"start\"") != NULL, "%s", err.msg);

    /* bad_truncated.json: the first 200 bytes of min.json; it ends on line 10 after
     * `    {"name": "eu", ` (19 characters), so input ends at column 20. */
    st = sc_scenario_load(FIX "/bad_truncated.json", &sc, &err);
    cr_expect_eq(st, SC_ERR_INPUT);
    cr_expect_str_eq(err.where, FIX "/bad_truncated.json:10:20");
    cr_expect(strstr(err.msg, "unexpected end of input") != NULL, "%s", err.msg);

    /* trailing garbage after the object: line 2, column 1 */
    st = sc_scenario_parse("{}\nx", "t.json", &sc, &err);
    cr_expect_eq(st, SC_ERR_INPUT);
    cr_expect_str_eq(err.where, "t.json:2:1");

    st = sc_scenario_parse("  \n", "e.json", &sc, &err);
    cr_expect_eq(st, SC_ERR_INPUT);
    cr_expect(strstr(err.msg, "empty input") != NULL, "%s", err.msg);

    /* a JSON value that is not an object */
    st = sc_scenario_parse("[1, 2]", "a.json", &sc, &err);
    cr_expect_eq(st, SC_ERR_INPUT);
    cr_expect_str_eq(err.where, "a.json: $");
    cr_expect(strstr(err.msg, "expected a JSON object") != NULL, "%s", err.msg);
}

Test(scenario, missing_files)
{
    sc_scenario *sc = NULL;
    sc_error err;
    cr_expect_eq(sc_scenario_load(FIX "/no_such_file.json", &sc, &err), SC_ERR_IO);
    cr_expect_null(sc);
    cr_expect_str_eq(err.where, FIX "/no_such_file.json");

    /* a synthetic spec path that does not exist: named at $.synthetic */
    char *text = read_fixture("min.json");
    char *bad = mutate(text, "\"policies\"", "\"synthetic\": \"nope.json\", \"policies\"");
    cr_assert_not_null(bad);
    cr_expect_eq(sc_scenario_parse(bad, "x/min.json", &sc, &err), SC_ERR_IO);
    cr_expect_str_eq(err.where, "x/min.json: $.synthetic");
    cr_expect(strstr(err.msg, "x/nope.json") != NULL, "%s", err.msg);
    free(bad);
    free(text);
}

Test(scenario, every_prefix_and_byte_flip_is_rejected_cleanly)
{
    /* Robustness: every proper prefix of a valid file is malformed or incomplete, and
     * flipping single bytes must never crash (run under ASan/UBSan in CI).  Each
     * failure must leave *out NULL and name the file. */
    char *text = read_fixture("full.json");
    size_t n = strlen(text);
    char *buf = malloc(n + 1);
    size_t nfail = 0;
    for (size_t len = 0; len + 1 < n; len += 7) {
        memcpy(buf, text, len);
        buf[len] = '\0';
        sc_scenario *sc = NULL;
        sc_error err;
        sc_status st = sc_scenario_parse(buf, "p.json", &sc, &err);
        cr_expect_neq(st, SC_OK, "prefix of %zu bytes accepted", len);
        cr_expect_null(sc);
        cr_expect(strncmp(err.where, "p.json", 6) == 0, "%s", err.where);
        nfail += st != SC_OK;
    }
    cr_expect_gt(nfail, 0);
    static const char flips[] = {'"', '{', '}', '[', ']', ',', ':', '-', '0', 'x', '\\', ' '};
    for (size_t pos = 0; pos < n; pos += 3) {
        memcpy(buf, text, n + 1);
        buf[pos] = flips[pos % sizeof flips];
        sc_scenario *sc = NULL;
        sc_error err;
        sc_status st = sc_scenario_parse(buf, FIX "/full.json", &sc, &err);
        if (st == SC_OK)
            sc_scenario_free(sc);
        else
            cr_expect_null(sc);
    }
    free(buf);
    free(text);
}

/* ---- json.h helpers directly -------------------------------------------------------- */

Test(json, getters_and_ranges)
{
    cJSON *o = NULL;
    sc_error err;
    cr_assert_eq(sc_json_parse("{\"n\": 3, \"s\": \"x\", \"b\": true, \"z\": null, "
                               "\"f\": 2.5, \"d\": \"-90s\"}",
                               "j.json", &o, &err),
                 SC_OK);
    sc_json_ctx cx = {"j.json", &err};
    double v;
    int64_t i;
    int b;
    const char *s;
    cr_expect_eq(sc_json_get_number(&cx, o, "$.a[1]", "n", SC_JSON_REQUIRED, 0, &v), SC_OK);
    cr_expect_eq(v, 3.0);
    cr_expect_eq(sc_json_get_number(&cx, o, "$.a[1]", "z", SC_JSON_OPTIONAL, 7.5, &v), SC_OK);
    cr_expect_eq(v, 7.5); /* null = absent */
    cr_expect_eq(sc_json_get_number(&cx, o, "$.a[1]", "z", SC_JSON_REQUIRED, 0, &v),
                 SC_ERR_INPUT);
    cr_expect_str_eq(err.where, "j.json: $.a[1].z");
    cr_expect_eq(sc_json_get_number(&cx, o, "$.a[1]", "b", SC_JSON_REQUIRED, 0, &v),
                 SC_ERR_INPUT);
    cr_expect_str_eq(err.msg, "expected a number, got a boolean");
    cr_expect_eq(sc_json_get_int(&cx, o, "$", "f", SC_JSON_REQUIRED, 0, &i), SC_ERR_INPUT);
    cr_expect_str_eq(err.msg, "expected an integer, got 2.5");
    cr_expect_eq(sc_json_get_bool(&cx, o, "$", "b", SC_JSON_REQUIRED, 0, &b), SC_OK);
    cr_expect_eq(b, 1);
    cr_expect_eq(sc_json_get_string(&cx, o, "$", "s", SC_JSON_REQUIRED, NULL, &s), SC_OK);
    cr_expect_str_eq(s, "x");
    cr_expect_eq(sc_json_get_duration(&cx, o, "$", "d", SC_JSON_REQUIRED, 0, INT64_MIN, &i),
                 SC_OK);
    cr_expect_eq(i, -90000);
    cr_expect_eq(sc_json_get_duration(&cx, o, "$", "d", SC_JSON_REQUIRED, 0, 0, &i),
                 SC_ERR_INPUT);
    char buf[2];
    cr_expect_eq(sc_json_get_string_buf(&cx, o, "$", "s", SC_JSON_REQUIRED, NULL, buf, 2),
                 SC_OK);
    cr_expect_eq(sc_json_get_string_buf(&cx, o, "$", "d", SC_JSON_REQUIRED, NULL, buf, 2),
                 SC_ERR_INPUT);
    cr_expect_str_eq(err.msg, "string is longer than 1 characters");

    cr_expect_eq(sc_json_check_range(&cx, "$", "k", 0.5, 0, 1, "(]"), SC_OK);
    cr_expect_eq(sc_json_check_range(&cx, "$", "k", 1.0, 0, 1, "(]"), SC_OK);
    cr_expect_eq(sc_json_check_range(&cx, "$", "k", 1.0, 0, 1, "()"), SC_ERR_INPUT);
    cr_expect_str_eq(err.msg, "expected a number in (0, 1), got 1");
    cr_expect_eq(sc_json_check_range(&cx, "$", "k", 0.0, 0, INFINITY, "()"), SC_ERR_INPUT);
    cr_expect_str_eq(err.msg, "expected a positive number, got 0");

    static const char *const keys[] = {"n", "s", "b", "z", "f", NULL};
    cr_expect_eq(sc_json_check_keys(&cx, o, "$.x", keys), SC_ERR_INPUT);
    cr_expect_str_eq(err.where, "j.json: $.x.d");
    cJSON_Delete(o);

    /* comment keys are always allowed */
    cr_assert_eq(sc_json_parse("{\"_note\": 1, \"comment\": \"c\", \"n\": 1}", "j", &o, &err),
                 SC_OK);
    cr_expect_eq(sc_json_check_keys(&cx, o, "$", keys), SC_OK);
    cJSON_Delete(o);

    static const char *const words[] = {"duration", "warmup", "step", NULL};
    cr_expect_str_eq(sc_json_suggest("duraton", words), "duration"); /* 1 deletion */
    cr_expect_str_eq(sc_json_suggest("stepp", words), "step");       /* 1 insertion */
    cr_expect_null(sc_json_suggest("stpe", words)); /* transposition = 2 edits > 4/3 */
    cr_expect_null(sc_json_suggest("colour", words));

    int line, col;
    sc_json_text_position("ab\ncd\n\nef", 8, &line, &col);
    cr_expect_eq(line, 4);
    cr_expect_eq(col, 2);
}

/* ---- the command line ---------------------------------------------------------------- */

/* Run a shell command; returns its exit status and fills err_out with stderr. */
static int run_cli(const char *args, char *out, size_t out_cap, char *errtxt, size_t err_cap)
{
    char errfile[] = "/tmp/sc_test_scenario_err_XXXXXX";
    int fd = mkstemp(errfile);
    cr_assert(fd >= 0);
    close(fd);
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "'%s' %s 2>'%s'", SC_SCULPT_BIN, args, errfile);
    FILE *p = popen(cmd, "r");
    cr_assert_not_null(p);
    size_t n = fread(out, 1, out_cap - 1, p);
    out[n] = '\0';
    int rc = pclose(p);
    FILE *f = fopen(errfile, "r");
    n = f ? fread(errtxt, 1, err_cap - 1, f) : 0;
    errtxt[n] = '\0';
    if (f)
        fclose(f);
    unlink(errfile);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

Test(scenario_cli, check_good_and_bad)
{
    if (access(SC_SCULPT_BIN, X_OK) != 0) {
        cr_skip_test("sculpt binary not built (%s): the CLI test needs the full link",
                     SC_SCULPT_BIN);
    }
    static char out[65536], errtxt[65536];

    int rc = run_cli("scenario check '" FIX "/full.json' '" FIX "/min.json'", out, sizeof out,
                     errtxt, sizeof errtxt);
    cr_expect_eq(rc, 0, "stderr: %s", errtxt);
    cr_expect(strstr(out, FIX "/full.json: ok: 'full-demo': 3 geos, 2 regions, 2 types, "
                          "2 apps, 3 traces, 3 policies; span 2026-03-02T00:00:00Z to "
                          "2026-03-23T00:00:00Z (warm-up 7d, measured 14d, step 5m, 6048 "
                          "steps)") != NULL,
              "stdout: %s", out);
    /* min.json names a store that does not exist: a warning, not a failure */
    cr_expect(strstr(errtxt, "sculpt: warning: " FIX "/min.json: $.traces[0].store") != NULL,
              "stderr: %s", errtxt);

    rc = run_cli("scenario check '" FIX "/bad_negative_price.json'", out, sizeof out, errtxt,
                 sizeof errtxt);
    cr_expect_eq(rc, 2);
    cr_expect(strstr(errtxt, "sculpt: error: " FIX "/bad_negative_price.json: "
                             "$.regions[1].types.m5.large.on_demand: expected a "
                             "non-negative number, got -0.107 [ERR_INPUT]") != NULL,
              "stderr: %s", errtxt);

    rc = run_cli("scenario check '" FIX "/bad_typo.json'", out, sizeof out, errtxt,
                 sizeof errtxt);
    cr_expect_eq(rc, 2);
    cr_expect(strstr(errtxt, FIX "/bad_typo.json: $.apps[0].target_utl: unknown key") != NULL,
              "stderr: %s", errtxt);

    rc = run_cli("scenario check '" FIX "/bad_malformed.json'", out, sizeof out, errtxt,
                 sizeof errtxt);
    cr_expect_eq(rc, 2);
    cr_expect(strstr(errtxt, FIX "/bad_malformed.json:4:3: malformed JSON") != NULL,
              "stderr: %s", errtxt);

    /* all files are checked; the status is the first failure's */
    rc = run_cli("scenario check --json '" FIX "/min.json' '" FIX "/bad_typo.json'", out,
                 sizeof out, errtxt, sizeof errtxt);
    cr_expect_eq(rc, 2);
    cJSON *j = cJSON_Parse(out);
    cr_assert_not_null(j, "stdout is not JSON: %s", out);
    cr_assert_eq(cJSON_GetArraySize(j), 2);
    cJSON *a0 = cJSON_GetArrayItem(j, 0), *a1 = cJSON_GetArrayItem(j, 1);
    cr_assert(cJSON_IsNumber(cJSON_GetObjectItem(a0, "steps")), "stdout: %s", out);
    cr_assert(cJSON_IsString(cJSON_GetObjectItem(a1, "where")), "stdout: %s", out);
    cr_expect(cJSON_IsTrue(cJSON_GetObjectItem(a0, "ok")));
    cr_expect_eq(cJSON_GetObjectItem(a0, "steps")->valuedouble, 864.0); /* 3 d / 5 min */
    cr_expect(cJSON_IsFalse(cJSON_GetObjectItem(a1, "ok")));
    cr_expect_str_eq(cJSON_GetObjectItem(a1, "where")->valuestring,
                     FIX "/bad_typo.json: $.apps[0].target_utl");
    cJSON_Delete(j);

    rc = run_cli("scenario check '" FIX "/no_such.json'", out, sizeof out, errtxt,
                 sizeof errtxt);
    cr_expect_eq(rc, 3);
    rc = run_cli("scenario check", out, sizeof out, errtxt, sizeof errtxt);
    cr_expect_eq(rc, 2);
    rc = run_cli("scenario check --bogus x.json", out, sizeof out, errtxt, sizeof errtxt);
    cr_expect_eq(rc, 2);
    rc = run_cli("scenario frobnicate", out, sizeof out, errtxt, sizeof errtxt);
    cr_expect_eq(rc, 2);
    rc = run_cli("scenario check --help", out, sizeof out, errtxt, sizeof errtxt);
    cr_expect_eq(rc, 0);
    cr_expect(strstr(out, "usage: sculpt scenario check") != NULL);
}

/* ---- many names: the loader's hash index (issue 13, scale) --------------------------- */

/* A scenario of n apps a0..a(n-1) and n traces t0..t(n-1); app i reads trace
 * t((37 i) mod n) (37 is prime to the sizes used, so every trace is read once).
 * dup_trace / dup_app: if >= 0, that trace's (app's) name is replaced by the name of
 * entry 5 (17); bad_demand: if >= 0, that app reads "t<n>", which does not exist. */
static char *many_names(int n, int dup_trace, int dup_app, int bad_demand)
{
    size_t cap = (size_t)n * 600 + 4096, len = 0;
    char *b = malloc(cap);
    cr_assert_not_null(b);
#define PUT(...) (len += (size_t)snprintf(b + len, cap - len, __VA_ARGS__))
    PUT("{\"name\": \"many\", \"start\": \"2026-03-02T00:00:00Z\", \"duration\": \"1d\", "
        "\"step\": \"5m\", \"geos\": [{\"name\": \"na\", \"home_region\": \"r\"}], "
        "\"regions\": [{\"name\": \"r\", \"boot\": {\"dist\": \"const\", \"value_s\": 60}, "
        "\"types\": {\"m5.large\": {\"on_demand\": 0.1}}}], "
        "\"instance_types\": [{\"name\": \"m5.large\", \"vcpu\": 2, \"mem_gib\": 8}], "
        "\"latency_ms\": {\"na\": {\"r\": 10}}, \"apps\": [");
    for (int i = 0; i < n; i++) {
        char an[32], tn[32];
        snprintf(an, sizeof an, "a%d", i == dup_app ? 17 : i);
        snprintf(tn, sizeof tn, "t%d", i == bad_demand ? n : (37 * i) % n);
        PUT("%s{\"name\": \"%s\", \"instance_type\": \"m5.large\", \"needs\": {\"cpu\": 0.01}, "
            "\"max_instances\": 10, \"latency\": {\"base_ms\": 20}, \"slo\": {\"latency_ms\": 120}, "
            "\"demand\": [{\"geo\": \"na\", \"trace\": \"%s\"}]}",
            i ? ",\n" : "", an, tn);
    }
    PUT("], \"traces\": [");
    for (int i = 0; i < n; i++)
        PUT("%s{\"name\": \"t%d\", \"store\": \"x.h5\", \"series\": \"x/na/load\"}", i ? "," : "",
            i == dup_trace ? 5 : i);
    PUT("], \"policies\": [{\"name\": \"static\"}]}");
#undef PUT
    return b;
}

Test(scenario, many_names_resolved_by_hash)
{
    /* 1000 apps: every demand source names its trace by the permutation above */
    char *text = many_names(1000, -1, -1, -1);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(text, "many.json", &sc, &err), SC_OK, "%s: %s", err.where,
                 err.msg);
    cr_assert_eq(sc->n_apps, 1000);
    cr_assert_eq(sc->n_traces, 1000);
    for (int i = 0; i < 1000; i++) {
        char want[32];
        snprintf(want, sizeof want, "t%d", (37 * i) % 1000);
        cr_expect_str_eq(sc->apps[i].demand[0].trace, want, "app %d", i);
        cr_expect_eq(sc_scenario_trace_index(sc, want), (37 * i) % 1000);
    }
    sc_scenario_free(sc);
    free(text);

    /* a duplicate far from the name it repeats: named with both indices */
    struct {
        int dup_trace, dup_app, bad_demand;
        const char *where, *msg;
    } bad[] = {
        {950, -1, -1, "many.json: $.traces[950].name", "duplicate trace name 't5' (also at $.traces[5])"},
        {-1, 640, -1, "many.json: $.apps[640].name", "duplicate app name 'a17' (also at $.apps[17])"},
        {-1, -1, 3, "many.json: $.apps[3].demand[0].trace", "unknown trace 't1000'"},
    };
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        char *t = many_names(1000, bad[k].dup_trace, bad[k].dup_app, bad[k].bad_demand);
        sc = (sc_scenario *)1;
        sc_error_clear(&err);
        cr_expect_eq(sc_scenario_parse(t, "many.json", &sc, &err), SC_ERR_INPUT, "case %zu", k);
        cr_expect_null(sc);
        cr_expect_str_eq(err.where, bad[k].where, "case %zu: %s", k, err.msg);
        cr_expect(strstr(err.msg, bad[k].msg) != NULL, "case %zu: '%s' lacks '%s'", k, err.msg,
                  bad[k].msg);
        free(t);
    }
}
