/*
 * cred_status_test.c: W3C Bitstring Status List v1.0 (cred/status.h, cred_status): the
 * encodedList both ways (a round trip of patterned bitstrings; refused encodings: not
 * base64url, not GZIP, bytes after the stream, a stream that inflates past the bound), the list
 * credential a node signs (its members; the eddsa-jcs-2022 proof verifies with cred_di_verify
 * and its did:key resolves to the signer; the same inputs give the same bytes), and a credential's
 * credentialStatus checked against it (REVOKED for a set index, not revoked for another; a list
 * of another issuer that the credential does not name, or whose proof was tampered with, fails).
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
#include <zlib.h>

#include "cred/cred.h"
#include "cred/di.h"
#include "cred/did.h"
#include "cred/status.h"

#define LIST_URL   "https://recnet.example.ie/v1/status/IE:zed"
#define T_2026     1767225600000ull  /* 2026-01-01 */
#define LIST_BYTES ((1u << 20) / 8u) /* the length of a node's lists (proto/limits.h) */

static uint8_t sk[64], pk[32];

static int sign_cb(void *ctx, const uint8_t *msg, size_t len, uint8_t sig[64])
{
    (void)ctx;
    crypto_sign_detached(sig, NULL, msg, len, sk);
    return 0;
}

/* The verifier's resolver: did:key through the credential library, the key bound to the list's
 * issuer (ctx); or, when `override` is set, another key, as a forger's list would resolve. */
static uint8_t signer_pk_override[32];
static bool override;
static int resolve(void *ctx, const char *vm, uint8_t out[32])
{
    char why[256];
    if (override) {
        memcpy(out, signer_pk_override, 32);
        return 0;
    }
    return cred_resolve_ed25519(NULL, vm, (const char *)ctx, out, why, sizeof(why));
}

static void set_bit(uint8_t *bits, uint32_t i)
{
    bits[i / 8u] |= (uint8_t)(0x80u >> (i % 8u));
}

static void test_roundtrip(void **state)
{
    (void)state;
    static const size_t lens[] = { 1, 16384, LIST_BYTES };
    for (size_t k = 0; k < sizeof(lens) / sizeof(lens[0]); k++) {
        uint8_t *bits = calloc(1, lens[k]);
        assert_non_null(bits);
        for (size_t i = 0; i < lens[k]; i += 97)
            bits[i] = (uint8_t)(i * 31u + 7u);
        char *enc = NULL;
        assert_int_equal(cred_status_list_encode(bits, lens[k], &enc), 0);
        assert_int_equal(enc[0], 'u');
        for (const char *p = enc + 1; *p != '\0'; p++)
            assert_true(cred_b64url_char((uint8_t)*p));
        uint8_t *back = NULL;
        size_t back_len = 0;
        assert_int_equal(cred_status_list_decode(enc, strlen(enc), &back, &back_len), 0);
        assert_int_equal(back_len, lens[k]);
        assert_memory_equal(back, bits, lens[k]);
        /* The StatusList2021 form, without the 'u', reads the same. */
        free(back);
        assert_int_equal(cred_status_list_decode(enc + 1, strlen(enc) - 1, &back, &back_len), 0);
        assert_int_equal(back_len, lens[k]);
        free(back);
        free(enc);
        free(bits);
    }
    /* A list of 2^20 zeros is small: what a verifier fetches costs little. */
    uint8_t *zeros = calloc(1, LIST_BYTES);
    char *enc = NULL;
    assert_int_equal(cred_status_list_encode(zeros, LIST_BYTES, &enc), 0);
    assert_true(strlen(enc) < 512);
    free(enc);
    free(zeros);
    assert_int_equal(cred_status_list_encode((const uint8_t *)"", 0, &enc), RN_EINVAL);
    assert_null(enc);
}

/* GZIP of in[0..n) (zlib), for the negative cases. */
static uint8_t *gzip(const uint8_t *in, size_t n, size_t *out_len)
{
    z_stream zs;
    memset(&zs, 0, sizeof(zs));
    assert_int_equal(deflateInit2(&zs, 9, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY), Z_OK);
    uLong cap = deflateBound(&zs, (uLong)n) + 16;
    uint8_t *out = malloc(cap);
    zs.next_in = (Bytef *)(uintptr_t)in;
    zs.avail_in = (uInt)n;
    zs.next_out = out;
    zs.avail_out = (uInt)cap;
    assert_int_equal(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *out_len = zs.total_out;
    deflateEnd(&zs);
    return out;
}

static int decode_b64(const uint8_t *gz, size_t n)
{
    char *b = cred_b64url_encode(gz, n);
    size_t len = strlen(b);
    char *t = malloc(len + 2);
    t[0] = 'u';
    memcpy(t + 1, b, len + 1);
    uint8_t *bits = NULL;
    size_t bits_len = 0;
    int rc = cred_status_list_decode(t, len + 1, &bits, &bits_len);
    if (rc != 0)
        assert_null(bits);
    free(bits);
    free(t);
    free(b);
    return rc;
}

static void test_decode_refused(void **state)
{
    (void)state;
    uint8_t *bits = NULL;
    size_t len = 0;
    static const char *const bad[] = { "", "u", "u!!!!", "u====", "uAAAA", "zAAAA" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
        assert_int_equal(cred_status_list_decode(bad[i], strlen(bad[i]), &bits, &len),
                         RN_EMALFORMED);
    /* zlib's own wrapper (not GZIP), raw bytes, a truncated stream, bytes after the stream. */
    uint8_t plain[64] = { 0x80 }, zl[128];
    uLongf zl_len = sizeof(zl);
    assert_int_equal(compress(zl, &zl_len, plain, sizeof(plain)), Z_OK);
    assert_int_equal(decode_b64(zl, zl_len), RN_EMALFORMED);
    assert_int_equal(decode_b64(plain, sizeof(plain)), RN_EMALFORMED);
    size_t gz_len = 0;
    uint8_t *gz = gzip(plain, sizeof(plain), &gz_len);
    assert_int_equal(decode_b64(gz, gz_len), 0);
    assert_int_equal(decode_b64(gz, gz_len - 1), RN_EMALFORMED);
    uint8_t *longer = malloc(gz_len + 1);
    memcpy(longer, gz, gz_len);
    longer[gz_len] = 0;
    assert_int_equal(decode_b64(longer, gz_len + 1), RN_EMALFORMED);
    free(longer);
    free(gz);
    /* At the bound, and one byte past it: a stream that inflates too far is refused. */
    uint8_t *big = calloc(1, CRED_STATUS_BYTES_MAX + 1u);
    gz = gzip(big, CRED_STATUS_BYTES_MAX, &gz_len);
    assert_int_equal(decode_b64(gz, gz_len), 0);
    free(gz);
    gz = gzip(big, CRED_STATUS_BYTES_MAX + 1u, &gz_len);
    assert_int_equal(decode_b64(gz, gz_len), RN_ETOOBIG);
    free(gz);
    free(big);
}

/* The list of LIST_URL with `revoked` set, as JSON text. */
static char *make_list(const uint32_t *revoked, size_t n, uint64_t at)
{
    uint8_t *bits = calloc(1, LIST_BYTES);
    for (size_t i = 0; i < n; i++)
        set_bit(bits, revoked[i]);
    cred_status_list_doc d = { LIST_URL, pk, at, "revocation", bits, LIST_BYTES, NULL };
    char *json = NULL;
    assert_int_equal(cred_status_list_credential(&d, sign_cb, NULL, &json), 0);
    free(bits);
    return json;
}

static void test_credential(void **state)
{
    (void)state;
    static const uint32_t revoked[] = { 0, 94567, (1u << 20) - 1 };
    char *text = make_list(revoked, 3, T_2026);
    json_error_t err;
    json_t *list = json_loads(text, 0, &err);
    assert_non_null(list);
    char did[CRED_DID_KEY_CHARS];
    cred_did_key_ed25519(pk, did);
    assert_true(strncmp(did, "did:key:z6Mk", 12) == 0);
    assert_string_equal(json_string_value(json_object_get(list, "issuer")), did);
    assert_string_equal(json_string_value(json_object_get(list, "id")), LIST_URL);
    assert_string_equal(json_string_value(json_object_get(list, "validFrom")),
                        "2026-01-01T00:00:00Z");
    assert_string_equal(json_string_value(json_array_get(json_object_get(list, "@context"), 0)),
                        "https://www.w3.org/ns/credentials/v2");
    assert_string_equal(json_string_value(json_array_get(json_object_get(list, "type"), 1)),
                        "BitstringStatusListCredential");
    json_t *subj = json_object_get(list, "credentialSubject");
    assert_string_equal(json_string_value(json_object_get(subj, "id")), LIST_URL "#list");
    assert_string_equal(json_string_value(json_object_get(subj, "type")), "BitstringStatusList");
    assert_string_equal(json_string_value(json_object_get(subj, "statusPurpose")), "revocation");
    const char *enc = json_string_value(json_object_get(subj, "encodedList"));
    uint8_t *bits = NULL;
    size_t len = 0;
    assert_int_equal(cred_status_list_decode(enc, strlen(enc), &bits, &len), 0);
    assert_int_equal(len, LIST_BYTES);
    size_t set = 0;
    for (size_t i = 0; i < len; i++)
        set += (size_t)__builtin_popcount(bits[i]);
    assert_int_equal(set, 3);
    assert_int_equal(bits[0], 0x80);
    assert_int_equal(bits[94567 / 8] & (0x80 >> (94567 % 8)), 0x80 >> (94567 % 8));
    assert_int_equal(bits[LIST_BYTES - 1], 0x01);
    free(bits);
    /* The proof: eddsa-jcs-2022 by the did:key, which resolves to the signer's key. */
    json_t *proof = json_object_get(list, "proof");
    assert_string_equal(json_string_value(json_object_get(proof, "cryptosuite")), "eddsa-jcs-2022");
    const char *vm = json_string_value(json_object_get(proof, "verificationMethod"));
    uint8_t got[32];
    char why[256];
    assert_int_equal(cred_resolve_ed25519(NULL, vm, did, got, why, sizeof(why)), 0);
    assert_memory_equal(got, pk, 32);
    cred_di_result res;
    assert_int_equal(cred_di_verify(list, resolve, did, &res), 0);
    assert_int_equal(res.suite, CRED_DI_EDDSA_JCS_2022);
    /* Signed by another key, it does not verify. */
    uint8_t other_pk[32], other_sk[64];
    crypto_sign_keypair(other_pk, other_sk);
    memcpy(signer_pk_override, other_pk, 32);
    override = true;
    assert_int_equal(cred_di_verify(list, resolve, did, &res), RN_ESIG);
    override = false;
    /* The same inputs, the same bytes; and the same list from its encodedList already made. */
    char *again = make_list(revoked, 3, T_2026);
    assert_string_equal(again, text);
    free(again);
    cred_status_list_doc pre = { LIST_URL, pk, T_2026, "revocation", NULL, 0, enc };
    assert_int_equal(cred_status_list_credential(&pre, sign_cb, NULL, &again), 0);
    assert_string_equal(again, text);
    free(again);
    pre.encoded = "AAAA"; /* not multibase base64url */
    assert_int_equal(cred_status_list_credential(&pre, sign_cb, NULL, &again), RN_EINVAL);
    /* Refused inputs. */
    uint8_t *few = calloc(1, CRED_STATUS_BITS_MIN / 8u);
    cred_status_list_doc d = { LIST_URL,     pk,  T_2026,
                               "revocation", few, CRED_STATUS_BITS_MIN / 8u - 1,
                               NULL };
    char *out = NULL;
    assert_int_equal(cred_status_list_credential(&d, sign_cb, NULL, &out), RN_EINVAL);
    d.len = CRED_STATUS_BITS_MIN / 8u;
    assert_int_equal(cred_status_list_credential(&d, sign_cb, NULL, &out), 0);
    free(out);
    out = NULL;
    static const char *const bad_ids[] = { "ftp://x/y", "https://", "https://a b",
                                           "",          "urn:",     "https://x/\"" };
    for (size_t i = 0; i < sizeof(bad_ids) / sizeof(bad_ids[0]); i++) {
        d.id = bad_ids[i];
        assert_int_equal(cred_status_list_credential(&d, sign_cb, NULL, &out), RN_EINVAL);
        assert_null(out);
    }
    d.id = "urn:recnet:status:IE:zed";
    assert_int_equal(cred_status_list_credential(&d, sign_cb, NULL, &out), 0);
    free(out);
    free(few);
    json_decref(list);
    free(text);
}

/* A credential of issuer `issuer` whose status names index `index` of `url`. */
static json_t *credential(const char *issuer, const char *url, uint32_t index)
{
    char idx[16];
    snprintf(idx, sizeof(idx), "%u", index);
    return json_pack("{s:[s], s:s, s:{s:s, s:s, s:s, s:s}}", "type", "VerifiableCredential",
                     "issuer", issuer, "credentialStatus", "type", "BitstringStatusListEntry",
                     "statusPurpose", "revocation", "statusListIndex", idx, "statusListCredential",
                     url);
}

static cred_result status_of(const json_t *vc, const json_t *list, cred_report *r)
{
    cred_report_init(r);
    cred_status(vc, list, r);
    const cred_check *c = cred_report_find(r, "status");
    assert_non_null(c);
    return c->result;
}

static void test_check(void **state)
{
    (void)state;
    static const uint32_t revoked[] = { 94567 };
    char *text = make_list(revoked, 1, T_2026);
    json_t *list = json_loads(text, 0, NULL);
    cred_report r;
    /* The provider's credential names the authority's list: delegated, so the list is used. */
    json_t *vc = credential("https://uniz.example.ie", LIST_URL, 94567);
    assert_int_equal(status_of(vc, list, &r), CRED_FAIL);
    assert_non_null(strstr(cred_report_find(&r, "status")->reason, "REVOKED"));
    assert_int_equal(cred_report_find(&r, "status list proof")->result, CRED_PASS);
    cred_report_free(&r);
    json_decref(vc);
    vc = credential("https://uniz.example.ie", LIST_URL, 94566);
    assert_int_equal(status_of(vc, list, &r), CRED_PASS);
    assert_non_null(strstr(cred_report_find(&r, "status")->reason, "not revoked"));
    cred_report_free(&r);
    json_decref(vc);
    /* A list of another issuer that the credential does not name. */
    vc = credential("https://uniz.example.ie", "https://elsewhere.example/list", 94567);
    assert_int_equal(status_of(vc, list, &r), CRED_FAIL);
    assert_non_null(strstr(cred_report_find(&r, "status")->reason, "not the list"));
    cred_report_free(&r);
    json_decref(vc);
    /* A list whose bits were changed after it was signed: its proof fails. */
    json_t *subj = json_object_get(list, "credentialSubject");
    char *enc = NULL;
    uint8_t *none = calloc(1, LIST_BYTES);
    assert_int_equal(cred_status_list_encode(none, LIST_BYTES, &enc), 0);
    json_object_set_new(subj, "encodedList", json_string(enc));
    vc = credential("https://uniz.example.ie", LIST_URL, 94567);
    assert_int_equal(status_of(vc, list, &r), CRED_PASS);
    assert_int_equal(cred_report_find(&r, "status list proof")->result, CRED_FAIL);
    assert_true(r.failed >= 1);
    cred_report_free(&r);
    /* Without a proof, the list is the file the verifier trusts: said not checked. */
    json_object_del(list, "proof");
    assert_int_equal(status_of(vc, list, &r), CRED_PASS);
    assert_int_equal(cred_report_find(&r, "status list proof")->result, CRED_NOT_CHECKED);
    cred_report_free(&r);
    json_decref(vc);
    free(none);
    free(enc);
    json_decref(list);
    free(text);
}

/* RN_WRITE_CORPUS=DIR writes the fuzzer's seeds of a node's list (tests/fuzz/corpus/status/):
 * a list the fuzzer's fixed credential names, with its entry 23 set and signed. */
/* The provider a recnet list's URL names (PROTOCOL.md 13.7), and URLs that name none. */
static void test_list_provider(void **state)
{
    (void)state;
    char p[64];
    assert_int_equal(cred_status_list_provider("urn:recnet:status:IE:uniz", p, sizeof(p)), 0);
    assert_string_equal(p, "IE:uniz");
    assert_int_equal(
        cred_status_list_provider("https://gw.example/v1/status/IE%3auniz", p, sizeof(p)), 0);
    assert_string_equal(p, "IE:uniz");
    assert_int_equal(
        cred_status_list_provider("http://h:8080/x/v1/status/IE:uniz?at=1#l", p, sizeof(p)), 0);
    assert_string_equal(p, "IE:uniz");
    static const char *const none[] = {
        "urn:recnet:status:",
        "https://gw.example/v1/status/",
        "https://gw.example/status/IE:uniz",
        "ftp://gw.example/v1/status/IE:uniz",
        "https://gw.example/v1/status/IE%3",
        "https://gw.example/v1/status/IE%00x",
        "https://gw.example/v1/status/IE%2Fx",
        "https://gw.example/v1/statusIE:uniz",
        "https://gw.example?/v1/status/IE:u",
        "urn:recnet:list:IE:uniz",
    };
    for (size_t i = 0; i < sizeof(none) / sizeof(none[0]); i++)
        assert_int_equal(cred_status_list_provider(none[i], p, sizeof(p)), RN_ENOTFOUND);
    /* Longer than the room given. */
    assert_int_equal(cred_status_list_provider("urn:recnet:status:IE:uniz", p, 7), RN_ENOTFOUND);
    assert_int_equal(cred_status_list_provider("urn:recnet:status:IE:uniz", p, 8), 0);
}

static void test_write_corpus(void **state)
{
    (void)state;
    const char *dir = getenv("RN_WRITE_CORPUS");
    if (dir == NULL)
        return;
    uint8_t *bits = calloc(1, CRED_STATUS_BITS_MIN / 8u);
    set_bit(bits, 23);
    cred_status_list_doc d = { "https://uni.example/status/1", pk,  T_2026, "revocation", bits,
                               CRED_STATUS_BITS_MIN / 8u,      NULL };
    char *json = NULL, path[512];
    assert_int_equal(cred_status_list_credential(&d, sign_cb, NULL, &json), 0);
    snprintf(path, sizeof(path), "%s/recnet-signed", dir);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(json, 1, strlen(json), f), strlen(json));
    assert_int_equal(fclose(f), 0);
    json_t *list = json_loads(json, 0, NULL);
    snprintf(path, sizeof(path), "%s/recnet-encoded-list", dir);
    f = fopen(path, "wb");
    const char *enc = json_string_value(
        json_object_get(json_object_get(list, "credentialSubject"), "encodedList"));
    assert_int_equal(fwrite(enc, 1, strlen(enc), f), strlen(enc));
    assert_int_equal(fclose(f), 0);
    json_decref(list);
    free(json);
    free(bits);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    uint8_t seed[32];
    memset(seed, 'A', sizeof(seed));
    crypto_sign_seed_keypair(pk, sk, seed);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),    cmocka_unit_test(test_decode_refused),
        cmocka_unit_test(test_credential),   cmocka_unit_test(test_check),
        cmocka_unit_test(test_write_corpus), cmocka_unit_test(test_list_provider),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
