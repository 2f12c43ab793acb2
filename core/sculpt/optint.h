/*
 * optint.h - internals shared by the optimizers of core/sculpt (not public).
 *
 * The discrete reading of the demand quantiles (optimizer.h): cleaned quantile values
 * d_q (NaN and negatives read as 0, forced non-decreasing in q), atom weights w_q (the
 * midpoints between levels) and the tail probabilities B_q = sum_{j >= q} w_j, which
 * are the marginal value (per unit of penalty) of serving demand in segment
 * (d_{q-1}, d_q].
 */
#ifndef SCULPT_OPTINT_H
#define SCULPT_OPTINT_H

#include "sculpt/optimizer.h"

/* Cleaned quantile value d_q of (g, k). */
double sc_opt_dq(const sc_opt_problem *p, int g, int k, int q);
/* Atom weight w_q (sum over q is 1). */
double sc_opt_wq(const sc_opt_problem *p, int q);
/* Tail probability B_q = P(D >= d_q) = sum_{j >= q} w_j. */
double sc_opt_bq(const sc_opt_problem *p, int q);
/* Step length in hours. */
double sc_opt_hours(const sc_opt_problem *p);
/* Is option o offered in region r (finite price)? */
int sc_opt_offered(const sc_opt_problem *p, int r, int o);
/* Effective upper bound on a region's total instances (cap_limit, max_inst; never
 * below the reserved instances held), or -1 when none. */
double sc_opt_upper(const sc_opt_problem *p, int r);
/* Effective lower bound on a region's total at step k (min_inst, clamped so that it
 * is reachable: not above the upper bound, nor above current capacity before lead). */
double sc_opt_lower(const sc_opt_problem *p, int r, int k);

/* Capacity taken by one ieq routed g -> r, in units of the capacity row (serve_util x
 * instances): serve_util / route_serve_util[g*R + r] when that is in (0, serve_util),
 * else 1 (the route runs at serve_util). */
static inline double sc_opt_route_factor(const sc_opt_problem *p, int g, int r)
{
    double u = p->route_serve_util ? p->route_serve_util[(size_t)g * (size_t)p->n_regions + (size_t)r]
                                   : 0.0;
    return u > 0 && u < p->serve_util ? p->serve_util / u : 1.0;
}

/* Given integer x and routed [(g*R+r)*K+k], fill served, shortfall, cover, costs,
 * objective and binding of sol (x is copied into sol->x). */
void sc_opt_fill(const sc_opt_problem *p, const int *x, const double *routed,
                 sc_opt_solution *sol);

#endif
