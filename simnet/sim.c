/*
 * sim.c: the run: N node cores on one thread, a virtual clock, and the loop that drives them
 * (DESIGN.md section 7, simnet/README.md; the parts are listed in run.h).
 *
 * Shape. One priority queue of events ordered by (virtual time, insertion number): core timers,
 * arrivals of bytes, connection set-up and failure, the scenario's timed directives, workload
 * steps and checks. Handling an event calls into at most one core (or one misbehaving endpoint),
 * then drains that core's actions (run_settle): SEND bytes go into the connection's queue with
 * their arrival time, CLOSE closes this end at once and sends a FIN behind the bytes already
 * queued, CONNECT schedules the connection's set-up. No call into a core ever happens from within
 * another, and every effect on another node is a future event, so the order of everything is the
 * order of the queue, and the run is a pure function of the scenario and its seed: four splitmix64
 * streams seeded from it (network, workload, set-up and directives, and libsodium's generator,
 * replaced here), every key derived from it, and a BLAKE2b trace of every action as the proof.
 *
 * This file also starts, crashes and restarts nodes (a crash is a process crash: the core freed
 * and the replica closed without warning; a restart opens the same directory with a new core and
 * checks that nothing acknowledged was lost), and sets the run up: keys, one roster for the whole
 * federation, the replicas, the dial lists, and the scenario's timeline.
 */
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "proto/codes.h"
#include "simnet/run.h"

/* Every node clock starts at 2026-01-01 plus its skew; virtual time starts at 0. */

#define STUCK_TICKS_MAX 100000u

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

void run_fail(sim *S, const char *fmt, ...)
{
    if (S->failed)
        return;
    S->failed = true;
    va_list ap;
    va_start(ap, fmt);
    int k = snprintf(S->res->failure, sizeof(S->res->failure),
                     "at %.3f s: ", (double)S->now_ms / 1000.0);
    vsnprintf(S->res->failure + k, sizeof(S->res->failure) - (size_t)k, fmt, ap);
    va_end(ap);
}

void run_trace(sim *S, char tag, const void *p, size_t len)
{
    uint8_t t = (uint8_t)tag;
    crypto_generichash_update(&S->digest, &t, 1);
    crypto_generichash_update(&S->digest, (const uint8_t *)&S->now_ms, sizeof(S->now_ms));
    crypto_generichash_update(&S->digest, p, len);
}

void *run_calloc(size_t n, size_t size)
{
    void *p = calloc(n > 0 ? n : 1, size);
    if (p == NULL) {
        fprintf(stderr, "recnet-sim: out of memory\n");
        exit(2);
    }
    return p;
}

void run_grow(void **p, size_t *cap, size_t need, size_t elem)
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

/* ---- The event queue: a binary heap on (at_ms, seq) ---- */

static bool ev_less(const ev *x, const ev *y)
{
    return x->at_ms < y->at_ms || (x->at_ms == y->at_ms && x->seq < y->seq);
}

void run_push(sim *S, uint64_t t, ev_kind kind, uint32_t a, uint32_t b, uint32_t gen)
{
    run_grow((void **)&S->heap, &S->heap_cap, S->heap_n + 1, sizeof(ev));
    ev e = { t < S->now_ms ? S->now_ms : t, S->ev_seq++, kind, a, b, gen };
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
    return (uint64_t)((int64_t)(SIM_T0 + S->now_ms) + x->skew_ms + x->step_ms);
}

/* Node x's time, as recnetd's driver would give it to the core: one reading of its wall clock
 * and of its monotonic clock (virtual time) through the node's clock, noted in the core. */
uint64_t run_clock(sim *S, snode *x)
{
    uint64_t t = node_clock_read(&x->clock, nwall(S, x), S->now_ms, NULL);
    if (x->n != NULL)
        node_clock_note(x->n, &x->clock);
    return t;
}

int run_node_by_key(const sim *S, const uint8_t *pk)
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

int run_node_by_name(const sim *S, const char *name)
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

int run_authority(sim *S, const sim_event *e)
{
    int a = run_node_by_name(S, e->arg);
    if (a < 0 || (size_t)a >= S->a) {
        run_fail(S, "%s: '%s' is not an authority", e->where, e->arg);
        return -1;
    }
    return a;
}

static const sim *cmp_sim;

static int cmp_key(const void *x, const void *y)
{
    return memcmp(cmp_sim->nodes[*(const int *)x].pk, cmp_sim->nodes[*(const int *)y].pk,
                  PROTO_KEY_BYTES);
}

/*
 * Resolves a group text into mark[0..n): names of nodes (FR, M12, #7, #0-#14), "all" or "*",
 * "authorities", "mirrors", "up", "down", "random:K" (K distinct nodes drawn from those `pool`
 * allows, or from every node). Returns 0, or -1 for an unknown name (failure recorded).
 */
static int group_resolve_any(sim *S, const char *text, bool *mark, const bool *pool, bool dry);

int run_group(sim *S, const char *text, bool *mark, const bool *pool)
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
                run_fail(S, "group '%s': bad random:K", text);
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
            int lo = run_node_by_name(S, tok),
                hi = run_node_by_name(S, dash[1] == '#' ? dash + 1 : "");
            if (lo < 0 || hi < lo) {
                run_fail(S, "group '%s': bad range", text);
                return -1;
            }
            for (int i = lo; i <= hi; i++)
                mark[i] = true;
        } else {
            int i = run_node_by_name(S, tok);
            if (i < 0) {
                run_fail(S, "group '%s': no node named '%s'", text, tok);
                return -1;
            }
            mark[i] = true;
        }
        tok = last ? end : end + 1;
    }
    return 0;
}

/* ---- Driving a core ---- */

/* A plain read transaction (no index pass), as the core takes one. */
int run_read_plain(store *s, store_read *r)
{
    return store_snapshot_begin(s, r);
}

/* Drains node i's actions, observes new entries, and sets its next tick. */
void run_settle(sim *S, int i, int sender)
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
                run_trace(S, 'S', d, sizeof(d));
                crypto_generichash_update(&S->digest, a.data, a.len);
                if (a.conn >= 2 && vc < S->vcs_n && S->vcs[vc]->open[side])
                    net_send(S, vc, side, a.data, a.len, false);
                break;
            }
            case NODE_ACT_CLOSE: {
                uint32_t d[3] = { (uint32_t)i, a.conn, (uint32_t)a.reason };
                run_trace(S, 'C', d, sizeof(d));
                if (a.conn >= 2 && vc < S->vcs_n && S->vcs[vc]->open[side]) {
                    vconn *v = S->vcs[vc];
                    if (v->type[1 - side] == END_EVIL)
                        S->evils[v->end[1 - side]].closed_by_target = true;
                    net_close(S, vc, side);
                }
                if (nc < sizeof(closes) / sizeof(closes[0]))
                    closes[nc++] = a.conn;
                break;
            }
            case NODE_ACT_CONNECT: {
                int j = run_node_by_key(S, a.peer);
                uint32_t d[2] = { (uint32_t)i, (uint32_t)j };
                run_trace(S, 'K', d, sizeof(d));
                net_on_connect(S, i, a.peer);
                break;
            }
            default:
                run_fail(S, "%s: unknown action %d", x->name, (int)a.kind);
                break;
            }
        }
        if (nc == 0) {
            if (gov_events(S, i) && x->up)
                continue; /* the core was called: its actions again */
            break;
        }
        for (size_t k = 0; k < nc; k++)
            node_conn_closed(x->n, closes[k], run_clock(S, x));
    }
    obs_heads(S, i, sender);
    uint64_t d = node_deadline(x->n);
    uint64_t v = UINT64_MAX;
    if (d != UINT64_MAX) {
        /* The node's clock keeps virtual time's pace (but when it slews: then it ticks early,
         * and again). */
        uint64_t cur = run_clock(S, x);
        v = S->now_ms + (d > cur ? d - cur : 0);
    }
    if (v != x->tick_at_ms) {
        x->tick_at_ms = v;
        x->tick_gen++;
        if (v != UINT64_MAX)
            run_push(S, v, E_TICK, (uint32_t)i, 0, x->tick_gen);
    }
}

static void on_tick(sim *S, int i, uint32_t gen)
{
    snode *x = &S->nodes[i];
    if (!x->up || gen != x->tick_gen)
        return;
    x->tick_at_ms = UINT64_MAX;
    node_tick(x->n, run_clock(S, x));
    run_settle(S, i, -1);
    if (x->tick_at_ms == S->now_ms) {
        if (++x->stuck_ticks > STUCK_TICKS_MAX)
            run_fail(S, "%s: its deadline stays at %llu after node_tick", x->name,
                     (unsigned long long)run_clock(S, x));
    } else {
        x->stuck_ticks = 0;
    }
}

/* ---- Starting, crashing and restarting nodes ---- */

static int start_node(sim *S, int i)
{
    snode *x = &S->nodes[i];
    /* A governed roster changes the roster a replica saves: each loads its own. */
    store_options so = { .map_bytes = (size_t)S->sc->map_bytes,
                         .sync_received = false,
                         .roster = S->sc->governed ? NULL : &S->roster };
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
    cfg.checkpoint_ms = S->sc->checkpoint_ms;
    proto_rosterchain ch;
    uint8_t(*dial)[PROTO_KEY_BYTES] = NULL;
    if (S->sc->governed) {
        size_t dn = 0;
        dial = run_calloc(RN_PEERS_MAX, PROTO_KEY_BYTES);
        rc = gov_prepare(S, i, &ch, dial, &dn);
        if (rc != 0) {
            fprintf(stderr, "recnet-sim: %s: node_chain_prepare: %s\n", x->name, rn_strerror(rc));
            free(dial);
            store_close(&x->s);
            x->has_store = false;
            return -1;
        }
        cfg.chain = &ch;
        cfg.dial = (const uint8_t(*)[PROTO_KEY_BYTES])dial;
        cfg.dial_n = dn;
    }
    node_clock_init(&x->clock, nwall(S, x), S->now_ms); /* a new process reads its clocks anew */
    rc = node_new(&x->n, &x->s, &cfg, run_clock(S, x));
    free(dial);
    if (rc != 0 && cfg.chain != NULL)
        proto_rosterchain_free(&ch);
    if (rc != 0) {
        fprintf(stderr, "recnet-sim: %s: node_new: %s\n", x->name, rn_strerror(rc));
        store_close(&x->s);
        x->has_store = false;
        return -1;
    }
    x->up = true;
    x->up_since_ms = S->now_ms;
    x->entries_new_seen = 0;
    x->stuck_ticks = 0;
    x->tick_at_ms = UINT64_MAX;
    run_settle(S, i, -1);
    return 0;
}

void run_counters_add(node_counters *acc, const node_counters *c)
{
    const uint64_t *src = (const uint64_t *)c;
    uint64_t *dst = (uint64_t *)acc;
    static_assert(sizeof(node_counters) % sizeof(uint64_t) == 0, "counters are uint64_t");
    for (size_t k = 0; k < sizeof(node_counters) / sizeof(uint64_t); k++)
        dst[k] += src[k];
}

void run_crash(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (!x->up)
        return;
    run_counters_add(&x->acc, node_counters_get(x->n));
    for (size_t vc = 0; vc < S->vcs_n; vc++) {
        vconn *v = S->vcs[vc];
        for (int s = 0; s < 2; s++)
            if (v->type[s] == END_NODE && v->end[s] == i && v->inc[s] == x->inc)
                net_close(S, vc, s); /* the kernel resets the sockets of a dead process */
    }
    node_free(x->n);
    x->n = NULL;
    store_close(&x->s);
    x->has_store = false;
    x->up = false;
    x->inc++;
    x->tick_gen++;
    x->tick_at_ms = UINT64_MAX;
    S->crashes++;
    uint32_t d = (uint32_t)i;
    run_trace(S, 'X', &d, sizeof(d));
    obs_conv_recompute(S);
}

/* Restarts node i; checks that everything it acknowledged, and everything it held, survived. */
int run_join(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (x->up || !x->joiner)
        return 0;
    x->joiner = false;
    if (start_node(S, i) != 0)
        return -1;
    uint32_t d = (uint32_t)i;
    run_trace(S, 'J', &d, sizeof(d));
    return 0;
}

void run_restart(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (x->up || x->joiner || x->gone)
        return;
    bool rekeyed = gov_restart_begin(S, i);
    int rc = start_node(S, i);
    if (rekeyed)
        gov_restart_end(S, i, rc == 0);
    if (rc != 0) {
        run_fail(S, "%s: cannot restart over its data directory", x->name);
        return;
    }
    S->restarts++;
    uint32_t d = (uint32_t)i;
    run_trace(S, 'R', &d, sizeof(d));
    store_head heads[RN_ROSTER_MEMBERS_MAX];
    size_t hn = 0;
    store_read r;
    if (run_read_plain(&x->s, &r) != 0 || store_heads(&r, heads, RN_ROSTER_MEMBERS_MAX, &hn) != 0) {
        store_read_end(&r);
        run_fail(S, "%s: cannot read its heads after a restart", x->name);
        return;
    }
    store_read_end(&r);
    uint64_t *held = run_calloc(S->a, sizeof(*held));
    for (size_t k = 0; k < hn; k++) {
        int a = run_node_by_key(S, heads[k].author);
        if (a >= 0 && (size_t)a < S->a)
            held[a] = heads[k].seq;
        if (a == i && S->pub[i].n > 0 &&
            (heads[k].seq < S->pub[i].n ||
             memcmp(heads[k].seq == S->pub[i].n ? heads[k].id : S->pub[i].e[S->pub[i].n - 1].id,
                    S->pub[i].e[S->pub[i].n - 1].id, PROTO_ID_BYTES) != 0))
            run_fail(S, "%s lost an entry it had acknowledged (head %llu, acknowledged %zu)",
                     x->name, (unsigned long long)heads[k].seq, S->pub[i].n);
    }
    if (i < (int)S->a && S->pub[i].n > 0 && held[i] == 0)
        run_fail(S, "%s lost its whole log across a restart", x->name);
    for (size_t a = 0; a < S->a; a++)
        if (held[a] < x->head_seq[a])
            run_fail(S, "%s: its replica of %s went back from %llu to %llu across a restart",
                     x->name, S->nodes[a].name, (unsigned long long)x->head_seq[a],
                     (unsigned long long)held[a]);
    free(held);
    obs_conv_recompute(S);
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
    S->event_member = run_calloc(sc->events_n, sizeof(int));
    for (size_t k = 0; k < sc->events_n; k++)
        S->event_member[k] = evil_misbehaviour(sc->events[k].kind) ? (int)S->evil_members++ : -1;
    if (S->n + S->evil_members > RN_ROSTER_MEMBERS_MAX) {
        fprintf(stderr, "recnet-sim: %zu nodes and %zu evil members pass the roster bound %u\n",
                S->n, S->evil_members, RN_ROSTER_MEMBERS_MAX);
        return -1;
    }
    S->evil_pk = run_calloc(S->evil_members, PROTO_KEY_BYTES);
    S->evil_sk = run_calloc(S->evil_members, PROTO_SK_BYTES);
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
    S->nodes = run_calloc(S->n, sizeof(snode));
    S->by_key = run_calloc(S->n, sizeof(int));
    S->pub = run_calloc(S->a, sizeof(pauthor));
    S->conv_target_seq = run_calloc(S->a, sizeof(uint64_t));
    S->conv_in = run_calloc(S->n, sizeof(bool));
    for (size_t h = 0; h < SIM_HEALS_MAX; h++)
        S->heal_snaps[h].target_seq = run_calloc(S->a, sizeof(uint64_t));
    if (proto_roster_init(&S->roster, S->n + S->evil_members) != 0)
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
        int rc = proto_roster_add(&S->roster, auth ? x->name : "", auth ? 2 : 0, x->role, x->pk);
        if (rc != 0) {
            fprintf(stderr, "recnet-sim: roster: %s\n", rn_strerror(rc));
            return -1;
        }
        snprintf(x->dir, sizeof(x->dir), "%s/%s", S->root, x->name);
        x->skew_ms = sc->skew_ms == 0 ? 0
                                      : (int64_t)rng_below(&S->setup, 2ull * sc->skew_ms + 1) -
                                            (int64_t)sc->skew_ms;
        x->head_seq = run_calloc(S->a, sizeof(uint64_t));
        x->hop = run_calloc(S->a, sizeof(uint8_t *));
        x->hop_cap = run_calloc(S->a, sizeof(size_t));
        x->tick_at_ms = UINT64_MAX;
        S->by_key[i] = (int)i;
        if (auth)
            memcpy(S->pub[i].wl.cc, x->name, 3);
    }
    for (size_t k = 0; k < S->evil_members; k++) {
        int rc = proto_roster_add(&S->roster, "", 0, PROTO_ROLE_MIRROR, S->evil_pk[k]);
        if (rc != 0) {
            fprintf(stderr, "recnet-sim: roster: %s\n", rn_strerror(rc));
            return -1;
        }
    }
    cmp_sim = S;
    qsort(S->by_key, S->n, sizeof(int), cmp_key);
    if (net_topology(S) != 0 || gov_setup(S) != 0) {
        return -1;
    }

    /* Replicas: one directory each, the roster installed, then the cores. */
    for (size_t i = 0; i < S->n; i++) {
        snode *x = &S->nodes[i];
        store_options so = { .map_bytes = (size_t)sc->map_bytes, .sync_received = false };
        int rc;
        if (mkdir(x->dir, 0700) != 0 || (rc = store_open(&x->s, x->dir, &so)) != 0) {
            fprintf(stderr, "recnet-sim: cannot create the replica %s\n", x->dir);
            return -1;
        }
        rc = store_roster_set(&x->s, &S->roster);
        store_close(&x->s);
        if (rc != 0) {
            fprintf(stderr, "recnet-sim: %s: store_roster_set: %s\n", x->name, rn_strerror(rc));
            return -1;
        }
    }
    for (size_t i = 0; i < S->n; i++)
        if (!S->nodes[i].joiner && start_node(S, (int)i) != 0)
            return -1;

    /* Every name the scenario uses must be a node (an authority where one is needed). */
    bool *scratch = run_calloc(S->n, sizeof(bool));
    for (size_t k = 0; k < sc->events_n && !S->failed; k++) {
        const sim_event *e = &sc->events[k];
        char buf[SIM_ARG_MAX];
        snprintf(buf, sizeof(buf), "%s", e->arg);
        for (char *c = buf; *c; c++)
            if (*c == '|' || (*c == '*' && e->kind == SIM_EV_PARTITION))
                *c = ',';
        if (e->kind == SIM_EV_EQUIVOCATE || e->kind == SIM_EV_FORGE || e->kind == SIM_EV_PUBLISH ||
            e->kind == SIM_EV_DECIDE || e->kind == SIM_EV_GARBLE || evil_persistent(e->kind) ||
            e->kind == SIM_EV_REMOVE || e->kind == SIM_EV_ROTATE || e->kind == SIM_EV_COMPROMISE ||
            e->kind == SIM_EV_ROGUE || e->kind == SIM_EV_ADD) {
            int a = run_node_by_name(S, e->arg);
            if (a < 0 || (size_t)a >= S->a)
                run_fail(S, "%s: '%s' is not an authority", e->where, e->arg);
            else if (!sc->governed && (e->kind == SIM_EV_REMOVE || e->kind == SIM_EV_ROTATE ||
                                       e->kind == SIM_EV_COMPROMISE || e->kind == SIM_EV_ROGUE ||
                                       e->kind == SIM_EV_ADD))
                run_fail(S, "%s: a roster change needs 'roster governed'", e->where);
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
        if (!check_is_answer(e))
            continue;
        int a = run_node_by_name(S, e->country);
        if (e->what == SIM_EXPECT_RECOGNISE && (a < 0 || (size_t)a >= S->a))
            run_fail(S, "%s: %s is no authority of this run: recognise asks a country's authority",
                     e->where, e->country);
        else if (e->at_ms != SIM_AT_END && e->at_ms > sc->run_ms)
            run_fail(
                S, "%s: by %.3f s is past the run (%.3f s); 'by end' checks with the final checks",
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
            run_push(S, e->at_ms > lead ? e->at_ms - lead : 0, E_PREP, (uint32_t)k, 0, 0);
        run_push(S, e->at_ms, E_SCRIPT, (uint32_t)k, 0, 0);
    }
    for (size_t k = 0; k < sc->streams_n; k++)
        if (sc->streams[k].from_ms < sc->run_ms)
            run_push(S, sc->streams[k].from_ms, E_STREAM, (uint32_t)k, 0, 0);
    /* After the directives of the same time, so that they are answered as of after them. */
    for (size_t k = 0; k < sc->expects_n; k++)
        if (check_is_answer(&sc->expects[k]) && sc->expects[k].at_ms != SIM_AT_END)
            run_push(S, sc->expects[k].at_ms, E_EXPECT, (uint32_t)k, 0, 0);
    run_push(S, sc->run_ms, E_END, 0, 0, 0);
    if (sc->checkpoint_ms > 0)
        run_push(S, 0, E_CKPT, 0, 0, 0);
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
        free(x->head_seq);
        free(x->dial);
    }
    proto_roster_free(&S->roster); /* after every replica that reads it is closed */
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
    free(S->lat_ms);
    free(S->forged);
    free(S->specs.id);
    free(S->specs.author);
    free(S->specs.seq);
    free(S->evil_pk);
    free(S->genesis);
    free(S->rogue);
    free(S->rogue_node);
    free(S->cosig);
    if (S->evil_sk != NULL)
        sodium_memzero(S->evil_sk, S->evil_members * PROTO_SK_BYTES);
    free(S->evil_sk);
    free(S->event_member);
    free(S->conv_target_seq);
    free(S->conv_in);
    for (size_t h = 0; h < SIM_HEALS_MAX; h++)
        free(S->heal_snaps[h].target_seq);
    mp_buf_free(&S->body);
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
    sim *S = run_calloc(1, sizeof(sim));
    S->sc = &sc;
    S->opt = opt;
    S->res = res;
    double w0 = wall_now();
    int rc = setup(S);
    uint64_t events = 0;
    if (rc == 0) {
        while (S->heap_n > 0 && !S->finished && !S->failed) {
            ev e = pop(S);
            S->now_ms = e.at_ms;
            events++;
            switch ((ev_kind)e.kind) {
            case E_TICK:
                on_tick(S, (int)e.a, e.gen);
                break;
            case E_DATA:
                net_on_data(S, e.a, (int)e.b);
                break;
            case E_ACCEPT:
                net_on_accept(S, e.a);
                break;
            case E_CONNECTED:
                net_on_connected(S, e.a);
                break;
            case E_CONNFAIL:
                net_on_connfail(S, (int)e.a, (int)e.b, e.gen);
                break;
            case E_SCRIPT:
                script_on_event(S, e.a);
                if (sc.events[e.a].kind == SIM_EV_HEAL && S->heals > 0 && S->heals <= 64 &&
                    S->heal_snaps[S->heals - 1].at_ms == 0) {
                    S->heal_snaps[S->heals - 1].at_ms = S->now_ms;
                    memcpy(S->heal_snaps[S->heals - 1].target_seq, S->conv_target_seq,
                           S->a * sizeof(uint64_t));
                }
                break;
            case E_PREP:
                evil_on_prep(S, e.a);
                break;
            case E_STREAM:
                script_on_stream(S, e.a, e.b);
                break;
            case E_EVIL_CLOSE:
                evil_close(S, &S->evils[e.a]);
                break;
            case E_EVIL_ACT:
                evil_act(S, &S->evils[e.a]);
                break;
            case E_CHECK:
                check_on_heal(S, e.a);
                break;
            case E_END:
                script_on_end(S);
                break;
            case E_FINAL:
                check_final(S);
                break;
            case E_EXPECT:
                check_expect(S, e.a);
                break;
            case E_GOV:
                gov_step(S, e.a);
                break;
            case E_GONE:
                gov_gone(S, (int)e.a);
                break;
            case E_CKPT:
                gov_scan_checkpoints(S);
                break;
            case E_JOIN:
                gov_join(S, (int)e.a);
                break;
            default:
                run_fail(S, "unknown event %u", e.kind);
                break;
            }
        }
        if (!S->finished && !S->failed)
            run_fail(S, "the event queue ran dry before the final checks");
        report_print(S, wall_now() - w0, events);
        res->ok = !S->failed;
    }
    teardown(S);
    free(S);
    if (rc != 0)
        return -1;
    return res->ok ? 0 : 1;
}