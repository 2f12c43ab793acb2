/*
 * kalman.c - exact Gaussian likelihood of a zero-mean ARMA(p, q) by the Kalman filter,
 * and its forecasts, for the ARIMA-family forecasters (arima.c, harmonic.c).
 *
 * State space (Harvey 1989; Gardner, Harvey & Phillips 1980, the form R's arima uses):
 *   alpha_{t+1} = T alpha_t + R e_{t+1},  w_t = Z alpha_t = alpha_t[0],
 *   T = [phi | I_{r-1}; 0'] (phi in the first column, ones on the superdiagonal),
 *   R = (1, theta_1, ..., theta_{r-1})',  r = max(p, q + 1).
 * Covariances are carried in units of sigma^2, so the likelihood concentrates sigma^2
 * out: sigma^2 = (1/nu) sum v_t^2 / F_t and loglik = -nu/2 log(2 pi sigma^2)
 * - 1/2 sum log F_t - nu/2 (Durbin & Koopman 2012, 7.2), exactly R's ARIMA_Like.
 *
 * Initial state: a_1 = 0 and P_1 = Cov(alpha), the unconditional covariance of the
 * stationary state.  Element i of alpha_t is sum_{j>=0} (phi_{i+j} w_{t-1-j} +
 * R_{i+j} e_{t-j}), so P_1 follows from the ARMA autocovariances gamma(k) (Brockwell &
 * Davis 1991, 3.3: a (p+1)-equation linear system, then the AR recursion) and the psi
 * weights (Cov(w_s, e_u) = psi_{s-u}); only non-zero coefficients are visited, so the
 * sparse seasonal polynomials (e.g. lags 1, 24, 25) cost little.  This replaces
 * Gardner's Q0 algorithm (R's default), which is O(r^4) in dense form.
 *
 * Each filter step is O(r^2): with the companion T, T P T' is computed in place from a
 * saved first row and column.  When the gain K = P_pred[:,0]/F and F stop changing
 * (relative change below KF_STEADY_TOL for r + 1 consecutive steps) the filter is in
 * its steady state and the rest of the series (and every later update) costs O(r):
 * a <- T a; a += K (w - a[0]).
 *
 * The likelihood evaluations of a fit use sc_kalman_loglik instead (end of the file):
 * the same likelihood in O(r) per observation by the Chandrasekhar recursions, with the
 * autocovariances from an O(p^2) recursion instead of the dense solve.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "fcint.h"

#define KF_STEADY_TOL 1e-11   /* relative change of F and K that counts as converged */
#define KF_CHANDRA_TOL 1e-13 /* |dP| / F below which the Chandrasekhar gain is final */

size_t sc_kalman_work_size(int r)
{
    size_t R = (size_t)r + 1;
    return R * R + 4 * R + 8;
}

/* Solve A x = b (n x n row-major, destroyed) by Gaussian elimination with partial
 * pivoting; b gets x.  Returns 0 when singular. */
static int solve_dense(double *A, double *b, int n)
{
    for (int c = 0; c < n; c++) {
        int piv = c;
        double best = fabs(A[c * n + c]);
        for (int i = c + 1; i < n; i++)
            if (fabs(A[i * n + c]) > best) {
                best = fabs(A[i * n + c]);
                piv = i;
            }
        if (!(best > 1e-14))
            return 0;
        if (piv != c) {
            for (int j = 0; j < n; j++) {
                double t = A[c * n + j];
                A[c * n + j] = A[piv * n + j];
                A[piv * n + j] = t;
            }
            double t = b[c];
            b[c] = b[piv];
            b[piv] = t;
        }
        for (int i = c + 1; i < n; i++) {
            double f = A[i * n + c] / A[c * n + c];
            if (f == 0.0)
                continue;
            for (int j = c; j < n; j++)
                A[i * n + j] -= f * A[c * n + j];
            b[i] -= f * b[c];
        }
    }
    for (int i = n - 1; i >= 0; i--) {
        double s = b[i];
        for (int j = i + 1; j < n; j++)
            s -= A[i * n + j] * b[j];
        b[i] = s / A[i * n + i];
    }
    return 1;
}

/* psi weights psi[0..r] and autocovariances gam[0..r] (sigma^2 = 1) of the ARMA whose
 * phi / R vectors are in k (orders np, nq); A is (np+1)^2 scratch.  Returns 0 when the
 * AR part is not stationary. */
static int arma_acov(const sc_kalman *k, int np, int nq, double *psi, double *gam,
                     double *A)
{
    int r = k->r;
    const double *phi = k->phi, *rv = k->rv;
    for (int j = 0; j <= r; j++) {
        double s = j <= nq ? rv[j] : 0.0;
        for (int i = 1; i <= np && i <= j; i++)
            s += phi[i - 1] * psi[j - i];
        psi[j] = s;
    }
    if (np == 0) {
        for (int h = 0; h <= r; h++) {
            double s = 0.0;
            for (int j = h; j <= nq; j++)
                s += rv[j] * rv[j - h];
            gam[h] = s;
        }
        return 1;
    }
    int n1 = np + 1;
    memset(A, 0, (size_t)n1 * (size_t)n1 * sizeof *A);
    for (int e = 0; e < n1; e++) {
        A[e * n1 + e] += 1.0;
        for (int j = 1; j <= np; j++)
            A[e * n1 + abs(e - j)] -= phi[j - 1];
        double s = 0.0;
        for (int j = e; j <= nq; j++)
            s += rv[j] * psi[j - e];
        gam[e] = s;
    }
    if (!solve_dense(A, gam, n1) || !(gam[0] > 0.0) || !isfinite(gam[0]))
        return 0;
    for (int h = n1; h <= r; h++) {
        double s = 0.0;
        for (int j = 1; j <= np; j++)
            s += phi[j - 1] * gam[h - j];
        for (int j = h; j <= nq; j++)
            s += rv[j] * psi[j - h];
        gam[h] = s;
    }
    return 1;
}

/* The same psi[0..r] and gam[0..r] in O(np^2) instead of the O(np^3) solve, for the
 * likelihood evaluations: the autocovariances gu of the pure AR part u = e / phi(B) by
 * the step-down (reflection coefficients kappa_k, |kappa_k| < 1 iff stationary) and
 * Levinson's recursion gu(k) = kappa_k v_{k-1} + sum_j a^(k-1)_j gu(k-j),
 * v_k = v_{k-1} (1 - kappa_k^2), v_np = 1 (Brockwell & Davis 1991, 5.2; Monahan 1984);
 * then w = theta(B) u: gam(h) = sum_{|k| <= nq} c_|k| gu(|h + k|) with the MA
 * autocovariances c_k = sum_i R_i R_{i+k}.  work: (np + 1)^2 + 2 (r + 1) + 8 doubles. */
static int arma_acov_fast(const sc_kalman *k, int np, int nq, double *psi, double *gam,
                          double *work)
{
    int r = k->r;
    const double *phi = k->phi, *rv = k->rv;
    int iphi[SC_ARIMA_MAX_R], nphi = 0;
    for (int i = 0; i < np; i++)
        if (phi[i] != 0.0)
            iphi[nphi++] = i;
    for (int j = 0; j <= r; j++) {
        double s = j <= nq ? rv[j] : 0.0;
        for (int x = 0; x < nphi && iphi[x] < j; x++)
            s += phi[iphi[x]] * psi[j - 1 - iphi[x]];
        psi[j] = s;
    }
    if (np == 0)
        return arma_acov(k, np, nq, psi, gam, work);
    /* a^(kk)_j for j = 1..kk in L[(kk - 1) * np + j - 1] */
    double *L = work, *gu = work + (size_t)np * (size_t)np, kap[SC_ARIMA_MAX_R];
    memcpy(L + (size_t)(np - 1) * (size_t)np, phi, (size_t)np * sizeof *phi);
    double v = 1.0;
    for (int kk = np; kk >= 1; kk--) {
        const double *a = L + (size_t)(kk - 1) * (size_t)np;
        double kp = a[kk - 1];
        if (!(fabs(kp) < 1.0))
            return 0;
        kap[kk - 1] = kp;
        double den = 1.0 - kp * kp;
        v /= den;
        if (kk > 1) {
            double *b = L + (size_t)(kk - 2) * (size_t)np;
            for (int j = 1; j < kk; j++)
                b[j - 1] = (a[j - 1] + kp * a[kk - j - 1]) / den;
        }
    }
    int nu = r + nq;   /* gu(0..r+nq) */
    gu[0] = v;
    for (int kk = 1; kk <= np && kk <= nu; kk++) {
        double s = kap[kk - 1] * v;
        v *= 1.0 - kap[kk - 1] * kap[kk - 1];
        if (kk > 1) {
            const double *b = L + (size_t)(kk - 2) * (size_t)np;
            for (int j = 1; j < kk; j++)
                s += b[j - 1] * gu[kk - j];
        }
        gu[kk] = s;
    }
    for (int h = np + 1; h <= nu; h++) {
        double s = 0.0;
        for (int x = 0; x < nphi; x++)
            s += phi[iphi[x]] * gu[h - 1 - iphi[x]];
        gu[h] = s;
    }
    int ic[SC_ARIMA_MAX_R + 1], nc = 0;
    double c[SC_ARIMA_MAX_R + 1];
    for (int kk = 0; kk <= nq; kk++) {
        double s = 0.0;
        for (int i = 0; i + kk <= nq; i++)
            s += rv[i] * rv[i + kk];
        c[kk] = s;
        if (s != 0.0)
            ic[nc++] = kk;
    }
    for (int h = 0; h <= r; h++) {
        double s = 0.0;
        for (int x = 0; x < nc; x++) {
            int kk = ic[x];
            s += kk == 0 ? c[0] * gu[h] : c[kk] * (gu[h + kk] + gu[abs(h - kk)]);
        }
        gam[h] = s;
    }
    return gam[0] > 0.0 && isfinite(gam[0]);
}

/* Non-zero positions of phi and R (sparse seasonal polynomials). */
typedef struct nz_index {
    int iphi[SC_ARIMA_MAX_R], irv[SC_ARIMA_MAX_R], nphi, nrv;
} nz_index;

static void nz_build(const sc_kalman *k, nz_index *z)
{
    z->nphi = z->nrv = 0;
    for (int a = 0; a < k->r; a++) {
        if (k->phi[a] != 0.0)
            z->iphi[z->nphi++] = a;
        if (k->rv[a] != 0.0)
            z->irv[z->nrv++] = a;
    }
}

/* P_1[i][l] = Cov(alpha[i], alpha[l]) from the expansion in the file comment. */
static double p1_entry(const sc_kalman *k, const nz_index *z, const double *psi,
                       const double *gam, int i, int l)
{
    int r = k->r;
    double s = 0.0;
    for (int x = 0; x < z->nphi; x++) {
        int a = z->iphi[x];
        if (a < i)
            continue;
        for (int y = 0; y < z->nphi; y++) {
            int b = z->iphi[y];
            if (b < l)
                continue;
            s += k->phi[a] * k->phi[b] * gam[abs((a - i) - (b - l))];
        }
        /* Cov(w_{t-1-(a-i)}, e_{t-(b-l)}) = psi_{(b-l)-1-(a-i)} */
        for (int y = 0; y < z->nrv; y++) {
            int b = z->irv[y];
            if (b < l)
                continue;
            int lag = (b - l) - 1 - (a - i);
            if (lag >= 0)
                s += k->phi[a] * k->rv[b] * psi[lag];
        }
    }
    for (int x = 0; x < z->nrv; x++) {
        int a = z->irv[x];
        if (a < i)
            continue;
        for (int y = 0; y < z->nphi; y++) {
            int b = z->iphi[y];
            if (b < l)
                continue;
            int lag = (a - i) - 1 - (b - l);
            if (lag >= 0)
                s += k->rv[a] * k->phi[b] * psi[lag];
        }
        int b = a - i + l;
        if (b < r)
            s += k->rv[a] * k->rv[b];
    }
    return s;
}

/* Model vectors of k from phi / theta with trailing zeros dropped; returns 0 when the
 * state would exceed the bounds.  *np, *nq get the trimmed orders. */
static int model_init(sc_kalman *k, const double *phi, int *np, const double *theta,
                      int *nq)
{
    while (*np > 0 && phi[*np - 1] == 0.0)
        (*np)--;
    while (*nq > 0 && theta[*nq - 1] == 0.0)
        (*nq)--;
    int r = *np > *nq + 1 ? *np : *nq + 1;
    if (r > SC_ARIMA_MAX_R)
        return 0;
    memset(k, 0, sizeof *k);
    k->r = r;
    for (int i = 0; i < *np; i++)
        k->phi[i] = phi[i];
    k->rv[0] = 1.0;
    for (int i = 0; i < *nq; i++)
        k->rv[i + 1] = theta[i];
    return 1;
}

int sc_kalman_setup(sc_kalman *k, const double *phi, int np, const double *theta, int nq,
                    double *work)
{
    if (!model_init(k, phi, &np, theta, &nq))
        return 0;
    int r = k->r;
    double *psi = work, *gam = work + (r + 1), *A = work + 2 * (r + 1);
    if (!arma_acov(k, np, nq, psi, gam, A))
        return 0;
    nz_index z;
    nz_build(k, &z);
    for (int i = 0; i < r; i++)
        for (int l = i; l < r; l++)
            k->P[i * r + l] = k->P[l * r + i] = p1_entry(k, &z, psi, gam, i, l);
    return isfinite(k->P[0]) && k->P[0] > 0.0;
}

/* a <- T a (companion). */
static inline void state_predict(const sc_kalman *k, double *a)
{
    int r = k->r;
    double a0 = a[0];
    for (int i = 0; i < r - 1; i++)
        a[i] = k->phi[i] * a0 + a[i + 1];
    a[r - 1] = k->phi[r - 1] * a0;
}

/* P <- T P T' + R R' in place (row 0 and column 0 saved first). */
static void cov_predict(sc_kalman *k)
{
    int r = k->r;
    double row0[SC_ARIMA_MAX_R + 1], col0[SC_ARIMA_MAX_R + 1];
    double *P = k->P;
    for (int j = 0; j < r; j++) {
        row0[j] = P[j];
        col0[j] = P[j * r];
    }
    row0[r] = col0[r] = 0.0;
    double p00 = P[0];
    for (int i = 0; i < r; i++) {
        double fi = k->phi[i];
        for (int j = 0; j < r; j++) {
            double fj = k->phi[j];
            double v = fi * fj * p00 + fi * row0[j + 1] + fj * col0[i + 1];
            if (i + 1 < r && j + 1 < r)
                v += P[(i + 1) * r + j + 1];
            P[i * r + j] = v + k->rv[i] * k->rv[j];
        }
    }
}

/* Filter one observation from the predicted (a, P); returns v^2/F, sets *logF. */
static double filter_obs(sc_kalman *k, double w, double *logF)
{
    int r = k->r;
    double v = w - k->a[0];
    if (k->steady) {
        for (int i = 0; i < r; i++)
            k->a[i] += k->K[i] * v;
        *logF = log(k->F);
        return v * v / k->F;
    }
    double F = k->P[0];
    if (!(F > 1e-300))
        F = 1e-300;
    double Knew[SC_ARIMA_MAX_R], col[SC_ARIMA_MAX_R];
    double maxd = fabs(F - k->F) / F;
    for (int i = 0; i < r; i++) {
        col[i] = k->P[i * r];
        Knew[i] = col[i] / F;
        double d = fabs(Knew[i] - k->K[i]);
        if (d > maxd)
            maxd = d;
        k->a[i] += Knew[i] * v;
    }
    for (int i = 0; i < r; i++)
        for (int j = 0; j < r; j++)
            k->P[i * r + j] -= col[i] * col[j] / F;
    /* converged when the gain has not moved for a whole state length (a change can
     * travel through the companion state for r steps; one quiet step is not enough
     * for seasonal models, whose gain moves mostly at the seasonal lags) */
    if (k->started && maxd < KF_STEADY_TOL) {
        if (++k->calm > r)
            k->steady = 1;
    } else {
        k->calm = 0;
    }
    memcpy(k->K, Knew, (size_t)r * sizeof *Knew);
    k->F = F;
    *logF = log(F);
    return v * v / F;
}

void sc_kalman_filter(sc_kalman *k, const double *w, size_t n, double *ssq,
                      double *sumlog, size_t *nu)
{
    double s = 0.0, sl = 0.0;
    size_t cnt = 0;
    for (size_t t = 0; t < n; t++) {
        if (k->started) {
            state_predict(k, k->a);
            if (!k->steady)
                cov_predict(k);
        }
        if (isnan(w[t])) {
            k->started = 1;
            continue;
        }
        double lf;
        s += filter_obs(k, w[t], &lf);
        sl += lf;
        cnt++;
        k->started = 1;
    }
    *ssq += s;
    *sumlog += sl;
    *nu += cnt;
}

void sc_kalman_step(sc_kalman *k, double w)
{
    state_predict(k, k->a);
    if (!k->steady)
        cov_predict(k);
    if (isnan(w))
        return;
    double lf;
    (void)filter_obs(k, w, &lf);
}

void sc_kalman_forecast(const sc_kalman *k, size_t h, double *wmean, double *psi,
                        double *u)
{
    int r = k->r;
    double a[SC_ARIMA_MAX_R], v[SC_ARIMA_MAX_R], row[SC_ARIMA_MAX_R];
    memcpy(a, k->a, (size_t)r * sizeof *a);
    memcpy(v, k->rv, (size_t)r * sizeof *v);
    memset(row, 0, sizeof row);
    row[0] = 1.0;
    for (size_t s = 0; s < h; s++) {
        state_predict(k, a);
        if (wmean)
            wmean[s] = a[0];
        if (psi) {
            psi[s] = v[0];
            state_predict(k, v);
        }
        if (u) {
            /* row <- row T: (row T)[0] = sum row_i phi_i, (row T)[j] = row_{j-1} */
            double s0 = 0.0;
            for (int i = 0; i < r; i++)
                s0 += row[i] * k->phi[i];
            for (int j = r - 1; j > 0; j--)
                row[j] = row[j - 1];
            row[0] = s0;
            memcpy(u + s * (size_t)r, row, (size_t)r * sizeof *row);
        }
    }
}

/* Exact likelihood by the Chandrasekhar recursions (Morf, Sidhu & Kailath 1974; for
 * ARMA models Melard 1984, AS 197).  For a time-invariant model started at the
 * stationary covariance P_1 (= T P_1 T' + R R'), the change of the predicted covariance
 * dP_t = P_{t+1} - P_t has rank one: dP_1 = -g_1 g_1' / F_1 with g_t = T P_t e_1.  With
 * dP_t = M_t W_t W_t' (W_t a vector, M_t a scalar) expanding P_{t+2} - P_{t+1} gives
 *   F_{t+1} = F_t + M_t W_t[0]^2,       g_{t+1} = g_t + M_t W_t[0] T W_t,
 *   W_{t+1} = T W_t - g_{t+1} W_t[0] / F_{t+1},   M_{t+1} = M_t F_{t+1} / F_t,
 * and the predicted state x_{t+1} = T x_t + g_t v_t / F_t, v_t = w_t - x_t[0]: O(r)
 * per observation instead of the O(r^2) covariance update, and only the first column
 * of P_1 is needed.  Once M_t W_t W_t' is below KF_CHANDRA_TOL relative to F the gain
 * has converged and the W update stops.  Same numbers as sc_kalman_setup +
 * sc_kalman_filter (to rounding; tests/test_arima.c checks 1e-9); a series with a
 * missing value (NaN) takes that path instead. */
int sc_kalman_loglik(sc_kalman *k, const double *phi, int np, const double *theta, int nq,
                     const double *w, size_t n, double *work, double *ssq,
                     double *sumlog, size_t *nu)
{
    for (size_t t = 0; t < n; t++)
        if (isnan(w[t])) {
            if (!sc_kalman_setup(k, phi, np, theta, nq, work))
                return 0;
            sc_kalman_filter(k, w, n, ssq, sumlog, nu);
            return 1;
        }
    if (!model_init(k, phi, &np, theta, &nq))
        return 0;
    int r = k->r;
    double *psi = work, *gam = work + (r + 1), *A = work + 2 * (r + 1);
    if (!arma_acov_fast(k, np, nq, psi, gam, A))
        return 0;
    nz_index z;
    nz_build(k, &z);
    double c[SC_ARIMA_MAX_R + 1], g[SC_ARIMA_MAX_R], W[SC_ARIMA_MAX_R],
        x[SC_ARIMA_MAX_R];
    for (int i = 0; i < r; i++)
        c[i] = p1_entry(k, &z, psi, gam, i, 0);
    c[r] = 0.0;
    double F = c[0];
    if (!(F > 0.0) || !isfinite(F))
        return 0;
    for (int i = 0; i < r; i++) {
        g[i] = k->phi[i] * c[0] + c[i + 1];
        W[i] = g[i];
        x[i] = 0.0;
    }
    double M = -1.0 / F, s = 0.0, sl = 0.0, logF = log(F);
    int steady = 0;
    for (size_t t = 0; t < n; t++) {
        double v = w[t] - x[0], vf = v / F;
        s += v * vf;
        sl += logF;
        /* x <- T x + g v / F */
        double x0 = x[0];
        for (int i = 0; i < r - 1; i++)
            x[i] = k->phi[i] * x0 + x[i + 1] + g[i] * vf;
        x[r - 1] = k->phi[r - 1] * x0 + g[r - 1] * vf;
        if (steady)
            continue;
        double w0 = W[0], mw = M * w0;
        double Fn = F + mw * w0;
        if (!(Fn > 1e-300))
            return 0;
        /* TW into W, g += M w0 TW, then W -= g w0 / Fn */
        double wmax = 0.0, gw = w0 / Fn;
        for (int i = 0; i < r - 1; i++) {
            double tw = k->phi[i] * w0 + W[i + 1];
            g[i] += mw * tw;
            W[i] = tw - g[i] * gw;
            double aw = fabs(W[i]);
            wmax = aw > wmax ? aw : wmax;
        }
        {
            double tw = k->phi[r - 1] * w0;
            g[r - 1] += mw * tw;
            W[r - 1] = tw - g[r - 1] * gw;
            double aw = fabs(W[r - 1]);
            wmax = aw > wmax ? aw : wmax;
        }
        M *= Fn / F;
        F = Fn;
        logF = log(F);
        if (fabs(M) * wmax * wmax < KF_CHANDRA_TOL * F)
            steady = 1;
    }
    *ssq += s;
    *sumlog += sl;
    *nu += n;
    return isfinite(s) && isfinite(sl);
}
