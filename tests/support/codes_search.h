/*
 * codes_search.h: the code lists' answers found by searching their public tables one entry at a
 * time, as the decoders once did: what proto/codes.c's constant-time checks are held to
 * (codes_test, for every short input) and what the frozen record decoder calls
 * (fuzz_record_diff). Header-only: the fuzz harness links no test library.
 */
#ifndef RN_TESTS_CODES_SEARCH_H
#define RN_TESTS_CODES_SEARCH_H

#include <stdbool.h>
#include <stddef.h>
#include <string.h>

#include "proto/codes.h"

/* True if code[0..len) is a country's canonical code (ISO alpha-2; "EL", the EU's form for
 * Greece, names a country but is not canonical). */
static inline bool test_country_canonical_by_search(const char *code, size_t len)
{
    if (len != 2)
        return false;
    for (size_t i = 0; i < PROTO_COUNTRIES_COUNT; i++) {
        const proto_country *c = proto_country_at(i);
        if ((code[0] == c->alpha2[0] && code[1] == c->alpha2[1]) ||
            (code[0] == c->eu[0] && code[1] == c->eu[1]))
            return code[0] == c->alpha2[0] && code[1] == c->alpha2[1];
    }
    return false;
}

/* True if code[0..len) is an ISCED-F 2013 code of the table. */
static inline bool test_isced_by_search(const char *code, size_t len)
{
    for (size_t i = 0; i < PROTO_ISCED_COUNT; i++) {
        const char *m = proto_codes_isced_at(i, NULL);
        if (strlen(m) == len && memcmp(m, code, len) == 0)
            return true;
    }
    return false;
}

#endif /* RN_TESTS_CODES_SEARCH_H */
