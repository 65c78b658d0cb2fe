/*
 * cred_bench.c: what verifying a credential costs beside the signature inside it, in one run
 * (tests/bench/README.md).
 *
 * For each JWT algorithm recnet accepts (RS256 with RSA-2048, ES256, EdDSA) the program signs one
 * Open Badges 3.0 VC-JWT (the Theed minor's credential, tests/fixtures/obv3/, about 4 KiB of
 * JSON; the key in the header's jwk, the issuer's profile supplied) and measures, each for
 * BENCH_SECONDS of CLOCK_MONOTONIC time in alternating slices of BENCH_SLICE (so that both rates
 * see the same load on a shared machine):
 *
 *   raw      cred_key_verify over the token's signing input: the signature alone
 *   full     cred_check_buf on the token: parsing, the JWK, the signature, the issuer's key, the
 *            claims, the Open Badges structure, the dates, the status
 *
 * and the ratio full / raw, which issue 13 expects to be at least BENCH_RATIO_MIN, in wall-clock
 * time and in the thread's CPU time (which a busy machine moves less). Then the same
 * for an Open Badges 3.0 credential with an embedded Data Integrity proof (eddsa-rdfc-2022, the
 * public sample tests/fixtures/ob3/simple.json) beside raw Ed25519 verification, with the cost
 * above the signature (the RDF cost) in microseconds of CPU; ld_bench measures each suite alone.
 * A verifier's cost above the signature is mostly the jansson tree of the payload (4 to 5 KiB of
 * JSON), so the ratio is lowest for the algorithm whose verification is cheapest (RS256 with a
 * 2048-bit key). A ratio below the expectation is printed as such; the program measures, it does
 * not judge a machine it cannot see is busy.
 *
 * `cred_bench --ops N [ALG]` makes N raw verifications and N checks of each alg (or of ALG:
 * RS256, ES256, EdDSA, DI-RDFC) untimed, for instruction counts with valgrind --tool=callgrind
 * (the functions raw_verify and full_check).
 *
 * Prints aligned lines for people, then one line of JSON for scripts. Exits 2 on a setup failure
 * (a token that does not check), else 0.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <sodium.h>

#include "cred/codec.h"
#include "cred/cred.h"
#include "cred/key.h"
#include "cred/vcjwt.h"

#define BENCH_SECONDS   1.0
#define BENCH_SLICE     0.05 /* raw and full alternate in slices of this many seconds */
#define BENCH_OPS_MAX   10000000
#define BENCH_RATIO_MIN 0.5
#define NOW_MS          1767225600000ull /* 2026-01-01T00:00:00Z */

#ifndef RN_FIXTURES
#error "RN_FIXTURES names tests/fixtures"
#endif

static volatile uint64_t sink;

/* The CPU time of this thread: what the work cost, without the time the machine gave others. */
static double cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static json_t *b64(const uint8_t *b, size_t n)
{
    char *s = cred_b64url_encode(b, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

typedef struct signer {
    cred_alg alg;
    EVP_PKEY *pkey;
    uint8_t sk[64], pk[32];
} signer;

static json_t *jwk_of(const signer *s)
{
    if (s->alg == CRED_ALG_EDDSA)
        return json_pack("{s:s,s:s,s:o}", "kty", "OKP", "crv", "Ed25519", "x", b64(s->pk, 32));
    if (s->alg == CRED_ALG_ES256) {
        uint8_t pt[65];
        size_t len;
        EVP_PKEY_get_octet_string_param(s->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, sizeof(pt), &len);
        return json_pack("{s:s,s:s,s:o,s:o}", "kty", "EC", "crv", "P-256", "x", b64(pt + 1, 32),
                         "y", b64(pt + 33, 32));
    }
    BIGNUM *n = NULL, *e = NULL;
    uint8_t nb[512], eb[8];
    EVP_PKEY_get_bn_param(s->pkey, OSSL_PKEY_PARAM_RSA_N, &n);
    EVP_PKEY_get_bn_param(s->pkey, OSSL_PKEY_PARAM_RSA_E, &e);
    int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
    BN_free(n);
    BN_free(e);
    return json_pack("{s:s,s:o,s:o}", "kty", "RSA", "n", b64(nb, (size_t)nl), "e",
                     b64(eb, (size_t)el));
}

static size_t sign(const signer *s, const char *msg, size_t len, uint8_t *sig)
{
    if (s->alg == CRED_ALG_EDDSA) {
        crypto_sign_detached(sig, NULL, (const uint8_t *)msg, len, s->sk);
        return 64;
    }
    uint8_t der[600];
    size_t dl = sizeof(der);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, s->pkey) != 1 ||
        EVP_DigestSign(ctx, der, &dl, (const uint8_t *)msg, len) != 1)
        exit(2);
    EVP_MD_CTX_free(ctx);
    if (s->alg == CRED_ALG_RS256) {
        memcpy(sig, der, dl);
        return dl;
    }
    const unsigned char *p = der;
    ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
    const BIGNUM *r, *sv;
    ECDSA_SIG_get0(es, &r, &sv);
    BN_bn2binpad(r, sig, 32);
    BN_bn2binpad(sv, sig + 32, 32);
    ECDSA_SIG_free(es);
    return 64;
}

/* Kept out of line, so that callgrind shows the raw verification as a function of its own. */
__attribute__((noinline)) static int raw_verify(const cred_key *k, cred_alg alg, const char *in,
                                                size_t in_len, const uint8_t *sig, size_t sl)
{
    return cred_key_verify(k, alg, (const uint8_t *)in, in_len, sig, sl);
}

/* Kept out of line, so that callgrind shows one whole check (report freed) as a function. */
__attribute__((noinline)) static int full_check(const uint8_t *tok, size_t len, const cred_opts *o,
                                                cred_report *r, char *why, size_t why_len)
{
    if (cred_check_buf(tok, len, o, r, why, why_len) < 0)
        return -1;
    sink += r->failed;
    cred_report_free(r);
    return 0;
}

int main(int argc, char **argv)
{
    json_error_t je;
    /* --ops N [ALG]: N raw verifications and N full checks of each alg (or of ALG alone), not
     * timed, for instruction counts (valgrind --tool=callgrind; README "Cost"). */
    long ops = 0;
    const char *only = NULL;
    if (argc >= 3 && strcmp(argv[1], "--ops") == 0) {
        char *end;
        ops = strtol(argv[2], &end, 10);
        if (*end != '\0' || ops <= 0 || ops > BENCH_OPS_MAX) {
            fprintf(stderr, "usage: cred_bench [--ops N [RS256|ES256|EdDSA]]\n");
            return 2;
        }
        only = argc >= 4 ? argv[3] : NULL;
    }
    if (sodium_init() < 0)
        return 2;
    json_t *vc = json_load_file(RN_FIXTURES "/obv3/theed_microcredential_full_ho.json", 0, &je);
    if (vc == NULL) {
        fprintf(stderr, "cred_bench: %s\n", je.text);
        return 2;
    }
    const char *issuer = cred_issuer_id(vc);
    signer signers[3];
    memset(signers, 0, sizeof(signers));
    signers[0].alg = CRED_ALG_RS256;
    signers[0].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    signers[1].alg = CRED_ALG_ES256;
    signers[1].pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    signers[2].alg = CRED_ALG_EDDSA;
    crypto_sign_keypair(signers[2].pk, signers[2].sk);
    if (signers[0].pkey == NULL || signers[1].pkey == NULL)
        return 2;

    json_t *out = json_object();
    printf("%-7s %14s %14s %8s %8s  (token bytes)\n", "alg", "raw verify/s", "full check/s",
           "ratio", "cpu");
    for (int a = 0; a < 3; a++) {
        const signer *s = &signers[a];
        if (only != NULL && strcmp(only, cred_alg_name(s->alg)) != 0)
            continue;
        json_t *jwk = jwk_of(s);
        json_t *h =
            json_pack("{s:s,s:s,s:O}", "alg", cred_alg_name(s->alg), "typ", "JWT", "jwk", jwk);
        json_t *p = json_pack(
            "{s:O,s:s,s:s,s:s,s:I}", "vc", vc, "iss", issuer, "jti",
            json_string_value(json_object_get(vc, "id")), "sub",
            json_string_value(json_object_get(json_object_get(vc, "credentialSubject"), "id")),
            "nbf", (json_int_t)1725000000);
        char *hs = json_dumps(h, JSON_COMPACT), *ps = json_dumps(p, JSON_COMPACT);
        char *hb = cred_b64url_encode((const uint8_t *)hs, strlen(hs));
        char *pb = cred_b64url_encode((const uint8_t *)ps, strlen(ps));
        size_t in_len = strlen(hb) + 1 + strlen(pb);
        char *tok = malloc(in_len + 1024);
        snprintf(tok, in_len + 1, "%s.%s", hb, pb);
        uint8_t sig[600];
        size_t sl = sign(s, tok, in_len, sig);
        char *sb = cred_b64url_encode(sig, sl);
        snprintf(tok + in_len, 1024, ".%s", sb);
        size_t tok_len = strlen(tok);

        /* The issuer's profile lists the key, so that every check is made. */
        cred_docs docs;
        cred_docs_init(&docs);
        json_t *doc = json_pack("{s:s,s:[s],s:[{s:s,s:O}]}", "id", issuer, "type", "Profile",
                                "verificationMethod", "id", "#key-1", "publicKeyJwk", jwk);
        if (cred_docs_add(&docs, doc, NULL, 0) < 0)
            return 2;
        cred_opts o;
        memset(&o, 0, sizeof(o));
        o.docs = &docs;
        o.now_ms = NOW_MS;
        cred_report r;
        char why[256];
        if (cred_check_buf((const uint8_t *)tok, tok_len, &o, &r, why, sizeof(why)) < 0 ||
            r.failed != 0) {
            fprintf(stderr, "cred_bench: the %s token does not check: %s\n", cred_alg_name(s->alg),
                    why);
            for (size_t i = 0; i < r.n; i++)
                fprintf(stderr, "  %s: %s\n", r.checks[i].name, r.checks[i].reason);
            return 2;
        }
        cred_report_free(&r);
        cred_key k;
        if (cred_key_from_jwk(jwk, &k, NULL, 0) < 0)
            return 2;

        if (ops > 0) {
            for (long i = 0; i < ops; i++)
                sink += (uint64_t)raw_verify(&k, s->alg, tok, in_len, sig, sl);
            for (long i = 0; i < ops; i++)
                if (full_check((const uint8_t *)tok, tok_len, &o, &r, why, sizeof(why)) < 0)
                    return 2;
            printf("%-7s %ld raw verifications and full checks\n", cred_alg_name(s->alg), ops);
        }
        /* Interleaved slices, so that both rates see the same load on a shared machine. */
        long nraw = 0, nfull = 0;
        double traw = 0, tfull = 0, craw = 0, cfull = 0;
        while (ops == 0 && traw + tfull < 2 * BENCH_SECONDS) {
            double t0 = now_s(), c0 = cpu_s(), t;
            do {
                sink += (uint64_t)raw_verify(&k, s->alg, tok, in_len, sig, sl);
                nraw++;
            } while ((t = now_s() - t0) < BENCH_SLICE && nraw < BENCH_OPS_MAX);
            traw += t;
            craw += cpu_s() - c0;
            t0 = now_s();
            c0 = cpu_s();
            do {
                if (full_check((const uint8_t *)tok, tok_len, &o, &r, why, sizeof(why)) < 0)
                    return 2;
                nfull++;
            } while ((t = now_s() - t0) < BENCH_SLICE && nfull < BENCH_OPS_MAX);
            tfull += t;
            cfull += cpu_s() - c0;
        }
        if (ops == 0) {
            double raw = (double)nraw / traw;
            double full = (double)nfull / tfull, ratio = full / raw;
            double cpu_ratio = ((double)nfull / cfull) / ((double)nraw / craw);
            printf("%-7s %14.0f %14.0f %8.2f %8.2f  (%zu)%s\n", cred_alg_name(s->alg), raw, full,
                   ratio, cpu_ratio, tok_len,
                   ratio < BENCH_RATIO_MIN ? "  below the expected 0.5" : "");
            json_object_set_new(out, cred_alg_name(s->alg),
                                json_pack("{s:f,s:f,s:f,s:f,s:I}", "raw_verify_per_s", raw,
                                          "check_per_s", full, "ratio", ratio, "cpu_ratio",
                                          cpu_ratio, "token_bytes", (json_int_t)tok_len));
        }
        cred_key_free(&k);
        cred_docs_free(&docs);
        json_decref(doc);
        json_decref(h);
        json_decref(p);
        json_decref(jwk);
        free(hs);
        free(ps);
        free(hb);
        free(pb);
        free(sb);
        free(tok);
    }
    /* An Open Badges 3.0 credential with an embedded eddsa-rdfc-2022 proof (1EdTech's
     * conformance sample simple.json) through the whole pipeline: JSON-LD to RDF and RDFC-1.0 of
     * the credential and of its proof configuration, the key resolved and bound to the issuer,
     * the structure, the dates; beside raw Ed25519 verification of the 64 bytes such a proof
     * signs. */
    if (ops == 0 || (only != NULL && strcmp(only, "DI-RDFC") == 0)) {
        size_t len;
        static uint8_t buf[CRED_FILE_BYTES_MAX];
        FILE *f = fopen(RN_FIXTURES "/ob3/simple.json", "rb");
        if (f == NULL)
            return 2;
        len = fread(buf, 1, sizeof(buf), f);
        fclose(f);
        uint8_t pk[32], sk[64], msg[64], sig[64];
        crypto_sign_keypair(pk, sk);
        randombytes_buf(msg, sizeof(msg));
        crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
        cred_opts o;
        cred_report r;
        char why[256];
        memset(&o, 0, sizeof(o));
        o.now_ms = NOW_MS;
        if (cred_check_buf(buf, len, &o, &r, why, sizeof(why)) < 0 || r.failed != 0 ||
            cred_report_find(&r, "proof") == NULL ||
            cred_report_find(&r, "proof")->result != CRED_PASS) {
            fprintf(stderr, "cred_bench: simple.json does not check: %s\n", why);
            return 2;
        }
        cred_report_free(&r);
        if (ops > 0) {
            for (long i = 0; i < ops; i++)
                sink += (uint64_t)crypto_sign_verify_detached(sig, msg, sizeof(msg), pk);
            for (long i = 0; i < ops; i++)
                if (full_check(buf, len, &o, &r, why, sizeof(why)) < 0)
                    return 2;
            printf("DI-RDFC %ld raw verifications and full checks\n", ops);
            goto done;
        }
        long nraw = 0, nfull = 0;
        double traw = 0, tfull = 0, craw = 0, cfull = 0;
        while (traw + tfull < 2 * BENCH_SECONDS) {
            double t0 = now_s(), c0 = cpu_s(), t;
            do {
                sink += (uint64_t)crypto_sign_verify_detached(sig, msg, sizeof(msg), pk);
                nraw++;
            } while ((t = now_s() - t0) < BENCH_SLICE && nraw < BENCH_OPS_MAX);
            traw += t;
            craw += cpu_s() - c0;
            t0 = now_s();
            c0 = cpu_s();
            do {
                if (full_check(buf, len, &o, &r, why, sizeof(why)) < 0)
                    return 2;
                nfull++;
            } while ((t = now_s() - t0) < BENCH_SLICE && nfull < BENCH_OPS_MAX);
            tfull += t;
            cfull += cpu_s() - c0;
        }
        double raw = (double)nraw / traw, full = (double)nfull / tfull;
        double cpu_raw = (double)nraw / craw, cpu_full = (double)nfull / cfull;
        printf("%-7s %14.0f %14.0f %8.2f %8.2f  (%zu, JSON with an eddsa-rdfc-2022 proof: cost "
               "above the signature %.0f us of CPU)\n",
               "DI-RDFC", raw, full, full / raw, cpu_full / cpu_raw, len,
               1e6 / cpu_full - 1e6 / cpu_raw);
        json_object_set_new(
            out, "eddsa-rdfc-2022",
            json_pack("{s:f,s:f,s:f,s:f,s:f,s:I}", "raw_verify_per_s", raw, "check_per_s", full,
                      "ratio", full / raw, "cpu_ratio", cpu_full / cpu_raw, "rdf_cost_cpu_us",
                      1e6 / cpu_full - 1e6 / cpu_raw, "credential_bytes", (json_int_t)len));
    }
done:
    json_object_set_new(out, "ratio_min", json_real(BENCH_RATIO_MIN));
    char *js = json_dumps(out, JSON_COMPACT);
    printf("%s\n", js);
    free(js);
    json_decref(out);
    json_decref(vc);
    EVP_PKEY_free(signers[0].pkey);
    EVP_PKEY_free(signers[1].pkey);
    return 0;
}
