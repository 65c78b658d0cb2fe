/*
 * fuzz_jwk.c: libFuzzer harness for public keys from JWKs and multibase multikeys
 * (cred_key_from_jwk, cred_key_from_multibase, cred/key.h).
 *
 * Keys come from token headers, did:jwk identifiers and documents people supply. An input that
 * is a JSON object is read as a JWK, anything else as multibase text. Beside not crashing:
 *  - a refused key gives one of the codes the header lists and a NUL-terminated reason;
 *  - an accepted key has a type, equals itself and a copy of itself, and its one algorithm is
 *    the only one cred_key_verify will try (every other alg is RN_EINVAL); a signature of zeros
 *    never verifies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cred/key.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static uint8_t zeros[1024];
    char why[256];
    cred_key k;
    int rc;
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        ready = true;
    }
    why[0] = '\0';
    json_t *o = json_loadb((const char *)data, size, 0, NULL);
    if (json_is_object(o))
        rc = cred_key_from_jwk(o, &k, why, sizeof(why));
    else
        rc = cred_key_from_multibase((const char *)data, size, &k, why, sizeof(why));
    json_decref(o);
    RN_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
    if (rc != 0) {
        RN_ASSERT(rc == RN_ETYPE || rc == RN_EMISSING || rc == RN_EKEY || rc == RN_EMALFORMED ||
                  rc == RN_ENOMEM);
        return 0;
    }
    RN_ASSERT(k.kty == CRED_KTY_RSA || k.kty == CRED_KTY_P256 || k.kty == CRED_KTY_ED25519);
    RN_ASSERT(cred_key_equal(&k, &k));
    cred_key c;
    RN_ASSERT(cred_key_copy(&c, &k) == 0);
    RN_ASSERT(cred_key_equal(&k, &c));
    cred_key_free(&c);
    const uint8_t msg[] = "header.payload";
    for (int a = CRED_ALG_NONE; a <= CRED_ALG_EDDSA; a++) {
        int v = cred_key_verify(&k, (cred_alg)a, msg, sizeof(msg) - 1, zeros, 64);
        if ((cred_alg)a != cred_kty_alg(k.kty))
            RN_ASSERT(v == RN_EINVAL);
        else
            RN_ASSERT(v == RN_ESIG || v == RN_ELEN);
    }
    cred_key_free(&k);
    return 0;
}
