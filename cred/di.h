/*
 * di.h: Data Integrity proofs (W3C VC Data Integrity 1.0) with Ed25519: the cryptosuites
 * eddsa-rdfc-2022 and eddsa-jcs-2022 (W3C VC Data Integrity EdDSA Cryptosuites v1.0), and the
 * legacy Ed25519Signature2020 that Open Badges 3.0 credentials of the 1.1 era carry.
 *
 * What is signed. Every suite signs 64 bytes, hash(proof configuration) || hash(document), each
 * SHA-256, with Ed25519:
 *
 *   suite                  proof                                   hashed form
 *   eddsa-rdfc-2022        type DataIntegrityProof, cryptosuite    canonical N-Quads (RDFC-1.0)
 *                          "eddsa-rdfc-2022"                       of the JSON-LD (cred/jsonld.h)
 *   Ed25519Signature2020   type Ed25519Signature2020               the same
 *   eddsa-2022 (legacy)    type DataIntegrityProof, cryptosuite    the same (the draft name of
 *                          "eddsa-2022"                            eddsa-rdfc-2022; OB 3.0 samples)
 *   eddsa-jcs-2022         type DataIntegrityProof, cryptosuite    JCS (RFC 8785, cred/jcs.h)
 *                          "eddsa-jcs-2022"                        of the JSON
 *
 * The document is the secured document without its "proof" member; the proof configuration is
 * the proof without "proofValue", with the document's "@context" (for the RDF suites always;
 * for eddsa-jcs-2022 when the proof carries none). A proof that carries its own "@context"
 * must name the document's first contexts in the same order, as the cryptosuites require.
 * proofValue is multibase base58btc ('z') of the 64-byte signature.
 *
 * The RDF suites read the document as JSON-LD with the contexts shipped in the program: a
 * document naming another context is refused (RN_ENOTFOUND, the reason names the context).
 *
 * Several proofs. "proof" may be one object or an array of them (a proof set). The document
 * verifies when one supported proof verifies: the proofs are tried in order, and the first that
 * verifies is the answer. When none does, the answer is about the first proof of a supported
 * suite that failed (or, when no proof is of a supported suite, about the first proof), so that
 * the reason names what went wrong with the proof that mattered. Proof chains (previousProof)
 * are not supported: such a proof fails with RN_EINVAL.
 *
 * Keys. The verifier does not resolve keys itself: the caller's resolve function maps the
 * proof's verificationMethod to an Ed25519 public key (did:key, did:web documents the operator
 * supplied, a provider's registered keys). It returns 0 and fills pk, or a negative RN_E code
 * (RN_ENOTFOUND for a method it does not know) which becomes the answer for that proof. It is
 * called at most once per proof, synchronously, before any hashing. Whether that key may speak
 * for the credential's issuer, whether the proofPurpose is the one wanted (assertionMethod for
 * credentials) and whether "created" is acceptable are the caller's decisions: the result names
 * all three.
 *
 * Threading: no global state; a call may run on any thread. The document is only read.
 */
#ifndef RN_CRED_DI_H
#define RN_CRED_DI_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cred/codec.h" /* multibase: cred_multibase_decode, cred_multibase_encode */
#include "proto/error.h"

typedef enum cred_di_suite {
    CRED_DI_SUITE_UNKNOWN = 0,   /* a proof type or cryptosuite not listed below */
    CRED_DI_EDDSA_RDFC_2022 = 1, /* DataIntegrityProof, cryptosuite eddsa-rdfc-2022 */
    CRED_DI_EDDSA_JCS_2022 = 2,  /* DataIntegrityProof, cryptosuite eddsa-jcs-2022 */
    CRED_DI_ED25519_2020 = 3,    /* Ed25519Signature2020 */
    CRED_DI_EDDSA_2022 = 4,      /* cryptosuite eddsa-2022: eddsa-rdfc-2022's name in the 2022-2023
                                    drafts, the same algorithm; verified, never signed */
} cred_di_suite;

/* Maps a verificationMethod (a DID URL, an HTTPS URL with a fragment) to an Ed25519 public
 * key. Returns 0, or a negative RN_E code that becomes the proof's answer. */
typedef int (*cred_di_resolve_fn)(void *ctx, const char *verification_method, uint8_t pk[32]);

#define CRED_DI_TEXT_CHARS 256u

/* The answer of cred_di_verify. Strings are copied from the proof (cut to fit, always
 * NUL-terminated), empty when the proof lacks the member. */
typedef struct cred_di_result {
    int code;             /* 0 when a proof verified, else the RN_E code returned */
    size_t proofs;        /* proofs in the document (0 when it has none) */
    size_t proof_index;   /* 0-based position of the proof the answer is about */
    cred_di_suite suite;  /* that proof's suite */
    char type[64];        /* its "type" */
    char cryptosuite[64]; /* its "cryptosuite" (empty for Ed25519Signature2020) */
    char verification_method[CRED_DI_TEXT_CHARS];
    char created[64];                /* as written, e.g. "2023-02-24T23:36:38Z" */
    char proof_purpose[64];          /* e.g. "assertionMethod" */
    char reason[CRED_DI_TEXT_CHARS]; /* why it failed, one sentence; "" when verified */
} cred_di_result;

/* Verifies the Data Integrity proof(s) of doc (see above). Returns 0 when a proof verifies;
 * otherwise the answer's code:
 *   RN_EMISSING    no "proof", or a proof without type, verificationMethod or proofValue
 *   RN_ETYPE       "proof" or a member of it of the wrong JSON type
 *   RN_EENUM       no proof of a supported suite (type/cryptosuite named in the reason)
 *   RN_EMALFORMED  proofValue not base58btc multibase of 64 bytes; the document or the proof
 *                  not valid JSON-LD
 *   RN_ENOTFOUND   a context that is not shipped (named in the reason), or the resolver's
 *   RN_EINCONSISTENT the proof's @context does not begin the document's
 *   RN_EINVAL      a JSON-LD feature outside cred/jsonld.h's set, or a proof chain
 *   RN_ESIG        the signature does not verify: the document or the proof was changed, or
 *                  the key is not the signer's
 *   RN_ETOOBIG     a bound of cred/jsonld.h or cred/rdfc.h passed
 *   RN_ENOMEM      out of memory
 *   any code the resolver returns.
 * out (required) is filled in every case. */
RN_MUST_USE int cred_di_verify(const json_t *doc, cred_di_resolve_fn resolve, void *ctx,
                               cred_di_result *out);

/* The 64 bytes a proof signs: SHA-256 of its proof configuration || SHA-256 of doc without its
 * proof, for the suite of `proof` (one proof object, with or without proofValue). Returns 0 or
 * a code as above; err (CRED_DI_TEXT_CHARS) receives the reason. Exposed for test vectors. */
RN_MUST_USE int cred_di_hash(const json_t *doc, const json_t *proof, uint8_t data[64], char *err,
                             size_t errlen);

/* Adds a proof of `suite` to a copy of doc (which must have no "proof") and returns it in *out
 * (a new reference): the proof has type, cryptosuite (not for Ed25519Signature2020), created,
 * verificationMethod, proofPurpose "assertionMethod" and the proofValue signed with sk (the
 * 64-byte libsodium secret key). created is an XML Schema dateTime, e.g. "2026-01-01T00:00:00Z".
 * Returns 0 or a code as for cred_di_hash. Used by recnet to sign what it publishes
 * (eddsa-jcs-2022) and by the tests. */
RN_MUST_USE int cred_di_sign(const json_t *doc, cred_di_suite suite, const uint8_t sk[64],
                             const char *verification_method, const char *created, json_t **out);

/* Signs the 64 bytes a proof signs with Ed25519 into sig, with a key the caller keeps (a node's
 * roster key never leaves its core). Returns 0 or a negative RN_E code. */
typedef int (*cred_di_sign_fn)(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64]);

/* As cred_di_sign, the signature made by `sign` (called once, synchronously). Returns 0, a code
 * as for cred_di_sign, or the code `sign` returns (then *out is NULL). */
RN_MUST_USE int cred_di_sign_with(const json_t *doc, cred_di_suite suite, cred_di_sign_fn sign,
                                  void *ctx, const char *verification_method, const char *created,
                                  json_t **out);

/* The name of a suite as proofs write it ("eddsa-rdfc-2022", "eddsa-jcs-2022",
 * "Ed25519Signature2020"), or "unknown". Static. */
const char *cred_di_suite_name(cred_di_suite suite);

/* Decodes an Ed25519 Multikey ("z6Mk...": multibase of the multicodec 0xed 0x01 and 32 bytes),
 * as did:key and publicKeyMultibase write it. Returns 0 or RN_EKEY. */
RN_MUST_USE int cred_multikey_ed25519(const char *text, uint8_t pk[32]);

#endif /* RN_CRED_DI_H */
