/*
 * test_live_crash.c - crash safety of `sculpt live --execute` (issue 12, item 4).
 *
 * 50 trials, seeded (drand48 with seed 20261207): each starts a fresh
 * tests/fake_cloud/fake_cloud.py, runs `sculpt live tests/live/gcp.json --provider gcp
 * --execute` (resizes with a requestId from the journal key, Operation polling, backend
 * capacity scalers), kills it with SIGKILL after a random delay in [0, 1.2 T) (T: an
 * uninterrupted run's wall time, measured first), then resumes it with the same journal to
 * the end.  After each trial:
 *   - the resume succeeds and every intent in the journal has its answer;
 *   - no lost action: each group's size at the fake equals the scenario's initial count
 *     plus the net accepted instances of the journal's calls for it;
 *   - no duplicate action: the fake applied exactly one change per journaled call (a call
 *     repeated after the crash reused its requestId and got the first operation back).
 * The trials in which the kill fell between an intent and its answer (the window the
 * journal's repeat-with-the-same-key exists for) are counted and must not be zero.
 */
#define _GNU_SOURCE
#include <sys/time.h>

#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#define GCPJSON SC_SOURCE_DIR "/tests/live/gcp.json"
#define TRIALS 50

#include "fake_cloud/cloudtest.h"

static void setup(void)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    snprintf(dir, sizeof dir, "/tmp/sculpt-crash-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s/key.pem "
             "2>/dev/null && python3 -c 'import json,sys; print(json.dumps({\"type\": "
             "\"service_account\", \"client_email\": \"crash@sculpt-test.iam.gserviceaccount.com\","
             " \"private_key\": open(sys.argv[1]).read(), \"token_uri\": "
             "\"https://oauth2.googleapis.com/token\"}))' %s/key.pem > %s/sa.json",
             dir, dir, dir);
    cr_assert_eq(system(cmd), 0);
    snprintf(cmd, sizeof cmd, "%s/sa.json", dir);
    setenv("GOOGLE_APPLICATION_CREDENTIALS", cmd, 1);
}

static void teardown(void)
{
    fake_stop();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(live_crash, .init = setup, .fini = teardown);

static double now_s(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    return (double)tv.tv_sec + tv.tv_usec / 1e6;
}

static void live_argv(char *buf, size_t cap, const char *journal)
{
    snprintf(buf, cap,
             "%s --provider gcp --endpoint http://127.0.0.1:%d --execute --clock fast:1e9 "
             "--until 2h --journal %s --json",
             GCPJSON, fake_port, journal);
}

/* Start sculpt live in the background; returns its pid. */
static pid_t spawn(const char *journal, const char *tag)
{
    char args[2048], cmd[4096];
    live_argv(args, sizeof args, journal);
    snprintf(cmd, sizeof cmd, "exec %s live %s > %s/%s.out 2> %s/%s.err", SC_SCULPT_BIN, args,
             dir, tag, dir, tag);
    pid_t pid = fork();
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    return pid;
}

typedef struct jsum {
    int net[2];                 /* initial + net accepted per region (on demand) */
    int resizes[2];             /* answered resize calls per region */
    int weights;                /* answered set_weight calls */
    int issuing;                /* intents without an answer */
} jsum;

static void journal_sum(const char *path, jsum *s)
{
    memset(s, 0, sizeof *s);
    s->net[0] = 8, s->net[1] = 4;
    char *j = slurp(path);
    cr_assert_not_null(j, "%s", path);
    static char keys[4096][48];
    static int kind[4096], reg[4096], answered[4096];
    int nk = 0;
    char *save = NULL;
    for (char *ln = strtok_r(j, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char key[48];
        long long t;
        int k, a, r, acc;
        if (sscanf(ln, "I %47s %lld %d %d %d", key, &t, &k, &a, &r) == 5) {
            int i = 0;
            while (i < nk && strcmp(keys[i], key) != 0)
                i++;
            if (i == nk && nk < 4096) {
                snprintf(keys[nk], sizeof keys[nk], "%s", key);
                kind[nk] = k, reg[nk] = r, answered[nk] = 0, nk++;
            }
        } else if (sscanf(ln, "A %47s %d", key, &acc) == 2) {
            for (int i = 0; i < nk; i++)
                if (strcmp(keys[i], key) == 0 && !answered[i]) {
                    answered[i] = 1;
                    if (kind[i] == SC_ACTION_SET_WEIGHT) {
                        s->weights++;
                    } else {
                        s->net[reg[i]] += kind[i] == SC_ACTION_DEPROVISION ? -acc : acc;
                        s->resizes[reg[i]]++;
                    }
                }
        } else if (sscanf(ln, "S %47s", key) == 1) {
            for (int i = 0; i < nk; i++)
                if (strcmp(keys[i], key) == 0)
                    answered[i] = 1;
        }
    }
    for (int i = 0; i < nk; i++)
        s->issuing += !answered[i];
    free(j);
}

static int fake_int(const cJSON *st, const char *table, const char *key)
{
    const cJSON *v = cJSON_GetObjectItem(cJSON_GetObjectItem(st, table), key);
    return cJSON_IsNumber(v) ? v->valueint : 0;
}

Test(live_crash, kill9_then_resume, .timeout = 900)
{
    const char *init = "--initial sculpt-web-us-central1=8 --initial sculpt-web-europe-west1=4";
    /* T: an uninterrupted run */
    fake_start(init);
    char jp[512];
    snprintf(jp, sizeof jp, "%s/ref.j", dir);
    double t0 = now_s();
    pid_t pid = spawn(jp, "ref");
    int wst;
    waitpid(pid, &wst, 0);
    double T = now_s() - t0;
    cr_assert(WIFEXITED(wst) && WEXITSTATUS(wst) == 0, "reference run failed");
    jsum ref;
    journal_sum(jp, &ref);
    cr_assert_gt(ref.resizes[0] + ref.resizes[1], 5, "the run makes calls to crash into");
    fake_stop();
    srand48(20261207);
    int in_window = 0, killed_early = 0;
    for (int trial = 0; trial < TRIALS; trial++) {
        fake_start(init);
        snprintf(jp, sizeof jp, "%s/t%d.j", dir, trial);
        double delay = drand48() * 1.2 * T;
        pid = spawn(jp, "run");
        usleep((useconds_t)(delay * 1e6));
        int done_already = waitpid(pid, &wst, WNOHANG) == pid;
        if (!done_already) {
            kill(pid, SIGKILL);
            waitpid(pid, &wst, 0);
        }
        struct stat sb;
        if (stat(jp, &sb) == 0) {
            jsum mid;
            journal_sum(jp, &mid);
            in_window += mid.issuing > 0;
        } else {
            killed_early++;
        }
        /* resume to the end */
        char args[2048];
        live_argv(args, sizeof args, jp);
        int rc = sculpt(args, "resume");
        if (rc != 0) {
            char p[512];
            snprintf(p, sizeof p, "%s/resume.err", dir);
            cr_assert_fail("trial %d (kill at %.3f s): resume failed (%d): %s", trial, delay, rc,
                           slurp(p));
        }
        jsum s;
        journal_sum(jp, &s);
        char *stxt = fake_get("state");
        cJSON *st = cJSON_Parse(stxt);
        free(stxt);
        cr_assert_eq(s.issuing, 0, "trial %d: intents left without an answer", trial);
        const char *mig[2] = {"us-central1/sculpt-web-us-central1",
                              "europe-west1/sculpt-web-europe-west1"};
        for (int r = 0; r < 2; r++) {
            cr_assert_eq(fake_int(st, "mig", mig[r]), s.net[r],
                         "trial %d (kill at %.3f s): %s is %d, the journal says %d (lost or "
                         "duplicated action)",
                         trial, delay, mig[r], fake_int(st, "mig", mig[r]), s.net[r]);
            cr_assert_eq(fake_int(st, "changes", mig[r]), s.resizes[r],
                         "trial %d (kill at %.3f s): %d changes applied to %s for %d journaled "
                         "resizes",
                         trial, delay, fake_int(st, "changes", mig[r]), mig[r], s.resizes[r]);
        }
        cr_assert_eq(fake_int(st, "changes", "sculpt-web"), s.weights,
                     "trial %d: backend service changes %d for %d journaled weights", trial,
                     fake_int(st, "changes", "sculpt-web"), s.weights);
        cJSON_Delete(st);
        fake_stop();
    }
    fprintf(stderr,
            "live_crash: %d trials, reference run %.2f s; %d kills fell between an intent and "
            "its answer, %d before the journal existed\n",
            TRIALS, T, in_window, killed_early);
    cr_assert_gt(in_window, 0, "no kill fell into the crash window; the trials test nothing");
}
