/*
 * harmonic.c - dynamic harmonic regression: Fourier terms for several seasonal periods
 * at once, optional exogenous regressors (event feeds), and ARIMA errors
 * (Hyndman & Athanasopoulos, "Forecasting: Principles and Practice", 3rd ed., 10.5):
 *
 *   y_t = b0 + x_t' beta + sum_p sum_{k<=K_p} [a_pk sin(2 pi k t / p) + c_pk cos(...)]
 *         + eta_t,     eta_t ~ non-seasonal ARIMA (auto, arima.c).
 *
 * Periods: the configured period (when >= 2 and the history holds two cycles) plus
 * periods detected from the data (sc_season_detect on the series, then on the residual
 * of the Fourier fit of the periods found so far), at most HR_MAX_PERIODS, each with at
 * least two cycles of history.  Detected periods only add to the configured one.
 * Any period up to SC_FORECAST_MAX_PERIOD (2016, a week at 5 minutes) is supported: a
 * period costs 2K regression columns, not a seasonal state of p lags.
 *
 * Number of harmonics: K_p in 1..min(HR_MAX_K, p/2), chosen by the AICc of the least-
 * squares regression, one period at a time in order (coordinate descent, two sweeps),
 * others held; a sine column that is identically zero (k = p/2) is dropped, as R's
 * fourier() does.  The regression is fitted once by least squares (normal equations,
 * Cholesky on the selected columns of one cross-product matrix), then the ARIMA errors
 * are chosen and fitted on its residuals (two-stage; R's Arima(xreg = fourier(...))
 * estimates both jointly, at the price of a search per K).
 *
 * Forecast = regression at the future positions + the ARIMA forecast of eta; intervals
 * from the ARIMA forecast variance (the regression coefficients are taken as known).
 * Future regressor values come from the rows after the history in sc_forecast_exog
 * (n_future), consumed in order by update() and then by predict(); missing ones are 0.
 * update(y): one ARIMA step on y minus the regression at that position: O(K + r).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_linalg.h>

#include "fcint.h"

#define HR_MAX_PERIODS 4
#define HR_MAX_K 12          /* harmonics per period at most */
#define HR_MAX_COLS (1 + SC_FORECAST_MAX_EXOG + 2 * HR_MAX_K * HR_MAX_PERIODS)

typedef struct harmonic_state {
    sc_arima_model err;              /* ARIMA errors */
    int nper;                        /* periods with Fourier terms */
    int period[HR_MAX_PERIODS];
    int K[HR_MAX_PERIODS];
    size_t nx;                       /* exogenous columns */
    double b0;
    double beta[SC_FORECAST_MAX_EXOG];
    double fs[HR_MAX_PERIODS][HR_MAX_K], fc[HR_MAX_PERIODS][HR_MAX_K]; /* sin, cos */
    uint64_t t;                      /* position of the next observation */
    double *xf;                      /* announced regressor rows after the history */
    size_t nf, used;
} harmonic_state;

extern const sc_forecaster_type sc_forecast_harmonic_type;

/* Regression value at position t (no exog part). */
static double fourier_value(const harmonic_state *S, uint64_t t)
{
    double v = S->b0;
    for (int i = 0; i < S->nper; i++) {
        double w = 2.0 * M_PI / (double)S->period[i];
        double ph = w * (double)(t % (uint64_t)S->period[i]);
        for (int k = 0; k < S->K[i]; k++)
            v += S->fs[i][k] * sin((k + 1) * ph) + S->fc[i][k] * cos((k + 1) * ph);
    }
    return v;
}

/* Column layout of the full design: 0 intercept, 1..nx exog, then per period i and
 * harmonic k: sin then cos.  col_of[i][k][0/1] = column (-1 when the sine vanishes). */
typedef struct design {
    size_t ncol;
    int col[HR_MAX_PERIODS][HR_MAX_K][2];
    int kmax[HR_MAX_PERIODS];
} design;

/* Periods must be sorted ascending: a harmonic of a longer period whose frequency
 * k/p equals a harmonic j/p' (j <= kmax) of a shorter one (k = 7 of 168 is k = 1 of 24)
 * gets no columns, so the design stays of full rank. */
static void design_build(design *dz, size_t nx, const int *period, int nper)
{
    size_t c = 1 + nx;
    for (int i = 0; i < nper; i++) {
        dz->kmax[i] = period[i] / 2 < HR_MAX_K ? period[i] / 2 : HR_MAX_K;
        if (dz->kmax[i] < 1)
            dz->kmax[i] = 1;
        for (int k = 0; k < dz->kmax[i]; k++) {
            int dup = 0;
            for (int l = 0; l < i && !dup; l++) {
                long num = (long)(k + 1) * period[l];
                dup = num % period[i] == 0 && num / period[i] <= dz->kmax[l];
            }
            if (dup) {
                dz->col[i][k][0] = dz->col[i][k][1] = -1;
                continue;
            }
            int vanish = period[i] % 2 == 0 && 2 * (k + 1) == period[i];
            dz->col[i][k][0] = vanish ? -1 : (int)c++;
            dz->col[i][k][1] = (int)c++;
        }
    }
    dz->ncol = c;
}

static void design_row(const design *dz, const int *period, int nper, size_t nx,
                       const double *xrow, uint64_t t, double *row)
{
    row[0] = 1.0;
    for (size_t j = 0; j < nx; j++)
        row[1 + j] = xrow ? xrow[j] : 0.0;
    for (int i = 0; i < nper; i++) {
        double ph = 2.0 * M_PI * (double)(t % (uint64_t)period[i]) / (double)period[i];
        for (int k = 0; k < dz->kmax[i]; k++) {
            if (dz->col[i][k][0] >= 0)
                row[dz->col[i][k][0]] = sin((k + 1) * ph);
            if (dz->col[i][k][1] >= 0)
                row[dz->col[i][k][1]] = cos((k + 1) * ph);
        }
    }
}

/* Least squares on the columns sel[0..k-1] from the cross products XtX (ncol^2), Xty,
 * yty: coefficients into b, returns SSE (INFINITY when singular). */
static double ls_subset(const double *XtX, const double *Xty, double yty, size_t ncol,
                        const int *sel, size_t k, double *b, double *work)
{
    gsl_matrix_view A = gsl_matrix_view_array(work, k, k);
    for (size_t i = 0; i < k; i++) {
        for (size_t j = 0; j < k; j++)
            work[i * k + j] = XtX[(size_t)sel[i] * ncol + (size_t)sel[j]];
        work[i * k + i] *= 1.0 + 1e-10;   /* tiny ridge: exact zero columns stay solvable */
        b[i] = Xty[sel[i]];
    }
    if (gsl_linalg_cholesky_decomp1(&A.matrix) != GSL_SUCCESS)
        return INFINITY;
    gsl_vector_view bv = gsl_vector_view_array(b, k);
    if (gsl_linalg_cholesky_svx(&A.matrix, &bv.vector) != GSL_SUCCESS)
        return INFINITY;
    double sse = yty;
    for (size_t i = 0; i < k; i++)
        sse -= b[i] * Xty[sel[i]];
    return sse > 0 ? sse : 0.0;
}

static size_t select_cols(const design *dz, int nper, size_t nx, const int *K, int *sel)
{
    size_t k = 0;
    sel[k++] = 0;
    for (size_t j = 0; j < nx; j++)
        sel[k++] = (int)(1 + j);
    for (int i = 0; i < nper; i++)
        for (int h = 0; h < K[i]; h++) {
            if (dz->col[i][h][0] >= 0)
                sel[k++] = dz->col[i][h][0];
            if (dz->col[i][h][1] >= 0)
                sel[k++] = dz->col[i][h][1];
        }
    return k;
}

static double aicc_of(double sse, size_t n, size_t k)
{
    double kk = (double)k + 1.0, nn = (double)n;
    if (nn - kk - 1 <= 0)
        return INFINITY;
    return nn * log(sse / nn > 1e-300 ? sse / nn : 1e-300) + 2 * kk +
           2 * kk * (kk + 1) / (nn - kk - 1);
}

/* Cross products of the full design for the given periods. */
static sc_status cross_products(const design *dz, const int *period, int nper, size_t nx,
                                const double *y, size_t n, const double *x, double *XtX,
                                double *Xty, double *yty, sc_error *err)
{
    size_t c = dz->ncol;
    double *row = malloc(c * sizeof *row);
    if (!row)
        return sc_error_set(err, SC_ERR_NOMEM, "harmonic", "allocating a design row");
    memset(XtX, 0, c * c * sizeof *XtX);
    memset(Xty, 0, c * sizeof *Xty);
    *yty = 0.0;
    for (size_t t = 0; t < n; t++) {
        design_row(dz, period, nper, nx, x ? x + t * nx : NULL, t, row);
        for (size_t i = 0; i < c; i++) {
            Xty[i] += row[i] * y[t];
            for (size_t j = i; j < c; j++)
                XtX[i * c + j] += row[i] * row[j];
        }
        *yty += y[t] * y[t];
    }
    for (size_t i = 0; i < c; i++)
        for (size_t j = 0; j < i; j++)
            XtX[i * c + j] = XtX[j * c + i];
    free(row);
    return SC_OK;
}

static size_t harmonic_min_history(const sc_forecast_config *cfg)
{
    (void)cfg;
    return 8;
}

static int has_period(const int *period, int nper, int p)
{
    for (int i = 0; i < nper; i++)
        if (period[i] == p)
            return 1;
    return 0;
}

static sc_status harmonic_fit(void *state, const sc_forecast_config *cfg, const double *y,
                              size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    harmonic_state *S = state;
    size_t nx = exog && exog->x ? exog->ncols : 0;
    if (nx > SC_FORECAST_MAX_EXOG)
        return sc_error_set(err, SC_ERR_RANGE, "harmonic",
                            "%zu exogenous columns; at most %d", nx, SC_FORECAST_MAX_EXOG);
    const double *x = nx ? exog->x : NULL;
    int period[HR_MAX_PERIODS], nper = 0;
    if (cfg->period >= 2 && n >= 2 * (size_t)cfg->period)
        period[nper++] = cfg->period;
    int maxp = (int)(n / 3) < SC_FORECAST_MAX_PERIOD ? (int)(n / 3) : SC_FORECAST_MAX_PERIOD;
    sc_status st = SC_OK;
    size_t cmax = 1 + nx + 2 * HR_MAX_K * HR_MAX_PERIODS;
    double *XtX = malloc((cmax * cmax * 2 + 3 * cmax + 2 * n) * sizeof *XtX);
    if (!XtX)
        return sc_error_set(err, SC_ERR_NOMEM, "harmonic", "allocating the regression");
    double *Xty = XtX + cmax * cmax, *work = Xty + cmax, *b = work + cmax * cmax,
           *res = b + cmax, *row = res + n;
    (void)row;
    design dz;
    int sel[HR_MAX_COLS], K[HR_MAX_PERIODS];
    double yty;
    /* detection: on y, then on the residual of the fit so far */
    for (int pass = 0; pass < 2 && nper < HR_MAX_PERIODS && maxp >= 2; pass++) {
        const double *src = y;
        if (pass == 1) {
            if (nper == 0)
                break;
            for (int i = 1; i < nper; i++)
                for (int j = i; j > 0 && period[j] < period[j - 1]; j--) {
                    int tmp = period[j];
                    period[j] = period[j - 1];
                    period[j - 1] = tmp;
                }
            design_build(&dz, 0, period, nper);
            st = cross_products(&dz, period, nper, 0, y, n, NULL, XtX, Xty, &yty, err);
            if (st != SC_OK)
                goto done;
            for (int i = 0; i < nper; i++)
                K[i] = dz.kmax[i];
            size_t k = select_cols(&dz, nper, 0, K, sel);
            if (!isfinite(ls_subset(XtX, Xty, yty, dz.ncol, sel, k, b, work)))
                break;
            double *rw = malloc(dz.ncol * sizeof *rw);
            if (!rw) {
                st = sc_error_set(err, SC_ERR_NOMEM, "harmonic", "allocating a row");
                goto done;
            }
            for (size_t t = 0; t < n; t++) {
                design_row(&dz, period, nper, 0, NULL, t, rw);
                double f = 0.0;
                for (size_t j = 0; j < k; j++)
                    f += b[j] * rw[sel[j]];
                res[t] = y[t] - f;
            }
            free(rw);
            src = res;
        }
        int det = 1;
        sc_error e2;
        if (sc_season_detect(src, n, maxp, &det, &e2) == SC_OK && det >= 2 &&
            n >= 2 * (size_t)det && !has_period(period, nper, det))
            period[nper++] = det;
    }
    /* K per period by AICc (coordinate descent), periods in ascending order */
    for (int i = 1; i < nper; i++)
        for (int j = i; j > 0 && period[j] < period[j - 1]; j--) {
            int tmp = period[j];
            period[j] = period[j - 1];
            period[j - 1] = tmp;
        }
    design_build(&dz, nx, period, nper);
    st = cross_products(&dz, period, nper, nx, y, n, x, XtX, Xty, &yty, err);
    if (st != SC_OK)
        goto done;
    for (int i = 0; i < nper; i++)
        K[i] = 1;
    for (int sweep = 0; sweep < 2; sweep++)
        for (int i = 0; i < nper; i++) {
            int bestK = K[i];
            double best = INFINITY;
            for (int kk = 1; kk <= dz.kmax[i]; kk++) {
                K[i] = kk;
                size_t k = select_cols(&dz, nper, nx, K, sel);
                double a = aicc_of(ls_subset(XtX, Xty, yty, dz.ncol, sel, k, b, work), n, k);
                if (a < best) {
                    best = a;
                    bestK = kk;
                }
            }
            K[i] = bestK;
        }
    size_t k = select_cols(&dz, nper, nx, K, sel);
    if (!isfinite(ls_subset(XtX, Xty, yty, dz.ncol, sel, k, b, work))) {
        st = sc_error_set(err, SC_ERR_RANGE, "harmonic",
                          "singular regression with %zu observations", n);
        goto done;
    }
    /* unpack coefficients */
    memset(S, 0, sizeof *S);
    S->nper = nper;
    S->nx = nx;
    {
        size_t j = 0;
        S->b0 = b[j++];
        for (size_t c = 0; c < nx; c++)
            S->beta[c] = b[j++];
        for (int i = 0; i < nper; i++) {
            S->period[i] = period[i];
            S->K[i] = K[i];
            for (int h = 0; h < K[i]; h++) {
                if (dz.col[i][h][0] >= 0)
                    S->fs[i][h] = b[j++];
                if (dz.col[i][h][1] >= 0)
                    S->fc[i][h] = b[j++];
            }
        }
    }
    for (size_t t = 0; t < n; t++) {
        double f = fourier_value(S, t);
        for (size_t c = 0; c < nx; c++)
            f += S->beta[c] * x[t * nx + c];
        res[t] = y[t] - f;
    }
    /* ARIMA errors: non-seasonal automatic ARIMA on the residuals */
    sc_arima_opts o;
    sc_arima_opts_init(&o);
    o.seasonal = 0;
    st = sc_arima_fit_auto(res, n, NULL, 0, 1, &o, &S->err, err);
    if (st != SC_OK)
        goto done;
    S->t = n;
    if (nx && exog->n_future) {
        S->xf = malloc(exog->n_future * nx * sizeof *S->xf);
        if (!S->xf) {
            st = sc_error_set(err, SC_ERR_NOMEM, "harmonic", "copying future regressors");
            goto done;
        }
        memcpy(S->xf, exog->x + n * nx, exog->n_future * nx * sizeof *S->xf);
        S->nf = exog->n_future;
    }
done:
    free(XtX);
    return st;
}

static void harmonic_cleanup(void *state)
{
    harmonic_state *S = state;
    free(S->xf);
    S->xf = NULL;
}

static const double *hr_row(const harmonic_state *S, size_t k)
{
    return S->xf && k < S->nf ? S->xf + k * S->nx : NULL;
}

static void harmonic_update(void *state, double y)
{
    harmonic_state *S = state;
    double r = NAN;
    if (!isnan(y)) {
        r = y - fourier_value(S, S->t);
        const double *row = hr_row(S, S->used);
        if (row)
            for (size_t c = 0; c < S->nx; c++)
                r -= S->beta[c] * row[c];
    }
    sc_arima_model_update(&S->err, r, NULL);
    S->t++;
    S->used++;
}

static sc_status harmonic_predict(const void *state, size_t h, const double *q, size_t nq,
                                  double *mean, double *quant, sc_error *err)
{
    const harmonic_state *S = state;
    sc_status st = sc_arima_model_predict(&S->err, h, NULL, q, nq, mean, quant, err);
    if (st != SC_OK)
        return st;
    for (size_t s = 0; s < h; s++) {
        double f = fourier_value(S, S->t + s);
        const double *row = hr_row(S, S->used + s);
        if (row)
            for (size_t c = 0; c < S->nx; c++)
                f += S->beta[c] * row[c];
        mean[s] += f;
        for (size_t k = 0; k < nq; k++)
            quant[s * nq + k] += f;
    }
    return SC_OK;
}

const sc_forecaster_type sc_forecast_harmonic_type = {
    .name = "harmonic",
    .version = 2,
    .state_size = sizeof(harmonic_state),
    .max_period = SC_FORECAST_MAX_PERIOD,
    .min_history = harmonic_min_history,
    .fit = harmonic_fit,
    .update = harmonic_update,
    .predict = harmonic_predict,
    .cleanup = harmonic_cleanup,
    .fit_global = NULL,
};

int sc_harmonic_info_fill(const sc_forecaster *fc, sc_arima_info *out)
{
    if (!fc || fc->type != &sc_forecast_harmonic_type || !fc->fitted)
        return 0;
    const harmonic_state *S = fc->state;
    sc_arima_info_fill(&S->err, out);
    out->nx = S->nx;
    memcpy(out->beta, S->beta, sizeof out->beta);
    out->mu = S->b0 + S->err.mu;
    out->nperiods = S->nper;
    for (int i = 0; i < S->nper; i++) {
        out->periods[i] = S->period[i];
        out->harmonics[i] = S->K[i];
    }
    return 1;
}

int sc_harmonic_coef(const sc_forecaster *fc, int i, int k, double *a_sin, double *c_cos)
{
    if (!fc || fc->type != &sc_forecast_harmonic_type || !fc->fitted)
        return 0;
    const harmonic_state *S = fc->state;
    if (i < 0 || i >= S->nper || k < 1 || k > S->K[i])
        return 0;
    *a_sin = S->fs[i][k - 1];
    *c_cos = S->fc[i][k - 1];
    return 1;
}
