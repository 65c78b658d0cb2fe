/*
 * store.h: the replica: every authority's log and the indexes that answer recognition questions,
 * in one LMDB environment (DESIGN.md section 5).
 *
 * A node's whole knowledge lives here. Entries are stored as the exact bytes their authors signed;
 * everything else (ids, heads, fork evidence, the roster, the record indexes) is derived from them
 * and written in the same write transaction as the entries it derives from, so that after a crash
 * the replica is exactly as of some commit, never half-applied.
 *
 * Two ways in: store_ingest takes a run of entries received from a peer (decoded, linked,
 * one signature checked, every record validated against its author's country), and store_append
 * signs and commits the node's own authority's next entry, durably (fsync) before it returns,
 * because an entry that leaves the machine must never be signed differently after a crash.
 * Received entries are committed without fsync: peers still hold them and anti-entropy brings
 * back a lost tail.
 *
 * Threading: one store is used by one thread (the node's loop). LMDB pointers handed out by the
 * read functions are valid until the read transaction or the callback they came from ends.
 *
 * Named databases (keys are byte strings; be64 is a big-endian 64-bit integer; ids of records are
 * their "CC:ref" strings, which never contain a 0x00 byte). Every layout below is built and
 * parsed in one place, store/keys.h, private to the store:
 *
 *   entries   author(32) be64(seq)                       -> entry bytes
 *   ids       entry id(32)                               -> author(32) be64(seq)
 *   heads     author(32)                                 -> be64(seq) id(32) be64(ts) u8(flags)
 *                                                           be64(indexed_seq)
 *   forks     author(32) be64(seq)                       -> the second entry's bytes (the first is
 *                                                           in entries)
 *   roster    key(32)                                    -> country(2) u8(role)
 *   versions  u8(kind) rid 0x00 be64(ts) be64(seq)       -> author(32) be64(seq)
 *             where rid is the record's id string; for a revocation it is the 32-byte credential
 *             digest followed by the provider id. Every version of every record, so that the
 *             current state is the last key of a prefix and the state as of T the last key with
 *             ts <= T.
 *   dec_spec  spec-id 0x00 country(2) be64(ts) be64(seq) -> author(32) be64(seq)
 *             decisions by subject spec and deciding country.
 *   superseded decision-id 0x00 be64(ts) be64(seq)       -> author(32) be64(seq) of the superseder
 *   spec_prov provider-id 0x00 spec-id                   -> (empty) every spec ever linked to it
 *   spec_isced isced 0x00 spec-id                        -> (empty) every spec ever in that field
 *   issuer    issuer-key(32) provider-id                 -> (empty) every provider that ever
 *                                                           listed the key (an Ed25519 key, or
 *                                                           proto_issuer_key_ext_id of a JWK/DID)
 *   meta      "schema"                                   -> be64(STORE_SCHEMA_VERSION)
 *   anchors   author(32) be64(seq)                       -> (empty) entries above the author's
 *                                                           verified_seq whose own signature
 *                                                           was verified (see "Signatures")
 *   sigs      author(32)                                 -> be64(verified_seq) be64(checked_seq)
 *                                                           be64(bad_seq) be64(bad_anchor)
 *   chain     be64(version)                              -> the governed roster's document of that
 *                                                           version: the genesis at 1, then each
 *                                                           applied change with its signatures
 *   lineage   'r' author(32) be64(seq)                   -> (empty) every held roster entry
 *                                                           (kind 7), written at ingest and append
 *             's' key(32)                                -> be64(last_seq) last_id(32)
 * successor(32): the cut a succession (kind 8) made of its predecessor `key` 'p' key(32) ->
 * be64(seq_cut) be64(time_cut): the cut of `key` whose entries past it have been taken out of the
 * record indexes
 *
 * Indexing: store_ingest and store_append write entries and heads; ids and the record indexes
 * are derived by an index pass that sorts the keys of many entries and writes them in one
 * transaction per batch, advancing each author's indexed_seq watermark in the same commit.
 * store_query_begin runs the pass before it opens the read transaction, so queries always see
 * indexes that cover every entry (store_snapshot_begin does not, and never writes); a crash
 * between the two loses nothing (the next pass resumes from the watermarks). Random-key indexes
 * (ids are hashes) cost about one page write per entry when written run by run; sorted batches
 * write each page about once per batch.
 *
 * Signatures: store_ingest authenticates a run with one signature, the last entry's (the links
 * carry it to the others), so an author can publish an entry whose own signature is garbage
 * inside a run whose last signature holds. A node must never pass such an entry on as the end
 * of a run, nor put it in a proof bundle (PROTOCOL.md section 2, "Anchors"). The store
 * therefore records which entries' own signatures it has verified: "anchors" (the last entry
 * of every ingested run, every own entry, every entry store_anchor_put or the background
 * verifier checked), and per author a watermark verified_seq: every signature of 1 ..
 * verified_seq is valid. store_verify_step advances the watermarks a few signatures at a time;
 * an entry whose own signature fails there is self-proving evidence that its author published
 * an invalid entry (the chain from it to the next anchor is linked and the anchor signed): the
 * author's head is flagged STORE_HEAD_BADSIG and the seqs of the evidence kept (store_sigs).
 *
 * Disks: an own entry is acknowledged only once it is durable. When the fsync of store_append fails
 * (EIO), the entry is taken out of the log again, not acknowledged (RN_EIO), and store_append
 * refuses every later call (writes_stopped) until the store is reopened: after a failed fsync
 * the kernel may have dropped the dirty pages, so a later fsync would prove nothing. Reads and
 * ingest go on. When the map is full (RN_EFULL), ingest and the index pass fail, but reads are
 * still served from the last index commit (store_read.index_behind), and the pass resumes by
 * itself with the next read or idle flush once there is room (a larger map_bytes at reopen).
 *
 * Integrity: every entry handed out by store_entry_get, store_entries_range, store_fork_get and
 * store_version_load (so every answer and every entry served to a peer) is first checked against
 * its id: the BLAKE2b of its bytes must be the prev of the entry after it (the head's id for the
 * last one), or, when that witness disagrees, the key of `ids` that maps back to it. A mismatch
 * (bit rot, a bad restore) is never served: the call returns RN_ECORRUPT, a line goes to
 * stderr, integrity_errors counts it, and damaged_author/damaged_seq name it so that the node
 * can fetch it again from a peer (store_entry_repair). Cost: one hash of bytes in hand and one
 * look at the next key of the same log, usually on the same page. An entry found intact is
 * remembered (RN_STORE_CHECKED_SLOTS of them, by author and seq, for the life of the open store)
 * with its length and a 64-bit fingerprint of its bytes; a later read of it that finds the same
 * length and fingerprint skips the hash and the witness. The bytes are still read and compared
 * every time, so damage done after the first check (in the file or in memory) is caught by the
 * next read in the same process too: any change within one 8-byte word of the entry always changes
 * the fingerprint, any other with probability 1 - 2^-64; after a restart every entry is checked
 * in full again. (An adversary who can write the file is out of scope: it could rewrite the
 * witnesses as well.)
 *
 * Time: "as of T" means the replica restricted to entries with timestamp <= T. Because an
 * author's timestamps never decrease (PROTOCOL.md section 2), that is a prefix of each log.
 */
#ifndef RN_STORE_H
#define RN_STORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "proto/entry.h"
#include "proto/error.h"
#include "proto/record.h"
#include "proto/roster.h"

#define STORE_SCHEMA_VERSION 1u

/* Flags of a head. */
#define STORE_HEAD_FORKED 0x01u /* the author signed two entries at one seq */
#define STORE_HEAD_BADSIG 0x02u /* the author published an entry whose own signature fails */

typedef struct store_options {
    size_t map_bytes;   /* LMDB map size; 0 for RN_STORE_MAP_BYTES_DEFAULT */
    bool sync_received; /* fsync ingest commits too (default false, DESIGN.md section 5) */
    /* NULL: the roster saved in the replica is loaded, each key validated. Otherwise a roster
     * validated once and shared read-only by the replicas of one process (recnet-sim's nodes):
     * it must be the one saved in the replica (store_open compares them), and the store reads it
     * in place (proto_roster_view), neither copied nor validated again. It must outlive the store
     * and not change while the store is open. */
    const proto_roster *roster;
} store_options;

/* What a replica keeps that no caller reads: the LMDB environment and databases, the index
 * batch, the checked-entries table, the signing scratch (store/store_internal.h). */
struct store_private;

/*
 * A replica. The caller owns the struct; store_open fills it and store_close releases what it
 * holds. As in libuv, the fields above `priv` are public and read-only outside store/ (the node
 * reports them in status), except test_fail_sync, a test hook; `priv` is the store's own.
 */
typedef struct store {
    proto_roster roster; /* loaded from the roster database at open (or a view of
                            store_options.roster), replaced by store_roster_set and by
                            store_authors_set (its current members) */
    bool index_pending;  /* entries may lie past an index watermark (store_index_flush) */
    bool verify_pending; /* some log may hold signatures store_verify_step has not checked */
    /* Disk state and integrity (see "Disks" and "Integrity" above). */
    size_t map_bytes;          /* the LMDB map size in force */
    int writes_stopped;        /* 0, or the errno of the failed fsync that stopped store_append */
    int index_error;           /* 0, or the error of the last index pass (RN_EFULL: disk full) */
    bool full;                 /* the last write (ingest, append, index pass) that failed or
                                  committed found the map full (RN_EFULL) */
    uint64_t integrity_errors; /* reads that found an entry whose bytes no longer match its id */
    uint8_t damaged_author[PROTO_KEY_BYTES]; /* the last such entry, for a re-fetch */
    uint64_t damaged_seq;                    /* its seq; 0 when none is known */
    uint32_t test_fail_sync;    /* test only: the test_fail_sync-th next store_sync fails (EIO);
                                   0 off; set from RECNET_TEST_FAIL_SYNC at open */
    struct store_private *priv; /* private */
} store;

/* The head of one author's log. */
typedef struct store_head {
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq; /* 1 .. RN_SEQ_MAX */
    uint8_t id[PROTO_ID_BYTES];
    uint64_t timestamp_ms;
    uint32_t flags;       /* STORE_HEAD_... */
    uint64_t indexed_seq; /* entries 1 .. indexed_seq are in ids and the record indexes */
} store_head;

/*
 * Opens (creating if needed) the replica in directory `dir`, which must exist. Loads the roster
 * saved by store_roster_set, or reads opt->roster in place. The author table is the chain's held
 * in the replica (store_chain_append), verified again, or when none is held the genesis-only
 * table of that roster. `opt` may be NULL for the defaults.
 * Returns 0, RN_EIO (directory missing or unreadable; errno kept), RN_ESTORE (LMDB refused;
 * a message goes to stderr), RN_ECORRUPT (schema version not STORE_SCHEMA_VERSION, or a chain
 * held that no longer verifies), RN_ENOMEM,
 * RN_EINVAL (opt->roster is not the roster saved in the replica).
 * On failure nothing needs closing.
 */
RN_MUST_USE int store_open(store *s, const char *dir, const store_options *opt);

/* Closes the replica (after a final sync). Safe on a store whose open failed or was zeroed. */
void store_close(store *s);

/* Flushes every commit to disk (fsync). Returns 0 or RN_ESTORE (a message goes to stderr).
 * Test hook: while s->test_fail_sync is non-zero each call counts it down, and the call that
 * brings it to 0 fails as an fsync returning EIO would. It is 0 unless a test sets it, or the
 * environment variable RECNET_TEST_FAIL_SYNC=N (for tests only; never set it on a real node)
 * was set when the store opened. */
RN_MUST_USE int store_sync(store *s);

/*
 * Replaces the roster (who may author, and for which country) and saves it in the replica, and
 * makes its genesis-only author table the one in force (a node without a governed roster; a node
 * with one calls store_authors_set after). Entries already held are kept whatever the new roster
 * says. Returns 0, RN_ENOMEM, RN_ESTORE.
 */
RN_MUST_USE int store_roster_set(store *s, const proto_roster *r);

/* What store_ingest did with a run. */
typedef struct store_ingest_result {
    uint32_t accepted;   /* entries newly committed */
    uint32_t duplicates; /* entries already held (same id): a no-op */
    uint32_t repaired;   /* entries held whose stored bytes were damaged ("Integrity"), put back
                            from the run's copy (counted in integrity_errors, not in duplicates) */
    bool forked;         /* the run contained a second valid entry at a held seq: both kept as
                            evidence, the author marked forked, the run stopped there */
    uint64_t fork_seq;   /* that seq, when forked */
    bool diverged;       /* the run is authentic but its first new entry names as prev another
                            entry than our head: the author forked at the head's seq, whose other
                            entry the run does not carry (fetch it to record the evidence);
                            nothing committed, and no fault of the sender's */
    uint64_t head_seq;   /* the author's head after the call (0 if none) */
    uint8_t head_id[PROTO_ID_BYTES]; /* its id (zero if none) */
} store_ingest_result;

/*
 * Ingests a run of n raw entries, received from a peer, that must be consecutive entries of one
 * author (1 <= n <= RN_RUN_ENTRIES_MAX). In order: every entry decodes (proto_entry_decode); the
 * author may author by the author table (the first entry, proto_authors_entry_check); the run
 * verifies as a run (links, one signature); entries
 * at seqs already held are compared by id (equal: a duplicate; different: the held bytes are
 * first checked against the id the replica recorded for that place, "Integrity": if that is the
 * run's id, the held bytes are damaged and the run's copy is put back, res->repaired; else it is
 * a fork, see below); the first new entry follows the head (seq = head + 1, timestamp >= head's;
 * a prev other than the head's id is a divergence, res->diverged: the author forked at the head's
 * seq, authentic evidence the run does not carry, and nothing of the run commits); every new
 * record decodes and passes proto_authors_entry_check (the country prefix of the author's period,
 * the key's cut-off, a succession first for a key that came by rotation, a roster record signed
 * by its author) and, for a succession, what the replica holds of the predecessor's log (its
 * entry at last_seq, when held, has id last_id and an earlier timestamp). Then the new entries
 * and the head
 * commit in one write transaction (their ids and index keys follow with the index pass).
 * res->head_seq and res->head_id name the head after the call, so that a caller need not hash.
 *
 * A run that fails at entry k (decode, record or prefix) commits its valid prefix 0..k-1 (their
 * authenticity follows from the signature of entry k-1, checked) and returns the error with
 * d->index = k + 1. A run whose signature or links fail commits nothing. The last committed
 * entry, whose own signature was verified, is recorded as an anchor in the same commit; the
 * other entries' own signatures are left to store_verify_step.
 *
 * Returns 0 (see *res, which is always filled), or RN_EINVAL (n out of range), the decode errors
 * of proto_entry_decode and proto_record_decode, RN_EROSTER (author unknown), RN_EROLE (author is
 * a mirror), RN_ESUPERSEDED (past the author's cut-off), RN_EINCONSISTENT (field "succession",
 * "succession.*", "roster.change"), RN_EAUTHOR, RN_ESEQ, RN_EPREV (broken links inside the run:
 * forged), RN_ESIG,
 * RN_ETIME (from run verification or against the head), RN_EGAP (first new entry beyond head + 1:
 * fetch from res->head_seq + 1), RN_EPREFIX, RN_EFULL, RN_ESTORE.
 */
RN_MUST_USE int store_ingest(store *s, const proto_str *raw, size_t n, store_ingest_result *res,
                             rn_diag *d);

/*
 * Appends the next entry of the node's own authority, whose secret key is `sk` (the public key is
 * its last 32 bytes, which must be an authority of the roster): validates the record in body[],
 * checks its country prefixes, signs it at seq head + 1 with timestamp max(now_ms, head's), and
 * commits and fsyncs before returning. On success `id`, `seq` and `entry` (each may be NULL)
 * receive the new entry's id, seq and signed bytes; the bytes stay valid until the next call on
 * the store, so a caller can send them on without reading them back.
 *
 * A succession (kind 8) is stamped after the predecessor's entry it names when that is held
 * (max(now_ms, head's, that entry's + 1)). The entry is checked as store_ingest checks one
 * (proto_authors_entry_check and the succession's rules) once signed, before it commits.
 *
 * Returns 0, or RN_EROSTER, RN_EROLE, RN_ESUPERSEDED, RN_EINCONSISTENT, RN_ETIME (a succession
 * dated at or before the predecessor's entry), proto_record_decode's errors, RN_EPREFIX,
 * RN_ETOOBIG, RN_EFULL, RN_ESTORE, RN_EIO (d->field "store.sync": the fsync failed, the entry was
 * taken out again and writes_stopped set; "store.writes_stopped": an earlier fsync failed); nothing
 * is committed on failure.
 */
RN_MUST_USE int store_append(store *s, const uint8_t sk[PROTO_SK_BYTES], proto_kind kind,
                             const uint8_t *body, size_t body_len, uint64_t now_ms,
                             uint8_t id[PROTO_ID_BYTES], uint64_t *seq, proto_str *entry,
                             rn_diag *d);

/* One record of a batched append: its kind and its canonical body (borrowed for the call). */
typedef struct store_append_item {
    proto_kind kind;
    const uint8_t *body;
    size_t body_len; /* 1 .. RN_RECORD_BYTES_MAX */
} store_append_item;

/*
 * Appends the next n entries (1 <= n <= RN_APPEND_BATCH_RECORDS_MAX) of the node's own authority
 * at once: the records of items[0..n), in that order, at seqs head + 1 .. head + n, all stamped
 * max(now_ms, head's timestamp), in ONE write transaction with ONE fsync before it returns. Each
 * record is checked exactly as store_append checks one (proto_record_decode, its country
 * prefixes) before anything is signed; the batch is all or nothing: when any record is refused,
 * or the commit or its fsync fails, no entry of the batch stays in the log.
 *
 * The signed entries are written one after the other into out[0..out_cap) (owned by the caller;
 * RN_APPEND_BATCH_ENTRY_BYTES_MAX always suffices), and entries[i] (an array of n, may be NULL)
 * points at entry i there, so that a caller can send them on. *first_seq (may be NULL) gets the
 * seq of the first entry, last_id (may be NULL) the id of the last entry (the author's new head,
 * so that the caller need not hash it again), both on success only; *failed (may be NULL) gets
 * the 0-based position of the record refused (n when no one record is at fault).
 *
 * Fsync failure ("Disks" above): the whole batch is taken out of the log again, exactly as
 * store_append takes out its one entry, and writes_stopped is set.
 *
 * Returns 0, or RN_EINVAL (n out of range, a body over RN_RECORD_BYTES_MAX), RN_EROSTER, RN_EROLE,
 * RN_ESUPERSEDED and RN_EINCONSISTENT (as store_append), proto_record_decode's errors and
 * RN_EPREFIX (d names the field, *failed the record), RN_ESEQ, RN_ETOOBIG (out_cap too small),
 * RN_ENOMEM, RN_EFULL, RN_ESTORE, RN_EIO (d->field "store.sync" or "store.writes_stopped", as
 * store_append); nothing is committed on failure.
 */
RN_MUST_USE int store_append_batch(store *s, const uint8_t sk[PROTO_SK_BYTES],
                                   const store_append_item *items, size_t n, uint64_t now_ms,
                                   uint8_t *out, size_t out_cap, proto_str *entries,
                                   uint64_t *first_seq, uint8_t last_id[PROTO_ID_BYTES],
                                   size_t *failed, rn_diag *d);

/*
 * Runs the index pass until every entry is indexed (see "Indexing" above): in batches of at most
 * RN_INDEX_BATCH_ENTRIES entries, one write transaction each. Cheap when nothing is pending.
 * store_query_begin calls it; the node also calls it when idle after a catch-up. Its result is
 * kept in s->index_error (0 after a pass that finished).
 * Returns 0, RN_ENOMEM, RN_ECORRUPT (a stored entry no longer decodes), RN_EFULL, RN_ESTORE.
 */
RN_MUST_USE int store_index_flush(store *s);

/* ---- Reading the logs ---- */

/*
 * A read transaction: one consistent snapshot of the replica; every pointer obtained through it
 * is valid until store_read_end. Two ways to open one, which say what they do:
 *
 *   store_snapshot_begin opens the snapshot only, and never writes. Logs, heads, forks, anchors
 *   and signatures are current (ingest writes them in its own commit); the record indexes and
 *   `ids` cover each author up to its indexed_seq, so index_behind is set when entries await the
 *   index pass. Replication reads (entries to serve, ids to compare) use it, so that serving a
 *   catch-up does not undo the batching of the index pass.
 *
 *   store_query_begin first runs the index pass (store_index_flush: a write), then opens the
 *   snapshot, so that record queries see every entry. When the pass fails (RN_EFULL above all;
 *   its error stays in s->index_error) the read goes on and sees the replica as of the last
 *   index commit, with index_behind set.
 *
 * Both return 0 or RN_ESTORE. The fields below `index_behind` are the store's own.
 *
 * store_read_end lets the snapshot go but keeps one read's LMDB transaction (reset), cursors and
 * cache for the next read of the store, which renews them instead of opening new ones: a node
 * opens one read per control request. What the cache remembered (heads, signature watermarks)
 * is kept only when the next read finds the same snapshot (no commit in between).
 */
struct MDB_txn;
struct MDB_cursor;
typedef struct store_read {
    store *s;
    bool index_behind; /* record indexes may lag the logs (see above) */
    struct MDB_txn *txn;
    struct MDB_cursor *versions;    /* store_version_get's own cursor, opened on first use, kept
                                       until store_read_end: a query makes many lookups */
    struct MDB_cursor *entries;     /* store_entry_get's, the same way; it steps to the next entry
                                       to check one against its id */
    struct store_read_cache *cache; /* what this snapshot has already read (heads, signature
                                       watermarks, scan cursors): a snapshot never changes, so
                                       a query asks LMDB once. Allocated on first use, kept by
                                       store_read_end for the next read */
} store_read;

RN_MUST_USE int store_snapshot_begin(store *s, store_read *r);
RN_MUST_USE int store_query_begin(store *s, store_read *r);
void store_read_end(store_read *r);

/* Bytes of the LMDB map in use (pages up to the last one written), for the node's status. */
uint64_t store_used_bytes(const store *s);

/* The head of `author`. Returns 0, RN_ENOTFOUND (no entry of that author), RN_ESTORE. */
RN_MUST_USE int store_head_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES],
                               store_head *out);

/* Every head, in key order, into out[0..cap); *n gets the number of authors (which may exceed
 * cap: then only cap are written). Returns 0 or RN_ESTORE. */
RN_MUST_USE int store_heads(store_read *r, store_head *out, size_t cap, size_t *n);

/* The entry (author, seq), checked against its id ("Integrity"): *bytes points into the replica
 * until store_read_end. Returns 0, RN_ENOTFOUND, RN_ECORRUPT (damaged bytes), RN_ESTORE. */
RN_MUST_USE int store_entry_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq,
                                proto_str *bytes);

/*
 * Puts back an entry whose stored bytes are damaged, from a copy received from a peer: bytes[0..
 * len) must decode, and its id must be the one the replica recorded for its (author, seq) (the
 * next entry's prev, the head's id, or `ids`, as above), which makes it the entry verified at
 * ingest. Overwrites the held bytes in one write transaction (no fsync: peers hold
 * it) and clears damaged_seq if it named this entry. Returns 1 (repaired), 0 (the held entry is
 * intact: nothing done), RN_EINVAL (not the entry recorded there: a fork is store_ingest's
 * business), RN_ENOTFOUND (no entry held at that seq), proto_entry_decode's errors, RN_EFULL,
 * RN_ESTORE.
 */
RN_MUST_USE int store_entry_repair(store *s, const uint8_t *bytes, size_t len);

/* The author and seq of the entry whose id is `id`. Returns 0, RN_ENOTFOUND, RN_ESTORE. */
RN_MUST_USE int store_entry_find(store_read *r, const uint8_t id[PROTO_ID_BYTES],
                                 uint8_t author[PROTO_KEY_BYTES], uint64_t *seq);

/* Entries of `author` from seq `from` on, in order, at most `max_n` of them and at most
 * `max_bytes` in total (at least one entry is given if any exists, whatever its size); `cb` gets
 * each, with bytes valid during the call only, and may stop the walk by returning non-zero.
 * *n receives the number delivered. Each entry is checked against its id first ("Integrity"): a
 * damaged one ends the walk before it is delivered. Returns 0, RN_ESTORE, RN_ECORRUPT, or the
 * callback's non-zero value. */
typedef int (*store_entry_cb)(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len);
RN_MUST_USE int store_entries_range(store_read *r, const uint8_t author[PROTO_KEY_BYTES],
                                    uint64_t from, size_t max_n, size_t max_bytes,
                                    store_entry_cb cb, void *ctx, size_t *n);

/* Fork evidence of `author`: the seq and both entries' bytes (valid until store_read_end).
 * Returns 0, RN_ENOTFOUND (author not forked), RN_ESTORE, RN_ECORRUPT (the held entry is
 * damaged, or missing). */
RN_MUST_USE int store_fork_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES], uint64_t *seq,
                               proto_str *a, proto_str *b);

/* ---- Signatures (see "Signatures" above) ---- */

/* What the replica knows of one author's signatures. */
typedef struct store_sigs {
    uint64_t verified_seq; /* every entry 1 .. verified_seq has a valid own signature */
    uint64_t checked_seq;  /* store_verify_step has looked at 1 .. checked_seq (>= verified) */
    uint64_t bad_seq;      /* the first entry whose own signature fails, 0 for none */
    uint64_t bad_anchor;   /* the anchor after it: entries bad_seq .. bad_anchor are the
                              evidence (linked, the last one signed); 0 for none */
} store_sigs;

/* The signature state of `author` (all zero for an author never checked). Returns 0,
 * RN_ECORRUPT, RN_ESTORE. */
RN_MUST_USE int store_sigs_get(store_read *r, const uint8_t author[PROTO_KEY_BYTES],
                               store_sigs *out);

/*
 * The last anchor of `author` in seqs [from, to] (an entry at or below verified_seq counts as
 * one), into *seq. Returns 0, RN_ENOTFOUND (none in the range), RN_ECORRUPT, RN_ESTORE.
 */
RN_MUST_USE int store_anchor_last(store_read *r, const uint8_t author[PROTO_KEY_BYTES],
                                  uint64_t from, uint64_t to, uint64_t *seq);

/* The first anchor of `author` in seqs [from, to], into *seq. Same returns as above. */
RN_MUST_USE int store_anchor_first(store_read *r, const uint8_t author[PROTO_KEY_BYTES],
                                   uint64_t from, uint64_t to, uint64_t *seq);

/*
 * Records that the entry (author, seq), held, has a valid own signature: the caller verified it
 * (proto_entry_verify). One write transaction; must not be called inside a store_read (it
 * would wait for nothing, but the caller's read would not see it). When it cannot commit, the
 * entry is left to the background verifier (verify_pending is set). Returns 0, RN_EFULL,
 * RN_ESTORE.
 */
RN_MUST_USE int store_anchor_put(store *s, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq);

/*
 * The entry (author, seq), as store_entry_get, but only if its own signature is valid: an
 * anchor, or verified now (not recorded: the read transaction cannot write). Used for what a
 * node vouches for, such as the entries of a proof bundle. Returns 0, RN_ENOTFOUND, RN_ESIG (the
 * entry's own signature fails), RN_ECORRUPT (it no longer decodes), RN_ESTORE.
 */
RN_MUST_USE int store_entry_get_verified(store_read *r, const uint8_t author[PROTO_KEY_BYTES],
                                         uint64_t seq, proto_str *bytes);

/*
 * The second half of store_entry_get_verified, for an entry already in hand: `bytes` must be
 * what store_entry_get (or store_version_load) gave for (author, seq) in this read, so checked
 * against its id. Returns 0 if its own signature is valid (at or below verified_seq, an anchor,
 * or verified now), RN_ESIG, RN_ECORRUPT (it no longer decodes), RN_ESTORE.
 */
RN_MUST_USE int store_entry_signed(store_read *r, const uint8_t author[PROTO_KEY_BYTES],
                                   uint64_t seq, proto_str bytes);

/* What one store_verify_step did. */
typedef struct store_verify_result {
    uint32_t verified; /* signatures checked (Ed25519 verifications) */
    uint32_t flagged;  /* authors newly flagged STORE_HEAD_BADSIG */
    bool more;         /* signatures are left to check: call again */
} store_verify_result;

/*
 * The background verifier: checks the own signatures of at most `budget` (>= 1) entries past
 * the authors' checked_seq watermarks (anchors pass without a verification) and advances the
 * watermarks, in one write transaction. An entry whose signature fails flags its author
 * (STORE_HEAD_BADSIG, the first such seq and the anchor after it kept in sigs); the check goes
 * on past it, so that later entries still become anchors. Cheap when s->verify_pending is false.
 * Returns 0 (see *res), RN_ECORRUPT (a stored entry no longer decodes), RN_EFULL, RN_ESTORE.
 */
RN_MUST_USE int store_verify_step(store *s, uint32_t budget, store_verify_result *res);

/* The authority's country for `author`: its country in the author table (for a key that was an
 * authority in some period, current or not), or NULL. */
const char *store_author_country(const store *s, const uint8_t author[PROTO_KEY_BYTES]);

/* ---- Authors by the governed roster (PROTOCOL.md 4.4; store/README.md, "Lineage") ----
 *
 * Who may author, for which country and up to where, is the author table (proto/authors.h) of the
 * governed roster. A replica without a chain uses a genesis-only table built from its roster
 * (store_roster_set). Every entry ingested or appended is checked with proto_authors_entry_check:
 * RN_EROSTER (never a member), RN_EROLE (only ever a mirror), RN_ESUPERSEDED (past the key's
 * cut-off: a compromised rotation's last trusted seq, the seq a succession names for a planned
 * rotation, or for a removed authority a timestamp after its removal), and its ids carry the
 * country of the author's period. A key that came by rotation begins its log with a succession
 * (kind 8) naming its predecessor (RN_EINCONSISTENT, field "succession", otherwise); the cut a
 * succession makes is kept in the replica. Entries past a cut that the replica held before the
 * cut was known stay in their logs as evidence, but are taken out of the record indexes, so that
 * no query answers from them. Every key that held the authority role for a country is that
 * country's authority for the queries (its lineage).
 */
struct proto_authors;
struct proto_rosterchain;

/*
 * From now on ingest and append check entries against table `a` (copied), and s->roster becomes
 * the roster of its current authorities and mirrors (saved as store_roster_set saves one). Cuts
 * the table makes known (compromised, removed) take the entries past them out of the record
 * indexes before it returns. store_roster_set stays for a replica without a chain: it installs
 * the genesis-only table of its roster. Returns 0, RN_ENOMEM, RN_EFULL, RN_ESTORE.
 */
RN_MUST_USE int store_authors_set(store *s, const struct proto_authors *a);

/* The table in force (a genesis-only one from the roster when none was set); valid until the
 * next store_authors_set or store_roster_set. */
const struct proto_authors *store_authors(const store *s);

/*
 * Persists the next document of the governed roster: the genesis first (version 1), then each
 * change as applied (with the signatures merged for it), in order, and fsyncs. The documents are
 * kept as given; store_open rebuilds the author table from them when the replica holds a chain.
 * Each is checked for its form (a genesis that starts a chain; a change document of the next
 * version); its signatures are the caller's to have verified (proto_rosterchain_apply).
 * Returns 0, RN_EINVAL (len 0 or over RN_ROSTERCHAIN_GENESIS_BYTES_MAX, not a genesis, not a
 * change of the next version), RN_ENOMEM, RN_EFULL, RN_ESTORE.
 */
RN_MUST_USE int store_chain_append(store *s, const uint8_t *doc, size_t len);

/*
 * Rebuilds the chain persisted by store_chain_append into `out` (uninitialised): the genesis,
 * then every change applied in turn. Returns 0, RN_ENOTFOUND (no chain held), RN_ENOMEM,
 * RN_ESTORE, or the errors of proto_rosterchain_init and proto_rosterchain_apply_bytes (a
 * document that no longer verifies: RN_ECORRUPT-like damage; `d` names it).
 */
RN_MUST_USE int store_chain_load(store *s, struct proto_rosterchain *out, rn_diag *d);

/*
 * The document of `version` (1: the genesis) as store_chain_append kept it: *doc (malloc'd, the
 * caller frees it) and *len. Returns 0, RN_ENOTFOUND (no such version held), RN_ENOMEM,
 * RN_ESTORE.
 */
RN_MUST_USE int store_chain_document(store *s, uint64_t version, uint8_t **doc, size_t *len);

/*
 * Every roster entry (kind 7) held, in (author, seq) order, from the `lineage` index: `cb` gets
 * each with its entry bytes (checked against its id, valid during the call) and may stop the walk
 * by returning non-zero. Entries past their author's cut-off are skipped. Returns 0, RN_ECORRUPT,
 * RN_ESTORE, or the callback's non-zero value.
 */
typedef int (*store_change_cb)(void *ctx, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq,
                               const uint8_t *bytes, size_t len);
RN_MUST_USE int store_roster_changes(store_read *r, store_change_cb cb, void *ctx);

/*
 * The cut a succession made of predecessor `key`: *seq gets the last seq of `key` that its
 * lineage keeps (0: none). Returns 0, RN_ENOTFOUND (no succession names `key`).
 */
RN_MUST_USE int store_succession_cut(store *s, const uint8_t key[PROTO_KEY_BYTES], uint64_t *seq);

/* ---- Record versions (used by the queries of query.h) ---- */

/* Where one version of a record is: its entry, and that entry's timestamp. */
typedef struct store_version {
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq;
    uint64_t timestamp_ms;
} store_version;

/*
 * The latest version of the record of kind `kind` and id `rid` (rid_len bytes, see `versions`
 * above) whose entry's timestamp is <= at_ms (UINT64_MAX for the current state). Returns 0,
 * RN_ENOTFOUND, RN_ESTORE.
 */
RN_MUST_USE int store_version_get(store_read *r, proto_kind kind, const uint8_t *rid,
                                  size_t rid_len, uint64_t at_ms, store_version *out);

/*
 * Why a record is gone: whether a version of (kind, rid) stamped at or before at_ms was taken out
 * of the indexes because its entry lies past its key's last trusted one (a compromised key's cut,
 * a removal's, a succession's: PROTOCOL.md 4.4, 11.11). *out gets the earliest such version's
 * entry. Only versions the replica held when the cut became known are noted: those past a cut
 * already known are refused at ingest and never held. Returns 0, RN_ENOTFOUND (none),
 * RN_ECORRUPT, RN_ESTORE. For answers that say so when store_version_get finds nothing.
 */
RN_MUST_USE int store_cut_off_get(store_read *r, proto_kind kind, const uint8_t *rid,
                                  size_t rid_len, uint64_t at_ms, store_version *out);

/* Loads the entry of a version and decodes its record into *rec (borrowing the replica's bytes
 * until store_read_end); `e` (may be NULL) receives the decoded entry, checked against its id.
 * Returns 0, RN_ENOTFOUND, RN_ESTORE, RN_ECORRUPT (damaged bytes, or a stored entry or record
 * that no longer decodes). */
RN_MUST_USE int store_version_load(store_read *r, const store_version *v, proto_entry *e,
                                   proto_record *rec);

/* ---- Consistency ---- */

typedef struct store_check_result {
    uint64_t authors;                    /* logs checked */
    uint64_t entries;                    /* entries checked */
    uint8_t bad_author[PROTO_KEY_BYTES]; /* on RN_ECORRUPT at an entry: its author */
    uint64_t bad_seq;                    /* and its seq; 0 for an inconsistency of no one entry */
} store_check_result;

/*
 * Checks the whole replica against its own entries, in one read transaction: every log is
 * complete from seq 1 to its head, linked, with non-decreasing timestamps, and decodes; the head
 * names the last entry; every entry's id maps back to it; every index key that an entry implies
 * is present, and the versions, dec_spec and superseded indexes hold nothing else. Used by the
 * crash test, by `recnetctl check` and at start (`[store] check_at_start`). Cost: one pass over
 * every entry. An entry whose bytes no longer match their id is counted and reported as reads do
 * ("Integrity"), and named in out->bad_author and bad_seq.
 * Returns 0, RN_ECORRUPT (the first inconsistency found), RN_ENOMEM, RN_ESTORE, or the index
 * pass's error when it cannot run (RN_EFULL: the check needs the indexes complete).
 */
RN_MUST_USE int store_check(store *s, store_check_result *out);

/* ---- Witness state (store/witness.c; PROTOCOL.md 11.12) ----
 *
 * A database of its own, `witness`, beside the logs: what this node cosigned as a witness, so
 * that a restart never makes it cosign a head of an author below (or beside) one it cosigned
 * before; the node's own newest signed checkpoints with the cosignatures it collected; and the
 * checkpoints it refused, kept as evidence. Keys:
 *
 *   'c' author (32)      -> be64 seq, id (32)           the last head of author it cosigned
 *   'o' be32 slot        -> a signed checkpoint (bytes) one of its own newest, slot 0 .. 3
 *   'e' be64 number      -> a signed checkpoint (bytes) refused: another id at a held seq
 *
 * Every write commits in its own transaction and is made durable (fsync) before it returns:
 * a cosignature goes out only after the heads it covers are on disk. The database is opened (and
 * created) on first use. Small: one record per author, four checkpoints, and the evidence
 * (STORE_WITNESS_EVIDENCE_MAX records, the oldest replaced).
 */

/* The evidence a replica keeps at most: one refused checkpoint each. */
#define STORE_WITNESS_EVIDENCE_MAX 16u
/* The node's own checkpoints a replica keeps: the newest, and the ones before it that may still
 * carry more cosignatures than the newest. */
#define STORE_CHECKPOINTS_OWN_MAX 4u

typedef struct store_witness_head {
    uint8_t author[PROTO_KEY_BYTES];
    uint64_t seq; /* 1 .. RN_SEQ_MAX */
    uint8_t id[PROTO_ID_BYTES];
} store_witness_head;

/* Loads every cosigned head into out[0..cap), in author order; *n the number found (at most cap:
 * the rest are not read). Returns 0, RN_ECORRUPT (a record of another size), RN_ESTORE. */
RN_MUST_USE int store_witness_heads_load(store *s, store_witness_head *out, size_t cap, size_t *n);

/* Records h[0..n) as the last cosigned heads of their authors, durably. Returns 0, RN_EFULL,
 * RN_EIO (the fsync failed), RN_ESTORE. */
RN_MUST_USE int store_witness_heads_put(store *s, const store_witness_head *h, size_t n);

/* The node's own checkpoint in `slot` (0 .. STORE_CHECKPOINTS_OWN_MAX - 1): copied into
 * buf[0..cap), *len its size. Returns 0, RN_ENOTFOUND, RN_ETOOBIG (cap too small), RN_EINVAL
 * (slot), RN_ESTORE. */
RN_MUST_USE int store_checkpoint_own_get(store *s, uint32_t slot, uint8_t *buf, size_t cap,
                                         size_t *len);

/* Stores cp[0..len) (1 .. RN_CHECKPOINT_BYTES_MAX bytes) in `slot`, durably. Returns 0, RN_EINVAL,
 * RN_EFULL, RN_EIO, RN_ESTORE. */
RN_MUST_USE int store_checkpoint_own_put(store *s, uint32_t slot, const uint8_t *cp, size_t len);

/* Keeps a refused checkpoint as evidence number `number` (its slot is number modulo
 * STORE_WITNESS_EVIDENCE_MAX), durably. Returns as store_checkpoint_own_put. */
RN_MUST_USE int store_witness_evidence_put(store *s, uint64_t number, const uint8_t *cp,
                                           size_t len);

/* The evidence record of `number` (copied, as store_checkpoint_own_get). RN_ENOTFOUND when that
 * slot holds another number's or none. */
RN_MUST_USE int store_witness_evidence_get(store *s, uint64_t number, uint8_t *buf, size_t cap,
                                           size_t *len);

#endif /* RN_STORE_H */
