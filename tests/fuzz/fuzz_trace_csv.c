/*
 * fuzz_trace_csv.c - fuzz harness of the in-memory CSV/NAB trace reader
 * (sc_trace_read_csv, traces/src/import.h) and of sc_resample on what it read.
 *
 * The input is the CSV file itself, written to a file in the harness's private temp
 * directory (sc_trace_read_csv reads a path).  The reader options are chosen by an
 * FNV-1a hash of the input, so every input always runs with the same options (replay
 * is deterministic) while mutations reach every combination: CSV or NAB; time column
 * "" / "0" / "timestamp"; value column "" / "1" / "value" / "2"; time zone UTC,
 * "+05:30", America/New_York or Europe/Berlin; scale 1, 0.001 or -2.
 *
 * After a successful read the harness checks the reader's promises (n > 0, strictly
 * increasing t) and resamples to 1 ms, 1 min, 1 h or 1 d with the MAX, MEAN or SUM rule.
 * A resampling that would give between 1e6 and SC_RESAMPLE_MAX_BINS bins is skipped
 * (a legitimately large allocation, not a bug); beyond the limit sc_resample must
 * answer SC_ERR_RANGE without allocating, so that case is run.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#define SC_FUZZ_NEEDS_TMPDIR
#include <math.h>
#include <stdio.h>

#include "fuzz.h"
#include "import.h"

static uint32_t fnv1a(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const time_cols[] = {"", "0", "timestamp"};
    static const char *const value_cols[] = {"", "1", "value", "2"};
    static const char *const zones[] = {"", "+05:30", "America/New_York", "Europe/Berlin"};
    static const double scales[] = {1.0, 0.001, -2.0};
    static const int64_t steps[] = {1, 60000, 3600000, 86400000};
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char path[256];
    if (sc_fuzz_write_file("trace.csv", data, size, path, sizeof path) != 0)
        return 0;
    uint32_t h = fnv1a(data, size);
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    opt.format = (h & 1) ? SC_TRACE_FMT_NAB : SC_TRACE_FMT_CSV;
    snprintf(opt.time_col, sizeof opt.time_col, "%s", time_cols[(h >> 1) % 3]);
    snprintf(opt.value_col, sizeof opt.value_col, "%s", value_cols[(h >> 3) % 4]);
    snprintf(opt.tz, sizeof opt.tz, "%s", zones[(h >> 5) % 4]);
    opt.scale = scales[(h >> 7) % 3];

    sc_time_ms *t = NULL;
    double *v = NULL;
    size_t n = 0;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_trace_read_csv(path, &opt, &t, &v, &n, &err);
    remove(path);
    if (st != SC_OK) {
        if (t || v || n || err.status == SC_OK)
            abort(); /* contract: nothing handed over, and err says why */
        return 0;
    }
    if (n == 0 || !t || !v)
        abort();
    for (size_t i = 1; i < n; i++)
        if (t[i] <= t[i - 1])
            abort();

    int64_t step = steps[(h >> 9) % 4];
    sc_resample_rule rule = (sc_resample_rule)((h >> 11) % 3);
    double bins = ((double)t[n - 1] - (double)t[0]) / (double)step;
    if (bins < 1e6 || bins > 2.0 * SC_RESAMPLE_MAX_BINS) {
        sc_time_ms *rt = NULL;
        double *rv = NULL;
        size_t rn = 0;
        st = sc_resample(t, v, n, 0, step, rule, &rt, &rv, &rn, &err);
        if (st == SC_OK) {
            if (rn == 0 || rt[0] > t[0] || sc_time_add(rt[rn - 1], step) <= t[n - 1])
                abort(); /* the bins must cover the first and the last sample */
        } else if (rt || rv || rn) {
            abort();
        }
        free(rt);
        free(rv);
    }
    free(t);
    free(v);
    return 0;
}
