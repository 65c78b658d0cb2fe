/*
 * tl.c: eIDAS trusted lists (ETSI TS 119 612 v2.x) read as trust anchors (tl.h has the rules).
 *
 * The list is XML signed with XML-DSig (XAdES-BES), and the packaged implementation of both is
 * libxml2 with xmlsec1 on OpenSSL: libxml2 parses (no network, no DTD), xmlsec1 verifies the
 * enveloped signature with the pinned signer's key, restricted to the transforms a trusted list
 * uses, and this file checks that the signature covers the whole list before it reads anything
 * from it. Then the services are read by their namespace and local names, never by position.
 *
 * The libraries are initialised once per process (pthread_once) and never shut down: other code
 * of the process may use libcrypto. Their errors go to a per-thread buffer, not to stderr.
 */
#include "tl.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/valid.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sodium.h>
#include <xmlsec/crypto.h>
#include <xmlsec/openssl/evp.h>
#include <xmlsec/errors.h>
#include <xmlsec/xmldsig.h>
#include <xmlsec/xmlsec.h>
#include <xmlsec/xmltree.h>

#include "codec.h"

#define TSL_NS       "http://uri.etsi.org/02231/v2#"
#define DSIG_NS      "http://www.w3.org/2000/09/xmldsig#"
#define TYPE_PFX     "http://uri.etsi.org/TrstSvc/Svctype/"
#define STAT_PFX     "http://uri.etsi.org/TrstSvc/TrustedList/Svcstatus/"
#define CERT_DER_MAX 16384u /* one X509Certificate, decoded */

/* ---- the libraries ---- */

static pthread_once_t libs_once = PTHREAD_ONCE_INIT;
static int libs_rc;
static _Thread_local char xmlsec_last[160];

static void xmlsec_quiet(const char *file, int line, const char *func, const char *obj,
                         const char *subj, int reason, const char *msg)
{
    (void)file;
    (void)line;
    (void)obj;
    (void)reason;
    snprintf(xmlsec_last, sizeof(xmlsec_last), "%s: %s%s%s", func != NULL ? func : "xmlsec",
             msg != NULL ? msg : "", subj != NULL ? " " : "", subj != NULL ? subj : "");
}

static void libs_init(void)
{
    xmlInitParser();
    if (xmlSecInit() < 0 || xmlSecCheckVersion() != 1 || xmlSecCryptoAppInit(NULL) < 0 ||
        xmlSecCryptoInit() < 0)
        libs_rc = RN_ENOMEM;
    /* After xmlSecInit, which installs its default (printing) callback. */
    xmlSecErrorsSetCallback(xmlsec_quiet);
}

/* ---- the tree ---- */

static bool is(const xmlNode *n, const char *ns, const char *local)
{
    return n != NULL && n->type == XML_ELEMENT_NODE && n->ns != NULL &&
           strcmp((const char *)n->ns->href, ns) == 0 && strcmp((const char *)n->name, local) == 0;
}

/* The first child element `local` of the TSL namespace, or NULL. */
static xmlNode *child(const xmlNode *n, const char *local)
{
    for (xmlNode *c = n != NULL ? n->children : NULL; c != NULL; c = c->next)
        if (is(c, TSL_NS, local))
            return c;
    return NULL;
}

/* The element after `n` among its siblings named like it, or NULL. */
static xmlNode *next_same(const xmlNode *n)
{
    for (xmlNode *c = n->next; c != NULL; c = c->next)
        if (c->type == XML_ELEMENT_NODE && c->ns == n->ns &&
            strcmp((const char *)c->name, (const char *)n->name) == 0)
            return c;
    return NULL;
}

/* The text of `n`, white space trimmed, into out (truncated to fit); false when empty. */
static bool text_of(const xmlNode *n, char *out, size_t out_len)
{
    out[0] = '\0';
    if (n == NULL)
        return false;
    xmlChar *t = xmlNodeGetContent(n);
    if (t == NULL)
        return false;
    const char *s = (const char *)t;
    size_t len = strlen(s);
    while (len > 0 && strchr(" \t\r\n", s[0]) != NULL) {
        s++;
        len--;
    }
    while (len > 0 && strchr(" \t\r\n", s[len - 1]) != NULL)
        len--;
    if (len >= out_len)
        len = out_len - 1;
    memcpy(out, s, len);
    out[len] = '\0';
    xmlFree(t);
    return len > 0;
}

/* A multilingual name (<X><Name xml:lang="..">..</Name>...</X>): the English one, else the
 * first. */
static bool name_of(const xmlNode *n, char *out, size_t out_len)
{
    const xmlNode *first = child(n, "Name"), *pick = first;
    for (const xmlNode *c = first; c != NULL; c = next_same(c)) {
        xmlChar *lang = xmlNodeGetLang(c);
        bool en = lang != NULL && strncmp((const char *)lang, "en", 2) == 0;
        xmlFree(lang);
        if (en) {
            pick = c;
            break;
        }
    }
    return text_of(pick, out, out_len);
}

static int time_of(const xmlNode *n, const char *field, uint64_t *ms, char *why, size_t wl)
{
    char t[64];
    if (!text_of(n, t, sizeof(t))) {
        snprintf(why, wl, "%s is missing", field);
        return RN_EMISSING;
    }
    if (cred_time_parse(t, strlen(t), ms) < 0) {
        snprintf(why, wl, "%s \"%s\" is not an xsd:dateTime", field, t);
        return RN_EMALFORMED;
    }
    return 0;
}

/* ---- the signature ---- */

/* Registers every Id attribute as an XML ID (so that "#id" references resolve), refusing an Id
 * given twice: two elements with one Id are how a signature is made to cover another element
 * than the one read. Iterative: the parser bounds the depth, this bounds nothing else. */
static int ids_register(xmlDoc *doc, xmlNode *root, char *why, size_t wl)
{
    xmlNode *n = root;
    while (n != NULL) {
        if (n->type == XML_ELEMENT_NODE) {
            for (xmlAttr *a = n->properties; a != NULL; a = a->next) {
                if (a->ns != NULL || strcmp((const char *)a->name, "Id") != 0)
                    continue;
                xmlChar *v = xmlNodeListGetString(doc, a->children, 1);
                if (v == NULL)
                    continue;
                if (xmlGetID(doc, v) != NULL) {
                    snprintf(why, wl, "the Id \"%.64s\" is given twice: refused", (const char *)v);
                    xmlFree(v);
                    return RN_ESIG;
                }
                xmlID *id = xmlAddID(NULL, doc, v, a);
                xmlFree(v);
                if (id == NULL)
                    return RN_ENOMEM;
            }
        }
        if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
            n = n->children;
            continue;
        }
        while (n != NULL && n != root && n->next == NULL)
            n = n->parent;
        n = (n == NULL || n == root) ? NULL : n->next;
    }
    return 0;
}

/* The certificate in the signature's KeyInfo, when it carries one (for naming who signed). */
static X509 *keyinfo_cert(xmlNode *sig)
{
    xmlNode *ki = NULL, *xd = NULL, *xc = NULL;
    for (xmlNode *c = sig->children; c != NULL && ki == NULL; c = c->next)
        if (is(c, DSIG_NS, "KeyInfo"))
            ki = c;
    for (xmlNode *c = ki != NULL ? ki->children : NULL; c != NULL && xd == NULL; c = c->next)
        if (is(c, DSIG_NS, "X509Data"))
            xd = c;
    for (xmlNode *c = xd != NULL ? xd->children : NULL; c != NULL && xc == NULL; c = c->next)
        if (is(c, DSIG_NS, "X509Certificate"))
            xc = c;
    if (xc == NULL)
        return NULL;
    xmlChar *b = xmlNodeGetContent(xc);
    uint8_t der[CERT_DER_MAX];
    size_t dl = 0;
    X509 *x = NULL;
    if (b != NULL && sodium_base642bin(der, sizeof(der), (const char *)b, strlen((const char *)b),
                                       " \t\r\n", &dl, NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
        const unsigned char *p = der;
        x = d2i_X509(NULL, &p, (long)dl);
    }
    xmlFree(b);
    ERR_clear_error();
    return x;
}

static void subject_line(X509 *x, char *out, size_t n)
{
    out[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (b == NULL)
        return;
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
    int len = BIO_read(b, out, (int)n - 1);
    out[len > 0 ? len : 0] = '\0';
    BIO_free(b);
}

static bool has_transform(xmlSecTransformCtx *tc, xmlSecTransformId id)
{
    for (xmlSecTransformPtr t = tc->first; t != NULL; t = t->next)
        if (t->id == id)
            return true;
    return false;
}

static int dsig_ctx_limit(xmlSecDSigCtxPtr c)
{
    /* What a trusted list's signature uses (TS 119 612 5.7.1, XAdES-BES): the canonicalizations,
     * the enveloped-signature transform, SHA-2 digests, RSA and ECDSA with SHA-2. Not XPath,
     * XSLT or Base64 transforms, which can make a signature cover less than the document. */
    xmlSecTransformId ref[] = {
        xmlSecTransformEnvelopedId,
        xmlSecTransformInclC14NId,
        xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformInclC14N11Id,
        xmlSecTransformInclC14N11WithCommentsId,
        xmlSecTransformExclC14NId,
        xmlSecTransformExclC14NWithCommentsId,
        xmlSecTransformSha256Id,
        xmlSecTransformSha384Id,
        xmlSecTransformSha512Id,
    };
    xmlSecTransformId sig[] = {
        xmlSecTransformInclC14NId,    xmlSecTransformInclC14NWithCommentsId,
        xmlSecTransformInclC14N11Id,  xmlSecTransformInclC14N11WithCommentsId,
        xmlSecTransformExclC14NId,    xmlSecTransformExclC14NWithCommentsId,
        xmlSecTransformRsaSha256Id,   xmlSecTransformRsaSha384Id,
        xmlSecTransformRsaSha512Id,   xmlSecTransformEcdsaSha256Id,
        xmlSecTransformEcdsaSha384Id, xmlSecTransformEcdsaSha512Id,
    };
    for (size_t i = 0; i < sizeof(ref) / sizeof(ref[0]); i++)
        if (xmlSecDSigCtxEnableReferenceTransform(c, ref[i]) < 0)
            return RN_ENOMEM;
    for (size_t i = 0; i < sizeof(sig) / sizeof(sig[0]); i++)
        if (xmlSecDSigCtxEnableSignatureTransform(c, sig[i]) < 0)
            return RN_ENOMEM;
    c->enabledReferenceUris = xmlSecTransformUriTypeEmpty | xmlSecTransformUriTypeSameDocument;
    c->flags = XMLSEC_DSIG_FLAGS_STORE_SIGNEDINFO_REFERENCES | XMLSEC_DSIG_FLAGS_IGNORE_MANIFESTS;
    return 0;
}

/* The verdict of one verification with one key: 0, or RN_ESIG with `why`; *other_key when the
 * references verified but the signature value did not (another key signed). */
static int verify_with(xmlNode *root, xmlNode *sig, X509 *signer, bool *other_key, char *why,
                       size_t wl)
{
    *other_key = false;
    EVP_PKEY *pk = X509_get_pubkey(signer);
    xmlSecKeyDataPtr data = pk != NULL ? xmlSecOpenSSLEvpKeyAdopt(pk) : NULL;
    xmlSecKeyPtr key = data != NULL ? xmlSecKeyCreate() : NULL;
    xmlSecDSigCtxPtr c = NULL;
    int rc = RN_ENOMEM;
    if (data == NULL) {
        EVP_PKEY_free(pk);
        snprintf(why, wl, "the signer certificate's key cannot be used");
        rc = RN_ESIG;
        goto out;
    }
    if (key == NULL || xmlSecKeySetValue(key, data) < 0) {
        xmlSecKeyDataDestroy(data);
        goto out;
    }
    if ((c = xmlSecDSigCtxCreate(NULL)) == NULL || (rc = dsig_ctx_limit(c)) < 0)
        goto out;
    c->signKey = key;
    key = NULL;
    xmlsec_last[0] = '\0';
    if (xmlSecDSigCtxVerify(c, sig) < 0) {
        /* Not processed: a transform or algorithm refused above, a URI outside the list, or a
         * key that is not of the SignatureMethod's type (another signer's). */
        xmlNode *si = xmlSecFindChild(sig, (const xmlChar *)"SignedInfo", xmlSecDSigNs);
        xmlNode *sm = si != NULL
                          ? xmlSecFindChild(si, (const xmlChar *)"SignatureMethod", xmlSecDSigNs)
                          : NULL;
        xmlChar *alg = sm != NULL ? xmlGetProp(sm, (const xmlChar *)"Algorithm") : NULL;
        snprintf(why, wl,
                 "the signature cannot be verified with the signer's key (SignatureMethod %.80s; "
                 "%.120s)",
                 alg != NULL ? (const char *)alg : "missing", xmlsec_last);
        xmlFree(alg);
        *other_key = true;
        rc = RN_ESIG;
        goto out;
    }
    xmlSecSize nrefs = xmlSecPtrListGetSize(&c->signedInfoReferences);
    if (c->status != xmlSecDSigStatusSucceeded) {
        for (xmlSecSize i = 0; i < nrefs; i++) {
            xmlSecDSigReferenceCtxPtr r = xmlSecPtrListGetItem(&c->signedInfoReferences, i);
            if (r != NULL && r->status != xmlSecDSigStatusSucceeded) {
                snprintf(why, wl,
                         "tampered: the digest of the signed reference \"%.80s\" does not match "
                         "the list",
                         r->uri != NULL ? (const char *)r->uri : "");
                rc = RN_ESIG;
                goto out;
            }
        }
        *other_key = true;
        snprintf(why, wl, "the signature value does not verify with the signer's key");
        rc = RN_ESIG;
        goto out;
    }
    /* Verified: now it must cover the whole list, not an element of it. */
    xmlChar *root_id = xmlGetNoNsProp(root, (const xmlChar *)"Id");
    bool whole = false;
    for (xmlSecSize i = 0; i < nrefs && !whole; i++) {
        xmlSecDSigReferenceCtxPtr r = xmlSecPtrListGetItem(&c->signedInfoReferences, i);
        if (r == NULL || !has_transform(&r->transformCtx, xmlSecTransformEnvelopedId))
            continue;
        const char *u = r->uri != NULL ? (const char *)r->uri : NULL;
        if (u != NULL && u[0] == '\0')
            whole = true;
        else if (u != NULL && u[0] == '#' && root_id != NULL &&
                 strcmp(u + 1, (const char *)root_id) == 0)
            whole = true;
    }
    xmlFree(root_id);
    if (!whole) {
        snprintf(why, wl,
                 "the signature verifies but does not cover the whole list (no reference \"\" or "
                 "\"#\" the root's Id with the enveloped-signature transform)");
        rc = RN_ESIG;
        goto out;
    }
    rc = 0;
out:
    if (key != NULL)
        xmlSecKeyDestroy(key);
    if (c != NULL)
        xmlSecDSigCtxDestroy(c);
    ERR_clear_error();
    return rc;
}

/* The algorithms dsig_ctx_limit enables, by URI: checked before xmlsec1 runs, so that a
 * signature of another shape is refused for what it is, not as another signer's. */
static const char *const algs_ok[] = {
    "http://www.w3.org/2000/09/xmldsig#enveloped-signature",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315",
    "http://www.w3.org/TR/2001/REC-xml-c14n-20010315#WithComments",
    "http://www.w3.org/2006/12/xml-c14n11",
    "http://www.w3.org/2006/12/xml-c14n11#WithComments",
    "http://www.w3.org/2001/10/xml-exc-c14n#",
    "http://www.w3.org/2001/10/xml-exc-c14n#WithComments",
    "http://www.w3.org/2001/04/xmlenc#sha256",
    "http://www.w3.org/2001/04/xmldsig-more#sha384",
    "http://www.w3.org/2001/04/xmlenc#sha512",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha384",
    "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha512",
};

/* Every Algorithm of SignedInfo in algs_ok, every Reference URI "" or "#id". */
static int shape_check(xmlNode *sig, char *why, size_t wl)
{
    xmlNode *si = NULL;
    for (xmlNode *c = sig->children; c != NULL && si == NULL; c = c->next)
        if (is(c, DSIG_NS, "SignedInfo"))
            si = c;
    if (si == NULL) {
        snprintf(why, wl, "the ds:Signature has no SignedInfo");
        return RN_ESIG;
    }
    xmlNode *n = si->children;
    int rc = 0;
    while (n != NULL && rc == 0) {
        if (n->type == XML_ELEMENT_NODE && n->ns != NULL &&
            strcmp((const char *)n->ns->href, DSIG_NS) == 0) {
            const char *name = (const char *)n->name;
            if (strcmp(name, "Transform") == 0 || strcmp(name, "CanonicalizationMethod") == 0 ||
                strcmp(name, "SignatureMethod") == 0 || strcmp(name, "DigestMethod") == 0) {
                xmlChar *alg = xmlGetNoNsProp(n, (const xmlChar *)"Algorithm");
                bool ok = false;
                for (size_t i = 0; alg != NULL && i < sizeof(algs_ok) / sizeof(algs_ok[0]); i++)
                    ok = ok || strcmp((const char *)alg, algs_ok[i]) == 0;
                if (!ok) {
                    snprintf(why, wl,
                             "the signature's %s is %.100s: refused (canonicalization, "
                             "enveloped-signature, SHA-2, RSA or ECDSA only)",
                             name, alg != NULL ? (const char *)alg : "missing");
                    rc = RN_ESIG;
                }
                xmlFree(alg);
            } else if (strcmp(name, "Reference") == 0) {
                xmlChar *uri = xmlGetNoNsProp(n, (const xmlChar *)"URI");
                if (uri == NULL || (uri[0] != '\0' && uri[0] != '#')) {
                    snprintf(why, wl,
                             "the signature references %.100s: only the list itself (\"\" or "
                             "\"#id\") is read",
                             uri != NULL ? (const char *)uri : "without a URI");
                    rc = RN_ESIG;
                }
                xmlFree(uri);
            }
        }
        if (n->type == XML_ELEMENT_NODE && n->children != NULL) {
            n = n->children;
            continue;
        }
        while (n != NULL && n != si && n->next == NULL)
            n = n->parent;
        n = (n == NULL || n == si) ? NULL : n->next;
    }
    return rc;
}

static int verify(xmlDoc *doc, xmlNode *root, STACK_OF(X509) * signers, char *why, size_t wl)
{
    xmlNode *sig = NULL;
    size_t nsig = 0;
    for (xmlNode *c = root->children; c != NULL; c = c->next)
        if (is(c, DSIG_NS, "Signature")) {
            sig = c;
            nsig++;
        }
    if (nsig == 0) {
        snprintf(why, wl,
                 "unsigned: the list carries no ds:Signature (its scheme operator signs "
                 "every trusted list)");
        return RN_EMISSING;
    }
    if (nsig > 1) {
        snprintf(why, wl, "%zu ds:Signature elements: a trusted list has one", nsig);
        return RN_ESIG;
    }
    int rc = shape_check(sig, why, wl);
    if (rc == 0)
        rc = ids_register(doc, root, why, wl);
    if (rc < 0)
        return rc;
    if (signers == NULL || sk_X509_num(signers) == 0) {
        snprintf(why, wl, "no signer certificate to verify the list with");
        return RN_ESIG;
    }
    bool other = false;
    for (int i = 0; i < sk_X509_num(signers); i++) {
        rc = verify_with(root, sig, sk_X509_value(signers, i), &other, why, wl);
        if (rc == 0 || !other)
            return rc;
    }
    /* Each pinned key tried: another key signed. Name it when KeyInfo says. */
    X509 *by = keyinfo_cert(sig);
    char subj[160] = "";
    if (by != NULL)
        subject_line(by, subj, sizeof(subj));
    X509_free(by);
    char detail[200];
    snprintf(detail, sizeof(detail), "%s", why);
    snprintf(why, wl, "signed with another key than the pinned signer's%s%s%s: %s",
             subj[0] ? " (KeyInfo "
                       "names "
                     : "",
             subj, subj[0] ? ")" : "", detail);
    return RN_ESIG;
}

/* ---- the services ---- */

static void tail_of(const char *uri, const char *prefix, char *out, size_t n)
{
    size_t pl = strlen(prefix);
    const char *t = strncmp(uri, prefix, pl) == 0 ? uri + pl : uri;
    size_t len = strnlen(t, n - 1);
    memcpy(out, t, len);
    out[len] = '\0';
}

/* One period (ServiceInformation or ServiceHistoryInstance) into *p; `where` names it. */
static int period_read(const xmlNode *n, const char *where, cred_tl_period *p, char *why, size_t wl)
{
    char uri[512], field[200];
    memset(p, 0, sizeof(*p));
    if (!text_of(child(n, "ServiceTypeIdentifier"), uri, sizeof(uri))) {
        snprintf(why, wl, "%s/ServiceTypeIdentifier is missing", where);
        return RN_EMISSING;
    }
    p->ca_qc = strcmp(uri, CRED_TL_TYPE_CA_QC) == 0;
    tail_of(uri, TYPE_PFX, p->type, sizeof(p->type));
    if (!text_of(child(n, "ServiceStatus"), uri, sizeof(uri))) {
        snprintf(why, wl, "%s/ServiceStatus is missing", where);
        return RN_EMISSING;
    }
    p->granted = strcmp(uri, CRED_TL_STATUS_GRANT) == 0;
    tail_of(uri, STAT_PFX, p->status, sizeof(p->status));
    snprintf(field, sizeof(field), "%s/StatusStartingTime", where);
    return time_of(child(n, "StatusStartingTime"), field, &p->from_ms, why, wl);
}

static int by_from(const void *a, const void *b)
{
    const cred_tl_period *x = a, *y = b;
    return x->from_ms < y->from_ms ? -1 : x->from_ms > y->from_ms;
}

static void service_free(cred_tl_service *s)
{
    sk_X509_pop_free((STACK_OF(X509) *)s->certs, X509_free);
    free(s->periods);
    memset(s, 0, sizeof(*s));
}

/* A TSPService with its certificates and timeline into *s (s->certs NULL when it names no
 * certificate: not an anchor, skipped). */
static int service_read(const xmlNode *svc, const char *where, cred_tl_service *s, char *why,
                        size_t wl)
{
    char w[200];
    const xmlNode *si = child(svc, "ServiceInformation");
    if (si == NULL) {
        snprintf(why, wl, "%s/ServiceInformation is missing", where);
        return RN_EMISSING;
    }
    snprintf(w, sizeof(w), "%s/ServiceInformation", where);
    /* The certificates: DigitalId/X509Certificate (the other DigitalId forms name no key). */
    const xmlNode *sdi = child(si, "ServiceDigitalIdentity");
    STACK_OF(X509) *certs = NULL;
    for (const xmlNode *d = child(sdi, "DigitalId"); d != NULL; d = next_same(d)) {
        const xmlNode *xc = child(d, "X509Certificate");
        if (xc == NULL)
            continue;
        if (certs != NULL && sk_X509_num(certs) >= (int)CRED_TL_CERTS_MAX) {
            snprintf(why, wl, "%s/ServiceDigitalIdentity: more than %u certificates", w,
                     CRED_TL_CERTS_MAX);
            sk_X509_pop_free(certs, X509_free);
            return RN_ETOOBIG;
        }
        xmlChar *b = xmlNodeGetContent(xc);
        uint8_t der[CERT_DER_MAX];
        size_t dl = 0;
        X509 *x = NULL;
        if (b != NULL &&
            sodium_base642bin(der, sizeof(der), (const char *)b, strlen((const char *)b), " \t\r\n",
                              &dl, NULL, sodium_base64_VARIANT_ORIGINAL) == 0) {
            const unsigned char *p = der;
            x = d2i_X509(NULL, &p, (long)dl);
            if (x != NULL && p != der + dl) {
                X509_free(x);
                x = NULL;
            }
        }
        xmlFree(b);
        ERR_clear_error();
        if (x == NULL) {
            snprintf(why, wl,
                     "%s/ServiceDigitalIdentity/DigitalId/X509Certificate is not a "
                     "base64 DER X.509 certificate",
                     w);
            sk_X509_pop_free(certs, X509_free);
            return RN_EMALFORMED;
        }
        if ((certs == NULL && (certs = sk_X509_new_null()) == NULL) ||
            sk_X509_push(certs, x) == 0) {
            X509_free(x);
            sk_X509_pop_free(certs, X509_free);
            return RN_ENOMEM;
        }
    }
    memset(s, 0, sizeof(*s));
    if (certs == NULL)
        return 0;
    s->certs = certs;
    name_of(child(si, "ServiceName"), s->name, sizeof(s->name));
    size_t nhist = 0;
    const xmlNode *hist = child(svc, "ServiceHistory");
    for (const xmlNode *h = child(hist, "ServiceHistoryInstance"); h != NULL; h = next_same(h))
        nhist++;
    if (nhist + 1 > CRED_TL_PERIODS_MAX) {
        snprintf(why, wl, "%s/ServiceHistory: more than %u instances", where,
                 CRED_TL_PERIODS_MAX - 1);
        service_free(s);
        return RN_ETOOBIG;
    }
    if ((s->periods = calloc(nhist + 1, sizeof(*s->periods))) == NULL) {
        service_free(s);
        return RN_ENOMEM;
    }
    int rc = period_read(si, w, &s->periods[0], why, wl);
    size_t i = 1;
    for (const xmlNode *h = child(hist, "ServiceHistoryInstance"); rc == 0 && h != NULL;
         h = next_same(h), i++) {
        snprintf(w, sizeof(w), "%s/ServiceHistory/ServiceHistoryInstance[%zu]", where, i);
        rc = period_read(h, w, &s->periods[i], why, wl);
    }
    if (rc < 0) {
        service_free(s);
        return rc;
    }
    s->periods_n = nhist + 1;
    qsort(s->periods, s->periods_n, sizeof(*s->periods), by_from);
    return 0;
}

static int push(cred_tl *tl, cred_tl_service *s, char *why, size_t wl)
{
    if (tl->n == CRED_TL_SERVICES_MAX) {
        snprintf(why, wl, "more than %u services with certificates", CRED_TL_SERVICES_MAX);
        return RN_ETOOBIG;
    }
    if (tl->n == tl->cap) {
        size_t cap = tl->cap == 0 ? 16 : tl->cap * 2;
        cred_tl_service *v = realloc(tl->svc, cap * sizeof(*v));
        if (v == NULL)
            return RN_ENOMEM;
        tl->svc = v;
        tl->cap = cap;
    }
    tl->svc[tl->n++] = *s;
    memset(s, 0, sizeof(*s));
    return 0;
}

/* The scheme information and every service of a verified list into *tmp. */
static int list_read(xmlNode *root, uint64_t now_ms, cred_tl *tmp, char *why, size_t wl)
{
    char v[512], country[8];
    const xmlNode *si = child(root, "SchemeInformation");
    if (si == NULL) {
        snprintf(why, wl, "SchemeInformation is missing");
        return RN_EMISSING;
    }
    if (!text_of(child(si, "TSLVersionIdentifier"), v, sizeof(v))) {
        snprintf(why, wl, "SchemeInformation/TSLVersionIdentifier is missing");
        return RN_EMISSING;
    }
    if (strcmp(v, "5") != 0 && strcmp(v, "6") != 0) {
        snprintf(why, wl,
                 "SchemeInformation/TSLVersionIdentifier %.16s: ETSI TS 119 612 v2 lists are 5 "
                 "or 6",
                 v);
        return RN_EVERSION;
    }
    if (text_of(child(si, "TSLType"), v, sizeof(v)) && strstr(v, "listofthelists") != NULL) {
        snprintf(why, wl,
                 "SchemeInformation/TSLType %.200s: a list of the trusted lists, not a trusted "
                 "list (its pointers are not followed: give a national list)",
                 v);
        return RN_EKIND;
    }
    if (!text_of(child(si, "SchemeTerritory"), country, sizeof(country)) || strlen(country) != 2 ||
        country[0] < 'A' || country[0] > 'Z' || country[1] < 'A' || country[1] > 'Z') {
        snprintf(why, wl, "SchemeInformation/SchemeTerritory is missing or not a country code");
        return RN_EMALFORMED;
    }
    uint64_t issued = 0, next = 0;
    int rc = time_of(child(si, "ListIssueDateTime"), "SchemeInformation/ListIssueDateTime", &issued,
                     why, wl);
    if (rc < 0)
        return rc;
    const xmlNode *nu = child(si, "NextUpdate");
    if (nu == NULL) {
        snprintf(why, wl, "SchemeInformation/NextUpdate is missing");
        return RN_EMISSING;
    }
    if (child(nu, "dateTime") == NULL) {
        snprintf(why, wl, "closed: the list's NextUpdate is empty (its scheme has ended)");
        return RN_ETIME;
    }
    rc = time_of(child(nu, "dateTime"), "SchemeInformation/NextUpdate/dateTime", &next, why, wl);
    if (rc < 0)
        return rc;
    if (next <= now_ms) {
        char a[21], b[21];
        cred_time_format(next, a);
        cred_time_format(now_ms, b);
        snprintf(why, wl,
                 "expired: the list's NextUpdate %s is not after %s (download the current list)", a,
                 b);
        return RN_ETIME;
    }
    const xmlNode *tspl = child(root, "TrustServiceProviderList");
    size_t ti = 1;
    for (const xmlNode *tsp = child(tspl, "TrustServiceProvider"); tsp != NULL;
         tsp = next_same(tsp), ti++) {
        char tsp_name[CRED_TL_NAME_BYTES], where[160];
        if (!name_of(child(child(tsp, "TSPInformation"), "TSPName"), tsp_name, sizeof(tsp_name))) {
            snprintf(why, wl, "TrustServiceProvider[%zu]/TSPInformation/TSPName is missing", ti);
            return RN_EMISSING;
        }
        size_t si_n = 1;
        for (const xmlNode *svc = child(child(tsp, "TSPServices"), "TSPService"); svc != NULL;
             svc = next_same(svc), si_n++) {
            cred_tl_service s;
            snprintf(where, sizeof(where), "TrustServiceProvider[%zu]/TSPService[%zu]", ti, si_n);
            if ((rc = service_read(svc, where, &s, why, wl)) < 0)
                return rc;
            if (s.certs == NULL)
                continue;
            snprintf(s.tsp, sizeof(s.tsp), "%s", tsp_name);
            memcpy(s.country, country, 3);
            if ((rc = push(tmp, &s, why, wl)) < 0) {
                service_free(&s);
                return rc;
            }
        }
    }
    return 0;
}

/* ---- the public functions ---- */

void cred_tl_init(cred_tl *tl)
{
    memset(tl, 0, sizeof(*tl));
}

void cred_tl_free(cred_tl *tl)
{
    for (size_t i = 0; i < tl->n; i++)
        service_free(&tl->svc[i]);
    free(tl->svc);
    X509_STORE_free((X509_STORE *)tl->store);
    memset(tl, 0, sizeof(*tl));
}

/* A DOCTYPE stops the parser before its internal subset is read: no entity is ever declared. */
static void refuse_dtd(void *ctx, const xmlChar *name, const xmlChar *ext, const xmlChar *sys)
{
    xmlParserCtxtPtr p = ctx;
    (void)name;
    (void)ext;
    (void)sys;
    *(bool *)p->_private = true;
    xmlStopParser(p);
}

int cred_tl_read(cred_tl *tl, const uint8_t *buf, size_t len, const void *signers, uint64_t now_ms,
                 unsigned flags, char *why, size_t why_len)
{
    cred_tl tmp;
    xmlParserCtxtPtr p = NULL;
    xmlDoc *doc = NULL;
    bool dtd = false;
    int rc;
    why[0] = '\0';
    cred_tl_init(&tmp);
    pthread_once(&libs_once, libs_init);
    if (libs_rc < 0) {
        snprintf(why, why_len, "libxml2/xmlsec1 could not be initialised");
        return libs_rc;
    }
    if (len > CRED_TL_BYTES_MAX) {
        snprintf(why, why_len, "%zu bytes: a trusted list is at most %u", len, CRED_TL_BYTES_MAX);
        return RN_ETOOBIG;
    }
    if ((p = xmlNewParserCtxt()) == NULL)
        return RN_ENOMEM;
    p->_private = &dtd;
    p->sax->internalSubset = refuse_dtd;
    /* No network, no entity substitution, no DTD loading, no blanks removed (the signature is
     * over the bytes as they are), errors not printed. */
    doc = xmlCtxtReadMemory(p, (const char *)buf, (int)len, NULL, NULL,
                            XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    if (dtd) {
        snprintf(why, why_len,
                 "the list has a DOCTYPE: refused (no DTD is read, no entity expanded)");
        rc = RN_EMALFORMED;
        goto out;
    }
    if (doc == NULL || !p->wellFormed) {
        xmlErrorPtr e = xmlCtxtGetLastError(p);
        char msg[120] = "not well-formed";
        if (e != NULL && e->message != NULL) {
            snprintf(msg, sizeof(msg), "%s", e->message);
            msg[strcspn(msg, "\n")] = '\0';
        }
        snprintf(why, why_len, "not well-formed XML at line %d: %s", e != NULL ? e->line : 0, msg);
        rc = RN_EMALFORMED;
        goto out;
    }
    xmlNode *root = xmlDocGetRootElement(doc);
    if (!is(root, TSL_NS, "TrustServiceStatusList")) {
        snprintf(why, why_len,
                 "the root is not a TrustServiceStatusList of ETSI TS 119 612 (namespace %s)",
                 TSL_NS);
        rc = RN_EKIND;
        goto out;
    }
    if ((flags & CRED_TL_UNVERIFIED) == 0 &&
        (rc = verify(doc, root, (STACK_OF(X509) *)signers, why, why_len)) < 0)
        goto out;
    if ((rc = list_read(root, now_ms, &tmp, why, why_len)) < 0)
        goto out;
    /* Every service read: add them, their certificates to the store. */
    if (tl->store == NULL) {
        if ((tl->store = X509_STORE_new()) == NULL) {
            rc = RN_ENOMEM;
            goto out;
        }
        /* A trusted list names issuing CAs as well as roots: each is an anchor. */
        X509_STORE_set_flags((X509_STORE *)tl->store, X509_V_FLAG_PARTIAL_CHAIN);
    }
    if (tl->n + tmp.n > CRED_TL_SERVICES_MAX) {
        snprintf(why, why_len, "more than %u services with certificates", CRED_TL_SERVICES_MAX);
        rc = RN_ETOOBIG;
        goto out;
    }
    /* Room for all of them first, so that the list is added whole or not at all. */
    if (tl->n + tmp.n > tl->cap) {
        cred_tl_service *v = realloc(tl->svc, (tl->n + tmp.n) * sizeof(*v));
        if (v == NULL) {
            rc = RN_ENOMEM;
            goto out;
        }
        tl->svc = v;
        tl->cap = tl->n + tmp.n;
    }
    for (size_t i = 0; i < tmp.n; i++) {
        STACK_OF(X509) *c = tmp.svc[i].certs;
        for (int k = 0; k < sk_X509_num(c); k++)
            if (X509_STORE_add_cert((X509_STORE *)tl->store, sk_X509_value(c, k)) != 1) {
                rc = RN_ENOMEM;
                goto out;
            }
    }
    for (size_t i = 0; i < tmp.n; i++) {
        int pushed = push(tl, &tmp.svc[i], why, why_len);
        RN_ASSERT(pushed == 0); /* the room and the bound were checked above */
    }
    ERR_clear_error();
    tl->lists++;
    rc = 0;
out:
    cred_tl_free(&tmp);
    xmlFreeDoc(doc);
    xmlFreeParserCtxt(p);
    return rc;
}

/* The period of `s` in effect at at_ms, or NULL before its first. */
static const cred_tl_period *period_at(const cred_tl_service *s, uint64_t at_ms)
{
    const cred_tl_period *in = NULL;
    for (size_t i = 0; i < s->periods_n && s->periods[i].from_ms <= at_ms; i++)
        in = &s->periods[i];
    return in;
}

static bool holds(const cred_tl_service *s, X509 *x)
{
    STACK_OF(X509) *c = s->certs;
    for (int k = 0; k < sk_X509_num(c); k++)
        if (X509_cmp(sk_X509_value(c, k), x) == 0)
            return true;
    return false;
}

cred_result cred_tl_chain(const cred_tl *tl, void *leaf, void *untrusted, uint64_t at_ms,
                          char *reason, size_t reason_len)
{
    X509_STORE_CTX *ctx = X509_STORE_CTX_new();
    cred_result res = CRED_FAIL;
    char at[21];
    cred_time_format(at_ms, at);
    snprintf(reason, reason_len, "out of memory");
    if (tl->store == NULL) {
        snprintf(reason, reason_len, "no certificate in the trusted list(s) read");
        X509_STORE_CTX_free(ctx);
        return CRED_FAIL;
    }
    if (ctx == NULL ||
        X509_STORE_CTX_init(ctx, (X509_STORE *)tl->store, leaf, (STACK_OF(X509) *)untrusted) != 1)
        goto out;
    X509_STORE_CTX_set_time(ctx, 0, (time_t)(at_ms / 1000u));
    if (X509_verify_cert(ctx) != 1) {
        snprintf(reason, reason_len,
                 "does not chain to a certificate of the trusted list(s) at %s: %s", at,
                 X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
        goto out;
    }
    STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
    X509 *anchor = sk_X509_value(chain, sk_X509_num(chain) - 1);
    const cred_tl_service *seen = NULL;
    const cred_tl_period *seen_p = NULL;
    for (size_t i = 0; i < tl->n; i++) {
        const cred_tl_service *s = &tl->svc[i];
        if (!holds(s, anchor))
            continue;
        const cred_tl_period *p = period_at(s, at_ms);
        if (p != NULL && p->ca_qc && p->granted) {
            char since[21];
            cred_time_format(p->from_ms, since);
            snprintf(reason, reason_len,
                     "to the trust service provider %s (trusted list of %s): service \"%s\", "
                     "CA/QC granted since %s (revocation not checked)",
                     s->tsp, s->country, s->name, since);
            res = CRED_PASS;
            goto out;
        }
        /* Keep the most telling refusal: a CA/QC service over another type. */
        if (seen == NULL || (p != NULL && p->ca_qc && (seen_p == NULL || !seen_p->ca_qc))) {
            seen = s;
            seen_p = p;
        }
    }
    if (seen == NULL) {
        /* Only when a list's certificates were added but the list was not (out of memory). */
        snprintf(reason, reason_len, "the anchor is in no service of the trusted list(s) read");
    } else if (seen_p == NULL) {
        char from[21];
        cred_time_format(seen->periods[0].from_ms, from);
        snprintf(reason, reason_len,
                 "the service \"%s\" of %s (trusted list of %s) was not yet listed at %s (from "
                 "%s)",
                 seen->name, seen->tsp, seen->country, at, from);
    } else if (!seen_p->ca_qc) {
        snprintf(reason, reason_len,
                 "the service \"%s\" of %s (trusted list of %s) is of type %s at %s, not a CA "
                 "issuing qualified certificates (CA/QC)",
                 seen->name, seen->tsp, seen->country, seen_p->type, at);
    } else {
        char since[21];
        cred_time_format(seen_p->from_ms, since);
        snprintf(reason, reason_len,
                 "the service \"%s\" of %s (trusted list of %s) is %s since %s, not granted at "
                 "%s",
                 seen->name, seen->tsp, seen->country, seen_p->status, since, at);
    }
out:
    X509_STORE_CTX_free(ctx);
    ERR_clear_error();
    return res;
}

/* The functions cred_trust_load_tl leaves in a cred_trust (cred.h), for seal.c. */
static cred_result trust_chain(const void *tl, void *leaf, void *untrusted, uint64_t at_ms,
                               char *reason, size_t reason_len)
{
    return cred_tl_chain(tl, leaf, untrusted, at_ms, reason, reason_len);
}

static void trust_free(void *tl)
{
    cred_tl_free(tl);
    free(tl);
}

int cred_trust_load_tl(cred_trust *t, const char *path, const char *signer_pem, uint64_t now_ms,
                       char *why, size_t why_len)
{
    STACK_OF(X509) *signers = sk_X509_new_null();
    uint8_t *buf = NULL;
    size_t len = 0;
    char inner[CRED_REASON_BYTES];
    int rc = RN_ENOMEM;
    FILE *f = NULL;
    BIO *bio = NULL;
    X509 *x;
    if (signers == NULL)
        goto out;
    if ((bio = BIO_new_file(signer_pem, "r")) == NULL) {
        snprintf(why, why_len, "%s: cannot be read", signer_pem);
        rc = RN_EIO;
        goto out;
    }
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL)
        if (sk_X509_push(signers, x) == 0) {
            X509_free(x);
            goto out;
        }
    if (sk_X509_num(signers) == 0) {
        snprintf(why, why_len, "%s: no PEM certificate in it", signer_pem);
        rc = RN_EMALFORMED;
        goto out;
    }
    if ((f = fopen(path, "rb")) == NULL) {
        snprintf(why, why_len, "%s: cannot be read", path);
        rc = RN_EIO;
        goto out;
    }
    if ((buf = malloc(CRED_TL_BYTES_MAX + 1u)) == NULL)
        goto out;
    len = fread(buf, 1, CRED_TL_BYTES_MAX + 1u, f);
    if (ferror(f)) {
        snprintf(why, why_len, "%s: cannot be read", path);
        rc = RN_EIO;
        goto out;
    }
    if (t->tl == NULL) {
        if ((t->tl = malloc(sizeof(cred_tl))) == NULL)
            goto out;
        cred_tl_init(t->tl);
        t->tl_chain = trust_chain;
        t->tl_free = trust_free;
    }
    size_t before = ((cred_tl *)t->tl)->n;
    rc = cred_tl_read(t->tl, buf, len, signers, now_ms, 0, inner, sizeof(inner));
    if (rc < 0) {
        snprintf(why, why_len, "%s: %s", path, inner);
        goto out;
    }
    t->tl_n += ((cred_tl *)t->tl)->n - before;
out:
    ERR_clear_error();
    if (f != NULL)
        fclose(f);
    BIO_free(bio);
    free(buf);
    sk_X509_pop_free(signers, X509_free);
    return rc;
}
