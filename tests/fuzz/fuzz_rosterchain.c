/*
 * fuzz_rosterchain.c: libFuzzer harness for the governed roster (proto/rosterchain.h,
 * PROTOCOL.md 4.4): genesis and change documents come as files from other authorities, and a
 * verifier reads them all.
 *
 * The input is taken whole as a genesis (proto_rosterchain_init) and as a change
 * (proto_rosterchain_change_decode). Beside not crashing:
 *  - an accepted genesis re-encodes from what the chain holds to exactly the input, and has at
 *    least one authority and a quorum it can meet; a refused one names a field;
 *  - an accepted change re-encodes to exactly the input; applied to a fixed chain (a genesis of
 *    three authorities), it either is refused leaving the chain at version 1, or becomes version
 *    2 with a roster that holds at least one authority, one per country, and the roster at
 *    version 1 is still the genesis's.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/error.h"
#include "proto/key.h"
#include "proto/rosterchain.h"

static uint8_t genesis_bytes[512];
static size_t genesis_len;

static void fixed_genesis(void)
{
    static const char *const cc[3] = { "IE", "FR", "NL" };
    proto_roster r;
    mp_buf b;
    RN_ASSERT(proto_roster_init(&r, 4) == 0);
    for (unsigned i = 0; i < 3; i++) {
        uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES];
        memset(seed, (int)i + 1, sizeof(seed));
        proto_key_sk_derive(seed, sk, pk);
        RN_ASSERT(proto_roster_add(&r, cc[i], 2, PROTO_ROLE_AUTHORITY, pk) == 0);
    }
    mp_buf_init(&b, sizeof(genesis_bytes));
    RN_ASSERT(proto_rosterchain_genesis_encode("fuzz", 4, 0, 1000, &r, &b) == 0);
    memcpy(genesis_bytes, b.data, b.len);
    genesis_len = b.len;
    mp_buf_free(&b);
    proto_roster_free(&r);
}

static size_t authorities(const proto_roster *r)
{
    size_t n = 0;
    for (size_t i = 0; i < r->count; i++)
        n += r->members[i].role == PROTO_ROLE_AUTHORITY;
    return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static proto_rc_change c;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        fixed_genesis();
        ready = true;
    }

    proto_rosterchain ch;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = proto_rosterchain_init(&ch, data, size, &d);
    if (rc == 0) {
        mp_buf b;
        size_t auth = authorities(&ch.current);
        RN_ASSERT(auth >= 1 && proto_rosterchain_quorum_need(ch.versions[0].quorum, auth) <= auth);
        mp_buf_init(&b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
        RN_ASSERT(proto_rosterchain_genesis_encode(ch.federation, strlen(ch.federation),
                                                   ch.versions[0].quorum, ch.versions[0].issued_at,
                                                   &ch.current, &b) == 0);
        RN_ASSERT(b.len == size && memcmp(b.data, data, size) == 0);
        mp_buf_free(&b);
        proto_rosterchain_free(&ch);
    } else {
        RN_ASSERT(rc < 0 && d.code == rc && d.field != NULL);
    }

    memset(&d, 0, sizeof(d));
    rc = proto_rosterchain_change_decode(&c, data, size, &d);
    if (rc != 0) {
        RN_ASSERT(rc < 0 && d.code == rc && d.field != NULL);
        return 0;
    }
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    RN_ASSERT(proto_rosterchain_change_encode(&c, &b) == 0);
    RN_ASSERT(b.len == size && memcmp(b.data, data, size) == 0);
    mp_buf_free(&b);

    RN_ASSERT(proto_rosterchain_init(&ch, genesis_bytes, genesis_len, NULL) == 0);
    memset(&d, 0, sizeof(d));
    rc = proto_rosterchain_apply(&ch, &c, &d);
    if (rc != 0) {
        RN_ASSERT(rc < 0 && d.code == rc && d.field != NULL);
        RN_ASSERT(proto_rosterchain_version(&ch) == 1 && ch.current.count == 3);
    } else {
        RN_ASSERT(proto_rosterchain_version(&ch) == 2 && authorities(&ch.current) >= 1);
        proto_roster r;
        RN_ASSERT(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX) == 0);
        RN_ASSERT(proto_rosterchain_roster_at(&ch, 1, &r) == 0 && r.count == 3);
        proto_roster_free(&r);
    }
    proto_rosterchain_free(&ch);
    return 0;
}
