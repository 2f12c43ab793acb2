/*
 * accuracy.c - the accuracy measures of forecasts (forecast.h): sMAPE, MASE and its
 * scale, MSIS and interval coverage per series (sc_m4_score_series), the pinball loss
 * of a quantile, OWA.  Pure functions of the numbers given: the evaluation harnesses
 * that fit models, time them and report progress live outside core (sim/eval/).
 *
 * Measures follow the M4 Competitor's Guide (2018) and the organisers' "Benchmarks and
 * Evaluation.R": per series sMAPE = mean 200|y-f|/(|y|+|f|), MASE = mean |y-f| / scale
 * with scale = mean |x_t - x_{t-m}| over the training series, MSIS = mean of the
 * interval score (U-L) + 2/a (L-y)[y<L] + 2/a (y-U)[y>U] divided by the same scale,
 * a = 1 - level; OWA = (sMAPE/sMAPE_naive2 + MASE/MASE_naive2)/2; coverage is the
 * fraction of test points inside [L, U].  The pinball loss of level q at quantile Q is
 * q (y - Q) when y >= Q, else (1 - q)(Q - y) (M5's SPL numerator).  Conventions beyond
 * M4, for inputs M4 never had: a 0/0 sMAPE term is 0; a missing (NaN) test value is not
 * scored; a scale of 0 (constant training data) gives NaN MASE and MSIS; with n <= m
 * the scale uses lag 1.
 */
#include <math.h>
#include <stddef.h>

#include "sculpt/forecast.h"

double sc_accuracy_smape(double y, double f)
{
    double den = fabs(y) + fabs(f);
    return den > 0.0 ? 200.0 * fabs(y - f) / den : 0.0;
}

double sc_accuracy_pinball(double y, double Q, double q)
{
    return y >= Q ? q * (y - Q) : (1.0 - q) * (Q - y);
}

double sc_accuracy_owa(double smape, double mase, double smape_ref, double mase_ref)
{
    return (smape_ref > 0 && mase_ref > 0) ? 0.5 * (smape / smape_ref + mase / mase_ref)
                                           : NAN;
}

double sc_m4_scale(const double *x, size_t n, int m)
{
    size_t lag = (m >= 1 && n > (size_t)m) ? (size_t)m : 1;
    double sum = 0.0;
    size_t cnt = 0;
    for (size_t t = lag; t < n; t++)
        if (!isnan(x[t]) && !isnan(x[t - lag])) {
            sum += fabs(x[t] - x[t - lag]);
            cnt++;
        }
    return cnt ? sum / (double)cnt : 0.0;
}

void sc_m4_score_series(const double *train, size_t n_train, int m, const double *test,
                        const double *f, const double *lo, const double *hi, size_t h,
                        double level, sc_m4_score *out)
{
    double scale = sc_m4_scale(train, n_train, m);
    double a = 1.0 - level / 100.0;
    double s_smape = 0.0, s_ae = 0.0, s_is = 0.0, covered = 0.0;
    size_t cnt = 0;
    for (size_t i = 0; i < h; i++) {
        double y = test[i];
        if (isnan(y))
            continue;
        s_smape += sc_accuracy_smape(y, f[i]);
        s_ae += fabs(y - f[i]);
        if (lo && hi) {
            double is = hi[i] - lo[i];
            if (y < lo[i])
                is += 2.0 / a * (lo[i] - y);
            if (y > hi[i])
                is += 2.0 / a * (y - hi[i]);
            s_is += is;
            if (y >= lo[i] && y <= hi[i])
                covered += 1.0;
        }
        cnt++;
    }
    out->h = cnt;
    out->covered = covered;
    double dn = cnt ? (double)cnt : 1.0;
    out->smape = s_smape / dn;
    out->mase = scale > 0.0 ? s_ae / dn / scale : NAN;
    out->msis = (scale > 0.0 && lo && hi) ? s_is / dn / scale : NAN;
}
