/*
 * fuzz_answer.c: libFuzzer harness for signed answers (proto/checkpoint.h, PROTOCOL.md 16.5):
 * a verifier reads them from files and from the gateway.
 *
 * Beside not crashing: an accepted answer, written again from what decode gives, is exactly the
 * input; its answer is one canonical MessagePack value; verification runs with and without a
 * roster and accepts only a member's. A refused one names a field.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/checkpoint.h"
#include "proto/key.h"

static proto_roster R;

static void fixed_roster(void)
{
    RN_ASSERT(proto_roster_init(&R, 4) == 0);
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES];
    memset(seed, 2, sizeof(seed));
    proto_key_sk_derive(seed, sk, pk);
    RN_ASSERT(proto_roster_add(&R, "FR", 2, PROTO_ROLE_AUTHORITY, pk) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        fixed_roster();
        ready = true;
    }
    proto_signed_answer a;
    rn_diag d = { 0 };
    int rc = proto_answer_decode(&a, data, size, &d);
    if (rc != 0) {
        RN_ASSERT(rc < 0 && d.code == rc && d.field != NULL);
        return 0;
    }
    mp_buf b;
    mp_buf_init(&b, RN_SIGNED_ANSWER_BYTES_MAX);
    mp_put_array(&b, 5);
    mp_put_uint(&b, PROTO_ANSWER_VERSION);
    mp_put_bin(&b, a.signer, PROTO_KEY_BYTES);
    mp_put_uint(&b, a.time_ms);
    mp_put_bin(&b, a.answer, a.answer_len);
    mp_put_bin(&b, a.sig, PROTO_SIG_BYTES);
    RN_ASSERT(mp_buf_err(&b) == 0 && b.len == size && memcmp(b.data, data, size) == 0);
    mp_buf_free(&b);
    mp_cur c;
    mp_cur_init(&c, a.answer, a.answer_len);
    RN_ASSERT(mp_skip(&c) == 0 && c.p == c.end);
    int any = proto_answer_verify(&a, NULL, &d);
    RN_ASSERT(any == 0 || any == RN_ESIG);
    int member = proto_answer_verify(&a, &R, &d);
    if (member == 0)
        RN_ASSERT(any == 0 && proto_roster_find(&R, a.signer) != NULL);
    return 0;
}
