/*
 * test_results_spool_segment.c - segments of one spool file (sim/results.h,
 * sc_log_spool_segment; issue 13, sweeps): several runs' decision logs written one after
 * the other into one temporary file must give a results file with the same bytes as the
 * logs held in memory (the writer's older path, the reference), whatever the sizes
 * around the chunk (1,024 rows) and the copy block (16,384 rows), an empty log included;
 * a segment written after another segment of the same file has started (so its rows
 * would not be contiguous) fails instead of writing wrong rows.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "results.h"
#include "sculpt/simulator.h"

#define UNIT SC_SOURCE_DIR "/tests/fixtures/sim/unit.json"

static char dir[256];

static void mk(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-segment-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void rm(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(spool_segment, .init = mk, .fini = rm);

/* Entry i of run r: every column a different function of (r, i), negatives included. */
static sc_action_log entry(size_t r, size_t i)
{
    size_t j = i + 100003 * r;
    sc_action_log l = {.t = 1700000000000LL + (int64_t)j * 15000,
                       .app = (int)(j % 7),
                       .region = (int)(j % 5),
                       .type = (int)(j % 3) - 1,
                       .kind = (int)(j % 4),
                       .option = (int)(j % 3),
                       .count = (int)(j * 2654435761u % 1000) - 500,
                       .accepted = (int)(j % 11 == 0 ? 0 : j % 13)};
    return l;
}

static char *slurp(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "%s", path);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    cr_assert_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    *n = (size_t)len;
    return b;
}

#define N_RUNS 4

Test(spool_segment, same_bytes_as_the_logs_in_memory)
{
    static const size_t sizes[N_RUNS] = {1025, 0, 16385, 3};
    sc_error err;
    sc_error_clear(&err);
    sc_scenario *sc = NULL;
    sc_world *w = NULL;
    cr_assert_eq(sc_scenario_load(UNIT, &sc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    sc_run mem[N_RUNS], spooled[N_RUNS];
    sc_run *rm_[N_RUNS], *rs[N_RUNS];
    sc_action_log *logs[N_RUNS];
    char mem_path[512], spool_path[512];
    snprintf(mem_path, sizeof mem_path, "%s/mem.h5", dir);
    snprintf(spool_path, sizeof spool_path, "%s/spool.h5", dir);
    sc_log_spool *file = NULL, *seg[N_RUNS];
    cr_assert_eq(sc_log_spool_open(spool_path, &file, &err), SC_OK, "%s", err.msg);
    for (size_t r = 0; r < N_RUNS; r++) {
        size_t n = sizes[r];
        logs[r] = malloc((n ? n : 1) * sizeof *logs[r]);
        for (size_t i = 0; i < n; i++)
            logs[r][i] = entry(r, i);
        memset(&mem[r], 0, sizeof mem[r]);
        snprintf(mem[r].sum.policy, sizeof mem[r].sum.policy, "reactive");
        snprintf(mem[r].sum.label, sizeof mem[r].sum.label, "run%zu", r);
        spooled[r] = mem[r];
        mem[r].log = logs[r];
        mem[r].n_log = mem[r].cap_log = n;
        spooled[r].n_log_streamed = n;
        rm_[r] = &mem[r];
        rs[r] = &spooled[r];
        /* one run after the other into the same file, in uneven batches */
        cr_assert_eq(sc_log_spool_segment(file, &seg[r], &err), SC_OK, "%s", err.msg);
        for (size_t i = 0, k = 1; i < n; k = k * 3 % 1000 + 1) {
            size_t m = n - i < k ? n - i : k;
            cr_assert_eq(sc_log_spool_sink(seg[r], logs[r] + i, m), 0);
            i += m;
        }
        cr_assert_eq(sc_log_spool_check(seg[r], &err), SC_OK);
    }
    cr_assert_eq(sc_results_write(mem_path, w, rm_, N_RUNS, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_results_write_spooled(spool_path, w, rs, seg, N_RUNS, &err), SC_OK, "%s",
                 err.msg);
    size_t la, lb;
    char *fa = slurp(mem_path, &la), *fb = slurp(spool_path, &lb);
    cr_assert_eq(la, lb, "%zu bytes from memory, %zu from the segments", la, lb);
    cr_assert(memcmp(fa, fb, la) == 0, "the files differ");
    free(fa);
    free(fb);
    for (size_t r = 0; r < N_RUNS; r++) {
        sc_log_spool_free(seg[r]);
        free(logs[r]);
    }
    sc_log_spool_free(file);
    sc_world_free(w);
    sc_scenario_free(sc);
}

Test(spool_segment, interleaved_segments_fail)
{
    sc_error err;
    sc_error_clear(&err);
    char out[512];
    snprintf(out, sizeof out, "%s/out.h5", dir);
    sc_log_spool *file = NULL, *a = NULL, *b = NULL;
    cr_assert_eq(sc_log_spool_open(out, &file, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_log_spool_segment(file, &a, &err), SC_OK);
    sc_action_log l[2] = {entry(0, 0), entry(0, 1)};
    cr_assert_eq(sc_log_spool_sink(a, l, 2), 0);
    cr_assert_eq(sc_log_spool_segment(file, &b, &err), SC_OK);
    cr_assert_eq(sc_log_spool_sink(b, l, 1), 0);
    /* a's next rows would land after b's: refused, and reported */
    cr_assert_eq(sc_log_spool_sink(a, l, 1), -1);
    cr_assert_eq(sc_log_spool_check(a, &err), SC_ERR_IO);
    cr_assert_eq(sc_log_spool_check(b, &err), SC_OK);
    /* a segment of a segment is refused */
    sc_log_spool *c = (sc_log_spool *)1;
    cr_assert_eq(sc_log_spool_segment(a, &c, &err), SC_ERR_INTERNAL);
    cr_assert_null(c);
    sc_log_spool_free(a);
    sc_log_spool_free(b);
    sc_log_spool_free(file);
}
