/*
 * burst.h - short-horizon burst detection on a raw rate: a one-sided CUSUM (Page 1954)
 * on the log rate against a baseline learnt from the past, with ramp extrapolation.
 *
 * The detector is driven by the caller, one observation at a time, in time order
 * (sc_burst_push); it never sees a later observation, so its output up to t depends
 * only on the observations up to t.  It does not allocate: the state is a plain struct
 * the caller embeds (sc_burst_init / nothing to clean up).
 *
 * Rule, per observation x (a rate >= 0):
 *   z = log(max(x, floor)).
 *   Warm-up (the first `warmup` observations): the baseline mean mu and variance var of
 *   z are the running mean and (population) variance (Welford); no alarm.
 *   Afterwards: sigma = max(sqrt(var), sigma_min), d = (z - mu) / sigma,
 *   S = max(0, S + d - k).  S > h raises an ALARM on this observation; the detector then
 *   restarts at the new level: mu = the mean of z over the observations since S was
 *   last 0 (the post-change estimate, this one included), S = 0.  While S > 0 (a rise
 *   under suspicion) the baseline is frozen; otherwise it is the EWMA of weight alpha
 *   of every observation (mu += alpha (z - mu); var += alpha ((z - mu_old)^2 - var)),
 *   those of a suspicion run that ended without an alarm folded in, in order, when S
 *   returns to 0 (their deviations taken against the frozen mean).  So slow drifts and
 *   falls are absorbed and only rises faster than the baseline tracks count.
 *
 * Detection delay (stated, and checked by tests/test_burst.c): after a step of the log
 * rate by delta from a baseline whose sigma is s (at least sigma_min), on a noise-free
 * series the alarm is raised on observation
 *     n = floor(h / (delta / s - k)) + 1        (delta / s > k; never otherwise)
 * counted from the first observation at the new level (n = 1: the step itself).
 * sc_burst_delay computes it.  With the defaults (k 0.5, h 5, sigma_min 0.05) a
 * doubling (delta = log 2) is flagged on the step itself, +15 % on the 3rd observation,
 * +5 % (delta / s = 0.976) on the 11th, +2 % never.  With noise the delay is a random
 * variable around that figure.
 *
 * False alarms: on a stationary series with Gaussian log-scale noise and a KNOWN
 * baseline, the mean run length between alarms of this CUSUM is Siegmund's
 * approximation ARL0 = (exp(2 k b) - 2 k b - 1) / (2 k^2), b = h + 1.166: 938
 * observations at k 0.5, h 5.  The baseline is estimated: with alpha 0.01 (a memory of
 * ~100 observations) the measured run length is Siegmund's (939 at sd 0.2); with the
 * default alpha 0.05 (~20 observations, short enough to follow a daily cycle at
 * 5-minute steps) the noisier deviation estimate shortens it to ~260 observations
 * (measured at sd 0.2; tests/test_burst.c bounds it at 200): about one false alarm a
 * day at 5-minute steps.  A false alarm only acts if the ramp is still rising.

 * Ramp: sc_burst_slope is the least-squares slope of z over the last `ramp_window`
 * observations (per observation; 0 with fewer than two), and sc_burst_extrapolate
 * projects the last observation along it, x_last exp(max(0, slope) steps), capped at
 * max_growth x x_last: the demand expected `steps` observations ahead if the ramp goes
 * on (a burst guard launches for it a boot time ahead).
 *
 * Source: E. S. Page, "Continuous inspection schemes", Biometrika 41 (1954); D.
 * Siegmund, "Sequential Analysis" (1985), for the ARL approximation.
 */
#ifndef SCULPT_BURST_H
#define SCULPT_BURST_H
#include "sculpt/export.h"

#include "sculpt/status.h"

SC_BEGIN_DECLS

#define SC_BURST_MAX_WINDOW 16 /* largest ramp_window */

typedef struct sc_burst_config {
    double k;          /* CUSUM reference value, in sigma units (default 0.5) */
    double h;          /* CUSUM decision threshold, in sigma units (default 5) */
    double alpha;      /* EWMA weight of the baseline when S = 0, in (0, 1] (0.05) */
    double sigma_min;  /* floor of the baseline's log-scale deviation (0.05, i.e. ~5 %) */
    double floor;      /* rate floor before the log, > 0 (1e-3) */
    int warmup;        /* observations of the running baseline before any alarm (12) */
    int ramp_window;   /* observations of the slope fit, 2..SC_BURST_MAX_WINDOW (3) */
    double max_growth; /* cap of sc_burst_extrapolate, x the last observation, >= 1 (4) */
} sc_burst_config;

typedef struct sc_burst {
    sc_burst_config c;
    long n;            /* observations pushed */
    double mu, var;    /* baseline mean and variance of z */
    double s;          /* CUSUM statistic, >= 0 */
    long run;          /* observations since S was last 0 */
    double run_sum;    /* sum of z over them */
    double run_p;      /* (1 - alpha)^run: weight of the baseline before the run */
    double run_m, run_v; /* the run's EWMA terms of the mean and the variance */
    double z[SC_BURST_MAX_WINDOW]; /* ring of the last log rates; z[(n - 1) % W] newest */
    long n_alarms;     /* alarms raised */
    long last_alarm;   /* index (0-based) of the observation of the last alarm; -1 none */
} sc_burst;

/* The defaults above. */
void sc_burst_config_init(sc_burst_config *c);
/* Start a detector with config c (copied).  SC_ERR_INPUT (err names the field) when a
 * value is out of its range; b is then unusable. */
sc_status sc_burst_init(sc_burst *b, const sc_burst_config *c, sc_error *err);
/* Feed one observation (a rate; NaN or negative counts as 0).  Returns 1 when it raises
 * an alarm, else 0. */
int sc_burst_push(sc_burst *b, double x);
/* Least-squares slope of the log rate over the last ramp_window observations, per
 * observation; 0 with fewer than two. */
double sc_burst_slope(const sc_burst *b);
/* The last observation projected `steps` observations ahead along a rising ramp:
 * exp(z_last + max(0, slope) x steps), at most max_growth x exp(z_last); 0 before the
 * first observation. */
double sc_burst_extrapolate(const sc_burst *b, double steps);
/* Observations after a noise-free step of the log rate by delta (from a baseline whose
 * deviation is sigma, floored at sigma_min) until the alarm, counting the step as 1;
 * -1 when it is never raised (delta / sigma <= k). */
long sc_burst_delay(const sc_burst_config *c, double delta, double sigma);
/* Siegmund's approximation of the mean run length between false alarms (observations)
 * of the CUSUM with c's k and h on a stationary Gaussian series of known baseline. */
double sc_burst_arl0(const sc_burst_config *c);

SC_END_DECLS

#endif
