/*
 * slo_measured.h - the error-budget controller (sculpt_slo.h) fed by measured SLO
 * outcomes (live mode, issue 12) instead of its model-based judgement.  Internal.
 */
#ifndef SCULPT_SLO_MEASURED_H
#define SCULPT_SLO_MEASURED_H

#include "sculpt/policy.h"

#include "sculpt_slo.h"

/* sc_slo_ctl_observe for a view that carries slo_judged / slo_violated: at the first
 * decision of a new step, the step just closed counts the app's measured geographies
 * and the violated ones (instead of instance-equivalents against serving capacity);
 * the ring, its sums and the fresh-violation flag move exactly as in the model's case,
 * so sc_slo_ctl_update's rule is unchanged. */
void sc_slo_ctl_observe_measured(sc_slo_ctl *c, const sc_policy_view *v);

#endif
