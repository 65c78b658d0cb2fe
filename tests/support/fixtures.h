/*
 * fixtures.h: the records the tests are built on, written once: the awarding body and the
 * micro-credential of the European Commission's ELM sample credential
 * (tests/fixtures/elm/Sample-MC-Annex1-unsigned.jsonld: the University of Zed, Ireland, and its
 * "Digital micro-credential creation": EQF 6, ISCED-F 0688, 2 ECTS, certificate C012).
 *
 * The unit tests, the fuzz harnesses and their corpus generators and the query vectors start
 * from these and change what their case is about (an issuer key, a validity end, a title), so
 * the sample is transcribed in one place. Its bytes are part of committed files
 * (proto/query_vectors.json, the proof and control corpora): a change here is a change of those
 * files, which `make vectors` and `make corpus` rewrite and review must accept.
 *
 * Part of the tests' support library (tests/CMakeLists.txt, target testsupport); no cmocka, so the
 * fuzz harnesses and generators can use it too. Strings are static: the records borrow them and
 * the ids the caller gives, which must outlive the record.
 */
#ifndef RN_TESTS_FIXTURES_H
#define RN_TESTS_FIXTURES_H

#include "proto/record.h"

/* The ELM sample's validFrom, 2022-12-31T23:00:00Z, in ms since the epoch. */
#define FX_ELM_VALID_FROM_MS 1672527600000ull

/*
 * The ELM sample's awarding body with id `id` (an "IE:" id): the University of Zed, Ireland,
 * registration number 0000, accredited by Quality and Qualifications Ireland, active. No issuer
 * keys and no URL.
 */
void fx_elm_provider(proto_record *r, const char *id);

/*
 * The ELM sample's specification with id `id`, of provider `provider`: "Digital
 * micro-credential creation" in English, two learning outcomes with their ESCO skills (three and
 * one), 2 ECTS, EQF 6, NQF "RQF Level 6", ISCED-F 0688, assessed by portfolio, onsite or blended,
 * external QA, in English, unsupervised without identity verification, "Standard grading", stand
 * alone, valid from FX_ELM_VALID_FROM_MS without end, active.
 */
void fx_elm_spec(proto_record *r, const char *id, const char *provider);

#endif /* RN_TESTS_FIXTURES_H */
