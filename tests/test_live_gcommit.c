/*
 * test_live_gcommit.c - group commit of the live journal (sim/live.c group_prepare,
 * core/live/journal.c sc_journal_call_begin_many; design in core/live/README.md).
 *
 * scenarios/demo.json (3 apps x 3 regions), policy snaive-predictive, the mock provider
 * with --execute (every intent fsync'd), the first day, run twice: with group commit and
 * without (sc_live_config.no_group_commit).  Expected, by the journal's rules:
 *   - the two journals hold the same records (same decisions, calls, keys, targets and
 *     answers), in another order only where a batch's intents come before its answers:
 *     sorted, the lines are identical, and every answer follows its own intent;
 *   - without it, one fsync per intent (the I records of the journal), plus the header's;
 *   - with it, fewer, but at least one per instant at which a call was made (each call's
 *     intent is durable before the call: no instant can go without an fsync).  Measured:
 *     965 intents at 287 instants, 966 fsyncs without, 288 with (one per instant).
 * The write-ahead rule under crashes is tested by test_live_crash (50 kill -9 trials
 * against the GCP adapter, which group commit batches).
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "sculpt/live.h"
#include "sculpt/scenario.h"
#include "sculpt/sculpt.h"

#define DEMO SC_SOURCE_DIR "/scenarios/demo.json"

static char *slurp_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert_not_null(f, "%s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    cr_assert_eq(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return b;
}

static void run(const sc_scenario *sc, const sc_policy_spec *pol, const char *journal,
                int no_group, sc_live_summary *s)
{
    sc_live_config cfg = {.sc = sc, .policy = pol, .metrics = "replay", .provider = "mock",
                          .journal_path = journal, .clock_speed = 1e12, .execute = 1,
                          .until_ms = 86400000, .store_path = "", .no_group_commit = no_group};
    sc_error err;
    cr_assert_eq(sc_live_run(&cfg, s, &err), SC_OK, "%s", err.msg);
}

Test(live_gcommit, same_journal_fewer_fsyncs, .timeout = 300)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    sc_scenario *sc = NULL;
    sc_error err;
    cr_assert_eq(sc_scenario_load(DEMO, &sc, &err), SC_OK, "%s", err.msg);
    const sc_policy_spec *pol = NULL;
    for (size_t i = 0; i < sc->n_policies; i++)
        if (strcmp(sc->policies[i].label, "snaive-predictive") == 0)
            pol = &sc->policies[i];
    cr_assert_not_null(pol);
    char dir[] = "/tmp/sculpt-gcommit-XXXXXX", ja[96], jb[96];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(ja, sizeof ja, "%s/group", dir);
    snprintf(jb, sizeof jb, "%s/single", dir);
    sc_live_summary a, b;
    run(sc, pol, ja, 0, &a);
    run(sc, pol, jb, 1, &b);
    size_t la, lb;
    char *ta = slurp_file(ja, &la), *tb = slurp_file(jb, &lb);
    char cmd[512], sa[128], sb[128];
    snprintf(sa, sizeof sa, "%s/a.sorted", dir);
    snprintf(sb, sizeof sb, "%s/b.sorted", dir);
    snprintf(cmd, sizeof cmd, "LC_ALL=C sort %s > %s && LC_ALL=C sort %s > %s && cmp %s %s",
             ja, sa, jb, sb, sa, sb);
    cr_assert_eq(system(cmd), 0, "the same records with and without group commit");
    /* every answer after its own intent */
    for (char *ln = ta; ln && *ln; ln = strchr(ln, '\n') ? strchr(ln, '\n') + 1 : NULL) {
        char key[48], pat[64];
        if (sscanf(ln, "A %47s", key) != 1)
            continue;
        snprintf(pat, sizeof pat, "\nI %s ", key);
        char *i = strstr(ta, pat);
        cr_assert(i && i < ln, "the intent of %s before its answer", key);
    }
    cr_assert_eq(a.calls_mutating, b.calls_mutating);
    /* intents, and the instants at which calls were made, from the journal */
    long intents = 0, instants = 0;
    char last[32] = "";
    for (char *ln = ta; ln && *ln; ln = strchr(ln, '\n') ? strchr(ln, '\n') + 1 : NULL) {
        char key[48];
        long long t;
        if (sscanf(ln, "I %47s %lld", key, &t) != 2)
            continue;
        intents++;
        char ts[32];
        snprintf(ts, sizeof ts, "%lld", t);
        if (strcmp(ts, last) != 0)
            instants++;
        snprintf(last, sizeof last, "%s", ts);
    }
    cr_assert_gt(intents, 50, "the day makes calls (%ld)", intents);
    cr_assert_gt(intents, instants, "some instants make several calls");
    /* + 1: the header, fsync'd when the journal is created */
    cr_assert_eq(b.journal_fsyncs, intents + 1, "without group commit: one fsync per intent");
    cr_assert_lt(a.journal_fsyncs, b.journal_fsyncs);
    cr_assert_geq(a.journal_fsyncs, instants + 1, "at least one fsync per instant with calls");
    fprintf(stderr, "live_gcommit: %ld intents at %ld instants; fsyncs %ld -> %ld\n", intents,
            instants, b.journal_fsyncs, a.journal_fsyncs);
    free(ta);
    free(tb);
    unlink(ja);
    unlink(jb);
    unlink(sa);
    unlink(sb);
    rmdir(dir);
    sc_scenario_free(sc);
}
