/*
 * roster.h: the federation roster in memory: who may connect, and who may author what.
 *
 * A federation is a fixed list of members, each an Ed25519 public key with a role:
 *
 *   - an authority is the recognition authority of one of the 30 countries. It authors one log,
 *     and every identifier in its entries must carry its country's prefix. A country has at most
 *     one authority, so "the authority of FR" is well defined (it is what a proof of a French
 *     decision is checked against).
 *   - a mirror is a read-only replica (a verifier's own copy, a backup at another site). It may
 *     connect and replicate but authors nothing: an entry signed by a mirror's key is refused.
 *     A mirror may name the country of its operator, or none; the country of a mirror is a label
 *     for operators and grants nothing, so any number of mirrors may share a country, including
 *     the country of an authority.
 *
 * The roster is a sorted array with binary search by key (the lookup every received entry and
 * every proof does), and a 26 x 26 table from country code to its authority, so both lookups are
 * constant or logarithmic and never allocate. The array is allocated once at init for the bound the
 * caller names and never grows. Members are added at start-up; nothing is ever removed (a changed
 * federation is a new roster).
 *
 * Network addresses are not here: they belong to the node's roster file, which arrives with the
 * node. What is here is what a proof verifier needs, plus a canonical MessagePack encoding of it
 * (PROTOCOL.md, "Roster"), which the CLI uses to hand a roster to an offline verifier.
 *
 * Not thread-safe for writers; any number of readers may share a roster that is no longer added to.
 */
#ifndef RN_ROSTER_H
#define RN_ROSTER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"
#include "limits.h"
#include "mp.h"

/* A member's role. The numbers are on the wire (roster encoding). */
typedef enum proto_role {
    PROTO_ROLE_AUTHORITY = 1, /* authors the log of its country */
    PROTO_ROLE_MIRROR = 2,    /* replicates, authors nothing */
} proto_role;

/* Returns "authority", "mirror", or NULL for a number that is not a role. Static string. */
const char *proto_role_name(int role);

typedef struct proto_member {
    uint8_t key[PROTO_KEY_BYTES]; /* Ed25519 public key, a valid point */
    char country[3];              /* canonical alpha-2 ("GR", never "EL") and a NUL; "" for a
                                     mirror that names no country; never "" for an authority */
    proto_role role;
} proto_member;

typedef struct proto_roster {
    proto_member *members;       /* owned (borrowed by a view), `max` slots; members[0..count)
                                    sorted by key */
    size_t count;                /* 0 .. max */
    size_t max;                  /* 1 .. RN_ROSTER_MEMBERS_MAX, fixed at init */
    uint16_t authority[26 * 26]; /* by country letters: 1 + index of its authority, 0 for none */
    bool view;                   /* members belong to another roster (proto_roster_view) */
} proto_roster;

/*
 * Initialises an empty roster that will hold at most `members_max` members, allocating its array.
 * Returns 0, or RN_EINVAL (members_max is 0 or above RN_ROSTER_MEMBERS_MAX), RN_ENOMEM. On failure
 * `r` needs no proto_roster_free (calling it is harmless).
 */
RN_MUST_USE int proto_roster_init(proto_roster *r, size_t members_max);

/* Frees the array of an initialised roster (not `r` itself) and leaves it empty with max 0. */
void proto_roster_free(proto_roster *r);

/*
 * Adds a member. `country[0..country_len)` is a country code: one of the 30 (upper case; the
 * alias "EL" is stored as "GR"), required for an authority, optional for a mirror (country_len
 * 0). The key is copied.
 *
 * Returns 0, or RN_EINVAL (role is not a proto_role), RN_ECOUNTRY (an authority without a country,
 * or a code that is not one of the 30), RN_EKEY (the key is not a valid Ed25519 public key: see
 * proto_key_text_parse), RN_EDUPLICATE (the key is already a member, in any role, or the country
 * already has an authority), RN_ECOUNT (the roster holds `max` members already), RN_EINVAL (r is
 * a view: proto_roster_view). On failure the roster is unchanged. Invalidates member pointers
 * returned earlier.
 */
RN_MUST_USE int proto_roster_add(proto_roster *r, const char *country, size_t country_len,
                                 proto_role role, const uint8_t key[PROTO_KEY_BYTES]);

/*
 * Makes `view` a read-only view of `src`: the same members, neither copied nor validated again
 * (every member of a roster was validated when it was added). Many replicas in one process can so
 * share one roster validated once (recnet-sim's nodes). `src` must stay alive and must not be
 * added to while the view is used. proto_roster_add on a view returns RN_EINVAL; proto_roster_free
 * on a view only forgets it (src keeps its members).
 */
void proto_roster_view(proto_roster *view, const proto_roster *src);

/*
 * Copies the members of `src` into `dst`, which must be initialised and empty, without validating
 * them again. Returns 0, or RN_EINVAL (dst not empty, or a view), RN_ECOUNT (src has more members
 * than dst->max); on failure dst is unchanged.
 */
RN_MUST_USE int proto_roster_copy(proto_roster *dst, const proto_roster *src);

/* Returns the member whose key is `key`, or NULL. The pointer borrows the roster and is valid
 * until the next proto_roster_add or proto_roster_free. O(log n). */
const proto_member *proto_roster_find(const proto_roster *r, const uint8_t key[PROTO_KEY_BYTES]);

/* Returns the authority of country `country[0..len)` ("FR"; "EL" finds Greece's), or NULL if the
 * country has none or the code is not two upper-case letters. Same lifetime as proto_roster_find.
 * O(1). */
const proto_member *proto_roster_authority(const proto_roster *r, const char *country, size_t len);

/*
 * Appends the roster's canonical encoding to `b`: an array of its members in ascending key
 * order, each [country str (2 bytes, or 0 for a mirror without one), role uint, key bin 32].
 * Returns 0 or the error latched in `b` (RN_ETOOBIG, RN_ENOMEM).
 */
RN_MUST_USE int proto_roster_encode(const proto_roster *r, mp_buf *b);

/*
 * Decodes the canonical encoding buf[0..len) into `r`, which must be initialised and empty; its
 * bound applies. Strict: canonical MessagePack, members in strictly ascending key order, each a
 * 3-element array of the types above, a country that is canonical ("EL" is refused here, as
 * every non-canonical spelling is), and nothing after the array.
 *
 * Returns 0, or the cursor's errors (RN_ETRUNCATED, RN_ETYPE, RN_ENONCANON, RN_EMALFORMED),
 * RN_ETRAILING, RN_ECOUNT (more members than r->max, or a member that is not a 3-element array),
 * RN_ELEN (a key of another length), RN_EINVAL (r not empty), RN_EFIELDORDER (keys not ascending),
 * RN_EENUM (unknown role), and the errors of proto_roster_add; `d` (may be NULL) names the field
 * ("roster.country", "roster.role", "roster.key") and in d->index 1 + the member's position. On
 * failure `r` holds the members decoded before the fault: free it or discard it.
 */
RN_MUST_USE int proto_roster_decode(proto_roster *r, const uint8_t *buf, size_t len, rn_diag *d);

#endif /* RN_ROSTER_H */
