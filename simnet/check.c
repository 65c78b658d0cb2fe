/*
 * check.c: the checks of a run (simnet/README.md, "The checks").
 *
 * After every heal (once `settle` has passed) and at the end, each replica is checked against
 * what the authorities acknowledged: store_check passes, every acknowledged entry is held with
 * the id its author gave it, every fork made before is detected with evidence, no forged entry is
 * held. At the end, the same recognise questions asked of every node get the same answers, every
 * misbehaving peer that was heard was disconnected, and a garbled run is flagged everywhere with
 * its evidence. Expectations on answers (`expect recognise`, `expect stack`) are asked of each
 * node at their time, from its own replica and as of its own clock. Expectations on figures are
 * the report's (report.c). A check that fails records the run's failure (run_fail) and the run
 * stops.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codes.h"
#include "simnet/run.h"
#include "store/query.h"

/* ---- Checks ---- */

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
        run_fail(S, "%s: store_check: %s", x->name, rn_strerror(rc));
        return;
    }
    store_read r;
    if ((rc = store_query_begin(&x->s, &r)) != 0) {
        run_fail(S, "%s: store_query_begin: %s", x->name, rn_strerror(rc));
        return;
    }
    for (size_t a = 0; a < S->a && !S->failed; a++) {
        const pauthor *p = &S->pub[a];
        store_head h;
        if (head_of(S, &r, a, &h) != 0) {
            run_fail(S, "%s: cannot read its head of %s", x->name, S->nodes[a].name);
            break;
        }
        bool forked = (h.flags & STORE_HEAD_FORKED) != 0;
        if (p->fork_seq != 0 && p->fork_at_ms <= fork_before) {
            uint64_t fseq;
            proto_str ea, eb;
            if (!forked)
                run_fail(S, "%s has not detected the fork of %s at seq %llu", x->name,
                         S->nodes[a].name, (unsigned long long)p->fork_seq);
            else if (store_fork_get(&r, S->nodes[a].pk, &fseq, &ea, &eb) != 0 ||
                     fseq != p->fork_seq)
                run_fail(S, "%s flags %s as forked without evidence at seq %llu", x->name,
                         S->nodes[a].name, (unsigned long long)p->fork_seq);
        } else if (forked && p->fork_seq == 0) {
            run_fail(S, "%s flags %s as forked, which never equivocated", x->name,
                     S->nodes[a].name);
        }
        uint64_t want = final ? p->n : target[a];
        if (p->fork_seq != 0 && want >= p->fork_seq)
            want = p->fork_seq - 1; /* past the fork each node keeps its branch */
        if (want == 0)
            continue;
        if (h.seq < want || !id_at(&r, S->nodes[a].pk, want, p->e[want - 1].id))
            run_fail(S, "%s lacks %s's acknowledged entry %llu (holds %llu)", x->name,
                     S->nodes[a].name, (unsigned long long)want, (unsigned long long)h.seq);
        else if (final && p->fork_seq == 0 && h.seq != p->n)
            run_fail(S, "%s holds %s up to %llu, past the %zu acknowledged", x->name,
                     S->nodes[a].name, (unsigned long long)h.seq, p->n);
    }
    for (size_t k = 0; k < S->forged_n && !S->failed; k++) {
        uint8_t author[PROTO_KEY_BYTES];
        uint64_t seq;
        if (store_entry_find(&r, S->forged[k], author, &seq) != RN_ENOTFOUND)
            run_fail(S, "%s accepted a forged entry (seq %llu)", x->name, (unsigned long long)seq);
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
        int p = run_node_by_key(S, info[k].key);
        fprintf(S->opt->out,
                "    %-6s %s%s behind %llu, eager for %u authors, unacked %llu, next dial "
                "%lld ms\n",
                p >= 0 ? S->nodes[p].name : "?", info[k].connected ? "connected" : "down",
                info[k].outgoing ? " (out)" : "", (unsigned long long)info[k].entries_behind,
                info[k].eager_authors, (unsigned long long)info[k].unacked_bytes,
                info[k].next_dial_ms
                    ? (long long)(info[k].next_dial_ms - run_clock(S, &S->nodes[j]))
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
                run_fail(S, "%s: store_query_begin failed", S->nodes[i].name);
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
                run_fail(S, "recognise(%s, %s, %u): %s answers %s/%u/%s, %s answers %s/%u/%s", spec,
                         cc, purpose, S->nodes[ref_node].name, ref_rc ? rn_err_name(ref_rc) : "ok",
                         ref.result, ref.basis_id, S->nodes[i].name, rc ? rn_err_name(rc) : "ok",
                         ans.result, ans.basis_id);
        }
    }
}

/* An expectation on answers (checked at its time), not on figures (checked at the end). */
bool check_is_answer(const sim_expect *e)
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
        query_recognise(r, proto_str_c(e->spec), e->country, e->purpose, run_clock(S, x), &q, NULL);
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
    query_stack_result *q = run_calloc(1, sizeof(*q));
    int rc = query_stack(r, e->country, proto_str_c(e->spec), ids, n, run_clock(S, x), q);
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
void check_expect(sim *S, size_t k)
{
    const sim_expect *e = &S->sc->expects[k];
    bool *mark = run_calloc(S->n, sizeof(bool));
    if (e->group[0] == '\0') {
        for (size_t i = 0; i < S->n; i++)
            mark[i] = true;
    } else if (run_group(S, e->group, mark, NULL) != 0) {
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
            run_fail(S, "%s: store_query_begin failed", x->name);
            break;
        }
        char ans[QUERY_ID_CAP + 64];
        bool ok = e->what == SIM_EXPECT_STACK ? answer_stack(S, x, e, &r, ans, sizeof(ans))
                                              : answer_recognise(S, x, e, &r, ans, sizeof(ans));
        store_read_end(&r);
        asked++;
        S->expect_answers++;
        if (!ok)
            run_fail(S, "%s: %s: %s answers %s", e->where, e->text, x->name, ans);
    }
    if (!S->failed && asked == 0)
        run_fail(S, "%s: %s: no node of the group is up to answer", e->where, e->text);
    if (!S->failed && S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  %s: %s: %zu of %zu nodes answer so\n",
                (double)S->now_ms / 1000.0, e->where, e->text, asked, named);
    free(mark);
}

/* Misbehaving peers that were heard must have been disconnected by their target. */
static void check_evils(sim *S)
{
    for (size_t k = 0; k < S->evils_n && !S->failed; k++) {
        const evil *e = &S->evils[k];
        const vconn *v = S->vcs[e->vc];
        if (e->kind == SIM_EV_EQUIVOCATE || e->kind == SIM_EV_ROGUE || evil_persistent(e->kind) ||
            !e->sent || !e->target_was_up || S->nodes[e->target].inc != v->inc[1])
            continue;
        if (e->kind == SIM_EV_GARBLE && e->closed_by_target)
            run_fail(S, "%s disconnected a peer that sent it an authentic run",
                     S->nodes[e->target].name);
        else if (e->kind != SIM_EV_GARBLE && !e->closed_by_target)
            run_fail(S, "%s did not disconnect a peer that sent it %s", S->nodes[e->target].name,
                     e->kind == SIM_EV_FORGE      ? "a forged entry"
                     : e->kind == SIM_EV_GARBAGE  ? "a garbage frame"
                     : e->kind == SIM_EV_OVERSIZE ? "an oversized frame"
                                                  : "junk instead of a handshake");
    }
}

void check_on_heal(sim *S, size_t h)
{
    if (h >= 64)
        return;
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  check after heal %zu\n", (double)S->now_ms / 1000.0,
                h + 1);
    if (!S->conv_done[h])
        run_fail(S, "heal %zu at %.3f s: not converged after %.3f s", h + 1,
                 (double)S->heal_snaps[h].at_ms / 1000.0,
                 (double)(S->now_ms - S->heal_snaps[h].at_ms) / 1000.0);
    for (size_t j = 0; j < S->n && !S->failed; j++)
        if (S->nodes[j].up && S->nodes[j].up_since_ms <= S->heal_snaps[h].at_ms)
            check_replica(S, (int)j, S->heal_snaps[h].target_seq, S->heal_snaps[h].at_ms, false);
}

/*
 * After a garbled run (PROTOCOL.md section 2, "Unsigned entries"): every node flags its author,
 * keeps the evidence (the first unsigned entry, authenticated by the run's last), refuses to vouch
 * for the unsigned entries alone, and honest nodes never cut each other off for serving the log
 * (a run ending on an unsigned entry): at most 2 protocol errors in all, when no other
 * misbehaviour is scheduled.
 */

static void check_garbled(sim *S)
{
    bool any = false, others = false;
    for (size_t k = 0; k < S->sc->events_n; k++) {
        sim_ev_kind kind = S->sc->events[k].kind;
        any = any || kind == SIM_EV_GARBLE;
        others = others || (evil_misbehaviour(kind) && kind != SIM_EV_GARBLE);
    }
    if (!any)
        return;
    uint64_t errors = 0;
    for (size_t j = 0; j < S->n && !S->failed; j++) {
        snode *x = &S->nodes[j];
        if (x->gone || x->joiner)
            continue;
        errors += node_counters_get(x->n)->protocol_errors + x->acc.protocol_errors;
        store_read r;
        if (store_query_begin(&x->s, &r) != 0) {
            run_fail(S, "%s: store_query_begin failed", x->name);
            return;
        }
        for (size_t a = 0; a < S->a && !S->failed; a++) {
            const pauthor *p = &S->pub[a];
            store_head h;
            store_sigs sg;
            proto_str e;
            if (p->garble_seq == 0)
                continue;
            uint64_t last = p->garble_seq + p->garble_entries - 1;
            if (head_of(S, &r, a, &h) != 0 || store_sigs_get(&r, S->nodes[a].pk, &sg) != 0)
                run_fail(S, "%s: cannot read its head of %s", x->name, S->nodes[a].name);
            else if ((h.flags & STORE_HEAD_BADSIG) == 0)
                run_fail(S, "%s has not flagged %s, whose entry %llu is unsigned", x->name,
                         S->nodes[a].name, (unsigned long long)p->garble_seq);
            else if (sg.bad_seq != p->garble_seq || sg.bad_anchor != last)
                run_fail(S, "%s keeps evidence %llu..%llu against %s, not %llu..%llu", x->name,
                         (unsigned long long)sg.bad_seq, (unsigned long long)sg.bad_anchor,
                         S->nodes[a].name, (unsigned long long)p->garble_seq,
                         (unsigned long long)last);
            else if (store_entry_get_verified(&r, S->nodes[a].pk, p->garble_seq, &e) != RN_ESIG ||
                     store_entry_get_verified(&r, S->nodes[a].pk, last, &e) != 0)
                run_fail(S, "%s vouches for an unsigned entry of %s", x->name, S->nodes[a].name);
        }
        store_read_end(&r);
    }
    if (!S->failed && !others && errors > 2)
        run_fail(S, "honest nodes cut each other off %llu times serving a garbled log",
                 (unsigned long long)errors);
}

void check_final(sim *S)
{
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  final checks\n", (double)S->now_ms / 1000.0);
    for (size_t j = 0; j < S->n && !S->failed; j++) {
        if (S->nodes[j].gone || S->nodes[j].joiner)
            continue; /* removed from the roster (stopped for good), or never added */
        check_replica(S, (int)j, NULL, UINT64_MAX, true);
        if (S->failed)
            dump_peers(S, (int)j);
    }
    for (size_t k = 0; k < S->sc->expects_n && !S->failed; k++)
        if (check_is_answer(&S->sc->expects[k]) && S->sc->expects[k].at_ms == SIM_AT_END)
            check_expect(S, k);
    check_queries(S);
    check_evils(S);
    check_garbled(S);
    if (!S->failed)
        gov_check_final(S);
    S->finished = true;
}