/*
 * test_base.c - base module: status table, time arithmetic and parsing, RNG keys, and
 * that GSL's BLAS calls resolve to OpenBLAS.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dlfcn.h>
#include <string.h>

#include <gsl/gsl_cblas.h>

#include "sculpt/rng.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

Test(status, table_names_and_exit_codes)
{
    /* README.md documents: 0 ok, 1 runtime, 2 bad input, 3 I/O, 4 regression */
    cr_assert_eq(sc_status_exit_code(SC_OK), 0);
    cr_assert_eq(sc_status_exit_code(SC_ERR_NOMEM), 1);
    cr_assert_eq(sc_status_exit_code(SC_ERR_INPUT), 2);
    cr_assert_eq(sc_status_exit_code(SC_ERR_USAGE), 2);
    cr_assert_eq(sc_status_exit_code(SC_ERR_IO), 3);
    cr_assert_eq(sc_status_exit_code(SC_ERR_REGRESSION), 4);
    cr_assert_str_eq(sc_status_name(SC_ERR_INPUT), "ERR_INPUT");
    cr_assert_str_eq(sc_status_name((sc_status)999), "ERR_UNKNOWN");
    sc_error e;
    cr_assert_eq(sc_error_set(&e, SC_ERR_INPUT, "f.json: $.a", "expected %s", "x"), SC_ERR_INPUT);
    cr_assert_str_eq(e.where, "f.json: $.a");
    cr_assert_str_eq(e.msg, "expected x");
    cr_assert_eq(sc_error_set(NULL, SC_ERR_IO, NULL, "ignored"), SC_ERR_IO);
}

Test(time, saturating_arithmetic)
{
    cr_assert_eq(sc_time_add(SC_TIME_MAX - 5, 10), SC_TIME_MAX);
    cr_assert_eq(sc_time_add(SC_TIME_MIN + 5, -10), SC_TIME_MIN);
    cr_assert_eq(sc_time_add(1000, -250), 750);
    cr_assert_eq(sc_time_floor_div(-1, 1000), -1);
    cr_assert_eq(sc_time_floor_div(-1000, 1000), -1);
    cr_assert_eq(sc_time_floor_div(999, 1000), 0);
}

Test(time, parse_known_instants)
{
    sc_time_ms t;
    /* 2000-01-01T00:00:00Z is Unix time 946684800 (published epoch converters) */
    cr_assert_eq(sc_time_parse("2000-01-01T00:00:00Z", NULL, &t), SC_OK);
    cr_assert_eq(t, INT64_C(946684800000));
    cr_assert_eq(sc_time_parse("2000-01-01 01:30:00.250+01:30", NULL, &t), SC_OK);
    cr_assert_eq(t, INT64_C(946684800250));
    cr_assert_eq(sc_time_parse("946684800", NULL, &t), SC_OK);
    cr_assert_eq(t, INT64_C(946684800000));
    /* New York: 2024-07-01 12:00 EDT = 16:00Z; 2024-01-15 12:00 EST = 17:00Z */
    cr_assert_eq(sc_time_parse("2024-07-01 12:00", "America/New_York", &t), SC_OK);
    cr_assert_eq(t, INT64_C(1719849600000));
    cr_assert_eq(sc_time_parse("2024-01-15 12:00", "America/New_York", &t), SC_OK);
    cr_assert_eq(t, INT64_C(1705338000000));
    cr_assert_eq(sc_time_parse("2021-02-30", NULL, &t), SC_ERR_RANGE);
    cr_assert_eq(sc_time_parse("yesterday", NULL, &t), SC_ERR_INPUT);
    cr_assert_eq(sc_time_parse("2024-01-01", "Mars/Olympus_Mons", &t), SC_ERR_NOTFOUND);
    char buf[32];
    cr_assert_str_eq(sc_time_format(INT64_C(946684800000), buf, sizeof buf),
                     "2000-01-01T00:00:00Z");
    cr_assert_str_eq(sc_time_format(-1000, buf, sizeof buf), "1969-12-31T23:59:59Z");
}

Test(time, durations)
{
    int64_t ms;
    cr_assert_eq(sc_duration_parse("5m", &ms), SC_OK);
    cr_assert_eq(ms, 300000);
    cr_assert_eq(sc_duration_parse("1.5h", &ms), SC_OK);
    cr_assert_eq(ms, 5400000);
    cr_assert_eq(sc_duration_parse("2w", &ms), SC_OK);
    cr_assert_eq(ms, INT64_C(1209600000));
    cr_assert_eq(sc_duration_parse("250ms", &ms), SC_OK);
    cr_assert_eq(ms, 250);
    cr_assert_eq(sc_duration_parse("-1s", &ms), SC_ERR_INPUT);
    cr_assert_eq(sc_duration_parse("3 parsecs", &ms), SC_ERR_INPUT);
}

Test(rng, splitmix64_reference)
{
    /* SplitMix64 (Steele, Lea & Flood 2014) from state 0: first output 0xe220a8397b1dcdaf,
     * second 0x6e789e6aa1b965f4 (the reference values quoted with Vigna's C code). */
    cr_assert_eq(sc_rng_mix64(0), UINT64_C(0xe220a8397b1dcdaf));
    cr_assert_eq(sc_rng_mix64(UINT64_C(0x9e3779b97f4a7c15)), UINT64_C(0x6e789e6aa1b965f4));
}

Test(rng, keys_are_per_entity)
{
    uint64_t k1 = sc_rng_key(42, SC_RNG_BOOT, 1, 2, 3);
    cr_assert_eq(k1, sc_rng_key(42, SC_RNG_BOOT, 1, 2, 3));
    cr_assert_neq(k1, sc_rng_key(42, SC_RNG_SPOT, 1, 2, 3));
    cr_assert_neq(k1, sc_rng_key(43, SC_RNG_BOOT, 1, 2, 3));
    cr_assert_neq(k1, sc_rng_key(42, SC_RNG_BOOT, 1, 2, 4));
    double sum = 0.0;
    for (uint64_t i = 0; i < 100000; i++) {
        double u = sc_rng_u01(sc_rng_key(7, SC_RNG_BOOT, 0, 0, i));
        cr_assert(u > 0.0 && u < 1.0);
        sum += u;
    }
    /* mean of 1e5 uniforms: 0.5 +- 4 standard errors (sd 0.2887/sqrt(1e5) = 0.000913) */
    cr_assert_float_eq(sum / 100000.0, 0.5, 4 * 0.000913);
}

Test(blas, gsl_uses_openblas)
{
    /* GSL is linked against OpenBLAS's CBLAS: the cblas symbols resolve there. */
    Dl_info info;
    cr_assert_neq(dladdr((void *)cblas_ddot, &info), 0);
    cr_assert_not_null(strstr(info.dli_fname, "openblas"), "cblas_ddot comes from %s",
                       info.dli_fname);
}
