/*
 * net.c: the virtual network between the nodes (simnet/README.md, "The model").
 *
 * The network is TCP-like: each connection is two in-order byte streams. A SEND is cut into
 * chunks of at most chunk_bytes; each chunk leaves when the link's bandwidth lets it and arrives
 * a latency (drawn per link) plus jitter later, never before the chunk ahead of it (order within
 * a stream is never broken, exactly as TCP never reorders or duplicates what an application
 * reads). Loss is TCP's: a lost chunk arrives after a retransmission timeout, holding up what
 * follows it. Reordering delays a chunk (and what follows it) by up to reorder_ms, so messages of
 * different connections overtake each other: a push through one peer overtaking a fetch from
 * another. Duplication and corruption are what TCP would not let through, so they model a broken
 * path or an attacker: a chunk replayed into its stream, or with one byte flipped; the receiver
 * must refuse the stream and close it, and nothing invalid may get in. A partition holds every
 * chunk across it: the sender's TCP retransmits with exponential backoff (200 ms doubling), so
 * after the heal the held bytes arrive at the next retransmission; connections across it stay
 * up unless a core closes them (PING, idle_ms), and new connections across it fail after the
 * 5 s connect timeout of the libuv driver. A crash resets the node's sockets (sim.c): a FIN
 * reaches each peer after the link's latency.
 *
 * Connections are never freed or moved during a run (S->vcs holds pointers), so an index stays
 * valid; a connection's id on each side is net_conn_id(vc, side), what the cores see. Bytes that
 * reach a misbehaving endpoint go to evil.c. The dial lists (net_topology) are drawn at set-up.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "simnet/run.h"

#define CONNECT_TIMEOUT_MS 5000u /* the libuv driver's */
#define RTO_MIN_MS         200u  /* TCP's minimum retransmission timeout */
#define RTO_MAX_MS         120000u

static bool partitioned(const sim *S, const vconn *v)
{
    if (v->type[0] != END_NODE || v->type[1] != END_NODE)
        return false; /* an evil endpoint sits next to its target */
    return S->nodes[v->end[0]].group != S->nodes[v->end[1]].group;
}

/* One link's latency, the same both ways, drawn from the seed and the pair. */
static uint32_t link_latency(const sim *S, int i, int j)
{
    const sim_scenario *sc = S->sc;
    if (sc->lat_max_ms == sc->lat_min_ms)
        return sc->lat_min_ms;
    uint64_t lo = (uint64_t)(i < j ? i : j), hi = (uint64_t)(i < j ? j : i);
    uint64_t r = mix64(sc->seed ^ 0x6c696e6bull, lo * 4096 + hi);
    return sc->lat_min_ms + (uint32_t)(r % (sc->lat_max_ms - sc->lat_min_ms + 1));
}

/* ---- Connections ---- */

static void chunk_append(dirq *q, chunk *c)
{
    c->next = NULL;
    if (q->tail != NULL)
        q->tail->next = c;
    else
        q->head = c;
    q->tail = c;
}

static void dir_schedule(sim *S, size_t vc, int side)
{
    dirq *q = &S->vcs[vc]->q[side];
    if (q->head != NULL && !q->scheduled) {
        q->scheduled = true;
        run_push(S, q->head->at_ms, E_DATA, (uint32_t)vc, (uint32_t)side, 0);
    }
}

static uint64_t rto_ms(uint32_t lat, uint32_t tries)
{
    uint64_t r = RTO_MIN_MS + 2ull * lat;
    for (uint32_t i = 0; i < tries && r < RTO_MAX_MS; i++)
        r *= 2;
    return r < RTO_MAX_MS ? r : RTO_MAX_MS;
}

/* Bytes (or the FIN) from end `side` of vc enter the network. */
void net_send(sim *S, size_t vc, int side, const uint8_t *p, size_t len, bool fin)
{
    const sim_scenario *sc = S->sc;
    vconn *v = S->vcs[vc];
    dirq *q = &v->q[side];
    size_t off = 0;
    do {
        size_t l = fin ? 0 : len - off;
        if (l > sc->chunk_bytes)
            l = sc->chunk_bytes;
        uint64_t start = S->now_ms * 1000u > q->busy_us ? S->now_ms * 1000u : q->busy_us;
        q->busy_us =
            start +
            (sc->bandwidth_bytes_per_ms > 0 ? (uint64_t)l * 1000u / sc->bandwidth_bytes_per_ms : 0);
        uint64_t at = (q->busy_us + 999u) / 1000u + v->lat_ms;
        if (sc->jitter_ms > 0)
            at = at - sc->jitter_ms + rng_below(&S->net, 2ull * sc->jitter_ms + 1);
        bool special = v->type[0] == END_NODE && v->type[1] == END_NODE;
        for (uint32_t k = 0; special && sc->loss > 0 && rng_unit(&S->net) < sc->loss; k++) {
            at += rto_ms(v->lat_ms, k);
            S->chunks_lost++;
        }
        if (special && sc->reorder > 0 && rng_unit(&S->net) < sc->reorder)
            at += rng_below(&S->net, (uint64_t)sc->reorder_ms + 1);
        if (at < q->last_at_ms)
            at = q->last_at_ms;
        q->last_at_ms = at;
        int copies = 1;
        if (special && !fin && sc->duplicate > 0 && rng_unit(&S->net) < sc->duplicate) {
            copies = 2;
            S->chunks_dup++;
        }
        for (int c = 0; c < copies; c++) {
            chunk *ch = malloc(sizeof(*ch) + l);
            if (ch == NULL) {
                fprintf(stderr, "recnet-sim: out of memory\n");
                exit(2);
            }
            ch->at_ms = at;
            ch->retries = 0;
            ch->fin = fin;
            ch->len = (uint32_t)l;
            if (l > 0)
                memcpy(ch->data, p + off, l);
            if (special && l > 0 && c == 0 && sc->corrupt > 0 && rng_unit(&S->net) < sc->corrupt) {
                ch->data[rng_below(&S->net, l)] ^= (uint8_t)(1u << rng_below(&S->net, 8));
                S->chunks_corrupt++;
            }
            chunk_append(q, ch);
            S->chunks++;
        }
        off += l;
    } while (off < len);
    dir_schedule(S, vc, side);
}

/* End `side` of vc stops: a FIN follows the bytes it sent. */
void net_close(sim *S, size_t vc, int side)
{
    vconn *v = S->vcs[vc];
    if (!v->open[side])
        return;
    v->open[side] = false;
    net_send(S, vc, side, NULL, 0, true);
}

/* E_DATA: deliver what has arrived on one direction, in order. */
void net_on_data(sim *S, size_t vc, int side)
{
    vconn *v = S->vcs[vc];
    dirq *q = &v->q[side];
    q->scheduled = false;
    int dst = 1 - side;
    while (q->head != NULL && q->head->at_ms <= S->now_ms) {
        chunk *c = q->head;
        if (partitioned(S, v)) {
            /* The sender retransmits until the partition heals. */
            c->at_ms = S->now_ms + rto_ms(v->lat_ms, c->retries++);
            S->chunks_held++;
            break;
        }
        q->head = c->next;
        if (q->head == NULL)
            q->tail = NULL;
        if (v->open[dst]) {
            uint32_t id = net_conn_id(vc, dst);
            if (v->type[dst] == END_EVIL) {
                evil *e = &S->evils[v->end[dst]];
                if (!c->fin)
                    S->bytes_to_evil += c->len;
                if (c->fin) {
                    v->open[dst] = false;
                    evil_fin(S, e);
                } else {
                    evil_input(S, e, c->data, c->len);
                }
            } else {
                snode *x = &S->nodes[v->end[dst]];
                uint32_t d[2] = { (uint32_t)v->end[dst], id };
                run_trace(S, c->fin ? 'F' : 'D', d, sizeof(d));
                if (c->fin) {
                    v->open[dst] = false;
                    node_conn_closed(x->n, id, run_clock(S, x));
                    run_settle(S, v->end[dst], -1);
                } else {
                    uint64_t in0 = node_counters_get(x->n)->entries_in;
                    node_conn_input(x->n, id, c->data, c->len, run_clock(S, x));
                    uint64_t got = node_counters_get(x->n)->entries_in - in0;
                    int sender = v->type[side] == END_EVIL ? -2 : v->end[side];
                    if (sender >= 0)
                        S->copies += got;
                    else
                        S->copies_evil += got;
                    run_settle(S, v->end[dst], sender);
                }
            }
        }
        free(c);
        v = S->vcs[vc]; /* (stable: vconns are never moved) */
    }
    dir_schedule(S, vc, side);
}

size_t net_vconn_new(sim *S, int a, uint8_t ta, int b, uint8_t tb)
{
    run_grow((void **)&S->vcs, &S->vcs_cap, S->vcs_n + 1, sizeof(*S->vcs));
    vconn *v = run_calloc(1, sizeof(*v));
    v->end[0] = a;
    v->end[1] = b;
    v->type[0] = ta;
    v->type[1] = tb;
    if (ta == END_NODE)
        v->inc[0] = S->nodes[a].inc;
    if (tb == END_NODE)
        v->inc[1] = S->nodes[b].inc;
    v->lat_ms = ta == END_NODE && tb == END_NODE ? link_latency(S, a, b) : S->sc->lat_min_ms;
    S->vcs[S->vcs_n] = v;
    return S->vcs_n++;
}

void net_eph_seed(sim *S, uint8_t seed[32])
{
    for (int i = 0; i < 4; i++) {
        uint64_t r = rng_next(&S->net);
        memcpy(seed + 8 * i, &r, 8);
    }
}

/* NODE_ACT_CONNECT from node i. */
void net_on_connect(sim *S, int i, const uint8_t *peer)
{
    int j = run_node_by_key(S, peer);
    S->connects++;
    if (j < 0) {
        run_push(S, S->now_ms + 1, E_CONNFAIL, (uint32_t)i, (uint32_t)i, S->nodes[i].inc);
        return;
    }
    uint32_t lat = link_latency(S, i, j);
    if (S->nodes[i].group != S->nodes[j].group) {
        run_push(S, S->now_ms + CONNECT_TIMEOUT_MS, E_CONNFAIL, (uint32_t)i, (uint32_t)j,
                 S->nodes[i].inc);
        return;
    }
    if (!S->nodes[j].up) {
        run_push(S, S->now_ms + 2ull * lat, E_CONNFAIL, (uint32_t)i, (uint32_t)j, S->nodes[i].inc);
        return;
    }
    size_t vc = net_vconn_new(S, i, END_NODE, j, END_NODE);
    run_push(S, S->now_ms + lat, E_ACCEPT, (uint32_t)vc, 0, 0);
}

void net_on_accept(sim *S, size_t vc)
{
    vconn *v = S->vcs[vc];
    if (v->type[1] != END_NODE)
        return;
    snode *y = &S->nodes[v->end[1]];
    bool init_alive =
        v->type[0] == END_EVIL || (S->nodes[v->end[0]].up && S->nodes[v->end[0]].inc == v->inc[0]);
    if (!init_alive)
        return;
    if (!y->up || y->inc != v->inc[1] || partitioned(S, v)) {
        if (v->type[0] == END_NODE)
            run_push(S, S->now_ms + (y->up ? CONNECT_TIMEOUT_MS - v->lat_ms : v->lat_ms),
                     E_CONNFAIL, (uint32_t)v->end[0], (uint32_t)v->end[1], v->inc[0]);
        else
            run_push(S, S->now_ms + v->lat_ms, E_CONNECTED, (uint32_t)vc, 0, 0);
        return;
    }
    uint8_t seed[32];
    net_eph_seed(S, seed);
    int rc = node_conn_open(y->n, net_conn_id(vc, 1), NULL, seed, run_clock(S, y));
    if (rc == 0)
        v->open[1] = true;
    run_settle(S, v->end[1], -1);
    run_push(S, S->now_ms + v->lat_ms, E_CONNECTED, (uint32_t)vc, 0, 0);
}

void evil_connected(sim *S, evil *e);

void net_on_connected(sim *S, size_t vc)
{
    vconn *v = S->vcs[vc];
    if (v->type[0] == END_EVIL) {
        evil *e = &S->evils[v->end[0]];
        if (!v->open[1]) {
            e->state = EV_DONE;
            return;
        }
        v->open[0] = true;
        evil_connected(S, e);
        return;
    }
    int i = v->end[0];
    snode *x = &S->nodes[i];
    if (!x->up || x->inc != v->inc[0]) {
        net_close(S, vc, 1); /* nobody is there any more: reset */
        return;
    }
    const uint8_t *peer = S->nodes[v->end[1]].pk;
    if (!v->open[1]) {
        node_connect_failed(x->n, peer, run_clock(S, x));
        S->connects_failed++;
        run_settle(S, i, -1);
        return;
    }
    uint8_t seed[32];
    net_eph_seed(S, seed);
    int rc = node_conn_open(x->n, net_conn_id(vc, 0), peer, seed, run_clock(S, x));
    if (rc != 0) {
        node_connect_failed(x->n, peer, run_clock(S, x));
        S->connects_failed++;
        net_close(S, vc, 1);
    } else {
        v->open[0] = true;
    }
    run_settle(S, i, -1);
}

/* Each node's dial list: everyone (mesh), or `fanout` random others plus bridges between the
 * components that leaves, so that the graph is connected. */
int net_topology(sim *S)
{
    const sim_scenario *sc = S->sc;
    size_t n = S->n;
    if (sc->topology == SIM_TOPO_MESH && n - 1 > RN_PEERS_MAX) {
        fprintf(stderr,
                "recnet-sim: a mesh of %zu nodes needs more than %u peers: use "
                "'topology random <k>'\n",
                n, RN_PEERS_MAX);
        return -1;
    }
    uint8_t *adj = run_calloc(n * n, 1); /* adj[i * n + j]: i dials j */
    uint32_t *deg = run_calloc(n, sizeof(uint32_t));
    uint32_t peers_max = sc->limits.peers_max ? sc->limits.peers_max : RN_PEERS_MAX;
    if (sc->topology == SIM_TOPO_MESH) {
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                adj[i * n + j] = i != j;
    } else {
        for (size_t i = 0; i < n; i++) {
            for (uint32_t k = 0, tries = 0; k < sc->fanout && tries < 100000; tries++) {
                size_t j = (size_t)rng_below(&S->setup, n);
                if (j == i || adj[i * n + j] || adj[j * n + i] || deg[j] + 2 > peers_max)
                    continue;
                adj[i * n + j] = 1;
                deg[i]++;
                deg[j]++;
                k++;
            }
        }
        /* Union-find over the links; bridge every other component to the first. */
        size_t *up = run_calloc(n, sizeof(size_t));
        for (size_t i = 0; i < n; i++)
            up[i] = i;
        for (size_t i = 0; i < n; i++)
            for (size_t j = 0; j < n; j++)
                if (adj[i * n + j]) {
                    size_t a = i, b = j;
                    while (up[a] != a)
                        a = up[a];
                    while (up[b] != b)
                        b = up[b];
                    up[a] = b;
                }
        for (size_t i = 1; i < n; i++) {
            size_t a = i, b = 0;
            while (up[a] != a)
                a = up[a];
            while (up[b] != b)
                b = up[b];
            if (a != b) {
                adj[i * n + (size_t)rng_below(&S->setup, i)] = 1;
                up[a] = b;
            }
        }
        free(up);
    }
    for (size_t i = 0; i < n; i++) {
        snode *x = &S->nodes[i];
        x->dial = run_calloc(n, PROTO_KEY_BYTES);
        for (size_t j = 0; j < n; j++)
            if (adj[i * n + j])
                memcpy(x->dial[x->dial_n++], S->nodes[j].pk, PROTO_KEY_BYTES);
        if (x->dial_n > RN_PEERS_MAX) {
            fprintf(stderr, "recnet-sim: %s dials %zu peers\n", x->name, x->dial_n);
            free(adj);
            free(deg);
            return -1;
        }
    }
    free(adj);
    free(deg);
    return 0;
}
/* E_CONNFAIL: node i's attempt to reach `peer` failed (reset, timeout), if i is still the
 * incarnation that dialled. */
void net_on_connfail(sim *S, int i, int peer, uint32_t inc)
{
    snode *x = &S->nodes[i];
    if (x->up && x->inc == inc) {
        S->connects_failed++;
        node_connect_failed(x->n, S->nodes[peer].pk, run_clock(S, x));
        run_settle(S, i, -1);
    }
}
