/*
 * world_window.h - a run's cursor over a windowed world (issue 13; internal to the
 * simulator, implemented in world.c).
 *
 * A world built with a window (sc_world_build_layout, simulator.h) holds no step arrays.
 * Each run opens a cursor that lays the demand out window by window into rings of
 * `ring` = window + look-back + 1 steps: step k of a row is at [k % ring], valid for
 * end - ring <= k < end.  The values are the floats of the whole-run layout (same
 * arithmetic, same order).  A look-back of the whole run (or < 0) gives one window of
 * every step, laid out at the first reach.
 */
#ifndef SCULPT_WORLD_WINDOW_H
#define SCULPT_WORLD_WINDOW_H

#include <stdint.h>

#include "sculpt/simulator.h"
#include "sculpt/status.h"

typedef struct sc_world_cursor {
    const sc_world *w;
    int64_t window;    /* steps laid out at a time */
    int64_t ring;      /* steps each row holds */
    int64_t end;       /* steps [end - ring, end) are laid out (0: none yet) */
    float **load_ar;   /* [ar][k % ring] as sc_world.load_ar */
    float **ieq_ar;
    float **load_ag;
    struct sc_world_cursor_priv *p;
} sc_world_cursor;

/* lookback_steps: how many steps before the current one the run reads (< 0: all). */
sc_status sc_world_cursor_open(const sc_world *w, int64_t lookback_steps, sc_world_cursor **out,
                               sc_error *err);
/* Lay out windows until step is held (steps come in increasing order). */
sc_status sc_world_cursor_reach(sc_world_cursor *c, int64_t step, sc_error *err);
void sc_world_cursor_free(sc_world_cursor *c);

#endif
