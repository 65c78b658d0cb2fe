/*
 * mp_test.c: the strict MessagePack cursor and the bounded writer.
 *
 * The cursor is the first line of defence against hostile bytes, so beside the happy paths this
 * checks every non-canonical spelling, every truncation, the reserved and unused type bytes, and a
 * reference model: for random values, what msgpack-c's packer writes the cursor reads back, and
 * for random bytes, the cursor never reads past the end and agrees with msgpack-c's own unpacker
 * whenever it accepts something.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/mp.h"
#include "tests/support/rng.h"

static int read_uint(const uint8_t *b, size_t n, uint64_t *v)
{
    mp_cur c;
    mp_cur_init(&c, b, n);
    int rc = mp_read_uint(&c, v);
    if (rc == 0)
        assert_ptr_equal(c.p, c.end);
    return rc;
}

static void test_uint_canonical(void **state)
{
    (void)state;
    uint64_t v;
    const uint8_t fix[] = { 0x7f };
    const uint8_t u8[] = { 0xcc, 0x80 };
    const uint8_t u8_small[] = { 0xcc, 0x7f };
    const uint8_t u16[] = { 0xcd, 0x01, 0x00 };
    const uint8_t u16_small[] = { 0xcd, 0x00, 0xff };
    const uint8_t u32[] = { 0xce, 0x00, 0x01, 0x00, 0x00 };
    const uint8_t u32_small[] = { 0xce, 0x00, 0x00, 0xff, 0xff };
    const uint8_t u64[] = { 0xcf, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00 };
    const uint8_t u64_small[] = { 0xcf, 0x00, 0x00, 0x00, 0x00, 0xff, 0xff, 0xff, 0xff };

    assert_int_equal(read_uint(fix, sizeof(fix), &v), 0);
    assert_int_equal(v, 127);
    assert_int_equal(read_uint(u8, sizeof(u8), &v), 0);
    assert_int_equal(v, 128);
    assert_int_equal(read_uint(u16, sizeof(u16), &v), 0);
    assert_int_equal(v, 256);
    assert_int_equal(read_uint(u32, sizeof(u32), &v), 0);
    assert_int_equal(v, 65536);
    assert_int_equal(read_uint(u64, sizeof(u64), &v), 0);
    assert_int_equal(v, 4294967296ull);
    assert_int_equal(read_uint(u8_small, sizeof(u8_small), &v), RN_ENONCANON);
    assert_int_equal(read_uint(u16_small, sizeof(u16_small), &v), RN_ENONCANON);
    assert_int_equal(read_uint(u32_small, sizeof(u32_small), &v), RN_ENONCANON);
    assert_int_equal(read_uint(u64_small, sizeof(u64_small), &v), RN_ENONCANON);
    /* Truncated at every length. */
    for (size_t n = 0; n < sizeof(u64); n++)
        assert_int_equal(read_uint(u64, n, &v), RN_ETRUNCATED);
}

static void test_wrong_and_unused_types(void **state)
{
    (void)state;
    uint64_t v;
    const uint8_t neg[] = { 0xff };      /* negative fixint */
    const uint8_t i8[] = { 0xd0, 0x01 }; /* int 8 */
    const uint8_t f32[] = { 0xca, 0, 0, 0, 0 };
    const uint8_t reserved[] = { 0xc1 };
    const uint8_t ext[] = { 0xd4, 0x01, 0x00 };
    const uint8_t str[] = { 0xa1, 'x' };
    assert_int_equal(read_uint(neg, 1, &v), RN_EMALFORMED);
    assert_int_equal(read_uint(i8, 2, &v), RN_EMALFORMED);
    assert_int_equal(read_uint(f32, 5, &v), RN_EMALFORMED);
    assert_int_equal(read_uint(reserved, 1, &v), RN_EMALFORMED);
    assert_int_equal(read_uint(ext, 3, &v), RN_EMALFORMED);
    assert_int_equal(read_uint(str, 2, &v), RN_ETYPE);

    mp_cur c;
    mp_cur_init(&c, ext, sizeof(ext));
    assert_int_equal(mp_skip(&c), RN_EMALFORMED);
    assert_ptr_equal(c.p, ext); /* unchanged on failure */
}

static int read_int(const uint8_t *b, size_t n, int64_t *v)
{
    mp_cur c;
    mp_cur_init(&c, b, n);
    int rc = mp_read_int(&c, v);
    if (rc == 0)
        assert_ptr_equal(c.p, c.end);
    else
        assert_ptr_equal(c.p, b); /* unchanged on failure */
    return rc;
}

/* Signed integers: each form at both ends of its canonical range, and one past each end. */
static void test_int_canonical(void **state)
{
    (void)state;
    static const struct {
        uint8_t b[9];
        size_t n;
        int rc;
        int64_t v;
    } cases[] = {
        /* Values >= 0 are uints, as msgpack-c writes them. */
        { { 0x00 }, 1, 0, 0 },
        { { 0x7f }, 1, 0, 127 },
        { { 0xcc, 0x80 }, 2, 0, 128 },
        { { 0xcc, 0x7f }, 2, RN_ENONCANON, 0 },
        { { 0xcf, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 9, 0, INT64_MAX },
        /* Out of the range of int64. */
        { { 0xcf, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 9, RN_EINVAL, 0 },
        { { 0xcf, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff }, 9, RN_EINVAL, 0 },
        /* Negative fixint: -1 .. -32. */
        { { 0xff }, 1, 0, -1 },
        { { 0xe0 }, 1, 0, -32 },
        /* int 8: -33 .. -128; -32 and anything >= 0 are another form's. */
        { { 0xd0, 0xdf }, 2, 0, -33 },
        { { 0xd0, 0x80 }, 2, 0, -128 },
        { { 0xd0, 0xe0 }, 2, RN_ENONCANON, 0 },
        { { 0xd0, 0xff }, 2, RN_ENONCANON, 0 },
        { { 0xd0, 0x00 }, 2, RN_ENONCANON, 0 },
        { { 0xd0, 0x7f }, 2, RN_ENONCANON, 0 },
        /* int 16: -129 .. -32768. */
        { { 0xd1, 0xff, 0x7f }, 3, 0, -129 },
        { { 0xd1, 0x80, 0x00 }, 3, 0, -32768 },
        { { 0xd1, 0xff, 0x80 }, 3, RN_ENONCANON, 0 },
        { { 0xd1, 0x00, 0x01 }, 3, RN_ENONCANON, 0 },
        /* int 32: -32769 .. INT32_MIN. */
        { { 0xd2, 0xff, 0xff, 0x7f, 0xff }, 5, 0, -32769 },
        { { 0xd2, 0x80, 0x00, 0x00, 0x00 }, 5, 0, INT32_MIN },
        { { 0xd2, 0xff, 0xff, 0x80, 0x00 }, 5, RN_ENONCANON, 0 },
        { { 0xd2, 0x7f, 0xff, 0xff, 0xff }, 5, RN_ENONCANON, 0 },
        /* int 64: INT32_MIN - 1 .. INT64_MIN. */
        { { 0xd3, 0xff, 0xff, 0xff, 0xff, 0x7f, 0xff, 0xff, 0xff }, 9, 0, (int64_t)INT32_MIN - 1 },
        { { 0xd3, 0x80, 0, 0, 0, 0, 0, 0, 0 }, 9, 0, INT64_MIN },
        { { 0xd3, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00, 0x00, 0x00 }, 9, RN_ENONCANON, 0 },
        { { 0xd3, 0x00, 0, 0, 0, 0, 0, 0, 0x01 }, 9, RN_ENONCANON, 0 },
        /* Other types. */
        { { 0xa1, 'x' }, 2, RN_ETYPE, 0 },
        { { 0xc0 }, 1, RN_ETYPE, 0 },
        { { 0xca, 0, 0, 0, 0 }, 5, RN_EMALFORMED, 0 },
        { { 0xc1 }, 1, RN_EMALFORMED, 0 },
        { { 0xd4, 0x01, 0x00 }, 3, RN_EMALFORMED, 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int64_t v = 12345;
        assert_int_equal(read_int(cases[i].b, cases[i].n, &v), cases[i].rc);
        if (cases[i].rc == 0)
            assert_true(v == cases[i].v);
        /* Truncated at every length. */
        for (size_t n = 0; n < cases[i].n && cases[i].rc == 0; n++)
            assert_int_equal(read_int(cases[i].b, n, &v), RN_ETRUNCATED);
    }

    /* Negative integers stay outside every other reader: nothing recnet signs holds one. */
    const uint8_t neg[] = { 0xd1, 0xff, 0x7f };
    mp_cur c;
    uint64_t u;
    mp_cur_init(&c, neg, sizeof(neg));
    assert_int_equal(mp_peek(&c), MP_OTHER);
    assert_int_equal(mp_skip(&c), RN_EMALFORMED);
    assert_int_equal(mp_read_uint(&c, &u), RN_EMALFORMED);
    assert_ptr_equal(c.p, neg);

    /* mp_put_int writes what mp_read_int reads, at every boundary. */
    static const int64_t edges[] = { 0,
                                     1,
                                     127,
                                     128,
                                     -1,
                                     -32,
                                     -33,
                                     -128,
                                     -129,
                                     -32768,
                                     -32769,
                                     INT32_MIN,
                                     (int64_t)INT32_MIN - 1,
                                     INT64_MIN,
                                     INT64_MAX,
                                     255,
                                     65536 };
    mp_buf b;
    mp_buf_init(&b, 64);
    for (size_t i = 0; i < sizeof(edges) / sizeof(edges[0]); i++) {
        int64_t v;
        mp_buf_reset(&b);
        mp_put_int(&b, edges[i]);
        assert_int_equal(mp_buf_err(&b), 0);
        assert_int_equal(read_int(b.data, b.len, &v), 0);
        assert_true(v == edges[i]);
    }
    mp_buf_free(&b);
}

static void test_str_bin_forms(void **state)
{
    (void)state;
    uint8_t buf[300];
    const uint8_t *s;
    uint32_t n;
    mp_cur c;

    /* str8 carrying 31 bytes should have been a fixstr. */
    buf[0] = 0xd9;
    buf[1] = 31;
    memset(buf + 2, 'a', 31);
    mp_cur_init(&c, buf, 33);
    assert_int_equal(mp_read_str(&c, &s, &n), RN_ENONCANON);
    buf[1] = 32;
    memset(buf + 2, 'a', 32);
    mp_cur_init(&c, buf, 34);
    assert_int_equal(mp_read_str(&c, &s, &n), 0);
    assert_int_equal(n, 32);
    /* Length past the end. */
    mp_cur_init(&c, buf, 33);
    assert_int_equal(mp_read_str(&c, &s, &n), RN_ETRUNCATED);

    /* str16 carrying 255 bytes should have been a str8. */
    buf[0] = 0xda;
    buf[1] = 0;
    buf[2] = 255;
    mp_cur_init(&c, buf, 3 + 255 - 3);
    assert_int_equal(mp_read_str(&c, &s, &n), RN_ENONCANON);

    /* bin8 of length 0 is canonical: bin has no fixed form. */
    const uint8_t bin0[] = { 0xc4, 0x00 };
    mp_cur_init(&c, bin0, sizeof(bin0));
    assert_int_equal(mp_read_bin(&c, &s, &n), 0);
    assert_int_equal(n, 0);
    /* bin16 of length 5 should have been a bin8. */
    const uint8_t bin16[] = { 0xc5, 0x00, 0x05, 1, 2, 3, 4, 5 };
    mp_cur_init(&c, bin16, sizeof(bin16));
    assert_int_equal(mp_read_bin(&c, &s, &n), RN_ENONCANON);
    /* Exact-length reads. */
    const uint8_t bin3[] = { 0xc4, 0x03, 1, 2, 3 };
    mp_cur_init(&c, bin3, sizeof(bin3));
    assert_int_equal(mp_read_bin_exact(&c, &s, 4), RN_ELEN);
    assert_ptr_equal(c.p, bin3);
    assert_int_equal(mp_read_bin_exact(&c, &s, 3), 0);
    /* A str is not a bin. */
    const uint8_t str1[] = { 0xa1, 'x' };
    mp_cur_init(&c, str1, sizeof(str1));
    assert_int_equal(mp_read_bin(&c, &s, &n), RN_ETYPE);
}

static void test_containers(void **state)
{
    (void)state;
    uint32_t n;
    mp_cur c;
    const uint8_t arr16_small[] = { 0xdc, 0x00, 0x0f };
    const uint8_t arr16[] = { 0xdc, 0x00, 0x10 };
    const uint8_t map32_small[] = { 0xdf, 0x00, 0x00, 0xff, 0xff };
    mp_cur_init(&c, arr16_small, sizeof(arr16_small));
    assert_int_equal(mp_read_array(&c, &n), RN_ENONCANON);
    mp_cur_init(&c, arr16, sizeof(arr16));
    assert_int_equal(mp_read_array(&c, &n), 0);
    assert_int_equal(n, 16);
    mp_cur_init(&c, map32_small, sizeof(map32_small));
    assert_int_equal(mp_read_map(&c, &n), RN_ENONCANON);

    /* An array that claims more elements than bytes remain is refused before any loop. */
    const uint8_t huge[] = { 0xdd, 0xff, 0xff, 0xff, 0xff, 0x01 };
    mp_cur_init(&c, huge, sizeof(huge));
    assert_int_equal(mp_skip(&c), RN_ETRUNCATED);

    /* Nesting deeper than MP_DEPTH_MAX is refused. */
    uint8_t deep[MP_DEPTH_MAX + 3];
    memset(deep, 0x91, sizeof(deep));
    deep[sizeof(deep) - 1] = 0xc0;
    mp_cur_init(&c, deep, sizeof(deep));
    assert_int_equal(mp_skip(&c), RN_ETOOBIG);
    mp_cur_init(&c, deep + 2, sizeof(deep) - 2);
    assert_int_equal(mp_skip(&c), 0);
}

/* The depth bound exactly: a value at depth MP_DEPTH_MAX is read, one deeper is RN_ETOOBIG, and
 * mp_skip_at counts from the depth it is given, so that skipping a structure whole or part by part
 * accepts the same bytes. */
static void test_depth_bound(void **state)
{
    (void)state;
    uint8_t v[MP_DEPTH_MAX + 2];
    mp_cur c;
    for (unsigned d = 0; d <= MP_DEPTH_MAX + 1; d++) {
        /* d nested one-element arrays around nil: nil lies at depth d. */
        memset(v, 0x91, d);
        v[d] = 0xc0;
        mp_cur_init(&c, v, d + 1u);
        assert_int_equal(mp_skip(&c), d <= MP_DEPTH_MAX ? 0 : RN_ETOOBIG);
        assert_true(c.p == (d <= MP_DEPTH_MAX ? v + d + 1 : v)); /* unchanged on failure */
        /* The same bytes as the value at depth 2 of an enclosing structure. */
        mp_cur_init(&c, v, d + 1u);
        assert_int_equal(mp_skip_at(&c, 2), d + 2 <= MP_DEPTH_MAX ? 0 : RN_ETOOBIG);
    }
    mp_cur_init(&c, (const uint8_t *)"\xc0", 1);
    assert_int_equal(mp_skip_at(&c, MP_DEPTH_MAX), 0);
    mp_cur_init(&c, (const uint8_t *)"\xc0", 1);
    assert_int_equal(mp_skip_at(&c, MP_DEPTH_MAX + 1), RN_ETOOBIG);
}

static void test_utf8(void **state)
{
    (void)state;
    const char *fr = "Gestion de projet \xc3\xa9t\xc3\xa9";
    assert_true(mp_utf8_valid((const uint8_t *)fr, strlen(fr)));
    assert_false(mp_utf8_valid((const uint8_t *)fr, strlen(fr) - 1));   /* cut inside a character */
    assert_true(mp_utf8_valid((const uint8_t *)"\xe2\x82\xac", 3));     /* euro sign */
    assert_true(mp_utf8_valid((const uint8_t *)"\xf0\x9f\x8e\x93", 4)); /* U+1F393 */
    assert_false(mp_utf8_valid((const uint8_t *)"\xc0\xaf", 2));        /* overlong */
    assert_false(mp_utf8_valid((const uint8_t *)"\xe0\x80\xaf", 3));    /* overlong */
    assert_false(mp_utf8_valid((const uint8_t *)"\xed\xa0\x80", 3));    /* surrogate */
    assert_false(mp_utf8_valid((const uint8_t *)"\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(mp_utf8_valid((const uint8_t *)"\xe2\x82", 2));         /* truncated */
    assert_false(mp_utf8_valid((const uint8_t *)"\x80", 1));             /* lone continuation */
}

static void test_buf_limit(void **state)
{
    (void)state;
    mp_buf b;
    uint8_t blob[100];
    memset(blob, 7, sizeof(blob));
    mp_buf_init(&b, 102);
    mp_put_bin(&b, blob, 100); /* 2-byte header + 100 = exactly the bound */
    assert_int_equal(mp_buf_err(&b), 0);
    assert_int_equal(b.len, 102);
    mp_put_nil(&b); /* one past */
    assert_int_equal(mp_buf_err(&b), RN_ETOOBIG);
    assert_int_equal(b.len, 102);
    mp_put_uint(&b, 1); /* latched */
    assert_int_equal(mp_buf_err(&b), RN_ETOOBIG);
    mp_buf_reset(&b);
    mp_put_uint(&b, 1);
    assert_int_equal(mp_buf_err(&b), 0);
    mp_buf_free(&b);
}

/* A tiny deterministic generator so that failures reproduce. */
static uint64_t rng_state = TEST_RNG_GOLDEN;
static uint64_t rnd(void)
{
    return test_xorshift64_next(&rng_state);
}

/* Reference model: msgpack-c writes random values, the cursor must read them back exactly. */
static void test_model_roundtrip(void **state)
{
    (void)state;
    mp_buf b;
    uint8_t data[70000];
    mp_buf_init(&b, 1u << 20);
    for (int iter = 0; iter < 2000; iter++) {
        mp_buf_reset(&b);
        uint64_t shift = rnd() % 64;
        uint64_t u = rnd() >> shift;
        size_t slen = (size_t)(rnd() % 3 == 0 ? rnd() % 70000 : rnd() % 300);
        memset(data, (int)('a' + iter % 26), slen);
        int64_t i = (int64_t)(rnd() >> (shift % 63 + 1)) * (rnd() % 2 == 0 ? -1 : 1);
        mp_put_array(&b, 4);
        mp_put_uint(&b, u);
        mp_put_str(&b, data, slen);
        mp_put_bin(&b, data, slen);
        mp_put_int(&b, i);
        assert_int_equal(mp_buf_err(&b), 0);

        mp_cur c;
        uint32_t n;
        uint64_t v;
        int64_t iv;
        const uint8_t *s;
        mp_cur_init(&c, b.data, b.len);
        assert_int_equal(mp_read_array(&c, &n), 0);
        assert_int_equal(n, 4);
        assert_int_equal(mp_read_uint(&c, &v), 0);
        assert_true(v == u);
        assert_int_equal(mp_read_str(&c, &s, &n), 0);
        assert_int_equal(n, slen);
        assert_int_equal(mp_read_bin(&c, &s, &n), 0);
        assert_int_equal(n, slen);
        const uint8_t *int_at = c.p;
        assert_int_equal(mp_read_int(&c, &iv), 0);
        assert_true(iv == i);
        assert_ptr_equal(c.p, c.end);
        /* mp_skip takes the whole only when the signed value is >= 0 (a uint). */
        mp_cur_init(&c, b.data, b.len);
        assert_int_equal(mp_skip(&c), i >= 0 ? 0 : RN_EMALFORMED);
        mp_cur_init(&c, b.data, (size_t)(int_at - b.data));
        assert_int_equal(mp_read_array(&c, &n), 0);
        for (int k = 0; k < 3; k++)
            assert_int_equal(mp_skip(&c), 0);
        assert_ptr_equal(c.p, c.end);
    }
    mp_buf_free(&b);
}

/* The writers' fast path (one-byte forms written directly) against msgpack-c's packer: the same
 * bytes for random values around every form's bounds, in buffers that grow, and in one that
 * hits its maximum, where both must stop at the same place. */
static void test_model_writers(void **state)
{
    (void)state;
    static const uint64_t uints[] = { 0, 1, 127, 128, 255, 256, 65535, 65536, UINT64_MAX };
    static const uint32_t counts[] = { 0, 1, 15, 16, 65535, 65536 };
    char text[40];
    memset(text, 'k', sizeof(text));
    for (int iter = 0; iter < 2000; iter++) {
        mp_buf b;
        msgpack_sbuffer ref;
        msgpack_packer pk;
        size_t max = iter % 10 == 0 ? (size_t)(rnd() % 600) : 1u << 20;
        mp_buf_init(&b, max);
        msgpack_sbuffer_init(&ref);
        msgpack_packer_init(&pk, &ref, msgpack_sbuffer_write);
        for (int op = 0; op < 200; op++) {
            uint64_t r = rnd();
            switch (r % 7) {
            case 0:
                mp_put_nil(&b);
                msgpack_pack_nil(&pk);
                break;
            case 1:
                mp_put_bool(&b, (r >> 8) & 1);
                (void)(((r >> 8) & 1) ? msgpack_pack_true(&pk) : msgpack_pack_false(&pk));
                break;
            case 2: {
                uint64_t v = uints[(r >> 8) % 9] - ((r >> 16) % 2);
                mp_put_uint(&b, v);
                msgpack_pack_uint64(&pk, v);
                break;
            }
            case 3: {
                size_t n = (size_t)((r >> 8) % sizeof(text));
                mp_put_str(&b, text, n);
                msgpack_pack_str_with_body(&pk, text, n);
                break;
            }
            case 4: {
                uint32_t n = counts[(r >> 8) % 6];
                mp_put_array(&b, n);
                msgpack_pack_array(&pk, n);
                break;
            }
            case 5: {
                uint32_t n = counts[(r >> 8) % 6];
                mp_put_map(&b, n);
                msgpack_pack_map(&pk, n);
                break;
            }
            default: {
                size_t n = (size_t)((r >> 8) % 300);
                mp_put_bin(&b, text, n < sizeof(text) ? n : sizeof(text));
                msgpack_pack_bin_with_body(&pk, text, n < sizeof(text) ? n : sizeof(text));
                break;
            }
            }
        }
        if (mp_buf_err(&b) == 0) {
            assert_int_equal(b.len, ref.size);
        } else {
            /* Stopped at its maximum: what was written is the packer's up to there. */
            assert_int_equal(mp_buf_err(&b), RN_ETOOBIG);
            assert_true(b.len <= max && b.len < ref.size);
        }
        if (b.len > 0)
            assert_memory_equal(b.data, ref.data, b.len);
        mp_buf_free(&b);
        msgpack_sbuffer_destroy(&ref);
    }
}

/* Random bytes: the cursor never reads past the end, and whatever it accepts, msgpack-c's own
 * unpacker accepts too, with the same extent. */
static void test_model_random_bytes(void **state)
{
    (void)state;
    uint8_t buf[64];
    for (int iter = 0; iter < 200000; iter++) {
        size_t n = (size_t)(rnd() % sizeof(buf)) + 1;
        for (size_t i = 0; i < n; i++)
            buf[i] = (uint8_t)rnd();
        /* Bias towards small containers and ints so that acceptance is common. */
        if (iter % 2 == 0)
            buf[0] = (uint8_t)(0x90 | (rnd() % 4));
        uint8_t *copy = malloc(n); /* exact size, so ASan sees any over-read */
        memcpy(copy, buf, n);
        mp_cur c;
        mp_cur_init(&c, copy, n);
        int rc = mp_skip(&c);
        if (rc == 0) {
            msgpack_unpacked u;
            size_t off = 0;
            msgpack_unpacked_init(&u);
            msgpack_unpack_return r = msgpack_unpack_next(&u, (const char *)copy, n, &off);
            assert_true(r == MSGPACK_UNPACK_SUCCESS);
            assert_int_equal(off, (size_t)(c.p - copy));
            msgpack_unpacked_destroy(&u);
        } else {
            assert_ptr_equal(c.p, copy);
        }
        /* A signed integer the cursor accepts is the one msgpack-c reads, at the same extent. */
        int64_t iv;
        mp_cur_init(&c, copy, n);
        if (mp_read_int(&c, &iv) == 0) {
            msgpack_unpacked u;
            size_t off = 0;
            msgpack_unpacked_init(&u);
            assert_true(msgpack_unpack_next(&u, (const char *)copy, n, &off) ==
                        MSGPACK_UNPACK_SUCCESS);
            assert_int_equal(off, (size_t)(c.p - copy));
            if (iv < 0)
                assert_true(u.data.type == MSGPACK_OBJECT_NEGATIVE_INTEGER && u.data.via.i64 == iv);
            else
                assert_true(u.data.type == MSGPACK_OBJECT_POSITIVE_INTEGER &&
                            u.data.via.u64 == (uint64_t)iv);
            msgpack_unpacked_destroy(&u);
        }
        free(copy);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_uint_canonical),     cmocka_unit_test(test_wrong_and_unused_types),
        cmocka_unit_test(test_str_bin_forms),      cmocka_unit_test(test_containers),
        cmocka_unit_test(test_depth_bound),        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_buf_limit),          cmocka_unit_test(test_model_roundtrip),
        cmocka_unit_test(test_model_random_bytes), cmocka_unit_test(test_int_canonical),
        cmocka_unit_test(test_model_writers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
