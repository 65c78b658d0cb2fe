/*
 * jws.h: JSON Web Signatures (RFC 7515) in both serializations: compact
 * (header.payload.signature, VC-JWT) and JSON (the "payload" and "signatures" of a JAdES sealed
 * Europass credential, or the flattened "protected"/"signature" form).
 *
 * The parser decides nothing about keys; it refuses what no verifier here should read:
 *  - an "alg" other than RS256, ES256 or EdDSA ("none", HS256 and every HMAC alg included), in
 *    the protected header only (an alg in an unprotected header is refused: it is not signed);
 *  - "crit" naming a parameter this parser does not understand, and "b64": false (RFC 7797);
 *  - base64url with padding, white space inside, or non-zero trailing bits (one spelling each);
 *  - a header that is not a JSON object, or that repeats a member.
 * The signature is verified against a key the caller chooses (cred_jws_verify), whose type must
 * be the alg's (key.h).
 */
#ifndef RN_CRED_JWS_H
#define RN_CRED_JWS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cred/key.h"
#include "proto/error.h"

/* A JWS is at most this long: badges with images inline in base64 reach a few hundred KiB; a
 * sealed Europass credential with its certificate chain is under 200 KiB. */
#define CRED_JWS_BYTES_MAX (1u << 20)

/* A parsed JWS. Every pointer is owned; cred_jws_free releases them. */
typedef struct cred_jws {
    bool json_form;      /* the JSON serialization */
    cred_alg alg;        /* from the protected header */
    json_t *header;      /* the protected header; unprotected members are not merged */
    json_t *unprotected; /* the JSON serialization's "header", or NULL */
    bool unencoded;      /* b64 false (RFC 7797, JSON serialization only): the payload as sent */
    char *signing_input; /* BASE64URL(protected) "." BASE64URL(payload), or "." the payload
                            itself when unencoded; NUL-ended */
    size_t signing_len;  /* its length */
    uint8_t *payload;    /* decoded, NUL-ended (the NUL not counted) */
    size_t payload_len;
    uint8_t *sig; /* decoded signature */
    size_t sig_len;
} cred_jws;

/* True if buf[0..len) looks like a compact JWS: base64url characters and exactly two dots,
 * surrounding white space allowed. */
bool cred_jws_looks_compact(const uint8_t *buf, size_t len);

/*
 * Parses a compact JWS s[0..len) (surrounding white space trimmed) into *j, which is always
 * initialised (free it with cred_jws_free in every case). Returns 0, RN_ETOOBIG (longer than
 * CRED_JWS_BYTES_MAX), RN_EMALFORMED (not three base64url parts, a header that is not a JSON
 * object, an empty payload), RN_EINVAL (an alg refused, crit, b64), RN_ENOMEM; `why` says which.
 */
RN_MUST_USE int cred_jws_parse_compact(const char *s, size_t len, cred_jws *j, char *why,
                                       size_t why_len);

/*
 * Parses the JSON serialization from its object: flattened ("protected", "payload",
 * "signature", optional "header") or general ("payload", "signatures" with exactly one entry:
 * a seal has one signer). Returns as cred_jws_parse_compact, and RN_ECOUNT for several
 * signatures. `o` is borrowed for the call only.
 */
RN_MUST_USE int cred_jws_parse_json(const json_t *o, cred_jws *j, char *why, size_t why_len);

/* Verifies the signature with k. Returns 0, RN_EINVAL (the alg is not k's), RN_ELEN or RN_ESIG
 * (cred_key_verify). */
RN_MUST_USE int cred_jws_verify(const cred_jws *j, const cred_key *k);

void cred_jws_free(cred_jws *j);

#endif /* RN_CRED_JWS_H */
