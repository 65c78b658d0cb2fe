/*
 * govern.c: the governed roster in the simulated federation (simnet/README.md, "The governed
 * roster"; PROTOCOL.md 4.4, 11.11, 11.12).
 *
 * With `roster governed`, the run's roster is the genesis of a chain (quorum: a majority) and
 * every replica starts from it (node_chain_prepare, node_config.chain). The directives add,
 * remove, rotate and compromise are driven as operators drive them through recnetctl: one authority
 * proposes (node_roster_propose), and every half second each other authority up that holds the
 * pending change approves it by its hash (node_roster_approve) until it is in force. The events
 * of each core are handled as recnetd's driver handles them: the dial list is mapped through the
 * replica's author table again (node_dial_set); a node whose key was rotated signs with its new
 * key (node_rekey); a node removed stops for good; a node added starts from the genesis and the
 * change documents. A retired key's holder may go rogue (`rogue`):
 * a peer offers entries signed with the old key past its cut, which no replica may accept.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/authors.h"
#include "proto/checkpoint.h"
#include "simnet/run.h"

static void key_from_seed(uint64_t seed, uint64_t i, uint8_t pk[32], uint8_t sk[64])
{
    uint8_t in[24], s32[32];
    memcpy(in, "recnetgv", 8);
    memcpy(in + 8, &seed, 8);
    memcpy(in + 16, &i, 8);
    crypto_generichash(s32, sizeof(s32), in, sizeof(in), NULL, 0);
    crypto_sign_seed_keypair(pk, sk, s32);
    sodium_memzero(s32, sizeof(s32));
}

int gov_setup(sim *S)
{
    if (!S->sc->governed)
        return 0;
    /* An authority that an `add` names is left out of the genesis; its node starts once added. */
    for (size_t k = 0; k < S->sc->events_n; k++) {
        int a =
            S->sc->events[k].kind == SIM_EV_ADD ? run_node_by_name(S, S->sc->events[k].arg) : -1;
        if (a >= 0)
            S->nodes[a].joiner = true;
    }
    proto_roster g;
    if (proto_roster_init(&g, S->roster.count) != 0)
        return -1;
    for (size_t k = 0; k < S->roster.count; k++) {
        const proto_member *m = &S->roster.members[k];
        int a = run_node_by_key(S, m->key);
        if (a >= 0 && S->nodes[a].joiner)
            continue;
        if (proto_roster_add(&g, m->country, strlen(m->country), m->role, m->key) != 0) {
            proto_roster_free(&g);
            return -1;
        }
    }
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    /* Issued well before any node's clock (skew is at most 5 min). */
    int rc = proto_rosterchain_genesis_encode("recnet-sim", 10, PROTO_QUORUM_MAJORITY,
                                              SIM_T0 - 3600000ull, &g, &b);
    proto_roster_free(&g);
    if (rc != 0) {
        fprintf(stderr, "recnet-sim: the genesis: %s\n", rn_strerror(rc));
        mp_buf_free(&b);
        return -1;
    }
    S->genesis = run_calloc(1, b.len);
    memcpy(S->genesis, b.data, b.len);
    S->genesis_len = b.len;
    mp_buf_free(&b);
    return 0;
}

/* The key the member that held `key` has now, by table t: `key`, or where its rotations led. */
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

/* Node i's dial list (its keys as configured) through its replica's author table. */
static void dial_map(sim *S, int i, uint8_t (*dial)[PROTO_KEY_BYTES], size_t *dial_n)
{
    snode *x = &S->nodes[i];
    const proto_authors *t = store_authors(&x->s);
    size_t n = 0;
    for (size_t k = 0; k < x->dial_n; k++) {
        const uint8_t *key = current_key(t, x->dial[k]);
        if (memcmp(key, x->pk, PROTO_KEY_BYTES) == 0 ||
            proto_roster_find(&x->s.roster, key) == NULL)
            continue;
        bool dup = false;
        for (size_t j = 0; j < n && !dup; j++)
            dup = memcmp(dial[j], key, PROTO_KEY_BYTES) == 0;
        if (!dup && n < RN_PEERS_MAX)
            memcpy(dial[n++], key, PROTO_KEY_BYTES);
    }
    *dial_n = n;
}

int gov_prepare(sim *S, int i, proto_rosterchain *ch, uint8_t (*dial)[PROTO_KEY_BYTES],
                size_t *dial_n)
{
    size_t skipped = 0;
    rn_diag d = { 0 };
    int rc = node_chain_prepare(&S->nodes[i].s, S->genesis, S->genesis_len, S->join_docs,
                                S->join_docs_n, ch, &skipped, &d);
    if (rc != 0)
        return rc;
    dial_map(S, i, dial, dial_n);
    return 0;
}

const retired_key *gov_retired(const sim *S, const uint8_t *pk)
{
    for (size_t k = S->retired_n; k-- > 0;)
        if (memcmp(S->retired[k].pk, pk, PROTO_KEY_BYTES) == 0)
            return &S->retired[k];
    return NULL;
}

static retired_key *retire(sim *S, int a, proto_rc_optype why, uint64_t issued_ms)
{
    if (S->retired_n == SIM_GOV_MAX) {
        run_fail(S, "more than %u roster changes", SIM_GOV_MAX);
        return NULL;
    }
    retired_key *r = &S->retired[S->retired_n++];
    memset(r, 0, sizeof(*r));
    const pauthor *p = &S->pub[a];
    r->node = a;
    r->why = why;
    memcpy(r->pk, S->nodes[a].pk, PROTO_KEY_BYTES);
    memcpy(r->sk, S->nodes[a].sk, PROTO_SK_BYTES);
    r->seq = p->n;
    if (p->n > 0)
        memcpy(r->id, p->e[p->n - 1].id, PROTO_ID_BYTES);
    r->issued_ms = issued_ms;
    return r;
}

/* Node a signs with its new key from now on: the old one is retired, and the simulator follows
 * the new log from its succession (note_succession, once published) on. */
static void swap_keys(sim *S, int a)
{
    snode *x = &S->nodes[a];
    retired_key *r = NULL;
    for (size_t k = S->retired_n; k-- > 0 && r == NULL;)
        if (S->retired[k].node == a && !S->retired[k].swapped)
            r = &S->retired[k];
    if (r == NULL && (r = retire(S, a, PROTO_RC_ROTATE, 0)) == NULL)
        return;
    r->swapped = true;
    uint8_t pk[PROTO_KEY_BYTES];
    crypto_sign_ed25519_sk_to_pk(pk, x->next_sk);
    memcpy(x->pk, pk, PROTO_KEY_BYTES);
    memcpy(x->sk, x->next_sk, PROTO_SK_BYTES);
    sodium_memzero(x->next_sk, sizeof(x->next_sk));
    x->has_next = false;
    x->quiet = false;
    /* by_key: insertion sort by key again */
    for (size_t k = 1; k < S->n; k++) {
        int v = S->by_key[k];
        size_t j = k;
        while (j > 0 &&
               memcmp(S->nodes[S->by_key[j - 1]].pk, S->nodes[v].pk, PROTO_KEY_BYTES) > 0) {
            S->by_key[j] = S->by_key[j - 1];
            j--;
        }
        S->by_key[j] = v;
    }
    pauthor *p = &S->pub[a];
    free(p->e);
    p->e = NULL;
    p->n = p->cap = 0;
    p->fork_seq = p->fork_at_ms = p->garble_seq = p->garble_entries = 0;
    for (size_t j = 0; j < S->n; j++) {
        snode *y = &S->nodes[j];
        y->head_seq[a] = 0;
        free(y->hop[a]);
        y->hop[a] = NULL;
        y->hop_cap[a] = 0;
    }
    S->conv_target_seq[a] = 0;
    for (size_t h = 0; h < SIM_HEALS_MAX; h++)
        S->heal_snaps[h].target_seq[a] = 0;
    obs_conv_recompute(S);
}

/* The succession node a published under its new key (node_rekey, or node_new at a restart):
 * the new log's first entry. */
static void note_succession(sim *S, int a)
{
    snode *x = &S->nodes[a];
    store_read rd;
    store_head h;
    if (run_read_plain(&x->s, &rd) != 0 || store_head_get(&rd, x->pk, &h) != 0 || h.seq != 1) {
        store_read_end(&rd);
        run_fail(S, "%s: no succession under its new key after node_rekey", x->name);
        return;
    }
    store_read_end(&rd);
    script_pub_record(S, (size_t)a, 1, h.id);
    uint32_t d = (uint32_t)a;
    run_trace(S, 'Y', &d, sizeof(d));
}

static void swap_key(sim *S, int a)
{
    swap_keys(S, a);
    note_succession(S, a);
}

bool gov_events(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (!S->sc->governed || !x->up)
        return false;
    node_roster_event re;
    bool refresh = false, called = false;
    while (node_next_roster_event(x->n, &re)) {
        uint32_t d[2] = { (uint32_t)i, (uint32_t)re.kind };
        run_trace(S, 'G', d, sizeof(d));
        if (S->opt->verbose && re.kind == NODE_RE_APPLIED)
            fprintf(S->opt->out, "  %8.3f s  %s applies roster version %llu\n",
                    (double)S->now_ms / 1000.0, x->name, (unsigned long long)re.version);
        if (re.kind == NODE_RE_SELF_RETIRED) {
            if (x->has_next) {
                rn_diag dg = { 0 };
                int rc = node_rekey(x->n, x->next_sk, run_clock(S, x), &dg);
                if (rc != 0) {
                    run_fail(S, "%s: node_rekey: %s", x->name, rn_strerror(rc));
                    return true;
                }
                swap_key(S, i);
                called = true;
            } else {
                run_push(S, S->now_ms, E_GONE, (uint32_t)i, 0, 0);
            }
        }
        if (re.kind != NODE_RE_DROPPED && re.kind != NODE_RE_EQUIVOCATED &&
            re.kind != NODE_RE_APPLIED)
            refresh = true;
    }
    if (refresh) {
        uint8_t dial[RN_PEERS_MAX][PROTO_KEY_BYTES];
        size_t n = 0;
        dial_map(S, i, dial, &n);
        node_dial_set(x->n, (const uint8_t(*)[PROTO_KEY_BYTES])dial, n, run_clock(S, x));
        called = true;
    }
    return called;
}

void gov_gone(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (!x->up || x->gone)
        return;
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  %s was removed: it stops\n", (double)S->now_ms / 1000.0,
                x->name);
    run_crash(S, i);
    x->gone = true;
}

/* The change documents, versions 2 .. the highest any node up holds, as that node holds them (as
 * `roster show --version` gives them to an operator), into S->join_docs; *src: that node, or -1.
 * Returns that version (0 when no node up holds a chain). */
static uint64_t docs_collect(sim *S, int *src)
{
    uint64_t best = 0;
    *src = -1;
    for (size_t j = 0; j < S->n; j++) {
        const snode *y = &S->nodes[j];
        const proto_rosterchain *ch = y->up ? node_roster_chain(y->n) : NULL;
        if (ch != NULL && proto_rosterchain_version(ch) > best) {
            best = proto_rosterchain_version(ch);
            *src = (int)j;
        }
    }
    if (*src < 0 || best < 2)
        return best;
    proto_str *docs = run_calloc((size_t)best, sizeof(*docs));
    size_t k = 0;
    for (uint64_t v = 2; v <= best; v++) {
        proto_str d;
        if (node_roster_document(S->nodes[*src].n, v, &d) != 0)
            continue; /* applied before its last start: the gossip brings it */
        uint8_t *p = run_calloc(1, d.len);
        memcpy(p, d.ptr, d.len);
        docs[k].ptr = p;
        docs[k++].len = d.len;
    }
    S->join_docs = docs;
    S->join_docs_n = k;
    return best;
}

static void docs_free(sim *S)
{
    for (size_t q = 0; q < S->join_docs_n; q++)
        free((void *)S->join_docs[q].ptr);
    free(S->join_docs);
    S->join_docs = NULL;
    S->join_docs_n = 0;
}

/* A node added: it starts from the genesis and the change documents as an authority that signed
 * the change holds them (as `roster show --version` gives them to its operator). */
void gov_join(sim *S, int i)
{
    int src;
    uint64_t best = docs_collect(S, &src);
    if (src < 0 || best < 2) {
        run_fail(S, "%s was added, and no node up holds the change", S->nodes[i].name);
        docs_free(S);
        return;
    }
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  %s starts from version %llu as %s holds it\n",
                (double)S->now_ms / 1000.0, S->nodes[i].name, (unsigned long long)best,
                S->nodes[src].name);
    if (run_join(S, i) != 0)
        run_fail(S, "%s: cannot start once added to the roster", S->nodes[i].name);
    docs_free(S);
}

bool gov_restart_begin(sim *S, int i)
{
    snode *x = &S->nodes[i];
    if (!S->sc->governed || !x->has_next)
        return false;
    int src;
    uint64_t best = docs_collect(S, &src);
    const proto_rosterchain *ch = src >= 0 ? node_roster_chain(S->nodes[src].n) : NULL;
    if (best < 2 || ch == NULL || proto_roster_find(&ch->current, x->pk) != NULL) {
        docs_free(S); /* not in force where anyone sees it: it learns as the others do */
        return false;
    }
    if (S->opt->verbose)
        fprintf(S->opt->out,
                "  %8.3f s  %s restarts with its new key, from version %llu as %s holds it\n",
                (double)S->now_ms / 1000.0, x->name, (unsigned long long)best, S->nodes[src].name);
    swap_keys(S, i);
    return true;
}

void gov_restart_end(sim *S, int i, bool started)
{
    if (started)
        note_succession(S, i);
    docs_free(S);
}

static uint64_t version_of(const snode *x)
{
    const proto_rosterchain *ch = x->up ? node_roster_chain(x->n) : NULL;
    return ch != NULL ? proto_rosterchain_version(ch) : 0;
}

/* An authority that may sign for the roster: up, not leaving, not `but`. */
static bool signer_ok(const sim *S, size_t j, int but)
{
    const snode *y = &S->nodes[j];
    return j < S->a && (int)j != but && y->up && !y->quiet && !y->gone;
}

static void drive_done(sim *S, gov_drive *g);

void gov_on_event(sim *S, size_t evi)
{
    const sim_event *e = &S->sc->events[evi];
    if (!S->sc->governed) {
        run_fail(S, "%s: a roster change needs 'roster governed'", e->where);
        return;
    }
    int a = run_authority(S, e);
    if (a < 0)
        return;
    if (S->nodes[a].gone || S->nodes[a].quiet) {
        run_fail(S, "%s: %s is leaving the roster already", e->where, e->arg);
        return;
    }
    if ((e->kind == SIM_EV_ADD) != S->nodes[a].joiner) {
        run_fail(S, "%s: %s is a member already", e->where, e->arg);
        return;
    }
    int p = a;
    if (e->kind != SIM_EV_ROTATE) {
        p = -1;
        if (e->arg2[0] != '\0') {
            p = run_node_by_name(S, e->arg2);
            if (p < 0 || !signer_ok(S, (size_t)p, a)) {
                run_fail(S, "%s: %s cannot propose (an authority up, not the one changed)",
                         e->where, e->arg2);
                return;
            }
        }
        for (size_t j = 0; j < S->a && p < 0; j++)
            if (signer_ok(S, j, a))
                p = (int)j;
    }
    if (p < 0 || !S->nodes[p].up) {
        run_fail(S, "%s: no authority up to propose the change", e->where);
        return;
    }
    if (version_of(&S->nodes[p]) != 1 + S->drives_n) {
        /* The change before is not in force at the proposer yet: as an operator would, wait. */
        run_push(S, S->now_ms + 500, E_SCRIPT, (uint32_t)evi, 0, 0);
        return;
    }
    if (S->drives_n == SIM_GOV_MAX) {
        run_fail(S, "%s: more than %u roster changes", e->where, SIM_GOV_MAX);
        return;
    }
    snode *x = &S->nodes[a], *px = &S->nodes[p];
    proto_rc_change *c = run_calloc(1, sizeof(*c));
    c->ops_n = 1;
    proto_rc_op *op = &c->ops[0];
    memcpy(op->key, x->pk, PROTO_KEY_BYTES);
    uint64_t now = run_clock(S, px), tnow = x->up ? run_clock(S, x) : now;
    uint64_t issued = now > tnow ? now : tnow;
    if (e->kind == SIM_EV_ADD) {
        op->type = PROTO_RC_ADD;
        op->role = PROTO_ROLE_AUTHORITY;
        memcpy(op->country, x->name, 3);
    } else if (e->kind == SIM_EV_REMOVE) {
        op->type = PROTO_RC_REMOVE;
        (void)retire(S, a, PROTO_RC_REMOVE, issued);
    } else {
        uint8_t pk[PROTO_KEY_BYTES];
        key_from_seed(S->sc->seed, ((uint64_t)a << 8) + S->drives_n, pk, x->next_sk);
        x->has_next = true;
        memcpy(op->new_key, pk, PROTO_KEY_BYTES);
        if (e->kind == SIM_EV_COMPROMISE) {
            op->type = PROTO_RC_ROTATE_COMPROMISED;
            const pauthor *pa = &S->pub[a];
            op->last_seq = pa->n;
            if (pa->n > 0)
                memcpy(op->last_id, pa->e[pa->n - 1].id, PROTO_ID_BYTES);
            (void)retire(S, a, PROTO_RC_ROTATE_COMPROMISED, issued);
        } else {
            op->type = PROTO_RC_ROTATE;
        }
    }
    x->quiet = e->kind != SIM_EV_ADD;
    node_rc_result res;
    rn_diag d = { 0 };
    int rc = node_roster_propose(px->n, c, issued, now, &res, &d);
    free(c);
    if (rc != 0) {
        run_fail(S, "%s: node_roster_propose on %s: %s (%s)", e->where, px->name, rn_strerror(rc),
                 d.field ? d.field : "");
        return;
    }
    script_pub_record(S, (size_t)p, res.seq, res.id);
    gov_drive *g = &S->drives[S->drives_n++];
    memset(g, 0, sizeof(*g));
    g->evi = evi;
    memcpy(g->hash, res.hash, PROTO_ID_BYTES);
    g->version = res.version;
    g->proposer = p;
    g->target = a;
    g->approved[p] = true;
    if (res.applied)
        drive_done(S, g);
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  %s proposes roster version %llu (%u of %u)\n",
                (double)S->now_ms / 1000.0, px->name, (unsigned long long)res.version, res.valid,
                res.need);
    run_settle(S, p, -1);
    if (!g->done)
        run_push(S, S->now_ms + 500, E_GOV, (uint32_t)(S->drives_n - 1), 0, 0);
}

/* The change is in force where an authority that signed it sees it; the others follow by gossip.
 * A removed authority's operator stops its node then (its peers refuse it from now on, so it may
 * never hear of the change itself). */
static void drive_done(sim *S, gov_drive *g)
{
    g->done = true;
    if (S->sc->events[g->evi].kind == SIM_EV_REMOVE)
        run_push(S, S->now_ms, E_GONE, (uint32_t)g->target, 0, 0);
    else if (S->sc->events[g->evi].kind == SIM_EV_ADD)
        run_push(S, S->now_ms, E_JOIN, (uint32_t)g->target, 0, 0);
}

void gov_step(sim *S, size_t di)
{
    gov_drive *g = &S->drives[di];
    if (g->done)
        return;
    if (version_of(&S->nodes[g->proposer]) >= g->version) {
        drive_done(S, g);
        return;
    }
    for (size_t j = 0; j < S->a && !g->done && !S->failed; j++) {
        snode *y = &S->nodes[j];
        if (!signer_ok(S, j, g->target) || g->approved[j])
            continue;
        if (version_of(y) >= g->version) {
            drive_done(S, g);
            break;
        }
        node_rc_pending pend[RN_ROSTER_PENDING_MAX];
        size_t k = node_roster_pending(y->n, pend, RN_ROSTER_PENDING_MAX);
        bool holds = false;
        for (size_t q = 0; q < k && q < RN_ROSTER_PENDING_MAX && !holds; q++)
            holds = memcmp(pend[q].hash, g->hash, PROTO_ID_BYTES) == 0;
        if (!holds)
            continue; /* not reached it yet (a partition): at the next step */
        node_rc_result res;
        rn_diag d = { 0 };
        int rc = node_roster_approve(y->n, g->hash, PROTO_ID_BYTES, run_clock(S, y), &res, &d);
        if (rc != 0) {
            run_fail(S, "%s: node_roster_approve of version %llu: %s (%s)", y->name,
                     (unsigned long long)g->version, rn_strerror(rc), d.field ? d.field : "");
            return;
        }
        g->approved[j] = true;
        script_pub_record(S, j, res.seq, res.id);
        if (S->opt->verbose)
            fprintf(S->opt->out, "  %8.3f s  %s approves roster version %llu (%u of %u)\n",
                    (double)S->now_ms / 1000.0, y->name, (unsigned long long)g->version, res.valid,
                    res.need);
        if (res.applied)
            drive_done(S, g);
        run_settle(S, (int)j, -1);
    }
    if (!g->done && !S->failed)
        run_push(S, S->now_ms + 500, E_GOV, (uint32_t)di, 0, 0);
}

void gov_rogue_entries(sim *S, size_t evi, uint8_t **msg, size_t *msg_len)
{
    const sim_event *e = &S->sc->events[evi];
    int a = run_node_by_name(S, e->arg);
    const retired_key *r = NULL;
    for (size_t k = S->retired_n; k-- > 0 && r == NULL;)
        if (S->retired[k].node == a && S->retired[k].why != PROTO_RC_ROTATE)
            r = &S->retired[k];
    *msg = NULL;
    *msg_len = 0;
    if (r == NULL) {
        run_fail(S, "%s: %s has no key removed or replaced as compromised", e->where, e->arg);
        return;
    }
    sim_wl w = S->pub[a].wl;
    w.providers += 3000 + (uint32_t)S->rogue_n;
    proto_kind k;
    char spec_id[64];
    int rc = sim_wl_body(&w, PROTO_KIND_PROVIDER, 0, &S->specs, S->issuer_pk, NULL, &S->body, &k,
                         spec_id);
    RN_ASSERT(rc == 0);
    uint64_t ts = run_clock(S, &S->nodes[0]);
    if (ts <= r->issued_ms)
        ts = r->issued_ms + 1;
    proto_entry_draft dr = { .seq = r->seq + 1,
                             .prev = r->seq > 0 ? r->id : NULL,
                             .timestamp_ms = ts,
                             .kind = PROTO_KIND_PROVIDER,
                             .body = S->body.data,
                             .body_len = S->body.len };
    uint8_t entry[RN_ENTRY_BYTES_MAX];
    size_t len = 0;
    rc = proto_entry_sign(&dr, r->sk, entry, sizeof(entry), &len);
    RN_ASSERT(rc == 0);
    run_grow((void **)&S->rogue, &S->rogue_cap, S->rogue_n + 1, sizeof(*S->rogue));
    run_grow((void **)&S->rogue_node, &S->rogue_node_cap, S->rogue_n + 1, sizeof(int));
    S->rogue_node[S->rogue_n] = a;
    proto_entry_id(entry, len, S->rogue[S->rogue_n++]);
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    proto_msg_entries_begin(&m, 1);
    mp_put_bin(&m, entry, len);
    RN_ASSERT(mp_buf_err(&m) == 0);
    *msg = run_calloc(1, m.len);
    memcpy(*msg, m.data, m.len);
    *msg_len = m.len;
    mp_buf_free(&m);
}

/* ---- Checkpoints ---- */

/* Reads every node's own checkpoints (the newest few, with the cosignatures collected) and notes
 * each cosignature of the head of an author who forked at its fork's seq: no witness may have
 * cosigned two different entries there. Called every quarter second while checkpoints are on,
 * since a node keeps only its newest checkpoints. */
void gov_scan_checkpoints(sim *S)
{
    proto_checkpoint *cp = NULL;
    for (size_t j = 0; j < S->n && !S->failed; j++) {
        snode *x = &S->nodes[j];
        if (!x->up)
            continue;
        proto_str out[STORE_CHECKPOINTS_OWN_MAX];
        size_t k = node_checkpoints(x->n, out, STORE_CHECKPOINTS_OWN_MAX);
        for (size_t q = 0; q < k && q < STORE_CHECKPOINTS_OWN_MAX && !S->failed; q++) {
            rn_diag d = { 0 };
            if (cp == NULL)
                cp = run_calloc(1, sizeof(*cp));
            if (proto_checkpoint_decode(cp, out[q].ptr, out[q].len, &d) != 0) {
                run_fail(S, "%s keeps a checkpoint that does not decode", x->name);
                break;
            }
            for (size_t a = 0; a < S->a && !S->failed; a++) {
                const pauthor *p = &S->pub[a];
                const proto_cp_head *h =
                    p->fork_seq != 0 ? proto_checkpoint_head(cp, S->nodes[a].pk) : NULL;
                if (h == NULL || h->seq != p->fork_seq)
                    continue;
                for (uint32_t c = 0; c < cp->cosigs_n && !S->failed; c++) {
                    bool known = false;
                    for (size_t u = 0; u < S->cosig_n && !known; u++) {
                        cosig_seen *v = &S->cosig[u];
                        if (memcmp(v->witness, cp->cosigs[c].witness, PROTO_KEY_BYTES) != 0 ||
                            v->author != a)
                            continue;
                        if (memcmp(v->id, h->id, PROTO_ID_BYTES) == 0) {
                            known = true;
                        } else {
                            int w = run_node_by_key(S, cp->cosigs[c].witness);
                            run_fail(S, "%s cosigned two entries of %s at seq %llu",
                                     w >= 0 ? S->nodes[w].name : "a witness", S->nodes[a].name,
                                     (unsigned long long)h->seq);
                            known = true;
                        }
                    }
                    if (known)
                        continue;
                    run_grow((void **)&S->cosig, &S->cosig_cap, S->cosig_n + 1, sizeof(*S->cosig));
                    cosig_seen *v = &S->cosig[S->cosig_n++];
                    memcpy(v->witness, cp->cosigs[c].witness, PROTO_KEY_BYTES);
                    v->author = a;
                    memcpy(v->id, h->id, PROTO_ID_BYTES);
                }
            }
        }
    }
    free(cp);
    if (!S->finished && !S->failed)
        run_push(S, S->now_ms + 250, E_CKPT, 0, 0, 0);
}

/* After a split view: some witness refused a checkpoint for it, and every evidence kept against
 * that author names its fork's seq with two different ids. (Figures per side, the nodes holding
 * the author's own entry at that seq and those holding the other, with -v.) */
static void check_split_view(sim *S)
{
    for (size_t a = 0; a < S->a && !S->failed; a++) {
        const pauthor *p = &S->pub[a];
        if (p->fork_seq == 0)
            continue;
        uint64_t side_refusals[2] = { 0, 0 };
        size_t side_nodes[2] = { 0, 0 };
        for (size_t j = 0; j < S->n && !S->failed; j++) {
            snode *x = &S->nodes[j];
            if (!x->up || (size_t)j == a)
                continue;
            store_read r;
            proto_str e;
            uint8_t id[PROTO_ID_BYTES];
            if (store_query_begin(&x->s, &r) != 0) {
                run_fail(S, "%s: store_query_begin failed", x->name);
                return;
            }
            int rc = store_entry_get(&r, S->nodes[a].pk, p->fork_seq, &e);
            if (rc == 0)
                proto_entry_id(e.ptr, e.len, id);
            store_read_end(&r);
            if (rc != 0)
                continue;
            int side = memcmp(id, p->e[p->fork_seq - 1].id, PROTO_ID_BYTES) == 0 ? 0 : 1;
            uint64_t cnt = node_witness_evidence_count(x->n);
            side_nodes[side]++;
            side_refusals[side] += cnt;
            const node_witness_evidence *wev;
            size_t k = node_witness_evidence_get(x->n, &wev);
            for (size_t q = 0; q < k && !S->failed; q++)
                if (memcmp(wev[q].author, S->nodes[a].pk, PROTO_KEY_BYTES) == 0 &&
                    (wev[q].seq != p->fork_seq ||
                     memcmp(wev[q].shown, wev[q].held, PROTO_ID_BYTES) == 0))
                    run_fail(S, "%s keeps evidence against %s at seq %llu, not its fork at %llu",
                             x->name, S->nodes[a].name, (unsigned long long)wev[q].seq,
                             (unsigned long long)p->fork_seq);
        }
        if (S->opt->verbose)
            fprintf(S->opt->out,
                    "  %8.3f s  split view of %s: %zu nodes hold its entry, %zu the other; "
                    "witness refusals %llu and %llu\n",
                    (double)S->now_ms / 1000.0, S->nodes[a].name, side_nodes[0], side_nodes[1],
                    (unsigned long long)side_refusals[0], (unsigned long long)side_refusals[1]);
        /* One side that refuses is enough: the fork it then records reaches the other side as
         * evidence, whose nodes may never have to refuse anything. */
        if (!S->failed && side_refusals[0] + side_refusals[1] == 0)
            run_fail(S, "a split view of %s: no witness refused a checkpoint for it",
                     S->nodes[a].name);
    }
}

/* ---- Final checks ---- */

void gov_check_final(sim *S)
{
    if (S->sc->checkpoint_ms > 0) {
        gov_scan_checkpoints(S);
        check_split_view(S);
    }
    if (!S->sc->governed || S->failed)
        return;
    const proto_rosterchain *ref = NULL;
    const char *ref_name = "";
    for (size_t d = 0; d < S->drives_n; d++)
        if (!S->drives[d].done)
            run_fail(S, "%s: the roster change never reached its quorum",
                     S->sc->events[S->drives[d].evi].where);
    for (size_t j = 0; j < S->n && !S->failed; j++) {
        snode *x = &S->nodes[j];
        if (x->gone || x->joiner)
            continue;
        const proto_rosterchain *ch = node_roster_chain(x->n);
        uint64_t v = proto_rosterchain_version(ch);
        if (v != 1 + S->drives_n) {
            run_fail(S, "%s ends on roster version %llu, not %zu", x->name, (unsigned long long)v,
                     1 + S->drives_n);
            break;
        }
        if (ref == NULL) {
            ref = ch;
            ref_name = x->name;
        } else if (memcmp(ch->versions[v - 1].hash, ref->versions[v - 1].hash, PROTO_ID_BYTES) !=
                   0) {
            run_fail(S, "%s and %s end on different chain heads at version %llu", x->name, ref_name,
                     (unsigned long long)v);
            break;
        }
        store_read r;
        if (store_query_begin(&x->s, &r) != 0) {
            run_fail(S, "%s: store_query_begin failed", x->name);
            break;
        }
        for (size_t k = 0; k < S->retired_n && !S->failed; k++) {
            const retired_key *rk = &S->retired[k];
            store_head h;
            memset(&h, 0, sizeof(h));
            int rc = store_head_get(&r, rk->pk, &h);
            if (rc != 0 && rc != RN_ENOTFOUND) {
                run_fail(S, "%s: cannot read its head of %s's old key", x->name,
                         S->nodes[rk->node].name);
            } else if (rk->why != PROTO_RC_REMOVE &&
                       (h.seq != rk->seq ||
                        (rk->seq > 0 && memcmp(h.id, rk->id, PROTO_ID_BYTES) != 0))) {
                run_fail(S, "%s holds %s's retired key up to %llu, not its last entry %llu",
                         x->name, S->nodes[rk->node].name, (unsigned long long)h.seq,
                         (unsigned long long)rk->seq);
            } else if (rk->why == PROTO_RC_REMOVE && h.seq > 0 && h.timestamp_ms > rk->issued_ms) {
                run_fail(S, "%s holds an entry of %s stamped after its removal", x->name,
                         S->nodes[rk->node].name);
            }
        }
        for (size_t k = 0; k < S->rogue_n && !S->failed; k++) {
            uint8_t author[PROTO_KEY_BYTES];
            uint64_t seq;
            if (store_entry_find(&r, S->rogue[k], author, &seq) != RN_ENOTFOUND)
                run_fail(S, "%s accepted an entry of %s's retired key past its cut (seq %llu)",
                         x->name, S->nodes[S->rogue_node[k]].name, (unsigned long long)seq);
        }
        store_read_end(&r);
    }
}
