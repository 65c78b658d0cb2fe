/*
 * run.h: the state of one simulated run, shared by the parts of the simulator (not a public
 * interface: sim.h is the contract with main.c and the tests).
 *
 * A run is one `sim`: the nodes (each a node core over its own LMDB replica), the virtual network
 * between them (connections made of two in-order byte streams), the misbehaving endpoints, what
 * each authority acknowledged, the event queue, and what was measured. One thread owns it; every
 * part takes it as `S` and changes it only from the event being handled. The parts:
 *
 *   sim.c     the run: the seeded generators, the event queue and its loop, the nodes' clocks,
 *             names and groups, draining a core's actions (run_settle), starting, crashing and
 *             restarting nodes, set-up and tear-down, sim_run;
 *   net.c     the network: chunks, latency, bandwidth, loss, reordering, duplication, corruption,
 *             partitions, connection set-up and failure, the dial lists (topology);
 *   script.c  the scenario's timeline: workload streams, publishing, timed directives, the end of
 *             the run;
 *   evil.c    misbehaving peers: endpoints that run the real handshake with extra roster keys,
 *             and the directives that make them (equivocate, forge, garble, garbage, oversize,
 *             junk, liar-heads, want-loop);
 *   observe.c what the simulator sees of the replicas: deliveries, hops, convergence after heals;
 *   check.c   the checks: replicas after heals and at the end, answers the scenario expects,
 *             the same answers everywhere, misbehaving peers disconnected, garbled runs flagged;
 *   report.c  the report, the figures it defines and the expectations on them, the digest.
 *
 * Names say where a function lives: run_ (sim.c), net_, script_, evil_, obs_, check_, report_.
 * Units go last in field names (_ms, _us, _bytes); counts say what they count.
 */
#ifndef RN_SIM_RUN_H
#define RN_SIM_RUN_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <sodium.h>

#include "node/clock.h"
#include "node/core.h"
#include "proto/wire.h"
#include "simnet/sim.h"
#include "store/store.h"

#define HOP_UNKNOWN 0xffu
#define SIM_T0      1767225600000ull /* virtual time 0 on the wall clock: 2026-01-01 */

/* ---- Random numbers: splitmix64 streams, each seeded from the run's seed ---- */

typedef struct rng {
    uint64_t s;
} rng;

static inline uint64_t rng_next(rng *r)
{
    uint64_t z = (r->s += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
}

static inline uint64_t rng_below(rng *r, uint64_t n)
{
    return n == 0 ? 0 : rng_next(r) % n;
}

static inline double rng_unit(rng *r)
{
    return (double)(rng_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline uint64_t mix64(uint64_t a, uint64_t b)
{
    rng r = { a ^ (b * 0xd1b54a32d192ed03ull) };
    rng_next(&r);
    return rng_next(&r);
}

/* ---- Events ---- */

typedef enum ev_kind {
    E_TICK = 1,   /* a: node, gen: its tick generation */
    E_DATA,       /* a: vconn, b: direction (the sending end) */
    E_ACCEPT,     /* a: vconn: the responder accepts */
    E_CONNECTED,  /* a: vconn: the initiator learns it is connected */
    E_CONNFAIL,   /* a: node, b: peer node, gen: the node's incarnation */
    E_SCRIPT,     /* a: scenario event */
    E_PREP,       /* a: scenario event (evil endpoints connect ahead of an equivocation) */
    E_STREAM,     /* a: stream, b: step */
    E_EVIL_CLOSE, /* a: evil endpoint */
    E_CHECK,      /* a: heal number */
    E_END,        /* the scenario's run time is over: heal, restart, settle */
    E_FINAL,      /* final checks */
    E_EXPECT,     /* a: an `expect recognise` checked now */
    E_EVIL_ACT,   /* a: a persistent evil endpoint's next step (liar-heads, want-loop) */
    E_GOV,        /* a: a roster change being driven to its quorum: the next approvals */
    E_GONE,       /* a: node removed from the roster: its process stops for good */
    E_CKPT,       /* checkpoints on: the nodes' own checkpoints read (govern.c) */
    E_JOIN,       /* a: a node added to the roster: it starts from the chain as it stands */
} ev_kind;

typedef struct ev {
    uint64_t at_ms;     /* virtual time it is due */
    uint64_t seq;       /* insertion number: ties in time keep their order */
    uint32_t kind;      /* an ev_kind */
    uint32_t a, b, gen; /* what the event is about: see ev_kind */
} ev;

/* ---- The network ---- */

typedef struct chunk {
    struct chunk *next;
    uint64_t at_ms;   /* arrival at the far end, virtual time */
    uint32_t retries; /* retransmissions while partitioned: the next timeout doubles */
    bool fin;         /* the end of the stream, no data */
    uint32_t len;     /* bytes in data[], at most the scenario's chunk_bytes */
    uint8_t data[];
} chunk;

/* One direction of a connection: the chunks on their way, in order. */
typedef struct dirq {
    chunk *head, *tail;
    uint64_t busy_us;    /* the link is sending until then (bandwidth), virtual microseconds */
    uint64_t last_at_ms; /* arrival of the last chunk queued: none arrives before it (order) */
    bool scheduled;      /* an E_DATA is pending */
} dirq;

enum { END_NODE = 0, END_EVIL = 1 };

typedef struct vconn {
    int end[2];      /* node index, or evil endpoint index (type); end[0] initiated */
    uint8_t type[2]; /* END_NODE or END_EVIL */
    uint32_t inc[2]; /* the incarnation of each node end when created */
    bool open[2];    /* the end holds the connection open */
    uint32_t lat_ms; /* one-way latency of the link */
    dirq q[2];       /* q[s]: bytes from end s */
} vconn;

static inline uint32_t net_conn_id(size_t vc, int side)
{
    return (uint32_t)(((vc + 1) << 1) | (size_t)side);
}

/* ---- Nodes, entries, evil endpoints ---- */

typedef struct snode {
    char name[8]; /* "FR", "M12": an authority's country, or a mirror's number */
    proto_role role;
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
    char dir[PATH_MAX]; /* its replica's directory */
    store s;            /* open while has_store */
    bool has_store;
    node *n; /* the core, NULL while down */
    bool up;
    int64_t skew_ms;  /* its wall clock's fixed offset from true time */
    int64_t step_ms;  /* its wall clock's step (`at T clock`), on top of the skew */
    node_clock clock; /* what recnetd's driver makes of the wall clock (node/clock.h) */
    uint8_t (*dial)[PROTO_KEY_BYTES]; /* keys of the peers it dials */
    size_t dial_n;                    /* keys in dial, at most RN_PEERS_MAX */
    uint32_t inc;                     /* incarnation: bumped by each crash */
    uint64_t tick_at_ms;              /* its pending E_TICK, UINT64_MAX for none */
    uint32_t tick_gen;                /* generation of the pending E_TICK (older ones are void) */
    uint32_t stuck_ticks; /* ticks in a row whose deadline stayed at now (bound STUCK_TICKS_MAX) */
    uint64_t *head_seq;   /* [authors]: the replica's heads as last observed, seqs */
    uint8_t **hop;        /* [authors][seq - 1]: hops of our copy from its author */
    size_t *hop_cap;      /* [authors]: seqs hop[a] has room for */
    node_counters acc;    /* counters of earlier incarnations */
    uint64_t entries_new_seen; /* node_counters.entries_new of this incarnation already observed */
    uint64_t up_since_ms;      /* virtual time of its last start */
    int group;                 /* partition side, 0 when none */
    /* The governed roster (govern.c). */
    bool quiet;    /* its key is being retired (removal, rotation, compromise): it publishes and
                      approves nothing more with it */
    bool gone;     /* removed from the roster: stopped for good, not checked */
    bool joiner;   /* left out of the genesis for an `add`: not started (nor checked) until it is a
                      member */
    bool has_next; /* next_sk: the key its rotation makes it sign with */
    uint8_t next_sk[PROTO_SK_BYTES]; /* (node_rekey once its old key is retired) */
} snode;

/* An entry an authority acknowledged, and its deliveries. */
typedef struct pentry {
    uint8_t id[PROTO_ID_BYTES];
    uint64_t published_ms;     /* virtual time node_publish returned */
    uint32_t deliveries;       /* nodes it was delivered to (its author excluded) */
    uint64_t last_delivery_ms; /* virtual time of the last of them */
    uint8_t last_hop;          /* hops of that delivery (HOP_UNKNOWN when not known) */
} pentry;

typedef struct pauthor {
    pentry *e; /* e[seq - 1]: what the author acknowledged */
    size_t n;  /* entries in e: the last acknowledged seq */
    size_t cap;
    uint64_t fork_seq;       /* the seq it equivocated at, 0 for none */
    uint64_t fork_at_ms;     /* virtual time it did */
    uint64_t garble_seq;     /* the first seq of its garbled run (all unsigned but the last), 0 for
                                none */
    uint64_t garble_entries; /* entries in that run */
    sim_wl wl;               /* records published so far, by kind */
} pauthor;

typedef enum evil_state { EV_CONNECTING = 0, EV_M2, EV_M4, EV_OPEN, EV_DONE } evil_state;

typedef struct evil {
    sim_ev_kind kind;
    int member; /* index of its key in S->evil_pk */
    int target; /* node index */
    size_t vc;  /* its connection; it is end 0 */
    evil_state state;
    proto_hs hs;
    proto_stream st;
    uint8_t buf[256];   /* a handshake message being read */
    size_t buf_len;     /* bytes in buf */
    uint8_t *payload;   /* plaintext message, or raw bytes */
    size_t payload_len; /* bytes in payload */
    bool raw;           /* payload goes out as it is, not sealed in a frame */
    bool armed;         /* payload ready to go */
    bool sent;
    bool closed_by_target;
    bool target_was_up;
    /* Persistent kinds (liar-heads, want-loop): the authority whose log, and the frames read. */
    int author;
    uint8_t *rx;
    size_t rx_len, rx_cap; /* bytes in rx, and its room */
} evil;

/* What every node up held at a heal, for the check after it (check.c). */
typedef struct heal_snap {
    uint64_t at_ms;       /* virtual time of the heal, 0 until taken */
    uint64_t *target_seq; /* [authors]: the highest head any node up held */
} heal_snap;

#define SIM_HEALS_MAX 64u /* heals measured and checked */

/* A key the governed roster retired (govern.c): the old key of a rotation or a compromise, or a
 * removed authority's. Every replica must hold its log exactly up to (seq, id), and nothing
 * signed with it past that. */
typedef struct retired_key {
    int node;
    proto_rc_optype why; /* PROTO_RC_REMOVE, PROTO_RC_ROTATE, PROTO_RC_ROTATE_COMPROMISED */
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES]; /* what a rogue holder of the old key signs with */
    uint64_t seq;               /* the last entry kept (the cut); 0 for none */
    uint8_t id[PROTO_ID_BYTES];
    uint64_t issued_ms; /* the change's time of issue (removal: later entries are refused) */
    bool swapped;       /* rotations: the node signs with its new key now */
} retired_key;

/* A roster change the scenario drives to its quorum (govern.c). */
typedef struct gov_drive {
    size_t evi; /* the directive */
    uint8_t hash[PROTO_ID_BYTES];
    uint64_t version;
    int proposer, target;
    bool approved[RN_ROSTER_MEMBERS_MAX]; /* authorities that signed */
    bool done;                            /* in force on a node that approved it */
} gov_drive;

/* A witness's cosignature of a forked author's head at its fork's seq (govern.c). */
typedef struct cosig_seen {
    uint8_t witness[PROTO_KEY_BYTES];
    size_t author;
    uint8_t id[PROTO_ID_BYTES];
} cosig_seen;

#define SIM_GOV_MAX 32u /* roster changes and retired keys of one run */

typedef struct sim {
    const sim_scenario *sc;
    const sim_options *opt;
    sim_result *res;
    uint64_t now_ms;    /* virtual time since the start */
    rng net, wl, setup; /* the network's, the workload's, the set-up's and directives' draws */
    uint8_t netkey[PROTO_NETKEY_BYTES];
    uint8_t issuer_pk[PROTO_KEY_BYTES];
    char root[PATH_MAX - 64]; /* the run's temporary directory, "" when none */
    proto_roster roster;      /* the federation's, validated once at set-up and shared read-only
                                 by every replica (store_options.roster); freed after them */

    snode *nodes;
    size_t n, a; /* nodes, authorities (nodes 0 .. a-1) */
    int *by_key; /* node indexes sorted by key */

    size_t evil_members;                 /* roster keys for misbehaving peers, one per directive */
    uint8_t (*evil_pk)[PROTO_KEY_BYTES]; /* [evil_members] */
    uint8_t (*evil_sk)[PROTO_SK_BYTES];  /* [evil_members] */
    evil *evils;                         /* endpoints, evils_n of evils_cap */
    size_t evils_n, evils_cap;
    int *event_member; /* scenario event -> evil member, or -1 */

    vconn **vcs; /* connections, vcs_n of vcs_cap, never moved or freed during the run */
    size_t vcs_n, vcs_cap;

    ev *heap; /* the event queue, heap_n of heap_cap */
    size_t heap_n, heap_cap;
    uint64_t ev_seq; /* events queued so far */

    pauthor *pub;    /* [authorities]: what each acknowledged */
    sim_specs specs; /* spec ids published, for decisions and queries */
    mp_buf body;     /* a record body being built */

    /* Measurements. */
    crypto_generichash_state digest;
    uint64_t deliveries;    /* (node, entry) pairs newly accepted, counted entries only */
    uint64_t copies;        /* entry copies received from honest peers */
    uint64_t copies_evil;   /* and from misbehaving ones */
    uint64_t bytes_to_evil; /* bytes honest nodes sent to misbehaving endpoints */
    uint64_t *lat_ms;       /* delivery latency of each delivery, lat_n of lat_cap */
    size_t lat_n, lat_cap;
    uint64_t hop_hist[16];       /* deliveries by hop (the last: 15 or more) */
    uint64_t skipped_publishes;  /* publish steps with no publisher up */
    uint64_t queries;            /* `query` steps asked */
    uint64_t query_results[4];   /* their answers by result (0: not found) */
    uint64_t expect_answers;     /* node answers checked by `expect recognise` and `expect stack` */
    size_t forged_n, forged_cap; /* forged entries made */
    uint8_t (*forged)[PROTO_ID_BYTES]; /* [forged_n]: their ids */
    uint64_t chunks, chunks_lost, chunks_dup, chunks_corrupt, chunks_held; /* chunk counts */
    uint64_t connects, connects_failed, crashes, restarts;                 /* counts */

    /* Convergence after heals. */
    bool conv_active;                /* a heal is being measured */
    uint64_t conv_start_ms;          /* virtual time of that heal */
    uint64_t *conv_target_seq;       /* [authors]: the highest head any node up held at the heal */
    bool *conv_in;                   /* [nodes]: counted in this measurement */
    uint64_t conv_pending;           /* (node, author) pairs still below their target */
    uint64_t heals;                  /* heals so far */
    uint64_t conv_ms[SIM_HEALS_MAX]; /* time each heal took to converge */
    bool conv_done[SIM_HEALS_MAX];
    bool partitioned;
    heal_snap heal_snaps[SIM_HEALS_MAX];

    /* The governed roster (govern.c). */
    uint8_t *genesis;     /* the genesis document every replica starts from, genesis_len bytes */
    proto_str *join_docs; /* while a joiner starts: the change documents it starts from */
    size_t join_docs_n;
    size_t genesis_len;
    gov_drive drives[SIM_GOV_MAX];
    size_t drives_n;
    retired_key retired[SIM_GOV_MAX];
    size_t retired_n;
    uint8_t (*rogue)[PROTO_ID_BYTES]; /* entries signed with retired keys past their cut, offered
                                         to nodes by `rogue` (none may be held) */
    int *rogue_node;                  /* [rogue_n]: whose retired key signed it */
    size_t rogue_n, rogue_cap, rogue_node_cap;
    cosig_seen *cosig; /* cosignatures seen of forked authors' heads at their fork */
    size_t cosig_n, cosig_cap;

    bool failed;      /* a check failed: the run stops */
    bool final_phase; /* the run is over: no more workload, the final checks are next */
    bool finished;    /* the final checks ran */
} sim;

/* ---- sim.c: the run ---- */

/* Records the run's first failure ("at <virtual time> s: ..."); later ones are dropped. */
void run_fail(sim *S, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Adds a record to the trace digest: tag, virtual time, p[0..len). */
void run_trace(sim *S, char tag, const void *p, size_t len);
/* calloc and a doubling array; out of memory ends the process (exit 2). */
void *run_calloc(size_t n, size_t size);
void run_grow(void **p, size_t *cap, size_t need, size_t elem);
/* Queues an event at virtual time t (never before now). */
void run_push(sim *S, uint64_t t, ev_kind kind, uint32_t a, uint32_t b, uint32_t gen);
/* Node x's time as its core is given it (its wall clock read through its node clock). */
uint64_t run_clock(sim *S, snode *x);
/* A node by roster key or by name ("FR", "M12", "#7"); -1 when none. */
int run_node_by_key(const sim *S, const uint8_t *pk);
int run_node_by_name(const sim *S, const char *name);
/* The node named by a directive's `arg`, which must be an authority; -1 (failure recorded). */
int run_authority(sim *S, const sim_event *e);
/* Resolves a group text into mark[0..n) (see sim.c); 0, or -1 with the failure recorded. */
int run_group(sim *S, const char *text, bool *mark, const bool *pool);
/* A plain read transaction on a replica (no index pass), as the core takes one. */
int run_read_plain(store *s, store_read *r);
/* Drains node i's actions, observes new entries (from `sender`: a node, -1 unknown, -2 evil),
 * and sets its next tick. */
void run_settle(sim *S, int i, int sender);
/* Process crash / restart over the same directory (with the durability checks). */
void run_crash(sim *S, int i);
void run_restart(sim *S, int i);
void run_counters_add(node_counters *acc, const node_counters *c);
/* Starts node i for the first time after set-up (a joiner). 0 or -1. */
int run_join(sim *S, int i);

/* ---- net.c: the network ---- */

/* Bytes (or the FIN) from end `side` of vc enter the network; net_close: that end stops. */
void net_send(sim *S, size_t vc, int side, const uint8_t *p, size_t len, bool fin);
void net_close(sim *S, size_t vc, int side);
/* A new connection between two ends (END_NODE or END_EVIL); its index. */
size_t net_vconn_new(sim *S, int a, uint8_t ta, int b, uint8_t tb);
/* A handshake's ephemeral seed, drawn from the network's stream. */
void net_eph_seed(sim *S, uint8_t seed[32]);
/* Events: NODE_ACT_CONNECT from node i, E_ACCEPT, E_CONNECTED, E_CONNFAIL, E_DATA. */
void net_on_connect(sim *S, int i, const uint8_t *peer);
void net_on_accept(sim *S, size_t vc);
void net_on_connected(sim *S, size_t vc);
void net_on_connfail(sim *S, int i, int peer, uint32_t inc);
void net_on_data(sim *S, size_t vc, int side);
/* Each node's dial list (mesh, or random partial views bridged into one component). 0 or -1. */
int net_topology(sim *S);

/* ---- script.c: the scenario's timeline ---- */

/* Authority a publishes its next record of `kind` (0: the default mix); 0 or the error. */
int script_publish(sim *S, size_t a, int kind, const sim_wl_fix *fix);
/* A new entry of authority a, acknowledged at seq with id. */
void script_pub_record(sim *S, size_t a, uint64_t seq, const uint8_t id[PROTO_ID_BYTES]);
void script_on_stream(sim *S, size_t si, uint64_t step);
void script_on_event(sim *S, size_t evi);
void script_on_end(sim *S);

/* ---- evil.c: misbehaving peers ---- */

/* Kinds of directive: a hostile member that stays connected; any misbehaving peer. */
bool evil_persistent(sim_ev_kind k);
bool evil_misbehaviour(sim_ev_kind k);
void evil_connected(sim *S, evil *e);
void evil_input(sim *S, evil *e, const uint8_t *p, size_t len);
void evil_fin(sim *S, evil *e);
void evil_act(sim *S, evil *e);
void evil_close(sim *S, evil *e);
void evil_on_prep(sim *S, size_t evi);
void evil_equivocate(sim *S, size_t evi);
void evil_misbehave(sim *S, size_t evi);

/* ---- observe.c: deliveries, hops, convergence ---- */

void obs_heads(sim *S, int j, int sender);
void obs_hop_set(sim *S, int i, size_t a, uint64_t seq, uint8_t hop);
/* Does this entry count in the gossip figures? (not the equivocator's doubled seq and after) */
bool obs_counted(const sim *S, size_t a, uint64_t seq);
void obs_conv_start(sim *S);
void obs_conv_recompute(sim *S);

/* ---- check.c: the checks ---- */

/* An expectation on answers (checked at its time), not on figures (checked at the end). */
bool check_is_answer(const sim_expect *e);
void check_expect(sim *S, size_t k);
void check_on_heal(sim *S, size_t h);
void check_final(sim *S);

/* ---- govern.c: the governed roster ---- */

/* At set-up, before the replicas: the genesis of S->roster (quorum: a majority). 0 or -1. */
int gov_setup(sim *S);
/* Before node_new: the chain of node i (node_chain_prepare) into *ch, and its dial list mapped
 * through the replica's author table into dial[] (*dial_n). 0, or the error. */
int gov_prepare(sim *S, int i, proto_rosterchain *ch, uint8_t (*dial)[PROTO_KEY_BYTES],
                size_t *dial_n);
/* Drains node i's roster events (as recnetd's driver does); true when it called into the core
 * (its actions must be drained again). */
bool gov_events(sim *S, int i);
/* A retired key, by its public key; NULL when none. */
const retired_key *gov_retired(const sim *S, const uint8_t *pk);
/* The timed directives remove, rotate, compromise; E_GOV; E_GONE. */
void gov_on_event(sim *S, size_t evi);
void gov_step(sim *S, size_t d);
void gov_gone(sim *S, int i);
void gov_join(sim *S, int i);
/* Around the restart of node i whose key a change in force replaced (rotated, compromised) while
 * it was down: as its operator does, gov_restart_begin gives it its new key and the change
 * documents a member holds (S->join_docs; node_new then publishes its succession) and returns
 * true; false when there is nothing to do. gov_restart_end(started) follows the new log from
 * that succession on and frees the documents. */
bool gov_restart_begin(sim *S, int i);
void gov_restart_end(sim *S, int i, bool started);
/* The rogue directive: entries of a retired key past its cut, as an ENTRIES message. */
void gov_rogue_entries(sim *S, size_t evi, uint8_t **msg, size_t *msg_len);
/* E_CKPT: cosignatures of forked authors' heads noted; no witness cosigns two. */
void gov_scan_checkpoints(sim *S);
/* The final checks of the governed roster and of checkpoints. */
void gov_check_final(sim *S);

/* ---- report.c ---- */

void report_print(sim *S, double wall_s, uint64_t events);

#endif /* RN_SIM_RUN_H */
