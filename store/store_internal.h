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
    STORE_DB_COUNT
};

typedef struct store_batch store_batch; /* index keys of committed, unindexed entries (index.c) */

/* An entry found intact, as store.h's "Integrity" says: seq 0 marks an empty slot. */
struct store_checked {
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq;
    uint64_t fp; /* entry_fingerprint of the bytes checked */
    uint32_t len;
};

struct store_private {
    MDB_env *env;
    MDB_dbi dbi[STORE_DB_COUNT];
    uint8_t *scratch; /* RN_ENTRY_BYTES_MAX bytes: own entries are signed here */
    bool sync_received;
    bool batch_complete;           /* `batch` holds the keys of every entry past every watermark */
    store_batch *batch;            /* allocated while entries await the index pass, else NULL */
    struct store_checked *checked; /* RN_STORE_CHECKED_SLOTS entries found intact ("Integrity") */
};

/* Maps an LMDB error to ours (MDB_MAP_FULL: RN_EFULL, MDB_NOTFOUND: RN_ENOTFOUND), with a line
 * on stderr for the operator for the others (RN_ESTORE). */
int store_lmdb_err(int rc, const char *what);

#endif /* RN_STORE_INTERNAL_H */
