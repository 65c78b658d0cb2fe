/*
 * report.c: the report of a run: the federation and its links, the workload, the network's
 * faults, deliveries, RMR, hops, latency, convergence after heals, misbehaving peers, the
 * expectations on figures (checked here, after the figures are computed) and the digest
 * (simnet/README.md, "How counts are defined").
 *
 * Every figure is computed from what observe.c recorded and from the cores' counters, summed over
 * every incarnation of every node; the report is printed once, at the end, and sim_result gets
 * the same figures for the tests.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/codes.h"
#include "simnet/run.h"
#include "store/query.h"

/* ---- The report ---- */

static int cmp_u64(const void *x, const void *y)
{
    uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;
    return a < b ? -1 : a > b;
}

void report_print(sim *S, double wall_s, uint64_t events)
{
    const sim_scenario *sc = S->sc;
    sim_result *res = S->res;
    FILE *o = S->opt->out;
    node_counters tot;
    memset(&tot, 0, sizeof(tot));
    for (size_t i = 0; i < S->n; i++) {
        run_counters_add(&tot, &S->nodes[i].acc);
        if (S->nodes[i].up)
            run_counters_add(&tot, node_counters_get(S->nodes[i].n));
    }
    uint64_t counted_entries = 0;
    double ldh_sum = 0;
    uint32_t ldh_max = 0;
    uint64_t ldh_n = 0;
    for (size_t a = 0; a < S->a; a++) {
        for (size_t k = 0; k < S->pub[a].n; k++) {
            if (!obs_counted(S, a, k + 1))
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
    qsort(S->lat_ms, S->lat_n, sizeof(uint64_t), cmp_u64);
    uint64_t p50 = S->lat_n ? S->lat_ms[(S->lat_n - 1) / 2] : 0;
    uint64_t p99 = S->lat_n ? S->lat_ms[(S->lat_n - 1) * 99 / 100] : 0;
    uint64_t pmax = S->lat_n ? S->lat_ms[S->lat_n - 1] : 0;
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
    double sim_s = (double)S->now_ms / 1000.0;
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
    if (sc->bandwidth_bytes_per_ms)
        fprintf(o, "%llu B/ms, skew %u ms\n", (unsigned long long)sc->bandwidth_bytes_per_ms,
                sc->skew_ms);
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
    for (size_t h = 0; h < S->heals && h < 64; h++) {
        if (S->conv_done[h]) {
            fprintf(o, "heal %zu at %.3f s: converged in %.3f s (%.2f anti-entropy periods)\n",
                    h + 1, (double)S->heal_snaps[h].at_ms / 1000.0, (double)S->conv_ms[h] / 1000.0,
                    (double)S->conv_ms[h] / (double)ae_ms);
            if (S->conv_ms[h] > res->converge_max_ms)
                res->converge_max_ms = S->conv_ms[h];
        } else {
            fprintf(o, "heal %zu at %.3f s: did not converge\n", h + 1,
                    (double)S->heal_snaps[h].at_ms / 1000.0);
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
        hostile += evil_persistent(S->evils[k].kind);
    if (hostile > 0)
        fprintf(o,
                "hostile members: %zu connections, %.1f MB sent to them; %llu demotions, %llu "
                "serve deferrals\n",
                hostile, (double)S->bytes_to_evil / 1e6, (unsigned long long)tot.demotions,
                (unsigned long long)tot.serve_paused);

    size_t answer_lines = 0;
    for (size_t k = 0; k < sc->expects_n; k++)
        answer_lines += check_is_answer(&sc->expects[k]);
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
        if (check_is_answer(e))
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
            ok = v <= e->bound && S->heals > 0, what = "convergence after a heal (ms)";
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
            run_fail(S, "%s: expected %s %s %g, measured %g", e->where, what,
                     e->what == SIM_EXPECT_PROTOCOL ? ">=" : "<=", e->bound, v);
    }
    crypto_generichash_final(&S->digest, res->digest, sizeof(res->digest));
    fprintf(o, "digest: ");
    for (size_t k = 0; k < sizeof(res->digest); k++)
        fprintf(o, "%02x", res->digest[k]);
    fprintf(o, "\n");
}