/*
 * mockroute.h - how the mock cloud's routing mechanisms turn weights and health into
 * the share of a geography's load that each region receives, over time.
 *
 * One route per (app, geography) with a weighted mechanism (dns-weighted, anycast;
 * scenario.h sc_geo_routing).  Its state, as the provider holds it:
 *   cfg_w[r]    weights as set through the API (set_weight actions, 0..255);
 *   pub_w[r]    weights the front end answers with: cfg_w as it was delay_ms ago (the
 *               control-plane delay: Route 53 INSYNC within 60 s; anycast seconds);
 *   healthy[r]  health as the health checker sees it (the mock decides when);
 *   P(t)        the published share: a step function of time, with a breakpoint each
 *               time pub_w or healthy changes.  P = pub_w normalised over the healthy
 *               regions with weight > 0; if none, the healthy regions with weight 0
 *               share equally; if none is healthy, pub_w normalised as if all were
 *               (Route 53's documented behaviour for weighted records with health
 *               checks; Global Accelerator likewise fails open).
 *
 * Clients follow P with a lag.  A client holds the answer it got at its last look-up
 * for a holding time H (DNS: the TTL; anycast: the life of an open connection, which
 * stays on its region); look-ups are spread uniformly in time, so at t the clients with
 * holding time H are spread over answers given in (t - H, t], and their share is the
 * moving average of P over the last H:
 *
 *     A_H(t) = (1/H) * integral_{t-H}^{t} P(q) dq        (A_0(t) = P(t)),
 *     share(t) = (1 - f) * A_hold(t) + f * A_sticky(t),
 *
 * with f the sticky fraction (clients that ignore the TTL and keep an answer for
 * sticky_ms; 0 for anycast).  After one change of P from p0 to p1 at time t1 this is
 *     share(t) = p0 + (p1 - p0) * [(1 - f) * min(1, (t - t1)/H) + f * min(1, (t - t1)/S)]
 * for t >= t1 (the formula tests/test_route.c checks by hand), and it composes
 * exactly over several changes.  Before the run's start P is taken as constant.
 * share(t) is piecewise linear: its breakpoints are every change of P at t_k and
 * t_k + H and t_k + S, where the mock puts events so the simulator's accounting of
 * load (linear in the share) is exact.
 *
 * Change calls are limited by a token bucket (rate, burst) per route.
 *
 * Memory: the route owns its arrays (sc_mroute_init / sc_mroute_cleanup); the history
 * and the pending list grow by doubling and are pruned to what a share can still
 * read (the last max(H, S)), so the steady state does not allocate.
 */
#ifndef SCULPT_MOCKROUTE_H
#define SCULPT_MOCKROUTE_H

#include <stddef.h>
#include <stdint.h>

#include "sculpt/scenario.h"
#include "sculpt/status.h"
#include "sculpt/time.h"

typedef struct sc_mroute_pending {
    sc_time_ms t;               /* when the change reaches the front end */
    int region, weight;
} sc_mroute_pending;

typedef struct sc_mroute {
    const sc_geo_routing *cfg;  /* borrowed: the scenario geography's routing */
    int nr;                     /* regions */
    int *cfg_w;                 /* [nr] weights as set through the API */
    int *pub_w;                 /* [nr] weights the front end answers with */
    unsigned char *healthy;     /* [nr] 1 = healthy as the checker sees it */
    sc_time_ms *bp_t;           /* [n_bp] breakpoints of P, increasing */
    double *bp_p;               /* [n_bp * nr] P from bp_t[k] until bp_t[k + 1] */
    size_t n_bp, cap_bp;
    sc_mroute_pending *pend;    /* FIFO of changes not yet published */
    size_t pend_head, n_pend, cap_pend;
    double tokens;              /* token bucket of change calls */
    sc_time_ms token_t;
} sc_mroute;

/* Set up a route from the scenario's routing of a geography (weights as initial cfg_w
 * and pub_w) with the given initial health ([nr], NULL = all healthy), P from start. */
sc_status sc_mroute_init(sc_mroute *rt, const sc_geo_routing *cfg, int nr, sc_time_ms start,
                         const unsigned char *healthy);
void sc_mroute_cleanup(sc_mroute *rt);

/* A set-weight call at now.  Returns 1 if accepted (then *publish_ms is when it takes
 * effect at the front end; the caller calls sc_mroute_publish then), 0 if the token
 * bucket refused it, or -1 when out of memory. */
int sc_mroute_set_weight(sc_mroute *rt, int region, int weight, sc_time_ms now,
                         sc_time_ms *publish_ms);
/* Publish every pending change due at or before now; returns 1 if P changed, -1 when
 * out of memory. */
int sc_mroute_publish(sc_mroute *rt, sc_time_ms now);
/* The health checker's verdict on region at now; returns 1 if P changed, -1 when out
 * of memory. */
int sc_mroute_set_health(sc_mroute *rt, int region, int healthy, sc_time_ms now);
/* The published share P at t into out[nr]. */
void sc_mroute_published(const sc_mroute *rt, sc_time_ms t, double *out);
/* The clients' share at t (formula above) into out[nr]. */
void sc_mroute_share(const sc_mroute *rt, sc_time_ms t, double *out);
/* Forget breakpoints no share at or after t can read. */
void sc_mroute_prune(sc_mroute *rt, sc_time_ms t);
/* The longest holding time, ms: max(hold, sticky) (0 for an instant mechanism). */
int64_t sc_mroute_horizon_ms(const sc_mroute *rt);

#endif
