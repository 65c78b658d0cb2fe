/*
 * store_internal.h: what the files of store/ share and no caller sees: the LMDB environment and
 * its named databases, the private part of struct store, and the helpers that more than one file
 * of the store uses. Included by the .c files of store/ only, and by the tests that damage a
 * replica on purpose (they write raw LMDB records to prove that the store notices).
 *
 * The key layouts of the databases live beside it in store/keys.h.
 */
#ifndef RN_STORE_INTERNAL_H
#define RN_STORE_INTERNAL_H

#include <lmdb.h>

#include "proto/authors.h"
#include "store/store.h"

/* The named databases, in the order store_open opens them (store.h lists their layouts). */
enum store_db {
    STORE_DB_ENTRIES,
    STORE_DB_IDS,
    STORE_DB_HEADS,
    STORE_DB_FORKS,
    STORE_DB_ROSTER,
    STORE_DB_VERSIONS,
    STORE_DB_DEC_SPEC,
    STORE_DB_SUPERSEDED,
    STORE_DB_SPEC_PROV,
    STORE_DB_SPEC_ISCED,
    STORE_DB_ISSUER,
    STORE_DB_META,
    STORE_DB_ANCHORS,
    STORE_DB_SIGS,
    STORE_DB_CHAIN,
    STORE_DB_LINEAGE,
    STORE_DB_COUNT
};

typedef struct store_batch store_batch; /* index keys of committed, unindexed entries (index.c) */
typedef struct store_records store_records; /* decoded records (records.c) */

/* An entry found intact, as store.h's "Integrity" says: seq 0 marks an empty slot. */
struct store_checked {
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq;
    uint64_t fp; /* entry_fingerprint of the bytes checked */
    uint32_t len;
};

/* The cut a succession made of its predecessor `key` (lineage.c; the `lineage` database). */
struct store_succ {
    uint8_t key[PROTO_KEY_BYTES];
    uint64_t last_seq;
    uint8_t last_id[PROTO_ID_BYTES];
    uint8_t successor[PROTO_KEY_BYTES];
};

/* Up to where a key's log counts: the last seq and the last timestamp kept (UINT64_MAX: no
 * bound), and with has_id the id of the entry at seq. An entry with a larger seq, a later
 * timestamp, or another id at seq is past the cut. Cuts only ever grow stricter. */
typedef struct store_cut {
    uint64_t seq, time;
    bool has_id;
    uint8_t id[PROTO_ID_BYTES];
} store_cut;

struct store_private {
    MDB_env *env;
    MDB_dbi dbi[STORE_DB_COUNT];
    uint8_t *scratch; /* RN_ENTRY_BYTES_MAX bytes: own entries are signed here */
    bool sync_received;
    bool batch_complete;           /* `batch` holds the keys of every entry past every watermark */
    store_batch *batch;            /* allocated while entries await the index pass, else NULL */
    struct store_checked *checked; /* RN_STORE_CHECKED_SLOTS entries found intact ("Integrity") */
    store_records *records;        /* decoded records, allocated on first use (records.c) */
    struct store_parked *parked;   /* the last read's transaction, reset, for the next read */
    proto_authors authors;         /* the author table in force (lineage.c); v owned */
    struct store_succ *succ;       /* the successions' cuts, succ_n of them */
    size_t succ_n, succ_cap;
    bool purge_pending; /* a cut may have entries past it in the indexes (lineage_purge) */
};

/* A read transaction kept for the next read (store_read_end resets it, store_snapshot_begin
 * renews it): its cursors and its cache come with it, and the cache's heads and signature
 * watermarks stay true when the next read finds the same snapshot (the same LMDB txn id: no
 * commit in between). */
struct store_parked {
    MDB_txn *txn;
    uint64_t txnid; /* the snapshot the cache describes */
    MDB_cursor *versions, *entries;
    struct store_read_cache *cache;
};

/* What one read transaction remembers of its snapshot (store_read.cache): the last heads and
 * signature watermarks it read (as many as a roster has authorities, in practice: 30 countries
 * and then some), and one cursor per index for the queries' prefix scans. */
#define STORE_READ_CACHED 48u
struct store_read_cache {
    store_head heads[STORE_READ_CACHED]; /* seq 0: an empty slot */
    unsigned heads_next;
    uint8_t sigs_author[STORE_READ_CACHED][PROTO_KEY_BYTES];
    store_sigs sigs[STORE_READ_CACHED];
    unsigned sigs_n, sigs_next;
    MDB_cursor *scan[STORE_DB_COUNT];
};

/* The read's own cursor over index `db` for a prefix scan, opened on first use and closed by
 * store_read_end (the caller must not close it). A scan must not nest inside another scan of the
 * same index; point lookups (store_version_get, store_entry_get) have cursors of their own.
 * Returns 0, RN_ENOMEM, RN_ESTORE. */
int store_scan_cursor(store_read *r, enum store_db db, MDB_cursor **c);

/* Maps an LMDB error to ours (MDB_MAP_FULL: RN_EFULL, MDB_NOTFOUND: RN_ENOTFOUND), with a line
 * on stderr for the operator for the others (RN_ESTORE). */
int store_lmdb_err(int rc, const char *what);

/* ---- Decoded records (records.c) ----
 *
 * store_record_load reads entry v (store_entry_get: checked against its id, its bytes in *bytes
 * when not NULL, valid until store_read_end) and gives in *rec its record, decoded strictly:
 * from the store's cache of decoded records when the cache holds the very same bytes for
 * (author, seq), else decoded into *scratch (and, for a small record, kept). *rec points into
 * the cache or at scratch: read-only, and valid until the next store_records_scope on this store
 * or the end of the read, whichever comes first (and scratch's own life). A cached record is only
 * as large as its kind: never copy *rec whole, read its kind's member. The caller checks
 * (*rec)->kind. Returns 0, RN_ENOTFOUND, RN_ECORRUPT, RN_ESTORE.
 *
 * store_records_scope begins a new scope: records handed out before may be replaced from now
 * on. A query calls it first; records handed out within one scope are never replaced. */
int store_record_load(store_read *r, const store_version *v, proto_kind kind, proto_record *scratch,
                      const proto_record **rec, proto_str *bytes);
void store_records_scope(store_read *r);
void store_records_free(store_records *c);

/* Closes the parked read transaction, if any (store_close; before anything that needs every
 * reader slot of the process gone). */
void store_parked_free(store *s);

/* ---- Shared by the files of store/ (store.c unless said otherwise) ---- */

/* Heads (the value layout of `heads` is in keys.h). store_head_read returns 0, RN_ENOTFOUND,
 * RN_ECORRUPT, RN_ESTORE; store_head_put 0, RN_EFULL, RN_ESTORE. */
int store_head_read(const store *s, MDB_txn *txn, const uint8_t *author, store_head *out);
int store_head_put(store *s, MDB_txn *txn, const store_head *h);

/* The stored bytes of entry (author, seq), unchecked: for the index pass and store_check, which
 * check them their own way. Returns 0, RN_ENOTFOUND, RN_ESTORE. */
int store_entry_raw(const store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                    proto_str *bytes);

/* Counts and reports an entry whose bytes no longer match its id, and keeps its place for a
 * re-fetch (store.h, "Integrity"). Returns RN_ECORRUPT. */
int store_entry_damaged(store *s, const uint8_t *author, uint64_t seq);

/* Keeps s->full: set by a write that found the map full, cleared by the next one that committed
 * something. */
void store_note_full(store *s, int err, bool committed);

/* The index batch (index.c). A write transaction reserves room for its entries before it
 * begins, adds their keys as it puts them (only while batch_complete), and rolls the batch back
 * to the mark taken before it if it does not commit. */
typedef struct store_batch_mark {
    size_t n, entries, used;
} store_batch_mark;
int store_batch_reserve(store *s, size_t entries);
store_batch_mark store_batch_mark_get(const store *s);
void store_batch_rollback(store *s, store_batch_mark m);
void store_batch_keys(store_batch *b, const proto_entry *e, const uint8_t id[PROTO_ID_BYTES],
                      const proto_record *r, const char *country);
void store_batch_free(store_batch *b);

/* The order in which the index pass writes keys (index.c), for its tests: sorts keys[0..n), key
 * i being the bytes keys[i][0..lens[i]) (1 .. INDEX_KEY_MAX of them) of database dbs[i], as the
 * pass sorts a batch (by database, then in LMDB's order: bytes, then the shorter first), and
 * writes into order[i] the input position of the i-th key. Returns 0 or RN_ENOMEM. */
int store_index_order(const uint8_t *dbs, const uint8_t *const *keys, const size_t *lens, size_t n,
                      uint32_t *order);

/* ---- Lineage (lineage.c) ---- */

/* Saves roster `r` in the replica and makes it s->roster (store_roster_set's work, without the
 * table). Returns 0, RN_ENOMEM, RN_ESTORE. */
int store_roster_save(store *s, const proto_roster *r);
/* Installs the genesis-only table of s->roster. Returns 0 or RN_ENOMEM. */
int lineage_from_roster(store *s);
/* At open, in the open's transaction: the successions' cuts, and the table of the chain held (or
 * of the roster when none). Returns 0, RN_ECORRUPT, RN_ENOMEM, RN_ESTORE. */
int lineage_open(store *s, MDB_txn *txn);
void lineage_free(store *s);
/* The author's role (RN_EROSTER, RN_EROLE) and country, before an entry exists (append). */
int lineage_author(const store *s, const uint8_t *author, const char **country);
/* proto_authors_entry_check with the succession's cut of e's author (r may be NULL). */
int lineage_entry_check(const store *s, const proto_entry *e, const proto_record *r,
                        const char **country, rn_diag *d);
/* What the replica holds says of a succession (kind 8) r in entry e: the predecessor's entry at
 * last_seq, when held, has id last_id and an earlier timestamp; *succ gets the cut it makes
 * (*has_succ). 0 for other kinds. */
int lineage_record_check(const store *s, MDB_txn *txn, const proto_entry *e, const proto_record *r,
                         struct store_succ *succ, bool *has_succ, rn_diag *d);
/* Writes what entry e implies in `lineage` (a roster entry's place, a succession's cut). */
int lineage_entry_put(store *s, MDB_txn *txn, const proto_entry *e, const proto_record *r,
                      const struct store_succ *succ);
/* Takes back what entry (author, seq), about to be taken out of the log, wrote in `lineage`. */
int lineage_unwind(store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq);
/* After the commit of a succession: its cut holds from now on. Returns 0 or RN_ENOMEM. */
int lineage_committed(store *s, const struct store_succ *succ);
/* The cut of `key`; whether (seq, ts) is past it; the succession's cut alone (UINT64_MAX). */
store_cut lineage_cut(const store *s, const uint8_t *key);
bool lineage_past_cut(const store *s, const uint8_t *key, uint64_t seq, uint64_t ts);
/* The same for an entry in hand: bytes[0..len) are hashed only when seq is the cut's. */
bool lineage_past_cut_entry(const store *s, const uint8_t *key, uint64_t seq, uint64_t ts,
                            const uint8_t *bytes, size_t len);
/* RN_ESUPERSEDED ("entry.seq") if entry e, whose id is `id`, is another entry at its key's cut
 * than the one the cut names; else 0. */
int lineage_id_check(const store *s, const proto_entry *e, const uint8_t id[PROTO_ID_BYTES],
                     rn_diag *d);
/* Whether the replica holds a governed roster's chain (store_chain_append). */
bool lineage_has_chain(store *s);
uint64_t lineage_succ_cut(const store *s, const uint8_t *key);
/* Takes the entries past every cut out of the record indexes (after a complete index pass). */
int lineage_purge(store *s);
/* Whether `key` held the authority role for `country` in some period; whether any key did; the
 * keys that did (up to max written, their number returned). */
bool store_is_authority_of(const store *s, const uint8_t key[PROTO_KEY_BYTES],
                           const char country[2]);
bool store_lineage_has(const store *s, const char country[2]);
size_t store_lineage_keys(const store *s, const char country[2], const uint8_t **keys, size_t max);

#endif /* RN_STORE_INTERNAL_H */
