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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid_at),
        cmocka_unit_test(test_purpose_covers),
        cmocka_unit_test(test_decision_unmet),
        cmocka_unit_test(test_policy_unmet),
        cmocka_unit_test(test_policy_conditions_unmet),
        cmocka_unit_test(test_answer_recognises),
    };
    return cmocka_run_group_tests_name("rules", tests, NULL, NULL);
}
