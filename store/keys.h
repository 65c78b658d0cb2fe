/*
 * keys.h: the byte layouts of the replica's keys and values, in one place (store.h lists them for
 * the reader). Every key the store writes is built here, and every key a query or the check reads
 * back is parsed here, so that the writer and the readers can never disagree about a layout.
 * Private to store/: included by its .c files only.
 *
 * Integers are big-endian (be64), so that LMDB's byte order is the order of the numbers; ids of
 * records never contain 0x00, which therefore ends an id inside a key. A key or value of another
 * shape comes from a damaged replica: the parsers say so (false, or RN_ECORRUPT), never assert.
 */
#ifndef RN_STORE_KEYS_H
#define RN_STORE_KEYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "proto/entry.h"
#include "proto/error.h"
#include "proto/record.h"
#include "store/store_internal.h"

#define LOC_BYTES        (PROTO_KEY_BYTES + 8u) /* author, be64 seq: an entry's place */
#define KEY_TS_SEQ       16u                    /* be64 ts, be64 seq: the tail of a dated key */
#define INDEX_KEY_MAX    511u                   /* LMDB's default maximum key size */
#define HEAD_VALUE_BYTES (8u + PROTO_ID_BYTES + 8u + 1u + 8u) /* seq, id, ts, flags, indexed */
#define SIGS_VALUE_BYTES 32u /* verified, checked, bad_seq, bad_anchor */

/* Big-endian integers in keys: one load or store and a byte swap where the compiler says the
 * machine is little-endian (every key byte goes through these: the index pass reads each key's
 * first three words with get_be64), else byte by byte. */
#if defined(__BYTE_ORDER__) && defined(__ORDER_LITTLE_ENDIAN__) &&                                 \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline void put_be64(uint8_t *p, uint64_t v)
{
    v = __builtin_bswap64(v);
    memcpy(p, &v, 8);
}

static inline uint64_t get_be64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return __builtin_bswap64(v);
}
#else
static inline void put_be64(uint8_t *p, uint64_t v)
{
    for (int i = 7; i >= 0; i--) {
        p[i] = (uint8_t)v;
        v >>= 8;
    }
}

static inline uint64_t get_be64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 0; i < 8; i++)
        v = (v << 8) | p[i];
    return v;
}
#endif

/* The key of `entries`, `forks` and `anchors`, and the value of `ids` and of the dated indexes:
 * author(32) be64(seq). */
static inline void loc_key(uint8_t out[LOC_BYTES], const uint8_t *author, uint64_t seq)
{
    memcpy(out, author, PROTO_KEY_BYTES);
    put_be64(out + PROTO_KEY_BYTES, seq);
}

/* Reads a location value. Returns 0 or RN_ECORRUPT (not LOC_BYTES long). */
static inline int loc_parse(const void *v, size_t len, uint8_t author[PROTO_KEY_BYTES],
                            uint64_t *seq)
{
    if (len != LOC_BYTES)
        return RN_ECORRUPT;
    memcpy(author, v, PROTO_KEY_BYTES);
    *seq = get_be64((const uint8_t *)v + PROTO_KEY_BYTES);
    return 0;
}

/* The seq of a location key of `author` (an entries, forks or anchors key), or 0 when the key is
 * not one of that author's. */
static inline uint64_t loc_seq_of(const void *k, size_t len, const uint8_t *author)
{
    if (len != LOC_BYTES || memcmp(k, author, PROTO_KEY_BYTES) != 0)
        return 0;
    return get_be64((const uint8_t *)k + PROTO_KEY_BYTES);
}

/* ---- Index keys ---- */

/* One key of one index, derived from one entry. */
typedef struct index_key {
    enum store_db db;
    uint8_t key[INDEX_KEY_MAX];
    size_t len;
    bool has_loc; /* value is the entry's location; otherwise empty */
} index_key;

/* Upper bound on the index keys of one entry: versions, plus the largest kind-specific set (a
 * provider's issuer keys). */
#define INDEX_KEYS_MAX (1u + RN_ISSUER_KEYS_MAX + RN_ISSUER_KEYS_EXT_MAX + 2u)

/*
 * Writes into keys[] every index key that entry `e` with record `r` by an author of `country`
 * contributes, and returns how many: the one function that both writes the indexes (the index
 * pass) and checks them (store_check).
 */
size_t index_keys(const proto_entry *e, const proto_record *r, const char *country,
                  index_key *keys);

/*
 * Prefixes the readers seek, each written into out[] (at least INDEX_KEY_MAX bytes), returning
 * its length, or 0 when the id is too long for any key (then nothing can be stored under it).
 *
 *   key_versions_prefix   kind rid 0x00              every version of one record
 *   key_kind_country      kind "CC:"                 the records of one kind of one country
 *   key_dec_spec_prefix   spec 0x00 country(2)       decisions on a spec by a country
 *   key_id_prefix         id 0x00                    superseded, spec_prov and spec_isced
 */
size_t key_versions_prefix(uint8_t *out, proto_kind kind, const uint8_t *rid, size_t rid_len);
size_t key_kind_country(uint8_t *out, proto_kind kind, const char country[2]);
size_t key_dec_spec_prefix(uint8_t *out, proto_str spec, const char country[2]);
size_t key_id_prefix(uint8_t *out, proto_str id);

/* A dated key: prefix[0..plen) be64(ts) be64(seq). True (and *ts, *seq) if k has that shape. */
static inline bool key_dated(const void *k, size_t len, size_t plen, uint64_t *ts, uint64_t *seq)
{
    if (len != plen + KEY_TS_SEQ)
        return false;
    *ts = get_be64((const uint8_t *)k + plen);
    if (seq != NULL)
        *seq = get_be64((const uint8_t *)k + plen + 8);
    return true;
}

/* The id that starts at offset `off` of key k[0..len) and ends at a 0x00 byte or the key's end
 * (the record id of a versions key from offset 1, the spec id of a spec_prov or spec_isced key
 * after its prefix, the field code of a spec_isced key from 0). Returns 0, or RN_ECORRUPT when
 * it is empty or longer than an id. `nul` (may be NULL) is set when a 0x00 byte ended it. */
static inline int key_id_at(const void *k, size_t len, size_t off, proto_str *id, bool *nul)
{
    if (off > len)
        return RN_ECORRUPT;
    const uint8_t *p = (const uint8_t *)k + off;
    const uint8_t *end = memchr(p, 0, len - off);
    size_t n = end != NULL ? (size_t)(end - p) : len - off;
    if (n == 0 || n > RN_ID_BYTES_MAX)
        return RN_ECORRUPT;
    *id = (proto_str){ p, (uint32_t)n };
    if (nul != NULL)
        *nul = end != NULL;
    return 0;
}

#endif /* RN_STORE_KEYS_H */
