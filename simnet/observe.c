/*
 * observe.c: what the simulator sees of the replicas: deliveries, hops and convergence
 * (simnet/README.md, "How counts are defined").
 *
 * The simulator cannot read the encrypted frames, so it watches the replicas: whenever a core
 * reports newly accepted entries (node_counters.entries_new) after bytes from a peer, it reads the
 * replica's heads and records, for each new (author, seq), the delivery time and the hop count
 * (the sender's hop + 1; an entry's author delivers at hop 0). Entry copies received
 * (node_counters.entries_in) are attributed the same way, in net.c. Reading the heads is also
 * where two invariants are checked every time: a node's heads never go back, and no node holds a
 * log of a member that is no authority.
 *
 * After a heal, every node up must come to hold what any node up held at the heal: the target
 * per author is taken at the heal, and the pending (node, author) pairs are counted down as the
 * heads are observed, so the time to converge is measured while the workload goes on.
 */
#include <string.h>

#include "simnet/run.h"

/* ---- Hops and deliveries ---- */

static uint8_t hop_get(const sim *S, int i, size_t a, uint64_t seq)
{
    const snode *x = &S->nodes[i];
    return seq - 1 < x->hop_cap[a] ? x->hop[a][seq - 1] : HOP_UNKNOWN;
}

void obs_hop_set(sim *S, int i, size_t a, uint64_t seq, uint8_t hop)
{
    snode *x = &S->nodes[i];
    if (seq > x->hop_cap[a]) {
        size_t old = x->hop_cap[a];
        run_grow((void **)&x->hop[a], &x->hop_cap[a], (size_t)seq, 1);
        memset(x->hop[a] + old, HOP_UNKNOWN, x->hop_cap[a] - old);
    }
    x->hop[a][seq - 1] = hop;
}

/* Does this entry count in the gossip figures? (not the equivocator's doubled seq and after) */
bool obs_counted(const sim *S, size_t a, uint64_t seq)
{
    const pauthor *p = &S->pub[a];
    return seq <= p->n && (p->fork_seq == 0 || seq < p->fork_seq);
}

static void conv_note(sim *S, int j, size_t a, uint64_t old, uint64_t now_head)
{
    if (!S->conv_active || !S->conv_in[j])
        return;
    uint64_t t = S->conv_target_seq[a];
    if (old < t && now_head >= t && --S->conv_pending == 0) {
        S->conv_active = false;
        size_t h = S->heals - 1;
        if (h < 64) {
            S->conv_ms[h] = S->now_ms - S->conv_start_ms;
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
    obs_hop_set(S, j, a, seq, hop);
    if (sender < 0 || !obs_counted(S, a, seq))
        return;
    pentry *e = &S->pub[a].e[seq - 1];
    S->deliveries++;
    uint64_t lat = S->now_ms - e->published_ms;
    run_grow((void **)&S->lat_ms, &S->lat_cap, S->lat_n + 1, sizeof(*S->lat_ms));
    S->lat_ms[S->lat_n++] = lat;
    e->deliveries++;
    if (S->now_ms > e->last_delivery_ms ||
        (S->now_ms == e->last_delivery_ms && hop > e->last_hop) || e->deliveries == 1) {
        e->last_delivery_ms = S->now_ms;
        e->last_hop = hop;
    }
    if (hop != HOP_UNKNOWN)
        S->hop_hist[hop < 15 ? hop : 15]++;
}

/* Reads node j's heads and records the entries that arrived since the last look. */
void obs_heads(sim *S, int j, int sender)
{
    snode *x = &S->nodes[j];
    const node_counters *c = node_counters_get(x->n);
    if (c->entries_new == x->entries_new_seen)
        return;
    x->entries_new_seen = c->entries_new;
    store_head heads[RN_ROSTER_MEMBERS_MAX];
    size_t hn = 0;
    store_read r;
    if (run_read_plain(&x->s, &r) != 0 || store_heads(&r, heads, RN_ROSTER_MEMBERS_MAX, &hn) != 0) {
        store_read_end(&r);
        run_fail(S, "%s: cannot read its heads", x->name);
        return;
    }
    store_read_end(&r);
    for (size_t i = 0; i < hn; i++) {
        int a = run_node_by_key(S, heads[i].author);
        if (a < 0 && gov_retired(S, heads[i].author) != NULL)
            continue; /* a key the governed roster retired: gov_check_final checks its log */
        if (a < 0 || (size_t)a >= S->a) {
            run_fail(S, "%s holds a log of %s, which is no authority", x->name,
                     a < 0 ? "a stranger" : S->nodes[a].name);
            continue;
        }
        uint64_t old = x->head_seq[a];
        if (heads[i].seq < old) {
            run_fail(S, "%s: head of %s went back from %llu to %llu", x->name, S->nodes[a].name,
                     (unsigned long long)old, (unsigned long long)heads[i].seq);
            continue;
        }
        for (uint64_t seq = old + 1; seq <= heads[i].seq; seq++)
            deliver(S, j, (size_t)a, seq, sender);
        x->head_seq[a] = heads[i].seq;
        conv_note(S, j, (size_t)a, old, heads[i].seq);
    }
}

/* ---- Convergence after a heal ---- */

static bool forked_author(const sim *S, size_t a)
{
    return S->pub[a].fork_seq != 0;
}

void obs_conv_recompute(sim *S)
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
            if (S->nodes[j].head_seq[a] < S->conv_target_seq[a])
                S->conv_pending++;
    }
    if (S->conv_pending == 0) {
        S->conv_active = false;
        size_t h = S->heals - 1;
        if (h < 64) {
            S->conv_ms[h] = S->now_ms - S->conv_start_ms;
            S->conv_done[h] = true;
        }
    }
}

/* The network heals: every node up now must come to hold what any node held at this moment. */
void obs_conv_start(sim *S)
{
    S->heals++;
    S->conv_active = true;
    S->conv_start_ms = S->now_ms;
    for (size_t a = 0; a < S->a; a++) {
        S->conv_target_seq[a] = 0;
        if (forked_author(S, a))
            continue; /* branches: heads differ for good */
        for (size_t j = 0; j < S->n; j++)
            if (S->nodes[j].up && S->nodes[j].head_seq[a] > S->conv_target_seq[a])
                S->conv_target_seq[a] = S->nodes[j].head_seq[a];
    }
    for (size_t j = 0; j < S->n; j++)
        S->conv_in[j] = S->nodes[j].up;
    obs_conv_recompute(S);
}