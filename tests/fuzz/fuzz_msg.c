/*
 * fuzz_msg.c: libFuzzer harness for the peer message decoder (proto_msg_decode, proto/wire.h).
 *
 * Messages arrive from peers inside authenticated frames, but a member's node can still be buggy
 * or hostile, so the decoder must survive any bytes. When it accepts some, the harness checks
 * what it handed back (a known type, counts and seqs within their bounds, every pointer inside
 * the input) and re-encodes the message with the encoders of wire.h: the bytes must come out
 * identical, because the decoder accepts one spelling only. A broken check is an RN_ASSERT.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/error.h"
#include "proto/limits.h"
#include "proto/mp.h"
#include "proto/wire.h"

static bool inside(const uint8_t *buf, size_t len, const uint8_t *p, size_t n)
{
    return p >= buf && n <= len && (size_t)(p - buf) <= len - n;
}

static proto_msg m; /* ~100 KiB: static rather than on the stack */

static void check(const uint8_t *data, size_t size)
{
    RN_ASSERT(proto_msg_name((int)m.type) != NULL);
    switch (m.type) {
    case PROTO_MSG_HEADS:
        RN_ASSERT(m.n <= RN_PEER_HEADS_MAX);
        for (uint32_t i = 0; i < m.n; i++) {
            RN_ASSERT(inside(data, size, m.heads[i].author, PROTO_KEY_BYTES));
            RN_ASSERT(inside(data, size, m.heads[i].id, PROTO_ID_BYTES));
            RN_ASSERT(m.heads[i].seq >= 1 && m.heads[i].seq <= RN_SEQ_MAX);
            RN_ASSERT(i == 0 ||
                      memcmp(m.heads[i - 1].author, m.heads[i].author, PROTO_KEY_BYTES) < 0);
        }
        break;
    case PROTO_MSG_ENTRIES:
    case PROTO_MSG_FORK: {
        size_t total = 0;
        RN_ASSERT(m.n >= 1 && m.n <= RN_BATCH_ENTRIES_MAX);
        RN_ASSERT(m.type != PROTO_MSG_FORK || m.n == 2);
        for (uint32_t i = 0; i < m.n; i++) {
            RN_ASSERT(m.entries[i].len >= RN_ENTRY_BYTES_MIN);
            RN_ASSERT(m.entries[i].len <= RN_ENTRY_BYTES_MAX);
            RN_ASSERT(inside(data, size, m.entries[i].ptr, m.entries[i].len));
            total += m.entries[i].len;
        }
        RN_ASSERT(m.type == PROTO_MSG_FORK || total <= RN_BATCH_BYTES_MAX);
        break;
    }
    case PROTO_MSG_WANT:
    case PROTO_MSG_HAVE:
    case PROTO_MSG_EAGER:
        RN_ASSERT(inside(data, size, m.author, PROTO_KEY_BYTES));
        RN_ASSERT(m.type == PROTO_MSG_EAGER || (m.seq >= 1 && m.seq <= RN_SEQ_MAX));
        break;
    case PROTO_MSG_CHECKPOINT:
        RN_ASSERT(inside(data, size, m.checkpoint.ptr, m.checkpoint.len));
        RN_ASSERT(m.checkpoint.len <= RN_CHECKPOINT_BYTES_MAX);
        RN_ASSERT(m.cp.heads_n >= 1 && m.cp.heads_n <= RN_CHECKPOINT_HEADS_MAX);
        RN_ASSERT(m.cp.cosigs_n <= RN_CHECKPOINT_COSIGS_MAX);
        for (uint32_t i = 0; i < m.cp.heads_n; i++)
            RN_ASSERT(inside(data, size, m.cp.heads[i].author, PROTO_KEY_BYTES) &&
                      inside(data, size, m.cp.heads[i].id, PROTO_ID_BYTES));
        break;
    case PROTO_MSG_COSIGN:
        RN_ASSERT(inside(data, size, m.hash, PROTO_ID_BYTES));
        RN_ASSERT(inside(data, size, m.witness, PROTO_KEY_BYTES));
        RN_ASSERT(inside(data, size, m.sig, PROTO_SIG_BYTES));
        RN_ASSERT(m.time_ms <= RN_TIME_MS_MAX);
        break;
    default:
        break;
    }
}

static void reencode(mp_buf *b)
{
    switch (m.type) {
    case PROTO_MSG_HEADS:
        proto_msg_heads(b, m.heads, m.n);
        break;
    case PROTO_MSG_WANT:
        proto_msg_want(b, m.author, m.seq, m.count);
        break;
    case PROTO_MSG_ENTRIES:
        proto_msg_entries_begin(b, m.n);
        for (uint32_t i = 0; i < m.n; i++)
            mp_put_bin(b, m.entries[i].ptr, m.entries[i].len);
        break;
    case PROTO_MSG_HAVE:
        proto_msg_have(b, m.author, m.seq);
        break;
    case PROTO_MSG_EAGER:
        proto_msg_eager(b, m.author, m.on);
        break;
    case PROTO_MSG_FORK:
        proto_msg_fork(b, m.entries[0], m.entries[1]);
        break;
    case PROTO_MSG_ACK:
        proto_msg_ack(b, m.count);
        break;
    case PROTO_MSG_PING:
    case PROTO_MSG_PONG:
        proto_msg_ping(b, m.type, m.count);
        break;
    case PROTO_MSG_CHECKPOINT:
        proto_msg_checkpoint(b, m.checkpoint.ptr, m.checkpoint.len);
        break;
    case PROTO_MSG_COSIGN: {
        proto_cosig c;
        memcpy(c.witness, m.witness, PROTO_KEY_BYTES);
        c.time_ms = m.time_ms;
        memcpy(c.sig, m.sig, PROTO_SIG_BYTES);
        proto_msg_cosign(b, m.hash, &c);
        break;
    }
    default:
        RN_ASSERT(false); /* the decoder accepted an unknown type */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = proto_msg_decode(&m, data, size, &d);
    if (rc != 0) {
        RN_ASSERT(rc < 0 && d.code == rc && d.field != NULL);
        /* A CHECKPOINT's own fields are named by its decoder (checkpoint.h). */
        RN_ASSERT(strncmp(d.field, "msg", 3) == 0 || strncmp(d.field, "checkpoint", 10) == 0);
        return 0;
    }
    check(data, size);
    mp_buf b;
    mp_buf_init(&b, RN_FRAME_BYTES_MAX);
    reencode(&b);
    RN_ASSERT(mp_buf_err(&b) == 0);
    RN_ASSERT(b.len == size && memcmp(b.data, data, size) == 0);
    mp_buf_free(&b);
    return 0;
}
