/*
 * cred_jws_test.c: the encodings, keys and signatures of cred/ (codec.h, key.h, jws.h): strict
 * base64url and base58btc, RFC 3339 times, JWKs of every accepted kind and each refused one,
 * RS256, ES256 and EdDSA signatures made here with libcrypto and libsodium, algorithm confusion,
 * and JWS parsing in both serializations fed every malformed form a token can take.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cred/codec.h"
#include "cred/jws.h"
#include "cred/key.h"
#include "cred_sign.h"

static test_issuer rsa, ec, ed;

/* ---- codec ---- */

static void test_b64url(void **state)
{
    uint8_t *b;
    size_t n;
    (void)state;
    assert_int_equal(cred_b64url_decode("aGk", 3, &b, &n), 0);
    assert_int_equal(n, 2);
    assert_memory_equal(b, "hi", 3); /* NUL-terminated */
    free(b);
    static const char *const bad[] = { "aGk=", "aG k", "aG+k", "aG/k", "aGl", "", "a" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_int_equal(cred_b64url_decode(bad[i], strlen(bad[i]), &b, &n), RN_EMALFORMED);
        assert_null(b);
    }
    char *s = cred_b64url_encode((const uint8_t *)"\xfb\xff", 2);
    assert_string_equal(s, "-_8");
    free(s);
}

static void test_base58(void **state)
{
    uint8_t out[64];
    size_t n;
    char text[200];
    (void)state;
    const uint8_t in[] = { 0, 0, 1, 2, 3, 255 };
    test_b58(in, sizeof(in), text);
    assert_int_equal(cred_b58_decode(text, strlen(text), out, sizeof(out), &n), 0);
    assert_int_equal(n, sizeof(in));
    assert_memory_equal(out, in, sizeof(in));
    /* 0, O, I and l are not in the alphabet. */
    assert_int_equal(cred_b58_decode("z0", 2, out, sizeof(out), &n), RN_EMALFORMED);
    assert_int_equal(cred_b58_decode("zO", 2, out, sizeof(out), &n), RN_EMALFORMED);
    assert_int_equal(cred_b58_decode("", 0, out, sizeof(out), &n), RN_EMALFORMED);
    assert_int_equal(cred_b58_decode(text, strlen(text), out, 3, &n), RN_ETOOBIG);
    assert_int_equal(cred_multibase_decode("f00", 3, out, sizeof(out), &n), RN_EMALFORMED);
    assert_int_equal(cred_multibase_decode("uaGk", 4, out, sizeof(out), &n), 0);
    assert_int_equal(n, 2);
    uint64_t code;
    size_t used;
    const uint8_t v[] = { 0x85, 0x24 }, endless[] = { 0x80, 0x80, 0x80, 0x01 };
    assert_int_equal(cred_varint_read(v, 2, &code, &used), 0);
    assert_int_equal(code, 0x1205);
    assert_int_equal(cred_varint_read(endless, 4, &code, &used), RN_EMALFORMED);
    assert_int_equal(cred_varint_read(v, 1, &code, &used), RN_EMALFORMED);
}

static void test_time(void **state)
{
    uint64_t ms;
    char out[21];
    (void)state;
    assert_int_equal(cred_time_parse("2010-01-01T00:00:00Z", 20, &ms), 0);
    assert_int_equal(ms, 1262304000000ull);
    assert_int_equal(cred_time_parse("2022-11-10T07:38:00-08:00", 25, &ms), 0);
    assert_int_equal(ms, 1668094680000ull);
    assert_int_equal(cred_time_parse("2025-10-15T00:44:21.142Z", 24, &ms), 0);
    assert_int_equal(ms % 1000u, 142);
    assert_int_equal(cred_time_parse("2024-08-30", 10, &ms), 0);
    cred_time_format(1262304000000ull, out);
    assert_string_equal(out, "2010-01-01T00:00:00Z");
    static const char *const bad[] = {
        "2010-01-01T00:00:00", "2010-01-01 00:00:00Z",    "2010-1-01T00:00:00Z",
        "2010-01-01T00:00Z",   "2010-01-01T00:00:00.Z",   "2010-01-01T00:00:00+0100",
        "yesterday",           "2010-01-01T00:00:00Zjunk"
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cred_time_parse(bad[i], strlen(bad[i]), &ms), RN_EMALFORMED);
    static const char *const range[] = { "2010-13-01T00:00:00Z", "2010-02-29T00:00:00Z",
                                         "2010-01-01T24:00:00Z", "1969-12-31T23:59:59Z" };
    for (size_t i = 0; i < sizeof(range) / sizeof(range[0]); i++)
        assert_int_equal(cred_time_parse(range[i], strlen(range[i]), &ms), RN_ETIME);
    assert_int_equal(cred_time_parse("2012-02-29T00:00:00Z", 20, &ms), 0);
}

/* ---- keys ---- */

static void test_jwk_accepted(void **state)
{
    (void)state;
    const test_issuer *all[] = { &rsa, &ec, &ed };
    for (size_t i = 0; i < 3; i++) {
        json_t *j = test_issuer_jwk(all[i]);
        cred_key k, m;
        char why[200], mk[2000];
        assert_int_equal(cred_key_from_jwk(j, &k, why, sizeof(why)), 0);
        assert_int_equal(k.kty, all[i]->kty);
        test_issuer_multikey(all[i], mk);
        assert_int_equal(cred_key_from_multibase(mk, strlen(mk), &m, why, sizeof(why)), 0);
        assert_true(cred_key_equal(&k, &m));
        cred_key_free(&m);
        cred_key_free(&k);
        json_decref(j);
    }
}

/* A JWK of `base` with `member` set to `value` (NULL removes it), and the code expected. */
static void jwk_refused(const test_issuer *t, const char *member, json_t *value, int code)
{
    json_t *j = test_issuer_jwk(t);
    cred_key k;
    char why[200] = "";
    if (value != NULL)
        json_object_set_new(j, member, value);
    else
        json_object_del(j, member);
    int rc = cred_key_from_jwk(j, &k, why, sizeof(why));
    if (rc != code)
        fail_msg("%s: %d (expected %d): %s", member, rc, code, why);
    assert_true(why[0] != '\0');
    json_decref(j);
}

static void test_jwk_refused(void **state)
{
    (void)state;
    jwk_refused(&ed, "d", json_string("AAAA"), RN_EKEY);     /* a private key */
    jwk_refused(&rsa, "p", json_string("AAAA"), RN_EKEY);    /* a private key */
    jwk_refused(&ed, "crv", json_string("X25519"), RN_EKEY); /* not a signing curve */
    jwk_refused(&ec, "crv", json_string("P-384"), RN_EKEY);  /* not accepted */
    jwk_refused(&ec, "crv", NULL, RN_EKEY);
    jwk_refused(&ed, "kty", json_string("oct"), RN_EKEY); /* an HMAC secret */
    jwk_refused(&ed, "kty", NULL, RN_EMISSING);
    jwk_refused(&ed, "x", NULL, RN_EMISSING);
    jwk_refused(&ed, "x", json_integer(1), RN_ETYPE);
    jwk_refused(&ed, "x", json_string("AAAA"), RN_EKEY);       /* 3 bytes */
    jwk_refused(&ed, "x", json_string("AA=="), RN_EMALFORMED); /* padding */
    jwk_refused(&rsa, "e", NULL, RN_EMISSING);
    jwk_refused(&rsa, "e", json_string("Ag"), RN_EKEY); /* an even exponent */
    /* A 1024-bit modulus: too short for RS256 here. */
    uint8_t n1024[128];
    memset(n1024, 0xc3, sizeof(n1024));
    jwk_refused(&rsa, "n", b64_str(n1024, sizeof(n1024)), RN_EKEY);
    /* A point off the curve. */
    uint8_t y[32];
    memset(y, 0x01, sizeof(y));
    jwk_refused(&ec, "y", b64_str(y, sizeof(y)), RN_EKEY);
    cred_key k;
    char why[100];
    json_t *notobj = json_string("x");
    assert_int_equal(cred_key_from_jwk(notobj, &k, why, sizeof(why)), RN_ETYPE);
    json_decref(notobj);
    /* Multicodec: an X25519 key (0xec) and a truncated Ed25519 one. */
    const uint8_t x25519[34] = { 0xec, 0x01 }, short_ed[10] = { 0xed, 0x01 };
    assert_int_equal(cred_key_from_multicodec(x25519, sizeof(x25519), &k, why, sizeof(why)),
                     RN_EKEY);
    assert_int_equal(cred_key_from_multicodec(short_ed, sizeof(short_ed), &k, why, sizeof(why)),
                     RN_EKEY);
    assert_int_equal(cred_key_from_multibase("z1", 2, &k, why, sizeof(why)), RN_EKEY);
}

static void test_verify_algs(void **state)
{
    (void)state;
    const uint8_t msg[] = "header.payload";
    const struct {
        test_issuer *t;
        cred_alg alg;
    } rows[] = { { &rsa, CRED_ALG_RS256 }, { &ec, CRED_ALG_ES256 }, { &ed, CRED_ALG_EDDSA } };
    for (size_t i = 0; i < 3; i++) {
        json_t *j = test_issuer_jwk(rows[i].t);
        cred_key k;
        uint8_t sig[1024];
        size_t sl;
        assert_int_equal(cred_key_from_jwk(j, &k, NULL, 0), 0);
        test_sign(rows[i].t, rows[i].alg, msg, sizeof(msg) - 1, sig, &sl);
        assert_int_equal(cred_key_verify(&k, rows[i].alg, msg, sizeof(msg) - 1, sig, sl), 0);
        /* Another message, a flipped bit, a truncated signature. */
        assert_int_equal(cred_key_verify(&k, rows[i].alg, msg, sizeof(msg) - 2, sig, sl), RN_ESIG);
        sig[sl / 2] ^= 0x10;
        assert_int_equal(cred_key_verify(&k, rows[i].alg, msg, sizeof(msg) - 1, sig, sl), RN_ESIG);
        assert_int_equal(cred_key_verify(&k, rows[i].alg, msg, sizeof(msg) - 1, sig, sl - 1),
                         RN_ELEN);
        /* Every other alg with this key is algorithm confusion, and none is "none". */
        for (int a = CRED_ALG_NONE; a <= CRED_ALG_EDDSA; a++)
            if ((cred_alg)a != rows[i].alg)
                assert_int_equal(cred_key_verify(&k, (cred_alg)a, msg, sizeof(msg) - 1, sig, sl),
                                 RN_EINVAL);
        cred_key_free(&k);
        json_decref(j);
    }
    /* ES256 in DER (what libcrypto emits) is not the JOSE form: refused by its length. */
    json_t *j = test_issuer_jwk(&ec);
    cred_key k;
    uint8_t sig[1024];
    size_t sl;
    assert_int_equal(cred_key_from_jwk(j, &k, NULL, 0), 0);
    test_sign(&ec, CRED_ALG_RS256, msg, sizeof(msg) - 1, sig, &sl); /* DER */
    assert_int_not_equal(sl, 64);
    assert_int_not_equal(cred_key_verify(&k, CRED_ALG_ES256, msg, sizeof(msg) - 1, sig, sl), 0);
    cred_key_free(&k);
    json_decref(j);
    assert_int_equal(cred_alg_parse("none"), CRED_ALG_NONE);
    assert_int_equal(cred_alg_parse("HS256"), CRED_ALG_NONE);
    assert_int_equal(cred_alg_parse("PS256"), CRED_ALG_NONE);
    assert_int_equal(cred_alg_parse("ES384"), CRED_ALG_NONE);
    assert_int_equal(cred_alg_parse("eddsa"), CRED_ALG_NONE);
    assert_int_equal(cred_alg_parse(NULL), CRED_ALG_NONE);
}

/* ---- JWS ---- */

static char *token(const test_issuer *t, cred_alg alg, const char *header_json)
{
    json_t *h = json_loads(header_json, 0, NULL), *p = json_pack("{s:s}", "iss", "x");
    char *s = test_jws(t, alg, h, p);
    json_decref(h);
    json_decref(p);
    return s;
}

static void parse_refused(const char *s, int code, const char *needle)
{
    cred_jws j;
    char why[300] = "";
    int rc = cred_jws_parse_compact(s, strlen(s), &j, why, sizeof(why));
    if (rc != code || (needle != NULL && strstr(why, needle) == NULL))
        fail_msg("%.60s: %d (expected %d): %s", s, rc, code, why);
    cred_jws_free(&j);
}

static void test_jws_compact(void **state)
{
    (void)state;
    cred_jws j;
    char why[300];
    char *s = token(&ed, CRED_ALG_EDDSA, "{\"alg\":\"EdDSA\"}");
    assert_true(cred_jws_looks_compact((const uint8_t *)s, strlen(s)));
    assert_int_equal(cred_jws_parse_compact(s, strlen(s), &j, why, sizeof(why)), 0);
    cred_key k;
    cred_key_ed25519(&k, ed.pk);
    assert_int_equal(cred_jws_verify(&j, &k), 0);
    assert_memory_equal(j.signing_input, s, j.signing_len);
    assert_string_equal((const char *)j.payload, "{\"iss\":\"x\"}");
    cred_jws_free(&j);
    free(s);

    /* Every refused alg, before any key is looked at. */
    static const char *const algs[] = { "{\"alg\":\"none\"}",   "{\"alg\":\"HS256\"}",
                                        "{\"alg\":\"HS512\"}",  "{\"alg\":\"PS256\"}",
                                        "{\"alg\":\"ES256K\"}", "{\"typ\":\"JWT\"}",
                                        "{\"alg\":256}" };
    for (size_t i = 0; i < sizeof(algs) / sizeof(algs[0]); i++) {
        s = token(&ed, CRED_ALG_EDDSA, algs[i]);
        parse_refused(s, RN_EINVAL, "accepted are RS256, ES256 and EdDSA");
        free(s);
    }
    s = token(&ed, CRED_ALG_EDDSA, "{\"alg\":\"EdDSA\",\"crit\":[\"exp\"],\"exp\":1}");
    parse_refused(s, RN_EINVAL, "crit");
    free(s);
    s = token(&ed, CRED_ALG_EDDSA, "{\"alg\":\"EdDSA\",\"b64\":false,\"crit\":[\"b64\"]}");
    parse_refused(s, RN_EINVAL, "b64");
    free(s);
    s = token(&ed, CRED_ALG_EDDSA, "{\"alg\":\"EdDSA\",\"crv\":\"Ed448\"}");
    parse_refused(s, RN_EINVAL, "crv");
    free(s);
    /* Duplicate members in the header: one of them would be silently ignored. */
    s = token(&ed, CRED_ALG_EDDSA, "{\"alg\":\"EdDSA\"}");
    char *hb = cred_b64url_encode((const uint8_t *)"{\"alg\":\"EdDSA\",\"alg\":\"none\"}", 29);
    char dup[4096];
    snprintf(dup, sizeof(dup), "%s%s", hb, strchr(s, '.'));
    parse_refused(dup, RN_EMALFORMED, "header");
    free(hb);
    /* Shapes: two parts, four parts, padding, white space inside, a bad signature encoding. */
    parse_refused("a.b", RN_EMALFORMED, "compact JWS");
    parse_refused("a.b.c.d", RN_EMALFORMED, "compact JWS");
    parse_refused("", RN_EMALFORMED, NULL);
    char pad[4200];
    snprintf(pad, sizeof(pad), "%s=", s);
    parse_refused(pad, RN_EMALFORMED, NULL);
    snprintf(pad, sizeof(pad), "%.*s %s", 5, s, s + 5);
    parse_refused(pad, RN_EMALFORMED, NULL);
    snprintf(pad, sizeof(pad), "%sA", s); /* non-zero trailing bits, or a signature too long */
    if (cred_jws_parse_compact(pad, strlen(pad), &j, why, sizeof(why)) == 0) {
        cred_key_ed25519(&k, ed.pk);
        assert_int_not_equal(cred_jws_verify(&j, &k), 0);
    }
    cred_jws_free(&j);
    cred_key_ed25519(&k, ed.pk);
    /* Surrounding white space is not part of the token. */
    snprintf(pad, sizeof(pad), "\n %s\n", s);
    assert_int_equal(cred_jws_parse_compact(pad, strlen(pad), &j, why, sizeof(why)), 0);
    assert_int_equal(cred_jws_verify(&j, &k), 0);
    cred_jws_free(&j);
    free(s);
    /* Over the size bound. */
    char *big = malloc(CRED_JWS_BYTES_MAX + 2);
    memset(big, 'A', CRED_JWS_BYTES_MAX + 1);
    big[CRED_JWS_BYTES_MAX + 1] = '\0';
    parse_refused(big, RN_ETOOBIG, NULL);
    free(big);
}

static void test_jws_json(void **state)
{
    (void)state;
    cred_jws j;
    char why[300];
    char *s = token(&ec, CRED_ALG_ES256, "{\"alg\":\"ES256\"}");
    char *d1 = strchr(s, '.'), *d2 = strchr(d1 + 1, '.');
    *d1 = *d2 = '\0';
    json_t *flat =
        json_pack("{s:s,s:s,s:s}", "protected", s, "payload", d1 + 1, "signature", d2 + 1);
    json_t *general = json_pack("{s:s,s:[{s:s,s:s,s:{s:s}}]}", "payload", d1 + 1, "signatures",
                                "protected", s, "signature", d2 + 1, "header", "kid", "k1");
    json_t *jwk = test_issuer_jwk(&ec);
    cred_key k;
    assert_int_equal(cred_key_from_jwk(jwk, &k, NULL, 0), 0);
    assert_int_equal(cred_jws_parse_json(flat, &j, why, sizeof(why)), 0);
    assert_true(j.json_form);
    assert_int_equal(cred_jws_verify(&j, &k), 0);
    cred_jws_free(&j);
    assert_int_equal(cred_jws_parse_json(general, &j, why, sizeof(why)), 0);
    assert_int_equal(cred_jws_verify(&j, &k), 0);
    assert_string_equal(json_string_value(json_object_get(j.unprotected, "kid")), "k1");
    cred_jws_free(&j);
    /* An alg in the unprotected header is not signed: refused. */
    json_t *sig0 = json_array_get(json_object_get(general, "signatures"), 0);
    json_object_set_new(json_object_get(sig0, "header"), "alg", json_string("ES256"));
    assert_int_equal(cred_jws_parse_json(general, &j, why, sizeof(why)), RN_EINVAL);
    cred_jws_free(&j);
    /* Two signers: a seal has one. */
    json_object_del(json_object_get(sig0, "header"), "alg");
    json_array_append(json_object_get(general, "signatures"), sig0);
    assert_int_equal(cred_jws_parse_json(general, &j, why, sizeof(why)), RN_ECOUNT);
    cred_jws_free(&j);
    /* No payload (detached), no protected header, no signature, not an object. */
    const char *const members[] = { "payload", "protected", "signature" };
    for (size_t i = 0; i < 3; i++) {
        json_t *c = json_deep_copy(flat);
        json_object_del(c, members[i]);
        assert_int_equal(cred_jws_parse_json(c, &j, why, sizeof(why)), RN_EMALFORMED);
        cred_jws_free(&j);
        json_decref(c);
    }
    assert_int_equal(cred_jws_parse_json(json_array_get(json_object_get(general, "signatures"), 5),
                                         &j, why, sizeof(why)),
                     RN_EMALFORMED);
    cred_jws_free(&j);
    cred_key_free(&k);
    json_decref(jwk);
    json_decref(flat);
    json_decref(general);
    free(s);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    test_issuer_make(&rsa, CRED_KTY_RSA, 1);
    test_issuer_make(&ec, CRED_KTY_P256, 2);
    test_issuer_make(&ed, CRED_KTY_ED25519, 3);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_issuer_free(&rsa);
    test_issuer_free(&ec);
    test_issuer_free(&ed);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url),      cmocka_unit_test(test_base58),
        cmocka_unit_test(test_time),        cmocka_unit_test(test_jwk_accepted),
        cmocka_unit_test(test_jwk_refused), cmocka_unit_test(test_verify_algs),
        cmocka_unit_test(test_jws_compact), cmocka_unit_test(test_jws_json),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
