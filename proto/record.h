/*
 * record.h: the record kinds an entry's body carries (DESIGN.md section 4, PROTOCOL.md
 * section 3): encode, strictly decode, and validate them.
 *
 * A body is a canonical MessagePack map whose keys are small positive integers in strictly
 * ascending order; each kind has its own field numbers, listed with the structs below. Optional
 * fields are omitted when absent, never written as nil, and a present optional field is never
 * empty: an optional string has at least one byte, an optional list at least one item, the
 * pathway rule at least one field. So every record has exactly one encoding, which the decoder
 * enforces (an entry's id is the hash of its bytes, and a second spelling of a record would be a
 * second id for one statement).
 *
 * Decoding is zero-copy and never allocates: every proto_str in a decoded record borrows the body
 * it was decoded from, and lists are fixed arrays bounded by limits.h, so a proto_record has a
 * fixed size, some 48 KiB (most of it room for the translations of a spec's 32 outcomes in 40
 * languages): one may live on the stack, several at once belong on the heap. The decoder checks
 * what one record can check alone: structure, types, bounds, code lists and consistency between its
 * own fields. What needs the rest of the log (does the provider exist? is the author the country of
 * the id prefixes?) is for the caller: proto_record_check_author and the store.
 *
 * Field layout conventions of the structs: a proto_str of length 0 is an absent optional string;
 * `x_n` is the number of items of list `x` (0 when the optional list is absent); an optional
 * number whose valid range excludes 0 (EQF levels, ECTS minima, valid_until) is 0 when absent; the
 * one optional number that may be 0, a decision's recognised ECTS, has a `has_` flag.
 *
 * Codes on the wire are canonical: country fields and id prefixes carry "GR" for Greece, never the
 * EU alias "EL" (RN_ECOUNTRY, RN_EID), so that one country has one prefix and a text search or an
 * index lookup for "GR:" finds every Greek record. Front ends map "EL" to "GR" before encoding
 * (proto_country_find).
 */
#ifndef RN_RECORD_H
#define RN_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"
#include "limits.h"
#include "mp.h"

/* An issued credential is named by a 32-byte digest (revocation), an issuer key is Ed25519. */
#define PROTO_DIGEST_BYTES 32u

/* A byte string borrowed from a decoded body (or from the caller, when encoding): not
 * NUL-terminated; len 0 means absent. */
typedef struct proto_str {
    const uint8_t *ptr;
    uint32_t len;
} proto_str;

/* A proto_str of a NUL-terminated C string (borrowed; s may be NULL for absent). */
proto_str proto_str_c(const char *s);

/* True if two proto_str hold the same bytes (two absent strings are equal). */
bool proto_str_eq(proto_str a, proto_str b);

/* ---- Enumerations. X(NAME, number, "name"); the numbers are on the wire. ---- */

#define PROTO_QA_STATUS_MAP(X)                                                                     \
    X(ACCREDITED, 1, "accredited")                                                                 \
    X(UNDER_REVIEW, 2, "under_review")                                                             \
    X(NOT_ACCREDITED, 3, "not_accredited")

#define PROTO_PROVIDER_STATUS_MAP(X)                                                               \
    X(ACTIVE, 1, "active")                                                                         \
    X(SUSPENDED, 2, "suspended")                                                                   \
    X(WITHDRAWN, 3, "withdrawn")

/* The status of a spec, a policy and a pathway. */
#define PROTO_STATUS_MAP(X)                                                                        \
    X(ACTIVE, 1, "active")                                                                         \
    X(WITHDRAWN, 2, "withdrawn")

#define PROTO_STACKABILITY_MAP(X)                                                                  \
    X(STAND_ALONE, 1, "stand_alone")                                                               \
    X(STACKABLE, 2, "stackable")

#define PROTO_PURPOSE_MAP(X)                                                                       \
    X(FURTHER_STUDY, 1, "further_study")                                                           \
    X(EMPLOYMENT, 2, "employment")                                                                 \
    X(BOTH, 3, "both")

#define PROTO_OUTCOME_MAP(X)                                                                       \
    X(FULL, 1, "full")                                                                             \
    X(PARTIAL, 2, "partial")                                                                       \
    X(CONDITIONAL, 3, "conditional")                                                               \
    X(DENIED, 4, "denied")

/* Substantial differences (Lisbon Recognition Convention, article VI.1). */
#define PROTO_DIFFERENCE_MAP(X)                                                                    \
    X(LEVEL, 1, "level")                                                                           \
    X(WORKLOAD, 2, "workload")                                                                     \
    X(QUALITY, 3, "quality")                                                                       \
    X(PROFILE, 4, "profile")                                                                       \
    X(LEARNING_OUTCOMES, 5, "learning_outcomes")

#define PROTO_REASON_MAP(X)                                                                        \
    X(ISSUED_IN_ERROR, 1, "issued_in_error")                                                       \
    X(FRAUD, 2, "fraud")                                                                           \
    X(WITHDRAWN_BY_ISSUER, 3, "withdrawn_by_issuer")                                               \
    X(OTHER, 4, "other")

/* The form of an issuer key of provider.issuer_keys_ext (PROTOCOL.md 3.4). */
#define PROTO_KEY_FORM_MAP(X)                                                                      \
    X(JWK, 1, "jwk")                                                                               \
    X(DID, 2, "did")

#define PROTO_X_ENUM_QA(n, v, s)         PROTO_QA_##n = v,
#define PROTO_X_ENUM_PROVIDER(n, v, s)   PROTO_PROVIDER_##n = v,
#define PROTO_X_ENUM_STATUS(n, v, s)     PROTO_STATUS_##n = v,
#define PROTO_X_ENUM_STACK(n, v, s)      PROTO_STACK_##n = v,
#define PROTO_X_ENUM_PURPOSE(n, v, s)    PROTO_PURPOSE_##n = v,
#define PROTO_X_ENUM_OUTCOME(n, v, s)    PROTO_OUTCOME_##n = v,
#define PROTO_X_ENUM_DIFFERENCE(n, v, s) PROTO_DIFFERENCE_##n = v,
#define PROTO_X_ENUM_REASON(n, v, s)     PROTO_REASON_##n = v,
#define PROTO_X_ENUM_KEY_FORM(n, v, s)   PROTO_KEY_FORM_##n = v,
enum { PROTO_QA_STATUS_MAP(PROTO_X_ENUM_QA) };             /* PROTO_QA_ACCREDITED, ... */
enum { PROTO_PROVIDER_STATUS_MAP(PROTO_X_ENUM_PROVIDER) }; /* PROTO_PROVIDER_ACTIVE, ... */
enum { PROTO_STATUS_MAP(PROTO_X_ENUM_STATUS) };            /* PROTO_STATUS_ACTIVE, ... */
enum { PROTO_STACKABILITY_MAP(PROTO_X_ENUM_STACK) };       /* PROTO_STACK_STAND_ALONE, ... */
enum { PROTO_PURPOSE_MAP(PROTO_X_ENUM_PURPOSE) };          /* PROTO_PURPOSE_FURTHER_STUDY, ... */
enum { PROTO_OUTCOME_MAP(PROTO_X_ENUM_OUTCOME) };          /* PROTO_OUTCOME_FULL, ... */
enum { PROTO_DIFFERENCE_MAP(PROTO_X_ENUM_DIFFERENCE) };    /* PROTO_DIFFERENCE_LEVEL, ... */
enum { PROTO_REASON_MAP(PROTO_X_ENUM_REASON) };            /* PROTO_REASON_FRAUD, ... */
enum { PROTO_KEY_FORM_MAP(PROTO_X_ENUM_KEY_FORM) };        /* PROTO_KEY_FORM_JWK, ... */
#undef PROTO_X_ENUM_QA
#undef PROTO_X_ENUM_PROVIDER
#undef PROTO_X_ENUM_STATUS
#undef PROTO_X_ENUM_STACK
#undef PROTO_X_ENUM_PURPOSE
#undef PROTO_X_ENUM_OUTCOME
#undef PROTO_X_ENUM_DIFFERENCE
#undef PROTO_X_ENUM_REASON
#undef PROTO_X_ENUM_KEY_FORM

/* The enumerations as a value, for the name tables below (CLI and JSON). */
typedef enum proto_enum {
    PROTO_ENUM_QA_STATUS = 0,   /* provider.qa_status */
    PROTO_ENUM_PROVIDER_STATUS, /* provider.status */
    PROTO_ENUM_STATUS,          /* spec.status, policy.status, pathway.status */
    PROTO_ENUM_STACKABILITY,    /* spec.stackability */
    PROTO_ENUM_PURPOSE,         /* decision.purpose, policy.purpose */
    PROTO_ENUM_OUTCOME,         /* decision.outcome, policy.outcome */
    PROTO_ENUM_DIFFERENCE,      /* decision.differences.type */
    PROTO_ENUM_REASON,          /* revocation.reason */
    PROTO_ENUM_KEY_FORM,        /* provider.issuer_keys_ext.form */
    PROTO_ENUM_COUNT
} proto_enum;

/* The name of an enumeration ("qa_status"), or NULL for an unknown one. Static string. */
const char *proto_enum_name(proto_enum e);

/* The number of values of an enumeration (valid numbers are 1 .. that), or 0 if unknown. */
unsigned proto_enum_size(proto_enum e);

/* The name of value `v` of enumeration `e` ("conditional"), or NULL. Static string. */
const char *proto_enum_value_name(proto_enum e, uint64_t v);

/* The number of the value of `e` named `name` (NUL-terminated, exact match), or RN_EENUM. */
RN_MUST_USE int proto_enum_value_parse(proto_enum e, const char *name);

/* ---- The records. Field numbers on the wire are given as [n]. ---- */

/* A title, or an outcome's translation, in one language: lang is two lower-case ASCII letters
 * (ISO 639-1). */
typedef struct proto_lang_text {
    proto_str lang; /* 2 bytes */
    proto_str text; /* 1 .. RN_NAME_BYTES_MAX bytes (a translation: RN_OUTCOME_BYTES_MAX) */
} proto_lang_text;

/* An issuer key of a provider: [key, valid_from, valid_until | nil] on the wire. */
typedef struct proto_issuer_key {
    const uint8_t *key;      /* PROTO_KEY_BYTES, a valid Ed25519 public key (PROTOCOL.md 4.1) */
    uint64_t valid_from_ms;  /* 0 .. RN_TIME_MS_MAX */
    uint64_t valid_until_ms; /* > valid_from_ms, or 0 for open-ended (nil on the wire) */
} proto_issuer_key;

/*
 * An issuer key of a later form: [form, key, valid_from, valid_until | nil] on the wire
 * (PROTOCOL.md 3.4). `key` is text in its one canonical spelling:
 *  - PROTO_KEY_FORM_JWK: the members RFC 7638 hashes for a thumbprint, in that order, without
 *    whitespace: {"e":..,"kty":"RSA","n":..}, {"crv":"P-256","kty":"EC","x":..,"y":..} or
 *    {"crv":"Ed25519","kty":"OKP","x":..}, each value canonical unpadded base64url. So two
 *    spellings of one key cannot both be valid, private members cannot be present, and SHA-256 of
 *    the text is the key's RFC 7638 thumbprint.
 *  - PROTO_KEY_FORM_DID: a did:key, did:jwk or did:web DID, or a DID URL naming one verification
 *    method of it ("did:web:uniz.edu#key-1").
 * The decoder checks the form, not the mathematics: that an EC point is on P-256 or an RSA modulus
 * is a product of primes needs a big-number library the protocol layer does not link; front ends
 * check that (api/recjson.c with cred/key.h) before they publish, and a key that fails it verifies
 * nothing. An Ed25519 x is checked here, as issuer_keys' keys are.
 */
typedef struct proto_issuer_key_ext {
    uint32_t form;           /* PROTO_KEY_FORM_... */
    proto_str key;           /* 1 .. RN_ISSUER_JWK_BYTES_MAX or RN_ISSUER_DID_BYTES_MAX bytes */
    uint64_t valid_from_ms;  /* 0 .. RN_TIME_MS_MAX */
    uint64_t valid_until_ms; /* > valid_from_ms, or 0 for open-ended (nil on the wire) */
} proto_issuer_key_ext;

/* The 32-byte name of an issuer key of a later form: SHA-256 of its key text (for a JWK, its RFC
 * 7638 thumbprint). The store's issuer index and verify's claims name these keys by it. */
void proto_issuer_key_ext_id(const proto_issuer_key_ext *k, uint8_t out[PROTO_DIGEST_BYTES]);

/* Kind 1: an awarding body. */
typedef struct proto_provider {
    proto_str id;                  /* [1] required; "CC:ref" */
    proto_str legal_name;          /* [2] required; 1 .. RN_NAME_BYTES_MAX */
    proto_str country;             /* [3] required; canonical alpha-2 */
    proto_str registration_number; /* [4] optional; RN_NAME_BYTES_MAX */
    uint32_t qa_status;            /* [5] required; PROTO_QA_... */
    proto_str qa_body;             /* [6] optional, required when accredited; RN_NAME_BYTES_MAX */
    uint32_t issuer_keys_n;        /* [7] optional; 0 .. RN_ISSUER_KEYS_MAX, distinct keys */
    proto_issuer_key issuer_keys[RN_ISSUER_KEYS_MAX];
    uint32_t status;            /* [8] required; PROTO_PROVIDER_... */
    proto_str url;              /* [9] optional; http(s) URL */
    uint32_t issuer_keys_ext_n; /* [10] optional; 0 .. RN_ISSUER_KEYS_EXT_MAX, distinct keys */
    proto_issuer_key_ext issuer_keys_ext[RN_ISSUER_KEYS_EXT_MAX];
} proto_provider;

/* A learning outcome of a spec: {1: text, 2: [ESCO URI, ...], 3: {lang: text, ...}} on the wire.
 * `text` is the outcome in the spec's own language; `translations` gives it in others, a map in
 * the form of a title with texts of up to RN_OUTCOME_BYTES_MAX bytes. */
typedef struct proto_outcome {
    proto_str text;  /* [1] required; 1 .. RN_OUTCOME_BYTES_MAX */
    uint32_t esco_n; /* [2] optional; 0 .. RN_ESCO_PER_OUTCOME_MAX distinct URLs */
    proto_str esco[RN_ESCO_PER_OUTCOME_MAX];
    uint32_t translations_n; /* [3] optional; 0 .. RN_LANGS_MAX, languages strictly ascending */
    proto_lang_text translations[RN_LANGS_MAX]; /* texts 1 .. RN_OUTCOME_BYTES_MAX bytes */
} proto_outcome;

/* Kind 2: a micro-credential specification (the Annex I elements). */
typedef struct proto_spec {
    proto_str id;       /* [1] required */
    proto_str provider; /* [2] required; the provider's id */
    uint32_t title_n;   /* [3] required; 1 .. RN_LANGS_MAX, languages strictly ascending */
    proto_lang_text title[RN_LANGS_MAX];
    uint32_t outcomes_n; /* [4] required; 1 .. RN_OUTCOMES_MAX */
    proto_outcome outcomes[RN_OUTCOMES_MAX];
    uint32_t ects_centi;    /* [5] required; 1 .. RN_ECTS_CENTI_MAX hundredths of ECTS */
    uint32_t eqf;           /* [6] optional; 1 .. 8, 0 when absent */
    proto_str nqf;          /* [7] optional; RN_NAME_BYTES_MAX */
    proto_str isced;        /* [8] required; an ISCED-F code */
    uint32_t assessment;    /* [9] required; PROTO_VOCAB_ASSESSMENT number */
    uint32_t participation; /* [10] required; PROTO_VOCAB_PARTICIPATION number */
    uint32_t qa_type;       /* [11] required; PROTO_VOCAB_QA number */
    uint32_t languages_n;   /* [12] required; 1 .. RN_LANGS_MAX distinct languages */
    proto_str languages[RN_LANGS_MAX];
    proto_str prerequisites; /* [13] optional; RN_TEXT_BYTES_MAX */
    uint32_t supervision;    /* [14] required; PROTO_VOCAB_SUPERVISION number */
    proto_str grading;       /* [15] optional; RN_TEXT_BYTES_MAX */
    uint32_t stackability;   /* [16] required; PROTO_STACK_... */
    uint32_t part_of_n;      /* [17] optional; 0 .. RN_SPEC_REFS_MAX distinct spec ids */
    proto_str part_of[RN_SPEC_REFS_MAX];
    proto_str url;           /* [18] optional */
    uint64_t valid_from_ms;  /* [19] required */
    uint64_t valid_until_ms; /* [20] optional; > valid_from_ms, 0 when absent */
    uint32_t status;         /* [21] required; PROTO_STATUS_... */
    uint32_t source_ids_n;   /* [22] optional; 0 .. RN_SOURCE_IDS_MAX distinct URIs: the ids of
                                the achievement or specification the spec was imported from */
    proto_str source_ids[RN_SOURCE_IDS_MAX];
} proto_spec;

/* A substantial difference: {1: type, 2: note} on the wire. */
typedef struct proto_difference {
    uint32_t type;  /* [1] required; PROTO_DIFFERENCE_... */
    proto_str note; /* [2] required; 1 .. RN_NAME_BYTES_MAX */
} proto_difference;

/* Kind 3: how the author's country recognises one spec (any country's spec). */
typedef struct proto_decision {
    proto_str id;           /* [1] required */
    proto_str spec;         /* [2] required; the spec's id, any prefix */
    uint32_t purpose;       /* [3] required; PROTO_PURPOSE_... */
    uint32_t outcome;       /* [4] required; PROTO_OUTCOME_... */
    bool has_ects;          /* [5] optional: present? */
    uint32_t ects_centi;    /*     recognised ECTS, 0 .. RN_ECTS_CENTI_MAX hundredths */
    uint32_t eqf;           /* [6] optional; recognised EQF level 1 .. 8, 0 when absent */
    uint32_t differences_n; /* [7] optional; 0 .. RN_DIFFERENCES_MAX, distinct types */
    proto_difference differences[RN_DIFFERENCES_MAX];
    proto_str conditions;    /* [8] optional, required when conditional; RN_TEXT_BYTES_MAX */
    proto_str appeal;        /* [9] optional; RN_TEXT_BYTES_MAX */
    uint64_t valid_from_ms;  /* [10] required */
    uint64_t valid_until_ms; /* [11] optional; > valid_from_ms, 0 when absent */
    proto_str supersedes;    /* [12] optional; id of an earlier decision of the author */
} proto_decision;

/* Kind 4: an automatic-recognition rule of the author's country. */
typedef struct proto_policy {
    proto_str id;                /* [1] required */
    uint32_t purpose;            /* [2] required; PROTO_PURPOSE_... */
    uint32_t outcome;            /* [3] required; PROTO_OUTCOME_... */
    uint32_t issuer_countries_n; /* [4] optional; distinct canonical codes; 0 = any country */
    proto_str issuer_countries[RN_POLICY_COUNTRIES_MAX];
    uint32_t eqf_min;          /* [5] optional; 1 .. 8, 0 when absent */
    uint32_t eqf_max;          /* [6] optional; 1 .. 8, >= eqf_min, 0 when absent */
    uint32_t ects_min_centi;   /* [7] optional; 1 .. RN_ECTS_CENTI_MAX, 0 when absent */
    bool external_qa;          /* [8] required */
    uint32_t isced_prefixes_n; /* [9] optional; distinct ISCED-F codes; 0 = any field */
    proto_str isced_prefixes[RN_ISCED_PREFIXES_MAX];
    proto_str conditions;    /* [10] optional, required when conditional; RN_TEXT_BYTES_MAX */
    uint64_t valid_from_ms;  /* [11] required */
    uint64_t valid_until_ms; /* [12] optional; > valid_from_ms, 0 when absent */
    uint32_t status;         /* [13] required; PROTO_STATUS_... */
} proto_policy;

/* Which specs count towards a pathway, when not listed one by one. A rule is present on the wire
 * exactly when at least one of its fields is. */
typedef struct proto_pathway_rule {
    uint32_t eqf_min;          /* [1] optional; 1 .. 8, 0 when absent */
    uint32_t eqf_max;          /* [2] optional; 1 .. 8, >= eqf_min, 0 when absent */
    uint32_t isced_prefixes_n; /* [3] optional; distinct ISCED-F codes */
    proto_str isced_prefixes[RN_ISCED_PREFIXES_MAX];
    uint32_t issuer_countries_n; /* [4] optional; distinct canonical country codes */
    proto_str issuer_countries[RN_POLICY_COUNTRIES_MAX];
    uint32_t ects_min_centi; /* [5] optional; 1 .. RN_ECTS_CENTI_MAX, 0 when absent */
} proto_pathway_rule;

/* Kind 5: a qualification that micro-credentials stack towards in the author's country. */
typedef struct proto_pathway {
    proto_str id;     /* [1] required */
    uint32_t title_n; /* [2] required; 1 .. RN_LANGS_MAX, languages strictly ascending */
    proto_lang_text title[RN_LANGS_MAX];
    uint32_t eqf;            /* [3] required; 1 .. 8 */
    uint32_t ects_min_centi; /* [4] required; 1 .. RN_PATHWAY_ECTS_CENTI_MAX */
    uint32_t mandatory_n;    /* [5] optional; distinct spec ids, any prefix */
    proto_str mandatory[RN_SPEC_REFS_MAX];
    uint32_t eligible_n; /* [6] optional; distinct spec ids, none of them mandatory */
    proto_str eligible[RN_SPEC_REFS_MAX];
    proto_pathway_rule rule; /* [7] optional map */
    uint64_t valid_from_ms;  /* [8] required */
    uint64_t valid_until_ms; /* [9] optional; > valid_from_ms, 0 when absent */
    uint32_t status;         /* [10] required; PROTO_STATUS_... */
} proto_pathway;

/* Kind 6: an issued credential is revoked. No learner data: the credential is a digest. */
typedef struct proto_revocation {
    const uint8_t *credential; /* [1] required; PROTO_DIGEST_BYTES */
    proto_str provider;        /* [2] required; the issuing provider's id */
    uint32_t reason;           /* [3] required; PROTO_REASON_... */
    uint64_t revoked_at_ms;    /* [4] required */
    uint32_t status_index;     /* [5] optional (record form 2); 0 .. RN_STATUS_INDEX_MAX, the
                                  credential's statusListIndex in its provider's status list */
    bool has_status_index;     /* [5] present (0 is an index) */
} proto_revocation;

/*
 * Kind 7: a roster change of the governed roster (PROTOCOL.md 3.13, 4.4) travelling as an entry:
 * the author's approval of the change, possibly with approvals it collected from others. The
 * decoder checks that the change decodes (its form only, proto_rosterchain_change_decode) and
 * carries at least one signature; that one signature is the author's is
 * proto_record_check_signer's, which needs the entry. No id, no country prefix.
 */
typedef struct proto_roster_record {
    proto_str change; /* [1] required; a change document of 4.4, 1 ..
                         RN_ROSTERCHAIN_CHANGE_BYTES_MAX bytes (a bin on the wire) */
} proto_roster_record;

/*
 * Kind 8: the first entry of a key that became an authority by a rotation: it names the key it
 * succeeds and the last entry of that key its lineage keeps (PROTOCOL.md 3.14).
 */
typedef struct proto_succession {
    const uint8_t *predecessor; /* [1] required; PROTO_KEY_BYTES, a valid Ed25519 key */
    uint64_t last_seq;          /* [2] required; 0 .. RN_SEQ_MAX (0: no entry of it is kept) */
    const uint8_t *last_id;     /* [3] PROTO_ID_BYTES, present exactly when last_seq > 0 */
} proto_succession;

/* A record of any kind. */
typedef struct proto_record {
    proto_kind kind;
    union {
        proto_provider provider;
        proto_spec spec;
        proto_decision decision;
        proto_policy policy;
        proto_pathway pathway;
        proto_revocation revocation;
        proto_roster_record roster;
        proto_succession succession;
    } u;
} proto_record;

/*
 * Decodes and validates the body of kind `kind` in body[0..len): one canonical map, nothing after
 * it, integer keys strictly ascending, every key known to the kind, every required field present,
 * every value of its type, within its bounds and in its code list, and the record's own fields
 * consistent with each other. Does not look at anything outside the record: the author's prefix
 * is proto_record_check_author's, the existence of referenced records the store's.
 *
 * On success *r holds the record, every proto_str and byte pointer in it borrowing body[], and
 * every field not on the wire zero. On failure *r is unspecified. `d` (may be NULL) gets the
 * error, the field ("spec.eqf"; the kind's name, "spec", for errors of the map itself) and, for
 * an item of a list field, d->index = 1 + its position (0 otherwise). Never allocates.
 *
 * Returns 0, or:
 *  RN_EKIND        `kind` is not a record kind
 *  RN_ETOOBIG      len > RN_RECORD_BYTES_MAX
 *  RN_ETRUNCATED, RN_EMALFORMED, RN_ENONCANON  from the cursor (mp.h)
 *  RN_ETRAILING    bytes after the map
 *  RN_ETYPE        a key or value of the wrong MessagePack type
 *  RN_EFIELDORDER  a key not greater than the one before it, or the language keys of a title or
 *                  of an outcome's translations not strictly ascending
 *  RN_EUNKNOWNFIELD a key the kind does not define
 *  RN_EMISSING     a required field is absent
 *  RN_ELEN         a string outside its length bounds (empty, or longer than its maximum), or a
 *                  byte string of the wrong length
 *  RN_EUTF8        a string that is not valid UTF-8
 *  RN_ECOUNT       a list with too many items, an optional list present but empty, a rule map
 *                  present but empty, an issuer key that is not a 3-element array
 *  RN_EID          a malformed identifier (not "CC:ref", CC not a canonical country code, ref
 *                  empty or with a byte outside [A-Za-z0-9._:/-])
 *  RN_ECOUNTRY     a country field that is not a canonical country code ("EL" included)
 *  RN_ELANG        a language that is not two lower-case ASCII letters
 *  RN_EURL         a URL that does not start with http:// or https:// followed by at least one
 *                  byte, or that contains a space or control character; a URI (spec.source_ids)
 *                  without a scheme (RFC 3986: a letter, then letters, digits, "+", "-", ".",
 *                  then ":") and at least one byte after it, or with a space or control character
 *  RN_EISCED       not one of the 220 ISCED-F codes
 *  RN_EEQF         an EQF level outside 1-8
 *  RN_EECTS        ECTS outside their bounds
 *  RN_EVOCAB       a number not in its Annex I vocabulary
 *  RN_EENUM        a number not in its enumeration
 *  RN_ETIME        a time after RN_TIME_MS_MAX
 *  RN_EDATES       valid_until not after valid_from
 *  RN_EINCONSISTENT duplicate list items, or fields that contradict each other (see PROTOCOL.md)
 *  RN_EKEY         an issuer key that is not a valid Ed25519 public key (a canonical point of the
 *                  prime-order subgroup, not of small order: crypto_core_ed25519_is_valid_point),
 *                  or an issuer key of a later form not in its canonical form (a JWK of another
 *                  kty, curve or member set, not canonical base64url, an RSA modulus outside
 *                  2048-8192 bits; a DID of another method or with a byte outside its syntax)
 */
RN_MUST_USE int proto_record_decode(proto_record *r, proto_kind kind, const uint8_t *body,
                                    size_t len, rn_diag *d);

/*
 * Checks that every identifier the record defines carries the author's country prefix: a
 * provider's id and its country field, a spec's id and provider, a decision's id and supersedes,
 * a policy's id, a pathway's id, a revocation's provider. A decision's subject spec and a
 * pathway's spec lists may name any country's specs. `country` is the author's two-letter code;
 * the alias "EL" is taken as "GR". `r` must have been decoded (or be valid).
 *
 * Returns 0, RN_EPREFIX (d names the field), or RN_ECOUNTRY if `country` is not one of the 30.
 */
RN_MUST_USE int proto_record_check_author(const proto_record *r, const char country[2], rn_diag *d);

/*
 * Appends the canonical body of `r` to `out`: a map of the present fields in ascending key order,
 * each in its shortest MessagePack form. Before returning, decodes what it wrote and checks that
 * the result equals `r` (a pair assertion), so a record that encodes is one every reader accepts.
 * The strings of `r` are copied; `r` is not kept.
 *
 * Returns 0, or the error proto_record_decode gives the written bytes when `r` is invalid (use
 * proto_record_validate to learn which field), RN_ECOUNT if a list count exceeds its array,
 * RN_EKIND for an unknown kind, RN_ETOOBIG (the body would pass RN_RECORD_BYTES_MAX or out->max),
 * RN_ENOMEM. On failure out->len is as it was and out's error latch is as it was.
 */
RN_MUST_USE int proto_record_encode(const proto_record *r, mp_buf *out);

/*
 * Validates `r` as a reader would, with a diagnostic: encodes it into a scratch buffer (allocated
 * and freed here) and decodes it. Returns 0 or proto_record_encode's errors; `d` (may be NULL)
 * names the field.
 */
RN_MUST_USE int proto_record_validate(const proto_record *r, rn_diag *d);

/* True if two records are of the same kind and every field is equal (strings by content). */
bool proto_record_equal(const proto_record *a, const proto_record *b);

/*
 * Checks what a record says about the entry that carries it beyond its author's country: a roster
 * record (kind 7) is its author's approval, so one of the change's signatures is by `author`
 * (RN_EINCONSISTENT, "roster.change"). 0 for every other kind. `r` must have been decoded.
 */
RN_MUST_USE int proto_record_check_signer(const proto_record *r,
                                          const uint8_t author[PROTO_KEY_BYTES], rn_diag *d);

/* True for the kinds that state something about a registry (1 .. 6): the ones queries, indexes
 * and exports see. Roster and succession records (7, 8) are about the federation itself. */
bool proto_kind_is_registry(int kind);

/* The id a record is known by: the record's id field, or for a revocation its provider. The
 * first two bytes are its country prefix. Borrowed from `r`. Roster and succession records
 * have none: an absent proto_str (len 0). */
proto_str proto_record_id(const proto_record *r);

/* Checks the syntax of an identifier "CC:ref" (country canonical, ref 1 .. RN_ID_BYTES_MAX - 3
 * bytes of [A-Za-z0-9._:/-]). Returns 0, RN_ELEN (empty or longer than RN_ID_BYTES_MAX) or RN_EID.
 */
RN_MUST_USE int proto_id_check(const uint8_t *s, size_t len);

#endif /* RN_RECORD_H */
