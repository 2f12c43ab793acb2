/*
 * optimizer.c - the optimizer registry, the wrappers that are the only callers of an
 * optimizer's methods, problem and solution storage, and the exact evaluation of a
 * given integer allocation (optimizer.h).
 *
 * Evaluation routes demand greedily: per step, the (geography, quantile segment,
 * region) triple of highest marginal value penalty * B_q - egress[g][r] takes as much of
 * the region's remaining serving capacity as its segment is wide, until no triple has a
 * positive value.  A geography's segments are taken in order because B_q decreases in q.
 * The greedy is the optimal routing whenever each geography can use one region or no
 * region is short of capacity (the cases the tests and the demo meet); otherwise it is
 * feasible, so its cost is an upper bound of the optimal routing's.
 *
 * After every solve the wrapper diagnoses what could not be met (unmet bits): a
 * geography with demand but no region within its latency bound, demand above the
 * capacity reachable at the limits, and a min_instances above the limits.
 */
#include "sculpt/optimizer.h"

#include <math.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cjson/cJSON.h>
#include <glpk.h>

#include "optint.h"

/* ---- names ---------------------------------------------------------------------- */

static const char *const bind_names[] = {"capacity", "quota",  "max_instances",
                                         "min_instances", "lead_time", "flap_budget",
                                         "reserved", "latency", "budget", "spot_share"};

const char *sc_opt_bind_name(unsigned bit)
{
    for (unsigned i = 0; i < sizeof bind_names / sizeof bind_names[0]; i++)
        if (bit == (1u << i))
            return bind_names[i];
    return "none";
}

char *sc_opt_bind_names(unsigned mask, char *buf, size_t len)
{
    if (!buf || len == 0)
        return buf;
    buf[0] = '\0';
    size_t used = 0;
    for (unsigned i = 0; i < sizeof bind_names / sizeof bind_names[0]; i++) {
        if (!(mask & (1u << i)))
            continue;
        int n = snprintf(buf + used, len - used, "%s%s", used ? "," : "", bind_names[i]);
        if (n < 0 || (size_t)n >= len - used)
            break;
        used += (size_t)n;
    }
    if (used == 0)
        snprintf(buf, len, "none");
    return buf;
}

/* ---- problem -------------------------------------------------------------------- */

void sc_opt_problem_init(sc_opt_problem *p)
{
    memset(p, 0, sizeof *p);
    p->serve_util = 1.0;
    p->max_inst = -1;
    p->spot_max_share = 1.0;
    p->flap_budget = -1.0;
    p->may_buy_reserved = 0;
}

sc_status sc_opt_problem_alloc(int n_regions, int n_geos, int n_steps, int n_quant,
                               sc_opt_problem_buf **out, sc_error *err)
{
    *out = NULL;
    if (n_regions < 1 || n_geos < 1 || n_steps < 1 || n_quant < 1 || n_regions > 100000 ||
        n_geos > 100000 || n_steps > 1000000 || n_quant > 1000)
        return sc_error_set(err, SC_ERR_RANGE, "optimizer problem",
                            "dimensions R=%d G=%d K=%d Q=%d out of range", n_regions, n_geos,
                            n_steps, n_quant);
    sc_opt_problem_buf *b = calloc(1, sizeof *b);
    if (!b)
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer problem", "out of memory");
    size_t R = (size_t)n_regions, G = (size_t)n_geos, K = (size_t)n_steps, Q = (size_t)n_quant;
    b->qlevel = calloc(Q, sizeof *b->qlevel);
    b->demand = calloc(G * K * Q, sizeof *b->demand);
    b->price = calloc(R * SC_PURCHASE_COUNT, sizeof *b->price);
    b->egress_per_ieq_hour = calloc(G * R, sizeof *b->egress_per_ieq_hour);
    b->cap_limit = calloc(R, sizeof *b->cap_limit);
    b->spot_loss = calloc(R, sizeof *b->spot_loss);
    b->route_ok = calloc(G * R, sizeof *b->route_ok);
    b->cap_kind = calloc(R, sizeof *b->cap_kind);
    b->min_inst = calloc(R, sizeof *b->min_inst);
    b->current = calloc(R * SC_PURCHASE_COUNT, sizeof *b->current);
    b->lead_steps = calloc(R, sizeof *b->lead_steps);
    b->route_serve_util = calloc(G * R, sizeof *b->route_serve_util);
    if (!b->route_serve_util || !b->qlevel || !b->demand || !b->price || !b->egress_per_ieq_hour || !b->cap_limit ||
        !b->spot_loss || !b->route_ok || !b->cap_kind || !b->min_inst || !b->current ||
        !b->lead_steps) {
        sc_opt_problem_free(b);
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer problem", "out of memory");
    }
    for (size_t i = 0; i < G * R; i++)
        b->route_ok[i] = 1;
    for (size_t r = 0; r < R; r++) {
        b->cap_limit[r] = -1.0;
        b->cap_kind[r] = SC_OPT_BIND_CAPACITY;
    }
    for (size_t q = 0; q < Q; q++)
        b->qlevel[q] = (double)(q + 1) / (double)(Q + 1);
    sc_opt_problem *p = &b->p;
    sc_opt_problem_init(p);
    p->n_regions = n_regions;
    p->n_geos = n_geos;
    p->n_steps = n_steps;
    p->n_quant = n_quant;
    p->step_ms = SC_MS_PER_HOUR;
    p->qlevel = b->qlevel;
    p->demand = b->demand;
    p->price = b->price;
    p->route_ok = b->route_ok;
    p->egress_per_ieq_hour = b->egress_per_ieq_hour;
    p->cap_limit = b->cap_limit;
    p->cap_kind = b->cap_kind;
    p->min_inst = b->min_inst;
    p->current = b->current;
    p->lead_steps = b->lead_steps;
    p->spot_loss = b->spot_loss;
    p->route_serve_util = b->route_serve_util;
    *out = b;
    return SC_OK;
}

void sc_opt_problem_free(sc_opt_problem_buf *b)
{
    if (!b)
        return;
    free(b->qlevel);
    free(b->demand);
    free(b->price);
    free(b->egress_per_ieq_hour);
    free(b->cap_limit);
    free(b->spot_loss);
    free(b->route_ok);
    free(b->cap_kind);
    free(b->min_inst);
    free(b->current);
    free(b->lead_steps);
    free(b->route_serve_util);
    free(b);
}

sc_status sc_opt_problem_check(const sc_opt_problem *p, sc_error *err)
{
    const char *w = "optimizer problem";
    if (!p)
        return sc_error_set(err, SC_ERR_INPUT, w, "no problem");
    if (p->n_regions < 1 || p->n_geos < 1 || p->n_steps < 1 || p->n_quant < 1)
        return sc_error_set(err, SC_ERR_INPUT, w, "dimensions must be >= 1 (R=%d G=%d K=%d Q=%d)",
                            p->n_regions, p->n_geos, p->n_steps, p->n_quant);
    if (p->step_ms <= 0)
        return sc_error_set(err, SC_ERR_INPUT, w, "step_ms: expected > 0");
    if (!p->qlevel || !p->demand || !p->price || !p->route_ok || !p->current || !p->lead_steps)
        return sc_error_set(err, SC_ERR_INPUT, w,
                            "qlevel, demand, price, route_ok, current, lead_steps are required");
    for (int q = 0; q < p->n_quant; q++)
        if (!(p->qlevel[q] > 0 && p->qlevel[q] < 1) || (q > 0 && !(p->qlevel[q] > p->qlevel[q - 1])))
            return sc_error_set(err, SC_ERR_INPUT, w,
                                "qlevel[%d] = %g: expected strictly increasing levels in (0,1)", q,
                                p->qlevel[q]);
    if (!(p->serve_util > 0 && p->serve_util <= 1))
        return sc_error_set(err, SC_ERR_INPUT, w, "serve_util = %g: expected (0, 1]",
                            p->serve_util);
    if (!(p->penalty_per_ieq_hour >= 0) || !isfinite(p->penalty_per_ieq_hour))
        return sc_error_set(err, SC_ERR_INPUT, w, "penalty_per_ieq_hour: expected >= 0");
    if (!(p->spot_max_share >= 0 && p->spot_max_share <= 1))
        return sc_error_set(err, SC_ERR_INPUT, w, "spot_max_share: expected [0, 1]");
    if (isnan(p->flap_budget))
        return sc_error_set(err, SC_ERR_INPUT, w, "flap_budget: NaN");
    for (int r = 0; r < p->n_regions; r++) {
        for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
            double pr = p->price[r * SC_PURCHASE_COUNT + o];
            if (!isnan(pr) && !(pr >= 0 && isfinite(pr)))
                return sc_error_set(err, SC_ERR_INPUT, w,
                                    "price[%d][%s] = %g: expected >= 0 or NaN", r,
                                    sc_purchase_name((sc_purchase)o), pr);
            if (p->current[r * SC_PURCHASE_COUNT + o] < 0)
                return sc_error_set(err, SC_ERR_INPUT, w, "current[%d][%s] < 0", r,
                                    sc_purchase_name((sc_purchase)o));
        }
        if (p->lead_steps[r] < 0)
            return sc_error_set(err, SC_ERR_INPUT, w, "lead_steps[%d] < 0", r);
        if (p->spot_loss && !(p->spot_loss[r] >= 0 && p->spot_loss[r] < 1))
            return sc_error_set(err, SC_ERR_INPUT, w, "spot_loss[%d]: expected [0, 1)", r);
        if (p->cap_limit && isnan(p->cap_limit[r]))
            return sc_error_set(err, SC_ERR_INPUT, w, "cap_limit[%d]: NaN", r);
        if (p->min_inst && p->min_inst[r] < 0)
            return sc_error_set(err, SC_ERR_INPUT, w, "min_inst[%d] < 0", r);
    }
    if (p->egress_per_ieq_hour)
        for (int i = 0; i < p->n_geos * p->n_regions; i++)
            if (!(p->egress_per_ieq_hour[i] >= 0) || !isfinite(p->egress_per_ieq_hour[i]))
                return sc_error_set(err, SC_ERR_INPUT, w, "egress_per_ieq_hour[%d]: expected >= 0",
                                    i);
    if (p->route_serve_util)
        for (int i = 0; i < p->n_geos * p->n_regions; i++)
            if (!(p->route_serve_util[i] >= 0 && p->route_serve_util[i] <= 1))
                return sc_error_set(err, SC_ERR_INPUT, w,
                                    "route_serve_util[%d] = %g: expected [0, 1] (0 = serve_util)",
                                    i, p->route_serve_util[i]);
    return SC_OK;
}

/* ---- the discrete reading of the quantiles ---------------------------------------- */

double sc_opt_dq(const sc_opt_problem *p, int g, int k, int q)
{
    const double *d = p->demand + ((size_t)g * (size_t)p->n_steps + (size_t)k) * (size_t)p->n_quant;
    double v = 0.0;
    for (int j = 0; j <= q; j++) {
        double x = d[j];
        if (x > v && isfinite(x))
            v = x;
    }
    return v;
}

double sc_opt_wq(const sc_opt_problem *p, int q)
{
    int Q = p->n_quant;
    if (Q == 1)
        return 1.0;
    double lo = q == 0 ? 0.0 : 0.5 * (p->qlevel[q - 1] + p->qlevel[q]);
    double hi = q == Q - 1 ? 1.0 : 0.5 * (p->qlevel[q] + p->qlevel[q + 1]);
    return hi - lo;
}

double sc_opt_bq(const sc_opt_problem *p, int q)
{
    /* B_q = 1 - (lower edge of atom q's probability interval). */
    if (q == 0)
        return 1.0;
    return 1.0 - 0.5 * (p->qlevel[q - 1] + p->qlevel[q]);
}

double sc_opt_hours(const sc_opt_problem *p)
{
    return (double)p->step_ms / 3.6e6;
}

int sc_opt_offered(const sc_opt_problem *p, int r, int o)
{
    return isfinite(p->price[r * SC_PURCHASE_COUNT + o]);
}

double sc_opt_upper(const sc_opt_problem *p, int r)
{
    double u = -1.0;
    if (p->cap_limit && p->cap_limit[r] >= 0)
        u = floor(p->cap_limit[r] + 1e-9);
    if (p->max_inst >= 0 && (u < 0 || p->max_inst < u))
        u = p->max_inst;
    if (u >= 0 && sc_opt_offered(p, r, SC_PURCHASE_RESERVED)) {
        double res = p->current[r * SC_PURCHASE_COUNT + SC_PURCHASE_RESERVED];
        if (res > u)
            u = res;
    }
    return u;
}

double sc_opt_lower(const sc_opt_problem *p, int r, int k)
{
    double lo = p->min_inst ? p->min_inst[r] : 0;
    double up = sc_opt_upper(p, r);
    if (up >= 0 && lo > up)
        lo = up;
    if (k < p->lead_steps[r]) {
        double cur = 0;
        for (int o = 0; o < SC_PURCHASE_COUNT; o++)
            if (sc_opt_offered(p, r, o))
                cur += p->current[r * SC_PURCHASE_COUNT + o];
        if (lo > cur)
            lo = cur;
    }
    /* No option offered at all: nothing can be held. */
    if (!sc_opt_offered(p, r, 0) && !sc_opt_offered(p, r, 1) && !sc_opt_offered(p, r, 2))
        lo = 0;
    return lo;
}

/* ---- solutions ------------------------------------------------------------------ */

sc_status sc_opt_solution_alloc(int n_regions, int n_geos, int n_steps, int n_quant,
                                sc_opt_solution **out, sc_error *err)
{
    *out = NULL;
    if (n_regions < 1 || n_geos < 1 || n_steps < 1 || n_quant < 1)
        return sc_error_set(err, SC_ERR_RANGE, "optimizer solution", "dimensions must be >= 1");
    sc_opt_solution *s = calloc(1, sizeof *s);
    if (!s)
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer solution", "out of memory");
    size_t R = (size_t)n_regions, G = (size_t)n_geos, K = (size_t)n_steps;
    s->n_regions = n_regions;
    s->n_geos = n_geos;
    s->n_steps = n_steps;
    s->n_quant = n_quant;
    s->x = calloc(R * SC_PURCHASE_COUNT * K, sizeof *s->x);
    s->x_relaxed = calloc(R * SC_PURCHASE_COUNT * K, sizeof *s->x_relaxed);
    s->routed = calloc(G * R * K, sizeof *s->routed);
    s->served = calloc(G * K, sizeof *s->served);
    s->shortfall = calloc(G * K, sizeof *s->shortfall);
    s->cover = calloc(G * K, sizeof *s->cover);
    s->binding = calloc(R * K, sizeof *s->binding);
    if (!s->x || !s->x_relaxed || !s->routed || !s->served || !s->shortfall || !s->cover ||
        !s->binding) {
        sc_opt_solution_free(s);
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer solution", "out of memory");
    }
    *out = s;
    return SC_OK;
}

void sc_opt_solution_free(sc_opt_solution *s)
{
    if (!s)
        return;
    free(s->x);
    free(s->x_relaxed);
    free(s->routed);
    free(s->served);
    free(s->shortfall);
    free(s->cover);
    free(s->binding);
    free(s);
}

/* ---- evaluation ----------------------------------------------------------------- */

static double serving_capacity(const sc_opt_problem *p, const int *x, int r, int k)
{
    double loss = p->spot_loss ? p->spot_loss[r] : 0.0;
    double n = 0.0;
    if (sc_opt_offered(p, r, SC_PURCHASE_ONDEMAND))
        n += x[SC_OPT_X(p, r, SC_PURCHASE_ONDEMAND, k)];
    if (sc_opt_offered(p, r, SC_PURCHASE_RESERVED))
        n += x[SC_OPT_X(p, r, SC_PURCHASE_RESERVED, 0)];
    if (sc_opt_offered(p, r, SC_PURCHASE_SPOT))
        n += (1.0 - loss) * x[SC_OPT_X(p, r, SC_PURCHASE_SPOT, k)];
    return p->serve_util * n;
}

static int total_at(const sc_opt_problem *p, const int *x, int r, int k)
{
    int n = 0;
    for (int o = 0; o < SC_PURCHASE_COUNT; o++)
        if (sc_opt_offered(p, r, o))
            n += x[SC_OPT_X(p, r, o, o == SC_PURCHASE_RESERVED ? 0 : k)];
    return n;
}

void sc_opt_fill(const sc_opt_problem *p, const int *x, const double *routed,
                 sc_opt_solution *sol)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    double h = sc_opt_hours(p);
    size_t nx = (size_t)R * SC_PURCHASE_COUNT * (size_t)K;
    if (sol->x != x)
        memcpy(sol->x, x, nx * sizeof *x);
    if (sol->routed != routed)
        memcpy(sol->routed, routed, (size_t)G * R * K * sizeof *routed);
    double cost = 0.0, egress = 0.0, pen = 0.0;
    for (int r = 0; r < R; r++) {
        for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
            if (!sc_opt_offered(p, r, o))
                continue;
            double pr = p->price[r * SC_PURCHASE_COUNT + o];
            for (int k = 0; k < K; k++)
                cost += pr * h * x[SC_OPT_X(p, r, o, o == SC_PURCHASE_RESERVED ? 0 : k)];
        }
    }
    for (int g = 0; g < G; g++) {
        for (int k = 0; k < K; k++) {
            double s = 0.0;
            for (int r = 0; r < R; r++) {
                double y = routed[(SC_OPT_GR(p, g, r)) * (size_t)K + (size_t)k];
                s += y;
                if (p->egress_per_ieq_hour)
                    egress += p->egress_per_ieq_hour[SC_OPT_GR(p, g, r)] * h * y;
            }
            double sf = 0.0, cov = 0.0, d = 0.0;
            const double *dk = p->demand + SC_OPT_GK(p, g, k) * (size_t)Q;
            for (int q = 0; q < Q; q++) {
                /* d = sc_opt_dq(p, g, k, q), as a running maximum */
                if (dk[q] > d && isfinite(dk[q]))
                    d = dk[q];
                double w = sc_opt_wq(p, q);
                if (d > s)
                    sf += w * (d - s);
                if (d <= s + 1e-9)
                    cov += w;
            }
            sol->served[SC_OPT_GK(p, g, k)] = s;
            sol->shortfall[SC_OPT_GK(p, g, k)] = sf;
            sol->cover[SC_OPT_GK(p, g, k)] = cov > 1.0 ? 1.0 : cov;
            pen += p->penalty_per_ieq_hour * h * sf;
        }
    }
    sol->cost_instances_usd = cost;
    sol->cost_egress_usd = egress;
    sol->penalty_usd = pen;
    sol->objective_usd = cost + egress + pen;

    /* Binding constraints at the integer x. */
    double flap_used = 0.0;
    for (int r = 0; r < R; r++) {
        flap_used = 0.0;
        if (p->flap_budget >= 0) {
            for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
                if (!sc_opt_offered(p, r, o))
                    continue;
                int prev = p->current[r * SC_PURCHASE_COUNT + o];
                if (o == SC_PURCHASE_RESERVED) {
                    flap_used += fabs((double)x[SC_OPT_X(p, r, o, 0)] - prev);
                    continue;
                }
                for (int k = 0; k < K; k++) {
                    int v = x[SC_OPT_X(p, r, o, k)];
                    flap_used += fabs((double)v - prev);
                    prev = v;
                }
            }
        }
        double up = sc_opt_upper(p, r);
        unsigned kind = p->cap_kind ? p->cap_kind[r] : SC_OPT_BIND_CAPACITY;
        int curtot = 0;
        for (int o = 0; o < SC_PURCHASE_COUNT; o++)
            if (sc_opt_offered(p, r, o))
                curtot += p->current[r * SC_PURCHASE_COUNT + o];
        for (int k = 0; k < K; k++) {
            unsigned b = 0;
            int n = total_at(p, x, r, k);
            if (up >= 0 && n >= up - 0.5) {
                if (p->max_inst >= 0 && n >= p->max_inst)
                    b |= SC_OPT_BIND_MAX_INST;
                if (!(p->max_inst >= 0 && up >= p->max_inst))
                    b |= kind ? kind : SC_OPT_BIND_CAPACITY;
            }
            double lo = sc_opt_lower(p, r, k);
            if (lo > 0 && n <= lo + 0.5)
                b |= SC_OPT_BIND_MIN_INST;
            if (p->flap_budget >= 0 && flap_used >= p->flap_budget - 0.5)
                b |= SC_OPT_BIND_FLAP;
            if (sc_opt_offered(p, r, SC_PURCHASE_RESERVED) && !p->may_buy_reserved &&
                p->current[r * SC_PURCHASE_COUNT + SC_PURCHASE_RESERVED] > 0)
                b |= SC_OPT_BIND_RESERVED;
            if (k < p->lead_steps[r] && n >= curtot) {
                /* Held at the current count while a geography it serves falls short. */
                for (int g = 0; g < G; g++)
                    if (p->route_ok[SC_OPT_GR(p, g, r)] &&
                        sol->shortfall[SC_OPT_GK(p, g, k)] > 1e-9) {
                        b |= SC_OPT_BIND_LEAD;
                        break;
                    }
            }
            if (p->spot_max_share < 1 && sc_opt_offered(p, r, SC_PURCHASE_SPOT)) {
                int sp = x[SC_OPT_X(p, r, SC_PURCHASE_SPOT, k)];
                if (sp > 0 && sp + 1 > p->spot_max_share * (n + 1))
                    b |= SC_OPT_BIND_SPOT_SHARE;
            }
            sol->binding[SC_OPT_RK(p, r, k)] = b;
        }
    }
}

void sc_opt_evaluate(const sc_opt_problem *p, const int *x, sc_opt_solution *sol)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    size_t RK = (size_t)R * (size_t)K;
    /* Scratch, so evaluation never allocates: x_relaxed holds the used capacity
     * [r*K+k] and the serving capacity [RK + r*K+k]; served holds the progress of each
     * geography.  x_relaxed is left undefined (callers that want it set it after). */
    double *used = sol->x_relaxed, *capy = sol->x_relaxed + RK;
    memset(sol->routed, 0, (size_t)G * R * K * sizeof *sol->routed);
    for (int k = 0; k < K; k++) {
        for (int r = 0; r < R; r++) {
            used[SC_OPT_RK(p, r, k)] = 0.0;
            capy[SC_OPT_RK(p, r, k)] = serving_capacity(p, x, r, k);
        }
        for (int g = 0; g < G; g++)
            sol->served[SC_OPT_GK(p, g, k)] = 0.0;
        for (;;) {
            double best = 0.0, bwidth = 0.0;
            int bg = -1, br = -1;
            for (int g = 0; g < G; g++) {
                double s = sol->served[SC_OPT_GK(p, g, k)];
                int q = 0;
                while (q < Q && sc_opt_dq(p, g, k, q) <= s + 1e-12)
                    q++;
                if (q == Q)
                    continue;
                double width = sc_opt_dq(p, g, k, q) - s;
                double val = p->penalty_per_ieq_hour * sc_opt_bq(p, q);
                for (int r = 0; r < R; r++) {
                    if (!p->route_ok[SC_OPT_GR(p, g, r)])
                        continue;
                    /* a route at a lower utilisation takes f units of capacity per ieq */
                    double f = sc_opt_route_factor(p, g, r);
                    double cap = (capy[SC_OPT_RK(p, r, k)] - used[SC_OPT_RK(p, r, k)]) / f;
                    if (cap <= 1e-12)
                        continue;
                    double net = val - (p->egress_per_ieq_hour
                                            ? p->egress_per_ieq_hour[SC_OPT_GR(p, g, r)]
                                            : 0.0);
                    if (net > best + 1e-15) {
                        best = net;
                        bg = g;
                        br = r;
                        bwidth = width < cap ? width : cap;
                    }
                }
            }
            if (bg < 0)
                break;
            sol->routed[SC_OPT_GR(p, bg, br) * (size_t)K + (size_t)k] += bwidth;
            used[SC_OPT_RK(p, br, k)] += bwidth * sc_opt_route_factor(p, bg, br);
            sol->served[SC_OPT_GK(p, bg, k)] += bwidth;
        }
    }
    sc_opt_fill(p, x, sol->routed, sol);
}

int sc_opt_check_x(const sc_opt_problem *p, const int *x, char *why, size_t len)
{
    int R = p->n_regions, K = p->n_steps;
    char tmp[8];
    if (!why) {
        why = tmp;
        len = sizeof tmp;
    }
    for (int r = 0; r < R; r++) {
        double up = sc_opt_upper(p, r);
        int cres = p->current[r * SC_PURCHASE_COUNT + SC_PURCHASE_RESERVED];
        double flap = 0.0;
        for (int o = 0; o < SC_PURCHASE_COUNT; o++) {
            int cur = p->current[r * SC_PURCHASE_COUNT + o];
            int prev = cur;
            for (int k = 0; k < K; k++) {
                int v = x[SC_OPT_X(p, r, o, k)];
                if (v < 0) {
                    snprintf(why, len, "x[%d][%d][%d] < 0", r, o, k);
                    return 0;
                }
                if (!sc_opt_offered(p, r, o) && v != 0) {
                    snprintf(why, len, "region %d option %s not offered", r,
                             sc_purchase_name((sc_purchase)o));
                    return 0;
                }
                if (o == SC_PURCHASE_RESERVED) {
                    if (v != x[SC_OPT_X(p, r, o, 0)]) {
                        snprintf(why, len, "reserved count of region %d varies over time", r);
                        return 0;
                    }
                    continue;
                }
                if (k < p->lead_steps[r] && v > cur) {
                    snprintf(why, len, "region %d %s step %d: %d > current %d before lead", r,
                             sc_purchase_name((sc_purchase)o), k, v, cur);
                    return 0;
                }
                flap += fabs((double)v - prev);
                prev = v;
            }
        }
        if (sc_opt_offered(p, r, SC_PURCHASE_RESERVED)) {
            int v = x[SC_OPT_X(p, r, SC_PURCHASE_RESERVED, 0)];
            if (v < cres || (!p->may_buy_reserved && v != cres)) {
                snprintf(why, len, "region %d reserved %d vs commitment %d", r, v, cres);
                return 0;
            }
            flap += v - cres;
        }
        if (p->flap_budget >= 0 && flap > p->flap_budget + 1e-9) {
            snprintf(why, len, "region %d flap %g > budget %g", r, flap, p->flap_budget);
            return 0;
        }
        for (int k = 0; k < K; k++) {
            int n = total_at(p, x, r, k);
            if (up >= 0 && n > up + 1e-9) {
                snprintf(why, len, "region %d step %d: %d instances > limit %g", r, k, n, up);
                return 0;
            }
            if (n < sc_opt_lower(p, r, k) - 1e-9) {
                snprintf(why, len, "region %d step %d: %d instances < min %g", r, k, n,
                         sc_opt_lower(p, r, k));
                return 0;
            }
            if (sc_opt_offered(p, r, SC_PURCHASE_SPOT)) {
                int sp = x[SC_OPT_X(p, r, SC_PURCHASE_SPOT, k)];
                if (sp > p->spot_max_share * n + 1e-9) {
                    snprintf(why, len, "region %d step %d: spot %d above share %g of %d", r, k,
                             sp, p->spot_max_share, n);
                    return 0;
                }
            }
        }
    }
    if (why && len)
        why[0] = '\0';
    return 1;
}

/* ---- diagnosis of what could not be met ------------------------------------------ */

static void append_msg(sc_opt_solution *sol, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
static void append_msg(sc_opt_solution *sol, const char *fmt, ...)
{
    size_t used = strlen(sol->unmet_msg);
    if (used + 2 >= sizeof sol->unmet_msg)
        return;
    if (used) {
        sol->unmet_msg[used++] = ';';
        sol->unmet_msg[used++] = ' ';
        sol->unmet_msg[used] = '\0';
    }
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(sol->unmet_msg + used, sizeof sol->unmet_msg - used, fmt, ap);
    va_end(ap);
}

static void diagnose(const sc_opt_problem *p, sc_opt_solution *sol)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    sol->unmet = 0;
    sol->unmet_msg[0] = '\0';
    /* Contradictory SLO: demand but no region within the latency bound. */
    for (int g = 0; g < G; g++) {
        int any = 0;
        for (int r = 0; r < R; r++)
            any |= p->route_ok[SC_OPT_GR(p, g, r)] && (sc_opt_offered(p, r, 0) ||
                                                       sc_opt_offered(p, r, 1) ||
                                                       sc_opt_offered(p, r, 2));
        double dmax = 0.0;
        for (int k = 0; k < K; k++) {
            double d = sc_opt_dq(p, g, k, Q - 1);
            if (d > dmax)
                dmax = d;
        }
        if (!any && dmax > 0) {
            sol->unmet |= SC_OPT_BIND_LATENCY;
            append_msg(sol,
                       "geography %d: no region meets the latency bound; its demand (up to "
                       "%.3g ieq) is unserved",
                       g, dmax);
        }
    }
    /* Demand above the capacity reachable at the limits: the median demand of every
     * geography that can be served, against all reachable regions at their limits. */
    int qm = 0;
    while (qm + 1 < Q && p->qlevel[qm] < 0.5)
        qm++;
    int reported = 0;
    for (int k = 0; k < K && !reported; k++) {
        double dem = 0.0, cap = 0.0;
        unsigned kinds = 0;
        int unlimited = 0;
        for (int g = 0; g < G; g++) {
            int any = 0;
            for (int r = 0; r < R; r++)
                any |= p->route_ok[SC_OPT_GR(p, g, r)];
            if (any)
                dem += sc_opt_dq(p, g, k, qm);
        }
        for (int r = 0; r < R; r++) {
            int reach = 0;
            for (int g = 0; g < G; g++)
                reach |= p->route_ok[SC_OPT_GR(p, g, r)];
            if (!reach)
                continue;
            double up = sc_opt_upper(p, r);
            if (up < 0) {
                unlimited = 1;
                break;
            }
            cap += p->serve_util * up;
            if (p->max_inst >= 0 && up >= p->max_inst)
                kinds |= SC_OPT_BIND_MAX_INST;
            else
                kinds |= p->cap_kind && p->cap_kind[r] ? p->cap_kind[r] : SC_OPT_BIND_CAPACITY;
        }
        if (!unlimited && dem > cap + 1e-9) {
            char names[128];
            sol->unmet |= kinds;
            append_msg(sol,
                       "step %d: median demand %.4g ieq exceeds the %.4g ieq the reachable "
                       "regions can serve at their limits (%s)",
                       k, dem, cap, sc_opt_bind_names(kinds, names, sizeof names));
            reported = 1;
        }
    }
    /* Contradictory bounds: min_instances above the limit. */
    for (int r = 0; r < R && p->min_inst; r++) {
        double up = sc_opt_upper(p, r);
        if (up >= 0 && p->min_inst[r] > up) {
            sol->unmet |= SC_OPT_BIND_MIN_INST;
            append_msg(sol, "region %d: min_instances %d above the limit %g (clamped)", r,
                       p->min_inst[r], up);
        }
    }
}

/* ---- registry and wrappers --------------------------------------------------------- */

static pthread_once_t glpk_once = PTHREAD_ONCE_INIT;

static void glpk_init_once(void)
{
    glp_term_out(GLP_OFF);
}

void sc_optimizer_global_init(void)
{
    pthread_once(&glpk_once, glpk_init_once);
}

/* Const and built in: find and names are safe from any thread without a lock. */
static const sc_optimizer_type *const registry[] = {&sc_optimizer_lp, &sc_optimizer_ga};

const char *sc_optimizer_names(void)
{
    return "lp, ga";
}

sc_status sc_optimizer_find(const char *name, const sc_optimizer_type **out, sc_error *err)
{
    *out = NULL;
    for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
        if (name && strcmp(name, registry[i]->name) == 0) {
            *out = registry[i];
            return SC_OK;
        }
    return sc_error_set(err, SC_ERR_NOTFOUND, "optimizer", "unknown optimizer '%s' (valid: %s)",
                        name ? name : "(null)", sc_optimizer_names());
}

void sc_opt_config_init(sc_opt_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->milp_max_int = 400;
    cfg->warm_start = 1;
    cfg->presolve = 1;
    cfg->decompose_steps = 1;
    cfg->newsvendor = 1;
    cfg->seed = 1;
    cfg->ga_population = 60;
    cfg->ga_generations = 300;
}

/* ---- declared parameters (params.h) ----------------------------------------------- */

/* The sc_opt_config fields each optimizer reads, with sc_opt_config_init's defaults. */
const sc_param_def sc_optimizer_lp_params[] = {
    {.name = "milp_max_int", .kind = SC_PARAM_INTEGER, .def = "400", .lo = 0, .hi = 1e9,
     .help = "solve the MILP when integer columns <= this (0 = never: LP and round up)"},
    {.name = "warm_start", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "keep the GLPK problem between solves of one shape, start from the last basis"},
    {.name = "presolve", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "GLPK presolver on a cold start"},
    {.name = "decompose_steps", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "solve independent steps one by one (same optimum)"},
    {.name = "newsvendor", .kind = SC_PARAM_BOOL, .def = "true",
     .help = "exact two-variable newsvendor per (region, step) when routing is fixed"},
};
const size_t sc_optimizer_lp_n_params = sizeof sc_optimizer_lp_params / sizeof sc_optimizer_lp_params[0];

const sc_param_def sc_optimizer_ga_params[] = {
    {.name = "seed", .kind = SC_PARAM_INTEGER, .def = "1", .lo = 0, .hi = 9007199254740992.0,
     .help = "random seed (exact up to 2^53)"},
    {.name = "ga_population", .kind = SC_PARAM_INTEGER, .def = "60", .lo = 4, .hi = 1e6,
     .help = "population size"},
    {.name = "ga_generations", .kind = SC_PARAM_INTEGER, .def = "300", .lo = 1, .hi = 1e9,
     .help = "generations"},
};
const size_t sc_optimizer_ga_n_params = sizeof sc_optimizer_ga_params / sizeof sc_optimizer_ga_params[0];

sc_status sc_opt_config_from_json(const sc_optimizer_type *t, const cJSON *obj,
                                  const char *where, sc_opt_config *cfg, sc_error *err)
{
    if (!t || !cfg)
        return sc_error_set(err, SC_ERR_INTERNAL, where, "no optimizer type or config");
    const sc_param_def *d = t->version >= 2 ? t->params : NULL;
    size_t n = t->version >= 2 ? t->n_params : 0;
    sc_status st = sc_params_check(d, n, obj, where, err);
    if (st != SC_OK || !obj)
        return st;
    sc_opt_config c = *cfg;
    int64_t v;
    int b;
    static const struct {
        const char *name;
        size_t off;
    } ints[] = {{"milp_max_int", offsetof(sc_opt_config, milp_max_int)},
                {"ga_population", offsetof(sc_opt_config, ga_population)},
                {"ga_generations", offsetof(sc_opt_config, ga_generations)}},
      bools[] = {{"warm_start", offsetof(sc_opt_config, warm_start)},
                 {"presolve", offsetof(sc_opt_config, presolve)},
                 {"decompose_steps", offsetof(sc_opt_config, decompose_steps)},
                 {"newsvendor", offsetof(sc_opt_config, newsvendor)}};
    /* only the keys given: absent ones keep cfg's value, not the table's default */
    for (size_t i = 0; i < sizeof ints / sizeof ints[0]; i++) {
        if (!cJSON_GetObjectItemCaseSensitive(obj, ints[i].name))
            continue;
        v = *(int *)((char *)&c + ints[i].off);
        if ((st = sc_params_get_int(d, n, obj, ints[i].name, &v)))
            return sc_error_set(err, st, where, "%s: parameter table out of date", t->name);
        *(int *)((char *)&c + ints[i].off) = (int)v;
    }
    for (size_t i = 0; i < sizeof bools / sizeof bools[0]; i++) {
        if (!cJSON_GetObjectItemCaseSensitive(obj, bools[i].name))
            continue;
        b = *(int *)((char *)&c + bools[i].off);
        if ((st = sc_params_get_bool(d, n, obj, bools[i].name, &b)))
            return sc_error_set(err, st, where, "%s: parameter table out of date", t->name);
        *(int *)((char *)&c + bools[i].off) = b;
    }
    if (cJSON_GetObjectItemCaseSensitive(obj, "seed")) {
        v = (int64_t)c.seed;
        if ((st = sc_params_get_int(d, n, obj, "seed", &v)))
            return sc_error_set(err, st, where, "%s: parameter table out of date", t->name);
        c.seed = (uint64_t)v;
    }
    *cfg = c;
    return SC_OK;
}

sc_status sc_optimizer_alloc(const char *name, const sc_opt_config *cfg, sc_optimizer **out,
                             sc_error *err)
{
    *out = NULL;
    const sc_optimizer_type *t;
    sc_status st = sc_optimizer_find(name, &t, err);
    if (st)
        return st;
    sc_optimizer_global_init();
    sc_optimizer *o = calloc(1, sizeof *o);
    if (!o)
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer", "out of memory");
    o->type = t;
    if (cfg)
        o->cfg = *cfg;
    else
        sc_opt_config_init(&o->cfg);
    if (o->cfg.ga_population < 4)
        o->cfg.ga_population = 4;
    if (o->cfg.ga_generations < 1)
        o->cfg.ga_generations = 1;
    o->state = calloc(1, t->state_size ? t->state_size : 1);
    if (!o->state) {
        free(o);
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer", "out of memory");
    }
    if (t->init && (st = t->init(o->state, &o->cfg, err)) != SC_OK) {
        free(o->state);
        free(o);
        return st;
    }
    *out = o;
    return SC_OK;
}

void sc_optimizer_free(sc_optimizer *opt)
{
    if (!opt)
        return;
    if (opt->type->cleanup)
        opt->type->cleanup(opt->state);
    free(opt->state);
    free(opt);
}

sc_status sc_optimizer_solve(sc_optimizer *opt, const sc_opt_problem *p, sc_opt_solution *sol,
                             sc_error *err)
{
    if (!opt || !sol)
        return sc_error_set(err, SC_ERR_INPUT, "optimizer", "no optimizer or solution");
    sc_status st = sc_opt_problem_check(p, err);
    if (st)
        return st;
    if (sol->n_regions != p->n_regions || sol->n_geos != p->n_geos ||
        sol->n_steps != p->n_steps || sol->n_quant < 1)
        return sc_error_set(err, SC_ERR_INPUT, "optimizer",
                            "solution sized for R=%d G=%d K=%d, problem is R=%d G=%d K=%d",
                            sol->n_regions, sol->n_geos, sol->n_steps, p->n_regions,
                            p->n_geos, p->n_steps);
    sc_optimizer_global_init();
    sol->method = SC_OPT_METHOD_NONE;
    sol->proved_optimal = 0;
    sol->iterations = 0;
    sol->lp_bound_usd = NAN;
    st = opt->type->solve(opt->state, &opt->cfg, p, sol, err);
    opt->n_solves++;
    if (st)
        return st;
    diagnose(p, sol);
    return SC_OK;
}
