/*
 * fuzz_tl.c: libFuzzer harness for the eIDAS trusted list reader (cred_tl_read, cred/tl.c).
 *
 * A trusted list is a file the operator downloads, so its bytes are anyone's until its signature
 * is verified; the XML parser (libxml2, no DTD) and the signature's processing (xmlsec1) both see
 * them first. The input is read twice:
 *   - with CRED_TL_UNVERIFIED and the time 0, so that the parser, the scheme information and the
 *     services are reached whatever the signature: an accepted list has services within their
 *     bounds, each with a certificate, a country of two capitals and periods in ascending order;
 *     a chain check of a fixed certificate against it gives a terminated reason, and a pass only
 *     naming a trust service provider;
 *   - with a signer whose key no input holds (a P-256 key made once): never accepted, and every
 *     refusal is a listed code with a reason.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "cred/tl.h"

static X509 *self_signed(void)
{
    EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    X509 *x = X509_new();
    RN_ASSERT(k != NULL && x != NULL);
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -86400);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650);
    X509_set_pubkey(x, k);
    X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
                               (const unsigned char *)"fuzz signer", -1, -1, 0);
    X509_set_issuer_name(x, X509_get_subject_name(x));
    RN_ASSERT(X509_sign(x, k, EVP_sha256()) > 0);
    EVP_PKEY_free(k);
    return x;
}

static bool refusal(int rc)
{
    return rc == RN_ETOOBIG || rc == RN_EMALFORMED || rc == RN_EKIND || rc == RN_EVERSION ||
           rc == RN_EMISSING || rc == RN_ESIG || rc == RN_ETIME || rc == RN_ENOMEM;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static STACK_OF(X509) * signers;
    static X509 *leaf;
    if (signers == NULL) {
        signers = sk_X509_new_null();
        RN_ASSERT(signers != NULL && sk_X509_push(signers, self_signed()) == 1);
        leaf = self_signed();
    }
    char why[CRED_REASON_BYTES];
    cred_tl tl;
    cred_tl_init(&tl);
    int rc = cred_tl_read(&tl, data, size, NULL, 0, CRED_TL_UNVERIFIED, why, sizeof(why));
    RN_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    if (rc == 0) {
        RN_ASSERT(tl.lists == 1 && tl.n <= CRED_TL_SERVICES_MAX);
        for (size_t i = 0; i < tl.n; i++) {
            const cred_tl_service *s = &tl.svc[i];
            RN_ASSERT(s->certs != NULL && sk_X509_num((STACK_OF(X509) *)s->certs) >= 1 &&
                      sk_X509_num((STACK_OF(X509) *)s->certs) <= (int)CRED_TL_CERTS_MAX);
            RN_ASSERT(strlen(s->country) == 2 && s->country[0] >= 'A' && s->country[0] <= 'Z');
            RN_ASSERT(s->periods_n >= 1 && s->periods_n <= CRED_TL_PERIODS_MAX);
            for (size_t k = 1; k < s->periods_n; k++)
                RN_ASSERT(s->periods[k - 1].from_ms <= s->periods[k].from_ms);
        }
        char reason[CRED_REASON_BYTES];
        cred_result r = cred_tl_chain(&tl, leaf, NULL, 1700000000000ull, reason, sizeof(reason));
        RN_ASSERT(memchr(reason, '\0', sizeof(reason)) != NULL);
        RN_ASSERT(r != CRED_PASS || strstr(reason, "trust service provider") != NULL);
    } else {
        RN_ASSERT(refusal(rc) && why[0] != '\0');
        RN_ASSERT(tl.n == 0);
    }
    cred_tl_free(&tl);
    /* Verified: no input is signed with the fuzz signer's key. */
    cred_tl_init(&tl);
    rc = cred_tl_read(&tl, data, size, signers, 0, 0, why, sizeof(why));
    RN_ASSERT(rc != 0 && refusal(rc) && why[0] != '\0' && tl.n == 0);
    cred_tl_free(&tl);
    return 0;
}
