/*
 * test_arima_kalman.c - the fast exact ARMA likelihood (sc_kalman_loglik: Chandrasekhar
 * recursions, autocovariances by the step-down / Levinson recursion) against R's
 * arima() and against the full O(r^2) Kalman filter (sc_kalman_setup +
 * sc_kalman_filter, whose initial covariance comes from a dense linear solve).
 *
 * R values (R 4.2.2 Patched, stats::arima, SSinit "Gardner1980" and "Rossignol2011"
 * give the same digits for the first model):
 *   t <- 1:200
 *   x <- sin(t * 0.7) + 0.5 * cos(t * 0.13) + ((t * 37) %% 11) / 10 - 0.5
 *   arima(x, order = c(1, 0, 1), seasonal = list(order = c(1, 0, 1), period = 12),
 *         include.mean = FALSE, fixed = c(0.5, 0.3, 0.4, -0.6),
 *         transform.pars = FALSE)                       # loglik -172.9347333181
 *   arima(x, order = c(2, 0, 1), seasonal = list(order = c(1, 0, 0), period = 24),
 *         include.mean = FALSE, fixed = c(0.6, -0.2, -0.9, 0.7),
 *         transform.pars = FALSE, SSinit = "Rossignol2011")   # loglik -460.1717981527
 * with sigma^2 concentrated out: loglik = -(n/2) (log(2 pi ssq / n) + 1) - sumlog / 2.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <string.h>

#include "../core/forecast/fcint.h"

#define PI 3.14159265358979323846

static void make_x(double *x, int n)
{
    for (int t = 1; t <= n; t++)
        x[t - 1] = sin(t * 0.7) + 0.5 * cos(t * 0.13) + (double)((t * 37) % 11) / 10.0 - 0.5;
}

static double loglik_of(double ssq, double sumlog, size_t nu)
{
    double n = (double)nu;
    return -0.5 * (n * log(2.0 * PI * ssq / n) + n) - 0.5 * sumlog;
}

/* Both likelihood paths on the same model; returns the fast one's loglik. */
static double both_paths(const double *phi, int np, const double *theta, int nq,
                         const double *w, size_t n)
{
    static sc_kalman k1, k2;
    static double work[8192];
    cr_assert(sc_kalman_work_size(SC_ARIMA_MAX_R) <= 8192);
    double s1 = 0, l1 = 0, s2 = 0, l2 = 0;
    size_t n1 = 0, n2 = 0;
    cr_assert(sc_kalman_setup(&k1, phi, np, theta, nq, work));
    sc_kalman_filter(&k1, w, n, &s1, &l1, &n1);
    cr_assert(sc_kalman_loglik(&k2, phi, np, theta, nq, w, n, work, &s2, &l2, &n2));
    cr_expect_eq(n1, n2);
    double a = loglik_of(s1, l1, n1), b = loglik_of(s2, l2, n2);
    cr_expect(fabs(a - b) < 1e-8, "full filter %.12f vs fast %.12f", a, b);
    cr_expect(fabs(s1 - s2) < 1e-9 * s1, "ssq %.15g vs %.15g", s1, s2);
    return b;
}

Test(arima_kalman, seasonal_arma_matches_r)
{
    double x[200];
    make_x(x, 200);
    /* (1 - 0.5 B)(1 - 0.4 B^12) and (1 + 0.3 B)(1 - 0.6 B^12) expanded (R's signs) */
    double phi[13] = {0}, theta[13] = {0};
    phi[0] = 0.5;
    phi[11] = 0.4;
    phi[12] = -0.5 * 0.4;
    theta[0] = 0.3;
    theta[11] = -0.6;
    theta[12] = 0.3 * -0.6;
    double ll = both_paths(phi, 13, theta, 13, x, 200);
    cr_expect(fabs(ll - -172.9347333181) < 1e-8, "loglik %.10f, R -172.9347333181", ll);
}

/* MA coefficient near the unit circle: the gain converges slowly, so the recursions run
 * over the whole series (no steady-state shortcut). */
Test(arima_kalman, slow_gain_matches_r)
{
    double x[200];
    make_x(x, 200);
    double phi[26] = {0}, theta[1] = {-0.9};
    phi[0] = 0.6;
    phi[1] = -0.2;
    phi[23] = 0.7;
    phi[24] = -0.6 * 0.7;
    phi[25] = 0.2 * 0.7;
    double ll = both_paths(phi, 26, theta, 1, x, 200);
    cr_expect(fabs(ll - -460.1717981527) < 1e-8, "loglik %.10f, R -460.1717981527", ll);
}

/* Largest supported state (p + 24 P = 53, q + 24 Q = 53) and a pure MA: the two paths
 * agree; a non-stationary AR part is refused by both. */
Test(arima_kalman, fast_equals_full_filter)
{
    double x[700];
    for (int t = 0; t < 700; t++)
        x[t] = sin(t * 0.261799) + 0.3 * sin(t * 1.3) + 0.01 * (double)((t * 53) % 17);
    double ar[5] = {0.3, -0.1, 0.05, 0.1, -0.05}, sar[2] = {0.5, 0.2};
    double ma[5] = {0.2, 0.1, -0.1, 0.05, 0.02}, sma[2] = {-0.7, 0.1};
    double phi[53] = {0}, theta[53] = {0};
    for (int i = 0; i < 5; i++) {
        phi[i] = ar[i];
        theta[i] = ma[i];
    }
    for (int j = 0; j < 2; j++) {
        phi[(j + 1) * 24 - 1] += sar[j];
        theta[(j + 1) * 24 - 1] += sma[j];
        for (int i = 0; i < 5; i++) {
            phi[(j + 1) * 24 + i] -= ar[i] * sar[j];
            theta[(j + 1) * 24 + i] += ma[i] * sma[j];
        }
    }
    (void)both_paths(phi, 53, theta, 53, x, 700);
    (void)both_paths(NULL, 0, theta, 53, x, 700);
    (void)both_paths(phi, 53, NULL, 0, x, 700);
    static sc_kalman k;
    static double work[8192];
    double bad[2] = {0.5, 0.6}, s = 0, l = 0;   /* 1 - 0.5 B - 0.6 B^2 has a root < 1 */
    size_t nu = 0;
    cr_expect_not(sc_kalman_loglik(&k, bad, 2, NULL, 0, x, 700, work, &s, &l, &nu));
    cr_expect_not(sc_kalman_setup(&k, bad, 2, NULL, 0, work));
}

/* A missing value takes the full filter: same answer as sc_kalman_filter. */
Test(arima_kalman, missing_values_use_full_filter)
{
    double x[200];
    make_x(x, 200);
    x[50] = NAN;
    double phi[1] = {0.5}, theta[1] = {0.3};
    double ll = both_paths(phi, 1, theta, 1, x, 200);
    cr_expect(isfinite(ll));
}
