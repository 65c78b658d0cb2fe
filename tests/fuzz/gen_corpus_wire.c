/*
 * gen_corpus_wire.c: writes the seed corpora of the three peer-protocol harnesses:
 * tests/fuzz/corpus/frame/, corpus/handshake/ and corpus/msg/ (fuzz_frame.c, fuzz_handshake.c,
 * fuzz_msg.c).
 *
 * The seeds are valid inputs of every shape plus one broken variant per check, so that the fuzzer
 * starts past the checks it would otherwise spend its time on:
 *  - msg: one message of each type from the encoders of wire.h, and broken ones (truncated,
 *    trailing byte, unknown type, seq 0, heads out of order, a short key);
 *  - handshake: a selector byte (0-3, the reading state) then the honest M1..M4 of a handshake
 *    between the fixed keys of fuzz_handshake.c, and broken variants of each (a flipped bit, one
 *    byte short, another version);
 *  - frame: streams of frames sealed under the fixed key and header of fuzz_frame.c, and broken
 *    streams (a flipped bit, truncated, replayed, reordered, another tag, lengths out of bounds).
 *
 * The labels below must match the harnesses. Handshake messages and signatures are deterministic;
 * the secretstream header is drawn from libsodium's random generator, which this program replaces
 * (randombytes_set_implementation) with one that yields the fixed header, so the output is the
 * same bytes on every run.
 *
 * Not run by the tests. Regenerate with
 *     build/tests/fuzz/gen_corpus_wire tests/fuzz/corpus
 * (or with tests/fuzz/corpus/wire, as `make corpus` does: the three directories are then written
 * next to it) and commit the result; see tests/fuzz/README.md.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <sodium.h>

#include "proto/limits.h"
#include "proto/mp.h"
#include "proto/wire.h"

/* Shared with fuzz_frame.c and fuzz_handshake.c. */
#define FUZZ_FRAME_KEY_LABEL    "recnet fuzz frame key"
#define FUZZ_FRAME_HEADER_LABEL "recnet fuzz frame header"
#define FUZZ_HS_NETKEY_LABEL    "recnet fuzz handshake network"
#define FUZZ_HS_I_LABEL         "recnet fuzz handshake initiator"
#define FUZZ_HS_R_LABEL         "recnet fuzz handshake responder"
#define FUZZ_HS_EI_LABEL        "recnet fuzz handshake ephemeral i"
#define FUZZ_HS_ER_LABEL        "recnet fuzz handshake ephemeral r"

static char dir[4096];

static void die(const char *what)
{
    fprintf(stderr, "gen_corpus_wire: %s\n", what);
    exit(1);
}

static void label(const char *s, uint8_t out[32])
{
    crypto_generichash(out, 32, (const uint8_t *)s, strlen(s), NULL, 0);
}

/* ---- A random generator that yields the fixed frame header ---- */

static uint8_t fixed_header[PROTO_STREAM_HEADER_BYTES];

static const char *fixed_name(void)
{
    return "gen_corpus_wire fixed";
}

static uint32_t fixed_random(void)
{
    die("unexpected randombytes_random");
    return 0;
}

static void fixed_buf(void *const buf, const size_t size)
{
    /* libsodium draws a few bytes for itself at initialisation (the guard-page canary); the
     * secretstream header is the only 24-byte draw. */
    if (size == sizeof(fixed_header))
        memcpy(buf, fixed_header, size);
    else
        memset(buf, 0x5a, size);
}

static randombytes_implementation fixed_rng = {
    .implementation_name = fixed_name,
    .random = fixed_random,
    .stir = NULL,
    .uniform = NULL,
    .buf = fixed_buf,
    .close = NULL,
};

/* ---- Output ---- */

static void write_file(const char *sub, const char *name, const uint8_t *p, size_t len)
{
    char path[8192];
    int n = snprintf(path, sizeof(path), "%s/%s/%s", dir, sub, name);
    if (n < 0 || (size_t)n >= sizeof(path))
        die("path too long");
    FILE *f = fopen(path, "wb");
    if (f == NULL || fwrite(p, 1, len, f) != len || fclose(f) != 0)
        die(path);
    printf("%-9s %-28s %6zu bytes\n", sub, name, len);
}

static void make_dir(const char *sub)
{
    char path[8192];
    snprintf(path, sizeof(path), "%s/%s", dir, sub);
    if (mkdir(path, 0755) != 0) {
        struct stat st;
        if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
            die(path);
    }
}

/* ---- msg ---- */

static uint8_t key_a[32], key_b[32], id_a[32], entry1[200], entry2[260];

static void msg_sample(mp_buf *b, int which)
{
    proto_head heads[2] = { { key_a, 3, id_a }, { key_b, 70000, id_a } };
    switch (which) {
    case 0:
        proto_msg_heads(b, heads, 2);
        break;
    case 1:
        proto_msg_want(b, key_a, 4, 1000);
        break;
    case 2:
        proto_msg_entries_begin(b, 2);
        mp_put_bin(b, entry1, sizeof(entry1));
        mp_put_bin(b, entry2, sizeof(entry2));
        break;
    case 3:
        proto_msg_have(b, key_b, 70001);
        break;
    case 4:
        proto_msg_eager(b, key_a, true);
        break;
    case 5:
        proto_msg_fork(b, (proto_str){ entry1, sizeof(entry1) },
                       (proto_str){ entry2, sizeof(entry2) });
        break;
    case 6:
        proto_msg_ack(b, 123456);
        break;
    case 7:
        proto_msg_ping(b, PROTO_MSG_PING, 0x0123456789abcdefull);
        break;
    case 8:
        proto_msg_ping(b, PROTO_MSG_PONG, 0x0123456789abcdefull);
        break;
    case 9: {
        /* A checkpoint signed by a key from a fixed seed, with one cosignature. */
        static proto_checkpoint cp;
        uint8_t seed[32], pk[32], sk[64], wpk[32], wsk[64];
        mp_buf cb;
        memset(seed, 0x51, sizeof(seed));
        crypto_sign_seed_keypair(pk, sk, seed);
        memset(seed, 0x52, sizeof(seed));
        crypto_sign_seed_keypair(wpk, wsk, seed);
        memset(&cp, 0, sizeof(cp));
        memcpy(cp.signer, pk, 32);
        cp.time_ms = 1767225600000ull;
        cp.roster_version = 1;
        cp.heads_n = 2;
        cp.heads[0] = (proto_cp_head){ key_a, 3, id_a };
        cp.heads[1] = (proto_cp_head){ key_b, 70000, id_a };
        proto_cosig c;
        mp_buf_init(&cb, RN_CHECKPOINT_BYTES_MAX);
        if (proto_checkpoint_sign(&cp, sk, NULL) != 0)
            die("checkpoint sign");
        proto_cosig_make(cp.hash, cp.time_ms + 5, wsk, &c);
        if (proto_checkpoint_cosig_add(&cp, &c, NULL) != 0 ||
            proto_checkpoint_encode(&cp, &cb, NULL) != 0)
            die("checkpoint");
        proto_msg_checkpoint(b, cb.data, cb.len);
        mp_buf_free(&cb);
        break;
    }
    default: {
        uint8_t seed[32], pk[32], sk[64];
        memset(seed, 0x52, sizeof(seed));
        crypto_sign_seed_keypair(pk, sk, seed);
        proto_cosig c;
        proto_cosig_make(id_a, 1767225600005ull, sk, &c);
        proto_msg_cosign(b, id_a, &c);
        break;
    }
    }
    if (mp_buf_err(b) != 0)
        die("mp_buf");
}

static const char *const msg_names[] = { "heads", "want", "entries", "have",       "eager", "fork",
                                         "ack",   "ping", "pong",    "checkpoint", "cosign" };

static void gen_msg(void)
{
    mp_buf b;
    mp_buf_init(&b, RN_FRAME_BYTES_MAX);
    memset(key_a, 0x11, 32);
    memset(key_b, 0x22, 32);
    for (int i = 0; i < 32; i++)
        id_a[i] = (uint8_t)i;
    memset(entry1, 0x98, sizeof(entry1));
    memset(entry2, 0x98, sizeof(entry2));

    char name[64];
    for (int i = 0; i < 11; i++) {
        mp_buf_reset(&b);
        msg_sample(&b, i);
        snprintf(name, sizeof(name), "valid-%s", msg_names[i]);
        write_file("msg", name, b.data, b.len);
    }
    mp_buf_reset(&b);
    proto_msg_heads(&b, NULL, 0);
    write_file("msg", "valid-heads-empty", b.data, b.len);

    mp_buf_reset(&b);
    msg_sample(&b, 0);
    write_file("msg", "truncated-heads", b.data, b.len - 1);
    mp_put_nil(&b);
    write_file("msg", "trailing-nil", b.data, b.len);
    /* Heads out of order: swap the two authors' first bytes. */
    mp_buf_reset(&b);
    msg_sample(&b, 0);
    uint8_t *p = memchr(b.data, 0x11, b.len), *q = memchr(b.data, 0x22, b.len);
    if (p == NULL || q == NULL)
        die("heads layout");
    *p = 0x22;
    *q = 0x11;
    write_file("msg", "heads-unsorted", b.data, b.len);

    static const uint8_t unknown[] = { 0x92, 0x0a, 0x00 };
    write_file("msg", "unknown-type", unknown, sizeof(unknown));
    mp_buf_reset(&b);
    mp_put_array(&b, 3);
    mp_put_uint(&b, PROTO_MSG_HAVE);
    mp_put_bin(&b, key_a, 32);
    mp_put_uint(&b, 0);
    write_file("msg", "have-seq-0", b.data, b.len);
    mp_buf_reset(&b);
    mp_put_array(&b, 4);
    mp_put_uint(&b, PROTO_MSG_WANT);
    mp_put_bin(&b, key_a, 31);
    mp_put_uint(&b, 1);
    mp_put_uint(&b, 1);
    write_file("msg", "want-short-key", b.data, b.len);
    static const uint8_t noncanon[] = { 0x92, 0xcc, 0x08, 0x01 };
    write_file("msg", "noncanonical-type", noncanon, sizeof(noncanon));
    mp_buf_free(&b);
}

/* ---- handshake ---- */

static uint8_t hs_msg[4][PROTO_HS_MSG_MAX];
static size_t hs_len[4];

static void gen_handshake(void)
{
    uint8_t netkey[32], seed[32], pk_i[32], sk_i[64], pk_r[32], sk_r[64], ei[32], er[32];
    label(FUZZ_HS_NETKEY_LABEL, netkey);
    label(FUZZ_HS_I_LABEL, seed);
    crypto_sign_seed_keypair(pk_i, sk_i, seed);
    label(FUZZ_HS_R_LABEL, seed);
    crypto_sign_seed_keypair(pk_r, sk_r, seed);
    label(FUZZ_HS_EI_LABEL, ei);
    label(FUZZ_HS_ER_LABEL, er);

    proto_hs i, r;
    if (proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, sk_i, pk_r, ei) != 0 ||
        proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, sk_r, NULL, er) != 0)
        die("proto_hs_init");
    for (int k = 0; k < 4; k++) {
        proto_hs *w = k % 2 == 0 ? &i : &r, *rd = k % 2 == 0 ? &r : &i;
        if (proto_hs_write(w, hs_msg[k], sizeof(hs_msg[k]), &hs_len[k]) != 0 ||
            proto_hs_read(rd, hs_msg[k], hs_len[k]) != 0)
            die("honest handshake failed");
    }
    if (!proto_hs_done(&i) || !proto_hs_done(&r))
        die("handshake not done");
    proto_hs_wipe(&i);
    proto_hs_wipe(&r);

    for (int k = 0; k < 4; k++) {
        uint8_t in[1 + PROTO_HS_MSG_MAX];
        char name[64];
        in[0] = (uint8_t)k;
        memcpy(in + 1, hs_msg[k], hs_len[k]);
        snprintf(name, sizeof(name), "m%d-honest", k + 1);
        write_file("handshake", name, in, 1 + hs_len[k]);
        in[1 + hs_len[k] / 2] ^= 0x04;
        snprintf(name, sizeof(name), "m%d-bitflip", k + 1);
        write_file("handshake", name, in, 1 + hs_len[k]);
        in[1 + hs_len[k] / 2] ^= 0x04;
        snprintf(name, sizeof(name), "m%d-short", k + 1);
        write_file("handshake", name, in, hs_len[k]);
        /* The next message offered in this state (reflection or confusion of turns). */
        in[0] = (uint8_t)((k + 1) % 4);
        snprintf(name, sizeof(name), "m%d-in-wrong-state", k + 1);
        write_file("handshake", name, in, 1 + hs_len[k]);
    }
    uint8_t v2[1 + PROTO_HS_M1_BYTES];
    v2[0] = 0;
    memcpy(v2 + 1, hs_msg[0], PROTO_HS_M1_BYTES);
    v2[1] = 2;
    write_file("handshake", "m1-version-2", v2, sizeof(v2));
}

/* ---- frame ---- */

typedef struct stream_out {
    uint8_t b[4096];
    size_t len;
} stream_out;

static void add_frame(proto_stream *s, stream_out *o, const mp_buf *m)
{
    size_t n;
    if (proto_frame_seal(s, m->data, m->len, o->b + o->len, sizeof(o->b) - o->len, &n) != 0)
        die("proto_frame_seal");
    o->len += n;
}

static void gen_frame(void)
{
    uint8_t key[32], header[PROTO_STREAM_HEADER_BYTES];
    label(FUZZ_FRAME_KEY_LABEL, key);
    mp_buf m[3];
    for (int i = 0; i < 3; i++)
        mp_buf_init(&m[i], RN_FRAME_BYTES_MAX);
    msg_sample(&m[0], 0); /* heads */
    msg_sample(&m[1], 1); /* want */
    msg_sample(&m[2], 7); /* ping */

    proto_stream s;
    stream_out o = { .len = 0 };
    size_t ends[3];
    proto_stream_tx_init(&s, key, header);
    if (memcmp(header, fixed_header, sizeof(header)) != 0)
        die("header not fixed");
    for (int i = 0; i < 3; i++) {
        add_frame(&s, &o, &m[i]);
        ends[i] = o.len;
    }
    write_file("frame", "stream-heads-want-ping", o.b, o.len);
    write_file("frame", "one-frame-heads", o.b, ends[0]);
    write_file("frame", "truncated", o.b, ends[0] - 1);
    write_file("frame", "prefix-only", o.b, 4);

    stream_out x = o;
    x.b[ends[0] + 10] ^= 0x01;
    write_file("frame", "bitflip-second", x.b, x.len);

    /* Frame 1 twice (replayed), frames 2 then 1 (reordered). */
    x.len = 0;
    memcpy(x.b, o.b, ends[0]);
    memcpy(x.b + ends[0], o.b, ends[0]);
    x.len = 2 * ends[0];
    write_file("frame", "replayed", x.b, x.len);
    x.len = 0;
    memcpy(x.b, o.b + ends[0], ends[1] - ends[0]);
    memcpy(x.b + (ends[1] - ends[0]), o.b, ends[0]);
    x.len = ends[1];
    write_file("frame", "reordered", x.b, x.len);

    /* An empty message, and an ENTRIES message. */
    proto_stream_tx_init(&s, key, header);
    o.len = 0;
    mp_buf_reset(&m[0]);
    add_frame(&s, &o, &m[0]);
    msg_sample(&m[0], 2);
    add_frame(&s, &o, &m[0]);
    write_file("frame", "empty-then-entries", o.b, o.len);

    /* A FINAL tag. */
    proto_stream_tx_init(&s, key, header);
    unsigned long long clen;
    static const uint8_t pong[] = { 0x92, 0x09, 0x00 };
    x.b[0] = 0;
    x.b[1] = 0;
    x.b[2] = 0;
    x.b[3] = (uint8_t)(sizeof(pong) + 17);
    crypto_secretstream_xchacha20poly1305_push(&s.tx, x.b + 4, &clen, pong, sizeof(pong), NULL, 0,
                                               crypto_secretstream_xchacha20poly1305_TAG_FINAL);
    write_file("frame", "tag-final", x.b, 4 + (size_t)clen);

    static const uint8_t too_big[] = { 0xff, 0xff, 0xff, 0xff, 0x00 };
    write_file("frame", "length-too-big", too_big, sizeof(too_big));
    static const uint8_t too_small[] = { 0x00, 0x00, 0x00, 0x10, 0x00 };
    write_file("frame", "length-16", too_small, sizeof(too_small));
    for (int i = 0; i < 3; i++)
        mp_buf_free(&m[i]);
    proto_stream_wipe(&s);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: gen_corpus_wire CORPUS_DIR   (tests/fuzz/corpus)\n");
        return 2;
    }
    /* `make corpus` passes tests/fuzz/corpus/wire: write next to it. */
    snprintf(dir, sizeof(dir), "%s", argv[1]);
    size_t n = strlen(dir);
    while (n > 1 && dir[n - 1] == '/')
        dir[--n] = '\0';
    if (n >= 5 && strcmp(dir + n - 5, "/wire") == 0)
        dir[n - 5] = '\0';

    uint8_t h[32];
    crypto_generichash(h, 32, (const uint8_t *)FUZZ_FRAME_HEADER_LABEL,
                       strlen(FUZZ_FRAME_HEADER_LABEL), NULL, 0);
    memcpy(fixed_header, h, sizeof(fixed_header));
    if (randombytes_set_implementation(&fixed_rng) != 0 || sodium_init() < 0)
        die("libsodium failed to initialise");
    make_dir("msg");
    make_dir("handshake");
    make_dir("frame");
    gen_msg();
    gen_handshake();
    gen_frame();
    return 0;
}
