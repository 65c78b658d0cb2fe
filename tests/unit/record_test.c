/*
 * record_test.c: encode, strict decode and validation of the six record kinds (proto/record.h).
 *
 * The valid records are built from real public data: the Commission's ELM sample micro-credential
 * (University of Zed, Ireland: "Digital micro-credential creation", 2 ECTS, EQF 6, ISCED-F 0688)
 * and the Dutch Open Badges 3.0 samples (Naboo Theed University, 3 ECTS, EQF 4, "testing",
 * "onsite or blended", "onsite with identity verification").
 *
 * Negative cases start from a valid body split into its (key, value) pairs and change exactly one
 * thing (replace, remove, repeat or move one pair), so each must fail with the one error and the
 * one field name that thing deserves. Every body the decoder accepts must re-encode to the same
 * bytes (expect() checks it), which is the canonical-form property the entry ids rely on.
 *
 * Set RN_WRITE_CORPUS=<dir> to also write the fuzzing seed corpus of tests/fuzz/fuzz_record.c
 * (one kind byte, then a body) into <dir>.
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

#include "proto/codes.h"
#include "proto/fields.h"
#include "proto/record.h"
#include "proto/rosterchain.h"
#include "tests/support/fixtures.h"
#include "tests/support/rng.h"

/* ---- Times from the fixtures (ms since the epoch) ---- */

#define T_2022_12_31 1672527600000ull /* ELM sample validFrom, 2022-12-31T23:00:00Z */
#define T_2023_06_01 1685577600000ull
#define T_2024_01_15 1705314600000ull /* 10:30 UTC */
#define T_2024_08_30 1724976000000ull /* OBv3 theed validFrom */
#define T_2024_09_01 1725148800000ull
#define T_2027_12_31 1830294000000ull
#define T_2029_08_30 1882742400000ull /* OBv3 theed validUntil */

static uint8_t key_a[PROTO_KEY_BYTES], key_b[PROTO_KEY_BYTES];

/* 41 ISO 639-1 codes in ascending order: the 24 official languages of the EU, those of the other
 * EEA members, co-official regional languages, and a few more. */
static const char *const langs41[41] = { "bg", "ca", "cs", "cy", "da", "de", "el", "en", "es",
                                         "et", "eu", "fi", "fo", "fr", "fy", "ga", "gd", "gl",
                                         "hr", "hu", "is", "it", "kl", "lb", "lt", "lv", "mt",
                                         "nb", "nl", "nn", "no", "pl", "pt", "rm", "ro", "se",
                                         "sk", "sl", "sv", "tr", "uk" };
static uint8_t digest[PROTO_DIGEST_BYTES];

#define S(s) proto_str_c(s)

/* ---- Valid records: `full` fills every optional field, otherwise only the required ones ---- */

/* Issuer keys of the later forms: a P-256 JWK and an RSA JWK in their canonical text (the RSA key
 * is the one of the 1EdTech sample issuer, tests/fixtures/ob3/issuer-docs), an Ed25519 JWK (the
 * key of the seed 00 01 .. 1f), a did:key of the Open Badges 3.0 samples and a did:web URL. */
#define JWK_EC                                                                                     \
    "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\","     \
    "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}"
#define RSA_N                                                                                      \
    "04q_KmxLWmWsBSv-sHlesyD6lFf_HkKiLE6TBQvWP3E8QgYzf1YuwH3lijpcyFPEEXWxlN7G1Xxr_grj2-GPcwRfvf-"  \
    "UDkKxgQwSQbnW6xCZsU9qi5dEnkU7LfOYz0mYVxAzjgM1LRtVDMnrqnR6YRX1vQ7mY9kzH3xhw92MATQFrKtTK4VN27U" \
    "DlzUipZyvA2OUl29-TGhBdYU7otyOMHw1U4W8j3zBNMSvLUKo-b45wRWSSXy46s8eVl4O9A6vGhZSiKi6YlQQwi2_"    \
    "9YYVkiTB0pWoub9ABr4t_erI_4SqRMOw53kVRSHyimSIFLQiTuDttAM1gskxvUNvskdN1Q"
#define JWK_RSA "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" RSA_N "\"}"
#define JWK_OKP                                                                                    \
    "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":\"A6EHv_POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg\"}"
#define DID_KEY "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
#define DID_WEB "did:web:uniz.edu#key-1"

static void make_provider(proto_record *r, bool full)
{
    proto_provider *p = &r->u.provider;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_PROVIDER;
    if (!full) {
        p->id = S("NL:theed");
        p->legal_name = S("Naboo Theed University");
        p->country = S("NL");
        p->qa_status = PROTO_QA_UNDER_REVIEW;
        p->status = PROTO_PROVIDER_ACTIVE;
        return;
    }
    fx_elm_provider(r, "IE:uniz");
    p->issuer_keys_n = 2;
    p->issuer_keys[0] = (proto_issuer_key){ key_a, T_2022_12_31, 0 };
    p->issuer_keys[1] = (proto_issuer_key){ key_b, T_2023_06_01, T_2027_12_31 };
    p->url = S("https://uniz.edu");
    p->issuer_keys_ext_n = 3;
    p->issuer_keys_ext[0] =
        (proto_issuer_key_ext){ PROTO_KEY_FORM_JWK, S(JWK_EC), T_2022_12_31, 0 };
    p->issuer_keys_ext[1] =
        (proto_issuer_key_ext){ PROTO_KEY_FORM_DID, S(DID_KEY), T_2023_06_01, T_2027_12_31 };
    p->issuer_keys_ext[2] =
        (proto_issuer_key_ext){ PROTO_KEY_FORM_DID, S(DID_WEB), T_2022_12_31, 0 };
}

static void make_spec(proto_record *r, bool full)
{
    proto_spec *s = &r->u.spec;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_SPEC;
    if (!full) {
        s->id = S("NL:theed/minor-jedi-mind-control");
        s->provider = S("NL:theed");
        s->title_n = 1;
        s->title[0] =
            (proto_lang_text){ S("en"),
                               S("Minor: Jedi Mind Control and Advanced Meditation Practices") };
        s->outcomes_n = 1;
        s->outcomes[0].text = S("Attend the colleges on Mind Control and on Meditation, pass a "
                                "practical test and submit a written essay.");
        s->ects_centi = 300;
        s->isced = S("0313");
        s->assessment = 1;    /* testing */
        s->participation = 2; /* onsite or blended */
        s->qa_type = 2;       /* external */
        s->languages_n = 1;
        s->languages[0] = S("en");
        s->supervision = 4; /* onsite with identity verification */
        s->stackability = PROTO_STACK_STAND_ALONE;
        s->valid_from_ms = T_2024_08_30;
        s->status = PROTO_STATUS_ACTIVE;
        return;
    }
    /* The ELM sample (tests/support/fixtures.h) with every optional field it leaves out. */
    fx_elm_spec(r, "IE:uniz/mc-c012", "IE:uniz");
    s->qa_type = 1; /* internal */
    s->outcomes[1].translations_n = 2;
    s->outcomes[1].translations[0] =
        (proto_lang_text){ S("fr"), S("Développer des contenus numériques") };
    s->outcomes[1].translations[1] = (proto_lang_text){ S("ga"), S("Ábhar digiteach a fhorbairt") };
    s->prerequisites = S("The learner needs to have an EDC Online Credential Builder account, "
                         "that requires an EU Login ID.");
    s->grading = S("The learner will have passed the assessment upon the successful submission "
                   "of an ELM standard compliant un-signed sample credential.");
    s->stackability = PROTO_STACK_STACKABLE;
    s->part_of_n = 1;
    s->part_of[0] = S("IE:uniz/cert-digital-credentials");
    s->url = S("https://uniz.edu/micro-credentials/c012");
    s->valid_until_ms = T_2027_12_31;
    s->source_ids_n = 1;
    s->source_ids[0] = S("http://data.europa.eu/snb/model/specification/c012");
}

static void make_decision(proto_record *r, bool full)
{
    proto_decision *x = &r->u.decision;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_DECISION;
    if (!full) {
        x->id = S("DE:kmk/2024-17");
        x->spec = S("NL:theed/minor-jedi-mind-control");
        x->purpose = PROTO_PURPOSE_EMPLOYMENT;
        x->outcome = PROTO_OUTCOME_FULL;
        x->valid_from_ms = T_2024_09_01;
        return;
    }
    x->id = S("FR:enic-naric/2024-0917");
    x->spec = S("IE:uniz/mc-c012");
    x->purpose = PROTO_PURPOSE_FURTHER_STUDY;
    x->outcome = PROTO_OUTCOME_CONDITIONAL;
    x->has_ects = true;
    x->ects_centi = 200;
    x->eqf = 6;
    x->differences_n = 2;
    x->differences[0] =
        (proto_difference){ PROTO_DIFFERENCE_WORKLOAD,
                            S("2 ECTS against 3 ECTS for comparable French modules") };
    x->differences[1] = (proto_difference){ PROTO_DIFFERENCE_LEARNING_OUTCOMES,
                                            S("No assessed outcome on accessibility of content") };
    x->conditions = S("Completion of an accessibility module of 1 ECTS at a French university");
    x->appeal = S("Recours gracieux auprès du centre ENIC-NARIC France dans un délai de deux mois");
    x->valid_from_ms = T_2024_09_01;
    x->valid_until_ms = T_2029_08_30;
    x->supersedes = S("FR:enic-naric/2023-0042");
}

static void make_policy(proto_record *r, bool full)
{
    proto_policy *p = &r->u.policy;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_POLICY;
    if (!full) {
        p->id = S("GR:eoppep/policy-1");
        p->purpose = PROTO_PURPOSE_FURTHER_STUDY;
        p->outcome = PROTO_OUTCOME_FULL;
        p->external_qa = false;
        p->valid_from_ms = T_2024_09_01;
        p->status = PROTO_STATUS_ACTIVE;
        return;
    }
    p->id = S("NL:nuffic/policy-2024-eqf4-6");
    p->purpose = PROTO_PURPOSE_BOTH;
    p->outcome = PROTO_OUTCOME_CONDITIONAL;
    p->issuer_countries_n = 3;
    p->issuer_countries[0] = S("BE");
    p->issuer_countries[1] = S("DE");
    p->issuer_countries[2] = S("IE");
    p->eqf_min = 4;
    p->eqf_max = 6;
    p->ects_min_centi = 100;
    p->external_qa = true;
    p->isced_prefixes_n = 2;
    p->isced_prefixes[0] = S("03");
    p->isced_prefixes[1] = S("06");
    p->conditions = S("The holder presents the issuer's quality assurance evidence");
    p->valid_from_ms = T_2024_09_01;
    p->valid_until_ms = T_2029_08_30;
    p->status = PROTO_STATUS_ACTIVE;
}

static void make_pathway(proto_record *r, bool full)
{
    proto_pathway *p = &r->u.pathway;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_PATHWAY;
    if (!full) {
        p->id = S("IE:uniz/pathway-digital-education");
        p->title_n = 1;
        p->title[0] = (proto_lang_text){ S("en"), S("Certificate in Digital Education") };
        p->eqf = 6;
        p->ects_min_centi = 1000;
        p->rule.isced_prefixes_n = 1;
        p->rule.isced_prefixes[0] = S("0688");
        p->valid_from_ms = T_2024_09_01;
        p->status = PROTO_STATUS_ACTIVE;
        return;
    }
    p->id = S("NL:theed/pathway-minor-psychology");
    p->title_n = 2;
    p->title[0] = (proto_lang_text){ S("en"), S("Minor in Psychology") };
    p->title[1] = (proto_lang_text){ S("nl"), S("Minor Psychologie") };
    p->eqf = 6;
    p->ects_min_centi = 1500;
    p->mandatory_n = 1;
    p->mandatory[0] = S("NL:theed/minor-jedi-mind-control");
    p->eligible_n = 1;
    p->eligible[0] = S("IE:uniz/mc-c012");
    p->rule.eqf_min = 4;
    p->rule.eqf_max = 6;
    p->rule.isced_prefixes_n = 1;
    p->rule.isced_prefixes[0] = S("031");
    p->rule.issuer_countries_n = 2;
    p->rule.issuer_countries[0] = S("BE");
    p->rule.issuer_countries[1] = S("NL");
    p->rule.ects_min_centi = 100;
    p->valid_from_ms = T_2024_09_01;
    p->valid_until_ms = T_2029_08_30;
    p->status = PROTO_STATUS_ACTIVE;
}

static void make_revocation(proto_record *r, bool full)
{
    proto_revocation *x = &r->u.revocation;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_REVOCATION;
    x->credential = digest;
    x->provider = S("IE:uniz");
    x->reason = PROTO_REASON_ISSUED_IN_ERROR;
    x->revoked_at_ms = T_2024_01_15;
    if (full) { /* record form 2: the credential's place in its provider's status list */
        x->status_index = 94567;
        x->has_status_index = true;
    }
}

/* The seed H(label) and its key pair. */
static void test_keypair(uint8_t pk[PROTO_KEY_BYTES], uint8_t sk[PROTO_SK_BYTES], const char *label)
{
    uint8_t seed[32];
    crypto_generichash(seed, sizeof(seed), (const uint8_t *)label, strlen(label), NULL, 0);
    crypto_sign_seed_keypair(pk, sk, seed);
}

/* A change document (PROTOCOL.md 4.4) signed by the IE authority of the tests, and, `full`, by
 * the FR one too: what a roster entry (kind 7) carries. */
static uint8_t change_doc[2][RN_ROSTERCHAIN_CHANGE_BYTES_MAX];
static size_t change_len[2];
static uint8_t pk_ie[PROTO_KEY_BYTES], pk_fr[PROTO_KEY_BYTES];

static const uint8_t *make_change(bool full, size_t *len)
{
    static proto_rc_change c;
    uint8_t sk_ie[PROTO_SK_BYTES], sk_fr[PROTO_SK_BYTES], pk_new[PROTO_KEY_BYTES];
    uint8_t sk_new[PROTO_SK_BYTES];
    mp_buf b;
    test_keypair(pk_ie, sk_ie, "record test IE authority");
    test_keypair(pk_fr, sk_fr, "record test FR authority");
    test_keypair(pk_new, sk_new, "record test new mirror");
    memset(&c, 0, sizeof(c));
    c.version = 2;
    memset(c.prev, 0x5a, sizeof(c.prev));
    c.issued_at = T_2024_09_01;
    c.ops_n = 1;
    c.ops[0].type = PROTO_RC_ADD;
    memcpy(c.ops[0].key, pk_new, PROTO_KEY_BYTES);
    c.ops[0].role = PROTO_ROLE_MIRROR;
    assert_int_equal(proto_rosterchain_change_sign(&c, sk_ie, pk_ie), 0);
    if (full)
        assert_int_equal(proto_rosterchain_change_sign(&c, sk_fr, pk_fr), 0);
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(&c, &b), 0);
    memcpy(change_doc[full], b.data, b.len);
    change_len[full] = b.len;
    mp_buf_free(&b);
    *len = change_len[full];
    return change_doc[full];
}

static void make_roster(proto_record *r, bool full)
{
    size_t len;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_ROSTER;
    r->u.roster.change.ptr = make_change(full, &len);
    r->u.roster.change.len = (uint32_t)len;
}

static void make_succession(proto_record *r, bool full)
{
    static uint8_t last_id[PROTO_ID_BYTES];
    proto_succession *x = &r->u.succession;
    memset(r, 0, sizeof(*r));
    r->kind = PROTO_KIND_SUCCESSION;
    x->predecessor = key_a;
    if (full) { /* the predecessor's entries up to seq 42 stay in the lineage */
        memset(last_id, 0xa7, sizeof(last_id));
        x->last_seq = 42;
        x->last_id = last_id;
    }
}

static void (*const makers[PROTO_KIND_MAX + 1])(proto_record *, bool) = {
    [PROTO_KIND_PROVIDER] = make_provider, [PROTO_KIND_SPEC] = make_spec,
    [PROTO_KIND_DECISION] = make_decision, [PROTO_KIND_POLICY] = make_policy,
    [PROTO_KIND_PATHWAY] = make_pathway,   [PROTO_KIND_REVOCATION] = make_revocation,
    [PROTO_KIND_ROSTER] = make_roster,     [PROTO_KIND_SUCCESSION] = make_succession,
};

/* Field names by key, and which keys are required: the contract of record.h, restated. */
static const char *const names[PROTO_KIND_MAX + 1][23] = {
    [PROTO_KIND_PROVIDER] = { NULL, "provider.id", "provider.legal_name", "provider.country",
                              "provider.registration_number", "provider.qa_status",
                              "provider.qa_body", "provider.issuer_keys", "provider.status",
                              "provider.url", "provider.issuer_keys_ext" },
    [PROTO_KIND_SPEC] = { NULL,
                          "spec.id",
                          "spec.provider",
                          "spec.title",
                          "spec.outcomes",
                          "spec.ects",
                          "spec.eqf",
                          "spec.nqf",
                          "spec.isced",
                          "spec.assessment",
                          "spec.participation",
                          "spec.qa_type",
                          "spec.languages",
                          "spec.prerequisites",
                          "spec.supervision",
                          "spec.grading",
                          "spec.stackability",
                          "spec.part_of",
                          "spec.url",
                          "spec.valid_from",
                          "spec.valid_until",
                          "spec.status",
                          "spec.source_ids" },
    [PROTO_KIND_DECISION] = { NULL, "decision.id", "decision.spec", "decision.purpose",
                              "decision.outcome", "decision.ects", "decision.eqf",
                              "decision.differences", "decision.conditions", "decision.appeal",
                              "decision.valid_from", "decision.valid_until",
                              "decision.supersedes" },
    [PROTO_KIND_POLICY] = { NULL, "policy.id", "policy.purpose", "policy.outcome",
                            "policy.issuer_countries", "policy.eqf_min", "policy.eqf_max",
                            "policy.ects_min", "policy.external_qa", "policy.isced_prefixes",
                            "policy.conditions", "policy.valid_from", "policy.valid_until",
                            "policy.status" },
    [PROTO_KIND_PATHWAY] = { NULL, "pathway.id", "pathway.title", "pathway.eqf", "pathway.ects_min",
                             "pathway.mandatory", "pathway.eligible", "pathway.rule",
                             "pathway.valid_from", "pathway.valid_until", "pathway.status" },
    [PROTO_KIND_REVOCATION] = { NULL, "revocation.credential", "revocation.provider",
                                "revocation.reason", "revocation.revoked_at",
                                "revocation.status_index" },
    [PROTO_KIND_ROSTER] = { NULL, "roster.change" },
    [PROTO_KIND_SUCCESSION] = { NULL, "succession.predecessor", "succession.last_seq",
                                "succession.last_id" },
};
static const unsigned nfields[PROTO_KIND_MAX + 1] = { 0, 10, 22, 12, 13, 10, 5, 1, 3 };
static const char *const required[PROTO_KIND_MAX + 1] = {
    /* '1' at position key - 1 for a required key */
    NULL,
    "1110100100",
    "1111100111110101001010",
    "111100000100",
    "1110000100101",
    "1111000101",
    "11110",
    "1",
    "110",
};

/* ---- A body as (key, value bytes) pairs, to change one thing at a time ---- */

#define PAIRS_MAX   40
#define ARENA_BYTES (4u * RN_RECORD_BYTES_MAX)

typedef struct body {
    proto_kind kind;
    unsigned n;
    uint64_t key[PAIRS_MAX];
    const uint8_t *val[PAIRS_MAX];
    size_t len[PAIRS_MAX];
} body;

static body B;
static uint8_t arena[ARENA_BYTES];
static size_t arena_used;
static mp_buf V; /* the value being built: val() resets it, set() takes it */

static const uint8_t *keep(const uint8_t *p, size_t n)
{
    assert_true(n <= ARENA_BYTES - arena_used);
    uint8_t *q = arena + arena_used;
    memcpy(q, p, n);
    arena_used += n;
    return q;
}

/* Splits an encoded body into its pairs. */
static void split(const uint8_t *bytes, size_t len, proto_kind kind)
{
    mp_cur c;
    uint32_t n;
    memset(&B, 0, sizeof(B));
    arena_used = 0;
    B.kind = kind;
    mp_cur_init(&c, bytes, len);
    assert_int_equal(mp_read_map(&c, &n), 0);
    for (uint32_t i = 0; i < n; i++) {
        assert_int_equal(mp_read_uint(&c, &B.key[i]), 0);
        const uint8_t *start = c.p;
        assert_int_equal(mp_skip(&c), 0);
        B.val[i] = keep(start, (size_t)(c.p - start));
        B.len[i] = (size_t)(c.p - start);
    }
    B.n = n;
}

/* Starts a case from the valid record of `kind` with every field present. */
static void start(proto_kind kind)
{
    proto_record r;
    mp_buf b;
    makers[kind](&r, true);
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(&r, &b), 0);
    split(b.data, b.len, kind);
    mp_buf_free(&b);
}

static mp_buf *val(void)
{
    mp_buf_reset(&V);
    return &V;
}

static int find(uint64_t key)
{
    for (unsigned i = 0; i < B.n; i++)
        if (B.key[i] == key)
            return (int)i;
    return -1;
}

/* Sets the value of `key` to the value just built, inserting the pair in key order if absent. */
static void set(uint64_t key)
{
    assert_int_equal(mp_buf_err(&V), 0);
    int i = find(key);
    if (i < 0) {
        unsigned at = 0;
        while (at < B.n && B.key[at] < key)
            at++;
        assert_true(B.n < PAIRS_MAX);
        memmove(&B.key[at + 1], &B.key[at], (B.n - at) * sizeof(B.key[0]));
        memmove(&B.val[at + 1], &B.val[at], (B.n - at) * sizeof(B.val[0]));
        memmove(&B.len[at + 1], &B.len[at], (B.n - at) * sizeof(B.len[0]));
        B.n++;
        i = (int)at;
        B.key[i] = key;
    }
    B.val[i] = keep(V.data, V.len);
    B.len[i] = V.len;
}

static void del(uint64_t key)
{
    int i = find(key);
    assert_true(i >= 0);
    B.n--;
    memmove(&B.key[i], &B.key[i + 1], (B.n - (unsigned)i) * sizeof(B.key[0]));
    memmove(&B.val[i], &B.val[i + 1], (B.n - (unsigned)i) * sizeof(B.val[0]));
    memmove(&B.len[i], &B.len[i + 1], (B.n - (unsigned)i) * sizeof(B.len[0]));
}

/* Writes the pairs as a map (keys as given, in the order given) into `w`. */
static void build(mp_buf *w)
{
    mp_buf_init(w, 1u << 20);
    mp_put_map(w, B.n);
    for (unsigned i = 0; i < B.n; i++) {
        mp_put_uint(w, B.key[i]);
        mp_buf_raw(w, B.val[i], B.len[i]);
    }
    assert_int_equal(mp_buf_err(w), 0);
}

/* Decodes `bytes` and, if accepted, checks that it re-encodes to the same bytes. */
static int decode_check(proto_kind kind, const uint8_t *bytes, size_t len, rn_diag *d,
                        proto_record *out)
{
    proto_record r;
    int rc = proto_record_decode(&r, kind, bytes, len, d);
    if (rc == 0) {
        mp_buf e;
        mp_buf_init(&e, RN_RECORD_BYTES_MAX);
        assert_int_equal(proto_record_encode(&r, &e), 0);
        assert_int_equal(e.len, len);
        assert_memory_equal(e.data, bytes, len);
        mp_buf_free(&e);
        if (out != NULL)
            *out = r;
    } else if (d != NULL) {
        assert_int_equal(d->code, rc);
    }
    return rc;
}

/* Decodes B and checks the outcome: 0, or the error, the field name and the list index. */
static void expect_at(int line, int code, const char *field_name, unsigned index)
{
    mp_buf w;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    build(&w);
    int rc = decode_check(B.kind, w.data, w.len, &d, NULL);
    mp_buf_free(&w);
    const char *got = rc == 0 ? NULL : d.field;
    bool ok = rc == code;
    if (code != 0)
        ok = ok && got != NULL && field_name != NULL && strcmp(got, field_name) == 0 &&
             d.index == index;
    if (!ok) {
        print_error("line %d: got %s %s[%u], want %s %s[%u]\n", line, rn_err_name(rc),
                    got ? got : "-", rc == 0 ? 0 : d.index, rn_err_name(code),
                    field_name ? field_name : "-", index);
        fail();
    }
}
#define EXPECT(code, name, index) expect_at(__LINE__, code, name, index)
#define EXPECT_OK()               expect_at(__LINE__, 0, NULL, 0)

/* Value helpers. */
static void put_fill(mp_buf *b, size_t n, char c)
{
    char buf[RN_TEXT_BYTES_MAX + 2];
    assert_true(n <= sizeof(buf));
    memset(buf, c, n);
    mp_put_str(b, buf, n);
}

/* A string of exactly n bytes that starts with `head` and is padded with `pad`. */
static void put_padded(mp_buf *b, const char *head, size_t n, char pad)
{
    char buf[RN_TEXT_BYTES_MAX + 2];
    size_t h = strlen(head);
    assert_true(n <= sizeof(buf) && h <= n);
    memcpy(buf, head, h);
    memset(buf + h, pad, n - h);
    mp_put_str(b, buf, n);
}

static void put_strs(mp_buf *b, unsigned n, const char *const *s)
{
    mp_put_array(b, n);
    for (unsigned i = 0; i < n; i++)
        mp_put_cstr(b, s[i]);
}

/* Sets `key` to a string / uint / array of strings. */
static void set_str(uint64_t key, const char *s)
{
    mp_put_cstr(val(), s);
    set(key);
}

static void set_uint(uint64_t key, uint64_t v)
{
    mp_put_uint(val(), v);
    set(key);
}

static void set_strs(uint64_t key, unsigned n, const char *const *s)
{
    put_strs(val(), n, s);
    set(key);
}

/* The Ed25519 public key of the seed H(label). */
static void test_key(uint8_t pk[PROTO_KEY_BYTES], const char *label)
{
    uint8_t seed[32], sk[crypto_sign_SECRETKEYBYTES];
    crypto_generichash(seed, sizeof(seed), (const uint8_t *)label, strlen(label), NULL, 0);
    crypto_sign_seed_keypair(pk, sk, seed);
}

static int setup(void **state)
{
    (void)state;
    static const char cred[] = "urn:credential:3ef0ac26-9a1f-41c6-871b-2b82e670907b";
    if (sodium_init() < 0)
        return -1;
    /* Issuer keys are real Ed25519 public keys: the decoder refuses any other 32 bytes. */
    test_key(key_a, "uniz issuer key 2022");
    test_key(key_b, "uniz issuer key 2023");
    crypto_generichash(digest, sizeof(digest), (const uint8_t *)cred, sizeof(cred) - 1, NULL, 0);
    mp_buf_init(&V, 1u << 20);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    mp_buf_free(&V);
    return 0;
}

/* ---- Round trips ---- */

static void test_roundtrip(void **state)
{
    (void)state;
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        for (int full = 0; full <= 1; full++) {
            proto_record r, back;
            mp_buf b;
            rn_diag d;
            makers[kind](&r, full);
            mp_buf_init(&b, RN_RECORD_BYTES_MAX);
            mp_put_uint(&b, 7); /* encode appends: something before the body stays */
            assert_int_equal(proto_record_encode(&r, &b), 0);
            assert_int_equal(b.data[0], 7);
            assert_int_equal(decode_check((proto_kind)kind, b.data + 1, b.len - 1, &d, &back), 0);
            assert_true(proto_record_equal(&r, &back));
            assert_int_equal(back.kind, kind);
            assert_int_equal(proto_record_validate(&r, &d), 0);
            /* The author is the country of the record's own id (roster and succession records
             * have none, and any authority may carry them). */
            proto_str id = proto_record_id(&back);
            assert_int_equal(proto_kind_is_registry(kind), id.len > 0);
            assert_int_equal(
                proto_record_check_author(&back, id.len > 0 ? (const char *)id.ptr : "IE", &d), 0);
            /* Every string borrows the body. */
            if (kind == PROTO_KIND_ROSTER)
                id = back.u.roster.change;
            if (id.len > 0)
                assert_true(id.ptr > b.data && id.ptr + id.len <= b.data + b.len);
            mp_buf_free(&b);
        }
    }
}

/* A decoder that reuses its struct (the store decodes every entry into one) must leave nothing
 * of the previous record: decode a full record into a struct full of garbage, then a minimal one
 * over it, and the result equals a fresh decode and re-encodes to the minimal body. */
/* A refused body leaves the struct as a decode that cleared it first would: the fields read
 * before the refusal hold their values, every other field of the kind (after it, and the one
 * refused) reads as absent, whatever an earlier decode left there. */
static void test_refused_decode_clears(void **state)
{
    (void)state;
    proto_record *back = malloc(sizeof(*back)), *want = malloc(sizeof(*want));
    mp_buf w;
    assert_non_null(back);
    assert_non_null(want);
    for (int k = 0; k < 3; k++) {
        makers[PROTO_KIND_SPEC](back, true); /* every field set: what a refusal must not leave */
        start(PROTO_KIND_SPEC);
        if (k == 0)
            set_uint(99, 1); /* an unknown key after every known one */
        else if (k == 1)
            set_uint(5, 0); /* ects refused */
        else
            set_str(3, "x"); /* the title refused: a string, not a map */
        build(&w);
        assert_true(proto_record_decode(back, PROTO_KIND_SPEC, w.data, w.len, NULL) < 0);
        memset(want, 0, sizeof(*want));
        want->kind = PROTO_KIND_SPEC;
        want->u.spec.id = back->u.spec.id;
        want->u.spec.provider = back->u.spec.provider;
        if (k != 2) {
            want->u.spec.title_n = back->u.spec.title_n;
            memcpy(want->u.spec.title, back->u.spec.title, sizeof(want->u.spec.title));
            want->u.spec.outcomes_n = back->u.spec.outcomes_n;
            memcpy(want->u.spec.outcomes, back->u.spec.outcomes, sizeof(want->u.spec.outcomes));
            assert_true(back->u.spec.title_n > 0 && back->u.spec.outcomes_n > 0);
        }
        mp_buf all;
        all.data = NULL;
        if (k == 0) {
            /* Everything decoded: the refusal came after the last field. */
            start(PROTO_KIND_SPEC);
            build(&all);
            assert_int_equal(proto_record_decode(want, PROTO_KIND_SPEC, all.data, all.len, NULL),
                             0);
        }
        assert_true(proto_record_equal(want, back));
        assert_int_equal(back->u.spec.ects_centi, k == 0 ? want->u.spec.ects_centi : 0u);
        assert_int_equal(back->u.spec.languages_n, k == 0 ? want->u.spec.languages_n : 0u);
        assert_int_equal(back->u.spec.valid_from_ms, k == 0 ? want->u.spec.valid_from_ms : 0u);
        if (k == 0)
            mp_buf_free(&all);
        mp_buf_free(&w);
    }
    free(back);
    free(want);
}

static void test_decode_reuses_struct(void **state)
{
    (void)state;
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        proto_record *full = malloc(sizeof(*full)), *min = malloc(sizeof(*min));
        proto_record *back = malloc(sizeof(*back));
        mp_buf bf, bm, again;
        assert_non_null(full);
        assert_non_null(min);
        assert_non_null(back);
        makers[kind](full, true);
        makers[kind](min, false);
        mp_buf_init(&bf, RN_RECORD_BYTES_MAX);
        mp_buf_init(&bm, RN_RECORD_BYTES_MAX);
        mp_buf_init(&again, RN_RECORD_BYTES_MAX);
        assert_int_equal(proto_record_encode(full, &bf), 0);
        assert_int_equal(proto_record_encode(min, &bm), 0);
        memset(back, 0xa5, sizeof(*back));
        assert_int_equal(proto_record_decode(back, (proto_kind)kind, bf.data, bf.len, NULL), 0);
        assert_true(proto_record_equal(full, back));
        assert_int_equal(proto_record_decode(back, (proto_kind)kind, bm.data, bm.len, NULL), 0);
        assert_true(proto_record_equal(min, back));
        assert_int_equal(proto_record_encode(back, &again), 0);
        assert_int_equal(again.len, bm.len);
        assert_memory_equal(again.data, bm.data, bm.len);
        mp_buf_free(&bf);
        mp_buf_free(&bm);
        mp_buf_free(&again);
        free(full);
        free(min);
        free(back);
    }
}

static void test_roundtrip_fields(void **state)
{
    (void)state;
    proto_record r, back;
    mp_buf b;
    rn_diag d;
    make_spec(&r, true);
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(&r, &b), 0);
    assert_int_equal(proto_record_decode(&back, PROTO_KIND_SPEC, b.data, b.len, &d), 0);
    const proto_spec *s = &back.u.spec;
    assert_int_equal(s->ects_centi, 200);
    assert_int_equal(s->eqf, 6);
    assert_int_equal(s->outcomes_n, 2);
    assert_int_equal(s->outcomes[0].esco_n, 3);
    assert_int_equal(s->outcomes[0].translations_n, 0);
    assert_int_equal(s->outcomes[1].translations_n, 2);
    assert_true(proto_str_eq(s->outcomes[1].translations[1].lang, S("ga")));
    assert_true(
        proto_str_eq(s->outcomes[1].translations[1].text, S("Ábhar digiteach a fhorbairt")));
    assert_true(proto_str_eq(s->isced, S("0688")));
    assert_string_equal(proto_codes_vocab_name(PROTO_VOCAB_PARTICIPATION, s->participation),
                        "onsite or blended");
    assert_int_equal(s->valid_until_ms, T_2027_12_31);
    assert_int_equal(s->source_ids_n, 1);
    /* The map has exactly the 22 fields, keys 1..22 in order. */
    split(b.data, b.len, PROTO_KIND_SPEC);
    assert_int_equal(B.n, 22);
    for (unsigned i = 0; i < B.n; i++)
        assert_int_equal(B.key[i], i + 1);
    mp_buf_free(&b);

    /* Minimal records carry only their required fields. */
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        makers[kind](&r, false);
        mp_buf_init(&b, RN_RECORD_BYTES_MAX);
        assert_int_equal(proto_record_encode(&r, &b), 0);
        split(b.data, b.len, (proto_kind)kind);
        for (unsigned i = 0; i < B.n; i++) {
            uint64_t k = B.key[i];
            /* pathway's minimal record has a rule (7) so that it says which specs count */
            if (!(kind == PROTO_KIND_PATHWAY && k == 7))
                assert_int_equal(required[kind][k - 1], '1');
        }
        mp_buf_free(&b);
    }

    /* The decision's optional ECTS may be 0, and then it is present. */
    make_decision(&r, false);
    r.u.decision.has_ects = true;
    r.u.decision.ects_centi = 0;
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(&r, &b), 0);
    assert_int_equal(proto_record_decode(&back, PROTO_KIND_DECISION, b.data, b.len, &d), 0);
    assert_true(back.u.decision.has_ects);
    assert_int_equal(back.u.decision.ects_centi, 0);
    mp_buf_free(&b);
}

/* Every prefix of every valid body fails cleanly, as truncated. */
static void test_truncated(void **state)
{
    (void)state;
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        for (int full = 0; full <= 1; full++) {
            proto_record r;
            mp_buf b;
            rn_diag d;
            makers[kind](&r, full);
            mp_buf_init(&b, RN_RECORD_BYTES_MAX);
            assert_int_equal(proto_record_encode(&r, &b), 0);
            for (size_t n = 0; n < b.len; n++) {
                /* A copy of exactly n bytes, so that a read past it is a sanitizer error. */
                uint8_t *p = malloc(n > 0 ? n : 1);
                memcpy(p, b.data, n);
                assert_int_equal(proto_record_decode(&r, (proto_kind)kind, p, n, &d),
                                 RN_ETRUNCATED);
                free(p);
            }
            mp_buf_free(&b);
        }
    }
}

static void test_trailing_and_size(void **state)
{
    (void)state;
    proto_record r;
    mp_buf b;
    rn_diag d;
    make_revocation(&r, true);
    mp_buf_init(&b, RN_RECORD_BYTES_MAX + 16);
    assert_int_equal(proto_record_encode(&r, &b), 0);
    size_t len = b.len;
    mp_put_uint(&b, 0);
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_REVOCATION, b.data, b.len, &d),
                     RN_ETRAILING);
    assert_string_equal(d.field, "revocation");
    /* A second body after the first is trailing too. */
    b.len = len;
    mp_buf_raw(&b, b.data, len);
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_REVOCATION, b.data, b.len, &d),
                     RN_ETRAILING);
    mp_buf_free(&b);

    /* Bodies longer than RN_RECORD_BYTES_MAX are refused before they are read. */
    uint8_t *big = calloc(1, RN_RECORD_BYTES_MAX + 1);
    big[0] = 0x80;
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_SPEC, big, RN_RECORD_BYTES_MAX + 1, &d),
                     RN_ETOOBIG);
    free(big);

    /* Not a map at all; an unknown kind. */
    static const uint8_t arr[] = { 0x90 }, neg[] = { 0xff }, reserved[] = { 0xc1 };
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_SPEC, arr, 1, &d), RN_ETYPE);
    assert_string_equal(d.field, "spec");
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_SPEC, neg, 1, &d), RN_EMALFORMED);
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_SPEC, reserved, 1, &d), RN_EMALFORMED);
    static const uint8_t empty_map[] = { 0x80 };
    assert_int_equal(proto_record_decode(&r, (proto_kind)0, empty_map, 1, &d), RN_EKIND);
    assert_int_equal(proto_record_decode(&r, (proto_kind)9, empty_map, 1, &d), RN_EKIND);
    /* An empty map misses the first required field. */
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_SPEC, empty_map, 1, &d), RN_EMISSING);
    assert_string_equal(d.field, "spec.id");
}

/* ---- Keys ---- */

static void test_keys(void **state)
{
    (void)state;
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        const char *kname = proto_kind_name(kind);
        unsigned nf = nfields[kind];

        /* A key repeated. */
        start((proto_kind)kind);
        if (B.n == 1) { /* a roster record has one field: repeat it */
            B.key[1] = B.key[0], B.val[1] = B.val[0], B.len[1] = B.len[0];
            B.n = 2;
        } else {
            B.key[1] = B.key[0];
        }
        EXPECT(RN_EFIELDORDER, kname, 0);
        /* Two pairs swapped. */
        start((proto_kind)kind);
        if (B.n >= 2) {
            uint64_t k0 = B.key[0];
            const uint8_t *v0 = B.val[0];
            size_t l0 = B.len[0];
            B.key[0] = B.key[1], B.val[0] = B.val[1], B.len[0] = B.len[1];
            B.key[1] = k0, B.val[1] = v0, B.len[1] = l0;
            EXPECT(RN_EFIELDORDER, kname, 0);
        }
        /* A known key appended after a greater one. */
        start((proto_kind)kind);
        B.key[B.n] = 1;
        B.val[B.n] = B.val[0];
        B.len[B.n] = B.len[0];
        B.n++;
        EXPECT(RN_EFIELDORDER, kname, 0);
        /* Unknown keys: 0, one past the last, large ones. */
        static const uint64_t unknown[] = { 0, 0, 99, 1000, UINT64_MAX };
        for (size_t i = 0; i < sizeof(unknown) / sizeof(unknown[0]); i++) {
            uint64_t k = i == 1 ? nf + 1 : unknown[i];
            start((proto_kind)kind);
            set_uint(k, 1);
            EXPECT(RN_EUNKNOWNFIELD, kname, 0);
        }
        /* Keys that are not unsigned integers. */
        start((proto_kind)kind);
        {
            mp_buf w;
            rn_diag d;
            proto_record r;
            mp_buf_init(&w, 1024);
            mp_put_map(&w, 1);
            mp_put_cstr(&w, "id");
            mp_put_cstr(&w, "IE:x");
            assert_int_equal(proto_record_decode(&r, (proto_kind)kind, w.data, w.len, &d),
                             RN_ETYPE);
            assert_string_equal(d.field, kname);
            mp_buf_reset(&w);
            mp_put_map(&w, 1);
            mp_buf_raw(&w, "\xff", 1); /* -1 */
            mp_put_uint(&w, 1);
            assert_int_equal(proto_record_decode(&r, (proto_kind)kind, w.data, w.len, &d),
                             RN_EMALFORMED);
            /* A key in a longer form than needed. */
            mp_buf_reset(&w);
            mp_put_map(&w, 1);
            mp_buf_raw(&w, "\xcc\x01", 2);
            mp_put_uint(&w, 1);
            assert_int_equal(proto_record_decode(&r, (proto_kind)kind, w.data, w.len, &d),
                             RN_ENONCANON);
            mp_buf_free(&w);
        }
    }
}

/* Every required field, removed, is missing by name; every optional one may go. */
static void test_missing(void **state)
{
    (void)state;
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        for (unsigned k = 1; k <= nfields[kind]; k++) {
            start((proto_kind)kind);
            del(k);
            if (required[kind][k - 1] == '1') {
                EXPECT(RN_EMISSING, names[kind][k], 0);
                continue;
            }
            /* Removing an optional field may break a rule that needs it. */
            if (kind == PROTO_KIND_PROVIDER && k == 6)
                EXPECT(RN_EINCONSISTENT, "provider.qa_body", 0);
            else if ((kind == PROTO_KIND_DECISION && k == 8) ||
                     (kind == PROTO_KIND_POLICY && k == 10) ||
                     (kind == PROTO_KIND_SUCCESSION && k == 3))
                EXPECT(RN_EINCONSISTENT, names[kind][k], 0);
            else
                EXPECT_OK();
        }
    }
}

/* Every field with a value of another type is RN_ETYPE; every optional field as nil too. */
static void test_wrong_types(void **state)
{
    (void)state;
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        for (unsigned k = 1; k <= nfields[kind]; k++) {
            start((proto_kind)kind);
            mp_cur c;
            int i = find(k);
            assert_true(i >= 0);
            mp_cur_init(&c, B.val[i], B.len[i]);
            mp_type t = mp_peek(&c);
            mp_buf *v = val();
            switch (t) {
            case MP_STR:
            case MP_BIN:
            case MP_BOOL:
                mp_put_uint(v, 1);
                break;
            case MP_UINT:
                mp_put_cstr(v, "1");
                break;
            case MP_ARRAY:
                mp_put_map(v, 0);
                break;
            case MP_MAP:
                mp_put_array(v, 0);
                break;
            default:
                fail();
            }
            set(k);
            EXPECT(RN_ETYPE, names[kind][k], 0);
            /* nil is never a value of a field. */
            start((proto_kind)kind);
            mp_put_nil(val());
            set(k);
            EXPECT(RN_ETYPE, names[kind][k], 0);
            /* A bool where anything else is expected, and a float. */
            start((proto_kind)kind);
            if (t != MP_BOOL) {
                mp_put_bool(val(), true);
                set(k);
                EXPECT(RN_ETYPE, names[kind][k], 0);
            }
            mp_buf_raw(val(), "\xca\x00\x00\x00\x00", 5);
            set(k);
            EXPECT(RN_EMALFORMED, names[kind][k], 0);
        }
    }
}

/* ---- Strings ---- */

typedef struct str_bound {
    proto_kind kind;
    uint64_t key;
    const char *name;
    size_t max;
    const char *head; /* the valid start of the value, padded with 'a' */
} str_bound;

static void test_string_bounds(void **state)
{
    (void)state;
    static const str_bound bounds[] = {
        { PROTO_KIND_PROVIDER, 1, "provider.id", RN_ID_BYTES_MAX, "IE:" },
        { PROTO_KIND_PROVIDER, 2, "provider.legal_name", RN_NAME_BYTES_MAX, "" },
        { PROTO_KIND_PROVIDER, 4, "provider.registration_number", RN_NAME_BYTES_MAX, "" },
        { PROTO_KIND_PROVIDER, 6, "provider.qa_body", RN_NAME_BYTES_MAX, "" },
        { PROTO_KIND_PROVIDER, 9, "provider.url", RN_URL_BYTES_MAX, "https://" },
        { PROTO_KIND_SPEC, 1, "spec.id", RN_ID_BYTES_MAX, "IE:" },
        { PROTO_KIND_SPEC, 2, "spec.provider", RN_ID_BYTES_MAX, "IE:" },
        { PROTO_KIND_SPEC, 7, "spec.nqf", RN_NAME_BYTES_MAX, "" },
        { PROTO_KIND_SPEC, 13, "spec.prerequisites", RN_TEXT_BYTES_MAX, "" },
        { PROTO_KIND_SPEC, 15, "spec.grading", RN_TEXT_BYTES_MAX, "" },
        { PROTO_KIND_SPEC, 18, "spec.url", RN_URL_BYTES_MAX, "http://" },
        { PROTO_KIND_DECISION, 1, "decision.id", RN_ID_BYTES_MAX, "FR:" },
        { PROTO_KIND_DECISION, 2, "decision.spec", RN_ID_BYTES_MAX, "IE:" },
        { PROTO_KIND_DECISION, 8, "decision.conditions", RN_TEXT_BYTES_MAX, "" },
        { PROTO_KIND_DECISION, 9, "decision.appeal", RN_TEXT_BYTES_MAX, "" },
        { PROTO_KIND_DECISION, 12, "decision.supersedes", RN_ID_BYTES_MAX, "FR:" },
        { PROTO_KIND_POLICY, 1, "policy.id", RN_ID_BYTES_MAX, "NL:" },
        { PROTO_KIND_POLICY, 10, "policy.conditions", RN_TEXT_BYTES_MAX, "" },
        { PROTO_KIND_PATHWAY, 1, "pathway.id", RN_ID_BYTES_MAX, "NL:" },
        { PROTO_KIND_REVOCATION, 2, "revocation.provider", RN_ID_BYTES_MAX, "IE:" },
    };
    for (size_t i = 0; i < sizeof(bounds) / sizeof(bounds[0]); i++) {
        const str_bound *s = &bounds[i];
        start(s->kind);
        put_padded(val(), s->head, s->max, 'a');
        set(s->key);
        EXPECT_OK();
        put_padded(val(), s->head, s->max + 1, 'a');
        set(s->key);
        EXPECT(RN_ELEN, s->name, 0);
        mp_put_str(val(), "", 0);
        set(s->key);
        EXPECT(RN_ELEN, s->name, 0);
        /* A longer form of a short string is not canonical. */
        mp_buf_raw(val(), "\xd9\x05IE:ab", 7);
        set(s->key);
        EXPECT(RN_ENONCANON, s->name, 0);
    }
    /* Lengths are bytes, not characters: 256 two-byte characters fill a name exactly. */
    start(PROTO_KIND_PROVIDER);
    {
        char buf[RN_NAME_BYTES_MAX + 2];
        for (size_t i = 0; i < RN_NAME_BYTES_MAX; i += 2)
            memcpy(buf + i, "\xc3\xa9", 2);
        mp_put_str(val(), buf, RN_NAME_BYTES_MAX);
        set(2);
        EXPECT_OK();
        buf[RN_NAME_BYTES_MAX] = 'x';
        mp_put_str(val(), buf, RN_NAME_BYTES_MAX + 1);
        set(2);
        EXPECT(RN_ELEN, "provider.legal_name", 0);
    }
}

/* Strings inside lists and nested maps, at their bound and one past. */
static void test_nested_string_bounds(void **state)
{
    (void)state;
    mp_buf *v;
    /* spec.title text */
    for (size_t n = RN_NAME_BYTES_MAX; n <= RN_NAME_BYTES_MAX + 1; n++) {
        start(PROTO_KIND_SPEC);
        v = val();
        mp_put_map(v, 1);
        mp_put_cstr(v, "en");
        put_fill(v, n, 't');
        set(3);
        if (n == RN_NAME_BYTES_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ELEN, "spec.title", 1);
    }
    /* spec.outcomes.text, in the second outcome */
    for (size_t n = RN_OUTCOME_BYTES_MAX; n <= RN_OUTCOME_BYTES_MAX + 1; n++) {
        start(PROTO_KIND_SPEC);
        v = val();
        mp_put_array(v, 2);
        mp_put_map(v, 1);
        mp_put_uint(v, 1);
        mp_put_cstr(v, "Communication, collaboration and creativity");
        mp_put_map(v, 1);
        mp_put_uint(v, 1);
        put_fill(v, n, 'o');
        set(4);
        if (n == RN_OUTCOME_BYTES_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ELEN, "spec.outcomes.text", 2);
    }
    /* spec.outcomes.esco: the second URL of the first outcome */
    for (size_t n = RN_URL_BYTES_MAX; n <= RN_URL_BYTES_MAX + 1; n++) {
        start(PROTO_KIND_SPEC);
        v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_cstr(v, "Developing digital content");
        mp_put_uint(v, 2);
        mp_put_array(v, 2);
        mp_put_cstr(v, "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a");
        put_padded(v, "http://data.europa.eu/esco/skill/", n, 'f');
        set(4);
        if (n == RN_URL_BYTES_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ELEN, "spec.outcomes.esco", 2);
    }
    /* decision.differences.note */
    for (size_t n = RN_NAME_BYTES_MAX; n <= RN_NAME_BYTES_MAX + 1; n++) {
        start(PROTO_KIND_DECISION);
        v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_uint(v, PROTO_DIFFERENCE_LEVEL);
        mp_put_uint(v, 2);
        put_fill(v, n, 'n');
        set(7);
        if (n == RN_NAME_BYTES_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ELEN, "decision.differences.note", 1);
    }
    /* spec.part_of ids */
    for (size_t n = RN_ID_BYTES_MAX; n <= RN_ID_BYTES_MAX + 1; n++) {
        start(PROTO_KIND_SPEC);
        v = val();
        mp_put_array(v, 2);
        mp_put_cstr(v, "IE:uniz/cert-digital-credentials");
        put_padded(v, "IE:uniz/", n, 'p');
        set(17);
        if (n == RN_ID_BYTES_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ELEN, "spec.part_of", 2);
    }
}

static void test_utf8(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "Universit\xc3",       /* truncated sequence */
        "\xc3\x28",            /* bad continuation */
        "\xc0\xaf",            /* overlong '/' */
        "\xe0\x80\xaf",        /* overlong */
        "\xed\xa0\x80",        /* surrogate U+D800 */
        "\xf4\x90\x80\x80",    /* past U+10FFFF */
        "\xff",                /* never valid */
        "Zed \x80 University", /* stray continuation */
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        start(PROTO_KIND_PROVIDER);
        set_str(2, bad[i]);
        EXPECT(RN_EUTF8, "provider.legal_name", 0);
        /* Inside a list item and a nested map. */
        start(PROTO_KIND_DECISION);
        mp_buf *v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_uint(v, 1);
        mp_put_uint(v, 2);
        mp_put_cstr(v, bad[i]);
        set(7);
        EXPECT(RN_EUTF8, "decision.differences.note", 1);
        /* UTF-8 comes before form: an id with a bad byte is EUTF8, not EID. */
        start(PROTO_KIND_SPEC);
        char id[64];
        snprintf(id, sizeof(id), "IE:%s", bad[i]);
        set_str(1, id);
        EXPECT(RN_EUTF8, "spec.id", 0);
    }
    /* Real multi-byte text passes. */
    start(PROTO_KIND_PROVIDER);
    set_str(2, "Ελληνικό Ανοικτό Πανεπιστήμιο");
    EXPECT_OK();
    set_str(2, "Université de Zed – Baile Átha Cliath");
    EXPECT_OK();
    set_str(2, "\xf0\x9f\x8e\x93 graduation"); /* U+1F393, four bytes */
    EXPECT_OK();
}

/* ---- Identifiers and codes ---- */

static void test_ids(void **state)
{
    (void)state;
    static const char *const good[] = { "IE:uniz",        "GR:eap/mc-1", "IE:a",
                                        "IS:x.y_z:1/2-3", "NO:ABC",      "LI:0" };
    static const char *const bad[] = { "IE",          "IE:",      "IE-uniz", "XX:uniz",
                                       "EL:eap/mc-1", "ie:uniz",  "UK:uniz", "IE:uniz mc",
                                       "IE:uniz#1",   "IE:é",     "I:uniz",  "IEX:uniz",
                                       ":IE:uniz",    "IE:uni\tz" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        assert_int_equal(proto_id_check((const uint8_t *)good[i], strlen(good[i])), 0);
        start(PROTO_KIND_DECISION);
        set_str(2, good[i]); /* the subject spec may be any country's */
        EXPECT_OK();
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(proto_id_check((const uint8_t *)bad[i], strlen(bad[i])), RN_EID);
        start(PROTO_KIND_DECISION);
        set_str(2, bad[i]);
        EXPECT(RN_EID, "decision.spec", 0);
        start(PROTO_KIND_PATHWAY);
        const char *list[2] = { "IE:uniz/mc-c012", bad[i] };
        set_strs(6, 2, list);
        EXPECT(RN_EID, "pathway.eligible", 2);
    }
    assert_int_equal(proto_id_check((const uint8_t *)"", 0), RN_ELEN);
}

/* Every byte value after "IE:": the identifier bytes of PROTOCOL.md 3.2 (letters, digits and
 * "._:/-") pass, every other byte is RN_EID, alone, first and last. */
static void test_id_every_byte(void **state)
{
    (void)state;
    for (unsigned b = 0; b < 256; b++) {
        bool want = (b >= 'a' && b <= 'z') || (b >= 'A' && b <= 'Z') || (b >= '0' && b <= '9') ||
                    b == '.' || b == '_' || b == ':' || b == '/' || b == '-';
        uint8_t one[4] = { 'I', 'E', ':', (uint8_t)b };
        uint8_t first[6] = { 'I', 'E', ':', (uint8_t)b, 'x', 'y' };
        uint8_t last[6] = { 'I', 'E', ':', 'x', 'y', (uint8_t)b };
        assert_int_equal(proto_id_check(one, sizeof(one)), want ? 0 : RN_EID);
        assert_int_equal(proto_id_check(first, sizeof(first)), want ? 0 : RN_EID);
        assert_int_equal(proto_id_check(last, sizeof(last)), want ? 0 : RN_EID);
    }
}

/* The length bounds of an id (PROTOCOL.md 3.2): a str of 1-128 bytes, else RN_ELEN; within that,
 * "CC:" needs a reference of at least one byte, so 1-3 bytes are a malformed id (RN_EID), as a
 * country of 1 byte is RN_ECOUNTRY. At the bounds 3, 4, 128 and 129 bytes, and at 0. */
static void test_id_length_bounds(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        int rc;
    } cases[] = { { 0, RN_ELEN },   { 1, RN_EID },    { 2, RN_EID },    { 3, RN_EID },
                  { 4, 0 },         { 5, 0 },         { 127, 0 },       { 128, 0 },
                  { 129, RN_ELEN }, { 130, RN_ELEN }, { 255, RN_ELEN }, { 256, RN_ELEN } };
    char id[260];
    memcpy(id, "IE:", 3);
    memset(id + 3, 'a', sizeof(id) - 3);
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t n = cases[i].len;
        assert_int_equal(proto_id_check((const uint8_t *)id, n), cases[i].rc);
        start(PROTO_KIND_DECISION);
        mp_put_str(val(), id, n);
        set(2);
        if (cases[i].rc == 0)
            EXPECT_OK();
        else
            EXPECT(cases[i].rc, "decision.spec", 0);
    }
}

static void test_countries(void **state)
{
    (void)state;
    /* On the wire only canonical codes: GR is Greece, EL is refused (see record.h). */
    static const char *const bad[] = { "EL", "XX", "UK", "gr", "Ie", "1E" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        start(PROTO_KIND_PROVIDER);
        set_str(3, bad[i]);
        EXPECT(RN_ECOUNTRY, "provider.country", 0);
        start(PROTO_KIND_POLICY);
        const char *list[3] = { "BE", "DE", bad[i] };
        set_strs(4, 3, list);
        EXPECT(RN_ECOUNTRY, "policy.issuer_countries", 3);
        start(PROTO_KIND_PATHWAY);
        mp_buf *v = val();
        mp_put_map(v, 1);
        mp_put_uint(v, 4);
        put_strs(v, 1, &bad[i]);
        set(7);
        EXPECT(RN_ECOUNTRY, "pathway.rule.issuer_countries", 1);
    }
    start(PROTO_KIND_PROVIDER);
    set_str(3, "IRL");
    EXPECT(RN_ELEN, "provider.country", 0);
    set_str(3, "I");
    EXPECT(RN_ECOUNTRY, "provider.country", 0);
    set_str(3, "GR");
    set_str(1, "GR:eap");
    EXPECT_OK();

    /* All 30 countries at once is the bound of a policy; duplicates are inconsistent. */
    start(PROTO_KIND_POLICY);
    const char *all[PROTO_COUNTRIES_COUNT + 1];
    for (size_t i = 0; i < PROTO_COUNTRIES_COUNT; i++)
        all[i] = proto_country_at(i)->alpha2;
    set_strs(4, PROTO_COUNTRIES_COUNT, all);
    EXPECT_OK();
    all[PROTO_COUNTRIES_COUNT] = "IE";
    set_strs(4, PROTO_COUNTRIES_COUNT + 1, all);
    EXPECT(RN_ECOUNT, "policy.issuer_countries", 0);
    const char *dup[3] = { "BE", "IE", "BE" };
    set_strs(4, 3, dup);
    EXPECT(RN_EINCONSISTENT, "policy.issuer_countries", 3);
}

static void test_isced(void **state)
{
    (void)state;
    static const char *const bad[] = { "688", "0689", "6", "0a", "98" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        start(PROTO_KIND_SPEC);
        set_str(8, bad[i]);
        EXPECT(RN_EISCED, "spec.isced", 0);
        start(PROTO_KIND_POLICY);
        const char *list[2] = { "06", bad[i] };
        set_strs(9, 2, list);
        EXPECT(RN_EISCED, "policy.isced_prefixes", 2);
    }
    start(PROTO_KIND_SPEC);
    set_str(8, "06881");
    EXPECT(RN_ELEN, "spec.isced", 0);
    set_str(8, "9999"); /* "Field unknown" is a code of the list */
    EXPECT_OK();
    set_str(8, "06"); /* a broad field is a code too */
    EXPECT_OK();
    /* Prefixes: at the bound, one past, repeated. */
    start(PROTO_KIND_POLICY);
    const char *p[RN_ISCED_PREFIXES_MAX + 1];
    for (size_t i = 0; i <= RN_ISCED_PREFIXES_MAX; i++)
        p[i] = proto_codes_isced_at(i, NULL);
    set_strs(9, RN_ISCED_PREFIXES_MAX, p);
    EXPECT_OK();
    set_strs(9, RN_ISCED_PREFIXES_MAX + 1, p);
    EXPECT(RN_ECOUNT, "policy.isced_prefixes", 0);
    const char *dup[2] = { "06", "06" };
    set_strs(9, 2, dup);
    EXPECT(RN_EINCONSISTENT, "policy.isced_prefixes", 2);
}

/* ---- Numbers ---- */

typedef struct num_case {
    proto_kind kind;
    uint64_t key;
    const char *name;
    uint64_t lo, hi; /* the valid range */
    int err;         /* below lo, above hi */
} num_case;

static void test_numbers(void **state)
{
    (void)state;
    static const num_case cases[] = {
        { PROTO_KIND_PROVIDER, 5, "provider.qa_status", 1, 3, RN_EENUM },
        { PROTO_KIND_PROVIDER, 8, "provider.status", 1, 3, RN_EENUM },
        { PROTO_KIND_SPEC, 5, "spec.ects", 1, RN_ECTS_CENTI_MAX, RN_EECTS },
        { PROTO_KIND_SPEC, 6, "spec.eqf", 1, 8, RN_EEQF },
        { PROTO_KIND_SPEC, 9, "spec.assessment", 1, 4, RN_EVOCAB },
        { PROTO_KIND_SPEC, 10, "spec.participation", 1, 5, RN_EVOCAB },
        { PROTO_KIND_SPEC, 11, "spec.qa_type", 1, 2, RN_EVOCAB },
        { PROTO_KIND_SPEC, 14, "spec.supervision", 1, 4, RN_EVOCAB },
        { PROTO_KIND_SPEC, 16, "spec.stackability", 2, 2, RN_EENUM }, /* 1 conflicts: part_of */
        { PROTO_KIND_SPEC, 21, "spec.status", 1, 2, RN_EENUM },
        { PROTO_KIND_DECISION, 3, "decision.purpose", 1, 3, RN_EENUM },
        { PROTO_KIND_DECISION, 5, "decision.ects", 0, RN_ECTS_CENTI_MAX, RN_EECTS },
        { PROTO_KIND_DECISION, 6, "decision.eqf", 1, 8, RN_EEQF },
        { PROTO_KIND_POLICY, 2, "policy.purpose", 1, 3, RN_EENUM },
        { PROTO_KIND_POLICY, 5, "policy.eqf_min", 1, 6, RN_EEQF }, /* above 6 passes eqf_max */
        { PROTO_KIND_POLICY, 6, "policy.eqf_max", 4, 8, RN_EEQF }, /* below 4 is under eqf_min */
        { PROTO_KIND_POLICY, 7, "policy.ects_min", 1, RN_ECTS_CENTI_MAX, RN_EECTS },
        { PROTO_KIND_POLICY, 13, "policy.status", 1, 2, RN_EENUM },
        { PROTO_KIND_PATHWAY, 3, "pathway.eqf", 1, 8, RN_EEQF },
        { PROTO_KIND_PATHWAY, 4, "pathway.ects_min", 1, RN_PATHWAY_ECTS_CENTI_MAX, RN_EECTS },
        { PROTO_KIND_PATHWAY, 10, "pathway.status", 1, 2, RN_EENUM },
        { PROTO_KIND_REVOCATION, 3, "revocation.reason", 1, 4, RN_EENUM },
        { PROTO_KIND_REVOCATION, 5, "revocation.status_index", 0, RN_STATUS_INDEX_MAX, RN_ECOUNT },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const num_case *c = &cases[i];
        start(c->kind);
        set_uint(c->key, c->lo);
        EXPECT_OK();
        set_uint(c->key, c->hi);
        EXPECT_OK();
        set_uint(c->key, c->hi + 1);
        if (c->kind == PROTO_KIND_POLICY && c->key == 5) /* 7 is in range, above eqf_max */
            EXPECT(RN_EINCONSISTENT, "policy.eqf_max", 0);
        else
            EXPECT(c->err, c->name, 0);
        set_uint(c->key, UINT64_MAX);
        EXPECT(c->err, c->name, 0);
        if (c->lo > 0) {
            set_uint(c->key, 0);
            EXPECT(c->err, c->name, 0);
        }
    }
    /* The ones the table cannot say simply. */
    start(PROTO_KIND_POLICY);
    set_uint(6, 3);
    EXPECT(RN_EINCONSISTENT, "policy.eqf_max", 0);
    start(PROTO_KIND_SPEC);
    set_uint(16, 0);
    EXPECT(RN_EENUM, "spec.stackability", 0);
    set_uint(16, 3);
    EXPECT(RN_EENUM, "spec.stackability", 0);
    del(17);
    set_uint(16, PROTO_STACK_STAND_ALONE);
    EXPECT_OK();
    /* Outcome 1-4 and difference types 1-5 (in a body where the rules allow each). */
    start(PROTO_KIND_DECISION);
    set_uint(4, 0);
    EXPECT(RN_EENUM, "decision.outcome", 0);
    set_uint(4, 5);
    EXPECT(RN_EENUM, "decision.outcome", 0);
    for (uint64_t o = 1; o <= 3; o++) {
        set_uint(4, o);
        EXPECT_OK();
    }
    for (uint64_t t = 0; t <= 6; t++) {
        mp_buf *v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_uint(v, t);
        mp_put_uint(v, 2);
        mp_put_cstr(v, "Level of the programme differs");
        set(7);
        if (t >= 1 && t <= 5)
            EXPECT_OK();
        else
            EXPECT(RN_EENUM, "decision.differences.type", 1);
    }
    /* A number in a longer form than needed. */
    start(PROTO_KIND_SPEC);
    mp_buf_raw(val(), "\xcc\x06", 2);
    set(6);
    EXPECT(RN_ENONCANON, "spec.eqf", 0);
}

static void test_times(void **state)
{
    (void)state;
    static const struct {
        proto_kind kind;
        uint64_t from, until;
        const char *from_name, *until_name;
    } t[] = {
        { PROTO_KIND_SPEC, 19, 20, "spec.valid_from", "spec.valid_until" },
        { PROTO_KIND_DECISION, 10, 11, "decision.valid_from", "decision.valid_until" },
        { PROTO_KIND_POLICY, 11, 12, "policy.valid_from", "policy.valid_until" },
        { PROTO_KIND_PATHWAY, 8, 9, "pathway.valid_from", "pathway.valid_until" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        start(t[i].kind);
        set_uint(t[i].from, RN_TIME_MS_MAX + 1);
        EXPECT(RN_ETIME, t[i].from_name, 0);
        set_uint(t[i].from, T_2024_09_01);
        set_uint(t[i].until, RN_TIME_MS_MAX + 1);
        EXPECT(RN_ETIME, t[i].until_name, 0);
        set_uint(t[i].until, RN_TIME_MS_MAX);
        EXPECT_OK();
        set_uint(t[i].until, T_2024_09_01 + 1);
        EXPECT_OK();
        set_uint(t[i].until, T_2024_09_01);
        EXPECT(RN_EDATES, t[i].until_name, 0);
        set_uint(t[i].until, T_2024_01_15);
        EXPECT(RN_EDATES, t[i].until_name, 0);
        /* A present valid_until of 0 is an empty range, never "absent". */
        set_uint(t[i].from, 0);
        set_uint(t[i].until, 0);
        EXPECT(RN_EDATES, t[i].until_name, 0);
        del(t[i].until);
        EXPECT_OK();
    }
    start(PROTO_KIND_REVOCATION);
    set_uint(4, RN_TIME_MS_MAX);
    EXPECT_OK();
    set_uint(4, RN_TIME_MS_MAX + 1);
    EXPECT(RN_ETIME, "revocation.revoked_at", 0);
    set_uint(4, 0);
    EXPECT_OK();
}

/* ---- Languages, URLs, byte strings ---- */

static void test_langs(void **state)
{
    (void)state;
    static const char *const bad[] = { "EN", "En", "e1", "e-", "é" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        start(PROTO_KIND_SPEC);
        const char *l[2] = { "en", bad[i] };
        set_strs(12, 2, l);
        EXPECT(strlen(bad[i]) > 2 ? RN_ELEN : RN_ELANG, "spec.languages", 2);
        mp_buf *v = val();
        mp_put_map(v, 1);
        mp_put_cstr(v, bad[i]);
        mp_put_cstr(v, "Digital micro-credential creation");
        start(PROTO_KIND_SPEC);
        set(3);
        EXPECT(strlen(bad[i]) > 2 ? RN_ELEN : RN_ELANG, "spec.title", 1);
    }
    start(PROTO_KIND_SPEC);
    const char *three[1] = { "eng" };
    set_strs(12, 1, three);
    EXPECT(RN_ELEN, "spec.languages", 1);
    const char *dup[3] = { "en", "ga", "en" };
    set_strs(12, 3, dup);
    EXPECT(RN_EINCONSISTENT, "spec.languages", 3);
    /* 40 languages, for the 24 official languages of the EU, those of the EEA members and
     * co-official regional ones; a 41st is one too many. */
    static_assert(RN_LANGS_MAX == 40, "the list below has RN_LANGS_MAX + 1 languages");
    const char *max[RN_LANGS_MAX + 1];
    for (unsigned i = 0; i <= RN_LANGS_MAX; i++)
        max[i] = langs41[RN_LANGS_MAX - i]; /* any order: a list, not a map */
    set_strs(12, RN_LANGS_MAX, max);
    EXPECT_OK();
    set_strs(12, RN_LANGS_MAX + 1, max);
    EXPECT(RN_ECOUNT, "spec.languages", 0);
    set_strs(12, 0, max);
    EXPECT(RN_ECOUNT, "spec.languages", 0);
    set_strs(12, 1, max);

    /* Titles: keys strictly ascending, at most RN_LANGS_MAX, at least one. */
    for (unsigned n = 0; n <= RN_LANGS_MAX + 1; n++) {
        mp_buf *v = val();
        mp_put_map(v, n);
        for (unsigned i = 0; i < n; i++) {
            mp_put_cstr(v, langs41[i]);
            mp_put_cstr(v, "Digital micro-credential creation");
        }
        set(3);
        if (n >= 1 && n <= RN_LANGS_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "spec.title", 0);
    }
    mp_buf *v = val();
    mp_put_map(v, 2);
    mp_put_cstr(v, "nl");
    mp_put_cstr(v, "Minor Psychologie");
    mp_put_cstr(v, "en");
    mp_put_cstr(v, "Minor in Psychology");
    set(3);
    EXPECT(RN_EFIELDORDER, "spec.title", 2);
    v = val();
    mp_put_map(v, 2);
    mp_put_cstr(v, "en");
    mp_put_cstr(v, "Minor in Psychology");
    mp_put_cstr(v, "en");
    mp_put_cstr(v, "Minor Psychology");
    set(3);
    EXPECT(RN_EFIELDORDER, "spec.title", 2);
    v = val();
    mp_put_map(v, 1);
    mp_put_cstr(v, "en");
    mp_put_str(v, "", 0);
    set(3);
    EXPECT(RN_ELEN, "spec.title", 1);
    v = val();
    mp_put_map(v, 1);
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Minor in Psychology");
    set(3);
    EXPECT(RN_ETYPE, "spec.title", 1);
}

/* An outcome's translations (PROTOCOL.md 3.5, key 3): a map lang -> text(1024) in the form of a
 * title, 1-40 languages in ascending order, optional. Errors name spec.outcomes.translations with
 * the position of the language within the map, or of the outcome for the map itself. */
static void put_outcome(mp_buf *v, const char *text, unsigned n_trans, size_t trans_bytes)
{
    mp_put_map(v, n_trans > 0 ? 2 : 1);
    mp_put_uint(v, 1);
    mp_put_cstr(v, text);
    if (n_trans == 0)
        return;
    mp_put_uint(v, 3);
    mp_put_map(v, n_trans);
    for (unsigned i = 0; i < n_trans; i++) {
        mp_put_cstr(v, langs41[i]);
        put_fill(v, trans_bytes, 'x');
    }
}

static void test_outcome_translations(void **state)
{
    (void)state;
    /* 1 to 40 languages are accepted, on the second outcome; 41 are RN_ECOUNT at outcome 2. */
    for (unsigned n = 1; n <= RN_LANGS_MAX + 1; n++) {
        start(PROTO_KIND_SPEC);
        mp_buf *v = val();
        mp_put_array(v, 2);
        put_outcome(v, "Communication, collaboration and creativity", 0, 0);
        put_outcome(v, "Developing digital content", n, 40);
        set(4);
        if (n <= RN_LANGS_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "spec.outcomes.translations", 2);
    }
    /* Present but empty. */
    start(PROTO_KIND_SPEC);
    mp_buf *v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 2);
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Developing digital content");
    mp_put_uint(v, 3);
    mp_put_map(v, 0);
    set(4);
    EXPECT(RN_ECOUNT, "spec.outcomes.translations", 1);
    /* Texts of 1 and 1024 bytes are accepted, 0 and 1025 are RN_ELEN at the language. */
    static const size_t lens[] = { 1, RN_OUTCOME_BYTES_MAX, 0, RN_OUTCOME_BYTES_MAX + 1 };
    for (size_t k = 0; k < 4; k++) {
        v = val();
        mp_put_array(v, 1);
        put_outcome(v, "Developing digital content", 3, lens[k]);
        set(4);
        if (k < 2)
            EXPECT_OK();
        else
            EXPECT(RN_ELEN, "spec.outcomes.translations", 1);
    }
    /* Languages out of order or repeated; a bad language; a key of the wrong type; text that is
     * not UTF-8; a list instead of a map. */
    static const char *const pairs[][2] = { { "nl", "en" }, { "fr", "fr" } };
    for (size_t k = 0; k < 2; k++) {
        v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_cstr(v, "Developing digital content");
        mp_put_uint(v, 3);
        mp_put_map(v, 2);
        mp_put_cstr(v, pairs[k][0]);
        mp_put_cstr(v, "a");
        mp_put_cstr(v, pairs[k][1]);
        mp_put_cstr(v, "b");
        set(4);
        EXPECT(RN_EFIELDORDER, "spec.outcomes.translations", 2);
    }
    static const struct {
        int key_type; /* 0 str, 1 uint */
        const char *key, *text;
        int code;
    } bad[] = { { 0, "EN", "a", RN_ELANG },
                { 0, "eng", "a", RN_ELEN },
                { 1, NULL, "a", RN_ETYPE },
                { 0, "en", "\xc3\x28", RN_EUTF8 } };
    for (size_t k = 0; k < sizeof(bad) / sizeof(bad[0]); k++) {
        v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_cstr(v, "Developing digital content");
        mp_put_uint(v, 3);
        mp_put_map(v, 1);
        if (bad[k].key_type == 1)
            mp_put_uint(v, 7);
        else
            mp_put_cstr(v, bad[k].key);
        mp_put_cstr(v, bad[k].text);
        set(4);
        EXPECT(bad[k].code, "spec.outcomes.translations", 1);
    }
    v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 2);
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Developing digital content");
    mp_put_uint(v, 3);
    mp_put_array(v, 1);
    mp_put_cstr(v, "en");
    set(4);
    EXPECT(RN_ETYPE, "spec.outcomes.translations", 1);
    /* Key 3 after key 2 (ESCO), and before it: out of order. */
    v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 3);
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Developing digital content");
    mp_put_uint(v, 3);
    mp_put_map(v, 1);
    mp_put_cstr(v, "fr");
    mp_put_cstr(v, "Développer des contenus numériques");
    mp_put_uint(v, 2);
    mp_put_array(v, 1);
    mp_put_cstr(v, "http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a");
    set(4);
    EXPECT(RN_EFIELDORDER, "spec.outcomes", 1);

    /* Through the encoder: a translation count past the array is RN_ECOUNT, an unsorted map is
     * refused as the decoder would refuse it. */
    proto_record r;
    rn_diag d = { 0 };
    make_spec(&r, true);
    r.u.spec.outcomes[1].translations[0].lang = S("nl");
    assert_int_equal(proto_record_validate(&r, &d), RN_EFIELDORDER);
    assert_string_equal(d.field, "spec.outcomes.translations");
    assert_int_equal(d.index, 2);
}

/* The body bound holds for a spec at every bound: a body over RN_RECORD_BYTES_MAX is refused
 * (RN_ETOOBIG) by the encoder and the decoder alike, however its fields are within their own
 * bounds (32 outcomes of 1 KiB in 40 languages would be some 1.3 MB). */
static void test_spec_at_every_bound(void **state)
{
    (void)state;
    static char text[RN_OUTCOME_BYTES_MAX];
    proto_record r;
    mp_buf b;
    rn_diag d = { 0 };
    memset(text, 'x', sizeof(text));
    make_spec(&r, true);
    proto_spec *s = &r.u.spec;
    s->title_n = RN_LANGS_MAX;
    s->languages_n = RN_LANGS_MAX;
    for (unsigned i = 0; i < RN_LANGS_MAX; i++) {
        s->title[i] =
            (proto_lang_text){ S(langs41[i]), { (const uint8_t *)text, RN_NAME_BYTES_MAX } };
        s->languages[i] = S(langs41[i]);
    }
    /* Every title at its longest in every language fits with room to spare. */
    assert_int_equal(proto_record_validate(&r, &d), 0);
    s->outcomes_n = RN_OUTCOMES_MAX;
    for (unsigned o = 0; o < RN_OUTCOMES_MAX; o++) {
        s->outcomes[o] = (proto_outcome){ .text = { (const uint8_t *)text, RN_OUTCOME_BYTES_MAX } };
        s->outcomes[o].translations_n = RN_LANGS_MAX;
        for (unsigned i = 0; i < RN_LANGS_MAX; i++)
            s->outcomes[o].translations[i] =
                (proto_lang_text){ S(langs41[i]), { (const uint8_t *)text, RN_OUTCOME_BYTES_MAX } };
    }
    mp_buf_init(&b, 4u << 20);
    assert_int_equal(proto_record_encode(&r, &b), RN_ETOOBIG);
    assert_int_equal(b.len, 0);
    assert_int_equal(proto_record_validate(&r, &d), RN_ETOOBIG);
    assert_string_equal(d.field, "spec");
    mp_buf_free(&b);
    /* Translated outcomes up to the bound fit: 32 outcomes in 2 languages of 900 bytes each. */
    for (unsigned o = 0; o < RN_OUTCOMES_MAX; o++) {
        s->outcomes[o].text.len = 900;
        s->outcomes[o].translations_n = 1;
        s->outcomes[o].translations[0].text.len = 900;
    }
    s->title_n = 1;
    assert_int_equal(proto_record_validate(&r, &d), 0);
}

static void test_urls(void **state)
{
    (void)state;
    static const char *const good[] = { "http://x", "https://uniz.edu",
                                        "https://example.com/a?b=c#d",
                                        "https://de.wikipedia.org/wiki/Universität" };
    static const char *const bad[] = { "ftp://uniz.edu",
                                       "https://",
                                       "http://",
                                       "uniz.edu",
                                       "HTTPS://uniz.edu",
                                       "https://uniz.edu/a b",
                                       "https://uniz.edu/\x7f",
                                       "https:/uniz.edu",
                                       "mailto:info@resa.edu",
                                       "https://uniz.edu\n" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        start(PROTO_KIND_PROVIDER);
        set_str(9, good[i]);
        EXPECT_OK();
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        start(PROTO_KIND_PROVIDER);
        set_str(9, bad[i]);
        EXPECT(RN_EURL, "provider.url", 0);
        start(PROTO_KIND_SPEC);
        set_str(18, bad[i]);
        EXPECT(RN_EURL, "spec.url", 0);
        mp_buf *v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_cstr(v, "Developing digital content");
        mp_put_uint(v, 2);
        put_strs(v, 1, &bad[i]);
        set(4);
        EXPECT(RN_EURL, "spec.outcomes.esco", 1);
    }
}

static void test_bytes(void **state)
{
    (void)state;
    uint8_t b[PROTO_DIGEST_BYTES + 1];
    memset(b, 0xab, sizeof(b));
    start(PROTO_KIND_REVOCATION);
    mp_put_bin(val(), b, PROTO_DIGEST_BYTES - 1);
    set(1);
    EXPECT(RN_ELEN, "revocation.credential", 0);
    mp_put_bin(val(), b, PROTO_DIGEST_BYTES + 1);
    set(1);
    EXPECT(RN_ELEN, "revocation.credential", 0);
    mp_put_str(val(), b, PROTO_DIGEST_BYTES);
    set(1);
    EXPECT(RN_ETYPE, "revocation.credential", 0);
    mp_put_bin(val(), b, PROTO_DIGEST_BYTES);
    set(1);
    EXPECT_OK();
}

/* ---- Lists and nested maps ---- */

static void put_key(mp_buf *v, const uint8_t *k, uint64_t from, uint64_t until, unsigned n)
{
    mp_put_array(v, n);
    if (n >= 1)
        mp_put_bin(v, k, PROTO_KEY_BYTES);
    if (n >= 2)
        mp_put_uint(v, from);
    if (n >= 3) {
        if (until == 0)
            mp_put_nil(v);
        else
            mp_put_uint(v, until);
    }
    if (n >= 4)
        mp_put_uint(v, 0);
}

static void test_issuer_keys(void **state)
{
    (void)state;
    uint8_t keys[RN_ISSUER_KEYS_MAX + 1][PROTO_KEY_BYTES];
    for (unsigned i = 0; i <= RN_ISSUER_KEYS_MAX; i++) {
        char label[32];
        snprintf(label, sizeof(label), "issuer key %u", i);
        test_key(keys[i], label);
    }
    start(PROTO_KIND_PROVIDER);
    for (unsigned n = 0; n <= RN_ISSUER_KEYS_MAX + 1; n++) {
        mp_buf *v = val();
        mp_put_array(v, n);
        for (unsigned i = 0; i < n; i++)
            put_key(v, keys[i], T_2022_12_31 + i, 0, 3);
        set(7);
        if (n >= 1 && n <= RN_ISSUER_KEYS_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "provider.issuer_keys", 0);
    }
    /* Arrays of 2 and 4. */
    for (unsigned m = 2; m <= 4; m += 2) {
        mp_buf *v = val();
        mp_put_array(v, 2);
        put_key(v, keys[0], T_2022_12_31, 0, 3);
        put_key(v, keys[1], T_2022_12_31, 0, m);
        set(7);
        EXPECT(RN_ECOUNT, "provider.issuer_keys", 2);
    }
    mp_buf *v = val();
    mp_put_array(v, 2);
    put_key(v, keys[0], T_2022_12_31, 0, 3);
    put_key(v, keys[0], T_2023_06_01, 0, 3);
    set(7);
    EXPECT(RN_EINCONSISTENT, "provider.issuer_keys.key", 2);
    v = val();
    mp_put_array(v, 1);
    put_key(v, keys[0], T_2023_06_01, T_2023_06_01, 3);
    set(7);
    EXPECT(RN_EDATES, "provider.issuer_keys.valid_until", 1);
    v = val();
    mp_put_array(v, 1);
    put_key(v, keys[0], RN_TIME_MS_MAX + 1, 0, 3);
    set(7);
    EXPECT(RN_ETIME, "provider.issuer_keys.valid_from", 1);
    v = val();
    mp_put_array(v, 1);
    put_key(v, keys[0], T_2023_06_01, RN_TIME_MS_MAX + 1, 3);
    set(7);
    EXPECT(RN_ETIME, "provider.issuer_keys.valid_until", 1);
    v = val();
    mp_put_array(v, 1);
    mp_put_array(v, 3);
    mp_put_bin(v, keys[0], PROTO_KEY_BYTES - 1);
    mp_put_uint(v, T_2023_06_01);
    mp_put_nil(v);
    set(7);
    EXPECT(RN_ELEN, "provider.issuer_keys.key", 1);
    v = val();
    mp_put_array(v, 1);
    mp_put_array(v, 3);
    mp_put_bin(v, keys[0], PROTO_KEY_BYTES);
    mp_put_nil(v);
    mp_put_nil(v);
    set(7);
    EXPECT(RN_ETYPE, "provider.issuer_keys.valid_from", 1);
    v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 0);
    set(7);
    EXPECT(RN_ETYPE, "provider.issuer_keys", 1);
}

/* An issuer key that is not a valid Ed25519 public key (PROTOCOL.md 4.1: a canonical point of the
 * prime-order subgroup, not of small order) can never verify a credential's signature: it is
 * refused with RN_EKEY, naming the key and its position. */
static void test_issuer_key_points(void **state)
{
    (void)state;
    uint8_t bad[4][PROTO_KEY_BYTES];
    memset(bad[0], 0, PROTO_KEY_BYTES); /* all zero: a point of small order */
    memset(bad[1], 0, PROTO_KEY_BYTES); /* the identity (0, 1) */
    bad[1][0] = 1;
    memset(bad[2], 0xff, PROTO_KEY_BYTES); /* y >= p: not canonical */
    bad[2][31] = 0x7f;
    memset(bad[3], 0, PROTO_KEY_BYTES); /* y = 2: no x gives a point on the curve */
    bad[3][0] = 2;
    for (unsigned b = 0; b < 4; b++) {
        assert_false(crypto_core_ed25519_is_valid_point(bad[b]));
        for (unsigned at = 1; at <= 2; at++) {
            start(PROTO_KIND_PROVIDER);
            mp_buf *v = val();
            mp_put_array(v, 2);
            put_key(v, at == 1 ? bad[b] : key_a, T_2022_12_31, 0, 3);
            put_key(v, at == 2 ? bad[b] : key_b, T_2023_06_01, 0, 3);
            set(7);
            EXPECT(RN_EKEY, "provider.issuer_keys.key", at);
        }
    }
    /* Through the encoder as well: proto_record_validate names the key. */
    proto_record r;
    rn_diag d = { 0 };
    make_provider(&r, true);
    r.u.provider.issuer_keys[1].key = bad[0];
    assert_int_equal(proto_record_validate(&r, &d), RN_EKEY);
    assert_string_equal(d.field, "provider.issuer_keys.key");
    assert_int_equal(d.index, 2);
}

/* One issuer key of a later form, an array of `m` items (4 is right). */
static void put_key_ext(mp_buf *v, uint64_t form, const char *key, uint64_t from, uint64_t until,
                        unsigned m)
{
    mp_put_array(v, m);
    mp_put_uint(v, form);
    mp_put_cstr(v, key);
    if (m >= 3)
        mp_put_uint(v, from);
    if (m >= 4) {
        if (until == 0)
            mp_put_nil(v);
        else
            mp_put_uint(v, until);
    }
    for (unsigned i = 4; i < m; i++)
        mp_put_nil(v);
}

/* A provider whose field 10 is the one key given. */
static void one_key_ext(uint64_t form, const char *key, uint64_t from, uint64_t until)
{
    start(PROTO_KIND_PROVIDER);
    mp_buf *v = val();
    mp_put_array(v, 1);
    put_key_ext(v, form, key, from, until, 4);
    set(10);
}

/* provider.issuer_keys_ext (PROTOCOL.md 3.4): every form accepted in its canonical text, and
 * refused for each thing that can be wrong with it. */
static void test_issuer_keys_ext(void **state)
{
    (void)state;
    static const char *const good[][2] = {
        { "1", JWK_EC },
        { "1", JWK_RSA },
        { "1", JWK_OKP },
        { "2", DID_KEY },
        { "2", DID_KEY "#z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi" },
        { "2", "did:web:uniz.edu" },
        { "2", "did:web:localhost%3A8443:issuers:565049#key-1" },
        { "2", "did:jwk:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6IkEifQ#0" },
    };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        one_key_ext((uint64_t)(good[i][0][0] - '0'), good[i][1], T_2022_12_31, 0);
        EXPECT_OK();
    }
    static const char *const bad_jwk[] = {
        /* members out of order, whitespace, extra or private members, other types and curves */
        "{\"kty\":\"EC\",\"crv\":\"P-256\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\","
        "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
        "{\"crv\":\"P-256\", \"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\","
        "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\","
        "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\",\"d\":\"AAAA\"}",
        "{\"crv\":\"P-256\",\"d\":\"AAAA\",\"kty\":\"EC\",\"x\":"
        "\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33h"
        "C4kzQtes\",\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
        "{\"crv\":\"P-384\",\"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\","
        "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
        "{\"k\":\"c2VjcmV0\",\"kty\":\"oct\"}",
        /* padded base64url, a standard base64 digit, bits left over, a short coordinate */
        "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"" RSA_N "==\"}",
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQte+\","
        "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtet\","
        "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
        "{\"crv\":\"P-256\",\"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQt\","
        "\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
        /* RSA: an even exponent, a leading zero byte, a 1024-bit modulus */
        "{\"e\":\"AQAA\",\"kty\":\"RSA\",\"n\":\"" RSA_N "\"}",
        "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"AA" RSA_N "\"}",
        "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":\"04q_KmxLWmWsBSv-sHlesyD6lFf_"
        "HkKiLE6TBQvWP3E8QgYzf1Yu"
        "wH3lijpcyFPEEXWxlN7G1Xxr_grj2-GPcwRfvf-"
        "UDkKxgQwSQbnW6xCZsU9qi5dEnkU7LfOYz0mYVxAzjgM1LRtVDMnrqnR6Y"
        "RX1vQ7mY9kzH3xhw92MA\"}",
        /* Ed25519: all-zero x is of small order */
        "{\"crv\":\"Ed25519\",\"kty\":\"OKP\",\"x\":"
        "\"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\"}",
        /* a DID given as a JWK, trailing bytes */
        DID_KEY,
        JWK_EC " ",
    };
    for (size_t i = 0; i < sizeof(bad_jwk) / sizeof(bad_jwk[0]); i++) {
        one_key_ext(PROTO_KEY_FORM_JWK, bad_jwk[i], T_2022_12_31, 0);
        EXPECT(RN_EKEY, "provider.issuer_keys_ext.key", 1);
    }
    static const char *const bad_did[] = {
        "did:example:123",    /* a method recnet does not resolve */
        "did:key:",           /* empty method-specific id */
        "did:web:uniz.edu:",  /* ends with a colon */
        "did:key:6Mkj",       /* not multibase base58btc */
        "did:web:uniz.edu/x", /* a path */
        "did:web:uniz.edu#",  /* an empty fragment */
        "did:web:uniz edu",   /* a space */
        "did:web:uniz.edu%2", /* a broken percent-encoding */
        "DID:web:uniz.edu",   /* the scheme is lower case */
        "did:jwk:e30.x",      /* did:jwk is base64url */
        JWK_EC,               /* a JWK given as a DID */
    };
    for (size_t i = 0; i < sizeof(bad_did) / sizeof(bad_did[0]); i++) {
        one_key_ext(PROTO_KEY_FORM_DID, bad_did[i], T_2022_12_31, 0);
        EXPECT(RN_EKEY, "provider.issuer_keys_ext.key", 1);
    }
    /* Length: a DID at its bound and one past, a JWK past its own. */
    static char did[RN_ISSUER_DID_BYTES_MAX + 2];
    memset(did, 'a', sizeof(did) - 1);
    memcpy(did, "did:web:", 8);
    did[RN_ISSUER_DID_BYTES_MAX] = '\0';
    one_key_ext(PROTO_KEY_FORM_DID, did, T_2022_12_31, 0);
    EXPECT_OK();
    did[RN_ISSUER_DID_BYTES_MAX] = 'a';
    one_key_ext(PROTO_KEY_FORM_DID, did, T_2022_12_31, 0);
    EXPECT(RN_ELEN, "provider.issuer_keys_ext.key", 1);
    did[RN_ISSUER_JWK_BYTES_MAX + 1] = '\0';
    one_key_ext(PROTO_KEY_FORM_JWK, did, T_2022_12_31, 0);
    EXPECT(RN_ELEN, "provider.issuer_keys_ext.key", 1);
    one_key_ext(PROTO_KEY_FORM_DID, "", T_2022_12_31, 0);
    EXPECT(RN_ELEN, "provider.issuer_keys_ext.key", 1);
    /* Form: 0 and 3 are not forms. */
    one_key_ext(0, DID_KEY, T_2022_12_31, 0);
    EXPECT(RN_EENUM, "provider.issuer_keys_ext.form", 1);
    one_key_ext(3, DID_KEY, T_2022_12_31, 0);
    EXPECT(RN_EENUM, "provider.issuer_keys_ext.form", 1);
    /* The window: reversed, empty, past the last time. */
    one_key_ext(PROTO_KEY_FORM_JWK, JWK_EC, T_2023_06_01, T_2022_12_31);
    EXPECT(RN_EDATES, "provider.issuer_keys_ext.valid_until", 1);
    one_key_ext(PROTO_KEY_FORM_JWK, JWK_EC, T_2023_06_01, T_2023_06_01);
    EXPECT(RN_EDATES, "provider.issuer_keys_ext.valid_until", 1);
    one_key_ext(PROTO_KEY_FORM_JWK, JWK_EC, RN_TIME_MS_MAX + 1, 0);
    EXPECT(RN_ETIME, "provider.issuer_keys_ext.valid_from", 1);
    one_key_ext(PROTO_KEY_FORM_JWK, JWK_EC, T_2023_06_01, RN_TIME_MS_MAX + 1);
    EXPECT(RN_ETIME, "provider.issuer_keys_ext.valid_until", 1);
    /* Count, shape and duplicates. */
    start(PROTO_KIND_PROVIDER);
    for (unsigned n = 0; n <= RN_ISSUER_KEYS_EXT_MAX + 1; n++) {
        char text[64];
        mp_buf *v = val();
        mp_put_array(v, n);
        for (unsigned i = 0; i < n; i++) {
            snprintf(text, sizeof(text), "did:web:uniz.edu#key-%u", i);
            put_key_ext(v, PROTO_KEY_FORM_DID, text, T_2022_12_31 + i, 0, 4);
        }
        set(10);
        if (n >= 1 && n <= RN_ISSUER_KEYS_EXT_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "provider.issuer_keys_ext", 0);
    }
    for (unsigned m = 3; m <= 5; m += 2) {
        mp_buf *v = val();
        mp_put_array(v, 1);
        put_key_ext(v, PROTO_KEY_FORM_JWK, JWK_EC, T_2022_12_31, 0, m);
        set(10);
        EXPECT(RN_ECOUNT, "provider.issuer_keys_ext", 1);
    }
    mp_buf *v = val();
    mp_put_array(v, 2);
    put_key_ext(v, PROTO_KEY_FORM_JWK, JWK_RSA, T_2022_12_31, 0, 4);
    put_key_ext(v, PROTO_KEY_FORM_JWK, JWK_RSA, T_2023_06_01, 0, 4);
    set(10);
    EXPECT(RN_EINCONSISTENT, "provider.issuer_keys_ext.key", 2);
    v = val();
    mp_put_array(v, 1);
    mp_put_array(v, 4);
    mp_put_uint(v, PROTO_KEY_FORM_JWK);
    mp_put_bin(v, JWK_EC, strlen(JWK_EC));
    mp_put_uint(v, T_2022_12_31);
    mp_put_nil(v);
    set(10);
    EXPECT(RN_ETYPE, "provider.issuer_keys_ext.key", 1);

    /* The id is SHA-256 of the text: for a JWK, its RFC 7638 thumbprint. RFC 7638 section 3.1's
     * example key gives NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs. */
    static const char rfc7638[] =
        "{\"e\":\"AQAB\",\"kty\":\"RSA\",\"n\":"
        "\"0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4"
        "cbbfAAtVT86zwu1RK7aPFFxuhDR1L6tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-"
        "5JsGY4Hc5n9yBXArwl93lqt"
        "7_RN5w6Cf0h4QyQ5v-65YGjQR0_"
        "FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbI"
        "SD08qNLyrdkt-bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-"
        "kEgU8awapJzKnq"
        "DKgw\"}";
    static const uint8_t thumb[32] = { 0x37, 0x36, 0xcb, 0xb1, 0x78, 0x7c, 0xb8, 0x30,
                                       0x9c, 0x77, 0xee, 0x8c, 0x37, 0x05, 0xc5, 0xe1,
                                       0x6f, 0xfb, 0x9e, 0x85, 0x97, 0x15, 0x90, 0x1f,
                                       0x1e, 0x4c, 0x59, 0xb1, 0x11, 0x82, 0xf5, 0x7b };
    proto_issuer_key_ext k = { PROTO_KEY_FORM_JWK, S(rfc7638), 0, 0 };
    uint8_t id[PROTO_DIGEST_BYTES];
    proto_issuer_key_ext_id(&k, id);
    assert_memory_equal(id, thumb, 32);
    one_key_ext(PROTO_KEY_FORM_JWK, rfc7638, T_2022_12_31, 0);
    EXPECT_OK();
}

/* spec.source_ids (PROTOCOL.md 3.5): absolute URIs of any scheme, distinct, at most
 * RN_SOURCE_IDS_MAX, each of at most RN_URL_BYTES_MAX bytes. */
static void test_source_ids(void **state)
{
    (void)state;
    static const char *const good[] = { "urn:uuid:a63a60be-f4af-491e-87d6-2f2e8f5cd7a0",
                                        "https://example.com/achievements/ach-44ABA",
                                        "did:web:uniz.edu:achievements:1", "x:y" };
    static const char *const bad[] = { "ach-44ABA", ":nothing", "1urn:x", "urn:",
                                       "urn:a b",   "ur n:x",   "urn:x\n" };
    for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
        start(PROTO_KIND_SPEC);
        mp_buf *v = val();
        mp_put_array(v, 1);
        mp_put_cstr(v, good[i]);
        set(22);
        EXPECT_OK();
    }
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        start(PROTO_KIND_SPEC);
        mp_buf *v = val();
        mp_put_array(v, 2);
        mp_put_cstr(v, good[0]);
        mp_put_cstr(v, bad[i]);
        set(22);
        EXPECT(RN_EURL, "spec.source_ids", 2);
    }
    start(PROTO_KIND_SPEC);
    mp_buf *v = val();
    mp_put_array(v, 2);
    mp_put_cstr(v, good[1]);
    mp_put_cstr(v, good[1]);
    set(22);
    EXPECT(RN_EINCONSISTENT, "spec.source_ids", 2);
    for (unsigned n = 0; n <= RN_SOURCE_IDS_MAX + 1; n++) {
        char id[32];
        v = val();
        mp_put_array(v, n);
        for (unsigned i = 0; i < n; i++) {
            snprintf(id, sizeof(id), "urn:x:%u", i);
            mp_put_cstr(v, id);
        }
        set(22);
        if (n >= 1 && n <= RN_SOURCE_IDS_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "spec.source_ids", 0);
    }
    v = val();
    mp_put_array(v, 1);
    put_padded(v, "urn:", RN_URL_BYTES_MAX, 'a');
    set(22);
    EXPECT_OK();
    v = val();
    mp_put_array(v, 1);
    put_padded(v, "urn:", RN_URL_BYTES_MAX + 1, 'a');
    set(22);
    EXPECT(RN_ELEN, "spec.source_ids", 1);
}

/* A provider of the first record form (no field 10) encodes to the bytes it always had: the field
 * is left out when there are no such keys, so old records keep their ids. */
static void test_issuer_keys_ext_old_form(void **state)
{
    (void)state;
    proto_record r, back;
    mp_buf a, b;
    make_provider(&r, true);
    mp_buf_init(&a, RN_RECORD_BYTES_MAX);
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    r.u.provider.issuer_keys_ext_n = 0;
    assert_int_equal(proto_record_encode(&r, &a), 0);
    /* The map has 9 pairs (fields 1-9) and no key 10. */
    assert_int_equal(a.data[0], 0x89);
    assert_int_equal(proto_record_decode(&back, PROTO_KIND_PROVIDER, a.data, a.len, NULL), 0);
    assert_int_equal(back.u.provider.issuer_keys_ext_n, 0);
    make_provider(&r, true);
    assert_int_equal(proto_record_encode(&r, &b), 0);
    assert_int_equal(b.data[0], 0x8a);
    assert_true(b.len > a.len);
    /* The first nine pairs are the same bytes. */
    assert_memory_equal(a.data + 1, b.data + 1, a.len - 1);
    mp_buf_free(&a);
    mp_buf_free(&b);
}

/* A revocation without status_index (record form 1) keeps the bytes of PROTOCOL.md 3.12; with
 * one (form 2) it gains key 5 after them, and index 0 is a value, not an absence. */
static void test_revocation_status_index(void **state)
{
    (void)state;
    static const uint8_t form1[] = {
        0x84, 0x01, 0xc4, 0x20, 0x1f, 0xca, 0x60, 0x9c, 0x40, 0xe0, 0x99, 0x26, 0x96, 0x34, 0xeb,
        0x50, 0x08, 0xf3, 0x05, 0x5b, 0x65, 0x37, 0x9b, 0x07, 0x5f, 0x46, 0x16, 0xd0, 0x3b, 0xd3,
        0x0f, 0x91, 0x83, 0xfc, 0x30, 0xd1, 0x02, 0xa7, 0x49, 0x45, 0x3a, 0x75, 0x6e, 0x69, 0x7a,
        0x03, 0x01, 0x04, 0xcf, 0x00, 0x00, 0x01, 0x8d, 0x0c, 0xab, 0xc4, 0x40,
    };
    proto_record r, back;
    mp_buf a;
    rn_diag d;
    assert_int_equal(sizeof(form1), 57);
    assert_int_equal(proto_record_decode(&r, PROTO_KIND_REVOCATION, form1, sizeof(form1), &d), 0);
    assert_false(r.u.revocation.has_status_index);
    mp_buf_init(&a, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(&r, &a), 0);
    assert_int_equal(a.len, sizeof(form1));
    assert_memory_equal(a.data, form1, sizeof(form1));
    /* Index 0: a fifth pair 05 00. */
    r.u.revocation.has_status_index = true;
    r.u.revocation.status_index = 0;
    a.len = 0;
    assert_int_equal(proto_record_encode(&r, &a), 0);
    assert_int_equal(a.len, sizeof(form1) + 2);
    assert_int_equal(a.data[0], 0x85);
    assert_memory_equal(a.data + 1, form1 + 1, sizeof(form1) - 1);
    assert_int_equal(a.data[57], 0x05);
    assert_int_equal(a.data[58], 0x00);
    assert_int_equal(proto_record_decode(&back, PROTO_KIND_REVOCATION, a.data, a.len, &d), 0);
    assert_true(back.u.revocation.has_status_index);
    assert_int_equal(back.u.revocation.status_index, 0);
    assert_true(proto_record_equal(&r, &back));
    /* The largest index, 2^20 - 1, is a uint32 (ce 000fffff); 2^20 is refused. */
    r.u.revocation.status_index = RN_STATUS_INDEX_MAX;
    a.len = 0;
    assert_int_equal(proto_record_encode(&r, &a), 0);
    assert_int_equal(a.len, sizeof(form1) + 6);
    assert_int_equal(a.data[58], 0xce);
    a.data[61] = 0x10; /* 0x000fffff -> 0x000f10ff: still valid */
    assert_int_equal(proto_record_decode(&back, PROTO_KIND_REVOCATION, a.data, a.len, &d), 0);
    assert_int_equal(back.u.revocation.status_index, 0x000f10ff);
    a.data[59] = 0x00;
    a.data[60] = 0x10;
    a.data[61] = 0x00;
    a.data[62] = 0x00; /* 2^20 */
    assert_int_equal(proto_record_decode(&back, PROTO_KIND_REVOCATION, a.data, a.len, &d),
                     RN_ECOUNT);
    assert_string_equal(d.field, "revocation.status_index");
    /* A status index that is not an unsigned integer. */
    a.data[58] = 0xc3; /* true */
    a.len = 59;
    assert_int_equal(proto_record_decode(&back, PROTO_KIND_REVOCATION, a.data, a.len, &d),
                     RN_ETYPE);
    assert_string_equal(d.field, "revocation.status_index");
    /* Two records that differ only in the index's presence are not equal. */
    back = r;
    back.u.revocation.has_status_index = false;
    assert_false(proto_record_equal(&r, &back));
    mp_buf_free(&a);
}

/* Lists of ids at their bound and one past; outcomes and ESCO lists too. */
static void test_list_bounds(void **state)
{
    (void)state;
    static char ids[RN_SPEC_REFS_MAX + 1][32];
    const char *p[RN_SPEC_REFS_MAX + 1];
    for (unsigned i = 0; i <= RN_SPEC_REFS_MAX; i++) {
        snprintf(ids[i], sizeof(ids[i]), "NL:theed/mc-%03u", i);
        p[i] = ids[i];
    }
    static const struct {
        proto_kind kind;
        uint64_t key;
        const char *name;
    } lists[] = {
        { PROTO_KIND_SPEC, 17, "spec.part_of" },
        { PROTO_KIND_PATHWAY, 5, "pathway.mandatory" },
        { PROTO_KIND_PATHWAY, 6, "pathway.eligible" },
    };
    for (size_t l = 0; l < sizeof(lists) / sizeof(lists[0]); l++) {
        start(lists[l].kind);
        if (lists[l].kind == PROTO_KIND_PATHWAY)
            del(lists[l].key == 5 ? 6 : 5); /* keep mandatory and eligible apart */
        set_strs(lists[l].key, RN_SPEC_REFS_MAX, p);
        EXPECT_OK();
        set_strs(lists[l].key, RN_SPEC_REFS_MAX + 1, p);
        EXPECT(RN_ECOUNT, lists[l].name, 0);
        /* Present but empty: omit it instead. */
        set_strs(lists[l].key, 0, p);
        EXPECT(RN_ECOUNT, lists[l].name, 0);
        const char *dup[3] = { p[0], p[1], p[0] };
        set_strs(lists[l].key, 3, dup);
        EXPECT(RN_EINCONSISTENT, lists[l].name, 3);
    }

    /* Outcomes: 1 .. RN_OUTCOMES_MAX. */
    start(PROTO_KIND_SPEC);
    for (unsigned n = 0; n <= RN_OUTCOMES_MAX + 1; n += (n == 1 ? RN_OUTCOMES_MAX - 1 : 1)) {
        mp_buf *v = val();
        mp_put_array(v, n);
        for (unsigned i = 0; i < n; i++) {
            mp_put_map(v, 1);
            mp_put_uint(v, 1);
            mp_put_cstr(v, "Developing digital content");
        }
        set(4);
        if (n >= 1 && n <= RN_OUTCOMES_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "spec.outcomes", 0);
    }
    /* ESCO per outcome: 1 .. RN_ESCO_PER_OUTCOME_MAX, distinct. */
    for (unsigned n = 0; n <= RN_ESCO_PER_OUTCOME_MAX + 1; n++) {
        mp_buf *v = val();
        mp_put_array(v, 1);
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_cstr(v, "Developing digital content");
        mp_put_uint(v, 2);
        mp_put_array(v, n);
        for (unsigned i = 0; i < n; i++) {
            char url[80];
            snprintf(url, sizeof(url), "http://data.europa.eu/esco/skill/%u", i);
            mp_put_cstr(v, url);
        }
        set(4);
        if (n >= 1 && n <= RN_ESCO_PER_OUTCOME_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "spec.outcomes.esco", 1);
    }
    /* An outcome without its text, with an unknown key, with keys out of order. */
    mp_buf *v = val();
    mp_put_array(v, 2);
    mp_put_map(v, 1);
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Developing digital content");
    mp_put_map(v, 0);
    set(4);
    EXPECT(RN_EMISSING, "spec.outcomes.text", 2);
    v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 2);
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Developing digital content");
    mp_put_uint(v, 4); /* 3 is translations */
    mp_put_uint(v, 1);
    set(4);
    EXPECT(RN_EUNKNOWNFIELD, "spec.outcomes", 1);
    v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 2);
    mp_put_uint(v, 2);
    put_strs(v, 1, (const char *const[]){ "http://data.europa.eu/esco/skill/1" });
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Developing digital content");
    set(4);
    EXPECT(RN_EFIELDORDER, "spec.outcomes", 1);
    v = val();
    mp_put_array(v, 1);
    mp_put_array(v, 0);
    set(4);
    EXPECT(RN_ETYPE, "spec.outcomes", 1);

    /* Differences: at most one per category, so 5 distinct pass and a sixth cannot. */
    start(PROTO_KIND_DECISION);
    for (unsigned n = 1; n <= RN_DIFFERENCES_MAX + 1; n++) {
        v = val();
        mp_put_array(v, n);
        for (unsigned i = 0; i < n; i++) {
            mp_put_map(v, 2);
            mp_put_uint(v, 1);
            mp_put_uint(v, i < RN_DIFFERENCES_MAX ? i + 1 : 1);
            mp_put_uint(v, 2);
            mp_put_cstr(v, "A substantial difference");
        }
        set(7);
        if (n <= RN_DIFFERENCES_MAX)
            EXPECT_OK();
        else
            EXPECT(RN_ECOUNT, "decision.differences", 0);
    }
    v = val();
    mp_put_array(v, 2);
    for (unsigned i = 0; i < 2; i++) {
        mp_put_map(v, 2);
        mp_put_uint(v, 1);
        mp_put_uint(v, PROTO_DIFFERENCE_QUALITY);
        mp_put_uint(v, 2);
        mp_put_cstr(v, "External QA not evidenced");
    }
    set(7);
    EXPECT(RN_EINCONSISTENT, "decision.differences.type", 2);
    v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 1);
    mp_put_uint(v, 1);
    mp_put_uint(v, PROTO_DIFFERENCE_QUALITY);
    set(7);
    EXPECT(RN_EMISSING, "decision.differences.note", 1);
}

/* ---- Consistency rules ---- */

static void test_rules(void **state)
{
    (void)state;
    /* provider: accredited needs its QA body; the others do not. */
    start(PROTO_KIND_PROVIDER);
    del(6);
    EXPECT(RN_EINCONSISTENT, "provider.qa_body", 0);
    set_uint(5, PROTO_QA_UNDER_REVIEW);
    EXPECT_OK();
    set_uint(5, PROTO_QA_NOT_ACCREDITED);
    EXPECT_OK();

    /* spec: stand-alone is not part of anything; never part of itself. */
    start(PROTO_KIND_SPEC);
    set_uint(16, PROTO_STACK_STAND_ALONE);
    EXPECT(RN_EINCONSISTENT, "spec.part_of", 0);
    start(PROTO_KIND_SPEC);
    const char *self[2] = { "IE:uniz/cert-digital-credentials", "IE:uniz/mc-c012" };
    set_strs(17, 2, self);
    EXPECT(RN_EINCONSISTENT, "spec.part_of", 2);

    /* decision: Lisbon, conditions, supersedes. */
    start(PROTO_KIND_DECISION);
    del(7);
    set_uint(4, PROTO_OUTCOME_PARTIAL);
    EXPECT(RN_EINCONSISTENT, "decision.differences", 0);
    set_uint(4, PROTO_OUTCOME_DENIED);
    EXPECT(RN_EINCONSISTENT, "decision.differences", 0);
    set_uint(4, PROTO_OUTCOME_FULL);
    EXPECT_OK();
    start(PROTO_KIND_DECISION);
    set_uint(4, PROTO_OUTCOME_DENIED);
    EXPECT(RN_EINCONSISTENT, "decision.ects", 0);
    set_uint(5, 0);
    EXPECT(RN_EINCONSISTENT, "decision.eqf", 0);
    del(6);
    EXPECT_OK();
    start(PROTO_KIND_DECISION);
    del(8);
    EXPECT(RN_EINCONSISTENT, "decision.conditions", 0);
    set_uint(4, PROTO_OUTCOME_PARTIAL);
    EXPECT_OK();
    start(PROTO_KIND_DECISION);
    set_str(12, "FR:enic-naric/2024-0917");
    EXPECT(RN_EINCONSISTENT, "decision.supersedes", 0);

    /* policy: EQF range, conditions. */
    start(PROTO_KIND_POLICY);
    set_uint(5, 7);
    EXPECT(RN_EINCONSISTENT, "policy.eqf_max", 0);
    set_uint(5, 6);
    EXPECT_OK();
    del(6);
    set_uint(5, 8);
    EXPECT_OK();
    start(PROTO_KIND_POLICY);
    del(10);
    EXPECT(RN_EINCONSISTENT, "policy.conditions", 0);
    set_uint(3, PROTO_OUTCOME_FULL);
    EXPECT_OK();
    start(PROTO_KIND_POLICY);
    mp_put_bool(val(), false);
    set(8);
    EXPECT_OK();

    /* pathway: something must count; the rule's EQF range; mandatory and eligible apart. */
    start(PROTO_KIND_PATHWAY);
    del(5);
    del(6);
    del(7);
    EXPECT(RN_EINCONSISTENT, "pathway", 0);
    mp_put_map(val(), 0);
    set(7);
    EXPECT(RN_ECOUNT, "pathway.rule", 0);
    static const uint64_t rule_keys[] = { 1, 2, 5 };
    for (size_t i = 0; i < 3; i++) {
        mp_buf *v = val();
        mp_put_map(v, 1);
        mp_put_uint(v, rule_keys[i]);
        mp_put_uint(v, 5);
        set(7);
        EXPECT_OK();
    }
    mp_buf *v = val();
    mp_put_map(v, 2);
    mp_put_uint(v, 1);
    mp_put_uint(v, 7);
    mp_put_uint(v, 2);
    mp_put_uint(v, 5);
    set(7);
    EXPECT(RN_EINCONSISTENT, "pathway.rule.eqf_max", 0);
    v = val();
    mp_put_map(v, 1);
    mp_put_uint(v, 1);
    mp_put_uint(v, 9);
    set(7);
    EXPECT(RN_EEQF, "pathway.rule.eqf_min", 0);
    v = val();
    mp_put_map(v, 1);
    mp_put_uint(v, 5);
    mp_put_uint(v, 0);
    set(7);
    EXPECT(RN_EECTS, "pathway.rule.ects_min", 0);
    v = val();
    mp_put_map(v, 1);
    mp_put_uint(v, 6);
    mp_put_uint(v, 1);
    set(7);
    EXPECT(RN_EUNKNOWNFIELD, "pathway.rule", 0);
    v = val();
    mp_put_map(v, 1);
    mp_put_uint(v, 3);
    put_strs(v, 1, (const char *const[]){ "068" });
    set(7);
    EXPECT_OK();
    start(PROTO_KIND_PATHWAY);
    const char *both[2] = { "IE:uniz/mc-c012", "NL:theed/minor-jedi-mind-control" };
    set_strs(6, 2, both);
    EXPECT(RN_EINCONSISTENT, "pathway.eligible", 2);
    /* Each of the three ways alone is enough. */
    for (uint64_t keep_key = 5; keep_key <= 7; keep_key++) {
        start(PROTO_KIND_PATHWAY);
        for (uint64_t k = 5; k <= 7; k++)
            if (k != keep_key)
                del(k);
        EXPECT_OK();
    }
}

/* ---- The author's prefix ---- */

static int author(proto_kind kind, const char *country, rn_diag *d)
{
    mp_buf w;
    proto_record r;
    build(&w);
    assert_int_equal(proto_record_decode(&r, kind, w.data, w.len, d), 0);
    int rc = proto_record_check_author(&r, country, d);
    mp_buf_free(&w);
    return rc;
}

static void test_author(void **state)
{
    (void)state;
    rn_diag d;
    static const struct {
        proto_kind kind;
        const char *own;
        uint64_t key; /* a field that must carry the prefix */
        const char *foreign;
        const char *name;
    } cases[] = {
        { PROTO_KIND_PROVIDER, "IE", 1, "FR:uniz", "provider.id" },
        { PROTO_KIND_PROVIDER, "IE", 3, "FR", "provider.country" },
        { PROTO_KIND_SPEC, "IE", 1, "FR:uniz/mc-c012", "spec.id" },
        { PROTO_KIND_SPEC, "IE", 2, "NL:theed", "spec.provider" },
        { PROTO_KIND_DECISION, "FR", 1, "BE:enic/1", "decision.id" },
        { PROTO_KIND_DECISION, "FR", 12, "BE:enic/1", "decision.supersedes" },
        { PROTO_KIND_POLICY, "NL", 1, "BE:policy/1", "policy.id" },
        { PROTO_KIND_PATHWAY, "NL", 1, "BE:pathway/1", "pathway.id" },
        { PROTO_KIND_REVOCATION, "IE", 2, "FR:uniz", "revocation.provider" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        start(cases[i].kind);
        assert_int_equal(author(cases[i].kind, cases[i].own, &d), 0);
        set_str(cases[i].key, cases[i].foreign);
        assert_int_equal(author(cases[i].kind, cases[i].own, &d), RN_EPREFIX);
        assert_string_equal(d.field, cases[i].name);
    }
    /* Foreign references a record may make: a decision's subject, a pathway's specs. */
    start(PROTO_KIND_DECISION);
    set_str(2, "GR:eap/mc-44");
    assert_int_equal(author(PROTO_KIND_DECISION, "FR", &d), 0);
    start(PROTO_KIND_PATHWAY);
    assert_int_equal(author(PROTO_KIND_PATHWAY, "NL", &d), 0); /* eligible is IE's */
    /* Greece: GR on the wire; the author may be named by its alias. */
    start(PROTO_KIND_POLICY);
    set_str(1, "GR:eoppep/policy-1");
    assert_int_equal(author(PROTO_KIND_POLICY, "GR", &d), 0);
    assert_int_equal(author(PROTO_KIND_POLICY, "EL", &d), 0);
    assert_int_equal(author(PROTO_KIND_POLICY, "IE", &d), RN_EPREFIX);
    assert_int_equal(author(PROTO_KIND_POLICY, "XX", &d), RN_ECOUNTRY);
    assert_int_equal(author(PROTO_KIND_POLICY, "gr", &d), RN_ECOUNTRY);
}

/* ---- Encoding ---- */

static void test_encode_errors(void **state)
{
    (void)state;
    proto_record r;
    mp_buf b;
    rn_diag d;
    mp_buf_init(&b, RN_RECORD_BYTES_MAX);
    mp_put_uint(&b, 1);

    /* An invalid record is refused and leaves the buffer as it was. */
    make_spec(&r, true);
    r.u.spec.eqf = 9;
    assert_int_equal(proto_record_encode(&r, &b), RN_EEQF);
    assert_int_equal(b.len, 1);
    assert_int_equal(proto_record_validate(&r, &d), RN_EEQF);
    assert_string_equal(d.field, "spec.eqf");
    make_spec(&r, true);
    r.u.spec.title[0].lang = S("EL");
    assert_int_equal(proto_record_validate(&r, &d), RN_ELANG);
    make_provider(&r, true);
    r.u.provider.country = S("EL");
    assert_int_equal(proto_record_validate(&r, &d), RN_ECOUNTRY);
    make_revocation(&r, true);
    r.u.revocation.credential = NULL;
    assert_int_equal(proto_record_validate(&r, &d), RN_ETYPE);
    make_decision(&r, false);
    r.u.decision.spec = S("");
    assert_int_equal(proto_record_validate(&r, &d), RN_ELEN);
    assert_string_equal(d.field, "decision.spec");
    /* Counts beyond their arrays are refused before anything is read out of bounds. */
    make_spec(&r, true);
    r.u.spec.outcomes_n = RN_OUTCOMES_MAX + 1;
    assert_int_equal(proto_record_encode(&r, &b), RN_ECOUNT);
    assert_int_equal(b.len, 1);
    make_provider(&r, true);
    r.u.provider.issuer_keys_n = RN_ISSUER_KEYS_MAX + 1;
    assert_int_equal(proto_record_encode(&r, &b), RN_ECOUNT);
    r.kind = (proto_kind)9;
    assert_int_equal(proto_record_encode(&r, &b), RN_EKIND);
    assert_int_equal(b.len, 1);
    assert_int_equal(mp_buf_err(&b), 0);

    /* An absent optional number is absent whatever sits beside its flag. */
    make_decision(&r, false);
    r.u.decision.ects_centi = 300;
    assert_int_equal(proto_record_encode(&r, &b), 0);
    mp_buf_free(&b);

    /* A spec with every list and string at its bound does not fit in one entry. */
    static char text[RN_OUTCOME_BYTES_MAX], url[RN_URL_BYTES_MAX];
    memset(text, 'o', sizeof(text));
    memcpy(url, "https://", 8);
    memset(url + 8, 'u', sizeof(url) - 8);
    make_spec(&r, true);
    r.u.spec.outcomes_n = RN_OUTCOMES_MAX;
    for (unsigned i = 0; i < RN_OUTCOMES_MAX; i++) {
        proto_outcome *o = &r.u.spec.outcomes[i];
        o->text = (proto_str){ (const uint8_t *)text, RN_OUTCOME_BYTES_MAX };
        o->esco_n = RN_ESCO_PER_OUTCOME_MAX;
        for (unsigned j = 0; j < RN_ESCO_PER_OUTCOME_MAX; j++) {
            /* distinct URLs: vary the last byte */
            o->esco[j] = (proto_str){ (const uint8_t *)url, RN_URL_BYTES_MAX - j };
        }
    }
    mp_buf_init(&b, 1u << 20);
    assert_int_equal(proto_record_encode(&r, &b), RN_ETOOBIG);
    assert_int_equal(b.len, 0);
    assert_int_equal(mp_buf_err(&b), 0);
    mp_buf_free(&b);
    /* With a small buffer, the buffer's own maximum is the bound. */
    make_spec(&r, true);
    mp_buf_init(&b, 64);
    assert_int_equal(proto_record_encode(&r, &b), RN_ETOOBIG);
    assert_int_equal(b.len, 0);
    mp_buf_free(&b);
}

static void test_enum_names(void **state)
{
    (void)state;
    static const unsigned sizes[PROTO_ENUM_COUNT] = { 3, 3, 2, 2, 3, 4, 5, 4, 2 };
    for (int e = 0; e < (int)PROTO_ENUM_COUNT; e++) {
        assert_non_null(proto_enum_name((proto_enum)e));
        assert_int_equal(proto_enum_size((proto_enum)e), sizes[e]);
        assert_null(proto_enum_value_name((proto_enum)e, 0));
        assert_null(proto_enum_value_name((proto_enum)e, sizes[e] + 1));
        for (unsigned v = 1; v <= sizes[e]; v++) {
            const char *n = proto_enum_value_name((proto_enum)e, v);
            assert_non_null(n);
            assert_int_equal(proto_enum_value_parse((proto_enum)e, n), (int)v);
        }
        assert_int_equal(proto_enum_value_parse((proto_enum)e, "nonsense"), RN_EENUM);
    }
    assert_string_equal(proto_enum_value_name(PROTO_ENUM_OUTCOME, PROTO_OUTCOME_CONDITIONAL),
                        "conditional");
    assert_string_equal(proto_enum_value_name(PROTO_ENUM_DIFFERENCE, 5), "learning_outcomes");
    assert_int_equal(proto_enum_value_parse(PROTO_ENUM_QA_STATUS, "accredited"),
                     PROTO_QA_ACCREDITED);
    assert_null(proto_enum_name(PROTO_ENUM_COUNT));
    assert_int_equal(proto_enum_size(PROTO_ENUM_COUNT), 0);
}

/* ---- Random input: a bounded loop with a fixed seed must never crash ---- */

static uint64_t rng_state;

static uint64_t rng(void)
{
    return test_xorshift64s_next(&rng_state);
}

static void test_random(void **state)
{
    (void)state;
    uint8_t buf[256];
    unsigned accepted = 0;
    rng_state = 0x5eed2024u;
    /* Random bytes, half of them starting with a map header. */
    for (unsigned i = 0; i < 60000; i++) {
        proto_kind kind = (proto_kind)(1 + rng() % 6);
        size_t len = (size_t)(rng() % sizeof(buf));
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)rng();
        if (len > 0 && (i & 1))
            buf[0] = (uint8_t)(0x80 | (buf[0] & 0x0f));
        proto_record r;
        rn_diag d;
        accepted += decode_check(kind, buf, len, &d, &r) == 0;
    }
    /* Valid bodies with a few bytes changed. */
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        for (int full = 0; full <= 1; full++) {
            proto_record r;
            mp_buf b;
            makers[kind](&r, full);
            mp_buf_init(&b, RN_RECORD_BYTES_MAX);
            assert_int_equal(proto_record_encode(&r, &b), 0);
            uint8_t *copy = malloc(b.len);
            for (unsigned i = 0; i < 5000; i++) {
                memcpy(copy, b.data, b.len);
                for (unsigned m = 1 + (unsigned)(rng() % 3); m > 0; m--)
                    copy[rng() % b.len] = (uint8_t)rng();
                rn_diag d;
                proto_record out;
                accepted += decode_check((proto_kind)kind, copy, b.len, &d, &out) == 0;
            }
            free(copy);
            mp_buf_free(&b);
        }
    }
    print_message("random: %u inputs accepted (each re-encoded identically)\n", accepted);
}

/* ---- The fuzzing seed corpus (RN_WRITE_CORPUS=<dir>) ---- */

static void write_seed(const char *dir, const char *name, proto_kind kind, const uint8_t *bytes,
                       size_t len)
{
    char path[1024];
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    uint8_t k = (uint8_t)(kind - 1); /* the harness takes 1 + data[0] % 6 */
    assert_int_equal(fwrite(&k, 1, 1, f), 1);
    assert_int_equal(fwrite(bytes, 1, len, f), len);
    fclose(f);
}

static void test_write_corpus(void **state)
{
    (void)state;
    const char *dir = getenv("RN_WRITE_CORPUS");
    if (dir == NULL)
        return;
    for (int kind = PROTO_KIND_MIN; kind <= PROTO_KIND_MAX; kind++) {
        for (int full = 0; full <= 1; full++) {
            proto_record r;
            mp_buf b;
            char name[64];
            makers[kind](&r, full);
            mp_buf_init(&b, RN_RECORD_BYTES_MAX);
            assert_int_equal(proto_record_encode(&r, &b), 0);
            snprintf(name, sizeof(name), "%s-%s", proto_kind_name(kind), full ? "full" : "min");
            write_seed(dir, name, (proto_kind)kind, b.data, b.len);
            mp_buf_free(&b);
        }
    }
    /* A few broken ones: truncated, trailing, out of order, inconsistent, EL prefix, a status
     * index past the list. */
    mp_buf w;
    start(PROTO_KIND_REVOCATION);
    set_uint(5, RN_STATUS_INDEX_MAX + 1u);
    build(&w);
    write_seed(dir, "broken-revocation-index", PROTO_KIND_REVOCATION, w.data, w.len);
    mp_buf_free(&w);
    start(PROTO_KIND_SPEC);
    build(&w);
    write_seed(dir, "broken-spec-truncated", PROTO_KIND_SPEC, w.data, w.len / 2);
    mp_put_uint(&w, 0);
    write_seed(dir, "broken-spec-trailing", PROTO_KIND_SPEC, w.data, w.len);
    mp_buf_free(&w);
    start(PROTO_KIND_DECISION);
    B.key[1] = 5;
    build(&w);
    write_seed(dir, "broken-decision-order", PROTO_KIND_DECISION, w.data, w.len);
    mp_buf_free(&w);
    start(PROTO_KIND_DECISION);
    del(7);
    set_uint(4, PROTO_OUTCOME_DENIED);
    build(&w);
    write_seed(dir, "broken-decision-denied", PROTO_KIND_DECISION, w.data, w.len);
    mp_buf_free(&w);
    start(PROTO_KIND_POLICY);
    set_str(1, "EL:eoppep/policy-1");
    build(&w);
    write_seed(dir, "broken-policy-el", PROTO_KIND_POLICY, w.data, w.len);
    mp_buf_free(&w);
    /* A succession naming a last id without a last seq; a roster record whose change is no
     * change document. */
    start(PROTO_KIND_SUCCESSION);
    set_uint(2, 0);
    build(&w);
    write_seed(dir, "broken-succession-last-id", PROTO_KIND_SUCCESSION, w.data, w.len);
    mp_buf_free(&w);
    start(PROTO_KIND_ROSTER);
    mp_put_bin(val(), "\x92\x90\x90", 3);
    set(1);
    build(&w);
    write_seed(dir, "broken-roster-change", PROTO_KIND_ROSTER, w.data, w.len);
    mp_buf_free(&w);
    /* An outcome's translations with their languages out of order. */
    start(PROTO_KIND_SPEC);
    mp_buf *v = val();
    mp_put_array(v, 1);
    mp_put_map(v, 2);
    mp_put_uint(v, 1);
    mp_put_cstr(v, "Developing digital content");
    mp_put_uint(v, 3);
    mp_put_map(v, 2);
    mp_put_cstr(v, "ga");
    mp_put_cstr(v, "Ábhar digiteach a fhorbairt");
    mp_put_cstr(v, "fr");
    mp_put_cstr(v, "Développer des contenus numériques");
    set(4);
    build(&w);
    write_seed(dir, "broken-spec-translations-order", PROTO_KIND_SPEC, w.data, w.len);
    mp_buf_free(&w);
    /* Issuer keys of the later forms: every form in one provider, then broken ones. */
    static const struct {
        const char *name;
        uint64_t form;
        const char *key;
        uint64_t from, until;
    } ext[] = {
        { "provider-keys-ext-all", 0, NULL, 0, 0 },
        { "broken-provider-jwk-private", PROTO_KEY_FORM_JWK,
          "{\"crv\":\"P-256\",\"d\":\"AAAA\",\"kty\":\"EC\",\"x\":\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cb"
          "n33hC4kzQtes\",\"y\":\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\"}",
          T_2022_12_31, 0 },
        { "broken-provider-did-method", PROTO_KEY_FORM_DID, "did:example:123", T_2022_12_31, 0 },
        { "broken-provider-key-window", PROTO_KEY_FORM_DID, DID_KEY, T_2023_06_01, T_2022_12_31 },
    };
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++) {
        start(PROTO_KIND_PROVIDER);
        v = val();
        if (ext[i].key == NULL) {
            mp_put_array(v, 5);
            put_key_ext(v, PROTO_KEY_FORM_JWK, JWK_EC, T_2022_12_31, 0, 4);
            put_key_ext(v, PROTO_KEY_FORM_JWK, JWK_RSA, T_2022_12_31, T_2027_12_31, 4);
            put_key_ext(v, PROTO_KEY_FORM_JWK, JWK_OKP, T_2023_06_01, 0, 4);
            put_key_ext(v, PROTO_KEY_FORM_DID, DID_KEY, T_2022_12_31, 0, 4);
            put_key_ext(v, PROTO_KEY_FORM_DID, DID_WEB, T_2022_12_31, 0, 4);
        } else {
            mp_put_array(v, 1);
            put_key_ext(v, ext[i].form, ext[i].key, ext[i].from, ext[i].until, 4);
        }
        set(10);
        build(&w);
        write_seed(dir, ext[i].name, PROTO_KIND_PROVIDER, w.data, w.len);
        mp_buf_free(&w);
    }
}

/* The field tables' two columns agree row by row: each JSON form suits its wire type, an
 * enumeration or vocabulary names one, nested forms have a table, the diagnostic name is the
 * table's name and the JSON name, keys ascend, and JSON names are unique and found by name. */
static void check_table(const proto_fields *t, unsigned depth)
{
    assert_true(depth <= 2);
    assert_true(t->n > 0 && t->n <= RN_RECORD_FIELDS_MAX);
    for (unsigned i = 0; i < t->n; i++) {
        const proto_field *f = &t->f[i];
        char name[128];
        snprintf(name, sizeof(name), "%s.%s", t->name, f->json);
        assert_string_equal(f->name, name);
        assert_ptr_equal(proto_fields_find(t, f->json, strlen(f->json)), f);
        if (i > 0)
            assert_true(f->key > t->f[i - 1].key);
        bool named = false, sub = false;
        switch (f->json_form) {
        case PROTO_JSON_STR:
            assert_true(f->type == PROTO_FT_ID || f->type == PROTO_FT_TEXT ||
                        f->type == PROTO_FT_URL || f->type == PROTO_FT_URI ||
                        f->type == PROTO_FT_LANG || f->type == PROTO_FT_ISCED);
            break;
        case PROTO_JSON_COUNTRY:
            assert_int_equal(f->type, PROTO_FT_COUNTRY);
            break;
        case PROTO_JSON_TIME:
        case PROTO_JSON_TIME_NIL:
            assert_int_equal(f->type, PROTO_FT_TIME);
            break;
        case PROTO_JSON_ECTS:
            assert_int_equal(f->type, PROTO_FT_NUM);
            assert_int_equal(f->err, RN_EECTS);
            assert_int_equal(f->aux, -1);
            break;
        case PROTO_JSON_ECTS_HAS:
            assert_int_equal(f->type, PROTO_FT_NUM);
            assert_int_equal(f->err, RN_EECTS);
            assert_true(f->aux >= 0 && !f->req);
            break;
        case PROTO_JSON_UINT:
            assert_int_equal(f->type, PROTO_FT_NUM);
            /* EQF levels (absent when 0), or a revocation's status index (0 is a value). */
            if (f->aux >= 0)
                assert_true(f->err == RN_ECOUNT && !f->req && f->min == 0);
            else
                assert_int_equal(f->err, RN_EEQF);
            break;
        case PROTO_JSON_ENUM:
            assert_int_equal(f->type, PROTO_FT_NUM);
            assert_int_equal(f->err, RN_EENUM);
            assert_true(f->json_names >= 0 && f->json_names < PROTO_ENUM_COUNT);
            assert_int_equal(f->max, proto_enum_size((proto_enum)f->json_names));
            named = true;
            break;
        case PROTO_JSON_VOCAB:
            assert_int_equal(f->type, PROTO_FT_VOCAB);
            assert_int_equal(f->json_names, f->err);
            named = true;
            break;
        case PROTO_JSON_BOOL:
            assert_int_equal(f->type, PROTO_FT_BOOL);
            break;
        case PROTO_JSON_KEY:
        case PROTO_JSON_DIGEST:
            assert_int_equal(f->type, PROTO_FT_DIGEST);
            break;
        case PROTO_JSON_HEX:
            assert_int_equal(f->type, PROTO_FT_BIN);
            break;
        case PROTO_JSON_SEQ:
            assert_int_equal(f->type, PROTO_FT_SEQ);
            break;
        case PROTO_JSON_STRS:
            assert_int_equal(f->type, PROTO_FT_LIST);
            assert_true(f->elem != PROTO_FT_COUNTRY);
            break;
        case PROTO_JSON_COUNTRIES:
            assert_int_equal(f->type, PROTO_FT_LIST);
            assert_int_equal(f->elem, PROTO_FT_COUNTRY);
            break;
        case PROTO_JSON_TITLE:
            assert_int_equal(f->type, PROTO_FT_TITLE);
            break;
        case PROTO_JSON_KEY_TEXT:
            assert_int_equal(f->type, PROTO_FT_TEXT);
            break;
        case PROTO_JSON_OBJS:
            assert_true(f->type == PROTO_FT_MAPS || f->type == PROTO_FT_KEYS ||
                        f->type == PROTO_FT_KEYS_EXT);
            sub = true;
            break;
        case PROTO_JSON_OBJ:
            assert_int_equal(f->type, PROTO_FT_MAP);
            sub = true;
            break;
        default:
            fail_msg("%s: JSON form %u", f->name, f->json_form);
        }
        if (!named)
            assert_int_equal(f->json_names, -1);
        assert_int_equal(f->sub != NULL, sub);
        if (sub) {
            assert_true(strncmp(f->sub->name, f->name, strlen(f->name) + 1) == 0);
            check_table(f->sub, depth + 1);
        }
    }
    assert_null(proto_fields_find(t, "kind", 4));
}

static void test_field_tables(void **state)
{
    (void)state;
    for (int k = PROTO_KIND_MIN; k <= PROTO_KIND_MAX; k++) {
        const proto_fields *t = proto_record_fields((proto_kind)k);
        assert_non_null(t);
        assert_string_equal(t->name, proto_kind_name(k));
        check_table(t, 0);
    }
    assert_null(proto_record_fields((proto_kind)0));
    assert_null(proto_record_fields((proto_kind)(PROTO_KIND_MAX + 1)));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_revocation_status_index),
        cmocka_unit_test(test_decode_reuses_struct),
        cmocka_unit_test(test_refused_decode_clears),
        cmocka_unit_test(test_roundtrip_fields),
        cmocka_unit_test(test_truncated),
        cmocka_unit_test(test_trailing_and_size),
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_missing),
        cmocka_unit_test(test_wrong_types),
        cmocka_unit_test(test_string_bounds),
        cmocka_unit_test(test_nested_string_bounds),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_ids),
        cmocka_unit_test(test_id_every_byte),
        cmocka_unit_test(test_id_length_bounds),
        cmocka_unit_test(test_countries),
        cmocka_unit_test(test_isced),
        cmocka_unit_test(test_numbers),
        cmocka_unit_test(test_times),
        cmocka_unit_test(test_langs),
        cmocka_unit_test(test_outcome_translations),
        cmocka_unit_test(test_spec_at_every_bound),
        cmocka_unit_test(test_urls),
        cmocka_unit_test(test_bytes),
        cmocka_unit_test(test_issuer_keys),
        cmocka_unit_test(test_issuer_key_points),
        cmocka_unit_test(test_issuer_keys_ext),
        cmocka_unit_test(test_issuer_keys_ext_old_form),
        cmocka_unit_test(test_source_ids),
        cmocka_unit_test(test_list_bounds),
        cmocka_unit_test(test_rules),
        cmocka_unit_test(test_author),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_enum_names),
        cmocka_unit_test(test_field_tables),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_write_corpus),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
