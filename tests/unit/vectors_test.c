/*
 * vectors_test.c: checks the decoders against the committed test vectors, proto/vectors.json.
 *
 * Every valid entry must decode to the fields the file states, hash to its id, verify, and carry
 * a record that decodes, re-encodes to the same bytes and passes the author-prefix check. Every
 * invalid entry must pass each stage before the one it names and fail that stage with the named
 * error and field. Runs and forks are checked as PROTOCOL.md section 2 describes. The handshake
 * is replayed twice from its seeds, once with proto/wire.h and once from the formulas of
 * PROTOCOL.md section 8 written out here with libsodium, and both must give every byte of the
 * vector; its frames are opened with the given headers. A separate
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

#include "cred/jcs.h"
#include "proto/authors.h"
#include "proto/checkpoint.h"
#include "proto/entry.h"
#include "proto/mp.h"
#include "proto/record.h"
#include "proto/rosterchain.h"
#include "proto/wire.h"

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

static void assert_hex(json_t *o, const char *key, const uint8_t *p, size_t n);

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
        /* A roster entry is its author's approval. */
        assert_int_equal(proto_record_check_signer(&r, e.author, &d), 0);

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

/* json_credential_digest (PROTOCOL.md 13.8): the credential without its proof, in its RFC 8785
 * form, is the text given, and the digest BLAKE2b-256 of it. */
static void test_json_credential_digest(void **state)
{
    (void)state;
    json_t *v = json_object_get(root, "json_credential_digest");
    const char *text = json_string_value(json_object_get(v, "credential"));
    const char *jcs = json_string_value(json_object_get(v, "jcs_without_proof"));
    assert_non_null(text);
    assert_non_null(jcs);
    json_t *vc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    assert_non_null(json_object_get(vc, "proof"));
    json_object_del(vc, "proof");
    cred_buf b;
    cred_buf_init(&b, 1u << 16);
    assert_int_equal(cred_jcs_write(vc, &b), 0);
    assert_int_equal(b.len, strlen(jcs));
    assert_memory_equal(b.data, jcs, b.len);
    size_t n;
    uint8_t *want = unhex(v, "digest", &n), d[32];
    assert_int_equal(n, 32);
    crypto_generichash(d, sizeof(d), (const uint8_t *)jcs, strlen(jcs), NULL, 0);
    assert_memory_equal(d, want, 32);
    free(want);
    cred_buf_free(&b);
    json_decref(vc);
}

/* issuer_key_ext_ids: each key of the provider entry that lists them, with its form and its id,
 * SHA-256 of its text (PROTOCOL.md 3.4). */
static void test_issuer_key_ext_ids(void **state)
{
    (void)state;
    json_t *ids = json_object_get(root, "issuer_key_ext_ids"), *v, *e;
    size_t i, j, found = 0;
    assert_true(json_array_size(ids) > 0);
    json_array_foreach(json_object_get(root, "entries"), j, e)
    {
        size_t n;
        proto_record *r = malloc(sizeof(*r));
        uint8_t *body = unhex(e, "body", &n);
        if (json_integer_value(json_object_get(e, "kind")) != PROTO_KIND_PROVIDER ||
            proto_record_decode(r, PROTO_KIND_PROVIDER, body, n, NULL) != 0 ||
            r->u.provider.issuer_keys_ext_n == 0) {
            free(body);
            free(r);
            continue;
        }
        assert_int_equal(r->u.provider.issuer_keys_ext_n, json_array_size(ids));
        json_array_foreach(ids, i, v)
        {
            const proto_issuer_key_ext *k = &r->u.provider.issuer_keys_ext[i];
            uint8_t id[PROTO_DIGEST_BYTES];
            const char *key = json_string_value(json_object_get(v, "key"));
            assert_non_null(key);
            assert_int_equal(k->key.len, strlen(key));
            assert_memory_equal(k->key.ptr, key, k->key.len);
            assert_string_equal(json_string_value(json_object_get(v, "form")),
                                proto_enum_value_name(PROTO_ENUM_KEY_FORM, k->form));
            proto_issuer_key_ext_id(k, id);
            assert_hex(v, "id", id, sizeof(id));
        }
        found++;
        free(body);
        free(r);
    }
    assert_int_equal(found, 1);
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
        /* "unsigned": the entries (1-based) whose own signature fails although the run
         * verifies; every other entry's verifies. */
        json_t *uns = json_object_get(v, "unsigned"), *u;
        size_t ui;
        bool bad[8] = { false };
        json_array_foreach(uns, ui, u)
        {
            json_int_t at = json_integer_value(u);
            assert_true(at >= 1 && (size_t)at <= n);
            bad[at - 1] = true;
        }
        for (j = 0; uns != NULL && j < n; j++)
            assert_int_equal(proto_entry_verify(&run[j]), bad[j] ? RN_ESIG : 0);
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

/* Checks that the 32-byte (or n-byte) hex member `key` of `o` equals p[0..n). */
static void assert_hex(json_t *o, const char *key, const uint8_t *p, size_t n)
{
    size_t len;
    uint8_t *want = unhex(o, key, &len);
    if (len != n || memcmp(want, p, n) != 0)
        fail_msg("handshake vector: %s differs", key);
    free(want);
}

/* H(label || parts...), the key derivation of PROTOCOL.md section 8. */
static void kdf(uint8_t out[32], const char *label, const uint8_t *netkey, const uint8_t *shared,
                const uint8_t *a, size_t alen, const uint8_t *b, size_t blen)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, (const uint8_t *)label, strlen(label));
    crypto_generichash_update(&st, netkey, 32);
    crypto_generichash_update(&st, shared, 32);
    crypto_generichash_update(&st, a, alen);
    if (blen > 0)
        crypto_generichash_update(&st, b, blen);
    crypto_generichash_final(&st, out, 32);
}

/* T1 = H(M1); Tk = H(T(k-1) || Mk). */
static void chain(uint8_t t[32], bool first, const uint8_t *m, size_t len)
{
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    if (!first)
        crypto_generichash_update(&st, t, 32);
    crypto_generichash_update(&st, m, len);
    crypto_generichash_final(&st, t, 32);
}

static void test_handshake(void **state)
{
    (void)state;
    json_t *hs = json_object_get(root, "handshake");
    assert_non_null(hs);
    size_t n;
    uint8_t *netkey = unhex(hs, "network_key", &n);
    uint8_t *seed_i = unhex(hs, "initiator_seed", &n), *seed_r = unhex(hs, "responder_seed", &n);
    uint8_t *ei = unhex(hs, "initiator_ephemeral_seed", &n);
    uint8_t *er = unhex(hs, "responder_ephemeral_seed", &n);
    uint8_t pk_i[32], sk_i[64], pk_r[32], sk_r[64];
    crypto_sign_seed_keypair(pk_i, sk_i, seed_i);
    crypto_sign_seed_keypair(pk_r, sk_r, seed_r);
    assert_hex(hs, "initiator_public", pk_i, 32);
    assert_hex(hs, "responder_public", pk_r, 32);
    static const char *const names[4] = { "m1", "m2", "m3", "m4" };
    json_t *tl = json_object_get(hs, "transcript");
    assert_int_equal(json_array_size(tl), 4);

    /* 1. With proto/wire.h. */
    proto_hs i, r;
    uint8_t m[4][PROTO_HS_MSG_MAX];
    size_t len[4];
    assert_int_equal(proto_hs_init(&i, PROTO_HS_INITIATOR, netkey, sk_i, pk_r, ei), 0);
    assert_int_equal(proto_hs_init(&r, PROTO_HS_RESPONDER, netkey, sk_r, NULL, er), 0);
    assert_hex(hs, "initiator_ephemeral_public", i.e_pk, 32);
    assert_hex(hs, "responder_ephemeral_public", r.e_pk, 32);
    for (int k = 0; k < 4; k++) {
        proto_hs *w = k % 2 == 0 ? &i : &r, *rd = k % 2 == 0 ? &r : &i;
        assert_int_equal(proto_hs_write(w, m[k], sizeof(m[k]), &len[k]), 0);
        assert_hex(hs, names[k], m[k], len[k]);
        assert_int_equal(proto_hs_read(rd, m[k], len[k]), 0);
        json_t *wrap = json_pack("{sO}", "t", json_array_get(tl, (size_t)k));
        assert_hex(wrap, "t", i.transcript, 32);
        assert_hex(wrap, "t", r.transcript, 32);
        json_decref(wrap);
    }
    assert_true(proto_hs_done(&i) && proto_hs_done(&r));
    assert_hex(hs, "shared", i.shared, 32);
    assert_hex(hs, "sig_i", r.sig_i, 64);
    assert_memory_equal(r.peer, pk_i, 32);
    uint8_t itx[32], irx[32], rtx[32], rrx[32];
    proto_hs_session(&i, itx, irx);
    proto_hs_session(&r, rtx, rrx);
    assert_hex(hs, "i2r", itx, 32);
    assert_hex(hs, "r2i", irx, 32);
    assert_hex(hs, "i2r", rrx, 32);
    assert_hex(hs, "r2i", rtx, 32);
    proto_hs_wipe(&i);
    proto_hs_wipe(&r);

    /* 2. From the text of section 8, with libsodium only. */
    static const uint8_t zero_nonce[crypto_secretbox_NONCEBYTES] = { 0 };
    uint8_t e_pk_i[32], e_sk_i[32], e_pk_r[32], e_sk_r[32], shared[32], shared2[32], t[32];
    uint8_t m1[65], m2[64], m3[112], m4[80], k3[32], k4[32], pt[96], sig_r[64], msg[18 + 128];
    uint8_t i2r[32], r2i[32];
    crypto_box_seed_keypair(e_pk_i, e_sk_i, ei);
    crypto_box_seed_keypair(e_pk_r, e_sk_r, er);
    assert_int_equal(crypto_scalarmult(shared, e_sk_i, e_pk_r), 0);
    assert_int_equal(crypto_scalarmult(shared2, e_sk_r, e_pk_i), 0);
    assert_memory_equal(shared, shared2, 32);
    m1[0] = 1;
    memcpy(m1 + 1, e_pk_i, 32);
    crypto_generichash(m1 + 33, 32, m1, 33, netkey, 32);
    assert_hex(hs, "m1", m1, sizeof(m1));
    chain(t, true, m1, sizeof(m1));
    uint8_t macin[64];
    memcpy(macin, t, 32);
    memcpy(macin + 32, e_pk_r, 32);
    memcpy(m2, e_pk_r, 32);
    crypto_generichash(m2 + 32, 32, macin, 64, netkey, 32);
    assert_hex(hs, "m2", m2, sizeof(m2));
    chain(t, false, m2, sizeof(m2));
    memcpy(msg, "recnet/hs/v1/sig-i", 18);
    memcpy(msg + 18, pk_r, 32);
    memcpy(msg + 50, t, 32);
    memcpy(pt, pk_i, 32);
    crypto_sign_detached(pt + 32, NULL, msg, 82, sk_i);
    assert_hex(hs, "sig_i", pt + 32, 64);
    kdf(k3, "recnet/hs/v1/k3", netkey, shared, pk_r, 32, NULL, 0);
    assert_hex(hs, "k3", k3, 32);
    crypto_secretbox_easy(m3, pt, 96, zero_nonce, k3);
    assert_hex(hs, "m3", m3, sizeof(m3));
    chain(t, false, m3, sizeof(m3));
    memcpy(msg, "recnet/hs/v1/sig-r", 18);
    memcpy(msg + 18, pk_i, 32);
    memcpy(msg + 50, pt + 32, 64);
    memcpy(msg + 114, t, 32);
    crypto_sign_detached(sig_r, NULL, msg, 146, sk_r);
    assert_hex(hs, "sig_r", sig_r, 64);
    kdf(k4, "recnet/hs/v1/k4", netkey, shared, pk_i, 32, pt + 32, 64);
    assert_hex(hs, "k4", k4, 32);
    crypto_secretbox_easy(m4, sig_r, 64, zero_nonce, k4);
    assert_hex(hs, "m4", m4, sizeof(m4));
    chain(t, false, m4, sizeof(m4));
    kdf(i2r, "recnet/hs/v1/i2r", netkey, shared, t, 32, NULL, 0);
    kdf(r2i, "recnet/hs/v1/r2i", netkey, shared, t, 32, NULL, 0);
    assert_hex(hs, "i2r", i2r, 32);
    assert_hex(hs, "r2i", r2i, 32);

    /* 3. The first frame each way opens with the given header and holds a HEADS message. */
    json_t *frames = json_object_get(hs, "frames"), *f;
    size_t fi;
    assert_int_equal(json_array_size(frames), 2);
    json_array_foreach(frames, fi, f)
    {
        const char *dir = json_string_value(json_object_get(f, "direction"));
        size_t hl, fl, pl, ml;
        uint8_t *header = unhex(f, "header", &hl);
        uint8_t *frame = unhex(f, "frame", &fl);
        uint8_t *plain = unhex(f, "plaintext", &pl);
        assert_int_equal(hl, PROTO_STREAM_HEADER_BYTES);
        proto_stream s;
        memset(&s, 0, sizeof(s));
        assert_int_equal(proto_stream_rx_init(&s, strcmp(dir, "i2r") == 0 ? i2r : r2i, header), 0);
        assert_int_equal(proto_frame_len(frame), (int64_t)(fl - 4));
        uint8_t *out = malloc(fl);
        assert_int_equal(proto_frame_open(&s, frame + 4, fl - 4, out, fl, &ml), 0);
        assert_int_equal(ml, pl);
        assert_memory_equal(out, plain, pl);
        static proto_msg pm;
        rn_diag d;
        assert_int_equal(proto_msg_decode(&pm, out, ml, &d), 0);
        assert_int_equal(pm.type, PROTO_MSG_HEADS);
        assert_true(pm.n >= 1);
        /* The other direction's key does not open it. */
        proto_stream s2;
        memset(&s2, 0, sizeof(s2));
        assert_int_equal(proto_stream_rx_init(&s2, strcmp(dir, "i2r") == 0 ? r2i : i2r, header), 0);
        assert_int_equal(proto_frame_open(&s2, frame + 4, fl - 4, out, fl, &ml), RN_EPROOF);
        free(out);
        free(header);
        free(frame);
        free(plain);
    }
    free(netkey);
    free(seed_i);
    free(seed_r);
    free(ei);
    free(er);
}

/* PROTOCOL.md section 6 lists every error code with its number and name. */
/* The governed roster (PROTOCOL.md 4.4): the genesis and every change verify in order, each
 * re-encodes to its bytes, the roster at each version is the stated one, and every invalid change
 * is refused, after the stated version, with the stated error, field and index. */
static void test_roster_chain(void **state)
{
    (void)state;
    json_t *rc = json_object_get(root, "roster_chain");
    assert_non_null(rc);
    json_t *g = json_object_get(rc, "genesis");
    size_t len, n;
    uint8_t *bytes = unhex(g, "bytes", &len);
    uint8_t *fid = unhex(g, "federation_id", &n);
    uint8_t h[PROTO_ID_BYTES];
    crypto_generichash(h, sizeof(h), bytes, len, NULL, 0);
    assert_memory_equal(h, fid, sizeof(h));
    proto_rosterchain ch;
    rn_diag d;
    assert_int_equal(proto_rosterchain_init(&ch, bytes, len, &d), 0);
    assert_string_equal(ch.federation, json_string_value(json_object_get(g, "federation")));
    free(bytes);
    free(fid);

    json_t *changes = json_object_get(rc, "changes"), *rosters = json_object_get(rc, "rosters");
    json_t *invalid = json_object_get(rc, "invalid");
    proto_rc_change *c = malloc(sizeof(*c));
    assert_non_null(c);
    for (size_t i = 0; i <= json_array_size(changes); i++) {
        uint64_t version = i + 1;
        /* The invalid changes that follow this version are refused and change nothing. */
        for (size_t k = 0; k < json_array_size(invalid); k++) {
            json_t *bad = json_array_get(invalid, k);
            if ((uint64_t)json_integer_value(json_object_get(bad, "after")) != version)
                continue;
            uint8_t *bb = unhex(bad, "bytes", &len);
            memset(&d, 0, sizeof(d));
            int want = code_of(json_string_value(json_object_get(bad, "error")));
            assert_int_equal(proto_rosterchain_apply_bytes(&ch, bb, len, &d), want);
            assert_string_equal(d.field, json_string_value(json_object_get(bad, "field")));
            assert_int_equal(d.index, json_integer_value(json_object_get(bad, "index")));
            assert_int_equal(proto_rosterchain_version(&ch), version);
            free(bb);
        }
        /* The roster in force is the stated one. */
        mp_buf b;
        mp_buf_init(&b, 64 * 1024);
        assert_int_equal(proto_roster_encode(&ch.current, &b), 0);
        json_t *holder = json_object();
        json_object_set(holder, "roster", json_array_get(rosters, i));
        uint8_t *want = unhex(holder, "roster", &len);
        json_decref(holder);
        assert_int_equal(b.len, len);
        assert_memory_equal(b.data, want, len);
        free(want);
        mp_buf_free(&b);
        if (i == json_array_size(changes))
            break;
        json_t *v = json_array_get(changes, i);
        bytes = unhex(v, "bytes", &len);
        assert_int_equal(proto_rosterchain_change_decode(c, bytes, len, &d), 0);
        assert_int_equal(c->version, version + 1);
        mp_buf_init(&b, RN_ROSTERCHAIN_CHANGE_BYTES_MAX);
        assert_int_equal(proto_rosterchain_change_encode(c, &b), 0);
        assert_int_equal(b.len, len);
        assert_memory_equal(b.data, bytes, len);
        mp_buf_free(&b);
        uint8_t *body_hash = unhex(v, "body_hash", &n);
        assert_int_equal(proto_rosterchain_change_hash(c, h), 0);
        assert_memory_equal(h, body_hash, sizeof(h));
        free(body_hash);
        assert_int_equal(proto_rosterchain_apply(&ch, c, &d), 0);
        free(bytes);
    }
    free(c);

    /* Every valid entry may be authored under the whole chain (PROTOCOL.md 2, "Identity of
     * authors"): FR's key rotated at version 3 keeps entries 1 to 3, the cut its successor's
     * succession (fr2-1-succession) names; NL's compromised key keeps its log up to its head. */
    proto_authors au;
    assert_int_equal(proto_authors_build(&au, &ch), 0);
    json_t *list = json_object_get(root, "entries"), *v;
    proto_record *r = malloc(sizeof(*r));
    uint64_t fr_cut = PROTO_AUTHORS_NO_CUT;
    size_t i;
    assert_non_null(r);
    json_array_foreach(list, i, v)
    {
        proto_entry e;
        uint8_t *eb = unhex(v, "bytes", &len);
        assert_int_equal(proto_entry_decode(&e, eb, len, NULL), 0);
        assert_int_equal(proto_record_decode(r, e.kind, e.body, e.body_len, NULL), 0);
        if (e.kind == PROTO_KIND_SUCCESSION) {
            fr_cut = r->u.succession.last_seq;
            const proto_author *w = proto_authors_find(&au, e.author);
            assert_non_null(w);
            assert_true(w->has_prev);
            assert_memory_equal(w->prev, r->u.succession.predecessor, PROTO_KEY_BYTES);
        }
        free(eb);
    }
    assert_int_equal(fr_cut, 3);
    json_array_foreach(list, i, v)
    {
        proto_entry e;
        const char *cc = NULL;
        uint8_t *eb = unhex(v, "bytes", &len);
        assert_int_equal(proto_entry_decode(&e, eb, len, NULL), 0);
        assert_int_equal(proto_record_decode(r, e.kind, e.body, e.body_len, NULL), 0);
        const proto_author *w = proto_authors_find(&au, e.author);
        assert_non_null(w);
        memset(&d, 0, sizeof(d));
        assert_int_equal(proto_authors_entry_check(
                             &au, &e, r,
                             w->end == PROTO_RC_END_ROTATED ? fr_cut : PROTO_AUTHORS_NO_CUT, &cc,
                             &d),
                         0);
        assert_string_equal(cc, json_string_value(json_object_get(v, "author_country")));
        free(eb);
    }
    free(r);
    proto_authors_free(&au);
    proto_rosterchain_free(&ch);
}

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

/* Checkpoints, cosignatures, witnessed bundles and signed answers (PROTOCOL.md 16, 5.5): the
 * checkpoint decodes to its stated body hash and signatures and re-encodes to its bytes, its two
 * cosignatures count, the witnessed bundle verifies with two witnesses and not three, the signed
 * answer verifies, and every refused case fails at its stage with its error and field. */
static void checkpoint_roster(proto_roster *r)
{
    json_t *keys = json_object_get(root, "keys"), *k;
    size_t i;
    assert_int_equal(proto_roster_init(r, 8), 0);
    json_array_foreach(keys, i, k)
    {
        size_t n;
        if (json_object_get(k, "successor_of") != NULL)
            continue; /* a key of a later roster version (the rotation vectors) */
        uint8_t *pk = unhex(k, "public", &n);
        const char *cc = json_string_value(json_object_get(k, "country"));
        assert_int_equal(proto_roster_add(r, cc, 2, PROTO_ROLE_AUTHORITY, pk), 0);
        free(pk);
    }
}

static int witnessed_verify(const uint8_t *b, size_t len, const proto_roster *r, uint32_t wits,
                            uint64_t *fresh, rn_diag *d)
{
    proto_proof *p = malloc(sizeof(*p));
    assert_non_null(p);
    proto_witness_req req = { .witnesses = wits, .max_age_ms = UINT64_MAX };
    memset(d, 0, sizeof(*d));
    int rc = proto_proof_verify(b, len, r, p, d);
    if (rc == 0)
        rc = proto_proof_checkpoints_check(p, r, &req, fresh, d);
    free(p);
    return rc;
}

/* CHECKPOINT and COSIGN (PROTOCOL.md 10.5) over the checkpoint vector: each decodes to the
 * checkpoint's bytes and its first cosignature, and re-encodes to the same bytes. */
static void test_witness_messages(void **state)
{
    (void)state;
    json_t *v = json_object_get(root, "witness_messages");
    json_t *c = json_object_get(json_object_get(root, "checkpoint"), "checkpoint");
    assert_non_null(v);
    size_t ml, cl, sl, wl;
    uint8_t *msg = unhex(v, "checkpoint_message", &ml);
    uint8_t *cp = unhex(c, "bytes", &cl);
    static proto_msg pm;
    rn_diag d;
    assert_int_equal(proto_msg_decode(&pm, msg, ml, &d), 0);
    assert_int_equal(pm.type, PROTO_MSG_CHECKPOINT);
    assert_int_equal(pm.checkpoint.len, cl);
    assert_memory_equal(pm.checkpoint.ptr, cp, cl);
    assert_int_equal(ml, 2 + cl);
    uint8_t hash[PROTO_ID_BYTES];
    memcpy(hash, pm.cp.hash, PROTO_ID_BYTES);
    uint8_t *cs = unhex(v, "cosign_message", &sl);
    uint8_t *w = unhex(v, "cosign_witness", &wl);
    assert_int_equal(proto_msg_decode(&pm, cs, sl, &d), 0);
    assert_int_equal(pm.type, PROTO_MSG_COSIGN);
    assert_memory_equal(pm.hash, hash, PROTO_ID_BYTES);
    assert_memory_equal(pm.witness, w, PROTO_KEY_BYTES);
    assert_int_equal(pm.time_ms, (uint64_t)json_integer_value(json_object_get(v, "cosign_time")));
    proto_cosig one;
    memcpy(one.witness, pm.witness, PROTO_KEY_BYTES);
    one.time_ms = pm.time_ms;
    memcpy(one.sig, pm.sig, PROTO_SIG_BYTES);
    assert_int_equal(proto_cosig_verify(hash, &one), 0);
    mp_buf b;
    mp_buf_init(&b, RN_FRAME_BYTES_MAX);
    proto_msg_cosign(&b, hash, &one);
    assert_int_equal(b.len, sl);
    assert_memory_equal(b.data, cs, sl);
    mp_buf_free(&b);
    free(msg);
    free(cp);
    free(cs);
    free(w);
}

static void test_checkpoint(void **state)
{
    (void)state;
    json_t *v = json_object_get(root, "checkpoint");
    assert_non_null(v);
    proto_roster r;
    checkpoint_roster(&r);
    proto_checkpoint *cp = malloc(sizeof(*cp));
    assert_non_null(cp);
    rn_diag d;
    size_t len, n;

    json_t *c = json_object_get(v, "checkpoint");
    uint8_t *bytes = unhex(c, "bytes", &len), *body = unhex(c, "body", &n);
    uint8_t h[PROTO_ID_BYTES];
    crypto_generichash(h, sizeof(h), body, n, NULL, 0);
    assert_hex(c, "body_hash", h, sizeof(h));
    assert_int_equal(proto_checkpoint_decode(cp, bytes, len, &d), 0);
    assert_hex(c, "body_hash", cp->hash, PROTO_ID_BYTES);
    assert_hex(c, "signature", cp->sig, PROTO_SIG_BYTES);
    assert_int_equal(cp->time_ms, json_integer_value(json_object_get(c, "time")));
    assert_int_equal(cp->heads_n, json_array_size(json_object_get(c, "heads")));
    for (uint32_t i = 0; i < cp->heads_n; i++) {
        json_t *hj = json_array_get(json_object_get(c, "heads"), i);
        assert_hex(hj, "key", cp->heads[i].author, PROTO_KEY_BYTES);
        assert_hex(hj, "id", cp->heads[i].id, PROTO_ID_BYTES);
        assert_int_equal(cp->heads[i].seq, json_integer_value(json_object_get(hj, "seq")));
    }
    uint8_t msg[PROTO_CHECKPOINT_TAG_LEN + PROTO_ID_BYTES];
    memcpy(msg, PROTO_CHECKPOINT_TAG, PROTO_CHECKPOINT_TAG_LEN);
    memcpy(msg + PROTO_CHECKPOINT_TAG_LEN, cp->hash, PROTO_ID_BYTES);
    assert_hex(c, "signed_message", msg, sizeof(msg));
    json_t *cos = json_object_get(c, "cosignatures");
    assert_int_equal(cp->cosigs_n, json_array_size(cos));
    for (uint32_t i = 0; i < cp->cosigs_n; i++) {
        json_t *cj = json_array_get(cos, i);
        assert_hex(cj, "key", cp->cosigs[i].witness, PROTO_KEY_BYTES);
        assert_hex(cj, "signature", cp->cosigs[i].sig, PROTO_SIG_BYTES);
        assert_int_equal(proto_cosig_verify(cp->hash, &cp->cosigs[i]), 0);
    }
    uint32_t wn = 0;
    assert_int_equal(proto_checkpoint_verify(cp, &r, &wn, NULL, &d), 0);
    assert_int_equal(wn, 2);
    mp_buf b;
    mp_buf_init(&b, RN_CHECKPOINT_BYTES_MAX);
    assert_int_equal(proto_checkpoint_encode(cp, &b, NULL), 0);
    assert_int_equal(b.len, len);
    assert_memory_equal(b.data, bytes, len);
    mp_buf_free(&b);
    free(bytes);
    free(body);

    json_t *wb = json_object_get(v, "witnessed_bundle");
    uint64_t fresh = 0;
    bytes = unhex(wb, "bytes", &len);
    uint32_t wits = (uint32_t)json_integer_value(json_object_get(wb, "witnesses"));
    assert_int_equal(witnessed_verify(bytes, len, &r, wits, &fresh, &d), 0);
    assert_int_equal(fresh, json_integer_value(json_object_get(wb, "freshness")));
    assert_int_equal(witnessed_verify(bytes, len, &r, wits + 1, NULL, &d), RN_EWITNESS);
    free(bytes);

    json_t *aj = json_object_get(v, "signed_answer");
    proto_signed_answer sa;
    bytes = unhex(aj, "bytes", &len);
    assert_int_equal(proto_answer_decode(&sa, bytes, len, &d), 0);
    assert_hex(aj, "answer", sa.answer, sa.answer_len);
    assert_hex(aj, "signature", sa.sig, PROTO_SIG_BYTES);
    assert_int_equal(proto_answer_verify(&sa, &r, &d), 0);
    free(bytes);

    json_t *bad;
    size_t i;
    json_array_foreach(json_object_get(v, "invalid"), i, bad)
    {
        const char *stage = json_string_value(json_object_get(bad, "stage"));
        int want = code_of(json_string_value(json_object_get(bad, "error")));
        int rc;
        bytes = unhex(bad, "bytes", &len);
        memset(&d, 0, sizeof(d));
        if (strcmp(stage, "decode") == 0) {
            rc = proto_checkpoint_decode(cp, bytes, len, &d);
        } else if (strcmp(stage, "verify") == 0) {
            assert_int_equal(proto_checkpoint_decode(cp, bytes, len, &d), 0);
            rc = proto_checkpoint_verify(cp, &r, NULL, NULL, &d);
        } else if (strcmp(stage, "answer") == 0) {
            assert_int_equal(proto_answer_decode(&sa, bytes, len, &d), 0);
            rc = proto_answer_verify(&sa, &r, &d);
        } else {
            assert_string_equal(stage, "bundle");
            rc = witnessed_verify(bytes, len, &r, wits, NULL, &d);
        }
        assert_int_equal(rc, want);
        assert_string_equal(d.field, json_string_value(json_object_get(bad, "field")));
        free(bytes);
    }
    free(cp);
    proto_roster_free(&r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keys),
        cmocka_unit_test(test_valid_entries),
        cmocka_unit_test(test_invalid_entries),
        cmocka_unit_test(test_issuer_key_ext_ids),
        cmocka_unit_test(test_json_credential_digest),
        cmocka_unit_test(test_runs),
        cmocka_unit_test(test_forks),
        cmocka_unit_test(test_handshake),
        cmocka_unit_test(test_error_table_documented),
        cmocka_unit_test(test_roster_chain),
        cmocka_unit_test(test_checkpoint),
        cmocka_unit_test(test_witness_messages),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
