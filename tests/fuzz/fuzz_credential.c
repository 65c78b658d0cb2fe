/*
 * fuzz_credential.c: libFuzzer harness for the issued-credential envelope (proto/credential.h).
 *
 * Envelopes come from learners and from whoever forwards them, so proto_credential_decode must
 * survive any bytes and, when it accepts some, return a credential that
 *  - borrows only the input (spec, holder, grade, issuer key and signature inside it),
 *  - has its fields within their bounds (a well-formed spec id, a time within range, a grade of
 *    1 .. 128 bytes of UTF-8 or none),
 *  - carries the digest of its unsigned fields, the same whatever its signature bytes (a second
 *    decode of the input with another signature gives the same digest), and
 *  - can be verified without crashing; a failed decode reports a known error code, the same one
 *    with or without a diagnostic.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/credential.h"
#include "proto/error.h"

static bool inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t n)
{
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool init;
    if (!init) {
        RN_ASSERT(sodium_init() >= 0);
        init = true;
    }
    proto_credential c;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = proto_credential_decode(&c, data, size, &d);
    if (rc < 0) {
        RN_ASSERT(strcmp(rn_err_name(rc), "RN_UNKNOWN") != 0);
        RN_ASSERT(d.code == rc && d.field != NULL);
        proto_credential again;
        RN_ASSERT(proto_credential_decode(&again, data, size, NULL) == rc);
        return 0;
    }
    RN_ASSERT(size <= PROTO_CREDENTIAL_BYTES_MAX);
    RN_ASSERT(inside(data, size, c.spec.ptr, c.spec.len));
    RN_ASSERT(proto_id_check(c.spec.ptr, c.spec.len) == 0);
    RN_ASSERT(inside(data, size, c.holder, PROTO_HOLDER_BYTES));
    RN_ASSERT(inside(data, size, c.issuer_key, PROTO_KEY_BYTES));
    RN_ASSERT(inside(data, size, c.sig, PROTO_SIG_BYTES));
    RN_ASSERT(c.issued_at_ms <= RN_TIME_MS_MAX);
    RN_ASSERT(c.grade.len == 0 || (c.grade.len <= PROTO_CREDENTIAL_GRADE_BYTES_MAX &&
                                   inside(data, size, c.grade.ptr, c.grade.len)));
    /* The signature is the last 64 bytes; flipping one leaves the digest as it was. */
    RN_ASSERT(c.sig == data + size - PROTO_SIG_BYTES);
    uint8_t *copy = malloc(size);
    RN_ASSERT(copy != NULL);
    memcpy(copy, data, size);
    copy[size - 1] ^= 0x01;
    proto_credential other;
    RN_ASSERT(proto_credential_decode(&other, copy, size, NULL) == 0);
    RN_ASSERT(memcmp(other.digest, c.digest, PROTO_DIGEST_BYTES) == 0);
    /* At most one of the two signatures verifies (both may fail). */
    int v1 = proto_credential_verify(&c), v2 = proto_credential_verify(&other);
    RN_ASSERT(v1 == 0 || v1 == RN_ESIG);
    RN_ASSERT(v2 == 0 || v2 == RN_ESIG);
    RN_ASSERT(!(v1 == 0 && v2 == 0));
    free(copy);
    return 0;
}
