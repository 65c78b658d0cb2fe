/*
 * proof.h: proof bundles: an answer to "how is this micro-credential recognised here?" together
 * with the signed entries it rests on, checkable offline by anyone who holds the roster
 * (DESIGN.md section 4, PROTOCOL.md "Proof bundles").
 *
 * A bundle is the canonical MessagePack array
 *
 *     [version, query, answer, entries]
 *
 * where query and answer are small maps with integer keys and entries is an array of byte strings,
 * each the exact bytes of one signed log entry. Entries are never re-encoded: each keeps the
 * author's signature, so a verifier needs to trust nobody but the roster, not even the node that
 * built the bundle. Entries appear in strictly ascending order of (author key bytes, seq), which
 * gives every bundle one spelling and makes a repeated entry impossible to miss.
 *
 * What a valid bundle proves: every entry was signed by the authority of its country in the roster;
 * the spec the query names exists as the bundle shows it, with its provider; and the entry the
 * answer names (a decision of the query's country, or one of its automatic-recognition policies)
 * says what the answer says, about this spec, for this purpose, at the time asked. What it does
 * not prove: that no later entry superseded the decision, or that no revocation exists when it
 * says "not revoked", since absence cannot be shown by signed entries alone; nor that the author
 * has not forked ("forked" is the producing node's statement; fork evidence is two signed entries
 * at one seq and travels on its own). These limits are stated in PROTOCOL.md so that a verifier's
 * user knows what a green light means.
 *
 * Decoding is zero-copy (a proto_proof borrows the bundle) and never allocates; verification
 * makes one heap allocation (the 4 decoded records it keeps, some 30 KiB, too much to take for
 * granted on a worker thread's stack) and costs one Ed25519 verification per entry.
 */
#ifndef RN_PROOF_H
#define RN_PROOF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"
#include "limits.h"
#include "mp.h"
#include "record.h"
#include "roster.h"
#include "rules.h" /* the rules of step 4, which the query engine applies too */

/* Bundle format version written by this implementation; decoders refuse every other. */
#define PROTO_PROOF_VERSION 1u
/* The witnessed bundle (PROTOCOL.md 5.5, proto/checkpoint.h): [2, query, answer, entries,
 * checkpoints], checkpoints an array of 1 .. RN_PROOF_CHECKPOINTS_MAX byte strings, each the exact
 * bytes of one signed checkpoint, in strictly ascending byte order, together at most
 * RN_PROOF_CHECKPOINTS_BYTES_MAX; the bundle at most RN_PROOF_WITNESSED_BYTES_MAX. */
#define PROTO_PROOF_VERSION_WITNESSED 2u

/* The result of a recognise query. The numbers are on the wire. */
#define PROTO_RESULT_MAP(X)                                                                        \
    X(DECISION, 1, "decision")   /* a decision of the country about the spec */                    \
    X(AUTOMATIC, 2, "automatic") /* one of the country's automatic-recognition policies */         \
    X(NO_DECISION, 3, "no_decision")

typedef enum proto_result {
#define PROTO_X_RESULT(name, num, str) PROTO_RESULT_##name = (num),
    PROTO_RESULT_MAP(PROTO_X_RESULT)
#undef PROTO_X_RESULT
} proto_result;

/* Returns "decision", "automatic", "no_decision", or NULL for another number. Static string. */
const char *proto_result_name(int result);

/* The number of result `name` ("decision" gives PROTO_RESULT_DECISION), or RN_EENUM for a name
 * that is not one, NULL included. */
RN_MUST_USE int proto_result_parse(const char *name);

/* The question: map {1: spec, 2: country, 3: purpose, 4: at, 5: credential, 6: valid_at}. */
typedef struct proto_proof_query {
    proto_str spec;            /* [1] required; a spec id ("IE:resa/mc-c012") */
    proto_str country;         /* [2] required; canonical alpha-2 of the recognising country */
    uint32_t purpose;          /* [3] required; PROTO_PURPOSE_... (BOTH asks for both at once) */
    uint64_t at_ms;            /* [4] required; the time the question is asked about */
    const uint8_t *credential; /* [5] optional; PROTO_DIGEST_BYTES digest of an issued credential
                                  when the question is about one; NULL when absent */
    bool has_valid_at;         /* [6] present: the question's valid time differs from at */
    uint64_t valid_at_ms;      /*     the time the records' dates are evaluated at (PROTOCOL.md
                                  14.1); when absent it is at. Never equal to at when present. */
} proto_proof_query;

/* The question's valid time: valid_at when present, else at. */
uint64_t proto_proof_valid_at(const proto_proof_query *q);

/* The answer: map {1: result, 2: outcome, 3: basis_author, 4: basis_seq, 5: forked, 6: revoked}. */
typedef struct proto_proof_answer {
    uint32_t result;             /* [1] required; PROTO_RESULT_... */
    uint32_t outcome;            /* [2] PROTO_OUTCOME_...; required unless no decision, then 0 */
    const uint8_t *basis_author; /* [3] PROTO_KEY_BYTES author of the decision or policy;
                                    required unless no decision, then NULL */
    uint64_t basis_seq;          /* [4] its seq, 1 .. RN_SEQ_MAX; required unless no decision,
                                    then 0 */
    bool forked;                 /* [5] required; the answer rests on an author known to have
                                    forked (the producer's statement, not proven by the bundle) */
    bool has_revoked;            /* [6] present exactly when the query names a credential */
    bool revoked;                /*     the credential is revoked as of `at` */
} proto_proof_answer;

/* A decoded bundle. Every pointer borrows the bundle's bytes (or, for proto_proof_encode's
 * input, the caller's). */
typedef struct proto_proof {
    proto_proof_query query;
    proto_proof_answer answer;
    uint32_t entries_n;                      /* 2 .. RN_PROOF_ENTRIES_MAX */
    proto_str entries[RN_PROOF_ENTRIES_MAX]; /* the exact bytes of each signed entry */
    /* Set by decode; not read by the encoders (proto_proof_witnessed_encode writes version 2). */
    uint32_t version;                                /* PROTO_PROOF_VERSION(_WITNESSED) */
    uint32_t checkpoints_n;                          /* 0, or 1 .. RN_PROOF_CHECKPOINTS_MAX */
    proto_str checkpoints[RN_PROOF_CHECKPOINTS_MAX]; /* the exact bytes of each checkpoint */
} proto_proof;

/*
 * Decodes the bundle buf[0..len) and checks its structure, but not its entries' contents or
 * signatures (that is proto_proof_verify): the size within RN_PROOF_BYTES_MAX, a 4-element array
 * in canonical form, version PROTO_PROOF_VERSION, the query and answer maps with their keys
 * strictly ascending, known, of their types and within their ranges, the answer's fields present
 * exactly as its result requires, 2 .. RN_PROOF_ENTRIES_MAX entries each a byte string of at most
 * RN_ENTRY_BYTES_MAX bytes, and nothing after the array.
 *
 * Returns 0, or RN_ETOOBIG, the cursor's errors (RN_ETRUNCATED, RN_ETYPE, RN_ENONCANON,
 * RN_EMALFORMED), RN_ETRAILING, RN_ECOUNT (array lengths), RN_EVERSION, RN_EFIELDORDER,
 * RN_EUNKNOWNFIELD, RN_EMISSING, RN_EINCONSISTENT (valid_at given equal to at; outcome or basis
 * given with no decision, or revoked given without a credential or missing with one), RN_EID and
 * RN_ELEN (the spec id), RN_ECOUNTRY, RN_EENUM (purpose, result, outcome), RN_ETIME, RN_ESEQ.
 * A 5-element array of version PROTO_PROOF_VERSION_WITNESSED is a witnessed bundle: its
 * checkpoints are read as proto_proof_checkpoints_read says (checkpoint.h). `d`
 * (may be NULL) names the field ("proof.query.country"; "proof.entries" with d->index = 1 +
 * position). On failure *p is unspecified.
 */
RN_MUST_USE int proto_proof_decode(proto_proof *p, const uint8_t *buf, size_t len, rn_diag *d);

/*
 * Verifies the bundle buf[0..len) offline against `roster`, trusting nothing else. Step by step
 * (PROTOCOL.md gives the same list):
 *
 *  1. proto_proof_decode.
 *  2. For each entry, in order: it decodes (proto_entry_decode); its (author, seq) is greater than
 *     the previous entry's (RN_EDUPLICATE if equal, RN_EFIELDORDER if smaller); its author is in
 *     the roster (RN_EROSTER) as an authority (RN_EROLE); its signature verifies (RN_ESIG); its
 *     body decodes as a record of its kind (proto_record_decode's errors); and its identifiers
 *     carry its author's country (RN_EPREFIX). d->index is 1 + the entry's position.
 *  3. Each entry fills exactly one role, and each role that the answer needs is filled exactly
 *     once: the spec (kind spec, id equal to the query's), its provider (kind provider, id equal
 *     to the spec's provider), the basis (the entry at (basis_author, basis_seq): a decision for a
 *     decision answer, a policy for an automatic one; none for no decision), and the revocation
 *     (kind revocation, for an answer that says revoked). Every role entry is dated at or before
 *     `at` (entry timestamp <= at: `at` is the time known at).
 *  4. The basis supports the answer: its author is the roster's authority of the query's country;
 *     its purpose covers the query's (equal, or "both"); its outcome is the answer's; it is valid
 *     at the valid time V (proto_proof_valid_at: valid_at when given, else at; valid_from <= V,
 *     and V < valid_until when there is one). A decision is about the
 *     query's spec. A policy is active and the spec meets its conditions: the provider's country
 *     is in its issuer countries (or it names none), the spec's EQF level is within its range (a
 *     spec without a level meets no range), the spec's ECTS are at least its minimum, the spec's
 *     QA type is "external" if it requires external QA, and the spec's ISCED-F code is under one
 *     of its prefixes (or it names none).
 *  5. A revocation names the query's credential and the spec's provider, revoked at or before V
 *     (proto_revoked_at).
 *  6. A witnessed bundle (version 2): proto_proof_checkpoints_check with no witnesses or age
 *     asked (checkpoint.h): each checkpoint verifies, none contradicts an entry, and each author
 *     of the entries is covered by one.
 *
 * Failures of steps 3-5 are RN_EPROOF with d->field naming what did not hold ("proof.spec",
 * "decision.outcome", "policy.isced_prefixes", ...) and d->index the entry's position + 1 where
 * one entry is to blame.
 *
 * `out`, when not NULL, receives the decoded bundle (borrowing buf), also on failure after step 1,
 * so that a CLI can show what the bundle claimed. Returns 0, the errors above, or RN_ENOMEM.
 */
RN_MUST_USE int proto_proof_verify(const uint8_t *buf, size_t len, const proto_roster *roster,
                                   proto_proof *out, rn_diag *d);

/*
 * Formats a diagnostic of proto_proof_decode or proto_proof_verify for people, with the position
 * of the entry at fault 1-based as PROTOCOL.md section 5.4 counts it: "entry 3: entry.signature:
 * signature does not verify" for the third entry, "proof.basis: proof does not support its answer"
 * when no single entry is to blame (d->index 0). (rn_diag_format would print "entry.signature[2]",
 * the 0-based list index of the control API, which reads as the wrong entry here.) `buf` is
 * always NUL-terminated when `len` > 0. Returns `buf`.
 */
char *proto_proof_diag_format(const rn_diag *d, char *buf, size_t len);

/*
 * Appends the canonical bundle for p->query, p->answer and the p->entries_n entries to `b`. The
 * entries may be given in any order: they are written sorted by (author, seq). The bytes of each
 * entry are copied as they are. Checks what it writes by decoding it (pair assertion); does not
 * verify signatures or roles (the producer holds no roster obligation; the verifier does).
 *
 * Returns 0, or RN_EINVAL (entries_n outside 2 .. RN_PROOF_ENTRIES_MAX, or an entry that does not
 * decode), RN_EDUPLICATE (two entries at one (author, seq)), the errors proto_proof_decode would
 * give the query or answer, RN_ETOOBIG or RN_ENOMEM from `b`. `d` (may be NULL) names the field.
 * On failure b->len is as it was.
 */
RN_MUST_USE int proto_proof_encode(const proto_proof *p, mp_buf *b, rn_diag *d);

/*
 * proto_proof_encode for entries the caller decoded strictly before and knows unchanged since (a
 * replica's entries, checked against their ids in the read that hands them out): only their
 * outline (author, seq, for the order) is read, with proto_entry_decode_known, instead of a
 * strict walk of every body. The same bytes out, the same errors (an entry without an entry's
 * outline is RN_EINVAL). Never use it on entries from the network.
 */
RN_MUST_USE int proto_proof_encode_held(const proto_proof *p, mp_buf *b, rn_diag *d);

#endif /* RN_PROOF_H */
