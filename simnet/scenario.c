/*
 * scenario.c: the scenario language of recnet-sim (simnet/README.md gives it in full).
 *
 * One directive per line, words separated by blanks, '#' to the end of the line is a comment.
 * Settings (nodes, topology, latency, ...) may come in any order and the last one wins, so that
 * `-e` lines given on the command line override a scenario file. Timed directives are written
 * `at <time> <verb> <args>` or `<verb> <args> at <time>`. Durations carry a unit: ms, s, m, or ae
 * (anti-entropy periods, as set so far by `limit anti_entropy_ms`). Every directive that lives on
 * into the run (timed ones, streams, expectations) remembers where it was written, "<file>:<line>"
 * or "-e #3" (the third -e), so that a failure at any time points at it. Nothing here knows the
 * nodes: names are checked against the federation when the run is set up (sim.c).
 */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "proto/entry.h"
#include "proto/limits.h"
#include "proto/record.h"
#include "simnet/sim.h"

#define WORDS_MAX 32

/* The largest step of a wall clock (`at T clock`): ten years, far beyond any NTP mishap, and
 * the wall clock stays past the epoch. */
#define SIM_CLOCK_STEP_MAX_MS (10ull * 365u * 86400000u)

void sim_scenario_defaults(sim_scenario *sc)
{
    memset(sc, 0, sizeof(*sc));
    snprintf(sc->name, sizeof(sc->name), "command-line"); /* a file's name replaces it */
    sc->seed = 1;
    sc->nodes = 30;
    sc->authorities = 30;
    sc->topology = SIM_TOPO_MESH;
    sc->fanout = 8;
    sc->lat_min_ms = sc->lat_max_ms = 100;
    sc->jitter_ms = 10;
    sc->reorder_ms = 100;
    sc->chunk_bytes = 16384;
    sc->map_bytes = 64ull << 20;
    sc->run_ms = 30000;
    sc->check_queries = 64;
}

int sim_duration_parse(const char *s, uint64_t ae_ms, uint64_t *out_ms)
{
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || errno != 0 || !(v >= 0) || v > 1e12)
        return -1;
    double mul;
    if (strcmp(end, "ms") == 0)
        mul = 1;
    else if (strcmp(end, "s") == 0)
        mul = 1000;
    else if (strcmp(end, "m") == 0)
        mul = 60000;
    else if (strcmp(end, "ae") == 0)
        mul = (double)ae_ms;
    else if (strcmp(end, "h") == 0)
        mul = 3600000;
    else if (strcmp(end, "d") == 0)
        mul = 86400000;
    else
        return -1;
    *out_ms = (uint64_t)llround(v * mul);
    return 0;
}

static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *out)
{
    char *end = NULL;
    if (s == NULL || !isdigit((unsigned char)s[0]))
        return -1;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int parse_prob(const char *s, double *out)
{
    char *end = NULL;
    if (s == NULL)
        return -1;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno != 0 || !(v >= 0) || v > 1)
        return -1;
    *out = v;
    return 0;
}

typedef struct pctx {
    sim_scenario *sc;
    const char *origin;
    bool arg; /* the text of a command-line option, not a file */
    int line;
    FILE *err;
    char *w[WORDS_MAX];
    size_t n;
} pctx;

/* Where the current directive was written: "<file>:<line>", "-e #3" or "-e #3 line 2". */
static void where(const pctx *p, char out[SIM_WHERE_MAX])
{
    if (!p->arg)
        snprintf(out, SIM_WHERE_MAX, "%s:%d", p->origin, p->line);
    else if (p->line > 1)
        snprintf(out, SIM_WHERE_MAX, "%s line %d", p->origin, p->line);
    else
        snprintf(out, SIM_WHERE_MAX, "%s", p->origin);
}

static int fail(pctx *p, const char *fmt, ...)
{
    va_list ap;
    char w[SIM_WHERE_MAX];
    where(p, w);
    fprintf(p->err, "%s: ", w);
    va_start(ap, fmt);
    vfprintf(p->err, fmt, ap);
    va_end(ap);
    fputc('\n', p->err);
    return -1;
}

static uint64_t ae(const pctx *p)
{
    return p->sc->limits.anti_entropy_ms != 0 ? p->sc->limits.anti_entropy_ms : 5000u;
}

static int dur(pctx *p, const char *s, uint64_t *out)
{
    if (s == NULL || sim_duration_parse(s, ae(p), out) != 0)
        return fail(p, "expected a duration (250ms, 10s, 2m, 3ae), got '%s'", s ? s : "");
    return 0;
}

/* Joins words w[from..to) with spaces into out (a group text). */
static int join(pctx *p, size_t from, size_t to, char *out)
{
    size_t len = 0;
    out[0] = '\0';
    for (size_t i = from; i < to; i++) {
        size_t l = strlen(p->w[i]);
        if (len + l + 2 > SIM_ARG_MAX)
            return fail(p, "argument too long");
        if (len > 0)
            out[len++] = ' ';
        memcpy(out + len, p->w[i], l + 1);
        len += l;
    }
    return 0;
}

/* "latency 100ms [jitter 10ms]" or "latency 50ms..150ms [jitter 10ms]" */
static int d_latency(pctx *p)
{
    sim_scenario *sc = p->sc;
    if (p->n < 2)
        return fail(p, "latency: expected a duration");
    char buf[64];
    snprintf(buf, sizeof(buf), "%s", p->w[1]);
    char *dots = strstr(buf, "..");
    uint64_t lo, hi;
    if (dots != NULL) {
        *dots = '\0';
        if (dur(p, buf, &lo) || dur(p, dots + 2, &hi))
            return -1;
    } else {
        if (dur(p, buf, &lo))
            return -1;
        hi = lo;
    }
    if (lo > hi || hi > 60000)
        return fail(p, "latency: range must be ascending and at most 60s");
    sc->lat_min_ms = (uint32_t)lo;
    sc->lat_max_ms = (uint32_t)hi;
    for (size_t i = 2; i < p->n; i += 2) {
        uint64_t j;
        if (strcmp(p->w[i], "jitter") != 0 || i + 1 >= p->n)
            return fail(p, "latency: expected 'jitter <duration>'");
        if (dur(p, p->w[i + 1], &j))
            return -1;
        if (j > lo)
            return fail(p, "latency: jitter larger than the latency");
        sc->jitter_ms = (uint32_t)j;
    }
    return 0;
}

static int d_prob(pctx *p, double *out)
{
    if (p->n < 2 || parse_prob(p->w[1], out) != 0)
        return fail(p, "%s: expected a probability in [0, 1]", p->w[0]);
    return 0;
}

static int d_limit(pctx *p)
{
    static const struct {
        const char *name;
        size_t off;
    } tab[] = {
        { "peers_max", offsetof(node_limits, peers_max) },
        { "batch_entries", offsetof(node_limits, batch_entries) },
        { "inflight_bytes", offsetof(node_limits, inflight_bytes) },
        { "anti_entropy_ms", offsetof(node_limits, anti_entropy_ms) },
        { "stall_ms", offsetof(node_limits, stall_ms) },
        { "handshake_ms", offsetof(node_limits, handshake_ms) },
        { "idle_ms", offsetof(node_limits, idle_ms) },
        { "backoff_min_ms", offsetof(node_limits, backoff_min_ms) },
        { "backoff_max_ms", offsetof(node_limits, backoff_max_ms) },
        { "entries_per_s", offsetof(node_limits, entries_per_s) },
    };
    uint64_t v;
    if (p->n != 3 || parse_u64(p->w[2], 1, UINT32_MAX, &v) != 0)
        return fail(p, "limit: expected 'limit <name> <number>'");
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        if (strcmp(tab[i].name, p->w[1]) == 0) {
            uint32_t u = (uint32_t)v;
            memcpy((uint8_t *)&p->sc->limits + tab[i].off, &u, sizeof(u));
            return 0;
        }
    }
    return fail(p, "limit: unknown limit '%s' (node_limits in node/core.h)", p->w[1]);
}

/* "publish <count> [<kind>] every <duration> [from <duration>] [by <group>]"
 * "query <count> every <duration> [from <duration>] [at <group>]" */
static int d_stream(pctx *p, bool query)
{
    sim_scenario *sc = p->sc;
    if (sc->streams_n >= SIM_STREAMS_MAX)
        return fail(p, "too many publish and query lines (at most %u)", SIM_STREAMS_MAX);
    sim_stream st;
    memset(&st, 0, sizeof(st));
    st.query = query;
    st.from_ms = 1000;
    where(p, st.where);
    size_t i = 1;
    if (i >= p->n || parse_u64(p->w[i], 1, 100000000, &st.count) != 0)
        return fail(p, "%s: expected a count", p->w[0]);
    i++;
    if (!query && i < p->n && strcmp(p->w[i], "every") != 0) {
        int k = proto_kind_parse(p->w[i]);
        if (k < 0)
            return fail(p, "publish: unknown kind '%s'", p->w[i]);
        st.kind = k;
        i++;
    }
    if (i + 1 >= p->n || strcmp(p->w[i], "every") != 0)
        return fail(p, "%s: expected 'every <duration>'", p->w[0]);
    if (dur(p, p->w[i + 1], &st.every_ms))
        return -1;
    if (st.every_ms == 0)
        return fail(p, "%s: the interval must be positive", p->w[0]);
    i += 2;
    while (i < p->n) {
        if (strcmp(p->w[i], "from") == 0 && i + 1 < p->n) {
            if (dur(p, p->w[i + 1], &st.from_ms))
                return -1;
            i += 2;
        } else if ((strcmp(p->w[i], "by") == 0 || strcmp(p->w[i], "at") == 0) && i + 1 < p->n) {
            if (join(p, i + 1, p->n, st.by))
                return -1;
            i = p->n;
        } else {
            return fail(p, "%s: unexpected '%s'", p->w[0], p->w[i]);
        }
    }
    sc->streams[sc->streams_n++] = st;
    return 0;
}

/* An enumeration value by name (decision.purpose, decision.outcome), listing the names if not. */
static int enum_arg(pctx *p, proto_enum en, const char *s, uint32_t *out)
{
    int v = proto_enum_value_parse(en, s);
    if (v > 0) {
        *out = (uint32_t)v;
        return 0;
    }
    char names[128];
    size_t len = 0;
    names[0] = '\0';
    for (unsigned k = 1; k <= proto_enum_size(en); k++) {
        int m = snprintf(names + len, sizeof(names) - len, "%s%s", k > 1 ? ", " : "",
                         proto_enum_value_name(en, k));
        if (m < 0 || (size_t)m >= sizeof(names) - len)
            break;
        len += (size_t)m;
    }
    return fail(p, "%s: '%s': the %s is one of %s", p->w[0], s, proto_enum_name(en), names);
}

/* A record id (spec, pathway) as a record names it (proto_id_check), within the scenario's
 * bound. */
static int id_arg(pctx *p, const char *s, char out[SIM_ID_MAX])
{
    size_t l = strlen(s);
    if (l >= SIM_ID_MAX || proto_id_check((const uint8_t *)s, l) != 0)
        return fail(p, "%s: '%s' is not a record id (CC:ref, at most %u bytes)", p->w[0], s,
                    SIM_ID_MAX - 1);
    memcpy(out, s, l + 1);
    return 0;
}

static int expect_when(pctx *p, size_t i, sim_expect *e);

/* "expect recognise <spec> <country> <purpose> <answer> by <time>|end [on <group>]"; answer:
 * <outcome> or decision:<outcome> (a decision), automatic:<outcome> (a policy), no_decision,
 * unknown (the spec or its provider is not held). */
static int d_expect_recognise(pctx *p)
{
    sim_scenario *sc = p->sc;
    sim_expect e;
    memset(&e, 0, sizeof(e));
    e.what = SIM_EXPECT_RECOGNISE;
    where(p, e.where);
    if (join(p, 0, p->n, e.text))
        return -1;
    if (p->n < 8)
        return fail(p, "expect recognise: expected 'expect recognise <spec> <country> <purpose> "
                       "<answer> by <time>|end [on <group>]'");
    if (id_arg(p, p->w[2], e.spec))
        return -1;
    const proto_country *c = proto_country_find(p->w[3], strlen(p->w[3]));
    if (c == NULL)
        return fail(p, "expect recognise: '%s' is not one of the 30 countries", p->w[3]);
    memcpy(e.country, c->alpha2, 3);
    if (enum_arg(p, PROTO_ENUM_PURPOSE, p->w[4], &e.purpose))
        return -1;
    const char *a = p->w[5];
    if (strcmp(a, "no_decision") == 0) {
        e.answer = SIM_ANSWER_NO_DECISION;
    } else if (strcmp(a, "unknown") == 0) {
        e.answer = SIM_ANSWER_UNKNOWN;
    } else {
        e.answer = SIM_ANSWER_DECISION;
        if (strncmp(a, "decision:", 9) == 0) {
            a += 9;
        } else if (strncmp(a, "automatic:", 10) == 0) {
            a += 10;
            e.answer = SIM_ANSWER_AUTOMATIC;
        }
        if (proto_enum_value_parse(PROTO_ENUM_OUTCOME, a) <= 0)
            return fail(p,
                        "expect recognise: answer '%s': expected an outcome (full, partial, "
                        "conditional, denied) for a decision, automatic:<outcome> for a "
                        "policy, no_decision, or unknown",
                        p->w[5]);
        e.outcome = (uint32_t)proto_enum_value_parse(PROTO_ENUM_OUTCOME, a);
    }
    if (expect_when(p, 6, &e))
        return -1;
    sc->expects[sc->expects_n++] = e;
    return 0;
}

/* "by <time>|end [on <group>]" at w[i..n) of an expectation on answers. */
static int expect_when(pctx *p, size_t i, sim_expect *e)
{
    if (i + 1 >= p->n || strcmp(p->w[i], "by") != 0)
        return fail(p, "expect %s: expected 'by <time>|end [on <group>]'", p->w[1]);
    if (strcmp(p->w[i + 1], "end") == 0)
        e->at_ms = SIM_AT_END;
    else if (dur(p, p->w[i + 1], &e->at_ms))
        return -1;
    if (p->n > i + 2) {
        if (strcmp(p->w[i + 2], "on") != 0 || p->n < i + 4)
            return fail(p, "expect %s: expected 'on <group>' after the time", p->w[1]);
        if (join(p, i + 3, p->n, e->group))
            return -1;
    }
    return 0;
}

/* "expect stack <pathway> <spec>[,<spec>...] complete|incomplete|unknown by <time>|end
 * [on <group>]": the pathway's country is its prefix. */
static int d_expect_stack(pctx *p)
{
    sim_scenario *sc = p->sc;
    sim_expect e;
    memset(&e, 0, sizeof(e));
    e.what = SIM_EXPECT_STACK;
    where(p, e.where);
    if (join(p, 0, p->n, e.text))
        return -1;
    if (p->n < 7)
        return fail(p, "expect stack: expected 'expect stack <pathway> <spec>[,<spec>...] "
                       "complete|incomplete|unknown by <time>|end [on <group>]'");
    if (id_arg(p, p->w[2], e.spec))
        return -1;
    memcpy(e.country, e.spec, 2);
    e.country[2] = '\0';
    char buf[SIM_ARG_MAX];
    snprintf(buf, sizeof(buf), "%s", p->w[3]);
    size_t n = 0;
    for (char *tok = buf; tok != NULL; n++) {
        char *comma = strchr(tok, ',');
        if (comma != NULL)
            *comma = '\0';
        char id[SIM_ID_MAX];
        if (id_arg(p, tok, id))
            return -1;
        tok = comma != NULL ? comma + 1 : NULL;
    }
    if (n > RN_STACK_SPECS_MAX)
        return fail(p, "expect stack: at most %u specs", RN_STACK_SPECS_MAX);
    snprintf(e.specs, sizeof(e.specs), "%s", p->w[3]);
    if (strcmp(p->w[4], "complete") == 0)
        e.answer = SIM_ANSWER_COMPLETE;
    else if (strcmp(p->w[4], "incomplete") == 0)
        e.answer = SIM_ANSWER_INCOMPLETE;
    else if (strcmp(p->w[4], "unknown") == 0)
        e.answer = SIM_ANSWER_UNKNOWN;
    else
        return fail(p, "expect stack: answer '%s': expected complete, incomplete or unknown",
                    p->w[4]);
    if (expect_when(p, 5, &e))
        return -1;
    sc->expects[sc->expects_n++] = e;
    return 0;
}

static int d_expect(pctx *p)
{
    sim_scenario *sc = p->sc;
    static const struct {
        const char *name;
        sim_expect_what what;
        const char *op;
    } tab[] = {
        { "rmr", SIM_EXPECT_RMR, "<=" },
        { "ldh", SIM_EXPECT_LDH, "<=" },
        { "converge", SIM_EXPECT_CONVERGE, "<=" },
        { "p99", SIM_EXPECT_P99, "<=" },
        { "protocol_errors", SIM_EXPECT_PROTOCOL, ">=" },
        { "latency_max", SIM_EXPECT_LAT_MAX, "<=" },
        { "evil_mb", SIM_EXPECT_EVIL_MB, "<=" },
    };
    if (sc->expects_n >= SIM_EXPECTS_MAX)
        return fail(p, "too many expect lines (at most %u)", SIM_EXPECTS_MAX);
    if (p->n >= 2 && strcmp(p->w[1], "recognise") == 0)
        return d_expect_recognise(p);
    if (p->n >= 2 && strcmp(p->w[1], "stack") == 0)
        return d_expect_stack(p);
    if (p->n != 4)
        return fail(p, "expect: expected 'expect <what> <op> <bound>', 'expect recognise ...' or "
                       "'expect stack ...'");
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        if (strcmp(tab[i].name, p->w[1]) != 0)
            continue;
        if (strcmp(tab[i].op, p->w[2]) != 0)
            return fail(p, "expect %s: the operator is %s", tab[i].name, tab[i].op);
        sim_expect e;
        memset(&e, 0, sizeof(e));
        e.what = tab[i].what;
        where(p, e.where);
        if (tab[i].what == SIM_EXPECT_CONVERGE || tab[i].what == SIM_EXPECT_P99 ||
            tab[i].what == SIM_EXPECT_LAT_MAX) {
            uint64_t ms;
            if (dur(p, p->w[3], &ms))
                return -1;
            e.bound = (double)ms;
        } else {
            char *end = NULL;
            e.bound = strtod(p->w[3], &end);
            if (end == p->w[3] || *end != '\0')
                return fail(p, "expect: '%s' is not a number", p->w[3]);
        }
        sc->expects[sc->expects_n++] = e;
        return 0;
    }
    return fail(p,
                "expect: unknown figure '%s' (rmr, ldh, converge, p99, latency_max, "
                "protocol_errors, evil_mb; or "
                "recognise, stack for answers)",
                p->w[1]);
}

/* A timed directive: w[0] is the verb, w[1..n) its arguments, `at` the time. */
static int d_event(pctx *p, uint64_t at)
{
    static const struct {
        const char *verb;
        sim_ev_kind kind;
        int args; /* 0: none; 1: one group; 2: a subject then optional "to <group>" */
    } tab[] = {
        { "partition", SIM_EV_PARTITION, 1 },
        { "heal", SIM_EV_HEAL, 0 },
        { "crash", SIM_EV_CRASH, 1 },
        { "restart", SIM_EV_RESTART, 1 },
        { "cut", SIM_EV_CUT, 1 },
        { "equivocate", SIM_EV_EQUIVOCATE, 2 },
        { "forge", SIM_EV_FORGE, 2 },
        { "garble", SIM_EV_GARBLE, 2 },
        { "garbage", SIM_EV_GARBAGE, 3 },
        { "oversize", SIM_EV_OVERSIZE, 3 },
        { "junk", SIM_EV_JUNK, 3 },
        { "publish", SIM_EV_PUBLISH, 4 },
        { "decide", SIM_EV_DECIDE, 5 },
        { "clock", SIM_EV_CLOCK, 6 },
        { "liar-heads", SIM_EV_LIAR_HEADS, 2 },
        { "want-loop", SIM_EV_WANT_LOOP, 2 },
        { "remove", SIM_EV_REMOVE, 7 },
        { "rotate", SIM_EV_ROTATE, 8 },
        { "compromise", SIM_EV_COMPROMISE, 7 },
        { "rogue", SIM_EV_ROGUE, 2 },
        { "add", SIM_EV_ADD, 7 },
    };
    sim_scenario *sc = p->sc;
    if (sc->events_n >= SIM_EVENTS_MAX)
        return fail(p, "too many timed directives (at most %u)", SIM_EVENTS_MAX);
    for (size_t i = 0; i < sizeof(tab) / sizeof(tab[0]); i++) {
        if (strcmp(tab[i].verb, p->w[0]) != 0)
            continue;
        sim_event e;
        memset(&e, 0, sizeof(e));
        e.at_ms = at;
        e.kind = tab[i].kind;
        where(p, e.where);
        switch (tab[i].args) {
        case 0:
            if (p->n != 1)
                return fail(p, "%s takes no arguments", p->w[0]);
            break;
        case 1:
            if (p->n < 2)
                return fail(p, "%s: expected a group of nodes", p->w[0]);
            if (join(p, 1, p->n, e.arg))
                return -1;
            break;
        case 2:
            if (p->n < 2)
                return fail(p, "%s: expected an authority", p->w[0]);
            snprintf(e.arg, sizeof(e.arg), "%s", p->w[1]);
            if (p->n > 2) {
                if (strcmp(p->w[2], "to") != 0 || p->n < 4)
                    return fail(p, "%s: expected 'to <group>'", p->w[0]);
                if (join(p, 3, p->n, e.arg2))
                    return -1;
            }
            break;
        case 3:
            if (p->n > 1) {
                if (strcmp(p->w[1], "to") != 0 || p->n < 3)
                    return fail(p, "%s: expected 'to <group>'", p->w[0]);
                if (join(p, 2, p->n, e.arg2))
                    return -1;
            }
            break;
        case 7: /* <authority> [by <authority>] */
        case 8: /* <authority> */
            if (p->n != 2 && (tab[i].args == 8 || p->n != 4 || strcmp(p->w[2], "by") != 0))
                return fail(p, "%s: expected 'at <time> %s <authority>%s'", p->w[0], p->w[0],
                            tab[i].args == 7 ? " [by <authority>]" : "");
            snprintf(e.arg, sizeof(e.arg), "%s", p->w[1]);
            if (p->n == 4)
                snprintf(e.arg2, sizeof(e.arg2), "%s", p->w[3]);
            break;
        case 4: /* publish <authority> <kind> [<purpose> | <spec>] */
            if (p->n < 3 || p->n > 4)
                return fail(p, "publish: expected 'at <time> publish <authority> <kind> "
                               "[<purpose> | <mandatory spec>]'");
            snprintf(e.arg, sizeof(e.arg), "%s", p->w[1]);
            e.rec_kind = proto_kind_parse(p->w[2]);
            if (e.rec_kind <= 0)
                return fail(p, "publish: unknown kind '%s'", p->w[2]);
            if (p->n == 4 && e.rec_kind == PROTO_KIND_PATHWAY) {
                if (id_arg(p, p->w[3], e.arg2))
                    return -1;
            } else if (p->n == 4) {
                if (e.rec_kind != PROTO_KIND_POLICY && e.rec_kind != PROTO_KIND_DECISION)
                    return fail(p, "publish: a purpose is for a policy or a decision, a spec for "
                                   "a pathway");
                if (enum_arg(p, PROTO_ENUM_PURPOSE, p->w[3], &e.purpose))
                    return -1;
            }
            break;
        case 6: { /* clock <group> [+|-]<duration> */
            const char *o = p->n >= 3 ? p->w[p->n - 1] : NULL;
            bool neg = o != NULL && o[0] == '-';
            uint64_t off;
            if (o != NULL && strcmp(o, "0") == 0)
                off = 0;
            else if (o == NULL ||
                     sim_duration_parse(o + (o[0] == '+' || o[0] == '-'), ae(p), &off) != 0)
                return fail(p, "clock: expected 'at <time> clock <group> <step>', the step a "
                               "duration with an optional sign (+365d, -2h, 0)");
            if (off > SIM_CLOCK_STEP_MAX_MS)
                return fail(p, "clock: a step of at most ten years");
            if (join(p, 1, p->n - 1, e.arg))
                return -1;
            e.offset_ms = neg ? -(int64_t)off : (int64_t)off;
            break;
        }
        default: /* decide <authority> <spec> <purpose> <outcome> */
            if (p->n != 5)
                return fail(p, "decide: expected 'at <time> decide <authority> <spec> <purpose> "
                               "<outcome>'");
            snprintf(e.arg, sizeof(e.arg), "%s", p->w[1]);
            if (id_arg(p, p->w[2], e.arg2) ||
                enum_arg(p, PROTO_ENUM_PURPOSE, p->w[3], &e.purpose) ||
                enum_arg(p, PROTO_ENUM_OUTCOME, p->w[4], &e.outcome))
                return -1;
            break;
        }
        sc->events[sc->events_n++] = e;
        return 0;
    }
    return fail(p, "unknown directive '%s'", p->w[0]);
}

/* "nodes IE FR DE": exactly these authorities and no mirror; "authorities PL SE": these
 * authorities, mirrors up to `nodes`. Codes may also be separated by commas. */
static int d_countries(pctx *p)
{
    sim_scenario *sc = p->sc;
    bool nodes = strcmp(p->w[0], "nodes") == 0;
    uint8_t list[PROTO_COUNTRIES_COUNT];
    uint32_t n = 0;
    for (size_t i = 1; i < p->n; i++) {
        char buf[SIM_ARG_MAX];
        snprintf(buf, sizeof(buf), "%s", p->w[i]);
        for (char *tok = buf; *tok != '\0';) {
            char *end = strchr(tok, ',');
            if (end != NULL)
                *end = '\0';
            if (*tok != '\0') {
                const proto_country *c = proto_country_find(tok, strlen(tok));
                if (c == NULL)
                    return fail(p,
                                "%s: '%s' is not one of the 30 countries (codes/countries.tsv, "
                                "upper case)",
                                p->w[0], tok);
                size_t k = 0;
                while (proto_country_at(k) != c)
                    k++;
                for (uint32_t j = 0; j < n; j++)
                    if (list[j] == k)
                        return fail(p, "%s: %s named twice", p->w[0], c->alpha2);
                list[n++] = (uint8_t)k;
            }
            if (end == NULL)
                break;
            tok = end + 1;
        }
    }
    if (n == 0 || (nodes && n < 2))
        return fail(p, "%s: expected %s country codes", p->w[0],
                    nodes ? "two or more" : "one or more");
    memcpy(sc->countries, list, n);
    sc->countries_n = n;
    sc->authorities = n;
    if (nodes || sc->nodes < n)
        sc->nodes = n;
    return 0;
}

static int directive(pctx *p)
{
    sim_scenario *sc = p->sc;
    const char *v = p->w[0];
    uint64_t u;
    /* Timed: "at <t> verb ..." or "verb ... at <t>". */
    if (strcmp(v, "at") == 0) {
        if (p->n < 3)
            return fail(p, "at: expected 'at <time> <directive>'");
        if (dur(p, p->w[1], &u))
            return -1;
        memmove(p->w, p->w + 2, (p->n - 2) * sizeof(p->w[0]));
        p->n -= 2;
        return d_event(p, u);
    }
    if (p->n >= 3 && strcmp(p->w[p->n - 2], "at") == 0 && strcmp(v, "query") != 0 &&
        strcmp(v, "publish") != 0 && strcmp(v, "expect") != 0) {
        if (dur(p, p->w[p->n - 1], &u))
            return -1;
        p->n -= 2;
        return d_event(p, u);
    }
    if (strcmp(v, "name") == 0 && p->n == 2) {
        snprintf(sc->name, sizeof(sc->name), "%s", p->w[1]);
    } else if (strcmp(v, "seed") == 0) {
        if (p->n != 2 || parse_u64(p->w[1], 0, UINT64_MAX, &sc->seed) != 0)
            return fail(p, "seed: expected a number");
    } else if ((strcmp(v, "nodes") == 0 || strcmp(v, "authorities") == 0) && p->n >= 2 &&
               !isdigit((unsigned char)p->w[1][0])) {
        return d_countries(p);
    } else if (strcmp(v, "nodes") == 0) {
        if (p->n != 2 || parse_u64(p->w[1], 2, 1000, &u) != 0)
            return fail(p, "nodes: expected 2 .. 1000, or country codes (nodes IE FR DE)");
        sc->nodes = (uint32_t)u;
        if (sc->authorities > sc->nodes)
            sc->authorities = sc->nodes;
        if (sc->countries_n > sc->authorities)
            sc->countries_n = sc->authorities;
    } else if (strcmp(v, "authorities") == 0) {
        if (p->n != 2 || parse_u64(p->w[1], 1, 30, &u) != 0)
            return fail(p, "authorities: expected 1 .. 30, or country codes (authorities PL SE)");
        sc->authorities = (uint32_t)u;
        sc->countries_n = 0;
    } else if (strcmp(v, "topology") == 0) {
        if (p->n == 2 && strcmp(p->w[1], "mesh") == 0) {
            sc->topology = SIM_TOPO_MESH;
        } else if (p->n == 3 && strcmp(p->w[1], "random") == 0 &&
                   parse_u64(p->w[2], 1, RN_PEERS_MAX / 2, &u) == 0) {
            sc->topology = SIM_TOPO_RANDOM;
            sc->fanout = (uint32_t)u;
        } else {
            return fail(p, "topology: expected 'mesh' or 'random <peers dialled, 1..%u>'",
                        RN_PEERS_MAX / 2);
        }
    } else if (strcmp(v, "latency") == 0) {
        return d_latency(p);
    } else if (strcmp(v, "loss") == 0) {
        return d_prob(p, &sc->loss);
    } else if (strcmp(v, "duplicate") == 0) {
        return d_prob(p, &sc->duplicate);
    } else if (strcmp(v, "corrupt") == 0) {
        return d_prob(p, &sc->corrupt);
    } else if (strcmp(v, "reorder") == 0) {
        if (d_prob(p, &sc->reorder))
            return -1;
        if (p->n == 4 && strcmp(p->w[2], "window") == 0) {
            if (dur(p, p->w[3], &u))
                return -1;
            sc->reorder_ms = (uint32_t)u;
        } else if (p->n != 2) {
            return fail(p, "reorder: expected 'reorder <p> [window <duration>]'");
        }
    } else if (strcmp(v, "bandwidth") == 0) {
        if (p->n != 2 || parse_u64(p->w[1], 0, 1ull << 40, &sc->bandwidth_bytes_per_ms) != 0)
            return fail(p, "bandwidth: expected bytes per ms per link (0: unlimited)");
    } else if (strcmp(v, "roster") == 0) {
        if (p->n != 2 || (strcmp(p->w[1], "governed") != 0 && strcmp(p->w[1], "fixed") != 0))
            return fail(p, "roster: expected 'roster governed' or 'roster fixed'");
        sc->governed = strcmp(p->w[1], "governed") == 0;
    } else if (strcmp(v, "checkpoint") == 0) {
        if (p->n != 2 || dur(p, p->w[1], &u))
            return fail(p, "checkpoint: expected a duration (0: none)");
        if (u > RN_TIMER_MS_MAX)
            return fail(p, "checkpoint: at most %u ms", (unsigned)RN_TIMER_MS_MAX);
        sc->checkpoint_ms = (uint32_t)u;
    } else if (strcmp(v, "skew") == 0) {
        if (p->n != 2 || dur(p, p->w[1], &u))
            return -1;
        if (u > RN_CLOCK_FUTURE_MS_MAX / 2u)
            return fail(p,
                        "skew: at most %um: nodes further apart hold each other's entries back "
                        "(PROTOCOL.md 11.4); for a clock that jumps, 'at <time> clock <group> "
                        "<step>'",
                        RN_CLOCK_FUTURE_MS_MAX / 2u / 60000u);
        sc->skew_ms = (uint32_t)u;
    } else if (strcmp(v, "chunk") == 0) {
        if (p->n != 2 || parse_u64(p->w[1], 1, 1u << 24, &u) != 0)
            return fail(p, "chunk: expected bytes");
        sc->chunk_bytes = (uint32_t)u;
    } else if (strcmp(v, "map_mb") == 0) {
        if (p->n != 2 || parse_u64(p->w[1], 1, 1u << 20, &u) != 0)
            return fail(p, "map_mb: expected MiB");
        sc->map_bytes = u << 20;
    } else if (strcmp(v, "limit") == 0) {
        return d_limit(p);
    } else if (strcmp(v, "publish") == 0) {
        return d_stream(p, false);
    } else if (strcmp(v, "query") == 0) {
        return d_stream(p, true);
    } else if (strcmp(v, "run") == 0) {
        if (p->n != 2 || dur(p, p->w[1], &sc->run_ms))
            return -1;
    } else if (strcmp(v, "settle") == 0) {
        if (p->n != 2 || dur(p, p->w[1], &sc->settle_ms))
            return -1;
    } else if (strcmp(v, "check_queries") == 0) {
        if (p->n != 2 || parse_u64(p->w[1], 0, 100000, &u) != 0)
            return fail(p, "check_queries: expected a count");
        sc->check_queries = (uint32_t)u;
    } else if (strcmp(v, "expect") == 0) {
        return d_expect(p);
    } else if (strcmp(v, "clear") == 0 && p->n == 2) {
        /* Drops what a scenario file set, so that -e lines can replace it. */
        if (strcmp(p->w[1], "workload") == 0)
            sc->streams_n = 0;
        else if (strcmp(p->w[1], "events") == 0)
            sc->events_n = 0;
        else if (strcmp(p->w[1], "expect") == 0)
            sc->expects_n = 0;
        else
            return fail(p, "clear: expected workload, events or expect");
    } else {
        return d_event(p, 0) == 0 ? fail(p, "'%s' needs a time: 'at <time> %s ...'", v, v) : -1;
    }
    return 0;
}

static int parse(sim_scenario *sc, const char *text, size_t len, const char *origin, bool arg,
                 FILE *err)
{
    pctx p = { .sc = sc, .origin = origin, .arg = arg, .err = err };
    size_t pos = 0;
    while (pos < len) {
        size_t eol = pos;
        while (eol < len && text[eol] != '\n')
            eol++;
        char line[1024];
        p.line++;
        size_t l = eol - pos;
        if (l >= sizeof(line))
            return fail(&p, "line too long");
        memcpy(line, text + pos, l);
        line[l] = '\0';
        pos = eol + 1;
        char *hash = strchr(line, '#');
        if (hash != NULL)
            *hash = '\0';
        p.n = 0;
        for (char *s = line; *s != '\0';) {
            while (*s == ' ' || *s == '\t' || *s == '\r')
                *s++ = '\0';
            if (*s == '\0')
                break;
            if (p.n >= WORDS_MAX)
                return fail(&p, "too many words");
            p.w[p.n++] = s;
            while (*s != '\0' && *s != ' ' && *s != '\t' && *s != '\r')
                s++;
        }
        if (p.n == 0)
            continue;
        size_t events_before = sc->events_n;
        if (directive(&p) != 0) {
            sc->events_n = events_before;
            return -1;
        }
    }
    return 0;
}

int sim_scenario_parse(sim_scenario *sc, const char *text, size_t len, const char *origin,
                       FILE *err)
{
    return parse(sc, text, len, origin, false, err);
}

int sim_scenario_parse_arg(sim_scenario *sc, const char *text, const char *origin, FILE *err)
{
    return parse(sc, text, strlen(text), origin, true, err);
}

int sim_scenario_load(sim_scenario *sc, const char *path, FILE *err)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(err, "%s: %s\n", path, strerror(errno));
        return -1;
    }
    static char buf[1 << 16];
    size_t len = fread(buf, 1, sizeof(buf), f);
    bool too_big = !feof(f);
    fclose(f);
    if (too_big) {
        fprintf(err, "%s: larger than %zu bytes\n", path, sizeof(buf));
        return -1;
    }
    const char *base = strrchr(path, '/');
    base = base != NULL ? base + 1 : path;
    char name[64];
    snprintf(name, sizeof(name), "%s", base);
    char *dot = strrchr(name, '.');
    if (dot != NULL)
        *dot = '\0';
    snprintf(sc->name, sizeof(sc->name), "%s", name);
    return sim_scenario_parse(sc, buf, len, path, err);
}
