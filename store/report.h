/*
 * report.h: the federation report (issue 12): per country, what the replica says as of a time
 * about the providers and specs registered, how many of those specs have an EQF level, external
 * quality assurance and a pathway to stack towards, and the decisions and policies in force with
 * the recognition they give, by outcome. The Commission's progress report on micro-credentials,
 * computed live from the logs; the control method `report` (PROTOCOL.md 12.3) answers it.
 *
 * Computed from the public store API only (store.h): one walk over every log held, in which each
 * entry stamped at or before `at` that carries a record is kept exactly when it is the version of
 * its record in force as of `at` (store_version_get names the same entry), so a record counts
 * once, as its latest version says, forks resolved as every query resolves them. A record counts
 * for the country of its id's prefix (which is its author's country: proto_record_check_author).
 *
 * What counts, as of `at`:
 *   providers        providers whose latest version is not withdrawn (active or suspended)
 *   specs            specs whose latest version is active
 *   specs_eqf        of them, those with an EQF level
 *   specs_external_qa of them, those whose quality assurance is external
 *   specs_stackable  of them, those listed (mandatory or eligible) by a pathway in force of any
 *                    country
 *   pathways         pathways in force: active, valid_from <= at < valid_until
 *   decisions        decisions in force: valid_from <= at < valid_until, and not superseded by a
 *                    decision in force of the same authority; by outcome
 *   policies         policies in force: active, valid_from <= at < valid_until; by outcome
 * The shares are the counts over `specs`. Cost: one pass over every entry held, and one version
 * lookup per record entry; memory: one id per spec and per pathway listing kept.
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
 * Computes the report as of at_ms (UINT64_MAX: now) in the open read `r`. Returns 0, RN_ENOMEM,
 * RN_ESTORE, RN_ECORRUPT (a stored entry or record no longer decodes).
 */
RN_MUST_USE int report_compute(store_read *r, uint64_t at_ms, report *out);

#endif /* RN_STORE_REPORT_H */
