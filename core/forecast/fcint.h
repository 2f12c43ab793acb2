/*
 * fcint.h - internals shared by the ARIMA-family forecasters (arima.c, harmonic.c) and
 * the Kalman filter they run on (kalman.c).  Not a public header: the plug-ins and the
 * tests include it; everything else goes through sculpt/forecast.h.
 *
 * Sizes are compile-time bounds so a fitted model lives in the fixed-size state block
 * the forecaster core allocates (no heap pointers in a model, nothing to free):
 *   ARIMA(p,d,q)(P,D,Q)_m with p, q <= 5, P, Q <= 2, d <= 2, D <= 1, m <= 24
 *   -> expanded AR order p + mP <= 53, MA order q + mQ <= 53, state dimension
 *      r = max(p + mP, q + mQ + 1) <= 54, differencing order d + mD <= 26.
 */
#ifndef SCULPT_FCINT_H
#define SCULPT_FCINT_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/forecast.h"

#define SC_ARIMA_MAX_p 5
#define SC_ARIMA_MAX_q 5
#define SC_ARIMA_MAX_SP 2     /* seasonal AR order P */
#define SC_ARIMA_MAX_SQ 2     /* seasonal MA order Q */
#define SC_ARIMA_MAX_R (SC_ARIMA_MAX_p + SC_ARIMA_MAX_SP * SC_ARIMA_MAX_PERIOD + 1)
#define SC_ARIMA_MAX_DLAG (2 + SC_ARIMA_MAX_PERIOD)
/* Regression columns of a model: intercept or drift + exogenous columns. */
#define SC_ARIMA_MAX_BETA (SC_FORECAST_MAX_EXOG + 1)

/* ---- Kalman filter for a zero-mean ARMA in Harvey's state-space form (kalman.c) --- */

/* alpha_{t+1} = T alpha_t + R e_{t+1},  w_t = alpha_t[0],  e ~ N(0, sigma^2);
 * T has phi in its first column and ones on the superdiagonal, R = (1, theta_1, ...).
 * Covariances are in units of sigma^2 (the likelihood concentrates sigma^2 out). */
typedef struct sc_kalman {
    int r;                               /* state dimension, 1..SC_ARIMA_MAX_R */
    int steady;                          /* 1: gain converged, P no longer updated */
    double phi[SC_ARIMA_MAX_R];          /* AR coefficients, zero padded to r */
    double rv[SC_ARIMA_MAX_R];           /* R = (1, theta_1, ..., theta_{r-1}) */
    double a[SC_ARIMA_MAX_R];            /* filtered state at the last observation */
    double P[SC_ARIMA_MAX_R * SC_ARIMA_MAX_R]; /* its covariance (row-major, / sigma^2) */
    double K[SC_ARIMA_MAX_R];            /* steady-state gain P_pred[:,0] / F */
    double F;                            /* steady-state innovation variance / sigma^2 */
    int started;                         /* 0 until the first observation is filtered */
    int calm;                            /* consecutive steps with a converged gain */
} sc_kalman;

/* Doubles of workspace sc_kalman_setup needs for state dimension r. */
size_t sc_kalman_work_size(int r);
/* Set up the model phi[0..np-1], theta[0..nq-1] with the stationary initial state
 * (a = 0, P = the unconditional covariance, from the ARMA autocovariances).  Returns 0
 * when the AR part is not stationary (or the orders exceed the bounds). */
int sc_kalman_setup(sc_kalman *k, const double *phi, int np, const double *theta, int nq,
                    double *work);
/* Filter w[0..n-1] (NaN = missing) from the set-up state.  Adds sum v^2/F to *ssq,
 * sum log F to *sumlog and the number of innovations to *nu. */
void sc_kalman_filter(sc_kalman *k, const double *w, size_t n, double *ssq,
                      double *sumlog, size_t *nu);
/* Likelihood terms of w[0..n-1] for the model phi, theta (same as sc_kalman_setup +
 * sc_kalman_filter, in O(r) per observation by the Chandrasekhar recursions when w has
 * no NaN).  k is scratch (its P is not set); returns 0 when the AR part is not
 * stationary or the filter breaks down. */
int sc_kalman_loglik(sc_kalman *k, const double *phi, int np, const double *theta, int nq,
                     const double *w, size_t n, double *work, double *ssq,
                     double *sumlog, size_t *nu);
/* One predict + filter step (O(r) once steady, O(r^2) before); NaN = predict only. */
void sc_kalman_step(sc_kalman *k, double w);
/* Mean of w for steps 1..h into wmean[h], psi weights psi[0..h-1] of the ARMA, and the
 * rows u_k = e_1' T^k (k = 1..h) into u[h * r] (any may be NULL). */
void sc_kalman_forecast(const sc_kalman *k, size_t h, double *wmean, double *psi,
                        double *u);

/* ---- ARIMA with regression (arima.c) ---------------------------------------------- */

typedef struct sc_arima_order {
    int p, d, q;      /* non-seasonal orders */
    int P, D, Q;      /* seasonal orders */
    int m;            /* seasonal period (1 = none) */
} sc_arima_order;

/* A fitted regression with ARIMA errors:
 *   y_t = mu + c (t+1) + x_t' beta + z_t,   (1-B)^d (1-B^m)^D z_t = w_t,  w ~ ARMA.
 * mu only when d + D == 0 and constant, c (drift) only when d + D == 1 and constant. */
typedef struct sc_arima_model {
    sc_arima_order ord;
    int constant;                        /* mean or drift included */
    int css;                             /* 1: parameters from CSS (ML failed) */
    double ar[SC_ARIMA_MAX_p], ma[SC_ARIMA_MAX_q];
    double sar[SC_ARIMA_MAX_SP], sma[SC_ARIMA_MAX_SQ];
    double mu, drift;                    /* data units; drift per step */
    size_t nx;                           /* exogenous columns */
    double beta[SC_FORECAST_MAX_EXOG];   /* data units */
    double sigma2;                       /* innovation variance (data units^2) */
    double loglik, aicc;                 /* exact Gaussian likelihood of the fit */
    size_t nobs;                         /* observations used by the likelihood */
    int nd;                              /* differencing order d + mD */
    double delta[SC_ARIMA_MAX_DLAG];     /* z_t = w_t + sum_i delta[i] z_{t-1-i} */
    double zhist[SC_ARIMA_MAX_DLAG];     /* zhist[i] = z_{t-1-i}: latest nd values */
    uint64_t t;                          /* observations absorbed; next index is t */
    sc_kalman kf;                        /* filter of w at the last observation */
} sc_arima_model;

/* Options of the automatic search.  Initialise with sc_arima_opts_init. */
typedef struct sc_arima_opts {
    int max_p, max_q, max_P, max_Q, max_d, max_D;
    int start_p, start_q, start_P, start_Q;
    int approximation;      /* -1 = R's rule (n > 150 or m > 12), 0 = ML search, 1 = CSS */
    int allow_drift, allow_mean;
    int seasonal;           /* 0 = non-seasonal search even when m > 1 */
    int nmodels;            /* cap on models tried (R: 94) */
    int d, D;               /* -1 = by test, else fixed */
} sc_arima_opts;

void sc_arima_opts_init(sc_arima_opts *o);

/* Fit ARIMA with the given orders by exact ML (CSS starting values) to y[0..n-1] with
 * regressors x (row-major n x nx, may be NULL).  Returns SC_ERR_RANGE when no
 * admissible fit (non-stationary CSS start, too few data). */
sc_status sc_arima_fit_order(const double *y, size_t n, const double *x, size_t nx,
                             sc_arima_order ord, int constant, sc_arima_model *out,
                             sc_error *err);
/* Automatic ARIMA (Hyndman & Khandakar 2008, as R's auto.arima). */
sc_status sc_arima_fit_auto(const double *y, size_t n, const double *x, size_t nx, int m,
                            const sc_arima_opts *opts, sc_arima_model *out,
                            sc_error *err);
/* Absorb y (NaN = missing) with regressor row xrow[nx] (NULL = zeros).  No allocation. */
void sc_arima_model_update(sc_arima_model *md, double y, const double *xrow);
/* Mean and quantiles for steps 1..h; xf = future regressors (h x nx, NULL = zeros). */
sc_status sc_arima_model_predict(const sc_arima_model *md, size_t h, const double *xf,
                                 const double *q, size_t nq, double *mean, double *quant,
                                 sc_error *err);

/* Copy a model's description into out (nperiods 0). */
void sc_arima_info_fill(const sc_arima_model *md, sc_arima_info *out);
/* harmonic.c: fill out when fc is a fitted harmonic instance; returns 0 otherwise. */
int sc_harmonic_info_fill(const sc_forecaster *fc, sc_arima_info *out);
/* harmonic.c: sine and cosine coefficients of harmonic k (1-based) of period index i
 * (in sc_arima_info.periods order); returns 0 when out of range or not harmonic. */
int sc_harmonic_coef(const sc_forecaster *fc, int i, int k, double *a_sin, double *c_cos);

/* KPSS level-stationarity statistic with Newey-West lag floor(3 sqrt(n)/13) (urca's
 * ur.kpss type "mu" as forecast::ndiffs calls it). */
double sc_arima_kpss_stat(const double *x, size_t n);
/* Seasonal strength max(0, 1 - var(R) / var(S + R)) of a classical additive
 * decomposition with period m (see arima.c). */
double sc_arima_seasonal_strength(const double *x, size_t n, int m);

#endif
