/*
 * rules_test.c: the recognition rules (proto/rules.h) that the query engine and the proof
 * verifier share, each at its boundaries: validity at the first and last millisecond and one
 * past, open-ended validity, purpose coverage over every pair of purposes, and for decisions and
 * policies the field that each failing term names, in the order rules.h states, and which answers
 * recognise. The conditions of
 * policies are checked one at a time on the ELM spec in query_test.c (proto_policy_matches) and
 * through the verifier in proof_test.c; here each condition's field is checked once.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "proto/codes.h"
#include "proto/proof.h"
#include "proto/rules.h"

#define T0 1700000000000u /* a validity start */
#define T1 1800000000000u /* a validity end */

static void test_valid_at(void **state)
{
    (void)state;
    assert_false(proto_valid_at(T0, T1, T0 - 1));
    assert_true(proto_valid_at(T0, T1, T0));
    assert_true(proto_valid_at(T0, T1, T1 - 1));
    assert_false(proto_valid_at(T0, T1, T1));
    /* No end: valid from its start for ever. */
    assert_false(proto_valid_at(T0, 0, T0 - 1));
    assert_true(proto_valid_at(T0, 0, T0));
    assert_true(proto_valid_at(T0, 0, UINT64_MAX));
    /* From the epoch. */
    assert_true(proto_valid_at(0, 0, 0));
    assert_false(proto_valid_at(0, 1, 1));
}

static void test_purpose_covers(void **state)
{
    (void)state;
    static const uint32_t p[] = { PROTO_PURPOSE_FURTHER_STUDY, PROTO_PURPOSE_EMPLOYMENT,
                                  PROTO_PURPOSE_BOTH };
    /* covers[have][want] */
    static const bool covers[3][3] = { { true, false, false },
                                       { false, true, false },
                                       { true, true, true } };
    for (size_t h = 0; h < 3; h++)
        for (size_t w = 0; w < 3; w++)
            assert_int_equal(proto_purpose_covers(p[h], p[w]), covers[h][w]);
}

static void assert_field(const char *got, const char *want)
{
    if (want == NULL)
        assert_null(got);
    else
        assert_string_equal(got != NULL ? got : "(null)", want);
}

static proto_decision decision(void)
{
    proto_decision d;
    memset(&d, 0, sizeof(d));
    d.id = proto_str_c("FR:dec/1");
    d.spec = proto_str_c("IE:spec/1");
    d.purpose = PROTO_PURPOSE_EMPLOYMENT;
    d.outcome = PROTO_OUTCOME_FULL;
    d.valid_from_ms = T0;
    d.valid_until_ms = T1;
    return d;
}

static void test_decision_unmet(void **state)
{
    (void)state;
    proto_decision d = decision();
    proto_str spec = proto_str_c("IE:spec/1");
    uint32_t em = PROTO_PURPOSE_EMPLOYMENT;

    assert_field(proto_decision_unmet(&d, spec, em, T0), NULL);
    assert_field(proto_decision_unmet(&d, proto_str_c("IE:spec/10"), em, T0), "decision.spec");
    assert_field(proto_decision_unmet(&d, proto_str_c("IE:spec/"), em, T0), "decision.spec");
    assert_field(proto_decision_unmet(&d, spec, PROTO_PURPOSE_BOTH, T0), "decision.purpose");
    assert_field(proto_decision_unmet(&d, spec, em, T0 - 1), "decision.valid_from");
    assert_field(proto_decision_unmet(&d, spec, em, T1), "decision.valid_until");
    /* The order of rules.h: spec before purpose before validity. */
    assert_field(proto_decision_unmet(&d, proto_str_c("IE:x"), PROTO_PURPOSE_BOTH, T1),
                 "decision.spec");
    assert_field(proto_decision_unmet(&d, spec, PROTO_PURPOSE_BOTH, T1), "decision.purpose");
    /* A decision for both purposes answers either. */
    d.purpose = PROTO_PURPOSE_BOTH;
    assert_field(proto_decision_unmet(&d, spec, PROTO_PURPOSE_FURTHER_STUDY, T1 - 1), NULL);
    /* The outcome is not a term of the query. */
    d.outcome = PROTO_OUTCOME_DENIED;
    assert_field(proto_decision_unmet(&d, spec, em, T0), NULL);
}

static proto_policy policy(void)
{
    proto_policy p;
    memset(&p, 0, sizeof(p));
    p.id = proto_str_c("FR:pol/1");
    p.purpose = PROTO_PURPOSE_FURTHER_STUDY;
    p.outcome = PROTO_OUTCOME_CONDITIONAL;
    p.conditions = proto_str_c("an interview");
    p.valid_from_ms = T0;
    p.status = PROTO_STATUS_ACTIVE;
    return p;
}

static void test_policy_unmet(void **state)
{
    (void)state;
    proto_policy p = policy();
    uint32_t fs = PROTO_PURPOSE_FURTHER_STUDY;

    assert_field(proto_policy_unmet(&p, fs, T0), NULL);
    assert_field(proto_policy_unmet(&p, fs, UINT64_MAX), NULL);
    assert_field(proto_policy_unmet(&p, PROTO_PURPOSE_EMPLOYMENT, T0), "policy.purpose");
    assert_field(proto_policy_unmet(&p, fs, T0 - 1), "policy.valid_from");
    p.valid_until_ms = T1;
    assert_field(proto_policy_unmet(&p, fs, T1 - 1), NULL);
    assert_field(proto_policy_unmet(&p, fs, T1), "policy.valid_until");
    /* Status first. */
    p.status = PROTO_STATUS_WITHDRAWN;
    assert_field(proto_policy_unmet(&p, fs, T0), "policy.status");
    assert_field(proto_policy_unmet(&p, PROTO_PURPOSE_EMPLOYMENT, T1), "policy.status");
}

static void test_policy_conditions_unmet(void **state)
{
    (void)state;
    proto_policy p = policy();
    proto_spec s;
    proto_provider pv;
    int external = proto_codes_vocab_number(PROTO_VOCAB_QA, "external", 8);
    assert_true(external > 0);

    memset(&s, 0, sizeof(s));
    memset(&pv, 0, sizeof(pv));
    pv.country = proto_str_c("IE");
    s.eqf = 5;
    s.ects_centi = 500;
    s.qa_type = (uint32_t)external;
    s.isced = proto_str_c("0613");

    /* A policy that names no condition admits every spec. */
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), NULL);
    assert_true(proto_policy_matches(&p, &s, &pv));

    static const proto_str countries[] = { { (const uint8_t *)"FR", 2 },
                                           { (const uint8_t *)"IE", 2 } };
    p.issuer_countries_n = 1;
    memcpy(p.issuer_countries, countries, sizeof(countries[0]));
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), "policy.issuer_countries");
    assert_false(proto_policy_matches(&p, &s, &pv));
    p.issuer_countries_n = 2;
    memcpy(p.issuer_countries, countries, sizeof(countries));
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), NULL);

    p.eqf_min = 6;
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), "policy.eqf_min");
    p.eqf_min = 0;
    p.eqf_max = 4;
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), "policy.eqf_max");
    p.eqf_max = 5;
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), NULL);
    s.eqf = 0; /* a spec without a level meets no range */
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), "policy.eqf_min");
    s.eqf = 5;

    p.ects_min_centi = 501;
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), "policy.ects_min");
    p.ects_min_centi = 500;
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), NULL);

    p.external_qa = true;
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), NULL);
    s.qa_type = (uint32_t)external + 1;
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), "policy.external_qa");
    s.qa_type = (uint32_t)external;

    p.isced_prefixes_n = 1;
    p.isced_prefixes[0] = proto_str_c("07");
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), "policy.isced_prefixes");
    p.isced_prefixes[0] = proto_str_c("06");
    assert_field(proto_policy_conditions_unmet(&p, &s, &pv), NULL);
    assert_true(proto_policy_matches(&p, &s, &pv));
}

static void test_answer_recognises(void **state)
{
    (void)state;
    static const uint32_t results[] = { 0, PROTO_RESULT_DECISION, PROTO_RESULT_AUTOMATIC,
                                        PROTO_RESULT_NO_DECISION, 4 };
    static const uint32_t outcomes[] = { 0,
                                         PROTO_OUTCOME_FULL,
                                         PROTO_OUTCOME_PARTIAL,
                                         PROTO_OUTCOME_CONDITIONAL,
                                         PROTO_OUTCOME_DENIED,
                                         5 };
    for (size_t r = 0; r < sizeof(results) / sizeof(results[0]); r++)
        for (size_t o = 0; o < sizeof(outcomes) / sizeof(outcomes[0]); o++) {
            bool basis =
                results[r] == PROTO_RESULT_DECISION || results[r] == PROTO_RESULT_AUTOMATIC;
            bool positive =
                outcomes[o] >= PROTO_OUTCOME_FULL && outcomes[o] <= PROTO_OUTCOME_CONDITIONAL;
            assert_int_equal(proto_answer_recognises(results[r], outcomes[o]), basis && positive);
        }
}

/* The status at a valid time, from a history of (status, timestamp) versions. */
static uint32_t status_at(const uint32_t *st, const uint64_t *ts, size_t n, uint64_t t)
{
    proto_status_walk w;
    proto_status_walk_init(&w, t);
    for (size_t i = 0; i < n; i++)
        proto_status_walk_step(&w, st[i], ts[i]);
    return w.status;
}

static void test_status_walk(void **state)
{
    (void)state;
    enum { A = PROTO_PROVIDER_ACTIVE, S = PROTO_PROVIDER_SUSPENDED, W = PROTO_PROVIDER_WITHDRAWN };
    /* Nothing walked: no status. One version: its status from the beginning of time. */
    assert_int_equal(status_at(NULL, NULL, 0, T0), 0);
    uint32_t one[] = { A };
    uint64_t one_ts[] = { T1 };
    assert_int_equal(status_at(one, one_ts, 1, 0), A);
    assert_int_equal(status_at(one, one_ts, 1, T1 + 1), A);
    /* Active, suspended at T0 + 10, active again at T0 + 20 (a name change at T0 + 25 keeps the
     * run), withdrawn at T0 + 30: each change from its own timestamp, the suspension kept. */
    uint32_t st[] = { A, S, A, A, W };
    uint64_t ts[] = { T0, T0 + 10, T0 + 20, T0 + 25, T0 + 30 };
    assert_int_equal(status_at(st, ts, 5, 0), A);
    assert_int_equal(status_at(st, ts, 5, T0 + 9), A);
    assert_int_equal(status_at(st, ts, 5, T0 + 10), S);
    assert_int_equal(status_at(st, ts, 5, T0 + 19), S);
    assert_int_equal(status_at(st, ts, 5, T0 + 20), A);
    assert_int_equal(status_at(st, ts, 5, T0 + 29), A);
    assert_int_equal(status_at(st, ts, 5, T0 + 30), W);
    assert_int_equal(status_at(st, ts, 5, UINT64_MAX), W);
    /* Known at T0 + 12 (the first two versions): suspended from T0 + 10 on. */
    assert_int_equal(status_at(st, ts, 2, T0 + 30), S);
    /* A first version that is withdrawn is withdrawn at every time. */
    uint32_t wd[] = { W, A };
    uint64_t wd_ts[] = { T0, T0 + 5 };
    assert_int_equal(status_at(wd, wd_ts, 2, 0), W);
    assert_int_equal(status_at(wd, wd_ts, 2, T0 + 4), W);
    assert_int_equal(status_at(wd, wd_ts, 2, T0 + 5), A);
}

static void test_key_walk(void **state)
{
    (void)state;
    proto_key_walk w;
    proto_key_walk_init(&w);
    assert_int_equal(proto_key_walk_at(&w, T0), PROTO_KEY_UNLISTED);
    /* Not listed, then listed from T0 - 100 (registered retroactively at T0), to T1. */
    proto_key_walk_step(&w, false, 0, 0, T0 - 1000);
    proto_key_walk_step(&w, true, T0 - 100, T1, T0);
    assert_int_equal(w.first_listed_ms, T0);
    assert_int_equal(proto_key_walk_at(&w, T0 - 101), PROTO_KEY_NOT_YET_VALID);
    assert_int_equal(proto_key_walk_at(&w, T0 - 100), PROTO_KEY_VALID);
    assert_int_equal(proto_key_walk_at(&w, T1 - 1), PROTO_KEY_VALID);
    assert_int_equal(proto_key_walk_at(&w, T1), PROTO_KEY_EXPIRED);
    /* A later version corrects its start: the latest listing window counts. */
    proto_key_walk_step(&w, true, T0 - 200, T1, T0 + 10);
    assert_int_equal(proto_key_walk_at(&w, T0 - 150), PROTO_KEY_VALID);
    assert_int_equal(w.first_listed_ms, T0);
    /* Dropped at T0 + 20: withdrawn from then on, still valid before. */
    proto_key_walk_step(&w, false, 0, 0, T0 + 20);
    proto_key_walk_step(&w, false, 0, 0, T0 + 30);
    assert_int_equal(w.dropped_ms, T0 + 20);
    assert_int_equal(proto_key_walk_at(&w, T0 + 19), PROTO_KEY_VALID);
    assert_int_equal(proto_key_walk_at(&w, T0 + 20), PROTO_KEY_UNLISTED);
    /* Listed again: the drop is forgotten, the first registration kept. */
    proto_key_walk_step(&w, true, T0, 0, T0 + 40);
    assert_int_equal(proto_key_walk_at(&w, T0 + 25), PROTO_KEY_VALID);
    assert_int_equal(proto_key_walk_at(&w, UINT64_MAX), PROTO_KEY_VALID);
    assert_int_equal(w.first_listed_ms, T0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_at),
        cmocka_unit_test(test_purpose_covers),
        cmocka_unit_test(test_decision_unmet),
        cmocka_unit_test(test_policy_unmet),
        cmocka_unit_test(test_policy_conditions_unmet),
        cmocka_unit_test(test_answer_recognises),
        cmocka_unit_test(test_status_walk),
        cmocka_unit_test(test_key_walk),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
