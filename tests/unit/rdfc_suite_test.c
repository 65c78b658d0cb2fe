/*
 * rdfc_suite_test.c: the W3C RDFC-1.0 test suite (tests/fixtures/rdfc/, from w3c/rdf-canon)
 * run against cred/rdfc.h and cred/nquads.h.
 *
 * Every entry of the manifest is run: an evaluation test (RDFC10EvalTest) canonicalizes the
 * input N-Quads and must give the expected file byte for byte; a map test (RDFC10MapTest) must
 * issue the expected identifiers for the input's blank nodes; the negative test
 * (RDFC10NegativeEvalTest, a poison graph) must be refused by the work bound. Tests that ask for
 * another hash algorithm than SHA-256 (hashAlgorithm SHA384) are skipped, named, because the
 * Data Integrity suites use SHA-256 only. The counts are printed; the test fails on any failure
 * and when fewer tests ran than the suite holds less those skipped.
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

#include "cred/nquads.h"
#include "cred/rdfc.h"

#define DIR RN_FIXTURES "/rdfc/"

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

/* Runs one entry; returns 1 passed, 0 failed, -1 skipped. */
static int run_entry(json_t *e)
{
    const char *id = json_string_value(json_object_get(e, "id"));
    const char *type = json_string_value(json_object_get(e, "type"));
    const char *action = json_string_value(json_object_get(e, "action"));
    const char *result = json_string_value(json_object_get(e, "result"));
    const char *hash = json_string_value(json_object_get(e, "hashAlgorithm"));
    if (hash && strcmp(hash, "SHA256") != 0) {
        printf("rdfc suite: skipped %s (%s): hash algorithm %s; the Data Integrity suites use "
               "SHA-256 only\n",
               id, json_string_value(json_object_get(e, "name")), hash);
        return -1;
    }
    size_t len;
    char *in = slurp(action, &len);
    if (!in) {
        printf("rdfc suite: %s: cannot read %s\n", id, action);
        return 0;
    }
    cred_dataset ds;
    cred_dataset_init(&ds, 0);
    size_t line;
    int ok = 0;
    int rc = cred_nq_parse(&ds, in, len, &line);
    if (rc < 0) {
        printf("rdfc suite: %s: parse failed at line %zu: %s\n", id, line, rn_strerror(rc));
        goto out;
    }
    cred_buf out;
    cred_buf_init(&out, CRED_RDFC_OUT_MAX);
    cred_rdfc_map map;
    rc = cred_rdfc_canonize(&ds, &out, &map);
    if (strcmp(type, "rdfc:RDFC10NegativeEvalTest") == 0) {
        ok = rc == RN_ETOOBIG;
        if (!ok)
            printf("rdfc suite: %s: poison graph not refused (%s)\n", id, rn_strerror(rc));
    } else if (rc < 0) {
        printf("rdfc suite: %s: canonicalize failed: %s\n", id, rn_strerror(rc));
    } else if (strcmp(type, "rdfc:RDFC10EvalTest") == 0) {
        size_t elen;
        char *expect = slurp(result, &elen);
        ok = expect && elen == out.len && memcmp(expect, out.data ? out.data : "", elen) == 0;
        if (!ok)
            printf("rdfc suite: %s: got\n%s\nexpected\n%s\n", id, out.data ? out.data : "",
                   expect ? expect : "(missing)");
        free(expect);
    } else if (strcmp(type, "rdfc:RDFC10MapTest") == 0) {
        size_t elen;
        char *text = slurp(result, &elen);
        json_t *expect = text ? json_loads(text, 0, NULL) : NULL;
        ok = expect && json_object_size(expect) == map.n;
        for (size_t i = 0; ok && i < map.n; i++) {
            const char *want = json_string_value(json_object_get(expect, map.from[i]));
            ok = want && strcmp(want, map.to[i]) == 0;
        }
        if (!ok)
            printf("rdfc suite: %s: issued identifiers differ from %s\n", id, result);
        json_decref(expect);
        free(text);
    } else {
        printf("rdfc suite: %s: unknown test type %s\n", id, type);
    }
    cred_rdfc_map_free(&map);
    cred_buf_free(&out);
out:
    cred_dataset_free(&ds);
    free(in);
    return ok;
}

static void test_suite(void **state)
{
    (void)state;
    json_t *m = json_load_file(DIR "manifest.jsonld", 0, NULL);
    assert_non_null(m);
    json_t *entries = json_object_get(m, "entries");
    size_t n = json_array_size(entries), passed = 0, failed = 0, skipped = 0;
    assert_true(n >= 80);
    for (size_t i = 0; i < n; i++) {
        int r = run_entry(json_array_get(entries, i));
        if (r > 0)
            passed++;
        else if (r == 0)
            failed++;
        else
            skipped++;
    }
    printf("rdfc suite: %zu tests: %zu passed, %zu failed, %zu skipped\n", n, passed, failed,
           skipped);
    json_decref(m);
    assert_int_equal(failed, 0);
    assert_int_equal(passed + skipped, n);
    assert_true(skipped <= 2);
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
