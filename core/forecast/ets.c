/*
 * ets.c - exponential smoothing state-space models, ETS(error, trend, season), after
 * Hyndman, Koehler, Ord & Snyder, "Forecasting with Exponential Smoothing: the State
 * Space Approach" (Springer 2008), as implemented by R's forecast::ets (v8.x).
 *
 * Models: error A|M, trend N|A|Ad, season N|A|M.  The recursions are R's error-correction
 * form (etscalc in forecast/src/etscalc.c), identical for both error types:
 *   q = l + phi b               (q = l without trend)
 *   f = q | q + s(t-m) | q s(t-m)             one-step forecast
 *   l' = q + alpha (p - q),     p = y | y - s(t-m) | y / s(t-m)
 *   b' = phi b + (beta/alpha) (l' - l - phi b)
 *   s' = s(t-m) + gamma (t - s(t-m)),         t = y - q | y / q
 * The error type only changes the likelihood: with e = y - f (A) or (y - f)/f (M),
 *   lik = n log(sum e^2)  [+ 2 sum log|f| for M errors],  loglik = -lik/2,
 *   AICc = lik + 2k + 2k(k+1)/(n-k-1), k = free parameters + initial states + 1.
 * Estimation is R's etsmodel, step for step (forecast 8.20; checked against R on M4
 * Hourly series, AirPassengers and Nile in tests/test_ets.c):
 *  - initial states (initstate): R's classical decompose() of the WHOLE series gives the
 *    seasonal figure (s_0 .. s_{-m+2}; multiplicative ones floored at 0.01); l0 (and b0)
 *    from the mean of (a least-squares line through) the first max(10, 2m) seasonally
 *    adjusted values;
 *  - starting parameters (initparam): alpha = lo + 0.2 (up - lo) / m, beta = lo +
 *    0.1 (min(up, alpha) - lo), gamma = lo + 0.05 (min(up, 1 - alpha) - lo), phi = lo +
 *    0.99 (up - lo), with the usual bounds 1e-4 <= alpha, beta, gamma <= 0.9999,
 *    0.8 <= phi <= 0.98;
 *  - bounds = "both": beta <= alpha, gamma <= 1 - alpha, multiplicative seasonal states
 *    >= 0, AND R's admissibility test of seasonal models (the characteristic polynomial
 *    of Hyndman et al. 2008, ch. 10, all roots within 1 + 1e-10; decided here by the
 *    Schur-Cohn recursion instead of R's cpolyroot);
 *  - one Nelder-Mead over parameters and initial states together, in data units,
 *    minimising lik (opt.crit = "lik"): R's nmmin (optim.c) transcribed with
 *    etsNelderMead's settings (reltol sqrt(DBL_EPSILON), alpha 1, beta 0.5, gamma 2,
 *    maxit 2000 function evaluations).  GSL's nmsimplex2 is not used: its initial
 *    simplex, size-based stopping rule and iteration count differ from nmmin's, and
 *    with every other step equal it forecast worse on validation windows (README).
 * The optimiser's inner loop (ets_lik_k) is the recursion specialised per model.
 *
 * Model selection ("Z" letters) is by AICc over the admissible set: multiplicative
 * models only for strictly positive data, no additive-error model with multiplicative
 * season (R's restrict = TRUE), damping only with a trend, seasonal models only for
 * 2 <= m <= SC_ETS_MAX_PERIOD (24, as R) and n >= 3m.  Longer periods are modelled
 * non-seasonally here (as R's ets does); use snaive/harmonic models for them.
 * A constant series gets ANN with alpha 0.9999 (R's shortcut).
 *
 * Prediction intervals: analytic for the linear class 1 models (A error, no
 * multiplicative part): var(h) = sigma^2 (1 + sum_{j<h} c_j^2), c_j = alpha +
 * beta (phi + ... + phi^j) + gamma [j mod m == 0] (Hyndman et al. 2008, ch. 6);
 * otherwise simulated from cfg->nsim sample paths with Gaussian errors drawn from a GSL
 * stream seeded by sc_rng_key(seed, SC_FORECAST_RNG_KIND, ...), quantiles by R's type 7.
 * The point forecast is the recursion with zero errors, as R reports it for all but
 * multiplicative-season models, where R's mean (forecast's class3) adds a sigma^2
 * term that is below 0.1 % of the forecast on the series tested.
 *
 * Warm refits (cfg->ets.warm, the engine's periodic refits, wpe.h) start from the
 * previous fit with a smaller simplex and a capped budget, and use a faster arithmetic
 * that departs from R's by rounding only: the level and seasonal updates of the
 * likelihood kernel in the form (1 - a) q + a p, admissibility of seasonal models
 * without trend by proof instead of the root test, and Nelder-Mead's centroid from
 * running sums (fit_model, ets_lik_k, admissible, r_nmmin).  Cold fits are R's path
 * in R's arithmetic.
 *
 * State for update(): the seasonal states live in a ring indexed by position modulo m
 * (seas[p % m] is the latest state for positions congruent to p), so one update is
 * O(1) and allocation-free.
 */
#include <ctype.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sculpt/forecast.h"
#include "sculpt/rng.h"
#include "rng_stream.h" /* sc_rng_stream_alloc (internal) */

#define ETS_TOL_F 1e-10       /* |f| below this makes a multiplicative model invalid */
#define ETS_MAXIT 2000         /* R's ets default maxit (function evaluations) */
#define ETS_BIG 1.0e35         /* R's nmmin value of a point it cannot evaluate */
#define ETS_WARM_STEP 0.01     /* simplex step of a warm start (R's cold start: 0.1) */

static const double lower_b[4] = {1e-4, 1e-4, 1e-4, 0.8};
static const double upper_b[4] = {0.9999, 0.9999, 0.9999, 0.98};

typedef struct ets_state {
    sc_ets_model model;
    int m;                           /* seasonal period (1 when no season) */
    double alpha, beta, gamma, phi;  /* phi = 1 when not damped */
    double l, b;                     /* current level and trend */
    double seas[SC_ETS_MAX_PERIOD];  /* seas[p % m]: latest seasonal state */
    uint64_t pos;                    /* position of the next observation */
    double sigma2;                   /* residual variance (relative for M errors) */
    double aicc, loglik;
    double l0, b0;                   /* fitted initial states (data units) */
    double seas0[SC_ETS_MAX_PERIOD]; /* fitted initial seasonal ring (position 0) */
    int evals, warm;                 /* Nelder-Mead evaluations, warm-started */
    uint64_t seed;
    int nsim;
} ets_state;

/* ---- recursions ------------------------------------------------------------------- */

static inline double ets_forecast1(const sc_ets_model *md, double l, double b, double phi,
                                   double s_old)
{
    double q = md->trend == 'N' ? l : l + phi * b;
    return md->season == 'N' ? q : md->season == 'A' ? q + s_old : q * s_old;
}

/* One update of (l, b, s) by observation y (R's etscalc update). */
static inline void ets_step(const sc_ets_model *md, double alpha, double beta, double gamma,
                            double phi, double y, double *l, double *b, double *s)
{
    double phib = md->trend == 'N' ? 0.0 : phi * *b;
    double q = *l + phib;
    double s_old = *s;
    double p = md->season == 'N' ? y : md->season == 'A' ? y - s_old : y / s_old;
    double lnew = q + alpha * (p - q);
    if (md->trend != 'N')
        *b = phib + (beta / alpha) * (lnew - *l - phib);
    if (md->season != 'N') {
        double t = md->season == 'A' ? y - q : y / q;
        *s = s_old + gamma * (t - s_old);
    }
    *l = lnew;
}

/* Run the model over y from states l, b, seas (ring, modified); return R's lik, or
 * INFINITY when a multiplicative model meets a forecast near 0.  fitted may be NULL. */
static double ets_run(const sc_ets_model *md, int m, double alpha, double beta, double gamma,
                      double phi, double *l, double *b, double *seas, const double *y,
                      size_t n, double *fitted, double *sse_out)
{
    double sse = 0.0, logf = 0.0;
    int mult_err = md->error == 'M';
    size_t k = 0;   /* position modulo m */
    for (size_t t = 0; t < n; t++) {
        double *s = &seas[k];
        double f = ets_forecast1(md, *l, *b, phi, *s);
        if (fitted)
            fitted[t] = f;
        double e;
        if (mult_err) {
            if (!(fabs(f) >= ETS_TOL_F))
                return INFINITY;
            e = (y[t] - f) / f;
            logf += log(fabs(f));
        } else {
            e = y[t] - f;
        }
        sse += e * e;
        ets_step(md, alpha, beta, gamma, phi, y[t], l, b, s);
        if (++k == (size_t)m)
            k = 0;
    }
    if (sse_out)
        *sse_out = sse;
    if (!isfinite(sse))
        return INFINITY;
    double lik = (double)n * log(sse > 0 ? sse : 1e-300);
    if (mult_err)
        lik += 2.0 * logf;
    return lik;
}

/* The likelihood criterion of ets_run for one model known at compile time: the same
 * arithmetic, specialised so the optimiser's inner loop carries no model tests, and
 * sum log|f| taken as the log of a running product (rescaled by frexp when it leaves
 * [1e-100, 1e100]) instead of one log per observation.  Returns INFINITY where ets_run
 * does; l, b, seas are modified.
 * F = 'R' is R's arithmetic.  F = 'F' (the fast form of warm refits, see fit_model)
 * writes the level and seasonal updates (1 - alpha) q + alpha p and (1 - gamma) s +
 * gamma t (R: q + alpha (p - q), s + gamma (t - s); equal in exact arithmetic): the
 * level's loop-carried chain is then one multiply and one add instead of a subtract, a
 * multiply and an add, and the loop runs 1.5x faster (it is latency-bound;
 * bench/README.md, year-long).  Its rounding differs from R's by a few ulp per step. */
#if defined(__GNUC__)
#define ETS_ALWAYS_INLINE __attribute__((always_inline)) inline
#else
#define ETS_ALWAYS_INLINE inline
#endif
static ETS_ALWAYS_INLINE double ets_lik_k(char F, char E, char T, char S, int m, double alpha,
                                          double beta, double gamma, double phi, double l,
                                          double b, double *seas, const double *y, size_t n)
{
    double sse = 0.0, logf = 0.0, prod = 1.0, ba = beta / alpha;
    double oma = 1.0 - alpha, omg = 1.0 - gamma;
    int ex = 0;
    size_t k = 0;
    for (size_t t = 0; t < n; t++) {
        double s_old = S == 'N' ? 0.0 : seas[k];
        double phib = T == 'N' ? 0.0 : phi * b;
        double q = l + phib;
        double f = S == 'N' ? q : S == 'A' ? q + s_old : q * s_old;
        double e;
        if (E == 'M') {
            double af = fabs(f);
            if (!(af >= ETS_TOL_F))
                return INFINITY;
            e = (y[t] - f) / f;
            if (af < 1e200) {
                prod *= af;
                if (prod > 1e100 || prod < 1e-100) {
                    int pe;
                    prod = frexp(prod, &pe);
                    ex += pe;
                }
            } else {
                logf += log(af);
            }
        } else {
            e = y[t] - f;
        }
        sse += e * e;
        double p = S == 'N' ? y[t] : S == 'A' ? y[t] - s_old : y[t] / s_old;
        double lnew = F == 'F' ? oma * q + alpha * p : q + alpha * (p - q);
        if (T != 'N')
            b = phib + ba * (lnew - l - phib);
        if (S != 'N') {
            double tt = S == 'A' ? y[t] - q : y[t] / q;
            seas[k] = F == 'F' ? omg * s_old + gamma * tt : s_old + gamma * (tt - s_old);
            if (++k == (size_t)m)
                k = 0;
        }
        l = lnew;
    }
    if (!isfinite(sse))
        return INFINITY;
    double lik = (double)n * log(sse > 0 ? sse : 1e-300);
    if (E == 'M')
        lik += 2.0 * (logf + log(prod) + (double)ex * 0.69314718055994530942);
    return lik;
}

#define ETS_LIK_K(E, T, S)                                                                \
    static double ets_lik_##E##T##S(int m, double a, double be, double g, double ph,      \
                                    double l, double b, double *seas, const double *y,    \
                                    size_t n)                                             \
    {                                                                                     \
        return ets_lik_k('R', #E[0], #T[0], #S[0], m, a, be, g, ph, l, b, seas, y, n);    \
    }                                                                                     \
    static double ets_likf_##E##T##S(int m, double a, double be, double g, double ph,     \
                                     double l, double b, double *seas, const double *y,   \
                                     size_t n)                                            \
    {                                                                                     \
        return ets_lik_k('F', #E[0], #T[0], #S[0], m, a, be, g, ph, l, b, seas, y, n);    \
    }
ETS_LIK_K(A, N, N)
ETS_LIK_K(A, N, A)
ETS_LIK_K(A, A, N)
ETS_LIK_K(A, A, A)
ETS_LIK_K(M, N, N)
ETS_LIK_K(M, N, A)
ETS_LIK_K(M, N, M)
ETS_LIK_K(M, A, N)
ETS_LIK_K(M, A, A)
ETS_LIK_K(M, A, M)

typedef double (*ets_lik_fn)(int, double, double, double, double, double, double, double *,
                             const double *, size_t);

/* The specialised kernel of a model (NULL for A error with M season, never fitted), in
 * R's arithmetic or (fast) the fast form. */
static ets_lik_fn ets_lik_kernel(const sc_ets_model *md, int fast)
{
    int ia = md->trend == 'A';
    switch (md->error == 'M' ? md->season : (char)tolower(md->season)) {
    case 'n': return fast ? (ia ? ets_likf_AAN : ets_likf_ANN) : ia ? ets_lik_AAN : ets_lik_ANN;
    case 'a': return fast ? (ia ? ets_likf_AAA : ets_likf_ANA) : ia ? ets_lik_AAA : ets_lik_ANA;
    case 'N': return fast ? (ia ? ets_likf_MAN : ets_likf_MNN) : ia ? ets_lik_MAN : ets_lik_MNN;
    case 'A': return fast ? (ia ? ets_likf_MAA : ets_likf_MNA) : ia ? ets_lik_MAA : ets_lik_MNA;
    case 'M': return fast ? (ia ? ets_likf_MAM : ets_likf_MNM) : ia ? ets_lik_MAM : ets_lik_MNM;
    default: return NULL;
    }
}

static int model_check(sc_ets_model model, int m, sc_error *err)
{
    if ((model.error != 'A' && model.error != 'M') ||
        (model.trend != 'N' && model.trend != 'A') ||
        (model.season != 'N' && model.season != 'A' && model.season != 'M') ||
        (model.damped && model.trend == 'N') ||
        (model.season != 'N' && (m < 2 || m > SC_ETS_MAX_PERIOD))) {
        sc_error_set(err, SC_ERR_INPUT, "ets",
                     "bad model %c%c%s%c with period %d", model.error, model.trend,
                     model.damped ? "d" : "", model.season, m);
        return 0;
    }
    return 1;
}

sc_status sc_ets_filter(sc_ets_model model, int m, const double par[4], const double *x0,
                        const double *y, size_t n, double *fitted, double *sse,
                        sc_error *err)
{
    if (!model_check(model, m, err))
        return SC_ERR_INPUT;
    int ms = model.season == 'N' ? 1 : m;
    double l = x0[0], b = 0.0, seas[SC_ETS_MAX_PERIOD];
    size_t k = 1;
    if (model.trend != 'N')
        b = x0[k++];
    seas[0] = model.season == 'M' ? 1.0 : 0.0;
    if (model.season != 'N')
        for (int p = 0; p < m; p++)
            seas[p] = x0[k + (size_t)(m - 1 - p)];   /* position p uses s_{-m+1+p} */
    double phi = model.damped ? par[3] : 1.0;
    double lik = ets_run(&model, ms, par[0], par[1], par[2], phi, &l, &b, seas, y, n, fitted,
                         sse);
    if (!isfinite(lik))
        return sc_error_set(err, SC_ERR_RANGE, "ets", "forecast near zero in a "
                                                      "multiplicative model");
    return SC_OK;
}

/* ---- estimation ------------------------------------------------------------------- */

typedef struct fit_ctx {
    sc_ets_model md;
    int m;                  /* seasonal period used (1 without season) */
    const double *y;        /* data (in data units, as R) */
    size_t n;
    double fixed[4];        /* fixed alpha, beta, gamma, phi (NaN = free) */
    int idx[4];             /* index of each parameter in the vector, -1 = not used */
    int i_l, i_b, i_s;      /* indices of l0, b0, first seasonal state (-1 = none) */
    double seas[SC_ETS_MAX_PERIOD];  /* scratch ring */
    size_t np;                       /* vector length */
    int fast;                        /* 1 = warm refit: fast arithmetic (fit_model) */
    ets_lik_fn kernel;               /* ets_lik_kernel(&md, fast) */
} fit_ctx;

/* Every root of the polynomial a[0] + a[1] z + ... + a[d] z^d (a[d] != 0) has modulus
 * below 1: the Schur-Cohn-Jury recursion (|a_d| > |a_0|, then the same test on
 * (a_d p(z) - a_0 z^d p(1/z)) / z, of degree d - 1).  a is overwritten. */
static int roots_inside_unit_circle(double *a, int d)
{
    for (; d > 0; d--) {
        double lead = a[d], c0 = a[0];
        if (!(fabs(lead) > fabs(c0)))
            return 0;
        /* q_{k-1} = a_d a_k - a_0 a_{d-k}, k = 1..d, normalised by a_d^2 */
        double inv = 1.0 / lead;
        double r = c0 * inv;
        double tmp[4 + 2 + SC_ETS_MAX_PERIOD];
        for (int k = 1; k <= d; k++)
            tmp[k - 1] = a[k] * inv - r * a[d - k] * inv;
        memcpy(a, tmp, (size_t)d * sizeof *a);
    }
    return 1;
}

/* R's admissibility test of a seasonal model (forecast's EtsTargetFunction::admissible,
 * bounds = "both"): the easy inequalities of Hyndman et al. (2008, ch. 10) and then the
 * roots of the characteristic polynomial
 *   z^{m+1} + (a+b-phi) z^m + (a+b-a phi) (z^{m-1} + ... + z^2) + (a+b-a phi+g-1) z
 *   + phi (1-a-g)
 * all within modulus 1 + 1e-10 (R finds them with cpolyroot; testing the polynomial in
 * w = z / (1 + 1e-10) with Schur-Cohn decides the same without computing them).
 * Non-seasonal models are always admissible inside the usual bounds.
 *
 * Seasonal models without trend (b = 0, phi = 1: ANA, MNA, MNM) are admissible inside
 * the usual bounds too, so with `fast` (warm refits, fit_model) they skip the O(m^2)
 * root test (it was 23 % of a year-long
 * run's instructions, as much as the likelihood itself: bench/README.md).  Proof: the
 * polynomial is then p(z) = z^{m+1} - u z^m - v z + c with u = 1 - a, v = 1 - g,
 * c = 1 - a - g = u + v - 1; p(1) = 0, and p'(1) = m a + g > 0, so z = 1 is a simple
 * root, inside 1 + 1e-10.  Any other root with |z| = r >= 1 solves z^m (z - u) = v z - c,
 * so r^{2m} |z - u|^2 = |v z - c|^2 with r^{2m} >= 1; but
 *   |z - u|^2 - |v z - c|^2 = g [ r^2 (1 + v) - 2 r cos(theta) (u + v) + u + c ]
 * (using u - v c = g (u + v) and u^2 - c^2 = g (u + c)), and the bracket is at least
 * E(r) = r^2 (1 + v) - 2 r (u + v) + 2u + v - 1, with E(1) = 0 and E'(r) >= 2a > 0
 * for r >= 1 (as 1 + v > 0 and u + v > 0), so the bracket is > 0 except at z = 1: no
 * such root.  The proof uses 0 < a < 1 and 0 < g <= 1 - a, which the fast path checks
 * again.  The root test in floating point used to reject some of these points (alpha
 * and gamma near 1e-4, where eleven roots lie within 1e-5 of the unit circle beside the
 * one at 1): R, which computes the roots, admits them (tests/test_ets.c,
 * no_trend_seasonal_admissible_at_small_alpha_gamma, with mpmath's roots).  Cold fits
 * keep the root test as it was, so that their figures stay bit for bit (fit_model). */
static int admissible(const sc_ets_model *md, int m, const double par[4], int fast)
{
    if (md->season == 'N')
        return 1;
    double a = par[0], b = md->trend == 'N' ? 0.0 : par[1], g = par[2];
    double phi = md->damped ? par[3] : 1.0;
    if (fast && md->trend == 'N' && a > 0.0 && a < 1.0 && g > 0.0 && g <= 1.0 - a)
        return 1;   /* proved above */
    if (phi < 0.0 || phi > 1.0 + 1e-8)
        return 0;
    double d = 1.0 - 1.0 / phi - a;
    if (g < (d > 0 ? d : 0.0) || g > 1.0 + 1.0 / phi - a)
        return 0;
    if (a < 1.0 - 1.0 / phi - g * (1.0 - m + phi + phi * m) / (2.0 * phi * m))
        return 0;
    if (b < -(1.0 - phi) * (g / m + a))
        return 0;
    /* coefficients in increasing powers of w, z = (1 + 1e-10) w */
    double c[4 + 2 + SC_ETS_MAX_PERIOD];
    int deg = m + 1;
    double dec[4 + 2 + SC_ETS_MAX_PERIOD];   /* R's opr: decreasing powers of z */
    int k = 0;
    dec[k++] = 1.0;
    dec[k++] = a + b - phi;
    for (int i = 0; i < m - 2; i++)
        dec[k++] = a + b - a * phi;
    dec[k++] = a + b - a * phi + g - 1.0;
    dec[k++] = phi * (1.0 - a - g);
    double sc = 1.0, rho = 1.0 + 1e-10;
    for (int p = 0; p <= deg; p++) {   /* power p of z has dec[deg - p] */
        c[p] = dec[deg - p] * sc;
        sc *= rho;
    }
    return roots_inside_unit_circle(c, deg);
}

/* Unpack a parameter vector; returns 0 when outside R's bounds = "both": the usual
 * bounds and the admissible region. */
static int unpack(const fit_ctx *c, const double *v, double par[4], double *l, double *b,
                  double *seas)
{
    for (int i = 0; i < 4; i++)
        par[i] = c->idx[i] >= 0 ? v[c->idx[i]] : c->fixed[i];
    if (c->md.trend == 'N')
        par[1] = 0.0;
    if (c->md.season == 'N')
        par[2] = 0.0;
    if (!c->md.damped)
        par[3] = 1.0;
    double a = par[0];
    if (!(a >= lower_b[0] && a <= upper_b[0]))
        return 0;
    if (c->md.trend != 'N' && !(par[1] >= lower_b[1] && par[1] <= upper_b[1] && par[1] <= a))
        return 0;
    if (c->md.season != 'N' &&
        !(par[2] >= lower_b[2] && par[2] <= upper_b[2] && par[2] <= 1.0 - a))
        return 0;
    if (c->md.damped && !(par[3] >= lower_b[3] && par[3] <= upper_b[3]))
        return 0;
    *l = v[c->i_l];
    *b = c->i_b >= 0 ? v[c->i_b] : 0.0;
    if (c->md.season == 'N') {
        seas[0] = 0.0;
        return 1;
    }
    int m = c->m;
    double sum = 0.0;
    /* vector holds s_0, s_{-1}, ..., s_{-m+2}; s_{-m+1} closes the sum */
    for (int j = 0; j < m - 1; j++) {
        double sj = v[c->i_s + j];
        seas[m - 1 - j] = sj;
        sum += sj;
    }
    seas[0] = c->md.season == 'M' ? (double)m - sum : -sum;
    if (c->md.season == 'M')
        for (int p = 0; p < m; p++)
            if (seas[p] < 0.0 || isnan(seas[p]))
                return 0;
    return admissible(&c->md, m, par, c->fast);
}

/* R's objective (forecast's EtsTargetFunction::eval with opt.crit = "lik"): the
 * likelihood criterion n log(sum e^2) [+ 2 sum log|f|], +Inf outside the bounds, a
 * likelihood below -1e10 clamped there ("avoid perfect fits"). */
static double objective(const double *v, fit_ctx *c)
{
    double par[4], l, b;
    if (!unpack(c, v, par, &l, &b, c->seas))
        return INFINITY;
    double lik = c->kernel(c->m, par[0], par[1], par[2], par[3], l, b, c->seas, c->y, c->n);
    return lik < -1e10 ? -1e10 : lik;
}

/* A vertex value as R's nmmin sees it: non-finite becomes "big". */
static double nm_eval(const double *v, fit_ctx *c)
{
    double f = objective(v, c);
    return isfinite(f) ? f : ETS_BIG;
}

/* R's Nelder-Mead (nmmin in R's src/appl/optim.c, as called by forecast's
 * etsNelderMead: abstol -Inf, reltol sqrt(DBL_EPSILON), alpha 1, beta 0.5, gamma 2,
 * maxit 2000), transcribed so that the estimates follow R's path: a simplex of one
 * common step 0.1 max|x_i| (dominated by the level in data units), stopping when the
 * spread of the vertex values falls under reltol (|f| + reltol).  x gets the best
 * vertex.  P is (n+1) x (n+2), column-major as in R.  step_frac is R's 0.1 for a cold
 * start (smaller for a warm start near the optimum).  Returns the evaluations made.
 * With c->fast (warm refits) the centroid comes from running sums of the vertices (S
 * below): the same path as nmmin's up to rounding. */
static int r_nmmin(fit_ctx *c, double *x, size_t n, int maxit, double step_frac)
{
    enum { NMAX = 4 + 2 + SC_ETS_MAX_PERIOD };
    const double alpha = 1.0, bet = 0.5, gamm = 2.0, intol = 1.490116119384765625e-8;
    double P[NMAX + 1][NMAX + 2];   /* P[i][j]: coordinate i (i = n: value) of vertex j */
    double B[NMAX];
    memcpy(B, x, n * sizeof *B);
    double f = objective(B, c);
    if (!isfinite(f))
        return 1; /* R stops: "function cannot be evaluated at initial parameters" */
    int funcount = 1;
    double convtol = intol * (fabs(f) + intol);
    size_t n1 = n + 1, C = n + 2, L = 1, H;
    P[n1 - 1][0] = f;
    for (size_t i = 0; i < n; i++)
        P[i][0] = B[i];
    double step = 0.0, size = 0.0;
    for (size_t i = 0; i < n; i++)
        if (step_frac * fabs(B[i]) > step)
            step = step_frac * fabs(B[i]);
    if (step == 0.0)
        step = step_frac;
    for (size_t j = 2; j <= n1; j++) {
        for (size_t i = 0; i < n; i++)
            P[i][j - 1] = B[i];
        double trystep = step;
        while (P[j - 2][j - 1] == B[j - 2]) {
            P[j - 2][j - 1] = B[j - 2] + trystep;
            trystep *= 10;
        }
        size += trystep;
    }
    double oldsize = size, VH, VL, VR;
    /* Fast arithmetic (c->fast, warm refits): S[i], the sum of coordinate i over the n1
     * vertices, is kept up to date as vertex H is replaced (SET_H), so that the
     * centroid costs O(n) instead of nmmin's O(n^2) per iteration (it was a third of
     * the fit's time beside the likelihood); summed afresh after a shrink and every n1
     * iterations, so its rounding cannot drift. */
    double S[NMAX];
    int calcvert = 1, resum = 1;
    size_t since = 0;
#define SET_H(i, val)                                                                      \
    do {                                                                                   \
        double v_ = (val);                                                                 \
        if (c->fast)                                                                       \
            S[i] += v_ - P[i][H - 1];                                                      \
        P[i][H - 1] = v_;                                                                  \
    } while (0)
    do {
        if (calcvert) {
            for (size_t j = 0; j < n1; j++)
                if (j + 1 != L) {
                    for (size_t i = 0; i < n; i++)
                        B[i] = P[i][j];
                    f = nm_eval(B, c);
                    funcount++;
                    P[n1 - 1][j] = f;
                }
            calcvert = 0;
            resum = 1;
        }
        VL = P[n1 - 1][L - 1];
        VH = VL;
        H = L;
        for (size_t j = 1; j <= n1; j++)
            if (j != L) {
                f = P[n1 - 1][j - 1];
                if (f < VL) {
                    L = j;
                    VL = f;
                }
                if (f > VH) {
                    H = j;
                    VH = f;
                }
            }
        if (VH <= VL + convtol)
            break;
        if (!c->fast) {   /* nmmin's sums */
            for (size_t i = 0; i < n; i++) {
                double temp = -P[i][H - 1];
                for (size_t j = 0; j < n1; j++)
                    temp += P[i][j];
                P[i][C - 1] = temp / (double)n;
            }
        } else if (resum || ++since >= n1) {
            for (size_t i = 0; i < n; i++) {
                double temp = 0.0;
                for (size_t j = 0; j < n1; j++)
                    temp += P[i][j];
                S[i] = temp;
            }
            resum = 0;
            since = 0;
        }
        if (c->fast)
            for (size_t i = 0; i < n; i++)
                P[i][C - 1] = (S[i] - P[i][H - 1]) / (double)n;
        for (size_t i = 0; i < n; i++)
            B[i] = (1.0 + alpha) * P[i][C - 1] - alpha * P[i][H - 1];
        f = nm_eval(B, c);
        funcount++;
        VR = f;
        if (VR < VL) {
            P[n1 - 1][C - 1] = f;
            for (size_t i = 0; i < n; i++) {
                f = gamm * B[i] + (1 - gamm) * P[i][C - 1];
                P[i][C - 1] = B[i];
                B[i] = f;
            }
            f = nm_eval(B, c);
            funcount++;
            if (f < VR) {
                for (size_t i = 0; i < n; i++)
                    SET_H(i, B[i]);
                P[n1 - 1][H - 1] = f;
            } else {
                for (size_t i = 0; i < n; i++)
                    SET_H(i, P[i][C - 1]);
                P[n1 - 1][H - 1] = VR;
            }
        } else {
            if (VR < VH) {
                for (size_t i = 0; i < n; i++)
                    SET_H(i, B[i]);
                P[n1 - 1][H - 1] = VR;
            }
            for (size_t i = 0; i < n; i++)
                B[i] = (1 - bet) * P[i][H - 1] + bet * P[i][C - 1];
            f = nm_eval(B, c);
            funcount++;
            if (f < P[n1 - 1][H - 1]) {
                for (size_t i = 0; i < n; i++)
                    SET_H(i, B[i]);
                P[n1 - 1][H - 1] = f;
            } else if (VR >= VH) {
                calcvert = 1;
                size = 0.0;
                for (size_t j = 0; j < n1; j++)
                    if (j + 1 != L)
                        for (size_t i = 0; i < n; i++) {
                            P[i][j] = bet * (P[i][j] - P[i][L - 1]) + P[i][L - 1];
                            size += fabs(P[i][j] - P[i][L - 1]);
                        }
                if (size < oldsize)
                    oldsize = size;
                else
                    break;   /* polytope size not decreased in shrink */
            }
        }
    } while (funcount <= maxit);
#undef SET_H
    for (size_t i = 0; i < n; i++)
        x[i] = P[i][L - 1];
    return funcount;
}

/* Least-squares line through (1..k, v[0..k-1]): intercept at 0 and slope. */
static void ls_line(const double *v, size_t k, double *icept, double *slope)
{
    double mx = (k + 1) / 2.0, my = 0.0;
    for (size_t i = 0; i < k; i++)
        my += v[i];
    my /= (double)k;
    double sxy = 0.0, sxx = 0.0;
    for (size_t i = 0; i < k; i++) {
        double dx = (double)(i + 1) - mx;
        sxy += dx * (v[i] - my);
        sxx += dx * dx;
    }
    *slope = sxx > 0 ? sxy / sxx : 0.0;
    *icept = my - *slope * mx;
}

typedef struct fit_result {
    double lik, aicc, sigma2;
    double par[4];
    double l0, b0;
    double seas0[SC_ETS_MAX_PERIOD];   /* ring at position 0 */
    int ok;
    int evals, warm;                   /* Nelder-Mead evaluations, warm-started */
} fit_result;

/* Warm start (cfg->ets.warm): overwrite the cold starting vector x with cfg's warm
 * parameters and (when given) the previous fit's initial states, the seasonal ring
 * rotated by warm_shift (the new history starts warm_shift samples later, so its
 * position q had the previous fit's position q + warm_shift).  The level is kept: over
 * a refit interval it moves little against the 10 % simplex of a cold start.  Returns 1
 * when x was changed to an admissible point, 0 (x untouched) otherwise. */
static int warm_start(fit_ctx *c, const sc_forecast_config *cfg, double *x)
{
    double w[4 + 2 + SC_ETS_MAX_PERIOD];
    memcpy(w, x, c->np * sizeof *w);
    for (int i = 0; i < 4; i++)
        if (c->idx[i] >= 0 && isfinite(cfg->ets.warm_par[i]))
            w[c->idx[i]] = cfg->ets.warm_par[i];
    if (isfinite(cfg->ets.warm_x0[0])) {
        w[c->i_l] = cfg->ets.warm_x0[0];
        if (c->i_b >= 0 && isfinite(cfg->ets.warm_x0[1]))
            w[c->i_b] = cfg->ets.warm_x0[1];
        if (c->i_s >= 0) {
            int m = c->m;
            /* old ring: ring[m-1-j] = s_{-j} = warm_x0[2 + j] */
            double ring[SC_ETS_MAX_PERIOD];
            int okr = 1;
            for (int j = 0; j < m; j++) {
                ring[m - 1 - j] = cfg->ets.warm_x0[2 + j];
                okr = okr && isfinite(cfg->ets.warm_x0[2 + j]);
            }
            if (okr) {
                int sh = cfg->ets.warm_shift % m;
                if (sh < 0)
                    sh += m;
                /* new ring[q] = old ring[(q + sh) % m]; vector j holds ring[m-1-j] */
                for (int j = 0; j < m - 1; j++)
                    w[c->i_s + j] = ring[(m - 1 - j + sh) % m];
            }
        }
    }
    if (!isfinite(objective(w, c)))
        return 0;
    memcpy(x, w, c->np * sizeof *w);
    return 1;
}

/* Fit one model to y (n >= 3m when seasonal) as forecast's etsmodel does. */
static sc_status fit_model(sc_ets_model md, int m, const double *y, size_t n,
                           const sc_forecast_config *cfg, fit_result *res, sc_error *err)
{
    memset(res, 0, sizeof *res);
    fit_ctx c;
    memset(&c, 0, sizeof c);
    c.md = md;
    c.fast = cfg->ets.warm != 0;   /* for the warm start's check; see below */
    c.kernel = ets_lik_kernel(&md, c.fast);
    c.m = md.season == 'N' ? 1 : m;
    c.y = y;
    c.n = n;
    c.fixed[0] = cfg->ets.alpha;
    c.fixed[1] = cfg->ets.beta;
    c.fixed[2] = cfg->ets.gamma;
    c.fixed[3] = cfg->ets.phi;
    /* initial states (R's initstate) */
    double seas_fig[SC_ETS_MAX_PERIOD];
    double *ysa = malloc(n * sizeof *ysa);
    if (!ysa)
        return sc_error_set(err, SC_ERR_NOMEM, "ets", "allocating %zu values", n);
    if (md.season != 'N') {
        /* forecast 8.20 decomposes the whole series (older versions: the first 3m) */
        sc_status st = sc_season_decompose(y, n, m, md.season == 'M', seas_fig, err);
        if (st != SC_OK) {
            free(ysa);
            return st;
        }
        for (size_t i = 0; i < n; i++)
            ysa[i] = md.season == 'A' ? y[i] - seas_fig[i % (size_t)m]
                                      : y[i] / fmax(seas_fig[i % (size_t)m], 1e-2);
    } else {
        memcpy(ysa, y, n * sizeof *ysa);
    }
    size_t mm = md.season == 'N' ? 1 : (size_t)m;
    size_t maxn = 2 * mm > 10 ? 2 * mm : 10;
    if (maxn > n)
        maxn = n;
    double l0, b0 = 0.0;
    if (md.trend == 'N') {
        l0 = 0.0;
        for (size_t i = 0; i < maxn; i++)
            l0 += ysa[i];
        l0 /= (double)maxn;
    } else {
        ls_line(ysa, maxn, &l0, &b0);
        if (fabs(l0 + b0) < 1e-8) {
            l0 *= 1 + 1e-3;
            b0 *= 1 - 1e-3;
        }
    }
    free(ysa);
    /* starting parameters: R's initparam, with etsmodel's narrowing of the bounds by
     * fixed parameters */
    double lo[4], up[4];
    memcpy(lo, lower_b, sizeof lo);
    memcpy(up, upper_b, sizeof up);
    if (!isnan(cfg->ets.alpha)) {
        up[1] = fmin(cfg->ets.alpha, up[1]);
        up[2] = fmin(1.0 - cfg->ets.alpha, up[2]);
    }
    if (!isnan(cfg->ets.beta))
        lo[0] = fmax(cfg->ets.beta, lo[0]);
    if (!isnan(cfg->ets.gamma))
        up[0] = fmin(1.0 - cfg->ets.gamma, up[0]);
    double a0 = isnan(cfg->ets.alpha) ? lo[0] + 0.2 * (up[0] - lo[0]) / (double)mm : cfg->ets.alpha;
    if (a0 > 1.0 || a0 < 0.0)
        a0 = lo[0] + 2e-3;
    double ub = fmin(up[1], a0), ug = fmin(up[2], 1.0 - a0);
    double start[4] = {a0, lo[1] + 0.1 * (ub - lo[1]), lo[2] + 0.05 * (ug - lo[2]),
                       lo[3] + 0.99 * (up[3] - lo[3])};
    if (start[1] < 0.0 || start[1] > a0)
        start[1] = a0 - 1e-3;
    if (start[2] < 0.0 || start[2] > 1.0 - a0)
        start[2] = 1.0 - a0 - 1e-3;
    if (start[3] < 0.0 || start[3] > 1.0)
        start[3] = up[3] - 1e-3;
    int np = 0;
    int uses[4] = {1, md.trend != 'N', md.season != 'N', md.damped};
    for (int i = 0; i < 4; i++) {
        c.idx[i] = -1;
        if (uses[i] && isnan(c.fixed[i]))
            c.idx[i] = np++;
        if (uses[i] && !isnan(c.fixed[i]))
            start[i] = c.fixed[i];
    }
    c.i_l = np++;
    c.i_b = md.trend != 'N' ? np++ : -1;
    c.i_s = -1;
    if (md.season != 'N') {
        c.i_s = np;
        np += m - 1;
    }
    size_t k = (size_t)np + 1;   /* + sigma */
    if (n <= k + 1) {
        res->ok = 0;
        return SC_OK;   /* too few data for AICc: model not admissible */
    }
    double x[4 + 2 + SC_ETS_MAX_PERIOD];
    for (int i = 0; i < 4; i++)
        if (c.idx[i] >= 0)
            x[c.idx[i]] = start[i];
    x[c.i_l] = l0;
    if (c.i_b >= 0)
        x[c.i_b] = b0;
    if (c.i_s >= 0)
        for (int j = 0; j < m - 1; j++) {
            /* s_{-j} is the figure of position m-1-j (0-based) */
            double sj = seas_fig[m - 1 - j];
            if (md.season == 'M')
                sj = fmax(sj, 1e-2);   /* R: pmax(init.seas, 1e-2) */
            x[c.i_s + j] = sj;
        }
    if (c.i_s >= 0 && md.season == 'M') {
        /* R: if (sum(init.seas) > m) init.seas <- init.seas / sum(init.seas + 1e-2) */
        double sum = 0.0, sum2 = 0.0;
        for (int j = 0; j < m - 1; j++) {
            sum += x[c.i_s + j];
            sum2 += x[c.i_s + j] + 1e-2;
        }
        if (sum > (double)m)
            for (int j = 0; j < m - 1; j++)
                x[c.i_s + j] /= sum2;
    }
    c.np = (size_t)np;
    res->warm = cfg->ets.warm && warm_start(&c, cfg, x);
    /* A warm refit (the engine's periodic refits, wpe.h) leaves R's path anyway (warm
     * start, smaller simplex, capped evaluations), so it also takes the fast
     * arithmetic: the fast likelihood kernel (ets_lik_k), the proved admissibility of
     * seasonal models without trend (admissible) and the running centroid (r_nmmin);
     * together 2.5x cheaper fits (bench/README.md).  A cold fit, and a warm one that
     * fell back to the cold start, is R's path in R's arithmetic, bit for bit as before
     * (aws-predictive fits cold at every refresh, and a baseline's figures may not
     * move: tests/golden). */
    c.fast = res->warm;
    c.kernel = ets_lik_kernel(&md, c.fast);
    double step_frac = res->warm ? ETS_WARM_STEP : 0.1;
    /* One Nelder-Mead over parameters and initial states together, R's nmmin with R's
     * settings (see r_nmmin and the README for why not GSL's nmsimplex2). */
    int maxit = res->warm && cfg->ets.warm_maxit > 0 ? cfg->ets.warm_maxit : ETS_MAXIT;
    res->evals = r_nmmin(&c, x, (size_t)np, maxit, step_frac);
    double par[4], l, b;
    if (unpack(&c, x, par, &l, &b, res->seas0)) {
        double sse = 0.0, ring[SC_ETS_MAX_PERIOD];
        memcpy(ring, res->seas0, sizeof ring);
        res->l0 = l;
        res->b0 = b;
        double lik = ets_run(&md, c.m, par[0], par[1], par[2], par[3], &l, &b, ring, y, n,
                             NULL, &sse);
        if (isfinite(lik)) {
            res->ok = 1;
            res->lik = lik;
            res->aicc = lik + 2.0 * (double)k +
                        2.0 * (double)k * (double)(k + 1) / (double)(n - k - 1);
            res->sigma2 = sse / (double)(n - (size_t)np);
            memcpy(res->par, par, sizeof par);
        }
    }
    return SC_OK;
}

/* ---- plug-in ---------------------------------------------------------------------- */

static int letter_ok(char c, const char *set)
{
    return c && strchr(set, c) != NULL;
}

/* Parse spec "ETS" letters (e.g. "ZZZ", "AAdA", "MNM"); 'Z' = any. */
static int parse_spec(const char *spec, char *e, char *t, int *damped, char *s)
{
    size_t len = strlen(spec);
    if (len < 3 || len > 4)
        return 0;
    *e = spec[0];
    *t = spec[1];
    *damped = -1;   /* -1 = either (for Z trend), 0, 1 */
    if (len == 4) {
        if (spec[2] != 'd')
            return 0;
        *damped = 1;
        *s = spec[3];
    } else {
        *s = spec[2];
        *damped = *t == 'Z' ? -1 : 0;
    }
    return letter_ok(*e, "AMZ") && letter_ok(*t, "NAZ") && letter_ok(*s, "NAMZ") &&
           !(*damped == 1 && *t == 'N');
}

static int ets_season_usable(const sc_forecast_config *cfg)
{
    return cfg->period >= 2 && cfg->period <= SC_ETS_MAX_PERIOD;
}

static size_t ets_min_history(const sc_forecast_config *cfg)
{
    char e, t, s;
    int d;
    if (!parse_spec(cfg->ets.spec, &e, &t, &d, &s))
        return 1;   /* fit reports the bad spec */
    if (ets_season_usable(cfg) && s != 'N')
        return 3 * (size_t)cfg->period;
    return 8;
}

static sc_status ets_fit(void *state, const sc_forecast_config *cfg, const double *y,
                         size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    ets_state *S = state;
    char se, st_, ss;
    int sd;
    if (!parse_spec(cfg->ets.spec, &se, &st_, &sd, &ss))
        return sc_error_set(err, SC_ERR_INPUT, "ets",
                            "model spec '%s': expected error A|M|Z, trend N|A|Ad|Z, "
                            "season N|A|M|Z (e.g. ZZZ, AAdA, MNM)",
                            cfg->ets.spec);
    int m = ets_season_usable(cfg) && n >= 3 * (size_t)cfg->period ? cfg->period : 1;
    S->seed = cfg->seed;
    S->nsim = cfg->nsim > 0 ? cfg->nsim : SC_FORECAST_DEFAULT_NSIM;
    double ymin = y[0], ymax = y[0];
    for (size_t i = 0; i < n; i++) {
        ymin = fmin(ymin, y[i]);
        ymax = fmax(ymax, y[i]);
    }
    if (ymax == ymin) {   /* constant (R: ses with alpha 0.99999 on a constant) */
        memset(S, 0, sizeof *S);
        S->model = (sc_ets_model){'A', 'N', 0, 'N'};
        S->m = 1;
        S->alpha = 0.9999;
        S->phi = 1.0;
        S->l = S->l0 = y[0];
        S->pos = n;
        S->seed = cfg->seed;
        S->nsim = cfg->nsim > 0 ? cfg->nsim : SC_FORECAST_DEFAULT_NSIM;
        return SC_OK;
    }
    int positive = ymin > 0.0;

    /* R's ets: every admissible combination, in R's order (error A, M; trend N, A;
     * season N, A, M; damped before undamped), the lowest AICc wins (first on a tie). */
    fit_result best, cur;
    memset(&best, 0, sizeof best);
    sc_ets_model best_md = {0};
    static const char errs[] = "AM", trends[] = "NA", seasons[] = "NAM";
    for (int ie = 0; ie < 2; ie++)
        for (int it = 0; it < 2; it++)
            for (int is = 0; is < 3; is++)
                for (int id = 1; id >= 0; id--) {
                    sc_ets_model md = {errs[ie], trends[it], id, seasons[is]};
                    if ((se != 'Z' && se != md.error) || (st_ != 'Z' && st_ != md.trend) ||
                        (ss != 'Z' && ss != md.season))
                        continue;
                    if (md.damped && md.trend == 'N')
                        continue;
                    if (sd >= 0 && sd != md.damped)
                        continue;
                    if (md.season != 'N' && m < 2)
                        continue;
                    if (!positive && (md.error == 'M' || md.season == 'M'))
                        continue;
                    if (md.error == 'A' && md.season == 'M')
                        continue;   /* R's restrict = TRUE */
                    sc_status status = fit_model(md, m, y, n, cfg, &cur, err);
                    if (status != SC_OK)
                        return status;
                    if (cur.ok && (!best.ok || cur.aicc < best.aicc)) {
                        best = cur;
                        best_md = md;
                    }
                }
    if (!best.ok)
        return sc_error_set(err, SC_ERR_RANGE, "ets",
                            "no admissible ETS model for spec %s with %zu observations "
                            "(period %d)",
                            cfg->ets.spec, n, cfg->period);
    /* Final states: run the best model over the data. */
    S->model = best_md;
    S->m = best_md.season == 'N' ? 1 : m;
    S->alpha = best.par[0];
    S->beta = best.par[1];
    S->gamma = best.par[2];
    S->phi = best_md.damped ? best.par[3] : 1.0;
    S->aicc = best.aicc;
    S->loglik = -0.5 * best.lik;
    S->l0 = best.l0;
    S->b0 = best.b0;
    memcpy(S->seas0, best.seas0, sizeof S->seas0);
    S->evals = best.evals;
    S->warm = best.warm;
    double l = best.l0, b = best.b0;
    memcpy(S->seas, best.seas0, sizeof S->seas);
    ets_run(&best_md, S->m, S->alpha, S->beta, S->gamma, S->phi, &l, &b, S->seas, y, n,
            NULL, NULL);
    S->l = l;
    S->b = b;
    /* the ring was indexed from position 0; n observations later position n is next */
    S->pos = n;
    S->sigma2 = best.sigma2;
    return SC_OK;
}

static void ets_update(void *state, double y)
{
    ets_state *S = state;
    double *s = &S->seas[S->pos % (uint64_t)S->m];
    if (isnan(y))
        y = ets_forecast1(&S->model, S->l, S->b, S->phi, *s);
    ets_step(&S->model, S->alpha, S->beta, S->gamma, S->phi, y, &S->l, &S->b, s);
    S->pos++;
}

/* Point forecast of step h (1-based) from the current state. */
static double point_forecast(const ets_state *S, size_t h)
{
    double damp = 0.0, pk = 1.0;
    if (S->model.trend != 'N') {
        if (S->model.damped) {
            for (size_t j = 0; j < h; j++) {
                pk *= S->phi;
                damp += pk;
            }
        } else {
            damp = (double)h;
        }
    }
    double q = S->l + damp * S->b;
    double s = S->seas[(S->pos + h - 1) % (uint64_t)S->m];
    return S->model.season == 'N' ? q : S->model.season == 'A' ? q + s : q * s;
}

static int cmp_dbl(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* R's quantile type 7 of sorted v[0..n-1]. */
static double quantile7(const double *v, size_t n, double p)
{
    double hh = (double)(n - 1) * p;
    size_t lo = (size_t)floor(hh);
    if (lo + 1 >= n)
        return v[n - 1];
    return v[lo] + (hh - (double)lo) * (v[lo + 1] - v[lo]);
}

static sc_status ets_predict(const void *state, size_t h, const double *q, size_t nq,
                             double *mean, double *quant, sc_error *err)
{
    const ets_state *S = state;
    for (size_t i = 0; i < h; i++)
        mean[i] = point_forecast(S, i + 1);
    if (nq == 0)
        return SC_OK;
    double sigma = sqrt(S->sigma2 > 0 ? S->sigma2 : 0.0);
    int class1 = S->model.error == 'A' && S->model.season != 'M';
    if (class1 || sigma == 0.0) {
        double sumc2 = 0.0, phisum = 0.0, pk = 1.0;
        for (size_t i = 0; i < h; i++) {
            double se = sigma * sqrt(1.0 + sumc2);
            for (size_t k = 0; k < nq; k++)
                quant[i * nq + k] = mean[i] + gsl_cdf_ugaussian_Pinv(q[k]) * se;
            /* c_j for j = i + 1 */
            size_t j = i + 1;
            pk *= S->model.damped ? S->phi : 1.0;
            phisum += pk;
            double c = S->alpha;
            if (S->model.trend != 'N')
                c += S->beta * phisum;
            if (S->model.season != 'N' && j % (size_t)S->m == 0)
                c += S->gamma;
            sumc2 += c * c;
        }
        return SC_OK;
    }
    /* simulated sample paths */
    size_t ns = (size_t)S->nsim;
    double *paths = malloc(ns * h * sizeof *paths);
    gsl_rng *r = sc_rng_stream_alloc(
        sc_rng_key(S->seed, (sc_rng_kind)SC_FORECAST_RNG_KIND, S->pos, 0, 0));
    if (!paths || !r) {
        free(paths);
        if (r)
            gsl_rng_free(r);
        return sc_error_set(err, SC_ERR_NOMEM, "ets", "allocating %zu sample paths", ns);
    }
    for (size_t p = 0; p < ns; p++) {
        double l = S->l, b = S->b, seas[SC_ETS_MAX_PERIOD];
        memcpy(seas, S->seas, sizeof seas);
        uint64_t pos = S->pos;
        for (size_t i = 0; i < h; i++, pos++) {
            double *s = &seas[pos % (uint64_t)S->m];
            double f = ets_forecast1(&S->model, l, b, S->phi, *s);
            double e = gsl_ran_gaussian_ziggurat(r, sigma);
            double yv = S->model.error == 'A' ? f + e : f * (1.0 + e);
            paths[i * ns + p] = yv;
            ets_step(&S->model, S->alpha, S->beta, S->gamma, S->phi, yv, &l, &b, s);
        }
    }
    for (size_t i = 0; i < h; i++) {
        double *v = paths + i * ns;
        qsort(v, ns, sizeof *v, cmp_dbl);
        for (size_t k = 0; k < nq; k++)
            quant[i * nq + k] = quantile7(v, ns, q[k]);
    }
    free(paths);
    gsl_rng_free(r);
    return SC_OK;
}

/* The model's own parameters (sc_forecast_config.ets); the warm-start fields are set
 * by the Prediction Engine at refits, not by users. */
static const sc_param_def ets_params[] = {
    {.name = "spec", .kind = SC_PARAM_STRING, .def = "ZZZ", .lo = 3, .hi = 4,
     .help = "model letters error-trend[d]-season, e.g. ANA, AAdA, MAM; Z = choose by AICc"},
    {.name = "alpha", .kind = SC_PARAM_NUMBER, .def = "estimated", .lo = 0, .hi = 1,
     .help = "fixed level smoothing (absent: estimated)"},
    {.name = "beta", .kind = SC_PARAM_NUMBER, .def = "estimated", .lo = 0, .hi = 1,
     .help = "fixed trend smoothing (absent: estimated)"},
    {.name = "gamma", .kind = SC_PARAM_NUMBER, .def = "estimated", .lo = 0, .hi = 1,
     .help = "fixed seasonal smoothing (absent: estimated)"},
    {.name = "phi", .kind = SC_PARAM_NUMBER, .def = "estimated", .lo = 0.8, .hi = 0.98,
     .help = "fixed damping of a damped trend (absent: estimated; R's bounds)"},
};

const sc_forecaster_type sc_forecast_ets_type = {
    .name = "ets",
    .version = 3,
    .state_size = sizeof(ets_state),
    .max_period = SC_ETS_MAX_PERIOD,
    .min_history = ets_min_history,
    .fit = ets_fit,
    .update = ets_update,
    .predict = ets_predict,
    .params = ets_params,
    .n_params = sizeof ets_params / sizeof ets_params[0],
};

sc_status sc_ets_info_get(const sc_forecaster *fc, sc_ets_info *out, sc_error *err)
{
    if (!fc || fc->type != &sc_forecast_ets_type || !fc->fitted)
        return sc_error_set(err, SC_ERR_INPUT, "ets", "not a fitted ets forecaster");
    const ets_state *S = fc->state;
    out->model = S->model;
    out->m = S->m;
    out->alpha = S->alpha;
    out->beta = S->beta;
    out->gamma = S->gamma;
    out->phi = S->phi;
    out->l0 = S->l0;
    out->b0 = S->b0;
    out->sigma2 = S->sigma2;
    out->aicc = S->aicc;
    out->loglik = S->loglik;
    /* ring[p % m] at position 0 holds s_{p-m}: s_{-j} is ring[m-1-j] */
    for (int j = 0; j < SC_ETS_MAX_PERIOD; j++)
        out->s0[j] = j < S->m && S->model.season != 'N' ? S->seas0[S->m - 1 - j] : 0.0;
    out->evals = S->evals;
    out->warm = S->warm;
    return SC_OK;
}
