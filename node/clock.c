/*
 * clock.c: the node's clock (clock.h). A handful of comparisons per reading; recnetd reads it at
 * every event, recnet-sim at every call into a core.
 */
#include "node/clock.h"

#include <stddef.h>

#include "proto/limits.h"

static int64_t diff(uint64_t a, uint64_t b)
{
    return a >= b ? (int64_t)(a - b) : -(int64_t)(b - a);
}

static uint64_t abs64(int64_t v)
{
    return v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
}

void node_clock_init(node_clock *k, uint64_t wall_ms, uint64_t mono_ms)
{
    *k = (node_clock){ .now_ms = wall_ms,
                       .wall_ms = wall_ms,
                       .anchor_wall_ms = wall_ms,
                       .anchor_mono_ms = mono_ms,
                       .mono_ms = mono_ms };
}

uint64_t node_clock_read(node_clock *k, uint64_t wall_ms, uint64_t mono_ms, node_clock_event *ev)
{
    node_clock_event e = NODE_CLOCK_STEADY;
    if (mono_ms < k->mono_ms)
        mono_ms = k->mono_ms;
    /* Where the wall clock should be if it kept the monotonic clock's pace since it was last
     * believed, and how far it is from there. */
    uint64_t expected = k->anchor_wall_ms + (mono_ms - k->anchor_mono_ms);
    int64_t off = diff(wall_ms, expected);
    if (abs64(off) <= RN_CLOCK_STEP_TOLERANCE_MS) {
        if (k->step_ms != 0)
            e = NODE_CLOCK_RETURNED;
        k->step_ms = 0;
        k->anchor_wall_ms = wall_ms;
        k->anchor_mono_ms = mono_ms;
    } else if (k->step_ms != 0 && abs64(off - k->step_ms) <= RN_CLOCK_STEP_TOLERANCE_MS) {
        if (mono_ms - k->step_since_ms >= RN_CLOCK_CONFIRM_MS) {
            e = NODE_CLOCK_FOLLOWED;
            k->step_ms = 0;
            k->anchor_wall_ms = wall_ms;
            k->anchor_mono_ms = mono_ms;
        }
    } else {
        e = NODE_CLOCK_STEP;
        k->step_ms = off;
        k->step_since_ms = mono_ms;
        k->steps++;
    }
    uint64_t t = k->anchor_wall_ms + (mono_ms - k->anchor_mono_ms);
    if (t < k->now_ms) {
        /* Ahead of the clock followed (a step back was believed): half pace, measured from
         * where the slew began so that frequent readings do not round it to a stop. */
        if (!k->slewing) {
            k->slewing = true;
            k->slew_now_ms = k->now_ms;
            k->slew_mono_ms = k->mono_ms;
        }
        t = k->slew_now_ms + (mono_ms - k->slew_mono_ms) / 2;
    } else {
        k->slewing = false;
    }
    k->now_ms = t;
    k->mono_ms = mono_ms;
    k->wall_ms = wall_ms;
    k->skew_ms = diff(wall_ms, t);
    if (ev != NULL)
        *ev = e;
    return t;
}
