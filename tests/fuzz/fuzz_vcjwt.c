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
 * An input that starts with '{' is two JSON texts, the header up to the first newline and the
 * payload after it, which the harness encodes into a token (with a signature of zeros), so that
 * the fuzzer reaches the checks of the header and the payload without having to find base64url.
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

/* Appends the base64url of b[0..n) to out at *len (room checked by the caller). */
static void b64url(char *out, size_t *len, const uint8_t *b, size_t n)
{
    size_t room = sodium_base64_ENCODED_LEN(n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    sodium_bin2base64(out + *len, room, b, n, sodium_base64_VARIANT_URLSAFE_NO_PADDING);
    *len += strlen(out + *len);
}

static void check_token(const uint8_t *data, size_t size, const uint8_t pk[PROTO_KEY_BYTES]);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static bool ready;
    static uint8_t pk[PROTO_KEY_BYTES];
    static char token[3 * 65536];
    if (!ready) {
        RN_ASSERT(sodium_init() >= 0);
        RN_ASSERT(proto_key_text_parse(ISSUER, strlen(ISSUER), pk) == 0);
        ready = true;
    }
    if (size > 0 && data[0] == '{' && size < 65536) {
        static const uint8_t zeros[PROTO_SIG_BYTES];
        const uint8_t *nl = memchr(data, '\n', size);
        size_t hlen = nl != NULL ? (size_t)(nl - data) : size;
        size_t plen = nl != NULL ? size - hlen - 1 : 0;
        size_t len = 0;
        b64url(token, &len, data, hlen);
        token[len++] = '.';
        b64url(token, &len, nl != NULL ? nl + 1 : data, plen);
        token[len++] = '.';
        b64url(token, &len, zeros, sizeof(zeros));
        check_token((const uint8_t *)token, len, pk);
    }
    check_token(data, size, pk);
    return 0;
}

static void check_token(const uint8_t *data, size_t size, const uint8_t pk[PROTO_KEY_BYTES])
{
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
        return;
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
}
