/*
 * rules.h: the recognition rules, written once: when a record is valid, which purposes a
 * decision or policy covers, whether a decision or a policy applies to a query, and which specs a
 * policy's conditions admit.
 *
 * Two parties apply most of these rules to the same records: the store's query engine
 * (store/query.c), which picks the entry an answer rests on, and the offline verifier
 * (proto_proof_verify), which checks that the entry supports the answer. If they ever read a rule
 * differently, a node issues proof bundles that `recnetctl proof verify` rejects, so both call the
 * functions below and no copy of a rule lives anywhere else (tests included). PROTOCOL.md
 * section 5.4, step 4, states the rules in words; proof.h repeats them where the verifier's steps
 * are listed.
 *
 * The functions that can fail a record name the field that did not hold ("decision.purpose",
 * "policy.valid_until", ...), the field the verifier's diagnostic reports; the query engine only
 * asks whether the answer is NULL. Everything here is pure: no allocation, no pointer kept, safe
 * from any thread and any callback.
 */
#ifndef RN_RULES_H
#define RN_RULES_H

#include <stdbool.h>
#include <stdint.h>

#include "record.h"

/*
 * True if something valid from `from_ms` (inclusive) until `until_ms` (exclusive; 0 for no end)
 * is valid at `at_ms`: from_ms <= at_ms, and at_ms < until_ms when there is an end. The rule of
 * every dated record: decisions, policies, specs, pathways and issuer keys.
 */
bool proto_valid_at(uint64_t from_ms, uint64_t until_ms, uint64_t at_ms);

/*
 * True if purpose `have` (of a decision or a policy) covers the purpose `want` a query asks
 * about: they are equal, or `have` is PROTO_PURPOSE_BOTH. ("both" asked of a record that says
 * "employment" is not covered.)
 */
bool proto_purpose_covers(uint32_t have, uint32_t want);

/*
 * Whether decision `dec` applies to a query about spec `spec_id`, for `purpose`, at `at_ms`: it
 * is about that spec (byte-equal ids), its purpose covers the query's, and it is valid at the
 * time. Returns NULL when it applies, otherwise the field of the first term it fails, in this
 * order: "decision.spec", "decision.purpose", "decision.valid_from" (not yet valid) or
 * "decision.valid_until" (no longer valid). Who authored the decision, whether it is the latest
 * version and whether it is superseded are the caller's to check. Static strings.
 */
const char *proto_decision_unmet(const proto_decision *dec, proto_str spec_id, uint32_t purpose,
                                 uint64_t at_ms);

/*
 * Whether policy `pol`'s own terms apply to a query for `purpose` at `at_ms`: it is active, its
 * purpose covers the query's, and it is valid at the time. Returns NULL when they do, otherwise
 * the field of the first term it fails: "policy.status", "policy.purpose", "policy.valid_from"
 * or "policy.valid_until". Whether the spec meets the policy's conditions is
 * proto_policy_conditions_unmet. Static strings.
 */
const char *proto_policy_unmet(const proto_policy *pol, uint32_t purpose, uint64_t at_ms);

/*
 * Whether spec `spec`, whose provider is `prov`, meets the conditions of policy `pol`, checked in
 * this order: the provider's country is one of the policy's issuer countries (or it names none);
 * when the policy has an EQF range, the spec has a level within [eqf_min or 1, eqf_max or 8] (a
 * spec without a level meets no range); the spec's ECTS are at least the policy's minimum; the
 * spec's QA type is "external" when the policy requires external QA; and the spec's ISCED-F code
 * is under one of the policy's prefixes (or it names none). Returns NULL when the spec meets them
 * all, otherwise the field of the first it fails: "policy.issuer_countries", "policy.eqf_min"
 * (level absent or below), "policy.eqf_max", "policy.ects_min", "policy.external_qa" or
 * "policy.isced_prefixes". The policy's own terms are proto_policy_unmet. Static strings.
 */
const char *proto_policy_conditions_unmet(const proto_policy *pol, const proto_spec *spec,
                                          const proto_provider *prov);

/* proto_policy_conditions_unmet(pol, spec, prov) == NULL. */
bool proto_policy_matches(const proto_policy *pol, const proto_spec *spec,
                          const proto_provider *prov);

/*
 * True if an answer with result `result` (PROTO_RESULT_...) and outcome `outcome`
 * (PROTO_OUTCOME_...) recognises the spec: its basis is a decision or an automatic-recognition
 * policy, and its outcome is full, partial or conditional. A denial, no decision, and any number
 * that is not a result or an outcome do not. This is the line between recnetctl's positive and
 * negative answers (exit 0 and 1) for `query recognise`, `query verify` and `credential verify`
 * (PROTOCOL.md section 13.4).
 */
bool proto_answer_recognises(uint32_t result, uint32_t outcome);

#endif /* RN_RULES_H */
