/*
 * test_mtbf.c - random region outages from MTBF/MTTR (issue 11, item 3;
 * core/scenario/outage_random.c, scenarios/README.md "Random outages").
 *
 * Expected values come from outside the code under test:
 *  - the windows of a fixed seed are recomputed here from the RNG's documented draws
 *    (rng.h: one uniform per key) through GSL's exponential quantile
 *    gsl_cdf_exponential_Qinv (-mu ln Q) and the renewal process as the README states it;
 *  - the statistical check compares the sample means of many up- and down-times with
 *    mtbf and mttr, and the time spent down with mttr / (mtbf + mttr), within 5 standard
 *    errors of an exponential mean (sd = mean / sqrt(n));
 *  - merges are hand-computed;
 *  - in a run, the home geography of a region that is down has no capacity at all, so
 *    each policy's outage_violation_minutes is the measured-period length of the drawn
 *    windows (hand-summed here), the same for both policies of the fixture.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/scenario/outage_random.h"
#include "sculpt/rng.h"
#include "sculpt/scenario.h"
#include "sculpt/simulator.h"
#include "tu_common.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define R1 "\"api_rate_per_sec\": 1,"
#define MIN_ (INT64_C(60000))

/* The fixture with `to` put in place of the first `from`. */
static sc_status parse_with(const char *from, const char *to, sc_scenario **out, sc_error *err)
{
    return tu_parse_edited(FIX, from, to, out, err);
}

/* The README's process, written out independently: up-time k then down-time k, each
 * ceil(-mean ln u) ms (>= 1), u the documented uniform of key (seed, SC_RNG_OUTAGE,
 * hash(region), k, 0 up / 1 down); the last window is cut at t1. */
static size_t reference_windows(uint64_t seed, const char *region, double mtbf_ms,
                                double mttr_ms, int64_t t0, int64_t t1, sc_outage *w,
                                size_t cap)
{
    uint64_t h = sc_rng_hash_str(region);
    size_t n = 0;
    int64_t t = t0;
    for (uint64_t k = 0; t < t1; k++) {
        double uu = sc_rng_u01(sc_rng_key(seed, SC_RNG_OUTAGE, h, k, 0));
        double ud = sc_rng_u01(sc_rng_key(seed, SC_RNG_OUTAGE, h, k, 1));
        int64_t up = (int64_t)fmax(1.0, ceil(gsl_cdf_exponential_Qinv(uu, mtbf_ms)));
        int64_t down = (int64_t)fmax(1.0, ceil(gsl_cdf_exponential_Qinv(ud, mttr_ms)));
        if (t + up >= t1)
            break;
        cr_assert(n < cap);
        w[n].start_ms = t + up;
        w[n].duration_ms = t + up + down <= t1 ? down : t1 - (t + up);
        w[n].lost = 1.0;
        n++;
        t += up + down;
    }
    return n;
}

Test(mtbf, fixed_seed_windows_match_the_documented_draws)
{
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with(R1, R1 " \"mtbf\": \"30m\", \"mttr\": \"10m\",", &sc, &err), SC_OK,
                 "%s: %s", err.where, err.msg);
    const sc_region *r = &sc->regions[0];
    cr_assert_eq(r->mtbf_ms, 30 * MIN_);
    cr_assert_eq(r->mttr_ms, 10 * MIN_);
    cr_assert(sc->has_outages);
    int64_t t1 = sc->start + sc->warmup_ms + sc->duration_ms;
    sc_outage ref[64];
    size_t n = reference_windows(7, "r1", 30.0 * MIN_, 10.0 * MIN_, sc->start, t1, ref, 64);
    cr_assert_gt(n, 0, "3 h at mtbf 30 min: some windows expected");
    cr_assert_eq(r->n_outages_random, n);
    cr_assert_eq(r->n_outages, n, "random windows never touch: nothing to merge");
    for (size_t k = 0; k < n; k++) {
        cr_assert_eq(r->outages[k].start_ms, ref[k].start_ms, "window %zu", k);
        cr_assert_eq(r->outages[k].duration_ms, ref[k].duration_ms, "window %zu", k);
        cr_assert_eq(r->outages[k].lost, 1.0);
    }
    cr_assert_eq(sc->regions[1].n_outages, 0, "r2 has no mtbf");
    sc_scenario_free(sc);

    /* another seed gives other windows; the same seed the same ones */
    sc_scenario *a, *b;
    static char t8[16384];
    FILE *f = fopen(FIX, "rb");
    size_t m = fread(t8, 1, sizeof t8 - 1, f);
    fclose(f);
    t8[m] = 0;
    /* seed 8 and mtbf on r1 */
    char *s = strstr(t8, "\"seed\": 7");
    s[8] = '8';
    char *at = strstr(t8, R1);
    static char buf[16384];
    snprintf(buf, sizeof buf, "%.*s%s \"mtbf\": \"30m\", \"mttr\": \"10m\",%s", (int)(at - t8),
             t8, R1, at + strlen(R1));
    cr_assert_eq(sc_scenario_parse(buf, FIX, &a, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_scenario_parse(buf, FIX, &b, &err), SC_OK, "%s", err.msg);
    size_t n8 = reference_windows(8, "r1", 30.0 * MIN_, 10.0 * MIN_, a->start, t1, ref, 64);
    cr_assert_eq(a->regions[0].n_outages, n8);
    cr_assert_eq(b->regions[0].n_outages, n8);
    for (size_t k = 0; k < n8; k++) {
        cr_assert_eq(a->regions[0].outages[k].start_ms, ref[k].start_ms);
        cr_assert_eq(b->regions[0].outages[k].start_ms, ref[k].start_ms);
        cr_assert_eq(b->regions[0].outages[k].duration_ms, ref[k].duration_ms);
    }
    sc_scenario_free(a);
    sc_scenario_free(b);
}

Test(mtbf, mean_up_and_down_times_match_mtbf_and_mttr)
{
    /* 40 seeds x 20 years at mtbf 10 d, mttr 6 h: about 29,000 failures */
    const double mtbf = 10.0 * 86400e3, mttr = 6.0 * 3600e3;
    const int64_t span = INT64_C(20) * 365 * 86400000;
    double sum_up = 0, sum_up2 = 0, sum_down = 0, down_total = 0;
    size_t n_up = 0, n_down = 0;
    for (uint64_t seed = 1; seed <= 40; seed++) {
        sc_outage *w;
        size_t n;
        cr_assert_eq(sc_outage_random_draw(seed, "eu-west-1", (int64_t)mtbf, (int64_t)mttr, 0,
                                           span, &w, &n),
                     SC_OK);
        int64_t prev_end = 0;
        for (size_t k = 0; k < n; k++) {
            double up = (double)(w[k].start_ms - prev_end);
            cr_assert_gt(up, 0.0, "windows in order and apart");
            sum_up += up;
            sum_up2 += up * up;
            n_up++;
            down_total += (double)w[k].duration_ms;
            if (w[k].start_ms + w[k].duration_ms < span) { /* not cut at the end */
                sum_down += (double)w[k].duration_ms;
                n_down++;
            }
            prev_end = w[k].start_ms + w[k].duration_ms;
        }
        free(w);
    }
    cr_assert_gt(n_up, 25000);
    double mu = sum_up / n_up, md = sum_down / n_down;
    /* exponential: sd = mean, so the standard error of the sample mean is mean/sqrt(n);
     * ceil to whole ms adds < 1 ms */
    cr_assert_lt(fabs(mu - mtbf), 5.0 * mtbf / sqrt((double)n_up), "mean up %.6g ms", mu);
    cr_assert_lt(fabs(md - mttr), 5.0 * mttr / sqrt((double)n_down), "mean down %.6g ms",
                 md);
    /* coefficient of variation of an exponential is 1 */
    double cv = sqrt(sum_up2 / n_up - mu * mu) / mu;
    cr_assert_lt(fabs(cv - 1.0), 0.05, "cv %.4f", cv);
    /* unavailability mttr / (mtbf + mttr) = 0.0244 */
    double unav = down_total / (40.0 * (double)span), want = mttr / (mtbf + mttr);
    cr_assert_lt(fabs(unav - want), 0.05 * want, "unavailability %.5f, want %.5f", unav, want);
    cr_log_info("%zu up-times: mean %.5g d (mtbf 10 d), cv %.4f; %zu down-times: mean "
                "%.5g h (mttr 6 h); unavailability %.5f (want %.5f)",
                n_up, mu / 86400e3, cv, n_down, md / 3600e3, unav, want);
}

Test(mtbf, merge_keeps_the_larger_loss)
{
    sc_outage a[] = {{0, 10, 0.3}, {20, 10, 0.5}}, b[] = {{5, 20, 1.0}};
    sc_outage *w;
    size_t n;
    cr_assert_eq(sc_outage_merge(a, 2, b, 1, &w, &n), SC_OK);
    /* 0-5 0.3 | 5-25 1.0 | 25-30 0.5 */
    cr_assert_eq(n, 3);
    cr_assert(w[0].start_ms == 0 && w[0].duration_ms == 5 && w[0].lost == 0.3);
    cr_assert(w[1].start_ms == 5 && w[1].duration_ms == 20 && w[1].lost == 1.0);
    cr_assert(w[2].start_ms == 25 && w[2].duration_ms == 5 && w[2].lost == 0.5);
    free(w);
    /* a partial loss inside a full one disappears; touching full losses join */
    sc_outage c[] = {{100, 50, 0.4}}, d[] = {{90, 70, 1.0}, {160, 5, 1.0}, {200, 1, 1.0}};
    cr_assert_eq(sc_outage_merge(c, 1, d, 3, &w, &n), SC_OK);
    cr_assert_eq(n, 2);
    cr_assert(w[0].start_ms == 90 && w[0].duration_ms == 75 && w[0].lost == 1.0);
    cr_assert(w[1].start_ms == 200 && w[1].duration_ms == 1 && w[1].lost == 1.0);
    free(w);
    /* touching windows that lose different fractions stay apart; empty lists */
    sc_outage e[] = {{0, 10, 0.3}}, g[] = {{10, 10, 1.0}};
    cr_assert_eq(sc_outage_merge(e, 1, g, 1, &w, &n), SC_OK);
    cr_assert_eq(n, 2);
    cr_assert(w[0].duration_ms == 10 && w[1].start_ms == 10 && w[1].lost == 1.0);
    free(w);
    cr_assert_eq(sc_outage_merge(NULL, 0, NULL, 0, &w, &n), SC_OK);
    cr_assert(w == NULL && n == 0);
    cr_assert_eq(sc_outage_merge(e, 1, NULL, 0, &w, &n), SC_OK);
    cr_assert(n == 1 && w[0].start_ms == 0 && w[0].duration_ms == 10 && w[0].lost == 0.3);
    free(w);
}

Test(mtbf, scheduled_and_random_windows_are_merged)
{
    /* a 30 % loss over the whole run on r1 plus random full outages: the merged list
     * alternates 0.3 and 1.0 pieces, the 1.0 ones exactly the drawn windows */
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with(R1,
                            R1 " \"mtbf\": \"30m\", \"mttr\": \"10m\", \"outages\": [{\"start\": "
                               "\"2026-01-05T00:00:00Z\", \"duration\": \"3h\", \"lost\": 0.3}],",
                            &sc, &err),
                 SC_OK, "%s: %s", err.where, err.msg);
    const sc_region *r = &sc->regions[0];
    int64_t t0 = sc->start, t1 = t0 + sc->warmup_ms + sc->duration_ms;
    sc_outage ref[64];
    size_t n = reference_windows(7, "r1", 30.0 * MIN_, 10.0 * MIN_, t0, t1, ref, 64);
    cr_assert_gt(n, 0);
    size_t j = 0, full = 0;
    int64_t covered = 0, t = t0;
    for (size_t k = 0; k < r->n_outages; k++) {
        const sc_outage *o = &r->outages[k];
        cr_assert_eq(o->start_ms, t, "no gap: the scheduled window covers the run");
        t += o->duration_ms;
        covered += o->duration_ms;
        if (o->lost == 1.0) {
            cr_assert(j < n);
            cr_assert_eq(o->start_ms, ref[j].start_ms);
            cr_assert_eq(o->duration_ms, ref[j].duration_ms);
            j++;
            full++;
        } else {
            cr_assert_float_eq(o->lost, 0.3, 1e-15);
        }
    }
    cr_assert_eq(full, n);
    cr_assert_eq(covered, t1 - t0);
    sc_scenario_free(sc);
}

Test(mtbf, every_policy_of_a_run_sees_the_same_windows)
{
    sc_sim_register();
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with(R1, R1 " \"mtbf\": \"30m\", \"mttr\": \"10m\",", &sc, &err), SC_OK,
                 "%s: %s", err.where, err.msg);
    cr_assert_geq(sc->n_policies, 2);
    /* r1 is g's home and holds its only capacity: while r1 is down g is wholly
     * unserved, so violation minutes inside windows = the windows' minutes inside the
     * measured period */
    int64_t m0 = sc->start + sc->warmup_ms, t1 = m0 + sc->duration_ms;
    sc_outage ref[64];
    size_t n = reference_windows(7, "r1", 30.0 * MIN_, 10.0 * MIN_, sc->start, t1, ref, 64);
    double want = 0;
    for (size_t k = 0; k < n; k++) {
        int64_t a = ref[k].start_ms > m0 ? ref[k].start_ms : m0;
        int64_t b = ref[k].start_ms + ref[k].duration_ms;
        if (b > a)
            want += (double)(b - a) / 60000.0;
    }
    cr_assert_gt(want, 0.0, "some window in the measured period");
    sc_world *w;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    for (size_t p = 0; p < 2; p++) {
        sc_run *r;
        cr_assert_eq(sc_run_policy(w, &sc->policies[p], 1, &r, &err), SC_OK, "%s", err.msg);
        cr_assert_float_eq(r->sum.outage_violation_minutes, want, 1e-9, "%s: %.12g vs %.12g",
                           sc->policies[p].label, r->sum.outage_violation_minutes, want);
        sc_run_free(r);
    }
    sc_world_free(w);
    sc_scenario_free(sc);
}

/* parse_with must fail with SC_ERR_INPUT at `where`, the message containing `msg`. */
static void bad(const char *to, const char *where, const char *msg)
{
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with(R1, to, &sc, &err), SC_ERR_INPUT, "accepted: %s", to);
    cr_assert(sc == NULL);
    cr_assert(strstr(err.where, where), "where '%s' lacks '%s'", err.where, where);
    cr_assert(strstr(err.msg, msg), "'%s' lacks '%s'", err.msg, msg);
}

Test(mtbf, bad_input_names_the_json_path)
{
    bad(R1 " \"mtbf\": \"0s\", \"mttr\": \"1h\",", "$.regions[0].mtbf", "positive");
    bad(R1 " \"mtbf\": \"-3d\", \"mttr\": \"1h\",", "$.regions[0].mtbf", "positive");
    bad(R1 " \"mtbf\": \"3d\", \"mttr\": \"0s\",", "$.regions[0].mttr", "positive");
    bad(R1 " \"mttr\": \"1h\",", "$.regions[0].mttr", "needs mtbf");
    bad(R1 " \"mtbf\": \"1h\",", "$.regions[0].mtbf", "needs mttr");
    bad(R1 " \"mtbf\": \"40000d\", \"mttr\": \"1h\",", "$.regions[0].mtbf", "100 years");
    bad(R1 " \"mtbf\": \"3d\", \"mttr\": \"40000d\",", "$.regions[0].mttr", "100 years");
    /* 3 h / (5 s + 5 s) = 1080 expected failures > 1000 */
    bad(R1 " \"mtbf\": \"5s\", \"mttr\": \"5s\",", "$.regions[0].mtbf", "at most 1000");
}
