/*
 * report.h: the federation report (issue 12): per country, what the replica says as of a time
 * about the providers and specs registered, how many of those specs have an EQF level, external
 * quality assurance and a pathway to stack towards, and the decisions and policies in force with
 * the recognition they give, by outcome. The Commission's progress report on micro-credentials,
 * computed live from the logs; the control method `report` (PROTOCOL.md 12.3) answers it.
 *
 * Two times (PROTOCOL.md 14.1), as every query takes them: known at `at` (the entries stamped at
 * or before it count) and valid at `valid_at` (when the dates and statuses those entries give are
 * evaluated). Computed from the public store API (store.h) and query_status_valid (query.h): one
 * walk over every log held, in which each entry stamped at or before `at` that carries a record
 * is kept exactly when it is the latest version of its record as known at `at`
 * (store_version_get names the same entry), so a record counts once, as its latest version says,
 * forks resolved as every query resolves them. A record counts for the country of its id's
 * prefix (which is its author's country: proto_record_check_author).
 *
 * What counts, as known at `at`, valid at `valid_at` (written T); "status at T" is the status of
 * the record's versions as known at `at` at T (proto_status_walk: the first status holds from the
 * beginning of time, a change from its entry's timestamp), "in force at T" that T is within the
 * record's validity (proto_valid_at):
 *   providers        providers whose status at T is not withdrawn (active or suspended)
 *   specs            specs whose status at T is active (their dates are not consulted)
 *   specs_eqf        of them, those with an EQF level
 *   specs_external_qa of them, those whose quality assurance is external
 *   specs_stackable  of them, those listed (mandatory or eligible) by a pathway in force of any
 *                    country
 *   pathways         pathways in force: active, and in force at T
 *   decisions        decisions in force at T, and not superseded by a decision in force at T of
 *                    the same authority; by outcome
 *   policies         policies in force: active, and in force at T; by outcome
 * (pathways and policies by their latest version's status, as query_stack and recognise take
 * them). With valid_at = at the answers are those of the report before valid times. The shares
 * are the counts over `specs`. Cost: one pass over every entry held, one version lookup per record
 * entry, and, for each provider and spec whose latest version is stamped after T, one walk over
 * its versions (none when valid_at >= at); memory: one id per active spec, per pathway listing,
 * per decision in force, and per provider or spec whose history is walked.
 */
#ifndef RN_STORE_REPORT_H
#define RN_STORE_REPORT_H

#include <stdint.h>

#include "proto/codes.h"
#include "store/store.h"

/* Outcomes in the order of PROTO_OUTCOME_MAP: full, partial, conditional, denied. */
#define REPORT_OUTCOMES 4u

typedef struct report_country {
    uint64_t providers;
    uint64_t specs;
    uint64_t specs_eqf;
    uint64_t specs_external_qa;
    uint64_t specs_stackable;
    uint64_t pathways;
    uint64_t decisions;
    uint64_t decision_outcomes[REPORT_OUTCOMES];
    uint64_t policies;
    uint64_t policy_outcomes[REPORT_OUTCOMES];
} report_country;

/* The report: countries in the order of countries.tsv (proto_country_at). */
typedef struct report {
    report_country c[PROTO_COUNTRIES_COUNT];
} report;

/*
 * Computes the report known at at_ms (UINT64_MAX: now) and valid at valid_at_ms (give at_ms for
 * the report "as of" at_ms) in the open read `r`. Returns 0, RN_ENOMEM, RN_ESTORE, RN_ECORRUPT (a
 * stored entry or record no longer decodes). On failure *out is unspecified.
 */
RN_MUST_USE int report_compute_valid(store_read *r, uint64_t at_ms, uint64_t valid_at_ms,
                                     report *out);

/* report_compute_valid with valid_at_ms = at_ms: the report as of at_ms. Same errors. */
RN_MUST_USE int report_compute(store_read *r, uint64_t at_ms, report *out);

#endif /* RN_STORE_REPORT_H */
