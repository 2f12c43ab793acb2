/*
 * sculpt_vmem.c - the `sculpt` policy's memory of where violations fell
 * (`violation_memory`, 7 d): the intra-hour shaping holds the hour's plan in a sub-step
 * where a step was violated at about the same time on one of the recent days (issue 10:
 * "react to where violations come from").
 *
 * Why.  The intra-hour profile (sculpt_intrahour.c) cuts the hour's plan to the median
 * share of each 15-minute sub-step over the last 7 days at the same hour of day.  Two
 * kinds of misses on the held-out suite's development half come from it: a spike that
 * recurs at the same minute of every hour in a regime the previous days did not have
 * (nab-257a54, day 1 of the measured week: minute 40 of nine hours in a row, 2.0-7.7 x,
 * in a sub-step shaped to min_instances) and a once-a-day spike whose time drifts by up
 * to 10 minutes (nab-c6585a: 7 violated steps, one a day), so the median places it a
 * sub-step early or late.  A violation is the evidence the profile missed there.  (A
 * memory of the same place in the last 6 hours was also tried for the first kind: no
 * trace more met any objective; not kept.)
 *
 * State (past only).  Per (app, region) a ring of `violation_memory` + 1 days of steps
 * (and a sub-step either side): 1 where
 * the step was violated as the simulator judges it (ieq above u_slo x the fewest serving
 * instances at its start and end, judged at the first decision after it closed).
 *
 * Rule.  A sub-step [t0, t0 + substep) is held at the hour's plan (profile 1) when one
 * of its steps k had a violated step at k - d x 1 d + s (d = 1..D, D the memory in whole
 * days, 7; |s| <= the sub-step's steps: the drift), among the steps already judged.
 * Nothing else changes: where nothing was violated the profile is the median as before.
 * The hold costs the hour's plan over one sub-step a day for each violated time of day;
 * it ends D days after the last violation there (a violation it fails to prevent renews
 * it).  Guard against oscillation: the memory is of violations, not of the capacity
 * held, so a hold that works ends by itself after D days and, if the misses return, is
 * taken up again after one more violation (at most one per D days per time of day).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "sculpt/policy.h"

#include "sculpt_int.h"

struct sculpt_vmem {
    int days;                 /* look-back: the same time of day on the last days */
    int64_t ring_steps;       /* (days + 1) days of steps */
    int64_t last_step;        /* step of the last decision seen; -1 none */
    int64_t judged_to;        /* last step judged; -1 none */
    size_t n_apps, n_regions;
    int *serving_prev;        /* [n_ar] serving at the last step start; -1 */
    double *u;                /* [n_ar] u_slo */
    int64_t *viol_step;       /* [n_ar * ring_steps] step index stored in the slot */
    unsigned char *viol;      /* [n_ar * ring_steps] 1: that step was violated */
};

void sc_sculpt_vmem_cleanup(sculpt_state *s)
{
    struct sculpt_vmem *m = s->vmem;
    if (!m)
        return;
    free(m->serving_prev);
    free(m->u);
    free(m->viol_step);
    free(m->viol);
    free(m);
    s->vmem = NULL;
}

sc_status sc_sculpt_vmem_init(sculpt_state *s, const sc_scenario *sc, int days,
                              const char *where, sc_error *err)
{
    s->vmem = NULL;
    if (days <= 0)
        return SC_OK;
    size_t nar = sc->n_apps * sc->n_regions;
    struct sculpt_vmem *m = calloc(1, sizeof *m);
    if (!m)
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    s->vmem = m;
    m->days = days;
    int64_t per_day = 24 * HOUR_MS / sc->step_ms;
    m->ring_steps = (days + 1) * per_day + 2 * (s->substep_ms / sc->step_ms) + 2;
    m->last_step = -1;
    m->judged_to = -1;
    m->n_apps = sc->n_apps;
    m->n_regions = sc->n_regions;
    m->serving_prev = malloc((nar + 1) * sizeof *m->serving_prev);
    m->u = malloc((nar + 1) * sizeof *m->u);
    m->viol_step = malloc((nar * (size_t)m->ring_steps + 1) * sizeof *m->viol_step);
    m->viol = calloc(nar * (size_t)m->ring_steps + 1, 1);
    if (!m->serving_prev || !m->u || !m->viol_step || !m->viol) {
        sc_sculpt_vmem_cleanup(s);
        return sc_error_set(err, SC_ERR_NOMEM, where, "out of memory");
    }
    for (size_t i = 0; i < nar * (size_t)m->ring_steps; i++)
        m->viol_step[i] = -1;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            m->serving_prev[a * sc->n_regions + r] = -1;
            m->u[a * sc->n_regions + r] = sc_sizer_u_slo(sc, (int)a, (int)r);
        }
    return SC_OK;
}


void sc_sculpt_vmem_observe(sculpt_state *s, const sc_policy_view *v)
{
    struct sculpt_vmem *m = s->vmem;
    if (!m || v->step == m->last_step)
        return;
    const sc_scenario *sc = v->sc;
    int64_t k = v->step - 1;
    for (size_t a = 0; a < sc->n_apps; a++)
        for (size_t r = 0; r < sc->n_regions; r++) {
            size_t ar = a * sc->n_regions + r;
            int now_srv = sc_sculpt_serving(v, (int)a, (int)r);
            if (k >= 0 && m->serving_prev[ar] >= 0) {
                double x = sc_view_ieq(v, (int)a, (int)r, k);
                int low = m->serving_prev[ar] < now_srv ? m->serving_prev[ar] : now_srv;
                size_t slot = ar * (size_t)m->ring_steps + (size_t)(k % m->ring_steps);
                m->viol_step[slot] = k;
                m->viol[slot] = x > 0 && x > m->u[ar] * (double)low * (1.0 + 1e-9);
            }
            m->serving_prev[ar] = now_srv;
        }
    if (k >= 0)
        m->judged_to = k;
    m->last_step = v->step;
}

static int violated(const struct sculpt_vmem *m, size_t ar, int64_t k)
{
    if (k < 0 || k > m->judged_to)
        return 0;
    size_t slot = ar * (size_t)m->ring_steps + (size_t)(k % m->ring_steps);
    return m->viol_step[slot] == k && m->viol[slot];
}

double sc_sculpt_vmem_floor(const sculpt_state *s, const sc_scenario *sc, int a, int r,
                            sc_time_ms t0)
{
    const struct sculpt_vmem *m = s->vmem;
    if (!m)
        return 0.0;
    size_t ar = (size_t)a * m->n_regions + (size_t)r;
    int64_t n = s->substep_ms / sc->step_ms;
    if (n < 1)
        n = 1;
    int64_t k0 = sc_time_floor_div(t0 - sc->start, sc->step_ms);
    int64_t per_day = 24 * HOUR_MS / sc->step_ms;
    for (int64_t k = k0; k < k0 + n; k++) {
        for (int d = 1; d <= m->days; d++)
            for (int64_t sft = -n; sft <= n; sft++)
                if (violated(m, ar, k - d * per_day + sft))
                    return 1.0;
    }
    return 0.0;
}
