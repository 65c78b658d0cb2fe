/*
 * rosterchain_test.c: the governed roster (proto/rosterchain.h, PROTOCOL.md 4.4).
 *
 * Genesis and change documents round-trip and their decoders refuse every malformed field;
 * changes take effect exactly when a quorum of the previous roster's authorities signed them,
 * link to the previous version and leave a valid roster; planned and compromised rotations keep
 * the key history; and random chains are checked against a plain reference model (a list of
 * members and a quorum rule), which also gives the roster at every version.
 *
 * Set RN_WRITE_CORPUS=<dir> to also write seeds for tests/fuzz/fuzz_rosterchain.c: changes that
 * apply to the harness's fixed genesis (three authorities of seeds 1, 2, 3 repeated).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/key.h"
#include "proto/limits.h"
#include "proto/rosterchain.h"
#include "tests/support/rng.h"

static const char *const countries[30] = {
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
    "LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
};

/* Key pair number i (seed {i, i >> 8, 7, 7, ...}). */
typedef struct kp {
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
} kp;

static kp key_of(unsigned i)
{
    kp k;
    uint8_t seed[PROTO_SEED_BYTES];
    memset(seed, 7, sizeof(seed));
    seed[0] = (uint8_t)i;
    seed[1] = (uint8_t)(i >> 8);
    proto_key_sk_derive(seed, k.sk, k.pk);
    return k;
}

/* A genesis of `na` authorities (keys 0 .. na-1, countries[0 .. na-1]) and `nm` mirrors (keys
 * 100 ..), quorum rule `q`, into `b`. */
static void genesis(mp_buf *b, unsigned na, unsigned nm, uint64_t q)
{
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX), 0);
    for (unsigned i = 0; i < na; i++) {
        kp k = key_of(i);
        assert_int_equal(proto_roster_add(&r, countries[i], 2, PROTO_ROLE_AUTHORITY, k.pk), 0);
    }
    for (unsigned i = 0; i < nm; i++) {
        kp k = key_of(100 + i);
        assert_int_equal(proto_roster_add(&r, "", 0, PROTO_ROLE_MIRROR, k.pk), 0);
    }
    mp_buf_init(b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    assert_int_equal(proto_rosterchain_genesis_encode("test federation", 15, q, 1000, &r, b), 0);
    proto_roster_free(&r);
}

static void chain_of(proto_rosterchain *ch, unsigned na, unsigned nm, uint64_t q)
{
    mp_buf b;
    rn_diag d;
    genesis(&b, na, nm, q);
    assert_int_equal(proto_rosterchain_init(ch, b.data, b.len, &d), 0);
    mp_buf_free(&b);
}

static proto_rc_change *change_new(const proto_rosterchain *ch, uint64_t at)
{
    proto_rc_change *c = malloc(sizeof(*c));
    assert_non_null(c);
    assert_int_equal(proto_rosterchain_change_start(ch, at, c), 0);
    return c;
}

static proto_rc_op *op_push(proto_rc_change *c, proto_rc_optype t, unsigned key)
{
    assert_true(c->ops_n < RN_ROSTERCHAIN_OPS_MAX);
    proto_rc_op *o = &c->ops[c->ops_n++];
    memset(o, 0, sizeof(*o));
    o->type = t;
    kp k = key_of(key);
    memcpy(o->key, k.pk, PROTO_KEY_BYTES);
    return o;
}

static void sign_by(proto_rc_change *c, unsigned key)
{
    kp k = key_of(key);
    assert_int_equal(proto_rosterchain_change_sign(c, k.sk, k.pk), 0);
}

/* 1 + the position of key number `key`'s signature in c (the index a diagnostic names). */
static unsigned sig_index(const proto_rc_change *c, unsigned key)
{
    kp k = key_of(key);
    for (uint32_t i = 0; i < c->sigs_n; i++)
        if (memcmp(c->sigs[i].key, k.pk, PROTO_KEY_BYTES) == 0)
            return i + 1;
    fail_msg("key %u has not signed", key);
    return 0;
}

/* Encodes, decodes and applies: the path a verifier takes from bytes. */
static int apply_via_bytes(proto_rosterchain *ch, const proto_rc_change *c, rn_diag *d)
{
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
    memset(d, 0, sizeof(*d));
    int rc = proto_rosterchain_apply_bytes(ch, b.data, b.len, d);
    mp_buf_free(&b);
    return rc;
}

static void expect_fail(proto_rosterchain *ch, const proto_rc_change *c, int code,
                        const char *field, unsigned index)
{
    rn_diag d;
    uint64_t before = proto_rosterchain_version(ch);
    assert_int_equal(apply_via_bytes(ch, c, &d), code);
    assert_int_equal(d.code, code);
    assert_non_null(d.field);
    assert_string_equal(d.field, field);
    assert_int_equal(d.index, index);
    assert_int_equal(proto_rosterchain_version(ch), before);
}

/* ---- Documents ---- */

static void test_genesis(void **state)
{
    (void)state;
    proto_rosterchain ch;
    chain_of(&ch, 5, 2, PROTO_QUORUM_MAJORITY);
    assert_int_equal(proto_rosterchain_version(&ch), 1);
    assert_string_equal(ch.federation, "test federation");
    assert_int_equal(ch.current.count, 7);
    assert_int_equal(proto_rosterchain_quorum_need(PROTO_QUORUM_MAJORITY, 5), 3);
    assert_int_equal(proto_rosterchain_quorum_need(PROTO_QUORUM_MAJORITY, 4), 3);
    assert_int_equal(proto_rosterchain_quorum_need(PROTO_QUORUM_MAJORITY, 1), 1);
    assert_int_equal(proto_rosterchain_quorum_need(2, 5), 2);
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX), 0);
    assert_int_equal(proto_rosterchain_roster_at(&ch, 1, &r), 0);
    assert_int_equal(r.count, 7);
    proto_roster_free(&r);
    assert_int_equal(proto_rosterchain_roster_at(&ch, 2, &r), RN_ENOTFOUND);
    proto_rosterchain_free(&ch);

    /* The federation id is H(genesis bytes). */
    mp_buf b;
    genesis(&b, 3, 0, 2);
    uint8_t h[PROTO_ID_BYTES];
    crypto_generichash(h, sizeof(h), b.data, b.len, NULL, 0);
    assert_int_equal(proto_rosterchain_init(&ch, b.data, b.len, NULL), 0);
    assert_memory_equal(ch.versions[0].hash, h, sizeof(h));
    assert_int_equal(proto_rosterchain_quorum_at(&ch, 1), 2);
    proto_rosterchain_free(&ch);
    mp_buf_free(&b);
}

/* Writes a genesis by hand: [version, federation, quorum, issued_at, members]. */
static void genesis_raw(mp_buf *b, uint64_t version, const char *fed, size_t fed_len, uint64_t q,
                        uint64_t at, bool authority)
{
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, 4), 0);
    kp k = key_of(1);
    assert_int_equal(proto_roster_add(&r, authority ? "FR" : "", authority ? 2 : 0,
                                      authority ? PROTO_ROLE_AUTHORITY : PROTO_ROLE_MIRROR, k.pk),
                     0);
    mp_buf_init(b, RN_ROSTERCHAIN_GENESIS_BYTES_MAX);
    mp_put_array(b, 5);
    mp_put_uint(b, version);
    mp_put_str(b, fed, fed_len);
    mp_put_uint(b, q);
    mp_put_uint(b, at);
    assert_int_equal(proto_roster_encode(&r, b), 0);
    proto_roster_free(&r);
}

static void test_genesis_negative(void **state)
{
    (void)state;
    static const struct {
        uint64_t version;
        const char *fed;
        size_t fed_len;
        uint64_t q, at;
        bool authority;
        int code;
        const char *field;
    } cases[] = {
        { 2, "f", 1, 0, 1, true, RN_EVERSION, "genesis.version" },
        { 1, "", 0, 0, 1, true, RN_ELEN, "genesis.federation" },
        { 1, "\xff", 1, 0, 1, true, RN_EUTF8, "genesis.federation" },
        { 1, "a\0b", 3, 0, 1, true, RN_EUTF8, "genesis.federation" },
        { 1, "a\nb", 3, 0, 1, true, RN_EUTF8, "genesis.federation" },
        { 1, "\x7f", 1, 0, 1, true, RN_EUTF8, "genesis.federation" },
        { 1, "f", 1, 2, 1, true, RN_ECOUNT, "genesis.quorum" },
        { 1, "f", 1, 0, RN_TIME_MS_MAX + 1, true, RN_ETIME, "genesis.issued_at" },
        { 1, "f", 1, 0, 1, false, RN_ECOUNT, "roster.authorities" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mp_buf b;
        proto_rosterchain ch;
        rn_diag d;
        genesis_raw(&b, cases[i].version, cases[i].fed, cases[i].fed_len, cases[i].q, cases[i].at,
                    cases[i].authority);
        memset(&d, 0, sizeof(d));
        assert_int_equal(proto_rosterchain_init(&ch, b.data, b.len, &d), cases[i].code);
        assert_string_equal(d.field, cases[i].field);
        proto_rosterchain_free(&ch);
        mp_buf_free(&b);
    }
    /* A federation name of 65 bytes, a name of 64 (the bound). */
    char name[66];
    memset(name, 'a', sizeof(name));
    mp_buf b;
    proto_rosterchain ch;
    genesis_raw(&b, 1, name, 65, 0, 1, true);
    assert_int_equal(proto_rosterchain_init(&ch, b.data, b.len, NULL), RN_ELEN);
    mp_buf_free(&b);
    genesis_raw(&b, 1, name, 64, 0, 1, true);
    assert_int_equal(proto_rosterchain_init(&ch, b.data, b.len, NULL), 0);
    proto_rosterchain_free(&ch);
    mp_buf_free(&b);

    /* Every truncation, a trailing byte, a wrong outer shape. */
    genesis(&b, 3, 1, 0);
    for (size_t len = 0; len < b.len; len++) {
        assert_true(proto_rosterchain_init(&ch, b.data, len, NULL) < 0);
        proto_rosterchain_free(&ch);
    }
    uint8_t *more = malloc(b.len + 1);
    assert_non_null(more);
    memcpy(more, b.data, b.len);
    more[b.len] = 0xc0;
    rn_diag d;
    assert_int_equal(proto_rosterchain_init(&ch, more, b.len + 1, &d), RN_ETRAILING);
    assert_string_equal(d.field, "genesis");
    more[0] = 0x94;
    assert_int_equal(proto_rosterchain_init(&ch, more, b.len, &d), RN_ECOUNT);
    free(more);
    mp_buf_free(&b);
}

/* A change with one op of each type, signed by keys 0 and 1. */
static proto_rc_change *change_all_ops(const proto_rosterchain *ch)
{
    proto_rc_change *c = change_new(ch, 2000);
    proto_rc_op *o = op_push(c, PROTO_RC_ADD, 50);
    memcpy(o->country, "NL", 3);
    o->role = PROTO_ROLE_AUTHORITY;
    op_push(c, PROTO_RC_REMOVE, 100);
    o = op_push(c, PROTO_RC_SET, 2);
    memcpy(o->country, "PT", 3);
    o->role = PROTO_ROLE_AUTHORITY;
    o = op_push(c, PROTO_RC_ROTATE, 1);
    kp n = key_of(51);
    memcpy(o->new_key, n.pk, PROTO_KEY_BYTES);
    o = op_push(c, PROTO_RC_ROTATE_COMPROMISED, 3);
    n = key_of(52);
    memcpy(o->new_key, n.pk, PROTO_KEY_BYTES);
    o->last_seq = 41;
    memset(o->last_id, 0xab, PROTO_ID_BYTES);
    o = op_push(c, PROTO_RC_QUORUM, 0);
    memset(o->key, 0, PROTO_KEY_BYTES);
    o->quorum = 3;
    sign_by(c, 0);
    sign_by(c, 1);
    sign_by(c, 4);
    return c;
}

static void test_change_round_trip(void **state)
{
    (void)state;
    proto_rosterchain ch;
    chain_of(&ch, 5, 1, PROTO_QUORUM_MAJORITY);
    proto_rc_change *c = change_all_ops(&ch);
    proto_rc_change *back = malloc(sizeof(*back));
    assert_non_null(back);
    mp_buf b, b2;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    mp_buf_init(&b2, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
    rn_diag d;
    assert_int_equal(proto_rosterchain_change_decode(back, b.data, b.len, &d), 0);
    assert_int_equal(proto_rosterchain_change_encode(back, &b2), 0);
    assert_int_equal(b.len, b2.len);
    assert_memory_equal(b.data, b2.data, b.len);
    assert_int_equal(back->ops_n, 6);
    assert_int_equal(back->sigs_n, 3);
    assert_int_equal(back->ops[4].last_seq, 41);
    /* Signatures are kept in ascending key order. */
    for (uint32_t i = 1; i < back->sigs_n; i++)
        assert_true(memcmp(back->sigs[i - 1].key, back->sigs[i].key, PROTO_KEY_BYTES) < 0);
    /* Signing again by one key replaces its signature. */
    sign_by(back, 0);
    assert_int_equal(back->sigs_n, 3);

    assert_int_equal(proto_rosterchain_apply(&ch, back, &d), 0);
    assert_int_equal(proto_rosterchain_version(&ch), 2);
    assert_int_equal(proto_rosterchain_quorum_at(&ch, 2), 3);
    assert_int_equal(ch.versions[1].signers, 3);
    kp k50 = key_of(50), k100 = key_of(100), k1 = key_of(1), k51 = key_of(51);
    assert_non_null(proto_roster_find(&ch.current, k50.pk));
    assert_null(proto_roster_find(&ch.current, k100.pk));
    assert_null(proto_roster_find(&ch.current, k1.pk));
    assert_non_null(proto_roster_authority(&ch.current, "PT", 2));
    assert_null(proto_roster_authority(&ch.current, "BG", 2));
    const proto_member *m = proto_roster_find(&ch.current, k51.pk);
    assert_non_null(m);
    assert_string_equal(m->country, "BE");
    free(back);
    free(c);
    mp_buf_free(&b);
    mp_buf_free(&b2);
    proto_rosterchain_free(&ch);
}

/* The largest change there can be (64 ops of the longest type, 30 signatures) fits the bound,
 * and decodes. */
static void test_change_bound(void **state)
{
    (void)state;
    proto_rosterchain ch;
    chain_of(&ch, 30, 0, PROTO_QUORUM_MAJORITY);
    proto_rc_change *c = change_new(&ch, RN_TIME_MS_MAX);
    for (unsigned i = 0; i < RN_ROSTERCHAIN_OPS_MAX; i++) {
        proto_rc_op *o = op_push(c, PROTO_RC_ROTATE_COMPROMISED, 200 + i);
        kp n = key_of(300 + i);
        memcpy(o->new_key, n.pk, 32);
        o->last_seq = RN_SEQ_MAX;
        memset(o->last_id, 0xee, 32);
    }
    c->version = RN_ROSTERCHAIN_VERSIONS_MAX;
    for (unsigned i = 0; i < RN_ROSTERCHAIN_SIGS_MAX; i++)
        sign_by(c, i);
    assert_int_equal(c->sigs_n, RN_ROSTERCHAIN_SIGS_MAX);
    kp extra = key_of(99);
    assert_int_equal(proto_rosterchain_change_sign(c, extra.sk, extra.pk), RN_ECOUNT);
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
    proto_rc_change *back = malloc(sizeof(*back));
    assert_non_null(back);
    assert_int_equal(proto_rosterchain_change_decode(back, b.data, b.len, NULL), 0);
    /* One byte more than the bound is refused before it is read. */
    uint8_t *big = calloc(1, RN_ROSTERCHAIN_CHANGE_BYTES_MAX + 1);
    assert_non_null(big);
    rn_diag d;
    assert_int_equal(
        proto_rosterchain_change_decode(back, big, RN_ROSTERCHAIN_CHANGE_BYTES_MAX + 1, &d),
        RN_ETOOBIG);
    free(big);
    free(back);
    free(c);
    mp_buf_free(&b);
    proto_rosterchain_free(&ch);
}

/* Rewrites one byte of an encoded change and expects the decoder to name `field`. */
typedef struct mutation {
    const char *what;
    int code;
    const char *field;
} mutation;

static void test_change_decode_negative(void **state)
{
    (void)state;
    proto_rosterchain ch;
    chain_of(&ch, 5, 1, PROTO_QUORUM_MAJORITY);
    proto_rc_change *c = change_all_ops(&ch);
    proto_rc_change *out = malloc(sizeof(*out));
    assert_non_null(out);
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
    rn_diag d;

    /* Every truncation is refused; so is a trailing byte. */
    for (size_t len = 0; len < b.len; len++)
        assert_true(proto_rosterchain_change_decode(out, b.data, len, NULL) < 0);
    uint8_t *buf = malloc(b.len + 1);
    assert_non_null(buf);
    memcpy(buf, b.data, b.len);
    buf[b.len] = 0;
    assert_int_equal(proto_rosterchain_change_decode(out, buf, b.len + 1, &d), RN_ETRAILING);
    assert_string_equal(d.field, "change");

    /* Every field, by hand-written documents: each writer below builds a whole document. */
    struct {
        int code;
        const char *field;
        unsigned index;
    } want[] = {
        { RN_ECOUNT, "change", 0 },              /* 0: outer array of 3 */
        { RN_ECOUNT, "change.body", 0 },         /* 1: body of 5 */
        { RN_ESEQ, "change.version", 0 },        /* 2: version 1 */
        { RN_ELEN, "change.prev", 0 },           /* 3: prev of 31 bytes */
        { RN_ETIME, "change.issued_at", 0 },     /* 4: time past the bound */
        { RN_ECOUNT, "change.ops", 0 },          /* 5: no ops */
        { RN_EENUM, "ops.type", 1 },             /* 6: op type 7 */
        { RN_ECOUNT, "ops", 1 },                 /* 7: remove with 3 elements */
        { RN_EKEY, "ops.key", 1 },               /* 8: key not a point */
        { RN_ECOUNTRY, "ops.country", 1 },       /* 9: country "EL" */
        { RN_EENUM, "ops.role", 1 },             /* 10: role 3 */
        { RN_EINCONSISTENT, "ops.last_id", 1 },  /* 11: seq 0 with an id */
        { RN_EINCONSISTENT, "ops.last_id", 1 },  /* 12: seq 5 with nil */
        { RN_ESEQ, "ops.last_seq", 1 },          /* 13: seq past 2^53 - 1 */
        { RN_ECOUNT, "ops.quorum", 1 },          /* 14: quorum 31 */
        { RN_EFIELDORDER, "signatures.key", 2 }, /* 15: keys descending */
        { RN_EDUPLICATE, "signatures.key", 2 },  /* 16: a key twice */
        { RN_ELEN, "signatures.sig", 1 },        /* 17: a signature of 63 bytes */
        { RN_ECOUNT, "signatures", 1 },          /* 18: a signature of 3 elements */
        { RN_ETYPE, "change.prev", 0 },          /* 19: prev a str */
        { RN_ENONCANON, "change.version", 0 },   /* 20: version as uint16 */
        { RN_ETYPE, "ops.new_key", 1 },          /* 21: rotate's new key nil */
    };
    kp k0 = key_of(0), k1 = key_of(1);
    const uint8_t *lo = memcmp(k0.pk, k1.pk, 32) < 0 ? k0.pk : k1.pk;
    const uint8_t *hi = lo == k0.pk ? k1.pk : k0.pk;
    uint8_t zero[64], bad_key[32];
    memset(zero, 0, sizeof(zero));
    memset(bad_key, 0xff, sizeof(bad_key));
    for (unsigned i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        mp_buf m;
        mp_buf_init(&m, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
        mp_put_array(&m, i == 0 ? 3 : 2);
        mp_put_array(&m, i == 1 ? 5 : 4);
        if (i == 20)
            mp_buf_raw(&m, "\xcd\x00\x02", 3);
        else
            mp_put_uint(&m, i == 2 ? 1 : 2);
        if (i == 19)
            mp_put_str(&m, zero, 32);
        else
            mp_put_bin(&m, zero, i == 3 ? 31 : 32);
        mp_put_uint(&m, i == 4 ? RN_TIME_MS_MAX + 1 : 5);
        if (i == 1)
            mp_put_nil(&m);
        mp_put_array(&m, i == 5 ? 0 : 1);
        switch (i) {
        case 5:
            break;
        case 6:
            mp_put_array(&m, 2);
            mp_put_uint(&m, 7);
            mp_put_uint(&m, 0);
            break;
        case 7:
            mp_put_array(&m, 3);
            mp_put_uint(&m, PROTO_RC_REMOVE);
            mp_put_bin(&m, k0.pk, 32);
            mp_put_nil(&m);
            break;
        case 8:
            mp_put_array(&m, 2);
            mp_put_uint(&m, PROTO_RC_REMOVE);
            mp_put_bin(&m, bad_key, 32);
            break;
        case 9:
        case 10:
            mp_put_array(&m, 4);
            mp_put_uint(&m, PROTO_RC_ADD);
            mp_put_str(&m, i == 9 ? "EL" : "FR", 2);
            mp_put_uint(&m, i == 10 ? 3 : 1);
            mp_put_bin(&m, k0.pk, 32);
            break;
        case 11:
        case 12:
        case 13:
            mp_put_array(&m, 5);
            mp_put_uint(&m, PROTO_RC_ROTATE_COMPROMISED);
            mp_put_bin(&m, k0.pk, 32);
            mp_put_bin(&m, k1.pk, 32);
            mp_put_uint(&m, i == 11 ? 0 : i == 12 ? 5 : RN_SEQ_MAX + 1);
            if (i == 12)
                mp_put_nil(&m);
            else
                mp_put_bin(&m, zero, 32);
            break;
        case 14:
            mp_put_array(&m, 2);
            mp_put_uint(&m, PROTO_RC_QUORUM);
            mp_put_uint(&m, 31);
            break;
        case 21:
            mp_put_array(&m, 3);
            mp_put_uint(&m, PROTO_RC_ROTATE);
            mp_put_bin(&m, k0.pk, 32);
            mp_put_nil(&m);
            break;
        default:
            mp_put_array(&m, 2);
            mp_put_uint(&m, PROTO_RC_QUORUM);
            mp_put_uint(&m, 0);
        }
        if (i == 15 || i == 16) {
            mp_put_array(&m, 2);
            mp_put_array(&m, 2);
            mp_put_bin(&m, hi, 32);
            mp_put_bin(&m, zero, 64);
            mp_put_array(&m, 2);
            mp_put_bin(&m, i == 15 ? lo : hi, 32);
            mp_put_bin(&m, zero, 64);
        } else if (i == 17 || i == 18) {
            mp_put_array(&m, 1);
            mp_put_array(&m, i == 18 ? 3 : 2);
            mp_put_bin(&m, k0.pk, 32);
            mp_put_bin(&m, zero, i == 17 ? 63 : 64);
            if (i == 18)
                mp_put_nil(&m);
        } else {
            mp_put_array(&m, 0);
        }
        if (i == 0)
            mp_put_nil(&m);
        assert_int_equal(mp_buf_err(&m), 0);
        memset(&d, 0, sizeof(d));
        int rc = proto_rosterchain_change_decode(out, m.data, m.len, &d);
        if (rc != want[i].code || d.field == NULL || strcmp(d.field, want[i].field) != 0 ||
            d.index != want[i].index)
            fail_msg("case %u: got %s %s[%u], want %s %s[%u]", i, rn_err_name(rc),
                     d.field ? d.field : "(null)", d.index, rn_err_name(want[i].code),
                     want[i].field, want[i].index);
        mp_buf_free(&m);
    }

    /* Random mutations never crash and, when accepted, re-encode to the same bytes. */
    uint64_t x = TEST_RNG_GOLDEN;
    for (int round = 0; round < 5000; round++) {
        memcpy(buf, b.data, b.len);
        for (int k = 0; k < 3; k++) {
            uint64_t r = test_xorshift64_next(&x);
            buf[r % b.len] = (uint8_t)(r >> 24);
        }
        if (proto_rosterchain_change_decode(out, buf, b.len, NULL) == 0) {
            mp_buf r;
            mp_buf_init(&r, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
            assert_int_equal(proto_rosterchain_change_encode(out, &r), 0);
            assert_int_equal(r.len, b.len);
            assert_memory_equal(r.data, buf, b.len);
            mp_buf_free(&r);
        }
    }
    free(buf);
    free(out);
    free(c);
    mp_buf_free(&b);
    proto_rosterchain_free(&ch);
}

/* ---- Quorum and signatures ---- */

static proto_rc_change *change_add(const proto_rosterchain *ch, unsigned key, const char *cc)
{
    proto_rc_change *c = change_new(ch, ch->versions[ch->versions_n - 1].issued_at + 1);
    proto_rc_op *o = op_push(c, PROTO_RC_ADD, key);
    snprintf(o->country, sizeof(o->country), "%s", cc);
    o->role = cc[0] != '\0' ? PROTO_ROLE_AUTHORITY : PROTO_ROLE_MIRROR;
    return c;
}

static void test_quorum(void **state)
{
    (void)state;
    proto_rosterchain ch;
    rn_diag d;
    chain_of(&ch, 5, 1, PROTO_QUORUM_MAJORITY); /* majority of 5: 3 */
    proto_rc_change *c = change_add(&ch, 60, "NL");
    expect_fail(&ch, c, RN_EQUORUM, "change.signatures", 0); /* none */
    sign_by(c, 0);
    sign_by(c, 1);
    expect_fail(&ch, c, RN_EQUORUM, "change.signatures", 0); /* 2 of 3 */

    /* The same signature twice is counted once (the decoder refuses the repetition; apply
     * counts distinct keys even when handed one in memory). */
    proto_rc_change *dup = malloc(sizeof(*dup));
    assert_non_null(dup);
    *dup = *c;
    dup->sigs[2] = dup->sigs[1];
    dup->sigs_n = 3;
    assert_int_equal(proto_rosterchain_apply(&ch, dup, &d), RN_EQUORUM);
    assert_int_equal(proto_rosterchain_version(&ch), 1);
    free(dup);

    /* A signature by a mirror, by a stranger, and a bad one. */
    proto_rc_change *m = malloc(sizeof(*m));
    assert_non_null(m);
    *m = *c;
    sign_by(m, 100);
    expect_fail(&ch, m, RN_EROLE, "signatures.key", sig_index(m, 100));
    *m = *c;
    sign_by(m, 77);
    expect_fail(&ch, m, RN_EROSTER, "signatures.key", sig_index(m, 77));
    *m = *c;
    sign_by(m, 2);
    m->sigs[sig_index(m, 2) - 1].sig[5] ^= 1;
    expect_fail(&ch, m, RN_ESIG, "signatures.sig", sig_index(m, 2));
    /* A signature over another change does not count for this one. */
    *m = *c;
    m->issued_at++;
    sign_by(m, 2);
    m->issued_at--;
    assert_int_equal(apply_via_bytes(&ch, m, &d), RN_ESIG);
    free(m);

    sign_by(c, 2);
    assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
    assert_int_equal(ch.versions[1].signers, 3);
    free(c);

    /* Now 6 authorities: the majority is 4. Key 0 removes key 4, signed by 0, 1, 2: not enough;
     * with 60 too, done. */
    c = change_new(&ch, 3000);
    op_push(c, PROTO_RC_REMOVE, 4);
    sign_by(c, 0);
    sign_by(c, 1);
    sign_by(c, 2);
    expect_fail(&ch, c, RN_EQUORUM, "change.signatures", 0);
    sign_by(c, 60);
    assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
    free(c);

    /* A removed member signs no more. */
    c = change_add(&ch, 61, "");
    sign_by(c, 0);
    sign_by(c, 1);
    sign_by(c, 4);
    expect_fail(&ch, c, RN_EROSTER, "signatures.key", sig_index(c, 4));
    free(c);
    proto_rosterchain_free(&ch);
}

static void test_links(void **state)
{
    (void)state;
    proto_rosterchain ch;
    rn_diag d;
    chain_of(&ch, 3, 0, PROTO_QUORUM_MAJORITY);
    proto_rc_change *c = change_add(&ch, 60, "NL");
    c->prev[0] ^= 1;
    sign_by(c, 0);
    sign_by(c, 1);
    expect_fail(&ch, c, RN_EPREV, "change.prev", 0);
    c->prev[0] ^= 1;
    c->version = 3;
    expect_fail(&ch, c, RN_ESEQ, "change.version", 0);
    c->version = 2;
    c->issued_at = 999; /* before the genesis (1000) */
    expect_fail(&ch, c, RN_ETIME, "change.issued_at", 0);
    c->issued_at = 1000;
    sign_by(c, 0);
    sign_by(c, 1);
    assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
    /* The same change again: now a version gap (it claims 2, the chain is at 2). */
    expect_fail(&ch, c, RN_ESEQ, "change.version", 0);
    free(c);
    proto_rosterchain_free(&ch);
}

static void test_invalid_rosters(void **state)
{
    (void)state;
    proto_rosterchain ch;
    chain_of(&ch, 3, 1, PROTO_QUORUM_MAJORITY);
    /* Two authorities of one country (AT is key 0's). */
    proto_rc_change *c = change_add(&ch, 60, "AT");
    sign_by(c, 0);
    sign_by(c, 1);
    expect_fail(&ch, c, RN_EDUPLICATE, "roster.country", 0);
    free(c);
    /* A key already a member. */
    c = change_add(&ch, 1, "NL");
    expect_fail(&ch, c, RN_EDUPLICATE, "ops.key", 1);
    free(c);
    /* An authority without a country. */
    c = change_new(&ch, 2000);
    proto_rc_op *o = op_push(c, PROTO_RC_ADD, 60);
    o->role = PROTO_ROLE_AUTHORITY;
    expect_fail(&ch, c, RN_ECOUNTRY, "ops.country", 1);
    free(c);
    /* Removing a stranger; rotating a mirror; a set that changes nothing. */
    c = change_new(&ch, 2000);
    op_push(c, PROTO_RC_REMOVE, 77);
    expect_fail(&ch, c, RN_EROSTER, "ops.key", 1);
    free(c);
    c = change_new(&ch, 2000);
    o = op_push(c, PROTO_RC_ROTATE, 100);
    kp n = key_of(61);
    memcpy(o->new_key, n.pk, 32);
    expect_fail(&ch, c, RN_EROLE, "ops.key", 1);
    free(c);
    c = change_new(&ch, 2000);
    o = op_push(c, PROTO_RC_SET, 0);
    memcpy(o->country, "AT", 3);
    o->role = PROTO_ROLE_AUTHORITY;
    expect_fail(&ch, c, RN_EINCONSISTENT, "ops.role", 1);
    free(c);
    /* Rotating to a key that is a member; one key in two ops; two quorum ops. */
    c = change_new(&ch, 2000);
    o = op_push(c, PROTO_RC_ROTATE, 0);
    n = key_of(1);
    memcpy(o->new_key, n.pk, 32);
    expect_fail(&ch, c, RN_EDUPLICATE, "ops.new_key", 1);
    free(c);
    c = change_new(&ch, 2000);
    op_push(c, PROTO_RC_REMOVE, 100);
    op_push(c, PROTO_RC_REMOVE, 100);
    expect_fail(&ch, c, RN_EDUPLICATE, "ops.key", 2);
    free(c);
    c = change_new(&ch, 2000);
    op_push(c, PROTO_RC_QUORUM, 0)->quorum = 2;
    op_push(c, PROTO_RC_QUORUM, 0)->quorum = 1;
    expect_fail(&ch, c, RN_EDUPLICATE, "ops.quorum", 2);
    free(c);
    /* A quorum above the authorities; no authority left. */
    c = change_new(&ch, 2000);
    op_push(c, PROTO_RC_QUORUM, 0)->quorum = 4;
    expect_fail(&ch, c, RN_ECOUNT, "quorum", 0);
    free(c);
    c = change_new(&ch, 2000);
    for (unsigned i = 0; i < 3; i++)
        op_push(c, PROTO_RC_REMOVE, i);
    expect_fail(&ch, c, RN_ECOUNT, "roster.authorities", 0);
    free(c);
    /* Removing a fixed-quorum's authorities below the quorum. */
    c = change_new(&ch, 2000);
    op_push(c, PROTO_RC_QUORUM, 0)->quorum = 3;
    op_push(c, PROTO_RC_REMOVE, 2);
    expect_fail(&ch, c, RN_ECOUNT, "quorum", 0);
    free(c);
    /* proto_rosterchain_check agrees with apply on ops and ignores signatures. */
    c = change_add(&ch, 60, "NL");
    assert_int_equal(proto_rosterchain_check(&ch, c, NULL), 0);
    free(c);
    /* A removed key never comes back. */
    c = change_new(&ch, 2000);
    op_push(c, PROTO_RC_REMOVE, 100);
    sign_by(c, 0);
    sign_by(c, 1);
    rn_diag d;
    assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
    free(c);
    c = change_add(&ch, 100, "");
    expect_fail(&ch, c, RN_EDUPLICATE, "ops.key", 1);
    free(c);
    proto_rosterchain_free(&ch);
}

static void test_rotations(void **state)
{
    (void)state;
    proto_rosterchain ch;
    rn_diag d;
    chain_of(&ch, 5, 0, 2);
    /* Planned: key 3 -> 53, signed by 0 and 1 (the quorum) but not by 3: refused. */
    proto_rc_change *c = change_new(&ch, 2000);
    proto_rc_op *o = op_push(c, PROTO_RC_ROTATE, 3);
    kp k53 = key_of(53);
    memcpy(o->new_key, k53.pk, 32);
    sign_by(c, 0);
    sign_by(c, 1);
    expect_fail(&ch, c, RN_EMISSING, "ops.key", 1);
    sign_by(c, 3);
    assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
    free(c);
    /* Compromised: key 4 -> 54 by the quorum alone, the last trusted entry named. */
    c = change_new(&ch, 3000);
    o = op_push(c, PROTO_RC_ROTATE_COMPROMISED, 4);
    kp k54 = key_of(54);
    memcpy(o->new_key, k54.pk, 32);
    o->last_seq = 17;
    memset(o->last_id, 0x17, 32);
    sign_by(c, 0);
    sign_by(c, 53); /* the rotated key signs as the authority it now is */
    assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
    free(c);
    /* The old keys sign nothing any more. */
    c = change_add(&ch, 60, "NL");
    sign_by(c, 3);
    sign_by(c, 0);
    expect_fail(&ch, c, RN_EROSTER, "signatures.key", sig_index(c, 3));
    free(c);
    /* Then 54 rotates again (planned) to 55. */
    c = change_new(&ch, 4000);
    o = op_push(c, PROTO_RC_ROTATE, 54);
    kp k55 = key_of(55);
    memcpy(o->new_key, k55.pk, 32);
    sign_by(c, 54);
    sign_by(c, 0);
    assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
    free(c);

    /* History of the FR... of countries[4]'s authority, from any of its keys. */
    const proto_rc_period *h[8];
    kp k4 = key_of(4);
    for (int from = 0; from < 3; from++) {
        const uint8_t *start = from == 0 ? k4.pk : from == 1 ? k54.pk : k55.pk;
        assert_int_equal(proto_rosterchain_history(&ch, start, h, 8), 3);
        assert_memory_equal(h[0]->key, k4.pk, 32);
        assert_int_equal(h[0]->from, 1);
        assert_int_equal(h[0]->until, 3);
        assert_int_equal(h[0]->end, PROTO_RC_END_COMPROMISED);
        assert_int_equal(h[0]->last_seq, 17);
        assert_memory_equal(h[0]->next, k54.pk, 32);
        assert_memory_equal(h[1]->key, k54.pk, 32);
        assert_int_equal(h[1]->from, 3);
        assert_int_equal(h[1]->until, 4);
        assert_int_equal(h[1]->end, PROTO_RC_END_ROTATED);
        assert_memory_equal(h[2]->key, k55.pk, 32);
        assert_int_equal(h[2]->from, 4);
        assert_int_equal(h[2]->until, 0);
        assert_string_equal(h[2]->country, countries[4]);
    }
    kp k3 = key_of(3);
    assert_int_equal(proto_rosterchain_history(&ch, k3.pk, h, 1), 2);
    assert_int_equal(h[0]->end, PROTO_RC_END_ROTATED);
    kp k77 = key_of(77);
    assert_int_equal(proto_rosterchain_history(&ch, k77.pk, h, 8), RN_ENOTFOUND);

    /* The roster in force at each version. */
    proto_roster r;
    for (uint64_t v = 1; v <= 4; v++) {
        assert_int_equal(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX), 0);
        assert_int_equal(proto_rosterchain_roster_at(&ch, v, &r), 0);
        assert_int_equal(r.count, 5);
        assert_true((proto_roster_find(&r, k4.pk) != NULL) == (v < 3));
        assert_true((proto_roster_find(&r, k54.pk) != NULL) == (v == 3));
        assert_true((proto_roster_find(&r, k55.pk) != NULL) == (v == 4));
        assert_true((proto_roster_find(&r, k3.pk) != NULL) == (v == 1));
        proto_roster_free(&r);
    }
    proto_rosterchain_free(&ch);
}

/* ---- A long chain and a reference model ---- */

static void test_chain_of_ten(void **state)
{
    (void)state;
    proto_rosterchain ch;
    rn_diag d;
    chain_of(&ch, 3, 0, PROTO_QUORUM_MAJORITY);
    for (unsigned i = 0; i < 10; i++) {
        proto_rc_change *c = change_add(&ch, 200 + i, countries[3 + i]);
        size_t auth = 3 + i;
        uint32_t need = proto_rosterchain_quorum_need(PROTO_QUORUM_MAJORITY, auth);
        for (unsigned s = 0; s < need; s++)
            sign_by(c, s < 3 ? s : 200 + s - 3);
        assert_int_equal(apply_via_bytes(&ch, c, &d), 0);
        free(c);
    }
    assert_int_equal(proto_rosterchain_version(&ch), 11);
    assert_int_equal(ch.current.count, 13);
    for (uint64_t v = 1; v <= 11; v++) {
        proto_roster r;
        assert_int_equal(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX), 0);
        assert_int_equal(proto_rosterchain_roster_at(&ch, v, &r), 0);
        assert_int_equal(r.count, 2 + v);
        proto_roster_free(&r);
    }
    /* Each version's hash is H(body) and the next change's prev. */
    for (uint64_t v = 2; v <= 11; v++)
        assert_false(sodium_is_zero(ch.versions[v - 1].hash, 32));
    proto_rosterchain_free(&ch);
}

/* The model: members as (key number, country index or -1, role), a quorum rule. */
typedef struct model_member {
    unsigned key;
    int country;
    proto_role role;
    bool present;
} model_member;

#define MODEL_KEYS 64u

typedef struct model {
    model_member m[MODEL_KEYS]; /* by key number */
    bool used[MODEL_KEYS];      /* ever a member */
    uint64_t quorum;
} model;

static uint64_t rnd(uint64_t *x)
{
    return test_xorshift64_next(x);
}

static void model_check(const model *mo, const proto_roster *r)
{
    size_t n = 0;
    for (unsigned k = 0; k < MODEL_KEYS; k++) {
        if (!mo->m[k].present)
            continue;
        n++;
        kp p = key_of(k);
        const proto_member *m = proto_roster_find(r, p.pk);
        assert_non_null(m);
        assert_int_equal(m->role, mo->m[k].role);
        assert_string_equal(m->country, mo->m[k].country < 0 ? "" : countries[mo->m[k].country]);
    }
    assert_int_equal(r->count, n);
}

static void test_reference_model(void **state)
{
    (void)state;
    for (uint64_t seed = 1; seed <= 8; seed++) {
        uint64_t x = seed * TEST_RNG_GOLDEN;
        model mo;
        memset(&mo, 0, sizeof(mo));
        proto_rosterchain ch;
        chain_of(&ch, 4, 0, PROTO_QUORUM_MAJORITY);
        for (unsigned k = 0; k < 4; k++) {
            mo.m[k] = (model_member){ k, (int)k, PROTO_ROLE_AUTHORITY, true };
            mo.used[k] = true;
        }
        model history[64];
        history[0] = mo;
        for (unsigned step = 0; step < 60; step++) {
            proto_rc_change *c = change_new(&ch, 2000 + step);
            model next = mo;
            bool valid = true;
            unsigned nops = 1 + (unsigned)(rnd(&x) % 3);
            bool touched[MODEL_KEYS] = { false };
            bool quorum_op = false;
            for (unsigned i = 0; i < nops; i++) {
                unsigned t = 1 + (unsigned)(rnd(&x) % 6), k = (unsigned)(rnd(&x) % 20);
                unsigned nk = 20 + (unsigned)(rnd(&x) % 44);
                int cc = (int)(rnd(&x) % 8) - 1; /* few countries: collisions happen */
                proto_role role = rnd(&x) % 3 == 0 ? PROTO_ROLE_MIRROR : PROTO_ROLE_AUTHORITY;
                if (role == PROTO_ROLE_AUTHORITY && cc < 0)
                    cc = 0;
                proto_rc_op *o = op_push(c, (proto_rc_optype)t, k);
                if (t == PROTO_RC_QUORUM) {
                    o->quorum = rnd(&x) % 4;
                    if (quorum_op)
                        valid = false;
                    quorum_op = true;
                    next.quorum = o->quorum;
                    continue;
                }
                if (touched[k])
                    valid = false;
                touched[k] = true;
                if (t == PROTO_RC_ADD || t == PROTO_RC_SET) {
                    memcpy(o->country, cc < 0 ? "" : countries[cc], cc < 0 ? 1 : 3);
                    o->role = role;
                }
                if (t == PROTO_RC_ROTATE || t == PROTO_RC_ROTATE_COMPROMISED) {
                    kp n = key_of(nk);
                    memcpy(o->new_key, n.pk, 32);
                    if (touched[nk])
                        valid = false;
                    touched[nk] = true;
                }
                model_member *m = &next.m[k];
                switch (t) {
                case PROTO_RC_ADD:
                    if (m->present || next.used[k])
                        valid = false;
                    *m = (model_member){ k, cc, role, true };
                    next.used[k] = true;
                    break;
                case PROTO_RC_REMOVE:
                    if (!m->present)
                        valid = false;
                    m->present = false;
                    break;
                case PROTO_RC_SET:
                    if (!m->present || (m->country == cc && m->role == role))
                        valid = false;
                    m->country = cc;
                    m->role = role;
                    break;
                default: /* rotations */
                    if (!m->present || m->role != PROTO_ROLE_AUTHORITY || next.used[nk])
                        valid = false;
                    next.m[nk] = (model_member){ nk, m->country, m->role, true };
                    next.used[nk] = true;
                    m->present = false;
                    break;
                }
            }
            /* The model's roster rules: one authority per country, at least one authority, a
             * fixed quorum no larger than the authorities. */
            unsigned auth = 0;
            bool country_taken[30] = { false };
            for (unsigned k = 0; k < MODEL_KEYS; k++) {
                const model_member *m = &next.m[k];
                if (!m->present || m->role != PROTO_ROLE_AUTHORITY)
                    continue;
                auth++;
                if (country_taken[m->country])
                    valid = false;
                country_taken[m->country] = true;
            }
            if (auth == 0 || next.quorum > auth)
                valid = false;
            /* Sign by every authority in force (and so by the old key of a rotation). */
            for (unsigned k = 0; k < MODEL_KEYS; k++)
                if (mo.m[k].present && mo.m[k].role == PROTO_ROLE_AUTHORITY)
                    sign_by(c, k);
            rn_diag d;
            int rc = apply_via_bytes(&ch, c, &d);
            if (valid != (rc == 0))
                fail_msg("seed %llu step %u: model says %s, chain says %s (%s)",
                         (unsigned long long)seed, step, valid ? "valid" : "invalid",
                         rn_err_name(rc), d.field ? d.field : "-");
            if (rc == 0) {
                mo = next;
                history[proto_rosterchain_version(&ch) - 1] = mo;
            }
            model_check(&mo, &ch.current);
            free(c);
        }
        /* The random changes are neither all refused nor all accepted. */
        assert_true(proto_rosterchain_version(&ch) > 5 && proto_rosterchain_version(&ch) < 61);
        for (uint64_t v = 1; v <= proto_rosterchain_version(&ch); v++) {
            proto_roster r;
            assert_int_equal(proto_roster_init(&r, RN_ROSTER_MEMBERS_MAX), 0);
            assert_int_equal(proto_rosterchain_roster_at(&ch, v, &r), 0);
            model_check(&history[v - 1], &r);
            assert_int_equal(proto_rosterchain_quorum_at(&ch, v), (int64_t)history[v - 1].quorum);
            proto_roster_free(&r);
        }
        proto_rosterchain_free(&ch);
    }
}

/* ---- The fuzzing seed corpus (RN_WRITE_CORPUS=<dir>) ---- */

static void write_seed(const char *dir, const char *name, const proto_rc_change *c)
{
    char path[512];
    mp_buf b;
    mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
    assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b.data, 1, b.len, f), b.len);
    assert_int_equal(fclose(f), 0);
    mp_buf_free(&b);
}

static void test_write_corpus(void **state)
{
    (void)state;
    const char *dir = getenv("RN_WRITE_CORPUS");
    if (dir == NULL)
        skip();
    /* The harness's genesis: IE, FR, NL of seeds {1..}, {2..}, {3..}; majority; time 1000. */
    static const char *const cc[3] = { "IE", "FR", "NL" };
    kp fx[3];
    proto_roster r;
    assert_int_equal(proto_roster_init(&r, 4), 0);
    for (unsigned i = 0; i < 3; i++) {
        uint8_t seed[PROTO_SEED_BYTES];
        memset(seed, (int)i + 1, sizeof(seed));
        proto_key_sk_derive(seed, fx[i].sk, fx[i].pk);
        assert_int_equal(proto_roster_add(&r, cc[i], 2, PROTO_ROLE_AUTHORITY, fx[i].pk), 0);
    }
    mp_buf g;
    mp_buf_init(&g, 512);
    assert_int_equal(proto_rosterchain_genesis_encode("fuzz", 4, 0, 1000, &r, &g), 0);
    proto_roster_free(&r);
    proto_rosterchain ch;
    assert_int_equal(proto_rosterchain_init(&ch, g.data, g.len, NULL), 0);
    mp_buf_free(&g);
    proto_rc_change *c = change_all_ops(&ch);
    c->sigs_n = 0;
    /* Ops about keys of this genesis: replace the test keys by the fixture's. */
    memcpy(c->ops[2].key, fx[2].pk, 32); /* set NL -> PT */
    memcpy(c->ops[3].key, fx[1].pk, 32); /* rotate FR, planned */
    c->ops[4].type = PROTO_RC_QUORUM;    /* no fourth authority to compromise: quorum */
    c->ops[4].quorum = 2;
    c->ops_n = 5;
    c->ops[1] = c->ops[0]; /* no mirror to remove: add twice is refused, so drop it */
    memmove(&c->ops[1], &c->ops[2], 4 * sizeof(c->ops[0]));
    c->ops_n = 4;
    c->ops[3].type = PROTO_RC_ROTATE_COMPROMISED;
    memcpy(c->ops[3].key, fx[0].pk, 32);
    kp n = key_of(60);
    memcpy(c->ops[3].new_key, n.pk, 32);
    c->ops[3].last_seq = 9;
    memset(c->ops[3].last_id, 9, 32);
    for (unsigned i = 0; i < 3; i++)
        assert_int_equal(proto_rosterchain_change_sign(c, fx[i].sk, fx[i].pk), 0);
    rn_diag d;
    assert_int_equal(proto_rosterchain_check(&ch, c, &d), 0);
    write_seed(dir, "applies-all-ops", c);
    proto_rc_change *one = change_add(&ch, 61, "");
    for (unsigned i = 0; i < 2; i++)
        assert_int_equal(proto_rosterchain_change_sign(one, fx[i].sk, fx[i].pk), 0);
    write_seed(dir, "applies-add-mirror", one);
    one->sigs_n = 1;
    write_seed(dir, "short-of-quorum", one);
    free(one);
    free(c);
    proto_rosterchain_free(&ch);
}

int main(void)
{
    if (sodium_init() < 0)
        return 1;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_genesis),
        cmocka_unit_test(test_genesis_negative),
        cmocka_unit_test(test_change_round_trip),
        cmocka_unit_test(test_change_decode_negative),
        cmocka_unit_test(test_quorum),
        cmocka_unit_test(test_links),
        cmocka_unit_test(test_invalid_rosters),
        cmocka_unit_test(test_rotations),
        cmocka_unit_test(test_chain_of_ten),
        cmocka_unit_test(test_change_bound),
        cmocka_unit_test(test_write_corpus),
        cmocka_unit_test(test_reference_model),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
