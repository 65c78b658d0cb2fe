/*
 * recjson.h: records in JSON, for people: the six record kinds of proto/record.h read from and
 * written to JSON objects whose field names are those of PROTOCOL.md section 3, plus the value
 * forms people type (times, ECTS, keys, digests) and the entries of a log.
 *
 * JSON forms: enumerations and Annex I vocabularies by name ("outcome": "partial",
 * "assessment": "portfolio"); times as an ISO 8601 date ("2024-09-01", midnight UTC), a datetime
 * with a zone ("2024-09-01T10:30:00Z", "2024-09-01T12:30:00+02:00", fractions to the
 * millisecond), an integer of milliseconds since the epoch, or "now" (the clock of the
 * machine running recnetctl, to the millisecond); ECTS as decimal numbers with at most
 * two decimals (2.5, or the string "2.5"), converted to hundredths; titles as an object of
 * language to text ({"en": "...", "nl": "..."}); issuer keys as {"key": "rn1:...", "valid_from":
 * ..., "valid_until": ... or null}; a revocation's credential digest as 64 hex digits; country
 * codes with "EL" accepted for Greece and written "GR". An absent optional field is left out (or
 * null); a required field left out is RN_EMISSING naming it (never a zero: a time would read as
 * 1970-01-01); an unknown field is an error, so a misspelt name is never silently dropped. A
 * top-level "kind" naming the record's own kind is allowed and ignored.
 *
 * The conversion is driven by the wire's own field tables (proto/fields.h), whose JSON column
 * names each field and its JSON form; they are used both ways and by the command line flags of
 * `recnetctl <kind> publish`, so the JSON, the flags and the wire never disagree on the fields.
 * What the JSON cannot say wrongly (types, names, forms) is checked here; everything else is
 * proto_record_validate's, whose diagnostic names the field in the same dotted form ("spec.eqf",
 * "provider.issuer_keys.key").
 *
 * Decoded strings borrow the JSON object (jansson keeps them as long as the object lives); the
 * 32-byte keys and digests are decoded into a rec_bytes the caller provides.
 */
#ifndef RN_CLI_RECJSON_H
#define RN_CLI_RECJSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

#include "proto/entry.h"
#include "proto/error.h"
#include "proto/record.h"

/* Room for a field path ("pathway.rule.issuer_countries") and an explanation. */
#define REC_FIELD_BYTES  96u
#define REC_DETAIL_BYTES 256u

/* A time in text: "2024-09-01T10:30:00.123Z" and a NUL, with room to spare. */
#define REC_TIME_BYTES 64u

/* What went wrong with a JSON record. */
typedef struct rec_err {
    int code;                      /* the RN_E code */
    char field[REC_FIELD_BYTES];   /* dotted field path, "" when none */
    unsigned index;                /* 1 + position in the innermost list, 0 for none */
    char detail[REC_DETAIL_BYTES]; /* what was expected, "" when the code says it all */
} rec_err;

/* The byte values of one record (issuer keys, a revocation's digest), decoded from their text,
 * and the canonical texts of the JWKs given as objects (provider.issuer_keys_ext). */
typedef struct rec_bytes {
    uint8_t b[RN_ISSUER_KEYS_MAX + 1u][32];
    unsigned used;
    char jwk[RN_ISSUER_KEYS_EXT_MAX][RN_ISSUER_JWK_BYTES_MAX + 1u];
    unsigned jwk_used;
    uint8_t bin[RN_ROSTERCHAIN_CHANGE_BYTES_MAX]; /* a roster record's change, from hex */
    size_t bin_used;
} rec_bytes;

/*
 * The canonical text of the public JWK `jwk` (PROTOCOL.md 3.4): its RFC 7638 members in their
 * order, without whitespace, into out[0..len). The key is checked as a verifier would read it
 * (cred_key_from_jwk: a P-256 point on the curve, an RSA modulus of 2048-8192 bits, an Ed25519
 * point). Members outside the thumbprint's ("kid", "use", "alg") are dropped. Returns 0, or RN_EKEY
 * (private key material such as "d", an unknown or unsupported kty or crv, a key that does not
 * parse), RN_ETYPE (not an object, a member not a string), RN_ELEN (longer than len - 1), with
 * `why` saying which.
 */
RN_MUST_USE int rec_jwk_canonical(const json_t *jwk, char *out, size_t len, char *why,
                                  size_t why_len);

/*
 * Checks the text of an issuer key of a later form (a JWK's text, or a DID) as a verifier would
 * use it: a JWK must be a supported public key (cred_key_from_jwk), a did:key or did:jwk must
 * resolve to one (cred_resolve); a did:web is resolved from documents verifiers are given, so
 * only its syntax counts, which is the protocol decoder's. This is what the CLI checks beyond the
 * wire's canonical form (PROTOCOL.md 3.4), before it publishes. Returns 0, RN_EKEY or RN_ELEN
 * (why says which), RN_ENOMEM.
 */
RN_MUST_USE int rec_key_text_check(const char *text, size_t len, char *why, size_t why_len);

/*
 * Fills *r with the record of kind `kind` that the JSON object `obj` describes, and validates it
 * (proto_record_validate). Strings in *r borrow `obj`; keys and digests live in `bytes`.
 * Returns 0, or an RN_E code with *e filled: RN_ETYPE (a value of the wrong JSON type),
 * RN_EUNKNOWNFIELD, RN_EMISSING (a required field absent or null), RN_ECOUNT (a list longer than
 * its bound), RN_ETIME, RN_EECTS, RN_EENUM,
 * RN_EVOCAB, RN_EKEY, RN_ELEN (a digest that is not 64 hex digits), RN_EKIND (a "kind" that is
 * not `kind`), or any error of proto_record_validate.
 */
RN_MUST_USE int rec_from_json(proto_record *r, proto_kind kind, json_t *obj, rec_bytes *bytes,
                              rec_err *e);

/* The JSON object of a valid record (new reference), or NULL when out of memory. */
json_t *rec_to_json(const proto_record *r);

/*
 * Sets field `name` (as in PROTOCOL.md; '-' may stand for '_') of the JSON record `obj` of kind
 * `kind` from the command line text `value`: strings, times, ECTS, names as given; numbers
 * parsed; booleans "true" or "false"; lists split at commas and appended to what is there (so a
 * flag may be repeated); a title as "lang=text" (repeatable); nested objects and lists of
 * objects (issuer_keys, outcomes, differences, rule) as JSON text, an object being appended to a
 * list. Returns 0, or RN_EUNKNOWNFIELD, RN_ETYPE (a value that does not parse), RN_ENOMEM, with
 * *e filled.
 */
RN_MUST_USE int rec_json_set(json_t *obj, proto_kind kind, const char *name, const char *value,
                             rec_err *e);

/* The CLI's clock: milliseconds since the epoch, now (CLOCK_REALTIME). */
uint64_t rec_now_ms(void);

/* Parses a time (see above) in s[0..len); "now" is rec_now_ms(). Every time the command line
 * takes (record fields, --<time field> flags, --at, --issued-at, --key-valid-from) goes through
 * here. Returns 0 or RN_ETIME. */
RN_MUST_USE int rec_time_parse(const char *s, size_t len, uint64_t *ms);

/* Formats a time: "2024-09-01" at midnight UTC, else "2024-09-01T10:30:00Z", with ".123" when
 * the milliseconds are not zero. */
void rec_time_format(uint64_t ms, char out[REC_TIME_BYTES]);

/* Parses ECTS ("2.5", "2", "0.25") into hundredths. Returns 0 or RN_EECTS. */
RN_MUST_USE int rec_ects_parse(const char *s, size_t len, uint32_t *centi);

/* ECTS hundredths as a JSON number: an integer when whole, else a real (2.5). New reference. */
json_t *rec_ects_json(uint32_t centi);

/* Formats hundredths of ECTS as "2.5" or "2" into out[0..16). */
void rec_ects_format(uint32_t centi, char out[16]);

/* Writes 2 * n lower-case hex digits and a NUL to out (2 * n + 1 bytes). */
void rec_hex(const uint8_t *b, size_t n, char *out);

/* Reads the 2 * n hex digits (either case) at s into out[0..n). Returns false when one of them
 * is not a hex digit (out is then partly written). */
bool rec_unhex(const char *s, size_t n, uint8_t *out);

/*
 * The JSON object of one signed entry: {"author": "rn1:...", "seq", "id" (hex), "prev" (hex or
 * null), "timestamp" (text time), "kind", "record": {...}}. Returns NULL (with *e filled) when
 * the entry or its record does not decode, or when out of memory (RN_ENOMEM).
 */
json_t *rec_entry_to_json(const uint8_t *bytes, size_t len, rec_err *e);

/* Prints the fields of a record of kind `kind` to `f`, one a line, from the same table that reads
 * them: the dotted name, required or optional, its type, and the accepted values of an
 * enumeration or vocabulary. */
void rec_fields_help(proto_kind kind, FILE *f);

/* Prints "field[index]: message (detail)" for *e into out[0..len). Returns out. */
char *rec_err_format(const rec_err *e, char *out, size_t len);

#endif /* RN_CLI_RECJSON_H */
