/*
 * checkpoint.h: signed checkpoints, witness cosignatures, witnessed proof bundles and signed
 * answers (PROTOCOL.md section 16, and 5.5 for the bundles).
 *
 * A checkpoint is a node's signed statement "at time T I hold, for each of these authors, the
 * log up to this head (seq, id)". Other members cosign it as witnesses after checking that each
 * head is the entry they hold and extends the head of that author they cosigned before; a witness
 * never cosigns two heads of one author that do not extend each other. A verifier that sees a
 * checkpoint cosigned by N witnesses of its choosing knows that, as of T, each author's log ended
 * at least at that head for N + 1 members, so a split view would have needed N + 1 of them to lie.
 *
 *     body       = [1, signer, time, roster_version, [[author, seq, id], ...]]
 *     checkpoint = [body, signature, [[witness, time, cosignature], ...]]
 *     signature  = Ed25519(signer,  "recnet checkpoint v1"  || H(body bytes))
 *     cosignature= Ed25519(witness, "recnet cosignature v1" || H(body bytes) || be64(time))
 *
 * A signed answer is [1, signer, time, answer (bin), signature] with signature =
 * Ed25519(signer, "recnet answer v1" || H([1, signer, time, answer])): a node's answer to a query
 * (the control API's result, byte for byte) that the node cannot later deny.
 *
 * Nothing here does I/O or reads the clock: the time is always the caller's. Decoding borrows the
 * buffer for the heads (author and id point into it); everything else is copied. A proto_checkpoint
 * is some 32 KiB (1,024 heads): keep it off small stacks.
 */
#ifndef RN_CHECKPOINT_H
#define RN_CHECKPOINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"
#include "limits.h"
#include "mp.h"
#include "proof.h"
#include "roster.h"

/* Format versions written by this implementation; decoders refuse every other. */
#define PROTO_CHECKPOINT_VERSION 1u
#define PROTO_ANSWER_VERSION     1u

/* Domains of the signed messages: ASCII, no terminator. */
#define PROTO_CHECKPOINT_TAG      "recnet checkpoint v1"
#define PROTO_CHECKPOINT_TAG_LEN  20u
#define PROTO_COSIG_TAG           "recnet cosignature v1"
#define PROTO_COSIG_TAG_LEN       21u
#define PROTO_ANSWER_TAG          "recnet answer v1"
#define PROTO_ANSWER_TAG_LEN      16u
#define PROTO_ANSWER_JSON_TAG     "recnet answer json v1"
#define PROTO_ANSWER_JSON_TAG_LEN 21u

/* Bounds: RN_CHECKPOINT_* in limits.h. */

/* One head: the entry of `author` at `seq` has id `id`. author and id borrow the decoded buffer
 * (or the caller's memory, for a checkpoint being built). */
typedef struct proto_cp_head {
    const uint8_t *author; /* PROTO_KEY_BYTES */
    uint64_t seq;          /* 1 .. RN_SEQ_MAX */
    const uint8_t *id;     /* PROTO_ID_BYTES */
} proto_cp_head;

/* One witness's cosignature. */
typedef struct proto_cosig {
    uint8_t witness[PROTO_KEY_BYTES];
    uint64_t time_ms; /* the witness's clock when it cosigned, 0 .. RN_TIME_MS_MAX */
    uint8_t sig[PROTO_SIG_BYTES];
} proto_cosig;

/* A signed checkpoint: its body, the signer's signature, and the cosignatures. */
typedef struct proto_checkpoint {
    /* The body. */
    uint8_t signer[PROTO_KEY_BYTES]; /* a roster member (authority or mirror) */
    uint64_t time_ms;                /* the signer's clock, 0 .. RN_TIME_MS_MAX */
    uint64_t roster_version;         /* 1 .. RN_ROSTERCHAIN_VERSIONS_MAX (1 without a chain) */
    uint32_t heads_n;                /* 1 .. RN_CHECKPOINT_HEADS_MAX */
    proto_cp_head heads[RN_CHECKPOINT_HEADS_MAX]; /* strictly ascending author */
    /* Set by proto_checkpoint_decode and proto_checkpoint_sign. */
    uint8_t hash[PROTO_ID_BYTES]; /* H(body bytes) */
    uint8_t sig[PROTO_SIG_BYTES];
    /* 0 .. RN_CHECKPOINT_COSIGS_MAX, strictly ascending witness, never the signer. */
    uint32_t cosigs_n;
    proto_cosig cosigs[RN_CHECKPOINT_COSIGS_MAX];
} proto_checkpoint;

/* ---- Encoding, decoding, signing ---- */

/*
 * Appends the body of `cp` to `b`. Checks it as the decoder would (RN_EKEY signer, RN_ECOUNT heads,
 * RN_EFIELDORDER / RN_EDUPLICATE authors, RN_ESEQ, RN_ETIME, RN_EVERSION roster_version 0 or too
 * large); `d`
 * names the field. Returns 0, those, or the buffer's error; on failure b->len is as it was.
 */
RN_MUST_USE int proto_checkpoint_body_encode(const proto_checkpoint *cp, mp_buf *b, rn_diag *d);

/* Writes H(body of cp) to `out`. Returns 0 or the errors of proto_checkpoint_body_encode. */
RN_MUST_USE int proto_checkpoint_hash(const proto_checkpoint *cp, uint8_t out[PROTO_ID_BYTES]);

/*
 * Signs the body of `cp` with `sk` (libsodium's 64 bytes; cp->signer must be its public key,
 * RN_EINVAL otherwise): sets cp->hash and cp->sig and drops every cosignature (they were over
 * another body, or the same one, which a re-sign does not change; a caller that re-signs the same
 * body keeps them by not calling this). Returns 0 or the errors of proto_checkpoint_body_encode.
 */
RN_MUST_USE int proto_checkpoint_sign(proto_checkpoint *cp, const uint8_t sk[PROTO_SK_BYTES],
                                      rn_diag *d);

/* Appends the signed checkpoint [body, signature, cosignatures] to `b`: what it writes, the
 * decoder reads. Returns 0, the body's errors, RN_EINVAL (cosignatures out of order, one by the
 * signer, a witness key that is not a valid point, a time past RN_TIME_MS_MAX), or the buffer's
 * error. */
RN_MUST_USE int proto_checkpoint_encode(const proto_checkpoint *cp, mp_buf *b, rn_diag *d);

/*
 * Decodes the signed checkpoint buf[0..len) strictly: at most RN_CHECKPOINT_BYTES_MAX, canonical
 * MessagePack, fixed arrays, version 1, signer and witness keys valid Ed25519 points, times within
 * RN_TIME_MS_MAX, roster_version 1 .. RN_ROSTERCHAIN_VERSIONS_MAX, 1 .. RN_CHECKPOINT_HEADS_MAX
 * heads in strictly ascending author order, seq 1 .. RN_SEQ_MAX, 0 .. RN_CHECKPOINT_COSIGS_MAX
 * cosignatures in strictly ascending witness order and none by the signer, nothing after it.
 * Sets cp->hash. Verifies no signature. Heads borrow buf.
 *
 * Returns 0, or RN_ETOOBIG, the cursor's errors, RN_ECOUNT (array sizes), RN_EVERSION (version;
 * roster_version), RN_EKEY, RN_ELEN, RN_ETIME, RN_ESEQ, RN_EFIELDORDER / RN_EDUPLICATE (heads,
 * cosignatures), RN_EINCONSISTENT (a cosignature by the signer), RN_ETRAILING. `d` names the
 * field ("checkpoint.heads.seq", "checkpoint.cosignatures.witness", ...) and d->index is 1 + the
 * position in its list.
 */
RN_MUST_USE int proto_checkpoint_decode(proto_checkpoint *cp, const uint8_t *buf, size_t len,
                                        rn_diag *d);

/* The head of `author` in cp, or NULL (binary search). */
const proto_cp_head *proto_checkpoint_head(const proto_checkpoint *cp,
                                           const uint8_t author[PROTO_KEY_BYTES]);

/* ---- Cosignatures ---- */

/* A witness cosigns the checkpoint whose body hash is `hash` at `time_ms` with `sk`: fills *out. */
void proto_cosig_make(const uint8_t hash[PROTO_ID_BYTES], uint64_t time_ms,
                      const uint8_t sk[PROTO_SK_BYTES], proto_cosig *out);

/* Verifies one cosignature over the body hash `hash`. Returns 0 or RN_ESIG. */
RN_MUST_USE int proto_cosig_verify(const uint8_t hash[PROTO_ID_BYTES], const proto_cosig *c);

/*
 * Adds cosignature `c` (a COSIGN message's) to cp in witness order: it must verify over cp->hash
 * (RN_ESIG), not be by the signer (RN_EINCONSISTENT), have a valid key (RN_EKEY) and time
 * (RN_ETIME), be by a member of `roster` when one is given
 * (RN_EROSTER), and fit (RN_ECOUNT). One by a witness already there replaces it when its time is
 * later, else it is ignored (0 either way: the witness has cosigned this body).
 */
RN_MUST_USE int proto_checkpoint_cosig_add(proto_checkpoint *cp, const proto_cosig *c,
                                           const proto_roster *roster);

/*
 * Verifies a decoded checkpoint against `roster`: the signer is a member (RN_EROSTER, any role) and
 * its signature verifies (RN_ESIG); every cosignature verifies (RN_ESIG: a document whose
 * cosignature does not verify was altered). *witnesses (may be NULL) receives the number of
 * cosignatures by members of `roster`; a cosignature by a key that is not a member (a witness the
 * verifier's roster does not know, or no longer) is not counted and not an error. `status`, when
 * not NULL, receives per cosignature 0 (counted) or RN_EROSTER. d->index: 1 + the cosignature.
 */
RN_MUST_USE int proto_checkpoint_verify(const proto_checkpoint *cp, const proto_roster *roster,
                                        uint32_t *witnesses, int status[RN_CHECKPOINT_COSIGS_MAX],
                                        rn_diag *d);

/* ---- The witness rule ---- */

/* What a witness knows, asked through callbacks (the node answers from its replica). */
typedef struct proto_witness_view {
    void *ctx;
    /* The id of `author`'s entry at `seq`: 0 with *id filled, RN_ENOTFOUND when the witness does
     * not hold it (yet), another error to abort. */
    int (*entry_id)(void *ctx, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq,
                    uint8_t id[PROTO_ID_BYTES]);
    /* True if the witness holds evidence that `author` forked. */
    bool (*forked)(void *ctx, const uint8_t author[PROTO_KEY_BYTES]);
    /* The highest seq of `author` in a head this witness cosigned before (persisted), 0 for none.
     */
    uint64_t (*last_cosigned)(void *ctx, const uint8_t author[PROTO_KEY_BYTES]);
    const proto_roster *roster; /* the roster in force at the witness */
    const uint8_t *self;        /* the witness's key (PROTO_KEY_BYTES) */
    uint64_t now_ms;            /* the witness's clock */
} proto_witness_view;

/* How far a checkpoint's time may lie from the witness's clock, either way: 10 minutes. */
#define PROTO_WITNESS_SKEW_MS (10u * 60u * 1000u)

/*
 * The witness rule (PROTOCOL.md 16.3): may the witness of `v` cosign `cp`? Pure: reads only `cp`
 * and the view. Checks in this order, and returns the first refusal:
 *
 *   RN_ETIME        "checkpoint.time": |cp time - now| > PROTO_WITNESS_SKEW_MS
 *   RN_EINCONSISTENT "checkpoint.signer": the signer is the witness itself
 *   RN_EROSTER      "checkpoint.signer": the signer is not a member
 *   RN_ESIG         "checkpoint.signature": the signer's signature does not verify
 *   then for each head i, the first of (d->index = i + 1):
 *   RN_EFORK        "checkpoint.heads.author": the witness holds fork evidence of the author
 *   RN_EFORK        "checkpoint.heads.id": it holds another entry at that seq (the caller keeps
 *                   the checkpoint as evidence and never cosigns it)
 *   then, no head being refused so, the first head with:
 *   RN_ESEQ         "checkpoint.heads.seq": seq below the last head of the author it cosigned
 *   then the first head with:
 *   RN_EGAP         "checkpoint.heads.seq": it does not hold the entry yet (fetch, then ask
 *                   again)
 * A split view is so found in every head, whatever else is wrong with the checkpoint.
 *
 * Returns 0 (cosign, with time now_ms), one of the above, or a callback's error. On 0 the caller
 * cosigns (proto_cosig_make over cp->hash at now_ms) and records, durably and before it sends the
 * cosignature, each head's seq as its author's last cosigned seq: this function changes nothing.
 */
RN_MUST_USE int proto_witness_decide(const proto_witness_view *v, const proto_checkpoint *cp,
                                     rn_diag *d);

/* ---- Witnessed proof bundles (version 2, PROTOCOL.md 5.5) ---- */

/* What the verifier of a witnessed bundle asks. */
typedef struct proto_witness_req {
    uint32_t witnesses;  /* cosignatures by members other than the signer, at least */
    uint64_t max_age_ms; /* a checkpoint's time is at least now - max_age; UINT64_MAX: any */
    uint64_t now_ms;     /* the verifier's clock (only read with a max_age) */
} proto_witness_req;

/*
 * Reads the checkpoints of a witnessed bundle at `c` into p->checkpoints (proto_proof_decode calls
 * it after the entries): an array of 1 .. RN_PROOF_CHECKPOINTS_MAX byte strings (RN_ECOUNT), each
 * at most RN_CHECKPOINT_BYTES_MAX (RN_ETOOBIG), together at most RN_PROOF_CHECKPOINTS_BYTES_MAX
 * (RN_ETOOBIG), in strictly ascending byte order (RN_EFIELDORDER; RN_EDUPLICATE for one twice).
 * Their contents are checked by proto_proof_checkpoints_check. `d`: "proof.checkpoints" and
 * d->index 1 + the position.
 */
RN_MUST_USE int proto_proof_checkpoints_read(mp_cur *c, proto_proof *p, rn_diag *d);

/*
 * The checkpoint rules of a version-2 bundle that proto_proof_verify has verified (p borrows it):
 *
 *  - each checkpoint decodes (proto_checkpoint_decode) and verifies against `roster`
 *    (proto_checkpoint_verify): their errors, with the field they name ("checkpoint.signature")
 *    and d->index 1 + the checkpoint's position in the bundle;
 *  - no checkpoint holds, for an author of the entries, the seq of an entry with another id:
 *    RN_EFORK, "witness.id", d->index the entry's position + 1;
 *  - every author of the entries is covered by some checkpoint: its head of that author is at or
 *    above every seq of the author in the bundle, it has at least req->witnesses counted
 *    cosignatures, and its time is at least now - max_age. When none covers an author, with
 *    d->index 1 + the position of the author's first entry: RN_EWITNESS "witness.heads" (no
 *    checkpoint names the author at or above its entries), RN_EWITNESS "witness.cosignatures"
 *    (those that do have too few witnesses), RN_ETIME "witness.time" (those are all stale).
 *
 * A version-1 bundle is RN_EWITNESS ("proof.checkpoints"). `req` NULL: no witness and no age
 * asked (the form, the signatures and the coverage are still checked); proto_proof_verify calls
 * it so for every version-2 bundle.
 *
 * Returns 0, those errors, or RN_ENOMEM. `oldest_ms`, when not NULL, receives the bundle's
 * freshness: over the authors of the entries, the oldest of the times of the newest checkpoint
 * that covers each.
 */
RN_MUST_USE int proto_proof_checkpoints_check(const proto_proof *p, const proto_roster *roster,
                                              const proto_witness_req *req, uint64_t *oldest_ms,
                                              rn_diag *d);

/*
 * Builds the witnessed bundle (version 2) of the version-1 bundle v1[0..v1_len) and the signed
 * checkpoints cps[0..n) (1 .. RN_PROOF_CHECKPOINTS_MAX, each the exact bytes of one, which must
 * decode; they are written sorted by their bytes) and appends it to `b`. Checks form only (no
 * signature; the verifier does). Returns 0, RN_EVERSION (v1 is not version 1), the errors of
 * proto_proof_decode, RN_ECOUNT, RN_EDUPLICATE (one checkpoint twice), RN_ETOOBIG, the errors of
 * proto_checkpoint_decode, RN_ENOMEM. On failure b->len is as it was.
 */
RN_MUST_USE int proto_proof_witnessed_encode(const uint8_t *v1, size_t v1_len, const proto_str *cps,
                                             uint32_t n, mp_buf *b, rn_diag *d);

/* ---- Signed answers (PROTOCOL.md 16.5) ---- */

typedef struct proto_signed_answer {
    uint8_t signer[PROTO_KEY_BYTES];
    uint64_t time_ms;
    const uint8_t *answer; /* borrows the decoded buffer: one canonical MessagePack value */
    size_t answer_len;     /* 1 .. RN_ANSWER_BYTES_MAX */
    uint8_t sig[PROTO_SIG_BYTES];
} proto_signed_answer;

/* Appends [1, signer, time, answer, signature] signed with sk (whose public key is the signer).
 * Returns 0, RN_EINVAL (answer not one canonical MessagePack value, or empty), RN_ETOOBIG
 * (answer over RN_ANSWER_BYTES_MAX), RN_ETIME, or the buffer's error. */
RN_MUST_USE int proto_answer_sign(const uint8_t *answer, size_t answer_len, uint64_t time_ms,
                                  const uint8_t sk[PROTO_SK_BYTES], mp_buf *b);

/* Decodes a signed answer strictly (RN_ETOOBIG, the cursor's errors, RN_ECOUNT, RN_EVERSION,
 * RN_EKEY, RN_ETIME, RN_ELEN (empty answer), RN_EINVAL-free: an answer that is not one canonical
 * MessagePack value gives the cursor's error or RN_ETRAILING at "answer.answer", RN_ETRAILING).
 * Verifies nothing. */
RN_MUST_USE int proto_answer_decode(proto_signed_answer *a, const uint8_t *buf, size_t len,
                                    rn_diag *d);

/* The signer is a member of `roster` (RN_EROSTER; NULL roster: any key) and the signature
 * verifies (RN_ESIG). */
RN_MUST_USE int proto_answer_verify(const proto_signed_answer *a, const proto_roster *roster,
                                    rn_diag *d);

/* The gateway's headers: sig = Ed25519(sk, "recnet answer json v1" || H(json) || be64(time)). */
void proto_answer_json_sign(const uint8_t *json, size_t len, uint64_t time_ms,
                            const uint8_t sk[PROTO_SK_BYTES], uint8_t sig[PROTO_SIG_BYTES]);
RN_MUST_USE int proto_answer_json_verify(const uint8_t *json, size_t len, uint64_t time_ms,
                                         const uint8_t pk[PROTO_KEY_BYTES],
                                         const uint8_t sig[PROTO_SIG_BYTES]);

#endif /* RN_CHECKPOINT_H */
