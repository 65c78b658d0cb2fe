/*
 * cred_vcjwt_test.c: VC-JWTs through the whole pipeline (cred_check_buf): tokens signed here
 * with RS256, ES256 and EdDSA, their keys from the header's jwk, from a kid that is a did:key,
 * did:jwk or did:web DID URL (the DID document supplied), from the issuer's supplied document,
 * or from keys the caller registers; and one failed check per way a token can be wrong (each
 * named): expired, not yet valid, iss, sub and jti that are not the credential's, dates of the
 * credential, a key of another party, algorithm confusion, no key at all.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cred/cred.h"
#include "cred/vcjwt.h"
#include "cred_sign.h"

/* 2026-01-01T00:00:00Z, the time every check here is made at. */
#define NOW_MS 1767225600000ull
#define NOW_S  1767225600ll

#define ISSUER "https://uni.example/issuers/1"

static test_issuer rsa, ec, ed, other;

/* A minimal valid Open Badges 3.0 credential of ISSUER (new reference). */
static json_t *badge(const char *issuer)
{
    return json_pack("{s:[s,s],s:s,s:[s,s],s:{s:s,s:[s],s:s},s:s,s:s,s:{s:s,s:[s],s:{s:s,s:[s],s:s,"
                     "s:s,s:{s:s}}}}",
                     "@context", "https://www.w3.org/ns/credentials/v2",
                     "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json", "id",
                     "urn:uuid:4c3b1b4e-0000-4000-8000-000000000001", "type",
                     "VerifiableCredential", "OpenBadgeCredential", "issuer", "id", issuer, "type",
                     "Profile", "name", "Uni", "validFrom", "2025-01-01T00:00:00Z", "name", "Badge",
                     "credentialSubject", "id", "did:example:learner", "type", "AchievementSubject",
                     "achievement", "id", "https://uni.example/achievements/1", "type",
                     "Achievement", "name", "Course", "description", "A course", "criteria",
                     "narrative", "Passed");
}

/* The JWT claims of VC Data Model 1.1 for vc. */
static json_t *claims(json_t *vc)
{
    json_t *p = json_object();
    json_object_set(p, "vc", vc);
    json_object_set(p, "iss", json_object_get(json_object_get(vc, "issuer"), "id"));
    json_object_set(p, "sub", json_object_get(json_object_get(vc, "credentialSubject"), "id"));
    json_object_set(p, "jti", json_object_get(vc, "id"));
    json_object_set_new(p, "nbf", json_integer(NOW_S - 86400));
    json_object_set_new(p, "exp", json_integer(NOW_S + 86400));
    return p;
}

static json_t *header(cred_alg alg, const test_issuer *jwk_of, const char *kid)
{
    json_t *h = json_pack("{s:s,s:s}", "alg", cred_alg_name(alg), "typ", "JWT");
    if (jwk_of != NULL)
        json_object_set_new(h, "jwk", test_issuer_jwk(jwk_of));
    if (kid != NULL)
        json_object_set_new(h, "kid", json_string(kid));
    return h;
}

/* Runs the pipeline on a token; fails unless check `name` has result `want` (and, when given,
 * its reason contains `needle`). Returns the number of failed checks. */
static size_t expect(const char *tok, const cred_opts *o, const char *name, cred_result want,
                     const char *needle)
{
    cred_report r;
    char why[300] = "";
    int rc = cred_check_buf((const uint8_t *)tok, strlen(tok), o, &r, why, sizeof(why));
    if (rc != 0)
        fail_msg("refused: %d %s", rc, why);
    const cred_check *c = cred_report_find(&r, name);
    if (c == NULL || c->result != want || (needle != NULL && strstr(c->reason, needle) == NULL)) {
        for (size_t i = 0; i < r.n; i++)
            print_message("  %s: %s: %s\n", r.checks[i].name, cred_result_name(r.checks[i].result),
                          r.checks[i].reason);
        fail_msg("%s: expected %s%s%s", name, cred_result_name(want), needle ? " with " : "",
                 needle ? needle : "");
    }
    size_t failed = r.failed;
    cred_report_free(&r);
    return failed;
}

static cred_opts opts(const cred_docs *docs)
{
    cred_opts o;
    memset(&o, 0, sizeof(o));
    o.docs = docs;
    o.now_ms = NOW_MS;
    return o;
}

/* A docs set with ISSUER's profile listing the keys of `t` (NULL: no document). */
static void issuer_docs(cred_docs *d, const test_issuer *t)
{
    cred_docs_init(d);
    if (t == NULL)
        return;
    json_t *doc = json_pack("{s:s,s:[s],s:[{s:s,s:s,s:o}]}", "id", ISSUER, "type", "Profile",
                            "verificationMethod", "id", ISSUER "#key-1", "type", "JsonWebKey2020",
                            "publicKeyJwk", test_issuer_jwk(t));
    assert_int_equal(cred_docs_add(d, doc, NULL, 0), 0);
    json_decref(doc);
}

static void test_algs_by_header_jwk(void **state)
{
    (void)state;
    const struct {
        test_issuer *t;
        cred_alg alg;
    } rows[] = { { &rsa, CRED_ALG_RS256 }, { &ec, CRED_ALG_ES256 }, { &ed, CRED_ALG_EDDSA } };
    for (size_t i = 0; i < 3; i++) {
        json_t *vc = badge(ISSUER), *p = claims(vc), *h = header(rows[i].alg, rows[i].t, NULL);
        char *tok = test_jws(rows[i].t, rows[i].alg, h, p);
        cred_docs docs;
        /* Without the issuer's document the key verifies but is tied to nobody. */
        issuer_docs(&docs, NULL);
        cred_opts o = opts(&docs);
        assert_int_equal(expect(tok, &o, "signature", CRED_PASS, cred_alg_name(rows[i].alg)), 0);
        assert_int_equal(expect(tok, &o, "issuer key", CRED_NOT_CHECKED, NULL), 0);
        cred_docs_free(&docs);
        /* The issuer's document lists it: the issuer's key. */
        issuer_docs(&docs, rows[i].t);
        o = opts(&docs);
        assert_int_equal(expect(tok, &o, "issuer key", CRED_PASS, "lists the key"), 0);
        cred_docs_free(&docs);
        /* The issuer's document lists another key: not the issuer's. */
        issuer_docs(&docs, &other);
        o = opts(&docs);
        assert_int_equal(expect(tok, &o, "issuer key", CRED_FAIL, "does not list"), 1);
        cred_docs_free(&docs);
        /* Tampered: another payload under the same header and signature. */
        json_object_set_new(p, "sub", json_string("did:example:someone-else"));
        char *forged = test_jws(rows[i].t, rows[i].alg, h, p);
        char tampered[8192];
        snprintf(tampered, sizeof(tampered), "%.*s%s", (int)(strrchr(forged, '.') - forged), forged,
                 strrchr(tok, '.'));
        issuer_docs(&docs, NULL);
        o = opts(&docs);
        expect(tampered, &o, "signature", CRED_FAIL, "none of 1");
        cred_docs_free(&docs);
        free(forged);
        free(tok);
        json_decref(vc);
        json_decref(p);
        json_decref(h);
    }
}

static void test_key_sources(void **state)
{
    cred_docs docs;
    char mk[2000], kid[4100];
    (void)state;
    json_t *vc = badge(ISSUER), *p = claims(vc);

    /* No key anywhere: the signature cannot be checked, and says so. */
    json_t *h = header(CRED_ALG_EDDSA, NULL, NULL);
    char *tok = test_jws(&ed, CRED_ALG_EDDSA, h, p);
    issuer_docs(&docs, NULL);
    cred_opts o = opts(&docs);
    assert_int_equal(expect(tok, &o, "signature", CRED_NOT_CHECKED, "no key"), 0);
    cred_docs_free(&docs);
    /* The issuer's supplied document. */
    issuer_docs(&docs, &ed);
    o = opts(&docs);
    assert_int_equal(expect(tok, &o, "signature", CRED_PASS, "the issuer's document"), 0);
    assert_int_equal(expect(tok, &o, "issuer key", CRED_PASS, NULL), 0);
    cred_docs_free(&docs);
    /* Keys the caller registers (a provider's): the second one verifies. */
    cred_key keys[2];
    cred_key_ed25519(&keys[0], other.pk);
    cred_key_ed25519(&keys[1], ed.pk);
    issuer_docs(&docs, NULL);
    o = opts(&docs);
    o.keys = keys;
    o.keys_n = 2;
    assert_int_equal(expect(tok, &o, "issuer key", CRED_PASS, "registered"), 0);
    o.keys_n = 1;
    assert_int_equal(expect(tok, &o, "signature", CRED_FAIL, "none of 1"), 1);
    json_decref(h);
    free(tok);
    /* The token carries its key in the header and that key is a registered one: the registered
     * one it is. */
    h = header(CRED_ALG_EDDSA, &ed, NULL);
    tok = test_jws(&ed, CRED_ALG_EDDSA, h, p);
    o.keys_n = 2;
    assert_int_equal(expect(tok, &o, "issuer key", CRED_PASS, "registered"), 0);
    cred_docs_free(&docs);
    json_decref(h);
    free(tok);

    /* kid as a did:key of the issuer's key, for an issuer that is that did:key. */
    test_issuer_multikey(&ec, mk);
    snprintf(kid, sizeof(kid), "did:key:%s#%s", mk, mk);
    json_t *vck = badge(""), *pk;
    char did[2100];
    snprintf(did, sizeof(did), "did:key:%s", mk);
    json_object_set_new(json_object_get(vck, "issuer"), "id", json_string(did));
    pk = claims(vck);
    h = header(CRED_ALG_ES256, NULL, kid);
    tok = test_jws(&ec, CRED_ALG_ES256, h, pk);
    issuer_docs(&docs, NULL);
    o = opts(&docs);
    assert_int_equal(expect(tok, &o, "issuer key", CRED_PASS, "controlled by the issuer"), 0);
    cred_docs_free(&docs);
    json_decref(h);
    free(tok);
    /* The same token body signed by another party's did:key: verifies, not the issuer's. */
    test_issuer_multikey(&other, mk);
    snprintf(kid, sizeof(kid), "did:key:%s", mk);
    h = header(CRED_ALG_EDDSA, NULL, kid);
    tok = test_jws(&other, CRED_ALG_EDDSA, h, pk);
    issuer_docs(&docs, NULL);
    o = opts(&docs);
    assert_int_equal(expect(tok, &o, "issuer key", CRED_FAIL, "not that of the issuer"), 1);
    cred_docs_free(&docs);
    json_decref(h);
    free(tok);
    json_decref(pk);
    json_decref(vck);

    /* kid as a did:web DID URL, the DID document supplied; the issuer is that did:web. */
    json_t *vcw = badge("did:web:uni.example"), *pw = claims(vcw);
    json_t *diddoc =
        json_pack("{s:s,s:[{s:s,s:s,s:s,s:o}]}", "id", "did:web:uni.example", "verificationMethod",
                  "id", "did:web:uni.example#k1", "type", "JsonWebKey2020", "controller",
                  "did:web:uni.example", "publicKeyJwk", test_issuer_jwk(&rsa));
    h = header(CRED_ALG_RS256, NULL, "did:web:uni.example#k1");
    tok = test_jws(&rsa, CRED_ALG_RS256, h, pw);
    cred_docs_init(&docs);
    o = opts(&docs);
    assert_int_equal(expect(tok, &o, "key", CRED_FAIL, "did:web"), 2);
    assert_int_equal(cred_docs_add(&docs, diddoc, NULL, 0), 0);
    assert_int_equal(expect(tok, &o, "signature", CRED_PASS, "did:web:uni.example#k1"), 0);
    assert_int_equal(expect(tok, &o, "issuer key", CRED_PASS, NULL), 0);
    json_decref(h);
    free(tok);
    /* A bare kid names a method of the issuer's DID. */
    h = header(CRED_ALG_RS256, NULL, "k1");
    tok = test_jws(&rsa, CRED_ALG_RS256, h, pw);
    assert_int_equal(expect(tok, &o, "signature", CRED_PASS, NULL), 0);
    cred_docs_free(&docs);
    json_decref(h);
    free(tok);
    json_decref(diddoc);
    json_decref(pw);
    json_decref(vcw);

    /* kid as a did:jwk. */
    json_t *jwk = test_issuer_jwk(&ec);
    char *js = json_dumps(jwk, JSON_COMPACT),
         *b = cred_b64url_encode((const uint8_t *)js, strlen(js));
    snprintf(kid, sizeof(kid), "did:jwk:%s#0", b);
    h = header(CRED_ALG_ES256, NULL, kid);
    tok = test_jws(&ec, CRED_ALG_ES256, h, p);
    issuer_docs(&docs, NULL);
    o = opts(&docs);
    assert_int_equal(expect(tok, &o, "signature", CRED_PASS, "did:jwk"), 0);
    /* did:jwk controls its key; the https issuer's document is not supplied: not checked. */
    assert_int_equal(expect(tok, &o, "issuer key", CRED_NOT_CHECKED, NULL), 0);
    cred_docs_free(&docs);
    json_decref(h);
    free(tok);
    free(js);
    free(b);
    json_decref(jwk);
    json_decref(vc);
    json_decref(p);
}

static void test_alg_confusion(void **state)
{
    cred_docs docs;
    (void)state;
    json_t *vc = badge(ISSUER), *p = claims(vc);
    /* The header says RS256 and carries an EC key; signed with the EC key in DER form. */
    json_t *h = header(CRED_ALG_RS256, &ec, NULL);
    char *tok = test_jws(&ec, CRED_ALG_RS256, h, p);
    issuer_docs(&docs, NULL);
    cred_opts o = opts(&docs);
    expect(tok, &o, "signature", CRED_FAIL, "algorithm confusion");
    json_decref(h);
    free(tok);
    /* EdDSA header, the caller registers only an RSA key: no key of the alg's type verifies. */
    json_t *jwk = test_issuer_jwk(&rsa);
    cred_key rk;
    assert_int_equal(cred_key_from_jwk(jwk, &rk, NULL, 0), 0);
    h = header(CRED_ALG_EDDSA, NULL, NULL);
    tok = test_jws(&ed, CRED_ALG_EDDSA, h, p);
    o.keys = &rk;
    o.keys_n = 1;
    expect(tok, &o, "signature", CRED_FAIL, "algorithm confusion");
    cred_key_free(&rk);
    json_decref(jwk);
    json_decref(h);
    free(tok);
    /* alg none and HS256 are refused as unreadable (exit 3), before any key. */
    const char *const refused[] = { "{\"alg\":\"none\"}", "{\"alg\":\"HS256\"}" };
    for (size_t i = 0; i < 2; i++) {
        h = json_loads(refused[i], 0, NULL);
        tok = test_jws(&ed, CRED_ALG_EDDSA, h, p);
        cred_report r;
        char why[300];
        assert_int_equal(
            cred_check_buf((const uint8_t *)tok, strlen(tok), &o, &r, why, sizeof(why)), RN_EINVAL);
        cred_report_free(&r);
        json_decref(h);
        free(tok);
    }
    cred_docs_free(&docs);
    json_decref(vc);
    json_decref(p);
}

/* One claim changed (value NULL removes it); the check `name` must fail with `needle`. */
static void claim_fails(const char *claim, json_t *value, const char *name, const char *needle)
{
    cred_docs docs;
    json_t *vc = badge(ISSUER), *p = claims(vc), *h = header(CRED_ALG_EDDSA, &ed, NULL);
    if (value != NULL)
        json_object_set_new(p, claim, value);
    else
        json_object_del(p, claim);
    char *tok = test_jws(&ed, CRED_ALG_EDDSA, h, p);
    issuer_docs(&docs, &ed);
    cred_opts o = opts(&docs);
    assert_int_equal(expect(tok, &o, name, CRED_FAIL, needle), 1);
    cred_docs_free(&docs);
    free(tok);
    json_decref(vc);
    json_decref(p);
    json_decref(h);
}

/* One property of the credential changed; the check `name` must fail with `needle`. */
static void vc_fails(const char *prop, json_t *value, const char *name, const char *needle)
{
    cred_docs docs;
    json_t *vc = badge(ISSUER), *p = claims(vc), *h = header(CRED_ALG_EDDSA, &ed, NULL);
    json_object_set_new(vc, prop, value);
    char *tok = test_jws(&ed, CRED_ALG_EDDSA, h, p);
    issuer_docs(&docs, &ed);
    cred_opts o = opts(&docs);
    expect(tok, &o, name, CRED_FAIL, needle);
    cred_docs_free(&docs);
    free(tok);
    json_decref(vc);
    json_decref(p);
    json_decref(h);
}

static void test_claims(void **state)
{
    (void)state;
    /* The valid token: every check passes or is not applicable. */
    cred_docs docs;
    json_t *vc = badge(ISSUER), *p = claims(vc), *h = header(CRED_ALG_EDDSA, &ed, NULL);
    char *tok = test_jws(&ed, CRED_ALG_EDDSA, h, p);
    issuer_docs(&docs, &ed);
    cred_opts o = opts(&docs);
    assert_int_equal(expect(tok, &o, "exp", CRED_PASS, NULL), 0);
    assert_int_equal(expect(tok, &o, "iss", CRED_PASS, NULL), 0);
    assert_int_equal(expect(tok, &o, "sub", CRED_PASS, NULL), 0);
    assert_int_equal(expect(tok, &o, "jti", CRED_PASS, NULL), 0);
    assert_int_equal(expect(tok, &o, "nbf", CRED_PASS, NULL), 0);
    cred_docs_free(&docs);
    free(tok);
    json_decref(vc);
    json_decref(p);
    json_decref(h);

    claim_fails("exp", json_integer(NOW_S - 1), "exp", "expired");
    claim_fails("exp", json_string("tomorrow"), "exp", "NumericDate");
    claim_fails("nbf", json_integer(NOW_S + 3600), "nbf", "not yet valid");
    claim_fails("iss", json_string("https://other.example/issuers/9"), "iss",
                "https://other.example/issuers/9");
    claim_fails("iss", NULL, "iss", "missing");
    claim_fails("iss", json_integer(7), "iss", "not a string");
    claim_fails("sub", json_string("did:example:someone-else"), "sub", "credentialSubject.id");
    claim_fails("jti", json_string("urn:uuid:other"), "jti", "the credential's id");
    vc_fails("validFrom", json_string("2027-01-01T00:00:00Z"), "validFrom", "not yet valid");
    vc_fails("validFrom", json_string("last year"), "validFrom", "RFC 3339");
    vc_fails("validUntil", json_string("2025-12-31T23:59:59Z"), "validUntil", "expired");
    vc_fails("expirationDate", json_string("2020-01-01T00:00:00Z"), "validUntil", "expired");
    vc_fails("type", json_pack("[s]", "VerifiableCredential"), "type", "OpenBadgeCredential");
    vc_fails("@context", json_pack("[s]", "https://www.w3.org/ns/credentials/v2"), "context",
             "Open Badges");
}

static void test_parse_refused(void **state)
{
    cred_vcjwt j;
    char why[300];
    (void)state;
    json_t *h = header(CRED_ALG_EDDSA, NULL, NULL), *arr = json_pack("[i]", 1);
    json_t *vcnum = json_pack("{s:i}", "vc", 3);
    char *tok = test_jws(&ed, CRED_ALG_EDDSA, h, arr);
    assert_int_equal(cred_vcjwt_parse(tok, strlen(tok), &j, why, sizeof(why)), RN_EMALFORMED);
    cred_vcjwt_free(&j);
    free(tok);
    tok = test_jws(&ed, CRED_ALG_EDDSA, h, vcnum);
    assert_int_equal(cred_vcjwt_parse(tok, strlen(tok), &j, why, sizeof(why)), RN_EMALFORMED);
    assert_non_null(strstr(why, "vc claim"));
    cred_vcjwt_free(&j);
    free(tok);
    json_decref(h);
    json_decref(arr);
    json_decref(vcnum);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    test_issuer_make(&rsa, CRED_KTY_RSA, 1);
    test_issuer_make(&ec, CRED_KTY_P256, 2);
    test_issuer_make(&ed, CRED_KTY_ED25519, 3);
    test_issuer_make(&other, CRED_KTY_ED25519, 4);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_issuer_free(&rsa);
    test_issuer_free(&ec);
    test_issuer_free(&ed);
    test_issuer_free(&other);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_algs_by_header_jwk), cmocka_unit_test(test_key_sources),
        cmocka_unit_test(test_alg_confusion),      cmocka_unit_test(test_claims),
        cmocka_unit_test(test_parse_refused),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
