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

#include <stddef.h>
#include <stdint.h>

#include "sculpt/forecast.h"

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

/* Split-conformal quantile of calibration scores (exposed for tests): sorted[0..n-1]
 * ascending signed residuals; returns the order statistic of rank ceil((n+1)q) for
 * q >= 0.5 or floor((n+1)q) for q < 0.5 (Vovk et al. 2005; Lei et al. 2018), NaN when
 * that rank falls outside 1..n (too few residuals for the level). */
double sc_conformal_quantile(const double *sorted, size_t n, double q);

#endif
