/*
 * did.h: from a verification method or a "kid" to a public key and the party that controls it,
 * without the network.
 *
 * Resolved locally, from the identifier alone:
 *   did:key:z...         the multibase multikey (Ed25519 z6Mk..., P-256 zDn..., RSA z4MX...);
 *                        its controller is the did:key itself;
 *   did:jwk:BASE64URL    the JWK (did:jwk spec); its controller is the did:jwk itself.
 * Resolved from documents the operator supplies (cred_docs), never fetched:
 *   did:web:..., https://..., any other DID or URL: the document whose "id" is the identifier
 *   without its fragment (a DID document, or an issuer Profile), and in it the verification
 *   method whose "id" is the identifier (absolute, or "#fragment" relative to the document), its
 *   key from "publicKeyMultibase" or "publicKeyJwk"; the controller is the document's id (or the
 *   method's "controller").
 * The form the public Open Badges conformance samples use, "[controller]#[publicKeyMultibase]"
 * (https://example.com/issuers/876543#z6Mk...), when no document is supplied for the
 * controller: the fragment is the key and the part before it the controller.
 *
 * A key is the issuer's (cred_binding) when its controller is the issuer's id, or when the
 * issuer's own document (supplied) lists the method in "verificationMethod", "assertionMethod"
 * or, for a Profile, "publicKey"/"verificationMethod". A key whose controller cannot be told
 * apart from the issuer (an issuer named by a urn:uuid, a key carried in the token) is "not
 * checked", never "the issuer's".
 *
 * The documents: cred_docs_add takes a JSON document with an "id", cred_docs_load_dir every
 * *.json file of a directory (non-recursive; a file may hold one document or a list of them).
 * A did:web DID's document is found by its DID (did:web:example.com:issuer), so the operator
 * saves https://example.com/issuer/did.json under any file name in the directory.
 */
#ifndef RN_CRED_DID_H
#define RN_CRED_DID_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cred/key.h"
#include "proto/error.h"

#define CRED_ID_BYTES_MAX   2048u      /* a DID URL or URL; did:jwk of an RSA key is ~600 */
#define CRED_DOCS_MAX       1024u      /* documents in one set */
#define CRED_DOC_BYTES_MAX  (1u << 20) /* one document file */
#define CRED_VM_PER_DOC_MAX 64u        /* verification methods looked at per document */

/* The documents the operator supplies, by id. */
typedef struct cred_docs {
    json_t *by_id; /* owned: object id -> document */
} cred_docs;

void cred_docs_init(cred_docs *d);
void cred_docs_free(cred_docs *d);

/*
 * Adds `doc` (a JSON object with a string "id"); a reference is taken. Returns 0, RN_ETYPE (not
 * an object, or no string id), RN_EDUPLICATE (another document has that id), RN_ECOUNT (already
 * CRED_DOCS_MAX), RN_ENOMEM.
 */
RN_MUST_USE int cred_docs_add(cred_docs *d, json_t *doc, char *why, size_t why_len);

/* Loads every *.json file of `dir` (see above). Returns 0, RN_EIO (a file or the directory
 * cannot be read), RN_EMALFORMED (not JSON: the file and line named), RN_ETOOBIG, or an error of
 * cred_docs_add; `why` names the file. */
RN_MUST_USE int cred_docs_load_dir(cred_docs *d, const char *dir, char *why, size_t why_len);

/* The document with this id, borrowed from d, or NULL. d may be NULL. */
const json_t *cred_docs_get(const cred_docs *d, const char *id);

/* A resolved verification method. */
typedef struct cred_resolved {
    cred_key key;                           /* owned: cred_resolved_free */
    char controller[CRED_ID_BYTES_MAX + 1]; /* who controls the key */
    const char *how; /* "did:key", "did:jwk", "document", "controller#multibase" (static) */
} cred_resolved;

/*
 * Resolves the verification method or kid `vm` (see above). `docs` may be NULL. Returns 0,
 * RN_EINVAL (not a URI: no scheme; a scheme or DID method that cannot be resolved without the
 * network and no document supplied), RN_ENOTFOUND (no document, or no such method in it),
 * RN_EKEY (the key there is malformed or of an unaccepted type), RN_ELEN (too long), RN_ENOMEM;
 * `why` says which. *out is set only on success.
 */
RN_MUST_USE int cred_resolve(const cred_docs *docs, const char *vm, cred_resolved *out, char *why,
                             size_t why_len);

void cred_resolved_free(cred_resolved *r);

/* Whether a key belongs to the credential's issuer. */
typedef enum cred_bind {
    CRED_BIND_YES,     /* the controller is the issuer, or the issuer's document lists it */
    CRED_BIND_NO,      /* the key is someone else's */
    CRED_BIND_UNKNOWN, /* nothing ties the key to the issuer, nor to anyone else */
} cred_bind;

/*
 * Is the key `k` (resolved from `vm`, whose controller is `controller`; both may be NULL for a
 * key carried in a token's "jwk") the issuer's? Rules above. `reason` says why, for the report.
 */
cred_bind cred_binding(const cred_docs *docs, const char *issuer, const char *vm,
                       const char *controller, const cred_key *k, char *reason, size_t reason_len);

/*
 * The resolver the Data Integrity suites call (cred/di.c): the Ed25519 key of the verification
 * method `vm`, refused when it belongs to someone other than `issuer` (cred_binding says no).
 * A key that nothing ties to the issuer either way is returned: the report's own "issuer key"
 * check says so, as "not checked". Returns 0, an error of cred_resolve, RN_EKEY (not an Ed25519
 * key) or RN_EAUTHOR (another party's key); `why` says which.
 */
RN_MUST_USE int cred_resolve_ed25519(const cred_docs *docs, const char *vm, const char *issuer,
                                     uint8_t out[CRED_ED25519_BYTES], char *why, size_t why_len);

#endif /* RN_CRED_DID_H */
