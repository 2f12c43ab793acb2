/*
 * lstm.c - `lstm`: a global LSTM forecaster on CBLAS (OpenBLAS), trained by
 * backpropagation through time with Adam across many series at once.
 *
 * Network (Hochreiter & Schmidhuber 1997, with a forget gate, Gers et al. 2000): one
 * layer of `hidden` units over an input window of L steps, gates
 *   [i f g o] = [x_t ; h_{t-1}] W + b,  i, f, o logistic, g tanh
 *   c_t = f c_{t-1} + i g,  h_t = o tanh(c_t)
 * and a DIRECT multi-horizon head: out_s = c_s + h_L . V[:, s] + sum_e u_e xf_{s,e} for
 * the H steps s (no decoder: one pass per window, which trains fastest).  The gate
 * products of a batch are one cblas_dgemm per step forward and two per step backward;
 * the head is one dgemm each way.  Everything is double.  The parameter layout is in
 * lstm.h; the gradient is exact backpropagation through time (checked against central
 * differences in tests/test_lstm.c).
 *
 * Windows and normalisation (after Smyl's M4 winner, simplified):
 *  - each series is divided by multiplicative seasonal indices si[p mod m] from R's
 *    classical decompose() (sc_season_decompose) of its training part (the history
 *    without the last H points when that leaves 3m, else all), d_t = y_t / si;
 *    indices are 1 when m = 1, m > SC_LSTM_MAX_PERIOD, or the decomposition is not
 *    usable (non-positive data);
 *  - a window ending at e has level = mean |d| over its L inputs (1 when 0) and every
 *    value enters as z = d / level - 1, clipped to [-10, 10]; targets the same.  NO log
 *    transform: the ratio keeps zeros and the odd negative value finite;
 *  - inputs per step: z, the position within the period as a (sin, cos) pair (M4 has no
 *    timestamps; callers that know time give hour-of-day / day-of-week pairs as exog
 *    columns), then the exog columns (event-feed indicators: kind one-hot, announced
 *    lift), whose announced future rows (sc_forecast_exog.n_future) also enter the
 *    head through u;
 *  - forecast y_{e+s} = (out_s + 1) * level * si[(e+s) mod m]; steps past H repeat the
 *    last output's level with the seasonal index.  Forecasts are clamped at 0 when the
 *    history has no negative value.
 *
 * Training (sc_lstm_model_train): Glorot-uniform initial weights, forget bias 1; each
 * epoch draws `windows` window ends per series uniformly from the part whose targets
 * end before the validation window (the last H points of every series), shuffles them
 * (Fisher-Yates), and takes Adam steps (Kingma & Ba 2015; beta 0.9/0.999) on batches,
 * with the gradient clipped to a global L2 norm.  After every epoch the loss on the
 * validation windows (input the L points before the last H, target the last H) decides
 * early stopping; the best epoch's weights are kept.  The test values of an evaluation
 * are never seen: validation is cut from the end of each training series.
 *
 * Intervals: standardised validation residuals r = (y - f) / scale, scale = the MASE
 * scale (mean |y_t - y_{t-m}|) of the series' training part, pooled across series per
 * horizon step over a band of +-2 steps (or, with fewer than 12 series, over all steps
 * as r / sqrt(s)); quantile q of step s is f_s + scale * Q_s(q) (type-7 empirical
 * quantile).  Split conformal in spirit, with a scale per series.
 *
 * Global model through the plug-in interface: the type is version 2 with fit_global
 * (forecast.h), called by sc_forecaster_fit_many: ONE model is trained on all the
 * series and every instance keeps a reference to it (refcounted, released by the
 * cleanup method) plus its own seasonal indices, a ring of its last L deseasonalised
 * values (update() is O(1): it writes one slot) and its interval scale.  fit() of one
 * series trains a model on that series alone (more windows per epoch).  The options
 * of the registry path are sc_lstm_opts_init()'s defaults; sc_lstm_model_train +
 * sc_lstm_forecasters_attach take any options.
 *
 * Determinism: all randomness (initial weights, window draws, shuffling) comes from
 * one GSL stream keyed by sc_rng_key(seed, SC_RNG_FORECAST, LSTM_RNG_TAG, ...), and is
 * consumed in a fixed order; our own loops sum in a fixed order; training pins
 * OpenBLAS to one thread (openblas_set_num_threads(1), restored afterwards; setting
 * OPENBLAS_NUM_THREADS=1 in the environment has the same effect), because a threaded
 * dgemm splits sums differently.  Bits are then identical run to run on one machine;
 * another CPU may select another OpenBLAS kernel (pin it with OPENBLAS_CORETYPE when
 * bits must match across machines).
 */
#include "lstm.h"

#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cblas.h>
#include <gsl/gsl_rng.h>

#include "sculpt/rng.h"
#include "rng_stream.h" /* sc_rng_stream_alloc (internal) */

#define LSTM_PI 3.14159265358979323846
#define LSTM_RNG_TAG 0x4c53544dULL   /* "LSTM": entity coordinate of our keys */
#define LSTM_CLIP_Z 10.0             /* normalised values are clipped to +-this */
#define LSTM_LEVEL_MIN 1e-12         /* a window level below this counts as 0 */
#define LSTM_BAND 2                  /* residual pooling band, +- steps */
#define LSTM_POOL_MIN_SERIES 12      /* fewer series: pool residuals over all steps */
#define LSTM_ADAM_B1 0.9
#define LSTM_ADAM_B2 0.999
#define LSTM_ADAM_EPS 1e-8
#define LSTM_SINGLE_WINDOWS 512      /* windows per epoch when training on one series */

/* ---- options ---------------------------------------------------------------------- */

static size_t clampz(size_t v, size_t lo, size_t hi)
{
    return v < lo ? lo : v > hi ? hi : v;
}

void sc_lstm_opts_init(sc_lstm_opts *o, int period)
{
    size_t m = period > 1 ? (size_t)period : 1;
    memset(o, 0, sizeof *o);
    o->hidden = 32;
    o->input_len = clampz(7 * m, 24, 336);
    o->horizon = m > 1 ? clampz(2 * m, 24, 336) : 24;
    o->batch = 16;
    o->windows = 16;
    o->epochs = 20;
    o->patience = 5;
    o->lr = 3e-3;
    o->clip = 5.0;
    o->loss = SC_LSTM_LOSS_MAE;
    o->verbose = 0;
}

size_t sc_lstm_min_history(const sc_lstm_opts *opts)
{
    return opts->input_len + 2 * opts->horizon;
}

/* ---- network ---------------------------------------------------------------------- */

struct sc_lstm_work {
    size_t batch_max, len_max;
    size_t K, G4;     /* n_in + hidden, 4 hidden */
    double *Z;        /* len_max * batch * K: [x_t ; h_{t-1}] per step */
    double *A;        /* len_max * batch * 4H: gate activations i f g o */
    double *C;        /* (len_max + 1) * batch * H: cell states, C[0] = 0 */
    double *TC;       /* len_max * batch * H: tanh(c_t) */
    double *hL;       /* batch * H: last hidden state */
    double *Y;        /* batch * n_out: outputs */
    double *dY;       /* batch * n_out */
    double *dH;       /* batch * H */
    double *dC;       /* batch * H */
    double *dA;       /* batch * 4H */
    double *dZ;       /* batch * K */
};

sc_status sc_lstm_net_alloc(size_t n_in, size_t hidden, size_t n_out, size_t n_fut,
                            uint64_t seed, sc_lstm_net **out, sc_error *err)
{
    *out = NULL;
    if (n_in == 0 || hidden == 0 || n_out == 0)
        return sc_error_set(err, SC_ERR_RANGE, "lstm", "network sizes must be positive");
    sc_lstm_net *net = calloc(1, sizeof *net);
    if (!net)
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "allocating a network");
    size_t K = n_in + hidden, G4 = 4 * hidden;
    net->n_in = n_in;
    net->hidden = hidden;
    net->n_out = n_out;
    net->n_fut = n_fut;
    net->n_params = K * G4 + G4 + hidden * n_out + n_out + n_fut;
    net->theta = calloc(net->n_params, sizeof *net->theta);
    gsl_rng *r = sc_rng_stream_alloc(sc_rng_key(seed, SC_RNG_FORECAST, LSTM_RNG_TAG, 0, 0));
    if (!net->theta || !r) {
        size_t np = net->n_params;
        gsl_rng_free(r);
        sc_lstm_net_free(net);
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "allocating %zu parameters", np);
    }
    net->W = net->theta;
    net->b = net->W + K * G4;
    net->V = net->b + G4;
    net->c = net->V + hidden * n_out;
    net->u = net->c + n_out;
    /* Glorot uniform: per gate the fan is (K in, hidden out). */
    double a = sqrt(6.0 / (double)(K + hidden));
    for (size_t i = 0; i < K * G4; i++)
        net->W[i] = a * (2.0 * gsl_rng_uniform(r) - 1.0);
    for (size_t j = 0; j < hidden; j++)
        net->b[hidden + j] = 1.0;   /* forget gate open at the start */
    double av = sqrt(6.0 / (double)(hidden + n_out));
    for (size_t i = 0; i < hidden * n_out; i++)
        net->V[i] = av * (2.0 * gsl_rng_uniform(r) - 1.0);
    gsl_rng_free(r);
    *out = net;
    return SC_OK;
}

void sc_lstm_net_free(sc_lstm_net *net)
{
    if (!net)
        return;
    free(net->theta);
    free(net);
}

sc_status sc_lstm_work_alloc(const sc_lstm_net *net, size_t batch_max, size_t len_max,
                             sc_lstm_work **out, sc_error *err)
{
    *out = NULL;
    sc_lstm_work *w = calloc(1, sizeof *w);
    if (!w)
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "allocating a workspace");
    size_t H = net->hidden, B = batch_max, L = len_max;
    w->batch_max = B;
    w->len_max = L;
    w->K = net->n_in + H;
    w->G4 = 4 * H;
    w->Z = malloc(L * B * w->K * sizeof(double));
    w->A = malloc(L * B * w->G4 * sizeof(double));
    w->C = malloc((L + 1) * B * H * sizeof(double));
    w->TC = malloc(L * B * H * sizeof(double));
    w->hL = malloc(B * H * sizeof(double));
    w->Y = malloc(B * net->n_out * sizeof(double));
    w->dY = malloc(B * net->n_out * sizeof(double));
    w->dH = malloc(B * H * sizeof(double));
    w->dC = malloc(B * H * sizeof(double));
    w->dA = malloc(B * w->G4 * sizeof(double));
    w->dZ = malloc(B * w->K * sizeof(double));
    if (!w->Z || !w->A || !w->C || !w->TC || !w->hL || !w->Y || !w->dY || !w->dH ||
        !w->dC || !w->dA || !w->dZ) {
        sc_lstm_work_free(w);
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "allocating a workspace for %zu x %zu",
                            B, L);
    }
    *out = w;
    return SC_OK;
}

void sc_lstm_work_free(sc_lstm_work *w)
{
    if (!w)
        return;
    free(w->Z);
    free(w->A);
    free(w->C);
    free(w->TC);
    free(w->hL);
    free(w->Y);
    free(w->dY);
    free(w->dH);
    free(w->dC);
    free(w->dA);
    free(w->dZ);
    free(w);
}

static inline double logistic(double x)
{
    return 1.0 / (1.0 + exp(-x));
}

/* Forward pass into w (all intermediate values kept for backward). */
static void forward(const sc_lstm_net *net, sc_lstm_work *w, const double *x,
                    const double *xf, size_t B, size_t L)
{
    size_t NI = net->n_in, H = net->hidden, K = w->K, G4 = w->G4, O = net->n_out;
    memset(w->C, 0, B * H * sizeof(double));
    for (size_t t = 0; t < L; t++) {
        double *Z = w->Z + t * B * K, *A = w->A + t * B * G4;
        const double *Cp = w->C + t * B * H;
        double *Cn = w->C + (t + 1) * B * H, *TC = w->TC + t * B * H;
        for (size_t b = 0; b < B; b++) {
            memcpy(Z + b * K, x + (b * L + t) * NI, NI * sizeof(double));
            if (t == 0)
                memset(Z + b * K + NI, 0, H * sizeof(double));
            /* for t > 0, h_{t-1} was written into this slot by the previous step */
        }
        for (size_t b = 0; b < B; b++)
            memcpy(A + b * G4, net->b, G4 * sizeof(double));
        cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)G4, (int)K, 1.0,
                    Z, (int)K, net->W, (int)G4, 1.0, A, (int)G4);
        double *hdst_base = (t + 1 < L) ? w->Z + (t + 1) * B * K : w->hL;
        size_t hstride = (t + 1 < L) ? K : H, hoff = (t + 1 < L) ? NI : 0;
        for (size_t b = 0; b < B; b++) {
            double *a = A + b * G4;
            double *hd = hdst_base + b * hstride + hoff;
            for (size_t j = 0; j < H; j++) {
                double ig = logistic(a[j]);
                double fg = logistic(a[H + j]);
                double gg = tanh(a[2 * H + j]);
                double og = logistic(a[3 * H + j]);
                a[j] = ig;
                a[H + j] = fg;
                a[2 * H + j] = gg;
                a[3 * H + j] = og;
                double c = fg * Cp[b * H + j] + ig * gg;
                Cn[b * H + j] = c;
                double tc = tanh(c);
                TC[b * H + j] = tc;
                hd[j] = og * tc;
            }
        }
    }
    for (size_t b = 0; b < B; b++)
        memcpy(w->Y + b * O, net->c, O * sizeof(double));
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, (int)B, (int)O, (int)H, 1.0, w->hL,
                (int)H, net->V, (int)O, 1.0, w->Y, (int)O);
    if (xf && net->n_fut)
        for (size_t b = 0; b < B; b++)
            for (size_t s = 0; s < O; s++) {
                const double *f = xf + (b * O + s) * net->n_fut;
                double acc = 0.0;
                for (size_t e = 0; e < net->n_fut; e++)
                    acc += net->u[e] * f[e];
                w->Y[b * O + s] += acc;
            }
}

void sc_lstm_net_forward(const sc_lstm_net *net, sc_lstm_work *w, const double *x,
                         const double *xf, size_t batch, size_t len, double *out)
{
    forward(net, w, x, xf, batch, len);
    memcpy(out, w->Y, batch * net->n_out * sizeof(double));
}

double sc_lstm_net_loss_grad(const sc_lstm_net *net, sc_lstm_work *w, const double *x,
                             const double *xf, const double *target, size_t B, size_t L,
                             sc_lstm_loss loss, double *grad)
{
    size_t NI = net->n_in, H = net->hidden, K = w->K, G4 = w->G4, O = net->n_out;
    forward(net, w, x, xf, B, L);
    double total = 0.0, inv = 1.0 / (double)(B * O);
    for (size_t k = 0; k < B * O; k++) {
        double e = w->Y[k] - target[k];
        if (loss == SC_LSTM_LOSS_MSE) {
            total += e * e;
            w->dY[k] = 2.0 * e * inv;
        } else {
            total += fabs(e);
            w->dY[k] = (e > 0.0 ? 1.0 : e < 0.0 ? -1.0 : 0.0) * inv;
        }
    }
    total *= inv;
    if (!grad)
        return total;
    memset(grad, 0, net->n_params * sizeof *grad);
    double *gW = grad, *gb = gW + K * G4, *gV = gb + G4, *gc = gV + H * O, *gu = gc + O;
    /* head */
    cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)H, (int)O, (int)B, 1.0, w->hL,
                (int)H, w->dY, (int)O, 0.0, gV, (int)O);
    for (size_t b = 0; b < B; b++)
        for (size_t s = 0; s < O; s++)
            gc[s] += w->dY[b * O + s];
    if (xf && net->n_fut)
        for (size_t b = 0; b < B; b++)
            for (size_t s = 0; s < O; s++) {
                const double *f = xf + (b * O + s) * net->n_fut;
                for (size_t e = 0; e < net->n_fut; e++)
                    gu[e] += w->dY[b * O + s] * f[e];
            }
    cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)H, (int)O, 1.0, w->dY,
                (int)O, net->V, (int)O, 0.0, w->dH, (int)H);
    memset(w->dC, 0, B * H * sizeof(double));
    /* backpropagation through time */
    for (size_t t = L; t-- > 0;) {
        const double *A = w->A + t * B * G4, *Cp = w->C + t * B * H;
        const double *TC = w->TC + t * B * H, *Z = w->Z + t * B * K;
        for (size_t b = 0; b < B; b++) {
            const double *a = A + b * G4;
            double *da = w->dA + b * G4;
            for (size_t j = 0; j < H; j++) {
                double ig = a[j], fg = a[H + j], gg = a[2 * H + j], og = a[3 * H + j];
                double tc = TC[b * H + j], dh = w->dH[b * H + j];
                double dc = w->dC[b * H + j] + dh * og * (1.0 - tc * tc);
                da[j] = dc * gg * ig * (1.0 - ig);
                da[H + j] = dc * Cp[b * H + j] * fg * (1.0 - fg);
                da[2 * H + j] = dc * ig * (1.0 - gg * gg);
                da[3 * H + j] = dh * tc * og * (1.0 - og);
                w->dC[b * H + j] = dc * fg;
            }
        }
        cblas_dgemm(CblasRowMajor, CblasTrans, CblasNoTrans, (int)K, (int)G4, (int)B, 1.0, Z,
                    (int)K, w->dA, (int)G4, 1.0, gW, (int)G4);
        for (size_t b = 0; b < B; b++)
            for (size_t k = 0; k < G4; k++)
                gb[k] += w->dA[b * G4 + k];
        if (t > 0) {
            cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)B, (int)K, (int)G4, 1.0,
                        w->dA, (int)G4, net->W, (int)G4, 0.0, w->dZ, (int)K);
            for (size_t b = 0; b < B; b++)
                memcpy(w->dH + b * H, w->dZ + b * K + NI, H * sizeof(double));
        }
    }
    return total;
}

/* ---- series preparation and windows ------------------------------------------------- */

/* Dimensions shared by the model and its instances. */
typedef struct lstm_dims {
    int m;          /* period used for indices and phase (1 = none) */
    size_t L, H;    /* input window, horizon */
    size_t E;       /* exog columns */
    size_t n_in;    /* 3 + E */
} lstm_dims;

/* Seasonal indices of y[0..n-1] into si[m] (ones when unusable). */
static void season_indices(const lstm_dims *dm, const double *y, size_t n, double *si)
{
    int m = dm->m;
    for (int p = 0; p < m; p++)
        si[p] = 1.0;
    if (m < 2)
        return;
    size_t nfit = n >= dm->H + 3 * (size_t)m ? n - dm->H : n;
    if (nfit < 2 * (size_t)m)
        return;
    sc_error e2;
    if (sc_season_decompose(y, nfit, m, 1, si, &e2) != SC_OK) {
        for (int p = 0; p < m; p++)
            si[p] = 1.0;
        return;
    }
    for (int p = 0; p < m; p++)
        if (!(isfinite(si[p]) && si[p] > 0.0)) {
            for (int q = 0; q < m; q++)
                si[q] = 1.0;
            return;
        }
}

static inline double clipz(double z)
{
    return z > LSTM_CLIP_Z ? LSTM_CLIP_Z : z < -LSTM_CLIP_Z ? -LSTM_CLIP_Z : z;
}

/* Build one window: d[0..L) are the deseasonalised inputs, whose first step is at
 * series position pos0; ex_in (L x E rows, or NULL), ex_fut (n_fut_avail rows of E, or
 * NULL); target (H values of d after the inputs, or NULL).  Writes x (L x n_in), xf
 * (H x E), t (H), returns the level. */
static double window_build(const lstm_dims *dm, const double *d, size_t pos0,
                           const double *ex_in, const double *ex_fut, size_t n_fut_avail,
                           const double *target, double *x, double *xf, double *t)
{
    size_t L = dm->L, E = dm->E, NI = dm->n_in;
    double level = 0.0;
    for (size_t k = 0; k < L; k++)
        level += fabs(d[k]);
    level /= (double)L;
    if (!(level > LSTM_LEVEL_MIN) || !isfinite(level))
        level = 1.0;
    double w = dm->m > 1 ? 2.0 * LSTM_PI / (double)dm->m : 0.0;
    for (size_t k = 0; k < L; k++) {
        double *row = x + k * NI;
        row[0] = clipz(d[k] / level - 1.0);
        double ph = w * (double)((pos0 + k) % (size_t)dm->m);
        row[1] = sin(ph);
        row[2] = cos(ph);
        for (size_t e = 0; e < E; e++)
            row[3 + e] = ex_in ? ex_in[k * E + e] : 0.0;
    }
    if (E)
        for (size_t s = 0; s < dm->H; s++)
            for (size_t e = 0; e < E; e++)
                xf[s * E + e] = (ex_fut && s < n_fut_avail) ? ex_fut[s * E + e] : 0.0;
    if (target)
        for (size_t s = 0; s < dm->H; s++)
            t[s] = clipz(target[s] / level - 1.0);
    return level;
}

/* ---- the global model ------------------------------------------------------------- */

struct sc_lstm_model {
    atomic_int refs;        /* instances + the creator holding it */
    sc_lstm_opts opts;
    lstm_dims dm;
    sc_lstm_net *net;
    double *resid;          /* H * resid_cap: sorted standardised residuals per step */
    size_t *resid_n;        /* H: residuals per step */
    size_t resid_cap;
    int pooled;             /* residuals pooled over all steps (few series) */
    sc_lstm_report report;
};

void sc_lstm_model_release(sc_lstm_model *model)
{
    if (!model)
        return;
    if (atomic_fetch_sub(&model->refs, 1) != 1)
        return;
    sc_lstm_net_free(model->net);
    free(model->resid);
    free(model->resid_n);
    free(model);
}

const sc_lstm_report *sc_lstm_model_report(const sc_lstm_model *model)
{
    return &model->report;
}

/* Per-series training data. */
typedef struct lstm_series {
    const double *y;       /* the history */
    double *d;             /* deseasonalised, n values (owned) */
    size_t n;
    const double *ex;      /* (n + n_fut) x E rows, or NULL */
    size_t ex_rows;
    double si[SC_LSTM_MAX_PERIOD];
} lstm_series;

typedef struct win_ref {
    size_t s;              /* series */
    size_t e;              /* end of the input part (first target position) */
} win_ref;

static void batch_build(const sc_lstm_model *md, const lstm_series *ser, const win_ref *wr,
                        size_t B, double *x, double *xf, double *t, double *level)
{
    const lstm_dims *dm = &md->dm;
    for (size_t b = 0; b < B; b++) {
        const lstm_series *s = &ser[wr[b].s];
        size_t e = wr[b].e, p0 = e - dm->L;
        const double *ex_in = s->ex ? s->ex + p0 * dm->E : NULL;
        const double *ex_fut = s->ex && s->ex_rows > e ? s->ex + e * dm->E : NULL;
        size_t avail = s->ex_rows > e ? s->ex_rows - e : 0;
        double lv = window_build(dm, s->d + p0, p0, ex_in, ex_fut, avail, s->d + e,
                                 x + b * dm->L * dm->n_in, xf + b * dm->H * dm->E,
                                 t + b * dm->H);
        if (level)
            level[b] = lv;
    }
}

static int cmp_double(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

/* Type-7 quantile of sorted v[0..n-1] (0 when empty). */
static double quantile_sorted(const double *v, size_t n, double q)
{
    if (n == 0)
        return 0.0;
    double pos = q * (double)(n - 1);
    size_t i = (size_t)floor(pos);
    if (i + 1 >= n)
        return v[n - 1];
    double fr = pos - (double)i;
    return v[i] + fr * (v[i + 1] - v[i]);
}

/* Validation residuals of every series with the final weights -> md->resid. */
static sc_status calibrate(sc_lstm_model *md, const lstm_series *ser, size_t count,
                           sc_lstm_work *w, double *x, double *xf, double *t, double *lv,
                           win_ref *wr, sc_error *err)
{
    const lstm_dims *dm = &md->dm;
    size_t H = dm->H, Bm = md->opts.batch;
    double *R = malloc(count * H * sizeof *R);
    int *ok = calloc(count, sizeof *ok);
    if (!R || !ok) {
        free(R);
        free(ok);
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "calibration residuals");
    }
    size_t nok = 0;
    for (size_t s0 = 0; s0 < count; s0 += Bm) {
        size_t B = count - s0 < Bm ? count - s0 : Bm;
        for (size_t b = 0; b < B; b++) {
            wr[b].s = s0 + b;
            wr[b].e = ser[s0 + b].n - H;
        }
        batch_build(md, ser, wr, B, x, xf, t, lv);
        forward(md->net, w, x, xf, B, dm->L);
        for (size_t b = 0; b < B; b++) {
            const lstm_series *s = &ser[s0 + b];
            size_t e = wr[b].e;
            double scale = sc_m4_scale(s->y, e, dm->m);
            if (!(scale > 0.0) || !isfinite(scale))
                continue;
            ok[s0 + b] = 1;
            nok++;
            for (size_t k = 0; k < H; k++) {
                double f = (w->Y[b * H + k] + 1.0) * lv[b] * s->si[(e + k) % (size_t)dm->m];
                R[(s0 + b) * H + k] = (s->y[e + k] - f) / scale;
            }
        }
    }
    md->pooled = nok < LSTM_POOL_MIN_SERIES;
    md->resid_cap = md->pooled ? nok * H : nok * (2 * LSTM_BAND + 1);
    md->resid = malloc((md->resid_cap ? md->resid_cap : 1) * H * sizeof(double));
    md->resid_n = calloc(H, sizeof(size_t));
    if (!md->resid || !md->resid_n) {
        free(R);
        free(ok);
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "calibration residuals");
    }
    for (size_t k = 0; k < H; k++) {
        double *v = md->resid + k * md->resid_cap;
        size_t cnt = 0;
        for (size_t i = 0; i < count; i++) {
            if (!ok[i])
                continue;
            if (md->pooled) {
                for (size_t j = 0; j < H; j++)
                    v[cnt++] = R[i * H + j] * sqrt((double)(k + 1) / (double)(j + 1));
            } else {
                size_t lo = k >= LSTM_BAND ? k - LSTM_BAND : 0;
                size_t hi = k + LSTM_BAND < H ? k + LSTM_BAND : H - 1;
                for (size_t j = lo; j <= hi; j++)
                    v[cnt++] = R[i * H + j];
            }
        }
        qsort(v, cnt, sizeof *v, cmp_double);
        md->resid_n[k] = cnt;
    }
    free(R);
    free(ok);
    return SC_OK;
}

sc_status sc_lstm_model_train(const sc_lstm_opts *opts, int m, uint64_t seed,
                              const double *const *y, const size_t *n, size_t count,
                              const sc_forecast_exog *const *exog, sc_lstm_model **out,
                              sc_error *err)
{
    *out = NULL;
    if (!opts || count == 0 || !y || !n)
        return sc_error_set(err, SC_ERR_INPUT, "lstm", "no series to train on");
    if (opts->hidden == 0 || opts->input_len == 0 || opts->horizon == 0 ||
        opts->batch == 0 || opts->windows == 0 || opts->epochs < 1 || !(opts->lr > 0.0))
        return sc_error_set(err, SC_ERR_RANGE, "lstm", "options must be positive");
    size_t E = 0;
    if (exog)
        for (size_t i = 0; i < count; i++)
            if (exog[i] && exog[i]->ncols) {
                if (E && exog[i]->ncols != E)
                    return sc_error_set(err, SC_ERR_INPUT, "lstm",
                                        "series %zu has %zu exog columns, others %zu", i,
                                        exog[i]->ncols, E);
                E = exog[i]->ncols;
            }
    size_t need = sc_lstm_min_history(opts);
    for (size_t i = 0; i < count; i++)
        if (n[i] < need)
            return sc_error_set(err, SC_ERR_RANGE, "lstm",
                                "series %zu has %zu observations; training needs %zu "
                                "(input %zu + 2 x horizon %zu)",
                                i, n[i], need, opts->input_len, opts->horizon);
    int blas_threads = openblas_get_num_threads();
    openblas_set_num_threads(1);

    sc_status st = SC_OK;
    sc_lstm_model *md = calloc(1, sizeof *md);
    lstm_series *ser = calloc(count, sizeof *ser);
    sc_lstm_work *w = NULL;
    double *x = NULL, *xf = NULL, *t = NULL, *lv = NULL, *grad = NULL, *am = NULL,
           *av = NULL, *best = NULL;
    win_ref *wr = NULL, *all = NULL;
    gsl_rng *r = NULL;
    if (!md || !ser) {
        st = sc_error_set(err, SC_ERR_NOMEM, "lstm", "allocating the model");
        goto fail;
    }
    atomic_init(&md->refs, 1);
    md->opts = *opts;
    md->dm.m = (m > 1 && m <= SC_LSTM_MAX_PERIOD) ? m : 1;
    md->dm.L = opts->input_len;
    md->dm.H = opts->horizon;
    md->dm.E = E;
    md->dm.n_in = 3 + E;
    const lstm_dims *dm = &md->dm;
    for (size_t i = 0; i < count; i++) {
        lstm_series *s = &ser[i];
        s->y = y[i];
        s->n = n[i];
        if (exog && exog[i] && exog[i]->ncols) {
            s->ex = exog[i]->x;
            s->ex_rows = n[i] + exog[i]->n_future;
        }
        season_indices(dm, y[i], n[i], s->si);
        s->d = malloc(n[i] * sizeof *s->d);
        if (!s->d) {
            st = sc_error_set(err, SC_ERR_NOMEM, "lstm", "series %zu", i);
            goto fail;
        }
        for (size_t k = 0; k < n[i]; k++)
            s->d[k] = y[i][k] / s->si[k % (size_t)dm->m];
    }
    st = sc_lstm_net_alloc(dm->n_in, opts->hidden, dm->H, E, seed, &md->net, err);
    if (st != SC_OK)
        goto fail;
    size_t B = opts->batch, P = md->net->n_params;
    size_t nwin = count * opts->windows;
    st = sc_lstm_work_alloc(md->net, B, dm->L, &w, err);
    if (st != SC_OK)
        goto fail;
    x = malloc(B * dm->L * dm->n_in * sizeof *x);
    xf = malloc((B * dm->H * E + 1) * sizeof *xf);
    t = malloc(B * dm->H * sizeof *t);
    lv = malloc(B * sizeof *lv);
    grad = malloc(P * sizeof *grad);
    am = calloc(P, sizeof *am);
    av = calloc(P, sizeof *av);
    best = malloc(P * sizeof *best);
    wr = malloc(B * sizeof *wr);
    all = malloc(nwin * sizeof *all);
    r = sc_rng_stream_alloc(sc_rng_key(seed, SC_RNG_FORECAST, LSTM_RNG_TAG, 1, 0));
    if (!x || !xf || !t || !lv || !grad || !am || !av || !best || !wr || !all || !r) {
        st = sc_error_set(err, SC_ERR_NOMEM, "lstm", "allocating training buffers");
        goto fail;
    }
    memcpy(best, md->net->theta, P * sizeof *best);
    double best_val = INFINITY;
    int bad = 0;
    uint64_t step = 0;
    md->report.series = count;
    md->report.n_params = P;
    for (int epoch = 1; epoch <= opts->epochs; epoch++) {
        /* draw and shuffle this epoch's windows */
        size_t k = 0;
        for (size_t s = 0; s < count; s++) {
            size_t span = ser[s].n - 2 * dm->H - dm->L + 1;   /* ends L .. n-2H */
            for (size_t j = 0; j < opts->windows; j++) {
                all[k].s = s;
                all[k].e = dm->L + (size_t)gsl_rng_uniform_int(r, (unsigned long)span);
                k++;
            }
        }
        for (size_t i = nwin - 1; i > 0; i--) {
            size_t j = (size_t)gsl_rng_uniform_int(r, (unsigned long)(i + 1));
            win_ref tmp = all[i];
            all[i] = all[j];
            all[j] = tmp;
        }
        double tl = 0.0;
        size_t nb = 0;
        for (size_t b0 = 0; b0 < nwin; b0 += B) {
            size_t bs = nwin - b0 < B ? nwin - b0 : B;
            batch_build(md, ser, all + b0, bs, x, xf, t, NULL);
            tl += sc_lstm_net_loss_grad(md->net, w, x, E ? xf : NULL, t, bs, dm->L,
                                        opts->loss, grad);
            nb++;
            double gn = 0.0;
            for (size_t p = 0; p < P; p++)
                gn += grad[p] * grad[p];
            gn = sqrt(gn);
            double gs = (opts->clip > 0.0 && gn > opts->clip) ? opts->clip / gn : 1.0;
            step++;
            double c1 = 1.0 - pow(LSTM_ADAM_B1, (double)step);
            double c2 = 1.0 - pow(LSTM_ADAM_B2, (double)step);
            double lr_t = opts->lr * sqrt(c2) / c1;
            double *th = md->net->theta;
            for (size_t p = 0; p < P; p++) {
                double g = grad[p] * gs;
                am[p] = LSTM_ADAM_B1 * am[p] + (1.0 - LSTM_ADAM_B1) * g;
                av[p] = LSTM_ADAM_B2 * av[p] + (1.0 - LSTM_ADAM_B2) * g * g;
                th[p] -= lr_t * am[p] / (sqrt(av[p]) + LSTM_ADAM_EPS);
            }
        }
        /* validation: the last H points of every series */
        double vl = 0.0;
        for (size_t s0 = 0; s0 < count; s0 += B) {
            size_t bs = count - s0 < B ? count - s0 : B;
            for (size_t b = 0; b < bs; b++) {
                wr[b].s = s0 + b;
                wr[b].e = ser[s0 + b].n - dm->H;
            }
            batch_build(md, ser, wr, bs, x, xf, t, NULL);
            vl += sc_lstm_net_loss_grad(md->net, w, x, E ? xf : NULL, t, bs, dm->L,
                                        opts->loss, NULL) *
                  (double)bs;
        }
        vl /= (double)count;
        md->report.epochs_run = epoch;
        md->report.train_loss = tl / (double)(nb ? nb : 1);
        if (opts->verbose)
            fprintf(stderr, "lstm: epoch %d train %.5f validation %.5f\n", epoch,
                    md->report.train_loss, vl);
        if (vl < best_val) {
            best_val = vl;
            md->report.best_epoch = epoch;
            memcpy(best, md->net->theta, P * sizeof *best);
            bad = 0;
        } else if (++bad >= opts->patience) {
            break;
        }
    }
    md->report.val_loss = best_val;
    memcpy(md->net->theta, best, P * sizeof *best);
    st = calibrate(md, ser, count, w, x, xf, t, lv, wr, err);
    if (st != SC_OK)
        goto fail;
    goto done;
fail:
    sc_lstm_model_release(md);
    md = NULL;
done:
    openblas_set_num_threads(blas_threads > 0 ? blas_threads : 1);
    if (ser)
        for (size_t i = 0; i < count; i++)
            free(ser[i].d);
    free(ser);
    sc_lstm_work_free(w);
    free(x);
    free(xf);
    free(t);
    free(lv);
    free(grad);
    free(am);
    free(av);
    free(best);
    free(wr);
    free(all);
    gsl_rng_free(r);
    *out = md;
    return st;
}

/* ---- the plug-in ------------------------------------------------------------------ */

typedef struct lstm_state {
    sc_lstm_model *model;   /* one reference held */
    uint64_t pos;           /* series position of the next observation */
    uint64_t n_upd;         /* observations absorbed since fit */
    size_t n_fut;           /* announced future exog rows kept */
    double scale;           /* interval scale (MASE scale of the history) */
    double last_d;          /* last deseasonalised value */
    int nonneg;             /* history had no negative value: clamp forecasts at 0 */
    double *block;          /* owned: ring_d, ring_x, fut */
    double *ring_d;         /* L: ring_d[p % L] = d at position p */
    double *ring_x;         /* L * E: exog row of position p at (p % L) * E */
    double *fut;            /* n_fut * E announced rows after the fitted history */
    double si[SC_LSTM_MAX_PERIOD];
} lstm_state;

static void lstm_cleanup(void *state)
{
    lstm_state *s = state;
    free(s->block);
    s->block = NULL;
    sc_lstm_model_release(s->model);
    s->model = NULL;
}

static sc_status state_attach(lstm_state *s, sc_lstm_model *md, const double *y, size_t n,
                              const sc_forecast_exog *exog, sc_error *err)
{
    const lstm_dims *dm = &md->dm;
    size_t L = dm->L, E = dm->E;
    size_t nf = (exog && exog->ncols == E && E) ? exog->n_future : 0;
    memset(s, 0, sizeof *s);
    s->block = calloc(L + L * E + nf * E + 1, sizeof(double));
    if (!s->block)
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "allocating an instance");
    s->ring_d = s->block;
    s->ring_x = s->ring_d + L;
    s->fut = s->ring_x + L * E;
    s->n_fut = nf;
    season_indices(dm, y, n, s->si);
    s->nonneg = 1;
    for (size_t i = 0; i < n; i++)
        if (y[i] < 0.0)
            s->nonneg = 0;
    size_t m = (size_t)dm->m;
    size_t first = n > L ? n - L : 0;
    for (size_t p = first; p < n; p++) {
        s->ring_d[p % L] = y[p] / s->si[p % m];
        if (E && exog && exog->ncols == E)
            memcpy(s->ring_x + (p % L) * E, exog->x + p * E, E * sizeof(double));
    }
    if (nf)
        memcpy(s->fut, exog->x + n * E, nf * E * sizeof(double));
    s->pos = n;
    s->last_d = y[n - 1] / s->si[(n - 1) % m];
    s->scale = sc_m4_scale(y, n, dm->m);
    if (!isfinite(s->scale))
        s->scale = 0.0;
    atomic_fetch_add(&md->refs, 1);
    s->model = md;
    return SC_OK;
}

static size_t lstm_min_history(const sc_forecast_config *cfg)
{
    sc_lstm_opts o;
    sc_lstm_opts_init(&o, cfg->period);
    return sc_lstm_min_history(&o);
}

static sc_status lstm_fit_global(void *const *states, const sc_forecast_config *cfg,
                                 const double *const *y, const size_t *n, size_t count,
                                 const sc_forecast_exog *const *exog, sc_error *err)
{
    sc_lstm_opts o;
    sc_lstm_opts_init(&o, cfg->period);
    if (count < LSTM_POOL_MIN_SERIES) {
        size_t wps = (LSTM_SINGLE_WINDOWS + count - 1) / count;
        o.windows = wps > o.windows ? wps : o.windows;
    }
    sc_lstm_model *md;
    sc_status st = sc_lstm_model_train(&o, cfg->period, cfg->seed, y, n, count, exog, &md,
                                       err);
    if (st != SC_OK)
        return st;
    for (size_t i = 0; i < count && st == SC_OK; i++) {
        st = state_attach(states[i], md, y[i], n[i], exog ? exog[i] : NULL, err);
        if (st != SC_OK)
            for (size_t j = 0; j < i; j++)
                lstm_cleanup(states[j]);
    }
    sc_lstm_model_release(md);
    return st;
}

static sc_status lstm_fit(void *state, const sc_forecast_config *cfg, const double *y,
                          size_t n, const sc_forecast_exog *exog, sc_error *err)
{
    void *states[1] = {state};
    const double *ys[1] = {y};
    const sc_forecast_exog *ex[1] = {exog};
    return lstm_fit_global(states, cfg, ys, &n, 1, exog ? ex : NULL, err);
}

static void lstm_update(void *state, double y)
{
    lstm_state *s = state;
    const lstm_dims *dm = &s->model->dm;
    size_t L = dm->L, E = dm->E;
    uint64_t p = s->pos;
    double d = isnan(y) ? s->last_d : y / s->si[p % (uint64_t)dm->m];
    s->ring_d[p % L] = d;
    if (E) {
        double *row = s->ring_x + (p % L) * E;
        if (s->n_upd < s->n_fut)
            memcpy(row, s->fut + s->n_upd * E, E * sizeof(double));
        else
            memset(row, 0, E * sizeof(double));
    }
    if (!isnan(y) && y < 0.0)
        s->nonneg = 0;
    s->last_d = d;
    s->pos++;
    s->n_upd++;
}

static sc_status lstm_predict(const void *state, size_t h, const double *q, size_t nq,
                              double *mean, double *quant, sc_error *err)
{
    const lstm_state *s = state;
    const sc_lstm_model *md = s->model;
    const lstm_dims *dm = &md->dm;
    size_t L = dm->L, E = dm->E, H = dm->H, m = (size_t)dm->m;
    sc_lstm_work *w;
    sc_status st = sc_lstm_work_alloc(md->net, 1, L, &w, err);
    if (st != SC_OK)
        return st;
    double *buf = malloc((L + L * E + L * dm->n_in + H * E + H + 1) * sizeof *buf);
    if (!buf) {
        sc_lstm_work_free(w);
        return sc_error_set(err, SC_ERR_NOMEM, "lstm", "predict buffers");
    }
    double *d = buf, *exin = d + L, *x = exin + L * E, *xf = x + L * dm->n_in;
    double *out = xf + H * E;
    uint64_t p0 = s->pos - L;   /* pos >= L always (histories are >= L + 2H long) */
    for (size_t k = 0; k < L; k++) {
        d[k] = s->ring_d[(p0 + k) % L];
        if (E)
            memcpy(exin + k * E, s->ring_x + ((p0 + k) % L) * E, E * sizeof(double));
    }
    size_t avail = s->n_fut > s->n_upd ? s->n_fut - (size_t)s->n_upd : 0;
    const double *exf = avail ? s->fut + s->n_upd * E : NULL;
    double level = window_build(dm, d, (size_t)p0, E ? exin : NULL, exf, avail, NULL, x,
                                xf, NULL);
    sc_lstm_net_forward(md->net, w, x, E ? xf : NULL, 1, L, out);
    for (size_t i = 0; i < h; i++) {
        size_t k = i < H ? i : H - 1;
        double f = (out[k] + 1.0) * level * s->si[(s->pos + i) % m];
        if (s->nonneg && f < 0.0)
            f = 0.0;
        mean[i] = f;
        const double *v = md->resid + k * md->resid_cap;
        double widen = i < H ? 1.0 : sqrt((double)(i + 1) / (double)H);
        for (size_t j = 0; j < nq; j++) {
            double qv = f + s->scale * widen * quantile_sorted(v, md->resid_n[k], q[j]);
            if (s->nonneg && qv < 0.0)
                qv = 0.0;
            quant[i * nq + j] = qv;
        }
    }
    free(buf);
    sc_lstm_work_free(w);
    return SC_OK;
}

sc_status sc_lstm_forecasters_attach(sc_lstm_model *model, sc_forecaster *const *fcs,
                                     size_t count, const double *const *y,
                                     const size_t *n, const sc_forecast_exog *const *exog,
                                     sc_error *err)
{
    for (size_t i = 0; i < count; i++) {
        sc_forecaster *fc = fcs[i];
        if (!fc || strcmp(sc_forecaster_name(fc), "lstm") != 0)
            return sc_error_set(err, SC_ERR_INPUT, "lstm", "instance %zu is not an lstm", i);
        if (fc->fitted)
            lstm_cleanup(fc->state);
        fc->fitted = 0;
        if (n[i] < model->dm.L)
            continue;
        sc_status st = state_attach(fc->state, model, y[i], n[i], exog ? exog[i] : NULL, err);
        if (st != SC_OK)
            return st;
        fc->fitted = 1;
        fc->n_obs = n[i];
        fc->last_obs = y[i][n[i] - 1];
    }
    return SC_OK;
}

const sc_forecaster_type sc_forecast_lstm_type = {
    .name = "lstm",
    .version = 2,
    .state_size = sizeof(lstm_state),
    .max_period = SC_LSTM_MAX_PERIOD,
    .min_history = lstm_min_history,
    .fit = lstm_fit,
    .update = lstm_update,
    .predict = lstm_predict,
    .cleanup = lstm_cleanup,
    .fit_global = lstm_fit_global,
};
