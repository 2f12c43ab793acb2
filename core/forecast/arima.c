/*
 * arima.c - seasonal ARIMA(p,d,q)(P,D,Q)_m with regression (ARIMAX) and automatic order
 * selection after Hyndman & Khandakar, "Automatic time series forecasting: the
 * forecast package for R", J. Stat. Software 27(3), 2008, following R's
 * forecast::auto.arima (v8.20) step by step:
 *
 *  - d by repeated KPSS tests (level, lag floor(3 sqrt(n)/13), 5 %: statistic > 0.463,
 *    urca's critical value), at most 2, on the seasonally differenced series;
 *  - D (0 or 1) by the seasonal-strength heuristic that is auto.arima's default
 *    (seasonal.test = "seas": difference when strength > 0.64), but with the strength
 *    measured on a classical additive decomposition (centred 2 x m moving average,
 *    seasonal means) instead of R's STL/mstl; only when n > 2m, as R;
 *  - stepwise search over (p, q, P, Q, constant) from R's four starting models
 *    (2,d,2)(1,D,1), (0,d,0)(0,D,0), (1,d,0)(1,D,0), (0,d,1)(0,D,1) (+ no constant),
 *    the same neighbour moves in the same order, at most 94 models, p, q <= 5,
 *    P, Q <= 2; a model is rejected when a root of its AR or MA polynomial lies inside
 *    1.01 (R's myarima);
 *  - with R's "approximation" (n > 150 or m > 12) the search fits by conditional sum of
 *    squares (CSS) and scores AICc = offset + n* log sigma2 + 2k + 2k(k+1)/(n*-k-1) as
 *    R does; then the models are refitted by exact maximum likelihood in AICc order
 *    until one is admissible.  Without approximation every fit is CSS then ML.
 *  - a constant term: the mean when d + D = 0, a drift (coefficient of t = 1..n) when
 *    d + D = 1, never otherwise (R's allowmean / allowdrift).
 *
 * The model is a regression with ARIMA errors (R's Arima with xreg):
 *   y_t = mu + c t + x_t' beta + z_t,  (1-B)^d (1-B^m)^D z_t = w_t,
 *   phi(B) Phi(B^m) w_t = theta(B) Theta(B^m) e_t.
 * The likelihood of the differenced series w is exact (kalman.c) and equals R's logLik
 * of the diffuse differencing states (n* = n - d - mD observations).  Parameters are
 * estimated on y divided by its standard deviation with GSL's BFGS (vector_bfgs2): CSS
 * with its exact gradient (reverse accumulation, css_objective_grad), ML on
 * central-difference gradients of the O(r)-per-step Chandrasekhar likelihood
 * (sc_kalman_loglik); AR polynomials are kept stationary during ML by R's
 * PACF transformation (tanh, Durbin-Levinson; Jones 1980); a non-stationary CSS start
 * makes the model inadmissible, as in R ("non-stationary AR part from CSS").
 *
 * Longest seasonal period: SC_ARIMA_MAX_PERIOD (24, an hourly daily cycle).  A longer
 * configured period is modelled non-seasonally here; the "harmonic" forecaster models
 * long and multiple periods with Fourier terms.
 *
 * Forecasts: w from the filtered state, z by undifferencing, plus the regression.  The
 * forecast variance is exact given the parameters: with u = alpha_n - a_n ~ N(0, P_n),
 *   y_{n+h} - yhat = g_h' u + sum_{i<h} Psi_i e_{n+h-i},
 *   g_h = sum_{k=1..h} xi_{h-k} (e_1' T^k)',  Psi = xi * psi,
 * xi the expansion of 1/((1-B)^d (1-B^m)^D) and psi the ARMA's psi weights, so
 * var_h = sigma^2 (g_h' P_n g_h + sum Psi_i^2); Gaussian quantiles at any level (R's
 * predict.Arima up to its approximate diffuse prior).
 *
 * update(y): one Kalman step of w with the fitted parameters, O(r) once the gain has
 * converged, no allocation; the z history is a shift register of d + mD values.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>
#include <gsl/gsl_multimin.h>
#include <gsl/gsl_poly.h>

#include "fcint.h"

#define AR_PENALTY 1e10          /* objective outside the admissible region */
#define AR_MINROOT 1.01          /* R's myarima: roots inside this make a model invalid */
#define AR_KPSS_CRIT 0.463       /* urca ur.kpss type "mu", 5 % */
#define AR_SEAS_THRESHOLD 0.64   /* forecast::nsdiffs "seas" heuristic */
#define AR_BFGS_MAXIT 100       /* R's optim default maxit */
#define AR_RELTOL 1.490116e-8    /* R's optim default reltol, sqrt(DBL_EPSILON) */
#define AR_GRAD_TOL 1e-5
#define AR_FD_STEP 1e-4          /* central-difference step (scaled parameters) */

void sc_arima_opts_init(sc_arima_opts *o)
{
    o->max_p = 5;
    o->max_q = 5;
    o->max_P = 2;
    o->max_Q = 2;
    o->max_d = 2;
    o->max_D = 1;
    o->start_p = 2;
    o->start_q = 2;
    o->start_P = 1;
    o->start_Q = 1;
    o->approximation = -1;
    o->allow_drift = 1;
    o->allow_mean = 1;
    o->seasonal = 1;
    o->nmodels = 94;
    o->d = -1;
    o->D = -1;
}

/* ---- tests for differencing -------------------------------------------------------- */

static int is_constant(const double *x, size_t n)
{
    for (size_t i = 1; i < n; i++)
        if (x[i] != x[0])
            return 0;
    return 1;
}

double sc_arima_kpss_stat(const double *x, size_t n)
{
    if (n < 2)
        return 0.0;
    double mean = 0.0;
    for (size_t i = 0; i < n; i++)
        mean += x[i];
    mean /= (double)n;
    double S = 0.0, eta = 0.0, s2 = 0.0;
    for (size_t i = 0; i < n; i++) {
        double e = x[i] - mean;
        S += e;
        eta += S * S;
        s2 += e * e;
    }
    size_t L = (size_t)floor(3.0 * sqrt((double)n) / 13.0);
    double lrv = s2 / (double)n;
    for (size_t l = 1; l <= L && l < n; l++) {
        double c = 0.0;
        for (size_t t = l; t < n; t++)
            c += (x[t] - mean) * (x[t - l] - mean);
        lrv += 2.0 * (1.0 - (double)l / (double)(L + 1)) * c / (double)n;
    }
    eta /= (double)n * (double)n;
    return lrv > 0 ? eta / lrv : 0.0;
}

double sc_arima_seasonal_strength(const double *x, size_t n, int m)
{
    if (m < 2 || n < 2 * (size_t)m + 1)
        return 0.0;
    size_t half = (size_t)m / 2, lo = half, hi = n - half;   /* trend on [lo, hi) */
    double *det = malloc(n * sizeof *det);
    if (!det)
        return 0.0;
    double fig[SC_FORECAST_MAX_PERIOD];
    size_t cnt[SC_FORECAST_MAX_PERIOD];
    memset(fig, 0, (size_t)m * sizeof *fig);
    memset(cnt, 0, (size_t)m * sizeof *cnt);
    for (size_t t = lo; t < hi; t++) {
        double s = 0.0;
        if (m % 2 == 0) {
            s = 0.5 * (x[t - half] + x[t + half]);
            for (size_t k = t - half + 1; k < t + half; k++)
                s += x[k];
        } else {
            for (size_t k = t - half; k <= t + half; k++)
                s += x[k];
        }
        det[t] = x[t] - s / (double)m;
        fig[t % (size_t)m] += det[t];
        cnt[t % (size_t)m]++;
    }
    double fm = 0.0;
    for (int j = 0; j < m; j++) {
        fig[j] = cnt[j] ? fig[j] / (double)cnt[j] : 0.0;
        fm += fig[j];
    }
    fm /= (double)m;
    double mr = 0.0, ms = 0.0, n2 = (double)(hi - lo);
    for (size_t t = lo; t < hi; t++) {
        double s = fig[t % (size_t)m] - fm;
        mr += det[t] - s;
        ms += det[t];
    }
    mr /= n2;
    ms /= n2;
    double vr = 0.0, vs = 0.0;
    for (size_t t = lo; t < hi; t++) {
        double s = fig[t % (size_t)m] - fm, rem = det[t] - s;
        vr += (rem - mr) * (rem - mr);
        vs += (det[t] - ms) * (det[t] - ms);
    }
    free(det);
    if (!(vs > 0))
        return 0.0;
    double f = 1.0 - vr / vs;
    return f < 0 ? 0.0 : f > 1 ? 1.0 : f;
}

/* ---- polynomials ------------------------------------------------------------------- */

/* Expanded AR (phi, R's sign: w_t = sum phi_i w_{t-i} + ...) and MA polynomials. */
static void expand_arma(const sc_arima_order *o, const double *ar, const double *ma,
                        const double *sar, const double *sma, double *phi, int *np,
                        double *theta, int *nq)
{
    int m = o->m;
    *np = o->p + m * o->P;
    *nq = o->q + m * o->Q;
    memset(phi, 0, (size_t)(*np > 0 ? *np : 1) * sizeof *phi);
    memset(theta, 0, (size_t)(*nq > 0 ? *nq : 1) * sizeof *theta);
    for (int i = 0; i < o->p; i++)
        phi[i] = ar[i];
    for (int j = 0; j < o->P; j++) {
        phi[(j + 1) * m - 1] += sar[j];
        for (int i = 0; i < o->p; i++)
            phi[(j + 1) * m + i] -= ar[i] * sar[j];
    }
    for (int i = 0; i < o->q; i++)
        theta[i] = ma[i];
    for (int j = 0; j < o->Q; j++) {
        theta[(j + 1) * m - 1] += sma[j];
        for (int i = 0; i < o->q; i++)
            theta[(j + 1) * m + i] += ma[i] * sma[j];
    }
}

/* delta of (1-B)^d (1-B^m)^D = 1 - sum delta_i B^i; returns its order. */
static int diff_poly(int d, int D, int m, double *delta)
{
    double c[SC_ARIMA_MAX_DLAG + 1] = {1.0};
    int deg = 0;
    for (int k = 0; k < d + D; k++) {
        int lag = k < d ? 1 : m;
        for (int i = deg + lag; i >= 0; i--) {
            double v = i <= deg ? c[i] : 0.0;
            if (i >= lag)
                v -= c[i - lag];
            c[i] = v;
        }
        deg += lag;
    }
    for (int i = 1; i <= deg; i++)
        delta[i - 1] = -c[i];
    return deg;
}

/* Smallest modulus of the roots of 1 - sum c_i z^i (sign = -1) or 1 + sum c_i z^i. */
static double min_root(const double *c, int n, double sign)
{
    while (n > 0 && fabs(c[n - 1]) <= 1e-8)
        n--;
    if (n == 0)
        return INFINITY;
    double a[SC_ARIMA_MAX_R + 1], z[2 * SC_ARIMA_MAX_R + 2];
    a[0] = 1.0;
    for (int i = 0; i < n; i++)
        a[i + 1] = sign * c[i];
    gsl_poly_complex_workspace *ws = gsl_poly_complex_workspace_alloc((size_t)n + 1);
    if (!ws)
        return 0.0;
    double mr = INFINITY;
    if (gsl_poly_complex_solve(a, (size_t)n + 1, ws, z) == GSL_SUCCESS)
        for (int i = 0; i < n; i++)
            mr = fmin(mr, hypot(z[2 * i], z[2 * i + 1]));
    else
        mr = 0.0;
    gsl_poly_complex_workspace_free(ws);
    return mr;
}

/* R's partrans: raw -> PACF (tanh) -> AR coefficients (Durbin-Levinson). */
static void partrans(int p, const double *raw, double *out)
{
    double work[SC_ARIMA_MAX_p + SC_ARIMA_MAX_SP];
    for (int j = 0; j < p; j++)
        work[j] = out[j] = tanh(raw[j]);
    for (int j = 1; j < p; j++) {
        double a = out[j];
        for (int k = 0; k < j; k++)
            work[k] -= a * out[j - k - 1];
        for (int k = 0; k < j; k++)
            out[k] = work[k];
    }
}

/* Inverse of partrans; returns 0 when phi is not stationary. */
static int invpartrans(int p, const double *phi, double *raw)
{
    double nw[SC_ARIMA_MAX_p + SC_ARIMA_MAX_SP], work[SC_ARIMA_MAX_p + SC_ARIMA_MAX_SP];
    for (int j = 0; j < p; j++)
        work[j] = nw[j] = phi[j];
    for (int j = p - 1; j > 0; j--) {
        double a = nw[j];
        if (!(fabs(a) < 1.0))
            return 0;
        for (int k = 0; k < j; k++)
            work[k] = (nw[k] + a * nw[j - k - 1]) / (1.0 - a * a);
        for (int k = 0; k < j; k++)
            nw[k] = work[k];
    }
    for (int j = 0; j < p; j++) {
        if (!(fabs(nw[j]) < 1.0))
            return 0;
        raw[j] = atanh(nw[j]);
    }
    return 1;
}

/* ---- one model: CSS and ML ---------------------------------------------------------- */

/* Fit data shared by all models of a search (scaled units). */
typedef struct fit_data {
    const double *y;      /* scaled series, n */
    size_t n;
    const double *X;      /* regressors n x nc (scaled), NULL when nc == 0 */
    size_t nc;
    double *dy, *w;       /* differenced y (set per fit, fit_prepare), scratch: n each */
    double *dX;           /* differenced regressors (n - nd) x nc, set per fit */
    double *e;            /* scratch residuals n */
    double *eb;           /* scratch adjoints n (CSS gradient) */
    double *kwork;        /* Kalman workspace */
} fit_data;

typedef struct model_ctx {
    fit_data *fd;
    sc_arima_order o;
    int narma;            /* p + q + P + Q */
    int css;              /* objective: 1 CSS, 0 ML */
    int transform;        /* ML: AR parameters through partrans */
    double phi[SC_ARIMA_MAX_R], theta[SC_ARIMA_MAX_R];
    double delta[SC_ARIMA_MAX_DLAG];
    int nd;
    int np, nq;           /* expanded orders of the last evaluation */
    sc_kalman kf;
    double ssq;           /* of the last evaluation */
    double sumlog;
    size_t nu;
} model_ctx;

/* Split a parameter vector into coefficients (R's order: ar, ma, sar, sma, beta). */
static void unpack_par(const model_ctx *c, const double *x, double *ar, double *ma,
                       double *sar, double *sma, const double **beta)
{
    const sc_arima_order *o = &c->o;
    int k = 0;
    if (c->transform && !c->css) {
        partrans(o->p, x, ar);
        partrans(o->P, x + o->p + o->q, sar);
    } else {
        memcpy(ar, x, (size_t)o->p * sizeof *ar);
        memcpy(sar, x + o->p + o->q, (size_t)o->P * sizeof *sar);
    }
    k = o->p;
    memcpy(ma, x + k, (size_t)o->q * sizeof *ma);
    k += o->q + o->P;
    memcpy(sma, x + k, (size_t)o->Q * sizeof *sma);
    *beta = x + c->narma;
}

/* diff(v) (n values, stride st) into out[(t - nd) * ost] for t = nd..n-1, visiting only
 * the non-zero lags of the differencing polynomial (1, m, m + 1 for d = D = 1). */
static void diff_into(const model_ctx *c, const double *v, size_t st, double *out,
                      size_t ost)
{
    int lag[SC_ARIMA_MAX_DLAG], nl = 0;
    for (int i = 0; i < c->nd; i++)
        if (c->delta[i] != 0.0)
            lag[nl++] = i;
    for (size_t t = (size_t)c->nd; t < c->fd->n; t++) {
        double s = v[t * st];
        for (int k = 0; k < nl; k++)
            s -= c->delta[lag[k]] * v[(t - 1 - (size_t)lag[k]) * st];
        out[(t - (size_t)c->nd) * ost] = s;
    }
}

/* Difference y and the regressors once per fit: the objective is linear in beta,
 * w = diff(y) - diff(X) beta. */
static void fit_prepare(model_ctx *c)
{
    fit_data *fd = c->fd;
    diff_into(c, fd->y, 1, fd->dy, 1);
    for (size_t j = 0; j < fd->nc; j++)
        diff_into(c, fd->X + j, fd->nc, fd->dX + j, fd->nc);
}

/* w = diff(y - X beta) (length n - nd): fd->dy itself without regressors, else fd->w. */
static const double *make_w(model_ctx *c, const double *beta)
{
    fit_data *fd = c->fd;
    size_t nw = fd->n - (size_t)c->nd, nc = fd->nc;
    if (!nc)
        return fd->dy;
    for (size_t t = 0; t < nw; t++) {
        double s = fd->dy[t];
        for (size_t j = 0; j < nc; j++)
            s -= fd->dX[t * nc + j] * beta[j];
        fd->w[t] = s;
    }
    return fd->w;
}

/* Objective: CSS 0.5 log(ssq/nu), ML 0.5 log(sigma2) + 0.5 sumlog/nu (R's arima). */
static double model_objective(const double *x, void *ctx)
{
    model_ctx *c = ctx;
    double ar[SC_ARIMA_MAX_p], ma[SC_ARIMA_MAX_q], sar[SC_ARIMA_MAX_SP],
        sma[SC_ARIMA_MAX_SQ];
    const double *beta;
    unpack_par(c, x, ar, ma, sar, sma, &beta);
    int np, nq;
    expand_arma(&c->o, ar, ma, sar, sma, c->phi, &np, c->theta, &nq);
    c->np = np;
    c->nq = nq;
    const double *w = make_w(c, beta);
    size_t nw = c->fd->n - (size_t)c->nd;
    if (c->css) {
        double *e = c->fd->e, ssq = 0.0;
        int ncond = np;
        int iphi[SC_ARIMA_MAX_R], ith[SC_ARIMA_MAX_R], nphi = 0, nth = 0;
        for (int i = 0; i < np; i++)
            if (c->phi[i] != 0.0)
                iphi[nphi++] = i;
        for (int i = 0; i < nq; i++)
            if (c->theta[i] != 0.0)
                ith[nth++] = i;
        if ((size_t)ncond >= nw)
            return AR_PENALTY;
        for (size_t t = 0; t < nw; t++) {
            if (t < (size_t)ncond) {
                e[t] = 0.0;
                continue;
            }
            double v = w[t];
            for (int k = 0; k < nphi; k++)
                v -= c->phi[iphi[k]] * w[t - 1 - (size_t)iphi[k]];
            for (int k = 0; k < nth; k++) {
                size_t lag = (size_t)ith[k] + 1;
                if (t >= lag)
                    v -= c->theta[ith[k]] * e[t - lag];
            }
            e[t] = v;
            ssq += v * v;
        }
        c->ssq = ssq;
        c->nu = nw - (size_t)ncond;
        if (!isfinite(ssq) || ssq <= 0)
            return AR_PENALTY;
        return 0.5 * log(ssq / (double)c->nu);
    }
    double ssq = 0.0, sumlog = 0.0;
    size_t nu = 0;
    if (!sc_kalman_loglik(&c->kf, c->phi, np, c->theta, nq, w, nw, c->fd->kwork, &ssq,
                          &sumlog, &nu))
        return AR_PENALTY;
    c->ssq = ssq;
    c->sumlog = sumlog;
    c->nu = nu;
    if (!isfinite(ssq) || !isfinite(sumlog) || nu == 0 || ssq <= 0)
        return AR_PENALTY;
    return 0.5 * log(ssq / (double)nu) + 0.5 * sumlog / (double)nu;
}

/* CSS objective and its exact gradient by reverse accumulation through the residual
 * recursion e_t = w_t - sum phi_i w_{t-1-i} - sum theta_k e_{t-1-k}: with the adjoints
 * eb_t = dS/de_t = 2 e_t - sum theta_k eb_{t+1+k} (backwards),
 *   dS/dphi_i = -sum_t eb_t w_{t-1-i},  dS/dtheta_k = -sum_t eb_t e_{t-1-k},
 *   dS/dw_s = eb_s - sum_i phi_i eb_{s+1+i},  dS/dbeta = -dX' dS/dw,
 * then the chain rule through the multiplicative seasonal expansion (expand_arma).
 * One gradient costs about two objective evaluations instead of 2 dim for central
 * differences. */
static double css_objective_grad(const double *x, void *ctx, double *grad)
{
    model_ctx *c = ctx;
    fit_data *fd = c->fd;
    const sc_arima_order *o = &c->o;
    size_t dim = (size_t)c->narma + fd->nc;
    double f = model_objective(x, c);
    memset(grad, 0, dim * sizeof *grad);
    if (!(f < AR_PENALTY))
        return f;
    int np = c->np, nq = c->nq, m = o->m;
    size_t nw = fd->n - (size_t)c->nd, ncond = (size_t)np;
    const double *w = fd->nc ? fd->w : fd->dy, *e = fd->e;
    double *eb = fd->eb;
    int ith[SC_ARIMA_MAX_R], nth = 0, iphi[SC_ARIMA_MAX_R], nphi = 0;
    for (int k = 0; k < nq; k++)
        if (c->theta[k] != 0.0)
            ith[nth++] = k;
    for (int i = 0; i < np; i++)
        if (c->phi[i] != 0.0)
            iphi[nphi++] = i;
    for (size_t t = nw; t-- > ncond;) {
        double v = 2.0 * e[t];
        for (int k = 0; k < nth; k++) {
            size_t u = t + 1 + (size_t)ith[k];
            if (u < nw)
                v -= c->theta[ith[k]] * eb[u];
        }
        eb[t] = v;
    }
    /* structural positions of the expanded polynomials */
    char mphi[SC_ARIMA_MAX_R] = {0}, mth[SC_ARIMA_MAX_R] = {0};
    for (int i = 0; i < o->p; i++)
        mphi[i] = 1;
    for (int j = 0; j < o->P; j++) {
        mphi[(j + 1) * m - 1] = 1;
        for (int i = 0; i < o->p; i++)
            mphi[(j + 1) * m + i] = 1;
    }
    for (int i = 0; i < o->q; i++)
        mth[i] = 1;
    for (int j = 0; j < o->Q; j++) {
        mth[(j + 1) * m - 1] = 1;
        for (int i = 0; i < o->q; i++)
            mth[(j + 1) * m + i] = 1;
    }
    double Gp[SC_ARIMA_MAX_R] = {0}, Gt[SC_ARIMA_MAX_R] = {0};
    for (int i = 0; i < np; i++) {
        if (!mphi[i])
            continue;
        double s = 0.0;
        for (size_t t = ncond; t < nw; t++)
            s += eb[t] * w[t - 1 - (size_t)i];
        Gp[i] = -s;
    }
    for (int k = 0; k < nq; k++) {
        if (!mth[k])
            continue;
        double s = 0.0;
        size_t t0 = ncond > (size_t)k + 1 ? ncond : (size_t)k + 1;
        for (size_t t = t0; t < nw; t++)
            s += eb[t] * e[t - 1 - (size_t)k];
        Gt[k] = -s;
    }
    const double *ar = x, *ma = x + o->p, *sar = x + o->p + o->q,
                 *sma = x + o->p + o->q + o->P;
    double *gar = grad, *gma = grad + o->p, *gsar = grad + o->p + o->q,
           *gsma = grad + o->p + o->q + o->P;
    for (int i = 0; i < o->p; i++) {
        double g = Gp[i];
        for (int j = 0; j < o->P; j++)
            g -= sar[j] * Gp[(j + 1) * m + i];
        gar[i] = g;
    }
    for (int j = 0; j < o->P; j++) {
        double g = Gp[(j + 1) * m - 1];
        for (int i = 0; i < o->p; i++)
            g -= ar[i] * Gp[(j + 1) * m + i];
        gsar[j] = g;
    }
    for (int i = 0; i < o->q; i++) {
        double g = Gt[i];
        for (int j = 0; j < o->Q; j++)
            g += sma[j] * Gt[(j + 1) * m + i];
        gma[i] = g;
    }
    for (int j = 0; j < o->Q; j++) {
        double g = Gt[(j + 1) * m - 1];
        for (int i = 0; i < o->q; i++)
            g += ma[i] * Gt[(j + 1) * m + i];
        gsma[j] = g;
    }
    if (fd->nc) {
        double *gb = grad + c->narma;
        for (size_t s = 0; s < nw; s++) {
            double dw = s >= ncond ? eb[s] : 0.0;
            for (int k = 0; k < nphi; k++) {
                size_t u = s + 1 + (size_t)iphi[k];
                if (u >= ncond && u < nw)
                    dw -= c->phi[iphi[k]] * eb[u];
            }
            if (dw != 0.0)
                for (size_t j = 0; j < fd->nc; j++)
                    gb[j] -= dw * fd->dX[s * fd->nc + j];
        }
    }
    double sc = 0.5 / c->ssq;
    for (size_t i = 0; i < dim; i++) {
        grad[i] *= sc;
        if (!isfinite(grad[i]))
            grad[i] = 0.0;
    }
    return f;
}

/* ---- minimiser: BFGS on an exact or a central-difference gradient ------------------ */

typedef double (*obj_fn)(const double *x, void *ctx);
/* objective with its gradient into g (NULL: central differences of obj_fn) */
typedef double (*obj_grad_fn)(const double *x, void *ctx, double *g);
typedef struct mini_ctx {
    obj_fn f;
    obj_grad_fn fg;
    void *ctx;
    size_t dim;
    double xt[64];
} mini_ctx;

static double g_f(const gsl_vector *x, void *p)
{
    mini_ctx *m = p;
    return m->f(x->data, m->ctx);
}

static void g_df(const gsl_vector *x, void *p, gsl_vector *g)
{
    mini_ctx *m = p;
    if (m->fg) {
        (void)m->fg(x->data, m->ctx, g->data);
        return;
    }
    memcpy(m->xt, x->data, m->dim * sizeof *m->xt);
    for (size_t i = 0; i < m->dim; i++) {
        double h = AR_FD_STEP;
        m->xt[i] = x->data[i] + h;
        double f1 = m->f(m->xt, m->ctx);
        m->xt[i] = x->data[i] - h;
        double f0 = m->f(m->xt, m->ctx);
        m->xt[i] = x->data[i];
        double gi = (f1 - f0) / (2 * h);
        gsl_vector_set(g, i, isfinite(gi) ? gi : 0.0);
    }
}

static void g_fdf(const gsl_vector *x, void *p, double *f, gsl_vector *g)
{
    mini_ctx *m = p;
    if (m->fg) {
        *f = m->fg(x->data, m->ctx, g->data);
        return;
    }
    *f = g_f(x, p);
    g_df(x, p, g);
}

/* Minimise f from x (dim <= 64); x gets the minimiser; returns the minimum. */
static double minimise(obj_fn f, obj_grad_fn fg, void *ctx, double *x, size_t dim)
{
    if (dim == 0)
        return f(x, ctx);
    mini_ctx mc = {f, fg, ctx, dim, {0}};
    double f0 = f(x, ctx);
    if (!(f0 < AR_PENALTY))
        return f0;
    gsl_multimin_fdfminimizer *mz =
        gsl_multimin_fdfminimizer_alloc(gsl_multimin_fdfminimizer_vector_bfgs2, dim);
    if (!mz)
        return f0;
    gsl_vector_view xv = gsl_vector_view_array(x, dim);
    gsl_multimin_function_fdf F = {g_f, g_df, g_fdf, dim, &mc};
    double best = f0;
    if (gsl_multimin_fdfminimizer_set(mz, &F, &xv.vector, 0.01, 0.1) == GSL_SUCCESS) {
        double fprev = f0;
        for (int it = 0; it < AR_BFGS_MAXIT; it++) {
            if (gsl_multimin_fdfminimizer_iterate(mz) != GSL_SUCCESS)
                break;
            if (gsl_multimin_test_gradient(mz->gradient, AR_GRAD_TOL) == GSL_SUCCESS)
                break;
            /* R's optim reltol: stop when an iteration gains less than that */
            if (fabs(fprev - mz->f) <= AR_RELTOL * (fabs(mz->f) + AR_RELTOL))
                break;
            fprev = mz->f;
        }
        if (mz->f < best) {
            best = mz->f;
            memcpy(x, mz->x->data, dim * sizeof *x);
        }
    }
    gsl_multimin_fdfminimizer_free(mz);
    return best;
}

/* ---- fitting one order ------------------------------------------------------------ */

typedef struct one_fit {
    double ar[SC_ARIMA_MAX_p], ma[SC_ARIMA_MAX_q], sar[SC_ARIMA_MAX_SP],
        sma[SC_ARIMA_MAX_SQ];
    double beta[SC_ARIMA_MAX_BETA];   /* scaled units */
    double sigma2;                    /* scaled units */
    double loglik;                    /* scaled units (ML) */
    double ic;                        /* AICc, INFINITY when inadmissible */
} one_fit;

/* Least-squares beta of w on the differenced regressors (starting values, R's lm on
 * the differenced data). */
static void init_beta(model_ctx *c, double *beta)
{
    fit_data *fd = c->fd;
    size_t nc = fd->nc, n = fd->n, nd = (size_t)c->nd;
    if (!nc)
        return;
    double A[SC_ARIMA_MAX_BETA * SC_ARIMA_MAX_BETA], b[SC_ARIMA_MAX_BETA];
    double dx[SC_ARIMA_MAX_BETA];
    memset(A, 0, sizeof A);
    memset(b, 0, sizeof b);
    for (size_t t = nd; t < n; t++) {
        double dy = fd->y[t];
        for (int i = 0; i < c->nd; i++)
            dy -= c->delta[i] * fd->y[t - 1 - (size_t)i];
        for (size_t j = 0; j < nc; j++) {
            double v = fd->X[t * nc + j];
            for (int i = 0; i < c->nd; i++)
                v -= c->delta[i] * fd->X[(t - 1 - (size_t)i) * nc + j];
            dx[j] = v;
        }
        for (size_t j = 0; j < nc; j++) {
            b[j] += dx[j] * dy;
            for (size_t k = 0; k < nc; k++)
                A[j * nc + k] += dx[j] * dx[k];
        }
    }
    /* ridge-regularised normal equations (a constant or zero column stays at 0) */
    for (size_t j = 0; j < nc; j++)
        A[j * nc + j] += 1e-9 * (1.0 + A[j * nc + j]);
    /* Cholesky-free: Gaussian elimination */
    size_t N = nc;
    for (size_t col = 0; col < N; col++) {
        double pv = A[col * N + col];
        if (!(fabs(pv) > 1e-300)) {
            b[col] = 0;
            continue;
        }
        for (size_t i = col + 1; i < N; i++) {
            double f = A[i * N + col] / pv;
            for (size_t j = col; j < N; j++)
                A[i * N + j] -= f * A[col * N + j];
            b[i] -= f * b[col];
        }
    }
    for (size_t ii = N; ii-- > 0;) {
        double s = b[ii];
        for (size_t j = ii + 1; j < N; j++)
            s -= A[ii * N + j] * beta[j];
        beta[ii] = fabs(A[ii * N + ii]) > 1e-300 ? s / A[ii * N + ii] : 0.0;
        if (!isfinite(beta[ii]))
            beta[ii] = 0.0;
    }
}

/* Fit one order by CSS (css = 1, AICc with offset) or CSS then ML (css = 0). */
static void fit_one(fit_data *fd, sc_arima_order o, int css, double offset, one_fit *res)
{
    memset(res, 0, sizeof *res);
    res->ic = INFINITY;
    model_ctx c;
    memset(&c, 0, sizeof c);
    c.fd = fd;
    c.o = o;
    c.narma = o.p + o.q + o.P + o.Q;
    c.nd = diff_poly(o.d, o.D, o.m, c.delta);
    if (fd->n > (size_t)c.nd)
        fit_prepare(&c);
    size_t dim = (size_t)c.narma + fd->nc;
    size_t nstar = fd->n - (size_t)c.nd;
    int npar = (int)dim + 1;
    if (fd->n <= (size_t)c.nd + (size_t)(o.p + o.m * o.P) + 1 ||
        (double)nstar - npar - 1 <= 0)
        return;
    double x[64];
    memset(x, 0, sizeof x);
    init_beta(&c, x + c.narma);
    c.css = 1;
    double fcss = minimise(model_objective, css_objective_grad, &c, x, dim);
    if (!(fcss < AR_PENALTY))
        return;
    if (css) {
        (void)model_objective(x, &c);
        double s2 = c.ssq / (double)c.nu;
        double aic = offset + (double)nstar * log(s2) + 2.0 * npar;
        const double *bp;
        unpack_par(&c, x, res->ar, res->ma, res->sar, res->sma, &bp);
        memcpy(res->beta, x + c.narma, fd->nc * sizeof *x);
        res->sigma2 = s2;
        res->ic = aic + 2.0 * npar * (npar + 1) / ((double)nstar - npar - 1);
    } else {
        /* ML from the CSS estimates, AR through the PACF transformation */
        double xr[64];
        memcpy(xr, x, sizeof xr);
        if (!invpartrans(o.p, x, xr) || !invpartrans(o.P, x + o.p + o.q, xr + o.p + o.q))
            return;   /* R: "non-stationary AR part from CSS" */
        c.css = 0;
        c.transform = 1;
        double fml = minimise(model_objective, NULL, &c, xr, dim);
        if (!(fml < AR_PENALTY))
            return;
        (void)model_objective(xr, &c);
        const double *bp;
        unpack_par(&c, xr, res->ar, res->ma, res->sar, res->sma, &bp);
        memcpy(res->beta, bp, fd->nc * sizeof *bp);
        double nu = (double)c.nu;
        res->sigma2 = c.ssq / nu;
        res->loglik = -0.5 * (nu * log(2.0 * M_PI * res->sigma2) + c.sumlog + nu);
        double aic = -2.0 * res->loglik + 2.0 * npar;
        res->ic = aic + 2.0 * npar * (npar + 1) / ((double)nstar - npar - 1);
    }
    /* R's myarima: roots of the expanded polynomials outside 1.01 */
    double phi[SC_ARIMA_MAX_R], theta[SC_ARIMA_MAX_R];
    int np, nq;
    expand_arma(&o, res->ar, res->ma, res->sar, res->sma, phi, &np, theta, &nq);
    double mr = fmin(min_root(phi, np, -1.0), min_root(theta, nq, 1.0));
    if (mr < AR_MINROOT || !isfinite(res->ic))
        res->ic = INFINITY;
}

/* ---- the fitted model ------------------------------------------------------------- */

/* Fill md from a fit in scaled units: coefficients in data units, Kalman state at the
 * end of y, z history. */
static sc_status finish_model(sc_arima_model *md, const one_fit *f, sc_arima_order o,
                              int constant, int ncol_const, const double *y, size_t n,
                              const double *x, size_t nx, const double *xscale,
                              double yscale, double *kwork, sc_error *err)
{
    memset(md, 0, sizeof *md);
    md->ord = o;
    md->constant = constant;
    memcpy(md->ar, f->ar, sizeof md->ar);
    memcpy(md->ma, f->ma, sizeof md->ma);
    memcpy(md->sar, f->sar, sizeof md->sar);
    memcpy(md->sma, f->sma, sizeof md->sma);
    int dd = o.d + o.D;
    if (ncol_const) {
        if (dd == 0)
            md->mu = f->beta[0] * yscale;
        else
            md->drift = f->beta[0] * yscale / (double)n;   /* column was t / n */
    }
    md->nx = nx;
    for (size_t j = 0; j < nx; j++)
        md->beta[j] = f->beta[ncol_const + j] * yscale / xscale[j];
    md->sigma2 = f->sigma2 * yscale * yscale;
    md->nd = diff_poly(o.d, o.D, o.m, md->delta);
    md->nobs = n - (size_t)md->nd;
    double phi[SC_ARIMA_MAX_R], theta[SC_ARIMA_MAX_R];
    int np, nq;
    expand_arma(&o, md->ar, md->ma, md->sar, md->sma, phi, &np, theta, &nq);
    if (!sc_kalman_setup(&md->kf, phi, np, theta, nq, kwork))
        return sc_error_set(err, SC_ERR_RANGE, "arima", "fitted AR part is not stationary");
    /* run the filter over w of the data (data units) */
    double *z = malloc(2 * n * sizeof *z);
    if (!z)
        return sc_error_set(err, SC_ERR_NOMEM, "arima", "allocating %zu values", 2 * n);
    double *w = z + n;
    for (size_t t = 0; t < n; t++) {
        double s = y[t] - md->mu - md->drift * (double)(t + 1);
        for (size_t j = 0; j < nx; j++)
            s -= md->beta[j] * x[t * nx + j];
        z[t] = s;
    }
    size_t nw = 0;
    for (size_t t = (size_t)md->nd; t < n; t++) {
        double s = z[t];
        for (int i = 0; i < md->nd; i++)
            s -= md->delta[i] * z[t - 1 - (size_t)i];
        w[nw++] = s;
    }
    double ssq = 0, sumlog = 0;
    size_t nu = 0;
    sc_kalman_filter(&md->kf, w, nw, &ssq, &sumlog, &nu);
    for (int i = 0; i < md->nd; i++)
        md->zhist[i] = z[n - 1 - (size_t)i];
    md->t = n;
    free(z);
    return SC_OK;
}

void sc_arima_model_update(sc_arima_model *md, double y, const double *xrow)
{
    double zt = NAN;
    if (!isnan(y)) {
        zt = y - md->mu - md->drift * (double)(md->t + 1);
        if (xrow)
            for (size_t j = 0; j < md->nx; j++)
                zt -= md->beta[j] * xrow[j];
    }
    double w = zt;
    if (!isnan(zt))
        for (int i = 0; i < md->nd; i++)
            w -= md->delta[i] * md->zhist[i];
    sc_kalman_step(&md->kf, w);
    if (isnan(zt)) {
        /* missing: the one-step forecast stands in for z */
        zt = md->kf.a[0];
        for (int i = 0; i < md->nd; i++)
            zt += md->delta[i] * md->zhist[i];
    }
    for (int i = md->nd - 1; i > 0; i--)
        md->zhist[i] = md->zhist[i - 1];
    if (md->nd > 0)
        md->zhist[0] = zt;
    md->t++;
}

sc_status sc_arima_model_predict(const sc_arima_model *md, size_t h, const double *xf,
                                 const double *q, size_t nq, double *mean, double *quant,
                                 sc_error *err)
{
    int r = md->kf.r;
    size_t nd = (size_t)md->nd;
    double *buf = malloc((h * (size_t)(r + 4) + nd) * sizeof *buf);
    if (!buf)
        return sc_error_set(err, SC_ERR_NOMEM, "arima", "allocating forecast buffers");
    double *wm = buf, *psi = wm + h, *xi = psi + h, *Psi = xi + h, *u = Psi + h,
           *zpath = u + h * (size_t)r;
    sc_kalman_forecast(&md->kf, h, wm, psi, u);
    /* z forecasts: zpath holds [z_{t-nd} .. z_{t-1}] then the forecasts (in mean) */
    for (size_t i = 0; i < nd; i++)
        zpath[i] = md->zhist[nd - 1 - i];
    for (size_t s = 0; s < h; s++) {
        double zt = wm[s];
        for (size_t i = 0; i < nd; i++) {
            size_t back = i + 1;   /* z_{t+s-back} */
            double zb = back <= s ? mean[s - back] : zpath[nd + s - back];
            zt += md->delta[i] * zb;
        }
        mean[s] = zt;
    }
    /* xi = 1/delta(B) */
    for (size_t k = 0; k < h; k++) {
        double v = k == 0 ? 1.0 : 0.0;
        for (size_t i = 0; i < nd && i < k; i++)
            v += md->delta[i] * xi[k - 1 - i];
        xi[k] = v;
    }
    for (size_t i = 0; i < h; i++) {
        double v = 0.0;
        for (size_t j = 0; j <= i; j++)
            v += xi[i - j] * psi[j];
        Psi[i] = v;
    }
    double cum = 0.0, g[SC_ARIMA_MAX_R];
    for (size_t s = 0; s < h; s++) {
        cum += Psi[s] * Psi[s];
        double var = cum;
        /* g_h = sum_{k=1..h} xi_{h-k} u_k */
        memset(g, 0, sizeof g);
        for (size_t k = 0; k <= s; k++)
            for (int j = 0; j < r; j++)
                g[j] += xi[s - k] * u[k * (size_t)r + (size_t)j];
        double gpg = 0.0;
        for (int i = 0; i < r; i++) {
            double row = 0.0;
            for (int j = 0; j < r; j++)
                row += md->kf.P[i * r + j] * g[j];
            gpg += g[i] * row;
        }
        if (gpg > 0)
            var += gpg;
        double sd = sqrt(md->sigma2 * var);
        double reg = md->mu + md->drift * (double)(md->t + 1 + s);
        if (xf)
            for (size_t j = 0; j < md->nx; j++)
                reg += md->beta[j] * xf[s * md->nx + j];
        mean[s] += reg;
        for (size_t k = 0; k < nq; k++)
            quant[s * nq + k] = mean[s] + gsl_cdf_ugaussian_Pinv(q[k]) * sd;
    }
    free(buf);
    return SC_OK;
}

/* ---- fitting: fixed order and automatic ------------------------------------------- */

typedef struct prep {
    double *ys, *X, *dy, *w, *e, *eb, *dX, *kwork;   /* one allocation: ys */
    double yscale, xscale[SC_FORECAST_MAX_EXOG];
    fit_data fd;
} prep;

/* Scaled copies of y and the regressors: column 0 = intercept (dd == 0) or t/n
 * (dd == 1) when constant, then the exog columns divided by their max |x|. */
static sc_status prep_alloc(prep *p, const double *y, size_t n, const double *x, size_t nx,
                            int constant, int dd, sc_error *err)
{
    memset(p, 0, sizeof *p);
    if (nx > SC_FORECAST_MAX_EXOG)
        return sc_error_set(err, SC_ERR_RANGE, "arima", "%zu regressors; at most %d", nx,
                            SC_FORECAST_MAX_EXOG);
    size_t nc = nx + (constant && dd <= 1 ? 1 : 0);
    size_t kw = sc_kalman_work_size(SC_ARIMA_MAX_R);
    p->ys = malloc((5 * n + 2 * n * nc + kw) * sizeof *p->ys);
    if (!p->ys)
        return sc_error_set(err, SC_ERR_NOMEM, "arima", "allocating fit buffers");
    p->dy = p->ys + n;
    p->w = p->dy + n;
    p->e = p->w + n;
    p->eb = p->e + n;
    p->X = p->eb + n;
    p->dX = p->X + n * nc;
    p->kwork = p->dX + n * nc;
    double mean = 0.0, var = 0.0;
    for (size_t t = 0; t < n; t++)
        mean += y[t];
    mean /= (double)n;
    for (size_t t = 0; t < n; t++)
        var += (y[t] - mean) * (y[t] - mean);
    double sd = n > 1 ? sqrt(var / (double)(n - 1)) : 0.0;
    p->yscale = sd > 0 ? sd : (fabs(mean) > 0 ? fabs(mean) : 1.0);
    for (size_t t = 0; t < n; t++)
        p->ys[t] = y[t] / p->yscale;
    size_t c0 = nc - nx;
    for (size_t j = 0; j < nx; j++) {
        double mx = 0.0;
        for (size_t t = 0; t < n; t++)
            mx = fmax(mx, fabs(x[t * nx + j]));
        p->xscale[j] = mx > 0 ? mx : 1.0;
    }
    for (size_t t = 0; t < n; t++) {
        if (c0)
            p->X[t * nc] = dd == 0 ? 1.0 : (double)(t + 1) / (double)n;
        for (size_t j = 0; j < nx; j++)
            p->X[t * nc + c0 + j] = x[t * nx + j] / p->xscale[j];
    }
    p->fd = (fit_data){p->ys, n, nc ? p->X : NULL, nc, p->dy, p->w, p->dX, p->e, p->eb,
                       p->kwork};
    return SC_OK;
}

sc_status sc_arima_fit_order(const double *y, size_t n, const double *x, size_t nx,
                             sc_arima_order ord, int constant, sc_arima_model *out,
                             sc_error *err)
{
    if (ord.m < 1 || ord.m > SC_ARIMA_MAX_PERIOD || ord.p > SC_ARIMA_MAX_p ||
        ord.q > SC_ARIMA_MAX_q || ord.P > SC_ARIMA_MAX_SP || ord.Q > SC_ARIMA_MAX_SQ ||
        ord.d > 2 || ord.D > 1 || ord.p < 0 || ord.q < 0 || ord.P < 0 || ord.Q < 0 ||
        ord.d < 0 || ord.D < 0)
        return sc_error_set(err, SC_ERR_RANGE, "arima",
                            "order (%d,%d,%d)(%d,%d,%d)[%d] outside the supported bounds",
                            ord.p, ord.d, ord.q, ord.P, ord.D, ord.Q, ord.m);
    if (ord.m == 1)
        ord.P = ord.D = ord.Q = 0;
    int dd = ord.d + ord.D;
    constant = constant && dd <= 1;
    prep p;
    sc_status st = prep_alloc(&p, y, n, x, nx, constant, dd, err);
    if (st != SC_OK)
        return st;
    one_fit f;
    fit_one(&p.fd, ord, 0, 0.0, &f);
    if (!isfinite(f.loglik) || f.sigma2 <= 0 || f.ic == INFINITY) {
        /* keep an ML answer even when the root check failed; refuse only no answer */
        if (!(f.sigma2 > 0)) {
            free(p.ys);
            return sc_error_set(err, SC_ERR_RANGE, "arima",
                                "no admissible ARIMA(%d,%d,%d)(%d,%d,%d)[%d] fit to %zu "
                                "observations",
                                ord.p, ord.d, ord.q, ord.P, ord.D, ord.Q, ord.m, n);
        }
    }
    st = finish_model(out, &f, ord, constant, constant ? 1 : 0, y, n, x, nx, p.xscale,
                      p.yscale, p.kwork, err);
    if (st == SC_OK) {
        out->loglik = f.loglik - (double)out->nobs * log(p.yscale);
        int npar = ord.p + ord.q + ord.P + ord.Q + (int)p.fd.nc + 1;
        double ns = (double)out->nobs;
        out->aicc = -2 * out->loglik + 2.0 * npar + 2.0 * npar * (npar + 1) / (ns - npar - 1);
    }
    free(p.ys);
    return st;
}

typedef struct cand {
    int p, q, P, Q, k;   /* k = constant */
    double ic;
} cand;

typedef struct search {
    prep pc[2];          /* pc[k]: with (k = 1) and without the constant column */
    int have[2];
    int d, D, m;
    int css;
    double offset;
    cand res[128];
    int nres, nmodels;
    one_fit best;
    cand bestc;
} search;

static int seen(const search *s, int p, int q, int P, int Q, int k)
{
    for (int i = 0; i < s->nres; i++)
        if (s->res[i].p == p && s->res[i].q == q && s->res[i].P == P && s->res[i].Q == Q &&
            s->res[i].k == k)
            return 1;
    return 0;
}

/* Try a model; returns 1 when it became the best. */
static int try_model(search *s, int p, int q, int P, int Q, int k)
{
    if (s->nres >= s->nmodels || s->nres >= 128)
        return 0;
    sc_arima_order o = {p, s->d, q, P, s->D, Q, s->m};
    one_fit f;
    fit_one(&s->pc[k].fd, o, s->css, s->offset, &f);
    s->res[s->nres++] = (cand){p, q, P, Q, k, f.ic};
    if (f.ic < s->bestc.ic) {
        s->best = f;
        s->bestc = s->res[s->nres - 1];
        return 1;
    }
    return 0;
}

static int cmp_cand(const void *a, const void *b)
{
    double x = ((const cand *)a)->ic, y = ((const cand *)b)->ic;
    return (x > y) - (x < y);
}

sc_status sc_arima_fit_auto(const double *y, size_t n, const double *x, size_t nx, int m,
                            const sc_arima_opts *opts, sc_arima_model *out,
                            sc_error *err)
{
    sc_arima_opts dflt;
    if (!opts) {
        sc_arima_opts_init(&dflt);
        opts = &dflt;
    }
    if (n < 3)
        return sc_error_set(err, SC_ERR_RANGE, "arima", "%zu observations; need 3", n);
    if (m > SC_ARIMA_MAX_PERIOD || !opts->seasonal || m < 1)
        m = 1;
    if (is_constant(y, n) && nx == 0) {
        memset(out, 0, sizeof *out);
        out->ord = (sc_arima_order){0, 0, 0, 0, 0, 0, 1};
        out->constant = 1;
        out->mu = y[0];
        out->kf.r = 1;
        out->kf.rv[0] = 1.0;
        out->kf.steady = 1;
        out->kf.F = 1.0;
        out->t = n;
        out->nobs = n;
        return SC_OK;
    }
    /* residuals of y on the regressors for the differencing tests (R: lm) */
    double *xx = malloc(n * sizeof *xx);
    if (!xx)
        return sc_error_set(err, SC_ERR_NOMEM, "arima", "allocating %zu values", n);
    memcpy(xx, y, n * sizeof *xx);
    if (nx) {
        prep pt;
        sc_status st = prep_alloc(&pt, y, n, x, nx, 1, 0, err);
        if (st != SC_OK) {
            free(xx);
            return st;
        }
        model_ctx c;
        memset(&c, 0, sizeof c);
        c.fd = &pt.fd;
        double beta[SC_ARIMA_MAX_BETA] = {0};
        init_beta(&c, beta);
        for (size_t t = 0; t < n; t++) {
            double s = pt.ys[t];
            for (size_t j = 0; j < pt.fd.nc; j++)
                s -= pt.X[t * pt.fd.nc + j] * beta[j];
            xx[t] = s * pt.yscale;
        }
        free(pt.ys);
    }
    int max_p = opts->max_p, max_q = opts->max_q, max_P = opts->max_P,
        max_Q = opts->max_Q;
    max_p = max_p < (int)(n / 3) ? max_p : (int)(n / 3);
    max_q = max_q < (int)(n / 3) ? max_q : (int)(n / 3);
    max_P = max_P < (int)(n / 3 / (size_t)m) ? max_P : (int)(n / 3 / (size_t)m);
    max_Q = max_Q < (int)(n / 3 / (size_t)m) ? max_Q : (int)(n / 3 / (size_t)m);
    if (max_p > SC_ARIMA_MAX_p) max_p = SC_ARIMA_MAX_p;
    if (max_q > SC_ARIMA_MAX_q) max_q = SC_ARIMA_MAX_q;
    if (max_P > SC_ARIMA_MAX_SP) max_P = SC_ARIMA_MAX_SP;
    if (max_Q > SC_ARIMA_MAX_SQ) max_Q = SC_ARIMA_MAX_SQ;
    /* D by the seasonal strength, then d by KPSS (R's nsdiffs / ndiffs) */
    int D = 0, d = 0;
    size_t len = n;
    if (m == 1) {
        max_P = max_Q = 0;
    } else if (opts->D >= 0) {
        D = opts->D > 1 ? 1 : opts->D;
    } else if (n > 2 * (size_t)m && opts->max_D > 0 && !is_constant(xx, n)) {
        if (sc_arima_seasonal_strength(xx, n, m) > AR_SEAS_THRESHOLD)
            D = 1;
    }
    if (D) {
        for (size_t t = n; t-- > (size_t)m;)
            xx[t] -= xx[t - (size_t)m];
        memmove(xx, xx + m, (n - (size_t)m) * sizeof *xx);
        len -= (size_t)m;
    }
    if (opts->d >= 0) {
        d = opts->d > 2 ? 2 : opts->d;
        for (int k = 0; k < d && len > 1; k++) {
            for (size_t t = 0; t + 1 < len; t++)
                xx[t] = xx[t + 1] - xx[t];
            len--;
        }
    } else {
        while (d < opts->max_d && len > 2 && !is_constant(xx, len) &&
               sc_arima_kpss_stat(xx, len) > AR_KPSS_CRIT) {
            for (size_t t = 0; t + 1 < len; t++)
                xx[t] = xx[t + 1] - xx[t];
            len--;
            d++;
        }
    }
    int dx_const = len == 0 || is_constant(xx, len);
    double dx_mean = 0.0;
    for (size_t t = 0; t < len; t++)
        dx_mean += xx[t];
    dx_mean = len ? dx_mean / (double)len : 0.0;
    free(xx);
    if (len == 0)
        return sc_error_set(err, SC_ERR_RANGE, "arima", "not enough data after differencing");
    int allow_drift = opts->allow_drift && d + D == 1;
    int allow_mean = opts->allow_mean && d + D == 0;
    int constant = allow_drift || allow_mean;
    if (dx_const && nx == 0) {
        /* a deterministic series: (0,d,0)(0,D,0) with the drift fixed at the mean
         * difference (R's special cases); innovation variance 0 */
        memset(out, 0, sizeof *out);
        out->ord = (sc_arima_order){0, d, 0, 0, D, 0, m};
        out->nd = diff_poly(d, D, m, out->delta);
        if (d + D == 1) {
            out->constant = 1;
            out->drift = D ? dx_mean / (double)m : dx_mean;
        }
        for (int i = 0; i < out->nd; i++)
            out->zhist[i] = y[n - 1 - (size_t)i] - out->drift * (double)(n - (size_t)i);
        out->kf.r = 1;
        out->kf.rv[0] = 1.0;
        out->kf.steady = 1;
        out->kf.F = 1.0;
        out->t = n;
        out->nobs = n - (size_t)out->nd;
        return SC_OK;
    }
    if (m > 1) {
        if (max_P > 0 && max_p > m - 1)
            max_p = m - 1;
        if (max_Q > 0 && max_q > m - 1)
            max_q = m - 1;
    }
    search *s = calloc(1, sizeof *s);
    if (!s)
        return sc_error_set(err, SC_ERR_NOMEM, "arima", "allocating the search");
    sc_status st = SC_OK;
    s->d = d;
    s->D = D;
    s->m = m;
    s->nmodels = opts->nmodels > 0 ? opts->nmodels : 94;
    s->css = opts->approximation < 0 ? (n > 150 || m > 12) : opts->approximation;
    s->bestc.ic = INFINITY;
    for (int k = 0; k < 2; k++) {
        if (k == 1 && !constant)
            continue;
        st = prep_alloc(&s->pc[k], y, n, x, nx, k, d + D, err);
        if (st != SC_OK)
            goto done;
        s->have[k] = 1;
    }
    if (s->css) {
        /* R: offset = -2 loglik - n log sigma2 of the ML fit of (0,d,0)(0,D,0) */
        one_fit f0;
        sc_arima_order o0 = {0, d, 0, 0, D, 0, m};
        fit_one(&s->pc[allow_mean ? 1 : 0].fd, o0, 0, 0.0, &f0);
        s->offset = isfinite(f0.ic) && f0.sigma2 > 0
                        ? -2.0 * f0.loglik - (double)n * log(f0.sigma2)
                        : 0.0;
    }
    /* stepwise search (forecast::auto.arima, stepwise = TRUE) */
    int p = opts->start_p < max_p ? opts->start_p : max_p;
    int q = opts->start_q < max_q ? opts->start_q : max_q;
    int P = opts->start_P < max_P ? opts->start_P : max_P;
    int Q = opts->start_Q < max_Q ? opts->start_Q : max_Q;
    if (n < 10) {
        p = p < 1 ? p : 1;
        q = q < 1 ? q : 1;
        P = Q = 0;
    }
    int K = constant;
    try_model(s, p, q, P, Q, K);
    if (try_model(s, 0, 0, 0, 0, K))
        p = q = P = Q = 0;
    if (max_p > 0 || max_P > 0) {
        int pp = max_p > 0, PP = m > 1 && max_P > 0;
        if (try_model(s, pp, 0, PP, 0, K)) {
            p = pp;
            P = PP;
            q = Q = 0;
        }
    }
    if (max_q > 0 || max_Q > 0) {
        int qq = max_q > 0, QQ = m > 1 && max_Q > 0;
        if (try_model(s, 0, qq, 0, QQ, K)) {
            p = P = 0;
            q = qq;
            Q = QQ;
        }
    }
    if (constant && try_model(s, 0, 0, 0, 0, 0)) {
        p = q = P = Q = 0;
        K = 0;
    }
    if (s->bestc.ic < INFINITY)
        K = s->bestc.k;
    int startk = 0;
    while (startk < s->nres && s->nres < s->nmodels) {
        startk = s->nres;
        int moved = 0;
#define TRY(np_, nq_, nP_, nQ_, cond)                                              \
    if (!moved && (cond) && !seen(s, np_, nq_, nP_, nQ_, K)) {                  \
        if (try_model(s, np_, nq_, nP_, nQ_, K)) {                              \
            p = np_;                                                            \
            q = nq_;                                                            \
            P = nP_;                                                            \
            Q = nQ_;                                                            \
            moved = 1;                                                          \
        }                                                                       \
    }
        TRY(p, q, P - 1, Q, P > 0)
        TRY(p, q, P, Q - 1, Q > 0)
        TRY(p, q, P + 1, Q, P < max_P)
        TRY(p, q, P, Q + 1, Q < max_Q)
        TRY(p, q, P - 1, Q - 1, Q > 0 && P > 0)
        TRY(p, q, P - 1, Q + 1, Q < max_Q && P > 0)
        TRY(p, q, P + 1, Q - 1, Q > 0 && P < max_P)
        TRY(p, q, P + 1, Q + 1, Q < max_Q && P < max_P)
        TRY(p - 1, q, P, Q, p > 0)
        TRY(p, q - 1, P, Q, q > 0)
        TRY(p + 1, q, P, Q, p < max_p)
        TRY(p, q + 1, P, Q, q < max_q)
        TRY(p - 1, q - 1, P, Q, q > 0 && p > 0)
        TRY(p - 1, q + 1, P, Q, q < max_q && p > 0)
        TRY(p + 1, q - 1, P, Q, q > 0 && p < max_p)
        TRY(p + 1, q + 1, P, Q, q < max_q && p < max_p)
#undef TRY
        if (!moved && constant && !seen(s, p, q, P, Q, !K)) {
            if (try_model(s, p, q, P, Q, !K))
                K = !K;
        }
    }
    /* refit by exact ML in AICc order until one is admissible */
    one_fit fin;
    cand fc = {0};
    int ok = 0;
    if (s->css) {
        qsort(s->res, (size_t)s->nres, sizeof *s->res, cmp_cand);
        for (int i = 0; i < s->nres && !ok; i++) {
            if (!isfinite(s->res[i].ic))
                break;
            cand c = s->res[i];
            sc_arima_order o = {c.p, d, c.q, c.P, D, c.Q, m};
            fit_one(&s->pc[c.k].fd, o, 0, 0.0, &fin);
            if (isfinite(fin.ic)) {
                ok = 1;
                fc = c;
            }
        }
    } else if (isfinite(s->bestc.ic)) {
        fin = s->best;
        fc = s->bestc;
        ok = 1;
    }
    int css_answer = 0;
    if (!ok && s->css && isfinite(s->bestc.ic)) {
        /* ML failed everywhere: keep the best CSS fit (reported as css) */
        sc_arima_order o = {s->bestc.p, d, s->bestc.q, s->bestc.P, D, s->bestc.Q, m};
        fit_one(&s->pc[s->bestc.k].fd, o, 1, s->offset, &fin);
        fc = s->bestc;
        ok = isfinite(fin.ic);
        css_answer = 1;
    }
    if (!ok) {
        st = sc_error_set(err, SC_ERR_RANGE, "arima",
                          "no suitable ARIMA model found for %zu observations (d=%d, D=%d)",
                          n, d, D);
        goto done;
    }
    sc_arima_order o = {fc.p, d, fc.q, fc.P, D, fc.Q, m};
    st = finish_model(out, &fin, o, fc.k, fc.k, y, n, x, nx, s->pc[fc.k].xscale,
                      s->pc[fc.k].yscale, s->pc[fc.k].kwork, err);
    if (st == SC_OK) {
        out->css = css_answer;
        out->loglik = css_answer ? NAN : fin.loglik - (double)out->nobs * log(s->pc[fc.k].yscale);
        int npar = fc.p + fc.q + fc.P + fc.Q + (int)s->pc[fc.k].fd.nc + 1;
        double ns = (double)out->nobs;
        out->aicc = -2 * out->loglik + 2.0 * npar + 2.0 * npar * (npar + 1) / (ns - npar - 1);
    }
done:
    for (int k = 0; k < 2; k++)
        if (s->have[k])
            free(s->pc[k].ys);
    free(s);
    return st;
}

/* ---- plug-in ---------------------------------------------------------------------- */

typedef struct arima_state {
    sc_arima_model md;
    double *xf;          /* announced future regressor rows (n_future x nx), owned */
    size_t nf;           /* rows in xf */
    size_t used;         /* rows consumed by updates */
} arima_state;

static size_t arima_min_history(const sc_forecast_config *cfg)
{
    (void)cfg;
    return 4;
}

static sc_status arima_fit(void *state, const sc_forecast_config *cfg, const double *y,
                           size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    arima_state *S = state;
    size_t nx = exog && exog->x ? exog->ncols : 0;
    if (nx > SC_FORECAST_MAX_EXOG)
        return sc_error_set(err, SC_ERR_RANGE, "arima", "%zu exogenous columns; at most %d",
                            nx, SC_FORECAST_MAX_EXOG);
    sc_arima_opts o;
    sc_arima_opts_init(&o);
    sc_status st = sc_arima_fit_auto(y, n, nx ? exog->x : NULL, nx, cfg->period, &o, &S->md,
                                     err);
    if (st != SC_OK)
        return st;
    if (nx && exog->n_future) {
        S->xf = malloc(exog->n_future * nx * sizeof *S->xf);
        if (!S->xf)
            return sc_error_set(err, SC_ERR_NOMEM, "arima", "copying future regressors");
        memcpy(S->xf, exog->x + n * nx, exog->n_future * nx * sizeof *S->xf);
        S->nf = exog->n_future;
    }
    return SC_OK;
}

static void arima_cleanup(void *state)
{
    arima_state *S = state;
    free(S->xf);
    S->xf = NULL;
}

/* Regressor row for the observation after `used` updates (NULL = zeros). */
static const double *future_row(const arima_state *S, size_t k)
{
    return S->xf && k < S->nf ? S->xf + k * S->md.nx : NULL;
}

static void arima_update(void *state, double y)
{
    arima_state *S = state;
    sc_arima_model_update(&S->md, y, future_row(S, S->used));
    S->used++;
}

static sc_status arima_predict(const void *state, size_t h, const double *q, size_t nq,
                               double *mean, double *quant, sc_error *err)
{
    const arima_state *S = state;
    double *xf = NULL;
    if (S->xf && S->md.nx) {
        xf = calloc(h * S->md.nx, sizeof *xf);
        if (!xf)
            return sc_error_set(err, SC_ERR_NOMEM, "arima", "future regressors");
        for (size_t s = 0; s < h; s++) {
            const double *row = future_row(S, S->used + s);
            if (row)
                memcpy(xf + s * S->md.nx, row, S->md.nx * sizeof *xf);
        }
    }
    sc_status st = sc_arima_model_predict(&S->md, h, xf, q, nq, mean, quant, err);
    free(xf);
    return st;
}

const sc_forecaster_type sc_forecast_arima_type = {
    .name = "arima",
    .version = 2,
    .state_size = sizeof(arima_state),
    .max_period = SC_ARIMA_MAX_PERIOD,
    .min_history = arima_min_history,
    .fit = arima_fit,
    .update = arima_update,
    .predict = arima_predict,
    .cleanup = arima_cleanup,
    .fit_global = NULL,
};

void sc_arima_info_fill(const sc_arima_model *md, sc_arima_info *out)
{
    memset(out, 0, sizeof *out);
    out->p = md->ord.p;
    out->d = md->ord.d;
    out->q = md->ord.q;
    out->P = md->ord.P;
    out->D = md->ord.D;
    out->Q = md->ord.Q;
    out->m = md->ord.m;
    out->constant = md->constant;
    memcpy(out->ar, md->ar, sizeof out->ar);
    memcpy(out->ma, md->ma, sizeof out->ma);
    memcpy(out->sar, md->sar, sizeof out->sar);
    memcpy(out->sma, md->sma, sizeof out->sma);
    out->mu = md->mu;
    out->drift = md->drift;
    out->nx = md->nx;
    memcpy(out->beta, md->beta, sizeof out->beta);
    out->sigma2 = md->sigma2;
    out->loglik = md->loglik;
    out->aicc = md->aicc;
    out->nobs = md->nobs;
    out->css = md->css;
}

sc_status sc_arima_info_get(const sc_forecaster *fc, sc_arima_info *out, sc_error *err)
{
    if (fc && fc->fitted && fc->type == &sc_forecast_arima_type) {
        sc_arima_info_fill(&((const arima_state *)fc->state)->md, out);
        return SC_OK;
    }
    if (fc && fc->fitted && sc_harmonic_info_fill(fc, out))
        return SC_OK;
    return sc_error_set(err, SC_ERR_INPUT, "arima", "not a fitted arima or harmonic forecaster");
}
