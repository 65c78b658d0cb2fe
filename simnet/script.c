/*
 * script.c: the scenario's timeline: the workload streams (`publish`, `query`), publishing, the
 * timed directives (`at T ...`) and the end of the run (simnet/README.md, "The scenario language").
 *
 * Publishes go through node_publish, as recnetd's control socket would (validated, signed,
 * fsynced, pushed); each acknowledged entry is recorded with its time, the reference every check
 * and figure is measured against. A stream's next step is queued by the step before it, while the
 * run lasts. Directives that misbehave are evil.c's; crashes and restarts are sim.c's. At the end
 * of the run the workload stops, partitions heal, crashed nodes restart, misbehaving endpoints
 * close, and the final checks are queued after `settle`.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codes.h"
#include "proto/record.h"
#include "simnet/run.h"
#include "store/query.h"

/* ---- Publishing ---- */

/* A new entry of authority a, acknowledged at seq with id: record it. */
void script_pub_record(sim *S, size_t a, uint64_t seq, const uint8_t id[PROTO_ID_BYTES])
{
    pauthor *p = &S->pub[a];
    if (seq != p->n + 1) {
        run_fail(S, "%s acknowledged seq %llu after %zu", S->nodes[a].name, (unsigned long long)seq,
                 p->n);
        return;
    }
    run_grow((void **)&p->e, &p->cap, p->n + 1, sizeof(*p->e));
    pentry *e = &p->e[p->n++];
    memcpy(e->id, id, PROTO_ID_BYTES);
    e->published_ms = S->now_ms;
    S->nodes[a].head_seq[a] = seq;
    obs_hop_set(S, (int)a, a, seq, 0);
    uint64_t d[2] = { a, seq };
    run_trace(S, 'P', d, sizeof(d));
    crypto_generichash_update(&S->digest, id, PROTO_ID_BYTES);
}

/* Authority a publishes its next record of `kind` (0: the default mix), `fix` (may be NULL) as
 * sim_wl_body says. */
int script_publish(sim *S, size_t a, int kind, const sim_wl_fix *fix)
{
    snode *x = &S->nodes[a];
    proto_kind k;
    char spec_id[64];
    int rc = sim_wl_body(&S->pub[a].wl, kind, rng_next(&S->wl), &S->specs, S->issuer_pk, fix,
                         &S->body, &k, spec_id);
    if (rc != 0) {
        run_fail(S, "workload: record of kind %d for %s does not encode: %s", kind, x->name,
                 rn_strerror(rc));
        return rc;
    }
    uint64_t seq = 0;
    uint8_t id[PROTO_ID_BYTES];
    rn_diag d = { 0 };
    rc = node_publish(x->n, k, S->body.data, S->body.len, run_clock(S, x), &seq, id, &d);
    if (rc != 0) {
        run_fail(S, "%s: node_publish: %s (%s)", x->name, rn_strerror(rc), d.field ? d.field : "");
        return rc;
    }
    script_pub_record(S, a, seq, id);
    if (spec_id[0] != '\0') {
        run_grow((void **)&S->specs.id, &S->specs.cap, S->specs.n + 1, sizeof(*S->specs.id));
        run_grow((void **)&S->specs.author, &S->specs.author_cap, S->specs.n + 1, sizeof(uint32_t));
        run_grow((void **)&S->specs.seq, &S->specs.seq_cap, S->specs.n + 1, sizeof(uint64_t));
        S->specs.author[S->specs.n] = (uint32_t)a;
        S->specs.seq[S->specs.n] = seq;
        memcpy(S->specs.id[S->specs.n++], spec_id, 64);
    }
    run_settle(S, (int)a, -1);
    return 0;
}

void script_on_stream(sim *S, size_t si, uint64_t step)
{
    const sim_stream *st = &S->sc->streams[si];
    if (S->final_phase)
        return;
    bool *mark = run_calloc(S->n, sizeof(bool));
    if (st->by[0] != '\0' && run_group(S, st->by, mark, NULL) != 0) {
        free(mark);
        return;
    }
    size_t cand = 0;
    for (size_t i = 0; i < S->n; i++) {
        if (st->by[0] == '\0')
            mark[i] = true;
        if (!st->query && i >= S->a)
            mark[i] = false;
        if (!S->nodes[i].up || (!st->query && S->nodes[i].quiet))
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
            (void)script_publish(S, i, st->kind, NULL);
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
        run_push(S, next, E_STREAM, (uint32_t)si, (uint32_t)(step + 1), 0);
}

/* ---- Timed directives ---- */

static void heal(sim *S)
{
    for (size_t i = 0; i < S->n; i++)
        S->nodes[i].group = 0;
    if (!S->partitioned)
        return;
    S->partitioned = false;
    obs_conv_start(S);
}

void script_on_event(sim *S, size_t evi)
{
    const sim_event *e = &S->sc->events[evi];
    bool *mark = run_calloc(S->n, sizeof(bool));
    bool *pool = run_calloc(S->n, sizeof(bool));
    if (S->opt->verbose && e->kind == SIM_EV_PUBLISH)
        fprintf(S->opt->out, "  %8.3f s  %s: publish %s %s %s\n", (double)S->now_ms / 1000.0,
                e->where, e->arg, proto_kind_name(e->rec_kind),
                e->purpose ? proto_enum_value_name(PROTO_ENUM_PURPOSE, e->purpose) : e->arg2);
    else if (S->opt->verbose && e->kind == SIM_EV_DECIDE)
        fprintf(S->opt->out, "  %8.3f s  %s: decide %s %s %s %s\n", (double)S->now_ms / 1000.0,
                e->where, e->arg, e->arg2, proto_enum_value_name(PROTO_ENUM_PURPOSE, e->purpose),
                proto_enum_value_name(PROTO_ENUM_OUTCOME, e->outcome));
    else if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  %s: %s %s%s%s\n", (double)S->now_ms / 1000.0, e->where,
                e->kind == SIM_EV_PARTITION    ? "partition"
                : e->kind == SIM_EV_HEAL       ? "heal"
                : e->kind == SIM_EV_CRASH      ? "crash"
                : e->kind == SIM_EV_RESTART    ? "restart"
                : e->kind == SIM_EV_CUT        ? "cut"
                : e->kind == SIM_EV_CLOCK      ? "clock"
                : e->kind == SIM_EV_REMOVE     ? "remove"
                : e->kind == SIM_EV_ROTATE     ? "rotate"
                : e->kind == SIM_EV_COMPROMISE ? "compromise"
                : e->kind == SIM_EV_ROGUE      ? "rogue"
                : e->kind == SIM_EV_ADD        ? "add"
                                               : "misbehave",
                e->arg,
                !e->arg2[0] ? ""
                : e->kind == SIM_EV_REMOVE || e->kind == SIM_EV_COMPROMISE || e->kind == SIM_EV_ADD
                    ? " by "
                    : " to ",
                e->arg2);
    if (S->opt->verbose && e->kind == SIM_EV_CLOCK)
        fprintf(S->opt->out, "  %8.3f s  %s: wall clock step %+lld ms\n",
                (double)S->now_ms / 1000.0, e->where, (long long)e->offset_ms);
    uint32_t d[2] = { (uint32_t)evi, (uint32_t)e->kind };
    run_trace(S, 'E', d, sizeof(d));
    switch (e->kind) {
    case SIM_EV_PARTITION: {
        if (S->conv_active)
            S->conv_active = false; /* the previous heal never converged: reported as such */
        char buf[SIM_ARG_MAX];
        snprintf(buf, sizeof(buf), "%s", e->arg);
        bool *named = run_calloc(S->n, sizeof(bool));
        int star = -1, g = 1;
        for (char *part = strtok(buf, "|"); part != NULL; part = strtok(NULL, "|"), g++) {
            while (*part == ' ')
                part++;
            if (strcmp(part, "*") == 0 || strcmp(part, "* ") == 0) {
                star = g;
                continue;
            }
            if (run_group(S, part, mark, NULL) != 0)
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
            run_push(S, S->now_ms + S->sc->settle_ms, E_CHECK, (uint32_t)(S->heals - 1), 0, 0);
        }
        break;
    case SIM_EV_CRASH:
    case SIM_EV_RESTART:
        for (size_t i = 0; i < S->n; i++)
            pool[i] = S->nodes[i].up == (e->kind == SIM_EV_CRASH);
        if (run_group(S, e->arg, mark, pool) != 0)
            break;
        for (size_t i = 0; i < S->n; i++) {
            if (!mark[i])
                continue;
            if (e->kind == SIM_EV_CRASH)
                run_crash(S, (int)i);
            else
                run_restart(S, (int)i);
        }
        break;
    case SIM_EV_CUT:
        if (run_group(S, e->arg, mark, NULL) != 0)
            break;
        for (size_t vc = 0; vc < S->vcs_n; vc++) {
            vconn *v = S->vcs[vc];
            if (v->type[0] != END_NODE || v->type[1] != END_NODE || !v->open[0] || !v->open[1] ||
                (!mark[v->end[0]] && !mark[v->end[1]]))
                continue;
            for (int s = 0; s < 2; s++) { /* a reset: both ends see it at once */
                snode *x = &S->nodes[v->end[s]];
                v->open[s] = false;
                node_conn_closed(x->n, net_conn_id(vc, s), run_clock(S, x));
                run_settle(S, v->end[s], -1);
            }
        }
        break;
    case SIM_EV_EQUIVOCATE:
        evil_equivocate(S, evi);
        break;
    case SIM_EV_REMOVE:
    case SIM_EV_ADD:
    case SIM_EV_ROTATE:
    case SIM_EV_COMPROMISE:
        gov_on_event(S, evi);
        break;
    case SIM_EV_CLOCK:
        if (run_group(S, e->arg, mark, NULL) != 0)
            break;
        for (size_t i = 0; i < S->n; i++) {
            if (!mark[i])
                continue;
            S->nodes[i].step_ms = e->offset_ms;
            if (S->nodes[i].up) { /* the driver reads its clocks at the next event anyway */
                (void)run_clock(S, &S->nodes[i]);
                run_settle(S, (int)i, -1);
            }
        }
        break;
    case SIM_EV_PUBLISH:
    case SIM_EV_DECIDE: {
        int a = run_authority(S, e);
        if (a < 0)
            break;
        if (!S->nodes[a].up) {
            run_fail(S, "%s: %s is down and cannot publish", e->where, e->arg);
            break;
        }
        sim_wl_fix fix = { .spec = e->arg2[0] != '\0' ? e->arg2 : NULL,
                           .purpose = e->purpose,
                           .outcome = e->outcome };
        (void)script_publish(S, (size_t)a,
                             e->kind == SIM_EV_DECIDE ? PROTO_KIND_DECISION : e->rec_kind, &fix);
        break;
    }
    default:
        evil_misbehave(S, evi);
        break;
    }
    free(mark);
    free(pool);
}

void script_on_end(sim *S)
{
    S->final_phase = true;
    if (S->opt->verbose)
        fprintf(S->opt->out, "  %8.3f s  end of run: heal, restart, settle %.1f s\n",
                (double)S->now_ms / 1000.0, (double)S->sc->settle_ms / 1000.0);
    if (S->partitioned) {
        heal(S);
        if (S->heals - 1 < 64) {
            S->heal_snaps[S->heals - 1].at_ms = S->now_ms;
            memcpy(S->heal_snaps[S->heals - 1].target_seq, S->conv_target_seq,
                   S->a * sizeof(uint64_t));
        }
    }
    for (size_t i = 0; i < S->n; i++)
        if (!S->nodes[i].up && !S->nodes[i].gone)
            run_restart(S, (int)i);
    for (size_t k = 0; k < S->evils_n; k++)
        evil_close(S, &S->evils[k]);
    run_push(S, S->now_ms + S->sc->settle_ms, E_FINAL, 0, 0, 0);
}