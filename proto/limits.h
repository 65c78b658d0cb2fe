/*
 * limits.h: every bound in recnet, in one place.
 *
 * Each limit says why it has the value it has. Decoders check lengths against these bounds before
 * they allocate or copy anything, so that a peer, a file or a control client can never make a node
 * use more memory than the sum of these numbers. Static assertions at the end keep the bounds
 * consistent with one another; change a number here and the build tells you what else must move.
 */
#ifndef RN_LIMITS_H
#define RN_LIMITS_H

#include <assert.h>

/* ---- The log entry (proto/entry.h) ---- */

/* Entry format version written by this implementation; decoders refuse every other. */
#define RN_ENTRY_VERSION 1

/* Largest encoded entry, signature included. A specification with 32 learning outcomes of 1 KiB
 * each, a title in every language and every optional field filled stays below this; translations
 * of its outcomes share what is left (a spec whose body would pass RN_RECORD_BYTES_MAX is refused,
 * PROTOCOL.md 3.1). 64 KiB keeps a batch of entries inside one frame and bounds what a single bad
 * entry can make us allocate. */
#define RN_ENTRY_BYTES_MAX (64u * 1024u)

/* Smallest encoded entry: array header, version, author, seq, nil prev, timestamp, kind, an empty
 * map, and the signature. Anything shorter is refused before it is parsed. */
#define RN_ENTRY_BYTES_MIN (1u + 1u + 34u + 1u + 1u + 1u + 1u + 1u + 66u)

/* Sequence numbers start at 1 and must stay exact in a double for JSON clients: 2^53 - 1. */
#define RN_SEQ_MAX ((1ull << 53) - 1u)

/* Timestamps are milliseconds since the Unix epoch. Year 9999 is far enough. */
#define RN_TIME_MS_MAX 253402300799999ull

/* Largest run of consecutive entries verified with one signature (proto_entry_run_verify). The
 * store ingests in runs of this size at most; the benchmark uses runs of 1,000. */
#define RN_RUN_ENTRIES_MAX 4096u

/* ---- Strings and identifiers in record bodies (proto/record.h) ---- */

/* An identifier is "CC:" followed by 1-125 bytes of [A-Za-z0-9._:/-]: long enough for a national
 * registry's own reference, short enough to be an LMDB key with room for a prefix. */
#define RN_ID_BYTES_MAX 128u

/* Names, titles, notes: one paragraph. */
#define RN_NAME_BYTES_MAX 512u

/* Free text such as a learning outcome, conditions or appeal information. */
#define RN_TEXT_BYTES_MAX 4096u

/* A URL (further information, ESCO skill URIs). */
#define RN_URL_BYTES_MAX 512u

/* Languages in which a title or a learning outcome is given, and languages of instruction of a
 * specification. The 30 countries use 24 official EU languages, and the EEA members add Icelandic,
 * Norwegian (no, nb, nn) and, through Liechtenstein, nothing new; with Luxembourgish and the
 * co-official regional languages (Catalan, Basque, Galician, Sami, Frisian, Welsh, ...) a title in
 * every language a country's learners read stays under 40. */
#define RN_LANGS_MAX 40u

/* Learning outcomes of one specification, the text of each, and ESCO URIs per outcome. */
#define RN_OUTCOMES_MAX         32u
#define RN_OUTCOME_BYTES_MAX    1024u
#define RN_ESCO_PER_OUTCOME_MAX 8u

/* Issuer keys of one awarding body (rotation keeps at most a handful alive). */
#define RN_ISSUER_KEYS_MAX 8u

/* Issuer keys of the later forms (PROTOCOL.md 3.4, provider.issuer_keys_ext): JWKs and DIDs, as
 * many as Ed25519 keys. A JWK is kept as its RFC 7638 members; the longest, an RSA key of
 * RN_ISSUER_RSA_BITS_MAX bits, is 1,399 bytes. A DID or DID URL is bounded as the credential
 * library bounds one (CRED_ID_BYTES_MAX): did:jwk of an RSA key is some 600 bytes. Eight of the
 * longest of each kind (27 KiB) fit in a body with the rest of the provider. */
#define RN_ISSUER_KEYS_EXT_MAX  8u
#define RN_ISSUER_JWK_BYTES_MAX 1536u
#define RN_ISSUER_DID_BYTES_MAX 2048u
#define RN_ISSUER_RSA_BITS_MIN  2048u
#define RN_ISSUER_RSA_BITS_MAX  8192u

/* The identifiers a spec was imported from (spec.source_ids: an Open Badges achievement's id, an
 * ELM specification's id): one is usual, a few allow for a spec known under several. */
#define RN_SOURCE_IDS_MAX 8u

/* A provider's revocation list as a W3C Bitstring Status List (PROTOCOL.md 3.9, 13.7): every list
 * has RN_STATUS_LIST_BITS entries, so that an index given at issue is always inside the list a
 * verifier fetches later, whatever was revoked since; 2^20 is eight times the 131,072 entries the
 * specification asks as a minimum for herd privacy, 128 KiB before compression (some 200 bytes
 * after, when few bits are set). revocation.status_index is below it. */
#define RN_STATUS_LIST_BITS (1u << 20)
#define RN_STATUS_INDEX_MAX (RN_STATUS_LIST_BITS - 1u)

/* Specifications a specification or pathway refers to (prerequisite of, mandatory, eligible). */
#define RN_SPEC_REFS_MAX 64u

/* Substantial differences named by one decision: one per category at most. */
#define RN_DIFFERENCES_MAX 5u

/* Countries and ISCED-F prefixes in one policy or pathway rule. */
#define RN_POLICY_COUNTRIES_MAX 30u
#define RN_ISCED_PREFIXES_MAX   16u

/* ECTS credits are carried in hundredths. A micro-credential is smaller than a qualification; we
 * accept up to 60 ECTS (one academic year) for a specification and 360 ECTS (the largest
 * qualifications) for a pathway's total. */
#define RN_ECTS_CENTI_MAX         6000u
#define RN_PATHWAY_ECTS_CENTI_MAX 36000u

/* Fields per record body map: the largest record (spec) has 22. */
#define RN_RECORD_FIELDS_MAX 32u

/* The most an entry spends around its body: array header, version, author (bin8 of 32), seq and
 * timestamp at their longest (uint64), prev (bin8 of 32), kind, and the signature (bin8 of 64). */
#define RN_ENTRY_ENVELOPE_BYTES_MAX (1u + 1u + 34u + 9u + 34u + 9u + 1u + 66u)

/* Largest encoded record body: whatever body is this size or smaller fits in an entry whatever
 * its seq and timestamp, so a record that encodes can always be signed. */
#define RN_RECORD_BYTES_MAX (RN_ENTRY_BYTES_MAX - RN_ENTRY_ENVELOPE_BYTES_MAX)

/* ---- Proof bundles (proto/proof.h) ---- */

/* Entries in one proof bundle: decision or policy, spec, provider, revocation, and the head
 * entries that date them. 64 leaves room for pathway answers that cite several specs. */
#define RN_PROOF_ENTRIES_MAX 64u

/* Largest encoded proof bundle: its entries plus a small query and answer. */
#define RN_PROOF_BYTES_MAX (RN_PROOF_ENTRIES_MAX * RN_ENTRY_BYTES_MAX + 4096u)

/* ---- The federation roster ---- */

/* Members of one federation: the 30 authorities plus read-only mirrors; 1,024 covers the
 * simulator's 1,000-node runs. */
#define RN_ROSTER_MEMBERS_MAX 1024u

/* ---- The peer protocol (proto/wire.h) ---- */

/* Entries in one ENTRIES message, and their bytes: a catch-up batch. 1,000 entries of some 350
 * bytes travel in one frame; the byte bound keeps a frame well under the frame limit even when
 * the entries are large, and at least one entry of the largest size always fits. */
#define RN_BATCH_ENTRIES_MAX 1024u
#define RN_BATCH_BYTES_MAX   (512u * 1024u)

/* Largest plaintext of one frame: a batch with its MessagePack framing. */
#define RN_FRAME_BYTES_MAX (RN_BATCH_BYTES_MAX + 64u * 1024u)

/* Heads in one HEADS message: one per roster member at most. */
#define RN_PEER_HEADS_MAX RN_ROSTER_MEMBERS_MAX

/* ---- The node (node/core.h) ---- */

/* Peer connections at once. A full mesh of the 30 authorities plus a few mirrors fits; larger
 * federations use partial views (the simulator's 1,000-node runs). */
#define RN_PEERS_MAX 64u

/* Bytes buffered on one connection: incoming (one frame being assembled) and outgoing (frames
 * waiting for the socket). A peer that makes either pass its bound is disconnected. */
#define RN_CONN_INBUF_BYTES  (RN_FRAME_BYTES_MAX + 64u)
#define RN_CONN_OUTBUF_BYTES (8u << 20)

/* Unacknowledged entry bytes in flight to one peer (the default; configurable below it). */
#define RN_INFLIGHT_BYTES_DEFAULT (4u << 20)

/* Ranges of the node's tunables (node_limits in node/core.h). Every period or timeout is at
 * most an hour: longer ones only hide a dead peer or a lost push. The bytes in flight to one peer
 * are at least 16 KiB (a few entries; less would make every batch one entry) and at most
 * RN_INFLIGHT_BYTES_DEFAULT, which a receiver enforces (plus one entry a batch may overshoot by).
 * The entry rate from one peer is capped at ten million a second, far above what one disk takes,
 * so that the token bucket's arithmetic (thousandths of entries, int64) cannot overflow. */
#define RN_TIMER_MS_MAX       (3600u * 1000u)
#define RN_INFLIGHT_BYTES_MIN (16u << 10)
#define RN_ENTRIES_PER_S_MAX  10000000u

/* Fork evidence received before our copy of the author's log reaches the forked seq is kept in
 * memory until it does, for at most this many authors at once (two entries each, 128 KiB at
 * most): beyond that it is dropped and comes back with the next FORK or HEADS. */
#define RN_FORKS_PENDING_MAX 16u

/* Hostile members (PROTOCOL.md 11.5, 11.6). A peer whose claimed head of an author is not
 * delivered (a WANT to it went stale: no new entries in sequence for anti_entropy_ms) is demoted
 * for that author: neither asked nor taken as eager source while another peer can serve, for
 * RN_DEMOTE_MS_MIN after its first failure, doubling with each further one up to RN_DEMOTE_MS_MAX
 * (a peer that lost a connection's other direction once is back soon; a liar is asked about once
 * every ten minutes). A WANT answered in full ends the doubling.
 *
 * What a node serves to one peer is budgeted per RN_SERVE_INTERVAL_MS: a first pass over a log
 * is free (each entry not yet sent to the peer on that connection, so a catch-up runs at full
 * speed, also when the peer's WANT went stale and it asks again), but a WANT that goes back over
 * entries of that author already sent to the peer on that connection is a repeat; at most
 * RN_SERVE_REPEATS_MAX repeats a peer, and RN_SERVE_REPEAT_BYTES_MAX bytes of entries sent to it
 * again, per interval. Past either the peer's WANTs wait (nothing is dropped) until the next
 * interval: a WANT loop over a 9 MB log buys 4 MiB (plus one batch) per 10 s instead of the log
 * at full speed. Honest peers repeat a range after a fork probe, a failed ingest or a stale WANT
 * (then only what was in flight is sent again), far inside these bounds. */
#define RN_DEMOTE_MS_MIN          10000u
#define RN_DEMOTE_MS_MAX          (600u * 1000u)
#define RN_SERVE_INTERVAL_MS      10000u
#define RN_SERVE_REPEATS_MAX      8u
#define RN_SERVE_REPEAT_BYTES_MAX (4u << 20)

/* The control socket: one request, one response, clients at once. A response carries at most
 * one proof bundle, witnessed (its checkpoints: 1 MiB, RN_PROOF_CHECKPOINTS_BYTES_MAX below) and
 * signed, or one batch of log entries. */
#define RN_CONTROL_REQUEST_BYTES_MAX  (1u << 20)
#define RN_CONTROL_RESPONSE_BYTES_MAX (RN_PROOF_BYTES_MAX + (1u << 20) + (64u << 10))
#define RN_CONTROL_CLIENTS_MAX        64u

/* A control client silent this long (no request bytes, no response pending) is closed, so that
 * clients that never finish a request cannot hold every slot. recnetctl makes one call per
 * connection; a long-lived client sends a request at least this often. */
#define RN_CONTROL_IDLE_MS 30000u

/* The HTTP gateway (node/http.h; README.md, "HTTP gateway"). What one request may hold: the
 * request line and headers together (a query string included), the headers, a body (a
 * credential file for verify, which is small; the same bound as a control request), the
 * parameters of a query string and the bytes of any one of them. */
#define RN_HTTP_HEAD_BYTES_MAX   (16u << 10)
#define RN_HTTP_HEADERS_MAX      32u
#define RN_HTTP_BODY_BYTES_MAX   (256u << 10)
#define RN_HTTP_QUERY_PARAMS_MAX 16u
#define RN_HTTP_QUERY_BYTES_MAX  4096u
/* A client that has not sent a whole request this long after connecting, or after its last
 * answer, is closed (a slow or silent client holds no slot for long); at most this many
 * connections at once, a newcomer beyond it is closed at once. */
#define RN_HTTP_REQUEST_MS 5000u
#define RN_HTTP_IDLE_MS    10000u
#define RN_HTTP_CONNS_MAX  256u
/* Queries queued from the gateway's thread to the node's loop: beyond it, 503. */
#define RN_HTTP_QUEUE_MAX 256u
/* Per client address: a token bucket of this many requests a second by default ([http]
 * rate_per_s), with a burst of twice as many (429 beyond it), over at most this many addresses
 * tracked at once (the least recently seen is forgotten first). */
#define RN_HTTP_RATE_PER_S     200u
#define RN_HTTP_RATE_ADDRS_MAX 1024u

/* Strangers and floods (node/README.md, "Strangers and floods"). An incoming connection is a
 * stranger until its first handshake message (M1, which only a holder of the network key can
 * make) has arrived and been accepted. Strangers get a budget of their own, apart from the slots
 * of members: at most RN_STRANGERS_MAX at once (and never more than half of peers_max, so that
 * members always keep most of the core's slots), at most RN_STRANGERS_PER_ADDR from one source
 * address, each with RN_STRANGER_FIRST_MSG_MS to send its M1 (a member sends it at once, one
 * round trip after connecting). A newcomer beyond a budget makes room by closing the oldest
 * silent stranger; a silent stranger costs the node one descriptor and no core slot. */
#define RN_STRANGERS_MAX         32u
#define RN_STRANGERS_PER_ADDR    8u
#define RN_STRANGER_FIRST_MSG_MS 1000u

/* The control socket's output: responses queued for all clients together (each client has its
 * own bound, twice the largest response, in node/driver.h), plus a reserve that only a client
 * with nothing queued may use, so that an operator's request is answered while clients that do
 * not read hold the rest. A client with responses waiting that takes none of them for
 * RN_CONTROL_WRITE_MS is closed; when every slot is taken, a newcomer makes room by closing the
 * client that has taken nothing for longest (or else the one idle for longest). */
#define RN_CONTROL_QUEUED_BYTES_MAX (16u << 20)
#define RN_CONTROL_QUEUED_RESERVE   (2u * RN_CONTROL_RESPONSE_BYTES_MAX)
#define RN_CONTROL_WRITE_MS         5000u

/* Requests of one control client handled in one turn of the driver's loop; the rest wait for the
 * next turn, so that a client pipelining thousands of requests delays the others, the operator
 * among them, by one turn at most. */
#define RN_CONTROL_TURN_REQUESTS 32u

/* The background signature verifier (store_verify_step, PROTOCOL.md section 2, "Anchors"): at
 * most this many entry signatures per step, one step per interval once ingest has been idle,
 * about 1.5 ms of work in 10 ms (an Ed25519 verification costs some 50 us), 3,200 signatures a
 * second, so that it never competes with a catch-up or with serving and still finishes a backlog
 * of a million entries in about five minutes. */
#define RN_VERIFY_SIGS_PER_STEP 32u
#define RN_VERIFY_STEP_MS       10u

/* Repeated log lines (node/log.h): within each window, the first lines of a kind an outsider can
 * provoke (refused or cut connections, refused control clients) are written and the rest counted
 * into one summary line, so that a flood costs a few hundred bytes of log per window. Handshake
 * refusals, which cost the sender a 65-byte message each, get a larger quota. */
#define RN_LOG_REPEAT_WINDOW_MS       10000u
#define RN_LOG_REPEAT_LINES           10u
#define RN_LOG_REPEAT_LINES_HANDSHAKE 100u

/* ---- The replica (store/store.h) ---- */

/* Default LMDB map size. The map is sparse: disk is used as entries arrive. 64 GiB holds some
 * 100 million entries with their indexes, far beyond 30 authorities' registries. */
#define RN_STORE_MAP_BYTES_DEFAULT (64ull << 30)

/* The index pass (store.c) sorts the index keys of at most this many entries, in an arena of at
 * most this many bytes and keys, per write transaction: large enough that each index page is
 * written about once per batch during a catch-up (LMDB writes every page a transaction touches,
 * and ids are random), small enough to stay transient: the batch is freed once it is written. */
#define RN_INDEX_BATCH_ENTRIES 262144u
#define RN_INDEX_BATCH_KEYS    (RN_INDEX_BATCH_ENTRIES * 4u)
#define RN_INDEX_BATCH_BYTES   (64u << 20)

/* Keys the index pass writes per write transaction. LMDB keeps the buffers of a transaction's
 * dirty pages for reuse until the environment closes, so this bounds what a catch-up leaves
 * behind: some 32,768 sorted keys dirty a few thousand pages (about 12 MiB). */
#define RN_INDEX_TXN_KEYS 32768u

/* Named databases in the replica's environment: the 16 of store/store.c (store.h lists them), the
 * witness state of store/witness.c, and room to grow. */
#define RN_STORE_DBS_MAX 24u

/* Results one search returns at most; the caller pages with its `after` cursor. */
#define RN_SEARCH_RESULTS_MAX 1000u

/* Entries remembered as checked against their ids (store.h, "Integrity"): a direct-mapped table
 * keyed by (author, seq), some 56 bytes a slot, 224 KiB per open store. */
#define RN_STORE_CHECKED_SLOTS 4096u

/* Specs named in one stack query. */
#define RN_STACK_SPECS_MAX RN_SPEC_REFS_MAX

/* ---- Clocks (node/clock.h, PROTOCOL.md sections 2 and 11.4) ---- */

/* The node's clock follows the wall clock as long as the wall clock keeps within this of where
 * the monotonic clock says it should be since the last reading believed: NTP slews a clock by at
 * most 0.5 ms a second, so a second between two readings is a step, not a slew. */
#define RN_CLOCK_STEP_TOLERANCE_MS 1000u

/* A step of the wall clock (ahead or back, by more than the tolerance) is believed only once the
 * wall clock has kept the new offset, within the tolerance, for this long: an NTP client that
 * stepped on a bad answer corrects it within a few polls (64 s each while the clock is off), so a
 * wrong step goes by without a single entry stamped by it, while a true correction is followed
 * after ten minutes, during which entries are stamped by the old, steady clock. */
#define RN_CLOCK_CONFIRM_MS (10u * 60u * 1000u)

/* An entry from a peer stamped more than this ahead of the receiver's clock is not ingested yet
 * (PROTOCOL.md 11.4): it would hide every later entry of its author from "as of now" queries
 * until the clock reached it. Ten minutes is far more than honest clocks disagree by under NTP,
 * and short enough that a log is never held back for long. */
#define RN_CLOCK_FUTURE_MS_MAX (10u * 60u * 1000u)

/* A node refuses to publish when its own head is stamped more than this ahead of its clock (a
 * head written under a wrong clock, found at start): the next entry would carry the head's
 * timestamp. It is well below RN_CLOCK_FUTURE_MS_MAX, so that what a node publishes is never held
 * back by a peer whose clock is a few minutes behind. */
#define RN_CLOCK_PUBLISH_AHEAD_MS_MAX (60u * 1000u)

/* ---- Consistency ---- */

static_assert(RN_ENTRY_BYTES_MIN < RN_ENTRY_BYTES_MAX, "entry bounds");
static_assert(RN_ID_BYTES_MAX <= RN_NAME_BYTES_MAX, "an id fits where a name does");
static_assert(RN_ECTS_CENTI_MAX <= RN_PATHWAY_ECTS_CENTI_MAX, "a pathway holds a spec");
static_assert((unsigned long long)RN_OUTCOMES_MAX * RN_OUTCOME_BYTES_MAX <= RN_ENTRY_BYTES_MAX / 2,
              "a spec with every outcome at its longest still fits in one entry");
/* A title pair costs its language (3 bytes) and its text (at most 3 bytes of header); an outcome
 * its map header, key and text. 8 KiB are left for the other fields of a typical spec. */
static_assert((unsigned long long)RN_LANGS_MAX * (3u + 3u + RN_NAME_BYTES_MAX) +
                      (unsigned long long)RN_OUTCOMES_MAX * (2u + 3u + RN_OUTCOME_BYTES_MAX) +
                      8192u <=
                  RN_RECORD_BYTES_MAX,
              "a spec with its title in every language and every outcome at its longest, "
              "untranslated, still fits in one body");
static_assert(RN_PROOF_BYTES_MAX < (1u << 30), "proof bundles stay well under 1 GiB");
static_assert(RN_BATCH_ENTRIES_MAX <= RN_RUN_ENTRIES_MAX, "a batch is ingested as one run");
static_assert(RN_INFLIGHT_BYTES_DEFAULT + RN_FRAME_BYTES_MAX < RN_CONN_OUTBUF_BYTES,
              "a full flight of batches fits in a connection's output buffer");
static_assert(RN_ENTRY_BYTES_MAX <= RN_BATCH_BYTES_MAX, "the largest entry fits in a batch");
static_assert(RN_INFLIGHT_BYTES_MIN <= RN_INFLIGHT_BYTES_DEFAULT, "inflight bounds");
static_assert((unsigned long long)RN_INFLIGHT_BYTES_DEFAULT + RN_ENTRY_BYTES_MAX <
                  RN_CONN_OUTBUF_BYTES,
              "a full flight with its overshoot fits in a connection's output buffer");
static_assert((unsigned long long)RN_PEER_HEADS_MAX * 80u < RN_FRAME_BYTES_MAX,
              "every head fits in one frame");
static_assert(RN_ENTRY_ENVELOPE_BYTES_MAX + 1u >= RN_ENTRY_BYTES_MIN,
              "the longest envelope around an empty body is no shorter than the smallest entry");
static_assert(RN_DEMOTE_MS_MIN <= RN_DEMOTE_MS_MAX && RN_DEMOTE_MS_MAX <= RN_TIMER_MS_MAX,
              "demotion bounds");
static_assert(RN_SERVE_REPEAT_BYTES_MAX >= RN_ENTRY_BYTES_MAX, "a repeat gets one entry at least");
static_assert(RN_STRANGERS_PER_ADDR <= RN_STRANGERS_MAX, "stranger budgets");
static_assert(RN_CONTROL_QUEUED_BYTES_MAX >= 2u * RN_CONTROL_RESPONSE_BYTES_MAX,
              "the control output bound holds a few of the largest responses");
static_assert(RN_LOG_REPEAT_WINDOW_MS % 1000u == 0, "the summary names the window in seconds");
static_assert(RN_RECORD_FIELDS_MAX <= 32u,
              "record decoders track the fields seen in a 32-bit mask");
static_assert(RN_CLOCK_PUBLISH_AHEAD_MS_MAX + 2u * RN_CLOCK_STEP_TOLERANCE_MS <
                  RN_CLOCK_FUTURE_MS_MAX / 2u,
              "what a node may publish ahead of its clock is taken by peers up to minutes behind");
static_assert(RN_HTTP_QUERY_BYTES_MAX < RN_HTTP_HEAD_BYTES_MAX, "a query string fits in a head");
static_assert(RN_HTTP_BODY_BYTES_MAX < RN_CONTROL_REQUEST_BYTES_MAX,
              "a request body fits in one control request with its parameters");

/* ---- Batched appends (store_append_batch, the control method publish.batch) ---- */

/* Records one publish.batch appends in one write transaction with one fsync: as many as a peer
 * takes in one ENTRIES message, so that the batch travels on to peers as it was committed. */
#define RN_APPEND_BATCH_RECORDS_MAX RN_BATCH_ENTRIES_MAX
/* Bytes of the bodies of one batch: the control request (RN_CONTROL_REQUEST_BYTES_MAX) carries
 * them with their MessagePack framing (at most 16 bytes each: a kind's name of up to 10 bytes
 * with its header, a bin header) and the request's envelope, for which 16 KiB is ample. */
#define RN_APPEND_BATCH_BODY_BYTES_MAX                                                             \
    (RN_CONTROL_REQUEST_BYTES_MAX - 16u * 1024u - 16u * RN_APPEND_BATCH_RECORDS_MAX)
/* The signed entries of one batch: its bodies, each in its envelope. */
#define RN_APPEND_BATCH_ENTRY_BYTES_MAX                                                            \
    (RN_APPEND_BATCH_BODY_BYTES_MAX + RN_APPEND_BATCH_RECORDS_MAX * RN_ENTRY_ENVELOPE_BYTES_MAX)
static_assert(RN_APPEND_BATCH_RECORDS_MAX <= RN_INDEX_BATCH_ENTRIES,
              "one batch's index keys fit in one index batch");
static_assert(RN_RECORD_BYTES_MAX <= RN_APPEND_BATCH_BODY_BYTES_MAX,
              "the largest record fits in a batch of its own");

/* ---- Registry import (recnetctl registry import, cli/registry.h) ---- */

/* Records of one registry file, all held in memory while they are checked and published: some
 * 4 million records of a few hundred bytes, far beyond the largest national registry. */
#define RN_REGISTRY_RECORDS_MAX 4000000u
/* One line of JSON Lines, one row of CSV: a record's JSON is a few times its body at most. */
#define RN_REGISTRY_LINE_BYTES_MAX (1u << 20)
/* Columns of a CSV header: every field of the largest kind, several times over. */
#define RN_REGISTRY_CSV_COLUMNS_MAX 256u
/* A whole registry file. */
#define RN_REGISTRY_FILE_BYTES_MAX (2ull << 30)
static_assert(RN_REGISTRY_LINE_BYTES_MAX >= 4u * RN_RECORD_BYTES_MAX / 2u,
              "the JSON of the largest record fits in one line");

/* Bounds of the governed roster (PROTOCOL.md 4.4, proto/rosterchain.h). */
#define RN_ROSTERCHAIN_FEDERATION_BYTES_MAX 64u    /* a name people read, not a description */
#define RN_ROSTERCHAIN_OPS_MAX              64u    /* ops of one change: a batch of joins */
#define RN_ROSTERCHAIN_SIGS_MAX             30u    /* one per authority: one per country */
#define RN_ROSTERCHAIN_VERSIONS_MAX         65536u /* a change a day for 179 years */
#define RN_ROSTERCHAIN_PERIODS_MAX          65536u /* key periods over the whole chain */
/* The largest genesis: 4.3's roster at its bound (at most 40 bytes a member) plus the header. */
#define RN_ROSTERCHAIN_GENESIS_BYTES_MAX (RN_ROSTER_MEMBERS_MAX * 40u + 128u)
/* The largest change: 64 ops of at most 114 bytes (type 5), 30 signatures of 101, the header,
 * with room to spare. */
#define RN_ROSTERCHAIN_CHANGE_BYTES_MAX (RN_ROSTERCHAIN_OPS_MAX * 120u + 30u * 104u + 128u)

/* The governed roster applied live (PROTOCOL.md 11.11, node/core.c). Change bodies a node keeps
 * pending (signatures being collected, or waiting for the versions before them): a handful is a
 * federation's whole agenda; the oldest goes first past the bound. */
#define RN_ROSTER_PENDING_MAX 16u
/* Roster events queued for the driver (members added or removed, keys rotated). */
#define RN_ROSTER_EVENTS_MAX 64u
/* Change files of [node] roster_changes: paths on its line, and documents read from them. */
#define RN_ROSTER_CHANGE_PATHS_MAX 8u
#define RN_ROSTER_CHANGE_FILES_MAX 256u
/* Checkpoints, cosignatures, witnessed bundles and signed answers (PROTOCOL.md 16, 5.5;
 * proto/checkpoint.h). Heads of one checkpoint: one per roster member at most. Cosignatures of one
 * checkpoint: one per peer a node talks to (RN_PEERS_MAX) is more witnesses than a verifier asks.
 */
#define RN_CHECKPOINT_HEADS_MAX  RN_ROSTER_MEMBERS_MAX
#define RN_CHECKPOINT_COSIGS_MAX 64u
/* The largest body: array, version, signer (bin8 of 32), time and roster version at their
 * longest, the heads' array header, and each head (array, bin8 of 32, uint64, bin8 of 32). */
#define RN_CHECKPOINT_BODY_BYTES_MAX                                                               \
    (1u + 1u + 34u + 9u + 9u + 3u + RN_CHECKPOINT_HEADS_MAX * (1u + 34u + 9u + 34u))
/* The largest signed checkpoint: array, body, signature, and each cosignature (array, bin8 of
 * 32, uint64, bin8 of 64). Some 85 KiB: one fits a frame with room to spare. */
#define RN_CHECKPOINT_BYTES_MAX                                                                    \
    (1u + RN_CHECKPOINT_BODY_BYTES_MAX + 66u + 3u +                                                \
     RN_CHECKPOINT_COSIGS_MAX * (1u + 34u + 9u + 66u))
/* Checkpoints of one witnessed bundle: one per author of its entries at most. Their bytes
 * together: a checkpoint of a 30-author federation with 30 cosignatures is some 6 KiB, so 1 MiB
 * is a dozen of the largest possible and 150 of the usual. */
#define RN_PROOF_CHECKPOINTS_MAX       RN_PROOF_ENTRIES_MAX
#define RN_PROOF_CHECKPOINTS_BYTES_MAX (1u << 20)
/* A witnessed bundle: a version-1 bundle's worth plus its checkpoints. */
#define RN_PROOF_WITNESSED_BYTES_MAX (RN_PROOF_BYTES_MAX + RN_PROOF_CHECKPOINTS_BYTES_MAX + 16u)
/* A signed answer: the control API's largest result, and its envelope (array, version, signer,
 * time, the answer's bin32 header, the signature). */
#define RN_ANSWER_BYTES_MAX        RN_CONTROL_RESPONSE_BYTES_MAX
#define RN_SIGNED_ANSWER_BYTES_MAX (RN_ANSWER_BYTES_MAX + 1u + 1u + 34u + 9u + 5u + 66u)
static_assert(RN_CHECKPOINT_BYTES_MAX + 64u < RN_FRAME_BYTES_MAX, "a checkpoint fits one frame");
static_assert(RN_CHECKPOINT_BYTES_MAX <= RN_PROOF_CHECKPOINTS_BYTES_MAX,
              "the largest checkpoint fits in a bundle");
static_assert(RN_CONTROL_RESPONSE_BYTES_MAX >= RN_PROOF_WITNESSED_BYTES_MAX + (32u << 10),
              "a witnessed bundle fits in a response with its answer");

#endif /* RN_LIMITS_H */
