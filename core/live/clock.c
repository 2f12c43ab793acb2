/*
 * clock.c - the live loop's clock: the one place in sculpt that reads the wall clock
 * (live.h).  Loop time = origin + (monotonic wall time since start) x speed, so `wall`
 * (speed 1) follows real time and `fast:N` runs N times faster.  CLOCK_MONOTONIC, not
 * the calendar clock: a clock step (NTP) neither stalls nor rushes the loop.
 */
#define _POSIX_C_SOURCE 200809L
#include "sculpt/live.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static int64_t mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

sc_status sc_live_clock_parse(const char *text, double *speed, sc_error *err)
{
    if (strcmp(text, "wall") == 0) {
        *speed = 1.0;
        return SC_OK;
    }
    if (strncmp(text, "fast:", 5) == 0) {
        char *end = NULL;
        errno = 0;
        double v = strtod(text + 5, &end);
        if (end != text + 5 && *end == '\0' && errno == 0 && isfinite(v) && v >= 1.0) {
            *speed = v;
            return SC_OK;
        }
    }
    return sc_error_set(err, SC_ERR_USAGE, "--clock",
                        "expected 'wall' or 'fast:N' with a number N >= 1, got '%s'", text);
}

void sc_live_clock_start(sc_live_clock *c, double speed, sc_time_ms origin_ms)
{
    c->speed = speed >= 1.0 ? speed : 1.0;
    c->origin_ms = origin_ms;
    c->wall0_ms = mono_ms();
}

sc_time_ms sc_live_clock_now(const sc_live_clock *c)
{
    double dt = (double)(mono_ms() - c->wall0_ms) * c->speed;
    if (dt > 9.0e15) /* clamp, never overflow */
        dt = 9.0e15;
    return sc_time_add(c->origin_ms, (int64_t)dt);
}

void sc_live_clock_wait(const sc_live_clock *c, sc_time_ms t)
{
    for (;;) {
        sc_time_ms now = sc_live_clock_now(c);
        if (now >= t)
            return;
        double wall_ms = (double)(t - now) / c->speed;
        if (wall_ms < 1.0) /* below the clock's resolution: a fast clock runs on */
            return;
        if (wall_ms > 1000.0) /* wake at least every second (signals, kill switch) */
            wall_ms = 1000.0;
        struct timespec ts = {(time_t)(wall_ms / 1000.0),
                              (long)(fmod(wall_ms, 1000.0) * 1e6)};
        nanosleep(&ts, NULL);
    }
}

sc_time_ms sc_live_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (sc_time_ms)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}
