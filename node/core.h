/*
 * core.h: the node core: everything a node does, with no I/O (DESIGN.md section 6).
 *
 * The core never reads the clock, touches a socket or a timer, or draws a random number. Its
 * driver (the libuv loop of recnetd, or the simulator of recnet-sim) hands it the time, the bytes
 * that arrived on each connection, connection events and 32-byte seeds; the core answers with
 * actions (bytes to send, connections to open or close) and its next deadline. The same core runs
 * under both drivers, which is what makes the simulator honest.
 *
 * Connections are named by the driver (conn ids) and peers by roster key. The core decides whom
 * to dial and when (exponential backoff with jitter drawn from its seeded generator); the driver
 * maps a peer key to an address and reports how the attempt went.
 *
 * Replication (PROTOCOL.md section 11): on connect the peers exchange HEADS; each then asks
 * (WANT) for what it lacks, author by author, in sequence, in batches of at most
 * cfg.batch_entries, with at most cfg.inflight_bytes of entries unacknowledged per peer. New
 * entries are pushed at once to the peers that chose this node as their eager source for that
 * author (EAGER); the others get a HAVE note. A node takes eager pushes for an author from one
 * peer (the author itself when connected), and switches when a HAVE shows that peer stalled for
 * cfg.stall_ms. Every cfg.anti_entropy_ms, HEADS again, to repair whatever pushes lost. A peer
 * whose claimed head is not delivered (a WANT to it makes no progress: no new entries in sequence
 * for cfg.anti_entropy_ms) is demoted for that author, with exponential backoff: neither asked nor
 * taken as eager source while another peer can serve. What a node re-serves to one peer (WANTs
 * over ranges it was already asked for) is budgeted per interval. Fork
 * evidence is passed on to every peer once. A peer that breaks the protocol (bad frame, bad
 * message, an entry its author never signed, more than its budget) is disconnected with a reason
 * and the node goes on.
 *
 * Threading: single-threaded; no function may be called from within another.
 */
#ifndef RN_NODE_CORE_H
#define RN_NODE_CORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "node/clock.h"
#include "proto/entry.h"
#include "proto/error.h"
#include "proto/mp.h"
#include "proto/roster.h"
#include "proto/rosterchain.h"
#include "proto/wire.h"
#include "store/store.h"

/* Tunables, each bounded in limits.h. Zero means the default given. */
typedef struct node_limits {
    uint32_t peers_max;       /* connections at once; default RN_PEERS_MAX */
    uint32_t batch_entries;   /* entries per ENTRIES batch; default 1000 */
    uint32_t inflight_bytes;  /* unacknowledged entry bytes per peer; default 4 MiB */
    uint32_t anti_entropy_ms; /* HEADS to every peer this often; default 5000 */
    uint32_t stall_ms;        /* eager source silent this long after a HAVE: switch; 1000 */
    uint32_t handshake_ms;    /* handshake must finish within; default 5000 */
    uint32_t idle_ms;         /* PING after this much silence, close after twice; 15000 */
    uint32_t backoff_min_ms;  /* first redial delay; default 100 */
    uint32_t backoff_max_ms;  /* redial delay cap; default 30000 */
    uint32_t entries_per_s;   /* entries accepted per second from one peer; default 500000 */
} node_limits;

typedef struct node_config {
    uint8_t sk[PROTO_SK_BYTES];             /* our roster key (authority or mirror) */
    uint8_t netkey[PROTO_NETKEY_BYTES];     /* the federation's network key */
    const uint8_t (*dial)[PROTO_KEY_BYTES]; /* roster keys of the peers to keep connections to;
                                               copied at init */
    size_t dial_n;                          /* 0 .. RN_PEERS_MAX */
    uint64_t rng_seed;                      /* jitter and tie-breaks; same seed, same choices */
    node_limits limits;
    /* The governed roster (PROTOCOL.md 11.11), NULL for a node without one: a chain made by
     * node_chain_prepare, moved into the core by node_new (zeroed there on success; the caller
     * frees it on failure). */
    proto_rosterchain *chain;
    uint32_t checkpoint_ms; /* sign a checkpoint of our heads this often (PROTOCOL.md 11.12),
                               at most RN_TIMER_MS_MAX; 0: never (we still witness others') */
} node_config;

/* What the core asks its driver to do. */
typedef enum node_action_kind {
    NODE_ACT_SEND = 1,    /* write data[0..len) to conn */
    NODE_ACT_CLOSE = 2,   /* close conn (after flushing what was sent); reason says why */
    NODE_ACT_CONNECT = 3, /* open a connection to the peer whose key is `peer`, then call
                             node_conn_open (or node_connect_failed) */
} node_action_kind;

typedef struct node_action {
    node_action_kind kind;
    uint32_t conn;                 /* SEND, CLOSE */
    const uint8_t *data;           /* SEND: valid until the next call into the core */
    size_t len;                    /* SEND */
    int reason;                    /* CLOSE: 0 for an orderly close, else an RN_E code */
    uint8_t peer[PROTO_KEY_BYTES]; /* CONNECT; CLOSE: the peer's key when known, else zeros */
} node_action;

typedef struct node node; /* opaque; allocated by node_new */

/* Counters for status and the simulator's reports. */
typedef struct node_counters {
    uint64_t frames_in, frames_out;
    uint64_t bytes_in, bytes_out;
    uint64_t entries_in;       /* entries received in ENTRIES messages */
    uint64_t entries_new;      /* of those, newly accepted */
    uint64_t entry_bytes_new;  /* the bytes of the newly accepted entries */
    uint64_t entries_dup;      /* of those, already held */
    uint64_t entries_out;      /* entries sent */
    uint64_t payload_msgs_out; /* ENTRIES messages sent */
    uint64_t haves_out, wants_out, heads_out;
    uint64_t forks_seen;
    uint64_t badsigs_seen;    /* authors found to have published an entry whose own signature
                                 fails (STORE_HEAD_BADSIG), each counted once */
    uint64_t sigs_verified;   /* entry signatures checked by the background verifier and when
                                 serving a window with no anchor */
    uint64_t conns_refused;   /* handshakes refused: not a member, wrong network key, ... */
    uint64_t protocol_errors; /* peers dropped for breaking the protocol */
    uint64_t entries_future;  /* entries received stamped more than RN_CLOCK_FUTURE_MS_MAX ahead
                                 of our clock: not ingested yet (PROTOCOL.md 11.4) */
    /* Hostile members (PROTOCOL.md 11.5, 11.6). */
    uint64_t demotions;    /* a peer's claim for an author failed: demoted for that author */
    uint64_t serve_paused; /* a peer passed its serve budget: its WANTs wait for the interval */
    /* Checkpoints and witnesses (PROTOCOL.md 11.12). */
    uint64_t checkpoints_signed; /* our own checkpoints signed and sent */
    uint64_t checkpoints_in;     /* peers' checkpoints received */
    uint64_t cosigs_out;         /* of those, cosigned */
    uint64_t cosigs_in;          /* cosignatures of our checkpoints received and kept */
    uint64_t witness_deferred;   /* not cosigned yet: we lacked an entry it names (fetched) */
    uint64_t witness_declined;   /* not cosigned: a skewed time, a forked author, a head below
                                    one we cosigned */
    uint64_t witness_refusals;   /* refused for good: we hold another entry at a head's seq (a
                                    split view); kept as evidence */
} node_counters;

/* Counters that the driver keeps at the node's doors (node/README.md, "Strangers and floods");
 * the core only holds them, so that status reports them with its own. */
typedef struct node_guard_counters {
    uint64_t strangers_refused;      /* incoming connections closed at once: no slot */
    uint64_t strangers_evicted;      /* silent strangers closed to make room, oldest first */
    uint64_t strangers_timed_out;    /* strangers without a first message in time */
    uint64_t control_clients_closed; /* control clients that took no response in time */
    uint64_t control_evicted;        /* control clients closed to make room for a newcomer */
    uint64_t log_lines_suppressed;   /* repeated log lines counted, not written */
} node_guard_counters;

/*
 * Creates a core over an open replica `s` (whose roster says who is who) with our key and limits
 * from `cfg`. The core keeps `s` (not owned) until node_free. Returns the core in *out, or
 * RN_EINVAL (a limit out of bounds, our key not in the roster), RN_ENOMEM.
 */
RN_MUST_USE int node_new(node **out, store *s, const node_config *cfg, uint64_t now_ms);
void node_free(node *n);

/* Our roster entry: key, country ("" for a mirror without one) and role. */
const proto_member *node_self(const node *n);

/* Signs, with our roster key, the 64 bytes a Data Integrity proof signs (SHA-256 of its proof
 * configuration || SHA-256 of its document: di.h) of a document the node publishes outside its
 * log, its status lists (PROTOCOL.md 13.7). These 64 bytes can never be the input of an entry's
 * signature (15 + 32 bytes) or of the handshake's, so no such signature serves as another. */
void node_sign_document(const node *n, const uint8_t msg[64], uint8_t sig[64]);

/* The replica the core was created over (for the control API's queries). */
store *node_store(node *n);

/* ---- Time ---- */

/* The next time the core wants node_tick, or UINT64_MAX for none. */
uint64_t node_deadline(const node *n);
void node_tick(node *n, uint64_t now_ms);

/* ---- Connections ---- */

/*
 * A connection is up: outgoing to `peer` (a key from NODE_ACT_CONNECT) or incoming (peer NULL).
 * `conn` is the driver's id, unique among open connections. `eph_seed` is 32 fresh random bytes
 * for the handshake's ephemeral key. Returns 0, or RN_EFULL (cfg.peers_max reached: the driver
 * closes it), RN_EINVAL (conn in use).
 */
RN_MUST_USE int node_conn_open(node *n, uint32_t conn, const uint8_t *peer,
                               const uint8_t eph_seed[32], uint64_t now_ms);

/* Bytes arrived on `conn`. Problems are handled inside: the core queues a CLOSE action. */
void node_conn_input(node *n, uint32_t conn, const uint8_t *data, size_t len, uint64_t now_ms);

/* The connection is gone (closed by the peer, an error, or after our CLOSE action). */
void node_conn_closed(node *n, uint32_t conn, uint64_t now_ms);

/* A NODE_ACT_CONNECT attempt to `peer` failed; the core schedules the next one with backoff. */
void node_connect_failed(node *n, const uint8_t peer[PROTO_KEY_BYTES], uint64_t now_ms);

/* Takes the next action; false when there is none. */
bool node_next_action(node *n, node_action *a);

/* ---- Local authoring and the control API ---- */

/*
 * Appends the next entry of our own authority (store_append: validated, signed, fsynced) and
 * pushes it to the peers at once. The entry is stamped max(now_ms, the head's timestamp) (an
 * author's timestamps never decrease); when that is more than RN_CLOCK_PUBLISH_AHEAD_MS_MAX ahead
 * of now_ms (a head written under a wrong clock) nothing is written and RN_ETIME is returned
 * with d->field "entry.timestamp": publishing resumes once the clock is within that bound of
 * node_head_time_ms (node/README.md, "Clocks"). Otherwise returns store_append's result; *seq
 * and id (may be NULL) get the entry's seq and id. RN_EROLE for a mirror.
 */
RN_MUST_USE int node_publish(node *n, proto_kind kind, const uint8_t *body, size_t len,
                             uint64_t now_ms, uint64_t *seq, uint8_t id[PROTO_ID_BYTES],
                             rn_diag *d);

/*
 * Appends the records of items[0..k) (1 <= k <= RN_APPEND_BATCH_RECORDS_MAX) as the next k entries
 * of our own authority in one commit with one fsync (store_append_batch: all or nothing), and
 * pushes them to the peers as node_publish pushes one, in messages of at most
 * RN_BATCH_ENTRIES_MAX entries and RN_BATCH_BYTES_MAX bytes. The clock rule of node_publish
 * applies (RN_ETIME, d->field "entry.timestamp"). *first_seq and last_id (may be NULL) get the
 * first entry's seq and the last entry's id; *failed the position of a refused record (k when no
 * one record is at fault). Returns store_append_batch's result, RN_EROLE for a mirror, RN_ENOMEM.
 */
RN_MUST_USE int node_publish_batch(node *n, const store_append_item *items, size_t k,
                                   uint64_t now_ms, uint64_t *first_seq,
                                   uint8_t last_id[PROTO_ID_BYTES], size_t *failed, rn_diag *d);

/*
 * Handles one MessagePack-RPC request req[0..len) ([0, msgid, method, params]) and appends the
 * response ([1, msgid, error, result]) to `resp`. A request that cannot even be parsed gets a
 * response with msgid 0 and the error. Method table and parameters: node/control.c and
 * PROTOCOL.md section 12. Returns 0, or RN_ETOOBIG when the response would pass resp->max (a
 * response with that error replaces it).
 */
RN_MUST_USE int node_control(node *n, const uint8_t *req, size_t len, mp_buf *resp,
                             uint64_t now_ms);

/* ---- Introspection (status, peers, the simulator's checks) ---- */

/* The timestamp of our own log's head, read from the replica: 0 for an empty log, a mirror, or
 * a replica that cannot be read. */
uint64_t node_head_time_ms(node *n);

/* The driver's clock (clock.h), copied for `status`; the driver notes it after its readings.
 * node_clock_get gives the last one noted (all zeros before any). */
void node_clock_note(node *n, const node_clock *k);
const node_clock *node_clock_get(const node *n);

const node_counters *node_counters_get(const node *n);

/* The driver's counters (see node_guard_counters), held by the core for status; writable. */
node_guard_counters *node_guard_counters_get(node *n);

typedef struct node_peer_info {
    uint8_t key[PROTO_KEY_BYTES];
    char country[3];
    bool connected;
    bool outgoing;
    uint64_t connected_since_ms;
    uint64_t bytes_in, bytes_out;
    uint64_t entries_behind; /* we lack: sum over authors of (its head as we know it - our
                                head) where positive */
    uint64_t peer_behind;    /* it lacks: sum over authors of (our head - its head as it showed
                                it: its HEADS, HAVE and ENTRIES, and what we sent once it
                                acknowledged all of it) where positive */
    uint64_t last_frame_ms;  /* connected: when its last frame arrived (since_ms before any) */
    uint32_t eager_authors;  /* authors for which this peer is our eager source */
    uint64_t next_dial_ms;   /* when not connected and dialled: the next attempt */
    uint64_t unacked_bytes;  /* entry bytes sent to it and not yet acknowledged (at most
                                limits.inflight_bytes plus one entry) */
    /* Hostile members (PROTOCOL.md 11.5, 11.6). */
    uint32_t demoted_authors;       /* authors for which its claims failed and it is demoted now */
    uint64_t serve_paused_until_ms; /* past its serve budget: its WANTs wait until then; 0 none */
} node_peer_info;

/* Fills out[0..cap) with the known peers (dialled or connected), *n the total. */
void node_peers(const node *n, node_peer_info *out, size_t cap, size_t *count);

/*
 * Catch-ups. A catch-up runs while the core has a WANT outstanding (other than a one-entry probe
 * for a suspected fork): it begins with the first WANT sent when none was, and ends when the last
 * one is answered (or nothing is left to ask anyone for). The core only counts; its driver logs
 * (recnetd) or reports (the simulator) from these figures, at whatever rate it likes.
 */
typedef struct node_catchup {
    uint64_t number;               /* catch-ups begun since node_new; 0 before the first */
    bool active;                   /* catch-up `number` is under way */
    uint64_t start_ms, end_ms;     /* of catch-up `number`; end_ms 0 while it runs */
    uint64_t entries;              /* new entries taken in since it began (until it ended) */
    uint64_t bytes;                /* their bytes */
    uint64_t entries_total;        /* new entries taken in during every catch-up since node_new,
                                      this one's so far included */
    uint64_t bytes_total;          /* their bytes */
    uint64_t expected;             /* when it began: entries the peers showed beyond our heads */
    uint32_t authors;              /* when it began: authors asked for */
    uint32_t peers;                /* when it began: peers asked */
    uint8_t peer[PROTO_KEY_BYTES]; /* when it began: the peer asked for the first author (in
                                      key order) */
} node_catchup;

/* The current or last catch-up (a pointer into the core, valid until the next call into it). */
const node_catchup *node_catchup_get(const node *n);

/* Entries the connected peers have shown beyond our heads: the sum over authors of (the highest
 * head any peer shows - our head) where positive. Loops over authors and peers. */
uint64_t node_entries_missing(const node *n);

/* ---- The governed roster, live (PROTOCOL.md 11.11) ----
 *
 * A node with a chain (node_config.chain) applies changes as they arrive: a roster entry (kind 7)
 * ingested from a peer or published by the node carries a change document; the core keeps the
 * bodies it cannot apply yet pending (at most RN_ROSTER_PENDING_MAX, the oldest dropped first),
 * merges the signatures that verify into each, and applies every next version whose signers reach
 * the quorum of the roster in force (proto_rosterchain_apply): the chain grows, the replica learns
 * the new author table (store_authors_set) and keeps the document (store_chain_append), the
 * connections of removed or rotated keys close and their handshakes are refused from then on,
 * and new authorities become authors (every connection is then closed once and made again with
 * the new set). What the driver must act on comes out as events (node_next_roster_event).
 */

/*
 * Before node_new: the chain of a node with [node] roster_chain. Starts from the chain the replica
 * holds (store_chain_load) or, for a replica without one, from genesis[0..glen) (persisted
 * first); a replica whose chain has another genesis is refused (RN_EINCONSISTENT, field
 * "roster_chain"). Then each document of changes[0..k) (any order) whose version is past the
 * chain's is applied in version order when it verifies, and persisted; one that does not verify
 * is skipped and counted in *skipped (its version and error in d when it is the first). Finally
 * the replica's author table is set from the chain. `out` is uninitialised; on success the caller
 * hands it to node_new (node_config.chain) or frees it. Returns 0, RN_EINCONSISTENT, the errors of
 * proto_rosterchain_init for the genesis, RN_ENOMEM, RN_ESTORE, RN_EFULL.
 */
RN_MUST_USE int node_chain_prepare(store *s, const uint8_t *genesis, size_t glen,
                                   const proto_str *changes, size_t k, proto_rosterchain *out,
                                   size_t *skipped, rn_diag *d);

/* What a roster event says (node_next_roster_event). */
typedef enum node_roster_event_kind {
    NODE_RE_APPLIED = 1,      /* version `version` took effect */
    NODE_RE_ADDED = 2,        /* `key` joined as `role` of `country`: dial it if an address is
                                 known (node_dial_set) */
    NODE_RE_REMOVED = 3,      /* `key` left: its connections were closed, its handshakes are
                                 refused from now on */
    NODE_RE_ROTATED = 4,      /* `key` was replaced by `new_key` (compromised: `compromised`):
                                 the old key's connections closed, the new one is a member */
    NODE_RE_SET = 5,          /* `key` is now `role` of `country` */
    NODE_RE_SELF_RETIRED = 6, /* our own key was rotated away (to `new_key`) or removed: the node
                                 publishes nothing with it; node_rekey with the new key resumes */
    NODE_RE_DROPPED = 7,      /* a pending body (hash in `key`) of `version` was dropped: another
                                 body of that version took effect, it did not apply, or the bound
                                 of pending bodies was reached */
    NODE_RE_EQUIVOCATED = 8,  /* `key` signed two bodies of `version` that both reached quorum */
    NODE_RE_REKEYED = 9,      /* the node now signs with `key` (its succession published):
                                 the driver gives it its peers again (node_dial_set) */
} node_roster_event_kind;

typedef struct node_roster_event {
    node_roster_event_kind kind;
    uint64_t version;
    uint8_t key[PROTO_KEY_BYTES];
    uint8_t new_key[PROTO_KEY_BYTES];
    proto_role role;
    char country[3];
    bool compromised;
    int reason; /* DROPPED: why (an RN_E code, RN_ECOUNT for the bound, RN_EDUPLICATE for
                   another body that took effect) */
} node_roster_event;

/* Takes the next roster event; false when there is none. At most RN_ROSTER_EVENTS_MAX wait (the
 * oldest are dropped past it); a driver that ignores them (the simulator) loses nothing else. */
bool node_next_roster_event(node *n, node_roster_event *ev);

/* The chain in force, or NULL for a node without one. Valid until the next call into the core. */
const proto_rosterchain *node_roster_chain(const node *n);

/* The replica's author table (proto/authors.h) is store_authors(node_store(n)). */

/* A pending change as node_roster_pending describes it. */
typedef struct node_rc_pending {
    uint8_t hash[PROTO_ID_BYTES];
    const proto_rc_change *change; /* its body and every signature merged (borrowed) */
    uint32_t valid;                /* signatures by authorities of the roster in force */
    uint32_t need;                 /* the quorum of the roster in force */
    bool rotation_unsigned;        /* a planned rotation whose old key has not signed yet */
} node_rc_pending;

/* Fills out[0..cap) with the pending changes in version order; returns how many there are. */
size_t node_roster_pending(const node *n, node_rc_pending *out, size_t cap);

/* The document of applied version v (2 ..) as the node applied it, when the node holds its
 * bytes (applied since start, or given at start): *doc borrowed until the next call into the
 * core. Returns 0 or RN_ENOTFOUND. */
RN_MUST_USE int node_roster_document(const node *n, uint64_t v, proto_str *doc);

/* What a roster write did. */
typedef struct node_rc_result {
    uint8_t hash[PROTO_ID_BYTES]; /* H(body) */
    uint64_t version;
    uint64_t seq; /* the roster entry's seq in our log */
    uint8_t id[PROTO_ID_BYTES];
    uint32_t valid, need; /* after our signature */
    bool applied;         /* the change is in force now */
} node_rc_result;

/*
 * roster.propose: `c` holds the ops (ops_n, ops); the core sets version, prev and issued_at
 * (max(issued_at or now_ms when 0, the last version's)), checks the change against the chain
 * (proto_rosterchain_check), signs it with our key and publishes it as a roster entry of our log
 * (node_publish). Returns 0, RN_ENOTFOUND (no chain), RN_EROLE (a mirror, or our key retired),
 * the errors of proto_rosterchain_check, node_publish's.
 */
RN_MUST_USE int node_roster_propose(node *n, proto_rc_change *c, uint64_t issued_at,
                                    uint64_t now_ms, node_rc_result *res, rn_diag *d);

/*
 * roster.approve: `doc` is a change document, or the 32-byte body hash of a pending change. The
 * document's signatures are merged with those the node holds for that body; ours is added and the
 * whole is published as a roster entry. Returns 0, RN_ENOTFOUND (no chain; no pending change of
 * that hash), RN_ESEQ (a version already in force), the decode errors of the document,
 * node_publish's.
 */
RN_MUST_USE int node_roster_approve(node *n, const uint8_t *doc, size_t len, uint64_t now_ms,
                                    node_rc_result *res, rn_diag *d);

/*
 * A change document from outside the network (a file of [node] roster_changes read on SIGHUP): its
 * signatures that verify join the pending body (nothing is published), and it takes effect when
 * they reach the quorum. Returns 0 (also for a version in force already), RN_ENOTFOUND (no chain),
 * the decode errors of the document.
 */
RN_MUST_USE int node_roster_offer(node *n, const uint8_t *doc, size_t len, uint64_t now_ms,
                                  rn_diag *d);

/*
 * The peers to keep connections to, replacing cfg.dial: peers kept keep their state, new ones are
 * dialled within backoff_min_ms, the others are no longer dialled (their open connections stay).
 * Keys that are not members now are skipped. At most RN_PEERS_MAX.
 */
void node_dial_set(node *n, const uint8_t (*keys)[PROTO_KEY_BYTES], size_t k, uint64_t now_ms);

/*
 * Switches the node to the secret key `sk`: when its public key is the current authority that a
 * rotation of our key made, publishes its succession (kind 8: our old key, the last entry of it
 * the lineage keeps) as the new log's first entry, stamped after that entry, then closes every
 * connection so that each is made again under the new key. Returns 0 (also when sk is our key
 * already), RN_ENOTFOUND (no chain), RN_EROSTER (the key is not a member), RN_EINCONSISTENT
 * (field "key": not the key our key was rotated to), store_append's errors.
 */
RN_MUST_USE int node_rekey(node *n, const uint8_t sk[PROTO_SK_BYTES], uint64_t now_ms, rn_diag *d);

/*
 * A node without a governed roster takes roster `r` (its roster file read again, on SIGHUP) as it
 * would at a restart: the replica's roster and author table become r's (store_roster_set), the
 * members r no longer has lose their connections and are no longer dialled, new authorities are
 * replicated, and every connection is made again (the authors' state is rebuilt). Returns 0 (also
 * when r is the roster held: nothing happens; *changed says which), RN_EINVAL (field
 * "roster_chain": a governed roster changes only by its chain), RN_EROSTER (field "key": our key
 * is not a member of r, or not with our role and country: nothing changes), store_roster_set's
 * errors (then the old roster stays in force).
 */
RN_MUST_USE int node_roster_replace(node *n, const proto_roster *r, bool *changed, rn_diag *d);
/* ---- Checkpoints and witnesses (PROTOCOL.md 11.12) ---- */

/* Refusals kept in memory for status (each is also kept in the replica, store.h). */
#define NODE_EVIDENCE_KEEP 8u

/* A checkpoint refused because we hold another entry at one of its heads: a split view. */
typedef struct node_witness_evidence {
    uint64_t number;                 /* 1, 2, ... since start */
    uint64_t time_ms;                /* when it was refused */
    uint8_t signer[PROTO_KEY_BYTES]; /* who showed it */
    uint8_t author[PROTO_KEY_BYTES]; /* whose head differs */
    uint64_t seq;
    uint8_t shown[PROTO_ID_BYTES]; /* the id in the checkpoint */
    uint8_t held[PROTO_ID_BYTES];  /* the id we hold at that seq */
} node_witness_evidence;

/* Our own signed checkpoints (checkpoint.h bytes, with the cosignatures collected), newest first,
 * into out[0..cap); returns how many. The bytes belong to the core: valid until the next call
 * into it. */
size_t node_checkpoints(const node *n, proto_str *out, size_t cap);

/* The last refusals (at most NODE_EVIDENCE_KEEP, in no order: sort by number) in *out, owned by
 * the core; returns how many. node_witness_evidence_count: refusals since node_new. */
size_t node_witness_evidence_get(const node *n, const node_witness_evidence **out);
uint64_t node_witness_evidence_count(const node *n);

/* Appends the signed answer (checkpoint.h) of answer[0..len) at time_ms, signed with our key.
 * Returns proto_answer_sign's result. */
RN_MUST_USE int node_answer_sign(const node *n, const uint8_t *answer, size_t len, uint64_t time_ms,
                                 mp_buf *b);

#endif /* RN_NODE_CORE_H */
