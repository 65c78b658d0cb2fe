/*
 * lineage.c: who may author by the governed roster (store.h, "Authors by the governed roster";
 * store/README.md, "Lineage"): the author table in force, the cuts successions make, the chain's
 * documents, the index of roster entries, and the purge that takes the entries past a cut out of
 * the record indexes.
 *
 * The table is the node's (store_authors_set), or a genesis-only one built from the roster
 * (store_roster_set, or at open from the roster saved), or at open the one of the chain held in
 * the replica. Its cuts (compromised, removed) and the successions' cuts (planned rotations) say
 * for each key up to where its log counts: entries past the cut are refused at ingest and append,
 * and those the replica held before the cut was known are taken out of the record indexes by
 * lineage_purge, which runs at the end of every index pass that finds a cut not yet purged (so
 * that a crash between the commit that made a cut known and its purge is made good by the next
 * pass, at the latest the one store_open runs).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/authors.h"
#include "proto/rosterchain.h"
#include "store/keys.h"
#include "store/store_internal.h"

#define LIN_CHANGE          'r' /* 'r' author(32) be64(seq) -> (empty): a roster entry (kind 7) */
#define LIN_SUCCESSION      's' /* 's' key(32) -> be64(last_seq) last_id(32) successor(32) */
#define LIN_PURGED          'p' /* 'p' key(32) -> be64(seq_cut) be64(time_cut) id(32) (zero: none) */
#define LIN_CUT_OFF         'w' /* 'w' kind(1) rid -> author(32) be64(seq) be64(timestamp) */
#define CUT_OFF_VALUE_BYTES (PROTO_KEY_BYTES + 16u)
#define SUCC_VALUE_BYTES    (8u + PROTO_ID_BYTES + PROTO_KEY_BYTES)
#define PURGED_VALUE_BYTES  (16u + PROTO_ID_BYTES)

/* ---- The table ---- */

void lineage_free(store *s)
{
    if (s->priv == NULL)
        return;
    free(s->priv->authors.v);
    free(s->priv->authors.countries);
    memset(&s->priv->authors, 0, sizeof(s->priv->authors));
    free(s->priv->succ);
    s->priv->succ = NULL;
    s->priv->succ_n = s->priv->succ_cap = 0;
}

/* Installs a copy of table `a`. Returns 0 or RN_ENOMEM (then the table in force stays). */
static int table_install(store *s, const proto_authors *a)
{
    proto_author *v = malloc((a->n > 0 ? a->n : 1) * sizeof(*v));
    char(*cc)[3] = malloc((a->countries_n > 0 ? a->countries_n : 1) * sizeof(*cc));
    if (v == NULL || cc == NULL) {
        free(v);
        free(cc);
        return RN_ENOMEM;
    }
    if (a->n > 0)
        memcpy(v, a->v, a->n * sizeof(*v));
    if (a->countries_n > 0)
        memcpy(cc, a->countries, a->countries_n * sizeof(*cc));
    free(s->priv->authors.v);
    free(s->priv->authors.countries);
    s->priv->authors = (proto_authors){
        .v = v, .n = a->n, .countries = cc, .countries_n = a->countries_n, .version = a->version
    };
    s->priv->purge_pending = true;
    return 0;
}

/* Installs the genesis-only table of the roster in force (s->roster). */
int lineage_from_roster(store *s)
{
    proto_authors a;
    memset(&a, 0, sizeof(a));
    RN_TRY(proto_authors_from_roster(&a, &s->roster));
    int rc = table_install(s, &a);
    proto_authors_free(&a);
    return rc;
}

const struct proto_authors *store_authors(const store *s)
{
    return &s->priv->authors;
}

const char *store_author_country(const store *s, const uint8_t author[PROTO_KEY_BYTES])
{
    const proto_author *a = proto_authors_find(&s->priv->authors, author);
    if (a == NULL || !a->was_authority)
        return NULL;
    return a->country;
}

bool store_is_authority_of(const store *s, const uint8_t key[PROTO_KEY_BYTES],
                           const char country[2])
{
    return proto_authors_is_authority_of(&s->priv->authors, key, country);
}

bool store_lineage_has(const store *s, const char country[2])
{
    for (size_t i = 0; i < s->priv->authors.n; i++)
        if (proto_authors_is_authority_of(&s->priv->authors, s->priv->authors.v[i].key, country))
            return true;
    return false;
}

size_t store_lineage_keys(const store *s, const char country[2], const uint8_t **keys, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < s->priv->authors.n; i++) {
        const proto_author *a = &s->priv->authors.v[i];
        if (!proto_authors_is_authority_of(&s->priv->authors, a->key, country))
            continue;
        if (n < max)
            keys[n] = a->key;
        n++;
    }
    return n;
}

/* ---- Cuts ---- */

static const struct store_succ *succ_find(const store *s, const uint8_t *key)
{
    for (size_t i = 0; i < s->priv->succ_n; i++)
        if (memcmp(s->priv->succ[i].key, key, PROTO_KEY_BYTES) == 0)
            return &s->priv->succ[i];
    return NULL;
}

static int succ_add(store *s, const struct store_succ *x)
{
    if (succ_find(s, x->key) != NULL)
        return 0;
    if (s->priv->succ_n == s->priv->succ_cap) {
        size_t cap = s->priv->succ_cap > 0 ? 2 * s->priv->succ_cap : 8;
        struct store_succ *p = realloc(s->priv->succ, cap * sizeof(*p));
        if (p == NULL)
            return RN_ENOMEM;
        s->priv->succ = p;
        s->priv->succ_cap = cap;
    }
    s->priv->succ[s->priv->succ_n++] = *x;
    s->priv->purge_pending = true;
    return 0;
}

uint64_t lineage_succ_cut(const store *s, const uint8_t *key)
{
    const struct store_succ *x = succ_find(s, key);
    return x != NULL ? x->last_seq : PROTO_AUTHORS_NO_CUT;
}

store_cut lineage_cut(const store *s, const uint8_t *key)
{
    store_cut c = { UINT64_MAX, UINT64_MAX, false, { 0 } };
    const proto_author *a = proto_authors_find(&s->priv->authors, key);
    if (a != NULL && a->has_cut) {
        c.seq = a->cut_seq;
        c.has_id = a->cut_seq > 0;
        memcpy(c.id, a->cut_id, PROTO_ID_BYTES);
    }
    if (a != NULL && a->has_time_cut)
        c.time = a->time_cut;
    const struct store_succ *x = succ_find(s, key);
    if (x != NULL && x->last_seq < c.seq && (a == NULL || a->end == PROTO_RC_END_ROTATED)) {
        c.seq = x->last_seq;
        c.has_id = x->last_seq > 0;
        memcpy(c.id, x->last_id, PROTO_ID_BYTES);
    }
    return c;
}

bool lineage_past_cut(const store *s, const uint8_t *key, uint64_t seq, uint64_t ts)
{
    store_cut c = lineage_cut(s, key);
    return seq > c.seq || ts > c.time;
}

/* Whether entry (seq, ts, bytes) is past cut c. */
static bool past(const store_cut *c, uint64_t seq, uint64_t ts, const uint8_t *bytes, size_t len)
{
    if (seq > c->seq || ts > c->time)
        return true;
    if (seq != c->seq || !c->has_id)
        return false;
    uint8_t id[PROTO_ID_BYTES];
    proto_entry_id(bytes, len, id);
    return memcmp(id, c->id, PROTO_ID_BYTES) != 0;
}

bool lineage_past_cut_entry(const store *s, const uint8_t *key, uint64_t seq, uint64_t ts,
                            const uint8_t *bytes, size_t len)
{
    store_cut c = lineage_cut(s, key);
    return past(&c, seq, ts, bytes, len);
}

int lineage_id_check(const store *s, const proto_entry *e, const uint8_t id[PROTO_ID_BYTES],
                     rn_diag *d)
{
    /* Only a succession's cut adds to proto_authors_entry_check (which checks a compromised
     * rotation's id itself): most entries are of keys with none, found in a short list. */
    const struct store_succ *x = s->priv->succ_n > 0 ? succ_find(s, e->author) : NULL;
    if (x == NULL || e->seq != x->last_seq)
        return 0;
    store_cut c = lineage_cut(s, e->author);
    if (c.has_id && e->seq == c.seq && memcmp(id, c.id, PROTO_ID_BYTES) != 0)
        return rn_fail(d, RN_ESUPERSEDED, "entry.seq");
    return 0;
}

int store_succession_cut(store *s, const uint8_t key[PROTO_KEY_BYTES], uint64_t *seq)
{
    const struct store_succ *x = succ_find(s, key);
    if (x == NULL)
        return RN_ENOTFOUND;
    *seq = x->last_seq;
    return 0;
}

/* Loads the successions' cuts kept in the replica (store_open). */
int lineage_load(store *s, MDB_txn *txn)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t p = LIN_SUCCESSION;
    int rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_LINEAGE], &c);
    if (rc != 0)
        return store_lmdb_err(rc, "lineage cursor");
    int err = 0;
    k = (MDB_val){ 1, &p };
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *kp = k.mv_data, *vp = v.mv_data;
        if (kp[0] != LIN_SUCCESSION)
            break;
        if (k.mv_size != 1 + PROTO_KEY_BYTES || v.mv_size != SUCC_VALUE_BYTES) {
            err = RN_ECORRUPT;
            break;
        }
        struct store_succ x;
        memcpy(x.key, kp + 1, PROTO_KEY_BYTES);
        x.last_seq = get_be64(vp);
        memcpy(x.last_id, vp + 8, PROTO_ID_BYTES);
        memcpy(x.successor, vp + 8 + PROTO_ID_BYTES, PROTO_KEY_BYTES);
        if ((err = succ_add(s, &x)) < 0)
            break;
    }
    mdb_cursor_close(c);
    if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
        err = store_lmdb_err(rc, "lineage read");
    return err;
}

/* ---- Ingest and append ---- */

int lineage_author(const store *s, const uint8_t *author, const char **country)
{
    const proto_author *a = proto_authors_find(&s->priv->authors, author);
    if (a == NULL)
        return RN_EROSTER;
    if (!a->was_authority)
        return RN_EROLE;
    *country = a->country;
    return 0;
}

int lineage_entry_check(const store *s, const proto_entry *e, const proto_record *r,
                        const char **country, rn_diag *d)
{
    return proto_authors_entry_check(&s->priv->authors, e, r, lineage_succ_cut(s, e->author),
                                     country, d);
}

/* The rules of a succession (kind 8) `r` carried by entry `e`, against the table and the
 * predecessor's log as held in `txn`; fills *out with the cut it makes. */
static int succession_check(const store *s, MDB_txn *txn, const proto_entry *e,
                            const proto_succession *r, struct store_succ *out, rn_diag *d)
{
    /* Seq 1, a key that came by rotation from the predecessor, a compromised rotation's cut:
     * proto_authors_entry_check. Here what the predecessor's log held says. */
    if (r->last_seq > 0) {
        proto_str held;
        int rc = store_entry_raw(s, txn, r->predecessor, r->last_seq, &held);
        if (rc == 0) {
            proto_entry pe;
            uint8_t id[PROTO_ID_BYTES];
            if (proto_entry_decode(&pe, held.ptr, held.len, NULL) != 0)
                return RN_ECORRUPT;
            proto_entry_id(held.ptr, held.len, id);
            if (memcmp(id, r->last_id, PROTO_ID_BYTES) != 0)
                return rn_fail(d, RN_EINCONSISTENT, "succession.last_id");
            if (e->timestamp_ms <= pe.timestamp_ms)
                return rn_fail(d, RN_ETIME, "succession.timestamp");
        } else if (rc != RN_ENOTFOUND) {
            return rc;
        }
    }
    memcpy(out->key, r->predecessor, PROTO_KEY_BYTES);
    out->last_seq = r->last_seq;
    if (r->last_seq > 0)
        memcpy(out->last_id, r->last_id, PROTO_ID_BYTES);
    else
        memset(out->last_id, 0, PROTO_ID_BYTES);
    memcpy(out->successor, e->author, PROTO_KEY_BYTES);
    return 0;
}

int lineage_record_check(const store *s, MDB_txn *txn, const proto_entry *e, const proto_record *r,
                         struct store_succ *succ, bool *has_succ, rn_diag *d)
{
    *has_succ = false;
    if (r->kind != PROTO_KIND_SUCCESSION)
        return 0;
    RN_TRY(succession_check(s, txn, e, &r->u.succession, succ, d));
    *has_succ = true;
    return 0;
}

int lineage_entry_put(store *s, MDB_txn *txn, const proto_entry *e, const proto_record *r,
                      const struct store_succ *succ)
{
    uint8_t key[1 + LOC_BYTES], val[SUCC_VALUE_BYTES];
    MDB_val k, v;
    int rc;
    if (r->kind == PROTO_KIND_ROSTER) {
        key[0] = LIN_CHANGE;
        loc_key(key + 1, e->author, e->seq);
        k = (MDB_val){ sizeof(key), key };
        v = (MDB_val){ 0, NULL };
    } else if (r->kind == PROTO_KIND_SUCCESSION) {
        RN_ASSERT(succ != NULL);
        key[0] = LIN_SUCCESSION;
        memcpy(key + 1, succ->key, PROTO_KEY_BYTES);
        put_be64(val, succ->last_seq);
        memcpy(val + 8, succ->last_id, PROTO_ID_BYTES);
        memcpy(val + 8 + PROTO_ID_BYTES, succ->successor, PROTO_KEY_BYTES);
        k = (MDB_val){ 1 + PROTO_KEY_BYTES, key };
        v = (MDB_val){ sizeof(val), val };
    } else {
        return 0;
    }
    if ((rc = mdb_put(txn, s->priv->dbi[STORE_DB_LINEAGE], &k, &v, 0)) != 0)
        return store_lmdb_err(rc, "put lineage");
    return 0;
}

int lineage_unwind(store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq)
{
    proto_str b;
    proto_entry e;
    int rc = store_entry_raw(s, txn, author, seq, &b);
    if (rc == RN_ENOTFOUND)
        return 0;
    RN_TRY(rc);
    if (proto_entry_decode(&e, b.ptr, b.len, NULL) != 0)
        return RN_ECORRUPT;
    uint8_t key[1 + LOC_BYTES];
    MDB_val k;
    if (e.kind == PROTO_KIND_ROSTER) {
        key[0] = LIN_CHANGE;
        loc_key(key + 1, author, seq);
        k = (MDB_val){ sizeof(key), key };
    } else if (e.kind == PROTO_KIND_SUCCESSION) {
        proto_record *rec = malloc(sizeof(*rec));
        if (rec == NULL)
            return RN_ENOMEM;
        rc = proto_record_decode(rec, e.kind, e.body, e.body_len, NULL);
        if (rc == 0) {
            key[0] = LIN_SUCCESSION;
            memcpy(key + 1, rec->u.succession.predecessor, PROTO_KEY_BYTES);
        }
        free(rec);
        if (rc != 0)
            return RN_ECORRUPT;
        k = (MDB_val){ 1 + PROTO_KEY_BYTES, key };
    } else {
        return 0;
    }
    rc = mdb_del(txn, s->priv->dbi[STORE_DB_LINEAGE], &k, NULL);
    return rc == 0 || rc == MDB_NOTFOUND ? 0 : store_lmdb_err(rc, "del lineage");
}

int lineage_committed(store *s, const struct store_succ *succ)
{
    return succ_add(s, succ);
}

/* ---- The purge ---- */

/* Notes that a version of `rec` (entry (author, seq), stamped `ts`) was taken out, keeping the
 * earliest such version of each record: whether one lies at or before a query's time is all
 * store_cut_off_get needs. */
static int cut_off_note(store *s, MDB_txn *txn, const proto_record *rec, const uint8_t *author,
                        uint64_t seq, uint64_t ts)
{
    proto_str rid = proto_record_id(rec);
    uint8_t key[2 + RN_ID_BYTES_MAX], val[CUT_OFF_VALUE_BYTES];
    if (rid.len == 0 || rid.len > RN_ID_BYTES_MAX)
        return RN_ECORRUPT;
    key[0] = LIN_CUT_OFF;
    key[1] = (uint8_t)rec->kind;
    memcpy(key + 2, rid.ptr, rid.len);
    MDB_val k = { 2 + rid.len, key }, v;
    int rc = mdb_get(txn, s->priv->dbi[STORE_DB_LINEAGE], &k, &v);
    if (rc == 0 && v.mv_size == sizeof(val) &&
        get_be64((const uint8_t *)v.mv_data + PROTO_KEY_BYTES + 8) <= ts)
        return 0;
    if (rc != 0 && rc != MDB_NOTFOUND)
        return store_lmdb_err(rc, "get cut off");
    memcpy(val, author, PROTO_KEY_BYTES);
    put_be64(val + PROTO_KEY_BYTES, seq);
    put_be64(val + PROTO_KEY_BYTES + 8, ts);
    v = (MDB_val){ sizeof(val), val };
    rc = mdb_put(txn, s->priv->dbi[STORE_DB_LINEAGE], &k, &v, 0);
    return rc == 0 ? 0 : store_lmdb_err(rc, "put cut off");
}

/* Takes the record index keys of entry (author, seq) out, those whose value is its location. */
static int purge_entry(store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                       const proto_entry *e, proto_record *rec, const char *country,
                       index_key *keys)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, author, seq);
    if (proto_record_decode(rec, e->kind, e->body, e->body_len, NULL) != 0)
        return RN_ECORRUPT;
    if (rec->kind == PROTO_KIND_ROSTER) {
        uint8_t key[1 + LOC_BYTES];
        key[0] = LIN_CHANGE;
        memcpy(key + 1, loc, LOC_BYTES);
        MDB_val k = { sizeof(key), key };
        int rc = mdb_del(txn, s->priv->dbi[STORE_DB_LINEAGE], &k, NULL);
        if (rc != 0 && rc != MDB_NOTFOUND)
            return store_lmdb_err(rc, "del lineage");
        return 0;
    }
    if (!proto_kind_is_registry(rec->kind))
        return 0;
    char cc[3];
    if (country == NULL) {
        proto_str rid = proto_record_id(rec);
        if (rid.len < 2)
            return 0;
        memcpy(cc, rid.ptr, 2);
        cc[2] = '\0';
        country = cc;
    }
    RN_TRY(cut_off_note(s, txn, rec, author, seq, e->timestamp_ms));
    size_t nk = index_keys(e, rec, country, keys);
    for (size_t i = 0; i < nk; i++) {
        if (!keys[i].has_loc)
            continue; /* "ever linked" sets: they lead to versions, which decide */
        MDB_val k = { keys[i].len, keys[i].key }, v;
        int rc = mdb_get(txn, s->priv->dbi[keys[i].db], &k, &v);
        if (rc == MDB_NOTFOUND)
            continue;
        if (rc != 0)
            return store_lmdb_err(rc, "get index");
        if (v.mv_size != LOC_BYTES || memcmp(v.mv_data, loc, LOC_BYTES) != 0)
            continue; /* another entry's */
        if ((rc = mdb_del(txn, s->priv->dbi[keys[i].db], &k, NULL)) != 0)
            return store_lmdb_err(rc, "del index");
    }
    return 0;
}

/* Purges the entries of `key` past cut `c` from the indexes, unless done for that cut already. */
static int purge_key(store *s, MDB_txn *txn, const uint8_t *key, store_cut c, proto_record *rec,
                     index_key *keys)
{
    uint8_t pk[1 + PROTO_KEY_BYTES], pv[PURGED_VALUE_BYTES];
    pk[0] = LIN_PURGED;
    memcpy(pk + 1, key, PROTO_KEY_BYTES);
    put_be64(pv, c.seq);
    put_be64(pv + 8, c.time);
    memcpy(pv + 16, c.has_id ? c.id : (const uint8_t[PROTO_ID_BYTES]){ 0 }, PROTO_ID_BYTES);
    MDB_val k = { sizeof(pk), pk }, v;
    int rc = mdb_get(txn, s->priv->dbi[STORE_DB_LINEAGE], &k, &v);
    if (rc == 0 && v.mv_size == sizeof(pv) && memcmp(v.mv_data, pv, sizeof(pv)) == 0)
        return 0;
    if (rc != 0 && rc != MDB_NOTFOUND)
        return store_lmdb_err(rc, "get lineage");
    store_head h;
    rc = store_head_read(s, txn, key, &h);
    if (rc < 0 && rc != RN_ENOTFOUND)
        return rc;
    const char *country = store_author_country(s, key);
    /* Timestamps never decrease along a log: the entries past the cut are a tail. */
    for (uint64_t seq = rc == 0 ? h.seq : 0; seq >= 1; seq--) {
        proto_str b;
        proto_entry e;
        RN_TRY(store_entry_raw(s, txn, key, seq, &b));
        if (proto_entry_decode(&e, b.ptr, b.len, NULL) != 0)
            return RN_ECORRUPT;
        if (seq < c.seq && e.timestamp_ms <= c.time)
            break;
        if (past(&c, seq, e.timestamp_ms, b.ptr, b.len))
            RN_TRY(purge_entry(s, txn, key, seq, &e, rec, country, keys));
    }
    v = (MDB_val){ sizeof(pv), pv };
    if ((rc = mdb_put(txn, s->priv->dbi[STORE_DB_LINEAGE], &k, &v, 0)) != 0)
        return store_lmdb_err(rc, "put lineage");
    return 0;
}

int lineage_purge(store *s)
{
    MDB_txn *txn = NULL;
    proto_record *rec = malloc(sizeof(*rec));
    index_key *keys = malloc(INDEX_KEYS_MAX * sizeof(*keys));
    int rc, err = 0;
    if (rec == NULL || keys == NULL) {
        err = RN_ENOMEM;
        goto out;
    }
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0) {
        err = store_lmdb_err(rc, "begin purge");
        goto out;
    }
    for (size_t i = 0; i < s->priv->authors.n; i++) {
        const uint8_t *key = s->priv->authors.v[i].key;
        store_cut c = lineage_cut(s, key);
        if (c.seq != UINT64_MAX || c.time != UINT64_MAX)
            RN_GUARD(err, purge_key(s, txn, key, c, rec, keys));
    }
    for (size_t i = 0; i < s->priv->succ_n; i++) {
        const uint8_t *key = s->priv->succ[i].key;
        if (proto_authors_find(&s->priv->authors, key) == NULL)
            RN_GUARD(err, purge_key(s, txn, key, lineage_cut(s, key), rec, keys));
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit purge");
        goto out;
    }
    s->priv->purge_pending = false;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    free(rec);
    free(keys);
    return err;
}

/* ---- The node's calls ---- */

int store_authors_set(store *s, const struct proto_authors *a)
{
    proto_roster r;
    RN_TRY(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX));
    int err = 0;
    for (size_t i = 0; i < a->n; i++) {
        const proto_author *m = &a->v[i];
        if (m->current)
            RN_GUARD(err, proto_roster_add(&r, m->country, strlen(m->country), m->role, m->key));
    }
    RN_GUARD(err, store_roster_save(s, &r));
    RN_GUARD(err, table_install(s, a));
    /* The cuts the table makes known take effect in the indexes now. */
    err = store_index_flush(s);
out:
    proto_roster_free(&r);
    return err;
}

int store_chain_append(store *s, const uint8_t *doc, size_t len)
{
    MDB_txn *txn = NULL;
    MDB_stat st;
    int rc, err = 0;
    if (len == 0 || len > RN_ROSTERCHAIN_GENESIS_BYTES_MAX)
        return RN_EINVAL;
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0)
        return store_lmdb_err(rc, "begin chain");
    if ((rc = mdb_stat(txn, s->priv->dbi[STORE_DB_CHAIN], &st)) != 0) {
        err = store_lmdb_err(rc, "chain");
        goto out;
    }
    /* The genesis first, then changes of the next versions in turn: a document of any other
     * form would make the next open refuse the replica. Signatures are the node's to check. */
    uint64_t version = (uint64_t)st.ms_entries + 1u;
    if (version == 1) {
        proto_rosterchain ch;
        if (proto_rosterchain_init(&ch, doc, len, NULL) != 0)
            err = RN_EINVAL;
        proto_rosterchain_free(&ch);
    } else {
        proto_rc_change *c = malloc(sizeof(*c));
        if (c == NULL)
            err = RN_ENOMEM;
        else if (proto_rosterchain_change_decode(c, doc, len, NULL) != 0 || c->version != version)
            err = RN_EINVAL;
        free(c);
    }
    if (err != 0)
        goto out;
    uint8_t kb[8];
    put_be64(kb, version);
    MDB_val k = { 8, kb }, v = { len, (void *)doc };
    if ((rc = mdb_put(txn, s->priv->dbi[STORE_DB_CHAIN], &k, &v, MDB_NOOVERWRITE)) != 0) {
        err = store_lmdb_err(rc, "put chain");
        goto out;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0)
        err = store_lmdb_err(rc, "commit chain");
    else if ((err = store_sync(s)) < 0)
        err = RN_ESTORE;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    return err;
}

bool lineage_has_chain(store *s)
{
    MDB_txn *txn;
    MDB_stat st;
    if (mdb_txn_begin(s->priv->env, NULL, MDB_RDONLY, &txn) != 0)
        return false;
    bool has = mdb_stat(txn, s->priv->dbi[STORE_DB_CHAIN], &st) == 0 && st.ms_entries > 0;
    mdb_txn_abort(txn);
    return has;
}

/* The chain held in `txn`, into `out`. */
static int chain_read(store *s, MDB_txn *txn, proto_rosterchain *out, rn_diag *d)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint64_t want = 1;
    int rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_CHAIN], &c);
    if (rc != 0)
        return store_lmdb_err(rc, "chain cursor");
    int err = RN_ENOTFOUND;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), want++) {
        if (k.mv_size != 8 || get_be64(k.mv_data) != want) {
            err = RN_ECORRUPT;
            break;
        }
        if (want == 1)
            err = proto_rosterchain_init(out, v.mv_data, v.mv_size, d);
        else
            err = proto_rosterchain_apply_bytes(out, v.mv_data, v.mv_size, d);
        if (err < 0)
            break;
    }
    mdb_cursor_close(c);
    if (err == 0 && rc != MDB_NOTFOUND)
        err = store_lmdb_err(rc, "chain read");
    if (err < 0 && want > 1)
        proto_rosterchain_free(out);
    return err;
}

int store_chain_load(store *s, struct proto_rosterchain *out, rn_diag *d)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->priv->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return store_lmdb_err(rc, "begin chain");
    int err = chain_read(s, txn, out, d);
    mdb_txn_abort(txn);
    return err;
}

int store_chain_document(store *s, uint64_t version, uint8_t **doc, size_t *len)
{
    MDB_txn *txn;
    uint8_t kb[8];
    *doc = NULL;
    *len = 0;
    int rc = mdb_txn_begin(s->priv->env, NULL, MDB_RDONLY, &txn);
    if (rc != 0)
        return store_lmdb_err(rc, "begin chain");
    put_be64(kb, version);
    MDB_val k = { 8, kb }, v;
    int err = 0;
    rc = mdb_get(txn, s->priv->dbi[STORE_DB_CHAIN], &k, &v);
    if (rc == MDB_NOTFOUND)
        err = RN_ENOTFOUND;
    else if (rc != 0)
        err = store_lmdb_err(rc, "get chain");
    else if ((*doc = malloc(v.mv_size > 0 ? v.mv_size : 1)) == NULL)
        err = RN_ENOMEM;
    else {
        memcpy(*doc, v.mv_data, v.mv_size);
        *len = v.mv_size;
    }
    mdb_txn_abort(txn);
    return err;
}

int lineage_open(store *s, MDB_txn *txn)
{
    proto_rosterchain ch;
    rn_diag d = { 0 };
    RN_TRY(lineage_load(s, txn));
    int rc = chain_read(s, txn, &ch, &d);
    if (rc == RN_ENOTFOUND)
        return lineage_from_roster(s);
    if (rc < 0) {
        fprintf(stderr,
                "recnet store: the governed roster held in the replica does not verify: %s"
                " (%s)\n",
                rn_strerror(rc), d.field != NULL ? d.field : "");
        return RN_ECORRUPT;
    }
    proto_authors a;
    memset(&a, 0, sizeof(a));
    rc = proto_authors_build(&a, &ch);
    proto_rosterchain_free(&ch);
    if (rc == 0)
        rc = table_install(s, &a);
    proto_authors_free(&a);
    return rc;
}

int store_cut_off_get(store_read *r, proto_kind kind, const uint8_t *rid, size_t rid_len,
                      uint64_t at_ms, store_version *out)
{
    uint8_t key[2 + RN_ID_BYTES_MAX];
    if (rid_len == 0 || rid_len > RN_ID_BYTES_MAX)
        return RN_ENOTFOUND;
    key[0] = LIN_CUT_OFF;
    key[1] = (uint8_t)kind;
    memcpy(key + 2, rid, rid_len);
    MDB_val k = { 2 + rid_len, key }, v;
    int rc = mdb_get(r->txn, r->s->priv->dbi[STORE_DB_LINEAGE], &k, &v);
    if (rc == MDB_NOTFOUND)
        return RN_ENOTFOUND;
    if (rc != 0)
        return store_lmdb_err(rc, "get cut off");
    if (v.mv_size != CUT_OFF_VALUE_BYTES)
        return RN_ECORRUPT;
    const uint8_t *p = v.mv_data;
    memcpy(out->author, p, PROTO_KEY_BYTES);
    out->seq = get_be64(p + PROTO_KEY_BYTES);
    out->timestamp_ms = get_be64(p + PROTO_KEY_BYTES + 8);
    return out->timestamp_ms <= at_ms ? 0 : RN_ENOTFOUND;
}

int store_roster_changes(store_read *r, store_change_cb cb, void *ctx)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t p = LIN_CHANGE;
    int rc = mdb_cursor_open(r->txn, r->s->priv->dbi[STORE_DB_LINEAGE], &c);
    if (rc != 0)
        return store_lmdb_err(rc, "lineage cursor");
    int err = 0;
    k = (MDB_val){ 1, &p };
    for (rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE); rc == 0 && err == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *kp = k.mv_data;
        if (kp[0] != LIN_CHANGE)
            break;
        uint8_t author[PROTO_KEY_BYTES];
        uint64_t seq;
        proto_str bytes;
        proto_entry e;
        if (loc_parse(kp + 1, k.mv_size - 1, author, &seq) < 0) {
            err = RN_ECORRUPT;
            break;
        }
        if ((err = store_entry_get(r, author, seq, &bytes)) < 0)
            break;
        if (proto_entry_decode_known(&e, bytes.ptr, bytes.len) != 0) {
            err = RN_ECORRUPT;
            break;
        }
        if (lineage_past_cut_entry(r->s, author, seq, e.timestamp_ms, bytes.ptr, bytes.len))
            continue;
        err = cb(ctx, author, seq, bytes.ptr, bytes.len);
    }
    mdb_cursor_close(c);
    if (err == RN_ENOTFOUND)
        err = RN_ECORRUPT; /* indexed, not held */
    if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
        err = store_lmdb_err(rc, "lineage read");
    return err;
}
