/*
 * mockcloud_params.c - the declared settings of the mock provider (params.h).
 *
 * The mock takes a C struct (sc_mock_config) from the simulator, not a JSON object:
 * what a scenario controls about it are the keys of each $.regions[i] that the scenario
 * parser reads (core/scenario/scenario.c, parse_regions) and the mock then applies.  This
 * table declares those, with the parser's defaults and ranges, so `--help` output and
 * documentation come from one place; the parser remains their checker (it reports at
 * $.regions[i].key).  The drain before an instance ends (30 s, sim.c DRAIN_MS) is not
 * settable from a scenario, so it is not listed.
 */
#include <math.h>

#include "mockcloud.h"


const sc_param_def sc_mock_params[6] = {
    {.name = "boot", .kind = SC_PARAM_OBJECT,
     .help = "boot delay: {\"dist\": \"const\"|\"uniform\"|\"lognormal\", ...} (required)"},
    {.name = "vcpu_quota", .kind = SC_PARAM_INTEGER, .def = "unlimited", .lo = 0,
     .hi = 2147483647.0, .help = "most vCPUs running in the region (launches beyond: refused)"},
    {.name = "spot_interrupt_per_hour", .kind = SC_PARAM_NUMBER, .def = "0", .lo = 0,
     .hi = INFINITY, .help = "spot interruptions per running instance-hour (2 min notice)"},
    {.name = "reserved_term", .kind = SC_PARAM_DURATION, .def = "365d", .lo = 1, .hi = INFINITY,
     .flags = SC_PARAM_TEXT_ONLY, .help = "reserved commitment, billed pro rata in the run"},
    {.name = "api_rate_per_sec", .kind = SC_PARAM_INTEGER, .def = "0", .lo = 0,
     .hi = 2147483647.0, .help = "API calls per second, token bucket with 10 s burst (0 = none)"},
    {.name = "types", .kind = SC_PARAM_OBJECT,
     .help = "per instance type: prices per option and capacity_limit (stock-out)"},
};
