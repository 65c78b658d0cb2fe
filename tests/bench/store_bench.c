/*
 * store_bench.c: ingest into the replica beside raw LMDB puts of the same bytes, in one run.
 *
 * Workload (issue 3): 1,000,000 entries from 30 authorities, ingested in runs of 1,000 as a
 * catch-up delivers them, round-robin over the authors. Every entry is genuinely signed, so any
 * run boundary would verify; signing a million entries takes a while, so the signed entries are
 * cached in the working directory (store_bench_entries.bin) and reused by later runs.
 *
 * Printed: ingest entries/s through store_ingest (decode, links, one signature per run, record
 * decode and prefix check, entries and heads in one transaction per run) followed by the index
 * pass that derives ids and record indexes (store_index_flush), both timed together; raw LMDB
 * puts/s of the same bytes keyed by (author, seq) in one transaction per run, their ratio, and
 * bytes on disk per entry against the entries' own size. Both replicas commit without fsync
 * (MDB_NOSYNC, as the replica does for received entries), so the comparison is like for like.
 *
 * Usage: store_bench [ENTRIES]   (default 1000000; rounded down to whole runs)
 */
#include <errno.h>
#include <inttypes.h>
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

#define AUTHORS  30
#define RUN      1000
#define ENT_MAX  1024 /* the bench's entries are about 300 bytes */
#define CACHE    "store_bench_entries-v3.bin"
#define WORK_DIR "store_bench_work"

static const char *const countries[AUTHORS] = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
};

static uint8_t pk[AUTHORS][32], sk[AUTHORS][64];

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

static size_t encode(const proto_record *r, uint8_t *out)
{
    mp_buf b;
    mp_buf_init(&b, ENT_MAX);
    int rc = proto_record_encode(r, &b);
    if (rc != 0)
        die("encode", rc);
    size_t n = b.len;
    memcpy(out, b.data, n);
    mp_buf_free(&b);
    return n;
}

/* Entries 1-50 of a log register the country's 50 awarding bodies, entry 51 is its
 * automatic-recognition policy (EQF 6-7, ISCED 05, external QA), every later tenth entry is a
 * decision about the spec that the next country's log holds at the seq before, and every other
 * entry is a spec. So recognise meets all three kinds of answer. */
static int kind_of(uint64_t seq)
{
    return seq <= 50       ? PROTO_KIND_PROVIDER
           : seq == 51     ? PROTO_KIND_POLICY
           : seq % 10 == 0 ? PROTO_KIND_DECISION
                           : PROTO_KIND_SPEC;
}

static size_t provider_body(int a, uint64_t seq, uint8_t *out)
{
    char id[32], name[64];
    snprintf(id, sizeof(id), "%s:provider-%02d", countries[a], (int)(seq - 1));
    snprintf(name, sizeof(name), "Awarding body %d of %s", (int)(seq - 1), countries[a]);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_PROVIDER;
    proto_provider *p = &r.u.provider;
    p->id = proto_str_c(id);
    p->legal_name = proto_str_c(name);
    p->country = proto_str_c(countries[a]);
    p->qa_status = 1;
    p->qa_body = proto_str_c("National quality assurance agency");
    p->status = 1;
    return encode(&r, out);
}

static size_t decision_body(int a, uint64_t seq, uint8_t *out)
{
    char id[64], spec[64];
    snprintf(id, sizeof(id), "%s:decisions/%06" PRIu64, countries[a], seq);
    snprintf(spec, sizeof(spec), "%s:registry/mc-%06" PRIu64, countries[(a + 1) % AUTHORS],
             seq - 1);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_DECISION;
    proto_decision *d = &r.u.decision;
    d->id = proto_str_c(id);
    d->spec = proto_str_c(spec);
    d->purpose = 3;
    d->outcome = seq % 30 == 0 ? 2 : 1;
    if (d->outcome == 2) {
        d->differences_n = 1;
        d->differences[0].type = 2;
        d->differences[0].note = proto_str_c("Workload below the national reference.");
    }
    d->valid_from_ms = 1735689600000ull;
    return encode(&r, out);
}

static size_t policy_body(int a, uint8_t *out)
{
    char id[64];
    snprintf(id, sizeof(id), "%s:policies/eqf6-7-ict", countries[a]);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_POLICY;
    proto_policy *p = &r.u.policy;
    p->id = proto_str_c(id);
    p->purpose = 3;
    p->outcome = 1;
    p->eqf_min = 6;
    p->eqf_max = 7;
    p->external_qa = true;
    p->isced_prefixes_n = 1;
    p->isced_prefixes[0] = proto_str_c("05");
    p->valid_from_ms = 1735689600000ull;
    p->status = 1;
    return encode(&r, out);
}

/* A realistic spec body of the author's country, about 200 bytes. */
static size_t spec_body(int a, uint64_t seq, uint8_t *out)
{
    char id[64], prov[32], title[96];
    snprintf(id, sizeof(id), "%s:registry/mc-%06" PRIu64, countries[a], seq);
    snprintf(prov, sizeof(prov), "%s:provider-%02d", countries[a], (int)(seq % 50));
    snprintf(title, sizeof(title), "Data analysis for public administration, module %" PRIu64, seq);
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SPEC;
    proto_spec *s = &r.u.spec;
    s->id = proto_str_c(id);
    s->provider = proto_str_c(prov);
    s->title_n = 1;
    s->title[0].lang = proto_str_c("en");
    s->title[0].text = proto_str_c(title);
    s->outcomes_n = 1;
    s->outcomes[0].text =
        proto_str_c("Apply descriptive statistics to open government data and report findings.");
    s->ects_centi = (uint32_t)(100 + seq % 500);
    s->eqf = (uint32_t)(4 + seq % 4);
    s->isced = proto_str_c("0542");
    s->assessment = 1;
    s->participation = 1;
    s->qa_type = 2;
    s->languages_n = 1;
    s->languages[0] = proto_str_c("en");
    s->supervision = 3;
    s->stackability = 1;
    s->valid_from_ms = 1735689600000ull;
    s->status = 1;
    return encode(&r, out);
}

/* Signs an entry without proto_entry_sign's read-back check (which doubles the cost); the
 * bench's chains are checked for real by the ingest under test. */
static size_t sign_fast(int a, uint64_t seq, const uint8_t *prev, uint64_t ts, int kind,
                        const uint8_t *body, size_t blen, uint8_t *out)
{
    mp_buf b;
    mp_buf_init(&b, ENT_MAX);
    mp_put_array(&b, 8);
    mp_put_uint(&b, 1);
    mp_put_bin(&b, pk[a], 32);
    mp_put_uint(&b, seq);
    if (prev == NULL)
        mp_put_nil(&b);
    else
        mp_put_bin(&b, prev, 32);
    mp_put_uint(&b, ts);
    mp_put_uint(&b, (uint64_t)kind);
    mp_buf_raw(&b, body, blen);
    uint8_t h[32], msg[PROTO_ENTRY_SIG_TAG_LEN + 32], sig[64], hdr = 0x97;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, &hdr, 1);
    crypto_generichash_update(&st, b.data + 1, b.len - 1);
    crypto_generichash_final(&st, h, 32);
    memcpy(msg, PROTO_ENTRY_SIG_TAG, PROTO_ENTRY_SIG_TAG_LEN);
    memcpy(msg + PROTO_ENTRY_SIG_TAG_LEN, h, 32);
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk[a]);
    mp_put_bin(&b, sig, 64);
    if (mp_buf_err(&b) != 0)
        die("entry too large", mp_buf_err(&b));
    size_t n = b.len;
    memcpy(out, b.data, n);
    mp_buf_free(&b);
    return n;
}

/* All entries, in delivery order: run r is entries [r*RUN, (r+1)*RUN) of author r % AUTHORS. */
static uint8_t *blob;     /* entries back to back */
static size_t *off, *len; /* per entry */

static void generate(size_t total)
{
    FILE *fp = fopen(CACHE, "rb");
    uint64_t have = 0;
    if (fp != NULL && fread(&have, sizeof(have), 1, fp) == 1 && have == total) {
        size_t bytes;
        if (fread(&bytes, sizeof(bytes), 1, fp) == 1) {
            blob = malloc(bytes);
            if (fread(blob, 1, bytes, fp) == bytes &&
                fread(off, sizeof(*off), total, fp) == total &&
                fread(len, sizeof(*len), total, fp) == total) {
                fclose(fp);
                printf("  (signed entries read from %s)\n", CACHE);
                return;
            }
            free(blob);
        }
    }
    if (fp != NULL)
        fclose(fp);

    printf("  signing %zu entries once (cached in %s for later runs)...\n", total, CACHE);
    fflush(stdout);
    size_t cap = total * 400, used = 0;
    blob = malloc(cap);
    uint8_t prev[AUTHORS][32], body[ENT_MAX];
    uint64_t seq[AUTHORS] = { 0 };
    double t0 = now_s();
    for (size_t i = 0; i < total; i++) {
        int a = (int)((i / RUN) % AUTHORS);
        uint64_t s = ++seq[a];
        int kind = kind_of(s);
        size_t bl = kind == PROTO_KIND_PROVIDER   ? provider_body(a, s, body)
                    : kind == PROTO_KIND_POLICY   ? policy_body(a, body)
                    : kind == PROTO_KIND_DECISION ? decision_body(a, s, body)
                                                  : spec_body(a, s, body);
        if (used + ENT_MAX > cap) {
            cap *= 2;
            blob = realloc(blob, cap);
        }
        len[i] = sign_fast(a, s, s == 1 ? NULL : prev[a], 1764000000000ull + s, kind, body, bl,
                           blob + used);
        off[i] = used;
        proto_entry_id(blob + used, len[i], prev[a]);
        used += len[i];
    }
    printf("  signed in %.1f s\n", now_s() - t0);
    fp = fopen(CACHE, "wb");
    if (fp != NULL) {
        uint64_t t = total;
        fwrite(&t, sizeof(t), 1, fp);
        fwrite(&used, sizeof(used), 1, fp);
        fwrite(blob, 1, used, fp);
        fwrite(off, sizeof(*off), total, fp);
        fwrite(len, sizeof(*len), total, fp);
        fclose(fp);
    }
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

int main(int argc, char **argv)
{
    size_t total = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    total = total / RUN * RUN;
    if (total == 0 || sodium_init() < 0)
        die("usage: store_bench [ENTRIES >= 1000]", RN_EINVAL);
    off = malloc(total * sizeof(*off));
    len = malloc(total * sizeof(*len));

    proto_roster roster;
    if (proto_roster_init(&roster, AUTHORS) != 0)
        die("roster", RN_ENOMEM);
    for (int a = 0; a < AUTHORS; a++) {
        uint8_t seed[32];
        char label[64];
        snprintf(label, sizeof(label), "recnet bench authority %s", countries[a]);
        crypto_generichash(seed, 32, (const uint8_t *)label, strlen(label), NULL, 0);
        crypto_sign_seed_keypair(pk[a], sk[a], seed);
        if (proto_roster_add(&roster, countries[a], 2, PROTO_ROLE_AUTHORITY, pk[a]) != 0)
            die("roster add", RN_EINVAL);
    }
    printf("store benchmark: %zu entries from %d authorities in runs of %d\n", total, AUTHORS, RUN);
    generate(total);
    size_t runs = total / RUN;
    uint64_t entry_bytes = 0;
    for (size_t i = 0; i < total; i++)
        entry_bytes += len[i];

    /* 1. Raw LMDB: the same bytes under (author, seq), one transaction per run. */
    fresh_dir(WORK_DIR "-raw");
    MDB_env *env;
    MDB_dbi dbi;
    MDB_txn *txn;
    int rc;
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
            memcpy(key, blob + off[i] + 4, 32); /* after 98 01 c4 20: the author */
            uint64_t s = i / (RUN * AUTHORS) * RUN + i % RUN + 1;
            for (int b = 0; b < 8; b++)
                key[32 + b] = (uint8_t)(s >> (56 - 8 * b));
            MDB_val k = { sizeof(key), key }, v = { len[i], blob + off[i] };
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
    store s;
    store_options opt = { .map_bytes = 16ull << 30 };
    if ((rc = store_open(&s, WORK_DIR, &opt)) != 0 || (rc = store_roster_set(&s, &roster)) != 0)
        die("store open", rc);
    proto_str *run = malloc(RUN * sizeof(*run));
    t0 = now_s();
    for (size_t r = 0; r < runs; r++) {
        for (size_t j = 0; j < RUN; j++) {
            run[j].ptr = blob + off[r * RUN + j];
            run[j].len = (uint32_t)len[r * RUN + j];
        }
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

    /* 3. recognise on that replica: spec of country c+1 asked in country c, so about one in ten
     * has a decision, and the policy answers for EQF 6-7 specs. Bounded in count and time. */
    store_read rd;
    if ((rc = store_read_begin(&s, &rd)) != 0)
        die("read", rc);
    uint64_t per_author = runs / AUTHORS * RUN, kinds[4] = { 0 }; /* every author has this many */
    size_t asked = 0, max_q = 2000000;
    mp_buf proof;
    mp_buf_init(&proof, RN_PROOF_BYTES_MAX);
    double rec_s[2] = { 0, 0 };
    size_t rec_n[2] = { 0, 0 };
    for (int with_proof = 0; with_proof < 2; with_proof++) {
        uint64_t x = 88172645463325252ull;
        t0 = now_s();
        for (asked = 0; asked < max_q; asked++) {
            x ^= x << 13, x ^= x >> 7, x ^= x << 17;
            int c = (int)(x % AUTHORS);
            uint64_t sq = 52 + (x >> 8) % (per_author - 60);
            while (kind_of(sq) != PROTO_KIND_SPEC)
                sq++;
            char spec[64];
            snprintf(spec, sizeof(spec), "%s:registry/mc-%06" PRIu64, countries[(c + 1) % AUTHORS],
                     sq);
            query_recognition out;
            mp_buf_reset(&proof);
            rc = query_recognise(&rd, proto_str_c(spec), countries[c], 1, 1767225600000ull, &out,
                                 with_proof ? &proof : NULL);
            if (rc != 0)
                die("recognise", rc);
            if (with_proof)
                kinds[out.result]++;
            if ((asked & 1023) == 0 && now_s() - t0 > 3.0)
                break;
        }
        rec_s[with_proof] = now_s() - t0;
        rec_n[with_proof] = asked;
    }
    mp_buf_free(&proof);
    store_read_end(&rd);
    store_close(&s);

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
    printf(
        "  %-44s %10.0f calls/s  (decision %" PRIu64 ", automatic %" PRIu64 ", none %" PRIu64 ")\n",
        "recognise with proof bundle", (double)rec_n[1] / rec_s[1], kinds[1], kinds[2], kinds[3]);
    printf("  %-44s %10.0f calls/s\n", "recognise without proof", (double)rec_n[0] / rec_s[0]);
    printf("{\"bench\":\"store\",\"entries\":%zu,\"ingest_per_s\":%.0f,\"raw_put_per_s\":%.0f,"
           "\"ratio\":%.3f,\"entry_bytes\":%.1f,\"disk_bytes_per_entry\":%.1f,"
           "\"recognise_per_s\":%.0f,\"recognise_noproof_per_s\":%.0f}\n",
           total, ingest_rate, raw_rate, ingest_rate / raw_rate, avg, (double)disk / (double)total,
           (double)rec_n[1] / rec_s[1], (double)rec_n[0] / rec_s[0]);
    free(run);
    free(blob);
    free(off);
    free(len);
    proto_roster_free(&roster);
    return 0;
}
