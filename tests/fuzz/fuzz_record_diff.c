/*
 * fuzz_record_diff.c: differential libFuzzer harness for the record decoder (proto/record.h).
 *
 * proto_record_decode is on the ingest path and has been made cheaper; what it accepts and
 * refuses is the protocol's and must not move. This harness decodes every input with it and with
 * the reference decoder (record_reference.c, the decoder as it was, compiled here under renamed
 * symbols, with the country and ISCED-F lookups it calls also as they were: linear scans of the
 * tables of proto/codes.h) and requires, for every kind:
 *  - the same return code, with and without a diagnostic;
 *  - the same diagnostic: code, field (as a string) and index;
 *  - the same bytes in the whole record struct, on success and on refusal alike: both structs
 *    start filled with the same byte (taken from the input), so a field one decoder clears or
 *    writes and the other does not shows as a difference, past a list's count included.
 *
 * The input is fuzz_record.c's: the first byte picks the kind (1 + data[0] % PROTO_KIND_MAX),
 * the rest is the body, so the record corpus seeds this one.
 *
 * A difference is an RN_ASSERT, which aborts: libFuzzer and the replay driver report it as a
 * crash.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codes.h"
#include "proto/error.h"
/* proto/record.h comes in with the reference below, its names renamed. */

/* The lookups the reference calls, as they were: linear scans of the public tables. */
#include "tests/support/codes_search.h"

/* The reference, every public name renamed so that it links beside proto/record.c. */
#define proto_str_c                ref_proto_str_c
#define proto_str_eq               ref_proto_str_eq
#define proto_id_check             ref_proto_id_check
#define proto_enum_name            ref_proto_enum_name
#define proto_enum_size            ref_proto_enum_size
#define proto_enum_value_name      ref_proto_enum_value_name
#define proto_enum_value_parse     ref_proto_enum_value_parse
#define proto_issuer_key_ext_id    ref_proto_issuer_key_ext_id
#define proto_record_fields        ref_proto_record_fields
#define proto_fields_find          ref_proto_fields_find
#define proto_record_decode        ref_proto_record_decode
#define proto_record_check_author  ref_proto_record_check_author
#define proto_record_id            ref_proto_record_id
#define proto_kind_is_registry     ref_proto_kind_is_registry
#define proto_record_check_signer  ref_proto_record_check_signer
#define proto_record_encode        ref_proto_record_encode
#define proto_record_validate      ref_proto_record_validate
#define proto_record_equal         ref_proto_record_equal
#define proto_country_is_canonical test_country_canonical_by_search
#define proto_codes_isced_valid    test_isced_by_search
#include "record_reference.c"
#undef proto_record_decode

/* record.h's prototype was read under the renames above; the decoder under test, declared again. */
int proto_record_decode(proto_record *r, proto_kind kind, const uint8_t *body, size_t len,
                        rn_diag *d);

static bool same_field(const char *a, const char *b)
{
    return (a == NULL && b == NULL) || (a != NULL && b != NULL && strcmp(a, b) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    proto_kind kind = (proto_kind)(1 + data[0] % PROTO_KIND_MAX);
    const uint8_t *body = data + 1;
    size_t len = size - 1;
    uint8_t fill = (uint8_t)(size * 131u + (size > 1 ? data[size - 1] : 0u));

    /* Some 50 KiB each: on the heap, away from the fuzzer's stack. */
    proto_record *a = malloc(sizeof(*a));
    proto_record *b = malloc(sizeof(*b));
    RN_ASSERT(a != NULL && b != NULL);
    memset(a, fill, sizeof(*a));
    memset(b, fill, sizeof(*b));
    rn_diag da = { 7, "none", 7 }, db = { 7, "none", 7 };

    int ra = proto_record_decode(a, kind, body, len, &da);
    int rb = ref_proto_record_decode(b, kind, body, len, &db);
    RN_ASSERT(ra == rb);
    RN_ASSERT(da.code == db.code);
    RN_ASSERT(same_field(da.field, db.field));
    RN_ASSERT(da.index == db.index);
#ifdef RECDIFF_DEBUG
    for (size_t o = 0; o < sizeof(*a); o++)
        if (((uint8_t *)a)[o] != ((uint8_t *)b)[o]) {
            fprintf(stderr, "rc %d differs at %zu: %02x %02x\n", ra, o, ((uint8_t *)a)[o],
                    ((uint8_t *)b)[o]);
            break;
        }
#endif
    RN_ASSERT(memcmp(a, b, sizeof(*a)) == 0);

    /* Without a diagnostic: the same verdict again. */
    RN_ASSERT(proto_record_decode(a, kind, body, len, NULL) == ra);
    RN_ASSERT(ref_proto_record_decode(b, kind, body, len, NULL) == rb);

    free(a);
    free(b);
    return 0;
}
