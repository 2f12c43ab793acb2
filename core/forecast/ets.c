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
 * Parameters (alpha, beta, gamma, phi) and initial states (l0, b0, s_0..s_{-m+2}; the
 * last seasonal state makes the seasonal states sum to 0 (A) or m (M)) are estimated by
 * minimising lik with GSL's Nelder-Mead (nmsimplex2), inside R's "usual" bounds:
 * 1e-4 <= alpha <= 0.9999, 1e-4 <= beta <= alpha, 1e-4 <= gamma <= 1 - alpha,
 * 0.8 <= phi <= 0.98 (a point outside gets a large penalty).  Starting values and
 * initial states follow R's initparam/initstate (decompose of the first 3m points,
 * a regression on the first max(10, 2m) seasonally adjusted points).  The series is
 * divided by its mean absolute value before fitting (likelihoods of all models shift by
 * the same constant, so the AICc ranking is unchanged) and the states are scaled back.
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
 * The point forecast is the recursion with zero errors, as R reports it.
 *
 * State for update(): the seasonal states live in a ring indexed by position modulo m
 * (seas[p % m] is the latest state for positions congruent to p), so one update is
 * O(1) and allocation-free.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_randist.h>
#include <gsl/gsl_rng.h>

#include "sculpt/forecast.h"
#include "sculpt/rng.h"

#define ETS_PENALTY 1e12      /* objective value outside the bounds */
#define ETS_TOL_F 1e-10       /* |f| below this makes a multiplicative model invalid */
#define ETS_MAXIT 1000        /* Nelder-Mead iterations per model */
#define ETS_SIZE_TOL 1e-3     /* simplex size at convergence (normalised scale) */
#ifndef ETS_OPTIMISER_R
#define ETS_OPTIMISER_R 0     /* 1: R's nmmin in data units (r_nmmin); 0: two-stage GSL */
#endif
#define ETS_R_MAXIT 2000      /* R's ets default maxit */
#ifndef ETS_STAGE2_PASSES
#define ETS_STAGE2_PASSES 1   /* Nelder-Mead runs over all parameters and states */
#endif

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
    const double *y;        /* normalised data */
    size_t n;
    double fixed[4];        /* fixed alpha, beta, gamma, phi (NaN = free) */
    int idx[4];             /* index of each parameter in the vector, -1 = not used */
    int i_l, i_b, i_s;      /* indices of l0, b0, first seasonal state (-1 = none) */
    double seas[SC_ETS_MAX_PERIOD];  /* scratch ring */
    size_t np, n_par;                /* vector length; leading smoothing parameters */
    double full[4 + 2 + SC_ETS_MAX_PERIOD];  /* stage 1: states held fixed here */
    double scale;           /* data / normalised data (R optimiser: data units) */
    double lik_shift;       /* 2 n log(scale): lik of the data = lik of normalised + it */
    double tmp[4 + 2 + SC_ETS_MAX_PERIOD];   /* scratch of objective_raw */
} fit_ctx;

/* Unpack a parameter vector; returns 0 when outside the usual bounds. */
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
            if (!(seas[p] > 0.0))
                return 0;
    return 1;
}

static double objective(const gsl_vector *x, void *params)
{
    fit_ctx *c = params;
    double par[4], l, b;
    if (!unpack(c, x->data, par, &l, &b, c->seas))
        return ETS_PENALTY;
    double lik = ets_run(&c->md, c->m, par[0], par[1], par[2], par[3], &l, &b, c->seas, c->y,
                         c->n, NULL, NULL);
    return isfinite(lik) ? lik : ETS_PENALTY;
}

/* Stage 1 objective: only the smoothing parameters move, states stay in c->full. */
static double objective_par(const gsl_vector *x, void *params)
{
    fit_ctx *c = params;
    memcpy(c->full, x->data, c->n_par * sizeof *c->full);
    gsl_vector_view v = gsl_vector_view_array(c->full, c->np);
    return objective(&v.vector, c);
}

/* Nelder-Mead (GSL nmsimplex2) from x with initial steps step; x gets the minimiser.
 * Returns 0 on allocation failure. */
static int run_nm(double (*fn)(const gsl_vector *, void *), fit_ctx *c, double *x,
                  const double *step, size_t dim, int maxit)
{
    gsl_multimin_fminimizer *mz =
        gsl_multimin_fminimizer_alloc(gsl_multimin_fminimizer_nmsimplex2, dim);
    if (!mz)
        return 0;
    gsl_vector_view xv = gsl_vector_view_array(x, dim);
    gsl_vector_const_view sv = gsl_vector_const_view_array(step, dim);
    gsl_multimin_function F = {fn, dim, c};
    if (gsl_multimin_fminimizer_set(mz, &F, &xv.vector, &sv.vector) == GSL_SUCCESS) {
        for (int it = 0; it < maxit; it++) {
            if (gsl_multimin_fminimizer_iterate(mz) != GSL_SUCCESS)
                break;
            if (gsl_multimin_test_size(gsl_multimin_fminimizer_size(mz), ETS_SIZE_TOL) ==
                GSL_SUCCESS)
                break;
        }
        memcpy(x, gsl_multimin_fminimizer_x(mz)->data, dim * sizeof *x);
    }
    gsl_multimin_fminimizer_free(mz);
    return 1;
}

/* Objective in R's parametrisation: states in data units, the likelihood of the data
 * (R's ets does not normalise), non-finite or out of bounds = R's nmmin "big". */
#define ETS_R_BIG 1.0e35
static double objective_raw(const double *v, fit_ctx *c)
{
    memcpy(c->tmp, v, c->np * sizeof *v);
    c->tmp[c->i_l] /= c->scale;
    if (c->i_b >= 0)
        c->tmp[c->i_b] /= c->scale;
    if (c->i_s >= 0 && c->md.season == 'A')
        for (int j = 0; j < c->m - 1; j++)
            c->tmp[c->i_s + j] /= c->scale;
    gsl_vector_view tv = gsl_vector_view_array(c->tmp, c->np);
    double f = objective(&tv.vector, c);
    return f >= ETS_PENALTY ? ETS_R_BIG : f + c->lik_shift;
}

/* R's Nelder-Mead (nmmin in R's src/appl/optim.c, as called by forecast's
 * etsNelderMead: abstol -Inf, reltol sqrt(DBL_EPSILON), alpha 1, beta 0.5, gamma 2,
 * maxit 2000), transcribed so that the estimates follow R's path: a simplex of one
 * common step 0.1 max|x_i| (dominated by the level in data units), stopping when the
 * spread of the vertex values falls under reltol (|f| + reltol).  x gets the best
 * vertex.  P is (n+1) x (n+2), column-major as in R. */
static void r_nmmin(fit_ctx *c, double *x, size_t n, int maxit)
{
    enum { NMAX = 4 + 2 + SC_ETS_MAX_PERIOD };
    const double alpha = 1.0, bet = 0.5, gamm = 2.0, intol = 1.490116119384765625e-8;
    double P[NMAX + 1][NMAX + 2];   /* P[i][j]: coordinate i (i = n: value) of vertex j */
    double B[NMAX];
    memcpy(B, x, n * sizeof *B);
    double f = objective_raw(B, c);
    if (!(f < ETS_R_BIG))
        return;   /* R stops: "function cannot be evaluated at initial parameters" */
    int funcount = 1;
    double convtol = intol * (fabs(f) + intol);
    size_t n1 = n + 1, C = n + 2, L = 1, H;
    P[n1 - 1][0] = f;
    for (size_t i = 0; i < n; i++)
        P[i][0] = B[i];
    double step = 0.0, size = 0.0;
    for (size_t i = 0; i < n; i++)
        if (0.1 * fabs(B[i]) > step)
            step = 0.1 * fabs(B[i]);
    if (step == 0.0)
        step = 0.1;
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
    int calcvert = 1;
    do {
        if (calcvert) {
            for (size_t j = 0; j < n1; j++)
                if (j + 1 != L) {
                    for (size_t i = 0; i < n; i++)
                        B[i] = P[i][j];
                    f = objective_raw(B, c);
                    funcount++;
                    P[n1 - 1][j] = f;
                }
            calcvert = 0;
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
        for (size_t i = 0; i < n; i++) {
            double temp = -P[i][H - 1];
            for (size_t j = 0; j < n1; j++)
                temp += P[i][j];
            P[i][C - 1] = temp / (double)n;
        }
        for (size_t i = 0; i < n; i++)
            B[i] = (1.0 + alpha) * P[i][C - 1] - alpha * P[i][H - 1];
        f = objective_raw(B, c);
        funcount++;
        VR = f;
        if (VR < VL) {
            P[n1 - 1][C - 1] = f;
            for (size_t i = 0; i < n; i++) {
                f = gamm * B[i] + (1 - gamm) * P[i][C - 1];
                P[i][C - 1] = B[i];
                B[i] = f;
            }
            f = objective_raw(B, c);
            funcount++;
            if (f < VR) {
                for (size_t i = 0; i < n; i++)
                    P[i][H - 1] = B[i];
                P[n1 - 1][H - 1] = f;
            } else {
                for (size_t i = 0; i < n; i++)
                    P[i][H - 1] = P[i][C - 1];
                P[n1 - 1][H - 1] = VR;
            }
        } else {
            if (VR < VH) {
                for (size_t i = 0; i < n; i++)
                    P[i][H - 1] = B[i];
                P[n1 - 1][H - 1] = VR;
            }
            for (size_t i = 0; i < n; i++)
                B[i] = (1 - bet) * P[i][H - 1] + bet * P[i][C - 1];
            f = objective_raw(B, c);
            funcount++;
            if (f < P[n1 - 1][H - 1]) {
                for (size_t i = 0; i < n; i++)
                    P[i][H - 1] = B[i];
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
    for (size_t i = 0; i < n; i++)
        x[i] = P[i][L - 1];
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
    double seas0[SC_ETS_MAX_PERIOD];   /* ring at position 0 (normalised) */
    int ok;
} fit_result;

/* Fit one model to normalised y (n >= 3m when seasonal). */
static sc_status fit_model(sc_ets_model md, int m, const double *y, size_t n, double scale,
                           const sc_forecast_config *cfg, fit_result *res, sc_error *err)
{
    memset(res, 0, sizeof *res);
    fit_ctx c;
    memset(&c, 0, sizeof c);
    c.md = md;
    c.m = md.season == 'N' ? 1 : m;
    c.y = y;
    c.n = n;
    c.fixed[0] = cfg->alpha;
    c.fixed[1] = cfg->beta;
    c.fixed[2] = cfg->gamma;
    c.fixed[3] = cfg->phi;
    /* initial states (R's initstate) */
    double seas_fig[SC_ETS_MAX_PERIOD];
    size_t ninit = n;
    double *ysa = malloc(n * sizeof *ysa);
    if (!ysa)
        return sc_error_set(err, SC_ERR_NOMEM, "ets", "allocating %zu values", n);
    if (md.season != 'N') {
        sc_status st = sc_season_decompose(y, 3 * (size_t)m, m, md.season == 'M', seas_fig,
                                           err);
        if (st != SC_OK) {
            free(ysa);
            return st;
        }
        ninit = 3 * (size_t)m;
        for (size_t i = 0; i < ninit; i++)
            ysa[i] = md.season == 'A' ? y[i] - seas_fig[i % (size_t)m]
                                      : y[i] / seas_fig[i % (size_t)m];
    } else {
        memcpy(ysa, y, n * sizeof *ysa);
    }
    size_t mm = md.season == 'N' ? 1 : (size_t)m;
    size_t maxn = 2 * mm > 10 ? 2 * mm : 10;
    if (maxn > ninit)
        maxn = ninit;
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
    /* starting parameters (R's initparam) */
    double a0 = isnan(cfg->alpha) ? lower_b[0] + 0.2 * (upper_b[0] - lower_b[0]) / (double)mm
                                  : cfg->alpha;
    double ub = fmin(upper_b[1], a0), ug = fmin(upper_b[2], 1.0 - a0);
    double start[4] = {a0, lower_b[1] + 0.1 * (ub - lower_b[1]),
                       lower_b[2] + 0.05 * (ug - lower_b[2]),
                       lower_b[3] + 0.99 * (upper_b[3] - lower_b[3])};
    int np = 0, n_par;
    int uses[4] = {1, md.trend != 'N', md.season != 'N', md.damped};
    for (int i = 0; i < 4; i++) {
        c.idx[i] = -1;
        if (uses[i] && isnan(c.fixed[i]))
            c.idx[i] = np++;
        if (uses[i] && !isnan(c.fixed[i]))
            start[i] = c.fixed[i];
    }
    n_par = np;
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
    double x[4 + 2 + SC_ETS_MAX_PERIOD], step[4 + 2 + SC_ETS_MAX_PERIOD];
    for (int i = 0; i < 4; i++)
        if (c.idx[i] >= 0) {
            x[c.idx[i]] = start[i];
            step[c.idx[i]] = i == 3 ? 0.02 : fmin(0.1, 0.5 * start[i] + 1e-3);
        }
    x[c.i_l] = l0;
    step[c.i_l] = fmax(0.1 * fabs(l0), 0.01);
    if (c.i_b >= 0) {
        x[c.i_b] = b0;
        step[c.i_b] = fmax(0.1 * fabs(b0), 0.001);
    }
    if (c.i_s >= 0)
        for (int j = 0; j < m - 1; j++) {
            /* s_{-j} is the figure of position m-1-j (0-based) */
            double sj = seas_fig[m - 1 - j];
            x[c.i_s + j] = sj;
            step[c.i_s + j] = fmax(0.1 * fabs(sj), 0.01);
        }
    c.np = (size_t)np;
    c.n_par = (size_t)n_par;
    /* Stage 1: smoothing parameters with the heuristic initial states (a few
     * dimensions, where Nelder-Mead is reliable); stage 2: everything, ETS_STAGE2_PASSES
     * times (a restart from its own answer finds a higher likelihood but forecasts
     * worse: on a validation window cut from the end of the first 40 M4 Hourly training
     * series, never the test values, OWA 1.92 with one pass vs 2.13 with two). */
    int ok = 1;
#if ETS_OPTIMISER_R
    /* R's path: one Nelder-Mead over parameters and states in data units (r_nmmin). */
    (void)step;
    (void)run_nm;
    (void)objective_par;
    c.scale = scale;
    c.lik_shift = 2.0 * (double)n * log(scale);
    x[c.i_l] *= scale;
    if (c.i_b >= 0)
        x[c.i_b] *= scale;
    if (c.i_s >= 0 && md.season == 'A')
        for (int j = 0; j < m - 1; j++)
            x[c.i_s + j] *= scale;
    r_nmmin(&c, x, (size_t)np, ETS_R_MAXIT);
    x[c.i_l] /= scale;
    if (c.i_b >= 0)
        x[c.i_b] /= scale;
    if (c.i_s >= 0 && md.season == 'A')
        for (int j = 0; j < m - 1; j++)
            x[c.i_s + j] /= scale;
#else
    (void)r_nmmin;
    if (n_par > 0) {
        memcpy(c.full, x, (size_t)np * sizeof *x);
        ok = run_nm(objective_par, &c, x, step, (size_t)n_par, ETS_MAXIT);
        for (int i = 0; i < n_par; i++)
            step[i] = fmin(0.05, 0.5 * fmin(x[i], 1.0 - x[i]) + 1e-3);
    }
    for (int pass = 0; ok && pass < ETS_STAGE2_PASSES; pass++)
        ok = run_nm(objective, &c, x, step, (size_t)np, ETS_MAXIT);
#endif
    if (!ok)
        return sc_error_set(err, SC_ERR_NOMEM, "ets", "allocating the minimiser");
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
    if (!parse_spec(cfg->spec, &e, &t, &d, &s))
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
    if (!parse_spec(cfg->spec, &se, &st_, &sd, &ss))
        return sc_error_set(err, SC_ERR_INPUT, "ets",
                            "model spec '%s': expected error A|M|Z, trend N|A|Ad|Z, "
                            "season N|A|M|Z (e.g. ZZZ, AAdA, MNM)",
                            cfg->spec);
    int m = ets_season_usable(cfg) && n >= 3 * (size_t)cfg->period ? cfg->period : 1;
    S->seed = cfg->seed;
    S->nsim = cfg->nsim > 0 ? cfg->nsim : SC_FORECAST_DEFAULT_NSIM;
    double ymin = y[0], ymax = y[0], scale = 0.0;
    for (size_t i = 0; i < n; i++) {
        ymin = fmin(ymin, y[i]);
        ymax = fmax(ymax, y[i]);
        scale += fabs(y[i]);
    }
    scale /= (double)n;
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
    double *yn = malloc(n * sizeof *yn);
    if (!yn)
        return sc_error_set(err, SC_ERR_NOMEM, "ets", "allocating %zu values", n);
    for (size_t i = 0; i < n; i++)
        yn[i] = y[i] / scale;

    fit_result best, cur;
    memset(&best, 0, sizeof best);
    sc_ets_model best_md = {0};
    static const char errs[] = "AM", trends[] = "NA", seasons[] = "NAM";
    sc_status status = SC_OK;
    for (int ie = 0; ie < 2; ie++)
        for (int it = 0; it < 2; it++)
            for (int id = 0; id < 2; id++)
                for (int is = 0; is < 3; is++) {
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
                    status = fit_model(md, m, yn, n, scale, cfg, &cur, err);
                    if (status != SC_OK)
                        goto done;
                    if (cur.ok && (!best.ok || cur.aicc < best.aicc)) {
                        best = cur;
                        best_md = md;
                    }
                }
    if (!best.ok) {
        status = sc_error_set(err, SC_ERR_RANGE, "ets",
                              "no admissible ETS model for spec %s with %zu observations "
                              "(period %d)",
                              cfg->spec, n, cfg->period);
        goto done;
    }
    /* Final states: run the best model over the data, then back to data units. */
    S->model = best_md;
    S->m = best_md.season == 'N' ? 1 : m;
    S->alpha = best.par[0];
    S->beta = best.par[1];
    S->gamma = best.par[2];
    S->phi = best_md.damped ? best.par[3] : 1.0;
    S->aicc = best.aicc;
    S->loglik = -0.5 * best.lik;
    S->l0 = best.l0 * scale;
    S->b0 = best.b0 * scale;
    double l = best.l0, b = best.b0;
    memcpy(S->seas, best.seas0, sizeof S->seas);
    ets_run(&best_md, S->m, S->alpha, S->beta, S->gamma, S->phi, &l, &b, S->seas, yn, n,
            NULL, NULL);
    S->l = l * scale;
    S->b = b * scale;
    if (best_md.season == 'A')
        for (int p = 0; p < S->m; p++)
            S->seas[p] *= scale;
    /* the ring was indexed from position 0; n observations later position n is next */
    S->pos = n;
    S->sigma2 = best.sigma2 * (best_md.error == 'A' ? scale * scale : 1.0);
done:
    free(yn);
    return status;
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

const sc_forecaster_type sc_forecast_ets_type = {
    .name = "ets",
    .version = 1,
    .state_size = sizeof(ets_state),
    .max_period = SC_ETS_MAX_PERIOD,
    .min_history = ets_min_history,
    .fit = ets_fit,
    .update = ets_update,
    .predict = ets_predict,
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
    return SC_OK;
}
