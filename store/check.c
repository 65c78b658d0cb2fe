/*
 * check.c: store_check, the whole replica checked against its own entries (store.h, "Consistency"):
 * one pass over every log, re-deriving with index_keys (keys.c) the keys the index pass wrote.
 */
#include <stdlib.h>
#include <string.h>

#include "store/keys.h"
#include "store/store_internal.h"

/* Whether `lineage` holds the roster entry (author, seq). */
static bool change_indexed(store_read *r, const uint8_t *author, uint64_t seq)
{
    uint8_t key[1 + LOC_BYTES];
    key[0] = 'r';
    loc_key(key + 1, author, seq);
    MDB_val k = { sizeof(key), key }, v;
    return mdb_get(r->txn, r->s->priv->dbi[STORE_DB_LINEAGE], &k, &v) == 0;
}

static int check_author(store_read *r, const store_head *h, uint64_t *index_counts,
                        uint64_t *changes, proto_record *rec, store_check_result *out)
{
    store *s = r->s;
    const char *country = store_author_country(s, h->author);
    char id_country[3] = { 0 };
    uint8_t prev[PROTO_ID_BYTES], id[PROTO_ID_BYTES];
    index_key keys[INDEX_KEYS_MAX];
    uint64_t last_ts = 0;

    for (uint64_t seq = 1; seq <= h->seq; seq++) {
        proto_str b;
        proto_entry e;
        int rc = store_entry_raw(s, r->txn, h->author, seq, &b);
        out->bad_seq = seq;
        memcpy(out->bad_author, h->author, PROTO_KEY_BYTES);
        if (rc < 0)
            return rc == RN_ENOTFOUND ? RN_ECORRUPT : rc;
        proto_entry_id(b.ptr, b.len, id);
        uint8_t a2[PROTO_KEY_BYTES];
        uint64_t s2;
        if (store_entry_find(r, id, a2, &s2) != 0 || memcmp(a2, h->author, PROTO_KEY_BYTES) != 0 ||
            s2 != seq)
            return store_entry_damaged(s, h->author, seq);
        if (proto_entry_decode(&e, b.ptr, b.len, NULL) != 0 ||
            memcmp(e.author, h->author, PROTO_KEY_BYTES) != 0 || e.seq != seq ||
            (seq > 1 && memcmp(e.prev, prev, PROTO_ID_BYTES) != 0) || e.timestamp_ms < last_ts ||
            proto_record_decode(rec, e.kind, e.body, e.body_len, NULL) != 0)
            return RN_ECORRUPT;
        out->bad_seq = 0;
        if (country == NULL && proto_record_id(rec).len >= 2) {
            /* The author has left the roster since; its entries stay, and the country their
             * indexes were written with is the prefix of their ids (checked at ingest). */
            memcpy(id_country, proto_record_id(rec).ptr, 2);
            country = id_country;
        }
        /* Entries past their author's cut stay in the log as evidence, out of the indexes. */
        bool past = lineage_past_cut_entry(s, h->author, seq, e.timestamp_ms, b.ptr, b.len);
        if (!past && rec->kind == PROTO_KIND_ROSTER) {
            if (!change_indexed(r, h->author, seq))
                return RN_ECORRUPT;
            (*changes)++;
        }
        size_t nk = past || country == NULL ? 0 : index_keys(&e, rec, country, keys);
        for (size_t i = 0; i < nk; i++) {
            MDB_val k = { keys[i].len, keys[i].key }, v;
            if (mdb_get(r->txn, s->priv->dbi[keys[i].db], &k, &v) != 0)
                return RN_ECORRUPT;
            index_counts[keys[i].db]++;
        }
        memcpy(prev, id, PROTO_ID_BYTES);
        last_ts = e.timestamp_ms;
    }
    if (h->seq > 0 && (memcmp(prev, h->id, PROTO_ID_BYTES) != 0 || last_ts != h->timestamp_ms))
        return RN_ECORRUPT;
    if (h->indexed_seq != h->seq)
        return RN_ECORRUPT;
    /* Nothing past the head. */
    proto_str extra;
    if (store_entry_raw(s, r->txn, h->author, h->seq + 1, &extra) == 0)
        return RN_ECORRUPT;
    return 0;
}

int store_check(store *s, store_check_result *out)
{
    store_read r;
    store_head *heads = NULL;
    proto_record *rec = NULL;
    uint64_t counts[STORE_DB_COUNT] = { 0 }, changes = 0;
    size_t n = 0;
    int err;

    memset(out, 0, sizeof(*out));
    RN_TRY(store_query_begin(s, &r)); /* runs the index pass first */
    if (r.index_behind) {
        err = s->index_error;
        goto out;
    }
    RN_GUARD(err, store_heads(&r, NULL, 0, &n));
    heads = calloc(n > 0 ? n : 1, sizeof(*heads));
    rec = malloc(sizeof(*rec));
    if (heads == NULL || rec == NULL) {
        err = RN_ENOMEM;
        goto out;
    }
    RN_GUARD(err, store_heads(&r, heads, n, &n));
    for (size_t i = 0; i < n; i++) {
        RN_GUARD(err, check_author(&r, &heads[i], counts, &changes, rec, out));
        out->authors++;
        out->entries += heads[i].seq;
    }
    /* Every index holds exactly the keys its entries imply, and nothing else. Index keys are
     * written with overwrite, so two entries could map to one key only by a collision of
     * (kind, id, ts, seq), which the layout rules out; the counts must match exactly. */
    static const enum store_db derived[] = { STORE_DB_VERSIONS, STORE_DB_DEC_SPEC,
                                             STORE_DB_SUPERSEDED };
    for (size_t i = 0; i < sizeof(derived) / sizeof(derived[0]); i++) {
        MDB_stat st;
        if (mdb_stat(r.txn, s->priv->dbi[derived[i]], &st) != 0 ||
            st.ms_entries != counts[derived[i]]) {
            err = RN_ECORRUPT;
            goto out;
        }
    }
    /* The index of roster entries holds those entries, and nothing else. */
    {
        MDB_cursor *c;
        MDB_val k, v;
        uint8_t p = 'r';
        uint64_t held = 0;
        int rc = mdb_cursor_open(r.txn, s->priv->dbi[STORE_DB_LINEAGE], &c);
        if (rc != 0) {
            err = store_lmdb_err(rc, "lineage cursor");
            goto out;
        }
        k = (MDB_val){ 1, &p };
        for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
             rc == 0 && k.mv_size > 0 && ((const uint8_t *)k.mv_data)[0] == 'r';
             rc = mdb_cursor_get(c, &k, &v, MDB_NEXT))
            held++;
        mdb_cursor_close(c);
        if (held != changes) {
            err = RN_ECORRUPT;
            goto out;
        }
    }
    MDB_stat st;
    if (mdb_stat(r.txn, s->priv->dbi[STORE_DB_ENTRIES], &st) != 0 ||
        st.ms_entries != out->entries || mdb_stat(r.txn, s->priv->dbi[STORE_DB_IDS], &st) != 0 ||
        st.ms_entries != out->entries) {
        err = RN_ECORRUPT;
        goto out;
    }
    err = 0;
out:
    store_read_end(&r);
    free(heads);
    free(rec);
    return err;
}
