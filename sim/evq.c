/*
 * evq.c - the pending-event set: two tiers of 16-byte keys (a small 4-ary heap for the
 * near future, an unordered array for the far future), the event payloads in a side
 * slab, and lazy cancellation with tombstones.
 *
 * Why this shape (measured with bench/evq, see bench/evq/README.md): a discrete-event
 * simulator spends its queue time in pop-min followed by push (the HOLD pattern of
 * Vaucher & Duval 1975 and Jones 1986, CACM 29(4)).  A binary heap of whole 32-byte
 * events (std::priority_queue) moves 32 bytes per level over log2(n) levels, and once it
 * outgrows the cache every level is a cache miss.  A plain heap of small keys halves the
 * misses but, measured, was no faster than std::priority_queue at 10^6 events: the last
 * levels of any big heap are random memory accesses.  So big queues are split in time,
 * the idea behind the calendar queue (Brown, CACM 31(10) 1988) and the ladder queue
 * (Tang, Goh & Thng, ACM TOMACS 15(3) 2005), in its simplest form:
 *
 *  - keys: one unsigned 128-bit integer per event,
 *        key = (time ^ 2^63) << 64  |  ord << 32  |  slot
 *    Flipping the sign bit of time makes unsigned order equal signed time order, so a
 *    single 128-bit unsigned compare (cmp/sbb, branch-free) orders by (time, ord).  ord
 *    is a 32-bit tie-break ordinal given in push order, so among equal times it orders
 *    exactly like seq; slot (the payload's index in the slab) never decides a compare,
 *    because ords of stored keys are distinct.
 *  - near tier: heap[0..n), a 4-ary implicit min-heap (children of i are 4i+1 .. 4i+4,
 *    parent (i-1)/4) of the keys below `bound`.  The array is offset so that each group
 *    of four siblings is one aligned 64-byte cache line, the least of four siblings is
 *    chosen with conditional moves, and a push's sift-down prefetches the next level's
 *    lines while it compares a level.  The heap is kept near max(4096, stored/16) keys, so it stays
 *    in the L2 cache.  In a queue of at most 2048 events of capacity (heap and slab in
 *    L1/L2) neither that prefetch nor the next root's payload prefetch below is issued:
 *    there they only cost (EVQ_SLOT_PREFETCH_MIN).
 *  - far tier: far[0..nfar), the keys >= bound, in no order.  A push beyond bound is an
 *    append (a sequential write).  When the heap runs empty, the far keys below a new
 *    split key are moved into it and heapified in O(k) (refill); when the heap grows past
 *    twice its target, its keys above a split key move out to the far tier (spill).  The
 *    split key is chosen among 64 keys sampled at fixed positions, so the behaviour is
 *    deterministic, and its rank is chosen so about the heap target moves.  Each refill
 *    scans the far tier once, which is about 16 sequential key reads per popped event.
 *    Exactness needs no care: every heap key < bound <= every far key, so the heap's
 *    root is the global minimum of (time, ord).  A queue below the heap target never
 *    uses the far tier.
 *  - the payload (seq, type, a, b) lives in slab[slot], read once on pop and written once
 *    on push.  Free slots form a LIFO list, so the push that follows a pop reuses the
 *    slot that pop just freed, which is still in cache; the payload of the likely next
 *    root is prefetched.
 *  - deferred pop: pop takes the root and leaves heap[0] vacant (`hole`).  If the next
 *    push goes to the heap it fills the hole and sifts down, one pass instead of a
 *    deletion plus an insertion; any other operation first fills the hole by Floyd's
 *    bottom-up deletion (the hole walks the min-child path to a leaf, then the last key
 *    fills it and sifts up).  peek is logically const but may fill the hole.
 *
 * Cancellation is lazy: a cancelled event's slot is marked CANCELLED (a tombstone) and
 * its key stays stored until it reaches the heap's root, where it is discarded.  Keeping
 * a heap-position index per slot instead would make every key move write to the slab, a
 * random memory access per level.  Tombstones are bounded: when they outnumber the
 * pending events (and there are more than 32), both tiers are compacted and the heap
 * rebuilt in O(n), so cancellation costs O(1) amortised; and a push that finds the store
 * full reclaims tombstones instead of growing when they are at least 1/8 of it.
 *
 * Handles are (gen << 32) | slot, where gen is the slot's generation, incremented every
 * time the slot is handed out (never 0, so no handle is 0).  A stale handle fails the
 * generation check.  (It could only alias if the same slot were reused 2^32 times while
 * the stale handle was kept.)
 *
 * Ordinal renumbering: ord is 32 bits so the key fits 128 bits whatever the capacity.
 * When the ordinal counter would wrap (after 2^32 - 1 pushes), both tiers are merged
 * into the heap array and heap-sorted in place (no allocation), which sorts them by
 * (time, ord), and ords are reassigned 0..n-1 in that order: relative order of equal
 * times is kept and a sorted array is a valid heap.  O(n log n) once per 2^32 pushes.
 *
 * Memory: 64 bytes per event of capacity (16 heap + 16 far + 32 slab), allocated up
 * front for the capacity and doubled (all three arrays together) only when the stored
 * events (pending + tombstones) would exceed it.
 *
 * Invariants (checked by tests/test_evq.c through the public API):
 *  I1  (n - hole) + nfar == live + dead: every slot in use (PENDING or CANCELLED) has
 *      exactly one stored key, and free slots have none.
 *  I2  heap order among heap[hole .. n); every heap key < bound <= every far key.
 *  I3  when no hole is pending, either heap[0] is a pending event (not a tombstone), or
 *      nothing is stored (n == nfar == 0, bound == EVQ_KEY_MAX).
 *  I4  ords of stored keys are distinct and increase with seq among keys of equal time.
 *  I5  cap is a power of two >= 64; heap, far and slab all have cap entries.
 */
#include "evq.h"

#include <stdlib.h>
#include <string.h>

typedef unsigned __int128 evq_key;

#define EVQ_DEFAULT_CAP 64u
#define EVQ_MAX_CAP (UINT32_C(1) << 31)      /* keeps slot indices below the markers */
#define EVQ_LINK_END UINT32_C(0xFFFFFFFF)    /* end of the free list */
#define EVQ_LINK_PENDING UINT32_C(0xFFFFFFFE) /* slot holds a pending event */
#define EVQ_LINK_CANCELLED UINT32_C(0xFFFFFFFD) /* slot holds a tombstone */
#define EVQ_COMPACT_MIN 32u                  /* never compact for fewer tombstones */
#define EVQ_SIGN (UINT64_C(1) << 63)
#define EVQ_KEY_MAX (~(evq_key)0)            /* bound when everything is in the heap */
#define EVQ_NEAR_MIN 4096u                   /* heap target size floor (64 KiB of keys);
                                                must be >= EVQ_SAMPLES */
#define EVQ_NEAR_SHIFT 4                     /* heap target = max(NEAR_MIN, stored/16) */
#define EVQ_SAMPLES 64                       /* keys sampled to choose a split key */

typedef struct evq_slot {
    uint64_t seq;   /* insertion sequence number of the event */
    uint32_t type;  /* payload */
    uint32_t a;     /* payload */
    uint64_t b;     /* payload */
    uint32_t gen;   /* generation: incremented each time the slot is handed out; >= 1
                       once used */
    uint32_t link;  /* EVQ_LINK_PENDING, EVQ_LINK_CANCELLED, or (free) next free slot */
} evq_slot;

struct sc_evq {
    evq_key *heap;       /* near tier: heap[0..n), 4-ary min-heap; heap + 1 is 64-byte
                            aligned; every key < bound */
    void *heap_mem;      /* allocation behind heap (heap = heap_mem + 3 keys) */
    evq_key *far;        /* far tier: far[0..nfar), unordered; every key >= bound */
    evq_slot *slab;      /* [cap] payloads; slots [0, hw) have been used at least once */
    evq_key bound;       /* split key between the tiers (EVQ_KEY_MAX: far is empty) */
    size_t cap;          /* capacity in events (heap keys, far keys, slab slots) */
    size_t n;            /* heap positions in use (the hole included) */
    size_t nfar;         /* keys in the far tier */
    size_t live;         /* pending events */
    size_t dead;         /* tombstones (cancelled, key still stored) */
    size_t hw;           /* high-water mark of slab slots ever handed out */
    size_t near_min;     /* heap target size floor (EVQ_NEAR_MIN; tests lower it) */
    int hole;            /* 1: heap[0] is vacant (deferred pop, see file comment) */
    uint32_t free_head;  /* first free slot below hw, EVQ_LINK_END if none */
    uint32_t next_ord;   /* next tie-break ordinal */
    uint64_t next_seq;   /* next insertion sequence number */
};

static inline evq_key evq_make_key(sc_time_ms t, uint32_t ord, uint32_t slot)
{
    uint64_t hi = (uint64_t)t ^ EVQ_SIGN;
    uint64_t lo = ((uint64_t)ord << 32) | slot;
    return ((evq_key)hi << 64) | lo;
}

static inline uint32_t evq_key_slot(evq_key k)
{
    return (uint32_t)k;
}

static inline sc_time_ms evq_key_time(evq_key k)
{
    return (sc_time_ms)((uint64_t)(k >> 64) ^ EVQ_SIGN);
}

/* Allocate a heap array of cap keys with heap + 1 on a 64-byte boundary. */
static evq_key *evq_heap_alloc(size_t cap, void **mem_out)
{
    /* 3 keys of padding before heap[0]; (cap + 4) * 16 is a multiple of 64 (I5) */
    void *mem = aligned_alloc(64, (cap + 4) * sizeof(evq_key));
    *mem_out = mem;
    return mem ? (evq_key *)mem + 3 : NULL;
}

sc_status sc_evq_alloc(size_t capacity_hint, sc_evq **out)
{
    if (!out)
        return SC_ERR_INTERNAL;
    *out = NULL;
    size_t cap = EVQ_DEFAULT_CAP;
    if (capacity_hint > EVQ_MAX_CAP)
        return SC_ERR_NOMEM;
    while (cap < capacity_hint)
        cap *= 2;
    sc_evq *q = calloc(1, sizeof *q);
    if (!q)
        return SC_ERR_NOMEM;
    q->heap = evq_heap_alloc(cap, &q->heap_mem);
    q->far = malloc(cap * sizeof *q->far);
    q->slab = malloc(cap * sizeof *q->slab);
    if (!q->heap || !q->far || !q->slab)
        goto err;
    q->cap = cap;
    q->bound = EVQ_KEY_MAX;
    q->near_min = EVQ_NEAR_MIN;
    q->free_head = EVQ_LINK_END;
    *out = q;
    return SC_OK;
err:
    free(q->heap_mem);
    free(q->far);
    free(q->slab);
    free(q);
    return SC_ERR_NOMEM;
}

void sc_evq_free(sc_evq *q)
{
    if (!q)
        return;
    free(q->heap_mem);
    free(q->far);
    free(q->slab);
    free(q);
}

/* Double the capacity.  On failure the queue is unchanged. */
static sc_status evq_grow(sc_evq *q)
{
    if (q->cap >= EVQ_MAX_CAP)
        return SC_ERR_NOMEM;
    size_t cap = q->cap * 2;
    void *mem;
    evq_key *heap = evq_heap_alloc(cap, &mem);
    if (!heap)
        return SC_ERR_NOMEM;
    evq_key *far = malloc(cap * sizeof *far);
    if (!far) {
        free(mem);
        return SC_ERR_NOMEM;
    }
    evq_slot *slab = realloc(q->slab, cap * sizeof *slab);
    if (!slab) {
        free(mem);
        free(far);
        return SC_ERR_NOMEM;
    }
    memcpy(heap, q->heap, q->n * sizeof *heap);
    memcpy(far, q->far, q->nfar * sizeof *far);
    free(q->heap_mem);
    free(q->far);
    q->heap = heap;
    q->heap_mem = mem;
    q->far = far;
    q->slab = slab;
    q->cap = cap;
    return SC_OK;
}

static inline void evq_slot_release(sc_evq *q, uint32_t s)
{
    q->slab[s].link = q->free_head;
    q->free_head = s;
}

/* Index of the smallest of the four keys h[c .. c+3], without branches. */
static inline size_t evq_min4(const evq_key *h, size_t c)
{
    /* two independent pair compares, then one between the winners; gcc and clang turn
       each into cmp/sbb + cmov (measured faster than selecting values in registers) */
    size_t m01 = c + (h[c + 1] < h[c]);
    size_t m23 = c + 2 + (h[c + 3] < h[c + 2]);
    return h[m23] < h[m01] ? m23 : m01;
}

/* Classic top-down sift of h[i] within h[0..n) (used by heapify and heap-sort). */
static void evq_sift_down(evq_key *h, size_t n, size_t i)
{
    evq_key k = h[i];
    for (;;) {
        size_t c = 4 * i + 1;
        if (c >= n)
            break;
        size_t m = c;
        size_t end = c + 4 < n ? c + 4 : n;
        for (size_t j = c + 1; j < end; j++)
            if (h[j] < h[m])
                m = j;
        if (!(h[m] < k))
            break;
        h[i] = h[m];
        i = m;
    }
    h[i] = k;
}

/* Place k at hole i and move it up to restore heap order. */
static inline void evq_sift_up(evq_key *h, size_t i, evq_key k)
{
    while (i > 0) {
        size_t p = (i - 1) / 4;
        if (!(k < h[p]))
            break;
        h[i] = h[p];
        i = p;
    }
    h[i] = k;
}

/* Ask for the four cache lines holding the children of h[c .. c+3] (one aligned 256-byte
 * block) while the four siblings are compared, so the next level's line is already on its
 * way: the chain of dependent cache misses of a deep heap overlaps one level. */
static inline void evq_prefetch_grandchildren(const evq_key *h, size_t n, size_t c)
{
#if defined(__GNUC__)
    size_t g = 4 * c + 1;
    if (g < n) {
        __builtin_prefetch(&h[g]);
        __builtin_prefetch(&h[g] + 4);
        __builtin_prefetch(&h[g] + 8);
        __builtin_prefetch(&h[g] + 12);
    }
#else
    (void)h;
    (void)n;
    (void)c;
#endif
}

/* Capacities (and heaps) up to this many events keep the slab (32 bytes a slot: 64 KiB)
 * and the heap (16 bytes a key: 32 KiB) in the L1/L2 caches of a small core: there the
 * payload of the next root and the next heap level are not prefetched, which saves a
 * 4-way compare per pop and per push and four prefetches a level (bench/evq: 10^3
 * events went from 1.78-1.94x to about 2x std::priority_queue). */
#define EVQ_SLOT_PREFETCH_MIN 2048

/* Place k at vacant position i and move it down to restore heap order (the fast path
 * of a push that fills the deferred-pop hole). */
static inline void evq_sift_down_from(evq_key *h, size_t n, size_t i, evq_key k)
{
    size_t c = 4 * i + 1;
    const int pf = n > EVQ_SLOT_PREFETCH_MIN; /* a small heap is in L1: no prefetch */
    while (c + 3 < n) { /* full sibling group */
        if (pf)
            evq_prefetch_grandchildren(h, n, c);
        size_t m = evq_min4(h, c);
        if (!(h[m] < k))
            break;
        h[i] = h[m];
        i = m;
        c = 4 * i + 1;
    }
    if (c + 3 >= n && c < n) { /* a partial last group */
        size_t m = c;
        for (size_t j = c + 1; j < n; j++)
            if (h[j] < h[m])
                m = j;
        if (h[m] < k) {
            h[i] = h[m];
            i = m;
        }
    }
    h[i] = k;
}

/* Remove heap[0] (its slot is handled by the caller): Floyd's bottom-up deletion. */
static void evq_remove_root(sc_evq *q)
{
    evq_key *h = q->heap;
    size_t n = --q->n;
    if (n == 0)
        return;
    evq_key last = h[n];
    size_t i = 0, c = 1;
    while (c + 3 < n) { /* full sibling group */
        size_t m = evq_min4(h, c);
        h[i] = h[m];
        i = m;
        c = 4 * i + 1;
    }
    if (c < n) { /* a partial last group; its members have no children */
        size_t m = c;
        for (size_t j = c + 1; j < n; j++)
            if (h[j] < h[m])
                m = j;
        h[i] = h[m];
        i = m;
    }
    evq_sift_up(h, i, last);
}

/* Hint the cache that a slot's payload will be read soon. */
static inline void evq_prefetch_slot(const sc_evq *q, evq_key k)
{
#if defined(__GNUC__)
    __builtin_prefetch(&q->slab[evq_key_slot(k)]);
#else
    (void)q;
    (void)k;
#endif
}

/* Floyd's O(n) heapify of heap[0..n). */
static void evq_heapify(evq_key *h, size_t n)
{
    if (n > 1)
        for (size_t i = (n - 2) / 4 + 1; i-- > 0;)
            evq_sift_down(h, n, i);
}

/* How many keys the near tier aims to hold. */
static inline size_t evq_near_target(const sc_evq *q)
{
    size_t t = (q->n + q->nfar) >> EVQ_NEAR_SHIFT;
    return t > q->near_min ? t : q->near_min;
}

/* A split key such that about `want` of the len keys in v are below it: the key of rank
 * round(want / len * EVQ_SAMPLES) (at least 1) among EVQ_SAMPLES keys sampled at fixed,
 * evenly spaced positions.  At least one key of v is below the result.  len >=
 * EVQ_SAMPLES. */
static evq_key evq_split_key(const evq_key *v, size_t len, size_t want)
{
    evq_key smp[EVQ_SAMPLES];
    for (size_t i = 0; i < EVQ_SAMPLES; i++) {
        evq_key k = v[i * (len / EVQ_SAMPLES) + (len / EVQ_SAMPLES) / 2];
        size_t j = i;
        for (; j > 0 && k < smp[j - 1]; j--) /* insertion sort */
            smp[j] = smp[j - 1];
        smp[j] = k;
    }
    size_t r = (size_t)(((double)want / (double)len) * EVQ_SAMPLES + 0.5);
    if (r < 1)
        r = 1;
    if (r > EVQ_SAMPLES - 1)
        r = EVQ_SAMPLES - 1;
    return smp[r];
}

/* The heap got too big: move its keys >= a split key to the far tier, lower the bound
 * to that key and re-heapify.  No hole pending. */
static void evq_spill(sc_evq *q)
{
    evq_key *h = q->heap;
    evq_key split = evq_split_key(h, q->n, evq_near_target(q));
    size_t j = 0;
    for (size_t i = 0; i < q->n; i++) {
        if (h[i] < split)
            h[j++] = h[i];
        else
            q->far[q->nfar++] = h[i];
    }
    q->n = j;
    q->bound = split;
    evq_heapify(h, j);
}

/* The heap is empty and the far tier is not: move the far keys below a new split key
 * (about evq_near_target of them; all when few) into the heap. */
static void evq_refill(sc_evq *q)
{
    size_t want = evq_near_target(q);
    evq_key *f = q->far, *h = q->heap;
    if (q->nfar <= want + want / 2) {
        memcpy(h, f, q->nfar * sizeof *h);
        q->n = q->nfar;
        q->nfar = 0;
        q->bound = EVQ_KEY_MAX;
    } else {
        evq_key split = evq_split_key(f, q->nfar, want);
        size_t j = 0, m = 0;
        for (size_t i = 0; i < q->nfar; i++) {
            evq_key k = f[i];
            if (k < split)
                h[m++] = k;
            else
                f[j++] = k;
        }
        q->n = m;
        q->nfar = j;
        q->bound = split;
    }
    evq_heapify(h, q->n);
}

/* Restore I3: fill a pending hole, refill an empty heap from the far tier and discard
 * tombstones at the root, until the root is a pending event or nothing is stored. */
static void evq_settle(sc_evq *q)
{
    if (q->hole) {
        q->hole = 0;
        evq_remove_root(q);
    }
    for (;;) {
        if (q->n == 0) {
            if (q->nfar == 0) {
                q->bound = EVQ_KEY_MAX;
                return;
            }
            evq_refill(q);
            continue;
        }
        if (q->dead == 0)
            return;
        uint32_t s = evq_key_slot(q->heap[0]);
        if (q->slab[s].link != EVQ_LINK_CANCELLED)
            return;
        evq_slot_release(q, s);
        q->dead--;
        evq_remove_root(q);
    }
}

/* Drop all tombstones from both tiers and rebuild the heap.  No hole pending. */
static void evq_compact(sc_evq *q)
{
    evq_key *h = q->heap, *f = q->far;
    size_t j = 0;
    for (size_t i = 0; i < q->n; i++) {
        uint32_t s = evq_key_slot(h[i]);
        if (q->slab[s].link == EVQ_LINK_CANCELLED)
            evq_slot_release(q, s);
        else
            h[j++] = h[i];
    }
    q->n = j;
    j = 0;
    for (size_t i = 0; i < q->nfar; i++) {
        uint32_t s = evq_key_slot(f[i]);
        if (q->slab[s].link == EVQ_LINK_CANCELLED)
            evq_slot_release(q, s);
        else
            f[j++] = f[i];
    }
    q->nfar = j;
    q->dead = 0;
    evq_heapify(h, q->n);
    evq_settle(q);
}

static inline void evq_maybe_compact(sc_evq *q)
{
    if (q->dead > EVQ_COMPACT_MIN && q->dead > q->live) {
        evq_settle(q);
        evq_compact(q);
    }
}

/* Reassign ords 0..n-1 in (time, ord) order; see the file comment.  Both tiers are
 * merged into the heap first. */
static void evq_renumber(sc_evq *q)
{
    evq_settle(q);
    memcpy(q->heap + q->n, q->far, q->nfar * sizeof *q->far);
    q->n += q->nfar;
    q->nfar = 0;
    q->bound = EVQ_KEY_MAX;
    evq_key *h = q->heap;
    size_t n = q->n;
    evq_heapify(h, n);
    /* heap-sort with a min-heap leaves h in descending order */
    for (size_t end = n; end > 1; end--) {
        evq_key t = h[0];
        h[0] = h[end - 1];
        h[end - 1] = t;
        evq_sift_down(h, end - 1, 0);
    }
    for (size_t i = 0; i < n / 2; i++) {
        evq_key t = h[i];
        h[i] = h[n - 1 - i];
        h[n - 1 - i] = t;
    }
    for (size_t i = 0; i < n; i++)
        h[i] = evq_make_key(evq_key_time(h[i]), (uint32_t)i, evq_key_slot(h[i]));
    q->next_ord = (uint32_t)n;
}

sc_status sc_evq_push(sc_evq *q, sc_time_ms time, uint32_t type, uint32_t a, uint64_t b,
                      uint64_t *handle_out)
{
    if (!q)
        return SC_ERR_INTERNAL;
    if (q->next_ord == UINT32_MAX)
        evq_renumber(q);
    if (q->live + q->dead == q->cap) {
        /* reclaim tombstones rather than grow when they are a good share of the store;
           each compaction then frees >= cap/8 slots, so its O(cap) cost is O(1)
           amortised over the pushes that refill them */
        if (q->dead >= q->cap / 8) {
            evq_settle(q);
            evq_compact(q);
        }
        if (q->live + q->dead == q->cap) {
            sc_status st = evq_grow(q);
            if (st != SC_OK)
                return st;
        }
    }

    uint32_t s;
    if (q->free_head != EVQ_LINK_END) {
        s = q->free_head;
        q->free_head = q->slab[s].link;
    } else {
        s = (uint32_t)q->hw++; /* I1: fewer than cap slots in use, so one is unused */
        q->slab[s].gen = 0;
    }
    evq_slot *sl = &q->slab[s];
    sl->seq = q->next_seq++;
    sl->type = type;
    sl->a = a;
    sl->b = b;
    sl->gen = sl->gen == UINT32_MAX ? 1 : sl->gen + 1;
    sl->link = EVQ_LINK_PENDING;
    if (handle_out)
        *handle_out = ((uint64_t)sl->gen << 32) | s;

    evq_key k = evq_make_key(time, q->next_ord++, s);
    q->live++;
    if (k >= q->bound) {
        q->far[q->nfar++] = k; /* far future: an append */
    } else if (q->hole) {
        /* pop-then-push: the new key takes the vacant root and sifts down, one pass
           instead of a full deletion plus an insertion */
        q->hole = 0;
        if (q->cap > EVQ_SLOT_PREFETCH_MIN && q->n > 4) {
            evq_key c = q->heap[evq_min4(q->heap, 1)];
            evq_prefetch_slot(q, c < k ? c : k); /* the next root's payload */
        }
        evq_sift_down_from(q->heap, q->n, 0, k);
        if (q->dead)
            evq_settle(q); /* a tombstone may have risen to the root */
    } else {
        evq_sift_up(q->heap, q->n, k);
        q->n++;
        if (q->n > 2 * evq_near_target(q))
            evq_spill(q);
    }
    return SC_OK;
}

int sc_evq_cancel(sc_evq *q, uint64_t handle)
{
    if (!q)
        return 0;
    uint32_t s = (uint32_t)handle;
    uint32_t gen = (uint32_t)(handle >> 32);
    if (s >= q->hw || gen == 0)
        return 0;
    evq_slot *sl = &q->slab[s];
    if (sl->gen != gen || sl->link != EVQ_LINK_PENDING)
        return 0;
    sl->link = EVQ_LINK_CANCELLED;
    q->live--;
    q->dead++;
    /* with a hole pending, heap[0] is vacant and the new root is only found on demand */
    if (!q->hole && evq_key_slot(q->heap[0]) == s)
        evq_settle(q);
    else
        evq_maybe_compact(q);
    return 1;
}

int sc_evq_pop(sc_evq *q, sc_event *out)
{
    if (!q || q->live == 0)
        return 0;
    /* I3: after settling, heap[0] is the earliest pending event.  With no hole, no
       tombstone and a non-empty heap there is nothing to settle (HOLD's steady state:
       the push before filled the hole), so the out-of-line call is skipped (callgrind,
       bimodal HOLD at 10^3: pop 61 -> 48 instructions) */
    if (q->hole || q->dead || q->n == 0)
        evq_settle(q);
    evq_key k = q->heap[0];
    uint32_t s = evq_key_slot(k);
    const evq_slot *sl = &q->slab[s];
    if (out) {
        out->time = evq_key_time(k);
        out->seq = sl->seq;
        out->type = sl->type;
        out->a = sl->a;
        out->b = sl->b;
    }
    evq_slot_release(q, s);
    q->live--;
    /* Defer the deletion: a push that follows (the usual case in a simulator, which
       schedules a successor of the event it handles) fills the hole directly. */
    q->hole = 1;
    if (q->cap > EVQ_SLOT_PREFETCH_MIN && q->n > 4)
        evq_prefetch_slot(q, q->heap[evq_min4(q->heap, 1)]); /* likely next root */
    return 1;
}

int sc_evq_peek(const sc_evq *q, sc_event *out)
{
    if (!q || q->live == 0)
        return 0;
    if (q->hole) {
        /* Logically const: settling changes the layout, not the contents.  Every sc_evq
           is created non-const by sc_evq_alloc, so writing through it is defined. */
        evq_settle((sc_evq *)(uintptr_t)q);
    }
    evq_key k = q->heap[0];
    const evq_slot *sl = &q->slab[evq_key_slot(k)];
    if (out) {
        out->time = evq_key_time(k);
        out->seq = sl->seq;
        out->type = sl->type;
        out->a = sl->a;
        out->b = sl->b;
    }
    return 1;
}

size_t sc_evq_size(const sc_evq *q)
{
    return q ? q->live : 0;
}

size_t sc_evq_capacity(const sc_evq *q)
{
    return q ? q->cap : 0;
}

void sc_evq_clear(sc_evq *q)
{
    if (!q)
        return;
    /* free every used slot, keeping its generation so old handles stay stale */
    for (size_t i = q->hole ? 1 : 0; i < q->n; i++)
        evq_slot_release(q, evq_key_slot(q->heap[i]));
    for (size_t i = 0; i < q->nfar; i++)
        evq_slot_release(q, evq_key_slot(q->far[i]));
    q->n = 0;
    q->nfar = 0;
    q->bound = EVQ_KEY_MAX;
    q->live = 0;
    q->dead = 0;
    q->hole = 0;
    q->next_ord = 0;
}

void sc_evq_debug_set_next_ord(sc_evq *q, uint32_t next_ord)
{
    if (q && next_ord > q->next_ord)
        q->next_ord = next_ord;
}

void sc_evq_debug_set_near_min(sc_evq *q, size_t near_min)
{
    /* the split-key sampling needs at least EVQ_SAMPLES keys in a tier it splits */
    if (q)
        q->near_min = near_min < EVQ_SAMPLES ? EVQ_SAMPLES : near_min;
}
