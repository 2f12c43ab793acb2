/*
 * test_results_spool.c - the decision log spooled to a temporary file (sim/results.h,
 * sc_log_spool; issue 13): a results file written from a spool must hold the same
 * bytes as one written from the log held in memory (the writer's older path, the
 * reference), for row counts around the chunk (1,024 rows) and the copy block (16,384
 * rows); the rows read back with the HDF5 C API equal the values the test generated;
 * the spool never has a name in the output's directory; an output directory that does
 * not exist is refused when the spool is opened.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>

#include <dirent.h>
#include <hdf5.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "sculpt/simulator.h"
#include "tu_common.h"

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"

static char dir[256];

static void mk(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-spool-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(results_spool, .init = mk, .fini = rm);

/* Entry i: every column a different function of i, negatives included. */
static sc_action_log entry(size_t i)
{
    sc_action_log l = {.t = 1700000000000LL + (int64_t)i * 15000,
                       .app = (int)(i % 7),
                       .region = (int)(i % 5),
                       .type = (int)(i % 3) - 1,
                       .kind = (int)(i % 4),
                       .option = (int)(i % 3),
                       .count = (int)(i * 2654435761u % 1000) - 500,
                       .accepted = (int)(i % 11 == 0 ? 0 : i % 13)};
    return l;
}

static size_t entries_in_dir(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    size_t n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0;
    closedir(d);
    return n;
}


/* Write n log rows both ways and compare the files; read the spooled one back. */
static void same_bytes(const sc_world *w, size_t n)
{
    sc_error err;
    sc_error_clear(&err);
    sc_action_log *log = malloc((n ? n : 1) * sizeof *log);
    for (size_t i = 0; i < n; i++)
        log[i] = entry(i);
    sc_run a, b;
    memset(&a, 0, sizeof a);
    snprintf(a.sum.policy, sizeof a.sum.policy, "reactive");
    snprintf(a.sum.label, sizeof a.sum.label, "reactive");
    b = a;
    a.log = log;
    a.n_log = a.cap_log = n;
    b.n_log_streamed = n;

    char mem_path[512], spool_path[512];
    snprintf(mem_path, sizeof mem_path, "%s/mem.h5", dir);
    snprintf(spool_path, sizeof spool_path, "%s/spool.h5", dir);
    sc_run *ra[1] = {&a}, *rb[1] = {&b};
    cr_assert_eq(sc_results_write(mem_path, w, ra, 1, &err), SC_OK, "%s", err.msg);

    size_t before = entries_in_dir();
    sc_log_spool *s = NULL;
    cr_assert_eq(sc_log_spool_open(spool_path, &s, &err), SC_OK, "%s", err.msg);
    /* handed over in uneven batches, as steps do */
    for (size_t i = 0, k = 1; i < n; k = k * 3 % 1000 + 1) {
        size_t m = n - i < k ? n - i : k;
        cr_assert_eq(sc_log_spool_sink(s, log + i, m), 0);
        i += m;
    }
    cr_assert_eq(entries_in_dir(), before, "the spool has a name in the output directory");
    sc_log_spool *logs[1] = {s};
    cr_assert_eq(sc_results_write_spooled(spool_path, w, rb, logs, 1, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(sc_log_spool_check(s, &err), SC_OK);
    sc_log_spool_free(s);
    cr_assert_eq(entries_in_dir(), before + 1);

    size_t la, lb;
    char *fa = tu_file_read(mem_path, &la), *fb = tu_file_read(spool_path, &lb);
    cr_assert_eq(la, lb, "n = %zu: %zu bytes from memory, %zu from the spool", n, la, lb);
    cr_assert(memcmp(fa, fb, la) == 0, "n = %zu: the files differ", n);
    free(fa);
    free(fb);

    /* the rows themselves, read back through the C API */
    hid_t f = H5Fopen(spool_path, H5F_ACC_RDONLY, H5P_DEFAULT);
    cr_assert(f >= 0);
    hid_t d = H5Dopen2(f, "/runs/reactive/actions", H5P_DEFAULT);
    cr_assert(d >= 0);
    hid_t sp = H5Dget_space(d);
    hsize_t dims[2] = {0, 0};
    cr_assert_eq(H5Sget_simple_extent_dims(sp, dims, NULL), 2);
    cr_assert_eq(dims[0], n);
    cr_assert_eq(dims[1], 8);
    int64_t *rows = malloc((n ? n : 1) * 8 * sizeof *rows);
    if (n)
        cr_assert(H5Dread(d, H5T_NATIVE_INT64, H5S_ALL, H5S_ALL, H5P_DEFAULT, rows) >= 0);
    for (size_t i = 0; i < n; i++) {
        sc_action_log l = entry(i);
        int64_t want[8] = {l.t, l.app, l.region, l.type, l.kind, l.option, l.count, l.accepted};
        for (int c = 0; c < 8; c++)
            cr_assert_eq(rows[i * 8 + c], want[c], "n = %zu, row %zu, column %d", n, i, c);
    }
    free(rows);
    H5Sclose(sp);
    H5Dclose(d);
    H5Fclose(f);
    unlink(mem_path);
    unlink(spool_path);
    free(log);
}

Test(results_spool, same_bytes_as_the_log_in_memory)
{
    sc_error err;
    sc_error_clear(&err);
    sc_scenario *sc;
    sc_world *w;
    tu_load_world(UNIT, &sc, &w);
    /* 0 (an empty, contiguous dataset), 1, a chunk and either side of it, a block
     * (16,384 rows) and either side, and several blocks with a partial last chunk */
    static const size_t ns[] = {0, 1, 1023, 1024, 1025, 16383, 16384, 16385, 70001};
    for (size_t k = 0; k < sizeof ns / sizeof ns[0]; k++)
        same_bytes(w, ns[k]);
    sc_world_free(w);
    sc_scenario_free(sc);
}

Test(results_spool, missing_directory_refused_at_open)
{
    sc_error err;
    sc_error_clear(&err);
    char out[512];
    snprintf(out, sizeof out, "%s/no/such/dir/out.h5", dir);
    sc_log_spool *s = (sc_log_spool *)1;
    cr_assert_eq(sc_log_spool_open(out, &s, &err), SC_ERR_IO);
    cr_assert_null(s);
    cr_assert_not_null(strstr(err.where, "out.h5"), "%s", err.where);
    cr_assert_not_null(strstr(err.msg, "No such file"), "%s", err.msg);
    cr_assert_eq(entries_in_dir(), 0);
}

Test(results_spool, count_mismatch_is_an_error)
{
    /* a spool holding fewer rows than the run says it streamed is not written */
    sc_error err;
    sc_error_clear(&err);
    sc_scenario *sc;
    sc_world *w;
    tu_load_world(UNIT, &sc, &w);
    sc_run r;
    memset(&r, 0, sizeof r);
    snprintf(r.sum.label, sizeof r.sum.label, "x");
    r.n_log_streamed = 3;
    char out[512];
    snprintf(out, sizeof out, "%s/out.h5", dir);
    sc_log_spool *s = NULL;
    cr_assert_eq(sc_log_spool_open(out, &s, &err), SC_OK, "%s", err.msg);
    sc_action_log two[2] = {entry(0), entry(1)};
    cr_assert_eq(sc_log_spool_sink(s, two, 2), 0);
    sc_run *rs[1] = {&r};
    sc_log_spool *logs[1] = {s};
    cr_assert_eq(sc_results_write_spooled(out, w, rs, logs, 1, &err), SC_ERR_IO);
    sc_log_spool_free(s);
    cr_assert_eq(entries_in_dir(), 0, "a failed write left a file");
    sc_world_free(w);
    sc_scenario_free(sc);
}
