/*
 * vectors_test.c: checks the decoders against the committed test vectors, proto/vectors.json.
 *
 * Every valid entry must decode to the fields the file states, hash to its id, verify, and carry
 * a record that decodes, re-encodes to the same bytes and passes the author-prefix check. Every
 * invalid entry must pass each stage before the one it names and fail that stage with the named
 * error and field. Runs and forks are checked as PROTOCOL.md section 2 describes. A separate
 * ctest (unit.vectors_fresh) checks that the generator still writes exactly the committed file.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <sodium.h>

#include "proto/entry.h"
#include "proto/mp.h"
#include "proto/record.h"

static json_t *root;

static int setup(void **state)
{
    (void)state;
    json_error_t err;
    if (sodium_init() < 0)
        return -1;
    root = json_load_file(RN_SOURCE_DIR "/proto/vectors.json", 0, &err);
    if (root == NULL) {
        fprintf(stderr, "vectors.json: line %d: %s\n", err.line, err.text);
        return -1;
    }
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    json_decref(root);
    return 0;
}

/* Decodes the hex string `key` of `o` into a malloc'd buffer of exactly its size (so that ASan
 * catches any over-read). */
static uint8_t *unhex(json_t *o, const char *key, size_t *len)
{
    const char *h = json_string_value(json_object_get(o, key));
    assert_non_null(h);
    size_t cap = strlen(h) / 2;
    uint8_t *b = malloc(cap > 0 ? cap : 1);
    assert_int_equal(sodium_hex2bin(b, cap, h, strlen(h), NULL, len, NULL), 0);
    assert_int_equal(*len, cap);
    return b;
}

static int code_of(const char *name)
{
    for (int c = -1; c > -200; c--)
        if (strcmp(rn_err_name(c), name) == 0)
            return c;
    fail_msg("unknown error name %s in vectors.json", name);
    return 0;
}

static void test_keys(void **state)
{
    (void)state;
    json_t *keys = json_object_get(root, "keys"), *k;
    size_t i;
    assert_true(json_array_size(keys) >= 3);
    json_array_foreach(keys, i, k)
    {
        size_t n;
        uint8_t pk[32], sk[64], label_seed[32];
        uint8_t *seed = unhex(k, "seed", &n);
        uint8_t *pub = unhex(k, "public", &n);
        const char *label = json_string_value(json_object_get(k, "seed_label"));
        crypto_generichash(label_seed, 32, (const uint8_t *)label, strlen(label), NULL, 0);
        assert_memory_equal(label_seed, seed, 32);
        crypto_sign_seed_keypair(pk, sk, seed);
        assert_memory_equal(pk, pub, 32);
        free(seed);
        free(pub);
    }
}

static const char *country_of(const uint8_t *author)
{
    json_t *keys = json_object_get(root, "keys"), *k;
    size_t i;
    json_array_foreach(keys, i, k)
    {
        size_t n;
        uint8_t *pub = unhex(k, "public", &n);
        int same = memcmp(pub, author, 32) == 0;
        free(pub);
        if (same)
            return json_string_value(json_object_get(k, "country"));
    }
    return NULL;
}

static void test_valid_entries(void **state)
{
    (void)state;
    json_t *list = json_object_get(root, "entries"), *v;
    size_t i;
    assert_true(json_array_size(list) >= 6);
    int kinds_seen = 0;
    json_array_foreach(list, i, v)
    {
        size_t len, n;
        uint8_t *bytes = unhex(v, "bytes", &len);
        proto_entry e;
        rn_diag d = { 0 };
        assert_int_equal(proto_entry_decode(&e, bytes, len, &d), 0);

        uint8_t *author = unhex(v, "author", &n);
        assert_memory_equal(e.author, author, 32);
        assert_int_equal(e.seq, json_integer_value(json_object_get(v, "seq")));
        if (json_is_null(json_object_get(v, "prev"))) {
            assert_null(e.prev);
        } else {
            uint8_t *prev = unhex(v, "prev", &n);
            assert_memory_equal(e.prev, prev, 32);
            free(prev);
        }
        assert_int_equal(e.timestamp_ms, json_integer_value(json_object_get(v, "timestamp")));
        assert_int_equal(e.kind, json_integer_value(json_object_get(v, "kind")));
        assert_string_equal(proto_kind_name(e.kind),
                            json_string_value(json_object_get(v, "kind_name")));
        kinds_seen |= 1 << e.kind;

        uint8_t *body = unhex(v, "body", &n);
        assert_int_equal(e.body_len, n);
        assert_memory_equal(e.body, body, n);

        uint8_t id[32], u[32], hdr = 0x97;
        uint8_t *want_id = unhex(v, "id", &n);
        proto_entry_id(bytes, len, id);
        assert_memory_equal(id, want_id, 32);
        crypto_generichash_state st;
        crypto_generichash_init(&st, NULL, 0, 32);
        crypto_generichash_update(&st, &hdr, 1);
        crypto_generichash_update(&st, bytes + 1, len - 67);
        crypto_generichash_final(&st, u, 32);
        uint8_t *want_u = unhex(v, "signed_hash", &n);
        assert_memory_equal(u, want_u, 32);
        assert_int_equal(proto_entry_verify(&e), 0);

        /* The record: decode, canonical re-encode, author prefix. */
        proto_record r;
        assert_int_equal(proto_record_decode(&r, e.kind, e.body, e.body_len, &d), 0);
        mp_buf out;
        mp_buf_init(&out, RN_ENTRY_BYTES_MAX);
        assert_int_equal(proto_record_encode(&r, &out), 0);
        assert_int_equal(out.len, e.body_len);
        assert_memory_equal(out.data, e.body, e.body_len);
        mp_buf_free(&out);
        const char *country = json_string_value(json_object_get(v, "author_country"));
        assert_string_equal(country_of(e.author), country);
        assert_int_equal(proto_record_check_author(&r, country, &d), 0);

        free(bytes);
        free(author);
        free(body);
        free(want_id);
        free(want_u);
    }
    /* Every kind appears at least once. */
    for (int k = PROTO_KIND_MIN; k <= PROTO_KIND_MAX; k++)
        assert_true(kinds_seen & (1 << k));
}

static void test_invalid_entries(void **state)
{
    (void)state;
    json_t *list = json_object_get(root, "invalid"), *v;
    size_t i;
    static const char *const stages[] = { "decode", "verify", "record", "author" };
    assert_true(json_array_size(list) >= 20);
    json_array_foreach(list, i, v)
    {
        const char *name = json_string_value(json_object_get(v, "name"));
        const char *stage = json_string_value(json_object_get(v, "stage"));
        int want = code_of(json_string_value(json_object_get(v, "error")));
        json_t *jf = json_object_get(v, "field");
        const char *field = json_is_null(jf) ? NULL : json_string_value(jf);
        const char *country = json_string_value(json_object_get(v, "author_country"));
        size_t len;
        uint8_t *bytes = unhex(v, "bytes", &len);
        proto_entry e;
        proto_record r;
        int rc = 0;
        rn_diag d = { 0 };
        const char *failed = NULL;
        for (size_t s = 0; s < 4 && rc == 0; s++) {
            switch (s) {
            case 0:
                rc = proto_entry_decode(&e, bytes, len, &d);
                break;
            case 1:
                rc = proto_entry_verify(&e);
                if (rc != 0)
                    d.field = "entry.signature";
                break;
            case 2:
                rc = proto_record_decode(&r, e.kind, e.body, e.body_len, &d);
                break;
            default:
                rc = proto_record_check_author(&r, country, &d);
                break;
            }
            if (rc != 0)
                failed = stages[s];
        }
        if (failed == NULL || strcmp(failed, stage) != 0 || rc != want ||
            (field != NULL && (d.field == NULL || strcmp(d.field, field) != 0)))
            fail_msg("vector %s: expected %s %s at %s, got %s %s at %s", name, stage,
                     rn_err_name(want), field ? field : "-", failed ? failed : "none",
                     rn_err_name(rc), d.field ? d.field : "-");
        free(bytes);
    }
}

static void test_runs(void **state)
{
    (void)state;
    json_t *list = json_object_get(root, "runs"), *v;
    size_t i;
    assert_true(json_array_size(list) >= 3);
    json_array_foreach(list, i, v)
    {
        json_t *entries = json_object_get(v, "entries"), *h;
        size_t n = json_array_size(entries), j;
        proto_entry run[8];
        uint8_t *bufs[8];
        assert_true(n > 0 && n <= 8);
        json_array_foreach(entries, j, h)
        {
            size_t len;
            json_t *wrap = json_pack("{sO}", "x", h);
            bufs[j] = unhex(wrap, "x", &len);
            json_decref(wrap);
            assert_int_equal(proto_entry_decode(&run[j], bufs[j], len, NULL), 0);
        }
        uint8_t *head = NULL;
        size_t hl;
        if (!json_is_null(json_object_get(v, "head")))
            head = unhex(v, "head", &hl);
        rn_diag d = { 0 };
        int rc = proto_entry_run_verify(run, n, head, NULL, &d);
        json_t *err = json_object_get(v, "error");
        if (json_is_null(err)) {
            assert_int_equal(rc, 0);
        } else {
            assert_int_equal(rc, code_of(json_string_value(err)));
            assert_int_equal(d.index, json_integer_value(json_object_get(v, "error_index")));
        }
        for (j = 0; j < n; j++)
            free(bufs[j]);
        free(head);
    }
}

static void test_forks(void **state)
{
    (void)state;
    json_t *list = json_object_get(root, "forks"), *v;
    size_t i;
    assert_true(json_array_size(list) >= 1);
    json_array_foreach(list, i, v)
    {
        size_t la, lb, n;
        uint8_t *a = unhex(v, "a", &la), *b = unhex(v, "b", &lb);
        uint8_t *author = unhex(v, "author", &n);
        proto_entry ea, eb;
        uint8_t ida[32], idb[32];
        assert_int_equal(proto_entry_decode(&ea, a, la, NULL), 0);
        assert_int_equal(proto_entry_decode(&eb, b, lb, NULL), 0);
        assert_int_equal(proto_entry_verify(&ea), 0);
        assert_int_equal(proto_entry_verify(&eb), 0);
        /* Same author, same seq, different ids: that is a fork. */
        assert_memory_equal(ea.author, author, 32);
        assert_memory_equal(eb.author, author, 32);
        assert_int_equal(ea.seq, eb.seq);
        assert_int_equal(ea.seq, json_integer_value(json_object_get(v, "seq")));
        proto_entry_id(a, la, ida);
        proto_entry_id(b, lb, idb);
        assert_memory_not_equal(ida, idb, 32);
        free(a);
        free(b);
        free(author);
    }
}

/* PROTOCOL.md section 6 lists every error code with its number and name. */
static void test_error_table_documented(void **state)
{
    (void)state;
    FILE *fp = fopen(RN_SOURCE_DIR "/proto/PROTOCOL.md", "rb");
    assert_non_null(fp);
    static char doc[1 << 20];
    size_t n = fread(doc, 1, sizeof(doc) - 1, fp);
    fclose(fp);
    doc[n] = '\0';
    int codes = 0;
    for (int c = -1; strcmp(rn_err_name(c), "RN_UNKNOWN") != 0; c--) {
        char row[128];
        snprintf(row, sizeof(row), "| %d | `%s` | %s |", c, rn_err_name(c), rn_strerror(c));
        if (strstr(doc, row) == NULL)
            fail_msg("PROTOCOL.md section 6 lacks the row: %s", row);
        codes++;
    }
    assert_true(codes >= 40);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_valid_entries),
        cmocka_unit_test(test_invalid_entries),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_forks),
        cmocka_unit_test(test_error_table_documented),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
