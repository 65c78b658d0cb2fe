/*
 * ld_di_test.c: the Data Integrity suites (cred/di.h) against the test vectors of the W3C VC
 * Data Integrity EdDSA Cryptosuites (tests/fixtures/di/, from w3c/vc-di-eddsa) and of Open
 * Badges 3.0 (tests/fixtures/di/ob3/, from 1EdTech's implementation guide), and JSON-LD to RDF
 * (cred/jsonld.h) on the shipped contexts.
 *
 * For each suite: the canonical form of the document and of the proof configuration must be
 * the vector's bytes, the 64 bytes signed must be its combined hash, and the signed credential
 * must verify with the key of its verificationMethod. Then the negative cases: a tampered
 * document, a tampered proof, the wrong key, a context that is not shipped, an unsupported
 * suite, malformed proofValues, a missing proof, a proof @context that does not begin the
 * document's, a resolver that fails; and proof sets, where one verifying proof suffices.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "cred/di.h"
#include "cred/jcs.h"
#include "cred/jsonld.h"
#include "cred/rdfc.h"

#define DIR    RN_FIXTURES "/di/"
#define VM_KEY "z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ2"

static char *slurp(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), DIR "%s", name);
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    assert_non_null(b);
    assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
    b[n] = '\0';
    fclose(f);
    return b;
}

static json_t *load(const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), DIR "%s", name);
    json_t *j = json_load_file(path, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(j);
    return j;
}

/* Resolves "<anything>#<Multikey>" to the Multikey's key; with a ctx, answers that key
 * instead (a wrong key), or the error it points to. */
typedef struct resolver {
    const uint8_t *pk;
    int rc;
    unsigned calls;
} resolver;

static int resolve(void *ctx, const char *vm, uint8_t pk[32])
{
    resolver *r = ctx;
    if (r) {
        r->calls++;
        if (r->rc)
            return r->rc;
        if (r->pk) {
            memcpy(pk, r->pk, 32);
            return 0;
        }
    }
    const char *frag = strchr(vm, '#');
    if (!frag)
        return RN_ENOTFOUND;
    return cred_multikey_ed25519(frag + 1, pk) < 0 ? RN_ENOTFOUND : 0;
}

static char *canon_of(const json_t *doc)
{
    cred_dataset ds;
    cred_dataset_init(&ds, 0);
    char err[CRED_JSONLD_ERR_CHARS];
    int rc = cred_jsonld_to_rdf(doc, &ds, err, sizeof(err));
    if (rc)
        printf("jsonld: %s\n", err);
    assert_int_equal(rc, 0);
    cred_buf b;
    cred_buf_init(&b, CRED_RDFC_OUT_MAX);
    assert_int_equal(cred_rdfc_canonize(&ds, &b, NULL), 0);
    cred_dataset_free(&ds);
    char *s = strdup(b.data ? b.data : "");
    cred_buf_free(&b);
    return s;
}

/* The proof configuration: the proof without proofValue, with the document's @context. */
static json_t *proof_config(const json_t *doc)
{
    json_t *c = json_copy(json_object_get(doc, "proof"));
    json_object_del(c, "proofValue");
    if (!json_object_get(c, "@context"))
        json_object_set(c, "@context", json_object_get(doc, "@context"));
    return c;
}

static void check_vector(const char *signed_name, const char *doc_canon, const char *proof_canon,
                         const char *combined_hex, bool jcs)
{
    json_t *doc = load(signed_name);
    json_t *unsecured = json_copy(doc);
    json_object_del(unsecured, "proof");
    json_t *config = proof_config(doc);
    char *want_doc = slurp(doc_canon), *want_proof = slurp(proof_canon);
    char *got_doc, *got_proof;
    if (jcs) {
        cred_buf b;
        cred_buf_init(&b, 1 << 20);
        assert_int_equal(cred_jcs_write(unsecured, &b), 0);
        got_doc = strdup(b.data);
        b.len = 0;
        assert_int_equal(cred_jcs_write(config, &b), 0);
        got_proof = strdup(b.data);
        cred_buf_free(&b);
    } else {
        got_doc = canon_of(unsecured);
        got_proof = canon_of(config);
    }
    assert_string_equal(got_doc, want_doc);
    assert_string_equal(got_proof, want_proof);
    /* The hashes: SHA-256 of each canonical form, proof first. */
    uint8_t data[64], h[32];
    char err[CRED_DI_TEXT_CHARS];
    assert_int_equal(cred_di_hash(doc, json_object_get(doc, "proof"), data, err, sizeof(err)), 0);
    crypto_hash_sha256(h, (const unsigned char *)want_proof, strlen(want_proof));
    assert_memory_equal(h, data, 32);
    crypto_hash_sha256(h, (const unsigned char *)want_doc, strlen(want_doc));
    assert_memory_equal(h, data + 32, 32);
    if (combined_hex) {
        char *hex = slurp(combined_hex), got[129];
        sodium_bin2hex(got, sizeof(got), data, 64);
        assert_memory_equal(got, hex, 128);
        free(hex);
    }
    /* And the signature. */
    cred_di_result res;
    assert_int_equal(cred_di_verify(doc, resolve, NULL, &res), 0);
    assert_int_equal(res.code, 0);
    assert_int_equal(res.proofs, 1);
    assert_string_equal(res.proof_purpose, "assertionMethod");
    assert_string_equal(res.reason, "");
    free(got_doc);
    free(got_proof);
    free(want_doc);
    free(want_proof);
    json_decref(config);
    json_decref(unsecured);
    json_decref(doc);
}

static void test_vector_rdfc(void **state)
{
    (void)state;
    check_vector("eddsa-rdfc-2022/signedDataInt.json", "eddsa-rdfc-2022/canonDocDataInt.txt",
                 "eddsa-rdfc-2022/proofCanonDataInt.txt", "eddsa-rdfc-2022/combinedHashDataInt.txt",
                 false);
    json_t *doc = load("eddsa-rdfc-2022/signedDataInt.json");
    cred_di_result res;
    assert_int_equal(cred_di_verify(doc, resolve, NULL, &res), 0);
    assert_int_equal(res.suite, CRED_DI_EDDSA_RDFC_2022);
    assert_string_equal(res.created, "2023-02-24T23:36:38Z");
    assert_string_equal(res.verification_method, "did:key:" VM_KEY "#" VM_KEY);
    json_decref(doc);
}

static void test_vector_jcs(void **state)
{
    (void)state;
    check_vector("eddsa-jcs-2022/signedJCS.json", "eddsa-jcs-2022/canonDocJCS.txt",
                 "eddsa-jcs-2022/proofCanonJCS.txt", "eddsa-jcs-2022/combinedHashJCS.txt", true);
}

static void test_vector_ed25519_2020(void **state)
{
    (void)state;
    check_vector("Ed25519Signature2020/signedEdSig.json", "Ed25519Signature2020/canonDocEdSig.txt",
                 "Ed25519Signature2020/proofCanonEdSig.txt",
                 "Ed25519Signature2020/combinedHashEdSig.txt", false);
    json_t *doc = load("Ed25519Signature2020/signedEdSig.json");
    cred_di_result res;
    assert_int_equal(cred_di_verify(doc, resolve, NULL, &res), 0);
    assert_int_equal(res.suite, CRED_DI_ED25519_2020);
    json_decref(doc);
}

/* Open Badges 3.0: the OB 3.0.3 context over VC v2, eddsa-rdfc-2022. */
static void test_vector_ob3(void **state)
{
    (void)state;
    check_vector("ob3/signed.json", "ob3/document-canon.txt", "ob3/proof-canon.txt", NULL, false);
}

static void expect_fail(json_t *doc, resolver *r, int code, const char *reason_part)
{
    cred_di_result res;
    int rc = cred_di_verify(doc, resolve, r, &res);
    if (rc != code || !strstr(res.reason, reason_part))
        printf("got %s: %s\n", rn_err_name(rc), res.reason);
    assert_int_equal(rc, code);
    assert_int_equal(res.code, code);
    assert_non_null(strstr(res.reason, reason_part));
}

static const char *const SIGNED[] = {
    "eddsa-rdfc-2022/signedDataInt.json",
    "eddsa-jcs-2022/signedJCS.json",
    "Ed25519Signature2020/signedEdSig.json",
    "ob3/signed.json",
};

static void test_tampered(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(SIGNED) / sizeof(SIGNED[0]); i++) {
        json_t *doc = load(SIGNED[i]);
        json_object_set_new(doc, "name", json_string("Another Credential"));
        expect_fail(doc, NULL, RN_ESIG, "does not verify");
        json_decref(doc);
        /* A changed proof option is a changed signature input too. */
        doc = load(SIGNED[i]);
        json_object_set_new(json_object_get(doc, "proof"), "created",
                            json_string("2024-01-01T00:00:00Z"));
        expect_fail(doc, NULL, RN_ESIG, "does not verify");
        json_decref(doc);
    }
    /* A change that JSON-LD does not see (an undefined term under the VC v2 context's @vocab is
     * still seen; whitespace and member order are not part of any form). */
    json_t *doc = load("eddsa-rdfc-2022/signedDataInt.json");
    json_t *copy = json_deep_copy(doc);
    cred_di_result res;
    assert_int_equal(cred_di_verify(copy, resolve, NULL, &res), 0);
    json_object_set_new(json_object_get(copy, "credentialSubject"), "extra", json_string("x"));
    expect_fail(copy, NULL, RN_ESIG, "does not verify");
    json_decref(copy);
    json_decref(doc);
}

static void test_wrong_key(void **state)
{
    (void)state;
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    resolver r = { pk, 0, 0 };
    for (size_t i = 0; i < sizeof(SIGNED) / sizeof(SIGNED[0]); i++) {
        json_t *doc = load(SIGNED[i]);
        expect_fail(doc, &r, RN_ESIG, "did not sign it");
        json_decref(doc);
    }
    resolver fails = { NULL, RN_ENOTFOUND, 0 };
    json_t *doc = load(SIGNED[0]);
    expect_fail(doc, &fails, RN_ENOTFOUND, "could not be resolved");
    assert_int_equal(fails.calls, 1);
    json_decref(doc);
}

static void test_unknown_context(void **state)
{
    (void)state;
    json_t *doc = load("eddsa-rdfc-2022/signedDataInt.json");
    json_array_append_new(json_object_get(doc, "@context"),
                          json_string("https://example.org/unknown/v1"));
    expect_fail(doc, NULL, RN_ENOTFOUND, "https://example.org/unknown/v1");
    json_decref(doc);
}

static void test_unsupported_suite(void **state)
{
    (void)state;
    json_t *doc = load("eddsa-rdfc-2022/signedDataInt.json");
    json_object_set_new(json_object_get(doc, "proof"), "cryptosuite",
                        json_string("ecdsa-rdfc-2019"));
    expect_fail(doc, NULL, RN_EENUM, "ecdsa-rdfc-2019");
    json_object_set_new(json_object_get(doc, "proof"), "type", json_string("RsaSignature2018"));
    expect_fail(doc, NULL, RN_EENUM, "RsaSignature2018");
    json_object_del(json_object_get(doc, "proof"), "type");
    expect_fail(doc, NULL, RN_EMISSING, "no type");
    json_object_del(doc, "proof");
    expect_fail(doc, NULL, RN_EMISSING, "no Data Integrity proof");
    json_object_set_new(doc, "proof", json_array());
    expect_fail(doc, NULL, RN_EMISSING, "empty");
    json_decref(doc);
}

static void test_malformed_proof_value(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "u2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZme",
        "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZm0",
        "z2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahK",
        "z",
        "",
        "zz2YwC8z3ap7yx1nZYCg4L3j3ApHsF8kgPdSb5xoS1VR7vPG3F561B52hYnQF9iseabecm3ijx4K1FBTQsCZahKZm"
        "e",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        json_t *doc = load("eddsa-rdfc-2022/signedDataInt.json");
        json_object_set_new(json_object_get(doc, "proof"), "proofValue", json_string(bad[i]));
        expect_fail(doc, NULL, RN_EMALFORMED, "proofValue");
        json_decref(doc);
    }
    json_t *doc = load("eddsa-rdfc-2022/signedDataInt.json");
    json_object_set_new(json_object_get(doc, "proof"), "proofValue", json_integer(1));
    expect_fail(doc, NULL, RN_ETYPE, "must be strings");
    json_object_del(json_object_get(doc, "proof"), "proofValue");
    expect_fail(doc, NULL, RN_EMISSING, "no proofValue");
    json_decref(doc);
}

static void test_proof_context_mismatch(void **state)
{
    (void)state;
    json_t *doc = load("eddsa-jcs-2022/signedJCS.json");
    json_t *pctx = json_object_get(json_object_get(doc, "proof"), "@context");
    json_array_set_new(pctx, 1, json_string("https://w3id.org/security/data-integrity/v2"));
    expect_fail(doc, NULL, RN_EINCONSISTENT, "@context");
    json_decref(doc);
}

/* A proof set verifies when one supported proof does; the answer names that proof. */
static void test_proof_set(void **state)
{
    (void)state;
    json_t *good = load("eddsa-rdfc-2022/signedDataInt.json");
    json_t *proof = json_object_get(good, "proof");
    json_t *unsupported = json_deep_copy(proof);
    json_object_set_new(unsupported, "cryptosuite", json_string("bbs-2023"));
    json_t *broken = json_deep_copy(proof);
    json_object_set_new(broken, "created", json_string("2001-01-01T00:00:00Z"));
    json_t *doc = json_deep_copy(good);
    json_object_set_new(doc, "proof", json_pack("[O,O,O]", unsupported, broken, proof));
    cred_di_result res;
    assert_int_equal(cred_di_verify(doc, resolve, NULL, &res), 0);
    assert_int_equal(res.proofs, 3);
    assert_int_equal(res.proof_index, 2);
    /* Without the good one, the answer is about the supported proof that failed. */
    json_array_remove(json_object_get(doc, "proof"), 2);
    assert_int_equal(cred_di_verify(doc, resolve, NULL, &res), RN_ESIG);
    assert_int_equal(res.proof_index, 1);
    assert_int_equal(res.suite, CRED_DI_EDDSA_RDFC_2022);
    json_array_remove(json_object_get(doc, "proof"), 1);
    assert_int_equal(cred_di_verify(doc, resolve, NULL, &res), RN_EENUM);
    assert_non_null(strstr(res.reason, "bbs-2023"));
    json_decref(doc);
    json_decref(unsupported);
    json_decref(broken);
    json_decref(good);
}

/* The vector's secret key signs what verifies, in each suite, over VC v1 and v2 documents. */
static void test_sign_round_trip(void **state)
{
    (void)state;
    json_t *kp = load("keyPair.json");
    uint8_t raw[40], pk[32], sk[64], vpk[32];
    size_t n;
    assert_int_equal(
        cred_multibase_decode(json_string_value(json_object_get(kp, "privateKeyMultibase")),
                              json_string_length(json_object_get(kp, "privateKeyMultibase")), raw,
                              sizeof(raw), &n),
        0);
    assert_int_equal(n, 34);
    assert_int_equal(raw[0], 0x80);
    assert_int_equal(raw[1], 0x26);
    crypto_sign_seed_keypair(pk, sk, raw + 2);
    assert_int_equal(
        cred_multikey_ed25519(json_string_value(json_object_get(kp, "publicKeyMultibase")), vpk),
        0);
    assert_memory_equal(pk, vpk, 32);
    json_t *v2 = load("unsigned.json");
    json_t *v1 = json_pack(
        "{s:[s,s],s:s,s:[s],s:s,s:s,s:{s:s}}", "@context", "https://www.w3.org/2018/credentials/v1",
        "https://w3id.org/security/suites/ed25519-2020/v1", "id",
        "http://example.edu/credentials/3732", "type", "VerifiableCredential", "issuer",
        "https://example.edu/issuers/565049", "issuanceDate", "2010-01-01T00:00:00Z",
        "credentialSubject", "id", "did:example:ebfeb1f712ebc6f1c276e12ec21");
    assert_non_null(v1);
    const json_t *docs[] = { v2, v1 };
    for (size_t d = 0; d < 2; d++)
        for (int s = CRED_DI_EDDSA_RDFC_2022; s <= CRED_DI_ED25519_2020; s++) {
            if (d == 0 && s == CRED_DI_ED25519_2020)
                continue; /* the v2 vector names the Ed25519-2020 context only in its signed form */
            json_t *out;
            assert_int_equal(cred_di_sign(docs[d], (cred_di_suite)s, sk,
                                          "did:key:" VM_KEY "#" VM_KEY, "2026-01-01T00:00:00Z",
                                          &out),
                             0);
            cred_di_result res;
            assert_int_equal(cred_di_verify(out, resolve, NULL, &res), 0);
            assert_int_equal(res.suite, s);
            json_object_set_new(out, "issuer", json_string("https://evil.example/"));
            assert_int_equal(cred_di_verify(out, resolve, NULL, &res), RN_ESIG);
            json_decref(out);
        }
    json_decref(v1);
    json_decref(v2);
    json_decref(kp);
}

/* ---- JSON-LD to RDF ---- */

static int to_canon(const char *json, char **out, char *err)
{
    json_t *doc = json_loads(json, 0, NULL);
    assert_non_null(doc);
    cred_dataset ds;
    cred_dataset_init(&ds, 0);
    int rc = cred_jsonld_to_rdf(doc, &ds, err, CRED_JSONLD_ERR_CHARS);
    *out = NULL;
    if (rc == 0) {
        cred_buf b;
        cred_buf_init(&b, CRED_RDFC_OUT_MAX);
        assert_int_equal(cred_rdfc_canonize(&ds, &b, NULL), 0);
        *out = strdup(b.data ? b.data : "");
        cred_buf_free(&b);
    }
    cred_dataset_free(&ds);
    json_decref(doc);
    return rc;
}

static const struct {
    const char *json;
    const char *nquads;
} TO_RDF[] = {
    /* Native types: canonical xsd:integer, xsd:double, xsd:boolean. */
    { "{\"@context\":{\"@vocab\":\"http://ex.org/\"},\"@id\":\"http://ex.org/s\",\"i\":12,"
      "\"d\":1.5,\"e\":-0.000001,\"b\":true,\"w\":3.0}",
      "<http://ex.org/s> <http://ex.org/b> \"true\"^^<http://www.w3.org/2001/XMLSchema#boolean> .\n"
      "<http://ex.org/s> <http://ex.org/d> \"1.5E0\"^^<http://www.w3.org/2001/XMLSchema#double> .\n"
      "<http://ex.org/s> <http://ex.org/e> \"-1.0E-6\"^^<http://www.w3.org/2001/XMLSchema#double> "
      ".\n"
      "<http://ex.org/s> <http://ex.org/i> \"12\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
      "<http://ex.org/s> <http://ex.org/w> \"3\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n" },
    /* Lists, a language, a relative IRI dropped, a typed value, a blank node label. */
    { "{\"@context\":{\"@vocab\":\"http://ex.org/\",\"@language\":\"en\",\"l\":{\"@container\":"
      "\"@list\"},\"t\":{\"@type\":\"http://ex.org/T\"},\"r\":{\"@type\":\"@id\"}},"
      "\"@id\":\"_:x\",\"l\":[\"a\",2],\"name\":\"n\",\"t\":\"v\",\"r\":\"relative\"}",
      "_:c14n0 <http://ex.org/l> _:c14n1 .\n"
      "_:c14n0 <http://ex.org/name> \"n\"@en .\n"
      "_:c14n0 <http://ex.org/t> \"v\"^^<http://ex.org/T> .\n"
      "_:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> \"a\"@en .\n"
      "_:c14n1 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> _:c14n2 .\n"
      "_:c14n2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#first> "
      "\"2\"^^<http://www.w3.org/2001/XMLSchema#integer> .\n"
      "_:c14n2 <http://www.w3.org/1999/02/22-rdf-syntax-ns#rest> "
      "<http://www.w3.org/1999/02/22-rdf-syntax-ns#nil> .\n" },
    /* @json literals in JCS form; a graph container. */
    { "{\"@context\":{\"j\":{\"@id\":\"http://ex.org/j\",\"@type\":\"@json\"},\"g\":{\"@id\":"
      "\"http://ex.org/g\",\"@container\":\"@graph\"},\"p\":\"http://ex.org/p\"},"
      "\"@id\":\"http://ex.org/s\",\"j\":{\"b\":[1,2.5],\"a\":null},\"g\":{\"@id\":"
      "\"http://ex.org/o\",\"p\":\"x\"}}",
      "<http://ex.org/o> <http://ex.org/p> \"x\" _:c14n0 .\n"
      "<http://ex.org/s> <http://ex.org/g> _:c14n0 .\n"
      "<http://ex.org/s> <http://ex.org/j> \"{\\\"a\\\":null,\\\"b\\\":[1,2.5]}\"^^"
      "<http://www.w3.org/1999/02/22-rdf-syntax-ns#JSON> .\n" },
    /* A type-scoped context does not reach nested nodes; a property-scoped one does. */
    { "{\"@context\":{\"@vocab\":\"http://ex.org/\",\"T\":{\"@id\":\"http://ex.org/T\","
      "\"@context\":{\"name\":\"http://scoped.org/name\"}},\"k\":{\"@id\":\"http://ex.org/k\","
      "\"@context\":{\"name\":\"http://prop.org/name\"}}},\"@id\":\"http://ex.org/s\","
      "\"@type\":\"T\",\"name\":\"a\",\"child\":{\"@id\":\"http://ex.org/c\",\"name\":\"b\"},"
      "\"k\":{\"@id\":\"http://ex.org/k1\",\"name\":\"c\"}}",
      "<http://ex.org/c> <http://ex.org/name> \"b\" .\n"
      "<http://ex.org/k1> <http://prop.org/name> \"c\" .\n"
      "<http://ex.org/s> <http://ex.org/child> <http://ex.org/c> .\n"
      "<http://ex.org/s> <http://ex.org/k> <http://ex.org/k1> .\n"
      "<http://ex.org/s> <http://scoped.org/name> \"a\" .\n"
      "<http://ex.org/s> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <http://ex.org/T> .\n" },
};

static void test_to_rdf(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(TO_RDF) / sizeof(TO_RDF[0]); i++) {
        char *got, err[CRED_JSONLD_ERR_CHARS];
        int rc = to_canon(TO_RDF[i].json, &got, err);
        if (rc)
            printf("case %zu: %s\n", i, err);
        assert_int_equal(rc, 0);
        if (strcmp(got, TO_RDF[i].nquads) != 0)
            printf("case %zu: got\n%s", i, got);
        assert_string_equal(got, TO_RDF[i].nquads);
        free(got);
    }
}

static const struct {
    const char *json;
    int code;
    const char *msg;
} REFUSED[] = {
    { "{\"@context\":\"https://example.org/ctx.jsonld\",\"name\":\"x\"}", RN_ENOTFOUND,
      "https://example.org/ctx.jsonld" },
    { "{\"@context\":{\"@import\":\"https://www.w3.org/ns/credentials/v2\"}}", RN_EINVAL,
      "@import" },
    { "{\"@context\":{\"@base\":\"http://ex.org/\"}}", RN_EINVAL, "@base" },
    { "{\"@context\":{\"x\":{\"@id\":\"http://ex.org/x\",\"@reverse\":\"y\"}}}", RN_EINVAL,
      "@reverse" },
    { "{\"@context\":{\"x\":{\"@id\":\"http://ex.org/x\",\"@container\":\"@index\"}}}", RN_EINVAL,
      "@index" },
    /* The VC v2 context protects its terms. */
    { "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",{\"name\":\"http://ex.org/n\"}],"
      "\"name\":\"x\"}",
      RN_EMALFORMED, "protected term redefinition: \"name\"" },
    { "{\"@context\":[\"https://www.w3.org/ns/credentials/v2\",null]}", RN_EMALFORMED,
      "nullification" },
    { "{\"@context\":{\"a\":\"b:x\",\"b\":\"a:y\"},\"a\":1}", RN_EMALFORMED, "cyclic" },
    { "{\"@context\":{\"@vocab\":\"http://ex.org/\"},\"@id\":\"http://ex.org/s\",\"@id \":1,"
      "\"x\":{\"@value\":{\"a\":1}}}",
      RN_EMALFORMED, "value object" },
    { "{\"@context\":{\"@vocab\":\"http://ex.org/\"},\"x\":{\"@value\":\"a\",\"@language\":\"en\","
      "\"@type\":\"http://ex.org/T\"}}",
      RN_EMALFORMED, "@type with @language" },
    { "{\"@context\":5}", RN_EMALFORMED, "invalid local context" },
    { "{\"@context\":{\"@version\":1.0}}", RN_EMALFORMED, "@version" },
};

static void test_refused(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(REFUSED) / sizeof(REFUSED[0]); i++) {
        char *got, err[CRED_JSONLD_ERR_CHARS];
        int rc = to_canon(REFUSED[i].json, &got, err);
        if (rc != REFUSED[i].code || !strstr(err, REFUSED[i].msg))
            printf("case %zu: %s %s\n", i, rn_err_name(rc), err);
        assert_int_equal(rc, REFUSED[i].code);
        assert_non_null(strstr(err, REFUSED[i].msg));
        free(got);
    }
}

/* Every shipped context is valid JSON-LD that the processor accepts on its own. */
static void test_shipped_contexts(void **state)
{
    (void)state;
    size_t n = 0;
    for (const cred_ld_context *c = cred_ld_contexts; c->url; c++, n++) {
        assert_ptr_equal(cred_ld_context_find(c->url), c);
        json_t *doc = json_pack("{s:s,s:s}", "@context", c->url, "@id", "http://ex.org/s");
        cred_dataset ds;
        cred_dataset_init(&ds, 0);
        char err[CRED_JSONLD_ERR_CHARS];
        int rc = cred_jsonld_to_rdf(doc, &ds, err, sizeof(err));
        if (rc)
            printf("%s: %s\n", c->url, err);
        assert_int_equal(rc, 0);
        cred_dataset_free(&ds);
        json_decref(doc);
    }
    assert_true(n >= 11);
    assert_null(cred_ld_context_find("https://www.w3.org/ns/credentials/v3"));
}

/* The Open Badges 3.0 contexts over the VC contexts they were written for: 3.0.0 (context.json)
 * and 3.0.1 over VC v1 only (they redefine terms that VC v2 protects, as every conforming
 * processor reports), 3.0.2 and 3.0.3 over both; each with the Ed25519-2020 context too. */
static void test_ob3_context_versions(void **state)
{
    (void)state;
    static const char *const ob[] = { "context.json", "context-3.0.1.json", "context-3.0.2.json",
                                      "context-3.0.3.json" };
    for (int v = 0; v < 2; v++)
        for (int o = 0; o < 4; o++)
            for (int e = 0; e < 2; e++) {
                json_t *doc = load("ob3/signed.json");
                json_object_del(doc, "proof");
                char url[128];
                snprintf(url, sizeof(url), "https://purl.imsglobal.org/spec/ob/v3p0/%s", ob[o]);
                json_t *c = json_pack("[s,s]",
                                      v ? "https://www.w3.org/ns/credentials/v2"
                                        : "https://www.w3.org/2018/credentials/v1",
                                      url);
                if (e)
                    json_array_append_new(
                        c, json_string("https://w3id.org/security/suites/ed25519-2020/v1"));
                json_object_set_new(doc, "@context", c);
                cred_dataset ds;
                cred_dataset_init(&ds, 0);
                char err[CRED_JSONLD_ERR_CHARS];
                int rc = cred_jsonld_to_rdf(doc, &ds, err, sizeof(err));
                if (v == 1 && o < 2) {
                    assert_int_equal(rc, RN_EMALFORMED);
                    assert_non_null(strstr(err, "protected term redefinition"));
                } else {
                    assert_int_equal(rc, 0);
                    assert_int_equal(ds.n, 16);
                }
                cred_dataset_free(&ds);
                json_decref(doc);
            }
}

static void test_multibase(void **state)
{
    (void)state;
    uint8_t in[40], out[64];
    char text[128];
    for (size_t n = 0; n <= sizeof(in); n++) {
        randombytes_buf(in, n);
        if (n > 2)
            in[0] = in[1] = 0; /* leading zeros are '1's */
        assert_int_equal(cred_multibase_encode(in, n, text, sizeof(text)), 0);
        size_t len;
        if (n == 0) {
            assert_int_equal(cred_multibase_decode(text, strlen(text), out, sizeof(out), &len),
                             RN_EMALFORMED);
            continue;
        }
        assert_int_equal(cred_multibase_decode(text, strlen(text), out, sizeof(out), &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(in, out, n);
        assert_int_equal(cred_multibase_decode(text, strlen(text), out, n - 1, &len), RN_ETOOBIG);
    }
    uint8_t pk[32];
    assert_int_equal(cred_multikey_ed25519("z6MkrJVnaZkeFzdQyMZu1cgjg7k1pZZ6pvBQ7XJPt4swbTQ", pk),
                     RN_EKEY);
    assert_int_equal(cred_multikey_ed25519("zDnaegE6RR3atJtHKwTRTWHsJ3kNHqFwv7n9YjTgmU7TyfU76", pk),
                     RN_EKEY); /* a P-256 key */
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_vector_rdfc),
        cmocka_unit_test(test_vector_jcs),
        cmocka_unit_test(test_vector_ed25519_2020),
        cmocka_unit_test(test_vector_ob3),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_wrong_key),
        cmocka_unit_test(test_unknown_context),
        cmocka_unit_test(test_unsupported_suite),
        cmocka_unit_test(test_malformed_proof_value),
        cmocka_unit_test(test_proof_context_mismatch),
        cmocka_unit_test(test_proof_set),
        cmocka_unit_test(test_sign_round_trip),
        cmocka_unit_test(test_to_rdf),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_shipped_contexts),
        cmocka_unit_test(test_ob3_context_versions),
        cmocka_unit_test(test_multibase),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
