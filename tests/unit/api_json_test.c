/*
 * api_json_test.c: the direct JSON writer (api/json.h, api_json_write) against the tree path it
 * stands in for (api_json_from_mp, api_json_drop_proof, api_json_text): wherever the writer
 * takes a value, it must write exactly the tree path's bytes.
 *
 * - the control API's answers: every question of proto/query_vectors.json asked through
 *   node_control (tests/vectors/query_vectors.h), each result written both ways, with and
 *   without the proof dropped;
 * - random MessagePack values (keys drawn from the ones that change how a value is shown, and
 *   strings with controls, quotes and multi-byte UTF-8), many seeds; the writer must take most;
 * - negative cases: truncated and malformed bytes, invalid UTF-8, wrong types, depth past
 *   MP_DEPTH_MAX, duplicate keys, a key twice once "_centi" is cut, a "proof" that is not a bin,
 *   a bound one byte too small.
 *
 * Reproducing: a failing random case prints its seed; RN_SEED=<n> runs that seed alone.
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

#include "api/json.h"
#include "proto/ctl.h"
#include "tests/support/rng.h"
#include "tests/vectors/query_vectors.h"

#include "testutil.h"

#define TEXT_MAX (8u << 20)

/* The tree path's text, or NULL where it shows nothing (a scalar, a value it refuses). */
static char *tree_text(mp_cur v, unsigned flags)
{
    json_t *j = api_json_from_mp(v);
    if (j == NULL)
        return NULL;
    if (flags & API_JSON_DROP_PROOF)
        api_json_drop_proof(j, v);
    char *t = api_json_text(j);
    json_decref(j);
    return t;
}

/* Writes v both ways: when the writer takes it, the bytes must be the tree path's. Returns
 * whether the writer took it. */
static bool same_both_ways(const uint8_t *b, size_t n, unsigned flags, uint64_t seed)
{
    api_text t;
    mp_cur v;
    api_text_init(&t, TEXT_MAX);
    mp_cur_init(&v, b, n);
    int rc = api_json_write(&t, v, flags);
    char *tree = tree_text(v, flags);
    if (rc == 0) {
        if (tree == NULL || strlen(tree) != t.len || memcmp(tree, t.p, t.len) != 0)
            fail_msg("seed %llu flags %u: the writer wrote\n%.*s\nthe tree path\n%s",
                     (unsigned long long)seed, flags, (int)t.len, t.p,
                     tree != NULL ? tree : "(nothing)");
    } else {
        assert_true(rc == RN_EMALFORMED || rc == RN_EINVAL);
    }
    free(tree);
    api_text_free(&t);
    return rc == 0;
}

/* ---- The control API's answers ---- */

static void test_vectors(void **state)
{
    (void)state;
    json_error_t err;
    proto_roster ro;
    qv_ctx q;
    size_t i, taken = 0, proofs = 0;
    json_t *m, *e, *question;
    assert_true(sodium_init() >= 0);
    json_t *file = json_load_file(RN_SOURCE_DIR "/proto/query_vectors.json", 0, &err);
    assert_non_null(file);
    assert_int_equal(proto_roster_init(&ro, 16), 0);
    json_array_foreach(json_object_get(file, "roster"), i, m)
    {
        uint8_t key[PROTO_KEY_BYTES];
        size_t n;
        const char *cc = json_string_value(json_object_get(m, "country"));
        bool mirror = strcmp(json_string_value(json_object_get(m, "role")), "mirror") == 0;
        const char *hex = json_string_value(json_object_get(m, "key"));
        assert_int_equal(sodium_hex2bin(key, sizeof(key), hex, strlen(hex), NULL, &n, NULL), 0);
        assert_int_equal(proto_roster_add(&ro, mirror ? NULL : cc, mirror ? 0 : 2,
                                          mirror ? PROTO_ROLE_MIRROR : PROTO_ROLE_AUTHORITY, key),
                         0);
    }
    assert_int_equal(qv_open(&q, &ro), 0);
    proto_roster_free(&ro);
    uint8_t *b = malloc(RN_ENTRY_BYTES_MAX);
    assert_non_null(b);
    json_array_foreach(json_object_get(file, "entries"), i, e)
    {
        size_t n;
        store_ingest_result res;
        rn_diag d = { 0 };
        const char *hex = json_string_value(e);
        assert_int_equal(sodium_hex2bin(b, RN_ENTRY_BYTES_MAX, hex, strlen(hex), NULL, &n, NULL),
                         0);
        proto_str raw = { b, (uint32_t)n };
        assert_int_equal(store_ingest(&q.s, &raw, 1, &res, &d), 0);
    }
    free(b);
    json_array_foreach(json_object_get(file, "questions"), i, question)
    {
        json_decref(qv_ask(&q, question));
        ctl_response r;
        assert_int_equal(ctl_response_decode(&r, q.resp.data, q.resp.len), 0);
        if (r.is_error)
            continue;
        mp_cur pv;
        proofs += api_map_get(r.result, "proof", &pv) ? 1 : 0;
        const uint8_t *rb = r.result.p;
        size_t rn = mp_cur_left(&r.result);
        bool a = same_both_ways(rb, rn, 0, i);
        bool d = same_both_ways(rb, rn, API_JSON_DROP_PROOF, i);
        /* Every answer of the control API is the writer's to write. */
        assert_true(a && d);
        taken++;
    }
    assert_true(taken >= 20);
    assert_true(proofs >= 10); /* the bundle dropped, its size shown, as the gateway does */
    qv_close(&q);
    assert_int_equal(test_rmtree(q.dir), 0);
    json_decref(file);
}

/* ---- Random values ---- */

static const char *const rkeys[] = {
    "author",
    "key",
    "id",
    "timestamp",
    "at",
    "time",
    "connected_since",
    "next_dial",
    "ects_centi",
    "ects",
    "ects_min_centi",
    "valid_from",
    "valid_until",
    "proof",
    "proof_bytes",
    "name",
    "a\"b",
    "tab\there",
    "caf\xc3\xa9",
    "",
    "x_centi",
    "total_ects_centi",
};

static void put_rstring(mp_buf *b, uint64_t *s)
{
    static const char *const parts[] = { "a",
                                         "\"",
                                         "\\",
                                         "/",
                                         "\n",
                                         "\t",
                                         "\b",
                                         "\f",
                                         "\r",
                                         "\x01",
                                         "\x1f",
                                         "\x7f",
                                         "\xc3\xa9",
                                         "\xe2\x82\xac",
                                         "\xf0\x9f\x98\x80",
                                         "\xed\xa0\x80",
                                         "\xc0\xaf",
                                         "\xff",
                                         " ",
                                         "rn1:" };
    char buf[64];
    size_t n = 0, k = test_rng_next(s) % 8;
    for (size_t i = 0; i < k; i++) {
        /* Invalid sequences (a surrogate, an overlong, 0xff) are rare, so most strings pass. */
        size_t p = test_rng_next(s) % (sizeof(parts) / sizeof(parts[0]));
        if (p >= 15 && p <= 17 && test_rng_next(s) % 8 != 0)
            p = 0;
        size_t l = strlen(parts[p]);
        memcpy(buf + n, parts[p], l);
        n += l;
    }
    if (test_rng_next(s) % 40 == 0)
        buf[n++] = '\0'; /* a NUL inside */
    mp_put_str(b, buf, n);
}

static void put_rvalue(mp_buf *b, uint64_t *s, unsigned depth)
{
    unsigned kind = (unsigned)(test_rng_next(s) % (depth < 4 ? 10 : 7));
    if (depth > 10)
        kind = 0;
    switch (kind) {
    case 0:
        mp_put_nil(b);
        break;
    case 1:
        mp_put_bool(b, test_rng_next(s) & 1);
        break;
    case 2: {
        static const uint64_t edge[] = { 0,
                                         1,
                                         99,
                                         100,
                                         150,
                                         1234,
                                         UINT32_MAX,
                                         0x100000000ull,
                                         INT64_MAX,
                                         (uint64_t)INT64_MAX + 1,
                                         UINT64_MAX,
                                         1711929600000ull,
                                         1711929600123ull,
                                         253402300799999ull,
                                         253402300800000ull };
        uint64_t r = test_rng_next(s);
        mp_put_uint(b, r % 3 == 0   ? edge[(r >> 8) % (sizeof(edge) / sizeof(edge[0]))]
                       : r % 3 == 1 ? (r >> 8) % 100000
                                    : r >> (r % 64));
        break;
    }
    case 3:
        put_rstring(b, s);
        break;
    case 4: {
        static const size_t lens[] = { 0, 1, 31, 32, 33, 64, 65, 200 };
        uint8_t bin[200];
        size_t l = lens[test_rng_next(s) % 8];
        for (size_t i = 0; i < l; i++)
            bin[i] = (uint8_t)test_rng_next(s);
        mp_put_bin(b, bin, l);
        break;
    }
    case 5:
        if (test_rng_next(s) % 6 == 0)
            mp_put_int(b, -(int64_t)(test_rng_next(s) % 1000) - 1); /* the tree path refuses */
        else
            mp_put_uint(b, test_rng_next(s) % 3000);
        break;
    case 6:
    case 7: {
        uint32_t n = (uint32_t)(test_rng_next(s) % 5);
        mp_put_array(b, n);
        for (uint32_t i = 0; i < n; i++)
            put_rvalue(b, s, depth + 1);
        break;
    }
    default: {
        uint32_t n = (uint32_t)(test_rng_next(s) % 6);
        mp_put_map(b, n);
        for (uint32_t i = 0; i < n; i++) {
            if (test_rng_next(s) % 4 == 0)
                put_rstring(b, s);
            else
                mp_put_cstr(b, rkeys[test_rng_next(s) % (sizeof(rkeys) / sizeof(rkeys[0]))]);
            put_rvalue(b, s, depth + 1);
        }
        break;
    }
    }
}

static void test_random(void **state)
{
    (void)state;
    const char *env = getenv("RN_SEED");
    uint64_t first = env != NULL ? strtoull(env, NULL, 10) : 1, count = env != NULL ? 1 : 40000;
    uint64_t taken = 0, tried = 0;
    for (uint64_t seed = first; seed < first + count; seed++) {
        uint64_t s = seed;
        mp_buf b;
        mp_buf_init(&b, 1u << 20);
        /* A container at the top: the tree path shows nothing else. */
        if (test_rng_next(&s) % 2 == 0) {
            uint32_t n = (uint32_t)(test_rng_next(&s) % 8);
            mp_put_map(&b, n);
            for (uint32_t i = 0; i < n; i++) {
                mp_put_cstr(&b, rkeys[test_rng_next(&s) % (sizeof(rkeys) / sizeof(rkeys[0]))]);
                put_rvalue(&b, &s, 1);
            }
        } else {
            put_rvalue(&b, &s, 0);
        }
        assert_int_equal(mp_buf_err(&b), 0);
        unsigned flags = (seed & 1) ? API_JSON_DROP_PROOF : 0;
        taken += same_both_ways(b.data, b.len, flags, seed) ? 1 : 0;
        tried++;
        mp_buf_free(&b);
    }
    /* The writer declines only what it must leave to the tree path. */
    printf("random values: the writer took %llu of %llu\n", (unsigned long long)taken,
           (unsigned long long)tried);
    if (env == NULL)
        assert_true(taken * 3 >= tried);
}

/* ---- Negative cases ---- */

static int write_of(mp_buf *b, unsigned flags, size_t max)
{
    api_text t;
    mp_cur v;
    api_text_init(&t, max);
    mp_cur_init(&v, b->data, b->len);
    int rc = api_json_write(&t, v, flags);
    api_text_free(&t);
    return rc;
}

static void test_negative(void **state)
{
    (void)state;
    mp_buf b;
    mp_buf_init(&b, 1u << 16);

    /* A good answer, then every prefix of it: none is taken. */
    mp_put_map(&b, 3);
    mp_put_cstr(&b, "spec");
    mp_put_cstr(&b, "IE:uniz/mc-c012");
    mp_put_cstr(&b, "ects_centi");
    mp_put_uint(&b, 250);
    mp_put_cstr(&b, "at");
    mp_put_uint(&b, 1711929600000ull);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), 0);
    for (size_t n = 0; n < b.len; n++) {
        api_text t;
        mp_cur v;
        api_text_init(&t, TEXT_MAX);
        mp_cur_init(&v, b.data, n);
        int rc = api_json_write(&t, v, 0);
        assert_true(rc == RN_EMALFORMED || rc == RN_EINVAL);
        api_text_free(&t);
    }
    /* The bound: the text is 68 bytes; one less is RN_ETOOBIG. */
    {
        api_text t;
        mp_cur v;
        api_text_init(&t, TEXT_MAX);
        mp_cur_init(&v, b.data, b.len);
        assert_int_equal(api_json_write(&t, v, 0), 0);
        size_t len = t.len;
        api_text_free(&t);
        assert_int_equal(write_of(&b, 0, len), 0);
        assert_int_equal(write_of(&b, 0, len - 1), RN_ETOOBIG);
    }

    /* API_JSON_WHOLE: a byte after the value is refused; without it, ignored. */
    mp_put_nil(&b);
    assert_int_equal(write_of(&b, API_JSON_WHOLE, TEXT_MAX), RN_EMALFORMED);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), 0);
    b.len--;
    assert_int_equal(write_of(&b, API_JSON_WHOLE, TEXT_MAX), 0);

    /* A scalar at the top: json_dumps shows none. */
    mp_buf_reset(&b);
    mp_put_uint(&b, 7);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EINVAL);

    /* Invalid UTF-8 in a value, and in a key. */
    mp_buf_reset(&b);
    mp_put_array(&b, 1);
    mp_put_str(&b, "\xed\xa0\x80", 3);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EMALFORMED);
    mp_buf_reset(&b);
    mp_put_map(&b, 1);
    mp_put_str(&b, "\xc0\xaf", 2);
    mp_put_nil(&b);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EINVAL);

    /* A key that is not a string, a key of 64 bytes, a key with a NUL. */
    mp_buf_reset(&b);
    mp_put_map(&b, 1);
    mp_put_uint(&b, 1);
    mp_put_nil(&b);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EMALFORMED);
    char k64[64];
    memset(k64, 'k', sizeof(k64));
    mp_buf_reset(&b);
    mp_put_map(&b, 1);
    mp_put_str(&b, k64, 63);
    mp_put_nil(&b);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), 0);
    mp_buf_reset(&b);
    mp_put_map(&b, 1);
    mp_put_str(&b, k64, 64);
    mp_put_nil(&b);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EINVAL);
    mp_buf_reset(&b);
    mp_put_map(&b, 1);
    mp_put_str(&b, "a\0b", 3);
    mp_put_nil(&b);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EINVAL);

    /* Duplicate keys, and "ects" beside "ects_centi". */
    mp_buf_reset(&b);
    mp_put_map(&b, 2);
    mp_put_cstr(&b, "a");
    mp_put_nil(&b);
    mp_put_cstr(&b, "a");
    mp_put_nil(&b);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EINVAL);
    mp_buf_reset(&b);
    mp_put_map(&b, 2);
    mp_put_cstr(&b, "ects");
    mp_put_uint(&b, 1);
    mp_put_cstr(&b, "ects_centi");
    mp_put_uint(&b, 100);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EINVAL);

    /* A negative integer and a float: MessagePack recnet never writes. */
    mp_buf_reset(&b);
    mp_put_array(&b, 1);
    mp_put_int(&b, -1);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EMALFORMED);
    static const uint8_t flt[] = { 0x91, 0xca, 0x3f, 0x80, 0x00, 0x00 };
    mp_buf_reset(&b);
    mp_buf_raw(&b, flt, sizeof(flt));
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EMALFORMED);

    /* Nesting: MP_DEPTH_MAX levels of arrays around a value are taken, one more is not. */
    for (unsigned levels = MP_DEPTH_MAX; levels <= MP_DEPTH_MAX + 1; levels++) {
        mp_buf_reset(&b);
        for (unsigned i = 0; i < levels; i++)
            mp_put_array(&b, 1);
        mp_put_nil(&b);
        assert_int_equal(write_of(&b, 0, TEXT_MAX), levels == MP_DEPTH_MAX ? 0 : RN_EMALFORMED);
        mp_cur v;
        mp_cur_init(&v, b.data, b.len);
        char *tree = tree_text(v, 0);
        assert_true((tree != NULL) == (levels == MP_DEPTH_MAX));
        free(tree);
    }

    /* With the proof dropped: a "proof" that is not a bin, and a "proof_bytes" of its own. */
    mp_buf_reset(&b);
    mp_put_map(&b, 1);
    mp_put_cstr(&b, "proof");
    mp_put_cstr(&b, "x");
    assert_int_equal(write_of(&b, API_JSON_DROP_PROOF, TEXT_MAX), RN_EINVAL);
    assert_int_equal(write_of(&b, 0, TEXT_MAX), 0);
    mp_buf_reset(&b);
    mp_put_map(&b, 2);
    mp_put_cstr(&b, "proof_bytes");
    mp_put_uint(&b, 1);
    mp_put_cstr(&b, "proof");
    mp_put_bin(&b, "xy", 2);
    assert_int_equal(write_of(&b, API_JSON_DROP_PROOF, TEXT_MAX), RN_EINVAL);

    /* More keys than a map may have here. */
    mp_buf_reset(&b);
    mp_put_map(&b, API_JSON_MAP_KEYS_MAX + 1);
    for (uint32_t i = 0; i <= API_JSON_MAP_KEYS_MAX; i++) {
        char k[16];
        snprintf(k, sizeof(k), "k%u", i);
        mp_put_cstr(&b, k);
        mp_put_nil(&b);
    }
    assert_int_equal(write_of(&b, 0, TEXT_MAX), RN_EINVAL);
    mp_buf_free(&b);
}

/* The exact text of one answer, by hand: the form the HTTP gateway has always sent. */
static void test_known_text(void **state)
{
    (void)state;
    mp_buf b;
    mp_buf_init(&b, 4096);
    mp_put_map(&b, 6);
    mp_put_cstr(&b, "outcome");
    mp_put_cstr(&b, "partial \"x\"\n");
    mp_put_cstr(&b, "ects_centi");
    mp_put_uint(&b, 250);
    mp_put_cstr(&b, "at");
    mp_put_uint(&b, 1711929600000ull);
    mp_put_cstr(&b, "proof");
    mp_put_bin(&b, "\x01\x02\x03", 3);
    mp_put_cstr(&b, "list");
    mp_put_array(&b, 0);
    mp_put_cstr(&b, "id");
    mp_put_bin(&b, "\xab\xcd", 2);
    api_text t;
    mp_cur v;
    api_text_init(&t, TEXT_MAX);
    mp_cur_init(&v, b.data, b.len);
    assert_int_equal(api_json_write(&t, v, API_JSON_DROP_PROOF), 0);
    static const char want[] = "{\n  \"outcome\": \"partial \\\"x\\\"\\n\",\n  \"ects\": 2.5,\n"
                               "  \"at\": \"2024-04-01\",\n  \"list\": [],\n  \"id\": \"abcd\",\n"
                               "  \"proof_bytes\": 3\n}\n";
    assert_int_equal(t.len, sizeof(want) - 1);
    assert_memory_equal(t.p, want, t.len);
    api_text_free(&t);
    mp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_known_text),
        cmocka_unit_test(test_negative),
        cmocka_unit_test(test_random),
        cmocka_unit_test(test_vectors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
