/*
 * cloudtest.h - helpers shared by the cloud adapter tests (test_live_aws.c,
 * test_cloud_*.c); header-only, static functions, included once per test program.
 *
 *   - a scripted fault-injecting HTTP server in a thread on 127.0.0.1 (a free port):
 *     each request is answered by the next scripted answer (status, extra header,
 *     body from a fixture; status 0 = drop the connection), every request is kept;
 *   - check_params: a Query API form body against a .params fixture written from the
 *     published API reference (tests/live/fixtures/aws/README.md);
 *   - moto_server started on a free loopback port and stopped by its pid;
 *   - `sculpt live` run as a child with its stdout/stderr in dir;
 *   - a real Prometheus backfilled with promtool from OpenMetrics text, on a free
 *     loopback port, stopped by its pid (test_live_prom.c, test_live_slo.c).
 * The including test fills dir (a temporary directory) in its setup.
 */
#ifndef SCULPT_TEST_CLOUDTEST_H
#define SCULPT_TEST_CLOUDTEST_H

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cjson/cJSON.h>
#include <strings.h>

#include "sculpt/fsutil.h"
#include "sculpt/orchestrator.h"
#include "sculpt/sculpt.h"
#include "sculpt/simulator.h"

static char dir[256];

__attribute__((unused)) static char *slurp(const char *path)
{
    char *txt = NULL;
    size_t n = 0;
    sc_error e;
    if (sc_file_read_all(path, &txt, &n, &e) != SC_OK)
        return NULL;
    return txt;
}

/* ---- the fault-injecting server -------------------------------------------------- */

/* Suite set-up: libsculpt, a private directory in dir made from the mkdtemp(3)
 * template /tmp/sculpt-NAME-XXXXXX. */
__attribute__((unused)) static void suite_setup(const char *name)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    snprintf(dir, sizeof dir, "/tmp/sculpt-%s-XXXXXX", name);
    cr_assert_not_null(mkdtemp(dir));
}

/* Suite set-up of the AWS tests: suite_setup, test credentials in the environment. */
__attribute__((unused)) static void aws_suite_setup(const char *name, const char *akid,
                                                    const char *secret)
{
    suite_setup(name);
    setenv("AWS_ACCESS_KEY_ID", akid, 1);
    setenv("AWS_SECRET_ACCESS_KEY", secret, 1);
    unsetenv("AWS_SESSION_TOKEN");
}

/* Suite tear-down: the private directory removed. */
__attribute__((unused)) static void suite_dir_remove(void)
{
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

/* The exit status of a shell command (-1 when it did not exit). */
__attribute__((unused)) static int run(const char *cmd)
{
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

#define MAXREQ 64
typedef struct answer {
    int status;                 /* 0 = drop the connection without answering */
    const char *extra_header;   /* e.g. "Retry-After: 0\r\n" */
    char *body;
} answer;

typedef struct server {
    int fd, port;
    pthread_t th;
    answer script[MAXREQ];
    int n_script, next;
    char *req[MAXREQ];          /* headers + body of each request */
    int n_req;
    int stop;
} server;

__attribute__((unused)) static void *serve(void *arg)
{
    server *s = arg;
    while (!s->stop) {
        int c = accept(s->fd, NULL, NULL);
        if (c < 0)
            break;
        if (s->stop) {
            close(c);
            break;
        }
        char buf[65536];
        size_t len = 0;
        long clen = -1;
        char *hend = NULL;
        for (;;) {
            ssize_t r = recv(c, buf + len, sizeof buf - 1 - len, 0);
            if (r <= 0)
                break;
            len += (size_t)r;
            buf[len] = '\0';
            if (!hend && (hend = strstr(buf, "\r\n\r\n"))) {
                char *cl = strcasestr(buf, "Content-Length:");
                clen = cl ? strtol(cl + 15, NULL, 10) : 0;
            }
            if (hend && (long)(len - (size_t)(hend + 4 - buf)) >= clen)
                break;
        }
        if (s->n_req < MAXREQ)
            s->req[s->n_req++] = strdup(buf);
        answer a = {200, NULL, NULL};
        if (s->next < s->n_script)
            a = s->script[s->next++];
        if (a.status) {
            const char *body = a.body ? a.body : "<OK/>";
            char out[70000];
            int n = snprintf(out, sizeof out,
                             "HTTP/1.1 %d X\r\nContent-Type: text/xml\r\nContent-Length: %zu\r\n"
                             "Connection: close\r\n%s\r\n%s",
                             a.status, strlen(body), a.extra_header ? a.extra_header : "", body);
            if (send(c, out, (size_t)n, 0) < 0)
                perror("send");
        }
        close(c);
    }
    return NULL;
}

__attribute__((unused)) static void server_start(server *s)
{
    memset(s, 0, sizeof *s);
    s->fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    int one = 1;
    setsockopt(s->fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    cr_assert_eq(bind(s->fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t al = sizeof a;
    getsockname(s->fd, (struct sockaddr *)&a, &al);
    s->port = ntohs(a.sin_port);
    cr_assert_eq(listen(s->fd, 16), 0);
}

__attribute__((unused)) static void server_run(server *s) { pthread_create(&s->th, NULL, serve, s); }

__attribute__((unused)) static void server_stop(server *s)
{
    s->stop = 1;
    shutdown(s->fd, SHUT_RDWR);
    close(s->fd);
    pthread_join(s->th, NULL);
    for (int i = 0; i < s->n_req; i++)
        free(s->req[i]);
    for (int i = 0; i < s->n_script; i++)
        free(s->script[i].body);
}

__attribute__((unused)) static void script(server *s, int status, const char *hdr, const char *fixture)
{
    answer *a = &s->script[s->n_script++];
    a->status = status;
    a->extra_header = hdr;
    a->body = fixture ? slurp(fixture) : NULL;
    if (fixture)
        cr_assert_not_null(a->body, "fixture %s", fixture);
}

/* The value of form parameter key in a request body, "" when absent. */
__attribute__((unused)) static const char *body_of(const char *req)
{
    const char *b = strstr(req, "\r\n\r\n");
    return b ? b + 4 : "";
}

/* Check a request body against a .params fixture: every parameter known, every required
 * one present, fixed values equal. */
__attribute__((unused)) static void check_params(const char *req, const char *fixture)
{
    char *fx = slurp(fixture);
    cr_assert_not_null(fx, "%s", fixture);
    char names[64][160], want[64][64];
    int req_[64], n = 0;
    char *save = NULL;
    for (char *ln = strtok_r(fx, "\n", &save); ln && n < 64; ln = strtok_r(NULL, "\n", &save)) {
        char kind[16];
        want[n][0] = '\0';
        if (sscanf(ln, "%159s %15s %63s", names[n], kind, want[n]) < 2)
            continue;
        req_[n] = strcmp(kind, "required") == 0;
        n++;
    }
    free(fx);
    char body[8192];
    snprintf(body, sizeof body, "%s", body_of(req));
    int seen[64] = {0};
    char *s2 = NULL;
    for (char *kv = strtok_r(body, "&", &s2); kv; kv = strtok_r(NULL, "&", &s2)) {
        char *eq = strchr(kv, '=');
        cr_assert_not_null(eq, "parameter without a value: %s", kv);
        *eq = '\0';
        /* list indexes: name.member.3 -> name.member.N, at any depth
         * (Overrides.member.1.InstanceType -> Overrides.member.N.InstanceType) */
        char norm[160];
        size_t nl = 0;
        for (const char *q = kv; *q && nl + 2 < sizeof norm;) {
            if ((q == kv || q[-1] == '.') && *q >= '0' && *q <= '9') {
                norm[nl++] = 'N';
                while (*q >= '0' && *q <= '9')
                    q++;
            } else {
                norm[nl++] = *q++;
            }
        }
        norm[nl] = '\0';
        int k = -1;
        for (int i = 0; i < n; i++)
            if (strcmp(names[i], norm) == 0)
                k = i;
        cr_assert_geq(k, 0, "parameter %s is not in the API reference (%s)", kv, fixture);
        seen[k] = 1;
        if (want[k][0])
            cr_assert_str_eq(eq + 1, want[k], "%s", kv);
    }
    for (int i = 0; i < n; i++)
        if (req_[i])
            cr_assert(seen[i], "required parameter %s missing (%s)", names[i], fixture);
}

static pid_t moto_pid;
static int moto_port;

__attribute__((unused)) static int free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    bind(fd, (struct sockaddr *)&a, sizeof a);
    socklen_t l = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &l);
    close(fd);
    return ntohs(a.sin_port);
}

/* auth: moto checks signatures (and IAM) after its first 3 actions, which create the
 * user whose keys the test then signs with. */
__attribute__((unused)) static void moto_start(int auth)
{
    cr_assert_eq(system("command -v moto_server > /dev/null 2>&1"), 0,
                 "moto_server is not on PATH: install moto 5 with its server extra (pip "
                 "install 'moto[server]'); this test needs it");
    moto_port = free_port();
    char port[16], log[300];
    snprintf(port, sizeof port, "%d", moto_port);
    snprintf(log, sizeof log, "%s/moto.log", dir);
    moto_pid = fork();
    if (moto_pid == 0) {
        if (auth)
            setenv("INITIAL_NO_AUTH_ACTION_COUNT", "3", 1);
        freopen(log, "w", stdout);
        freopen(log, "a", stderr);
        execlp("moto_server", "moto_server", "-H", "127.0.0.1", "-p", port, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* up to 20 s for it to listen */
        int fd = socket(AF_INET, SOCK_STREAM, 0);
        struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)moto_port),
                                .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
        int ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
        close(fd);
        if (ok)
            return;
        int st;
        cr_assert_eq(waitpid(moto_pid, &st, WNOHANG), 0, "moto_server exited (see %s)", log);
        usleep(100000);
    }
    cr_assert_fail("moto_server did not listen on 127.0.0.1:%d within 20 s", moto_port);
}

__attribute__((unused)) static void moto_stop(void)
{
    if (moto_pid > 0) {
        kill(moto_pid, SIGTERM);
        waitpid(moto_pid, NULL, 0);
        moto_pid = 0;
    }
}

__attribute__((unused)) static int sculpt(const char *args, const char *tag)
{
    char cmd[4096];
    snprintf(cmd, sizeof cmd, "%s live %s > %s/%s.out 2> %s/%s.err", SC_SCULPT_BIN, args, dir,
             tag, dir, tag);
    int rc = system(cmd);
    return WIFEXITED(rc) ? WEXITSTATUS(rc) : -1;
}

__attribute__((unused)) static double json_num(const char *tag, const char *key)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s.out", dir, tag);
    char *t = slurp(p);
    cr_assert_not_null(t);
    char pat[64];
    snprintf(pat, sizeof pat, "\"%s\":", key);
    char *at = strstr(t, pat);
    cr_assert_not_null(at, "%s in %s", key, t);
    double v = strtod(at + strlen(pat), NULL);
    free(t);
    return v;
}

/* ---- the project's fake of Azure and GCP (tests/fake_cloud/fake_cloud.py) ------------ */

static pid_t fake_pid;
static int fake_port;

/* Start the fake with extra arguments (e.g. "--secret S --initial NAME=8"). */
__attribute__((unused)) static void fake_start(const char *extra)
{
    char pf[300], log[300];
    snprintf(pf, sizeof pf, "%s/fake.port", dir);
    snprintf(log, sizeof log, "%s/fake.log", dir);
    unlink(pf);
    fake_pid = fork();
    if (fake_pid == 0) {
        char cmd[2048];
        snprintf(cmd, sizeof cmd, "exec python3 %s/tests/fake_cloud/fake_cloud.py --port-file %s %s",
                 SC_SOURCE_DIR, pf, extra ? extra : "");
        freopen(log, "w", stdout);
        freopen(log, "a", stderr);
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 200; i++) { /* up to 20 s */
        char *t = slurp(pf);
        if (t) {
            fake_port = atoi(t);
            free(t);
            return;
        }
        int st;
        cr_assert_eq(waitpid(fake_pid, &st, WNOHANG), 0, "fake_cloud.py exited (see %s)", log);
        usleep(100000);
    }
    cr_assert_fail("fake_cloud.py did not start within 20 s");
}

__attribute__((unused)) static void fake_stop(void)
{
    if (fake_pid > 0) {
        kill(fake_pid, SIGTERM);
        waitpid(fake_pid, NULL, 0);
        fake_pid = 0;
    }
}

/* POST a fault (JSON) to the fake. */
__attribute__((unused)) static void fake_fault(const char *json)
{
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "curl -s -f -o /dev/null -X POST --data '%s' http://127.0.0.1:%d/_fault", json,
             fake_port);
    cr_assert_eq(system(cmd), 0, "fault %s", json);
}

/* GET /_state or /_log of the fake as text (caller frees). */
__attribute__((unused)) static char *fake_get(const char *what)
{
    char cmd[512], out[300];
    snprintf(out, sizeof out, "%s/fake-%s.json", dir, what);
    snprintf(cmd, sizeof cmd, "curl -s -f -o %s http://127.0.0.1:%d/_%s", out, fake_port, what);
    cr_assert_eq(system(cmd), 0);
    return slurp(out);
}

/* GET /_state or /_log of the fake, parsed (caller frees with cJSON_Delete). */
__attribute__((unused)) static cJSON *fake_json(const char *what)
{
    char *t = fake_get(what);
    cJSON *j = cJSON_Parse(t);
    free(t);
    cr_assert_not_null(j, "the fake's /_%s is not JSON", what);
    return j;
}

/* A `sculpt live` run (run_live's status rc, outputs dir/<tag>.out and .err) must have
 * succeeded; else the test fails with its stderr. */
__attribute__((unused)) static void live_ok(int rc, const char *tag, const char *what)
{
    if (rc == 0)
        return;
    char p[512];
    snprintf(p, sizeof p, "%s/%s.err", dir, tag);
    cr_assert_fail("%s failed (%d): %s", what, rc, slurp(p));
}

/* The capacities of two regions after a live run, replayed from its journal dir/j:
 * want[] holds the initial counts and receives initial + the net count accepted per
 * region ("I key t kind app region" intents, "A key accepted" acknowledgements; weight
 * changes carry no count). */
__attribute__((unused)) static void journal_capacities(int want[2])
{
    char p[512];
    snprintf(p, sizeof p, "%s/j", dir);
    char *j = slurp(p);
    cr_assert_not_null(j, "no journal %s", p);
    int kind[256], reg[256], nk = 0;
    char keys[256][48];
    char *save = NULL;
    for (char *ln = strtok_r(j, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char key[48];
        long long t;
        int k, a, r, acc;
        if (sscanf(ln, "I %47s %lld %d %d %d", key, &t, &k, &a, &r) == 5 && nk < 256) {
            snprintf(keys[nk], sizeof keys[nk], "%s", key);
            kind[nk] = k, reg[nk] = r, nk++;
        } else if (sscanf(ln, "A %47s %d", key, &acc) == 2) {
            for (int i = 0; i < nk; i++)
                if (strcmp(keys[i], key) == 0 && kind[i] != SC_ACTION_SET_WEIGHT)
                    want[reg[i]] += kind[i] == SC_ACTION_DEPROVISION ? -acc : acc;
        }
    }
    free(j);
}

/* ---- request checks against .spec fixtures (tests/live/fixtures/azure/README.md) ---- */

__attribute__((unused)) static void url_decode(char *s)
{
    char *o = s;
    for (; *s; s++) {
        if (*s == '%' && s[1] && s[2]) {
            char h[3] = {s[1], s[2], 0};
            *o++ = (char)strtol(h, NULL, 16);
            s += 2;
        } else {
            *o++ = *s == '+' ? ' ' : *s;
        }
    }
    *o = '\0';
}

/* Does path match a template whose {x} stand for one segment? */
/* The value of form field key in a request ("" when absent), decoded. */
__attribute__((unused)) static void form_value(const char *req, const char *key, char *out,
                                               size_t cap)
{
    out[0] = '\0';
    char b[8192];
    snprintf(b, sizeof b, "%s", body_of(req));
    char *save = NULL;
    for (char *kv = strtok_r(b, "&", &save); kv; kv = strtok_r(NULL, "&", &save)) {
        char *eq = strchr(kv, '=');
        if (eq && (size_t)(eq - kv) == strlen(key) && strncmp(kv, key, strlen(key)) == 0) {
            url_decode(eq + 1);
            snprintf(out, cap, "%s", eq + 1);
        }
    }
}

/* One form field a scripted request must carry: request index, field, value ("" =
 * absent). */
typedef struct form_field {
    int req;
    const char *field, *want;
} form_field;

/* Every field of fv[0..n) in the server's kept requests, as form_value decodes it. */
__attribute__((unused)) static void check_form(const server *s, const form_field *fv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        char v[128];
        form_value(s->req[fv[i].req], fv[i].field, v, sizeof v);
        cr_assert_str_eq(v, fv[i].want, "request %d %s", fv[i].req, fv[i].field);
    }
}

__attribute__((unused)) static int path_matches(const char *path, const char *tmpl)
{
    while (*tmpl) {
        if (*tmpl == '{') {
            const char *e = strchr(tmpl, '}');
            if (!e || !*path || *path == '/')
                return 0;
            tmpl = e + 1;
            while (*path && *path != '/')
                path++;
        } else if (*tmpl++ != *path++) {
            return 0;
        }
    }
    return *path == '\0';
}

__attribute__((unused)) static const cJSON *leaf(const cJSON *o, const char *dotted)
{
    char buf[128];
    snprintf(buf, sizeof buf, "%s", dotted);
    char *save = NULL;
    for (char *k = strtok_r(buf, ".", &save); k && o; k = strtok_r(NULL, ".", &save))
        o = cJSON_GetObjectItemCaseSensitive(o, k);
    return o;
}

/* Count the JSON leaves of o. */
__attribute__((unused)) static int n_leaves(const cJSON *o)
{
    if (!cJSON_IsObject(o))
        return 1;
    int n = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, o) n += n_leaves(c);
    return n;
}

/* Check one logged request (the fake's /_log entry) against a .spec fixture. */
__attribute__((unused)) static void check_spec(const cJSON *req, const char *spec)
{
    char *fx = slurp(spec);
    cr_assert_not_null(fx, "%s", spec);
    const char *method = cJSON_GetObjectItem(req, "method")->valuestring;
    const char *path = cJSON_GetObjectItem(req, "path")->valuestring;
    const cJSON *query = cJSON_GetObjectItem(req, "query");
    const cJSON *headers = cJSON_GetObjectItem(req, "headers");
    const char *body = cJSON_GetObjectItem(req, "body")->valuestring;
    cJSON *json = body[0] == '{' ? cJSON_Parse(body) : NULL;
    int body_leaves = 0;
    char *save = NULL;
    for (char *ln = strtok_r(fx, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char kind[16], a[512] = "", b[256] = "", c[256] = "";
        if (sscanf(ln, "%15s %511s %255s %255s", kind, a, b, c) < 2)
            continue;
        if (strcmp(kind, "method") == 0) {
            cr_assert_str_eq(method, a, "%s %s (%s)", method, path, spec);
        } else if (strcmp(kind, "path") == 0) {
            cr_assert(path_matches(path, a), "path %s does not match %s", path, a);
        } else if (strcmp(kind, "query") == 0) {
            const cJSON *v = cJSON_GetObjectItem(query, a);
            cr_assert(cJSON_IsString(v) && (!b[0] || strcmp(v->valuestring, b) == 0),
                      "%s: query %s=%s", path, a, b);
        } else if (strcmp(kind, "form") == 0) {
            char f[4096];
            snprintf(f, sizeof f, "%s", body);
            int found = 0;
            char *s2 = NULL;
            for (char *kv = strtok_r(f, "&", &s2); kv; kv = strtok_r(NULL, "&", &s2)) {
                char *eq = strchr(kv, '=');
                if (!eq)
                    continue;
                *eq = '\0';
                url_decode(eq + 1);
                if (strcmp(kv, a) == 0) {
                    found = 1;
                    if (b[0])
                        cr_assert_str_eq(eq + 1, b, "form %s", a);
                }
            }
            cr_assert(found, "form field %s missing (%s)", a, spec);
        } else if (strcmp(kind, "body") == 0) {
            const cJSON *v = leaf(json, a);
            if (!v)
                continue; /* optional */
            body_leaves++;
            if (strcmp(b, "array") == 0)
                cr_assert(cJSON_IsArray(v), "%s is an array", a);
            else if (strcmp(b, "integer") == 0)
                cr_assert(cJSON_IsNumber(v) && v->valuedouble == (int)v->valuedouble, "%s", a);
            else if (strcmp(b, "boolean") == 0)
                cr_assert(cJSON_IsBool(v), "%s is a boolean", a);
            else
                cr_assert(cJSON_IsString(v), "%s is a string", a);
            if (c[0]) {
                char opts[300];
                snprintf(opts, sizeof opts, "|%s|", c);
                char want[300];
                snprintf(want, sizeof want, "|%s|", v->valuestring);
                cr_assert(strstr(opts, want), "%s = %s not in %s", a, v->valuestring, c);
            }
        } else if (strcmp(kind, "header") == 0) {
            const char *prefix = strstr(ln, a) + strlen(a) + 1;
            const cJSON *h = NULL, *it;
            cJSON_ArrayForEach(it, headers) if (strcasecmp(it->string, a) == 0) h = it;
            cr_assert(h && strncmp(h->valuestring, prefix, strlen(prefix)) == 0,
                      "%s %s: header %s must start '%s'", method, path, a, prefix);
        }
    }
    if (json)
        cr_assert_eq(body_leaves, n_leaves(json), "%s: the body has leaves outside %s", body,
                     spec);
    cJSON_Delete(json);
    free(fx);
}

/* ---- a real Prometheus (Debian's package) backfilled with promtool ------------------- */

static pid_t prom_pid;
static int prom_port;

/* The OpenMetrics file PATH opened for writing with the world of scenario json: its
 * per-geography loads "sculpt_load{app="web",geo="g"|"h"}" written (geo g's step `gap`
 * left out when gap >= 0), *t0 and *step its start and step in seconds.  The caller
 * writes its other series, then "# EOF", closes the file and frees *sc and *w. */
__attribute__((unused)) static FILE *prom_om_open(const char *path, const char *json, int gap,
                                                  sc_scenario **sc, sc_world **w,
                                                  int64_t *t0, int64_t *step)
{
    sc_error err;
    *sc = NULL;
    *w = NULL;
    cr_assert_eq(sc_scenario_load(json, sc, &err), SC_OK, "%s", err.msg);
    cr_assert_eq(sc_world_build(*sc, w, &err), SC_OK, "%s", err.msg);
    FILE *f = fopen(path, "w");
    cr_assert_not_null(f);
    const char *geo[2] = {"g", "h"};
    *t0 = (*sc)->start / 1000;
    *step = (*sc)->step_ms / 1000;
    fprintf(f, "# TYPE sculpt_load gauge\n");
    for (int g = 0; g < 2; g++)
        for (int64_t k = 0; k < (*w)->n_steps; k++)
            if (!(g == 0 && k == gap))
                fprintf(f, "sculpt_load{app=\"web\",geo=\"%s\"} %.9g %lld\n", geo[g],
                        (double)(*w)->load_ag[g][k], (long long)(*t0 + k * *step));
    return f;
}

/* Backfill the OpenMetrics file om into dir/data (promtool tsdb create-blocks-from
 * openmetrics), then start prometheus on it at 127.0.0.1:prom_port (a free port; lookback
 * delta 1 min, retention 100 years) and wait up to 30 s for it to be ready.  Without
 * prometheus or promtool on PATH the test fails saying so. */
__attribute__((unused)) static void prom_start_om(const char *om)
{
    cr_assert_eq(run("command -v prometheus > /dev/null 2>&1 && command -v promtool > /dev/null "
                     "2>&1"),
                 0,
                 "prometheus and promtool are not on PATH: install Debian's prometheus "
                 "package (apt-get install prometheus; .ci/install-deps does); this test "
                 "needs them");
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "promtool tsdb create-blocks-from openmetrics '%s' '%s/data' > '%s/promtool.log' "
             "2>&1",
             om, dir, dir);
    cr_assert_eq(run(cmd), 0, "promtool failed (see %s/promtool.log)", dir);
    snprintf(cmd, sizeof cmd, "%s/prometheus.yml", dir);
    FILE *f = fopen(cmd, "w");
    fprintf(f, "global:\n  scrape_interval: 1h\nscrape_configs: []\n");
    fclose(f);
    prom_port = free_port();
    prom_pid = fork();
    if (prom_pid == 0) {
        char a1[400], a2[400], a3[64], lg[400];
        snprintf(a1, sizeof a1, "--config.file=%s/prometheus.yml", dir);
        snprintf(a2, sizeof a2, "--storage.tsdb.path=%s/data", dir);
        snprintf(a3, sizeof a3, "--web.listen-address=127.0.0.1:%d", prom_port);
        snprintf(lg, sizeof lg, "%s/prometheus.log", dir);
        if (!freopen(lg, "w", stdout) || !freopen(lg, "a", stderr))
            _exit(127);
        execlp("prometheus", "prometheus", a1, a2, a3, "--storage.tsdb.retention.time=100y",
               "--query.lookback-delta=1m", (char *)NULL);
        _exit(127);
    }
    for (int i = 0; i < 300; i++) {
        snprintf(cmd, sizeof cmd, "curl -sf http://127.0.0.1:%d/-/ready > /dev/null 2>&1",
                 prom_port);
        if (run(cmd) == 0)
            return;
        int st;
        cr_assert_eq(waitpid(prom_pid, &st, WNOHANG), 0, "prometheus exited (see %s)", dir);
        usleep(100000);
    }
    cr_assert_fail("prometheus was not ready on 127.0.0.1:%d within 30 s", prom_port);
}

__attribute__((unused)) static void prom_stop(void)
{
    if (prom_pid > 0) {
        kill(prom_pid, SIGTERM);
        waitpid(prom_pid, NULL, 0);
        prom_pid = 0;
    }
}

/* Suite tear-down of the Prometheus tests: prometheus stopped, dir removed (kept when
 * KEEP is set in the environment). */
__attribute__((unused)) static void prom_suite_teardown(void)
{
    prom_stop();
    char cmd[512];
    snprintf(cmd, sizeof cmd, getenv("KEEP") ? "true %s" : "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

#endif
