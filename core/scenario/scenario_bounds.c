/*
 * scenario_bounds.c - bounds that need the traces (issue 13, "huge numbers").
 *
 * scenario.c bounds every quantity a scenario file gives (capacities, needs, prices,
 * boot delays, instance counts) to a meaningful range.  What it cannot bound alone is a
 * product: the instance-equivalents an app's demand implies, (needs_m * scale * value +
 * offset) / capacity_m, depend on the trace's values, which are read when the world is
 * built.  A trace of 1e300 requests per second, or a need of 1e6 vCPU per request, would
 * otherwise carry infinities into the policies' conversions to integer instance counts
 * (undefined behaviour).  sc_world_build calls sc_scenario_check_peak once per app with
 * the peak, and the run is refused before any policy sees it.
 */
#include <math.h>

#include "sculpt/scenario.h"

sc_status sc_scenario_check_peak(const sc_scenario *sc, size_t app, double peak_ieq,
                                 sc_error *err)
{
    if (peak_ieq <= (double)SC_SCENARIO_INSTANCES_MAX)
        return SC_OK;
    const sc_app *a = &sc->apps[app];
    const sc_instance_type *t = &sc->types[a->instance_type];
    return sc_error_set(err, SC_ERR_INPUT, sc->path,
                        "$.apps[%zu].needs: app '%s' needs %.4g instance-equivalents of "
                        "type '%s' at its peak demand, more than the %d an app may hold "
                        "(check needs, the demand's scale and offset, and the units of its "
                        "traces)",
                        app, a->name, peak_ieq, t->name, SC_SCENARIO_INSTANCES_MAX);
}
