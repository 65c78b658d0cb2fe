/*
 * evil.c: misbehaving peers, and the directives that make them (simnet/README.md).
 *
 * Misbehaving peers are "evil" endpoints: the simulator holds the keys of extra roster members
 * (mirrors, one per directive), runs the real handshake (proto/wire.h) with them, and then sends
 * what the directive says: an authority's second entry at a seq (equivocation; the authority's
 * own key signs it, the endpoint only carries it), an entry whose signature is forged, a frame of
 * random ciphertext, a frame length past the bound, random bytes instead of the handshake, or a
 * run of an authority's next entries whose own signatures are garbage but for the last (the
 * authority publishes it: its key signs the last one and the links; it gets its entries back from
 * peers). These close EVIL_LINGER_MS after their send. Hostile members (liar-heads, want-loop,
 * PROTOCOL.md 11.5 and 11.6) stay connected and act over time until the end of the run.
 *
 * An endpoint never relays and never answers a PING; its connection is never partitioned from its
 * target. Whether the target disconnected it is checked at the end (check.c).
 */
#include <stdlib.h>
#include <string.h>

#include "proto/record.h"
#include "simnet/run.h"

#define EVIL_LINGER_MS 1000u /* an evil endpoint closes this long after its last send */

static void evil_read_ack(sim *S, evil *e, const uint8_t *p, size_t len);

/* Hostile members: endpoints that stay connected and act over time (not closed after a send). */
bool evil_persistent(sim_ev_kind k)
{
    return k == SIM_EV_LIAR_HEADS || k == SIM_EV_WANT_LOOP;
}

bool evil_misbehaviour(sim_ev_kind k)
{
    return k == SIM_EV_EQUIVOCATE || k == SIM_EV_FORGE || k == SIM_EV_GARBAGE ||
           k == SIM_EV_OVERSIZE || k == SIM_EV_JUNK || k == SIM_EV_GARBLE || k == SIM_EV_ROGUE ||
           evil_persistent(k);
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
        uint8_t *frame = run_calloc(1, cap);
        int rc = proto_frame_seal(&e->st, e->payload, e->payload_len, frame, cap, &len);
        RN_ASSERT(rc == 0);
        evil_send_raw(S, e, frame, len);
        free(frame);
    }
    run_push(S, S->now_ms + EVIL_LINGER_MS, E_EVIL_CLOSE, (uint32_t)(e - S->evils), 0, 0);
}

void evil_connected(sim *S, evil *e)
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

void evil_fin(sim *S, evil *e)
{
    (void)S;
    if (e->state != EV_DONE) {
        e->state = EV_DONE;
        proto_hs_wipe(&e->hs);
    }
}

void evil_input(sim *S, evil *e, const uint8_t *p, size_t len)
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
                run_fail(S, "an evil endpoint could not complete its handshake with %s",
                         S->nodes[e->target].name);
                e->state = EV_DONE;
                return;
            }
            evil_send_raw(S, e, m3, l3);
            e->state = EV_M4;
        } else {
            uint8_t tx[32], rx[32], hdr[PROTO_STREAM_HEADER_BYTES];
            if (proto_hs_read(&e->hs, e->buf, PROTO_HS_M4_BYTES) != 0) {
                run_fail(S, "an evil endpoint was refused M4 by %s", S->nodes[e->target].name);
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
            if (evil_persistent(e->kind))
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
    uint8_t *frame = run_calloc(1, cap);
    int rc = proto_frame_seal(&e->st, m->data, m->len, frame, cap, &len);
    RN_ASSERT(rc == 0);
    evil_send_raw(S, e, frame, len);
    free(frame);
}

/* The next step of a persistent endpoint, then the one after. A liar sends its HEADS once, then
 * a duplicate of the author's entry 1 every 2 s (taken from the author's replica, or skipped
 * while it is down); a want-loop sends WANT [author, 1, 2^53 - 1] every 100 ms. */
void evil_act(sim *S, evil *e)
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
            if (run_read_plain((store *)&au->s, &r) == 0) {
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
    run_push(S, S->now_ms + next, E_EVIL_ACT, (uint32_t)(e - S->evils), 0, 0);
}

/* A want-loop's bytes from its target: every whole frame opened, each ENTRIES acknowledged. */
static void evil_read_ack(sim *S, evil *e, const uint8_t *p, size_t len)
{
    static proto_msg msg;
    static uint8_t plain[RN_FRAME_BYTES_MAX];
    run_grow((void **)&e->rx, &e->rx_cap, e->rx_len + len, 1);
    memcpy(e->rx + e->rx_len, p, len);
    e->rx_len += len;
    size_t off = 0;
    while (e->rx_len - off >= 4) {
        int64_t ct = proto_frame_len(e->rx + off);
        if (ct < 0) {
            run_fail(S, "%s sent a misbehaving peer a bad frame length", S->nodes[e->target].name);
            return;
        }
        if (e->rx_len - off < 4 + (size_t)ct)
            break;
        size_t plen = 0;
        int rc = proto_frame_open(&e->st, e->rx + off + 4, (size_t)ct, plain, sizeof(plain), &plen);
        off += 4 + (size_t)ct;
        if (rc != 0 || proto_msg_decode(&msg, plain, plen, NULL) != 0) {
            run_fail(S, "%s sent a misbehaving peer a frame it cannot read",
                     S->nodes[e->target].name);
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
    run_grow((void **)&S->evils, &S->evils_cap, S->evils_n + 1, sizeof(*S->evils));
    evil *e = &S->evils[S->evils_n];
    memset(e, 0, sizeof(*e));
    e->kind = kind;
    e->member = S->event_member[evi];
    e->target = target;
    e->vc = net_vconn_new(S, (int)S->evils_n, END_EVIL, target, END_NODE);
    S->evils_n++;
    if (kind != SIM_EV_JUNK) {
        uint8_t seed[32];
        net_eph_seed(S, seed);
        int rc = proto_hs_init(&e->hs, PROTO_HS_INITIATOR, S->netkey, S->evil_sk[e->member],
                               S->nodes[target].pk, seed);
        RN_ASSERT(rc == 0);
    }
    if (S->nodes[target].up)
        run_push(S, S->now_ms + S->vcs[e->vc]->lat_ms, E_ACCEPT, (uint32_t)e->vc, 0, 0);
    else
        e->state = EV_DONE;
    return e;
}

void evil_close(sim *S, evil *e)
{
    vconn *v = S->vcs[e->vc];
    if (v->open[0])
        net_close(S, e->vc, 0);
    if (e->state != EV_DONE)
        evil_fin(S, e);
}

/* ---- Misbehaviour directives ---- */

/* Targets of a misbehaviour event: its group, or a random half of the nodes but `not`. */
static bool *targets(sim *S, const sim_event *e, int not )
{
    bool *mark = run_calloc(S->n, sizeof(bool));
    if (e->arg2[0] != '\0') {
        if (run_group(S, e->arg2, mark, NULL) != 0) {
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
                             .timestamp_ms = run_clock(S, &S->nodes[a]),
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
    *out = run_calloc(1, m.len);
    memcpy(*out, m.data, m.len);
    *out_len = m.len;
    mp_buf_free(&m);
}

/* Evil endpoints to the targets of event evi, ahead of an equivocation. */
void evil_on_prep(sim *S, size_t evi)
{
    const sim_event *e = &S->sc->events[evi];
    int a = run_authority(S, e);
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

void evil_equivocate(sim *S, size_t evi)
{
    const sim_event *sev = &S->sc->events[evi];
    int a = run_authority(S, sev);
    if (a < 0)
        return;
    if (!S->nodes[a].up) {
        run_fail(S, "%s: %s must be up to equivocate", sev->where, sev->arg);
        return;
    }
    uint8_t alt[RN_ENTRY_BYTES_MAX];
    size_t len = sign_next(S, (size_t)a, "equivocation", alt, sizeof(alt));
    uint64_t seq = S->pub[a].n + 1;
    /* The other entry at that seq: the authority's own, published and pushed now. */
    if (script_publish(S, (size_t)a, PROTO_KIND_SPEC, NULL) != 0)
        return;
    S->pub[a].fork_seq = seq;
    S->pub[a].fork_at_ms = S->now_ms;
    uint8_t *msg;
    size_t msg_len;
    entries_msg(alt, len, &msg, &msg_len);
    for (size_t k = 0; k < S->evils_n; k++) {
        evil *e = &S->evils[k];
        if (e->kind != SIM_EV_EQUIVOCATE || e->member != S->event_member[evi] || e->armed)
            continue;
        e->payload = run_calloc(1, msg_len);
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
    uint8_t *entries = run_calloc(RN_BATCH_ENTRIES_MAX, RN_ENTRY_BYTES_MAX / 16);
    size_t *lens = run_calloc(RN_BATCH_ENTRIES_MAX, sizeof(size_t));
    size_t n = 0, bytes = 0, slot = RN_ENTRY_BYTES_MAX / 16;
    uint8_t prev[PROTO_ID_BYTES];
    uint64_t first = p->n + 1, ts = run_clock(S, &S->nodes[a]);
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
        script_pub_record(S, a, first + i, prev);
    }
    p->garble_seq = first;
    p->garble_entries = n;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    proto_msg_entries_begin(&m, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        mp_put_bin(&m, entries + i * slot, lens[i]);
    RN_ASSERT(mp_buf_err(&m) == 0);
    *out = run_calloc(1, m.len);
    memcpy(*out, m.data, m.len);
    *out_len = m.len;
    mp_buf_free(&m);
    free(entries);
    free(lens);
}

void evil_misbehave(sim *S, size_t evi)
{
    const sim_event *sev = &S->sc->events[evi];
    int a = -1;
    uint8_t entry[RN_ENTRY_BYTES_MAX];
    uint8_t *msg = NULL;
    size_t msg_len = 0;
    if (evil_persistent(sev->kind)) {
        if ((a = run_authority(S, sev)) < 0)
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
        if ((a = run_authority(S, sev)) < 0)
            return;
        size_t len = sign_next(S, (size_t)a, "forged", entry, sizeof(entry));
        entry[len - 1] ^= 0x01; /* the signature's last byte: forged */
        run_grow((void **)&S->forged, &S->forged_cap, S->forged_n + 1, sizeof(*S->forged));
        proto_entry_id(entry, len, S->forged[S->forged_n++]);
        entries_msg(entry, len, &msg, &msg_len);
    } else if (sev->kind == SIM_EV_GARBLE) {
        if ((a = run_authority(S, sev)) < 0)
            return;
        garble_run(S, (size_t)a, &msg, &msg_len);
    } else if (sev->kind == SIM_EV_ROGUE) {
        if ((a = run_authority(S, sev)) < 0)
            return;
        gov_rogue_entries(S, evi, &msg, &msg_len);
        if (msg == NULL)
            return;
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
        case SIM_EV_ROGUE:
            e->payload = run_calloc(1, msg_len);
            memcpy(e->payload, msg, msg_len);
            e->payload_len = msg_len;
            break;
        case SIM_EV_GARBAGE:
            e->raw = true;
            e->payload_len = 4 + 40;
            e->payload = run_calloc(1, e->payload_len);
            e->payload[3] = 40;
            for (size_t k = 4; k < e->payload_len; k++)
                e->payload[k] = (uint8_t)rng_next(&S->net);
            break;
        case SIM_EV_OVERSIZE:
            e->raw = true;
            e->payload_len = 4;
            e->payload = run_calloc(1, 4);
            memcpy(e->payload, (const uint8_t[]){ 0x7f, 0xff, 0xff, 0xff }, 4);
            break;
        default: /* SIM_EV_JUNK */
            e->raw = true;
            e->payload_len = 300;
            e->payload = run_calloc(1, e->payload_len);
            for (size_t k = 0; k < e->payload_len; k++)
                e->payload[k] = (uint8_t)rng_next(&S->net);
            break;
        }
        e->armed = true;
    }
    free(mark);
    free(msg);
}