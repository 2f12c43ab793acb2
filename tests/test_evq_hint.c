/*
 * test_evq_hint.c - sc_evq_hint (sim/evq.c, issue 13): the payload of the event likely
 * to be popped next, which the mock cloud uses to prefetch the next event's pool.
 *
 * What it promises, checked against the queue's own later behaviour and a twin queue
 * (never against the hint's code):
 *  - without cancellations, whenever it answers, it names exactly the event the next
 *    pop returns (the twin is driven by the same operations without any hint);
 *  - it never changes the queue: a queue asked for a hint before every operation pops
 *    the same sequence as its twin, with cancellations too;
 *  - in a simulator's pattern (pop, then push a successor) it answers nearly always, so
 *    the prefetch is not dead code: at least 90 % of the calls at 10^3 and 10^5 pending.
 */
#include <stdint.h>
#include <stdlib.h>

#include <criterion/criterion.h>

#include "evq.h"

static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

static sc_evq *new_q(size_t hint)
{
    sc_evq *q = NULL;
    cr_assert_eq(sc_evq_alloc(hint, &q), SC_OK);
    return q;
}

Test(evq_hint, empty_and_null)
{
    sc_evq *q = new_q(0);
    uint32_t type = 7, a = 7;
    uint64_t b = 7;
    cr_expect_eq(sc_evq_hint(NULL, &type, &a, &b), 0);
    cr_expect_eq(sc_evq_hint(q, &type, &a, &b), 0);
    cr_expect(type == 7 && a == 7 && b == 7, "nothing written when it cannot tell");
    cr_assert_eq(sc_evq_push(q, 50, 3, 4, 5, NULL), SC_OK);
    cr_expect_eq(sc_evq_hint(q, &type, &a, &b), 1);
    cr_expect(type == 3 && a == 4 && b == 5);
    sc_event e;
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(sc_evq_hint(q, &type, &a, &b), 0);
    sc_evq_free(q);
}

/* HOLD with random increments (some ties), N pending; with cancel != 0 a tenth of the
 * pushes are cancelled a little later.  Returns the share of hint calls answered. */
static double hold_against_twin(size_t n, long ops, int cancel, uint64_t seed)
{
    sc_evq *q = new_q(n), *twin = new_q(n);
    uint64_t s = seed;
    uint64_t *hq = calloc(64, sizeof *hq), *ht = calloc(64, sizeof *ht);
    cr_assert(hq && ht);
    int64_t now = 0;
    uint32_t id = 0;
    for (size_t i = 0; i < n; i++, id++) {
        int64_t t = (int64_t)(rng_next(&s) % 2000);
        cr_assert_eq(sc_evq_push(q, t, 1, id, id, NULL), SC_OK);
        cr_assert_eq(sc_evq_push(twin, t, 1, id, id, NULL), SC_OK);
    }
    long asked = 0, answered = 0;
    for (long k = 0; k < ops; k++) {
        uint32_t type, a;
        uint64_t b;
        int h = sc_evq_hint(q, &type, &a, &b);
        asked++;
        answered += h;
        sc_event e, f;
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert_eq(sc_evq_pop(twin, &f), 1);
        cr_assert(e.time == f.time && e.seq == f.seq && e.a == f.a && e.b == f.b,
                  "op %ld: the hinted queue popped (%lld, %llu), its twin (%lld, %llu)", k,
                  (long long)e.time, (unsigned long long)e.seq, (long long)f.time,
                  (unsigned long long)f.seq);
        if (h && !cancel)
            cr_assert(a == e.a && b == e.b && type == e.type,
                      "op %ld: hint named event %u, the pop returned %u", k, a, e.a);
        now = e.time;
        /* a successor: soon with ties (x 0.9), or far */
        uint64_t r = rng_next(&s);
        int64_t t = now + (r % 10 < 9 ? (int64_t)(r >> 8) % 200 : (int64_t)(r >> 8) % 18200);
        uint64_t hh = 0, ht1 = 0;
        cr_assert_eq(sc_evq_push(q, t, 1 + (uint32_t)(r & 1), id, id, &hh), SC_OK);
        cr_assert_eq(sc_evq_push(twin, t, 1 + (uint32_t)(r & 1), id, id, &ht1), SC_OK);
        id++;
        if (cancel) {
            size_t j = (size_t)(k % 64);
            if (hq[j]) {
                cr_assert_eq(sc_evq_hint(q, &type, &a, &b) >= 0, 1);
                cr_assert_eq(sc_evq_cancel(q, hq[j]), sc_evq_cancel(twin, ht[j]));
                hq[j] = ht[j] = 0;
            }
            if (rng_next(&s) % 10 == 0) {
                hq[j] = hh;
                ht[j] = ht1;
            }
        }
    }
    cr_assert_eq(sc_evq_size(q), sc_evq_size(twin));
    sc_event e, f;
    while (sc_evq_pop(twin, &f)) {
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert(e.time == f.time && e.seq == f.seq);
    }
    cr_assert_eq(sc_evq_pop(q, &e), 0);
    free(hq);
    free(ht);
    sc_evq_free(q);
    sc_evq_free(twin);
    return (double)answered / (double)asked;
}

Test(evq_hint, names_the_next_pop_small)
{
    double share = hold_against_twin(1000, 200000, 0, 1);
    cr_expect_geq(share, 0.9, "answered %.3f of the calls", share);
}

Test(evq_hint, names_the_next_pop_two_tiers)
{
    double share = hold_against_twin(100000, 400000, 0, 2);
    cr_expect_geq(share, 0.9, "answered %.3f of the calls", share);
}

Test(evq_hint, changes_nothing_with_cancellations)
{
    hold_against_twin(1000, 100000, 1, 3);
    hold_against_twin(20000, 100000, 1, 4);
}
