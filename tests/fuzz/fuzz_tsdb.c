/*
 * fuzz_tsdb.c - fuzz harness of the time-series store reader (sc_tsdb_open in read
 * mode, sc_tsdb_list, sc_tsdb_read, core/include/sculpt/tsdb.h) on arbitrary bytes.
 *
 * The input is written to a file in the harness's private temp directory (removed after
 * each input) and opened as a store.  A file that opens is listed, and every listed
 * series is read in full and in a window around its middle; a read that fails must
 * fail with a status and err filled, never a crash.  The HDF5 library itself parses the
 * file's structure: a crash inside libhdf5 on a corrupt file is a finding against the
 * installed HDF5 (1.10 serial), reported with its stack in tests/fuzz/README.md.
 *
 * Good seeds are small valid stores (the .h5 files in tests/fuzz/corpus/tsdb/, made by
 * sculpt trace import); the mutator then flips bytes of real HDF5 structures.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#define SC_FUZZ_NEEDS_TMPDIR
#include <stdio.h>

#include "fuzz.h"
#include "sculpt/tsdb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char path[256];
    if (sc_fuzz_write_file("store.h5", data, size, path, sizeof path) != 0)
        return 0;
    sc_tsdb *db = NULL;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_tsdb_open(path, SC_TSDB_READ, &db, &err);
    if (st != SC_OK) {
        if (db || err.status == SC_OK)
            abort();
        remove(path);
        return 0;
    }
    sc_series_info *info = NULL;
    size_t n_info = 0;
    if (sc_tsdb_list(db, &info, &n_info, &err) == SC_OK) {
        for (size_t i = 0; i < n_info; i++) {
            sc_series_key key = {info[i].app, info[i].place, info[i].metric};
            sc_time_ms *t = NULL;
            double *v = NULL;
            size_t n = 0;
            if (sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, &err) == SC_OK) {
                free(t);
                free(v);
                t = NULL;
                v = NULL;
                /* a window from the middle of the listed range */
                sc_time_ms mid = info[i].t_first / 2 + info[i].t_last / 2;
                if (sc_tsdb_read(db, &key, mid, SC_TIME_MAX, &t, &v, &n, &err) == SC_OK) {
                    free(t);
                    free(v);
                }
            }
            sc_series_info one;
            (void)sc_tsdb_info(db, &key, &one, &err);
        }
        free(info);
    }
    sc_tsdb_close(db, NULL);
    remove(path);
    return 0;
}
