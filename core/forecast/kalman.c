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
 * (relative change below KF_STEADY_TOL) the filter is in its steady state and the rest
 * of the series (and every later update) costs O(r): a <- T a; a += K (w - a[0]).
 */
#include <math.h>
#include <string.h>

#include "fcint.h"

#define KF_STEADY_TOL 1e-11   /* relative change of F and K that counts as converged */

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

int sc_kalman_setup(sc_kalman *k, const double *phi, int np, const double *theta, int nq,
                    double *work)
{
    while (np > 0 && phi[np - 1] == 0.0)
        np--;
    while (nq > 0 && theta[nq - 1] == 0.0)
        nq--;
    int r = np > nq + 1 ? np : nq + 1;
    if (r > SC_ARIMA_MAX_R)
        return 0;
    memset(k, 0, sizeof *k);
    k->r = r;
    for (int i = 0; i < np; i++)
        k->phi[i] = phi[i];
    k->rv[0] = 1.0;
    for (int i = 0; i < nq; i++)
        k->rv[i + 1] = theta[i];
    /* psi weights psi_0..psi_r and autocovariances gamma(0..r) (sigma^2 = 1) */
    double *psi = work, *gam = work + (r + 1), *A = work + 2 * (r + 1);
    for (int j = 0; j <= r; j++) {
        double s = j <= nq ? (j == 0 ? 1.0 : theta[j - 1]) : 0.0;
        for (int i = 1; i <= np && i <= j; i++)
            s += phi[i - 1] * psi[j - i];
        psi[j] = s;
    }
    if (np == 0) {
        for (int h = 0; h <= r; h++) {
            double s = 0.0;
            for (int j = h; j <= nq; j++)
                s += k->rv[j] * k->rv[j - h];
            gam[h] = s;
        }
    } else {
        int n1 = np + 1;
        memset(A, 0, (size_t)n1 * (size_t)n1 * sizeof *A);
        for (int e = 0; e < n1; e++) {
            A[e * n1 + e] += 1.0;
            for (int j = 1; j <= np; j++)
                A[e * n1 + abs(e - j)] -= phi[j - 1];
            double s = 0.0;
            for (int j = e; j <= nq; j++)
                s += k->rv[j] * psi[j - e];
            gam[e] = s;
        }
        if (!solve_dense(A, gam, n1) || !(gam[0] > 0.0) || !isfinite(gam[0]))
            return 0;
        for (int h = n1; h <= r; h++) {
            double s = 0.0;
            for (int j = 1; j <= np; j++)
                s += phi[j - 1] * gam[h - j];
            for (int j = h; j <= nq; j++)
                s += k->rv[j] * psi[j - h];
            gam[h] = s;
        }
    }
    /* P_1[i][l] = Cov(alpha[i], alpha[l]) from the expansion in the file comment. */
    int iphi[SC_ARIMA_MAX_R], irv[SC_ARIMA_MAX_R], nphi = 0, nrv = 0;
    for (int a = 0; a < r; a++) {
        if (k->phi[a] != 0.0)
            iphi[nphi++] = a;
        if (k->rv[a] != 0.0)
            irv[nrv++] = a;
    }
    for (int i = 0; i < r; i++)
        for (int l = i; l < r; l++) {
            double s = 0.0;
            for (int x = 0; x < nphi; x++) {
                int a = iphi[x];
                if (a < i)
                    continue;
                for (int y = 0; y < nphi; y++) {
                    int b = iphi[y];
                    if (b < l)
                        continue;
                    s += k->phi[a] * k->phi[b] * gam[abs((a - i) - (b - l))];
                }
                /* Cov(w_{t-1-(a-i)}, e_{t-(b-l)}) = psi_{(b-l)-1-(a-i)} */
                for (int y = 0; y < nrv; y++) {
                    int b = irv[y];
                    if (b < l)
                        continue;
                    int lag = (b - l) - 1 - (a - i);
                    if (lag >= 0)
                        s += k->phi[a] * k->rv[b] * psi[lag];
                }
            }
            for (int x = 0; x < nrv; x++) {
                int a = irv[x];
                if (a < i)
                    continue;
                for (int y = 0; y < nphi; y++) {
                    int b = iphi[y];
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
            k->P[i * r + l] = k->P[l * r + i] = s;
        }
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
    if (k->started && maxd < KF_STEADY_TOL)
        k->steady = 1;
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
