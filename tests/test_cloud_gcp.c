/*
 * test_cloud_gcp.c - the GCP adapter (core/cloud/gcp.c) and its RS256 JWT (jwt.c).
 *
 * 1. jwt.c: base64url against RFC 4648's test vectors; a token signed with a key made by
 *    `openssl genpkey` verifies with `openssl dgst -sha256 -verify` (an independent
 *    implementation), and a tampered one does not.
 * 2. `sculpt live --provider gcp --execute` against tests/fake_cloud/fake_cloud.py: the
 *    groups end at the journal's sizes, the backend service's capacity scalers where the
 *    hand derivation puts them (g routed 'latency' to us-central1: 1.0, europe-west1: 0.0),
 *    every request matches the fixtures from the published references
 *    (tests/live/fixtures/gcp), the JWT the token endpoint received verifies with openssl
 *    and carries the documented claims (exp - iat = 3600), a rerun replays, and neither the
 *    private key nor a token appears in what sculpt wrote.
 * 3. Faults and idempotency: 403 rateLimitExceeded and 429 are retried and counted; a
 *    resize repeated with the same journal key (a crash between call and journal) reuses
 *    its requestId and the fake applies it once.
 * 4. Bad input: missing or malformed credentials, --bootstrap: exit 2, no journal.
 */
#define _GNU_SOURCE
#include "sculpt/cloud.h"
#include "sculpt/live.h"
#include "sculpt/sculpt.h"

#include "../core/cloud/cloudint.h"

#define GCPJSON SC_SOURCE_DIR "/tests/live/gcp.json"
#define GFIX SC_SOURCE_DIR "/tests/live/fixtures/gcp/"

#include "fake_cloud/cloudtest.h"

static char keyfile[512], pemfile[512], pubfile[512];

/* A fresh RSA key (openssl genpkey) in a service-account key file. */
static void make_key(void)
{
    snprintf(pemfile, sizeof pemfile, "%s/key.pem", dir);
    snprintf(pubfile, sizeof pubfile, "%s/pub.pem", dir);
    snprintf(keyfile, sizeof keyfile, "%s/sa.json", dir);
    char cmd[2048];
    snprintf(cmd, sizeof cmd,
             "openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out %s 2>/dev/null && "
             "openssl pkey -in %s -pubout -out %s",
             pemfile, pemfile, pubfile);
    cr_assert_eq(system(cmd), 0, "openssl genpkey");
    char *pem = slurp(pemfile);
    cJSON *j = cJSON_CreateObject();
    cJSON_AddStringToObject(j, "type", "service_account");
    cJSON_AddStringToObject(j, "project_id", "sculpt-test");
    cJSON_AddStringToObject(j, "private_key_id", "0123456789abcdef");
    cJSON_AddStringToObject(j, "private_key", pem);
    cJSON_AddStringToObject(j, "client_email", "sculpt@sculpt-test.iam.gserviceaccount.com");
    cJSON_AddStringToObject(j, "token_uri", "https://oauth2.googleapis.com/token");
    char *txt = cJSON_Print(j);
    FILE *fp = fopen(keyfile, "w");
    fputs(txt, fp);
    fclose(fp);
    free(txt);
    free(pem);
    cJSON_Delete(j);
    setenv("GOOGLE_APPLICATION_CREDENTIALS", keyfile, 1);
}

static void setup(void)
{
    cr_assert_eq(sc_global_init(), SC_OK);
    snprintf(dir, sizeof dir, "/tmp/sculpt-gcp-XXXXXX");
    cr_assert_not_null(mkdtemp(dir));
    make_key();
}

static void teardown(void)
{
    fake_stop();
    char cmd[512];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

TestSuite(gcp, .init = setup, .fini = teardown);

/* base64url -> bytes (with the padding openssl does not need here). */
static size_t b64url_decode(const char *in, size_t n, unsigned char *out)
{
    size_t o = 0;
    unsigned v = 0;
    int bits = 0;
    for (size_t i = 0; i < n; i++) {
        const char *tab = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
        const char *p = strchr(tab, in[i]);
        cr_assert(p && in[i], "not base64url: %c", in[i]);
        v = v << 6 | (unsigned)(p - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[o++] = (unsigned char)(v >> bits & 0xff);
        }
    }
    return o;
}

/* Verify a compact JWS with openssl; returns openssl's exit status. */
static int openssl_verify(const char *jwt)
{
    const char *d2 = strrchr(jwt, '.');
    cr_assert_not_null(d2);
    char in[512], sig[512];
    snprintf(in, sizeof in, "%s/input.txt", dir);
    snprintf(sig, sizeof sig, "%s/sig.bin", dir);
    FILE *fp = fopen(in, "wb");
    fwrite(jwt, 1, (size_t)(d2 - jwt), fp);
    fclose(fp);
    unsigned char raw[1024];
    size_t n = b64url_decode(d2 + 1, strlen(d2 + 1), raw);
    fp = fopen(sig, "wb");
    fwrite(raw, 1, n, fp);
    fclose(fp);
    char cmd[2048];
    snprintf(cmd, sizeof cmd, "openssl dgst -sha256 -verify %s -signature %s %s > /dev/null 2>&1",
             pubfile, sig, in);
    return WEXITSTATUS(system(cmd));
}

Test(gcp, jwt_rs256_verified_by_openssl)
{
    /* RFC 4648 section 10 vectors, unpadded */
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {"", "Zg", "Zm8", "Zm9v", "Zm9vYg", "Zm9vYmE", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char out[32];
        sc_b64url((const unsigned char *)in[i], strlen(in[i]), out, sizeof out);
        cr_assert_str_eq(out, want[i]);
    }
    unsigned char ff[] = {0xfb, 0xff}; /* the url-safe alphabet: '-' and '_' */
    char o2[8];
    sc_b64url(ff, 2, o2, sizeof o2);
    cr_assert_str_eq(o2, "-_8");
    char *pem = slurp(pemfile), *jwt = NULL;
    sc_error err;
    cr_assert_eq(sc_jwt_rs256(pem, "{\"alg\":\"RS256\",\"typ\":\"JWT\"}",
                              "{\"iss\":\"a@b\",\"iat\":1,\"exp\":3601}", &jwt, &err),
                 SC_OK, "%s", err.msg);
    cr_assert(strncmp(jwt, "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.", 37) == 0, "%s", jwt);
    cr_assert_eq(openssl_verify(jwt), 0, "openssl verifies the signature");
    jwt[40] = jwt[40] == 'A' ? 'B' : 'A'; /* tamper with the claims */
    cr_assert_neq(openssl_verify(jwt), 0, "a tampered token does not verify");
    free(jwt);
    cr_assert_eq(sc_jwt_rs256("-----BEGIN PRIVATE KEY-----\nnot a key\n-----END PRIVATE KEY-----\n",
                              "{}", "{}", &jwt, &err),
                 SC_ERR_INPUT);
    cr_assert_null(strstr(err.msg, "not a key"));
    free(pem);
    /* requestId: a UUID, stable for the same text, different for another */
    char u1[37], u2[37], u3[37];
    sc_uuid_from("1767571200000-0|sculpt-web-us-central1|11", u1);
    sc_uuid_from("1767571200000-0|sculpt-web-us-central1|11", u2);
    sc_uuid_from("1767571200000-1|sculpt-web-us-central1|11", u3);
    cr_assert_str_eq(u1, u2);
    cr_assert_str_neq(u1, u3);
    cr_assert_eq(strlen(u1), 36);
    cr_assert(u1[8] == '-' && u1[13] == '-' && u1[18] == '-' && u1[23] == '-' && u1[14] == '5');
}

/* The capacity scaler of region's group in the fake's backend service sculpt-web. */
static double scaler_in(const cJSON *st, const char *region)
{
    const cJSON *be = cJSON_GetObjectItem(cJSON_GetObjectItem(st, "backend"), "sculpt-web");
    cr_assert_not_null(be, "the backend service was patched");
    char g[300];
    snprintf(g, sizeof g, "projects/sculpt-test/regions/%s/instanceGroups/sculpt-web-%s", region,
             region);
    const cJSON *v = cJSON_GetObjectItem(be, g);
    cr_assert(cJSON_IsNumber(v), "a scaler for %s", g);
    return v->valuedouble;
}

static const char *gspec_of(const cJSON *r)
{
    const char *m = cJSON_GetObjectItem(r, "method")->valuestring;
    const char *p = cJSON_GetObjectItem(r, "path")->valuestring;
    if (strcmp(p, "/token") == 0)
        return GFIX "token.spec";
    if (strstr(p, "/resize"))
        return GFIX "mig-resize.spec";
    if (strstr(p, "/global/instanceTemplates") && strcmp(m, "POST") == 0)
        return GFIX "template-insert.spec";
    if (strstr(p, "/instanceGroupManagers") && !strstr(p, "/instanceGroupManagers/") &&
        strcmp(m, "POST") == 0)
        return GFIX "mig-insert.spec";
    if (strstr(p, "/instanceGroupManagers/"))
        return GFIX "mig-get.spec";
    if (strstr(p, "/regions/") && strstr(p, "/operations/"))
        return GFIX "operation-get.spec";
    if (strstr(p, "/backendServices/") && strcmp(m, "PATCH") == 0)
        return GFIX "backend-patch.spec";
    return NULL;
}

/* The JWT of a token request: verified, and its claims as the reference lists them. */
static void check_assertion(const cJSON *r)
{
    char body[8192];
    snprintf(body, sizeof body, "%s", cJSON_GetObjectItem(r, "body")->valuestring);
    char *a = strstr(body, "assertion=");
    cr_assert_not_null(a);
    a += 10;
    a[strcspn(a, "&")] = '\0';
    cr_assert_eq(openssl_verify(a), 0, "the JWT sent verifies with the key's public half");
    char *d1 = strchr(a, '.'), *d2 = strrchr(a, '.');
    unsigned char hdr[256] = {0}, cl[2048] = {0};
    b64url_decode(a, (size_t)(d1 - a), hdr);
    b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), cl);
    cJSON *h = cJSON_Parse((char *)hdr), *c = cJSON_Parse((char *)cl);
    char *fx = slurp(GFIX "jwt.claims");
    char *save = NULL;
    for (char *ln = strtok_r(fx, "\n", &save); ln; ln = strtok_r(NULL, "\n", &save)) {
        char kind[16], name[32], v[64];
        if (sscanf(ln, "%15s %31s %63s", kind, name, v) != 3)
            continue;
        const cJSON *it = cJSON_GetObjectItem(strcmp(kind, "header") == 0 ? h : c, name);
        cr_assert_not_null(it, "%s %s", kind, name);
        if (strcmp(kind, "header") == 0)
            cr_assert_str_eq(it->valuestring, v);
        else if (strcmp(v, "number") == 0)
            cr_assert(cJSON_IsNumber(it), "%s", name);
        else
            cr_assert(cJSON_IsString(it), "%s", name);
    }
    free(fx);
    cr_assert_str_eq(cJSON_GetObjectItem(c, "iss")->valuestring,
                     "sculpt@sculpt-test.iam.gserviceaccount.com");
    cr_assert_str_eq(cJSON_GetObjectItem(c, "scope")->valuestring,
                     "https://www.googleapis.com/auth/compute");
    cr_assert(strstr(cJSON_GetObjectItem(c, "aud")->valuestring, "/token"));
    cr_assert_eq(cJSON_GetObjectItem(c, "exp")->valuedouble -
                     cJSON_GetObjectItem(c, "iat")->valuedouble,
                 3600);
    cJSON_Delete(h);
    cJSON_Delete(c);
}

static int run_live(const char *extra, const char *tag)
{
    char args[2048];
    snprintf(args, sizeof args,
             "%s --provider gcp --endpoint http://127.0.0.1:%d --clock fast:1e9 --until 30m "
             "--journal %s/j --json %s",
             GCPJSON, fake_port, dir, extra);
    return sculpt(args, tag);
}

Test(gcp, live_against_the_fake, .timeout = 300)
{
    fake_start("--initial sculpt-web-us-central1=8 --initial sculpt-web-europe-west1=4");
    live_ok(run_live("--execute", "r1"), "r1", "sculpt live --provider gcp");
    int want[2] = {8, 4};
    journal_capacities(want);
    cJSON *st = fake_json("state");
    const cJSON *mig = cJSON_GetObjectItem(st, "mig");
    cr_assert_eq(cJSON_GetObjectItem(mig, "us-central1/sculpt-web-us-central1")->valueint, want[0]);
    cr_assert_eq(cJSON_GetObjectItem(mig, "europe-west1/sculpt-web-europe-west1")->valueint,
                 want[1]);
    cr_assert(want[0] != 8 || want[1] != 4, "the run changed something");
    cr_assert_float_eq(scaler_in(st, "us-central1"), 1.0, 1e-12);
    cr_assert_float_eq(scaler_in(st, "europe-west1"), 0.0, 1e-12);
    cJSON_Delete(st);
    cJSON *log = fake_json("log");
    int n_token = 0, n_mut = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log) {
        const char *spec = gspec_of(r);
        if (spec)
            check_spec(r, spec);
        if (spec && strstr(spec, "token")) {
            n_token++;
            check_assertion(r);
        }
        const char *m = cJSON_GetObjectItem(r, "method")->valuestring;
        if (strcmp(m, "PATCH") == 0 || (strcmp(m, "POST") == 0 && !(spec && strstr(spec, "token"))))
            n_mut++;
    }
    cr_assert_eq(n_token, 1);
    cr_assert_eq(json_num("r1", "mutating"), n_mut);
    cJSON_Delete(log);
    cr_assert_eq(run_live("--execute", "r2"), 0);
    cr_assert_eq(json_num("r2", "mutating"), 0);
    char cmd[1024];
    snprintf(cmd, sizeof cmd, "grep -l -e 'PRIVATE KEY' -e 'tok-' %s/j %s/r1.* %s/r2.*", dir,
             dir, dir);
    cr_assert_neq(system(cmd), 0, "a key or token leaked into an output file");
}

static sc_provider *gcp_at(sc_scenario **scp, sc_error *err)
{
    sc_scenario *sc = NULL;
    cr_assert_eq(sc_scenario_load(GCPJSON, &sc, err), SC_OK);
    char url[64];
    snprintf(url, sizeof url, "http://127.0.0.1:%d", fake_port);
    sc_cloud_config cfg = {.sc = sc, .endpoint = url, .max_attempts = 6,
                           .backoff_base_ms = 5, .backoff_cap_ms = 20, .seed = 7};
    const sc_provider_type *t;
    cr_assert_eq(sc_provider_find("gcp", &t, err), SC_OK, "gcp is built");
    sc_provider *p = NULL;
    cr_assert_eq(sc_provider_alloc(t, &cfg, &p, err), SC_OK, "%s", err->msg);
    *scp = sc;
    return p;
}

Test(gcp, throttling_and_repeated_request_id, .timeout = 120)
{
    fake_start("--initial sculpt-web-us-central1=8 --initial sculpt-web-europe-west1=4");
    sc_scenario *sc;
    sc_error err;
    sc_provider *p = gcp_at(&sc, &err);
    fake_fault("{\"method\": \"POST\", \"path\": \"resize\", \"status\": 403, \"body\": "
               "{\"error\": {\"code\": 403, \"message\": \"Rate Limit Exceeded\", \"errors\": "
               "[{\"reason\": \"rateLimitExceeded\", \"domain\": \"usageLimits\"}]}}}");
    fake_fault("{\"method\": \"POST\", \"path\": \"resize\", \"status\": 429}");
    sc_action act = {.kind = SC_ACTION_PROVISION, .app = 0, .region = 0, .type = 0,
                     .option = SC_PURCHASE_ONDEMAND, .count = 3, .to_region = -1, .to_type = -1};
    sc_live_call lc = {.act = &act, .key = "1767571200000-0"};
    cr_assert_eq(p->type->ctrl(p->state, SC_PROVIDER_CTRL_PREPARE, &lc, &err), SC_OK, "%s",
                 err.msg);
    cr_assert_str_eq(lc.payload, "size=11");
    sc_action_result res;
    for (int rep = 0; rep < 2; rep++) { /* the second: a repeat after a crash */
        p->type->ctrl(p->state, SC_PROVIDER_CTRL_IDEMPOTENCY_KEY, (void *)lc.key, &err);
        p->type->ctrl(p->state, SC_PROVIDER_CTRL_CALL, &lc, &err);
        cr_assert_eq(sc_provider_apply(p, &act, 0, &res, &err), SC_OK, "%s", err.msg);
    }
    sc_cloud_stats cs;
    p->type->ctrl(p->state, SC_PROVIDER_CTRL_CLOUD_STATS, &cs, &err);
    cr_assert_eq(cs.throttles, 2, "403 rateLimitExceeded and 429");
    cr_assert_eq(cs.retries, 2);
    cJSON *st = fake_json("state");
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "mig"),
                                     "us-central1/sculpt-web-us-central1")->valueint,
                 11);
    cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "changes"),
                                     "us-central1/sculpt-web-us-central1")->valueint,
                 1, "the repeated requestId was answered with the first operation");
    cJSON_Delete(st);
    /* both resizes carried the same requestId */
    cJSON *log = fake_json("log");
    char first[64] = "";
    int n = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log) {
        const cJSON *q = cJSON_GetObjectItem(r, "query");
        const cJSON *rid = cJSON_GetObjectItem(q, "requestId");
        if (!strstr(cJSON_GetObjectItem(r, "path")->valuestring, "/resize"))
            continue;
        n++;
        if (!first[0])
            snprintf(first, sizeof first, "%s", rid->valuestring);
        cr_assert_str_eq(rid->valuestring, first);
    }
    cr_assert_eq(n, 4, "403, 429, accepted, repeat");
    cJSON_Delete(log);
    sc_provider_free(p);
    sc_scenario_free(sc);
}

Test(gcp, bad_input)
{
    char cmd[4096], p[512];
    struct {
        const char *env, *args, *want;
    } cases[] = {
        {"env -u GOOGLE_APPLICATION_CREDENTIALS", "", "missing credentials"},
        {"env GOOGLE_APPLICATION_CREDENTIALS=/nonexistent/sa.json", "", "service-account key"},
        {"env", "--endpoint https://compute.example.com --execute --bootstrap", "--bootstrap"},
        {"env", "--endpoint http://10.0.0.1:80", "loopback"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        snprintf(cmd, sizeof cmd,
                 "%s %s live %s --provider gcp %s %s --journal %s/j > /dev/null 2> %s/bad.err",
                 cases[i].env, SC_SCULPT_BIN, GCPJSON,
                 strstr(cases[i].args, "--endpoint") ? "" : "--endpoint http://127.0.0.1:9",
                 cases[i].args, dir, dir);
        int rc = system(cmd);
        cr_assert_eq(WEXITSTATUS(rc), 2, "%s %s", cases[i].env, cases[i].args);
        snprintf(p, sizeof p, "%s/bad.err", dir);
        char *e = slurp(p);
        cr_assert(strstr(e, cases[i].want), "%s: %s", cases[i].args, e);
        cr_assert_null(strstr(e, "PRIVATE KEY"));
        free(e);
        snprintf(p, sizeof p, "%s/j", dir);
        struct stat sb;
        cr_assert_neq(stat(p, &sb), 0, "journal written on bad input");
    }
    /* a key file that is not a service account's */
    snprintf(p, sizeof p, "%s/user.json", dir);
    FILE *fp = fopen(p, "w");
    fputs("{\"type\": \"authorized_user\", \"client_secret\": \"zzSECRETzz\"}", fp);
    fclose(fp);
    snprintf(cmd, sizeof cmd,
             "env GOOGLE_APPLICATION_CREDENTIALS=%s %s live %s --provider gcp --endpoint "
             "http://127.0.0.1:9 --journal %s/j > /dev/null 2> %s/bad.err",
             p, SC_SCULPT_BIN, GCPJSON, dir, dir);
    cr_assert_eq(WEXITSTATUS(system(cmd)), 2);
    snprintf(p, sizeof p, "%s/bad.err", dir);
    char *e = slurp(p);
    cr_assert(strstr(e, "not a service-account key"), "%s", e);
    cr_assert_null(strstr(e, "zzSECRETzz"));
    free(e);
}

/* --bootstrap against the fake in --strict mode (only the groups it is told of exist):
 * per pool an instance template then a regional group, as template-insert.spec and
 * mig-insert.spec (from the reference) say; targetSize = the scenario's initial counts
 * (8 and 4 on demand, 0 spot), SPOT scheduling for the spot templates; the europe-west1
 * spot group existed (409: done); a rerun inserts again and gets 409 for each: nothing
 * new is created. */
Test(gcp, bootstrap_inserts_missing_groups_once, .timeout = 300)
{
    fake_start("--strict --initial sculpt-web-europe-west1-spot=0");
    live_ok(run_live("--execute --bootstrap", "b1"), "b1", "bootstrap run");
    cJSON *st = fake_json("state");
    const cJSON *created = cJSON_GetObjectItem(st, "created");
    cr_assert_eq(cJSON_GetArraySize(created), 4 + 3, "four templates, three groups");
    const struct {
        const char *region, *name;
        int size;
    } want[] = {{"us-central1", "sculpt-web-us-central1", 8},
                {"us-central1", "sculpt-web-us-central1-spot", 0},
                {"europe-west1", "sculpt-web-europe-west1", 4}};
    for (size_t i = 0; i < 3; i++) {
        char k[300];
        snprintf(k, sizeof k, "mig:%s/%s", want[i].region, want[i].name);
        const cJSON *m = cJSON_GetObjectItem(created, k);
        cr_assert_not_null(m, "%s", k);
        cr_assert_eq(cJSON_GetObjectItem(m, "targetSize")->valuedouble, want[i].size, "%s", k);
        snprintf(k, sizeof k, "tmpl:%s", want[i].name);
        const cJSON *tp = cJSON_GetObjectItem(cJSON_GetObjectItem(created, k), "properties");
        cr_assert_not_null(tp, "%s", k);
        cr_assert_str_eq(cJSON_GetObjectItem(tp, "machineType")->valuestring, "e2-standard-2");
        const cJSON *sch = cJSON_GetObjectItem(tp, "scheduling");
        if (strstr(want[i].name, "-spot"))
            cr_assert_str_eq(cJSON_GetObjectItem(sch, "provisioningModel")->valuestring, "SPOT");
        else
            cr_assert_null(sch, "on demand: standard provisioning");
        snprintf(k, sizeof k, "%s/%s", want[i].region, want[i].name);
        cr_assert_eq(cJSON_GetObjectItem(cJSON_GetObjectItem(st, "mig"), k)->valuedouble >= 0, 1);
    }
    cJSON_Delete(st);
    cJSON *log = fake_json("log");
    const cJSON *r;
    int inserts = 0;
    cJSON_ArrayForEach(r, log)
    {
        const char *spec = gspec_of(r);
        if (spec)
            check_spec(r, spec);
        inserts += spec && strstr(spec, "insert") != NULL;
    }
    cJSON_Delete(log);
    cr_assert_eq(inserts, 8, "an insert per template and group");
    char p[512];
    snprintf(p, sizeof p, "%s/j", dir);
    unlink(p);
    int rc = run_live("--execute --bootstrap", "b2");
    cr_assert_eq(rc, 0);
    st = fake_json("state");
    cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(st, "created")), 7, "nothing new");
    cJSON_Delete(st);
}

/* Two geographies on one backend service (sculpt-web, no {geo} in its template): g routed
 * to us-central1 (255 there, 0 in europe-west1), h to europe-west1 (the reverse).  By hand:
 * each region's scaler is the largest weight any geography gives it, 255 / 255 = 1.0 for
 * both (the last set_weight alone would leave us-central1 at 0.0, h's weight there), and
 * every PATCH carries both backends. */
Test(gcp, two_geographies_one_backend_service, .timeout = 300)
{
    fake_start("--initial sculpt-web-us-central1=8 --initial sculpt-web-europe-west1=4");
    char args[2048];
    snprintf(args, sizeof args,
             "%s/tests/live/gcp-2geo.json --provider gcp --endpoint http://127.0.0.1:%d "
             "--clock fast:1e9 --until 30m --journal %s/j --json --execute",
             SC_SOURCE_DIR, fake_port, dir);
    int rc = sculpt(args, "two");
    char p[512];
    snprintf(p, sizeof p, "%s/two.err", dir);
    cr_assert_eq(rc, 0, "(%d) %s", rc, slurp(p));
    cJSON *st = fake_json("state");
    cr_assert_float_eq(scaler_in(st, "us-central1"), 1.0, 1e-12);
    cr_assert_float_eq(scaler_in(st, "europe-west1"), 1.0, 1e-12);
    cJSON_Delete(st);
    cJSON *log = fake_json("log");
    int patches = 0;
    const cJSON *r;
    cJSON_ArrayForEach(r, log)
    {
        if (strcmp(cJSON_GetObjectItem(r, "method")->valuestring, "PATCH") != 0 ||
            !strstr(cJSON_GetObjectItem(r, "path")->valuestring, "/backendServices/"))
            continue;
        patches++;
        check_spec(r, GFIX "backend-patch.spec");
        cJSON *b = cJSON_Parse(cJSON_GetObjectItem(r, "body")->valuestring);
        cr_assert_eq(cJSON_GetArraySize(cJSON_GetObjectItem(b, "backends")), 2,
                     "every backend in each PATCH");
        cJSON_Delete(b);
    }
    cJSON_Delete(log);
    cr_assert_geq(patches, 1);
    /* a rerun on the finished journal replays the weights (REPLAYED) and patches nothing */
    rc = sculpt(args, "two-again");
    cr_assert_eq(rc, 0);
    cr_assert_eq(json_num("two-again", "mutating"), 0);
}
