/*
 * entry_bench.c: what the log entry costs, in one run (tests/bench/README.md).
 *
 * DESIGN.md section 3 rests on one claim: checking the links of a run of entries and one signature
 * is much cheaper than verifying every signature, so ingest can go as fast as the disk. This
 * program measures both paths on the same entries, with the costs around them:
 *
 *   encode      building an entry's bytes with mp_buf, body included, without signing
 *   sign        proto_entry_sign: encode, hash, sign, and its pair check (decode and verify)
 *   decode      proto_entry_decode
 *   verify      proto_entry_verify, one signature per entry
 *   run verify  proto_entry_run_verify over runs of BENCH_RUN_ENTRIES: every link, one signature
 *
 * and the ratio of the last two in entries a second, which DESIGN.md expects to be at least
 * BENCH_RATIO_MIN. The entries are one author's log of BENCH_LOG_ENTRIES entries of about 300
 * bytes, with spec-like bodies (a map of string and integer fields). Each measurement runs for
 * BENCH_SECONDS of wall time (CLOCK_MONOTONIC) and at most BENCH_OPS_MAX operations.
 *
 * Prints aligned lines for people, then one line of JSON for scripts. Exits 1 when the ratio is
 * below BENCH_RATIO_MIN, 2 on a setup failure.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sodium.h>

#include "proto/entry.h"
#include "proto/limits.h"
#include "proto/mp.h"

#define BENCH_LOG_ENTRIES 1000u     /* entries in the benchmark log */
#define BENCH_RUN_ENTRIES 1000u     /* entries per verified run (the figure) */
#define BENCH_SECONDS     1.0       /* wall time of one measurement */
#define BENCH_OPS_MAX     100000000 /* hard bound on operations of one measurement */
#define BENCH_RATIO_MIN   20.0      /* run verify / per-entry verify, DESIGN.md section 3 */
#define BENCH_ENTRY_CAP   1024u     /* bytes reserved per entry; they are about 300 */

#define T0_MS 1714521600000ull /* 2024-05-01T00:00:00Z */

static const char *const titles[] = {
    "Data protection for small firms",
    "Introduction to renewable energy systems",
    "Digital skills for public administration",
    "Welding inspection: level two",
};

static uint8_t sk[PROTO_SK_BYTES];
static uint8_t pk[PROTO_KEY_BYTES];
static uint8_t *log_bytes; /* BENCH_LOG_ENTRIES * BENCH_ENTRY_CAP */
static size_t log_len[BENCH_LOG_ENTRIES];
static proto_entry log_e[BENCH_LOG_ENTRIES];
static volatile uint64_t sink; /* keeps results alive past the optimiser */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void die(const char *what)
{
    fprintf(stderr, "entry_bench: %s\n", what);
    exit(2);
}

/* A spec-like body for entry i: nine fields, about 170 bytes. */
static void put_body(mp_buf *b, uint64_t i)
{
    char id[32];
    snprintf(id, sizeof(id), "FR:cncp/mc-%06llu", (unsigned long long)i);
    mp_put_map(b, 9);
    mp_put_cstr(b, "ects");
    mp_put_uint(b, 100 + (i % 50) * 10);
    mp_put_cstr(b, "eqf");
    mp_put_uint(b, 3 + i % 5);
    mp_put_cstr(b, "id");
    mp_put_cstr(b, id);
    mp_put_cstr(b, "isced");
    mp_put_cstr(b, "0613");
    mp_put_cstr(b, "lang");
    mp_put_cstr(b, "fr");
    mp_put_cstr(b, "provider");
    mp_put_cstr(b, "FR:prov/0007");
    mp_put_cstr(b, "qa");
    mp_put_cstr(b, "external");
    mp_put_cstr(b, "title");
    mp_put_cstr(b, titles[i % (sizeof(titles) / sizeof(titles[0]))]);
    mp_put_cstr(b, "valid_from");
    mp_put_uint(b, T0_MS - 86400000u * (i % 365));
}

/* Encodes entry `seq` of the log as proto_entry_sign lays it out, with a zero signature. */
static void put_entry(mp_buf *b, mp_buf *body, uint64_t seq, const uint8_t *prev)
{
    static const uint8_t zero_sig[PROTO_SIG_BYTES];
    mp_buf_reset(body);
    put_body(body, seq);
    mp_put_array(b, 8);
    mp_put_uint(b, RN_ENTRY_VERSION);
    mp_put_bin(b, pk, PROTO_KEY_BYTES);
    mp_put_uint(b, seq);
    if (prev == NULL)
        mp_put_nil(b);
    else
        mp_put_bin(b, prev, PROTO_ID_BYTES);
    mp_put_uint(b, T0_MS + seq * 1000u);
    mp_put_uint(b, PROTO_KIND_SPEC);
    mp_buf_raw(b, body->data, body->len);
    mp_put_bin(b, zero_sig, sizeof(zero_sig));
}

static void build_log(void)
{
    mp_buf body;
    uint8_t prev_id[PROTO_ID_BYTES];
    mp_buf_init(&body, RN_ENTRY_BYTES_MAX);
    log_bytes = malloc((size_t)BENCH_LOG_ENTRIES * BENCH_ENTRY_CAP);
    if (log_bytes == NULL)
        die("out of memory");
    for (uint64_t i = 0; i < BENCH_LOG_ENTRIES; i++) {
        uint8_t *out = log_bytes + i * BENCH_ENTRY_CAP;
        proto_entry_draft dr;
        mp_buf_reset(&body);
        put_body(&body, i + 1);
        if (mp_buf_err(&body) != 0)
            die("body encoding failed");
        memset(&dr, 0, sizeof(dr));
        dr.seq = i + 1;
        dr.prev = i == 0 ? NULL : prev_id;
        dr.timestamp_ms = T0_MS + (i + 1) * 1000u;
        dr.kind = PROTO_KIND_SPEC;
        dr.body = body.data;
        dr.body_len = body.len;
        if (proto_entry_sign(&dr, sk, out, BENCH_ENTRY_CAP, &log_len[i]) != 0)
            die("proto_entry_sign failed");
        if (proto_entry_decode(&log_e[i], out, log_len[i], NULL) != 0)
            die("proto_entry_decode failed on a signed entry");
        proto_entry_id(out, log_len[i], prev_id);
    }
    mp_buf_free(&body);
}

/* One measurement: calls op(i) for i = 0, 1, ... in batches of `batch` until BENCH_SECONDS have
 * passed or BENCH_OPS_MAX calls were made. Returns calls per second. */
typedef void (*bench_op)(uint64_t i);

static double measure(bench_op op, uint64_t batch)
{
    uint64_t n = 0;
    double t0 = now_s(), dt;
    do {
        for (uint64_t k = 0; k < batch; k++)
            op(n + k);
        n += batch;
        dt = now_s() - t0;
    } while (dt < BENCH_SECONDS && n < BENCH_OPS_MAX);
    return (double)n / dt;
}

static mp_buf enc_buf, enc_body;

static void op_encode(uint64_t i)
{
    uint64_t seq = 2 + i % (BENCH_LOG_ENTRIES - 1);
    mp_buf_reset(&enc_buf);
    put_entry(&enc_buf, &enc_body, seq, log_e[seq - 2].sig); /* any 32 bytes serve as prev */
    sink += enc_buf.len;
}

static void op_sign(uint64_t i)
{
    static uint8_t out[BENCH_ENTRY_CAP];
    uint64_t k = 1 + i % (BENCH_LOG_ENTRIES - 1);
    uint8_t prev_id[PROTO_ID_BYTES];
    proto_entry_draft dr;
    size_t len;
    proto_entry_id(log_e[k - 1].bytes, log_e[k - 1].len, prev_id);
    memset(&dr, 0, sizeof(dr));
    dr.seq = k + 1;
    dr.prev = prev_id;
    dr.timestamp_ms = log_e[k].timestamp_ms;
    dr.kind = PROTO_KIND_SPEC;
    dr.body = log_e[k].body;
    dr.body_len = log_e[k].body_len;
    if (proto_entry_sign(&dr, sk, out, sizeof(out), &len) != 0)
        die("proto_entry_sign failed");
    sink += len;
}

static void op_decode(uint64_t i)
{
    proto_entry e;
    uint64_t k = i % BENCH_LOG_ENTRIES;
    if (proto_entry_decode(&e, log_bytes + k * BENCH_ENTRY_CAP, log_len[k], NULL) != 0)
        die("decode failed");
    sink += e.seq;
}

static void op_verify(uint64_t i)
{
    if (proto_entry_verify(&log_e[i % BENCH_LOG_ENTRIES]) != 0)
        die("verify failed");
    sink++;
}

static void op_run_verify(uint64_t i)
{
    (void)i;
    if (proto_entry_run_verify(log_e, BENCH_RUN_ENTRIES, NULL, NULL, NULL) != 0)
        die("run verify failed");
    sink++;
}

int main(void)
{
    if (sodium_init() < 0)
        die("sodium_init failed");
    uint8_t seed[crypto_sign_SEEDBYTES];
    memset(seed, 0x42, sizeof(seed));
    crypto_sign_seed_keypair(pk, sk, seed);
    build_log();

    size_t total = 0;
    for (size_t i = 0; i < BENCH_LOG_ENTRIES; i++)
        total += log_len[i];
    double entry_bytes = (double)total / BENCH_LOG_ENTRIES;

    mp_buf_init(&enc_buf, RN_ENTRY_BYTES_MAX);
    mp_buf_init(&enc_body, RN_ENTRY_BYTES_MAX);
    double encode = measure(op_encode, 1000);
    mp_buf_free(&enc_buf);
    mp_buf_free(&enc_body);
    double sign = measure(op_sign, 100);
    double decode = measure(op_decode, 1000);
    double verify = measure(op_verify, 100);
    double runs = measure(op_run_verify, 1);
    double run_entries = runs * BENCH_RUN_ENTRIES;
    double ratio = run_entries / verify;

    printf("entry benchmark: %u-entry log of one author, %.0f bytes per entry on average\n",
           BENCH_LOG_ENTRIES, entry_bytes);
    printf("  %-36s %12.0f entries/s\n", "encode (mp_buf, no signature)", encode);
    printf("  %-36s %12.0f entries/s\n", "sign (proto_entry_sign)", sign);
    printf("  %-36s %12.0f entries/s\n", "decode (proto_entry_decode)", decode);
    printf("  %-36s %12.0f entries/s\n", "verify per entry (proto_entry_verify)", verify);
    printf("  %-36s %12.0f entries/s  (%.0f runs of %u/s)\n", "run verify (links + 1 signature)",
           run_entries, runs, BENCH_RUN_ENTRIES);
    printf("  %-36s %12.1f x        (expected >= %.0f)\n", "run verify / per-entry verify", ratio,
           BENCH_RATIO_MIN);
    printf("{\"bench\":\"entry\",\"entry_bytes\":%.0f,\"encode_per_s\":%.0f,\"sign_per_s\":%.0f,"
           "\"decode_per_s\":%.0f,\"verify_per_s\":%.0f,\"run_entries\":%u,"
           "\"run_verify_entries_per_s\":%.0f,\"run_verify_ratio\":%.1f}\n",
           entry_bytes, encode, sign, decode, verify, BENCH_RUN_ENTRIES, run_entries, ratio);

    free(log_bytes);
    if (ratio < BENCH_RATIO_MIN) {
        fprintf(stderr,
                "entry_bench: run verification is only %.1f times faster than per-entry "
                "verification (expected >= %.0f)\n",
                ratio, BENCH_RATIO_MIN);
        return 1;
    }
    return 0;
}
