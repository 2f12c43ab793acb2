/*
 * spot_price.c - a synthetic spot price per region varying over time (spot.h;
 * scenarios/README.md, "Spot market").
 *
 * No spot price history ships with the project, so the price is a model, off unless a
 * region asks for it ($.regions[i].spot_price: {"log_sd", "reversion"}).  Assumptions:
 *  - one market factor per region: every instance type's spot price in the region moves
 *    by the same multiplier (spot prices of one region move together under one capacity
 *    pool's pressure; per-type paths would need per-type parameters nobody can source);
 *  - the log price is mean-reverting (Ornstein-Uhlenbeck), the usual first model of a
 *    commodity price with a long-run level (Schwartz, "The stochastic behavior of
 *    commodity prices", J. Finance 52(3), 1997, model 1), sampled exactly at one-hour
 *    steps: a stationary Gaussian AR(1) with phi = exp(-1 h / reversion), started from
 *    its stationary law, so every hour's log price is N(mu, log_sd^2);
 *  - mu = -log_sd^2 / 2, so the mean multiplier is exactly 1: the region's listed spot
 *    price is the long-run mean price before the cap, and the expected bill of a fleet
 *    that ignores the price equals that at the listed price (up to the cap);
 *  - the price is capped at the type's on-demand price: since EC2's 2017 pricing change a
 *    spot instance's default maximum price is the on-demand price, and the spot price
 *    has not exceeded it;
 *  - the price changes on the hour (from the warm-up start); billing is per second at the
 *    price of the hour each second falls in (sc_spot_price_integral).
 * Policies are not told the path: they see the listed price, as before.
 *
 * Determinism: z_h is a pure function of (seed, SC_RNG_SPOT_PRICE, hash of the region's
 * name, h) by inverse transform (rng.h), and the path is computed once at load time in a
 * fixed order, so every policy, thread and MPI rank bills the same prices.
 */
#include "spot.h"

#include <math.h>

#include <gsl/gsl_cdf.h>

#include "sculpt/rng.h"

void sc_spot_price_path(uint64_t seed, const char *region, double log_sd,
                        int64_t reversion_ms, size_t n, double *out)
{
    uint64_t h_region = sc_rng_hash_str(region);
    double mu = -0.5 * log_sd * log_sd;
    double phi = exp(-(double)SC_SPOT_PRICE_STEP_MS / (double)reversion_ms);
    double innov = log_sd * sqrt(1.0 - phi * phi);
    double x = mu;
    for (size_t h = 0; h < n; h++) {
        double z = gsl_cdf_ugaussian_Pinv(
            sc_rng_u01(sc_rng_key(seed, SC_RNG_SPOT_PRICE, h_region, (uint64_t)h, 0)));
        x = h == 0 ? mu + log_sd * z : mu + phi * (x - mu) + innov * z;
        out[h] = exp(x);
    }
}

/* Hour index of t in r's path (clamped to it). */
static size_t hour_of(const sc_scenario *sc, const sc_region *r, sc_time_ms t)
{
    if (t <= sc->start)
        return 0;
    uint64_t h = (uint64_t)((t - sc->start) / SC_SPOT_PRICE_STEP_MS);
    return h < r->n_spot_hours ? (size_t)h : r->n_spot_hours - 1;
}

static double capped(const sc_region_type *rt, double mult)
{
    double p = rt->price_per_hour[SC_PURCHASE_SPOT] * mult;
    double od = rt->price_per_hour[SC_PURCHASE_ONDEMAND];
    return p > od ? od : p;
}

double sc_spot_price_at(const sc_scenario *sc, int region, int type, sc_time_ms t)
{
    const sc_region *r = &sc->regions[region];
    const sc_region_type *rt = &r->types[type];
    if (!r->spot_mult)
        return rt->price_per_hour[SC_PURCHASE_SPOT];
    return capped(rt, r->spot_mult[hour_of(sc, r, t)]);
}

double sc_spot_price_integral(const sc_scenario *sc, int region, int type, sc_time_ms t0,
                              sc_time_ms t1)
{
    if (t1 <= t0)
        return 0.0;
    const sc_region *r = &sc->regions[region];
    const sc_region_type *rt = &r->types[type];
    if (!r->spot_mult)
        return rt->price_per_hour[SC_PURCHASE_SPOT] * (double)(t1 - t0);
    double acc = 0.0;
    sc_time_ms t = t0;
    while (t < t1) {
        size_t h = hour_of(sc, r, t);
        /* the hour ends at its boundary, except the last one, which runs on */
        sc_time_ms e = h + 1 < r->n_spot_hours
                           ? sc->start + (sc_time_ms)(h + 1) * SC_SPOT_PRICE_STEP_MS
                           : t1;
        if (t < sc->start) /* before the run (not reached by the mock): the first hour */
            e = sc->start < t1 ? sc->start : t1;
        if (e > t1)
            e = t1;
        acc += capped(rt, r->spot_mult[h]) * (double)(e - t);
        t = e;
    }
    return acc;
}
