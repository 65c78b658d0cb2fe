/*
 * wire_test.c: the peer protocol (proto/wire.h): handshake, frames and messages.
 *
 * Keys and ephemeral seeds come from fixed labels, so every run drives the same bytes. The
 * handshake tests run honest peers to completion, then break each message in every byte and
 * every bit, each wrong key, each wrong length and each call out of turn. The frame tests cover
 * the stream's ordering guarantees (reordered, replayed, dropped, truncated frames) and the length
 * bounds at the limit and one past. The message tests round-trip every type through its encoder
 * and strict decoder and then break every decoder path: truncation at every length, wrong types,
 * counts one past their bounds, trailing bytes, unknown types, key and id lengths, seq 0.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "proto/wire.h"

/* ---- Fixtures ---- */

typedef struct party {
    uint8_t pk[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES];
} party;

static party alice, bob, carol; /* alice initiates, bob responds, carol is someone else */
static uint8_t netkey[32], netkey2[32], seed_i[32], seed_r[32];

static void from_label(const char *label, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)label, strlen(label), NULL, 0);
}

static void party_init(party *p, const char *label)
{
    uint8_t seed[32];
    from_label(label, seed);
    crypto_sign_seed_keypair(p->pk, p->sk, seed);
}

static int setup(void **state)
{
    (void)state;
    if (sodium_init() < 0)
        return -1;
    party_init(&alice, "wire test alice");
    party_init(&bob, "wire test bob");
    party_init(&carol, "wire test carol");
    from_label("wire test network", netkey);
    from_label("wire test other network", netkey2);
    from_label("wire test eph i", seed_i);
    from_label("wire test eph r", seed_r);
    return 0;
}

/* A transcript of one handshake. */
typedef struct run {
    uint8_t m[4][PROTO_HS_MSG_MAX];
    size_t len[4];
    proto_hs i, r;
} run;

static const size_t sizes[4] = { PROTO_HS_M1_BYTES, PROTO_HS_M2_BYTES, PROTO_HS_M3_BYTES,
                                 PROTO_HS_M4_BYTES };

static void start(proto_hs *i, proto_hs *r)
{
    assert_int_equal(proto_hs_init(i, PROTO_HS_INITIATOR, netkey, alice.sk, bob.pk, seed_i), 0);
    assert_int_equal(proto_hs_init(r, PROTO_HS_RESPONDER, netkey, bob.sk, NULL, seed_r), 0);
}

/* Runs message k (0..3) from its writer to its reader. */
static void step(run *x, int k)
{
    proto_hs *w = k % 2 == 0 ? &x->i : &x->r, *rd = k % 2 == 0 ? &x->r : &x->i;
    assert_int_equal(proto_hs_want(w), 0);
    assert_int_equal(proto_hs_want(rd), sizes[k]);
    assert_int_equal(proto_hs_write(w, x->m[k], sizeof(x->m[k]), &x->len[k]), 0);
    assert_int_equal(x->len[k], sizes[k]);
    assert_int_equal(proto_hs_read(rd, x->m[k], x->len[k]), 0);
}

static void full_run(run *x)
{
    start(&x->i, &x->r);
    for (int k = 0; k < 4; k++) {
        assert_false(proto_hs_done(&x->i));
        step(x, k);
    }
    assert_true(proto_hs_done(&x->i));
    assert_true(proto_hs_done(&x->r));
}

static bool all_zero(const void *p, size_t n)
{
    const uint8_t *b = p;
    for (size_t i = 0; i < n; i++)
        if (b[i] != 0)
            return false;
    return true;
}

/* The state after a failure: wiped and dead. */
static void assert_dead(const proto_hs *h)
{
    assert_false(proto_hs_done(h));
    assert_int_equal(proto_hs_want(h), 0);
    assert_int_equal(h->step, -1);
    assert_true(all_zero(h->sk, sizeof(h->sk)));
    assert_true(all_zero(h->shared, sizeof(h->shared)));
    assert_true(all_zero(h->e_sk, sizeof(h->e_sk)));
    assert_true(all_zero(h->netkey, sizeof(h->netkey)));
}

/* ---- Handshake ---- */

static void test_hs_complete(void **state)
{
    (void)state;
    run x;
    full_run(&x);
    uint8_t itx[32], irx[32], rtx[32], rrx[32];
    proto_hs_session(&x.i, itx, irx);
    proto_hs_session(&x.r, rtx, rrx);
    assert_memory_equal(itx, rrx, 32);
    assert_memory_equal(irx, rtx, 32);
    assert_memory_not_equal(itx, irx, 32);
    /* Each side knows the other's roster key. */
    assert_memory_equal(x.i.peer, bob.pk, 32);
    assert_memory_equal(x.r.peer, alice.pk, 32);
    /* The ephemeral secrets are gone once the shared secret exists. */
    assert_true(all_zero(x.i.e_sk, 32));
    assert_true(all_zero(x.r.e_sk, 32));
    /* Both transcripts agree. */
    assert_memory_equal(x.i.transcript, x.r.transcript, 32);
    assert_int_equal(x.m[0][0], PROTO_WIRE_VERSION);

    /* Nothing more to write or read once done. */
    uint8_t out[PROTO_HS_MSG_MAX];
    size_t n;
    assert_int_equal(proto_hs_want(&x.i), 0);
    assert_int_equal(proto_hs_want(&x.r), 0);
    proto_hs i2 = x.i;
    assert_int_equal(proto_hs_write(&i2, out, sizeof(out), &n), RN_EINVAL);
    assert_dead(&i2);

    proto_hs_wipe(&x.i);
    proto_hs_wipe(&x.r);
    assert_dead(&x.i);
    assert_dead(&x.r);
}

static void test_hs_deterministic(void **state)
{
    (void)state;
    run a, b;
    full_run(&a);
    full_run(&b);
    for (int k = 0; k < 4; k++)
        assert_memory_equal(a.m[k], b.m[k], sizes[k]);
    uint8_t t1[32], r1[32], t2[32], r2[32];
    proto_hs_session(&a.i, t1, r1);
    proto_hs_session(&b.i, t2, r2);
    assert_memory_equal(t1, t2, 32);
    assert_memory_equal(r1, r2, 32);

    /* Another ephemeral seed: other messages, other keys. */
    run c;
    uint8_t other[32];
    from_label("wire test eph i 2", other);
    assert_int_equal(proto_hs_init(&c.i, PROTO_HS_INITIATOR, netkey, alice.sk, bob.pk, other), 0);
    assert_int_equal(proto_hs_init(&c.r, PROTO_HS_RESPONDER, netkey, bob.sk, NULL, seed_r), 0);
    for (int k = 0; k < 4; k++)
        step(&c, k);
    proto_hs_session(&c.i, t2, r2);
    assert_memory_not_equal(a.m[0], c.m[0], sizes[0]);
    assert_memory_not_equal(t1, t2, 32);
}

static void test_hs_wrong_netkey(void **state)
{
    (void)state;
    /* The initiator has another network key: the responder refuses M1. */
    proto_hs i, r;
    uint8_t m[PROTO_HS_MSG_MAX];
    size_t n;
    assert_int_equal(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey2, alice.sk, bob.pk, seed_i), 0);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, bob.sk, NULL, seed_r), 0);
    assert_int_equal(proto_hs_write(&i, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&r, m, n), RN_EPROOF);
    assert_dead(&r);

    /* The responder has another network key: the initiator refuses M2 (which a responder with
     * the right network key would never have answered; here we hand it a real M2 made with the
     * other key over the same M1 seeds). */
    proto_hs r2, i2;
    assert_int_equal(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, alice.sk, bob.pk, seed_i), 0);
    assert_int_equal(proto_hs_init(&i2, PROTO_HS_INITIATOR, netkey2, alice.sk, bob.pk, seed_i), 0);
    assert_int_equal(proto_hs_init(&r2, PROTO_HS_RESPONDER, netkey2, bob.sk, NULL, seed_r), 0);
    assert_int_equal(proto_hs_write(&i, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_write(&i2, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&r2, m, n), 0);
    assert_int_equal(proto_hs_write(&r2, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&i, m, n), RN_EPROOF);
    assert_dead(&i);
}

static void test_hs_wrong_responder(void **state)
{
    (void)state;
    /* Alice believes she dials carol, but bob answers: bob cannot open M3. */
    proto_hs i, r;
    uint8_t m[PROTO_HS_MSG_MAX];
    size_t n;
    assert_int_equal(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, alice.sk, carol.pk, seed_i), 0);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, bob.sk, NULL, seed_r), 0);
    assert_int_equal(proto_hs_write(&i, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&r, m, n), 0);
    assert_int_equal(proto_hs_write(&r, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&i, m, n), 0);
    assert_int_equal(proto_hs_write(&i, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&r, m, n), RN_EPROOF);
    assert_dead(&r);
    assert_true(all_zero(r.peer, 32)); /* learned nothing */
}

static void test_hs_impostor_responder(void **state)
{
    (void)state;
    /* Carol, a member with the network key, answers a dial meant for bob. She reads M1 and M3
     * (she can derive K3: it uses bob's public key) but cannot sign as bob: alice refuses M4. */
    proto_hs i, r;
    uint8_t m[PROTO_HS_MSG_MAX];
    size_t n;
    assert_int_equal(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, alice.sk, bob.pk, seed_i), 0);
    /* Carol runs the responder with her own key but pretends to be bob in K3: emulate with a
     * responder whose secret key carries bob's public half and carol's seed. */
    uint8_t fake_sk[64];
    memcpy(fake_sk, carol.sk, 32);
    memcpy(fake_sk + 32, bob.pk, 32);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, fake_sk, NULL, seed_r), 0);
    for (int k = 0; k < 3; k++) {
        proto_hs *w = k % 2 == 0 ? &i : &r, *rd = k % 2 == 0 ? &r : &i;
        assert_int_equal(proto_hs_write(w, m, sizeof(m), &n), 0);
        assert_int_equal(proto_hs_read(rd, m, n), 0);
    }
    assert_int_equal(proto_hs_write(&r, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&i, m, n), RN_EPROOF);
    assert_dead(&i);
}

/* Flips every bit of every byte of message k and checks its reader refuses it. */
static void test_hs_tamper(void **state)
{
    (void)state;
    run x;
    full_run(&x);
    for (int k = 0; k < 4; k++) {
        /* The reader's state just before message k. */
        run y;
        start(&y.i, &y.r);
        for (int j = 0; j < k; j++)
            step(&y, j);
        proto_hs *rd = k % 2 == 0 ? &y.r : &y.i;
        for (size_t b = 0; b < sizes[k]; b++) {
            for (int bit = 0; bit < 8; bit++) {
                proto_hs h = *rd;
                uint8_t m[PROTO_HS_MSG_MAX];
                memcpy(m, x.m[k], sizes[k]);
                m[b] ^= (uint8_t)(1u << bit);
                int want = (k == 0 && b == 0) ? RN_EVERSION : RN_EPROOF;
                int rc = proto_hs_read(&h, m, sizes[k]);
                if (rc != want)
                    fail_msg("M%d byte %zu bit %d: got %s", k + 1, b, bit, rn_err_name(rc));
                assert_dead(&h);
            }
        }
        /* And the untouched message still passes from that state. */
        proto_hs h = *rd;
        assert_int_equal(proto_hs_read(&h, x.m[k], sizes[k]), 0);
    }
}

static void test_hs_small_order_ephemeral(void **state)
{
    (void)state;
    /* An M1 with a correct mac over a small-order point (the identity, all zeros): the shared
     * secret is all zeros, which is refused. Built here with the network key, as only a member
     * could. */
    proto_hs r;
    uint8_t m1[PROTO_HS_M1_BYTES] = { PROTO_WIRE_VERSION };
    crypto_generichash_state st;
    crypto_generichash_init(&st, netkey, 32, 32);
    crypto_generichash_update(&st, m1, 33);
    crypto_generichash_final(&st, m1 + 33, 32);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, bob.sk, NULL, seed_r), 0);
    assert_int_equal(proto_hs_read(&r, m1, sizeof(m1)), RN_EPROOF);
    assert_dead(&r);
}

static void test_hs_bad_calls(void **state)
{
    (void)state;
    proto_hs i, r;
    uint8_t m[PROTO_HS_MSG_MAX], bad[32] = { 0 };
    size_t n;

    /* init: the initiator needs a valid peer key; the responder takes none. */
    assert_int_equal(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, alice.sk, NULL, seed_i),
                     RN_EINVAL);
    assert_dead(&i);
    assert_int_equal(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, alice.sk, bad, seed_i),
                     RN_EINVAL);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, bob.sk, alice.pk, seed_r),
                     RN_EINVAL);
    assert_int_equal(proto_hs_init(&r, (proto_hs_role)3, netkey, bob.sk, NULL, seed_r), RN_EINVAL);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, NULL, bob.sk, NULL, seed_r), RN_EINVAL);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, NULL, NULL, seed_r), RN_EINVAL);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, bob.sk, NULL, NULL), RN_EINVAL);
    assert_dead(&r);
    /* A dead handshake does nothing. */
    assert_int_equal(proto_hs_write(&r, m, sizeof(m), &n), RN_EINVAL);
    assert_int_equal(proto_hs_read(&r, m, PROTO_HS_M1_BYTES), RN_EINVAL);

    /* Out of turn: the responder writes first; the initiator reads first. */
    start(&i, &r);
    assert_int_equal(proto_hs_write(&r, m, sizeof(m), &n), RN_EINVAL);
    assert_dead(&r);
    assert_int_equal(proto_hs_read(&i, m, PROTO_HS_M2_BYTES), RN_EINVAL);
    assert_dead(&i);

    /* Twice in a row. */
    start(&i, &r);
    assert_int_equal(proto_hs_write(&i, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_write(&i, m, sizeof(m), &n), RN_EINVAL);
    assert_dead(&i);

    /* Too small an output buffer. */
    start(&i, &r);
    assert_int_equal(proto_hs_write(&i, m, PROTO_HS_M1_BYTES - 1, &n), RN_EINVAL);
    assert_dead(&i);

    /* Wrong lengths at every reading step, one short and one long. */
    run x;
    full_run(&x);
    for (int k = 0; k < 4; k++) {
        for (int d = -1; d <= 1; d += 2) {
            run y;
            start(&y.i, &y.r);
            for (int j = 0; j < k; j++)
                step(&y, j);
            proto_hs *rd = k % 2 == 0 ? &y.r : &y.i;
            uint8_t buf[PROTO_HS_MSG_MAX + 1] = { 0 };
            memcpy(buf, x.m[k], sizes[k]);
            assert_int_equal(proto_hs_read(rd, buf, (size_t)((long)sizes[k] + d)), RN_EINVAL);
            assert_dead(rd);
        }
    }

    /* The initiator reads its own M1 back as if it were M2 (a reflected message): wrong length. */
    start(&i, &r);
    assert_int_equal(proto_hs_write(&i, m, sizeof(m), &n), 0);
    assert_int_equal(proto_hs_read(&i, m, n), RN_EINVAL);
    assert_dead(&i);
}

static void test_hs_version(void **state)
{
    (void)state;
    run x;
    full_run(&x);
    proto_hs r;
    uint8_t m[PROTO_HS_M1_BYTES];
    memcpy(m, x.m[0], sizeof(m));
    m[0] = 2;
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, bob.sk, NULL, seed_r), 0);
    assert_int_equal(proto_hs_read(&r, m, sizeof(m)), RN_EVERSION);
    assert_dead(&r);
}

/* ---- Frames ---- */

static void stream_pair(proto_stream *tx, proto_stream *rx, const uint8_t key[32])
{
    uint8_t header[PROTO_STREAM_HEADER_BYTES];
    memset(tx, 0, sizeof(*tx));
    memset(rx, 0, sizeof(*rx));
    proto_stream_tx_init(tx, key, header);
    assert_int_equal(proto_stream_rx_init(rx, key, header), 0);
}

/* Seals msg of len bytes into a malloc'd frame. */
static uint8_t *seal(proto_stream *s, const uint8_t *msg, size_t len, size_t *flen)
{
    uint8_t *f = malloc(len + PROTO_FRAME_OVERHEAD);
    assert_non_null(f);
    assert_int_equal(proto_frame_seal(s, msg, len, f, len + PROTO_FRAME_OVERHEAD, flen), 0);
    assert_int_equal(*flen, len + PROTO_FRAME_OVERHEAD);
    assert_int_equal(proto_frame_len(f), (int64_t)(len + 17));
    return f;
}

static int open_frame(proto_stream *s, const uint8_t *f, size_t flen, uint8_t *msg, size_t cap,
                      size_t *mlen)
{
    return proto_frame_open(s, f + 4, flen - 4, msg, cap, mlen);
}

static void test_frame_roundtrip(void **state)
{
    (void)state;
    run x;
    full_run(&x);
    uint8_t itx[32], irx[32], rtx[32], rrx[32];
    proto_hs_session(&x.i, itx, irx);
    proto_hs_session(&x.r, rtx, rrx);
    proto_stream si, sr;
    uint8_t hi[PROTO_STREAM_HEADER_BYTES], hr[PROTO_STREAM_HEADER_BYTES];
    proto_stream_tx_init(&si, itx, hi);
    proto_stream_tx_init(&sr, rtx, hr);
    assert_int_equal(proto_stream_rx_init(&si, irx, hr), 0);
    assert_int_equal(proto_stream_rx_init(&sr, rrx, hi), 0);

    static uint8_t msg[4096], got[4096];
    for (size_t i = 0; i < 1000; i++) {
        size_t len = (i * 37) % sizeof(msg), flen, mlen;
        randombytes_buf(msg, len);
        proto_stream *from = i % 3 == 0 ? &sr : &si, *to = from == &si ? &sr : &si;
        uint8_t *f = seal(from, msg, len, &flen);
        assert_int_equal(open_frame(to, f, flen, got, sizeof(got), &mlen), 0);
        assert_int_equal(mlen, len);
        assert_memory_equal(got, msg, len);
        free(f);
    }
    proto_stream_wipe(&si);
    assert_true(all_zero(&si, sizeof(si)));
}

static void test_frame_tamper(void **state)
{
    (void)state;
    uint8_t key[32], msg[100], got[200];
    size_t flen, mlen;
    from_label("frame key", key);
    memset(msg, 'a', sizeof(msg));
    proto_stream tx, rx;
    stream_pair(&tx, &rx, key);
    uint8_t *f = seal(&tx, msg, sizeof(msg), &flen);
    proto_stream rx0 = rx;
    /* Every bit of the ciphertext. */
    for (size_t b = 4; b < flen; b++) {
        for (int bit = 0; bit < 8; bit++) {
            proto_stream r = rx0;
            f[b] ^= (uint8_t)(1u << bit);
            assert_int_equal(open_frame(&r, f, flen, got, sizeof(got), &mlen), RN_EPROOF);
            f[b] ^= (uint8_t)(1u << bit);
            assert_false(r.rx_ready);
            /* Dead after a failure, even for the genuine frame. */
            assert_int_equal(open_frame(&r, f, flen, got, sizeof(got), &mlen), RN_EINVAL);
        }
    }
    /* Truncated by one byte at the end, and by everything but the tag. */
    proto_stream r = rx0;
    assert_int_equal(open_frame(&r, f, flen - 1, got, sizeof(got), &mlen), RN_EPROOF);
    r = rx0;
    assert_int_equal(proto_frame_open(&r, f + 4, 17, got, sizeof(got), &mlen), RN_EPROOF);
    /* A wrong key. */
    uint8_t other[32];
    from_label("frame key 2", other);
    uint8_t header[PROTO_STREAM_HEADER_BYTES];
    proto_stream t2, r2;
    proto_stream_tx_init(&t2, key, header);
    assert_int_equal(proto_stream_rx_init(&r2, other, header), 0);
    uint8_t *g = seal(&t2, msg, sizeof(msg), &flen);
    assert_int_equal(open_frame(&r2, g, flen, got, sizeof(got), &mlen), RN_EPROOF);
    /* The genuine frame opens. */
    r = rx0;
    assert_int_equal(open_frame(&r, f, flen, got, sizeof(got), &mlen), 0);
    assert_memory_equal(got, msg, sizeof(msg));
    free(f);
    free(g);
}

static void test_frame_order(void **state)
{
    (void)state;
    uint8_t key[32], got[64];
    size_t mlen;
    from_label("frame order key", key);
    proto_stream tx, rx;
    stream_pair(&tx, &rx, key);
    uint8_t *f[3];
    size_t fl[3];
    for (int i = 0; i < 3; i++) {
        uint8_t m[8] = { (uint8_t)i };
        f[i] = seal(&tx, m, sizeof(m), &fl[i]);
    }
    proto_stream r0 = rx, r;
    /* Reordered: frame 2 before frame 1. */
    r = r0;
    assert_int_equal(open_frame(&r, f[1], fl[1], got, sizeof(got), &mlen), RN_EPROOF);
    /* Dropped: frame 1 then frame 3. */
    r = r0;
    assert_int_equal(open_frame(&r, f[0], fl[0], got, sizeof(got), &mlen), 0);
    assert_int_equal(open_frame(&r, f[2], fl[2], got, sizeof(got), &mlen), RN_EPROOF);
    /* Replayed: frame 1 twice. */
    r = r0;
    assert_int_equal(open_frame(&r, f[0], fl[0], got, sizeof(got), &mlen), 0);
    assert_int_equal(open_frame(&r, f[0], fl[0], got, sizeof(got), &mlen), RN_EPROOF);
    /* In order: all three. */
    r = r0;
    for (int i = 0; i < 3; i++) {
        assert_int_equal(open_frame(&r, f[i], fl[i], got, sizeof(got), &mlen), 0);
        assert_int_equal(mlen, 8);
        assert_int_equal(got[0], i);
    }
    for (int i = 0; i < 3; i++)
        free(f[i]);
}

static void test_frame_tags(void **state)
{
    (void)state;
    /* Frames with the PUSH, REKEY and FINAL tags are refused, though authentic. */
    static const unsigned char tags[] = { crypto_secretstream_xchacha20poly1305_TAG_PUSH,
                                          crypto_secretstream_xchacha20poly1305_TAG_REKEY,
                                          crypto_secretstream_xchacha20poly1305_TAG_FINAL };
    uint8_t key[32], ct[64], got[64];
    size_t mlen;
    unsigned long long clen;
    from_label("frame tag key", key);
    for (size_t t = 0; t < sizeof(tags); t++) {
        proto_stream tx, rx;
        stream_pair(&tx, &rx, key);
        const uint8_t m[] = { 0x92, 0x08, 0x00 };
        crypto_secretstream_xchacha20poly1305_push(&tx.tx, ct, &clen, m, sizeof(m), NULL, 0,
                                                   tags[t]);
        memset(got, 0x55, sizeof(got));
        assert_int_equal(proto_frame_open(&rx, ct, (size_t)clen, got, sizeof(got), &mlen),
                         RN_EPROOF);
        assert_true(all_zero(got, sizeof(m))); /* the plaintext is not left behind */
        assert_false(rx.rx_ready);
    }
}

static void test_frame_bounds(void **state)
{
    (void)state;
    uint8_t p[4];
    const uint32_t lo = 17, hi = RN_FRAME_BYTES_MAX + 17;
    struct {
        uint32_t v;
        int64_t want;
    } cases[] = { { 0, RN_ETOOBIG },      { 16, RN_ETOOBIG },        { lo, lo },
                  { lo + 1, lo + 1 },     { hi - 1, hi - 1 },        { hi, hi },
                  { hi + 1, RN_ETOOBIG }, { UINT32_MAX, RN_ETOOBIG } };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        p[0] = (uint8_t)(cases[i].v >> 24);
        p[1] = (uint8_t)(cases[i].v >> 16);
        p[2] = (uint8_t)(cases[i].v >> 8);
        p[3] = (uint8_t)cases[i].v;
        assert_int_equal(proto_frame_len(p), cases[i].want);
    }

    /* Sealing at the limit and one past it; opening the largest frame. */
    uint8_t key[32];
    from_label("frame bounds key", key);
    proto_stream tx, rx;
    stream_pair(&tx, &rx, key);
    size_t big = RN_FRAME_BYTES_MAX, flen, mlen;
    uint8_t *msg = calloc(1, big + 1), *f = malloc(big + 1 + PROTO_FRAME_OVERHEAD);
    uint8_t *got = malloc(big);
    assert_non_null(msg);
    assert_non_null(f);
    assert_non_null(got);
    assert_int_equal(proto_frame_seal(&tx, msg, big + 1, f, big + 1 + PROTO_FRAME_OVERHEAD, &flen),
                     RN_ETOOBIG);
    assert_int_equal(proto_frame_seal(&tx, msg, big, f, big + PROTO_FRAME_OVERHEAD - 1, &flen),
                     RN_EINVAL);
    assert_int_equal(proto_frame_seal(&tx, msg, big, f, big + PROTO_FRAME_OVERHEAD, &flen), 0);
    assert_int_equal(proto_frame_len(f), (int64_t)hi);
    assert_int_equal(proto_frame_open(&rx, f + 4, flen - 4, got, big - 1, &mlen), RN_EINVAL);
    assert_int_equal(proto_frame_open(&rx, f + 4, flen - 4, got, big, &mlen), 0);
    assert_int_equal(mlen, big);
    /* An empty message is a frame of 17 bytes. */
    assert_int_equal(proto_frame_seal(&tx, NULL, 0, f, PROTO_FRAME_OVERHEAD, &flen), 0);
    assert_int_equal(flen, PROTO_FRAME_OVERHEAD);
    assert_int_equal(proto_frame_open(&rx, f + 4, 17, got, 0, &mlen), 0);
    assert_int_equal(mlen, 0);
    /* Ciphertext lengths past the bounds are refused before anything is decrypted. */
    proto_stream r = rx;
    assert_int_equal(proto_frame_open(&r, f + 4, 16, got, big, &mlen), RN_ETOOBIG);
    assert_false(r.rx_ready);
    r = rx;
    assert_int_equal(proto_frame_open(&r, f, (size_t)hi + 1, got, big + 1, &mlen), RN_ETOOBIG);
    /* Directions not started. */
    proto_stream none;
    memset(&none, 0, sizeof(none));
    assert_int_equal(proto_frame_seal(&none, msg, 1, f, 64, &flen), RN_EINVAL);
    assert_int_equal(proto_frame_open(&none, f + 4, 17, got, 64, &mlen), RN_EINVAL);
    free(msg);
    free(f);
    free(got);
}

/* ---- Messages ---- */

static uint8_t key_a[32], key_b[32], key_c[32], id_a[32], id_b[32];
static uint8_t entry1[RN_ENTRY_BYTES_MIN + 10], entry2[RN_ENTRY_BYTES_MIN + 20];

static int msg_setup(void **state)
{
    (void)state;
    for (int i = 0; i < 32; i++) {
        key_a[i] = 0x10;
        key_b[i] = 0x20;
        key_c[i] = 0x30;
        id_a[i] = (uint8_t)i;
        id_b[i] = (uint8_t)(0xff - i);
    }
    memset(entry1, 0xe1, sizeof(entry1));
    memset(entry2, 0xe2, sizeof(entry2));
    return 0;
}

/* A signed checkpoint by alice of heads key_a and key_b, with `cosigs` cosignatures (bob's and
 * carol's), appended to b. */
static void checkpoint_sample(mp_buf *b, uint32_t cosigs)
{
    static proto_checkpoint cp; /* ~40 KiB */
    memset(&cp, 0, sizeof(cp));
    memcpy(cp.signer, alice.pk, PROTO_KEY_BYTES);
    cp.time_ms = 1767225600000ull;
    cp.roster_version = 1;
    cp.heads_n = 2;
    cp.heads[0] = (proto_cp_head){ key_a, 3, id_a };
    cp.heads[1] = (proto_cp_head){ key_b, RN_SEQ_MAX, id_b };
    assert_int_equal(proto_checkpoint_sign(&cp, alice.sk, NULL), 0);
    const party *w[2] = { &bob, &carol };
    for (uint32_t i = 0; i < cosigs && i < 2; i++) {
        proto_cosig c;
        proto_cosig_make(cp.hash, cp.time_ms + 1u + i, w[i]->sk, &c);
        assert_int_equal(proto_checkpoint_cosig_add(&cp, &c, NULL), 0);
    }
    assert_int_equal(proto_checkpoint_encode(&cp, b, NULL), 0);
}

/* Encodes one sample message of each type: index 0 .. 11. */
static void sample(mp_buf *b, int which)
{
    proto_head heads[3] = { { key_a, 1, id_a }, { key_b, RN_SEQ_MAX, id_b }, { key_c, 300, id_a } };
    switch (which) {
    case 0:
        proto_msg_heads(b, heads, 3);
        break;
    case 1:
        proto_msg_heads(b, heads, 0);
        break;
    case 2:
        proto_msg_want(b, key_a, 7, 1000);
        break;
    case 3:
        proto_msg_entries_begin(b, 2);
        mp_put_bin(b, entry1, sizeof(entry1));
        mp_put_bin(b, entry2, sizeof(entry2));
        break;
    case 4:
        proto_msg_have(b, key_b, 65536);
        break;
    case 5:
        proto_msg_eager(b, key_c, true);
        break;
    case 6:
        proto_msg_fork(b, (proto_str){ entry1, sizeof(entry1) },
                       (proto_str){ entry2, sizeof(entry2) });
        break;
    case 7:
        proto_msg_ack(b, 4u << 20);
        break;
    case 8:
        proto_msg_ping(b, PROTO_MSG_PING, UINT64_MAX);
        break;
    case 9:
        proto_msg_ping(b, PROTO_MSG_PONG, 0);
        break;
    case 10: {
        mp_buf cp;
        mp_buf_init(&cp, RN_CHECKPOINT_BYTES_MAX);
        checkpoint_sample(&cp, 2);
        proto_msg_checkpoint(b, cp.data, cp.len);
        mp_buf_free(&cp);
        break;
    }
    default: {
        proto_cosig c;
        proto_cosig_make(id_a, 1767225600000ull, bob.sk, &c);
        proto_msg_cosign(b, id_a, &c);
        break;
    }
    }
    assert_int_equal(mp_buf_err(b), 0);
}
#define SAMPLES 12

/* Re-encodes a decoded message (what fuzz_msg does too). */
static void reencode(mp_buf *b, const proto_msg *m)
{
    switch (m->type) {
    case PROTO_MSG_HEADS:
        proto_msg_heads(b, m->heads, m->n);
        break;
    case PROTO_MSG_WANT:
        proto_msg_want(b, m->author, m->seq, m->count);
        break;
    case PROTO_MSG_ENTRIES:
        proto_msg_entries_begin(b, m->n);
        for (uint32_t i = 0; i < m->n; i++)
            mp_put_bin(b, m->entries[i].ptr, m->entries[i].len);
        break;
    case PROTO_MSG_HAVE:
        proto_msg_have(b, m->author, m->seq);
        break;
    case PROTO_MSG_EAGER:
        proto_msg_eager(b, m->author, m->on);
        break;
    case PROTO_MSG_FORK:
        proto_msg_fork(b, m->entries[0], m->entries[1]);
        break;
    case PROTO_MSG_ACK:
        proto_msg_ack(b, m->count);
        break;
    case PROTO_MSG_CHECKPOINT:
        proto_msg_checkpoint(b, m->checkpoint.ptr, m->checkpoint.len);
        break;
    case PROTO_MSG_COSIGN: {
        proto_cosig c;
        memcpy(c.witness, m->witness, PROTO_KEY_BYTES);
        c.time_ms = m->time_ms;
        memcpy(c.sig, m->sig, PROTO_SIG_BYTES);
        proto_msg_cosign(b, m->hash, &c);
        break;
    }
    default:
        proto_msg_ping(b, m->type, m->count);
        break;
    }
}

static proto_msg msg; /* ~40 KiB: static rather than on the stack */

static int decode(const uint8_t *p, size_t n, rn_diag *d)
{
    /* An exactly sized copy, so that an over-read would touch other memory under ASan. */
    uint8_t *copy = malloc(n > 0 ? n : 1);
    assert_non_null(copy);
    memcpy(copy, p, n);
    memset(d, 0, sizeof(*d));
    int rc = proto_msg_decode(&msg, copy, n, d);
    free(copy);
    return rc;
}

static void test_msg_roundtrip(void **state)
{
    (void)state;
    for (int s = 0; s < SAMPLES; s++) {
        mp_buf b, c;
        mp_buf_init(&b, RN_FRAME_BYTES_MAX);
        mp_buf_init(&c, RN_FRAME_BYTES_MAX);
        sample(&b, s);
        rn_diag d = { 0 };
        assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
        reencode(&c, &msg);
        assert_int_equal(c.len, b.len);
        assert_memory_equal(c.data, b.data, b.len);
        mp_buf_free(&b);
        mp_buf_free(&c);
    }
    /* The decoded fields. */
    mp_buf b;
    mp_buf_init(&b, RN_FRAME_BYTES_MAX);
    rn_diag d;
    sample(&b, 0);
    assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
    assert_int_equal(msg.type, PROTO_MSG_HEADS);
    assert_int_equal(msg.n, 3);
    assert_memory_equal(msg.heads[1].author, key_b, 32);
    assert_int_equal(msg.heads[1].seq, RN_SEQ_MAX);
    assert_memory_equal(msg.heads[1].id, id_b, 32);
    mp_buf_reset(&b);
    sample(&b, 2);
    assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
    assert_int_equal(msg.type, PROTO_MSG_WANT);
    assert_memory_equal(msg.author, key_a, 32);
    assert_int_equal(msg.seq, 7);
    assert_int_equal(msg.count, 1000);
    mp_buf_reset(&b);
    sample(&b, 3);
    assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
    assert_int_equal(msg.n, 2);
    assert_int_equal(msg.entries[1].len, sizeof(entry2));
    mp_buf_reset(&b);
    sample(&b, 5);
    assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
    assert_true(msg.on);
    mp_buf_reset(&b);
    sample(&b, 6);
    assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
    assert_int_equal(msg.type, PROTO_MSG_FORK);
    assert_int_equal(msg.n, 2);
    assert_memory_equal(msg.entries[0].ptr, entry1, sizeof(entry1));
    mp_buf_reset(&b);
    sample(&b, 9);
    assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
    assert_int_equal(msg.type, PROTO_MSG_PONG);
    mp_buf_free(&b);

    /* The exact bytes of a small message (PROTOCOL.md section 10's example). */
    mp_buf_init(&b, 64);
    proto_msg_have(&b, key_a, 5);
    static const uint8_t have[] = { 0x93, 0x04, 0xc4, 0x20 };
    assert_int_equal(b.len, 4 + 32 + 1);
    assert_memory_equal(b.data, have, 4);
    assert_int_equal(b.data[36], 0x05);
    mp_buf_free(&b);

    assert_string_equal(proto_msg_name(PROTO_MSG_ENTRIES), "entries");
    assert_null(proto_msg_name(0));
    assert_string_equal(proto_msg_name(PROTO_MSG_CHECKPOINT), "checkpoint");
    assert_string_equal(proto_msg_name(PROTO_MSG_COSIGN), "cosign");
    assert_null(proto_msg_name(12));
}

static void test_msg_truncated(void **state)
{
    (void)state;
    for (int s = 0; s < SAMPLES; s++) {
        mp_buf b;
        mp_buf_init(&b, RN_FRAME_BYTES_MAX);
        sample(&b, s);
        for (size_t n = 0; n < b.len; n++) {
            rn_diag d;
            int rc = decode(b.data, n, &d);
            if (rc != RN_ETRUNCATED)
                fail_msg("sample %d cut at %zu: %s at %s", s, n, rn_err_name(rc),
                         d.field ? d.field : "-");
            assert_non_null(d.field);
        }
        /* And one byte more is trailing. */
        uint8_t *longer = malloc(b.len + 1);
        memcpy(longer, b.data, b.len);
        longer[b.len] = 0xc0;
        rn_diag d;
        assert_int_equal(decode(longer, b.len + 1, &d), RN_ETRAILING);
        assert_string_equal(d.field, "msg");
        free(longer);
        mp_buf_free(&b);
    }
}

/* Decodes what `b` holds and checks the result: 0, or the error `rc` with `field` and `index` in
 * the diagnostic. Resets `b` for the next case. */
static void expect(mp_buf *b, int rc, const char *field, unsigned index)
{
    rn_diag d;
    assert_int_equal(mp_buf_err(b), 0);
    int got = decode(b->data, b->len, &d);
    if (rc == 0 && got == 0) {
        mp_buf_reset(b);
        return;
    }
    if (got != rc || d.field == NULL || strcmp(d.field, field) != 0 || d.index != index)
        fail_msg("expected %s at %s[%u], got %s at %s[%u]", rn_err_name(rc), field, index,
                 rn_err_name(got), d.field ? d.field : "-", d.index);
    mp_buf_reset(b);
}

static void head(mp_buf *b, const uint8_t *author, size_t alen, uint64_t seq, size_t idlen)
{
    mp_put_array(b, 3);
    mp_put_bin(b, author, alen);
    mp_put_uint(b, seq);
    static const uint8_t id33[33] = { 0x42 };
    mp_put_bin(b, idlen <= 32 ? id_a : id33, idlen);
}

static void test_msg_envelope(void **state)
{
    (void)state;
    mp_buf b;
    mp_buf_init(&b, 2 * RN_FRAME_BYTES_MAX);

    mp_put_map(&b, 0);
    expect(&b, RN_ETYPE, "msg", 0);
    mp_put_array(&b, 0);
    expect(&b, RN_ECOUNT, "msg", 0);
    mp_put_array(&b, 1);
    mp_put_cstr(&b, "ping");
    expect(&b, RN_ETYPE, "msg.type", 0);
    for (uint64_t t = 0; t <= 12; t += 12) {
        mp_put_array(&b, 2);
        mp_put_uint(&b, t);
        mp_put_uint(&b, 1);
        expect(&b, RN_EKIND, "msg.type", 0);
    }
    mp_put_array(&b, 2);
    mp_put_uint(&b, UINT64_MAX);
    mp_put_uint(&b, 1);
    expect(&b, RN_EKIND, "msg.type", 0);
    /* A float, a negative number and a non-canonical type. */
    static const uint8_t flt[] = { 0x92, 0xca, 0, 0, 0, 0, 0x00 };
    mp_buf_raw(&b, flt, sizeof(flt));
    expect(&b, RN_EMALFORMED, "msg.type", 0);
    static const uint8_t neg1[] = { 0x92, 0xff, 0x00 };
    mp_buf_raw(&b, neg1, sizeof(neg1));
    expect(&b, RN_EMALFORMED, "msg.type", 0);
    static const uint8_t nc[] = { 0x92, 0xcc, 0x08, 0x00 };
    mp_buf_raw(&b, nc, sizeof(nc));
    expect(&b, RN_ENONCANON, "msg.type", 0);
    static const uint8_t nca[] = { 0xdc, 0x00, 0x02, 0x08, 0x00 };
    mp_buf_raw(&b, nca, sizeof(nca));
    expect(&b, RN_ENONCANON, "msg", 0);

    /* Every type with one element too few and one too many. */
    static const struct {
        int type;
        uint32_t arity;
        const char *field;
    } ar[] = { { 1, 2, "msg.heads" },       { 2, 4, "msg.want" },   { 3, 2, "msg.entries" },
               { 4, 3, "msg.have" },        { 5, 3, "msg.eager" },  { 6, 3, "msg.fork" },
               { 7, 2, "msg.ack" },         { 8, 2, "msg.ping" },   { 9, 2, "msg.pong" },
               { 10, 2, "msg.checkpoint" }, { 11, 5, "msg.cosign" } };
    for (size_t i = 0; i < sizeof(ar) / sizeof(ar[0]); i++) {
        for (int d = -1; d <= 1; d += 2) {
            uint32_t n = (uint32_t)((int)ar[i].arity + d);
            mp_put_array(&b, n);
            mp_put_uint(&b, (uint64_t)ar[i].type);
            for (uint32_t k = 1; k < n; k++)
                mp_put_nil(&b);
            expect(&b, RN_ECOUNT, ar[i].field, 0);
        }
    }

    /* Larger than any frame. */
    uint8_t *huge = calloc(1, RN_FRAME_BYTES_MAX + 1);
    rn_diag d;
    assert_int_equal(proto_msg_decode(&msg, huge, RN_FRAME_BYTES_MAX + 1, &d), RN_ETOOBIG);
    assert_string_equal(d.field, "msg");
    free(huge);
    mp_buf_free(&b);
}

static void test_msg_heads(void **state)
{
    (void)state;
    mp_buf b;
    mp_buf_init(&b, 2 * RN_FRAME_BYTES_MAX);

    mp_put_array(&b, 2);
    mp_put_uint(&b, 1);
    mp_put_map(&b, 0);
    expect(&b, RN_ETYPE, "msg.heads", 0);

    /* Count one past the bound is refused before any head is read (the heads are not even
     * there); at the bound it is fine. */
    mp_put_array(&b, 2);
    mp_put_uint(&b, 1);
    mp_put_array(&b, RN_PEER_HEADS_MAX + 1);
    expect(&b, RN_ECOUNT, "msg.heads", 0);
    {
        static proto_head many[RN_PEER_HEADS_MAX];
        static uint8_t keys[RN_PEER_HEADS_MAX][32];
        for (uint32_t i = 0; i < RN_PEER_HEADS_MAX; i++) {
            memset(keys[i], 0, 32);
            keys[i][0] = (uint8_t)(i >> 8);
            keys[i][1] = (uint8_t)i;
            many[i] = (proto_head){ keys[i], i + 1u, id_a };
        }
        proto_msg_heads(&b, many, RN_PEER_HEADS_MAX);
        rn_diag d;
        assert_int_equal(decode(b.data, b.len, &d), 0);
        assert_int_equal(msg.n, RN_PEER_HEADS_MAX);
        assert_int_equal(msg.heads[RN_PEER_HEADS_MAX - 1].seq, RN_PEER_HEADS_MAX);
        mp_buf_reset(&b);
    }

    /* One bad head, second in the list: the index names it. */
#define HEADS2(...)                                                                                \
    do {                                                                                           \
        mp_put_array(&b, 2);                                                                       \
        mp_put_uint(&b, 1);                                                                        \
        mp_put_array(&b, 2);                                                                       \
        head(&b, key_a, 32, 1, 32);                                                                \
        __VA_ARGS__;                                                                               \
    } while (0)

    HEADS2(mp_put_nil(&b));
    expect(&b, RN_ETYPE, "msg.heads.head", 2);
    HEADS2(mp_put_array(&b, 2); mp_put_bin(&b, key_b, 32); mp_put_uint(&b, 1));
    expect(&b, RN_ECOUNT, "msg.heads.head", 2);
    HEADS2(mp_put_array(&b, 4); mp_put_bin(&b, key_b, 32); mp_put_uint(&b, 1);
           mp_put_bin(&b, id_a, 32); mp_put_nil(&b));
    expect(&b, RN_ECOUNT, "msg.heads.head", 2);
    HEADS2(head(&b, key_b, 31, 1, 32));
    expect(&b, RN_ELEN, "msg.heads.author", 2);
    {
        uint8_t k33[33];
        memset(k33, 0x20, sizeof(k33));
        HEADS2(head(&b, k33, 33, 1, 32));
        expect(&b, RN_ELEN, "msg.heads.author", 2);
    }
    HEADS2(head(&b, key_b, 32, 0, 32));
    expect(&b, RN_ESEQ, "msg.heads.seq", 2);
    HEADS2(head(&b, key_b, 32, RN_SEQ_MAX + 1, 32));
    expect(&b, RN_ESEQ, "msg.heads.seq", 2);
    HEADS2(head(&b, key_b, 32, RN_SEQ_MAX, 31));
    expect(&b, RN_ELEN, "msg.heads.id", 2);
    HEADS2(head(&b, key_b, 32, 2, 33));
    expect(&b, RN_ELEN, "msg.heads.id", 2);
    HEADS2(mp_put_array(&b, 3); mp_put_str(&b, key_b, 32); mp_put_uint(&b, 1);
           mp_put_bin(&b, id_a, 32));
    expect(&b, RN_ETYPE, "msg.heads.author", 2);
    HEADS2(mp_put_array(&b, 3); mp_put_bin(&b, key_b, 32); mp_put_bool(&b, true);
           mp_put_bin(&b, id_a, 32));
    expect(&b, RN_ETYPE, "msg.heads.seq", 2);
    /* Order: a repeated author, and one before its predecessor. */
    HEADS2(head(&b, key_a, 32, 2, 32));
    expect(&b, RN_EDUPLICATE, "msg.heads.author", 2);
    mp_put_array(&b, 2);
    mp_put_uint(&b, 1);
    mp_put_array(&b, 2);
    head(&b, key_b, 32, 1, 32);
    head(&b, key_a, 32, 1, 32);
    expect(&b, RN_EFIELDORDER, "msg.heads.author", 2);
#undef HEADS2
    mp_buf_free(&b);
}

static void test_msg_fields(void **state)
{
    (void)state;
    mp_buf b;
    mp_buf_init(&b, 2 * RN_FRAME_BYTES_MAX);

    /* WANT */
    static const struct {
        size_t alen;
        uint64_t from, max;
        int rc;
        const char *field;
    } want[] = {
        { 31, 1, 1, RN_ELEN, "msg.want.author" },
        { 33, 1, 1, RN_ELEN, "msg.want.author" },
        { 32, 0, 1, RN_ESEQ, "msg.want.from" },
        { 32, RN_SEQ_MAX + 1, 1, RN_ESEQ, "msg.want.from" },
        { 32, 1, 0, RN_ECOUNT, "msg.want.max" },
        { 32, 1, RN_SEQ_MAX + 1, RN_ECOUNT, "msg.want.max" },
    };
    uint8_t k33[33] = { 0 };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
        mp_put_array(&b, 4);
        mp_put_uint(&b, 2);
        mp_put_bin(&b, k33, want[i].alen);
        mp_put_uint(&b, want[i].from);
        mp_put_uint(&b, want[i].max);
        expect(&b, want[i].rc, want[i].field, 0);
    }
    mp_put_array(&b, 4);
    mp_put_uint(&b, 2);
    mp_put_bin(&b, key_a, 32);
    mp_put_uint(&b, RN_SEQ_MAX);
    mp_put_uint(&b, RN_SEQ_MAX);
    expect(&b, 0, NULL, 0);
    mp_put_array(&b, 4);
    mp_put_uint(&b, 2);
    mp_put_bin(&b, key_a, 32);
    mp_put_nil(&b);
    mp_put_uint(&b, 1);
    expect(&b, RN_ETYPE, "msg.want.from", 0);
    mp_put_array(&b, 4);
    mp_put_uint(&b, 2);
    mp_put_bin(&b, key_a, 32);
    mp_put_uint(&b, 1);
    mp_put_cstr(&b, "1");
    expect(&b, RN_ETYPE, "msg.want.max", 0);

    /* HAVE */
    mp_put_array(&b, 3);
    mp_put_uint(&b, 4);
    mp_put_bin(&b, key_a, 32);
    mp_put_uint(&b, 0);
    expect(&b, RN_ESEQ, "msg.have.seq", 0);
    mp_put_array(&b, 3);
    mp_put_uint(&b, 4);
    mp_put_bin(&b, key_a, 32);
    mp_put_uint(&b, RN_SEQ_MAX + 1);
    expect(&b, RN_ESEQ, "msg.have.seq", 0);
    mp_put_array(&b, 3);
    mp_put_uint(&b, 4);
    mp_put_bin(&b, key_a, 31);
    mp_put_uint(&b, 1);
    expect(&b, RN_ELEN, "msg.have.author", 0);
    mp_put_array(&b, 3);
    mp_put_uint(&b, 4);
    mp_put_nil(&b);
    mp_put_uint(&b, 1);
    expect(&b, RN_ETYPE, "msg.have.author", 0);

    /* EAGER */
    mp_put_array(&b, 3);
    mp_put_uint(&b, 5);
    mp_put_bin(&b, key_a, 32);
    mp_put_uint(&b, 1);
    expect(&b, RN_ETYPE, "msg.eager.on", 0);
    mp_put_array(&b, 3);
    mp_put_uint(&b, 5);
    mp_put_bin(&b, key_a, 33 - 2);
    mp_put_bool(&b, false);
    expect(&b, RN_ELEN, "msg.eager.author", 0);

    /* ACK, PING, PONG */
    mp_put_array(&b, 2);
    mp_put_uint(&b, 7);
    mp_put_uint(&b, 0);
    expect(&b, RN_ECOUNT, "msg.ack.bytes", 0);
    mp_put_array(&b, 2);
    mp_put_uint(&b, 7);
    mp_put_bool(&b, true);
    expect(&b, RN_ETYPE, "msg.ack.bytes", 0);
    mp_put_array(&b, 2);
    mp_put_uint(&b, 8);
    mp_put_nil(&b);
    expect(&b, RN_ETYPE, "msg.ping.nonce", 0);
    mp_put_array(&b, 2);
    mp_put_uint(&b, 9);
    mp_put_bin(&b, key_a, 8);
    expect(&b, RN_ETYPE, "msg.pong.nonce", 0);

    /* FORK */
    mp_put_array(&b, 3);
    mp_put_uint(&b, 6);
    mp_put_bin(&b, entry1, RN_ENTRY_BYTES_MIN - 1);
    mp_put_bin(&b, entry2, sizeof(entry2));
    expect(&b, RN_ELEN, "msg.fork.a", 0);
    mp_put_array(&b, 3);
    mp_put_uint(&b, 6);
    mp_put_bin(&b, entry1, sizeof(entry1));
    mp_put_str(&b, entry2, sizeof(entry2));
    expect(&b, RN_ETYPE, "msg.fork.b", 0);
    {
        uint8_t *big = calloc(1, RN_ENTRY_BYTES_MAX + 1);
        mp_put_array(&b, 3);
        mp_put_uint(&b, 6);
        mp_put_bin(&b, entry1, sizeof(entry1));
        mp_put_bin(&b, big, RN_ENTRY_BYTES_MAX + 1);
        expect(&b, RN_ETOOBIG, "msg.fork.b", 0);
        mp_put_array(&b, 3);
        mp_put_uint(&b, 6);
        mp_put_bin(&b, big, RN_ENTRY_BYTES_MAX);
        mp_put_bin(&b, entry1, RN_ENTRY_BYTES_MIN);
        expect(&b, 0, NULL, 0);
        free(big);
    }
    mp_buf_free(&b);
}

/* CHECKPOINT and COSIGN (PROTOCOL.md 10.5): what decodes, and every refusal. */
static void test_msg_witness(void **state)
{
    (void)state;
    mp_buf b, cp;
    rn_diag d;
    mp_buf_init(&b, 2 * RN_FRAME_BYTES_MAX);
    mp_buf_init(&cp, RN_CHECKPOINT_BYTES_MAX);

    /* A checkpoint with and without cosignatures decodes, its bytes kept whole. */
    for (uint32_t k = 0; k <= 2; k++) {
        mp_buf_reset(&cp);
        checkpoint_sample(&cp, k);
        proto_msg_checkpoint(&b, cp.data, cp.len);
        assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
        assert_int_equal(msg.type, PROTO_MSG_CHECKPOINT);
        assert_int_equal(msg.checkpoint.len, cp.len);
        assert_memory_equal(msg.checkpoint.ptr, cp.data, cp.len);
        assert_int_equal(msg.cp.heads_n, 2);
        assert_int_equal(msg.cp.cosigs_n, k);
        assert_memory_equal(msg.cp.signer, alice.pk, PROTO_KEY_BYTES);
        mp_buf_reset(&b);
    }
    /* The checkpoint must be an array: anything else is refused as msg.checkpoint. */
    mp_put_array(&b, 2);
    mp_put_uint(&b, PROTO_MSG_CHECKPOINT);
    mp_put_bin(&b, cp.data, cp.len);
    expect(&b, RN_ETYPE, "msg.checkpoint", 0);
    mp_put_array(&b, 2);
    mp_put_uint(&b, PROTO_MSG_CHECKPOINT);
    mp_put_map(&b, 0);
    expect(&b, RN_ETYPE, "msg.checkpoint", 0);
    /* Truncated inside the checkpoint, and bytes after it. */
    proto_msg_checkpoint(&b, cp.data, cp.len);
    b.len--;
    expect(&b, RN_ETRUNCATED, "msg.checkpoint", 0);
    proto_msg_checkpoint(&b, cp.data, cp.len);
    mp_put_nil(&b);
    expect(&b, RN_ETRAILING, "msg", 0);
    /* The checkpoint's own rules, with its decoder's field names: a body of another version, a
     * head out of order, an empty list of heads. */
    mp_buf_reset(&cp);
    checkpoint_sample(&cp, 0);
    uint8_t *bad = malloc(cp.len);
    assert_non_null(bad);
    memcpy(bad, cp.data, cp.len);
    RN_ASSERT(bad[0] == 0x93 && bad[1] == 0x95 && bad[2] == 0x01);
    bad[2] = 0x02; /* version 2 */
    mp_put_array(&b, 2);
    mp_put_uint(&b, PROTO_MSG_CHECKPOINT);
    mp_buf_raw(&b, bad, cp.len);
    assert_int_equal(decode(b.data, b.len, &d), RN_EVERSION);
    assert_non_null(d.field);
    assert_int_equal(strncmp(d.field, "checkpoint", 10), 0);
    mp_buf_reset(&b);
    free(bad);
    /* An empty array where a signed checkpoint goes. */
    mp_put_array(&b, 2);
    mp_put_uint(&b, PROTO_MSG_CHECKPOINT);
    mp_put_array(&b, 0);
    assert_int_equal(decode(b.data, b.len, &d), RN_ECOUNT);
    mp_buf_reset(&b);

    /* COSIGN: each field's type, length and bound. */
    proto_cosig c;
    proto_cosig_make(id_a, 5, bob.sk, &c);
    proto_msg_cosign(&b, id_a, &c);
    assert_int_equal(proto_msg_decode(&msg, b.data, b.len, &d), 0);
    assert_int_equal(msg.type, PROTO_MSG_COSIGN);
    assert_memory_equal(msg.hash, id_a, PROTO_ID_BYTES);
    assert_memory_equal(msg.witness, bob.pk, PROTO_KEY_BYTES);
    assert_int_equal(msg.time_ms, 5);
    assert_memory_equal(msg.sig, c.sig, PROTO_SIG_BYTES);
    mp_buf_reset(&b);
    static const struct {
        int field; /* which one is broken: 0 hash, 1 witness, 2 time, 3 sig */
        int how;   /* 0 one byte short, 1 one byte long, 2 wrong type, 3 out of bounds */
        int rc;
        const char *name;
    } cases[] = {
        { 0, 0, RN_ELEN, "msg.cosign.hash" },    { 0, 1, RN_ELEN, "msg.cosign.hash" },
        { 0, 2, RN_ETYPE, "msg.cosign.hash" },   { 1, 0, RN_ELEN, "msg.cosign.witness" },
        { 1, 1, RN_ELEN, "msg.cosign.witness" }, { 1, 2, RN_ETYPE, "msg.cosign.witness" },
        { 2, 2, RN_ETYPE, "msg.cosign.time" },   { 2, 3, RN_ETIME, "msg.cosign.time" },
        { 3, 0, RN_ELEN, "msg.cosign.sig" },     { 3, 1, RN_ELEN, "msg.cosign.sig" },
        { 3, 2, RN_ETYPE, "msg.cosign.sig" },
    };
    static const uint8_t zeros[65] = { 0 };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        mp_put_array(&b, 5);
        mp_put_uint(&b, PROTO_MSG_COSIGN);
        for (int f = 0; f < 4; f++) {
            size_t len = f == 3 ? 64u : 32u;
            if (f == cases[i].field && cases[i].how == 2) {
                mp_put_cstr(&b, "x");
            } else if (f == 2) {
                mp_put_uint(&b, f == cases[i].field ? RN_TIME_MS_MAX + 1u : RN_TIME_MS_MAX);
            } else {
                if (f == cases[i].field)
                    len = cases[i].how == 0 ? len - 1u : len + 1u;
                mp_put_bin(&b, zeros, len);
            }
        }
        expect(&b, cases[i].rc, cases[i].name, 0);
    }
    mp_buf_free(&cp);
    mp_buf_free(&b);
}

static void test_msg_entries(void **state)
{
    (void)state;
    mp_buf b;
    mp_buf_init(&b, 2 * RN_FRAME_BYTES_MAX);

    mp_put_array(&b, 2);
    mp_put_uint(&b, 3);
    mp_put_array(&b, 0);
    expect(&b, RN_ECOUNT, "msg.entries", 0);
    mp_put_array(&b, 2);
    mp_put_uint(&b, 3);
    mp_put_array(&b, RN_BATCH_ENTRIES_MAX + 1);
    expect(&b, RN_ECOUNT, "msg.entries", 0);
    mp_put_array(&b, 2);
    mp_put_uint(&b, 3);
    mp_put_bin(&b, entry1, sizeof(entry1));
    expect(&b, RN_ETYPE, "msg.entries", 0);

    /* At the count bound. */
    proto_msg_entries_begin(&b, RN_BATCH_ENTRIES_MAX);
    for (uint32_t i = 0; i < RN_BATCH_ENTRIES_MAX; i++)
        mp_put_bin(&b, entry1, RN_ENTRY_BYTES_MIN);
    expect(&b, 0, NULL, 0);
    assert_int_equal(msg.n, RN_BATCH_ENTRIES_MAX);

    /* Entry lengths: the third entry is bad. */
    static const struct {
        size_t len;
        int rc;
    } lens[] = { { RN_ENTRY_BYTES_MIN - 1, RN_ELEN },
                 { RN_ENTRY_BYTES_MAX + 1, RN_ETOOBIG },
                 { 0, RN_ELEN } };
    uint8_t *big = calloc(1, RN_ENTRY_BYTES_MAX + 1);
    for (size_t i = 0; i < sizeof(lens) / sizeof(lens[0]); i++) {
        proto_msg_entries_begin(&b, 3);
        mp_put_bin(&b, entry1, sizeof(entry1));
        mp_put_bin(&b, entry2, sizeof(entry2));
        mp_put_bin(&b, big, lens[i].len);
        expect(&b, lens[i].rc, "msg.entries.entry", 3);
    }
    proto_msg_entries_begin(&b, 2);
    mp_put_bin(&b, entry1, sizeof(entry1));
    mp_put_nil(&b);
    expect(&b, RN_ETYPE, "msg.entries.entry", 2);

    /* Total bytes: RN_BATCH_BYTES_MAX exactly is fine; one more byte is too big. */
    uint32_t full = RN_BATCH_BYTES_MAX / RN_ENTRY_BYTES_MAX;
    proto_msg_entries_begin(&b, full);
    for (uint32_t i = 0; i < full; i++)
        mp_put_bin(&b, big, RN_ENTRY_BYTES_MAX);
    expect(&b, 0, NULL, 0);
    proto_msg_entries_begin(&b, full + 1);
    for (uint32_t i = 0; i < full; i++)
        mp_put_bin(&b, big, RN_ENTRY_BYTES_MAX);
    mp_put_bin(&b, big, RN_ENTRY_BYTES_MIN);
    expect(&b, RN_ETOOBIG, "msg.entries", full + 1);
    free(big);
    mp_buf_free(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_hs_complete),
        cmocka_unit_test(test_hs_deterministic),
        cmocka_unit_test(test_hs_wrong_netkey),
        cmocka_unit_test(test_hs_wrong_responder),
        cmocka_unit_test(test_hs_impostor_responder),
        cmocka_unit_test(test_hs_tamper),
        cmocka_unit_test(test_hs_small_order_ephemeral),
        cmocka_unit_test(test_hs_bad_calls),
        cmocka_unit_test(test_hs_version),
        cmocka_unit_test(test_frame_roundtrip),
        cmocka_unit_test(test_frame_tamper),
        cmocka_unit_test(test_frame_order),
        cmocka_unit_test(test_frame_tags),
        cmocka_unit_test(test_frame_bounds),
        cmocka_unit_test_setup(test_msg_roundtrip, msg_setup),
        cmocka_unit_test_setup(test_msg_truncated, msg_setup),
        cmocka_unit_test_setup(test_msg_envelope, msg_setup),
        cmocka_unit_test_setup(test_msg_heads, msg_setup),
        cmocka_unit_test_setup(test_msg_fields, msg_setup),
        cmocka_unit_test_setup(test_msg_entries, msg_setup),
        cmocka_unit_test_setup(test_msg_witness, msg_setup),
    };
    return cmocka_run_group_tests(tests, setup, NULL);
}
