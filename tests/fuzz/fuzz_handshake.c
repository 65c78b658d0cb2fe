/*
 * fuzz_handshake.c: libFuzzer harness for the handshake (proto_hs_read, proto/wire.h).
 *
 * A node reads handshake messages from anyone who can open a TCP connection, so every state that
 * reads must survive any bytes. The first input byte chooses one of the four reading states (0:
 * a responder waiting for M1, 1: an initiator waiting for M2, 2: a responder waiting for M3, 3:
 * an initiator waiting for M4), reached by an honest handshake between fixed keys (the labels
 * below, shared with gen_corpus_wire.c); the remaining bytes are fed as that message. A state
 * that refuses the message must be dead and wiped (no turn, not done); a state that accepts it
 * must have been given exactly the honest message (nothing else carries a valid mac, box or
 * signature), and is then driven to the end of the handshake, which must give the honest
 * session keys. "Done" is never reported on garbage.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <sodium.h>

#include "proto/error.h"
#include "proto/wire.h"

/* Shared with gen_corpus_wire.c. */
#define FUZZ_HS_NETKEY_LABEL "recnet fuzz handshake network"
#define FUZZ_HS_I_LABEL      "recnet fuzz handshake initiator"
#define FUZZ_HS_R_LABEL      "recnet fuzz handshake responder"
#define FUZZ_HS_EI_LABEL     "recnet fuzz handshake ephemeral i"
#define FUZZ_HS_ER_LABEL     "recnet fuzz handshake ephemeral r"

static proto_hs before[4];                  /* the reading state before message k */
static uint8_t honest[4][PROTO_HS_MSG_MAX]; /* message k of the honest handshake */
static size_t honest_len[4];
static proto_hs final_i, final_r; /* the states after the honest handshake */

static void label(const char *s, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)s, strlen(s), NULL, 0);
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    uint8_t netkey[32], seed[32], pk_i[32], sk_i[64], pk_r[32], sk_r[64], ei[32], er[32];
    RN_ASSERT(sodium_init() >= 0);
    label(FUZZ_HS_NETKEY_LABEL, netkey);
    label(FUZZ_HS_I_LABEL, seed);
    crypto_sign_seed_keypair(pk_i, sk_i, seed);
    label(FUZZ_HS_R_LABEL, seed);
    crypto_sign_seed_keypair(pk_r, sk_r, seed);
    label(FUZZ_HS_EI_LABEL, ei);
    label(FUZZ_HS_ER_LABEL, er);

    proto_hs i, r;
    RN_ASSERT(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, sk_i, pk_r, ei) == 0);
    RN_ASSERT(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, sk_r, NULL, er) == 0);
    for (int k = 0; k < 4; k++) {
        proto_hs *w = k % 2 == 0 ? &i : &r, *rd = k % 2 == 0 ? &r : &i;
        RN_ASSERT(proto_hs_write(w, honest[k], sizeof(honest[k]), &honest_len[k]) == 0);
        before[k] = *rd;
        RN_ASSERT(proto_hs_read(rd, honest[k], honest_len[k]) == 0);
    }
    RN_ASSERT(proto_hs_done(&i) && proto_hs_done(&r));
    final_i = i;
    final_r = r;
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0)
        return 0;
    int k = data[0] % 4;
    const uint8_t *msg = data + 1;
    size_t len = size - 1;
    proto_hs h = before[k];
    bool initiator = k % 2 == 1;

    int rc = proto_hs_read(&h, msg, len);
    if (rc != 0) {
        RN_ASSERT(rc == RN_EINVAL || rc == RN_EPROOF || rc == RN_EVERSION);
        RN_ASSERT(rc != RN_EVERSION || k == 0);
        RN_ASSERT(!proto_hs_done(&h) && proto_hs_want(&h) == 0 && h.step == -1);
        uint8_t zero[PROTO_SK_BYTES] = { 0 };
        RN_ASSERT(memcmp(h.sk, zero, sizeof(h.sk)) == 0);
        RN_ASSERT(memcmp(h.shared, zero, sizeof(h.shared)) == 0);
        uint8_t out[PROTO_HS_MSG_MAX];
        size_t n;
        RN_ASSERT(proto_hs_write(&h, out, sizeof(out), &n) == RN_EINVAL);
        return 0;
    }
    /* Accepted: it can only be the honest message. */
    RN_ASSERT(len == honest_len[k] && memcmp(msg, honest[k], len) == 0);
    /* Drive the handshake to its end with the honest messages. */
    for (int j = k + 1; j < 4; j++) {
        bool reads = (j % 2 == 1) == initiator;
        if (reads) {
            RN_ASSERT(proto_hs_read(&h, honest[j], honest_len[j]) == 0);
        } else {
            uint8_t out[PROTO_HS_MSG_MAX];
            size_t n;
            RN_ASSERT(proto_hs_write(&h, out, sizeof(out), &n) == 0);
            RN_ASSERT(n == honest_len[j] && memcmp(out, honest[j], n) == 0);
        }
    }
    RN_ASSERT(proto_hs_done(&h));
    uint8_t tx[32], rx[32], want_tx[32], want_rx[32];
    proto_hs_session(&h, tx, rx);
    proto_hs_session(initiator ? &final_i : &final_r, want_tx, want_rx);
    RN_ASSERT(memcmp(tx, want_tx, 32) == 0 && memcmp(rx, want_rx, 32) == 0);
    proto_hs_wipe(&h);
    return 0;
}
