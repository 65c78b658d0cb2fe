/*
 * entry.h: the signed, hash-chained log entry (DESIGN.md section 3, PROTOCOL.md section 2).
 *
 * Every statement an authority makes is one entry in its own append-only log. An entry is the
 * canonical MessagePack array
 *
 *     [version, author, seq, prev, timestamp_ms, kind, body, signature]
 *
 * Its id is BLAKE2b-256 of its exact bytes, signature included; `prev` is the id of the entry at
 * seq - 1 (nil at seq 1). The signature is Ed25519 over PROTO_ENTRY_SIG_TAG followed by
 * BLAKE2b-256 of the same array without its last element (a 7-element array). Because prev commits
 * to the previous entry's signature too, one signature on the newest entry of a run authenticates
 * the whole run once its links are checked (proto_entry_run_verify).
 *
 * Entries travel and are stored as the bytes the author signed; nothing re-encodes them. Decoding
 * is zero-copy: a proto_entry borrows the buffer it was decoded from.
 */
#ifndef RN_ENTRY_H
#define RN_ENTRY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"
#include "limits.h"

#define PROTO_KEY_BYTES 32u /* Ed25519 public key */
#define PROTO_SK_BYTES  64u /* libsodium Ed25519 secret key: seed followed by public key */
#define PROTO_SIG_BYTES 64u /* Ed25519 signature */
#define PROTO_ID_BYTES  32u /* BLAKE2b-256 */

/* Domain separation for entry signatures: 15 ASCII bytes, no terminator. */
#define PROTO_ENTRY_SIG_TAG     "recnet/entry/v1"
#define PROTO_ENTRY_SIG_TAG_LEN 15u

/* The record kinds (DESIGN.md section 4). The numbers are on the wire. */
#define PROTO_KIND_MAP(X)                                                                          \
    X(PROVIDER, 1, "provider")                                                                     \
    X(SPEC, 2, "spec")                                                                             \
    X(DECISION, 3, "decision")                                                                     \
    X(POLICY, 4, "policy")                                                                         \
    X(PATHWAY, 5, "pathway")                                                                       \
    X(REVOCATION, 6, "revocation")                                                                 \
    X(ROSTER, 7, "roster")                                                                         \
    X(SUCCESSION, 8, "succession")

typedef enum proto_kind {
#define PROTO_X_KIND(name, num, str) PROTO_KIND_##name = (num),
    PROTO_KIND_MAP(PROTO_X_KIND)
#undef PROTO_X_KIND
} proto_kind;

#define PROTO_KIND_MIN 1
#define PROTO_KIND_MAX 8

/* Returns "provider", "spec", ... or NULL for a number that is not a kind. Static string. */
const char *proto_kind_name(int kind);

/* Returns the kind named `name` ("spec"), or RN_EKIND. */
RN_MUST_USE int proto_kind_parse(const char *name);

/* A decoded entry. Every pointer borrows the buffer given to proto_entry_decode and is valid as
 * long as that buffer is. */
typedef struct proto_entry {
    uint64_t seq;          /* 1 .. RN_SEQ_MAX */
    uint64_t timestamp_ms; /* 0 .. RN_TIME_MS_MAX, non-decreasing along a log */
    proto_kind kind;       /* PROTO_KIND_MIN .. PROTO_KIND_MAX */
    const uint8_t *author; /* PROTO_KEY_BYTES */
    const uint8_t *prev;   /* PROTO_ID_BYTES; NULL exactly when seq == 1 */
    const uint8_t *body;   /* the encoded body map (canonical MessagePack) */
    size_t body_len;       /* bytes, > 0 */
    const uint8_t *sig;    /* PROTO_SIG_BYTES */
    const uint8_t *bytes;  /* the whole entry */
    size_t len;            /* RN_ENTRY_BYTES_MIN .. RN_ENTRY_BYTES_MAX */
} proto_entry;

/*
 * Decodes the entry in buf[0..len) strictly: the length within its bounds, an 8-element array in
 * canonical form, version RN_ENTRY_VERSION, a 32-byte author, seq in 1..RN_SEQ_MAX, prev nil at
 * seq 1 and a 32-byte id otherwise, a timestamp within RN_TIME_MS_MAX, a known kind, a body that
 * is one canonical map (its fields are checked by proto_record_decode), a 64-byte signature, and
 * nothing after it. Does not verify the signature.
 *
 * Returns 0, or RN_ETOOBIG, RN_ETRUNCATED, RN_ETRAILING, RN_EMALFORMED, RN_ENONCANON, RN_ETYPE,
 * RN_ECOUNT (array length), RN_EVERSION, RN_ELEN (key, id or signature length), RN_ESEQ, RN_EPREV
 * (prev present at seq 1 or absent after it), RN_ETIME, RN_EKIND; `d` (may be NULL) names the
 * field. On failure *e is unspecified.
 */
RN_MUST_USE int proto_entry_decode(proto_entry *e, const uint8_t *buf, size_t len, rn_diag *d);

/*
 * Decodes the outline of an entry from anywhere: every field is checked as proto_entry_decode
 * checks it except the body, which is taken as the bytes between the kind and the trailing
 * signature (they must open a map) instead of being walked. proto_entry_decode accepts the bytes
 * exactly when this does and those body bytes are one MessagePack value, as they are when
 * proto_record_decode accepts them (it refuses trailing bytes): a caller that decodes every
 * record anyway (store_ingest) thus walks each body once, and calls proto_entry_decode for the
 * diagnostic of an entry this or the record decoder refused. Returns 0 (then *e is what
 * proto_entry_decode would give) or RN_EMALFORMED (*e is unspecified).
 */
RN_MUST_USE int proto_entry_decode_outline(proto_entry *e, const uint8_t *buf, size_t len);

/*
 * Decodes an entry whose bytes passed proto_entry_decode before and are known not to have changed
 * since (a replica's entry checked against its id): the header fields are read as
 * proto_entry_decode reads them, but the body is taken as the bytes between the kind and the
 * trailing signature instead of being walked, which is most of the cost of a strict decode.
 * Never use it on bytes from the network. Returns 0, or RN_EMALFORMED when the bytes do not have
 * an entry's outline (then they are not what was decoded before; *e is unspecified).
 */
RN_MUST_USE int proto_entry_decode_known(proto_entry *e, const uint8_t *buf, size_t len);

/* Writes the id of the entry whose encoded bytes are buf[0..len): BLAKE2b-256 of those bytes. */
void proto_entry_id(const uint8_t *buf, size_t len, uint8_t id[PROTO_ID_BYTES]);

/* Verifies the signature of one decoded entry against its author. Returns 0 or RN_ESIG. */
RN_MUST_USE int proto_entry_verify(const proto_entry *e);

/*
 * Verifies a run of n >= 1 decoded entries: one author, consecutive sequence numbers,
 * non-decreasing timestamps, each prev equal to the id of the entry before it, and the signature
 * of the last entry only (DESIGN.md section 3 explains why that suffices).
 *
 * `head_id` is the id of the entry at run[0].seq - 1 that the caller already holds; when it is
 * not NULL, run[0].prev must equal it. When it is NULL the first link is the caller's to check
 * (for seq 1, decode has already required prev to be absent). `ids`, when not NULL, receives the
 * n entry ids, which the caller usually needs to index the entries.
 *
 * Returns 0, or RN_EINVAL (n == 0 or n > RN_RUN_ENTRIES_MAX), RN_EAUTHOR, RN_ESEQ, RN_ETIME,
 * RN_EPREV, RN_ESIG; `d` (may be NULL) gets the field and, in d->index, 1 + the position in the
 * run.
 */
RN_MUST_USE int proto_entry_run_verify(const proto_entry *run, size_t n, const uint8_t *head_id,
                                       uint8_t (*ids)[PROTO_ID_BYTES], rn_diag *d);

/* What an author says in a new entry, before it is signed. */
typedef struct proto_entry_draft {
    uint64_t seq;          /* 1 .. RN_SEQ_MAX */
    const uint8_t *prev;   /* id of the entry at seq - 1; NULL exactly when seq == 1 */
    uint64_t timestamp_ms; /* 0 .. RN_TIME_MS_MAX */
    proto_kind kind;
    const uint8_t *body; /* encoded body map, e.g. from proto_record_encode; copied */
    size_t body_len;
} proto_entry_draft;

/*
 * Encodes and signs a new entry with the author's secret key `sk` (libsodium layout: the public
 * key is its last 32 bytes). Writes the entry to out[0..cap) and its length to *out_len. Checks
 * the draft as decode would check the entry, and then decodes what it wrote (pair assertions:
 * what goes out is what a reader will accept).
 *
 * Returns 0, or RN_EINVAL (bad draft: seq, prev, kind, time, or a body that is not one canonical
 * map), RN_ETOOBIG (the entry would pass RN_ENTRY_BYTES_MAX or cap).
 */
RN_MUST_USE int proto_entry_sign(const proto_entry_draft *draft, const uint8_t sk[PROTO_SK_BYTES],
                                 uint8_t *out, size_t cap, size_t *out_len);

#endif /* RN_ENTRY_H */
