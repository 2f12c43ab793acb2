/*
 * test_outputs.c - outputs of every writing command (issue 13, "what a careful tester
 * found"): an output that is an input is refused with exit 2 and the input untouched
 * (by file identity: through a symbolic link and a hard link too); multi-output commands
 * commit all their outputs or none; temporary files are exclusive and unpredictable, a
 * link planted under a temporary name never redirects a write, and stale temporary files
 * of an output (kill -9) are removed by the next write while a live (locked) one is kept;
 * SIGINT and SIGTERM stop run, sweep, forecast and report within a second with exit
 * 130 / 143, leaving neither an output nor a temporary file (both signals for each, and
 * SIGTERM for trace gen); every writer (forecast JSON and HDF5, sweep and its CSV, trace
 * import, trace gen and its events file, run) removes stale temporaries of its outputs;
 * kill -9 of forecast and sweep while their output sits in its temporary file (caught
 * with inotify) leaves no output and the next run cleans the temporary.
 *
 * Expected values come from the README's exit-status table and POSIX (128 + signal
 * number as a shell reports a signal), not from the code.
 */
#define _GNU_SOURCE
#include <criterion/criterion.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/inotify.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "sculpt/fsutil.h"

#define SRC SC_SOURCE_DIR
#define BIN SC_SCULPT_BIN

static char dir[256];

static void setup(void)
{
    snprintf(dir, sizeof dir, "/tmp/sculpt-outputs-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
}

static void teardown(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    (void)!system(cmd);
}

TestSuite(outputs, .init = setup, .fini = teardown, .timeout = 300);

/* Run a shell command in dir; its exit status (stderr to dir/err). */
static int sh(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int sh(const char *fmt, ...)
{
    char body[4096], cmd[4600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(body, sizeof body, fmt, ap);
    va_end(ap);
    snprintf(cmd, sizeof cmd, "cd '%s' && (%s) >out 2>err", dir, body);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

static char *slurp(const char *name)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    char *t = NULL;
    if (sc_file_read_all(p, &t, NULL, NULL) != SC_OK)
        return strdup("");
    return t;
}

static void put(const char *name, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    cr_assert_not_null(f);
    fputs(text, f);
    fclose(f);
}

static int exists(const char *name)
{
    char p[512];
    struct stat sb;
    snprintf(p, sizeof p, "%s/%s", dir, name);
    return lstat(p, &sb) == 0;
}

/* Number of entries of dir whose name contains ".tmp." */
static int n_tmp(void)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)))
        n += strstr(e->d_name, ".tmp.") != NULL;
    closedir(d);
    return n;
}

/* The unit scenario and its CSV trace copied into dir (so outputs can name them). */
static void unit_here(void)
{
    cr_assert_eq(sh("cp '%s/tests/fixtures/sim/unit.json' '%s/tests/fixtures/sim/flat.csv' .",
                    SRC, SRC), 0);
}

/* exit 2, the message says "same file as the input", and name's bytes are unchanged */
static void refused(int rc, const char *name, const char *before)
{
    char *e = slurp("err");
    cr_assert_eq(rc, 2, "exit %d: %s", rc, e);
    cr_assert_not_null(strstr(e, "same file as the input"), "%s", e);
    free(e);
    char *after = slurp(name);
    cr_assert_str_eq(after, before, "%s was changed", name);
    free(after);
}

Test(outputs, output_equal_to_an_input_is_refused_in_every_command)
{
    unit_here();
    char *scen = slurp("unit.json"), *csv = slurp("flat.csv");
    refused(sh("%s run unit.json -o unit.json", BIN), "unit.json", scen);
    refused(sh("%s run unit.json -o flat.csv", BIN), "flat.csv", csv);
    /* through a symbolic link and a hard link: identity, not name */
    cr_assert_eq(sh("ln -s flat.csv sym.h5 && ln unit.json hard.h5"), 0);
    refused(sh("%s run unit.json -o sym.h5", BIN), "flat.csv", csv);
    refused(sh("%s run unit.json -o hard.h5", BIN), "unit.json", scen);
    /* sweep: the sweep file, the base scenario, its trace; -o and --csv */
    put("sw.json", "{\"name\": \"s\", \"base\": \"unit.json\", \"axes\": [{\"path\": "
                   "\"$.apps[0].target_util\", \"values\": [0.5, 0.8]}], \"replicates\": 1}");
    char *swt = slurp("sw.json");
    refused(sh("%s sweep sw.json -o sw.json", BIN), "sw.json", swt);
    refused(sh("%s sweep sw.json -o s.h5 --csv unit.json", BIN), "unit.json", scen);
    refused(sh("%s sweep sw.json -o flat.csv", BIN), "flat.csv", csv);
    /* trace gen: the spec as the store, the events or the truth */
    cr_assert_eq(sh("cp '%s/traces/specs/demo.json' spec.json", SRC), 0);
    char *spec = slurp("spec.json");
    refused(sh("%s trace gen spec.json -o spec.json", BIN), "spec.json", spec);
    refused(sh("%s trace gen spec.json -o g.h5 --events spec.json", BIN), "spec.json", spec);
    refused(sh("%s trace gen spec.json -o g.h5 --truth spec.json", BIN), "spec.json", spec);
    /* forecast -o (a .json name linked to the CSV input); --eval --save: TRAIN */
    cr_assert_eq(sh("ln -s flat.csv flat.json"), 0);
    refused(sh("%s forecast flat.csv -o flat.json", BIN), "flat.csv", csv);
    put("train.csv", "\"V1\",\"V2\",\"V3\",\"V4\",\"V5\"\n\"H1\",1,2,3,4\n");
    put("test.csv", "\"V1\",\"V2\",\"V3\"\n\"H1\",5,6\n");
    char *train = slurp("train.csv");
    refused(sh("%s forecast --eval train.csv test.csv --model naive --horizon 2 --period 1 "
               "--save train.csv", BIN),
            "train.csv", train);
    free(scen);
    free(csv);
    free(swt);
    free(spec);
    free(train);
    cr_assert_eq(n_tmp(), 0, "temporary files left behind");
}

Test(outputs, multi_output_commands_commit_all_or_nothing)
{
    unit_here();
    cr_assert_eq(sh("cp '%s/traces/specs/demo.json' spec.json", SRC), 0);
    /* trace gen: the events path cannot be written -> the existing store survives */
    put("g.h5", "old store");
    int rc = sh("%s trace gen spec.json -o g.h5 --events nodir/ev.csv -q", BIN);
    cr_assert_eq(rc, 3, "exit %d", rc);
    char *t = slurp("g.h5");
    cr_assert_str_eq(t, "old store");
    free(t);
    /* run -o + --report: gnuplot fails -> the existing results file survives */
    put("r.h5", "old results");
    rc = sh("SCULPT_GNUPLOT=/bin/false %s run unit.json -o r.h5 --report rep", BIN);
    cr_assert_eq(rc, 1, "exit %d", rc);
    t = slurp("r.h5");
    cr_assert_str_eq(t, "old results");
    free(t);
    cr_assert(!exists("rep"));
    /* sweep -o + --csv: the CSV directory is missing -> the existing .h5 survives */
    put("sw.json", "{\"name\": \"s\", \"base\": \"unit.json\", \"axes\": [{\"path\": "
                   "\"$.apps[0].target_util\", \"values\": [0.5, 0.8]}], \"replicates\": 1}");
    put("s.h5", "old sweep");
    rc = sh("%s sweep sw.json -o s.h5 --csv nodir/s.csv", BIN);
    cr_assert_eq(rc, 3, "exit %d", rc);
    t = slurp("s.h5");
    cr_assert_str_eq(t, "old sweep");
    free(t);
    cr_assert_eq(n_tmp(), 0, "temporary files left behind");
    /* and when all succeed, all are there */
    cr_assert_eq(sh("%s trace gen spec.json -o g.h5 --truth tr.csv -q", BIN), 0);
    cr_assert(exists("g.events.csv") && exists("tr.csv"));
    t = slurp("g.h5");
    cr_assert_str_neq(t, "old store");
    free(t);
    cr_assert_eq(n_tmp(), 0);
}

Test(outputs, stale_temporaries_removed_live_ones_kept_links_never_followed)
{
    unit_here();
    put("victim.txt", "precious");
    /* a stale temporary file (no lock: its writer died) and a planted link */
    put("r.h5.tmp.0123456789abcdef", "stale");
    cr_assert_eq(sh("ln -s victim.txt r.h5.tmp.fedcba9876543210"), 0);
    /* a live one: this process holds the lock a writer holds */
    put("r.h5.tmp.00000000000000aa", "live");
    char p[512];
    snprintf(p, sizeof p, "%s/r.h5.tmp.00000000000000aa", dir);
    int fd = open(p, O_WRONLY);
    cr_assert_geq(fd, 0);
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
    cr_assert_eq(fcntl(fd, F_OFD_SETLK, &lk), 0);
    /* an unrelated file that only looks alike is never touched */
    put("r.h5.tmp.notours", "other");
    cr_assert_eq(sh("%s run unit.json -o r.h5", BIN), 0);
    cr_assert(!exists("r.h5.tmp.0123456789abcdef"), "stale temporary kept");
    cr_assert(!exists("r.h5.tmp.fedcba9876543210"), "planted link kept");
    cr_assert(exists("r.h5.tmp.00000000000000aa"), "a live writer's file removed");
    cr_assert(exists("r.h5.tmp.notours"));
    char *v = slurp("victim.txt");
    cr_assert_str_eq(v, "precious");
    free(v);
    close(fd);
}

/* ---------------------------------------------------------------------------------- */
/* signals                                                                             */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Start argv in dir in its own process group, stdout/stderr to dir/out, dir/err. */
static pid_t spawn(char *const argv[], const char *env)
{
    pid_t pid = fork();
    cr_assert_geq(pid, 0);
    if (pid == 0) {
        setpgid(0, 0);
        if (chdir(dir) != 0)
            _exit(126);
        int o = open("out", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        int e = open("err", O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1);
        dup2(e, 2);
        if (env)
            putenv((char *)env);
        execv(argv[0], argv);
        _exit(127);
    }
    setpgid(pid, pid);
    return pid;
}

/* Wait for pid up to limit_s; its exit code (or -1 if it did not end; it is killed). */
static int wait_for(pid_t pid, double limit_s, double *took)
{
    double t0 = now_s();
    int status;
    for (;;) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid)
            break;
        if (now_s() - t0 > limit_s) {
            kill(-pid, SIGKILL);
            waitpid(pid, &status, 0);
            return -1;
        }
        usleep(5000);
    }
    *took = now_s() - t0;
    return WIFEXITED(status) ? WEXITSTATUS(status) : 1000 + WTERMSIG(status);
}

/* Wait until name exists in dir (or limit_s passes); 1 if it does. */
static int wait_exists(const char *substr, double limit_s)
{
    double t0 = now_s();
    while (now_s() - t0 < limit_s) {
        DIR *d = opendir(dir);
        struct dirent *e;
        int found = 0;
        while (d && (e = readdir(d)))
            found |= strstr(e->d_name, substr) != NULL;
        if (d)
            closedir(d);
        if (found)
            return 1;
        usleep(10000);
    }
    return 0;
}

/* A gnuplot that hangs (dir/slowgp), so that report is caught while its temporary
 * directory exists; returns the environment entry that makes sculpt use it. */
static const char *slow_gnuplot_env(void)
{
    put("slowgp", "#!/bin/sh\nsleep 30\n");
    cr_assert_eq(sh("chmod +x slowgp"), 0);
    static char env[600];
    snprintf(env, sizeof env, "SCULPT_GNUPLOT=%s/slowgp", dir);
    return env;
}

/* Send sig after delay_s (or once `ready` appears), expect 128+sig within 1 s, no
 * output named out and no temporary file. */
static void interrupt_case(char *const argv[], const char *env, const char *ready,
                           double delay_s, int sig, const char *out)
{
    pid_t pid = spawn(argv, env);
    if (ready)
        cr_assert(wait_exists(ready, 30), "%s never appeared", ready);
    else
        usleep((useconds_t)(delay_s * 1e6));
    double took = 0;
    cr_assert_eq(waitpid(pid, NULL, WNOHANG), 0, "%s ended before the signal", argv[1]);
    kill(pid, sig);
    int rc = wait_for(pid, 5, &took);
    kill(-pid, SIGKILL); /* a gnuplot child left by report */
    char *e = slurp("err");
    cr_assert_eq(rc, 128 + sig, "%s: exit %d after signal %d: %s", argv[1], rc, sig, e);
    cr_assert_lt(took, 1.0, "%s took %.2f s to stop", argv[1], took);
    cr_assert_not_null(strstr(e, "temporary files removed"), "%s", e);
    free(e);
    cr_assert(!exists(out), "%s exists after the signal", out);
    cr_assert_eq(n_tmp(), 0, "temporary files left after %s", argv[1]);
}

Test(outputs, sigint_and_sigterm_stop_run_sweep_forecast_report, .timeout = 300)
{
    char run_scn[512], sweep_f[512], spec[512];
    snprintf(run_scn, sizeof run_scn, "%s/scenarios/demo.json", SRC);
    snprintf(sweep_f, sizeof sweep_f, "%s/scenarios/demo-sweep.json", SRC);
    snprintf(spec, sizeof spec, "%s/traces/specs/demo.json", SRC);
    /* run: mid-simulation, both signals */
    interrupt_case((char *[]){BIN, "run", run_scn, "-o", "d.h5", "-j", "2", NULL}, NULL, NULL,
                   1.0, SIGINT, "d.h5");
    interrupt_case((char *[]){BIN, "run", run_scn, "-o", "d.h5", "-j", "1", NULL}, NULL, NULL,
                   1.0, SIGTERM, "d.h5");
    /* sweep */
    interrupt_case((char *[]){BIN, "sweep", sweep_f, "-o", "s.h5", "-j", "2", NULL}, NULL,
                   NULL, 1.0, SIGTERM, "s.h5");
    /* forecast: a long store, the ensemble */
    cr_assert_eq(sh("%s trace gen '%s' -o big.h5 -q --duration 400d --step 5m && rm -f "
                    "big.events.csv", BIN, spec), 0);
    interrupt_case((char *[]){BIN, "forecast", "big.h5", "--series", "web/na/load", "--series",
                              "web/eu/load", "--step", "5m", "-o", "w.h5", NULL},
                   NULL, NULL, 1.0, SIGINT, "w.h5");
    /* report and run --report: gnuplot hangs; the temporary directory and the
     * temporary results file exist when the signal comes */
    const char *env = slow_gnuplot_env();
    cr_assert_eq(sh("%s run '%s/tests/fixtures/sim/unit.json' -o u.h5", BIN, SRC), 0);
    interrupt_case((char *[]){BIN, "report", "u.h5", "-o", "rep", NULL}, env, ".rep.tmp.", 0,
                   SIGTERM, "rep");
    interrupt_case((char *[]){BIN, "run", run_scn, "-o", "r.h5", "--policy", "static",
                              "--report", "rep", NULL},
                   env, ".rep.tmp.", 0, SIGINT, "r.h5");
}

Test(outputs, after_kill_9_no_output_and_the_next_run_cleans_up, .timeout = 120)
{
    char run_scn[512];
    snprintf(run_scn, sizeof run_scn, "%s/scenarios/demo.json", SRC);
    const char *env = slow_gnuplot_env();
    /* killed while the results sit in their temporary file (the report is running) */
    pid_t pid = spawn((char *[]){BIN, "run", run_scn, "-o", "r.h5", "--policy", "static",
                                 "--report", "rep", NULL},
                      env);
    cr_assert(wait_exists(".rep.tmp.", 60));
    kill(pid, SIGKILL);
    double took;
    cr_assert_eq(wait_for(pid, 5, &took), 1000 + SIGKILL);
    kill(-pid, SIGKILL);
    cr_assert(!exists("r.h5"), "an output under its final name after kill -9");
    cr_assert(wait_exists("r.h5.tmp.", 0.1), "expected a stale temporary file to clean");
    cr_assert(wait_exists(".rep.tmp.", 0.1), "expected a stale report directory to clean");
    /* the next write of r.h5 removes the stale temporary file, and the next report
     * into rep the stale temporary directory */
    cr_assert_eq(sh("%s run '%s/tests/fixtures/sim/unit.json' -o r.h5", BIN, SRC), 0);
    cr_assert(exists("r.h5"));
    cr_assert(!wait_exists("r.h5.tmp.", 0.05), "stale temporary file not cleaned");
    cr_assert_eq(sh("%s report r.h5 -o rep --format none", BIN), 0);
    cr_assert(exists("rep"));
    cr_assert(!wait_exists(".rep.tmp.", 0.05), "stale report directory not cleaned");
}

/* ---------------------------------------------------------------------------------- */
/* the rest of item 4 (issue 13): every writer cleans stale temporaries of its output; */
/* the other signal of each long command; kill -9 of forecast and sweep at any moment  */

/* A stale (unlocked) temporary of each output, planted before the command writes it,
 * is gone afterwards, and the output exists. */
Test(outputs, every_writer_removes_stale_temporaries_of_its_outputs, .timeout = 300)
{
    unit_here();
    char spec[512];
    snprintf(spec, sizeof spec, "%s/traces/specs/demo.json", SRC);
    struct {
        const char *cmd;        /* shell; $S is the sculpt binary */
        const char *outs[2];    /* its outputs */
    } cases[] = {
        {"$S forecast flat.csv --step 5m -o w.json", {"w.json", NULL}},
        {"$S forecast flat.csv --step 5m -o w.h5", {"w.h5", NULL}},
        {"echo '{\"name\": \"s\", \"base\": \"unit.json\", \"axes\": [], \"replicates\": 1}' "
         "> sw.json && $S sweep sw.json -o s.h5 --csv s.csv",
         {"s.h5", "s.csv"}},
        {"$S trace import -o imp.h5 flat.csv", {"imp.h5", NULL}},
        {"$S run unit.json -o r2.h5", {"r2.h5", NULL}},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char stale[2][256];
        for (int k = 0; k < 2 && cases[i].outs[k]; k++) {
            snprintf(stale[k], sizeof stale[k], "%s.tmp.0123456789abcdef", cases[i].outs[k]);
            put(stale[k], "stale");
        }
        const char *cmd = cases[i].cmd;
        int rc = sh("S='%s'; %s", BIN, cmd);
        char *e = slurp("err");
        cr_assert_eq(rc, 0, "%s: exit %d: %s", cmd, rc, e);
        free(e);
        for (int k = 0; k < 2 && cases[i].outs[k]; k++) {
            cr_assert(exists(cases[i].outs[k]), "%s: no %s", cmd, cases[i].outs[k]);
            cr_assert(!exists(stale[k]), "%s: stale %s kept", cmd, stale[k]);
        }
    }
    /* trace gen writes the store and its events file: a stale one of each */
    put("st.h5.tmp.0123456789abcdef", "stale");
    put("st.events.csv.tmp.0123456789abcdef", "stale");
    cr_assert_eq(sh("%s trace gen '%s' -q --duration 2d -o st.h5", BIN, spec), 0);
    cr_assert(exists("st.h5") && exists("st.events.csv"));
    cr_assert_eq(n_tmp(), 0, "a stale temporary of trace gen kept");
}

/* The signal the first test does not send to each command. */
Test(outputs, the_other_signal_stops_sweep_forecast_report, .timeout = 300)
{
    char sweep_f[512], spec[512];
    snprintf(sweep_f, sizeof sweep_f, "%s/scenarios/demo-sweep.json", SRC);
    snprintf(spec, sizeof spec, "%s/traces/specs/demo.json", SRC);
    interrupt_case((char *[]){BIN, "sweep", sweep_f, "-o", "s.h5", "-j", "1", NULL}, NULL,
                   NULL, 1.0, SIGINT, "s.h5");
    cr_assert_eq(sh("%s trace gen '%s' -o big.h5 -q --duration 400d --step 5m && rm -f "
                    "big.events.csv", BIN, spec), 0);
    interrupt_case((char *[]){BIN, "forecast", "big.h5", "--series", "web/na/load", "--series",
                              "web/eu/load", "--step", "5m", "-o", "w.json", NULL},
                   NULL, NULL, 1.0, SIGTERM, "w.json");
    const char *env = slow_gnuplot_env();
    cr_assert_eq(sh("%s run '%s/tests/fixtures/sim/unit.json' -o u.h5", BIN, SRC), 0);
    interrupt_case((char *[]){BIN, "report", "u.h5", "-o", "rep", NULL}, env, ".rep.tmp.", 0,
                   SIGINT, "rep");
    /* trace gen, long enough to be caught mid-generation */
    interrupt_case((char *[]){BIN, "trace", "gen", spec, "-q", "--duration", "3000d", "--step",
                              "1m", "-o", "g.h5", NULL},
                   NULL, NULL, 0.5, SIGTERM, "g.h5");
}

/* Start argv and kill -9 it the moment a file whose name contains `tmp_part` is created
 * in dir (inotify: within microseconds of the creat(), far inside a write that lasts
 * milliseconds).  1 if it was killed, 0 if it finished first. */
static int kill_9_when_created(char *const argv[], const char *tmp_part)
{
    int in = inotify_init1(IN_CLOEXEC);
    cr_assert_geq(in, 0);
    cr_assert_geq(inotify_add_watch(in, dir, IN_CREATE), 0);
    pid_t pid = spawn(argv, NULL);
    int killed = 0;
    double t0 = now_s();
    while (!killed && now_s() - t0 < 120) {
        struct pollfd pfd = {.fd = in, .events = POLLIN};
        if (poll(&pfd, 1, 50) <= 0) {
            if (waitpid(pid, NULL, WNOHANG) == pid)
                break; /* finished (or failed) without the file */
            continue;
        }
        char buf[4096] __attribute__((aligned(__alignof__(struct inotify_event))));
        ssize_t n = read(in, buf, sizeof buf);
        for (char *p = buf; n > 0 && p < buf + n;) {
            const struct inotify_event *ev = (const struct inotify_event *)p;
            if (ev->len && strstr(ev->name, tmp_part)) {
                kill(pid, SIGKILL);
                killed = 1;
                break;
            }
            p += sizeof *ev + ev->len;
        }
    }
    close(in);
    int status = 0;
    waitpid(pid, &status, 0);
    kill(-pid, SIGKILL);
    return killed && WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL;
}

/* kill -9 of a forecast and of a sweep while their output sits in its temporary file:
 * no output under its final name, a stale temporary left, and the next run of the same
 * output removes it. */
Test(outputs, kill_9_of_forecast_and_sweep_while_writing, .timeout = 300)
{
    char sweep_f[512], spec[512];
    snprintf(sweep_f, sizeof sweep_f, "%s/scenarios/demo-sweep.json", SRC);
    snprintf(spec, sizeof spec, "%s/traces/specs/demo.json", SRC);
    cr_assert_eq(sh("%s trace gen '%s' -o big.h5 -q --duration 120d --step 5m && rm -f "
                    "big.events.csv", BIN, spec), 0);
    char *const fc[] = {BIN, "forecast", "big.h5", "--series", "web/na/load", "--step", "5m",
                        "-o", "w.h5", NULL};
    char *const sw[] = {BIN, "sweep", sweep_f, "-o", "s.h5", "-j", "2", NULL};
    char *const *argvs[] = {fc, sw};
    const char *outs[] = {"w.h5", "s.h5"}, *tmps[] = {"w.h5.tmp.", "s.h5.tmp."};
    for (int k = 0; k < 2; k++) {
        int killed = 0;
        for (int attempt = 0; attempt < 5 && !killed; attempt++) {
            killed = kill_9_when_created(argvs[k], tmps[k]);
            if (!killed)
                cr_assert_eq(sh("rm -f %s", outs[k]), 0);
        }
        cr_assert(killed, "%s was never caught writing", argvs[k][1]);
        cr_assert(!exists(outs[k]), "%s under its final name after kill -9", outs[k]);
        cr_assert_gt(n_tmp(), 0, "kill -9 of %s left no temporary file to clean", argvs[k][1]);
    }
    /* the next write of each output removes the stale temporaries of that output */
    cr_assert_eq(sh("%s forecast big.h5 --series web/na/load --step 5m -o w.h5", BIN), 0);
    cr_assert_eq(sh("%s sweep '%s/tests/fixtures/sweep/tiny.json' -o s.h5", BIN, SRC), 0);
    cr_assert(exists("w.h5") && exists("s.h5"));
    cr_assert_eq(n_tmp(), 0, "a stale temporary file left after the next runs");
}
