/*
 * verifier.h: one verifier of every credential form a verifier is shown (PROTOCOL.md sections 13
 * and 3.5), without I/O, for `recnetctl credential verify` and the gateway's POST /v1/verify.
 *
 * The forms: a recnet credential envelope (13.1); a VC-JWT signed with RS256, ES256 or EdDSA
 * (13.5); a JSON credential with embedded Data Integrity proofs (eddsa-rdfc-2022, eddsa-jcs-2022,
 * Ed25519Signature2020; 13.8); a sealed European Digital Credential (JAdES, 13.8). The local
 * checks are cred/cred.h's, the same as `credential check`; what only the registry knows (which
 * keys the spec's provider registered, which spec a badge is bound to, whether the key was the
 * provider's and the spec valid at the issue date, the revocations, the recognition) is asked of
 * the node through the control methods `record`, `search` and `verify`.
 *
 * Shaped like node/core.c: the verifier never touches a socket. Its driver (recnetctl's loop over
 * the control socket; the gateway's job on the node's queue; a unit test's scripted node) runs
 *
 *     api_verifier_start(v, file, len, &opts);
 *     while (api_verifier_next(v, &method, &params, &params_len) == API_VERIFIER_NEED)
 *         api_verifier_feed(v, response, response_len);   // the node's [1, msgid, error, result]
 *     api_verifier_outcome(v), api_verifier_answer(v) ...
 *
 * Every question is bounded: at most API_VERIFIER_CALLS_MAX calls per credential (two `record`
 * of the spec's provider, the spec, at most API_VERIFIER_SEARCH_PAGES_MAX search pages and their
 * specs, the verify), after which the verifier answers with an error.
 *
 * The answer is the JSON of `recnetctl credential verify --json`:
 *   {"valid_and_recognised", "node_asked", "reason" (when the node was not asked, or a local
 *    check or the binding refused the credential), "credential": {"form", "spec", "issued_at",
 *    "issuer_key", "credential" (the digest a revocation names), "grade", "signature_ok",
 *    "signature_note", "sealed_by", "checks": [{"name", "result", "reason"}]}, "node": {the
 *    verify method's answer, its proof bundle replaced by "proof_bytes"}}.
 *
 * Threading: one verifier is used by one thread at a time; distinct verifiers share nothing.
 */
#ifndef RN_API_VERIFIER_H
#define RN_API_VERIFIER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cred/cred.h"
#include "proto/ctl.h"
#include "proto/error.h"
#include "proto/key.h"
#include "proto/limits.h"

/* Pages of a provider's specs searched for another spec bound to the same achievement. */
#define API_VERIFIER_SEARCH_PAGES_MAX 64u
/* Node calls for one credential: 3 records, the pages and each page's specs, verify. */
#define API_VERIFIER_CALLS_MAX (8u + API_VERIFIER_SEARCH_PAGES_MAX * (1u + RN_SEARCH_RESULTS_MAX))

typedef enum api_verifier_step {
    API_VERIFIER_NEED = 1, /* a control call is to be made and its response fed */
    API_VERIFIER_DONE = 2, /* the answer is ready */
} api_verifier_step;

/* How a verification ended. */
typedef enum api_verify_outcome {
    API_VERIFY_VALID = 0,    /* valid, and recognised in the country for the purpose */
    API_VERIFY_NEGATIVE = 1, /* answered: not valid, or not recognised (the answer says which) */
    API_VERIFY_REFUSED = 2,  /* a file that is no credential read here, a wrong option, or a
                                credential the node cannot be asked about (the reason says why) */
    API_VERIFY_ERROR = 3,    /* the node failed (its error), or out of memory */
} api_verify_outcome;

/* What the caller supplies. Strings are copied by api_verifier_start; docs, trust and
 * status_list are borrowed and must stay valid until api_verifier_free. */
typedef struct api_verifier_opts {
    const char *country; /* required: one of the 30, as the node takes it */
    const char *purpose; /* required: further_study, employment or both */
    bool at_set;         /* the registry as of at_ms, else now */
    uint64_t at_ms;
    const char *spec;    /* the spec the credential was issued under, or NULL: derived */
    bool issuer_key_set; /* an Ed25519 issuer key instead of the provider's keys */
    uint8_t issuer_key[PROTO_KEY_BYTES];
    const cred_docs *docs;     /* issuers' DID documents and profiles, or NULL */
    const cred_trust *trust;   /* trust anchors of sealed credentials, or NULL */
    const json_t *status_list; /* a BitstringStatusListCredential, or NULL: "not checked" */
    uint64_t now_ms;           /* the time dates are checked against */
} api_verifier_opts;

typedef struct api_verifier api_verifier;

/* A new verifier, or NULL when out of memory. Free it with api_verifier_free. */
api_verifier *api_verifier_new(void);
void api_verifier_free(api_verifier *v);

/*
 * Starts verifying the file buf[0..len) (copied). Every problem of the file or the options is
 * the answer's, not an error here: the verifier is then DONE with API_VERIFY_REFUSED. Returns 0,
 * or RN_ENOMEM. Call once per verifier.
 */
RN_MUST_USE int api_verifier_start(api_verifier *v, const uint8_t *buf, size_t len,
                                   const api_verifier_opts *o);

/*
 * What the verifier wants: API_VERIFIER_NEED with *method (a row of proto/ctl.h: record, search
 * or verify) and *params[0..*params_len) (the encoded params array, borrowed until the next
 * call on v), or API_VERIFIER_DONE. Calling it again before api_verifier_feed returns the same
 * question.
 */
api_verifier_step api_verifier_next(api_verifier *v, ctl_method_id *method, const uint8_t **params,
                                    size_t *params_len);

/*
 * The node's response to the last question: the complete response buf[0..len) ([1, msgid,
 * error, result], ctl_response_decode), borrowed for the call. A response that does not decode,
 * or NULL, ends the verification with API_VERIFY_ERROR. Ignored when no question is pending.
 */
void api_verifier_feed(api_verifier *v, const uint8_t *buf, size_t len);

/* Once DONE: the outcome. */
api_verify_outcome api_verifier_outcome(const api_verifier *v);

/* Once DONE: the answer (borrowed from v), or NULL when there is none: a file that is no
 * credential read here or a wrong option (REFUSED), an error answer of the node (its code decides
 * the outcome: not found NEGATIVE, the node's own failures ERROR, the rest REFUSED), out of
 * memory (ERROR); api_verifier_error then says why. A REFUSED outcome with an answer is a
 * credential the node could not be asked about, the answer's "reason" saying why. */
json_t *api_verifier_answer(const api_verifier *v);

/* Once DONE without an answer: the error's code (RN_E...), the field at fault ("body", "spec",
 * "issuer_key", or the node's; "" when none) and the message. Pointers borrowed from v. */
int api_verifier_error(const api_verifier *v, const char **field, const char **message);

/* The verify answer's proof bundle (borrowed from v), or NULL when the node was not asked. */
const uint8_t *api_verifier_proof(const api_verifier *v, size_t *len);

/* The node calls made so far. */
uint32_t api_verifier_calls(const api_verifier *v);

/*
 * The digest a revocation names for a JSON credential (PROTOCOL.md 13.8): BLAKE2b-256 of the
 * RFC 8785 (JCS) form of the credential object without its "proof" member. Returns 0, or the
 * errors of cred_jcs_write (RN_EINVAL, RN_ETOOBIG, RN_ENOMEM).
 */
RN_MUST_USE int api_json_credential_digest(const json_t *vc, uint8_t out[PROTO_DIGEST_BYTES]);

#endif /* RN_API_VERIFIER_H */
