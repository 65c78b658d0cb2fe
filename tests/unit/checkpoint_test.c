/*
 * checkpoint_test.c: checkpoints, cosignatures, the witness rule, witnessed bundles and signed
 * answers (proto/checkpoint.h, PROTOCOL.md 16 and 5.5), over the federation of
 * tests/fuzz/proof_fixture.h (authorities of IE, FR and DE, one mirror; an outsider).
 *
 * Round trips first, then every way the strict decoders refuse a checkpoint, a witnessed bundle
 * and a signed answer (wrong lengths, order, trailing bytes, unknown versions, non-canonical
 * forms), bad signatures, each refusal of the witness rule, and the coverage rules of a
 * witnessed bundle: enough and too few witnesses, the signer never counted, stale checkpoints,
 * a head below an entry, another id at an entry's seq.
 *
 * Set RN_WRITE_CORPUS=<dir> to also write seeds for tests/fuzz/fuzz_checkpoint.c (<dir>/checkpoint)
 * and tests/fuzz/fuzz_answer.c (<dir>/answer), made with the harnesses' keys (seeds {1..} to
 * {4..}).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "proto/checkpoint.h"
#include "tests/fuzz/proof_fixture.h"

static pf_world W;
static proto_roster R;
/* Ids of the fixture's entries. */
static uint8_t id_provider[32], id_spec[32], id_revocation[32], id_decision[32];
static uint8_t id_other[32]; /* an id no entry has */

#define T0 PF_T_2025_03_01

static int group_setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    pf_world_build(&W);
    pf_roster_build(&W, &R);
    proto_entry_id(W.provider.b, W.provider.len, id_provider);
    proto_entry_id(W.spec.b, W.spec.len, id_spec);
    proto_entry_id(W.revocation.b, W.revocation.len, id_revocation);
    proto_entry_id(W.decision.b, W.decision.len, id_decision);
    memset(id_other, 0xee, sizeof(id_other));
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    proto_roster_free(&R);
    return 0;
}

static proto_checkpoint *cp_new(void)
{
    proto_checkpoint *cp = calloc(1, sizeof(*cp));
    assert_non_null(cp);
    return cp;
}

/* The two authors' keys in ascending order, with the heads given for each. */
static void set_heads(proto_checkpoint *cp, uint64_t ie_seq, const uint8_t *ie_id, uint64_t fr_seq,
                      const uint8_t *fr_id)
{
    bool ie_first = memcmp(W.ie.pk, W.fr.pk, 32) < 0;
    proto_cp_head ie = { W.ie.pk, ie_seq, ie_id }, fr = { W.fr.pk, fr_seq, fr_id };
    cp->heads_n = 2;
    cp->heads[0] = ie_first ? ie : fr;
    cp->heads[1] = ie_first ? fr : ie;
}

/* A checkpoint by `signer` at `t` holding IE at seq 3 and FR at seq 1 (the decision's id: FR's
 * head in this test is its first entry), cosigned by each of `wits` at t + 1. */
static void cp_make(proto_checkpoint *cp, const pf_author *signer, uint64_t t,
                    const pf_author *const *wits, size_t nw)
{
    memset(cp, 0, sizeof(*cp));
    memcpy(cp->signer, signer->pk, 32);
    cp->time_ms = t;
    cp->roster_version = 1;
    set_heads(cp, 3, id_revocation, 1, id_decision);
    assert_int_equal(proto_checkpoint_sign(cp, signer->sk, NULL), 0);
    for (size_t i = 0; i < nw; i++) {
        proto_cosig c;
        proto_cosig_make(cp->hash, t + 1, wits[i]->sk, &c);
        assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), 0);
    }
}

#define WITS(...)  ((const pf_author *const[]){ __VA_ARGS__ })
#define NWITS(...) (sizeof((const pf_author *const[]){ __VA_ARGS__ }) / sizeof(void *))

static void cp_bytes(const proto_checkpoint *cp, mp_buf *b)
{
    mp_buf_init(b, RN_CHECKPOINT_BYTES_MAX);
    assert_int_equal(proto_checkpoint_encode(cp, b, NULL), 0);
}

/* ---- Round trips ---- */

static void test_round_trip(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new(), *back = cp_new();
    cp_make(cp, &W.de, T0, WITS(&W.ie, &W.mirror, &W.outsider), 3);
    assert_int_equal(cp->cosigs_n, 3);
    for (uint32_t i = 1; i < cp->cosigs_n; i++)
        assert_true(memcmp(cp->cosigs[i - 1].witness, cp->cosigs[i].witness, 32) < 0);
    mp_buf b, b2;
    cp_bytes(cp, &b);
    rn_diag d = { 0 };
    assert_int_equal(proto_checkpoint_decode(back, b.data, b.len, &d), 0);
    assert_memory_equal(back->signer, W.de.pk, 32);
    assert_int_equal(back->time_ms, T0);
    assert_int_equal(back->roster_version, 1);
    assert_int_equal(back->heads_n, 2);
    assert_memory_equal(back->hash, cp->hash, 32);
    assert_memory_equal(back->sig, cp->sig, 64);
    assert_int_equal(back->cosigs_n, 3);
    const proto_cp_head *h = proto_checkpoint_head(back, W.ie.pk);
    assert_non_null(h);
    assert_int_equal(h->seq, 3);
    assert_memory_equal(h->id, id_revocation, 32);
    assert_null(proto_checkpoint_head(back, W.de.pk));
    uint8_t hash[32];
    assert_int_equal(proto_checkpoint_hash(back, hash), 0);
    assert_memory_equal(hash, cp->hash, 32);
    /* The same bytes again. */
    cp_bytes(back, &b2);
    assert_int_equal(b2.len, b.len);
    assert_memory_equal(b2.data, b.data, b.len);
    /* Verifies: the outsider's cosignature verifies but is not counted. */
    uint32_t wn = 99;
    int status[RN_CHECKPOINT_COSIGS_MAX];
    assert_int_equal(proto_checkpoint_verify(back, &R, &wn, status, &d), 0);
    assert_int_equal(wn, 2);
    int outsiders = 0;
    for (uint32_t i = 0; i < back->cosigs_n; i++) {
        if (memcmp(back->cosigs[i].witness, W.outsider.pk, 32) == 0) {
            assert_int_equal(status[i], RN_EROSTER);
            outsiders++;
        } else {
            assert_int_equal(status[i], 0);
        }
    }
    assert_int_equal(outsiders, 1);
    mp_buf_free(&b);
    mp_buf_free(&b2);
    free(cp);
    free(back);
}

static void test_encode_refuses(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new();
    mp_buf b;
    rn_diag d;
    mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
    cp_make(cp, &W.de, T0, NULL, 0);
    /* Heads out of order, twice, none, seq 0. */
    proto_cp_head t = cp->heads[0];
    cp->heads[0] = cp->heads[1];
    cp->heads[1] = t;
    assert_int_equal(proto_checkpoint_encode(cp, &b, &d), RN_EFIELDORDER);
    assert_int_equal(b.len, 0);
    cp->heads[0] = cp->heads[1];
    assert_int_equal(proto_checkpoint_encode(cp, &b, &d), RN_EDUPLICATE);
    cp_make(cp, &W.de, T0, NULL, 0);
    cp->heads_n = 0;
    assert_int_equal(proto_checkpoint_encode(cp, &b, &d), RN_ECOUNT);
    cp_make(cp, &W.de, T0, NULL, 0);
    cp->heads[1].seq = 0;
    assert_int_equal(proto_checkpoint_encode(cp, &b, &d), RN_ESEQ);
    assert_int_equal(d.index, 2);
    cp_make(cp, &W.de, T0, NULL, 0);
    cp->roster_version = 0;
    assert_int_equal(proto_checkpoint_encode(cp, &b, &d), RN_EVERSION);
    cp_make(cp, &W.de, T0, NULL, 0);
    cp->time_ms = RN_TIME_MS_MAX + 1;
    assert_int_equal(proto_checkpoint_encode(cp, &b, &d), RN_ETIME);
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, &d), RN_ETIME);
    assert_int_equal(b.len, 0);
    /* Signing with another key than the signer's. */
    cp_make(cp, &W.de, T0, NULL, 0);
    assert_int_equal(proto_checkpoint_sign(cp, W.ie.sk, &d), RN_EINVAL);
    /* A cosignature by the signer cannot be added or written. */
    proto_cosig c;
    proto_cosig_make(cp->hash, T0, W.de.sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), RN_EINCONSISTENT);
    cp->cosigs[0] = c;
    cp->cosigs_n = 1;
    assert_int_equal(proto_checkpoint_encode(cp, &b, &d), RN_EINVAL);
    assert_int_equal(b.len, 0);
    mp_buf_free(&b);
    free(cp);
}

/* A raw checkpoint with knobs, for the decoder's negative cases. */
typedef struct raw {
    uint32_t top_n, body_n, head_n, cosig_n; /* array sizes */
    uint64_t version, time, roster_version;
    const uint8_t *signer;
    uint32_t signer_len;
    uint32_t heads_n;
    const uint8_t *authors[3];
    uint64_t seqs[3];
    uint32_t id_len;
    uint32_t sig_len;
    uint32_t cosigs_n;
    const uint8_t *witnesses[3];
    uint64_t cosig_time;
    bool trailing;
    bool long_time; /* the time in uint64 form: not canonical */
} raw;

static const uint8_t *lo_author(void)
{
    return memcmp(W.ie.pk, W.fr.pk, 32) < 0 ? W.ie.pk : W.fr.pk;
}
static const uint8_t *hi_author(void)
{
    return memcmp(W.ie.pk, W.fr.pk, 32) < 0 ? W.fr.pk : W.ie.pk;
}
static const uint8_t *lo_witness(void)
{
    return memcmp(W.ie.pk, W.mirror.pk, 32) < 0 ? W.ie.pk : W.mirror.pk;
}
static const uint8_t *hi_witness(void)
{
    return memcmp(W.ie.pk, W.mirror.pk, 32) < 0 ? W.mirror.pk : W.ie.pk;
}

static raw raw_ok(void)
{
    raw r = {
        .top_n = 3,
        .body_n = 5,
        .head_n = 3,
        .cosig_n = 3,
        .version = 1,
        .time = T0,
        .roster_version = 1,
        .signer = W.de.pk,
        .signer_len = 32,
        .heads_n = 2,
        .seqs = { 3, 1 },
        .id_len = 32,
        .sig_len = 64,
        .cosigs_n = 2,
        .cosig_time = T0 + 1,
    };
    r.authors[0] = lo_author();
    r.authors[1] = hi_author();
    r.witnesses[0] = lo_witness();
    r.witnesses[1] = hi_witness();
    return r;
}

static void raw_write(const raw *r, mp_buf *b)
{
    static const uint8_t zeros[128];
    mp_buf_reset(b);
    mp_put_array(b, r->top_n);
    mp_put_array(b, r->body_n);
    mp_put_uint(b, r->version);
    mp_put_bin(b, r->signer, r->signer_len);
    if (r->long_time) {
        uint8_t t[9] = { 0xcf };
        for (int i = 0; i < 8; i++)
            t[1 + i] = (uint8_t)(r->time >> (56 - 8 * i));
        mp_buf_raw(b, t, sizeof(t));
    } else {
        mp_put_uint(b, r->time);
    }
    mp_put_uint(b, r->roster_version);
    mp_put_array(b, r->heads_n);
    for (uint32_t i = 0; i < r->heads_n; i++) {
        mp_put_array(b, r->head_n);
        mp_put_bin(b, r->authors[i], 32);
        mp_put_uint(b, r->seqs[i]);
        mp_put_bin(b, zeros, r->id_len);
    }
    mp_put_bin(b, zeros, r->sig_len);
    mp_put_array(b, r->cosigs_n);
    for (uint32_t i = 0; i < r->cosigs_n; i++) {
        mp_put_array(b, r->cosig_n);
        mp_put_bin(b, r->witnesses[i], 32);
        mp_put_uint(b, r->cosig_time);
        mp_put_bin(b, zeros, 64);
    }
    if (r->trailing)
        mp_put_nil(b);
    assert_int_equal(mp_buf_err(b), 0);
}

static proto_checkpoint *SCRATCH;

static void expect_raw(const raw *r, int rc, const char *field, unsigned index)
{
    mp_buf b;
    rn_diag d = { 0 };
    mp_buf_init(&b, 4 * RN_CHECKPOINT_BYTES_MAX);
    raw_write(r, &b);
    int got = proto_checkpoint_decode(SCRATCH, b.data, b.len, &d);
    if (got != rc)
        print_error("decode: %d at %s[%u]\n", got, d.field ? d.field : "-", d.index);
    assert_int_equal(got, rc);
    if (field != NULL) {
        assert_non_null(d.field);
        assert_string_equal(d.field, field);
        assert_int_equal(d.index, index);
    }
    mp_buf_free(&b);
}

static void test_decode_refuses(void **state)
{
    (void)state;
    SCRATCH = cp_new();
    raw r = raw_ok();
    expect_raw(&r, 0, NULL, 0);

    /* Every proper prefix is truncated. */
    {
        mp_buf b;
        mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
        raw_write(&r, &b);
        for (size_t n = 0; n < b.len; n++)
            assert_int_equal(proto_checkpoint_decode(SCRATCH, b.data, n, NULL), RN_ETRUNCATED);
        mp_buf_free(&b);
    }
    r = raw_ok(), r.trailing = true, expect_raw(&r, RN_ETRAILING, "checkpoint", 0);
    r = raw_ok(), r.top_n = 2, expect_raw(&r, RN_ECOUNT, "checkpoint", 0);
    r = raw_ok(), r.top_n = 4, expect_raw(&r, RN_ECOUNT, "checkpoint", 0);
    r = raw_ok(), r.body_n = 4, expect_raw(&r, RN_ECOUNT, "checkpoint.body", 0);
    r = raw_ok(), r.body_n = 6, expect_raw(&r, RN_ECOUNT, "checkpoint.body", 0);
    r = raw_ok(), r.version = 2, expect_raw(&r, RN_EVERSION, "checkpoint.version", 0);
    r = raw_ok(), r.version = 0, expect_raw(&r, RN_EVERSION, "checkpoint.version", 0);
    r = raw_ok(), r.signer_len = 31, expect_raw(&r, RN_ELEN, "checkpoint.signer", 0);
    r = raw_ok(), r.signer_len = 33, expect_raw(&r, RN_ELEN, "checkpoint.signer", 0);
    {
        uint8_t bad[32];
        memset(bad, 0, sizeof(bad)); /* the identity: not a valid key */
        r = raw_ok(), r.signer = bad, expect_raw(&r, RN_EKEY, "checkpoint.signer", 0);
    }
    r = raw_ok(), r.time = RN_TIME_MS_MAX + 1, expect_raw(&r, RN_ETIME, "checkpoint.time", 0);
    r = raw_ok(), r.time = RN_TIME_MS_MAX, expect_raw(&r, 0, NULL, 0);
    r = raw_ok(), r.long_time = true, r.time = 1000,
    expect_raw(&r, RN_ENONCANON, "checkpoint.time", 0);
    r = raw_ok(), r.roster_version = 0, expect_raw(&r, RN_EVERSION, "checkpoint.roster_version", 0);
    r = raw_ok(), r.roster_version = RN_ROSTERCHAIN_VERSIONS_MAX + 1,
    expect_raw(&r, RN_EVERSION, "checkpoint.roster_version", 0);
    r = raw_ok(), r.heads_n = 0, expect_raw(&r, RN_ECOUNT, "checkpoint.heads", 0);
    r = raw_ok(), r.head_n = 2, expect_raw(&r, RN_ECOUNT, "checkpoint.heads", 1);
    r = raw_ok(), r.head_n = 4, expect_raw(&r, RN_ECOUNT, "checkpoint.heads", 1);
    r = raw_ok(), r.authors[0] = hi_author(), r.authors[1] = lo_author(),
    expect_raw(&r, RN_EFIELDORDER, "checkpoint.heads.author", 2);
    r = raw_ok(), r.authors[1] = lo_author(),
    expect_raw(&r, RN_EDUPLICATE, "checkpoint.heads.author", 2);
    r = raw_ok(), r.seqs[1] = 0, expect_raw(&r, RN_ESEQ, "checkpoint.heads.seq", 2);
    r = raw_ok(), r.seqs[0] = RN_SEQ_MAX + 1, expect_raw(&r, RN_ESEQ, "checkpoint.heads.seq", 1);
    r = raw_ok(), r.seqs[0] = RN_SEQ_MAX, expect_raw(&r, 0, NULL, 0);
    r = raw_ok(), r.id_len = 31, expect_raw(&r, RN_ELEN, "checkpoint.heads.id", 1);
    r = raw_ok(), r.sig_len = 63, expect_raw(&r, RN_ELEN, "checkpoint.signature", 0);
    r = raw_ok(), r.sig_len = 65, expect_raw(&r, RN_ELEN, "checkpoint.signature", 0);
    r = raw_ok(), r.cosigs_n = 0, expect_raw(&r, 0, NULL, 0);
    r = raw_ok(), r.cosig_n = 2, expect_raw(&r, RN_ECOUNT, "checkpoint.cosignatures", 1);
    r = raw_ok(), r.cosig_time = RN_TIME_MS_MAX + 1,
    expect_raw(&r, RN_ETIME, "checkpoint.cosignatures.time", 1);
    r = raw_ok(), r.witnesses[0] = hi_witness(), r.witnesses[1] = lo_witness(),
    expect_raw(&r, RN_EFIELDORDER, "checkpoint.cosignatures.witness", 2);
    r = raw_ok(), r.witnesses[1] = lo_witness(),
    expect_raw(&r, RN_EDUPLICATE, "checkpoint.cosignatures.witness", 2);
    /* The signer among its own witnesses. */
    r = raw_ok(), r.cosigs_n = 1, r.witnesses[0] = W.de.pk,
    expect_raw(&r, RN_EINCONSISTENT, "checkpoint.cosignatures.witness", 1);
    /* Too many heads, too many cosignatures (the counts are checked before the items). */
    r = raw_ok(), r.heads_n = 0;
    {
        mp_buf b;
        mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
        raw_write(&r, &b);
        /* Patch the empty heads array (0x90) into array16 of HEADS_MAX + 1. */
        uint8_t *p = memchr(b.data + 40, 0x90, b.len - 40);
        assert_non_null(p);
        size_t at = (size_t)(p - b.data);
        uint8_t big[3] = { 0xdc, (RN_CHECKPOINT_HEADS_MAX + 1) >> 8,
                           (RN_CHECKPOINT_HEADS_MAX + 1) & 0xff };
        mp_buf c;
        mp_buf_init(&c, RN_CHECKPOINT_BYTES_MAX);
        mp_buf_raw(&c, b.data, at);
        mp_buf_raw(&c, big, 3);
        mp_buf_raw(&c, b.data + at + 1, b.len - at - 1);
        rn_diag d;
        assert_int_equal(proto_checkpoint_decode(SCRATCH, c.data, c.len, &d), RN_ECOUNT);
        assert_string_equal(d.field, "checkpoint.heads");
        mp_buf_free(&b);
        mp_buf_free(&c);
    }
    {
        mp_buf b;
        mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
        r = raw_ok(), r.cosigs_n = 0;
        raw_write(&r, &b);
        /* The cosignatures' array is the last byte. */
        assert_int_equal(b.data[b.len - 1], 0x90);
        b.data[b.len - 1] = 0xdc;
        uint8_t n[2] = { (RN_CHECKPOINT_COSIGS_MAX + 1) >> 8,
                         (RN_CHECKPOINT_COSIGS_MAX + 1) & 0xff };
        mp_buf_raw(&b, n, 2);
        rn_diag d;
        assert_int_equal(proto_checkpoint_decode(SCRATCH, b.data, b.len, &d), RN_ECOUNT);
        assert_string_equal(d.field, "checkpoint.cosignatures");
        mp_buf_free(&b);
    }
    /* Over the size bound, before anything is read. */
    {
        uint8_t *big = calloc(1, RN_CHECKPOINT_BYTES_MAX + 1);
        assert_non_null(big);
        assert_int_equal(proto_checkpoint_decode(SCRATCH, big, RN_CHECKPOINT_BYTES_MAX + 1, NULL),
                         RN_ETOOBIG);
        free(big);
    }
    /* Wrong types. */
    const uint8_t map_top[] = { 0x83 };
    assert_int_equal(proto_checkpoint_decode(SCRATCH, map_top, 1, NULL), RN_ETYPE);
    free(SCRATCH);
}

/* The largest checkpoint encodes within its bound and decodes. */
static void test_bounds(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new(), *back = cp_new();
    static uint8_t authors[RN_CHECKPOINT_HEADS_MAX][32];
    pf_author wit[RN_CHECKPOINT_COSIGS_MAX + 1];
    memcpy(cp->signer, W.de.pk, 32);
    cp->time_ms = RN_TIME_MS_MAX;
    cp->roster_version = RN_ROSTERCHAIN_VERSIONS_MAX;
    cp->heads_n = RN_CHECKPOINT_HEADS_MAX;
    for (uint32_t i = 0; i < RN_CHECKPOINT_HEADS_MAX; i++) {
        memset(authors[i], 0xff, 32);
        authors[i][0] = (uint8_t)(i >> 8);
        authors[i][1] = (uint8_t)i;
        cp->heads[i] = (proto_cp_head){ authors[i], RN_SEQ_MAX, id_other };
    }
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, NULL), 0);
    for (uint32_t i = 0; i < RN_CHECKPOINT_COSIGS_MAX + 1; i++) {
        pf_author_init(&wit[i], (uint8_t)(0x80 + i));
        proto_cosig c;
        proto_cosig_make(cp->hash, RN_TIME_MS_MAX, wit[i].sk, &c);
        assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL),
                         i < RN_CHECKPOINT_COSIGS_MAX ? 0 : RN_ECOUNT);
    }
    mp_buf b;
    cp_bytes(cp, &b);
    assert_true(b.len <= RN_CHECKPOINT_BYTES_MAX);
    assert_true(b.len + 200 > RN_CHECKPOINT_BYTES_MAX); /* the bound is tight */
    assert_int_equal(proto_checkpoint_decode(back, b.data, b.len, NULL), 0);
    assert_int_equal(back->heads_n, RN_CHECKPOINT_HEADS_MAX);
    assert_int_equal(back->cosigs_n, RN_CHECKPOINT_COSIGS_MAX);
    assert_int_equal(proto_checkpoint_verify(back, &R, NULL, NULL, NULL), 0);
    mp_buf_free(&b);
    free(cp);
    free(back);
}

/* ---- Signatures ---- */

static void test_signatures(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new(), *back = cp_new();
    rn_diag d;
    uint32_t wn;
    mp_buf b;
    cp_make(cp, &W.de, T0, WITS(&W.ie, &W.fr), 2);
    cp_bytes(cp, &b);
    /* Every byte of the body and of each signature matters. */
    for (size_t i = 0; i < b.len; i++) {
        b.data[i] ^= 0x01;
        int rc = proto_checkpoint_decode(back, b.data, b.len, NULL);
        if (rc == 0)
            rc = proto_checkpoint_verify(back, &R, &wn, NULL, NULL);
        assert_int_not_equal(rc, 0);
        b.data[i] ^= 0x01;
    }
    /* The signer's signature, then a cosignature. */
    assert_int_equal(proto_checkpoint_decode(back, b.data, b.len, NULL), 0);
    back->sig[5] ^= 1;
    assert_int_equal(proto_checkpoint_verify(back, &R, &wn, NULL, &d), RN_ESIG);
    assert_string_equal(d.field, "checkpoint.signature");
    back->sig[5] ^= 1;
    back->cosigs[1].sig[0] ^= 1;
    assert_int_equal(proto_checkpoint_verify(back, &R, &wn, NULL, &d), RN_ESIG);
    assert_string_equal(d.field, "checkpoint.cosignatures.sig");
    assert_int_equal(d.index, 2);
    back->cosigs[1].sig[0] ^= 1;
    /* A cosignature's time is signed. */
    back->cosigs[0].time_ms++;
    assert_int_equal(proto_checkpoint_verify(back, &R, &wn, NULL, &d), RN_ESIG);
    back->cosigs[0].time_ms--;
    assert_int_equal(proto_checkpoint_verify(back, &R, &wn, NULL, &d), 0);
    assert_int_equal(wn, 2);
    /* A signer outside the roster. */
    proto_checkpoint *out = cp_new();
    cp_make(out, &W.outsider, T0, WITS(&W.ie), 1);
    assert_int_equal(proto_checkpoint_verify(out, &R, &wn, NULL, &d), RN_EROSTER);
    assert_string_equal(d.field, "checkpoint.signer");
    /* A mirror may sign one. */
    cp_make(out, &W.mirror, T0, WITS(&W.ie), 1);
    assert_int_equal(proto_checkpoint_verify(out, &R, &wn, NULL, &d), 0);
    mp_buf_free(&b);
    free(cp);
    free(back);
    free(out);
}

static void test_cosig_add(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new();
    proto_cosig c, old;
    cp_make(cp, &W.de, T0, NULL, 0);
    proto_cosig_make(cp->hash, T0 + 5, W.ie.sk, &c);
    assert_int_equal(proto_cosig_verify(cp->hash, &c), 0);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, &R), 0);
    assert_int_equal(cp->cosigs_n, 1);
    /* An earlier one by the same witness is ignored, a later one replaces it. */
    proto_cosig_make(cp->hash, T0 + 1, W.ie.sk, &old);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &old, &R), 0);
    assert_int_equal(cp->cosigs_n, 1);
    assert_int_equal(cp->cosigs[0].time_ms, T0 + 5);
    proto_cosig_make(cp->hash, T0 + 9, W.ie.sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, &R), 0);
    assert_int_equal(cp->cosigs[0].time_ms, T0 + 9);
    /* Not a member; a bad signature; over another body. */
    proto_cosig_make(cp->hash, T0, W.outsider.sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, &R), RN_EROSTER);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), 0);
    proto_cosig_make(cp->hash, T0, W.fr.sk, &c);
    c.sig[10] ^= 4;
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, &R), RN_ESIG);
    proto_cosig_make(id_other, T0, W.fr.sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, &R), RN_ESIG);
    /* A witness key that is not a valid point (the identity), a time past the bound. */
    proto_cosig_make(cp->hash, T0, W.fr.sk, &c);
    memset(c.witness, 0, sizeof(c.witness));
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), RN_EKEY);
    proto_cosig_make(cp->hash, T0, W.fr.sk, &c);
    c.time_ms = RN_TIME_MS_MAX + 1;
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), RN_ETIME);
    assert_int_equal(cp->cosigs_n, 2);
    /* Nor can the encoder write one. */
    mp_buf b;
    mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
    proto_cosig saved = cp->cosigs[0];
    memset(cp->cosigs[0].witness, 0, 32); /* the identity: first in order, not a valid key */
    assert_int_equal(proto_checkpoint_encode(cp, &b, NULL), RN_EINVAL);
    cp->cosigs[0] = saved;
    cp->cosigs_n = 0;
    memset(cp->signer, 0, 32);
    assert_int_equal(proto_checkpoint_encode(cp, &b, NULL), RN_EKEY);
    assert_int_equal(b.len, 0);
    mp_buf_free(&b);
    free(cp);
}

/* ---- The witness rule ---- */

/* The witness FR's replica: IE up to seq 3, FR's own log up to seq 1 (its decision). */
typedef struct view_state {
    bool ie_forked;
    uint64_t ie_last;
    uint64_t ie_held;         /* IE's entries held: 1 .. ie_held */
    const uint8_t *ie_ids[4]; /* by seq */
    int fail;                 /* an error entry_id returns for everything, 0 for none */
} view_state;

static int v_entry_id(void *ctx, const uint8_t author[32], uint64_t seq, uint8_t id[32])
{
    view_state *s = ctx;
    if (s->fail != 0)
        return s->fail;
    if (memcmp(author, W.ie.pk, 32) == 0) {
        if (seq > s->ie_held || seq > 3)
            return RN_ENOTFOUND;
        memcpy(id, s->ie_ids[seq], 32);
        return 0;
    }
    if (memcmp(author, W.fr.pk, 32) == 0 && seq == 1) {
        memcpy(id, id_decision, 32);
        return 0;
    }
    return RN_ENOTFOUND;
}

static bool v_forked(void *ctx, const uint8_t author[32])
{
    view_state *s = ctx;
    return s->ie_forked && memcmp(author, W.ie.pk, 32) == 0;
}

static uint64_t v_last(void *ctx, const uint8_t author[32])
{
    view_state *s = ctx;
    return memcmp(author, W.ie.pk, 32) == 0 ? s->ie_last : 0;
}

static int decide(view_state *s, const proto_checkpoint *cp, uint64_t now, rn_diag *d)
{
    proto_witness_view v = {
        .ctx = s,
        .entry_id = v_entry_id,
        .forked = v_forked,
        .last_cosigned = v_last,
        .roster = &R,
        .self = W.fr.pk,
        .now_ms = now,
    };
    memset(d, 0, sizeof(*d));
    return proto_witness_decide(&v, cp, d);
}

static unsigned ie_pos(void)
{
    return memcmp(W.ie.pk, W.fr.pk, 32) < 0 ? 1 : 2;
}

static void test_witness(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new();
    view_state s = { .ie_held = 3, .ie_ids = { NULL, id_provider, id_spec, id_revocation } };
    rn_diag d;
    cp_make(cp, &W.de, T0, NULL, 0);
    assert_int_equal(decide(&s, cp, T0, &d), 0);
    /* The clock: ten minutes either way, not a millisecond more. */
    assert_int_equal(decide(&s, cp, T0 + PROTO_WITNESS_SKEW_MS, &d), 0);
    assert_int_equal(decide(&s, cp, T0 - PROTO_WITNESS_SKEW_MS, &d), 0);
    assert_int_equal(decide(&s, cp, T0 + PROTO_WITNESS_SKEW_MS + 1, &d), RN_ETIME);
    assert_string_equal(d.field, "checkpoint.time");
    assert_int_equal(decide(&s, cp, T0 - PROTO_WITNESS_SKEW_MS - 1, &d), RN_ETIME);
    /* The signer: not a member; the witness itself; a bad signature. */
    proto_checkpoint *o = cp_new();
    cp_make(o, &W.outsider, T0, NULL, 0);
    assert_int_equal(decide(&s, o, T0, &d), RN_EROSTER);
    assert_string_equal(d.field, "checkpoint.signer");
    cp_make(o, &W.fr, T0, NULL, 0);
    assert_int_equal(decide(&s, o, T0, &d), RN_EINCONSISTENT);
    cp_make(o, &W.mirror, T0, NULL, 0);
    assert_int_equal(decide(&s, o, T0, &d), 0);
    o->sig[0] ^= 1;
    assert_int_equal(decide(&s, o, T0, &d), RN_ESIG);
    /* Regression below the last head cosigned; equal is fine. */
    s.ie_last = 3;
    assert_int_equal(decide(&s, cp, T0, &d), 0);
    s.ie_last = 4;
    assert_int_equal(decide(&s, cp, T0, &d), RN_ESEQ);
    assert_string_equal(d.field, "checkpoint.heads.seq");
    assert_int_equal(d.index, ie_pos());
    s.ie_last = 0;
    /* Forked in the witness's view. */
    s.ie_forked = true;
    assert_int_equal(decide(&s, cp, T0, &d), RN_EFORK);
    assert_string_equal(d.field, "checkpoint.heads.author");
    s.ie_forked = false;
    /* Another id at that seq: a split view. */
    s.ie_ids[3] = id_other;
    assert_int_equal(decide(&s, cp, T0, &d), RN_EFORK);
    assert_string_equal(d.field, "checkpoint.heads.id");
    assert_int_equal(d.index, ie_pos());
    s.ie_ids[3] = id_revocation;
    /* Not held yet. */
    s.ie_held = 2;
    assert_int_equal(decide(&s, cp, T0, &d), RN_EGAP);
    assert_int_equal(d.index, ie_pos());
    /* A gap does not hide a mismatch on another head. */
    proto_cp_head *fr = (proto_cp_head *)proto_checkpoint_head(cp, W.fr.pk);
    fr->id = id_other;
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, NULL), 0);
    assert_int_equal(decide(&s, cp, T0, &d), RN_EFORK);
    assert_int_equal(d.index, 3 - ie_pos());
    /* Nor does a head below one cosigned: a split view is looked for in every head first. */
    s.ie_held = 3;
    s.ie_last = 4;
    assert_int_equal(decide(&s, cp, T0, &d), RN_EFORK);
    assert_string_equal(d.field, "checkpoint.heads.id");
    assert_int_equal(d.index, 3 - ie_pos());
    /* ... and a head below one cosigned, with another id than the one held, is a split view. */
    fr->id = id_decision;
    s.ie_ids[3] = id_other;
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, NULL), 0);
    assert_int_equal(decide(&s, cp, T0, &d), RN_EFORK);
    assert_string_equal(d.field, "checkpoint.heads.id");
    assert_int_equal(d.index, ie_pos());
    /* A gap is reported only when no head is refused outright: below one cosigned wins. */
    s.ie_ids[3] = id_revocation;
    s.ie_held = 2;
    assert_int_equal(decide(&s, cp, T0, &d), RN_ESEQ);
    assert_int_equal(d.index, ie_pos());
    s.ie_last = 0;
    /* A callback's error is passed on. */
    s.fail = RN_ESTORE;
    assert_int_equal(decide(&s, cp, T0, &d), RN_ESTORE);
    free(cp);
    free(o);
}

/* ---- Witnessed bundles ---- */

/* The decision bundle: FR's decision (seq 1), IE's provider and spec (seq 1, 2). */
static void v1_bundle(mp_buf *b)
{
    proto_proof_query q = pf_query();
    proto_proof_answer a = pf_answer(PROTO_RESULT_DECISION, PROTO_OUTCOME_FULL, &W.decision);
    const pf_entry *e[] = { &W.decision, &W.spec, &W.provider };
    mp_buf_init(b, RN_PROOF_BYTES_MAX);
    assert_int_equal(pf_bundle(b, &q, &a, e, 3), 0);
}

/* The witnessed bundle of the checkpoints cps[0..n) and its verification with `req`. */
static int witnessed(proto_checkpoint *const *cps, uint32_t n, const proto_witness_req *req,
                     uint64_t *oldest, rn_diag *d)
{
    mp_buf v1, out, cb[4];
    proto_str s[4];
    proto_proof *p = malloc(sizeof(*p));
    assert_non_null(p);
    v1_bundle(&v1);
    for (uint32_t i = 0; i < n; i++) {
        cp_bytes(cps[i], &cb[i]);
        s[i] = (proto_str){ cb[i].data, (uint32_t)cb[i].len };
    }
    mp_buf_init(&out, RN_PROOF_WITNESSED_BYTES_MAX);
    assert_int_equal(proto_proof_witnessed_encode(v1.data, v1.len, s, n, &out, NULL), 0);
    memset(d, 0, sizeof(*d));
    int rc = proto_proof_verify(out.data, out.len, &R, p, d);
    if (rc == 0) {
        assert_int_equal(p->version, 2);
        assert_int_equal(p->checkpoints_n, n);
        rc = proto_proof_checkpoints_check(p, &R, req, oldest, d);
    }
    for (uint32_t i = 0; i < n; i++)
        mp_buf_free(&cb[i]);
    mp_buf_free(&v1);
    mp_buf_free(&out);
    free(p);
    return rc;
}

static void test_witnessed_bundle(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new(), *cp2 = cp_new();
    rn_diag d;
    uint64_t oldest = 0;
    proto_witness_req req = { .witnesses = 2, .max_age_ms = UINT64_MAX, .now_ms = T0 };

    /* DE signs, IE and the mirror cosign: two witnesses. */
    cp_make(cp, &W.de, T0, WITS(&W.ie, &W.mirror), 2);
    assert_int_equal(witnessed(&cp, 1, &req, &oldest, &d), 0);
    assert_int_equal(oldest, T0);
    assert_int_equal(witnessed(&cp, 1, NULL, NULL, &d), 0);
    req.witnesses = 3;
    assert_int_equal(witnessed(&cp, 1, &req, NULL, &d), RN_EWITNESS);
    assert_string_equal(d.field, "witness.cosignatures");
    /* An outsider's cosignature is not counted. */
    cp_make(cp, &W.de, T0, WITS(&W.ie, &W.mirror, &W.outsider), 3);
    assert_int_equal(witnessed(&cp, 1, &req, NULL, &d), RN_EWITNESS);
    cp_make(cp, &W.de, T0, WITS(&W.ie, &W.mirror, &W.fr), 3);
    assert_int_equal(witnessed(&cp, 1, &req, NULL, &d), 0);

    /* Freshness: max_age back from now. */
    req = (proto_witness_req){ .witnesses = 1, .max_age_ms = 3600000, .now_ms = T0 + 3600000 };
    assert_int_equal(witnessed(&cp, 1, &req, NULL, &d), 0);
    req.now_ms++;
    assert_int_equal(witnessed(&cp, 1, &req, NULL, &d), RN_ETIME);
    assert_string_equal(d.field, "witness.time");
    /* A fresher second checkpoint covers it, and freshness is the newest covering one. */
    cp_make(cp2, &W.mirror, T0 + 60000, WITS(&W.ie), 1);
    proto_checkpoint *both[] = { cp, cp2 };
    assert_int_equal(witnessed(both, 2, &req, &oldest, &d), 0);
    assert_int_equal(oldest, T0 + 60000);

    /* A head below an entry's seq: IE's head at seq 1 while the spec is IE's seq 2. */
    req = (proto_witness_req){ .witnesses = 1, .max_age_ms = UINT64_MAX };
    memset(cp, 0, sizeof(*cp));
    memcpy(cp->signer, W.de.pk, 32);
    cp->time_ms = T0;
    cp->roster_version = 1;
    set_heads(cp, 1, id_provider, 1, id_decision);
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, NULL), 0);
    proto_cosig c;
    proto_cosig_make(cp->hash, T0, W.ie.sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), 0);
    assert_int_equal(witnessed(&cp, 1, &req, NULL, &d), RN_EWITNESS);
    assert_string_equal(d.field, "witness.heads");
    /* The same seq with another id: the checkpoint shows another IE log. */
    set_heads(cp, 2, id_other, 1, id_decision);
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, NULL), 0);
    proto_cosig_make(cp->hash, T0, W.ie.sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), 0);
    assert_int_equal(witnessed(&cp, 1, NULL, NULL, &d), RN_EFORK);
    assert_string_equal(d.field, "witness.id");
    /* ... and with the right id, covered exactly at the entry. */
    set_heads(cp, 2, id_spec, 1, id_decision);
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, NULL), 0);
    proto_cosig_make(cp->hash, T0, W.ie.sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), 0);
    assert_int_equal(witnessed(&cp, 1, &req, NULL, &d), 0);
    /* An author the checkpoint does not name. */
    cp->heads_n = 1;
    cp->heads[0] = (proto_cp_head){ W.ie.pk, 3, id_revocation };
    assert_int_equal(proto_checkpoint_sign(cp, W.de.sk, NULL), 0);
    assert_int_equal(witnessed(&cp, 1, NULL, NULL, &d), RN_EWITNESS);
    assert_string_equal(d.field, "witness.heads");

    /* A bad signature on a checkpoint fails the bundle; so does a signer outside the roster. */
    cp_make(cp, &W.de, T0, WITS(&W.ie), 1);
    cp->sig[1] ^= 1;
    assert_int_equal(witnessed(&cp, 1, NULL, NULL, &d), RN_ESIG);
    assert_string_equal(d.field, "checkpoint.signature");
    assert_int_equal(d.index, 1);
    cp_make(cp, &W.outsider, T0, WITS(&W.ie), 1);
    assert_int_equal(witnessed(&cp, 1, NULL, NULL, &d), RN_EROSTER);

    /* A version-1 bundle is not witnessed. */
    {
        mp_buf v1;
        proto_proof *p = malloc(sizeof(*p));
        v1_bundle(&v1);
        assert_int_equal(proto_proof_verify(v1.data, v1.len, &R, p, NULL), 0);
        assert_int_equal(p->version, 1);
        assert_int_equal(p->checkpoints_n, 0);
        assert_int_equal(proto_proof_checkpoints_check(p, &R, &req, NULL, &d), RN_EWITNESS);
        assert_string_equal(d.field, "proof.checkpoints");
        mp_buf_free(&v1);
        free(p);
    }
    free(cp);
    free(cp2);
}

/* The signer counted as its own witness: a checkpoint that lists it is refused by the decoder,
 * so a bundle carrying one fails. */
static void test_signer_not_witness(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new();
    cp_make(cp, &W.de, T0, WITS(&W.ie), 1);
    mp_buf b;
    cp_bytes(cp, &b);
    /* Write DE's own cosignature next to IE's, in order. */
    proto_cosig own;
    proto_cosig_make(cp->hash, T0, W.de.sk, &own);
    bool de_first = memcmp(W.de.pk, W.ie.pk, 32) < 0;
    cp->cosigs[1] = cp->cosigs[0];
    cp->cosigs[de_first ? 0 : 1] = own;
    cp->cosigs_n = 2;
    mp_buf rawb;
    mp_buf_init(&rawb, RN_CHECKPOINT_BYTES_MAX);
    /* proto_checkpoint_encode refuses it: write it by hand. */
    assert_int_equal(proto_checkpoint_encode(cp, &rawb, NULL), RN_EINVAL);
    mp_put_array(&rawb, 3);
    assert_int_equal(proto_checkpoint_body_encode(cp, &rawb, NULL), 0);
    mp_put_bin(&rawb, cp->sig, 64);
    mp_put_array(&rawb, 2);
    for (int i = 0; i < 2; i++) {
        mp_put_array(&rawb, 3);
        mp_put_bin(&rawb, cp->cosigs[i].witness, 32);
        mp_put_uint(&rawb, cp->cosigs[i].time_ms);
        mp_put_bin(&rawb, cp->cosigs[i].sig, 64);
    }
    rn_diag d;
    assert_int_equal(proto_checkpoint_decode(cp, rawb.data, rawb.len, &d), RN_EINCONSISTENT);
    /* In a bundle (built by hand: the encoder decodes its checkpoints). */
    mp_buf v1, out;
    v1_bundle(&v1);
    proto_str s = { rawb.data, (uint32_t)rawb.len };
    mp_buf_init(&out, RN_PROOF_WITNESSED_BYTES_MAX);
    assert_int_equal(proto_proof_witnessed_encode(v1.data, v1.len, &s, 1, &out, &d),
                     RN_EINCONSISTENT);
    mp_put_array(&out, 5);
    mp_put_uint(&out, 2);
    mp_buf_raw(&out, v1.data + 2, v1.len - 2); /* fixarray(4), version 1 */
    mp_put_array(&out, 1);
    mp_put_bin(&out, rawb.data, rawb.len);
    assert_int_equal(proto_proof_verify(out.data, out.len, &R, NULL, &d), RN_EINCONSISTENT);
    assert_string_equal(d.field, "checkpoint.cosignatures.witness");
    mp_buf_free(&b);
    mp_buf_free(&rawb);
    mp_buf_free(&v1);
    mp_buf_free(&out);
    free(cp);
}

/* The bundle decoder's refusals of the version-2 part. */
static void test_witnessed_decode(void **state)
{
    (void)state;
    proto_checkpoint *cp = cp_new();
    proto_proof *p = malloc(sizeof(*p));
    mp_buf v1, c1, c2, out;
    rn_diag d;
    v1_bundle(&v1);
    cp_make(cp, &W.de, T0, WITS(&W.ie), 1);
    cp_bytes(cp, &c1);
    cp_make(cp, &W.mirror, T0, WITS(&W.ie), 1);
    cp_bytes(cp, &c2);
    const mp_buf *lo = memcmp(c1.data, c2.data, c1.len < c2.len ? c1.len : c2.len) < 0 ? &c1 : &c2;
    const mp_buf *hi = lo == &c1 ? &c2 : &c1;
    mp_buf_init(&out, RN_PROOF_WITNESSED_BYTES_MAX);
#define HEAD(n_, version_)                                                                         \
    do {                                                                                           \
        mp_buf_reset(&out);                                                                        \
        mp_put_array(&out, (n_));                                                                  \
        mp_put_uint(&out, (version_));                                                             \
        mp_buf_raw(&out, v1.data + 2, v1.len - 2);                                                 \
    } while (0)
    /* The good one, in order. */
    HEAD(5, 2);
    mp_put_array(&out, 2);
    mp_put_bin(&out, lo->data, lo->len);
    mp_put_bin(&out, hi->data, hi->len);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), 0);
    assert_int_equal(p->checkpoints_n, 2);
    /* The encoder writes the same bytes from either order. */
    {
        mp_buf e;
        proto_str s[2] = { { hi->data, (uint32_t)hi->len }, { lo->data, (uint32_t)lo->len } };
        mp_buf_init(&e, RN_PROOF_WITNESSED_BYTES_MAX);
        assert_int_equal(proto_proof_witnessed_encode(v1.data, v1.len, s, 2, &e, NULL), 0);
        assert_int_equal(e.len, out.len);
        assert_memory_equal(e.data, out.data, out.len);
        /* Twice the same, or a witnessed bundle as the input: refused. */
        s[1] = s[0];
        mp_buf_reset(&e);
        assert_int_equal(proto_proof_witnessed_encode(v1.data, v1.len, s, 2, &e, NULL),
                         RN_EDUPLICATE);
        assert_int_equal(e.len, 0);
        assert_int_equal(proto_proof_witnessed_encode(out.data, out.len, s, 1, &e, NULL),
                         RN_EVERSION);
        assert_int_equal(proto_proof_witnessed_encode(v1.data, v1.len, s, 0, &e, NULL), RN_ECOUNT);
        mp_buf_free(&e);
    }
    /* Out of order, twice, trailing. */
    HEAD(5, 2);
    mp_put_array(&out, 2);
    mp_put_bin(&out, hi->data, hi->len);
    mp_put_bin(&out, lo->data, lo->len);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_EFIELDORDER);
    assert_string_equal(d.field, "proof.checkpoints");
    assert_int_equal(d.index, 2);
    HEAD(5, 2);
    mp_put_array(&out, 2);
    mp_put_bin(&out, lo->data, lo->len);
    mp_put_bin(&out, lo->data, lo->len);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_EDUPLICATE);
    HEAD(5, 2);
    mp_put_array(&out, 1);
    mp_put_bin(&out, lo->data, lo->len);
    mp_put_nil(&out);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_ETRAILING);
    /* None; not an array; a checkpoint as a string. */
    HEAD(5, 2);
    mp_put_array(&out, 0);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_ECOUNT);
    assert_string_equal(d.field, "proof.checkpoints");
    HEAD(5, 2);
    mp_put_map(&out, 0);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_ETYPE);
    HEAD(5, 2);
    mp_put_array(&out, 1);
    mp_put_str(&out, lo->data, lo->len);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_ETYPE);
    assert_int_equal(d.index, 1);
    /* Too many. */
    HEAD(5, 2);
    mp_put_array(&out, RN_PROOF_CHECKPOINTS_MAX + 1);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_ECOUNT);
    /* One past its bound. */
    HEAD(5, 2);
    mp_put_array(&out, 1);
    {
        uint8_t *big = calloc(1, RN_CHECKPOINT_BYTES_MAX + 1);
        mp_put_bin(&out, big, RN_CHECKPOINT_BYTES_MAX + 1);
        free(big);
    }
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_ETOOBIG);
    /* Version and length disagree: version 1 with 5 elements, version 2 with 4; version 3. */
    HEAD(5, 1);
    mp_put_array(&out, 1);
    mp_put_bin(&out, lo->data, lo->len);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_EVERSION);
    HEAD(4, 2);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_EVERSION);
    HEAD(5, 3);
    mp_put_array(&out, 1);
    mp_put_bin(&out, lo->data, lo->len);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_EVERSION);
    HEAD(6, 2);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), RN_ECOUNT);
    /* A checkpoint that does not decode fails verification with its position. */
    HEAD(5, 2);
    mp_put_array(&out, 1);
    mp_put_bin(&out, lo->data, lo->len - 1);
    assert_int_equal(proto_proof_decode(p, out.data, out.len, &d), 0);
    assert_int_equal(proto_proof_verify(out.data, out.len, &R, NULL, &d), RN_ETRUNCATED);
    assert_int_equal(d.index, 1);
#undef HEAD
    mp_buf_free(&v1);
    mp_buf_free(&c1);
    mp_buf_free(&c2);
    mp_buf_free(&out);
    free(p);
    free(cp);
}

/* ---- Signed answers ---- */

static void test_answer(void **state)
{
    (void)state;
    /* {"result": {"outcome": "full"}} as the control API's MessagePack. */
    mp_buf ans, b;
    mp_buf_init(&ans, 1024);
    mp_put_map(&ans, 1);
    mp_put_cstr(&ans, "result");
    mp_put_map(&ans, 1);
    mp_put_cstr(&ans, "outcome");
    mp_put_cstr(&ans, "full");
    mp_buf_init(&b, RN_SIGNED_ANSWER_BYTES_MAX);
    assert_int_equal(proto_answer_sign(ans.data, ans.len, T0, W.fr.sk, &b), 0);
    proto_signed_answer a;
    rn_diag d;
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), 0);
    assert_memory_equal(a.signer, W.fr.pk, 32);
    assert_int_equal(a.time_ms, T0);
    assert_int_equal(a.answer_len, ans.len);
    assert_memory_equal(a.answer, ans.data, ans.len);
    assert_int_equal(proto_answer_verify(&a, &R, &d), 0);
    assert_int_equal(proto_answer_verify(&a, NULL, &d), 0);
    /* Every byte flipped fails decode or verify. */
    for (size_t i = 0; i < b.len; i++) {
        b.data[i] ^= 0x20;
        int rc = proto_answer_decode(&a, b.data, b.len, NULL);
        if (rc == 0)
            rc = proto_answer_verify(&a, NULL, NULL);
        assert_int_not_equal(rc, 0);
        b.data[i] ^= 0x20;
    }
    /* Truncated at every length; a trailing byte. */
    for (size_t n = 0; n < b.len; n++)
        assert_int_equal(proto_answer_decode(&a, b.data, n, NULL), RN_ETRUNCATED);
    mp_put_nil(&b);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ETRAILING);
    assert_string_equal(d.field, "answer");
    /* An outsider's answer. */
    mp_buf_reset(&b);
    assert_int_equal(proto_answer_sign(ans.data, ans.len, T0, W.outsider.sk, &b), 0);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), 0);
    assert_int_equal(proto_answer_verify(&a, &R, &d), RN_EROSTER);
    assert_string_equal(d.field, "answer.signer");
    /* The answer must be one canonical value: signing refuses others. */
    const uint8_t two[] = { 0x01, 0x02 }, noncanon[] = { 0xcc, 0x01 };
    assert_int_equal(proto_answer_sign(two, 2, T0, W.fr.sk, &b), RN_EINVAL);
    assert_int_equal(proto_answer_sign(noncanon, 2, T0, W.fr.sk, &b), RN_EINVAL);
    assert_int_equal(proto_answer_sign(two, 0, T0, W.fr.sk, &b), RN_EINVAL);
    assert_int_equal(proto_answer_sign(two, 1, RN_TIME_MS_MAX + 1, W.fr.sk, &b), RN_ETIME);

    /* Hand-made envelopes. */
    static const uint8_t sig0[64];
#define ENV(n_, version_, signer_, signer_len_, time_, ans_, ans_len_, sig_len_)                   \
    do {                                                                                           \
        mp_buf_reset(&b);                                                                          \
        mp_put_array(&b, (n_));                                                                    \
        mp_put_uint(&b, (version_));                                                               \
        mp_put_bin(&b, (signer_), (signer_len_));                                                  \
        mp_put_uint(&b, (time_));                                                                  \
        mp_put_bin(&b, (ans_), (ans_len_));                                                        \
        mp_put_bin(&b, sig0, (sig_len_));                                                          \
    } while (0)
    ENV(5, 1, W.fr.pk, 32, T0, ans.data, ans.len, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), 0);
    assert_int_equal(proto_answer_verify(&a, &R, &d), RN_ESIG);
    assert_string_equal(d.field, "answer.signature");
    ENV(4, 1, W.fr.pk, 32, T0, ans.data, ans.len, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ECOUNT);
    ENV(5, 2, W.fr.pk, 32, T0, ans.data, ans.len, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_EVERSION);
    ENV(5, 1, W.fr.pk, 31, T0, ans.data, ans.len, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ELEN);
    assert_string_equal(d.field, "answer.signer");
    ENV(5, 1, sig0, 32, T0, ans.data, ans.len, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_EKEY);
    ENV(5, 1, W.fr.pk, 32, RN_TIME_MS_MAX + 1, ans.data, ans.len, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ETIME);
    ENV(5, 1, W.fr.pk, 32, T0, ans.data, 0, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ELEN);
    assert_string_equal(d.field, "answer.answer");
    ENV(5, 1, W.fr.pk, 32, T0, two, 2, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ETRAILING);
    assert_string_equal(d.field, "answer.answer");
    ENV(5, 1, W.fr.pk, 32, T0, noncanon, 2, 64);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ENONCANON);
    ENV(5, 1, W.fr.pk, 32, T0, ans.data, ans.len, 63);
    assert_int_equal(proto_answer_decode(&a, b.data, b.len, &d), RN_ELEN);
    assert_string_equal(d.field, "answer.signature");
#undef ENV
    uint8_t *big = calloc(1, RN_SIGNED_ANSWER_BYTES_MAX + 1);
    assert_int_equal(proto_answer_decode(&a, big, RN_SIGNED_ANSWER_BYTES_MAX + 1, &d), RN_ETOOBIG);
    free(big);

    /* The gateway's JSON signature. */
    const char *json = "{\"result\":{\"outcome\":\"full\"}}";
    uint8_t sig[64];
    proto_answer_json_sign((const uint8_t *)json, strlen(json), T0, W.fr.sk, sig);
    assert_int_equal(
        proto_answer_json_verify((const uint8_t *)json, strlen(json), T0, W.fr.pk, sig), 0);
    assert_int_equal(
        proto_answer_json_verify((const uint8_t *)json, strlen(json), T0 + 1, W.fr.pk, sig),
        RN_ESIG);
    assert_int_equal(
        proto_answer_json_verify((const uint8_t *)json, strlen(json) - 1, T0, W.fr.pk, sig),
        RN_ESIG);
    mp_buf_free(&ans);
    mp_buf_free(&b);
}

/* ---- The fuzzing seed corpus (RN_WRITE_CORPUS=<dir>) ---- */

static void write_seed(const char *dir, const char *sub, const char *name, const mp_buf *b)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    assert_int_equal(fwrite(b->data, 1, b->len, f), b->len);
    assert_int_equal(fclose(f), 0);
}

static void test_write_corpus(void **state)
{
    (void)state;
    const char *dir = getenv("RN_WRITE_CORPUS");
    if (dir == NULL)
        skip();
    pf_author k[5];
    for (unsigned i = 1; i <= 4; i++)
        pf_author_init(&k[i], (uint8_t)i);
    /* Heads of authors 1-3 at seq 5, each id its author's first byte repeated (the harness's view
     * holds exactly those). */
    uint8_t ids[3][32];
    const pf_author *au[3] = { &k[1], &k[2], &k[3] };
    for (int i = 0; i < 3; i++)
        for (int j = i + 1; j < 3; j++)
            if (memcmp(au[j]->pk, au[i]->pk, 32) < 0) {
                const pf_author *t = au[i];
                au[i] = au[j];
                au[j] = t;
            }
    proto_checkpoint *cp = cp_new();
    memcpy(cp->signer, k[1].pk, 32);
    cp->time_ms = T0;
    cp->roster_version = 1;
    cp->heads_n = 3;
    for (int i = 0; i < 3; i++) {
        memset(ids[i], au[i]->pk[0], 32);
        cp->heads[i] = (proto_cp_head){ au[i]->pk, 5, ids[i] };
    }
    assert_int_equal(proto_checkpoint_sign(cp, k[1].sk, NULL), 0);
    mp_buf b;
    cp_bytes(cp, &b);
    write_seed(dir, "checkpoint", "no-cosignatures", &b);
    mp_buf_free(&b);
    proto_cosig c;
    proto_cosig_make(cp->hash, T0 + 1, k[2].sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), 0);
    proto_cosig_make(cp->hash, T0 + 2, k[4].sk, &c);
    assert_int_equal(proto_checkpoint_cosig_add(cp, &c, NULL), 0);
    cp_bytes(cp, &b);
    write_seed(dir, "checkpoint", "two-cosignatures", &b);
    mp_buf_free(&b);
    /* A witnessed bundle of the fixture's federation. */
    {
        proto_checkpoint *w = cp_new();
        mp_buf v1, out, cb;
        cp_make(w, &W.de, T0, WITS(&W.ie, &W.mirror), 2);
        cp_bytes(w, &cb);
        v1_bundle(&v1);
        proto_str x = { cb.data, (uint32_t)cb.len };
        mp_buf_init(&out, RN_PROOF_WITNESSED_BYTES_MAX);
        assert_int_equal(proto_proof_witnessed_encode(v1.data, v1.len, &x, 1, &out, NULL), 0);
        write_seed(dir, "checkpoint", "witnessed-bundle", &out);
        mp_buf_free(&v1);
        mp_buf_free(&out);
        mp_buf_free(&cb);
        free(w);
    }
    /* Answers: FR's (key 2), a member of the harness's roster, and key 3's, not one. */
    mp_buf ans;
    mp_buf_init(&ans, 256);
    mp_put_map(&ans, 2);
    mp_put_cstr(&ans, "method");
    mp_put_cstr(&ans, "recognise");
    mp_put_cstr(&ans, "result");
    mp_put_array(&ans, 2);
    mp_put_uint(&ans, 1);
    mp_put_bool(&ans, true);
    mp_buf_init(&b, 1024);
    assert_int_equal(proto_answer_sign(ans.data, ans.len, T0, k[2].sk, &b), 0);
    write_seed(dir, "answer", "member", &b);
    mp_buf_reset(&b);
    assert_int_equal(proto_answer_sign(ans.data, ans.len, T0, k[3].sk, &b), 0);
    write_seed(dir, "answer", "not-member", &b);
    mp_buf_free(&b);
    mp_buf_free(&ans);
    free(cp);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_encode_refuses),
        cmocka_unit_test(test_decode_refuses),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_signatures),
        cmocka_unit_test(test_cosig_add),
        cmocka_unit_test(test_witness),
        cmocka_unit_test(test_witnessed_bundle),
        cmocka_unit_test(test_signer_not_witness),
        cmocka_unit_test(test_witnessed_decode),
        cmocka_unit_test(test_answer),
        cmocka_unit_test(test_write_corpus),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
