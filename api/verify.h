/*
 * verify.h: the verify question from a credential file (PROTOCOL.md sections 12 and 13), as
 * `recnetctl credential verify --json` asks it and shows it, for the HTTP gateway's
 * POST /v1/verify.
 *
 * The local half: the credential envelope is decoded and its signature checked against the
 * issuer key it names, with no node involved; what it claims (spec, issuer key, issue date,
 * digest) becomes the `claim` map of the verify method, which the node answers (the key
 * registered and its provider active at the issue date, the spec valid then, not revoked, and
 * the recognition). The answer is shown as recnetctl --json shows it:
 * {"valid_and_recognised", "credential": {the local facts}, "node": {the node's answer}}.
 */
#ifndef RN_API_VERIFY_H
#define RN_API_VERIFY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "proto/credential.h"
#include "proto/error.h"
#include "proto/key.h"
#include "proto/mp.h"

typedef struct api_claim {
    const char *form; /* "recnet credential envelope v1" (static) */
    char spec[RN_ID_BYTES_MAX + 1];
    uint8_t issuer_key[PROTO_KEY_BYTES];
    uint64_t issued_at_ms;
    uint8_t digest[PROTO_DIGEST_BYTES];
    char grade[PROTO_CREDENTIAL_GRADE_BYTES_MAX + 1];
    bool sig_ok;       /* the signature verifies against issuer_key */
    char sig_note[96]; /* why not */
} api_claim;

/* Reads a credential envelope buf[0..len) into *cl and checks its signature (a bad signature is
 * a fact of the claim, sig_ok false, not an error). Returns 0, or proto_credential_decode's
 * error with *d naming the field. */
RN_MUST_USE int api_claim_of_envelope(api_claim *cl, const uint8_t *buf, size_t len, rn_diag *d);

/* Writes the claim map of the verify method: {spec, issuer_key, issued_at, credential}. */
void api_claim_put(mp_buf *b, const api_claim *cl);

/* The local facts as JSON ("form", "spec", "issued_at", "issuer_key", "credential", "grade"
 * when there is one, "signature_ok", "signature_note" when there is one). NULL when out of
 * memory. */
json_t *api_claim_json(const api_claim *cl);

/* The whole answer, from the verify method's result `node` (converted, the proof dropped):
 * {"valid_and_recognised", "credential", "node"}. NULL when out of memory. */
json_t *api_verify_json(const api_claim *cl, json_t *node);

#endif /* RN_API_VERIFY_H */
