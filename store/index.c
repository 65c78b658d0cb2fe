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

struct store_batch {
    pending_key *keys; /* keys_cap slots, grown up to RN_INDEX_BATCH_KEYS */
    size_t keys_cap;
    size_t n;           /* keys */
    size_t entries;     /* entries whose keys are here */
    pending_key *spare; /* spare_cap slots: batch_sort's second array, kept with the batch */
    size_t spare_cap;
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
        free(b->spare);
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
    if (klen >= 8u * PENDING_WORDS) { /* nearly every key: ids, versions, spec_prov */
        for (unsigned w = 0; w < PENDING_WORDS; w++)
            pk->word[w] = get_be64(key + 8u * w);
    } else {
        uint8_t first[8u * PENDING_WORDS] = { 0 };
        memcpy(first, key, klen);
        for (unsigned w = 0; w < PENDING_WORDS; w++)
            pk->word[w] = get_be64(first + 8u * w);
    }
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

/* ---- The order of the batch: (database, then LMDB's byte order of the key) ---- */

/* Keys sorted by insertion rather than by partition when there are at most this many. */
#define SORT_SMALL 24u

/* The byte at position i < 8 * PENDING_WORDS of key k, from its inline words. */
static inline unsigned inline_byte(const pending_key *k, size_t i)
{
    return (unsigned)(k->word[i / 8u] >> (56u - 8u * (i % 8u))) & 0xffu;
}

/* The digit of key k at position i: 0 past its end (a key sorts before every longer key it is a
 * prefix of), else 1 + its byte there. */
static inline unsigned key_digit(const uint8_t *arena, const pending_key *k, size_t i)
{
    if (i >= k->len)
        return 0;
    if (i < 8u * PENDING_WORDS)
        return 1u + inline_byte(k, i);
    return 1u + arena[k->off + i];
}

/* LMDB's order of two keys of one database (memcmp, then the shorter first), given that they
 * agree on their first `from` bytes. */
static int key_cmp_from(const uint8_t *arena, const pending_key *x, const pending_key *y,
                        size_t from)
{
    for (unsigned w = (unsigned)(from / 8u); w < PENDING_WORDS; w++)
        if (x->word[w] != y->word[w])
            return x->word[w] < y->word[w] ? -1 : 1;
    size_t n = x->len < y->len ? x->len : y->len;
    if (n > 8u * PENDING_WORDS) {
        int c = memcmp(arena + x->off + 8u * PENDING_WORDS, arena + y->off + 8u * PENDING_WORDS,
                       n - 8u * PENDING_WORDS);
        if (c != 0)
            return c;
    }
    return (x->len > y->len) - (x->len < y->len);
}

static void insertion_sort(const uint8_t *arena, pending_key *a, size_t n, size_t from)
{
    for (size_t i = 1; i < n; i++) {
        pending_key t = a[i];
        size_t j = i;
        for (; j > 0 && key_cmp_from(arena, &t, &a[j - 1], from) < 0; j--)
            a[j] = a[j - 1];
        a[j] = t;
    }
}

/* True if a[0..n), which agree on their first `from` bytes, are in order already (the keys of
 * one author's run often are: record ids numbered as they are issued). */
static bool in_order(const uint8_t *arena, const pending_key *a, size_t n, size_t from)
{
    for (size_t i = 1; i < n; i++)
        if (key_cmp_from(arena, &a[i - 1], &a[i], from) > 0)
            return false;
    return true;
}

/* The first position at or after `at` where the keys a[0..n) are not all equal and all longer,
 * looking only within the word that holds `at` (which must be an inline one): the next word's
 * start if they agree on all of it. */
static size_t shared_bytes(const pending_key *a, size_t n, size_t at)
{
    unsigned w = (unsigned)(at / 8u);
    uint64_t diff = 0;
    size_t min_len = a[0].len;
    for (size_t i = 1; i < n; i++) {
        diff |= a[i].word[w] ^ a[0].word[w];
        min_len = a[i].len < min_len ? a[i].len : min_len;
    }
    diff &= UINT64_MAX >> (8u * (at % 8u));
    size_t next = diff == 0 ? 8u * (w + 1u) : 8u * w + (size_t)__builtin_clzll(diff) / 8u;
    return next < min_len ? next : min_len;
}

/* Distributes a[0..n) by their digit at position `at` (stable), through tmp. Returns false, with
 * nothing moved, when they all have the same digit there. Never inlined: its counts (1 KiB) stay
 * out of radix_sort's recursive frames. */
__attribute__((noinline)) static bool partition(const uint8_t *arena, pending_key *a,
                                                pending_key *tmp, size_t n, size_t at)
{
    uint32_t count[257] = { 0 };
    for (size_t i = 0; i < n; i++)
        count[key_digit(arena, &a[i], at)]++;
    if (count[key_digit(arena, &a[0], at)] == n)
        return false;
    uint32_t pos = 0;
    for (unsigned d = 0; d < 257u; d++) {
        uint32_t c = count[d];
        count[d] = pos;
        pos += c;
    }
    for (size_t i = 0; i < n; i++)
        tmp[count[key_digit(arena, &a[i], at)]++] = a[i];
    memcpy(a, tmp, n * sizeof(*a));
    return true;
}

/*
 * Sorts a[0..n), keys of one database that agree on their first `at` bytes, into LMDB's order:
 * a most-significant-digit radix sort, one byte per level, that skips at once the bytes all the
 * keys share (whole inline words at a time: the index keys of one country share their first
 * 16 bytes), and sorts small groups by insertion. Each level moves a key at most once, and the
 * random ids are in order after two levels. `tmp` has room for n keys. Recursion is bounded by
 * the key length (INDEX_KEY_MAX), and each frame holds a few words: the counts live in
 * partition().
 */
static void radix_sort(const uint8_t *arena, pending_key *a, pending_key *tmp, size_t n, size_t at)
{
    if (n > SORT_SMALL && in_order(arena, a, n, at))
        return;
    while (n > SORT_SMALL) {
        if (at < 8u * PENDING_WORDS) {
            size_t next = shared_bytes(a, n, at);
            if (next > at) {
                at = next;
                continue;
            }
        }
        if (!partition(arena, a, tmp, n, at)) {
            if (key_digit(arena, &a[0], at) == 0)
                return; /* every key ends here: all equal */
            at++;
            continue;
        }
        /* Keys that end at `at` (digit 0) are equal; the others go one level down. */
        for (size_t i = 0, j; i < n; i = j) {
            unsigned d = key_digit(arena, &a[i], at);
            for (j = i + 1; j < n && key_digit(arena, &a[j], at) == d; j++)
                ;
            if (d != 0 && j - i > 1)
                radix_sort(arena, a + i, tmp, j - i, at + 1u);
        }
        return;
    }
    insertion_sort(arena, a, n, at);
}

static const uint8_t *fallback_arena; /* for qsort, which passes no context */

static int pending_cmp(const void *a, const void *b)
{
    const pending_key *x = a, *y = b;
    if (x->db != y->db)
        return x->db < y->db ? -1 : 1;
    return key_cmp_from(fallback_arena, x, y, 0);
}

/*
 * Puts the batch's keys in the order they are written: by database, then LMDB's byte order. One
 * counting pass by database, then radix_sort within each. Without the memory for a second array
 * it falls back to qsort.
 */
static void batch_sort(store_batch *b)
{
    size_t n = b->n;
    if (n < 2)
        return;
    if (b->spare_cap < b->keys_cap) {
        free(b->spare);
        b->spare_cap = 0;
        if ((b->spare = malloc(b->keys_cap * sizeof(*b->spare))) == NULL) {
            fallback_arena = b->arena;
            qsort(b->keys, n, sizeof(*b->keys), pending_cmp);
            return;
        }
        b->spare_cap = b->keys_cap;
    }
    pending_key *sorted = b->spare;
    size_t start[STORE_DB_COUNT + 1] = { 0 };
    for (size_t i = 0; i < n; i++)
        start[b->keys[i].db + 1u]++;
    for (unsigned d = 0; d < STORE_DB_COUNT; d++)
        start[d + 1] += start[d];
    size_t at[STORE_DB_COUNT];
    memcpy(at, start, sizeof(at));
    for (size_t i = 0; i < n; i++)
        sorted[at[b->keys[i].db]++] = b->keys[i];
    /* The old array is the scratch of the radix sort. */
    for (unsigned d = 0; d < STORE_DB_COUNT; d++)
        radix_sort(b->arena, sorted + start[d], b->keys, start[d + 1] - start[d], 0);
    size_t cap = b->spare_cap;
    b->spare = b->keys;
    b->spare_cap = b->keys_cap;
    b->keys = sorted;
    b->keys_cap = cap;
}

/* LMDB's order of keys (mdb_cmp_memn): bytes, then the shorter first. */
static int lmdb_key_cmp(const void *x, size_t xlen, const void *y, size_t ylen)
{
    int c = memcmp(x, y, xlen < ylen ? xlen : ylen);
    return c != 0 ? c : (xlen > ylen) - (xlen < ylen);
}

/*
 * Writes the sorted keys keys[i..end) of one database through a cursor `ic` of it. Keys after
 * the largest one the database held go in with MDB_APPEND: LMDB then neither searches for their
 * place nor splits a full last page in two halves (of which the left one would never fill
 * again), but starts a new page, so that a batch written into the tail of an index fills its
 * pages and touches each once. Which keys are stored, and with which values, is the same either
 * way. A key that repeats the one before it (two versions of a spec name the same spec_prov
 * key) is put again without MDB_APPEND, which refuses it, and overwrites it as any put does.
 * Returns 0 or an LMDB error.
 */
static int put_sorted(MDB_cursor *ic, const store_batch *b, size_t i, size_t end)
{
    MDB_val k, v, last, lastv;
    size_t append_from = i;
    int rc = mdb_cursor_get(ic, &last, &lastv, MDB_LAST);
    if (rc == 0) {
        /* The first key past `last`, by bisection of the sorted keys. */
        size_t lo = i, hi = end;
        while (lo < hi) {
            size_t mid = lo + (hi - lo) / 2u;
            const pending_key *pk = &b->keys[mid];
            if (lmdb_key_cmp(b->arena + pk->off, pk->len, last.mv_data, last.mv_size) <= 0)
                lo = mid + 1u;
            else
                hi = mid;
        }
        append_from = lo;
    } else if (rc != MDB_NOTFOUND) {
        return rc;
    }
    for (; i < end; i++) {
        const pending_key *pk = &b->keys[i];
        k = (MDB_val){ pk->len, b->arena + pk->off };
        v = pk->has_loc ? (MDB_val){ LOC_BYTES, b->arena + pk->off + pk->len }
                        : (MDB_val){ 0, NULL };
        rc = i >= append_from ? mdb_cursor_put(ic, &k, &v, MDB_APPEND) : MDB_KEYEXIST;
        if (rc == MDB_KEYEXIST)
            rc = mdb_cursor_put(ic, &k, &v, 0);
        if (rc != 0)
            return rc;
    }
    return 0;
}

/*
 * Sorts the batch and writes it in key order, one cursor per index (put_sorted): LMDB then
 * searches only the current leaf page while the next key falls within it, and appends past the
 * index's last key. The keys go out in write transactions of at most RN_INDEX_TXN_KEYS keys
 * each, the first being `txn` (which this function commits or aborts), and the watermarks `adv`
 * advance in the last one. Sorted chunks cover disjoint key ranges, so each index page is still
 * written about once per batch, while LMDB's dirty-page buffers (which it keeps for reuse until
 * the environment closes) stay bounded by one chunk. A crash between chunks leaves keys past the
 * watermarks, which the next pass writes again.
 */
static int batch_commit(store *s, MDB_txn *txn, store_batch *b, const store_head *adv, size_t nadv)
{
    int rc = 0;
    batch_sort(b);
    for (size_t i = 0;;) {
        size_t end = b->n - i > RN_INDEX_TXN_KEYS ? i + RN_INDEX_TXN_KEYS : b->n;
        while (i < end) {
            MDB_cursor *ic;
            uint8_t db = b->keys[i].db;
            size_t j = i;
            while (j < end && b->keys[j].db == db)
                j++;
            if ((rc = mdb_cursor_open(txn, s->priv->dbi[db], &ic)) != 0) {
                rc = store_lmdb_err(rc, "index cursor");
                goto fail;
            }
            rc = put_sorted(ic, b, i, j);
            mdb_cursor_close(ic);
            if (rc != 0) {
                rc = store_lmdb_err(rc, "put index");
                goto fail;
            }
            i = j;
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
    /* The first entry from `seq` on that has an id (roster and succession records have none);
     * with none, the entries to index carry no index keys, and the country is not used. */
    store_head h;
    RN_TRY(store_head_read(s, txn, author, &h));
    memcpy(country, "??", 3);
    for (; seq <= h.seq; seq++) {
        proto_str first;
        proto_entry fe;
        RN_TRY(store_entry_raw(s, txn, author, seq, &first));
        if (proto_entry_decode(&fe, first.ptr, first.len, NULL) != 0 ||
            proto_record_decode(&b->rec, fe.kind, fe.body, fe.body_len, NULL) != 0)
            return RN_ECORRUPT;
        proto_str rid = proto_record_id(&b->rec);
        if (rid.len >= 2) {
            memcpy(country, rid.ptr, 2);
            country[2] = '\0';
            break;
        }
    }
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

static int index_flush(store *s, bool keep);

/* store_index_flush; `keep` keeps a large batch's memory for the next keys (a catch-up's batch
 * that filled up). */
static int flush(store *s, bool keep)
{
    bool pending = s->index_pending;
    int rc = index_flush(s, keep);
    /* A cut made known since: the entries past it leave the indexes, now that they hold every
     * entry (lineage.c). */
    if (rc == 0 && s->priv->purge_pending)
        rc = lineage_purge(s);
    s->index_error = rc < 0 ? rc : 0;
    store_note_full(s, rc, pending && rc == 0);
    return rc;
}

int store_index_flush(store *s)
{
    return flush(s, false);
}

static int index_flush(store *s, bool keep)
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
     * catch-up grew large goes back, so that an idle node stays small; a small one is kept, and
     * so is a large one that filled up in the middle of a catch-up (`keep`): the next keys come
     * at once, and memory handed back would have to be faulted in again, page by page (some
     * 50 MiB a batch, 8% of a catch-up's time). */
    if (!keep && s->priv->batch != NULL && s->priv->batch->arena_cap > BATCH_BYTES_INITIAL * 16u) {
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
        RN_TRY(flush(s, true));
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

int store_index_order(const uint8_t *dbs, const uint8_t *const *keys, const size_t *lens, size_t n,
                      uint32_t *order)
{
    int rc = RN_ENOMEM;
    size_t bytes = 0;
    for (size_t i = 0; i < n; i++) {
        RN_ASSERT(dbs[i] < STORE_DB_COUNT && lens[i] >= 1 && lens[i] <= INDEX_KEY_MAX);
        bytes += lens[i];
    }
    store_batch *b = calloc(1, sizeof(*b)); /* its scratch and record are large for a stack */
    uint32_t *offs = malloc((n > 0 ? n : 1) * sizeof(*offs));
    if (b == NULL || offs == NULL)
        goto out;
    b->keys = malloc((n > 0 ? n : 1) * sizeof(*b->keys));
    b->arena = malloc(bytes + LOC_BYTES);
    if (b->keys == NULL || b->arena == NULL)
        goto out;
    b->keys_cap = n;
    b->arena_cap = bytes + LOC_BYTES;
    for (size_t i = 0; i < n; i++) {
        offs[i] = (uint32_t)b->used;
        batch_add(b, (enum store_db)dbs[i], keys[i], lens[i], NULL);
    }
    batch_sort(b);
    for (size_t i = 0; i < n; i++) {
        /* Keys went into the arena in input order: their offsets ascend. */
        size_t lo = 0, hi = n;
        while (hi - lo > 1) {
            size_t mid = lo + (hi - lo) / 2u;
            if (offs[mid] <= b->keys[i].off)
                lo = mid;
            else
                hi = mid;
        }
        RN_ASSERT(offs[lo] == b->keys[i].off);
        order[i] = (uint32_t)lo;
    }
    rc = 0;
out:
    free(offs);
    store_batch_free(b);
    return rc;
}
