/*
 * ld_jsonld_suite_test.c: the W3C JSON-LD 1.1 toRdf test suite (tests/fixtures/jsonld-api/,
 * from w3c/json-ld-api) run against cred/jsonld.h, for the tests that apply to a converter of
 * credentials.
 *
 * A test applies unless it needs what cred/jsonld.h leaves out by design, and then it is
 * counted as not applicable with its reason printed: an option (base, expandContext,
 * rdfDirection, produceGeneralizedRdf, processingMode json-ld-1.0 or specVersion json-ld-1.0),
 * a document base (its expected output holds IRIs resolved against the test's own URL: a
 * credential has no base), a remote context (refused with RN_ENOTFOUND: only shipped contexts
 * are used), or a feature the converter refuses by name (RN_EINVAL: @import, @reverse, @nest,
 * @included, @direction, index and language maps, ...).
 *
 * Every other test must pass: a positive test's dataset, canonicalized (RDFC-1.0), must equal
 * the expected N-Quads canonicalized the same way; a negative test must be refused; a syntax
 * test must be accepted. The counts are printed and the test fails on any failure, or when
 * fewer than CASES_MIN tests applied.
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

#include "cred/jsonld.h"
#include "cred/nquads.h"
#include "cred/rdfc.h"

#define DIR       RN_FIXTURES "/jsonld-api/"
#define TEST_BASE "https://w3c.github.io/"
#define CASES_MIN 150

static char *slurp(const char *name, size_t *len)
{
    char path[512];
    snprintf(path, sizeof(path), DIR "%s", name);
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)n + 1);
    if (b && fread(b, 1, (size_t)n, f) != (size_t)n) {
        free(b);
        b = NULL;
    }
    fclose(f);
    if (b) {
        b[n] = '\0';
        *len = (size_t)n;
    }
    return b;
}

static int canon(cred_dataset *ds, cred_buf *out)
{
    cred_buf_init(out, CRED_RDFC_OUT_MAX);
    return cred_rdfc_canonize(ds, out, NULL);
}

enum { PASS, FAIL, NA };

static int run(json_t *e, char *why, size_t whylen)
{
    const char *id = json_string_value(json_object_get(e, "@id"));
    json_t *types = json_object_get(e, "@type");
    const char *kind = json_string_value(json_array_get(types, 0));
    json_t *opt = json_object_get(e, "option");
    static const char *const opts[] = { "base", "expandContext", "rdfDirection",
                                        "produceGeneralizedRdf" };
    for (size_t i = 0; i < 4; i++)
        if (json_object_get(opt, opts[i])) {
            snprintf(why, whylen, "option %s", opts[i]);
            return NA;
        }
    const char *sv = json_string_value(json_object_get(opt, "specVersion"));
    const char *pm = json_string_value(json_object_get(opt, "processingMode"));
    if ((sv && strcmp(sv, "json-ld-1.0") == 0) || (pm && strcmp(pm, "json-ld-1.0") == 0)) {
        snprintf(why, whylen, "JSON-LD 1.0 processing mode");
        return NA;
    }
    size_t len;
    char *expect = NULL;
    const char *expect_name = json_string_value(json_object_get(e, "expect"));
    if (strcmp(kind, "jld:PositiveEvaluationTest") == 0) {
        expect = slurp(expect_name, &len);
        if (!expect) {
            snprintf(why, whylen, "cannot read %s", expect_name);
            return FAIL;
        }
        if (strstr(expect, TEST_BASE)) {
            free(expect);
            snprintf(why, whylen, "needs the document's base IRI");
            return NA;
        }
    }
    char *in = slurp(json_string_value(json_object_get(e, "input")), &len);
    json_t *doc = in ? json_loadb(in, len, 0, NULL) : NULL;
    free(in);
    if (!doc) {
        free(expect);
        snprintf(why, whylen, "input is not JSON that jansson reads (U+0000 in a string)");
        return strcmp(kind, "jld:NegativeEvaluationTest") == 0 ? PASS : NA;
    }
    cred_dataset ds;
    cred_dataset_init(&ds, 0);
    char err[CRED_JSONLD_ERR_CHARS];
    int rc = cred_jsonld_to_rdf(doc, &ds, err, sizeof(err));
    json_decref(doc);
    int result = FAIL;
    if (rc == RN_ENOTFOUND || rc == RN_EINVAL) {
        snprintf(why, whylen, "%s", err);
        result = strcmp(kind, "jld:NegativeEvaluationTest") == 0 ? PASS : NA;
    } else if (strcmp(kind, "jld:NegativeEvaluationTest") == 0) {
        result = rc < 0 ? PASS : FAIL;
        if (rc == 0)
            snprintf(why, whylen, "accepted; expected %s",
                     json_string_value(json_object_get(e, "expectErrorCode")));
    } else if (rc < 0) {
        snprintf(why, whylen, "refused: %s", err);
    } else if (strcmp(kind, "jld:PositiveSyntaxTest") == 0) {
        result = PASS;
    } else {
        cred_dataset want;
        cred_dataset_init(&want, 0);
        cred_buf a, b;
        size_t line;
        int prc = cred_nq_parse(&want, expect, strlen(expect), &line);
        if (prc < 0) {
            snprintf(why, whylen, "expected output does not parse at line %zu", line);
        } else if (canon(&ds, &a) == 0 && canon(&want, &b) == 0) {
            result =
                a.len == b.len && (a.len == 0 || memcmp(a.data, b.data, a.len) == 0) ? PASS : FAIL;
            if (result == FAIL)
                printf("jsonld suite: %s: got\n%sexpected\n%s", id, a.data ? a.data : "",
                       b.data ? b.data : "");
            snprintf(why, whylen, "dataset differs");
            cred_buf_free(&a);
            cred_buf_free(&b);
        } else {
            snprintf(why, whylen, "canonicalization failed");
        }
        cred_dataset_free(&want);
    }
    cred_dataset_free(&ds);
    free(expect);
    return result;
}

static void test_suite(void **state)
{
    (void)state;
    json_t *m = json_load_file(DIR "toRdf-manifest.jsonld", 0, NULL);
    assert_non_null(m);
    json_t *seq = json_object_get(m, "sequence");
    size_t n = json_array_size(seq), count[3] = { 0, 0, 0 };
    for (size_t i = 0; i < n; i++) {
        json_t *e = json_array_get(seq, i);
        char why[CRED_JSONLD_ERR_CHARS + 64] = "";
        int r = run(e, why, sizeof(why));
        count[r]++;
        if (r != PASS)
            printf("jsonld suite: %s %s (%s): %s\n", r == FAIL ? "FAILED" : "not applicable",
                   json_string_value(json_object_get(e, "@id")),
                   json_string_value(json_object_get(e, "name")), why);
    }
    printf("jsonld suite: %zu tests: %zu passed, %zu failed, %zu not applicable\n", n, count[PASS],
           count[FAIL], count[NA]);
    json_decref(m);
    assert_int_equal(count[FAIL], 0);
    assert_true(count[PASS] >= CASES_MIN);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_suite),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
