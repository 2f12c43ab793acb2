/*
 * spot.h - the spot market of a scenario: stock-outs per (region, instance type) and a
 * synthetic spot price per region varying over time ($.regions[i].spot_stockouts,
 * spot_price; scenarios/README.md, "Spot market"; issue 11, item 3).  Internal to the
 * library (not installed): scenario.c parses and draws at load time, the mock cloud
 * (sim/mockcloud.c) refuses launches and bills by it, tests check it.
 *
 * Everything random is drawn once, when the scenario is loaded, from the scenario's seed
 * and the names of the region and type (rng.h streams SC_RNG_STOCKOUT and
 * SC_RNG_SPOT_PRICE), so every policy of a run, every thread and every MPI rank sees the
 * same windows and the same price path (common random numbers).
 */
#ifndef SCULPT_SPOT_H
#define SCULPT_SPOT_H

#include <stddef.h>
#include <stdint.h>

#include <cjson/cJSON.h>

#include "sculpt/json.h"
#include "sculpt/scenario.h"
#include "sculpt/status.h"

/* The price path's time step: one price per hour of the run, from the warm-up start. */
#define SC_SPOT_PRICE_STEP_MS INT64_C(3600000)
/* Largest stationary sd of the log price accepted (e^3 = 20x above the mean at 1 sd). */
#define SC_SPOT_LOG_SD_MAX 3.0
/* At most this many random stock-outs expected per (region, type) over the run. */
#define SC_SPOT_STOCKOUT_EXPECTED_MAX 1000
/* Hard cap on the random windows one (region, type) may draw. */
#define SC_SPOT_STOCKOUT_WINDOWS_MAX (4 * SC_SPOT_STOCKOUT_EXPECTED_MAX)

/* Parse $.regions[i].spot_stockouts and $.regions[i].spot_price of region r (its name
 * and price table already read; sc's types, start, warm-up, duration and seed too):
 * draws the random windows and the price path.  Errors name cx's file and the JSON path
 * under rp (SC_ERR_INPUT) or say out of memory (SC_ERR_NOMEM).  On failure what was
 * allocated stays in r and is freed with the scenario (sc_spot_region_cleanup). */
sc_status sc_spot_parse_region(const sc_json_ctx *cx, sc_scenario *sc, const cJSON *reg,
                               const char *rp, sc_region *r);

/* Free what sc_spot_parse_region allocated in r (the scenario's free calls it). */
void sc_spot_region_cleanup(sc_region *r);

/* ---- stock-outs (spot_stockout.c) ---------------------------------------------------- */

/* The k-th up-time (down = 0) or down-time (down = 1) of the spot capacity of type
 * `type` in region `region`, ms: ceil(-mean_ms ln u), >= 1, u = sc_rng_u01(sc_rng_key(seed,
 * SC_RNG_STOCKOUT, sc_rng_hash_str(region), sc_rng_hash_str(type), 2 k + down)). */
int64_t sc_spot_stockout_time(uint64_t seed, const char *region, const char *type,
                              uint64_t k, int down, int64_t mean_ms);

/* Alternating renewal process on [t0_ms, t1_ms) for type index `type`: capacity is there
 * at t0_ms; stock-out k starts after up-time k and lasts down-time k, clipped at t1_ms;
 * each window gets `reclaim`.  *out (caller frees with free(); NULL when *n_out is 0).
 * SC_ERR_INPUT above SC_SPOT_STOCKOUT_WINDOWS_MAX windows; SC_ERR_NOMEM. */
sc_status sc_spot_stockout_draw(uint64_t seed, const char *region, const char *type_name,
                                int type, int64_t mtbf_ms, int64_t mttr_ms, double reclaim,
                                sc_time_ms t0_ms, sc_time_ms t1_ms, sc_spot_stockout **out,
                                size_t *n_out);

/* Sort w[0..n) by (type, start) and merge, within a type, windows that overlap or touch
 * into one (their union); a merged window keeps the reclaim probability of the window
 * that opens it (the largest if several open at the same instant): reclaims happen only
 * when a stock-out begins.  Returns the new count (in place). */
size_t sc_spot_stockout_merge(sc_spot_stockout *w, size_t n);

/* 1 if type `type` of region r is stocked out at t (windows are [start, end)). */
int sc_spot_stockout_at(const sc_region *r, int type, sc_time_ms t);

/* ---- price (spot_price.c) ------------------------------------------------------------ */

/* The multipliers of region `region`'s price path, out[h] for h in [0, n): the log price
 * x_h = ln(out[h]) is a stationary Gaussian AR(1), the exact discretisation at one-hour
 * steps of an Ornstein-Uhlenbeck process with mean mu = -log_sd^2 / 2, stationary sd
 * log_sd and time constant reversion_ms:
 *     phi = exp(-1 h / reversion), x_0 = mu + log_sd z_0,
 *     x_h = mu + phi (x_{h-1} - mu) + log_sd sqrt(1 - phi^2) z_h,
 * z_h = Phi^-1(sc_rng_u01(sc_rng_key(seed, SC_RNG_SPOT_PRICE, sc_rng_hash_str(region),
 * h, 0))).  So every hour's multiplier is lognormal with mean exactly 1: the listed spot
 * price is the long-run mean before the cap. */
void sc_spot_price_path(uint64_t seed, const char *region, double log_sd,
                        int64_t reversion_ms, size_t n, double *out);

/* Spot price of type `type` in region `region` at t, USD per instance-hour: the listed
 * price times the hour's multiplier, capped at the on-demand price (EC2 since 2017: a
 * spot instance never costs more than on demand); the listed price when the region has
 * no model; hours beyond the path keep its last value.  NaN when spot is not offered. */
double sc_spot_price_at(const sc_scenario *sc, int region, int type, sc_time_ms t);

/* Integral of the spot price over [t0, t1) in USD x ms / hour (divide by 3.6e6 for USD
 * per instance): the price of each hour times the part of [t0, t1) inside that hour. */
double sc_spot_price_integral(const sc_scenario *sc, int region, int type, sc_time_ms t0,
                              sc_time_ms t1);

#endif
