/*
 * index.c: the index pass (store.h, "Indexing"). Ingest and append write entries and heads only;
 * the keys of the ids and record indexes they imply wait here, in an in-memory batch, until the
 * pass sorts them and writes them in key order with the advanced watermarks.
 */
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "store/store_internal.h"

/* Upper bound on the arena bytes one entry adds to an index batch: its id key and every index
 * key, each with a location value. */
#define INDEX_ENTRY_BYTES_MAX ((INDEX_KEYS_MAX + 1u) * (INDEX_KEY_MAX + LOC_BYTES))
static_assert(INDEX_ENTRY_BYTES_MAX * 4u < RN_INDEX_BATCH_BYTES, "an index batch holds entries");

/*
 * Ingest writes entries and heads only; this pass derives the ids and record indexes of every
 * entry past its author's `indexed_seq` watermark, sorts the keys of up to RN_INDEX_BATCH_ENTRIES
 * entries, writes them in key order together with the advanced watermarks, and commits. Each
 * commit is consistent (indexes exactly cover the entries up to the watermarks), so a crash
 * between ingest and this pass loses nothing: the next pass resumes from the watermarks.
 *
 * Why not index inside the ingest transaction: ids are hashes and record ids spread over many
 * keys, so a run of 1,000 entries touches some 1,000 random pages of each such index, and LMDB
 * writes each touched page at commit. Sorted batches of tens of thousands of entries touch each
 * page once per batch instead. Readers never see the lag: store_query_begin runs this pass first.
 */

/* Key bytes a pending_key carries inline, big-endian and zero-padded, so that the sort compares
 * words and reaches the arena only for keys that agree on all of them (the index keys of one
 * country share their first 16 bytes, "kind CC:registry/", and differ in the next few). */
#define PENDING_WORDS 3u

typedef struct pending_key {
    uint64_t word[PENDING_WORDS]; /* the key's first 24 bytes */
    uint32_t off;                 /* offset of the key, then (has_loc) LOC_BYTES of value, in the
                                     arena */
    uint16_t len;                 /* key bytes */
    uint8_t db;
    bool has_loc;
} pending_key;

static const uint8_t *arena_base;

static int pending_cmp(const void *a, const void *b)
{
    const pending_key *x = a, *y = b;
    if (x->db != y->db)
        return x->db < y->db ? -1 : 1;
    for (unsigned w = 0; w < PENDING_WORDS; w++)
        if (x->word[w] != y->word[w])
            return x->word[w] < y->word[w] ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    if (n > 8u * PENDING_WORDS) {
        int c = memcmp(arena_base + x->off + 8u * PENDING_WORDS,
                       arena_base + y->off + 8u * PENDING_WORDS, n - 8u * PENDING_WORDS);
        if (c != 0)
            return c;
    }
    return (x->len > y->len) - (x->len < y->len);
}

struct store_batch {
    pending_key *keys; /* keys_cap slots, grown up to RN_INDEX_BATCH_KEYS */
    size_t keys_cap;
    size_t n;       /* keys */
    size_t entries; /* entries whose keys are here */
    uint8_t *arena; /* arena_cap bytes, grown up to RN_INDEX_BATCH_BYTES */
    size_t arena_cap;
    size_t used; /* arena bytes */
    index_key scratch[INDEX_KEYS_MAX];
    proto_record rec;
};

/* Capacity a new batch starts with; it doubles as entries arrive, so a node that indexes an entry
 * at a time between reads keeps a small batch, and a catch-up grows it to its bound. */
#define BATCH_KEYS_INITIAL  1024u
#define BATCH_BYTES_INITIAL (64u * 1024u)

static store_batch *batch_new(void)
{
    store_batch *b = calloc(1, sizeof(*b));
    if (b == NULL)
        return NULL;
    b->keys = malloc(BATCH_KEYS_INITIAL * sizeof(*b->keys));
    b->arena = malloc(BATCH_BYTES_INITIAL);
    if (b->keys == NULL || b->arena == NULL) {
        free(b->keys);
        free(b->arena);
        free(b);
        return NULL;
    }
    b->keys_cap = BATCH_KEYS_INITIAL;
    b->arena_cap = BATCH_BYTES_INITIAL;
    return b;
}

void store_batch_free(store_batch *b)
{
    if (b != NULL) {
        free(b->keys);
        free(b->arena);
        free(b);
    }
}

/* Grows the batch so that `entries` more entries fit whatever their records (the caller has
 * checked batch_room). Returns 0 or RN_ENOMEM. */
static int batch_grow(store_batch *b, size_t entries)
{
    size_t want_keys = b->n + entries * (INDEX_KEYS_MAX + 1u);
    size_t want_bytes = b->used + entries * INDEX_ENTRY_BYTES_MAX;
    if (want_keys > b->keys_cap) {
        size_t cap = b->keys_cap;
        while (cap < want_keys)
            cap *= 2;
        cap = cap < RN_INDEX_BATCH_KEYS ? cap : RN_INDEX_BATCH_KEYS;
        pending_key *k = realloc(b->keys, cap * sizeof(*k));
        if (k == NULL)
            return RN_ENOMEM;
        b->keys = k;
        b->keys_cap = cap;
    }
    if (want_bytes > b->arena_cap) {
        size_t cap = b->arena_cap;
        while (cap < want_bytes)
            cap *= 2;
        cap = cap < RN_INDEX_BATCH_BYTES ? cap : RN_INDEX_BATCH_BYTES;
        uint8_t *a = realloc(b->arena, cap);
        if (a == NULL)
            return RN_ENOMEM;
        b->arena = a;
        b->arena_cap = cap;
    }
    return 0;
}

/* True if the batch can take `entries` more entries whatever their records. */
static bool batch_room(const store_batch *b, size_t entries)
{
    return b->entries + entries <= RN_INDEX_BATCH_ENTRIES &&
           b->n + entries * (INDEX_KEYS_MAX + 1u) <= RN_INDEX_BATCH_KEYS &&
           b->used + entries * INDEX_ENTRY_BYTES_MAX <= RN_INDEX_BATCH_BYTES;
}

static void batch_add(store_batch *b, enum store_db db, const uint8_t *key, size_t klen,
                      const uint8_t *loc)
{
    RN_ASSERT(b->n < b->keys_cap && b->used + klen + LOC_BYTES <= b->arena_cap);
    pending_key *pk = &b->keys[b->n++];
    pk->db = (uint8_t)db;
    pk->len = (uint16_t)klen;
    pk->off = (uint32_t)b->used;
    pk->has_loc = loc != NULL;
    uint8_t first[8u * PENDING_WORDS] = { 0 };
    memcpy(first, key, klen < sizeof(first) ? klen : sizeof(first));
    for (unsigned w = 0; w < PENDING_WORDS; w++)
        pk->word[w] = get_be64(first + 8u * w);
    memcpy(b->arena + b->used, key, klen);
    b->used += klen;
    if (loc != NULL) {
        memcpy(b->arena + b->used, loc, LOC_BYTES);
        b->used += LOC_BYTES;
    }
}

/* Adds the id key and every index key of a decoded entry and its record. */
void store_batch_keys(store_batch *b, const proto_entry *e, const uint8_t id[PROTO_ID_BYTES],
                      const proto_record *r, const char *country)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, e->author, e->seq);
    batch_add(b, STORE_DB_IDS, id, PROTO_ID_BYTES, loc);
    size_t nk = index_keys(e, r, country, b->scratch);
    for (size_t i = 0; i < nk; i++)
        batch_add(b, b->scratch[i].db, b->scratch[i].key, b->scratch[i].len,
                  b->scratch[i].has_loc ? loc : NULL);
    b->entries++;
}

/* Adds the keys of stored entry bytes[0..len), decoding it again (the slow path). */
static int batch_stored(store_batch *b, const uint8_t *bytes, size_t len, const char *country)
{
    proto_entry e;
    uint8_t id[PROTO_ID_BYTES];
    if (proto_entry_decode(&e, bytes, len, NULL) != 0 ||
        proto_record_decode(&b->rec, e.kind, e.body, e.body_len, NULL) != 0)
        return RN_ECORRUPT;
    proto_entry_id(bytes, len, id);
    store_batch_keys(b, &e, id, &b->rec, country);
    return 0;
}

/* One key in the radix pass of batch_sort: its database and first word, and its place. */
typedef struct sort_item {
    uint64_t word;
    uint32_t idx;
    uint32_t db;
} sort_item;

static const pending_key *sort_keys;

static int item_cmp(const void *a, const void *b)
{
    return pending_cmp(&sort_keys[((const sort_item *)a)->idx],
                       &sort_keys[((const sort_item *)b)->idx]);
}

static unsigned item_digit(const sort_item *x, unsigned pass)
{
    return pass < 8u ? (unsigned)(x->word >> (8u * pass)) & 0xffu : (unsigned)x->db;
}

/*
 * Puts the batch's keys in the order of pending_cmp (database, then LMDB's byte order). A
 * comparison sort of the 32-byte keys spends most of its time moving them (some 20 merge levels
 * for a full batch), so the keys are first ordered by (database, first word) with a radix sort of
 * 16-byte items, one pass per byte, which leaves the random ids in order; only keys that share a
 * database and a first word (the index keys of one country) are then compared in full, in their
 * much smaller groups. Without the memory for the items it falls back to qsort.
 */
static void batch_sort(store_batch *b)
{
    size_t n = b->n;
    arena_base = b->arena;
    sort_item *base = n > 1 ? malloc(2u * n * sizeof(*base)) : NULL;
    pending_key *sorted = base != NULL ? malloc(b->keys_cap * sizeof(*sorted)) : NULL;
    if (sorted == NULL) {
        free(base);
        qsort(b->keys, n, sizeof(*b->keys), pending_cmp);
        return;
    }
    sort_item *x = base, *y = base + n;
    for (size_t i = 0; i < n; i++)
        x[i] = (sort_item){ b->keys[i].word[0], (uint32_t)i, b->keys[i].db };
    for (unsigned pass = 0; pass < 9u; pass++) {
        size_t count[256] = { 0 };
        for (size_t i = 0; i < n; i++)
            count[item_digit(&x[i], pass)]++;
        if (count[item_digit(&x[0], pass)] == n)
            continue; /* one digit throughout: the order stays */
        size_t at = 0;
        for (unsigned d = 0; d < 256u; d++) {
            size_t c = count[d];
            count[d] = at;
            at += c;
        }
        for (size_t i = 0; i < n; i++)
            y[count[item_digit(&x[i], pass)]++] = x[i];
        sort_item *t = x;
        x = y;
        y = t;
    }
    sort_keys = b->keys;
    for (size_t i = 0, j; i < n; i = j) {
        for (j = i + 1; j < n && x[j].db == x[i].db && x[j].word == x[i].word; j++)
            ;
        if (j - i > 1)
            qsort(x + i, j - i, sizeof(*x), item_cmp);
    }
    for (size_t i = 0; i < n; i++)
        sorted[i] = b->keys[x[i].idx];
    free(b->keys);
    b->keys = sorted;
    free(base);
}

/*
 * Sorts the batch and writes it in key order, one cursor per index: LMDB then searches only the
 * current leaf page while the next key falls within it. The keys go out in write transactions of
 * at most RN_INDEX_TXN_KEYS keys each, the first being `txn` (which this function commits or
 * aborts), and the watermarks `adv` advance in the last one. Sorted chunks cover disjoint key
 * ranges, so each index page is still written about once per batch, while LMDB's dirty-page
 * buffers (which it keeps for reuse until the environment closes) stay bounded by one chunk.
 * A crash between chunks leaves keys past the watermarks, which the next pass writes again.
 */
static int batch_commit(store *s, MDB_txn *txn, store_batch *b, const store_head *adv, size_t nadv)
{
    MDB_val k, v;
    int rc = 0;
    batch_sort(b);
    for (size_t i = 0;;) {
        size_t end = b->n - i > RN_INDEX_TXN_KEYS ? i + RN_INDEX_TXN_KEYS : b->n;
        while (i < end) {
            MDB_cursor *ic;
            uint8_t db = b->keys[i].db;
            if ((rc = mdb_cursor_open(txn, s->priv->dbi[db], &ic)) != 0) {
                rc = store_lmdb_err(rc, "index cursor");
                goto fail;
            }
            for (; i < end && b->keys[i].db == db; i++) {
                const pending_key *pk = &b->keys[i];
                k = (MDB_val){ pk->len, b->arena + pk->off };
                v = pk->has_loc ? (MDB_val){ LOC_BYTES, b->arena + pk->off + pk->len }
                                : (MDB_val){ 0, NULL };
                if ((rc = mdb_cursor_put(ic, &k, &v, 0)) != 0)
                    break;
            }
            mdb_cursor_close(ic);
            if (rc != 0) {
                rc = store_lmdb_err(rc, "put index");
                goto fail;
            }
        }
        if (end == b->n) {
            for (size_t h = 0; h < nadv; h++)
                if ((rc = store_head_put(s, txn, &adv[h])) < 0)
                    goto fail;
        }
        rc = mdb_txn_commit(txn);
        txn = NULL;
        if (rc != 0)
            return store_lmdb_err(rc, "commit index");
        if (end == b->n)
            return 0;
        if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0)
            return store_lmdb_err(rc, "begin index");
    }
fail:
    mdb_txn_abort(txn);
    return rc;
}

/* The country an author's entries were accepted under: the roster's, or for an author who has
 * since left the roster, the prefix of the ids in its entry at `seq` (which carry it). */
static int author_country_of(store *s, MDB_txn *txn, store_batch *b, const uint8_t *author,
                             uint64_t seq, char country[3])
{
    const char *c = store_author_country(s, author);
    if (c != NULL) {
        memcpy(country, c, 3);
        return 0;
    }
    proto_str first;
    proto_entry fe;
    RN_TRY(store_entry_raw(s, txn, author, seq, &first));
    if (proto_entry_decode(&fe, first.ptr, first.len, NULL) != 0 ||
        proto_record_decode(&b->rec, fe.kind, fe.body, fe.body_len, NULL) != 0)
        return RN_ECORRUPT;
    proto_str rid = proto_record_id(&b->rec);
    memcpy(country, rid.ptr, 2);
    country[2] = '\0';
    return 0;
}

/*
 * One pass over the heads in one write transaction. With `fast`, the keys are already in
 * s->priv->batch (every entry past every watermark put them there when it committed) and every
 * watermark moves to its head. Otherwise entries past the watermarks are read back and decoded
 * into `b` until it is full. Returns 1 if it indexed something, 0 if nothing was pending, or an
 * error.
 */
static int index_pass(store *s, store_batch *b, bool fast)
{
    MDB_txn *txn = NULL;
    MDB_cursor *hc = NULL;
    MDB_val k, v;
    int rc, err = 0;
    store_head *adv = NULL; /* heads whose watermark this pass advances */
    size_t nadv = 0;

    if (!fast)
        b->n = b->entries = b->used = 0;
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0)
        return store_lmdb_err(rc, "begin index");
    adv = malloc(RN_ROSTER_MEMBERS_MAX * sizeof(*adv));
    if (adv == NULL) {
        err = RN_ENOMEM;
        goto out;
    }
    if ((rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_HEADS], &hc)) != 0) {
        err = store_lmdb_err(rc, "heads cursor");
        goto out;
    }
    for (rc = mdb_cursor_get(hc, &k, &v, MDB_FIRST); rc == 0 && nadv < RN_ROSTER_MEMBERS_MAX;
         rc = mdb_cursor_get(hc, &k, &v, MDB_NEXT)) {
        store_head h;
        if (k.mv_size != PROTO_KEY_BYTES) {
            err = RN_ECORRUPT;
            goto out;
        }
        RN_GUARD(err, store_head_read(s, txn, k.mv_data, &h));
        if (h.indexed_seq == h.seq)
            continue;
        uint64_t seq = h.seq + 1;
        if (!fast) {
            char country[3];
            RN_GUARD(err, author_country_of(s, txn, b, h.author, h.indexed_seq + 1, country));
            for (seq = h.indexed_seq + 1; seq <= h.seq && batch_room(b, 1); seq++) {
                proto_str bytes;
                RN_GUARD(err, batch_grow(b, 1));
                RN_GUARD(err, store_entry_raw(s, txn, h.author, seq, &bytes));
                RN_GUARD(err, batch_stored(b, bytes.ptr, bytes.len, country));
            }
        }
        h.indexed_seq = seq - 1;
        adv[nadv++] = h;
        if (!fast && !batch_room(b, 1))
            break;
    }
    mdb_cursor_close(hc);
    hc = NULL;
    if (nadv == 0)
        goto out; /* nothing pending: err == 0 aborts the empty transaction */
    RN_ASSERT(!fast || b->entries > 0);
    err = batch_commit(s, txn, b, adv, nadv);
    txn = NULL; /* committed or aborted by batch_commit */
    if (err == 0)
        err = 1;
out:
    if (hc != NULL)
        mdb_cursor_close(hc);
    if (txn != NULL)
        mdb_txn_abort(txn);
    free(adv);
    return err;
}

static int index_flush(store *s);

int store_index_flush(store *s)
{
    bool pending = s->index_pending;
    int rc = index_flush(s);
    s->index_error = rc < 0 ? rc : 0;
    store_note_full(s, rc, pending && rc == 0);
    return rc;
}

static int index_flush(store *s)
{
    int rc = 0;
    if (!s->index_pending)
        return 0;
    if (s->priv->batch_complete) {
        /* Fast path: the keys of every unindexed entry are in memory. */
        if (s->priv->batch != NULL && s->priv->batch->entries > 0)
            rc = index_pass(s, s->priv->batch, true);
    } else {
        store_batch *b = batch_new();
        if (b == NULL)
            return RN_ENOMEM;
        while ((rc = index_pass(s, b, false)) == 1)
            ;
        store_batch_free(b);
    }
    if (rc < 0)
        return rc;
    /* Everything is indexed: from now on every commit keeps its keys in memory. A batch that a
     * catch-up grew large goes back, so that an idle node stays small; a small one is kept. */
    if (s->priv->batch != NULL && s->priv->batch->arena_cap > BATCH_BYTES_INITIAL * 16u) {
        store_batch_free(s->priv->batch);
        s->priv->batch = NULL;
    } else if (s->priv->batch != NULL) {
        s->priv->batch->n = s->priv->batch->entries = s->priv->batch->used = 0;
    }
    s->priv->batch_complete = true;
    s->index_pending = false;
    return 0;
}

/* Makes room in s->priv->batch for `entries` entries that are about to be committed: flushes when
 * full, allocates on first use. Returns 0, or store_index_flush's errors, RN_ENOMEM. */
int store_batch_reserve(store *s, size_t entries)
{
    if (s->priv->batch != NULL && !batch_room(s->priv->batch, entries))
        RN_TRY(store_index_flush(s));
    if (s->priv->batch_complete && s->priv->batch == NULL && (s->priv->batch = batch_new()) == NULL)
        return RN_ENOMEM;
    if (s->priv->batch != NULL)
        RN_TRY(batch_grow(s->priv->batch, entries));
    return 0;
}

/* Marks the batch so that the keys of an uncommitted transaction can be dropped. */
store_batch_mark store_batch_mark_get(const store *s)
{
    store_batch_mark m = { 0, 0, 0 };
    if (s->priv->batch != NULL)
        m = (store_batch_mark){ s->priv->batch->n, s->priv->batch->entries, s->priv->batch->used };
    return m;
}

void store_batch_rollback(store *s, store_batch_mark m)
{
    if (s->priv->batch != NULL) {
        s->priv->batch->n = m.n;
        s->priv->batch->entries = m.entries;
        s->priv->batch->used = m.used;
    }
}
