/*
 * mockroute.c - the propagation model of weighted routing mechanisms (design and the
 * formula in mockroute.h).
 *
 * P(t) is kept as breakpoints (bp_t[k], bp_p[k]); the moving average over (t - H, t]
 * sums the overlap of each piece with the window, so a share costs O(pieces in the
 * window x regions).  Pending changes are a FIFO: every route has one constant delay,
 * so changes publish in the order they were made.
 */
#include "mockroute.h"

#include <stdlib.h>
#include <string.h>

/* P from pub_w and healthy into p[nr] (rules in mockroute.h). */
static void published_of(const sc_mroute *rt, double *p)
{
    int nr = rt->nr;
    double sum = 0.0;
    for (int r = 0; r < nr; r++)
        sum += rt->healthy[r] && rt->pub_w[r] > 0 ? rt->pub_w[r] : 0;
    if (sum > 0) {
        for (int r = 0; r < nr; r++)
            p[r] = rt->healthy[r] && rt->pub_w[r] > 0 ? rt->pub_w[r] / sum : 0.0;
        return;
    }
    /* no healthy record with weight > 0: the healthy zero-weight records share equally */
    int n_zero = 0;
    for (int r = 0; r < nr; r++)
        n_zero += rt->healthy[r] && rt->pub_w[r] == 0;
    if (n_zero > 0) {
        for (int r = 0; r < nr; r++)
            p[r] = rt->healthy[r] && rt->pub_w[r] == 0 ? 1.0 / n_zero : 0.0;
        return;
    }
    /* none healthy: every record answers as if healthy, by weight (all zero: equally) */
    int n_rec = 0;
    for (int r = 0; r < nr; r++) {
        sum += rt->pub_w[r] > 0 ? rt->pub_w[r] : 0;
        n_rec += rt->pub_w[r] >= 0;
    }
    for (int r = 0; r < nr; r++)
        p[r] = sum > 0 ? (rt->pub_w[r] > 0 ? rt->pub_w[r] / sum : 0.0)
                       : (rt->pub_w[r] >= 0 ? 1.0 / (n_rec ? n_rec : 1) : 0.0);
}

/* Append a breakpoint at now with the current P (or overwrite one at now).  Returns 1
 * if P changed, 0 if not, -1 when out of memory. */
static int republish(sc_mroute *rt, sc_time_ms now)
{
    int nr = rt->nr;
    if (rt->n_bp == rt->cap_bp) {
        size_t nc = rt->cap_bp ? rt->cap_bp * 2 : 8;
        sc_time_ms *nt = realloc(rt->bp_t, nc * sizeof *nt);
        if (!nt)
            return -1;
        rt->bp_t = nt;
        double *np = realloc(rt->bp_p, nc * (size_t)nr * sizeof *np);
        if (!np)
            return -1;
        rt->bp_p = np;
        rt->cap_bp = nc;
    }
    double *p = rt->bp_p + rt->n_bp * (size_t)nr;
    published_of(rt, p);
    if (rt->n_bp > 0) {
        double *last = p - nr;
        if (memcmp(last, p, (size_t)nr * sizeof *p) == 0)
            return 0;
        if (rt->bp_t[rt->n_bp - 1] == now) {
            memcpy(last, p, (size_t)nr * sizeof *p);
            /* the piece now replaced may equal the one before it: merge */
            if (rt->n_bp > 1 && memcmp(last - nr, last, (size_t)nr * sizeof *p) == 0)
                rt->n_bp--;
            return 1;
        }
    }
    rt->bp_t[rt->n_bp++] = now;
    return 1;
}

sc_status sc_mroute_init(sc_mroute *rt, const sc_geo_routing *cfg, int nr, sc_time_ms start,
                         const unsigned char *healthy)
{
    memset(rt, 0, sizeof *rt);
    rt->cfg = cfg;
    rt->nr = nr;
    rt->cfg_w = calloc((size_t)nr, sizeof *rt->cfg_w);
    rt->pub_w = calloc((size_t)nr, sizeof *rt->pub_w);
    rt->healthy = calloc((size_t)nr, 1);
    if (!rt->cfg_w || !rt->pub_w || !rt->healthy) {
        sc_mroute_cleanup(rt);
        return SC_ERR_NOMEM;
    }
    for (int r = 0; r < nr; r++) {
        rt->cfg_w[r] = rt->pub_w[r] = cfg->weights ? cfg->weights[r] : 0;
        rt->healthy[r] = healthy ? healthy[r] != 0 : 1;
    }
    rt->tokens = cfg->change_burst;
    rt->token_t = start;
    if (republish(rt, start) < 0) {
        sc_mroute_cleanup(rt);
        return SC_ERR_NOMEM;
    }
    return SC_OK;
}

void sc_mroute_cleanup(sc_mroute *rt)
{
    free(rt->cfg_w);
    free(rt->pub_w);
    free(rt->healthy);
    free(rt->bp_t);
    free(rt->bp_p);
    free(rt->pend);
    memset(rt, 0, sizeof *rt);
}

int64_t sc_mroute_horizon_ms(const sc_mroute *rt)
{
    int64_t h = rt->cfg->hold_ms;
    if (rt->cfg->sticky_frac > 0 && rt->cfg->sticky_ms > h)
        h = rt->cfg->sticky_ms;
    return h;
}

int sc_mroute_set_weight(sc_mroute *rt, int region, int weight, sc_time_ms now,
                         sc_time_ms *publish_ms)
{
    double rate = rt->cfg->change_rate_per_sec;
    if (rate > 0) {
        double cap = rt->cfg->change_burst;
        double t = rt->tokens + (double)(now - rt->token_t) / 1000.0 * rate;
        rt->tokens = t > cap ? cap : t;
        rt->token_t = now;
        if (rt->tokens < 1.0)
            return 0;
        rt->tokens -= 1.0;
    }
    if (rt->pend_head + rt->n_pend == rt->cap_pend) {
        if (rt->pend_head > 0) {
            memmove(rt->pend, rt->pend + rt->pend_head, rt->n_pend * sizeof *rt->pend);
            rt->pend_head = 0;
        } else {
            size_t nc = rt->cap_pend ? rt->cap_pend * 2 : 8;
            sc_mroute_pending *np = realloc(rt->pend, nc * sizeof *np);
            if (!np)
                return -1;
            rt->pend = np;
            rt->cap_pend = nc;
        }
    }
    rt->cfg_w[region] = weight;
    *publish_ms = sc_time_add(now, rt->cfg->delay_ms);
    rt->pend[rt->pend_head + rt->n_pend++] = (sc_mroute_pending){*publish_ms, region, weight};
    return 1;
}

int sc_mroute_publish(sc_mroute *rt, sc_time_ms now)
{
    int any = 0;
    while (rt->n_pend > 0 && rt->pend[rt->pend_head].t <= now) {
        const sc_mroute_pending *pe = &rt->pend[rt->pend_head];
        rt->pub_w[pe->region] = pe->weight;
        rt->pend_head++;
        rt->n_pend--;
        any = 1;
    }
    if (rt->n_pend == 0)
        rt->pend_head = 0;
    return any ? republish(rt, now) : 0;
}

int sc_mroute_set_health(sc_mroute *rt, int region, int healthy, sc_time_ms now)
{
    if ((rt->healthy[region] != 0) == (healthy != 0))
        return 0;
    rt->healthy[region] = healthy != 0;
    return republish(rt, now);
}

/* Index of the piece holding t (the last breakpoint <= t; 0 before the first). */
static size_t piece_at(const sc_mroute *rt, sc_time_ms t)
{
    size_t lo = 0, hi = rt->n_bp; /* answer in [lo, hi) */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (rt->bp_t[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return lo;
}

void sc_mroute_published(const sc_mroute *rt, sc_time_ms t, double *out)
{
    memcpy(out, rt->bp_p + piece_at(rt, t) * (size_t)rt->nr, (size_t)rt->nr * sizeof *out);
}

/* out += wgt * A_H(t). */
static void add_average(const sc_mroute *rt, sc_time_ms t, int64_t h, double wgt, double *out)
{
    int nr = rt->nr;
    if (h <= 0) {
        const double *p = rt->bp_p + piece_at(rt, t) * (size_t)nr;
        for (int r = 0; r < nr; r++)
            out[r] += wgt * p[r];
        return;
    }
    sc_time_ms lo = t - h;
    size_t k = piece_at(rt, lo);
    for (; k < rt->n_bp && (k == 0 || rt->bp_t[k] < t); k++) {
        /* before the first breakpoint P is the initial one */
        sc_time_ms a = k == 0 || rt->bp_t[k] < lo ? lo : rt->bp_t[k];
        sc_time_ms b = k + 1 < rt->n_bp && rt->bp_t[k + 1] < t ? rt->bp_t[k + 1] : t;
        if (b <= a)
            continue;
        double f = wgt * (double)(b - a) / (double)h;
        const double *p = rt->bp_p + k * (size_t)nr;
        for (int r = 0; r < nr; r++)
            out[r] += f * p[r];
    }
}

void sc_mroute_share(const sc_mroute *rt, sc_time_ms t, double *out)
{
    for (int r = 0; r < rt->nr; r++)
        out[r] = 0.0;
    double f = rt->cfg->mech == SC_ROUTE_DNS ? rt->cfg->sticky_frac : 0.0;
    add_average(rt, t, rt->cfg->hold_ms, 1.0 - f, out);
    if (f > 0)
        add_average(rt, t, rt->cfg->sticky_ms, f, out);
}

void sc_mroute_prune(sc_mroute *rt, sc_time_ms t)
{
    sc_time_ms lo = t - sc_mroute_horizon_ms(rt);
    size_t k = piece_at(rt, lo);
    if (k == 0)
        return;
    size_t nr = (size_t)rt->nr;
    memmove(rt->bp_t, rt->bp_t + k, (rt->n_bp - k) * sizeof *rt->bp_t);
    memmove(rt->bp_p, rt->bp_p + k * nr, (rt->n_bp - k) * nr * sizeof *rt->bp_p);
    rt->n_bp -= k;
}
