/*
 * roster_test.c: the federation roster (proto/roster.h).
 *
 * Beside the rules (one authority per country, unique keys, mirrors with or without a country,
 * the bound), this checks the sorted array against a plain reference model on random operations,
 * and feeds the decoder its own encoding truncated at every length, mutated, out of order,
 * oversized and with trailing bytes.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/codes.h"
#include "proto/key.h"
#include "proto/roster.h"

/* The public key of seed {i, i+1, ...}. */
static void key_of(unsigned i, uint8_t pk[PROTO_KEY_BYTES])
{
    uint8_t seed[PROTO_SEED_BYTES], sk[PROTO_SK_BYTES];
    for (unsigned k = 0; k < PROTO_SEED_BYTES; k++)
        seed[k] = (uint8_t)(i * 31u + k);
    seed[0] = (uint8_t)i;
    seed[1] = (uint8_t)(i >> 8);
    proto_key_sk_derive(seed, sk, pk);
}

static void test_init_bounds(void **state)
{
    (void)state;
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, 0), RN_EINVAL);
    proto_roster_free(&r);
    assert_int_equal(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX + 1), RN_EINVAL);
    proto_roster_free(&r);
    assert_int_equal(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX), 0);
    assert_int_equal(r.count, 0);
    proto_roster_free(&r);
    assert_null(r.members);
}

static void test_add_find(void **state)
{
    (void)state;
    proto_roster r;
    uint8_t fr[32], ie[32], gr[32], m1[32], m2[32], m3[32], other[32];
    key_of(1, fr);
    key_of(2, ie);
    key_of(3, gr);
    key_of(4, m1);
    key_of(5, m2);
    key_of(6, m3);
    key_of(7, other);

    assert_int_equal(proto_roster_init(&r, 8), 0);
    assert_int_equal(proto_roster_add(&r, "FR", 2, PROTO_ROLE_AUTHORITY, fr), 0);
    assert_int_equal(proto_roster_add(&r, "IE", 2, PROTO_ROLE_AUTHORITY, ie), 0);
    /* "EL" is stored as the canonical "GR". */
    assert_int_equal(proto_roster_add(&r, "EL", 2, PROTO_ROLE_AUTHORITY, gr), 0);
    /* Mirrors: without a country, with their own, with an authority's country. */
    assert_int_equal(proto_roster_add(&r, NULL, 0, PROTO_ROLE_MIRROR, m1), 0);
    assert_int_equal(proto_roster_add(&r, "LU", 2, PROTO_ROLE_MIRROR, m2), 0);
    assert_int_equal(proto_roster_add(&r, "FR", 2, PROTO_ROLE_MIRROR, m3), 0);
    assert_int_equal(r.count, 6);

    const proto_member *m = proto_roster_find(&r, fr);
    assert_non_null(m);
    assert_string_equal(m->country, "FR");
    assert_int_equal(m->role, PROTO_ROLE_AUTHORITY);
    m = proto_roster_find(&r, gr);
    assert_non_null(m);
    assert_string_equal(m->country, "GR");
    m = proto_roster_find(&r, m1);
    assert_non_null(m);
    assert_string_equal(m->country, "");
    assert_int_equal(m->role, PROTO_ROLE_MIRROR);
    assert_null(proto_roster_find(&r, other));

    assert_memory_equal(proto_roster_authority(&r, "FR", 2)->key, fr, 32);
    assert_memory_equal(proto_roster_authority(&r, "IE", 2)->key, ie, 32);
    assert_memory_equal(proto_roster_authority(&r, "GR", 2)->key, gr, 32);
    assert_memory_equal(proto_roster_authority(&r, "EL", 2)->key, gr, 32);
    assert_null(proto_roster_authority(&r, "LU", 2)); /* a mirror is not an authority */
    assert_null(proto_roster_authority(&r, "DE", 2));
    assert_null(proto_roster_authority(&r, "fr", 2));
    assert_null(proto_roster_authority(&r, "FRA", 3));
    assert_null(proto_roster_authority(&r, "F", 1));
    assert_null(proto_roster_authority(&r, "", 0));
    proto_roster_free(&r);
}

static void test_add_errors(void **state)
{
    (void)state;
    proto_roster r;
    uint8_t a[32], b[32], c[32], zero[32] = { 0 };
    key_of(10, a);
    key_of(11, b);
    key_of(12, c);

    assert_int_equal(proto_roster_init(&r, 3), 0);
    assert_int_equal(proto_roster_add(&r, "DE", 2, PROTO_ROLE_AUTHORITY, a), 0);
    /* The same key again, in either role, or for another country. */
    assert_int_equal(proto_roster_add(&r, "DE", 2, PROTO_ROLE_AUTHORITY, a), RN_EDUPLICATE);
    assert_int_equal(proto_roster_add(&r, "AT", 2, PROTO_ROLE_AUTHORITY, a), RN_EDUPLICATE);
    assert_int_equal(proto_roster_add(&r, NULL, 0, PROTO_ROLE_MIRROR, a), RN_EDUPLICATE);
    /* A second authority for a country, also through the alias. */
    assert_int_equal(proto_roster_add(&r, "DE", 2, PROTO_ROLE_AUTHORITY, b), RN_EDUPLICATE);
    assert_int_equal(proto_roster_add(&r, "EL", 2, PROTO_ROLE_AUTHORITY, b), 0);
    assert_int_equal(proto_roster_add(&r, "GR", 2, PROTO_ROLE_AUTHORITY, c), RN_EDUPLICATE);
    /* Countries. */
    assert_int_equal(proto_roster_add(&r, NULL, 0, PROTO_ROLE_AUTHORITY, c), RN_ECOUNTRY);
    assert_int_equal(proto_roster_add(&r, "US", 2, PROTO_ROLE_AUTHORITY, c), RN_ECOUNTRY);
    assert_int_equal(proto_roster_add(&r, "GB", 2, PROTO_ROLE_MIRROR, c), RN_ECOUNTRY);
    assert_int_equal(proto_roster_add(&r, "fr", 2, PROTO_ROLE_AUTHORITY, c), RN_ECOUNTRY);
    assert_int_equal(proto_roster_add(&r, "FRA", 3, PROTO_ROLE_AUTHORITY, c), RN_ECOUNTRY);
    /* Roles and keys. */
    assert_int_equal(proto_roster_add(&r, "FR", 2, (proto_role)0, c), RN_EINVAL);
    assert_int_equal(proto_roster_add(&r, "FR", 2, (proto_role)3, c), RN_EINVAL);
    assert_int_equal(proto_roster_add(&r, "FR", 2, PROTO_ROLE_AUTHORITY, zero), RN_EKEY);
    assert_int_equal(r.count, 2);
    /* The bound: the third member fits, a fourth does not. */
    assert_int_equal(proto_roster_add(&r, "FR", 2, PROTO_ROLE_AUTHORITY, c), 0);
    uint8_t d[32];
    key_of(13, d);
    assert_int_equal(proto_roster_add(&r, NULL, 0, PROTO_ROLE_MIRROR, d), RN_ECOUNT);
    assert_int_equal(r.count, 3);
    proto_roster_free(&r);
}

/* The whole federation: 30 authorities and mirrors up to the bound of RN_ROSTER_MEMBERS_MAX,
 * checked against a plain list (the reference model) in random order. */
/* A view shares the members of its source without copying them; a copy owns its own. Neither
 * can be told apart from the source by a reader, a view refuses additions, and freeing a view
 * leaves its source whole (AddressSanitizer would see a double free). */
static void test_view_copy(void **state)
{
    (void)state;
    proto_roster src, view, copy, small;
    uint8_t fr[32], ie[32], m1[32], other[32];
    key_of(1, fr);
    key_of(2, ie);
    key_of(4, m1);
    key_of(7, other);
    assert_int_equal(proto_roster_init(&src, 8), 0);
    assert_int_equal(proto_roster_add(&src, "FR", 2, PROTO_ROLE_AUTHORITY, fr), 0);
    assert_int_equal(proto_roster_add(&src, "IE", 2, PROTO_ROLE_AUTHORITY, ie), 0);
    assert_int_equal(proto_roster_add(&src, "", 0, PROTO_ROLE_MIRROR, m1), 0);

    proto_roster_view(&view, &src);
    assert_ptr_equal(view.members, src.members);
    assert_int_equal(view.count, 3);
    assert_memory_equal(proto_roster_find(&view, ie)->key, ie, 32);
    assert_memory_equal(proto_roster_authority(&view, "FR", 2)->key, fr, 32);
    assert_null(proto_roster_find(&view, other));
    assert_int_equal(proto_roster_add(&view, "", 0, PROTO_ROLE_MIRROR, other), RN_EINVAL);
    assert_int_equal(view.count, 3);
    assert_int_equal(src.count, 3);
    proto_roster_free(&view);
    assert_null(view.members);
    assert_memory_equal(proto_roster_find(&src, m1)->key, m1, 32);

    assert_int_equal(proto_roster_init(&copy, RN_ROSTER_MEMBERS_MAX), 0);
    assert_int_equal(proto_roster_copy(&copy, &src), 0);
    assert_ptr_not_equal(copy.members, src.members);
    assert_int_equal(copy.count, 3);
    assert_memory_equal(copy.members, src.members, 3 * sizeof(proto_member));
    assert_memory_equal(proto_roster_authority(&copy, "IE", 2)->key, ie, 32);
    assert_int_equal(proto_roster_add(&copy, "", 0, PROTO_ROLE_MIRROR, other), 0);
    assert_int_equal(src.count, 3);
    /* Not into a roster that holds members, nor past the bound, nor into a view. */
    assert_int_equal(proto_roster_copy(&copy, &src), RN_EINVAL);
    assert_int_equal(proto_roster_init(&small, 2), 0);
    assert_int_equal(proto_roster_copy(&small, &src), RN_ECOUNT);
    assert_int_equal(small.count, 0);
    proto_roster_free(&small);
    proto_roster_view(&view, &small);
    assert_int_equal(proto_roster_copy(&view, &src), RN_EINVAL);
    proto_roster_free(&copy);
    proto_roster_free(&src);
}

static void test_reference_model(void **state)
{
    (void)state;
    enum { N = RN_ROSTER_MEMBERS_MAX };
    static uint8_t keys[N + 1][32];
    static unsigned order[N];
    proto_roster r;

    for (unsigned i = 0; i <= N; i++)
        key_of(100 + i, keys[i]);
    for (unsigned i = 0; i < N; i++)
        order[i] = i;
    srand(42);
    for (unsigned i = N - 1; i > 0; i--) {
        unsigned j = (unsigned)rand() % (i + 1);
        unsigned t = order[i];
        order[i] = order[j];
        order[j] = t;
    }
    /* keys[i] for i < 30 is the authority of country i; the rest are mirrors. */
    assert_int_equal(proto_roster_init(&r, N), 0);
    for (unsigned k = 0; k < N; k++) {
        unsigned i = order[k];
        const char *cc = i < PROTO_COUNTRIES_COUNT ? proto_country_at(i)->alpha2 : NULL;
        int rc = proto_roster_add(&r, cc, cc ? 2 : 0, cc ? PROTO_ROLE_AUTHORITY : PROTO_ROLE_MIRROR,
                                  keys[i]);
        assert_int_equal(rc, 0);
        /* Every few adds, check every key added so far is found, and one not yet added is not. */
        if (k % 97 == 0 || k == N - 1) {
            for (unsigned q = 0; q <= k; q++)
                assert_non_null(proto_roster_find(&r, keys[order[q]]));
            if (k + 1 < N)
                assert_null(proto_roster_find(&r, keys[order[k + 1]]));
        }
    }
    assert_int_equal(proto_roster_add(&r, NULL, 0, PROTO_ROLE_MIRROR, keys[N]), RN_ECOUNT);
    for (unsigned i = 1; i < N; i++)
        assert_true(memcmp(r.members[i - 1].key, r.members[i].key, 32) < 0);
    for (unsigned i = 0; i < PROTO_COUNTRIES_COUNT; i++) {
        const proto_member *m = proto_roster_authority(&r, proto_country_at(i)->alpha2, 2);
        assert_non_null(m);
        assert_memory_equal(m->key, keys[i], 32);
    }
    proto_roster_free(&r);
}

/* Builds a small roster and returns its encoding in `b`. */
static void small_roster(proto_roster *r, mp_buf *b)
{
    uint8_t k[32];
    assert_int_equal(proto_roster_init(r, 8), 0);
    key_of(1, k);
    assert_int_equal(proto_roster_add(r, "FR", 2, PROTO_ROLE_AUTHORITY, k), 0);
    key_of(2, k);
    assert_int_equal(proto_roster_add(r, "IE", 2, PROTO_ROLE_AUTHORITY, k), 0);
    key_of(3, k);
    assert_int_equal(proto_roster_add(r, "GR", 2, PROTO_ROLE_AUTHORITY, k), 0);
    key_of(4, k);
    assert_int_equal(proto_roster_add(r, NULL, 0, PROTO_ROLE_MIRROR, k), 0);
    mp_buf_init(b, 4096);
    assert_int_equal(proto_roster_encode(r, b), 0);
}

static void test_encode_decode(void **state)
{
    (void)state;
    proto_roster r, back;
    mp_buf b, again;
    small_roster(&r, &b);
    /* fixarray(4), then per member fixarray(3), str, role, bin8 32. */
    assert_int_equal(b.data[0], 0x94);
    assert_int_equal(b.len, 1 + 3 * (1 + 3 + 1 + 34) + (1 + 1 + 1 + 34));

    assert_int_equal(proto_roster_init(&back, 8), 0);
    assert_int_equal(proto_roster_decode(&back, b.data, b.len, NULL), 0);
    assert_int_equal(back.count, r.count);
    assert_memory_equal(back.members, r.members, r.count * sizeof(proto_member));
    mp_buf_init(&again, 4096);
    assert_int_equal(proto_roster_encode(&back, &again), 0);
    assert_int_equal(again.len, b.len);
    assert_memory_equal(again.data, b.data, b.len);
    /* Decoding twice into the same roster is refused. */
    assert_int_equal(proto_roster_decode(&back, b.data, b.len, NULL), RN_EINVAL);
    proto_roster_free(&back);

    /* The empty roster. */
    const uint8_t empty[] = { 0x90 };
    assert_int_equal(proto_roster_init(&back, 1), 0);
    assert_int_equal(proto_roster_decode(&back, empty, 1, NULL), 0);
    assert_int_equal(back.count, 0);
    proto_roster_free(&back);

    mp_buf_free(&again);
    mp_buf_free(&b);
    proto_roster_free(&r);
}

static int decode(const uint8_t *p, size_t n, size_t max, rn_diag *d)
{
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, max), 0);
    int rc = proto_roster_decode(&r, p, n, d);
    proto_roster_free(&r);
    return rc;
}

/* One member [country, role, key] as a roster of one. */
static size_t one_member(uint8_t *out, const char *cc, size_t cc_len, uint64_t role,
                         const uint8_t *key, size_t key_len)
{
    mp_buf b;
    mp_buf_init(&b, 256);
    mp_put_array(&b, 1);
    mp_put_array(&b, 3);
    mp_put_str(&b, cc, cc_len);
    mp_put_uint(&b, role);
    mp_put_bin(&b, key, key_len);
    assert_int_equal(mp_buf_err(&b), 0);
    memcpy(out, b.data, b.len);
    size_t n = b.len;
    mp_buf_free(&b);
    return n;
}

/* Encodes the 4 members of `r` in the order given, as a hostile encoder might. */
static size_t encode_order(const proto_roster *r, const unsigned order[4], uint8_t *out)
{
    mp_buf b;
    mp_buf_init(&b, 512);
    mp_put_array(&b, 4);
    for (unsigned i = 0; i < 4; i++) {
        const proto_member *m = &r->members[order[i]];
        mp_put_array(&b, 3);
        mp_put_str(&b, m->country, strlen(m->country));
        mp_put_uint(&b, (uint64_t)m->role);
        mp_put_bin(&b, m->key, PROTO_KEY_BYTES);
    }
    assert_int_equal(mp_buf_err(&b), 0);
    memcpy(out, b.data, b.len);
    size_t n = b.len;
    mp_buf_free(&b);
    return n;
}

static void test_decode_negative(void **state)
{
    (void)state;
    proto_roster r;
    mp_buf b;
    uint8_t buf[512], k[32], zero[32] = { 0 };
    rn_diag d = { 0 };
    size_t n;

    small_roster(&r, &b);
    /* Every truncation. */
    for (size_t i = 0; i < b.len; i++)
        assert_int_not_equal(decode(b.data, i, 8, NULL), 0);
    /* Trailing bytes. */
    memcpy(buf, b.data, b.len);
    buf[b.len] = 0xc0;
    assert_int_equal(decode(buf, b.len + 1, 8, &d), RN_ETRAILING);
    /* More members than the bound, at the bound. */
    assert_int_equal(decode(b.data, b.len, 3, &d), RN_ECOUNT);
    assert_int_equal(decode(b.data, b.len, 4, &d), 0);
    /* Members out of order (the first two swapped), and a member repeated. */
    {
        const unsigned swapped[] = { 1, 0, 2, 3 }, repeated[] = { 0, 0, 1, 2 };
        n = encode_order(&r, swapped, buf);
        memset(&d, 0, sizeof(d));
        assert_int_equal(decode(buf, n, 8, &d), RN_EFIELDORDER);
        assert_string_equal(d.field, "roster.key");
        assert_int_equal(d.index, 2);
        n = encode_order(&r, repeated, buf);
        assert_int_equal(decode(buf, n, 8, &d), RN_EDUPLICATE);
        assert_int_equal(d.index, 2);
    }
    /* Every single-bit flip is refused or decodes to something that re-encodes to itself. */
    for (size_t i = 0; i < b.len; i++) {
        for (unsigned bit = 0; bit < 8; bit++) {
            memcpy(buf, b.data, b.len);
            buf[i] ^= (uint8_t)(1u << bit);
            proto_roster x;
            assert_int_equal(proto_roster_init(&x, 8), 0);
            if (proto_roster_decode(&x, buf, b.len, NULL) == 0) {
                mp_buf e;
                mp_buf_init(&e, 4096);
                assert_int_equal(proto_roster_encode(&x, &e), 0);
                assert_int_equal(e.len, b.len);
                assert_memory_equal(e.data, buf, b.len);
                mp_buf_free(&e);
            }
            proto_roster_free(&x);
        }
    }

    key_of(9, k);
    n = one_member(buf, "FR", 2, 1, k, 32);
    assert_int_equal(decode(buf, n, 8, &d), 0);
    n = one_member(buf, "EL", 2, 1, k, 32); /* the alias is not canonical */
    assert_int_equal(decode(buf, n, 8, &d), RN_ECOUNTRY);
    n = one_member(buf, "GR", 2, 1, k, 32);
    assert_int_equal(decode(buf, n, 8, &d), 0);
    n = one_member(buf, "", 0, 1, k, 32); /* an authority needs a country */
    assert_int_equal(decode(buf, n, 8, &d), RN_ECOUNTRY);
    n = one_member(buf, "", 0, 2, k, 32);
    assert_int_equal(decode(buf, n, 8, &d), 0);
    n = one_member(buf, "XX", 2, 2, k, 32);
    assert_int_equal(decode(buf, n, 8, &d), RN_ECOUNTRY);
    n = one_member(buf, "FR", 2, 0, k, 32);
    assert_int_equal(decode(buf, n, 8, &d), RN_EENUM);
    n = one_member(buf, "FR", 2, 3, k, 32);
    assert_int_equal(decode(buf, n, 8, &d), RN_EENUM);
    n = one_member(buf, "FR", 2, 1, k, 31);
    assert_int_equal(decode(buf, n, 8, &d), RN_ELEN);
    n = one_member(buf, "FR", 2, 1, zero, 32);
    assert_int_equal(decode(buf, n, 8, &d), RN_EKEY);
    /* Wrong types: a map instead of an array; a member of 2 or 4 fields; a bin country. */
    const uint8_t map[] = { 0x80 };
    assert_int_equal(decode(map, 1, 8, &d), RN_ETYPE);
    const uint8_t two[] = { 0x91, 0x92, 0xa2, 'F', 'R', 0x01 };
    assert_int_equal(decode(two, sizeof(two), 8, &d), RN_ECOUNT);
    n = one_member(buf, "FR", 2, 1, k, 32);
    buf[1] = 0x94;
    buf[n] = 0xc0;
    assert_int_equal(decode(buf, n + 1, 8, &d), RN_ECOUNT);
    n = one_member(buf, "FR", 2, 1, k, 32);
    buf[2] = 0xc4; /* bin8 of length 'F' (70): truncated, or a wrong type */
    assert_int_not_equal(decode(buf, n, 8, &d), 0);

    /* Random bytes never crash and are almost always refused. */
    srand(7);
    for (int i = 0; i < 20000; i++) {
        size_t len = (size_t)rand() % 64;
        for (size_t j = 0; j < len; j++)
            buf[j] = (uint8_t)rand();
        (void)decode(buf, len, 8, NULL);
    }
    mp_buf_free(&b);
    proto_roster_free(&r);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_init_bounds),     cmocka_unit_test(test_add_find),
        cmocka_unit_test(test_add_errors),      cmocka_unit_test(test_view_copy),
        cmocka_unit_test(test_reference_model), cmocka_unit_test(test_encode_decode),
        cmocka_unit_test(test_decode_negative),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
