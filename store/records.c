/*
 * records.c: the store's cache of decoded records (store_internal.h, "Decoded records").
 *
 * A recognise decodes the same few records again and again: the provider of the spec asked
 * about, the country's policies, the decisions about popular specs. Strict decoding is most of
 * what such a record costs once its entry is read, and an entry never changes once written, so
 * the decoded record of an entry (author, seq) stays true for the life of the open store.
 *
 * The cache keeps, per slot, a copy of the entry's bytes and the record decoded from that copy
 * (every pointer of the record borrows the copy, never the LMDB map, whose pages move between
 * transactions). A slot is filled only from an entry store_entry_get has just checked against
 * its id, and it answers only a read that has just read and checked the same (author, seq) and
 * found the very same bytes (same length, every byte equal): the record handed out is then the
 * strict decode of the entry being read, so the integrity rule of store.h holds as for an
 * uncached read, and a damaged or repaired entry simply no longer matches its slot.
 *
 * Only small records are kept (providers, decisions, policies, revocations, of entries up to
 * RECORDS_ENTRY_MAX bytes): a spec's decoded form is some 48 KiB, and specs are the records a
 * question names, each rarely asked twice in a row. The table is direct-mapped by (author, seq),
 * RECORDS_SLOTS slots, allocated on first use, each slot the size of its record and bytes:
 * at most some 4 MiB. Slots handed out during the current scope (store_records_scope) are
 * pinned: another record that maps to a pinned slot is decoded into the caller's scratch
 * instead, so that every record a query holds stays valid until the query ends.
 */
#include "store/store_internal.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#define RECORDS_SLOTS     2048u
#define RECORDS_ENTRY_MAX 1024u

typedef struct record_slot {
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq;
    uint64_t pinned;         /* the scope that last handed it out */
    uint32_t len;            /* of bytes[] */
    const uint8_t *bytes;    /* the entry's bytes, copied, behind the record */
    const proto_record *rec; /* behind the slot: offsetof(proto_record, u) + the kind's size */
} record_slot;

struct store_records {
    uint64_t scope; /* starts at 1: a slot pinned 0 is free */
    record_slot *slot[RECORDS_SLOTS];
};

/* How many bytes of a decoded record of `kind` to keep, or 0 for a kind not cached. */
static size_t record_size(proto_kind kind)
{
    size_t u = offsetof(proto_record, u);
    switch (kind) {
    case PROTO_KIND_PROVIDER:
        return u + sizeof(proto_provider);
    case PROTO_KIND_DECISION:
        return u + sizeof(proto_decision);
    case PROTO_KIND_POLICY:
        return u + sizeof(proto_policy);
    case PROTO_KIND_REVOCATION:
        return u + sizeof(proto_revocation);
    default:
        return 0;
    }
}

static unsigned slot_of(const uint8_t *author, uint64_t seq)
{
    uint64_t a;
    memcpy(&a, author, sizeof(a));
    uint64_t h = (a ^ (seq * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    return (unsigned)((h >> 32) % RECORDS_SLOTS);
}

void store_records_free(store_records *c)
{
    if (c == NULL)
        return;
    for (unsigned i = 0; i < RECORDS_SLOTS; i++)
        free(c->slot[i]);
    free(c);
}

void store_records_scope(store_read *r)
{
    store_records *c = r->s->priv->records;
    if (c != NULL)
        c->scope++;
}

/* Decodes entry bytes[0..len) into *rec. Returns 0 or RN_ECORRUPT. */
static int decode(proto_record *rec, const uint8_t *bytes, size_t len)
{
    proto_entry e;
    /* Checked against its id, so the very bytes decoded strictly at ingest: the envelope needs
     * no second strict walk (the record decode stays strict). */
    if (proto_entry_decode_known(&e, bytes, len) != 0 ||
        proto_record_decode(rec, e.kind, e.body, e.body_len, NULL) != 0)
        return RN_ECORRUPT;
    return 0;
}

/* Fills a new slot for the checked entry (author, seq) with bytes[0..len) and its record
 * decoded into *scratch (which it leaves decoded from the slot's copy). Returns the slot, or
 * NULL when the record is not cached (kind, size, memory). */
static record_slot *fill(store_records *c, unsigned i, const uint8_t *author, uint64_t seq,
                         const uint8_t *bytes, size_t len, proto_kind kind, proto_record *scratch)
{
    size_t size = record_size(kind);
    if (size == 0 || len > RECORDS_ENTRY_MAX)
        return NULL;
    size_t at = (sizeof(record_slot) + 15u) & ~(size_t)15u;
    size_t bytes_at = (at + size + 7u) & ~(size_t)7u;
    uint8_t *mem = malloc(bytes_at + len);
    if (mem == NULL)
        return NULL;
    record_slot *sl = (record_slot *)(void *)mem;
    memcpy(mem + bytes_at, bytes, len);
    if (decode(scratch, mem + bytes_at, len) != 0 || scratch->kind != kind) {
        free(mem);
        return NULL;
    }
    memcpy(mem + at, scratch, size);
    sl->rec = (const proto_record *)(const void *)(mem + at);
    sl->bytes = mem + bytes_at;
    memcpy(sl->author, author, PROTO_KEY_BYTES);
    sl->seq = seq;
    sl->len = (uint32_t)len;
    sl->pinned = c->scope;
    free(c->slot[i]);
    c->slot[i] = sl;
    return sl;
}

int store_record_load(store_read *r, const store_version *v, proto_kind kind, proto_record *scratch,
                      const proto_record **rec, proto_str *bytes)
{
    struct store_private *p = r->s->priv;
    proto_str b;
    RN_TRY(store_entry_get(r, v->author, v->seq, &b)); /* checked against its id */
    if (bytes != NULL)
        *bytes = b;
    if (record_size(kind) == 0 || b.len > RECORDS_ENTRY_MAX) {
        RN_TRY(decode(scratch, b.ptr, b.len));
        *rec = scratch;
        return 0;
    }
    if (p->records == NULL) {
        p->records = calloc(1, sizeof(*p->records));
        if (p->records != NULL)
            p->records->scope = 1;
    }
    store_records *c = p->records;
    unsigned i = slot_of(v->author, v->seq);
    record_slot *sl = c != NULL ? c->slot[i] : NULL;
    if (sl != NULL && sl->seq == v->seq && sl->len == b.len &&
        memcmp(sl->author, v->author, PROTO_KEY_BYTES) == 0 &&
        memcmp(sl->bytes, b.ptr, b.len) == 0) {
        sl->pinned = c->scope;
        *rec = sl->rec;
        return 0;
    }
    if (c != NULL && (sl == NULL || sl->pinned != c->scope) &&
        (sl = fill(c, i, v->author, v->seq, b.ptr, b.len, kind, scratch)) != NULL) {
        *rec = sl->rec;
        return 0;
    }
    /* Not cached: decoded from the read's own bytes, into the caller's scratch. */
    RN_TRY(decode(scratch, b.ptr, b.len));
    *rec = scratch;
    return 0;
}
