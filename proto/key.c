/*
 * key.c: the textual public key and the secret key file (see key.h for both formats).
 *
 * Base64 goes through libsodium (sodium_bin2base64 / sodium_base642bin, standard alphabet with
 * padding), whose decoder runs in constant time, which matters for the seed. Strictness comes
 * from one rule rather than a list of special cases: decode, re-encode, and require the input to
 * be exactly the re-encoding. That refuses missing or extra padding, whitespace, non-zero padding
 * bits and trailing bytes alike. Parsing a key file is rare (once at start-up), so clarity wins
 * over speed here.
 */
#include "key.h"

#include <string.h>

#include <sodium.h>

#define B64_VARIANT sodium_base64_VARIANT_ORIGINAL

static_assert(sodium_base64_ENCODED_LEN(PROTO_KEY_BYTES, B64_VARIANT) == PROTO_KEY_B64_LEN + 1,
              "a 32-byte key is 44 base64 characters");
static_assert(PROTO_SEED_BYTES == crypto_sign_SEEDBYTES, "seed size");
static_assert(PROTO_KEY_BYTES == crypto_sign_PUBLICKEYBYTES, "public key size");
static_assert(PROTO_SK_BYTES == crypto_sign_SECRETKEYBYTES, "secret key size");
static_assert(PROTO_KEY_FILE_LEN < PROTO_KEY_FILE_BYTES_MAX, "a key file fits its bound");

/*
 * Decodes exactly 32 bytes from the 44-character base64 s[0..len), accepting only the canonical
 * spelling. Returns 0 or -1. `out` is wiped on failure (it may be a seed).
 */
static int b64_decode32(const char *s, size_t len, uint8_t out[32])
{
    char again[PROTO_KEY_B64_LEN + 1];
    size_t n = 0;
    const char *end = NULL;
    int rc = -1;

    if (len != PROTO_KEY_B64_LEN)
        goto out;
    if (sodium_base642bin(out, 32, s, len, NULL, &n, &end, B64_VARIANT) != 0 || n != 32 ||
        end != s + len)
        goto out;
    sodium_bin2base64(again, sizeof(again), out, 32, B64_VARIANT);
    if (memcmp(again, s, len) != 0)
        goto out;
    rc = 0;
out:
    if (rc != 0)
        sodium_memzero(out, 32);
    sodium_memzero(again, sizeof(again));
    return rc;
}

void proto_key_text_format(const uint8_t pk[PROTO_KEY_BYTES], char out[PROTO_KEY_TEXT_LEN + 1])
{
    memcpy(out, PROTO_KEY_TEXT_PREFIX, PROTO_KEY_TEXT_PREFIX_LEN);
    sodium_bin2base64(out + PROTO_KEY_TEXT_PREFIX_LEN, PROTO_KEY_B64_LEN + 1, pk, PROTO_KEY_BYTES,
                      B64_VARIANT);
    RN_ASSERT(strlen(out) == PROTO_KEY_TEXT_LEN);
}

int proto_key_text_parse(const char *s, size_t len, uint8_t pk[PROTO_KEY_BYTES])
{
    if (len != PROTO_KEY_TEXT_LEN || memcmp(s, PROTO_KEY_TEXT_PREFIX, PROTO_KEY_TEXT_PREFIX_LEN))
        return RN_EKEY;
    if (b64_decode32(s + PROTO_KEY_TEXT_PREFIX_LEN, len - PROTO_KEY_TEXT_PREFIX_LEN, pk) != 0)
        return RN_EKEY;
    if (!crypto_core_ed25519_is_valid_point(pk))
        return RN_EKEY;
    return 0;
}

void proto_key_sk_derive(const uint8_t seed[PROTO_SEED_BYTES], uint8_t sk[PROTO_SK_BYTES],
                         uint8_t pk[PROTO_KEY_BYTES])
{
    uint8_t pk_local[PROTO_KEY_BYTES];
    crypto_sign_seed_keypair(pk_local, sk, seed);
    if (pk != NULL)
        memcpy(pk, pk_local, PROTO_KEY_BYTES);
}

void proto_key_file_format(const uint8_t seed[PROTO_SEED_BYTES], char out[PROTO_KEY_FILE_LEN + 1])
{
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t pk[PROTO_KEY_BYTES];
    char *p = out;

    proto_key_sk_derive(seed, sk, pk);
    sodium_memzero(sk, sizeof(sk));

    memcpy(p, PROTO_KEY_FILE_COMMENT "\nsecret: ", sizeof(PROTO_KEY_FILE_COMMENT) + 8);
    p += sizeof(PROTO_KEY_FILE_COMMENT) + 8;
    sodium_bin2base64(p, PROTO_KEY_B64_LEN + 1, seed, PROTO_SEED_BYTES, B64_VARIANT);
    p += PROTO_KEY_B64_LEN;
    memcpy(p, "\npublic: ", 9);
    p += 9;
    proto_key_text_format(pk, p);
    p += PROTO_KEY_TEXT_LEN;
    *p++ = '\n';
    *p = '\0';
    RN_ASSERT((size_t)(p - out) == PROTO_KEY_FILE_LEN);
}

/* Records a key file error on line `line` (1-based). */
static int fail_line(rn_diag *d, const char *field, size_t line)
{
    rn_fail(d, RN_EKEYFILE, field);
    if (d != NULL)
        d->index = (unsigned)line;
    return RN_EKEYFILE;
}

int proto_key_file_parse(const char *buf, size_t len, uint8_t seed[PROTO_SEED_BYTES],
                         uint8_t pk[PROTO_KEY_BYTES], rn_diag *d)
{
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t derived[PROTO_KEY_BYTES];
    size_t line = 0, seed_line = 0, pk_line = 0;
    const char *p = buf, *end = buf + len;
    int rc = 0;

    if (len > PROTO_KEY_FILE_BYTES_MAX) {
        rc = rn_fail(d, RN_ETOOBIG, "keyfile");
        goto out;
    }
    if (memchr(buf, '\0', len) != NULL) {
        rc = rn_fail(d, RN_EKEYFILE, "keyfile");
        goto out;
    }
    while (p < end) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        const char *eol = nl != NULL ? nl : end;
        size_t n = (size_t)(eol - p);
        line++;
        if (n == 0 || p[0] == '#') {
            /* A blank line or a comment. */
        } else if (n >= 8 && memcmp(p, "secret: ", 8) == 0) {
            if (seed_line != 0 || b64_decode32(p + 8, n - 8, seed) != 0) {
                rc = fail_line(d, "keyfile.secret", line);
                goto out;
            }
            seed_line = line;
        } else if (n >= 8 && memcmp(p, "public: ", 8) == 0) {
            if (pk_line != 0 || proto_key_text_parse(p + 8, n - 8, pk) != 0) {
                rc = fail_line(d, "keyfile.public", line);
                goto out;
            }
            pk_line = line;
        } else {
            rc = fail_line(d, "keyfile.line", line);
            goto out;
        }
        p = nl != NULL ? nl + 1 : end;
    }
    if (seed_line == 0) {
        rc = rn_fail(d, RN_EKEYFILE, "keyfile.secret");
        goto out;
    }
    if (pk_line == 0) {
        rc = rn_fail(d, RN_EKEYFILE, "keyfile.public");
        goto out;
    }
    proto_key_sk_derive(seed, sk, derived);
    if (sodium_memcmp(derived, pk, PROTO_KEY_BYTES) != 0) {
        rc = fail_line(d, "keyfile.public", pk_line);
        goto out;
    }
out:
    sodium_memzero(sk, sizeof(sk));
    if (rc != 0) {
        sodium_memzero(seed, PROTO_SEED_BYTES);
        sodium_memzero(pk, PROTO_KEY_BYTES);
    }
    return rc;
}
