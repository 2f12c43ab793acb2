/*
 * evq.h - the discrete-event engine's pending-event set (event queue).
 *
 * Events are ordered by (time, seq), where seq is the insertion sequence number the
 * queue assigns on push (0, 1, 2, ... over the queue's lifetime, never reused, not reset
 * by sc_evq_clear).  Ties in time therefore pop in insertion order, which makes every
 * simulation deterministic (DESIGN.md "Time and determinism").
 *
 * Every push returns a handle that names that one event for cancellation.  A handle
 * stays unique after its event is popped or cancelled and its storage is reused (it is
 * generation-tagged; see evq.c), so cancelling a stale handle is a harmless no-op that
 * returns 0.  Handles are never 0, so 0 can be used as "no event".
 *
 * Costs: push and pop O(log n) amortised (a small heap for the near future, an append
 * for the far future), cancel O(1) amortised, size O(1), peek O(1) after a pop's
 * deferred work.  No memory is allocated per event: storage (64 bytes per event of
 * capacity) grows geometrically only when the stored events (pending plus cancelled ones
 * not yet reclaimed) exceed the capacity, and freed storage is reused.  The data
 * structure and its invariants are described at the top of evq.c.
 *
 * A queue is not thread-safe; each simulation owns its own.
 */
#ifndef SCULPT_SIM_EVQ_H
#define SCULPT_SIM_EVQ_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/status.h"
#include "sculpt/time.h"

/* One event.  type/a/b are the payload the engine interprets; the queue only stores
 * them.  32 bytes. */
typedef struct sc_event {
    sc_time_ms time;  /* when it fires, ms since the Unix epoch */
    uint64_t seq;     /* insertion sequence number, assigned by the queue */
    uint32_t type;    /* event kind (engine-defined) */
    uint32_t a;       /* payload word (engine-defined, e.g. an entity index) */
    uint64_t b;       /* payload word (engine-defined) */
} sc_event;

typedef struct sc_evq sc_evq;

/* Create an empty queue with room for about capacity_hint pending events before it
 * first grows (0 = a small default).  On success *out owns the queue; free it with
 * sc_evq_free.  On failure (SC_ERR_NOMEM) *out is NULL. */
sc_status sc_evq_alloc(size_t capacity_hint, sc_evq **out);

/* Free the queue and everything it holds.  NULL is a no-op. */
void sc_evq_free(sc_evq *q);

/* Schedule an event at `time` with payload (type, a, b).  If handle_out is not NULL it
 * receives the event's handle.  Any time is accepted, also one earlier than the last
 * popped event (the queue stays correct; the engine never does this).  Allocates only
 * when the stored events exceed the capacity (then it doubles it).  Returns SC_OK,
 * SC_ERR_NOMEM (queue unchanged, *handle_out untouched) or SC_ERR_INTERNAL (q NULL). */
sc_status sc_evq_push(sc_evq *q, sc_time_ms time, uint32_t type, uint32_t a, uint64_t b,
                      uint64_t *handle_out);

/* Remove a pending event.  Returns 1 if the event was pending and is now removed, 0
 * otherwise (unknown handle, already popped, already cancelled, q NULL). */
int sc_evq_cancel(sc_evq *q, uint64_t handle);

/* Remove the earliest event (smallest (time, seq)) and copy it to *out (out may be
 * NULL to discard it).  Returns 1 if an event was popped, 0 if the queue was empty. */
int sc_evq_pop(sc_evq *q, sc_event *out);

/* Copy the earliest event to *out without removing it.  Returns 1, or 0 if empty. */
int sc_evq_peek(const sc_evq *q, sc_event *out);

/* Number of pending (pushed, not yet popped or cancelled) events. */
size_t sc_evq_size(const sc_evq *q);

/* Number of events the queue can store before it next allocates (pending events plus
 * cancelled ones not yet reclaimed).  Constant in steady state. */
size_t sc_evq_capacity(const sc_evq *q);

/* Drop every pending event (their handles become stale).  Keeps the memory and the
 * sequence counter, so seq numbers and handles stay unique across a clear. */
void sc_evq_clear(sc_evq *q);

/* Testing hook: make the next internal tie-break ordinal `next_ord` (ignored if lower
 * than the current one).  Lets a test reach the rare ordinal renumbering described in
 * evq.c without 2^32 pushes.  Not for production use. */
void sc_evq_debug_set_next_ord(sc_evq *q, uint32_t next_ord);

/* Testing hook: lower the size the near tier (the heap) aims for (clamped to >= 64), so
 * a test with a few hundred events exercises the far tier, spills and refills. */
void sc_evq_debug_set_near_min(sc_evq *q, size_t near_min);

#endif
