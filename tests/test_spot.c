/*
 * test_spot.c - the spot market (issue 11, item 3): stock-outs per (region, type) and a
 * spot price per region varying by the hour (core/scenario/spot_*.c, the mock cloud
 * sim/mockcloud.c; scenarios/README.md, "Spot market").
 *
 * Expected values come from outside the code under test:
 *  - stock-out windows: launches inside [start, end) are refused whole, outside granted,
 *    hand-placed around the window's edges; random windows are recomputed here from the
 *    documented draws (rng.h keys, GSL's exponential quantile) and the renewal process
 *    as the README states it; merges are hand-computed;
 *  - reclaims: with reclaim 1 every serving spot instance gets the 2-minute notice at the
 *    window's start and ends 2 minutes later; with 0.5, the instances reclaimed are the
 *    ones whose documented uniform is below 0.5, recomputed here;
 *  - the price path: recomputed from the README's recursion (an AR(1) on the log price
 *    with GSL's normal quantile), and, over 200,000 hours, its sample mean, capped mean,
 *    share of capped hours and lag-1 autocorrelation against the model's closed forms:
 *    E[min(L e^X, C)] = L Phi(d - s) + C (1 - Phi(d)), d = (ln(C / L) - mu) / s, for
 *    X ~ N(mu, s^2), mu = -s^2 / 2 (so E[e^X] = 1), and corr(x_h, x_{h+1}) = exp(-1 h / tau);
 *  - a bill over three hours: a spot instance launched at 0:30 and drained until 2:30:30
 *    costs 30 min at hour 0's price, 60 at hour 1's, 30.5 at hour 2's, each price
 *    min(listed x multiplier, on-demand), summed by hand.
 */
#include <criterion/criterion.h>
#include <gsl/gsl_cdf.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/scenario/spot.h"
#include "evq.h"
#include "mockcloud.h"
#include "sculpt/rng.h"
#include "sculpt/scenario.h"
#include "sculpt/simulator.h"
#include "sim.h"

#define FIX SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"
#define R1 "\"api_rate_per_sec\": 1,"
#define EV_BASE 16
#define MIN_ (INT64_C(60000))
#define HOUR_ (INT64_C(3600000))

/* The fixture with `to` put in place of the first `from`. */
static sc_status parse_with(const char *from, const char *to, sc_scenario **out, sc_error *err)
{
    FILE *f = fopen(FIX, "rb");
    cr_assert(f);
    static char text[16384], buf[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    char *at = strstr(text, from);
    cr_assert(at, "fixture has no '%s'", from);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    return sc_scenario_parse(buf, FIX, out, err);
}

static sc_scenario *load_from(const char *from, const char *to)
{
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with(from, to, &sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    return sc;
}

static sc_scenario *load_with(const char *to)
{
    return load_from(R1, to);
}

/* ---- a mock cloud over a scenario ----------------------------------------------------- */

typedef struct mock_fix {
    sc_scenario *sc;
    sc_evq *q;
    sc_provider *prov;
    sc_mock *m;
    sc_time_ms t0;
} mock_fix;

static void noop_change(void *ctx, int app, int region)
{
    (void)ctx;
    (void)app;
    (void)region;
}

static void mock_open_from(mock_fix *f, const char *from, const char *to)
{
    f->sc = load_from(from, to);
    cr_assert_eq(sc_evq_alloc(64, &f->q), SC_OK);
    sc_mock_config mc = {.sc = f->sc, .q = f->q, .event_base = EV_BASE,
                         .start_ms = f->sc->start, .end_ms = f->sc->start + 3 * HOUR_,
                         .drain_ms = 30000, .before_change = noop_change, .ctx = NULL};
    sc_error err;
    cr_assert_eq(sc_provider_alloc(&sc_mock_provider_type, &mc, &f->prov, &err), SC_OK, "%s",
                 err.msg);
    f->m = sc_mock_of(f->prov);
    f->t0 = f->sc->start;
}

static void mock_open(mock_fix *f, const char *to)
{
    mock_open_from(f, R1, to);
}

static void mock_close(mock_fix *f)
{
    sc_provider_free(f->prov);
    sc_evq_free(f->q);
    sc_scenario_free(f->sc);
}

static sc_action_result apply_at(mock_fix *f, sc_action_kind k, int region, sc_purchase o,
                                 int count, sc_time_ms t)
{
    sc_action a = {.kind = k, .app = 0, .region = region, .type = 0, .option = o,
                   .count = count, .to_region = -1, .to_type = -1};
    sc_action_result res;
    sc_error err;
    cr_assert_eq(sc_provider_apply(f->prov, &a, t, &res, &err), SC_OK, "%s", err.msg);
    return res;
}

/* Dispatch the mock's events up to and including time t. */
static void run_until(mock_fix *f, sc_time_ms t)
{
    sc_event ev;
    while (sc_evq_peek(f->q, &ev) && ev.time <= t) {
        sc_evq_pop(f->q, &ev);
        sc_error err;
        cr_assert_eq(sc_mock_handle(f->m, &ev, &err), SC_OK, "%s", err.msg);
    }
}

static sc_pool_state pool_of(mock_fix *f, int region, sc_purchase o)
{
    sc_pool_state ps;
    sc_error err;
    cr_assert_eq(sc_provider_describe(f->prov, 0, region, 0, o, &ps, &err), SC_OK);
    return ps;
}

/* ---- stock-outs ------------------------------------------------------------------------ */

#define WIN_30_60                                                                          \
    R1 " \"spot_stockouts\": [{\"type\": \"t2\", \"start\": \"2026-01-05T00:30:00Z\", "     \
       "\"duration\": \"30m\"}],"

Test(spot, stockout_refuses_inside_the_window_and_grants_after)
{
    mock_fix f;
    mock_open(&f, WIN_30_60);
    cr_assert_eq(f.sc->regions[0].n_spot_stockouts, 1);
    cr_assert_eq(f.sc->has_spot_market, 1);
    /* before the window: granted (r1 allows 8 instances and 10 vCPU = 5 of t2) */
    run_until(&f, f.t0 + 10 * MIN_);
    sc_action_result r = apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 1, f.t0 + 10 * MIN_);
    cr_assert_eq(r.accepted, 1);
    cr_assert_eq(r.limited, 0);
    /* at the start (events at 0:30 dispatched first) and inside: refused whole */
    sc_time_ms inside[] = {f.t0 + 30 * MIN_, f.t0 + 45 * MIN_, f.t0 + 60 * MIN_ - 1};
    for (size_t i = 0; i < 3; i++) {
        run_until(&f, inside[i]);
        r = apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 2, inside[i]);
        cr_assert_eq(r.accepted, 0, "t = %lld", (long long)(inside[i] - f.t0));
        cr_assert_eq(r.limited, 2);
        cr_assert_eq(r.throttled, 0);
    }
    /* inside: on-demand of the same type in the same region, and spot elsewhere, granted */
    r = apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 1, f.t0 + 60 * MIN_ - 1);
    cr_assert_eq(r.accepted, 1);
    r = apply_at(&f, SC_ACTION_PROVISION, 1, SC_PURCHASE_SPOT, 1, f.t0 + 60 * MIN_ - 1);
    cr_assert_eq(r.accepted, 1);
    /* the window ends at 1:00 (exclusive): granted from then */
    run_until(&f, f.t0 + 60 * MIN_);
    r = apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 2, f.t0 + 60 * MIN_);
    cr_assert_eq(r.accepted, 2);
    const sc_mock_stats *st = sc_mock_get_stats(f.m);
    cr_assert_eq(st->refused_stockout, 6);
    cr_assert_eq(st->refused_limit, 6);
    /* the instance launched before the window was not reclaimed (reclaim 0) */
    cr_assert_eq(st->reclaimed, 0);
    cr_assert_eq(pool_of(&f, 0, SC_PURCHASE_SPOT).ready, 1);
    mock_close(&f);
}

Test(spot, reclaim_one_gives_every_spot_instance_its_notice_at_the_start)
{
    mock_fix f;
    mock_open(&f, R1 " \"spot_stockouts\": [{\"type\": \"t2\", \"start\": "
                     "\"2026-01-05T00:30:00Z\", \"duration\": \"30m\", \"reclaim\": 1}],");
    /* 3 serving by 0:10 (boot 90 s + warm-up 30 s), 1 on demand; 1 spot booting at 0:29 */
    apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 3, f.t0);
    apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_ONDEMAND, 1, f.t0);
    run_until(&f, f.t0 + 29 * MIN_);
    apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 1, f.t0 + 29 * MIN_);
    cr_assert_eq(pool_of(&f, 0, SC_PURCHASE_SPOT).ready, 3);
    cr_assert_eq(pool_of(&f, 0, SC_PURCHASE_SPOT).booting, 1);
    run_until(&f, f.t0 + 30 * MIN_);
    sc_pool_state ps = pool_of(&f, 0, SC_PURCHASE_SPOT);
    cr_assert_eq(ps.ready, 0);
    cr_assert_eq(ps.interrupting, 3, "serving ones still serve through the notice");
    cr_assert_eq(ps.booting, 1, "the booting one stops there until it ends");
    cr_assert_eq(sc_mock_ars(f.m)[0].serving, 4); /* 3 noticed spot + 1 on demand */
    run_until(&f, f.t0 + 32 * MIN_ - 1);
    cr_assert_eq(pool_of(&f, 0, SC_PURCHASE_SPOT).interrupting, 3);
    run_until(&f, f.t0 + 32 * MIN_);
    ps = pool_of(&f, 0, SC_PURCHASE_SPOT);
    cr_assert_eq(ps.interrupting + ps.ready + ps.booting + ps.warming, 0);
    cr_assert_eq(pool_of(&f, 0, SC_PURCHASE_ONDEMAND).ready, 1);
    cr_assert_eq(sc_mock_get_stats(f.m)->reclaimed, 4);
    cr_assert_eq(sc_mock_get_stats(f.m)->interruptions, 4);
    mock_close(&f);
}

Test(spot, reclaim_half_takes_the_instances_whose_documented_uniform_is_below_it)
{
    mock_fix f;
    mock_open_from(&f, "\"vcpu_quota\": 10,",
                   "\"vcpu_quota\": 100, \"spot_stockouts\": [{\"type\": \"t2\", \"start\": "
                   "\"2026-01-05T00:30:00Z\", \"duration\": \"30m\", \"reclaim\": 0.5}],");
    cr_assert_eq(f.sc->regions[0].vcpu_quota, 100);
    /* r1's capacity limit is 8: launches 0..7 */
    apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 8, f.t0);
    run_until(&f, f.t0 + 30 * MIN_);
    /* README: u of key (seed, SC_RNG_STOCKOUT, hash("r1") ^ window start, pool key,
     * launch index), pool key = app << 24 ^ type << 4 ^ option (spot = 2) */
    sc_time_ms ws = f.t0 + 30 * MIN_;
    int want = 0;
    for (uint32_t k = 0; k < 8; k++)
        want += sc_rng_u01(sc_rng_key(7, SC_RNG_STOCKOUT, sc_rng_hash_str("r1") ^ (uint64_t)ws,
                                      2, k)) < 0.5;
    cr_assert(want > 0 && want < 8, "the fixture's seed should split the 8 (%d)", want);
    sc_pool_state ps = pool_of(&f, 0, SC_PURCHASE_SPOT);
    cr_assert_eq(ps.interrupting, want);
    cr_assert_eq(ps.ready, 8 - want);
    mock_close(&f);
}

/* The README's random process, written out independently (see test_mtbf.c). */
static size_t reference_windows(uint64_t seed, const char *region, const char *type,
                                double mtbf_ms, double mttr_ms, int64_t t0, int64_t t1,
                                int64_t *start, int64_t *dur, size_t cap)
{
    uint64_t hr = sc_rng_hash_str(region), ht = sc_rng_hash_str(type);
    size_t n = 0;
    int64_t t = t0;
    for (uint64_t k = 0; t < t1; k++) {
        double uu = sc_rng_u01(sc_rng_key(seed, SC_RNG_STOCKOUT, hr, ht, 2 * k));
        double ud = sc_rng_u01(sc_rng_key(seed, SC_RNG_STOCKOUT, hr, ht, 2 * k + 1));
        int64_t up = (int64_t)fmax(1.0, ceil(gsl_cdf_exponential_Qinv(uu, mtbf_ms)));
        int64_t down = (int64_t)fmax(1.0, ceil(gsl_cdf_exponential_Qinv(ud, mttr_ms)));
        if (t + up >= t1)
            break;
        cr_assert(n < cap);
        start[n] = t + up;
        dur[n] = t + up + down <= t1 ? down : t1 - (t + up);
        n++;
        t += up + down;
    }
    return n;
}

Test(spot, random_stockouts_match_the_documented_draws)
{
    sc_scenario *sc = load_with(R1 " \"spot_stockouts\": [{\"type\": \"t2\", \"mtbf\": \"20m\", "
                                   "\"mttr\": \"10m\", \"reclaim\": 0.25}],");
    int64_t st[64], du[64];
    int64_t t1 = sc->start + sc->warmup_ms + sc->duration_ms;
    size_t n = reference_windows(7, "r1", "t2", 20.0 * MIN_, 10.0 * MIN_, sc->start, t1, st,
                                 du, 64);
    cr_assert_gt(n, 1);
    const sc_region *r = &sc->regions[0];
    cr_assert_eq(r->n_spot_stockouts_random, n);
    cr_assert_eq(r->n_spot_stockouts, n, "random windows never touch: one per failure");
    for (size_t k = 0; k < n; k++) {
        cr_assert_eq(r->spot_stockouts[k].start_ms, st[k], "window %zu", k);
        cr_assert_eq(r->spot_stockouts[k].duration_ms, du[k], "window %zu", k);
        cr_assert_eq(r->spot_stockouts[k].reclaim, 0.25);
        cr_assert_eq(r->spot_stockouts[k].type, 0);
    }
    /* the other region has none, and lookups agree with the windows */
    cr_assert_eq(sc->regions[1].n_spot_stockouts, 0);
    cr_assert_eq(sc_spot_stockout_at(r, 0, st[0]), 1);
    cr_assert_eq(sc_spot_stockout_at(r, 0, st[0] - 1), 0);
    cr_assert_eq(sc_spot_stockout_at(r, 0, st[0] + du[0]), st[1] == st[0] + du[0]);
    sc_scenario_free(sc);
}

Test(spot, merge_of_windows_by_hand)
{
    /* type 0: [10, 20) r .1, [15, 30) r .9, [30, 40) r .5 -> [10, 40) r .1 (touching
     * merges; the opener's reclaim); [50, 60) r .3 and [50, 55) r .7 -> [50, 60) r .7;
     * type 1: [12, 13) stays */
    sc_spot_stockout w[] = {
        {0, 30, 10, 0.5}, {1, 12, 1, 0.0}, {0, 10, 10, 0.1}, {0, 15, 15, 0.9},
        {0, 50, 10, 0.3}, {0, 50, 5, 0.7},
    };
    size_t n = sc_spot_stockout_merge(w, 6);
    cr_assert_eq(n, 3);
    cr_assert_eq(w[0].type, 0);
    cr_assert_eq(w[0].start_ms, 10);
    cr_assert_eq(w[0].duration_ms, 30);
    cr_assert_eq(w[0].reclaim, 0.1);
    cr_assert_eq(w[1].start_ms, 50);
    cr_assert_eq(w[1].duration_ms, 10);
    cr_assert_eq(w[1].reclaim, 0.7);
    cr_assert_eq(w[2].type, 1);
    cr_assert_eq(w[2].start_ms, 12);
    cr_assert_eq(w[2].duration_ms, 1);
}

Test(spot, property_spot_granted_exactly_outside_the_random_windows)
{
    /* r2 has no capacity limit, quota or API limit: a spot launch there is refused only
     * by a stock-out.  Random windows (mean 20 min up, 10 min down) and reclaims; one
     * launch a minute over the run, each checked against the windows read back from
     * the scenario, and the refusals counted against the minutes inside them. */
    mock_fix f;
    mock_open_from(&f, "\"spot_interrupt_per_hour\": 50,",
                   "\"spot_interrupt_per_hour\": 50, \"spot_stockouts\": [{\"type\": \"t2\", "
                   "\"mtbf\": \"20m\", \"mttr\": \"10m\", \"reclaim\": 0.3}],");
    const sc_region *r2 = &f.sc->regions[1];
    cr_assert_gt(r2->n_spot_stockouts, 1);
    long inside = 0, refused = 0;
    for (int m = 0; m < 180; m++) {
        sc_time_ms t = f.t0 + m * MIN_ + 17; /* off the minute: windows start anywhere */
        run_until(&f, t);
        int in = sc_spot_stockout_at(r2, 0, t);
        sc_action_result r = apply_at(&f, SC_ACTION_PROVISION, 1, SC_PURCHASE_SPOT, 1, t);
        cr_assert_eq(r.accepted, !in, "minute %d: accepted %d inside %d", m, r.accepted, in);
        inside += in;
        refused += r.limited;
        /* on demand in the same region is never refused */
        cr_assert_eq(apply_at(&f, SC_ACTION_PROVISION, 1, SC_PURCHASE_ONDEMAND, 1, t).accepted, 1);
    }
    cr_assert_gt(inside, 0);
    cr_assert_lt(inside, 180);
    cr_assert_eq(refused, inside);
    cr_assert_eq(sc_mock_get_stats(f.m)->refused_stockout, inside);
    mock_close(&f);
}

/* ---- the price path ------------------------------------------------------------------- */

/* The README's recursion, written out: x_0 = mu + s z_0, x_h = mu + phi (x_{h-1} - mu) +
 * s sqrt(1 - phi^2) z_h, z_h = Phi^-1(u of key (seed, SC_RNG_SPOT_PRICE, hash(region),
 * h, 0)), multiplier e^x_h. */
static void reference_path(uint64_t seed, const char *region, double s, double tau_h,
                           size_t n, double *out)
{
    double mu = -s * s / 2, phi = exp(-1.0 / tau_h), x = 0;
    for (size_t h = 0; h < n; h++) {
        double z = gsl_cdf_gaussian_Pinv(
            sc_rng_u01(sc_rng_key(seed, SC_RNG_SPOT_PRICE, sc_rng_hash_str(region), h, 0)),
            1.0);
        x = h == 0 ? mu + s * z : mu + phi * (x - mu) + s * sqrt(1 - phi * phi) * z;
        out[h] = exp(x);
    }
}

Test(spot, price_path_matches_the_documented_recursion)
{
    sc_scenario *sc = load_with(R1 " \"spot_price\": {\"log_sd\": 0.3, \"reversion\": \"2h\"},");
    const sc_region *r = &sc->regions[0];
    cr_assert_eq(r->n_spot_hours, 3); /* 1 h warm-up + 2 h */
    cr_assert_null(sc->regions[1].spot_mult);
    double ref[3];
    reference_path(7, "r1", 0.3, 2.0, 3, ref);
    for (size_t h = 0; h < 3; h++)
        cr_assert_float_eq(r->spot_mult[h], ref[h], 1e-12 * ref[h], "hour %zu", h);
    /* the price of each hour, capped at on-demand 0.36; listed 0.12 elsewhere */
    for (size_t h = 0; h < 3; h++) {
        double want = fmin(0.12 * ref[h], 0.36);
        sc_time_ms t = sc->start + (sc_time_ms)h * HOUR_;
        cr_assert_float_eq(sc_spot_price_at(sc, 0, 0, t), want, 1e-15);
        cr_assert_float_eq(sc_spot_price_at(sc, 0, 0, t + HOUR_ - 1), want, 1e-15);
    }
    cr_assert_eq(sc_spot_price_at(sc, 1, 0, sc->start + HOUR_), 0.12);
    sc_scenario_free(sc);
}

Test(spot, price_path_depends_on_the_region_name_not_its_position)
{
    /* the two regions swapped in the file: r1's path is the same */
    FILE *f = fopen(FIX, "rb");
    cr_assert(f);
    static char text[16384], buf[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    const char *sep = "}}},\n    {\"name\": \"r2\"";
    char *a = strstr(text, "{\"name\": \"r1\""), *b = strstr(text, sep);
    char *e = strstr(text, "}}}\n  ],");
    cr_assert(a && b && e && a < b && b < e);
    /* [a, b + 3) is r1's object, [b + 7, e + 3) r2's */
    snprintf(buf, sizeof buf, "%.*s%.*s,\n    %.*s%s", (int)(a - text), text,
             (int)(e + 3 - (b + 6)), b + 6, (int)(b + 3 - a), a, e + 3);
    const char *price = "\"api_rate_per_sec\": 1, \"spot_price\": {\"log_sd\": 0.5, "
                        "\"reversion\": \"3h\"},";
    char *at = strstr(buf, R1);
    cr_assert(at);
    static char buf2[16384];
    snprintf(buf2, sizeof buf2, "%.*s%s%s", (int)(at - buf), buf, price, at + strlen(R1));
    sc_scenario *sw;
    sc_error err;
    cr_assert_eq(sc_scenario_parse(buf2, FIX, &sw, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_str_eq(sw->regions[1].name, "r1");
    sc_scenario *sc = load_with(price);
    cr_assert_str_eq(sc->regions[0].name, "r1");
    cr_assert_eq(sw->regions[1].n_spot_hours, 3);
    for (size_t h = 0; h < 3; h++)
        cr_assert_eq(sw->regions[1].spot_mult[h], sc->regions[0].spot_mult[h]);
    sc_scenario_free(sw);
    sc_scenario_free(sc);
}

Test(spot, price_path_mean_cap_and_autocorrelation_match_the_closed_forms)
{
    enum { N = 200000 };
    const double s = 0.6, tau_h = 6.0, L = 0.12, C = 0.36;
    double *m = malloc(N * sizeof *m);
    cr_assert(m);
    sc_spot_price_path(2026, "eu-west-1", s, (int64_t)(tau_h * HOUR_), N, m);
    double mu = -s * s / 2, phi = exp(-1.0 / tau_h);
    double sum = 0, sum_c = 0, sum_c2 = 0, sx = 0, sxx = 0, sxy = 0, top = 0;
    long at_cap = 0;
    for (size_t h = 0; h < N; h++) {
        double c = fmin(L * m[h], C), x = log(m[h]);
        sum += m[h];
        sum_c += c;
        sum_c2 += c * c;
        sx += x;
        sxx += (x - mu) * (x - mu);
        if (h > 0)
            sxy += (x - mu) * (log(m[h - 1]) - mu);
        at_cap += c == C;
        top = fmax(top, c);
    }
    /* effective sample size of an AR(1) with coefficient phi (a transform of it is no
     * more autocorrelated): N (1 - phi) / (1 + phi) */
    double neff = N * (1 - phi) / (1 + phi);
    double d = (log(C / L) - mu) / s;
    double want_c = L * gsl_cdf_ugaussian_P(d - s) + C * (1 - gsl_cdf_ugaussian_P(d));
    double want_cap = 1 - gsl_cdf_ugaussian_P(d);
    double mean_c = sum_c / N, sd_c = sqrt(sum_c2 / N - mean_c * mean_c);
    cr_assert(fabs(mean_c - want_c) < 5 * sd_c / sqrt(neff), "capped mean %.6f vs %.6f",
              mean_c, want_c);
    double p = (double)at_cap / N;
    cr_assert(fabs(p - want_cap) < 5 * sqrt(want_cap * (1 - want_cap) / neff),
              "capped share %.5f vs %.5f", p, want_cap);
    cr_assert_eq(top, C, "the cap is reached and never passed");
    /* the uncapped multiplier has mean 1 (sd of a lognormal: sqrt(e^{s^2} - 1)) */
    cr_assert(fabs(sum / N - 1.0) < 5 * sqrt(exp(s * s) - 1) / sqrt(neff), "mean %.5f",
              sum / N);
    cr_assert(fabs(sx / N - mu) < 5 * s / sqrt(neff), "log mean %.5f vs %.5f", sx / N, mu);
    cr_assert(fabs(sqrt(sxx / N) - s) < 0.02 * s, "log sd %.5f vs %.5f", sqrt(sxx / N), s);
    cr_assert(fabs(sxy / sxx - phi) < 0.01, "lag-1 autocorrelation %.5f vs %.5f", sxy / sxx, phi);
    free(m);
}

Test(spot, bill_over_three_hours_at_the_hours_prices)
{
    mock_fix f;
    mock_open(&f, R1 " \"spot_price\": {\"log_sd\": 1.0, \"reversion\": \"2h\"},");
    double ref[3];
    reference_path(7, "r1", 1.0, 2.0, 3, ref);
    double p[3];
    for (int h = 0; h < 3; h++)
        p[h] = fmin(0.12 * ref[h], 0.36);
    /* launched at 0:30, deprovisioned at 2:30 after boot and warm-up, drained 30 s */
    apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 1, f.t0 + 30 * MIN_);
    run_until(&f, f.t0 + 150 * MIN_);
    apply_at(&f, SC_ACTION_DEPROVISION, 0, SC_PURCHASE_SPOT, 1, f.t0 + 150 * MIN_);
    run_until(&f, f.t0 + 3 * HOUR_);
    double cost[2 * 3] = {0};
    sc_mock_bill(f.m, f.t0 + 3 * HOUR_, cost);
    double want = p[0] * 30.0 / 60 + p[1] + p[2] * 30.5 / 60;
    cr_assert_float_eq(cost[SC_PURCHASE_SPOT], want, 1e-12, "%.12f vs %.12f (prices %g %g %g)",
                       cost[SC_PURCHASE_SPOT], want, p[0], p[1], p[2]);
    /* and not the listed price's bill (the seed's path moves) */
    cr_assert(fabs(want - 0.12 * (2 * 60 + 0.5) / 60) > 1e-6);
    mock_close(&f);
}

Test(spot, sixty_second_minimum_at_the_hours_price)
{
    mock_fix f;
    mock_open(&f, R1 " \"spot_price\": {\"log_sd\": 1.0, \"reversion\": \"2h\"},");
    double ref[3];
    reference_path(7, "r1", 1.0, 2.0, 3, ref);
    /* launched at 1:10, cancelled while booting 20 s later: 60 s at hour 1's price */
    apply_at(&f, SC_ACTION_PROVISION, 0, SC_PURCHASE_SPOT, 1, f.t0 + 70 * MIN_);
    apply_at(&f, SC_ACTION_DEPROVISION, 0, SC_PURCHASE_SPOT, 1, f.t0 + 70 * MIN_ + 20000);
    double cost[2 * 3] = {0};
    sc_mock_bill(f.m, f.t0 + 2 * HOUR_, cost);
    cr_assert_float_eq(cost[SC_PURCHASE_SPOT], fmin(0.12 * ref[1], 0.36) / 60, 1e-12);
    mock_close(&f);
}

/* ---- a run: a baseline buying spot meets the stock-out through its launches ------------- */

static double run_reactive_spot(const char *extra, long *refused)
{
    sc_sim_register();
    sc_scenario *sc = load_with(extra);
    sc_policy_spec spec = {.name = "reactive", .label = "reactive-spot",
                           .params_json = "{\"purchase\": {\"spot_above_base\": 1}}"};
    sc_world *w;
    sc_error err;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s: %s", err.where, err.msg);
    sc_run *r;
    cr_assert_eq(sc_run_policy(w, &spec, 0, &r, &err), SC_OK, "%s", err.msg);
    double spot = r->sum.cost_by_option[SC_PURCHASE_SPOT];
    *refused = r->sum.refused;
    sc_run_free(r);
    sc_world_free(w);
    sc_scenario_free(sc);
    return spot;
}

Test(spot, a_policy_meets_the_stockout_as_refused_launches)
{
    long ref0, ref1;
    double c0 = run_reactive_spot(R1, &ref0);
    /* r1 stocked out of t2 spot for the whole run */
    double c1 = run_reactive_spot(R1 " \"spot_stockouts\": [{\"type\": \"t2\", \"start\": "
                                       "\"2026-01-05T00:00:00Z\", \"duration\": \"3h\"}],",
                                  &ref1);
    cr_assert_gt(c0, 0.0, "the baseline buys spot in r1 without the stock-out");
    cr_assert_gt(ref1, ref0, "refused launches: %ld vs %ld", ref1, ref0);
    cr_assert_lt(c1, c0, "less spot bought: %g vs %g", c1, c0);
}

/* ---- bad input --------------------------------------------------------------------------- */

static void bad(const char *to, const char *where, const char *msg)
{
    sc_scenario *sc;
    sc_error err;
    cr_assert_eq(parse_with(R1, to, &sc, &err), SC_ERR_INPUT, "accepted: %s", to);
    cr_assert(sc == NULL);
    cr_assert(strstr(err.where, where), "where '%s' lacks '%s'", err.where, where);
    cr_assert(strstr(err.msg, msg), "'%s' lacks '%s'", err.msg, msg);
}

#define SO(body) R1 " \"spot_stockouts\": [" body "],"
#define W(t, s, d) "{\"type\": \"" t "\", \"start\": \"" s "\", \"duration\": \"" d "\"}"

Test(spot, bad_input_names_the_json_path)
{
    bad(SO(W("t2", "2026-01-04T23:00:00Z", "1h")), "$.regions[0].spot_stockouts[0].start",
        "inside the run");
    bad(SO(W("t2", "2026-01-05T02:30:00Z", "1h")), "$.regions[0].spot_stockouts[0].start",
        "inside the run");
    bad(SO(W("t9", "2026-01-05T00:30:00Z", "1h")), "$.regions[0].spot_stockouts[0].type",
        "unknown instance type 't9'");
    bad(SO(W("t2", "2026-01-05T00:30:00Z", "-1h")),
        "$.regions[0].spot_stockouts[0].duration", "positive");
    bad(SO(W("t2", "2026-01-05T01:00:00Z", "1h") ", " W("t2", "2026-01-05T00:30:00Z", "1h")),
        "$.regions[0].spot_stockouts[1].start", "in order and not overlap");
    bad(SO("{\"type\": \"t2\", \"start\": \"2026-01-05T00:30:00Z\", \"duration\": \"1h\", "
           "\"reclaim\": -0.1}"),
        "$.regions[0].spot_stockouts[0].reclaim", "[0, 1]");
    bad(SO("{\"type\": \"t2\", \"start\": \"2026-01-05T00:30:00Z\", \"duration\": \"1h\", "
           "\"reclaim\": 1e999}"),
        "$.regions[0].spot_stockouts[0].reclaim", "finite");
    bad(SO("{\"type\": \"t2\", \"start\": \"2026-01-05T00:30:00Z\", \"duration\": \"1h\", "
           "\"mtbf\": \"1d\", \"mttr\": \"1h\"}"),
        "$.regions[0].spot_stockouts[0].mtbf", "not both");
    bad(SO("{\"type\": \"t2\"}"), "$.regions[0].spot_stockouts[0].start", "give one");
    bad(SO("{\"type\": \"t2\", \"mtbf\": \"0s\", \"mttr\": \"1h\"}"),
        "$.regions[0].spot_stockouts[0].mtbf", "positive");
    bad(SO("{\"type\": \"t2\", \"mtbf\": \"5s\", \"mttr\": \"5s\"}"),
        "$.regions[0].spot_stockouts[0].mtbf", "at most 1000");
    bad(SO("{\"type\": \"t2\", \"mtbf\": \"1d\"}"), "$.regions[0].spot_stockouts[0].mttr",
        "required");
    bad(R1 " \"spot_price\": {\"log_sd\": -0.2, \"reversion\": \"6h\"},",
        "$.regions[0].spot_price.log_sd", "[0, 3]");
    bad(R1 " \"spot_price\": {\"log_sd\": 0.2, \"reversion\": \"0s\"},",
        "$.regions[0].spot_price.reversion", "positive");
    bad(R1 " \"spot_price\": {\"log_sd\": 0.2},", "$.regions[0].spot_price.reversion",
        "required");
    bad(R1 " \"spot_price\": {\"log_sd\": 0.2, \"reversion\": \"6h\", \"drift\": 1},",
        "$.regions[0].spot_price.drift", "unknown key");
}

Test(spot, a_stockout_needs_a_spot_offer)
{
    sc_scenario *sc;
    sc_error err;
    /* r2's t2 has a spot price; drop it and ask for a stock-out there */
    FILE *f = fopen(FIX, "rb");
    cr_assert(f);
    static char text[16384], buf[16384];
    size_t n = fread(text, 1, sizeof text - 1, f);
    fclose(f);
    text[n] = 0;
    const char *from = "\"types\": {\"t2\": {\"on_demand\": 0.36, \"spot\": 0.12}}";
    char *at = strstr(text, from);
    cr_assert(at);
    snprintf(buf, sizeof buf, "%.*s%s%s", (int)(at - text), text,
             "\"types\": {\"t2\": {\"on_demand\": 0.36}}, \"spot_stockouts\": [" 
             W("t2", "2026-01-05T00:30:00Z", "1h") "]",
             at + strlen(from));
    cr_assert_eq(sc_scenario_parse(buf, FIX, &sc, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.where, "$.regions[1].spot_stockouts[0].type"), "%s", err.where);
    cr_assert(strstr(err.msg, "does not sell type 't2' as spot"), "%s", err.msg);
}
