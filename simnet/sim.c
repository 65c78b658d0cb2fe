/*
 * sim.c: the simulator: N node cores on one thread, a virtual clock, a virtual network, faults,
 * misbehaving peers, a workload, checks and a report (DESIGN.md section 7, simnet/README.md).
 *
 * Shape. One priority queue of events ordered by (virtual time, insertion number): core timers,
 * arrivals of bytes, connection set-up and failure, the scenario's timed directives, workload
 * steps and checks. Handling an event calls into at most one core (or one misbehaving endpoint),
 * then drains that core's actions: SEND bytes go into the connection's queue with their arrival
 * time, CLOSE closes this end at once and sends a FIN behind the bytes already queued, CONNECT
 * schedules the connection's set-up. No call into a core ever happens from within another, and
 * every effect on another node is a future event, so the order of everything is the order of the
 * queue, and the run is a pure function of the scenario and its seed.
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
 * 5 s connect timeout of the libuv driver. A crash is a process crash: the node's sockets are
 * reset (a FIN reaches each peer after the link's latency), its core is freed and its replica
 * closed; a restart opens the same directory and creates a new core.
 *
 * Misbehaving peers are "evil" endpoints: the simulator holds the keys of extra roster members
 * (mirrors X1, X2, ...), runs the real handshake (proto/wire.h) with them, and then sends what the
 * directive says: an authority's second entry at a seq (equivocation; the authority's own key
 * signs it, the endpoint only carries it), an entry whose signature is forged, a frame of random
 * ciphertext, a frame length past the bound, random bytes instead of the handshake, or a run of
 * an authority's next entries whose own signatures are garbage but for the last (the authority
 * publishes it: its key signs the last one and the links; it gets its entries back from peers).
 *
 * Observation: the simulator cannot read the encrypted frames, so it watches the replicas:
 * whenever a core reports newly accepted entries (node_counters.entries_new) after bytes from a
 * peer, it reads the replica's heads and records, for each new (author, seq), the delivery time
 * and the hop count (the sender's hop + 1; an entry's author delivers at hop 0). Entry copies
 * received (node_counters.entries_in) are attributed the same way.
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <sodium.h>

#include "proto/codes.h"
#include "proto/record.h"
#include "proto/wire.h"
#include "simnet/sim.h"
#include "store/query.h"
#include "store/store.h"

/* Every node clock starts at 2026-01-01 plus its skew; virtual time starts at 0. */
#define SIM_T0 1767225600000ull

#define CONNECT_TIMEOUT_MS 5000u /* the libuv driver's */
#define RTO_MIN_MS         200u  /* TCP's minimum retransmission timeout */
#define RTO_MAX_MS         120000u
#define EVIL_LINGER_MS     1000u /* an evil endpoint closes this long after its last send */
#define STUCK_TICKS_MAX    100000u
#define HOP_UNKNOWN        0xffu

/* ---- Random numbers: splitmix64 streams, each seeded from the run's seed ---- */

typedef struct rng {
    uint64_t s;
} rng;

static uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static uint64_t rng_below(rng *r, uint64_t n)
{
    return n == 0 ? 0 : rng_next(r) % n;
}

static double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static uint64_t mix64(uint64_t a, uint64_t b)
{
    rng r = { a ^ (b * 0xd1b54a32d192ed03ull) };
    rng_next(&r);
    return rng_next(&r);
}

/* libsodium's generator (stream headers of proto/wire.c) draws from this seeded stream. */
static rng sodium_rng;

static const char *det_name(void)
{
    return "recnet-sim";
}

static uint32_t det_random(void)
{
    return (uint32_t)rng_next(&sodium_rng);
}

static uint32_t det_uniform(const uint32_t upper)
{
    return upper < 2 ? 0 : (uint32_t)(rng_next(&sodium_rng) % upper);
}

static void det_buf(void *const buf, const size_t size)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t)rng_next(&sodium_rng);
}

static struct randombytes_implementation det_impl = {
    .implementation_name = det_name,
    .random = det_random,
    .stir = NULL,
    .uniform = det_uniform,
    .buf = det_buf,
    .close = NULL,
};

/* ---- Events ---- */

typedef enum ev_kind {
    E_TICK = 1,   /* a: node, gen: its tick generation */
    E_DATA,       /* a: vconn, b: direction (the sending end) */
    E_ACCEPT,     /* a: vconn: the responder accepts */
    E_CONNECTED,  /* a: vconn: the initiator learns it is connected */
    E_CONNFAIL,   /* a: node, b: peer node, gen: the node's incarnation */
    E_SCRIPT,     /* a: scenario event */
    E_PREP,       /* a: scenario event (evil endpoints connect ahead of an equivocation) */
    E_STREAM,     /* a: stream, b: step */
    E_EVIL_CLOSE, /* a: evil endpoint */
    E_CHECK,      /* a: heal number */
    E_END,        /* the scenario's run time is over: heal, restart, settle */
    E_FINAL,      /* final checks */
    E_EXPECT,     /* a: an `expect recognise` checked now */
    E_EVIL_ACT,   /* a: a persistent evil endpoint's next step (liar-heads, want-loop) */
} ev_kind;

typedef struct ev {
    uint64_t t, seq;
    uint32_t kind, a, b, gen;
} ev;

/* ---- The network ---- */

typedef struct chunk {
    struct chunk *next;
    uint64_t at;    /* arrival at the far end, virtual ms */
    uint32_t tries; /* retransmissions while partitioned */
    bool fin;
    uint32_t len;
    uint8_t data[];
} chunk;

typedef struct dirq {
    chunk *head, *tail;
    uint64_t busy_us; /* the link is sending until then (bandwidth) */
    uint64_t last_at; /* arrival of the last chunk queued: order */
    bool scheduled;   /* an E_DATA is pending */
} dirq;

enum { END_NODE = 0, END_EVIL = 1 };

typedef struct vconn {
    int end[2];      /* end[0] initiated */
    uint8_t type[2]; /* END_NODE or END_EVIL */
    uint32_t inc[2]; /* the incarnation of each node end when created */
    bool open[2];    /* the end holds the connection open */
    uint32_t lat_ms; /* one-way latency of the link */
    dirq q[2];       /* q[s]: bytes from end s */
} vconn;

static uint32_t conn_id(size_t vc, int side)
{
    return (uint32_t)(((vc + 1) << 1) | (size_t)side);
}

/* ---- Nodes, entries, evil endpoints ---- */

typedef struct snode {
    char name[8];
    proto_role role;
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
    char dir[PATH_MAX];
    store s;
    bool has_store;
    node *n;
    bool up;
    int64_t skew_ms;
    int64_t step_ms;  /* its wall clock's step (`at T clock`), on top of the skew */
    node_clock clock; /* what recnetd's driver makes of the wall clock (node/clock.h) */
    uint8_t (*dial)[PROTO_KEY_BYTES];
    size_t dial_n;
    uint32_t inc; /* incarnation: bumped by each crash */
    uint64_t tick_at;
    uint32_t tick_gen;
    uint32_t stuck;
    uint64_t *head; /* [authors]: the replica's heads as last observed */
    uint8_t **hop;  /* [authors][seq - 1]: hop of our copy */
    size_t *hop_cap;
    node_counters acc; /* counters of earlier incarnations */
    uint64_t seen_new; /* entries_new of this incarnation already observed */
    uint64_t up_since;
    int group; /* partition group */
} snode;

typedef struct pentry {
    uint8_t id[PROTO_ID_BYTES];
    uint64_t t_pub;
    uint32_t deliveries;
    uint64_t last_t;
    uint8_t last_hop;
} pentry;

typedef struct pauthor {
    pentry *e; /* e[seq - 1]: what the author acknowledged */
    size_t n, cap;
    uint64_t fork_seq;   /* the seq it equivocated at, 0 for none */
    uint64_t garble_seq; /* the first seq of its garbled run (all unsigned but the last), 0 for
                            none */
    uint64_t garble_n;   /* entries in that run */
    uint64_t fork_vt;    /* when */
    sim_wl wl;
} pauthor;

typedef enum evil_state { EV_CONNECTING = 0, EV_M2, EV_M4, EV_OPEN, EV_DONE } evil_state;

typedef struct evil {
    sim_ev_kind kind;
    int member; /* index of its key in S->evil_pk */
    int target;
    size_t vc;
    evil_state state;
    proto_hs hs;
    proto_stream st;
    uint8_t buf[256];
    size_t buf_len;
    uint8_t *payload; /* plaintext message, or raw bytes */
    size_t payload_len;
    bool raw;
    bool armed; /* payload ready to go */
    bool sent;
    bool closed_by_target;
    bool target_was_up;
    /* Persistent kinds (liar-heads, want-loop): the authority whose log, and the frames read. */
    int author;
    uint8_t *rx;
    size_t rx_len, rx_cap;
} evil;

typedef struct sim {
    const sim_scenario *sc;
    const sim_options *opt;
    sim_result *res;
    uint64_t now;
    rng net, wl, setup;
    uint8_t netkey[PROTO_NETKEY_BYTES];
    uint8_t issuer_pk[PROTO_KEY_BYTES];
    char root[PATH_MAX - 64];

    snode *nodes;
    size_t n, a; /* nodes, authorities (nodes 0 .. a-1) */
    int *by_key; /* node indexes sorted by key */

    size_t evil_members;
    uint8_t (*evil_pk)[PROTO_KEY_BYTES];
    uint8_t (*evil_sk)[PROTO_SK_BYTES];
    evil *evils;
    size_t evils_n, evils_cap;
    int *event_member; /* scenario event -> evil member, or -1 */

    vconn **vcs;
    size_t vcs_n, vcs_cap;

    ev *heap;
    size_t heap_n, heap_cap;
    uint64_t ev_seq;

    pauthor *pub;
    sim_specs specs;
    mp_buf body;

    /* Measurements. */
    crypto_generichash_state digest;
    uint64_t deliveries, copies, copies_evil;
    uint64_t bytes_to_evil; /* bytes honest nodes sent to misbehaving endpoints */
    uint64_t *lat;
    size_t lat_n, lat_cap;
    uint64_t hop_hist[16];
    uint64_t skipped_publishes, queries, query_results[4];
    uint64_t expect_answers; /* node answers checked by `expect recognise` */
    size_t forged_n, forged_cap;
    uint8_t (*forged)[PROTO_ID_BYTES];
    uint64_t chunks, chunks_lost, chunks_dup, chunks_corrupt, chunks_held;
    uint64_t connects, connects_failed, crashes, restarts;

    /* Convergence after heals. */
    bool conv_active;
    uint64_t conv_start;
    uint64_t *conv_target; /* [authors] */
    bool *conv_in;         /* [nodes]: counted in this measurement */
    uint64_t conv_pending;
    uint64_t heals_n;
    uint64_t conv_ms[64];
    bool conv_done[64];
    bool partitioned;

    bool failed;
    bool final_phase;
    bool finished;
} sim;

static void failf(sim *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void failf(sim *S, const char *fmt, ...)
{
    if (S->failed)
        return;
    S->failed = true;
    va_list ap;
    va_start(ap, fmt);
    int k =
        snprintf(S->res->failure, sizeof(S->res->failure), "at %.3f s: ", (double)S->now / 1000.0);
    vsnprintf(S->res->failure + k, sizeof(S->res->failure) - (size_t)k, fmt, ap);
    va_end(ap);
}

static void trace(sim *S, char tag, const void *p, size_t len)
{
    uint8_t t = (uint8_t)tag;
    crypto_generichash_update(&S->digest, &t, 1);
    crypto_generichash_update(&S->digest, (const uint8_t *)&S->now, sizeof(S->now));
    crypto_generichash_update(&S->digest, p, len);
}

static void *xcalloc(size_t n, size_t size)
{
    void *p = calloc(n > 0 ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "recnet-sim: out of memory\n");
        exit(2);
    }
    return p;
}

static void grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return;
    size_t c = *cap > 0 ? *cap : 16;
    while (c < need)
        c *= 2;
    void *q = realloc(*p, c * elem);
    if (q == NULL) {
        fprintf(stderr, "recnet-sim: out of memory\n");
        exit(2);
    }
    memset((uint8_t *)q + *cap * elem, 0, (c - *cap) * elem);
    *p = q;
    *cap = c;
}

/* ---- The event queue: a binary heap on (t, seq) ---- */

static bool ev_less(const ev *x, const ev *y)
{
    return x->t < y->t || (x->t == y->t && x->seq < y->seq);
}

static void push(sim *S, uint64_t t, ev_kind kind, uint32_t a, uint32_t b, uint32_t gen)
{
    grow((void **)&S->heap, &S->heap_cap, S->heap_n + 1, sizeof(ev));
    ev e = { t < S->now ? S->now : t, S->ev_seq++, kind, a, b, gen };
    size_t i = S->heap_n++;
    while (i > 0) {
        size_t p = (i - 1) / 2;
        if (!ev_less(&e, &S->heap[p]))
            break;
        S->heap[i] = S->heap[p];
        i = p;
    }
    S->heap[i] = e;
}

static ev pop(sim *S)
{
    ev top = S->heap[0];
    ev last = S->heap[--S->heap_n];
    size_t i = 0;
    for (;;) {
        size_t l = 2 * i + 1, r = l + 1, m = i;
        const ev *best = &last;
        if (l < S->heap_n && ev_less(&S->heap[l], best)) {
            m = l;
            best = &S->heap[l];
        }
        if (r < S->heap_n && ev_less(&S->heap[r], best))
            m = r;
        if (m == i)
            break;
        S->heap[i] = S->heap[m];
        i = m;
    }
    if (S->heap_n > 0)
        S->heap[i] = last;
    return top;
}

/* ---- Nodes: clocks, keys, groups ---- */

/* Node x's wall clock: 2026-01-01 + virtual time + its skew + its step. */
static uint64_t nwall(const sim *S, const snode *x)
{
    return (uint64_t)((int64_t)(SIM_T0 + S->now) + x->skew_ms + x->step_ms);
}

/* Node x's time, as recnetd's driver would give it to the core: one reading of its wall clock
 * and of its monotonic clock (virtual time) through the node's clock, noted in the core. */
static uint64_t nclock(sim *S, snode *x)
{
    uint64_t t = node_clock_read(&x->clock, nwall(S, x), S->now, NULL);
    if (x->n != NULL)
        node_clock_note(x->n, &x->clock);
    return t;
}

static int node_by_key(const sim *S, const uint8_t *pk)
{
    size_t lo = 0, hi = S->n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int cmp = memcmp(S->nodes[S->by_key[mid]].pk, pk, PROTO_KEY_BYTES);
        if (cmp == 0)
            return S->by_key[mid];
        if (cmp < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return -1;
}

static int node_by_name(const sim *S, const char *name)
{
    if (name[0] == '#') {
        char *end = NULL;
        unsigned long v = strtoul(name + 1, &end, 10);
        return end != name + 1 && *end == '\0' && v < S->n ? (int)v : -1;
    }
    for (size_t i = 0; i < S->n; i++)
        if (strcmp(S->nodes[i].name, name) == 0)
            return (int)i;
    return -1;
}

static const sim *cmp_sim;

static int cmp_key(const void *x, const void *y)
{
    return memcmp(cmp_sim->nodes[*(const int *)x].pk, cmp_sim->nodes[*(const int *)y].pk,
                  PROTO_KEY_BYTES);
}

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

/*
 * Resolves a group text into mark[0..n): names of nodes (FR, M12, #7, #0-#14), "all" or "*",
 * "authorities", "mirrors", "up", "down", "random:K" (K distinct nodes drawn from those `pool`
 * allows, or from every node). Returns 0, or -1 for an unknown name (failure recorded).
 */
static int group_resolve_any(sim *S, const char *text, bool *mark, const bool *pool, bool dry);

static int group_resolve(sim *S, const char *text, bool *mark, const bool *pool)
{
    return group_resolve_any(S, text, mark, pool, false);
}

/* With `dry`, only checks the names (no random draw): for validating a scenario at set-up. */
static int group_resolve_any(sim *S, const char *text, bool *mark, const bool *pool, bool dry)
{
    char buf[SIM_ARG_MAX];
    snprintf(buf, sizeof(buf), "%s", text);
    memset(mark, 0, S->n * sizeof(*mark));
    for (char *tok = buf; *tok != '\0';) {
        char *end = tok;
        while (*end != '\0' && *end != ',' && *end != ' ')
            end++;
        bool last = *end == '\0';
        *end = '\0';
        if (*tok == '\0') {
        } else if (strcmp(tok, "all") == 0 || strcmp(tok, "*") == 0) {
            for (size_t i = 0; i < S->n; i++)
                mark[i] = true;
        } else if (strcmp(tok, "authorities") == 0 || strcmp(tok, "mirrors") == 0) {
            for (size_t i = 0; i < S->n; i++)
                if ((i < S->a) == (tok[0] == 'a'))
                    mark[i] = true;
        } else if (strcmp(tok, "up") == 0 || strcmp(tok, "down") == 0) {
            for (size_t i = 0; i < S->n; i++)
                if (S->nodes[i].up == (tok[0] == 'u'))
                    mark[i] = true;
        } else if (strncmp(tok, "random:", 7) == 0) {
            char *e2 = NULL;
            unsigned long k = strtoul(tok + 7, &e2, 10);
            if (e2 == tok + 7 || *e2 != '\0') {
                failf(S, "group '%s': bad random:K", text);
                return -1;
            }
            size_t avail = 0;
            if (dry)
                k = 0;
            for (size_t i = 0; i < S->n; i++)
                avail += (pool == NULL || pool[i]) && !mark[i];
            for (; k > 0 && avail > 0; k--, avail--) {
                uint64_t pick = rng_below(&S->setup, avail);
                for (size_t i = 0; i < S->n; i++) {
                    if ((pool != NULL && !pool[i]) || mark[i])
                        continue;
                    if (pick-- == 0) {
                        mark[i] = true;
                        break;
                    }
                }
            }
        } else if (tok[0] == '#' && strchr(tok, '-') != NULL) {
            char *dash = strchr(tok, '-');
            *dash = '\0';
            int lo = node_by_name(S, tok), hi = node_by_name(S, dash[1] == '#' ? dash + 1 : "");
            if (lo < 0 || hi < lo) {
                failf(S, "group '%s': bad range", text);
                return -1;
            }
            for (int i = lo; i <= hi; i++)
                mark[i] = true;
        } else {
            int i = node_by_name(S, tok);
            if (i < 0) {
                failf(S, "group '%s': no node named '%s'", text, tok);
                return -1;
            }
            mark[i] = true;
        }
        tok = last ? end : end + 1;
    }
    return 0;
}

/* ---- Hops and deliveries ---- */

static uint8_t hop_get(const sim *S, int i, size_t a, uint64_t seq)
{
    const snode *x = &S->nodes[i];
    return seq - 1 < x->hop_cap[a] ? x->hop[a][seq - 1] : HOP_UNKNOWN;
}

static void hop_set(sim *S, int i, size_t a, uint64_t seq, uint8_t hop)
{
    snode *x = &S->nodes[i];
    if (seq > x->hop_cap[a]) {
        size_t old = x->hop_cap[a];
        grow((void **)&x->hop[a], &x->hop_cap[a], (size_t)seq, 1);
        memset(x->hop[a] + old, HOP_UNKNOWN, x->hop_cap[a] - old);
    }
    x->hop[a][seq - 1] = hop;
}

/* Does this entry count in the gossip figures? (not the equivocator's doubled seq and after) */
static bool counted(const sim *S, size_t a, uint64_t seq)
{
    const pauthor *p = &S->pub[a];
    return seq <= p->n && (p->fork_seq == 0 || seq < p->fork_seq);
}

static void conv_note(sim *S, int j, size_t a, uint64_t old, uint64_t now_head)
{
    if (!S->conv_active || !S->conv_in[j])
        return;
    uint64_t t = S->conv_target[a];
    if (old < t && now_head >= t && --S->conv_pending == 0) {
        S->conv_active = false;
        size_t h = S->heals_n - 1;
        if (h < 64) {
            S->conv_ms[h] = S->now - S->conv_start;
            S->conv_done[h] = true;
        }
    }
}

/* Node j newly holds (a, seq), received from `sender` (a node, or -1: unknown, -2: evil). */
static void deliver(sim *S, int j, size_t a, uint64_t seq, int sender)
{
    uint8_t hop = HOP_UNKNOWN;
    if (sender >= 0) {
        uint8_t h = hop_get(S, sender, a, seq);
        hop = h == HOP_UNKNOWN ? HOP_UNKNOWN
                               : (uint8_t)((unsigned)h + 1u < HOP_UNKNOWN ? h + 1u : 254u);
    } else if (sender == -2) {
        hop = 1;
    }
    hop_set(S, j, a, seq, hop);
    if (sender < 0 || !counted(S, a, seq))
        return;
    pentry *e = &S->pub[a].e[seq - 1];
    S->deliveries++;
    uint64_t lat = S->now - e->t_pub;
    grow((void **)&S->lat, &S->lat_cap, S->lat_n + 1, sizeof(*S->lat));
    S->lat[S->lat_n++] = lat;
    e->deliveries++;
    if (S->now > e->last_t || (S->now == e->last_t && hop > e->last_hop) || e->deliveries == 1) {
        e->last_t = S->now;
        e->last_hop = hop;
    }
    if (hop != HOP_UNKNOWN)
        S->hop_hist[hop < 15 ? hop : 15]++;
}

/* A plain read transaction (no index pass), as the core takes one. */
static int raw_read(store *s, store_read *r)
{
    return store_snapshot_begin(s, r);
}

/* Reads node j's heads and records the entries that arrived since the last look. */
static void observe(sim *S, int j, int sender)
{
    snode *x = &S->nodes[j];
    const node_counters *c = node_counters_get(x->n);
    if (c->entries_new == x->seen_new)
        return;
    x->seen_new = c->entries_new;
    store_head heads[RN_ROSTER_MEMBERS_MAX];
    size_t hn = 0;
    store_read r;
    if (raw_read(&x->s, &r) != 0 || store_heads(&r, heads, RN_ROSTER_MEMBERS_MAX, &hn) != 0) {
        store_read_end(&r);
        failf(S, "%s: cannot read its heads", x->name);
        return;
    }
    store_read_end(&r);
    for (size_t i = 0; i < hn; i++) {
        int a = node_by_key(S, heads[i].author);
        if (a < 0 || (size_t)a >= S->a) {
            failf(S, "%s holds a log of %s, which is no authority", x->name,
                  a < 0 ? "a stranger" : S->nodes[a].name);
            continue;
        }
        uint64_t old = x->head[a];
        if (heads[i].seq < old) {
            failf(S, "%s: head of %s went back from %llu to %llu", x->name, S->nodes[a].name,
                  (unsigned long long)old, (unsigned long long)heads[i].seq);
            continue;
        }
        for (uint64_t seq = old + 1; seq <= heads[i].seq; seq++)
            deliver(S, j, (size_t)a, seq, sender);
        x->head[a] = heads[i].seq;
        conv_note(S, j, (size_t)a, old, heads[i].seq);
    }
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
        push(S, q->head->at, E_DATA, (uint32_t)vc, (uint32_t)side, 0);
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
static void net_send(sim *S, size_t vc, int side, const uint8_t *p, size_t len, bool fin)
{
    const sim_scenario *sc = S->sc;
    vconn *v = S->vcs[vc];
    dirq *q = &v->q[side];
    size_t off = 0;
    do {
        size_t l = fin ? 0 : len - off;
        if (l > sc->chunk_bytes)
            l = sc->chunk_bytes;
        uint64_t start = S->now * 1000u > q->busy_us ? S->now * 1000u : q->busy_us;
        q->busy_us = start + (sc->bandwidth > 0 ? (uint64_t)l * 1000u / sc->bandwidth : 0);
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
        if (at < q->last_at)
            at = q->last_at;
        q->last_at = at;
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
            ch->at = at;
            ch->tries = 0;
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

static void evil_input(sim *S, evil *e, const uint8_t *p, size_t len);
static void evil_act(sim *S, evil *e);
static void evil_read_ack(sim *S, evil *e, const uint8_t *p, size_t len);

/* Hostile members: endpoints that stay connected and act over time (not closed after a send). */
static bool persistent(sim_ev_kind k)
{
    return k == SIM_EV_LIAR_HEADS || k == SIM_EV_WANT_LOOP;
}
static void evil_fin(sim *S, evil *e);
static void settle(sim *S, int i, int sender);

/* End `side` of vc stops: a FIN follows the bytes it sent. */
static void end_close(sim *S, size_t vc, int side)
{
    vconn *v = S->vcs[vc];
    if (!v->open[side])
        return;
    v->open[side] = false;
    net_send(S, vc, side, NULL, 0, true);
}

/* E_DATA: deliver what has arrived on one direction, in order. */
static void on_data(sim *S, size_t vc, int side)
{
    vconn *v = S->vcs[vc];
    dirq *q = &v->q[side];
    q->scheduled = false;
    int dst = 1 - side;
    while (q->head != NULL && q->head->at <= S->now) {
        chunk *c = q->head;
        if (partitioned(S, v)) {
            /* The sender retransmits until the partition heals. */
            c->at = S->now + rto_ms(v->lat_ms, c->tries++);
            S->chunks_held++;
            break;
        }
        q->head = c->next;
        if (q->head == NULL)
            q->tail = NULL;
        if (v->open[dst]) {
            uint32_t id = conn_id(vc, dst);
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
                trace(S, c->fin ? 'F' : 'D', d, sizeof(d));
                if (c->fin) {
                    v->open[dst] = false;
                    node_conn_closed(x->n, id, nclock(S, x));
                    settle(S, v->end[dst], -1);
                } else {
                    uint64_t in0 = node_counters_get(x->n)->entries_in;
                    node_conn_input(x->n, id, c->data, c->len, nclock(S, x));
                    uint64_t got = node_counters_get(x->n)->entries_in - in0;
                    int sender = v->type[side] == END_EVIL ? -2 : v->end[side];
                    if (sender >= 0)
                        S->copies += got;
                    else
                        S->copies_evil += got;
                    settle(S, v->end[dst], sender);
                }
            }
        }
        free(c);
        v = S->vcs[vc]; /* (stable: vconns are never moved) */
    }
    dir_schedule(S, vc, side);
}

static size_t vconn_new(sim *S, int a, uint8_t ta, int b, uint8_t tb)
{
    grow((void **)&S->vcs, &S->vcs_cap, S->vcs_n + 1, sizeof(*S->vcs));
    vconn *v = xcalloc(1, sizeof(*v));
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

static void eph_seed(sim *S, uint8_t seed[32])
{
    for (int i = 0; i < 4; i++) {
        uint64_t r = rng_next(&S->net);
        memcpy(seed + 8 * i, &r, 8);
    }
}

/* NODE_ACT_CONNECT from node i. */
static void on_connect_action(sim *S, int i, const uint8_t *peer)
{
    int j = node_by_key(S, peer);
    S->connects++;
    if (j < 0) {
        push(S, S->now + 1, E_CONNFAIL, (uint32_t)i, (uint32_t)i, S->nodes[i].inc);
        return;
    }
    uint32_t lat = link_latency(S, i, j);
    if (S->nodes[i].group != S->nodes[j].group) {
        push(S, S->now + CONNECT_TIMEOUT_MS, E_CONNFAIL, (uint32_t)i, (uint32_t)j, S->nodes[i].inc);
        return;
    }
    if (!S->nodes[j].up) {
        push(S, S->now + 2ull * lat, E_CONNFAIL, (uint32_t)i, (uint32_t)j, S->nodes[i].inc);
        return;
    }
    size_t vc = vconn_new(S, i, END_NODE, j, END_NODE);
    push(S, S->now + lat, E_ACCEPT, (uint32_t)vc, 0, 0);
}

static void on_accept(sim *S, size_t vc)
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
            push(S, S->now + (y->up ? CONNECT_TIMEOUT_MS - v->lat_ms : v->lat_ms), E_CONNFAIL,
                 (uint32_t)v->end[0], (uint32_t)v->end[1], v->inc[0]);
        else
            push(S, S->now + v->lat_ms, E_CONNECTED, (uint32_t)vc, 0, 0);
        return;
    }
    uint8_t seed[32];
    eph_seed(S, seed);
    int rc = node_conn_open(y->n, conn_id(vc, 1), NULL, seed, nclock(S, y));
    if (rc == 0)
        v->open[1] = true;
    settle(S, v->end[1], -1);
    push(S, S->now + v->lat_ms, E_CONNECTED, (uint32_t)vc, 0, 0);
}

static void evil_connected(sim *S, evil *e);

static void on_connected(sim *S, size_t vc)
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
        end_close(S, vc, 1); /* nobody is there any more: reset */
        return;
    }
    const uint8_t *peer = S->nodes[v->end[1]].pk;
    if (!v->open[1]) {
        node_connect_failed(x->n, peer, nclock(S, x));
        S->connects_failed++;
        settle(S, i, -1);
        return;
    }
    uint8_t seed[32];
    eph_seed(S, seed);
    int rc = node_conn_open(x->n, conn_id(vc, 0), peer, seed, nclock(S, x));
    if (rc != 0) {
        node_connect_failed(x->n, peer, nclock(S, x));
        S->connects_failed++;
        end_close(S, vc, 1);
    } else {
        v->open[0] = true;
    }
    settle(S, i, -1);
}

/* Drains node i's actions, observes new entries, and sets its next tick. */
static void settle(sim *S, int i, int sender)
{
    snode *x = &S->nodes[i];
    if (!x->up)
        return;
    uint32_t closes[3 * RN_PEERS_MAX + 8];
    for (;;) {
        size_t nc = 0;
        node_action a;
        while (node_next_action(x->n, &a)) {
            size_t vc = (a.conn >> 1) - 1;
            int side = (int)(a.conn & 1u);
            switch (a.kind) {
            case NODE_ACT_SEND: {
                uint32_t d[2] = { (uint32_t)i, a.conn };
                trace(S, 'S', d, sizeof(d));
                crypto_generichash_update(&S->digest, a.data, a.len);
                if (a.conn >= 2 && vc < S->vcs_n && S->vcs[vc]->open[side])
                    net_send(S, vc, side, a.data, a.len, false);
                break;
            }
            case NODE_ACT_CLOSE: {
                uint32_t d[3] = { (uint32_t)i, a.conn, (uint32_t)a.reason };
                trace(S, 'C', d, sizeof(d));
                if (a.conn >= 2 && vc < S->vcs_n && S->vcs[vc]->open[side]) {
                    vconn *v = S->vcs[vc];
                    if (v->type[1 - side] == END_EVIL)
                        S->evils[v->end[1 - side]].closed_by_target = true;
                    end_close(S, vc, side);
                }
                if (nc < sizeof(closes) / sizeof(closes[0]))
                    closes[nc++] = a.conn;
                break;
            }
            case NODE_ACT_CONNECT: {
                int j = node_by_key(S, a.peer);
                uint32_t d[2] = { (uint32_t)i, (uint32_t)j };
                trace(S, 'K', d, sizeof(d));
                on_connect_action(S, i, a.peer);
                break;
            }
            default:
                failf(S, "%s: unknown action %d", x->name, (int)a.kind);
                break;
            }
        }
        if (nc == 0)
            break;
        for (size_t k = 0; k < nc; k++)
            node_conn_closed(x->n, closes[k], nclock(S, x));
    }
    observe(S, i, sender);
    uint64_t d = node_deadline(x->n);
    uint64_t v = UINT64_MAX;
    if (d != UINT64_MAX) {
        /* The node's clock keeps virtual time's pace (but when it slews: then it ticks early,
         * and again). */
        uint64_t cur = nclock(S, x);
        v = S->now + (d > cur ? d - cur : 0);
    }
    if (v != x->tick_at) {
        x->tick_at = v;
        x->tick_gen++;
        if (v != UINT64_MAX)
            push(S, v, E_TICK, (uint32_t)i, 0, x->tick_gen);
    }
}

static void on_tick(sim *S, int i, uint32_t gen)
{
    snode *x = &S->nodes[i];
    if (!x->up || gen != x->tick_gen)
        return;
    x->tick_at = UINT64_MAX;
    node_tick(x->n, nclock(S, x));
    settle(S, i, -1);
    if (x->tick_at == S->now) {
        if (++x->stuck > STUCK_TICKS_MAX)
            failf(S, "%s: its deadline stays at %llu after node_tick", x->name,
                  (unsigned long long)nclock(S, x));
    } else {
        x->stuck = 0;
    }
}

/* ---- Starting, crashing and restarting nodes ---- */

static int node_start(sim *S, int i)
{
    snode *x = &S->nodes[i];
    store_options so = { .map_bytes = (size_t)S->sc->map_bytes, .sync_received = false };
    int rc = store_open(&x->s, x->dir, &so);
    if (rc != 0) {
        fprintf(stderr, "recnet-sim: %s: store_open %s: %s\n", x->name, x->dir, rn_strerror(rc));
        return -1;
    }
    x->has_store = true;
    node_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sk, x->sk, PROTO_SK_BYTES);
    memcpy(cfg.netkey, S->netkey, PROTO_NETKEY_BYTES);
    cfg.dial = (const uint8_t(*)[PROTO_KEY_BYTES])x->dial;
    cfg.dial_n = x->dial_n;
    cfg.rng_seed = mix64(S->sc->seed, ((uint64_t)i << 20) + x->inc);
    cfg.limits = S->sc->limits;
    node_clock_init(&x->clock, nwall(S, x), S->now); /* a new process reads its clocks anew */
    rc = node_new(&x->n, &x->s, &cfg, nclock(S, x));
    if (rc != 0) {
        fprintf(stderr, "recnet-sim: %s: node_new: %s\n", x->name, rn_strerror(rc));
        store_close(&x->s);
        x->has_store = false;
        return -1;
    }
    x->up = true;
    x->up_since = S->now;
    x->seen_new = 0;
    x->stuck = 0;
    x->tick_at = UINT64_MAX;
    settle(S, i, -1);
    return 0;
}

static void counters_add(node_counters *acc, const node_counters *c)
{
    const uint64_t *src = (const uint64_t *)c;
    uint64_t *dst = (uint64_t *)acc;
    static_assert(sizeof(node_counters) % sizeof(uint64_t) == 0, "counters are uint64_t");
    for (size_t k = 0; k < sizeof(node_counters) / sizeof(uint64_t); k++)
        dst[k] += src[k];
}

static void conv_recompute(sim *S);

static void node_crash(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (!x->up)
        return;
    counters_add(&x->acc, node_counters_get(x->n));
    for (size_t vc = 0; vc < S->vcs_n; vc++) {
        vconn *v = S->vcs[vc];
        for (int s = 0; s < 2; s++)
            if (v->type[s] == END_NODE && v->end[s] == i && v->inc[s] == x->inc)
                end_close(S, vc, s); /* the kernel resets the sockets of a dead process */
    }
    node_free(x->n);
    x->n = NULL;
    store_close(&x->s);
    x->has_store = false;
    x->up = false;
    x->inc++;
    x->tick_gen++;
    x->tick_at = UINT64_MAX;
    S->crashes++;
    uint32_t d = (uint32_t)i;
    trace(S, 'X', &d, sizeof(d));
    conv_recompute(S);
}

/* Restarts node i; checks that everything it acknowledged, and everything it held, survived. */
static void node_restart(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (x->up)
        return;
    if (node_start(S, i) != 0) {
        failf(S, "%s: cannot restart over its data directory", x->name);
        return;
    }
    S->restarts++;
    uint32_t d = (uint32_t)i;
    trace(S, 'R', &d, sizeof(d));
    store_head heads[RN_ROSTER_MEMBERS_MAX];
    size_t hn = 0;
    store_read r;
    if (raw_read(&x->s, &r) != 0 || store_heads(&r, heads, RN_ROSTER_MEMBERS_MAX, &hn) != 0) {
        store_read_end(&r);
        failf(S, "%s: cannot read its heads after a restart", x->name);
        return;
    }
    store_read_end(&r);
    uint64_t *held = xcalloc(S->a, sizeof(*held));
    for (size_t k = 0; k < hn; k++) {
        int a = node_by_key(S, heads[k].author);
        if (a >= 0 && (size_t)a < S->a)
            held[a] = heads[k].seq;
        if (a == i && S->pub[i].n > 0 &&
            (heads[k].seq < S->pub[i].n ||
             memcmp(heads[k].seq == S->pub[i].n ? heads[k].id : S->pub[i].e[S->pub[i].n - 1].id,
                    S->pub[i].e[S->pub[i].n - 1].id, PROTO_ID_BYTES) != 0))
            failf(S, "%s lost an entry it had acknowledged (head %llu, acknowledged %zu)", x->name,
                  (unsigned long long)heads[k].seq, S->pub[i].n);
    }
    if (i < (int)S->a && S->pub[i].n > 0 && held[i] == 0)
        failf(S, "%s lost its whole log across a restart", x->name);
    for (size_t a = 0; a < S->a; a++)
        if (held[a] < x->head[a])
            failf(S, "%s: its replica of %s went back from %llu to %llu across a restart", x->name,
                  S->nodes[a].name, (unsigned long long)x->head[a], (unsigned long long)held[a]);
    free(held);
    conv_recompute(S);
}

/* ---- Convergence after a heal ---- */

static bool forked_author(const sim *S, size_t a)
{
    return S->pub[a].fork_seq != 0;
}

static void conv_recompute(sim *S)
{
    if (!S->conv_active)
        return;
    S->conv_pending = 0;
    for (size_t j = 0; j < S->n; j++) {
        if (!S->nodes[j].up)
            S->conv_in[j] = false;
        if (!S->conv_in[j])
            continue;
        for (size_t a = 0; a < S->a; a++)
            if (S->nodes[j].head[a] < S->conv_target[a])
                S->conv_pending++;
    }
    if (S->conv_pending == 0) {
        S->conv_active = false;
        size_t h = S->heals_n - 1;
        if (h < 64) {
            S->conv_ms[h] = S->now - S->conv_start;
            S->conv_done[h] = true;
        }
    }
}

/* The network heals: every node up now must come to hold what any node held at this moment. */
static void conv_start(sim *S)
{
    S->heals_n++;
    S->conv_active = true;
    S->conv_start = S->now;
    for (size_t a = 0; a < S->a; a++) {
        S->conv_target[a] = 0;
        if (forked_author(S, a))
            continue; /* branches: heads differ for good */
        for (size_t j = 0; j < S->n; j++)
            if (S->nodes[j].up && S->nodes[j].head[a] > S->conv_target[a])
                S->conv_target[a] = S->nodes[j].head[a];
    }
    for (size_t j = 0; j < S->n; j++)
        S->conv_in[j] = S->nodes[j].up;
    conv_recompute(S);
}

/* ---- Evil endpoints ---- */

static void evil_send_raw(sim *S, evil *e, const uint8_t *p, size_t len)
{
    vconn *v = S->vcs[e->vc];
    if (v->open[0])
        net_send(S, e->vc, 0, p, len, false);
}

static void evil_try_send(sim *S, evil *e)
{
    if (!e->armed || e->sent || (e->state != EV_OPEN && !(e->raw && e->kind == SIM_EV_JUNK)))
        return;
    if (e->kind == SIM_EV_JUNK && e->state != EV_CONNECTING)
        return;
    vconn *v = S->vcs[e->vc];
    if (!v->open[0])
        return;
    e->sent = true;
    if (e->raw) {
        evil_send_raw(S, e, e->payload, e->payload_len);
    } else {
        size_t cap = e->payload_len + PROTO_FRAME_OVERHEAD, len = 0;
        uint8_t *frame = xcalloc(1, cap);
        int rc = proto_frame_seal(&e->st, e->payload, e->payload_len, frame, cap, &len);
        RN_ASSERT(rc == 0);
        evil_send_raw(S, e, frame, len);
        free(frame);
    }
    push(S, S->now + EVIL_LINGER_MS, E_EVIL_CLOSE, (uint32_t)(e - S->evils), 0, 0);
}

static void evil_connected(sim *S, evil *e)
{
    e->target_was_up = true;
    if (e->kind == SIM_EV_JUNK) {
        evil_try_send(S, e);
        return;
    }
    uint8_t m1[PROTO_HS_MSG_MAX];
    size_t len;
    int rc = proto_hs_write(&e->hs, m1, sizeof(m1), &len);
    RN_ASSERT(rc == 0);
    e->state = EV_M2;
    evil_send_raw(S, e, m1, len);
}

static void evil_fin(sim *S, evil *e)
{
    (void)S;
    if (e->state != EV_DONE) {
        e->state = EV_DONE;
        proto_hs_wipe(&e->hs);
    }
}

static void evil_input(sim *S, evil *e, const uint8_t *p, size_t len)
{
    while (len > 0 && (e->state == EV_M2 || e->state == EV_M4)) {
        size_t need =
            e->state == EV_M2 ? PROTO_HS_M2_BYTES : PROTO_HS_M4_BYTES + PROTO_STREAM_HEADER_BYTES;
        size_t take = need - e->buf_len < len ? need - e->buf_len : len;
        memcpy(e->buf + e->buf_len, p, take);
        e->buf_len += take;
        p += take;
        len -= take;
        if (e->buf_len < need)
            return;
        e->buf_len = 0;
        if (e->state == EV_M2) {
            uint8_t m3[PROTO_HS_MSG_MAX];
            size_t l3;
            if (proto_hs_read(&e->hs, e->buf, PROTO_HS_M2_BYTES) != 0 ||
                proto_hs_write(&e->hs, m3, sizeof(m3), &l3) != 0) {
                failf(S, "an evil endpoint could not complete its handshake with %s",
                      S->nodes[e->target].name);
                e->state = EV_DONE;
                return;
            }
            evil_send_raw(S, e, m3, l3);
            e->state = EV_M4;
        } else {
            uint8_t tx[32], rx[32], hdr[PROTO_STREAM_HEADER_BYTES];
            if (proto_hs_read(&e->hs, e->buf, PROTO_HS_M4_BYTES) != 0) {
                failf(S, "an evil endpoint was refused M4 by %s", S->nodes[e->target].name);
                e->state = EV_DONE;
                return;
            }
            proto_hs_session(&e->hs, tx, rx);
            proto_hs_wipe(&e->hs);
            if (proto_stream_rx_init(&e->st, rx, e->buf + PROTO_HS_M4_BYTES) != 0) {
                e->state = EV_DONE;
                return;
            }
            proto_stream_tx_init(&e->st, tx, hdr);
            sodium_memzero(tx, sizeof(tx));
            sodium_memzero(rx, sizeof(rx));
            evil_send_raw(S, e, hdr, sizeof(hdr));
            e->state = EV_OPEN;
            evil_try_send(S, e);
            if (persistent(e->kind))
                evil_act(S, e);
        }
    }
    /* After the handshake the endpoint reads nothing, what the target says does not matter;
     * but a want-loop acknowledges the entries it gets, as an honest peer would. */
    if (e->state == EV_OPEN && e->kind == SIM_EV_WANT_LOOP && len > 0)
        evil_read_ack(S, e, p, len);
}

/* ---- Persistent evil endpoints: hostile members (PROTOCOL.md 11.5, 11.6) ---- */

static void evil_send_msg(sim *S, evil *e, const mp_buf *m)
{
    RN_ASSERT(mp_buf_err(m) == 0);
    size_t cap = m->len + PROTO_FRAME_OVERHEAD, len = 0;
    uint8_t *frame = xcalloc(1, cap);
    int rc = proto_frame_seal(&e->st, m->data, m->len, frame, cap, &len);
    RN_ASSERT(rc == 0);
    evil_send_raw(S, e, frame, len);
    free(frame);
}

/* The next step of a persistent endpoint, then the one after. A liar sends its HEADS once, then
 * a duplicate of the author's entry 1 every 2 s (taken from the author's replica, or skipped
 * while it is down); a want-loop sends WANT [author, 1, 2^53 - 1] every 100 ms. */
static void evil_act(sim *S, evil *e)
{
    vconn *v = S->vcs[e->vc];
    if (e->state != EV_OPEN || !v->open[0] || S->final_phase)
        return;
    const snode *au = &S->nodes[e->author];
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    uint64_t next = 100;
    if (e->kind == SIM_EV_LIAR_HEADS) {
        next = 2000;
        if (!e->sent) {
            uint8_t fake_id[PROTO_ID_BYTES];
            memset(fake_id, 0xab, sizeof(fake_id));
            proto_head h = { au->pk, RN_SEQ_MAX - 1, fake_id };
            proto_msg_heads(&m, &h, 1);
            e->sent = true;
        } else if (au->up && au->has_store) {
            store_read r;
            proto_str e1;
            if (raw_read((store *)&au->s, &r) == 0) {
                if (store_entry_get(&r, au->pk, 1, &e1) == 0) {
                    proto_msg_entries_begin(&m, 1);
                    mp_put_bin(&m, e1.ptr, e1.len);
                }
                store_read_end(&r);
            }
        }
    } else {
        e->sent = true;
        proto_msg_want(&m, au->pk, 1, RN_SEQ_MAX);
    }
    if (m.len > 0)
        evil_send_msg(S, e, &m);
    mp_buf_free(&m);
    push(S, S->now + next, E_EVIL_ACT, (uint32_t)(e - S->evils), 0, 0);
}

/* A want-loop's bytes from its target: every whole frame opened, each ENTRIES acknowledged. */
static void evil_read_ack(sim *S, evil *e, const uint8_t *p, size_t len)
{
    static proto_msg msg;
    static uint8_t plain[RN_FRAME_BYTES_MAX];
    grow((void **)&e->rx, &e->rx_cap, e->rx_len + len, 1);
    memcpy(e->rx + e->rx_len, p, len);
    e->rx_len += len;
    size_t off = 0;
    while (e->rx_len - off >= 4) {
        int64_t ct = proto_frame_len(e->rx + off);
        if (ct < 0) {
            failf(S, "%s sent a misbehaving peer a bad frame length", S->nodes[e->target].name);
            return;
        }
        if (e->rx_len - off < 4 + (size_t)ct)
            break;
        size_t plen = 0;
        int rc = proto_frame_open(&e->st, e->rx + off + 4, (size_t)ct, plain, sizeof(plain), &plen);
        off += 4 + (size_t)ct;
        if (rc != 0 || proto_msg_decode(&msg, plain, plen, NULL) != 0) {
            failf(S, "%s sent a misbehaving peer a frame it cannot read", S->nodes[e->target].name);
            return;
        }
        if (msg.type != PROTO_MSG_ENTRIES)
            continue;
        uint64_t bytes = 0;
        for (uint32_t i = 0; i < msg.n; i++)
            bytes += msg.entries[i].len;
        mp_buf m;
        mp_buf_init(&m, 64);
        proto_msg_ack(&m, bytes);
        evil_send_msg(S, e, &m);
        mp_buf_free(&m);
    }
    memmove(e->rx, e->rx + off, e->rx_len - off);
    e->rx_len -= off;
}

/* A new evil endpoint of scenario event `ev` to node `target`. */
static evil *evil_new(sim *S, size_t evi, int target, sim_ev_kind kind)
{
    grow((void **)&S->evils, &S->evils_cap, S->evils_n + 1, sizeof(*S->evils));
    evil *e = &S->evils[S->evils_n];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->member = S->event_member[evi];
    e->target = target;
    e->vc = vconn_new(S, (int)S->evils_n, END_EVIL, target, END_NODE);
    S->evils_n++;
    if (kind != SIM_EV_JUNK) {
        uint8_t seed[32];
        eph_seed(S, seed);
        int rc = proto_hs_init(&e->hs, PROTO_HS_INITIATOR, S->netkey, S->evil_sk[e->member],
                               S->nodes[target].pk, seed);
        RN_ASSERT(rc == 0);
    }
    if (S->nodes[target].up)
        push(S, S->now + S->vcs[e->vc]->lat_ms, E_ACCEPT, (uint32_t)e->vc, 0, 0);
    else
        e->state = EV_DONE;
    return e;
}

static void evil_close(sim *S, evil *e)
{
    vconn *v = S->vcs[e->vc];
    if (v->open[0])
        end_close(S, e->vc, 0);
    if (e->state != EV_DONE)
        evil_fin(S, e);
}

/* ---- Publishing ---- */

/* A new entry of authority a, acknowledged at seq with id: record it. */
static void pub_record(sim *S, size_t a, uint64_t seq, const uint8_t id[PROTO_ID_BYTES])
{
    pauthor *p = &S->pub[a];
    if (seq != p->n + 1) {
        failf(S, "%s acknowledged seq %llu after %zu", S->nodes[a].name, (unsigned long long)seq,
              p->n);
        return;
    }
    grow((void **)&p->e, &p->cap, p->n + 1, sizeof(*p->e));
    pentry *e = &p->e[p->n++];
    memcpy(e->id, id, PROTO_ID_BYTES);
    e->t_pub = S->now;
    S->nodes[a].head[a] = seq;
    hop_set(S, (int)a, a, seq, 0);
    uint64_t d[2] = { a, seq };
    trace(S, 'P', d, sizeof(d));
    crypto_generichash_update(&S->digest, id, PROTO_ID_BYTES);
}

/* Authority a publishes its next record of `kind` (0: the default mix), `fix` (may be NULL) as
 * sim_wl_body says. */
static int publish(sim *S, size_t a, int kind, const sim_wl_fix *fix)
{
    snode *x = &S->nodes[a];
    proto_kind k;
    char spec_id[64];
    int rc = sim_wl_body(&S->pub[a].wl, kind, rng_next(&S->wl), &S->specs, S->issuer_pk, fix,
                         &S->body, &k, spec_id);
    if (rc != 0) {
        failf(S, "workload: record of kind %d for %s does not encode: %s", kind, x->name,
              rn_strerror(rc));
        return rc;
    }
    uint64_t seq = 0;
    uint8_t id[PROTO_ID_BYTES];
    rn_diag d = { 0 };
    rc = node_publish(x->n, k, S->body.data, S->body.len, nclock(S, x), &seq, id, &d);
    if (rc != 0) {
        failf(S, "%s: node_publish: %s (%s)", x->name, rn_strerror(rc), d.field ? d.field : "");
        return rc;
    }
    pub_record(S, a, seq, id);
    if (spec_id[0] != '\0') {
        grow((void **)&S->specs.id, &S->specs.cap, S->specs.n + 1, sizeof(*S->specs.id));
        grow((void **)&S->specs.author, &S->specs.author_cap, S->specs.n + 1, sizeof(uint32_t));
        grow((void **)&S->specs.seq, &S->specs.seq_cap, S->specs.n + 1, sizeof(uint64_t));
        S->specs.author[S->specs.n] = (uint32_t)a;
        S->specs.seq[S->specs.n] = seq;
        memcpy(S->specs.id[S->specs.n++], spec_id, 64);
    }
    settle(S, (int)a, -1);
    return 0;
}

static void on_stream(sim *S, size_t si, uint64_t step)
{
    const sim_stream *st = &S->sc->streams[si];
    if (S->final_phase)
        return;
    bool *mark = xcalloc(S->n, sizeof(bool));
    if (st->by[0] != '\0' && group_resolve(S, st->by, mark, NULL) != 0) {
        free(mark);
        return;
    }
    size_t cand = 0;
    for (size_t i = 0; i < S->n; i++) {
        if (st->by[0] == '\0')
            mark[i] = true;
        if (!st->query && i >= S->a)
            mark[i] = false;
        if (!S->nodes[i].up)
            mark[i] = false;
        cand += mark[i];
    }
    if (cand == 0) {
        if (!st->query)
            S->skipped_publishes++;
    } else {
        uint64_t pick = rng_below(&S->wl, cand);
        size_t i = 0;
        for (; i < S->n; i++)
            if (mark[i] && pick-- == 0)
                break;
        if (!st->query) {
            (void)publish(S, i, st->kind, NULL);
        } else if (S->specs.n > 0) {
            const char *spec = S->specs.id[rng_below(&S->wl, S->specs.n)];
            const char *cc = S->nodes[rng_below(&S->wl, S->a)].name;
            uint32_t purpose = (uint32_t)(1 + rng_below(&S->wl, 3));
            store_read r;
            query_recognition q;
            if (store_query_begin(&S->nodes[i].s, &r) == 0) {
                int rc =
                    query_recognise(&r, proto_str_c(spec), cc, purpose, QUERY_AT_NOW, &q, NULL);
                S->query_results[rc == 0 ? q.result % 4 : 0]++;
                store_read_end(&r);
            }
            S->queries++;
        }
    }
    free(mark);
    uint64_t next = st->from_ms + (step + 1) * st->every_ms;
    if (step + 1 < st->count && next < S->sc->run_ms)
        push(S, next, E_STREAM, (uint32_t)si, (uint32_t)(step + 1), 0);
}

/* ---- Misbehaviour directives ---- */

/* Targets of a misbehaviour event: its group, or a random half of the nodes but `not`. */
static bool *targets(sim *S, const sim_event *e, int not )
{
    bool *mark = xcalloc(S->n, sizeof(bool));
    if (e->arg2[0] != '\0') {
        if (group_resolve(S, e->arg2, mark, NULL) != 0) {
            free(mark);
            return NULL;
        }
    } else {
        for (size_t i = 0; i < S->n; i++)
            mark[i] = rng_below(&S->setup, 2) == 0;
    }
    if (not >= 0)
        mark[not ] = false;
    return mark;
}

static int authority_arg(sim *S, const sim_event *e)
{
    int a = node_by_name(S, e->arg);
    if (a < 0 || (size_t)a >= S->a) {
        failf(S, "%s: '%s' is not an authority", e->where, e->arg);
        return -1;
    }
    return a;
}

/* An entry of authority a at seq = acknowledged + 1, signed with its key, whose record is a
 * provider the authority never published. */
static size_t sign_next(sim *S, size_t a, const char *ref, uint8_t *out, size_t cap)
{
    pauthor *p = &S->pub[a];
    sim_wl w = p->wl;
    w.providers += 1000 + (uint32_t)S->forged_n + (uint32_t)S->evils_n; /* ids never used */
    proto_kind k;
    char spec_id[64];
    int rc = sim_wl_body(&w, PROTO_KIND_PROVIDER, 0, &S->specs, S->issuer_pk, NULL, &S->body, &k,
                         spec_id);
    RN_ASSERT(rc == 0);
    (void)ref;
    proto_entry_draft dr = { .seq = p->n + 1,
                             .prev = p->n > 0 ? p->e[p->n - 1].id : NULL,
                             .timestamp_ms = nclock(S, &S->nodes[a]),
                             .kind = PROTO_KIND_PROVIDER,
                             .body = S->body.data,
                             .body_len = S->body.len };
    size_t len = 0;
    rc = proto_entry_sign(&dr, S->nodes[a].sk, out, cap, &len);
    RN_ASSERT(rc == 0);
    return len;
}

static void entries_msg(const uint8_t *entry, size_t len, uint8_t **out, size_t *out_len)
{
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    proto_msg_entries_begin(&m, 1);
    mp_put_bin(&m, entry, len);
    RN_ASSERT(mp_buf_err(&m) == 0);
    *out = xcalloc(1, m.len);
    memcpy(*out, m.data, m.len);
    *out_len = m.len;
    mp_buf_free(&m);
}

/* Evil endpoints to the targets of event evi, ahead of an equivocation. */
static void on_prep(sim *S, size_t evi)
{
    const sim_event *e = &S->sc->events[evi];
    int a = authority_arg(S, e);
    if (a < 0)
        return;
    bool *mark = targets(S, e, a);
    if (mark == NULL)
        return;
    for (size_t i = 0; i < S->n; i++)
        if (mark[i])
            (void)evil_new(S, evi, (int)i, SIM_EV_EQUIVOCATE);
    free(mark);
}

static void equivocate(sim *S, size_t evi)
{
    const sim_event *sev = &S->sc->events[evi];
    int a = authority_arg(S, sev);
    if (a < 0)
        return;
    if (!S->nodes[a].up) {
        failf(S, "%s: %s must be up to equivocate", sev->where, sev->arg);
        return;
    }
    uint8_t alt[RN_ENTRY_BYTES_MAX];
    size_t len = sign_next(S, (size_t)a, "equivocation", alt, sizeof(alt));
    uint64_t seq = S->pub[a].n + 1;
    /* The other entry at that seq: the authority's own, published and pushed now. */
    if (publish(S, (size_t)a, PROTO_KIND_SPEC, NULL) != 0)
        return;
    S->pub[a].fork_seq = seq;
    S->pub[a].fork_vt = S->now;
    uint8_t *msg;
    size_t msg_len;
    entries_msg(alt, len, &msg, &msg_len);
    for (size_t k = 0; k < S->evils_n; k++) {
        evil *e = &S->evils[k];
        if (e->kind != SIM_EV_EQUIVOCATE || e->member != S->event_member[evi] || e->armed)
            continue;
        e->payload = xcalloc(1, msg_len);
        memcpy(e->payload, msg, msg_len);
        e->payload_len = msg_len;
        e->armed = true;
        evil_try_send(S, e);
    }
    free(msg);
}

/* Authority a's next entries as one ENTRIES message, as many as fit in a batch (at most
 * RN_BATCH_ENTRIES_MAX), linked, the last one signed and the others' signatures replaced by
 * random bytes; recorded as published (every node must end up holding them). */
static void garble_run(sim *S, size_t a, uint8_t **out, size_t *out_len)
{
    pauthor *p = &S->pub[a];
    mp_buf m;
    uint8_t *entries = xcalloc(RN_BATCH_ENTRIES_MAX, RN_ENTRY_BYTES_MAX / 16);
    size_t *lens = xcalloc(RN_BATCH_ENTRIES_MAX, sizeof(size_t));
    size_t n = 0, bytes = 0, slot = RN_ENTRY_BYTES_MAX / 16;
    uint8_t prev[PROTO_ID_BYTES];
    uint64_t first = p->n + 1, ts = nclock(S, &S->nodes[a]);
    if (p->n > 0)
        memcpy(prev, p->e[p->n - 1].id, PROTO_ID_BYTES);
    for (; n < RN_BATCH_ENTRIES_MAX; n++) {
        sim_wl w = p->wl;
        w.providers += 2000 + (uint32_t)n; /* ids never used */
        proto_kind k;
        char spec_id[64];
        int rc = sim_wl_body(&w, PROTO_KIND_PROVIDER, 0, &S->specs, S->issuer_pk, NULL, &S->body,
                             &k, spec_id);
        RN_ASSERT(rc == 0);
        proto_entry_draft dr = { .seq = first + n,
                                 .prev = first + n > 1 ? prev : NULL,
                                 .timestamp_ms = ts,
                                 .kind = PROTO_KIND_PROVIDER,
                                 .body = S->body.data,
                                 .body_len = S->body.len };
        uint8_t *e = entries + n * slot;
        rc = proto_entry_sign(&dr, S->nodes[a].sk, e, slot, &lens[n]);
        RN_ASSERT(rc == 0);
        if (bytes + lens[n] > RN_BATCH_BYTES_MAX - 4096u)
            break;
        bytes += lens[n];
        proto_entry_id(e, lens[n], prev);
    }
    RN_ASSERT(n >= 2);
    /* Garble every signature but the last one's, relinking as we go. */
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = entries + i * slot;
        if (i > 0) {
            proto_entry ent;
            int rc = proto_entry_decode(&ent, e, lens[i], NULL);
            RN_ASSERT(rc == 0);
            proto_entry_draft dr = { .seq = ent.seq,
                                     .prev = prev,
                                     .timestamp_ms = ent.timestamp_ms,
                                     .kind = ent.kind,
                                     .body = ent.body,
                                     .body_len = ent.body_len };
            uint8_t tmp[RN_ENTRY_BYTES_MAX / 16];
            size_t len = 0;
            rc = proto_entry_sign(&dr, S->nodes[a].sk, tmp, sizeof(tmp), &len);
            RN_ASSERT(rc == 0 && len == lens[i]);
            memcpy(e, tmp, len);
        }
        if (i + 1 < n)
            for (size_t b = lens[i] - 64; b < lens[i]; b++)
                e[b] = (uint8_t)rng_next(&S->net);
        proto_entry_id(e, lens[i], prev);
        pub_record(S, a, first + i, prev);
    }
    p->garble_seq = first;
    p->garble_n = n;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    proto_msg_entries_begin(&m, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        mp_put_bin(&m, entries + i * slot, lens[i]);
    RN_ASSERT(mp_buf_err(&m) == 0);
    *out = xcalloc(1, m.len);
    memcpy(*out, m.data, m.len);
    *out_len = m.len;
    mp_buf_free(&m);
    free(entries);
    free(lens);
}

static void misbehave(sim *S, size_t evi)
{
    const sim_event *sev = &S->sc->events[evi];
    int a = -1;
    uint8_t entry[RN_ENTRY_BYTES_MAX];
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    if (persistent(sev->kind)) {
        if ((a = authority_arg(S, sev)) < 0)
            return;
        bool *mark = targets(S, sev, a);
        for (size_t i = 0; mark != NULL && i < S->n; i++) {
            if (mark[i])
                evil_new(S, evi, (int)i, sev->kind)->author = a;
        }
        free(mark);
        return;
    }
    if (sev->kind == SIM_EV_FORGE) {
        if ((a = authority_arg(S, sev)) < 0)
            return;
        size_t len = sign_next(S, (size_t)a, "forged", entry, sizeof(entry));
        entry[len - 1] ^= 0x01; /* the signature's last byte: forged */
        grow((void **)&S->forged, &S->forged_cap, S->forged_n + 1, sizeof(*S->forged));
        proto_entry_id(entry, len, S->forged[S->forged_n++]);
        entries_msg(entry, len, &msg, &msg_len);
    } else if (sev->kind == SIM_EV_GARBLE) {
        if ((a = authority_arg(S, sev)) < 0)
            return;
        garble_run(S, (size_t)a, &msg, &msg_len);
    }
    bool *mark = targets(S, sev, a);
    if (mark == NULL) {
        free(msg);
        return;
    }
    for (size_t i = 0; i < S->n; i++) {
        if (!mark[i])
            continue;
        evil *e = evil_new(S, evi, (int)i, sev->kind);
        switch (sev->kind) {
        case SIM_EV_FORGE:
        case SIM_EV_GARBLE:
            e->payload = xcalloc(1, msg_len);
            memcpy(e->payload, msg, msg_len);
            e->payload_len = msg_len;
            break;
        case SIM_EV_GARBAGE:
            e->raw = true;
            e->payload_len = 4 + 40;
            e->payload = xcalloc(1, e->payload_len);
            e->payload[3] = 40;
            for (size_t k = 4; k < e->payload_len; k++)
                e->payload[k] = (uint8_t)rng_next(&S->net);
            break;
        case SIM_EV_OVERSIZE:
            e->raw = true;
            e->payload_len = 4;
            e->payload = xcalloc(1, 4);
            memcpy(e->payload, (const uint8_t[]){ 0x7f, 0xff, 0xff, 0xff }, 4);
            break;
        default: /* SIM_EV_JUNK */
            e->raw = true;
            e->payload_len = 300;
            e->payload = xcalloc(1, e->payload_len);
            for (size_t k = 0; k < e->payload_len; k++)
                e->payload[k] = (uint8_t)rng_next(&S->net);
            break;
        }
        e->armed = true;
    }
    free(mark);
    free(msg);
}

/* ---- Timed directives ---- */

static void heal(sim *S)
{
    for (size_t i = 0; i < S->n; i++)
        S->nodes[i].group = 0;
    if (!S->partitioned)
        return;
    S->partitioned = false;
    conv_start(S);
}

static void on_script(sim *S, size_t evi)
{
    const sim_event *e = &S->sc->events[evi];
    bool *mark = xcalloc(S->n, sizeof(bool));
    bool *pool = xcalloc(S->n, sizeof(bool));
    if (S->opt->verbose && e->kind == SIM_EV_PUBLISH)
        fprintf(S->opt->out, "  %8.3f s  %s: publish %s %s %s\n", (double)S->now / 1000.0, e->where,
                e->arg, proto_kind_name(e->rec_kind),
                e->purpose ? proto_enum_value_name(PROTO_ENUM_PURPOSE, e->purpose) : e->arg2);
    else if (S->opt->verbose && e->kind == SIM_EV_DECIDE)
        fprintf(S->opt->out, "  %8.3f s  %s: decide %s %s %s %s\n", (double)S->now / 1000.0,
                e->where, e->arg, e->arg2, proto_enum_value_name(PROTO_ENUM_PURPOSE, e->purpose),
                proto_enum_value_name(PROTO_ENUM_OUTCOME, e->outcome));
    else if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  %s: %s %s%s%s\n", (double)S->now / 1000.0, e->where,
                e->kind == SIM_EV_PARTITION ? "partition"
                : e->kind == SIM_EV_HEAL    ? "heal"
                : e->kind == SIM_EV_CRASH   ? "crash"
                : e->kind == SIM_EV_RESTART ? "restart"
                : e->kind == SIM_EV_CUT     ? "cut"
                : e->kind == SIM_EV_CLOCK   ? "clock"
                                            : "misbehave",
                e->arg, e->arg2[0] ? " to " : "", e->arg2);
    if (S->opt->verbose && e->kind == SIM_EV_CLOCK)
        fprintf(S->opt->out, "  %8.3f s  %s: wall clock step %+lld ms\n", (double)S->now / 1000.0,
                e->where, (long long)e->offset_ms);
    uint32_t d[2] = { (uint32_t)evi, (uint32_t)e->kind };
    trace(S, 'E', d, sizeof(d));
    switch (e->kind) {
    case SIM_EV_PARTITION: {
        if (S->conv_active)
            S->conv_active = false; /* the previous heal never converged: reported as such */
        char buf[SIM_ARG_MAX];
        snprintf(buf, sizeof(buf), "%s", e->arg);
        bool *named = xcalloc(S->n, sizeof(bool));
        int star = -1, g = 1;
        for (char *part = strtok(buf, "|"); part != NULL; part = strtok(NULL, "|"), g++) {
            while (*part == ' ')
                part++;
            if (strcmp(part, "*") == 0 || strcmp(part, "* ") == 0) {
                star = g;
                continue;
            }
            if (group_resolve(S, part, mark, NULL) != 0)
                break;
            for (size_t i = 0; i < S->n; i++) {
                if (mark[i]) {
                    S->nodes[i].group = g;
                    named[i] = true;
                }
            }
        }
        for (size_t i = 0; i < S->n; i++)
            if (!named[i])
                S->nodes[i].group = star > 0 ? star : 0;
        free(named);
        S->partitioned = true;
        break;
    }
    case SIM_EV_HEAL:
        if (S->partitioned) {
            heal(S);
            push(S, S->now + S->sc->settle_ms, E_CHECK, (uint32_t)(S->heals_n - 1), 0, 0);
        }
        break;
    case SIM_EV_CRASH:
    case SIM_EV_RESTART:
        for (size_t i = 0; i < S->n; i++)
            pool[i] = S->nodes[i].up == (e->kind == SIM_EV_CRASH);
        if (group_resolve(S, e->arg, mark, pool) != 0)
            break;
        for (size_t i = 0; i < S->n; i++) {
            if (!mark[i])
                continue;
            if (e->kind == SIM_EV_CRASH)
                node_crash(S, (int)i);
            else
                node_restart(S, (int)i);
        }
        break;
    case SIM_EV_CUT:
        if (group_resolve(S, e->arg, mark, NULL) != 0)
            break;
        for (size_t vc = 0; vc < S->vcs_n; vc++) {
            vconn *v = S->vcs[vc];
            if (v->type[0] != END_NODE || v->type[1] != END_NODE || !v->open[0] || !v->open[1] ||
                (!mark[v->end[0]] && !mark[v->end[1]]))
                continue;
            for (int s = 0; s < 2; s++) { /* a reset: both ends see it at once */
                snode *x = &S->nodes[v->end[s]];
                v->open[s] = false;
                node_conn_closed(x->n, conn_id(vc, s), nclock(S, x));
                settle(S, v->end[s], -1);
            }
        }
        break;
    case SIM_EV_EQUIVOCATE:
        equivocate(S, evi);
        break;
    case SIM_EV_CLOCK:
        if (group_resolve(S, e->arg, mark, NULL) != 0)
            break;
        for (size_t i = 0; i < S->n; i++) {
            if (!mark[i])
                continue;
            S->nodes[i].step_ms = e->offset_ms;
            if (S->nodes[i].up) { /* the driver reads its clocks at the next event anyway */
                (void)nclock(S, &S->nodes[i]);
                settle(S, (int)i, -1);
            }
        }
        break;
    case SIM_EV_PUBLISH:
    case SIM_EV_DECIDE: {
        int a = authority_arg(S, e);
        if (a < 0)
            break;
        if (!S->nodes[a].up) {
            failf(S, "%s: %s is down and cannot publish", e->where, e->arg);
            break;
        }
        sim_wl_fix fix = { .spec = e->arg2[0] != '\0' ? e->arg2 : NULL,
                           .purpose = e->purpose,
                           .outcome = e->outcome };
        (void)publish(S, (size_t)a, e->kind == SIM_EV_DECIDE ? PROTO_KIND_DECISION : e->rec_kind,
                      &fix);
        break;
    }
    default:
        misbehave(S, evi);
        break;
    }
    free(mark);
    free(pool);
}

/* ---- Checks ---- */

typedef struct heal_snap {
    uint64_t t;
    uint64_t *target; /* [authors] */
} heal_snap;

static heal_snap heal_snaps[64];

/* Reads node j's head of author a into *h (seq 0 when none). */
static int head_of(sim *S, store_read *r, size_t a, store_head *h)
{
    int rc = store_head_get(r, S->nodes[a].pk, h);
    if (rc == RN_ENOTFOUND) {
        memset(h, 0, sizeof(*h));
        return 0;
    }
    return rc;
}

static bool id_at(store_read *r, const uint8_t *author, uint64_t seq, const uint8_t *want)
{
    proto_str e;
    uint8_t id[PROTO_ID_BYTES];
    if (store_entry_get(r, author, seq, &e) != 0)
        return false;
    proto_entry_id(e.ptr, e.len, id);
    return memcmp(id, want, PROTO_ID_BYTES) == 0;
}

/*
 * Checks one replica: store_check passes; every entry acknowledged up to target[a] (final: every
 * one) is held with the id its author gave it; every fork made before `fork_before` is detected
 * (forked flag and evidence at the right seq) and no other author is flagged; no forged entry is
 * held.
 */
static void check_replica(sim *S, int j, const uint64_t *target, uint64_t fork_before, bool final)
{
    snode *x = &S->nodes[j];
    store_check_result cr;
    int rc = store_check(&x->s, &cr);
    if (rc != 0) {
        failf(S, "%s: store_check: %s", x->name, rn_strerror(rc));
        return;
    }
    store_read r;
    if ((rc = store_query_begin(&x->s, &r)) != 0) {
        failf(S, "%s: store_query_begin: %s", x->name, rn_strerror(rc));
        return;
    }
    for (size_t a = 0; a < S->a && !S->failed; a++) {
        const pauthor *p = &S->pub[a];
        store_head h;
        if (head_of(S, &r, a, &h) != 0) {
            failf(S, "%s: cannot read its head of %s", x->name, S->nodes[a].name);
            break;
        }
        bool forked = (h.flags & STORE_HEAD_FORKED) != 0;
        if (p->fork_seq != 0 && p->fork_vt <= fork_before) {
            uint64_t fseq;
            proto_str ea, eb;
            if (!forked)
                failf(S, "%s has not detected the fork of %s at seq %llu", x->name,
                      S->nodes[a].name, (unsigned long long)p->fork_seq);
            else if (store_fork_get(&r, S->nodes[a].pk, &fseq, &ea, &eb) != 0 ||
                     fseq != p->fork_seq)
                failf(S, "%s flags %s as forked without evidence at seq %llu", x->name,
                      S->nodes[a].name, (unsigned long long)p->fork_seq);
        } else if (forked && p->fork_seq == 0) {
            failf(S, "%s flags %s as forked, which never equivocated", x->name, S->nodes[a].name);
        }
        uint64_t want = final ? p->n : target[a];
        if (p->fork_seq != 0 && want >= p->fork_seq)
            want = p->fork_seq - 1; /* past the fork each node keeps its branch */
        if (want == 0)
            continue;
        if (h.seq < want || !id_at(&r, S->nodes[a].pk, want, p->e[want - 1].id))
            failf(S, "%s lacks %s's acknowledged entry %llu (holds %llu)", x->name,
                  S->nodes[a].name, (unsigned long long)want, (unsigned long long)h.seq);
        else if (final && p->fork_seq == 0 && h.seq != p->n)
            failf(S, "%s holds %s up to %llu, past the %zu acknowledged", x->name, S->nodes[a].name,
                  (unsigned long long)h.seq, p->n);
    }
    for (size_t k = 0; k < S->forged_n && !S->failed; k++) {
        uint8_t author[PROTO_KEY_BYTES];
        uint64_t seq;
        if (store_entry_find(&r, S->forged[k], author, &seq) != RN_ENOTFOUND)
            failf(S, "%s accepted a forged entry (seq %llu)", x->name, (unsigned long long)seq);
    }
    store_read_end(&r);
}

/* With -v, what a node knows of its peers, to see at a glance why it fell behind. */
static void dump_peers(sim *S, int j)
{
    if (!S->opt->verbose || !S->nodes[j].up)
        return;
    node_peer_info info[RN_PEERS_MAX + 8];
    size_t cnt = 0;
    node_peers(S->nodes[j].n, info, RN_PEERS_MAX + 8, &cnt);
    fprintf(S->opt->out, "  peers of %s (%zu):\n", S->nodes[j].name, cnt);
    for (size_t k = 0; k < cnt && k < RN_PEERS_MAX + 8; k++) {
        int p = node_by_key(S, info[k].key);
        fprintf(S->opt->out,
                "    %-6s %s%s behind %llu, eager for %u authors, unacked %llu, next dial "
                "%lld ms\n",
                p >= 0 ? S->nodes[p].name : "?", info[k].connected ? "connected" : "down",
                info[k].outgoing ? " (out)" : "", (unsigned long long)info[k].entries_behind,
                info[k].eager_authors, (unsigned long long)info[k].unacked_bytes,
                info[k].next_dial_ms ? (long long)(info[k].next_dial_ms - nclock(S, &S->nodes[j]))
                                     : 0ll);
    }
}

static bool ref_eq(const query_ref *x, const query_ref *y)
{
    return memcmp(x->author, y->author, PROTO_KEY_BYTES) == 0 && x->seq == y->seq &&
           x->timestamp_ms == y->timestamp_ms;
}

/* The same recognise questions on every node up: the same answers. */
static void check_queries(sim *S)
{
    if (S->specs.n == 0 || S->sc->check_queries == 0)
        return;
    rng qr = { mix64(S->sc->seed, 0x71756572ull) };
    int ref_node = -1;
    for (size_t i = 0; i < S->n && ref_node < 0; i++)
        if (S->nodes[i].up)
            ref_node = (int)i;
    for (uint32_t q = 0; q < S->sc->check_queries && !S->failed; q++) {
        size_t sk = (size_t)rng_below(&qr, S->specs.n);
        const char *spec = S->specs.id[sk];
        const char *cc = S->nodes[rng_below(&qr, S->a)].name;
        uint32_t purpose = (uint32_t)(1 + rng_below(&qr, 3));
        const pauthor *sp = &S->pub[S->specs.author[sk]];
        if (sp->fork_seq != 0 && S->specs.seq[sk] >= sp->fork_seq)
            continue; /* a spec on one branch of a fork: nodes on the other never see it */
        query_recognition ref;
        int ref_rc = 0;
        for (size_t i = (size_t)ref_node; i < S->n && !S->failed; i++) {
            if (!S->nodes[i].up)
                continue;
            store_read r;
            query_recognition ans;
            memset(&ans, 0, sizeof(ans));
            if (store_query_begin(&S->nodes[i].s, &r) != 0) {
                failf(S, "%s: store_query_begin failed", S->nodes[i].name);
                return;
            }
            int rc = query_recognise(&r, proto_str_c(spec), cc, purpose, QUERY_AT_NOW, &ans, NULL);
            store_read_end(&r);
            if ((int)i == ref_node) {
                ref = ans;
                ref_rc = rc;
                continue;
            }
            bool same = rc == ref_rc;
            if (same && rc == 0) {
                same = ans.forked == ref.forked;
                if (same && !ans.forked)
                    same = ans.result == ref.result && ans.outcome == ref.outcome &&
                           strcmp(ans.basis_id, ref.basis_id) == 0 &&
                           ref_eq(&ans.basis, &ref.basis) && ref_eq(&ans.spec, &ref.spec) &&
                           ref_eq(&ans.provider, &ref.provider) &&
                           strcmp(ans.provider_id, ref.provider_id) == 0;
            }
            if (!same)
                failf(S, "recognise(%s, %s, %u): %s answers %s/%u/%s, %s answers %s/%u/%s", spec,
                      cc, purpose, S->nodes[ref_node].name, ref_rc ? rn_err_name(ref_rc) : "ok",
                      ref.result, ref.basis_id, S->nodes[i].name, rc ? rn_err_name(rc) : "ok",
                      ans.result, ans.basis_id);
        }
    }
}

/* An expectation on answers (checked at its time), not on figures (checked at the end). */
static bool answers(const sim_expect *e)
{
    return e->what == SIM_EXPECT_RECOGNISE || e->what == SIM_EXPECT_STACK;
}

/* One answer as a scenario writes it: "decision:partial (FR:enic-naric/2026-0001)". */
static void answer_text(char *out, size_t cap, int rc, const query_recognition *q)
{
    const char *outcome = proto_enum_value_name(PROTO_ENUM_OUTCOME, q->outcome);
    if (rc == RN_ENOTFOUND)
        snprintf(out, cap, "unknown");
    else if (rc != 0)
        snprintf(out, cap, "%s", rn_err_name(rc));
    else if (q->result == PROTO_RESULT_NO_DECISION)
        snprintf(out, cap, "no_decision");
    else
        snprintf(out, cap, "%s:%s (%s)",
                 q->result == PROTO_RESULT_DECISION ? "decision" : "automatic",
                 outcome != NULL ? outcome : "?", q->basis_id);
}

/* Node x's answer to the `expect recognise` e, as of its clock: true when it is the one expected;
 * `ans` gets it as the scenario would write it. */
static bool answer_recognise(sim *S, snode *x, const sim_expect *e, store_read *r, char *ans,
                             size_t cap)
{
    query_recognition q;
    memset(&q, 0, sizeof(q));
    int rc =
        query_recognise(r, proto_str_c(e->spec), e->country, e->purpose, nclock(S, x), &q, NULL);
    answer_text(ans, cap, rc, &q);
    switch (e->answer) {
    case SIM_ANSWER_UNKNOWN:
        return rc == RN_ENOTFOUND;
    case SIM_ANSWER_NO_DECISION:
        return rc == 0 && q.result == PROTO_RESULT_NO_DECISION;
    case SIM_ANSWER_AUTOMATIC:
        return rc == 0 && q.result == PROTO_RESULT_AUTOMATIC && q.outcome == e->outcome;
    default:
        return rc == 0 && q.result == PROTO_RESULT_DECISION && q.outcome == e->outcome;
    }
}

/* The same for an `expect stack`: "complete (6.00 of 6.00 ECTS, 0 mandatory missing)",
 * "incomplete (...)", "unknown" (no such pathway), or the error's name. */
static bool answer_stack(sim *S, snode *x, const sim_expect *e, store_read *r, char *ans,
                         size_t cap)
{
    char buf[SIM_ARG_MAX];
    proto_str ids[RN_STACK_SPECS_MAX];
    size_t n = 0;
    snprintf(buf, sizeof(buf), "%s", e->specs);
    for (char *tok = buf; tok != NULL && n < RN_STACK_SPECS_MAX;) {
        char *comma = strchr(tok, ',');
        if (comma != NULL)
            *comma = '\0';
        ids[n++] = proto_str_c(tok);
        tok = comma != NULL ? comma + 1 : NULL;
    }
    query_stack_result *q = xcalloc(1, sizeof(*q));
    int rc = query_stack(r, e->country, proto_str_c(e->spec), ids, n, nclock(S, x), q);
    bool ok;
    if (rc == RN_ENOTFOUND) {
        snprintf(ans, cap, "unknown");
        ok = e->answer == SIM_ANSWER_UNKNOWN;
    } else if (rc != 0) {
        snprintf(ans, cap, "%s", rn_err_name(rc));
        ok = false;
    } else {
        snprintf(ans, cap, "%s (%u.%02u of %u.%02u ECTS, %u mandatory missing%s)",
                 q->complete ? "complete" : "incomplete", q->total_ects_centi / 100,
                 q->total_ects_centi % 100, q->ects_min_centi / 100, q->ects_min_centi % 100,
                 q->missing_n, q->active ? "" : ", not active");
        ok = e->answer == (q->complete ? SIM_ANSWER_COMPLETE : SIM_ANSWER_INCOMPLETE);
    }
    free(q);
    return ok;
}

/* An expectation on answers: every node of its group that is up answers as expected now, from
 * its own replica and as of its own clock (what the node would answer a client asking now). */
static void check_expect(sim *S, size_t k)
{
    const sim_expect *e = &S->sc->expects[k];
    bool *mark = xcalloc(S->n, sizeof(bool));
    if (e->group[0] == '\0') {
        for (size_t i = 0; i < S->n; i++)
            mark[i] = true;
    } else if (group_resolve(S, e->group, mark, NULL) != 0) {
        free(mark);
        return;
    }
    size_t asked = 0, named = 0;
    for (size_t i = 0; i < S->n && !S->failed; i++) {
        snode *x = &S->nodes[i];
        if (!mark[i])
            continue;
        named++;
        if (!x->up)
            continue;
        store_read r;
        if (store_query_begin(&x->s, &r) != 0) {
            failf(S, "%s: store_query_begin failed", x->name);
            break;
        }
        char ans[QUERY_ID_CAP + 64];
        bool ok = e->what == SIM_EXPECT_STACK ? answer_stack(S, x, e, &r, ans, sizeof(ans))
                                              : answer_recognise(S, x, e, &r, ans, sizeof(ans));
        store_read_end(&r);
        asked++;
        S->expect_answers++;
        if (!ok)
            failf(S, "%s: %s: %s answers %s", e->where, e->text, x->name, ans);
    }
    if (!S->failed && asked == 0)
        failf(S, "%s: %s: no node of the group is up to answer", e->where, e->text);
    if (!S->failed && S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  %s: %s: %zu of %zu nodes answer so\n",
                (double)S->now / 1000.0, e->where, e->text, asked, named);
    free(mark);
}

/* Misbehaving peers that were heard must have been disconnected by their target. */
static void check_evils(sim *S)
{
    for (size_t k = 0; k < S->evils_n && !S->failed; k++) {
        const evil *e = &S->evils[k];
        const vconn *v = S->vcs[e->vc];
        if (e->kind == SIM_EV_EQUIVOCATE || persistent(e->kind) || !e->sent || !e->target_was_up ||
            S->nodes[e->target].inc != v->inc[1])
            continue;
        if (e->kind == SIM_EV_GARBLE && e->closed_by_target)
            failf(S, "%s disconnected a peer that sent it an authentic run",
                  S->nodes[e->target].name);
        else if (e->kind != SIM_EV_GARBLE && !e->closed_by_target)
            failf(S, "%s did not disconnect a peer that sent it %s", S->nodes[e->target].name,
                  e->kind == SIM_EV_FORGE      ? "a forged entry"
                  : e->kind == SIM_EV_GARBAGE  ? "a garbage frame"
                  : e->kind == SIM_EV_OVERSIZE ? "an oversized frame"
                                               : "junk instead of a handshake");
    }
}

static void on_check(sim *S, size_t h)
{
    if (h >= 64)
        return;
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  check after heal %zu\n", (double)S->now / 1000.0, h + 1);
    if (!S->conv_done[h])
        failf(S, "heal %zu at %.3f s: not converged after %.3f s", h + 1,
              (double)heal_snaps[h].t / 1000.0, (double)(S->now - heal_snaps[h].t) / 1000.0);
    for (size_t j = 0; j < S->n && !S->failed; j++)
        if (S->nodes[j].up && S->nodes[j].up_since <= heal_snaps[h].t)
            check_replica(S, (int)j, heal_snaps[h].target, heal_snaps[h].t, false);
}

static void on_end(sim *S)
{
    S->final_phase = true;
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  end of run: heal, restart, settle %.1f s\n",
                (double)S->now / 1000.0, (double)S->sc->settle_ms / 1000.0);
    if (S->partitioned) {
        heal(S);
        if (S->heals_n - 1 < 64) {
            heal_snaps[S->heals_n - 1].t = S->now;
            memcpy(heal_snaps[S->heals_n - 1].target, S->conv_target, S->a * sizeof(uint64_t));
        }
    }
    for (size_t i = 0; i < S->n; i++)
        if (!S->nodes[i].up)
            node_restart(S, (int)i);
    for (size_t k = 0; k < S->evils_n; k++)
        evil_close(S, &S->evils[k]);
    push(S, S->now + S->sc->settle_ms, E_FINAL, 0, 0, 0);
}

/*
 * After a garbled run (PROTOCOL.md section 2, "Unsigned entries"): every node flags its author,
 * keeps the evidence (the first unsigned entry, authenticated by the run's last), refuses to vouch
 * for the unsigned entries alone, and honest nodes never cut each other off for serving the log
 * (a run ending on an unsigned entry): at most 2 protocol errors in all, when no other
 * misbehaviour is scheduled.
 */
static bool misbehaviour(sim_ev_kind k);

static void check_garbled(sim *S)
{
    bool any = false, others = false;
    for (size_t k = 0; k < S->sc->events_n; k++) {
        sim_ev_kind kind = S->sc->events[k].kind;
        any = any || kind == SIM_EV_GARBLE;
        others = others || (misbehaviour(kind) && kind != SIM_EV_GARBLE);
    }
    if (!any)
        return;
    uint64_t errors = 0;
    for (size_t j = 0; j < S->n && !S->failed; j++) {
        snode *x = &S->nodes[j];
        errors += node_counters_get(x->n)->protocol_errors + x->acc.protocol_errors;
        store_read r;
        if (store_query_begin(&x->s, &r) != 0) {
            failf(S, "%s: store_query_begin failed", x->name);
            return;
        }
        for (size_t a = 0; a < S->a && !S->failed; a++) {
            const pauthor *p = &S->pub[a];
            store_head h;
            store_sigs sg;
            proto_str e;
            if (p->garble_seq == 0)
                continue;
            uint64_t last = p->garble_seq + p->garble_n - 1;
            if (head_of(S, &r, a, &h) != 0 || store_sigs_get(&r, S->nodes[a].pk, &sg) != 0)
                failf(S, "%s: cannot read its head of %s", x->name, S->nodes[a].name);
            else if ((h.flags & STORE_HEAD_BADSIG) == 0)
                failf(S, "%s has not flagged %s, whose entry %llu is unsigned", x->name,
                      S->nodes[a].name, (unsigned long long)p->garble_seq);
            else if (sg.bad_seq != p->garble_seq || sg.bad_anchor != last)
                failf(S, "%s keeps evidence %llu..%llu against %s, not %llu..%llu", x->name,
                      (unsigned long long)sg.bad_seq, (unsigned long long)sg.bad_anchor,
                      S->nodes[a].name, (unsigned long long)p->garble_seq,
                      (unsigned long long)last);
            else if (store_entry_get_verified(&r, S->nodes[a].pk, p->garble_seq, &e) != RN_ESIG ||
                     store_entry_get_verified(&r, S->nodes[a].pk, last, &e) != 0)
                failf(S, "%s vouches for an unsigned entry of %s", x->name, S->nodes[a].name);
        }
        store_read_end(&r);
    }
    if (!S->failed && !others && errors > 2)
        failf(S, "honest nodes cut each other off %llu times serving a garbled log",
              (unsigned long long)errors);
}

static void on_final(sim *S)
{
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  final checks\n", (double)S->now / 1000.0);
    for (size_t j = 0; j < S->n && !S->failed; j++) {
        check_replica(S, (int)j, NULL, UINT64_MAX, true);
        if (S->failed)
            dump_peers(S, (int)j);
    }
    for (size_t k = 0; k < S->sc->expects_n && !S->failed; k++)
        if (answers(&S->sc->expects[k]) && S->sc->expects[k].at_ms == SIM_AT_END)
            check_expect(S, k);
    check_queries(S);
    check_evils(S);
    check_garbled(S);
    S->finished = true;
}

/* ---- Setup ---- */

static int rm_tree(const char *path)
{
    DIR *d = opendir(path);
    if (d == NULL)
        return unlink(path);
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        char p[PATH_MAX];
        snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
        struct stat st;
        if (lstat(p, &st) == 0 && S_ISDIR(st.st_mode))
            (void)rm_tree(p);
        else
            (void)unlink(p);
    }
    closedir(d);
    return rmdir(path);
}

static void key_derive(uint64_t seed, uint64_t i, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t in[24], s32[32];
    memcpy(in, "recnetsm", 8);
    memcpy(in + 8, &seed, 8);
    memcpy(in + 16, &i, 8);
    crypto_generichash(s32, sizeof(s32), in, sizeof(in), NULL, 0);
    crypto_sign_seed_keypair(pk, sk, s32);
    sodium_memzero(s32, sizeof(s32));
}

static bool misbehaviour(sim_ev_kind k)
{
    return k == SIM_EV_EQUIVOCATE || k == SIM_EV_FORGE || k == SIM_EV_GARBAGE ||
           k == SIM_EV_OVERSIZE || k == SIM_EV_JUNK || k == SIM_EV_GARBLE || persistent(k);
}

/* Each node's dial list: everyone (mesh), or `fanout` random others plus bridges between the
 * components that leaves, so that the graph is connected. */
static int topology(sim *S)
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
    uint8_t *adj = xcalloc(n * n, 1); /* adj[i * n + j]: i dials j */
    uint32_t *deg = xcalloc(n, sizeof(uint32_t));
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
        size_t *up = xcalloc(n, sizeof(size_t));
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
        x->dial = xcalloc(n, PROTO_KEY_BYTES);
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

/* A failure found while checking the scenario at set-up, said of the directive at `where`: the
 * time ("at 0.000 s: ") is replaced by the place. */
static void blame(sim *S, const char *where)
{
    if (!S->failed || strncmp(S->res->failure, "at ", 3) != 0)
        return;
    const char *rest = strstr(S->res->failure, " s: ");
    if (rest == NULL)
        return;
    char buf[sizeof(S->res->failure)];
    if (strncmp(rest + 4, where, strlen(where)) == 0)
        snprintf(buf, sizeof(buf), "%s", rest + 4); /* the message names it already */
    else
        snprintf(buf, sizeof(buf), "%s: %s", where, rest + 4);
    memcpy(S->res->failure, buf, sizeof(buf));
}

static int setup(sim *S)
{
    const sim_scenario *sc = S->sc;
    S->n = sc->nodes;
    S->a = sc->authorities < sc->nodes ? sc->authorities : sc->nodes;
    S->net.s = mix64(sc->seed, 1);
    S->wl.s = mix64(sc->seed, 2);
    S->setup.s = mix64(sc->seed, 3);
    sodium_rng.s = mix64(sc->seed, 4);
    uint64_t sd = sc->seed;
    crypto_generichash(S->netkey, sizeof(S->netkey), (const uint8_t *)&sd, sizeof(sd),
                       (const uint8_t *)"recnet-sim netkey", 17);
    uint8_t isk[PROTO_SK_BYTES];
    key_derive(sc->seed, 1u << 30, S->issuer_pk, isk);
    sodium_memzero(isk, sizeof(isk));
    mp_buf_init(&S->body, RN_RECORD_BYTES_MAX);
    crypto_generichash_init(&S->digest, NULL, 0, 32);

    /* Evil members: one per misbehaviour directive. */
    S->event_member = xcalloc(sc->events_n, sizeof(int));
    for (size_t k = 0; k < sc->events_n; k++)
        S->event_member[k] = misbehaviour(sc->events[k].kind) ? (int)S->evil_members++ : -1;
    if (S->n + S->evil_members > RN_ROSTER_MEMBERS_MAX) {
        fprintf(stderr, "recnet-sim: %zu nodes and %zu evil members pass the roster bound %u\n",
                S->n, S->evil_members, RN_ROSTER_MEMBERS_MAX);
        return -1;
    }
    S->evil_pk = xcalloc(S->evil_members, PROTO_KEY_BYTES);
    S->evil_sk = xcalloc(S->evil_members, PROTO_SK_BYTES);
    for (size_t k = 0; k < S->evil_members; k++)
        key_derive(sc->seed, (1u << 20) + k, S->evil_pk[k], S->evil_sk[k]);

    /* Nodes, keys, roster. */
    const char *parent = S->opt->dir;
    if (parent == NULL)
        parent = getenv("TMPDIR");
    if (parent == NULL || parent[0] == '\0')
        parent = "/tmp";
    snprintf(S->root, sizeof(S->root), "%s/recnet-sim-XXXXXX", parent);
    if (mkdtemp(S->root) == NULL) {
        fprintf(stderr, "recnet-sim: mkdtemp %s: %s\n", S->root, strerror(errno));
        S->root[0] = '\0';
        return -1;
    }
    S->nodes = xcalloc(S->n, sizeof(snode));
    S->by_key = xcalloc(S->n, sizeof(int));
    S->pub = xcalloc(S->a, sizeof(pauthor));
    S->conv_target = xcalloc(S->a, sizeof(uint64_t));
    S->conv_in = xcalloc(S->n, sizeof(bool));
    for (size_t h = 0; h < 64; h++) {
        free(heal_snaps[h].target);
        heal_snaps[h].target = xcalloc(S->a, sizeof(uint64_t));
        heal_snaps[h].t = 0;
    }
    proto_roster roster;
    if (proto_roster_init(&roster, S->n + S->evil_members) != 0)
        return -1;
    for (size_t i = 0; i < S->n; i++) {
        snode *x = &S->nodes[i];
        bool auth = i < S->a;
        if (auth)
            memcpy(x->name, proto_country_at(sc->countries_n > 0 ? sc->countries[i] : i)->alpha2,
                   3);
        else
            snprintf(x->name, sizeof(x->name), "M%u", (unsigned)(i - S->a + 1) % 10000u);
        x->role = auth ? PROTO_ROLE_AUTHORITY : PROTO_ROLE_MIRROR;
        key_derive(sc->seed, i, x->pk, x->sk);
        int rc = proto_roster_add(&roster, auth ? x->name : "", auth ? 2 : 0, x->role, x->pk);
        if (rc != 0) {
            fprintf(stderr, "recnet-sim: roster: %s\n", rn_strerror(rc));
            proto_roster_free(&roster);
            return -1;
        }
        snprintf(x->dir, sizeof(x->dir), "%s/%s", S->root, x->name);
        x->skew_ms = sc->skew_ms == 0 ? 0
                                      : (int64_t)rng_below(&S->setup, 2ull * sc->skew_ms + 1) -
                                            (int64_t)sc->skew_ms;
        x->head = xcalloc(S->a, sizeof(uint64_t));
        x->hop = xcalloc(S->a, sizeof(uint8_t *));
        x->hop_cap = xcalloc(S->a, sizeof(size_t));
        x->tick_at = UINT64_MAX;
        S->by_key[i] = (int)i;
        if (auth)
            memcpy(S->pub[i].wl.cc, x->name, 3);
    }
    for (size_t k = 0; k < S->evil_members; k++) {
        int rc = proto_roster_add(&roster, "", 0, PROTO_ROLE_MIRROR, S->evil_pk[k]);
        if (rc != 0) {
            fprintf(stderr, "recnet-sim: roster: %s\n", rn_strerror(rc));
            proto_roster_free(&roster);
            return -1;
        }
    }
    cmp_sim = S;
    qsort(S->by_key, S->n, sizeof(int), cmp_key);
    if (topology(S) != 0) {
        proto_roster_free(&roster);
        return -1;
    }

    /* Replicas: one directory each, the roster installed, then the cores. */
    for (size_t i = 0; i < S->n; i++) {
        snode *x = &S->nodes[i];
        store_options so = { .map_bytes = (size_t)sc->map_bytes, .sync_received = false };
        int rc;
        if (mkdir(x->dir, 0700) != 0 || (rc = store_open(&x->s, x->dir, &so)) != 0) {
            fprintf(stderr, "recnet-sim: cannot create the replica %s\n", x->dir);
            proto_roster_free(&roster);
            return -1;
        }
        rc = store_roster_set(&x->s, &roster);
        store_close(&x->s);
        if (rc != 0) {
            fprintf(stderr, "recnet-sim: %s: store_roster_set: %s\n", x->name, rn_strerror(rc));
            proto_roster_free(&roster);
            return -1;
        }
    }
    proto_roster_free(&roster);
    for (size_t i = 0; i < S->n; i++)
        if (node_start(S, (int)i) != 0)
            return -1;

    /* Every name the scenario uses must be a node (an authority where one is needed). */
    bool *scratch = xcalloc(S->n, sizeof(bool));
    for (size_t k = 0; k < sc->events_n && !S->failed; k++) {
        const sim_event *e = &sc->events[k];
        char buf[SIM_ARG_MAX];
        snprintf(buf, sizeof(buf), "%s", e->arg);
        for (char *c = buf; *c; c++)
            if (*c == '|' || (*c == '*' && e->kind == SIM_EV_PARTITION))
                *c = ',';
        if (e->kind == SIM_EV_EQUIVOCATE || e->kind == SIM_EV_FORGE || e->kind == SIM_EV_PUBLISH ||
            e->kind == SIM_EV_DECIDE || e->kind == SIM_EV_GARBLE || persistent(e->kind)) {
            int a = node_by_name(S, e->arg);
            if (a < 0 || (size_t)a >= S->a)
                failf(S, "%s: '%s' is not an authority", e->where, e->arg);
        } else {
            (void)group_resolve_any(S, buf, scratch, NULL, true);
        }
        if (!S->failed && e->kind != SIM_EV_DECIDE && e->kind != SIM_EV_PUBLISH)
            (void)group_resolve_any(S, e->arg2, scratch, NULL, true);
        blame(S, e->where);
    }
    for (size_t k = 0; k < sc->streams_n && !S->failed; k++) {
        (void)group_resolve_any(S, sc->streams[k].by, scratch, NULL, true);
        blame(S, sc->streams[k].where);
    }
    for (size_t k = 0; k < sc->expects_n && !S->failed; k++) {
        const sim_expect *e = &sc->expects[k];
        if (!answers(e))
            continue;
        int a = node_by_name(S, e->country);
        if (e->what == SIM_EXPECT_RECOGNISE && (a < 0 || (size_t)a >= S->a))
            failf(S, "%s: %s is no authority of this run: recognise asks a country's authority",
                  e->where, e->country);
        else if (e->at_ms != SIM_AT_END && e->at_ms > sc->run_ms)
            failf(S,
                  "%s: by %.3f s is past the run (%.3f s); 'by end' checks with the final checks",
                  e->where, (double)e->at_ms / 1000.0, (double)sc->run_ms / 1000.0);
        else
            (void)group_resolve_any(S, e->group, scratch, NULL, true);
        blame(S, e->where);
    }
    free(scratch);
    if (S->failed) {
        fprintf(stderr, "recnet-sim: %s\n", S->res->failure);
        return -1;
    }

    /* The scenario's timeline. */
    uint64_t lead = 10ull * sc->lat_max_ms + 2ull * sc->jitter_ms + 500u;
    for (size_t k = 0; k < sc->events_n; k++) {
        const sim_event *e = &sc->events[k];
        if (e->at_ms >= sc->run_ms) {
            fprintf(stderr, "recnet-sim: %s: at %.3f s is past the run (%.3f s)\n", e->where,
                    (double)e->at_ms / 1000.0, (double)sc->run_ms / 1000.0);
            return -1;
        }
        if (e->kind == SIM_EV_EQUIVOCATE)
            push(S, e->at_ms > lead ? e->at_ms - lead : 0, E_PREP, (uint32_t)k, 0, 0);
        push(S, e->at_ms, E_SCRIPT, (uint32_t)k, 0, 0);
    }
    for (size_t k = 0; k < sc->streams_n; k++)
        if (sc->streams[k].from_ms < sc->run_ms)
            push(S, sc->streams[k].from_ms, E_STREAM, (uint32_t)k, 0, 0);
    /* After the directives of the same time, so that they are answered as of after them. */
    for (size_t k = 0; k < sc->expects_n; k++)
        if (answers(&sc->expects[k]) && sc->expects[k].at_ms != SIM_AT_END)
            push(S, sc->expects[k].at_ms, E_EXPECT, (uint32_t)k, 0, 0);
    push(S, sc->run_ms, E_END, 0, 0, 0);
    return 0;
}

static void teardown(sim *S)
{
    for (size_t i = 0; S->nodes != NULL && i < S->n; i++) {
        snode *x = &S->nodes[i];
        if (x->n != NULL)
            node_free(x->n);
        if (x->has_store)
            store_close(&x->s);
        for (size_t a = 0; x->hop != NULL && a < S->a; a++)
            free(x->hop[a]);
        free(x->hop);
        free(x->hop_cap);
        free(x->head);
        free(x->dial);
    }
    for (size_t vc = 0; vc < S->vcs_n; vc++) {
        for (int s = 0; s < 2; s++) {
            chunk *c = S->vcs[vc]->q[s].head;
            while (c != NULL) {
                chunk *nx = c->next;
                free(c);
                c = nx;
            }
        }
        free(S->vcs[vc]);
    }
    for (size_t k = 0; k < S->evils_n; k++) {
        proto_hs_wipe(&S->evils[k].hs);
        proto_stream_wipe(&S->evils[k].st);
        free(S->evils[k].payload);
        free(S->evils[k].rx);
    }
    for (size_t a = 0; S->pub != NULL && a < S->a; a++)
        free(S->pub[a].e);
    if (S->root[0] != '\0') {
        if (S->opt->keep)
            fprintf(S->opt->out, "replicas kept in %s\n", S->root);
        else
            (void)rm_tree(S->root);
    }
    free(S->vcs);
    free(S->evils);
    free(S->nodes);
    free(S->by_key);
    free(S->pub);
    free(S->heap);
    free(S->lat);
    free(S->forged);
    free(S->specs.id);
    free(S->specs.author);
    free(S->specs.seq);
    free(S->evil_pk);
    if (S->evil_sk != NULL)
        sodium_memzero(S->evil_sk, S->evil_members * PROTO_SK_BYTES);
    free(S->evil_sk);
    free(S->event_member);
    free(S->conv_target);
    free(S->conv_in);
    mp_buf_free(&S->body);
}

/* ---- The report ---- */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

static void report(sim *S, double wall_s, uint64_t events)
{
    const sim_scenario *sc = S->sc;
    sim_result *res = S->res;
    FILE *o = S->opt->out;
    node_counters tot;
    memset(&tot, 0, sizeof(tot));
    for (size_t i = 0; i < S->n; i++) {
        counters_add(&tot, &S->nodes[i].acc);
        if (S->nodes[i].up)
            counters_add(&tot, node_counters_get(S->nodes[i].n));
    }
    uint64_t counted_entries = 0;
    double ldh_sum = 0;
    uint32_t ldh_max = 0;
    uint64_t ldh_n = 0;
    for (size_t a = 0; a < S->a; a++) {
        for (size_t k = 0; k < S->pub[a].n; k++) {
            if (!counted(S, a, k + 1))
                continue;
            counted_entries++;
            const pentry *e = &S->pub[a].e[k];
            if (e->deliveries == 0 || e->last_hop == HOP_UNKNOWN)
                continue;
            ldh_sum += e->last_hop;
            ldh_max = e->last_hop > ldh_max ? e->last_hop : ldh_max;
            ldh_n++;
        }
    }
    qsort(S->lat, S->lat_n, sizeof(uint64_t), cmp_u64);
    uint64_t p50 = S->lat_n ? S->lat[(S->lat_n - 1) / 2] : 0;
    uint64_t p99 = S->lat_n ? S->lat[(S->lat_n - 1) * 99 / 100] : 0;
    uint64_t pmax = S->lat_n ? S->lat[S->lat_n - 1] : 0;
    double d = S->deliveries > 0 ? (double)S->deliveries : 1.0;
    res->published = 0;
    for (size_t a = 0; a < S->a; a++)
        res->published += S->pub[a].n;
    res->deliveries = S->deliveries;
    res->rmr = S->deliveries > 0 ? (double)S->copies / d - 1.0 : 0.0;
    res->ldh_mean = ldh_n > 0 ? ldh_sum / (double)ldh_n : 0.0;
    res->ldh_max = ldh_max;
    res->lat_p50_ms = p50;
    res->lat_p99_ms = p99;
    res->lat_max_ms = pmax;
    double sim_s = (double)S->now / 1000.0;
    res->sim_per_wall = wall_s > 0 ? sim_s / wall_s : 0.0;

    fprintf(o, "scenario %s, seed %llu: %zu nodes (%zu authorities, %zu mirrors), %s", sc->name,
            (unsigned long long)sc->seed, S->n, S->a, S->n - S->a,
            sc->topology == SIM_TOPO_MESH ? "full mesh" : "random partial views");
    if (sc->topology == SIM_TOPO_RANDOM)
        fprintf(o, " (each dials %u)", sc->fanout);
    fprintf(o, "\n  authorities:");
    for (size_t i = 0; i < S->a; i++)
        fprintf(o, " %s", S->nodes[i].name);
    fprintf(o, "\n  links: latency %u", sc->lat_min_ms);
    if (sc->lat_max_ms != sc->lat_min_ms)
        fprintf(o, "..%u", sc->lat_max_ms);
    fprintf(o, " ms, jitter %u ms, loss %g, reorder %g, duplicate %g, corrupt %g, bandwidth ",
            sc->jitter_ms, sc->loss, sc->reorder, sc->duplicate, sc->corrupt);
    if (sc->bandwidth)
        fprintf(o, "%llu B/ms, skew %u ms\n", (unsigned long long)sc->bandwidth, sc->skew_ms);
    else
        fprintf(o, "unlimited, skew %u ms\n", sc->skew_ms);
    fprintf(o, "time: %.1f s simulated in %.2f s wall: %.1f simulated s per wall s (%llu events)\n",
            sim_s, wall_s, res->sim_per_wall, (unsigned long long)events);
    fprintf(o, "workload: %llu entries acknowledged", (unsigned long long)res->published);
    if (S->skipped_publishes)
        fprintf(o, " (%llu skipped: no publisher up)", (unsigned long long)S->skipped_publishes);
    else if (res->published == 0)
        fprintf(o, " (the scenario publishes nothing: add a `publish` line)");
    fprintf(
        o, ", %zu specs; %llu queries (%llu decision, %llu automatic, %llu none, %llu not found)\n",
        S->specs.n, (unsigned long long)S->queries,
        (unsigned long long)S->query_results[PROTO_RESULT_DECISION % 4],
        (unsigned long long)S->query_results[PROTO_RESULT_AUTOMATIC % 4],
        (unsigned long long)S->query_results[PROTO_RESULT_NO_DECISION % 4],
        (unsigned long long)S->query_results[0]);
    fprintf(o,
            "network: %llu chunks (%llu lost and retransmitted, %llu held by partitions, %llu "
            "duplicated, %llu corrupted); %llu connects, %llu failed; %llu crashes, %llu "
            "restarts\n",
            (unsigned long long)S->chunks, (unsigned long long)S->chunks_lost,
            (unsigned long long)S->chunks_held, (unsigned long long)S->chunks_dup,
            (unsigned long long)S->chunks_corrupt, (unsigned long long)S->connects,
            (unsigned long long)S->connects_failed, (unsigned long long)S->crashes,
            (unsigned long long)S->restarts);
    fprintf(o, "delivery: %llu deliveries of %llu entries to %zu other nodes (%llu ideal)\n",
            (unsigned long long)S->deliveries, (unsigned long long)counted_entries, S->n - 1,
            (unsigned long long)(counted_entries * (S->n - 1)));
    fprintf(o, "  entry copies received %llu: RMR %.4f\n", (unsigned long long)S->copies, res->rmr);
    fprintf(o,
            "  per delivered entry: %.3f ENTRIES messages, %.0f bytes on the wire (all frames), "
            "%.3f HAVE, %.3f WANT, %.3f HEADS\n",
            (double)tot.payload_msgs_out / d, (double)tot.bytes_out / d, (double)tot.haves_out / d,
            (double)tot.wants_out / d, (double)tot.heads_out / d);
    fprintf(o, "  hops:");
    for (int h = 0; h < 16; h++)
        if (S->hop_hist[h])
            fprintf(o, " %s%d: %llu", h == 15 ? ">=" : "", h, (unsigned long long)S->hop_hist[h]);
    fprintf(o, "; last delivery hop mean %.2f, max %u\n", res->ldh_mean, ldh_max);
    fprintf(o, "  latency: p50 %llu ms, p99 %llu ms, max %llu ms\n", (unsigned long long)p50,
            (unsigned long long)p99, (unsigned long long)pmax);
    uint64_t ae_ms = sc->limits.anti_entropy_ms ? sc->limits.anti_entropy_ms : 5000u;
    res->converge_max_ms = 0;
    res->evil_bytes = S->bytes_to_evil;
    for (size_t h = 0; h < S->heals_n && h < 64; h++) {
        if (S->conv_done[h]) {
            fprintf(o, "heal %zu at %.3f s: converged in %.3f s (%.2f anti-entropy periods)\n",
                    h + 1, (double)heal_snaps[h].t / 1000.0, (double)S->conv_ms[h] / 1000.0,
                    (double)S->conv_ms[h] / (double)ae_ms);
            if (S->conv_ms[h] > res->converge_max_ms)
                res->converge_max_ms = S->conv_ms[h];
        } else {
            fprintf(o, "heal %zu at %.3f s: did not converge\n", h + 1,
                    (double)heal_snaps[h].t / 1000.0);
            res->converge_max_ms = UINT64_MAX;
        }
    }
    size_t evil_closed = 0, evil_heard = 0;
    for (size_t k = 0; k < S->evils_n; k++) {
        evil_heard += S->evils[k].sent;
        evil_closed += S->evils[k].closed_by_target;
    }
    fprintf(o,
            "peers: %llu protocol errors, %llu refused handshakes; %zu evil connections, %zu "
            "sent their payload, %zu disconnected by their target; %llu forks seen\n",
            (unsigned long long)tot.protocol_errors, (unsigned long long)tot.conns_refused,
            S->evils_n, evil_heard, evil_closed, (unsigned long long)tot.forks_seen);
    size_t hostile = 0;
    for (size_t k = 0; k < S->evils_n; k++)
        hostile += persistent(S->evils[k].kind);
    if (hostile > 0)
        fprintf(o,
                "hostile members: %zu connections, %.1f MB sent to them; %llu demotions, %llu "
                "serve deferrals\n",
                hostile, (double)S->bytes_to_evil / 1e6, (unsigned long long)tot.demotions,
                (unsigned long long)tot.serve_paused);

    size_t answer_lines = 0;
    for (size_t k = 0; k < sc->expects_n; k++)
        answer_lines += answers(&sc->expects[k]);
    if (answer_lines > 0)
        fprintf(o, "expectations: %zu on answers, %llu node answers checked, %s\n", answer_lines,
                (unsigned long long)S->expect_answers,
                S->failed ? "until the run failed" : "all as expected");
    if (S->opt->legend)
        fprintf(
            o,
            "legend:\n"
            "  RMR   relative message redundancy: entry copies received / deliveries - 1 (0: every "
            "node received each entry once)\n"
            "  LDH   last delivery hop: hops from its author to the node that got an entry last "
            "(1: every node straight from the author)\n"
            "  HAVE  a note \"I now hold this author's log up to seq\", sent to a peer instead of "
            "the entries (it fetches them if it lacks them)\n"
            "  WANT  a fetch \"send me this author's entries from seq on\", sent when a HAVE or "
            "HEADS shows entries the node lacks\n"
            "  HEADS every head a node holds, sent to each peer on connecting and every "
            "anti-entropy period\n");

    /* Expectations on figures (those on answers were checked at their time). */
    for (size_t k = 0; k < sc->expects_n && !S->failed; k++) {
        const sim_expect *e = &sc->expects[k];
        if (answers(e))
            continue; /* checked at its time */
        double v = 0;
        bool ok = true;
        const char *what = "";
        switch (e->what) {
        case SIM_EXPECT_RMR:
            v = res->rmr, ok = v <= e->bound, what = "RMR";
            break;
        case SIM_EXPECT_LDH:
            v = ldh_max, ok = v <= e->bound, what = "last delivery hop (worst entry)";
            break;
        case SIM_EXPECT_CONVERGE:
            v = res->converge_max_ms == UINT64_MAX ? 1e18 : (double)res->converge_max_ms;
            ok = v <= e->bound && S->heals_n > 0, what = "convergence after a heal (ms)";
            break;
        case SIM_EXPECT_P99:
            v = (double)p99, ok = v <= e->bound, what = "delivery latency p99 (ms)";
            break;
        case SIM_EXPECT_LAT_MAX:
            v = (double)pmax, ok = v <= e->bound, what = "delivery latency, worst (ms)";
            break;
        case SIM_EXPECT_EVIL_MB:
            v = (double)S->bytes_to_evil / 1e6, ok = v <= e->bound,
            what = "MB sent to misbehaving peers";
            break;
        default:
            v = (double)(tot.protocol_errors + tot.conns_refused), ok = v >= e->bound,
            what = "protocol errors and refusals";
            break;
        }
        if (!ok)
            failf(S, "%s: expected %s %s %g, measured %g", e->where, what,
                  e->what == SIM_EXPECT_PROTOCOL ? ">=" : "<=", e->bound, v);
    }
    crypto_generichash_final(&S->digest, res->digest, sizeof(res->digest));
    fprintf(o, "digest: ");
    for (size_t k = 0; k < sizeof(res->digest); k++)
        fprintf(o, "%02x", res->digest[k]);
    fprintf(o, "\n");
}

/* ---- Running ---- */

static double wall_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sim_run(const sim_scenario *sc_in, const sim_options *opt, sim_result *res)
{
    static bool sodium_ready;
    if (!sodium_ready) {
        if (randombytes_set_implementation(&det_impl) != 0 || sodium_init() < 0) {
            fprintf(stderr, "recnet-sim: libsodium\n");
            return -1;
        }
        sodium_ready = true;
    }
    /* LMDB keeps files open per replica: let the process have what its hard limit allows. */
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        (void)setrlimit(RLIMIT_NOFILE, &rl);
    }
    sim_scenario sc = *sc_in;
    if (sc.settle_ms == 0)
        sc.settle_ms = 3ull * (sc.limits.anti_entropy_ms ? sc.limits.anti_entropy_ms : 5000u);
    memset(res, 0, sizeof(*res));
    sim *S = xcalloc(1, sizeof(sim));
    S->sc = &sc;
    S->opt = opt;
    S->res = res;
    double w0 = wall_now();
    int rc = setup(S);
    uint64_t events = 0;
    if (rc == 0) {
        while (S->heap_n > 0 && !S->finished && !S->failed) {
            ev e = pop(S);
            S->now = e.t;
            events++;
            switch ((ev_kind)e.kind) {
            case E_TICK:
                on_tick(S, (int)e.a, e.gen);
                break;
            case E_DATA:
                on_data(S, e.a, (int)e.b);
                break;
            case E_ACCEPT:
                on_accept(S, e.a);
                break;
            case E_CONNECTED:
                on_connected(S, e.a);
                break;
            case E_CONNFAIL: {
                snode *x = &S->nodes[e.a];
                if (x->up && x->inc == e.gen) {
                    S->connects_failed++;
                    node_connect_failed(x->n, S->nodes[e.b].pk, nclock(S, x));
                    settle(S, (int)e.a, -1);
                }
                break;
            }
            case E_SCRIPT:
                on_script(S, e.a);
                if (sc.events[e.a].kind == SIM_EV_HEAL && S->heals_n > 0 && S->heals_n <= 64 &&
                    heal_snaps[S->heals_n - 1].t == 0) {
                    heal_snaps[S->heals_n - 1].t = S->now;
                    memcpy(heal_snaps[S->heals_n - 1].target, S->conv_target,
                           S->a * sizeof(uint64_t));
                }
                break;
            case E_PREP:
                on_prep(S, e.a);
                break;
            case E_STREAM:
                on_stream(S, e.a, e.b);
                break;
            case E_EVIL_CLOSE:
                evil_close(S, &S->evils[e.a]);
                break;
            case E_EVIL_ACT:
                evil_act(S, &S->evils[e.a]);
                break;
            case E_CHECK:
                on_check(S, e.a);
                break;
            case E_END:
                on_end(S);
                break;
            case E_FINAL:
                on_final(S);
                break;
            case E_EXPECT:
                check_expect(S, e.a);
                break;
            default:
                failf(S, "unknown event %u", e.kind);
                break;
            }
        }
        if (!S->finished && !S->failed)
            failf(S, "the event queue ran dry before the final checks");
        report(S, wall_now() - w0, events);
        res->ok = !S->failed;
    }
    teardown(S);
    free(S);
    for (size_t h = 0; h < 64; h++) {
        free(heal_snaps[h].target);
        heal_snaps[h].target = NULL;
    }
    if (rc != 0)
        return -1;
    return res->ok ? 0 : 1;
}
