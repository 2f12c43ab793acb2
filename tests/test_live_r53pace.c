/*
 * test_live_r53pace.c - Route 53's account-wide request limit as a token bucket in the
 * AWS adapter (core/cloud/route53.c, sc_r53_bucket_take; issue 11 item 1, issue 12).
 *
 * 1. The bucket against hand-computed waits (times injected, no clock):
 *    rate 5/s, burst 5 (the adapter's defaults: the long-standing quota of 5 requests
 *    per second per account), seven requests at t = 0: five go at once, the sixth waits
 *    1000 / 5 = 200 ms and the seventh 400 ms; at t = 1000 ms the bucket has refilled
 *    (1000 - 400) ms x 5/s = 3 tokens, so three go at once and the fourth waits 200 ms.
 *    rate 10/s, burst 50 (the account-level bucket the Route 53 Developer Guide documents
 *    since 2026-07-30): 60 requests at t = 0, the 51st waits 100 ms, the 60th 1000 ms.
 * 2. End to end through the adapter against the scripted server (127.0.0.1): six
 *    set_weight calls in a burst with rate_per_sec 20, burst 2, no GetChange polling:
 *    all six ChangeResourceRecordSets arrive, and the burst takes at least
 *    (6 - 2) x 50 ms = 200 ms (a lower bound, which the pacing guarantees whatever the
 *    machine's load: not a speed measurement).
 * 3. Bad input: rate_per_sec 0 is refused with its JSON path.
 */
#define _GNU_SOURCE
#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#include "../core/cloud/cloudint.h"

#define FIX SC_SOURCE_DIR "/tests/live/fixtures/aws/"
#define SECRET "wJalrXUtnFEMI-K7MDENG-bPxRfiCYzEXAMPLEKEY"
#define AKID "AKIDSCULPTTEST"

#include "fake_cloud/cloudtest.h"

static void setup(void) { aws_suite_setup("r53pace", AKID, SECRET); }
static void teardown(void) { suite_dir_remove(); }

TestSuite(r53pace, .init = setup, .fini = teardown);

Test(r53pace, bucket_hand_computed)
{
    sc_r53_bucket b = {.rate_per_sec = 5, .burst = 5, .t_ms = INT64_MIN};
    const int64_t want0[7] = {0, 0, 0, 0, 0, 200, 400};
    for (int i = 0; i < 7; i++)
        cr_assert_eq(sc_r53_bucket_take(&b, 0), want0[i], "request %d at t=0", i + 1);
    const int64_t want1[4] = {0, 0, 0, 200};
    for (int i = 0; i < 4; i++)
        cr_assert_eq(sc_r53_bucket_take(&b, 1000), want1[i], "request %d at t=1000", i + 1);
    cr_assert_eq(b.paced, 3);
    cr_assert_eq(b.waited_ms, 800);

    sc_r53_bucket c = {.rate_per_sec = 10, .burst = 50, .t_ms = INT64_MIN};
    for (int i = 1; i <= 60; i++) {
        int64_t w = sc_r53_bucket_take(&c, 0);
        cr_assert_eq(w, i <= 50 ? 0 : (int64_t)(i - 50) * 100, "request %d", i);
    }
    /* no pacing when the rate is off */
    sc_r53_bucket off = {.rate_per_sec = 0, .burst = 1, .t_ms = INT64_MIN};
    for (int i = 0; i < 10; i++)
        cr_assert_eq(sc_r53_bucket_take(&off, 0), 0);
}

/* tests/live/aws-route53.json with the zone id and the given route53 keys in place of
 * its "poll" line; returns the path (in dir). */
static const char *scenario_with(const char *keys)
{
    char *txt = slurp(SC_SOURCE_DIR "/tests/live/aws-route53.json");
    cr_assert_not_null(txt);
    char *z = strstr(txt, "ZONEID");
    char *p = strstr(txt, "\"poll\": \"10ms\"");
    cr_assert(z && p && z < p);
    static char path[512];
    snprintf(path, sizeof path, "%s/r53.json", dir);
    FILE *fp = fopen(path, "w");
    fprintf(fp, "%.*sZ1D633PJN98FT9%.*s%s%s", (int)(z - txt), txt, (int)(p - (z + 6)), z + 6,
            keys, p + strlen("\"poll\": \"10ms\""));
    fclose(fp);
    free(txt);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "cp %s/tests/live/ramp.csv %s/", SC_SOURCE_DIR, dir);
    cr_assert_eq(system(cmd), 0);
    return path;
}

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

Test(r53pace, burst_is_spaced, .timeout = 60)
{
    server s;
    server_start(&s);
    for (int i = 0; i < 6; i++)
        script(&s, 200, NULL, FIX "ChangeResourceRecordSetsResponse.xml");
    server_run(&s);
    const char *path =
        scenario_with("\"wait_insync\": false, \"rate_per_sec\": 20, \"burst\": 2");
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(path, &sc, &err), SC_OK, "%s", err.msg);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", s.port);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .max_attempts = 1, .backoff_base_ms = 5,
                           .backoff_cap_ms = 20, .seed = 42};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, &err), SC_OK);
    sc_provider *p = NULL;
    cr_assert_eq(sc_provider_alloc(t, &cfg, &p, &err), SC_OK, "%s", err.msg);
    int64_t t0 = now_ms();
    for (int i = 0; i < 6; i++) {
        sc_action act = {.kind = SC_ACTION_SET_WEIGHT, .app = 0, .region = i % 2, .type = 0,
                         .geo = i / 3, .weight = 10 * i, .to_region = -1, .to_type = -1};
        sc_action_result res;
        cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_OK, "%s", err.msg);
        cr_assert_eq(res.accepted, 1);
    }
    int64_t elapsed = now_ms() - t0;
    cr_assert_eq(s.n_req, 6, "six ChangeResourceRecordSets, no GetChange");
    for (int i = 0; i < 6; i++)
        cr_assert(strncmp(s.req[i], "POST /2013-04-01/hostedzone/Z1D633PJN98FT9/rrset/", 49) ==
                      0,
                  "%.60s", s.req[i]);
    cr_assert_geq(elapsed, 200, "6 requests at 20/s with a burst of 2: >= 4 x 50 ms, got %lld",
                  (long long)elapsed);
    sc_cloud_stats cs;
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_CLOUD_STATS, &cs, &err), SC_OK);
    cr_assert_eq(cs.mutating, 6);
    cr_assert_eq(cs.throttles, 0);
    sc_provider_free(p);
    sc_scenario_free(sc);
    server_stop(&s);
}

Test(r53pace, zero_rate_refused)
{
    const char *path = scenario_with("\"rate_per_sec\": 0");
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(path, &sc, &err), SC_OK, "%s", err.msg);
    sc_cloud_config cfg = {.sc = sc, .endpoint = "http://127.0.0.1:9", .max_attempts = 1};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("aws", &t, &err), SC_OK);
    sc_provider *p = NULL;
    cr_assert_eq(sc_provider_alloc(t, &cfg, &p, &err), SC_ERR_INPUT);
    cr_assert_null(p);
    cr_assert(strstr(err.msg, "$.live.route53.rate_per_sec") ||
                  strstr(err.where, "$.live.route53.rate_per_sec"),
              "%s: %s", err.where, err.msg);
    sc_scenario_free(sc);
}
