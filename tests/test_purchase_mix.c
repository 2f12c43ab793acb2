/*
 * test_purchase_mix.c - the `purchase` parameter of the baselines (policy_sculpt.h,
 * "purchase options of the baselines"; core/policy/purchase_params.c): the split rule,
 * bad input, and whole runs of `reactive` and `aws-predictive` on a small case whose
 * cost is multiplied out by hand.
 *
 * The case: one app, one region, one geography; a 1-vCPU type at on-demand 0.10,
 * reserved 0.06 and spot 0.03 USD per hour, no spot interruptions; boot 90 s, app
 * warm-up 30 s (an instance serves 120 s after its launch), draining 30 s (sim.c
 * DRAIN_MS); one day of warm-up then one measured day at 5-minute steps; flat load of
 * ieq instance-equivalents at 100 % (0.01 vCPU per req/s, 100 req/s per instance) and
 * target utilisation 0.5, so every policy wants 2 x ieq instances throughout.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "sculpt/policy.h"
#include "sculpt/policy_sculpt.h"
#include "sim.h"

#include "oneregion.h"

#define CSV_PATH SC_BINARY_DIR "/test_purchase_mix_flat.csv"

typedef oneregion fixture;

/* The flat trace: 100 every 5 minutes over 3 days. */
static void write_csv(void)
{
    oneregion_csv(CSV_PATH, 3 * 1440, 5, 100);
}

/* prices: the region's "t1" entry, e.g. {"on_demand": 0.1, "reserved": 0.06}. */
static fixture make(double ieq, int initial, const char *prices)
{
    write_csv();
    oneregion_spec s = oneregion_defaults();
    s.seed = 11;
    s.warmup = "1d";
    s.reserved_term = "365d";
    s.prices = prices;
    s.slo = "{\"latency_ms\": 1000, \"max_unserved_frac\": 0.001}";
    s.initial = initial;
    s.csv = CSV_PATH;
    s.json = SC_BINARY_DIR "/test_purchase_mix.json";
    fixture fx = oneregion_make(&s);
    for (int64_t k = 0; k < fx.w->n_steps; k++)
        oneregion_set_ieq(fx.w, k, ieq);
    return fx;
}

#define ALL_PRICES "{\"on_demand\": 0.1, \"reserved\": 0.06, \"spot\": 0.03}"

/* Runs the policy as the scenario's $.policies[0], so messages carry the JSON path. */
static sc_status try_run(fixture *fx, const char *policy, const char *params, sc_run **r,
                         sc_error *err)
{
    sc_policy_spec *spec = &fx->sc->policies[0];
    free(spec->params_json);
    size_t n = strlen(params) + 1;
    spec->params_json = malloc(n);
    cr_assert_not_null(spec->params_json);
    memcpy(spec->params_json, params, n);
    snprintf(spec->name, sizeof spec->name, "%s", policy);
    snprintf(spec->label, sizeof spec->label, "%s", policy);
    return sc_run_policy(fx->w, spec, 0, r, err);
}

static sc_run *run(fixture *fx, const char *policy, const char *params)
{
    sc_run *r = NULL;
    sc_error err;
    cr_assert_eq(try_run(fx, policy, params, &r, &err), SC_OK, "%s: %s", err.where, err.msg);
    return r;
}

/* The split: desired D, reserved R; above = D - R, on-demand base first, then spot =
 * floor(share x rest), on-demand takes the rounding. */
Test(purchase_mix, split_by_hand)
{
    sc_purchase_mix m = {.reserved_base = 0, .on_demand_base = 2, .spot_above_base = 0.7};
    int od, sp;
    sc_purchase_mix_split(&m, 10, 3, &od, &sp); /* above 7, base 2, rest 5: spot 3 (3.5) */
    cr_expect_eq(sp, 3);
    cr_expect_eq(od, 4);
    sc_purchase_mix_split(&m, 4, 3, &od, &sp); /* above 1, all in the base */
    cr_expect_eq(sp, 0);
    cr_expect_eq(od, 1);
    sc_purchase_mix_split(&m, 2, 3, &od, &sp); /* reserved covers it */
    cr_expect_eq(sp, 0);
    cr_expect_eq(od, 0);
    m.spot_above_base = 1.0;
    m.on_demand_base = 0;
    sc_purchase_mix_split(&m, 10, 0, &od, &sp);
    cr_expect_eq(sp, 10);
    cr_expect_eq(od, 0);
    sc_purchase_mix def = {0};
    cr_expect(sc_purchase_mix_is_default(&def));
    cr_expect(!sc_purchase_mix_is_default(&m));
}

/* reactive, reserved "auto": every warm-up hour needs 2 instances and c_res / c_od =
 * 0.6, so the level exceeded in >= 60 % of the hours is 2.  At the first decision of the
 * measured day (t0) 2 reserved are bought; they serve from t0 + 120 s, and the decision
 * of that instant (every 15 s; the provider's ready event was queued first, so it is
 * seen) deprovisions the 2 on-demand instances, which drain 30 s.  Measured day:
 *   reserved 2 x 24 h x 0.06 = 2.88 USD, billed for the term from t0 (the run's part);
 *   on-demand 2 x (120 s + 30 s) x 0.10 / 3600 = 0.0083333 USD. */
Test(purchase_mix, reactive_reserved_auto_costs)
{
    fixture fx = make(1.0, 2, ALL_PRICES);
    sc_run *r = run(&fx, "reactive", "{\"purchase\": {\"reserved_base\": \"auto\"}}");
    cr_expect_float_eq(r->sum.cost_by_option[SC_PURCHASE_RESERVED], 2.88, 1e-9);
    double od = r->sum.cost_by_option[SC_PURCHASE_ONDEMAND];
    cr_expect_float_eq(od, 2 * 150 * 0.1 / 3600, 1e-12, "on-demand %.10g", od);
    cr_expect_eq(r->sum.cost_by_option[SC_PURCHASE_SPOT], 0.0);
    cr_expect_eq(r->sum.slo_attainment, 1.0);
    sc_run_free(r);
    /* the default (no purchase) is all on demand: 2 x 24 x 0.10 = 4.80 USD */
    r = run(&fx, "reactive", "{}");
    cr_expect_float_eq(r->sum.cost_usd, 4.8, 1e-9);
    cr_expect_eq(r->sum.cost_by_option[SC_PURCHASE_RESERVED], 0.0);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/* reactive, 1 on demand as the base and everything above it spot: desired 2 -> 1
 * on-demand + 1 spot from the first decision of the warm-up (the spot instance serves
 * after 120 s, the second on-demand instance covers it until then, all in the warm-up).
 * Measured day: on-demand 1 x 24 x 0.10 = 2.40, spot 1 x 24 x 0.03 = 0.72 USD. */
Test(purchase_mix, reactive_on_demand_base_and_spot)
{
    fixture fx = make(1.0, 2, ALL_PRICES);
    sc_run *r = run(&fx, "reactive",
                    "{\"purchase\": {\"on_demand_base\": 1, \"spot_above_base\": 1}}");
    cr_expect_float_eq(r->sum.cost_by_option[SC_PURCHASE_ONDEMAND], 2.40, 1e-9);
    cr_expect_float_eq(r->sum.cost_by_option[SC_PURCHASE_SPOT], 0.72, 1e-9);
    cr_expect_eq(r->sum.cost_by_option[SC_PURCHASE_RESERVED], 0.0);
    cr_expect_float_eq(r->sum.cost_usd, 3.12, 1e-9);
    cr_expect_eq(r->sum.slo_attainment, 1.0);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/* aws-predictive, 1 reserved and half of the rest spot, ieq 2 (4 instances wanted;
 * decisions every 60 s).  Warm-up: no reserved, above = 4, spot = floor(0.5 x 4) = 2,
 * on-demand 2.  At t0 the reserved instance is bought: above = 4 - 1 = 3, spot =
 * floor(1.5) = 1, on-demand 2 + 1 covering the reserved one until it serves: at t0 one
 * spot instance is deprovisioned (30 s draining) and one on-demand launched; the
 * reserved one serves at t0 + 120 s, the decision at t0 + 180 s removes the cover (30 s
 * draining).  Measured day:
 *   reserved  1 x 24 h x 0.06                          = 1.44
 *   spot      1 x 24 h x 0.03 + 30 s x 0.03 / 3600     = 0.72025
 *   on-demand 2 x 24 h x 0.10 + 210 s x 0.10 / 3600    = 4.8058333... USD. */
Test(purchase_mix, aws_predictive_reserved_and_spot)
{
    fixture fx = make(2.0, 4, ALL_PRICES);
    sc_run *r = run(&fx, "aws-predictive",
                    "{\"purchase\": {\"reserved_base\": 1, \"spot_above_base\": 0.5}}");
    cr_expect_float_eq(r->sum.cost_by_option[SC_PURCHASE_RESERVED], 1.44, 1e-9);
    cr_expect_float_eq(r->sum.cost_by_option[SC_PURCHASE_SPOT], 0.72 + 30 * 0.03 / 3600, 1e-9);
    cr_expect_float_eq(r->sum.cost_by_option[SC_PURCHASE_ONDEMAND], 4.8 + 210 * 0.1 / 3600,
                       1e-9);
    cr_expect_eq(r->sum.slo_attainment, 1.0);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/* Bad input: exit paths name the member, nothing runs. */
Test(purchase_mix, bad_input_names_the_path)
{
    fixture fx = make(1.0, 2, ALL_PRICES);
    static const struct {
        const char *params, *where, *msg;
    } cases[] = {
        {"{\"purchase\": {\"spot_above_base\": 1.5}}",
         "$.policies[0].params.purchase.spot_above_base", "got 1.5"},
        {"{\"purchase\": {\"on_demand_base\": -1}}",
         "$.policies[0].params.purchase.on_demand_base", "got -1"},
        {"{\"purchase\": {\"reserved_base\": 2.5}}",
         "$.policies[0].params.purchase.reserved_base", "whole number"},
        {"{\"purchase\": {\"reserved_base\": \"all\"}}",
         "$.policies[0].params.purchase.reserved_base", "\"auto\""},
        {"{\"purchase\": {\"spot_share\": 0.5}}",
         "$.policies[0].params.purchase.spot_share", "unknown key 'spot_share'"},
        {"{\"purchase\": 3}", "$.policies[0].params.purchase", "object"},
    };
    const char *pols[] = {"reactive", "aws-predictive"};
    for (size_t p = 0; p < 2; p++)
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            sc_run *r = NULL;
            sc_error err;
            sc_error_clear(&err);
            cr_expect_eq(try_run(&fx, pols[p], cases[i].params, &r, &err), SC_ERR_INPUT,
                         "%s %s", pols[p], cases[i].params);
            cr_expect_null(r);
            cr_expect(strstr(err.where, cases[i].where) != NULL, "%s: where '%s'",
                      cases[i].params, err.where);
            cr_expect(strstr(err.msg, cases[i].msg), "%s: msg '%s'", cases[i].params, err.msg);
        }
    oneregion_drop(&fx);
    /* a reserved base without reserved prices */
    fx = make(1.0, 2, "{\"on_demand\": 0.1}");
    sc_run *r = NULL;
    sc_error err;
    cr_expect_eq(try_run(&fx, "reactive", "{\"purchase\": {\"reserved_base\": \"auto\"}}", &r,
                         &err),
                 SC_ERR_INPUT);
    cr_expect(strstr(err.where, "params.purchase.reserved_base"), "%s", err.where);
    cr_expect(strstr(err.msg, "no"), "%s", err.msg);
    /* ... but a spot share there falls back to on demand: 2 x 24 x 0.10 */
    r = run(&fx, "reactive", "{\"purchase\": {\"spot_above_base\": 1}}");
    cr_expect_float_eq(r->sum.cost_usd, 4.8, 1e-9);
    sc_run_free(r);
    oneregion_drop(&fx);
}

/* The command line: a bad purchase exits 2 naming the member's JSON path, and writes
 * no results file. */
Test(purchase_mix, cli_exit_2_nothing_written)
{
    write_csv();
    char path[512], out[512], cmd[2048];
    snprintf(path, sizeof path, "%s/test_purchase_mix_cli.json", SC_BINARY_DIR);
    snprintf(out, sizeof out, "%s/test_purchase_mix_cli.h5", SC_BINARY_DIR);
    remove(out);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    fprintf(f,
            "{\"name\": \"t\", \"start\": \"2026-01-05T00:00:00Z\", \"warmup\": \"1d\","
            " \"duration\": \"1d\", \"step\": \"5m\","
            " \"geos\": [{\"name\": \"g\", \"home_region\": \"r\"}],"
            " \"regions\": [{\"name\": \"r\", \"boot\": {\"dist\": \"const\", \"value_s\": 90},"
            "   \"types\": {\"t1\": {\"on_demand\": 0.1}}}],"
            " \"instance_types\": [{\"name\": \"t1\", \"vcpu\": 1, \"mem_gib\": 4}],"
            " \"latency_ms\": {\"g\": {\"r\": 10}},"
            " \"apps\": [{\"name\": \"a\", \"instance_type\": \"t1\", \"needs\": {\"cpu\": 0.01},"
            "   \"max_instances\": 100, \"latency\": {\"base_ms\": 20},"
            "   \"slo\": {\"latency_ms\": 1000}, \"demand\": [{\"geo\": \"g\", \"trace\": \"tg\"}]}],"
            " \"traces\": [{\"name\": \"tg\", \"csv\": \"%s\"}],"
            " \"policies\": [{\"name\": \"static\"}, {\"name\": \"reactive\", \"params\":"
            "   {\"purchase\": {\"reserved_base\": \"auto\"}}}]}",
            CSV_PATH);
    cr_assert_eq(fclose(f), 0);
    snprintf(cmd, sizeof cmd, "%s run %s -o %s > %s.txt 2>&1", SC_SCULPT_BIN, path, out, out);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc));
    cr_expect_eq(WEXITSTATUS(rc), 2);
    cr_expect_eq(access(out, F_OK), -1, "a results file was written");
    char txt[sizeof out + 8], buf[1024] = "";
    snprintf(txt, sizeof txt, "%s.txt", out);
    f = fopen(txt, "r");
    cr_assert_not_null(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    cr_expect(strstr(buf, "$.policies[1].params.purchase.reserved_base"), "%s", buf);
    cr_expect(strstr(buf, "no reserved price") || strstr(buf, "has none"), "%s", buf);
    remove(txt);
    remove(path);
}
