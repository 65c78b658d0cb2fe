/*
 * rng.h: the seeded random generators of the tests, one home for each. Every value is a function
 * of the seed, so a run that prints its seed (or uses a fixed one) is repeated by that seed alone.
 * Not for secrets. Header-only, so that the hot loops of the model tests inline them.
 *
 *   test_rng_next          splitmix64 (Steele, Lea and Flood 2014): any state, including 0.
 *                          store_model_test, store_crash_test, core_test's libsodium
 *                          replacement, cred_json_test's random texts.
 *   test_xorshift64_next   xorshift64 (Marsaglia 2003), shifts 13, 7, 17: the state must not be 0
 *                          (it would stay 0). The fixed-seed random-input loops of mp_test,
 *                          ctl_test, control_test and rosterchain_test, and the recognise questions
 *                          of the benches (tests/bench/workload.c).
 *   test_xorshift64s_next  xorshift64* (Vigna 2016), shifts 12, 25, 27 and the multiplier
 *                          2685821657736338717: the state must not be 0. record_test's random
 *                          input.
 *
 * The sequences are part of the tests: a change to any of these functions changes which inputs
 * those tests try (and store_bench's digest of its answers), so it is a change of the tests.
 */
#ifndef RN_TESTS_RNG_H
#define RN_TESTS_RNG_H

#include <stdint.h>

/* 2^64 / phi, odd: splitmix64's increment, and the fixed seed of the xorshift64 loops. */
#define TEST_RNG_GOLDEN 0x9e3779b97f4a7c15ull

/* splitmix64: the next value of the generator whose state is *state (advanced). */
static inline uint64_t test_rng_next(uint64_t *state)
{
    uint64_t z = (*state += TEST_RNG_GOLDEN);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

/* xorshift64 (13, 7, 17): advances *state (non-zero) and returns its new value. */
static inline uint64_t test_xorshift64_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return x;
}

/* xorshift64*: advances *state (non-zero) by xorshift (12, 25, 27) and returns it times
 * 2685821657736338717 (mod 2^64). */
static inline uint64_t test_xorshift64s_next(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 2685821657736338717ull;
}

#endif /* RN_TESTS_RNG_H */
