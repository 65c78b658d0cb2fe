/*
 * export.h: a spec record, with its provider's record, as the two public formats describe a
 * micro-credential's specification: an Open Badges 3.0 `Achievement` (1EdTech, OB 3.0 data
 * model, with the Dutch micro-credential extension terms the importer reads) and a European
 * Learning Model v3 `LearningAchievementSpecification` (Europass, the shape of the Commission's
 * sample credential). `recnetctl spec export` and the gateway's GET /v1/spec/{id}?as= print
 * these documents; api/README.md has the mapping field by field and what does not map, and why.
 *
 * The mapping is the inverse of the importer's (api/import.c): wrapped in a credential as an
 * issuer wraps an achievement or a specification, an exported document imports back into the
 * same values of every field the format carries (tests/unit/export_test.c holds the two to
 * each other). Nothing here does I/O: records in, JSON out.
 *
 * Workload: one document per request, a few kilobytes; the largest record (64 KiB) gives a
 * document of a few hundred kilobytes.
 */
#ifndef RN_API_EXPORT_H
#define RN_API_EXPORT_H

#include <stddef.h>

#include <jansson.h>

#include "proto/error.h"
#include "proto/mp.h"
#include "proto/record.h"

/* The forms a spec is exported in. */
typedef enum api_export_form {
    API_EXPORT_OB3 = 1, /* Open Badges 3.0 Achievement */
    API_EXPORT_ELM = 2, /* ELM v3 LearningAchievementSpecification */
} api_export_form;

/* The JSON-LD contexts the documents name (the OB 3.0 one is shipped in cred/contexts/; the
 * ELM one is Europass's, never fetched here). */
#define API_EXPORT_OB3_CONTEXT "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
#define API_EXPORT_ELM_CONTEXT "http://data.europa.eu/snb/model/context/edc-ap"

/* Where the Dutch micro-credential extension terms (ECTS, assessmentType, participationType,
 * supervisionType) point: their glossary, as the educredentials context defines them. The
 * Achievement defines them in an inline context, so that its JSON-LD drops none of them. */
#define API_EXPORT_EDU_VOCAB "https://edubadges.nl/static/obv3-glossary.html#"

/* The URN prefixes of the ids recnet gives what has no URI of its own: a spec not imported
 * from a credential ("urn:recnet:spec:IE:uniz/mc-c012") and a provider. */
#define API_EXPORT_SPEC_URN     "urn:recnet:spec:"
#define API_EXPORT_PROVIDER_URN "urn:recnet:provider:"

/* The gateway's route of this module (api/route.c): GET /v1/spec/{id}?as=ob3|elm[&at=]. */
#define API_EXPORT_ROUTE "/v1/spec/"

/* The form named `name` ("ob3" or "elm", NUL-terminated) into *f. Returns 0 or RN_EINVAL. */
RN_MUST_USE int api_export_form_parse(const char *name, api_export_form *f);

/* The media type of both forms: "application/ld+json". */
#define API_EXPORT_MEDIA_TYPE "application/ld+json"

/*
 * The document of spec `s` in form `f`, with `p`, the provider it names, as its creator (OB 3.0)
 * or awarding body (ELM). Both records must be valid (decoded, or proto_record_validate'd).
 * *out receives a new object the caller owns; the records are only read (strings copied).
 *
 * Returns 0, or RN_EINVAL (`f` is not a form; `p` is not the provider `s` names: why says so),
 * RN_ENOMEM. `why` (why_len bytes, may be NULL when why_len is 0) gets a sentence on failure.
 */
RN_MUST_USE int api_export_spec(const proto_spec *s, const proto_provider *p, api_export_form f,
                                json_t **out, char *why, size_t why_len);

/*
 * The record a `record` answer of the control API carries ({author, seq, timestamp, bytes}, the
 * bytes a signed entry): *e and *r borrow the answer's bytes. Returns 0, or RN_EMISSING (no
 * "bytes"), RN_EKIND (the record is not of kind `kind`), or the entry's or record's decoding
 * error.
 */
RN_MUST_USE int api_export_record_of(mp_cur answer, proto_kind kind, proto_entry *e,
                                     proto_record *r);

/*
 * The gateway's two answers into the document: `spec_answer` and `provider_answer` are `record`
 * answers (the second for the provider the spec names). Allocates two records on the heap and
 * frees them. Returns api_export_record_of's errors, api_export_spec's, RN_ENOMEM.
 */
RN_MUST_USE int api_export_answers(mp_cur spec_answer, mp_cur provider_answer, api_export_form f,
                                   json_t **out, char *why, size_t why_len);

#endif /* RN_API_EXPORT_H */
