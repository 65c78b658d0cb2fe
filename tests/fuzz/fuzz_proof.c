/*
 * fuzz_proof.c: libFuzzer harness for proof bundles (proto/proof.h): decode, then verify against a
 * fixed small roster (the federation of proof_fixture.h: authorities of IE, FR and DE from fixed
 * seeds, and a mirror).
 *
 * A proof bundle comes from anyone (a node, a learner's e-mail, a web page), so decode and verify
 * must survive any bytes. Beside not crashing, the harness checks: decoding agrees with verifying
 * about structure (verify fails whenever decode does, with the same error); every pointer of a
 * decoded bundle lies inside the input and every field is within its bounds; the diagnostic names
 * the error returned; and a bundle that verifies re-encodes to exactly its own bytes (one spelling
 * per bundle).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proof_fixture.h"

static bool inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t n)
{
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static void check_decoded(const proto_proof *p, const uint8_t *data, size_t size)
{
    RN_ASSERT(inside(data, size, p->query.spec.ptr, p->query.spec.len));
    RN_ASSERT(p->query.country.len == 2 && inside(data, size, p->query.country.ptr, 2));
    RN_ASSERT(p->query.at_ms <= RN_TIME_MS_MAX);
    RN_ASSERT(p->query.credential == NULL ||
              inside(data, size, p->query.credential, PROTO_DIGEST_BYTES));
    RN_ASSERT(proto_result_name((int)p->answer.result) != NULL);
    RN_ASSERT((p->answer.result == PROTO_RESULT_NO_DECISION) == (p->answer.basis_author == NULL));
    RN_ASSERT(p->answer.basis_author == NULL ||
              inside(data, size, p->answer.basis_author, PROTO_KEY_BYTES));
    RN_ASSERT(p->answer.basis_seq <= RN_SEQ_MAX);
    RN_ASSERT(p->answer.has_revoked == (p->query.credential != NULL));
    RN_ASSERT(p->entries_n >= 2 && p->entries_n <= RN_PROOF_ENTRIES_MAX);
    for (uint32_t i = 0; i < p->entries_n; i++) {
        RN_ASSERT(p->entries[i].len <= RN_ENTRY_BYTES_MAX);
        RN_ASSERT(inside(data, size, p->entries[i].ptr, p->entries[i].len));
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static pf_world world;
    static proto_roster roster;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        pf_world_build(&world);
        pf_roster_build(&world, &roster);
        ready = true;
    }

    proto_proof p, pv;
    rn_diag d, dv;
    memset(&d, 0, sizeof(d));
    memset(&dv, 0, sizeof(dv));
    int rc = proto_proof_decode(&p, data, size, &d);
    int rv = proto_proof_verify(data, size, &roster, &pv, &dv);
    RN_ASSERT(rv <= 0 && strcmp(rn_err_name(rv), "RN_UNKNOWN") != 0);
    if (rc < 0) {
        RN_ASSERT(strcmp(rn_err_name(rc), "RN_UNKNOWN") != 0);
        RN_ASSERT(d.code == rc);
        RN_ASSERT(rv == rc && dv.code == rc);
        return 0;
    }
    check_decoded(&p, data, size);
    if (rv < 0) {
        RN_ASSERT(dv.code == rv);
        return 0;
    }
    /* A verified bundle is in its one canonical spelling: re-encoding gives the same bytes. */
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    RN_ASSERT(proto_proof_encode(&pv, &b, NULL) == 0);
    RN_ASSERT(b.len == size && memcmp(b.data, data, size) == 0);
    mp_buf_free(&b);
    return 0;
}
