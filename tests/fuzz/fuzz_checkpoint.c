/*
 * fuzz_checkpoint.c: libFuzzer harness for signed checkpoints and witnessed bundles
 * (proto/checkpoint.h, PROTOCOL.md 16 and 5.5): checkpoints come from every peer every minute,
 * and a witnessed bundle from anyone.
 *
 * The input is taken whole as a signed checkpoint (proto_checkpoint_decode) and as a proof
 * bundle. Beside not crashing:
 *  - an accepted checkpoint re-encodes to exactly the input (one spelling), its hash is the hash
 *    of its re-encoded body, its heads and cosignatures are in strictly ascending key order and
 *    none is by the signer; verification against a fixed roster and the witness rule over a fixed
 *    view run without crashing and never accept a signer outside the roster;
 *  - a refused one names a field;
 *  - a witnessed bundle that decodes has its checkpoints' rules checked (no entry need verify).
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/checkpoint.h"
#include "proto/key.h"

static proto_roster R;
static uint8_t self_pk[PROTO_KEY_BYTES];

/* The roster the seeds use: members of seeds {1..}, {2..}, {3..} (authorities IE, FR, NL) and
 * {4..} (a mirror). */
static void fixed_roster(void)
{
    static const char *const cc[3] = { "IE", "FR", "NL" };
    RN_ASSERT(proto_roster_init(&R, 8) == 0);
    for (unsigned i = 0; i < 4; i++) {
        uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES];
        memset(seed, (int)i + 1, sizeof(seed));
        proto_key_sk_derive(seed, sk, pk);
        if (i < 3)
            RN_ASSERT(proto_roster_add(&R, cc[i], 2, PROTO_ROLE_AUTHORITY, pk) == 0);
        else
            RN_ASSERT(proto_roster_add(&R, NULL, 0, PROTO_ROLE_MIRROR, pk) == 0);
        if (i == 1)
            memcpy(self_pk, pk, PROTO_KEY_BYTES);
    }
}

/* A view that holds every entry with id = its author's first byte repeated, below seq 100. */
static int v_entry_id(void *ctx, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq,
                      uint8_t id[PROTO_ID_BYTES])
{
    (void)ctx;
    if (seq >= 100)
        return RN_ENOTFOUND;
    memset(id, author[0], PROTO_ID_BYTES);
    return 0;
}

static bool v_forked(void *ctx, const uint8_t author[PROTO_KEY_BYTES])
{
    (void)ctx;
    return author[0] == 0xff;
}

static uint64_t v_last(void *ctx, const uint8_t author[PROTO_KEY_BYTES])
{
    (void)ctx;
    return author[1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static proto_checkpoint cp, back;
    static proto_proof p;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        fixed_roster();
        ready = true;
    }

    rn_diag d = { 0 };
    int rc = proto_checkpoint_decode(&cp, data, size, &d);
    if (rc != 0) {
        RN_ASSERT(rc < 0 && d.code == rc && d.field != NULL);
    } else {
        mp_buf b;
        uint8_t hash[PROTO_ID_BYTES];
        mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
        RN_ASSERT(proto_checkpoint_encode(&cp, &b, NULL) == 0);
        RN_ASSERT(b.len == size && memcmp(b.data, data, size) == 0);
        mp_buf_free(&b);
        RN_ASSERT(proto_checkpoint_hash(&cp, hash) == 0);
        RN_ASSERT(memcmp(hash, cp.hash, PROTO_ID_BYTES) == 0);
        for (uint32_t i = 1; i < cp.heads_n; i++)
            RN_ASSERT(memcmp(cp.heads[i - 1].author, cp.heads[i].author, PROTO_KEY_BYTES) < 0);
        for (uint32_t i = 0; i < cp.cosigs_n; i++) {
            RN_ASSERT(memcmp(cp.cosigs[i].witness, cp.signer, PROTO_KEY_BYTES) != 0);
            if (i > 0)
                RN_ASSERT(memcmp(cp.cosigs[i - 1].witness, cp.cosigs[i].witness, PROTO_KEY_BYTES) <
                          0);
        }
        uint32_t wn = 0;
        int status[RN_CHECKPOINT_COSIGS_MAX];
        int verified = proto_checkpoint_verify(&cp, &R, &wn, status, &d);
        if (verified == 0) {
            RN_ASSERT(proto_roster_find(&R, cp.signer) != NULL);
            RN_ASSERT(wn <= cp.cosigs_n);
        }
        proto_witness_view v = {
            .entry_id = v_entry_id,
            .forked = v_forked,
            .last_cosigned = v_last,
            .roster = &R,
            .self = self_pk,
            .now_ms = cp.time_ms,
        };
        rc = proto_witness_decide(&v, &cp, &d);
        if (rc == 0)
            RN_ASSERT(proto_roster_find(&R, cp.signer) != NULL);
        /* The cosignatures of a checkpoint that verifies go back in one by one, in any order,
         * to the same bytes. */
        if (verified == 0) {
            memcpy(&back, &cp, sizeof(back));
            back.cosigs_n = 0;
            for (uint32_t i = cp.cosigs_n; i-- > 0;)
                RN_ASSERT(proto_checkpoint_cosig_add(&back, &cp.cosigs[i], NULL) == 0);
            mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
            RN_ASSERT(proto_checkpoint_encode(&back, &b, NULL) == 0);
            RN_ASSERT(b.len == size && memcmp(b.data, data, size) == 0);
            mp_buf_free(&b);
        }
    }

    rc = proto_proof_decode(&p, data, size, &d);
    if (rc == 0 && p.version == PROTO_PROOF_VERSION_WITNESSED) {
        proto_witness_req req = { .witnesses = 1, .max_age_ms = 60000, .now_ms = 1u << 30 };
        uint64_t oldest;
        rc = proto_proof_checkpoints_check(&p, &R, &req, &oldest, &d);
        RN_ASSERT(rc <= 0 && (rc == 0 || d.code == rc));
        if (rc == 0)
            RN_ASSERT(proto_proof_checkpoints_check(&p, &R, NULL, NULL, &d) == 0);
    }
    return 0;
}
