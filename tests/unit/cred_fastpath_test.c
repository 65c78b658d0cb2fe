/*
 * cred_fastpath_test.c: what cred does to check a VC-JWT quickly, held to what it did before
 * (cred/README.md "Cost"):
 *
 *  - base64url decodes through tables of pre-shifted values: every byte at each of the four
 *    places of a group decodes as cred_b64url_values says (value or refusal);
 *  - cred_check_buf reads a text that starts like a token as a compact JWS without scanning it
 *    first: whatever it is, it gets the answer that scanning first gave (a broken token is
 *    refused as a JWS, text that is neither a token nor JSON as such, with jansson's line and
 *    column);
 *  - RSA and P-256 JWKs are imported once and kept: the same JWK gives the same key, and
 *    everything that made a JWK refused still does (a private member, another curve, another
 *    exponent is another key), also after its public key was kept.
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
#include "cred/cred.h"
#include "cred/jws.h"
#include "cred/key.h"
#include "cred_sign.h"

static void test_b64url_tables(void **state)
{
    (void)state;
    for (unsigned place = 0; place < 4; place++) {
        for (unsigned c = 0; c < 256; c++) {
            char s[4] = { 'A', 'A', 'A', 'A' };
            uint8_t *b;
            size_t n;
            s[place] = (char)c;
            int rc = cred_b64url_decode(s, 4, &b, &n);
            if (cred_b64url_values[c] == 255) {
                assert_int_equal(rc, RN_EMALFORMED);
                assert_null(b);
                continue;
            }
            assert_int_equal(rc, 0);
            assert_int_equal(n, 3);
            uint32_t v = (uint32_t)b[0] << 16 | (uint32_t)b[1] << 8 | b[2];
            assert_int_equal(v, (uint32_t)cred_b64url_values[c] << (18 - 6 * place));
            free(b);
        }
    }
    /* A group after good ones, and the tail. */
    uint8_t *b;
    size_t n;
    assert_int_equal(cred_b64url_decode("aGVsbG8gd29ybGQ", 15, &b, &n), 0);
    assert_int_equal(n, 11);
    assert_memory_equal(b, "hello world", 11);
    free(b);
    assert_int_equal(cred_b64url_decode("aGVsbG8gd2=ybGQ", 15, &b, &n), RN_EMALFORMED);
}

/* Texts that start like a token (base64url or a dot after white space): the answer is the one
 * the scan first (cred_jws_looks_compact) decided. */
static void test_form(void **state)
{
    (void)state;
    static const char *const texts[] = {
        "abc def",
        "eyJhbGciOiJub25lIn0.e30.x y",       /* alg none, then a space */
        "eyJhbGciOiJub25lIn0.e30.",          /* alg none, compact */
        "eyJhbGciOiJub25lIn0.e30.abc",       /* alg none, compact */
        "eyJhbGciOiJFZERTQSJ9.e30.abc",      /* EdDSA, a payload without vc */
        ".a.b",                              /* compact, empty header */
        "a.b",                               /* one dot */
        "a.b.c.d",                           /* three dots */
        "  \n eyJhbGciOiJFZERTQSJ9.e30.abc", /* white space first */
        "eyJhbGciOiJFZERTQSJ9.e30.abc\n",    /* and last */
        "e30.e30.abc{}",                     /* a brace in the signature */
        "A",
        ".",
        "-_-",
        "{\"a\":1}",
        "  [1]",
        "",
        "   ",
        "{\"@context\": 1",
    };
    cred_opts o;
    memset(&o, 0, sizeof(o));
    o.now_ms = 1767225600000ull;
    for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
        cred_report r;
        char why[300] = "";
        size_t len = strlen(texts[i]);
        int rc = cred_check_buf((const uint8_t *)texts[i], len, &o, &r, why, sizeof(why));
        bool neither = strncmp(why, "neither a compact JWS nor JSON (line ", 37) == 0;
        if (cred_jws_looks_compact((const uint8_t *)texts[i], len)) {
            if (rc == 0) {
                assert_true(r.n > 0);
                cred_report_free(&r);
            } else {
                assert_false(neither);
            }
        } else if (texts[i][strspn(texts[i], " \n")] == '{' ||
                   texts[i][strspn(texts[i], " \n")] == '[') {
            assert_true(rc == RN_EKIND || rc == RN_EMALFORMED);
        } else {
            if (!neither)
                fprintf(stderr, "%s: %d %s\n", texts[i], rc, why);
            assert_int_equal(rc, RN_EMALFORMED);
            assert_true(neither);
        }
    }
}

static void test_jwk_kept(void **state)
{
    (void)state;
    test_issuer rsa, ec;
    test_issuer_make(&rsa, CRED_KTY_RSA, 0);
    test_issuer_make(&ec, CRED_KTY_P256, 0);
    json_t *jwks[2] = { test_issuer_jwk(&rsa), test_issuer_jwk(&ec) };
    for (size_t i = 0; i < 2; i++) {
        cred_key a, b;
        char why[200];
        assert_int_equal(cred_key_from_jwk(jwks[i], &a, why, sizeof(why)), 0);
        assert_int_equal(cred_key_from_jwk(jwks[i], &b, why, sizeof(why)), 0);
        assert_true(cred_key_equal(&a, &b));
        assert_ptr_equal(a.pkey, b.pkey); /* kept, shared */
        assert_true(cred_key_is_jwk(&a, jwks[i]));
        cred_key_free(&a);
        /* The kept key outlives the caller's copies. */
        cred_key c;
        assert_int_equal(cred_key_from_jwk(jwks[i], &c, why, sizeof(why)), 0);
        assert_ptr_equal(c.pkey, b.pkey);
        cred_key_free(&b);
        cred_key_free(&c);

        /* A private member is refused, though the public members are those of a kept key. */
        json_t *priv = json_deep_copy(jwks[i]);
        json_object_set_new(priv, "d", json_string("AQAB"));
        assert_int_equal(cred_key_from_jwk(priv, &c, why, sizeof(why)), RN_EKEY);
        assert_non_null(strstr(why, "private member"));
        json_decref(priv);
    }
    /* Another curve with the same x and y, and an RSA key with another exponent. */
    json_t *other = json_deep_copy(jwks[1]);
    json_object_set_new(other, "crv", json_string("P-384"));
    cred_key k;
    char why[200];
    assert_int_equal(cred_key_from_jwk(other, &k, why, sizeof(why)), RN_EKEY);
    json_decref(other);
    other = json_deep_copy(jwks[0]);
    json_object_set_new(other, "e", json_string("AwAB")); /* 196609 */
    cred_key a, b;
    assert_int_equal(cred_key_from_jwk(jwks[0], &a, why, sizeof(why)), 0);
    assert_int_equal(cred_key_from_jwk(other, &b, why, sizeof(why)), 0);
    assert_false(cred_key_equal(&a, &b));
    assert_false(cred_key_is_jwk(&b, jwks[0]));
    cred_key_free(&a);
    cred_key_free(&b);
    json_object_set_new(other, "e", json_integer(65537)); /* not a string */
    assert_int_equal(cred_key_from_jwk(other, &b, why, sizeof(why)), RN_ETYPE);
    json_decref(other);

    /* Seventeen other P-256 keys later the first is imported again, as another EVP_PKEY. */
    assert_int_equal(cred_key_from_jwk(jwks[1], &a, why, sizeof(why)), 0);
    for (int i = 0; i < 17; i++) {
        test_issuer t;
        test_issuer_make(&t, CRED_KTY_P256, 0);
        json_t *j = test_issuer_jwk(&t);
        assert_int_equal(cred_key_from_jwk(j, &b, why, sizeof(why)), 0);
        cred_key_free(&b);
        json_decref(j);
        test_issuer_free(&t);
    }
    assert_int_equal(cred_key_from_jwk(jwks[1], &b, why, sizeof(why)), 0);
    assert_true(cred_key_equal(&a, &b));
    assert_ptr_not_equal(a.pkey, b.pkey);
    cred_key_free(&a);
    cred_key_free(&b);
    json_decref(jwks[0]);
    json_decref(jwks[1]);
    test_issuer_free(&rsa);
    test_issuer_free(&ec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url_tables),
        cmocka_unit_test(test_form),
        cmocka_unit_test(test_jwk_kept),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
