/*
 * status.h: W3C Bitstring Status List v1.0, the encoding and the list credential (status.c):
 * what a node publishes as its provider's revocation list (PROTOCOL.md 13.7), and what a
 * verifier reads back (cred_status in cred.h checks an entry against it).
 *
 * The encodedList is "u" (multibase base64url, no padding) followed by the GZIP (RFC 1952, zlib's
 * gzip wrapper) of the bitstring, index 0 being the most significant bit of the first byte. A
 * list credential is signed with Data Integrity eddsa-jcs-2022 by an Ed25519 key named as its
 * did:key, so that a verifier needs nothing but the document to check who signed it.
 *
 * No global state; any thread. The strings returned are malloc'd: the caller frees them.
 */
#ifndef RN_CRED_STATUS_H
#define RN_CRED_STATUS_H

#include <stddef.h>
#include <stdint.h>

#include "cred/di.h"
#include "proto/error.h"

/* The specification's minimum length of a list, for herd privacy (section 6.1). */
#define CRED_STATUS_BITS_MIN 131072u
/* The largest bitstring inflated when reading a list: 16 MiB, 134 million entries. */
#define CRED_STATUS_BYTES_MAX (16u << 20)
/* The room a did:key of an Ed25519 key takes, "did:key:z6Mk..." and a NUL. */
#define CRED_DID_KEY_CHARS 64u

/* Encodes bits[0..len) as an encodedList ("u" + base64url of its GZIP) into *out (malloc'd).
 * Returns 0, RN_EINVAL (len 0, or above CRED_STATUS_BYTES_MAX), RN_ENOMEM. */
RN_MUST_USE int cred_status_list_encode(const uint8_t *bits, size_t len, char **out);

/*
 * Decodes an encodedList s[0..n): "u" + base64url of a GZIP stream (the older StatusList2021
 * form, base64url without the "u", is read too) into *bits (malloc'd) and *len. Returns 0, or
 * RN_EMALFORMED (not base64url, not one complete GZIP stream, or bytes after it), RN_ETOOBIG (it
 * inflates past CRED_STATUS_BYTES_MAX), RN_ENOMEM.
 */
RN_MUST_USE int cred_status_list_decode(const char *s, size_t n, uint8_t **bits, size_t *len);

/* Writes the did:key of Ed25519 key pk ("did:key:z6Mk...") into out. */
void cred_did_key_ed25519(const uint8_t pk[32], char out[CRED_DID_KEY_CHARS]);

/* What a list credential says. Every pointer is borrowed for the call. */
typedef struct cred_status_list_doc {
    const char *id;         /* the list's URL (what credentials' statusListCredential name): an
                               http(s) URL, or a urn: when the list has no address */
    const uint8_t *pk;      /* 32 bytes: the signer's Ed25519 key; issuer = its did:key */
    uint64_t valid_from_ms; /* validFrom, and the proof's created */
    const char *purpose;    /* "revocation" */
    const uint8_t *bits;    /* the bitstring, len bytes, at least CRED_STATUS_BITS_MIN bits */
    size_t len;
    const char *encoded; /* NULL, or the bitstring already encoded (cred_status_list_encode
                            of bits): then bits and len are not read */
} cred_status_list_doc;

/*
 * Builds the BitstringStatusListCredential of `d` (VC Data Model 2.0: @context credentials/v2,
 * type [VerifiableCredential, BitstringStatusListCredential], issuer the did:key of d->pk,
 * validFrom, credentialSubject {id: id "#list", type BitstringStatusList, statusPurpose,
 * encodedList}) and signs it with an eddsa-jcs-2022 proof made by `sign` (the key of d->pk,
 * verificationMethod "did:key:z...#z..."), into *json: its compact JSON text with members in
 * JCS order, NUL-terminated, malloc'd. The same inputs give the same bytes (Ed25519 signatures
 * are deterministic). Returns 0, RN_EINVAL (a NULL or empty member, fewer bits than
 * CRED_STATUS_BITS_MIN, an id that is not an http(s) URL or a URN, or that holds a space, a
 * control character, a quote or a backslash), RN_ENOMEM, or the signer's code.
 */
RN_MUST_USE int cred_status_list_credential(const cred_status_list_doc *d, cred_di_sign_fn sign,
                                            void *ctx, char **json);

/*
 * The provider whose recnet list `url` names (PROTOCOL.md 13.7): "urn:recnet:status:PROVIDER",
 * or an http(s) URL whose path (before any '?' or '#') ends in "/v1/status/PROVIDER", the last
 * segment percent-decoded. Writes PROVIDER (NUL-terminated) into out[0..cap). Returns 0, or
 * RN_ENOTFOUND (not a recnet list's URL: an empty provider, a bad or NUL percent escape, or one
 * longer than cap - 1 bytes included). The provider id itself is not checked here.
 */
RN_MUST_USE int cred_status_list_provider(const char *url, char *out, size_t cap);

#endif /* RN_CRED_STATUS_H */
