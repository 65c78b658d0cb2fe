/*
 * cred_seal_test.c: sealed credentials (cred/seal.c): the Commission's ELM sample sealed here as
 * JAdES does it (the JWS JSON serialization, the sealer's certificate chain in x5c), with a CA and
 * a sealing certificate made in the test. The seal verified against the certificate it carries,
 * the subject reported, the chain checked against a PEM trust bundle; and each way a seal can be
 * wrong: a tampered payload, another CA, an expired certificate, a thumbprint that is not the
 * certificate's, algorithm confusion, a certificate that does not decode, no certificate at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>

#include "cred/codec.h"
#include "cred/cred.h"
#include "cred/jws.h"
#include "cred_sign.h"

#define ELM        RN_FIXTURES "/elm/Sample-MC-Annex1-unsigned.jsonld"
#define ELM_SEALED RN_FIXTURES "/elm/Sample-MC-Annex1-signed.jsonld"

static test_issuer ca_key, leaf_key, other_ca_key, ec_leaf_key;
static X509 *ca, *leaf, *other_ca, *expired_leaf, *ec_leaf;
static char ca_pem[] = "/tmp/cred_seal_test_ca.XXXXXX",
            other_pem[] = "/tmp/cred_seal_test_o.XXXXXX";
static long serial = 1;

static X509 *make_cert(EVP_PKEY *key, const char *cn, X509 *issuer, EVP_PKEY *issuer_key,
                       long from_s, long to_s, bool is_ca)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
    X509_gmtime_adj(X509_getm_notBefore(x), from_s);
    X509_gmtime_adj(X509_getm_notAfter(x), to_s);
    X509_set_pubkey(x, key);
    X509_NAME *n = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(n, "C", MBSTRING_ASC, (const unsigned char *)"IE", -1, -1, 0);
    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
    X509_set_issuer_name(x, issuer != NULL ? X509_get_subject_name(issuer) : n);
    if (is_ca) {
        X509_EXTENSION *e =
            X509V3_EXT_conf_nid(NULL, NULL, NID_basic_constraints, "critical,CA:TRUE");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
        e = X509V3_EXT_conf_nid(NULL, NULL, NID_key_usage, "critical,keyCertSign,cRLSign");
        X509_add_ext(x, e, -1);
        X509_EXTENSION_free(e);
    }
    if (X509_sign(x, issuer_key, EVP_sha256()) <= 0)
        abort();
    return x;
}

static void write_pem(const char *path, X509 *x)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    assert_int_equal(PEM_write_X509(f, x), 1);
    fclose(f);
}

static json_t *b64std(X509 *x)
{
    unsigned char *der = NULL;
    int n = i2d_X509(x, &der);
    char out[8192];
    sodium_bin2base64(out, sizeof(out), der, (size_t)n, sodium_base64_VARIANT_ORIGINAL);
    OPENSSL_free(der);
    return json_string(out);
}

/* The ELM sample sealed by `by` with alg, x5c = certs (NULL-ended); `extra` members, when given,
 * are merged into the protected header first. A new JSON object. */
static json_t *seal(const test_issuer *by, cred_alg alg, X509 *const *certs, json_t *extra)
{
    json_t *cred = json_load_file(ELM, 0, NULL);
    assert_non_null(cred);
    json_t *h = json_pack("{s:s,s:[],s:s,s:[s]}", "alg", cred_alg_name(alg), "x5c", "sigT",
                          "2025-01-01T00:00:00Z", "crit", "sigT");
    for (size_t i = 0; certs[i] != NULL; i++)
        json_array_append_new(json_object_get(h, "x5c"), b64std(certs[i]));
    if (extra != NULL)
        json_object_update(h, extra);
    json_t *out = test_jws_as_json(by, alg, h, cred);
    json_decref(h);
    json_decref(cred);
    return out;
}

/* Checks the sealed document; `name` must have `want` with `needle`. */
static void says(json_t *doc, const char *trust_pem, const char *name, cred_result want,
                 const char *needle)
{
    cred_trust t;
    cred_opts o;
    cred_report r;
    char why[300] = "";
    cred_trust_init(&t);
    memset(&o, 0, sizeof(o));
    o.now_ms = (uint64_t)time(NULL) * 1000u;
    if (trust_pem != NULL) {
        assert_int_equal(cred_trust_load_pem(&t, trust_pem, why, sizeof(why)), 0);
        o.trust = &t;
    }
    char *text = json_dumps(doc, JSON_COMPACT);
    int rc = cred_check_buf((const uint8_t *)text, strlen(text), &o, &r, why, sizeof(why));
    if (rc != 0)
        fail_msg("refused: %d %s", rc, why);
    const cred_check *c = cred_report_find(&r, name);
    if (c == NULL || c->result != want || (needle != NULL && strstr(c->reason, needle) == NULL)) {
        for (size_t i = 0; i < r.n; i++)
            print_message("  %s: %s: %s\n", r.checks[i].name, cred_result_name(r.checks[i].result),
                          r.checks[i].reason);
        fail_msg("%s: expected %s %s", name, cred_result_name(want), needle ? needle : "");
    }
    cred_report_free(&r);
    cred_trust_free(&t);
    free(text);
}

static void test_sealed_elm(void **state)
{
    (void)state;
    X509 *chain[] = { leaf, ca, NULL };
    json_t *doc = seal(&leaf_key, CRED_ALG_RS256, chain, NULL);
    says(doc, ca_pem, "seal", CRED_PASS, "certificate's key");
    says(doc, ca_pem, "certificate", CRED_PASS, "CN=Uni Z sealing");
    says(doc, ca_pem, "chain", CRED_PASS, "CN=Test QTSP root");
    says(doc, ca_pem, "validFrom", CRED_PASS, NULL);
    says(doc, NULL, "chain", CRED_NOT_CHECKED, "no trust anchors");
    says(doc, other_pem, "chain", CRED_FAIL, "does not chain");
    /* The leaf alone in x5c, the CA in the bundle: the chain is still built. */
    X509 *alone[] = { leaf, NULL };
    json_t *d2 = seal(&leaf_key, CRED_ALG_RS256, alone, NULL);
    says(d2, ca_pem, "chain", CRED_PASS, NULL);
    json_decref(d2);
    /* Tampered: one character of the payload changed under the same signature. */
    json_t *forged = json_deep_copy(doc);
    char *p = strdup(json_string_value(json_object_get(doc, "payload")));
    p[100] = p[100] == 'A' ? 'Q' : 'A';
    json_object_set_new(forged, "payload", json_string(p));
    cred_opts o;
    cred_report r;
    char why[300];
    memset(&o, 0, sizeof(o));
    o.now_ms = (uint64_t)time(NULL) * 1000u;
    char *text = json_dumps(forged, JSON_COMPACT);
    int rc = cred_check_buf((const uint8_t *)text, strlen(text), &o, &r, why, sizeof(why));
    /* A changed payload either no longer decodes as JSON, or does not verify. */
    if (rc == 0)
        assert_int_equal(cred_report_find(&r, "seal")->result, CRED_FAIL);
    else
        assert_int_equal(rc, RN_EMALFORMED);
    cred_report_free(&r);
    free(text);
    free(p);
    json_decref(forged);
    json_decref(doc);
}

/* The check of one file at a time (ms since the epoch), the report kept in *r. */
static int check_file_at(const char *path, uint64_t at_ms, cred_report *r)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    static char buf[1u << 20];
    size_t n = fread(buf, 1, sizeof(buf), f);
    fclose(f);
    cred_opts o;
    char why[300];
    memset(&o, 0, sizeof(o));
    o.now_ms = at_ms;
    return cred_check_buf((const uint8_t *)buf, n, &o, r, why, sizeof(why));
}

/*
 * The Commission's own sealed sample (european-commission-empl/European-Learning-Model,
 * Sample-MC-Annex1-signed.jsonld): JAdES with an unencoded payload (RFC 7797, b64 false, named
 * in crit with sigT and adoTst), RS256, sealed by "TEST SEAL" of ORGANIZACION TEST under ANF's
 * test CA on 2023-09-27, the certificate valid 2023-05-11 to 2025-05-10. The seal verifies
 * against the certificate it carries; checked while the certificate was valid everything else
 * passes, and after it expired the certificate check says so. Its archive time-stamp token is
 * reported as not checked.
 */
static void test_commission_sealed_sample(void **state)
{
    (void)state;
    cred_report r;
    assert_int_equal(check_file_at(ELM_SEALED, 1704067200000u /* 2024-01-01 */, &r), 0);
    assert_int_equal(cred_report_find(&r, "seal")->result, CRED_PASS);
    assert_int_equal(cred_report_find(&r, "certificate")->result, CRED_PASS);
    assert_non_null(strstr(cred_report_find(&r, "certificate")->reason, "TEST SEAL"));
    assert_non_null(strstr(r.sealer, "ORGANIZACION TEST"));
    assert_int_equal(cred_report_find(&r, "archive time-stamp")->result, CRED_NOT_CHECKED);
    assert_int_equal(r.failed, 0);
    cred_report_free(&r);
    /* 2026: the sealing certificate has expired. */
    assert_int_equal(check_file_at(ELM_SEALED, 1767225600000u /* 2026-01-01 */, &r), 0);
    assert_int_equal(cred_report_find(&r, "seal")->result, CRED_PASS);
    assert_int_equal(cred_report_find(&r, "certificate")->result, CRED_FAIL);
    cred_report_free(&r);
}

/* RFC 7797: b64 false is read only in the JSON serialization and only when crit names it; a
 * payload changed under the Commission's seal no longer verifies. */
static void test_unencoded_payload_rules(void **state)
{
    (void)state;
    json_error_t je;
    json_t *doc = json_load_file(ELM_SEALED, 0, &je);
    assert_non_null(doc);
    json_t *sig = json_array_get(json_object_get(doc, "signatures"), 0);
    const char *prot = json_string_value(json_object_get(sig, "protected"));
    uint8_t *hb;
    size_t hl;
    assert_int_equal(cred_b64url_decode(prot, strlen(prot), &hb, &hl), 0);
    json_t *h = json_loadb((const char *)hb, hl, 0, &je);
    free(hb);
    assert_non_null(h);
    cred_jws j;
    char why[256];
    /* crit without b64: refused. */
    json_t *h2 = json_deep_copy(h);
    json_object_set_new(h2, "crit", json_pack("[ss]", "sigT", "adoTst"));
    char *ht = json_dumps(h2, JSON_COMPACT);
    char *p2 = cred_b64url_encode((const uint8_t *)ht, strlen(ht));
    json_t *d2 = json_deep_copy(doc);
    json_object_set_new(json_array_get(json_object_get(d2, "signatures"), 0), "protected",
                        json_string(p2));
    assert_int_equal(cred_jws_parse_json(d2, &j, why, sizeof(why)), RN_EINVAL);
    assert_non_null(strstr(why, "b64"));
    cred_jws_free(&j);
    free(ht);
    free(p2);
    json_decref(h2);
    json_decref(d2);
    /* b64 not a boolean: refused. */
    h2 = json_deep_copy(h);
    json_object_set_new(h2, "b64", json_string("false"));
    ht = json_dumps(h2, JSON_COMPACT);
    p2 = cred_b64url_encode((const uint8_t *)ht, strlen(ht));
    d2 = json_deep_copy(doc);
    json_object_set_new(json_array_get(json_object_get(d2, "signatures"), 0), "protected",
                        json_string(p2));
    assert_int_equal(cred_jws_parse_json(d2, &j, why, sizeof(why)), RN_EINVAL);
    cred_jws_free(&j);
    free(ht);
    free(p2);
    json_decref(h2);
    json_decref(d2);
    /* The original parses, its payload the bytes as given, and verifies no more when changed. */
    assert_int_equal(cred_jws_parse_json(doc, &j, why, sizeof(why)), 0);
    assert_int_equal(j.payload_len, json_string_length(json_object_get(doc, "payload")));
    cred_jws_free(&j);
    char *pay = strdup(json_string_value(json_object_get(doc, "payload")));
    char *at = strstr(pay, "urn:credential:1018d05f");
    assert_non_null(at);
    at[15] = '2';
    json_object_set_new(doc, "payload", json_string(pay));
    free(pay);
    char *text = json_dumps(doc, JSON_COMPACT);
    cred_opts o;
    cred_report r;
    memset(&o, 0, sizeof(o));
    o.now_ms = 1704067200000u;
    assert_int_equal(cred_check_buf((const uint8_t *)text, strlen(text), &o, &r, why, sizeof(why)),
                     0);
    assert_int_equal(cred_report_find(&r, "seal")->result, CRED_FAIL);
    cred_report_free(&r);
    free(text);
    json_decref(h);
    json_decref(doc);
}

static void test_bad_seals(void **state)
{
    (void)state;
    X509 *expired[] = { expired_leaf, ca, NULL };
    json_t *doc = seal(&leaf_key, CRED_ALG_RS256, expired, NULL);
    says(doc, ca_pem, "certificate", CRED_FAIL, "NOT valid");
    says(doc, ca_pem, "chain", CRED_FAIL, "expired");
    json_decref(doc);
    /* A thumbprint that is not the leaf's. */
    X509 *chain[] = { leaf, ca, NULL };
    json_t *extra = json_pack("{s:s}", "x5t#S256", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA");
    doc = seal(&leaf_key, CRED_ALG_RS256, chain, extra);
    says(doc, ca_pem, "x5t#S256", CRED_FAIL, "thumbprint");
    json_decref(doc);
    json_decref(extra);
    /* ES256 claimed, the certificate's key RSA: algorithm confusion. */
    doc = seal(&ec_leaf_key, CRED_ALG_ES256, chain, NULL);
    says(doc, ca_pem, "seal", CRED_FAIL, "algorithm confusion");
    json_decref(doc);
    /* An EC sealing certificate. */
    X509 *ecc[] = { ec_leaf, ca, NULL };
    doc = seal(&ec_leaf_key, CRED_ALG_ES256, ecc, NULL);
    says(doc, ca_pem, "seal", CRED_PASS, NULL);
    says(doc, ca_pem, "chain", CRED_PASS, NULL);
    json_decref(doc);
    /* Signed by another key than the certificate's. */
    doc = seal(&ca_key, CRED_ALG_RS256, chain, NULL);
    says(doc, ca_pem, "seal", CRED_FAIL, "does not verify");
    json_decref(doc);
    /* An x5c entry that is not a certificate. */
    extra = json_pack("{s:[s]}", "x5c", "bm90IGEgY2VydGlmaWNhdGU=");
    doc = seal(&leaf_key, CRED_ALG_RS256, chain, extra);
    says(doc, ca_pem, "certificate", CRED_FAIL, "x5c[0]");
    json_decref(doc);
    json_decref(extra);
    /* No x5c: the sealer cannot be known; not a form read. */
    X509 *none[] = { NULL };
    doc = seal(&leaf_key, CRED_ALG_RS256, none, NULL);
    char *text = json_dumps(doc, JSON_COMPACT);
    cred_opts o;
    cred_report r;
    char why[300];
    memset(&o, 0, sizeof(o));
    assert_int_equal(cred_check_buf((const uint8_t *)text, strlen(text), &o, &r, why, sizeof(why)),
                     RN_EKIND);
    assert_non_null(strstr(why, "x5c"));
    cred_report_free(&r);
    free(text);
    json_decref(doc);
}

static void test_trust_bundle(void **state)
{
    cred_trust t;
    char why[300];
    (void)state;
    cred_trust_init(&t);
    assert_int_equal(cred_trust_load_pem(&t, RN_FIXTURES "/codes/eqf.tsv", why, sizeof(why)),
                     RN_EMALFORMED);
    assert_int_equal(cred_trust_load_pem(&t, "/nonexistent.pem", why, sizeof(why)), RN_EIO);
    assert_int_equal(cred_trust_load_pem(&t, ca_pem, why, sizeof(why)), 0);
    assert_int_equal(cred_trust_load_pem(&t, other_pem, why, sizeof(why)), 0);
    assert_int_equal(t.n, 2);
    cred_trust_free(&t);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    test_issuer_make(&ca_key, CRED_KTY_RSA, 1);
    test_issuer_make(&leaf_key, CRED_KTY_RSA, 2);
    test_issuer_make(&other_ca_key, CRED_KTY_RSA, 3);
    test_issuer_make(&ec_leaf_key, CRED_KTY_P256, 4);
    ca = make_cert(ca_key.pkey, "Test QTSP root", NULL, ca_key.pkey, -86400, 86400 * 365, true);
    other_ca = make_cert(other_ca_key.pkey, "Another root", NULL, other_ca_key.pkey, -86400,
                         86400 * 365, true);
    leaf = make_cert(leaf_key.pkey, "Uni Z sealing", ca, ca_key.pkey, -3600, 86400 * 30, false);
    expired_leaf = make_cert(leaf_key.pkey, "Uni Z sealing (old)", ca, ca_key.pkey, -86400 * 60,
                             -86400, false);
    ec_leaf = make_cert(ec_leaf_key.pkey, "Uni Z sealing EC", ca, ca_key.pkey, -3600, 86400, false);
    int f1 = mkstemp(ca_pem), f2 = mkstemp(other_pem);
    if (f1 < 0 || f2 < 0)
        return -1;
    close(f1);
    close(f2);
    write_pem(ca_pem, ca);
    write_pem(other_pem, other_ca);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    X509_free(ca);
    X509_free(other_ca);
    X509_free(leaf);
    X509_free(expired_leaf);
    X509_free(ec_leaf);
    test_issuer_free(&ca_key);
    test_issuer_free(&leaf_key);
    test_issuer_free(&other_ca_key);
    test_issuer_free(&ec_leaf_key);
    remove(ca_pem);
    remove(other_pem);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sealed_elm),
        cmocka_unit_test(test_commission_sealed_sample),
        cmocka_unit_test(test_unencoded_payload_rules),
        cmocka_unit_test(test_bad_seals),
        cmocka_unit_test(test_trust_bundle),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
