/*
 * store.c: the LMDB replica: open, ingest, local append, log reads, signatures, record versions.
 * The index pass is in index.c, store_check in check.c, the key layouts in keys.h.
 *
 * The workload is bursty catch-up (runs of up to RN_RUN_ENTRIES_MAX entries from one author, one
 * write transaction each) and a steady trickle of new entries; reads are queries from the control
 * socket. Ingest does the expensive checks (decode, links, one signature, records) before it
 * opens the write transaction, so the single writer is held only for the puts. Every index key is
 * built by one function, index_keys() (keys.c), used both to write the indexes and to check them
 * (store_check), so the two can never disagree about the layout.
 */
#include "store/keys.h"
#include "store/store_internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

static const char *const db_names[STORE_DB_COUNT] = {
    [STORE_DB_ENTRIES] = "entries",     [STORE_DB_IDS] = "ids",
    [STORE_DB_HEADS] = "heads",         [STORE_DB_FORKS] = "forks",
    [STORE_DB_ROSTER] = "roster",       [STORE_DB_VERSIONS] = "versions",
    [STORE_DB_DEC_SPEC] = "dec_spec",   [STORE_DB_SUPERSEDED] = "superseded",
    [STORE_DB_SPEC_PROV] = "spec_prov", [STORE_DB_SPEC_ISCED] = "spec_isced",
    [STORE_DB_ISSUER] = "issuer",       [STORE_DB_META] = "meta",
    [STORE_DB_ANCHORS] = "anchors",     [STORE_DB_SIGS] = "sigs",
    [STORE_DB_CHAIN] = "chain",         [STORE_DB_LINEAGE] = "lineage",
};

static_assert(STORE_DB_COUNT + 1u <= RN_STORE_DBS_MAX,
              /* + witness.c's */ "raise RN_STORE_DBS_MAX");

int store_lmdb_err(int rc, const char *what)
{
    if (rc == MDB_MAP_FULL)
        return RN_EFULL;
    if (rc == MDB_NOTFOUND)
        return RN_ENOTFOUND;
    fprintf(stderr, "recnet store: %s: %s\n", what, mdb_strerror(rc));
    return RN_ESTORE;
}

/* Writes entry `e` (already verified) into the replica through cursor `ec` over `entries` of the
 * write transaction. A run's keys ascend (author, seq), so the cursor, left where the last put
 * went, finds the next place on the same leaf page instead of searching from the root. Its id
 * and index keys are written later, by the index pass (index.c), which sorts them. */
static int put_entry(store *s, MDB_cursor *ec, const proto_entry *e)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, e->author, e->seq);
    MDB_val k = { LOC_BYTES, loc }, v = { e->len, (void *)e->bytes };
    int rc = mdb_cursor_put(ec, &k, &v, MDB_NOOVERWRITE);
    if (rc != 0)
        return store_lmdb_err(rc, "put entry");
    s->index_pending = true;
    return 0;
}

int store_head_put(store *s, MDB_txn *txn, const store_head *h)
{
    uint8_t val[HEAD_VALUE_BYTES];
    put_be64(val, h->seq);
    memcpy(val + 8, h->id, PROTO_ID_BYTES);
    put_be64(val + 8 + PROTO_ID_BYTES, h->timestamp_ms);
    val[8 + PROTO_ID_BYTES + 8] = (uint8_t)h->flags;
    put_be64(val + 8 + PROTO_ID_BYTES + 8 + 1, h->indexed_seq);
    MDB_val k = { PROTO_KEY_BYTES, (void *)h->author }, v = { sizeof(val), val };
    int rc = mdb_put(txn, s->priv->dbi[STORE_DB_HEADS], &k, &v, 0);
    return rc == 0 ? 0 : store_lmdb_err(rc, "put head");
}

int store_head_read(const store *s, MDB_txn *txn, const uint8_t *author, store_head *out)
{
    MDB_val k = { PROTO_KEY_BYTES, (void *)author }, v;
    int rc = mdb_get(txn, s->priv->dbi[STORE_DB_HEADS], &k, &v);
    if (rc != 0)
        return store_lmdb_err(rc, "get head");
    if (v.mv_size != HEAD_VALUE_BYTES)
        return RN_ECORRUPT;
    const uint8_t *p = v.mv_data;
    memcpy(out->author, author, PROTO_KEY_BYTES);
    out->seq = get_be64(p);
    memcpy(out->id, p + 8, PROTO_ID_BYTES);
    out->timestamp_ms = get_be64(p + 8 + PROTO_ID_BYTES);
    out->flags = p[8 + PROTO_ID_BYTES + 8];
    out->indexed_seq = get_be64(p + 8 + PROTO_ID_BYTES + 8 + 1);
    if (out->indexed_seq > out->seq)
        return RN_ECORRUPT;
    return 0;
}

/* Records (author, seq) as an anchor: its own signature was verified. Anchors at or below the
 * author's verified_seq are implied and not written. */
static int anchor_put_txn(store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, author, seq);
    MDB_val k = { LOC_BYTES, loc }, v = { 0, NULL };
    int rc = mdb_put(txn, s->priv->dbi[STORE_DB_ANCHORS], &k, &v, 0);
    return rc == 0 ? 0 : store_lmdb_err(rc, "put anchor");
}

/* Keeps s->full: set by a write that found the map full, cleared by the next one that committed
 * something. */
void store_note_full(store *s, int err, bool committed)
{
    if (err == RN_EFULL)
        s->full = true;
    else if (committed)
        s->full = false;
}

/* ---- Open and close ---- */

static int sigs_read(const store *s, MDB_txn *txn, const uint8_t *author, store_sigs *out);

/* Sets verify_pending if some author's log holds entries past its checked_seq. */
static int verify_scan(store *s, MDB_txn *txn)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_HEADS], &c);
    if (rc != 0)
        return store_lmdb_err(rc, "heads cursor");
    int err = 0;
    s->verify_pending = false;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && !s->verify_pending;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        store_head h;
        store_sigs sg;
        if (k.mv_size != PROTO_KEY_BYTES) {
            err = RN_ECORRUPT;
            break;
        }
        if ((err = store_head_read(s, txn, k.mv_data, &h)) < 0 ||
            (err = sigs_read(s, txn, k.mv_data, &sg)) < 0)
            break;
        s->verify_pending = sg.checked_seq < h.seq;
    }
    mdb_cursor_close(c);
    if (err == 0 && rc != 0 && rc != MDB_NOTFOUND)
        err = store_lmdb_err(rc, "heads");
    return err;
}

static int roster_load(store *s, MDB_txn *txn)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_ROSTER], &c);
    if (rc != 0)
        return store_lmdb_err(rc, "roster cursor");
    int err = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT)) {
        const uint8_t *p = v.mv_data;
        if (k.mv_size != PROTO_KEY_BYTES || v.mv_size != 3) {
            err = RN_ECORRUPT;
            break;
        }
        size_t clen = p[0] == 0 ? 0 : 2;
        err = proto_roster_add(&s->roster, (const char *)p, clen, (proto_role)p[2], k.mv_data);
        if (err < 0)
            break;
    }
    mdb_cursor_close(c);
    if (err == 0 && rc != MDB_NOTFOUND)
        err = store_lmdb_err(rc, "roster read");
    return err;
}

/* The roster saved in the replica is `shared` (store_options.roster): the same members, in the
 * same (key) order. Compared, not validated: `shared` was validated when it was built. */
static int roster_same(store *s, MDB_txn *txn, const proto_roster *shared)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_ROSTER], &c);
    if (rc != 0)
        return store_lmdb_err(rc, "roster cursor");
    size_t i = 0;
    int err = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0 && err == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), i++) {
        const uint8_t *p = v.mv_data;
        const proto_member *m = i < shared->count ? &shared->members[i] : NULL;
        if (k.mv_size != PROTO_KEY_BYTES || v.mv_size != 3)
            err = RN_ECORRUPT;
        else if (m == NULL || memcmp(k.mv_data, m->key, PROTO_KEY_BYTES) != 0 ||
                 p[2] != (uint8_t)m->role || memcmp(p, m->country, p[0] == 0 ? 1 : 2) != 0)
            err = RN_EINVAL;
    }
    mdb_cursor_close(c);
    if (err == 0 && rc != MDB_NOTFOUND)
        err = store_lmdb_err(rc, "roster read");
    if (err == 0 && i != shared->count)
        err = RN_EINVAL;
    return err;
}

/* RECNET_TEST_FAIL_SYNC=N (tests only, store.h): the N-th store_sync after open fails. */
static uint32_t test_fail_sync_env(void)
{
    const char *v = getenv("RECNET_TEST_FAIL_SYNC");
    if (v == NULL || v[0] < '0' || v[0] > '9')
        return 0;
    char *end = NULL;
    errno = 0;
    unsigned long n = strtoul(v, &end, 10);
    return errno == 0 && *end == '\0' && n <= UINT32_MAX ? (uint32_t)n : 0;
}

int store_open(store *s, const char *dir, const store_options *opt)
{
    MDB_txn *txn = NULL;
    int rc, err = 0;
    struct stat st;
    size_t map = opt != NULL && opt->map_bytes != 0 ? opt->map_bytes : RN_STORE_MAP_BYTES_DEFAULT;

    memset(s, 0, sizeof(*s));
    s->map_bytes = map;
    s->test_fail_sync = test_fail_sync_env();
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return RN_EIO;
    if (sodium_init() < 0)
        return RN_ESTORE;
    s->priv = calloc(1, sizeof(*s->priv));
    if (s->priv == NULL)
        return RN_ENOMEM;
    s->priv->sync_received = opt != NULL && opt->sync_received;
    s->priv->scratch = malloc(RN_ENTRY_BYTES_MAX);
    s->priv->checked = calloc(RN_STORE_CHECKED_SLOTS, sizeof(*s->priv->checked));
    if (s->priv->scratch == NULL || s->priv->checked == NULL) {
        store_close(s);
        return RN_ENOMEM;
    }
    RN_GUARD(err, proto_roster_init(&s->roster, RN_ROSTER_MEMBERS_MAX));

    if ((rc = mdb_env_create(&s->priv->env)) != 0) {
        err = store_lmdb_err(rc, "create environment");
        goto out;
    }
    (void)mdb_env_set_maxdbs(s->priv->env, RN_STORE_DBS_MAX);
    (void)mdb_env_set_mapsize(s->priv->env, map);
    /* Received entries commit without fsync (DESIGN.md section 5); store_append and store_sync
     * flush explicitly. Without MDB_WRITEMAP, LMDB keeps its commits atomic on file systems that
     * preserve write order even then: a crash loses the newest commits, never half of one. */
    unsigned flags = MDB_NOTLS | (s->priv->sync_received ? 0u : MDB_NOSYNC);
    if ((rc = mdb_env_open(s->priv->env, dir, flags, 0600)) != 0) {
        if (rc == ENOMEM) {
            /* The map is address space, reserved whole at open: an address-space limit
             * (ulimit -v, valgrind) smaller than map_bytes refuses it. */
            fprintf(stderr, "recnet store: cannot map %zu bytes for the replica: %s\n", map,
                    mdb_strerror(rc));
            err = RN_ENOMEM;
        } else {
            err = store_lmdb_err(rc, "open environment");
        }
        goto out;
    }
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0) {
        err = store_lmdb_err(rc, "begin");
        goto out;
    }
    for (int i = 0; i < STORE_DB_COUNT; i++) {
        if ((rc = mdb_dbi_open(txn, db_names[i], MDB_CREATE, &s->priv->dbi[i])) != 0) {
            err = store_lmdb_err(rc, "open database");
            goto out;
        }
    }
    {
        uint8_t want[8];
        put_be64(want, STORE_SCHEMA_VERSION);
        MDB_val k = { 6, "schema" }, v;
        rc = mdb_get(txn, s->priv->dbi[STORE_DB_META], &k, &v);
        if (rc == MDB_NOTFOUND) {
            v = (MDB_val){ 8, want };
            rc = mdb_put(txn, s->priv->dbi[STORE_DB_META], &k, &v, 0);
        } else if (rc == 0 && (v.mv_size != 8 || memcmp(v.mv_data, want, 8) != 0)) {
            err = RN_ECORRUPT;
            goto out;
        }
        if (rc != 0) {
            err = store_lmdb_err(rc, "schema");
            goto out;
        }
    }
    if (opt != NULL && opt->roster != NULL) {
        RN_GUARD(err, roster_same(s, txn, opt->roster));
        proto_roster_free(&s->roster);
        proto_roster_view(&s->roster, opt->roster);
    } else {
        RN_GUARD(err, roster_load(s, txn));
    }
    RN_GUARD(err, lineage_open(s, txn));
    /* A crash may have left entries past an index watermark; the first read finds out. */
    s->index_pending = true;
    RN_GUARD(err, verify_scan(s, txn));
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit");
        goto out;
    }
    /* Index whatever a crash left past the watermarks, so that from here on every commit keeps
     * its index keys in memory (the fast path of the index pass). A full replica still opens:
     * reads are served from the indexes as they stand, and the pass runs again with every read. */
    err = store_index_flush(s);
    if (err == RN_EFULL)
        err = 0;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (err != 0)
        store_close(s);
    return err;
}

void store_close(store *s)
{
    struct store_private *p = s->priv;
    if (p != NULL) {
        store_parked_free(s);
        if (p->env != NULL) {
            (void)mdb_env_sync(p->env, 1);
            mdb_env_close(p->env);
        }
        store_batch_free(p->batch);
        free(p->scratch);
        free(p->checked);
        store_records_free(p->records);
        lineage_free(s);
        free(p);
    }
    proto_roster_free(&s->roster);
    memset(s, 0, sizeof(*s));
}

int store_sync(store *s)
{
    int rc;
    if (s->test_fail_sync > 0 && --s->test_fail_sync == 0)
        rc = EIO; /* the fault a test asked for (store.h) */
    else
        rc = mdb_env_sync(s->priv->env, 1);
    if (rc != 0)
        return store_lmdb_err(rc, "sync");
    return 0;
}

int store_roster_set(store *s, const proto_roster *r)
{
    RN_TRY(store_roster_save(s, r));
    /* A replica that holds a chain keeps the chain's table (its cuts never loosen). */
    return lineage_has_chain(s) ? 0 : lineage_from_roster(s);
}

int store_roster_save(store *s, const proto_roster *r)
{
    MDB_txn *txn;
    proto_roster copy;
    int rc, err = 0;

    RN_TRY(proto_roster_init(&copy, RN_ROSTER_MEMBERS_MAX));
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0) {
        proto_roster_free(&copy);
        return store_lmdb_err(rc, "begin");
    }
    if ((rc = mdb_drop(txn, s->priv->dbi[STORE_DB_ROSTER], 0)) != 0) {
        err = store_lmdb_err(rc, "clear roster");
        goto out;
    }
    for (size_t i = 0; i < r->count; i++) {
        const proto_member *m = &r->members[i];
        uint8_t val[3] = { 0, 0, (uint8_t)m->role };
        size_t clen = strlen(m->country);
        memcpy(val, m->country, clen);
        MDB_val k = { PROTO_KEY_BYTES, (void *)m->key }, v = { 3, val };
        if ((rc = mdb_put(txn, s->priv->dbi[STORE_DB_ROSTER], &k, &v, 0)) != 0) {
            err = store_lmdb_err(rc, "put roster");
            goto out;
        }
    }
    RN_GUARD(err, proto_roster_copy(&copy, r)); /* r's keys were validated when it was built */
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit roster");
        goto out;
    }
    proto_roster_free(&s->roster);
    s->roster = copy;
    return 0;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    proto_roster_free(&copy);
    return err;
}

/* ---- Ingest ---- */

/* Per-run working memory: decoded entries, their ids, and one record at a time. Allocated per
 * call (some 400 KiB for the largest run), so a store holds no per-run state between calls. */
typedef struct run_work {
    proto_entry e[RN_RUN_ENTRIES_MAX];
    uint8_t ids[RN_RUN_ENTRIES_MAX][PROTO_ID_BYTES];
    bool repaired[RN_RUN_ENTRIES_MAX]; /* held entries put back from the run */
    proto_record rec;
    struct store_succ succ; /* the cut a succession of the run makes (has_succ) */
    bool has_succ;
} run_work;

/* Records `code` for entry i (0-based) of a run; a NULL field keeps the decoder's. */
static int fail_at(rn_diag *d, int code, const char *field, size_t i)
{
    return rn_fail_at(d, code, field, i + 1);
}

/* Records fork evidence: `theirs` is a valid entry at a seq where we hold another. */
static int put_fork(store *s, MDB_txn *txn, const proto_entry *theirs, store_head *h)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, theirs->author, theirs->seq);
    MDB_val k = { LOC_BYTES, loc }, v = { theirs->len, (void *)theirs->bytes };
    int rc = mdb_put(txn, s->priv->dbi[STORE_DB_FORKS], &k, &v, MDB_NOOVERWRITE);
    if (rc != 0 && rc != MDB_KEYEXIST)
        return store_lmdb_err(rc, "put fork");
    h->flags |= STORE_HEAD_FORKED;
    return store_head_put(s, txn, h);
}

static int id_recorded(const store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                       const uint8_t id[PROTO_ID_BYTES]);

/* Overwrites the damaged stored bytes of entry e's place with e, whose id the replica recorded
 * there (store_entry_repair, or ingest meeting the entry again). Counts and reports it. */
static int entry_put_back(store *s, MDB_txn *txn, const proto_entry *e)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, e->author, e->seq);
    MDB_val k = { LOC_BYTES, loc }, v = { e->len, (void *)e->bytes };
    int rc = mdb_put(txn, s->priv->dbi[STORE_DB_ENTRIES], &k, &v, 0);
    if (rc != 0)
        return store_lmdb_err(rc, "put repair");
    return 0;
}

/* After the commit of entry_put_back: the damage found is counted, and no longer awaits a
 * re-fetch. */
static void entry_repaired(store *s, const uint8_t *author, uint64_t seq, bool counted)
{
    if (!counted)
        s->integrity_errors++;
    if (s->damaged_seq == seq && memcmp(s->damaged_author, author, PROTO_KEY_BYTES) == 0)
        s->damaged_seq = 0;
    fprintf(stderr, "recnet store: integrity: entry %llu repaired from a peer's copy\n",
            (unsigned long long)seq);
}

/* What the fast attempt of ingest_run returns when it meets anything it leaves to the strict one:
 * an entry, an error, a fork or a divergence. */
#define INGEST_STRICT 1

/* True if every entry of raw[from..n) passes the strict decoder. */
static bool run_strict_from(const proto_str *raw, size_t from, size_t n)
{
    proto_entry e;
    for (size_t i = from; i < n; i++)
        if (proto_entry_decode(&e, raw[i].ptr, raw[i].len, NULL) != 0)
            return false;
    return true;
}

/*
 * One attempt at store_ingest. The strict attempt (fast false) decodes each entry in full, then
 * decodes its record: the body is walked twice. The fast attempt decodes each entry's outline
 * (proto_entry_decode_outline) and leaves the body to the record decoder, so each body is walked
 * once; it gives way (INGEST_STRICT, nothing committed, nothing reported) wherever the strict
 * decode of an entry could change the outcome: an entry whose outline does not decode, any
 * error, a fork (the second entry must pass the strict decoder to be evidence), a divergence,
 * and a record refused where the strict decoder refuses that entry or a later one. On a run of
 * well-formed entries both attempts do the same.
 */
static int ingest_run(store *s, const proto_str *raw, size_t n, store_ingest_result *res,
                      rn_diag *d, bool fast)
{
    run_work *w = NULL;
    MDB_txn *txn = NULL;
    MDB_cursor *ec = NULL;
    const char *country = NULL;
    store_head head;
    bool have_head;
    size_t good, first_new, i;
    int rc, err = 0, late_err = 0;
    size_t late_at = 0;
    bool committed = false;
    store_batch_mark mark = store_batch_mark_get(s);

    memset(res, 0, sizeof(*res));
    if (n == 0 || n > RN_RUN_ENTRIES_MAX)
        return fail_at(d, RN_EINVAL, "run", 0);
    w = malloc(sizeof(*w));
    if (w == NULL)
        return RN_ENOMEM;
    memset(w->repaired, 0, sizeof(w->repaired));
    w->has_succ = false;

    /* 1. Decode until the first failure; the decoded prefix may still be committed. */
    for (good = 0; good < n; good++) {
        if (fast) {
            if (proto_entry_decode_outline(&w->e[good], raw[good].ptr, raw[good].len) != 0) {
                err = INGEST_STRICT;
                goto out;
            }
            continue;
        }
        rc = proto_entry_decode(&w->e[good], raw[good].ptr, raw[good].len, d);
        if (rc < 0) {
            late_err = fail_at(d, rc, NULL, good);
            late_at = good;
            break;
        }
    }
    if (good == 0) {
        err = late_err;
        goto out;
    }
    /* Who may author (the author table): a member that was an authority, not past its cut. */
    err = lineage_entry_check(s, &w->e[0], NULL, &country, d);
    if (err < 0) {
        fail_at(d, err, err == RN_EROSTER || err == RN_EROLE ? "entry.author" : NULL, 0);
        goto out;
    }

    /* 2. Links and one signature over the decoded prefix, before any LMDB work. */
    RN_GUARD(err, proto_entry_run_verify(w->e, good, NULL, w->ids, fast ? NULL : d));
    RN_GUARD(err, store_batch_reserve(s, good));
    mark = store_batch_mark_get(s);

    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0) {
        err = store_lmdb_err(rc, "begin");
        goto out;
    }
    rc = store_head_read(s, txn, w->e[0].author, &head);
    if (rc == RN_ENOTFOUND) {
        have_head = false;
        memset(&head, 0, sizeof(head));
        memcpy(head.author, w->e[0].author, PROTO_KEY_BYTES);
    } else if (rc < 0) {
        err = rc;
        goto out;
    } else {
        have_head = true;
    }

    /* 3. Entries at seqs we hold: duplicates, or a fork. */
    for (first_new = 0; first_new < good && w->e[first_new].seq <= head.seq; first_new++) {
        const proto_entry *e = &w->e[first_new];
        uint8_t loc[LOC_BYTES];
        loc_key(loc, e->author, e->seq);
        MDB_val k = { LOC_BYTES, loc }, v;
        if ((rc = mdb_get(txn, s->priv->dbi[STORE_DB_ENTRIES], &k, &v)) != 0) {
            err = rc == MDB_NOTFOUND ? RN_ECORRUPT : store_lmdb_err(rc, "get entry");
            goto out;
        }
        uint8_t held[PROTO_ID_BYTES];
        proto_entry_id(v.mv_data, v.mv_size, held);
        if (memcmp(held, w->ids[first_new], PROTO_ID_BYTES) == 0) {
            res->duplicates++;
            continue;
        }
        /* Another id than the held bytes': if the replica recorded this run's id for the place
         * (the next entry's prev, the head, `ids`), the held bytes are damaged ("Integrity") and
         * the run brings the very entry verified when it was first ingested: put it back. */
        RN_GUARD(err, id_recorded(s, txn, e->author, e->seq, w->ids[first_new]));
        if (err == 0) {
            RN_GUARD(err, entry_put_back(s, txn, e));
            w->repaired[first_new] = true;
            res->repaired++;
            continue;
        }
        err = 0;
        if (fast) {
            err = INGEST_STRICT;
            goto out;
        }
        /* A second, authentic entry at a held seq: the run verified, so this entry carries its
         * author's signature (directly or through the links to the last one). */
        RN_GUARD(err, put_fork(s, txn, e, &head));
        res->forked = true;
        res->fork_seq = e->seq;
        res->head_seq = head.seq;
        late_err = 0; /* the run stops here whatever came after */
        good = first_new;
        goto commit;
    }
    if (first_new == good)
        goto commit; /* nothing new */

    /* 4. The first new entry follows the head. */
    {
        const proto_entry *e = &w->e[first_new];
        if (e->seq != head.seq + 1) {
            err = fail_at(d, RN_EGAP, "entry.seq", first_new);
            res->head_seq = head.seq;
            memcpy(res->head_id, head.id, PROTO_ID_BYTES);
            goto out;
        }
        if (have_head && (e->prev == NULL || memcmp(e->prev, head.id, PROTO_ID_BYTES) != 0)) {
            /* Our head and the run disagree about entry seq - 1, yet both are authentic (the run
             * verified): the author forked at our head's seq, and the run does not carry its
             * entry there. Nothing of it commits (repairs above do). */
            if (fast) {
                err = INGEST_STRICT;
                goto out;
            }
            res->diverged = true;
            late_err = 0;
            good = first_new;
            goto commit;
        }
        if (e->timestamp_ms < head.timestamp_ms) {
            err = fail_at(d, RN_ETIME, "entry.timestamp", first_new);
            goto out;
        }
    }

    /* 5. Records, then the puts. A bad record ends the run there; what came before commits. */
    if ((rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_ENTRIES], &ec)) != 0) {
        err = store_lmdb_err(rc, "entries cursor");
        goto out;
    }
    for (i = first_new; i < good; i++) {
        const proto_entry *e = &w->e[i];
        struct store_succ succ;
        bool has_succ = false;
        const char *ecountry = country;
        rc = proto_record_decode(&w->rec, e->kind, e->body, e->body_len, d);
        /* Who may author this entry, its prefixes (the country of the author's period), the
         * lineage's rules (a succession, a roster record's signer), and its cut-off. */
        if (rc == 0)
            rc = lineage_entry_check(s, e, &w->rec, &ecountry, d);
        if (rc == 0)
            rc = lineage_id_check(s, e, w->ids[i], d);
        if (rc == 0)
            rc = lineage_record_check(s, txn, e, &w->rec, &succ, &has_succ, d);
        if (rc < 0 && fast && !run_strict_from(raw, i, n)) {
            err = INGEST_STRICT;
            goto out;
        }
        if (rc < 0) {
            late_err = fail_at(d, rc, NULL, i);
            late_at = i;
            good = i;
            break;
        }
        RN_GUARD(err, put_entry(s, ec, e));
        RN_GUARD(err, lineage_entry_put(s, txn, e, &w->rec, has_succ ? &succ : NULL));
        if (has_succ) {
            w->succ = succ;
            w->has_succ = true;
        }
        if (s->priv->batch_complete)
            store_batch_keys(s->priv->batch, e, w->ids[i], &w->rec, ecountry);
        res->accepted++;
    }
    mdb_cursor_close(ec);
    ec = NULL;
    if (good > first_new) {
        const proto_entry *last = &w->e[good - 1];
        head.seq = last->seq;
        memcpy(head.id, w->ids[good - 1], PROTO_ID_BYTES);
        head.timestamp_ms = last->timestamp_ms;
        RN_GUARD(err, store_head_put(s, txn, &head));
        /* The committed prefix ends before the entry whose signature verified: check its own
         * last signature, so that only authenticated entries are kept. */
        if (good < n && proto_entry_verify(last) != 0) {
            err = fail_at(d, RN_ESIG, "entry.signature", good - 1);
            goto out;
        }
        /* Its own signature is verified either way: the run's anchor. */
        RN_GUARD(err, anchor_put_txn(s, txn, last->author, last->seq));
    }
commit:
    res->head_seq = head.seq;
    memcpy(res->head_id, head.id, PROTO_ID_BYTES);
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit");
        res->accepted = 0;
        store_batch_rollback(s, mark);
        goto out;
    }
    committed = true;
    if (res->accepted > 0)
        s->verify_pending = true;
    if (w->has_succ && (rc = lineage_committed(s, &w->succ)) < 0 && late_err == 0)
        late_err = rc;
    for (i = 0; res->repaired > 0 && i < first_new; i++)
        if (w->repaired[i])
            entry_repaired(s, w->e[i].author, w->e[i].seq, false);
    if (late_err < 0) {
        err = late_err;
        if (d != NULL)
            d->index = (unsigned)(late_at + 1);
    }
out:
    if (ec != NULL)
        mdb_cursor_close(ec);
    if (txn != NULL) {
        mdb_txn_abort(txn);
        store_batch_rollback(s, mark);
        res->accepted = 0; /* nothing of the run was committed (a put that found the map full) */
        res->repaired = 0;
    }
    if (fast && err != 0 && !committed)
        err = INGEST_STRICT; /* the strict attempt decides, and reports */
    else
        store_note_full(s, err, res->accepted > 0);
    free(w);
    return err;
}

int store_ingest(store *s, const proto_str *raw, size_t n, store_ingest_result *res, rn_diag *d)
{
    int rc = ingest_run(s, raw, n, res, d, true);
    if (rc == INGEST_STRICT)
        rc = ingest_run(s, raw, n, res, d, false);
    return rc;
}

/* ---- Local append ---- */

/*
 * An append (one entry, or a batch) whose commit succeeded but whose fsync failed: it is not
 * acknowledged, so it must not stay in the log, where peers could fetch an entry that a crash may
 * still take away (and the node would then sign another entry at its seq: a fork). Takes entries
 * prev->seq + 1 .. last out again (entries, anchors, head and their index keys) and stops
 * store_append and store_append_batch for the life of the store, since after a failed fsync the
 * kernel may have dropped dirty pages and later fsyncs prove nothing. Nothing here is fsynced:
 * the entries never left the machine, so whichever of the two states a crash keeps, the log stays
 * one log. Reads and ingest go on.
 */
static void append_unwind(store *s, const store_head *prev, uint64_t last, store_batch_mark mark)
{
    MDB_txn *txn = NULL;
    uint8_t loc[LOC_BYTES];
    int rc;

    s->writes_stopped = EIO;
    store_batch_rollback(s, mark);
    MDB_val hk = { PROTO_KEY_BYTES, (void *)prev->author };
    rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn);
    for (uint64_t q = prev->seq + 1; rc == 0 && q <= last; q++) {
        loc_key(loc, prev->author, q);
        MDB_val k = { LOC_BYTES, loc };
        rc = lineage_unwind(s, txn, prev->author, q) < 0 ? MDB_PANIC : 0;
        if (rc == 0)
            rc = mdb_del(txn, s->priv->dbi[STORE_DB_ENTRIES], &k, NULL);
        if (rc == 0) {
            rc = mdb_del(txn, s->priv->dbi[STORE_DB_ANCHORS], &k, NULL);
            if (rc == MDB_NOTFOUND)
                rc = 0;
        }
    }
    if (rc == 0) {
        if (prev->seq == 0)
            rc = mdb_del(txn, s->priv->dbi[STORE_DB_HEADS], &hk, NULL);
        else
            rc = store_head_put(s, txn, prev) < 0 ? MDB_PANIC : 0;
    }
    if (rc == 0) {
        rc = mdb_txn_commit(txn);
        txn = NULL;
    }
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (rc != 0)
        fprintf(stderr,
                "recnet store: cannot take back the unsynced entries at seqs %llu..%llu: %s; do "
                "not restart the node before the disk is checked\n",
                (unsigned long long)(prev->seq + 1), (unsigned long long)last, mdb_strerror(rc));
}

/* A succession is stamped after the predecessor's entry it names, when held (PROTOCOL.md 3.14):
 * *ts becomes at least that entry's timestamp + 1. */
static int succession_stamp(store *s, MDB_txn *txn, const proto_record *rec, uint64_t *ts)
{
    if (rec->kind != PROTO_KIND_SUCCESSION || rec->u.succession.last_seq == 0)
        return 0;
    proto_str held;
    proto_entry pe;
    int rc =
        store_entry_raw(s, txn, rec->u.succession.predecessor, rec->u.succession.last_seq, &held);
    if (rc == RN_ENOTFOUND)
        return 0;
    RN_TRY(rc);
    if (proto_entry_decode(&pe, held.ptr, held.len, NULL) != 0)
        return RN_ECORRUPT;
    if (pe.timestamp_ms >= *ts)
        *ts = pe.timestamp_ms + 1;
    return 0;
}

int store_append(store *s, const uint8_t sk[PROTO_SK_BYTES], proto_kind kind, const uint8_t *body,
                 size_t body_len, uint64_t now_ms, uint8_t id[PROTO_ID_BYTES], uint64_t *seq,
                 proto_str *entry, rn_diag *d)
{
    const uint8_t *author = sk + 32;
    const char *country;
    MDB_txn *txn = NULL;
    store_head head;
    proto_record *rec = NULL;
    proto_entry e;
    uint8_t eid[PROTO_ID_BYTES];
    store_head prev_head;
    size_t len;
    int rc, err = 0;
    store_batch_mark mark = store_batch_mark_get(s);
    struct store_succ succ;
    bool has_succ = false;

    if (s->writes_stopped != 0)
        return rn_fail(d, RN_EIO, "store.writes_stopped");
    RN_TRY(lineage_author(s, author, &country));
    rec = malloc(sizeof(*rec));
    if (rec == NULL)
        return RN_ENOMEM;
    RN_GUARD(err, proto_record_decode(rec, kind, body, body_len, d));
    RN_GUARD(err, proto_record_check_author(rec, country, d));

    RN_GUARD(err, store_batch_reserve(s, 1));
    mark = store_batch_mark_get(s);
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0) {
        err = store_lmdb_err(rc, "begin");
        goto out;
    }
    rc = store_head_read(s, txn, author, &head);
    if (rc == RN_ENOTFOUND) {
        memset(&head, 0, sizeof(head));
        memcpy(head.author, author, PROTO_KEY_BYTES);
    } else if (rc < 0) {
        err = rc;
        goto out;
    }
    prev_head = head;
    /* Timestamps never go backwards along a log, even if the clock does. */
    proto_entry_draft dr = { .seq = head.seq + 1,
                             .prev = head.seq == 0 ? NULL : head.id,
                             .timestamp_ms =
                                 now_ms > head.timestamp_ms ? now_ms : head.timestamp_ms,
                             .kind = kind,
                             .body = body,
                             .body_len = body_len };
    if (dr.seq > RN_SEQ_MAX) {
        err = RN_ESEQ;
        goto out;
    }
    RN_GUARD(err, succession_stamp(s, txn, rec, &dr.timestamp_ms));
    RN_GUARD(err, proto_entry_sign(&dr, sk, s->priv->scratch, RN_ENTRY_BYTES_MAX, &len));
    RN_ASSERT(proto_entry_decode(&e, s->priv->scratch, len, NULL) == 0);
    proto_entry_id(s->priv->scratch, len, eid);
    /* Who may author, now that the entry's seq and time are known, and the lineage's rules. */
    RN_GUARD(err, lineage_entry_check(s, &e, rec, &country, d));
    RN_GUARD(err, lineage_id_check(s, &e, eid, d));
    RN_GUARD(err, lineage_record_check(s, txn, &e, rec, &succ, &has_succ, d));
    RN_GUARD(err, lineage_entry_put(s, txn, &e, rec, has_succ ? &succ : NULL));
    /* The record decoded above borrows `body`; the entry holds the same bytes. */
    {
        MDB_cursor *ac;
        if ((rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_ENTRIES], &ac)) != 0) {
            err = store_lmdb_err(rc, "entries cursor");
            goto out;
        }
        rc = put_entry(s, ac, &e);
        mdb_cursor_close(ac);
        RN_GUARD(err, rc);
    }
    if (s->priv->batch_complete)
        store_batch_keys(s->priv->batch, &e, eid, rec, country);
    head.seq = e.seq;
    memcpy(head.id, eid, PROTO_ID_BYTES);
    head.timestamp_ms = e.timestamp_ms;
    RN_GUARD(err, store_head_put(s, txn, &head));
    RN_GUARD(err, anchor_put_txn(s, txn, author, e.seq)); /* we signed it */
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit");
        store_batch_rollback(s, mark);
        goto out;
    }
    s->verify_pending = true;
    store_note_full(s, 0, true);
    /* Durable before anyone hears of it (DESIGN.md section 3). */
    if ((err = store_sync(s)) < 0) {
        append_unwind(s, &prev_head, e.seq, mark);
        err = rn_fail(d, RN_EIO, "store.sync");
        goto out;
    }
    if (has_succ)
        RN_GUARD(err, lineage_committed(s, &succ));
    if (id != NULL)
        memcpy(id, eid, PROTO_ID_BYTES);
    if (seq != NULL)
        *seq = e.seq;
    if (entry != NULL)
        *entry = (proto_str){ s->priv->scratch, (uint32_t)len };
out:
    if (txn != NULL) {
        mdb_txn_abort(txn);
        store_batch_rollback(s, mark);
    }
    store_note_full(s, err, false);
    free(rec);
    return err;
}

int store_append_batch(store *s, const uint8_t sk[PROTO_SK_BYTES], const store_append_item *items,
                       size_t n, uint64_t now_ms, uint8_t *out, size_t out_cap, proto_str *entries,
                       uint64_t *first_seq, uint8_t last_id[PROTO_ID_BYTES], size_t *failed,
                       rn_diag *d)
{
    const uint8_t *author = sk + 32;
    const char *country;
    MDB_txn *txn = NULL;
    MDB_cursor *ac = NULL;
    store_head head, prev_head;
    proto_record *rec = NULL;
    proto_entry e;
    uint8_t eid[PROTO_ID_BYTES];
    size_t used = 0, i;
    int rc, err = 0;
    store_batch_mark mark = store_batch_mark_get(s);
    struct store_succ succ;
    bool has_succ = false;

    if (failed != NULL)
        *failed = n;
    if (s->writes_stopped != 0)
        return rn_fail(d, RN_EIO, "store.writes_stopped");
    if (n == 0 || n > RN_APPEND_BATCH_RECORDS_MAX)
        return rn_fail(d, RN_EINVAL, "batch");
    RN_TRY(lineage_author(s, author, &country));
    rec = malloc(sizeof(*rec));
    if (rec == NULL)
        return RN_ENOMEM;
    /* Every record is checked before anything is signed: a refusal costs no signature. */
    for (i = 0; i < n; i++) {
        if (items[i].body_len > RN_RECORD_BYTES_MAX)
            err = rn_fail(d, RN_ETOOBIG, "body");
        else if ((err = proto_record_decode(rec, items[i].kind, items[i].body, items[i].body_len,
                                            d)) == 0)
            err = proto_record_check_author(rec, country, d);
        if (err < 0) {
            if (failed != NULL)
                *failed = i;
            goto out;
        }
    }

    RN_GUARD(err, store_batch_reserve(s, n));
    mark = store_batch_mark_get(s);
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0) {
        err = store_lmdb_err(rc, "begin");
        goto out;
    }
    rc = store_head_read(s, txn, author, &head);
    if (rc == RN_ENOTFOUND) {
        memset(&head, 0, sizeof(head));
        memcpy(head.author, author, PROTO_KEY_BYTES);
    } else if (rc < 0) {
        err = rc;
        goto out;
    }
    prev_head = head;
    if (head.seq + n > RN_SEQ_MAX) {
        err = rn_fail(d, RN_ESEQ, "entry.seq");
        goto out;
    }
    if ((rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_ENTRIES], &ac)) != 0) {
        err = store_lmdb_err(rc, "entries cursor");
        goto out;
    }
    /* Timestamps never go backwards along a log, even if the clock does. */
    uint64_t ts = now_ms > head.timestamp_ms ? now_ms : head.timestamp_ms;
    RN_ASSERT(proto_record_decode(rec, items[0].kind, items[0].body, items[0].body_len, NULL) == 0);
    RN_GUARD(err, succession_stamp(s, txn, rec, &ts));
    for (i = 0; i < n; i++) {
        size_t len;
        proto_entry_draft dr = { .seq = head.seq + 1,
                                 .prev = head.seq == 0 ? NULL : head.id,
                                 .timestamp_ms = ts,
                                 .kind = items[i].kind,
                                 .body = items[i].body,
                                 .body_len = items[i].body_len };
        if (out_cap - used < RN_ENTRY_ENVELOPE_BYTES_MAX + items[i].body_len) {
            err = rn_fail(d, RN_ETOOBIG, "batch");
            goto out;
        }
        RN_GUARD(err, proto_entry_sign(&dr, sk, out + used, out_cap - used, &len));
        RN_ASSERT(proto_entry_decode(&e, out + used, len, NULL) == 0);
        RN_ASSERT(e.seq == head.seq + 1);
        proto_entry_id(out + used, len, eid);
        /* Checked above; the record borrows the caller's body, as the entry holds it. */
        RN_ASSERT(proto_record_decode(rec, items[i].kind, items[i].body, items[i].body_len, NULL) ==
                  0);
        /* Who may author, now that the entry's seq and time are known, and the lineage's rules. */
        struct store_succ sc;
        bool has_sc = false;
        if ((err = lineage_entry_check(s, &e, rec, &country, d)) == 0 &&
            (err = lineage_id_check(s, &e, eid, d)) == 0)
            err = lineage_record_check(s, txn, &e, rec, &sc, &has_sc, d);
        if (err < 0) {
            if (failed != NULL)
                *failed = i;
            goto out;
        }
        RN_GUARD(err, put_entry(s, ac, &e));
        RN_GUARD(err, lineage_entry_put(s, txn, &e, rec, has_sc ? &sc : NULL));
        if (has_sc) {
            succ = sc;
            has_succ = true;
        }
        if (s->priv->batch_complete)
            store_batch_keys(s->priv->batch, &e, eid, rec, country);
        RN_GUARD(err, anchor_put_txn(s, txn, author, e.seq)); /* we signed it */
        if (entries != NULL)
            entries[i] = (proto_str){ out + used, (uint32_t)len };
        head.seq = e.seq;
        memcpy(head.id, eid, PROTO_ID_BYTES);
        head.timestamp_ms = e.timestamp_ms;
        used += len;
    }
    mdb_cursor_close(ac);
    ac = NULL;
    RN_GUARD(err, store_head_put(s, txn, &head));
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit");
        store_batch_rollback(s, mark);
        goto out;
    }
    s->verify_pending = true;
    store_note_full(s, 0, true);
    /* Durable before anyone hears of it (DESIGN.md section 3): one fsync for the batch. */
    if ((err = store_sync(s)) < 0) {
        append_unwind(s, &prev_head, head.seq, mark);
        err = rn_fail(d, RN_EIO, "store.sync");
        goto out;
    }
    if (has_succ)
        RN_GUARD(err, lineage_committed(s, &succ));
    if (first_seq != NULL)
        *first_seq = prev_head.seq + 1;
    if (last_id != NULL)
        memcpy(last_id, head.id, PROTO_ID_BYTES); /* eid of the last entry */
out:
    if (ac != NULL)
        mdb_cursor_close(ac);
    if (txn != NULL) {
        mdb_txn_abort(txn);
        store_batch_rollback(s, mark);
    }
    store_note_full(s, err, false);
    free(rec);
    return err;
}

/* ---- Reads ---- */

/* Closes what a read left: its cursors, its cache and its transaction. */
static void read_free(MDB_txn *txn, MDB_cursor *versions, MDB_cursor *entries,
                      struct store_read_cache *cache)
{
    if (versions != NULL)
        mdb_cursor_close(versions);
    if (entries != NULL)
        mdb_cursor_close(entries);
    if (cache != NULL) {
        for (unsigned i = 0; i < STORE_DB_COUNT; i++)
            if (cache->scan[i] != NULL)
                mdb_cursor_close(cache->scan[i]);
        free(cache);
    }
    if (txn != NULL)
        mdb_txn_abort(txn);
}

void store_parked_free(store *s)
{
    struct store_parked *pk = s->priv != NULL ? s->priv->parked : NULL;
    if (pk == NULL)
        return;
    read_free(pk->txn, pk->versions, pk->entries, pk->cache);
    free(pk);
    s->priv->parked = NULL;
}

/* Renews cursor *c on txn, or closes it (NULL) when it cannot be. */
static void cursor_renew(MDB_txn *txn, MDB_cursor **c)
{
    if (*c != NULL && mdb_cursor_renew(txn, *c) != 0) {
        mdb_cursor_close(*c);
        *c = NULL;
    }
}

/* Takes the parked transaction for read r, renewed on the newest snapshot, with its cursors and
 * its cache (emptied of heads and watermarks unless the snapshot is the one they describe).
 * Returns false when none is parked or it cannot be renewed (then r is as it was). */
static bool read_unpark(store *s, store_read *r)
{
    struct store_parked *pk = s->priv->parked;
    if (pk == NULL || pk->txn == NULL)
        return false;
    MDB_txn *txn = pk->txn;
    pk->txn = NULL;
    if (mdb_txn_renew(txn) != 0) {
        read_free(txn, pk->versions, pk->entries, pk->cache);
        pk->versions = pk->entries = NULL;
        pk->cache = NULL;
        return false;
    }
    r->txn = txn;
    r->versions = pk->versions;
    r->entries = pk->entries;
    r->cache = pk->cache;
    pk->versions = pk->entries = NULL;
    pk->cache = NULL;
    cursor_renew(txn, &r->versions);
    cursor_renew(txn, &r->entries);
    if (r->cache != NULL) {
        for (unsigned i = 0; i < STORE_DB_COUNT; i++)
            cursor_renew(txn, &r->cache->scan[i]);
        if ((uint64_t)mdb_txn_id(txn) != pk->txnid) {
            memset(r->cache->heads, 0, sizeof(r->cache->heads));
            r->cache->heads_next = 0;
            r->cache->sigs_n = 0;
            r->cache->sigs_next = 0;
        }
    }
    return true;
}

int store_snapshot_begin(store *s, store_read *r)
{
    r->s = s;
    r->txn = NULL;
    r->versions = NULL;
    r->entries = NULL;
    r->cache = NULL;
    r->index_behind = s->index_pending;
    if (read_unpark(s, r))
        return 0;
    int rc = mdb_txn_begin(s->priv->env, NULL, MDB_RDONLY, &r->txn);
    if (rc != 0) {
        r->txn = NULL;
        return store_lmdb_err(rc, "begin read");
    }
    return 0;
}

int store_query_begin(store *s, store_read *r)
{
    /* An index pass that cannot commit (a full disk above all) does not stop reads: they see the
     * replica as of the last index commit, and say so (index_behind). */
    bool behind = store_index_flush(s) < 0;
    RN_TRY(store_snapshot_begin(s, r));
    r->index_behind = behind;
    return 0;
}

uint64_t store_used_bytes(const store *s)
{
    MDB_envinfo info;
    MDB_stat st;
    if (s->priv == NULL || mdb_env_info(s->priv->env, &info) != 0 ||
        mdb_env_stat(s->priv->env, &st) != 0)
        return 0;
    return ((uint64_t)info.me_last_pgno + 1u) * st.ms_psize;
}

void store_read_end(store_read *r)
{
    struct store_private *p = r->s != NULL ? r->s->priv : NULL;
    if (r->txn != NULL && p != NULL && p->parked == NULL)
        p->parked = calloc(1, sizeof(*p->parked));
    if (r->txn != NULL && p != NULL && p->parked != NULL && p->parked->txn == NULL) {
        /* Parked for the next read: reset (the snapshot let go), cursors and cache kept. */
        struct store_parked *pk = p->parked;
        read_free(NULL, pk->versions, pk->entries, pk->cache);
        pk->txnid = (uint64_t)mdb_txn_id(r->txn);
        mdb_txn_reset(r->txn);
        pk->txn = r->txn;
        pk->versions = r->versions;
        pk->entries = r->entries;
        pk->cache = r->cache;
    } else {
        read_free(r->txn, r->versions, r->entries, r->cache);
    }
    r->versions = NULL;
    r->entries = NULL;
    r->cache = NULL;
    r->txn = NULL;
}

/* The first 8 bytes of an author's key: the read cache compares them before the whole key. */
static uint64_t author8(const uint8_t *author)
{
    uint64_t a;
    memcpy(&a, author, sizeof(a));
    return a;
}

/* The read's cache, allocated on first use; NULL when out of memory (then nothing is cached). */
static struct store_read_cache *read_cache(store_read *r)
{
    if (r->cache == NULL)
        r->cache = calloc(1, sizeof(*r->cache));
    return r->cache;
}

int store_scan_cursor(store_read *r, enum store_db db, MDB_cursor **c)
{
    struct store_read_cache *rc = read_cache(r);
    if (rc == NULL)
        return RN_ENOMEM;
    if (rc->scan[db] == NULL) {
        int err = mdb_cursor_open(r->txn, r->s->priv->dbi[db], &rc->scan[db]);
        if (err != 0) {
            rc->scan[db] = NULL;
            return store_lmdb_err(err, "cursor open");
        }
    }
    *c = rc->scan[db];
    return 0;
}

int store_head_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES], store_head *out)
{
    struct store_read_cache *c = read_cache(r);
    if (c != NULL) {
        uint64_t a8 = author8(author);
        for (unsigned i = 0; i < STORE_READ_CACHED; i++) {
            if (c->heads[i].seq != 0 && author8(c->heads[i].author) == a8 &&
                memcmp(c->heads[i].author, author, PROTO_KEY_BYTES) == 0) {
                *out = c->heads[i];
                return 0;
            }
        }
    }
    RN_TRY(store_head_read(r->s, r->txn, author, out));
    if (c != NULL) {
        c->heads[c->heads_next] = *out;
        c->heads_next = (c->heads_next + 1) % STORE_READ_CACHED;
    }
    return 0;
}

int store_heads(store_read *r, store_head *out, size_t cap, size_t *n)
{
    MDB_cursor *c;
    MDB_val k, v;
    int rc = mdb_cursor_open(r->txn, r->s->priv->dbi[STORE_DB_HEADS], &c);
    if (rc != 0)
        return store_lmdb_err(rc, "heads cursor");
    size_t count = 0;
    int err = 0;
    for (rc = mdb_cursor_get(c, &k, &v, MDB_FIRST); rc == 0;
         rc = mdb_cursor_get(c, &k, &v, MDB_NEXT), count++) {
        if (count >= cap)
            continue;
        if (k.mv_size != PROTO_KEY_BYTES ||
            (err = store_head_read(r->s, r->txn, k.mv_data, &out[count])) < 0)
            break;
    }
    mdb_cursor_close(c);
    if (err < 0)
        return err == RN_ENOTFOUND ? RN_ECORRUPT : err;
    if (rc != MDB_NOTFOUND)
        return store_lmdb_err(rc, "heads");
    *n = count;
    return 0;
}

/* The stored bytes of entry (author, seq), unchecked: for the index pass and store_check, which
 * check them their own way. Returns 0, RN_ENOTFOUND, RN_ESTORE. */
int store_entry_raw(const store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                    proto_str *bytes)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, author, seq);
    MDB_val k = { LOC_BYTES, loc }, v;
    int rc = mdb_get(txn, s->priv->dbi[STORE_DB_ENTRIES], &k, &v);
    if (rc != 0)
        return store_lmdb_err(rc, "get entry");
    bytes->ptr = v.mv_data;
    bytes->len = (uint32_t)v.mv_size;
    return 0;
}

/* Counts and reports an entry whose bytes no longer match its id, and keeps its place for a
 * re-fetch (store.h, "Integrity"). Returns RN_ECORRUPT. */
int store_entry_damaged(store *s, const uint8_t *author, uint64_t seq)
{
    s->integrity_errors++;
    memcpy(s->damaged_author, author, PROTO_KEY_BYTES);
    s->damaged_seq = seq;
    char hex[17];
    sodium_bin2hex(hex, sizeof(hex), author, 8);
    fprintf(stderr,
            "recnet store: integrity: entry %llu of author %s... no longer matches its id (the "
            "replica file is damaged); not served; run recnetctl check\n",
            (unsigned long long)seq, hex);
    return RN_ECORRUPT;
}

/* Is `id` in `ids`, mapping to entry (author, seq)? Returns 0 (yes), 1 (no), RN_ESTORE. */
static int id_indexed(const store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                      const uint8_t id[PROTO_ID_BYTES])
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, author, seq);
    MDB_val k = { PROTO_ID_BYTES, (void *)id }, v;
    int rc = mdb_get(txn, s->priv->dbi[STORE_DB_IDS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 1;
    if (rc != 0)
        return store_lmdb_err(rc, "get id");
    return v.mv_size == LOC_BYTES && memcmp(v.mv_data, loc, LOC_BYTES) == 0 ? 0 : 1;
}

/*
 * Whether the stored entry next[0..len) names `id` as its prev. The entry is the canonical array
 * [version, author, seq, prev, ...] (proto/entry.h), so prev sits behind a fixint version, a
 * bin8 author and a uint seq: read in place, without decoding the rest. The bytes were decoded
 * at ingest, but may be damaged since: whatever is read here only ever confirms `id` if 32 bytes
 * of the replica equal it, which is the witness wanted (a damaged neighbour fails it, and the
 * `ids` index decides).
 */
static bool prev_names(const uint8_t *next, size_t len, const uint8_t id[PROTO_ID_BYTES])
{
    size_t at = 2 + 2 + PROTO_KEY_BYTES; /* array, version, bin8 header, author */
    if (len < at + 1 || next[0] != 0x98 || next[1] > 0x7f || next[2] != 0xc4 ||
        next[3] != PROTO_KEY_BYTES)
        return false;
    uint8_t t = next[at];
    at += t <= 0x7f ? 1 : t == 0xcc ? 2 : t == 0xcd ? 3 : t == 0xce ? 5 : t == 0xcf ? 9 : len;
    return at + 2 + PROTO_ID_BYTES <= len && next[at] == 0xc4 && next[at + 1] == PROTO_ID_BYTES &&
           memcmp(next + at + 2, id, PROTO_ID_BYTES) == 0;
}

/*
 * Is `id` the id the replica recorded for entry (author, seq)? The cheap witnesses first: the
 * prev of the entry after it (usually on the same page), or the head's id for the last entry;
 * when they disagree (or the entry after it is the damaged one), the `ids` index decides, for
 * an entry it already covers. Returns 0 (yes), 1 (no), RN_ESTORE.
 */
static int id_recorded(const store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq,
                       const uint8_t id[PROTO_ID_BYTES])
{
    proto_str next;
    store_head h;
    int rc = store_entry_raw(s, txn, author, seq + 1, &next);
    if (rc == 0) {
        if (prev_names(next.ptr, next.len, id))
            return 0;
    } else if (rc != RN_ENOTFOUND) {
        return rc;
    } else if (store_head_read(s, txn, author, &h) == 0 && h.seq == seq &&
               memcmp(h.id, id, PROTO_ID_BYTES) == 0) {
        return 0;
    }
    return id_indexed(s, txn, author, seq, id);
}

/* A 64-bit fingerprint of bytes[0..len) (not a cryptographic hash: it tells bytes apart from
 * the ones remembered, against damage, not an adversary). Each 8-byte word is mixed in by
 * bijective steps, so a change within one word always changes the result. */
static uint64_t entry_fingerprint(const uint8_t *bytes, size_t len)
{
    const uint64_t k = 0x9e3779b97f4a7c15ull; /* odd */
    uint64_t h = 0x243f6a8885a308d3ull ^ ((uint64_t)len * k);
    size_t i = 0;
    for (; i + 8 <= len; i += 8) {
        uint64_t w;
        memcpy(&w, bytes + i, 8);
        h = (h ^ w) * k;
        h ^= h >> 32;
    }
    if (i < len) {
        uint64_t w = 0;
        memcpy(&w, bytes + i, len - i);
        h = (h ^ w) * k;
        h ^= h >> 32;
    }
    return h;
}

/* The slot of entry (author, seq) in s->priv->checked. */
static struct store_checked *checked_slot(const store *s, const uint8_t *author, uint64_t seq)
{
    uint64_t a;
    memcpy(&a, author, sizeof(a));
    uint64_t h = (a ^ (seq * 0x9e3779b97f4a7c15ull)) * 0xff51afd7ed558ccdull;
    return &s->priv->checked[(h >> 32) % RN_STORE_CHECKED_SLOTS];
}

/* Checks entry (author, seq) with bytes[0..len) against its id (see "Integrity" in store.h):
 * bytes remembered as checked (same length and fingerprint) pass at once, others are hashed and
 * their id compared with the witnesses, then remembered. Returns 0, RN_ECORRUPT (counted and
 * reported), RN_ESTORE. */
static int entry_verify(store_read *r, const uint8_t *author, uint64_t seq, const uint8_t *bytes,
                        size_t len)
{
    struct store_checked *slot = checked_slot(r->s, author, seq);
    uint64_t fp = entry_fingerprint(bytes, len);
    MDB_val k, v;
    if (slot->seq == seq && slot->len == len && slot->fp == fp &&
        memcmp(slot->author, author, PROTO_KEY_BYTES) == 0)
        return 0;
    uint8_t id[PROTO_ID_BYTES];
    proto_entry_id(bytes, len, id);
    /* The next entry's prev first, one step of the cursor store_entry_get left on the entry. */
    int rc = mdb_cursor_get(r->entries, &k, &v, MDB_NEXT);
    if (rc != 0 && rc != MDB_NOTFOUND)
        return store_lmdb_err(rc, "next entry");
    if (rc == 0 && loc_seq_of(k.mv_data, k.mv_size, author) == seq + 1 &&
        prev_names(v.mv_data, v.mv_size, id))
        rc = 0;
    else
        rc = id_recorded(r->s, r->txn, author, seq, id);
    if (rc == 1)
        return store_entry_damaged(r->s, author, seq);
    if (rc == 0) {
        memcpy(slot->author, author, PROTO_KEY_BYTES);
        slot->seq = seq;
        slot->len = (uint32_t)len;
        slot->fp = fp;
    }
    return rc;
}

int store_entry_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq,
                    proto_str *bytes)
{
    uint8_t loc[LOC_BYTES];
    int rc;
    if (r->entries == NULL &&
        (rc = mdb_cursor_open(r->txn, r->s->priv->dbi[STORE_DB_ENTRIES], &r->entries)) != 0) {
        r->entries = NULL;
        return store_lmdb_err(rc, "entries cursor");
    }
    loc_key(loc, author, seq);
    MDB_val k = { LOC_BYTES, loc }, v;
    if ((rc = mdb_cursor_get(r->entries, &k, &v, MDB_SET_KEY)) != 0)
        return store_lmdb_err(rc, "get entry");
    bytes->ptr = v.mv_data;
    bytes->len = (uint32_t)v.mv_size;
    return entry_verify(r, author, seq, bytes->ptr, bytes->len);
}

int store_entry_repair(store *s, const uint8_t *bytes, size_t len)
{
    MDB_txn *txn = NULL;
    proto_entry e;
    proto_str held;
    uint8_t id[PROTO_ID_BYTES], held_id[PROTO_ID_BYTES];
    int rc, err = 0;

    RN_TRY(proto_entry_decode(&e, bytes, len, NULL));
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0)
        return store_lmdb_err(rc, "begin repair");
    RN_GUARD(err, store_entry_raw(s, txn, e.author, e.seq, &held));
    proto_entry_id(held.ptr, held.len, held_id);
    proto_entry_id(bytes, len, id);
    if (memcmp(held_id, id, PROTO_ID_BYTES) == 0) {
        /* Intact: a neighbour's damage may have made it look otherwise. */
        if (s->damaged_seq == e.seq && memcmp(s->damaged_author, e.author, PROTO_KEY_BYTES) == 0)
            s->damaged_seq = 0;
        goto out;
    }
    /* The received entry belongs here only if the replica recorded its id for this place: then
     * it is the very entry that was verified at ingest, and the held bytes are the damage. */
    RN_GUARD(err, id_recorded(s, txn, e.author, e.seq, id));
    if (err == 1) {
        err = RN_EINVAL; /* another entry than the one recorded here: not ours to judge */
        goto out;
    }
    RN_GUARD(err, entry_put_back(s, txn, &e));
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit repair");
        goto out;
    }
    entry_repaired(s, e.author, e.seq, true); /* counted when a read found it */
    err = 1;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    return err;
}

int store_entry_find(store_read *r, const uint8_t id[PROTO_ID_BYTES],
                     uint8_t author[PROTO_KEY_BYTES], uint64_t *seq)
{
    MDB_val k = { PROTO_ID_BYTES, (void *)id }, v;
    int rc = mdb_get(r->txn, r->s->priv->dbi[STORE_DB_IDS], &k, &v);
    if (rc != 0)
        return store_lmdb_err(rc, "get id");
    return loc_parse(v.mv_data, v.mv_size, author, seq);
}

int store_entries_range(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t from,
                        size_t max_n, size_t max_bytes, store_entry_cb cb, void *ctx, size_t *n)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t loc[LOC_BYTES], id[PROTO_ID_BYTES];
    size_t count = 0, bytes = 0;
    int rc, err = 0;

    *n = 0;
    loc_key(loc, author, from);
    if ((rc = mdb_cursor_open(r->txn, r->s->priv->dbi[STORE_DB_ENTRIES], &c)) != 0)
        return store_lmdb_err(rc, "entries cursor");
    k = (MDB_val){ LOC_BYTES, loc };
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    bool have = rc == 0 && loc_seq_of(k.mv_data, k.mv_size, author) != 0;
    while (have && count < max_n) {
        if (count > 0 && bytes + v.mv_size > max_bytes)
            break;
        /* Nothing leaves the replica unchecked ("Integrity"): each entry against the prev of the
         * next one, read with the cursor's step (the data of a read transaction stays valid), the
         * last against the head or `ids`. A damaged entry ends the walk (RN_ECORRUPT). */
        MDB_val cur = v;
        uint64_t seq = loc_seq_of(k.mv_data, k.mv_size, author);
        proto_entry_id(cur.mv_data, cur.mv_size, id);
        rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
        uint64_t next = rc == 0 ? loc_seq_of(k.mv_data, k.mv_size, author) : 0;
        have = next != 0;
        int ok = next == seq + 1 && prev_names(v.mv_data, v.mv_size, id)
                     ? 0
                     : id_recorded(r->s, r->txn, author, seq, id);
        if (ok == 1)
            err = store_entry_damaged(r->s, author, seq);
        else if (ok < 0)
            err = ok;
        if (err != 0 || (err = cb(ctx, seq, cur.mv_data, cur.mv_size)) != 0)
            break;
        count++;
        bytes += cur.mv_size;
    }
    mdb_cursor_close(c);
    *n = count;
    if (err != 0)
        return err;
    if (rc != 0 && rc != MDB_NOTFOUND)
        return store_lmdb_err(rc, "entries");
    return 0;
}

int store_fork_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t *seq,
                   proto_str *a, proto_str *b)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t loc[LOC_BYTES];
    int rc;

    loc_key(loc, author, 0);
    if ((rc = mdb_cursor_open(r->txn, r->s->priv->dbi[STORE_DB_FORKS], &c)) != 0)
        return store_lmdb_err(rc, "forks cursor");
    k = (MDB_val){ LOC_BYTES, loc };
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND || (rc == 0 && loc_seq_of(k.mv_data, k.mv_size, author) == 0))
        return RN_ENOTFOUND;
    if (rc != 0)
        return store_lmdb_err(rc, "forks");
    *seq = loc_seq_of(k.mv_data, k.mv_size, author);
    b->ptr = v.mv_data;
    b->len = (uint32_t)v.mv_size;
    return store_entry_get(r, author, *seq, a) == 0 ? 0 : RN_ECORRUPT;
}

/* ---- Signatures ---- */

static int sigs_read(const store *s, MDB_txn *txn, const uint8_t *author, store_sigs *out)
{
    memset(out, 0, sizeof(*out));
    MDB_val k = { PROTO_KEY_BYTES, (void *)author }, v;
    int rc = mdb_get(txn, s->priv->dbi[STORE_DB_SIGS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    if (rc != 0)
        return store_lmdb_err(rc, "get sigs");
    if (v.mv_size != SIGS_VALUE_BYTES)
        return RN_ECORRUPT;
    const uint8_t *p = v.mv_data;
    out->verified_seq = get_be64(p);
    out->checked_seq = get_be64(p + 8);
    out->bad_seq = get_be64(p + 16);
    out->bad_anchor = get_be64(p + 24);
    if (out->verified_seq > out->checked_seq || out->bad_seq > out->checked_seq)
        return RN_ECORRUPT;
    return 0;
}

static int sigs_put(store *s, MDB_txn *txn, const uint8_t *author, const store_sigs *sg)
{
    uint8_t val[SIGS_VALUE_BYTES];
    RN_ASSERT(sg->verified_seq <= sg->checked_seq && sg->bad_seq <= sg->checked_seq);
    put_be64(val, sg->verified_seq);
    put_be64(val + 8, sg->checked_seq);
    put_be64(val + 16, sg->bad_seq);
    put_be64(val + 24, sg->bad_anchor);
    MDB_val k = { PROTO_KEY_BYTES, (void *)author }, v = { sizeof(val), val };
    int rc = mdb_put(txn, s->priv->dbi[STORE_DB_SIGS], &k, &v, 0);
    return rc == 0 ? 0 : store_lmdb_err(rc, "put sigs");
}

/* Is there an anchor record at (author, seq)? Returns 1, 0, or RN_ESTORE. */
static int anchor_held(const store *s, MDB_txn *txn, const uint8_t *author, uint64_t seq)
{
    uint8_t loc[LOC_BYTES];
    loc_key(loc, author, seq);
    MDB_val k = { LOC_BYTES, loc }, v;
    int rc = mdb_get(txn, s->priv->dbi[STORE_DB_ANCHORS], &k, &v);
    if (rc == MDB_NOTFOUND)
        return 0;
    return rc == 0 ? 1 : store_lmdb_err(rc, "get anchor");
}

/* The first (or, if `last`, the last) anchor record of `author` in [from, to]. Returns 0,
 * RN_ENOTFOUND, RN_ESTORE. */
static int anchor_seek(const store *s, MDB_txn *txn, const uint8_t *author, uint64_t from,
                       uint64_t to, bool last, uint64_t *seq)
{
    MDB_cursor *c;
    MDB_val k, v;
    uint8_t loc[LOC_BYTES];
    int rc;

    if (from > to)
        return RN_ENOTFOUND;
    if ((rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_ANCHORS], &c)) != 0)
        return store_lmdb_err(rc, "anchors cursor");
    loc_key(loc, author, last ? to + 1 : from);
    k = (MDB_val){ LOC_BYTES, loc };
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    if (last)
        rc = mdb_cursor_get(c, &k, &v, rc == 0 ? MDB_PREV : MDB_LAST);
    mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND)
        return RN_ENOTFOUND;
    if (rc != 0)
        return store_lmdb_err(rc, "anchors");
    uint64_t at = loc_seq_of(k.mv_data, k.mv_size, author);
    if (at == 0 || at < from || at > to)
        return RN_ENOTFOUND;
    *seq = at;
    return 0;
}

int store_sigs_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES], store_sigs *out)
{
    struct store_read_cache *c = read_cache(r);
    if (c != NULL) {
        uint64_t a8 = author8(author);
        for (unsigned i = 0; i < c->sigs_n; i++) {
            if (author8(c->sigs_author[i]) == a8 &&
                memcmp(c->sigs_author[i], author, PROTO_KEY_BYTES) == 0) {
                *out = c->sigs[i];
                return 0;
            }
        }
    }
    RN_TRY(sigs_read(r->s, r->txn, author, out));
    if (c != NULL) {
        unsigned i = c->sigs_next;
        memcpy(c->sigs_author[i], author, PROTO_KEY_BYTES);
        c->sigs[i] = *out;
        c->sigs_next = (i + 1) % STORE_READ_CACHED;
        if (c->sigs_n < STORE_READ_CACHED)
            c->sigs_n++;
    }
    return 0;
}

int store_anchor_last(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t from,
                      uint64_t to, uint64_t *seq)
{
    store_sigs sg;
    RN_TRY(store_sigs_get(r, author, &sg));
    if (from > to)
        return RN_ENOTFOUND;
    if (to <= sg.verified_seq) {
        *seq = to;
        return 0;
    }
    uint64_t lo = from > sg.verified_seq ? from : sg.verified_seq + 1;
    int rc = anchor_seek(r->s, r->txn, author, lo, to, true, seq);
    if (rc == RN_ENOTFOUND && sg.verified_seq >= from) {
        *seq = sg.verified_seq;
        return 0;
    }
    return rc;
}

int store_anchor_first(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t from,
                       uint64_t to, uint64_t *seq)
{
    store_sigs sg;
    RN_TRY(store_sigs_get(r, author, &sg));
    if (from > to)
        return RN_ENOTFOUND;
    if (from <= sg.verified_seq) {
        *seq = from;
        return 0;
    }
    return anchor_seek(r->s, r->txn, author, from, to, false, seq);
}

int store_anchor_put(store *s, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq)
{
    MDB_txn *txn;
    int rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn);
    if (rc != 0) {
        s->verify_pending = true;
        return store_lmdb_err(rc, "begin");
    }
    int err = anchor_put_txn(s, txn, author, seq);
    if (err != 0) {
        mdb_txn_abort(txn);
    } else if ((rc = mdb_txn_commit(txn)) != 0) {
        err = store_lmdb_err(rc, "commit anchor");
    }
    if (err != 0)
        s->verify_pending = true; /* not recorded: the background verifier will check it */
    return err;
}

int store_entry_get_verified(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq,
                             proto_str *bytes)
{
    RN_TRY(store_entry_get(r, author, seq, bytes));
    return store_entry_signed(r, author, seq, *bytes);
}

int store_entry_signed(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq,
                       proto_str bytes)
{
    store_sigs sg;
    proto_entry e;
    RN_TRY(store_sigs_get(r, author, &sg));
    if (seq <= sg.verified_seq)
        return 0;
    int held = anchor_held(r->s, r->txn, author, seq);
    if (held != 0)
        return held > 0 ? 0 : held;
    if (proto_entry_decode_known(&e, bytes.ptr, bytes.len) != 0)
        return RN_ECORRUPT;
    return proto_entry_verify(&e) == 0 ? 0 : RN_ESIG;
}

/* The first head, in key order, strictly after `after` (or the first of all if NULL). Returns 0,
 * RN_ENOTFOUND, RN_ECORRUPT, RN_ESTORE. */
static int head_next(const store *s, MDB_txn *txn, const uint8_t *after, store_head *out)
{
    MDB_cursor *c;
    MDB_val k = { 0, NULL }, v;
    int rc;
    if ((rc = mdb_cursor_open(txn, s->priv->dbi[STORE_DB_HEADS], &c)) != 0)
        return store_lmdb_err(rc, "heads cursor");
    if (after == NULL) {
        rc = mdb_cursor_get(c, &k, &v, MDB_FIRST);
    } else {
        k = (MDB_val){ PROTO_KEY_BYTES, (void *)after };
        rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
        if (rc == 0 && k.mv_size == PROTO_KEY_BYTES &&
            memcmp(k.mv_data, after, PROTO_KEY_BYTES) == 0)
            rc = mdb_cursor_get(c, &k, &v, MDB_NEXT);
    }
    uint8_t author[PROTO_KEY_BYTES];
    if (rc == 0 && k.mv_size == PROTO_KEY_BYTES)
        memcpy(author, k.mv_data, PROTO_KEY_BYTES);
    else if (rc == 0)
        rc = -1;
    mdb_cursor_close(c);
    if (rc == MDB_NOTFOUND)
        return RN_ENOTFOUND;
    if (rc == -1)
        return RN_ECORRUPT;
    if (rc != 0)
        return store_lmdb_err(rc, "heads");
    return store_head_read(s, txn, author, out);
}

/*
 * Checks the signatures of author h past its checked_seq, within *budget verifications. An
 * anchor needs none; an entry that fails flags the author (the first one is kept as evidence).
 */
static int verify_author(store *s, MDB_txn *txn, store_head *h, uint32_t *budget,
                         store_verify_result *res)
{
    store_sigs sg;
    RN_TRY(sigs_read(s, txn, h->author, &sg));
    if (sg.checked_seq >= h->seq)
        return 0;
    while (sg.checked_seq<h->seq && * budget> 0) {
        uint64_t seq = sg.checked_seq + 1;
        uint8_t loc[LOC_BYTES];
        loc_key(loc, h->author, seq);
        int held = anchor_held(s, txn, h->author, seq);
        RN_TRY(held < 0 ? held : 0);
        bool ok = held > 0;
        if (!ok) {
            MDB_val k = { LOC_BYTES, loc }, v;
            proto_entry e;
            int rc = mdb_get(txn, s->priv->dbi[STORE_DB_ENTRIES], &k, &v);
            if (rc != 0)
                return rc == MDB_NOTFOUND ? RN_ECORRUPT : store_lmdb_err(rc, "get entry");
            if (proto_entry_decode(&e, v.mv_data, v.mv_size, NULL) != 0)
                return RN_ECORRUPT;
            ok = proto_entry_verify(&e) == 0;
            (*budget)--;
            res->verified++;
        }
        if (ok && sg.verified_seq == seq - 1) {
            sg.verified_seq = seq; /* the anchor record, if any, is now implied */
            if (held > 0) {
                MDB_val k = { LOC_BYTES, loc };
                int rc = mdb_del(txn, s->priv->dbi[STORE_DB_ANCHORS], &k, NULL);
                if (rc != 0)
                    return store_lmdb_err(rc, "del anchor");
            }
        } else if (ok && held == 0) {
            RN_TRY(anchor_put_txn(s, txn, h->author, seq));
        } else if (!ok && sg.bad_seq == 0) {
            /* Authentic (linked to a later anchor, whose signature holds) yet unsigned: the
             * author published it. The next anchor closes the evidence; the head is one. */
            uint64_t at = h->seq;
            int rc = anchor_seek(s, txn, h->author, seq + 1, h->seq, false, &at);
            if (rc < 0 && rc != RN_ENOTFOUND)
                return rc;
            sg.bad_seq = seq;
            sg.bad_anchor = rc == 0 ? at : h->seq;
            h->flags |= STORE_HEAD_BADSIG;
            RN_TRY(store_head_put(s, txn, h));
            res->flagged++;
        }
        sg.checked_seq = seq;
    }
    return sigs_put(s, txn, h->author, &sg);
}

int store_verify_step(store *s, uint32_t budget, store_verify_result *res)
{
    MDB_txn *txn = NULL;
    store_head h;
    int rc, err = 0;
    bool done = false;

    memset(res, 0, sizeof(*res));
    RN_ASSERT(budget > 0);
    if (!s->verify_pending)
        return 0;
    if ((rc = mdb_txn_begin(s->priv->env, NULL, 0, &txn)) != 0)
        return store_lmdb_err(rc, "begin");
    const uint8_t *after = NULL;
    for (;;) {
        rc = head_next(s, txn, after, &h);
        if (rc == RN_ENOTFOUND) {
            done = true;
            break;
        }
        RN_GUARD(err, rc);
        if (budget == 0)
            break; /* an author is left to look at */
        RN_GUARD(err, verify_author(s, txn, &h, &budget, res));
        memcpy(s->priv->scratch, h.author, PROTO_KEY_BYTES);
        after = s->priv->scratch;
    }
    rc = mdb_txn_commit(txn);
    txn = NULL;
    if (rc != 0) {
        err = store_lmdb_err(rc, "commit");
        goto out;
    }
    if (done && budget > 0)
        s->verify_pending = false;
    res->more = s->verify_pending;
out:
    if (txn != NULL)
        mdb_txn_abort(txn);
    if (err != 0)
        memset(res, 0, sizeof(*res));
    return err;
}

/* ---- Record versions ---- */

int store_version_get(store_read *r, proto_kind kind, const uint8_t *rid, size_t rid_len,
                      uint64_t at_ms, store_version *out)
{
    uint8_t probe[INDEX_KEY_MAX];
    MDB_cursor *c;
    MDB_val k, v;
    int rc;

    size_t prefix = key_versions_prefix(probe, kind, rid, rid_len);
    if (prefix == 0)
        return RN_ENOTFOUND;
    /* Seek just past every version with ts <= at (ts at_ms, seq all ones), then step back. */
    put_be64(probe + prefix, at_ms);
    put_be64(probe + prefix + 8, UINT64_MAX);

    if (r->versions == NULL &&
        (rc = mdb_cursor_open(r->txn, r->s->priv->dbi[STORE_DB_VERSIONS], &r->versions)) != 0) {
        r->versions = NULL;
        return store_lmdb_err(rc, "versions cursor");
    }
    c = r->versions;
    k = (MDB_val){ prefix + KEY_TS_SEQ, probe };
    rc = mdb_cursor_get(c, &k, &v, MDB_SET_RANGE);
    if (rc == 0)
        rc = mdb_cursor_get(c, &k, &v, MDB_PREV);
    else if (rc == MDB_NOTFOUND)
        rc = mdb_cursor_get(c, &k, &v, MDB_LAST);
    int err = 0;
    if (rc == MDB_NOTFOUND ||
        (rc == 0 && (!key_dated(k.mv_data, k.mv_size, prefix, &out->timestamp_ms, NULL) ||
                     memcmp(k.mv_data, probe, prefix) != 0))) {
        err = RN_ENOTFOUND;
    } else if (rc != 0) {
        err = store_lmdb_err(rc, "versions");
    } else {
        err = loc_parse(v.mv_data, v.mv_size, out->author, &out->seq);
    }
    return err;
}

int store_version_load(store_read *r, const store_version *v, proto_entry *e, proto_record *rec)
{
    proto_str bytes;
    proto_entry local;
    if (e == NULL)
        e = &local;
    RN_TRY(store_entry_get(r, v->author, v->seq, &bytes));
    /* Checked against its id, so the very bytes decoded strictly at ingest: the envelope needs
     * no second strict walk (the record decode below stays strict). */
    if (proto_entry_decode_known(e, bytes.ptr, bytes.len) != 0 ||
        proto_record_decode(rec, e->kind, e->body, e->body_len, NULL) != 0)
        return RN_ECORRUPT;
    return 0;
}
