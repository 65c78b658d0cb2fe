/*
 * registry_test.c: the readers of `recnetctl registry import` (cli/registry.h): JSON Lines and
 * CSV read into the bodies the publish commands would send, every refusal with its line and
 * field, the cross-reference check, and the comparison with the node's log that makes a re-run
 * publish only what is missing.
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

#include "api/recjson.h"
#include "cli/registry.h"
#include "proto/key.h"
#include "proto/limits.h"
#include "proto/mp.h"

#include "testutil.h"

#define PROV_P                                                                                     \
    "{\"kind\": \"provider\", \"id\": \"IE:p\", \"legal_name\": \"P\", \"country\": \"IE\", "      \
    "\"qa_status\": \"under_review\", \"status\": \"active\"}"
#define SPEC_FIELDS                                                                                \
    "\"title\": {\"en\": \"T\", \"ga\": \"T ga\"}, \"outcomes\": [{\"text\": \"O1\"}, "            \
    "{\"text\": \"O2; two\"}], \"ects\": 2.5, \"isced\": \"0688\", \"assessment\": "               \
    "\"portfolio\", \"participation\": \"online\", \"qa_type\": \"internal\", \"languages\": "     \
    "[\"en\", \"ga\"], \"supervision\": \"supervised online\", \"stackability\": "                 \
    "\"stand_alone\", \"valid_from\": \"2023-01-01\""
#define SPEC(id, status)                                                                           \
    "{\"kind\": \"spec\", \"id\": \"" id "\", \"provider\": \"IE:p\", " SPEC_FIELDS                \
    ", \"status\": \"" status "\"}"
#define DECISION(id, spec)                                                                         \
    "{\"kind\": \"decision\", \"id\": \"" id "\", \"spec\": \"" spec "\", \"purpose\": "           \
    "\"both\", \"outcome\": \"partial\", \"differences\": [{\"type\": \"workload\", \"note\": "    \
    "\"n\"}], \"valid_from\": \"2025-01-01\"}"

static int read_str(registry *r, const char *text, reg_format fmt)
{
    return registry_read(r, (const uint8_t *)text, strlen(text), fmt, "IE");
}

/* The body `recnetctl <kind> publish` would send for the JSON record `json`. */
static void body_of(const char *json, uint8_t *out, size_t *len)
{
    json_error_t je;
    json_t *o = json_loads(json, 0, &je);
    assert_non_null(o);
    proto_kind kind = (proto_kind)proto_kind_parse(json_string_value(json_object_get(o, "kind")));
    proto_record *r = malloc(sizeof(*r));
    rec_bytes *b = malloc(sizeof(*b));
    rec_err e;
    mp_buf m;
    assert_non_null(r);
    assert_non_null(b);
    assert_int_equal(rec_from_json(r, kind, o, b, &e), 0);
    mp_buf_init(&m, RN_RECORD_BYTES_MAX);
    assert_int_equal(proto_record_encode(r, &m), 0);
    memcpy(out, m.data, m.len);
    *len = m.len;
    mp_buf_free(&m);
    free(r);
    free(b);
    json_decref(o);
}

static void body_is(const reg_record *x, const char *json)
{
    uint8_t *b = malloc(RN_RECORD_BYTES_MAX);
    size_t len;
    assert_non_null(b);
    body_of(json, b, &len);
    assert_int_equal(x->body_len, len);
    assert_memory_equal(x->body, b, len);
    free(b);
}

/* Refusal i is at `line`, with `code`, its field starting with `field`. */
static void refusal_is(const registry *r, size_t i, uint32_t line, int code, const char *field)
{
    assert_true(i < r->refused_n);
    const reg_refusal *f = &r->refusals[i];
    if (f->line != line || f->code != code || strncmp(f->field, field, strlen(field)) != 0)
        fail_msg("refusal %zu: line %u code %s field \"%s\" (%s); expected line %u %s \"%s\"", i,
                 f->line, rn_err_name(f->code), f->field, f->message, line, rn_err_name(code),
                 field);
    assert_true(f->message[0] != '\0');
}

/* ---- JSON Lines ---- */

static void test_jsonl_reads(void **state)
{
    (void)state;
    registry r;
    registry_init(&r);
    const char *text = PROV_P "\n\n   \r\n" SPEC("IE:p/s1", "active") "\r\n" SPEC(
        "IE:p/s1", "withdrawn") "\n" DECISION("IE:d/1", "IE:p/s1") "\n";
    assert_int_equal(read_str(&r, text, REG_FORMAT_JSONL), 0);
    assert_int_equal(r.refused_n, 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(r.lines, 6);
    assert_int_equal(r.recs[0].kind, PROTO_KIND_PROVIDER);
    assert_int_equal(r.recs[0].line, 1);
    assert_int_equal(r.recs[1].line, 4);
    assert_int_equal(r.recs[2].line, 5);
    assert_int_equal(r.recs[3].line, 6);
    body_is(&r.recs[0], PROV_P);
    body_is(&r.recs[1], SPEC("IE:p/s1", "active"));
    body_is(&r.recs[2], SPEC("IE:p/s1", "withdrawn"));
    /* Two versions of one spec share their group; the decision has its own. */
    assert_int_equal(r.recs[1].group, r.recs[2].group);
    assert_int_not_equal(r.recs[1].group, r.recs[3].group);
    assert_int_equal(r.groups[r.recs[1].group].file_n, 2);
    assert_string_equal(r.groups[r.recs[1].group].key, "spec:IE:p/s1");
    /* A last line without its line end. */
    registry_free(&r);
    registry_init(&r);
    assert_int_equal(read_str(&r, PROV_P, REG_FORMAT_JSONL), 0);
    assert_int_equal(r.n, 1);
    registry_free(&r);
}

static void test_jsonl_refusals(void **state)
{
    (void)state;
    registry r;
    registry_init(&r);
    const char *text = PROV_P
        "\n"                                          /* 1 ok */
        "{\"kind\": \"provider\", \"id\": \"IE:q\"\n" /* 2 bad JSON */
        "[1, 2]\n"                                    /* 3 not an object */
        "{\"id\": \"IE:q\"}\n"                        /* 4 no kind */
        "{\"kind\": \"course\"}\n"                    /* 5 unknown kind */
        "{\"kind\": 7}\n"                             /* 6 kind not text */
        "{\"kind\": \"spec\", \"id\": \"IE:p/x\", \"provider\": \"IE:p\", \"colour\": 1}\n" /* 7 */
        "{\"kind\": \"spec\", \"id\": \"IE:p/x\", \"provider\": \"IE:p\", " SPEC_FIELDS
        ", \"eqf\": 9, \"status\": \"active\"}\n" /* 8 EQF 9 */
        "{\"kind\": \"provider\", \"id\": \"FR:q\", \"legal_name\": \"Q\", \"country\": \"FR\", "
        "\"qa_status\": \"under_review\", \"status\": \"active\"}\n"     /* 9 prefix */
        "{\"kind\": \"provider\", \"id\": \"IE:q\", \"id\": \"IE:r\"}\n" /* 10 duplicate */
        "{\"kind\": \"spec\", \"id\": \"IE:p/y\"}\n"                     /* 11 missing */
        SPEC("IE:p/s1", "active") "\n";                                  /* 12 ok */
    assert_int_equal(read_str(&r, text, REG_FORMAT_JSONL), 0);
    assert_int_equal(r.n, 2);
    assert_int_equal(r.recs[1].line, 12);
    assert_int_equal(r.refused_n, 10);
    refusal_is(&r, 0, 2, RN_EMALFORMED, "");
    refusal_is(&r, 1, 3, RN_ETYPE, "");
    refusal_is(&r, 2, 4, RN_EMISSING, "kind");
    refusal_is(&r, 3, 5, RN_EKIND, "kind");
    refusal_is(&r, 4, 6, RN_EKIND, "kind");
    refusal_is(&r, 5, 7, RN_EUNKNOWNFIELD, "spec.colour");
    refusal_is(&r, 6, 8, RN_EEQF, "spec.eqf");
    refusal_is(&r, 7, 9, RN_EPREFIX, "provider.");
    refusal_is(&r, 8, 10, RN_EMALFORMED, "");
    refusal_is(&r, 9, 11, RN_EMISSING, "spec.");
    registry_free(&r);
}

/* A line at the bound is read (and refused for what it says); one byte past it is refused for
 * its length, without being parsed. */
static void test_jsonl_line_bound(void **state)
{
    (void)state;
    registry r;
    size_t n = RN_REGISTRY_LINE_BYTES_MAX + 1u;
    char *text = malloc(n + 2u);
    assert_non_null(text);
    memset(text, ' ', n);
    memcpy(text, "{\"kind\": 1}", 11);
    text[n] = '\n';
    text[n + 1] = '\0';
    registry_init(&r);
    assert_int_equal(read_str(&r, text, REG_FORMAT_JSONL), 0);
    refusal_is(&r, 0, 1, RN_ETOOBIG, "");
    registry_free(&r);
    text[n - 1] = '\n';
    text[n] = '\0';
    registry_init(&r);
    assert_int_equal(read_str(&r, text, REG_FORMAT_JSONL), 0);
    refusal_is(&r, 0, 1, RN_EKIND, "kind");
    registry_free(&r);
    free(text);
}

/* ---- CSV ---- */

static void test_csv_reads(void **state)
{
    (void)state;
    registry r;
    registry_init(&r);
    char key[PROTO_KEY_TEXT_LEN + 1], key2[PROTO_KEY_TEXT_LEN + 1];
    uint8_t pk[32], sk[64];
    crypto_sign_keypair(pk, sk);
    proto_key_text_format(pk, key);
    crypto_sign_keypair(pk, sk);
    proto_key_text_format(pk, key2);
    char csv[4096], prov[1024];
    snprintf(csv, sizeof(csv),
             "kind,id,legal-name,country,qa_status,status,issuer_keys,issuer_keys,provider,title,"
             "title,outcomes,outcomes,ects,isced,assessment,participation,qa_type,languages,"
             "supervision,stackability,valid_from,spec,purpose,outcome,differences\r\n"
             "provider,IE:p,P,IE,under_review,active,%s;2019-01-01;2023-06-30,%s;2023-07-01,,,,,,,"
             ",,,,,,,,,,,\r\n"
             "\r\n"
             "spec,IE:p/s1,,,,active,,,IE:p,en=T,ga=T ga,O1,\"O2; two\",2.5,0688,portfolio,online,"
             "internal,\"en,ga\",supervised online,stand_alone,2023-01-01,,,,\n"
             "decision,IE:d/1,,,,,,,,,,,,,,,,,,,,2025-01-01,IE:p/s1,both,partial,workload;n\n"
             "spec,IE:p/s2,,,,active,,,IE:p,\"en=T\",ga=T ga,\"{\"\"text\"\": \"\"O1\"\"}\",\"O2;"
             "\n two\",2.5,0688,portfolio,online,internal,\"en,ga\",supervised online,stand_alone,"
             "2023-01-01,,,,\n"
             "provider,IE:p2,P,IE,under_review,active,,,,,,,,,,,,,,,,,,,,\n",
             key, key2);
    assert_int_equal(read_str(&r, csv, REG_FORMAT_CSV), 0);
    for (size_t i = 0; i < r.refused_n; i++)
        print_message("refused: %u %s\n", r.refusals[i].line, r.refusals[i].message);
    assert_int_equal(r.refused_n, 0);
    assert_int_equal(r.n, 5);
    snprintf(prov, sizeof(prov),
             "{\"kind\": \"provider\", \"id\": \"IE:p\", \"legal_name\": \"P\", \"country\": "
             "\"IE\", \"qa_status\": \"under_review\", \"status\": \"active\", \"issuer_keys\": "
             "[{\"key\": \"%s\", \"valid_from\": \"2019-01-01\", \"valid_until\": "
             "\"2023-06-30\"}, {\"key\": \"%s\", \"valid_from\": \"2023-07-01\"}]}",
             key, key2);
    /* Each row gives the body its JSON Lines form gives. */
    body_is(&r.recs[0], prov);
    body_is(&r.recs[1], SPEC("IE:p/s1", "active"));
    body_is(&r.recs[2], DECISION("IE:d/1", "IE:p/s1"));
    assert_int_equal(r.recs[0].line, 2);
    assert_int_equal(r.recs[1].line, 4);
    assert_int_equal(r.recs[2].line, 5);
    assert_int_equal(r.recs[3].line, 6);
    /* The quoted cell over two lines: the next row is on line 8. */
    assert_int_equal(r.recs[4].line, 8);
    registry_free(&r);
}

static void test_csv_refusals(void **state)
{
    (void)state;
    static const struct {
        const char *csv;
        uint32_t line;
        int code;
        const char *field;
    } cases[] = {
        { "id,legal_name\nprovider,P\n", 1, RN_EMISSING, "kind" },
        { "kind,,id\nprovider,,IE:p\n", 1, RN_EMISSING, "header" },
        { "kind,id\n\"provider,IE:p\n", 2, RN_EMALFORMED, "" },
        { "kind,id\nprovider,IE:p\n", 2, RN_EMISSING, "provider." },
        { "kind,id\nprovider\n", 2, RN_ECOUNT, "" },
        { "kind,id\nprovider,IE:p,x\n", 2, RN_ECOUNT, "" },
        { "kind,id\nprov\"ider,IE:p\n", 2, RN_EMALFORMED, "" },
        { "kind,id\n\"provider\"x,IE:p\n", 2, RN_EMALFORMED, "" },
        { "kind,id\n,IE:p\n", 2, RN_EMISSING, "kind" },
        { "kind,id\ncourse,IE:p\n", 2, RN_EKIND, "kind" },
        { "kind,colour\nprovider,red\n", 2, RN_EUNKNOWNFIELD, "provider.colour" },
        { "kind,issuer_keys\nprovider,rn1:x\n", 2, RN_ETYPE, "issuer_keys" },
        { "kind,differences\ndecision,workload\n", 2, RN_ETYPE, "differences" },
        { "kind,eqf\nspec,high\n", 2, RN_ETYPE, "spec.eqf" },
        { "kind,id\n\n\nprovider,IE:p,extra\n", 4, RN_ECOUNT, "" },
        { "kind,languages\nspec,\"en,g\x80\"\n", 2, RN_ETYPE, "languages" },
        { "kind,title\nspec,en=\xc3\n", 2, RN_ETYPE, "title" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        registry r;
        registry_init(&r);
        assert_int_equal(read_str(&r, cases[i].csv, REG_FORMAT_CSV), 0);
        assert_int_equal(r.n, 0);
        if (r.refused_n != 1)
            fail_msg("case %zu: %zu refusals", i, r.refused_n);
        refusal_is(&r, 0, cases[i].line, cases[i].code, cases[i].field);
        registry_free(&r);
    }
}

/* Columns at their bound, and one past. */
static void test_csv_columns_bound(void **state)
{
    (void)state;
    for (unsigned extra = 0; extra < 2; extra++) {
        size_t n = RN_REGISTRY_CSV_COLUMNS_MAX + extra;
        char *csv = malloc(16u * n + 64u);
        size_t off = 0;
        assert_non_null(csv);
        off += (size_t)sprintf(csv + off, "kind");
        for (size_t c = 1; c < n; c++)
            off += (size_t)sprintf(csv + off, ",title");
        off += (size_t)sprintf(csv + off, "\npathway");
        for (size_t c = 1; c < n; c++)
            off += (size_t)sprintf(csv + off, ",");
        csv[off++] = '\n';
        csv[off] = '\0';
        registry r;
        registry_init(&r);
        assert_int_equal(read_str(&r, csv, REG_FORMAT_CSV), 0);
        assert_int_equal(r.refused_n, 1);
        if (extra == 0)
            refusal_is(&r, 0, 2, RN_EMISSING, "pathway.");
        else
            refusal_is(&r, 0, 1, RN_ECOUNT, "header");
        registry_free(&r);
        free(csv);
    }
}

/* ---- Cross-references ---- */

typedef struct asked {
    unsigned calls;
    const char *held; /* "kind:id" the node holds */
    int fail;         /* an error to return instead */
} asked;

static int known(void *ctx, proto_kind kind, const char *id)
{
    asked *a = ctx;
    char key[REG_KEY_BYTES];
    a->calls++;
    if (a->fail < 0)
        return a->fail;
    snprintf(key, sizeof(key), "%s:%s", proto_kind_name((int)kind), id);
    return a->held != NULL && strcmp(key, a->held) == 0 ? 1 : 0;
}

static void test_crossref(void **state)
{
    (void)state;
    registry r;
    asked a = { 0, NULL, 0 };
    /* The spec comes before its provider: refused, and the decision on it with it. */
    registry_init(&r);
    assert_int_equal(read_str(&r,
                              SPEC("IE:p/s1", "active") "\n" PROV_P "\n" DECISION(
                                  "IE:d/1", "IE:p/s1") "\n" DECISION("IE:d/2", "NL:x/y") "\n",
                              REG_FORMAT_JSONL),
                     0);
    assert_int_equal(r.n, 4);
    assert_int_equal(registry_crossref(&r, known, &a), 0);
    assert_int_equal(r.n, 1);
    assert_int_equal(r.recs[0].kind, PROTO_KIND_PROVIDER);
    assert_int_equal(r.refused_n, 3);
    refusal_is(&r, 0, 1, RN_ENOTFOUND, "spec.provider");
    refusal_is(&r, 1, 3, RN_ENOTFOUND, "decision.spec");
    refusal_is(&r, 2, 4, RN_ENOTFOUND, "decision.spec");
    registry_free(&r);

    /* The provider and the foreign spec held by the node: asked once each. */
    registry_init(&r);
    a = (asked){ 0, "provider:IE:p", 0 };
    assert_int_equal(read_str(&r,
                              SPEC("IE:p/s1", "active") "\n" SPEC("IE:p/s2", "active") "\n" SPEC(
                                  "IE:p/s1", "withdrawn") "\n" DECISION("IE:d/1", "IE:p/s1") "\n",
                              REG_FORMAT_JSONL),
                     0);
    assert_int_equal(registry_crossref(&r, known, &a), 0);
    assert_int_equal(r.refused_n, 0);
    assert_int_equal(r.n, 4);
    assert_int_equal(a.calls, 1);
    registry_free(&r);

    /* The node's error stops the check and is returned. */
    registry_init(&r);
    a = (asked){ 0, NULL, RN_EIO };
    assert_int_equal(read_str(&r, SPEC("IE:p/s1", "active") "\n", REG_FORMAT_JSONL), 0);
    assert_int_equal(registry_crossref(&r, known, &a), RN_EIO);
    registry_free(&r);
}

/* ---- Resume ---- */

static void node_has(registry *r, const char *const *json, size_t n)
{
    uint8_t *b = malloc(RN_RECORD_BYTES_MAX);
    assert_non_null(b);
    for (size_t i = 0; i < n; i++) {
        size_t len;
        body_of(json[i], b, &len);
        assert_int_equal(registry_node_version(r, PROTO_KIND_SPEC, b, len), 0);
    }
    free(b);
}

static void test_resume(void **state)
{
    (void)state;
    const char *v1 = SPEC("IE:p/s1", "active");
    const char *v2 = SPEC("IE:p/s1", "withdrawn");
    const char *other = SPEC("IE:p/s2", "active");
    char file[8192];
    /* The file: s1 active, s1 withdrawn, s1 active again (a history that returns), s2. */
    snprintf(file, sizeof(file), "%s\n%s\n%s\n%s\n", v1, v2, v1, other);
    static const struct {
        unsigned node_n;
        unsigned node[4]; /* 1: v1, 2: v2, 3: other, 4: a version the file lacks */
        size_t skipped;
        bool skip[4];
    } cases[] = {
        { 0, { 0 }, 0, { false, false, false, false } },
        { 1, { 1 }, 1, { true, false, false, false } },
        { 2, { 1, 2 }, 2, { true, true, false, false } },
        { 3, { 1, 2, 1 }, 3, { true, true, true, false } },
        { 4, { 1, 2, 1, 3 }, 4, { true, true, true, true } },
        { 2, { 4, 1 }, 1, { true, false, false, false } },
        { 1, { 2 }, 0, { false, false, false, false } },
        { 1, { 3 }, 1, { false, false, false, true } },
    };
    /* A version of s1 that the file does not hold (EQF 5). */
    const char *v4 = "{\"kind\": \"spec\", \"id\": \"IE:p/s1\", \"provider\": \"IE:p\", "
                     "\"eqf\": 5, " SPEC_FIELDS ", \"status\": \"active\"}";
    const char *forms[] = { NULL, v1, v2, other, v4 };
    for (size_t c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
        registry r;
        size_t skipped = 99;
        registry_init(&r);
        assert_int_equal(read_str(&r, file, REG_FORMAT_JSONL), 0);
        assert_int_equal(r.n, 4);
        for (unsigned i = 0; i < cases[c].node_n; i++) {
            const char *one[1] = { forms[cases[c].node[i]] };
            node_has(&r, one, 1);
        }
        assert_int_equal(registry_resume(&r, &skipped), 0);
        if (skipped != cases[c].skipped)
            fail_msg("case %zu: %zu skipped, expected %zu", c, skipped, cases[c].skipped);
        for (unsigned i = 0; i < 4; i++)
            assert_int_equal(r.recs[i].skip, cases[c].skip[i]);
        registry_free(&r);
    }
}

static void test_format_of(void **state)
{
    (void)state;
    assert_int_equal(registry_format_of("reg.csv"), REG_FORMAT_CSV);
    assert_int_equal(registry_format_of("/a/REG.CSV"), REG_FORMAT_CSV);
    assert_int_equal(registry_format_of("reg.jsonl"), REG_FORMAT_JSONL);
    assert_int_equal(registry_format_of("csv"), REG_FORMAT_JSONL);
    assert_int_equal(registry_format_of("-"), REG_FORMAT_JSONL);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jsonl_reads),      cmocka_unit_test(test_jsonl_refusals),
        cmocka_unit_test(test_jsonl_line_bound), cmocka_unit_test(test_csv_reads),
        cmocka_unit_test(test_csv_refusals),     cmocka_unit_test(test_csv_columns_bound),
        cmocka_unit_test(test_crossref),         cmocka_unit_test(test_resume),
        cmocka_unit_test(test_format_of),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
