/*
 * fuzz_m4.c - fuzz harness of the M4 reader of `sculpt forecast --eval`
 * (sc_m4_set_read, forecast.h): a header row, then "id",v1,v2,... per series, read with
 * the one CSV reader.
 *
 * The input is written to a file in the harness's private directory and read from
 * there (the reader takes a path), then removed.
 *
 * Expected: SC_OK and a set whose every series has an id and as many values as its
 * length says (sc_m4_set_cleanup frees it), or an error with err filled; never a crash
 * or a leak.
 */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#define SC_FUZZ_NEEDS_TMPDIR
#include "fuzz.h"
#include "sculpt/forecast.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > SC_FUZZ_MAX_INPUT)
        return 0;
    char path[256];
    if (sc_fuzz_write_file("m4.csv", data, size, path, sizeof path) != 0)
        return 0;
    sc_m4_set set;
    sc_error err;
    sc_error_clear(&err);
    sc_status st = sc_m4_set_read(path, &set, &err);
    if (st == SC_OK) {
        for (size_t i = 0; i < set.count; i++) {
            if (!set.ids[i] || (set.n[i] > 0 && !set.y[i]))
                abort();
            volatile double sum = 0; /* touch every value: ASan checks the extent */
            for (size_t j = 0; j < set.n[i]; j++)
                sum += set.y[i][j];
            (void)sum;
        }
    } else if (err.status == SC_OK) {
        abort();
    }
    sc_m4_set_cleanup(&set);
    remove(path);
    return 0;
}
