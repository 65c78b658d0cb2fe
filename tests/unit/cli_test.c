/*
 * cli_test.c: recnetctl without a node: the JSON <-> record conversion of every kind
 * (api/recjson.h) with real data, the value forms people type (times, ECTS), the publish flags, the
 * control response parser (cli/rpc.h), and the command line itself (cli_main in-process): help,
 * usage errors (exit 2), refused input (exit 3), an unreachable node (exit 4), and the offline
 * commands (keygen, init, roster add|show, proof verify) in a temporary directory.
 *
 * The records come from the fixtures: the Commission's ELM sample (University of Zed, Ireland:
 * "Digital micro-credential creation", 2 ECTS, EQF 6, ISCED-F 0688), and a Dutch Open Badges 3.0
 * example (tests/fixtures/obv3/theed_microcredential_full_ho.json), whose Annex I values are read
 * from the file itself and carried over unchanged: the vocabulary names, the ISO 8601 dates and
 * the ECTS number are exactly the JSON forms recnetctl takes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "cli/cli.h"
#include "api/recjson.h"
#include "cli/rpc.h"
#include "conf/keyfile.h"
#include "conf/node.h"
#include "proto/key.h"
#include "tests/fuzz/proof_fixture.h"

#include "testutil.h"

/* ---- Fixture records as JSON ---- */

static const char *const zed_provider =
    "{\"id\": \"IE:uniz\", \"legal_name\": \"University of Zed\", \"country\": \"IE\","
    " \"registration_number\": \"0000\", \"qa_status\": \"accredited\","
    " \"qa_body\": \"Quality and Qualifications Ireland\","
    " \"issuer_keys\": [{\"key\": \"rn1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\","
    " \"valid_from\": \"2022-12-31T23:00:00Z\", \"valid_until\": null}],"
    " \"status\": \"active\", \"url\": \"https://uniz.edu\"}";

static const char *const zed_spec =
    "{\"id\": \"IE:uniz/mc-c012\", \"provider\": \"IE:uniz\","
    " \"title\": {\"en\": \"Digital micro-credential creation\"},"
    " \"outcomes\": [{\"text\": \"Communication, collaboration and creativity\", \"esco\":"
    " [\"http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9\","
    " \"http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304\"]},"
    " {\"text\": \"Developing digital content\"}],"
    " \"ects\": 2, \"eqf\": 6, \"nqf\": \"RQF Level 6\", \"isced\": \"0688\","
    " \"assessment\": \"portfolio\", \"participation\": \"onsite or blended\","
    " \"qa_type\": \"internal\", \"languages\": [\"en\"],"
    " \"prerequisites\": \"An EDC Online Credential Builder account\","
    " \"supervision\": \"unsupervised with no identity verification\","
    " \"grading\": \"Pass on submission of an ELM compliant sample credential\","
    " \"stackability\": \"stackable\", \"part_of\": [\"IE:uniz/cert-digital-credentials\"],"
    " \"url\": \"https://uniz.edu/micro-credentials/c012\","
    " \"valid_from\": \"2022-12-31T23:00:00Z\", \"valid_until\": \"2027-12-31\","
    " \"status\": \"active\"}";

static const char *const fr_decision =
    "{\"id\": \"FR:enic-naric/2024-0917\", \"spec\": \"IE:uniz/mc-c012\","
    " \"purpose\": \"further_study\", \"outcome\": \"conditional\", \"ects\": 2.5, \"eqf\": 6,"
    " \"differences\": [{\"type\": \"workload\", \"note\": \"2 ECTS against 3 ECTS\"},"
    " {\"type\": \"learning_outcomes\", \"note\": \"No assessed outcome on accessibility\"}],"
    " \"conditions\": \"An accessibility module of 1 ECTS\","
    " \"appeal\": \"Recours gracieux auprès du centre ENIC-NARIC France\","
    " \"valid_from\": \"2024-09-01\", \"valid_until\": \"2029-08-30\","
    " \"supersedes\": \"FR:enic-naric/2023-0042\"}";

static const char *const nl_policy =
    "{\"id\": \"NL:nuffic/policy-2024-eqf4-6\", \"purpose\": \"both\", \"outcome\": \"full\","
    " \"issuer_countries\": [\"BE\", \"DE\", \"EL\"], \"eqf_min\": 4, \"eqf_max\": 6,"
    " \"ects_min\": \"0.25\", \"external_qa\": true, \"isced_prefixes\": [\"03\", \"06\"],"
    " \"valid_from\": 1725148800000, \"status\": \"active\"}";

static const char *const nl_pathway =
    "{\"id\": \"NL:theed/pathway-minor-psychology\","
    " \"title\": {\"nl\": \"Minor Psychologie\", \"en\": \"Minor in Psychology\"},"
    " \"eqf\": 6, \"ects_min\": 15, \"mandatory\": [\"NL:theed/minor-jedi-mind-control\"],"
    " \"eligible\": [\"IE:uniz/mc-c012\"], \"rule\": {\"eqf_min\": 4, \"isced_prefixes\":"
    " [\"031\"], \"issuer_countries\": [\"BE\", \"NL\"], \"ects_min\": 1},"
    " \"valid_from\": \"2024-09-01T02:00:00+02:00\", \"status\": \"active\"}";

static const char *const ie_revocation =
    "{\"credential\": \"1fca609c40e099269634eb5008f3055b65379b075f4616d03bd30f9183fc30d1\","
    " \"provider\": \"IE:uniz\", \"reason\": \"issued_in_error\","
    " \"revoked_at\": \"2024-01-15T10:30:00Z\"}";

static json_t *load(const char *text)
{
    json_error_t je;
    json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);
    if (j == NULL)
        fail_msg("fixture JSON: %s at %d:%d", je.text, je.line, je.column);
    return j;
}

/* JSON -> record -> body -> record -> JSON -> record: every step agrees. */
static void roundtrip(proto_kind kind, json_t *j, proto_record *out)
{
    proto_record *r = malloc(sizeof(*r)), *d = malloc(sizeof(*d)), *again = malloc(sizeof(*again));
    rec_bytes *b = malloc(sizeof(*b)), *b2 = malloc(sizeof(*b2));
    rec_err e;
    mp_buf body;
    char msg[512];
    assert_non_null(r);
    if (rec_from_json(r, kind, j, b, &e) != 0)
        fail_msg("%s", rec_err_format(&e, msg, sizeof(msg)));
    mp_buf_init(&body, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(r, &body), 0);
    assert_int_equal(proto_record_decode(d, kind, body.data, body.len, NULL), 0);
    assert_true(proto_record_equal(r, d));
    json_t *back = rec_to_json(d);
    assert_non_null(back);
    if (rec_from_json(again, kind, back, b2, &e) != 0)
        fail_msg("again: %s", rec_err_format(&e, msg, sizeof(msg)));
    assert_true(proto_record_equal(d, again));
    /* The JSON written is a fixed point. */
    json_t *back2 = rec_to_json(again);
    assert_true(json_equal(back, back2));
    if (out != NULL) {
        /* Keep what the caller wants to look at: strings borrow `back`, which we keep alive. */
        *out = *d;
    }
    json_decref(back2);
    json_decref(back);
    mp_buf_free(&body);
    free(r);
    free(d);
    free(again);
    free(b);
    free(b2);
}

static void test_roundtrip_every_kind(void **state)
{
    static const struct {
        proto_kind kind;
        const char *const *text;
    } cases[] = {
        { PROTO_KIND_PROVIDER, &zed_provider }, { PROTO_KIND_SPEC, &zed_spec },
        { PROTO_KIND_DECISION, &fr_decision },  { PROTO_KIND_POLICY, &nl_policy },
        { PROTO_KIND_PATHWAY, &nl_pathway },    { PROTO_KIND_REVOCATION, &ie_revocation },
    };
    (void)state;
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = load(*cases[i].text);
        roundtrip(cases[i].kind, j, NULL);
        json_decref(j);
    }
}

static void test_values(void **state)
{
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    (void)state;

    json_t *j = load(zed_spec);
    assert_int_equal(rec_from_json(r, PROTO_KIND_SPEC, j, b, &e), 0);
    assert_int_equal(r->u.spec.ects_centi, 200);
    assert_int_equal(r->u.spec.valid_from_ms, 1672527600000ull);
    assert_int_equal(r->u.spec.valid_until_ms, 1830211200000ull); /* 2027-12-31T00:00:00Z */
    assert_int_equal(r->u.spec.assessment, 3);
    assert_int_equal(r->u.spec.participation, 2);
    assert_int_equal(r->u.spec.supervision, 1);
    assert_int_equal(r->u.spec.stackability, PROTO_STACK_STACKABLE);
    json_decref(j);

    j = load(fr_decision);
    assert_int_equal(rec_from_json(r, PROTO_KIND_DECISION, j, b, &e), 0);
    assert_true(r->u.decision.has_ects);
    assert_int_equal(r->u.decision.ects_centi, 250);
    assert_int_equal(r->u.decision.outcome, PROTO_OUTCOME_CONDITIONAL);
    assert_int_equal(r->u.decision.differences[1].type, PROTO_DIFFERENCE_LEARNING_OUTCOMES);
    json_t *back = rec_to_json(r);
    assert_true(json_is_real(json_object_get(back, "ects")));
    assert_true(json_real_value(json_object_get(back, "ects")) == 2.5);
    assert_string_equal(json_string_value(json_object_get(back, "valid_from")), "2024-09-01");
    json_decref(back);
    json_decref(j);

    /* "EL" is written "GR"; ECTS from a string; a time in ms. */
    j = load(nl_policy);
    assert_int_equal(rec_from_json(r, PROTO_KIND_POLICY, j, b, &e), 0);
    assert_int_equal(r->u.policy.issuer_countries[2].len, 2);
    assert_memory_equal(r->u.policy.issuer_countries[2].ptr, "GR", 2);
    assert_int_equal(r->u.policy.ects_min_centi, 25);
    assert_int_equal(r->u.policy.valid_from_ms, 1725148800000ull);
    json_decref(j);

    /* Titles are sorted by language; an offset is converted to UTC. */
    j = load(nl_pathway);
    assert_int_equal(rec_from_json(r, PROTO_KIND_PATHWAY, j, b, &e), 0);
    assert_memory_equal(r->u.pathway.title[0].lang.ptr, "en", 2);
    assert_memory_equal(r->u.pathway.title[1].lang.ptr, "nl", 2);
    assert_int_equal(r->u.pathway.valid_from_ms, 1725148800000ull);
    assert_int_equal(r->u.pathway.ects_min_centi, 1500);
    assert_int_equal(r->u.pathway.rule.ects_min_centi, 100);
    json_decref(j);

    j = load(ie_revocation);
    assert_int_equal(rec_from_json(r, PROTO_KIND_REVOCATION, j, b, &e), 0);
    assert_int_equal(r->u.revocation.credential[0], 0x1f);
    assert_int_equal(r->u.revocation.credential[31], 0xd1);
    assert_int_equal(r->u.revocation.revoked_at_ms, 1705314600000ull);
    json_decref(j);

    j = load(zed_provider);
    assert_int_equal(rec_from_json(r, PROTO_KIND_PROVIDER, j, b, &e), 0);
    assert_int_equal(r->u.provider.issuer_keys_n, 1);
    assert_int_equal(r->u.provider.issuer_keys[0].valid_until_ms, 0);
    back = rec_to_json(r);
    assert_true(json_is_null(
        json_object_get(json_array_get(json_object_get(back, "issuer_keys"), 0), "valid_until")));
    json_decref(back);
    json_decref(j);
    free(r);
    free(b);
}

/* A spec made from the Dutch Open Badges 3.0 example, its values taken from the file. */
static void test_obv3_fixture(void **state)
{
    json_error_t je;
    char path[512];
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    char msg[512];
    (void)state;
    snprintf(path, sizeof(path), "%s/obv3/theed_microcredential_full_ho.json", RN_FIXTURES);
    json_t *vc = json_load_file(path, 0, &je);
    assert_non_null(vc);
    json_t *ach = json_object_get(json_object_get(vc, "credentialSubject"), "achievement");
    assert_non_null(ach);
    json_int_t eqf = 0;
    json_t *al;
    size_t i;
    json_array_foreach(json_object_get(ach, "alignment"), i, al)
    {
        if (strcmp(json_string_value(json_object_get(al, "targetType")), "ext:EQF") == 0)
            eqf =
                (json_int_t)strtoul(json_string_value(json_object_get(al, "targetCode")), NULL, 10);
    }
    assert_int_equal(eqf, 4);
    json_t *spec = json_pack(
        "{s:s, s:s, s:{s:O}, s:[{s:O}], s:O, s:I, s:s, s:O, s:O, s:s, s:[s], s:O, s:s, s:O, s:O, "
        "s:s}",
        "id", "NL:brin/42nb/jedi-minor", "provider", "NL:brin/42nb", "title", "en",
        json_object_get(ach, "name"), "outcomes", "text",
        json_object_get(json_object_get(ach, "criteria"), "narrative"), "ects",
        json_object_get(ach, "ECTS"), "eqf", eqf, "isced", "0313", "assessment",
        json_object_get(ach, "assessmentType"), "participation",
        json_object_get(ach, "participationType"), "qa_type", "external", "languages", "en",
        "supervision", json_object_get(ach, "supervisionType"), "stackability", "stand_alone",
        "valid_from", json_object_get(vc, "validFrom"), "valid_until",
        json_object_get(vc, "validUntil"), "status", "active");
    assert_non_null(spec);
    if (rec_from_json(r, PROTO_KIND_SPEC, spec, b, &e) != 0)
        fail_msg("%s", rec_err_format(&e, msg, sizeof(msg)));
    assert_int_equal(r->u.spec.ects_centi, 300);
    assert_int_equal(r->u.spec.eqf, 4);
    assert_int_equal(r->u.spec.assessment, 1);    /* testing */
    assert_int_equal(r->u.spec.participation, 2); /* onsite or blended */
    assert_int_equal(r->u.spec.supervision, 4);   /* onsite with identity verification */
    assert_int_equal(r->u.spec.valid_from_ms, 1724976000000ull);
    assert_int_equal(r->u.spec.valid_until_ms, 1882742400000ull);
    roundtrip(PROTO_KIND_SPEC, spec, NULL);

    /* Its issuer as a provider. */
    json_t *issuer = json_object_get(vc, "issuer");
    json_t *prov = json_pack("{s:s, s:O, s:s, s:s, s:s}", "id", "NL:brin/42nb", "legal_name",
                             json_object_get(issuer, "name"), "country", "NL", "qa_status",
                             "under_review", "status", "active");
    roundtrip(PROTO_KIND_PROVIDER, prov, NULL);
    json_decref(prov);
    json_decref(spec);
    json_decref(vc);
    free(r);
    free(b);
}

/* ---- Refused JSON: each names its field ---- */

static void expect_refused(proto_kind kind, const char *base, const char *key, const char *value,
                           int code, const char *field, unsigned index)
{
    json_t *j = load(base);
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    char msg[512];
    if (value == NULL) {
        json_object_del(j, key);
    } else {
        json_error_t je;
        json_t *v = json_loads(value, JSON_DECODE_ANY, &je);
        assert_non_null(v);
        json_object_set_new(j, key, v);
    }
    int rc = rec_from_json(r, kind, j, b, &e);
    if (rc != code)
        fail_msg("%s=%s: expected %s, got %s (%s)", key, value != NULL ? value : "(absent)",
                 rn_err_name(code), rn_err_name(rc), rec_err_format(&e, msg, sizeof(msg)));
    assert_int_equal(e.code, code);
    assert_string_equal(e.field, field);
    assert_int_equal(e.index, index);
    json_decref(j);
    free(r);
    free(b);
}

/* Issuer keys of the later forms (PROTOCOL.md 3.4): a JWK is given as an object, in any member
 * order and with members outside its thumbprint, and kept as its canonical text; a DID as a
 * string. Each thing that can be wrong is refused by name. */
#define EC_X    "vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes"
#define EC_Y    "BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo"
#define DID_KEY "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
static const char *const zed_provider_ext =
    "{\"id\": \"IE:uniz\", \"legal_name\": \"University of Zed\", \"country\": \"IE\","
    " \"qa_status\": \"under_review\", \"status\": \"active\","
    " \"issuer_keys_ext\": [{\"form\": \"jwk\", \"key\": {\"y\": \"" EC_Y "\", \"x\": \"" EC_X "\","
    " \"kty\": \"EC\", \"kid\": \"key-1\", \"use\": \"sig\", \"crv\": \"P-256\"},"
    " \"valid_from\": \"2023-01-01\", \"valid_until\": null},"
    " {\"form\": \"did\", \"key\": \"" DID_KEY "\", \"valid_from\": \"2023-01-01\","
    " \"valid_until\": \"2027-01-01\"}]}";

static void test_issuer_keys_ext(void **state)
{
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    char msg[512];
    (void)state;

    json_t *j = load(zed_provider_ext);
    if (rec_from_json(r, PROTO_KIND_PROVIDER, j, b, &e) != 0)
        fail_msg("%s", rec_err_format(&e, msg, sizeof(msg)));
    const proto_provider *p = &r->u.provider;
    assert_int_equal(p->issuer_keys_ext_n, 2);
    static const char canon[] =
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"" EC_X "\",\"y\":\"" EC_Y "\"}";
    assert_int_equal(p->issuer_keys_ext[0].form, PROTO_KEY_FORM_JWK);
    assert_int_equal(p->issuer_keys_ext[0].key.len, strlen(canon));
    assert_memory_equal(p->issuer_keys_ext[0].key.ptr, canon, strlen(canon));
    assert_int_equal(p->issuer_keys_ext[1].form, PROTO_KEY_FORM_DID);
    assert_int_equal(p->issuer_keys_ext[1].valid_until_ms, 1798761600000ull);
    /* Written back, the JWK is an object of its thumbprint members. */
    json_t *back = rec_to_json(r);
    json_t *k0 =
        json_object_get(json_array_get(json_object_get(back, "issuer_keys_ext"), 0), "key");
    assert_true(json_is_object(k0));
    assert_int_equal(json_object_size(k0), 4);
    assert_string_equal(json_string_value(json_object_get(k0, "x")), EC_X);
    json_decref(back);
    roundtrip(PROTO_KIND_PROVIDER, j, NULL);
    json_decref(j);

    const char *base = zed_provider_ext;
    expect_refused(
        PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
        "[{\"form\": \"jwk\", \"key\": {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" EC_X
        "\", \"y\": \"" EC_Y "\", \"d\": \"AAAA\"}, \"valid_from\": 0}]",
        RN_EKEY, "provider.issuer_keys_ext.key", 1);
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"jwk\", \"key\": {\"kty\": \"oct\", \"k\": \"c2VjcmV0\"},"
                   " \"valid_from\": 0}]",
                   RN_EKEY, "provider.issuer_keys_ext.key", 1);
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"jwk\", \"key\": {\"kty\": \"XYZ\"}, \"valid_from\": 0}]", RN_EKEY,
                   "provider.issuer_keys_ext.key", 1);
    /* A point off the curve: the library that verifies refuses it before it is published. */
    expect_refused(
        PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
        "[{\"form\": \"jwk\", \"key\": {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" EC_X
        "\", \"y\": \"" EC_X "\"}, \"valid_from\": 0}]",
        RN_EKEY, "provider.issuer_keys_ext.key", 1);
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"jwk\", \"key\": \"not json\", \"valid_from\": 0}]", RN_EKEY,
                   "provider.issuer_keys_ext.key", 1);
    /* A did:key that does not resolve to a key, a method that is not resolved, a form that is
     * not the key's. */
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"did\", \"key\": \"did:key:zABC\", \"valid_from\": 0}]", RN_EKEY,
                   "provider.issuer_keys_ext.key", 1);
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"did\", \"key\": \"did:example:123\", \"valid_from\": 0}]",
                   RN_EKEY, "provider.issuer_keys_ext.key", 1);
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"jwk\", \"key\": \"" DID_KEY "\", \"valid_from\": 0}]", RN_EKEY,
                   "provider.issuer_keys_ext.key", 1);
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"x509\", \"key\": \"" DID_KEY "\", \"valid_from\": 0}]", RN_EENUM,
                   "provider.issuer_keys_ext.form", 1);
    /* The window reversed; one key twice (two spellings of one JWK). */
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
                   "[{\"form\": \"did\", \"key\": \"" DID_KEY "\", \"valid_from\": \"2024-01-01\","
                   " \"valid_until\": \"2023-01-01\"}]",
                   RN_EDATES, "provider.issuer_keys_ext.valid_until", 1);
    expect_refused(
        PROTO_KIND_PROVIDER, base, "issuer_keys_ext",
        "[{\"form\": \"jwk\", \"key\": {\"kty\": \"EC\", \"crv\": \"P-256\", \"x\": \"" EC_X
        "\", \"y\": \"" EC_Y "\"}, \"valid_from\": 0},"
        " {\"form\": \"jwk\", \"key\": {\"y\": \"" EC_Y "\", \"x\": \"" EC_X
        "\", \"crv\": \"P-256\", \"kty\": \"EC\", \"kid\": \"2\"}, \"valid_from\": 1}]",
        RN_EINCONSISTENT, "provider.issuer_keys_ext.key", 2);
    /* A DID past its bound. */
    char *long_did = malloc(RN_ISSUER_DID_BYTES_MAX + 128);
    int n = snprintf(long_did, 64, "[{\"form\": \"did\", \"key\": \"did:web:");
    memset(long_did + n, 'a', RN_ISSUER_DID_BYTES_MAX);
    snprintf(long_did + n + RN_ISSUER_DID_BYTES_MAX, 64, "\", \"valid_from\": 0}]");
    expect_refused(PROTO_KIND_PROVIDER, base, "issuer_keys_ext", long_did, RN_ELEN,
                   "provider.issuer_keys_ext.key", 1);
    free(long_did);
    free(r);
    free(b);
}

/* A learning outcome in more than one language: "translations": {lang: text} on an outcome, in
 * any JSON order, is carried in ascending language order; an outcome without it writes none. */
static void test_outcome_translations(void **state)
{
    (void)state;
    proto_record *r = malloc(sizeof(*r));
    json_t *j = load(zed_spec);
    json_t *o2 = json_array_get(json_object_get(j, "outcomes"), 1);
    json_t *t = load("{\"nl\": \"Digitale inhoud ontwikkelen\","
                     " \"fr\": \"Développer des contenus numériques\"}");
    json_object_set_new(o2, "translations", t);
    roundtrip(PROTO_KIND_SPEC, j, NULL);
    /* Read again, so that the strings borrow `j`, which stays alive. */
    rec_bytes *rb = malloc(sizeof(*rb));
    rec_err e;
    assert_int_equal(rec_from_json(r, PROTO_KIND_SPEC, j, rb, &e), 0);
    const proto_outcome *o = &r->u.spec.outcomes[1];
    assert_int_equal(o->translations_n, 2);
    assert_memory_equal(o->translations[0].lang.ptr, "fr", 2);
    assert_memory_equal(o->translations[1].lang.ptr, "nl", 2);
    assert_int_equal(r->u.spec.outcomes[0].translations_n, 0);
    json_t *back = rec_to_json(r);
    json_t *outs = json_object_get(back, "outcomes");
    assert_null(json_object_get(json_array_get(outs, 0), "translations"));
    assert_string_equal(json_string_value(json_object_get(
                            json_object_get(json_array_get(outs, 1), "translations"), "nl")),
                        "Digitale inhoud ontwikkelen");
    json_decref(back);
    json_decref(j);
    free(rb);
    free(r);

    /* Refused: empty, not an object, a bad language, 41 languages. */
    expect_refused(PROTO_KIND_SPEC, zed_spec, "outcomes",
                   "[{\"text\": \"x\", \"translations\": {}}]", RN_ECOUNT,
                   "spec.outcomes.translations", 1);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "outcomes",
                   "[{\"text\": \"x\", \"translations\": [\"nl\"]}]", RN_ETYPE,
                   "spec.outcomes.translations", 1);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "outcomes",
                   "[{\"text\": \"x\"}, {\"text\": \"y\", \"translations\": {\"NL\": \"z\"}}]",
                   RN_ELANG, "spec.outcomes.translations", 1);
    char many[41 * 16 + 64];
    size_t at = (size_t)snprintf(many, sizeof(many), "[{\"text\": \"x\", \"translations\": {");
    for (int i = 0; i < 41; i++)
        at += (size_t)snprintf(many + at, sizeof(many) - at, "%s\"%c%c\": \"t\"", i ? ", " : "",
                               'a' + i / 26, 'a' + i % 26);
    snprintf(many + at, sizeof(many) - at, "}}]");
    expect_refused(PROTO_KIND_SPEC, zed_spec, "outcomes", many, RN_ECOUNT,
                   "spec.outcomes.translations", 1);
}

static void test_refused(void **state)
{
    (void)state;
    /* Forms the JSON layer checks. */
    expect_refused(PROTO_KIND_SPEC, zed_spec, "eqf", "\"6\"", RN_ETYPE, "spec.eqf", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "colour", "\"blue\"", RN_EUNKNOWNFIELD, "spec.colour",
                   0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "ects", "2.125", RN_EECTS, "spec.ects", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "ects", "-1", RN_EECTS, "spec.ects", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "ects", "0", RN_EECTS, "spec.ects", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "assessment", "\"exam\"", RN_EVOCAB,
                   "spec.assessment", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "status", "\"dormant\"", RN_EENUM, "spec.status", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "valid_from", "\"2024-02-30\"", RN_ETIME,
                   "spec.valid_from", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "valid_from", "\"2024-02-01T10:00:00\"", RN_ETIME,
                   "spec.valid_from", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "title", "[\"en\"]", RN_ETYPE, "spec.title", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "languages", "[\"en\", 7]", RN_ETYPE,
                   "spec.languages", 2);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "outcomes", "[{\"text\": \"x\", \"level\": 1}]",
                   RN_EUNKNOWNFIELD, "spec.outcomes.level", 1);
    /* 41 languages: one more than RN_LANGS_MAX. */
    expect_refused(PROTO_KIND_SPEC, zed_spec, "languages",
                   "[\"aa\",\"ab\",\"ac\",\"ad\",\"ae\",\"af\",\"ag\",\"ah\",\"ai\",\"aj\","
                   "\"ak\",\"al\",\"am\",\"an\",\"ao\",\"ap\",\"aq\",\"ar\",\"as\",\"at\","
                   "\"au\",\"av\",\"aw\",\"ax\",\"ay\",\"az\",\"ba\",\"bb\",\"bc\",\"bd\","
                   "\"be\",\"bf\",\"bg\",\"bh\",\"bi\",\"bj\",\"bk\",\"bl\",\"bm\",\"bn\","
                   "\"bo\"]",
                   RN_ECOUNT, "spec.languages", 0);
    expect_refused(PROTO_KIND_PROVIDER, zed_provider, "issuer_keys",
                   "[{\"key\": \"rn1:nope\", \"valid_from\": 0, \"valid_until\": null}]", RN_EKEY,
                   "provider.issuer_keys.key", 1);
    expect_refused(PROTO_KIND_REVOCATION, ie_revocation, "credential", "\"1fca\"", RN_ELEN,
                   "revocation.credential", 0);
    expect_refused(PROTO_KIND_POLICY, nl_policy, "external_qa", "\"yes\"", RN_ETYPE,
                   "policy.external_qa", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "kind", "\"decision\"", RN_EKIND, "kind", 0);
    /* Rules of the record (proto_record_validate), named the same way. */
    expect_refused(PROTO_KIND_SPEC, zed_spec, "eqf", "9", RN_EEQF, "spec.eqf", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "isced", "\"0689\"", RN_EISCED, "spec.isced", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "languages", "[\"en\", \"EN\"]", RN_ELANG,
                   "spec.languages", 2);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "id", NULL, RN_EMISSING, "spec.id", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "valid_until", "\"2020-01-01\"", RN_EDATES,
                   "spec.valid_until", 0);
    expect_refused(PROTO_KIND_DECISION, fr_decision, "conditions", NULL, RN_EINCONSISTENT,
                   "decision.conditions", 0);
    expect_refused(PROTO_KIND_POLICY, nl_policy, "issuer_countries", "[\"XX\"]", RN_ECOUNTRY,
                   "policy.issuer_countries", 1);
    expect_refused(PROTO_KIND_PATHWAY, nl_pathway, "eligible",
                   "[\"NL:theed/minor-jedi-mind-control\"]", RN_EINCONSISTENT, "pathway.eligible",
                   1);
    /* The spec is a list of objects at the top. */
    json_t *arr = json_array();
    proto_record r;
    rec_bytes b;
    rec_err e;
    assert_int_equal(rec_from_json(&r, PROTO_KIND_SPEC, arr, &b, &e), RN_ETYPE);
    json_decref(arr);
}

/* ---- Times and ECTS ---- */

static void test_time_ects(void **state)
{
    static const struct {
        const char *s;
        int rc;
        uint64_t ms;
    } times[] = {
        { "1970-01-01", 0, 0 },
        { "2024-09-01", 0, 1725148800000ull },
        { "2024-01-15T10:30:00Z", 0, 1705314600000ull },
        { "2024-01-15T10:30Z", 0, 1705314600000ull },
        { "2024-01-15T10:30:00.5Z", 0, 1705314600500ull },
        { "2024-01-15T10:30:00.123Z", 0, 1705314600123ull },
        { "2024-01-15T11:30:00+01:00", 0, 1705314600000ull },
        { "2024-01-15T09:00:00-01:30", 0, 1705314600000ull },
        { "2024-02-29", 0, 1709164800000ull },
        { "9999-12-31T23:59:59.999Z", 0, RN_TIME_MS_MAX },
        { "1705314600000", 0, 1705314600000ull },
        { "2023-02-29", RN_ETIME, 0 },
        { "2024-13-01", RN_ETIME, 0 },
        { "2024-01-15T24:00:00Z", RN_ETIME, 0 },
        { "2024-01-15T10:30:00", RN_ETIME, 0 },
        { "2024-01-15T10:30:00.1234Z", RN_ETIME, 0 },
        { "2024-01-15 10:30:00Z", RN_ETIME, 0 },
        { "1969-12-31", RN_ETIME, 0 },
        { "1970-01-01T00:00:00+00:01", RN_ETIME, 0 },
        { "24-01-15", RN_ETIME, 0 },
        { "", RN_ETIME, 0 },
        { "253402300800000", RN_ETIME, 0 },
    };
    char buf[REC_TIME_BYTES];
    (void)state;
    for (size_t i = 0; i < sizeof(times) / sizeof(times[0]); i++) {
        uint64_t ms = 0;
        int rc = rec_time_parse(times[i].s, strlen(times[i].s), &ms);
        if (rc != times[i].rc)
            fail_msg("%s: %d", times[i].s, rc);
        if (rc == 0) {
            assert_int_equal(ms, times[i].ms);
            uint64_t again = 0;
            rec_time_format(ms, buf);
            assert_int_equal(rec_time_parse(buf, strlen(buf), &again), 0);
            assert_int_equal(again, ms);
        }
    }
    rec_time_format(1705314600000ull, buf);
    assert_string_equal(buf, "2024-01-15T10:30:00Z");
    rec_time_format(1725148800000ull, buf);
    assert_string_equal(buf, "2024-09-01");
    rec_time_format(1705314600007ull, buf);
    assert_string_equal(buf, "2024-01-15T10:30:00.007Z");

    static const struct {
        const char *s;
        int rc;
        uint32_t centi;
    } ects[] = {
        { "2", 0, 200 },       { "2.5", 0, 250 },
        { "0.25", 0, 25 },     { "60", 0, 6000 },
        { "2.50", 0, 250 },    { "2.500", 0, 250 },
        { "0", 0, 0 },         { "2.125", RN_EECTS, 0 },
        { ".5", RN_EECTS, 0 }, { "2.", 0, 200 },
        { "-1", RN_EECTS, 0 }, { "1e2", RN_EECTS, 0 },
        { "", RN_EECTS, 0 },   { "99999999999", RN_EECTS, 0 },
    };
    char out[16];
    for (size_t i = 0; i < sizeof(ects) / sizeof(ects[0]); i++) {
        uint32_t c = 0;
        int rc = rec_ects_parse(ects[i].s, strlen(ects[i].s), &c);
        if (rc != ects[i].rc)
            fail_msg("ects %s: %d", ects[i].s, rc);
        if (rc == 0)
            assert_int_equal(c, ects[i].centi);
    }
    rec_ects_format(250, out);
    assert_string_equal(out, "2.5");
    rec_ects_format(25, out);
    assert_string_equal(out, "0.25");
    rec_ects_format(6000, out);
    assert_string_equal(out, "60");
}

/* ---- Publish flags ---- */

static void test_flags(void **state)
{
    json_t *o = json_object();
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    char msg[512];
    (void)state;
    static const char *const flags[][2] = {
        { "id", "DE:kmk/2024-17" },
        { "spec", "NL:theed/minor-jedi-mind-control" },
        { "purpose", "employment" },
        { "outcome", "partial" },
        { "ects", "1.5" },
        { "differences", "{\"type\": \"workload\", \"note\": \"3 ECTS against 5\"}" },
        { "differences", "{\"type\": \"level\", \"note\": \"EQF 4 against 5\"}" },
        { "valid-from", "2024-09-01" },
    };
    for (size_t i = 0; i < sizeof(flags) / sizeof(flags[0]); i++)
        assert_int_equal(rec_json_set(o, PROTO_KIND_DECISION, flags[i][0], flags[i][1], &e), 0);
    if (rec_from_json(r, PROTO_KIND_DECISION, o, b, &e) != 0)
        fail_msg("%s", rec_err_format(&e, msg, sizeof(msg)));
    assert_int_equal(r->u.decision.outcome, PROTO_OUTCOME_PARTIAL);
    assert_int_equal(r->u.decision.ects_centi, 150);
    assert_int_equal(r->u.decision.differences_n, 2);
    json_decref(o);

    o = json_object();
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "languages", "en,nl", &e), 0);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "languages", "de", &e), 0);
    assert_int_equal(json_array_size(json_object_get(o, "languages")), 3);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "title", "en=Digital skills", &e), 0);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "title", "nl=Digitale vaardigheden", &e), 0);
    assert_int_equal(json_object_size(json_object_get(o, "title")), 2);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "eqf", "6", &e), 0);
    assert_int_equal(json_integer_value(json_object_get(o, "eqf")), 6);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "eqf", "six", &e), RN_ETYPE);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "title", "English", &e), RN_ETYPE);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "colour", "blue", &e), RN_EUNKNOWNFIELD);
    assert_int_equal(rec_json_set(o, PROTO_KIND_SPEC, "outcomes", "{nope", &e), RN_ETYPE);
    assert_int_equal(rec_json_set(o, PROTO_KIND_POLICY, "external-qa", "maybe", &e), RN_ETYPE);
    assert_int_equal(rec_json_set(o, PROTO_KIND_POLICY, "external-qa", "true", &e), 0);
    json_decref(o);
    free(r);
    free(b);
}

/* ---- Entries ---- */

static void test_entry_json(void **state)
{
    pf_world *w = malloc(sizeof(*w));
    rec_err e;
    char key[PROTO_KEY_TEXT_LEN + 1];
    (void)state;
    pf_world_build(w);
    json_t *j = rec_entry_to_json(w->spec.b, w->spec.len, &e);
    assert_non_null(j);
    proto_key_text_format(w->ie.pk, key);
    assert_string_equal(json_string_value(json_object_get(j, "author")), key);
    assert_int_equal(json_integer_value(json_object_get(j, "seq")), 2);
    assert_string_equal(json_string_value(json_object_get(j, "kind")), "spec");
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "record"), "id")),
                        PF_SPEC_ID);
    json_decref(j);
    w->spec.b[w->spec.len - 1] ^= 1; /* the signature is not checked here, the shape is */
    j = rec_entry_to_json(w->spec.b, w->spec.len - 1, &e);
    assert_null(j);
    assert_int_equal(e.code, RN_ETRUNCATED);
    free(w);
}

/* ---- Control responses ---- */

static void test_response_parse(void **state)
{
    rpc_resp r;
    mp_buf b;
    (void)state;
    mp_buf_init(&b, 1024);
    mp_put_array(&b, 4);
    mp_put_uint(&b, 1);
    mp_put_uint(&b, 7);
    mp_put_map(&b, 5);
    mp_put_cstr(&b, "name");
    mp_put_cstr(&b, "RN_EEQF");
    mp_put_cstr(&b, "message");
    mp_put_cstr(&b, "EQF level outside 1-8");
    mp_put_cstr(&b, "field");
    mp_put_cstr(&b, "spec.eqf");
    mp_put_cstr(&b, "index");
    mp_put_nil(&b);
    mp_put_cstr(&b, "code");
    msgpack_pack_int(&b.pk, RN_EEQF);
    mp_put_nil(&b);
    assert_int_equal(rpc_response_parse(b.data, b.len, &r), 0);
    assert_true(r.is_error);
    assert_int_equal(r.code, RN_EEQF);
    assert_int_equal(r.msgid, 7);
    assert_string_equal(r.field, "spec.eqf");
    assert_string_equal(r.name, "RN_EEQF");
    assert_int_equal(rpc_exit_code(&r), CLI_REFUSED);
    for (size_t len = 0; len < b.len; len++)
        assert_int_equal(rpc_response_parse(b.data, len, &r), RN_ETRUNCATED);
    mp_put_nil(&b);
    assert_int_equal(rpc_response_parse(b.data, b.len, &r), RN_ETRAILING);
    mp_buf_free(&b);

    /* A result, with the conventions of rpc_to_json. */
    uint8_t pk[32] = { 0 };
    proto_key_sk_derive((const uint8_t *)"0123456789abcdef0123456789abcdef", (uint8_t[64]){ 0 },
                        pk);
    mp_buf_init(&b, 1024);
    mp_put_array(&b, 4);
    mp_put_uint(&b, 1);
    mp_put_uint(&b, 1);
    mp_put_nil(&b);
    mp_put_map(&b, 3);
    mp_put_cstr(&b, "author");
    mp_put_bin(&b, pk, 32);
    mp_put_cstr(&b, "timestamp");
    mp_put_uint(&b, 1725148800000ull);
    mp_put_cstr(&b, "total_ects_centi");
    mp_put_uint(&b, 250);
    assert_int_equal(rpc_response_parse(b.data, b.len, &r), 0);
    assert_false(r.is_error);
    json_t *j = rpc_to_json(r.result);
    assert_non_null(j);
    assert_memory_equal(json_string_value(json_object_get(j, "author")), "rn1:", 4);
    assert_string_equal(json_string_value(json_object_get(j, "timestamp")), "2024-09-01");
    assert_true(json_real_value(json_object_get(j, "total_ects")) == 2.5);
    json_decref(j);
    mp_buf_free(&b);

    /* The error's code: a negative integer in its canonical form only (proto/ctl.h). */
    static const struct {
        const char *b;
        size_t n;
        int rc;
    } codes[] = {
        { "\x94\x01\x07\x81\xa4"
          "code\xd0\xd1\xc0",
          12, 0 },
        { "\x94\x01\x07\x81\xa4"
          "code\xd0\xf0\xc0",
          12, RN_ENONCANON },
        { "\x94\x01\x07\x81\xa4"
          "code\xd0\x05\xc0",
          12, RN_ENONCANON },
        { "\x94\x01\x07\x81\xa4"
          "code\x05\xc0",
          11, RN_EINVAL },
    };
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++)
        assert_int_equal(rpc_response_parse((const uint8_t *)codes[i].b, codes[i].n, &r),
                         codes[i].rc);
    assert_int_equal(rpc_response_parse((const uint8_t *)codes[0].b, codes[0].n, &r), 0);
    assert_int_equal(r.code, -47);
}

/* ---- The command line ---- */

static char tmp[64];

static int run(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)"recnetctl";
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < 31; s = va_arg(ap, const char *))
        argv[argc++] = (char *)s;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    return cli_main(argc, argv);
}

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static void test_usage(void **state)
{
    char sock[128];
    (void)state;
    assert_int_equal(run(NULL), CLI_USAGE);
    assert_int_equal(run("help", NULL), CLI_OK);
    assert_int_equal(run("help", "query", "recognise", NULL), CLI_OK);
    assert_int_equal(run("help", "query", NULL), CLI_OK);
    assert_int_equal(run("help", "nothing", NULL), CLI_USAGE);
    assert_int_equal(run("--help", NULL), CLI_OK);
    assert_int_equal(run("frobnicate", NULL), CLI_USAGE);
    assert_int_equal(run("query", NULL), CLI_USAGE);
    assert_int_equal(run("query", "--help", NULL), CLI_OK);
    assert_int_equal(run("--bogus", "status", NULL), CLI_USAGE);
    assert_int_equal(run("-d", NULL), CLI_USAGE);
    /* --help on every command. */
    static const char *const cmds[][2] = {
        { "init", NULL },          { "keygen", NULL },
        { "roster", "show" },      { "roster", "add" },
        { "provider", "publish" }, { "spec", "publish" },
        { "decision", "publish" }, { "policy", "publish" },
        { "pathway", "publish" },  { "revocation", "publish" },
        { "query", "recognise" },  { "query", "search" },
        { "query", "verify" },     { "query", "stack" },
        { "proof", "get" },        { "proof", "verify" },
        { "log", NULL },           { "heads", NULL },
        { "peers", NULL },         { "status", NULL },
        { "roster", "genesis" },   { "roster", "propose" },
        { "roster", "approve" },   { "roster", "verify" },
    };
    for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
        if (cmds[i][1] != NULL)
            assert_int_equal(run(cmds[i][0], cmds[i][1], "--help", NULL), CLI_OK);
        else
            assert_int_equal(run(cmds[i][0], "--help", NULL), CLI_OK);
    }
    /* Missing, extra and unknown arguments. */
    assert_int_equal(run("query", "recognise", "IE:uniz/mc-c012", "FR", NULL), CLI_USAGE);
    assert_int_equal(run("status", "extra", NULL), CLI_USAGE);
    assert_int_equal(run("status", "--verbose", NULL), CLI_USAGE);
    assert_int_equal(run("keygen", NULL), CLI_USAGE);
    assert_int_equal(run("query", "recognise", "--at", NULL), CLI_USAGE);
    /* Values checked before anything is sent. */
    snprintf(sock, sizeof(sock), "%s/none.sock", tmp);
    assert_int_equal(
        run("-s", sock, "query", "recognise", "IE:uniz/mc-c012", "XX", "further_study", NULL),
        CLI_USAGE);
    assert_int_equal(
        run("-s", sock, "query", "recognise", "IE:uniz/mc-c012", "FR", "leisure", NULL), CLI_USAGE);
    assert_int_equal(run("-s", sock, "query", "recognise", "IE:uniz/mc-c012", "FR", "further_study",
                         "--at", "yesterday", NULL),
                     CLI_USAGE);
    assert_int_equal(run("-s", sock, "query", "search", "--eqf-min", "9", NULL), CLI_USAGE);
    assert_int_equal(run("-s", sock, "query", "verify", "FR", "both", NULL), CLI_USAGE);
    assert_int_equal(run("-s", sock, "proof", "get", "IE:uniz/mc-c012", "FR", "both", NULL),
                     CLI_USAGE);
    /* No node at all: no socket given. */
    unsetenv("RECNET_DIR");
    unsetenv("RECNET_SOCKET");
    assert_int_equal(run("status", NULL), CLI_USAGE);
    /* A node that is not there: unreachable. */
    assert_int_equal(run("-s", sock, "status", NULL), CLI_UNREACHABLE);
    assert_int_equal(run("-d", tmp, "--json", "peers", NULL), CLI_UNREACHABLE);
    assert_int_equal(
        run("-s", sock, "query", "recognise", "IE:uniz/mc-c012", "fr", "further_study", NULL),
        CLI_UNREACHABLE);
}

static void test_publish_offline(void **state)
{
    char path[128], sock[128];
    (void)state;
    snprintf(path, sizeof(path), "%s/spec.json", tmp);
    snprintf(sock, sizeof(sock), "%s/none.sock", tmp);
    write_file(path, zed_spec);
    assert_int_equal(run("spec", "publish", path, "--dry-run", NULL), CLI_OK);
    assert_int_equal(run("--json", "spec", "publish", path, "-n", "--eqf", "5", NULL), CLI_OK);
    assert_int_equal(run("spec", "publish", path, "-n", "--eqf", "9", NULL), CLI_REFUSED);
    assert_int_equal(run("spec", "publish", path, "-n", "--eqf=0", NULL), CLI_REFUSED);
    assert_int_equal(run("spec", "publish", path, "-n", "--colour", "blue", NULL), CLI_USAGE);
    assert_int_equal(run("spec", "publish", "-n", NULL), CLI_USAGE);
    /* The kind of the command, not another. */
    assert_int_equal(run("decision", "publish", path, "-n", NULL), CLI_REFUSED);
    /* Bad JSON, and JSON that is not an object. */
    write_file(path, "{\"id\": \"IE:uniz/mc-c012\",");
    assert_int_equal(run("spec", "publish", path, NULL), CLI_REFUSED);
    write_file(path, "[1, 2]");
    assert_int_equal(run("spec", "publish", path, NULL), CLI_REFUSED);
    write_file(path, "{\"id\": \"IE:a\", \"id\": \"IE:b\"}");
    assert_int_equal(run("provider", "publish", path, NULL), CLI_REFUSED);
    /* A missing file is an error, not refused input. */
    snprintf(path, sizeof(path), "%s/missing.json", tmp);
    assert_int_equal(run("spec", "publish", path, NULL), CLI_ERROR);
    /* Flags alone: a complete decision, then sent to no node. */
    assert_int_equal(run("-s", sock, "decision", "publish", "--id", "DE:kmk/2024-17", "--spec",
                         "NL:theed/minor-jedi-mind-control", "--purpose", "employment", "--outcome",
                         "full", "--valid-from", "2024-09-01", NULL),
                     CLI_UNREACHABLE);
    assert_int_equal(
        run("decision", "publish", "--id", "DE:kmk/2024-17", "--outcome", "full", NULL),
        CLI_REFUSED);
}

static void test_offline_commands(void **state)
{
    char key[256], dir[128], roster[128], bundle[128], enc[128], netkey[128];
    pf_world *w = malloc(sizeof(*w));
    char ie[PROTO_KEY_TEXT_LEN + 1], fr[PROTO_KEY_TEXT_LEN + 1], de[PROTO_KEY_TEXT_LEN + 1];
    struct stat st;
    (void)state;
    snprintf(key, sizeof(key), "%s/other.key", tmp);
    assert_int_equal(run("keygen", key, NULL), CLI_OK);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    assert_int_equal(run("keygen", key, NULL), CLI_ERROR); /* never overwritten */

    snprintf(dir, sizeof(dir), "%s/node-fr", tmp);
    assert_int_equal(run("init", dir, NULL), CLI_USAGE);
    assert_int_equal(run("init", dir, "--country", "XX", NULL), CLI_USAGE);
    assert_int_equal(run("init", dir, "--country", "FR", "--listen", "nohost", NULL), CLI_USAGE);
    assert_int_equal(run("init", dir, "--country", "FR", "--listen", "127.0.0.1:7401", NULL),
                     CLI_OK);
    assert_int_equal(run("init", dir, "--country", "FR", NULL), CLI_ERROR); /* already there */
    snprintf(key, sizeof(key), "%s/node.key", dir);
    assert_int_equal(stat(key, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);
    snprintf(key, sizeof(key), "%s/recnet.ini", dir);
    nodeconf *conf = calloc(1, sizeof(*conf));
    char err[NODECONF_ERR_MAX];
    if (nodeconf_load(conf, key, err, sizeof(err)) != 0)
        fail_msg("%s", err);
    assert_string_equal(conf->country, "FR");
    assert_int_equal(conf->listen.port, 7401);
    free(conf);
    snprintf(netkey, sizeof(netkey), "%s/network.key", tmp);
    assert_int_equal(run("init", "--network-key", netkey, NULL), CLI_OK);
    assert_int_equal(stat(netkey, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0600);

    /* A roster with the proof fixture's federation; then the offline proof check. */
    pf_world_build(w);
    proto_key_text_format(w->ie.pk, ie);
    proto_key_text_format(w->fr.pk, fr);
    proto_key_text_format(w->de.pk, de);
    snprintf(roster, sizeof(roster), "%s/roster.ini", tmp);
    assert_int_equal(run("roster", "add", "--roster", roster, "--name", "IE", "--role", "authority",
                         "--country", "IE", "--key", ie, "--address", "127.0.0.1:7400", NULL),
                     CLI_OK);
    assert_int_equal(run("roster", "add", "--roster", roster, "--name", "FR", "--role", "authority",
                         "--country", "FR", "--key", fr, NULL),
                     CLI_OK);
    assert_int_equal(run("roster", "add", "--roster", roster, "--name", "FR2", "--role",
                         "authority", "--country", "FR", "--key", de, NULL),
                     CLI_REFUSED); /* a second authority for France */
    assert_int_equal(run("roster", "add", "--roster", roster, "--name", "X", "--role", "king",
                         "--key", de, NULL),
                     CLI_USAGE);
    assert_int_equal(run("roster", "show", roster, NULL), CLI_OK);
    assert_int_equal(run("--json", "roster", "show", "--roster", roster, NULL), CLI_OK);

    mp_buf b;
    proto_proof_query q = pf_query();
    proto_proof_answer an = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &w->decision);
    const pf_entry *entries[] = { &w->provider, &w->spec, &w->decision };
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &an, entries, 3), 0);
    snprintf(bundle, sizeof(bundle), "%s/proof.bin", tmp);
    FILE *f = fopen(bundle, "wb");
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    assert_int_equal(run("proof", "verify", bundle, "--roster", roster, NULL), CLI_OK);
    assert_int_equal(run("--json", "proof", "verify", bundle, "--roster", roster, NULL), CLI_OK);
    assert_int_equal(run("proof", "verify", bundle, NULL), CLI_USAGE);

    /* The canonical encoding of the roster works too. */
    proto_roster ro;
    mp_buf rb;
    pf_roster_build(w, &ro);
    mp_buf_init(&rb, 65536);
    assert_int_equal(proto_roster_encode(&ro, &rb), 0);
    proto_roster_free(&ro);
    snprintf(enc, sizeof(enc), "%s/roster.bin", tmp);
    f = fopen(enc, "wb");
    fwrite(rb.data, 1, rb.len, f);
    fclose(f);
    mp_buf_free(&rb);
    assert_int_equal(run("proof", "verify", bundle, "--roster", enc, NULL), CLI_OK);

    /* A tampered bundle does not verify: a negative answer. */
    b.data[b.len - 10] ^= 0x40;
    f = fopen(bundle, "wb");
    fwrite(b.data, 1, b.len, f);
    fclose(f);
    assert_int_equal(run("proof", "verify", bundle, "--roster", roster, NULL), CLI_NEGATIVE);
    /* Nor does garbage. */
    write_file(bundle, "not a proof");
    assert_int_equal(run("proof", "verify", bundle, "--roster", roster, NULL), CLI_NEGATIVE);
    /* A roster that is not one: refused input; a missing one: an error. */
    assert_int_equal(run("proof", "verify", bundle, "--roster", bundle, NULL), CLI_REFUSED);
    snprintf(enc, sizeof(enc), "%s/none.ini", tmp);
    assert_int_equal(run("proof", "verify", bundle, "--roster", enc, NULL), CLI_ERROR);
    mp_buf_free(&b);
    free(w);
}

/* stdout of the commands run between capture_begin and capture_end (malloc'd text). */
static void capture_begin(const char *path)
{
    fflush(stdout);
    assert_non_null(freopen(path, "w", stdout));
}

static char *capture_end(const char *path)
{
    fflush(stdout);
    assert_non_null(freopen("/dev/null", "w", stdout));
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    char *b = calloc(1, 1 << 16);
    assert_non_null(b);
    size_t n = fread(b, 1, (1 << 16) - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* A required field left out is "missing", named; never a zero (a time of 1970-01-01). "now" is a
 * time wherever one is taken. */
static void test_missing_and_now(void **state)
{
    char out[128], sock[128];
    uint64_t t0, t1, ms;
    (void)state;
    expect_refused(PROTO_KIND_REVOCATION, ie_revocation, "revoked_at", NULL, RN_EMISSING,
                   "revocation.revoked_at", 0);
    expect_refused(PROTO_KIND_REVOCATION, ie_revocation, "revoked_at", "null", RN_EMISSING,
                   "revocation.revoked_at", 0);
    expect_refused(PROTO_KIND_DECISION, fr_decision, "valid_from", NULL, RN_EMISSING,
                   "decision.valid_from", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "valid_from", NULL, RN_EMISSING, "spec.valid_from",
                   0);
    expect_refused(PROTO_KIND_PROVIDER, zed_provider, "qa_status", NULL, RN_EMISSING,
                   "provider.qa_status", 0);
    expect_refused(PROTO_KIND_POLICY, nl_policy, "external_qa", NULL, RN_EMISSING,
                   "policy.external_qa", 0);
    expect_refused(PROTO_KIND_SPEC, zed_spec, "outcomes", "[{\"esco\": []}]", RN_EMISSING,
                   "spec.outcomes.text", 1);
    /* Optional fields may be left out. */
    expect_refused(PROTO_KIND_SPEC, zed_spec, "valid_until", NULL, 0, "", 0);
    expect_refused(PROTO_KIND_DECISION, fr_decision, "supersedes", NULL, 0, "", 0);

    /* "now": the clock of recnetctl. */
    t0 = rec_now_ms();
    assert_int_equal(rec_time_parse("now", 3, &ms), 0);
    t1 = rec_now_ms();
    assert_true(ms >= t0 && ms <= t1);
    assert_true(ms > 1700000000000ull);
    assert_int_equal(rec_time_parse("nowhere", 7, &ms), RN_ETIME);
    assert_int_equal(rec_time_parse("Now", 3, &ms), RN_ETIME);
    json_t *j = load(ie_revocation);
    json_object_set_new(j, "revoked_at", json_string("now"));
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    t0 = rec_now_ms();
    assert_int_equal(rec_from_json(r, PROTO_KIND_REVOCATION, j, b, &e), 0);
    assert_true(r->u.revocation.revoked_at_ms >= t0 &&
                r->u.revocation.revoked_at_ms <= rec_now_ms());
    json_decref(j);
    free(r);
    free(b);

    /* On the command line: a revocation without --revoked-at is refused, with "now" it is not. */
    snprintf(out, sizeof(out), "%s/now.out", tmp);
    static const char *const digest =
        "1fca609c40e099269634eb5008f3055b65379b075f4616d03bd30f9183fc30d1";
    assert_int_equal(run("revocation", "publish", "-n", "--credential", digest, "--provider",
                         "IE:uniz", "--reason", "fraud", NULL),
                     CLI_REFUSED);
    capture_begin(out);
    assert_int_equal(run("--json", "revocation", "publish", "-n", "--credential", digest,
                         "--provider", "IE:uniz", "--reason", "fraud", "--revoked-at", "now", NULL),
                     CLI_OK);
    char *text = capture_end(out);
    assert_null(strstr(text, "1970"));
    assert_non_null(strstr(text, "\"revoked_at\""));
    free(text);
    /* A decision without --valid-from. */
    assert_int_equal(run("decision", "publish", "-n", "--id", "DE:kmk/2024-17", "--spec",
                         "NL:theed/minor-jedi-mind-control", "--purpose", "employment", "--outcome",
                         "full", NULL),
                     CLI_REFUSED);
    assert_int_equal(run("decision", "publish", "-n", "--id", "DE:kmk/2024-17", "--spec",
                         "NL:theed/minor-jedi-mind-control", "--purpose", "employment", "--outcome",
                         "full", "--valid-from", "now", NULL),
                     CLI_OK);
    /* --at now and --issued-at now are times, not usage errors: the node is asked (and is not
     * there). */
    snprintf(sock, sizeof(sock), "%s/none.sock", tmp);
    assert_int_equal(run("-s", sock, "query", "recognise", "IE:uniz/mc-c012", "FR", "further_study",
                         "--at", "now", NULL),
                     CLI_UNREACHABLE);
    assert_int_equal(run("-s", sock, "query", "verify", "--spec", "IE:uniz/mc-c012", "--issuer-key",
                         "rn1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", "--issued-at", "now",
                         "--credential", digest, "FR", "both", NULL),
                     CLI_UNREACHABLE);
}

/* A missing enumeration is "missing"; a wrong one lists the accepted values; help lists every
 * field of a kind, its type and whether it is required. */
static void test_enum_errors_and_field_help(void **state)
{
    char out[128], msg[512];
    (void)state;
    json_t *j = load(zed_provider);
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    json_object_set_new(j, "qa_status", json_string("approved"));
    assert_int_equal(rec_from_json(r, PROTO_KIND_PROVIDER, j, b, &e), RN_EENUM);
    rec_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "provider.qa_status: value not in its enumeration (accepted: "
                             "accredited, under_review, not_accredited)");
    json_decref(j);
    j = load(zed_spec);
    json_object_set_new(j, "qa_type", json_string("peer"));
    assert_int_equal(rec_from_json(r, PROTO_KIND_SPEC, j, b, &e), RN_EVOCAB);
    rec_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "spec.qa_type: value not in its Annex I vocabulary (accepted: "
                             "internal, external)");
    json_decref(j);
    j = load(zed_provider);
    json_object_del(j, "qa_status");
    assert_int_equal(rec_from_json(r, PROTO_KIND_PROVIDER, j, b, &e), RN_EMISSING);
    rec_err_format(&e, msg, sizeof(msg));
    assert_string_equal(msg, "provider.qa_status: required field is missing");
    json_decref(j);
    free(r);
    free(b);

    snprintf(out, sizeof(out), "%s/help.out", tmp);
    capture_begin(out);
    assert_int_equal(run("help", "revocation", "publish", NULL), CLI_OK);
    char *text = capture_end(out);
    assert_non_null(strstr(text, "revoked_at"));
    assert_non_null(strstr(text, "required  time"));
    assert_non_null(strstr(text, "accepted: issued_in_error, fraud, withdrawn_by_issuer, other"));
    free(text);
    capture_begin(out);
    assert_int_equal(run("provider", "publish", "--help", NULL), CLI_OK);
    text = capture_end(out);
    assert_non_null(strstr(text, "issuer_keys.valid_until"));
    assert_non_null(strstr(text, "registration_number          optional"));
    assert_non_null(strstr(text, "qa_status                    required"));
    free(text);
}

/* Under --json a failed run prints its error as JSON on stdout, with the same exit code. */
static void test_json_errors(void **state)
{
    char out[128], sock[128], path[128];
    json_error_t je;
    (void)state;
    snprintf(out, sizeof(out), "%s/err.out", tmp);
    snprintf(sock, sizeof(sock), "%s/none.sock", tmp);
    snprintf(path, sizeof(path), "%s/prov.json", tmp);
    write_file(path, "{\"id\": \"IE:uniz\", \"legal_name\": \"University of Zed\","
                     " \"country\": \"IE\", \"status\": \"active\"}");
    capture_begin(out);
    assert_int_equal(run("--json", "provider", "publish", path, "-n", NULL), CLI_REFUSED);
    char *text = capture_end(out);
    json_t *j = json_loads(text, 0, &je);
    if (j == NULL)
        fail_msg("not JSON: \"%s\"", text);
    json_t *err = json_object_get(j, "error");
    assert_non_null(err);
    assert_string_equal(json_string_value(json_object_get(err, "name")), "RN_EMISSING");
    assert_string_equal(json_string_value(json_object_get(err, "field")), "provider.qa_status");
    assert_int_equal(json_integer_value(json_object_get(err, "exit")), CLI_REFUSED);
    assert_non_null(strstr(json_string_value(json_object_get(err, "message")), "missing"));
    assert_true(json_is_null(json_object_get(err, "index")));
    json_decref(j);
    free(text);
    /* An item of a list: its 0-based index. */
    write_file(path, zed_spec);
    capture_begin(out);
    assert_int_equal(run("--json", "spec", "publish", path, "-n", "--languages", "EN", NULL),
                     CLI_REFUSED);
    text = capture_end(out);
    j = json_loads(text, 0, &je);
    assert_non_null(j);
    err = json_object_get(j, "error");
    assert_string_equal(json_string_value(json_object_get(err, "name")), "RN_ELANG");
    assert_int_equal(json_integer_value(json_object_get(err, "index")), 1);
    json_decref(j);
    free(text);
    /* An unreachable node, and a usage error (no RN_E name). */
    capture_begin(out);
    assert_int_equal(run("-s", sock, "status", "--json", NULL), CLI_UNREACHABLE);
    text = capture_end(out);
    j = json_loads(text, 0, &je);
    assert_non_null(j);
    assert_string_equal(json_string_value(json_object_get(json_object_get(j, "error"), "name")),
                        "RN_EIO");
    json_decref(j);
    free(text);
    capture_begin(out);
    assert_int_equal(run("--json", "status", "extra", NULL), CLI_USAGE);
    text = capture_end(out);
    j = json_loads(text, 0, &je);
    assert_non_null(j);
    err = json_object_get(j, "error");
    assert_true(json_is_null(json_object_get(err, "name")));
    assert_int_equal(json_integer_value(json_object_get(err, "exit")), CLI_USAGE);
    json_decref(j);
    free(text);
    /* Without --json, stdout stays empty. */
    capture_begin(out);
    assert_int_equal(run("-s", sock, "status", NULL), CLI_UNREACHABLE);
    text = capture_end(out);
    assert_string_equal(text, "");
    free(text);
}

/* credential issue -o FILE never overwrites a credential (exit 5, as keygen), and leaves it as
 * it was. */
static void test_issue_no_overwrite(void **state)
{
    char key[128], cred[128], out[128];
    uint8_t before[1024], after[1024];
    (void)state;
    snprintf(key, sizeof(key), "%s/issuer-nooverwrite.key", tmp);
    snprintf(cred, sizeof(cred), "%s/ana.cred", tmp);
    snprintf(out, sizeof(out), "%s/issue.out", tmp);
    assert_int_equal(run("keygen", key, NULL), CLI_OK);
    assert_int_equal(run("credential", "issue", "--spec", "IE:uniz/mc-c012", "--issuer-key", key,
                         "--holder", "ana.andromeda@email.com", "--issued-at", "now", "-o", cred,
                         NULL),
                     CLI_OK);
    FILE *f = fopen(cred, "rb");
    assert_non_null(f);
    size_t n = fread(before, 1, sizeof(before), f);
    fclose(f);
    assert_true(n > 0);
    capture_begin(out);
    assert_int_equal(run("--json", "credential", "issue", "--spec", "IE:uniz/mc-c012",
                         "--issuer-key", key, "--holder", "bob.betelgeuse@email.com", "-o", cred,
                         NULL),
                     CLI_ERROR);
    char *text = capture_end(out);
    assert_non_null(strstr(text, "RN_EEXIST"));
    assert_non_null(strstr(text, "already exists"));
    free(text);
    f = fopen(cred, "rb");
    assert_non_null(f);
    assert_int_equal(fread(after, 1, sizeof(after), f), n);
    fclose(f);
    assert_memory_equal(before, after, n);
}

/* recnetctl --version: the project's version. */
/* Exit 0 or 1 of recognise and verify: which recognition maps are positive answers. */
static void test_recognition_recognises(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        bool recognises;
    } cases[] = {
        { "{\"result\": \"decision\", \"outcome\": \"full\"}", true },
        { "{\"result\": \"decision\", \"outcome\": \"partial\"}", true },
        { "{\"result\": \"automatic\", \"outcome\": \"conditional\"}", true },
        { "{\"result\": \"decision\", \"outcome\": \"denied\"}", false },
        { "{\"result\": \"automatic\", \"outcome\": \"denied\"}", false },
        { "{\"result\": \"no_decision\", \"outcome\": null}", false },
        /* Malformed maps are not positive answers. */
        { "{\"result\": \"no_decision\", \"outcome\": \"full\"}", false },
        { "{\"result\": \"decision\", \"outcome\": null}", false },
        { "{\"result\": \"decision\"}", false },
        { "{\"result\": \"decision\", \"outcome\": \"Full\"}", false },
        { "{\"result\": \"decision\", \"outcome\": 1}", false },
        { "{\"result\": 1, \"outcome\": \"full\"}", false },
        { "{\"result\": \"verdict\", \"outcome\": \"full\"}", false },
        { "{\"outcome\": \"full\"}", false },
        { "{}", false },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        json_t *j = json_loads(cases[i].json, 0, NULL);
        assert_non_null(j);
        if (cli_recognition_recognises(j) != cases[i].recognises)
            fail_msg("%s: expected %s", cases[i].json, cases[i].recognises ? "yes" : "no");
        json_decref(j);
    }
    assert_false(cli_recognition_recognises(NULL));
}

static void test_version(void **state)
{
    char out[128], want[64];
    (void)state;
    snprintf(out, sizeof(out), "%s/version.out", tmp);
    capture_begin(out);
    assert_int_equal(run("--version", NULL), CLI_OK);
    char *text = capture_end(out);
    snprintf(want, sizeof(want), "recnetctl %s\n", RN_VERSION);
    assert_string_equal(text, want);
    assert_true(strlen(RN_VERSION) >= 5); /* "0.1.0" */
    free(text);
}

/* ---- The governed roster (cmd_roster.c) ---- */

/* Writes a new key file dir/name.key and its public key's text into `text`. */
static void rc_key(const char *dir, const char *name, char *path, size_t cap,
                   char text[PROTO_KEY_TEXT_LEN + 1])
{
    uint8_t seed[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES];
    int err = 0;
    snprintf(path, cap, "%s/%s.key", dir, name);
    assert_int_equal(run("keygen", path, NULL), CLI_OK);
    assert_int_equal(conf_keyfile_read(path, seed, pk, &err, NULL), 0);
    proto_key_text_format(pk, text);
    sodium_memzero(seed, sizeof(seed));
}

/* Genesis with IE and FR, NL joins, FR rotates (planned), NL's key is replaced as compromised;
 * every command's refusals on the way, with their exit codes. */
static void test_roster_chain(void **state)
{
    (void)state;
    char dir[128], ini[160], g[160], c2[160], c3[160], c4[160], json[160], out[160];
    char kie[160], kfr[160], knl[160], kfr2[160], knl2[160];
    char ie[PROTO_KEY_TEXT_LEN + 1], fr[PROTO_KEY_TEXT_LEN + 1], nl[PROTO_KEY_TEXT_LEN + 1];
    char fr2[PROTO_KEY_TEXT_LEN + 1], nl2[PROTO_KEY_TEXT_LEN + 1], text[1024];
    snprintf(dir, sizeof(dir), "%s/rosterchain", tmp);
    assert_int_equal(mkdir(dir, 0700), 0);
    rc_key(dir, "ie", kie, sizeof(kie), ie);
    rc_key(dir, "fr", kfr, sizeof(kfr), fr);
    rc_key(dir, "nl", knl, sizeof(knl), nl);
    rc_key(dir, "fr2", kfr2, sizeof(kfr2), fr2);
    rc_key(dir, "nl2", knl2, sizeof(knl2), nl2);
    snprintf(ini, sizeof(ini), "%s/roster.ini", dir);
    snprintf(g, sizeof(g), "%s/genesis.roster", dir);
    snprintf(c2, sizeof(c2), "%s/2.change", dir);
    snprintf(c3, sizeof(c3), "%s/3.change", dir);
    snprintf(c4, sizeof(c4), "%s/4.change", dir);
    snprintf(json, sizeof(json), "%s/change.json", dir);
    snprintf(out, sizeof(out), "%s/out.txt", dir);
    assert_int_equal(run("roster", "add", "--roster", ini, "--name", "IE", "--role", "authority",
                         "--country", "IE", "--key", ie, NULL),
                     CLI_OK);
    assert_int_equal(run("roster", "add", "--roster", ini, "--name", "FR", "--role", "authority",
                         "--country", "FR", "--key", fr, NULL),
                     CLI_OK);

    /* Genesis. */
    assert_int_equal(run("roster", "genesis", "--roster", ini, "-o", g, NULL), CLI_USAGE);
    assert_int_equal(run("roster", "genesis", "--roster", ini, "--federation", "t", "--quorum",
                         "zero", "-o", g, NULL),
                     CLI_USAGE);
    assert_int_equal(run("roster", "genesis", "--roster", ini, "--federation", "t", "--quorum", "3",
                         "-o", g, NULL),
                     CLI_REFUSED); /* 3 of 2 authorities */
    assert_int_equal(run("roster", "genesis", "--roster", ini, "--federation", "Test federation",
                         "--issued-at", "2026-01-01", "-o", g, NULL),
                     CLI_OK);
    assert_int_equal(run("roster", "genesis", "--roster", ini, "--federation", "t", "-o", g, NULL),
                     CLI_ERROR); /* never overwritten */
    assert_int_equal(run("roster", "verify", g, NULL), CLI_OK);
    assert_int_equal(run("roster", "verify", ini, NULL), CLI_REFUSED); /* not a genesis */

    /* NL joins: refusals first. */
    assert_int_equal(run("roster", "propose", g, "--change", json, "-o", c2, NULL), CLI_ERROR);
    write_file(json, "{\"ops\": [}");
    assert_int_equal(run("roster", "propose", g, "--change", json, "-o", c2, NULL), CLI_REFUSED);
    write_file(json, "{\"ops\": [{\"op\": \"join\"}]}");
    assert_int_equal(run("roster", "propose", g, "--change", json, "-o", c2, NULL), CLI_REFUSED);
    snprintf(text, sizeof(text),
             "{\"ops\": [{\"op\": \"add\", \"key\": \"%s\", \"role\": \"authority\", "
             "\"country\": \"IE\"}]}",
             nl);
    write_file(json, text);
    assert_int_equal(run("roster", "propose", g, "--change", json, "-o", c2, NULL),
                     CLI_REFUSED); /* a second authority for IE */
    snprintf(text, sizeof(text),
             "{\"ops\": [{\"op\": \"add\", \"key\": \"%s\", \"role\": \"authority\", "
             "\"country\": \"NL\", \"colour\": 1}]}",
             nl);
    write_file(json, text);
    assert_int_equal(run("roster", "propose", g, "--change", json, "-o", c2, NULL), CLI_REFUSED);
    snprintf(text, sizeof(text),
             "{\"ops\": [{\"op\": \"add\", \"key\": \"%s\", \"role\": \"authority\", "
             "\"country\": \"NL\"}], \"issued_at\": \"2026-02-01\"}",
             nl);
    write_file(json, text);
    assert_int_equal(run("roster", "propose", "--change", json, "-o", c2, NULL), CLI_USAGE);
    assert_int_equal(run("roster", "propose", g, "--change", json, "-o", c2, NULL), CLI_OK);
    assert_int_equal(run("roster", "verify", g, c2, NULL), CLI_NEGATIVE); /* unsigned */
    assert_int_equal(run("roster", "approve", c2, "--key", kie, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", c2, "--key", kie, NULL), CLI_OK); /* counted once */
    assert_int_equal(run("roster", "verify", g, c2, NULL), CLI_NEGATIVE);
    assert_int_equal(run("roster", "approve", c2, "--key", knl, NULL), CLI_OK); /* not a member */
    assert_int_equal(run("roster", "verify", g, c2, NULL), CLI_NEGATIVE);
    remove(c2);
    assert_int_equal(run("roster", "propose", g, "--change", json, "-o", c2, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", c2, "--key", kie, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", c2, "--key", kfr, NULL), CLI_OK);
    assert_int_equal(run("roster", "verify", g, c2, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", json, "--key", kfr, NULL), CLI_REFUSED);
    assert_int_equal(run("roster", "approve", c2, "--key", json, NULL), CLI_REFUSED);
    assert_int_equal(run("roster", "approve", c2, NULL), CLI_USAGE);

    /* FR rotates, planned: without FR's old key it does not verify. */
    snprintf(text, sizeof(text),
             "{\"ops\": [{\"op\": \"rotate\", \"key\": \"%s\", \"new_key\": \"%s\"}]}", fr, fr2);
    write_file(json, text);
    assert_int_equal(run("roster", "propose", g, c2, "--change", json, "-o", c3, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", c3, "--key", kie, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", c3, "--key", knl, NULL), CLI_OK);
    assert_int_equal(run("roster", "verify", g, c2, c3, NULL), CLI_NEGATIVE);
    assert_int_equal(run("roster", "approve", c3, "--key", kfr, NULL), CLI_OK);
    assert_int_equal(run("roster", "verify", g, c2, c3, NULL), CLI_OK);
    assert_int_equal(run("roster", "verify", g, c3, c2, NULL), CLI_NEGATIVE); /* out of order */

    /* NL's key is compromised: the quorum alone replaces it, naming the last trusted entry. */
    snprintf(text, sizeof(text),
             "{\"ops\": [{\"op\": \"rotate-compromised\", \"key\": \"%s\", \"new_key\": \"%s\", "
             "\"last_seq\": 5, \"last_id\": \"%064d\"}]}",
             nl, nl2, 7);
    write_file(json, text);
    assert_int_equal(run("roster", "propose", g, c2, c3, "--change", json, "-o", c4, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", c4, "--key", kie, NULL), CLI_OK);
    assert_int_equal(run("roster", "approve", c4, "--key", kfr2, NULL), CLI_OK);
    assert_int_equal(run("roster", "verify", g, c2, c3, c4, NULL), CLI_OK);

    /* show: the chain, its history; --history is for chains only. */
    assert_int_equal(run("roster", "show", g, c2, c3, c4, NULL), CLI_OK);
    capture_begin(out);
    int rc = run("--json", "roster", "show", "--history", g, c2, c3, c4, NULL);
    char *shown = capture_end(out);
    assert_int_equal(rc, CLI_OK);
    json_t *j = json_loads(shown, 0, NULL);
    assert_non_null(j);
    assert_int_equal(json_integer_value(json_object_get(j, "version")), 4);
    assert_string_equal(json_string_value(json_object_get(j, "federation")), "Test federation");
    json_t *keys = json_object_get(j, "keys");
    bool compromised = false, rotated = false;
    for (size_t i = 0; i < json_array_size(keys); i++) {
        json_t *k = json_array_get(keys, i);
        const char *key = json_string_value(json_object_get(k, "key"));
        const char *end = json_string_value(json_object_get(k, "end"));
        if (strcmp(key, nl) == 0) {
            compromised = strcmp(end, "compromised") == 0 &&
                          json_integer_value(json_object_get(k, "last_seq")) == 5 &&
                          json_integer_value(json_object_get(k, "until")) == 4;
            assert_string_equal(json_string_value(json_object_get(k, "next")), nl2);
        }
        if (strcmp(key, fr) == 0)
            rotated =
                strcmp(end, "rotated") == 0 && json_integer_value(json_object_get(k, "until")) == 3;
    }
    assert_true(compromised);
    assert_true(rotated);
    json_decref(j);
    free(shown);
    assert_int_equal(run("roster", "show", "--history", ini, NULL), CLI_USAGE);
    assert_int_equal(run("roster", "show", ini, NULL), CLI_OK);
}

static int group_setup(void **state)
{
    (void)state;
    snprintf(tmp, sizeof(tmp), "/tmp/cli_test.XXXXXX");
    if (mkdtemp(tmp) == NULL || sodium_init() < 0)
        return -1;
    /* The commands print; keep the test's output readable. */
    if (freopen("/dev/null", "w", stdout) == NULL)
        return -1;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    return test_rmtree(tmp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_every_kind),
        cmocka_unit_test(test_values),
        cmocka_unit_test(test_obv3_fixture),
        cmocka_unit_test(test_refused),
        cmocka_unit_test(test_outcome_translations),
        cmocka_unit_test(test_time_ects),
        cmocka_unit_test(test_flags),
        cmocka_unit_test(test_entry_json),
        cmocka_unit_test(test_response_parse),
        cmocka_unit_test(test_usage),
        cmocka_unit_test(test_publish_offline),
        cmocka_unit_test(test_offline_commands),
        cmocka_unit_test(test_missing_and_now),
        cmocka_unit_test(test_enum_errors_and_field_help),
        cmocka_unit_test(test_json_errors),
        cmocka_unit_test(test_issue_no_overwrite),
        cmocka_unit_test(test_version),
        cmocka_unit_test(test_issuer_keys_ext),
        cmocka_unit_test(test_recognition_recognises),
        cmocka_unit_test(test_roster_chain),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
