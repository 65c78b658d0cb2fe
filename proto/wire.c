/*
 * wire.c: the peer protocol: the four-message handshake, secretstream frames, and the strict
 * codec of the peer messages (wire.h; PROTOCOL.md sections 8 to 10).
 *
 * The handshake is a small state machine over fixed-size messages, written as four steps per
 * role in the order PROTOCOL.md section 8 lists them, so that an auditor can hold the two side by
 * side. Every failure wipes the whole state and leaves it dead (step HS_DEAD): a handshake that
 * failed once is never resumed, and no secret outlives the failure. Ephemeral secret keys are
 * wiped as soon as the shared secret is computed; the shared secret stays until proto_hs_wipe
 * because the session keys are derived from it.
 *
 * Frames are libsodium's secretstream with the MESSAGE tag only; a receiving direction that
 * refuses one frame is wiped and refuses everything after it. Messages are decoded through the
 * strict cursor of mp.h, one table row per message type; a connection sees one decode per frame,
 * so the decoder favours clarity, but it checks every count against limits.h before it reads the
 * items.
 */
#include "wire.h"

#include <string.h>

/* Domain-separation labels: ASCII, no terminator. Each key and each signature has its own, so a
 * value computed for one purpose is never accepted for another (a responder's signature is never
 * an initiator's). */
#define LABEL_K3      "recnet/hs/v1/k3"
#define LABEL_K4      "recnet/hs/v1/k4"
#define LABEL_SIG_I   "recnet/hs/v1/sig-i"
#define LABEL_SIG_R   "recnet/hs/v1/sig-r"
#define LABEL_I2R     "recnet/hs/v1/i2r"
#define LABEL_R2I     "recnet/hs/v1/r2i"
#define LABEL_SIG_LEN 18u /* both signature labels */

#define HASH_BYTES 32u
#define HS_DEAD    (-1) /* step after a failure or proto_hs_wipe */

static_assert(PROTO_HS_M1_BYTES == 1u + 32u + HASH_BYTES, "M1 layout");
static_assert(PROTO_HS_M2_BYTES == 32u + HASH_BYTES, "M2 layout");
static_assert(PROTO_HS_M3_BYTES == PROTO_KEY_BYTES + PROTO_SIG_BYTES + crypto_secretbox_MACBYTES,
              "M3 layout");
static_assert(PROTO_HS_M4_BYTES == PROTO_SIG_BYTES + crypto_secretbox_MACBYTES, "M4 layout");
static_assert(crypto_secretbox_KEYBYTES == 32u, "secretbox keys are 32 bytes");
static_assert(crypto_secretstream_xchacha20poly1305_ABYTES == 17u, "frame overhead");
static_assert(sizeof(LABEL_SIG_I) - 1u == LABEL_SIG_LEN &&
                  sizeof(LABEL_SIG_R) - 1u == LABEL_SIG_LEN,
              "signature labels");
static_assert(RN_FRAME_BYTES_MAX + crypto_secretstream_xchacha20poly1305_ABYTES <= UINT32_MAX,
              "a frame length fits in its be32 prefix");

/* ---- Handshake ---- */

/* out = H(label || netkey || shared || a || b): every key the handshake derives. */
static void derive(uint8_t out[32], const char *label, const proto_hs *h, const uint8_t *a,
                   size_t alen, const uint8_t *b, size_t blen)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    crypto_generichash_update(&st, h->netkey, PROTO_NETKEY_BYTES);
    crypto_generichash_update(&st, h->shared, sizeof(h->shared));
    if (alen > 0)
        crypto_generichash_update(&st, a, alen);
    if (blen > 0)
        crypto_generichash_update(&st, b, blen);
    crypto_generichash_final(&st, out, HASH_BYTES);
    sodium_memzero(&st, sizeof(st));
}

/* The running transcript: T1 = H(M1), then T(k) = H(T(k-1) || Mk), over the bytes on the wire. */
static void absorb(proto_hs *h, const uint8_t *msg, size_t len)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, HASH_BYTES);
    if (h->step > 0)
        crypto_generichash_update(&st, h->transcript, HASH_BYTES);
    crypto_generichash_update(&st, msg, len);
    crypto_generichash_final(&st, h->transcript, HASH_BYTES);
}

/* mac = BLAKE2b-256 keyed with the network key over a || b. */
static void mac(uint8_t out[32], const uint8_t netkey[32], const uint8_t *a, size_t alen,
                const uint8_t *b, size_t blen)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, netkey, PROTO_NETKEY_BYTES, HASH_BYTES);
    crypto_generichash_update(&st, a, alen);
    crypto_generichash_update(&st, b, blen);
    crypto_generichash_final(&st, out, HASH_BYTES);
    sodium_memzero(&st, sizeof(st));
}

/* shared = X25519(e_sk, peer_e); an all-zero result (a peer key of small order) is refused. The
 * ephemeral secret has done its work either way and is wiped at once. */
static int agree(proto_hs *h)
{
    int rc = crypto_scalarmult(h->shared, h->e_sk, h->peer_e) == 0 ? 0 : RN_EPROOF;
    sodium_memzero(h->e_sk, sizeof(h->e_sk));
    return rc;
}

static const uint8_t *own_pk(const proto_hs *h)
{
    return h->sk + (PROTO_SK_BYTES - PROTO_KEY_BYTES);
}

/* "recnet/hs/v1/sig-i" || pk_R || T2: what the initiator signs. */
static void sig_i_msg(uint8_t m[LABEL_SIG_LEN + 32 + 32], const uint8_t pk_r[32],
                      const uint8_t t2[32])
{
    memcpy(m, LABEL_SIG_I, LABEL_SIG_LEN);
    memcpy(m + LABEL_SIG_LEN, pk_r, 32);
    memcpy(m + LABEL_SIG_LEN + 32, t2, 32);
}

/* "recnet/hs/v1/sig-r" || pk_I || sig_I || T3: what the responder signs. */
static void sig_r_msg(uint8_t m[LABEL_SIG_LEN + 32 + 64 + 32], const uint8_t pk_i[32],
                      const uint8_t sig_i[64], const uint8_t t3[32])
{
    memcpy(m, LABEL_SIG_R, LABEL_SIG_LEN);
    memcpy(m + LABEL_SIG_LEN, pk_i, 32);
    memcpy(m + LABEL_SIG_LEN + 32, sig_i, 64);
    memcpy(m + LABEL_SIG_LEN + 96, t3, 32);
}

int proto_hs_init(proto_hs *h, proto_hs_role role, const uint8_t netkey[32],
                  const uint8_t sk[PROTO_SK_BYTES], const uint8_t *peer, const uint8_t eph_seed[32])
{
    memset(h, 0, sizeof(*h));
    h->step = HS_DEAD;
    if (netkey == NULL || sk == NULL || eph_seed == NULL)
        return RN_EINVAL;
    if (role == PROTO_HS_INITIATOR) {
        if (peer == NULL || crypto_core_ed25519_is_valid_point(peer) != 1)
            return RN_EINVAL;
        memcpy(h->peer, peer, PROTO_KEY_BYTES);
    } else if (role != PROTO_HS_RESPONDER || peer != NULL) {
        return RN_EINVAL;
    }
    h->role = role;
    memcpy(h->netkey, netkey, PROTO_NETKEY_BYTES);
    memcpy(h->sk, sk, PROTO_SK_BYTES);
    /* The seed is not ours to wipe: the caller owns it. */
    crypto_box_seed_keypair(h->e_pk, h->e_sk, eph_seed);
    h->step = 0;
    return 0;
}

size_t proto_hs_want(const proto_hs *h)
{
    if (h->role == PROTO_HS_INITIATOR) {
        if (h->step == 1)
            return PROTO_HS_M2_BYTES;
        if (h->step == 3)
            return PROTO_HS_M4_BYTES;
    } else if (h->role == PROTO_HS_RESPONDER) {
        if (h->step == 0)
            return PROTO_HS_M1_BYTES;
        if (h->step == 2)
            return PROTO_HS_M3_BYTES;
    }
    return 0;
}

bool proto_hs_done(const proto_hs *h)
{
    return h->step == 4;
}

/* The four writing steps. Each writes exactly its message's size into out. */

static void write_m1(proto_hs *h, uint8_t *out)
{
    out[0] = (uint8_t)PROTO_WIRE_VERSION;
    memcpy(out + 1, h->e_pk, 32);
    mac(out + 33, h->netkey, out, 1, out + 1, 32);
}

static void write_m2(proto_hs *h, uint8_t *out)
{
    memcpy(out, h->e_pk, 32);
    mac(out + 32, h->netkey, h->transcript, HASH_BYTES, h->e_pk, 32);
}

static void write_m3(proto_hs *h, uint8_t *out)
{
    static const uint8_t nonce[crypto_secretbox_NONCEBYTES] = { 0 };
    uint8_t m[LABEL_SIG_LEN + 64], pt[PROTO_KEY_BYTES + PROTO_SIG_BYTES], k3[32];

    sig_i_msg(m, h->peer, h->transcript);
    crypto_sign_detached(h->sig_i, NULL, m, sizeof(m), h->sk);
    memcpy(pt, own_pk(h), PROTO_KEY_BYTES);
    memcpy(pt + PROTO_KEY_BYTES, h->sig_i, PROTO_SIG_BYTES);
    derive(k3, LABEL_K3, h, h->peer, PROTO_KEY_BYTES, NULL, 0);
    crypto_secretbox_easy(out, pt, sizeof(pt), nonce, k3);
    sodium_memzero(k3, sizeof(k3));
    sodium_memzero(pt, sizeof(pt));
}

static void write_m4(proto_hs *h, uint8_t *out)
{
    static const uint8_t nonce[crypto_secretbox_NONCEBYTES] = { 0 };
    uint8_t m[LABEL_SIG_LEN + 128], sig[PROTO_SIG_BYTES], k4[32];

    sig_r_msg(m, h->peer, h->sig_i, h->transcript);
    crypto_sign_detached(sig, NULL, m, sizeof(m), h->sk);
    derive(k4, LABEL_K4, h, h->peer, PROTO_KEY_BYTES, h->sig_i, PROTO_SIG_BYTES);
    crypto_secretbox_easy(out, sig, sizeof(sig), nonce, k4);
    sodium_memzero(k4, sizeof(k4));
    sodium_memzero(sig, sizeof(sig));
}

int proto_hs_write(proto_hs *h, uint8_t *out, size_t cap, size_t *len)
{
    size_t n;
    bool initiator = h->role == PROTO_HS_INITIATOR;

    if (h->step < 0 || h->step > 3 || (h->step % 2 == 0) != initiator || out == NULL || len == NULL)
        goto fail;
    switch (h->step) {
    case 0:
        n = PROTO_HS_M1_BYTES;
        break;
    case 1:
        n = PROTO_HS_M2_BYTES;
        break;
    case 2:
        n = PROTO_HS_M3_BYTES;
        break;
    default:
        n = PROTO_HS_M4_BYTES;
        break;
    }
    if (cap < n)
        goto fail;
    switch (h->step) {
    case 0:
        write_m1(h, out);
        break;
    case 1:
        write_m2(h, out);
        break;
    case 2:
        write_m3(h, out);
        break;
    default:
        write_m4(h, out);
        break;
    }
    absorb(h, out, n);
    h->step++;
    *len = n;
    return 0;
fail:
    proto_hs_wipe(h);
    return RN_EINVAL;
}

/* The four reading steps; `msg` has exactly the message's size. */

static int read_m1(proto_hs *h, const uint8_t *msg)
{
    uint8_t want[32];
    if (msg[0] != PROTO_WIRE_VERSION)
        return RN_EVERSION;
    mac(want, h->netkey, msg, 1, msg + 1, 32);
    if (crypto_verify_32(want, msg + 33) != 0)
        return RN_EPROOF;
    memcpy(h->peer_e, msg + 1, 32);
    return agree(h);
}

static int read_m2(proto_hs *h, const uint8_t *msg)
{
    uint8_t want[32];
    mac(want, h->netkey, h->transcript, HASH_BYTES, msg, 32);
    if (crypto_verify_32(want, msg + 32) != 0)
        return RN_EPROOF;
    memcpy(h->peer_e, msg, 32);
    return agree(h);
}

static int read_m3(proto_hs *h, const uint8_t *msg)
{
    static const uint8_t nonce[crypto_secretbox_NONCEBYTES] = { 0 };
    uint8_t pt[PROTO_KEY_BYTES + PROTO_SIG_BYTES], k3[32], m[LABEL_SIG_LEN + 64];
    int rc = RN_EPROOF;

    derive(k3, LABEL_K3, h, own_pk(h), PROTO_KEY_BYTES, NULL, 0);
    if (crypto_secretbox_open_easy(pt, msg, PROTO_HS_M3_BYTES, nonce, k3) != 0)
        goto out;
    if (crypto_core_ed25519_is_valid_point(pt) != 1)
        goto out;
    sig_i_msg(m, own_pk(h), h->transcript);
    if (crypto_sign_verify_detached(pt + PROTO_KEY_BYTES, m, sizeof(m), pt) != 0)
        goto out;
    memcpy(h->peer, pt, PROTO_KEY_BYTES);
    memcpy(h->sig_i, pt + PROTO_KEY_BYTES, PROTO_SIG_BYTES);
    rc = 0;
out:
    sodium_memzero(k3, sizeof(k3));
    sodium_memzero(pt, sizeof(pt));
    return rc;
}

static int read_m4(proto_hs *h, const uint8_t *msg)
{
    static const uint8_t nonce[crypto_secretbox_NONCEBYTES] = { 0 };
    uint8_t sig[PROTO_SIG_BYTES], k4[32], m[LABEL_SIG_LEN + 128];
    int rc = RN_EPROOF;

    derive(k4, LABEL_K4, h, own_pk(h), PROTO_KEY_BYTES, h->sig_i, PROTO_SIG_BYTES);
    if (crypto_secretbox_open_easy(sig, msg, PROTO_HS_M4_BYTES, nonce, k4) != 0)
        goto out;
    sig_r_msg(m, own_pk(h), h->sig_i, h->transcript);
    if (crypto_sign_verify_detached(sig, m, sizeof(m), h->peer) != 0)
        goto out;
    rc = 0;
out:
    sodium_memzero(k4, sizeof(k4));
    sodium_memzero(sig, sizeof(sig));
    return rc;
}

int proto_hs_read(proto_hs *h, const uint8_t *msg, size_t len)
{
    size_t want = proto_hs_want(h);
    int rc;

    if (want == 0 || msg == NULL || len != want) {
        rc = RN_EINVAL;
        goto fail;
    }
    switch (h->step) {
    case 0:
        rc = read_m1(h, msg);
        break;
    case 1:
        rc = read_m2(h, msg);
        break;
    case 2:
        rc = read_m3(h, msg);
        break;
    default:
        rc = read_m4(h, msg);
        break;
    }
    if (rc < 0)
        goto fail;
    absorb(h, msg, len);
    h->step++;
    return 0;
fail:
    proto_hs_wipe(h);
    return rc;
}

void proto_hs_session(const proto_hs *h, uint8_t tx[32], uint8_t rx[32])
{
    RN_ASSERT(proto_hs_done(h));
    uint8_t *i2r = h->role == PROTO_HS_INITIATOR ? tx : rx;
    uint8_t *r2i = h->role == PROTO_HS_INITIATOR ? rx : tx;
    derive(i2r, LABEL_I2R, h, h->transcript, HASH_BYTES, NULL, 0);
    derive(r2i, LABEL_R2I, h, h->transcript, HASH_BYTES, NULL, 0);
}

void proto_hs_wipe(proto_hs *h)
{
    sodium_memzero(h, sizeof(*h));
    h->step = HS_DEAD;
}

/* ---- Frames ---- */

void proto_stream_tx_init(proto_stream *s, const uint8_t tx[32],
                          uint8_t header[PROTO_STREAM_HEADER_BYTES])
{
    crypto_secretstream_xchacha20poly1305_init_push(&s->tx, header, tx);
    s->tx_ready = true;
}

int proto_stream_rx_init(proto_stream *s, const uint8_t rx[32],
                         const uint8_t header[PROTO_STREAM_HEADER_BYTES])
{
    if (crypto_secretstream_xchacha20poly1305_init_pull(&s->rx, header, rx) != 0) {
        sodium_memzero(&s->rx, sizeof(s->rx));
        s->rx_ready = false;
        return RN_EPROOF;
    }
    s->rx_ready = true;
    return 0;
}

void proto_stream_wipe(proto_stream *s)
{
    sodium_memzero(s, sizeof(*s));
}

static void put_be32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)(v >> 24);
    p[1] = (uint8_t)(v >> 16);
    p[2] = (uint8_t)(v >> 8);
    p[3] = (uint8_t)v;
}

int proto_frame_seal(proto_stream *s, const uint8_t *msg, size_t len, uint8_t *out, size_t cap,
                     size_t *out_len)
{
    unsigned long long clen = 0;

    if (!s->tx_ready || (msg == NULL && len > 0) || out == NULL || out_len == NULL)
        return RN_EINVAL;
    if (len > RN_FRAME_BYTES_MAX)
        return RN_ETOOBIG;
    if (cap < len + PROTO_FRAME_OVERHEAD)
        return RN_EINVAL;
    put_be32(out, (uint32_t)(len + crypto_secretstream_xchacha20poly1305_ABYTES));
    crypto_secretstream_xchacha20poly1305_push(&s->tx, out + 4, &clen, msg, len, NULL, 0,
                                               crypto_secretstream_xchacha20poly1305_TAG_MESSAGE);
    RN_ASSERT(clen == len + crypto_secretstream_xchacha20poly1305_ABYTES);
    *out_len = len + PROTO_FRAME_OVERHEAD;
    return 0;
}

int64_t proto_frame_len(const uint8_t prefix[4])
{
    uint32_t l = (uint32_t)prefix[0] << 24 | (uint32_t)prefix[1] << 16 | (uint32_t)prefix[2] << 8 |
                 (uint32_t)prefix[3];
    if (l < crypto_secretstream_xchacha20poly1305_ABYTES ||
        l > RN_FRAME_BYTES_MAX + crypto_secretstream_xchacha20poly1305_ABYTES)
        return RN_ETOOBIG;
    return (int64_t)l;
}

int proto_frame_open(proto_stream *s, const uint8_t *ct, size_t len, uint8_t *msg, size_t cap,
                     size_t *msg_len)
{
    unsigned long long mlen = 0;
    unsigned char tag = 0xff;
    int rc;

    if (!s->rx_ready || ct == NULL || msg_len == NULL)
        return RN_EINVAL;
    if (len < crypto_secretstream_xchacha20poly1305_ABYTES ||
        len > RN_FRAME_BYTES_MAX + crypto_secretstream_xchacha20poly1305_ABYTES) {
        rc = RN_ETOOBIG;
        goto fail;
    }
    if ((msg == NULL && len > crypto_secretstream_xchacha20poly1305_ABYTES) ||
        cap < len - crypto_secretstream_xchacha20poly1305_ABYTES)
        return RN_EINVAL;
    if (crypto_secretstream_xchacha20poly1305_pull(&s->rx, msg, &mlen, &tag, ct, len, NULL, 0) !=
            0 ||
        tag != crypto_secretstream_xchacha20poly1305_TAG_MESSAGE) {
        /* A frame with another tag decrypted: its plaintext is not a message; erase it. */
        if (mlen > 0)
            sodium_memzero(msg, (size_t)mlen);
        rc = RN_EPROOF;
        goto fail;
    }
    *msg_len = (size_t)mlen;
    return 0;
fail:
    /* The stream cannot be trusted after a refused frame: nothing more is opened on it. */
    sodium_memzero(&s->rx, sizeof(s->rx));
    s->rx_ready = false;
    return rc;
}

/* ---- Messages ---- */

#define FIELD_AT(expr, name, idx)                                                                  \
    do {                                                                                           \
        int rc_ = (expr);                                                                          \
        if (rc_ < 0)                                                                               \
            return rn_fail_at(d, rc_, name, idx);                                                  \
    } while (0)

static int read_seq(mp_cur *c, uint64_t *seq, const char *name, size_t idx, rn_diag *d)
{
    FIELD_AT(mp_read_uint(c, seq), name, idx);
    if (*seq == 0 || *seq > RN_SEQ_MAX)
        return rn_fail_at(d, RN_ESEQ, name, idx);
    return 0;
}

/* An entry carried whole: a byte string of a plausible entry size (decoded later by the store). */
static int read_entry(mp_cur *c, proto_str *e, const char *name, size_t idx, rn_diag *d)
{
    const uint8_t *p;
    uint32_t n;
    FIELD_AT(mp_read_bin(c, &p, &n), name, idx);
    if (n > RN_ENTRY_BYTES_MAX)
        return rn_fail_at(d, RN_ETOOBIG, name, idx);
    if (n < RN_ENTRY_BYTES_MIN)
        return rn_fail_at(d, RN_ELEN, name, idx);
    e->ptr = p;
    e->len = n;
    return 0;
}

static int dec_heads(proto_msg *m, mp_cur *c, rn_diag *d)
{
    uint32_t n;
    RN_FIELD(d, mp_read_array(c, &n), "msg.heads");
    if (n > RN_PEER_HEADS_MAX)
        return rn_fail(d, RN_ECOUNT, "msg.heads");
    for (uint32_t i = 0; i < n; i++) {
        proto_head *hd = &m->heads[i];
        uint32_t k;
        FIELD_AT(mp_read_array(c, &k), "msg.heads.head", i + 1u);
        if (k != 3)
            return rn_fail_at(d, RN_ECOUNT, "msg.heads.head", i + 1u);
        FIELD_AT(mp_read_bin_exact(c, &hd->author, PROTO_KEY_BYTES), "msg.heads.author", i + 1u);
        RN_TRY(read_seq(c, &hd->seq, "msg.heads.seq", i + 1u, d));
        FIELD_AT(mp_read_bin_exact(c, &hd->id, PROTO_ID_BYTES), "msg.heads.id", i + 1u);
        if (i > 0) {
            int cmp = memcmp(m->heads[i - 1].author, hd->author, PROTO_KEY_BYTES);
            if (cmp == 0)
                return rn_fail_at(d, RN_EDUPLICATE, "msg.heads.author", i + 1u);
            if (cmp > 0)
                return rn_fail_at(d, RN_EFIELDORDER, "msg.heads.author", i + 1u);
        }
    }
    m->n = n;
    return 0;
}

static int dec_want(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_FIELD(d, mp_read_bin_exact(c, &m->author, PROTO_KEY_BYTES), "msg.want.author");
    RN_TRY(read_seq(c, &m->seq, "msg.want.from", 0, d));
    RN_FIELD(d, mp_read_uint(c, &m->count), "msg.want.max");
    if (m->count == 0 || m->count > RN_SEQ_MAX)
        return rn_fail(d, RN_ECOUNT, "msg.want.max");
    return 0;
}

static int dec_entries(proto_msg *m, mp_cur *c, rn_diag *d)
{
    uint32_t n;
    size_t total = 0;
    RN_FIELD(d, mp_read_array(c, &n), "msg.entries");
    if (n == 0 || n > RN_BATCH_ENTRIES_MAX)
        return rn_fail(d, RN_ECOUNT, "msg.entries");
    for (uint32_t i = 0; i < n; i++) {
        RN_TRY(read_entry(c, &m->entries[i], "msg.entries.entry", i + 1u, d));
        total += m->entries[i].len;
        if (total > RN_BATCH_BYTES_MAX)
            return rn_fail_at(d, RN_ETOOBIG, "msg.entries", i + 1u);
    }
    m->n = n;
    return 0;
}

static int dec_have(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_FIELD(d, mp_read_bin_exact(c, &m->author, PROTO_KEY_BYTES), "msg.have.author");
    return read_seq(c, &m->seq, "msg.have.seq", 0, d);
}

static int dec_eager(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_FIELD(d, mp_read_bin_exact(c, &m->author, PROTO_KEY_BYTES), "msg.eager.author");
    RN_FIELD(d, mp_read_bool(c, &m->on), "msg.eager.on");
    return 0;
}

static int dec_fork(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_TRY(read_entry(c, &m->entries[0], "msg.fork.a", 0, d));
    RN_TRY(read_entry(c, &m->entries[1], "msg.fork.b", 0, d));
    m->n = 2;
    return 0;
}

static int dec_ack(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_FIELD(d, mp_read_uint(c, &m->count), "msg.ack.bytes");
    if (m->count == 0)
        return rn_fail(d, RN_ECOUNT, "msg.ack.bytes");
    return 0;
}

static int dec_ping(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_FIELD(d, mp_read_uint(c, &m->count), "msg.ping.nonce");
    return 0;
}

static int dec_pong(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_FIELD(d, mp_read_uint(c, &m->count), "msg.pong.nonce");
    return 0;
}

/* CHECKPOINT: one signed checkpoint, decoded strictly in place (checkpoint.h); its exact bytes
 * are kept too, for the receiver to store or pass on unchanged. Its signatures are not checked
 * here: the receiver does, against its roster. */
static int dec_checkpoint(proto_msg *m, mp_cur *c, rn_diag *d)
{
    const uint8_t *start = c->p;
    if (mp_peek(c) != MP_ARRAY)
        return rn_fail(d, mp_peek(c) == MP_NONE ? RN_ETRUNCATED : RN_ETYPE, "msg.checkpoint");
    RN_FIELD(d, mp_skip_at(c, 1), "msg.checkpoint");
    size_t len = (size_t)(c->p - start);
    if (len > RN_CHECKPOINT_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "msg.checkpoint");
    RN_TRY(proto_checkpoint_decode(&m->cp, start, len, d));
    m->checkpoint.ptr = start;
    m->checkpoint.len = (uint32_t)len;
    return 0;
}

static int dec_cosign(proto_msg *m, mp_cur *c, rn_diag *d)
{
    RN_FIELD(d, mp_read_bin_exact(c, &m->hash, PROTO_ID_BYTES), "msg.cosign.hash");
    RN_FIELD(d, mp_read_bin_exact(c, &m->witness, PROTO_KEY_BYTES), "msg.cosign.witness");
    RN_FIELD(d, mp_read_uint(c, &m->time_ms), "msg.cosign.time");
    if (m->time_ms > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "msg.cosign.time");
    RN_FIELD(d, mp_read_bin_exact(c, &m->sig, PROTO_SIG_BYTES), "msg.cosign.sig");
    return 0;
}

/* One row per message type: the array length (type included), the name of the whole message for
 * diagnostics, and the decoder of the fields after the type. */
typedef struct msg_row {
    uint32_t arity;
    const char *field;
    int (*decode)(proto_msg *m, mp_cur *c, rn_diag *d);
} msg_row;

static const msg_row msg_table[] = {
    [PROTO_MSG_HEADS] = { 2, "msg.heads", dec_heads },
    [PROTO_MSG_WANT] = { 4, "msg.want", dec_want },
    [PROTO_MSG_ENTRIES] = { 2, "msg.entries", dec_entries },
    [PROTO_MSG_HAVE] = { 3, "msg.have", dec_have },
    [PROTO_MSG_EAGER] = { 3, "msg.eager", dec_eager },
    [PROTO_MSG_FORK] = { 3, "msg.fork", dec_fork },
    [PROTO_MSG_ACK] = { 2, "msg.ack", dec_ack },
    [PROTO_MSG_PING] = { 2, "msg.ping", dec_ping },
    [PROTO_MSG_PONG] = { 2, "msg.pong", dec_pong },
    [PROTO_MSG_CHECKPOINT] = { 2, "msg.checkpoint", dec_checkpoint },
    [PROTO_MSG_COSIGN] = { 5, "msg.cosign", dec_cosign },
};
#define MSG_TYPE_MAX (sizeof(msg_table) / sizeof(msg_table[0]) - 1u)

int proto_msg_decode(proto_msg *m, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur c;
    uint32_t n;
    uint64_t type;

    if (d != NULL)
        d->index = 0;
    if (len > RN_FRAME_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "msg");
    m->author = NULL;
    m->seq = 0;
    m->count = 0;
    m->on = false;
    m->n = 0;
    m->checkpoint = (proto_str){ NULL, 0 };
    m->hash = m->witness = m->sig = NULL;
    m->time_ms = 0;
    mp_cur_init(&c, buf, len);

    RN_FIELD(d, mp_read_array(&c, &n), "msg");
    if (n == 0)
        return rn_fail(d, RN_ECOUNT, "msg");
    RN_FIELD(d, mp_read_uint(&c, &type), "msg.type");
    if (type == 0 || type > MSG_TYPE_MAX || msg_table[type].decode == NULL)
        return rn_fail(d, RN_EKIND, "msg.type");
    const msg_row *row = &msg_table[type];
    if (n != row->arity)
        return rn_fail(d, RN_ECOUNT, row->field);
    m->type = (proto_msg_type)type;
    RN_TRY(row->decode(m, &c, d));
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "msg");
    return 0;
}

const char *proto_msg_name(int type)
{
    switch (type) {
#define PROTO_X_MNAME(name, num, str)                                                              \
    case num:                                                                                      \
        return str;
        PROTO_MSG_MAP(PROTO_X_MNAME)
#undef PROTO_X_MNAME
    default:
        return NULL;
    }
}

void proto_msg_heads(mp_buf *b, const proto_head *heads, uint32_t n)
{
    RN_ASSERT(n <= RN_PEER_HEADS_MAX);
    mp_put_array(b, 2);
    mp_put_uint(b, PROTO_MSG_HEADS);
    mp_put_array(b, n);
    for (uint32_t i = 0; i < n; i++) {
        /* Pair assertion: a reader refuses heads out of key order or out of range. */
        RN_ASSERT(heads[i].seq >= 1 && heads[i].seq <= RN_SEQ_MAX);
        RN_ASSERT(i == 0 || memcmp(heads[i - 1].author, heads[i].author, PROTO_KEY_BYTES) < 0);
        mp_put_array(b, 3);
        mp_put_bin(b, heads[i].author, PROTO_KEY_BYTES);
        mp_put_uint(b, heads[i].seq);
        mp_put_bin(b, heads[i].id, PROTO_ID_BYTES);
    }
}

void proto_msg_want(mp_buf *b, const uint8_t author[PROTO_KEY_BYTES], uint64_t from,
                    uint64_t max_entries)
{
    RN_ASSERT(from >= 1 && from <= RN_SEQ_MAX);
    RN_ASSERT(max_entries >= 1 && max_entries <= RN_SEQ_MAX);
    mp_put_array(b, 4);
    mp_put_uint(b, PROTO_MSG_WANT);
    mp_put_bin(b, author, PROTO_KEY_BYTES);
    mp_put_uint(b, from);
    mp_put_uint(b, max_entries);
}

void proto_msg_entries_begin(mp_buf *b, uint32_t n)
{
    RN_ASSERT(n >= 1 && n <= RN_BATCH_ENTRIES_MAX);
    mp_put_array(b, 2);
    mp_put_uint(b, PROTO_MSG_ENTRIES);
    mp_put_array(b, n);
}

void proto_msg_have(mp_buf *b, const uint8_t author[PROTO_KEY_BYTES], uint64_t seq)
{
    RN_ASSERT(seq >= 1 && seq <= RN_SEQ_MAX);
    mp_put_array(b, 3);
    mp_put_uint(b, PROTO_MSG_HAVE);
    mp_put_bin(b, author, PROTO_KEY_BYTES);
    mp_put_uint(b, seq);
}

void proto_msg_eager(mp_buf *b, const uint8_t author[PROTO_KEY_BYTES], bool on)
{
    mp_put_array(b, 3);
    mp_put_uint(b, PROTO_MSG_EAGER);
    mp_put_bin(b, author, PROTO_KEY_BYTES);
    mp_put_bool(b, on);
}

void proto_msg_fork(mp_buf *b, proto_str a, proto_str e2)
{
    RN_ASSERT(a.len >= RN_ENTRY_BYTES_MIN && a.len <= RN_ENTRY_BYTES_MAX);
    RN_ASSERT(e2.len >= RN_ENTRY_BYTES_MIN && e2.len <= RN_ENTRY_BYTES_MAX);
    mp_put_array(b, 3);
    mp_put_uint(b, PROTO_MSG_FORK);
    mp_put_bin(b, a.ptr, a.len);
    mp_put_bin(b, e2.ptr, e2.len);
}

void proto_msg_ack(mp_buf *b, uint64_t bytes)
{
    RN_ASSERT(bytes >= 1);
    mp_put_array(b, 2);
    mp_put_uint(b, PROTO_MSG_ACK);
    mp_put_uint(b, bytes);
}

void proto_msg_ping(mp_buf *b, proto_msg_type type, uint64_t nonce)
{
    RN_ASSERT(type == PROTO_MSG_PING || type == PROTO_MSG_PONG);
    mp_put_array(b, 2);
    mp_put_uint(b, (uint64_t)type);
    mp_put_uint(b, nonce);
}

void proto_msg_checkpoint(mp_buf *b, const uint8_t *cp, size_t len)
{
    /* Pair assertion: what we send decodes (a checkpoint is some 100 KiB at most). */
    RN_ASSERT(len >= 1 && len <= RN_CHECKPOINT_BYTES_MAX && cp[0] == 0x93);
    mp_put_array(b, 2);
    mp_put_uint(b, PROTO_MSG_CHECKPOINT);
    mp_buf_raw(b, cp, len);
}

void proto_msg_cosign(mp_buf *b, const uint8_t hash[PROTO_ID_BYTES], const proto_cosig *c)
{
    RN_ASSERT(c->time_ms <= RN_TIME_MS_MAX);
    mp_put_array(b, 5);
    mp_put_uint(b, PROTO_MSG_COSIGN);
    mp_put_bin(b, hash, PROTO_ID_BYTES);
    mp_put_bin(b, c->witness, PROTO_KEY_BYTES);
    mp_put_uint(b, c->time_ms);
    mp_put_bin(b, c->sig, PROTO_SIG_BYTES);
}
