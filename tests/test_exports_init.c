/*
 * test_exports_init.c - the embedding API's process set-up (sculpt/sculpt.h):
 * sc_global_init() leaves a host's GSL error handler in place and replaces only GSL's
 * aborting default; the runtime version agrees with the headers; the policy and provider
 * registries work from several threads at once after init.
 *
 * Criterion runs every test in a process of its own, so each one sees a fresh
 * sc_global_init() and GSL's handler as the process started with it.
 *
 * Known answers: GSL's documentation says gsl_sf_log_e(x <= 0) signals GSL_EDOM through
 * the error handler ("Special Functions", log); the version is the project's 0.1.0
 * (CMakeLists.txt: project(sculpt VERSION 0.1.0)) under the documented encoding
 * MAJOR * 10000 + MINOR * 100 + PATCH.
 */
#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>

#include <gsl/gsl_errno.h>
#include <gsl/gsl_sf_log.h>

#include "sculpt/sculpt.h"

static int host_calls;
static int host_errno;

static void host_handler(const char *reason, const char *file, int line, int gsl_errno)
{
    (void)reason, (void)file, (void)line;
    host_calls++;
    host_errno = gsl_errno;
}

Test(global_init, replaces_only_gsls_aborting_default)
{
    cr_assert_eq(sc_global_gsl_handler_replaced(), 0, "nothing replaced before init");
    cr_assert_eq(sc_global_init(), SC_OK);
    cr_assert_eq(sc_global_gsl_handler_replaced(), 1);
    /* With the default handler this would abort the process; now it returns EDOM. */
    gsl_sf_result r;
    cr_assert_eq(gsl_sf_log_e(-1.0, &r), GSL_EDOM);
    /* A second call changes nothing. */
    cr_assert_eq(sc_global_init(), SC_OK);
    cr_assert_eq(gsl_sf_log_e(-1.0, &r), GSL_EDOM);
}

Test(global_init, keeps_a_host_handler)
{
    gsl_set_error_handler(host_handler);
    cr_assert_eq(sc_global_init(), SC_OK);
    cr_assert_eq(sc_global_gsl_handler_replaced(), 0);
    gsl_sf_result r;
    cr_assert_eq(gsl_sf_log_e(-1.0, &r), GSL_EDOM);
    cr_assert_eq(host_calls, 1, "the host's handler is still the one GSL calls");
    cr_assert_eq(host_errno, GSL_EDOM);
    /* and sc_global_init did not leave it switched off and back on to another one */
    cr_assert_eq(gsl_set_error_handler(NULL), host_handler);
}

Test(global_init, keeps_a_host_that_turned_gsl_off)
{
    cr_assert_null(gsl_set_error_handler_off(), "GSL starts with its default handler (NULL)");
    cr_assert_eq(sc_global_init(), SC_OK);
    cr_assert_eq(sc_global_gsl_handler_replaced(), 0, "the host's own 'off' is kept");
    gsl_sf_result r;
    cr_assert_eq(gsl_sf_log_e(-1.0, &r), GSL_EDOM);
    cr_assert_not_null(gsl_set_error_handler_off(), "still off, not back to the default");
}

Test(version, runtime_matches_headers_and_project)
{
    cr_assert_eq(sc_version(), SC_VERSION_NUMBER);
    cr_assert_str_eq(sc_version_string(), SC_VERSION);
    cr_assert_eq(sc_version(), 0 * 10000 + 1 * 100 + 0, "project(sculpt VERSION 0.1.0)");
    cr_assert_str_eq(sc_version_string(), "0.1.0");
    char buf[32];
    snprintf(buf, sizeof buf, "%d.%d.%d", SC_VERSION_MAJOR, SC_VERSION_MINOR,
             SC_VERSION_PATCH);
    cr_assert_str_eq(buf, sc_version_string());
    cr_assert(strlen(sc_version_commit()) > 0);
}

/* ---- registries from several threads ---------------------------------------------- */

#define N_THREADS 8
#define N_POLICY_EACH 3
#define N_LOOKUPS 2000

static sc_policy_type policy_types[N_THREADS][N_POLICY_EACH];
static char policy_names[N_THREADS][N_POLICY_EACH][32];
static sc_provider_type provider_types[N_THREADS];
static char provider_names[N_THREADS][32];

typedef struct worker {
    int id;
    int failures;
} worker;

static void *registry_worker(void *arg)
{
    worker *w = arg;
    const sc_policy_type *builtin_static = NULL;
    sc_error err;
    if (sc_global_init() != SC_OK)
        w->failures++;
    for (int k = 0; k < N_POLICY_EACH; k++)
        if (sc_policy_register(&policy_types[w->id][k]) != SC_OK)
            w->failures++;
    if (sc_provider_register(&provider_types[w->id]) != SC_OK)
        w->failures++;
    for (int i = 0; i < N_LOOKUPS; i++) {
        const sc_policy_type *pt = NULL;
        const sc_provider_type *pv = NULL;
        int k = i % N_POLICY_EACH;
        if (sc_policy_find(policy_names[w->id][k], &pt, &err) != SC_OK ||
            pt != &policy_types[w->id][k])
            w->failures++;
        if (sc_policy_find("static", &pt, &err) != SC_OK ||
            (builtin_static && pt != builtin_static))
            w->failures++;
        builtin_static = pt;
        if (sc_provider_find(provider_names[w->id], &pv, &err) != SC_OK ||
            pv != &provider_types[w->id])
            w->failures++;
        if (sc_provider_find("mock", &pv, &err) != SC_OK)
            w->failures++;
        char names[1024];
        sc_policy_names(names, sizeof names);
        if (!strstr(names, policy_names[w->id][0]))
            w->failures++;
    }
    return NULL;
}

Test(registries, register_and_find_from_several_threads)
{
    const sc_policy_type *tmpl = NULL;
    const sc_provider_type *ptmpl = NULL;
    sc_error err;
    cr_assert_eq(sc_policy_find("reactive", &tmpl, &err), SC_OK);
    for (int t = 0; t < N_THREADS; t++) {
        for (int k = 0; k < N_POLICY_EACH; k++) {
            snprintf(policy_names[t][k], sizeof policy_names[t][k], "thr%d-pol%d", t, k);
            policy_types[t][k] = *tmpl;
            policy_types[t][k].name = policy_names[t][k];
        }
    }
    pthread_t th[N_THREADS];
    worker w[N_THREADS];
    /* sc_global_init registers the mock provider, the template of the test's providers
     * (the threads call it again: idempotent). */
    cr_assert_eq(sc_global_init(), SC_OK);
    cr_assert_eq(sc_provider_find("mock", &ptmpl, &err), SC_OK);
    for (int t = 0; t < N_THREADS; t++) {
        snprintf(provider_names[t], sizeof provider_names[t], "thr%d-prov", t);
        provider_types[t] = *ptmpl;
        provider_types[t].name = provider_names[t];
    }
    for (int t = 0; t < N_THREADS; t++) {
        w[t] = (worker){.id = t, .failures = 0};
        cr_assert_eq(pthread_create(&th[t], NULL, registry_worker, &w[t]), 0);
    }
    int failures = 0;
    for (int t = 0; t < N_THREADS; t++) {
        pthread_join(th[t], NULL);
        failures += w[t].failures;
    }
    cr_assert_eq(failures, 0);
    /* Every type is there exactly once: 6 built-ins + 24 registered. */
    char names[2048];
    sc_policy_names(names, sizeof names);
    int commas = 0;
    for (const char *p = names; *p; p++)
        commas += *p == ',';
    cr_assert_eq(commas + 1, 6 + N_THREADS * N_POLICY_EACH, "%s", names);
    /* An unknown name still lists the valid ones. */
    const sc_policy_type *none = NULL;
    cr_assert_eq(sc_policy_find("no-such-policy", &none, &err), SC_ERR_NOTFOUND);
    cr_assert(strstr(err.msg, "thr7-pol2") != NULL, "%s", err.msg);
}
