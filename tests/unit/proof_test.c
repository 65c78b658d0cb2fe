/*
 * proof_test.c: proof bundles (proto/proof.h) over the real-looking federation of
 * tests/fuzz/proof_fixture.h: an Irish spec from the Commission's ELM sample, a French decision
 * and a French policy about it.
 *
 * The positive cases are the four kinds of answer (decision, automatic, no decision, and a revoked
 * credential). The negative cases follow the verification steps of proof.h one by one: a tampered
 * byte, an author outside the roster or a mirror, a wrong prefix, a wrong outcome, a decision
 * about another spec, for another purpose or not valid at the time asked, a policy the spec does
 * not meet, missing and surplus entries, entries dated after the question, and the structural
 * ones: truncated, oversized, wrongly typed, trailing bytes, duplicate and unordered entries,
 * every query and answer field missing, unknown, out of order or inconsistent.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/rosterchain.h"
#include "tests/fuzz/proof_fixture.h"

static pf_world W;
static proto_roster R;

static int group_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    pf_world_build(&W);
    pf_roster_build(&W, &R);
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    proto_roster_free(&R);
    return 0;
}

/* Encodes a bundle of the given entries and verifies it against R; returns verify's result and
 * leaves the diagnostic in *d. The encoder must accept the bundle. */
static int check(const proto_proof_query *q, const proto_proof_answer *a, rn_diag *d,
                 const pf_entry *const *entries, uint32_t n)
{
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, q, a, entries, n), 0);
    memset(d, 0, sizeof(*d));
    int rc = proto_proof_verify(b.data, b.len, &R, NULL, d);
    assert_int_equal(d->code, rc);
    mp_buf_free(&b);
    return rc;
}

#define ENTRIES(...)        ((const pf_entry *const[]){ __VA_ARGS__ })
#define COUNT(...)          ((uint32_t)(sizeof((const pf_entry *const[]){ __VA_ARGS__ }) / sizeof(void *)))
#define CHECK(q, a, d, ...) check(q, a, d, ENTRIES(__VA_ARGS__), COUNT(__VA_ARGS__))

/* ---- The four kinds of answer ---- */

static void test_decision(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    rn_diag d;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), 0);

    /* The decoded bundle as verify hands it back, entries sorted by (author, seq). */
    mp_buf b;
    proto_proof p;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);
    assert_int_equal(proto_proof_verify(b.data, b.len, &R, &p, NULL), 0);
    assert_int_equal(p.entries_n, 3);
    assert_true(proto_str_eq(p.query.spec, proto_str_c(PF_SPEC_ID)));
    assert_true(proto_str_eq(p.query.country, proto_str_c("FR")));
    assert_int_equal(p.query.at_ms, PF_T_2025_03_01);
    assert_null(p.query.credential);
    assert_int_equal(p.answer.result, PROTO_RESULT_DECISION);
    assert_int_equal(p.answer.basis_seq, 1);
    assert_memory_equal(p.answer.basis_author, W.fr.pk, 32);
    assert_false(p.answer.forked);
    assert_false(p.answer.has_revoked);
    for (uint32_t i = 1; i < p.entries_n; i++) {
        proto_entry x, y;
        assert_int_equal(proto_entry_decode(&x, p.entries[i - 1].ptr, p.entries[i - 1].len, 0), 0);
        assert_int_equal(proto_entry_decode(&y, p.entries[i].ptr, p.entries[i].len, 0), 0);
        int c = memcmp(x.author, y.author, 32);
        assert_true(c < 0 || (c == 0 && x.seq < y.seq));
    }
    /* Any input order gives the same bytes. */
    mp_buf b2;
    mp_buf_init(&b2, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b2, &q, &a, ENTRIES(&W.provider, &W.spec, &W.decision), 3), 0);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.data, b.data, b.len);
    mp_buf_free(&b2);
    mp_buf_free(&b);

    /* A forked flag is carried as the producer's statement. */
    a.forked = true;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), 0);
    /* At the first and the last moment of validity. */
    a.forked = false;
    q.at_ms = PF_T_2024_09_01;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), 0);
    q.at_ms = PF_T_2027_09_01 - 1;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), 0);
}

static void test_automatic(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &W.policy);
    rn_diag d;
    assert_int_equal(CHECK(&q, &a, &d, &W.policy, &W.spec, &W.provider), 0);
    /* The policy is for both purposes, so it answers employment too. */
    q.purpose = PROTO_PURPOSE_EMPLOYMENT;
    assert_int_equal(CHECK(&q, &a, &d, &W.policy, &W.spec, &W.provider), 0);
    q.purpose = PROTO_PURPOSE_BOTH;
    assert_int_equal(CHECK(&q, &a, &d, &W.policy, &W.spec, &W.provider), 0);
}

static void test_no_decision(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    q.country = proto_str_c("DE");
    proto_proof_answer a = pf_answer(PROTO_RESULT_NO_DECISION, 0, NULL);
    rn_diag d;
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider), 0);
    /* Nothing else may ride along. */
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider, &W.decision), RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider, &W.revocation), RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");
}

static void test_revoked(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    q.credential = W.credential;
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    a.has_revoked = true;
    a.revoked = true;
    rn_diag d;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider, &W.revocation), 0);
    /* Revoked claimed without the revocation. */
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.revocation");
    /* Another credential. */
    uint8_t other[PROTO_DIGEST_BYTES];
    memcpy(other, W.credential, sizeof(other));
    other[0] ^= 1;
    q.credential = other;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider, &W.revocation),
                     RN_EPROOF);
    assert_string_equal(d.field, "revocation.credential");
    /* Asked before the revocation was made. */
    q.credential = W.credential;
    q.at_ms = PF_T_2024_06_01 - 1;
    a = pf_answer(PROTO_RESULT_NO_DECISION, 0, NULL);
    a.has_revoked = true;
    a.revoked = true;
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider, &W.revocation), RN_EPROOF);
    assert_string_equal(d.field, "entry.timestamp");
    /* Not revoked: no revocation entry may ride along (absence is not proven). */
    q.at_ms = PF_T_2025_03_01;
    a.revoked = false;
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider), 0);
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider, &W.revocation), RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");
}

/* Two times: the entries count by timestamp up to at (known at), the dates they carry are
 * evaluated at valid_at. The decision (valid 2024-09-01 .. 2027-09-01, entry 2024-09-01) supports
 * an answer known at 2025-03-01 for a valid time inside its window, not outside it; a revocation
 * dated 2024-06-01 counts at a valid time after it only. */
static void test_valid_at(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    rn_diag d;
    q.has_valid_at = true;
    q.valid_at_ms = PF_T_2027_09_01 - 1;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), 0);
    q.valid_at_ms = PF_T_2027_09_01;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "decision.valid_until");
    q.valid_at_ms = PF_T_2024_09_01 - 1;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "decision.valid_from");
    /* Known before the decision's entry: its entry does not count, whatever the valid time. */
    q.at_ms = PF_T_2024_09_01 - 1;
    q.valid_at_ms = PF_T_2025_03_01;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "entry.timestamp");

    /* The bundle carries valid_at as written, and verify hands it back. */
    q = pf_query();
    q.has_valid_at = true;
    q.valid_at_ms = PF_T_2025_03_01 + PF_DAY_MS;
    mp_buf b;
    proto_proof p;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);
    assert_int_equal(proto_proof_verify(b.data, b.len, &R, &p, NULL), 0);
    assert_true(p.query.has_valid_at);
    assert_int_equal(proto_proof_valid_at(&p.query), PF_T_2025_03_01 + PF_DAY_MS);
    mp_buf_free(&b);
    q.has_valid_at = false;
    assert_int_equal(proto_proof_valid_at(&q), q.at_ms);

    /* The revocation (entry and date 2024-06-01), known at 2025-03-01. */
    q = pf_query();
    q.credential = W.credential;
    q.has_valid_at = true;
    a = pf_answer(PROTO_RESULT_NO_DECISION, 0, NULL);
    a.has_revoked = true;
    a.revoked = true;
    q.valid_at_ms = PF_T_2024_06_01;
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider, &W.revocation), 0);
    q.valid_at_ms = PF_T_2024_06_01 - 1;
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider, &W.revocation), RN_EPROOF);
    assert_string_equal(d.field, "revocation.revoked_at");
}

/* ---- Entries: signatures, roster, prefixes ---- */

/* Finds `needle` in the bundle and flips one bit of its first byte. */
static void flip_in(mp_buf *b, const char *needle)
{
    size_t n = strlen(needle);
    for (size_t i = 0; i + n <= b->len; i++) {
        if (memcmp(b->data + i, needle, n) == 0) {
            b->data[i] ^= 0x20; /* a case change: still valid UTF-8, still a valid record */
            return;
        }
    }
    fail_msg("needle not found: %s", needle);
}

static void test_tampered(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    const char *needles[] = { "Digital micro-credential creation", "University of Zed",
                              "ENIC-NARIC" };
    for (size_t i = 0; i < 3; i++) {
        mp_buf b;
        rn_diag d = { 0 };
        mp_buf_init(&b, RN_PROOF_BYTES_MAX);
        assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);
        flip_in(&b, needles[i]);
        assert_int_equal(proto_proof_verify(b.data, b.len, &R, NULL, &d), RN_ESIG);
        assert_string_equal(d.field, "entry.signature");
        mp_buf_free(&b);
    }
    /* A flipped bit in the last byte (a signature byte) of the last entry. */
    mp_buf b;
    rn_diag d = { 0 };
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);
    b.data[b.len - 1] ^= 1;
    assert_int_equal(proto_proof_verify(b.data, b.len, &R, NULL, &d), RN_ESIG);
    mp_buf_free(&b);
}

/* The verifier reports positions 1-based, as PROTOCOL.md section 5.4 says: a bad signature on the
 * third entry is "entry 3", never "[2]". */
static void test_diag_positions(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    char msg[160];
    mp_buf b;
    rn_diag d = { 0 };
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);
    b.data[b.len - 1] ^= 1; /* the last signature byte of the last (third) entry */
    assert_int_equal(proto_proof_verify(b.data, b.len, &R, NULL, &d), RN_ESIG);
    assert_int_equal(d.index, 3);
    assert_string_equal(proto_proof_diag_format(&d, msg, sizeof(msg)),
                        "entry 3: entry.signature: signature does not verify");
    mp_buf_free(&b);

    /* The first entry, and an error of the bundle itself, which names no entry. */
    d = (rn_diag){ .code = RN_EROSTER, .field = "entry.author", .index = 1 };
    assert_string_equal(proto_proof_diag_format(&d, msg, sizeof(msg)),
                        "entry 1: entry.author: key is not a member of the roster");
    d = (rn_diag){ .code = RN_EPROOF, .field = "proof.basis", .index = 0 };
    assert_string_equal(proto_proof_diag_format(&d, msg, sizeof(msg)),
                        "proof.basis: proof does not support its answer");
    d = (rn_diag){ .code = RN_ESIG, .field = NULL, .index = 2 };
    assert_string_equal(proto_proof_diag_format(&d, msg, sizeof(msg)),
                        "entry 2: signature does not verify");
    /* Truncated output stays NUL-terminated. */
    d = (rn_diag){ .code = RN_ESIG, .field = "entry.signature", .index = 3 };
    assert_string_equal(proto_proof_diag_format(&d, msg, 8), "entry 3");
}

static void test_roster(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_NO_DECISION, 0, NULL);
    rn_diag d;
    mp_buf b;
    proto_roster r2;

    /* The outsider's spec: it is the spec the query names, but nobody in the roster signed it. */
    assert_int_equal(CHECK(&q, &a, &d, &W.outsider_spec, &W.provider), RN_EROSTER);
    assert_string_equal(d.field, "entry.author");
    assert_true(d.index >= 1 && d.index <= 2);

    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.spec, &W.provider), 2), 0);
    assert_int_equal(proto_proof_verify(b.data, b.len, &R, NULL, &d), 0);
    /* A roster without Ireland. */
    assert_int_equal(proto_roster_init(&r2, 4), 0);
    assert_int_equal(proto_roster_add(&r2, "FR", 2, PROTO_ROLE_AUTHORITY, W.fr.pk), 0);
    assert_int_equal(proto_proof_verify(b.data, b.len, &r2, NULL, &d), RN_EROSTER);
    /* Ireland's key listed as a mirror: mirrors author nothing. */
    assert_int_equal(proto_roster_add(&r2, "IE", 2, PROTO_ROLE_MIRROR, W.ie.pk), 0);
    assert_int_equal(proto_proof_verify(b.data, b.len, &r2, NULL, &d), RN_EROLE);
    proto_roster_free(&r2);
    /* Ireland's key listed as the authority of another country: its ids carry IE's prefix. */
    assert_int_equal(proto_roster_init(&r2, 4), 0);
    assert_int_equal(proto_roster_add(&r2, "MT", 2, PROTO_ROLE_AUTHORITY, W.ie.pk), 0);
    assert_int_equal(proto_proof_verify(b.data, b.len, &r2, NULL, &d), RN_EPREFIX);
    proto_roster_free(&r2);
    mp_buf_free(&b);

    /* France signing a spec under Ireland's prefix. */
    proto_proof_query q2 = pf_query();
    q2.spec = proto_str_c("IE:resa/mc-c013");
    assert_int_equal(CHECK(&q2, &a, &d, &W.fr_spec_ie_prefix, &W.provider), RN_EPREFIX);
}

/* ---- The answer must follow from the entries ---- */

static void test_decision_mismatch(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a;
    rn_diag d;

    /* Wrong outcome claimed. */
    for (uint32_t o = PROTO_OUTCOME_PARTIAL; o <= PROTO_OUTCOME_DENIED; o++) {
        a = pf_answer(PROTO_RESULT_DECISION, o, &W.decision);
        assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
        assert_string_equal(d.field, "decision.outcome");
    }
    /* A decision about another spec. */
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision_other_spec);
    assert_int_equal(CHECK(&q, &a, &d, &W.decision_other_spec, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "decision.spec");
    /* A decision not valid at `at`: expired; and asked before the valid one starts. */
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision_expired);
    assert_int_equal(CHECK(&q, &a, &d, &W.decision_expired, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "decision.valid_until");
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    q.at_ms = PF_T_2027_09_01;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "decision.valid_until");
    /* Asked before the decision existed: the entry itself is later than `at`. */
    q.at_ms = PF_T_2024_09_01 - 1;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "entry.timestamp");
    /* A decision for employment does not answer a further-study question, nor "both". */
    q = pf_query();
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision_employment);
    assert_int_equal(CHECK(&q, &a, &d, &W.decision_employment, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "decision.purpose");
    q.purpose = PROTO_PURPOSE_BOTH;
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "decision.purpose");
    q.purpose = PROTO_PURPOSE_EMPLOYMENT;
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision_employment);
    assert_int_equal(CHECK(&q, &a, &d, &W.decision_employment, &W.spec, &W.provider), 0);
    /* A French decision offered as the answer for Germany. */
    q = pf_query();
    q.country = proto_str_c("DE");
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.answer.basis_author");
    /* The basis names another seq than the decision's: the decision fills no role. */
    q = pf_query();
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    a.basis_seq = 2;
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");
    /* A decision answer whose basis is a policy. */
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.policy);
    assert_int_equal(CHECK(&q, &a, &d, &W.policy, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");
}

static void test_policy_mismatch(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a;
    rn_diag d;

    /* The policy for engineering (ISCED-F 07) does not cover an ICT spec (0688). */
    a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &W.policy_other_field);
    assert_int_equal(CHECK(&q, &a, &d, &W.policy_other_field, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "policy.isced_prefixes");
    /* Wrong outcome. */
    a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_CONDITIONAL, &W.policy);
    assert_int_equal(CHECK(&q, &a, &d, &W.policy, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "policy.outcome");
    /* Before the policy applies (and before its entry). */
    a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &W.policy);
    q.at_ms = PF_T_2024_01_01 - 1;
    assert_int_equal(CHECK(&q, &a, &d, &W.policy, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "entry.timestamp");
    /* An automatic answer for Germany from France's policy. */
    q = pf_query();
    q.country = proto_str_c("DE");
    assert_int_equal(CHECK(&q, &a, &d, &W.policy, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.answer.basis_author");
}

/* Each condition of a policy, one at a time, against the fixture's spec: signs a fresh French
 * policy per case (seq 7 and on, after the fixture's entries). */
static void test_policy_conditions(void **state)
{
    (void)state;
    pf_author fr = W.fr; /* a copy: the fixture's chain is left as it is */
    proto_proof_query q = pf_query();
    rn_diag d;
    pf_entry e;

    struct {
        const char *field; /* NULL: the spec meets the policy */
        uint32_t eqf_min, eqf_max, ects_min;
        bool external;
        const char *country1, *prefix;
    } t[] = {
        { NULL, 5, 7, 100, true, "IE", "06" },
        { NULL, 6, 6, 200, true, "IE", "068" },
        { NULL, 0, 0, 0, false, NULL, NULL },   /* no conditions at all */
        { NULL, 0, 6, 0, false, NULL, "0688" }, /* an upper bound only */
        { NULL, 6, 0, 0, false, NULL, NULL },   /* a lower bound only */
        { "policy.issuer_countries", 0, 0, 0, false, "DE", NULL },
        { "policy.eqf_min", 7, 8, 0, false, NULL, NULL },
        { "policy.eqf_max", 1, 5, 0, false, NULL, NULL },
        { "policy.eqf_max", 0, 5, 0, false, NULL, NULL },
        { "policy.ects_min", 0, 0, 201, false, NULL, NULL },
        { "policy.isced_prefixes", 0, 0, 0, false, NULL, "061" },
    };
    for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
        proto_record r = pf_policy_record("FR:pol/test", "06");
        proto_policy *p = &r.u.policy;
        p->eqf_min = t[i].eqf_min;
        p->eqf_max = t[i].eqf_max;
        p->ects_min_centi = t[i].ects_min;
        p->external_qa = t[i].external;
        p->issuer_countries_n = t[i].country1 != NULL;
        p->issuer_countries[0] = proto_str_c(t[i].country1);
        p->isced_prefixes_n = t[i].prefix != NULL;
        p->isced_prefixes[0] = proto_str_c(t[i].prefix);
        pf_sign(&fr, PF_T_2024_09_01 + 10 * PF_DAY_MS, &r, &e);
        proto_proof_answer a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &e);
        int rc = CHECK(&q, &a, &d, &e, &W.spec, &W.provider);
        if (t[i].field == NULL) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, RN_EPROOF);
            assert_string_equal(d.field, t[i].field);
        }
    }

    /* A spec with internal QA and no EQF level, against policies that ask for them. */
    pf_author ie = W.ie;
    pf_entry spec2;
    proto_record rs = pf_spec_record("IE:resa/mc-c014");
    rs.u.spec.qa_type = 1; /* internal */
    rs.u.spec.eqf = 0;
    pf_sign(&ie, PF_T_2024_01_01, &rs, &spec2);
    q.spec = proto_str_c("IE:resa/mc-c014");
    struct {
        const char *field;
        uint32_t eqf_min;
        bool external;
    } u[] = { { NULL, 0, false },
              { "policy.external_qa", 0, true },
              { "policy.eqf_min", 1, false } };
    for (size_t i = 0; i < sizeof(u) / sizeof(u[0]); i++) {
        proto_record r = pf_policy_record("FR:pol/test", "06");
        r.u.policy.eqf_min = u[i].eqf_min;
        r.u.policy.eqf_max = 0;
        r.u.policy.external_qa = u[i].external;
        pf_sign(&fr, PF_T_2024_09_01 + 11 * PF_DAY_MS, &r, &e);
        proto_proof_answer a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &e);
        int rc = CHECK(&q, &a, &d, &e, &spec2, &W.provider);
        if (u[i].field == NULL) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, RN_EPROOF);
            assert_string_equal(d.field, u[i].field);
        }
    }

    /* A withdrawn policy, and one that has ended. */
    proto_record r = pf_policy_record("FR:pol/test", "06");
    r.u.policy.status = PROTO_STATUS_WITHDRAWN;
    pf_sign(&fr, PF_T_2024_09_01 + 12 * PF_DAY_MS, &r, &e);
    q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &e);
    assert_int_equal(CHECK(&q, &a, &d, &e, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "policy.status");
    r = pf_policy_record("FR:pol/test", "06");
    r.u.policy.valid_until_ms = PF_T_2025_03_01;
    pf_sign(&fr, PF_T_2024_09_01 + 13 * PF_DAY_MS, &r, &e);
    a = pf_answer(PROTO_RESULT_AUTOMATIC, PROTO_OUTCOME_FULL, &e);
    assert_int_equal(CHECK(&q, &a, &d, &e, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "policy.valid_until");
}

static void test_missing_and_surplus(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    rn_diag d;

    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.spec");
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec), RN_EPROOF);
    assert_string_equal(d.field, "proof.provider");
    assert_int_equal(CHECK(&q, &a, &d, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.basis");
    /* Surplus: another decision, a policy, a spec the query does not name. */
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider, &W.decision_expired),
                     RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");
    assert_int_equal(CHECK(&q, &a, &d, &W.decision, &W.spec, &W.provider, &W.policy), RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");
    /* The spec of another id, instead of the one asked about. */
    proto_proof_query q2 = pf_query();
    q2.spec = proto_str_c("IE:resa/mc-c099");
    proto_proof_answer a2 = pf_answer(PROTO_RESULT_NO_DECISION, 0, NULL);
    assert_int_equal(CHECK(&q2, &a2, &d, &W.spec, &W.provider), RN_EPROOF);
    assert_string_equal(d.field, "proof.entries");

    /* A provider other than the spec's. */
    pf_author ie = W.ie;
    pf_entry other;
    proto_record r = pf_provider_record();
    r.u.provider.id = proto_str_c("IE:resa/univ-other");
    pf_sign(&ie, PF_T_2024_01_01, &r, &other);
    a2 = pf_answer(PROTO_RESULT_NO_DECISION, 0, NULL);
    assert_int_equal(CHECK(&q, &a2, &d, &W.spec, &other), RN_EPROOF);
    assert_string_equal(d.field, "proof.provider");
    /* Two providers. */
    assert_int_equal(CHECK(&q, &a2, &d, &W.spec, &W.provider, &other), RN_EPROOF);
    assert_string_equal(d.field, "proof.provider");
}

/* ---- Structure ---- */

static void test_encode_errors(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);

    /* Duplicate entries, and two different entries at one (author, seq). */
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.spec), 3),
                     RN_EDUPLICATE);
    pf_author fr = W.fr;
    fr.seq = 0; /* a fork: a second entry at seq 1 */
    pf_entry fork;
    proto_record r =
        pf_decision_record("FR:dec/2024-0042", PF_SPEC_ID, PROTO_PURPOSE_BOTH, PF_T_2024_09_01, 0);
    pf_sign(&fr, PF_T_2024_09_01, &r, &fork);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &fork, &W.spec, &W.provider), 4),
                     RN_EDUPLICATE);
    /* Too few entries; an entry that is not one. */
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision), 1), RN_EINVAL);
    pf_entry junk = W.spec;
    junk.b[0] = 0x97;
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &junk), 2), RN_EINVAL);
    /* Bad query and answer fields. */
    proto_proof_query bad = q;
    bad.country = proto_str_c("EL");
    assert_int_equal(pf_bundle(&b, &bad, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3),
                     RN_ECOUNTRY);
    bad = q;
    bad.spec = proto_str_c("resa/mc-c012");
    assert_int_not_equal(pf_bundle(&b, &bad, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);
    proto_proof_answer bada = a;
    bada.has_revoked = true;
    assert_int_equal(pf_bundle(&b, &q, &bada, ENTRIES(&W.decision, &W.spec, &W.provider), 3),
                     RN_EINCONSISTENT);
    bada = pf_answer(PROTO_RESULT_NO_DECISION, PROTO_OUTCOME_FULL, NULL);
    assert_int_equal(pf_bundle(&b, &q, &bada, ENTRIES(&W.spec, &W.provider), 2), RN_EINCONSISTENT);
    /* Nothing was written by the failures. */
    assert_int_equal(b.len, 0);
    assert_int_equal(mp_buf_err(&b), 0);
    /* A buffer too small. */
    mp_buf small;
    mp_buf_init(&small, 100);
    assert_int_equal(pf_bundle(&small, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3),
                     RN_ETOOBIG);
    assert_int_equal(small.len, 0);
    mp_buf_free(&small);
    mp_buf_free(&b);
}

/* proto_proof_encode_held (entries a replica checked against their ids) writes the very bytes
 * proto_proof_encode writes, in any order given, and refuses what it refuses. */
static void test_encode_held(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    const pf_entry *const orders[2][3] = { { &W.decision, &W.spec, &W.provider },
                                           { &W.provider, &W.decision, &W.spec } };
    for (int o = 0; o < 2; o++) {
        proto_proof p;
        mp_buf strict, held;
        memset(&p, 0, sizeof(p));
        p.query = q;
        p.answer = a;
        p.entries_n = 3;
        for (uint32_t i = 0; i < 3; i++)
            p.entries[i] = (proto_str){ orders[o][i]->b, (uint32_t)orders[o][i]->len };
        mp_buf_init(&strict, RN_PROOF_BYTES_MAX);
        mp_buf_init(&held, RN_PROOF_BYTES_MAX);
        assert_int_equal(proto_proof_encode(&p, &strict, NULL), 0);
        assert_int_equal(proto_proof_encode_held(&p, &held, NULL), 0);
        assert_int_equal(held.len, strict.len);
        assert_memory_equal(held.data, strict.data, strict.len);
        assert_int_equal(proto_proof_verify(held.data, held.len, &R, NULL, NULL), 0);
        /* Two entries at one (author, seq), and bytes without an entry's outline. */
        p.entries[2] = p.entries[1];
        assert_int_equal(proto_proof_encode_held(&p, &held, NULL), RN_EDUPLICATE);
        pf_entry junk = W.spec;
        junk.b[0] = 0x97;
        p.entries[2] = (proto_str){ junk.b, (uint32_t)junk.len };
        assert_int_equal(proto_proof_encode_held(&p, &held, NULL), RN_EINVAL);
        assert_int_equal(held.len, strict.len); /* nothing written by the failures */
        mp_buf_free(&strict);
        mp_buf_free(&held);
    }
}

/* Writes a bundle by hand, entries in the order given, so that the decoder can be shown what the
 * encoder never writes. `query` and `answer` are encoded maps. */
static void raw_bundle(mp_buf *b, const mp_buf *query, const mp_buf *answer,
                       const pf_entry *const *entries, uint32_t n)
{
    mp_buf_reset(b);
    mp_put_array(b, 4);
    mp_put_uint(b, 1);
    mp_buf_raw(b, query->data, query->len);
    mp_buf_raw(b, answer->data, answer->len);
    mp_put_array(b, n);
    for (uint32_t i = 0; i < n; i++)
        mp_put_bin(b, entries[i]->b, entries[i]->len);
    assert_int_equal(mp_buf_err(b), 0);
}

/* The encoded query map of pf_query(). */
static void good_query(mp_buf *m)
{
    mp_buf_reset(m);
    mp_put_map(m, 4);
    mp_put_uint(m, 1);
    mp_put_cstr(m, PF_SPEC_ID);
    mp_put_uint(m, 2);
    mp_put_cstr(m, "FR");
    mp_put_uint(m, 3);
    mp_put_uint(m, PROTO_PURPOSE_FURTHER_STUDY);
    mp_put_uint(m, 4);
    mp_put_uint(m, PF_T_2025_03_01);
}

static void no_decision_answer(mp_buf *m)
{
    mp_buf_reset(m);
    mp_put_map(m, 2);
    mp_put_uint(m, 1);
    mp_put_uint(m, PROTO_RESULT_NO_DECISION);
    mp_put_uint(m, 5);
    mp_put_bool(m, false);
}

static int verify_raw(const mp_buf *b, rn_diag *d)
{
    memset(d, 0, sizeof(*d));
    return proto_proof_verify(b->data, b->len, &R, NULL, d);
}

static void test_structure(void **state)
{
    (void)state;
    mp_buf b, q, a;
    rn_diag d;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX + 16);
    mp_buf_init(&q, 1024);
    mp_buf_init(&a, 1024);
    good_query(&q);
    no_decision_answer(&a);

    /* The hand-built bundle verifies: the raw writer agrees with the encoder. */
    raw_bundle(&b, &q, &a, ENTRIES(&W.spec, &W.provider), 2);
    assert_int_equal(verify_raw(&b, &d), RN_EFIELDORDER); /* spec is seq 2, provider seq 1 */
    assert_string_equal(d.field, "proof.entries");
    assert_int_equal(d.index, 2);
    raw_bundle(&b, &q, &a, ENTRIES(&W.provider, &W.spec), 2);
    assert_int_equal(verify_raw(&b, &d), 0);

    /* Every truncation fails, and so does every trailing byte. */
    for (size_t n = 0; n < b.len; n++)
        assert_int_not_equal(proto_proof_verify(b.data, n, &R, NULL, NULL), 0);
    size_t len = b.len;
    mp_put_nil(&b);
    assert_int_equal(verify_raw(&b, &d), RN_ETRAILING);
    b.len = len;

    /* Duplicate entries. */
    raw_bundle(&b, &q, &a, ENTRIES(&W.provider, &W.spec, &W.spec), 3);
    assert_int_equal(verify_raw(&b, &d), RN_EDUPLICATE);
    assert_int_equal(d.index, 3);

    /* Oversized: the bound is checked before anything is read. */
    uint8_t *big = calloc(1, RN_PROOF_BYTES_MAX + 1);
    assert_non_null(big);
    memcpy(big, b.data, b.len);
    assert_int_equal(proto_proof_verify(big, RN_PROOF_BYTES_MAX + 1, &R, NULL, &d), RN_ETOOBIG);
    free(big);

    /* Too many entries: RN_PROOF_ENTRIES_MAX + 1 (the count is checked before the entries). */
    {
        const pf_entry *many[RN_PROOF_ENTRIES_MAX + 1];
        for (size_t i = 0; i < RN_PROOF_ENTRIES_MAX + 1; i++)
            many[i] = &W.spec;
        raw_bundle(&b, &q, &a, many, RN_PROOF_ENTRIES_MAX + 1);
        assert_int_equal(verify_raw(&b, &d), RN_ECOUNT);
        assert_string_equal(d.field, "proof.entries");
        raw_bundle(&b, &q, &a, many, RN_PROOF_ENTRIES_MAX);
        assert_int_equal(verify_raw(&b, &d), RN_EDUPLICATE);
        raw_bundle(&b, &q, &a, many, 1);
        assert_int_equal(verify_raw(&b, &d), RN_ECOUNT);
    }

    /* Wrong types at the top. */
    const uint8_t map_top[] = { 0x84 };
    assert_int_equal(proto_proof_verify(map_top, 1, &R, NULL, &d), RN_ETYPE);
    const uint8_t three[] = { 0x93, 0x01, 0x80, 0x80 };
    assert_int_equal(proto_proof_verify(three, sizeof(three), &R, NULL, &d), RN_ECOUNT);
    const uint8_t version_str[] = { 0x94, 0xa1, '1' };
    assert_int_equal(proto_proof_verify(version_str, sizeof(version_str), &R, NULL, &d), RN_ETYPE);
    const uint8_t version_2[] = { 0x94, 0x02 };
    assert_int_equal(proto_proof_verify(version_2, sizeof(version_2), &R, NULL, &d), RN_EVERSION);
    const uint8_t query_array[] = { 0x94, 0x01, 0x90 };
    assert_int_equal(proto_proof_verify(query_array, sizeof(query_array), &R, NULL, &d), RN_ETYPE);
    assert_string_equal(d.field, "proof.query");

    /* Entries as a map, and an entry as a string. */
    mp_buf_reset(&b);
    mp_put_array(&b, 4);
    mp_put_uint(&b, 1);
    mp_buf_raw(&b, q.data, q.len);
    mp_buf_raw(&b, a.data, a.len);
    len = b.len;
    mp_put_map(&b, 0);
    assert_int_equal(verify_raw(&b, &d), RN_ETYPE);
    assert_string_equal(d.field, "proof.entries");
    b.len = len;
    mp_put_array(&b, 2);
    mp_put_str(&b, W.provider.b, W.provider.len);
    mp_put_bin(&b, W.spec.b, W.spec.len);
    assert_int_equal(verify_raw(&b, &d), RN_ETYPE);
    assert_int_equal(d.index, 1);
    /* An entry too long to be one (checked before it is decoded). */
    b.len = len;
    {
        static uint8_t huge[RN_ENTRY_BYTES_MAX + 1];
        mp_put_array(&b, 2);
        mp_put_bin(&b, W.provider.b, W.provider.len);
        mp_put_bin(&b, huge, sizeof(huge));
        assert_int_equal(verify_raw(&b, &d), RN_ETOOBIG);
        assert_int_equal(d.index, 2);
    }
    /* An entry that does not decode: the entry decoder's error, with the entry's position. */
    b.len = len;
    mp_put_array(&b, 2);
    mp_put_bin(&b, W.provider.b, W.provider.len);
    mp_put_bin(&b, W.spec.b, W.spec.len - 1);
    assert_int_not_equal(verify_raw(&b, &d), 0);
    assert_int_equal(d.index, 2);

    mp_buf_free(&a);
    mp_buf_free(&q);
    mp_buf_free(&b);
}

/* One query or answer map written by hand, and the error it must give. */
typedef struct map_case {
    const char *what;
    int want;
    const char *field;
} map_case;

static void test_query_answer_fields(void **state)
{
    (void)state;
    mp_buf b, q, a;
    rn_diag d;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    mp_buf_init(&q, 1024);
    mp_buf_init(&a, 1024);
    const pf_entry *const ents[] = { &W.provider, &W.spec };
    uint8_t key32[32] = { 0 };

    /* Query: each field missing. */
    for (unsigned skip = 1; skip <= 4; skip++) {
        static const char *const names[] = { NULL, "proof.query.spec", "proof.query.country",
                                             "proof.query.purpose", "proof.query.at" };
        mp_buf_reset(&q);
        mp_put_map(&q, 3);
        if (skip != 1) {
            mp_put_uint(&q, 1);
            mp_put_cstr(&q, PF_SPEC_ID);
        }
        if (skip != 2) {
            mp_put_uint(&q, 2);
            mp_put_cstr(&q, "FR");
        }
        if (skip != 3) {
            mp_put_uint(&q, 3);
            mp_put_uint(&q, 1);
        }
        if (skip != 4) {
            mp_put_uint(&q, 4);
            mp_put_uint(&q, PF_T_2025_03_01);
        }
        no_decision_answer(&a);
        raw_bundle(&b, &q, &a, ents, 2);
        assert_int_equal(verify_raw(&b, &d), RN_EMISSING);
        assert_string_equal(d.field, names[skip]);
    }
    /* Query: an unknown key, keys out of order, a repeated key, bad values. */
    struct {
        int kind; /* 0 unknown key 7, 1 swap keys 1 and 2, 2 repeat key 4, 3.. bad values */
        int want;
        const char *field;
    } qc[] = {
        { 0, RN_EUNKNOWNFIELD, "proof.query" },
        { 1, RN_EFIELDORDER, "proof.query" },
        { 2, RN_EFIELDORDER, "proof.query" },
        { 3, RN_ECOUNTRY, "proof.query.country" },
        { 4, RN_EENUM, "proof.query.purpose" },
        { 5, RN_ETIME, "proof.query.at" },
        { 6, RN_EID, "proof.query.spec" },
        { 7, RN_ELEN, "proof.query.credential" },
        { 8, RN_ETYPE, "proof.query.at" },
        { 9, RN_ECOUNTRY, "proof.query.country" },
        { 10, RN_EENUM, "proof.query.purpose" },
        { 11, RN_ETYPE, "proof.query.valid_at" },
        { 12, RN_EINCONSISTENT, "proof.query.valid_at" },
        { 13, RN_ETIME, "proof.query.valid_at" },
    };
    for (size_t i = 0; i < sizeof(qc) / sizeof(qc[0]); i++) {
        int k = qc[i].kind;
        mp_buf_reset(&q);
        mp_put_map(&q, k == 0 || k == 2 || k == 7 || k >= 11 ? 5 : 4);
        if (k == 1) {
            mp_put_uint(&q, 2);
            mp_put_cstr(&q, "FR");
            mp_put_uint(&q, 1);
            mp_put_cstr(&q, PF_SPEC_ID);
        } else {
            mp_put_uint(&q, 1);
            mp_put_cstr(&q, k == 6 ? "IE-resa/mc-c012" : PF_SPEC_ID);
            mp_put_uint(&q, 2);
            mp_put_cstr(&q, k == 3 ? "EL" : k == 9 ? "GB" : "FR");
        }
        mp_put_uint(&q, 3);
        mp_put_uint(&q, k == 4 ? 4 : k == 10 ? 0 : 1);
        mp_put_uint(&q, 4);
        if (k == 8)
            mp_put_cstr(&q, "2025-03-01");
        else
            mp_put_uint(&q, k == 5 ? RN_TIME_MS_MAX + 1 : PF_T_2025_03_01);
        if (k == 0) {
            mp_put_uint(&q, 7);
            mp_put_nil(&q);
        } else if (k >= 11) {
            /* valid_at: nil, equal to at (a second spelling), past the last time. */
            mp_put_uint(&q, 6);
            if (k == 11)
                mp_put_nil(&q);
            else
                mp_put_uint(&q, k == 12 ? PF_T_2025_03_01 : RN_TIME_MS_MAX + 1);
        } else if (k == 2) {
            mp_put_uint(&q, 4);
            mp_put_uint(&q, 1);
        } else if (k == 7) {
            mp_put_uint(&q, 5);
            mp_put_bin(&q, key32, 31);
        }
        no_decision_answer(&a);
        raw_bundle(&b, &q, &a, ents, 2);
        assert_int_equal(verify_raw(&b, &d), qc[i].want);
        assert_string_equal(d.field, qc[i].field);
    }

    /* Answers, against the good query. */
    good_query(&q);
    struct {
        uint32_t result;
        int outcome; /* -1: absent */
        int author;  /* 0: absent, 1: 32 bytes, 2: 31 bytes */
        int64_t seq; /* -1: absent */
        int forked;  /* -1: absent, 0/1, 2: written as uint */
        int revoked; /* -1: absent */
        int want;
        const char *field;
    } ac[] = {
        { 3, -1, 0, -1, 0, -1, 0, NULL },
        { 3, -1, 0, -1, -1, -1, RN_EMISSING, "proof.answer.forked" },
        { 0, -1, 0, -1, 0, -1, RN_EENUM, "proof.answer.result" },
        { 4, -1, 0, -1, 0, -1, RN_EENUM, "proof.answer.result" },
        { 3, 1, 0, -1, 0, -1, RN_EINCONSISTENT, "proof.answer.outcome" },
        { 3, -1, 1, -1, 0, -1, RN_EINCONSISTENT, "proof.answer.basis_author" },
        { 3, -1, 0, 1, 0, -1, RN_EINCONSISTENT, "proof.answer.basis_seq" },
        { 3, -1, 0, -1, 0, 0, RN_EINCONSISTENT, "proof.answer.revoked" },
        { 3, -1, 0, -1, 2, -1, RN_ETYPE, "proof.answer.forked" },
        { 1, -1, 1, 1, 0, -1, RN_EMISSING, "proof.answer.outcome" },
        { 1, 1, 0, 1, 0, -1, RN_EMISSING, "proof.answer.basis_author" },
        { 1, 1, 1, -1, 0, -1, RN_EMISSING, "proof.answer.basis_seq" },
        { 1, 5, 1, 1, 0, -1, RN_EENUM, "proof.answer.outcome" },
        { 1, 0, 1, 1, 0, -1, RN_EENUM, "proof.answer.outcome" },
        { 1, 1, 2, 1, 0, -1, RN_ELEN, "proof.answer.basis_author" },
        { 1, 1, 1, 0, 0, -1, RN_ESEQ, "proof.answer.basis_seq" },
        { 1, 1, 1, (int64_t)RN_SEQ_MAX + 1, 0, -1, RN_ESEQ, "proof.answer.basis_seq" },
    };
    for (size_t i = 0; i < sizeof(ac) / sizeof(ac[0]); i++) {
        uint32_t n = (uint32_t)(1 + (ac[i].outcome >= 0) + (ac[i].author > 0) + (ac[i].seq >= 0) +
                                (ac[i].forked >= 0) + (ac[i].revoked >= 0));
        mp_buf_reset(&a);
        mp_put_map(&a, n);
        mp_put_uint(&a, 1);
        mp_put_uint(&a, ac[i].result);
        if (ac[i].outcome >= 0) {
            mp_put_uint(&a, 2);
            mp_put_uint(&a, (uint64_t)ac[i].outcome);
        }
        if (ac[i].author > 0) {
            mp_put_uint(&a, 3);
            mp_put_bin(&a, W.fr.pk, ac[i].author == 1 ? 32 : 31);
        }
        if (ac[i].seq >= 0) {
            mp_put_uint(&a, 4);
            mp_put_uint(&a, (uint64_t)ac[i].seq);
        }
        if (ac[i].forked >= 0) {
            mp_put_uint(&a, 5);
            if (ac[i].forked == 2)
                mp_put_uint(&a, 0);
            else
                mp_put_bool(&a, ac[i].forked == 1);
        }
        if (ac[i].revoked >= 0) {
            mp_put_uint(&a, 6);
            mp_put_bool(&a, ac[i].revoked == 1);
        }
        raw_bundle(&b, &q, &a, ents, 2);
        int rc = verify_raw(&b, &d);
        assert_int_equal(rc, ac[i].want);
        if (ac[i].field != NULL)
            assert_string_equal(d.field, ac[i].field);
    }
    /* Answer keys out of order and unknown. */
    mp_buf_reset(&a);
    mp_put_map(&a, 2);
    mp_put_uint(&a, 5);
    mp_put_bool(&a, false);
    mp_put_uint(&a, 1);
    mp_put_uint(&a, 3);
    raw_bundle(&b, &q, &a, ents, 2);
    assert_int_equal(verify_raw(&b, &d), RN_EFIELDORDER);
    mp_buf_reset(&a);
    mp_put_map(&a, 3);
    mp_put_uint(&a, 1);
    mp_put_uint(&a, 3);
    mp_put_uint(&a, 5);
    mp_put_bool(&a, false);
    mp_put_uint(&a, 7);
    mp_put_bool(&a, false);
    raw_bundle(&b, &q, &a, ents, 2);
    assert_int_equal(verify_raw(&b, &d), RN_EUNKNOWNFIELD);

    mp_buf_free(&a);
    mp_buf_free(&q);
    mp_buf_free(&b);
}

/* Every byte of a valid bundle, changed: never a crash, never an out-of-bounds read (the suite
 * runs under ASan in CI), and never accepted, with one exception that is no forgery: a changed
 * `at` that still falls within the decision's validity asks another question whose true answer is
 * the same, and the verifier rightly accepts it (the bundle binds the answer to the entries, not
 * to one instant). Likewise "forked" may be set, since the bundle does not prove it either way. */
static void test_mutations(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);

    /* Where `at` lies: uint64 0xcf and its 8 big-endian bytes. */
    uint8_t at_enc[9] = { 0xcf };
    for (int k = 0; k < 8; k++)
        at_enc[1 + k] = (uint8_t)(PF_T_2025_03_01 >> (56 - 8 * k));
    size_t at_pos = 0;
    while (at_pos + 9 <= b.len && memcmp(b.data + at_pos, at_enc, 9) != 0)
        at_pos++;
    assert_true(at_pos + 9 <= b.len);

    uint8_t *m = malloc(b.len);
    assert_non_null(m);
    for (size_t i = 0; i < b.len; i++) {
        for (unsigned x = 1; x < 256; x <<= 1) {
            memcpy(m, b.data, b.len);
            m[i] ^= (uint8_t)x;
            proto_proof p;
            if (proto_proof_verify(m, b.len, &R, &p, NULL) != 0)
                continue;
            if (p.answer.forked) {
                /* The other exception: "forked" is the producer's statement (proof.h). */
                assert_int_equal(b.data[i], 0xc2);
                continue;
            }
            assert_true(i > at_pos && i < at_pos + 9);
            assert_true(p.query.at_ms >= PF_T_2024_09_01 && p.query.at_ms < PF_T_2027_09_01);
        }
    }
    free(m);
    mp_buf_free(&b);
}

/* Result names and numbers, both ways; anything else is RN_EENUM. */
static void test_result_names(void **state)
{
    (void)state;
    for (int n = PROTO_RESULT_DECISION; n <= PROTO_RESULT_NO_DECISION; n++)
        assert_int_equal(proto_result_parse(proto_result_name(n)), n);
    assert_string_equal(proto_result_name(PROTO_RESULT_AUTOMATIC), "automatic");
    assert_null(proto_result_name(0));
    assert_null(proto_result_name(PROTO_RESULT_NO_DECISION + 1));
    assert_int_equal(proto_result_parse(NULL), RN_EENUM);
    assert_int_equal(proto_result_parse(""), RN_EENUM);
    assert_int_equal(proto_result_parse("Decision"), RN_EENUM);
    assert_int_equal(proto_result_parse("decisions"), RN_EENUM);
}

/* ---- Against a governed roster (PROTOCOL.md 4.4 and 5.4) ---- */

/* The chain of the fixture's roster (IE, FR, DE and a mirror; majority, 2 of 3) with one change
 * replacing France's key: planned (type 4, signed by the old key too) or compromised (type 5,
 * trusting France's entries up to `last_seq`, the entry `last_id`). */
static void chain_with_fr_rotation(proto_rosterchain *ch, proto_rc_optype type, uint64_t last_seq,
                                   const uint8_t *last_id, pf_author *fr2)
{
    mp_buf g;
    rn_diag d;
    proto_rc_change *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    mp_buf_init(&g, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    assert_int_equal(proto_rosterchain_genesis_encode("proof test", 10, 0, PF_T_2023_01_02, &R, &g),
                     0);
    assert_int_equal(proto_rosterchain_init(ch, g.data, g.len, &d), 0);
    mp_buf_free(&g);
    pf_author_init(fr2, 'G');
    assert_int_equal(proto_rosterchain_change_start(ch, PF_T_2025_03_01 + PF_DAY_MS, c), 0);
    c->ops_n = 1;
    c->ops[0].type = type;
    memcpy(c->ops[0].key, W.fr.pk, PROTO_KEY_BYTES);
    memcpy(c->ops[0].new_key, fr2->pk, PROTO_KEY_BYTES);
    c->ops[0].last_seq = last_seq;
    if (last_seq > 0)
        memcpy(c->ops[0].last_id, last_id, PROTO_ID_BYTES);
    if (type == PROTO_RC_ROTATE)
        assert_int_equal(proto_rosterchain_change_sign(c, W.fr.sk, W.fr.pk), 0);
    assert_int_equal(proto_rosterchain_change_sign(c, W.ie.sk, W.ie.pk), 0);
    assert_int_equal(proto_rosterchain_change_sign(c, W.de.sk, W.de.pk), 0);
    assert_int_equal(proto_rosterchain_apply(ch, c, &d), 0);
    free(c);
}

static int verify_chain(const proto_rosterchain *ch, const mp_buf *b, rn_diag *d)
{
    proto_authors a;
    assert_int_equal(proto_authors_build(&a, ch), 0);
    memset(d, 0, sizeof(*d));
    int rc = proto_proof_verify_authors(b->data, b->len, &a, &ch->current, NULL, d);
    proto_authors_free(&a);
    return rc;
}

static void test_chain(void **state)
{
    (void)state;
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    proto_rosterchain ch;
    pf_author fr2;
    uint8_t decision_id[PROTO_ID_BYTES];
    rn_diag d;
    mp_buf b;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&W.decision, &W.spec, &W.provider), 3), 0);
    proto_entry_id(W.decision.b, W.decision.len, decision_id);

    /* The genesis alone: the roster of the fixture. */
    chain_with_fr_rotation(&ch, PROTO_RC_ROTATE, 0, NULL, &fr2);
    /* A planned rotation: France's decision, made under its old key, still verifies. */
    assert_int_equal(verify_chain(&ch, &b, &d), 0);
    /* The roster in force now lists only the new key: against it the bundle fails. */
    assert_int_equal(proto_proof_verify(b.data, b.len, &ch.current, NULL, &d), RN_EROSTER);
    proto_rosterchain_free(&ch);

    /* A compromised rotation trusting France's log up to its decision (seq 1). */
    chain_with_fr_rotation(&ch, PROTO_RC_ROTATE_COMPROMISED, 1, decision_id, &fr2);
    assert_int_equal(verify_chain(&ch, &b, &d), 0);
    proto_rosterchain_free(&ch);
    /* ... trusting nothing of it: the decision is past the cut. */
    chain_with_fr_rotation(&ch, PROTO_RC_ROTATE_COMPROMISED, 0, NULL, &fr2);
    assert_int_equal(verify_chain(&ch, &b, &d), RN_ESUPERSEDED);
    assert_string_equal(d.field, "entry.seq");
    proto_rosterchain_free(&ch);
    /* ... trusting another entry at seq 1 (the attacker's fork is what was kept). */
    uint8_t other[PROTO_ID_BYTES];
    memset(other, 0x42, sizeof(other));
    chain_with_fr_rotation(&ch, PROTO_RC_ROTATE_COMPROMISED, 1, other, &fr2);
    assert_int_equal(verify_chain(&ch, &b, &d), RN_ESUPERSEDED);
    proto_rosterchain_free(&ch);
    mp_buf_free(&b);

    /* France's new key speaks for France too: a decision it signs is a basis. */
    chain_with_fr_rotation(&ch, PROTO_RC_ROTATE, 0, NULL, &fr2);
    pf_entry succ, dec2;
    proto_record r;
    memset(&r, 0, sizeof(r));
    r.kind = PROTO_KIND_SUCCESSION;
    r.u.succession.predecessor = W.fr.pk;
    r.u.succession.last_seq = 1;
    r.u.succession.last_id = decision_id;
    pf_sign(&fr2, PF_T_2025_03_01 + 2 * PF_DAY_MS, &r, &succ);
    r = pf_decision_record("FR:dec/2025-0001", PF_SPEC_ID, PROTO_PURPOSE_FURTHER_STUDY,
                           PF_T_2024_09_01, 0);
    pf_sign(&fr2, PF_T_2025_03_01 + 3 * PF_DAY_MS, &r, &dec2);
    q.at_ms = PF_T_2025_03_01 + 4 * PF_DAY_MS;
    a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, NULL);
    a.basis_author = fr2.pk;
    a.basis_seq = 2;
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&dec2, &W.spec, &W.provider), 3), 0);
    assert_int_equal(verify_chain(&ch, &b, &d), 0);
    /* Against the genesis roster the new key is a stranger. */
    assert_int_equal(proto_proof_verify(b.data, b.len, &R, NULL, &d), RN_EROSTER);
    mp_buf_free(&b);
    /* A succession fills no role of a bundle. */
    mp_buf_init(&b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(&b, &q, &a, ENTRIES(&succ, &dec2, &W.spec, &W.provider), 4), 0);
    assert_int_equal(verify_chain(&ch, &b, &d), RN_EPROOF);
    mp_buf_free(&b);
    proto_rosterchain_free(&ch);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decision),
        cmocka_unit_test(test_result_names),
        cmocka_unit_test(test_automatic),
        cmocka_unit_test(test_no_decision),
        cmocka_unit_test(test_revoked),
        cmocka_unit_test(test_tampered),
        cmocka_unit_test(test_diag_positions),
        cmocka_unit_test(test_roster),
        cmocka_unit_test(test_decision_mismatch),
        cmocka_unit_test(test_policy_mismatch),
        cmocka_unit_test(test_policy_conditions),
        cmocka_unit_test(test_missing_and_surplus),
        cmocka_unit_test(test_encode_errors),
        cmocka_unit_test(test_encode_held),
        cmocka_unit_test(test_structure),
        cmocka_unit_test(test_query_answer_fields),
        cmocka_unit_test(test_mutations),
        cmocka_unit_test(test_valid_at),
        cmocka_unit_test(test_chain),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
