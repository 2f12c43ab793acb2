/*
 * test_h5py.c - the store's layout seen from outside: write a store with libsculpt, then
 * let h5py (an independent HDF5 reader, tests/h5py_check.py) check attributes, dtypes,
 * chunking, filters and the values, which the script recomputes from their definition.
 */
#define _POSIX_C_SOURCE 200809L
#include <criterion/criterion.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "sculpt/tsdb.h"

Test(h5py, store_layout_and_values)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
        cr_skip_test("/usr/bin/python3 with h5py not available");
    char path[512];
    snprintf(path, sizeof path, "%s/test_h5py_%ld.h5", SC_BINARY_DIR, (long)getpid());
    sc_tsdb *db = NULL;
    sc_error err;
    sc_error_clear(&err);
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err), SC_OK, "%s", err.msg);

    /* must match tests/h5py_check.py: t = 1.7e12 + 300000 k, v = k / 4, NaN at k%97 == 5 */
    static sc_time_ms t[5000];
    static double v[5000];
    for (int k = 0; k < 5000; k++) {
        t[k] = 1700000000000LL + 300000LL * k;
        v[k] = (k % 97 == 5) ? NAN : k / 4.0;
    }
    sc_series_key k1 = {"shop", "us-east-1", "cpu"};
    cr_assert_eq(sc_tsdb_append(db, &k1, "vCPU", 300000, "region", t, v, 3000, &err), SC_OK);
    cr_assert_eq(sc_tsdb_append(db, &k1, "vCPU", 300000, "region", t + 3000, v + 3000, 2000,
                                &err),
                 SC_OK);
    sc_series_key k2 = {"shop", "eu", "requests"};
    const sc_time_ms t2[3] = {1, 5, 100};
    const double v2[3] = {1.5, -2.0, 1e300};
    cr_assert_eq(sc_tsdb_append(db, &k2, "", 0, "geo", t2, v2, 3, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);

    char cmd[2048];
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/h5py_check.py' '%s'", SC_SOURCE_DIR,
             path);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc), "h5py_check did not exit normally");
    cr_assert_eq(WEXITSTATUS(rc), 0, "h5py_check reported failures (see output)");
    unlink(path);
}

/* A `sculpt run` results file seen from h5py: the run groups carry exactly the summary
 * attributes sim/results.h documents, with their types (tests/h5py_check.py --results
 * lists them by hand), and the documented identities between them hold. */
Test(h5py, results_file_attributes)
{
    if (access("/usr/bin/python3", X_OK) != 0 ||
        system("/usr/bin/python3 -c 'import h5py' >/dev/null 2>&1") != 0)
        cr_skip_test("/usr/bin/python3 with h5py not available");
    char path[512], cmd[2048];
    snprintf(path, sizeof path, "%s/test_h5py_results_%ld.h5", SC_BINARY_DIR, (long)getpid());
    snprintf(cmd, sizeof cmd, "'%s' run '%s/tests/fixtures/sim/unit.json' -o '%s' >/dev/null",
             SC_SCULPT_BIN, SC_SOURCE_DIR, path);
    cr_assert_eq(system(cmd), 0, "sculpt run failed");
    snprintf(cmd, sizeof cmd, "/usr/bin/python3 '%s/tests/h5py_check.py' --results '%s'",
             SC_SOURCE_DIR, path);
    int rc = system(cmd);
    cr_assert(WIFEXITED(rc), "h5py_check did not exit normally");
    cr_assert_eq(WEXITSTATUS(rc), 0, "h5py_check reported failures (see output)");
    unlink(path);
}
