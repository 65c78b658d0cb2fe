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
 * the proof configuration); the ratio to the raw rate says what that costs. Each measurement
 * runs for BENCH_SECONDS of wall time (CLOCK_MONOTONIC). Prints aligned lines for people, then
 * one line of JSON. Exits 2 on a setup failure (a vector that does not verify).
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

static double rate_verify(const json_t *doc)
{
    cred_di_result res;
    if (cred_di_verify(doc, resolve, NULL, &res) != 0) {
        fprintf(stderr, "ld_bench: vector does not verify: %s\n", res.reason);
        exit(2);
    }
    long n = 0;
    double t0 = now(), t;
    do {
        if (cred_di_verify(doc, resolve, NULL, &res) != 0)
            exit(2);
        n++;
    } while ((t = now() - t0) < BENCH_SECONDS && n < BENCH_OPS_MAX);
    return (double)n / t;
}

int main(void)
{
    if (sodium_init() < 0)
        return 2;
    uint8_t pk[32], sk[64], msg[64], sig[64];
    crypto_sign_keypair(pk, sk);
    randombytes_buf(msg, sizeof(msg));
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
    long n = 0;
    double t0 = now(), t;
    do {
        if (crypto_sign_verify_detached(sig, msg, sizeof(msg), pk) != 0)
            return 2;
        n++;
    } while ((t = now() - t0) < BENCH_SECONDS && n < BENCH_OPS_MAX);
    double raw = (double)n / t;

    static const struct {
        const char *name, *file;
    } suites[] = {
        { "eddsa-rdfc-2022 (VC v2 vector)", "eddsa-rdfc-2022/signedDataInt.json" },
        { "eddsa-rdfc-2022 (OB 3.0 vector)", "ob3/signed.json" },
        { "Ed25519Signature2020 (vector)", "Ed25519Signature2020/signedEdSig.json" },
        { "eddsa-jcs-2022 (vector)", "eddsa-jcs-2022/signedJCS.json" },
    };
    double rates[4];
    for (size_t i = 0; i < 4; i++) {
        json_t *doc = load(suites[i].file);
        rates[i] = rate_verify(doc);
        json_decref(doc);
    }

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

    printf("Data Integrity benchmark (one thread, %.0f s a measurement)\n", BENCH_SECONDS);
    printf("  %-40s %10.0f /s\n", "raw Ed25519 verify (64-byte message)", raw);
    for (size_t i = 0; i < 4; i++)
        printf("  %-40s %10.0f /s  (%.3f of raw)\n", suites[i].name, rates[i], rates[i] / raw);
    printf("  %-40s %10.0f /s  (%.1f us)\n", "JSON-LD to RDF, OB 3.0 credential", tordf,
           1e6 / tordf);
    printf("  %-40s %10.0f /s  (%.1f us, %zu quads)\n", "RDFC-1.0 of its dataset", rdfc, 1e6 / rdfc,
           quads);
    printf("{\"raw_ed25519\":%.0f,\"eddsa_rdfc_2022\":%.0f,\"eddsa_rdfc_2022_ob3\":%.0f,"
           "\"ed25519signature2020\":%.0f,\"eddsa_jcs_2022\":%.0f,\"jsonld_to_rdf_ob3\":%.0f,"
           "\"rdfc_ob3\":%.0f}\n",
           raw, rates[0], rates[1], rates[2], rates[3], tordf, rdfc);
    return 0;
}
