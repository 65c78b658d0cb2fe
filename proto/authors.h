/*
 * authors.h: who may author an entry, read from a verified governed roster (PROTOCOL.md 2,
 * "Identity of authors", and 4.4).
 *
 * Logs are keyed by the signing key. A governed roster changes which keys may sign: members join
 * and leave, an authority's key is rotated (planned) or replaced as compromised, a set op moves a
 * key to another role or country. The author table folds a chain's key periods into one row per
 * key that ever was a member: its countries as an authority, whether it is in the current roster,
 * its lineage (the key it was rotated from and the key it was rotated to), and its cut-off, past
 * which its entries are refused:
 *
 *  - compromised (op 5): entries with seq above the op's last_seq (and at last_seq, any other id
 *    than the op's last_id);
 *  - rotated (op 4, planned): entries with seq above the last_seq of the succession the new key
 *    published (kind 8), once that is known; until then every entry (its holder is honest and
 *    stopped writing when the rotation took effect);
 *  - removed (op 2), or no longer an authority (op 3 to mirror): entries with a timestamp after
 *    the issued_at of the change that ended its last authority period.
 *
 * Store ingest and proof verification ask the same question (proto_authors_entry_check), so an
 * old proof made under a key since rotated verifies against the chain, and an entry of a
 * compromised key past its cut fails everywhere with RN_ESUPERSEDED.
 *
 * A table is immutable once built; any number of readers may share it. Nothing here does I/O or
 * reads the clock.
 */
#ifndef RN_AUTHORS_H
#define RN_AUTHORS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"
#include "record.h"
#include "roster.h"
#include "rosterchain.h"

/* One key that was a member at some version. */
typedef struct proto_author {
    uint8_t key[PROTO_KEY_BYTES];
    char country[3];    /* the country of its last authority period ("" if never an authority;
                           else a mirror's optional country) */
    proto_role role;    /* the role of its last period */
    bool current;       /* in the roster of the chain's last version */
    bool was_authority; /* held the authority role in some period */
    bool has_prev, has_next;
    uint8_t prev[PROTO_KEY_BYTES]; /* has_prev: the key it was rotated from (op 4 or 5) */
    uint8_t next[PROTO_KEY_BYTES]; /* has_next: the key it was rotated to */
    proto_rc_end end;              /* why its last period ended; PROTO_RC_END_NONE while in force */
    uint64_t end_version, end_at;  /* the change that ended it, and its issued_at (0: none) */
    uint64_t cut_seq;              /* has_cut (compromised): the last trusted entry */
    uint8_t cut_id[PROTO_ID_BYTES];
    bool has_cut;
    bool has_time_cut;    /* removed, or no longer an authority: entries stamped after time_cut */
    uint64_t time_cut;    /* are refused */
    uint32_t countries;   /* index in proto_authors.countries of its first authority country */
    uint32_t countries_n; /* how many distinct countries it held the authority role for */
} proto_author;

typedef struct proto_authors {
    proto_author *v; /* sorted by key (memcmp) */
    size_t n;
    char (*countries)[3]; /* the authority countries of every author, each author's in a run */
    size_t countries_n;
    uint64_t version; /* the chain's last version (1 for a table from a roster) */
} proto_authors;

/* The cut of a planned rotation when no succession of the new key is known yet. */
#define PROTO_AUTHORS_NO_CUT UINT64_MAX

/* Builds `a` (uninitialised) from a verified chain: every key of every period. Returns 0 or
 * RN_ENOMEM (then `a` needs no free). */
RN_MUST_USE int proto_authors_build(proto_authors *a, const proto_rosterchain *ch);

/* Builds a genesis-only table from a fixed roster (a node or a verifier without a chain): every
 * member current, nothing rotated, nothing cut. Returns 0 or RN_ENOMEM. */
RN_MUST_USE int proto_authors_from_roster(proto_authors *a, const proto_roster *r);

/* Frees what the table owns (not `a`) and zeroes it. Safe on a zeroed table. */
void proto_authors_free(proto_authors *a);

/* The row of `key`, or NULL when it never was a member. Borrowed from `a`. */
const proto_author *proto_authors_find(const proto_authors *a, const uint8_t key[PROTO_KEY_BYTES]);

/*
 * May entry `e` be accepted (its signature is the caller's to check)? In this order:
 *  RN_EROSTER      the author never was a member;
 *  RN_EROLE        it never held the authority role;
 *  RN_EINCONSISTENT ("succession") a key that came by rotation whose entry at seq 1 is not a
 *                  succession, or a succession anywhere but seq 1 or by a key that did not come
 *                  by rotation; with `r`, a succession that names another predecessor
 *                  ("succession.predecessor"), or, after a compromised rotation, another
 *                  (last_seq, last_id) than the op's ("succession.last_seq");
 *  RN_ESUPERSEDED  ("entry.seq") past a compromised key's last trusted entry (seq above
 *                  cut_seq, or another id at cut_seq), or past `succ_cut` for a key rotated
 *                  as planned (`succ_cut` is the last_seq of the succession the next key
 *                  published, PROTO_AUTHORS_NO_CUT while none is known; ignored for other
 *                  keys); ("entry.timestamp") stamped after the time its last authority period
 *                  ended by removal or by a set op to mirror;
 *  with `r` (the decoded body, may be NULL): RN_EPREFIX when its identifiers carry none of the
 *                  countries the key held the authority role for (proto_record_check_author),
 *                  and RN_EINCONSISTENT ("roster.change") for a roster record (kind 7) that its
 *                  author did not sign (proto_record_check_signer).
 * On success *country (may be NULL) points at the author's country for this entry, NUL-
 * terminated, borrowed from `a`: the one the record's identifiers carry, or without `r` the
 * country of the key's last authority period.
 */
RN_MUST_USE int proto_authors_entry_check(const proto_authors *a, const proto_entry *e,
                                          const proto_record *r, uint64_t succ_cut,
                                          const char **country, rn_diag *d);

/* True if `key` held the authority role for `country` (two letters) in some period: the lineage
 * of that country's authority, whose decisions and policies speak for it. */
bool proto_authors_is_authority_of(const proto_authors *a, const uint8_t key[PROTO_KEY_BYTES],
                                   const char country[2]);

#endif /* RN_AUTHORS_H */
