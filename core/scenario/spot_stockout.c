/*
 * spot_stockout.c - spot stock-outs per (region, instance type) (spot.h; scenarios/
 * README.md, "Spot market").
 *
 * A stock-out is a window in which the region grants no new spot instance of the type:
 * a launch fails as EC2's RunInstances does with InsufficientInstanceCapacity, the same
 * answer a policy gets from a live cloud, so policies learn of it only by launching.
 * Windows are scheduled ($.regions[i].spot_stockouts[] with start and duration) or random
 * (with mtbf and mttr): an alternating renewal process per (region, type) with
 * exponential up-times of mean mtbf and down-times of mean mttr, as region outages
 * (outage_random.c), drawn once at load time from the stream SC_RNG_STOCKOUT keyed by
 * the hashes of the region's and the type's names, so renaming or reordering other
 * regions or types changes nothing, and every policy, thread and rank sees the same
 * windows.
 *
 * The windows of a region are kept in one array sorted by (type, start); windows of one
 * type that overlap or touch are merged into their union (sc_spot_stockout_merge), so
 * the mock cloud keeps one counter per (region, type) and a window's start is where its
 * reclaims happen.  Lookups (sc_spot_stockout_at) scan the array: a region has a few
 * windows, and the mock does not call it in its hot path (it tracks windows by events).
 */
#include "spot.h"

#include "outage_random.h"

#include <stdlib.h>

#include "sculpt/rng.h"

int64_t sc_spot_stockout_time(uint64_t seed, const char *region, const char *type,
                              uint64_t k, int down, int64_t mean_ms)
{
    return sc_renewal_exp_ms(sc_rng_key(seed, SC_RNG_STOCKOUT, sc_rng_hash_str(region),
                                        sc_rng_hash_str(type), 2 * k + (down ? 1u : 0u)),
                             mean_ms);
}

struct pool_key {
    uint64_t seed;
    const char *region, *type;
};

static int64_t stockout_time(const void *ctx, uint64_t k, int down, int64_t mean_ms)
{
    const struct pool_key *pk = ctx;
    return sc_spot_stockout_time(pk->seed, pk->region, pk->type, k, down, mean_ms);
}

sc_status sc_spot_stockout_draw(uint64_t seed, const char *region, const char *type_name,
                                int type, int64_t mtbf_ms, int64_t mttr_ms, double reclaim,
                                sc_time_ms t0_ms, sc_time_ms t1_ms, sc_spot_stockout **out,
                                size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    struct pool_key pk = {seed, region, type_name};
    sc_time_ms *sd;
    size_t n;
    sc_status st = sc_renewal_draw(stockout_time, &pk, mtbf_ms, mttr_ms, t0_ms, t1_ms,
                                   SC_SPOT_STOCKOUT_WINDOWS_MAX, &sd, &n);
    if (st != SC_OK || n == 0)
        return st;
    sc_spot_stockout *w = malloc(n * sizeof *w);
    if (!w) {
        free(sd);
        return SC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        w[i].type = type;
        w[i].start_ms = sd[2 * i];
        w[i].duration_ms = sd[2 * i + 1];
        w[i].reclaim = reclaim;
    }
    free(sd);
    *out = w;
    *n_out = n;
    return SC_OK;
}

/* (type, start, reclaim descending): the first of windows opening together has the
 * largest reclaim.  Ties beyond that are equal windows for the merge. */
static int cmp_window(const void *x, const void *y)
{
    const sc_spot_stockout *a = x, *b = y;
    if (a->type != b->type)
        return (a->type > b->type) - (a->type < b->type);
    if (a->start_ms != b->start_ms)
        return (a->start_ms > b->start_ms) - (a->start_ms < b->start_ms);
    return (a->reclaim < b->reclaim) - (a->reclaim > b->reclaim);
}

size_t sc_spot_stockout_merge(sc_spot_stockout *w, size_t n)
{
    if (n == 0)
        return 0;
    qsort(w, n, sizeof *w, cmp_window);
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        if (m > 0 && w[m - 1].type == w[i].type &&
            w[i].start_ms <= w[m - 1].start_ms + w[m - 1].duration_ms) {
            sc_time_ms end = w[i].start_ms + w[i].duration_ms;
            if (end > w[m - 1].start_ms + w[m - 1].duration_ms)
                w[m - 1].duration_ms = end - w[m - 1].start_ms;
            continue;
        }
        w[m++] = w[i];
    }
    return m;
}

int sc_spot_stockout_at(const sc_region *r, int type, sc_time_ms t)
{
    for (size_t k = 0; k < r->n_spot_stockouts; k++) {
        const sc_spot_stockout *s = &r->spot_stockouts[k];
        if (s->type == type && t >= s->start_ms && t - s->start_ms < s->duration_ms)
            return 1;
    }
    return 0;
}
