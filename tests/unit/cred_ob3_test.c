/*
 * cred_ob3_test.c: the public Open Badges 3.0 conformance samples (1EdTech's validator test
 * resources, tests/fixtures/ob3/, README.md there) through the whole pipeline: every valid
 * sample accepted with its Data Integrity proof verified (cred/di.h; the key resolved with
 * cred_resolve_ed25519 and bound to the issuer), every invalid one refused for its own reason, the
 * check named. A proof of a suite not implemented (ecdsa-sd-2023) is "not checked", naming it.
 * Then the structure rules one by one on a
 * valid sample changed in one place, the Bitstring Status List, the Dutch VC-JWT fixtures, and
 * the Commission's unsealed ELM sample.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "cred/cred.h"
#include "proto/key.h"

#define OB3(f)   RN_FIXTURES "/ob3/" f
#define DOCS     RN_FIXTURES "/ob3/issuer-docs"
#define NOW_MS   1767225600000ull /* 2026-01-01T00:00:00Z */
#define ACCEPTED NULL

typedef struct sample {
    const char *file;
    const char *docs;        /* --issuer-docs, or NULL */
    const char *status_list; /* --status-list, or NULL */
    const char *check;       /* ACCEPTED, or a check whose result is expected */
    cred_result result;      /* of that check: CRED_FAIL refuses the credential; CRED_PASS and
                                CRED_NOT_CHECKED leave it accepted */
    const char *needle;      /* in its reason */
} sample;

static const sample SAMPLES[] = {
    /* Valid: accepted, their proofs verified. */
    { "simple.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple-did-key-method.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple-did-web-method.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple-eddsa-2022.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple_v1.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple-multiple-proofs.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple-context-alias.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple-context-version.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    { "complete.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    /* Accepted, the proof of a suite not implemented reported as not checked. */
    { "derivedcredential.json", NULL, NULL, "proof", CRED_NOT_CHECKED, "suite ecdsa-sd-2023" },
    /* Each suite named in the answer; of a proof set, the proof that verifies. */
    { "simple.json", NULL, NULL, "proof", CRED_PASS, "(eddsa-rdfc-2022) verifies" },
    { "simple_v1.json", NULL, NULL, "proof", CRED_PASS, "(Ed25519Signature2020) verifies" },
    { "simple-eddsa-2022.json", NULL, NULL, "proof", CRED_PASS, "(eddsa-2022) verifies" },
    { "simple-multiple-proofs.json", NULL, NULL, "proof", CRED_PASS, "proof 2 of 2" },
    { "simple-did-key-method.json", NULL, NULL, "proof", CRED_PASS, "did:key:z6Mk" },
    /* did:web, with the DID document supplied (issuer-docs/wellspring-did-web.json): the proof
     * verifies; the status is 1EdTech's own list, which only the network has. */
    { "credential-status-revoked.json", DOCS, NULL, "proof", CRED_PASS,
      "(Ed25519Signature2020) verifies with did:web:" },
    { "credential-status-revoked.json", DOCS, NULL, "status", CRED_NOT_CHECKED,
      "1EdTechRevocationList" },
    { "bitstring-status-revoked.json", NULL, NULL, ACCEPTED, CRED_PASS, NULL },
    /* The VC-JWTs of the baked SVG samples, RS256 with the key in the header; the issuer
     * profiles that list those keys supplied. */
    { "simple-jwt.jwt", DOCS, NULL, ACCEPTED, CRED_PASS, NULL },
    { "simple-jwt_v1.jwt", DOCS, NULL, ACCEPTED, CRED_PASS, NULL },
    /* Invalid, each for its own reason. */
    { "simple-err-context.json", NULL, NULL, "context", CRED_FAIL, "Verifiable Credentials" },
    { "simple-err-type.json", NULL, NULL, "type", CRED_FAIL, "OpenBadgeCredential" },
    { "simple-err-issuer.json", NULL, NULL, "issuer", CRED_FAIL, "missing" },
    { "simple-err-issuer-type.json", NULL, NULL, "issuer", CRED_FAIL, "issuer.type" },
    { "simple-err-issuer-parentorg-type.json", NULL, NULL, "issuer", CRED_FAIL,
      "issuer.parentOrg.type" },
    { "simple-err-issuer-otheridentifier-type.json", NULL, NULL, "issuer", CRED_FAIL,
      "issuer.otherIdentifier[1].type" },
    { "simple-err-credential-subject-type.json", NULL, NULL, "credentialSubject", CRED_FAIL,
      "InvalidAchievementSubject" },
    { "simple-err-credential-subject-profile-type.json", NULL, NULL, "credentialSubject", CRED_FAIL,
      "credentialSubject.source.type" },
    { "simple-err-credential-subject-identifier-type.json", NULL, NULL, "identifier", CRED_FAIL,
      "InvalidIdentityObject" },
    { "simple-err-credential-subject-result-type.json", NULL, NULL, "result", CRED_FAIL,
      "credentialSubject.result[1].type" },
    { "simple-err-credential-subject-achievement-result-description-type.json", NULL, NULL,
      "resultDescription", CRED_FAIL, "InvalidResultDescription" },
    { "simple-err-evidence-type.json", NULL, NULL, "evidence", CRED_FAIL, "InvalidEvidence" },
    { "simple-err-expired.json", NULL, NULL, "validUntil", CRED_FAIL, "expired" },
    { "simple-err-issued.json", NULL, NULL, "validFrom", CRED_FAIL, "not yet valid" },
    { "simple-err-proof-method.json", NULL, NULL, "key", CRED_FAIL, "not a multibase public key" },
    { "simple-err-proof-method-no-scheme.json", NULL, NULL, "key", CRED_FAIL, "no scheme" },
    { "simple-err-proof-method-unknown-scheme.json", NULL, NULL, "key", CRED_FAIL, "scheme xxx" },
    { "simple-err-proof-method-unknown-did-method.json", NULL, NULL, "key", CRED_FAIL,
      "DID method example" },
    /* Its only fault is in the proof value: the Data Integrity suite's to find. */
    { "simple-err-proof-value.json", NULL, NULL, "proof", CRED_FAIL, "does not verify" },
    /* Samples changed after signing: their proofs fail too; a key of another party than the
     * issuer, or no issuer, is refused before any hashing. */
    { "simple-err-type.json", NULL, NULL, "proof", CRED_FAIL, "does not verify" },
    { "simple-err-evidence-type.json", NULL, NULL, "proof", CRED_FAIL, "does not verify" },
    { "simple-err-context.json", NULL, NULL, "proof", CRED_FAIL, "not by the issuer" },
    { "simple-err-issuer.json", NULL, NULL, "proof", CRED_FAIL, "names no issuer" },
    { "simple-err-proof-method-no-scheme.json", NULL, NULL, "proof", CRED_FAIL, "no scheme" },
    { "complete_v1.json", NULL, NULL, "proof", CRED_FAIL, "no document is supplied" },
    { "simple-noproof.json", NULL, NULL, "proof", CRED_FAIL, "no proof" },
    { "complete_v1.json", NULL, NULL, "identifier", CRED_FAIL, "email is not" },
    { "bitstring-status-revoked.json", NULL, OB3("bitstring-testlist.json"), "status", CRED_FAIL,
      "REVOKED" },
    /* Without the DID document, its did:web key is not resolved. */
    { "credential-status-revoked.json", NULL, NULL, "proof", CRED_FAIL, "did:web" },
    { "velocity.jwt", NULL, NULL, "key", CRED_FAIL, "DID method velocity" },
    { "simple.jwt", NULL, NULL, "achievement", CRED_FAIL, "missing" },
};

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    uint8_t *b = malloc(CRED_FILE_BYTES_MAX + 1);
    *len = fread(b, 1, CRED_FILE_BYTES_MAX + 1, f);
    fclose(f);
    return b;
}

static void dump(const cred_report *r)
{
    for (size_t i = 0; i < r->n; i++)
        print_message("  %s: %s: %s\n", r->checks[i].name, cred_result_name(r->checks[i].result),
                      r->checks[i].reason);
}

/* Runs one file; returns the report (the caller frees it). */
static void run(const char *path, const char *docs_dir, const char *status, const cred_key *keys,
                size_t keys_n, cred_report *r, int want_rc)
{
    cred_docs docs;
    cred_opts o;
    char why[400] = "";
    size_t len;
    json_t *list = NULL;
    uint8_t *buf = slurp(path, &len);
    cred_docs_init(&docs);
    memset(&o, 0, sizeof(o));
    o.now_ms = NOW_MS;
    o.keys = keys;
    o.keys_n = keys_n;
    if (docs_dir != NULL) {
        assert_int_equal(cred_docs_load_dir(&docs, docs_dir, why, sizeof(why)), 0);
        o.docs = &docs;
    }
    if (status != NULL) {
        list = json_load_file(status, 0, NULL);
        assert_non_null(list);
        o.status_list = list;
    }
    int rc = cred_check_buf(buf, len, &o, r, why, sizeof(why));
    if (rc != want_rc)
        fail_msg("%s: %d (expected %d): %s", path, rc, want_rc, why);
    json_decref(list);
    cred_docs_free(&docs);
    free(buf);
}

static void test_conformance_samples(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(SAMPLES) / sizeof(SAMPLES[0]); i++) {
        const sample *s = &SAMPLES[i];
        char path[512];
        cred_report r;
        snprintf(path, sizeof(path), RN_FIXTURES "/ob3/%s", s->file);
        run(path, s->docs, s->status_list, NULL, 0, &r, 0);
        if (s->check == ACCEPTED) {
            if (r.failed != 0) {
                dump(&r);
                fail_msg("%s: a valid sample, refused", s->file);
            }
            /* A Data Integrity sample's proof verified. */
            const cred_check *p = cred_report_find(&r, "proof");
            if (p != NULL && p->result != CRED_PASS) {
                dump(&r);
                fail_msg("%s: its proof did not verify", s->file);
            }
        } else {
            const cred_check *c = cred_report_find(&r, s->check);
            if (c == NULL || c->result != s->result || strstr(c->reason, s->needle) == NULL) {
                dump(&r);
                fail_msg("%s: expected %s: %s with \"%s\"", s->file, s->check,
                         cred_result_name(s->result), s->needle);
            }
            if ((s->result == CRED_FAIL) != (r.failed > 0)) {
                dump(&r);
                fail_msg("%s: %zu check(s) failed", s->file, r.failed);
            }
        }
        cred_report_free(&r);
    }
}

static void test_not_credentials(void **state)
{
    cred_report r;
    (void)state;
    /* A status list credential is not a credential this pipeline verifies. */
    run(OB3("bitstring-testlist.json"), NULL, NULL, NULL, 0, &r, RN_EKIND);
    cred_report_free(&r);
    run(RN_FIXTURES "/codes/countries.tsv", NULL, NULL, NULL, 0, &r, RN_EMALFORMED);
    cred_report_free(&r);
    run(RN_FIXTURES "/vcjwt/theed_full_hs256.jwt", NULL, NULL, NULL, 0, &r, RN_EINVAL);
    cred_report_free(&r);
}

static void test_elm_unsealed(void **state)
{
    cred_report r;
    (void)state;
    run(RN_FIXTURES "/elm/Sample-MC-Annex1-unsigned.jsonld", NULL, NULL, NULL, 0, &r, 0);
    const cred_check *c = cred_report_find(&r, "seal");
    assert_non_null(c);
    assert_int_equal(c->result, CRED_FAIL);
    assert_non_null(strstr(c->reason, "unsealed"));
    assert_non_null(strstr(r.form, "European Digital Credential"));
    cred_report_free(&r);
}

static void key_of(const char *file, cred_key *k)
{
    char text[128] = "";
    uint8_t pk[PROTO_KEY_BYTES];
    FILE *f = fopen(file, "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof(text), f));
    fclose(f);
    text[strcspn(text, "\r\n")] = '\0';
    assert_int_equal(proto_key_text_parse(text, strlen(text), pk), 0);
    cred_key_ed25519(k, pk);
}

static void test_dutch_vcjwts(void **state)
{
    cred_key issuer;
    cred_report r;
    (void)state;
    key_of(RN_FIXTURES "/vcjwt/issuer.pub", &issuer);
    static const char *const valid[] = { "theed_full.jwt", "theed_minimal.jwt", "uvh_full.jwt",
                                         "mbob_full.jwt" };
    for (size_t i = 0; i < 4; i++) {
        char path[512];
        snprintf(path, sizeof(path), RN_FIXTURES "/vcjwt/%s", valid[i]);
        run(path, NULL, NULL, &issuer, 1, &r, 0);
        if (r.failed != 0) {
            dump(&r);
            fail_msg("%s refused", valid[i]);
        }
        assert_int_equal(r.key_index, 0);
        cred_report_free(&r);
    }
    run(RN_FIXTURES "/vcjwt/theed_full_other_key.jwt", NULL, NULL, &issuer, 1, &r, 0);
    assert_int_equal(cred_report_find(&r, "signature")->result, CRED_FAIL);
    cred_report_free(&r);
    run(RN_FIXTURES "/vcjwt/theed_full_tampered.jwt", NULL, NULL, &issuer, 1, &r, 0);
    assert_int_equal(cred_report_find(&r, "signature")->result, CRED_FAIL);
    cred_report_free(&r);
}

/* ---- structure, one rule at a time ---- */

static json_t *simple(void)
{
    json_t *j = json_load_file(OB3("simple.json"), 0, NULL);
    assert_non_null(j);
    return j;
}

/* Checks `vc` (borrowed); the check `name` must have `want`, with `needle` in its reason. */
static void structure(json_t *vc, const char *name, cred_result want, const char *needle)
{
    cred_report r;
    cred_report_init(&r);
    cred_ob3_structure(vc, &r);
    const cred_check *c = cred_report_find(&r, name);
    if (c == NULL || c->result != want || (needle != NULL && strstr(c->reason, needle) == NULL)) {
        dump(&r);
        fail_msg("%s: expected %s %s", name, cred_result_name(want), needle ? needle : "");
    }
    cred_report_free(&r);
}

#define ACH(vc) json_object_get(json_object_get(vc, "credentialSubject"), "achievement")

static void test_structure_rules(void **state)
{
    (void)state;
    json_t *vc = simple();
    structure(vc, "achievement", CRED_PASS, NULL);
    /* type as a string is JSON-LD too. */
    json_object_set_new(ACH(vc), "type", json_string("Achievement"));
    structure(vc, "achievement", CRED_PASS, NULL);
    json_object_del(json_object_get(ACH(vc), "criteria"), "narrative");
    structure(vc, "achievement", CRED_FAIL, "neither id nor narrative");
    json_object_del(ACH(vc), "criteria");
    structure(vc, "achievement", CRED_FAIL, "criteria: required");
    json_decref(vc);

    vc = simple();
    json_object_del(ACH(vc), "description");
    structure(vc, "achievement", CRED_FAIL, "description");
    json_decref(vc);
    vc = simple();
    json_object_set_new(ACH(vc), "id", json_string("teamwork"));
    structure(vc, "achievement", CRED_FAIL, "not a URI");
    json_decref(vc);
    vc = simple();
    json_object_set_new(ACH(vc), "achievementType", json_string("Trophy"));
    structure(vc, "achievement", CRED_FAIL, "enumeration");
    json_object_set_new(ACH(vc), "achievementType", json_string("ext:Trophy"));
    structure(vc, "achievement", CRED_PASS, NULL);
    json_object_set_new(ACH(vc), "alignment",
                        json_pack("[{s:s,s:s}]", "type", "Alignment", "targetName", "EQF 6"));
    structure(vc, "achievement", CRED_FAIL, "alignment[0].targetUrl");
    json_decref(vc);

    vc = simple();
    json_t *cs = json_object_get(vc, "credentialSubject");
    json_object_set_new(cs, "identifier",
                        json_pack("[{s:s,s:s,s:s,s:s}]", "type", "IdentityObject", "identityHash",
                                  "x", "identityType", "emailAddress", "hashed", "no"));
    structure(vc, "identifier", CRED_FAIL, "hashed");
    json_object_set_new(cs, "result",
                        json_pack("[{s:[s],s:s}]", "type", "Result", "status", "Passed"));
    structure(vc, "result", CRED_FAIL, "status");
    json_object_del(cs, "achievement");
    structure(vc, "achievement", CRED_FAIL, "required");
    json_decref(vc);

    vc = simple();
    json_object_set_new(vc, "credentialSubject",
                        json_pack("[{s:s}]", "type", "AchievementSubject"));
    structure(vc, "credentialSubject", CRED_FAIL, "one subject");
    json_object_set_new(vc, "issuer", json_string("https://example.com/issuers/1"));
    structure(vc, "issuer", CRED_FAIL, "not an object");
    json_object_set_new(vc, "id", json_string("not a uri"));
    structure(vc, "credential", CRED_FAIL, "not a URI");
    json_object_set_new(vc, "@context", json_string("https://www.w3.org/ns/credentials/v2"));
    structure(vc, "context", CRED_FAIL, "list");
    json_object_set_new(vc, "proof", json_pack("[i]", 3));
    structure(vc, "proof structure", CRED_FAIL, "not an object");
    json_decref(vc);

    /* A list past its bound is refused, not walked. */
    vc = simple();
    json_t *ev = json_array();
    for (int i = 0; i < 257; i++)
        json_array_append_new(ev, json_pack("{s:s}", "type", "Evidence"));
    json_object_set_new(vc, "evidence", ev);
    structure(vc, "evidence", CRED_FAIL, "more than 256");
    json_array_remove(ev, 0);
    structure(vc, "evidence", CRED_PASS, NULL);
    json_decref(vc);
}

/* ---- status ---- */

static void status_says(json_t *vc, const json_t *list, cred_result want, const char *needle)
{
    cred_report r;
    cred_report_init(&r);
    cred_status(vc, list, &r);
    const cred_check *c = cred_report_find(&r, "status");
    if (c == NULL || c->result != want || strstr(c->reason, needle) == NULL) {
        dump(&r);
        fail_msg("status: expected %s %s", cred_result_name(want), needle);
    }
    cred_report_free(&r);
}

static void test_status(void **state)
{
    (void)state;
    json_t *vc = json_load_file(OB3("bitstring-status-revoked.json"), 0, NULL);
    json_t *list = json_load_file(OB3("bitstring-testlist.json"), 0, NULL);
    json_t *st = json_object_get(vc, "credentialStatus");
    assert_non_null(st);
    status_says(vc, NULL, CRED_NOT_CHECKED, "no status list supplied");
    status_says(vc, list, CRED_FAIL, "REVOKED: entry 23");
    json_object_set_new(st, "statusListIndex", json_string("22"));
    status_says(vc, list, CRED_PASS, "not revoked: entry 22");
    json_object_set_new(st, "statusListIndex", json_string("2x"));
    status_says(vc, list, CRED_FAIL, "statusListIndex");
    json_object_set_new(st, "statusListIndex", json_string("99999999"));
    status_says(vc, list, CRED_FAIL, "beyond");
    json_object_set_new(st, "statusListIndex", json_string("23"));
    json_object_set_new(st, "statusPurpose", json_string("suspension"));
    status_says(vc, list, CRED_NOT_CHECKED, "is for revocation");
    json_object_set_new(st, "statusPurpose", json_string("revocation"));
    /* A list issued by someone else says nothing about this credential. */
    json_t *other = json_deep_copy(list);
    json_object_set_new(other, "issuer", json_string("https://other.example/i"));
    status_says(vc, other, CRED_FAIL, "not by the credential's issuer");
    json_decref(other);
    other = json_deep_copy(list);
    json_object_set_new(json_object_get(other, "credentialSubject"), "encodedList",
                        json_string("uH4sIAAAAjunk"));
    status_says(vc, other, CRED_FAIL, "GZIP");
    json_decref(other);
    /* Several entries, each checked; an unknown type is not checked. */
    json_t *two = json_pack("[O,{s:s}]", st, "type", "1EdTechRevocationList");
    json_object_set_new(vc, "credentialStatus", two);
    status_says(vc, list, CRED_FAIL, "REVOKED");
    json_object_set_new(vc, "credentialStatus", json_integer(1));
    status_says(vc, list, CRED_FAIL, "not an entry");
    json_object_del(vc, "credentialStatus");
    status_says(vc, list, CRED_NOT_CHECKED, "names no status");
    json_decref(vc);
    json_decref(list);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_conformance_samples), cmocka_unit_test(test_not_credentials),
        cmocka_unit_test(test_elm_unsealed),        cmocka_unit_test(test_dutch_vcjwts),
        cmocka_unit_test(test_structure_rules),     cmocka_unit_test(test_status),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
