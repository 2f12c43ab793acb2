/*
 * burst.c - short-horizon burst detection (burst.h, whose opening comment has the rule,
 * the stated detection delay and the false-alarm figure): a one-sided CUSUM on the log
 * rate, restarted at the new level after each alarm, with a least-squares ramp over the
 * last few observations.  Past only, no allocation.
 */
#include <math.h>
#include <string.h>

#include "sculpt/burst.h"

void sc_burst_config_init(sc_burst_config *c)
{
    c->k = 0.5;
    c->h = 5.0;
    c->alpha = 0.05;
    c->sigma_min = 0.05;
    c->floor = 1e-3;
    c->warmup = 12;
    c->ramp_window = 3;
    c->max_growth = 4.0;
}

sc_status sc_burst_init(sc_burst *b, const sc_burst_config *c, sc_error *err)
{
    memset(b, 0, sizeof *b);
    if (!(c->k >= 0 && isfinite(c->k)))
        return sc_error_set(err, SC_ERR_INPUT, "k", "expected a number >= 0");
    if (!(c->h > 0 && isfinite(c->h)))
        return sc_error_set(err, SC_ERR_INPUT, "h", "expected a positive number");
    if (!(c->alpha > 0 && c->alpha <= 1))
        return sc_error_set(err, SC_ERR_INPUT, "alpha", "expected a number in (0, 1]");
    if (!(c->sigma_min > 0 && isfinite(c->sigma_min)))
        return sc_error_set(err, SC_ERR_INPUT, "sigma_min", "expected a positive number");
    if (!(c->floor > 0 && isfinite(c->floor)))
        return sc_error_set(err, SC_ERR_INPUT, "floor", "expected a positive number");
    if (c->warmup < 1)
        return sc_error_set(err, SC_ERR_INPUT, "warmup", "expected at least 1 observation");
    if (c->ramp_window < 2 || c->ramp_window > SC_BURST_MAX_WINDOW)
        return sc_error_set(err, SC_ERR_INPUT, "ramp_window", "expected 2 to %d observations",
                            SC_BURST_MAX_WINDOW);
    if (!(c->max_growth >= 1 && isfinite(c->max_growth)))
        return sc_error_set(err, SC_ERR_INPUT, "max_growth", "expected a number >= 1");
    b->c = *c;
    b->last_alarm = -1;
    b->run_p = 1.0;
    return SC_OK;
}

int sc_burst_push(sc_burst *b, double x)
{
    const sc_burst_config *c = &b->c;
    double z = log(x > c->floor ? x : c->floor); /* NaN > floor is false: the floor */
    long i = b->n++;
    b->z[i % c->ramp_window] = z;
    if (i < c->warmup) { /* Welford: running mean and population variance */
        double d = z - b->mu;
        b->mu += d / (double)(i + 1);
        b->var += (d * (z - b->mu) - b->var) / (double)(i + 1);
        return 0;
    }
    double sigma = sqrt(b->var);
    if (sigma < c->sigma_min)
        sigma = c->sigma_min;
    double s = b->s + (z - b->mu) / sigma - c->k;
    if (s > c->h) { /* alarm: restart at the post-change level */
        b->mu = (b->run_sum + z) / (double)(b->run + 1);
        b->s = 0.0;
        b->run = 0;
        b->run_sum = 0.0;
        b->run_p = 1.0;
        b->run_m = b->run_v = 0.0;
        b->n_alarms++;
        b->last_alarm = i;
        return 1;
    }
    /* the baseline's EWMA over this observation, kept aside while S > 0 (the deviation
     * against the frozen mean): folded in when S returns to 0, so every observation of
     * a run that ends without an alarm enters the baseline, in order (updating only on
     * S = 0 would learn from the low observations alone and drift down) */
    double d = z - b->mu;
    b->run_p *= 1.0 - c->alpha;
    b->run_m = (1.0 - c->alpha) * b->run_m + c->alpha * z;
    b->run_v = (1.0 - c->alpha) * b->run_v + c->alpha * d * d;
    if (s > 0) { /* under suspicion: the baseline is frozen */
        b->s = s;
        b->run++;
        b->run_sum += z;
        return 0;
    }
    b->mu = b->run_p * b->mu + b->run_m;
    b->var = b->run_p * b->var + b->run_v;
    b->s = 0.0;
    b->run = 0;
    b->run_sum = 0.0;
    b->run_p = 1.0;
    b->run_m = b->run_v = 0.0;
    return 0;
}

double sc_burst_slope(const sc_burst *b)
{
    int w = b->c.ramp_window;
    long m = b->n < w ? b->n : w;
    if (m < 2)
        return 0.0;
    /* x = 0..m-1 oldest to newest; slope = sum (x - xbar)(z - zbar) / sum (x - xbar)^2 */
    double xbar = (m - 1) / 2.0, zbar = 0.0;
    for (long j = 0; j < m; j++)
        zbar += b->z[(b->n - m + j) % w];
    zbar /= (double)m;
    double sxz = 0.0, sxx = 0.0;
    for (long j = 0; j < m; j++) {
        double dx = j - xbar;
        sxz += dx * (b->z[(b->n - m + j) % w] - zbar);
        sxx += dx * dx;
    }
    return sxz / sxx;
}

double sc_burst_extrapolate(const sc_burst *b, double steps)
{
    if (b->n < 1)
        return 0.0;
    double z = b->z[(b->n - 1) % b->c.ramp_window];
    double g = sc_burst_slope(b) * steps;
    if (!(g > 0))
        g = 0.0;
    double cap = log(b->c.max_growth);
    if (g > cap)
        g = cap;
    return exp(z + g);
}

long sc_burst_delay(const sc_burst_config *c, double delta, double sigma)
{
    if (sigma < c->sigma_min)
        sigma = c->sigma_min;
    double d = delta / sigma - c->k;
    if (!(d > 0))
        return -1;
    return (long)floor(c->h / d) + 1;
}

double sc_burst_arl0(const sc_burst_config *c)
{
    double b = c->h + 1.166, k = c->k;
    if (k <= 0)
        return INFINITY;
    return (exp(2 * k * b) - 2 * k * b - 1) / (2 * k * k);
}
