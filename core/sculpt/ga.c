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
 * with routing by the greedy described in optimizer.c).
 *
 * Population (not seeded from any LP solution): the current allocation held over the
 * horizon, plus genomes sized for demand quantile q (cycling over the levels) in the
 * cheapest allowed region of each geography, scaled by a random factor in [0.8, 1.2].
 * Each generation keeps the 2 best (elitism) and breeds the rest by tournament (3)
 * selection, crossover of whole (region, option) time profiles, and mutation (a
 * +-1..3 change of one gene, a +-1 shift of a time window, or copying the previous
 * step's count).  The best genome is finished by a hill climb over single +-1 changes
 * (a memetic step), bounded to 20 passes.
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

static double flap_price(const sc_opt_problem *p)
{
    double h = sc_opt_hours(p), pmax = 0.0;
    for (int i = 0; i < p->n_regions * 3; i++)
        if (isfinite(p->price[i]) && p->price[i] > pmax)
            pmax = p->price[i];
    return 10.0 * (pmax + p->penalty_per_ieq_hour + 1.0) * h * p->n_steps * p->n_geos + 1.0;
}

static double fitness(const sc_opt_problem *p, int *x, sc_opt_solution *scr, double fprice)
{
    repair(p, x);
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

/* Genome sized for quantile q in each geography's cheapest allowed region. */
static void seed_genome(const sc_opt_problem *p, int q, double scale, int *x)
{
    int R = p->n_regions, G = p->n_geos, K = p->n_steps;
    size_t nx = (size_t)R * 3 * (size_t)K;
    memset(x, 0, nx * sizeof *x);
    for (int r = 0; r < R; r++)
        x[SC_OPT_X(p, r, 1, 0)] = p->current[r * 3 + 1];
    for (int g = 0; g < G; g++) {
        int br = -1, bo = 0;
        double bc = DBL_MAX;
        for (int r = 0; r < R; r++) {
            if (!p->route_ok[SC_OPT_GR(p, g, r)])
                continue;
            for (int o = 0; o < 3; o += 2) {
                if (!sc_opt_offered(p, r, o) || (o == 2 && p->spot_max_share <= 0))
                    continue;
                double c = p->price[r * 3 + o] +
                           (p->egress_per_ieq_hour ? p->egress_per_ieq_hour[SC_OPT_GR(p, g, r)] *
                                                         p->serve_util
                                                   : 0.0);
                if (c < bc) {
                    bc = c;
                    br = r;
                    bo = o;
                }
            }
        }
        if (br < 0)
            continue;
        for (int k = 0; k < K; k++) {
            double need = sc_opt_dq(p, g, k, q) / p->serve_util * scale;
            x[SC_OPT_X(p, br, bo, k)] += (int)ceil(need - 1e-9);
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
    sc_status st = ga_size(s, p, pop, err);
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
            seed_genome(p, (i - 1) % Q, 0.8 + 0.4 * gsl_rng_uniform(rng), x);
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
    /* Hill climb on single +-1 changes (reserved moves as one gene). */
    int *y = s->next;
    for (int pass = 0; pass < 20; pass++) {
        int improved = 0;
        for (int r = 0; r < R; r++)
            for (int o = 0; o < 3; o++)
                for (int k = 0; k < (o == 1 ? 1 : K); k++)
                    for (int d = -1; d <= 1; d += 2) {
                        memcpy(y, x, nx * sizeof *y);
                        if (o == 1)
                            for (int j = 0; j < K; j++)
                                y[SC_OPT_X(p, r, 1, j)] += d;
                        else
                            y[SC_OPT_X(p, r, o, k)] += d;
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
    .version = 1,
    .state_size = sizeof(ga_state),
    .init = ga_init,
    .cleanup = ga_cleanup,
    .solve = ga_solve,
};
