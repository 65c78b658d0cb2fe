/*
 * driver.c: the libuv loop of recnetd around the node core (see driver.h).
 *
 * Shape. Every libuv callback does its I/O, makes at most one call into the core, and then calls
 * drain(): it takes every action the core queued (SEND, CLOSE, CONNECT) and carries it out,
 * flushes the bytes gathered for each connection as one write, re-arms the one core timer from
 * node_deadline, and schedules the index flush. So the core is never called from within itself,
 * SEND data (valid until the next call into the core) is copied before anything else calls in,
 * and no deadline is missed after any event.
 *
 * Connections. A peer connection lives in one of NODE_DRIVER_CONNS_MAX slots; its id for the
 * core is (generation << 8) | slot, so an action for an id finds its slot at once and an id of a
 * closed connection finds nothing. A connection holds up to two libuv handles (the TCP stream and
 * a timer for the connect timeout and the close grace) and perhaps a pending getaddrinfo; it is
 * released, and node_conn_closed called when the core knew it, once the last of these is gone.
 * Writes are bounded: the bytes queued in libuv plus those gathered in this drain may not pass
 * RN_CONN_OUTBUF_BYTES, or the connection is closed (a peer that does not read).
 *
 * Strangers. An incoming connection is a stranger until the core has taken its first handshake
 * message (which needs the network key): it is read at once but handed to the core only with its
 * first bytes, it has RN_STRANGER_FIRST_MSG_MS to send them, and strangers have budgets of their
 * own (in all and per source address) in which a newcomer evicts the oldest silent one. Lines a
 * stranger can provoke go through log limiters. node/README.md, "Strangers and floods".
 *
 * Control clients. Requests are read into a buffer bounded by RN_CONTROL_REQUEST_BYTES_MAX; each
 * complete MessagePack object (found with mp_skip) goes to node_control in order, and the
 * responses of one read are written back together, so a pipelining client costs one write per
 * read. A client whose bytes are not MessagePack gets the error response and is closed: the
 * stream cannot be resynchronised. A client that does not read its responses stops being read,
 * and is closed after RN_CONTROL_WRITE_MS; the responses queued for all clients are bounded too,
 * with a reserve for a client that has none queued; at most RN_CONTROL_TURN_REQUESTS of one client
 * are handled per turn; a newcomer finding every slot taken evicts the worst client.
 * node/README.md, "Control clients".
 *
 * The clock. The core wants milliseconds since the epoch and must never see time go back, and
 * the entries it stamps must never be stamped by a wall clock that jumped (a bad NTP answer a
 * year ahead would hide every later entry of our log from "as of now" queries for a year). So
 * every reading goes through the node's clock (clock.h), fed with CLOCK_REALTIME and
 * CLOCK_BOOTTIME (monotonic, and counting suspend, so a resumed machine is no step): it follows
 * the wall clock while it keeps the monotonic clock's pace, within a second, and believes a step
 * only once it has held for RN_CLOCK_CONFIRM_MS. Steps are logged as warnings when they are
 * seen, when the wall clock comes back, and when a step is followed; the core gets a copy of the
 * clock for `status`.
 */
#include "node/driver.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <dirent.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "conf/keyfile.h"
#include "node/clock.h"
#include "node/http.h"
#include "node/log.h"
#include "proto/authors.h"
#include "proto/ctl.h"
#include "proto/key.h"
#include "proto/mp.h"
#include "proto/wire.h"

#define READ_BYTES       (64u * 1024u)
#define PEERS_POLL_MS    1000u
#define CONTROL_BACKLOG  16
#define LISTEN_BACKLOG   128
#define CONN_SLOT_BITS   8u
#define SEND_CHUNK_BYTES (64u * 1024u)

static_assert(NODE_DRIVER_CONNS_MAX <= (1u << CONN_SLOT_BITS), "a slot fits in the id's low bits");
static_assert(RN_STRANGERS_MAX + RN_PEERS_MAX <= NODE_DRIVER_CONNS_MAX,
              "strangers and members fit in the connection slots together");

/* Bytes a peer sends before the core knows who it is and holds the session: M1 and M3 for an
 * incoming connection, M2 and M4 for an outgoing one, then the stream header. Fewer bytes in
 * means a connection closed for time was still in its handshake (for the log line). */
#define HS_IN_BYTES_INCOMING (PROTO_HS_M1_BYTES + PROTO_HS_M3_BYTES + PROTO_STREAM_HEADER_BYTES)
#define HS_IN_BYTES_OUTGOING (PROTO_HS_M2_BYTES + PROTO_HS_M4_BYTES + PROTO_STREAM_HEADER_BYTES)

typedef struct driver driver;

typedef enum conn_state {
    CONN_SILENT,     /* incoming: read, but no byte yet, so not handed to the core */
    CONN_RESOLVING,  /* outgoing: getaddrinfo pending */
    CONN_CONNECTING, /* outgoing: uv_tcp_connect pending */
    CONN_OPEN,       /* the core knows it (or is about to be told) */
    CONN_CLOSING,    /* flushing, then closing its handles */
} conn_state;

typedef struct conn {
    uv_tcp_t tcp;
    uv_timer_t timer; /* connect timeout, then close grace */
    uv_getaddrinfo_t gai;
    uv_connect_t connect_req;
    uv_shutdown_t shutdown_req;
    driver *d;
    uint32_t id;
    uint32_t slot;
    conn_state state;
    int refs;         /* open handles and pending requests; released at 0 */
    bool tcp_inited;  /* tcp is a handle to close */
    bool gai_pending; /* gai is in flight */
    bool in_core;     /* node_conn_open succeeded: node_conn_closed owed */
    bool outgoing;    /* we dialled */
    bool failed_sent; /* node_connect_failed reported */
    bool dirty;       /* has bytes in pend to flush at the end of drain */
    bool peer_known;  /* peer holds the key (outgoing, or told by a CLOSE action) */
    uint8_t peer[PROTO_KEY_BYTES];
    uint16_t port;  /* outgoing: the port to connect to after resolving */
    char where[80]; /* "FR at 127.0.0.1:7401" or "from 127.0.0.1:51234": for logs */
    char addr[80];  /* "FR at 127.0.0.1:7401" or "127.0.0.1:51234": the peer, for logs */

    /* Strangers (incoming, first message not yet accepted; see on_incoming). */
    bool stranger;
    uint8_t src[16];      /* source address (IPv4 in the first 4 bytes), for the per-address cap */
    uint64_t accepted_ms; /* uv_now at accept: the oldest silent stranger is evicted first */
    uint64_t core_ms;     /* uv_now at node_conn_open */
    uint64_t bytes_in;    /* bytes read from the peer */
    uint64_t last_in_ms;  /* uv_now when bytes last arrived */
    uint8_t *pend;        /* bytes gathered in this drain; moved to a write request */
    size_t pend_len, pend_cap;
    struct conn *next_dirty;
} conn;

/* One uv_write of a connection's or a client's gathered bytes; owns them. */
typedef struct wreq {
    uv_write_t req;
    uint8_t *data;
    size_t len;
} wreq;

typedef struct client {
    uv_pipe_t pipe;
    uint64_t out_ms; /* uv_now when its output last moved (queued from empty, or written) */
    driver *d;
    uint32_t slot;
    uint8_t *in; /* requests read, not yet handled */
    size_t in_len, in_cap;
    size_t queued;      /* response bytes handed to uv_write, not yet written */
    bool reading;       /* uv_read_start is in effect */
    bool stalled;       /* requests wait in `in` until the client takes its responses */
    bool more;          /* requests wait in `in` for the next turn (RN_CONTROL_TURN_REQUESTS) */
    bool eof;           /* the client has sent everything it will send */
    bool closing;       /* uv_close called */
    bool close_after;   /* close once every response is written */
    uint64_t active_ms; /* uv_now of its last read or completed write */
} client;

/* What the peer poll last saw, to log connects and disconnects once each. */
typedef struct peer_seen {
    uint8_t key[PROTO_KEY_BYTES];
    bool connected;
    bool forked;  /* its author was reported forked */
    bool badsig;  /* its author was reported for an entry whose own signature fails */
    bool failing; /* the last dial attempt failed (logged at info once, then at debug) */
} peer_seen;

struct driver {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_pipe_t control;
    uv_timer_t core_timer;
    uv_timer_t flush_timer;
    uv_timer_t poll_timer;
    uv_idle_t ctl_idle; /* runs while some control client has requests left for a next turn */
    uv_signal_t sigint, sigterm;
    uv_signal_t sighup; /* reload: configuration, roster file, change files, key */
    node *n;
    store *s;
    const nodeconf *conf;
    const nodeconf_roster *roster;
    nodeconf *conf_own;          /* after a SIGHUP: the configuration read again (conf) */
    nodeconf_roster *roster_own; /* after a SIGHUP: the roster file read again (roster) */
    bool dial_stale;             /* a roster event came: the dial list is computed again */
    char control_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    bool control_bound;
    bool stopping;
    node_http *http; /* the HTTP gateway ([http] listen), NULL when off */

    conn *conns[NODE_DRIVER_CONNS_MAX];
    uint32_t conn_gen;
    conn *dirty;
    client *clients[RN_CONTROL_CLIENTS_MAX];

    node_clock clock; /* the node's time (now_ms) */

    uint64_t flush_first_ms; /* when the pending index flush was first scheduled */
    uint64_t flush_seen_new; /* entries_new when the flush timer was last (re)armed */

    peer_seen *seen; /* one per roster member */
    size_t seen_n;
    uint64_t forks_logged;    /* the core's forks_seen when forks were last looked for */
    uint64_t badsigs_logged;  /* the core's badsigs_seen likewise */
    uint64_t refusals_logged; /* the core's witness refusals likewise */

    /* Catch-up lines (log_catchup). */
    uint64_t cu_logged;      /* number of the last catch-up whose start was logged */
    bool cu_open;            /* and its end not yet */
    node_log_level cu_level; /* the level of its lines */
    uint64_t cu_line_ms;     /* when its last line was written */

    uint8_t readbuf[READ_BYTES];
    mp_buf resp; /* one control response at a time */

    /* The doors (node/README.md, "Strangers and floods"). */
    uint32_t strangers_max, strangers_per_addr; /* RN_STRANGERS_*, within peers_max / 2 */
    size_t ctl_queued;                          /* response bytes queued for every client */
    node_guard_counters *guard;                 /* the counters, held by the core */
    node_log_limit rl_conns;                    /* refused, evicted, timed out strangers */
    node_log_limit rl_handshake[4];             /* handshakes refused (by reason), timed out */
    node_log_limit rl_control;                  /* control clients refused, evicted or cut */
    node_log_limit rl_none;                     /* members' lines: never limited */
};

/* ---- Time ---- */

static uint64_t read_ms(clockid_t id)
{
    struct timespec ts;
    if (clock_gettime(id, &ts) != 0)
        return 0; /* both clocks exist on every system recnetd runs on */
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

#ifdef CLOCK_BOOTTIME
#define MONO_CLOCK CLOCK_BOOTTIME
#else
#define MONO_CLOCK CLOCK_MONOTONIC
#endif

static void clock_start(driver *d)
{
    node_clock_init(&d->clock, read_ms(CLOCK_REALTIME), read_ms(MONO_CLOCK));
}

/* The node's time: one reading of both clocks through d->clock, its steps logged. */
static uint64_t now_ms(driver *d)
{
    node_clock_event ev;
    node_clock *k = &d->clock;
    uint64_t t = node_clock_read(k, read_ms(CLOCK_REALTIME), read_ms(MONO_CLOCK), &ev);
    switch (ev) {
    case NODE_CLOCK_STEP:
        NODE_LOG_WARN("wall clock stepped %+lld ms from the node's clock: not followed unless it "
                      "holds for %u s; entries are stamped by the node's clock meanwhile",
                      (long long)k->step_ms, RN_CLOCK_CONFIRM_MS / 1000u);
        break;
    case NODE_CLOCK_RETURNED:
        NODE_LOG_WARN("wall clock back in line with the node's clock after a step");
        break;
    case NODE_CLOCK_FOLLOWED:
        NODE_LOG_WARN("wall clock step held for %u s: the node's clock follows it%s",
                      RN_CLOCK_CONFIRM_MS / 1000u,
                      k->slewing ? " (back: at half pace until the wall clock catches up)" : "");
        break;
    case NODE_CLOCK_STEADY:
    default:
        break;
    }
    if (d->n != NULL)
        node_clock_note(d->n, k);
    return t;
}

/* At start: says so when our own log's head is stamped ahead of the node's clock. */
static void clock_check_head(driver *d)
{
    uint64_t now = now_ms(d), head = node_head_time_ms(d->n);
    if (head > now + RN_CLOCK_PUBLISH_AHEAD_MS_MAX)
        NODE_LOG_WARN("our log's head is stamped %llu s ahead of the node's clock: publishing is "
                      "refused until the clock is within %u s of it (status: clock)",
                      (unsigned long long)((head - now) / 1000u),
                      RN_CLOCK_PUBLISH_AHEAD_MS_MAX / 1000u);
    else if (head > now)
        NODE_LOG_INFO("our log's head is stamped %llu ms ahead of the node's clock: the next "
                      "entries carry its timestamp",
                      (unsigned long long)(head - now));
}

/* ---- Names for logs ---- */

/* The roster file's entry of `key`, or of the key it was rotated from (the governed roster's
 * lineage, a few steps back): a rotated authority keeps its name and address. */
static const nodeconf_member *file_member(const driver *d, const uint8_t key[PROTO_KEY_BYTES])
{
    const nodeconf_member *m = nodeconf_roster_by_key(d->roster, key);
    const proto_authors *t = store_authors(d->s);
    for (int i = 0; m == NULL && t != NULL && i < 16; i++) {
        const proto_author *a = proto_authors_find(t, key);
        if (a == NULL || !a->has_prev)
            break;
        key = a->prev;
        m = nodeconf_roster_by_key(d->roster, key);
    }
    return m;
}

static const char *member_name(const driver *d, const uint8_t key[PROTO_KEY_BYTES], char *buf,
                               size_t len)
{
    const nodeconf_member *m = file_member(d, key);
    if (m != NULL)
        return m->name;
    char kt[PROTO_KEY_TEXT_LEN + 1];
    proto_key_text_format(key, kt);
    snprintf(buf, len, "%.16s...", kt);
    return buf;
}

static peer_seen *seen_of(driver *d, const uint8_t key[PROTO_KEY_BYTES])
{
    for (size_t i = 0; i < d->seen_n; i++)
        if (memcmp(d->seen[i].key, key, PROTO_KEY_BYTES) == 0)
            return &d->seen[i];
    return NULL;
}

/* ---- Connections ---- */

static void drain(driver *d);
static void conn_close(conn *c, bool graceful);

static conn *conn_get(driver *d, uint32_t id)
{
    uint32_t slot = id & ((1u << CONN_SLOT_BITS) - 1u);
    if (slot >= NODE_DRIVER_CONNS_MAX)
        return NULL;
    conn *c = d->conns[slot];
    return c != NULL && c->id == id ? c : NULL;
}

static conn *conn_new(driver *d)
{
    for (uint32_t i = 0; i < NODE_DRIVER_CONNS_MAX; i++) {
        if (d->conns[i] != NULL)
            continue;
        conn *c = calloc(1, sizeof(*c));
        if (c == NULL)
            return NULL;
        c->d = d;
        c->slot = i;
        d->conn_gen = (d->conn_gen + 1u) & ((1u << (32u - CONN_SLOT_BITS)) - 1u);
        c->id = (d->conn_gen << CONN_SLOT_BITS) | i;
        c->timer.data = c;
        c->tcp.data = c;
        uv_timer_init(&d->loop, &c->timer);
        c->refs = 1; /* the timer */
        d->conns[i] = c;
        return c;
    }
    return NULL;
}

/* The last handle or request of `c` is gone: tell the core and free it. */
static void conn_release(conn *c)
{
    driver *d = c->d;
    RN_ASSERT(c->refs > 0);
    if (--c->refs > 0)
        return;
    d->conns[c->slot] = NULL;
    if (c->in_core)
        node_conn_closed(d->n, c->id, now_ms(d));
    free(c->pend);
    free(c);
    drain(d);
}

static void on_conn_handle_closed(uv_handle_t *h)
{
    conn_release(h->data);
}

/* Closes every handle of `c` now (pending writes are cancelled). */
static void conn_close_handles(conn *c)
{
    c->state = CONN_CLOSING;
    if (c->gai_pending)
        uv_cancel((uv_req_t *)&c->gai);
    if (c->tcp_inited && !uv_is_closing((uv_handle_t *)&c->tcp))
        uv_close((uv_handle_t *)&c->tcp, on_conn_handle_closed);
    if (!uv_is_closing((uv_handle_t *)&c->timer))
        uv_close((uv_handle_t *)&c->timer, on_conn_handle_closed);
}

/* An outgoing attempt failed: the core hears it once, then the connection goes. */
static void conn_connect_failed(conn *c, const char *why)
{
    driver *d = c->d;
    peer_seen *ps = seen_of(d, c->peer);
    node_log_level lvl = ps != NULL && ps->failing ? NODE_LOG_DEBUG : NODE_LOG_INFO;
    node_log(lvl, "dial %s failed: %s", c->where, why);
    if (ps != NULL)
        ps->failing = true;
    if (!c->failed_sent) {
        c->failed_sent = true;
        node_connect_failed(d->n, c->peer, now_ms(d));
    }
    conn_close_handles(c);
}

static void on_write_done(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    conn *c = req->handle->data;
    if (status < 0 && status != UV_ECANCELED && c->state != CONN_CLOSING) {
        NODE_LOG_INFO("conn %u (%s): write failed: %s", c->id, c->where, uv_strerror(status));
        conn_close(c, false);
    }
    free(w->data);
    free(w);
}

/* Hands the gathered bytes of `c` to libuv as one write. */
static void conn_flush(conn *c)
{
    c->dirty = false;
    if (c->pend_len == 0 || !c->tcp_inited || uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    wreq *w = malloc(sizeof(*w));
    if (w == NULL) {
        NODE_LOG_ERR("conn %u: out of memory for a write", c->id);
        conn_close(c, false);
        return;
    }
    w->data = c->pend;
    w->len = c->pend_len;
    c->pend = NULL;
    c->pend_len = c->pend_cap = 0;
    uv_buf_t b = uv_buf_init((char *)w->data, (unsigned)w->len);
    int rc = uv_write(&w->req, (uv_stream_t *)&c->tcp, &b, 1, on_write_done);
    if (rc < 0) {
        free(w->data);
        free(w);
        NODE_LOG_INFO("conn %u (%s): write failed: %s", c->id, c->where, uv_strerror(rc));
        conn_close(c, false);
    }
}

/* Gathers data[0..len) for `c`; false when the connection's output bound would be passed. */
static bool conn_queue(conn *c, const uint8_t *data, size_t len)
{
    size_t queued = uv_stream_get_write_queue_size((uv_stream_t *)&c->tcp);
    if (queued + c->pend_len + len > RN_CONN_OUTBUF_BYTES)
        return false;
    if (c->pend_len + len > c->pend_cap) {
        size_t cap = c->pend_cap == 0 ? SEND_CHUNK_BYTES : c->pend_cap;
        while (cap < c->pend_len + len)
            cap *= 2;
        uint8_t *p = realloc(c->pend, cap);
        if (p == NULL)
            return false;
        c->pend = p;
        c->pend_cap = cap;
    }
    memcpy(c->pend + c->pend_len, data, len);
    c->pend_len += len;
    return true;
}

static void on_shutdown_done(uv_shutdown_t *req, int status)
{
    conn *c = req->handle->data;
    (void)status;
    conn_close_handles(c);
    conn_release(c); /* the shutdown request */
}

static void on_close_grace(uv_timer_t *t)
{
    conn *c = t->data;
    NODE_LOG_DEBUG("conn %u (%s): not flushed within %u ms: cut", c->id, c->where,
                   NODE_DRIVER_CLOSE_GRACE_MS);
    conn_close_handles(c);
}

/* Closes `c`: gracefully (what was sent is flushed first, within the grace period) or at once. */
static void conn_close(conn *c, bool graceful)
{
    if (c->state == CONN_CLOSING)
        return;
    bool open = c->state == CONN_OPEN;
    c->state = CONN_CLOSING;
    if (!open || !graceful || c->d->stopping) {
        conn_close_handles(c);
        return;
    }
    uv_read_stop((uv_stream_t *)&c->tcp);
    conn_flush(c);
    if (uv_is_closing((uv_handle_t *)&c->tcp))
        return;
    if (uv_shutdown(&c->shutdown_req, (uv_stream_t *)&c->tcp, on_shutdown_done) == 0) {
        c->refs++;
        uv_timer_start(&c->timer, on_close_grace, NODE_DRIVER_CLOSE_GRACE_MS, 0);
    } else {
        conn_close_handles(c);
    }
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    driver *d = h->loop->data;
    (void)suggested;
    *buf = uv_buf_init((char *)d->readbuf, sizeof(d->readbuf));
}

static void conn_start(conn *c);
static void stranger_check(conn *c);

static void on_conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    driver *d = c->d;
    if (nread == 0 || (c->state != CONN_OPEN && c->state != CONN_SILENT))
        return;
    if (c->state == CONN_SILENT) {
        if (nread < 0) { /* gone before saying anything: nothing to tell anyone */
            conn_close_handles(c);
            return;
        }
        conn_start(c); /* its first bytes: now the core hears of it */
        if (c->state != CONN_OPEN)
            return;
    }
    if (nread < 0) {
        char nb[32];
        const char *who = c->peer_known ? member_name(d, c->peer, nb, sizeof(nb)) : c->where;
        if (nread == UV_EOF)
            node_log_limited(c->stranger ? &d->rl_conns : &d->rl_none, uv_now(&d->loop),
                             NODE_LOG_INFO, "conn %u (%s) closed by the peer", c->id, who);
        else
            node_log_limited(c->stranger ? &d->rl_conns : &d->rl_none, uv_now(&d->loop),
                             NODE_LOG_INFO, "conn %u (%s) lost: %s", c->id, who,
                             uv_strerror((int)nread));
        conn_close(c, false);
        return;
    }
    c->bytes_in += (uint64_t)nread;
    c->last_in_ms = uv_now(&d->loop);
    node_conn_input(d->n, c->id, (const uint8_t *)buf->base, (size_t)nread, now_ms(d));
    drain(d);
    stranger_check(c);
}

/* The TCP stream of `c` is up: tell the core and start reading. */
static void conn_start(conn *c)
{
    driver *d = c->d;
    uint8_t seed[32];
    c->core_ms = uv_now(&d->loop);
    uv_tcp_nodelay(&c->tcp, 1);
    uv_tcp_keepalive(&c->tcp, 1, 60);
    randombytes_buf(seed, sizeof(seed));
    c->state = CONN_OPEN;
    int rc = node_conn_open(d->n, c->id, c->outgoing ? c->peer : NULL, seed, now_ms(d));
    sodium_memzero(seed, sizeof(seed));
    if (rc != 0) {
        if (!c->outgoing)
            d->guard->strangers_refused++;
        node_log_limited(&d->rl_conns, uv_now(&d->loop), NODE_LOG_INFO, "conn %u (%s) refused: %s",
                         c->id, c->where,
                         rc == RN_EFULL ? "peers_max connections already" : rn_strerror(rc));
        if (c->outgoing && !c->failed_sent) {
            c->failed_sent = true;
            node_connect_failed(d->n, c->peer, now_ms(d));
        }
        conn_close_handles(c);
        return;
    }
    c->in_core = true;
    if (c->outgoing) {
        peer_seen *ps = seen_of(d, c->peer);
        if (ps != NULL)
            ps->failing = false;
    }
    if (!c->outgoing)
        return; /* reading since it was accepted */
    rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_conn_read);
    if (rc < 0) {
        NODE_LOG_INFO("conn %u (%s): cannot read: %s", c->id, c->where, uv_strerror(rc));
        conn_close(c, false);
    }
}

static void on_connected(uv_connect_t *req, int status)
{
    conn *c = req->handle->data;
    driver *d = c->d;
    if (c->state == CONN_CLOSING) {
        if (!c->failed_sent && c->outgoing && !d->stopping) {
            c->failed_sent = true;
            node_connect_failed(d->n, c->peer, now_ms(d));
        }
        drain(d);
        return;
    }
    uv_timer_stop(&c->timer);
    if (status < 0) {
        conn_connect_failed(c, uv_strerror(status));
    } else {
        NODE_LOG_DEBUG("conn %u: connected to %s", c->id, c->where);
        conn_start(c);
    }
    drain(d);
}

static void conn_connect_addr(conn *c, const struct sockaddr *sa)
{
    driver *d = c->d;
    int rc = uv_tcp_init(&d->loop, &c->tcp);
    if (rc == 0) {
        c->tcp_inited = true;
        c->refs++;
        rc = uv_tcp_connect(&c->connect_req, &c->tcp, sa, on_connected);
    }
    if (rc < 0) {
        conn_connect_failed(c, uv_strerror(rc));
        return;
    }
    c->state = CONN_CONNECTING;
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    conn *c = req->data;
    driver *d = c->d;
    c->gai_pending = false;
    if (c->state == CONN_CLOSING || status == UV_ECANCELED) {
        if (!c->failed_sent && !d->stopping) {
            c->failed_sent = true;
            node_connect_failed(d->n, c->peer, now_ms(d));
        }
    } else if (status < 0 || res == NULL) {
        conn_connect_failed(c, status < 0 ? uv_strerror(status) : "no address");
    } else {
        struct sockaddr_storage ss;
        memcpy(&ss, res->ai_addr, res->ai_addrlen);
        if (ss.ss_family == AF_INET)
            ((struct sockaddr_in *)&ss)->sin_port = htons(c->port);
        else
            ((struct sockaddr_in6 *)&ss)->sin6_port = htons(c->port);
        conn_connect_addr(c, (struct sockaddr *)&ss);
    }
    uv_freeaddrinfo(res);
    conn_release(c); /* the getaddrinfo request; drains */
}

static void on_connect_timeout(uv_timer_t *t)
{
    conn *c = t->data;
    conn_connect_failed(c, "timed out");
    drain(c->d);
}

/* NODE_ACT_CONNECT: dial the member whose key is `peer`. */
static void dial(driver *d, const uint8_t peer[PROTO_KEY_BYTES])
{
    char nb[32], addr[300];
    const nodeconf_member *m = file_member(d, peer);
    if (m == NULL || !m->has_address) {
        NODE_LOG_WARN("cannot dial %s: no address in the roster",
                      member_name(d, peer, nb, sizeof(nb)));
        node_connect_failed(d->n, peer, now_ms(d));
        return;
    }
    conn *c = conn_new(d);
    if (c == NULL) {
        NODE_LOG_WARN("cannot dial %s: %u connections open already", m->name,
                      NODE_DRIVER_CONNS_MAX);
        node_connect_failed(d->n, peer, now_ms(d));
        return;
    }
    c->outgoing = true;
    c->peer_known = true;
    memcpy(c->peer, peer, PROTO_KEY_BYTES);
    c->port = m->address.port;
    snprintf(c->where, sizeof(c->where), "%s at %s", m->name,
             nodeconf_addr_format(&m->address, addr, sizeof(addr)));
    snprintf(c->addr, sizeof(c->addr), "%s", c->where);
    NODE_LOG_DEBUG("conn %u: dialling %s", c->id, c->where);
    uv_timer_start(&c->timer, on_connect_timeout, NODE_DRIVER_CONNECT_TIMEOUT_MS, 0);

    struct sockaddr_in6 sa6;
    struct sockaddr_in sa4;
    if (uv_ip4_addr(m->address.host, m->address.port, &sa4) == 0) {
        conn_connect_addr(c, (const struct sockaddr *)&sa4);
        return;
    }
    if (uv_ip6_addr(m->address.host, m->address.port, &sa6) == 0) {
        conn_connect_addr(c, (const struct sockaddr *)&sa6);
        return;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    c->gai.data = c;
    c->state = CONN_RESOLVING;
    int rc = uv_getaddrinfo(&d->loop, &c->gai, on_resolved, m->address.host, NULL, &hints);
    if (rc < 0) {
        conn_connect_failed(c, uv_strerror(rc));
        return;
    }
    c->gai_pending = true;
    c->refs++;
}

static void on_listener_closed_extra(uv_handle_t *h)
{
    free(h);
}

/* Whether the kernel holds bytes of `c` not yet read: a stranger with its first message on the
 * way is about to be read, and is not evicted for its silence. */
static bool conn_bytes_waiting(conn *c)
{
    uv_os_fd_t fd;
    char b;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0)
        return false;
    return recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) > 0;
}

static bool stranger_evict(driver *d, const uint8_t *src, const conn *except);

/* Counts the live strangers (from `src` only, when not NULL), `except` left out. */
static uint32_t strangers_count(driver *d, const uint8_t *src, const conn *except)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < NODE_DRIVER_CONNS_MAX; i++) {
        const conn *o = d->conns[i];
        if (o != NULL && o != except && o->stranger && o->state != CONN_CLOSING &&
            (src == NULL || memcmp(o->src, src, sizeof(o->src)) == 0))
            n++;
    }
    return n;
}

/* Closes the oldest silent strangers (from `src` only, when not NULL; never `except`) until
 * fewer than `max` are left. A stranger whose bytes wait in the kernel is left alone (it is read
 * in this turn of the loop), and so is one accepted in this turn (its first message may be a
 * moment behind its connect): the newcomer then goes over the budget until the next arrival. */
static void strangers_trim(driver *d, const uint8_t *src, const conn *except, uint32_t max)
{
    uint32_t count = strangers_count(d, src, except);
    while (count >= max && stranger_evict(d, src, except))
        count--;
}

static bool stranger_evict(driver *d, const uint8_t *src, const conn *except)
{
    conn *cand[NODE_DRIVER_CONNS_MAX];
    size_t n = 0;
    uint64_t now = uv_now(&d->loop);
    for (uint32_t i = 0; i < NODE_DRIVER_CONNS_MAX; i++) {
        conn *o = d->conns[i];
        if (o != NULL && o != except && o->stranger && o->state != CONN_CLOSING &&
            o->accepted_ms < now && (src == NULL || memcmp(o->src, src, sizeof(o->src)) == 0))
            cand[n++] = o;
    }
    while (n > 0) {
        size_t old = 0;
        for (size_t i = 1; i < n; i++)
            if (cand[i]->accepted_ms < cand[old]->accepted_ms ||
                (cand[i]->accepted_ms == cand[old]->accepted_ms && cand[i]->id < cand[old]->id))
                old = i;
        conn *v = cand[old];
        cand[old] = cand[--n];
        if (conn_bytes_waiting(v))
            continue;
        d->guard->strangers_evicted++;
        node_log_limited(&d->rl_conns, uv_now(&d->loop), NODE_LOG_INFO,
                         "conn %u (%s): silent for %llu ms before its handshake: closed to make "
                         "room for a newer connection",
                         v->id, v->where, (unsigned long long)(uv_now(&d->loop) - v->accepted_ms));
        conn_close_handles(v);
        return true;
    }
    return false;
}

/* The first-message deadline of a stranger (RN_STRANGER_FIRST_MSG_MS). */
static void on_stranger_deadline(uv_timer_t *t)
{
    conn *c = t->data;
    driver *d = c->d;
    if (!c->stranger || c->state == CONN_CLOSING)
        return;
    d->guard->strangers_timed_out++;
    node_log_limited(&d->rl_conns, uv_now(&d->loop), NODE_LOG_INFO,
                     "conn %u (%s): no handshake message within %u ms: closed", c->id, c->where,
                     RN_STRANGER_FIRST_MSG_MS);
    conn_close_handles(c);
    drain(d);
}

/* After input: a stranger whose first message the core took (it is still open with M1 read) is
 * a holder of the network key: it leaves the strangers' budget and its deadline. */
static void stranger_check(conn *c)
{
    if (!c->stranger || c->state != CONN_OPEN || c->bytes_in < PROTO_HS_M1_BYTES)
        return;
    c->stranger = false;
    uv_timer_stop(&c->timer);
}

/* Refuses an incoming connection that has no slot: takes it off the backlog and closes it (or
 * libuv would offer it again at once). */
static void incoming_refuse(driver *d, uv_stream_t *server)
{
    uv_tcp_t *t = malloc(sizeof(*t));
    if (t == NULL)
        return;
    uv_tcp_init(&d->loop, t);
    if (uv_accept(server, (uv_stream_t *)t) == 0 && !d->stopping) {
        d->guard->strangers_refused++;
        node_log_limited(&d->rl_conns, uv_now(&d->loop), NODE_LOG_WARN,
                         "incoming connection refused: %u connections open already",
                         NODE_DRIVER_CONNS_MAX);
    }
    uv_close((uv_handle_t *)t, on_listener_closed_extra);
}

/*
 * A connection arrives. It is a stranger until its first handshake message has been accepted
 * (stranger_check): it is read at once but handed to the core only when its first bytes come
 * (so a silent one holds no core slot), it has RN_STRANGER_FIRST_MSG_MS to send them, and it
 * counts against the strangers' budgets: a newcomer beyond d->strangers_max, or beyond
 * d->strangers_per_addr from its address, closes the oldest silent stranger (stranger_evict).
 * Members' connections pass through the same door, but their M1 follows their connect within a
 * round trip, so they leave the budget before any flood can age them out.
 */
static void on_incoming(uv_stream_t *server, int status)
{
    driver *d = server->loop->data;
    if (status < 0) {
        NODE_LOG_WARN("accept failed: %s", uv_strerror(status));
        return;
    }
    if (!d->stopping)
        strangers_trim(d, NULL, NULL, d->strangers_max);
    conn *c = d->stopping ? NULL : conn_new(d);
    if (c == NULL) {
        incoming_refuse(d, server);
        return;
    }
    int rc = uv_tcp_init(&d->loop, &c->tcp);
    if (rc == 0) {
        c->tcp_inited = true;
        c->refs++;
        rc = uv_accept(server, (uv_stream_t *)&c->tcp);
    }
    if (rc < 0) {
        NODE_LOG_WARN("accept failed: %s", uv_strerror(rc));
        conn_close_handles(c);
        return;
    }
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    char ip[64] = "?";
    unsigned port = 0;
    if (uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0) {
        if (ss.ss_family == AF_INET) {
            const struct sockaddr_in *sin = (const struct sockaddr_in *)&ss;
            uv_ip4_name(sin, ip, sizeof(ip));
            port = ntohs(sin->sin_port);
            memcpy(c->src, &sin->sin_addr, 4);
        } else {
            const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)&ss;
            uv_ip6_name(sin6, ip, sizeof(ip));
            port = ntohs(sin6->sin6_port);
            memcpy(c->src, &sin6->sin6_addr, 16);
        }
    }
    snprintf(c->where, sizeof(c->where), "from %s:%u", ip, port);
    snprintf(c->addr, sizeof(c->addr), "%s:%u", ip, port);
    NODE_LOG_DEBUG("conn %u: incoming %s", c->id, c->where);
    c->stranger = true;
    c->accepted_ms = uv_now(&d->loop);
    strangers_trim(d, c->src, c, d->strangers_per_addr);
    c->state = CONN_SILENT;
    uv_tcp_nodelay(&c->tcp, 1);
    rc = uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_conn_read);
    if (rc < 0) {
        NODE_LOG_INFO("conn %u (%s): cannot read: %s", c->id, c->where, uv_strerror(rc));
        conn_close_handles(c);
        return;
    }
    uv_timer_start(&c->timer, on_stranger_deadline, RN_STRANGER_FIRST_MSG_MS, 0);
    drain(d);
}

/* ---- Actions ---- */

/* The limiter of handshake lines for `reason` (a refusal, or RN_ETIME): one per reason, so that
 * one kind of garbage does not hide another. */
static node_log_limit *handshake_limit(driver *d, int reason)
{
    switch (reason) {
    case RN_EROSTER:
        return &d->rl_handshake[0];
    case RN_EPROOF:
        return &d->rl_handshake[1];
    case RN_EVERSION:
        return &d->rl_handshake[2];
    default:
        return &d->rl_handshake[3];
    }
}

/* What a handshake refusal means, or NULL when `reason` is not one. */
static const char *refusal(int reason)
{
    switch (reason) {
    case RN_EROSTER:
        return "its key is not a member of the roster";
    case RN_EPROOF:
        return "a MAC, box or signature failed (another network key, or not the key dialled)";
    case RN_EVERSION:
        return "not a recnet handshake of our version";
    default:
        return NULL;
    }
}

static void act_close(driver *d, const node_action *a)
{
    conn *c = conn_get(d, a->conn);
    if (c == NULL || c->state == CONN_CLOSING)
        return;
    static const uint8_t zero[PROTO_KEY_BYTES];
    bool known = memcmp(a->peer, zero, PROTO_KEY_BYTES) != 0;
    if (known && !c->peer_known) {
        memcpy(c->peer, a->peer, PROTO_KEY_BYTES);
        c->peer_known = true;
    }
    char nb[32], who[160], kt[PROTO_KEY_TEXT_LEN + 1];
    const char *name = c->peer_known ? member_name(d, c->peer, nb, sizeof(nb)) : NULL;
    if (c->peer_known)
        snprintf(who, sizeof(who), "%s, %s", name, c->where);
    else
        snprintf(who, sizeof(who), "%s", c->where);
    if (a->reason == 0) {
        NODE_LOG_INFO("conn %u (%s) closed", c->id, who);
    } else if (a->reason == RN_EDUPLICATE) {
        /* Both ends dialled at once (or one redialled while the old connection lingered): both
         * keep the same one of the two by rule (PROTOCOL.md section 11.1). Nothing is wrong. */
        NODE_LOG_DEBUG("conn %u (%s): crossed dials with %s; keeping one connection", c->id,
                       c->where, name != NULL ? name : "the peer");
    } else if (refusal(a->reason) != NULL) {
        /* Name the key refused in full, so that an operator can look it up in a roster. */
        uint64_t now = uv_now(&d->loop);
        if (c->peer_known) {
            proto_key_text_format(c->peer, kt);
            node_log_limited(handshake_limit(d, a->reason), now, NODE_LOG_WARN,
                             "conn %u (%s, key %s): handshake refused: %s", c->id, c->where, kt,
                             refusal(a->reason));
        } else {
            node_log_limited(handshake_limit(d, a->reason), now, NODE_LOG_WARN,
                             "conn %u (%s, key not learnt): handshake refused: %s", c->id, c->where,
                             refusal(a->reason));
        }
    } else if (a->reason == RN_ETIME &&
               c->bytes_in < (c->outgoing ? HS_IN_BYTES_OUTGOING : HS_IN_BYTES_INCOMING)) {
        /* The core's handshake_ms ran out before the peer said all it must to get in. */
        node_log_limited(handshake_limit(d, a->reason), uv_now(&d->loop), NODE_LOG_WARN,
                         "conn %u: handshake with %s timed out after %llu ms", c->id,
                         c->peer_known && !c->outgoing ? who : c->addr,
                         (unsigned long long)(uv_now(&d->loop) - c->core_ms));
    } else if (a->reason == RN_ETIME) {
        NODE_LOG_WARN("conn %u (%s): silent for %llu ms, through a PING: closed", c->id, who,
                      (unsigned long long)(uv_now(&d->loop) - c->last_in_ms));
    } else {
        node_log_limited(c->stranger ? handshake_limit(d, a->reason) : &d->rl_none,
                         uv_now(&d->loop), NODE_LOG_WARN, "conn %u (%s) closed: %s (%s)", c->id,
                         who, rn_strerror(a->reason), rn_err_name(a->reason));
    }
    conn_close(c, true);
}

static void act_send(driver *d, const node_action *a)
{
    conn *c = conn_get(d, a->conn);
    if (c == NULL || c->state != CONN_OPEN)
        return;
    if (!conn_queue(c, a->data, a->len)) {
        NODE_LOG_WARN("conn %u (%s): more than %u bytes waiting to be sent: closed", c->id,
                      c->where, RN_CONN_OUTBUF_BYTES);
        conn_close(c, false);
        return;
    }
    if (!c->dirty) {
        c->dirty = true;
        c->next_dirty = d->dirty;
        d->dirty = c;
    }
}

static void on_core_timer(uv_timer_t *t);
static void on_flush_timer(uv_timer_t *t);

/* Arms the core timer from node_deadline and the index flush when entries await it. */
static void rearm(driver *d)
{
    uint64_t deadline = node_deadline(d->n);
    if (deadline == UINT64_MAX) {
        uv_timer_stop(&d->core_timer);
    } else {
        uint64_t now = now_ms(d);
        uv_timer_start(&d->core_timer, on_core_timer, deadline > now ? deadline - now : 0, 0);
    }
    if (d->s->index_pending && !uv_is_active((uv_handle_t *)&d->flush_timer)) {
        d->flush_first_ms = now_ms(d);
        d->flush_seen_new = node_counters_get(d->n)->entries_new;
        uv_timer_start(&d->flush_timer, on_flush_timer, NODE_DRIVER_FLUSH_QUIET_MS, 0);
    }
}

/*
 * Logs catch-ups (node_catchup): a line when one begins, one at most every
 * NODE_DRIVER_CATCHUP_LOG_MS while it runs, and one when it ends. A catch-up expected to fetch
 * NODE_DRIVER_CATCHUP_INFO_ENTRIES or more, or running longer than NODE_DRIVER_CATCHUP_LOG_MS, is
 * logged at info; the small ones every lazy push starts, at debug.
 */
static void log_catchup(driver *d)
{
    const node_catchup *cu = node_catchup_get(d->n);
    uint64_t now = now_ms(d);
    char nb[32], more[96] = "";
    if (cu->number != d->cu_logged) {
        d->cu_logged = cu->number;
        d->cu_open = true;
        d->cu_line_ms = now;
        d->cu_level =
            cu->expected >= NODE_DRIVER_CATCHUP_INFO_ENTRIES ? NODE_LOG_INFO : NODE_LOG_DEBUG;
        if (cu->peers > 1)
            snprintf(more, sizeof(more), " and %u other peers", cu->peers - 1);
        node_log(
            d->cu_level,
            "catch-up %" PRIu64 " started: %" PRIu64 " entries of %u authors to fetch, from %s%s",
            cu->number, cu->expected, cu->authors, member_name(d, cu->peer, nb, sizeof(nb)), more);
    }
    if (!d->cu_open)
        return;
    uint64_t ms = (cu->active ? now : cu->end_ms) - cu->start_ms;
    double rate = ms > 0 ? (double)cu->entries * 1000.0 / (double)ms : 0.0;
    if (cu->entries >= NODE_DRIVER_CATCHUP_INFO_ENTRIES || ms >= NODE_DRIVER_CATCHUP_LOG_MS)
        d->cu_level = NODE_LOG_INFO;
    if (!cu->active) {
        d->cu_open = false;
        uint64_t left = node_entries_missing(d->n);
        if (left > 0)
            snprintf(more, sizeof(more), "; %" PRIu64 " entries left, no peer asked", left);
        node_log(d->cu_level,
                 "catch-up %" PRIu64 " done: %" PRIu64 " entries in %.1f s (%.0f entries/s)%s",
                 cu->number, cu->entries, (double)ms / 1000.0, rate, more);
        return;
    }
    if (now - d->cu_line_ms < NODE_DRIVER_CATCHUP_LOG_MS)
        return;
    d->cu_line_ms = now;
    node_log(d->cu_level,
             "catch-up %" PRIu64 ": %" PRIu64 " entries in %.1f s (%.0f entries/s), %" PRIu64
             " remaining",
             cu->number, cu->entries, (double)ms / 1000.0, rate, node_entries_missing(d->n));
}

static void roster_events(driver *d);

/* Carries out every action the core queued, flushes the writes, re-arms the timers. */
static void drain(driver *d)
{
    node_action a;
    if (d->n == NULL)
        return;
    roster_events(d); /* first: a new dial list queues CONNECTs */
    while (node_next_action(d->n, &a)) {
        switch (a.kind) {
        case NODE_ACT_SEND:
            act_send(d, &a);
            break;
        case NODE_ACT_CLOSE:
            act_close(d, &a);
            break;
        case NODE_ACT_CONNECT:
            if (!d->stopping)
                dial(d, a.peer);
            break;
        default:
            RN_ASSERT(0 && "unknown action");
        }
    }
    while (d->dirty != NULL) {
        conn *c = d->dirty;
        d->dirty = c->next_dirty;
        c->next_dirty = NULL;
        if (c->state == CONN_OPEN)
            conn_flush(c);
        else
            c->dirty = false;
    }
    if (!d->stopping) {
        log_catchup(d);
        rearm(d);
    }
}

static void on_core_timer(uv_timer_t *t)
{
    driver *d = t->data;
    node_tick(d->n, now_ms(d));
    drain(d);
}

static void on_flush_timer(uv_timer_t *t)
{
    driver *d = t->data;
    uint64_t now = now_ms(d);
    uint64_t seen = node_counters_get(d->n)->entries_new;
    if (seen != d->flush_seen_new && now - d->flush_first_ms < NODE_DRIVER_FLUSH_MAX_MS) {
        /* Entries still arriving: a catch-up is under way; wait for it to go quiet. */
        d->flush_seen_new = seen;
        uv_timer_start(&d->flush_timer, on_flush_timer, NODE_DRIVER_FLUSH_QUIET_MS, 0);
        return;
    }
    uint64_t t0 = uv_hrtime();
    int rc = store_index_flush(d->s);
    if (rc != 0)
        NODE_LOG_ERR("index flush failed: %s", rn_strerror(rc));
    else
        NODE_LOG_DEBUG("index flushed in %.1f ms", (double)(uv_hrtime() - t0) / 1e6);
    drain(d);
}

/* Logs, once each, the authors found to have signed two entries at one seq: an operator must
 * see an equivocation in the log, not only in status. Looks only when the core counted a new
 * fork since the last look. */
static void log_new_forks(driver *d)
{
    const node_counters *nc = node_counters_get(d->n);
    if (nc->forks_seen == d->forks_logged)
        return;
    d->forks_logged = nc->forks_seen;
    store_read r;
    if (store_snapshot_begin(d->s, &r) != 0)
        return;
    for (size_t i = 0; i < d->seen_n; i++) {
        peer_seen *ps = &d->seen[i];
        store_head h;
        uint64_t seq;
        proto_str a, b;
        if (ps->forked || store_head_get(&r, ps->key, &h) != 0 ||
            (h.flags & STORE_HEAD_FORKED) == 0)
            continue;
        ps->forked = true;
        char nb[32];
        if (store_fork_get(&r, ps->key, &seq, &a, &b) == 0)
            NODE_LOG_WARN("author %s equivocated: two signed entries at seq %" PRIu64
                          "; evidence kept, answers resting on it say forked",
                          member_name(d, ps->key, nb, sizeof(nb)), seq);
        else
            NODE_LOG_WARN("author %s equivocated; answers resting on it say forked",
                          member_name(d, ps->key, nb, sizeof(nb)));
    }
    store_read_end(&r);
}

/* Logs, once each, the authors found to have published an entry whose own signature fails
 * (PROTOCOL.md section 2, "Unsigned entries"), like log_new_forks. */
static void log_new_badsigs(driver *d)
{
    const node_counters *nc = node_counters_get(d->n);
    if (nc->badsigs_seen == d->badsigs_logged)
        return;
    d->badsigs_logged = nc->badsigs_seen;
    store_read r;
    if (store_snapshot_begin(d->s, &r) != 0)
        return;
    for (size_t i = 0; i < d->seen_n; i++) {
        peer_seen *ps = &d->seen[i];
        store_head h;
        store_sigs sg;
        if (ps->badsig || store_head_get(&r, ps->key, &h) != 0 ||
            (h.flags & STORE_HEAD_BADSIG) == 0 || store_sigs_get(&r, ps->key, &sg) != 0)
            continue;
        ps->badsig = true;
        char nb[32];
        NODE_LOG_WARN("author %s published an unsigned entry: seq %" PRIu64
                      " fails its own signature, authenticated by its signed seq %" PRIu64
                      "; evidence kept, answers resting on it say forked",
                      member_name(d, ps->key, nb, sizeof(nb)), sg.bad_seq, sg.bad_anchor);
    }
    store_read_end(&r);
}

/* Logs each checkpoint the node refused to cosign because it holds another entry at one of its
 * heads (a split view, PROTOCOL.md 11.12): the evidence is kept in the replica and in status, and
 * an operator must see it in the log too. */
static void log_new_refusals(driver *d)
{
    uint64_t total = node_witness_evidence_count(d->n);
    if (total == d->refusals_logged)
        return;
    const node_witness_evidence *ev;
    size_t n = node_witness_evidence_get(d->n, &ev);
    for (size_t i = 0; i < n; i++) {
        const node_witness_evidence *e = &ev[i];
        if (e->number <= d->refusals_logged)
            continue;
        char sb[32], ab[32], shown[17], held[17];
        for (size_t k = 0; k < 8; k++) {
            snprintf(shown + 2 * k, 3, "%02x", e->shown[k]);
            snprintf(held + 2 * k, 3, "%02x", e->held[k]);
        }
        NODE_LOG_WARN("split view: %s's checkpoint names %s's seq %" PRIu64 " as %s..., this node "
                      "holds %s...: not cosigned; evidence %" PRIu64 " kept",
                      member_name(d, e->signer, sb, sizeof(sb)),
                      member_name(d, e->author, ab, sizeof(ab)), e->seq, shown, held, e->number);
    }
    d->refusals_logged = total;
}

static void client_close(client *cl);

/* Closes control clients silent for RN_CONTROL_IDLE_MS, so that clients that connect and never
 * finish a request cannot hold every slot, and clients that have taken none of their responses
 * for RN_CONTROL_WRITE_MS, so that clients that do not read cannot hold memory or slots. */
static void close_idle_clients(driver *d)
{
    uint64_t now = uv_now(&d->loop);
    for (size_t i = 0; i < RN_CONTROL_CLIENTS_MAX; i++) {
        client *cl = d->clients[i];
        if (cl == NULL || cl->closing)
            continue;
        if (cl->queued == 0 && now - cl->active_ms >= RN_CONTROL_IDLE_MS) {
            NODE_LOG_DEBUG("control client %u idle for %u ms: closed", cl->slot,
                           RN_CONTROL_IDLE_MS);
            client_close(cl);
        } else if (cl->queued > 0 && now - cl->out_ms >= RN_CONTROL_WRITE_MS) {
            d->guard->control_clients_closed++;
            node_log_limited(&d->rl_control, now, NODE_LOG_WARN,
                             "control client %u took none of its %zu response bytes for %u ms: "
                             "closed",
                             cl->slot, cl->queued, RN_CONTROL_WRITE_MS);
            client_close(cl);
        }
    }
}

/* Logs peers that connected or went since the last poll (the core has no event for it). */
static void on_poll_timer(uv_timer_t *t)
{
    driver *d = t->data;
    node_peer_info info[RN_PEERS_MAX * 2];
    size_t count = 0;
    node_peers(d->n, info, sizeof(info) / sizeof(info[0]), &count);
    if (count > sizeof(info) / sizeof(info[0]))
        count = sizeof(info) / sizeof(info[0]);
    for (size_t i = 0; i < d->seen_n; i++) {
        peer_seen *ps = &d->seen[i];
        bool now_connected = false, outgoing = false;
        for (size_t j = 0; j < count; j++)
            if (memcmp(info[j].key, ps->key, PROTO_KEY_BYTES) == 0 && info[j].connected) {
                now_connected = true;
                outgoing = info[j].outgoing;
            }
        char nb[32];
        if (now_connected && !ps->connected)
            NODE_LOG_INFO("peer %s connected (%s)", member_name(d, ps->key, nb, sizeof(nb)),
                          outgoing ? "outgoing" : "incoming");
        else if (!now_connected && ps->connected)
            NODE_LOG_INFO("peer %s disconnected", member_name(d, ps->key, nb, sizeof(nb)));
        ps->connected = now_connected;
        if (now_connected)
            ps->failing = false;
    }
    log_new_forks(d);
    log_new_badsigs(d);
    log_new_refusals(d);
    log_catchup(d); /* progress of a catch-up that has stalled */
    close_idle_clients(d);
    uint64_t now = uv_now(&d->loop);
    node_log_limit_flush(&d->rl_conns, now);
    for (size_t i = 0; i < 4; i++)
        node_log_limit_flush(&d->rl_handshake[i], now);
    node_log_limit_flush(&d->rl_control, now);
    d->guard->log_lines_suppressed = node_log_suppressed_total();
}

/* ---- Control clients ---- */

static void client_close(client *cl);

static_assert(offsetof(client, pipe) == 0, "a refused client is freed through its handle");

static void on_client_closed(uv_handle_t *h)
{
    client *cl = h->data;
    if (cl->d->clients[cl->slot] == cl)
        cl->d->clients[cl->slot] = NULL;
    free(cl->in);
    free(cl);
}

/* Closes `cl`; its slot is free at once (the handle goes in a later turn of the loop). */
static void client_close(client *cl)
{
    if (cl->closing)
        return;
    cl->closing = true;
    if (cl->d->clients[cl->slot] == cl)
        cl->d->clients[cl->slot] = NULL;
    uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
}

static void client_process(client *cl);
static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

/* Reads again from `cl` once nothing holds its requests back. */
static void client_read_again(client *cl)
{
    if (!cl->closing && !cl->stalled && !cl->more && !cl->reading && !cl->eof && !cl->close_after &&
        uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_client_read) == 0)
        cl->reading = true;
}

/* After `cl` handled its requests: closes it when it has said everything and has been answered. */
static void client_done_maybe(client *cl)
{
    if (!cl->closing && !cl->stalled && !cl->more && (cl->close_after || cl->eof) &&
        cl->queued == 0)
        client_close(cl);
}

/* Takes up requests again for clients with nothing queued that the bound on everyone's output
 * stalled, once it has room again. A client with output queued is taken up by its own writes
 * (on_client_write_done), so a client that does not read is never taken up by others' room. */
static void clients_resume(driver *d)
{
    for (size_t i = 0; i < RN_CONTROL_CLIENTS_MAX && d->ctl_queued < RN_CONTROL_QUEUED_BYTES_MAX;
         i++) {
        client *cl = d->clients[i];
        if (cl == NULL || cl->closing || !cl->stalled || cl->queued > 0)
            continue;
        client_process(cl);
        client_read_again(cl);
        client_done_maybe(cl);
    }
}

/* The next turn for clients with requests left (RN_CONTROL_TURN_REQUESTS). */
static void on_ctl_idle(uv_idle_t *h)
{
    driver *d = h->data;
    bool any = false;
    for (size_t i = 0; i < RN_CONTROL_CLIENTS_MAX; i++) {
        client *cl = d->clients[i];
        if (cl == NULL || cl->closing || !cl->more)
            continue;
        cl->more = false;
        client_process(cl);
        client_read_again(cl);
        client_done_maybe(cl);
        any = any || (!cl->closing && cl->more);
    }
    if (!any)
        uv_idle_stop(h);
}

static void on_client_write_done(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    client *cl = req->handle->data;
    driver *d = cl->d;
    cl->queued -= w->len;
    d->ctl_queued -= w->len;
    cl->out_ms = uv_now(&d->loop);
    free(w->data);
    free(w);
    if (cl->closing) {
        clients_resume(d);
        return;
    }
    if (status < 0) {
        NODE_LOG_DEBUG("control client %u: write failed: %s", cl->slot, uv_strerror(status));
        client_close(cl);
        return;
    }
    cl->active_ms = uv_now(&cl->d->loop);
    if (cl->stalled && !cl->more && cl->queued < NODE_DRIVER_CLIENT_OUT_MAX / 2)
        client_process(cl); /* caught up: the requests left waiting, first */
    client_read_again(cl);
    client_done_maybe(cl);
    clients_resume(d);
}

/* Logs the error of a response [1, msgid, error, result] when it has one (debug level), read
 * with the control API's codec. */
static void log_control_error(const client *cl, const uint8_t *resp, size_t len)
{
    ctl_response r;
    if (ctl_response_decode(&r, resp, len) != 0 || !r.is_error)
        return;
    NODE_LOG_DEBUG("control client %u: request %u failed: %.*s: %.*s", cl->slot, r.msgid,
                   (int)r.name_len, r.name != NULL ? (const char *)r.name : "", (int)r.message_len,
                   r.message != NULL ? (const char *)r.message : "");
}

/* Handles every complete request buffered, in order, and writes their responses as one. */
static void client_process(client *cl)
{
    driver *d = cl->d;
    uint8_t *out = NULL;
    size_t out_len = 0, out_cap = 0, off = 0;
    bool handled = false;
    uint32_t turn = 0;

    cl->stalled = false;
    while (off < cl->in_len && !cl->close_after) {
        if (turn == RN_CONTROL_TURN_REQUESTS) {
            cl->more = true;
            if (cl->reading) {
                uv_read_stop((uv_stream_t *)&cl->pipe);
                cl->reading = false;
            }
            uv_idle_start(&d->ctl_idle, on_ctl_idle);
            break;
        }
        /* Its own bound, and everyone's: a client with nothing queued may also use the reserve,
         * so that an operator is answered while others hold the rest. */
        size_t all = d->ctl_queued + out_len;
        bool room = all < RN_CONTROL_QUEUED_BYTES_MAX ||
                    (cl->queued == 0 && out_len == 0 &&
                     all < RN_CONTROL_QUEUED_BYTES_MAX + RN_CONTROL_QUEUED_RESERVE);
        if (cl->queued + out_len >= NODE_DRIVER_CLIENT_OUT_MAX || !room) {
            cl->stalled = true;
            if (cl->reading) {
                uv_read_stop((uv_stream_t *)&cl->pipe);
                cl->reading = false;
            }
            break;
        }
        mp_cur cur;
        mp_cur_init(&cur, cl->in + off, cl->in_len - off);
        int rc = mp_skip(&cur);
        size_t len = (size_t)(cur.p - (cl->in + off));
        if (rc == RN_ETRUNCATED && cl->in_len - off <= RN_CONTROL_REQUEST_BYTES_MAX)
            break; /* the rest of the request has not arrived yet */
        if (rc == RN_ETRUNCATED || (rc == 0 && len > RN_CONTROL_REQUEST_BYTES_MAX)) {
            rc = RN_ETOOBIG;
            len = cl->in_len - off;
        } else if (rc != 0) {
            len = cl->in_len - off;
        }
        mp_buf_reset(&d->resp);
        d->guard->log_lines_suppressed = node_log_suppressed_total();
        int crc = node_control(d->n, cl->in + off, len, &d->resp, now_ms(d));
        handled = true;
        turn++;
        if (crc != 0 && rc == 0)
            NODE_LOG_DEBUG("control client %u: response over %u bytes", cl->slot,
                           RN_CONTROL_RESPONSE_BYTES_MAX);
        if (rc == 0 && node_log_enabled(NODE_LOG_DEBUG))
            log_control_error(cl, d->resp.data, d->resp.len);
        if (d->resp.len > 0) {
            if (out_len + d->resp.len > out_cap) {
                size_t cap = out_cap == 0 ? SEND_CHUNK_BYTES : out_cap;
                while (cap < out_len + d->resp.len)
                    cap *= 2;
                uint8_t *p = realloc(out, cap);
                if (p == NULL) {
                    NODE_LOG_ERR("control client %u: out of memory", cl->slot);
                    cl->close_after = true;
                    break;
                }
                out = p;
                out_cap = cap;
            }
            memcpy(out + out_len, d->resp.data, d->resp.len);
            out_len += d->resp.len;
        }
        if (rc != 0) {
            NODE_LOG_DEBUG("control client %u: %s: answered with the error and closed", cl->slot,
                           rc == RN_ETOOBIG ? "request over 1 MiB" : rn_strerror(rc));
            cl->close_after = true;
            off = cl->in_len;
            break;
        }
        off += len;
    }
    if (off > 0) {
        memmove(cl->in, cl->in + off, cl->in_len - off);
        cl->in_len -= off;
    }
    if (out_len > 0) {
        wreq *w = malloc(sizeof(*w));
        uv_buf_t b = uv_buf_init((char *)out, (unsigned)out_len);
        int wrc = UV_ENOMEM;
        if (w != NULL) {
            w->data = out;
            w->len = out_len;
            wrc = uv_write(&w->req, (uv_stream_t *)&cl->pipe, &b, 1, on_client_write_done);
        }
        if (wrc < 0) {
            free(w);
            free(out);
            client_close(cl);
        } else {
            if (cl->queued == 0)
                cl->out_ms = uv_now(&d->loop);
            cl->queued += out_len;
            d->ctl_queued += out_len;
        }
    } else {
        free(out);
    }
    if (cl->close_after && cl->queued == 0)
        client_close(cl);
    if (handled)
        drain(d); /* a publish pushes entries to peers at once */
}

static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    client *cl = s->data;
    if (nread == 0 || cl->closing)
        return;
    if (nread < 0) {
        if (nread != UV_EOF)
            NODE_LOG_DEBUG("control client %u: %s", cl->slot, uv_strerror((int)nread));
        /* A client that half-closes after its requests still gets every response; a request
         * it left incomplete is dropped. */
        uv_read_stop(s);
        cl->reading = false;
        cl->eof = true;
        client_process(cl);
        client_done_maybe(cl);
        return;
    }
    cl->active_ms = uv_now(&cl->d->loop);
    /* Bounded: one request (plus one read) at most is ever held. */
    size_t want = cl->in_len + (size_t)nread;
    if (want > cl->in_cap) {
        size_t cap = cl->in_cap == 0 ? READ_BYTES : cl->in_cap;
        while (cap < want)
            cap *= 2;
        if (cap > RN_CONTROL_REQUEST_BYTES_MAX + READ_BYTES)
            cap = RN_CONTROL_REQUEST_BYTES_MAX + READ_BYTES;
        uint8_t *p = cap >= want ? realloc(cl->in, cap) : NULL;
        if (p == NULL) {
            NODE_LOG_DEBUG("control client %u: request buffer full: closed", cl->slot);
            client_close(cl);
            return;
        }
        cl->in = p;
        cl->in_cap = cap;
    }
    memcpy(cl->in + cl->in_len, buf->base, (size_t)nread);
    cl->in_len += (size_t)nread;
    client_process(cl);
}

/* Every slot is taken: closes the client that has taken none of its responses for longest, or
 * else the one idle for longest, so that an operator always gets in. Returns its slot. */
static uint32_t client_evict(driver *d)
{
    client *v = NULL;
    for (uint32_t i = 0; i < RN_CONTROL_CLIENTS_MAX; i++) {
        client *cl = d->clients[i];
        if (cl == NULL || cl->closing)
            continue;
        if (v == NULL || (cl->queued > 0 && v->queued == 0) ||
            ((cl->queued > 0) == (v->queued > 0) &&
             (cl->queued > 0 ? cl->out_ms < v->out_ms : cl->active_ms < v->active_ms)))
            v = cl;
    }
    if (v == NULL)
        return RN_CONTROL_CLIENTS_MAX;
    uint32_t slot = v->slot;
    uint64_t now = uv_now(&d->loop);
    d->guard->control_evicted++;
    node_log_limited(&d->rl_control, now, NODE_LOG_WARN,
                     "control client %u closed to make room for a new one: %s for %llu ms", slot,
                     v->queued > 0 ? "took no response" : "idle",
                     (unsigned long long)(now - (v->queued > 0 ? v->out_ms : v->active_ms)));
    client_close(v);
    return slot;
}

static void on_control_client(uv_stream_t *server, int status)
{
    driver *d = server->loop->data;
    if (status < 0) {
        NODE_LOG_WARN("control accept failed: %s", uv_strerror(status));
        return;
    }
    uint32_t slot = RN_CONTROL_CLIENTS_MAX;
    for (uint32_t i = 0; i < RN_CONTROL_CLIENTS_MAX; i++)
        if (d->clients[i] == NULL) {
            slot = i;
            break;
        }
    if (slot == RN_CONTROL_CLIENTS_MAX && !d->stopping)
        slot = client_evict(d);
    client *cl = calloc(1, sizeof(*cl));
    if (cl == NULL)
        return;
    cl->d = d;
    cl->slot = slot;
    cl->pipe.data = cl;
    uv_pipe_init(&d->loop, &cl->pipe, 0);
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0 || slot == RN_CONTROL_CLIENTS_MAX ||
        d->stopping) {
        if (slot == RN_CONTROL_CLIENTS_MAX && !d->stopping)
            node_log_limited(&d->rl_control, uv_now(&d->loop), NODE_LOG_WARN,
                             "control client refused: %u clients already", RN_CONTROL_CLIENTS_MAX);
        /* The pipe is the client's first member: freeing the handle frees the client. */
        cl->closing = true;
        uv_close((uv_handle_t *)&cl->pipe, on_listener_closed_extra);
        return;
    }
    d->clients[slot] = cl;
    cl->active_ms = uv_now(&d->loop);
    if (uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_client_read) == 0)
        cl->reading = true;
    else
        client_close(cl);
    NODE_LOG_DEBUG("control client %u connected", slot);
}

/* ---- Start and stop ---- */

static void on_closed_noop(uv_handle_t *h)
{
    (void)h;
}

static void close_if_open(uv_handle_t *h)
{
    if (h->type != UV_UNKNOWN_HANDLE && !uv_is_closing(h))
        uv_close(h, on_closed_noop);
}

static void shutdown_begin(driver *d, const char *why)
{
    if (d->stopping)
        return;
    d->stopping = true;
    NODE_LOG_INFO("%s: shutting down", why);
    close_if_open((uv_handle_t *)&d->listener);
    close_if_open((uv_handle_t *)&d->control);
    if (d->http != NULL) {
        node_http_stop(d->http);
        d->http = NULL;
    }
    if (d->control_bound) {
        unlink(d->control_path);
        d->control_bound = false;
    }
    /* At once, even those still flushing: a shutdown does not wait on a slow peer. */
    for (uint32_t i = 0; i < NODE_DRIVER_CONNS_MAX; i++)
        if (d->conns[i] != NULL)
            conn_close_handles(d->conns[i]);
    for (uint32_t i = 0; i < RN_CONTROL_CLIENTS_MAX; i++)
        if (d->clients[i] != NULL)
            client_close(d->clients[i]);
    close_if_open((uv_handle_t *)&d->core_timer);
    close_if_open((uv_handle_t *)&d->flush_timer);
    close_if_open((uv_handle_t *)&d->poll_timer);
    close_if_open((uv_handle_t *)&d->ctl_idle);
    close_if_open((uv_handle_t *)&d->sigint);
    close_if_open((uv_handle_t *)&d->sigterm);
    close_if_open((uv_handle_t *)&d->sighup);
}

static void on_sighup(uv_signal_t *h, int signum);

static void on_signal(uv_signal_t *h, int signum)
{
    shutdown_begin(h->data, signum == SIGINT ? "SIGINT" : "SIGTERM");
}

static int start_listener(driver *d)
{
    struct sockaddr_storage ss;
    char addr[300];
    const nodeconf_addr *a = &d->conf->listen;
    nodeconf_addr_format(a, addr, sizeof(addr));
    if (uv_ip4_addr(a->host, a->port, (struct sockaddr_in *)&ss) != 0 &&
        uv_ip6_addr(a->host, a->port, (struct sockaddr_in6 *)&ss) != 0) {
        NODE_LOG_ERR("%s: node.listen: %s: the host must be an IP address", d->conf->path, addr);
        return RN_EINVAL;
    }
    int rc = uv_tcp_init(&d->loop, &d->listener);
    if (rc == 0)
        rc = uv_tcp_bind(&d->listener, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&d->listener, LISTEN_BACKLOG, on_incoming);
    if (rc < 0) {
        NODE_LOG_ERR("cannot listen on %s: %s", addr, uv_strerror(rc));
        return RN_EIO;
    }
    NODE_LOG_INFO("listening on %s", addr);
    return 0;
}

static int start_control(driver *d)
{
    int n =
        snprintf(d->control_path, sizeof(d->control_path), "%s/control.sock", d->conf->data_dir);
    if (n < 0 || (size_t)n >= sizeof(d->control_path)) {
        NODE_LOG_ERR("%s/control.sock: path longer than a Unix socket allows (%zu bytes)",
                     d->conf->data_dir, sizeof(d->control_path) - 1);
        return RN_EINVAL;
    }
    struct stat st;
    if (lstat(d->control_path, &st) == 0) {
        if (!S_ISSOCK(st.st_mode)) {
            NODE_LOG_ERR("%s exists and is not a socket: not removed", d->control_path);
            return RN_EIO;
        }
        /* We hold the data directory's lock, so no live node owns it: a stale socket. */
        if (unlink(d->control_path) != 0) {
            NODE_LOG_ERR("cannot remove the stale %s: %s", d->control_path, strerror(errno));
            return RN_EIO;
        }
        NODE_LOG_DEBUG("removed the stale %s", d->control_path);
    }
    int rc = uv_pipe_init(&d->loop, &d->control, 0);
    if (rc == 0) {
        /* Created 0600 from the start (no window where others could connect), then made sure. */
        mode_t old = umask(0177);
        rc = uv_pipe_bind(&d->control, d->control_path);
        umask(old);
        if (rc == 0) {
            d->control_bound = true;
            if (chmod(d->control_path, 0600) != 0)
                rc = uv_translate_sys_error(errno);
        }
    }
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&d->control, CONTROL_BACKLOG, on_control_client);
    if (rc < 0) {
        NODE_LOG_ERR("cannot listen on %s: %s", d->control_path, uv_strerror(rc));
        return RN_EIO;
    }
    NODE_LOG_INFO("control socket %s", d->control_path);
    return 0;
}

/* The HTTP gateway's queries, run on this loop like a control client's (node/http.h). */
static int http_exec(void *ctx, const uint8_t *req, size_t len, mp_buf *resp)
{
    driver *d = ctx;
    if (d->n == NULL || d->stopping)
        return RN_EIO;
    d->guard->log_lines_suppressed = node_log_suppressed_total();
    return node_control(d->n, req, len, resp, now_ms(d));
}

static void http_done(void *ctx)
{
    driver *d = ctx;
    if (d->n != NULL && !d->stopping)
        drain(d);
}

/* [store] check_at_start: store_check before the node serves anything. A damaged entry is
 * reported and the node starts anyway: it serves nothing damaged and fetches the entry again from
 * a peer (store.h, "Integrity"). Returns 0 or the check's other errors. */
static int check_at_start(store *s)
{
    store_check_result res;
    NODE_LOG_INFO("checking the replica ([store] check_at_start)");
    int rc = store_check(s, &res);
    if (rc == RN_ECORRUPT) {
        const char *cc = store_author_country(s, res.bad_author);
        NODE_LOG_ERR("replica check: %s at entry %llu of %s's log; it is served to no one and "
                     "fetched again from a peer",
                     rn_strerror(rc), (unsigned long long)res.bad_seq,
                     cc != NULL ? cc : "an author");
        return 0;
    }
    if (rc != 0) {
        NODE_LOG_ERR("replica check: %s", rn_strerror(rc));
        return rc;
    }
    NODE_LOG_INFO("replica check: %llu entries from %llu authors, consistent",
                  (unsigned long long)res.entries, (unsigned long long)res.authors);
    return 0;
}

/* ---- The governed roster, live (PROTOCOL.md 11.11): events, the dial list, SIGHUP ---- */

/* The key that the member of the roster file holding `key` has now: `key` itself, or the key its
 * rotations led to (a few steps at most). */
static const uint8_t *current_key(const proto_authors *t, const uint8_t *key)
{
    for (int i = 0; t != NULL && i < 16; i++) {
        const proto_author *a = proto_authors_find(t, key);
        if (a == NULL || a->current || !a->has_next)
            break;
        key = a->next;
    }
    return key;
}

int node_driver_dial_list(const nodeconf *c, const nodeconf_roster *file, const store *s,
                          const uint8_t self[PROTO_KEY_BYTES],
                          uint8_t dial[NODECONF_DIAL_MAX][PROTO_KEY_BYTES], size_t *dial_n,
                          char *err, size_t err_len)
{
    const proto_authors *t = store_authors(s);
    size_t n = 0;
    size_t cands = c->dial_set ? c->dial_n : file->count;
    for (size_t i = 0; i < cands; i++) {
        const nodeconf_member *m;
        if (c->dial_set) {
            m = nodeconf_roster_by_name(file, c->dial[i]);
            if (m == NULL) {
                snprintf(err, err_len, "%s:%u: peers.dial: \"%s\" is not in the roster %s", c->path,
                         c->dial_line, c->dial[i], file->path);
                return RN_ENOTFOUND;
            }
            if (!m->has_address) {
                snprintf(err, err_len, "%s:%u: peers.dial: \"%s\" has no address in %s", c->path,
                         c->dial_line, c->dial[i], file->path);
                return RN_EINVAL;
            }
        } else {
            m = &file->members[i];
            if (!m->has_address)
                continue;
        }
        const uint8_t *key = current_key(t, m->key);
        if (memcmp(key, self, PROTO_KEY_BYTES) == 0 || proto_roster_find(&s->roster, key) == NULL)
            continue; /* ourselves, or no longer a member */
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = memcmp(dial[j], key, PROTO_KEY_BYTES) == 0;
        if (dup)
            continue;
        if (n == NODECONF_DIAL_MAX) {
            snprintf(err, err_len, "%s: more than %u peers to dial", c->path, NODECONF_DIAL_MAX);
            return RN_ETOOBIG;
        }
        memcpy(dial[n++], key, PROTO_KEY_BYTES);
    }
    *dial_n = n;
    return 0;
}

int node_driver_read_file(const char *path, size_t max, uint8_t **buf, size_t *len, char *err,
                          size_t err_len)
{
    FILE *f = fopen(path, "rb");
    *buf = NULL;
    *len = 0;
    if (f == NULL) {
        snprintf(err, err_len, "%s: %s", path, strerror(errno));
        return RN_EIO;
    }
    uint8_t *p = malloc(max + 1);
    size_t n = p != NULL ? fread(p, 1, max + 1, f) : 0;
    int bad = ferror(f);
    fclose(f);
    if (p == NULL) {
        snprintf(err, err_len, "%s: out of memory", path);
        return RN_ENOMEM;
    }
    if (bad || n > max) {
        free(p);
        snprintf(err, err_len, "%s: %s", path,
                 bad ? "cannot be read" : "larger than a roster document may be");
        return bad ? RN_EIO : RN_ETOOBIG;
    }
    *buf = p;
    *len = n;
    return 0;
}

void node_driver_free_changes(proto_str *v, size_t n)
{
    for (size_t i = 0; v != NULL && i < n; i++)
        free((void *)v[i].ptr);
    free(v);
}

/* One change file into v[*n]. */
static int change_read(const char *path, proto_str *v, size_t *n, char *err, size_t err_len)
{
    uint8_t *buf;
    size_t len;
    if (*n == RN_ROSTER_CHANGE_FILES_MAX) {
        snprintf(err, err_len, "%s: more than %u change files", path, RN_ROSTER_CHANGE_FILES_MAX);
        return RN_ETOOBIG;
    }
    RN_TRY(node_driver_read_file(path, RN_ROSTERCHAIN_CHANGE_BYTES_MAX, &buf, &len, err, err_len));
    v[*n].ptr = buf;
    v[*n].len = (uint32_t)len;
    (*n)++;
    return 0;
}

int node_driver_read_changes(const nodeconf *c, proto_str **out, size_t *out_n, char *err,
                             size_t err_len)
{
    proto_str *v = calloc(RN_ROSTER_CHANGE_FILES_MAX, sizeof(*v));
    size_t n = 0;
    int rc = 0;
    *out = NULL;
    *out_n = 0;
    if (v == NULL)
        return RN_ENOMEM;
    for (size_t i = 0; i < c->roster_changes_n && rc == 0; i++) {
        const char *p = c->roster_changes[i];
        struct stat sb;
        if (stat(p, &sb) != 0) {
            snprintf(err, err_len, "%s: node.roster_changes: %s: %s", c->path, p, strerror(errno));
            rc = RN_EIO;
        } else if (S_ISDIR(sb.st_mode)) {
            struct dirent **list = NULL;
            int k = scandir(p, &list, NULL, alphasort);
            if (k < 0) {
                snprintf(err, err_len, "%s: %s", p, strerror(errno));
                rc = RN_EIO;
            }
            for (int j = 0; j < k; j++) {
                char full[NODECONF_PATH_MAX + 260];
                struct stat fs;
                snprintf(full, sizeof(full), "%s/%s", p, list[j]->d_name);
                if (rc == 0 && list[j]->d_name[0] != '.' && stat(full, &fs) == 0 &&
                    S_ISREG(fs.st_mode))
                    rc = change_read(full, v, &n, err, err_len);
                free(list[j]);
            }
            free(list);
        } else {
            rc = change_read(p, v, &n, err, err_len);
        }
    }
    if (rc < 0) {
        node_driver_free_changes(v, n);
        return rc;
    }
    *out = v;
    *out_n = n;
    return 0;
}

/* What the poll logs about: every member of the roster in force and of the roster file. */
static void seen_rebuild(driver *d)
{
    size_t cap = d->roster->count + d->s->roster.count;
    peer_seen *nv = calloc(cap > 0 ? cap : 1, sizeof(*nv));
    size_t n = 0;
    if (nv == NULL)
        return;
    for (size_t pass = 0; pass < 2; pass++) {
        size_t k = pass == 0 ? d->s->roster.count : d->roster->count;
        for (size_t i = 0; i < k; i++) {
            const uint8_t *key =
                pass == 0 ? d->s->roster.members[i].key : d->roster->members[i].key;
            bool dup = false;
            for (size_t j = 0; j < n && !dup; j++)
                dup = memcmp(nv[j].key, key, PROTO_KEY_BYTES) == 0;
            if (dup)
                continue;
            peer_seen *old = seen_of(d, key);
            if (old != NULL)
                nv[n] = *old;
            memcpy(nv[n].key, key, PROTO_KEY_BYTES);
            n++;
        }
    }
    free(d->seen);
    d->seen = nv;
    d->seen_n = n;
}

/* The dial list from the roster file and the roster in force, handed to the core. */
static void dial_refresh(driver *d)
{
    uint8_t(*dial)[PROTO_KEY_BYTES] = calloc(NODECONF_DIAL_MAX, PROTO_KEY_BYTES);
    size_t n = 0;
    char err[NODECONF_ERR_MAX];
    if (dial == NULL)
        return;
    if (node_driver_dial_list(d->conf, d->roster, d->s, node_self(d->n)->key, dial, &n, err,
                              sizeof(err)) != 0)
        NODE_LOG_WARN("dial list kept as it was: %s", err);
    else
        node_dial_set(d->n, (const uint8_t(*)[PROTO_KEY_BYTES])dial, n, now_ms(d));
    free(dial);
}

static void roster_event_log(driver *d, const node_roster_event *ev)
{
    char nb[32], kt[PROTO_KEY_TEXT_LEN + 1], nk[PROTO_KEY_TEXT_LEN + 1], hex[17];
    proto_key_text_format(ev->key, kt);
    proto_key_text_format(ev->new_key, nk);
    const char *name = member_name(d, ev->key, nb, sizeof(nb));
    switch (ev->kind) {
    case NODE_RE_APPLIED:
        NODE_LOG_INFO("roster: version %" PRIu64 " in force", ev->version);
        break;
    case NODE_RE_ADDED:
        NODE_LOG_INFO("roster: %s joined at version %" PRIu64 " (%s%s%s)", kt, ev->version,
                      proto_role_name((int)ev->role), ev->country[0] ? " of " : "", ev->country);
        break;
    case NODE_RE_REMOVED:
        NODE_LOG_INFO("roster: %s (%s) removed at version %" PRIu64
                      ": its connections closed, its handshakes refused",
                      name, kt, ev->version);
        break;
    case NODE_RE_ROTATED:
        NODE_LOG_INFO("roster: %s's key %s rotated (%s) to %s at version %" PRIu64, name, kt,
                      ev->compromised ? "compromised" : "planned", nk, ev->version);
        break;
    case NODE_RE_SET:
        NODE_LOG_INFO("roster: %s is now %s%s%s at version %" PRIu64, name,
                      proto_role_name((int)ev->role), ev->country[0] ? " of " : "", ev->country,
                      ev->version);
        break;
    case NODE_RE_SELF_RETIRED:
        if (memcmp(ev->new_key, (uint8_t[PROTO_KEY_BYTES]){ 0 }, PROTO_KEY_BYTES) != 0)
            NODE_LOG_WARN("roster: our key %s was rotated to %s at version %" PRIu64
                          ": nothing more is published with it; point [node] key_file at the new "
                          "key and send SIGHUP",
                          kt, nk, ev->version);
        else
            NODE_LOG_WARN("roster: our key %s was removed at version %" PRIu64
                          ": nothing more is published with it",
                          kt, ev->version);
        break;
    case NODE_RE_DROPPED:
        sodium_bin2hex(hex, sizeof(hex), ev->key, 8);
        NODE_LOG_INFO("roster: change %s... of version %" PRIu64 " dropped: %s", hex, ev->version,
                      ev->reason == RN_EDUPLICATE ? "another change of that version took effect"
                      : ev->reason == RN_ECOUNT   ? "too many changes pending"
                                                  : rn_strerror(ev->reason));
        break;
    case NODE_RE_EQUIVOCATED:
        NODE_LOG_WARN("roster: %s (%s) signed two changes of version %" PRIu64
                      " that both reached the quorum",
                      name, kt, ev->version);
        break;
    case NODE_RE_REKEYED:
        NODE_LOG_INFO("roster: now signing with %s (its succession published); reconnecting", kt);
        break;
    default:
        break;
    }
}

static void roster_events(driver *d)
{
    node_roster_event ev;
    while (node_next_roster_event(d->n, &ev)) {
        roster_event_log(d, &ev);
        if (ev.kind != NODE_RE_DROPPED && ev.kind != NODE_RE_EQUIVOCATED)
            d->dial_stale = true;
    }
    if (d->dial_stale && !d->stopping) {
        d->dial_stale = false;
        seen_rebuild(d);
        dial_refresh(d);
    }
}

/* SIGHUP: the configuration, the roster file (without a governed roster, its members too), new
 * change files, and our key (PROTOCOL.md 11.11). What cannot change without a restart
 * (data_dir, listen, country) is kept, said so. */
static void on_sighup(uv_signal_t *h, int signum)
{
    driver *d = h->data;
    char err[NODECONF_ERR_MAX];
    (void)signum;
    if (d->stopping || d->n == NULL)
        return;
    NODE_LOG_INFO("SIGHUP: reading %s again", d->conf->path);
    nodeconf *nc = malloc(sizeof(*nc));
    nodeconf_roster *nr = calloc(1, sizeof(*nr));
    if (nc == NULL || nr == NULL || nodeconf_load(nc, d->conf->path, err, sizeof(err)) != 0) {
        NODE_LOG_ERR("SIGHUP: %s; nothing changed",
                     nc == NULL || nr == NULL ? "out of memory" : err);
        free(nc);
        free(nr);
        return;
    }
    if (nodeconf_roster_load(nr, nc->roster, err, sizeof(err)) != 0) {
        NODE_LOG_ERR("SIGHUP: %s; nothing changed", err);
        free(nc);
        free(nr);
        return;
    }
    if (strcmp(nc->data_dir, d->conf->data_dir) != 0 ||
        strcmp(nc->country, d->conf->country) != 0 ||
        strcmp(nc->listen.host, d->conf->listen.host) != 0 ||
        nc->listen.port != d->conf->listen.port)
        NODE_LOG_WARN("SIGHUP: data_dir, country and listen take effect at the next start");
    if (d->roster_own != NULL)
        nodeconf_roster_free(d->roster_own);
    free(d->roster_own);
    free(d->conf_own);
    d->conf = d->conf_own = nc;
    d->roster = d->roster_own = nr;
    node_log_set_level((node_log_level)nc->log_level);

    if (node_roster_chain(d->n) == NULL) {
        /* Without a governed roster the roster file is the roster: taken as at a restart. */
        bool changed = false;
        rn_diag dg = { 0 };
        int rc = node_roster_replace(d->n, &nr->roster, &changed, &dg);
        if (rc == RN_EROSTER)
            NODE_LOG_ERR("SIGHUP: %s: our key is not a member there with our role and country; "
                         "the members stay as they were (the addresses are taken)",
                         nc->roster);
        else if (rc != 0)
            NODE_LOG_ERR("SIGHUP: %s: the members stay as they were: %s", nc->roster,
                         rn_strerror(rc));
        else if (changed)
            NODE_LOG_INFO("SIGHUP: %s: %zu members now; connections made again", nc->roster,
                          nr->roster.count);
    }
    if (node_roster_chain(d->n) != NULL && nc->roster_changes_n > 0) {
        proto_str *docs = NULL;
        size_t k = 0;
        if (node_driver_read_changes(nc, &docs, &k, err, sizeof(err)) != 0) {
            NODE_LOG_WARN("SIGHUP: %s", err);
        } else {
            for (size_t i = 0; i < k; i++) {
                rn_diag dg = { 0 };
                if (node_roster_offer(d->n, docs[i].ptr, docs[i].len, now_ms(d), &dg) != 0)
                    NODE_LOG_WARN("SIGHUP: change file %zu of node.roster_changes: %s", i + 1,
                                  rn_strerror(dg.code != 0 ? dg.code : RN_EINVAL));
            }
            node_driver_free_changes(docs, k);
        }
    }

    uint8_t seed[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES];
    int sys_errno = 0;
    rn_diag dg = { 0 };
    if (conf_keyfile_read(nc->key_file, seed, pk, &sys_errno, &dg) != 0) {
        NODE_LOG_WARN("SIGHUP: %s: cannot read the secret key file: %s; key kept", nc->key_file,
                      sys_errno != 0 ? strerror(sys_errno) : rn_strerror(dg.code));
    } else if (memcmp(pk, node_self(d->n)->key, PROTO_KEY_BYTES) != 0) {
        char kt[PROTO_KEY_TEXT_LEN + 1];
        proto_key_text_format(pk, kt);
        proto_key_sk_derive(seed, sk, NULL);
        memset(&dg, 0, sizeof(dg));
        int rc = node_rekey(d->n, sk, now_ms(d), &dg);
        if (rc != 0)
            NODE_LOG_ERR("SIGHUP: %s: key %s not taken: %s%s%s", nc->key_file, kt,
                         rc == RN_EINCONSISTENT ? "it is not the key ours was rotated to"
                         : rc == RN_EROSTER     ? "it is not a member of the roster in force"
                                                : rn_strerror(rc),
                         dg.field != NULL ? ", field " : "", dg.field != NULL ? dg.field : "");
    }
    sodium_memzero(seed, sizeof(seed));
    sodium_memzero(sk, sizeof(sk));
    seen_rebuild(d);
    dial_refresh(d);
    drain(d);
}

int node_driver_run(store *s, const node_config *cfg, const nodeconf *conf,
                    const nodeconf_roster *roster)
{
    if (conf->check_at_start)
        RN_TRY(check_at_start(s));
    driver *d = calloc(1, sizeof(*d));
    int rc = 0;
    if (d == NULL)
        return RN_ENOMEM;
    d->s = s;
    d->conf = conf;
    d->roster = roster;
    mp_buf_init(&d->resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    rc = uv_loop_init(&d->loop);
    if (rc < 0) {
        NODE_LOG_ERR("uv_loop_init: %s", uv_strerror(rc));
        mp_buf_free(&d->resp);
        free(d);
        return RN_EIO;
    }
    d->loop.data = d;
    clock_start(d);
    {
        uint32_t peers = cfg->limits.peers_max != 0 ? cfg->limits.peers_max : RN_PEERS_MAX;
        d->strangers_max = RN_STRANGERS_MAX < peers / 2u ? RN_STRANGERS_MAX : peers / 2u;
        if (d->strangers_max == 0)
            d->strangers_max = 1;
        d->strangers_per_addr =
            RN_STRANGERS_PER_ADDR < d->strangers_max ? RN_STRANGERS_PER_ADDR : d->strangers_max;
    }
    d->rl_conns.what = "incoming connections refused, evicted or timed out before their handshake";
    for (size_t i = 0; i < 4; i++) {
        d->rl_handshake[i].what = i < 3 ? "handshakes refused" : "handshakes timed out";
        d->rl_handshake[i].quota = RN_LOG_REPEAT_LINES_HANDSHAKE;
    }
    d->rl_control.what = "control clients refused, evicted or cut off";
    d->rl_none.what = "lines about members";
    d->rl_none.quota = UINT32_MAX;

    d->seen_n = roster->count;
    d->seen = calloc(roster->count, sizeof(*d->seen));
    if (d->seen == NULL) {
        rc = RN_ENOMEM;
        goto out;
    }
    for (size_t i = 0; i < roster->count; i++)
        memcpy(d->seen[i].key, roster->members[i].key, PROTO_KEY_BYTES);

    uv_timer_init(&d->loop, &d->core_timer);
    uv_timer_init(&d->loop, &d->flush_timer);
    uv_timer_init(&d->loop, &d->poll_timer);
    uv_idle_init(&d->loop, &d->ctl_idle);
    d->ctl_idle.data = d;
    d->core_timer.data = d->flush_timer.data = d->poll_timer.data = d;
    uv_signal_init(&d->loop, &d->sigint);
    uv_signal_init(&d->loop, &d->sigterm);
    uv_signal_init(&d->loop, &d->sighup);
    d->sigint.data = d->sigterm.data = d->sighup.data = d;

    {
        /* [node] checkpoint_interval, in the core's unit (PROTOCOL.md 11.12). */
        node_config full = *cfg;
        full.checkpoint_ms = conf->checkpoint_interval_s * 1000u;
        rc = node_new(&d->n, s, &full, now_ms(d));
        sodium_memzero(full.sk, sizeof(full.sk));
    }
    if (rc != 0) {
        NODE_LOG_ERR("cannot start the node core: %s", rn_strerror(rc));
        d->n = NULL;
        shutdown_begin(d, "start failed");
        goto run;
    }
    clock_check_head(d);
    d->guard = node_guard_counters_get(d->n);
    seen_rebuild(d); /* the members of a governed roster too */
    rc = start_listener(d);
    if (rc == 0)
        rc = start_control(d);
    if (rc == 0 && conf->http_listen.port != 0)
        rc = node_http_start(&d->http, &d->loop, &conf->http_listen, conf->http_tls_cert,
                             conf->http_tls_key,
                             conf->http_rate_set ? conf->http_rate_per_s : RN_HTTP_RATE_PER_S,
                             (uint32_t)cfg->dial_n, http_exec, http_done, d);
    if (rc == 0 && conf->http_listen.port != 0)
        rc = node_http_verify_set(d->http, conf->http_issuer_docs, conf->http_trust);
    if (rc == 0 && conf->http_listen.port != 0)
        node_http_signer_set(d->http, cfg->sk); /* signs the JSON answers asked so (12.5) */
    if (rc != 0) {
        shutdown_begin(d, "start failed");
        goto run;
    }
    uv_signal_start(&d->sigint, on_signal, SIGINT);
    uv_signal_start(&d->sigterm, on_signal, SIGTERM);
    uv_signal_start(&d->sighup, on_sighup, SIGHUP);
    uv_timer_start(&d->poll_timer, on_poll_timer, PEERS_POLL_MS, PEERS_POLL_MS);
    {
        const proto_member *me = node_self(d->n);
        char kt[PROTO_KEY_TEXT_LEN + 1];
        proto_key_text_format(me->key, kt);
        NODE_LOG_INFO("node %s (%s%s%s) up: %zu members in the roster, %zu to dial", kt,
                      proto_role_name((int)me->role), me->country[0] ? " of " : "", me->country,
                      roster->count, cfg->dial_n);
    }
    drain(d);
run:
    uv_run(&d->loop, UV_RUN_DEFAULT);
    /* Every handle is closed: the core has heard of every connection's end. */
    if (d->n != NULL)
        node_free(d->n);
    d->n = NULL;
    if (d->control_bound)
        unlink(d->control_path);
out:
    if (uv_loop_close(&d->loop) != 0)
        NODE_LOG_WARN("event loop closed with handles still open");
    mp_buf_free(&d->resp);
    free(d->seen);
    if (d->roster_own != NULL)
        nodeconf_roster_free(d->roster_own);
    free(d->roster_own);
    free(d->conf_own);
    free(d);
    return rc;
}
