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
 * True if a revocation dated `revoked_at_ms` is in force at valid time `t_ms`: revoked_at <= t.
 * Which revocations count (their entries, by timestamp) is the time known at; the date a
 * revocation carries is evaluated at the valid time, as every other date (PROTOCOL.md 14.1).
 */
bool proto_revoked_at(uint64_t revoked_at_ms, uint64_t t_ms);

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

/*
 * The status of a spec or a provider at a valid time `t_ms`, as known at a time K (PROTOCOL.md
 * 14.1, "Status at a valid time"), computed by walking the record's versions as known at K (entry
 * timestamp <= K) in (timestamp, seq) order, one proto_status_walk_step per version:
 *
 *  - the first version's status holds from the beginning of time;
 *  - a version with the same status as the version before it continues that status (it holds
 *    from when the run of versions with that status began);
 *  - a version with another status holds from its own entry's timestamp (a change takes effect
 *    when it is published, never before);
 *  - before the start of the last run, the status is the one the versions before that run give
 *    at t (recursively).
 *
 * So a record's statuses mean for every valid time what they meant "as of" that time by
 * publication (a suspension stays on the credentials issued while it lasted), while the dates a
 * version carries (a spec's validity, a provider's issuer keys) are those of the latest version
 * as known at K: the status is the one part of a record with no date of its own. When t >= the
 * latest version's timestamp the answer is the latest version's status (the cheap case every query
 * with valid time = known time is in). The query engine and the reference model both step this
 * walk; nothing else computes it.
 */
typedef struct proto_status_walk {
    uint64_t t_ms;     /* the valid time asked about */
    uint32_t status;   /* the status at t of the versions walked so far; 0 for none (yet) */
    uint32_t last;     /* the last version's own status; 0 before the first */
    uint64_t start_ms; /* when the last run of equal statuses began (0: the beginning of time) */
    uint32_t before;   /* the status at t of the versions before that run; 0 for none */
} proto_status_walk;

void proto_status_walk_init(proto_status_walk *w, uint64_t t_ms);
/* One version, in (timestamp, seq) order: its status (a PROTO_STATUS_ or PROTO_PROVIDER_ value,
 * never 0) and its entry's timestamp. */
void proto_status_walk_step(proto_status_walk *w, uint32_t status, uint64_t timestamp_ms);

/*
 * The window of one issuer key (an Ed25519 key of provider.issuer_keys, or a key of
 * issuer_keys_ext named by its id) as known at K, by walking the provider's versions as known at K
 * in (timestamp, seq) order: the window is the one the latest version that lists the key gives;
 * when a later version no longer lists it, the key is withdrawn from that version's timestamp on
 * (a removal takes effect when it is published, as a status change does). `first_listed_ms` is
 * when the key was registered: the timestamp of the first version that listed it.
 */
typedef struct proto_key_walk {
    bool listed;              /* some version walked lists the key */
    uint64_t from_ms;         /* the window of the latest version that lists it */
    uint64_t until_ms;        /* 0 for no end */
    uint64_t dropped_ms;      /* timestamp of the first later version without it; 0 for none */
    uint64_t first_listed_ms; /* timestamp of the first version that listed it */
} proto_key_walk;

void proto_key_walk_init(proto_key_walk *w);
/* One provider version: whether it lists the key, and if so with which window. */
void proto_key_walk_step(proto_key_walk *w, bool lists, uint64_t from_ms, uint64_t until_ms,
                         uint64_t timestamp_ms);

/* Whether the key walked was valid at `t_ms`: listed, not withdrawn by t (t < dropped_ms when a
 * version dropped it), and its window holds at t. Returns 0 when it was, otherwise which term
 * fails first: PROTO_KEY_UNLISTED (never listed, or dropped by t), PROTO_KEY_NOT_YET_VALID
 * (t before the window), PROTO_KEY_EXPIRED (t at or after its end). */
enum { PROTO_KEY_VALID = 0, PROTO_KEY_UNLISTED, PROTO_KEY_NOT_YET_VALID, PROTO_KEY_EXPIRED };
int proto_key_walk_at(const proto_key_walk *w, uint64_t t_ms);

#endif /* RN_RULES_H */
