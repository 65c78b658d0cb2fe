/*
 * cred.h: verification of the credentials learners hold, as their standards define them: one
 * pipeline (format, structure, proof or seal, key resolution, dates, status) for `recnetctl
 * credential check`, `credential verify` and the HTTP gateway.
 *
 * The answer is data, never printed: a list of checks, each with a name ("signature", "exp",
 * "issuer.type"), a result (pass, fail, not checked) and a reason in one sentence. "Not checked"
 * is an answer too: a status that no supplied list covers is "not checked", never "not
 * revoked"; a proof suite this build does not verify says which suite. A credential is
 * acceptable when no check failed; the caller decides what "not checked" means for it.
 *
 * This module does no I/O on the network and prints nothing. Keys and documents come from the
 * caller: the operator's documents (did.h), keys registered for the issuer (cred_opts.keys), a
 * status list credential, the time. The forms read:
 *   - a VC-JWT (compact JWS): Open Badges 3.0 section 8, VC-JOSE-COSE (vcjwt.h);
 *   - a JSON credential with an embedded proof (Data Integrity): structure, dates, key
 *     resolution here; the proof itself by the Data Integrity suites of cred/di.h
 *     (eddsa-rdfc-2022, eddsa-jcs-2022, Ed25519Signature2020), each key resolved with
 *     cred_resolve_ed25519 and refused when it is not the issuer's; a proof of another suite is
 *     "not checked (suite ...)";
 *   - a Europass European Digital Credential, sealed (JAdES: the JWS JSON serialization with the
 *     sealer's certificate in x5c, seal.c) or unsealed (reported as such).
 *
 * Workload: one credential per call, a few KiB to 1 MiB; a verification costs one signature
 * verification plus JSON walking (see tests/bench/cred_bench.c).
 */
#ifndef RN_CRED_CRED_H
#define RN_CRED_CRED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "cred/did.h"
#include "cred/key.h"
#include "proto/error.h"

#define CRED_CHECKS_MAX     96u  /* checks in one report; more are counted in `dropped` */
#define CRED_NAME_BYTES     48u  /* a check's name, NUL included */
#define CRED_REASON_BYTES   320u /* a check's reason, NUL included */
#define CRED_FORM_BYTES     96u
#define CRED_KEYS_MAX       16u /* caller-supplied keys tried for one credential */
#define CRED_FILE_BYTES_MAX (1u << 20)

typedef enum cred_result {
    CRED_PASS = 0,
    CRED_FAIL,
    CRED_NOT_CHECKED,
} cred_result;

/* "pass", "fail", "not checked". */
const char *cred_result_name(cred_result r);

typedef struct cred_check {
    char name[CRED_NAME_BYTES];
    cred_result result;
    char reason[CRED_REASON_BYTES];
} cred_check;

/* What was read, and every check made. cred_report_free releases it. */
typedef struct cred_report {
    char form[CRED_FORM_BYTES]; /* "Open Badges 3.0 VC-JWT (RS256)", ... */
    /* owned: the credential object (a VC-JWT's vc), or NULL. A VC-JWT's is read into `arena`:
     * read it, do not modify it, and keep no reference past cred_report_free (json.h). */
    json_t *credential;
    json_t *jws_header; /* owned: a VC-JWT's protected header (in `arena` too), or NULL */
    struct cred_json_arena *arena; /* private: where a VC-JWT's JSON was read (json.h), or NULL */
    char *signing_input;           /* owned: a VC-JWT's header.payload, or NULL */
    size_t signing_len;
    cred_key key;     /* the key whose signature verified (kty NONE when none did) */
    size_t key_index; /* which of cred_opts.keys verified, or SIZE_MAX */
    char sealer[CRED_REASON_BYTES / 2]; /* a sealed credential's certificate subject, or "" */
    size_t n;                           /* checks[0..n) */
    size_t failed;                      /* how many of them failed */
    size_t not_checked;                 /* how many could not be made */
    size_t dropped; /* checks beyond CRED_CHECKS_MAX, not recorded (a failure is counted) */
    cred_check checks[CRED_CHECKS_MAX];
} cred_report;

/* Trust anchors for sealed credentials: X.509 certificates (an X509_STORE of libcrypto), and
 * the services of eIDAS trusted lists (tl.h). */
typedef struct cred_trust {
    void *store; /* X509_STORE *, owned */
    size_t n;    /* certificates added */
    void *tl;    /* cred_tl *, owned: trusted-list services (tl.h), or NULL */
    size_t tl_n; /* services with certificates read from trusted lists */
    /* Set with tl by cred_trust_load_tl: a chain's check against the lists (cred_tl_chain) and
     * their release. Reached through these, the lists' code and its XML libraries (library
     * cred_tl) are linked only into programs that read lists, never into recnetd. */
    cred_result (*tl_chain)(const void *tl, void *leaf, void *untrusted, uint64_t at_ms,
                            char *reason, size_t reason_len);
    void (*tl_free)(void *tl);
} cred_trust;

void cred_trust_init(cred_trust *t);
void cred_trust_free(cred_trust *t);

/* Adds every certificate of a PEM file. Returns 0, RN_EIO (unreadable), RN_EMALFORMED (no
 * certificate in it) or RN_ENOMEM; `why` names the file. */
RN_MUST_USE int cred_trust_load_pem(cred_trust *t, const char *path, char *why, size_t why_len);

/* In the library cred_tl (tl.c), with libxml2 and xmlsec1: adds the services of the eIDAS
 * trusted list at `path` (ETSI TS 119 612, tl.h), its signature
 * verified with a certificate of the PEM file `signer_pem` (the one the List of Trusted Lists
 * publishes for that list's scheme operator), its NextUpdate after now_ms. A seal's chain then
 * passes when it ends at a CA/QC service granted at the time checked (tl.c). Returns 0, RN_EIO
 * (a file unreadable), RN_EMALFORMED (no certificate in signer_pem), the errors of cred_tl_read,
 * or RN_ENOMEM; `why` names the file and the reason. */
RN_MUST_USE int cred_trust_load_tl(cred_trust *t, const char *path, const char *signer_pem,
                                   uint64_t now_ms, char *why, size_t why_len);

/* What the caller supplies. Everything is borrowed for the call; any pointer may be NULL. */
typedef struct cred_opts {
    const cred_docs *docs;     /* the operator's documents: did:web, issuer profiles */
    const cred_key *keys;      /* keys registered for the issuer (a provider's), tried in order */
    size_t keys_n;             /* at most CRED_KEYS_MAX */
    const json_t *status_list; /* a BitstringStatusListCredential the verifier supplies */
    const cred_trust *trust;   /* trust anchors for sealed credentials */
    uint64_t now_ms;           /* the time the dates are checked against */
} cred_opts;

void cred_report_init(cred_report *r);
void cred_report_free(cred_report *r);

/* Appends a check (its reason formatted); counts failures. Never fails: a check past
 * CRED_CHECKS_MAX is counted in `dropped` (and `failed` when it failed). */
__attribute__((format(printf, 4, 5))) void cred_report_add(cred_report *r, const char *name,
                                                           cred_result res, const char *fmt, ...);

/* The first check named `name`, or NULL. */
const cred_check *cred_report_find(const cred_report *r, const char *name);

/*
 * Checks the credential buf[0..len) (a file's bytes) into *r (initialised here; free it with
 * cred_report_free in every case). Returns 0 when the bytes are a credential this module reads
 * (the report then says whether it is acceptable: r->failed == 0), or, when they are not, with a
 * reason in `why`: RN_ETOOBIG (over CRED_FILE_BYTES_MAX), RN_EMALFORMED (neither a JWS nor JSON;
 * a JWS whose parts do not decode), RN_EINVAL (a JWS alg refused: none, HMAC, unknown),
 * RN_EKIND (JSON, but not a credential of a supported kind), RN_ENOMEM.
 */
RN_MUST_USE int cred_check_buf(const uint8_t *buf, size_t len, const cred_opts *o, cred_report *r,
                               char *why, size_t why_len);

/* ---- the parts, for the pipeline and its tests ---- */

/* Open Badges 3.0 structure: the classes and their required properties (ob3.c). Adds a check
 * per class it looks at ("context", "type", "issuer", "credentialSubject", "achievement",
 * "evidence", ...), named for the property at fault when it fails. */
void cred_ob3_structure(const json_t *vc, cred_report *r);

/* True when `vc` is typed an Open Badges 3.0 credential (OpenBadgeCredential or
 * AchievementCredential among its types). */
bool cred_ob3_is(const json_t *vc);

/* True when `vc` names an Open Badges 3.0 context (it claims to be one, whatever its type). */
bool cred_ob3_context(const json_t *vc);

/* The credential's issuer id (issuer as a string, or issuer.id), borrowed, or NULL. */
const char *cred_issuer_id(const json_t *vc);

/* validFrom/issuanceDate and validUntil/expirationDate against now: checks "validFrom" and
 * "validUntil" (ob3.c). */
void cred_dates(const json_t *vc, uint64_t now_ms, cred_report *r);

/* True when `doc` has the shape of a sealed credential: a JWS in the JSON serialization
 * ("payload" with "signatures", or the flattened "signature"). cred_seal_check says whether it
 * is one. */
bool cred_seal_is(const json_t *doc);

/*
 * A sealed credential (JAdES in the JWS JSON serialization, seal.c): the checks "format",
 * "certificate" (the leaf's subject, and its validity at now), "x5t#S256" when present, "seal"
 * (the signature with the leaf's key), "chain" (to o->trust, or not checked), "issuer key" (not
 * checked: the certificate names the sealer). *payload is the sealed credential (new reference)
 * when 0 is returned. Returns 0, or the errors of cred_jws_parse_json, RN_EKIND (no x5c) or
 * RN_EMALFORMED (a payload that is not a JSON object).
 */
RN_MUST_USE int cred_seal_check(const json_t *doc, const cred_opts *o, cred_report *r,
                                json_t **payload, char *why, size_t why_len);

/* credentialStatus against a supplied BitstringStatusListCredential: check "status" (status.c). */
void cred_status(const json_t *vc, const json_t *status_list, cred_report *r);

#endif /* RN_CRED_CRED_H */
