/*
 * test_live_route.c - routing in live mode (issue 11 item 5, issue 12): sculpt's
 * "routing": "plan" runs in the live loop, which gives the policy each geography's
 * demand (geo_load / geo_ieq, past only) and, in shadow mode, the mock's route health.
 *
 * Known answers:
 *  - region-outage.json: us-east-1 fails 2021-06-22T14:00Z for 2 h.  Geography ny
 *    (dns-weighted, home us-east-1) has a health check of 30 s x 3 (detection at
 *    14:01:30Z); sculpt decides every 5-minute step, so the first decision that sees the
 *    failure is 14:05Z, and it moves ny whole to the nearest healthy region serving:
 *    us-east-2 weight 255 (raise first), then us-east-1 weight 0 (hand-derived from the
 *    scenario and the failover rule of core/policy/sculpt_route.c, step 2).
 *  - the same set_weight calls (time, app, region, geography, weight) as the simulator's
 *    decision log (sc_run_policy, set_weight entries: type = geography, count = weight)
 *    for the same steps: the simulator is the independent driver of the same policy.
 *    Measured: 5 calls, equal one for one (failover at 14:05Z; back at 16:05Z weight
 *    202, 16:10Z 255 and us-east-2 0).  Without the shadow cloud's current shares in the
 *    per-region rows (sim/live.c shadow_route) the failover matched but the way back
 *    did not (us-east-1 weight 8 at 16:05Z, 7 calls against the simulator's 5).
 *  - sc_metrics_geo_ieq (the instance-equivalents the Prometheus / CloudWatch sources
 *    give geo_ieq): web needs 0.01 vCPU and 0.002 GiB per req/s on an m4.large (2 vCPU,
 *    8 GiB), so 100 req/s = max(0.01 x 100 / 2, 0.002 x 100 / 8) = 0.5; a gap or a
 *    negative reading gives 0; and on every step it equals the world's own ieq_ag
 *    (sim/world.c, computed separately) for the scenario's load-only demand.
 */
#define _DEFAULT_SOURCE
#include <criterion/criterion.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/live/metricsint.h"
#include "sculpt/live.h"
#include "sculpt/orchestrator.h"
#include "sculpt/policy.h"
#include "sculpt/sculpt.h"
#include "sculpt/simulator.h"

#define OUTAGE SC_SOURCE_DIR "/scenarios/region-outage.json"
#define UNTIL_MS (INT64_C(212) * 3600000) /* start + 8 d 20 h: past the outage's end */
#define MAXW 256

typedef struct wcall {
    sc_time_ms t;
    int app, region, geo, weight;
} wcall;

static const sc_policy_spec *find_policy(const sc_scenario *sc, const char *label)
{
    for (size_t i = 0; i < sc->n_policies; i++)
        if (strcmp(sc->policies[i].label, label) == 0)
            return &sc->policies[i];
    cr_assert_fail("no policy '%s'", label);
    return NULL;
}

static int name_index(const sc_scenario *sc, int what, const char *name)
{
    size_t n = what == 0 ? sc->n_apps : what == 1 ? sc->n_regions : sc->n_geos;
    for (size_t i = 0; i < n; i++) {
        const char *s = what == 0   ? sc->apps[i].name
                        : what == 1 ? sc->regions[i].name
                                    : sc->geos[i].name;
        if (strcmp(s, name) == 0)
            return (int)i;
    }
    cr_assert_fail("unknown name '%s'", name);
    return -1;
}

/* The live loop's printed plan: "<t> plan set_weight <app>/<region> geo <geo> weight <w>
 * at <t>"; times parsed back with sc_time_parse. */
static size_t live_calls(const sc_scenario *sc, const sc_policy_spec *pol, wcall *out)
{
    char dir[] = "/tmp/sculpt-liveroute-XXXXXX", jpath[96];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(jpath, sizeof jpath, "%s/journal", dir);
    char *buf = NULL;
    size_t len = 0;
    FILE *plan = open_memstream(&buf, &len);
    cr_assert_not_null(plan);
    sc_live_config cfg = {.sc = sc, .policy = pol, .metrics = "replay", .provider = "mock",
                          .journal_path = jpath, .clock_speed = 1e12, .until_ms = UNTIL_MS,
                          .store_path = "", .plan_out = plan};
    sc_live_summary sum;
    sc_error err;
    cr_assert_eq(sc_live_run(&cfg, &sum, &err), SC_OK, "%s", err.msg);
    fclose(plan);
    size_t n = 0;
    for (char *ln = buf; ln && *ln; ln = strchr(ln, '\n') ? strchr(ln, '\n') + 1 : NULL) {
        char ts[40], app[64], reg[64], geo[64];
        int w;
        if (sscanf(ln, "%39s plan set_weight %63[^/]/%63s geo %63s weight %d", ts, app, reg,
                   geo, &w) != 5)
            continue;
        cr_assert_lt(n, MAXW);
        sc_time_ms t;
        cr_assert_eq(sc_time_parse(ts, "UTC", &t), SC_OK, "%s", ts);
        out[n++] = (wcall){t, name_index(sc, 0, app), name_index(sc, 1, reg),
                           name_index(sc, 2, geo), w};
    }
    free(buf);
    /* the dry run's journal holds the same calls as planned actions (P records: kind 4 =
     * set_weight, then app region type option count to_region to_type issue needed geo
     * weight) */
    FILE *jf = fopen(jpath, "r");
    cr_assert_not_null(jf);
    char line[512];
    size_t nj = 0;
    while (fgets(line, sizeof line, jf)) {
        int kind, app, reg, type, opt, cnt, tr, tt, geo, w;
        long long ti, tn;
        if (sscanf(line, "P %d %d %d %d %d %d %d %d %lld %lld %d %d", &kind, &app, &reg, &type,
                   &opt, &cnt, &tr, &tt, &ti, &tn, &geo, &w) != 12 ||
            kind != SC_ACTION_SET_WEIGHT)
            continue;
        cr_assert_lt(nj, n);
        cr_assert(out[nj].t == ti && out[nj].app == app && out[nj].region == reg &&
                      out[nj].geo == geo && out[nj].weight == w,
                  "journal record %zu", nj);
        nj++;
    }
    fclose(jf);
    cr_assert_eq(nj, n, "the journal holds every set_weight planned");
    char cmd[160];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
    return n;
}

static size_t sim_calls(const sc_scenario *sc, const sc_policy_spec *pol, sc_time_ms end,
                        wcall *out)
{
    sc_world *w = NULL;
    sc_error err;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    sc_run *run = NULL;
    cr_assert_eq(sc_run_policy(w, pol, 0, &run, &err), SC_OK, "%s", err.msg);
    size_t n = 0;
    for (size_t i = 0; i < run->n_log; i++) {
        const sc_action_log *l = &run->log[i];
        if (l->kind != SC_ACTION_SET_WEIGHT || l->t >= end)
            continue;
        cr_assert_lt(n, MAXW);
        out[n++] = (wcall){l->t, l->app, l->region, l->type, l->count};
    }
    sc_run_free(run);
    sc_world_free(w);
    return n;
}

Test(live_route, outage_failover_matches_simulator, .timeout = 300)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(OUTAGE, &sc, &err), SC_OK, "%s", err.msg);
    const sc_policy_spec *pol = find_policy(sc, "sculpt");
    static wcall live[MAXW], sim[MAXW];
    size_t nl = live_calls(sc, pol, live);
    size_t ns = sim_calls(sc, pol, sc->start + UNTIL_MS, sim);

    /* the hand-derived failover */
    sc_time_ms t_fail;
    cr_assert_eq(sc_time_parse("2021-06-22T14:05:00Z", "UTC", &t_fail), SC_OK);
    int web = name_index(sc, 0, "web"), ny = name_index(sc, 2, "ny");
    int use1 = name_index(sc, 1, "us-east-1"), use2 = name_index(sc, 1, "us-east-2");
    cr_assert_geq(nl, 2, "live mode planned no failover");
    cr_assert(live[0].t == t_fail && live[0].app == web && live[0].geo == ny &&
                  live[0].region == use2 && live[0].weight == 255,
              "first call: web/us-east-2 geo ny 255 at 14:05Z");
    cr_assert(live[1].t == t_fail && live[1].geo == ny && live[1].region == use1 &&
                  live[1].weight == 0,
              "second call: web/us-east-1 geo ny 0 at 14:05Z");

    /* the simulator's decision log, call for call */
    cr_assert_eq(nl, ns, "live %zu set_weight calls, simulator %zu", nl, ns);
    for (size_t i = 0; i < nl; i++)
        cr_assert(live[i].t == sim[i].t && live[i].app == sim[i].app &&
                      live[i].region == sim[i].region && live[i].geo == sim[i].geo &&
                      live[i].weight == sim[i].weight,
                  "call %zu: live (%lld r%d g%d w%d) vs simulator (%lld r%d g%d w%d)", i,
                  (long long)live[i].t, live[i].region, live[i].geo, live[i].weight,
                  (long long)sim[i].t, sim[i].region, sim[i].geo, sim[i].weight);
    sc_scenario_free(sc);
}

Test(live_route, geo_ieq_hand_and_world, .timeout = 120)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(OUTAGE, &sc, &err), SC_OK, "%s", err.msg);
    sc_world *w = NULL;
    cr_assert_eq(sc_world_build(sc, &w, &err), SC_OK, "%s", err.msg);
    cr_assert_not_null(w->ieq_ag, "a routed scenario lays out ieq per geography");
    size_t n = w->n_ag;
    cr_assert_eq(n, 3, "one app, three geographies");
    double load[3] = {100.0, -5.0, NAN}, ieq[3];
    sc_metrics_geo_ieq(w, load, ieq);
    cr_assert_float_eq(ieq[0], 0.5, 1e-12);
    cr_assert_eq(ieq[1], 0.0);
    cr_assert_eq(ieq[2], 0.0);
    for (int64_t k = 0; k < w->n_steps; k++) {
        for (size_t ag = 0; ag < n; ag++)
            load[ag] = w->load_ag[ag][k];
        sc_metrics_geo_ieq(w, load, ieq);
        for (size_t ag = 0; ag < n; ag++)
            cr_assert_float_eq(ieq[ag], (double)w->ieq_ag[ag][k],
                               1e-6 * (1.0 + fabs(ieq[ag])), "step %lld ag %zu",
                               (long long)k, ag);
    }
    sc_world_free(w);
    sc_scenario_free(sc);
}
