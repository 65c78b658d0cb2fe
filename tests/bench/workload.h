/*
 * workload.h: the signed workload that store_bench and node_bench share (issue 3).
 *
 * 1,000,000 entries from the 30 authorities, one per country, delivered in runs of 1,000 as a
 * catch-up delivers them, round-robin over the authors: run r is entries [r*1000, (r+1)*1000) of
 * author r % 30. Entries 1-50 of a log register the country's 50 awarding bodies, entry 51 is its
 * automatic-recognition policy (EQF 6-7, ISCED 05, external QA), every later tenth entry is a
 * decision about the spec that the next country's log holds at the seq before, and every other
 * entry is a spec of about 200 bytes; so recognise meets all three kinds of answer.
 *
 * Every entry is genuinely signed, so any run boundary would verify. Signing a million entries
 * takes a while, so workload_chains_load caches the chains in a file of the caller's choosing and
 * reuses it on later runs. Everything here is deterministic: the same author and seq give the same
 * entry, byte for byte, in every build, which is what keeps those cache files valid. Changing any
 * byte of a body, a key or the cache layout means renaming the benches' cache files.
 *
 * This is bench code: it is single-threaded and not meant for the node. A body or entry that does
 * not fit WORKLOAD_ENTRY_BYTES_MAX is a programmer error and fails an RN_ASSERT.
 */
#ifndef RN_BENCH_WORKLOAD_H
#define RN_BENCH_WORKLOAD_H

#include <stddef.h>
#include <stdint.h>

#include "proto/error.h"
#include "proto/record.h"

#define WORKLOAD_AUTHORS         30   /* one authority per country */
#define WORKLOAD_RUN             1000 /* entries per run of one author, as a catch-up sends them */
#define WORKLOAD_ENTRY_BYTES_MAX 1024 /* the bench's entries are about 300 bytes */

/* The 30 countries' codes in the workload's author order (author a is workload_countries[a]). */
extern const char *const workload_countries[WORKLOAD_AUTHORS];

/* The authorities' keys, derived from fixed labels ("recnet bench authority AT"), so the same in
 * every run. */
typedef struct workload_keys {
    uint8_t seed[WORKLOAD_AUTHORS][32]; /* Ed25519 seeds, as written to a node.key */
    uint8_t pk[WORKLOAD_AUTHORS][32];
    uint8_t sk[WORKLOAD_AUTHORS][64];
} workload_keys;

/* Derives the 30 authorities' keys into `k` (caller owns it). sodium_init must have run. */
void workload_keys_derive(workload_keys *k);

/* The record kind (PROTO_KIND_*) of entry `seq` (1-based) of every author's log. */
int workload_kind_of(uint64_t seq);

/* Encode the record body of author `a` (0 .. WORKLOAD_AUTHORS - 1) into `out`, which has room for
 * WORKLOAD_ENTRY_BYTES_MAX bytes, and return its length. The provider body is for seq 1-50, the
 * policy body for seq 51, the decision body for a seq that is a multiple of 10 (it names the spec
 * at seq - 1 of author a + 1). workload_spec_body names its spec "<CC>:registry/mc-%06<seq>";
 * workload_spec_body_id gives it the id `id` (borrowed for the call) and otherwise the same
 * fields. */
size_t workload_provider_body(int a, uint64_t seq, uint8_t *out);
size_t workload_policy_body(int a, uint8_t *out);
size_t workload_decision_body(int a, uint64_t seq, uint8_t *out);
size_t workload_spec_body(int a, uint64_t seq, uint8_t *out);
size_t workload_spec_body_id(int a, const char *id, uint64_t seq, uint8_t *out);

/* Encodes and signs entry `seq` of author `a` with the keys `k`: `prev` is the 32-byte id of the
 * entry before (NULL for seq 1), `ts` its time in ms, `kind` its PROTO_KIND_*, `body[0..blen)`
 * its encoded record. Writes the entry into `out` (room for WORKLOAD_ENTRY_BYTES_MAX bytes) and
 * returns its length. It skips proto_entry_sign's read-back check, which doubles the cost: the
 * benches' chains are checked for real by the ingest under test. */
size_t workload_entry_sign(const workload_keys *k, int a, uint64_t seq, const uint8_t *prev,
                           uint64_t ts, int kind, const uint8_t *body, size_t blen, uint8_t *out);

/* The recognise questions the benches ask, from a xorshift64 sequence (test_xorshift64_next,
 * tests/support/rng.h) whose state `*x` starts at WORKLOAD_QUESTION_SEED: each call advances
 * `*x`, sets `*c` to the asking country (an author index) and returns the seq of a spec of author
 * (*c + 1) % WORKLOAD_AUTHORS, from 52 up to about `per_author` - 8 (`per_author` is the entries
 * each author holds, above 60). About one question in ten meets a decision, and the policy
 * answers for the specs of EQF 6-7. */
#define WORKLOAD_QUESTION_SEED 88172645463325252ull
uint64_t workload_question_next(uint64_t *x, uint64_t per_author, int *c);

/* All entries of the workload, in delivery order. */
typedef struct workload_chains {
    uint8_t *blob; /* the entries back to back, `bytes` long; owned */
    size_t *off;   /* per entry, its offset in blob; `total` of them; owned */
    size_t *len;   /* per entry, its length in bytes; `total` of them; owned */
    size_t total;  /* entries; a whole number of runs */
    size_t bytes;  /* bytes in blob */
} workload_chains;

/* Fills `c` (caller owns the struct, the arrays belong to it until workload_chains_free) with the
 * first `total` entries of the workload (a multiple of WORKLOAD_RUN), signed with `k`. If the file
 * `cache` holds exactly `total` entries they are read from it, printing "  (signed entries read
 * from <cache>)"; otherwise they are signed, printing "  signing <total> entries once (cached in
 * <cache> for later runs)..." and "  signed in <s> s", and written to `cache` (a failure to write
 * it is ignored: the next run signs again). `poll`, when not NULL, is called every 65,536 entries
 * while signing and may end the process (node_bench checks for an interrupt there).
 * Returns 0, or RN_ENOMEM (then `c` holds nothing to free). */
RN_MUST_USE int workload_chains_load(workload_chains *c, const workload_keys *k, size_t total,
                                     const char *cache, void (*poll)(void));

/* Points run[0 .. WORKLOAD_RUN) at the entries of run `r` of `c` (r < c->total / WORKLOAD_RUN),
 * ready for store_ingest; the pointers borrow c->blob and are valid until workload_chains_free. */
void workload_chains_run(const workload_chains *c, size_t r, proto_str *run);

/* Frees the arrays of `c` (not `c` itself) and empties it; safe on an emptied `c`. */
void workload_chains_free(workload_chains *c);

#endif
