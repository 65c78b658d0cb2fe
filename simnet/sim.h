/*
 * sim.h: recnet-sim, the deterministic simulated federation (DESIGN.md section 7).
 *
 * A scenario (scenario.c) says what federation to build, what network it runs on, what its
 * authorities publish, what goes wrong and when, and what figures are expected. sim_run (sim.c)
 * runs it: N node cores (node/core.h, the core recnetd runs) over real LMDB replicas in a
 * temporary directory, on one thread, with a virtual clock and a virtual network, every random
 * choice drawn from generators seeded with the run's seed. It checks convergence, durability,
 * fork detection and the validity of every replica, and the answers the scenario expects of the
 * nodes at given times (`expect recognise`, `expect stack`), and reports what gossip cost.
 *
 * Everything about a run is a pure function of (scenario, seed): the report's digest, a BLAKE2b
 * of every action every core took and every delivery the network made, in order, proves it.
 */
#ifndef RN_SIM_H
#define RN_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "node/core.h"
#include "proto/codes.h"

#define SIM_ARG_MAX     256u /* one group or argument text of a directive */
#define SIM_EVENTS_MAX  256u /* timed directives of one scenario */
#define SIM_STREAMS_MAX 16u  /* publish and query streams */
#define SIM_EXPECTS_MAX 64u  /* expect lines: figures and answers */
#define SIM_WHERE_MAX   96u  /* where a directive was written: "recognition.sim:12", "-e #3" */
#define SIM_ID_MAX      64u  /* a record id the scenario names, with its NUL */
#define SIM_NODES_MAX   RN_ROSTER_MEMBERS_MAX /* nodes, evil members included */

/* Timed directives ("at 10s partition FR,DE|*"). */
typedef enum sim_ev_kind {
    SIM_EV_PARTITION = 1, /* arg: groups separated by '|' ('*' = every node not named) */
    SIM_EV_HEAL,          /* every partition ends */
    SIM_EV_CRASH,         /* arg: group; node_free + store_close, links reset */
    SIM_EV_RESTART,       /* arg: group; store_open + node_new over the same directory */
    SIM_EV_CUT,           /* arg: group; every link with an end in it is reset */
    SIM_EV_EQUIVOCATE,    /* arg: the authority; arg2: targets (default: half the nodes) */
    SIM_EV_FORGE,         /* arg: the authority whose entry is forged; arg2: targets */
    SIM_EV_GARBAGE,       /* arg2: targets: a frame of random ciphertext after the handshake */
    SIM_EV_OVERSIZE,      /* arg2: targets: a frame length past the bound */
    SIM_EV_JUNK,          /* arg2: targets: random bytes instead of the handshake */
    SIM_EV_GARBLE,        /* arg: the authority; arg2: targets: one run of its next entries whose
                             signatures are garbage but the last (PROTOCOL.md section 2) */
    SIM_EV_PUBLISH,       /* arg: the authority; rec_kind; purpose (a policy's, or 0: drawn);
                             arg2: a pathway's mandatory spec, or "" (drawn) */
    SIM_EV_DECIDE,        /* arg: the authority; arg2: the spec id; purpose; outcome */
    SIM_EV_CLOCK,         /* arg: group; their wall clocks step to `offset_ms` from true time
                             (plus their skew): a bad NTP answer, or 0 to end one */
    /* Hostile members (PROTOCOL.md 11.5, 11.6): endpoints that stay connected until the end. */
    SIM_EV_LIAR_HEADS, /* arg: the authority; arg2: targets: HEADS claiming its log up to
                          2^53 - 2, then one duplicate of its entry 1 every 2 s */
    SIM_EV_WANT_LOOP,  /* arg: the authority; arg2: targets: WANT its whole log every 100 ms,
                          every ENTRIES acknowledged */
    /* The governed roster (`roster governed`; PROTOCOL.md 11.11), driven as operators would. */
    SIM_EV_REMOVE,     /* arg: the authority removed; arg2: the proposer ("" : the first up) */
    SIM_EV_ROTATE,     /* arg: the authority whose key is rotated (planned: it proposes) */
    SIM_EV_COMPROMISE, /* arg: the authority whose key is replaced as compromised; arg2: the
                          proposer */
    SIM_EV_ADD,        /* arg: an authority of the run left out of the genesis, whose node starts
                          once the change that adds it is in force; arg2: the proposer */
    SIM_EV_ROGUE,      /* arg: an authority whose key was retired (compromised or removed);
                          arg2: targets: a peer gives them entries signed with the old key past
                          its cut, which no replica may accept */
} sim_ev_kind;

typedef struct sim_event {
    uint64_t at_ms; /* virtual time since the start */
    sim_ev_kind kind;
    char arg[SIM_ARG_MAX];
    char arg2[SIM_ARG_MAX];
    int rec_kind;              /* SIM_EV_PUBLISH: a proto_kind */
    uint32_t purpose;          /* SIM_EV_PUBLISH (policy), SIM_EV_DECIDE: PROTO_PURPOSE_... */
    uint32_t outcome;          /* SIM_EV_DECIDE: PROTO_OUTCOME_... */
    int64_t offset_ms;         /* SIM_EV_CLOCK: the wall clock's step, either way */
    char where[SIM_WHERE_MAX]; /* in the scenario, for messages */
} sim_event;

/* A workload stream: `count` publishes (or queries), one every `every_ms` from `from_ms`. */
typedef struct sim_stream {
    bool query;
    uint64_t count;
    uint64_t every_ms;
    uint64_t from_ms;
    int kind;             /* a proto_kind, or 0 for the default mix */
    char by[SIM_ARG_MAX]; /* publishers (authorities) or queried nodes; "" for all */
    char where[SIM_WHERE_MAX];
} sim_stream;

typedef enum sim_expect_what {
    SIM_EXPECT_RMR = 1,   /* relative message redundancy <= bound */
    SIM_EXPECT_LDH,       /* last delivery hop, worst entry <= bound */
    SIM_EXPECT_CONVERGE,  /* every heal converged within bound ms */
    SIM_EXPECT_P99,       /* delivery latency p99 <= bound ms */
    SIM_EXPECT_PROTOCOL,  /* protocol errors counted by honest nodes >= bound (misbehaviour seen) */
    SIM_EXPECT_RECOGNISE, /* every node of a group answers recognise(...) so at a time */
    SIM_EXPECT_STACK,     /* every node of a group answers stack(...) so at a time */
    SIM_EXPECT_LAT_MAX,   /* delivery latency, worst (node, entry) <= bound ms */
    SIM_EXPECT_EVIL_MB,   /* entry bytes honest nodes served to misbehaving peers <= bound MB */
} sim_expect_what;

/* The answer an `expect recognise` wants (query_recognise on each node's replica). */
typedef enum sim_answer {
    SIM_ANSWER_DECISION = 1, /* result decision with `outcome` */
    SIM_ANSWER_AUTOMATIC,    /* result automatic with `outcome` */
    SIM_ANSWER_NO_DECISION,  /* result no_decision */
    SIM_ANSWER_UNKNOWN,      /* RN_ENOTFOUND: the spec, its provider or the pathway is not held */
    SIM_ANSWER_COMPLETE,     /* stack: the specs complete the pathway */
    SIM_ANSWER_INCOMPLETE,   /* stack: they do not */
} sim_answer;

#define SIM_AT_END UINT64_MAX /* an expectation checked with the final checks */

typedef struct sim_expect {
    sim_expect_what what;
    double bound; /* figures */
    /* SIM_EXPECT_RECOGNISE: recognise(spec, country, purpose); SIM_EXPECT_STACK: stack(country,
     * spec (the pathway), specs); as of each node's clock, asked of every node of `group` that is
     * up at at_ms (SIM_AT_END: at the final checks). */
    char spec[SIM_ID_MAX];
    char specs[SIM_ARG_MAX]; /* SIM_EXPECT_STACK: spec ids separated by commas */
    char country[3];
    uint32_t purpose;
    sim_answer answer;
    uint32_t outcome; /* SIM_ANSWER_DECISION, SIM_ANSWER_AUTOMATIC */
    uint64_t at_ms;
    char group[SIM_ARG_MAX]; /* "" for every node */
    char text[SIM_ARG_MAX];  /* the directive as written (words joined by one space) */
    char where[SIM_WHERE_MAX];
} sim_expect;

typedef enum sim_topology { SIM_TOPO_MESH = 0, SIM_TOPO_RANDOM = 1 } sim_topology;

typedef struct sim_scenario {
    char name[64];
    uint64_t seed;
    uint32_t nodes;       /* 1 .. 1000 */
    uint32_t authorities; /* 1 .. 30, <= nodes; the rest are mirrors */
    /* The authorities' countries, indexes into proto_country_at, when chosen by code (`nodes IE
     * FR DE`, `authorities PL SE`); countries_n is then `authorities`. 0: the first
     * `authorities` countries of codes/countries.tsv. */
    uint8_t countries[PROTO_COUNTRIES_COUNT];
    uint32_t countries_n;
    sim_topology topology;
    uint32_t fanout;     /* random: peers each node dials */
    uint32_t lat_min_ms; /* one-way latency of a link: drawn per link in [min, max] */
    uint32_t lat_max_ms;
    uint32_t jitter_ms;  /* each chunk: +- up to this (never reorders a stream) */
    double loss;         /* probability per chunk (0 .. 1) that it is lost: arrives after a TCP
                            retransmission timeout */
    double reorder;      /* probability per chunk that it is held up to reorder_ms more (with what
                            follows it) */
    uint32_t reorder_ms; /* the most a held chunk is held */
    double duplicate;    /* probability per chunk that it is replayed into its stream: the receiver
                            must close */
    double corrupt; /* probability per chunk that it has one bit flipped: the receiver must close */
    uint64_t bandwidth_bytes_per_ms; /* per link direction; 0 for unlimited */
    uint32_t skew_ms;                /* each node's clock offset, uniform in [-skew, +skew] */
    uint32_t chunk_bytes;            /* largest piece of a SEND delivered at once */
    uint64_t map_bytes;              /* LMDB map of each replica */
    node_limits limits;
    uint64_t run_ms;        /* the workload and directives' span; the final phase follows */
    uint64_t settle_ms;     /* quiet time before a check; 0: three anti-entropy periods */
    uint32_t check_queries; /* recognise questions compared across nodes at the end */
    bool governed;          /* `roster governed`: a genesis of the roster, applied live */
    uint32_t checkpoint_ms; /* `checkpoint D`: every node signs a checkpoint this often (0) */
    sim_stream streams[SIM_STREAMS_MAX];
    size_t streams_n;
    sim_event events[SIM_EVENTS_MAX];
    size_t events_n;
    sim_expect expects[SIM_EXPECTS_MAX];
    size_t expects_n;
} sim_scenario;

/* Defaults: 30 authorities in a full mesh over 100 ms links. */
void sim_scenario_defaults(sim_scenario *sc);

/*
 * Applies the directives of text[0..len) (one per line; '#' starts a comment) to `sc`; `origin`
 * names the text in messages (a file's path). Each directive remembers where it was written
 * ("<origin>:<line>") for the messages of the run. Returns 0, or -1 after printing
 * "<origin>:<line>: <what is wrong>" to `err`.
 */
int sim_scenario_parse(sim_scenario *sc, const char *text, size_t len, const char *origin,
                       FILE *err);

/*
 * The same for the text of a command-line option: `origin` names it whole ("-e #3" for the third
 * -e, "--nodes"), and a line past the first is named "<origin> line <n>".
 */
int sim_scenario_parse_arg(sim_scenario *sc, const char *text, const char *origin, FILE *err);

/* Reads and applies a scenario file. Returns 0 or -1 (message printed). */
int sim_scenario_load(sim_scenario *sc, const char *path, FILE *err);

/* Parses a duration: "250ms", "10s", "1.5s", "2m", "3ae" (anti-entropy periods of `ae_ms`).
 * Returns 0 or -1. */
int sim_duration_parse(const char *s, uint64_t ae_ms, uint64_t *out_ms);

typedef struct sim_options {
    const char *dir; /* parent of the run's temporary directory; NULL for $TMPDIR or /tmp */
    bool keep;       /* leave the replicas behind */
    bool verbose;    /* one line per timed directive and check */
    bool legend;     /* the report ends with what its abbreviations mean */
    FILE *out;       /* report */
} sim_options;

/* What a run measured (also printed by sim_run). */
typedef struct sim_result {
    bool ok;
    char failure[512];   /* the first failed check, when !ok */
    uint8_t digest[32];  /* BLAKE2b-256 of the trace */
    uint64_t published;  /* entries acknowledged by node_publish */
    uint64_t deliveries; /* (node, entry) pairs newly accepted */
    double rmr;          /* copies received / deliveries - 1 */
    double ldh_mean;     /* last delivery hop, mean over entries */
    uint32_t ldh_max;    /* last delivery hop, worst entry */
    uint64_t lat_p50_ms, lat_p99_ms, lat_max_ms;
    uint64_t converge_max_ms; /* slowest convergence after a heal; 0 if none */
    uint64_t evil_bytes;      /* bytes honest nodes sent to misbehaving peers */
    double sim_per_wall;      /* simulated seconds per wall second */
} sim_result;

/* Runs the scenario once. Returns 0 when every check and expectation passed, 1 when one failed
 * (res->failure says which), -1 when the run could not be set up (message on stderr). */
int sim_run(const sim_scenario *sc, const sim_options *opt, sim_result *res);

/* ---- Workload records (workload.c) ---- */

/* One authority's counters of what it published, so that every record is new and refers to
 * records that exist. */
typedef struct sim_wl {
    char cc[3];
    uint32_t providers, specs, decisions, policies, pathways, revocations;
} sim_wl;

/* Spec ids published so far, for decisions, pathways and the checks' queries. */
typedef struct sim_specs {
    char (*id)[64];
    uint32_t *author; /* the publishing authority (node index) */
    uint64_t *seq;    /* and the entry's seq */
    size_t n, cap, author_cap, seq_cap;
} sim_specs;

/* A record the scenario spells out (`decide`, `publish ... policy PURPOSE`); NULL fields and 0
 * values are drawn as for the workload. */
typedef struct sim_wl_fix {
    const char *spec; /* a decision's spec id, a pathway's mandatory spec */
    uint32_t purpose; /* a decision's or policy's PROTO_PURPOSE_... */
    uint32_t outcome; /* a decision's PROTO_OUTCOME_... */
} sim_wl_fix;

/*
 * Encodes the body of the next record of kind `kind` (0: a kind from the default mix, drawn from
 * `r`) that authority `w` publishes, into `out` (reset first). Records are the demo fixtures
 * (tests/fixtures/demo: University of Zed, Naboo Theed University, Universiteit van Harderwijk,
 * the French decision, the German policy, the Dutch pathway, the Irish revocation) under the
 * author's prefix with fresh ids. A kind that needs a provider first yields a provider. `fix`
 * (may be NULL) sets what it names instead of drawing it; a decision with fix->spec needs no spec
 * published. *kind_out gets the kind encoded; spec_out (64 bytes) the spec id when it is a spec,
 * else "". Returns 0 or proto_record_encode's error (a bug in the generator, or a fix->spec that
 * is no id).
 */
int sim_wl_body(sim_wl *w, int kind, uint64_t r, const sim_specs *specs, const uint8_t *issuer_pk,
                const sim_wl_fix *fix, mp_buf *out, proto_kind *kind_out, char *spec_out);

#endif /* RN_SIM_H */
