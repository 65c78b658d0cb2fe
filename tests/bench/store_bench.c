/*
 * store_bench.c: ingest into the replica beside raw LMDB puts of the same bytes, in one run.
 *
 * Workload (issue 3, built by workload.c and shared with node_bench): 1,000,000 entries from 30
 * authorities, ingested in runs of 1,000 as a catch-up delivers them, round-robin over the
 * authors. Every entry is genuinely signed, so any run boundary would verify; signing a million
 * entries takes a while, so the signed entries are cached in the working directory
 * (store_bench_entries-v3.bin) and reused by later runs.
 *
 * Printed: ingest entries/s through store_ingest (decode, links, one signature per run, record
 * decode and prefix check, entries and heads in one transaction per run) followed by the index
 * pass that derives ids and record indexes (store_index_flush), both timed together; raw LMDB
 * puts/s of the same bytes keyed by (author, seq) in one transaction per run, their ratio, and
 * bytes on disk per entry against the entries' own size. Both replicas commit without fsync
 * (MDB_NOSYNC, as the replica does for received entries), so the comparison is like for like.
 * Then the background verifier checks every signature ingest left to it (its rate is printed;
 * a node does this while idle), and recognise is timed on the replica so verified.
 *
 * Usage: store_bench [ENTRIES]   (default 1000000; rounded down to whole runs)
 *
 * For profiling recognise alone: STORE_BENCH_QUERIES_ONLY=1 store_bench [ENTRIES] skips the
 * baseline, ingest and verifier and asks the questions of the replica a previous run with the
 * same ENTRIES left in store_bench_work (only the recognise lines are printed);
 * STORE_BENCH_QUESTIONS=N asks N questions each way instead of as many as 3 s allow, and prints
 * a digest of every answer's result and bundle, so that two builds can be compared (the digest
 * is computed only then: hashing each bundle cost 4,400 instructions a call with proof in
 * callgrind, against some 30,000 for the call itself);
 * STORE_BENCH_HOT=N asks only N distinct questions, over and over, so that what a call costs in
 * computation can be told from what its reads of cold pages cost.
 *
 * After recognise, the same specs' entries are read from the raw baseline with plain LMDB gets,
 * in the same order, for 3 s: one random B-tree lookup's cost on this machine, in the same run,
 * and recognise's cost counted in such lookups.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>
#include <sodium.h>

#include "proto/codes.h"
#include "proto/entry.h"
#include "proto/mp.h"
#include "proto/record.h"
#include "proto/roster.h"
#include "store/query.h"
#include "store/store.h"
#include "workload.h"

#define AUTHORS  WORKLOAD_AUTHORS
#define RUN      WORKLOAD_RUN
#define CACHE    "store_bench_entries-v3.bin"
#define WORK_DIR "store_bench_work"

static workload_keys keys;
static workload_chains ch; /* run r is entries [r*RUN, (r+1)*RUN) of author r % AUTHORS */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what, int rc)
{
    fprintf(stderr, "store_bench: %s: %s (%d)\n", what, rc < 0 ? rn_strerror(rc) : "", rc);
    exit(1);
}

static uint64_t disk_bytes(const char *dir)
{
    char path[512];
    struct stat st;
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    if (stat(path, &st) != 0)
        return 0;
    return (uint64_t)st.st_blocks * 512u;
}

static void fresh_dir(const char *dir)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/data.mdb", dir);
    unlink(path);
    snprintf(path, sizeof(path), "%s/lock.mdb", dir);
    unlink(path);
    if (mkdir(dir, 0700) != 0 && errno != EEXIST)
        die("mkdir", RN_EIO);
}

/* STORE_BENCH_HOT=N: the question generator starts over every N questions, so that only N
 * distinct questions are asked (0: never, every question drawn afresh). */
static size_t hot_set(void)
{
    const char *e = getenv("STORE_BENCH_HOT");
    return e != NULL ? (size_t)strtoull(e, NULL, 10) : 0;
}

/* Raw LMDB gets, in the raw baseline's environment, of the entries of the specs recognise_bench
 * asks about, in the same order, for 3 s: what one B-tree lookup of a random entry costs on this
 * machine, the floor under every query that reads one. Returns gets/s, or 0 when the raw
 * environment is absent. */
static double raw_get_bench(size_t runs)
{
    MDB_env *env;
    MDB_txn *txn;
    MDB_dbi dbi;
    MDB_cursor *c;
    int rc;
    if ((rc = mdb_env_create(&env)) != 0)
        die("raw lmdb", rc);
    if (mdb_env_set_mapsize(env, 16ull << 30) != 0 ||
        mdb_env_open(env, WORK_DIR "-raw", MDB_RDONLY, 0600) != 0) {
        mdb_env_close(env);
        return 0;
    }
    if ((rc = mdb_txn_begin(env, NULL, MDB_RDONLY, &txn)) != 0 ||
        (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0 || (rc = mdb_cursor_open(txn, dbi, &c)) != 0)
        die("raw read", rc);
    uint64_t per_author = runs / AUTHORS * RUN;
    size_t hot = hot_set(), got = 0, asked;
    uint64_t x = WORKLOAD_QUESTION_SEED, sum = 0;
    double t0 = now_s();
    for (asked = 0; asked < 20000000; asked++) {
        if (hot > 0 && asked % hot == 0)
            x = WORKLOAD_QUESTION_SEED;
        int ci;
        uint64_t sq = workload_question_next(&x, per_author, &ci);
        uint8_t key[40];
        memcpy(key, keys.pk[(ci + 1) % AUTHORS], 32);
        for (int b = 0; b < 8; b++)
            key[32 + b] = (uint8_t)(sq >> (56 - 8 * b));
        MDB_val k = { sizeof(key), key }, v;
        if ((rc = mdb_cursor_get(c, &k, &v, MDB_SET_KEY)) == 0) {
            sum += ((const uint8_t *)v.mv_data)[v.mv_size - 1];
            got++;
        } else if (rc != MDB_NOTFOUND) {
            die("raw get", rc);
        }
        if ((asked & 1023) == 0 && now_s() - t0 > 3.0)
            break;
    }
    double rate = (double)asked / (now_s() - t0);
    mdb_cursor_close(c);
    mdb_txn_abort(txn);
    mdb_env_close(env);
    if (got != asked && got != asked + 1) /* a break comes after its question's get */
        die("raw get: entries missing from the raw baseline", RN_ECORRUPT);
    return sum == UINT64_MAX ? 0 : rate; /* sum: kept, so the reads are not optimised away */
}

/* Prints the raw gets' rate and what one recognise with its bundle costs counted in them. */
static void print_lookups(double get_rate, double rec_rate)
{
    if (get_rate <= 0 || rec_rate <= 0)
        return;
    printf("  %-44s %10.0f gets/s\n", "raw LMDB gets of the asked specs' entries", get_rate);
    printf("  %-44s %10.1f gets  (300,000/s would be %.1f)\n",
           "recognise with proof bundle, in raw gets", get_rate / rec_rate, get_rate / 300000.0);
}

/* recognise for random (spec, country) pairs, 3 s with proof bundles (*with, kinds[] counts the
 * results when not NULL) and 3 s without (*without), in calls/s: spec of country c+1 asked in
 * country c, so about one in ten has a decision, and the policy answers for EQF 6-7 specs. */
static void recognise_bench(store *s, size_t runs, double *with, double *without, uint64_t *kinds)
{
    store_read rd;
    int rc;
    if ((rc = store_query_begin(s, &rd)) != 0)
        die("read", rc);
    uint64_t per_author = runs / AUTHORS * RUN; /* every author has this many */
    size_t asked = 0, max_q = 2000000;
    bool fixed = getenv("STORE_BENCH_QUESTIONS") != NULL;
    if (fixed) /* a fixed count, for instruction profiles */
        max_q = (size_t)strtoull(getenv("STORE_BENCH_QUESTIONS"), NULL, 10);
    mp_buf proof;
    mp_buf_init(&proof, RN_PROOF_BYTES_MAX);
    crypto_generichash_state digest; /* of every answer's result and bundle, to compare builds */
    crypto_generichash_init(&digest, NULL, 0, 32);
    for (int with_proof = 0; with_proof < 2; with_proof++) {
        uint64_t x = WORKLOAD_QUESTION_SEED;
        size_t hot = hot_set();
        double t0 = now_s();
        for (asked = 0; asked < max_q; asked++) {
            if (hot > 0 && asked % hot == 0)
                x = WORKLOAD_QUESTION_SEED;
            int c;
            uint64_t sq = workload_question_next(&x, per_author, &c);
            char spec[64];
            snprintf(spec, sizeof(spec), "%s:registry/mc-%06" PRIu64,
                     workload_countries[(c + 1) % AUTHORS], sq);
            query_recognition out;
            mp_buf_reset(&proof);
            rc = query_recognise(&rd, proto_str_c(spec), workload_countries[c], 1, 1767225600000ull,
                                 &out, with_proof ? &proof : NULL);
            if (rc != 0)
                die("recognise", rc);
            if (with_proof && kinds != NULL)
                kinds[out.result]++;
            if (with_proof && fixed) { /* not timed: the digest is for comparing builds */
                uint32_t a[3] = { out.result, out.outcome, out.forked };
                crypto_generichash_update(&digest, (const uint8_t *)a, sizeof(a));
                crypto_generichash_update(&digest, proof.data, proof.len);
            }
            if (!fixed && (asked & 1023) == 0 && now_s() - t0 > 3.0)
                break;
        }
        *(with_proof ? with : without) = (double)asked / (now_s() - t0);
    }
    mp_buf_free(&proof);
    store_read_end(&rd);
    if (fixed) {
        uint8_t d[32];
        char hex[65];
        crypto_generichash_final(&digest, d, sizeof(d));
        sodium_bin2hex(hex, sizeof(hex), d, sizeof(d));
        printf("  %-44s %s\n", "digest of the answers and bundles", hex);
    }
}

int main(int argc, char **argv)
{
    size_t total = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    total = total / RUN * RUN;
    if (total == 0 || sodium_init() < 0)
        die("usage: store_bench [ENTRIES >= 1000]", RN_EINVAL);

    proto_roster roster;
    if (proto_roster_init(&roster, AUTHORS) != 0)
        die("roster", RN_ENOMEM);
    workload_keys_derive(&keys);
    for (int a = 0; a < AUTHORS; a++) {
        if (proto_roster_add(&roster, workload_countries[a], 2, PROTO_ROLE_AUTHORITY, keys.pk[a]) !=
            0)
            die("roster add", RN_EINVAL);
    }
    printf("store benchmark: %zu entries from %d authorities in runs of %d\n", total, AUTHORS, RUN);
    int rc;
    size_t runs = total / RUN;
    store s;
    store_options opt = { .map_bytes = 16ull << 30 };
    if (getenv("STORE_BENCH_QUERIES_ONLY") != NULL) {
        if ((rc = store_open(&s, WORK_DIR, &opt)) != 0)
            die("store open (run store_bench once first)", rc);
        double r1, r0;
        recognise_bench(&s, runs, &r1, &r0, NULL);
        store_close(&s);
        printf("  %-44s %10.0f calls/s\n", "recognise with proof bundle", r1);
        printf("  %-44s %10.0f calls/s\n", "recognise without proof", r0);
        print_lookups(raw_get_bench(runs), r1);
        proto_roster_free(&roster);
        return 0;
    }
    if ((rc = workload_chains_load(&ch, &keys, total, CACHE, NULL)) != 0)
        die("signing", rc);
    uint64_t entry_bytes = 0;
    for (size_t i = 0; i < total; i++)
        entry_bytes += ch.len[i];

    /* 1. Raw LMDB: the same bytes under (author, seq), one transaction per run. */
    fresh_dir(WORK_DIR "-raw");
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    if ((rc = mdb_env_create(&env)) != 0 || (rc = mdb_env_set_mapsize(env, 16ull << 30)) != 0 ||
        (rc = mdb_env_open(env, WORK_DIR "-raw", MDB_NOSYNC, 0600)) != 0)
        die("raw lmdb open", rc);
    double t0 = now_s();
    for (size_t r = 0; r < runs; r++) {
        if ((rc = mdb_txn_begin(env, NULL, 0, &txn)) != 0 ||
            (rc = mdb_dbi_open(txn, NULL, 0, &dbi)) != 0)
            die("raw begin", rc);
        for (size_t i = r * RUN; i < (r + 1) * RUN; i++) {
            uint8_t key[40];
            memcpy(key, ch.blob + ch.off[i] + 4, 32); /* after 98 01 c4 20: the author */
            uint64_t sq = i / (RUN * AUTHORS) * RUN + i % RUN + 1;
            for (int b = 0; b < 8; b++)
                key[32 + b] = (uint8_t)(sq >> (56 - 8 * b));
            MDB_val k = { sizeof(key), key }, v = { ch.len[i], ch.blob + ch.off[i] };
            if ((rc = mdb_put(txn, dbi, &k, &v, 0)) != 0)
                die("raw put", rc);
        }
        if ((rc = mdb_txn_commit(txn)) != 0)
            die("raw commit", rc);
    }
    double raw_s = now_s() - t0;
    mdb_env_sync(env, 1);
    uint64_t raw_disk = disk_bytes(WORK_DIR "-raw");
    mdb_env_close(env);

    /* 2. The replica. */
    fresh_dir(WORK_DIR);
    if ((rc = store_open(&s, WORK_DIR, &opt)) != 0 || (rc = store_roster_set(&s, &roster)) != 0)
        die("store open", rc);
    proto_str *run = malloc(RUN * sizeof(*run));
    t0 = now_s();
    for (size_t r = 0; r < runs; r++) {
        workload_chains_run(&ch, r, run);
        store_ingest_result res;
        rn_diag d = { 0 };
        if ((rc = store_ingest(&s, run, RUN, &res, &d)) != 0 || res.accepted != RUN) {
            char msg[160];
            fprintf(stderr, "run %zu: %s\n", r, rn_diag_format(&d, msg, sizeof(msg)));
            die("ingest", rc);
        }
    }
    double t1 = now_s();
    /* The index pass is part of ingest's cost: readers see nothing before it has run. */
    if ((rc = store_index_flush(&s)) != 0)
        die("index", rc);
    double ingest_s = now_s() - t0, index_s = now_s() - t1;
    if ((rc = store_sync(&s)) != 0)
        die("sync", rc);
    uint64_t disk = disk_bytes(WORK_DIR);

    if (getenv("STORE_BENCH_INGEST_ONLY") != NULL) { /* for profiles of ingest alone */
        store_close(&s);
        printf("  %-44s %10.0f entries/s  (index pass %.2f s of %.2f s)\n",
               "ingest (store_ingest + index pass)", (double)total / ingest_s, index_s, ingest_s);
        printf("  %-44s %10.0f entries/s\n", "raw LMDB puts of the same bytes",
               (double)total / raw_s);
        printf("  %-44s %10.2f\n", "ingest / raw", raw_s / ingest_s);
        free(run);
        workload_chains_free(&ch);
        proto_roster_free(&roster);
        return 0;
    }

    /* The background verifier (PROTOCOL.md section 2, "Anchors"), which a node runs while idle:
     * every signature that ingest left to it, so that proof bundles rest on verified entries as
     * on a node in its steady state. Not part of ingest's cost. */
    t0 = now_s();
    uint64_t verified = 0;
    store_verify_result vr;
    do {
        if ((rc = store_verify_step(&s, 4096, &vr)) != 0)
            die("verify", rc);
        verified += vr.verified;
    } while (vr.more);
    double verify_s = now_s() - t0;

    /* 3. recognise on that replica. */
    double rec_rate[2];
    uint64_t kinds[4] = { 0 };
    recognise_bench(&s, runs, &rec_rate[1], &rec_rate[0], kinds);
    store_close(&s);
    double get_rate = raw_get_bench(runs);

    double ingest_rate = (double)total / ingest_s, raw_rate = (double)total / raw_s;
    double avg = (double)entry_bytes / (double)total;
    printf("  %-44s %10.0f entries/s  (index pass %.2f s of %.2f s)\n",
           "ingest (store_ingest + index pass)", ingest_rate, index_s, ingest_s);
    printf("  %-44s %10.0f entries/s\n", "raw LMDB puts of the same bytes", raw_rate);
    printf("  %-44s %10.2f          (expected >= 0.3)\n", "ingest / raw", ingest_rate / raw_rate);
    printf("  %-44s %10.1f bytes\n", "entry size (average)", avg);
    printf("  %-44s %10.1f bytes  (%.2f x the entry)\n", "replica on disk per entry",
           (double)disk / (double)total, (double)disk / (double)entry_bytes);
    printf("  %-44s %10.1f bytes  (%.2f x the entry)\n", "raw LMDB on disk per entry",
           (double)raw_disk / (double)total, (double)raw_disk / (double)entry_bytes);
    printf("  %-44s %10.0f calls/s  (decision %" PRIu64 ", automatic %" PRIu64 ", none %" PRIu64
           ")\n",
           "recognise with proof bundle", rec_rate[1], kinds[1], kinds[2], kinds[3]);
    printf("  %-44s %10.0f calls/s\n", "recognise without proof", rec_rate[0]);
    print_lookups(get_rate, rec_rate[1]);
    printf("  %-44s %10.0f signatures/s  (%llu in %.2f s, in the background)\n",
           "background signature verification", (double)verified / verify_s,
           (unsigned long long)verified, verify_s);
    printf("{\"bench\":\"store\",\"entries\":%zu,\"ingest_per_s\":%.0f,\"raw_put_per_s\":%.0f,"
           "\"ratio\":%.3f,\"entry_bytes\":%.1f,\"disk_bytes_per_entry\":%.1f,"
           "\"recognise_per_s\":%.0f,\"recognise_noproof_per_s\":%.0f,\"raw_get_per_s\":%.0f}\n",
           total, ingest_rate, raw_rate, ingest_rate / raw_rate, avg, (double)disk / (double)total,
           rec_rate[1], rec_rate[0], get_rate);
    free(run);
    workload_chains_free(&ch);
    proto_roster_free(&roster);
    return 0;
}
