/*
 * codes_test.c: the code lists of proto/codes.h.
 *
 * Besides lookups, aliases and refusals, the test re-reads the TSV files the tables were generated
 * from (tests/fixtures/codes/) and checks the compiled tables against them row by row, so that a
 * TSV edited without rerunning tools/gen_codes.py fails here rather than in production.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/codes.h"
#include "tests/support/codes_search.h"

/* ---- A small TSV reader: data rows of a fixture, comments and blank lines skipped ---- */

#define TSV_COLS_MAX 5
#define TSV_LINE_MAX 512

typedef struct tsv {
    FILE *f;
    char line[TSV_LINE_MAX];
    const char *col[TSV_COLS_MAX];
    unsigned ncol;
} tsv;

static void tsv_open(tsv *t, const char *name)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/codes/%s", RN_FIXTURES, name);
    t->f = fopen(path, "r");
    assert_non_null(t->f);
}

/* Reads the next data row into t->col; false at the end of the file. */
static bool tsv_next(tsv *t)
{
    while (fgets(t->line, sizeof(t->line), t->f) != NULL) {
        char *p = t->line, *tab;
        size_t len = strlen(p);
        if (len > 0 && p[len - 1] == '\n')
            p[--len] = '\0';
        if (len == 0 || p[0] == '#')
            continue;
        t->ncol = 0;
        while (t->ncol < TSV_COLS_MAX) {
            t->col[t->ncol++] = p;
            if ((tab = strchr(p, '\t')) == NULL)
                break;
            *tab = '\0';
            p = tab + 1;
        }
        return true;
    }
    return false;
}

static void tsv_close(tsv *t)
{
    fclose(t->f);
}

/* ---- Countries ---- */

static void test_country_count(void **state)
{
    (void)state;
    size_t n = 0;
    while (proto_country_at(n) != NULL)
        n++;
    assert_int_equal(n, 30);
    assert_int_equal(n, PROTO_COUNTRIES_COUNT);
}

static void test_country_greece_alias(void **state)
{
    (void)state;
    const proto_country *gr = proto_country_find("GR", 2);
    assert_non_null(gr);
    assert_string_equal(gr->alpha2, "GR");
    assert_string_equal(gr->alpha3, "GRC");
    assert_string_equal(gr->eu, "EL");
    /* EL is an alias on input and lands on the canonical entry. */
    assert_ptr_equal(proto_country_find("EL", 2), gr);
    assert_true(proto_country_is_canonical("GR", 2));
    assert_false(proto_country_is_canonical("EL", 2));
    assert_ptr_equal(proto_country_find_alpha3("GRC", 3), gr);
}

static void test_country_refused(void **state)
{
    (void)state;
    static const char *const bad[] = { "XX", "UK", "GB", "CH",  "US",  "gr", "ie",
                                       "Ie", "G",  "",   "GRC", "IE ", "E1", "@@" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_null(proto_country_find(bad[i], strlen(bad[i])));
        assert_false(proto_country_is_canonical(bad[i], strlen(bad[i])));
    }
    assert_null(proto_country_find_alpha3("GBR", 3));
    assert_null(proto_country_find_alpha3("irl", 3));
    assert_null(proto_country_find_alpha3("IR", 2));
    assert_null(proto_country_find_alpha3("IRLX", 4));
    assert_null(proto_country_at(PROTO_COUNTRIES_COUNT));
}

/* Every row of countries.tsv is in the table, in order, and every code finds its own row. */
static void test_country_table_matches_tsv(void **state)
{
    (void)state;
    tsv t;
    size_t i = 0;
    tsv_open(&t, "countries.tsv");
    while (tsv_next(&t)) {
        const proto_country *c = proto_country_at(i++);
        assert_non_null(c);
        assert_int_equal(t.ncol, 5);
        assert_string_equal(c->alpha2, t.col[0]);
        assert_string_equal(c->alpha3, t.col[1]);
        assert_string_equal(c->eu, t.col[2]);
        assert_string_equal(c->member, t.col[3]);
        assert_string_equal(c->name, t.col[4]);
        assert_ptr_equal(proto_country_find(c->alpha2, 2), c);
        assert_ptr_equal(proto_country_find(c->eu, 2), c);
        assert_ptr_equal(proto_country_find_alpha3(c->alpha3, 3), c);
        assert_true(proto_country_is_canonical(c->alpha2, 2));
    }
    tsv_close(&t);
    assert_int_equal(i, PROTO_COUNTRIES_COUNT);
}

/* ---- ISCED-F ---- */

static void test_isced_count_and_order(void **state)
{
    (void)state;
    size_t n = 0;
    const char *prev = NULL;
    while (proto_codes_isced_at(n, NULL) != NULL) {
        const char *code = proto_codes_isced_at(n, NULL);
        if (prev != NULL)
            assert_true(strcmp(prev, code) < 0);
        prev = code;
        n++;
    }
    assert_int_equal(n, 220);
    assert_int_equal(n, PROTO_ISCED_COUNT);
}

static void test_isced_table_matches_tsv(void **state)
{
    (void)state;
    tsv t;
    size_t rows = 0;
    tsv_open(&t, "isced-f.tsv");
    while (tsv_next(&t)) {
        assert_int_equal(t.ncol, 2);
        size_t len = strlen(t.col[0]);
        assert_true(proto_codes_isced_valid(t.col[0], len));
        assert_true(proto_codes_isced_prefix_valid(t.col[0], len));
        const char *label = proto_codes_isced_label(t.col[0], len);
        assert_non_null(label);
        assert_string_equal(label, t.col[1]);
        rows++;
    }
    tsv_close(&t);
    assert_int_equal(rows, PROTO_ISCED_COUNT);
    /* And every table entry round-trips through the lookup. */
    for (size_t i = 0; i < PROTO_ISCED_COUNT; i++) {
        const char *label;
        const char *code = proto_codes_isced_at(i, &label);
        assert_string_equal(proto_codes_isced_label(code, strlen(code)), label);
    }
}

static void test_isced_lookups(void **state)
{
    (void)state;
    /* The ELM sample's fields: personal skills (003) and ICT inter-disciplinary (0688). */
    assert_true(proto_codes_isced_valid("003", 3));
    assert_true(proto_codes_isced_valid("0688", 4));
    assert_string_equal(proto_codes_isced_label("0613", 4),
                        "Software and applications development and analysis");
    /* Exact codes only: no leading-zero-less forms, no longer strings, no letters, no codes
     * that merely look like ISCED-F (0689, 98). "9999" is in the list: "field unknown". */
    static const char *const bad[] = { "688",  "6",     "",   "00000", "0688 ", "06a",
                                       "0689", "0000x", "98", "12",    "0" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        assert_false(proto_codes_isced_valid(bad[i], strlen(bad[i])));
        assert_false(proto_codes_isced_prefix_valid(bad[i], strlen(bad[i])));
        assert_null(proto_codes_isced_label(bad[i], strlen(bad[i])));
    }
    /* Prefixes are codes of the list; a code matches the prefixes above it. */
    assert_true(proto_codes_isced_prefix_valid("06", 2));
    assert_true(proto_codes_isced_prefix_valid("061", 3));
    assert_true(proto_codes_isced_matches("0613", 4, "06", 2));
    assert_true(proto_codes_isced_matches("0613", 4, "061", 3));
    assert_true(proto_codes_isced_matches("0613", 4, "0613", 4));
    assert_false(proto_codes_isced_matches("0613", 4, "07", 2));
    assert_false(proto_codes_isced_matches("06", 2, "061", 3));
    assert_null(proto_codes_isced_at(PROTO_ISCED_COUNT, NULL));
}

/* The constant-time checks agree with a search of the tables for every input a decoder can give
 * them: proto_country_is_canonical (a bitmap kept beside the generated table) for every pair of
 * bytes and every length around 2, and the ISCED-F binary search for every string of 0 .. 5 bytes
 * over an alphabet of digits, their neighbours, a letter, NUL and 0xff. The searches are
 * tests/support/codes_search.h's. */
static void test_country_canonical_every_pair(void **state)
{
    (void)state;
    unsigned canonical = 0;
    for (unsigned a = 0; a < 256; a++)
        for (unsigned b = 0; b < 256; b++) {
            char code[3] = { (char)a, (char)b, 'X' };
            bool want = test_country_canonical_by_search(code, 2);
            assert_int_equal(proto_country_is_canonical(code, 2), want);
            assert_false(proto_country_is_canonical(code, 1));
            assert_false(proto_country_is_canonical(code, 3));
            canonical += want;
        }
    assert_int_equal(canonical, PROTO_COUNTRIES_COUNT);
    assert_false(proto_country_is_canonical("", 0));
}

static void test_isced_every_short_string(void **state)
{
    (void)state;
    static const char alphabet[] = { '0', '1', '2', '3', '4', '5',  '6',       '7',
                                     '8', '9', '/', ':', 'a', '\0', (char)0xff };
    const size_t na = sizeof(alphabet);
    unsigned found = 0;
    for (size_t len = 0; len <= 5; len++) {
        size_t total = 1;
        for (size_t i = 0; i < len; i++)
            total *= na;
        for (size_t x = 0; x < total; x++) {
            char code[5];
            size_t y = x;
            for (size_t i = 0; i < len; i++, y /= na)
                code[i] = alphabet[y % na];
            bool want = test_isced_by_search(code, len);
            assert_int_equal(proto_codes_isced_valid(code, len), want);
            assert_int_equal(proto_codes_isced_prefix_valid(code, len), want);
            assert_int_equal(proto_codes_isced_label(code, len) != NULL, want);
            found += want;
        }
    }
    assert_int_equal(found, PROTO_ISCED_COUNT);
}

/* ---- EQF ---- */

static void test_eqf(void **state)
{
    (void)state;
    tsv t;
    uint64_t level = 0;
    tsv_open(&t, "eqf.tsv");
    while (tsv_next(&t)) {
        level++;
        assert_int_equal(strtoull(t.col[0], NULL, 10), level);
        assert_string_equal(proto_codes_eqf_label(level), t.col[1]);
    }
    tsv_close(&t);
    assert_int_equal(level, PROTO_EQF_MAX);
    assert_null(proto_codes_eqf_label(0));
    assert_null(proto_codes_eqf_label(9));
    assert_null(proto_codes_eqf_label(UINT64_MAX));
}

/* ---- Annex I vocabularies ---- */

static void test_vocab_numbers(void **state)
{
    (void)state;
    assert_int_equal(proto_codes_vocab_size(PROTO_VOCAB_ASSESSMENT), 4);
    assert_int_equal(proto_codes_vocab_size(PROTO_VOCAB_PARTICIPATION), 5);
    assert_int_equal(proto_codes_vocab_size(PROTO_VOCAB_SUPERVISION), 4);
    assert_int_equal(proto_codes_vocab_size(PROTO_VOCAB_QA), 2);
    assert_int_equal(proto_codes_vocab_size(PROTO_VOCAB_COUNT), 0);
    assert_null(proto_codes_vocab_element(PROTO_VOCAB_COUNT));
    /* The Dutch OBv3 samples: "onsite or blended", "testing", "onsite with identity
     * verification"; wire numbers are 1 + row order within the element. */
    assert_int_equal(proto_codes_vocab_number(PROTO_VOCAB_ASSESSMENT, "testing", 7), 1);
    assert_int_equal(proto_codes_vocab_number(PROTO_VOCAB_PARTICIPATION, "onsite or blended", 17),
                     2);
    assert_int_equal(
        proto_codes_vocab_number(PROTO_VOCAB_SUPERVISION, "onsite with identity verification", 33),
        4);
    assert_int_equal(proto_codes_vocab_number(PROTO_VOCAB_QA, "external", 8), 2);
    assert_string_equal(proto_codes_vocab_name(PROTO_VOCAB_QA, 1), "internal");
    /* Refusals: number 0 and one past the end, unknown and near-miss names. */
    for (int v = 0; v < (int)PROTO_VOCAB_COUNT; v++) {
        unsigned n = proto_codes_vocab_size((proto_vocab)v);
        assert_false(proto_codes_vocab_valid((proto_vocab)v, 0));
        assert_false(proto_codes_vocab_valid((proto_vocab)v, n + 1));
        assert_null(proto_codes_vocab_name((proto_vocab)v, 0));
        assert_null(proto_codes_vocab_name((proto_vocab)v, n + 1));
        for (unsigned i = 1; i <= n; i++) {
            const char *name = proto_codes_vocab_name((proto_vocab)v, i);
            assert_non_null(name);
            assert_true(proto_codes_vocab_valid((proto_vocab)v, i));
            assert_int_equal(proto_codes_vocab_number((proto_vocab)v, name, strlen(name)), (int)i);
        }
    }
    assert_int_equal(proto_codes_vocab_number(PROTO_VOCAB_ASSESSMENT, "Testing", 7), RN_EVOCAB);
    assert_int_equal(proto_codes_vocab_number(PROTO_VOCAB_ASSESSMENT, "test", 4), RN_EVOCAB);
    assert_int_equal(proto_codes_vocab_number(PROTO_VOCAB_QA, "testing", 7), RN_EVOCAB);
    assert_int_equal(proto_codes_vocab_number(PROTO_VOCAB_COUNT, "testing", 7), RN_EVOCAB);
}

static void test_vocab_table_matches_tsv(void **state)
{
    (void)state;
    tsv t;
    unsigned seen[PROTO_VOCAB_COUNT] = { 0 };
    tsv_open(&t, "annex1-enums.tsv");
    while (tsv_next(&t)) {
        int v;
        assert_int_equal(t.ncol, 2);
        for (v = 0; v < (int)PROTO_VOCAB_COUNT; v++)
            if (strcmp(proto_codes_vocab_element((proto_vocab)v), t.col[0]) == 0)
                break;
        assert_true(v < (int)PROTO_VOCAB_COUNT);
        seen[v]++;
        assert_string_equal(proto_codes_vocab_name((proto_vocab)v, seen[v]), t.col[1]);
    }
    tsv_close(&t);
    for (int v = 0; v < (int)PROTO_VOCAB_COUNT; v++)
        assert_int_equal(seen[v], proto_codes_vocab_size((proto_vocab)v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_country_count),
        cmocka_unit_test(test_country_greece_alias),
        cmocka_unit_test(test_country_refused),
        cmocka_unit_test(test_country_table_matches_tsv),
        cmocka_unit_test(test_isced_count_and_order),
        cmocka_unit_test(test_isced_table_matches_tsv),
        cmocka_unit_test(test_isced_lookups),
        cmocka_unit_test(test_country_canonical_every_pair),
        cmocka_unit_test(test_isced_every_short_string),
        cmocka_unit_test(test_eqf),
        cmocka_unit_test(test_vocab_numbers),
        cmocka_unit_test(test_vocab_table_matches_tsv),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
