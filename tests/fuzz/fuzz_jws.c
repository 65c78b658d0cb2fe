/*
 * fuzz_jws.c: libFuzzer harness for JWS parsing in both serializations and for the credential
 * pipeline behind it (cred/jws.h, cred/cred.h).
 *
 * `recnetctl credential check` and the gateway read whatever a learner or a stranger hands over.
 * Each input goes three ways:
 *  - cred_jws_parse_compact: refused with one of the codes the header lists and a NUL-terminated
 *    reason, or accepted with an alg that is RS256, ES256 or EdDSA, a signing input that is the
 *    token up to its second dot, and a signature that verifies against no key of another type
 *    (RN_EINVAL) and never after one of its bytes is flipped;
 *  - when it is a JSON object, cred_jws_parse_json with the same promises;
 *  - cred_check_buf against a fixed documents set and status list: a report whose counts add up
 *    (failed and not checked among the checks made), every reason NUL-terminated.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cred/cred.h"
#include "cred/jws.h"

static void jws_promises(int rc, cred_jws *j, const char *why, size_t why_len)
{
    static const uint8_t seed[32] = { 7 };
    static uint8_t pk[32], sk[64];
    static bool ready;
    if (!ready) {
        crypto_sign_seed_keypair(pk, sk, seed);
        ready = true;
    }
    RN_ASSERT(memchr(why, '\0', why_len) != NULL);
    if (rc != 0) {
        RN_ASSERT(rc == RN_ETOOBIG || rc == RN_EMALFORMED || rc == RN_EINVAL || rc == RN_ECOUNT ||
                  rc == RN_ENOMEM);
        return;
    }
    RN_ASSERT(j->alg == CRED_ALG_RS256 || j->alg == CRED_ALG_ES256 || j->alg == CRED_ALG_EDDSA);
    RN_ASSERT(json_is_object(j->header));
    RN_ASSERT(strlen(j->signing_input) == j->signing_len);
    RN_ASSERT(memchr(j->signing_input, '.', j->signing_len) != NULL);
    cred_key k;
    cred_key_ed25519(&k, pk);
    int v = cred_jws_verify(j, &k);
    RN_ASSERT(v == 0 || v == RN_ESIG || v == RN_ELEN || v == RN_EINVAL);
    RN_ASSERT(j->alg == CRED_ALG_EDDSA || v == RN_EINVAL);
    if (j->sig_len > 0) {
        j->sig[j->sig_len / 2] ^= 0x01;
        RN_ASSERT(cred_jws_verify(j, &k) != 0);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static cred_docs docs;
    static json_t *list;
    char why[256];
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        cred_docs_init(&docs);
        json_t *d = json_pack("{s:s,s:[{s:s,s:s}]}", "id", "did:web:example.com",
                              "verificationMethod", "id", "#k", "publicKeyMultibase",
                              "z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi");
        RN_ASSERT(cred_docs_add(&docs, d, NULL, 0) == 0);
        json_decref(d);
        list = json_pack("{s:s,s:s,s:{s:s,s:s}}", "id", "https://example.com/status/1", "issuer",
                         "did:web:example.com", "credentialSubject", "statusPurpose", "revocation",
                         "encodedList",
                         "uH4sIAAAAAAAA_-3BMQEAAAzDoMy_6cnoA9QFAAAAAAAAAAAAAAAAAAAAbD3uPa2cAEAAAA");
        ready = true;
    }

    cred_jws j;
    why[0] = '\0';
    int rc = cred_jws_parse_compact((const char *)data, size, &j, why, sizeof(why));
    jws_promises(rc, &j, why, sizeof(why));
    cred_jws_free(&j);

    json_t *o = json_loadb((const char *)data, size, 0, NULL);
    if (json_is_object(o)) {
        why[0] = '\0';
        rc = cred_jws_parse_json(o, &j, why, sizeof(why));
        jws_promises(rc, &j, why, sizeof(why));
        RN_ASSERT(rc != 0 || j.json_form);
        cred_jws_free(&j);
    }
    json_decref(o);

    cred_opts opts;
    cred_report r;
    memset(&opts, 0, sizeof(opts));
    opts.docs = &docs;
    opts.status_list = list;
    opts.now_ms = 1767225600000ull;
    why[0] = '\0';
    rc = cred_check_buf(data, size, &opts, &r, why, sizeof(why));
    if (rc != 0) {
        RN_ASSERT(rc == RN_ETOOBIG || rc == RN_EMALFORMED || rc == RN_EINVAL || rc == RN_EKIND ||
                  rc == RN_ENOMEM || rc == RN_ECOUNT);
        RN_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    } else {
        size_t failed = 0, not_checked = 0;
        for (size_t i = 0; i < r.n; i++) {
            RN_ASSERT(memchr(r.checks[i].reason, '\0', CRED_REASON_BYTES) != NULL);
            failed += r.checks[i].result == CRED_FAIL;
            not_checked += r.checks[i].result == CRED_NOT_CHECKED;
        }
        RN_ASSERT(r.dropped > 0 || (failed == r.failed && not_checked == r.not_checked));
        RN_ASSERT(r.credential != NULL);
    }
    cred_report_free(&r);
    return 0;
}
