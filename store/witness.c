/*
 * witness.c: the witness state of a replica (store.h, "Witness state"; PROTOCOL.md 11.12).
 *
 * One LMDB database, `witness`, opened (and created) by name in each transaction: LMDB hands back
 * the same handle for a name once it is open in the environment, so no handle is kept in the
 * store, and a replica written before this file existed simply gets the database on first use.
 * The records are few and small (a head per author, four checkpoints, sixteen pieces of
 * evidence) and written rarely (once a checkpoint interval, per peer at most), so every write is
 * its own transaction made durable at once: the witness rule depends on never forgetting what it
 * cosigned, and the environment commits without fsync (store_open).
 */
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "store/store_internal.h"

#define WITNESS_DB "witness"

enum { KEY_COSIGNED = 'c', KEY_OWN = 'o', KEY_EVIDENCE = 'e' };

/* Begins a transaction on the witness database (created when `write`). */
static int wtxn_begin(store *s, bool write, MDB_txn **txn, MDB_dbi *dbi)
{
    int rc = mdb_txn_begin(s->priv->env, NULL, write ? 0 : MDB_RDONLY, txn);
    if (rc != 0)
        return store_lmdb_err(rc, "begin");
    rc = mdb_dbi_open(*txn, WITNESS_DB, write ? MDB_CREATE : 0, dbi);
    if (rc != 0) {
        mdb_txn_abort(*txn);
        *txn = NULL;
        return rc == MDB_NOTFOUND ? RN_ENOTFOUND : store_lmdb_err(rc, "open witness database");
    }
    return 0;
}

/* Commits and makes the commit durable. */
static int wtxn_commit(store *s, MDB_txn *txn)
{
    int rc = mdb_txn_commit(txn);
    if (rc != 0)
        return store_lmdb_err(rc, "commit");
    return store_sync(s) < 0 ? RN_EIO : 0;
}

int store_witness_heads_load(store *s, store_witness_head *out, size_t cap, size_t *n)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *cur = NULL;
    *n = 0;
    int err = wtxn_begin(s, false, &txn, &dbi);
    if (err == RN_ENOTFOUND)
        return 0; /* no database yet: nothing cosigned */
    RN_TRY(err);
    int rc = mdb_cursor_open(txn, dbi, &cur);
    if (rc != 0) {
        err = store_lmdb_err(rc, "cursor");
        goto out;
    }
    uint8_t first = KEY_COSIGNED;
    MDB_val k = { 1, &first }, v;
    for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); rc == 0 && *n < cap;
         rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
        const uint8_t *kp = k.mv_data;
        if (k.mv_size < 1 || kp[0] != KEY_COSIGNED)
            break;
        if (k.mv_size != 1 + PROTO_KEY_BYTES || v.mv_size != 8 + PROTO_ID_BYTES) {
            err = RN_ECORRUPT;
            goto out;
        }
        store_witness_head *h = &out[(*n)++];
        memcpy(h->author, kp + 1, PROTO_KEY_BYTES);
        h->seq = get_be64(v.mv_data);
        memcpy(h->id, (const uint8_t *)v.mv_data + 8, PROTO_ID_BYTES);
    }
    if (rc != 0 && rc != MDB_NOTFOUND)
        err = store_lmdb_err(rc, "witness heads");
out:
    if (cur != NULL)
        mdb_cursor_close(cur);
    mdb_txn_abort(txn);
    return err;
}

int store_witness_heads_put(store *s, const store_witness_head *h, size_t n)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    RN_TRY(wtxn_begin(s, true, &txn, &dbi));
    for (size_t i = 0; i < n; i++) {
        uint8_t key[1 + PROTO_KEY_BYTES], val[8 + PROTO_ID_BYTES];
        RN_ASSERT(h[i].seq >= 1 && h[i].seq <= RN_SEQ_MAX);
        key[0] = KEY_COSIGNED;
        memcpy(key + 1, h[i].author, PROTO_KEY_BYTES);
        put_be64(val, h[i].seq);
        memcpy(val + 8, h[i].id, PROTO_ID_BYTES);
        MDB_val k = { sizeof(key), key }, v = { sizeof(val), val };
        int rc = mdb_put(txn, dbi, &k, &v, 0);
        if (rc != 0) {
            mdb_txn_abort(txn);
            return store_lmdb_err(rc, "witness head");
        }
    }
    return wtxn_commit(s, txn);
}

/* Puts key[0..klen) -> val[0..vlen) in its own durable transaction. */
static int put_one(store *s, const uint8_t *key, size_t klen, const uint8_t *val, size_t vlen)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    RN_TRY(wtxn_begin(s, true, &txn, &dbi));
    MDB_val k = { klen, (void *)key }, v = { vlen, (void *)val };
    int rc = mdb_put(txn, dbi, &k, &v, 0);
    if (rc != 0) {
        mdb_txn_abort(txn);
        return store_lmdb_err(rc, "witness record");
    }
    return wtxn_commit(s, txn);
}

/* Copies the value of key[0..klen) into buf[0..cap). */
static int get_one(store *s, const uint8_t *key, size_t klen, uint8_t *buf, size_t cap, size_t *len)
{
    MDB_txn *txn;
    MDB_dbi dbi;
    RN_TRY(wtxn_begin(s, false, &txn, &dbi));
    MDB_val k = { klen, (void *)key }, v;
    int rc = mdb_get(txn, dbi, &k, &v), err = 0;
    if (rc != 0)
        err = rc == MDB_NOTFOUND ? RN_ENOTFOUND : store_lmdb_err(rc, "witness record");
    else if (v.mv_size > cap)
        err = RN_ETOOBIG;
    else {
        memcpy(buf, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    mdb_txn_abort(txn);
    return err;
}

static void own_key(uint8_t key[5], uint32_t slot)
{
    key[0] = KEY_OWN;
    key[1] = (uint8_t)(slot >> 24);
    key[2] = (uint8_t)(slot >> 16);
    key[3] = (uint8_t)(slot >> 8);
    key[4] = (uint8_t)slot;
}

int store_checkpoint_own_get(store *s, uint32_t slot, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t key[5];
    if (slot >= STORE_CHECKPOINTS_OWN_MAX)
        return RN_EINVAL;
    own_key(key, slot);
    return get_one(s, key, sizeof(key), buf, cap, len);
}

int store_checkpoint_own_put(store *s, uint32_t slot, const uint8_t *cp, size_t len)
{
    uint8_t key[5];
    if (slot >= STORE_CHECKPOINTS_OWN_MAX || len == 0 || len > RN_CHECKPOINT_BYTES_MAX)
        return RN_EINVAL;
    own_key(key, slot);
    return put_one(s, key, sizeof(key), cp, len);
}

/* Evidence: key 'e' be64(slot), value be64(number) || checkpoint bytes. */
int store_witness_evidence_put(store *s, uint64_t number, const uint8_t *cp, size_t len)
{
    uint8_t key[9];
    if (len == 0 || len > RN_CHECKPOINT_BYTES_MAX)
        return RN_EINVAL;
    key[0] = KEY_EVIDENCE;
    put_be64(key + 1, number % STORE_WITNESS_EVIDENCE_MAX);
    uint8_t *val = malloc(8 + len);
    if (val == NULL)
        return RN_ENOMEM;
    put_be64(val, number);
    memcpy(val + 8, cp, len);
    int err = put_one(s, key, sizeof(key), val, 8 + len);
    free(val);
    return err;
}

int store_witness_evidence_get(store *s, uint64_t number, uint8_t *buf, size_t cap, size_t *len)
{
    uint8_t key[9];
    key[0] = KEY_EVIDENCE;
    put_be64(key + 1, number % STORE_WITNESS_EVIDENCE_MAX);
    MDB_txn *txn;
    MDB_dbi dbi;
    RN_TRY(wtxn_begin(s, false, &txn, &dbi));
    MDB_val k = { sizeof(key), key }, v;
    int rc = mdb_get(txn, dbi, &k, &v), err = 0;
    if (rc != 0)
        err = rc == MDB_NOTFOUND ? RN_ENOTFOUND : store_lmdb_err(rc, "witness evidence");
    else if (v.mv_size < 8 || get_be64(v.mv_data) != number)
        err = v.mv_size < 8 ? RN_ECORRUPT : RN_ENOTFOUND;
    else if (v.mv_size - 8 > cap)
        err = RN_ETOOBIG;
    else {
        memcpy(buf, (const uint8_t *)v.mv_data + 8, v.mv_size - 8);
        *len = v.mv_size - 8;
    }
    mdb_txn_abort(txn);
    return err;
}
