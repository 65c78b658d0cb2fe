/*
 * credential.h: the issued-credential envelope (DESIGN.md section 4, PROTOCOL.md section 13): what
 * an awarding body hands a learner, in a form recnet can check against its registry.
 *
 * An envelope is the canonical MessagePack array
 *
 *     [version, spec, holder, issued_at, grade, issuer_key, signature]
 *
 * version 1; spec the id of the spec it was issued under ("IE:uniz/mc-c012"); holder a 32-byte
 * salted digest of the holder's identifier, never a name (proto_credential_holder: the salt stays
 * with the holder, who reveals it only to a verifier it chooses); issued_at in ms; grade a short
 * string or nil; issuer_key the awarding body's Ed25519 key, one of the issuer keys its provider
 * record lists; signature Ed25519 over PROTO_CREDENTIAL_SIG_TAG || H(the same array without its
 * last element, a 6-element array).
 *
 * The credential's digest, which a revocation names and the `verify` query takes, is that same
 * H(6-element array): the digest of everything but the signature. So it is fixed before the
 * envelope is signed (the issuer can note it in its own books for a later revocation), and no
 * change to the signature bytes, by a lax verifier's library accepting a malleated signature or
 * by anyone, yields a credential that a revocation no longer names. The issuer key is inside the
 * digest: the same content signed by another key is another credential.
 *
 * Like entries and records, an envelope has exactly one encoding: the decoder refuses every other
 * spelling (mp.h) and anything after the array. Decoding is zero-copy: a proto_credential borrows
 * the buffer it was decoded from. Nothing here allocates except proto_credential_sign's mp_buf.
 */
#ifndef RN_CREDENTIAL_H
#define RN_CREDENTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "entry.h"
#include "error.h"
#include "limits.h"
#include "mp.h"
#include "record.h"

#define PROTO_CREDENTIAL_VERSION 1u

/* Domain separation for credential signatures: 20 ASCII bytes, no terminator. */
#define PROTO_CREDENTIAL_SIG_TAG     "recnet/credential/v1"
#define PROTO_CREDENTIAL_SIG_TAG_LEN 20u

/* The holder reference: BLAKE2b-256 keyed with the salt. */
#define PROTO_HOLDER_BYTES 32u
/* A salt is 16 to 64 bytes (BLAKE2b's key length bounds; 16 random bytes already make the
 * digest of a guessable identifier unguessable). 32 is what recnetctl draws. */
#define PROTO_HOLDER_SALT_BYTES_MIN 16u
#define PROTO_HOLDER_SALT_BYTES_MAX 64u
/* A holder identifier (an e-mail address, a student number, a DID) as given. */
#define PROTO_HOLDER_ID_BYTES_MAX 1024u

/* A grade is a short text ("8.5", "Pass", "B+"): 1 .. 128 bytes of UTF-8. */
#define PROTO_CREDENTIAL_GRADE_BYTES_MAX 128u

/* The largest envelope: array header, version, spec (str8 header + id), holder (bin8 header +
 * 32), issued_at (uint64), grade (str8 header + text), issuer key (bin8 + 32), signature
 * (bin8 + 64). */
#define PROTO_CREDENTIAL_BYTES_MAX                                                                 \
    (1u + 1u + (2u + RN_ID_BYTES_MAX) + (2u + PROTO_HOLDER_BYTES) + 9u +                           \
     (2u + PROTO_CREDENTIAL_GRADE_BYTES_MAX) + (2u + PROTO_KEY_BYTES) + (2u + PROTO_SIG_BYTES))

/* An issued credential. In a decoded one every pointer borrows the decoded buffer. */
typedef struct proto_credential {
    proto_str spec;            /* required; an id "CC:ref" (proto_id_check) */
    const uint8_t *holder;     /* required; PROTO_HOLDER_BYTES */
    uint64_t issued_at_ms;     /* required; 0 .. RN_TIME_MS_MAX */
    proto_str grade;           /* optional (len 0: nil on the wire); 1 .. GRADE_BYTES_MAX UTF-8 */
    const uint8_t *issuer_key; /* required; PROTO_KEY_BYTES, Ed25519 */
    const uint8_t *sig;        /* PROTO_SIG_BYTES; set by decode and by sign */
    uint8_t digest[PROTO_DIGEST_BYTES]; /* H(the unsigned array); set by decode and by sign */
} proto_credential;

/*
 * The holder reference of identifier id[0..id_len) with salt salt[0..salt_len):
 * BLAKE2b-256 keyed with the salt (libsodium's crypto_generichash(out, 32, id, id_len, salt,
 * salt_len)). Keying, rather than hashing salt || id, keeps the two apart without a separator.
 * Returns 0, or RN_EINVAL (salt length outside 16 .. 64, id empty or longer than
 * PROTO_HOLDER_ID_BYTES_MAX).
 */
RN_MUST_USE int proto_credential_holder(const uint8_t *salt, size_t salt_len, const uint8_t *id,
                                        size_t id_len, uint8_t out[PROTO_HOLDER_BYTES]);

/*
 * Signs the credential `c` (every field but sig and digest set by the caller) with the secret
 * key `sk` (libsodium layout; c->issuer_key must be its public half, the last 32 bytes) and
 * appends the envelope to `out`. Sets c->digest; c->sig is left NULL, since the signature lives
 * only in `out` (decode `out` to point at it). Before returning, decodes and verifies what it
 * wrote (pair assertions).
 *
 * Returns 0, or RN_EINVAL (issuer_key NULL or not sk's public key, holder NULL), the field errors
 * of proto_credential_decode for a field out of its bounds (RN_EID, RN_ELEN, RN_ETIME, RN_EUTF8),
 * RN_ETOOBIG or RN_ENOMEM from `out`. On failure out->len is as it was.
 */
RN_MUST_USE int proto_credential_sign(proto_credential *c, const uint8_t sk[PROTO_SK_BYTES],
                                      mp_buf *out);

/*
 * Decodes the envelope buf[0..len) strictly: at most PROTO_CREDENTIAL_BYTES_MAX bytes, one
 * canonical 7-element array and nothing after it, version PROTO_CREDENTIAL_VERSION, a well-formed
 * spec id, a 32-byte holder, a time within RN_TIME_MS_MAX, a grade that is nil or 1 ..
 * PROTO_CREDENTIAL_GRADE_BYTES_MAX bytes of UTF-8, a 32-byte issuer key, a 64-byte signature.
 * Computes c->digest. Does not verify the signature (proto_credential_verify).
 *
 * Returns 0, or RN_ETOOBIG, RN_ETRUNCATED, RN_ETRAILING, RN_EMALFORMED, RN_ENONCANON, RN_ETYPE,
 * RN_ECOUNT (not 7 elements), RN_EVERSION, RN_EID or RN_ELEN (spec), RN_ELEN (a byte string of
 * the wrong length, an empty or too long grade), RN_EUTF8, RN_ETIME, RN_EKEY (an issuer key that is
 * not a valid Ed25519 public key, PROTOCOL.md 4.1); `d` (may be NULL) names the
 * field ("credential.spec"). On failure *c is unspecified.
 */
RN_MUST_USE int proto_credential_decode(proto_credential *c, const uint8_t *buf, size_t len,
                                        rn_diag *d);

/* Verifies the signature of a decoded credential against its own issuer key. Whether that key
 * belonged to the spec's provider at the issue date is the registry's question (query_verify).
 * Returns 0 or RN_ESIG. */
RN_MUST_USE int proto_credential_verify(const proto_credential *c);

#endif /* RN_CREDENTIAL_H */
