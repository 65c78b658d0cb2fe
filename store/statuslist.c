/*
 * statuslist.c: a provider's revocations as the bits of its status list (statuslist.h), read
 * from its authority's log with the public store API.
 */
#include "store/statuslist.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "proto/entry.h"
#include "store/store_internal.h"

/* Stops the walk (not an error) at the first entry stamped after `at`. */
#define WALK_PAST_AT 1

typedef struct walk {
    store_read *r;
    proto_str provider;
    uint64_t at;
    const uint8_t *author;
    uint8_t *bits;
    store_status_counts c;
    proto_record *rec;
    uint8_t rid[PROTO_DIGEST_BYTES + RN_ID_BYTES_MAX];
} walk;

static int on_entry(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len)
{
    walk *w = ctx;
    proto_entry e;
    if (proto_entry_decode_known(&e, bytes, len) != 0)
        return RN_ECORRUPT;
    /* Past its author's cut-off (store.h, "Authors by the governed roster"): kept as evidence,
     * out of the indexes, and no part of the list. */
    if (lineage_past_cut_entry(w->r->s, w->author, seq, e.timestamp_ms, bytes, len))
        return 0;
    if (e.timestamp_ms > w->at) {
        if (e.timestamp_ms < w->c.same_until_ms)
            w->c.same_until_ms = e.timestamp_ms;
        return WALK_PAST_AT;
    }
    w->c.last_ms = e.timestamp_ms;
    if (e.timestamp_ms > w->c.same_from_ms)
        w->c.same_from_ms = e.timestamp_ms;
    w->c.last_seq = seq;
    if (e.kind != PROTO_KIND_REVOCATION)
        return 0;
    if (proto_record_decode(w->rec, e.kind, e.body, e.body_len, NULL) != 0)
        return RN_ECORRUPT;
    const proto_revocation *v = &w->rec->u.revocation;
    if (!proto_str_eq(v->provider, w->provider))
        return 0;
    /* Is this entry the revocation's latest version as of at? */
    memcpy(w->rid, v->credential, PROTO_DIGEST_BYTES);
    memcpy(w->rid + PROTO_DIGEST_BYTES, v->provider.ptr, v->provider.len);
    store_version ver;
    int rc = store_version_get(w->r, PROTO_KIND_REVOCATION, w->rid,
                               PROTO_DIGEST_BYTES + v->provider.len, w->at, &ver);
    if (rc == RN_ENOTFOUND)
        return RN_ECORRUPT; /* the index covers every entry (store_query_begin) */
    RN_TRY(rc);
    if (ver.seq != seq || memcmp(ver.author, w->author, PROTO_KEY_BYTES) != 0)
        return 0; /* a later version, or another branch of a fork, is in force */
    if (v->revoked_at_ms > w->at) {
        if (v->revoked_at_ms < w->c.same_until_ms)
            w->c.same_until_ms = v->revoked_at_ms;
        return 0; /* not yet in force */
    }
    if (v->revoked_at_ms > w->c.same_from_ms)
        w->c.same_from_ms = v->revoked_at_ms;
    w->c.revocations++;
    if (!v->has_status_index)
        return 0;
    RN_ASSERT(v->status_index <= RN_STATUS_INDEX_MAX);
    w->c.indexed++;
    uint8_t *byte = &w->bits[v->status_index / 8u];
    uint8_t bit = (uint8_t)(0x80u >> (v->status_index % 8u));
    if ((*byte & bit) == 0)
        w->c.set++;
    *byte |= bit;
    return 0;
}

int store_status_bits(store_read *r, proto_str provider, uint64_t at_ms,
                      uint8_t bits[STORE_STATUS_BYTES], store_status_counts *counts)
{
    memset(bits, 0, STORE_STATUS_BYTES);
    if (counts != NULL)
        memset(counts, 0, sizeof(*counts));
    if (proto_id_check(provider.ptr, provider.len) != 0)
        return RN_EID;
    /* Every key that held the authority role for the provider's country: a log continued under
     * a rotated key, or an earlier authority's revocations that stay in force. */
    const uint8_t *keys[64];
    size_t nk = store_lineage_keys(r->s, (const char *)provider.ptr, keys, 64);
    if (nk > 64)
        nk = 64;
    if (nk == 0) {
        if (counts != NULL)
            counts->same_until_ms = UINT64_MAX;
        return 0;
    }
    walk w;
    memset(&w, 0, sizeof(w));
    w.r = r;
    w.provider = provider;
    w.at = at_ms;
    w.bits = bits;
    w.c.same_until_ms = UINT64_MAX;
    w.rec = malloc(sizeof(*w.rec));
    if (w.rec == NULL)
        return RN_ENOMEM;
    const proto_member *m = proto_roster_authority(&r->s->roster, (const char *)provider.ptr, 2);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nk; i++) {
        store_head h;
        int hrc = store_head_get(r, keys[i], &h);
        if (hrc == RN_ENOTFOUND)
            continue;
        if (hrc != 0) {
            rc = hrc;
            break;
        }
        /* The head and last entry reported are the authority's in force (or the last walked). */
        uint64_t last_seq = w.c.last_seq, last_ms = w.c.last_ms;
        bool current = m != NULL && memcmp(m->key, keys[i], PROTO_KEY_BYTES) == 0;
        w.author = keys[i];
        w.c.last_seq = 0;
        size_t got = 0;
        rc = store_entries_range(r, keys[i], 1, SIZE_MAX, SIZE_MAX, on_entry, &w, &got);
        if (rc == WALK_PAST_AT)
            rc = 0;
        if (current || m == NULL) {
            w.c.head_seq = h.seq;
        } else {
            w.c.last_seq = last_seq;
            w.c.last_ms = last_ms;
        }
    }
    free(w.rec);
    if (rc != 0) {
        memset(bits, 0, STORE_STATUS_BYTES);
        return rc;
    }
    if (counts != NULL)
        *counts = w.c;
    return 0;
}
