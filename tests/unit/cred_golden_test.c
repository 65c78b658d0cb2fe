/*
 * cred_golden_test.c: the answers of cred_check_buf held byte for byte to a recorded copy
 * (tests/unit/cred_golden.txt), so that work on its speed (cred/README.md "Cost") cannot change
 * what it says. Every credential fixture (the Open Badges 3.0 conformance samples and tokens,
 * the Dutch VC-JWTs, the OB 3.0 JSON files, the unsealed ELM sample) is checked whole, cut in
 * half and with one byte changed, against the samples' issuer documents, the Dutch issuer's key
 * and a fixed time; each answer is written as its return code, reason, form, counts and every
 * check (name, result, reason).
 *
 * To record the copy again after a change meant to alter the answers:
 * RN_GOLDEN_WRITE=tests/unit/cred_golden.txt build/tests/cred_golden_test
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cred/codec.h"
#include "cred/cred.h"
#include "proto/key.h"

#define NOW_MS     1767225600000ull /* 2026-01-01T00:00:00Z */
#define GOLDEN     RN_SOURCE_DIR "/tests/unit/cred_golden.txt"
#define ANSWER_MAX (4u << 20)
#define VARIANTS   3

static const char *const FILES[] = {
    "ob3/bitstring-status-revoked.json",
    "ob3/complete.json",
    "ob3/complete_v1.json",
    "ob3/credential-status-revoked.json",
    "ob3/derivedcredential.json",
    "ob3/simple-context-alias.json",
    "ob3/simple-context-version.json",
    "ob3/simple-did-key-method.json",
    "ob3/simple-did-web-method.json",
    "ob3/simple-eddsa-2022.json",
    "ob3/simple-err-context.json",
    "ob3/simple-err-credential-subject-achievement-result-description-type.json",
    "ob3/simple-err-credential-subject-identifier-type.json",
    "ob3/simple-err-credential-subject-profile-type.json",
    "ob3/simple-err-credential-subject-result-type.json",
    "ob3/simple-err-credential-subject-type.json",
    "ob3/simple-err-evidence-type.json",
    "ob3/simple-err-expired.json",
    "ob3/simple-err-issued.json",
    "ob3/simple-err-issuer-otheridentifier-type.json",
    "ob3/simple-err-issuer-parentorg-type.json",
    "ob3/simple-err-issuer-type.json",
    "ob3/simple-err-issuer.json",
    "ob3/simple-err-proof-method-no-scheme.json",
    "ob3/simple-err-proof-method-unknown-did-method.json",
    "ob3/simple-err-proof-method-unknown-scheme.json",
    "ob3/simple-err-proof-method.json",
    "ob3/simple-err-proof-value.json",
    "ob3/simple-err-type.json",
    "ob3/simple-jwt.jwt",
    "ob3/simple-jwt_v1.jwt",
    "ob3/simple-multiple-proofs.json",
    "ob3/simple-noproof.json",
    "ob3/simple.json",
    "ob3/simple.jwt",
    "ob3/simple_v1.json",
    "ob3/velocity.jwt",
    "vcjwt/mbob_full.jwt",
    "vcjwt/theed_full.jwt",
    "vcjwt/theed_full_hs256.jwt",
    "vcjwt/theed_full_other_key.jwt",
    "vcjwt/theed_full_tampered.jwt",
    "vcjwt/theed_minimal.jwt",
    "vcjwt/uvh_full.jwt",
    "obv3/mbob_eo_eov_microcredential_full.json",
    "obv3/theed_microcredential_full_ho.json",
    "obv3/theed_microcredential_minimal_ho.json",
    "obv3/uvh_at_microcredential_full_1.json",
    "elm/Sample-MC-Annex1-unsigned.jsonld",
};

static uint8_t *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("%s: cannot open", path);
    uint8_t *buf = malloc(CRED_FILE_BYTES_MAX);
    assert_non_null(buf);
    *len = fread(buf, 1, CRED_FILE_BYTES_MAX, f);
    fclose(f);
    return buf;
}

/* Appends to out[0..*used) what printf would write, bounded by ANSWER_MAX. */
__attribute__((format(printf, 3, 4))) static void put(char *out, size_t *used, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int k = vsnprintf(out + *used, ANSWER_MAX - *used, fmt, ap);
    va_end(ap);
    assert_true(k >= 0 && (size_t)k < ANSWER_MAX - *used);
    *used += (size_t)k;
}

static void answer(const char *name, const uint8_t *buf, size_t len, const cred_opts *o, char *out,
                   size_t *used)
{
    cred_report r;
    char why[512] = "";
    int rc = cred_check_buf(buf, len, o, &r, why, sizeof(why));
    put(out, used, "== %s\nrc %d %s\n", name, rc, rc < 0 ? why : "");
    put(out, used, "form %s | failed %zu | not checked %zu | dropped %zu | key %s | index %zu\n",
        r.form, r.failed, r.not_checked, r.dropped, cred_kty_name(r.key.kty),
        r.key_index == SIZE_MAX ? (size_t)0 : r.key_index + 1);
    for (size_t i = 0; i < r.n; i++)
        put(out, used, "%s | %s | %s\n", r.checks[i].name, cred_result_name(r.checks[i].result),
            r.checks[i].reason);
    cred_report_free(&r);
}

static void test_answers_unchanged(void **state)
{
    (void)state;
    cred_docs docs;
    cred_key issuer;
    char why[400] = "", text[128] = "";
    uint8_t pk[PROTO_KEY_BYTES];
    cred_docs_init(&docs);
    assert_int_equal(cred_docs_load_dir(&docs, RN_FIXTURES "/ob3/issuer-docs", why, sizeof(why)),
                     0);
    FILE *f = fopen(RN_FIXTURES "/vcjwt/issuer.pub", "r");
    assert_non_null(f);
    assert_non_null(fgets(text, sizeof(text), f));
    fclose(f);
    text[strcspn(text, "\r\n")] = '\0';
    assert_int_equal(proto_key_text_parse(text, strlen(text), pk), 0);
    cred_key_ed25519(&issuer, pk);
    cred_opts o;
    memset(&o, 0, sizeof(o));
    o.docs = &docs;
    o.keys = &issuer;
    o.keys_n = 1;
    o.now_ms = NOW_MS;

    char *out = malloc(ANSWER_MAX);
    assert_non_null(out);
    size_t used = 0;
    for (size_t i = 0; i < sizeof(FILES) / sizeof(FILES[0]); i++) {
        char path[512], name[600];
        size_t len;
        snprintf(path, sizeof(path), RN_FIXTURES "/%s", FILES[i]);
        uint8_t *buf = slurp(path, &len);
        for (int v = 0; v < VARIANTS; v++) {
            size_t n = len;
            if (v == 1) {
                n = len / 2; /* cut in half */
            } else if (v == 2) {
                buf[len / 3] = buf[len / 3] == 'A' ? 'B' : 'A'; /* one byte changed */
            }
            snprintf(name, sizeof(name), "%s %s", FILES[i],
                     v == 0   ? "whole"
                     : v == 1 ? "cut in half"
                              : "one byte changed");
            answer(name, buf, n, &o, out, &used);
        }
        free(buf);
    }

    const char *write = getenv("RN_GOLDEN_WRITE");
    if (write != NULL) {
        FILE *w = fopen(write, "wb");
        assert_non_null(w);
        assert_int_equal(fwrite(out, 1, used, w), used);
        assert_int_equal(fclose(w), 0);
    } else {
        size_t glen;
        uint8_t *golden = slurp(GOLDEN, &glen);
        /* The first line that differs, for the person reading the failure. */
        size_t at = 0, line = 1;
        while (at < used && at < glen && out[at] == (char)golden[at]) {
            if (out[at] == '\n')
                line++;
            at++;
        }
        if (at != used || used != glen) {
            size_t start = at;
            while (start > 0 && out[start - 1] != '\n')
                start--;
            fail_msg("the answers differ from %s at line %zu: now \"%.200s\"", GOLDEN, line,
                     out + start);
        }
        free(golden);
    }
    free(out);
    cred_key_free(&issuer);
    cred_docs_free(&docs);
}

__attribute__((format(printf, 2, 3))) static void want_of(char want[CRED_REASON_BYTES],
                                                          const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(want, CRED_REASON_BYTES, fmt, ap);
    va_end(ap);
}

/* A reason is written as snprintf would write it, for each conversion the formatter reads
 * itself, at the size bound and past it, and for those it hands to libc. */
#define SAME(...)                                                                                  \
    do {                                                                                           \
        char want[CRED_REASON_BYTES];                                                              \
        cred_report_add(&r, "name", CRED_PASS, __VA_ARGS__);                                       \
        want_of(want, __VA_ARGS__);                                                                \
        assert_string_equal(r.checks[r.n - 1].reason, want);                                       \
    } while (0)

static void test_reasons_as_snprintf(void **state)
{
    (void)state;
    static cred_report r;
    char big[1000], name[200];
    memset(big, 'x', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    cred_report_init(&r);
    SAME("plain text");
    SAME("%s", "");
    SAME("%s", big);
    SAME("%s and %s", "a", big);
    SAME("%.5s|%.0s|%.300s|%.120s", "abcdefgh", "gone", big, "short");
    SAME("%zu %zu %zu", (size_t)0, (size_t)42, SIZE_MAX);
    SAME("%u %u %d %d %d", 0u, 4294967295u, 0, -2147483647 - 1, 2147483647);
    SAME("100%% of %s", "it");
    SAME("%s%%", big + 700);
    SAME("%s then %x then %s", "hex", 255u, "more"); /* handed to vsnprintf */
    SAME("%5s|%-3d|%ld", "ab", 7, 123456789l);       /* flags and widths too */
    SAME("%.*s and %s", 3, "abcdef", "rest");
    const char *volatile nul = NULL;
    SAME("%s|%.3s", nul, nul); /* libc's "(null)" */
    memset(name, 'n', sizeof(name) - 1);
    name[sizeof(name) - 1] = '\0';
    cred_report_add(&r, name, CRED_FAIL, "%s", "x");
    assert_int_equal(strlen(r.checks[r.n - 1].name), CRED_NAME_BYTES - 1);
    assert_int_equal(r.failed, 1);
    cred_report_free(&r);
}

/* Dates written by hand are the ones gmtime_r and strftime wrote, through the years and the
 * leap days, and past the year 9999 as strftime writes them. */
static void test_dates_as_strftime(void **state)
{
    (void)state;
    uint64_t s = 0;
    for (unsigned i = 0; i < 200000; i++) {
        char got[21], want[21];
        time_t t = (time_t)s;
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(want, sizeof(want), "%Y-%m-%dT%H:%M:%SZ", &tm);
        cred_time_format(s * 1000u + i % 1000u, got);
        if (strcmp(got, want) != 0)
            fail_msg("%llu: %s, not %s", (unsigned long long)s, got, want);
        s += 1267u + (i % 7u) * 86399u; /* hours, minutes and seconds over some 1600 years */
    }
    char got[21];
    cred_time_format(253402300799999ull, got);
    assert_string_equal(got, "9999-12-31T23:59:59Z");
    cred_time_format(951782400000ull, got);
    assert_string_equal(got, "2000-02-29T00:00:00Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_answers_unchanged),
        cmocka_unit_test(test_reasons_as_snprintf),
        cmocka_unit_test(test_dates_as_strftime),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
