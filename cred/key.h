/*
 * key.h: the public keys credentials are signed with, and the JWS algorithms that use them.
 *
 * Three key types, each with exactly one algorithm (RFC 7518, RFC 8037):
 *
 *     key                         from                                   algorithm
 *     RSA, 2048 to 8192 bits      JWK kty RSA; multicodec rsa-pub 0x1205  RS256 (PKCS#1 v1.5,
 * SHA-256) EC P-256                    JWK kty EC crv P-256; p256-pub 0x1200  ES256 (raw r || s, 64
 * bytes) Ed25519                     JWK kty OKP crv Ed25519; ed25519-pub   EdDSA 0xed, recnet's
 * rn1: keys
 *
 * The algorithm is chosen by the key, never by the token alone: cred_key_verify refuses an alg
 * that is not the key's (RS256 with an EC key, EdDSA with an RSA key), so a token cannot make a
 * verifier read an RSA modulus as an HMAC secret or choose "none". HMAC algorithms are never
 * accepted: a verifier holds no shared secrets. RSA and ECDSA are OpenSSL's libcrypto; Ed25519
 * is libsodium's, as everywhere else in recnet.
 */
#ifndef RN_CRED_KEY_H
#define RN_CRED_KEY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/error.h"

#define CRED_ED25519_BYTES 32u
#define CRED_RSA_BITS_MIN  2048u /* below this RS256 is not a signature anyone should accept */
#define CRED_RSA_BITS_MAX  8192u /* bounds the work one verification costs */

typedef enum cred_kty {
    CRED_KTY_NONE = 0,
    CRED_KTY_RSA,
    CRED_KTY_P256,
    CRED_KTY_ED25519,
} cred_kty;

typedef enum cred_alg {
    CRED_ALG_NONE = 0, /* not an algorithm recnet accepts */
    CRED_ALG_RS256,
    CRED_ALG_ES256,
    CRED_ALG_EDDSA,
} cred_alg;

/* A public key. cred_key_free releases it; a zeroed struct is an empty key. */
typedef struct cred_key {
    cred_kty kty;
    uint8_t ed25519[CRED_ED25519_BYTES]; /* CRED_KTY_ED25519 */
    void *pkey;                          /* EVP_PKEY *, owned: RSA and P-256 */
} cred_key;

/* "RS256", "ES256", "EdDSA", "none"... */
const char *cred_alg_name(cred_alg alg);
const char *cred_kty_name(cred_kty kty);

/* The alg named by a JWS header's "alg": RS256, ES256 or EdDSA; CRED_ALG_NONE for anything else
 * ("none", HS256, PS256, ES384...). */
cred_alg cred_alg_parse(const char *name);

/* The one algorithm of a key type. */
cred_alg cred_kty_alg(cred_kty kty);

/*
 * A key from a JWK (RFC 7517) object: kty RSA (n, e), EC (crv P-256, x, y) or OKP (crv Ed25519,
 * x). Private members ("d", "p", ...) are refused: a key that carries its secret has been
 * leaked, and is no issuer's key any more. Returns 0, RN_ETYPE (not an object, a member not a
 * string), RN_EMISSING (a member absent), RN_EKEY (an unsupported kty or crv, a point not on the
 * curve, an RSA modulus outside 2048-8192 bits, a private member), RN_EMALFORMED (a member not
 * base64url), RN_ENOMEM. `why` says which. *k is set only on success. The last 16 RSA and P-256
 * keys imported are kept (key.c): the same JWK again gives a copy of the same key.
 */
RN_MUST_USE int cred_key_from_jwk(const json_t *jwk, cred_key *k, char *why, size_t why_len);

/*
 * A key from multicodec bytes (the decoded multibase of a did:key or a publicKeyMultibase):
 * 0xed 0x01 + 32 bytes Ed25519; 0x80 0x24 + 33 bytes compressed P-256 point; 0x85 0x24 + an RSA
 * public key in PKCS#1 DER. Returns as cred_key_from_jwk.
 */
RN_MUST_USE int cred_key_from_multicodec(const uint8_t *buf, size_t n, cred_key *k, char *why,
                                         size_t why_len);

/* The same from the multibase text ("z6Mk...", "zDn...", "z4MX..."). */
RN_MUST_USE int cred_key_from_multibase(const char *s, size_t n, cred_key *k, char *why,
                                        size_t why_len);

/* An Ed25519 key from its 32 bytes. */
void cred_key_ed25519(cred_key *k, const uint8_t pk[CRED_ED25519_BYTES]);

/* True when both are the same public key. */
bool cred_key_equal(const cred_key *a, const cred_key *b);

/*
 * Verifies sig[0..sig_len) over msg[0..len) with key k under alg. Returns 0, RN_EINVAL (alg is
 * not k's algorithm, or CRED_ALG_NONE), RN_ELEN (a signature of the wrong length for its
 * algorithm: ES256 is 64 bytes r || s, EdDSA 64, RS256 the modulus length) or RN_ESIG (does not
 * verify). Never allocates what it does not free; safe from any thread on a shared key.
 */
RN_MUST_USE int cred_key_verify(const cred_key *k, cred_alg alg, const uint8_t *msg, size_t len,
                                const uint8_t *sig, size_t sig_len);

/*
 * Is `jwk` (a public JWK object) the key k? An Ed25519 or P-256 JWK is compared member by
 * member with k's public components (x; the point), without building a key from it, which for
 * P-256 costs a libcrypto key and group construction; an RSA JWK is built and compared (exporting
 * n and e from k would cost more). A JWK that does not decode, carries a private member, or is
 * of another type is not k. Used to find a key in an issuer's document.
 */
bool cred_key_is_jwk(const cred_key *k, const json_t *jwk);

/* Copies a key (the EVP_PKEY is reference-counted). Returns 0 or RN_ENOMEM. */
RN_MUST_USE int cred_key_copy(cred_key *dst, const cred_key *src);

void cred_key_free(cred_key *k);

#endif /* RN_CRED_KEY_H */
