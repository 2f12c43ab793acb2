/*
 * journal.c - the live loop's write-ahead journal (live.h).
 *
 * A text file, one record per line, appended with write() and made durable with
 * fsync() before the loop goes on (before the provider call an intent announces):
 *
 *   #sculpt-journal 1 hash=<16 hex> origin=<ms> policy=<label> scenario=<name>
 *   D <t> <n>                     a decision at loop time t whose plan has n actions,
 *   P <kind> <app> <region> <type> <option> <count> <to_region> <to_type> <issue> <needed>
 *     [<geo> <weight>]            ... written in the same write() as its D (n lines); a
 *                                 set_weight adds its geography and weight
 *   I <key> <t> <kind> <app> <region> <type> <option> <count> <requested> <payload>
 *     [<upfront> <commits>]       intent: the call is about to be made (payload: its
 *                                 absolute form from the adapter, "-" when none); a call
 *                                 that commits an upfront price or buys something besides
 *                                 instances (a Reserved Instance purchase) adds its price
 *                                 in USD (%.17g) and what it buys ("-" when nothing), so
 *                                 a dry run's journal names the purchase it would make and
 *                                 a resume's budget guardrail counts what was paid
 *   A <key> <accepted> <throttled> <limited>    its answer
 *   S <key> <why>                 not called (dry run, guardrail, kill switch)
 *   E <t>                         the decision at t is complete
 *   R <t>                         the provider's revision at t was applied (terraform)
 *
 * Durability (fsync batching).  Only what must be on disk before a provider call is
 * fsync'd then: an I record (the call's intent and absolute target) is written and
 * fsync'd before its call, and that fsync also makes every record written before it
 * durable (one file, written in order).  The other records (D and P, A, S, E) are written
 * at once but ride on the next intent's fsync, or on the fsync at close: losing one in a
 * power cut costs nothing, because a D without its calls is decided again from the same
 * inputs, a call whose A is lost is ISSUING and repeated with its key (answered with the
 * first result), and a missing E is written again on resume.  R (a terraform revision
 * whose command ran) is fsync'd at once.  So a step with k mutating calls costs k fsyncs,
 * not 2k + 2; with group commit (sc_journal_call_begin_many, sim/live.c group_prepare) the
 * intents of a decision's batch go out in one write and one fsync before its first call,
 * so such a step costs one.
 *
 * Recovery: a crash can leave a torn last line, or a D without all its P lines; both
 * are cut off (the file is truncated to the last whole record), so the journal always
 * ends on a record boundary.  A call whose I has no A/S is ISSUING: the loop repeats it
 * with the same key, which the provider answers with the first result if the first call
 * got through (ClientToken, requestId), so no action is repeated or lost.
 *
 * Memory: decisions, planned actions and calls in growable arrays; calls are found by
 * key through an open-addressing table (FNV-1a, linear probing, load <= 1/2).
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/live.h"

#include "sculpt/fsutil.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

struct sc_journal {
    int fd;
    char path[1024];
    sc_time_ms origin;
    sc_journal_decision *dec; size_t n_dec, cap_dec;
    sc_action *act; size_t n_act, cap_act;
    sc_journal_call *call; size_t n_call, cap_call;
    sc_time_ms *rev; size_t n_rev, cap_rev; /* applied revisions, in time order */
    size_t *slot; size_t n_slot;  /* call index + 1 per slot, 0 = empty; n_slot 2^k */
    long written;
    int sync;                     /* fsync the records that need it (default 1) */
    int dirty;                    /* written since the last fsync */
    long n_fsync;                 /* fsyncs made */
};

static uint64_t fnv(const char *s)
{
    uint64_t h = 1469598103934665603u;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211u;
    return h;
}

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
    if (need <= *cap)
        return 0;
    size_t c = *cap ? *cap * 2 : 64;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * size);
    if (!q)
        return -1;
    *p = q;
    *cap = c;
    return 0;
}

static int slot_insert(sc_journal *j, size_t idx)
{
    if ((j->n_call + 1) * 2 > j->n_slot) {
        size_t n = j->n_slot ? j->n_slot * 2 : 256;
        size_t *s = calloc(n, sizeof *s);
        if (!s)
            return -1;
        free(j->slot);
        j->slot = s;
        j->n_slot = n;
        for (size_t i = 0; i < j->n_call; i++)
            if (i != idx) {
                size_t h = fnv(j->call[i].key) & (n - 1);
                while (s[h])
                    h = (h + 1) & (n - 1);
                s[h] = i + 1;
            }
    }
    size_t h = fnv(j->call[idx].key) & (j->n_slot - 1);
    while (j->slot[h])
        h = (h + 1) & (j->n_slot - 1);
    j->slot[h] = idx + 1;
    return 0;
}

const sc_journal_call *sc_journal_find(const sc_journal *j, const char *key)
{
    if (!j->n_slot)
        return NULL;
    size_t h = fnv(key) & (j->n_slot - 1);
    while (j->slot[h]) {
        const sc_journal_call *c = &j->call[j->slot[h] - 1];
        if (strcmp(c->key, key) == 0)
            return c;
        h = (h + 1) & (j->n_slot - 1);
    }
    return NULL;
}

static sc_journal_call *find_mut(sc_journal *j, const char *key)
{
    return (sc_journal_call *)sc_journal_find(j, key);
}

/* Write all of buf; fsync (with all that was written before) when durable is set. */
static sc_status write_rec(sc_journal *j, const char *buf, size_t len, int durable,
                           sc_error *err)
{
    size_t off = 0;
    while (off < len) {
        ssize_t w = write(j->fd, buf + off, len - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return sc_error_set(err, SC_ERR_IO, j->path, "journal write failed: %s",
                                strerror(errno));
        }
        off += (size_t)w;
    }
    j->dirty = 1;
    if (!durable || !j->sync)
        return SC_OK;
    if (fsync(j->fd) != 0)
        return sc_error_set(err, SC_ERR_IO, j->path, "journal fsync failed: %s",
                            strerror(errno));
    j->dirty = 0;
    j->n_fsync++;
    return SC_OK;
}

static sc_status write_sync(sc_journal *j, const char *buf, size_t len, sc_error *err)
{
    return write_rec(j, buf, len, 1, err);
}

static sc_status write_lazy(sc_journal *j, const char *buf, size_t len, sc_error *err)
{
    return write_rec(j, buf, len, 0, err);
}

long sc_journal_n_fsync(const sc_journal *j) { return j->n_fsync; }

/* ---- in-memory updates (shared by reading and writing) --------------------------- */

static sc_status add_decision(sc_journal *j, sc_time_ms t)
{
    if (grow((void **)&j->dec, &j->cap_dec, j->n_dec + 1, sizeof *j->dec))
        return SC_ERR_NOMEM;
    j->dec[j->n_dec++] = (sc_journal_decision){.t = t, .first_action = j->n_act};
    return SC_OK;
}

static sc_status add_action(sc_journal *j, const sc_action *a)
{
    if (grow((void **)&j->act, &j->cap_act, j->n_act + 1, sizeof *j->act))
        return SC_ERR_NOMEM;
    j->act[j->n_act] = *a;
    j->act[j->n_act].reason = NULL;
    j->n_act++;
    j->dec[j->n_dec - 1].n_actions++;
    return SC_OK;
}

static sc_status add_call(sc_journal *j, const sc_journal_call *c)
{
    sc_journal_call *old = find_mut(j, c->key);
    if (old) { /* the intent repeated after a crash: keep one entry */
        *old = *c;
        return SC_OK;
    }
    if (grow((void **)&j->call, &j->cap_call, j->n_call + 1, sizeof *j->call))
        return SC_ERR_NOMEM;
    j->call[j->n_call] = *c;
    if (slot_insert(j, j->n_call))
        return SC_ERR_NOMEM;
    j->n_call++;
    return SC_OK;
}

/* ---- reading --------------------------------------------------------------------- */

/* Parse one whole line (no newline).  Returns 1 on a good record, 0 on a bad one.
 * *pending_p counts the P lines a D still expects. */
static int parse_line(sc_journal *j, const char *ln, size_t *pending_p)
{
    long long t, a[12];
    char key[SC_LIVE_KEY_MAX], why[32];
    if (*pending_p) {
        int got = sscanf(ln, "P %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld %lld",
                         &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], &a[7], &a[8], &a[9],
                         &a[10], &a[11]);
        if (got != 10 && !(got == 12 && a[0] == SC_ACTION_SET_WEIGHT))
            return 0;
        sc_action act = {.kind = (sc_action_kind)a[0], .app = (int)a[1], .region = (int)a[2],
                         .type = (int)a[3], .option = (sc_purchase)a[4], .count = (int)a[5],
                         .to_region = (int)a[6], .to_type = (int)a[7], .issue_ms = a[8],
                         .needed_ms = a[9], .geo = got == 12 ? (int)a[10] : -1,
                         .weight = got == 12 ? (int)a[11] : 0};
        if (add_action(j, &act))
            return 0;
        (*pending_p)--;
        return 1;
    }
    switch (ln[0]) {
    case 'D': {
        long long n;
        if (sscanf(ln, "D %lld %lld", &t, &n) != 2 || n < 0)
            return 0;
        if (add_decision(j, t))
            return 0;
        *pending_p = (size_t)n;
        return 1;
    }
    case 'R':
        if (sscanf(ln, "R %lld", &t) != 1 ||
            grow((void **)&j->rev, &j->cap_rev, j->n_rev + 1, sizeof *j->rev))
            return 0;
        j->rev[j->n_rev++] = t;
        return 1;
    case 'E':
        if (sscanf(ln, "E %lld", &t) != 1 || !j->n_dec || j->dec[j->n_dec - 1].t != t)
            return 0;
        j->dec[j->n_dec - 1].complete = 1;
        return 1;
    case 'I': {
        sc_journal_call c;
        memset(&c, 0, sizeof c);
        char pl[SC_LIVE_PAYLOAD_MAX] = "-", cm[SC_LIVE_COMMITS_MAX] = "-";
        double up = 0.0;
        int got = sscanf(ln, "I %47s %lld %lld %lld %lld %lld %lld %lld %lld %63s %lf %159s",
                         key, &t, &a[0], &a[1], &a[2], &a[3], &a[4], &a[5], &a[6], pl, &up, cm);
        if ((got != 9 && got != 10 && got != 12) || !(up >= 0.0 && up < 1e15))
            return 0;
        if (strcmp(pl, "-") != 0)
            snprintf(c.payload, sizeof c.payload, "%s", pl);
        c.upfront_usd = up;
        if (strcmp(cm, "-") != 0)
            snprintf(c.commits, sizeof c.commits, "%s", cm);
        snprintf(c.key, sizeof c.key, "%s", key);
        c.t = t;
        c.kind = (int)a[0], c.app = (int)a[1], c.region = (int)a[2], c.type = (int)a[3];
        c.option = (int)a[4], c.count = (int)a[5], c.requested = (int)a[6];
        c.state = SC_JOURNAL_ISSUING;
        return add_call(j, &c) == SC_OK;
    }
    case 'A': {
        if (sscanf(ln, "A %47s %lld %lld %lld", key, &a[0], &a[1], &a[2]) != 4)
            return 0;
        sc_journal_call *c = find_mut(j, key);
        if (!c)
            return 0;
        c->state = SC_JOURNAL_DONE;
        c->res = (sc_action_result){(int)a[0], (int)a[1], (int)a[2]};
        return 1;
    }
    case 'S': {
        if (sscanf(ln, "S %47s %31s", key, why) != 2)
            return 0;
        sc_journal_call *c = find_mut(j, key);
        if (!c)
            return 0;
        c->state = SC_JOURNAL_SKIPPED;
        memset(&c->res, 0, sizeof c->res);
        snprintf(c->why, sizeof c->why, "%s", why);
        return 1;
    }
    default:
        return 0;
    }
}

static sc_status read_existing(sc_journal *j, const sc_scenario *sc, char *text, size_t len,
                               sc_error *err)
{
    char *nl = memchr(text, '\n', len);
    if (!nl)
        return sc_error_set(err, SC_ERR_INPUT, j->path,
                            "not a sculpt journal (no header line); remove it or pass "
                            "another --journal");
    *nl = '\0';
    char hash[32], name[SC_NAME_MAX + 1];
    long long origin;
    if (sscanf(text, "#sculpt-journal 1 hash=%31s origin=%lld", hash, &origin) != 2)
        return sc_error_set(err, SC_ERR_INPUT, j->path, "not a sculpt journal (bad header)");
    const char *sn = strstr(text, " scenario=");
    snprintf(name, sizeof name, "%s", sn ? sn + 10 : "");
    char want[32];
    snprintf(want, sizeof want, "%016" PRIx64, sc->hash);
    if (strcmp(hash, want) != 0)
        return sc_error_set(err, SC_ERR_INPUT, j->path,
                            "journal was written for another scenario ('%s', hash %s; this "
                            "is '%s', hash %s)",
                            name, hash, sc->name, want);
    j->origin = origin;
    size_t good = (size_t)(nl - text) + 1; /* bytes up to the last whole record */
    size_t good_dec = 0, good_act = 0;
    size_t pending = 0, off = good;
    while (off < len) {
        char *e = memchr(text + off, '\n', len - off);
        if (!e)
            break; /* torn last line */
        *e = '\0';
        if (!parse_line(j, text + off, &pending))
            return sc_error_set(err, SC_ERR_INPUT, j->path,
                                "journal record at byte %zu is malformed: '%.60s'", off,
                                text + off);
        off = (size_t)(e - text) + 1;
        if (!pending) {
            good = off;
            good_dec = j->n_dec;
            good_act = j->n_act;
        }
    }
    if (good < len) { /* drop a torn tail: a partial line or a D short of its P lines */
        j->n_dec = good_dec;
        j->n_act = good_act;
        if (ftruncate(j->fd, (off_t)good) != 0 || fsync(j->fd) != 0)
            return sc_error_set(err, SC_ERR_IO, j->path, "cannot truncate a torn journal: %s",
                                strerror(errno));
    }
    return SC_OK;
}

sc_status sc_journal_open(const char *path, const sc_scenario *sc, const char *policy_label,
                          sc_time_ms origin_ms, sc_journal **out, sc_error *err)
{
    *out = NULL;
    sc_journal *j = calloc(1, sizeof *j);
    if (!j)
        return sc_error_set(err, SC_ERR_NOMEM, path, "out of memory");
    snprintf(j->path, sizeof j->path, "%s", path);
    j->origin = origin_ms;
    j->sync = 1;
    sc_status st = SC_OK;
    j->fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (j->fd < 0) {
        st = sc_error_set(err, SC_ERR_IO, path, "cannot open the journal: %s",
                          strerror(errno));
        goto fail;
    }
    struct stat stt;
    if (fstat(j->fd, &stt) != 0) {
        st = sc_error_set(err, SC_ERR_IO, path, "cannot stat the journal: %s", strerror(errno));
        goto fail;
    }
    int fresh = stt.st_size == 0;
    if (!fresh) {
        char *text = NULL;
        size_t len = 0;
        if ((st = sc_file_read_all(path, &text, &len, err)))
            goto fail;
        /* a header torn by a crash while it was written (no newline yet, a prefix of
         * a header): nothing was journaled, so start afresh */
        static const char magic[] = "#sculpt-journal";
        size_t m = len < sizeof magic - 1 ? len : sizeof magic - 1;
        if (!memchr(text, '\n', len) && memcmp(text, magic, m) == 0) {
            free(text);
            if (ftruncate(j->fd, 0) != 0) {
                st = sc_error_set(err, SC_ERR_IO, path, "cannot truncate a torn journal: %s",
                                  strerror(errno));
                goto fail;
            }
            fresh = 1;
        } else {
            st = read_existing(j, sc, text, len, err);
            free(text);
            if (st)
                goto fail;
        }
    }
    if (fresh) {
        char hdr[512];
        int n = snprintf(hdr, sizeof hdr,
                         "#sculpt-journal 1 hash=%016" PRIx64 " origin=%" PRId64
                         " policy=%s scenario=%s\n",
                         sc->hash, origin_ms, policy_label, sc->name);
        if ((st = write_sync(j, hdr, (size_t)n, err)))
            goto fail;
        j->written++;
    }
    *out = j;
    return SC_OK;
fail:
    sc_journal_close(j);
    return st;
}

void sc_journal_close(sc_journal *j)
{
    if (!j)
        return;
    if (j->fd >= 0) {
        if (j->sync && j->dirty && fsync(j->fd) == 0)
            j->n_fsync++;
        close(j->fd);
    }
    free(j->dec);
    free(j->act);
    free(j->call);
    free(j->slot);
    free(j->rev);
    free(j);
}

sc_time_ms sc_journal_origin(const sc_journal *j) { return j->origin; }

const sc_journal_decision *sc_journal_decisions(const sc_journal *j, size_t *n)
{
    *n = j->n_dec;
    return j->dec;
}

const sc_action *sc_journal_actions(const sc_journal *j, size_t *n)
{
    *n = j->n_act;
    return j->act;
}

long sc_journal_n_written(const sc_journal *j) { return j->written; }

void sc_journal_set_sync(sc_journal *j, int on) { j->sync = on != 0; }

/* ---- writing --------------------------------------------------------------------- */

sc_status sc_journal_decision_begin(sc_journal *j, sc_time_ms t, const sc_plan *plan,
                                    sc_error *err)
{
    size_t cap = 64 + plan->n * 200;
    char *buf = malloc(cap);
    if (!buf)
        return sc_error_set(err, SC_ERR_NOMEM, j->path, "out of memory");
    size_t len = (size_t)snprintf(buf, cap, "D %" PRId64 " %zu\n", t, plan->n);
    for (size_t i = 0; i < plan->n; i++) {
        const sc_action *a = &plan->actions[i];
        len += (size_t)snprintf(buf + len, cap - len,
                                "P %d %d %d %d %d %d %d %d %" PRId64 " %" PRId64,
                                (int)a->kind, a->app, a->region, a->type, (int)a->option,
                                a->count, a->to_region, a->to_type, a->issue_ms, a->needed_ms);
        if (a->kind == SC_ACTION_SET_WEIGHT)
            len += (size_t)snprintf(buf + len, cap - len, " %d %d", a->geo, a->weight);
        buf[len++] = '\n';
    }
    sc_status st = write_lazy(j, buf, len, err);
    free(buf);
    if (st)
        return st;
    if (add_decision(j, t))
        return sc_error_set(err, SC_ERR_NOMEM, j->path, "out of memory");
    for (size_t i = 0; i < plan->n; i++)
        if (add_action(j, &plan->actions[i]))
            return sc_error_set(err, SC_ERR_NOMEM, j->path, "out of memory");
    j->written += 1 + (long)plan->n;
    return SC_OK;
}

sc_status sc_journal_decision_end(sc_journal *j, sc_time_ms t, sc_error *err)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "E %" PRId64 "\n", t);
    sc_status st = write_lazy(j, buf, (size_t)n, err);
    if (st)
        return st;
    if (j->n_dec && j->dec[j->n_dec - 1].t == t)
        j->dec[j->n_dec - 1].complete = 1;
    j->written++;
    return SC_OK;
}

sc_status sc_journal_revision_done(sc_journal *j, sc_time_ms t, sc_error *err)
{
    char buf[64];
    int n = snprintf(buf, sizeof buf, "R %" PRId64 "\n", t);
    sc_status st = write_sync(j, buf, (size_t)n, err);
    if (st)
        return st;
    if (grow((void **)&j->rev, &j->cap_rev, j->n_rev + 1, sizeof *j->rev))
        return sc_error_set(err, SC_ERR_NOMEM, j->path, "out of memory");
    j->rev[j->n_rev++] = t;
    j->written++;
    return SC_OK;
}

int sc_journal_has_revision(const sc_journal *j, sc_time_ms t)
{
    for (size_t i = j->n_rev; i-- > 0;)
        if (j->rev[i] == t)
            return 1;
    return 0;
}

/* The I record of c into buf[512]; its length. */
static int intent_line(const sc_journal_call *c, char *buf, size_t cap)
{
    int n = snprintf(buf, cap, "I %s %" PRId64 " %d %d %d %d %d %d %d %s", c->key, c->t,
                     c->kind, c->app, c->region, c->type, c->option, c->count, c->requested,
                     c->payload[0] ? c->payload : "-");
    if (c->upfront_usd > 0 || c->commits[0])
        n += snprintf(buf + n, cap - (size_t)n, " %.17g %s",
                      c->upfront_usd > 0 ? c->upfront_usd : 0.0,
                      c->commits[0] ? c->commits : "-");
    n += snprintf(buf + n, cap - (size_t)n, "\n");
    return n;
}

sc_status sc_journal_call_begin(sc_journal *j, const sc_journal_call *c, sc_error *err)
{
    char buf[512];
    int n = intent_line(c, buf, sizeof buf);
    sc_status st = write_sync(j, buf, (size_t)n, err);
    if (st)
        return st;
    sc_journal_call cc = *c;
    cc.state = SC_JOURNAL_ISSUING;
    if (add_call(j, &cc))
        return sc_error_set(err, SC_ERR_NOMEM, j->path, "out of memory");
    j->written++;
    return SC_OK;
}

/* h-gcommit: the intents of n calls in one write() and one fsync (group commit). */
sc_status sc_journal_call_begin_many(sc_journal *j, const sc_journal_call *c, size_t n,
                                     sc_error *err)
{
    if (!n)
        return SC_OK;
    size_t cap = n * 512, len = 0;
    char *buf = malloc(cap);
    if (!buf)
        return sc_error_set(err, SC_ERR_NOMEM, j->path, "out of memory");
    for (size_t i = 0; i < n; i++) {
        len += (size_t)intent_line(&c[i], buf + len, cap - len);
    }
    sc_status st = write_sync(j, buf, len, err);
    free(buf);
    for (size_t i = 0; !st && i < n; i++) {
        sc_journal_call cc = c[i];
        cc.state = SC_JOURNAL_ISSUING;
        if (add_call(j, &cc))
            return sc_error_set(err, SC_ERR_NOMEM, j->path, "out of memory");
        j->written++;
    }
    return st;
}

sc_status sc_journal_call_end(sc_journal *j, const sc_journal_call *c, sc_error *err)
{
    char buf[256];
    int n;
    if (c->state == SC_JOURNAL_SKIPPED)
        n = snprintf(buf, sizeof buf, "S %s %s\n", c->key, c->why[0] ? c->why : "-");
    else
        n = snprintf(buf, sizeof buf, "A %s %d %d %d\n", c->key, c->res.accepted,
                     c->res.throttled, c->res.limited);
    sc_status st = write_lazy(j, buf, (size_t)n, err);
    if (st)
        return st;
    sc_journal_call *m = find_mut(j, c->key);
    if (m) {
        m->state = c->state;
        m->res = c->res;
        if (c->payload[0])
            snprintf(m->payload, sizeof m->payload, "%s", c->payload);
        snprintf(m->why, sizeof m->why, "%s", c->why);
    }
    j->written++;
    return SC_OK;
}

void sc_live_plan_id(const sc_scenario *sc, const char *policy_label, sc_time_ms origin_ms,
                     char *out)
{
    char text[SC_NAME_MAX + 96];
    snprintf(text, sizeof text, "%016" PRIx64 "|%s|%" PRId64, sc->hash,
             policy_label ? policy_label : "", origin_ms);
    snprintf(out, SC_LIVE_PLAN_ID_MAX, "%016" PRIx64, fnv(text));
}
