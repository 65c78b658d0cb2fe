/*
 * key_test.c: the textual public key and the secret key file (proto/key.h).
 *
 * Both formats must have exactly one spelling per key, so beside the round trips this feeds the
 * parsers every near miss we could think of: each prefix, length, alphabet, padding and
 * whitespace variant of a public key, and for key files each missing, repeated, reordered,
 * mangled or mismatched line, plus random bytes and single-byte mutations of a good file.
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

#include "proto/key.h"

/* A fixed seed: every byte 0x01 .. 0x20. */
static void fixed_seed(uint8_t seed[PROTO_SEED_BYTES], uint8_t base)
{
    for (unsigned i = 0; i < PROTO_SEED_BYTES; i++)
        seed[i] = (uint8_t)(base + i);
}

static int parse_text(const char *s, uint8_t pk[PROTO_KEY_BYTES])
{
    return proto_key_text_parse(s, strlen(s), pk);
}

static void test_text_round_trip(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES], back[PROTO_KEY_BYTES];
    char text[PROTO_KEY_TEXT_LEN + 1];

    for (uint8_t base = 0; base < 64; base++) {
        fixed_seed(seed, base);
        proto_key_sk_derive(seed, sk, pk);
        assert_memory_equal(sk, seed, PROTO_SEED_BYTES);
        assert_memory_equal(sk + PROTO_SEED_BYTES, pk, PROTO_KEY_BYTES);
        proto_key_text_format(pk, text);
        assert_int_equal(strlen(text), PROTO_KEY_TEXT_LEN);
        assert_memory_equal(text, "rn1:", 4);
        assert_int_equal(text[PROTO_KEY_TEXT_LEN - 1], '=');
        assert_int_equal(parse_text(text, back), 0);
        assert_memory_equal(back, pk, PROTO_KEY_BYTES);
    }
}

/* A known answer: RFC 8032's first test vector (secret key 9d61b19d...). */
static void test_text_known_answer(void **state)
{
    (void)state;
    static const uint8_t seed[32] = { 0x9d, 0x61, 0xb1, 0x9d, 0xef, 0xfd, 0x5a, 0x60,
                                      0xba, 0x84, 0x4a, 0xf4, 0x92, 0xec, 0x2c, 0xc4,
                                      0x44, 0x49, 0xc5, 0x69, 0x7b, 0x32, 0x69, 0x19,
                                      0x70, 0x3b, 0xac, 0x03, 0x1c, 0xae, 0x7f, 0x60 };
    static const uint8_t want[32] = { 0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7,
                                      0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
                                      0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25,
                                      0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a };
    uint8_t sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES];
    char text[PROTO_KEY_TEXT_LEN + 1];

    proto_key_sk_derive(seed, sk, pk);
    assert_memory_equal(pk, want, 32);
    proto_key_text_format(pk, text);
    assert_string_equal(text, "rn1:11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=");
}

static void test_text_malformed(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES];
    char good[PROTO_KEY_TEXT_LEN + 1], bad[128];

    fixed_seed(seed, 1);
    proto_key_sk_derive(seed, sk, pk);
    proto_key_text_format(pk, good);
    const char *b64 = good + 4;

    /* Prefixes. */
    const char *prefixes[] = { "", "rn2:", "RN1:", "rn1", "rn1 :", "rn1::", " rn1:", "ed25519:" };
    for (size_t i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++) {
        snprintf(bad, sizeof(bad), "%s%s", prefixes[i], b64);
        assert_int_equal(parse_text(bad, pk), RN_EKEY);
    }
    /* Whitespace and trailing garbage. */
    const char *suffixes[] = { " ", "\n", "\r\n", "=", "A", "AAAA", "\t" };
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        snprintf(bad, sizeof(bad), "%s%s", good, suffixes[i]);
        assert_int_equal(parse_text(bad, pk), RN_EKEY);
    }
    /* A NUL inside: the length says 48 but the string stops early. */
    memcpy(bad, good, sizeof(good));
    bad[20] = '\0';
    assert_int_equal(proto_key_text_parse(bad, PROTO_KEY_TEXT_LEN, pk), RN_EKEY);
    /* Every truncation. */
    for (size_t n = 0; n < PROTO_KEY_TEXT_LEN; n++)
        assert_int_equal(proto_key_text_parse(good, n, pk), RN_EKEY);
    /* Padding removed, with or without a replacement character. */
    memcpy(bad, good, sizeof(good));
    bad[PROTO_KEY_TEXT_LEN - 1] = '\0';
    assert_int_equal(parse_text(bad, pk), RN_EKEY);
    bad[PROTO_KEY_TEXT_LEN - 1] = 'A';
    assert_int_equal(parse_text(bad, pk), RN_EKEY);
    /* Characters outside the standard alphabet, at every position of the base64. */
    const char others[] = { '-', '_', '.', '*', ' ', '\n', (char)0xc3, '=' };
    for (size_t pos = 4; pos < PROTO_KEY_TEXT_LEN - 1; pos++) {
        for (size_t k = 0; k < sizeof(others); k++) {
            memcpy(bad, good, sizeof(good));
            bad[pos] = others[k];
            assert_int_equal(parse_text(bad, pk), RN_EKEY);
        }
    }
    /* Non-zero padding bits: the last character before '=' carries 2 unused bits. */
    memcpy(bad, good, sizeof(good));
    {
        static const char alpha[] =
            "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        const char *at = strchr(alpha, bad[PROTO_KEY_TEXT_LEN - 2]);
        assert_non_null(at);
        int v = (int)(at - alpha);
        assert_int_equal(v & 3, 0);
        for (int low = 1; low < 4; low++) {
            bad[PROTO_KEY_TEXT_LEN - 2] = alpha[v | low];
            assert_int_equal(parse_text(bad, pk), RN_EKEY);
        }
    }
    /* URL-safe alphabet: find a key whose base64 has '+' or '/' and swap in '-' or '_'. */
    for (uint8_t base = 0;; base++) {
        char text[PROTO_KEY_TEXT_LEN + 1];
        fixed_seed(seed, base);
        proto_key_sk_derive(seed, sk, pk);
        proto_key_text_format(pk, text);
        char *plus = strpbrk(text + 4, "+/");
        if (plus == NULL)
            continue;
        *plus = *plus == '+' ? '-' : '_';
        assert_int_equal(parse_text(text, pk), RN_EKEY);
        break;
    }
}

/* Well-formed base64 of 32 bytes that are not a valid Ed25519 public key. */
static void test_text_invalid_point(void **state)
{
    (void)state;
    uint8_t pk[PROTO_KEY_BYTES], zero[PROTO_KEY_BYTES] = { 0 }, ident[PROTO_KEY_BYTES] = { 1 };
    char text[PROTO_KEY_TEXT_LEN + 1];

    proto_key_text_format(zero, text); /* a small-order point */
    assert_int_equal(parse_text(text, pk), RN_EKEY);
    proto_key_text_format(ident, text); /* the identity */
    assert_int_equal(parse_text(text, pk), RN_EKEY);
    memset(zero, 0xff, sizeof(zero)); /* not a canonical field element */
    proto_key_text_format(zero, text);
    assert_int_equal(parse_text(text, pk), RN_EKEY);
}

static void test_file_round_trip(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES], pk[PROTO_KEY_BYTES];
    uint8_t seed2[PROTO_SEED_BYTES], pk2[PROTO_KEY_BYTES];
    char file[PROTO_KEY_FILE_LEN + 1];
    rn_diag d = { 0 };

    assert_int_equal(PROTO_KEY_FILE_LEN, 166);
    fixed_seed(seed, 7);
    proto_key_sk_derive(seed, sk, pk);
    proto_key_file_format(seed, file);
    assert_int_equal(strlen(file), PROTO_KEY_FILE_LEN);
    assert_memory_equal(file, PROTO_KEY_FILE_COMMENT "\nsecret: ", 64);
    assert_int_equal(proto_key_file_parse(file, strlen(file), seed2, pk2, &d), 0);
    assert_memory_equal(seed2, seed, PROTO_SEED_BYTES);
    assert_memory_equal(pk2, pk, PROTO_KEY_BYTES);
}

/* The documented example file of PROTOCOL.md: seed bytes 0x00 .. 0x1f. */
static void test_file_known_answer(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES];
    char file[PROTO_KEY_FILE_LEN + 1];

    fixed_seed(seed, 0);
    proto_key_file_format(seed, file);
    assert_string_equal(file, "# recnet secret key: keep this file private (mode 0600)\n"
                              "secret: AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\n"
                              "public: rn1:A6EHv/POEL4dcN0Y50vAmWfk1jCbpQ1fHdyGZBJVMbg=\n");
}

/* Parses `text` and returns the error, checking that a failure wipes the outputs. */
static int parse_file(const char *text, rn_diag *d)
{
    uint8_t seed[PROTO_SEED_BYTES], pk[PROTO_KEY_BYTES], zero[32] = { 0 };
    memset(seed, 0xaa, sizeof(seed));
    memset(pk, 0xaa, sizeof(pk));
    int rc = proto_key_file_parse(text, strlen(text), seed, pk, d);
    if (rc != 0) {
        assert_memory_equal(seed, zero, 32);
        assert_memory_equal(pk, zero, 32);
    }
    return rc;
}

static void test_file_variants(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES], seed_other[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES];
    uint8_t pk[PROTO_KEY_BYTES], pk_other[PROTO_KEY_BYTES];
    char s64[PROTO_KEY_B64_LEN + 1], p64[PROTO_KEY_TEXT_LEN + 1], other[PROTO_KEY_TEXT_LEN + 1];
    char f[1024];
    rn_diag d = { 0 };

    fixed_seed(seed, 7);
    fixed_seed(seed_other, 8);
    proto_key_sk_derive(seed, sk, pk);
    proto_key_sk_derive(seed_other, sk, pk_other);
    sodium_bin2base64(s64, sizeof(s64), seed, 32, sodium_base64_VARIANT_ORIGINAL);
    proto_key_text_format(pk, p64);
    proto_key_text_format(pk_other, other);

    /* Accepted: no comment, reordered lines, blank lines and comments anywhere, no final newline,
     * a comment line that is only '#'. */
    snprintf(f, sizeof(f), "secret: %s\npublic: %s\n", s64, p64);
    assert_int_equal(parse_file(f, &d), 0);
    snprintf(f, sizeof(f), "public: %s\nsecret: %s\n", p64, s64);
    assert_int_equal(parse_file(f, &d), 0);
    snprintf(f, sizeof(f), "\n#\n# backed up in the safe\n\nsecret: %s\n\n#x\npublic: %s\n\n", s64,
             p64);
    assert_int_equal(parse_file(f, &d), 0);
    snprintf(f, sizeof(f), "secret: %s\npublic: %s", s64, p64);
    assert_int_equal(parse_file(f, &d), 0);

    /* Refused, with the field at fault. */
    struct {
        const char *fmt; /* %1$s seed, %2$s public key, %3$s the other public key */
        const char *field;
        unsigned line;
    } cases[] = {
        { "", "keyfile.secret", 0 },
        { "# only a comment\n", "keyfile.secret", 0 },
        { "secret: %1$s\n", "keyfile.public", 0 },
        { "public: %2$s\n", "keyfile.secret", 0 },
        { "secret: %1$s\nsecret: %1$s\npublic: %2$s\n", "keyfile.secret", 2 },
        { "secret: %1$s\npublic: %2$s\npublic: %2$s\n", "keyfile.public", 3 },
        { "secret: %1$s\npublic: %3$s\n", "keyfile.public", 2 },
        { "secret: %1$s \npublic: %2$s\n", "keyfile.secret", 1 },
        { "secret: %1$s\r\npublic: %2$s\n", "keyfile.secret", 1 },
        { "secret:  %1$s\npublic: %2$s\n", "keyfile.secret", 1 },
        { "secret:%1$s\npublic: %2$s\n", "keyfile.line", 1 },
        { "Secret: %1$s\npublic: %2$s\n", "keyfile.line", 1 },
        { " secret: %1$s\npublic: %2$s\n", "keyfile.line", 1 },
        { "secret: %1$s\npublic: %2$s\n \n", "keyfile.line", 3 },
        { "secret: %1$s\npublic: %2$s\n\t# comment\n", "keyfile.line", 3 },
        { "secret: %1$s\npublic: %2$s\nextra: 1\n", "keyfile.line", 3 },
        { "secret: \npublic: %2$s\n", "keyfile.secret", 1 },
        { "secret: %1$s\npublic: \n", "keyfile.public", 2 },
        { "secret: %1$s\npublic: %2$s=\n", "keyfile.public", 2 },
        { "secret: rn1:%1$s\npublic: %2$s\n", "keyfile.secret", 1 },
        { "secret: %1$s\npublic: %2$.47s\n", "keyfile.public", 2 },
        { "secret: %1$.43s\npublic: %2$s\n", "keyfile.secret", 1 },
        { "secret: %1$.42s/=\npublic: %2$s\n", "keyfile.secret", 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        memset(&d, 0, sizeof(d));
        snprintf(f, sizeof(f), cases[i].fmt, s64, p64, other);
        assert_int_equal(parse_file(f, &d), RN_EKEYFILE);
        assert_int_equal(d.code, RN_EKEYFILE);
        assert_string_equal(d.field, cases[i].field);
        assert_int_equal(d.index, cases[i].line);
    }

    /* A NUL byte inside an otherwise good file. */
    {
        uint8_t so[32], po[32];
        char file[PROTO_KEY_FILE_LEN + 1];
        proto_key_file_format(seed, file);
        file[10] = '\0';
        assert_int_equal(proto_key_file_parse(file, PROTO_KEY_FILE_LEN, so, po, NULL), RN_EKEYFILE);
    }
}

static void test_file_bounds(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES], so[32], po[32];
    char good[PROTO_KEY_FILE_LEN + 1];
    static char big[PROTO_KEY_FILE_BYTES_MAX + 2];
    rn_diag d = { 0 };

    fixed_seed(seed, 3);
    proto_key_file_format(seed, good);
    /* Comments pad the file to exactly the bound: accepted. One more byte: too big. */
    size_t pad = PROTO_KEY_FILE_BYTES_MAX - PROTO_KEY_FILE_LEN;
    memset(big, '#', pad);
    big[pad - 1] = '\n';
    memcpy(big + pad, good, PROTO_KEY_FILE_LEN);
    assert_int_equal(proto_key_file_parse(big, PROTO_KEY_FILE_BYTES_MAX, so, po, &d), 0);
    memmove(big + 1, big, PROTO_KEY_FILE_BYTES_MAX);
    big[0] = '#';
    assert_int_equal(proto_key_file_parse(big, PROTO_KEY_FILE_BYTES_MAX + 1, so, po, &d),
                     RN_ETOOBIG);
    /* Every truncation of a good file fails, except the one that only drops the last newline. */
    for (size_t n = 0; n < PROTO_KEY_FILE_LEN; n++) {
        int rc = proto_key_file_parse(good, n, so, po, NULL);
        assert_int_equal(rc, n == PROTO_KEY_FILE_LEN - 1 ? 0 : RN_EKEYFILE);
    }
}

/* Every single-byte change of a good file outside its comment is refused; random files too. */
static void test_file_mutations(void **state)
{
    (void)state;
    uint8_t seed[PROTO_SEED_BYTES], so[32], po[32];
    char good[PROTO_KEY_FILE_LEN + 1], f[PROTO_KEY_FILE_LEN + 1];
    size_t body = sizeof(PROTO_KEY_FILE_COMMENT); /* first byte after the comment's newline */

    fixed_seed(seed, 9);
    proto_key_file_format(seed, good);
    for (size_t pos = body; pos < PROTO_KEY_FILE_LEN - 1; pos++) {
        for (unsigned flip = 1; flip < 256; flip <<= 1) {
            memcpy(f, good, sizeof(good));
            f[pos] = (char)(f[pos] ^ (char)flip);
            /* Turning "secret:"'s or "public:"'s first letter into '#' makes the key line a
             * comment, which then leaves a key missing: still refused. */
            assert_int_not_equal(proto_key_file_parse(f, PROTO_KEY_FILE_LEN, so, po, NULL), 0);
        }
    }
    srand(1234);
    for (int i = 0; i < 2000; i++) {
        size_t n = (size_t)rand() % sizeof(f);
        for (size_t k = 0; k < n; k++)
            f[k] = (char)rand();
        assert_int_not_equal(proto_key_file_parse(f, n, so, po, NULL), 0);
    }
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_text_round_trip), cmocka_unit_test(test_text_known_answer),
        cmocka_unit_test(test_text_malformed),  cmocka_unit_test(test_text_invalid_point),
        cmocka_unit_test(test_file_round_trip), cmocka_unit_test(test_file_known_answer),
        cmocka_unit_test(test_file_variants),   cmocka_unit_test(test_file_bounds),
        cmocka_unit_test(test_file_mutations),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
