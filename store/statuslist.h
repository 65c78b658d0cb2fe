/*
 * statuslist.h: the revocations of one provider as the bits of its status list (PROTOCOL.md
 * 13.7): which statusListIndex values of the provider's credentials are revoked as of a time.
 *
 * A revocation (PROTOCOL.md 3.9) of record form 2 carries the credential's status_index; the
 * list as of `at` has bit i set when some revocation R of the provider has status_index i, R's
 * latest version as of `at` (14.1: the versions whose entries are stamped at or before `at`, the
 * greatest (timestamp, seq)) is that one, and its revoked_at is at most `at`: exactly the rule by
 * which verify (14.4) says "revoked". A later version of the same revocation (the same credential
 * digest and provider) replaces the earlier, its index too; a revocation dated after `at` sets
 * nothing yet. Revocations without an index are counted apart: a status list cannot carry them.
 *
 * Only the provider's own country's authority may revoke its credentials (3.11), so the walk
 * reads that authority's log alone, from the public store API: one pass over the entries of the
 * log stamped at or before `at` (timestamps never decrease along a log), a lookup in `versions`
 * for each revocation of the provider. Cost: about a microsecond per entry of that log; a
 * national log of 100,000 entries is read in some 0.1 s, which the callers (a control method,
 * the gateway behind it) accept for a document that verifiers fetch and cache.
 */
#ifndef RN_STORE_STATUSLIST_H
#define RN_STORE_STATUSLIST_H

#include <stdint.h>

#include "proto/limits.h"
#include "proto/record.h"
#include "store/store.h"

#define STORE_STATUS_BYTES (RN_STATUS_LIST_BITS / 8u)

/* What the walk found, beside the bits. */
typedef struct store_status_counts {
    uint32_t revocations; /* revocations of the provider in force as of at */
    uint32_t indexed;     /* of them, with a status_index (their bits are set) */
    uint32_t set;         /* distinct bits set (two revocations may name one index) */
    uint64_t last_ms;     /* the timestamp of the latest entry of the log read (<= at), 0 if none */
    uint64_t last_seq;    /* its seq */
    uint64_t head_seq;    /* the seq of the authority's head when read (0: no log) */
    /* The bits and counts are the same for every time in [same_from_ms, same_until_ms) as long
     * as the authority's log has the same head: from the last change at or before `at` (an entry
     * read, or a revocation coming in force) to the next one after it (the first entry past
     * `at`, or the earliest revoked_at after `at` of a revocation in its latest version);
     * same_until_ms is UINT64_MAX when nothing is known to change. A cache keyed by the
     * provider and head_seq may answer any time in that window with these bits. */
    uint64_t same_from_ms, same_until_ms;
} store_status_counts;

/*
 * Sets in bits[0 .. STORE_STATUS_BYTES) (cleared first) the status list of `provider` (an id) as
 * of at_ms, as above: bit i is bit 7 - i % 8 of byte i / 8 (the most significant bit first, as
 * the Bitstring Status List specification orders them). `r` is a read opened with
 * store_query_begin (the indexes must cover every entry). `counts` may be NULL.
 *
 * Returns 0 (a provider with no revocations, or whose country has no authority in the roster,
 * gives a list of zeros), or RN_EID (provider is not an id), RN_ECORRUPT (a stored entry or
 * record no longer decodes), RN_ENOMEM, RN_ESTORE.
 */
RN_MUST_USE int store_status_bits(store_read *r, proto_str provider, uint64_t at_ms,
                                  uint8_t bits[STORE_STATUS_BYTES], store_status_counts *counts);

#endif /* RN_STORE_STATUSLIST_H */
