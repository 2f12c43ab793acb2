/*
 * ensemble.c - `ensemble`: the hybrid forecaster of issue 3.  It combines whatever member
 * models are built into this binary by weights learnt from rolling-origin backtests on
 * the history it is fitted to, and calibrates its prediction intervals split-conformally
 * on the combined backtest residuals.
 *
 * Members.  Tried in this order, each kept when its type is registered and it can fit
 * the history: snaive at the period m, snaive at the weekly multiple 7m (offered when
 * m > 1 and the history holds 3 such cycles: hourly data has a weekly cycle 168 that
 * no m-periodic model sees) and at any other period sc_season_detect finds, naive2, ets,
 * theta (when built); arima and harmonic are not default members (see candidates()).  `lstm` is not a default member: it is a global
 * model trained across series, not per series; a caller that trained one adds its
 * instances with sc_ensemble_add_member() (fitted on y[0..n0) for the backtest, see
 * below; the evaluation layer's "ensemble+lstm", sim/eval/m4eval.c).  At most
 * SC_ENSEMBLE_MAX_MEMBERS.
 *
 * Backtests (training data only).  With backtest horizon H = ENS_BT_H (48) and K
 * origins ENS_ORIGIN_STEP (24) steps apart, each member is fitted once on
 * y[0 .. n0), n0 = n - H - (K-1) step, forecasts H steps at origin n0, absorbs the next
 * `step` observations with update() (its parameters stay those of the fit, as between
 * the periodic refits of a long simulation), forecasts again, ... K times.  The member
 * is then refitted on the whole history for the real forecast.  K is the largest value
 * <= ENS_ORIGINS that leaves n0 >= n/2; a member whose min_history exceeds n0 has no
 * backtest and gets weight 0 (unless no member has one: then equal weights).
 *
 * Weights, per series and horizon band b (steps 1-6, 7-24, 25-48; later steps use the
 * last band).  E[k][b] = mean over origins and steps in b of |y - f_k| / s, with s the
 * series' in-sample MASE scale (sc_m4_scale), is member k's backtest error.  The raw
 * weight is inverse-error, w_raw[k] = E[k]^-P / sum_j E[j]^-P (P = ENS_POWER = 2, the
 * Bates-Granger inverse-MSE rule on a robust error), and it is shrunk toward the equal
 * weights 1/M of the M members with a backtest:
 *         w[k] = lambda w_raw[k] + (1 - lambda) / M,     lambda = K / (K + N0),
 * a credibility (Buhlmann) weight that treats the equal-weight prior as worth N0 =
 * ENS_SHRINK_N0 origins of evidence: with one origin the weights stay close to equal,
 * with the default 8 origins and N0 = 2 they keep 80 % of what the backtests say.
 * Origins, not points, count as evidence because the 48 errors of one origin share one
 * day's surprise.
 *
 * Intervals: split-conformal (Vovk et al. 2005, Lei et al. 2018) per band.  The
 * combined backtest forecasts (the weights above applied to the stored member
 * forecasts) give signed scale-free residuals r = (y - f) / s; the q-quantile of a step
 * in band b is f + s * R_b[ceil((n_b + 1) q')] (floor for q' < 1/2), the order statistic
 * of the band's n_b sorted residuals at the level q' = Phi(c Phi^-1(q)).  The map is odd
 * about 1/2: the median is the residuals' median (no shift), and each other quantile is
 * read as if the residuals' spread were c times wider (Gaussian shape for the level
 * only; the order statistics keep the residuals' own shape).  c = 1.1436 by default
 * (sc_ensemble_set_inflation), which reads 0.975 at 0.9875: the validated widening for
 * residuals of 8 dependent origins, which under-cover.  (The map used to be
 * q' = 1 - 0.5 (1 - q) for all q >= 1/2, which put the median at the residuals' 0.75
 * quantile: a median bias of the whole forecast distribution.)  A band with too few
 * residuals for the level
 * borrows the series' pooled residuals of all bands, rescaled by the band's mean |r|
 * over the pool's; beyond even that (q very close to 0 or 1) a Gaussian tail with the
 * band's spread.  Steps past the last band widen by sqrt(step / band end).  The
 * residuals stay per series: a plug-in sees one series, so pooling is across the
 * series' own bands, not across series (see README).  Residuals are quantiles of
 * backtests by models fitted on less data, so the coverage they promise is that of a
 * model refitted at the origin, which the final refit is.
 *
 * Without any backtest (a history too short for one), the point forecast is the equal
 * average of the members and the intervals are the same average of their quantiles.
 *
 * State.  The member instances are owned (heap, sc_forecaster_alloc) and freed by the
 * version-2 cleanup method; the stored backtests (member forecasts and actual values)
 * make sc_ensemble_use() able to drop members and recompute weights and calibration
 * without refitting (ablations).  update() passes the observation to every member:
 * O(members), no allocation.  predict() allocates one h-step buffer.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <gsl/gsl_cdf.h>

#include "sculpt/ensemble.h"
#include "sculpt/forecast.h"

#define ENS_BT_H 48           /* backtest horizon (steps) */
#define ENS_ORIGINS 8         /* most rolling origins */
#define ENS_ORIGIN_STEP 24    /* steps between origins */
#define ENS_SHRINK_N0 2.0     /* equal-weight prior, in origins of evidence */
#define ENS_POWER 2.0         /* raw weight = error^-ENS_POWER */
#define ENS_ERR_FLOOR 1e-6    /* backtest errors below this count as this */
#define ENS_WEEK 7            /* the long period offered is ENS_WEEK * m */
/* Default spread inflation c of the calibrated quantiles (see "Intervals" at the top and
 * ens_default_inflation()): the level c puts the 0.975 quantile at the residuals' 0.9875
 * quantile, the tail-halving that validation chose; ENS_INFLATION_Q/_QPRIME are that pair. */
#define ENS_INFLATION_Q 0.975
#define ENS_INFLATION_QPRIME 0.9875

#define NB SC_ENSEMBLE_NBANDS
#define MAXM SC_ENSEMBLE_MAX_MEMBERS

static const size_t band_end[NB] = {6, 24, 48};

typedef struct ens_member {
    sc_forecaster *fc;        /* fitted on the whole history (owned) */
    char label[24];           /* "ets", "snaive@168" */
    int has_bt;               /* 1 when backtest forecasts are stored */
    int active;               /* 0 when dropped by sc_ensemble_use */
    double err[NB];           /* backtest mean |y - f| / scale per band; NaN = none */
    double w[NB];             /* combination weights per band */
} ens_member;

typedef struct ens_state {
    size_t count;                  /* members */
    ens_member mem[MAXM];
    double scale;                  /* MASE scale of the history (> 0) */
    size_t origins;                /* backtest origins (0 = none) */
    size_t bt_h;                   /* backtest horizon, <= ENS_BT_H */
    double *bt_f;                  /* [member][origin][step] backtest forecasts (owned) */
    double *bt_y;                  /* [origin][step] values at those steps (owned) */
    double *res;                   /* sorted residuals, band b from res_off[b] (owned) */
    size_t res_off[NB], nres[NB];
    double *pool;                  /* all residuals, sorted (owned) */
    size_t npool;
    double spread[NB];             /* mean |r| per band */
    double spread_all;             /* mean |r| over the pool */
    int calibrated;                /* 1 = conformal intervals available */
    double inflation;              /* c >= 1: level q is read at Phi(c Phi^-1(q)) */
    size_t step;                   /* steps between backtest origins */
    size_t n0;                     /* first backtest origin (fit length of backtests) */
    uint64_t n_fit;                /* observations of the fit */
    uint64_t n_upd;                /* update() calls since the fit */
} ens_state;

extern const sc_forecaster_type sc_forecast_ensemble_type;

static size_t band_of(size_t step)   /* step is 1-based */
{
    for (size_t b = 0; b < NB; b++)
        if (step <= band_end[b])
            return b;
    return NB - 1;
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

double sc_conformal_quantile(const double *sorted, size_t n, double q)
{
    if (n == 0 || !(q > 0.0 && q < 1.0))
        return NAN;
    double pos = (double)(n + 1) * q;
    /* the 1e-9 keeps exact products such as (19 + 1) * 0.95 = 19 from rounding up */
    double r = q >= 0.5 ? ceil(pos - 1e-9) : floor(pos + 1e-9);
    if (r < 1.0 || r > (double)n)
        return NAN;
    return sorted[(size_t)r - 1];
}

static void ens_cleanup(void *state)
{
    ens_state *S = state;
    for (size_t k = 0; k < S->count; k++) {
        sc_forecaster_free(S->mem[k].fc);
        S->mem[k].fc = NULL;
    }
    S->count = 0;
    free(S->bt_f);
    free(S->bt_y);
    free(S->res);
    free(S->pool);
    S->bt_f = S->bt_y = S->res = S->pool = NULL;
}

/* c with Phi(c Phi^-1(ENS_INFLATION_Q)) = ENS_INFLATION_QPRIME (1.1436). */
static double ens_default_inflation(void)
{
    return gsl_cdf_ugaussian_Pinv(ENS_INFLATION_QPRIME) /
           gsl_cdf_ugaussian_Pinv(ENS_INFLATION_Q);
}

/* Residual level read for the q-quantile: Phi(c Phi^-1(q)).  Odd about 1/2, so the
 * median stays the residuals' median and q < 1/2 mirrors q > 1/2; continuous and
 * increasing; c = 1 is plain split-conformal. */
static double calib_level(double c, double q)
{
    if (c == 1.0 || q == 0.5)
        return q;
    return gsl_cdf_ugaussian_P(c * gsl_cdf_ugaussian_Pinv(q));
}

/* ---- weights and calibration from the stored backtests ------------------------------ */

static double *bt_row(const ens_state *S, size_t k, size_t o)
{
    return S->bt_f + (k * ENS_ORIGINS + o) * ENS_BT_H;
}

/* Recompute weights and conformal residuals for the active members. */
static void ens_reweight(ens_state *S)
{
    size_t with_bt = 0, active = 0;
    for (size_t k = 0; k < S->count; k++) {
        active += S->mem[k].active != 0;
        with_bt += S->mem[k].active && S->mem[k].has_bt;
    }
    double lambda = (double)S->origins / ((double)S->origins + ENS_SHRINK_N0);
    for (size_t b = 0; b < NB; b++) {
        if (with_bt == 0) {   /* no evidence: equal weights over active members */
            for (size_t k = 0; k < S->count; k++)
                S->mem[k].w[b] = S->mem[k].active ? 1.0 / (double)active : 0.0;
            continue;
        }
        double tot = 0.0;
        for (size_t k = 0; k < S->count; k++)
            if (S->mem[k].active && S->mem[k].has_bt)
                tot += pow(fmax(S->mem[k].err[b], ENS_ERR_FLOOR), -ENS_POWER);
        for (size_t k = 0; k < S->count; k++) {
            ens_member *M = &S->mem[k];
            if (!(M->active && M->has_bt)) {
                M->w[b] = 0.0;
                continue;
            }
            double raw = pow(fmax(M->err[b], ENS_ERR_FLOOR), -ENS_POWER) / tot;
            M->w[b] = lambda * raw + (1.0 - lambda) / (double)with_bt;
        }
    }
    S->calibrated = 0;
    if (with_bt == 0 || S->origins == 0)
        return;
    /* combined backtest residuals, per band */
    for (size_t b = 0; b < NB; b++)
        S->nres[b] = 0;
    S->npool = 0;
    for (size_t o = 0; o < S->origins; o++)
        for (size_t s = 0; s < S->bt_h; s++) {
            size_t b = band_of(s + 1);
            double f = 0.0;
            for (size_t k = 0; k < S->count; k++)
                if (S->mem[k].w[b] > 0.0)
                    f += S->mem[k].w[b] * bt_row(S, k, o)[s];
            double r = (S->bt_y[o * ENS_BT_H + s] - f) / S->scale;
            S->res[S->res_off[b] + S->nres[b]++] = r;
            S->pool[S->npool++] = r;
        }
    double tot_abs = 0.0;
    for (size_t b = 0; b < NB; b++) {
        double *r = S->res + S->res_off[b];
        double sa = 0.0;
        for (size_t i = 0; i < S->nres[b]; i++)
            sa += fabs(r[i]);
        tot_abs += sa;
        S->spread[b] = S->nres[b] ? sa / (double)S->nres[b] : 0.0;
        qsort(r, S->nres[b], sizeof *r, cmp_double);
    }
    S->spread_all = S->npool ? tot_abs / (double)S->npool : 0.0;
    qsort(S->pool, S->npool, sizeof *S->pool, cmp_double);
    /* a band the backtest did not reach borrows the last band that it did */
    for (size_t b = 1; b < NB; b++)
        if (S->nres[b] == 0)
            S->spread[b] = S->spread[b - 1];
    S->calibrated = S->npool > 0;
}

/* ---- fit -------------------------------------------------------------------------- */

typedef struct cand {
    const char *name;
    int period;
} cand;

static size_t ens_min_history(const sc_forecast_config *cfg)
{
    (void)cfg;
    return 1;   /* members that cannot fit are left out; naive-like ones always can */
}

/* Candidate members for this history (registered types only). */
static size_t candidates(const sc_forecast_config *cfg, const double *y, size_t n,
                         cand *out)
{
    /* arima and harmonic are not default members yet: their automatic order search
     * costs about 20 s per series when run twice (backtest + refit), which puts the
     * ensemble of 414 M4 series far beyond its few-minute budget and the hourly
     * replanning of long simulations with it.  They stay available as models. */
    static const char *const tail[] = {"naive2", "ets", "theta"};
    size_t c = 0;
    int m = cfg->period;
    const sc_forecaster_type *t;
    if (sc_forecaster_type_find("snaive", &t, NULL) == SC_OK) {
        out[c++] = (cand){"snaive", m};
        int week = ENS_WEEK * m;
        if (m > 1 && week <= SC_FORECAST_MAX_PERIOD && n >= 3 * (size_t)week)
            out[c++] = (cand){"snaive", week};
        int det = 1;
        size_t maxp = n / 3 < SC_FORECAST_MAX_PERIOD ? n / 3 : SC_FORECAST_MAX_PERIOD;
        if (maxp >= 2 && sc_season_detect(y, n, (int)maxp, &det, NULL) == SC_OK && det > 1 &&
            det != m && det != week)
            out[c++] = (cand){"snaive", det};
    }
    for (size_t i = 0; i < sizeof tail / sizeof tail[0] && c < MAXM; i++)
        if (sc_forecaster_type_find(tail[i], &t, NULL) == SC_OK)
            out[c++] = (cand){tail[i], m};
    return c;
}

/* Backtest of member k: fc is fitted on y[0..n0); forecast bt_h steps at each of the K
 * origins, feeding the observations between origins (y[n0 + o step + s] =
 * bt_y[o][s], as step <= bt_h) by update().  Sets err[] and has_bt on success; fc is
 * left at position n0 + (K-1) step. */
static sc_status member_backtest(ens_state *S, size_t k, sc_forecaster *fc, sc_error *err)
{
    ens_member *M = &S->mem[k];
    size_t K = S->origins, bt_h = S->bt_h;
    double sum[NB] = {0}, cnt[NB] = {0};
    sc_status st = SC_OK;
    for (size_t o = 0; o < K && st == SC_OK; o++) {
        double *f = bt_row(S, k, o);
        st = sc_forecaster_predict(fc, bt_h, NULL, 0, f, NULL, err);
        for (size_t s = 0; st == SC_OK && s < bt_h; s++) {
            size_t b = band_of(s + 1);
            sum[b] += fabs(S->bt_y[o * ENS_BT_H + s] - f[s]) / S->scale;
            cnt[b] += 1.0;
        }
        if (o + 1 < K)
            for (size_t s = 0; s < S->step; s++)
                sc_forecaster_update(fc, S->bt_y[o * ENS_BT_H + s]);
    }
    if (st != SC_OK)
        return st;
    M->has_bt = 1;
    for (size_t b = 0; b < NB; b++)
        M->err[b] = cnt[b] > 0 ? sum[b] / cnt[b] : NAN;
    /* a band the backtest horizon did not reach takes the last band's */
    for (size_t b = 1; b < NB; b++)
        if (isnan(M->err[b]))
            M->err[b] = M->err[b - 1];
    return SC_OK;
}

/* Backtest design for n observations: horizon, origin step, origins K, start n0. */
static void bt_design(size_t n, size_t *bt_h_out, size_t *step_out, size_t *K_out,
                      size_t *n0_out)
{
    size_t bt_h = n / 4 < ENS_BT_H ? n / 4 : ENS_BT_H;
    size_t step = bt_h < ENS_ORIGIN_STEP ? (bt_h > 1 ? bt_h : 1) : ENS_ORIGIN_STEP;
    size_t K = 0, n0 = 0;
    for (size_t k = ENS_ORIGINS; bt_h >= 1 && k >= 1; k--) {
        size_t need = bt_h + (k - 1) * step;
        if (need < n && n - need >= (n + 1) / 2) {
            K = k;
            n0 = n - need;
            break;
        }
    }
    *bt_h_out = bt_h;
    *step_out = step;
    *K_out = K;
    *n0_out = n0;
}

size_t sc_ensemble_backtest_start(size_t n)
{
    size_t bt_h, step, K, n0;
    bt_design(n, &bt_h, &step, &K, &n0);
    return K ? n0 : 0;
}

static sc_status ens_fit_inner(ens_state *S, const sc_forecast_config *cfg, const double *y,
                               size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    int m = cfg->period;
    S->inflation = ens_default_inflation();
    S->scale = sc_m4_scale(y, n, m);
    if (!(S->scale > 0.0) || !isfinite(S->scale)) {
        double sa = 0.0;
        for (size_t i = 0; i < n; i++)
            sa += fabs(y[i]);
        S->scale = sa > 0.0 ? sa / (double)n : 1.0;
    }
    /* backtest design */
    size_t bt_h, step, K, n0;
    bt_design(n, &bt_h, &step, &K, &n0);
    S->origins = K;
    S->bt_h = K ? bt_h : 0;
    S->step = step;
    S->n0 = n0;
    S->n_fit = n;
    S->n_upd = 0;
    S->bt_f = calloc((size_t)MAXM * ENS_ORIGINS * ENS_BT_H, sizeof *S->bt_f);
    S->bt_y = calloc((size_t)ENS_ORIGINS * ENS_BT_H, sizeof *S->bt_y);
    S->res = malloc((size_t)ENS_ORIGINS * ENS_BT_H * sizeof *S->res);
    S->pool = malloc((size_t)ENS_ORIGINS * ENS_BT_H * sizeof *S->pool);
    if (!S->bt_f || !S->bt_y || !S->res || !S->pool)
        return sc_error_set(err, SC_ERR_NOMEM, "ensemble", "allocating backtest storage");
    size_t off = 0;
    for (size_t b = 0; b < NB; b++) {
        S->res_off[b] = off;
        size_t lo = b ? band_end[b - 1] : 0;
        off += ENS_ORIGINS * (band_end[b] - lo);
    }
    for (size_t o = 0; o < K; o++)
        for (size_t s = 0; s < bt_h; s++)
            S->bt_y[o * ENS_BT_H + s] = y[n0 + o * step + s];

    cand cands[MAXM + 2];
    size_t nc = candidates(cfg, y, n, cands);
    sc_forecast_exog bt_exog;
    if (exog) {
        bt_exog = *exog;
        bt_exog.n_future += n - n0;
    }
    for (size_t c = 0; c < nc && S->count < MAXM; c++) {
        sc_forecast_config mc = *cfg;
        mc.period = cands[c].period;
        ens_member *M = &S->mem[S->count];
        memset(M, 0, sizeof *M);
        size_t kidx = S->count;
        if (cands[c].period == m)
            snprintf(M->label, sizeof M->label, "%s", cands[c].name);
        else
            snprintf(M->label, sizeof M->label, "%s@%d", cands[c].name, cands[c].period);
        for (size_t b = 0; b < NB; b++)
            M->err[b] = NAN;
        sc_error merr;
        sc_error_clear(&merr);
        sc_forecaster *fc = NULL;
        sc_status st = sc_forecaster_alloc(cands[c].name, &mc, &fc, &merr);
        if (st == SC_ERR_NOMEM)
            return sc_error_set(err, st, "ensemble", "%s", merr.msg);
        if (st != SC_OK)
            continue;
        /* backtest: fit on y[0..n0), forecast at K origins, rolling by update() */
        if (K > 0 && sc_forecaster_fit(fc, y, n0, exog ? &bt_exog : NULL, &merr) == SC_OK) {
            st = member_backtest(S, kidx, fc, &merr);
            if (st == SC_ERR_NOMEM) {
                sc_forecaster_free(fc);
                return sc_error_set(err, st, "ensemble", "%s", merr.msg);
            }
        }
        /* the real fit on the whole history */
        st = sc_forecaster_fit(fc, y, n, exog, &merr);
        if (st == SC_ERR_NOMEM) {
            sc_forecaster_free(fc);
            return sc_error_set(err, st, "ensemble", "%s", merr.msg);
        }
        if (st != SC_OK) {
            sc_forecaster_free(fc);
            continue;
        }
        M->fc = fc;
        M->active = 1;
        S->count++;
    }
    if (S->count == 0)
        return sc_error_set(err, SC_ERR_RANGE, "ensemble",
                            "no member model could fit %zu observations with period %d", n,
                            m);
    ens_reweight(S);
    return SC_OK;
}

/* The core calls cleanup only on fitted instances: a failed fit frees its own. */
static sc_status ens_fit(void *state, const sc_forecast_config *cfg, const double *y,
                         size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    sc_status st = ens_fit_inner(state, cfg, y, n, exog, err);
    if (st != SC_OK)
        ens_cleanup(state);
    return st;
}

static void ens_update(void *state, double y)
{
    ens_state *S = state;
    S->n_upd++;
    for (size_t k = 0; k < S->count; k++)
        sc_forecaster_update(S->mem[k].fc, y);
}

/* Scale-free q-quantile offset of band b (see top). */
static double calib_offset(const ens_state *S, size_t b, double q)
{
    q = calib_level(S->inflation, q);
    double v = sc_conformal_quantile(S->res + S->res_off[b], S->nres[b], q);
    if (!isnan(v))
        return v;
    if (S->spread_all > 0.0) {
        v = sc_conformal_quantile(S->pool, S->npool, q);
        if (!isnan(v))
            return v * S->spread[b] / S->spread_all;
    }
    /* Gaussian tail: mean |r| = sigma sqrt(2/pi) */
    return gsl_cdf_ugaussian_Pinv(q) * S->spread[b] * 1.2533141373155003 /* sqrt(pi/2) */;
}

static sc_status ens_predict(const void *state, size_t h, const double *q, size_t nq,
                             double *mean, double *quant, sc_error *err)
{
    const ens_state *S = state;
    double *buf = malloc(h * (1 + nq) * sizeof *buf);
    if (!buf)
        return sc_error_set(err, SC_ERR_NOMEM, "ensemble", "allocating %zu steps", h);
    double *qb = buf + h;
    int own_q = nq > 0 && !S->calibrated;
    for (size_t s = 0; s < h; s++)
        mean[s] = 0.0;
    for (size_t i = 0; own_q && i < h * nq; i++)
        quant[i] = 0.0;
    sc_status st = SC_OK;
    for (size_t k = 0; k < S->count; k++) {
        const ens_member *M = &S->mem[k];
        int used = 0;
        for (size_t b = 0; b < NB; b++)
            used |= M->w[b] > 0.0;
        if (!used)
            continue;
        st = sc_forecaster_predict(M->fc, h, q, own_q ? nq : 0, buf, own_q ? qb : NULL, err);
        if (st != SC_OK)
            break;
        for (size_t s = 0; s < h; s++) {
            double w = M->w[band_of(s + 1)];
            mean[s] += w * buf[s];
            for (size_t j = 0; own_q && j < nq; j++)
                quant[s * nq + j] += w * qb[s * nq + j];
        }
    }
    free(buf);
    if (st != SC_OK || nq == 0 || own_q)
        return st;
    size_t last = band_end[NB - 1];
    for (size_t s = 0; s < h; s++) {
        size_t b = band_of(s + 1);
        double widen = s + 1 > last ? sqrt((double)(s + 1) / (double)last) : 1.0;
        for (size_t j = 0; j < nq; j++)
            quant[s * nq + j] = mean[s] + S->scale * widen * calib_offset(S, b, q[j]);
    }
    return SC_OK;
}

const sc_forecaster_type sc_forecast_ensemble_type = {
    .name = "ensemble",
    .version = 2,
    .state_size = sizeof(ens_state),
    .max_period = SC_FORECAST_MAX_PERIOD,
    .min_history = ens_min_history,
    .fit = ens_fit,
    .update = ens_update,
    .predict = ens_predict,
    .cleanup = ens_cleanup,
};

/* ---- introspection ------------------------------------------------------------------ */

sc_status sc_ensemble_info_get(const sc_forecaster *fc, sc_ensemble_info *out,
                               sc_error *err)
{
    if (!fc || fc->type != &sc_forecast_ensemble_type || !fc->fitted)
        return sc_error_set(err, SC_ERR_INPUT, "ensemble", "not a fitted ensemble");
    const ens_state *S = fc->state;
    memset(out, 0, sizeof *out);
    out->count = S->count;
    for (size_t k = 0; k < S->count; k++) {
        memcpy(out->label[k], S->mem[k].label, sizeof out->label[k]);
        out->active[k] = S->mem[k].active;
        for (size_t b = 0; b < NB; b++) {
            out->weight[k][b] = S->mem[k].w[b];
            out->bt_error[k][b] = S->mem[k].err[b];
        }
    }
    for (size_t b = 0; b < NB; b++)
        out->band_end[b] = band_end[b];
    out->origins = S->origins;
    out->residuals = S->calibrated ? S->npool : 0;
    out->calibrated = S->calibrated;
    out->scale = S->scale;
    return SC_OK;
}

sc_status sc_ensemble_use(sc_forecaster *fc, uint32_t mask, sc_error *err)
{
    if (!fc || fc->type != &sc_forecast_ensemble_type || !fc->fitted)
        return sc_error_set(err, SC_ERR_INPUT, "ensemble", "not a fitted ensemble");
    ens_state *S = fc->state;
    size_t left = 0;
    for (size_t k = 0; k < S->count; k++)
        left += (mask >> k) & 1u;
    if (left == 0)
        return sc_error_set(err, SC_ERR_RANGE, "ensemble",
                            "mask 0x%x leaves none of the %zu members", (unsigned)mask,
                            S->count);
    for (size_t k = 0; k < S->count; k++)
        S->mem[k].active = (int)((mask >> k) & 1u);
    ens_reweight(S);
    return SC_OK;
}

sc_status sc_ensemble_set_inflation(sc_forecaster *fc, double c, sc_error *err)
{
    if (!fc || fc->type != &sc_forecast_ensemble_type || !fc->fitted)
        return sc_error_set(err, SC_ERR_INPUT, "ensemble", "not a fitted ensemble");
    if (!(c >= 1.0 && c <= 10.0))
        return sc_error_set(err, SC_ERR_RANGE, "ensemble",
                            "inflation %g outside [1, 10]", c);
    ((ens_state *)fc->state)->inflation = c;
    return SC_OK;
}

sc_status sc_ensemble_add_member(sc_forecaster *fc, const char *label, sc_forecaster *bt,
                                 sc_forecaster *final, sc_error *err)
{
    sc_status st = SC_OK;
    ens_state *S = NULL;
    if (!fc || fc->type != &sc_forecast_ensemble_type || !fc->fitted) {
        st = sc_error_set(err, SC_ERR_INPUT, "ensemble", "not a fitted ensemble");
        goto fail;
    }
    S = fc->state;
    if (!bt || !bt->fitted || (final && !final->fitted)) {
        st = sc_error_set(err, SC_ERR_INPUT, "ensemble", "external member not fitted");
        goto fail;
    }
    if (S->n_upd != 0) {
        st = sc_error_set(err, SC_ERR_INPUT, "ensemble",
                          "members can be added only before the first update()");
        goto fail;
    }
    if (S->count >= MAXM) {
        st = sc_error_set(err, SC_ERR_RANGE, "ensemble", "already %d members", MAXM);
        goto fail;
    }
    if (S->origins == 0) {
        st = sc_error_set(err, SC_ERR_RANGE, "ensemble",
                          "history of %llu observations too short for a backtest",
                          (unsigned long long)S->n_fit);
        goto fail;
    }
    if (bt->n_obs != S->n0) {
        st = sc_error_set(err, SC_ERR_INPUT, "ensemble",
                          "backtest member fitted on %llu observations, the backtest "
                          "starts at %zu",
                          (unsigned long long)bt->n_obs, S->n0);
        goto fail;
    }
    if (final && final->n_obs != S->n_fit) {
        st = sc_error_set(err, SC_ERR_INPUT, "ensemble",
                          "final member fitted on %llu observations, the ensemble on %llu",
                          (unsigned long long)final->n_obs,
                          (unsigned long long)S->n_fit);
        goto fail;
    }
    size_t k = S->count;
    ens_member *M = &S->mem[k];
    memset(M, 0, sizeof *M);
    snprintf(M->label, sizeof M->label, "%s", label ? label : sc_forecaster_name(bt));
    for (size_t b = 0; b < NB; b++)
        M->err[b] = NAN;
    st = member_backtest(S, k, bt, err);
    if (st != SC_OK)
        goto fail;
    if (!final) {
        /* advance from n0 + (K-1) step to n: the last origin's bt_h observations */
        const double *last = S->bt_y + (S->origins - 1) * ENS_BT_H;
        for (size_t s = 0; s < S->bt_h; s++)
            sc_forecaster_update(bt, last[s]);
        M->fc = bt;
    } else {
        sc_forecaster_free(bt);
        M->fc = final;
    }
    M->active = 1;
    S->count++;
    ens_reweight(S);
    return SC_OK;
fail:
    sc_forecaster_free(bt);
    sc_forecaster_free(final);
    return st;
}
