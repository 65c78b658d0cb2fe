/*
 * key.c: public keys from JWKs and multicodec bytes, and signature verification (key.h). RSA and
 * P-256 keys are built through OpenSSL 3's EVP_PKEY_fromdata, so that libcrypto checks what it
 * is given (a point on the curve, a modulus it can use); Ed25519 keys stay 32 bytes for
 * libsodium.
 */
#include "key.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <sodium.h>

#include "codec.h"

/* Multicodec codes of the public key types (the multicodec table). */
#define MC_ED25519_PUB 0xedu
#define MC_P256_PUB    0x1200u
#define MC_RSA_PUB     0x1205u

/* The largest multicodec key: an RSA-8192 public key in PKCS#1 DER is about 1,050 bytes. */
#define MC_KEY_BYTES_MAX 1100u

__attribute__((format(printf, 4, 5))) static int fail(int code, char *why, size_t why_len,
                                                      const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (why != NULL && why_len > 0)
        vsnprintf(why, why_len, fmt, ap);
    va_end(ap);
    return code;
}

const char *cred_alg_name(cred_alg alg)
{
    switch (alg) {
    case CRED_ALG_RS256:
        return "RS256";
    case CRED_ALG_ES256:
        return "ES256";
    case CRED_ALG_EDDSA:
        return "EdDSA";
    case CRED_ALG_NONE:
    default:
        return "none";
    }
}

const char *cred_kty_name(cred_kty kty)
{
    switch (kty) {
    case CRED_KTY_RSA:
        return "RSA";
    case CRED_KTY_P256:
        return "EC P-256";
    case CRED_KTY_ED25519:
        return "Ed25519";
    case CRED_KTY_NONE:
    default:
        return "none";
    }
}

cred_alg cred_alg_parse(const char *name)
{
    if (name == NULL)
        return CRED_ALG_NONE;
    if (strcmp(name, "RS256") == 0)
        return CRED_ALG_RS256;
    if (strcmp(name, "ES256") == 0)
        return CRED_ALG_ES256;
    if (strcmp(name, "EdDSA") == 0)
        return CRED_ALG_EDDSA;
    return CRED_ALG_NONE;
}

cred_alg cred_kty_alg(cred_kty kty)
{
    switch (kty) {
    case CRED_KTY_RSA:
        return CRED_ALG_RS256;
    case CRED_KTY_P256:
        return CRED_ALG_ES256;
    case CRED_KTY_ED25519:
        return CRED_ALG_EDDSA;
    case CRED_KTY_NONE:
    default:
        return CRED_ALG_NONE;
    }
}

void cred_key_ed25519(cred_key *k, const uint8_t pk[CRED_ED25519_BYTES])
{
    memset(k, 0, sizeof(*k));
    k->kty = CRED_KTY_ED25519;
    memcpy(k->ed25519, pk, CRED_ED25519_BYTES);
}

/* A JWK member as decoded base64url; RN_EMISSING, RN_ETYPE, RN_EMALFORMED or RN_ENOMEM. */
static int member(const json_t *jwk, const char *name, uint8_t **out, size_t *len, char *why,
                  size_t why_len)
{
    json_t *v = json_object_get(jwk, name);
    *out = NULL;
    if (v == NULL)
        return fail(RN_EMISSING, why, why_len, "the JWK has no \"%s\"", name);
    if (!json_is_string(v))
        return fail(RN_ETYPE, why, why_len, "the JWK's \"%s\" is not a string", name);
    int rc = cred_b64url_decode(json_string_value(v), json_string_length(v), out, len);
    if (rc == RN_ENOMEM)
        return rc;
    if (rc < 0)
        return fail(RN_EMALFORMED, why, why_len, "the JWK's \"%s\" is not base64url", name);
    return 0;
}

static const char *str(const json_t *o, const char *name)
{
    return json_string_value(json_object_get(o, name));
}

/* An EVP_PKEY of `type` ("RSA", "EC") from params; NULL when libcrypto refuses them. */
static EVP_PKEY *from_params(const char *type, OSSL_PARAM *params)
{
    EVP_PKEY *pkey = NULL;
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_name(NULL, type, NULL);
    if (ctx == NULL)
        return NULL;
    if (EVP_PKEY_fromdata_init(ctx) <= 0 ||
        EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) <= 0)
        pkey = NULL;
    EVP_PKEY_CTX_free(ctx);
    return pkey;
}

/* Refuses an RSA key outside the bounds, and an EC key whose point is not on the curve. The quick
 * check (on the curve, not the point at infinity) is the whole check for P-256, whose cofactor is
 * 1; the full one multiplies by the order, which costs as much as a verification. */
static int check_pkey(EVP_PKEY *pkey, cred_kty kty, char *why, size_t why_len)
{
    if (kty == CRED_KTY_RSA) {
        int bits = EVP_PKEY_get_bits(pkey);
        if (bits < (int)CRED_RSA_BITS_MIN || bits > (int)CRED_RSA_BITS_MAX)
            return fail(RN_EKEY, why, why_len, "an RSA key of %d bits (accepted: %u to %u)", bits,
                        CRED_RSA_BITS_MIN, CRED_RSA_BITS_MAX);
        return 0;
    }
    EVP_PKEY_CTX *ctx = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL);
    int ok = ctx != NULL && EVP_PKEY_public_check_quick(ctx) == 1;
    EVP_PKEY_CTX_free(ctx);
    return ok ? 0 : fail(RN_EKEY, why, why_len, "the EC point is not on the curve P-256");
}

static int rsa_from_ne(const uint8_t *n, size_t n_len, const uint8_t *e, size_t e_len, cred_key *k,
                       char *why, size_t why_len)
{
    int rc = RN_ENOMEM;
    BIGNUM *bn = BN_bin2bn(n, (int)n_len, NULL), *be = BN_bin2bn(e, (int)e_len, NULL);
    OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
    OSSL_PARAM *params = NULL;
    EVP_PKEY *pkey = NULL;
    if (bn == NULL || be == NULL || bld == NULL ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, bn) ||
        !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
        (params = OSSL_PARAM_BLD_to_param(bld)) == NULL)
        goto out;
    if (BN_is_zero(be) || !BN_is_odd(be) || BN_num_bits(be) > 64 ||
        (pkey = from_params("RSA", params)) == NULL) {
        rc = fail(RN_EKEY, why, why_len, "the RSA modulus or exponent is not usable");
        goto out;
    }
    if ((rc = check_pkey(pkey, CRED_KTY_RSA, why, why_len)) < 0)
        goto out;
    memset(k, 0, sizeof(*k));
    k->kty = CRED_KTY_RSA;
    k->pkey = pkey;
    pkey = NULL;
    rc = 0;
out:
    EVP_PKEY_free(pkey);
    OSSL_PARAM_free(params);
    OSSL_PARAM_BLD_free(bld);
    BN_free(bn);
    BN_free(be);
    return rc;
}

/* A P-256 key from an encoded point: 65 bytes uncompressed (04 x y) or 33 compressed. */
static int p256_from_point(const uint8_t *pt, size_t len, cred_key *k, char *why, size_t why_len)
{
    char group[] = "prime256v1";
    OSSL_PARAM params[3];
    EVP_PKEY *pkey;
    if (!((len == 65 && pt[0] == 0x04) || (len == 33 && (pt[0] == 0x02 || pt[0] == 0x03))))
        return fail(RN_EKEY, why, why_len, "not a P-256 point (%zu bytes)", len);
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
    params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, (void *)pt, len);
    params[2] = OSSL_PARAM_construct_end();
    pkey = from_params("EC", params);
    if (pkey == NULL)
        return fail(RN_EKEY, why, why_len, "the EC point is not on the curve P-256");
    int rc = check_pkey(pkey, CRED_KTY_P256, why, why_len);
    if (rc < 0) {
        EVP_PKEY_free(pkey);
        return rc;
    }
    memset(k, 0, sizeof(*k));
    k->kty = CRED_KTY_P256;
    k->pkey = pkey;
    return 0;
}

/*
 * Imported keys, kept. Importing an RSA or P-256 key costs libcrypto a good part of a
 * verification (the EVP_PKEY built and checked; for RSA the Montgomery form of the modulus, made
 * on the key's first use), and a verifier meets the same few issuers' keys again and again: the
 * header's jwk of every token of an issuer, the key its document lists. The last JWK_CACHE_KEYS
 * keys imported are kept by the text of their members (n and e, or x and y: base64url is decoded
 * strictly, so the same text is the same key and its import the same outcome), replaced in turn.
 * Refusals are not kept. Shared under a mutex; libcrypto verifies with one EVP_PKEY from several
 * threads at once.
 */
#define JWK_CACHE_KEYS     16u
#define JWK_CACHE_TEXT_MAX 2048u /* an RSA-8192 modulus is 1,366 base64url characters */

typedef struct jwk_cached {
    char kty;    /* 'R' (RSA: n, e) or 'E' (P-256: x, y); 0 for an empty slot */
    char *a, *b; /* owned copies of the two members' texts */
    size_t a_len, b_len;
    cred_key key; /* owned */
} jwk_cached;

static pthread_mutex_t jwk_cache_lock = PTHREAD_MUTEX_INITIALIZER;
static jwk_cached jwk_cache[JWK_CACHE_KEYS];
static size_t jwk_cache_next; /* the slot replaced next */

static const char *text(const json_t *jwk, const char *name, size_t *len)
{
    json_t *v = json_object_get(jwk, name);
    *len = json_string_length(v);
    return json_string_value(v);
}

static bool jwk_cache_get(char kty, const char *a, size_t a_len, const char *b, size_t b_len,
                          cred_key *k)
{
    bool hit = false;
    RN_ASSERT(pthread_mutex_lock(&jwk_cache_lock) == 0);
    for (size_t i = 0; i < JWK_CACHE_KEYS && !hit; i++) {
        const jwk_cached *c = &jwk_cache[i];
        if (c->kty == kty && c->a_len == a_len && c->b_len == b_len &&
            memcmp(c->a, a, a_len) == 0 && memcmp(c->b, b, b_len) == 0)
            hit = cred_key_copy(k, &c->key) == 0;
    }
    RN_ASSERT(pthread_mutex_unlock(&jwk_cache_lock) == 0);
    return hit;
}

static void jwk_cache_put(char kty, const char *a, size_t a_len, const char *b, size_t b_len,
                          const cred_key *k)
{
    jwk_cached n = { .kty = kty, .a_len = a_len, .b_len = b_len };
    if (a_len > JWK_CACHE_TEXT_MAX || b_len > JWK_CACHE_TEXT_MAX)
        return;
    n.a = malloc(a_len + 1);
    n.b = malloc(b_len + 1);
    if (n.a == NULL || n.b == NULL || cred_key_copy(&n.key, k) < 0) {
        free(n.a);
        free(n.b);
        return;
    }
    memcpy(n.a, a, a_len);
    memcpy(n.b, b, b_len);
    RN_ASSERT(pthread_mutex_lock(&jwk_cache_lock) == 0);
    jwk_cached old = jwk_cache[jwk_cache_next];
    jwk_cache[jwk_cache_next] = n;
    jwk_cache_next = (jwk_cache_next + 1) % JWK_CACHE_KEYS;
    RN_ASSERT(pthread_mutex_unlock(&jwk_cache_lock) == 0);
    if (old.kty != 0) {
        free(old.a);
        free(old.b);
        cred_key_free(&old.key);
    }
}

int cred_key_from_jwk(const json_t *jwk, cred_key *k, char *why, size_t why_len)
{
    static const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
    uint8_t *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    int rc;
    if (!json_is_object(jwk))
        return fail(RN_ETYPE, why, why_len, "the JWK is not a JSON object");
    const char *kty = str(jwk, "kty"), *crv = str(jwk, "crv");
    if (kty == NULL)
        return fail(RN_EMISSING, why, why_len, "the JWK has no \"kty\"");
    for (size_t i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
        if (json_object_get(jwk, private_members[i]) != NULL)
            return fail(RN_EKEY, why, why_len,
                        "the JWK carries the private member \"%s\": a published key never does",
                        private_members[i]);
    /* The texts of the two members of an RSA or P-256 key, when both are strings: the cache. */
    size_t ta_len = 0, tb_len = 0;
    const char *ta = NULL, *tb = NULL,
               kc = strcmp(kty, "RSA") == 0                                              ? 'R'
                    : strcmp(kty, "EC") == 0 && crv != NULL && strcmp(crv, "P-256") == 0 ? 'E'
                                                                                         : 0;
    if (kc != 0) {
        ta = text(jwk, kc == 'R' ? "n" : "x", &ta_len);
        tb = text(jwk, kc == 'R' ? "e" : "y", &tb_len);
        if (ta != NULL && tb != NULL && jwk_cache_get(kc, ta, ta_len, tb, tb_len, k))
            return 0;
    }
    if (strcmp(kty, "RSA") == 0) {
        if ((rc = member(jwk, "n", &a, &a_len, why, why_len)) < 0 ||
            (rc = member(jwk, "e", &b, &b_len, why, why_len)) < 0)
            goto out;
        rc = rsa_from_ne(a, a_len, b, b_len, k, why, why_len);
    } else if (strcmp(kty, "EC") == 0) {
        if (crv == NULL || strcmp(crv, "P-256") != 0) {
            rc = fail(RN_EKEY, why, why_len, "an EC JWK on curve %s (accepted: P-256)",
                      crv != NULL ? crv : "(none)");
            goto out;
        }
        if ((rc = member(jwk, "x", &a, &a_len, why, why_len)) < 0 ||
            (rc = member(jwk, "y", &b, &b_len, why, why_len)) < 0)
            goto out;
        if (a_len != 32 || b_len != 32) {
            rc = fail(RN_EKEY, why, why_len, "a P-256 JWK's x and y are 32 bytes each");
            goto out;
        }
        uint8_t pt[65];
        pt[0] = 0x04;
        memcpy(pt + 1, a, 32);
        memcpy(pt + 33, b, 32);
        rc = p256_from_point(pt, sizeof(pt), k, why, why_len);
    } else if (strcmp(kty, "OKP") == 0) {
        if (crv == NULL || strcmp(crv, "Ed25519") != 0) {
            rc = fail(RN_EKEY, why, why_len, "an OKP JWK on curve %s (accepted: Ed25519)",
                      crv != NULL ? crv : "(none)");
            goto out;
        }
        if ((rc = member(jwk, "x", &a, &a_len, why, why_len)) < 0)
            goto out;
        if (a_len != CRED_ED25519_BYTES) {
            rc = fail(RN_EKEY, why, why_len, "an Ed25519 JWK's x is 32 bytes");
            goto out;
        }
        cred_key_ed25519(k, a);
        rc = 0;
    } else {
        rc = fail(RN_EKEY, why, why_len, "a JWK of kty \"%s\" (accepted: RSA, EC, OKP)", kty);
    }
    if (rc == 0 && kc != 0 && ta != NULL && tb != NULL)
        jwk_cache_put(kc, ta, ta_len, tb, tb_len, k);
out:
    free(a);
    free(b);
    return rc;
}

bool cred_key_is_jwk(const cred_key *k, const json_t *jwk)
{
    const char *kty = str(jwk, "kty"), *crv = str(jwk, "crv");
    uint8_t *a = NULL, *b = NULL;
    size_t a_len = 0, b_len = 0;
    bool same = false;
    static const char *const private_members[] = { "d", "p", "q", "dp", "dq", "qi", "oth", "k" };
    if (kty == NULL || k->kty == CRED_KTY_NONE)
        return false;
    /* As cred_key_from_jwk: a JWK that carries its secret is no issuer's key. */
    for (size_t i = 0; i < sizeof(private_members) / sizeof(private_members[0]); i++)
        if (json_object_get(jwk, private_members[i]) != NULL)
            return false;
    if (k->kty == CRED_KTY_ED25519 && strcmp(kty, "OKP") == 0 && crv != NULL &&
        strcmp(crv, "Ed25519") == 0) {
        same = member(jwk, "x", &a, &a_len, NULL, 0) == 0 && a_len == CRED_ED25519_BYTES &&
               sodium_memcmp(a, k->ed25519, CRED_ED25519_BYTES) == 0;
    } else if (k->kty == CRED_KTY_P256 && strcmp(kty, "EC") == 0 && crv != NULL &&
               strcmp(crv, "P-256") == 0) {
        uint8_t pt[65];
        size_t pl = 0;
        same = member(jwk, "x", &a, &a_len, NULL, 0) == 0 &&
               member(jwk, "y", &b, &b_len, NULL, 0) == 0 && a_len == 32 && b_len == 32 &&
               EVP_PKEY_get_octet_string_param((EVP_PKEY *)k->pkey, OSSL_PKEY_PARAM_PUB_KEY, pt,
                                               sizeof(pt), &pl) == 1 &&
               pl == sizeof(pt) && pt[0] == 0x04 && memcmp(pt + 1, a, 32) == 0 &&
               memcmp(pt + 33, b, 32) == 0;
    } else if (k->kty == CRED_KTY_RSA && strcmp(kty, "RSA") == 0) {
        /* Exporting n and e from the EVP_PKEY costs more than building the JWK's key. */
        cred_key jk;
        memset(&jk, 0, sizeof(jk));
        same = cred_key_from_jwk(jwk, &jk, NULL, 0) == 0 && cred_key_equal(&jk, k);
        cred_key_free(&jk);
    }
    ERR_clear_error();
    free(a);
    free(b);
    return same;
}

int cred_key_from_multicodec(const uint8_t *buf, size_t n, cred_key *k, char *why, size_t why_len)
{
    uint64_t code;
    size_t used;
    if (cred_varint_read(buf, n, &code, &used) < 0)
        return fail(RN_EKEY, why, why_len, "no multicodec prefix");
    const uint8_t *p = buf + used;
    size_t len = n - used;
    switch (code) {
    case MC_ED25519_PUB:
        if (len != CRED_ED25519_BYTES)
            return fail(RN_EKEY, why, why_len, "an Ed25519 multikey of %zu bytes (expected 32)",
                        len);
        cred_key_ed25519(k, p);
        return 0;
    case MC_P256_PUB:
        return p256_from_point(p, len, k, why, why_len);
    case MC_RSA_PUB: {
        const unsigned char *q = p;
        EVP_PKEY *pkey = d2i_PublicKey(EVP_PKEY_RSA, NULL, &q, (long)len);
        if (pkey == NULL || q != p + len) {
            EVP_PKEY_free(pkey);
            return fail(RN_EKEY, why, why_len, "an RSA multikey that is not PKCS#1 DER");
        }
        int rc = check_pkey(pkey, CRED_KTY_RSA, why, why_len);
        if (rc < 0) {
            EVP_PKEY_free(pkey);
            return rc;
        }
        memset(k, 0, sizeof(*k));
        k->kty = CRED_KTY_RSA;
        k->pkey = pkey;
        return 0;
    }
    default:
        return fail(RN_EKEY, why, why_len,
                    "multicodec 0x%llx is not a key type accepted (Ed25519, P-256, RSA)",
                    (unsigned long long)code);
    }
}

int cred_key_from_multibase(const char *s, size_t n, cred_key *k, char *why, size_t why_len)
{
    uint8_t buf[MC_KEY_BYTES_MAX];
    size_t len;
    int rc = cred_multibase_decode(s, n, buf, sizeof(buf), &len);
    if (rc < 0)
        return fail(RN_EKEY, why, why_len, "not a multibase key (base58btc 'z...' expected)");
    return cred_key_from_multicodec(buf, len, k, why, why_len);
}

bool cred_key_equal(const cred_key *a, const cred_key *b)
{
    if (a->kty != b->kty || a->kty == CRED_KTY_NONE)
        return false;
    if (a->kty == CRED_KTY_ED25519)
        return sodium_memcmp(a->ed25519, b->ed25519, CRED_ED25519_BYTES) == 0;
    return EVP_PKEY_eq((EVP_PKEY *)a->pkey, (EVP_PKEY *)b->pkey) == 1;
}

/* ES256's raw r || s as the DER ECDSA-Sig-Value libcrypto verifies; NULL when out of memory. */
static uint8_t *es256_der(const uint8_t sig[64], size_t *der_len)
{
    ECDSA_SIG *es = ECDSA_SIG_new();
    BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
    uint8_t *der = NULL;
    if (es == NULL || r == NULL || s == NULL || !ECDSA_SIG_set0(es, r, s)) {
        BN_free(r);
        BN_free(s);
        ECDSA_SIG_free(es);
        return NULL;
    }
    int n = i2d_ECDSA_SIG(es, &der);
    ECDSA_SIG_free(es);
    if (n <= 0)
        return NULL;
    *der_len = (size_t)n;
    return der;
}

int cred_key_verify(const cred_key *k, cred_alg alg, const uint8_t *msg, size_t len,
                    const uint8_t *sig, size_t sig_len)
{
    if (alg == CRED_ALG_NONE || alg != cred_kty_alg(k->kty))
        return RN_EINVAL;
    if (k->kty == CRED_KTY_ED25519) {
        if (sig_len != crypto_sign_BYTES)
            return RN_ELEN;
        return crypto_sign_verify_detached(sig, msg, len, k->ed25519) == 0 ? 0 : RN_ESIG;
    }
    EVP_PKEY *pkey = k->pkey;
    uint8_t *der = NULL;
    const uint8_t *s = sig;
    size_t s_len = sig_len;
    if (k->kty == CRED_KTY_P256) {
        if (sig_len != 64)
            return RN_ELEN;
        if ((der = es256_der(sig, &s_len)) == NULL)
            return RN_ENOMEM;
        s = der;
    } else if (sig_len != (size_t)EVP_PKEY_get_size(pkey)) {
        return RN_ELEN;
    }
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx != NULL && EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, pkey) == 1 &&
             EVP_DigestVerify(ctx, s, s_len, msg, len) == 1;
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    return ok ? 0 : RN_ESIG;
}

int cred_key_copy(cred_key *dst, const cred_key *src)
{
    *dst = *src;
    if (src->pkey != NULL && EVP_PKEY_up_ref((EVP_PKEY *)src->pkey) != 1) {
        memset(dst, 0, sizeof(*dst));
        return RN_ENOMEM;
    }
    return 0;
}

void cred_key_free(cred_key *k)
{
    EVP_PKEY_free((EVP_PKEY *)k->pkey);
    memset(k, 0, sizeof(*k));
}
