/*
 * test_live_store.c - the store's append path that keeps handles open (sc_tsdb_appender,
 * core/tsdb/tsdb.c), live mode's observation writer since issue 12.
 *
 * Reference: sc_tsdb_append, the store's one-call path.  The same samples appended in
 * the same blocks through both read back the same (samples, unit, step, place kind,
 * missing count; the files' bytes differ in HDF5's own space allocation); two identical
 * appender runs give byte-identical files (deterministic); the appender keeps
 * the rules of sc_tsdb_append: t strictly increasing within a block, across blocks and
 * after what the store held (a reopened store); a unit that differs from the stored one
 * is refused when the appender is opened; names are checked.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/sculpt.h"
#include "sculpt/tsdb.h"

static char dir[256];

static void setup(void)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    snprintf(dir, sizeof dir, "/tmp/sculpt-live-store-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(live_store, .init = setup, .fini = teardown);

#define NS 3
#define N 100
#define BLOCK 12

static sc_time_ms T[N];
static double V[NS][N];

static void fill(void)
{
    for (int i = 0; i < N; i++) {
        T[i] = 1767571200000LL + (sc_time_ms)i * 300000;
        for (int s = 0; s < NS; s++)
            V[s][i] = i % 17 == 5 ? NAN : 100.0 * s + sin(i * 0.1) * 10.0 + i;
    }
}

static const char *const places[NS] = {"g", "h", "k"};

/* Write the samples through either path, blocks of BLOCK, series interleaved. */
static void write_store(const char *path, int appender)
{
    sc_tsdb *db;
    sc_error err;
    cr_assert_eq(sc_tsdb_open(path, SC_TSDB_CREATE, &db, &err), SC_OK, "%s", err.msg);
    sc_tsdb_appender *ap[NS] = {NULL};
    for (int k0 = 0; k0 < N; k0 += BLOCK) {
        size_t n = N - k0 < BLOCK ? (size_t)(N - k0) : BLOCK;
        for (int s = 0; s < NS; s++) {
            sc_series_key key = {"web", places[s], "observed_load"};
            if (appender) {
                if (!ap[s])
                    cr_assert_eq(sc_tsdb_appender_open(db, &key, "req/s", 300000, "geo", &ap[s],
                                                       &err),
                                 SC_OK, "%s", err.msg);
                cr_assert_eq(sc_tsdb_appender_add(ap[s], T + k0, V[s] + k0, n, &err), SC_OK,
                             "%s", err.msg);
            } else {
                cr_assert_eq(sc_tsdb_append(db, &key, "req/s", 300000, "geo", T + k0, V[s] + k0,
                                            n, &err),
                             SC_OK, "%s", err.msg);
            }
        }
    }
    for (int s = 0; s < NS; s++)
        sc_tsdb_appender_close(ap[s]);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK, "%s", err.msg);
}

Test(live_store, appender_writes_what_append_writes)
{
    fill();
    char a[400], b[400], b2[400], cmd[1024];
    snprintf(a, sizeof a, "%s/append.h5", dir);
    snprintf(b, sizeof b, "%s/appender.h5", dir);
    snprintf(b2, sizeof b2, "%s/appender2.h5", dir);
    write_store(a, 0);
    write_store(b, 1);
    write_store(b2, 1);
    snprintf(cmd, sizeof cmd, "cmp -s '%s' '%s'", b, b2);
    cr_assert_eq(system(cmd), 0, "two identical appender runs differ in bytes");
    sc_tsdb *db, *ref;
    sc_error err;
    cr_assert_eq(sc_tsdb_open(b, SC_TSDB_READ, &db, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_tsdb_open(a, SC_TSDB_READ, &ref, &err), SC_OK, "%s", err.msg);
    sc_series_info ia[NS], ib[NS];
    for (int s = 0; s < NS; s++) {
        sc_series_key key = {"web", places[s], "observed_load"};
        cr_assert_eq(sc_tsdb_info(ref, &key, &ia[s], &err), SC_OK);
        cr_assert_eq(sc_tsdb_info(db, &key, &ib[s], &err), SC_OK);
        cr_assert_str_eq(ia[s].unit, ib[s].unit);
        cr_assert_str_eq(ia[s].place_kind, ib[s].place_kind);
        cr_assert_eq(ia[s].step_ms, ib[s].step_ms);
        cr_assert_eq(ia[s].n_missing, ib[s].n_missing);
    }
    sc_tsdb_close(ref, NULL);
    for (int s = 0; s < NS; s++) {
        sc_series_key key = {"web", places[s], "observed_load"};
        sc_time_ms *t;
        double *v;
        size_t n;
        cr_assert_eq(sc_tsdb_read(db, &key, SC_TIME_MIN, SC_TIME_MAX, &t, &v, &n, &err), SC_OK);
        cr_assert_eq(n, N);
        for (int i = 0; i < N; i++) {
            cr_assert_eq(t[i], T[i]);
            cr_assert(isnan(V[s][i]) ? isnan(v[i]) : v[i] == V[s][i], "series %d sample %d", s,
                      i);
        }
        free(t);
        free(v);
    }
    sc_tsdb_close(db, NULL);
}

Test(live_store, appender_keeps_the_store_rules)
{
    fill();
    char p[400];
    snprintf(p, sizeof p, "%s/s.h5", dir);
    sc_tsdb *db;
    sc_error err;
    cr_assert_eq(sc_tsdb_open(p, SC_TSDB_CREATE, &db, &err), SC_OK);
    sc_series_key key = {"web", "g", "observed_load"};
    sc_tsdb_appender *ap;
    cr_assert_eq(sc_tsdb_appender_open(db, &key, "req/s", 300000, "geo", &ap, &err), SC_OK);
    cr_assert_eq(sc_tsdb_appender_add(ap, T, V[0], 10, &err), SC_OK, "%s", err.msg);
    /* across calls: the next block must start after T[9] */
    cr_assert_eq(sc_tsdb_appender_add(ap, T + 9, V[0] + 9, 3, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "strictly increasing") && strstr(err.where, "web/g/observed_load"),
              "%s: %s", err.where, err.msg);
    /* within a block */
    sc_time_ms bad[2] = {T[20], T[19]};
    cr_assert_eq(sc_tsdb_appender_add(ap, bad, V[0], 2, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_tsdb_appender_add(ap, T + 10, V[0] + 10, 5, &err), SC_OK, "%s", err.msg);
    sc_tsdb_appender_close(ap);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
    /* a reopened store: after what it holds (15 samples), with the stored unit */
    cr_assert_eq(sc_tsdb_open(p, SC_TSDB_RDWR, &db, &err), SC_OK);
    cr_assert_eq(sc_tsdb_appender_open(db, &key, "ms", 300000, "geo", &ap, &err), SC_ERR_INPUT);
    cr_assert(strstr(err.msg, "unit"), "%s", err.msg);
    sc_series_key badkey = {"web", "g/x", "observed_load"};
    cr_assert_eq(sc_tsdb_appender_open(db, &badkey, "req/s", 300000, "geo", &ap, &err),
                 SC_ERR_INPUT);
    cr_assert_eq(sc_tsdb_appender_open(db, &key, "req/s", 300000, "geo", &ap, &err), SC_OK);
    cr_assert_eq(sc_tsdb_appender_add(ap, T + 14, V[0] + 14, 1, &err), SC_ERR_INPUT,
                 "T[14] is stored already");
    cr_assert_eq(sc_tsdb_appender_add(ap, T + 15, V[0] + 15, 5, &err), SC_OK, "%s", err.msg);
    sc_tsdb_appender_close(ap);
    sc_series_info info;
    cr_assert_eq(sc_tsdb_info(db, &key, &info, &err), SC_OK);
    cr_assert_eq(info.n, 20);
    cr_assert_eq(info.t_last, T[19]);
    cr_assert_eq(sc_tsdb_close(db, &err), SC_OK);
}
