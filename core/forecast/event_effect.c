/*
 * event_effect.c - pooled multiplicative event effects (sculpt/event_effect.h has the
 * method: log ratios to the same step L before and after, averaged per start-day
 * cluster, positive-part James-Stein shrinkage toward 0).
 *
 * Data structures: one pass over (series, applying event, event row) collects an
 * observation (kind, offset, start day, d) per usable row into a growing array; a sort
 * by (kind, offset, day) then groups clusters and (kind, offset) cells in one sweep.
 * Per series a byte mask marks the rows inside any applying event, so that reference
 * rows are normal days.  Cost O(rows in events * log) plus O(n) per series; allocation
 * only at fit time.  Deterministic: the sort key is total (ties on d cannot change a
 * mean), kinds are sorted by name.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/event_effect.h"

#define DAY_MS INT64_C(86400000)

typedef struct eobs {
    unsigned kind, off;
    int64_t day;      /* UTC day of the event's start: the cluster */
    double d;         /* log ratio to the references */
} eobs;

static int eobs_cmp(const void *a, const void *b)
{
    const eobs *x = a, *y = b;
    if (x->kind != y->kind)
        return x->kind < y->kind ? -1 : 1;
    if (x->off != y->off)
        return x->off < y->off ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    return (x->d > y->d) - (x->d < y->d);
}

static int kind_index(const sc_event_effect *e, const char *kind)
{
    for (size_t i = 0; i < e->nkinds; i++)
        if (strcmp(e->kind[i], kind) == 0)
            return (int)i;
    return -1;
}

/* Rows [k_lo, k_hi] of an event (overlap rule of exog.c) and the row of its start,
 * k_start (may be negative); 0 when no row of [0, n) is touched. */
static int event_rows(const sc_event *ev, sc_time_ms t0, int64_t step, size_t n,
                      int64_t *k_start, int64_t *k_lo, int64_t *k_hi)
{
    int64_t rel_s = ev->start_ms - t0, rel_e = ev->end_ms - t0;
    if (rel_e <= 0 || n == 0 || ev->end_ms <= ev->start_ms)
        return 0;
    *k_start = sc_time_floor_div(rel_s, step);
    *k_lo = *k_start < 0 ? 0 : *k_start;
    *k_hi = (rel_e - 1) / step;
    if (*k_lo >= (int64_t)n)
        return 0;
    if (*k_hi >= (int64_t)n)
        *k_hi = (int64_t)n - 1;
    return 1;
}

static int usable(const double *y, const unsigned char *mask, size_t n, int64_t k,
                  int64_t k_until)
{
    return k >= 0 && k < (int64_t)n && k < k_until && !mask[k] && isfinite(y[k]) &&
           y[k] > 0.0;
}

sc_status sc_event_effect_fit(const sc_event_feed *feed, const sc_event_series *series,
                              size_t nseries, int64_t step_ms, sc_time_ms until_ms,
                              size_t ref_lag, size_t len, sc_event_effect **out,
                              sc_error *err)
{
    static const char *who = "sc_event_effect_fit";
    if (!out)
        return sc_error_set(err, SC_ERR_INPUT, who, "NULL output");
    *out = NULL;
    if (!feed || (nseries && !series))
        return sc_error_set(err, SC_ERR_INPUT, who, "NULL argument");
    if (step_ms <= 0 || ref_lag == 0 || len < 1 || len > SC_EVENT_EFFECT_MAX_LEN)
        return sc_error_set(err, SC_ERR_INPUT, who,
                            "expected step_ms > 0, ref_lag > 0 and 1 <= len <= %d "
                            "(got %lld, %zu, %zu)",
                            SC_EVENT_EFFECT_MAX_LEN, (long long)step_ms, ref_lag, len);
    sc_event_effect *e = calloc(1, sizeof *e);
    if (!e)
        return sc_error_set(err, SC_ERR_NOMEM, who, "allocating the effect");
    e->step_ms = step_ms;
    e->len = len;
    /* kinds of the events applying to any series, sorted by name */
    for (size_t i = 0; i < feed->n; i++) {
        const sc_event *ev = &feed->events[i];
        int applies = 0;
        for (size_t s = 0; s < nseries && !applies; s++)
            applies = sc_event_applies(ev, series[s].app, series[s].geo);
        if (!applies || kind_index(e, ev->kind) >= 0)
            continue;
        if (e->nkinds == SC_EVENT_EFFECT_MAX_KINDS) {
            free(e);
            return sc_error_set(err, SC_ERR_RANGE, who, "more than %d event kinds",
                                SC_EVENT_EFFECT_MAX_KINDS);
        }
        size_t at = e->nkinds;
        while (at > 0 && strcmp(e->kind[at - 1], ev->kind) > 0) {
            memcpy(e->kind[at], e->kind[at - 1], sizeof e->kind[0]);
            at--;
        }
        snprintf(e->kind[at], SC_EVENT_NAME_MAX, "%s", ev->kind);
        e->nkinds++;
    }
    for (size_t k = 0; k < e->nkinds; k++)
        for (size_t j = 0; j < len; j++)
            e->raw[k][j] = e->se[k][j] = NAN;

    eobs *obs = NULL;
    size_t nobs = 0, cap = 0;
    sc_status st = SC_OK;
    for (size_t s = 0; s < nseries && st == SC_OK; s++) {
        const sc_event_series *ser = &series[s];
        if (!ser->y || !ser->app || !ser->geo) {
            st = sc_error_set(err, SC_ERR_INPUT, who, "series %zu: NULL member", s);
            break;
        }
        size_t n = ser->n;
        unsigned char *mask = calloc(n ? n : 1, 1);
        if (!mask) {
            st = sc_error_set(err, SC_ERR_NOMEM, who, "allocating a %zu-row mask", n);
            break;
        }
        int64_t ks, lo, hi;
        for (size_t i = 0; i < feed->n; i++) {
            const sc_event *ev = &feed->events[i];
            if (sc_event_applies(ev, ser->app, ser->geo) &&
                event_rows(ev, ser->t0, step_ms, n, &ks, &lo, &hi))
                memset(mask + lo, 1, (size_t)(hi - lo + 1));
        }
        /* rows at times < until_ms: k < ceil((until - t0) / step) */
        int64_t k_until = until_ms <= ser->t0 ? 0
                                                : (until_ms - ser->t0 + step_ms - 1) / step_ms;
        int64_t L = (int64_t)ref_lag;
        for (size_t i = 0; i < feed->n && st == SC_OK; i++) {
            const sc_event *ev = &feed->events[i];
            if (!sc_event_applies(ev, ser->app, ser->geo) ||
                !event_rows(ev, ser->t0, step_ms, n, &ks, &lo, &hi))
                continue;
            unsigned kind = (unsigned)kind_index(e, ev->kind);
            int any = 0;
            for (int64_t k = lo; k <= hi && k < k_until; k++) {
                if (!(isfinite(ser->y[k]) && ser->y[k] > 0.0))
                    continue;
                double ref = 0.0;
                int nref = 0;
                if (usable(ser->y, mask, n, k - L, k_until)) {
                    ref += log(ser->y[k - L]);
                    nref++;
                }
                if (usable(ser->y, mask, n, k + L, k_until)) {
                    ref += log(ser->y[k + L]);
                    nref++;
                }
                if (nref == 0)
                    continue;
                if (nobs == cap) {
                    size_t nc = cap ? 2 * cap : 1024;
                    eobs *p = realloc(obs, nc * sizeof *obs);
                    if (!p) {
                        st = sc_error_set(err, SC_ERR_NOMEM, who, "allocating %zu values", nc);
                        break;
                    }
                    obs = p;
                    cap = nc;
                }
                int64_t off = k - ks;
                obs[nobs++] = (eobs){kind, (unsigned)(off < (int64_t)len ? off : (int64_t)len - 1),
                                     sc_time_floor_div(ev->start_ms, DAY_MS),
                                     log(ser->y[k]) - ref / nref};
                any = 1;
            }
            e->events[kind] += (size_t)any;
        }
        free(mask);
    }
    if (st != SC_OK) {
        free(obs);
        free(e);
        return st;
    }
    if (nobs > 0)
        qsort(obs, nobs, sizeof *obs, eobs_cmp);
    /* sweep: cells (kind, off), clusters (day) within a cell */
    for (size_t i = 0; i < nobs;) {
        unsigned kind = obs[i].kind, off = obs[i].off;
        double sum = 0.0, sum2 = 0.0;
        size_t C = 0;
        while (i < nobs && obs[i].kind == kind && obs[i].off == off) {
            int64_t day = obs[i].day;
            double cs = 0.0;
            size_t cn = 0;
            for (; i < nobs && obs[i].kind == kind && obs[i].off == off && obs[i].day == day;
                 i++) {
                cs += obs[i].d;
                cn++;
            }
            double cm = cs / (double)cn;
            sum += cm;
            sum2 += cm * cm;
            C++;
        }
        double raw = sum / (double)C;
        e->raw[kind][off] = raw;
        e->clusters[kind][off] = C;
        if (C >= 2) {
            double var = (sum2 - (double)C * raw * raw) / (double)(C - 1);
            double se2 = (var > 0.0 ? var : 0.0) / (double)C;
            e->se[kind][off] = sqrt(se2);
            double shrink = raw != 0.0 ? 1.0 - se2 / (raw * raw) : 0.0;
            e->beta[kind][off] = shrink > 0.0 ? raw * shrink : 0.0;
        }
    }
    free(obs);
    *out = e;
    return SC_OK;
}

sc_status sc_event_effect_apply(const sc_event_effect *eff, const sc_event_feed *feed,
                                const char *app, const char *geo, sc_time_ms t0, double *y,
                                size_t n, int sign, sc_error *err)
{
    if (!eff || !feed || !app || !geo || (n && !y))
        return sc_error_set(err, SC_ERR_INPUT, "sc_event_effect_apply", "NULL argument");
    if (sign != 1 && sign != -1)
        return sc_error_set(err, SC_ERR_INPUT, "sc_event_effect_apply",
                            "sign must be +1 or -1, got %d", sign);
    int64_t ks, lo, hi;
    for (size_t i = 0; i < feed->n; i++) {
        const sc_event *ev = &feed->events[i];
        int kind = kind_index(eff, ev->kind);
        if (kind < 0 || !sc_event_applies(ev, app, geo) ||
            !event_rows(ev, t0, eff->step_ms, n, &ks, &lo, &hi))
            continue;
        for (int64_t k = lo; k <= hi; k++) {
            int64_t off = k - ks;
            if (off >= (int64_t)eff->len)
                off = (int64_t)eff->len - 1;
            y[k] *= exp((double)sign * eff->beta[kind][off]);
        }
    }
    return SC_OK;
}

void sc_event_effect_free(sc_event_effect *eff)
{
    free(eff);
}
