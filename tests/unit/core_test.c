/*
 * core_test.c: the node core (node/core.h) over real replicas, wired together in memory.
 *
 * A tiny driver plays the part of recnetd's libuv loop and of the simulator: up to six cores,
 * each over its own LMDB replica in a mkdtemp directory under /tmp (removed afterwards), joined
 * by in-memory links. The driver pumps every SEND action of one core into node_conn_input of the
 * core at the other end of the tlink, answers CONNECT actions by opening a link to the core whose
 * key was asked for (or node_connect_failed when that core is down), reports CLOSE to both ends,
 * and moves a fake clock from one node_deadline to the next. A link direction can be held (bytes
 * kept back) to make a peer stall, and a test-driven endpoint ("evil") can run the handshake with
 * proto/wire.h itself and then send whatever it likes.
 *
 * libsodium's random generator is replaced by a seeded one (the stream headers of proto/wire.c
 * draw from it), so that a run is a pure function of its inputs: the determinism test runs one
 * scenario twice and compares the digests of every byte each core sent.
 *
 * Records are real: the ELM sample provider (University of Zed, Ireland) and its specification,
 * and providers of the other countries made from the same template, encoded with
 * proto_record_encode; entries of authors that run no node are signed with proto_entry_sign.
 */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "node/core.h"
#include "proto/ctl.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "proto/wire.h"
#include "store/store.h"
#include "tests/support/fixtures.h"
#include "tests/support/rng.h"

#include "testutil.h"

#define S(s) proto_str_c(s)

#define T0           1767225600000ull /* 2026-01-01: the fake clock starts here */
#define T_2022_12_31 1672527600000ull /* ELM sample validFrom */

/* ---- A seeded random generator for libsodium ---- */

static uint64_t det_state;

static uint64_t det_next(void)
{
    return test_rng_next(&det_state);
}

static const char *det_name(void)
{
    return "core_test";
}

static uint32_t det_random(void)
{
    return (uint32_t)det_next();
}

static void det_buf(void *const buf, const size_t size)
{
    uint8_t *p = buf;
    for (size_t i = 0; i < size; i++)
        p[i] = (uint8_t)det_next();
}

static uint32_t det_uniform(const uint32_t upper)
{
    return upper < 2 ? 0 : det_random() % upper;
}

static struct randombytes_implementation det_impl = {
    .implementation_name = det_name,
    .random = det_random,
    .stir = NULL,
    .uniform = det_uniform,
    .buf = det_buf,
    .close = NULL,
};

/* ---- Keys ---- */

enum { K_IE, K_FR, K_NL, K_DE, K_AT, K_MIRROR, K_PL, K_COUNT };
typedef struct key {
    const char *country; /* "" for the mirror */
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} key;
static key keys[K_COUNT] = {
    [K_IE] = { "IE" }, [K_FR] = { "FR" },   [K_NL] = { "NL" }, [K_DE] = { "DE" },
    [K_AT] = { "AT" }, [K_MIRROR] = { "" }, [K_PL] = { "PL" }, /* PL: not in the roster */
};
static uint8_t netkey[PROTO_NETKEY_BYTES], netkey_wrong[PROTO_NETKEY_BYTES];
static uint8_t issuer_pk[PROTO_KEY_BYTES];

static void keys_init(void)
{
    for (int i = 0; i < K_COUNT; i++) {
        uint8_t seed[32];
        char label[32];
        snprintf(label, sizeof(label), "core-test-key-%d", i);
        crypto_generichash(seed, 32, (const uint8_t *)label, strlen(label), NULL, 0);
        crypto_sign_seed_keypair(keys[i].pk, keys[i].sk, seed);
    }
    crypto_generichash(netkey, 32, (const uint8_t *)"netkey", 6, NULL, 0);
    crypto_generichash(netkey_wrong, 32, (const uint8_t *)"another", 7, NULL, 0);
    uint8_t isk[PROTO_SK_BYTES], seed[32];
    crypto_generichash(seed, 32, (const uint8_t *)"issuer", 6, NULL, 0);
    crypto_sign_seed_keypair(issuer_pk, isk, seed);
}

/* ---- Bodies ---- */

typedef struct body {
    uint8_t b[4096];
    size_t len;
} body;

static void encode(const proto_record *r, body *out)
{
    mp_buf b;
    mp_buf_init(&b, sizeof(out->b));
    assert_int_equal(proto_record_encode(r, &b), 0);
    memcpy(out->b, b.data, b.len);
    out->len = b.len;
    mp_buf_free(&b);
}

/* An awarding body `name` of country `cc`: the ELM sample's (tests/support/fixtures.h) with its
 * issuer key and URL, under the id "cc:ref". */
static void provider_body(body *out, const char *cc, const char *ref, const char *name)
{
    char id[64];
    snprintf(id, sizeof(id), "%s:%s", cc, ref);
    proto_record r;
    fx_elm_provider(&r, id);
    proto_provider *p = &r.u.provider;
    p->legal_name = S(name);
    p->country = S(cc);
    p->issuer_keys_n = 1;
    p->issuer_keys[0] = (proto_issuer_key){ issuer_pk, T_2022_12_31, 0 };
    p->url = S("https://uniz.edu");
    encode(&r, out);
}

/* The ELM sample's specification (IE:uniz/mc-c012 and others of IE:uniz). */
static void spec_body(body *out, const char *id)
{
    proto_record r;
    fx_elm_spec(&r, id, "IE:uniz");
    encode(&r, out);
}

/* One log signed outside any node: raw[i] is the entry at seq i + 1. */
typedef struct chain {
    size_t n;
    proto_str *raw;
    uint8_t (*id)[PROTO_ID_BYTES];
} chain;

static void chain_make(chain *c, int k, size_t n, const char *name)
{
    static uint8_t buf[RN_ENTRY_BYTES_MAX];
    c->n = n;
    c->raw = calloc(n, sizeof(*c->raw));
    c->id = calloc(n, sizeof(*c->id));
    assert_true(c->raw != NULL && c->id != NULL);
    for (size_t i = 0; i < n; i++) {
        body b;
        char ref[32];
        snprintf(ref, sizeof(ref), "prov-%zu", i + 1);
        provider_body(&b, keys[k].country, ref, name);
        proto_entry_draft dr = { .seq = i + 1,
                                 .prev = i == 0 ? NULL : c->id[i - 1],
                                 .timestamp_ms = T0 - 1000000 + i,
                                 .kind = PROTO_KIND_PROVIDER,
                                 .body = b.b,
                                 .body_len = b.len };
        size_t len;
        assert_int_equal(proto_entry_sign(&dr, keys[k].sk, buf, sizeof(buf), &len), 0);
        uint8_t *e = malloc(len);
        assert_non_null(e);
        memcpy(e, buf, len);
        c->raw[i] = (proto_str){ e, (uint32_t)len };
        proto_entry_id(e, len, c->id[i]);
    }
}

static void chain_free(chain *c)
{
    for (size_t i = 0; i < c->n; i++)
        free((void *)c->raw[i].ptr);
    free(c->raw);
    free(c->id);
}

static void chain_ingest(store *s, const chain *c)
{
    for (size_t i = 0; i < c->n; i += 1000) {
        size_t k = c->n - i < 1000 ? c->n - i : 1000;
        store_ingest_result res;
        assert_int_equal(store_ingest(s, c->raw + i, k, &res, NULL), 0);
        assert_int_equal(res.accepted, k);
    }
}

/* ---- The in-memory network ---- */

#define NODES_MAX 6
#define LINKS_MAX 32
#define RAW       (-1) /* a link end driven by the test itself */

typedef struct bytes {
    uint8_t *p;
    size_t len, cap;
} bytes;

static void bytes_add(bytes *b, const uint8_t *p, size_t len)
{
    if (b->len + len > b->cap) {
        size_t cap = b->cap ? b->cap : 1024;
        while (cap < b->len + len)
            cap *= 2;
        b->p = realloc(b->p, cap);
        assert_non_null(b->p);
        b->cap = cap;
    }
    memcpy(b->p + b->len, p, len);
    b->len += len;
}

typedef struct tnode {
    char dir[64];
    bool has_store, up;
    store s;
    node *n;
    int k; /* its key */
} tnode;

typedef struct tlink {
    bool used;
    int end[2];       /* node index, or RAW */
    uint32_t id[2];   /* conn id at each end */
    bool hold[2];     /* bytes from end i are held back */
    bytes held[2];    /* held bytes from end i */
    bytes raw_rx;     /* bytes sent to the RAW end */
    int close_reason; /* reason of the CLOSE that ended it */
} tlink;

typedef struct net {
    tnode nodes[NODES_MAX];
    tlink links[LINKS_MAX];
    uint64_t now;
    uint32_t next_conn;
    uint64_t seeds;
    bool connect_fails; /* every CONNECT fails */
    uint64_t connects[64];
    size_t connects_n;
    uint64_t max_unacked; /* the most unacknowledged bytes any core had to one peer */
    crypto_generichash_state digest;
    int last_close_reason;
} net;

static void eph_seed(net *t, uint8_t seed[32])
{
    uint64_t v = ++t->seeds;
    crypto_generichash(seed, 32, (const uint8_t *)&v, sizeof(v), NULL, 0);
}

static void roster_make(proto_roster *r, bool with_stranger)
{
    assert_int_equal(proto_roster_init(r, 16), 0);
    for (int i = 0; i < K_COUNT; i++) {
        if (i == K_PL && !with_stranger)
            continue;
        proto_role role = i == K_MIRROR ? PROTO_ROLE_MIRROR : PROTO_ROLE_AUTHORITY;
        assert_int_equal(
            proto_roster_add(r, keys[i].country, strlen(keys[i].country), role, keys[i].pk), 0);
    }
}

static void rm_dir(const char *dir)
{
    (void)test_rmtree(dir);
}

static net *net_new(uint64_t seed)
{
    net *t = calloc(1, sizeof(*t));
    assert_non_null(t);
    t->now = T0;
    t->next_conn = 100;
    det_state = seed;
    crypto_generichash_init(&t->digest, NULL, 0, 32);
    return t;
}

/* Opens (creating on first use) the replica of node slot i, whose key is k. */
static store *tn_store(net *t, int i, int k, bool stranger_roster)
{
    tnode *x = &t->nodes[i];
    if (x->dir[0] == '\0') {
        snprintf(x->dir, sizeof(x->dir), "/tmp/recnet-core-test-XXXXXX");
        assert_non_null(mkdtemp(x->dir));
    }
    if (!x->has_store) {
        assert_int_equal(store_open(&x->s, x->dir, NULL), 0);
        proto_roster r;
        roster_make(&r, stranger_roster);
        assert_int_equal(store_roster_set(&x->s, &r), 0);
        proto_roster_free(&r);
        x->has_store = true;
    }
    x->k = k;
    return &x->s;
}

typedef struct tn_opts {
    node_limits lim;
    const int *dial; /* key indexes */
    size_t dial_n;
    const uint8_t *netkey; /* NULL for the federation's */
    bool stranger_roster;
    uint64_t rng_seed;
    /* The governed roster: the genesis and change documents node_chain_prepare takes. */
    const uint8_t *genesis;
    size_t genesis_len;
    const proto_str *changes;
    size_t changes_n;
} tn_opts;

static node *tn_start(net *t, int i, int k, const tn_opts *o)
{
    tnode *x = &t->nodes[i];
    store *s = tn_store(t, i, k, o->stranger_roster);
    uint8_t dial[8][PROTO_KEY_BYTES];
    assert_true(o->dial_n <= 8);
    for (size_t j = 0; j < o->dial_n; j++)
        memcpy(dial[j], keys[o->dial[j]].pk, PROTO_KEY_BYTES);
    node_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    memcpy(cfg.sk, keys[k].sk, PROTO_SK_BYTES);
    memcpy(cfg.netkey, o->netkey ? o->netkey : netkey, PROTO_NETKEY_BYTES);
    cfg.dial = (const uint8_t(*)[PROTO_KEY_BYTES])dial;
    cfg.dial_n = o->dial_n;
    cfg.rng_seed = o->rng_seed + (uint64_t)i;
    cfg.limits = o->lim;
    proto_rosterchain ch;
    if (o->genesis != NULL) {
        size_t skipped = 0;
        assert_int_equal(node_chain_prepare(s, o->genesis, o->genesis_len, o->changes, o->changes_n,
                                            &ch, &skipped, NULL),
                         0);
        assert_int_equal(skipped, 0);
        cfg.chain = &ch;
    }
    assert_int_equal(node_new(&x->n, s, &cfg, t->now), 0);
    x->up = true;
    return x->n;
}

static int node_by_key(net *t, const uint8_t *pk)
{
    for (int i = 0; i < NODES_MAX; i++)
        if (t->nodes[i].up && memcmp(keys[t->nodes[i].k].pk, pk, PROTO_KEY_BYTES) == 0)
            return i;
    return -1;
}

static tlink *link_new(net *t)
{
    for (int i = 0; i < LINKS_MAX; i++) {
        if (!t->links[i].used) {
            tlink *l = &t->links[i];
            free(l->held[0].p);
            free(l->held[1].p);
            free(l->raw_rx.p);
            memset(l, 0, sizeof(*l));
            l->used = true;
            return l;
        }
    }
    fail_msg("out of links");
    return NULL;
}

static tlink *link_find(net *t, int node_i, uint32_t id, int *side)
{
    for (int i = 0; i < LINKS_MAX; i++) {
        tlink *l = &t->links[i];
        for (int s = 0; l->used && s < 2; s++) {
            if (l->end[s] == node_i && l->id[s] == id) {
                *side = s;
                return l;
            }
        }
    }
    return NULL;
}

/* Both ends learn that the link is gone. */
static void link_close(net *t, tlink *l)
{
    if (!l->used)
        return;
    l->used = false;
    for (int s = 0; s < 2; s++)
        if (l->end[s] != RAW && t->nodes[l->end[s]].up)
            node_conn_closed(t->nodes[l->end[s]].n, l->id[s], t->now);
}

/* Bytes from end `s` of l travel to the other end. */
static void link_carry(net *t, tlink *l, int s, const uint8_t *p, size_t len)
{
    int o = 1 - s;
    if (l->hold[s]) {
        bytes_add(&l->held[s], p, len);
        return;
    }
    if (l->end[o] == RAW) {
        bytes_add(&l->raw_rx, p, len);
        return;
    }
    node_conn_input(t->nodes[l->end[o]].n, l->id[o], p, len, t->now);
}

static void handle(net *t, int i, const node_action *a)
{
    int side = 0;
    tlink *l;
    switch (a->kind) {
    case NODE_ACT_SEND:
        crypto_generichash_update(&t->digest, (const uint8_t *)&i, sizeof(i));
        crypto_generichash_update(&t->digest, a->data, a->len);
        l = link_find(t, i, a->conn, &side);
        assert_non_null(l);
        link_carry(t, l, side, a->data, a->len);
        break;
    case NODE_ACT_CLOSE:
        l = link_find(t, i, a->conn, &side);
        t->last_close_reason = a->reason;
        if (l != NULL) {
            l->close_reason = a->reason;
            link_close(t, l);
        }
        break;
    case NODE_ACT_CONNECT: {
        if (t->connects_n < 64)
            t->connects[t->connects_n++] = t->now;
        int j = node_by_key(t, a->peer);
        if (j < 0 || t->connect_fails) {
            node_connect_failed(t->nodes[i].n, a->peer, t->now);
            break;
        }
        l = link_new(t);
        l->end[0] = i;
        l->end[1] = j;
        l->id[0] = t->next_conn++;
        l->id[1] = t->next_conn++;
        uint8_t s1[32], s2[32];
        eph_seed(t, s1);
        eph_seed(t, s2);
        if (node_conn_open(t->nodes[j].n, l->id[1], NULL, s2, t->now) != 0) {
            l->used = false;
            node_connect_failed(t->nodes[i].n, a->peer, t->now);
            break;
        }
        assert_int_equal(node_conn_open(t->nodes[i].n, l->id[0], a->peer, s1, t->now), 0);
        break;
    }
    default:
        fail_msg("unknown action %d", (int)a->kind);
    }
}

static void sample_unacked(net *t)
{
    node_peer_info info[8];
    size_t cnt;
    for (int i = 0; i < NODES_MAX; i++) {
        if (!t->nodes[i].up)
            continue;
        node_peers(t->nodes[i].n, info, 8, &cnt);
        for (size_t j = 0; j < cnt && j < 8; j++)
            if (info[j].unacked_bytes > t->max_unacked)
                t->max_unacked = info[j].unacked_bytes;
    }
}

/* Delivers every pending action until the network is quiet. */
static void pump(net *t)
{
    for (int rounds = 0;; rounds++) {
        assert_true(rounds < 1000000);
        bool any = false;
        for (int i = 0; i < NODES_MAX; i++) {
            node_action a;
            while (t->nodes[i].up && node_next_action(t->nodes[i].n, &a)) {
                any = true;
                handle(t, i, &a);
            }
        }
        sample_unacked(t);
        if (!any)
            return;
    }
}

/* Runs the network for `ms` of fake time, ticking each core at its deadline. */
static void run(net *t, uint64_t ms)
{
    uint64_t end = t->now + ms;
    int stuck = 0; /* ticks in a row at one time: a deadline the core never clears */
    for (int iter = 0;; iter++) {
        assert_true(iter < 2000000);
        assert_true(stuck < 1000);
        pump(t);
        uint64_t d = UINT64_MAX;
        for (int i = 0; i < NODES_MAX; i++)
            if (t->nodes[i].up) {
                uint64_t di = node_deadline(t->nodes[i].n);
                d = di < d ? di : d;
            }
        if (d > end) {
            t->now = end;
            return;
        }
        stuck = d > t->now ? 0 : stuck + 1;
        if (d > t->now)
            t->now = d;
        for (int i = 0; i < NODES_MAX; i++)
            if (t->nodes[i].up && node_deadline(t->nodes[i].n) <= t->now)
                node_tick(t->nodes[i].n, t->now);
    }
}

/* Stops node i as a crash would: its links drop, its replica closes (the directory stays). */
static void tn_stop(net *t, int i)
{
    tnode *x = &t->nodes[i];
    for (int j = 0; j < LINKS_MAX; j++) {
        tlink *l = &t->links[j];
        if (!l->used || (l->end[0] != i && l->end[1] != i))
            continue;
        l->used = false;
        int o = l->end[0] == i ? 1 : 0;
        if (l->end[o] != RAW && t->nodes[l->end[o]].up)
            node_conn_closed(t->nodes[l->end[o]].n, l->id[o], t->now);
    }
    node_free(x->n);
    x->n = NULL;
    x->up = false;
    store_close(&x->s);
    x->has_store = false;
}

static void net_free(net *t)
{
    for (int i = 0; i < NODES_MAX; i++) {
        tnode *x = &t->nodes[i];
        if (x->up)
            tn_stop(t, i);
        if (x->has_store)
            store_close(&x->s);
        if (x->dir[0] != '\0')
            rm_dir(x->dir);
    }
    for (int i = 0; i < LINKS_MAX; i++) {
        free(t->links[i].held[0].p);
        free(t->links[i].held[1].p);
        free(t->links[i].raw_rx.p);
    }
    free(t);
}

/* ---- What a replica holds ---- */

static uint64_t head_of(net *t, int i, int k, uint32_t *flags)
{
    store_read r;
    store_head h;
    assert_int_equal(store_query_begin(&t->nodes[i].s, &r), 0);
    int rc = store_head_get(&r, keys[k].pk, &h);
    store_read_end(&r);
    if (rc == RN_ENOTFOUND)
        return 0;
    assert_int_equal(rc, 0);
    if (flags != NULL)
        *flags = h.flags;
    return h.seq;
}

static void check_replica(net *t, int i, uint64_t entries)
{
    store_check_result cr;
    assert_int_equal(store_check(&t->nodes[i].s, &cr), 0);
    assert_int_equal(cr.entries, entries);
}

static void publish_n(net *t, int i, size_t count, const char *tag)
{
    tnode *x = &t->nodes[i];
    for (size_t j = 0; j < count; j++) {
        body b;
        char ref[48];
        snprintf(ref, sizeof(ref), "%s-%zu", tag, j + 1);
        if (x->k == K_IE) {
            char id[64];
            snprintf(id, sizeof(id), "IE:uniz/%s", ref);
            spec_body(&b, id);
            uint64_t seq;
            assert_int_equal(
                node_publish(x->n, PROTO_KIND_SPEC, b.b, b.len, t->now, &seq, NULL, NULL), 0);
        } else {
            provider_body(&b, keys[x->k].country, ref, "University of Zed");
            assert_int_equal(
                node_publish(x->n, PROTO_KIND_PROVIDER, b.b, b.len, t->now, NULL, NULL, NULL), 0);
        }
    }
}

/* The info of node i about peer key k (asserting it is known). */
static node_peer_info peer_of(net *t, int i, int k)
{
    node_peer_info info[8];
    size_t cnt;
    node_peers(t->nodes[i].n, info, 8, &cnt);
    for (size_t j = 0; j < cnt && j < 8; j++)
        if (memcmp(info[j].key, keys[k].pk, PROTO_KEY_BYTES) == 0)
            return info[j];
    node_peer_info none;
    memset(&none, 0, sizeof(none));
    return none;
}

/* Node i uses full-mesh dialling to every key of `ks` but its own. */
static tn_opts mesh_opts(const int *ks, size_t n_ks, int self, int *buf)
{
    tn_opts o;
    memset(&o, 0, sizeof(o));
    size_t k = 0;
    for (size_t j = 0; j < n_ks; j++)
        if (ks[j] != self)
            buf[k++] = ks[j];
    o.dial = buf;
    o.dial_n = k;
    o.rng_seed = 42;
    return o;
}

/* ---- Tests ---- */

static void test_new_refuses(void **state)
{
    (void)state;
    net *t = net_new(1);
    store *s = tn_store(t, 0, K_IE, false);
    node_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    node *n = NULL;
    memcpy(cfg.sk, keys[K_PL].sk, PROTO_SK_BYTES); /* not in the roster */
    assert_int_equal(node_new(&n, s, &cfg, T0), RN_EINVAL);
    memcpy(cfg.sk, keys[K_IE].sk, PROTO_SK_BYTES);
    cfg.limits.peers_max = RN_PEERS_MAX + 1;
    assert_int_equal(node_new(&n, s, &cfg, T0), RN_EINVAL);
    cfg.limits.peers_max = 0;
    cfg.limits.inflight_bytes = RN_INFLIGHT_BYTES_DEFAULT + 1;
    assert_int_equal(node_new(&n, s, &cfg, T0), RN_EINVAL);
    cfg.limits.inflight_bytes = 0;
    cfg.limits.backoff_min_ms = 5000;
    cfg.limits.backoff_max_ms = 100;
    assert_int_equal(node_new(&n, s, &cfg, T0), RN_EINVAL);
    cfg.limits.backoff_min_ms = cfg.limits.backoff_max_ms = 0;
    cfg.limits.peers_max = 1;
    assert_int_equal(node_new(&n, s, &cfg, T0), 0);
    assert_memory_equal(node_self(n)->key, keys[K_IE].pk, PROTO_KEY_BYTES);
    assert_ptr_equal(node_store(n), s);
    assert_int_equal(node_deadline(n), UINT64_MAX); /* nobody to dial, nothing to do */
    uint8_t seed[32] = { 0 };
    assert_int_equal(node_conn_open(n, 1, NULL, seed, T0), 0);
    assert_int_equal(node_conn_open(n, 1, NULL, seed, T0), RN_EINVAL); /* id in use */
    assert_int_equal(node_conn_open(n, 2, NULL, seed, T0), RN_EFULL);  /* peers_max */
    assert_int_equal(node_conn_open(n, 3, keys[K_PL].pk, seed, T0), RN_EINVAL);
    /* The handshake has handshake_ms to finish. */
    assert_int_equal(node_deadline(n), T0 + 5000);
    node_tick(n, T0 + 5000);
    node_action a;
    assert_true(node_next_action(n, &a));
    assert_int_equal(a.kind, NODE_ACT_CLOSE);
    assert_int_equal(a.conn, 1);
    assert_int_equal(a.reason, RN_ETIME);
    assert_false(node_next_action(n, &a));
    node_conn_closed(n, 1, T0 + 5000);
    assert_int_equal(node_conn_open(n, 2, NULL, seed, T0 + 5000), 0);
    node_free(n);

    /* A mirror connects but never authors. */
    memcpy(cfg.sk, keys[K_MIRROR].sk, PROTO_SK_BYTES);
    assert_int_equal(node_new(&n, s, &cfg, T0), 0);
    body b;
    provider_body(&b, "IE", "uniz", "University of Zed");
    rn_diag d = { 0 };
    assert_int_equal(node_publish(n, PROTO_KIND_PROVIDER, b.b, b.len, T0, NULL, NULL, &d),
                     RN_EROLE);
    node_free(n);
    net_free(t);
}

/* Two authorities connect, exchange heads and fetch each other's entries. */
static void test_handshake_and_heads(void **state)
{
    (void)state;
    static const int ks[] = { K_IE, K_FR };
    int buf[2][4];
    net *t = net_new(2);
    for (int i = 0; i < 2; i++) {
        tn_opts o = mesh_opts(ks, 2, ks[i], buf[i]);
        tn_start(t, i, ks[i], &o);
    }
    publish_n(t, 0, 3, "before");
    publish_n(t, 1, 2, "before");
    run(t, 1000);
    for (int i = 0; i < 2; i++) {
        node_peer_info p = peer_of(t, i, ks[1 - i]);
        assert_true(p.connected);
        assert_true(p.bytes_in > 0 && p.bytes_out > 0);
        assert_int_equal(p.entries_behind, 0);
        assert_int_equal(p.eager_authors, 1); /* the author itself is the eager source */
        const node_counters *c = node_counters_get(t->nodes[i].n);
        assert_true(c->heads_out >= 1);
        assert_int_equal(c->protocol_errors, 0);
        assert_int_equal(c->conns_refused, 0);
    }
    /* One connection survives between the two, whoever dialled first. */
    int open_links = 0;
    for (int j = 0; j < LINKS_MAX; j++)
        open_links += t->links[j].used;
    assert_int_equal(open_links, 1);
    assert_int_equal(head_of(t, 0, K_FR, NULL), 2);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 3);
    assert_int_equal(node_counters_get(t->nodes[1].n)->entries_new, 3);
    check_replica(t, 0, 5);
    check_replica(t, 1, 5);

    /* Idle: PINGs keep the link up, anti-entropy HEADS flow. */
    uint64_t heads0 = node_counters_get(t->nodes[0].n)->heads_out;
    run(t, 60000);
    assert_true(peer_of(t, 0, K_FR).connected);
    assert_true(node_counters_get(t->nodes[0].n)->heads_out >= heads0 + 10);
    net_free(t);
}

/* A full mesh of four: each new entry reaches every node once, pushed by its author. */
static void test_publish_reaches_all(void **state)
{
    (void)state;
    static const int ks[] = { K_IE, K_FR, K_NL, K_DE };
    int buf[4][4];
    net *t = net_new(3);
    for (int i = 0; i < 4; i++) {
        tn_opts o = mesh_opts(ks, 4, ks[i], buf[i]);
        tn_start(t, i, ks[i], &o);
    }
    run(t, 1000);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 4; i++)
            publish_n(t, i, 1,
                      round == 0   ? "a"
                      : round == 1 ? "b"
                      : round == 2 ? "c"
                                   : "d"
                                     "e");
        pump(t);
        /* Pushed at once: no timer needed. */
        for (int i = 0; i < 4; i++)
            for (int j = 0; j < 4; j++)
                assert_int_equal(head_of(t, i, ks[j], NULL), (uint64_t)round + 1);
        run(t, 100);
    }
    for (int i = 0; i < 4; i++) {
        const node_counters *c = node_counters_get(t->nodes[i].n);
        assert_int_equal(c->entries_new, 15);
        assert_int_equal(c->entries_dup, 0);  /* each delivered once: RMR 0 */
        assert_int_equal(c->entries_out, 15); /* its own 5, to three peers */
        assert_int_equal(c->protocol_errors, 0);
        check_replica(t, i, 20);
    }
    net_free(t);
}

/* Catch-up of thousands of entries in batches, within the bytes in flight and the rate. */
static void test_catch_up_inflight(void **state)
{
    (void)state;
    chain at;
    chain_make(&at, K_AT, 5000, "Universitaet Wien");
    net *t = net_new(4);
    store *s0 = tn_store(t, 0, K_IE, false);
    chain_ingest(s0, &at);
    tn_opts o0, o1;
    memset(&o0, 0, sizeof(o0));
    memset(&o1, 0, sizeof(o1));
    static const int dial_ie[] = { K_IE };
    o0.lim.inflight_bytes = 64u << 10;
    o0.lim.batch_entries = 100;
    o1.dial = dial_ie;
    o1.dial_n = 1;
    o1.lim.entries_per_s = 2000; /* the receiver's pace: at most 2,000 a second from one peer */
    tn_start(t, 0, K_IE, &o0);
    tn_start(t, 1, K_FR, &o1);
    uint64_t t_start = t->now;
    bool seen_midway = false; /* the catch-up seen under way, part done */
    for (int i = 0; i < 200 && head_of(t, 1, K_AT, NULL) < 5000; i++) {
        run(t, 50);
        const node_catchup *cu = node_catchup_get(t->nodes[1].n);
        if (cu->active && cu->entries > 0 && cu->entries < 5000) {
            seen_midway = true;
            assert_int_equal(cu->entries, head_of(t, 1, K_AT, NULL));
            assert_int_equal(node_entries_missing(t->nodes[1].n), 5000 - cu->entries);
        }
    }
    uint64_t took = t->now - t_start;
    assert_int_equal(head_of(t, 1, K_AT, NULL), 5000);
    /* The bucket starts with a second's worth: 3,000 more take at least 1.5 s more. */
    assert_true(took >= 1400);
    assert_true(took <= 4000);
    assert_true(t->max_unacked > 0);
    assert_true(t->max_unacked <= (64u << 10) + RN_ENTRY_BYTES_MAX);
    const node_counters *c0 = node_counters_get(t->nodes[0].n);
    const node_counters *c1 = node_counters_get(t->nodes[1].n);
    assert_int_equal(c0->entries_out, 5000);
    assert_true(c0->payload_msgs_out >= 50);
    assert_int_equal(c1->entries_new, 5000);
    assert_int_equal(c1->entries_dup, 0);
    assert_true(c1->wants_out >= 1);
    assert_int_equal(c1->protocol_errors, 0);
    /* One catch-up, counted from its first WANT to its last entry. */
    assert_true(seen_midway);
    const node_catchup *cu = node_catchup_get(t->nodes[1].n);
    assert_int_equal(cu->number, 1);
    assert_false(cu->active);
    assert_int_equal(cu->entries, 5000);
    assert_int_equal(cu->expected, 5000);
    assert_int_equal(cu->authors, 1);
    assert_int_equal(cu->peers, 1);
    assert_memory_equal(cu->peer, keys[K_IE].pk, PROTO_KEY_BYTES);
    assert_true(cu->end_ms - cu->start_ms >= 1400 && cu->end_ms - cu->start_ms <= took);
    assert_int_equal(node_entries_missing(t->nodes[1].n), 0);
    assert_int_equal(node_catchup_get(t->nodes[0].n)->number, 0); /* it fetched nothing */
    run(t, 1000); /* the index pass runs once ingest is idle */
    assert_false(t->nodes[1].s.index_pending);
    check_replica(t, 1, 5000);
    net_free(t);
    chain_free(&at);
}

/* Holds (or releases, delivering what was held) both directions of every link of node i. */
static void freeze(net *t, int i, bool on)
{
    for (int j = 0; j < LINKS_MAX; j++) {
        tlink *l = &t->links[j];
        if (!l->used || (l->end[0] != i && l->end[1] != i))
            continue;
        for (int s = 0; s < 2; s++) {
            l->hold[s] = on;
            if (on)
                continue;
            bytes h = l->held[s];
            memset(&l->held[s], 0, sizeof(h));
            if (h.len > 0)
                link_carry(t, l, s, h.p, h.len);
            free(h.p);
        }
    }
}

/* A frozen peer (a process stopped, a link black-holed) is not shown as in step: its lag behind
 * us grows with what we publish, its silence with the time, and both clear when it comes back. */
static void test_peer_lag_and_idle(void **state)
{
    (void)state;
    static const int dial_fr[] = { K_FR };
    net *t = net_new(15);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    tn_start(t, 1, K_FR, &o);
    o.dial = dial_fr;
    o.dial_n = 1;
    tn_start(t, 0, K_IE, &o);
    run(t, 500);
    publish_n(t, 0, 3, "live");
    pump(t);
    node_peer_info p = peer_of(t, 0, K_FR);
    assert_true(p.connected);
    assert_int_equal(p.peer_behind, 0); /* pushed and acknowledged */
    assert_int_equal(p.entries_behind, 0);
    assert_true(t->now - p.last_frame_ms < 100);
    assert_int_equal(peer_of(t, 1, K_IE).entries_behind, 0);
    assert_int_equal(peer_of(t, 1, K_IE).peer_behind, 0);

    freeze(t, 1, true);
    uint64_t frozen_at = t->now;
    publish_n(t, 0, 4, "frozen");
    run(t, 3000); /* within idle_ms: the connection stays up */
    p = peer_of(t, 0, K_FR);
    assert_true(p.connected);
    assert_int_equal(p.peer_behind, 4); /* pushed, never acknowledged */
    assert_int_equal(p.entries_behind, 0);
    assert_true(p.last_frame_ms <= frozen_at);
    assert_true(t->now - p.last_frame_ms >= 3000);
    publish_n(t, 0, 2, "more");
    run(t, 1000);
    p = peer_of(t, 0, K_FR);
    assert_int_equal(p.peer_behind, 6);
    assert_true(t->now - p.last_frame_ms >= 4000);

    freeze(t, 1, false);
    run(t, 1000);
    p = peer_of(t, 0, K_FR);
    assert_true(p.connected);
    assert_int_equal(p.peer_behind, 0);
    assert_true(t->now - p.last_frame_ms < 1000);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 9);
    /* A peer that restarts behind us shows its heads, catches up, and is in step again. */
    tn_stop(t, 1);
    publish_n(t, 0, 5, "while-down");
    memset(&o, 0, sizeof(o));
    tn_start(t, 1, K_FR, &o);
    run(t, 2000);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 14);
    assert_int_equal(peer_of(t, 0, K_FR).peer_behind, 0);
    assert_int_equal(peer_of(t, 1, K_IE).entries_behind, 0);
    assert_int_equal(node_counters_get(t->nodes[0].n)->protocol_errors, 0);
    net_free(t);
}

/* A member of another federation (not in our roster) is refused after M3 and learns nothing. */
static void test_not_in_roster(void **state)
{
    (void)state;
    static const int dial_ie[] = { K_IE };
    net *t = net_new(5);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    tn_start(t, 0, K_IE, &o);
    publish_n(t, 0, 2, "secret");
    o.dial = dial_ie;
    o.dial_n = 1;
    o.stranger_roster = true;
    tn_start(t, 1, K_PL, &o);
    run(t, 2000);
    const node_counters *c0 = node_counters_get(t->nodes[0].n);
    const node_counters *c1 = node_counters_get(t->nodes[1].n);
    assert_true(c0->conns_refused >= 1);
    assert_int_equal(c0->frames_in, 0);
    assert_int_equal(c1->frames_in, 0);
    assert_int_equal(c1->entries_in, 0);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 0);
    assert_false(peer_of(t, 1, K_IE).connected);
    /* It keeps trying, with backoff. */
    assert_true(peer_of(t, 1, K_IE).next_dial_ms > t->now);
    net_free(t);
}

/* A member with the wrong network key is refused at M1. */
static void test_wrong_netkey(void **state)
{
    (void)state;
    static const int dial_ie[] = { K_IE };
    net *t = net_new(6);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    tn_start(t, 0, K_IE, &o);
    publish_n(t, 0, 1, "x");
    o.dial = dial_ie;
    o.dial_n = 1;
    o.netkey = netkey_wrong;
    tn_start(t, 1, K_FR, &o);
    run(t, 500);
    assert_true(node_counters_get(t->nodes[0].n)->conns_refused >= 1);
    assert_int_equal(t->last_close_reason, RN_EPROOF);
    assert_int_equal(node_counters_get(t->nodes[1].n)->frames_in, 0);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 0);
    net_free(t);
}

/* ---- A peer driven by the test ---- */

typedef struct evil {
    tlink *l;
    proto_hs hs;
    proto_stream st;
    size_t rx_off;
} evil;

/* Opens a link to node i whose far end is the test, and (if `key` >= 0) runs the handshake as
 * the member `key`. Returns true when the streams are up. */
static bool evil_connect(net *t, evil *e, int i, int k)
{
    memset(e, 0, sizeof(*e));
    tlink *l = link_new(t);
    l->end[0] = i;
    l->end[1] = RAW;
    l->id[0] = t->next_conn++;
    e->l = l;
    uint8_t s1[32], s2[32], msg[PROTO_HS_MSG_MAX];
    size_t len;
    eph_seed(t, s1);
    eph_seed(t, s2);
    assert_int_equal(node_conn_open(t->nodes[i].n, l->id[0], NULL, s1, t->now), 0);
    if (k < 0)
        return false;
    assert_int_equal(
        proto_hs_init(&e->hs, PROTO_HS_INITIATOR, netkey, keys[k].sk, keys[t->nodes[i].k].pk, s2),
        0);
    assert_int_equal(proto_hs_write(&e->hs, msg, sizeof(msg), &len), 0);
    link_carry(t, l, 1, msg, len);
    pump(t);
    assert_true(l->raw_rx.len >= PROTO_HS_M2_BYTES);
    assert_int_equal(proto_hs_read(&e->hs, l->raw_rx.p, PROTO_HS_M2_BYTES), 0);
    assert_int_equal(proto_hs_write(&e->hs, msg, sizeof(msg), &len), 0);
    link_carry(t, l, 1, msg, len);
    pump(t);
    if (!l->used)
        return false;
    size_t off = PROTO_HS_M2_BYTES;
    assert_true(l->raw_rx.len >= off + PROTO_HS_M4_BYTES + PROTO_STREAM_HEADER_BYTES);
    assert_int_equal(proto_hs_read(&e->hs, l->raw_rx.p + off, PROTO_HS_M4_BYTES), 0);
    off += PROTO_HS_M4_BYTES;
    uint8_t tx[32], rx[32], hdr[PROTO_STREAM_HEADER_BYTES];
    proto_hs_session(&e->hs, tx, rx);
    assert_int_equal(proto_stream_rx_init(&e->st, rx, l->raw_rx.p + off), 0);
    e->rx_off = off + PROTO_STREAM_HEADER_BYTES;
    proto_stream_tx_init(&e->st, tx, hdr);
    link_carry(t, l, 1, hdr, sizeof(hdr));
    pump(t);
    return l->used;
}

static void evil_send(net *t, evil *e, const uint8_t *p, size_t len)
{
    if (e->l->used)
        link_carry(t, e->l, 1, p, len);
    pump(t);
}

static void evil_send_msg(net *t, evil *e, const mp_buf *m)
{
    static uint8_t frame[RN_FRAME_BYTES_MAX + PROTO_FRAME_OVERHEAD];
    size_t len;
    assert_int_equal(mp_buf_err(m), 0);
    assert_int_equal(proto_frame_seal(&e->st, m->data, m->len, frame, sizeof(frame), &len), 0);
    evil_send(t, e, frame, len);
}

/* Garbage, oversized and truncated frames, and forged entries, close that connection only. */
static void test_garbage_and_forgery(void **state)
{
    (void)state;
    static const int ks[] = { K_IE, K_FR };
    int buf[2][4];
    net *t = net_new(7);
    for (int i = 0; i < 2; i++) {
        tn_opts o = mesh_opts(ks, 2, ks[i], buf[i]);
        tn_start(t, i, ks[i], &o);
    }
    run(t, 500);
    const node_counters *c0 = node_counters_get(t->nodes[0].n);
    evil e;

    /* Random bytes instead of M1: refused by the mac. */
    uint8_t junk[300];
    det_buf(junk, sizeof(junk));
    evil_connect(t, &e, 0, -1);
    evil_send(t, &e, junk, sizeof(junk));
    assert_false(e.l->used);
    assert_int_equal(c0->conns_refused, 1);

    /* A member (AT runs no node here) gets in, then sends a frame of garbage ciphertext. */
    assert_true(evil_connect(t, &e, 0, K_AT));
    uint8_t frame[64] = { 0, 0, 0, 40 };
    det_buf(frame + 4, 40);
    evil_send(t, &e, frame, 44);
    assert_false(e.l->used);
    assert_int_equal(c0->protocol_errors, 1);
    assert_int_equal(e.l->close_reason, RN_EPROOF);
    proto_hs_wipe(&e.hs);

    /* A length prefix past the frame bound, before any buffering. */
    assert_true(evil_connect(t, &e, 0, K_AT));
    uint8_t big[4] = { 0x7f, 0xff, 0xff, 0xff };
    evil_send(t, &e, big, 4);
    assert_false(e.l->used);
    assert_int_equal(c0->protocol_errors, 2);
    assert_int_equal(e.l->close_reason, RN_ETOOBIG);

    /* A well-sealed frame whose plaintext is not a message. */
    assert_true(evil_connect(t, &e, 0, K_AT));
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    mp_put_array(&m, 2);
    mp_put_uint(&m, 99);
    mp_put_nil(&m);
    evil_send_msg(t, &e, &m);
    assert_false(e.l->used);
    assert_int_equal(c0->protocol_errors, 3);

    /* ENTRIES with a forged signature. */
    assert_true(evil_connect(t, &e, 0, K_AT));
    chain at;
    chain_make(&at, K_AT, 3, "Universitaet Wien");
    uint8_t forged[RN_ENTRY_BYTES_MAX];
    memcpy(forged, at.raw[2].ptr, at.raw[2].len);
    forged[at.raw[2].len - 1] ^= 1;
    mp_buf_reset(&m);
    proto_msg_entries_begin(&m, 3);
    mp_put_bin(&m, at.raw[0].ptr, at.raw[0].len);
    mp_put_bin(&m, at.raw[1].ptr, at.raw[1].len);
    mp_put_bin(&m, forged, at.raw[2].len);
    evil_send_msg(t, &e, &m);
    assert_false(e.l->used);
    assert_int_equal(c0->protocol_errors, 4);
    assert_int_equal(e.l->close_reason, RN_ESIG);
    assert_int_equal(head_of(t, 0, K_AT, NULL), 0);

    /* Acknowledging bytes never sent. */
    assert_true(evil_connect(t, &e, 0, K_AT));
    mp_buf_reset(&m);
    proto_msg_ack(&m, 1000);
    evil_send_msg(t, &e, &m);
    assert_false(e.l->used);
    assert_int_equal(c0->protocol_errors, 5);

    /* ENTRIES from a known author whose first entry has the outline of an entry but a body that
     * is not one value (its map holds one pair fewer than the bytes): refused with the strict
     * decoder's error, as if the node had decoded it strictly before ingest. */
    assert_true(evil_connect(t, &e, 0, K_AT));
    uint8_t odd[RN_ENTRY_BYTES_MAX];
    proto_entry pe;
    memcpy(odd, at.raw[0].ptr, at.raw[0].len);
    assert_int_equal(proto_entry_decode(&pe, odd, at.raw[0].len, NULL), 0);
    size_t at_body = (size_t)(pe.body - odd);
    assert_true(odd[at_body] > 0x81 && odd[at_body] <= 0x8f); /* a fixmap of 2 or more pairs */
    odd[at_body]--;
    int odd_rc = proto_entry_decode(&pe, odd, at.raw[0].len, NULL);
    assert_true(odd_rc < 0);
    assert_int_equal(proto_entry_decode_outline(&pe, odd, at.raw[0].len), 0);
    mp_buf_reset(&m);
    proto_msg_entries_begin(&m, 1);
    mp_put_bin(&m, odd, at.raw[0].len);
    evil_send_msg(t, &e, &m);
    assert_false(e.l->used);
    assert_int_equal(c0->protocol_errors, 6);
    assert_int_equal(e.l->close_reason, odd_rc);
    assert_int_equal(head_of(t, 0, K_AT, NULL), 0);

    /* A genuine run from the test peer is taken (and acknowledged); then a truncated frame and
     * a close hurt nothing. */
    assert_true(evil_connect(t, &e, 0, K_AT));
    mp_buf_reset(&m);
    proto_msg_entries_begin(&m, 3);
    for (int i = 0; i < 3; i++)
        mp_put_bin(&m, at.raw[i].ptr, at.raw[i].len);
    evil_send_msg(t, &e, &m);
    assert_true(e.l->used);
    assert_int_equal(head_of(t, 0, K_AT, NULL), 3);
    uint8_t half[10] = { 0, 0, 1, 0, 1, 2, 3, 4, 5, 6 };
    evil_send(t, &e, half, sizeof(half));
    assert_true(e.l->used);
    link_close(t, e.l);
    pump(t);

    /* The node went on serving its real peer: FR publishes, IE gets it; FR got AT's run. */
    publish_n(t, 1, 1, "after");
    run(t, 200);
    assert_int_equal(head_of(t, 0, K_FR, NULL), 1);
    assert_int_equal(head_of(t, 1, K_AT, NULL), 3);
    assert_true(peer_of(t, 0, K_FR).connected);
    assert_int_equal(node_counters_get(t->nodes[1].n)->protocol_errors, 0);
    mp_buf_free(&m);
    chain_free(&at);
    net_free(t);
}

/* ---- Hostile members: a liar's heads, a WANT loop (PROTOCOL.md 11.5, 11.6) ---- */

/* Entry bytes the test peer e received in ENTRIES since its last call; each frame read, every
 * ENTRIES acknowledged at once (as an honest peer would). It stops reading once max_bytes are in
 * (the rest stays buffered for the next call). */
static uint64_t evil_read_ack_upto(net *t, evil *e, uint64_t max_bytes)
{
    static proto_msg msg;
    static uint8_t plain[RN_FRAME_BYTES_MAX];
    uint64_t got = 0;
    tlink *l = e->l;
    while (got < max_bytes && l->raw_rx.len - e->rx_off >= 4) {
        int64_t ct = proto_frame_len(l->raw_rx.p + e->rx_off);
        assert_true(ct > 0);
        if (l->raw_rx.len - e->rx_off < 4 + (size_t)ct)
            break;
        size_t plen = 0;
        assert_int_equal(proto_frame_open(&e->st, l->raw_rx.p + e->rx_off + 4, (size_t)ct, plain,
                                          sizeof(plain), &plen),
                         0);
        e->rx_off += 4 + (size_t)ct;
        assert_int_equal(proto_msg_decode(&msg, plain, plen, NULL), 0);
        if (msg.type != PROTO_MSG_ENTRIES)
            continue;
        uint64_t len = 0;
        for (uint32_t i = 0; i < msg.n; i++)
            len += msg.entries[i].len;
        got += len;
        mp_buf m;
        mp_buf_init(&m, 64);
        proto_msg_ack(&m, len);
        evil_send_msg(t, e, &m);
        mp_buf_free(&m);
    }
    if (e->rx_off == l->raw_rx.len) {
        l->raw_rx.len = 0; /* all read: the buffer starts over */
        e->rx_off = 0;
    }
    return got;
}

static uint64_t evil_read_ack(net *t, evil *e)
{
    return evil_read_ack_upto(t, e, UINT64_MAX);
}

/* A member claims in HEADS to hold IE's log up to seq 2^53 - 2 and sends one duplicate entry
 * every 2 s. FR asks it once, sees no progress, demotes it and takes IE's entries from IE again:
 * every entry IE publishes reaches FR within a bound, while the liar stays connected. */
static void test_liar_heads_demoted(void **state)
{
    (void)state;
    static const int dial_fr[] = { K_IE };
    net *t = net_new(21);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    tn_start(t, 0, K_IE, &o);
    o.dial = dial_fr;
    o.dial_n = 1;
    tn_start(t, 1, K_FR, &o);
    run(t, 500);
    publish_n(t, 0, 1, "before");
    run(t, 500);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 1);

    /* IE's entry 1, which the liar replays. */
    store_read r;
    proto_str e1;
    static uint8_t dup[RN_ENTRY_BYTES_MAX];
    assert_int_equal(store_query_begin(&t->nodes[0].s, &r), 0);
    assert_int_equal(store_entry_get(&r, keys[K_IE].pk, 1, &e1), 0);
    uint32_t dup_len = e1.len;
    memcpy(dup, e1.ptr, e1.len);
    store_read_end(&r);

    evil e;
    assert_true(evil_connect(t, &e, 1, K_DE));
    uint8_t fake_id[PROTO_ID_BYTES];
    memset(fake_id, 0xab, sizeof(fake_id));
    proto_head h = { keys[K_IE].pk, RN_SEQ_MAX - 1, fake_id };
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    proto_msg_heads(&m, &h, 1);
    evil_send_msg(t, &e, &m);

    /* For 60 s IE publishes one entry a second; the liar replays its duplicate every 2 s. Once
     * the liar is demoted (one stale WANT: stall_ms + anti_entropy_ms), FR lags IE by at most
     * stall_ms and a flush. */
    uint64_t worst_lag_ms = 0, lag_since = 0;
    for (int s = 0; s < 60; s++) {
        publish_n(t, 0, 1, s % 2 ? "odd" : "even");
        for (int half = 0; half < 2; half++) {
            run(t, 500);
            uint64_t ie = head_of(t, 0, K_IE, NULL), fr = head_of(t, 1, K_IE, NULL);
            if (fr < ie && lag_since == 0)
                lag_since = t->now;
            if (fr == ie)
                lag_since = 0;
            if (s >= 10 && lag_since != 0 && t->now - lag_since > worst_lag_ms)
                worst_lag_ms = t->now - lag_since;
        }
        if (s % 2 == 0) {
            mp_buf_reset(&m);
            proto_msg_entries_begin(&m, 1);
            mp_put_bin(&m, dup, dup_len);
            evil_send_msg(t, &e, &m);
        }
        assert_true(e.l->used); /* a liar breaks no rule a node can see: it stays connected */
    }
    assert_int_equal(head_of(t, 1, K_IE, NULL), head_of(t, 0, K_IE, NULL));
    assert_true(worst_lag_ms <= 2000);
    /* It is shown demoted for IE's log, and was asked again only with exponential backoff:
     * failures at about 6 s and 17 s (the first a last resort), then not for 20 s, then 40 s. */
    node_peer_info liar = peer_of(t, 1, K_DE);
    assert_true(liar.connected);
    assert_int_equal(liar.demoted_authors, 1);
    assert_int_equal(liar.eager_authors, 1); /* of its own log only */
    const node_counters *c1 = node_counters_get(t->nodes[1].n);
    assert_true(c1->demotions >= 2 && c1->demotions <= 4);
    assert_int_equal(peer_of(t, 1, K_IE).demoted_authors, 0);
    assert_int_equal(c1->protocol_errors, 0);

    /* Reconnecting does not clear its record: it comes back demoted, and its HEADS again does
     * not take IE's pushes away from FR. */
    link_close(t, e.l);
    pump(t);
    proto_hs_wipe(&e.hs);
    assert_true(evil_connect(t, &e, 1, K_DE));
    mp_buf_reset(&m);
    proto_msg_heads(&m, &h, 1);
    evil_send_msg(t, &e, &m);
    assert_int_equal(peer_of(t, 1, K_DE).demoted_authors, 1);
    for (int s = 0; s < 5; s++) {
        publish_n(t, 0, 1, "back");
        run(t, 1000);
        assert_int_equal(head_of(t, 1, K_IE, NULL), head_of(t, 0, K_IE, NULL));
    }
    mp_buf_free(&m);
    net_free(t);
}

/* A member WANTs AT's 3,000-entry log from IE again and again, acknowledging every byte. The
 * first pass comes at full speed; the repeats get at most RN_SERVE_REPEAT_BYTES_MAX (and one
 * flight) per interval, and IE goes on serving its honest peer. */
static void test_want_loop_budget(void **state)
{
    (void)state;
    static const int dial_fr[] = { K_IE };
    net *t = net_new(22);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    tn_start(t, 0, K_IE, &o);
    chain at;
    chain_make(&at, K_AT, 3000, "Universitaet Wien");
    chain_ingest(&t->nodes[0].s, &at);
    tn_stop(t, 0);
    tn_start(t, 0, K_IE, &o);
    uint64_t log_bytes = 0;
    for (size_t i = 0; i < at.n; i++)
        log_bytes += at.raw[i].len;

    evil e;
    assert_true(evil_connect(t, &e, 0, K_DE));
    mp_buf m;
    mp_buf_init(&m, 256);
    /* The first pass: one WANT, everything at once (one catch-up is never throttled). */
    proto_msg_want(&m, keys[K_AT].pk, 1, at.n);
    evil_send_msg(t, &e, &m);
    uint64_t first = 0;
    for (int i = 0; i < 100 && first < log_bytes; i++)
        first += evil_read_ack(t, &e);
    assert_int_equal(first, log_bytes);

    /* Then the loop: the same WANT every 100 ms for 30 s. */
    uint64_t repeats = 0;
    bool shown_paused = false;
    for (int i = 0; i < 300; i++) {
        evil_send_msg(t, &e, &m);
        shown_paused = shown_paused || peer_of(t, 0, K_DE).serve_paused_until_ms > t->now;
        for (int k = 0; k < 50; k++) {
            uint64_t got = evil_read_ack(t, &e);
            repeats += got;
            if (got == 0)
                break;
        }
        run(t, 100);
        repeats += evil_read_ack(t, &e);
    }
    /* Before the budget: 300 passes, about 300 times the log. Now: at most four intervals. */
    uint64_t bound = 4ull * (RN_SERVE_REPEAT_BYTES_MAX + RN_INFLIGHT_BYTES_DEFAULT);
    assert_true(repeats <= bound);
    assert_true(repeats >= RN_SERVE_REPEAT_BYTES_MAX); /* deferred, not refused for good */
    assert_true(e.l->used);
    assert_true(shown_paused);
    const node_counters *c0 = node_counters_get(t->nodes[0].n);
    assert_true(c0->serve_paused >= 2);
    assert_int_equal(c0->protocol_errors, 0);

    /* While the loop is paused, an honest peer catches up on the whole log at full speed. */
    o.dial = dial_fr;
    o.dial_n = 1;
    tn_start(t, 1, K_FR, &o);
    run(t, 1000);
    assert_int_equal(head_of(t, 1, K_AT, NULL), at.n);
    mp_buf_free(&m);
    chain_free(&at);
    net_free(t);
}

/* A receiver's WANT goes stale mid catch-up (its head lags what is in flight) and it asks again
 * from its head + 1. Only the entries IE already sent on this connection are served again and
 * charged; the rest of the log is a first pass, served at full speed: no deferral, however much
 * of it is left. */
static void test_rewant_mid_catchup(void **state)
{
    (void)state;
    net *t = net_new(23);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.lim.inflight_bytes = 64u << 10;
    tn_start(t, 0, K_IE, &o);
    chain at;
    chain_make(&at, K_AT, 40000, "Universitaet Wien");
    chain_ingest(&t->nodes[0].s, &at);
    tn_stop(t, 0);
    tn_start(t, 0, K_IE, &o);
    uint64_t log_bytes = 0;
    for (size_t i = 0; i < at.n; i++)
        log_bytes += at.raw[i].len;
    /* What is left after the re-WANT is more than the repeat bytes and a flight together. */
    assert_true(log_bytes > (1u << 20) + 2u * RN_SERVE_REPEAT_BYTES_MAX);

    evil e;
    assert_true(evil_connect(t, &e, 0, K_DE));
    mp_buf m;
    mp_buf_init(&m, 256);
    proto_msg_want(&m, keys[K_AT].pk, 1, at.n);
    evil_send_msg(t, &e, &m);
    uint64_t got = 0;
    for (int i = 0; i < 1000 && got < (1u << 20); i++)
        got += evil_read_ack_upto(t, &e, (1u << 20) - got);
    assert_true(got >= (1u << 20));
    /* The receiver holds the entries whose bytes it got (they come in order). */
    size_t held = 0;
    for (uint64_t sum = 0; held < at.n && sum + at.raw[held].len <= got; held++)
        sum += at.raw[held].len;
    uint64_t rest = 0;
    for (size_t i = held; i < at.n; i++)
        rest += at.raw[i].len;

    /* Its WANT went stale: it asks again for the rest, from its head + 1. */
    mp_buf_reset(&m);
    proto_msg_want(&m, keys[K_AT].pk, held + 1, at.n - held);
    evil_send_msg(t, &e, &m);
    uint64_t again = 0;
    for (int i = 0; i < 10000 && again < rest; i++) {
        uint64_t k = evil_read_ack(t, &e);
        if (k == 0)
            break;
        again += k;
    }
    /* All of it now, at once: nothing waits for the next interval. */
    assert_true(again >= rest);
    const node_counters *c0 = node_counters_get(t->nodes[0].n);
    assert_int_equal(c0->serve_paused, 0);
    assert_int_equal(peer_of(t, 0, K_DE).serve_paused_until_ms, 0);
    assert_int_equal(c0->protocol_errors, 0);
    assert_true(e.l->used);
    mp_buf_free(&m);
    chain_free(&at);
    net_free(t);
}

/* AT signs two entries at seq 1; IE holds one, FR the other; everyone ends up with the evidence. */
/* Relinks chain c (author k) after garbling the own signatures of seqs 1 .. bad_to: each entry is
 * re-signed with prev = the id of the entry before as it now is, and a garbled one has its
 * signature's last byte flipped. The links hold; only entries past bad_to verify alone. */
static void chain_garble(chain *c, int k, uint64_t bad_to)
{
    static uint8_t buf[RN_ENTRY_BYTES_MAX];
    for (size_t i = 0; i < c->n; i++) {
        proto_entry e;
        assert_int_equal(proto_entry_decode(&e, c->raw[i].ptr, c->raw[i].len, NULL), 0);
        proto_entry_draft dr = { .seq = e.seq,
                                 .prev = i == 0 ? NULL : c->id[i - 1],
                                 .timestamp_ms = e.timestamp_ms,
                                 .kind = e.kind,
                                 .body = e.body,
                                 .body_len = e.body_len };
        size_t len;
        assert_int_equal(proto_entry_sign(&dr, keys[k].sk, buf, sizeof(buf), &len), 0);
        if (e.seq <= bad_to)
            buf[len - 1] ^= 0x5a;
        uint8_t *fresh = malloc(len);
        assert_non_null(fresh);
        memcpy(fresh, buf, len);
        free((void *)c->raw[i].ptr);
        c->raw[i] = (proto_str){ fresh, (uint32_t)len };
        proto_entry_id(fresh, len, c->id[i]);
    }
}

/* A member published one run of 1,024 entries whose first 1,023 own signatures are garbage
 * (the run verifies: links and the last signature). A node holding it serves it only in runs
 * that end on an entry whose signature verified, so its peers take it without cutting it off;
 * everyone's background verifier finds the unsigned entries and flags the author. */
static void test_garbled_run_served_on_anchors(void **state)
{
    (void)state;
    chain at;
    chain_make(&at, K_AT, 1024, "Universitaet Wien");
    chain_garble(&at, K_AT, 1023);
    net *t = net_new(12);
    store *s0 = tn_store(t, 0, K_IE, false);
    store_ingest_result res;
    assert_int_equal(store_ingest(s0, at.raw, at.n, &res, NULL), 0);
    assert_int_equal(res.accepted, 1024);
    tn_opts o0, o1, o2;
    memset(&o0, 0, sizeof(o0));
    memset(&o1, 0, sizeof(o1));
    memset(&o2, 0, sizeof(o2));
    static const int dial_ie[] = { K_IE }, dial_fr[] = { K_FR };
    o0.lim.batch_entries = 100; /* windows that hold no anchor */
    o1.dial = dial_ie;
    o1.dial_n = 1;
    o1.lim.batch_entries = 100;
    o2.dial = dial_fr; /* NL hears of AT only through FR */
    o2.dial_n = 1;
    tn_start(t, 0, K_IE, &o0);
    tn_start(t, 1, K_FR, &o1);
    tn_start(t, 2, K_NL, &o2);
    run(t, 8000);
    /* One connection each way, never cut: two connects in all. */
    assert_int_equal(t->connects_n, 2);
    for (int i = 0; i < 3; i++) {
        uint32_t flags = 0;
        const node_counters *nc = node_counters_get(t->nodes[i].n);
        assert_int_equal(nc->protocol_errors, 0);
        assert_int_equal(head_of(t, i, K_AT, &flags), 1024);
        /* Found by each node's own verifier: the evidence travels as the log does. */
        assert_true(flags & STORE_HEAD_BADSIG);
        assert_false(flags & STORE_HEAD_FORKED);
        assert_int_equal(nc->badsigs_seen, 1);
        store_read r;
        store_sigs sg;
        proto_str e;
        assert_int_equal(store_query_begin(&t->nodes[i].s, &r), 0);
        assert_int_equal(store_sigs_get(&r, keys[K_AT].pk, &sg), 0);
        assert_int_equal(sg.bad_seq, 1);
        assert_int_equal(sg.bad_anchor, 1024);
        assert_int_equal(sg.checked_seq, 1024);
        assert_int_equal(sg.verified_seq, 0);
        assert_int_equal(store_entry_get_verified(&r, keys[K_AT].pk, 512, &e), RN_ESIG);
        assert_int_equal(store_entry_get_verified(&r, keys[K_AT].pk, 1024, &e), 0);
        store_read_end(&r);
    }
    /* Served as one run to its end: no window of 100 could end on an anchor. */
    assert_int_equal(node_counters_get(t->nodes[0].n)->payload_msgs_out, 1);
    check_replica(t, 1, 1024);
    check_replica(t, 2, 1024);
    net_free(t);
    chain_free(&at);
}

/* Runs are cut back to the last anchor of a window: a log whose seqs 1 .. 50 came as one run (50
 * an anchor) and 51 .. 150 as another whose signatures are garbage but the last, served in
 * windows of 100, goes out as 1 .. 50 then 51 .. 150, never as a run ending on seq 100. */
static void test_served_runs_cut_at_anchor(void **state)
{
    (void)state;
    chain at;
    chain_make(&at, K_AT, 150, "Universitaet Wien");
    chain_garble(&at, K_AT, 149);
    /* Seqs 1 .. 50 signed after all: re-sign them and relink the rest. */
    for (size_t i = 0; i < at.n; i++) {
        static uint8_t buf[RN_ENTRY_BYTES_MAX];
        proto_entry e;
        assert_int_equal(proto_entry_decode(&e, at.raw[i].ptr, at.raw[i].len, NULL), 0);
        proto_entry_draft dr = { .seq = e.seq,
                                 .prev = i == 0 ? NULL : at.id[i - 1],
                                 .timestamp_ms = e.timestamp_ms,
                                 .kind = e.kind,
                                 .body = e.body,
                                 .body_len = e.body_len };
        size_t len;
        assert_int_equal(proto_entry_sign(&dr, keys[K_AT].sk, buf, sizeof(buf), &len), 0);
        if (e.seq > 50 && e.seq < 150)
            buf[len - 1] ^= 0x5a;
        memcpy((uint8_t *)at.raw[i].ptr, buf, len);
        proto_entry_id(at.raw[i].ptr, len, at.id[i]);
    }
    net *t = net_new(13);
    store *s0 = tn_store(t, 0, K_IE, false);
    store_ingest_result res;
    assert_int_equal(store_ingest(s0, at.raw, 50, &res, NULL), 0);
    assert_int_equal(store_ingest(s0, at.raw + 50, 100, &res, NULL), 0);
    tn_opts o0, o1;
    memset(&o0, 0, sizeof(o0));
    memset(&o1, 0, sizeof(o1));
    static const int dial_ie[] = { K_IE };
    o0.lim.batch_entries = 100;
    o1.dial = dial_ie;
    o1.dial_n = 1;
    tn_start(t, 0, K_IE, &o0);
    tn_start(t, 1, K_FR, &o1);
    run(t, 4000);
    assert_int_equal(node_counters_get(t->nodes[1].n)->protocol_errors, 0);
    assert_int_equal(head_of(t, 1, K_AT, NULL), 150);
    assert_int_equal(node_counters_get(t->nodes[0].n)->payload_msgs_out, 2);
    assert_int_equal(node_counters_get(t->nodes[0].n)->entries_out, 150);
    assert_int_equal(t->connects_n, 1);
    net_free(t);
    chain_free(&at);
}

static void test_equivocation(void **state)
{
    (void)state;
    static const int ks[] = { K_IE, K_FR, K_NL, K_DE };
    int buf[4][4];
    chain a, b, c;
    chain_make(&a, K_AT, 3, "Universitaet Wien");
    chain_make(&b, K_AT, 3, "Technische Universitaet Wien");
    chain_make(&c, K_AT, 1, "Universitaet Graz"); /* a third, never sent */
    net *t = net_new(8);
    chain_ingest(tn_store(t, 0, K_IE, false), &a);
    chain_ingest(tn_store(t, 1, K_FR, false), &b);
    (void)c;
    /* NL dials only FR and DE only NL: the evidence must travel two hops to DE. */
    static const int dial_nl[] = { K_FR }, dial_de[] = { K_NL };
    for (int i = 0; i < 2; i++) {
        tn_opts o = mesh_opts(ks, 2, ks[i], buf[i]);
        tn_start(t, i, ks[i], &o);
    }
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.dial = dial_nl;
    o.dial_n = 1;
    tn_start(t, 2, K_NL, &o);
    o.dial = dial_de;
    tn_start(t, 3, K_DE, &o);
    run(t, 12000);
    for (int i = 0; i < 4; i++) {
        uint32_t flags = 0;
        assert_true(head_of(t, i, K_AT, &flags) >= 1);
        assert_true(flags & STORE_HEAD_FORKED);
        store_read r;
        uint64_t seq;
        proto_str ea, eb;
        assert_int_equal(store_query_begin(&t->nodes[i].s, &r), 0);
        assert_int_equal(store_fork_get(&r, keys[K_AT].pk, &seq, &ea, &eb), 0);
        assert_true(seq >= 1 && seq <= 3); /* two authentic entries at one seq, wherever found */
        assert_true(ea.len != eb.len || memcmp(ea.ptr, eb.ptr, ea.len) != 0);
        store_read_end(&r);
        assert_int_equal(node_counters_get(t->nodes[i].n)->forks_seen, 1);
        assert_int_equal(node_counters_get(t->nodes[i].n)->protocol_errors, 0);
    }
    /* Each side keeps its own branch; no loop of WANTs between them afterwards. */
    assert_int_equal(head_of(t, 0, K_AT, NULL), 3);
    assert_int_equal(head_of(t, 1, K_AT, NULL), 3);
    uint64_t wants = node_counters_get(t->nodes[0].n)->wants_out;
    run(t, 20000);
    assert_true(node_counters_get(t->nodes[0].n)->wants_out <= wants + 1);
    net_free(t);
    chain_free(&a);
    chain_free(&b);
    chain_free(&c);
}

/* A node stops; its peer goes on publishing; restarted over the same replica it catches up. */
static void test_restart_catch_up(void **state)
{
    (void)state;
    static const int ks[] = { K_IE, K_FR };
    int buf[2][4];
    net *t = net_new(9);
    tn_opts o[2];
    for (int i = 0; i < 2; i++) {
        o[i] = mesh_opts(ks, 2, ks[i], buf[i]);
        tn_start(t, i, ks[i], &o[i]);
    }
    run(t, 500);
    publish_n(t, 0, 10, "one");
    run(t, 200);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 10);
    tn_stop(t, 1);
    publish_n(t, 0, 30, "two");
    run(t, 5000); /* IE redials a dead peer with backoff meanwhile */
    assert_true(peer_of(t, 0, K_FR).next_dial_ms > t->now);
    tn_start(t, 1, K_FR, &o[1]);
    run(t, 5000);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 40);
    assert_true(peer_of(t, 1, K_IE).connected);
    assert_int_equal(node_counters_get(t->nodes[1].n)->entries_new, 30);
    check_replica(t, 1, 40);
    net_free(t);
}

/* NL takes IE's pushes through one of FR or DE; when that one stalls, it switches. */
static void test_eager_switch_on_stall(void **state)
{
    (void)state;
    net *t = net_new(10);
    static const int dial_ie[] = { K_FR, K_DE }, dial_nl[] = { K_FR, K_DE };
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.dial = dial_ie;
    o.dial_n = 2;
    tn_start(t, 0, K_IE, &o);
    memset(&o, 0, sizeof(o));
    tn_start(t, 1, K_FR, &o);
    tn_start(t, 2, K_DE, &o);
    o.dial = dial_nl;
    o.dial_n = 2;
    tn_start(t, 3, K_NL, &o);
    run(t, 1000);
    publish_n(t, 0, 1, "first");
    run(t, 500);
    assert_int_equal(head_of(t, 3, K_IE, NULL), 1);
    /* Each of FR and DE is NL's source of its own log; one of them also of IE's. */
    int src = peer_of(t, 3, K_FR).eager_authors == 2 ? 1 : 2;
    int other = 3 - src;
    assert_int_equal(peer_of(t, 3, t->nodes[src].k).eager_authors, 2);
    assert_int_equal(peer_of(t, 3, t->nodes[other].k).eager_authors, 1);

    /* The source stops delivering to NL (its link holds the bytes). */
    tlink *hold = NULL;
    for (int j = 0; j < LINKS_MAX; j++) {
        tlink *l = &t->links[j];
        for (int s = 0; l->used && s < 2; s++)
            if (l->end[s] == src && l->end[1 - s] == 3) {
                l->hold[s] = true;
                hold = l;
            }
    }
    assert_non_null(hold);
    uint64_t before = t->now;
    publish_n(t, 0, 1, "second");
    run(t, 300);
    assert_int_equal(head_of(t, 3, K_IE, NULL), 1); /* waits for its source within stall_ms */
    run(t, 1500);
    assert_int_equal(head_of(t, 3, K_IE, NULL), 2);
    assert_true(t->now - before >= 1000);
    assert_int_equal(peer_of(t, 3, t->nodes[other].k).eager_authors, 2);
    assert_int_equal(peer_of(t, 3, t->nodes[src].k).eager_authors, 1);
    /* New entries now come pushed from the new source, at once. */
    publish_n(t, 0, 1, "third");
    pump(t);
    assert_int_equal(head_of(t, 3, K_IE, NULL), 3);
    /* The old source's held bytes arrive late: duplicates, harmless. */
    hold->hold[0] = hold->hold[1] = false;
    for (int s = 0; s < 2; s++) {
        bytes h = hold->held[s];
        memset(&hold->held[s], 0, sizeof(h));
        if (h.len > 0)
            link_carry(t, hold, s, h.p, h.len);
        free(h.p);
    }
    run(t, 500);
    assert_int_equal(node_counters_get(t->nodes[3].n)->protocol_errors, 0);
    assert_int_equal(node_counters_get(t->nodes[src].n)->protocol_errors, 0);
    check_replica(t, 3, 3);
    net_free(t);
}

/* Redial delays grow from backoff_min_ms to backoff_max_ms, with jitter, and reset on success. */
static void test_dial_backoff(void **state)
{
    (void)state;
    static const int dial_fr[] = { K_FR };
    net *t = net_new(11);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.dial = dial_fr;
    o.dial_n = 1;
    o.lim.backoff_min_ms = 100;
    o.lim.backoff_max_ms = 1600;
    tn_start(t, 0, K_IE, &o);
    run(t, 12000); /* FR is down: every attempt fails */
    assert_true(t->connects_n >= 9);
    uint64_t b = 100;
    for (size_t i = 1; i < t->connects_n; i++) {
        uint64_t d = t->connects[i] - t->connects[i - 1];
        assert_true(d >= b / 2 && d <= b);
        b = b * 2 > 1600 ? 1600 : b * 2;
    }
    assert_int_equal(b, 1600);
    /* FR comes up: the next attempt connects, and the backoff resets. */
    memset(&o, 0, sizeof(o));
    tn_start(t, 1, K_FR, &o);
    run(t, 2000);
    assert_true(peer_of(t, 0, K_FR).connected);
    /* The link drops: the next attempt comes within backoff_min_ms. */
    for (int j = 0; j < LINKS_MAX; j++)
        link_close(t, &t->links[j]);
    t->connects_n = 0;
    uint64_t dropped = t->now;
    t->connect_fails = true;
    run(t, 120);
    assert_int_equal(t->connects_n, 1);
    assert_true(t->connects[0] - dropped >= 50 && t->connects[0] - dropped <= 100);
    t->connect_fails = false;
    run(t, 1000);
    assert_true(peer_of(t, 0, K_FR).connected);
    net_free(t);
}

/* Both dial at the same moment: the connection the smaller key initiated survives, on both sides.
 */
static void test_simultaneous_dial(void **state)
{
    (void)state;
    net *t = net_new(13);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    tn_start(t, 0, K_IE, &o);
    tn_start(t, 1, K_FR, &o);
    publish_n(t, 0, 2, "x");
    tlink *l[2];
    for (int d = 0; d < 2; d++) { /* d dials 1 - d */
        l[d] = link_new(t);
        l[d]->end[0] = d;
        l[d]->end[1] = 1 - d;
        l[d]->id[0] = t->next_conn++;
        l[d]->id[1] = t->next_conn++;
    }
    for (int d = 0; d < 2; d++) {
        uint8_t s1[32], s2[32];
        eph_seed(t, s1);
        eph_seed(t, s2);
        assert_int_equal(node_conn_open(t->nodes[1 - d].n, l[d]->id[1], NULL, s2, t->now), 0);
        assert_int_equal(
            node_conn_open(t->nodes[d].n, l[d]->id[0], keys[t->nodes[1 - d].k].pk, s1, t->now), 0);
    }
    run(t, 500);
    int smaller = memcmp(keys[K_IE].pk, keys[K_FR].pk, PROTO_KEY_BYTES) < 0 ? 0 : 1;
    assert_true(l[smaller]->used);
    assert_false(l[1 - smaller]->used);
    assert_int_equal(l[1 - smaller]->close_reason, RN_EDUPLICATE);
    assert_true(peer_of(t, 0, K_FR).connected && peer_of(t, 1, K_IE).connected);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 2);
    publish_n(t, 0, 1, "y");
    pump(t);
    assert_int_equal(head_of(t, 1, K_IE, NULL), 3);
    assert_int_equal(node_counters_get(t->nodes[0].n)->protocol_errors, 0);
    assert_int_equal(node_counters_get(t->nodes[1].n)->protocol_errors, 0);
    net_free(t);
}

/* A peer silent through a PING is dropped after twice idle_ms, then redialled. */
static void test_idle_close(void **state)
{
    (void)state;
    static const int dial_fr[] = { K_FR };
    net *t = net_new(14);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.lim.idle_ms = 1000;
    o.lim.anti_entropy_ms = 60000;
    tn_start(t, 1, K_FR, &o);
    o.dial = dial_fr;
    o.dial_n = 1;
    tn_start(t, 0, K_IE, &o);
    run(t, 200);
    tlink *l = NULL;
    for (int j = 0; j < LINKS_MAX; j++)
        if (t->links[j].used)
            l = &t->links[j];
    assert_non_null(l);
    run(t, 5000); /* PINGs and PONGs keep a quiet link up */
    assert_true(l->used);
    uint32_t id = l->id[0];
    l->hold[0] = l->hold[1] = true;
    run(t, 2100);
    assert_int_equal(t->last_close_reason, RN_ETIME);
    assert_true(!l->used || l->id[0] != id); /* gone (its slot may carry the redial) */
    run(t, 1000);
    assert_true(peer_of(t, 0, K_FR).connected);
    net_free(t);
}

/* The same inputs and seeds give the same bytes, action for action. */
static void scenario(uint8_t digest[32])
{
    static const int ks[] = { K_IE, K_FR, K_NL };
    int buf[3][4];
    chain at;
    chain_make(&at, K_AT, 400, "Universitaet Wien");
    net *t = net_new(12);
    chain_ingest(tn_store(t, 0, K_IE, false), &at);
    for (int i = 0; i < 3; i++) {
        tn_opts o = mesh_opts(ks, 3, ks[i], buf[i]);
        o.lim.batch_entries = 50;
        tn_start(t, i, ks[i], &o);
    }
    run(t, 1000);
    for (int r = 0; r < 3; r++) {
        publish_n(t, r, 4, "det");
        run(t, 300);
    }
    tn_stop(t, 2);
    publish_n(t, 0, 5, "later");
    run(t, 2000);
    int buf2[4];
    tn_opts o = mesh_opts(ks, 3, K_NL, buf2);
    o.lim.batch_entries = 50;
    tn_start(t, 2, K_NL, &o);
    run(t, 3000);
    assert_int_equal(head_of(t, 2, K_IE, NULL), 9);
    assert_int_equal(head_of(t, 2, K_AT, NULL), 400);
    crypto_generichash_final(&t->digest, digest, 32);
    net_free(t);
    chain_free(&at);
}

static void test_determinism(void **state)
{
    (void)state;
    uint8_t d1[32], d2[32];
    scenario(d1);
    scenario(d2);
    assert_memory_equal(d1, d2, 32);
}

/* ---- Clocks (issue 10: a clock step poisons a log) ---- */

#define YEAR_MS (365ull * 24u * 3600u * 1000u)

/* A chain of n provider entries of key k stamped ts[0..n). */
static void chain_make_at(chain *c, int k, size_t n, const uint64_t *ts)
{
    static uint8_t buf[RN_ENTRY_BYTES_MAX];
    c->n = n;
    c->raw = calloc(n, sizeof(*c->raw));
    c->id = calloc(n, sizeof(*c->id));
    assert_true(c->raw != NULL && c->id != NULL);
    for (size_t i = 0; i < n; i++) {
        body b;
        char ref[32];
        snprintf(ref, sizeof(ref), "prov-%zu", i + 1);
        provider_body(&b, keys[k].country, ref, "Universitaet Wien");
        proto_entry_draft dr = { .seq = i + 1,
                                 .prev = i == 0 ? NULL : c->id[i - 1],
                                 .timestamp_ms = ts[i],
                                 .kind = PROTO_KIND_PROVIDER,
                                 .body = b.b,
                                 .body_len = b.len };
        size_t len;
        assert_int_equal(proto_entry_sign(&dr, keys[k].sk, buf, sizeof(buf), &len), 0);
        uint8_t *e = malloc(len);
        assert_non_null(e);
        memcpy(e, buf, len);
        c->raw[i] = (proto_str){ e, (uint32_t)len };
        proto_entry_id(e, len, c->id[i]);
    }
}

static void send_run(net *t, evil *e, const chain *c, size_t from, size_t n)
{
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    proto_msg_entries_begin(&m, (uint32_t)n);
    for (size_t i = from; i < from + n; i++)
        mp_put_bin(&m, c->raw[i].ptr, c->raw[i].len);
    evil_send_msg(t, e, &m);
    mp_buf_free(&m);
}

static uint64_t own_head_ts(net *t, int i)
{
    store_read r;
    store_head h;
    assert_int_equal(store_query_begin(&t->nodes[i].s, &r), 0);
    assert_int_equal(store_head_get(&r, keys[t->nodes[i].k].pk, &h), 0);
    store_read_end(&r);
    return h.timestamp_ms;
}

/* An entry stamped by a wall clock a year ahead would stamp every later one a year ahead: once
 * the head is further ahead of the clock than RN_CLOCK_PUBLISH_AHEAD_MS_MAX, node_publish
 * refuses with RN_ETIME and writes nothing; within it, the entry takes the head's timestamp. */
static void test_publish_refuses_future_head(void **state)
{
    (void)state;
    net *t = net_new(21);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.rng_seed = 42;
    tn_start(t, 0, K_FR, &o);
    run(t, 100);
    body b;
    provider_body(&b, "FR", "prov-1", "Universite de Paris");
    uint64_t seq = 0;
    /* The head a year ahead (as a driver handing its wall clock straight through would write). */
    assert_int_equal(node_publish(t->nodes[0].n, PROTO_KIND_PROVIDER, b.b, b.len, t->now + YEAR_MS,
                                  &seq, NULL, NULL),
                     0);
    assert_int_equal(node_head_time_ms(t->nodes[0].n), t->now + YEAR_MS);
    rn_diag d;
    memset(&d, 0, sizeof(d));
    provider_body(&b, "FR", "prov-2", "Universite de Paris");
    assert_int_equal(
        node_publish(t->nodes[0].n, PROTO_KIND_PROVIDER, b.b, b.len, t->now, &seq, NULL, &d),
        RN_ETIME);
    assert_string_equal(d.field, "entry.timestamp");
    assert_int_equal(head_of(t, 0, K_FR, NULL), 1);
    /* One ms short of the bound: still refused; at the bound: stamped with the head's time. */
    uint64_t head = own_head_ts(t, 0);
    assert_int_equal(node_publish(t->nodes[0].n, PROTO_KIND_PROVIDER, b.b, b.len,
                                  head - RN_CLOCK_PUBLISH_AHEAD_MS_MAX - 1, &seq, NULL, NULL),
                     RN_ETIME);
    assert_int_equal(node_publish(t->nodes[0].n, PROTO_KIND_PROVIDER, b.b, b.len,
                                  head - RN_CLOCK_PUBLISH_AHEAD_MS_MAX, &seq, NULL, NULL),
                     0);
    assert_int_equal(seq, 2);
    assert_int_equal(own_head_ts(t, 0), head);
    net_free(t);
}

/* Entries of a peer stamped more than RN_CLOCK_FUTURE_MS_MAX ahead of our clock are not ingested
 * (those before them are), the peer is not cut off, and they are taken once the clock is near. */
static void test_entries_from_future(void **state)
{
    (void)state;
    net *t = net_new(22);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.rng_seed = 42;
    tn_start(t, 0, K_IE, &o);
    run(t, 100);
    const node_counters *c0 = node_counters_get(t->nodes[0].n);
    uint64_t ahead = RN_CLOCK_FUTURE_MS_MAX;
    uint64_t ts[5] = { t->now - 1000, t->now, t->now + ahead, t->now + ahead + 1,
                       t->now + YEAR_MS };
    chain at;
    chain_make_at(&at, K_AT, 5, ts);
    evil e;
    assert_true(evil_connect(t, &e, 0, K_AT));
    send_run(t, &e, &at, 0, 5);
    assert_true(e.l->used);                         /* not a protocol violation */
    assert_int_equal(head_of(t, 0, K_AT, NULL), 3); /* up to the bound, inclusive */
    assert_int_equal(c0->entries_future, 2);
    assert_int_equal(c0->protocol_errors, 0);
    /* A run that starts in the future is held back whole. */
    send_run(t, &e, &at, 3, 2);
    assert_true(e.l->used);
    assert_int_equal(head_of(t, 0, K_AT, NULL), 3);
    assert_int_equal(c0->entries_future, 4);
    /* Once the clock has moved on, the fourth is taken; the year-ahead one still is not. */
    link_close(t, e.l);
    pump(t);
    run(t, 1000);
    assert_true(evil_connect(t, &e, 0, K_AT));
    send_run(t, &e, &at, 3, 2);
    assert_true(e.l->used);
    assert_int_equal(head_of(t, 0, K_AT, NULL), 4);
    assert_int_equal(c0->entries_future, 5);
    assert_int_equal(c0->protocol_errors, 0);
    link_close(t, e.l);
    pump(t);
    chain_free(&at);
    net_free(t);
}

/* status's clock map of node i at `now`: its `field` (a uint, or a bool as 0/1). */
static uint64_t status_clock(net *t, int i, uint64_t now, const char *field)
{
    static const uint8_t req[] = "\x94\x00\x01\xa6status\x90";
    mp_buf resp;
    mp_buf_init(&resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    assert_int_equal(node_control(t->nodes[i].n, req, sizeof(req) - 1, &resp, now), 0);
    mp_cur c;
    uint32_t n, m;
    uint64_t u = UINT64_MAX;
    mp_cur_init(&c, resp.data, resp.len);
    assert_int_equal(mp_read_array(&c, &n), 0);
    assert_int_equal(mp_read_uint(&c, &u), 0);
    assert_int_equal(mp_read_uint(&c, &u), 0);
    assert_int_equal(mp_read_nil(&c), 0);
    assert_int_equal(mp_read_map(&c, &n), 0);
    bool found = false;
    for (uint32_t j = 0; j < n && !found; j++) {
        const uint8_t *k;
        uint32_t kl;
        assert_int_equal(mp_read_str(&c, &k, &kl), 0);
        if (kl != 5 || memcmp(k, "clock", 5) != 0) {
            assert_int_equal(mp_skip(&c), 0);
            continue;
        }
        assert_int_equal(mp_read_map(&c, &m), 0);
        for (uint32_t f = 0; f < m; f++) {
            assert_int_equal(mp_read_str(&c, &k, &kl), 0);
            bool want = kl == strlen(field) && memcmp(k, field, kl) == 0;
            if (mp_peek(&c) == MP_BOOL) {
                bool b;
                assert_int_equal(mp_read_bool(&c, &b), 0);
                if (want)
                    u = b ? 1 : 0;
            } else if (want) {
                assert_int_equal(mp_read_uint(&c, &u), 0);
            } else {
                assert_int_equal(mp_skip(&c), 0);
            }
            found = found || want;
        }
    }
    assert_true(found);
    mp_buf_free(&resp);
    return u;
}

/* An operator sees the skew in status: the driver's clock as noted, our head's lead, the
 * refusal to publish, and the entries from the future held back. */
static void test_status_clock(void **state)
{
    (void)state;
    net *t = net_new(23);
    tn_opts o;
    memset(&o, 0, sizeof(o));
    o.rng_seed = 42;
    tn_start(t, 0, K_FR, &o);
    run(t, 100);
    node *n0 = t->nodes[0].n;
    node_clock k;
    node_clock_init(&k, t->now, 0);
    (void)node_clock_read(&k, t->now + YEAR_MS, 10, NULL); /* the wall clock jumps */
    node_clock_note(n0, &k);
    assert_int_equal(status_clock(t, 0, k.now_ms, "wall"), t->now + YEAR_MS);
    assert_int_equal(status_clock(t, 0, k.now_ms, "wall_ahead_ms"), YEAR_MS - 10);
    assert_int_equal(status_clock(t, 0, k.now_ms, "wall_behind_ms"), 0);
    assert_int_equal(status_clock(t, 0, k.now_ms, "step_pending"), 1);
    assert_int_equal(status_clock(t, 0, k.now_ms, "steps"), 1);
    assert_int_equal(status_clock(t, 0, k.now_ms, "head_ahead_ms"), 0);
    /* A head stamped a year ahead (written by a wall clock taken as it was): refused. */
    body b;
    provider_body(&b, "FR", "prov-1", "Universite de Paris");
    assert_int_equal(
        node_publish(n0, PROTO_KIND_PROVIDER, b.b, b.len, t->now + YEAR_MS, NULL, NULL, NULL), 0);
    assert_int_equal(status_clock(t, 0, t->now, "head_ahead_ms"), YEAR_MS);
    assert_int_equal(status_clock(t, 0, t->now, "publish_refused"), 1);
    assert_int_equal(
        status_clock(t, 0, t->now + YEAR_MS - RN_CLOCK_PUBLISH_AHEAD_MS_MAX, "publish_refused"), 0);
    assert_int_equal(status_clock(t, 0, t->now, "entries_future"), 0);
    net_free(t);
}

/* ---- The governed roster, live (PROTOCOL.md 11.11) ---- */

/* The genesis of IE, FR and NL, quorum a majority (2 of 3). */
static void genesis_make(mp_buf *b)
{
    proto_roster r;
    static const int members[] = { K_IE, K_FR, K_NL };
    assert_int_equal(proto_roster_init(&r, 8), 0);
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(proto_roster_add(&r, keys[members[i]].country, 2, PROTO_ROLE_AUTHORITY,
                                          keys[members[i]].pk),
                         0);
    mp_buf_init(b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    assert_int_equal(
        proto_rosterchain_genesis_encode("core test", 9, PROTO_QUORUM_MAJORITY, T0 - 10000, &r, b),
        0);
    proto_roster_free(&r);
}

static uint64_t roster_version(node *n)
{
    const proto_rosterchain *ch = node_roster_chain(n);
    return ch != NULL ? proto_rosterchain_version(ch) : 0;
}

static bool has_event(node *n, node_roster_event_kind kind, const uint8_t *who)
{
    node_roster_event ev;
    bool found = false;
    while (node_next_roster_event(n, &ev))
        found |= ev.kind == kind && (who == NULL || memcmp(ev.key, who, PROTO_KEY_BYTES) == 0);
    return found;
}

static bool connected_to(node *n, const uint8_t *pk)
{
    node_peer_info info[8];
    size_t cnt = 0;
    node_peers(n, info, 8, &cnt);
    for (size_t j = 0; j < cnt && j < 8; j++)
        if (info[j].connected && memcmp(info[j].key, pk, PROTO_KEY_BYTES) == 0)
            return true;
    return false;
}

static uint64_t store_head_seq(store *s, const uint8_t *pk)
{
    store_read r;
    store_head h;
    uint64_t seq = 0;
    assert_int_equal(store_snapshot_begin(s, &r), 0);
    if (store_head_get(&r, pk, &h) == 0)
        seq = h.seq;
    store_read_end(&r);
    return seq;
}

/* roster.propose with one op map written by `put`, on node n: the error code (0 on success). */
static int propose_rpc(node *n, uint64_t now, void (*put)(mp_buf *b))
{
    mp_buf req, resp;
    ctl_response r;
    mp_buf_init(&req, 4096);
    mp_buf_init(&resp, RN_CONTROL_RESPONSE_BYTES_MAX);
    ctl_request_begin(&req, 9, ctl_method_get(CTL_M_ROSTER_PROPOSE), 1);
    mp_put_array(&req, 1);
    put(&req);
    assert_int_equal(node_control(n, req.data, req.len, &resp, now), 0);
    assert_int_equal(ctl_response_decode(&r, resp.data, resp.len), 0);
    int code = r.is_error ? r.code : 0;
    mp_buf_free(&req);
    mp_buf_free(&resp);
    return code;
}

static void op_unknown_key(mp_buf *b)
{
    mp_put_map(b, 2);
    mp_put_cstr(b, "op");
    mp_put_cstr(b, "remove");
    mp_put_cstr(b, "colour");
    mp_put_cstr(b, "blue");
}

static void op_missing_key(mp_buf *b)
{
    mp_put_map(b, 1);
    mp_put_cstr(b, "op");
    mp_put_cstr(b, "remove");
}

static void op_bad_type(mp_buf *b)
{
    mp_put_map(b, 1);
    mp_put_cstr(b, "op");
    mp_put_cstr(b, "promote");
}

static void op_not_a_map(mp_buf *b)
{
    mp_put_uint(b, 3);
}

static void op_remove_stranger(mp_buf *b)
{
    mp_put_map(b, 2);
    mp_put_cstr(b, "op");
    mp_put_cstr(b, "remove");
    mp_put_cstr(b, "key");
    mp_put_bin(b, keys[K_PL].pk, PROTO_KEY_BYTES);
}

/* A member added live (proposed on one node, approved on another: 2 of 3) is dialled and its
 * entries taken in by every node without a restart; a member removed live (3 of 4) loses its
 * connections, is refused, and its own node stops publishing; pending bodies stay bounded. */
static void test_roster_live(void **state)
{
    (void)state;
    net *t = net_new(77);
    mp_buf g;
    genesis_make(&g);
    static const int all[] = { K_IE, K_FR, K_NL, K_DE };
    tn_opts o = { .dial = all, .dial_n = 4, .genesis = g.data, .genesis_len = g.len };
    node *ie = tn_start(t, 0, K_IE, &o);
    node *fr = tn_start(t, 1, K_FR, &o);
    node *nl = tn_start(t, 2, K_NL, &o);
    run(t, 2000);
    assert_true(connected_to(ie, keys[K_FR].pk) && connected_to(ie, keys[K_NL].pk));
    assert_int_equal(roster_version(ie), 1);

    /* roster.propose refuses ops it cannot read, and ops that do not apply. */
    assert_int_equal(propose_rpc(ie, t->now, op_unknown_key), RN_EUNKNOWNFIELD);
    assert_int_equal(propose_rpc(ie, t->now, op_missing_key), RN_EMISSING);
    assert_int_equal(propose_rpc(ie, t->now, op_bad_type), RN_EENUM);
    assert_int_equal(propose_rpc(ie, t->now, op_not_a_map), RN_ETYPE);
    assert_int_equal(propose_rpc(ie, t->now, op_remove_stranger), RN_EROSTER);

    /* Join: DE proposed on IE (1 signature of 2), approved on FR by hash. */
    proto_rc_change *chg = calloc(1, sizeof(*chg));
    assert_non_null(chg);
    chg->ops_n = 1;
    chg->ops[0].type = PROTO_RC_ADD;
    chg->ops[0].role = PROTO_ROLE_AUTHORITY;
    memcpy(chg->ops[0].country, "DE", 3);
    memcpy(chg->ops[0].key, keys[K_DE].pk, PROTO_KEY_BYTES);
    node_rc_result res;
    rn_diag d = { 0 };
    assert_int_equal(node_roster_propose(ie, chg, 0, t->now, &res, &d), 0);
    assert_int_equal(res.version, 2);
    assert_int_equal(res.valid, 1);
    assert_int_equal(res.need, 2);
    assert_false(res.applied);
    run(t, 1000);
    node_rc_pending pend[4];
    assert_int_equal(node_roster_pending(fr, pend, 4), 1);
    assert_memory_equal(pend[0].hash, res.hash, PROTO_ID_BYTES);
    assert_int_equal(pend[0].valid, 1);
    assert_int_equal(roster_version(fr), 1);
    assert_int_equal(node_roster_approve(fr, res.hash, PROTO_ID_BYTES, t->now, &res, &d), 0);
    assert_true(res.applied);
    run(t, 2000);
    assert_int_equal(roster_version(ie), 2);
    assert_int_equal(roster_version(nl), 2);
    assert_true(has_event(nl, NODE_RE_ADDED, keys[K_DE].pk));
    assert_int_equal(node_roster_pending(ie, pend, 4), 0);

    /* DE starts from the genesis and version 2 as IE applied it. */
    proto_str v2;
    assert_int_equal(node_roster_document(ie, 2, &v2), 0);
    uint8_t *v2copy = malloc(v2.len);
    assert_non_null(v2copy);
    memcpy(v2copy, v2.ptr, v2.len);
    proto_str changes[1] = { { v2copy, v2.len } };
    tn_opts od = o;
    od.changes = changes;
    od.changes_n = 1;
    node *de = tn_start(t, 3, K_DE, &od);
    assert_int_equal(roster_version(de), 2);
    run(t, 2000);
    assert_true(connected_to(ie, keys[K_DE].pk));
    body b;
    provider_body(&b, "DE", "berlin", "Universitaet Berlin");
    assert_int_equal(node_publish(de, PROTO_KIND_PROVIDER, b.b, b.len, t->now, NULL, NULL, &d), 0);
    run(t, 2000);
    assert_int_equal(store_head_seq(&t->nodes[0].s, keys[K_DE].pk), 1);
    assert_int_equal(store_head_seq(&t->nodes[2].s, keys[K_DE].pk), 1);

    /* Leave: NL removed; 4 authorities, 3 signatures. */
    memset(chg, 0, sizeof(*chg));
    chg->ops_n = 1;
    chg->ops[0].type = PROTO_RC_REMOVE;
    memcpy(chg->ops[0].key, keys[K_NL].pk, PROTO_KEY_BYTES);
    assert_int_equal(node_roster_propose(ie, chg, 0, t->now, &res, &d), 0);
    run(t, 1000);
    uint8_t h3[PROTO_ID_BYTES];
    memcpy(h3, res.hash, PROTO_ID_BYTES);
    assert_int_equal(node_roster_approve(fr, h3, PROTO_ID_BYTES, t->now, &res, &d), 0);
    run(t, 1000);
    assert_int_equal(roster_version(ie), 2);
    assert_int_equal(node_roster_approve(de, h3, PROTO_ID_BYTES, t->now, &res, &d), 0);
    run(t, 2000);
    assert_int_equal(roster_version(ie), 3);
    assert_int_equal(roster_version(nl), 3);
    assert_false(connected_to(ie, keys[K_NL].pk));
    assert_false(connected_to(fr, keys[K_NL].pk));
    assert_true(has_event(nl, NODE_RE_SELF_RETIRED, keys[K_NL].pk));
    provider_body(&b, "NL", "late", "Too late");
    assert_int_equal(node_publish(nl, PROTO_KIND_PROVIDER, b.b, b.len, t->now, NULL, NULL, &d),
                     RN_ESUPERSEDED);
    run(t, 5000);
    assert_false(connected_to(ie, keys[K_NL].pk)); /* its redials are refused */

    /* Pending bodies are bounded: 20 proposals of future versions, 16 kept. */
    for (int i = 0; i < 20; i++) {
        memset(chg, 0, sizeof(*chg));
        assert_int_equal(
            proto_rosterchain_change_start(node_roster_chain(ie), t->now + (uint64_t)i, chg), 0);
        chg->version = 10 + (uint64_t)i;
        chg->ops_n = 1;
        chg->ops[0].type = PROTO_RC_QUORUM;
        chg->ops[0].quorum = 1;
        assert_int_equal(proto_rosterchain_change_sign(chg, keys[K_IE].sk, keys[K_IE].pk), 0);
        mp_buf doc;
        mp_buf_init(&doc, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
        assert_int_equal(proto_rosterchain_change_encode(chg, &doc), 0);
        assert_int_equal(node_roster_offer(fr, doc.data, doc.len, t->now, &d), 0);
        mp_buf_free(&doc);
    }
    assert_int_equal(node_roster_pending(fr, pend, 4), RN_ROSTER_PENDING_MAX);
    assert_true(has_event(fr, NODE_RE_DROPPED, NULL));

    free(v2copy);
    free(chg);
    mp_buf_free(&g);
    net_free(t);
}

int main(void)
{
    if (randombytes_set_implementation(&det_impl) != 0 || sodium_init() < 0)
        return 1;
    keys_init();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_new_refuses),
        cmocka_unit_test(test_handshake_and_heads),
        cmocka_unit_test(test_publish_reaches_all),
        cmocka_unit_test(test_catch_up_inflight),
        cmocka_unit_test(test_not_in_roster),
        cmocka_unit_test(test_wrong_netkey),
        cmocka_unit_test(test_garbage_and_forgery),
        cmocka_unit_test(test_equivocation),
        cmocka_unit_test(test_restart_catch_up),
        cmocka_unit_test(test_eager_switch_on_stall),
        cmocka_unit_test(test_dial_backoff),
        cmocka_unit_test(test_simultaneous_dial),
        cmocka_unit_test(test_idle_close),
        cmocka_unit_test(test_determinism),
        cmocka_unit_test(test_peer_lag_and_idle),
        cmocka_unit_test(test_publish_refuses_future_head),
        cmocka_unit_test(test_entries_from_future),
        cmocka_unit_test(test_status_clock),
        cmocka_unit_test(test_garbled_run_served_on_anchors),
        cmocka_unit_test(test_served_runs_cut_at_anchor),
        cmocka_unit_test(test_liar_heads_demoted),
        cmocka_unit_test(test_want_loop_budget),
        cmocka_unit_test(test_rewant_mid_catchup),
        cmocka_unit_test(test_roster_live),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
