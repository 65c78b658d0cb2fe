/*
 * rosterchain.h: the governed roster (PROTOCOL.md section 4.4): a genesis roster agreed out of
 * band, then a hash chain of changes, each taking effect when a quorum of the authorities of the
 * roster before it have signed it.
 *
 * A chain is verified offline, from bytes alone: the genesis document (version 1: the members of
 * section 4.3, the quorum rule and the federation's name), then each change document in turn
 * (version n: prev = H(body of version n - 1), the ops, the time of issue, and the signatures of
 * authorities of version n - 1). Nothing here does I/O or reads the clock.
 *
 * What a verified chain keeps is the history of every key rather than a roster per version: a
 * list of periods, each one key in one role and country from the version it took effect to the
 * version that ended it (a removal, a change of role or country, a rotation). The roster in force
 * at any version, and the key history of an authority (which key was valid from which version,
 * and for a key replaced as compromised the last of its entries still trusted), are both read
 * from that list, so a later check of an old proof can use the roster of its time. The list grows
 * with the chain, up to RN_ROSTERCHAIN_PERIODS_MAX periods; the chain holds at most
 * RN_ROSTERCHAIN_VERSIONS_MAX versions.
 *
 * Not thread-safe for writers; any number of readers may share a chain that is not applied to.
 */
#ifndef RN_ROSTERCHAIN_H
#define RN_ROSTERCHAIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"
#include "mp.h"
#include "roster.h"

/* Bounds of the governed roster: RN_ROSTERCHAIN_* in limits.h. */

/* The domain of the signed message: "recnet roster change v1" (23 bytes, no terminator). */
#define PROTO_ROSTERCHAIN_DOMAIN     "recnet roster change v1"
#define PROTO_ROSTERCHAIN_DOMAIN_LEN 23u

/* The quorum rule: 0 is "a majority of the authorities in force" (floor(a / 2) + 1); 1 .. 30 a
 * fixed number of authorities, never more than there are. */
#define PROTO_QUORUM_MAJORITY 0u

/* The ops of a change. The numbers are on the wire. */
typedef enum proto_rc_optype {
    PROTO_RC_ADD = 1,                /* [1, country, role, key]: a new member */
    PROTO_RC_REMOVE = 2,             /* [2, key]: a member leaves */
    PROTO_RC_SET = 3,                /* [3, key, country, role]: a member's new role and country */
    PROTO_RC_ROTATE = 4,             /* [4, key, new key]: planned; the old key signs too */
    PROTO_RC_ROTATE_COMPROMISED = 5, /* [5, key, new key, last seq, last id]: by the quorum */
    PROTO_RC_QUORUM = 6,             /* [6, quorum]: the new quorum rule */
} proto_rc_optype;

/* Returns "add", "remove", "set", "rotate", "rotate-compromised", "quorum", or NULL. Static. */
const char *proto_rc_op_name(int type);

typedef struct proto_rc_op {
    proto_rc_optype type;
    uint8_t key[PROTO_KEY_BYTES];     /* the member the op is about (add: the new member) */
    uint8_t new_key[PROTO_KEY_BYTES]; /* rotations: the authority's new key */
    char country[3];                  /* add, set: canonical code and NUL, "" for none */
    proto_role role;                  /* add, set */
    uint64_t last_seq;                /* compromised: last trusted entry's seq, 0 .. RN_SEQ_MAX
                                         (0: no entry of the old key is trusted) */
    uint8_t last_id[PROTO_ID_BYTES];  /* compromised: its id (zero when last_seq is 0) */
    uint64_t quorum;                  /* quorum: PROTO_QUORUM_MAJORITY or 1 .. 30 */
} proto_rc_op;

typedef struct proto_rc_sig {
    uint8_t key[PROTO_KEY_BYTES]; /* an authority of the roster before the change */
    uint8_t sig[PROTO_SIG_BYTES]; /* over DOMAIN || H(body) */
} proto_rc_sig;

/* A change document in memory (about 7 KB: keep it off small stacks). */
typedef struct proto_rc_change {
    uint64_t version;             /* 2 .. RN_ROSTERCHAIN_VERSIONS_MAX */
    uint8_t prev[PROTO_ID_BYTES]; /* H(body of version - 1); H(genesis) for version 2 */
    uint64_t issued_at;           /* ms since the epoch, at most RN_TIME_MS_MAX */
    uint32_t ops_n;               /* 1 .. RN_ROSTERCHAIN_OPS_MAX */
    proto_rc_op ops[RN_ROSTERCHAIN_OPS_MAX];
    uint32_t sigs_n; /* 0 .. RN_ROSTERCHAIN_SIGS_MAX, in ascending key order */
    proto_rc_sig sigs[RN_ROSTERCHAIN_SIGS_MAX];
} proto_rc_change;

/* Why a key period ended. The numbers are not on the wire. */
typedef enum proto_rc_end {
    PROTO_RC_END_NONE = 0,        /* still in force */
    PROTO_RC_END_REMOVED = 1,     /* the member left */
    PROTO_RC_END_SET = 2,         /* the same key goes on in another role or country */
    PROTO_RC_END_ROTATED = 3,     /* planned rotation: `next` goes on, history intact */
    PROTO_RC_END_COMPROMISED = 4, /* compromised: trusted up to (last_seq, last_id) only */
} proto_rc_end;

/* One key in one role and country over a range of versions. */
typedef struct proto_rc_period {
    uint8_t key[PROTO_KEY_BYTES];
    char country[3];
    proto_role role;
    uint64_t from;  /* first version in force */
    uint64_t until; /* first version no longer in force; 0 while in force */
    proto_rc_end end;
    uint8_t next[PROTO_KEY_BYTES]; /* rotations: the key that replaced it */
    uint64_t last_seq;             /* COMPROMISED: the last trusted entry (0: none) */
    uint8_t last_id[PROTO_ID_BYTES];
} proto_rc_period;

/* What a chain records of each version. */
typedef struct proto_rc_version {
    uint8_t hash[PROTO_ID_BYTES]; /* H(genesis) for version 1, else H(body) */
    uint64_t issued_at;
    uint64_t quorum;  /* the rule in force from this version (PROTO_QUORUM_MAJORITY or k) */
    uint32_t signers; /* distinct authorities whose signatures were counted (0 for genesis) */
} proto_rc_version;

typedef struct proto_rosterchain {
    char federation[RN_ROSTERCHAIN_FEDERATION_BYTES_MAX + 1]; /* UTF-8, NUL-terminated */
    proto_roster current;       /* the roster of the last version, max RN_ROSTER_MEMBERS_MAX */
    proto_rc_version *versions; /* owned; versions[v - 1] for version v */
    size_t versions_n, versions_cap;
    proto_rc_period *periods; /* owned; in the order they began, at most PERIODS_MAX */
    size_t periods_n, periods_cap;
} proto_rosterchain;

/* ---- Genesis ---- */

/*
 * Appends the genesis document to `b`: [1, federation, quorum, issued_at, members (4.3)].
 * Returns 0, RN_ELEN (federation empty or over the bound), RN_EUTF8 (not UTF-8, or a control
 * character), RN_ECOUNT (no authority, or a quorum above the number of authorities or above 30),
 * RN_ETIME, or the buffer's error.
 */
RN_MUST_USE int proto_rosterchain_genesis_encode(const char *federation, size_t federation_len,
                                                 uint64_t quorum, uint64_t issued_at,
                                                 const proto_roster *members, mp_buf *b);

/*
 * Starts `ch` (uninitialised) from the genesis document buf[0..len): strict as 4.3, every field
 * checked. Returns 0, or the cursor's errors, RN_ECOUNT (not a 5-element array; no authority; a
 * quorum above the authorities), RN_EVERSION (version not 1), RN_ELEN / RN_EUTF8 (federation),
 * RN_ETIME (issued_at), the errors of proto_roster_decode for the members, RN_ETRAILING,
 * RN_ENOMEM; `d` names the field ("genesis.quorum", "roster.key", ...). On failure `ch` needs
 * no proto_rosterchain_free (calling it is harmless).
 */
RN_MUST_USE int proto_rosterchain_init(proto_rosterchain *ch, const uint8_t *buf, size_t len,
                                       rn_diag *d);

/* Frees what the chain owns (not `ch` itself) and zeroes it. */
void proto_rosterchain_free(proto_rosterchain *ch);

/* The last version of the chain (1 after init). */
uint64_t proto_rosterchain_version(const proto_rosterchain *ch);

/* The number of signatures a change needs when the roster in force has `authorities`
 * authorities under rule `quorum`. */
uint32_t proto_rosterchain_quorum_need(uint64_t quorum, size_t authorities);

/* ---- Change documents ---- */

/* Appends the body [version, prev, issued_at, ops] of `c` to `b`. Returns 0 or the buffer's
 * error. Asserts the change is well-formed (as the decoder would accept it). */
RN_MUST_USE int proto_rosterchain_body_encode(const proto_rc_change *c, mp_buf *b);

/* Appends the change document [body, signatures] to `b`. Returns 0 or the buffer's error. */
RN_MUST_USE int proto_rosterchain_change_encode(const proto_rc_change *c, mp_buf *b);

/* Writes H(body of `c`) to `out`. Returns 0 or RN_ENOMEM. */
RN_MUST_USE int proto_rosterchain_change_hash(const proto_rc_change *c,
                                              uint8_t out[PROTO_ID_BYTES]);

/*
 * Decodes the change document buf[0..len) into `c`. Strict: canonical MessagePack, fixed arrays,
 * every field of the type and range of PROTOCOL.md 4.4, signatures in strictly ascending key
 * order, nothing after the document. Checks form only: no signature is verified and no roster
 * consulted. Returns 0, or the cursor's errors, RN_ETOOBIG (over CHANGE_BYTES_MAX), RN_ECOUNT (an
 * array of the wrong size; no ops or too many; too many signatures), RN_ESEQ (version below 2 or
 * above the bound), RN_ETIME, RN_EENUM (op type, role), RN_ECOUNTRY, RN_EKEY (not a valid
 * Ed25519 key), RN_ESEQ (last_seq over RN_SEQ_MAX), RN_EINCONSISTENT (last_id nil with a seq or
 * a seq without one), RN_EFIELDORDER / RN_EDUPLICATE (signature keys), RN_ETRAILING. `d` names
 * the field ("change.prev", "ops.key", "signatures.sig", ...) and in d->index 1 + the position
 * of the op or signature at fault.
 */
RN_MUST_USE int proto_rosterchain_change_decode(proto_rc_change *c, const uint8_t *buf, size_t len,
                                                rn_diag *d);

/*
 * Signs `c` with the secret key `sk` (libsodium's 64 bytes) whose public key is `pk`: adds the
 * signature in key order, replacing one by the same key. Returns 0, RN_ECOUNT (30 signatures
 * already, none by pk), RN_ENOMEM.
 */
RN_MUST_USE int proto_rosterchain_change_sign(proto_rc_change *c,
                                              const uint8_t sk[static PROTO_SK_BYTES],
                                              const uint8_t pk[static PROTO_KEY_BYTES]);

/*
 * Starts a change to follow the chain's last version: version, prev and issued_at set, no ops,
 * no signatures. `issued_at` must not be below the last version's (RN_ETIME).
 */
RN_MUST_USE int proto_rosterchain_change_start(const proto_rosterchain *ch, uint64_t issued_at,
                                               proto_rc_change *c);

/* ---- Verifying and applying ---- */

/*
 * Checks that `c` follows the chain (version, prev, issued_at) and that its ops apply to the
 * roster in force to a valid roster, without looking at signatures: what a proposer checks.
 * Errors: RN_ESEQ ("change.version": not the next version), RN_EPREV ("change.prev"), RN_ETIME
 * ("change.issued_at": before the last version's), RN_EROSTER ("ops.key": not a member),
 * RN_EROLE ("ops.key": a rotation of a non-authority), RN_EDUPLICATE ("ops.key" or
 * "ops.new_key": a key already a member, or named by two ops; "ops.quorum": two quorum ops;
 * "roster.country": two authorities of one country), RN_EINCONSISTENT ("ops.role": a set op that
 * changes nothing), RN_ECOUNT ("roster": over RN_ROSTER_MEMBERS_MAX members; "roster.authorities":
 * none left; "quorum": a fixed quorum above the authorities), RN_ECOUNTRY, RN_ENOMEM.
 */
RN_MUST_USE int proto_rosterchain_check(const proto_rosterchain *ch, const proto_rc_change *c,
                                        rn_diag *d);

/*
 * proto_rosterchain_check, then the signatures: each by an authority of the roster in force
 * (RN_EROSTER "signatures.key" for a non-member, RN_EROLE for a mirror) that verifies (RN_ESIG
 * "signatures.sig"); then at least quorum distinct authorities (RN_EQUORUM "change.signatures";
 * a key that signs twice counts once), and for each planned rotation the old key's signature
 * (RN_EMISSING "ops.key", index of the op). On success the change is the chain's new last
 * version; on failure the chain is unchanged. Also RN_ECOUNT when the chain is at its bounds.
 */
RN_MUST_USE int proto_rosterchain_apply(proto_rosterchain *ch, const proto_rc_change *c,
                                        rn_diag *d);

/* proto_rosterchain_change_decode then proto_rosterchain_apply. */
RN_MUST_USE int proto_rosterchain_apply_bytes(proto_rosterchain *ch, const uint8_t *buf, size_t len,
                                              rn_diag *d);

/*
 * Fills `out` (initialised, empty) with the roster in force at version `version` (1 .. the last).
 * Returns 0, RN_ENOTFOUND (no such version), RN_EINVAL (out not empty), RN_ECOUNT.
 */
RN_MUST_USE int proto_rosterchain_roster_at(const proto_rosterchain *ch, uint64_t version,
                                            proto_roster *out);

/* The quorum rule in force at `version`, or RN_ENOTFOUND (as a negative int64). */
int64_t proto_rosterchain_quorum_at(const proto_rosterchain *ch, uint64_t version);

/*
 * The key history of the member that held `key` at some version: the periods of its lineage,
 * oldest first, following rotations back to the first key and forward to the last (a member
 * whose key was never rotated has the periods of that one key: one, or more after set ops).
 * Writes at most `max` period pointers (borrowed from the chain, valid until the next apply or
 * free) to out and returns how many the lineage has (which may exceed max), or RN_ENOTFOUND.
 */
RN_MUST_USE int proto_rosterchain_history(const proto_rosterchain *ch,
                                          const uint8_t key[PROTO_KEY_BYTES],
                                          const proto_rc_period **out, size_t max);

#endif /* RN_ROSTERCHAIN_H */
