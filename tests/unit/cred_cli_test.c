/*
 * cred_cli_test.c: `recnetctl credential check` in-process through cli_main: exit 0 when every
 * check that could be made passed, 1 when one failed (each failure named), 3 for a file that is
 * not a credential it reads, 2 for a usage error; --issuer-docs, --status-list, --trust and
 * --issuer-key; the JSON form of the answer. And `credential verify`, which runs the same checks
 * before it asks the node: an expired token, or one whose iss is not its badge's issuer, is not
 * valid whatever the node would say.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "cli.h"
#include "cred/codec.h"
#include "cred/vcjwt.h"

#define OB3(f)   RN_FIXTURES "/ob3/" f
#define VCJWT(f) RN_FIXTURES "/vcjwt/" f
#define AT       "2026-01-01"

static char out[] = "/tmp/cred_cli_test.XXXXXX";

static int run(const char *first, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    argv[argc++] = (char *)"recnetctl";
    va_start(ap, first);
    for (const char *s = first; s != NULL && argc < 31; s = va_arg(ap, const char *))
        argv[argc++] = (char *)s;
    va_end(ap);
    argv[argc] = NULL;
    fflush(stdout);
    return cli_main(argc, argv);
}

static void capture_begin(void)
{
    fflush(stdout);
    assert_non_null(freopen(out, "w", stdout));
}

static char *capture_end(void)
{
    fflush(stdout);
    assert_non_null(freopen("/dev/null", "w", stdout));
    FILE *f = fopen(out, "rb");
    assert_non_null(f);
    char *b = calloc(1, 1 << 20);
    size_t n = fread(b, 1, (1 << 20) - 1, f);
    b[n] = '\0';
    fclose(f);
    return b;
}

/* Runs `credential check` and expects exit `rc` and `needle` in what it prints. */
static void says(int rc, const char *needle, const char *file, const char *o1, const char *v1)
{
    capture_begin();
    int got = run("credential", "check", file, "--at", AT, o1, v1, NULL);
    char *text = capture_end();
    if (got != rc || strstr(text, needle) == NULL)
        fail_msg("%s: exit %d (expected %d), output:\n%s\n(expected \"%s\")", file, got, rc, text,
                 needle);
    free(text);
}

static void test_exit_codes(void **state)
{
    (void)state;
    says(0, "every check that could be made passed", OB3("simple.json"), NULL, NULL);
    says(0, "proof 1 of 1 (eddsa-rdfc-2022) verifies", OB3("simple.json"), NULL, NULL);
    says(1, "does not verify", OB3("simple-err-proof-value.json"), NULL, NULL);
    says(1, "NOT VALID: 1 check(s) failed: validUntil", OB3("simple-err-expired.json"), NULL, NULL);
    says(1, "no scheme", OB3("simple-err-proof-method-no-scheme.json"), NULL, NULL);
    says(0, "lists the key", OB3("simple-jwt.jwt"), "--issuer-docs", OB3("issuer-docs"));
    says(0, "nothing supplied ties the key", OB3("simple-jwt.jwt"), NULL, NULL);
    says(1, "REVOKED", OB3("bitstring-status-revoked.json"), "--status-list",
         OB3("bitstring-testlist.json"));
    says(1, "unsealed", RN_FIXTURES "/elm/Sample-MC-Annex1-unsigned.jsonld", NULL, NULL);
    says(0, "a key registered for the issuer", VCJWT("theed_full.jwt"), "--issuer-key",
         "rn1:5o5O+U6yUUqZuuq8Jam1mECWqXFeyAicr7lvBcFm2Y0=");
    says(1, "signature", VCJWT("theed_full_other_key.jwt"), "--issuer-key",
         "rn1:5o5O+U6yUUqZuuq8Jam1mECWqXFeyAicr7lvBcFm2Y0=");
    /* Not credentials it reads: exit 3. */
    assert_int_equal(run("credential", "check", RN_FIXTURES "/codes/eqf.tsv", NULL), CLI_REFUSED);
    assert_int_equal(run("credential", "check", VCJWT("theed_full_hs256.jwt"), NULL), CLI_REFUSED);
    assert_int_equal(run("credential", "check", OB3("bitstring-testlist.json"), NULL), CLI_REFUSED);
    /* Usage and files. */
    assert_int_equal(run("credential", "check", NULL), CLI_USAGE);
    assert_int_equal(run("credential", "check", OB3("simple.json"), "--at", "soon", NULL),
                     CLI_USAGE);
    assert_int_equal(run("credential", "check", OB3("simple.json"), "--issuer-key", "rn1:x", NULL),
                     CLI_USAGE);
    assert_int_equal(run("credential", "check", "/nonexistent.json", NULL), CLI_ERROR);
    assert_int_equal(
        run("credential", "check", OB3("simple.json"), "--issuer-docs", "/nonexistent", NULL),
        CLI_ERROR);
    assert_int_equal(run("credential", "check", OB3("simple.json"), "--status-list",
                         RN_FIXTURES "/codes/eqf.tsv", NULL),
                     CLI_REFUSED);
    assert_int_equal(run("credential", "check", OB3("simple.json"), "--trust",
                         RN_FIXTURES "/codes/eqf.tsv", NULL),
                     CLI_REFUSED);
}

static void test_json(void **state)
{
    (void)state;
    capture_begin();
    int rc = run("--json", "credential", "check", OB3("simple-err-issued.json"), "--at", AT, NULL);
    char *text = capture_end();
    assert_int_equal(rc, CLI_NEGATIVE);
    json_t *j = json_loads(text, 0, NULL);
    assert_non_null(j);
    assert_false(json_is_true(json_object_get(j, "valid")));
    assert_true(json_integer_value(json_object_get(j, "failed")) >= 1);
    size_t i;
    json_t *c;
    bool seen = false;
    json_array_foreach(json_object_get(j, "checks"), i, c)
    {
        if (strcmp(json_string_value(json_object_get(c, "name")), "validFrom") == 0) {
            assert_string_equal(json_string_value(json_object_get(c, "result")), "fail");
            assert_non_null(
                strstr(json_string_value(json_object_get(c, "reason")), "not yet valid"));
            seen = true;
        }
    }
    assert_true(seen);
    json_decref(j);
    free(text);
}

/* The Theed badge's token re-signed by the fixture issuer key (tests/fixtures/vcjwt/README.md)
 * after `claim` is set to `value` (NULL removes it); written to a temporary file. */
static void resigned(const char *claim, json_t *value, char *path, size_t path_len)
{
    uint8_t seed[32], pk[32], sk[64], sig[64];
    static const char phrase[] = "recnet vcjwt fixture: issuer key";
    crypto_generichash(seed, sizeof(seed), (const uint8_t *)phrase, strlen(phrase), NULL, 0);
    crypto_sign_seed_keypair(pk, sk, seed);
    FILE *f = fopen(VCJWT("theed_full.jwt"), "rb");
    char tok[16384];
    size_t n = fread(tok, 1, sizeof(tok) - 1, f);
    fclose(f);
    tok[n] = '\0';
    cred_vcjwt j;
    char why[200];
    assert_int_equal(cred_vcjwt_parse(tok, n, &j, why, sizeof(why)), 0);
    if (value != NULL)
        json_object_set_new(j.payload, claim, value);
    else
        json_object_del(j.payload, claim);
    char *hs = json_dumps(j.jws.header, JSON_COMPACT), *ps = json_dumps(j.payload, JSON_COMPACT);
    char *hb = cred_b64url_encode((const uint8_t *)hs, strlen(hs));
    char *pb = cred_b64url_encode((const uint8_t *)ps, strlen(ps));
    char out_tok[16384];
    snprintf(out_tok, sizeof(out_tok), "%s.%s", hb, pb);
    crypto_sign_detached(sig, NULL, (const uint8_t *)out_tok, strlen(out_tok), sk);
    char *sb = cred_b64url_encode(sig, sizeof(sig));
    size_t used = strlen(out_tok);
    snprintf(out_tok + used, sizeof(out_tok) - used, ".%s", sb);
    snprintf(path, path_len, "%s.%s.jwt", out, claim);
    f = fopen(path, "w");
    fputs(out_tok, f);
    fclose(f);
    cred_vcjwt_free(&j);
    free(hs);
    free(ps);
    free(hb);
    free(pb);
    free(sb);
}

/* credential verify runs the checks of credential check first: an expired token, or one whose
 * iss is not its badge's issuer, is NOT VALID with the check named, and the node is never asked
 * (there is none here). */
static void test_verify_checks_first(void **state)
{
    char path[256];
    (void)state;
    const struct {
        const char *claim;
        json_t *value;
        const char *needle;
    } rows[] = {
        { "exp", json_integer(1262304000), "NOT VALID: exp" },
        { "iss", json_string("https://other.example/issuers/1"), "NOT VALID: iss" },
        { "nbf", json_integer(4102444800), "NOT VALID: nbf" },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        resigned(rows[i].claim, rows[i].value, path, sizeof(path));
        capture_begin();
        int rc = run("-s", "/nonexistent/control.sock", "credential", "verify", path, "DE",
                     "employment", "--spec", "NL:42NB/ach-44ABA", "--issuer-key",
                     "rn1:5o5O+U6yUUqZuuq8Jam1mECWqXFeyAicr7lvBcFm2Y0=", NULL);
        char *text = capture_end();
        /* The signature itself is good: the check that failed is the claim. */
        if (rc != CLI_NEGATIVE || strstr(text, rows[i].needle) == NULL ||
            strstr(text, "valid: by the key given") == NULL)
            fail_msg("%s: exit %d, output:\n%s", rows[i].claim, rc, text);
        free(text);
        remove(path);
    }
    /* A claim no check reads (iat): the token gets past the local checks, to the node, which
     * cannot be reached: exit 4. */
    resigned("iat", json_integer(1725000000), path, sizeof(path));
    assert_int_equal(run("-s", "/nonexistent/control.sock", "credential", "verify", path, "DE",
                         "employment", "--spec", "NL:42NB/ach-44ABA", "--issuer-key",
                         "rn1:5o5O+U6yUUqZuuq8Jam1mECWqXFeyAicr7lvBcFm2Y0=", NULL),
                     CLI_UNREACHABLE);
    remove(path);
}

static int setup(void **state)
{
    (void)state;
    int fd = mkstemp(out);
    if (fd < 0 || sodium_init() < 0)
        return -1;
    unsetenv("RECNET_DIR");
    unsetenv("RECNET_SOCKET");
    if (freopen("/dev/null", "w", stdout) == NULL)
        return -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    remove(out);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_exit_codes),
        cmocka_unit_test(test_json),
        cmocka_unit_test(test_verify_checks_first),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
