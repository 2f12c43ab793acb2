/*
 * fuzz_trace_import.c - fuzz harness of the trace importer (sc_trace_import,
 * traces/src/import.h): CSV with one or many value columns, NAB, and M4 rows, written
 * into a fresh time-series store.
 *
 * The input is the trace file, written to the harness's private temp directory next to
 * a new store (both removed after each input).  The options come from an FNV-1a hash of
 * the input, so replay is deterministic while mutations reach every combination:
 *   - CSV with value column "" (column 1) or "*" (every column a series named by its
 *     header), NAB, or M4;
 *   - M4: row id as app or as place, m4_continue on or off, all ids or only "H1,V1",
 *     native hourly step or resampled to 1 day (MAX, MEAN or SUM).
 * CSV/NAB are imported at their native sampling: resampling arbitrary timestamps is
 * fuzz_trace_csv's job, where huge-but-legal bin counts are filtered out.
 *
 * After a successful import every listed series is read back: its sample count must
 * match the listing and its timestamps must increase strictly.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#define SC_FUZZ_NEEDS_TMPDIR
#include <stdio.h>

#include "fuzz.h"
#include "import.h"
#include "sculpt/tsdb.h"

static uint32_t fnv1a(const uint8_t *data, size_t size)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < size; i++)
        h = (h ^ data[i]) * 16777619u;
    return h;
}

/* Read back every series of the store and check it against the listing. */
static void check_store(sc_tsdb *db)
{
    sc_series_info *info = NULL;
    size_t n_info = 0;
    sc_error err;
    sc_error_clear(&err);
    if (sc_tsdb_list(db, &info, &n_info, &err) != SC_OK)
        abort(); /* a store we just wrote must list */
    for (size_t i = 0; i < n_info; i++) {
        sc_series_key key = {info[i].app, info[i].place, info[i].metric};
        sc_time_ms *t = NULL;
        double *v = NULL;
        size_t n = 0;
        if (sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, &err) != SC_OK ||
            n != info[i].n)
            abort();
        for (size_t k = 1; k < n; k++)
            if (t[k] <= t[k - 1])
                abort();
        free(t);
        free(v);
    }
    free(info);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char path[256], store[256];
    if (sc_fuzz_write_file("trace.csv", data, size, path, sizeof path) != 0)
        return 0;
    snprintf(store, sizeof store, "%s/store.h5", sc_fuzz_dir());
    uint32_t h = fnv1a(data, size);
    sc_import_opts opt;
    sc_import_opts_init(&opt);
    switch (h % 4) {
    case 0:
        opt.format = SC_TRACE_FMT_CSV;
        break;
    case 1:
        opt.format = SC_TRACE_FMT_CSV;
        snprintf(opt.value_col, sizeof opt.value_col, "*");
        break;
    case 2:
        opt.format = SC_TRACE_FMT_NAB;
        break;
    default:
        opt.format = SC_TRACE_FMT_M4;
        opt.m4_id_as_place = (h >> 2) & 1;
        opt.m4_continue = (h >> 3) & 1;
        if ((h >> 4) & 1)
            snprintf(opt.m4_ids, sizeof opt.m4_ids, "H1,V1");
        if ((h >> 5) & 1) {
            opt.step_ms = SC_MS_PER_DAY;
            opt.resample = (sc_resample_rule)((h >> 6) % 3);
        }
        break;
    }

    sc_tsdb *db = NULL;
    sc_error err;
    sc_error_clear(&err);
    if (sc_tsdb_open(store, SC_TSDB_CREATE, &db, &err) != SC_OK) {
        remove(path);
        return 0;
    }
    size_t n_series = 0;
    sc_status st = sc_trace_import(db, path, &opt, &n_series, &err);
    if (st == SC_OK) {
        if (n_series == 0)
            abort();
        check_store(db);
    } else if (err.status == SC_OK) {
        abort(); /* an error must say why */
    }
    sc_tsdb_close(db, NULL);
    remove(path);
    remove(store);
    return 0;
}
