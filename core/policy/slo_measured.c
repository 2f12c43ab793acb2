/*
 * slo_measured.c - the error-budget controller on measured SLO outcomes (live mode).
 *
 * In a simulation the controller of sculpt_slo.c judges each closed step from the model:
 * instance-equivalents against the serving instances at the utilisation where the latency
 * curve meets the SLO bound.  In live mode the SLO is measured (a Prometheus histogram
 * quantile, CloudWatch TargetResponseTime, an error ratio), and the loop (sim/live.c)
 * hands the per-step outcome to the policy in its view: for each app and step, how many
 * of its geographies were measured and how many of those were over the SLO, the
 * simulator's own accounting of an app-geography-step.  This file replaces only the
 * judgement: the long-window ring of (violated, judged) per app, its sums and the
 * "fresh violation" flag are updated as sc_slo_ctl_observe updates them, and the rule
 * that moves the factor (sc_slo_ctl_update: burn rate against the budget 1 - attainment,
 * dead band, asymmetric gains, hold) is the same code.  A step without any measurement
 * (a gap in the signal) judges nothing: it neither spends nor saves budget.
 *
 * Past only: the step judged is the one just closed (k = step - 1), whose observations
 * the loop delivered before this decision.
 */
#include "slo_measured.h"

void sc_slo_ctl_observe_measured(sc_slo_ctl *c, const sc_policy_view *v)
{
    if (!c->on)
        return;
    const sc_scenario *sc = v->sc;
    int64_t cur = v->step, k = cur - 1;
    int judge = cur != c->last_step && k >= 0 && k < v->n_steps;
    c->last_step = cur;
    if (!judge)
        return;
    for (size_t a = 0; a < sc->n_apps; a++) {
        size_t i = a * (size_t)v->n_steps + (size_t)k;
        sc_slo_ctl_record(c, a, k, v->slo_violated[i], v->slo_judged[i], v->now);
    }
    c->last_k = k;
}
