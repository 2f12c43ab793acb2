/*
 * ensemble.h - the `ensemble` forecaster's introspection and ablation API.
 *
 * The ensemble itself is an ordinary plug-in (name "ensemble", sc_forecaster_alloc):
 * fit() fits every available member model, backtests each at several rolling origins
 * near the end of the history, learns per-horizon-band combination weights shrunk
 * toward equal weights, and calibrates split-conformal prediction intervals on the
 * combined backtest residuals.  See core/forecast/ensemble.c for the design and the
 * formulas.  These calls expose what it learnt (for reports) and let a caller drop
 * members after a fit (for ablations) without refitting anything.
 */
#ifndef SCULPT_ENSEMBLE_H
#define SCULPT_ENSEMBLE_H

#include "sculpt/export.h"

#include <stddef.h>
#include <stdint.h>

#include "sculpt/forecast.h"

SC_BEGIN_DECLS

/* Most members one ensemble combines. */
#define SC_ENSEMBLE_MAX_MEMBERS 8
/* Horizon bands of the weights and of the calibration: steps 1-6, 7-24, 25-48; steps
 * beyond the last band use the last band. */
#define SC_ENSEMBLE_NBANDS 3

/* What a fitted ensemble learnt. */
typedef struct sc_ensemble_info {
    size_t count;                               /* members (fitted on this series) */
    char label[SC_ENSEMBLE_MAX_MEMBERS][24];    /* "ets", "snaive@168", ... */
    int active[SC_ENSEMBLE_MAX_MEMBERS];        /* 1 unless dropped by sc_ensemble_use */
    double weight[SC_ENSEMBLE_MAX_MEMBERS][SC_ENSEMBLE_NBANDS];  /* sum 1 per band */
    double bt_error[SC_ENSEMBLE_MAX_MEMBERS][SC_ENSEMBLE_NBANDS]; /* backtest mean
                                                  |error| / MASE scale; NaN = none */
    size_t band_end[SC_ENSEMBLE_NBANDS];        /* last step of each band (1-based) */
    size_t origins;                             /* backtest origins used (0 = none) */
    size_t residuals;                           /* calibration residuals in all bands */
    int calibrated;                             /* 1 = conformal intervals, 0 = the
                                                   members' own (no backtest possible) */
    double scale;                               /* MASE scale of the history */
} sc_ensemble_info;

/* Describe a fitted ensemble.  SC_ERR_INPUT when fc is not a fitted ensemble. */
sc_status sc_ensemble_info_get(const sc_forecaster *fc, sc_ensemble_info *out,
                               sc_error *err);

/* Keep only the members whose bit is set in mask (bit i = member i of the info) and
 * recompute the weights and the calibration from the stored backtests (no refit).
 * Members outside the mask get weight 0.  SC_ERR_RANGE when no fitted member is left,
 * SC_ERR_INPUT when fc is not a fitted ensemble. */
sc_status sc_ensemble_use(sc_forecaster *fc, uint32_t mask, sc_error *err);

/* Set the spread inflation c of a fitted ensemble's calibrated quantiles: level q is
 * read from the backtest residuals at level Phi(c Phi^-1(q)), which leaves the median
 * where the residuals put it and widens every other quantile's distance from it as a
 * c-times wider Gaussian would.  c = 1 is plain split-conformal (realised coverage q on
 * exchangeable residuals); the default set by fit is 1.1436 (the 0.975 quantile read
 * at 0.9875; see core/forecast/README.md).  SC_ERR_RANGE unless 1 <= c <= 10. */
sc_status sc_ensemble_set_inflation(sc_forecaster *fc, double c, sc_error *err);

/* First backtest origin n0 of an ensemble fitted to n observations: its members'
 * backtests are fitted on y[0..n0) (n0 = n - 48 - 7*24 for n >= 432).  0 when n is too
 * short for any backtest. */
size_t sc_ensemble_backtest_start(size_t n);

/* Add an externally fitted member (e.g. one instance of a global model such as lstm,
 * which a per-series fit cannot train) to an ensemble right after its fit (before any
 * update()), and recompute the weights and the calibration with it.
 *   bt     fitted on exactly y[0..n0), n0 = sc_ensemble_backtest_start(n), of the
 *          series the ensemble was fitted to (checked through bt->n_obs): it is
 *          backtested at the ensemble's origins like the own members, fed the
 *          observations between origins by update() (the ensemble stored them);
 *   final  fitted on the whole history y[0..n), the member that forecasts; or NULL:
 *          then bt, after its backtest, is advanced to n by update() and forecasts.
 * For a leak-free backtest, bt (and for a global model the model behind it) must have
 * seen nothing of y[n0..n).  label names the member in sc_ensemble_info (NULL = the
 * type name).  The ensemble takes ownership of bt and final in every case (they are
 * freed on error).  SC_ERR_INPUT: fc not a fitted ensemble, a member not fitted or
 * fitted on the wrong length, fc already updated; SC_ERR_RANGE: already
 * SC_ENSEMBLE_MAX_MEMBERS members, or no backtest (history too short); errors of the
 * member's predict. */
sc_status sc_ensemble_add_member(sc_forecaster *fc, const char *label, sc_forecaster *bt,
                                 sc_forecaster *final, sc_error *err);

/* Split-conformal quantile of calibration scores (exposed for tests): sorted[0..n-1]
 * ascending signed residuals; returns the order statistic of rank ceil((n+1)q) for
 * q >= 0.5 or floor((n+1)q) for q < 0.5 (Vovk et al. 2005; Lei et al. 2018), NaN when
 * that rank falls outside 1..n (too few residuals for the level). */
double sc_conformal_quantile(const double *sorted, size_t n, double q);

SC_END_DECLS

#endif
