/*
 * fuzz_vcjwt.c: libFuzzer harness for the VC-JWT parser (vcjwt_parse and vcjwt_verify,
 * cli/vcjwt.h).
 *
 * `recnetctl credential verify` takes a token from whoever presents a credential, so the parser
 * must survive any bytes. Beside not crashing, the harness checks that
 *  - vcjwt_looks_like never says yes to bytes that hold no two dots;
 *  - a refused token gives one of the codes the header lists, and a NUL-terminated reason;
 *  - an accepted token has a header whose "alg" is "EdDSA", a payload object and a credential
 *    object, a signing input that is the token up to its second dot, and a digest that is
 *    BLAKE2b-256 of that signing input;
 *  - vcjwt_verify against the fixture issuer's key (tests/fixtures/vcjwt/issuer.pub) returns 0
 *    or RN_ESIG, and a token with a flipped signature byte never verifies.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cli/vcjwt.h"
#include "proto/key.h"

#define ISSUER "rn1:5o5O+U6yUUqZuuq8Jam1mECWqXFeyAicr7lvBcFm2Y0="

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static uint8_t pk[PROTO_KEY_BYTES];
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        RN_ASSERT(proto_key_text_parse(ISSUER, strlen(ISSUER), pk) == 0);
        ready = true;
    }
    bool looks = vcjwt_looks_like(data, size);
    if (looks) {
        size_t dots = 0;
        for (size_t i = 0; i < size; i++)
            dots += data[i] == '.';
        RN_ASSERT(dots == 2);
    }

    vcjwt j;
    char why[256];
    why[0] = '\0';
    int rc = vcjwt_parse((const char *)data, size, &j, why, sizeof(why));
    if (rc != 0) {
        RN_ASSERT(rc == RN_ETOOBIG || rc == RN_EMALFORMED || rc == RN_EINVAL || rc == RN_ELEN ||
                  rc == RN_ENOMEM);
        RN_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
        vcjwt_free(&j);
        return 0;
    }
    RN_ASSERT(json_is_object(j.header) && json_is_object(j.payload) && json_is_object(j.vc));
    RN_ASSERT(strcmp(json_string_value(json_object_get(j.header, "alg")), "EdDSA") == 0);
    RN_ASSERT(json_object_get(j.header, "crit") == NULL);
    size_t tlen = strlen(j.text);
    RN_ASSERT(j.signing_len < tlen && j.text[j.signing_len] == '.');
    RN_ASSERT(memchr(j.text, '.', j.signing_len) != NULL);
    RN_ASSERT(memchr(j.text + j.signing_len + 1, '.', tlen - j.signing_len - 1) == NULL);
    uint8_t digest[PROTO_DIGEST_BYTES];
    crypto_generichash(digest, sizeof(digest), (const uint8_t *)j.text, j.signing_len, NULL, 0);
    RN_ASSERT(memcmp(digest, j.digest, sizeof(digest)) == 0);

    rc = vcjwt_verify(&j, pk);
    RN_ASSERT(rc == 0 || rc == RN_ESIG);
    j.sig[size % PROTO_SIG_BYTES] ^= 0x01;
    RN_ASSERT(vcjwt_verify(&j, pk) == RN_ESIG);
    vcjwt_free(&j);
    return 0;
}
