/*
 * test_wiv.c - the Workload Intensity Vector: peak-within-step aggregation (hand
 * computed), summary points, JSON and HDF5 round trips (HDF5 also read back by h5py, an
 * independent reader), and bad input.
 */
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/wiv.h"

#define HOUR 3600000LL

static sc_wiv *make_wiv(void)
{
    const char *apps[2] = {"web", "batch"};
    const char *geos[3] = {"eu", "us", "ap"};
    sc_wiv *w;
    sc_error err;
    cr_assert_eq(sc_wiv_alloc(apps, 2, geos, 3, 5, 1700000000000LL, 6 * HOUR, NULL, 0, &w,
                              &err),
                 SC_OK, "%s", err.msg);
    return w;
}

/* 14 hourly forecasts aggregated into 6-hour steps.  means 3 1 4 1 5 9 | 2 6 5 3 5 8 |
 * 9 7: step peaks 9, 8, 9 (the last step has only 2 data hours); steps 3 and 4 are
 * beyond the forecast and stay 0.  The quantiles of data hour i are mean + (k+1) *
 * d_i with d_i = i % 4, so per level the peak is the max over the step of mean_i + (k+1)
 * d_i: step 0 (i=0..5, d = 0 1 2 3 0 1): level 0.99 (k=3): max(3, 1+4, 4+8, 1+12, 5,
 * 9+4) = 13; level 0.5 (k=0): max(3, 2, 6, 4, 5, 10) = 10.  Step 2 (i=12,13, d = 0 1):
 * k=0: max(9, 8) = 9; k=3: max(9, 7+4) = 11. */
Test(wiv, peak_within_step)
{
    sc_wiv *w = make_wiv();
    double mean[14] = {3, 1, 4, 1, 5, 9, 2, 6, 5, 3, 5, 8, 9, 7}, quant[14 * 4];
    for (int i = 0; i < 14; i++)
        for (int k = 0; k < 4; k++)
            quant[i * 4 + k] = mean[i] + (k + 1) * (i % 4);
    sc_error err;
    size_t filled;
    cr_assert_eq(sc_wiv_set_cell(w, 1, 2, HOUR, mean, quant, 14, &filled, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_eq(filled, 3);
    const double *m = w->mean + (1 * 3 + 2) * 5;
    const double *q = w->quant + (1 * 3 + 2) * 5 * 4;
    cr_assert_eq(m[0], 9.0);
    cr_assert_eq(m[1], 8.0);
    cr_assert_eq(m[2], 9.0);
    cr_assert_eq(m[3], 0.0);
    cr_assert_eq(q[0 * 4 + 3], 13.0);
    cr_assert_eq(q[0 * 4 + 0], 10.0);
    cr_assert_eq(q[2 * 4 + 0], 9.0);
    cr_assert_eq(q[2 * 4 + 3], 11.0);
    /* default levels */
    cr_assert_eq(w->nq, 4);
    cr_assert_eq(w->q[0], 0.5);
    cr_assert_eq(w->q[3], 0.99);
    /* summary points: 1 h and 6 h lie in step 0, 24 h in step 3 (ceil(24/6) - 1) */
    double sm, sq[4];
    cr_assert_eq(sc_wiv_summary(w, 1, 2, HOUR, &sm, sq, &err), SC_OK);
    cr_assert_eq(sm, 9.0);
    cr_assert_eq(sq[3], 13.0);
    cr_assert_eq(sc_wiv_summary(w, 1, 2, 6 * HOUR, &sm, sq, &err), SC_OK);
    cr_assert_eq(sm, 9.0);
    cr_assert_eq(sc_wiv_summary(w, 1, 2, 6 * HOUR + 1, &sm, sq, &err), SC_OK);
    cr_assert_eq(sm, 8.0);
    cr_assert_eq(sc_wiv_summary(w, 1, 2, 24 * HOUR, &sm, sq, &err), SC_OK);
    cr_assert_eq(sm, 0.0);
    cr_assert_eq(sc_wiv_summary(w, 1, 2, 31 * HOUR, &sm, sq, &err), SC_ERR_RANGE);
    /* a data step that does not divide the WIV step, a non-finite value, a bad cell */
    cr_assert_eq(sc_wiv_set_cell(w, 0, 0, 4 * HOUR, mean, quant, 14, NULL, &err),
                 SC_ERR_RANGE);
    mean[3] = NAN;
    cr_assert_eq(sc_wiv_set_cell(w, 0, 0, HOUR, mean, quant, 14, NULL, &err), SC_ERR_INPUT);
    cr_assert_eq(sc_wiv_set_cell(w, 2, 0, HOUR, mean, quant, 14, NULL, &err), SC_ERR_RANGE);
    sc_wiv_free(w);
}

/* Fill every cell with distinct "high-entropy" values. */
static void fill(sc_wiv *w)
{
    size_t nv = w->n_apps * w->n_geos * w->steps;
    for (size_t i = 0; i < nv; i++) {
        w->mean[i] = 1000.0 / (double)(i + 3) + 0.1 * (double)i;
        for (size_t k = 0; k < w->nq; k++)
            w->quant[i * w->nq + k] = w->mean[i] * (1.0 + 0.37 * (double)(k + 1) / 7.0);
    }
}

static void assert_same(const sc_wiv *a, const sc_wiv *b)
{
    cr_assert_eq(a->n_apps, b->n_apps);
    cr_assert_eq(a->n_geos, b->n_geos);
    cr_assert_eq(a->steps, b->steps);
    cr_assert_eq(a->origin_ms, b->origin_ms);
    cr_assert_eq(a->step_ms, b->step_ms);
    cr_assert_eq(a->nq, b->nq);
    for (size_t k = 0; k < a->nq; k++)
        cr_assert_eq(a->q[k], b->q[k]);
    for (size_t i = 0; i < a->n_apps; i++)
        cr_assert_str_eq(a->apps[i], b->apps[i]);
    for (size_t i = 0; i < a->n_geos; i++)
        cr_assert_str_eq(a->geos[i], b->geos[i]);
    size_t nv = a->n_apps * a->n_geos * a->steps;
    cr_assert_eq(memcmp(a->mean, b->mean, nv * sizeof *a->mean), 0);
    cr_assert_eq(memcmp(a->quant, b->quant, nv * a->nq * sizeof *a->quant), 0);
}

static void tmpname(char *buf, size_t n, const char *ext)
{
    snprintf(buf, n, "%s/test_wiv_%ld.%s", SC_BINARY_DIR, (long)getpid(), ext);
}

Test(wiv, json_round_trip)
{
    sc_wiv *w = make_wiv(), *r = NULL;
    fill(w);
    char path[512];
    tmpname(path, sizeof path, "json");
    sc_error err;
    cr_assert_eq(sc_wiv_write_json(w, path, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_wiv_read_json(path, &r, &err), SC_OK, "%s", err.msg);
    assert_same(w, r);
    /* the summary block is there: 24 h = step 3 of 5, 1 h and 6 h = step 0 */
    FILE *fp = fopen(path, "r");
    char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[len] = '\0';
    cr_assert(strstr(buf, "\"lead_ms\":86400000") != NULL);
    cr_assert(strstr(buf, "\"format\":\"sculpt-wiv\"") != NULL);
    sc_wiv_free(r);
    sc_wiv_free(w);
    remove(path);
}

/* Bad JSON is an error with the JSON path of the value, never a crash. */
Test(wiv, json_bad_input)
{
    char path[512];
    tmpname(path, sizeof path, "bad.json");
    struct {
        const char *text, *needle;
    } cases[] = {
        {"{\"format\":\"other\"}", "$.format"},
        {"{\"format\":\"sculpt-wiv\",\"version\":2}", "$.version"},
        {"{\"format\":\"sculpt-wiv\",\"version\":1,\"origin_ms\":0,\"step_ms\":0,"
         "\"steps\":1}",
         "$.step_ms"},
        {"{\"format\":\"sculpt-wiv\",\"version\":1,\"origin_ms\":0,\"step_ms\":3600000,"
         "\"steps\":2,\"quantiles\":[0.9,0.5],\"apps\":[\"a\"],\"geos\":[\"g\"]}",
         "ascending"},
        {"{\"format\":\"sculpt-wiv\",\"version\":1,\"origin_ms\":0,\"step_ms\":3600000,"
         "\"steps\":2,\"quantiles\":[0.5],\"apps\":[\"a\"],\"geos\":[\"g\"],\"cells\":[{"
         "\"app\":\"a\",\"geo\":\"g\",\"mean\":[1,\"x\"],\"quantiles\":[[1],[2]]}]}",
         "$.cells[0].mean[1]"},
        {"{\"format\":\"sculpt-wiv\",\"version\":1,\"origin_ms\":0,\"step_ms\":3600000,"
         "\"steps\":2,\"quantiles\":[0.5],\"apps\":[\"a\"],\"geos\":[\"g\"],\"cells\":[{"
         "\"app\":\"b\",\"geo\":\"g\",\"mean\":[1,2],\"quantiles\":[[1],[2]]}]}",
         "$.cells[0]"},
        {"{\"format\":", NULL},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        FILE *fp = fopen(path, "w");
        fputs(cases[i].text, fp);
        fclose(fp);
        sc_wiv *r = (sc_wiv *)1;
        sc_error err;
        sc_error_clear(&err);
        cr_assert_eq(sc_wiv_read_json(path, &r, &err), SC_ERR_INPUT, "case %zu", i);
        cr_assert_null(r);
        if (cases[i].needle)
            cr_assert(strstr(err.msg, cases[i].needle) || strstr(err.where, cases[i].needle),
                      "case %zu: %s | %s", i, err.where, err.msg);
    }
    remove(path);
    sc_wiv *r;
    sc_error err;
    cr_assert_eq(sc_wiv_read_json("/nonexistent/x.json", &r, &err), SC_ERR_IO);
}

Test(wiv, hdf5_round_trip_and_h5py)
{
    sc_wiv *w = make_wiv(), *r = NULL;
    fill(w);
    char path[512];
    tmpname(path, sizeof path, "h5");
    sc_error err;
    cr_assert_eq(sc_wiv_write_hdf5(w, path, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_wiv_read_hdf5(path, &r, &err), SC_OK, "%s", err.msg);
    assert_same(w, r);
    sc_wiv_free(r);
    /* independent reader: h5py prints mean[1,2,4], quant[0,1,3,2], the 24 h summary of
     * cell (1,0) (= step 3) and the app names */
    if (access("/usr/bin/python3", X_OK) == 0) {
        char cmd[1200];
        snprintf(cmd, sizeof cmd,
                 "/usr/bin/python3 -c \"import h5py; f = h5py.File('%s', 'r'); "
                 "print(repr(float(f['mean'][1, 2, 4])), repr(float(f['quant'][0, 1, 3, 2])), "
                 "repr(float(f['summary/mean'][1, 0, 2])), f['apps'][1].decode(), "
                 "f.attrs['step_ms'])\" 2>/dev/null",
                 path);
        FILE *pp = popen(cmd, "r");
        cr_assert_not_null(pp);
        double a, b, c;
        char app[64];
        long long step;
        int got = fscanf(pp, "%lf %lf %lf %63s %lld", &a, &b, &c, app, &step);
        int rc = pclose(pp);
        if (rc == 0) {
            cr_assert_eq(got, 5);
            cr_assert_eq(a, w->mean[(1 * 3 + 2) * 5 + 4]);
            cr_assert_eq(b, w->quant[((0 * 3 + 1) * 5 + 3) * 4 + 2]);
            cr_assert_eq(c, w->mean[(1 * 3 + 0) * 5 + 3]);
            cr_assert_str_eq(app, "batch");
            cr_assert_eq(step, 6 * HOUR);
        }
    }
    remove(path);
    /* not HDF5, missing file: clear errors */
    tmpname(path, sizeof path, "not.h5");
    FILE *fp = fopen(path, "w");
    fputs("plain text", fp);
    fclose(fp);
    cr_assert_eq(sc_wiv_read_hdf5(path, &r, &err), SC_ERR_IO);
    cr_assert_null(r);
    remove(path);
    /* writing into a missing directory fails and leaves nothing */
    cr_assert_neq(sc_wiv_write_hdf5(w, "/nonexistent-dir/x.h5", &err), SC_OK);
    cr_assert_neq(sc_wiv_write_json(w, "/nonexistent-dir/x.json", &err), SC_OK);
    sc_wiv_free(w);
}

Test(wiv, alloc_rejects_bad_arguments)
{
    const char *apps[2] = {"web", "web"};
    const char *geos[1] = {"eu"};
    sc_wiv *w;
    sc_error err;
    cr_assert_eq(sc_wiv_alloc(apps, 2, geos, 1, 4, 0, HOUR, NULL, 0, &w, &err), SC_ERR_INPUT);
    cr_assert_null(w);
    cr_assert_eq(sc_wiv_alloc(apps, 1, geos, 1, 0, 0, HOUR, NULL, 0, &w, &err), SC_ERR_RANGE);
    cr_assert_eq(sc_wiv_alloc(apps, 1, geos, 1, 4, 0, 0, NULL, 0, &w, &err), SC_ERR_RANGE);
    double q[2] = {0.9, 0.9};
    cr_assert_eq(sc_wiv_alloc(apps, 1, geos, 1, 4, 0, HOUR, q, 2, &w, &err), SC_ERR_RANGE);
    double q1 = 1.0;
    cr_assert_eq(sc_wiv_alloc(apps, 1, geos, 1, 4, 0, HOUR, &q1, 1, &w, &err), SC_ERR_RANGE);
}
