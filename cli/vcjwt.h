/*
 * vcjwt.h: Open Badges 3.0 credentials in VC-JWT form, signed with EdDSA (Ed25519): a compact
 * JWS, header.payload.signature, each part base64url without padding (RFC 7515, RFC 8037).
 *
 * recnet accepts exactly one algorithm: the header's "alg" must be "EdDSA" (and its "crv", when
 * present, "Ed25519"); any other, "none" included, is refused before the signature is looked at,
 * so a token can never choose a weaker check (the classic alg confusion of JWT libraries). A
 * header with "crit" is refused too, since recnet understands no extension. The signature is
 * checked against a key the caller chooses (given on the command line, or one of the issuer keys
 * the provider's record lists), never against a key the token carries.
 *
 * The credential is the payload's "vc" claim (VC-JWT of the VC Data Model 1.1, which Open Badges
 * 3.0 specifies), or the payload itself when it has no "vc" (VC-JOSE-COSE of the Data Model 2.0).
 *
 * The credential's digest, which a revocation names, is BLAKE2b-256 of the JWS signing input,
 * the ASCII bytes header "." payload: everything the issuer signed, and nothing else. As for the
 * envelope (proto/credential.h), the signature is left out, so that no change to its bytes yields
 * a token that a revocation no longer names.
 */
#ifndef RN_CLI_VCJWT_H
#define RN_CLI_VCJWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/entry.h"
#include "proto/error.h"
#include "proto/record.h"

/* A token is at most this long: the Dutch badges are 4 KiB of JSON, 6 KiB as a token; images
 * inline in base64 make some badges a few hundred KiB. */
#define VCJWT_BYTES_MAX (1u << 20)

typedef struct vcjwt {
    char *text;         /* owned copy of the token, surrounding white space removed */
    size_t signing_len; /* the signing input is text[0..signing_len) */
    uint8_t sig[PROTO_SIG_BYTES];
    json_t *header;                     /* owned */
    json_t *payload;                    /* owned */
    json_t *vc;                         /* the credential, borrowed from payload */
    uint8_t digest[PROTO_DIGEST_BYTES]; /* H(signing input) */
} vcjwt;

/* True if buf[0..len) looks like a compact JWS: base64url characters and exactly two dots
 * (surrounding white space allowed). */
bool vcjwt_looks_like(const uint8_t *buf, size_t len);

/*
 * Parses the token s[0..len) into *j (which owns copies; free it with vcjwt_free in every case).
 * Returns 0, or RN_ETOOBIG (longer than VCJWT_BYTES_MAX), RN_EMALFORMED (not three base64url
 * parts, or a header or payload that is not a JSON object, or a payload with no credential),
 * RN_EINVAL (an "alg" other than "EdDSA", a "crv" other than "Ed25519", a "crit"), RN_ELEN (a
 * signature that is not 64 bytes), RN_ENOMEM; `why` says which.
 */
RN_MUST_USE int vcjwt_parse(const char *s, size_t len, vcjwt *j, char *why, size_t why_len);

/* Verifies the token's Ed25519 signature against `pk`. Returns 0 or RN_ESIG. */
RN_MUST_USE int vcjwt_verify(const vcjwt *j, const uint8_t pk[PROTO_KEY_BYTES]);

void vcjwt_free(vcjwt *j);

#endif /* RN_CLI_VCJWT_H */
