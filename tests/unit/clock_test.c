/*
 * clock_test.c: the node's clock (node/clock.h) fed with scripted readings of a wall clock and
 * a monotonic clock: it follows a steady wall clock, ignores a two-second jump of a year (the bad
 * NTP answer of issue 10), follows a step only once it has held for RN_CLOCK_CONFIRM_MS, never
 * goes back, and keeps running (at half pace) after a step back it believed.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "node/clock.h"
#include "proto/limits.h"

#define T0   1767225600000ull /* 2026-01-01 */
#define YEAR (365ull * 24u * 3600u * 1000u)

/* Reads the clock every `every` ms for `ms` ms of monotonic time, the wall clock being the true
 * time plus `off`; checks that time never goes back and returns the last event seen. */
static node_clock_event run(node_clock *k, uint64_t *mono, int64_t off, uint64_t ms, uint64_t every)
{
    node_clock_event last = NODE_CLOCK_STEADY, ev;
    for (uint64_t t = 0; t < ms; t += every) {
        *mono += every;
        uint64_t before = k->now_ms;
        uint64_t wall = (uint64_t)((int64_t)(T0 + *mono) + off);
        uint64_t now = node_clock_read(k, wall, *mono, &ev);
        assert_true(now >= before);
        assert_int_equal(now, k->now_ms);
        if (ev != NODE_CLOCK_STEADY)
            last = ev;
    }
    return last;
}

static void test_follows_steady_wall(void **state)
{
    (void)state;
    node_clock k;
    uint64_t mono = 0;
    node_clock_init(&k, T0, mono);
    assert_int_equal(run(&k, &mono, 0, 60000, 7), NODE_CLOCK_STEADY);
    assert_int_equal(k.now_ms, T0 + mono);
    assert_int_equal(k.skew_ms, 0);
    /* Jitter and slewing within the tolerance are followed, up and down. */
    assert_int_equal(run(&k, &mono, (int64_t)RN_CLOCK_STEP_TOLERANCE_MS, 1000, 10),
                     NODE_CLOCK_STEADY);
    assert_int_equal(k.now_ms, T0 + mono + RN_CLOCK_STEP_TOLERANCE_MS);
    assert_int_equal(k.steps, 0);
    /* A monotonic reading that goes back counts as the last one. */
    uint64_t now = k.now_ms;
    assert_true(node_clock_read(&k, T0 + mono, mono - 500, NULL) >= now);
}

/* Issue 10: the wall clock jumps a year ahead for 2 s, then comes back. */
static void test_year_jump_for_two_seconds(void **state)
{
    (void)state;
    node_clock k;
    uint64_t mono = 0;
    node_clock_init(&k, T0, mono);
    run(&k, &mono, 0, 10000, 100);
    node_clock_event ev;
    mono += 100;
    uint64_t now = node_clock_read(&k, T0 + mono + YEAR, mono, &ev);
    assert_int_equal(ev, NODE_CLOCK_STEP);
    assert_int_equal(now, T0 + mono); /* not believed */
    assert_int_equal(k.step_ms, (int64_t)YEAR);
    assert_int_equal(k.skew_ms, (int64_t)YEAR);
    assert_int_equal(run(&k, &mono, (int64_t)YEAR, 2000, 100), NODE_CLOCK_STEADY);
    assert_int_equal(k.now_ms, T0 + mono);
    assert_int_equal(run(&k, &mono, 0, 100, 100), NODE_CLOCK_RETURNED);
    assert_int_equal(k.now_ms, T0 + mono);
    assert_int_equal(k.step_ms, 0);
    assert_int_equal(k.skew_ms, 0);
    assert_int_equal(k.steps, 1);
}

/* A step that holds for RN_CLOCK_CONFIRM_MS is followed; one ms less is not. */
static void test_step_ahead_confirmed(void **state)
{
    (void)state;
    node_clock k;
    uint64_t mono = 1000;
    node_clock_init(&k, T0 + mono, mono);
    int64_t hour = 3600000;
    assert_int_equal(run(&k, &mono, hour, 1000, 1000), NODE_CLOCK_STEP);
    uint64_t since = mono;
    while (mono + 1000 < since + RN_CLOCK_CONFIRM_MS)
        assert_int_equal(run(&k, &mono, hour, 1000, 1000), NODE_CLOCK_STEADY);
    assert_int_equal(k.now_ms, T0 + mono);
    assert_int_equal(k.skew_ms, hour);
    assert_int_equal(run(&k, &mono, hour, 1000, 1000), NODE_CLOCK_FOLLOWED);
    assert_int_equal(k.now_ms, T0 + mono + (uint64_t)hour);
    assert_int_equal(k.skew_ms, 0);
    /* A step that changes on the way starts over. */
    assert_int_equal(run(&k, &mono, 2 * hour, 1000, 1000), NODE_CLOCK_STEP);
    assert_int_equal(run(&k, &mono, 3 * hour, 1000, 1000), NODE_CLOCK_STEP);
    assert_int_equal(k.steps, 3);
    assert_int_equal(k.now_ms, T0 + mono + (uint64_t)hour);
}

/* A step back, once believed, never takes time back: the clock runs at half pace until the
 * wall clock catches up, with readings every millisecond. */
static void test_step_back(void **state)
{
    (void)state;
    node_clock k;
    uint64_t mono = 0;
    node_clock_init(&k, T0, mono);
    int64_t back = -60000;
    assert_int_equal(run(&k, &mono, back, 1000, 1), NODE_CLOCK_STEP);
    assert_int_equal(k.now_ms, T0 + mono);
    assert_int_equal(k.skew_ms, back);
    assert_int_equal(run(&k, &mono, back, RN_CLOCK_CONFIRM_MS, 100), NODE_CLOCK_FOLLOWED);
    uint64_t now = k.now_ms, m0 = mono;
    assert_true(now > T0 + mono - 60000);
    run(&k, &mono, back, 10000, 1);
    assert_true(k.now_ms >= now + 4990 && k.now_ms <= now + 5010); /* half pace */
    run(&k, &mono, back, 200000, 1);
    assert_int_equal(k.now_ms, T0 + mono - 60000); /* caught up, following the wall clock */
    assert_false(k.slewing);
    (void)m0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_follows_steady_wall),
        cmocka_unit_test(test_year_jump_for_two_seconds),
        cmocka_unit_test(test_step_ahead_confirmed),
        cmocka_unit_test(test_step_back),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
