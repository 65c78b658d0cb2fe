/*
 * rules.c: the recognition rules that the query engine and the proof verifier share (rules.h).
 *
 * Each rule is a few comparisons, called once per candidate record in a recognise query (some
 * tens per call, at hundreds of thousands of calls a second) and once per bundle in a
 * verification, so nothing here allocates or decodes: the records come decoded. The order in
 * which terms are checked only decides which field a failure names; whether a record applies does
 * not depend on it.
 */
#include "rules.h"

#include "codes.h"
#include "error.h"
#include "proof.h"

bool proto_valid_at(uint64_t from_ms, uint64_t until_ms, uint64_t at_ms)
{
    return from_ms <= at_ms && (until_ms == 0 || at_ms < until_ms);
}

bool proto_revoked_at(uint64_t revoked_at_ms, uint64_t t_ms)
{
    return revoked_at_ms <= t_ms;
}

bool proto_purpose_covers(uint32_t have, uint32_t want)
{
    return have == want || have == PROTO_PURPOSE_BOTH;
}

/* The field that names why [from, until) does not hold `at`, given that it does not. */
static const char *validity_field(uint64_t from_ms, const char *from_field, const char *until_field,
                                  uint64_t at_ms)
{
    return from_ms > at_ms ? from_field : until_field;
}

const char *proto_decision_unmet(const proto_decision *dec, proto_str spec_id, uint32_t purpose,
                                 uint64_t at_ms)
{
    if (!proto_str_eq(dec->spec, spec_id))
        return "decision.spec";
    if (!proto_purpose_covers(dec->purpose, purpose))
        return "decision.purpose";
    if (!proto_valid_at(dec->valid_from_ms, dec->valid_until_ms, at_ms))
        return validity_field(dec->valid_from_ms, "decision.valid_from", "decision.valid_until",
                              at_ms);
    return NULL;
}

const char *proto_policy_unmet(const proto_policy *pol, uint32_t purpose, uint64_t at_ms)
{
    if (pol->status != PROTO_STATUS_ACTIVE)
        return "policy.status";
    if (!proto_purpose_covers(pol->purpose, purpose))
        return "policy.purpose";
    if (!proto_valid_at(pol->valid_from_ms, pol->valid_until_ms, at_ms))
        return validity_field(pol->valid_from_ms, "policy.valid_from", "policy.valid_until", at_ms);
    return NULL;
}

const char *proto_policy_conditions_unmet(const proto_policy *pol, const proto_spec *spec,
                                          const proto_provider *prov)
{
    bool ok = pol->issuer_countries_n == 0;
    for (uint32_t k = 0; k < pol->issuer_countries_n && !ok; k++)
        ok = proto_str_eq(pol->issuer_countries[k], prov->country);
    if (!ok)
        return "policy.issuer_countries";

    if (pol->eqf_min != 0 || pol->eqf_max != 0) {
        uint32_t lo = pol->eqf_min != 0 ? pol->eqf_min : PROTO_EQF_MIN;
        uint32_t hi = pol->eqf_max != 0 ? pol->eqf_max : PROTO_EQF_MAX;
        if (spec->eqf == 0 || spec->eqf < lo || spec->eqf > hi)
            return spec->eqf > hi ? "policy.eqf_max" : "policy.eqf_min";
    }
    if (spec->ects_centi < pol->ects_min_centi)
        return "policy.ects_min";
    if (pol->external_qa) {
        int external = proto_codes_vocab_number(PROTO_VOCAB_QA, "external", 8);
        RN_ASSERT(external > 0);
        if (spec->qa_type != (uint32_t)external)
            return "policy.external_qa";
    }
    ok = pol->isced_prefixes_n == 0;
    for (uint32_t k = 0; k < pol->isced_prefixes_n && !ok; k++)
        ok = proto_codes_isced_matches((const char *)spec->isced.ptr, spec->isced.len,
                                       (const char *)pol->isced_prefixes[k].ptr,
                                       pol->isced_prefixes[k].len);
    if (!ok)
        return "policy.isced_prefixes";
    return NULL;
}

bool proto_policy_matches(const proto_policy *pol, const proto_spec *spec,
                          const proto_provider *prov)
{
    return proto_policy_conditions_unmet(pol, spec, prov) == NULL;
}

bool proto_answer_recognises(uint32_t result, uint32_t outcome)
{
    if (result != PROTO_RESULT_DECISION && result != PROTO_RESULT_AUTOMATIC)
        return false;
    switch (outcome) {
    case PROTO_OUTCOME_FULL:
    case PROTO_OUTCOME_PARTIAL:
    case PROTO_OUTCOME_CONDITIONAL:
        return true;
    case PROTO_OUTCOME_DENIED:
    default:
        return false;
    }
}

void proto_status_walk_init(proto_status_walk *w, uint64_t t_ms)
{
    w->t_ms = t_ms;
    w->status = 0;
    w->last = 0;
    w->start_ms = 0;
    w->before = 0;
}

void proto_status_walk_step(proto_status_walk *w, uint32_t status, uint64_t timestamp_ms)
{
    RN_ASSERT(status != 0);
    if (w->last == 0) {
        w->before = 0;
        w->start_ms = 0; /* the first version's status holds from the beginning */
    } else if (status != w->last) {
        w->before = w->status; /* what held at t before this run */
        w->start_ms = timestamp_ms;
    }
    w->last = status;
    w->status = w->t_ms >= w->start_ms ? status : w->before;
}

void proto_key_walk_init(proto_key_walk *w)
{
    w->listed = false;
    w->from_ms = 0;
    w->until_ms = 0;
    w->dropped_ms = 0;
    w->first_listed_ms = 0;
}

void proto_key_walk_step(proto_key_walk *w, bool lists, uint64_t from_ms, uint64_t until_ms,
                         uint64_t timestamp_ms)
{
    if (lists) {
        if (!w->listed)
            w->first_listed_ms = timestamp_ms;
        w->listed = true;
        w->from_ms = from_ms;
        w->until_ms = until_ms;
        w->dropped_ms = 0;
    } else if (w->listed && w->dropped_ms == 0) {
        w->dropped_ms = timestamp_ms;
    }
}

int proto_key_walk_at(const proto_key_walk *w, uint64_t t_ms)
{
    if (!w->listed || (w->dropped_ms != 0 && t_ms >= w->dropped_ms))
        return PROTO_KEY_UNLISTED;
    if (t_ms < w->from_ms)
        return PROTO_KEY_NOT_YET_VALID;
    if (w->until_ms != 0 && t_ms >= w->until_ms)
        return PROTO_KEY_EXPIRED;
    return PROTO_KEY_VALID;
}
