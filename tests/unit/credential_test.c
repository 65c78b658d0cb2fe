/*
 * credential_test.c: the issued-credential envelope (proto/credential.h): holder references,
 * signing and verifying, the digest (which leaves the signature out), the exact bytes of a known
 * envelope, and the strict decoder fed truncated, oversized, wrongly typed, non-canonical and
 * random input, each field at its bound and one past it.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/credential.h"
#include "proto/key.h"

#define T_2025_02_01 1738368000000ull

typedef struct issuer {
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t pk[PROTO_KEY_BYTES];
} issuer;

static void issuer_init(issuer *is, uint8_t seed_byte)
{
    uint8_t seed[PROTO_SEED_BYTES];
    memset(seed, seed_byte, sizeof(seed));
    proto_key_sk_derive(seed, is->sk, is->pk);
}

static uint8_t holder[PROTO_HOLDER_BYTES];

/* Signs a credential into b (reset first); returns the sign's result. */
static int make(mp_buf *b, const issuer *is, const char *spec, const char *grade, uint64_t at,
                proto_credential *out)
{
    proto_credential c;
    memset(&c, 0, sizeof(c));
    c.spec = proto_str_c(spec);
    c.holder = holder;
    c.issued_at_ms = at;
    c.grade = proto_str_c(grade);
    c.issuer_key = is->pk;
    mp_buf_reset(b);
    int rc = proto_credential_sign(&c, is->sk, b);
    if (out != NULL)
        *out = c;
    return rc;
}

static void test_holder(void **state)
{
    uint8_t salt[64], a[32], b[32];
    (void)state;
    memset(salt, 7, sizeof(salt));
    const uint8_t *id = (const uint8_t *)"ana.andromeda@email.com";
    assert_int_equal(proto_credential_holder(salt, 16, id, 23, a), 0);
    assert_int_equal(proto_credential_holder(salt, 16, id, 23, b), 0);
    assert_memory_equal(a, b, 32);
    /* Another salt, another reference: the identifier alone gives nothing away. */
    salt[0] = 8;
    assert_int_equal(proto_credential_holder(salt, 16, id, 23, b), 0);
    assert_memory_not_equal(a, b, 32);
    /* Keyed BLAKE2b-256, as specified. */
    uint8_t want[32];
    crypto_generichash(want, 32, id, 23, salt, 16);
    assert_memory_equal(b, want, 32);
    /* Bounds: salt 16 .. 64, identifier 1 .. 1024. */
    assert_int_equal(proto_credential_holder(salt, 15, id, 23, a), RN_EINVAL);
    assert_int_equal(proto_credential_holder(salt, 64, id, 23, a), 0);
    assert_int_equal(proto_credential_holder(salt, 65, id, 23, a), RN_EINVAL);
    assert_int_equal(proto_credential_holder(salt, 16, id, 0, a), RN_EINVAL);
    assert_int_equal(proto_credential_holder(NULL, 16, id, 1, a), RN_EINVAL);
    uint8_t *big = calloc(1, PROTO_HOLDER_ID_BYTES_MAX + 1);
    assert_int_equal(proto_credential_holder(salt, 16, big, PROTO_HOLDER_ID_BYTES_MAX, a), 0);
    assert_int_equal(proto_credential_holder(salt, 16, big, PROTO_HOLDER_ID_BYTES_MAX + 1, a),
                     RN_EINVAL);
    free(big);
}

static void test_sign_verify(void **state)
{
    issuer is, other;
    mp_buf b;
    proto_credential signed_c, c;
    (void)state;
    issuer_init(&is, 1);
    issuer_init(&other, 2);
    mp_buf_init(&b, PROTO_CREDENTIAL_BYTES_MAX);
    assert_int_equal(make(&b, &is, "IE:uniz/mc-c012", "Pass", T_2025_02_01, &signed_c), 0);
    assert_int_equal(proto_credential_decode(&c, b.data, b.len, NULL), 0);
    assert_int_equal(c.spec.len, 15);
    assert_memory_equal(c.spec.ptr, "IE:uniz/mc-c012", 15);
    assert_memory_equal(c.holder, holder, 32);
    assert_int_equal(c.issued_at_ms, T_2025_02_01);
    assert_int_equal(c.grade.len, 4);
    assert_memory_equal(c.issuer_key, is.pk, 32);
    assert_memory_equal(c.digest, signed_c.digest, 32);
    assert_int_equal(proto_credential_verify(&c), 0);

    /* The digest is H(the 6-element array): the envelope without its signature, with the array
     * header 0x96 for 0x97. */
    uint8_t *u = malloc(b.len);
    u[0] = 0x96;
    memcpy(u + 1, b.data + 1, b.len - 1 - 2 - 64);
    uint8_t want[32];
    crypto_generichash(want, 32, u, b.len - 2 - 64, NULL, 0);
    assert_memory_equal(c.digest, want, 32);
    /* And the signature is Ed25519 over the tag and that digest. */
    uint8_t msg[20 + 32];
    memcpy(msg, "recnet/credential/v1", 20);
    memcpy(msg + 20, want, 32);
    assert_int_equal(crypto_sign_verify_detached(c.sig, msg, sizeof(msg), is.pk), 0);
    free(u);

    /* A tampered field: it decodes, the digest changes, the signature fails. */
    uint8_t *t = malloc(b.len);
    memcpy(t, b.data, b.len);
    t[6] ^= 0x01; /* inside the spec id: "IE:u" -> "IE:t" */
    proto_credential tc;
    assert_int_equal(proto_credential_decode(&tc, t, b.len, NULL), 0);
    assert_memory_not_equal(tc.digest, c.digest, 32);
    assert_int_equal(proto_credential_verify(&tc), RN_ESIG);
    /* A tampered signature: the digest stays (a revocation still names it), it fails. */
    memcpy(t, b.data, b.len);
    t[b.len - 3] ^= 0x10;
    assert_int_equal(proto_credential_decode(&tc, t, b.len, NULL), 0);
    assert_memory_equal(tc.digest, c.digest, 32);
    assert_int_equal(proto_credential_verify(&tc), RN_ESIG);
    /* The issuer key swapped for another: fails. */
    memcpy(t, b.data, b.len);
    memcpy(t + b.len - 66 - 32, other.pk, 32);
    assert_int_equal(proto_credential_decode(&tc, t, b.len, NULL), 0);
    assert_int_equal(proto_credential_verify(&tc), RN_ESIG);
    free(t);

    /* Without a grade: nil on the wire. */
    assert_int_equal(make(&b, &is, "NL:42NB/ach-44ABA", NULL, 0, NULL), 0);
    assert_int_equal(proto_credential_decode(&c, b.data, b.len, NULL), 0);
    assert_int_equal(c.grade.len, 0);
    assert_int_equal(proto_credential_verify(&c), 0);

    /* The same content signed twice: the same bytes (Ed25519 is deterministic). */
    mp_buf b2;
    mp_buf_init(&b2, PROTO_CREDENTIAL_BYTES_MAX);
    assert_int_equal(make(&b2, &is, "NL:42NB/ach-44ABA", NULL, 0, NULL), 0);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    mp_buf_free(&b2);

    /* Signing refuses a key that is not the issuer key's, and bad fields. */
    proto_credential bad;
    memset(&bad, 0, sizeof(bad));
    bad.spec = proto_str_c("IE:uniz/mc-c012");
    bad.holder = holder;
    bad.issuer_key = other.pk;
    assert_int_equal(proto_credential_sign(&bad, is.sk, &b), RN_EINVAL);
    bad.issuer_key = NULL;
    assert_int_equal(proto_credential_sign(&bad, is.sk, &b), RN_EINVAL);
    assert_int_equal(make(&b, &is, "uniz/mc-c012", NULL, 0, NULL), RN_EID);
    assert_int_equal(make(&b, &is, "", NULL, 0, NULL), RN_ELEN);
    assert_int_equal(make(&b, &is, "IE:a", NULL, RN_TIME_MS_MAX + 1, NULL), RN_ETIME);
    assert_int_equal(make(&b, &is, "IE:a", "\xff", 0, NULL), RN_EUTF8);
    mp_buf_free(&b);
}

/* The exact bytes of one envelope (also PROTOCOL.md section 13's example). */
static void test_known_bytes(void **state)
{
    issuer is;
    mp_buf b;
    (void)state;
    issuer_init(&is, 1);
    memset(holder, 0xab, sizeof(holder));
    mp_buf_init(&b, PROTO_CREDENTIAL_BYTES_MAX);
    assert_int_equal(make(&b, &is, "IE:uniz/mc-c012", "Pass", T_2025_02_01, NULL), 0);
    /* 97 01 af "IE:uniz/mc-c012" c4 20 <holder> cf <u64 time> a4 "Pass" c4 20 <key> c4 40 <sig> */
    size_t i = 0;
    assert_int_equal(b.data[i++], 0x97);
    assert_int_equal(b.data[i++], 0x01);
    assert_int_equal(b.data[i++], 0xaf);
    assert_memory_equal(b.data + i, "IE:uniz/mc-c012", 15);
    i += 15;
    assert_int_equal(b.data[i++], 0xc4);
    assert_int_equal(b.data[i++], 0x20);
    assert_memory_equal(b.data + i, holder, 32);
    i += 32;
    assert_int_equal(b.data[i++], 0xcf);
    i += 8;
    assert_int_equal(b.data[i++], 0xa4);
    assert_memory_equal(b.data + i, "Pass", 4);
    i += 4;
    assert_int_equal(b.data[i++], 0xc4);
    assert_int_equal(b.data[i++], 0x20);
    assert_memory_equal(b.data + i, is.pk, 32);
    i += 32;
    assert_int_equal(b.data[i++], 0xc4);
    assert_int_equal(b.data[i++], 0x40);
    i += 64;
    assert_int_equal(i, b.len);
    assert_int_equal(b.len, 166);
    mp_buf_free(&b);
    memset(holder, 0, sizeof(holder));
}

/* The example of PROTOCOL.md section 13.6, byte for byte: issuer seed 32 bytes of 0x01, salt
 * 00 01 .. 0f, holder "ana.andromeda@email.com", issued 2025-02-01, grade "Pass". */
static void test_vector(void **state)
{
    static const char *const want_holder =
        "64d7ebab80a5903b0b014f6b5176e3f8a55a2c6f990d27142161aec4a2074de2";
    static const char *const want_digest =
        "071a1b495ba8c6085f7df0f4dd7822ff05c88d6f4668853cb6aa620048e3e479";
    static const char *const want_hex =
        "9701af49453a756e697a2f6d632d63303132c42064d7ebab80a5903b0b014f6b5176e3f8a55a2c6f990d27"
        "142161aec4a2074de2cf00000194becea000a450617373c4208a88e3dd7409f195fd52db2d3cba5d72ca67"
        "09bf1d94121bf3748801b40f6f5cc440a2119f85ef47783d88b01234ed61fe5c5b007844a64032f164c239"
        "48efb025678fa2893d53aa90496d5ada920c5720c5635baab19435f056a9e7b4e7b52cf00b";
    issuer is;
    uint8_t salt[16], h[32];
    char hex[2 * PROTO_CREDENTIAL_BYTES_MAX + 1];
    mp_buf b;
    proto_credential c;
    (void)state;
    issuer_init(&is, 1);
    for (int i = 0; i < 16; i++)
        salt[i] = (uint8_t)i;
    assert_int_equal(
        proto_credential_holder(salt, 16, (const uint8_t *)"ana.andromeda@email.com", 23, h), 0);
    sodium_bin2hex(hex, sizeof(hex), h, 32);
    assert_string_equal(hex, want_holder);
    memcpy(holder, h, 32);
    mp_buf_init(&b, PROTO_CREDENTIAL_BYTES_MAX);
    assert_int_equal(make(&b, &is, "IE:uniz/mc-c012", "Pass", T_2025_02_01, &c), 0);
    sodium_bin2hex(hex, sizeof(hex), c.digest, 32);
    assert_string_equal(hex, want_digest);
    sodium_bin2hex(hex, sizeof(hex), b.data, b.len);
    assert_string_equal(hex, want_hex);
    mp_buf_free(&b);
    memset(holder, 0, sizeof(holder));
}

/* Decodes buf and expects `code` naming `field`. */
static void expect(const uint8_t *buf, size_t len, int code, const char *field)
{
    proto_credential c;
    rn_diag d;
    memset(&d, 0, sizeof(d));
    int rc = proto_credential_decode(&c, buf, len, &d);
    if (rc != code)
        fail_msg("expected %s, got %s (%s)", rn_err_name(code), rn_err_name(rc),
                 d.field != NULL ? d.field : "-");
    if (field != NULL)
        assert_string_equal(d.field, field);
}

/* Writes an envelope field by field (for wrong types and out-of-bound values). */
static size_t hand(uint8_t *out, size_t cap, uint32_t n, uint64_t version, const char *spec,
                   size_t holder_len, uint64_t at, const char *grade, size_t grade_len,
                   size_t key_len, size_t sig_len)
{
    mp_buf b;
    uint8_t zero[128];
    issuer key; /* a valid Ed25519 key where one is expected, so that only the length is at fault */
    memset(zero, 0, sizeof(zero));
    issuer_init(&key, 9);
    mp_buf_init(&b, 4096);
    mp_put_array(&b, n);
    mp_put_uint(&b, version);
    mp_put_cstr(&b, spec);
    mp_put_bin(&b, zero, holder_len);
    mp_put_uint(&b, at);
    if (grade != NULL)
        mp_put_str(&b, grade, grade_len);
    else
        mp_put_nil(&b);
    mp_put_bin(&b, key_len == PROTO_KEY_BYTES ? key.pk : zero, key_len);
    mp_put_bin(&b, zero, sig_len);
    assert_true(b.len <= cap);
    size_t len = b.len;
    memcpy(out, b.data, len);
    mp_buf_free(&b);
    return len;
}

static void test_decode_refuses(void **state)
{
    issuer is;
    mp_buf b;
    uint8_t v[1024];
    char grade[PROTO_CREDENTIAL_GRADE_BYTES_MAX + 2];
    size_t n;
    (void)state;
    issuer_init(&is, 3);
    mp_buf_init(&b, PROTO_CREDENTIAL_BYTES_MAX);
    assert_int_equal(make(&b, &is, "IE:uniz/mc-c012", "Pass", T_2025_02_01, NULL), 0);

    /* Every truncation, and a byte after the end. */
    for (size_t k = 0; k < b.len; k++) {
        proto_credential c;
        assert_true(proto_credential_decode(&c, b.data, k, NULL) < 0);
    }
    memcpy(v, b.data, b.len);
    v[b.len] = 0xc0;
    expect(v, b.len + 1, RN_ETRAILING, "credential");
    expect(v, 0, RN_ETRUNCATED, "credential");
    /* Not an array, a wrong count. */
    expect((const uint8_t *)"\x80", 1, RN_ETYPE, "credential");
    memcpy(v, b.data, b.len);
    v[0] = 0x98;
    expect(v, b.len, RN_ECOUNT, "credential");
    /* Oversized. */
    uint8_t *huge = calloc(1, PROTO_CREDENTIAL_BYTES_MAX + 1);
    huge[0] = 0x97;
    expect(huge, PROTO_CREDENTIAL_BYTES_MAX + 1, RN_ETOOBIG, "credential");
    free(huge);
    /* Non-canonical: the version as uint8. */
    v[0] = 0x97;
    v[1] = 0xcc;
    memcpy(v + 2, b.data + 1, b.len - 1);
    v[2] = 0x01;
    expect(v, b.len + 1, RN_ENONCANON, "credential.version");

    /* Field by field, at the bound and past it. */
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, NULL, 0, 32, 64);
    expect(v, n, 0, NULL);
    n = hand(v, sizeof(v), 7, 2, "IE:a", 32, 0, NULL, 0, 32, 64);
    expect(v, n, RN_EVERSION, "credential.version");
    n = hand(v, sizeof(v), 7, 1, "XX:a", 32, 0, NULL, 0, 32, 64);
    expect(v, n, RN_EID, "credential.spec");
    n = hand(v, sizeof(v), 7, 1, "", 32, 0, NULL, 0, 32, 64);
    expect(v, n, RN_ELEN, "credential.spec");
    n = hand(v, sizeof(v), 7, 1, "IE:a", 31, 0, NULL, 0, 32, 64);
    expect(v, n, RN_ELEN, "credential.holder");
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, RN_TIME_MS_MAX, NULL, 0, 32, 64);
    expect(v, n, 0, NULL);
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, RN_TIME_MS_MAX + 1, NULL, 0, 32, 64);
    expect(v, n, RN_ETIME, "credential.issued_at");
    memset(grade, 'B', sizeof(grade));
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, grade, PROTO_CREDENTIAL_GRADE_BYTES_MAX, 32, 64);
    expect(v, n, 0, NULL);
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, grade, PROTO_CREDENTIAL_GRADE_BYTES_MAX + 1, 32,
             64);
    expect(v, n, RN_ELEN, "credential.grade");
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, grade, 0, 32, 64);
    expect(v, n, RN_ELEN, "credential.grade");
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, "\xc3\x28", 2, 32, 64);
    expect(v, n, RN_EUTF8, "credential.grade");
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, NULL, 0, 33, 64);
    expect(v, n, RN_ELEN, "credential.issuer_key");
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, NULL, 0, 32, 63);
    expect(v, n, RN_ELEN, "credential.signature");
    n = hand(v, sizeof(v), 6, 1, "IE:a", 32, 0, NULL, 0, 32, 64);
    expect(v, n, RN_ECOUNT, "credential");
    /* A grade of the wrong type (an integer where str or nil goes). */
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, NULL, 0, 32, 64);
    v[1 + 1 + 5 + 34 + 1] = 0x05;
    expect(v, n, RN_ETYPE, "credential.grade");

    /* Random bytes never crash and never verify. */
    uint32_t seed = 12345;
    for (int k = 0; k < 20000; k++) {
        size_t len = (size_t)(seed % 200);
        for (size_t j = 0; j < len; j++) {
            seed = seed * 1103515245u + 12345u;
            v[j] = (uint8_t)(seed >> 16);
        }
        if (len > 0 && (k & 1))
            v[0] = 0x97;
        proto_credential c;
        if (proto_credential_decode(&c, v, len, NULL) == 0)
            assert_int_equal(proto_credential_verify(&c), RN_ESIG);
        seed = seed * 1103515245u + 12345u;
    }
    mp_buf_free(&b);
}

/* An issuer key that is not a valid Ed25519 public key (PROTOCOL.md 4.1) is refused on decode with
 * RN_EKEY: all zero, the identity, a non-canonical encoding. */
static void test_issuer_key_point(void **state)
{
    uint8_t v[1024], bad[3][PROTO_KEY_BYTES];
    size_t n;
    (void)state;
    memset(bad, 0, sizeof(bad));
    bad[1][0] = 1;
    memset(bad[2], 0xff, PROTO_KEY_BYTES);
    bad[2][31] = 0x7f;
    n = hand(v, sizeof(v), 7, 1, "IE:a", 32, 0, NULL, 0, 32, 64);
    expect(v, n, 0, NULL);
    for (int k = 0; k < 3; k++) {
        /* The key is the 32 bytes before the signature's 66. */
        memcpy(v + n - 66 - PROTO_KEY_BYTES, bad[k], PROTO_KEY_BYTES);
        expect(v, n, RN_EKEY, "credential.issuer_key");
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_holder),         cmocka_unit_test(test_sign_verify),
        cmocka_unit_test(test_known_bytes),    cmocka_unit_test(test_vector),
        cmocka_unit_test(test_decode_refuses), cmocka_unit_test(test_issuer_key_point),
    };
    if (sodium_init() < 0)
        return 1;
    return cmocka_run_group_tests(tests, NULL, NULL);
}
