/*
 * vcjwt.h: verifiable credentials as JWTs (VC-JWT of the VC Data Model 1.1, which Open Badges
 * 3.0 section 8.2 specifies, and VC-JOSE-COSE of the Data Model 2.0): a compact JWS (jws.h)
 * whose payload carries the credential in its "vc" claim (1.1), or is the credential (2.0).
 *
 * The checks (cred_vcjwt_check), each a line of the report:
 *   key          the key the signature is checked with: the header's "jwk", or its "kid" as a
 *                DID URL or URL (did.h), or the issuer's own document, or keys the caller
 *                supplies (a provider's registered keys)
 *   signature    the signature verifies with a key of the alg's type (RS256 RSA, ES256 P-256,
 *                EdDSA Ed25519; any other pairing is algorithm confusion and fails)
 *   issuer key   the key that verified is the issuer's (did.h, cred_binding)
 *   exp, nbf     against the time given (seconds, RFC 7519)
 *   iss          equals the credential's issuer id (required in the 1.1 form)
 *   sub          equals credentialSubject.id, when present
 *   jti          equals the credential's id, when present
 *
 * The credential's digest, which a recnet revocation names, is BLAKE2b-256 of the JWS signing
 * input (header "." payload): everything the issuer signed and nothing else, so that no change
 * to the signature's bytes yields a token that a revocation no longer names.
 */
#ifndef RN_CRED_VCJWT_H
#define RN_CRED_VCJWT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cred/cred.h"
#include "cred/jws.h"
#include "proto/error.h"

#define CRED_DIGEST_BYTES 32u

typedef struct cred_vcjwt {
    cred_jws jws;    /* owned */
    json_t *payload; /* owned: the JWT claims */
    json_t *vc;      /* the credential: payload's "vc", or payload; borrowed from payload */
    bool vc_claim;   /* the 1.1 form (a "vc" claim) */
    uint8_t digest[CRED_DIGEST_BYTES];
} cred_vcjwt;

/*
 * Parses a VC-JWT s[0..len) into *j (always initialised: free it with cred_vcjwt_free). Returns
 * 0, the errors of cred_jws_parse_compact, or RN_EMALFORMED for a payload that is not a JSON
 * object or a "vc" that is not one; `why` says which.
 */
RN_MUST_USE int cred_vcjwt_parse(const char *s, size_t len, cred_vcjwt *j, char *why,
                                 size_t why_len);

/* Adds the checks above to r; r->key and r->key_index say which key verified. */
void cred_vcjwt_check(const cred_vcjwt *j, const cred_opts *o, cred_report *r);

/* The digest a revocation names: BLAKE2b-256 of the signing input (computed on demand: a
 * verification does not need it). */
void cred_vcjwt_digest(const cred_vcjwt *j, uint8_t out[CRED_DIGEST_BYTES]);

/* Verifies the signature with one key. Returns as cred_jws_verify. */
RN_MUST_USE int cred_vcjwt_verify(const cred_vcjwt *j, const cred_key *k);

void cred_vcjwt_free(cred_vcjwt *j);

#endif /* RN_CRED_VCJWT_H */
