/*
 * ga.c - the `ga` optimizer: a genetic algorithm on the capacity problem of
 * optimizer.h, seeded and deterministic.
 *
 * Genome: the integer instance counts x[r][o][k] in the solution layout (reserved held
 * equal over k).  Every genome is repaired to the hard constraints before it is
 * evaluated: options not offered are 0; reserved within [commitment, limit] and equal
 * to the commitment unless the solve may buy; no growth before the lead time; the spot
 * share cap; the region's upper and lower bounds.  The flap budget is not repaired but
 * priced: each instance of change above the budget costs flap_price (larger than any
 * saving it could buy), so the best genome respects it whenever the population holds a
 * genome that does (the "hold current allocation" genome always does).
 *
 * Fitness is the exact penalised cost of sc_opt_evaluate (the same objective as the LP,
 * with routing by the greedy described in optimizer.c), or, when the problem sets
 * latency_curve, the non-linear cost of sc_opt_evaluate_curve (below), which the LP
 * cannot express: it only linearises the curve through a fixed serving utilisation.
 *
 * Non-linear SLO objective (sc_opt_evaluate_curve).  The app's utilisation -> latency
 * curve is l(u) = base / (1 - min(u, u_max)) (scenarios/README.md), the mean response
 * time of an M/M/1 queue with service time base; a route g -> r leaves budget_gr = SLO
 * bound - route latency for it.  Demand is read as the quantile atoms of optimizer.h,
 * the same atom q (weight w_q) in every geography; geography g's demand is split over
 * regions in fixed shares s_gr (the greedy routing of sc_opt_evaluate at full
 * capacity, i.e. serve_util 1).  In atom q, region r carries L = sum_g s_gr d_gq on N
 * serving instances (on-demand + reserved + (1 - spot_loss) spot, at 100 %): it serves
 * the fraction f = min(1, N / L) and runs at u = L / N.  Of the load l = s_gr d_gq, the
 * part (1 - f) l is unserved and the part f l v_gr(u) is late, where
 *   SC_OPT_LATENCY_MEAN:  v = 1 if l(u) > budget_gr, else 0 (the simulator's SLO test
 *                         on the mean latency: the whole load of a slow region is late);
 *   SC_OPT_LATENCY_TAIL:  v = P(T > budget_gr) = exp(-(1 - min(u, u_max)) budget_gr /
 *                         base), T the M/M/1 response time (exponential with mean l(u));
 *                         v = 1 when budget_gr <= 0.
 * Late load costs what unserved load costs (penalty_per_ieq_hour: an answer after the
 * bound is as good as none); egress is charged on served load.  Cost =
 *   sum price h x + h sum_k sum_q w_q sum_{g,r} [egress_gr f l + penalty ((1-f) l + f l v)].
 * It is exact for the stated model whenever each geography uses one region; with shared
 * regions the fixed shares are a heuristic routing (an upper bound).
 *
 * Population (not seeded from any LP solution): the current allocation held over the
 * horizon, plus genomes sized for demand quantile q (cycling over the levels) at
 * serve_util in the cheapest allowed (region, on-demand / spot blend) of each
 * geography, scaled by a random factor in [0.8, 1.2] (with a latency curve, in
 * [0.55, 1.6]: the best utilisation is then not serve_util, so the seeds spread over
 * utilisations of about 0.4-1.1 x it).  With a flap budget every other seed is flat
 * (sized for the horizon's peak), since a profile that follows demand step by step
 * spends the budget at once, and every seed is brought within the budget by lowering
 * its peaks (flap_fit).
 * Each generation keeps the 2 best (elitism) and breeds the rest by tournament (3)
 * selection, crossover of whole (region, option) time profiles, and mutation (a
 * +-1..3 change of one gene, a +-1 shift of a time window, or copying the previous
 * step's count; with a latency curve the last is replaced by moving 1..3 instances of
 * an option from one region to another from a step on).  The best genome is finished by a hill climb over +-1 changes of one
 * gene or of one gene and all its later steps (also +-3 with a latency curve), a
 * memetic step, bounded to 200 passes.
 *
 * Randomness: one GSL stream per solve, keyed (cfg->seed, SC_RNG_POLICY, hash("ga"),
 * solve index), so the same problem, seed and call sequence give the same plan.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_rng.h>

#include "optint.h"
#include "sculpt/optimizer.h"
#include "sculpt/rng.h"
#include "rng_stream.h" /* sc_rng_stream_alloc (internal) */

typedef struct ga_state {
    size_t nx;          /* genes */
    int pop;            /* population */
    int *genes;         /* [pop * nx] */
    int *next;          /* [pop * nx] */
    double *fit;        /* [pop] */
    int *order;         /* [pop] */
    sc_opt_solution *scratch;
    int R, G, K, Q;
    long calls;
} ga_state;

static void ga_cleanup(void *state)
{
    ga_state *s = state;
    free(s->genes);
    free(s->next);
    free(s->fit);
    free(s->order);
    sc_opt_solution_free(s->scratch);
    memset(s, 0, sizeof *s);
}

static sc_status ga_init(void *state, const sc_opt_config *cfg, sc_error *err)
{
    memset(state, 0, sizeof(ga_state));
    return SC_OK;
}

static sc_status ga_size(ga_state *s, const sc_opt_problem *p, int pop, sc_error *err)
{
    if (s->scratch && s->R == p->n_regions && s->G == p->n_geos && s->K == p->n_steps &&
        s->Q == p->n_quant && s->pop == pop)
        return SC_OK;
    long calls = s->calls;
    ga_cleanup(s);
    s->calls = calls;
    s->R = p->n_regions;
    s->G = p->n_geos;
    s->K = p->n_steps;
    s->Q = p->n_quant;
    s->pop = pop;
    s->nx = (size_t)p->n_regions * SC_PURCHASE_COUNT * (size_t)p->n_steps;
    s->genes = malloc((size_t)pop * s->nx * sizeof *s->genes);
    s->next = malloc((size_t)pop * s->nx * sizeof *s->next);
    s->fit = malloc((size_t)pop * sizeof *s->fit);
    s->order = malloc((size_t)pop * sizeof *s->order);
    if (!s->genes || !s->next || !s->fit || !s->order)
        goto nomem;
    sc_status st = sc_opt_solution_alloc(p->n_regions, p->n_geos, p->n_steps, p->n_quant,
                                         &s->scratch, err);
    if (st) {
        ga_cleanup(s);
        return st;
    }
    return SC_OK;
nomem:
    ga_cleanup(s);
    return sc_error_set(err, SC_ERR_NOMEM, "optimizer ga", "out of memory");
}

/* Make x satisfy every hard constraint except the flap budget. */
static void repair(const sc_opt_problem *p, int *x)
{
    int R = p->n_regions, K = p->n_steps;
    for (int r = 0; r < R; r++) {
        double up = sc_opt_upper(p, r);
        int offod = sc_opt_offered(p, r, SC_PURCHASE_ONDEMAND);
        int offres = sc_opt_offered(p, r, SC_PURCHASE_RESERVED);
        int offsp = sc_opt_offered(p, r, SC_PURCHASE_SPOT) && p->spot_max_share > 0;
        int cres = p->current[r * 3 + SC_PURCHASE_RESERVED];
        int res = offres ? x[SC_OPT_X(p, r, 1, 0)] : 0;
        if (offres) {
            if (res < cres || !p->may_buy_reserved)
                res = cres;
            if (up >= 0 && res > up)
                res = (int)up > cres ? (int)up : cres;
        }
        for (int k = 0; k < K; k++) {
            int od = offod ? x[SC_OPT_X(p, r, 0, k)] : 0;
            int sp = offsp ? x[SC_OPT_X(p, r, 2, k)] : 0;
            if (od < 0)
                od = 0;
            if (sp < 0)
                sp = 0;
            if (k < p->lead_steps[r]) {
                if (od > p->current[r * 3])
                    od = p->current[r * 3];
                if (sp > p->current[r * 3 + 2])
                    sp = p->current[r * 3 + 2];
            }
            while (up >= 0 && od + sp + res > up && (od > 0 || sp > 0)) {
                if (od > 0)
                    od--;
                else
                    sp--;
            }
            while (sp > 0 && sp > p->spot_max_share * (od + sp + res) + 1e-9)
                sp--;
            double lo = sc_opt_lower(p, r, k);
            while (od + sp + res < lo) {
                int can_od = offod && !(k < p->lead_steps[r] && od >= p->current[r * 3]);
                int can_sp = offsp && !(k < p->lead_steps[r] && sp >= p->current[r * 3 + 2]) &&
                             sp + 1 <= p->spot_max_share * (od + sp + res + 1) + 1e-9;
                if (can_od)
                    od++;
                else if (can_sp)
                    sp++;
                else
                    break;
            }
            x[SC_OPT_X(p, r, 0, k)] = od;
            x[SC_OPT_X(p, r, 1, k)] = res;
            x[SC_OPT_X(p, r, 2, k)] = sp;
        }
    }
}

static double flap_excess(const sc_opt_problem *p, const int *x)
{
    if (p->flap_budget < 0)
        return 0.0;
    double ex = 0.0;
    for (int r = 0; r < p->n_regions; r++) {
        double f = 0.0;
        for (int o = 0; o < 3; o += 2) {
            int prev = p->current[r * 3 + o];
            if (!sc_opt_offered(p, r, o))
                prev = 0;
            for (int k = 0; k < p->n_steps; k++) {
                int v = x[SC_OPT_X(p, r, o, k)];
                f += fabs((double)v - prev);
                prev = v;
            }
        }
        if (sc_opt_offered(p, r, 1))
            f += x[SC_OPT_X(p, r, 1, 0)] - p->current[r * 3 + 1];
        if (f > p->flap_budget)
            ex += f - p->flap_budget;
    }
    return ex;
}

/* Bring each region of a seed genome within the flap budget by lowering its highest
 * on-demand / spot counts one at a time (a peak lowered by one saves up to two units of
 * change); then repair again.  Seeds only: the search itself prices the excess. */
static void flap_fit(const sc_opt_problem *p, int *x)
{
    if (p->flap_budget < 0)
        return;
    int K = p->n_steps;
    for (int r = 0; r < p->n_regions; r++) {
        for (;;) {
            double f = 0.0;
            for (int o = 0; o < 3; o += 2) {
                int prev = sc_opt_offered(p, r, o) ? p->current[r * 3 + o] : 0;
                for (int k = 0; k < K; k++) {
                    f += fabs((double)x[SC_OPT_X(p, r, o, k)] - prev);
                    prev = x[SC_OPT_X(p, r, o, k)];
                }
            }
            if (sc_opt_offered(p, r, 1))
                f += x[SC_OPT_X(p, r, 1, 0)] - p->current[r * 3 + 1];
            if (f <= p->flap_budget + 1e-9)
                break;
            int bk = -1, bo = 0, bv = 0;
            for (int k = 0; k < K; k++)
                for (int o = 0; o < 3; o += 2) {
                    int v = x[SC_OPT_X(p, r, o, k)];
                    if (v > bv) {
                        bv = v;
                        bk = k;
                        bo = o;
                    }
                }
            if (bk < 0)
                break;
            x[SC_OPT_X(p, r, bo, bk)]--;
        }
    }
    repair(p, x);
}

static double flap_price(const sc_opt_problem *p)
{
    double h = sc_opt_hours(p), pmax = 0.0;
    for (int i = 0; i < p->n_regions * 3; i++)
        if (isfinite(p->price[i]) && p->price[i] > pmax)
            pmax = p->price[i];
    return 10.0 * (pmax + p->penalty_per_ieq_hour + 1.0) * h * p->n_steps * p->n_geos + 1.0;
}

/* ---- the non-linear SLO objective (optimizer.h, sc_opt_evaluate_curve) ------------ */

/* Serving capacity of region r in step k, ieq at 100 %. */
static double serving_ieq(const sc_opt_problem *p, const int *x, int r, int k)
{
    double n = 0.0;
    if (sc_opt_offered(p, r, SC_PURCHASE_ONDEMAND))
        n += x[SC_OPT_X(p, r, SC_PURCHASE_ONDEMAND, k)];
    if (sc_opt_offered(p, r, SC_PURCHASE_RESERVED))
        n += x[SC_OPT_X(p, r, SC_PURCHASE_RESERVED, 0)];
    if (sc_opt_offered(p, r, SC_PURCHASE_SPOT))
        n += (1.0 - (p->spot_loss ? p->spot_loss[r] : 0.0)) *
             x[SC_OPT_X(p, r, SC_PURCHASE_SPOT, k)];
    return n;
}

/* Late fraction of the load served on route (g, r) at utilisation u (> 0, finite). */
static double late_fraction(const sc_opt_problem *p, int g, int r, double u)
{
    double umax = p->curve_u_max > 0 && p->curve_u_max < 1 ? p->curve_u_max : 1.0;
    double uc = u < umax ? u : umax;
    double budget = p->curve_budget_ms[SC_OPT_GR(p, g, r)];
    if (p->latency_curve == SC_OPT_LATENCY_MEAN) {
        if (uc >= 1.0)
            return 1.0;
        return p->curve_base_ms / (1.0 - uc) > budget * (1.0 + 1e-12) ? 1.0 : 0.0;
    }
    if (!(budget > 0))
        return 1.0;
    return exp(-(1.0 - uc) * budget / p->curve_base_ms);
}

void sc_opt_evaluate_curve(const sc_opt_problem *p, const int *x, sc_opt_solution *sol)
{
    if (p->latency_curve == SC_OPT_LATENCY_NONE || !p->curve_budget_ms ||
        !(p->curve_base_ms > 0)) {
        sc_opt_evaluate(p, x, sol);
        return;
    }
    /* Shares from the greedy routing at full capacity; instance cost and binding bits
     * come with it. */
    sc_opt_problem full = *p;
    full.serve_util = 1.0;
    sc_opt_evaluate(&full, x, sol);
    int R = p->n_regions, G = p->n_geos, K = p->n_steps, Q = p->n_quant;
    double h = sc_opt_hours(p), egress = 0.0, lost = 0.0;
    /* Scratch (no allocation): x_relaxed[r] = load of region r in the current atom;
     * served[g*K+k] holds geography g's routed total until the step is done. */
    double *load = sol->x_relaxed;
    for (int k = 0; k < K; k++) {
        for (int g = 0; g < G; g++) {
            double tot = 0.0;
            for (int r = 0; r < R; r++)
                tot += sol->routed[SC_OPT_GR(p, g, r) * (size_t)K + (size_t)k];
            sol->served[SC_OPT_GK(p, g, k)] = tot;
            sol->shortfall[SC_OPT_GK(p, g, k)] = 0.0;
            sol->cover[SC_OPT_GK(p, g, k)] = 0.0;
        }
        for (int q = 0; q < Q; q++) {
            double w = sc_opt_wq(p, q);
            for (int r = 0; r < R; r++) {
                double l = 0.0;
                for (int g = 0; g < G; g++) {
                    double tot = sol->served[SC_OPT_GK(p, g, k)];
                    if (tot > 0)
                        l += sol->routed[SC_OPT_GR(p, g, r) * (size_t)K + (size_t)k] / tot *
                             sc_opt_dq(p, g, k, q);
                }
                load[r] = l;
            }
            for (int g = 0; g < G; g++) {
                double d = sc_opt_dq(p, g, k, q), tot = sol->served[SC_OPT_GK(p, g, k)];
                double unserved = d;
                if (tot > 0) {
                    unserved = 0.0;
                    for (int r = 0; r < R; r++) {
                        double y = sol->routed[SC_OPT_GR(p, g, r) * (size_t)K + (size_t)k];
                        if (!(y > 0))
                            continue;
                        double l = y / tot * d, n = serving_ieq(p, x, r, k);
                        double f = load[r] > n ? (n > 0 ? n / load[r] : 0.0) : 1.0;
                        unserved += (1.0 - f) * l;
                        if (f > 0) {
                            lost += w * f * l * late_fraction(p, g, r, load[r] / n);
                            if (p->egress_per_ieq_hour)
                                egress += w * f * l * p->egress_per_ieq_hour[SC_OPT_GR(p, g, r)];
                        }
                    }
                }
                sol->shortfall[SC_OPT_GK(p, g, k)] += w * unserved;
                if (unserved <= 1e-9 * (d > 1 ? d : 1))
                    sol->cover[SC_OPT_GK(p, g, k)] += w;
            }
        }
        for (int g = 0; g < G; g++) {
            double mean = 0.0;
            for (int q = 0; q < Q; q++)
                mean += sc_opt_wq(p, q) * sc_opt_dq(p, g, k, q);
            double sf = sol->shortfall[SC_OPT_GK(p, g, k)];
            sol->served[SC_OPT_GK(p, g, k)] = mean - sf > 0 ? mean - sf : 0.0;
            if (sol->cover[SC_OPT_GK(p, g, k)] > 1.0)
                sol->cover[SC_OPT_GK(p, g, k)] = 1.0;
            lost += sf;
        }
    }
    sol->cost_egress_usd = egress * h;
    sol->penalty_usd = p->penalty_per_ieq_hour * h * lost;
    sol->objective_usd = sol->cost_instances_usd + sol->cost_egress_usd + sol->penalty_usd;
}

static sc_status curve_check(const sc_opt_problem *p, sc_error *err)
{
    const char *w = "optimizer ga";
    if (p->latency_curve == SC_OPT_LATENCY_NONE)
        return SC_OK;
    if (p->latency_curve != SC_OPT_LATENCY_MEAN && p->latency_curve != SC_OPT_LATENCY_TAIL)
        return sc_error_set(err, SC_ERR_INPUT, w,
                            "latency_curve = %d: expected 0 (none), 1 (mean) or 2 (tail)",
                            p->latency_curve);
    if (!(p->curve_base_ms > 0) || !isfinite(p->curve_base_ms))
        return sc_error_set(err, SC_ERR_INPUT, w, "curve_base_ms = %g: expected > 0",
                            p->curve_base_ms);
    if (isnan(p->curve_u_max))
        return sc_error_set(err, SC_ERR_INPUT, w, "curve_u_max: NaN");
    if (!p->curve_budget_ms)
        return sc_error_set(err, SC_ERR_INPUT, w,
                            "curve_budget_ms: required with a latency curve");
    for (int i = 0; i < p->n_geos * p->n_regions; i++)
        if (isnan(p->curve_budget_ms[i]))
            return sc_error_set(err, SC_ERR_INPUT, w, "curve_budget_ms[%d]: NaN", i);
    return SC_OK;
}

static double fitness(const sc_opt_problem *p, int *x, sc_opt_solution *scr, double fprice)
{
    repair(p, x);
    if (p->latency_curve)
        sc_opt_evaluate_curve(p, x, scr);
    else
        sc_opt_evaluate(p, x, scr);
    return scr->objective_usd + fprice * flap_excess(p, x);
}

static int tournament(const double *fit, int pop, gsl_rng *rng)
{
    int best = (int)gsl_rng_uniform_int(rng, (unsigned long)pop);
    for (int t = 1; t < 3; t++) {
        int c = (int)gsl_rng_uniform_int(rng, (unsigned long)pop);
        if (fit[c] < fit[best] || (fit[c] == fit[best] && c < best))
            best = c;
    }
    return best;
}

/* Genome sized for quantile q in each geography's cheapest allowed region (per step:
 * one whose lead time has passed, when there is one).  With a
 * spot share cap s < 1 spot cannot stand alone (repair would strip it), so a region's
 * spot is offered as the blend of s spot and 1 - s on-demand instances; the cheapest
 * (region, blend) per served ieq-hour, egress included, takes the geography. */
static void seed_genome(const sc_opt_problem *p, int q, double scale, int flat, int *x)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps;
    size_t nx = (size_t)R * 3 * (size_t)K;
    double sh = p->spot_max_share;
    memset(x, 0, nx * sizeof *x);
    for (int r = 0; r < R; r++)
        x[SC_OPT_X(p, r, 1, 0)] = p->current[r * 3 + 1];
    for (int g = 0; g < G; g++) {
        double dmax = 0.0;
        for (int k = 0; k < K; k++)
            if (sc_opt_dq(p, g, k, q) > dmax)
                dmax = sc_opt_dq(p, g, k, q);
        for (int k = 0; k < K; k++) {
            /* the cheapest region that can grow at k (lead time passed); else any */
            int br = -1;
            double bc = DBL_MAX, bshare = 0.0, beff = 1.0;
            for (int pass = 0; pass < 2 && br < 0; pass++)
                for (int r = 0; r < R; r++) {
                    if (!p->route_ok[SC_OPT_GR(p, g, r)] || (pass == 0 && k < p->lead_steps[r]))
                        continue;
                    int od = sc_opt_offered(p, r, 0), sp = sc_opt_offered(p, r, 2) && sh > 0;
                    double loss = p->spot_loss ? p->spot_loss[r] : 0.0;
                    double eg = p->egress_per_ieq_hour
                                    ? p->egress_per_ieq_hour[SC_OPT_GR(p, g, r)] * p->serve_util
                                    : 0.0;
                    for (int m = 0; m < 2; m++) {
                        /* m = 0: on-demand only; m = 1: spot share sh (alone when sh >= 1) */
                        double share = m == 0 ? 0.0 : (sh < 1 ? sh : 1.0);
                        if ((m == 0 && !od) || (m == 1 && (!sp || (share < 1 && !od))))
                            continue;
                        double price = (1 - share) * (od ? p->price[r * 3] : 0.0) +
                                       share * (sp ? p->price[r * 3 + 2] : 0.0);
                        double eff = 1.0 - share * loss;
                        double c = (price + eg) / eff;
                        if (c < bc) {
                            bc = c;
                            br = r;
                            bshare = share;
                            beff = eff;
                        }
                    }
                }
            if (br < 0)
                break;
            double need = (flat ? dmax : sc_opt_dq(p, g, k, q)) / (p->serve_util * beff) * scale;
            int n = (int)ceil(need - 1e-9);
            int nsp = (int)floor(bshare * n + 1e-9);
            x[SC_OPT_X(p, br, 0, k)] += n - nsp;
            x[SC_OPT_X(p, br, 2, k)] += nsp;
        }
    }
    for (int r = 0; r < R; r++)
        for (int k = 1; k < K; k++)
            x[SC_OPT_X(p, r, 1, k)] = x[SC_OPT_X(p, r, 1, 0)];
}

static void mutate(const sc_opt_problem *p, int *x, gsl_rng *rng)
{
    int R = p->n_regions, K = p->n_steps;
    int r = (int)gsl_rng_uniform_int(rng, (unsigned long)R);
    int o = (int)gsl_rng_uniform_int(rng, 3);
    int k = (int)gsl_rng_uniform_int(rng, (unsigned long)K);
    double u = gsl_rng_uniform(rng);
    if (o == 1) {
        int d = gsl_rng_uniform(rng) < 0.5 ? -1 : 1;
        for (int j = 0; j < K; j++)
            x[SC_OPT_X(p, r, 1, j)] += d;
        return;
    }
    if (p->latency_curve && R > 1 && u >= 0.8) {
        /* non-linear objective: move 1..3 instances over steps k.. from r to another
         * region in one go (a capacity shift the plateaus hide from single steps) */
        int r2 = (int)gsl_rng_uniform_int(rng, (unsigned long)(R - 1));
        if (r2 >= r)
            r2++;
        int d = 1 + (int)gsl_rng_uniform_int(rng, 3);
        for (int j = k; j < K; j++) {
            x[SC_OPT_X(p, r, o, j)] -= d;
            x[SC_OPT_X(p, r2, o, j)] += d;
        }
        return;
    }
    if (u < 0.5) {
        int d = 1 + (int)gsl_rng_uniform_int(rng, 3);
        x[SC_OPT_X(p, r, o, k)] += gsl_rng_uniform(rng) < 0.5 ? -d : d;
    } else if (u < 0.8) {
        int k2 = (int)gsl_rng_uniform_int(rng, (unsigned long)K);
        int a = k < k2 ? k : k2, b = k < k2 ? k2 : k;
        int d = gsl_rng_uniform(rng) < 0.5 ? -1 : 1;
        for (int j = a; j <= b; j++)
            x[SC_OPT_X(p, r, o, j)] += d;
    } else if (k > 0) {
        x[SC_OPT_X(p, r, o, k)] = x[SC_OPT_X(p, r, o, k - 1)];
    }
}

static sc_status ga_solve(void *state, const sc_opt_config *cfg, const sc_opt_problem *p,
                          sc_opt_solution *sol, sc_error *err)
{
    ga_state *s = state;
    int pop = cfg->ga_population < 4 ? 4 : cfg->ga_population;
    sc_status st = curve_check(p, err);
    if (st)
        return st;
    st = ga_size(s, p, pop, err);
    if (st)
        return st;
    gsl_rng *rng = sc_rng_stream_alloc(
        sc_rng_key(cfg->seed, SC_RNG_POLICY, sc_rng_hash_str("ga"), (uint64_t)s->calls, 0));
    s->calls++;
    if (!rng)
        return sc_error_set(err, SC_ERR_NOMEM, "optimizer ga", "out of memory");
    size_t nx = s->nx;
    int R = p->n_regions, K = p->n_steps, Q = p->n_quant;
    double fprice = flap_price(p);
    sc_opt_solution *scr = s->scratch;

    /* Initial population. */
    for (int i = 0; i < pop; i++) {
        int *x = s->genes + (size_t)i * nx;
        if (i == 0) {
            for (int r = 0; r < R; r++)
                for (int o = 0; o < 3; o++)
                    for (int k = 0; k < K; k++)
                        x[SC_OPT_X(p, r, o, k)] = p->current[r * 3 + o];
        } else {
            double lo = p->latency_curve ? 0.55 : 0.8, hi = p->latency_curve ? 1.6 : 1.2;
            int flat = p->flap_budget >= 0 && i % 2 == 0;
            seed_genome(p, (i - 1) % Q, lo + (hi - lo) * gsl_rng_uniform(rng), flat, x);
            repair(p, x);
            flap_fit(p, x);
        }
        s->fit[i] = fitness(p, x, scr, fprice);
    }
    int gens = cfg->ga_generations;
    for (int gen = 0; gen < gens; gen++) {
        /* Elites: the two best, ties by index. */
        int b0 = 0, b1 = -1;
        for (int i = 1; i < pop; i++)
            if (s->fit[i] < s->fit[b0])
                b0 = i;
        for (int i = 0; i < pop; i++)
            if (i != b0 && (b1 < 0 || s->fit[i] < s->fit[b1]))
                b1 = i;
        memcpy(s->next, s->genes + (size_t)b0 * nx, nx * sizeof *s->next);
        memcpy(s->next + nx, s->genes + (size_t)b1 * nx, nx * sizeof *s->next);
        double f0 = s->fit[b0], f1 = s->fit[b1];
        for (int i = 2; i < pop; i++) {
            const int *pa = s->genes + (size_t)tournament(s->fit, pop, rng) * nx;
            const int *pb = s->genes + (size_t)tournament(s->fit, pop, rng) * nx;
            int *c = s->next + (size_t)i * nx;
            for (int r = 0; r < R; r++)
                for (int o = 0; o < 3; o++) {
                    const int *src = gsl_rng_uniform(rng) < 0.5 ? pa : pb;
                    memcpy(c + SC_OPT_X(p, r, o, 0), src + SC_OPT_X(p, r, o, 0),
                           (size_t)K * sizeof *c);
                }
            int nm = 1 + (int)gsl_rng_uniform_int(rng, 3);
            for (int m = 0; m < nm; m++)
                mutate(p, c, rng);
        }
        int *tmp = s->genes;
        s->genes = s->next;
        s->next = tmp;
        s->fit[0] = f0;
        s->fit[1] = f1;
        for (int i = 2; i < pop; i++)
            s->fit[i] = fitness(p, s->genes + (size_t)i * nx, scr, fprice);
    }
    int best = 0;
    for (int i = 1; i < pop; i++)
        if (s->fit[i] < s->fit[best])
            best = i;
    int *x = s->genes + (size_t)best * nx;
    double fx = s->fit[best];
    /* Hill climb on +-1 changes of one gene or of a gene and all later steps (a step
     * change, one unit of flap; reserved moves as one gene); with a latency curve also
     * +-3, to cross the plateaus of the non-convex objective. */
    static const int sizes[2] = {1, 3};
    int nsize = p->latency_curve ? 2 : 1;
    int *y = s->next;
    for (int pass = 0; pass < 200; pass++) {
        int improved = 0;
        for (int r = 0; r < R; r++)
            for (int o = 0; o < 3; o++)
                for (int k = 0; k < (o == 1 ? 1 : K); k++)
                    for (int span = 0; span < (o == 1 || k == K - 1 ? 1 : 2); span++)
                        for (int si = 0; si < nsize; si++)
                            for (int sg = -1; sg <= 1; sg += 2) {
                                int d = sg * sizes[si];
                                memcpy(y, x, nx * sizeof *y);
                                if (o == 1)
                                    for (int j = 0; j < K; j++)
                                        y[SC_OPT_X(p, r, 1, j)] += d;
                                else
                                    for (int j = k; j < (span ? K : k + 1); j++)
                                        y[SC_OPT_X(p, r, o, j)] += d;
                                double fy = fitness(p, y, scr, fprice);
                                if (fy < fx - 1e-9) {
                                    memcpy(x, y, nx * sizeof *x);
                                    fx = fy;
                                    improved = 1;
                                }
                            }
        if (!improved)
            break;
    }
    gsl_rng_free(rng);
    if (p->latency_curve)
        sc_opt_evaluate_curve(p, x, sol);
    else
        sc_opt_evaluate(p, x, sol);
    for (size_t i = 0; i < nx; i++)
        sol->x_relaxed[i] = x[i];
    sol->method = SC_OPT_METHOD_GA;
    sol->proved_optimal = 0;
    sol->lp_bound_usd = NAN;
    sol->iterations = gens;
    return SC_OK;
}

const sc_optimizer_type sc_optimizer_ga = {
    .name = "ga",
    .version = 2,
    .state_size = sizeof(ga_state),
    .init = ga_init,
    .cleanup = ga_cleanup,
    .solve = ga_solve,
    .params = sc_optimizer_ga_params,
    .n_params = sizeof sc_optimizer_ga_params / sizeof sc_optimizer_ga_params[0],
};
