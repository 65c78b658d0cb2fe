/*
 * seal.c: sealed credentials: a JAdES signature in the JWS JSON serialization (the "payload" and
 * "signatures" of a sealed Europass European Digital Credential, ETSI TS 119 182-1). The seal is
 * verified against the certificate it carries (the protected header's "x5c", leaf first), the
 * certificate's subject and chain are reported, and the chain is checked against the trust
 * anchors the operator supplies (cred_trust: a PEM bundle, with libcrypto's X509_STORE, and the
 * services of eIDAS trusted lists the operator downloaded, tl.h). Nothing is fetched: no CRL, no
 * OCSP, no trusted list; the report says so.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <sodium.h>

#include "codec.h"
#include "cred.h"
#include "jws.h"

/* Certificates in one x5c: a leaf, intermediates, perhaps the root. */
#define X5C_MAX 8u

bool cred_seal_is(const json_t *doc)
{
    return json_is_object(doc) && json_object_get(doc, "payload") != NULL &&
           (json_object_get(doc, "signatures") != NULL ||
            json_object_get(doc, "signature") != NULL);
}

void cred_trust_init(cred_trust *t)
{
    memset(t, 0, sizeof(*t));
}

void cred_trust_free(cred_trust *t)
{
    X509_STORE_free((X509_STORE *)t->store);
    if (t->tl != NULL)
        t->tl_free(t->tl);
    memset(t, 0, sizeof(*t));
}

int cred_trust_load_pem(cred_trust *t, const char *path, char *why, size_t why_len)
{
    BIO *bio = BIO_new_file(path, "r");
    X509 *x;
    if (bio == NULL) {
        snprintf(why, why_len, "%s: cannot be read", path);
        ERR_clear_error();
        return RN_EIO;
    }
    if (t->store == NULL && (t->store = X509_STORE_new()) == NULL) {
        BIO_free(bio);
        return RN_ENOMEM;
    }
    size_t before = t->n;
    while ((x = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
        if (X509_STORE_add_cert((X509_STORE *)t->store, x) == 1)
            t->n++;
        X509_free(x);
    }
    ERR_clear_error();
    BIO_free(bio);
    if (t->n == before) {
        snprintf(why, why_len, "%s: no PEM certificate in it", path);
        return RN_EMALFORMED;
    }
    return 0;
}

/* One line naming a certificate: its subject (RFC 2253), truncated to fit. */
static void subject_of(X509 *x, char *out, size_t n)
{
    BIO *b = BIO_new(BIO_s_mem());
    out[0] = '\0';
    if (b == NULL)
        return;
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
    int len = BIO_read(b, out, (int)n - 1);
    out[len > 0 ? len : 0] = '\0';
    BIO_free(b);
}

/* The key of a certificate as a cred_key (RSA or P-256), or kty NONE. */
static void key_of(X509 *x, cred_key *k)
{
    memset(k, 0, sizeof(*k));
    EVP_PKEY *p = X509_get_pubkey(x);
    if (p == NULL)
        return;
    if (EVP_PKEY_is_a(p, "RSA")) {
        k->kty = CRED_KTY_RSA;
    } else if (EVP_PKEY_is_a(p, "EC")) {
        char group[32];
        size_t gl;
        if (EVP_PKEY_get_utf8_string_param(p, "group", group, sizeof(group), &gl) == 1 &&
            (strcmp(group, "prime256v1") == 0 || strcmp(group, "P-256") == 0))
            k->kty = CRED_KTY_P256;
    } else if (EVP_PKEY_is_a(p, "ED25519")) {
        size_t len = CRED_ED25519_BYTES;
        if (EVP_PKEY_get_raw_public_key(p, k->ed25519, &len) == 1 && len == CRED_ED25519_BYTES)
            k->kty = CRED_KTY_ED25519;
        EVP_PKEY_free(p);
        return;
    }
    if (k->kty == CRED_KTY_NONE)
        EVP_PKEY_free(p);
    else
        k->pkey = p;
}

int cred_seal_check(const json_t *doc, const cred_opts *o, cred_report *r, json_t **payload,
                    char *why, size_t why_len)
{
    cred_jws j;
    X509 *certs[X5C_MAX];
    size_t n = 0;
    json_error_t je;
    *payload = NULL;
    int rc = cred_jws_parse_json(doc, &j, why, why_len);
    if (rc < 0) {
        cred_jws_free(&j);
        return rc;
    }
    json_t *x5c = json_object_get(j.header, "x5c");
    if (!json_is_array(x5c) || json_array_size(x5c) == 0 || json_array_size(x5c) > X5C_MAX) {
        snprintf(why, why_len,
                 "the seal's protected header has no x5c of 1 to %u certificates: the signer "
                 "cannot be known",
                 X5C_MAX);
        cred_jws_free(&j);
        return RN_EKIND;
    }
    *payload = json_loadb((const char *)j.payload, j.payload_len, JSON_REJECT_DUPLICATES, &je);
    if (!json_is_object(*payload)) {
        json_decref(*payload);
        *payload = NULL;
        snprintf(why, why_len, "the sealed payload is not a JSON object");
        cred_jws_free(&j);
        return RN_EMALFORMED;
    }
    snprintf(r->form, sizeof(r->form), "sealed credential (JAdES, JWS JSON serialization, %s)",
             cred_alg_name(j.alg));
    cred_report_add(r, "format", CRED_PASS, "a JWS in JSON serialization with %zu certificate(s)",
                    json_array_size(x5c));
    for (size_t i = 0; i < json_array_size(x5c); i++) {
        const char *b = json_string_value(json_array_get(x5c, i));
        uint8_t der[16384];
        size_t dl = 0;
        const char *end;
        const unsigned char *p = der;
        /* x5c is standard base64 with padding (RFC 7515 section 4.1.6), not base64url. */
        if (b == NULL ||
            sodium_base642bin(der, sizeof(der), b, strlen(b), NULL, &dl, &end,
                              sodium_base64_VARIANT_ORIGINAL) != 0 ||
            *end != '\0' || (certs[n] = d2i_X509(NULL, &p, (long)dl)) == NULL || p != der + dl) {
            cred_report_add(r, "certificate", CRED_FAIL,
                            "x5c[%zu] is not a base64 DER X.509 certificate", i);
            ERR_clear_error();
            goto out;
        }
        n++;
    }
    char subj[CRED_REASON_BYTES / 2];
    subject_of(certs[0], subj, sizeof(subj));
    snprintf(r->sealer, sizeof(r->sealer), "%s", subj);
    /* x5t#S256, when present, must be the leaf's. */
    json_t *t = json_object_get(j.header, "x5t#S256");
    if (t != NULL) {
        unsigned char *der = NULL;
        int dl = i2d_X509(certs[0], &der);
        uint8_t h[32];
        unsigned hl = 0;
        char *want = NULL;
        if (dl > 0 && EVP_Digest(der, (size_t)dl, h, &hl, EVP_sha256(), NULL) == 1)
            want = cred_b64url_encode(h, hl);
        bool same = want != NULL && json_is_string(t) && strcmp(want, json_string_value(t)) == 0;
        cred_report_add(r, "x5t#S256", same ? CRED_PASS : CRED_FAIL, "%s",
                        same ? "the certificate's SHA-256 thumbprint"
                             : "x5t#S256 is not the thumbprint of the certificate x5c[0]");
        free(want);
        OPENSSL_free(der);
    }
    /* JAdES archive time-stamps (RFC 3161 tokens over the seal) would prove that it existed
     * while the certificate was valid; they are not verified here, so the certificate is
     * checked at the time asked, and the report says what was not checked. */
    json_t *ado = json_object_get(j.header, "adoTst");
    if (ado != NULL)
        cred_report_add(r, "archive time-stamp", CRED_NOT_CHECKED,
                        "the seal carries JAdES archive time-stamp tokens (adoTst), which are not "
                        "verified here: the certificate is checked at the time asked%s",
                        j.unencoded ? "; the payload is unencoded (RFC 7797)" : "");
    time_t now = (time_t)(o->now_ms / 1000u);
    bool in_time = X509_cmp_time(X509_get0_notBefore(certs[0]), &now) < 0 &&
                   X509_cmp_time(X509_get0_notAfter(certs[0]), &now) > 0;
    cred_report_add(r, "certificate", in_time ? CRED_PASS : CRED_FAIL, "%s: %s",
                    in_time ? "valid at the time checked" : "NOT valid at the time checked", subj);
    cred_key k;
    key_of(certs[0], &k);
    if (k.kty == CRED_KTY_NONE) {
        cred_report_add(r, "seal", CRED_FAIL,
                        "the certificate's key is of a type not accepted (RSA, P-256, Ed25519)");
    } else {
        int v = cred_jws_verify(&j, &k);
        cred_report_add(r, "seal", v == 0 ? CRED_PASS : CRED_FAIL, "%s",
                        v == 0           ? "the seal verifies with the certificate's key"
                        : v == RN_EINVAL ? "algorithm confusion: the alg is not the certificate "
                                           "key's"
                                         : "the seal does not verify with the certificate's key");
        if (v == 0) {
            /* The key that verified, for a verifier that matches it to a registered key. */
            cred_key_free(&r->key);
            r->key = k;
            memset(&k, 0, sizeof(k));
        }
    }
    cred_key_free(&k);
    /* The chain, against the operator's trust anchors. */
    if (o->trust == NULL || (o->trust->store == NULL && o->trust->tl == NULL)) {
        cred_report_add(r, "chain", CRED_NOT_CHECKED,
                        "%zu certificate(s) carried; no trust anchors supplied (--trust, "
                        "--trust-list)",
                        n);
    } else {
        X509_STORE_CTX *ctx = X509_STORE_CTX_new();
        STACK_OF(X509) *untrusted = sk_X509_new_null();
        bool ok = false;
        char err[160] = "out of memory", anchor[CRED_REASON_BYTES / 2] = "";
        for (size_t i = 1; untrusted != NULL && i < n; i++)
            sk_X509_push(untrusted, certs[i]);
        if (ctx != NULL && untrusted != NULL && o->trust->store != NULL &&
            X509_STORE_CTX_init(ctx, (X509_STORE *)o->trust->store, certs[0], untrusted) == 1) {
            X509_STORE_CTX_set_time(ctx, 0, now);
            ok = X509_verify_cert(ctx) == 1;
            if (ok) {
                STACK_OF(X509) *chain = X509_STORE_CTX_get0_chain(ctx);
                subject_of(sk_X509_value(chain, sk_X509_num(chain) - 1), anchor, sizeof(anchor));
            } else {
                snprintf(err, sizeof(err), "%s",
                         X509_verify_cert_error_string(X509_STORE_CTX_get_error(ctx)));
            }
        }
        if (!ok && o->trust->tl != NULL && untrusted != NULL) {
            /* Not to a PEM anchor: to a service of the trusted lists (tl.c), which names it. */
            char tl_reason[CRED_REASON_BYTES];
            cred_result tr = o->trust->tl_chain(o->trust->tl, certs[0], untrusted, o->now_ms,
                                                tl_reason, sizeof(tl_reason));
            cred_report_add(r, "chain", tr, "%s%s%s", tl_reason,
                            tr == CRED_FAIL && o->trust->store != NULL ? "; nor to --trust: " : "",
                            tr == CRED_FAIL && o->trust->store != NULL ? err : "");
        } else
            cred_report_add(r, "chain", ok ? CRED_PASS : CRED_FAIL, "%s%s (revocation not checked)",
                            ok ? "to the trust anchor " : "does not chain to a trust anchor: ",
                            ok ? anchor : err);
        sk_X509_free(untrusted);
        X509_STORE_CTX_free(ctx);
        ERR_clear_error();
    }
    cred_report_add(r, "issuer key", CRED_NOT_CHECKED,
                    "the seal is by %s; whether that is the credential's issuer is the "
                    "certificate's and the trusted list's to say",
                    subj);
out:
    for (size_t i = 0; i < n; i++)
        X509_free(certs[i]);
    cred_jws_free(&j);
    return 0;
}
