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
 * Control clients. Requests are read into a buffer bounded by RN_CONTROL_REQUEST_BYTES_MAX; each
 * complete MessagePack object (found with mp_skip) goes to node_control in order, and the
 * responses of one read are written back together, so a pipelining client costs one write per
 * read. A client whose bytes are not MessagePack gets the error response and is closed: the
 * stream cannot be resynchronised. A client that does not read its responses stops being read.
 *
 * The clock. The core wants milliseconds since the epoch and must never see time go back. The
 * driver takes the wall clock (CLOCK_REALTIME) once at start and adds the monotonic clock's
 * progress since (uv_hrtime), so an NTP step backwards never reaches the core; when the wall
 * clock is found more than a second ahead (a step forward, or a machine resumed from suspend,
 * during which the monotonic clock stops), the driver jumps forward to it. Entry timestamps are
 * thus the wall clock, within a second, and never decrease.
 */
#include "node/driver.h"

#include <errno.h>
#include <inttypes.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>
#include <uv.h>

#include "node/log.h"
#include "proto/key.h"
#include "proto/mp.h"

#define READ_BYTES       (64u * 1024u)
#define PEERS_POLL_MS    1000u
#define CLOCK_STEP_MS    1000u
#define CONTROL_BACKLOG  16
#define LISTEN_BACKLOG   128
#define CONN_SLOT_BITS   8u
#define SEND_CHUNK_BYTES (64u * 1024u)

static_assert(NODE_DRIVER_CONNS_MAX <= (1u << CONN_SLOT_BITS), "a slot fits in the id's low bits");

typedef struct driver driver;

typedef enum conn_state {
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
    char where[80]; /* "FR at 127.0.0.1:7401" or "127.0.0.1:51234": for logs */
    uint8_t *pend;  /* bytes gathered in this drain; moved to a write request */
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
    driver *d;
    uint32_t slot;
    uint8_t *in; /* requests read, not yet handled */
    size_t in_len, in_cap;
    size_t queued;      /* response bytes handed to uv_write, not yet written */
    bool reading;       /* uv_read_start is in effect */
    bool stalled;       /* requests wait in `in` until the client takes its responses */
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
    bool failing; /* the last dial attempt failed (logged at info once, then at debug) */
} peer_seen;

struct driver {
    uv_loop_t loop;
    uv_tcp_t listener;
    uv_pipe_t control;
    uv_timer_t core_timer;
    uv_timer_t flush_timer;
    uv_timer_t poll_timer;
    uv_signal_t sigint, sigterm;
    node *n;
    store *s;
    const nodeconf *conf;
    const nodeconf_roster *roster;
    char control_path[sizeof(((struct sockaddr_un *)0)->sun_path)];
    bool control_bound;
    bool stopping;

    conn *conns[NODE_DRIVER_CONNS_MAX];
    uint32_t conn_gen;
    conn *dirty;
    client *clients[RN_CONTROL_CLIENTS_MAX];

    uint64_t wall_base_ms, mono_base_ms;
    uint64_t last_now_ms;

    uint64_t flush_first_ms; /* when the pending index flush was first scheduled */
    uint64_t flush_seen_new; /* entries_new when the flush timer was last (re)armed */

    peer_seen *seen; /* one per roster member */
    size_t seen_n;
    uint64_t forks_logged; /* the core's forks_seen when forks were last looked for */

    /* Catch-up lines (log_catchup). */
    uint64_t cu_logged;      /* number of the last catch-up whose start was logged */
    bool cu_open;            /* and its end not yet */
    node_log_level cu_level; /* the level of its lines */
    uint64_t cu_line_ms;     /* when its last line was written */

    uint8_t readbuf[READ_BYTES];
    mp_buf resp; /* one control response at a time */
};

/* ---- Time ---- */

static uint64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static uint64_t now_ms(driver *d)
{
    uint64_t mono = uv_hrtime() / 1000000u;
    uint64_t t = d->wall_base_ms + (mono - d->mono_base_ms);
    uint64_t wall = wall_ms();
    if (wall > t + CLOCK_STEP_MS) {
        NODE_LOG_DEBUG("wall clock ran %llu ms ahead: following it",
                       (unsigned long long)(wall - t));
        d->wall_base_ms = wall;
        d->mono_base_ms = mono;
        t = wall;
    }
    if (t < d->last_now_ms)
        t = d->last_now_ms;
    d->last_now_ms = t;
    return t;
}

/* ---- Names for logs ---- */

static const char *member_name(const driver *d, const uint8_t key[PROTO_KEY_BYTES], char *buf,
                               size_t len)
{
    const nodeconf_member *m = nodeconf_roster_by_key(d->roster, key);
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

static void on_conn_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf)
{
    conn *c = s->data;
    driver *d = c->d;
    if (nread == 0 || c->state != CONN_OPEN)
        return;
    if (nread < 0) {
        char nb[32];
        const char *who = c->peer_known ? member_name(d, c->peer, nb, sizeof(nb)) : c->where;
        if (nread == UV_EOF)
            NODE_LOG_INFO("conn %u (%s) closed by the peer", c->id, who);
        else
            NODE_LOG_INFO("conn %u (%s) lost: %s", c->id, who, uv_strerror((int)nread));
        conn_close(c, false);
        return;
    }
    node_conn_input(d->n, c->id, (const uint8_t *)buf->base, (size_t)nread, now_ms(d));
    drain(d);
}

/* The TCP stream of `c` is up: tell the core and start reading. */
static void conn_start(conn *c)
{
    driver *d = c->d;
    uint8_t seed[32];
    uv_tcp_nodelay(&c->tcp, 1);
    uv_tcp_keepalive(&c->tcp, 1, 60);
    randombytes_buf(seed, sizeof(seed));
    c->state = CONN_OPEN;
    int rc = node_conn_open(d->n, c->id, c->outgoing ? c->peer : NULL, seed, now_ms(d));
    sodium_memzero(seed, sizeof(seed));
    if (rc != 0) {
        NODE_LOG_INFO("conn %u (%s) refused: %s", c->id, c->where,
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
    const nodeconf_member *m = nodeconf_roster_by_key(d->roster, peer);
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

static void on_incoming(uv_stream_t *server, int status)
{
    driver *d = server->loop->data;
    if (status < 0) {
        NODE_LOG_WARN("accept failed: %s", uv_strerror(status));
        return;
    }
    conn *c = d->stopping ? NULL : conn_new(d);
    if (c == NULL) {
        /* Take it off the backlog and close it, or libuv would offer it again at once. */
        uv_tcp_t *t = malloc(sizeof(*t));
        if (t == NULL)
            return;
        uv_tcp_init(&d->loop, t);
        if (uv_accept(server, (uv_stream_t *)t) == 0 && !d->stopping)
            NODE_LOG_WARN("incoming connection dropped: %u connections open already",
                          NODE_DRIVER_CONNS_MAX);
        uv_close((uv_handle_t *)t, on_listener_closed_extra);
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
            uv_ip4_name((struct sockaddr_in *)&ss, ip, sizeof(ip));
            port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
        } else {
            uv_ip6_name((struct sockaddr_in6 *)&ss, ip, sizeof(ip));
            port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
        }
    }
    snprintf(c->where, sizeof(c->where), "from %s:%u", ip, port);
    NODE_LOG_DEBUG("conn %u: incoming %s", c->id, c->where);
    conn_start(c);
    drain(d);
}

/* ---- Actions ---- */

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
        if (c->peer_known) {
            proto_key_text_format(c->peer, kt);
            NODE_LOG_WARN("conn %u (%s, key %s): handshake refused: %s", c->id, c->where, kt,
                          refusal(a->reason));
        } else {
            NODE_LOG_WARN("conn %u (%s, key not learnt): handshake refused: %s", c->id, c->where,
                          refusal(a->reason));
        }
    } else {
        NODE_LOG_WARN("conn %u (%s) closed: %s (%s)", c->id, who, rn_strerror(a->reason),
                      rn_err_name(a->reason));
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

/* Carries out every action the core queued, flushes the writes, re-arms the timers. */
static void drain(driver *d)
{
    node_action a;
    if (d->n == NULL)
        return;
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
    if (store_read_begin(d->s, &r) != 0)
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

static void client_close(client *cl);

/* Closes control clients silent for RN_CONTROL_IDLE_MS, so that clients that connect and never
 * finish a request cannot hold every slot. */
static void close_idle_clients(driver *d)
{
    uint64_t now = uv_now(&d->loop);
    for (size_t i = 0; i < RN_CONTROL_CLIENTS_MAX; i++) {
        client *cl = d->clients[i];
        if (cl != NULL && !cl->closing && cl->queued == 0 &&
            now - cl->active_ms >= RN_CONTROL_IDLE_MS) {
            NODE_LOG_DEBUG("control client %u idle for %u ms: closed", cl->slot,
                           RN_CONTROL_IDLE_MS);
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
    log_catchup(d); /* progress of a catch-up that has stalled */
    close_idle_clients(d);
}

/* ---- Control clients ---- */

static void client_close(client *cl);

static_assert(offsetof(client, pipe) == 0, "a refused client is freed through its handle");

static void on_client_closed(uv_handle_t *h)
{
    client *cl = h->data;
    cl->d->clients[cl->slot] = NULL;
    free(cl->in);
    free(cl);
}

static void client_close(client *cl)
{
    if (cl->closing)
        return;
    cl->closing = true;
    uv_close((uv_handle_t *)&cl->pipe, on_client_closed);
}

static void client_process(client *cl);
static void on_client_read(uv_stream_t *s, ssize_t nread, const uv_buf_t *buf);

static void on_client_write_done(uv_write_t *req, int status)
{
    wreq *w = (wreq *)req;
    client *cl = req->handle->data;
    cl->queued -= w->len;
    free(w->data);
    free(w);
    if (cl->closing)
        return;
    if (status < 0) {
        NODE_LOG_DEBUG("control client %u: write failed: %s", cl->slot, uv_strerror(status));
        client_close(cl);
        return;
    }
    cl->active_ms = uv_now(&cl->d->loop);
    if (cl->stalled && cl->queued < NODE_DRIVER_CLIENT_OUT_MAX / 2)
        client_process(cl); /* caught up: the requests left waiting, first */
    if (cl->closing || cl->stalled)
        return;
    if ((cl->close_after || cl->eof) && cl->queued == 0)
        client_close(cl);
    else if (!cl->reading && !cl->eof && !cl->close_after &&
             uv_read_start((uv_stream_t *)&cl->pipe, on_alloc, on_client_read) == 0)
        cl->reading = true;
}

/* Logs the error of a response [1, msgid, error, result] when it has one (debug level). */
static void log_control_error(const client *cl, const uint8_t *resp, size_t len)
{
    mp_cur c;
    uint32_t n = 0;
    uint64_t v = 0;
    mp_cur_init(&c, resp, len);
    if (mp_read_array(&c, &n) != 0 || n != 4 || mp_read_uint(&c, &v) != 0 ||
        mp_read_uint(&c, &v) != 0 || mp_peek(&c) != MP_MAP || mp_read_map(&c, &n) != 0)
        return;
    const uint8_t *name = NULL, *msg = NULL;
    uint32_t name_len = 0, msg_len = 0;
    for (uint32_t i = 0; i < n; i++) {
        const uint8_t *k, *s;
        uint32_t kl, sl;
        if (mp_read_str(&c, &k, &kl) != 0)
            return;
        if (mp_peek(&c) == MP_STR && mp_read_str(&c, &s, &sl) == 0) {
            if (kl == 4 && memcmp(k, "name", 4) == 0) {
                name = s;
                name_len = sl;
            } else if (kl == 7 && memcmp(k, "message", 7) == 0) {
                msg = s;
                msg_len = sl;
            }
        } else if (mp_skip(&c) != 0) {
            return;
        }
    }
    NODE_LOG_DEBUG("control client %u: request %llu failed: %.*s: %.*s", cl->slot,
                   (unsigned long long)v, (int)name_len, name != NULL ? (const char *)name : "",
                   (int)msg_len, msg != NULL ? (const char *)msg : "");
}

/* Handles every complete request buffered, in order, and writes their responses as one. */
static void client_process(client *cl)
{
    driver *d = cl->d;
    uint8_t *out = NULL;
    size_t out_len = 0, out_cap = 0, off = 0;
    bool handled = false;

    cl->stalled = false;
    while (off < cl->in_len && !cl->close_after) {
        if (cl->queued + out_len >= NODE_DRIVER_CLIENT_OUT_MAX) {
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
        int crc = node_control(d->n, cl->in + off, len, &d->resp, now_ms(d));
        handled = true;
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
            cl->queued += out_len;
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
        if (!cl->closing && !cl->stalled && cl->queued == 0)
            client_close(cl);
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
    client *cl = calloc(1, sizeof(*cl));
    if (cl == NULL)
        return;
    cl->d = d;
    cl->slot = slot;
    cl->pipe.data = cl;
    uv_pipe_init(&d->loop, &cl->pipe, 0);
    if (uv_accept(server, (uv_stream_t *)&cl->pipe) != 0 || slot == RN_CONTROL_CLIENTS_MAX ||
        d->stopping) {
        if (slot == RN_CONTROL_CLIENTS_MAX)
            NODE_LOG_WARN("control client refused: %u clients already", RN_CONTROL_CLIENTS_MAX);
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
    close_if_open((uv_handle_t *)&d->sigint);
    close_if_open((uv_handle_t *)&d->sigterm);
}

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
    d->wall_base_ms = wall_ms();
    d->mono_base_ms = uv_hrtime() / 1000000u;

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
    d->core_timer.data = d->flush_timer.data = d->poll_timer.data = d;
    uv_signal_init(&d->loop, &d->sigint);
    uv_signal_init(&d->loop, &d->sigterm);
    d->sigint.data = d->sigterm.data = d;

    rc = node_new(&d->n, s, cfg, now_ms(d));
    if (rc != 0) {
        NODE_LOG_ERR("cannot start the node core: %s", rn_strerror(rc));
        d->n = NULL;
        shutdown_begin(d, "start failed");
        goto run;
    }
    rc = start_listener(d);
    if (rc == 0)
        rc = start_control(d);
    if (rc != 0) {
        shutdown_begin(d, "start failed");
        goto run;
    }
    uv_signal_start(&d->sigint, on_signal, SIGINT);
    uv_signal_start(&d->sigterm, on_signal, SIGTERM);
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
    free(d);
    return rc;
}
