/*
 * results.h - the results file of `sculpt run` (HDF5), schema "sculpt-results" v1.
 *
 *   /                     attrs: schema, schema_version, sculpt_version, git_commit,
 *                                scenario_name, scenario_hash (16 hex digits), seed,
 *                                step_ms, warmup_steps, n_steps
 *   /scenario             string: the scenario file's text as it was run
 *   /time                 int64 [n_steps]: start of each step, ms since the epoch
 *   /apps, /regions, /geos  string lists (one name per element, scenario order)
 *   /runs/<label>/        attrs: policy and every summary figure (sc_run_summary)
 *     actions             int64 [n, 8]: t, app, region, type, kind, option, count,
 *                         accepted (attr "columns" names them)
 *     series/<app>/<region>/{demand, capacity, served, cost, instances}
 *                         float64 [n_steps] (only with per-step output)
 *
 * No wall-clock time is stored anywhere and object time tracking is off, so the same
 * scenario and seed give the same bytes.  Written to a temporary name and renamed.
 */
#ifndef SCULPT_RESULTS_H
#define SCULPT_RESULTS_H

#include "sculpt/scenario.h"
#include "sim.h"

#define SC_RESULTS_SCHEMA "sculpt-results"

sc_status sc_results_write(const char *path, const sc_world *w, sc_run *const *runs,
                           size_t n_runs, sc_error *err);

#endif
