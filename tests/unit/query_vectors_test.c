/*
 * query_vectors_test.c: the query vectors of PROTOCOL.md section 14 (proto/query_vectors.json).
 * The committed entries are ingested into a fresh replica with the committed roster, and every
 * question is asked through the node's control API (tests/vectors/query_vectors.h): each answer
 * must be exactly the committed one. A few answers are also checked field by field against what
 * section 14 says of the story (tests/vectors/gen_query_vectors.c tells it), so that the file
 * cannot drift from the text unnoticed when it is regenerated.
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

#include "tests/vectors/query_vectors.h"

#include "testutil.h"

#define T_2024_04_01 1711929600000ull
#define T_2024_01_01 1704067200000ull
#define T_2024_07_01 1719792000000ull
#define T_2024_08_01 1722470400000ull
#define T_2024_09_01 1725148800000ull
#define T_2024_10_01 1727740800000ull
#define T_2024_11_01 1730419200000ull
#define DAY          86400000ull

typedef struct world {
    json_t *file;
    qv_ctx q;
} world;

static void unhex(const char *s, uint8_t *out, size_t cap, size_t *n)
{
    assert_int_equal(sodium_hex2bin(out, cap, s, strlen(s), NULL, n, NULL), 0);
}

static int setup(void **state)
{
    world *w = calloc(1, sizeof(*w));
    json_error_t err;
    proto_roster ro;
    size_t i;
    json_t *m, *e;
    if (w == NULL || sodium_init() < 0)
        return -1;
    w->file = json_load_file(RN_SOURCE_DIR "/proto/query_vectors.json", 0, &err);
    if (w->file == NULL) {
        fprintf(stderr, "query_vectors.json: %s (line %d)\n", err.text, err.line);
        return -1;
    }
    if (proto_roster_init(&ro, 16) != 0)
        return -1;
    json_array_foreach(json_object_get(w->file, "roster"), i, m)
    {
        uint8_t key[PROTO_KEY_BYTES];
        size_t n;
        const char *cc = json_string_value(json_object_get(m, "country"));
        bool mirror = strcmp(json_string_value(json_object_get(m, "role")), "mirror") == 0;
        unhex(json_string_value(json_object_get(m, "key")), key, sizeof(key), &n);
        if (n != PROTO_KEY_BYTES ||
            proto_roster_add(&ro, mirror ? NULL : cc, mirror ? 0 : 2,
                             mirror ? PROTO_ROLE_MIRROR : PROTO_ROLE_AUTHORITY, key) != 0)
            return -1;
    }
    if (qv_open(&w->q, &ro) != 0)
        return -1;
    proto_roster_free(&ro);
    /* Each log is in seq order in the file: one entry at a time is a run of one. */
    json_array_foreach(json_object_get(w->file, "entries"), i, e)
    {
        uint8_t *b = malloc(RN_ENTRY_BYTES_MAX);
        size_t n;
        store_ingest_result res;
        rn_diag d = { 0 };
        if (b == NULL)
            return -1;
        unhex(json_string_value(e), b, RN_ENTRY_BYTES_MAX, &n);
        proto_str raw = { b, (uint32_t)n };
        int rc = store_ingest(&w->q.s, &raw, 1, &res, &d);
        free(b);
        if (rc != 0 || res.accepted != 1)
            return -1;
    }
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    world *w = *state;
    qv_close(&w->q);
    int rc = test_rmtree(w->q.dir);
    json_decref(w->file);
    free(w);
    return rc;
}

/* Every question gets exactly its committed answer. */
static void test_every_answer(void **state)
{
    world *w = *state;
    json_t *qs = json_object_get(w->file, "questions"), *q;
    size_t i, n = 0;
    assert_true(json_array_size(qs) >= 20);
    json_array_foreach(qs, i, q)
    {
        json_t *got = qv_ask(&w->q, q);
        assert_non_null(got);
        if (!json_equal(got, json_object_get(q, "answer"))) {
            char *g = json_dumps(got, JSON_COMPACT), *x = json_dumps(q, JSON_COMPACT);
            fail_msg("question %zu: %s\n  answered: %s", i, x, g);
        }
        json_decref(got);
        n++;
    }
    assert_int_equal(n, json_array_size(qs));
}

/* The committed answer of the first question of `query` as of `at` whose first argument is
 * `first` (a string) or, for verify, whose claim was issued at `issued`. */
static json_t *answer_valid(world *w, const char *query, uint64_t at, uint64_t valid_at,
                            const char *first, uint64_t issued, const char *purpose)
{
    json_t *q;
    size_t i;
    json_array_foreach(json_object_get(w->file, "questions"), i, q)
    {
        json_t *args = json_object_get(q, "args");
        json_t *valid = json_object_get(q, "valid_at");
        if (strcmp(json_string_value(json_object_get(q, "query")), query) != 0 ||
            (uint64_t)json_integer_value(json_object_get(q, "at")) != at ||
            (valid_at == 0) != (valid == NULL) ||
            (valid != NULL && (uint64_t)json_integer_value(valid) != valid_at))
            continue;
        json_t *a0 = json_array_get(args, 0);
        if (first != NULL && (!json_is_string(a0) || strcmp(json_string_value(a0), first) != 0))
            continue;
        if (issued != 0 && (uint64_t)json_integer_value(json_object_get(a0, "issued_at")) != issued)
            continue;
        if (purpose != NULL && strcmp(json_string_value(json_array_get(args, 2)), purpose) != 0)
            continue;
        return json_object_get(q, "answer");
    }
    fail_msg("no %s question as of %llu", query, (unsigned long long)at);
    return NULL;
}

/* The same, among the questions without a valid time. */
static json_t *answer(world *w, const char *query, uint64_t at, const char *first, uint64_t issued,
                      const char *purpose)
{
    return answer_valid(w, query, at, 0, first, issued, purpose);
}

static const char *str(json_t *o, const char *key)
{
    json_t *v = json_object_get(o, key);
    assert_true(json_is_string(v));
    return json_string_value(v);
}

/* What section 14 says of the story, field by field. */
static void test_story(void **state)
{
    world *w = *state;
    json_t *a;

    /* 14.2: the partial decision, then its superseder; the policy for employment. */
    a = answer(w, "recognise", T_2024_04_01, "IE:resa/mc-c012", 0, "further_study");
    assert_string_equal(str(a, "outcome"), "partial");
    assert_string_equal(str(a, "basis_id"), "FR:dec/2024-0042");
    assert_int_equal(json_integer_value(json_object_get(a, "ects_centi")), 150);
    assert_string_equal(str(json_array_get(json_object_get(a, "differences"), 0), "type"),
                        "workload");
    a = answer(w, "recognise", T_2024_07_01, "IE:resa/mc-c012", 0, "further_study");
    assert_string_equal(str(a, "outcome"), "full");
    assert_string_equal(str(a, "supersedes"), "FR:dec/2024-0042");
    assert_true(json_is_null(json_object_get(a, "differences")));
    a = answer(w, "recognise", T_2024_04_01, "IE:resa/mc-c012", 0, "employment");
    assert_string_equal(str(a, "result"), "automatic");
    assert_string_equal(str(a, "conditions"), "Un entretien avec l'employeur.");
    assert_true(json_is_null(json_object_get(a, "appeal")));
    /* The withdrawal and the suspension are stated, and the decision still answers. */
    a = answer(w, "recognise", T_2024_09_01, "IE:resa/mc-c012", 0, "further_study");
    assert_string_equal(str(a, "spec_status"), "withdrawn");
    assert_string_equal(str(a, "provider_status"), "active");
    assert_string_equal(str(a, "outcome"), "full");
    a = answer(w, "recognise", T_2024_11_01, "IE:resa/mc-c012", 0, "further_study");
    assert_string_equal(str(a, "provider_status"), "suspended");
    assert_string_equal(str(a, "provider_name"), "University of Zed");
    /* The policy expired at the start of 2025 only; withdrawn or not, it still matches. */
    a = answer(w, "recognise", T_2024_11_01, "IE:resa/mc-c012", 0, "employment");
    assert_string_equal(str(a, "result"), "automatic");

    /* 14.3: the withdrawn spec is no longer found. */
    a = answer(w, "search", T_2024_11_01, NULL, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(a, "hits")), 1);
    assert_string_equal(str(json_array_get(json_object_get(a, "hits"), 0), "provider_name"),
                        "Naboo Theed University");

    /* 14.4: after the withdrawal the spec fails, after the suspension the issuer. */
    a = answer(w, "verify", T_2024_11_01, NULL, T_2024_09_01 + DAY, NULL);
    assert_string_equal(str(a, "spec_reason"), "withdrawn");
    assert_string_equal(str(a, "issuer_reason"), "ok");
    a = answer(w, "verify", T_2024_11_01, NULL, T_2024_10_01 + DAY, NULL);
    assert_string_equal(str(a, "issuer_reason"), "provider_suspended");
    assert_false(json_is_true(json_object_get(a, "valid")));

    /* 14.5: the withdrawn mandatory spec neither counts nor is held. */
    a = answer(w, "stack", T_2024_04_01, "NL", 0, NULL);
    assert_true(json_is_true(json_object_get(a, "complete")));
    a = answer(w, "stack", T_2024_11_01, "NL", 0, NULL);
    assert_string_equal(str(json_array_get(json_object_get(a, "items"), 0), "status"), "withdrawn");
    assert_string_equal(json_string_value(json_array_get(json_object_get(a, "missing"), 0)),
                        "IE:resa/mc-c012");
    assert_false(json_is_true(json_object_get(a, "complete")));

    /* 14.1, two times: known in November, valid in April (the partial decision superseded as
     * known then, the full one not yet valid) and in July (the full one; the spec and the
     * provider active then). */
    a = answer_valid(w, "recognise", T_2024_11_01, T_2024_04_01, "IE:resa/mc-c012", 0,
                     "further_study");
    assert_string_equal(str(a, "result"), "no_decision");
    assert_string_equal(str(a, "spec_status"), "active");
    a = answer_valid(w, "recognise", T_2024_11_01, T_2024_07_01, "IE:resa/mc-c012", 0,
                     "further_study");
    assert_string_equal(str(a, "outcome"), "full");
    assert_string_equal(str(a, "provider_status"), "active");
    /* The Irish spec, withdrawn in September, is found valid in August (the Dutch one starts on
     * 2024-08-30). */
    a = answer_valid(w, "search", T_2024_11_01, T_2024_08_01, NULL, 0, NULL);
    assert_int_equal(json_array_size(json_object_get(a, "hits")), 1);
    assert_string_equal(str(json_array_get(json_object_get(a, "hits"), 0), "spec_id"),
                        "IE:resa/mc-c012");
    /* 14.4: registered retroactively. */
    a = answer(w, "verify", T_2024_08_01, NULL, T_2024_01_01 + DAY / 2, NULL);
    assert_true(json_is_true(json_object_get(a, "valid")));
    assert_true(json_is_integer(
        json_object_get(json_object_get(a, "registered_retroactively"), "spec_registered")));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_every_answer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_story, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
