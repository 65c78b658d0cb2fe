/*
 * fuzz_vcjwt.c: libFuzzer harness for the VC-JWT parser (cred_vcjwt_parse and
 * cred_vcjwt_verify, cred/vcjwt.h).
 *
 * `recnetctl credential verify` takes a token from whoever presents a credential, so the parser
 * must survive any bytes. Beside not crashing, the harness checks that
 *  - cred_jws_looks_compact never says yes to bytes that hold no two dots;
 *  - a refused token gives one of the codes the header lists, and a NUL-terminated reason;
 *  - an accepted token has a header whose "alg" is RS256, ES256 or EdDSA, a payload object and
 *    a credential object, a signing input that is the token up to its second dot, and a digest
 *    that is BLAKE2b-256 of that signing input;
 *  - cred_vcjwt_verify against the fixture issuer's key (tests/fixtures/vcjwt/issuer.pub) returns 0
 *    or a refusal (RN_ESIG, RN_ELEN, RN_EINVAL for an alg that is not EdDSA), and a token with
 *    a flipped signature byte never verifies.
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

#include "cred/vcjwt.h"
#include "proto/entry.h"
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
    bool looks = cred_jws_looks_compact(data, size);
    if (looks) {
        size_t dots = 0;
        for (size_t i = 0; i < size; i++)
            dots += data[i] == '.';
        RN_ASSERT(dots == 2);
    }

    cred_vcjwt j;
    char why[256];
    why[0] = '\0';
    int rc = cred_vcjwt_parse((const char *)data, size, &j, why, sizeof(why));
    if (rc != 0) {
        RN_ASSERT(rc == RN_ETOOBIG || rc == RN_EMALFORMED || rc == RN_EINVAL || rc == RN_ELEN ||
                  rc == RN_ENOMEM);
        RN_ASSERT(memchr(why, '\0', sizeof(why)) != NULL);
        cred_vcjwt_free(&j);
        return;
    }
    RN_ASSERT(looks);
    RN_ASSERT(json_is_object(j.jws.header) && json_is_object(j.payload) && json_is_object(j.vc));
    RN_ASSERT(cred_alg_parse(json_string_value(json_object_get(j.jws.header, "alg"))) == j.jws.alg);
    RN_ASSERT(j.jws.alg != CRED_ALG_NONE);
    const char *text = j.jws.signing_input;
    RN_ASSERT(strlen(text) == j.jws.signing_len && memchr(text, '.', j.jws.signing_len) != NULL);
    RN_ASSERT(memchr(strchr(text, '.') + 1, '.', strlen(strchr(text, '.') + 1)) == NULL);
    uint8_t digest[CRED_DIGEST_BYTES];
    crypto_generichash(digest, sizeof(digest), (const uint8_t *)text, j.jws.signing_len, NULL, 0);
    uint8_t got[CRED_DIGEST_BYTES];
    cred_vcjwt_digest(&j, got);
    RN_ASSERT(memcmp(digest, got, sizeof(digest)) == 0);

    cred_key k;
    cred_key_ed25519(&k, pk);
    rc = cred_vcjwt_verify(&j, &k);
    RN_ASSERT(rc == 0 || rc == RN_ESIG || rc == RN_ELEN || rc == RN_EINVAL);
    RN_ASSERT(j.jws.alg == CRED_ALG_EDDSA || rc == RN_EINVAL);
    if (j.jws.sig_len > 0) {
        j.jws.sig[size % j.jws.sig_len] ^= 0x01;
        RN_ASSERT(cred_vcjwt_verify(&j, &k) != 0);
    }
    cred_vcjwt_free(&j);
}
