/*
 * rng.h: the seeded random generator of the tests (splitmix64, Steele, Lea and Flood 2014):
 * one 64-bit state, every value a function of the seed, so a run that prints its seed is repeated
 * by that seed alone (store_model_test, store_crash_test and core_test's libsodium replacement
 * rely on it). Not for secrets. Header-only, so that the hot loops of the model tests inline it.
 */
#ifndef RN_TESTS_RNG_H
#define RN_TESTS_RNG_H

#include <stdint.h>

/* The next value of the generator whose state is *state (advanced). */
static inline uint64_t test_rng_next(uint64_t *state)
{
    uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

#endif /* RN_TESTS_RNG_H */
