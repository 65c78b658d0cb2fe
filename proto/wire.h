/*
 * wire.h: the peer protocol: the handshake, the encrypted frames, and the messages they carry
 * (DESIGN.md section 6; PROTOCOL.md sections 8 to 10 specify every byte).
 *
 * Pure code, no I/O, like the rest of proto/: the node core feeds bytes in and takes bytes out.
 * The ephemeral key of a handshake comes from a 32-byte seed the caller supplies (the driver's
 * random generator, or the simulator's seeded one), so the same seeds give the same bytes.
 *
 * Handshake (four messages of fixed sizes; the initiator knows the responder's roster key):
 *
 *   M1  I -> R  65 bytes  version(1) e_I(32) mac(32)        mac = BLAKE2b-256 keyed with the
 *                                                            network key over version || e_I
 *   M2  R -> I  64 bytes  e_R(32) mac(32)                   mac keyed with the network key over
 *                                                            H(M1) || e_R
 *   M3  I -> R 112 bytes  secretbox(K3, pk_I(32) sig_I(64)) sig_I signs the transcript and pk_R
 *   M4  R -> I  80 bytes  secretbox(K4, sig_R(64))          sig_R signs the transcript, pk_I and
 *                                                            sig_I
 *
 * A stranger without the network key learns nothing past M1 (R closes on a bad mac) and cannot
 * produce M3 without also knowing pk_R; a member whose key is not in the roster is refused after
 * M3, before R says who it is. The ephemeral X25519 keys give forward secrecy; the session keys
 * are derived from the network key, the shared secret and the hash of all four messages, one for
 * each direction. Then each side sends its 24-byte secretstream header and frames follow.
 *
 * Frame: be32(L) then L bytes of XChaCha20-Poly1305 secretstream ciphertext (L = plaintext + 17),
 * 17 <= L <= RN_FRAME_BYTES_MAX + 17. The plaintext is one message: a canonical MessagePack array
 * whose first element is the message type (proto_msg_type).
 */
#ifndef RN_WIRE_H
#define RN_WIRE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "entry.h"
#include "error.h"
#include "limits.h"
#include "checkpoint.h"
#include "mp.h"
#include "record.h"

#define PROTO_WIRE_VERSION        1u
#define PROTO_NETKEY_BYTES        32u
#define PROTO_HS_M1_BYTES         65u
#define PROTO_HS_M2_BYTES         64u
#define PROTO_HS_M3_BYTES         112u
#define PROTO_HS_M4_BYTES         80u
#define PROTO_HS_MSG_MAX          112u
#define PROTO_STREAM_HEADER_BYTES crypto_secretstream_xchacha20poly1305_HEADERBYTES   /* 24 */
#define PROTO_FRAME_OVERHEAD      (4u + crypto_secretstream_xchacha20poly1305_ABYTES) /* 4 + 17 */

/* ---- Handshake ---- */

typedef enum proto_hs_role { PROTO_HS_INITIATOR = 1, PROTO_HS_RESPONDER = 2 } proto_hs_role;

/* The state of one handshake. Caller owns it; proto_hs_wipe erases its secrets. */
typedef struct proto_hs {
    proto_hs_role role;
    int step; /* messages processed so far, 0 .. 4; -1 after a failure or proto_hs_wipe */
    uint8_t netkey[PROTO_NETKEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];             /* our roster key */
    uint8_t peer[PROTO_KEY_BYTES];          /* the peer's roster key: known to the initiator,
                                               learned by the responder from M3 */
    uint8_t e_sk[32], e_pk[32], peer_e[32]; /* ephemeral X25519 keys */
    uint8_t shared[32];                     /* X25519(e_sk, peer_e) */
    uint8_t transcript[32];                 /* running BLAKE2b-256 of the messages so far */
    uint8_t sig_i[PROTO_SIG_BYTES];         /* the initiator's signature, bound into M4 */
} proto_hs;

/*
 * Starts a handshake. `peer` is required for the initiator (the responder's roster key) and must
 * be NULL for the responder. `eph_seed` makes the ephemeral key (crypto_box_seed_keypair).
 * Returns 0 or RN_EINVAL.
 */
RN_MUST_USE int proto_hs_init(proto_hs *h, proto_hs_role role, const uint8_t netkey[32],
                              const uint8_t sk[PROTO_SK_BYTES], const uint8_t *peer,
                              const uint8_t eph_seed[32]);

/* Size of the next message this side expects to read, or 0 if it is this side's turn to write
 * or the handshake is done. */
size_t proto_hs_want(const proto_hs *h);

/* Writes this side's next message into out[0..cap) (cap >= PROTO_HS_MSG_MAX) and sets *len.
 * Returns 0, or RN_EINVAL if it is not this side's turn or cap is too small. */
RN_MUST_USE int proto_hs_write(proto_hs *h, uint8_t *out, size_t cap, size_t *len);

/*
 * Reads the peer's next message, exactly proto_hs_want() bytes. Returns 0, or RN_EINVAL (not
 * this side's turn, wrong length), RN_EVERSION (M1 of another version), RN_EPROOF (a mac,
 * box or signature that does not verify: wrong network key, wrong responder key, or tampering).
 * After the responder reads M3, h->peer holds the initiator's key (a valid Ed25519 point whose
 * signature verified): the caller checks it against the roster (and that it is not its own key)
 * before writing M4, and drops the connection if it is not a member.
 *
 * Any failure of proto_hs_write or proto_hs_read wipes the state and leaves it dead (step -1):
 * every later call fails with RN_EINVAL, proto_hs_want returns 0 and proto_hs_done false. The
 * caller closes the connection without sending anything more.
 */
RN_MUST_USE int proto_hs_read(proto_hs *h, const uint8_t *msg, size_t len);

bool proto_hs_done(const proto_hs *h);

/* After proto_hs_done (asserted): the session keys for what this side sends and receives. The
 * caller wipes them once the streams are initialised. */
void proto_hs_session(const proto_hs *h, uint8_t tx[32], uint8_t rx[32]);

/* Erases every secret in the handshake state. */
void proto_hs_wipe(proto_hs *h);

/* ---- Frames ---- */

/* One direction of secretstream each way. Caller owns it. */
typedef struct proto_stream {
    crypto_secretstream_xchacha20poly1305_state tx, rx;
    bool tx_ready, rx_ready;
} proto_stream;

/* Starts the sending direction with key `tx`, writing the header the peer needs to `header`.
 * The header is drawn from libsodium's random generator (randombytes_buf): the simulator installs
 * a seeded one with randombytes_set_implementation if it needs identical bytes on every run. */
void proto_stream_tx_init(proto_stream *s, const uint8_t tx[32],
                          uint8_t header[PROTO_STREAM_HEADER_BYTES]);

/* Starts the receiving direction with key `rx` and the peer's header. Returns 0 or RN_EPROOF. */
RN_MUST_USE int proto_stream_rx_init(proto_stream *s, const uint8_t rx[32],
                                     const uint8_t header[PROTO_STREAM_HEADER_BYTES]);

/* Seals msg[0..len) (len <= RN_FRAME_BYTES_MAX) as one frame, length prefix included, into
 * out[0..cap); *out_len = len + PROTO_FRAME_OVERHEAD. Returns 0, RN_ETOOBIG, RN_EINVAL. */
RN_MUST_USE int proto_frame_seal(proto_stream *s, const uint8_t *msg, size_t len, uint8_t *out,
                                 size_t cap, size_t *out_len);

/* Given the first 4 bytes of a frame, the ciphertext length that follows, or RN_ETOOBIG when it
 * is outside 17 .. RN_FRAME_BYTES_MAX + 17 (the peer is then disconnected). */
RN_MUST_USE int64_t proto_frame_len(const uint8_t prefix[4]);

/* Opens the ciphertext ct[0..len) of one frame into msg[0..cap) (cap >= len - 17), *msg_len.
 * Returns 0, or RN_EPROOF (forged, reordered, replayed or truncated stream, or a tag other than
 * MESSAGE), RN_ETOOBIG (len outside the bounds of proto_frame_len), RN_EINVAL (receiving side not
 * started, cap too small). After RN_EPROOF or RN_ETOOBIG the receiving direction is wiped and
 * refuses every later frame (RN_EINVAL): the caller closes the connection. */
RN_MUST_USE int proto_frame_open(proto_stream *s, const uint8_t *ct, size_t len, uint8_t *msg,
                                 size_t cap, size_t *msg_len);

/* Erases both directions' keys. */
void proto_stream_wipe(proto_stream *s);

/* ---- Messages ---- */

#define PROTO_MSG_MAP(X)                                                                           \
    X(HEADS, 1, "heads")     /* [1, [[author, seq, id], ...]]: what I hold */                      \
    X(WANT, 2, "want")       /* [2, author, from_seq, max_entries]: send me these */               \
    X(ENTRIES, 3, "entries") /* [3, [entry, ...]]: consecutive entries of one author */            \
    X(HAVE, 4, "have")       /* [4, author, seq]: I hold up to seq (a lazy note) */                \
    X(EAGER, 5, "eager") /* [5, author, bool]: push this author's new entries to me, or stop */    \
    X(FORK, 6, "fork")   /* [6, entry_a, entry_b]: two entries of one author at one seq */         \
    X(ACK, 7, "ack")     /* [7, bytes]: I have processed this many more entry bytes of yours */    \
    X(PING, 8, "ping")   /* [8, nonce] */                                                          \
    X(PONG, 9, "pong")   /* [9, nonce] */                                                          \
    X(CHECKPOINT, 10, "checkpoint") /* [10, signed checkpoint]: my newest (checkpoint.h) */        \
    X(COSIGN, 11, "cosign") /* [11, body hash, witness, time, sig]: I cosign your checkpoint */

typedef enum proto_msg_type {
#define PROTO_X_MSG(name, num, str) PROTO_MSG_##name = (num),
    PROTO_MSG_MAP(PROTO_X_MSG)
#undef PROTO_X_MSG
} proto_msg_type;

/* Returns "heads", "want", ... or NULL for a number that is not a message type. Static string. */
const char *proto_msg_name(int type);

/* One head in a HEADS message. HEADS lists authors in strictly ascending key order (memcmp), as
 * store_heads returns them: the decoder refuses a repeated author (RN_EDUPLICATE) and one out of
 * order (RN_EFIELDORDER), and the encoder asserts the order. */
typedef struct proto_head {
    const uint8_t *author; /* PROTO_KEY_BYTES, borrowed */
    uint64_t seq;          /* 1 .. RN_SEQ_MAX */
    const uint8_t *id;     /* PROTO_ID_BYTES, borrowed */
} proto_head;

/* A decoded message. Pointers borrow the decoded buffer. */
typedef struct proto_msg {
    proto_msg_type type;
    const uint8_t *author; /* WANT, HAVE, EAGER */
    uint64_t seq;          /* WANT: from_seq; HAVE: seq */
    uint64_t count;        /* WANT: max entries; ACK: bytes; PING/PONG: nonce */
    bool on;               /* EAGER */
    uint32_t n;            /* HEADS: heads; ENTRIES: entries; FORK: 2 */
    proto_head heads[RN_PEER_HEADS_MAX];
    proto_str entries[RN_BATCH_ENTRIES_MAX]; /* ENTRIES, FORK: raw entry bytes (not decoded) */
    /* Witnesses (PROTOCOL.md 10.5). CHECKPOINT: the signed checkpoint's exact bytes and its
     * decoded form (heads borrow the buffer; no signature checked here). COSIGN: the body hash,
     * the witness key, its time and its signature (borrowed). */
    proto_str checkpoint;
    proto_checkpoint cp;
    const uint8_t *hash;    /* COSIGN: PROTO_ID_BYTES */
    const uint8_t *witness; /* COSIGN: PROTO_KEY_BYTES */
    uint64_t time_ms;       /* COSIGN: 0 .. RN_TIME_MS_MAX */
    const uint8_t *sig;     /* COSIGN: PROTO_SIG_BYTES */
} proto_msg;

/*
 * Decodes one message strictly: a canonical array, a known type, the fields of that type with
 * their types and bounds (counts within RN_PEER_HEADS_MAX, RN_BATCH_ENTRIES_MAX, entries within
 * RN_ENTRY_BYTES_MAX, seqs within 1 .. RN_SEQ_MAX, keys and ids 32 bytes), nothing after it.
 * Entries are not decoded here (the store does that). Returns 0 or the cursor's errors,
 * RN_ECOUNT, RN_EKIND (unknown type), RN_ELEN, RN_ESEQ, RN_ETRAILING, RN_ETOOBIG, RN_EDUPLICATE
 * and RN_EFIELDORDER (HEADS order), RN_ETIME (COSIGN time), and for CHECKPOINT the errors of
 * proto_checkpoint_decode with its field names ("checkpoint.heads.seq"); `d` names the field
 * ("msg.want.from") and, for an item of a list, sets d->index to 1 + its position. PROTOCOL.md
 * section 10 gives every rule. Value rules beyond types: seqs (HEADS, WANT from, HAVE) 1 ..
 * RN_SEQ_MAX; WANT max_entries 1 .. RN_SEQ_MAX; ENTRIES 1 .. RN_BATCH_ENTRIES_MAX entries of
 * RN_ENTRY_BYTES_MIN .. RN_ENTRY_BYTES_MAX bytes each and RN_BATCH_BYTES_MAX in all; ACK bytes
 * >= 1. The encoders assert the same rules (pair assertions), so what they write always decodes.
 */
RN_MUST_USE int proto_msg_decode(proto_msg *m, const uint8_t *buf, size_t len, rn_diag *d);

/* Encoders: each appends one canonical message to `b` (check mp_buf_err at the end). */
void proto_msg_heads(mp_buf *b, const proto_head *heads, uint32_t n);
void proto_msg_want(mp_buf *b, const uint8_t author[PROTO_KEY_BYTES], uint64_t from,
                    uint64_t max_entries);
/* ENTRIES: the array header for n entries; then append each entry with mp_put_bin. */
void proto_msg_entries_begin(mp_buf *b, uint32_t n);
void proto_msg_have(mp_buf *b, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq);
void proto_msg_eager(mp_buf *b, const uint8_t author[PROTO_KEY_BYTES], bool on);
void proto_msg_fork(mp_buf *b, proto_str a, proto_str e2);
void proto_msg_ack(mp_buf *b, uint64_t bytes);
void proto_msg_ping(mp_buf *b, proto_msg_type type, uint64_t nonce);
/* CHECKPOINT: the exact bytes of one signed checkpoint (which must decode: asserted). */
void proto_msg_checkpoint(mp_buf *b, const uint8_t *cp, size_t len);
/* COSIGN: witness `c->witness` cosigned the checkpoint whose body hash is `hash`. */
void proto_msg_cosign(mp_buf *b, const uint8_t hash[PROTO_ID_BYTES], const proto_cosig *c);

#endif /* RN_WIRE_H */
