/*
 * tu_common.h - small helpers that several test programs wrote each for themselves:
 * a whole file read into memory, a fixture scenario parsed with one substring
 * replaced, and a scenario loaded with its world built.  Header-only (static inline:
 * a test that uses part of it compiles warning-free); include it after
 * <criterion/criterion.h>.  Every helper asserts on failure, so a test reads as its
 * expectations only.
 *
 * Users: test_results_schema.c, test_results_spool.c, test_tsdb.c (files and worlds),
 * test_mtbf.c, test_route.c (edited fixtures), test_untrusted_h5.c; test_sculpt_guard.c,
 * test_sculpt_objective.c, test_sculpt_stockout.c (flat CSV traces).
 */
#ifndef SC_TESTS_TU_COMMON_H
#define SC_TESTS_TU_COMMON_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "sculpt/scenario.h"
#include "sculpt/time.h"
#include "sim.h"

/* The whole file at path, NUL-terminated, malloc'd (the caller frees); *n its length
 * in bytes (n may be NULL). */
static inline char *tu_file_read(const char *path, size_t *n)
{
    FILE *fp = fopen(path, "rb");
    cr_assert_not_null(fp, "cannot open %s", path);
    fseek(fp, 0, SEEK_END);
    long len = ftell(fp);
    fseek(fp, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    cr_assert_not_null(b);
    cr_assert_eq(fread(b, 1, (size_t)len, fp), (size_t)len);
    fclose(fp);
    b[len] = '\0';
    if (n)
        *n = (size_t)len;
    return b;
}

/* The scenario at `fixture` with its first `from` replaced by `to`, parsed as if it were
 * the fixture (relative paths resolve beside it).  The fixture must contain `from`. */
static inline sc_status tu_parse_edited(const char *fixture, const char *from, const char *to,
                                        sc_scenario **out, sc_error *err)
{
    char *text = tu_file_read(fixture, NULL);
    char *at = strstr(text, from);
    cr_assert(at, "%s has no '%s'", fixture, from);
    size_t len = strlen(text) - strlen(from) + strlen(to) + 1;
    char *buf = malloc(len);
    cr_assert_not_null(buf);
    snprintf(buf, len, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
    sc_status st = sc_scenario_parse(buf, fixture, out, err);
    free(buf);
    free(text);
    return st;
}

/* Load the scenario at path and build its world (both asserted). */
static inline void tu_load_world(const char *path, sc_scenario **sc, sc_world **w)
{
    sc_error err;
    sc_error_clear(&err);
    *sc = NULL;
    *w = NULL;
    cr_assert_eq(sc_scenario_load(path, sc, &err), SC_OK, "%s: %s", err.where, err.msg);
    cr_assert_eq(sc_world_build(*sc, w, &err), SC_OK, "%s: %s", err.where, err.msg);
}

/* A flat NAB-layout CSV at path ("timestamp,value", a row every 5 minutes from
 * 2026-01-05 00:00 for `days` days, both ends included, every value the text `value`),
 * written to path.PID and renamed into place so that parallel test programs never read
 * half a file. */
static inline void tu_write_flat_csv(const char *path, int days, const char *value)
{
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    cr_assert(f != NULL);
    fprintf(f, "timestamp,value\n");
    sc_time_ms t0;
    cr_assert_eq(sc_time_parse("2026-01-05T00:00:00Z", NULL, &t0), SC_OK);
    for (int64_t m = 0; m <= (int64_t)days * 1440; m += 5) {
        char buf[64];
        sc_time_format(t0 + m * SC_MS_PER_MIN, buf, sizeof buf);
        buf[10] = ' ';
        buf[19] = '\0';
        fprintf(f, "%s,%s\n", buf, value);
    }
    cr_assert_eq(fclose(f), 0);
    cr_assert_eq(rename(tmp, path), 0);
}

#endif
