/*
 * ld_bench.c: what a Data Integrity verification costs, in one run (tests/bench/README.md).
 *
 * Issue 13 asks for verifications per second of each proof type beside the raw signature rate
 * of the same algorithm, measured in the same run, and the cost of RDF canonicalization stated.
 * This program verifies the W3C vectors (tests/fixtures/di/: eddsa-rdfc-2022,
 * eddsa-jcs-2022, Ed25519Signature2020, and the Open Badges 3.0 eddsa-rdfc-2022 vector) with
 * cred_di_verify, and measures beside them:
 *
 *   ed25519 verify   crypto_sign_verify_detached of 64 bytes (what every suite signs)
 *   jsonld to rdf    cred_jsonld_to_rdf of the OB 3.0 credential (contexts processed each time)
 *   rdfc             cred_rdfc_canonize of its dataset
 *
 * A verification of an RDF suite converts and canonicalizes two documents (the credential and
 * the proof configuration); the ratio to the raw rate says what that costs. Each suite is
 * measured in slices interleaved with slices of raw verification (BENCH_SLICE each, for
 * BENCH_SECONDS of each, CLOCK_MONOTONIC), so that both rates see the same load. Prints aligned
 * lines for people, then one line of JSON ([suite, raw] pairs). Exits 2 on a setup failure (a
 * vector that does not verify).
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <sodium.h>

#include "cred/di.h"
#include "cred/jsonld.h"
#include "cred/rdfc.h"

#define BENCH_SECONDS 1.0
#define BENCH_OPS_MAX 10000000

#ifndef RN_FIXTURES
#define RN_FIXTURES "tests/fixtures"
#endif

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int resolve(void *ctx, const char *vm, uint8_t pk[32])
{
    (void)ctx;
    const char *frag = strchr(vm, '#');
    return frag && cred_multikey_ed25519(frag + 1, pk) == 0 ? 0 : RN_ENOTFOUND;
}

static json_t *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/di/%s", RN_FIXTURES, name);
    json_t *j = json_load_file(path, 0, NULL);
    if (!j) {
        fprintf(stderr, "ld_bench: cannot read %s\n", path);
        exit(2);
    }
    return j;
}

/* Raw Ed25519 verifications and verifications of doc, measured in interleaved slices of
 * BENCH_SLICE seconds (BENCH_SECONDS in all for each), so that both see the same load on a
 * shared machine. */
#define BENCH_SLICE 0.05

static uint8_t raw_pk[32], raw_msg[64], raw_sig[64];

static void rates(const json_t *doc, double *raw, double *suite)
{
    cred_di_result res;
    if (cred_di_verify(doc, resolve, NULL, &res) != 0) {
        fprintf(stderr, "ld_bench: vector does not verify: %s\n", res.reason);
        exit(2);
    }
    long nraw = 0, nsuite = 0;
    double traw = 0, tsuite = 0;
    while (traw + tsuite < 2 * BENCH_SECONDS) {
        double t0 = now(), t;
        do {
            if (crypto_sign_verify_detached(raw_sig, raw_msg, sizeof(raw_msg), raw_pk) != 0)
                exit(2);
            nraw++;
        } while ((t = now() - t0) < BENCH_SLICE);
        traw += t;
        t0 = now();
        do {
            if (cred_di_verify(doc, resolve, NULL, &res) != 0)
                exit(2);
            nsuite++;
        } while ((t = now() - t0) < BENCH_SLICE && nsuite < BENCH_OPS_MAX);
        tsuite += t;
    }
    *raw = (double)nraw / traw;
    *suite = (double)nsuite / tsuite;
}

int main(void)
{
    if (sodium_init() < 0)
        return 2;
    uint8_t sk[64];
    crypto_sign_keypair(raw_pk, sk);
    randombytes_buf(raw_msg, sizeof(raw_msg));
    crypto_sign_detached(raw_sig, NULL, raw_msg, sizeof(raw_msg), sk);

    static const struct {
        const char *name, *file;
    } suites[] = {
        { "eddsa-rdfc-2022 (VC v2 vector)", "eddsa-rdfc-2022/signedDataInt.json" },
        { "eddsa-rdfc-2022 (OB 3.0 vector)", "ob3/signed.json" },
        { "Ed25519Signature2020 (vector)", "Ed25519Signature2020/signedEdSig.json" },
        { "eddsa-jcs-2022 (vector)", "eddsa-jcs-2022/signedJCS.json" },
    };
    double raws[4], sr[4];
    for (size_t i = 0; i < 4; i++) {
        json_t *doc = load(suites[i].file);
        rates(doc, &raws[i], &sr[i]);
        json_decref(doc);
    }
    long n;
    double t0, t;

    /* The RDF cost, split: JSON-LD to RDF, then RDFC-1.0, of the OB 3.0 credential. */
    json_t *ob = load("ob3/signed.json");
    json_object_del(ob, "proof");
    cred_dataset ds;
    n = 0;
    t0 = now();
    do {
        cred_dataset_init(&ds, 0);
        if (cred_jsonld_to_rdf(ob, &ds, NULL, 0) != 0)
            return 2;
        cred_dataset_free(&ds);
        n++;
    } while ((t = now() - t0) < BENCH_SECONDS && n < BENCH_OPS_MAX);
    double tordf = (double)n / t;
    cred_dataset_init(&ds, 0);
    if (cred_jsonld_to_rdf(ob, &ds, NULL, 0) != 0)
        return 2;
    n = 0;
    t0 = now();
    do {
        cred_buf b;
        cred_buf_init(&b, CRED_RDFC_OUT_MAX);
        if (cred_rdfc_canonize(&ds, &b, NULL) != 0)
            return 2;
        cred_buf_free(&b);
        n++;
    } while ((t = now() - t0) < BENCH_SECONDS && n < BENCH_OPS_MAX);
    double rdfc = (double)n / t;
    size_t quads = ds.n;
    cred_dataset_free(&ds);
    json_decref(ob);

    printf("Data Integrity benchmark (one thread; each suite interleaved with raw Ed25519 "
           "verify of a 64-byte message in %.2f s slices, %.0f s each)\n",
           BENCH_SLICE, BENCH_SECONDS);
    for (size_t i = 0; i < 4; i++)
        printf("  %-34s %8.0f /s  raw Ed25519 %8.0f /s  ratio %.3f\n", suites[i].name, sr[i],
               raws[i], sr[i] / raws[i]);
    printf("  %-34s %8.0f /s  (%.1f us)\n", "JSON-LD to RDF, OB 3.0 credential", tordf,
           1e6 / tordf);
    printf("  %-34s %8.0f /s  (%.1f us, %zu quads)\n", "RDFC-1.0 of its dataset", rdfc, 1e6 / rdfc,
           quads);
    printf("{\"eddsa_rdfc_2022\":[%.0f,%.0f],\"eddsa_rdfc_2022_ob3\":[%.0f,%.0f],"
           "\"ed25519signature2020\":[%.0f,%.0f],\"eddsa_jcs_2022\":[%.0f,%.0f],"
           "\"jsonld_to_rdf_ob3\":%.0f,\"rdfc_ob3\":%.0f}\n",
           sr[0], raws[0], sr[1], raws[1], sr[2], raws[2], sr[3], raws[3], tordf, rdfc);
    return 0;
}
