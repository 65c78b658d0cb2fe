/*
 * fuzz_frame.c: libFuzzer harness for the frame layer (proto_frame_len, proto_frame_open) and the
 * message decoder behind it (proto/wire.h).
 *
 * The input is what a peer's socket delivers after the handshake: a sequence of frames, each a
 * be32 length and that many bytes of secretstream ciphertext. The receiving direction starts
 * from a fixed key and header (the labels below, shared with gen_corpus_wire.c, so that the seed
 * corpus holds frames that open), and the harness reads frames the way the node does: the length
 * first, bounded before anything is buffered, then the ciphertext. A frame that opens must give
 * exactly L - 17 bytes, which then go to proto_msg_decode; a frame that does not must leave the
 * direction dead. Finally the whole input is opened as one ciphertext on a fresh state. Forging a
 * frame is not expected of the fuzzer; surviving every byte is.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <sodium.h>

#include "proto/error.h"
#include "proto/limits.h"
#include "proto/wire.h"

/* Shared with gen_corpus_wire.c. */
#define FUZZ_FRAME_KEY_LABEL    "recnet fuzz frame key"
#define FUZZ_FRAME_HEADER_LABEL "recnet fuzz frame header"

static uint8_t key[32], header[PROTO_STREAM_HEADER_BYTES];
static uint8_t plain[RN_FRAME_BYTES_MAX];
static proto_msg msg;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    uint8_t h[32];
    RN_ASSERT(sodium_init() >= 0);
    crypto_generichash(key, 32, (const uint8_t *)FUZZ_FRAME_KEY_LABEL, strlen(FUZZ_FRAME_KEY_LABEL),
                       NULL, 0);
    crypto_generichash(h, 32, (const uint8_t *)FUZZ_FRAME_HEADER_LABEL,
                       strlen(FUZZ_FRAME_HEADER_LABEL), NULL, 0);
    memcpy(header, h, sizeof(header));
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    proto_stream s;
    size_t at = 0, mlen;
    memset(&s, 0, sizeof(s));
    RN_ASSERT(proto_stream_rx_init(&s, key, header) == 0);

    while (size - at >= 4) {
        int64_t l = proto_frame_len(data + at);
        if (l < 0) {
            RN_ASSERT(l == RN_ETOOBIG);
            break;
        }
        RN_ASSERT(l >= 17 && l <= (int64_t)RN_FRAME_BYTES_MAX + 17);
        at += 4;
        if ((uint64_t)l > size - at)
            break; /* the node would wait for more bytes */
        int rc = proto_frame_open(&s, data + at, (size_t)l, plain, sizeof(plain), &mlen);
        if (rc != 0) {
            RN_ASSERT(rc == RN_EPROOF);
            RN_ASSERT(!s.rx_ready);
            RN_ASSERT(proto_frame_open(&s, data + at, (size_t)l, plain, sizeof(plain), &mlen) ==
                      RN_EINVAL);
            break;
        }
        RN_ASSERT(mlen == (size_t)l - 17);
        rn_diag d;
        rc = proto_msg_decode(&msg, plain, mlen, &d);
        RN_ASSERT(rc <= 0);
        at += (size_t)l;
    }

    /* The whole input as one ciphertext. */
    proto_stream t;
    memset(&t, 0, sizeof(t));
    RN_ASSERT(proto_stream_rx_init(&t, key, header) == 0);
    int rc = proto_frame_open(&t, data, size, plain, sizeof(plain), &mlen);
    RN_ASSERT(rc == 0 || rc == RN_EPROOF || rc == RN_ETOOBIG || (rc == RN_EINVAL && data == NULL));
    RN_ASSERT(rc != 0 || mlen == size - 17);
    proto_stream_wipe(&s);
    proto_stream_wipe(&t);
    return 0;
}
