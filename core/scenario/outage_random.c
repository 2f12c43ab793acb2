/*
 * outage_random.c - random region outages from MTBF and MTTR (outage_random.h).
 *
 * A region with $.regions[i].mtbf and mttr fails and recovers as an alternating renewal
 * process with exponential up-times (mean mtbf) and exponential down-times (mean mttr),
 * the textbook two-state availability model (e.g. Trivedi, "Probability and Statistics
 * with Reliability, Queuing and Computer Science Applications", 2nd ed., section 8.2.1:
 * steady-state availability mtbf / (mtbf + mttr)).  The region is up when the run begins
 * (warm-up start); a window that reaches the end of the run is cut there.
 *
 * Common random numbers: the k-th up-time and down-time are pure functions of (scenario
 * seed, SC_RNG_OUTAGE, hash of the region's name, k, up or down), drawn by inverse
 * transform from one counter-based uniform each (rng.h).  They are drawn once, when the
 * scenario is loaded, so every policy of a run, every thread and every rank sees the
 * same windows; renaming or reordering other regions does not change a region's draws.
 *
 * The random windows (lost = 1: the region is down) are merged with the scheduled ones
 * ($.regions[i].outages) by taking, at every instant, the larger fraction lost
 * (sc_outage_merge).  The merge is a sweep over the sorted window boundaries with one
 * cursor per list; both lists are in order and not overlapping, so it is linear after
 * the sort.
 */
#include "outage_random.h"

#include <math.h>
#include <stdlib.h>

#include "sculpt/rng.h"

int64_t sc_renewal_exp_ms(uint64_t key, int64_t mean_ms)
{
    double u = sc_rng_u01(key); /* in (0, 1): -ln(u) is in (0, 37.5) */
    double t = ceil(-(double)mean_ms * log(u));
    return t < 1.0 ? 1 : (int64_t)t;
}

sc_status sc_renewal_draw(sc_renewal_time_fn time, const void *ctx, int64_t mtbf_ms,
                          int64_t mttr_ms, sc_time_ms t0_ms, sc_time_ms t1_ms, size_t max,
                          sc_time_ms **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    sc_time_ms *w = NULL; /* start, duration pairs */
    size_t n = 0, cap = 0;
    sc_time_ms t = t0_ms;
    for (uint64_t k = 0; t < t1_ms; k++) {
        sc_time_ms start = t + time(ctx, k, 0, mtbf_ms);
        if (start >= t1_ms)
            break;
        int64_t down = time(ctx, k, 1, mttr_ms);
        if (n == max) {
            free(w);
            return SC_ERR_INPUT;
        }
        if (n == cap) {
            size_t nc = cap ? 2 * cap : 16;
            sc_time_ms *g = realloc(w, 2 * nc * sizeof *g);
            if (!g) {
                free(w);
                return SC_ERR_NOMEM;
            }
            w = g;
            cap = nc;
        }
        w[2 * n] = start;
        w[2 * n + 1] = down < t1_ms - start ? down : t1_ms - start;
        n++;
        t = start + down;
    }
    *out = w;
    *n_out = n;
    return SC_OK;
}

struct region_key {
    uint64_t seed;
    const char *region;
};

int64_t sc_outage_random_time(uint64_t seed, const char *region, uint64_t k, int down,
                              int64_t mean_ms)
{
    return sc_renewal_exp_ms(sc_rng_key(seed, SC_RNG_OUTAGE, sc_rng_hash_str(region), k,
                                        down ? 1u : 0u),
                             mean_ms);
}

static int64_t outage_time(const void *ctx, uint64_t k, int down, int64_t mean_ms)
{
    const struct region_key *rk = ctx;
    return sc_outage_random_time(rk->seed, rk->region, k, down, mean_ms);
}

sc_status sc_outage_random_draw(uint64_t seed, const char *region, int64_t mtbf_ms,
                                int64_t mttr_ms, sc_time_ms t0_ms, sc_time_ms t1_ms,
                                sc_outage **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    struct region_key rk = {seed, region};
    sc_time_ms *sd;
    size_t n;
    sc_status st = sc_renewal_draw(outage_time, &rk, mtbf_ms, mttr_ms, t0_ms, t1_ms,
                                   SC_OUTAGE_RANDOM_WINDOWS_MAX, &sd, &n);
    if (st != SC_OK || n == 0)
        return st;
    sc_outage *w = malloc(n * sizeof *w);
    if (!w) {
        free(sd);
        return SC_ERR_NOMEM;
    }
    for (size_t i = 0; i < n; i++) {
        w[i].start_ms = sd[2 * i];
        w[i].duration_ms = sd[2 * i + 1];
        w[i].lost = 1.0;
    }
    free(sd);
    *out = w;
    *n_out = n;
    return SC_OK;
}

static int cmp_time(const void *x, const void *y)
{
    sc_time_ms a = *(const sc_time_ms *)x, b = *(const sc_time_ms *)y;
    return (a > b) - (a < b);
}

/* The fraction list l loses at instant x; *i is its cursor (only moves forward). */
static double lost_at(const sc_outage *l, size_t n, size_t *i, sc_time_ms x)
{
    while (*i < n && l[*i].start_ms + l[*i].duration_ms <= x)
        (*i)++;
    return *i < n && l[*i].start_ms <= x ? l[*i].lost : 0.0;
}

sc_status sc_outage_merge(const sc_outage *a, size_t na, const sc_outage *b, size_t nb,
                          sc_outage **out, size_t *n_out)
{
    *out = NULL;
    *n_out = 0;
    size_t nt = 2 * (na + nb);
    if (nt == 0)
        return SC_OK;
    sc_time_ms *bt = malloc(nt * sizeof *bt);
    /* at most one window per elementary interval: nt - 1 */
    sc_outage *w = malloc(nt * sizeof *w);
    if (!bt || !w) {
        free(bt);
        free(w);
        return SC_ERR_NOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < na; i++) {
        bt[m++] = a[i].start_ms;
        bt[m++] = a[i].start_ms + a[i].duration_ms;
    }
    for (size_t i = 0; i < nb; i++) {
        bt[m++] = b[i].start_ms;
        bt[m++] = b[i].start_ms + b[i].duration_ms;
    }
    qsort(bt, m, sizeof *bt, cmp_time);
    size_t u = 0; /* unique boundaries */
    for (size_t i = 0; i < m; i++)
        if (u == 0 || bt[i] != bt[u - 1])
            bt[u++] = bt[i];
    size_t ia = 0, ib = 0, n = 0;
    for (size_t j = 0; j + 1 < u; j++) {
        sc_time_ms x = bt[j], y = bt[j + 1];
        double la = lost_at(a, na, &ia, x), lb = lost_at(b, nb, &ib, x);
        double l = la > lb ? la : lb;
        if (l <= 0.0)
            continue;
        if (n > 0 && w[n - 1].start_ms + w[n - 1].duration_ms == x && w[n - 1].lost == l) {
            w[n - 1].duration_ms += y - x;
            continue;
        }
        w[n].start_ms = x;
        w[n].duration_ms = y - x;
        w[n].lost = l;
        n++;
    }
    free(bt);
    if (n == 0) {
        free(w);
        return SC_OK;
    }
    *out = w;
    *n_out = n;
    return SC_OK;
}
