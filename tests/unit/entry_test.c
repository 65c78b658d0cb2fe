/*
 * entry_test.c: encode, strict decode, ids, signatures and run verification of log entries.
 *
 * Malformed entries are built field by field with a writer of their own (raw()), so each negative
 * case differs from a valid entry in exactly one respect and the error must name that field.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/entry.h"
#include "proto/mp.h"

static uint8_t sk_ie[PROTO_SK_BYTES], pk_ie[PROTO_KEY_BYTES];
static uint8_t sk_fr[PROTO_SK_BYTES], pk_fr[PROTO_KEY_BYTES];

/* A small body: {1: "IE:resa/mc-c012", 2: 500}. */
static size_t small_body(uint8_t *out)
{
    mp_buf b;
    mp_buf_init(&b, 256);
    mp_put_map(&b, 2);
    mp_put_uint(&b, 1);
    mp_put_cstr(&b, "IE:resa/mc-c012");
    mp_put_uint(&b, 2);
    mp_put_uint(&b, 500);
    assert_int_equal(mp_buf_err(&b), 0);
    size_t n = b.len;
    memcpy(out, b.data, n);
    mp_buf_free(&b);
    return n;
}

static int setup(void **state)
{
    (void)state;
    uint8_t seed[32];
    if (sodium_init() < 0)
        return -1;
    memset(seed, 1, sizeof(seed));
    crypto_sign_seed_keypair(pk_ie, sk_ie, seed);
    memset(seed, 2, sizeof(seed));
    crypto_sign_seed_keypair(pk_fr, sk_fr, seed);
    return 0;
}

/* Signs entry i of a chain: seq = i + 1, prev = ids[i - 1]. */
static size_t sign_one(const uint8_t *sk, uint64_t seq, const uint8_t *prev, uint64_t ts,
                       uint8_t *out)
{
    uint8_t body[256];
    size_t blen = small_body(body);
    proto_entry_draft dr = { .seq = seq,
                             .prev = prev,
                             .timestamp_ms = ts,
                             .kind = PROTO_KIND_SPEC,
                             .body = body,
                             .body_len = blen };
    size_t len = 0;
    assert_int_equal(proto_entry_sign(&dr, sk, out, RN_ENTRY_BYTES_MAX, &len), 0);
    return len;
}

static void test_sign_decode_roundtrip(void **state)
{
    (void)state;
    uint8_t buf[RN_ENTRY_BYTES_MAX], body[256];
    size_t blen = small_body(body);
    size_t len = sign_one(sk_ie, 1, NULL, 1764100000000ull, buf);
    proto_entry e;
    rn_diag d = { 0 };

    assert_int_equal(proto_entry_decode(&e, buf, len, &d), 0);
    assert_int_equal(e.seq, 1);
    assert_null(e.prev);
    assert_int_equal(e.timestamp_ms, 1764100000000ull);
    assert_int_equal(e.kind, PROTO_KIND_SPEC);
    assert_memory_equal(e.author, pk_ie, PROTO_KEY_BYTES);
    assert_int_equal(e.body_len, blen);
    assert_memory_equal(e.body, body, blen);
    assert_ptr_equal(e.bytes, buf);
    assert_int_equal(e.len, len);
    assert_int_equal(proto_entry_verify(&e), 0);

    /* The id is BLAKE2b-256 of the exact bytes, and Ed25519 signatures are deterministic, so the
     * same draft signs to the same bytes and the same id. */
    uint8_t id1[PROTO_ID_BYTES], id2[PROTO_ID_BYTES], buf2[RN_ENTRY_BYTES_MAX];
    proto_entry_id(buf, len, id1);
    size_t len2 = sign_one(sk_ie, 1, NULL, 1764100000000ull, buf2);
    proto_entry_id(buf2, len2, id2);
    assert_int_equal(len, len2);
    assert_memory_equal(id1, id2, PROTO_ID_BYTES);
    uint8_t expect[PROTO_ID_BYTES];
    crypto_generichash(expect, sizeof(expect), buf, len, NULL, 0);
    assert_memory_equal(id1, expect, PROTO_ID_BYTES);
}

static void test_bad_drafts(void **state)
{
    (void)state;
    uint8_t buf[RN_ENTRY_BYTES_MAX], body[256], prev[PROTO_ID_BYTES] = { 0 };
    size_t blen = small_body(body), len;
    proto_entry_draft ok = { .seq = 2,
                             .prev = prev,
                             .timestamp_ms = 5,
                             .kind = PROTO_KIND_SPEC,
                             .body = body,
                             .body_len = blen };
    proto_entry_draft dr;

    dr = ok;
    dr.seq = 0;
    assert_int_equal(proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len), RN_EINVAL);
    dr = ok;
    dr.prev = NULL; /* seq 2 needs prev */
    assert_int_equal(proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len), RN_EINVAL);
    dr = ok;
    dr.seq = 1; /* seq 1 must not have prev */
    assert_int_equal(proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len), RN_EINVAL);
    dr = ok;
    dr.kind = (proto_kind)9;
    assert_int_equal(proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len), RN_EINVAL);
    dr = ok;
    dr.timestamp_ms = RN_TIME_MS_MAX + 1;
    assert_int_equal(proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len), RN_EINVAL);
    dr = ok;
    dr.body_len = blen - 1; /* truncated body */
    assert_int_equal(proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len), RN_EINVAL);
    const uint8_t not_map[] = { 0x90 };
    dr = ok;
    dr.body = not_map;
    dr.body_len = 1;
    assert_int_equal(proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len), RN_EINVAL);
    /* An output buffer too small for the entry. */
    assert_int_equal(proto_entry_sign(&ok, sk_ie, buf, 100, &len), RN_ETOOBIG);
    assert_int_equal(proto_entry_sign(&ok, sk_ie, buf, sizeof(buf), &len), 0);
}

static void test_size_bounds(void **state)
{
    (void)state;
    static uint8_t body[RN_ENTRY_BYTES_MAX + 16], buf[RN_ENTRY_BYTES_MAX + 16];
    size_t len;
    /* A body of one bin whose size makes the entry exactly RN_ENTRY_BYTES_MAX, then one more. */
    size_t overhead = 1 + 1 + 34 + 1 + 1 + 1 + 1 + 66; /* header fields, nil prev, ts 0, kind */
    size_t body_len = RN_ENTRY_BYTES_MAX - overhead;
    size_t payload = body_len - 1 - 1 - 3; /* fixmap, key 1, bin16 header */
    for (int extra = 0; extra <= 1; extra++) {
        mp_buf b;
        mp_buf_init(&b, sizeof(body));
        mp_put_map(&b, 1);
        mp_put_uint(&b, 1);
        uint8_t *blob = calloc(1, payload + 1);
        mp_put_bin(&b, blob, payload + (size_t)extra);
        free(blob);
        assert_int_equal(mp_buf_err(&b), 0);
        proto_entry_draft dr = { .seq = 1,
                                 .prev = NULL,
                                 .timestamp_ms = 0,
                                 .kind = PROTO_KIND_SPEC,
                                 .body = b.data,
                                 .body_len = b.len };
        int rc = proto_entry_sign(&dr, sk_ie, buf, sizeof(buf), &len);
        if (extra == 0) {
            assert_int_equal(rc, 0);
            assert_int_equal(len, RN_ENTRY_BYTES_MAX);
            proto_entry e;
            assert_int_equal(proto_entry_decode(&e, buf, len, NULL), 0);
            /* One byte past the bound is refused before it is parsed. */
            buf[len] = 0;
            rn_diag d = { 0 };
            assert_int_equal(proto_entry_decode(&e, buf, len + 1, &d), RN_ETOOBIG);
            assert_string_equal(d.field, "entry");
        } else {
            assert_int_equal(rc, RN_ETOOBIG);
        }
        mp_buf_free(&b);
    }
}

/* Field-by-field writer for malformed entries. Each field is given as raw encoded bytes (NULL to
 * omit it); the signature is a real one over the result, so only the named defect remains. */
typedef struct raw_fields {
    int nfields; /* array header count written */
    const uint8_t *f[9];
    size_t flen[9];
} raw_fields;

static size_t raw(const raw_fields *r, uint8_t *out)
{
    mp_buf b;
    mp_buf_init(&b, RN_ENTRY_BYTES_MAX * 2);
    mp_put_array(&b, (uint32_t)r->nfields);
    for (int i = 0; i < 9; i++)
        if (r->f[i] != NULL)
            mp_buf_raw(&b, r->f[i], r->flen[i]);
    assert_int_equal(mp_buf_err(&b), 0);
    size_t n = b.len;
    memcpy(out, b.data, n);
    mp_buf_free(&b);
    return n;
}

static uint8_t enc_author[34], enc_sig[66], enc_prev[34], enc_body[256];
static const uint8_t enc_v1[] = { 0x01 }, enc_seq1[] = { 0x01 }, enc_seq2[] = { 0x02 },
                     enc_nil[] = { 0xc0 }, enc_ts[] = { 0x05 }, enc_kind[] = { 0x02 };
static size_t enc_body_len;

static raw_fields valid_fields(void)
{
    enc_author[0] = 0xc4;
    enc_author[1] = 32;
    memcpy(enc_author + 2, pk_ie, 32);
    enc_prev[0] = 0xc4;
    enc_prev[1] = 32;
    memset(enc_prev + 2, 0xab, 32);
    enc_sig[0] = 0xc4;
    enc_sig[1] = 64;
    memset(enc_sig + 2, 0, 64);
    /* A body long enough that the entry stays above RN_ENTRY_BYTES_MIN whatever one field is
     * replaced with, so the decoder reaches the field under test. */
    mp_buf b;
    mp_buf_init(&b, sizeof(enc_body));
    mp_put_map(&b, 1);
    mp_put_uint(&b, 1);
    mp_put_cstr(&b, "IE:resa/mc-c012/a-reasonably-long-reference-for-padding/"
                    "long-enough-to-keep-every-variant-above-the-minimum-size");
    assert_int_equal(mp_buf_err(&b), 0);
    enc_body_len = b.len;
    memcpy(enc_body, b.data, b.len);
    mp_buf_free(&b);
    raw_fields r = { .nfields = 8 };
    r.f[0] = enc_v1, r.flen[0] = 1;
    r.f[1] = enc_author, r.flen[1] = 34;
    r.f[2] = enc_seq1, r.flen[2] = 1;
    r.f[3] = enc_nil, r.flen[3] = 1;
    r.f[4] = enc_ts, r.flen[4] = 1;
    r.f[5] = enc_kind, r.flen[5] = 1;
    r.f[6] = enc_body, r.flen[6] = enc_body_len;
    r.f[7] = enc_sig, r.flen[7] = 66;
    return r;
}

static void expect_decode(const raw_fields *r, int code, const char *field)
{
    static uint8_t buf[RN_ENTRY_BYTES_MAX * 2];
    size_t n = raw(r, buf);
    proto_entry e;
    rn_diag d = { 0 };
    int rc = proto_entry_decode(&e, buf, n, &d);
    if (rc != code || (field != NULL && (d.field == NULL || strcmp(d.field, field) != 0)))
        fail_msg("expected %s at %s, got %s at %s", rn_err_name(code), field, rn_err_name(rc),
                 d.field ? d.field : "(none)");
}

static void test_decode_field_errors(void **state)
{
    (void)state;
    raw_fields r;
    const uint8_t v2[] = { 0x02 }, seq0[] = { 0x00 }, seq_noncanon[] = { 0xcc, 0x01 },
                  kind0[] = { 0x00 }, kind9[] = { 0x09 }, arr[] = { 0x90 },
                  str_author[] = { 0xa1, 'x' }, short_key[] = { 0xc4, 0x01, 0x00 },
                  ts_big[] = { 0xcf, 0x00, 0x00, 0xe6, 0x77, 0xd2, 0x1f, 0xdc, 0x00 },
                  seq_big[] = { 0xcf, 0x00, 0x20, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00 };

    r = valid_fields();
    expect_decode(&r, 0, NULL);

    r = valid_fields();
    r.nfields = 7;
    expect_decode(&r, RN_ECOUNT, "entry");
    r = valid_fields();
    r.nfields = 9;
    r.f[8] = enc_nil, r.flen[8] = 1;
    expect_decode(&r, RN_ECOUNT, "entry");

    r = valid_fields();
    r.f[0] = v2;
    expect_decode(&r, RN_EVERSION, "entry.version");

    r = valid_fields();
    r.f[1] = str_author, r.flen[1] = sizeof(str_author);
    expect_decode(&r, RN_ETYPE, "entry.author");
    r = valid_fields();
    r.f[1] = short_key, r.flen[1] = sizeof(short_key);
    expect_decode(&r, RN_ELEN, "entry.author");

    r = valid_fields();
    r.f[2] = seq0;
    expect_decode(&r, RN_ESEQ, "entry.seq");
    r = valid_fields();
    r.f[2] = seq_big, r.flen[2] = sizeof(seq_big); /* 2^53 */
    expect_decode(&r, RN_ESEQ, "entry.seq");
    r = valid_fields();
    r.f[2] = seq_noncanon, r.flen[2] = sizeof(seq_noncanon);
    expect_decode(&r, RN_ENONCANON, "entry.seq");

    r = valid_fields();
    r.f[3] = enc_prev, r.flen[3] = 34; /* prev at seq 1 */
    expect_decode(&r, RN_EPREV, "entry.prev");
    r = valid_fields();
    r.f[2] = enc_seq2; /* no prev at seq 2 */
    expect_decode(&r, RN_EPREV, "entry.prev");
    r = valid_fields();
    r.f[2] = enc_seq2;
    r.f[3] = short_key, r.flen[3] = sizeof(short_key);
    expect_decode(&r, RN_ELEN, "entry.prev");
    r = valid_fields();
    r.f[2] = enc_seq2;
    r.f[3] = enc_prev, r.flen[3] = 34;
    expect_decode(&r, 0, NULL);

    r = valid_fields();
    r.f[4] = ts_big, r.flen[4] = sizeof(ts_big);
    expect_decode(&r, RN_ETIME, "entry.timestamp");

    r = valid_fields();
    r.f[5] = kind0;
    expect_decode(&r, RN_EKIND, "entry.kind");
    r = valid_fields();
    r.f[5] = kind9;
    expect_decode(&r, RN_EKIND, "entry.kind");

    r = valid_fields();
    r.f[6] = arr, r.flen[6] = 1;
    expect_decode(&r, RN_ETYPE, "entry.body");
    r = valid_fields();
    r.flen[6] = enc_body_len - 1; /* body cut short: its string swallows the signature header */
    expect_decode(&r, RN_ETYPE, "entry.signature");

    r = valid_fields();
    r.f[7] = short_key, r.flen[7] = sizeof(short_key);
    expect_decode(&r, RN_ELEN, "entry.signature");
    r = valid_fields();
    r.f[8] = enc_nil, r.flen[8] = 1; /* a byte after the signature */
    expect_decode(&r, RN_ETRAILING, "entry");
}

static void test_truncated_everywhere(void **state)
{
    (void)state;
    uint8_t buf[RN_ENTRY_BYTES_MAX];
    size_t len = sign_one(sk_ie, 1, NULL, 1764100000000ull, buf);
    for (size_t n = 0; n < len; n++) {
        uint8_t *copy = malloc(n + 1); /* exact size, so ASan sees any over-read */
        memcpy(copy, buf, n);
        proto_entry e;
        int rc = proto_entry_decode(&e, copy, n, NULL);
        assert_true(rc == RN_ETRUNCATED || rc == RN_ELEN);
        free(copy);
    }
}

static void test_tamper_every_byte(void **state)
{
    (void)state;
    uint8_t buf[RN_ENTRY_BYTES_MAX];
    size_t len = sign_one(sk_ie, 1, NULL, 1764100000000ull, buf);
    /* Flipping any single bit either breaks the decode or the signature: never both pass. */
    for (size_t i = 0; i < len; i++) {
        for (int bit = 0; bit < 8; bit++) {
            buf[i] ^= (uint8_t)(1u << bit);
            proto_entry e;
            if (proto_entry_decode(&e, buf, len, NULL) == 0)
                assert_int_equal(proto_entry_verify(&e), RN_ESIG);
            buf[i] ^= (uint8_t)(1u << bit);
        }
    }
}

/* proto_entry_decode_known gives what proto_entry_decode gives for bytes that decoded, and
 * refuses bytes without an entry's outline (never reading past them). */
static void test_decode_known(void **state)
{
    (void)state;
    uint8_t buf[RN_ENTRY_BYTES_MAX], prev[PROTO_ID_BYTES];
    for (uint64_t seq = 1; seq <= 2; seq++) {
        memset(prev, 7, sizeof(prev));
        size_t len = sign_one(sk_ie, seq, seq == 1 ? NULL : prev, 1764100000000ull, buf);
        proto_entry a, b;
        assert_int_equal(proto_entry_decode(&a, buf, len, NULL), 0);
        assert_int_equal(proto_entry_decode_known(&b, buf, len), 0);
        assert_true(a.seq == b.seq && a.timestamp_ms == b.timestamp_ms && a.kind == b.kind);
        assert_ptr_equal(a.author, b.author);
        assert_ptr_equal(a.prev, b.prev);
        assert_ptr_equal(a.body, b.body);
        assert_int_equal(a.body_len, b.body_len);
        assert_ptr_equal(a.sig, b.sig);
        assert_true(a.bytes == b.bytes && a.len == b.len);
        /* Cut short anywhere: refused, or (when the cut happens to end like a signature) read
         * within the bytes given. */
        for (size_t n = 0; n < len; n++) {
            uint8_t *copy = malloc(n + 1); /* exact size, so ASan sees any over-read */
            memcpy(copy, buf, n);
            int rc = proto_entry_decode_known(&b, copy, n);
            assert_true(rc == RN_EMALFORMED ||
                        (rc == 0 && b.body + b.body_len + 2 + PROTO_SIG_BYTES == copy + n));
            free(copy);
        }
        /* No signature header where it belongs, or not an entry's array: refused. */
        buf[len - PROTO_SIG_BYTES - 2] ^= 0x01;
        assert_int_equal(proto_entry_decode_known(&b, buf, len), RN_EMALFORMED);
        buf[len - PROTO_SIG_BYTES - 2] ^= 0x01;
        buf[0] ^= 0x01;
        assert_int_equal(proto_entry_decode_known(&b, buf, len), RN_EMALFORMED);
    }
}

/* True if body[0..len) is exactly one MessagePack value. */
static bool one_value(const uint8_t *body, size_t len)
{
    mp_cur c;
    mp_cur_init(&c, body, len);
    return mp_skip(&c) == 0 && c.p == c.end;
}

/* proto_entry_decode_outline accepts exactly what proto_entry_decode accepts once its body is
 * one value, and gives the same entry: on valid entries, on every single-bit change of one (each
 * header field's checks, the body's extent, the signature's header), and on every cut. */
static void test_decode_outline(void **state)
{
    (void)state;
    uint8_t buf[RN_ENTRY_BYTES_MAX], prev[PROTO_ID_BYTES];
    memset(prev, 7, sizeof(prev));
    for (uint64_t seq = 1; seq <= 2; seq++) {
        size_t len = sign_one(sk_ie, seq, seq == 1 ? NULL : prev, 1764100000000ull, buf);
        size_t refused = 0, body_only = 0;
        for (size_t i = 0; i <= len; i++) {
            for (int bit = 0; bit < 8; bit++) {
                if (i < len)
                    buf[i] ^= (uint8_t)(1u << bit);
                proto_entry a, b;
                int src = proto_entry_decode(&a, buf, len, NULL);
                int orc = proto_entry_decode_outline(&b, buf, len);
                assert_true(orc == 0 || orc == RN_EMALFORMED);
                if (orc != 0)
                    refused++;
                if (orc == 0 && !one_value(b.body, b.body_len))
                    body_only++;
                assert_int_equal(src == 0, orc == 0 && one_value(b.body, b.body_len));
                if (src == 0) {
                    assert_true(a.seq == b.seq && a.timestamp_ms == b.timestamp_ms &&
                                a.kind == b.kind && a.author == b.author && a.prev == b.prev &&
                                a.body == b.body && a.body_len == b.body_len && a.sig == b.sig &&
                                a.bytes == b.bytes && a.len == b.len);
                }
                if (i < len)
                    buf[i] ^= (uint8_t)(1u << bit);
                else
                    break;
            }
        }
        assert_true(refused > 0 && body_only > 0); /* both kinds of refusal were met */
        for (size_t n = 0; n < len; n++) {
            uint8_t *copy = malloc(n + 1); /* exact size, so ASan sees any over-read */
            memcpy(copy, buf, n);
            proto_entry b;
            int rc = proto_entry_decode_outline(&b, copy, n);
            assert_true(rc == RN_EMALFORMED ||
                        (rc == 0 && b.body + b.body_len + 2 + PROTO_SIG_BYTES == copy + n));
            free(copy);
        }
        memcpy(prev, buf + len - PROTO_SIG_BYTES, sizeof(prev)); /* any 32 bytes will do */
    }
}

/* A chain of n entries by one author, stored back to back in `store` with offsets in `off`. */
#define CHAIN_MAX 64
typedef struct chain {
    uint8_t data[CHAIN_MAX][512];
    size_t len[CHAIN_MAX];
    uint8_t id[CHAIN_MAX][PROTO_ID_BYTES];
    proto_entry e[CHAIN_MAX];
} chain;

static void make_chain(chain *c, const uint8_t *sk, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        c->len[i] = sign_one(sk, i + 1, i == 0 ? NULL : c->id[i - 1], 1000 + i, c->data[i]);
        proto_entry_id(c->data[i], c->len[i], c->id[i]);
        assert_int_equal(proto_entry_decode(&c->e[i], c->data[i], c->len[i], NULL), 0);
    }
}

static void test_run_verify(void **state)
{
    (void)state;
    static chain c, other;
    uint8_t ids[CHAIN_MAX][PROTO_ID_BYTES];
    rn_diag d = { 0 };
    make_chain(&c, sk_ie, 40);
    make_chain(&other, sk_fr, 40);

    assert_int_equal(proto_entry_run_verify(c.e, 40, NULL, ids, &d), 0);
    assert_memory_equal(ids, c.id, 40 * PROTO_ID_BYTES);
    /* A run starting in the middle links to the head the caller holds. */
    assert_int_equal(proto_entry_run_verify(c.e + 10, 30, c.id[9], NULL, &d), 0);
    d = (rn_diag){ 0 };
    assert_int_equal(proto_entry_run_verify(c.e + 10, 30, c.id[8], NULL, &d), RN_EPREV);
    assert_int_equal(d.index, 1);

    /* A gap. */
    proto_entry gap[3] = { c.e[0], c.e[1], c.e[3] };
    d = (rn_diag){ 0 };
    assert_int_equal(proto_entry_run_verify(gap, 3, NULL, NULL, &d), RN_ESEQ);
    assert_int_equal(d.index, 3);

    /* Another author's entry in the middle. */
    proto_entry mixed[3] = { c.e[0], other.e[1], c.e[2] };
    d = (rn_diag){ 0 };
    assert_int_equal(proto_entry_run_verify(mixed, 3, NULL, NULL, &d), RN_EAUTHOR);
    assert_int_equal(d.index, 2);

    /* A broken link: entry 5 of the run replaced by a different, validly signed entry 5. */
    uint8_t alt[512];
    size_t alt_len = sign_one(sk_ie, 5, c.id[3], 1003, alt); /* original: ts 1004 */
    proto_entry broken[40];
    memcpy(broken, c.e, sizeof(broken));
    assert_int_equal(proto_entry_decode(&broken[4], alt, alt_len, NULL), 0);
    d = (rn_diag){ 0 };
    assert_int_equal(proto_entry_run_verify(broken, 40, NULL, NULL, &d), RN_EPREV);
    assert_int_equal(d.index, 6);
    assert_string_equal(d.field, "entry.prev");

    /* A tampered signature in the middle changes that entry's id, which breaks the next link:
     * the one-signature-per-run check still covers every entry. */
    static chain t;
    memcpy(&t, &c, sizeof(t));
    for (size_t i = 0; i < 40; i++)
        assert_int_equal(proto_entry_decode(&t.e[i], t.data[i], t.len[i], NULL), 0);
    t.data[20][t.len[20] - 1] ^= 1;
    d = (rn_diag){ 0 };
    assert_int_equal(proto_entry_run_verify(t.e, 40, NULL, NULL, &d), RN_EPREV);
    assert_int_equal(d.index, 22);
    /* Tampering with the last entry's signature fails the one signature that is checked. */
    t.data[20][t.len[20] - 1] ^= 1;
    t.data[39][t.len[39] - 1] ^= 1;
    d = (rn_diag){ 0 };
    assert_int_equal(proto_entry_run_verify(t.e, 40, NULL, NULL, &d), RN_ESIG);
    assert_int_equal(d.index, 40);

    /* Timestamps may not go backwards along a log. */
    uint8_t back[512];
    size_t back_len = sign_one(sk_ie, 41, c.id[39], 10, back);
    proto_entry run2[2] = { c.e[39] };
    assert_int_equal(proto_entry_decode(&run2[1], back, back_len, NULL), 0);
    d = (rn_diag){ 0 };
    assert_int_equal(proto_entry_run_verify(run2, 2, NULL, NULL, &d), RN_ETIME);

    /* Bounds on the run length. */
    assert_int_equal(proto_entry_run_verify(c.e, 0, NULL, NULL, NULL), RN_EINVAL);
    assert_int_equal(proto_entry_run_verify(c.e, RN_RUN_ENTRIES_MAX + 1, NULL, NULL, NULL),
                     RN_EINVAL);
}

static void test_kind_names(void **state)
{
    (void)state;
    for (int k = PROTO_KIND_MIN; k <= PROTO_KIND_MAX; k++) {
        const char *name = proto_kind_name(k);
        assert_non_null(name);
        assert_int_equal(proto_kind_parse(name), k);
    }
    assert_null(proto_kind_name(0));
    assert_null(proto_kind_name(PROTO_KIND_MAX + 1));
    assert_int_equal(proto_kind_parse("credential"), RN_EKIND);
    assert_string_equal(proto_kind_name(PROTO_KIND_REVOCATION), "revocation");
}

static void test_error_table(void **state)
{
    (void)state;
    assert_string_equal(rn_err_name(RN_ESIG), "RN_ESIG");
    assert_string_equal(rn_err_name(0), "RN_OK");
    assert_string_equal(rn_err_name(-9999), "RN_UNKNOWN");
    assert_string_equal(rn_strerror(-9999), "unknown error");
    char buf[128];
    rn_diag d = { .code = RN_EEQF, .field = "spec.eqf" };
    assert_string_equal(rn_diag_format(&d, buf, sizeof(buf)), "spec.eqf: EQF level outside 1-8");
    d.index = 3;
    assert_string_equal(rn_diag_format(&d, buf, sizeof(buf)), "spec.eqf[2]: EQF level outside 1-8");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sign_decode_roundtrip),
        cmocka_unit_test(test_bad_drafts),
        cmocka_unit_test(test_size_bounds),
        cmocka_unit_test(test_decode_field_errors),
        cmocka_unit_test(test_truncated_everywhere),
        cmocka_unit_test(test_tamper_every_byte),
        cmocka_unit_test(test_decode_known),
        cmocka_unit_test(test_decode_outline),
        cmocka_unit_test(test_run_verify),
        cmocka_unit_test(test_kind_names),
        cmocka_unit_test(test_error_table),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
