/*
 * test_evq.c - the simulator's event queue (sim/evq.c).
 *
 * Expected orders never come from the queue itself: they come from an independent
 * reference kept by the test, either a (time, seq) array sorted with qsort, or a plain
 * unsorted array of pending events scanned linearly for its minimum.  seq numbers are
 * counted by the test (the k-th push of a queue's life has seq k, per evq.h).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <criterion/criterion.h>

#include "evq.h"

/* Test-local SplitMix64 stream (fixed seeds; no wall clock). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t z = (*s += UINT64_C(0x9e3779b97f4a7c15));
    z = (z ^ (z >> 30)) * UINT64_C(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94d049bb133111eb);
    return z ^ (z >> 31);
}

typedef struct ref_ev {
    int64_t time;
    uint64_t seq;
    uint32_t a;
    uint64_t handle;
} ref_ev;

static int ref_cmp(const void *x, const void *y)
{
    const ref_ev *p = x, *q = y;
    if (p->time != q->time)
        return p->time < q->time ? -1 : 1;
    return (p->seq > q->seq) - (p->seq < q->seq);
}

static sc_evq *new_q(size_t hint)
{
    sc_evq *q = NULL;
    cr_assert_eq(sc_evq_alloc(hint, &q), SC_OK);
    cr_assert_not_null(q);
    return q;
}

Test(evq, empty_queue_and_null_args)
{
    sc_evq_free(NULL);
    sc_evq *q = new_q(0);
    sc_event e;
    cr_expect_eq(sc_evq_size(q), 0);
    cr_expect_eq(sc_evq_pop(q, &e), 0);
    cr_expect_eq(sc_evq_peek(q, &e), 0);
    cr_expect_eq(sc_evq_cancel(q, 0), 0);
    cr_expect_eq(sc_evq_cancel(q, UINT64_MAX), 0);
    cr_expect_eq(sc_evq_pop(NULL, &e), 0);
    cr_expect_eq(sc_evq_size(NULL), 0);
    cr_expect_neq(sc_evq_push(NULL, 1, 0, 0, 0, NULL), SC_OK);
    sc_evq_clear(q);
    cr_expect_eq(sc_evq_size(q), 0);
    sc_evq_free(q);
}

/* Payload and seq round-trip; a hand-made example: times 30, 10, 20, 10 pushed in this
 * order (seqs 0..3) must pop as (10,1) (10,3) (20,2) (30,0). */
Test(evq, small_known_order_and_payload)
{
    sc_evq *q = new_q(4);
    const int64_t t[4] = {30, 10, 20, 10};
    for (uint32_t i = 0; i < 4; i++)
        cr_assert_eq(sc_evq_push(q, t[i], 100 + i, 200 + i, 300 + i, NULL), SC_OK);
    cr_expect_eq(sc_evq_size(q), 4);
    const int64_t want_t[4] = {10, 10, 20, 30};
    const uint64_t want_seq[4] = {1, 3, 2, 0};
    for (int i = 0; i < 4; i++) {
        sc_event p, e;
        cr_assert_eq(sc_evq_peek(q, &p), 1);
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_expect_eq(memcmp(&p, &e, sizeof e), 0, "peek and pop disagree");
        cr_expect_eq(e.time, want_t[i]);
        cr_expect_eq(e.seq, want_seq[i]);
        cr_expect_eq(e.type, 100 + want_seq[i]);
        cr_expect_eq(e.a, 200 + want_seq[i]);
        cr_expect_eq(e.b, 300 + want_seq[i]);
    }
    cr_expect_eq(sc_evq_pop(q, NULL), 0);
    sc_evq_free(q);
}

Test(evq, event_is_32_bytes)
{
    cr_expect_eq(sizeof(sc_event), 32);
}

Test(evq, ties_pop_in_insertion_order)
{
    sc_evq *q = new_q(8); /* also grows several times */
    for (uint32_t i = 0; i < 1000; i++)
        cr_assert_eq(sc_evq_push(q, 42, 0, i, 0, NULL), SC_OK);
    for (uint32_t i = 0; i < 1000; i++) {
        sc_event e;
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert_eq(e.time, 42);
        cr_assert_eq(e.a, i, "tie %u popped out of insertion order (got a=%u)", i, e.a);
        cr_assert_eq(e.seq, i);
    }
    sc_evq_free(q);
}

/* Many random times over a small range (so there are many ties) and extreme values,
 * against a qsort-ed reference. */
Test(evq, order_matches_sorted_reference)
{
    enum { N = 20000 };
    ref_ev *ref = calloc(N, sizeof *ref);
    cr_assert_not_null(ref);
    sc_evq *q = new_q(16);
    uint64_t s = 12345;
    for (uint32_t i = 0; i < N; i++) {
        int64_t t;
        switch (i % 7) {
        case 0: t = INT64_MIN + (int64_t)(rng_next(&s) % 3); break;
        case 1: t = INT64_MAX - (int64_t)(rng_next(&s) % 3); break;
        case 2: t = -(int64_t)(rng_next(&s) % 500); break;
        default: t = (int64_t)(rng_next(&s) % 500); break;
        }
        ref[i] = (ref_ev){t, i, i, 0};
        cr_assert_eq(sc_evq_push(q, t, 7, i, (uint64_t)t, NULL), SC_OK);
    }
    qsort(ref, N, sizeof *ref, ref_cmp);
    cr_expect_geq(sc_evq_capacity(q), N);
    for (uint32_t i = 0; i < N; i++) {
        sc_event e;
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert(e.time == ref[i].time && e.seq == ref[i].seq,
                  "pop %u: got (%lld,%llu), want (%lld,%llu)", i, (long long)e.time,
                  (unsigned long long)e.seq, (long long)ref[i].time,
                  (unsigned long long)ref[i].seq);
        cr_assert_eq(e.a, ref[i].a);
        cr_assert_eq(e.b, (uint64_t)ref[i].time);
    }
    cr_expect_eq(sc_evq_size(q), 0);
    free(ref);
    sc_evq_free(q);
}

/* A large queue (beyond the default near-tier size) in HOLD order against qsort: pops
 * must be exact when the far tier holds most of the keys. */
Test(evq, two_tier_order_matches_sorted_reference)
{
    enum { N = 50000 };
    ref_ev *ref = calloc(2 * N, sizeof *ref);
    cr_assert_not_null(ref);
    sc_evq *q = new_q(0);
    uint64_t s = 31337;
    uint64_t seq = 0;
    for (uint32_t i = 0; i < N; i++, seq++) {
        int64_t t = (int64_t)(rng_next(&s) % 100000);
        ref[seq] = (ref_ev){t, seq, 0, 0};
        cr_assert_eq(sc_evq_push(q, t, 0, 0, 0, NULL), SC_OK);
    }
    /* N more pushes, each after a pop, at popped time + [0, 2000) ms */
    uint64_t *popped = calloc(2 * N, sizeof *popped);
    int64_t *ptime = calloc(2 * N, sizeof *ptime);
    cr_assert(popped && ptime);
    size_t np = 0;
    for (uint32_t i = 0; i < N; i++, seq++) {
        sc_event e;
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        popped[np] = e.seq;
        ptime[np++] = e.time;
        int64_t t = e.time + (int64_t)(rng_next(&s) % 2000);
        ref[seq] = (ref_ev){t, seq, 0, 0};
        cr_assert_eq(sc_evq_push(q, t, 0, 0, 0, NULL), SC_OK);
    }
    sc_event e;
    while (sc_evq_pop(q, &e)) {
        popped[np] = e.seq;
        ptime[np++] = e.time;
    }
    cr_assert_eq(np, 2 * N);
    /* every event pops exactly once, and the pop sequence is sorted by (time, seq) */
    qsort(ref, 2 * N, sizeof *ref, ref_cmp);
    for (size_t i = 0; i < 2 * N; i++)
        cr_assert_eq(ptime[i], ref[i].time, "pop %zu", i);
    for (size_t i = 1; i < 2 * N; i++)
        cr_assert(ptime[i - 1] < ptime[i] || popped[i - 1] < popped[i], "pop %zu", i);
    free(ref);
    free(popped);
    free(ptime);
    sc_evq_free(q);
}

Test(evq, cancel_semantics)
{
    sc_evq *q = new_q(4);
    uint64_t h1, h2, h3;
    cr_assert_eq(sc_evq_push(q, 10, 0, 1, 0, &h1), SC_OK);
    cr_assert_eq(sc_evq_push(q, 20, 0, 2, 0, &h2), SC_OK);
    cr_assert_eq(sc_evq_push(q, 30, 0, 3, 0, &h3), SC_OK);
    cr_expect(h1 != 0 && h2 != 0 && h3 != 0);
    cr_expect(h1 != h2 && h2 != h3 && h1 != h3);

    /* pending (not the root) -> 1, then double cancel -> 0 */
    cr_expect_eq(sc_evq_cancel(q, h2), 1);
    cr_expect_eq(sc_evq_cancel(q, h2), 0);
    cr_expect_eq(sc_evq_size(q), 2);

    sc_event e;
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.a, 1);
    /* already popped -> 0 */
    cr_expect_eq(sc_evq_cancel(q, h1), 0);

    /* the next push reuses a freed slot: the old handles must not reach it */
    uint64_t h4;
    cr_assert_eq(sc_evq_push(q, 5, 0, 4, 0, &h4), SC_OK);
    cr_expect(h4 != h1 && h4 != h2 && h4 != h3);
    cr_expect_eq(sc_evq_cancel(q, h1), 0);
    cr_expect_eq(sc_evq_cancel(q, h2), 0);
    cr_expect_eq(sc_evq_size(q), 2);

    /* cancel the root: the next event becomes the minimum */
    cr_expect_eq(sc_evq_cancel(q, h4), 1);
    cr_assert_eq(sc_evq_peek(q, &e), 1);
    cr_expect_eq(e.a, 3);
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.a, 3);
    cr_expect_eq(e.time, 30);
    cr_expect_eq(sc_evq_pop(q, &e), 0);
    cr_expect_eq(sc_evq_cancel(q, h3), 0);
    sc_evq_free(q);
}

/* Cancel right after a pop (no push in between) and cancel everything. */
Test(evq, cancel_after_pop_and_all)
{
    sc_evq *q = new_q(0);
    uint64_t h[100];
    for (uint32_t i = 0; i < 100; i++)
        cr_assert_eq(sc_evq_push(q, 1000 - (int64_t)i, 0, i, 0, &h[i]), SC_OK);
    sc_event e;
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.a, 99); /* time 901 */
    cr_expect_eq(sc_evq_cancel(q, h[98]), 1); /* the next minimum */
    cr_assert_eq(sc_evq_peek(q, &e), 1);
    cr_expect_eq(e.a, 97);
    for (uint32_t i = 0; i < 100; i++)
        sc_evq_cancel(q, h[i]);
    cr_expect_eq(sc_evq_size(q), 0);
    cr_expect_eq(sc_evq_pop(q, &e), 0);
    cr_expect_eq(sc_evq_peek(q, &e), 0);
    /* the queue still works */
    cr_assert_eq(sc_evq_push(q, 7, 0, 500, 0, NULL), SC_OK);
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.a, 500);
    cr_expect_eq(e.seq, 100, "seq counts every push of the queue's life");
    sc_evq_free(q);
}

Test(evq, push_earlier_than_last_pop)
{
    sc_evq *q = new_q(0);
    sc_event e;
    cr_assert_eq(sc_evq_push(q, 100, 0, 1, 0, NULL), SC_OK);
    cr_assert_eq(sc_evq_push(q, 200, 0, 2, 0, NULL), SC_OK);
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.time, 100);
    cr_assert_eq(sc_evq_push(q, 50, 0, 3, 0, NULL), SC_OK);
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.time, 50);
    cr_expect_eq(e.a, 3);
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.time, 200);
    sc_evq_free(q);
}

Test(evq, clear_keeps_seq_and_stales_handles)
{
    sc_evq *q = new_q(0);
    uint64_t h[10];
    for (uint32_t i = 0; i < 10; i++)
        cr_assert_eq(sc_evq_push(q, i, 0, i, 0, &h[i]), SC_OK);
    sc_event e;
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    sc_evq_cancel(q, h[5]);
    sc_evq_clear(q);
    cr_expect_eq(sc_evq_size(q), 0);
    cr_expect_eq(sc_evq_pop(q, &e), 0);
    for (uint32_t i = 0; i < 10; i++) {
        uint64_t hn;
        cr_assert_eq(sc_evq_push(q, 100 - (int64_t)i, 0, 10 + i, 0, &hn), SC_OK);
        for (int j = 0; j < 10; j++)
            cr_expect_neq(hn, h[j], "handle reused after clear");
    }
    for (uint32_t i = 0; i < 10; i++)
        cr_expect_eq(sc_evq_cancel(q, h[i]), 0);
    cr_expect_eq(sc_evq_size(q), 10);
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.time, 91);
    cr_expect_eq(e.seq, 19); /* 10 pushes before the clear, this is the 10th after */
    sc_evq_free(q);
}

Test(evq, growth_beyond_hint)
{
    sc_evq *q = new_q(3);
    size_t cap0 = sc_evq_capacity(q);
    cr_expect_geq(cap0, 3);
    enum { N = 100000 };
    for (uint32_t i = 0; i < N; i++) /* descending times: every push sifts to the root */
        cr_assert_eq(sc_evq_push(q, N - (int64_t)i, 0, i, 0, NULL), SC_OK);
    cr_expect_geq(sc_evq_capacity(q), N);
    cr_expect_gt(sc_evq_capacity(q), cap0);
    cr_expect_eq(sc_evq_size(q), N);
    for (uint32_t i = 0; i < N; i++) {
        sc_event e;
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert_eq(e.time, (int64_t)i + 1);
    }
    sc_evq_free(q);
}

/* Steady state of a HOLD loop (pop, push later) with cancellations: after warm-up the
 * capacity never changes, i.e. nothing is allocated. */
static void steady_state(size_t near_min)
{
    enum { N = 1000, WARM = 20000, OPS = 200000, RING = 16 };
    sc_evq *q = new_q(N);
    if (near_min)
        sc_evq_debug_set_near_min(q, near_min);
    uint64_t s = 99;
    for (uint32_t i = 0; i < N; i++)
        cr_assert_eq(sc_evq_push(q, (int64_t)(rng_next(&s) % 1000), 0, 0, 0, NULL), SC_OK);
    uint64_t ring[RING] = {0};
    size_t rp = 0, cap_warm = 0, cancels = 0;
    int64_t last = INT64_MIN;
    for (size_t i = 0; i < WARM + OPS; i++) {
        if (i == WARM)
            cap_warm = sc_evq_capacity(q);
        sc_event e;
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert_geq(e.time, last, "HOLD times must not decrease");
        last = e.time;
        uint64_t h;
        int64_t inc = (int64_t)(rng_next(&s) % 1000);
        cr_assert_eq(sc_evq_push(q, e.time + inc, 0, 0, 0, &h), SC_OK);
        if (rng_next(&s) % 10 == 0) { /* cancel a recent event, push a replacement */
            uint64_t old = ring[rp];
            ring[rp] = h;
            rp = (rp + 1) % RING;
            if (old && sc_evq_cancel(q, old)) {
                cancels++;
                cr_assert_eq(sc_evq_push(q, e.time + 1 + inc / 2, 0, 0, 0, NULL), SC_OK);
            }
        }
        cr_assert_eq(sc_evq_size(q), N);
        if (i >= WARM)
            cr_assert_eq(sc_evq_capacity(q), cap_warm, "capacity changed at op %zu", i);
    }
    cr_expect_gt(cancels, (size_t)OPS / 20, "the cancel path was exercised");
    sc_evq_free(q);
}

Test(evq, no_allocation_in_steady_state)
{
    steady_state(0);  /* everything in the heap */
    steady_state(64); /* two tiers */
}

/* Interleaved random push / pop / cancel / peek against a linear-scan reference.  Some
 * phases cancel heavily so tombstone compaction runs; handles of popped and cancelled
 * events are cancelled again on purpose. */
static void random_ops(uint64_t seed, size_t ops, int with_ord_wrap, size_t near_min)
{
    enum { MAXP = 4096, MAXH = 1 << 17 };
    ref_ev *pend = calloc(MAXP, sizeof *pend);
    uint64_t *handles = calloc(MAXH, sizeof *handles);
    cr_assert(pend && handles);
    size_t np = 0, nh = 0;
    uint64_t seq = 0, s = seed;
    sc_evq *q = new_q(2);
    if (near_min)
        sc_evq_debug_set_near_min(q, near_min);
    int64_t now = 0;
    size_t cancelled = 0, popped = 0;
    for (size_t op = 0; op < ops; op++) {
        if (with_ord_wrap && op == ops / 3)
            sc_evq_debug_set_next_ord(q, UINT32_MAX - 1000); /* forces renumbering */
        uint64_t r = rng_next(&s) % 100;
        /* phases: growing, cancel-heavy, draining */
        size_t phase = (op / 10000) % 3;
        int p_push = phase == 0 ? 55 : phase == 1 ? 45 : 35;
        int p_cancel = phase == 1 ? 30 : 8;
        if ((int)r < p_push && np < MAXP && nh < MAXH) {
            /* mostly near the present, some in the past, many ties */
            int64_t t = now + (int64_t)(rng_next(&s) % 64) - (rng_next(&s) % 8 == 0 ? 40 : 0);
            uint32_t a = (uint32_t)rng_next(&s);
            uint64_t h;
            cr_assert_eq(sc_evq_push(q, t, 1, a, seq ^ 0x5555, &h), SC_OK);
            pend[np++] = (ref_ev){t, seq, a, h};
            handles[nh++] = h;
            seq++;
        } else if ((int)r < p_push + p_cancel && nh > 0) {
            uint64_t h = handles[rng_next(&s) % nh];
            int want = 0;
            for (size_t i = 0; i < np; i++)
                if (pend[i].handle == h) {
                    pend[i] = pend[--np];
                    want = 1;
                    break;
                }
            cr_assert_eq(sc_evq_cancel(q, h), want, "op %zu: cancel returned wrong", op);
            cancelled += (size_t)want;
        } else if ((int)r < 97) {
            size_t best = 0;
            for (size_t i = 1; i < np; i++)
                if (ref_cmp(&pend[i], &pend[best]) < 0)
                    best = i;
            sc_event e;
            int got = sc_evq_pop(q, &e);
            cr_assert_eq(got, np > 0, "op %zu: pop on %zu pending returned %d", op, np, got);
            if (got) {
                cr_assert(e.time == pend[best].time && e.seq == pend[best].seq,
                          "op %zu: popped (%lld,%llu), want (%lld,%llu)", op,
                          (long long)e.time, (unsigned long long)e.seq,
                          (long long)pend[best].time, (unsigned long long)pend[best].seq);
                cr_assert_eq(e.a, pend[best].a);
                cr_assert_eq(e.b, pend[best].seq ^ 0x5555);
                cr_assert_eq(e.type, 1);
                now = e.time;
                pend[best] = pend[--np];
                popped++;
            }
        } else {
            sc_event e;
            int got = sc_evq_peek(q, &e);
            cr_assert_eq(got, np > 0);
            if (got) {
                size_t best = 0;
                for (size_t i = 1; i < np; i++)
                    if (ref_cmp(&pend[i], &pend[best]) < 0)
                        best = i;
                cr_assert_eq(e.seq, pend[best].seq, "op %zu: peek", op);
            }
        }
        cr_assert_eq(sc_evq_size(q), np, "op %zu: size", op);
    }
    cr_expect_gt(cancelled, ops / 50);
    cr_expect_gt(popped, ops / 5);
    /* drain */
    while (np > 0) {
        size_t best = 0;
        for (size_t i = 1; i < np; i++)
            if (ref_cmp(&pend[i], &pend[best]) < 0)
                best = i;
        sc_event e;
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert_eq(e.seq, pend[best].seq);
        pend[best] = pend[--np];
    }
    cr_expect_eq(sc_evq_pop(q, NULL), 0);
    free(pend);
    free(handles);
    sc_evq_free(q);
}

Test(evq, random_ops_against_reference)
{
    random_ops(20240517, 100000, 0, 0);
}

/* The same with a tiny near tier, so most keys live in the far tier and spills, refills
 * and far-tier tombstones happen constantly. */
Test(evq, random_ops_small_near_tier)
{
    random_ops(4242, 100000, 0, 64);
}

Test(evq, random_ops_across_ordinal_renumbering)
{
    random_ops(777, 60000, 1, 0);
    random_ops(778, 60000, 1, 64);
}

/* Ties across the ordinal renumbering: events at one time pushed before and after the
 * tie-break counter wraps still pop in insertion order. */
Test(evq, ties_across_ordinal_renumbering)
{
    sc_evq *q = new_q(0);
    for (uint32_t i = 0; i < 300; i++)
        cr_assert_eq(sc_evq_push(q, (i % 3) * 10, 0, i, 0, NULL), SC_OK);
    sc_evq_debug_set_next_ord(q, UINT32_MAX - 100);
    for (uint32_t i = 300; i < 600; i++)
        cr_assert_eq(sc_evq_push(q, (i % 3) * 10, 0, i, 0, NULL), SC_OK);
    /* expected: time 0 then 10 then 20; within a time, increasing i */
    for (uint32_t t = 0; t < 3; t++)
        for (uint32_t i = t; i < 600; i += 3) {
            sc_event e;
            cr_assert_eq(sc_evq_pop(q, &e), 1);
            cr_assert_eq(e.time, (int64_t)t * 10);
            cr_assert_eq(e.a, i, "want a=%u got %u", i, e.a);
        }
    sc_evq_free(q);
}

/* A full queue whose store is one quarter tombstones reclaims them instead of growing,
 * and keeps the order of the survivors. */
Test(evq, full_queue_reclaims_tombstones_before_growing)
{
    sc_evq *q = new_q(1);
    size_t cap = sc_evq_capacity(q);
    cr_assert_geq(cap, 8);
    uint64_t *h = calloc(cap, sizeof *h);
    cr_assert_not_null(h);
    for (uint32_t i = 0; i < cap; i++) /* times 0..cap-1, seq = i */
        cr_assert_eq(sc_evq_push(q, (int64_t)i, 0, i, 0, &h[i]), SC_OK);
    cr_expect_eq(sc_evq_capacity(q), cap);
    /* cancel the odd events in the upper half: cap/4 tombstones, none at the root */
    size_t ncancel = 0;
    for (uint32_t i = (uint32_t)cap / 2 + 1; i < cap; i += 2) {
        cr_assert_eq(sc_evq_cancel(q, h[i]), 1);
        ncancel++;
    }
    cr_assert_eq(sc_evq_push(q, -1, 0, 9999, 0, NULL), SC_OK);
    cr_expect_eq(sc_evq_capacity(q), cap, "tombstones should be reclaimed, not grown over");
    cr_expect_eq(sc_evq_size(q), cap - ncancel + 1);
    sc_event e;
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.a, 9999);
    for (uint32_t i = 0; i < cap; i++) {
        if (i > cap / 2 && (i - cap / 2) % 2 == 1)
            continue; /* cancelled */
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert_eq(e.a, i);
    }
    cr_expect_eq(sc_evq_pop(q, &e), 0);
    free(h);
    sc_evq_free(q);
}

/* clear with keys in both tiers and a pop pending. */
Test(evq, clear_two_tiers)
{
    sc_evq *q = new_q(0);
    sc_evq_debug_set_near_min(q, 64);
    uint64_t h[1000];
    for (uint32_t i = 0; i < 1000; i++)
        cr_assert_eq(sc_evq_push(q, (int64_t)((i * 7919u) % 1000), 0, i, 0, &h[i]), SC_OK);
    sc_event e;
    cr_assert_eq(sc_evq_pop(q, &e), 1);
    cr_expect_eq(e.time, 0); /* i = 0 is the only i with 7919 i = 0 mod 1000 */
    sc_evq_clear(q);
    cr_expect_eq(sc_evq_size(q), 0);
    cr_expect_eq(sc_evq_pop(q, &e), 0);
    for (uint32_t i = 0; i < 1000; i++)
        cr_expect_eq(sc_evq_cancel(q, h[i]), 0);
    size_t cap = sc_evq_capacity(q);
    for (uint32_t i = 0; i < 1000; i++) /* refill to the same size: no growth */
        cr_assert_eq(sc_evq_push(q, 5000 - (int64_t)i, 0, i, 0, NULL), SC_OK);
    cr_expect_eq(sc_evq_capacity(q), cap);
    for (uint32_t i = 0; i < 1000; i++) {
        cr_assert_eq(sc_evq_pop(q, &e), 1);
        cr_assert_eq(e.time, 4001 + (int64_t)i);
    }
    sc_evq_free(q);
}
