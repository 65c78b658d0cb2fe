/*
 * clock.h: the node's clock: the wall clock, believed only as far as the monotonic clock allows.
 *
 * Entry timestamps come from the wall clock, and an author's timestamps never decrease (PROTOCOL.md
 * section 2), so one entry stamped by a wall clock that jumped a year ahead for two seconds (a bad
 * NTP answer) would stamp every later entry of that log a year ahead too, and hide them all from
 * every "as of now" query for a year. So the time a node uses is not the wall clock itself but
 * this clock, fed with readings of both clocks:
 *
 *   - it follows the wall clock while the wall clock stays within RN_CLOCK_STEP_TOLERANCE_MS of
 *     where the monotonic clock says it should be since the last reading it believed;
 *   - a step beyond that, ahead or back, is not believed: the node's clock goes on from the last
 *     reading believed at the monotonic clock's pace. The step is believed only once the wall
 *     clock has kept the new offset for RN_CLOCK_CONFIRM_MS; a wall clock that comes back within
 *     the tolerance first is followed again at once, and the step leaves no trace;
 *   - the node's clock never goes back. When the reading it follows is behind what it already
 *     handed out (a step back that was believed), it runs at half the monotonic pace until the
 *     wall clock catches up, so that timers keep firing.
 *
 * The module does no I/O: recnetd's driver feeds it CLOCK_REALTIME and CLOCK_BOOTTIME (monotonic,
 * and counting suspend, so that a resumed machine is not a step), and recnet-sim its virtual wall
 * clocks (with their skew and steps) and virtual time, so that the simulator tests this code.
 */
#ifndef RN_NODE_CLOCK_H
#define RN_NODE_CLOCK_H

#include <stdbool.h>
#include <stdint.h>

/* What a reading changed, for the driver's log. */
typedef enum node_clock_event {
    NODE_CLOCK_STEADY = 0,   /* nothing new */
    NODE_CLOCK_STEP = 1,     /* the wall clock stepped by step_ms: not believed (yet) */
    NODE_CLOCK_RETURNED = 2, /* the wall clock came back within the tolerance: followed again */
    NODE_CLOCK_FOLLOWED = 3, /* a step held for RN_CLOCK_CONFIRM_MS: the clock follows it now */
} node_clock_event;

typedef struct node_clock {
    /* public: read only */
    uint64_t now_ms;        /* the node's time, as last handed out; never decreases */
    uint64_t wall_ms;       /* the wall clock's last reading */
    int64_t skew_ms;        /* wall_ms - now_ms at the last reading */
    int64_t step_ms;        /* a step not believed yet: the wall clock minus where it should be; 0
                               for none */
    uint64_t step_since_ms; /* monotonic time at which that step was first seen */
    uint64_t steps;         /* steps seen since init (believed or not) */
    /* private */
    uint64_t anchor_wall_ms; /* the last wall reading believed ... */
    uint64_t anchor_mono_ms; /* ... and the monotonic time it was read at */
    uint64_t mono_ms;        /* the last monotonic reading */
    bool slewing;            /* running at half pace since (slew_now_ms, slew_mono_ms) */
    uint64_t slew_now_ms, slew_mono_ms;
} node_clock;

/* Starts the clock at a wall reading (believed) and a monotonic reading, both in ms. */
void node_clock_init(node_clock *k, uint64_t wall_ms, uint64_t mono_ms);

/*
 * Takes one reading of both clocks and returns the node's time (also k->now_ms): at least what
 * it returned last. A monotonic reading below the last one is taken as the last one. *ev (may be
 * NULL) gets what the reading changed. Never fails.
 */
uint64_t node_clock_read(node_clock *k, uint64_t wall_ms, uint64_t mono_ms, node_clock_event *ev);

#endif /* RN_NODE_CLOCK_H */
