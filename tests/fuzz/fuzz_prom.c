/*
 * fuzz_prom.c - fuzz harness of the Prometheus query_range answer parser
 * (sc_prom_parse_range, core/live/metricsint.h), which reads every answer of a
 * Prometheus server in live mode.
 *
 * The grid (start, step, length) comes from an FNV-1a hash of the input, so an input
 * always runs the same way and timestamps in the seeds (1435781430 s, 15 s) land on the
 * grid for some hashes.  Checks: on failure every output is NaN and err is filled; on
 * success at most one series, no sample counted without a series, and no more non-NaN
 * outputs than samples placed.
 */
#include <math.h>
#include <string.h>

#include "fuzz.h"
#include "../../core/live/metricsint.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    uint64_t h = 1469598103934665603ULL;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 1099511628211ULL;
    size_t n = 1 + (size_t)(h % 64);
    int64_t step = (h >> 8) & 1 ? 15000 : 1 + (int64_t)((h >> 9) % 100000);
    int64_t t0 = (h >> 30) & 1 ? INT64_C(1435781430000) : (int64_t)((h >> 31) % 4000000000000ULL);
    double out[64];
    sc_prom_range info;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_prom_parse_range((const char *)data, size, t0, step, n, out, &info,
                                       "fuzz", &err);
    if (st != SC_OK) {
        if (err.status == SC_OK || !err.msg[0])
            abort();
        for (size_t i = 0; i < n; i++)
            if (!isnan(out[i]))
                abort();
        return 0;
    }
    if (info.n_series > 1)
        abort();
    if (info.n_series == 0 && (info.n_placed || info.n_off_grid))
        abort();
    size_t finite_or_inf = 0;
    for (size_t i = 0; i < n; i++)
        if (!isnan(out[i]))
            finite_or_inf++;
    if (finite_or_inf > info.n_placed)
        abort();
    return 0;
}
