/*
 * lstm.h - the lstm forecaster's own interface (internal to core/forecast, used by its
 * tests and benchmarks): the network on CBLAS (forward, backpropagation through time,
 * loss and gradient of a batch), the global model trained across many series, and its
 * options.  The plug-in ("lstm" in the registry) is built on these; see lstm.c for the
 * design and core/forecast/README.md for the measured figures.
 */
#ifndef SCULPT_FORECAST_LSTM_H
#define SCULPT_FORECAST_LSTM_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/forecast.h"
#include "sculpt/status.h"

/* Longest seasonal period deseasonalised by lstm (a week of hours).  A longer period
 * is not deseasonalised; give it as calendar (Fourier) columns in the exog instead. */
#define SC_LSTM_MAX_PERIOD 168

/* Loss of the training objective, on the normalised scale. */
typedef enum sc_lstm_loss {
    SC_LSTM_LOSS_MSE = 0,   /* mean squared error */
    SC_LSTM_LOSS_MAE = 1    /* mean absolute error (pinball at 0.5; the default) */
} sc_lstm_loss;

/* Options of training.  sc_lstm_opts_init() gives the defaults for a period. */
typedef struct sc_lstm_opts {
    size_t hidden;          /* LSTM units (default 32) */
    size_t input_len;       /* input window in steps, L (default clamp(7m, 24, 336)) */
    size_t horizon;         /* direct outputs, H (default 2m clamped to [24, 336]) */
    size_t batch;           /* windows per Adam step (default 16) */
    size_t windows;         /* training windows drawn per series per epoch (default 16) */
    int epochs;             /* maximum epochs (default 20) */
    int patience;           /* early stopping: epochs without a better validation loss */
    double lr;              /* Adam step size (default 3e-3) */
    double clip;            /* gradient clipping: max global L2 norm (default 5) */
    sc_lstm_loss loss;      /* default MAE */
    int verbose;            /* print one line per epoch to stderr */
} sc_lstm_opts;

void sc_lstm_opts_init(sc_lstm_opts *o, int period);

/* ---- the network ---------------------------------------------------------------- */

/* One LSTM layer (gates i, f, g, o) and a direct linear head from the last hidden state
 * to n_out outputs, plus a linear term of n_fut announced future regressors per output
 * step.  Parameters live in one flat vector theta, in this order:
 *   W  (n_in + hidden) x 4 hidden, row-major: rows are [x_t ; h_{t-1}], columns the
 *      gate pre-activations i | f | g | o
 *   b  4 hidden
 *   V  hidden x n_out, row-major (head)
 *   c  n_out (head bias)
 *   u  n_fut (effect of a future regressor on its own step's output) */
typedef struct sc_lstm_net {
    size_t n_in;       /* inputs per time step */
    size_t hidden;     /* units */
    size_t n_out;      /* outputs (horizon steps) */
    size_t n_fut;      /* future regressors per output step */
    size_t n_params;   /* length of theta */
    double *theta;     /* owned */
    double *W, *b, *V, *c, *u;   /* views into theta */
} sc_lstm_net;

/* Workspace of forward/backward passes for batches up to batch_max sequences of up to
 * len_max steps (allocated once; the passes never allocate). */
typedef struct sc_lstm_work sc_lstm_work;

/* Allocate a network with Glorot-uniform weights from the GSL stream keyed by
 * sc_rng_key(seed, SC_RNG_FORECAST, ...), zero biases except the forget gate's (1),
 * zero head bias and future effects.  Free with sc_lstm_net_free. */
sc_status sc_lstm_net_alloc(size_t n_in, size_t hidden, size_t n_out, size_t n_fut,
                            uint64_t seed, sc_lstm_net **out, sc_error *err);
void sc_lstm_net_free(sc_lstm_net *net);

sc_status sc_lstm_work_alloc(const sc_lstm_net *net, size_t batch_max, size_t len_max,
                             sc_lstm_work **out, sc_error *err);
void sc_lstm_work_free(sc_lstm_work *w);

/* Forward pass of a batch: x[(b*len + t)*n_in + j] is input j of step t of sequence b,
 * xf[(b*n_out + s)*n_fut + e] the future regressors (NULL = zeros), out[b*n_out + s].
 * Requires batch <= batch_max and len <= len_max of w. */
void sc_lstm_net_forward(const sc_lstm_net *net, sc_lstm_work *w, const double *x,
                         const double *xf, size_t batch, size_t len, double *out);

/* Loss (mean over batch x n_out of the chosen loss of out - target) and, when grad is
 * not NULL, its gradient with respect to theta (grad[n_params], overwritten) by
 * backpropagation through time. */
double sc_lstm_net_loss_grad(const sc_lstm_net *net, sc_lstm_work *w, const double *x,
                             const double *xf, const double *target, size_t batch,
                             size_t len, sc_lstm_loss loss, double *grad);

/* ---- the global model ------------------------------------------------------------ */

/* What training did (for reports and tests). */
typedef struct sc_lstm_report {
    size_t series;        /* series trained on */
    int epochs_run;       /* epochs run before stopping */
    int best_epoch;       /* epoch (1-based) whose weights were kept */
    double val_loss;      /* best validation loss (normalised MAE / MSE) */
    double train_loss;    /* training loss of the last epoch */
    size_t n_params;
} sc_lstm_report;

/* A trained global model; shared by reference among the instances it forecasts. */
typedef struct sc_lstm_model sc_lstm_model;

/* Train one model on complete series y[i][0..n[i]-1] (no NaN; n[i] >= sc_lstm_min_history),
 * period m (1 = none), exog NULL or count entries (NULL or the same ncols in all).
 * *out has one reference; release with sc_lstm_model_release. */
sc_status sc_lstm_model_train(const sc_lstm_opts *opts, int m, uint64_t seed,
                              const double *const *y, const size_t *n, size_t count,
                              const sc_forecast_exog *const *exog, sc_lstm_model **out,
                              sc_error *err);
void sc_lstm_model_release(sc_lstm_model *model);
const sc_lstm_report *sc_lstm_model_report(const sc_lstm_model *model);

/* Fewest observations a series needs for training with opts: L + 2H (one training
 * window and the validation window). */
size_t sc_lstm_min_history(const sc_lstm_opts *opts);

/* Fit plug-in instances (sc_forecaster_alloc("lstm", ...)) from an already trained
 * model: like sc_forecaster_fit_many but with the caller's model and options (the
 * registry's fit/fit_global train with sc_lstm_opts_init defaults).  Series shorter
 * than opts' input window are left unfitted.  Each fitted instance holds a reference. */
sc_status sc_lstm_forecasters_attach(sc_lstm_model *model, sc_forecaster *const *fcs,
                                     size_t count, const double *const *y,
                                     const size_t *n, const sc_forecast_exog *const *exog,
                                     sc_error *err);

#endif
