/*
 * core.c: the node core (core.h): connections, handshake, dialling, replication, gossip and fork
 * relay, with no I/O (DESIGN.md section 6; PROTOCOL.md section 11 specifies the behaviour).
 *
 * The driver calls in with the time and an event (bytes, a connection opened or closed, a timer);
 * the core updates its state and leaves actions in a small queue (SEND, CLOSE, CONNECT) that the
 * driver drains with node_next_action. Every entry point has the same shape: begin() takes the
 * time and reclaims the output the driver has taken, the event is handled, and finish() runs the
 * work the event made due (replication plans for the authors it touched, WANTs served within the
 * bytes in flight, ACKs) and queues one SEND per connection for what was written. So the driver
 * sees at most one SEND and one CLOSE per connection per call, and the same inputs always give
 * the same actions.
 *
 * State lives in three tables, all sized at node_new and never grown:
 *   - conns[peers_max]: one slot per connection, a small state machine (HANDSHAKE -> HEADER ->
 *     OPEN, and CLOSING until the driver reports the close), with bounded input (one frame) and
 *     output (RN_CONN_OUTBUF_BYTES) buffers and, once open, per-author arrays: what the peer holds
 *     (known), what we told it (have_sent), its pending WANTs (a FIFO of authors), and flags
 *     (it takes eager pushes from us, it has the fork evidence, its log diverges from ours);
 *     and its record as a hostile member might run up (PROTOCOL.md 11.5, 11.6): claims that
 *     failed and demotions per author, the highest seq it asked for, its serve budget. A record
 *     with failures outlives the connection in blame[] (RN_PEERS_MAX of them), by peer key.
 *   - authors[]: one per authority of the roster, in key order: our head (seq and id, cached so
 *     that HEADS and pushes never read the replica), the forked flag, our eager source, our one
 *     outstanding WANT, the stall timer, and fork evidence waiting for our log to catch up.
 *   - dialers[]: the peers of cfg.dial with their backoff.
 * Messages from peers are dispatched through one handler table (msg_handlers below).
 *
 * Reads of the replica for replication (entries to serve, fork evidence, ids to compare) use a
 * snapshot without the index pass (store_snapshot_begin) rather than a query read, which runs it:
 * entries, heads and forks are written by the ingest commit itself, and running the index pass
 * on every batch served during a catch-up would undo its batching. The index pass runs when ingest
 * has been idle for NODE_INDEX_IDLE_MS (and whenever the control API opens a read).
 *
 * Workload: a full mesh of 30 authorities with a few mirrors, up to RN_PEERS_MAX connections and
 * RN_ROSTER_MEMBERS_MAX authors; catch-ups of millions of entries at 100,000+ a second; new
 * entries pushed at once. Loops over authors or connections are fine at these sizes; loops over
 * both are done only on timers, HEADS and HAVE flushes.
 */
#include <stdlib.h>
#include <string.h>

#include "node/core.h"
#include "proto/authors.h"
#include "proto/limits.h"

/* ---- Internal constants ---- */

/* HAVE notes to one peer are coalesced over this window: at most one per author per flush. */
#define NODE_HAVE_DELAY_MS 10u

/* The index pass runs once received entries have stopped arriving for this long. */
#define NODE_INDEX_IDLE_MS 200u

/* Actions pending at once: per connection one SEND and one CLOSE, per dialled peer one CONNECT. */
#define NODE_ACTIONS_MAX (3u * RN_PEERS_MAX + 8u)

/* A connection's input buffer starts at this size and grows, one frame at most, up to
 * RN_CONN_INBUF_BYTES; output likewise up to RN_CONN_OUTBUF_BYTES. Buffers larger than
 * NODE_BUF_KEEP_BYTES are released once empty, so an idle node stays small. */
#define NODE_BUF_MIN_BYTES  4096u
#define NODE_BUF_KEEP_BYTES (256u << 10)

/* A receiver tolerates this many unacknowledged entry bytes from one peer: the largest sender
 * budget (RN_INFLIGHT_BYTES_DEFAULT) plus the one entry a batch may overshoot it by. */
#define NODE_RX_UNACKED_MAX ((uint64_t)RN_INFLIGHT_BYTES_DEFAULT + RN_ENTRY_BYTES_MAX)

static_assert(NODE_RX_UNACKED_MAX < RN_CONN_OUTBUF_BYTES, "a full flight fits in the output");

/* Per-author flags of one peer (conn.flags[a]). */
enum {
    PF_EAGER_OUT = 1u << 0,    /* the peer sent EAGER on: push a's new entries to it */
    PF_FORK_SENT = 1u << 1,    /* the peer has a's fork evidence (we sent it, or it sent it) */
    PF_DIVERGED = 1u << 2,     /* the peer's log of a forks from ours: do not fetch a from it */
    PF_IN_WQ = 1u << 3,        /* a is in the peer's WANT queue */
    PF_HAVE_PENDING = 1u << 4, /* a HAVE for a waits for the next flush */
};

typedef enum conn_state {
    CS_FREE = 0,
    CS_HANDSHAKE, /* the four handshake messages */
    CS_HEADER,    /* handshake done, our stream header sent, waiting for the peer's */
    CS_OPEN,      /* frames both ways */
    CS_CLOSING,   /* CLOSE queued, waiting for node_conn_closed */
} conn_state;

typedef enum dial_state {
    DS_WAIT = 0,   /* next attempt at next_ms */
    DS_CONNECTING, /* CONNECT queued, or our outgoing connection is in its handshake */
    DS_UP,         /* an open connection to the peer exists (either direction) */
} dial_state;

typedef struct dialer {
    uint8_t key[PROTO_KEY_BYTES];
    dial_state state;
    uint64_t next_ms;    /* DS_WAIT: the next attempt */
    uint32_t backoff_ms; /* base of the next delay: backoff_min_ms .. backoff_max_ms */
} dialer;

typedef struct conn {
    conn_state state;
    uint32_t id;  /* the driver's connection id */
    uint32_t gen; /* bumped when the slot is freed: stale actions are dropped */
    bool outgoing;
    bool have_key;                /* key known: from the start (outgoing) or after M3 */
    uint8_t key[PROTO_KEY_BYTES]; /* the peer's roster key */
    int dialer;                   /* our dialer entry for an outgoing connection, else -1 */
    uint64_t opened_ms;           /* node_conn_open */
    uint64_t since_ms;            /* reached CS_OPEN */
    uint64_t last_rx_ms;          /* last bytes from the peer */
    uint64_t last_frame_ms;       /* last frame from the peer (open connections) */
    bool ping_out;                /* a PING is unanswered */
    uint64_t ping_nonce;
    uint64_t next_heads_ms; /* next anti-entropy HEADS */
    uint64_t bytes_in, bytes_out;

    /* Handshake and streams. */
    proto_hs hs;
    proto_stream st;
    uint8_t rx_key[32];              /* until the peer's stream header arrives */
    uint8_t small[PROTO_HS_MSG_MAX]; /* handshake message or stream header being assembled */
    size_t small_len;

    /* Input: one frame being assembled (prefix included), at most RN_CONN_INBUF_BYTES. */
    uint8_t *in;
    size_t in_len, in_cap, in_need; /* in_need: 4 + ciphertext length once the prefix is read */

    /* Output: bytes written and not yet reclaimed. [0, popped) went out in SEND actions the
     * driver took; [popped, popped + queued) are covered by a queued SEND; the rest is new. */
    uint8_t *out;
    size_t out_len, out_cap, out_popped, out_queued;
    int send_pos; /* ring index of our queued SEND, or -1 */

    /* Flow control (entry bytes of ENTRIES messages). */
    uint64_t tx_unacked; /* sent to the peer, not yet acknowledged; < inflight + 1 entry */
    uint64_t rx_unacked; /* received and processed, not yet acknowledged */
    int64_t tokens_m;    /* entries we still accept from the peer, in thousandths */
    uint64_t tokens_ms;  /* last refill */

    /* Per author, n->authors_n each; allocated when the connection opens. */
    uint64_t *known;     /* the peer's head as we know it (HEADS, HAVE, entries exchanged) */
    uint64_t *shown;     /* the peer's head as the peer showed it: its HEADS, HAVE and ENTRIES,
                            and entries we sent once it acknowledged every byte of them; so
                            unlike `known`, never ahead of what the peer holds */
    uint64_t *have_sent; /* the highest seq we told the peer about */
    uint64_t *wq_from;   /* its pending WANT of author a: next seq to send */
    uint64_t *wq_left;   /* and how many entries are still asked for */
    uint8_t *flags;      /* PF_... */
    uint16_t *wq;        /* FIFO of authors with a pending WANT */
    size_t wq_head, wq_n;
    bool have_any; /* some PF_HAVE_PENDING set */

    /* Hostile members (PROTOCOL.md 11.5, 11.6): per author, its claims that failed in a row and
     * the end of its demotion; the highest seq we sent it in answer to its WANTs. Per interval,
     * what we served again. */
    uint8_t *fails;
    uint64_t *demoted_until;
    uint64_t *served_to;
    uint64_t serve_window_ms;    /* start of the current serve interval */
    uint32_t serve_repeats;      /* repeated WANTs in it */
    uint64_t serve_repeat_bytes; /* entry bytes served again in it */
    bool serve_pause_counted;    /* ctr.serve_paused counted this interval's pause */
} conn;

typedef struct author {
    uint8_t key[PROTO_KEY_BYTES];
    uint64_t head; /* our head seq, 0 for none */
    uint8_t head_id[PROTO_ID_BYTES];
    bool forked;       /* the replica holds fork evidence for this author */
    bool badsig;       /* the replica holds evidence that it published an unsigned entry */
    bool dirty;        /* the replication plan must be revisited in finish() */
    int eager_src;     /* conn slot whose eager pushes we take, or -1 */
    int want_slot;     /* conn slot our outstanding WANT went to, or -1 */
    bool want_probe;   /* that WANT asks for one entry to settle a suspected fork */
    uint64_t want_to;  /* last seq asked for */
    uint64_t want_ms;  /* when it was sent, or when entries of this author last came from the
                          peer it went to */
    uint64_t stall_ms; /* a peer shows more than we hold: switch source at this time; 0 none */
    uint8_t *fork_buf; /* fork evidence received ahead of our log: a's bytes then b's */
    size_t fork_a_len, fork_b_len;
    uint64_t cut; /* the last seq of its log that may be taken in (a compromised or rotated key's
                     cut-off, PROTOCOL.md 11.11); UINT64_MAX for none */
} author;

/* The failure record of a peer whose connection closed while claims of it stood failed, so that
 * a liar cannot clear its record by reconnecting (PROTOCOL.md 11.5). */
typedef struct blame_rec {
    uint8_t key[PROTO_KEY_BYTES];
    uint8_t *fails;          /* per author, as conn.fails; NULL for a free record */
    uint64_t *demoted_until; /* per author, as conn.demoted_until */
    uint64_t stamp;          /* when stored: the oldest goes first */
} blame_rec;

/* One of our own signed checkpoints, with the cosignatures collected so far. */
typedef struct own_checkpoint {
    uint8_t *bytes;               /* the signed checkpoint (checkpoint.h), NULL for an empty slot */
    size_t len;                   /* 1 .. RN_CHECKPOINT_BYTES_MAX */
    uint8_t hash[PROTO_ID_BYTES]; /* H(body): what COSIGN names */
    uint64_t time_ms;             /* its body's time */
    uint32_t cosigs;              /* cosignatures it carries */
} own_checkpoint;

typedef struct queued_action {
    node_action a;
    int slot;     /* SEND, CLOSE: the connection slot */
    uint32_t gen; /* its generation when queued */
} queued_action;

struct node {
    store *s;
    proto_member self;
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t netkey[PROTO_NETKEY_BYTES];
    node_limits lim;
    uint64_t now;
    uint64_t rng[4]; /* xoshiro256** state from cfg.rng_seed */
    int self_author; /* index in authors of our own log, or -1 for a mirror */

    author *authors;
    size_t authors_n;
    bool all_dirty; /* every author's plan must be revisited */

    conn *conns;
    size_t conns_n; /* == lim.peers_max */

    dialer dialers[RN_PEERS_MAX];
    size_t dialers_n;

    queued_action q[NODE_ACTIONS_MAX];
    size_t q_head, q_n;

    uint64_t have_at;        /* next HAVE flush, 0 for none */
    uint64_t last_ingest_ms; /* for the idle index pass */
    uint64_t verify_at;      /* the background verifier's next step, once ingest is idle */
    size_t forks_pending;    /* authors with fork_buf, <= RN_FORKS_PENDING_MAX */

    mp_buf mb;      /* the message being encoded */
    mp_buf eb;      /* entries of a batch being served */
    uint8_t *plain; /* RN_FRAME_BYTES_MAX: the plaintext of the frame being handled */
    proto_msg msg;  /* the message being handled */
    node_counters ctr;
    node_catchup cu;               /* the current or last catch-up */
    uint64_t cu_base_new;          /* ctr.entries_new when it began */
    uint64_t cu_base_bytes;        /* ctr.entry_bytes_new when it began */
    node_clock clock;              /* the driver's clock as last noted, for status */
    blame_rec blame[RN_PEERS_MAX]; /* failure records of peers not connected now */
    uint64_t blame_stamp;
    /* The driver's counters at the node's doors, held for status (node_guard_counters). */
    node_guard_counters guard;
    uint64_t repair_ms;     /* no re-fetch of a damaged entry before this time */
    uint64_t local_fail_ms; /* when ingest last failed on our side (local_error): 0 for never */
    struct node_gov *gov;   /* the governed roster (PROTOCOL.md 11.11); NULL without a chain */

    /* Checkpoints and witnesses (PROTOCOL.md 11.12). */
    uint32_t ckpt_ms;                              /* cfg.checkpoint_ms: 0, we sign none */
    uint64_t ckpt_at;                              /* our next checkpoint; 0 for none */
    own_checkpoint own[STORE_CHECKPOINTS_OWN_MAX]; /* our newest checkpoints */
    proto_checkpoint *cp;                          /* scratch for one (some 40 KiB) */
    mp_buf cb;                                     /* one being encoded */
    store_witness_head *cosigned; /* per author: the last head we cosigned (seq 0: none) */
    store_witness_head *wscratch; /* RN_CHECKPOINT_HEADS_MAX heads being cosigned */
    node_witness_evidence evidence[NODE_EVIDENCE_KEEP]; /* the last refusals, a ring */
    uint64_t evidence_n;                                /* refusals since start */
};

/* The governed roster, live: its state here, its code in the section at the end of this file. */
typedef struct gov_doc {
    uint64_t version;
    uint8_t *p;
    size_t len;
} gov_doc;

typedef struct gov_pending {
    uint8_t hash[PROTO_ID_BYTES]; /* H(body) */
    proto_rc_change *chg;         /* its body and every signature that verifies; NULL: free */
    uint64_t stamp;               /* when first seen: the oldest goes first */
} gov_pending;

struct node_gov {
    proto_rosterchain ch;
    gov_doc *docs; /* documents applied since start, as applied */
    size_t docs_n, docs_cap;
    gov_pending pend[RN_ROSTER_PENDING_MAX];
    uint64_t stamp;
    bool due;     /* a roster entry came or went: gov_step in finish() */
    bool retired; /* our key was rotated away or removed: it publishes nothing more */
    node_roster_event ev[RN_ROSTER_EVENTS_MAX];
    size_t ev_head, ev_n;
};
typedef struct node_gov node_gov;

static void gov_step(node *n);
static void gov_note(node *n, const uint8_t *bytes, size_t len);
static int gov_start(node *n, const node_config *cfg, uint64_t now_ms);
static void gov_free(struct node_gov *g);
static int authors_load(node *n);

/* ---- Small helpers ---- */

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

/* xoshiro256**, seeded through splitmix64: the core's only source of randomness. */
static uint64_t rng_next(node *n)
{
    uint64_t *s = n->rng;
    uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return r;
}

static void rng_seed(node *n, uint64_t seed)
{
    for (int i = 0; i < 4; i++) {
        uint64_t z = (seed += 0x9e3779b97f4a7c15ull);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
        n->rng[i] = z ^ (z >> 31);
    }
}

static uint64_t min_u64(uint64_t a, uint64_t b)
{
    return a < b ? a : b;
}

static int slot_of(const node *n, const conn *c)
{
    return (int)(c - n->conns);
}

static int author_find(const node *n, const uint8_t key[PROTO_KEY_BYTES])
{
    size_t lo = 0, hi = n->authors_n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = memcmp(n->authors[mid].key, key, PROTO_KEY_BYTES);
        if (cmp == 0)
            return (int)mid;
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int dialer_find(const node *n, const uint8_t key[PROTO_KEY_BYTES])
{
    for (size_t i = 0; i < n->dialers_n; i++)
        if (memcmp(n->dialers[i].key, key, PROTO_KEY_BYTES) == 0)
            return (int)i;
    return -1;
}

static conn *conn_find(node *n, uint32_t id)
{
    for (size_t i = 0; i < n->conns_n; i++)
        if (n->conns[i].state != CS_FREE && n->conns[i].id == id)
            return &n->conns[i];
    return NULL;
}

static bool conn_live(const conn *c)
{
    return c->state == CS_HANDSHAKE || c->state == CS_HEADER || c->state == CS_OPEN;
}

/* A snapshot without the index pass (see the file comment). */
static int raw_read_begin(node *n, store_read *r)
{
    return store_snapshot_begin(n->s, r);
}

/* ---- Actions ---- */

static queued_action *action_push(node *n, node_action_kind kind)
{
    RN_ASSERT(n->q_n < NODE_ACTIONS_MAX);
    size_t pos = (n->q_head + n->q_n) % NODE_ACTIONS_MAX;
    n->q_n++;
    queued_action *qa = &n->q[pos];
    memset(qa, 0, sizeof(*qa));
    qa->a.kind = kind;
    qa->slot = -1;
    return qa;
}

/* Queues (or extends) the SEND of what was written to c since the last one. */
static void conn_queue_send(node *n, conn *c)
{
    size_t fresh = c->out_len - c->out_popped - c->out_queued;
    if (fresh == 0)
        return;
    if (c->send_pos >= 0) {
        n->q[c->send_pos].a.len += fresh;
    } else {
        queued_action *qa = action_push(n, NODE_ACT_SEND);
        qa->a.conn = c->id;
        qa->a.len = fresh;
        qa->slot = slot_of(n, c);
        qa->gen = c->gen;
        c->send_pos = (int)(qa - n->q);
    }
    c->out_queued += fresh;
}

bool node_next_action(node *n, node_action *a)
{
    while (n->q_n > 0) {
        size_t pos = n->q_head;
        queued_action *qa = &n->q[pos];
        n->q_head = (n->q_head + 1) % NODE_ACTIONS_MAX;
        n->q_n--;
        if (qa->slot >= 0) {
            conn *c = &n->conns[qa->slot];
            if (c->state == CS_FREE || c->gen != qa->gen)
                continue; /* the connection is gone */
            if (qa->a.kind == NODE_ACT_SEND) {
                RN_ASSERT(c->send_pos == (int)pos && qa->a.len <= c->out_queued);
                qa->a.data = c->out + c->out_popped;
                c->out_popped += qa->a.len;
                c->out_queued -= qa->a.len;
                c->send_pos = -1;
            }
        }
        *a = qa->a;
        return true;
    }
    return false;
}

/* ---- Output ---- */

static void conn_close(node *n, conn *c, int reason);

/* Makes room for `more` bytes of output on c; false (and c closed) past RN_CONN_OUTBUF_BYTES. */
static bool out_reserve(node *n, conn *c, size_t more)
{
    if (c->out_len + more > RN_CONN_OUTBUF_BYTES) {
        conn_close(n, c, RN_ETOOBIG);
        return false;
    }
    if (c->out_len + more <= c->out_cap)
        return true;
    size_t cap = c->out_cap > 0 ? c->out_cap : NODE_BUF_MIN_BYTES;
    while (cap < c->out_len + more)
        cap *= 2;
    if (cap > RN_CONN_OUTBUF_BYTES)
        cap = RN_CONN_OUTBUF_BYTES;
    uint8_t *p = realloc(c->out, cap);
    if (p == NULL) {
        conn_close(n, c, RN_ENOMEM);
        return false;
    }
    c->out = p;
    c->out_cap = cap;
    return true;
}

static void send_raw(node *n, conn *c, const uint8_t *p, size_t len)
{
    if (!out_reserve(n, c, len))
        return;
    memcpy(c->out + c->out_len, p, len);
    c->out_len += len;
    c->bytes_out += len;
    n->ctr.bytes_out += len;
}

/* Seals the message in n->mb as one frame to c. Our messages are bounded by construction: an
 * encoding error is a programmer error. */
static void send_msg(node *n, conn *c)
{
    RN_ASSERT(mp_buf_err(&n->mb) == 0 && n->mb.len <= RN_FRAME_BYTES_MAX);
    if (c->state != CS_OPEN)
        return;
    size_t need = n->mb.len + PROTO_FRAME_OVERHEAD, len = 0;
    if (!out_reserve(n, c, need))
        return;
    int rc = proto_frame_seal(&c->st, n->mb.data, n->mb.len, c->out + c->out_len,
                              c->out_cap - c->out_len, &len);
    RN_ASSERT(rc == 0 && len == need);
    c->out_len += len;
    c->bytes_out += len;
    n->ctr.bytes_out += len;
    n->ctr.frames_out++;
}

static void send_heads(node *n, conn *c)
{
    static_assert(RN_PEER_HEADS_MAX >= RN_ROSTER_MEMBERS_MAX, "every author fits in HEADS");
    proto_head *h = n->msg.heads; /* scratch: HEADS is never sent while a message is handled */
    uint32_t k = 0;
    for (size_t a = 0; a < n->authors_n; a++) {
        if (n->authors[a].head == 0)
            continue;
        h[k].author = n->authors[a].key;
        h[k].seq = n->authors[a].head;
        h[k].id = n->authors[a].head_id;
        k++;
        if (c->have_sent[a] < n->authors[a].head)
            c->have_sent[a] = n->authors[a].head;
    }
    mp_buf_reset(&n->mb);
    proto_msg_heads(&n->mb, h, k);
    send_msg(n, c);
    n->ctr.heads_out++;
    c->next_heads_ms = n->now + n->lim.anti_entropy_ms;
}

static void send_want(node *n, conn *c, size_t a, uint64_t from, uint64_t count, bool probe)
{
    author *au = &n->authors[a];
    /* State first: if the send closes c, conn_release clears it again. */
    au->want_slot = slot_of(n, c);
    au->want_probe = probe;
    au->want_to = from + count - 1;
    au->want_ms = n->now;
    mp_buf_reset(&n->mb);
    proto_msg_want(&n->mb, au->key, from, count);
    send_msg(n, c);
    n->ctr.wants_out++;
}

static void send_eager(node *n, conn *c, size_t a, bool on)
{
    mp_buf_reset(&n->mb);
    proto_msg_eager(&n->mb, n->authors[a].key, on);
    send_msg(n, c);
}

static void send_have(node *n, conn *c, size_t a)
{
    mp_buf_reset(&n->mb);
    proto_msg_have(&n->mb, n->authors[a].key, n->authors[a].head);
    send_msg(n, c);
    n->ctr.haves_out++;
    c->have_sent[a] = n->authors[a].head;
}

static void send_ack(node *n, conn *c)
{
    mp_buf_reset(&n->mb);
    proto_msg_ack(&n->mb, c->rx_unacked);
    send_msg(n, c);
    c->rx_unacked = 0;
}

static void send_ping(node *n, conn *c, proto_msg_type type, uint64_t nonce)
{
    mp_buf_reset(&n->mb);
    proto_msg_ping(&n->mb, type, nonce);
    send_msg(n, c);
}

/* ENTRIES of raw[0..k) (one author, consecutive) to c, counted against its budget. */
static void send_entries(node *n, conn *c, const proto_str *raw, size_t k)
{
    uint64_t bytes = 0;
    mp_buf_reset(&n->mb);
    proto_msg_entries_begin(&n->mb, (uint32_t)k);
    for (size_t i = 0; i < k; i++) {
        mp_put_bin(&n->mb, raw[i].ptr, raw[i].len);
        bytes += raw[i].len;
    }
    send_msg(n, c);
    c->tx_unacked += bytes;
    n->ctr.entries_out += k;
    n->ctr.payload_msgs_out++;
}

/* FORK for author a to c, from the replica's evidence. */
static void send_fork(node *n, conn *c, size_t a)
{
    store_read r;
    uint64_t seq;
    proto_str ea, eb;
    c->flags[a] |= PF_FORK_SENT;
    if (raw_read_begin(n, &r) != 0)
        return;
    if (store_fork_get(&r, n->authors[a].key, &seq, &ea, &eb) == 0) {
        mp_buf_reset(&n->mb);
        proto_msg_fork(&n->mb, ea, eb);
        send_msg(n, c);
    }
    store_read_end(&r);
}

/* ---- Eager sources and pushes ---- */

/* Takes eager pushes of author a from conn slot `slot` (-1: from nobody). */
static void eager_set(node *n, size_t a, int slot)
{
    author *au = &n->authors[a];
    au->stall_ms = 0;
    int old = au->eager_src;
    if (old == slot)
        return;
    au->eager_src = slot; /* first: a send that closes a connection clears it again */
    if (old >= 0 && n->conns[old].state == CS_OPEN)
        send_eager(n, &n->conns[old], a, false);
    if (slot >= 0 && n->conns[slot].state == CS_OPEN)
        send_eager(n, &n->conns[slot], a, true);
}

/* ---- Claims that fail: demotion (PROTOCOL.md 11.5) ---- */

static bool demoted(const node *n, const conn *c, size_t a)
{
    return c->demoted_until[a] > n->now;
}

/* May c be our eager source for a? Not while demoted, nor after a demotion until a WANT to it is
 * answered in full (a liar let back in must not stop the pushes of an honest source). */
static bool eager_ok(const node *n, const conn *c, size_t a)
{
    return !demoted(n, c, a) && c->fails[a] == 0 && !(c->flags[a] & PF_DIVERGED);
}

/* The eager source of a was demoted: the author itself when connected and in good standing,
 * else nobody until a peer shows more. */
static void eager_fallback(node *n, size_t a)
{
    author *au = &n->authors[a];
    int slot = -1;
    for (size_t i = 0; i < n->conns_n && slot < 0; i++) {
        const conn *c = &n->conns[i];
        if (c->state == CS_OPEN && memcmp(c->key, au->key, PROTO_KEY_BYTES) == 0 &&
            eager_ok(n, c, a))
            slot = (int)i;
    }
    eager_set(n, a, slot);
}

/* The peer at `slot` did not deliver what it claimed of author a (our WANT to it made no
 * progress): demote it for a, RN_DEMOTE_MS_MIN doubled per failure in a row, at most
 * RN_DEMOTE_MS_MAX; if it was our eager source, fall back. */
static void claim_failed(node *n, int slot, size_t a)
{
    conn *c = &n->conns[slot];
    if (c->state != CS_OPEN)
        return;
    /* While our own replica refuses entries (a full map, a storage error), no progress is the
     * peer's fault: nobody is demoted until it has taken entries for an anti-entropy period. */
    if (n->local_fail_ms != 0 && n->now < n->local_fail_ms + n->lim.anti_entropy_ms)
        return;
    if (c->fails[a] < UINT8_MAX)
        c->fails[a]++;
    unsigned shift = c->fails[a] - 1u < 16u ? c->fails[a] - 1u : 16u;
    uint64_t ms = min_u64((uint64_t)RN_DEMOTE_MS_MIN << shift, RN_DEMOTE_MS_MAX);
    c->demoted_until[a] = n->now + ms;
    n->ctr.demotions++;
    n->authors[a].dirty = true;
    if (n->authors[a].eager_src == slot)
        eager_fallback(n, a);
}

/* An ENTRIES message of author a from the peer our WANT went to, whose last seq is `last`, of
 * which `accepted` were new, ingested with result rc. Progress is new entries in sequence; a
 * WANT answered in full clears the peer's failures; a run ahead of our head that brings nothing
 * is a claim that failed (it would otherwise renew the WANT forever). */
static void want_answered(node *n, conn *c, size_t a, uint64_t last, uint64_t accepted, int rc)
{
    author *au = &n->authors[a];
    if (accepted > 0)
        au->want_ms = n->now;
    if (last >= au->want_to && rc == 0)
        c->fails[a] = 0;
    if (last >= au->want_to || rc < 0)
        au->want_slot = -1;
    if (rc == RN_EGAP && accepted == 0 && !au->want_probe)
        claim_failed(n, slot_of(n, c), a);
}

static void have_schedule(node *n, conn *c, size_t a)
{
    c->flags[a] |= PF_HAVE_PENDING;
    c->have_any = true;
    if (n->have_at == 0)
        n->have_at = n->now + NODE_HAVE_DELAY_MS;
}

/*
 * New entries raw[0..k) of author a (seqs head - k + 1 .. head, already committed) came from conn
 * slot `from` (-1: our own). Peers that take a's eager pushes from us and hold everything before
 * get them as ENTRIES, within their budget; the others get a HAVE at the next flush.
 */
static void push_new(node *n, size_t a, const proto_str *raw, size_t k, int from)
{
    author *au = &n->authors[a];
    uint64_t first = au->head - k + 1;
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (c->state != CS_OPEN || (int)i == from || c->known[a] >= au->head)
            continue;
        if ((c->flags[a] & PF_EAGER_OUT) && c->known[a] + 1 >= first) {
            size_t skip = (size_t)(c->known[a] + 1 - first);
            uint64_t bytes = 0;
            for (size_t j = skip; j < k; j++)
                bytes += raw[j].len;
            if (c->tx_unacked + bytes <= n->lim.inflight_bytes) {
                send_entries(n, c, raw + skip, k - skip);
                c->known[a] = au->head;
                c->have_sent[a] = au->head;
                continue;
            }
        }
        if (c->have_sent[a] < au->head)
            have_schedule(n, c, a);
    }
}

static void have_flush(node *n)
{
    n->have_at = 0;
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (c->state != CS_OPEN || !c->have_any)
            continue;
        c->have_any = false;
        for (size_t a = 0; a < n->authors_n && c->state == CS_OPEN; a++) {
            if (!(c->flags[a] & PF_HAVE_PENDING))
                continue;
            c->flags[a] &= (uint8_t)~PF_HAVE_PENDING;
            uint64_t head = n->authors[a].head;
            if (head > c->have_sent[a] && head > c->known[a])
                send_have(n, c, a);
        }
    }
}

/* ---- Forks ---- */

/* Author a is newly known to be forked: pass the evidence to every peer that lacks it. */
static void fork_detected(node *n, size_t a, int from)
{
    author *au = &n->authors[a];
    if (au->forked)
        return;
    au->forked = true;
    n->ctr.forks_seen++;
    if (from >= 0 && n->conns[from].state == CS_OPEN)
        n->conns[from].flags[a] |= PF_FORK_SENT;
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (c->state == CS_OPEN && !(c->flags[a] & PF_FORK_SENT))
            send_fork(n, c, a);
    }
}

static void fork_pending_drop(node *n, author *au)
{
    if (au->fork_buf == NULL)
        return;
    free(au->fork_buf);
    au->fork_buf = NULL;
    au->fork_a_len = au->fork_b_len = 0;
    n->forks_pending--;
}

/* Refreshes our cached head of author a from what store_ingest committed. */
static void head_advance(node *n, size_t a, const store_ingest_result *res)
{
    author *au = &n->authors[a];
    memcpy(au->head_id, res->head_id, PROTO_ID_BYTES);
    au->head = res->head_seq;
    au->dirty = true;
}

static bool local_error(int rc)
{
    return rc == RN_ESTORE || rc == RN_EFULL || rc == RN_ENOMEM || rc == RN_ECORRUPT;
}

/*
 * Ingests fork evidence ea, eb (both decoded, authentic, same author and seq, verified by the
 * caller) as two runs of one. Returns 0 (evidence recorded, or kept until our log reaches it), or
 * the error that makes the peer `from` a protocol breaker.
 */
static int fork_ingest(node *n, size_t a, proto_str ea, proto_str eb, int from)
{
    author *au = &n->authors[a];
    proto_str runs[2] = { ea, eb };
    store_ingest_result res;
    rn_diag d = { 0 };
    for (int i = 0; i < 2; i++) {
        int rc = store_ingest(n->s, &runs[i], 1, &res, &d);
        if (res.accepted > 0) {
            uint64_t old = au->head;
            head_advance(n, a, &res);
            RN_ASSERT(res.head_seq == old + 1);
            n->ctr.entries_new++;
            n->ctr.entry_bytes_new += runs[i].len;
            n->last_ingest_ms = n->now;
            push_new(n, a, &runs[i], 1, from);
        }
        if (res.forked)
            break;
        if (res.diverged)
            return 0; /* our log forks earlier than this evidence: HEADS will show where */
        if (rc == RN_EGAP) {
            /* Our log has not reached the fork yet: keep the evidence until it does, within
             * the bound; the plan fetches what we lack. */
            if (au->fork_buf == NULL && n->forks_pending < RN_FORKS_PENDING_MAX) {
                au->fork_buf = malloc((size_t)ea.len + eb.len);
                if (au->fork_buf != NULL) {
                    memcpy(au->fork_buf, ea.ptr, ea.len);
                    memcpy(au->fork_buf + ea.len, eb.ptr, eb.len);
                    au->fork_a_len = ea.len;
                    au->fork_b_len = eb.len;
                    n->forks_pending++;
                }
            }
            au->dirty = true;
            return 0;
        }
        if (rc < 0)
            return local_error(rc) ? 0 : rc;
    }
    fork_pending_drop(n, au);
    if (res.forked)
        fork_detected(n, a, from);
    return 0;
}

/* Retries evidence kept by fork_ingest once our log reaches its seq. */
static void fork_retry(node *n, size_t a)
{
    author *au = &n->authors[a];
    proto_entry e;
    if (au->fork_buf == NULL || au->forked) {
        fork_pending_drop(n, au);
        return;
    }
    if (proto_entry_decode(&e, au->fork_buf, au->fork_a_len, NULL) != 0 || au->head + 1 < e.seq)
        return;
    uint8_t *buf = au->fork_buf;
    size_t la = au->fork_a_len, lb = au->fork_b_len;
    au->fork_buf = NULL;
    n->forks_pending--;
    proto_str ea = { buf, (uint32_t)la }, eb = { buf + la, (uint32_t)lb };
    (void)fork_ingest(n, a, ea, eb, -1);
    free(buf);
}

/* ---- Connections: open, close, handshake ---- */

/* Keeps c's failure record (when it has one) for its next connection; takes the arrays. */
static void blame_keep(node *n, conn *c)
{
    bool any = false;
    for (size_t a = 0; c->fails != NULL && a < n->authors_n && !any; a++)
        any = c->fails[a] > 0 || c->demoted_until[a] > n->now;
    if (!any || !c->have_key)
        return;
    blame_rec *r = NULL;
    for (size_t i = 0; i < RN_PEERS_MAX; i++) {
        blame_rec *b = &n->blame[i];
        if (b->fails != NULL && memcmp(b->key, c->key, PROTO_KEY_BYTES) == 0) {
            r = b;
            break;
        }
        if (r == NULL || (r->fails != NULL && (b->fails == NULL || b->stamp < r->stamp)))
            r = b; /* a free record, else the oldest */
    }
    free(r->fails);
    free(r->demoted_until);
    memcpy(r->key, c->key, PROTO_KEY_BYTES);
    r->fails = c->fails;
    r->demoted_until = c->demoted_until;
    r->stamp = ++n->blame_stamp;
    c->fails = NULL;
    c->demoted_until = NULL;
}

/* The failure record kept for c's peer, if any, becomes c's (its arrays replace c's). */
static void blame_restore(node *n, conn *c)
{
    for (size_t i = 0; i < RN_PEERS_MAX; i++) {
        blame_rec *b = &n->blame[i];
        if (b->fails == NULL || memcmp(b->key, c->key, PROTO_KEY_BYTES) != 0)
            continue;
        free(c->fails);
        free(c->demoted_until);
        c->fails = b->fails;
        c->demoted_until = b->demoted_until;
        b->fails = NULL;
        b->demoted_until = NULL;
        return;
    }
}

static void conn_release(node *n, conn *c)
{
    int slot = slot_of(n, c);
    bool was_open = c->state == CS_OPEN;
    for (size_t a = 0; was_open && a < n->authors_n; a++) {
        author *au = &n->authors[a];
        if (au->eager_src == slot) {
            au->eager_src = -1;
            au->stall_ms = 0;
            au->dirty = true;
        }
        if (au->want_slot == slot) {
            au->want_slot = -1;
            au->dirty = true;
        }
    }
    blame_keep(n, c);
    free(c->known);
    free(c->shown);
    free(c->have_sent);
    free(c->wq_from);
    free(c->wq_left);
    free(c->flags);
    free(c->wq);
    free(c->fails);
    free(c->demoted_until);
    free(c->served_to);
    c->fails = NULL;
    c->demoted_until = c->served_to = NULL;
    c->known = c->shown = c->have_sent = c->wq_from = c->wq_left = NULL;
    c->flags = NULL;
    c->wq = NULL;
    c->wq_n = c->wq_head = 0;
    proto_hs_wipe(&c->hs);
    proto_stream_wipe(&c->st);
    sodium_memzero(c->rx_key, sizeof(c->rx_key));

    /* The dialer of this peer: retry with a grown backoff if the connection never opened, after
     * the (reset) base delay if it did; nothing while another connection to the peer lives. */
    int di = c->have_key ? dialer_find(n, c->key) : -1;
    if (di >= 0) {
        dialer *dl = &n->dialers[di];
        bool other_live = false;
        for (size_t i = 0; i < n->conns_n; i++) {
            conn *o = &n->conns[i];
            if (o != c && conn_live(o) && o->have_key &&
                memcmp(o->key, dl->key, PROTO_KEY_BYTES) == 0)
                other_live = true;
        }
        if (!other_live && dl->state != DS_WAIT) {
            uint32_t b = dl->backoff_ms;
            dl->state = DS_WAIT;
            dl->next_ms = n->now + b / 2 + rng_next(n) % (b / 2 + 1);
            if (!was_open)
                dl->backoff_ms = (uint32_t)min_u64(2ull * b, n->lim.backoff_max_ms);
        }
    }
}

/* Closes c: what was written still goes out, then CLOSE. Idempotent. */
static void conn_close(node *n, conn *c, int reason)
{
    if (!conn_live(c))
        return;
    conn_release(n, c);
    c->state = CS_CLOSING;
    conn_queue_send(n, c);
    queued_action *qa = action_push(n, NODE_ACT_CLOSE);
    qa->a.conn = c->id;
    qa->a.reason = reason;
    if (c->have_key)
        memcpy(qa->a.peer, c->key, PROTO_KEY_BYTES);
    qa->slot = slot_of(n, c);
    qa->gen = c->gen;
}

/* A peer broke the protocol. */
static void conn_violation(node *n, conn *c, int reason)
{
    n->ctr.protocol_errors++;
    conn_close(n, c, reason);
}

/* A handshake failed or the peer is not welcome. */
static void conn_refuse(node *n, conn *c, int reason)
{
    n->ctr.conns_refused++;
    conn_close(n, c, reason);
}

static void conn_free_slot(conn *c)
{
    free(c->in);
    free(c->out);
    uint32_t gen = c->gen + 1;
    memset(c, 0, sizeof(*c));
    c->gen = gen;
    c->send_pos = -1;
    c->dialer = -1;
}

static bool alloc_peer_arrays(node *n, conn *c)
{
    size_t k = n->authors_n > 0 ? n->authors_n : 1;
    c->known = calloc(k, sizeof(*c->known));
    c->shown = calloc(k, sizeof(*c->shown));
    c->have_sent = calloc(k, sizeof(*c->have_sent));
    c->wq_from = calloc(k, sizeof(*c->wq_from));
    c->wq_left = calloc(k, sizeof(*c->wq_left));
    c->flags = calloc(k, sizeof(*c->flags));
    c->wq = calloc(k, sizeof(*c->wq));
    c->fails = calloc(k, sizeof(*c->fails));
    c->demoted_until = calloc(k, sizeof(*c->demoted_until));
    c->served_to = calloc(k, sizeof(*c->served_to));
    bool ok = c->known && c->shown && c->have_sent && c->wq_from && c->wq_left && c->flags &&
              c->wq && c->fails && c->demoted_until && c->served_to;
    if (ok)
        blame_restore(n, c);
    return ok;
}

static int own_newest(const node *n);
static void send_checkpoint(node *n, conn *c, size_t i);

/* Both streams run: the connection is open. */
static void conn_opened(node *n, conn *c)
{
    int slot = slot_of(n, c);
    if (!alloc_peer_arrays(n, c)) {
        conn_close(n, c, RN_ENOMEM);
        return;
    }
    c->state = CS_OPEN;
    c->since_ms = c->last_frame_ms = n->now;
    c->tokens_m = (int64_t)n->lim.entries_per_s * 1000;
    c->tokens_ms = n->now;
    c->serve_window_ms = n->now;
    int di = dialer_find(n, c->key);
    if (di >= 0) {
        n->dialers[di].state = DS_UP;
        n->dialers[di].backoff_ms = n->lim.backoff_min_ms;
    }
    send_heads(n, c);
    int a = author_find(n, c->key);
    if (a >= 0)
        eager_set(n, (size_t)a, slot); /* the author itself is the best source of its log */
    for (size_t i = 0; i < n->authors_n && c->state == CS_OPEN; i++)
        if (n->authors[i].forked)
            send_fork(n, c, i);
    int cp = own_newest(n);
    if (cp >= 0 && c->state == CS_OPEN)
        send_checkpoint(n, c, (size_t)cp); /* the newest, for the peer to witness */
}

/* The key that initiated c. */
static const uint8_t *initiator_of(const node *n, const conn *c)
{
    return c->outgoing ? n->self.key : c->key;
}

/* The handshake of c is done: start our stream, and keep one connection per peer. */
static void hs_finished(node *n, conn *c)
{
    uint8_t tx[32], header[PROTO_STREAM_HEADER_BYTES];
    memcpy(c->key, c->hs.peer, PROTO_KEY_BYTES);
    c->have_key = true;
    proto_hs_session(&c->hs, tx, c->rx_key);
    proto_hs_wipe(&c->hs);
    proto_stream_tx_init(&c->st, tx, header);
    sodium_memzero(tx, sizeof(tx));
    c->state = CS_HEADER;
    send_raw(n, c, header, sizeof(header));

    /* Two connections to one peer (both dialled at once, or a redial while the old one lingers):
     * keep the one the smaller key initiated; between two of one initiator keep the newer. Both
     * sides apply the same rule, so both close the same one. */
    for (size_t i = 0; i < n->conns_n && conn_live(c); i++) {
        conn *o = &n->conns[i];
        if (o == c || (o->state != CS_HEADER && o->state != CS_OPEN) ||
            memcmp(o->key, c->key, PROTO_KEY_BYTES) != 0)
            continue;
        int cmp = memcmp(initiator_of(n, c), initiator_of(n, o), PROTO_KEY_BYTES);
        conn_close(n, cmp > 0 ? c : o, RN_EDUPLICATE);
    }
}

/* Handles one complete handshake message in c->small (or the stream header). */
static void hs_step(node *n, conn *c, const uint8_t *msg, size_t len)
{
    if (c->state == CS_HEADER) {
        int rc = proto_stream_rx_init(&c->st, c->rx_key, msg);
        sodium_memzero(c->rx_key, sizeof(c->rx_key));
        if (rc < 0) {
            conn_violation(n, c, rc);
            return;
        }
        conn_opened(n, c);
        return;
    }
    int rc = proto_hs_read(&c->hs, msg, len);
    if (rc < 0) {
        conn_refuse(n, c, rc);
        return;
    }
    if (c->hs.role == PROTO_HS_RESPONDER && c->hs.step == 3) {
        /* The initiator named itself in M3: only members get M4. */
        const proto_member *m = proto_roster_find(&n->s->roster, c->hs.peer);
        if (m == NULL || memcmp(c->hs.peer, n->self.key, PROTO_KEY_BYTES) == 0) {
            memcpy(c->key, c->hs.peer, PROTO_KEY_BYTES); /* the CLOSE names the key refused */
            c->have_key = true;
            conn_refuse(n, c, RN_EROSTER);
            return;
        }
    }
    if (!proto_hs_done(&c->hs) && proto_hs_want(&c->hs) == 0) {
        uint8_t out[PROTO_HS_MSG_MAX];
        size_t olen;
        rc = proto_hs_write(&c->hs, out, sizeof(out), &olen);
        RN_ASSERT(rc == 0);
        send_raw(n, c, out, olen);
    }
    if (proto_hs_done(&c->hs))
        hs_finished(n, c);
}

/* ---- Messages from peers ---- */

/* Tokens of the peer's bucket after refilling them to now. */
static void bucket_refill(node *n, conn *c)
{
    int64_t cap = (int64_t)n->lim.entries_per_s * 1000;
    uint64_t dt = n->now - c->tokens_ms;
    c->tokens_ms = n->now;
    if (dt > RN_TIMER_MS_MAX)
        dt = RN_TIMER_MS_MAX; /* refills the largest deficit without overflowing */
    c->tokens_m += (int64_t)dt * (int64_t)n->lim.entries_per_s;
    if (c->tokens_m > cap)
        c->tokens_m = cap;
}

static bool rate_limited(const conn *c)
{
    return c->tokens_m <= 0;
}

/* Does the entry at seq `seq` of author a that we hold have id `id`? (true if unknown) */
static bool held_id_equals(node *n, store_read *r, bool *r_open, size_t a, uint64_t seq,
                           const uint8_t *id)
{
    author *au = &n->authors[a];
    if (seq == au->head)
        return memcmp(au->head_id, id, PROTO_ID_BYTES) == 0;
    if (!*r_open) {
        if (raw_read_begin(n, r) != 0)
            return true;
        *r_open = true;
    }
    proto_str e;
    uint8_t held[PROTO_ID_BYTES];
    if (store_entry_get(r, au->key, seq, &e) != 0)
        return true;
    proto_entry_id(e.ptr, e.len, held);
    return memcmp(held, id, PROTO_ID_BYTES) == 0;
}

/* The peer holds author a up to seq. */
static void peer_shows(node *n, conn *c, size_t a, uint64_t seq)
{
    author *au = &n->authors[a];
    if (seq > c->shown[a])
        c->shown[a] = seq;
    if (seq > c->have_sent[a])
        c->have_sent[a] = seq; /* no need to tell it */
    if (seq <= au->head)
        return;
    au->dirty = true;
    if (au->eager_src < 0 && eager_ok(n, c, a))
        eager_set(n, a, slot_of(n, c)); /* the first peer that shows more */
}

static int on_heads(node *n, conn *c, const proto_msg *m)
{
    store_read r;
    bool r_open = false;
    for (uint32_t i = 0; i < m->n && c->state == CS_OPEN; i++) {
        int a = author_find(n, m->heads[i].author);
        if (a < 0)
            continue; /* an author our roster does not know: not ours to fetch */
        author *au = &n->authors[a];
        uint64_t seq = m->heads[i].seq;
        /* HEADS replaces what we knew of the peer, unless entries we sent it are still
         * unacknowledged: then this HEADS may have left before they arrived (a push crossing
         * an anti-entropy round), and lowering `known` would turn every later push to the peer
         * into a HAVE until its next HEADS. An ACK follows the entries it covers, so once
         * nothing is unacknowledged the peer's HEADS reflects all we sent. */
        if (seq >= c->known[a] || c->tx_unacked == 0)
            c->known[a] = seq;
        peer_shows(n, c, (size_t)a, seq);
        if (c->state != CS_OPEN)
            break;
        if (seq <= au->head && !au->forked && !(c->flags[a] & PF_DIVERGED) && au->want_slot < 0 &&
            !held_id_equals(n, &r, &r_open, (size_t)a, seq, m->heads[i].id))
            send_want(n, c, (size_t)a, seq, 1, true); /* another entry at a seq we hold */
    }
    if (r_open)
        store_read_end(&r);
    return 0;
}

/* ---- The serve budget (PROTOCOL.md 11.6) ---- */

/* Starts a new serve interval for c when the last one is over. */
static void serve_window_roll(node *n, conn *c)
{
    if (n->now < c->serve_window_ms + RN_SERVE_INTERVAL_MS)
        return;
    c->serve_window_ms = n->now;
    c->serve_repeats = 0;
    c->serve_repeat_bytes = 0;
    c->serve_pause_counted = false;
}

static bool serve_over(const conn *c)
{
    return c->serve_repeats > RN_SERVE_REPEATS_MAX ||
           c->serve_repeat_bytes >= RN_SERVE_REPEAT_BYTES_MAX;
}

/* Is c past its serve budget for this interval? (Its WANTs then wait.) */
static bool serve_paused(node *n, conn *c)
{
    serve_window_roll(n, c);
    if (!serve_over(c))
        return false;
    if (!c->serve_pause_counted) {
        c->serve_pause_counted = true;
        n->ctr.serve_paused++;
    }
    return true;
}

/* A WANT [a, seq, ...] from c: a repeat when it goes back over entries of a that we already
 * sent c in answer to its WANTs on this connection. What it asks beyond them is a first pass. */
static void want_budget(node *n, conn *c, size_t a, uint64_t seq)
{
    serve_window_roll(n, c);
    if (seq <= c->served_to[a] && c->serve_repeats < UINT32_MAX)
        c->serve_repeats++;
}

/* serve() sent c the k entries of a from `from` on (their lengths in len): those at or below
 * what c already had from us are served again and charged to the interval; the others are new
 * to c on this connection, not charged, and move served_to on. */
static void serve_charge(conn *c, size_t a, uint64_t from, size_t k, const uint32_t *len)
{
    uint64_t last = from + k - 1;
    for (size_t i = 0; i < k && from + i <= c->served_to[a]; i++)
        c->serve_repeat_bytes += len[i];
    if (last > c->served_to[a])
        c->served_to[a] = last;
}

static int on_want(node *n, conn *c, const proto_msg *m)
{
    int a = author_find(n, m->author);
    if (a < 0 || m->seq > n->authors[a].head)
        return 0; /* nothing to give; its HEADS will tell it */
    want_budget(n, c, (size_t)a, m->seq);
    if (!(c->flags[a] & PF_IN_WQ)) {
        RN_ASSERT(c->wq_n < n->authors_n);
        c->wq[(c->wq_head + c->wq_n) % n->authors_n] = (uint16_t)a;
        c->wq_n++;
        c->flags[a] |= PF_IN_WQ;
    }
    /* One pending WANT per author: a new one replaces the old, keeping its place in line. */
    c->wq_from[a] = m->seq;
    c->wq_left[a] = m->count;
    return 0;
}

/*
 * The entries of run m stamped no more than RN_CLOCK_FUTURE_MS_MAX ahead of our clock: m itself,
 * or its prefix in *cut (NULL when even its first is ahead). Entries from further ahead are not
 * ingested yet, and not held against the peer (PROTOCOL.md 11.4): the WANT for them goes stale
 * and is asked again, once an anti-entropy period, until our clock reaches them. An author's
 * timestamps never decrease, so a run whose last entry is in time is in time throughout (a run
 * where they decrease is the store's to refuse).
 */
static const proto_msg *run_in_time(node *n, const proto_msg *m, proto_msg *cut)
{
    uint64_t bound = n->now + RN_CLOCK_FUTURE_MS_MAX;
    proto_entry e;
    const proto_str *last = &m->entries[m->n - 1];
    /* The outline tells the timestamp without walking the body, and refuses only entries the
     * strict decoder refuses too (proto/entry.h); the strict decoder decides when the outline
     * says the entry is ahead, as its body may still make it one for the store to refuse. */
    if (proto_entry_decode_outline(&e, last->ptr, last->len) != 0 || e.timestamp_ms <= bound ||
        proto_entry_decode(&e, last->ptr, last->len, NULL) != 0)
        return m; /* in time, or for the store to refuse */
    uint32_t k = 0;
    while (k < m->n && (proto_entry_decode(&e, m->entries[k].ptr, m->entries[k].len, NULL) != 0 ||
                        e.timestamp_ms <= bound))
        k++;
    n->ctr.entries_future += m->n - k;
    if (k == 0)
        return NULL;
    *cut = *m;
    cut->n = k;
    return cut;
}

/* ---- Damaged entries (store.h, "Integrity") ---- */

/* Asks one peer that holds it for the entry the replica last found damaged (a WANT of that one
 * entry), at most once per stall_ms until a good copy is back (repair_from_run). */
static void repair_want(node *n)
{
    const store *s = n->s;
    if (s->damaged_seq == 0 || n->now < n->repair_ms)
        return;
    n->repair_ms = n->now + n->lim.stall_ms; /* whether or not a peer has it now */
    int a = author_find(n, s->damaged_author);
    if (a < 0)
        return;
    size_t first = (size_t)(rng_next(n) % n->conns_n); /* spread the asks over the peers */
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[(first + i) % n->conns_n];
        if (c->state != CS_OPEN || (c->flags[a] & PF_DIVERGED) || c->known[a] < s->damaged_seq)
            continue;
        mp_buf_reset(&n->mb);
        proto_msg_want(&n->mb, n->authors[a].key, s->damaged_seq, 1);
        send_msg(n, c);
        n->ctr.wants_out++;
        return;
    }
}

static int on_entries(node *n, conn *c, const proto_msg *m)
{
    int slot = slot_of(n, c);
    uint64_t bytes = 0;
    for (uint32_t i = 0; i < m->n; i++)
        bytes += m->entries[i].len;
    c->rx_unacked += bytes;
    if (c->rx_unacked > NODE_RX_UNACKED_MAX)
        return RN_ETOOBIG; /* more in flight than any budget allows */
    bucket_refill(n, c);
    c->tokens_m -= (int64_t)m->n * 1000;
    n->ctr.entries_in += m->n;
    proto_msg in_time;
    m = run_in_time(n, m, &in_time);
    if (m == NULL)
        return 0;

    /* The first entry's outline names the author and the seqs; store_ingest walks the bodies.
     * An entry the strict decoder refuses is refused with its error as before ingest was
     * reached: the outline refuses only what the strict decoder refuses too (proto/entry.h), and
     * the strict decoder is asked where the outline could have let such an entry through (an
     * unknown author, a seq out of range, ingest refusing the run at its first entry). */
    proto_entry e0;
    const proto_str *raw0 = &m->entries[0];
    if (proto_entry_decode_outline(&e0, raw0->ptr, raw0->len) != 0)
        RN_TRY(proto_entry_decode(&e0, raw0->ptr, raw0->len, NULL));
    int a = author_find(n, e0.author);
    if (a < 0)
        RN_TRY(proto_entry_decode(&e0, raw0->ptr, raw0->len, NULL));
    if (a < 0 && n->gov != NULL)
        return 0; /* perhaps a member a change we have not applied yet adds (PROTOCOL.md 11.11) */
    if (a < 0) {
        const proto_member *m0 = proto_roster_find(&n->s->roster, e0.author);
        return m0 != NULL ? RN_EROLE : RN_EROSTER;
    }
    author *au = &n->authors[a];
    uint64_t first = e0.seq, last = e0.seq + m->n - 1, old = au->head;
    if (last > RN_SEQ_MAX) {
        RN_TRY(proto_entry_decode(&e0, raw0->ptr, raw0->len, NULL));
        return RN_ESEQ;
    }

    store_ingest_result res;
    rn_diag d = { 0 };
    /* A held entry found damaged is put back from the run's copy by ingest itself. */
    int rc = store_ingest(n->s, m->entries, m->n, &res, &d);
    if (rc < 0 && res.accepted == 0)
        RN_TRY(proto_entry_decode(&e0, raw0->ptr, raw0->len, NULL)); /* nothing happened yet */
    n->last_ingest_ms = n->now;
    if (res.accepted > 0) {
        RN_ASSERT(res.head_seq == old + res.accepted && res.head_seq >= first);
        head_advance(n, (size_t)a, &res);
        n->ctr.entries_new += res.accepted;
        for (uint32_t i = 0; i < res.accepted; i++)
            n->ctr.entry_bytes_new += m->entries[old + 1 - first + i].len;
        push_new(n, (size_t)a, m->entries + (old + 1 - first), res.accepted, slot);
        for (uint32_t i = 0; n->gov != NULL && i < res.accepted; i++)
            gov_note(n, m->entries[old + 1 - first + i].ptr, m->entries[old + 1 - first + i].len);
    }
    n->ctr.entries_dup += res.duplicates;
    if (rc == RN_ESUPERSEDED) {
        /* Past the author's cut-off (PROTOCOL.md 11.11): a peer that took them in before it knew
         * the cut is not at fault. Nothing past our head is asked for again. */
        au->cut = au->head;
        au->dirty = true;
        if (au->want_slot == slot)
            au->want_slot = -1;
        return 0;
    }
    if (res.forked)
        fork_detected(n, (size_t)a, -1);
    if (c->state != CS_OPEN)
        return 0;
    au->dirty = true;
    /* Entries of this author from the peer our WANT went to: it is being answered. A WANT
     * whose author makes no progress for anti_entropy_ms goes stale (plan), even while the
     * peer sends other authors' entries: a peer that dropped it, or a connection whose other
     * direction no longer gets through, must not hold the author back. */
    if (local_error(rc))
        n->local_fail_ms = n->now;
    if (au->want_slot == slot) /* a divergent run answers nothing of our log: it ends the WANT */
        want_answered(n, c, (size_t)a, last, res.accepted, res.diverged ? RN_EPREV : rc);

    if (res.diverged) {
        /* Authentic, but its entry at our head + 1 names another entry at our head as its prev:
         * the peer's log forks from ours (store.h, store_ingest_result). */
        if (au->forked) {
            c->flags[a] |= PF_DIVERGED; /* the other branch: nothing more to learn from it */
        } else if (au->want_slot < 0) {
            send_want(n, c, (size_t)a, au->head, 1, true); /* its entry at our head: evidence */
        }
        return 0;
    }
    if (rc == 0 || rc == RN_EGAP) {
        /* RN_EGAP: a push ahead of what we hold; the plan fetches from head + 1. */
        if (c->known[a] < last)
            c->known[a] = last;
        if (c->shown[a] < last)
            c->shown[a] = last; /* it sent them: it holds them */
        if (au->fork_buf != NULL)
            fork_retry(n, (size_t)a);
        return 0;
    }
    if (local_error(rc))
        return 0; /* our disk, not the peer: anti-entropy tries again */
    return rc;
}

static int on_have(node *n, conn *c, const proto_msg *m)
{
    int a = author_find(n, m->author);
    if (a < 0)
        return 0;
    if (c->known[a] < m->seq)
        c->known[a] = m->seq;
    peer_shows(n, c, (size_t)a, m->seq);
    return 0;
}

static int on_eager(node *n, conn *c, const proto_msg *m)
{
    int a = author_find(n, m->author);
    if (a < 0)
        return 0;
    if (m->on)
        c->flags[a] |= PF_EAGER_OUT;
    else
        c->flags[a] &= (uint8_t)~PF_EAGER_OUT;
    return 0;
}

static int on_fork(node *n, conn *c, const proto_msg *m)
{
    proto_entry ea, eb;
    uint8_t ida[PROTO_ID_BYTES], idb[PROTO_ID_BYTES];
    if (m->n != 2)
        return RN_ECOUNT;
    RN_TRY(proto_entry_decode(&ea, m->entries[0].ptr, m->entries[0].len, NULL));
    RN_TRY(proto_entry_decode(&eb, m->entries[1].ptr, m->entries[1].len, NULL));
    if (memcmp(ea.author, eb.author, PROTO_KEY_BYTES) != 0)
        return RN_EAUTHOR;
    if (ea.seq != eb.seq)
        return RN_ESEQ;
    proto_entry_id(ea.bytes, ea.len, ida);
    proto_entry_id(eb.bytes, eb.len, idb);
    if (memcmp(ida, idb, PROTO_ID_BYTES) == 0)
        return RN_EPROOF; /* one entry twice proves nothing */
    int a = author_find(n, ea.author);
    if (a < 0)
        return RN_EROSTER;
    RN_TRY(proto_entry_verify(&ea));
    RN_TRY(proto_entry_verify(&eb));
    c->flags[a] |= PF_FORK_SENT;
    if (n->authors[a].forked)
        return 0;
    return fork_ingest(n, (size_t)a, m->entries[0], m->entries[1], slot_of(n, c));
}

static int on_ack(node *n, conn *c, const proto_msg *m)
{
    if (m->count > c->tx_unacked)
        return RN_EINVAL; /* acknowledges bytes we never sent */
    c->tx_unacked -= m->count;
    /* Every entry we sent has been taken in: what we pushed or served is now shown. */
    for (size_t a = 0; c->tx_unacked == 0 && a < n->authors_n; a++)
        if (c->shown[a] < c->known[a])
            c->shown[a] = c->known[a];
    return 0;
}

static int on_ping(node *n, conn *c, const proto_msg *m)
{
    send_ping(n, c, PROTO_MSG_PONG, m->count);
    return 0;
}

static int on_pong(node *n, conn *c, const proto_msg *m)
{
    (void)n;
    if (c->ping_out && m->count == c->ping_nonce)
        c->ping_out = false;
    return 0;
}

/* ---- Checkpoints and witnesses (PROTOCOL.md 11.12) ----
 *
 * Every cfg.checkpoint_ms the node signs a checkpoint of the heads it holds (authors not known
 * to have forked) and sends it to every peer, and to each new peer when the connection opens.
 * A peer that receives one runs the witness rule (proto_witness_decide) against its replica and,
 * when it may, records the heads it cosigns in the replica (durably) and only then answers with
 * COSIGN; the signer adds the cosignature to its checkpoint and stores it. A witness that lacks
 * an entry the checkpoint names asks for it as replication would (the heads count as shown by
 * the peer) and decides on the next checkpoint; one that holds another entry at a head's seq
 * refuses, keeps the checkpoint as evidence, and probes for the other entry so that the fork is
 * recorded. The node keeps its STORE_CHECKPOINTS_OWN_MAX newest checkpoints: the newest may not
 * have its cosignatures yet while an older one has. */

/* The view of the witness rule: our replica, opened once per decision. */
typedef struct witness_ctx {
    node *n;
    store_read r;
    bool r_open;
} witness_ctx;

static int wv_entry_id(void *ctx, const uint8_t key[PROTO_KEY_BYTES], uint64_t seq,
                       uint8_t id[PROTO_ID_BYTES])
{
    witness_ctx *w = ctx;
    node *n = w->n;
    int a = author_find(n, key);
    if (a < 0 || seq > n->authors[a].head)
        return RN_ENOTFOUND;
    if (seq == n->authors[a].head) {
        memcpy(id, n->authors[a].head_id, PROTO_ID_BYTES);
        return 0;
    }
    if (!w->r_open) {
        RN_TRY(raw_read_begin(n, &w->r));
        w->r_open = true;
    }
    proto_str e;
    int rc = store_entry_get(&w->r, key, seq, &e);
    if (rc < 0)
        return rc == RN_ECORRUPT ? RN_ENOTFOUND : rc; /* a damaged entry: fetched again first */
    proto_entry_id(e.ptr, e.len, id);
    return 0;
}

static bool wv_forked(void *ctx, const uint8_t key[PROTO_KEY_BYTES])
{
    witness_ctx *w = ctx;
    int a = author_find(w->n, key);
    return a >= 0 && (w->n->authors[a].forked || w->n->authors[a].badsig);
}

static uint64_t wv_last_cosigned(void *ctx, const uint8_t key[PROTO_KEY_BYTES])
{
    witness_ctx *w = ctx;
    int a = author_find(w->n, key);
    return a >= 0 ? w->n->cosigned[a].seq : 0;
}

/* Our own checkpoint in slot i, decoded into n->cp (heads borrow its bytes). */
static int own_decode(node *n, size_t i)
{
    own_checkpoint *o = &n->own[i];
    RN_ASSERT(o->bytes != NULL);
    return proto_checkpoint_decode(n->cp, o->bytes, o->len, NULL);
}

/* Replaces the bytes of slot i with n->cp encoded, and stores them. */
static int own_store(node *n, size_t i)
{
    own_checkpoint *o = &n->own[i];
    mp_buf_reset(&n->cb);
    RN_TRY(proto_checkpoint_encode(n->cp, &n->cb, NULL));
    RN_TRY(mp_buf_err(&n->cb));
    uint8_t *p = malloc(n->cb.len);
    if (p == NULL)
        return RN_ENOMEM;
    memcpy(p, n->cb.data, n->cb.len);
    free(o->bytes);
    o->bytes = p;
    o->len = n->cb.len;
    memcpy(o->hash, n->cp->hash, PROTO_ID_BYTES);
    o->time_ms = n->cp->time_ms;
    o->cosigs = n->cp->cosigs_n;
    return store_checkpoint_own_put(n->s, (uint32_t)i, o->bytes, o->len);
}

static void send_checkpoint(node *n, conn *c, size_t i)
{
    const own_checkpoint *o = &n->own[i];
    mp_buf_reset(&n->mb);
    proto_msg_checkpoint(&n->mb, o->bytes, o->len);
    send_msg(n, c);
}

/* The slot of our newest checkpoint, or -1. */
static int own_newest(const node *n)
{
    int best = -1;
    for (size_t i = 0; i < STORE_CHECKPOINTS_OWN_MAX; i++)
        if (n->own[i].bytes != NULL && (best < 0 || n->own[i].time_ms > n->own[best].time_ms))
            best = (int)i;
    return best;
}

/* Signs a checkpoint of our heads, keeps it in place of the oldest, and sends it to every peer. */
static void checkpoint_make(node *n)
{
    proto_checkpoint *cp = n->cp;
    n->ckpt_at = n->now + n->ckpt_ms;
    memset(cp, 0, sizeof(*cp));
    memcpy(cp->signer, n->self.key, PROTO_KEY_BYTES);
    cp->time_ms = n->now;
    const proto_authors *at = store_authors(n->s);
    cp->roster_version = at != NULL ? at->version : 1u; /* the governed roster's, 1 without one */
    for (size_t a = 0; a < n->authors_n && cp->heads_n < RN_CHECKPOINT_HEADS_MAX; a++) {
        const author *au = &n->authors[a];
        if (au->head == 0 || au->forked || au->badsig)
            continue;
        cp->heads[cp->heads_n++] = (proto_cp_head){ au->key, au->head, au->head_id };
    }
    if (cp->heads_n == 0)
        return; /* nothing held yet: nothing to state */
    int newest = own_newest(n);
    if (newest >= 0 && n->own[newest].time_ms >= n->now)
        return; /* the clock did not move: the newest says the same */
    size_t slot = 0;
    for (size_t i = 0; i < STORE_CHECKPOINTS_OWN_MAX; i++) {
        if (n->own[i].bytes == NULL) {
            slot = i;
            break;
        }
        if (n->own[i].time_ms < n->own[slot].time_ms)
            slot = i;
    }
    if (proto_checkpoint_sign(cp, n->sk, NULL) != 0)
        return;
    if (own_store(n, slot) < 0) {
        n->local_fail_ms = n->now;
        return; /* not durable: not sent either; the next interval tries again */
    }
    n->ctr.checkpoints_signed++;
    for (size_t i = 0; i < n->conns_n; i++)
        if (n->conns[i].state == CS_OPEN)
            send_checkpoint(n, &n->conns[i], slot);
}

/* A head of the checkpoint in n->msg.cp that we hold with another id: keep the evidence, probe
 * the peer for its entry (the fork is then recorded as any other), and never cosign it. */
static void witness_refuse(node *n, conn *c, const proto_checkpoint *cp, size_t h)
{
    const proto_cp_head *hd = &cp->heads[h];
    int a = author_find(n, hd->author);
    node_witness_evidence *ev = &n->evidence[n->evidence_n % NODE_EVIDENCE_KEEP];
    memset(ev, 0, sizeof(*ev));
    ev->number = ++n->evidence_n;
    ev->time_ms = n->now;
    memcpy(ev->signer, cp->signer, PROTO_KEY_BYTES);
    memcpy(ev->author, hd->author, PROTO_KEY_BYTES);
    ev->seq = hd->seq;
    memcpy(ev->shown, hd->id, PROTO_ID_BYTES);
    witness_ctx w = { .n = n };
    if (wv_entry_id(&w, hd->author, hd->seq, ev->held) < 0)
        memset(ev->held, 0, PROTO_ID_BYTES);
    if (w.r_open)
        store_read_end(&w.r);
    n->ctr.witness_refusals++;
    if (store_witness_evidence_put(n->s, ev->number, n->msg.checkpoint.ptr, n->msg.checkpoint.len) <
        0)
        n->local_fail_ms = n->now;
    if (a >= 0 && !n->authors[a].forked && n->authors[a].want_slot < 0 &&
        !(c->flags[a] & PF_DIVERGED))
        send_want(n, c, (size_t)a, hd->seq, 1, true);
}

static int on_checkpoint(node *n, conn *c, const proto_msg *m)
{
    const proto_checkpoint *cp = &m->cp;
    if (memcmp(cp->signer, c->key, PROTO_KEY_BYTES) != 0)
        return 0; /* checkpoints are not relayed: only the signer's own counts here */
    n->ctr.checkpoints_in++;
    witness_ctx w = { .n = n };
    proto_witness_view v = {
        .ctx = &w,
        .entry_id = wv_entry_id,
        .forked = wv_forked,
        .last_cosigned = wv_last_cosigned,
        .roster = &n->s->roster,
        .self = n->self.key,
        .now_ms = n->now,
    };
    rn_diag d = { 0 };
    int rc = proto_witness_decide(&v, cp, &d);
    if (w.r_open)
        store_read_end(&w.r);
    if (rc == RN_ESIG)
        return RN_ESIG; /* a member's node that signs badly, or a forgery: not a peer to keep */
    if (rc == RN_EFORK && d.field != NULL && strcmp(d.field, "checkpoint.heads.id") == 0 &&
        d.index >= 1 && d.index <= cp->heads_n) {
        witness_refuse(n, c, cp, d.index - 1u);
        return 0;
    }
    if (rc == RN_EGAP) {
        /* Heads we lack: the signer holds them; replication fetches, and the next checkpoint is
         * decided on then. */
        for (uint32_t i = 0; i < cp->heads_n && c->state == CS_OPEN; i++) {
            int a = author_find(n, cp->heads[i].author);
            if (a >= 0 && cp->heads[i].seq > n->authors[a].head) {
                if (c->known[a] < cp->heads[i].seq)
                    c->known[a] = cp->heads[i].seq;
                peer_shows(n, c, (size_t)a, cp->heads[i].seq);
            }
        }
        n->ctr.witness_deferred++;
        return 0;
    }
    if (rc < 0) {
        n->ctr.witness_declined++; /* skewed clock, a forked author, a head below our last */
        return 0;
    }
    /* Cosign: first make what we cosign durable, so that no restart forgets it. */
    store_witness_head *hs = n->wscratch;
    size_t k = 0;
    for (uint32_t i = 0; i < cp->heads_n; i++) {
        int a = author_find(n, cp->heads[i].author);
        RN_ASSERT(a >= 0); /* the rule found the entry: the author is ours */
        if (n->cosigned[a].seq >= cp->heads[i].seq)
            continue;
        memcpy(hs[k].author, cp->heads[i].author, PROTO_KEY_BYTES);
        hs[k].seq = cp->heads[i].seq;
        memcpy(hs[k].id, cp->heads[i].id, PROTO_ID_BYTES);
        k++;
    }
    if (k > 0 && store_witness_heads_put(n->s, hs, k) < 0) {
        n->local_fail_ms = n->now;
        return 0; /* not durable: no cosignature */
    }
    for (size_t i = 0; i < k; i++) {
        int a = author_find(n, hs[i].author);
        n->cosigned[a] = hs[i];
    }
    proto_cosig cs;
    proto_cosig_make(cp->hash, n->now, n->sk, &cs);
    mp_buf_reset(&n->mb);
    proto_msg_cosign(&n->mb, cp->hash, &cs);
    send_msg(n, c);
    n->ctr.cosigs_out++;
    return 0;
}

static int on_cosign(node *n, conn *c, const proto_msg *m)
{
    if (memcmp(m->witness, c->key, PROTO_KEY_BYTES) != 0)
        return RN_EAUTHOR; /* a witness sends its own cosignature */
    int slot = -1;
    for (size_t i = 0; i < STORE_CHECKPOINTS_OWN_MAX && slot < 0; i++)
        if (n->own[i].bytes != NULL && memcmp(n->own[i].hash, m->hash, PROTO_ID_BYTES) == 0)
            slot = (int)i;
    if (slot < 0)
        return 0; /* for a checkpoint we no longer keep */
    proto_cosig cs;
    memcpy(cs.witness, m->witness, PROTO_KEY_BYTES);
    cs.time_ms = m->time_ms;
    memcpy(cs.sig, m->sig, PROTO_SIG_BYTES);
    RN_TRY(proto_cosig_verify(m->hash, &cs));
    if (own_decode(n, (size_t)slot) != 0)
        return 0;
    int rc = proto_checkpoint_cosig_add(n->cp, &cs, &n->s->roster);
    if (rc == RN_ESIG || rc == RN_EROSTER)
        return rc;
    if (rc < 0)
        return 0; /* full (64 witnesses): enough */
    if (own_store(n, (size_t)slot) < 0)
        n->local_fail_ms = n->now;
    n->ctr.cosigs_in++;
    return 0;
}

/* Loads what the replica holds of our witness state (node_new). */
/* The heads we cosigned, per author of n->authors (authors_load calls it for every new table,
 * so that a roster change never forgets what we cosigned). */
static int cosigned_load(node *n)
{
    size_t k = 0;
    store_witness_head *c = calloc(n->authors_n > 0 ? n->authors_n : 1, sizeof(*c));
    if (c == NULL)
        return RN_ENOMEM;
    free(n->cosigned);
    n->cosigned = c;
    RN_TRY(store_witness_heads_load(n->s, n->wscratch, RN_CHECKPOINT_HEADS_MAX, &k));
    for (size_t i = 0; i < k; i++) {
        int a = author_find(n, n->wscratch[i].author);
        if (a >= 0)
            n->cosigned[a] = n->wscratch[i];
    }
    return 0;
}

/* Our own checkpoints from the replica, those signed with our present key. */
static int own_checkpoints_load(node *n)
{
    int rc = 0;
    uint8_t *buf = malloc(RN_CHECKPOINT_BYTES_MAX);
    if (buf == NULL)
        return RN_ENOMEM;
    for (uint32_t i = 0; i < STORE_CHECKPOINTS_OWN_MAX; i++) {
        size_t len = 0;
        rc = store_checkpoint_own_get(n->s, i, buf, RN_CHECKPOINT_BYTES_MAX, &len);
        if (rc == RN_ENOTFOUND || rc == RN_ETOOBIG) {
            rc = 0;
            continue;
        }
        if (rc < 0)
            break;
        if (proto_checkpoint_decode(n->cp, buf, len, NULL) != 0 ||
            memcmp(n->cp->signer, n->self.key, PROTO_KEY_BYTES) != 0)
            continue; /* another key's (the node's key was replaced): not ours to extend */
        own_checkpoint *o = &n->own[i];
        o->bytes = malloc(len);
        if (o->bytes == NULL) {
            rc = RN_ENOMEM;
            break;
        }
        memcpy(o->bytes, buf, len);
        o->len = len;
        memcpy(o->hash, n->cp->hash, PROTO_ID_BYTES);
        o->time_ms = n->cp->time_ms;
        o->cosigs = n->cp->cosigs_n;
    }
    free(buf);
    return rc;
}

size_t node_checkpoints(const node *n, proto_str *out, size_t cap)
{
    size_t k = 0;
    bool taken[STORE_CHECKPOINTS_OWN_MAX] = { false };
    while (k < cap) {
        int best = -1;
        for (size_t i = 0; i < STORE_CHECKPOINTS_OWN_MAX; i++)
            if (n->own[i].bytes != NULL && !taken[i] &&
                (best < 0 || n->own[i].time_ms > n->own[best].time_ms))
                best = (int)i;
        if (best < 0)
            break;
        taken[best] = true;
        out[k++] = (proto_str){ n->own[best].bytes, (uint32_t)n->own[best].len };
    }
    return k;
}

size_t node_witness_evidence_get(const node *n, const node_witness_evidence **out)
{
    *out = n->evidence;
    return n->evidence_n < NODE_EVIDENCE_KEEP ? (size_t)n->evidence_n : NODE_EVIDENCE_KEEP;
}

uint64_t node_witness_evidence_count(const node *n)
{
    return n->evidence_n;
}

int node_answer_sign(const node *n, const uint8_t *answer, size_t len, uint64_t time_ms, mp_buf *b)
{
    return proto_answer_sign(answer, len, time_ms, n->sk, b);
}

typedef int (*msg_handler)(node *n, conn *c, const proto_msg *m);

/* What a node does with each message (PROTOCOL.md section 11). */
static const msg_handler msg_handlers[] = {
    [PROTO_MSG_HEADS] = on_heads,     [PROTO_MSG_WANT] = on_want,
    [PROTO_MSG_ENTRIES] = on_entries, [PROTO_MSG_HAVE] = on_have,
    [PROTO_MSG_EAGER] = on_eager,     [PROTO_MSG_FORK] = on_fork,
    [PROTO_MSG_ACK] = on_ack,         [PROTO_MSG_PING] = on_ping,
    [PROTO_MSG_PONG] = on_pong,       [PROTO_MSG_CHECKPOINT] = on_checkpoint,
    [PROTO_MSG_COSIGN] = on_cosign,
};

/* One frame's ciphertext ct[0..len) from c. */
static void frame_in(node *n, conn *c, const uint8_t *ct, size_t len)
{
    size_t plen = 0;
    int rc = proto_frame_open(&c->st, ct, len, n->plain, RN_FRAME_BYTES_MAX, &plen);
    if (rc < 0) {
        conn_violation(n, c, rc);
        return;
    }
    n->ctr.frames_in++;
    c->last_frame_ms = n->now;
    rn_diag d = { 0 };
    rc = proto_msg_decode(&n->msg, n->plain, plen, &d);
    if (rc == 0) {
        size_t t = (size_t)n->msg.type;
        RN_ASSERT(t < sizeof(msg_handlers) / sizeof(msg_handlers[0]) && msg_handlers[t]);
        rc = msg_handlers[t](n, c, &n->msg);
    }
    if (rc < 0)
        conn_violation(n, c, rc);
}

/* Bytes from the peer, in whatever pieces the driver got them. */
static void conn_bytes(node *n, conn *c, const uint8_t *p, size_t len)
{
    while (len > 0 && conn_live(c)) {
        if (c->state != CS_OPEN) {
            size_t need = c->state == CS_HEADER ? PROTO_STREAM_HEADER_BYTES : proto_hs_want(&c->hs);
            if (need == 0) { /* not the peer's turn to talk */
                conn_refuse(n, c, RN_EINVAL);
                return;
            }
            size_t take = min_u64(need - c->small_len, len);
            memcpy(c->small + c->small_len, p, take);
            c->small_len += take;
            p += take;
            len -= take;
            if (c->small_len == need) {
                c->small_len = 0;
                hs_step(n, c, c->small, need);
            }
            continue;
        }
        /* A whole frame in the driver's bytes: no copy. */
        if (c->in_len == 0 && len >= 4) {
            int64_t ct = proto_frame_len(p);
            if (ct < 0) {
                conn_violation(n, c, (int)ct);
                return;
            }
            if (len >= 4 + (size_t)ct) {
                frame_in(n, c, p + 4, (size_t)ct);
                p += 4 + (size_t)ct;
                len -= 4 + (size_t)ct;
                continue;
            }
        }
        if (c->in_len < 4) {
            size_t take = min_u64(4 - c->in_len, len);
            if (c->in == NULL) {
                c->in = malloc(NODE_BUF_MIN_BYTES);
                if (c->in == NULL) {
                    conn_close(n, c, RN_ENOMEM);
                    return;
                }
                c->in_cap = NODE_BUF_MIN_BYTES;
            }
            memcpy(c->in + c->in_len, p, take);
            c->in_len += take;
            p += take;
            len -= take;
            if (c->in_len < 4)
                return;
            int64_t ct = proto_frame_len(c->in);
            if (ct < 0) {
                conn_violation(n, c, (int)ct);
                return;
            }
            c->in_need = 4 + (size_t)ct;
            /* Bounded before buffering: one frame, at most RN_CONN_INBUF_BYTES. */
            static_assert(4u + RN_FRAME_BYTES_MAX + 17u <= RN_CONN_INBUF_BYTES, "a frame fits");
            RN_ASSERT(c->in_need <= RN_CONN_INBUF_BYTES);
            if (c->in_need > c->in_cap) {
                uint8_t *q = realloc(c->in, c->in_need);
                if (q == NULL) {
                    conn_close(n, c, RN_ENOMEM);
                    return;
                }
                c->in = q;
                c->in_cap = c->in_need;
            }
        }
        size_t take = min_u64(c->in_need - c->in_len, len);
        memcpy(c->in + c->in_len, p, take);
        c->in_len += take;
        p += take;
        len -= take;
        if (c->in_len == c->in_need) {
            c->in_len = 0;
            frame_in(n, c, c->in + 4, c->in_need - 4);
        }
    }
    if (c->in != NULL && c->in_len == 0 && c->in_cap > NODE_BUF_KEEP_BYTES) {
        free(c->in);
        c->in = NULL;
        c->in_cap = 0;
    }
}

/* ---- Replication plan, serving, ACKs ---- */

/* Can a peer other than `slot`, in good standing for author a, serve what we lack of it? */
static bool other_can_serve(const node *n, size_t a, int slot)
{
    for (size_t i = 0; i < n->conns_n; i++) {
        const conn *c = &n->conns[i];
        if ((int)i != slot && c->state == CS_OPEN && !(c->flags[a] & PF_DIVERGED) &&
            c->known[a] > n->authors[a].head && !rate_limited(c) && !demoted(n, c, a))
            return true;
    }
    return false;
}

/*
 * Decides what to fetch of author a, and from whom (PROTOCOL.md section 11, "Fetching"):
 * one WANT at a time, to the peer with the highest head (then the author itself, then our eager
 * source, then the lowest slot), except that while our eager source is up and a HAVE shows
 * more, we give the source stall_ms to push it before switching to that peer. A WANT that made
 * no progress (no new entries in sequence from its peer) for anti_entropy_ms is stale: its peer's
 * claim failed and the peer is demoted for a (claim_failed). A peer demoted once is asked only
 * when no other peer can serve (a WANT to it is dropped as soon as another can), one demoted
 * again not at all until its demotion ends; neither is made eager source. The peer of a stale
 * WANT is asked again only if nobody else can.
 */
static void plan(node *n, size_t a)
{
    author *au = &n->authors[a];
    au->dirty = false;
    int avoid = -1; /* the peer a stale WANT went to: asked again only if nobody else can */
    if (au->want_slot >= 0) {
        int w = au->want_slot;
        bool stale = n->now >= au->want_ms + n->lim.anti_entropy_ms;
        if (!au->want_probe && au->head >= au->want_to) {
            au->want_slot = -1;
        } else if (stale) {
            avoid = w; /* nothing came: ask again, elsewhere if we can */
            au->want_slot = -1;
            if (!au->want_probe)
                claim_failed(n, w, a); /* a claimed head not delivered */
        } else if (!au->want_probe && demoted(n, &n->conns[w], a) && other_can_serve(n, a, w)) {
            au->want_slot = -1; /* a last resort, and someone better can serve now */
        } else {
            au->stall_ms = 0; /* a fetch is under way: no source to wait for */
            return;
        }
    }
    if (au->fork_buf != NULL)
        fork_retry(n, a);
    if (au->head >= au->cut) {
        au->stall_ms = 0; /* past its cut-off nothing more is taken in (PROTOCOL.md 11.11) */
        return;
    }
    /* Tiers: 0 in good standing, 1 the peer of a stale WANT, 2 demoted; the lowest tier, then
     * the highest head, then the author, then the eager source. */
    int best = -1, best_tier = 3;
    uint64_t best_seq = au->head;
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (c->state != CS_OPEN || (c->flags[a] & PF_DIVERGED) || c->known[a] <= au->head)
            continue;
        if (rate_limited(c))
            continue;
        if (demoted(n, c, a) && c->fails[a] >= 2)
            continue; /* failed again after its first demotion: not asked until it ends */
        int tier = demoted(n, c, a) ? 2 : (int)i == avoid ? 1 : 0;
        bool better = tier < best_tier || (tier == best_tier && c->known[a] > best_seq);
        if (!better && tier == best_tier && c->known[a] == best_seq) {
            bool is_author = memcmp(c->key, au->key, PROTO_KEY_BYTES) == 0;
            bool best_author = memcmp(n->conns[best].key, au->key, PROTO_KEY_BYTES) == 0;
            better = !best_author && (is_author || (int)i == au->eager_src);
        }
        if (better) {
            best = (int)i;
            best_tier = tier;
            best_seq = c->known[a];
        }
    }
    if (au->eager_src >= 0 && !eager_ok(n, &n->conns[au->eager_src], a))
        eager_fallback(n, a);
    if (best < 0) {
        /* Nobody to fetch from now; a peer over its rate makes every plan run again when its
         * bucket refills (node_tick). */
        au->stall_ms = 0;
        return;
    }
    int src = au->eager_src;
    if (src >= 0 && n->conns[src].known[a] <= au->head) {
        /* Our source has not shown the entries another peer has: wait for its push. */
        if (au->stall_ms == 0) {
            au->stall_ms = n->now + n->lim.stall_ms;
            return;
        }
        if (n->now < au->stall_ms)
            return;
        if (eager_ok(n, &n->conns[best], a))
            eager_set(n, a, best); /* it stalled: take pushes from the peer that has them */
    } else if (src < 0 && eager_ok(n, &n->conns[best], a)) {
        eager_set(n, a, best);
    }
    au->stall_ms = 0;
    if (best_seq > au->cut)
        best_seq = au->cut;
    if (n->conns[best].state == CS_OPEN)
        send_want(n, &n->conns[best], a, au->head + 1, best_seq - au->head, false);
}

/* The entries of one ENTRIES batch being collected into n->eb: where each one's bytes are. */
typedef struct serve_ctx {
    mp_buf *eb;
    uint32_t k;
    uint64_t bytes;
    uint32_t off[RN_BATCH_ENTRIES_MAX]; /* entry i's bytes start at eb->data + off[i] */
    uint32_t len[RN_BATCH_ENTRIES_MAX];
    uint32_t end[RN_BATCH_ENTRIES_MAX]; /* eb->len after entry i */
} serve_ctx;

static int serve_cb(void *ctx, uint64_t seq, const uint8_t *bytes, size_t len)
{
    (void)seq;
    serve_ctx *sc = ctx;
    RN_ASSERT(sc->k < RN_BATCH_ENTRIES_MAX);
    mp_put_bin(sc->eb, bytes, len);
    sc->off[sc->k] = (uint32_t)(sc->eb->len - len);
    sc->len[sc->k] = (uint32_t)len;
    sc->end[sc->k] = (uint32_t)sc->eb->len;
    sc->k++;
    sc->bytes += len;
    return 0;
}

/* Collects entries of `key` from `from` on, at most max_n and max_b bytes, into n->eb and sc.
 * Returns how many. */
static size_t serve_collect(node *n, store_read *r, const uint8_t *key, uint64_t from, size_t max_n,
                            size_t max_b, serve_ctx *sc)
{
    size_t k = 0;
    sc->eb = &n->eb;
    sc->k = 0;
    sc->bytes = 0;
    mp_buf_reset(&n->eb);
    if (store_entries_range(r, key, from, max_n, max_b, serve_cb, sc, &k) != 0)
        return 0;
    RN_ASSERT(mp_buf_err(&n->eb) == 0 && sc->k == k);
    return k;
}

/*
 * Where a run of author a's entries from..from+k-1 (collected in sc) may end: on an anchor, an
 * entry whose own signature the replica vouches for (PROTOCOL.md section 2, "Anchors"). The last
 * anchor in the window if there is one; else the window is verified from its end backwards, past
 * what the background verifier already found unsigned, until an entry verifies (*found_new: the
 * caller records it). Returns the seq, or 0 when no entry of the window can end a run.
 */
static uint64_t serve_cut(node *n, store_read *r, size_t a, uint64_t from, size_t k,
                          const serve_ctx *sc, bool *found_new)
{
    const uint8_t *key = n->authors[a].key;
    uint64_t last = from + k - 1, at = 0;
    store_sigs sg;
    *found_new = false;
    if (store_anchor_last(r, key, from, last, &at) == 0)
        return at;
    if (store_sigs_get(r, key, &sg) != 0)
        return 0;
    for (uint64_t seq = last; seq >= from && seq > sg.checked_seq; seq--) {
        size_t i = (size_t)(seq - from);
        proto_entry e;
        if (proto_entry_decode(&e, n->eb.data + sc->off[i], sc->len[i], NULL) != 0)
            return 0;
        n->ctr.sigs_verified++;
        if (proto_entry_verify(&e) == 0) {
            *found_new = true;
            return seq;
        }
    }
    return 0;
}

/*
 * Sends ENTRIES for c's pending WANTs, in order, while its budget allows. Every run sent ends on
 * an anchor (serve_cut): a batch is cut back to the last one, or, when its window holds none,
 * extended to the next one (never more than RN_BATCH_ENTRIES_MAX entries on: every ingested run
 * ends on one), so a peer never receives a run whose last signature we have not seen verify.
 */
static void serve(node *n, conn *c)
{
    store_read r;
    bool r_open = false;
    serve_ctx *sc = NULL;
    if (serve_paused(n, c))
        return; /* past its budget: its WANTs wait for the next interval (11.6) */
    while (c->state == CS_OPEN && c->wq_n > 0 && c->tx_unacked < n->lim.inflight_bytes &&
           !serve_over(c)) {
        size_t a = c->wq[c->wq_head];
        author *au = &n->authors[a];
        uint64_t from = c->wq_from[a];
        size_t k = 0;
        bool wait = false, found_new = false;
        uint64_t cut = 0;
        if (from <= au->head && c->wq_left[a] > 0) {
            if (sc == NULL && (sc = malloc(sizeof(*sc))) == NULL)
                break;
            if (!r_open && raw_read_begin(n, &r) != 0)
                break;
            r_open = true;
            size_t max_n = (size_t)min_u64(c->wq_left[a], n->lim.batch_entries);
            size_t max_b =
                (size_t)min_u64(RN_BATCH_BYTES_MAX, n->lim.inflight_bytes - c->tx_unacked);
            k = serve_collect(n, &r, au->key, from, max_n, max_b, sc);
            if (k > 0)
                cut = serve_cut(n, &r, a, from, k, sc, &found_new);
            uint64_t next = 0;
            if (k > 0 && cut == 0 &&
                store_anchor_first(&r, au->key, from + k,
                                   min_u64(au->head, from + RN_BATCH_ENTRIES_MAX - 1),
                                   &next) == 0) {
                /* No entry of the window can end a run: send up to the next anchor, if the
                 * bytes in flight allow it now (else wait for an ACK). */
                size_t need = (size_t)(next - from + 1);
                k = serve_collect(n, &r, au->key, from, need, max_b, sc);
                if (k == need)
                    cut = next;
                else
                    wait = c->tx_unacked > 0;
            }
            k = cut >= from ? (size_t)(cut - from + 1) : 0;
        }
        if (wait)
            break;
        if (found_new) {
            /* Record the entry verified above, outside the read (one small commit). */
            store_read_end(&r);
            r_open = false;
            /* Not recorded (our disk): verified when next served, or by the background
             * verifier, which store_anchor_put then wakes. */
            int arc = store_anchor_put(n->s, au->key, cut);
            (void)arc;
        }
        if (k > 0) {
            mp_buf_reset(&n->mb);
            proto_msg_entries_begin(&n->mb, (uint32_t)k);
            mp_buf_raw(&n->mb, n->eb.data, sc->end[k - 1]);
            send_msg(n, c);
            uint64_t bytes = 0;
            for (size_t i = 0; i < k; i++)
                bytes += sc->len[i];
            c->tx_unacked += bytes;
            serve_charge(c, a, from, k, sc->len);
            n->ctr.entries_out += k;
            n->ctr.payload_msgs_out++;
            c->wq_from[a] += k;
            c->wq_left[a] -= min_u64(c->wq_left[a], k);
            if (c->known[a] < c->wq_from[a] - 1)
                c->known[a] = c->wq_from[a] - 1;
        }
        if (k == 0 || c->wq_left[a] == 0 || c->wq_from[a] > au->head) {
            c->flags[a] &= (uint8_t)~PF_IN_WQ;
            c->wq_head = (c->wq_head + 1) % n->authors_n;
            c->wq_n--;
        }
    }
    if (r_open)
        store_read_end(&r);
    free(sc);
}

/* ---- Signatures in the background ---- */

/* When the background verifier may take its next step. */
static uint64_t verify_due(const node *n)
{
    uint64_t idle = n->last_ingest_ms + NODE_INDEX_IDLE_MS;
    return n->verify_at > idle ? n->verify_at : idle;
}

/* Marks the authors the replica has newly flagged STORE_HEAD_BADSIG (counted once each). */
static void badsig_refresh(node *n)
{
    store_read r;
    if (raw_read_begin(n, &r) != 0)
        return;
    for (size_t a = 0; a < n->authors_n; a++) {
        author *au = &n->authors[a];
        store_head h;
        if (au->badsig || store_head_get(&r, au->key, &h) != 0 ||
            (h.flags & STORE_HEAD_BADSIG) == 0)
            continue;
        au->badsig = true;
        n->ctr.badsigs_seen++;
    }
    store_read_end(&r);
}

/* One step of the background verifier (store_verify_step), when ingest is idle. */
static void verify_background(node *n)
{
    store_verify_result vr;
    n->verify_at = n->now + RN_VERIFY_STEP_MS;
    if (store_verify_step(n->s, RN_VERIFY_SIGS_PER_STEP, &vr) < 0)
        return; /* our disk: tried again at the next step */
    n->ctr.sigs_verified += vr.verified;
    if (vr.flagged > 0)
        badsig_refresh(n);
}

/* ---- Entry points ---- */

/* Takes the time and reclaims output the driver has taken (its data was valid until now). */
static void begin(node *n, uint64_t now)
{
    if (now > n->now)
        n->now = now;
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (c->state == CS_FREE || c->out_popped == 0)
            continue;
        memmove(c->out, c->out + c->out_popped, c->out_len - c->out_popped);
        c->out_len -= c->out_popped;
        c->out_popped = 0;
        if (c->out_len == 0 && c->out_cap > NODE_BUF_KEEP_BYTES) {
            free(c->out);
            c->out = NULL;
            c->out_cap = 0;
        }
    }
}

/* Begins or ends a catch-up (node_catchup) as WANTs come and go; counts its entries. */
static void catchup_track(node *n)
{
    node_catchup *cu = &n->cu;
    uint32_t authors = 0;
    int first = -1;
    for (size_t a = 0; a < n->authors_n; a++) {
        const author *au = &n->authors[a];
        if (au->want_slot < 0 || au->want_probe)
            continue;
        authors++;
        if (first < 0)
            first = au->want_slot;
    }
    if (authors > 0 && !cu->active) {
        bool asked[RN_PEERS_MAX] = { false };
        uint32_t peers = 0;
        for (size_t a = 0; a < n->authors_n; a++) {
            int slot = n->authors[a].want_slot;
            if (slot >= 0 && !n->authors[a].want_probe && !asked[slot]) {
                asked[slot] = true;
                peers++;
            }
        }
        uint64_t number = cu->number + 1, entries_total = cu->entries_total,
                 bytes_total = cu->bytes_total;
        memset(cu, 0, sizeof(*cu));
        cu->number = number;
        cu->entries_total = entries_total;
        cu->bytes_total = bytes_total;
        cu->active = true;
        cu->start_ms = n->now;
        cu->expected = node_entries_missing(n);
        cu->authors = authors;
        cu->peers = peers;
        memcpy(cu->peer, n->conns[first].key, PROTO_KEY_BYTES);
        n->cu_base_new = n->ctr.entries_new;
        n->cu_base_bytes = n->ctr.entry_bytes_new;
    }
    if (cu->active) {
        uint64_t entries = n->ctr.entries_new - n->cu_base_new,
                 bytes = n->ctr.entry_bytes_new - n->cu_base_bytes;
        cu->entries_total += entries - cu->entries;
        cu->bytes_total += bytes - cu->bytes;
        cu->entries = entries;
        cu->bytes = bytes;
        if (authors == 0) {
            cu->active = false;
            cu->end_ms = n->now;
        }
    }
}

/* The work an event made due, then one SEND per connection for what was written. */
static void finish(node *n)
{
    if (n->gov != NULL && n->gov->due)
        gov_step(n); /* roster changes first: they may change the authors */
    for (size_t a = 0; a < n->authors_n; a++)
        if (n->all_dirty || n->authors[a].dirty)
            plan(n, a);
    n->all_dirty = false;
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (c->state != CS_OPEN)
            continue;
        serve(n, c);
        if (c->state == CS_OPEN && c->rx_unacked > 0) {
            bucket_refill(n, c);
            if (!rate_limited(c))
                send_ack(n, c); /* a peer over its rate waits for its ACK: that paces it */
        }
    }
    for (size_t i = 0; i < n->conns_n; i++)
        if (conn_live(&n->conns[i]))
            conn_queue_send(n, &n->conns[i]);
    catchup_track(n);
}

static int limits_apply(node_limits *l)
{
#define DEF(field, v)                                                                              \
    if (l->field == 0)                                                                             \
    l->field = (v)
    DEF(peers_max, RN_PEERS_MAX);
    DEF(batch_entries, 1000u);
    DEF(inflight_bytes, RN_INFLIGHT_BYTES_DEFAULT);
    DEF(anti_entropy_ms, 5000u);
    DEF(stall_ms, 1000u);
    DEF(handshake_ms, 5000u);
    DEF(idle_ms, 15000u);
    DEF(backoff_min_ms, 100u);
    DEF(backoff_max_ms, 30000u);
    DEF(entries_per_s, 500000u);
#undef DEF
    if (l->peers_max > RN_PEERS_MAX || l->batch_entries > RN_BATCH_ENTRIES_MAX ||
        l->inflight_bytes < RN_INFLIGHT_BYTES_MIN ||
        l->inflight_bytes > RN_INFLIGHT_BYTES_DEFAULT || l->anti_entropy_ms > RN_TIMER_MS_MAX ||
        l->stall_ms > RN_TIMER_MS_MAX || l->handshake_ms > RN_TIMER_MS_MAX ||
        l->idle_ms > RN_TIMER_MS_MAX || l->backoff_max_ms > RN_TIMER_MS_MAX ||
        l->backoff_min_ms > l->backoff_max_ms || l->entries_per_s > RN_ENTRIES_PER_S_MAX)
        return RN_EINVAL;
    return 0;
}

int node_new(node **out, store *s, const node_config *cfg, uint64_t now_ms)
{
    int rc = 0;
    node *n = calloc(1, sizeof(*n));
    *out = NULL;
    if (n == NULL)
        return RN_ENOMEM;
    n->s = s;
    n->now = now_ms;
    n->lim = cfg->limits;
    n->self_author = -1;
    mp_buf_init(&n->mb, RN_FRAME_BYTES_MAX);
    mp_buf_init(&n->eb, RN_FRAME_BYTES_MAX); /* a batch's bytes and their bin headers */
    mp_buf_init(&n->cb, RN_CHECKPOINT_BYTES_MAX);
    RN_GUARD(rc, limits_apply(&n->lim));
    if (cfg->checkpoint_ms > RN_TIMER_MS_MAX) {
        rc = RN_EINVAL;
        goto out;
    }
    const proto_member *me = proto_roster_find(&s->roster, cfg->sk + 32);
    if (me == NULL || cfg->dial_n > RN_PEERS_MAX) {
        rc = RN_EINVAL;
        goto out;
    }
    n->self = *me;
    memcpy(n->sk, cfg->sk, PROTO_SK_BYTES);
    memcpy(n->netkey, cfg->netkey, PROTO_NETKEY_BYTES);
    rng_seed(n, cfg->rng_seed);

    n->conns = calloc(n->lim.peers_max, sizeof(*n->conns));
    n->plain = malloc(RN_FRAME_BYTES_MAX);
    n->cp = malloc(sizeof(*n->cp));
    n->wscratch = calloc(RN_CHECKPOINT_HEADS_MAX, sizeof(*n->wscratch));
    if (n->conns == NULL || n->plain == NULL || n->cp == NULL || n->wscratch == NULL) {
        rc = RN_ENOMEM;
        goto out;
    }
    n->conns_n = n->lim.peers_max;
    for (size_t i = 0; i < n->conns_n; i++)
        conn_free_slot(&n->conns[i]);

    /* Authors: every key that was an authority (the replica's author table), in key order
     * (HEADS lists them so), with our heads from the replica and the heads we cosigned. */
    static_assert(RN_ROSTER_MEMBERS_MAX <= UINT16_MAX, "want queues hold author indexes");
    RN_GUARD(rc, authors_load(n));
    RN_GUARD(rc, gov_start(n, cfg, now_ms));
    /* Our own checkpoints (PROTOCOL.md 11.12). */
    RN_GUARD(rc, own_checkpoints_load(n));
    n->ckpt_ms = cfg->checkpoint_ms;
    if (n->ckpt_ms > 0)
        n->ckpt_at = now_ms + n->ckpt_ms;

    /* Peers to keep connections to; the first attempts spread over backoff_min_ms. */
    for (size_t i = 0; i < cfg->dial_n; i++) {
        if (memcmp(cfg->dial[i], n->self.key, PROTO_KEY_BYTES) == 0 ||
            dialer_find(n, cfg->dial[i]) >= 0)
            continue;
        dialer *dl = &n->dialers[n->dialers_n++];
        memcpy(dl->key, cfg->dial[i], PROTO_KEY_BYTES);
        dl->state = DS_WAIT;
        dl->backoff_ms = n->lim.backoff_min_ms;
        dl->next_ms = now_ms + rng_next(n) % (n->lim.backoff_min_ms + 1u);
    }
    *out = n;
    n = NULL;
out:
    if (n != NULL)
        node_free(n);
    return rc;
}

void node_free(node *n)
{
    if (n == NULL)
        return;
    for (size_t i = 0; n->conns != NULL && i < n->conns_n; i++) {
        conn_release(n, &n->conns[i]);
        conn_free_slot(&n->conns[i]);
    }
    for (size_t a = 0; n->authors != NULL && a < n->authors_n; a++)
        free(n->authors[a].fork_buf);
    for (size_t i = 0; i < RN_PEERS_MAX; i++) {
        free(n->blame[i].fails);
        free(n->blame[i].demoted_until);
    }
    for (size_t i = 0; i < STORE_CHECKPOINTS_OWN_MAX; i++)
        free(n->own[i].bytes);
    free(n->cp);
    free(n->cosigned);
    free(n->wscratch);
    mp_buf_free(&n->cb);
    free(n->conns);
    free(n->authors);
    free(n->plain);
    gov_free(n->gov);
    mp_buf_free(&n->mb);
    mp_buf_free(&n->eb);
    sodium_memzero(n->sk, sizeof(n->sk));
    sodium_memzero(n->netkey, sizeof(n->netkey));
    free(n);
}

const proto_member *node_self(const node *n)
{
    return &n->self;
}

void node_sign_document(const node *n, const uint8_t msg[64], uint8_t sig[64])
{
    crypto_sign_detached(sig, NULL, msg, 64, n->sk);
}

store *node_store(node *n)
{
    return n->s;
}

uint64_t node_head_time_ms(node *n)
{
    store_read r;
    store_head h;
    uint64_t t = 0;
    if (n->self_author < 0 || raw_read_begin(n, &r) != 0)
        return 0;
    if (store_head_get(&r, n->self.key, &h) == 0)
        t = h.timestamp_ms;
    store_read_end(&r);
    return t;
}

void node_clock_note(node *n, const node_clock *k)
{
    n->clock = *k;
}

const node_clock *node_clock_get(const node *n)
{
    return &n->clock;
}

const node_counters *node_counters_get(const node *n)
{
    return &n->ctr;
}

node_guard_counters *node_guard_counters_get(node *n)
{
    return &n->guard;
}

const node_catchup *node_catchup_get(const node *n)
{
    return &n->cu;
}

uint64_t node_entries_missing(const node *n)
{
    uint64_t missing = 0;
    for (size_t a = 0; a < n->authors_n; a++) {
        uint64_t best = n->authors[a].head;
        for (size_t i = 0; i < n->conns_n; i++) {
            const conn *c = &n->conns[i];
            if (c->state == CS_OPEN && !(c->flags[a] & PF_DIVERGED) && c->known[a] > best &&
                !demoted(n, c, a))
                best = c->known[a]; /* a demoted peer's claim is not counted */
        }
        missing += best - n->authors[a].head;
    }
    return missing;
}

uint64_t node_deadline(const node *n)
{
    uint64_t t = UINT64_MAX;
    const node_limits *l = &n->lim;
    if (n->have_at != 0)
        t = min_u64(t, n->have_at);
    if (n->s->index_pending)
        t = min_u64(t, n->last_ingest_ms + NODE_INDEX_IDLE_MS);
    if (n->s->verify_pending)
        t = min_u64(t, verify_due(n));
    if (n->s->damaged_seq != 0)
        t = min_u64(t, n->repair_ms); /* a damaged entry to fetch again (repair_want) */
    if (n->ckpt_at != 0)
        t = min_u64(t, n->ckpt_at); /* our next checkpoint */
    for (size_t i = 0; i < n->dialers_n; i++)
        if (n->dialers[i].state == DS_WAIT)
            t = min_u64(t, n->dialers[i].next_ms);
    for (size_t i = 0; i < n->conns_n; i++) {
        const conn *c = &n->conns[i];
        if (c->state == CS_HANDSHAKE || c->state == CS_HEADER)
            t = min_u64(t, c->opened_ms + l->handshake_ms);
        if (c->state != CS_OPEN)
            continue;
        t = min_u64(t, c->next_heads_ms);
        t = min_u64(t, c->last_rx_ms + (c->ping_out ? 2ull : 1ull) * l->idle_ms);
        if (rate_limited(c))
            t = min_u64(t, c->tokens_ms + (uint64_t)(-c->tokens_m) / l->entries_per_s + 1u);
        if (c->wq_n > 0 && serve_over(c))
            t = min_u64(t, c->serve_window_ms + RN_SERVE_INTERVAL_MS);
    }
    for (size_t a = 0; a < n->authors_n; a++) {
        const author *au = &n->authors[a];
        if (au->stall_ms != 0)
            t = min_u64(t, au->stall_ms);
        if (au->want_slot >= 0)
            t = min_u64(t, au->want_ms + l->anti_entropy_ms);
    }
    return t;
}

void node_tick(node *n, uint64_t now_ms)
{
    begin(n, now_ms);
    const node_limits *l = &n->lim;
    uint64_t now = n->now;

    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if ((c->state == CS_HANDSHAKE || c->state == CS_HEADER) &&
            now >= c->opened_ms + l->handshake_ms) {
            conn_close(n, c, RN_ETIME); /* too slow to get in */
            continue;
        }
        if (c->state != CS_OPEN)
            continue;
        if (now >= c->last_rx_ms + 2ull * l->idle_ms) {
            conn_close(n, c, RN_ETIME); /* silent through a PING: gone */
            continue;
        }
        if (now >= c->last_rx_ms + l->idle_ms && !c->ping_out) {
            c->ping_out = true;
            c->ping_nonce = rng_next(n);
            send_ping(n, c, PROTO_MSG_PING, c->ping_nonce);
        }
        if (now >= c->next_heads_ms)
            send_heads(n, c);
        if (rate_limited(c)) {
            bucket_refill(n, c);
            if (!rate_limited(c))
                n->all_dirty = true; /* WANTs to it may resume */
        }
    }
    for (size_t a = 0; a < n->authors_n; a++) {
        author *au = &n->authors[a];
        if (au->stall_ms != 0 && now >= au->stall_ms)
            au->dirty = true;
        if (au->want_slot >= 0)
            au->dirty = true; /* plan() checks whether it went stale */
    }
    if (n->have_at != 0 && now >= n->have_at)
        have_flush(n);
    repair_want(n);
    if (n->s->index_pending && now >= n->last_ingest_ms + NODE_INDEX_IDLE_MS)
        if (store_index_flush(n->s) < 0)
            n->last_ingest_ms = now; /* try again after another idle period */
    if (n->s->verify_pending && now >= verify_due(n))
        verify_background(n);
    if (n->ckpt_at != 0 && now >= n->ckpt_at)
        checkpoint_make(n);
    for (size_t i = 0; i < n->dialers_n; i++) {
        dialer *dl = &n->dialers[i];
        if (dl->state != DS_WAIT || now < dl->next_ms)
            continue;
        bool live = false;
        for (size_t j = 0; j < n->conns_n; j++)
            if (conn_live(&n->conns[j]) && n->conns[j].have_key &&
                memcmp(n->conns[j].key, dl->key, PROTO_KEY_BYTES) == 0)
                live = true;
        if (live) { /* it is connecting to us: look again later */
            dl->next_ms = now + dl->backoff_ms;
            continue;
        }
        dl->state = DS_CONNECTING;
        queued_action *qa = action_push(n, NODE_ACT_CONNECT);
        memcpy(qa->a.peer, dl->key, PROTO_KEY_BYTES);
    }
    finish(n);
}

int node_conn_open(node *n, uint32_t id, const uint8_t *peer, const uint8_t eph_seed[32],
                   uint64_t now_ms)
{
    begin(n, now_ms);
    if (conn_find(n, id) != NULL)
        return RN_EINVAL;
    if (peer != NULL && (proto_roster_find(&n->s->roster, peer) == NULL ||
                         memcmp(peer, n->self.key, PROTO_KEY_BYTES) == 0))
        return RN_EINVAL;
    conn *c = NULL;
    for (size_t i = 0; i < n->conns_n && c == NULL; i++)
        if (n->conns[i].state == CS_FREE)
            c = &n->conns[i];
    if (c == NULL)
        return RN_EFULL;
    proto_hs_role role = peer != NULL ? PROTO_HS_INITIATOR : PROTO_HS_RESPONDER;
    int rc = proto_hs_init(&c->hs, role, n->netkey, n->sk, peer, eph_seed);
    if (rc < 0) {
        proto_hs_wipe(&c->hs);
        return rc;
    }
    c->state = CS_HANDSHAKE;
    c->id = id;
    c->outgoing = peer != NULL;
    c->opened_ms = c->last_rx_ms = n->now;
    c->dialer = -1;
    if (peer != NULL) {
        memcpy(c->key, peer, PROTO_KEY_BYTES);
        c->have_key = true;
        int di = dialer_find(n, peer);
        if (di >= 0) {
            c->dialer = di;
            if (n->dialers[di].state != DS_UP)
                n->dialers[di].state = DS_CONNECTING;
        }
        uint8_t m1[PROTO_HS_MSG_MAX];
        size_t len;
        rc = proto_hs_write(&c->hs, m1, sizeof(m1), &len);
        RN_ASSERT(rc == 0);
        send_raw(n, c, m1, len);
    }
    finish(n);
    return 0;
}

void node_conn_input(node *n, uint32_t id, const uint8_t *data, size_t len, uint64_t now_ms)
{
    begin(n, now_ms);
    conn *c = conn_find(n, id);
    if (c != NULL && conn_live(c)) {
        c->bytes_in += len;
        n->ctr.bytes_in += len;
        c->last_rx_ms = n->now;
        c->ping_out = false; /* any bytes end the silence */
        conn_bytes(n, c, data, len);
    }
    finish(n);
}

void node_conn_closed(node *n, uint32_t id, uint64_t now_ms)
{
    begin(n, now_ms);
    conn *c = conn_find(n, id);
    if (c != NULL) {
        if (conn_live(c))
            conn_release(n, c);
        conn_free_slot(c);
    }
    finish(n);
}

void node_connect_failed(node *n, const uint8_t peer[PROTO_KEY_BYTES], uint64_t now_ms)
{
    begin(n, now_ms);
    int di = dialer_find(n, peer);
    if (di >= 0 && n->dialers[di].state == DS_CONNECTING) {
        dialer *dl = &n->dialers[di];
        uint32_t b = dl->backoff_ms;
        dl->state = DS_WAIT;
        dl->next_ms = n->now + b / 2 + rng_next(n) % (b / 2 + 1);
        dl->backoff_ms = (uint32_t)min_u64(2ull * b, n->lim.backoff_max_ms);
    }
    finish(n);
}

int node_publish(node *n, proto_kind kind, const uint8_t *body, size_t len, uint64_t now_ms,
                 uint64_t *seq, uint8_t id[PROTO_ID_BYTES], rn_diag *d)
{
    begin(n, now_ms);
    if (n->gov != NULL && n->gov->retired) {
        finish(n);
        return rn_fail(d, RN_ESUPERSEDED, "key"); /* our key was rotated away or removed */
    }
    if (n->self_author < 0) {
        finish(n);
        return rn_fail(d, RN_EROLE, NULL);
    }
    size_t a = (size_t)n->self_author;
    author *au = &n->authors[a];
    uint8_t eid[PROTO_ID_BYTES];
    uint64_t s = 0;
    if (node_head_time_ms(n) > now_ms + RN_CLOCK_PUBLISH_AHEAD_MS_MAX) {
        finish(n);
        return rn_fail(d, RN_ETIME, "entry.timestamp");
    }
    proto_str e;
    int rc = store_append(n->s, n->sk, kind, body, len, now_ms, eid, &s, &e, d);
    if (rc == 0) {
        RN_ASSERT(s == au->head + 1);
        au->head = s;
        memcpy(au->head_id, eid, PROTO_ID_BYTES);
        if (seq != NULL)
            *seq = s;
        if (id != NULL)
            memcpy(id, eid, PROTO_ID_BYTES);
        push_new(n, a, &e, 1, -1); /* copied into frames before the next store call */
        if (kind == PROTO_KIND_ROSTER)
            gov_note(n, e.ptr, e.len); /* our own approval counts as any other */
    }
    finish(n);
    return rc;
}

int node_publish_batch(node *n, const store_append_item *items, size_t k, uint64_t now_ms,
                       uint64_t *first_seq, uint8_t last_id[PROTO_ID_BYTES], size_t *failed,
                       rn_diag *d)
{
    if (failed != NULL)
        *failed = k;
    begin(n, now_ms);
    if (n->self_author < 0) {
        finish(n);
        return rn_fail(d, n->gov != NULL && n->gov->retired ? RN_ESUPERSEDED : RN_EROLE,
                       n->gov != NULL && n->gov->retired ? "key" : NULL);
    }
    if (node_head_time_ms(n) > now_ms + RN_CLOCK_PUBLISH_AHEAD_MS_MAX) {
        finish(n);
        return rn_fail(d, RN_ETIME, "entry.timestamp");
    }
    size_t a = (size_t)n->self_author;
    author *au = &n->authors[a];
    uint8_t *out = malloc(RN_APPEND_BATCH_ENTRY_BYTES_MAX);
    proto_str *raw = malloc(RN_APPEND_BATCH_RECORDS_MAX * sizeof(*raw));
    uint64_t first = 0;
    uint8_t head_id[PROTO_ID_BYTES]; /* the last entry's: the head once the pushes are made */
    int rc = RN_ENOMEM;
    if (out != NULL && raw != NULL)
        rc = store_append_batch(n->s, n->sk, items, k, now_ms, out, RN_APPEND_BATCH_ENTRY_BYTES_MAX,
                                raw, &first, head_id, failed, d);
    if (rc == 0) {
        RN_ASSERT(first == au->head + 1);
        if (first_seq != NULL)
            *first_seq = first;
        /* Pushed as k publishes would be, a message's worth at a time: push_new sends the last
         * `m` entries up to the head, so the head advances with each message. */
        for (size_t j = 0; j < k;) {
            size_t m = 0, bytes = 0;
            while (j + m < k && m < RN_BATCH_ENTRIES_MAX &&
                   bytes + raw[j + m].len <= RN_BATCH_BYTES_MAX) {
                bytes += raw[j + m].len;
                m++;
            }
            RN_ASSERT(m > 0);
            au->head += m;
            push_new(n, a, raw + j, m, -1); /* copied into frames before the next store call */
            for (size_t i = 0; n->gov != NULL && i < m; i++)
                gov_note(n, raw[j + i].ptr, raw[j + i].len);
            j += m;
        }
        RN_ASSERT(au->head == first + k - 1);
        memcpy(au->head_id, head_id, PROTO_ID_BYTES);
        if (last_id != NULL)
            memcpy(last_id, au->head_id, PROTO_ID_BYTES);
    }
    free(out);
    free(raw);
    finish(n);
    return rc;
}

void node_peers(const node *n, node_peer_info *out, size_t cap, size_t *count)
{
    size_t k = 0;
    /* Dialled peers first (connected or not), then the other open connections. */
    for (size_t pass = 0; pass < 2; pass++) {
        size_t lim = pass == 0 ? n->dialers_n : n->conns_n;
        for (size_t i = 0; i < lim; i++) {
            const uint8_t *key;
            const conn *c = NULL;
            if (pass == 0) {
                key = n->dialers[i].key;
                for (size_t j = 0; j < n->conns_n && c == NULL; j++)
                    if (n->conns[j].state == CS_OPEN &&
                        memcmp(n->conns[j].key, key, PROTO_KEY_BYTES) == 0)
                        c = &n->conns[j];
            } else {
                c = &n->conns[i];
                if (c->state != CS_OPEN || dialer_find(n, c->key) >= 0)
                    continue;
                key = c->key;
            }
            if (k < cap) {
                node_peer_info *p = &out[k];
                memset(p, 0, sizeof(*p));
                memcpy(p->key, key, PROTO_KEY_BYTES);
                const proto_member *m = proto_roster_find(&n->s->roster, key);
                if (m != NULL)
                    memcpy(p->country, m->country, sizeof(p->country));
                if (pass == 0 && n->dialers[i].state == DS_WAIT)
                    p->next_dial_ms = n->dialers[i].next_ms;
                if (c != NULL) {
                    p->connected = true;
                    p->outgoing = c->outgoing;
                    p->connected_since_ms = c->since_ms;
                    p->bytes_in = c->bytes_in;
                    p->bytes_out = c->bytes_out;
                    p->unacked_bytes = c->tx_unacked;
                    p->last_frame_ms = c->last_frame_ms;
                    int slot = (int)(c - n->conns);
                    for (size_t a = 0; a < n->authors_n; a++) {
                        if (c->known[a] > n->authors[a].head)
                            p->entries_behind += c->known[a] - n->authors[a].head;
                        if (n->authors[a].head > c->shown[a])
                            p->peer_behind += n->authors[a].head - c->shown[a];
                        if (n->authors[a].eager_src == slot)
                            p->eager_authors++;
                        if (c->demoted_until[a] > n->now)
                            p->demoted_authors++;
                    }
                    if (c->wq_n > 0 && serve_over(c) &&
                        n->now < c->serve_window_ms + RN_SERVE_INTERVAL_MS)
                        p->serve_paused_until_ms = c->serve_window_ms + RN_SERVE_INTERVAL_MS;
                }
            }
            k++;
        }
    }
    *count = k;
}

/* ---- The governed roster, live (PROTOCOL.md 11.11) ----
 *
 * A node with a chain keeps it here with what it has not applied yet: change bodies seen in
 * roster entries (kind 7), each with every signature that verifies merged in, at most
 * RN_ROSTER_PENDING_MAX of them (the oldest dropped first). finish() runs gov_step when a roster
 * entry came in or went out: every next version whose signers reach the quorum of the roster in
 * force is applied, in turn. What applying does to the core (authors, connections, dialers) is in
 * gov_applied; what the driver must know goes out as events. */

static node_roster_event *gov_event(node *n, node_roster_event_kind kind, uint64_t version,
                                    const uint8_t *key)
{
    node_gov *g = n->gov;
    if (g->ev_n == RN_ROSTER_EVENTS_MAX) { /* the oldest goes */
        g->ev_head = (g->ev_head + 1) % RN_ROSTER_EVENTS_MAX;
        g->ev_n--;
    }
    node_roster_event *ev = &g->ev[(g->ev_head + g->ev_n++) % RN_ROSTER_EVENTS_MAX];
    memset(ev, 0, sizeof(*ev));
    ev->kind = kind;
    ev->version = version;
    if (key != NULL)
        memcpy(ev->key, key, PROTO_KEY_BYTES);
    return ev;
}

bool node_next_roster_event(node *n, node_roster_event *ev)
{
    node_gov *g = n->gov;
    if (g == NULL || g->ev_n == 0)
        return false;
    *ev = g->ev[g->ev_head];
    g->ev_head = (g->ev_head + 1) % RN_ROSTER_EVENTS_MAX;
    g->ev_n--;
    return true;
}

static uint64_t gov_version(const node_gov *g)
{
    return proto_rosterchain_version(&g->ch);
}

/* Does signature s sign the body whose hash is `hash` (PROTOCOL.md 4.4, "Signature")? */
static bool rc_sig_ok(const uint8_t hash[PROTO_ID_BYTES], const proto_rc_sig *s)
{
    uint8_t msg[PROTO_ROSTERCHAIN_DOMAIN_LEN + PROTO_ID_BYTES];
    memcpy(msg, PROTO_ROSTERCHAIN_DOMAIN, PROTO_ROSTERCHAIN_DOMAIN_LEN);
    memcpy(msg + PROTO_ROSTERCHAIN_DOMAIN_LEN, hash, PROTO_ID_BYTES);
    return crypto_sign_verify_detached(s->sig, msg, sizeof(msg), s->key) == 0;
}

static bool rc_authority(const node_gov *g, const uint8_t key[PROTO_KEY_BYTES])
{
    const proto_member *m = proto_roster_find(&g->ch.current, key);
    return m != NULL && m->role == PROTO_ROLE_AUTHORITY;
}

/* Adds s to c's signatures in key order; false when its key signed already or there is no room. */
static bool rc_sig_merge(proto_rc_change *c, const proto_rc_sig *s)
{
    uint32_t at = 0;
    while (at < c->sigs_n && memcmp(c->sigs[at].key, s->key, PROTO_KEY_BYTES) < 0)
        at++;
    if ((at < c->sigs_n && memcmp(c->sigs[at].key, s->key, PROTO_KEY_BYTES) == 0) ||
        c->sigs_n == RN_ROSTERCHAIN_SIGS_MAX)
        return false;
    memmove(&c->sigs[at + 1], &c->sigs[at], (c->sigs_n - at) * sizeof(c->sigs[0]));
    c->sigs[at] = *s;
    c->sigs_n++;
    return true;
}

/* The signatures of c by authorities of the roster in force (all of them verified when merged),
 * the quorum that roster needs, and whether a planned rotation lacks its old key's signature. */
static void rc_count(const node_gov *g, const proto_rc_change *c, uint32_t *valid, uint32_t *need,
                     bool *rot_unsigned)
{
    size_t auth = 0;
    for (size_t i = 0; i < g->ch.current.count; i++)
        auth += g->ch.current.members[i].role == PROTO_ROLE_AUTHORITY;
    *need = proto_rosterchain_quorum_need(g->ch.versions[g->ch.versions_n - 1].quorum, auth);
    *valid = 0;
    for (uint32_t i = 0; i < c->sigs_n; i++)
        *valid += rc_authority(g, c->sigs[i].key);
    *rot_unsigned = false;
    for (uint32_t k = 0; k < c->ops_n; k++) {
        if (c->ops[k].type != PROTO_RC_ROTATE)
            continue;
        bool signed_by_old = false;
        for (uint32_t i = 0; i < c->sigs_n; i++)
            signed_by_old |= memcmp(c->sigs[i].key, c->ops[k].key, PROTO_KEY_BYTES) == 0;
        *rot_unsigned |= !signed_by_old;
    }
}

static void gov_pending_free(gov_pending *p)
{
    free(p->chg);
    memset(p, 0, sizeof(*p));
}

static void gov_drop(node *n, gov_pending *p, int reason)
{
    node_roster_event *ev = gov_event(n, NODE_RE_DROPPED, p->chg->version, p->hash);
    ev->reason = reason;
    gov_pending_free(p);
}

static gov_pending *gov_find(node_gov *g, const uint8_t hash[PROTO_ID_BYTES])
{
    for (size_t i = 0; i < RN_ROSTER_PENDING_MAX; i++)
        if (g->pend[i].chg != NULL && memcmp(g->pend[i].hash, hash, PROTO_ID_BYTES) == 0)
            return &g->pend[i];
    return NULL;
}

/*
 * Takes change c (decoded, its hash computed; owned by the callee) into the pending set: merged
 * with the body of that hash held already, or as a new body, dropping the oldest past the bound.
 * Only signatures that verify are kept. Returns the pending slot, or NULL (a version in force
 * already, or out of memory).
 */
static gov_pending *gov_take(node *n, proto_rc_change *c, const uint8_t hash[PROTO_ID_BYTES])
{
    node_gov *g = n->gov;
    if (c->version <= gov_version(g)) {
        free(c);
        return NULL;
    }
    gov_pending *p = gov_find(g, hash);
    if (p != NULL) {
        for (uint32_t i = 0; i < c->sigs_n; i++)
            if (rc_sig_ok(hash, &c->sigs[i]))
                (void)rc_sig_merge(p->chg, &c->sigs[i]);
        free(c);
        g->due = true;
        return p;
    }
    /* A new body: only its signatures that verify stay. */
    uint32_t k = 0;
    for (uint32_t i = 0; i < c->sigs_n; i++)
        if (rc_sig_ok(hash, &c->sigs[i]))
            c->sigs[k++] = c->sigs[i];
    c->sigs_n = k;
    for (size_t i = 0; i < RN_ROSTER_PENDING_MAX && p == NULL; i++)
        if (g->pend[i].chg == NULL)
            p = &g->pend[i];
    if (p == NULL) {
        p = &g->pend[0];
        for (size_t i = 1; i < RN_ROSTER_PENDING_MAX; i++)
            if (g->pend[i].stamp < p->stamp)
                p = &g->pend[i];
        gov_drop(n, p, RN_ECOUNT);
    }
    memcpy(p->hash, hash, PROTO_ID_BYTES);
    p->chg = c;
    p->stamp = ++g->stamp;
    g->due = true;
    return p;
}

/* The change document that a roster record (kind 7) carries: body map {1: bin}. */
static int roster_body_doc(const uint8_t *body, size_t len, proto_str *doc)
{
    mp_cur cur;
    uint32_t k;
    uint64_t key;
    const uint8_t *p;
    uint32_t plen;
    mp_cur_init(&cur, body, len);
    if (mp_read_map(&cur, &k) < 0 || k != 1 || mp_read_uint(&cur, &key) < 0 || key != 1 ||
        mp_read_bin(&cur, &p, &plen) < 0 || mp_cur_left(&cur) != 0)
        return RN_EMALFORMED;
    doc->ptr = p;
    doc->len = plen;
    return 0;
}

/* A change document doc[0..len) (decoded here) into the pending set. */
static gov_pending *gov_take_doc(node *n, const uint8_t *doc, size_t len, rn_diag *d)
{
    uint8_t hash[PROTO_ID_BYTES];
    proto_rc_change *c = malloc(sizeof(*c));
    if (c == NULL)
        return NULL;
    if (proto_rosterchain_change_decode(c, doc, len, d) < 0 ||
        proto_rosterchain_change_hash(c, hash) < 0) {
        free(c);
        return NULL;
    }
    return gov_take(n, c, hash);
}

/* An entry of a roster record went into the replica (ingested, published, or found at start):
 * its change joins the pending set. Other entries are left alone. */
static void gov_note(node *n, const uint8_t *bytes, size_t len)
{
    proto_entry e;
    proto_str doc;
    if (n->gov == NULL || proto_entry_decode_outline(&e, bytes, len) != 0 ||
        e.kind != PROTO_KIND_ROSTER || roster_body_doc(e.body, e.body_len, &doc) != 0)
        return;
    (void)gov_take_doc(n, doc.ptr, doc.len, NULL);
}

static int gov_note_cb(void *ctx, const uint8_t au_key[PROTO_KEY_BYTES], uint64_t seq,
                       const uint8_t *bytes, size_t len)
{
    (void)au_key;
    (void)seq;
    gov_note(ctx, bytes, len);
    return 0;
}

/* The store's author table as the core's authors: every key that held the authority role in some
 * period, so that the history of rotated and removed keys keeps replicating. Closes every
 * connection first (their per-author arrays are sized by the old set) and forgets the failure
 * records; heads come from the replica again. Returns 0 or RN_ENOMEM, RN_ESTORE. */
static int authors_load(node *n)
{
    const proto_authors *t = store_authors(n->s);
    store_head *heads = NULL;
    size_t k = 0, hn = 0;
    for (size_t i = 0; i < n->conns_n; i++)
        if (conn_live(&n->conns[i]))
            conn_close(n, &n->conns[i], 0);
    for (size_t i = 0; i < RN_PEERS_MAX; i++) {
        free(n->blame[i].fails);
        free(n->blame[i].demoted_until);
        memset(&n->blame[i], 0, sizeof(n->blame[i]));
    }
    for (size_t a = 0; a < n->authors_n; a++)
        fork_pending_drop(n, &n->authors[a]);
    const proto_roster *ro = &n->s->roster; /* without a table: the roster's authorities */
    for (size_t i = 0; t != NULL && i < t->n; i++)
        k += t->v[i].was_authority || t->v[i].role == PROTO_ROLE_AUTHORITY;
    for (size_t i = 0; t == NULL && i < ro->count; i++)
        k += ro->members[i].role == PROTO_ROLE_AUTHORITY;
    if (k > RN_ROSTER_MEMBERS_MAX)
        k = RN_ROSTER_MEMBERS_MAX; /* HEADS holds at most this many */
    author *au = calloc(k > 0 ? k : 1, sizeof(*au));
    heads = calloc(RN_ROSTER_MEMBERS_MAX, sizeof(*heads));
    if (au == NULL || heads == NULL) {
        free(au);
        free(heads);
        return RN_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; t != NULL && i < t->n && m < k; i++) {
        const proto_author *pa = &t->v[i];
        if (!(pa->was_authority || pa->role == PROTO_ROLE_AUTHORITY))
            continue;
        memcpy(au[m].key, pa->key, PROTO_KEY_BYTES);
        au[m].eager_src = au[m].want_slot = -1;
        au[m].cut = pa->has_cut ? pa->cut_seq : UINT64_MAX;
        uint64_t sc = 0;
        if (!pa->has_cut && pa->has_next && store_succession_cut(n->s, pa->key, &sc) == 0)
            au[m].cut = sc;
        m++;
    }
    for (size_t i = 0; t == NULL && i < ro->count && m < k; i++) {
        if (ro->members[i].role != PROTO_ROLE_AUTHORITY)
            continue;
        memcpy(au[m].key, ro->members[i].key, PROTO_KEY_BYTES);
        au[m].eager_src = au[m].want_slot = -1;
        au[m].cut = UINT64_MAX;
        m++;
    }
    free(n->authors);
    n->authors = au;
    n->authors_n = m;
    n->all_dirty = true;
    store_read r;
    int rc = raw_read_begin(n, &r);
    if (rc == 0) {
        rc = store_heads(&r, heads, RN_ROSTER_MEMBERS_MAX, &hn);
        store_read_end(&r);
    }
    for (size_t i = 0; rc >= 0 && i < min_u64(hn, RN_ROSTER_MEMBERS_MAX); i++) {
        int a = author_find(n, heads[i].author);
        if (a < 0)
            continue;
        n->authors[a].head = heads[i].seq;
        memcpy(n->authors[a].head_id, heads[i].id, PROTO_ID_BYTES);
        n->authors[a].forked = (heads[i].flags & STORE_HEAD_FORKED) != 0;
        n->authors[a].badsig = (heads[i].flags & STORE_HEAD_BADSIG) != 0;
    }
    free(heads);
    n->self_author = -1;
    if (n->self.role == PROTO_ROLE_AUTHORITY && (n->gov == NULL || !n->gov->retired))
        n->self_author = author_find(n, n->self.key);
    if (rc < 0)
        return rc;
    return cosigned_load(n);
}

/* Our dialers of keys that are no longer members go. */
static void dialers_prune(node *n)
{
    size_t k = 0;
    for (size_t i = 0; i < n->dialers_n; i++)
        if (proto_roster_find(&n->s->roster, n->dialers[i].key) != NULL)
            n->dialers[k++] = n->dialers[i];
    n->dialers_n = k;
}

/* Closes the connections of `key` (removed or rotated away). */
static void conns_close_key(node *n, const uint8_t key[PROTO_KEY_BYTES])
{
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (conn_live(c) && c->have_key && memcmp(c->key, key, PROTO_KEY_BYTES) == 0)
            conn_close(n, c, RN_ESUPERSEDED);
    }
}

/* Whether rosters a and b have the same members, roles, countries (and so addresses apart). */
static bool roster_same(const proto_roster *a, const proto_roster *b)
{
    if (a->count != b->count)
        return false;
    for (size_t i = 0; i < a->count; i++) {
        const proto_member *m = proto_roster_find(b, a->members[i].key);
        if (m == NULL || m->role != a->members[i].role ||
            strcmp(m->country, a->members[i].country) != 0)
            return false;
    }
    return true;
}

int node_roster_replace(node *n, const proto_roster *r, bool *changed, rn_diag *d)
{
    *changed = false;
    if (n->gov != NULL)
        return rn_fail(d, RN_EINVAL, "roster_chain");
    const proto_member *me = proto_roster_find(r, n->self.key);
    if (me == NULL || me->role != n->self.role || strcmp(me->country, n->self.country) != 0)
        return rn_fail(d, RN_EROSTER, "key");
    if (roster_same(r, &n->s->roster))
        return 0;
    int rc = store_roster_set(n->s, r);
    if (rc < 0)
        return rn_fail(d, rc, "roster");
    *changed = true;
    me = proto_roster_find(&n->s->roster, n->self.key);
    if (me != NULL)
        n->self = *me;
    for (size_t i = 0; i < n->conns_n; i++) {
        conn *c = &n->conns[i];
        if (conn_live(c) && c->have_key && proto_roster_find(&n->s->roster, c->key) == NULL)
            conn_close(n, c, RN_EROSTER);
    }
    dialers_prune(n);
    return authors_load(n); /* on failure the old set stays: replication goes on without */
}

/* Encodes change c as a document into a new buffer (doc, len). */
static int rc_doc_encode(const proto_rc_change *c, uint8_t **doc, size_t *len)
{
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    int rc = proto_rosterchain_change_encode(c, &b);
    if (rc == 0 && mp_buf_err(&b) != 0)
        rc = mp_buf_err(&b);
    if (rc < 0) {
        mp_buf_free(&b);
        return rc;
    }
    *doc = b.data; /* handed over: mp_buf_free not called */
    *len = b.len;
    return 0;
}

/*
 * Version f (its signatures those that counted) was just applied to the chain: persist it, set the
 * replica's author table, and bring the core in line (PROTOCOL.md 11.11, "Applying").
 */
static void gov_applied(node *n, const proto_rc_change *f)
{
    node_gov *g = n->gov;
    uint8_t *doc = NULL;
    size_t len = 0;
    proto_authors t;
    bool grow = false;
    if (rc_doc_encode(f, &doc, &len) == 0) {
        /* On failure (our disk) the chain in the replica stops here; the roster entries that
         * carried the change are in the replica, and bring it back at the next start. */
        int crc = store_chain_append(n->s, doc, len);
        (void)crc;
        if (g->docs_n == g->docs_cap) {
            size_t cap = g->docs_cap > 0 ? 2 * g->docs_cap : 4;
            gov_doc *nd = realloc(g->docs, cap * sizeof(*nd));
            if (nd != NULL) {
                g->docs = nd;
                g->docs_cap = cap;
            }
        }
        if (g->docs_n < g->docs_cap) {
            g->docs[g->docs_n++] = (gov_doc){ f->version, doc, len };
            doc = NULL;
        }
        free(doc);
    }
    if (proto_authors_build(&t, &g->ch) == 0) {
        int arc = store_authors_set(n->s, &t); /* on failure the old table stays in force */
        (void)arc;
        proto_authors_free(&t);
    }
    for (uint32_t k = 0; k < f->ops_n; k++) {
        const proto_rc_op *o = &f->ops[k];
        node_roster_event *ev;
        bool self = memcmp(o->key, n->self.key, PROTO_KEY_BYTES) == 0;
        switch (o->type) {
        case PROTO_RC_ADD:
            ev = gov_event(n, NODE_RE_ADDED, f->version, o->key);
            ev->role = o->role;
            memcpy(ev->country, o->country, sizeof(ev->country));
            grow |= o->role == PROTO_ROLE_AUTHORITY;
            break;
        case PROTO_RC_SET:
            ev = gov_event(n, NODE_RE_SET, f->version, o->key);
            ev->role = o->role;
            memcpy(ev->country, o->country, sizeof(ev->country));
            grow |= o->role == PROTO_ROLE_AUTHORITY && author_find(n, o->key) < 0;
            break;
        case PROTO_RC_REMOVE:
            (void)gov_event(n, NODE_RE_REMOVED, f->version, o->key);
            conns_close_key(n, o->key);
            if (self) {
                g->retired = true;
                (void)gov_event(n, NODE_RE_SELF_RETIRED, f->version, o->key);
            }
            break;
        case PROTO_RC_ROTATE:
        case PROTO_RC_ROTATE_COMPROMISED:
            ev = gov_event(n, NODE_RE_ROTATED, f->version, o->key);
            memcpy(ev->new_key, o->new_key, PROTO_KEY_BYTES);
            ev->compromised = o->type == PROTO_RC_ROTATE_COMPROMISED;
            conns_close_key(n, o->key);
            grow = true;
            if (self) {
                g->retired = true;
                ev = gov_event(n, NODE_RE_SELF_RETIRED, f->version, o->key);
                memcpy(ev->new_key, o->new_key, PROTO_KEY_BYTES);
                ev->compromised = o->type == PROTO_RC_ROTATE_COMPROMISED;
            }
            break;
        case PROTO_RC_QUORUM:
        default:
            break;
        }
    }
    const proto_member *me = proto_roster_find(&n->s->roster, n->self.key);
    if (me != NULL)
        n->self = *me;
    if (g->retired) {
        n->self_author = -1;
        n->dialers_n = 0; /* nobody takes our handshake now; node_rekey, then node_dial_set */
    }
    dialers_prune(n);
    if (grow)
        (void)authors_load(n); /* on failure the old set stays: replication goes on without */
    else
        for (size_t a = 0; a < n->authors_n; a++) /* a compromised key's cut */
            if (proto_authors_find(store_authors(n->s), n->authors[a].key) != NULL &&
                proto_authors_find(store_authors(n->s), n->authors[a].key)->has_cut)
                n->authors[a].cut =
                    proto_authors_find(store_authors(n->s), n->authors[a].key)->cut_seq;
    (void)gov_event(n, NODE_RE_APPLIED, f->version, NULL);
}

/* Applies every next version whose signers reach the quorum (in the order the bodies were first
 * seen), dropping bodies that cannot apply and those of versions now in force. */
static void gov_step(node *n)
{
    node_gov *g = n->gov;
    g->due = false;
    proto_rc_change *f = malloc(sizeof(*f));
    if (f == NULL)
        return;
    for (;;) {
        uint64_t next = gov_version(g) + 1;
        gov_pending *win = NULL;
        uint64_t after = 0;
        bool reached[RN_ROSTER_PENDING_MAX] = { false }; /* under the roster before `next` */
        for (size_t i = 0; i < RN_ROSTER_PENDING_MAX; i++) {
            uint32_t valid, need;
            bool rot;
            if (g->pend[i].chg == NULL || g->pend[i].chg->version != next)
                continue;
            rc_count(g, g->pend[i].chg, &valid, &need, &rot);
            reached[i] = valid >= need && !rot;
        }
        for (;;) { /* candidates of `next` in the order first seen */
            gov_pending *p = NULL;
            for (size_t i = 0; i < RN_ROSTER_PENDING_MAX; i++) {
                gov_pending *q = &g->pend[i];
                if (q->chg != NULL && q->chg->version == next && q->stamp > after &&
                    (p == NULL || q->stamp < p->stamp))
                    p = q;
            }
            if (p == NULL)
                break;
            after = p->stamp;
            if (!reached[p - g->pend])
                continue;
            *f = *p->chg;
            uint32_t k = 0;
            for (uint32_t i = 0; i < f->sigs_n; i++)
                if (rc_authority(g, f->sigs[i].key))
                    f->sigs[k++] = f->sigs[i];
            f->sigs_n = k;
            rn_diag d = { 0 };
            int rc = proto_rosterchain_apply(&g->ch, f, &d);
            if (rc == 0) {
                win = p;
                break;
            }
            gov_drop(n, p, rc); /* it does not follow the chain: it never will */
        }
        if (win == NULL)
            break;
        /* Other bodies of this version: dropped; one that reached the quorum too is
         * equivocation by those who signed both. */
        for (size_t i = 0; i < RN_ROSTER_PENDING_MAX; i++) {
            gov_pending *q = &g->pend[i];
            if (q == win || q->chg == NULL || q->chg->version != next)
                continue;
            if (reached[i])
                for (uint32_t s = 0; s < q->chg->sigs_n; s++)
                    for (uint32_t j = 0; j < f->sigs_n; j++)
                        if (memcmp(f->sigs[j].key, q->chg->sigs[s].key, PROTO_KEY_BYTES) == 0)
                            (void)gov_event(n, NODE_RE_EQUIVOCATED, next, f->sigs[j].key);
            gov_drop(n, q, RN_EDUPLICATE);
        }
        gov_pending_free(win);
        gov_applied(n, f);
    }
    for (size_t i = 0; i < RN_ROSTER_PENDING_MAX; i++)
        if (g->pend[i].chg != NULL && g->pend[i].chg->version <= gov_version(g))
            gov_pending_free(&g->pend[i]);
    free(f);
}

static void gov_free(node_gov *g)
{
    if (g == NULL)
        return;
    proto_rosterchain_free(&g->ch);
    for (size_t i = 0; i < RN_ROSTER_PENDING_MAX; i++)
        gov_pending_free(&g->pend[i]);
    for (size_t i = 0; i < g->docs_n; i++)
        free(g->docs[i].p);
    free(g->docs);
    free(g);
}

/* The body of a succession (record kind 8): {1: predecessor, 2: last_seq, 3: last_id}. */
static void succession_body(mp_buf *b, const uint8_t pred[PROTO_KEY_BYTES], uint64_t last_seq,
                            const uint8_t last_id[PROTO_ID_BYTES])
{
    mp_put_map(b, last_seq > 0 ? 3 : 2);
    mp_put_uint(b, 1);
    mp_put_bin(b, pred, PROTO_KEY_BYTES);
    mp_put_uint(b, 2);
    mp_put_uint(b, last_seq);
    if (last_seq > 0) {
        mp_put_uint(b, 3);
        mp_put_bin(b, last_id, PROTO_ID_BYTES);
    }
}

/*
 * When the key of sk is an authority that came by rotation and its log is empty: appends its
 * succession, naming its predecessor and the last entry of it that the lineage keeps (for a
 * compromised rotation the op's; else the predecessor's head as this replica holds it), stamped
 * after that entry. Returns 0 (done, or nothing to do), RN_EROSTER, RN_EINCONSISTENT, or
 * store_append's error.
 */
static int succession_publish(node *n, const uint8_t sk[PROTO_SK_BYTES], uint64_t now_ms,
                              rn_diag *d)
{
    const proto_authors *t = store_authors(n->s);
    const proto_author *me = t != NULL ? proto_authors_find(t, sk + 32) : NULL;
    if (me == NULL || !me->current || me->role != PROTO_ROLE_AUTHORITY)
        return rn_fail(d, RN_EROSTER, "key");
    if (!me->has_prev)
        return 0;
    const proto_author *pred = proto_authors_find(t, me->prev);
    store_read r;
    store_head h;
    int rc = raw_read_begin(n, &r);
    if (rc < 0)
        return rn_fail(d, rc, NULL);
    if (store_head_get(&r, sk + 32, &h) == 0) { /* published already */
        store_read_end(&r);
        return 0;
    }
    uint64_t last_seq = 0, ts = 0;
    uint8_t last_id[PROTO_ID_BYTES] = { 0 };
    if (pred != NULL && pred->has_cut) {
        last_seq = pred->cut_seq;
        memcpy(last_id, pred->cut_id, PROTO_ID_BYTES);
        proto_str e;
        proto_entry pe;
        if (last_seq > 0 && store_entry_get(&r, me->prev, last_seq, &e) == 0 &&
            proto_entry_decode_known(&pe, e.ptr, e.len) == 0)
            ts = pe.timestamp_ms;
    } else if (store_head_get(&r, me->prev, &h) == 0) {
        last_seq = h.seq;
        memcpy(last_id, h.id, PROTO_ID_BYTES);
        ts = h.timestamp_ms;
    }
    store_read_end(&r);
    mp_buf b;
    mp_buf_init(&b, 128);
    succession_body(&b, me->prev, last_seq, last_id);
    uint64_t stamp = last_seq > 0 && ts + 1 > now_ms ? ts + 1 : now_ms;
    rc = mp_buf_err(&b);
    if (rc == 0)
        rc = store_append(n->s, sk, PROTO_KIND_SUCCESSION, b.data, b.len, stamp, NULL, NULL, NULL,
                          d);
    mp_buf_free(&b);
    return rc;
}

int node_chain_prepare(store *s, const uint8_t *genesis, size_t glen, const proto_str *changes,
                       size_t k, proto_rosterchain *out, size_t *skipped, rn_diag *d)
{
    uint8_t gid[PROTO_ID_BYTES];
    proto_authors t;
    *skipped = 0;
    int rc = store_chain_load(s, out, d);
    if (rc == RN_ENOTFOUND) {
        RN_TRY(proto_rosterchain_init(out, genesis, glen, d));
        rc = store_chain_append(s, genesis, glen);
        if (rc < 0) {
            proto_rosterchain_free(out);
            return rn_fail(d, rc, NULL);
        }
    } else if (rc < 0) {
        return rc;
    } else {
        crypto_generichash(gid, sizeof(gid), genesis, glen, NULL, 0);
        if (memcmp(gid, out->versions[0].hash, PROTO_ID_BYTES) != 0) {
            proto_rosterchain_free(out);
            return rn_fail(d, RN_EINCONSISTENT, "roster_chain");
        }
    }
    /* The documents in version order (k is small: a sort by selection). */
    bool *used = calloc(k > 0 ? k : 1, sizeof(*used));
    proto_rc_change *c = malloc(sizeof(*c));
    if (used == NULL || c == NULL) {
        free(used);
        free(c);
        proto_rosterchain_free(out);
        return RN_ENOMEM;
    }
    bool first_fail = true;
    for (;;) {
        uint64_t next = proto_rosterchain_version(out) + 1;
        size_t found = k;
        for (size_t i = 0; i < k && found == k; i++) {
            if (used[i])
                continue;
            if (proto_rosterchain_change_decode(c, changes[i].ptr, changes[i].len, NULL) < 0 ||
                c->version < next) {
                used[i] = true; /* in force already, or not a change: nothing to apply */
                continue;
            }
            if (c->version == next)
                found = i;
        }
        if (found == k)
            break;
        used[found] = true;
        rn_diag cd = { 0 };
        rc = proto_rosterchain_apply_bytes(out, changes[found].ptr, changes[found].len, &cd);
        if (rc == 0)
            rc = store_chain_append(s, changes[found].ptr, changes[found].len);
        if (rc < 0) {
            (*skipped)++;
            if (first_fail && d != NULL) {
                *d = cd;
                d->index = (uint32_t)next;
            }
            first_fail = false;
        }
    }
    free(used);
    free(c);
    rc = proto_authors_build(&t, out);
    if (rc == 0) {
        rc = store_authors_set(s, &t);
        proto_authors_free(&t);
    }
    if (rc < 0) {
        proto_rosterchain_free(out);
        return rn_fail(d, rc, NULL);
    }
    return 0;
}

/* node_new's part: the chain moved in, pending changes rebuilt from the replica's roster
 * entries, and our succession when our key came by rotation. */
static int gov_start(node *n, const node_config *cfg, uint64_t now_ms)
{
    if (cfg->chain == NULL)
        return 0;
    n->gov = calloc(1, sizeof(*n->gov));
    if (n->gov == NULL)
        return RN_ENOMEM;
    n->gov->ch = *cfg->chain;
    memset(cfg->chain, 0, sizeof(*cfg->chain));
    store_read r;
    if (raw_read_begin(n, &r) == 0) {
        int wrc = store_roster_changes(&r, gov_note_cb, n); /* failing: what was walked */
        (void)wrc;
        store_read_end(&r);
    }
    if (n->self.role == PROTO_ROLE_AUTHORITY) {
        rn_diag d = { 0 };
        int rc = succession_publish(n, n->sk, now_ms, &d);
        if (rc < 0)
            return rc;
        RN_TRY(authors_load(n));
    }
    if (n->gov->due)
        gov_step(n);
    return 0;
}

const proto_rosterchain *node_roster_chain(const node *n)
{
    return n->gov != NULL ? &n->gov->ch : NULL;
}

size_t node_roster_pending(const node *n, node_rc_pending *out, size_t cap)
{
    const node_gov *g = n->gov;
    size_t k = 0;
    uint64_t after_v = 0, after_s = 0;
    if (g == NULL)
        return 0;
    for (;;) { /* in (version, first seen) order */
        const gov_pending *p = NULL;
        for (size_t i = 0; i < RN_ROSTER_PENDING_MAX; i++) {
            const gov_pending *q = &g->pend[i];
            if (q->chg == NULL)
                continue;
            bool later =
                q->chg->version > after_v || (q->chg->version == after_v && q->stamp > after_s);
            if (later && (p == NULL || q->chg->version < p->chg->version ||
                          (q->chg->version == p->chg->version && q->stamp < p->stamp)))
                p = q;
        }
        if (p == NULL)
            break;
        after_v = p->chg->version;
        after_s = p->stamp;
        if (k < cap) {
            node_rc_pending *o = &out[k];
            memcpy(o->hash, p->hash, PROTO_ID_BYTES);
            o->change = p->chg;
            rc_count(g, p->chg, &o->valid, &o->need, &o->rotation_unsigned);
        }
        k++;
    }
    return k;
}

int node_roster_document(const node *n, uint64_t v, proto_str *doc)
{
    const node_gov *g = n->gov;
    for (size_t i = 0; g != NULL && i < g->docs_n; i++)
        if (g->docs[i].version == v) {
            doc->ptr = g->docs[i].p;
            doc->len = (uint32_t)g->docs[i].len;
            return 0;
        }
    return RN_ENOTFOUND;
}

/* Signs change c (its hash `hash`), publishes it as a roster entry of our log and fills res. */
static int gov_publish(node *n, proto_rc_change *c, const uint8_t hash[PROTO_ID_BYTES],
                       uint64_t now_ms, node_rc_result *res, rn_diag *d)
{
    uint8_t *doc = NULL;
    size_t len = 0;
    memset(res, 0, sizeof(*res));
    int rc = proto_rosterchain_change_sign(c, n->sk, n->self.key);
    if (rc < 0)
        return rn_fail(d, rc, "change.signatures");
    RN_TRY(rc_doc_encode(c, &doc, &len));
    mp_buf b;
    mp_buf_init(&b, len + 16u);
    mp_put_map(&b, 1);
    mp_put_uint(&b, 1);
    mp_put_bin(&b, doc, len);
    free(doc);
    rc = mp_buf_err(&b);
    if (rc == 0)
        rc = node_publish(n, PROTO_KIND_ROSTER, b.data, b.len, now_ms, &res->seq, res->id, d);
    mp_buf_free(&b);
    if (rc < 0)
        return rc;
    memcpy(res->hash, hash, PROTO_ID_BYTES);
    res->version = c->version;
    res->applied = gov_version(n->gov) >= c->version;
    const gov_pending *p = gov_find(n->gov, hash);
    bool rot = false;
    if (p != NULL)
        rc_count(n->gov, p->chg, &res->valid, &res->need, &rot);
    else
        rc_count(n->gov, c, &res->valid, &res->need, &rot);
    return 0;
}

int node_roster_propose(node *n, proto_rc_change *c, uint64_t issued_at, uint64_t now_ms,
                        node_rc_result *res, rn_diag *d)
{
    uint8_t hash[PROTO_ID_BYTES];
    if (n->gov == NULL)
        return rn_fail(d, RN_ENOTFOUND, "roster_chain");
    if (n->self_author < 0)
        return rn_fail(d, RN_EROLE, "key");
    uint32_t ops_n = c->ops_n;
    proto_rc_op *ops = malloc(sizeof(c->ops));
    if (ops == NULL)
        return RN_ENOMEM;
    memcpy(ops, c->ops, sizeof(c->ops));
    const proto_rc_version *last = &n->gov->ch.versions[n->gov->ch.versions_n - 1];
    uint64_t at = issued_at != 0 ? issued_at : now_ms;
    if (at < last->issued_at)
        at = last->issued_at;
    int rc = proto_rosterchain_change_start(&n->gov->ch, at, c);
    if (rc < 0) {
        free(ops);
        return rn_fail(d, rc, "issued_at");
    }
    memcpy(c->ops, ops, sizeof(c->ops));
    c->ops_n = ops_n;
    free(ops);
    RN_TRY(proto_rosterchain_check(&n->gov->ch, c, d));
    RN_TRY(proto_rosterchain_change_hash(c, hash));
    return gov_publish(n, c, hash, now_ms, res, d);
}

int node_roster_approve(node *n, const uint8_t *doc, size_t len, uint64_t now_ms,
                        node_rc_result *res, rn_diag *d)
{
    uint8_t hash[PROTO_ID_BYTES];
    if (n->gov == NULL)
        return rn_fail(d, RN_ENOTFOUND, "roster_chain");
    if (n->self_author < 0)
        return rn_fail(d, RN_EROLE, "key");
    proto_rc_change *c = malloc(sizeof(*c));
    if (c == NULL)
        return RN_ENOMEM;
    const gov_pending *p = NULL;
    if (len == PROTO_ID_BYTES) {
        memcpy(hash, doc, PROTO_ID_BYTES);
        p = gov_find(n->gov, hash);
        if (p == NULL) {
            free(c);
            return rn_fail(d, RN_ENOTFOUND, "change");
        }
        *c = *p->chg;
    } else {
        int rc = proto_rosterchain_change_decode(c, doc, len, d);
        if (rc == 0)
            rc = proto_rosterchain_change_hash(c, hash);
        if (rc < 0) {
            free(c);
            return rc;
        }
        if (c->version <= gov_version(n->gov)) {
            free(c);
            return rn_fail(d, RN_ESEQ, "change.version");
        }
        p = gov_find(n->gov, hash);
        if (p != NULL) /* the signatures held for it, with the document's that verify */
            for (uint32_t i = 0; i < p->chg->sigs_n; i++)
                (void)rc_sig_merge(c, &p->chg->sigs[i]);
        uint32_t k = 0;
        for (uint32_t i = 0; i < c->sigs_n; i++)
            if (rc_sig_ok(hash, &c->sigs[i]))
                c->sigs[k++] = c->sigs[i];
        c->sigs_n = k;
    }
    int rc = gov_publish(n, c, hash, now_ms, res, d);
    free(c);
    return rc;
}

void node_dial_set(node *n, const uint8_t (*keys)[PROTO_KEY_BYTES], size_t k, uint64_t now_ms)
{
    begin(n, now_ms);
    dialer keep[RN_PEERS_MAX];
    size_t m = 0;
    if (n->gov != NULL && n->gov->retired)
        k = 0; /* our key is no member now: nobody would take our handshake */
    for (size_t i = 0; i < k && m < RN_PEERS_MAX; i++) {
        if (memcmp(keys[i], n->self.key, PROTO_KEY_BYTES) == 0 ||
            proto_roster_find(&n->s->roster, keys[i]) == NULL)
            continue;
        bool dup = false;
        for (size_t j = 0; j < m && !dup; j++)
            dup = memcmp(keep[j].key, keys[i], PROTO_KEY_BYTES) == 0;
        if (dup)
            continue;
        int di = dialer_find(n, keys[i]);
        if (di >= 0) {
            keep[m++] = n->dialers[di];
            continue;
        }
        dialer *dl = &keep[m++];
        memset(dl, 0, sizeof(*dl));
        memcpy(dl->key, keys[i], PROTO_KEY_BYTES);
        dl->state = DS_WAIT;
        dl->backoff_ms = n->lim.backoff_min_ms;
        dl->next_ms = n->now + rng_next(n) % (n->lim.backoff_min_ms + 1u);
        /* A connection to it may be up already (it dialled us). */
        for (size_t c = 0; c < n->conns_n; c++)
            if (n->conns[c].state == CS_OPEN &&
                memcmp(n->conns[c].key, keys[i], PROTO_KEY_BYTES) == 0)
                dl->state = DS_UP;
    }
    memcpy(n->dialers, keep, m * sizeof(keep[0]));
    n->dialers_n = m;
    finish(n);
}

int node_rekey(node *n, const uint8_t sk[PROTO_SK_BYTES], uint64_t now_ms, rn_diag *d)
{
    begin(n, now_ms);
    int rc = 0;
    if (memcmp(sk + 32, n->self.key, PROTO_KEY_BYTES) == 0)
        goto out;
    if (n->gov == NULL) {
        rc = rn_fail(d, RN_ENOTFOUND, "roster_chain");
        goto out;
    }
    const proto_author *me = proto_authors_find(store_authors(n->s), sk + 32);
    if (me == NULL || !me->current) {
        rc = rn_fail(d, RN_EROSTER, "key");
        goto out;
    }
    if (!me->has_prev || memcmp(me->prev, n->self.key, PROTO_KEY_BYTES) != 0) {
        rc = rn_fail(d, RN_EINCONSISTENT, "key");
        goto out;
    }
    rc = succession_publish(n, sk, n->now, d);
    if (rc < 0)
        goto out;
    memcpy(n->sk, sk, PROTO_SK_BYTES);
    n->self = *proto_roster_find(&n->s->roster, sk + 32);
    n->gov->retired = false;
    rc = authors_load(n); /* closes every connection: they are made again under the new key */
    for (size_t i = 0; i < n->dialers_n; i++) {
        n->dialers[i].state = DS_WAIT;
        n->dialers[i].backoff_ms = n->lim.backoff_min_ms;
        n->dialers[i].next_ms = n->now;
    }
    (void)gov_event(n, NODE_RE_REKEYED, gov_version(n->gov), n->self.key);
out:
    finish(n);
    return rc;
}

int node_roster_offer(node *n, const uint8_t *doc, size_t len, uint64_t now_ms, rn_diag *d)
{
    begin(n, now_ms);
    int rc = 0;
    proto_rc_change *c = NULL;
    if (n->gov == NULL) {
        rc = rn_fail(d, RN_ENOTFOUND, "roster_chain");
    } else if ((c = malloc(sizeof(*c))) == NULL) {
        rc = RN_ENOMEM;
    } else {
        rc = proto_rosterchain_change_decode(c, doc, len, d);
        if (rc == 0) {
            uint8_t hash[PROTO_ID_BYTES];
            rc = proto_rosterchain_change_hash(c, hash);
            if (rc == 0) {
                (void)gov_take(n, c, hash); /* takes c */
                c = NULL;
            }
        }
    }
    free(c);
    finish(n);
    return rc;
}
