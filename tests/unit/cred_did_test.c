/*
 * cred_did_test.c: from verification methods to keys and controllers without the network
 * (cred/did.h): did:key of each key type, did:jwk, did:web and HTTPS issuer profiles from
 * supplied documents, the [controller]#[publicKeyMultibase] form, every identifier that cannot
 * be resolved and why, the binding of a key to the issuer, the resolver the Data Integrity suites
 * call, and the documents directory.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "cred/did.h"
#include "cred_sign.h"
#include "testutil.h"

static test_issuer rsa, ec, ed, ed2;

static void did_key(const test_issuer *t, char *out, size_t n)
{
    char mk[2000];
    test_issuer_multikey(t, mk);
    assert_true(strlen(mk) + 9 <= n);
    memcpy(out, "did:key:", 8);
    memcpy(out + 8, mk, strlen(mk) + 1);
}

static void resolves(const cred_docs *docs, const char *vm, const test_issuer *t,
                     const char *controller, const char *how)
{
    cred_resolved r;
    char why[300] = "";
    int rc = cred_resolve(docs, vm, &r, why, sizeof(why));
    if (rc != 0)
        fail_msg("%.80s: %d: %s", vm, rc, why);
    json_t *jwk = test_issuer_jwk(t);
    cred_key k;
    assert_int_equal(cred_key_from_jwk(jwk, &k, NULL, 0), 0);
    assert_true(cred_key_equal(&k, &r.key));
    assert_string_equal(r.controller, controller);
    assert_string_equal(r.how, how);
    cred_key_free(&k);
    json_decref(jwk);
    cred_resolved_free(&r);
}

static void refused(const cred_docs *docs, const char *vm, int code, const char *needle)
{
    cred_resolved r;
    char why[300] = "";
    int rc = cred_resolve(docs, vm, &r, why, sizeof(why));
    if (rc != code || strstr(why, needle) == NULL)
        fail_msg("%.80s: %d (expected %d): %s (expected \"%s\")", vm, rc, code, why, needle);
}

static void test_did_key(void **state)
{
    char d[2100], vm[4200];
    (void)state;
    const test_issuer *all[] = { &ed, &ec, &rsa };
    for (size_t i = 0; i < 3; i++) {
        did_key(all[i], d, sizeof(d));
        resolves(NULL, d, all[i], d, "did:key");
        snprintf(vm, sizeof(vm), "%s#%s", d, d + 8);
        resolves(NULL, vm, all[i], d, "did:key");
    }
    did_key(&ed, d, sizeof(d));
    snprintf(vm, sizeof(vm), "%s#key-1", d);
    refused(NULL, vm, RN_ENOTFOUND, "only method");
    refused(NULL, "did:key:z6MkjZRsdasZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi", RN_EKEY,
            "multicodec");
    refused(NULL, "did:key:f0123", RN_EKEY, "multibase");
    /* The conformance samples' key: Ed25519, its controller the did:key itself. */
    cred_resolved r;
    char why[200];
    assert_int_equal(cred_resolve(NULL, "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi",
                                  &r, why, sizeof(why)),
                     0);
    assert_int_equal(r.key.kty, CRED_KTY_ED25519);
    assert_string_equal(r.controller, "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi");
    cred_resolved_free(&r);
}

static void test_did_jwk(void **state)
{
    (void)state;
    const test_issuer *all[] = { &ed, &ec, &rsa };
    for (size_t i = 0; i < 3; i++) {
        json_t *jwk = test_issuer_jwk(all[i]);
        char *js = json_dumps(jwk, JSON_COMPACT);
        char *b = cred_b64url_encode((const uint8_t *)js, strlen(js));
        char d[3000], vm[3100];
        snprintf(d, sizeof(d), "did:jwk:%s", b);
        snprintf(vm, sizeof(vm), "%s#0", d);
        resolves(NULL, d, all[i], d, "did:jwk");
        resolves(NULL, vm, all[i], d, "did:jwk");
        snprintf(vm, sizeof(vm), "%s#1", d);
        refused(NULL, vm, RN_ENOTFOUND, "#0");
        free(js);
        free(b);
        json_decref(jwk);
    }
    refused(NULL, "did:jwk:e30", RN_EKEY, "kty"); /* {} */
    refused(NULL, "did:jwk:!!", RN_EKEY, "base64url");
    refused(NULL, "did:jwk:bm90IGpzb24", RN_EKEY, "JSON"); /* "not json" */
}

/* A DID document for did:web:example.com:issuer with two methods: Ed25519 multikey (#key-1,
 * relative id) and a P-256 JWK (#key-2, absolute id). */
static json_t *did_web_doc(void)
{
    char mk[2000];
    test_issuer_multikey(&ed, mk);
    return json_pack("{s:s,s:[{s:s,s:s,s:s,s:s},{s:s,s:s,s:s,s:o}],s:[s]}", "id",
                     "did:web:example.com:issuer", "verificationMethod", "id", "#key-1", "type",
                     "Multikey", "controller", "did:web:example.com:issuer", "publicKeyMultibase",
                     mk, "id", "did:web:example.com:issuer#key-2", "type", "JsonWebKey2020",
                     "controller", "did:web:example.com:issuer", "publicKeyJwk",
                     test_issuer_jwk(&ec), "assertionMethod", "#key-1");
}

static void test_documents(void **state)
{
    cred_docs docs;
    char why[300], mk[2000];
    (void)state;
    cred_docs_init(&docs);
    json_t *doc = did_web_doc();
    assert_int_equal(cred_docs_add(&docs, doc, why, sizeof(why)), 0);
    assert_int_equal(cred_docs_add(&docs, doc, why, sizeof(why)), RN_EDUPLICATE);
    json_decref(doc);
    test_issuer_multikey(&ed2, mk);
    json_t *profile = json_pack("{s:s,s:[s],s:[{s:s,s:s}]}", "id", "https://uni.example/issuers/1",
                                "type", "Profile", "verificationMethod", "id",
                                "https://uni.example/issuers/1#k", "publicKeyMultibase", mk);
    assert_int_equal(cred_docs_add(&docs, profile, why, sizeof(why)), 0);
    json_decref(profile);
    json_t *noid = json_pack("{s:s}", "type", "Profile");
    assert_int_equal(cred_docs_add(&docs, noid, why, sizeof(why)), RN_ETYPE);
    json_decref(noid);

    resolves(&docs, "did:web:example.com:issuer#key-1", &ed, "did:web:example.com:issuer",
             "document");
    resolves(&docs, "did:web:example.com:issuer#key-2", &ec, "did:web:example.com:issuer",
             "document");
    resolves(&docs, "https://uni.example/issuers/1#k", &ed2, "https://uni.example/issuers/1",
             "document");
    refused(&docs, "did:web:example.com:issuer#key-3", RN_ENOTFOUND, "lists no verification");
    refused(&docs, "did:web:other.example#key-1", RN_ENOTFOUND, "none is");
    /* A supplied document is authoritative: a fragment that is a key but is not listed there is
     * not taken for the [controller]#[publicKeyMultibase] form. */
    char vm[2300];
    test_issuer_multikey(&ed, mk);
    snprintf(vm, sizeof(vm), "https://uni.example/issuers/1#%s", mk);
    refused(&docs, vm, RN_ENOTFOUND, "lists no verification");
    /* Without a document it is that form: the fragment is the key. */
    snprintf(vm, sizeof(vm), "https://other.example/issuers/2#%s", mk);
    resolves(&docs, vm, &ed, "https://other.example/issuers/2", "controller#multibase");
    cred_docs_free(&docs);
}

static void test_unresolvable(void **state)
{
    (void)state;
    /* The public conformance samples' invalid verification methods, each for its own reason. */
    refused(NULL, "z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", RN_EINVAL, "no scheme");
    refused(NULL, "xxx:z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", RN_EINVAL, "scheme xxx");
    refused(NULL, "did:example:z6MkrvfzkMnvCroEUP2DVc9SHPE48CRsvHiVSusHioxTYu1x", RN_EINVAL,
            "DID method example");
    refused(NULL, "https://example.edu/issuers/565049#z6MkjZRsdasZv3aez3r18pB1RBFJR1kwUVJ5jHt92",
            RN_EKEY, "not a multibase public key");
    refused(NULL, "https://1edtech.edu/issuers/565049#key-1", RN_ENOTFOUND, "never fetched");
    refused(NULL, "did:web:example.com", RN_ENOTFOUND, "did:web");
    refused(NULL, "", RN_EINVAL, "1 to");
    char *long_vm = malloc(CRED_ID_BYTES_MAX + 10);
    memset(long_vm, 'a', CRED_ID_BYTES_MAX + 9);
    memcpy(long_vm, "did:key:", 8);
    long_vm[CRED_ID_BYTES_MAX + 9] = '\0';
    refused(NULL, long_vm, RN_ELEN, "1 to");
    free(long_vm);
}

static cred_bind bound(const cred_docs *docs, const char *issuer, const char *vm)
{
    cred_resolved r;
    char why[300], reason[400];
    assert_int_equal(cred_resolve(docs, vm, &r, why, sizeof(why)), 0);
    cred_bind b = cred_binding(docs, issuer, vm, r.controller, &r.key, reason, sizeof(reason));
    assert_true(reason[0] != '\0');
    cred_resolved_free(&r);
    return b;
}

static void test_binding(void **state)
{
    cred_docs docs;
    char dk[2100], dk2[2100], vm[2500], mk[2000];
    (void)state;
    cred_docs_init(&docs);
    json_t *doc = did_web_doc();
    assert_int_equal(cred_docs_add(&docs, doc, NULL, 0), 0);
    json_decref(doc);
    did_key(&ed, dk, sizeof(dk));
    did_key(&ed2, dk2, sizeof(dk2));
    /* The controller is the issuer. */
    assert_int_equal(bound(&docs, "did:web:example.com:issuer", "did:web:example.com:issuer#key-1"),
                     CRED_BIND_YES);
    assert_int_equal(bound(NULL, dk, dk), CRED_BIND_YES);
    /* A did:key issuer has one key; another did:key is someone else's. */
    assert_int_equal(bound(NULL, dk, dk2), CRED_BIND_NO);
    /* The issuer's document lists the method (by id, or the same key). */
    json_t *profile = json_pack("{s:s,s:[s],s:[s]}", "id", "https://uni.example/issuers/1", "type",
                                "Profile", "assertionMethod", dk);
    assert_int_equal(cred_docs_add(&docs, profile, NULL, 0), 0);
    json_decref(profile);
    assert_int_equal(bound(&docs, "https://uni.example/issuers/1", dk), CRED_BIND_YES);
    assert_int_equal(bound(&docs, "https://uni.example/issuers/1", dk2), CRED_BIND_NO);
    /* [controller]#[publicKeyMultibase]: the controller must be the issuer. */
    test_issuer_multikey(&ed, mk);
    snprintf(vm, sizeof(vm), "https://a.example/i#%s", mk);
    assert_int_equal(bound(NULL, "https://a.example/i", vm), CRED_BIND_YES);
    assert_int_equal(bound(NULL, "https://b.example/i", vm), CRED_BIND_NO);
    assert_int_equal(bound(NULL, "did:web:b.example", vm), CRED_BIND_NO);
    /* An issuer named by a urn:uuid: nothing ties a did:key to it, nor to anyone else. */
    assert_int_equal(bound(NULL, "urn:uuid:6f2e33e5-7a29-4155-840a-59483ba10164", dk),
                     CRED_BIND_UNKNOWN);
    /* A key carried in a token (no method, no controller). */
    cred_key k;
    char reason[300];
    cred_key_ed25519(&k, ed.pk);
    assert_int_equal(
        cred_binding(&docs, "https://x.example/i", NULL, NULL, &k, reason, sizeof(reason)),
        CRED_BIND_UNKNOWN);
    assert_int_equal(cred_binding(&docs, dk, NULL, NULL, &k, reason, sizeof(reason)),
                     CRED_BIND_YES);
    assert_int_equal(cred_binding(&docs, dk2, NULL, NULL, &k, reason, sizeof(reason)),
                     CRED_BIND_NO);
    assert_int_equal(
        cred_binding(&docs, "did:web:example.com:issuer", NULL, NULL, &k, reason, sizeof(reason)),
        CRED_BIND_YES);
    assert_int_equal(cred_binding(&docs, NULL, NULL, NULL, &k, reason, sizeof(reason)),
                     CRED_BIND_NO);
    cred_docs_free(&docs);
}

/* A key in an issuer's document as publicKeyJwk is found by comparing members
 * (cred_key_is_jwk), for every key type: the same key yes, another key or type no, a JWK
 * carrying a private member or not decoding no. */
static void test_key_is_jwk(void **state)
{
    const test_issuer *all[] = { &rsa, &ec, &ed };
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        cred_key k;
        json_t *jwk = test_issuer_jwk(all[i]);
        assert_int_equal(cred_key_from_jwk(jwk, &k, NULL, 0), 0);
        for (size_t j = 0; j < 3; j++) {
            json_t *other = test_issuer_jwk(all[j]);
            assert_int_equal(cred_key_is_jwk(&k, other), i == j);
            json_decref(other);
        }
        /* The issuer's document lists the key by its JWK: bound, though the method is unnamed. */
        cred_docs docs;
        char reason[300];
        cred_docs_init(&docs);
        json_t *doc = json_pack("{s:s,s:[{s:s,s:O}]}", "id", "https://uni.example/i",
                                "verificationMethod", "id", "#k", "publicKeyJwk", jwk);
        assert_int_equal(cred_docs_add(&docs, doc, NULL, 0), 0);
        assert_int_equal(
            cred_binding(&docs, "https://uni.example/i", NULL, NULL, &k, reason, sizeof(reason)),
            CRED_BIND_YES);
        json_decref(doc);
        cred_docs_free(&docs);
        /* A private member, a member that does not decode, a leading zero byte (RSA's n). */
        json_t *bad = json_deep_copy(jwk);
        json_object_set_new(bad, "d", json_string("AAAA"));
        assert_false(cred_key_is_jwk(&k, bad));
        json_decref(bad);
        bad = json_deep_copy(jwk);
        json_object_set_new(bad, all[i]->kty == CRED_KTY_RSA ? "n" : "x", json_string("!!"));
        assert_false(cred_key_is_jwk(&k, bad));
        json_decref(bad);
        if (all[i]->kty == CRED_KTY_RSA) {
            uint8_t *n;
            size_t nl;
            const char *nt = json_string_value(json_object_get(jwk, "n"));
            assert_int_equal(cred_b64url_decode(nt, strlen(nt), &n, &nl), 0);
            uint8_t *z = calloc(1, nl + 1);
            memcpy(z + 1, n, nl);
            char *zt = cred_b64url_encode(z, nl + 1);
            bad = json_deep_copy(jwk);
            json_object_set_new(bad, "n", json_string(zt));
            assert_true(cred_key_is_jwk(&k, bad));
            json_decref(bad);
            free(zt);
            free(z);
            free(n);
        }
        cred_key_free(&k);
        json_decref(jwk);
    }
}

static void test_resolve_ed25519(void **state)
{
    cred_docs docs;
    uint8_t pk[32];
    char why[300], dk[2100];
    (void)state;
    cred_docs_init(&docs);
    json_t *doc = did_web_doc();
    assert_int_equal(cred_docs_add(&docs, doc, NULL, 0), 0);
    json_decref(doc);
    assert_int_equal(cred_resolve_ed25519(&docs, "did:web:example.com:issuer#key-1",
                                          "did:web:example.com:issuer", pk, why, sizeof(why)),
                     0);
    assert_memory_equal(pk, ed.pk, 32);
    /* A P-256 key is not for the Ed25519 suites. */
    assert_int_equal(cred_resolve_ed25519(&docs, "did:web:example.com:issuer#key-2",
                                          "did:web:example.com:issuer", pk, why, sizeof(why)),
                     RN_EKEY);
    /* Another party's key. */
    did_key(&ed2, dk, sizeof(dk));
    assert_int_equal(
        cred_resolve_ed25519(&docs, dk, "did:web:example.com:issuer", pk, why, sizeof(why)),
        RN_EAUTHOR);
    /* Unresolvable. */
    assert_int_equal(
        cred_resolve_ed25519(&docs, "did:example:1", "did:example:1", pk, why, sizeof(why)),
        RN_EINVAL);
    cred_docs_free(&docs);
}

static void test_docs_dir(void **state)
{
    char dir[] = "/tmp/cred_did_test.XXXXXX", path[300], why[400];
    cred_docs docs;
    (void)state;
    assert_non_null(mkdtemp(dir));
    json_t *doc = did_web_doc();
    snprintf(path, sizeof(path), "%s/did.json", dir);
    assert_int_equal(json_dump_file(doc, path, 0), 0);
    json_decref(doc);
    snprintf(path, sizeof(path), "%s/profiles.json", dir);
    FILE *f = fopen(path, "w");
    fputs("[{\"id\": \"https://a.example/1\"}, {\"id\": \"https://a.example/2\"}]", f);
    fclose(f);
    snprintf(path, sizeof(path), "%s/notes.txt", dir); /* not *.json: not read */
    f = fopen(path, "w");
    fputs("not json", f);
    fclose(f);
    cred_docs_init(&docs);
    assert_int_equal(cred_docs_load_dir(&docs, dir, why, sizeof(why)), 0);
    assert_non_null(cred_docs_get(&docs, "did:web:example.com:issuer"));
    assert_non_null(cred_docs_get(&docs, "https://a.example/2"));
    assert_null(cred_docs_get(&docs, "https://a.example/3"));
    cred_docs_free(&docs);
    /* A malformed file is named with its line. */
    snprintf(path, sizeof(path), "%s/bad.json", dir);
    f = fopen(path, "w");
    fputs("{\"id\": \n", f);
    fclose(f);
    cred_docs_init(&docs);
    assert_int_equal(cred_docs_load_dir(&docs, dir, why, sizeof(why)), RN_EMALFORMED);
    assert_non_null(strstr(why, "bad.json:"));
    cred_docs_free(&docs);
    cred_docs_init(&docs);
    assert_int_equal(cred_docs_load_dir(&docs, "/nonexistent/docs", why, sizeof(why)), RN_EIO);
    cred_docs_free(&docs);
    assert_int_equal(test_rmtree(dir), 0);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    test_issuer_make(&rsa, CRED_KTY_RSA, 1);
    test_issuer_make(&ec, CRED_KTY_P256, 2);
    test_issuer_make(&ed, CRED_KTY_ED25519, 3);
    test_issuer_make(&ed2, CRED_KTY_ED25519, 4);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_issuer_free(&rsa);
    test_issuer_free(&ec);
    test_issuer_free(&ed);
    test_issuer_free(&ed2);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_did_key),   cmocka_unit_test(test_did_jwk),
        cmocka_unit_test(test_documents), cmocka_unit_test(test_unresolvable),
        cmocka_unit_test(test_binding),   cmocka_unit_test(test_resolve_ed25519),
        cmocka_unit_test(test_docs_dir),  cmocka_unit_test(test_key_is_jwk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
