/*
 * codes.h: the code lists records refer to: the 30 countries, ISCED-F 2013 fields, EQF levels and
 * the Annex I vocabularies of the micro-credentials Recommendation.
 *
 * The lists are static tables in codes.c, generated once by tools/gen_codes.py from
 * the TSV files of tests/fixtures/codes/ and committed, so the build needs no Python and no file at
 * run time. codes_test.c re-reads the TSV files and checks the tables against them, so a list
 * edited on one side only fails the tests. Lookups are on the ingest path (every spec names an
 * ISCED-F code and a country prefix), so they do not allocate: countries are a 30-row scan, ISCED-F
 * a binary search.
 *
 * Greece is "GR" in ISO 3166 and "EL" in EU usage. "GR" is the canonical form: it is what record
 * bodies carry on the wire, and proto_country_find maps the input alias "EL" onto it.
 *
 * Every function here is pure and thread-safe; every returned pointer is static.
 */
#ifndef RN_CODES_H
#define RN_CODES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "error.h"

#define PROTO_COUNTRIES_COUNT 30u  /* EU-27 plus Iceland, Liechtenstein and Norway */
#define PROTO_ISCED_COUNT     220u /* ISCED-F 2013 broad (2), narrow (3) and detailed (4 digits) */
#define PROTO_ISCED_BYTES_MAX 4u   /* the longest ISCED-F code */
#define PROTO_EQF_MIN         1u
#define PROTO_EQF_MAX         8u

/* One of the 30 countries. Strings are NUL-terminated. */
typedef struct proto_country {
    char alpha2[3]; /* ISO 3166-1 alpha-2, canonical in recnet ("GR") */
    char alpha3[4]; /* ISO 3166-1 alpha-3, as in EU authority URIs ("GRC") */
    char eu[3];     /* EU protocol code; differs from alpha2 only for Greece ("EL") */
    char member[4]; /* "EU" or "EEA" */
    const char *name;
} proto_country;

/* Returns country i (0 .. PROTO_COUNTRIES_COUNT - 1) in the order of countries.tsv, or NULL. */
const proto_country *proto_country_at(size_t i);

/* Finds a country by its 2-letter code `code[0..len)`, exactly as written (upper case). Accepts
 * the EU alias "EL" for Greece and returns the canonical entry (alpha2 "GR"). Returns NULL for
 * anything else, including lower case and lengths other than 2. */
const proto_country *proto_country_find(const char *code, size_t len);

/* True if `code[0..len)` is the canonical alpha-2 code of one of the 30 countries: the only form
 * record bodies carry ("GR" passes, "EL" does not). */
bool proto_country_is_canonical(const char *code, size_t len);

/* Finds a country by its ISO alpha-3 code ("IRL"), upper case. Returns NULL if there is none. */
const proto_country *proto_country_find_alpha3(const char *code, size_t len);

/* Returns ISCED-F code i (0 .. PROTO_ISCED_COUNT - 1) in ascending byte order, and its English
 * label in *label when `label` is not NULL; NULL for i out of range. */
const char *proto_codes_isced_at(size_t i, const char **label);

/* True if `code[0..len)` is exactly one of the 220 ISCED-F codes ("0688"; "688" is not). */
bool proto_codes_isced_valid(const char *code, size_t len);

/* True if `prefix[0..len)` may be used as an ISCED-F prefix in a policy or pathway rule: it must
 * itself be a code in the list (a broad field "06", a narrow field "068" or a detailed field). */
bool proto_codes_isced_prefix_valid(const char *prefix, size_t len);

/* True if ISCED-F code `code` falls under `prefix` (its first `prefix_len` bytes equal prefix). */
bool proto_codes_isced_matches(const char *code, size_t code_len, const char *prefix,
                               size_t prefix_len);

/* Returns the English label of an ISCED-F code, or NULL if it is not in the list. */
const char *proto_codes_isced_label(const char *code, size_t len);

/* Returns the label of EQF level 1-8 ("EQF level 6"), or NULL for any other number. */
const char *proto_codes_eqf_label(uint64_t level);

/* The Annex I vocabularies. Each value is carried on the wire as a number: 1 + its row order
 * within its element in annex1-enums.tsv (so "testing" is assessment 1). */
typedef enum proto_vocab {
    PROTO_VOCAB_ASSESSMENT = 0, /* assessmentType: 4 values */
    PROTO_VOCAB_PARTICIPATION,  /* participationType: 5 values */
    PROTO_VOCAB_SUPERVISION,    /* supervisionType: 4 values */
    PROTO_VOCAB_QA,             /* qualityAssuranceType: 2 values */
    PROTO_VOCAB_COUNT
} proto_vocab;

/* The Annex I element name of a vocabulary ("assessmentType"), or NULL for an unknown one. */
const char *proto_codes_vocab_element(proto_vocab v);

/* The number of values of a vocabulary (valid numbers are 1 .. that), or 0 for an unknown one. */
unsigned proto_codes_vocab_size(proto_vocab v);

/* True if `number` is a value of vocabulary `v`. */
bool proto_codes_vocab_valid(proto_vocab v, uint64_t number);

/* The name of value `number` of vocabulary `v` ("onsite or blended"), or NULL if there is none. */
const char *proto_codes_vocab_name(proto_vocab v, uint64_t number);

/* The number of the value named `name[0..len)` (exact match), or RN_EVOCAB. */
RN_MUST_USE int proto_codes_vocab_number(proto_vocab v, const char *name, size_t len);

/* ---- Code lists by URI (the European Learning Model, the EU's authority tables) ---- */

/* The URI prefixes the European Learning Model and Europass use for these code lists. A code
 * follows the prefix directly: ".../isced-f/0612", ".../eqf/6", ".../country/IRL". */
#define PROTO_URI_ISCED   "http://data.europa.eu/snb/isced-f/"
#define PROTO_URI_EQF     "http://data.europa.eu/snb/eqf/"
#define PROTO_URI_COUNTRY "http://publications.europa.eu/resource/authority/country/"

/*
 * The ISCED-F code that the URI uri[0..len) names ("http://data.europa.eu/snb/isced-f/0612").
 * On success *code is the table's own string (static, NUL-terminated). Returns 0, RN_EINVAL (not
 * a URI under PROTO_URI_ISCED) or RN_EISCED (under it, but not one of the 220 codes: "0999",
 * "688", or the scheme's own URI ".../isced-f/25831c2").
 */
RN_MUST_USE int proto_codes_isced_from_uri(const char *uri, size_t len, const char **code);

/*
 * The EQF level that the URI uri[0..len) names ("http://data.europa.eu/snb/eqf/6" is 6).
 * Returns the level 1-8, RN_EINVAL (not a URI under PROTO_URI_EQF) or RN_EEQF (under it, but
 * not one of the levels 1-8: ".../eqf/9", ".../eqf/06", ".../eqf/25831c2").
 */
RN_MUST_USE int proto_codes_eqf_from_uri(const char *uri, size_t len);

/*
 * The country that the EU authority URI uri[0..len) names by its alpha-3 code
 * ("http://publications.europa.eu/resource/authority/country/IRL" is Ireland). On success *c
 * is its static entry. Returns 0, RN_EINVAL (not a URI under PROTO_URI_COUNTRY) or RN_ECOUNTRY
 * (under it, but not one of the 30: ".../country/GBR", lower case, other lengths).
 */
RN_MUST_USE int proto_country_from_uri(const char *uri, size_t len, const proto_country **c);

#endif /* RN_CODES_H */
