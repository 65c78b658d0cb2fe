/*
 * tl.h: eIDAS trusted lists (ETSI TS 119 612 v2.x) as a source of trust anchors for sealed
 * credentials (issue 13). A Member State's trusted list is an XML document its scheme operator
 * signs (an enveloped XML signature, XAdES-BES); the operator of a verifier downloads it, and
 * pins the certificate that signs it (the EU's List of Trusted Lists publishes those).
 *
 * Reading a list (cred_tl_read):
 *   1. the XML is parsed with libxml2, no network, no DTD (a document with a DOCTYPE is refused
 *      before any entity is declared: no entity expansion, no external subset), under size and
 *      depth bounds;
 *   2. its signature is verified with xmlsec1 (OpenSSL) with the pinned signer's key: exactly
 *      one ds:Signature, a child of the root; one Reference covering the whole list (URI "" or
 *      "#" the root's Id, with the enveloped-signature transform), only canonicalization,
 *      enveloped and SHA-2 transforms, same-document URIs only, no Id given twice. An unsigned
 *      list, a tampered one (a reference's digest differs) and one signed with another key are
 *      each refused with their own reason;
 *   3. NextUpdate must be after the time given (an expired or closed list is refused), the type
 *      a national list (a List of the Lists is refused: its pointers are not followed);
 *   4. every service with an X.509 certificate (ServiceDigitalIdentity/DigitalId/X509Certificate)
 *      is kept, with its TSP's name, its list's country (SchemeTerritory) and its timeline: the
 *      current ServiceInformation and each ServiceHistoryInstance, each a (type, status, from)
 *      in effect from its StatusStartingTime until the next one.
 *
 * A seal's chain (cred_tl_chain) is built with libcrypto to any kept certificate (a partial
 * chain: a TL names issuing CAs, not only roots). It passes when the anchor is the certificate of
 * a service that, at the time checked, was of type CA/QC (a CA issuing qualified certificates)
 * with status granted. The time checked is the caller's (cred_opts.now_ms: now, or the time the
 * operator gives with --at): a service withdrawn now but granted at that time counts for a seal
 * checked at that time. The seal's own sigT is not used to move that time: without a timestamp
 * token it is the sealer's claim, not a proof of existence (ETSI EN 319 102-1 takes the
 * validation time then). Statuses before eIDAS (undersupervision, accredited, ...) are named,
 * never taken as granted.
 *
 * Workload: a national list is 100 KiB to a few MiB, read once when the program starts; a
 * chain check is one X509_verify_cert and a scan of the services holding the anchor.
 */
#ifndef RN_CRED_TL_H
#define RN_CRED_TL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cred/cred.h"
#include "proto/error.h"

#define CRED_TL_BYTES_MAX    (16u << 20) /* one list's file: the largest national lists are ~5 MiB */
#define CRED_TL_SERVICES_MAX 8192u       /* services kept, over every list read */
#define CRED_TL_PERIODS_MAX  64u  /* one service's current information and history instances */
#define CRED_TL_CERTS_MAX    8u   /* certificates in one ServiceDigitalIdentity */
#define CRED_TL_NAME_BYTES   128u /* a TSP's or service's name, NUL included (truncated) */
#define CRED_TL_URI_BYTES    96u  /* a type or status URI's last segments, NUL included */

/* The service type and status URIs that make an anchor (ETSI TS 119 612 v2.1.1, 5.5.1, 5.5.4). */
#define CRED_TL_TYPE_CA_QC   "http://uri.etsi.org/TrstSvc/Svctype/CA/QC"
#define CRED_TL_STATUS_GRANT "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/granted"

/* Flags of cred_tl_read. */
#define CRED_TL_UNVERIFIED 1u /* skip the signature (fuzz harness and parser tests only) */

/* One period of a service: its type and status from `from_ms` until the next period's. */
typedef struct cred_tl_period {
    uint64_t from_ms;               /* StatusStartingTime, ms since the epoch */
    char type[CRED_TL_URI_BYTES];   /* ServiceTypeIdentifier after ".../Svctype/": "CA/QC" */
    char status[CRED_TL_URI_BYTES]; /* ServiceStatus after ".../Svcstatus/": "granted" */
    bool ca_qc;                     /* the type is CRED_TL_TYPE_CA_QC */
    bool granted;                   /* the status is CRED_TL_STATUS_GRANT */
} cred_tl_period;

/* A service of a list that carries certificates. */
typedef struct cred_tl_service {
    char tsp[CRED_TL_NAME_BYTES];  /* TSPName (the English one when given) */
    char name[CRED_TL_NAME_BYTES]; /* ServiceName */
    char country[3];               /* the list's SchemeTerritory ("IE"; "EU" for the EU's) */
    void *certs;                   /* STACK_OF(X509) *, owned: 1..CRED_TL_CERTS_MAX */
    cred_tl_period *periods;       /* owned, ascending by from_ms; periods_n >= 1 */
    size_t periods_n;              /* at most CRED_TL_PERIODS_MAX */
} cred_tl_service;

/* The services of every list read. cred_tl_init, then cred_tl_read any number of times. */
typedef struct cred_tl {
    cred_tl_service *svc; /* owned: svc[0..n) */
    size_t n;             /* services kept, at most CRED_TL_SERVICES_MAX */
    size_t cap;
    void *store;  /* X509_STORE *, owned: every kept certificate, whatever its type or status */
    size_t lists; /* lists read */
} cred_tl;

void cred_tl_init(cred_tl *tl);
void cred_tl_free(cred_tl *tl);

/*
 * Reads the trusted list buf[0..len) into tl, its signature verified with the key of one of
 * `signers` (a STACK_OF(X509) *, borrowed, tried in order: a scheme operator may publish several
 * while it rolls its key over; NULL only with CRED_TL_UNVERIFIED) and its NextUpdate against
 * now_ms. Nothing is added unless every step passes. Returns 0, or with a reason in `why`:
 *   RN_ETOOBIG     over CRED_TL_BYTES_MAX, or more than the bounds above;
 *   RN_EMALFORMED  not well-formed XML (line named), a DTD (refused), a field that does not
 *                  parse (named);
 *   RN_EKIND       not a TrustServiceStatusList of TS 119 612, or a List of the Lists;
 *   RN_EVERSION    a TSLVersionIdentifier other than 5 or 6;
 *   RN_EMISSING    unsigned, or a required field missing (named);
 *   RN_ESIG        the signature does not verify: tampered (the reference whose digest
 *                  differs), signed with another key than the signer's (its subject named when
 *                  KeyInfo carries a certificate), or a signature of a refused shape;
 *   RN_ETIME       expired (NextUpdate not after now_ms) or closed (no NextUpdate);
 *   RN_ENOMEM.
 */
RN_MUST_USE int cred_tl_read(cred_tl *tl, const uint8_t *buf, size_t len, const void *signers,
                             uint64_t now_ms, unsigned flags, char *why, size_t why_len);

/*
 * The result of a chain to the trusted lists: `leaf` (X509 *) with the `untrusted` certificates
 * (STACK_OF(X509) *, may be NULL), at at_ms. CRED_PASS with a reason naming the anchor, the
 * service, its TSP and the list's country; CRED_FAIL with a reason: no chain to a listed
 * certificate (libcrypto's reason), or a listed service that is not CA/QC or not granted at that
 * time (its type, status and since when named).
 */
cred_result cred_tl_chain(const cred_tl *tl, void *leaf, void *untrusted, uint64_t at_ms,
                          char *reason, size_t reason_len);

#endif /* RN_CRED_TL_H */
