/*
 * cred_sign.h: test issuers for the cred tests: RSA-2048, P-256 and Ed25519 keys made with
 * libcrypto and libsodium, their JWKs and did:key forms, and compact JWS signing with any alg
 * over any header, so that a test can build exactly the token it means to refuse.
 *
 * Header-only (static functions) since each cred test is its own executable.
 */
#ifndef RN_TESTS_CRED_SIGN_H
#define RN_TESTS_CRED_SIGN_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "cred/codec.h"
#include "cred/key.h"

typedef struct test_issuer {
    cred_kty kty;
    EVP_PKEY *pkey; /* RSA, P-256 */
    uint8_t sk[64]; /* Ed25519 secret key (libsodium) */
    uint8_t pk[32]; /* Ed25519 public key */
} test_issuer;

static inline void test_issuer_make(test_issuer *t, cred_kty kty, uint8_t seed_byte)
{
    memset(t, 0, sizeof(*t));
    t->kty = kty;
    if (kty == CRED_KTY_RSA) {
        t->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    } else if (kty == CRED_KTY_P256) {
        t->pkey = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    } else {
        uint8_t seed[32];
        memset(seed, seed_byte, sizeof(seed));
        crypto_sign_seed_keypair(t->pk, t->sk, seed);
    }
    if (kty != CRED_KTY_ED25519 && t->pkey == NULL)
        abort();
}

static inline void test_issuer_free(test_issuer *t)
{
    EVP_PKEY_free(t->pkey);
    memset(t, 0, sizeof(*t));
}

static inline json_t *b64_str(const uint8_t *b, size_t n)
{
    char *s = cred_b64url_encode(b, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* The uncompressed P-256 point (65 bytes). */
static inline void p256_point(const test_issuer *t, uint8_t pt[65])
{
    size_t len = 0;
    if (EVP_PKEY_get_octet_string_param(t->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt, 65, &len) != 1 ||
        len != 65)
        abort();
}

/* The issuer's public key as a JWK (new reference). */
static inline json_t *test_issuer_jwk(const test_issuer *t)
{
    json_t *j = json_object();
    if (t->kty == CRED_KTY_RSA) {
        BIGNUM *n = NULL, *e = NULL;
        uint8_t nb[1024], eb[16];
        EVP_PKEY_get_bn_param(t->pkey, OSSL_PKEY_PARAM_RSA_N, &n);
        EVP_PKEY_get_bn_param(t->pkey, OSSL_PKEY_PARAM_RSA_E, &e);
        int nl = BN_bn2bin(n, nb), el = BN_bn2bin(e, eb);
        json_object_set_new(j, "kty", json_string("RSA"));
        json_object_set_new(j, "n", b64_str(nb, (size_t)nl));
        json_object_set_new(j, "e", b64_str(eb, (size_t)el));
        BN_free(n);
        BN_free(e);
    } else if (t->kty == CRED_KTY_P256) {
        uint8_t pt[65];
        p256_point(t, pt);
        json_object_set_new(j, "kty", json_string("EC"));
        json_object_set_new(j, "crv", json_string("P-256"));
        json_object_set_new(j, "x", b64_str(pt + 1, 32));
        json_object_set_new(j, "y", b64_str(pt + 33, 32));
    } else {
        json_object_set_new(j, "kty", json_string("OKP"));
        json_object_set_new(j, "crv", json_string("Ed25519"));
        json_object_set_new(j, "x", b64_str(t->pk, 32));
    }
    return j;
}

static const char TEST_B58[] = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

/* base58btc of in[0..n) into out (room for 2n + 2 characters). */
static inline void test_b58(const uint8_t *in, size_t n, char *out)
{
    uint8_t digits[2048];
    size_t len = 0, zeros = 0;
    while (zeros < n && in[zeros] == 0)
        zeros++;
    for (size_t i = zeros; i < n; i++) {
        unsigned carry = in[i];
        for (size_t k = 0; k < len; k++) {
            carry += (unsigned)digits[k] << 8;
            digits[k] = (uint8_t)(carry % 58u);
            carry /= 58u;
        }
        while (carry > 0) {
            digits[len++] = (uint8_t)(carry % 58u);
            carry /= 58u;
        }
    }
    size_t o = 0;
    for (size_t i = 0; i < zeros; i++)
        out[o++] = '1';
    for (size_t i = len; i-- > 0;)
        out[o++] = TEST_B58[digits[i]];
    out[o] = '\0';
}

/* The multibase multikey ("z6Mk...", "zDn...", "z4MX...") of the issuer's key into out. */
static inline void test_issuer_multikey(const test_issuer *t, char *out)
{
    uint8_t buf[1200];
    size_t n = 0;
    if (t->kty == CRED_KTY_ED25519) {
        buf[0] = 0xed;
        buf[1] = 0x01;
        memcpy(buf + 2, t->pk, 32);
        n = 34;
    } else if (t->kty == CRED_KTY_P256) {
        uint8_t pt[65];
        p256_point(t, pt);
        buf[0] = 0x80;
        buf[1] = 0x24;
        buf[2] = (uint8_t)(0x02 | (pt[64] & 1));
        memcpy(buf + 3, pt + 1, 32);
        n = 35;
    } else {
        unsigned char *der = NULL;
        int len = i2d_PublicKey(t->pkey, &der);
        buf[0] = 0x85;
        buf[1] = 0x24;
        memcpy(buf + 2, der, (size_t)len);
        n = 2 + (size_t)len;
        OPENSSL_free(der);
    }
    out[0] = 'z';
    test_b58(buf, n, out + 1);
}

/* Signs msg with the issuer's key for alg; *sig_len bytes into sig (room 1024). */
static inline void test_sign(const test_issuer *t, cred_alg alg, const uint8_t *msg, size_t len,
                             uint8_t *sig, size_t *sig_len)
{
    if (t->kty == CRED_KTY_ED25519) {
        unsigned long long sl;
        crypto_sign_detached(sig, &sl, msg, len, t->sk);
        *sig_len = (size_t)sl;
        return;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    uint8_t der[1024];
    size_t dl = sizeof(der);
    if (EVP_DigestSignInit(ctx, NULL, EVP_sha256(), NULL, t->pkey) != 1 ||
        EVP_DigestSign(ctx, der, &dl, msg, len) != 1)
        abort();
    EVP_MD_CTX_free(ctx);
    if (t->kty == CRED_KTY_P256 && alg == CRED_ALG_ES256) {
        const unsigned char *p = der;
        ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)dl);
        const BIGNUM *r, *s;
        ECDSA_SIG_get0(es, &r, &s);
        BN_bn2binpad(r, sig, 32);
        BN_bn2binpad(s, sig + 32, 32);
        ECDSA_SIG_free(es);
        *sig_len = 64;
    } else {
        memcpy(sig, der, dl);
        *sig_len = dl;
    }
}

/* A compact JWS of header and payload (both borrowed) signed by t as alg: a new string. */
static inline char *test_jws(const test_issuer *t, cred_alg alg, const json_t *header,
                             const json_t *payload)
{
    char *h = json_dumps(header, JSON_COMPACT), *p = json_dumps(payload, JSON_COMPACT);
    char *hb = cred_b64url_encode((const uint8_t *)h, strlen(h));
    char *pb = cred_b64url_encode((const uint8_t *)p, strlen(p));
    size_t in_len = strlen(hb) + 1 + strlen(pb);
    char *out = malloc(in_len + 1 + 2048);
    uint8_t sig[1024];
    size_t sig_len = 0;
    snprintf(out, in_len + 1, "%s.%s", hb, pb);
    test_sign(t, alg, (const uint8_t *)out, in_len, sig, &sig_len);
    char *sb = cred_b64url_encode(sig, sig_len);
    snprintf(out + in_len, 2048, ".%s", sb);
    free(h);
    free(p);
    free(hb);
    free(pb);
    free(sb);
    return out;
}

/* The same JWS in the JSON serialization with one signature, as JAdES seals are sent:
 * {"payload", "signatures": [{"protected", "signature"}]}. A new JSON object. */
static inline json_t *test_jws_as_json(const test_issuer *t, cred_alg alg, const json_t *header,
                                       const json_t *payload)
{
    char *c = test_jws(t, alg, header, payload);
    char *d1 = strchr(c, '.'), *d2 = strchr(d1 + 1, '.');
    *d1 = '\0';
    *d2 = '\0';
    json_t *out = json_pack("{s:s,s:[{s:s,s:s}]}", "payload", d1 + 1, "signatures", "protected", c,
                            "signature", d2 + 1);
    free(c);
    return out;
}

#endif /* RN_TESTS_CRED_SIGN_H */
