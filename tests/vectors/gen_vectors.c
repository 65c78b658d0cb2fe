/*
 * gen_vectors.c: writes proto/vectors.json, the test vectors of PROTOCOL.md.
 *
 * Everything here is deterministic: keys come from fixed seeds (BLAKE2b-256 of a fixed label),
 * timestamps are constants, and Ed25519 signatures are deterministic, so the same program always
 * writes the same file. `unit.vectors` reruns it and requires the committed file to be identical,
 * then checks every vector against the decoders independently (vectors_test.c).
 *
 * Record bodies are written here from their PROTOCOL.md field numbers with a plain JSON-to-
 * MessagePack converter, not with proto_record_encode, so that the vectors test the record codec
 * against the specification rather than against itself. The data is real public data from
 * tests/fixtures: the European Commission's ELM sample (an Irish awarding body and its
 * micro-credential) and the Dutch Open Badges 3.0 examples.
 *
 * The "handshake" member replays the peer handshake of PROTOCOL.md section 8 between two of these
 * authorities from fixed ephemeral seeds, and seals the first frame each way. Handshakes are
 * deterministic given their seeds; the secretstream header is not (libsodium draws it from its
 * random generator), so this program installs a random generator (randombytes_set_implementation)
 * that yields fixed headers, and the vector states the header together with the ciphertext it
 * gives: a checker decrypts the given frame with the given header rather than re-encrypting.
 *
 * Usage: gen_vectors [OUTPUT.json]   (stdout without an argument)
 *        gen_vectors --check FILE    (exit 0 when FILE is what this program writes)
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>
#include <sodium.h>

#include "cred/jcs.h"
#include "proto/entry.h"
#include "proto/mp.h"
#include "proto/wire.h"

#define DIE(...)                                                                                   \
    do {                                                                                           \
        fprintf(stderr, "gen_vectors: " __VA_ARGS__);                                              \
        fputc('\n', stderr);                                                                       \
        exit(1);                                                                                   \
    } while (0)

typedef struct author {
    const char *name; /* country of the authority */
    uint8_t pk[PROTO_KEY_BYTES];
    uint8_t sk[PROTO_SK_BYTES];
    uint8_t seed[32];
} author;

/* The three authorities, and FR's key after the planned rotation of roster_chain version 3 (its
 * log opens with a succession). */
static author authors[] = {
    { .name = "IE" }, { .name = "FR" }, { .name = "NL" }, { .name = "FR" }
};
#define FR_ROTATED_LABEL "recnet test vector authority FR rotated"
static uint8_t issuer_pk[PROTO_KEY_BYTES], issuer_sk[PROTO_SK_BYTES];

static void seed_from_label(const char *label, uint8_t seed[32])
{
    crypto_generichash(seed, 32, (const uint8_t *)label, strlen(label), NULL, 0);
}

static char *hex(const uint8_t *p, size_t n)
{
    char *s = malloc(n * 2 + 1);
    if (s == NULL)
        DIE("out of memory");
    sodium_bin2hex(s, n * 2 + 1, p, n);
    return s;
}

static json_t *jhex(const uint8_t *p, size_t n)
{
    char *s = hex(p, n);
    json_t *j = json_string(s);
    free(s);
    return j;
}

/* ---- JSON to canonical MessagePack ----
 * Objects whose keys are all decimal numbers become maps with integer keys in ascending order;
 * other objects become maps with string keys in ascending byte order; {"bin": "<hex>"} is a byte
 * string; integers are unsigned; null is nil. */

static int all_numeric(json_t *o)
{
    const char *k;
    json_t *v;
    json_object_foreach(o, k, v)
    {
        (void)v;
        if (*k == '\0' || strspn(k, "0123456789") != strlen(k))
            return 0;
    }
    return 1;
}

static int cmp_num(const void *a, const void *b)
{
    unsigned long x = strtoul(*(const char *const *)a, NULL, 10);
    unsigned long y = strtoul(*(const char *const *)b, NULL, 10);
    return (x > y) - (x < y);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void to_mp(mp_buf *b, json_t *j)
{
    switch (json_typeof(j)) {
    case JSON_NULL:
        mp_put_nil(b);
        break;
    case JSON_TRUE:
        mp_put_bool(b, true);
        break;
    case JSON_FALSE:
        mp_put_bool(b, false);
        break;
    case JSON_INTEGER:
        if (json_integer_value(j) < 0)
            DIE("negative integer in a body");
        mp_put_uint(b, (uint64_t)json_integer_value(j));
        break;
    case JSON_STRING:
        mp_put_str(b, json_string_value(j), json_string_length(j));
        break;
    case JSON_ARRAY: {
        size_t i;
        json_t *v;
        mp_put_array(b, (uint32_t)json_array_size(j));
        json_array_foreach(j, i, v) to_mp(b, v);
        break;
    }
    case JSON_OBJECT: {
        json_t *binv = json_object_get(j, "bin");
        if (binv != NULL && json_object_size(j) == 1) {
            const char *h = json_string_value(binv);
            uint8_t raw[4096]; /* a roster record's change document, the largest */
            size_t n;
            if (sodium_hex2bin(raw, sizeof(raw), h, strlen(h), NULL, &n, NULL) != 0)
                DIE("bad hex in body");
            mp_put_bin(b, raw, n);
            break;
        }
        size_t n = json_object_size(j), i = 0;
        const char **keys = calloc(n + 1, sizeof(*keys));
        const char *k;
        json_t *v;
        int numeric = all_numeric(j);
        json_object_foreach(j, k, v)
        {
            (void)v;
            keys[i++] = k;
        }
        qsort(keys, n, sizeof(*keys), numeric ? cmp_num : cmp_str);
        mp_put_map(b, (uint32_t)n);
        for (i = 0; i < n; i++) {
            if (numeric)
                mp_put_uint(b, strtoull(keys[i], NULL, 10));
            else
                mp_put_cstr(b, keys[i]);
            to_mp(b, json_object_get(j, keys[i]));
        }
        free(keys);
        break;
    }
    case JSON_REAL:
    default:
        DIE("unsupported JSON value in a body");
    }
}

static json_t *parse(const char *text)
{
    json_error_t err;
    json_t *j = json_loads(text, 0, &err);
    if (j == NULL)
        DIE("bad JSON at line %d: %s", err.line, err.text);
    return j;
}

/* ---- Entries ---- */

typedef struct made {
    uint8_t bytes[4096];
    size_t len;
    uint8_t id[PROTO_ID_BYTES];
} made;

/* The chain state of each author while the vectors are written. */
typedef struct log_state {
    uint64_t seq;
    uint8_t head[PROTO_ID_BYTES];
} log_state;

static log_state logs[4];
/* The logs as the frame vectors show them in their HEADS: as they were before the revocation of
 * record form 2 was appended, so that those vectors kept their bytes. */
static log_state frame_logs[4];

static size_t body_of(const char *json, uint8_t *out, size_t cap)
{
    json_t *j = parse(json);
    mp_buf b;
    mp_buf_init(&b, cap);
    to_mp(&b, j);
    if (mp_buf_err(&b) != 0)
        DIE("body too large");
    size_t n = b.len;
    memcpy(out, b.data, n);
    mp_buf_free(&b);
    json_decref(j);
    return n;
}

static void sign_entry(const author *a, uint64_t seq, const uint8_t *prev, uint64_t ts, int kind,
                       const uint8_t *body, size_t body_len, made *m)
{
    proto_entry_draft dr = { .seq = seq,
                             .prev = prev,
                             .timestamp_ms = ts,
                             .kind = (proto_kind)kind,
                             .body = body,
                             .body_len = body_len };
    if (proto_entry_sign(&dr, a->sk, m->bytes, sizeof(m->bytes), &m->len) != 0)
        DIE("cannot sign entry %" PRIu64 " of %s", seq, a->name);
    proto_entry_id(m->bytes, m->len, m->id);
}

/* Signs arbitrary bytes laid out as an entry, bypassing the encoder's checks: used for invalid
 * vectors that must carry a genuine signature so that only the named defect remains. `fields` is
 * the concatenation of the encoded fields 0-6. */
static void sign_raw(const author *a, uint8_t arity, const uint8_t *fields, size_t flen, made *m)
{
    uint8_t h[32], msg[PROTO_ENTRY_SIG_TAG_LEN + 32], sig[64];
    uint8_t hdr = (uint8_t)(0x90 | (arity - 1));
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, &hdr, 1);
    crypto_generichash_update(&st, fields, flen);
    crypto_generichash_final(&st, h, 32);
    memcpy(msg, PROTO_ENTRY_SIG_TAG, PROTO_ENTRY_SIG_TAG_LEN);
    memcpy(msg + PROTO_ENTRY_SIG_TAG_LEN, h, 32);
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), a->sk);
    m->len = 0;
    m->bytes[m->len++] = (uint8_t)(0x90 | arity);
    memcpy(m->bytes + m->len, fields, flen);
    m->len += flen;
    m->bytes[m->len++] = 0xc4;
    m->bytes[m->len++] = 64;
    memcpy(m->bytes + m->len, sig, 64);
    m->len += 64;
    proto_entry_id(m->bytes, m->len, m->id);
}

static json_t *valid_list, *invalid_list, *run_list, *fork_list;

static const char *kind_str(int kind)
{
    const char *s = proto_kind_name(kind);
    return s != NULL ? s : "unknown";
}

/* Appends an entry to the author's log and records it as a valid vector. */
static void add_valid(const char *name, int ai, uint64_t ts, int kind, const char *body_json,
                      made *out)
{
    author *a = &authors[ai];
    log_state *l = &logs[ai];
    uint8_t body[4096];
    size_t blen = body_of(body_json, body, sizeof(body));
    made m;
    sign_entry(a, l->seq + 1, l->seq == 0 ? NULL : l->head, ts, kind, body, blen, &m);

    /* H(U), shown so that an implementer can check the signed hash on its own. */
    proto_entry e;
    if (proto_entry_decode(&e, m.bytes, m.len, NULL) != 0)
        DIE("own entry %s does not decode", name);
    uint8_t u[32], hdr = 0x97;
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, &hdr, 1);
    crypto_generichash_update(&st, m.bytes + 1, m.len - 67);
    crypto_generichash_final(&st, u, 32);

    json_t *v = json_object();
    json_object_set_new(v, "name", json_string(name));
    json_object_set_new(v, "author_country", json_string(a->name));
    json_object_set_new(v, "author", jhex(a->pk, 32));
    json_object_set_new(v, "seq", json_integer((json_int_t)(l->seq + 1)));
    json_object_set_new(v, "prev", l->seq == 0 ? json_null() : jhex(l->head, 32));
    json_object_set_new(v, "timestamp", json_integer((json_int_t)ts));
    json_object_set_new(v, "kind", json_integer(kind));
    json_object_set_new(v, "kind_name", json_string(kind_str(kind)));
    json_object_set_new(v, "record", parse(body_json));
    json_object_set_new(v, "body", jhex(body, blen));
    json_object_set_new(v, "signed_hash", jhex(u, 32));
    json_object_set_new(v, "signature", jhex(e.sig, 64));
    json_object_set_new(v, "id", jhex(m.id, 32));
    json_object_set_new(v, "bytes", jhex(m.bytes, m.len));
    json_array_append_new(valid_list, v);

    l->seq++;
    memcpy(l->head, m.id, 32);
    if (out != NULL)
        *out = m;
}

/* Records an invalid vector: `stage` is the check that must refuse it (decode, verify, record,
 * author, run) with `error` naming the RN_E code and `field` the field. */
static void add_invalid(const char *name, const char *why, const char *stage, const char *error,
                        const char *field, const char *author_country, const made *m)
{
    json_t *v = json_object();
    json_object_set_new(v, "name", json_string(name));
    json_object_set_new(v, "why", json_string(why));
    json_object_set_new(v, "stage", json_string(stage));
    json_object_set_new(v, "error", json_string(error));
    json_object_set_new(v, "field", field ? json_string(field) : json_null());
    json_object_set_new(v, "author_country", json_string(author_country));
    json_object_set_new(v, "bytes", jhex(m->bytes, m->len));
    json_array_append_new(invalid_list, v);
}

/* Builds the fields 0-6 of an entry by `a` from raw encodings. */
static size_t fields(uint8_t *out, const author *a, const uint8_t *version, size_t vlen,
                     const uint8_t *seq, size_t slen, const uint8_t *prev, size_t plen,
                     const uint8_t *ts, size_t tlen, const uint8_t *kind, size_t klen,
                     const uint8_t *body, size_t blen)
{
    size_t n = 0;
    memcpy(out + n, version, vlen), n += vlen;
    out[n++] = 0xc4, out[n++] = 32;
    memcpy(out + n, a->pk, 32), n += 32;
    memcpy(out + n, seq, slen), n += slen;
    memcpy(out + n, prev, plen), n += plen;
    memcpy(out + n, ts, tlen), n += tlen;
    memcpy(out + n, kind, klen), n += klen;
    memcpy(out + n, body, blen), n += blen;
    return n;
}

/* An entry whose body is `body_json`, signed validly, for record-level invalid vectors. */
static void signed_with_body(const author *a, uint64_t seq, const uint8_t *prev, int kind,
                             const char *body_json, made *m)
{
    uint8_t body[4096];
    size_t blen = body_of(body_json, body, sizeof(body));
    sign_entry(a, seq, prev, 1767225600000ull, kind, body, blen, m);
}

/* ---- The handshake and the first frames (PROTOCOL.md sections 8 to 10) ---- */

/* The next secretstream header the fixed random generator yields (24 bytes). */
static uint8_t next_header[PROTO_STREAM_HEADER_BYTES];

static const char *fixed_rng_name(void)
{
    return "gen_vectors fixed";
}

static uint32_t fixed_rng_random(void)
{
    DIE("unexpected randombytes_random");
}

static void fixed_rng_buf(void *const buf, const size_t size)
{
    /* libsodium draws a few bytes for itself at initialisation (the guard-page canary), which
     * never reach the output; the secretstream header is the only 24-byte draw. */
    if (size == sizeof(next_header))
        memcpy(buf, next_header, size);
    else
        memset(buf, 0x5a, size);
}

static randombytes_implementation fixed_rng = {
    .implementation_name = fixed_rng_name,
    .random = fixed_rng_random,
    .buf = fixed_rng_buf,
};

/* H(label || netkey || shared || a || b): the key derivation of section 8, written out again here
 * from the text so that the generator checks the implementation. */
static void kdf(uint8_t out[32], const char *label, const uint8_t netkey[32],
                const uint8_t shared[32], const uint8_t *a, size_t alen, const uint8_t *b,
                size_t blen)
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

/* Seals `msg` as the first frame of a direction with key `key`, under the header H(header_label)
 * truncated to 24 bytes. */
static json_t *first_frame(const char *direction, const uint8_t key[32], const char *header_label,
                           const mp_buf *msg)
{
    uint8_t h[32], header[PROTO_STREAM_HEADER_BYTES], frame[1024];
    size_t flen;
    proto_stream s;
    seed_from_label(header_label, h);
    memcpy(next_header, h, sizeof(next_header));
    proto_stream_tx_init(&s, key, header);
    if (memcmp(header, next_header, sizeof(header)) != 0)
        DIE("the fixed random generator is not in use");
    if (proto_frame_seal(&s, msg->data, msg->len, frame, sizeof(frame), &flen) != 0)
        DIE("cannot seal the %s frame", direction);
    proto_stream_wipe(&s);
    json_t *f = json_object();
    json_object_set_new(f, "direction", json_string(direction));
    json_object_set_new(f, "header_label", json_string(header_label));
    json_object_set_new(f, "header", jhex(header, sizeof(header)));
    json_object_set_new(f, "plaintext", jhex(msg->data, msg->len));
    json_object_set_new(f, "frame", jhex(frame, flen));
    return f;
}

static int cmp_head(const void *a, const void *b)
{
    return memcmp(((const proto_head *)a)->author, ((const proto_head *)b)->author,
                  PROTO_KEY_BYTES);
}

/* Initiator: the IE authority; responder: the FR authority. */
/* The digest a revocation names for a JSON credential (PROTOCOL.md 13.8): BLAKE2b-256 of the
 * RFC 8785 form of the credential without its "proof". The credential is given as text with its
 * members out of order, a number written 1.50 and a non-ASCII name, which JCS normalises. */
static json_t *json_credential_digest_vector(void)
{
    static const char text[] =
        "{\"type\": [\"VerifiableCredential\", \"OpenBadgeCredential\"],"
        " \"@context\": [\"https://www.w3.org/ns/credentials/v2\","
        " \"https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json\"],"
        " \"issuer\": {\"type\": [\"Profile\"], \"id\": \"https://example.com/issuers/876543\","
        " \"name\": \"Example Corp\"},"
        " \"validFrom\": \"2010-01-01T00:00:00Z\", \"name\": \"Teamwork Badge\","
        " \"credentialSubject\": {\"type\": [\"AchievementSubject\"], \"achievement\": {\"id\":"
        " \"https://example.com/achievements/21st-century-skills/teamwork\", \"type\":"
        " [\"Achievement\"], \"name\": \"\\u00c9quipe\", \"creditsAvailable\": 1.50}},"
        " \"proof\": {\"type\": \"DataIntegrityProof\", \"cryptosuite\": \"eddsa-rdfc-2022\","
        " \"proofValue\": "
        "\"z3FXQjecWufY46yg5abdVZsXqLhxhueuSoZgNSARiKBk9czhSePTFehP8c3PGfb6a22g\"}}";
    json_t *vc = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
    if (vc == NULL)
        DIE("json credential vector does not parse");
    json_t *copy = json_deep_copy(vc);
    json_object_del(copy, "proof");
    cred_buf b;
    cred_buf_init(&b, 1u << 16);
    if (cred_jcs_write(copy, &b) != 0)
        DIE("json credential vector: no JCS form");
    uint8_t d[32];
    crypto_generichash(d, sizeof(d), (const uint8_t *)b.data, b.len, NULL, 0);
    json_t *o = json_object();
    json_object_set_new(o, "credential", json_string(text));
    json_object_set_new(o, "jcs_without_proof", json_stringn(b.data, b.len));
    json_object_set_new(o, "digest", jhex(d, sizeof(d)));
    cred_buf_free(&b);
    json_decref(copy);
    json_decref(vc);
    return o;
}

static json_t *handshake_vector(void)
{
    static const char *const netkey_label = "recnet test vector network key";
    static const char *const ei_label = "recnet test vector ephemeral initiator";
    static const char *const er_label = "recnet test vector ephemeral responder";
    const author *ai = &authors[0], *ar = &authors[1];
    uint8_t netkey[32], ei[32], er[32], msgs[4][PROTO_HS_MSG_MAX], t[4][32];
    size_t lens[4];
    proto_hs hi, hr;

    seed_from_label(netkey_label, netkey);
    seed_from_label(ei_label, ei);
    seed_from_label(er_label, er);
    if (proto_hs_init(&hi, PROTO_HS_INITIATOR, netkey, ai->sk, ar->pk, ei) != 0 ||
        proto_hs_init(&hr, PROTO_HS_RESPONDER, netkey, ar->sk, NULL, er) != 0)
        DIE("proto_hs_init");
    json_t *hs = json_object();
    json_object_set_new(hs, "network_key_label", json_string(netkey_label));
    json_object_set_new(hs, "network_key", jhex(netkey, 32));
    json_object_set_new(hs, "initiator_country", json_string(ai->name));
    json_object_set_new(hs, "initiator_seed", jhex(ai->seed, 32));
    json_object_set_new(hs, "initiator_public", jhex(ai->pk, 32));
    json_object_set_new(hs, "responder_country", json_string(ar->name));
    json_object_set_new(hs, "responder_seed", jhex(ar->seed, 32));
    json_object_set_new(hs, "responder_public", jhex(ar->pk, 32));
    json_object_set_new(hs, "initiator_ephemeral_label", json_string(ei_label));
    json_object_set_new(hs, "initiator_ephemeral_seed", jhex(ei, 32));
    json_object_set_new(hs, "initiator_ephemeral_public", jhex(hi.e_pk, 32));
    json_object_set_new(hs, "responder_ephemeral_label", json_string(er_label));
    json_object_set_new(hs, "responder_ephemeral_seed", jhex(er, 32));
    json_object_set_new(hs, "responder_ephemeral_public", jhex(hr.e_pk, 32));

    for (int k = 0; k < 4; k++) {
        proto_hs *w = k % 2 == 0 ? &hi : &hr, *rd = k % 2 == 0 ? &hr : &hi;
        if (proto_hs_write(w, msgs[k], sizeof(msgs[k]), &lens[k]) != 0)
            DIE("handshake: cannot write M%d", k + 1);
        if (proto_hs_read(rd, msgs[k], lens[k]) != 0)
            DIE("handshake: cannot read M%d", k + 1);
        if (memcmp(hi.transcript, hr.transcript, 32) != 0)
            DIE("handshake: transcripts differ after M%d", k + 1);
        memcpy(t[k], hi.transcript, 32);
    }
    if (!proto_hs_done(&hi) || !proto_hs_done(&hr))
        DIE("handshake not done");
    if (memcmp(hi.shared, hr.shared, 32) != 0 || memcmp(hr.peer, ai->pk, 32) != 0)
        DIE("handshake: the sides disagree");

    /* The intermediate values, recomputed from the text of section 8. */
    static const uint8_t zero_nonce[crypto_secretbox_NONCEBYTES] = { 0 };
    uint8_t k3[32], k4[32], pt3[96], sig_r[64], i2r[32], r2i[32], tx[32], rx[32];
    kdf(k3, "recnet/hs/v1/k3", netkey, hi.shared, ar->pk, 32, NULL, 0);
    if (crypto_secretbox_open_easy(pt3, msgs[2], lens[2], zero_nonce, k3) != 0 ||
        memcmp(pt3, ai->pk, 32) != 0)
        DIE("handshake: M3 does not open as section 8 says");
    kdf(k4, "recnet/hs/v1/k4", netkey, hi.shared, ai->pk, 32, pt3 + 32, 64);
    if (crypto_secretbox_open_easy(sig_r, msgs[3], lens[3], zero_nonce, k4) != 0)
        DIE("handshake: M4 does not open as section 8 says");
    kdf(i2r, "recnet/hs/v1/i2r", netkey, hi.shared, t[3], 32, NULL, 0);
    kdf(r2i, "recnet/hs/v1/r2i", netkey, hi.shared, t[3], 32, NULL, 0);
    proto_hs_session(&hi, tx, rx);
    if (memcmp(tx, i2r, 32) != 0 || memcmp(rx, r2i, 32) != 0)
        DIE("handshake: session keys differ from section 8");
    proto_hs_session(&hr, tx, rx);
    if (memcmp(tx, r2i, 32) != 0 || memcmp(rx, i2r, 32) != 0)
        DIE("handshake: the responder's session keys differ");

    json_object_set_new(hs, "shared", jhex(hi.shared, 32));
    static const char *const names[4] = { "m1", "m2", "m3", "m4" };
    for (int k = 0; k < 4; k++)
        json_object_set_new(hs, names[k], jhex(msgs[k], lens[k]));
    json_t *tl = json_array();
    for (int k = 0; k < 4; k++)
        json_array_append_new(tl, jhex(t[k], 32));
    json_object_set_new(hs, "transcript", tl);
    json_object_set_new(hs, "k3", jhex(k3, 32));
    json_object_set_new(hs, "sig_i", jhex(pt3 + 32, 64));
    json_object_set_new(hs, "k4", jhex(k4, 32));
    json_object_set_new(hs, "sig_r", jhex(sig_r, 64));
    json_object_set_new(hs, "i2r", jhex(i2r, 32));
    json_object_set_new(hs, "r2i", jhex(r2i, 32));
    proto_hs_wipe(&hi);
    proto_hs_wipe(&hr);

    /* The first frame each way: the initiator's HEADS lists the head of every log of these
     * vectors; the responder's lists its own log only. */
    proto_head heads[3];
    for (int a = 0; a < 3; a++)
        heads[a] = (proto_head){ authors[a].pk, frame_logs[a].seq, frame_logs[a].head };
    qsort(heads, 3, sizeof(heads[0]), cmp_head);
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    json_t *frames = json_array();
    proto_msg_heads(&m, heads, 3);
    json_array_append_new(frames, first_frame("i2r", i2r, "recnet test vector i2r header", &m));
    mp_buf_reset(&m);
    proto_head own = { ar->pk, frame_logs[1].seq, frame_logs[1].head };
    proto_msg_heads(&m, &own, 1);
    json_array_append_new(frames, first_frame("r2i", r2i, "recnet test vector r2i header", &m));
    if (mp_buf_err(&m) != 0)
        DIE("HEADS message");
    mp_buf_free(&m);
    json_object_set_new(hs, "frames", frames);
    return hs;
}

/* ---- The data ---- */

static char ie_provider[2048], nl_provider[1024];

static const char *IE_SPEC =
    "{\"1\":\"IE:uniz/mc-c012\",\"2\":\"IE:uniz\","
    "\"3\":{\"en\":\"Digital micro-credential creation\"},"
    "\"4\":[{\"1\":\"Communication, collaboration and creativity\",\"2\":["
    "\"http://data.europa.eu/esco/skill/ccdf3597-5c80-410f-896d-e1bdfa223de9\","
    "\"http://data.europa.eu/esco/skill/80f308e6-0e09-404a-80cd-ec5f50f6f304\","
    "\"http://data.europa.eu/esco/skill/326809fc-238d-40c2-881e-40042f7f2f0d\"]},"
    "{\"1\":\"Developing digital content\",\"2\":["
    "\"http://data.europa.eu/esco/skill/5fd5c985-eaaa-47aa-8314-62359c54505a\"],"
    "\"3\":{\"ga\":\"Ábhar digiteach a fhorbairt\",\"fr\":\"Développer des contenus "
    "numériques\"}}],"
    "\"5\":200,\"6\":6,\"7\":\"RQF Level 6\",\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,"
    "\"12\":[\"en\"],"
    "\"13\":\"The learner needs to have an EDC Online Credential Builder account, that requires "
    "an EU Login ID.\","
    "\"14\":3,\"16\":1,\"18\":\"https://uniz.edu\",\"19\":1704067200000,\"21\":1}";

static const char *NL_SPEC =
    "{\"1\":\"NL:42NB/ach-44ABA\",\"2\":\"NL:42NB\","
    "\"3\":{\"en\":\"Minor: Jedi Mind Control and Advanced Meditation Practices\"},"
    "\"4\":[{\"1\":\"To earn this badge, you must attend the colleges on Mind Control, and on "
    "Meditation. You must pass a practical test and submit a written essay.\"}],"
    "\"5\":300,\"6\":4,\"8\":\"0313\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":4,"
    "\"15\":\"1-10, pass mark 6\",\"16\":2,\"17\":[\"NL:pathway/minor-psychology\"],"
    "\"19\":1724976000000,\"20\":1882742400000,\"21\":1}";

/* The second record form of a spec (PROTOCOL.md 3.5): the Theed minor again, bound to the Open
 * Badges achievement it was imported from (spec.source_ids). */
#define V_NL_SPEC_HEAD                                                                             \
    "{\"1\":\"NL:42NB/ach-44ABA\",\"2\":\"NL:42NB\","                                              \
    "\"3\":{\"en\":\"Minor: Jedi Mind Control and Advanced Meditation Practices\"},"               \
    "\"4\":[{\"1\":\"To earn this badge, you must attend the colleges on Mind Control, and on "    \
    "Meditation. You must pass a practical test and submit a written essay.\"}],"                  \
    "\"5\":300,\"6\":4,\"8\":\"0313\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":4,"         \
    "\"15\":\"1-10, pass mark 6\",\"16\":2,\"17\":[\"NL:pathway/minor-psychology\"],"              \
    "\"19\":1724976000000,\"20\":1882742400000,\"21\":1,"
static const char *NL_SPEC_SOURCE =
    V_NL_SPEC_HEAD "\"22\":[\"https://example.com/achievements/ach-44ABA\"]}";

static const char *NL_PATHWAY =
    "{\"1\":\"NL:pathway/minor-psychology\","
    "\"2\":{\"en\":\"Minor in Psychological Assessment\",\"nl\":\"Minor Psychologische "
    "Assessment\"},\"3\":6,\"4\":1500,\"5\":[\"NL:42NB/ach-44ABA\"],"
    "\"7\":{\"1\":4,\"3\":[\"0313\"]},\"8\":1724976000000,\"10\":1}";

static const char *FR_DECISION =
    "{\"1\":\"FR:enic-naric/dec-2025-0042\",\"2\":\"IE:uniz/mc-c012\",\"3\":1,\"4\":2,"
    "\"5\":200,\"6\":6,"
    "\"7\":[{\"1\":5,\"2\":\"The outcome on creativity is not assessed against a stated "
    "standard.\"}],"
    "\"9\":\"Appeal within two months to the ENIC-NARIC France recognition office.\","
    "\"10\":1735689600000}";

static const char *FR_POLICY =
    "{\"1\":\"FR:enic-naric/pol-ict-eqf5-7\",\"2\":3,\"3\":1,\"4\":[\"DE\",\"IE\",\"NL\"],"
    "\"5\":5,\"6\":7,\"7\":100,\"8\":true,\"9\":[\"06\"],\"11\":1735689600000,\"13\":1}";

static char ie_revocation[512];

/* The second record form of a revocation (PROTOCOL.md 3.9): the Dutch authority revokes a
 * credential of 42NB that carries index 94567 of 42NB's status list. */
static char nl_revocation_index[512];

/* The second record form of a provider (PROTOCOL.md 3.4): the Dutch awarding body registers an EC
 * P-256 JWK, the did:key of the Open Badges 3.0 samples and a did:web key with a window, beside
 * the Ed25519 keys of the first form (none here). */
#define V_EC_JWK                                                                                   \
    "{\\\"crv\\\":\\\"P-256\\\",\\\"kty\\\":\\\"EC\\\",\\\"x\\\":"                                 \
    "\\\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\\\","                                         \
    "\\\"y\\\":\\\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\\\"}"
#define V_DID_KEY "did:key:z6MkjZRZv3aez3r18pB1RBFJR1kwUVJ5jHt92JmQwXbd5hwi"
#define V_PROVIDER_HEAD                                                                            \
    "{\"1\":\"NL:42NB\",\"2\":\"Naboo Theed University\",\"3\":\"NL\",\"4\":\"42NB\",\"5\":1,"     \
    "\"6\":\"NVAO\",\"8\":1,"

static const char *NL_PROVIDER_KEYS =
    V_PROVIDER_HEAD "\"10\":[[1,\"" V_EC_JWK "\",1724976000000,null],"
                    "[2,\"" V_DID_KEY "\",1724976000000,null],"
                    "[2,\"did:web:theed.example.edu#key-2025\",1735689600000,1767225600000]]}";

#define V_DIGEST_HEX "1fca609c40e099269634eb5008f3055b65379b075f4616d03bd30f9183fc30d1"

/* Invalid bodies: each differs from a valid one in one respect. */
typedef struct bad_body {
    const char *name, *why;
    int ai, kind;
    const char *json, *stage, *error, *field;
} bad_body;

static const bad_body bad_bodies[] = {
    { "spec-eqf-9", "EQF has levels 1 to 8", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},\"4\":[{\"1\":\"O\"}],\"5\":200,"
      "\"6\":9,\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "record", "RN_EEQF", "spec.eqf" },
    { "spec-translation-lang-upper-case",
      "the languages of an outcome's translations are ISO 639-1 codes in lower case", 0,
      PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},"
      "\"4\":[{\"1\":\"O\",\"3\":{\"FR\":\"B\",\"ga\":\"A\"}}],\"5\":200,"
      "\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "record", "RN_ELANG", "spec.outcomes.translations" },
    { "spec-translations-empty", "a present optional map has at least one pair", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},"
      "\"4\":[{\"1\":\"O\",\"3\":{}}],\"5\":200,"
      "\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "record", "RN_ECOUNT", "spec.outcomes.translations" },
    { "spec-ects-0", "a specification carries at least 0.01 ECTS", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},\"4\":[{\"1\":\"O\"}],\"5\":0,"
      "\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "record", "RN_EECTS", "spec.ects" },
    { "spec-isced-unknown", "0699 is not an ISCED-F 2013 field", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},\"4\":[{\"1\":\"O\"}],\"5\":200,"
      "\"8\":\"0699\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "record", "RN_EISCED", "spec.isced" },
    { "spec-unknown-field", "field 30 is not defined for spec", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},\"4\":[{\"1\":\"O\"}],\"5\":200,"
      "\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1,\"30\":1}",
      "record", "RN_EUNKNOWNFIELD", "spec" },
    { "spec-missing-title", "title is required", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"4\":[{\"1\":\"O\"}],\"5\":200,"
      "\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "record", "RN_EMISSING", "spec.title" },
    { "spec-assessment-vocab", "assessmentType has four values", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},\"4\":[{\"1\":\"O\"}],\"5\":200,"
      "\"8\":\"0688\",\"9\":5,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "record", "RN_EVOCAB", "spec.assessment" },
    { "spec-dates-reversed", "valid_until before valid_from", 0, PROTO_KIND_SPEC,
      "{\"1\":\"IE:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},\"4\":[{\"1\":\"O\"}],\"5\":200,"
      "\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"20\":1704067100000,\"21\":1}",
      "record", "RN_EDATES", "spec.valid_until" },
    { "spec-other-country-prefix", "an Irish authority may not define a French id", 0,
      PROTO_KIND_SPEC,
      "{\"1\":\"FR:uniz/x\",\"2\":\"IE:uniz\",\"3\":{\"en\":\"T\"},\"4\":[{\"1\":\"O\"}],\"5\":200,"
      "\"8\":\"0688\",\"9\":1,\"10\":2,\"11\":2,\"12\":[\"en\"],\"14\":3,\"16\":1,"
      "\"19\":1704067200000,\"21\":1}",
      "author", "RN_EPREFIX", "spec.id" },
    { "provider-country-xx", "XX is not one of the 30 countries", 0, PROTO_KIND_PROVIDER,
      "{\"1\":\"IE:uniz\",\"2\":\"University of Zed\",\"3\":\"XX\",\"5\":3,\"8\":1}", "record",
      "RN_ECOUNTRY", "provider.country" },
    { "decision-denied-without-differences",
      "a denial names the substantial differences (Lisbon Recognition Convention)", 1,
      PROTO_KIND_DECISION,
      "{\"1\":\"FR:enic-naric/dec-1\",\"2\":\"IE:uniz/mc-c012\",\"3\":1,\"4\":4,"
      "\"10\":1735689600000}",
      "record", "RN_EINCONSISTENT", "decision.differences" },
    { "provider-issuer-key-zero",
      "32 zero bytes are not a valid Ed25519 public key and could never verify a credential", 0,
      PROTO_KIND_PROVIDER,
      "{\"1\":\"IE:uniz\",\"2\":\"University of Zed\",\"3\":\"IE\",\"5\":3,"
      "\"7\":[[{\"bin\":\"0000000000000000000000000000000000000000000000000000000000000000\"},"
      "1704067200000,null]],\"8\":1}",
      "record", "RN_EKEY", "provider.issuer_keys.key" },
    { "decision-spec-id-3-bytes",
      "\"IE:\" has no reference: an id of 1-3 bytes is malformed (RN_EID), not of a wrong length",
      1, PROTO_KIND_DECISION,
      "{\"1\":\"FR:enic-naric/dec-1\",\"2\":\"IE:\",\"3\":1,\"4\":1,\"10\":1735689600000}",
      "record", "RN_EID", "decision.spec" },
    { "provider-issuer-key-ext-private-jwk",
      "a JWK with private key material (\"d\") is not in its canonical public form", 2,
      PROTO_KIND_PROVIDER,
      V_PROVIDER_HEAD
      "\"10\":[[1,\"{\\\"crv\\\":\\\"P-256\\\",\\\"d\\\":\\\"AAAA\\\","
      "\\\"kty\\\":\\\"EC\\\",\\\"x\\\":\\\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\\\","
      "\\\"y\\\":\\\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\\\"}\",0,null]]}",
      "record", "RN_EKEY", "provider.issuer_keys_ext.key" },
    { "provider-issuer-key-ext-unknown-kty", "a JWK is RSA, EC P-256 or OKP Ed25519", 2,
      PROTO_KIND_PROVIDER,
      V_PROVIDER_HEAD
      "\"10\":[[1,\"{\\\"k\\\":\\\"c2VjcmV0\\\",\\\"kty\\\":\\\"oct\\\"}\",0,null]]}",
      "record", "RN_EKEY", "provider.issuer_keys_ext.key" },
    { "provider-issuer-key-ext-jwk-not-canonical",
      "the members of a JWK are written in RFC 7638 order without whitespace", 2,
      PROTO_KIND_PROVIDER,
      V_PROVIDER_HEAD "\"10\":[[1,\"{\\\"kty\\\":\\\"EC\\\",\\\"crv\\\":\\\"P-256\\\","
                      "\\\"x\\\":\\\"vXxzuIsum0ztpiAistqL4TGTpbVu3Cbn33hC4kzQtes\\\","
                      "\\\"y\\\":\\\"BgWtp72oOsaiuA1-MUBA-kf_Frg7rIXO2wFEUbt85xo\\\"}\",0,null]]}",
      "record", "RN_EKEY", "provider.issuer_keys_ext.key" },
    { "provider-issuer-key-ext-did-method", "did:example is not a method recnet resolves", 2,
      PROTO_KIND_PROVIDER, V_PROVIDER_HEAD "\"10\":[[2,\"did:example:123\",0,null]]}", "record",
      "RN_EKEY", "provider.issuer_keys_ext.key" },
    { "provider-issuer-key-ext-form-3", "the forms of a key are 1 (jwk) and 2 (did)", 2,
      PROTO_KIND_PROVIDER, V_PROVIDER_HEAD "\"10\":[[3,\"" V_DID_KEY "\",0,null]]}", "record",
      "RN_EENUM", "provider.issuer_keys_ext.form" },
    { "provider-issuer-key-ext-window-reversed", "a key's valid_until is after its valid_from", 2,
      PROTO_KIND_PROVIDER,
      V_PROVIDER_HEAD "\"10\":[[2,\"" V_DID_KEY "\",1735689600000,1724976000000]]}", "record",
      "RN_EDATES", "provider.issuer_keys_ext.valid_until" },
    { "provider-issuer-key-ext-duplicate", "a key is listed once", 2, PROTO_KIND_PROVIDER,
      V_PROVIDER_HEAD "\"10\":[[2,\"" V_DID_KEY "\",0,null],[2,\"" V_DID_KEY "\",1,null]]}",
      "record", "RN_EINCONSISTENT", "provider.issuer_keys_ext.key" },
    { "spec-source-id-no-scheme", "a source id is an absolute URI: it names its scheme", 2,
      PROTO_KIND_SPEC, V_NL_SPEC_HEAD "\"22\":[\"ach-44ABA\"]}", "record", "RN_EURL",
      "spec.source_ids" },
    { "spec-source-id-repeated", "a source id is listed once", 2, PROTO_KIND_SPEC,
      V_NL_SPEC_HEAD "\"22\":[\"urn:x:1\",\"urn:x:1\"]}", "record", "RN_EINCONSISTENT",
      "spec.source_ids" },
    { "revocation-status-index-2p20",
      "a status index is below 2^20, the length of every status list", 2, PROTO_KIND_REVOCATION,
      "{\"1\":{\"bin\":\"" V_DIGEST_HEX "\"},\"2\":\"NL:42NB\",\"3\":3,"
      "\"4\":1763700005000,\"5\":1048576}",
      "record", "RN_ECOUNT", "revocation.status_index" },
    { "decision-spec-id-129-bytes", "an id is at most 128 bytes", 1, PROTO_KIND_DECISION,
      "{\"1\":\"FR:enic-naric/dec-1\",\"2\":\"IE:"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\","
      "\"3\":1,\"4\":1,\"10\":1735689600000}",
      "record", "RN_ELEN", "decision.spec" },
};

/* ---- The governed roster (PROTOCOL.md 4.4) ----
 *
 * A genesis of the IE and FR authorities and a mirror, then four changes: NL joins, FR rotates
 * its key (planned), NL's key is replaced as compromised (its log's head trusted), the mirror
 * leaves and the quorum becomes 3. The documents are written here field by field with the
 * MessagePack writers, not with proto/rosterchain.c, so that they test it against the text. */

typedef struct rc_party {
    const char *label; /* seed = H(label) */
    const char *country;
    unsigned role;
    uint8_t pk[PROTO_KEY_BYTES], sk[PROTO_SK_BYTES];
} rc_party;

static rc_party rc_ie = { "recnet test vector authority IE", "IE", 1, { 0 }, { 0 } };
static rc_party rc_fr = { "recnet test vector authority FR", "FR", 1, { 0 }, { 0 } };
static rc_party rc_nl = { "recnet test vector authority NL", "NL", 1, { 0 }, { 0 } };
static rc_party rc_mirror = { "recnet test vector mirror", "", 2, { 0 }, { 0 } };
static rc_party rc_fr2 = { "recnet test vector authority FR rotated", "FR", 1, { 0 }, { 0 } };
static rc_party rc_nl2 = { "recnet test vector authority NL replaced", "NL", 1, { 0 }, { 0 } };

static int cmp_party(const void *a, const void *b)
{
    return memcmp((*(rc_party *const *)a)->pk, (*(rc_party *const *)b)->pk, PROTO_KEY_BYTES);
}

/* Writes section 4.3's encoding of `n` members (sorted here) to `b` and returns them as JSON. */
static json_t *rc_members(mp_buf *b, rc_party **m, size_t n)
{
    json_t *list = json_array();
    qsort(m, n, sizeof(*m), cmp_party);
    mp_put_array(b, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        mp_put_array(b, 3);
        mp_put_cstr(b, m[i]->country);
        mp_put_uint(b, m[i]->role);
        mp_put_bin(b, m[i]->pk, PROTO_KEY_BYTES);
        json_t *o = json_object();
        json_object_set_new(o, "country", json_string(m[i]->country));
        json_object_set_new(o, "role", json_integer(m[i]->role));
        json_object_set_new(o, "key", jhex(m[i]->pk, PROTO_KEY_BYTES));
        json_array_append_new(list, o);
    }
    return list;
}

/* The start of a body: [version, prev, issued_at, ops header]. */
static void rc_body(mp_buf *b, uint64_t version, const uint8_t *prev, uint64_t at, uint32_t ops)
{
    mp_put_array(b, 4);
    mp_put_uint(b, version);
    mp_put_bin(b, prev, PROTO_ID_BYTES);
    mp_put_uint(b, at);
    mp_put_array(b, ops);
}

/* A whole change document: the body and the signatures of `signers`, as a JSON vector. */
/* Version 3 of the chain (FR rotates its key), kept for the roster entries of the vectors. */
static uint8_t rc_v3_doc[4096], rc_v3_body[4096];
static size_t rc_v3_doc_len, rc_v3_body_len;

static json_t *rc_change(const char *name, const mp_buf *body, rc_party **signers, size_t n,
                         json_t *ops, uint8_t hash_out[PROTO_ID_BYTES])
{
    uint8_t msg[23 + PROTO_ID_BYTES];
    mp_buf doc;
    json_t *sigs = json_array();
    if (mp_buf_err(body) != 0)
        DIE("roster change %s: body not written", name);
    memcpy(msg, "recnet roster change v1", 23);
    crypto_generichash(msg + 23, PROTO_ID_BYTES, body->data, body->len, NULL, 0);
    if (hash_out != NULL)
        memcpy(hash_out, msg + 23, PROTO_ID_BYTES);
    qsort(signers, n, sizeof(*signers), cmp_party);
    mp_buf_init(&doc, 64 * 1024);
    mp_put_array(&doc, 2);
    mp_buf_raw(&doc, body->data, body->len);
    mp_put_array(&doc, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        uint8_t sig[PROTO_SIG_BYTES];
        crypto_sign_detached(sig, NULL, msg, sizeof(msg), signers[i]->sk);
        mp_put_array(&doc, 2);
        mp_put_bin(&doc, signers[i]->pk, PROTO_KEY_BYTES);
        mp_put_bin(&doc, sig, sizeof(sig));
        json_t *o = json_object();
        json_object_set_new(o, "signer", json_string(signers[i]->label));
        json_object_set_new(o, "key", jhex(signers[i]->pk, PROTO_KEY_BYTES));
        json_object_set_new(o, "signature", jhex(sig, sizeof(sig)));
        json_array_append_new(sigs, o);
    }
    if (mp_buf_err(&doc) != 0)
        DIE("roster change %s: not written", name);
    if (strcmp(name, "v3-fr-rotates") == 0) {
        if (doc.len > sizeof(rc_v3_doc) || body->len > sizeof(rc_v3_body))
            DIE("roster change %s: too large", name);
        memcpy(rc_v3_doc, doc.data, doc.len);
        rc_v3_doc_len = doc.len;
        memcpy(rc_v3_body, body->data, body->len);
        rc_v3_body_len = body->len;
    }
    json_t *v = json_object();
    json_object_set_new(v, "name", json_string(name));
    json_object_set_new(v, "ops", ops);
    json_object_set_new(v, "body", jhex(body->data, body->len));
    json_object_set_new(v, "body_hash", jhex(msg + 23, PROTO_ID_BYTES));
    json_object_set_new(v, "signed_message", jhex(msg, sizeof(msg)));
    json_object_set_new(v, "signatures", sigs);
    json_object_set_new(v, "bytes", jhex(doc.data, doc.len));
    mp_buf_free(&doc);
    return v;
}

static json_t *rc_op(const char *op, const char *k1, json_t *v1, const char *k2, json_t *v2)
{
    json_t *o = json_object();
    json_object_set_new(o, "op", json_string(op));
    if (k1 != NULL)
        json_object_set_new(o, k1, v1);
    if (k2 != NULL)
        json_object_set_new(o, k2, v2);
    return o;
}

static json_t *roster_chain_vector(void)
{
    rc_party *all[] = { &rc_ie, &rc_fr, &rc_nl, &rc_mirror, &rc_fr2, &rc_nl2 };
    for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
        uint8_t seed[32];
        seed_from_label(all[i]->label, seed);
        crypto_sign_seed_keypair(all[i]->pk, all[i]->sk, seed);
    }
    json_t *v = json_object(), *changes = json_array(), *invalid = json_array();
    json_t *rosters = json_array();
    uint8_t prev[PROTO_ID_BYTES], bad_prev[PROTO_ID_BYTES], h3[PROTO_ID_BYTES];
    const uint64_t t0 = 1767225600000ull; /* 2026-01-01T00:00:00Z */

    /* Version 1: the genesis. */
    {
        mp_buf g, r;
        rc_party *m[] = { &rc_ie, &rc_fr, &rc_mirror };
        mp_buf_init(&g, 64 * 1024);
        mp_buf_init(&r, 64 * 1024);
        mp_put_array(&g, 5);
        mp_put_uint(&g, 1);
        mp_put_cstr(&g, "recnet test federation");
        mp_put_uint(&g, 0);
        mp_put_uint(&g, t0);
        json_t *members = rc_members(&g, m, 3);
        json_decref(rc_members(&r, m, 3));
        crypto_generichash(prev, sizeof(prev), g.data, g.len, NULL, 0);
        json_t *gv = json_object();
        json_object_set_new(gv, "federation", json_string("recnet test federation"));
        json_object_set_new(gv, "quorum", json_integer(0));
        json_object_set_new(gv, "issued_at", json_integer((json_int_t)t0));
        json_object_set_new(gv, "members", members);
        json_object_set_new(gv, "bytes", jhex(g.data, g.len));
        json_object_set_new(gv, "federation_id", jhex(prev, sizeof(prev)));
        json_object_set_new(v, "genesis", gv);
        json_array_append_new(rosters, jhex(r.data, r.len));
        mp_buf_free(&g);
        mp_buf_free(&r);
    }
    memcpy(bad_prev, prev, sizeof(prev));
    bad_prev[0] ^= 1;

    /* Version 2: NL joins, signed by IE and FR (a majority of 2). Invalid: IE alone; a wrong
     * prev; NL's key as a second authority of IE. */
    {
        mp_buf b, r;
        mp_buf_init(&b, 64 * 1024);
        rc_body(&b, 2, prev, t0 + 1000, 1);
        mp_put_array(&b, 4);
        mp_put_uint(&b, 1);
        mp_put_cstr(&b, "NL");
        mp_put_uint(&b, 1);
        mp_put_bin(&b, rc_nl.pk, PROTO_KEY_BYTES);
        rc_party *s[] = { &rc_ie, &rc_fr };
        json_t *ops = json_array();
        json_t *add =
            rc_op("add", "country", json_string("NL"), "key", jhex(rc_nl.pk, PROTO_KEY_BYTES));
        json_object_set_new(add, "role", json_integer(1));
        json_array_append_new(ops, add);
        json_t *one = rc_change("v2-ie-only", &b, s, 1, json_deep_copy(ops), NULL);
        json_object_set_new(one, "after", json_integer(1));
        json_object_set_new(one, "error", json_string("RN_EQUORUM"));
        json_object_set_new(one, "field", json_string("change.signatures"));
        json_object_set_new(one, "index", json_integer(0));
        json_object_set_new(one, "why", json_string("one signature where the quorum is 2"));
        json_array_append_new(invalid, one);
        json_array_append_new(changes, rc_change("v2-nl-joins", &b, s, 2, ops, prev));
        mp_buf_free(&b);

        mp_buf_init(&b, 64 * 1024);
        rc_body(&b, 2, bad_prev, t0 + 1000, 1);
        mp_put_array(&b, 2);
        mp_put_uint(&b, 2);
        mp_put_bin(&b, rc_mirror.pk, PROTO_KEY_BYTES);
        rc_party *s2[] = { &rc_ie, &rc_fr };
        json_t *bad = rc_change("v2-wrong-prev", &b, s2, 2, json_array(), NULL);
        json_object_set_new(bad, "after", json_integer(1));
        json_object_set_new(bad, "error", json_string("RN_EPREV"));
        json_object_set_new(bad, "field", json_string("change.prev"));
        json_object_set_new(bad, "index", json_integer(0));
        json_object_set_new(bad, "why", json_string("prev is not H(genesis)"));
        json_array_append_new(invalid, bad);
        mp_buf_free(&b);

        mp_buf_init(&b, 64 * 1024);
        uint8_t gprev[PROTO_ID_BYTES];
        memcpy(gprev, bad_prev, sizeof(gprev));
        gprev[0] ^= 1;
        rc_body(&b, 2, gprev, t0 + 1000, 1);
        mp_put_array(&b, 4);
        mp_put_uint(&b, 1);
        mp_put_cstr(&b, "IE");
        mp_put_uint(&b, 1);
        mp_put_bin(&b, rc_nl.pk, PROTO_KEY_BYTES);
        rc_party *s3[] = { &rc_ie, &rc_fr };
        bad = rc_change("v2-second-ie", &b, s3, 2, json_array(), NULL);
        json_object_set_new(bad, "after", json_integer(1));
        json_object_set_new(bad, "error", json_string("RN_EDUPLICATE"));
        json_object_set_new(bad, "field", json_string("roster.country"));
        json_object_set_new(bad, "index", json_integer(0));
        json_object_set_new(bad, "why", json_string("a second authority for IE"));
        json_array_append_new(invalid, bad);
        mp_buf_free(&b);

        rc_party *m[] = { &rc_ie, &rc_fr, &rc_mirror, &rc_nl };
        mp_buf_init(&r, 64 * 1024);
        json_decref(rc_members(&r, m, 4));
        json_array_append_new(rosters, jhex(r.data, r.len));
        mp_buf_free(&r);
    }

    /* Version 3: FR rotates its key, planned: signed by FR's old key and IE. Invalid: by IE and
     * NL (a quorum, but without the old key); with the mirror's signature too. */
    {
        mp_buf b, r;
        mp_buf_init(&b, 64 * 1024);
        rc_body(&b, 3, prev, t0 + 2000, 1);
        mp_put_array(&b, 3);
        mp_put_uint(&b, 4);
        mp_put_bin(&b, rc_fr.pk, PROTO_KEY_BYTES);
        mp_put_bin(&b, rc_fr2.pk, PROTO_KEY_BYTES);
        json_t *ops = json_array();
        json_array_append_new(ops, rc_op("rotate", "key", jhex(rc_fr.pk, PROTO_KEY_BYTES),
                                         "new_key", jhex(rc_fr2.pk, PROTO_KEY_BYTES)));
        rc_party *s1[] = { &rc_ie, &rc_nl };
        json_t *bad = rc_change("v3-without-old-key", &b, s1, 2, json_deep_copy(ops), NULL);
        json_object_set_new(bad, "after", json_integer(2));
        json_object_set_new(bad, "error", json_string("RN_EMISSING"));
        json_object_set_new(bad, "field", json_string("ops.key"));
        json_object_set_new(bad, "index", json_integer(1));
        json_object_set_new(bad, "why",
                            json_string("a planned rotation not signed by the old key"));
        json_array_append_new(invalid, bad);
        rc_party *s2[] = { &rc_ie, &rc_fr, &rc_mirror };
        bad = rc_change("v3-signed-by-mirror", &b, s2, 3, json_deep_copy(ops), NULL);
        json_object_set_new(bad, "after", json_integer(2));
        json_object_set_new(bad, "error", json_string("RN_EROLE"));
        json_object_set_new(bad, "field", json_string("signatures.key"));
        size_t mi = 0;
        for (size_t i = 0; i < 3; i++)
            if (s2[i] == &rc_mirror)
                mi = i + 1;
        json_object_set_new(bad, "index", json_integer((json_int_t)mi));
        json_object_set_new(bad, "why", json_string("a mirror signs no change"));
        json_array_append_new(invalid, bad);
        rc_party *s[] = { &rc_ie, &rc_fr };
        json_array_append_new(changes, rc_change("v3-fr-rotates", &b, s, 2, ops, prev));
        mp_buf_free(&b);
        rc_party *m[] = { &rc_ie, &rc_fr2, &rc_mirror, &rc_nl };
        mp_buf_init(&r, 64 * 1024);
        json_decref(rc_members(&r, m, 4));
        json_array_append_new(rosters, jhex(r.data, r.len));
        mp_buf_free(&r);
    }

    /* Version 4: NL's key is replaced as compromised, by IE and FR's new key alone; the head of
     * NL's log in `entries` stays trusted. */
    {
        mp_buf b, r;
        mp_buf_init(&b, 64 * 1024);
        rc_body(&b, 4, prev, t0 + 3000, 1);
        mp_put_array(&b, 5);
        mp_put_uint(&b, 5);
        mp_put_bin(&b, rc_nl.pk, PROTO_KEY_BYTES);
        mp_put_bin(&b, rc_nl2.pk, PROTO_KEY_BYTES);
        mp_put_uint(&b, logs[2].seq);
        mp_put_bin(&b, logs[2].head, PROTO_ID_BYTES);
        json_t *ops = json_array();
        json_t *o = rc_op("rotate-compromised", "key", jhex(rc_nl.pk, PROTO_KEY_BYTES), "new_key",
                          jhex(rc_nl2.pk, PROTO_KEY_BYTES));
        json_object_set_new(o, "last_seq", json_integer((json_int_t)logs[2].seq));
        json_object_set_new(o, "last_id", jhex(logs[2].head, PROTO_ID_BYTES));
        json_array_append_new(ops, o);
        rc_party *s[] = { &rc_ie, &rc_fr2 };
        json_array_append_new(changes, rc_change("v4-nl-compromised", &b, s, 2, ops, prev));
        mp_buf_free(&b);
        rc_party *m[] = { &rc_ie, &rc_fr2, &rc_mirror, &rc_nl2 };
        mp_buf_init(&r, 64 * 1024);
        json_decref(rc_members(&r, m, 4));
        json_array_append_new(rosters, jhex(r.data, r.len));
        mp_buf_free(&r);
    }

    /* Version 5: the mirror leaves and the quorum becomes 3, signed by all three authorities. */
    {
        mp_buf b, r;
        mp_buf_init(&b, 64 * 1024);
        rc_body(&b, 5, prev, t0 + 4000, 2);
        mp_put_array(&b, 2);
        mp_put_uint(&b, 2);
        mp_put_bin(&b, rc_mirror.pk, PROTO_KEY_BYTES);
        mp_put_array(&b, 2);
        mp_put_uint(&b, 6);
        mp_put_uint(&b, 3);
        json_t *ops = json_array();
        json_array_append_new(
            ops, rc_op("remove", "key", jhex(rc_mirror.pk, PROTO_KEY_BYTES), NULL, NULL));
        json_array_append_new(ops, rc_op("quorum", "quorum", json_integer(3), NULL, NULL));
        rc_party *s[] = { &rc_ie, &rc_fr2, &rc_nl2 };
        json_array_append_new(changes, rc_change("v5-mirror-leaves", &b, s, 3, ops, h3));
        mp_buf_free(&b);
        rc_party *m[] = { &rc_ie, &rc_fr2, &rc_nl2 };
        mp_buf_init(&r, 64 * 1024);
        json_decref(rc_members(&r, m, 3));
        json_array_append_new(rosters, jhex(r.data, r.len));
        mp_buf_free(&r);
    }
    json_object_set_new(v, "signature_domain", json_string("recnet roster change v1"));
    json_object_set_new(v, "changes", changes);
    json_object_set_new(v, "rosters", rosters);
    json_object_set_new(v, "invalid", invalid);
    return v;
}

/* ---- Checkpoints, cosignatures, witnessed bundles and signed answers (PROTOCOL.md 16, 5.5) ----
 *
 * NL's authority signs a checkpoint of the heads it holds of IE (seq 3) and FR (seq 2); IE and FR
 * cosign it as witnesses. A witnessed bundle of FR's decision about IE's spec carries it; NL signs
 * an answer. Written field by field with the MessagePack writers, as the roster chain is, so that
 * they test proto/checkpoint.c against the text; then the refusals. */

typedef struct cpv_head {
    const author *a;
    uint64_t seq;
    const uint8_t *id;
} cpv_head;

static int cmp_cpv_head(const void *x, const void *y)
{
    return memcmp(((const cpv_head *)x)->a->pk, ((const cpv_head *)y)->a->pk, PROTO_KEY_BYTES);
}

static int cmp_author_ptr(const void *x, const void *y)
{
    return memcmp((*(const author *const *)x)->pk, (*(const author *const *)y)->pk,
                  PROTO_KEY_BYTES);
}

static void be64_put(uint8_t out[8], uint64_t v)
{
    for (int i = 7; i >= 0; i--, v >>= 8)
        out[i] = (uint8_t)v;
}

/* Writes the checkpoint of `signer` at `t` over heads h[0..n) (in the order given), version
 * `version`, cosigned at t + 1000 * (i + 1) by w[0..nw) (sorted here), into `out`; its body into
 * `body` when not NULL, the body hash into `hash`. Adds the cosignatures' JSON to `cos` when not
 * NULL. */
static void cpv_write(mp_buf *out, mp_buf *body, const author *signer, uint64_t t, uint64_t version,
                      const cpv_head *h, size_t n, const author **w, size_t nw,
                      uint8_t hash[PROTO_ID_BYTES], json_t *cos)
{
    mp_buf bb;
    uint8_t msg[21 + PROTO_ID_BYTES + 8], sig[PROTO_SIG_BYTES];
    mp_buf_init(&bb, 64 * 1024);
    mp_put_array(&bb, 5);
    mp_put_uint(&bb, version);
    mp_put_bin(&bb, signer->pk, PROTO_KEY_BYTES);
    mp_put_uint(&bb, t);
    mp_put_uint(&bb, 1);
    mp_put_array(&bb, (uint32_t)n);
    for (size_t i = 0; i < n; i++) {
        mp_put_array(&bb, 3);
        mp_put_bin(&bb, h[i].a->pk, PROTO_KEY_BYTES);
        mp_put_uint(&bb, h[i].seq);
        mp_put_bin(&bb, h[i].id, PROTO_ID_BYTES);
    }
    if (mp_buf_err(&bb) != 0)
        DIE("checkpoint body not written");
    crypto_generichash(hash, PROTO_ID_BYTES, bb.data, bb.len, NULL, 0);
    memcpy(msg, "recnet checkpoint v1", 20);
    memcpy(msg + 20, hash, PROTO_ID_BYTES);
    crypto_sign_detached(sig, NULL, msg, 20 + PROTO_ID_BYTES, signer->sk);
    mp_put_array(out, 3);
    mp_buf_raw(out, bb.data, bb.len);
    mp_put_bin(out, sig, sizeof(sig));
    qsort(w, nw, sizeof(*w), cmp_author_ptr);
    mp_put_array(out, (uint32_t)nw);
    for (size_t i = 0; i < nw; i++) {
        uint64_t ct = t + 1000u * (i + 1);
        memcpy(msg, "recnet cosignature v1", 21);
        memcpy(msg + 21, hash, PROTO_ID_BYTES);
        be64_put(msg + 21 + PROTO_ID_BYTES, ct);
        crypto_sign_detached(sig, NULL, msg, sizeof(msg), w[i]->sk);
        mp_put_array(out, 3);
        mp_put_bin(out, w[i]->pk, PROTO_KEY_BYTES);
        mp_put_uint(out, ct);
        mp_put_bin(out, sig, sizeof(sig));
        if (cos != NULL) {
            json_t *o = json_object();
            json_object_set_new(o, "witness", json_string(w[i]->name));
            json_object_set_new(o, "key", jhex(w[i]->pk, PROTO_KEY_BYTES));
            json_object_set_new(o, "time", json_integer((json_int_t)ct));
            json_object_set_new(o, "signed_message", jhex(msg, sizeof(msg)));
            json_object_set_new(o, "signature", jhex(sig, sizeof(sig)));
            json_array_append_new(cos, o);
        }
    }
    if (mp_buf_err(out) != 0)
        DIE("checkpoint not written");
    if (body != NULL)
        mp_buf_raw(body, bb.data, bb.len);
    mp_buf_free(&bb);
}

/* The witnessed bundle of FR's decision (fr-1) about IE's spec (ie-2, its provider ie-1) asked at
 * `at`, with the checkpoints cps[0..n) (their bytes, sorted here). */
static void cpv_bundle(mp_buf *out, const made *ie, const made *fr, uint64_t at,
                       const mp_buf *const *cps, size_t n)
{
    const made *e[3] = { &ie[0], &ie[1], &fr[0] };
    /* Entries in (author, seq) order. */
    if (memcmp(authors[1].pk, authors[0].pk, PROTO_KEY_BYTES) < 0) {
        e[0] = &fr[0];
        e[1] = &ie[0];
        e[2] = &ie[1];
    }
    const mp_buf *c[4];
    memcpy(c, cps, n * sizeof(*c));
    for (size_t i = 1; i < n; i++)
        for (size_t j = i; j > 0; j--) {
            size_t m = c[j - 1]->len < c[j]->len ? c[j - 1]->len : c[j]->len;
            int cmp = memcmp(c[j - 1]->data, c[j]->data, m);
            if (cmp > 0 || (cmp == 0 && c[j - 1]->len > c[j]->len)) {
                const mp_buf *t = c[j];
                c[j] = c[j - 1];
                c[j - 1] = t;
            }
        }
    mp_put_array(out, 5);
    mp_put_uint(out, 2);
    mp_put_map(out, 4);
    mp_put_uint(out, 1);
    mp_put_cstr(out, "IE:uniz/mc-c012");
    mp_put_uint(out, 2);
    mp_put_cstr(out, "FR");
    mp_put_uint(out, 3);
    mp_put_uint(out, 1);
    mp_put_uint(out, 4);
    mp_put_uint(out, at);
    mp_put_map(out, 5);
    mp_put_uint(out, 1);
    mp_put_uint(out, 1); /* decision */
    mp_put_uint(out, 2);
    mp_put_uint(out, 2); /* the decision's outcome */
    mp_put_uint(out, 3);
    mp_put_bin(out, authors[1].pk, PROTO_KEY_BYTES);
    mp_put_uint(out, 4);
    mp_put_uint(out, 1);
    mp_put_uint(out, 5);
    mp_put_bool(out, false);
    mp_put_array(out, 3);
    for (size_t i = 0; i < 3; i++)
        mp_put_bin(out, e[i]->bytes, e[i]->len);
    mp_put_array(out, (uint32_t)n);
    for (size_t i = 0; i < n; i++)
        mp_put_bin(out, c[i]->data, c[i]->len);
    if (mp_buf_err(out) != 0)
        DIE("witnessed bundle not written");
}

static json_t *cpv_case(const char *name, const char *why, const char *stage, const char *error,
                        const char *field, const mp_buf *b)
{
    json_t *o = json_object();
    json_object_set_new(o, "name", json_string(name));
    json_object_set_new(o, "why", json_string(why));
    json_object_set_new(o, "stage", json_string(stage));
    json_object_set_new(o, "error", json_string(error));
    json_object_set_new(o, "field", json_string(field));
    json_object_set_new(o, "bytes", jhex(b->data, b->len));
    return o;
}

/* The witness messages of PROTOCOL.md 10.5 over the checkpoint of `cpv` (checkpoint_vector's):
 * CHECKPOINT carrying it whole, and COSIGN of its first cosignature. */
static json_t *witness_messages_vector(json_t *cpv)
{
    json_t *c = json_object_get(cpv, "checkpoint");
    const char *hx = json_string_value(json_object_get(c, "bytes"));
    size_t len = 0, cap = strlen(hx) / 2;
    uint8_t *bytes = malloc(cap);
    static proto_checkpoint cp;
    if (bytes == NULL || sodium_hex2bin(bytes, cap, hx, strlen(hx), NULL, &len, NULL) != 0 ||
        proto_checkpoint_decode(&cp, bytes, len, NULL) != 0 || cp.cosigs_n == 0)
        DIE("checkpoint bytes");
    mp_buf m;
    mp_buf_init(&m, RN_FRAME_BYTES_MAX);
    json_t *v = json_object();
    proto_msg_checkpoint(&m, bytes, len);
    json_object_set_new(v, "checkpoint_message", jhex(m.data, m.len));
    mp_buf_reset(&m);
    proto_msg_cosign(&m, cp.hash, &cp.cosigs[0]);
    json_object_set_new(v, "cosign_message", jhex(m.data, m.len));
    json_object_set_new(v, "cosign_witness", jhex(cp.cosigs[0].witness, PROTO_KEY_BYTES));
    json_object_set_new(v, "cosign_time", json_integer((json_int_t)cp.cosigs[0].time_ms));
    if (mp_buf_err(&m) != 0)
        DIE("witness messages");
    mp_buf_free(&m);
    free(bytes);
    return v;
}

static json_t *checkpoint_vector(const made *ie, const made *fr)
{
    const uint64_t t = 1764000000000ull; /* 2025-11-24T16:00:00Z */
    const author *IE = &authors[0], *FR = &authors[1], *NL = &authors[2];
    json_t *v = json_object(), *cos = json_array(), *invalid = json_array(), *heads = json_array();
    uint8_t hash[PROTO_ID_BYTES], h2[PROTO_ID_BYTES];
    cpv_head h[2] = { { IE, 3, ie[2].id }, { FR, 2, fr[1].id } };
    qsort(h, 2, sizeof(h[0]), cmp_cpv_head);
    for (size_t i = 0; i < 2; i++) {
        json_t *o = json_object();
        json_object_set_new(o, "author", json_string(h[i].a->name));
        json_object_set_new(o, "key", jhex(h[i].a->pk, PROTO_KEY_BYTES));
        json_object_set_new(o, "seq", json_integer((json_int_t)h[i].seq));
        json_object_set_new(o, "id", jhex(h[i].id, PROTO_ID_BYTES));
        json_array_append_new(heads, o);
    }

    /* The checkpoint. */
    mp_buf cp, body;
    mp_buf_init(&cp, 64 * 1024);
    mp_buf_init(&body, 64 * 1024);
    const author *w2[] = { IE, FR };
    cpv_write(&cp, &body, NL, t, 1, h, 2, w2, 2, hash, cos);
    uint8_t msg[20 + PROTO_ID_BYTES];
    memcpy(msg, "recnet checkpoint v1", 20);
    memcpy(msg + 20, hash, PROTO_ID_BYTES);
    json_t *c = json_object();
    json_object_set_new(c, "signer", json_string("NL"));
    json_object_set_new(c, "time", json_integer((json_int_t)t));
    json_object_set_new(c, "roster_version", json_integer(1));
    json_object_set_new(c, "heads", heads);
    json_object_set_new(c, "body", jhex(body.data, body.len));
    json_object_set_new(c, "body_hash", jhex(hash, PROTO_ID_BYTES));
    json_object_set_new(c, "signed_message", jhex(msg, sizeof(msg)));
    json_object_set_new(c, "signature", jhex(cp.data + 1 + body.len + 2, PROTO_SIG_BYTES));
    json_object_set_new(c, "cosignatures", cos);
    json_object_set_new(c, "bytes", jhex(cp.data, cp.len));
    json_object_set_new(v, "checkpoint", c);

    /* The witnessed bundle, asked at t + 1 minute. */
    mp_buf wb;
    mp_buf_init(&wb, 256 * 1024);
    const mp_buf *one[] = { &cp };
    cpv_bundle(&wb, ie, fr, t + 60000u, one, 1);
    json_t *bv = json_object();
    json_object_set_new(bv, "bytes", jhex(wb.data, wb.len));
    json_object_set_new(bv, "witnesses", json_integer(2));
    json_object_set_new(bv, "freshness", json_integer((json_int_t)t));
    json_object_set_new(v, "witnessed_bundle", bv);
    mp_buf_free(&wb);

    /* The signed answer: NL's answer {"method": "recognise", "outcome": "partial"}. */
    {
        mp_buf ans, head, sa;
        uint8_t amsg[16 + PROTO_ID_BYTES], sig[PROTO_SIG_BYTES];
        mp_buf_init(&ans, 1024);
        mp_put_map(&ans, 2);
        mp_put_cstr(&ans, "method");
        mp_put_cstr(&ans, "recognise");
        mp_put_cstr(&ans, "outcome");
        mp_put_cstr(&ans, "partial");
        mp_buf_init(&head, 4096);
        mp_put_array(&head, 4);
        mp_put_uint(&head, 1);
        mp_put_bin(&head, NL->pk, PROTO_KEY_BYTES);
        mp_put_uint(&head, t);
        mp_put_bin(&head, ans.data, ans.len);
        memcpy(amsg, "recnet answer v1", 16);
        crypto_generichash(amsg + 16, PROTO_ID_BYTES, head.data, head.len, NULL, 0);
        crypto_sign_detached(sig, NULL, amsg, sizeof(amsg), NL->sk);
        mp_buf_init(&sa, 4096);
        mp_put_array(&sa, 5);
        mp_buf_raw(&sa, head.data + 1, head.len - 1);
        mp_put_bin(&sa, sig, sizeof(sig));
        json_t *a = json_object();
        json_object_set_new(a, "signer", json_string("NL"));
        json_object_set_new(a, "time", json_integer((json_int_t)t));
        json_object_set_new(a, "answer", jhex(ans.data, ans.len));
        json_object_set_new(a, "signed_array", jhex(head.data, head.len));
        json_object_set_new(a, "signed_message", jhex(amsg, sizeof(amsg)));
        json_object_set_new(a, "signature", jhex(sig, sizeof(sig)));
        json_object_set_new(a, "bytes", jhex(sa.data, sa.len));
        json_object_set_new(v, "signed_answer", a);
        sa.data[sa.len - 1] ^= 1;
        json_array_append_new(invalid, cpv_case("answer-bad-signature", "one bit flipped", "answer",
                                                "RN_ESIG", "answer.signature", &sa));
        mp_buf_free(&ans);
        mp_buf_free(&head);
        mp_buf_free(&sa);
    }

    /* Refused checkpoints. */
    mp_buf b;
    mp_buf_init(&b, 64 * 1024);
    {
        const author *w3[] = { IE, FR, NL };
        cpv_write(&b, NULL, NL, t, 1, h, 2, w3, 3, h2, NULL);
        json_array_append_new(invalid, cpv_case("signer-cosigns",
                                                "the signer is never its own "
                                                "witness",
                                                "decode", "RN_EINCONSISTENT",
                                                "checkpoint.cosignatures.witness", &b));
    }
    mp_buf_reset(&b);
    {
        cpv_head swapped[2] = { h[1], h[0] };
        cpv_write(&b, NULL, NL, t, 1, swapped, 2, w2, 2, h2, NULL);
        json_array_append_new(
            invalid, cpv_case("heads-out-of-order", "heads are in strictly ascending author order",
                              "decode", "RN_EFIELDORDER", "checkpoint.heads.author", &b));
    }
    mp_buf_reset(&b);
    cpv_write(&b, NULL, NL, t, 2, h, 2, w2, 2, h2, NULL);
    json_array_append_new(invalid, cpv_case("version-2", "only version 1 exists", "decode",
                                            "RN_EVERSION", "checkpoint.version", &b));
    mp_buf_reset(&b);
    {
        cpv_head zero[2] = { h[0], h[1] };
        zero[0].seq = 0;
        cpv_write(&b, NULL, NL, t, 1, zero, 2, w2, 2, h2, NULL);
        json_array_append_new(invalid, cpv_case("seq-0", "a head's seq is 1 or more", "decode",
                                                "RN_ESEQ", "checkpoint.heads.seq", &b));
    }
    mp_buf_reset(&b);
    mp_buf_raw(&b, cp.data, cp.len);
    mp_put_nil(&b);
    json_array_append_new(invalid, cpv_case("trailing-byte", "nothing follows the cosignatures",
                                            "decode", "RN_ETRAILING", "checkpoint", &b));
    mp_buf_reset(&b);
    mp_buf_raw(&b, cp.data, cp.len);
    b.data[b.len - 1] ^= 1;
    json_array_append_new(invalid,
                          cpv_case("bad-cosignature",
                                   "one bit of the last cosignature "
                                   "flipped",
                                   "verify", "RN_ESIG", "checkpoint.cosignatures.sig", &b));
    mp_buf_reset(&b);
    mp_buf_raw(&b, cp.data, cp.len);
    b.data[1 + body.len + 2] ^= 1;
    json_array_append_new(invalid, cpv_case("bad-signature",
                                            "one bit of the signer's signature "
                                            "flipped",
                                            "verify", "RN_ESIG", "checkpoint.signature", &b));

    /* Refused witnessed bundles. */
    {
        mp_buf c2, wb2;
        mp_buf_init(&c2, 64 * 1024);
        mp_buf_init(&wb2, 256 * 1024);
        const mp_buf *x[] = { &c2 };
        cpv_head below[2] = { h[0], h[1] };
        for (size_t i = 0; i < 2; i++)
            if (below[i].a == IE)
                below[i] = (cpv_head){ IE, 1, ie[0].id };
        cpv_write(&c2, NULL, NL, t, 1, below, 2, w2, 2, h2, NULL);
        cpv_bundle(&wb2, ie, fr, t + 60000u, x, 1);
        json_array_append_new(invalid, cpv_case("bundle-head-below-entry",
                                                "IE's head is seq 1, the bundle holds IE's seq 2",
                                                "bundle", "RN_EWITNESS", "witness.heads", &wb2));
        mp_buf_reset(&c2);
        mp_buf_reset(&wb2);
        for (size_t i = 0; i < 2; i++)
            if (below[i].a == IE)
                below[i] = (cpv_head){ IE, 2, ie[2].id };
        cpv_write(&c2, NULL, NL, t, 1, below, 2, w2, 2, h2, NULL);
        cpv_bundle(&wb2, ie, fr, t + 60000u, x, 1);
        json_array_append_new(invalid, cpv_case("bundle-same-seq-other-id",
                                                "the checkpoint holds another entry at IE's seq 2",
                                                "bundle", "RN_EFORK", "witness.id", &wb2));
        mp_buf_reset(&c2);
        mp_buf_reset(&wb2);
        const author *w1[] = { IE };
        cpv_write(&c2, NULL, NL, t, 1, h, 2, w1, 1, h2, NULL);
        cpv_bundle(&wb2, ie, fr, t + 60000u, x, 1);
        json_array_append_new(invalid, cpv_case("bundle-one-witness",
                                                "one witness where the verifier asks two", "bundle",
                                                "RN_EWITNESS", "witness.cosignatures", &wb2));
        mp_buf_free(&c2);
        mp_buf_free(&wb2);
    }
    json_object_set_new(v, "signature_tags",
                        json_pack("{s:s, s:s, s:s, s:s}", "checkpoint", "recnet checkpoint v1",
                                  "cosignature", "recnet cosignature v1", "answer",
                                  "recnet answer v1", "answer_json", "recnet answer json v1"));
    json_object_set_new(v, "invalid", invalid);
    mp_buf_free(&b);
    mp_buf_free(&cp);
    mp_buf_free(&body);
    return v;
}

int main(int argc, char **argv)
{
    const char *out_path = NULL, *check_path = NULL;
    if (argc == 3 && strcmp(argv[1], "--check") == 0)
        check_path = argv[2];
    else if (argc == 2)
        out_path = argv[1];
    else if (argc != 1)
        DIE("usage: gen_vectors [OUTPUT.json] | --check FILE");
    if (randombytes_set_implementation(&fixed_rng) != 0 || sodium_init() < 0)
        DIE("libsodium failed to initialise");

    json_t *keys = json_array();
    for (size_t i = 0; i < 3; i++) {
        char label[64];
        snprintf(label, sizeof(label), "recnet test vector authority %s", authors[i].name);
        seed_from_label(label, authors[i].seed);
        crypto_sign_seed_keypair(authors[i].pk, authors[i].sk, authors[i].seed);
        json_t *k = json_object();
        json_object_set_new(k, "country", json_string(authors[i].name));
        json_object_set_new(k, "role", json_string("authority"));
        json_object_set_new(k, "seed_label", json_string(label));
        json_object_set_new(k, "seed", jhex(authors[i].seed, 32));
        json_object_set_new(k, "public", jhex(authors[i].pk, 32));
        json_array_append_new(keys, k);
    }
    {
        author *a = &authors[3];
        seed_from_label(FR_ROTATED_LABEL, a->seed);
        crypto_sign_seed_keypair(a->pk, a->sk, a->seed);
        json_t *k = json_object();
        json_object_set_new(k, "country", json_string(a->name));
        json_object_set_new(k, "role", json_string("authority"));
        json_object_set_new(k, "seed_label", json_string(FR_ROTATED_LABEL));
        json_object_set_new(k, "seed", jhex(a->seed, 32));
        json_object_set_new(k, "public", jhex(a->pk, 32));
        json_object_set_new(k, "successor_of", jhex(authors[1].pk, 32));
        json_array_append_new(keys, k);
    }
    uint8_t iseed[32];
    seed_from_label("recnet test vector issuer IE:uniz", iseed);
    crypto_sign_seed_keypair(issuer_pk, issuer_sk, iseed);

    valid_list = json_array();
    invalid_list = json_array();
    run_list = json_array();
    fork_list = json_array();

    char *ipk = hex(issuer_pk, 32);
    snprintf(ie_provider, sizeof(ie_provider),
             "{\"1\":\"IE:uniz\",\"2\":\"University of Zed\",\"3\":\"IE\",\"4\":\"654321\","
             "\"5\":1,\"6\":\"Quality and Qualifications Ireland\","
             "\"7\":[[{\"bin\":\"%s\"},1704067200000,null]],\"8\":1,\"9\":\"https://uniz.edu\"}",
             ipk);
    free(ipk);
    snprintf(nl_provider, sizeof(nl_provider),
             "{\"1\":\"NL:42NB\",\"2\":\"Naboo Theed University\",\"3\":\"NL\",\"4\":\"42NB\","
             "\"5\":1,\"6\":\"NVAO\",\"8\":1}");
    uint8_t digest[32];
    seed_from_label("recnet test vector credential urn:credential:3ef0ac26", digest);
    char *dh = hex(digest, 32);
    snprintf(ie_revocation, sizeof(ie_revocation),
             "{\"1\":{\"bin\":\"%s\"},\"2\":\"IE:uniz\",\"3\":1,\"4\":1717200000000}", dh);
    free(dh);
    seed_from_label("recnet test vector credential urn:uuid:42nb-status-94567", digest);
    dh = hex(digest, 32);
    snprintf(nl_revocation_index, sizeof(nl_revocation_index),
             "{\"1\":{\"bin\":\"%s\"},\"2\":\"NL:42NB\",\"3\":3,\"4\":1763700005000,"
             "\"5\":94567}",
             dh);
    free(dh);

    made ie[3], fr[2], nl[6];
    add_valid("ie-1-provider", 0, 1763596800000ull, PROTO_KIND_PROVIDER, ie_provider, &ie[0]);
    add_valid("ie-2-spec", 0, 1763596801000ull, PROTO_KIND_SPEC, IE_SPEC, &ie[1]);
    add_valid("ie-3-revocation", 0, 1763596802000ull, PROTO_KIND_REVOCATION, ie_revocation, &ie[2]);
    add_valid("fr-1-decision", 1, 1763600000000ull, PROTO_KIND_DECISION, FR_DECISION, &fr[0]);
    add_valid("fr-2-policy", 1, 1763600001000ull, PROTO_KIND_POLICY, FR_POLICY, &fr[1]);
    add_valid("nl-1-provider", 2, 1763700000000ull, PROTO_KIND_PROVIDER, nl_provider, &nl[0]);
    add_valid("nl-2-spec", 2, 1763700001000ull, PROTO_KIND_SPEC, NL_SPEC, &nl[1]);
    add_valid("nl-3-pathway", 2, 1763700002000ull, PROTO_KIND_PATHWAY, NL_PATHWAY, &nl[2]);
    /* Second record forms, appended so that the entries above keep their bytes and ids. */
    add_valid("nl-4-provider-keys", 2, 1763700003000ull, PROTO_KIND_PROVIDER, NL_PROVIDER_KEYS,
              &nl[3]);
    add_valid("nl-5-spec-source", 2, 1763700004000ull, PROTO_KIND_SPEC, NL_SPEC_SOURCE, &nl[4]);
    memcpy(frame_logs, logs, sizeof(logs));
    add_valid("nl-6-revocation-index", 2, 1763700005000ull, PROTO_KIND_REVOCATION,
              nl_revocation_index, &nl[5]);

    /* The governed roster (it names NL's head as the last trusted entry of its compromised key),
     * then its version 3 as FR's roster entry (kind 7, FR's approval) and the succession (kind 8)
     * that opens the log of FR's new key, keeping FR's entries 1 to 3. */
    json_t *roster_chain = roster_chain_vector();
    made fr3, fr2_1;
    {
        char json[9216], *doc = hex(rc_v3_doc, rc_v3_doc_len);
        snprintf(json, sizeof(json), "{\"1\":{\"bin\":\"%s\"}}", doc);
        free(doc);
        add_valid("fr-3-roster", 1, 1767225602000ull, PROTO_KIND_ROSTER, json, &fr3);
        char *pk = hex(authors[1].pk, 32), *id = hex(fr3.id, 32);
        snprintf(json, sizeof(json), "{\"1\":{\"bin\":\"%s\"},\"2\":3,\"3\":{\"bin\":\"%s\"}}", pk,
                 id);
        free(pk);
        free(id);
        add_valid("fr2-1-succession", 3, 1767225603000ull, PROTO_KIND_SUCCESSION, json, &fr2_1);
    }

    /* ---- Invalid entries ---- */
    const author *IE = &authors[0];
    uint8_t body[4096], f[8192];
    size_t blen = body_of(ie_provider, body, sizeof(body));
    const uint8_t v1[] = { 0x01 }, v2[] = { 0x02 }, s1[] = { 0x01 }, s1_long[] = { 0xcc, 0x01 },
                  s2[] = { 0x02 }, nil[] = { 0xc0 }, k1[] = { 0x01 }, k9[] = { 0x09 },
                  ts[] = { 0xcf, 0x00, 0x00, 0x01, 0x9a, 0xa1, 0xb2, 0x4c, 0x00 },
                  f64[] = { 0xcb, 0x42, 0x79, 0xaa, 0x1b, 0x24, 0xc0, 0x00, 0x00 },
                  arr0[] = { 0x90 };
    uint8_t prev[34] = { 0xc4, 32 };
    memcpy(prev + 2, ie[0].id, 32);
    made m;
    size_t n;

    n = fields(f, IE, v1, 1, s1_long, 2, nil, 1, ts, sizeof(ts), k1, 1, body, blen);
    sign_raw(IE, 8, f, n, &m);
    add_invalid("seq-not-canonical", "seq 1 written as uint8 (cc 01) instead of fixint 01",
                "decode", "RN_ENONCANON", "entry.seq", "IE", &m);
    n = fields(f, IE, v2, 1, s1, 1, nil, 1, ts, sizeof(ts), k1, 1, body, blen);
    sign_raw(IE, 8, f, n, &m);
    add_invalid("version-2", "only version 1 exists", "decode", "RN_EVERSION", "entry.version",
                "IE", &m);
    n = fields(f, IE, v1, 1, s1, 1, prev, 34, ts, sizeof(ts), k1, 1, body, blen);
    sign_raw(IE, 8, f, n, &m);
    add_invalid("prev-at-seq-1", "the first entry of a log has a nil prev", "decode", "RN_EPREV",
                "entry.prev", "IE", &m);
    n = fields(f, IE, v1, 1, s2, 1, nil, 1, ts, sizeof(ts), k1, 1, body, blen);
    sign_raw(IE, 8, f, n, &m);
    add_invalid("no-prev-at-seq-2", "every entry after the first names its predecessor", "decode",
                "RN_EPREV", "entry.prev", "IE", &m);
    n = fields(f, IE, v1, 1, s1, 1, nil, 1, f64, sizeof(f64), k1, 1, body, blen);
    sign_raw(IE, 8, f, n, &m);
    add_invalid("float-timestamp", "timestamps are unsigned integers, never floats", "decode",
                "RN_EMALFORMED", "entry.timestamp", "IE", &m);
    n = fields(f, IE, v1, 1, s1, 1, nil, 1, ts, sizeof(ts), k9, 1, body, blen);
    sign_raw(IE, 8, f, n, &m);
    add_invalid("kind-9", "kinds are 1 to 8", "decode", "RN_EKIND", "entry.kind", "IE", &m);
    n = fields(f, IE, v1, 1, s1, 1, nil, 1, ts, sizeof(ts), k1, 1, arr0, 1);
    memcpy(f + n, body, blen); /* keep the entry above its minimum size */
    n += blen;
    sign_raw(IE, 9, f, n, &m);
    add_invalid("nine-fields", "an entry has exactly 8 fields", "decode", "RN_ECOUNT", "entry",
                "IE", &m);

    m = ie[0];
    m.bytes[m.len++] = 0xc0;
    add_invalid("trailing-byte", "nothing may follow the signature", "decode", "RN_ETRAILING",
                "entry", "IE", &m);
    m = ie[0];
    m.len -= 1;
    add_invalid("truncated", "the signature is one byte short", "decode", "RN_ETRUNCATED",
                "entry.signature", "IE", &m);
    m = ie[1];
    m.bytes[m.len - 1] ^= 0x01;
    add_invalid("bad-signature", "one bit of the signature flipped", "verify", "RN_ESIG",
                "entry.signature", "IE", &m);
    m = ie[1];
    {
        /* Change the first letter of the title "Digital micro-credential creation". */
        size_t at = 0;
        while (at + 7 <= m.len && memcmp(m.bytes + at, "Digital", 7) != 0)
            at++;
        if (at + 7 > m.len)
            DIE("title not found");
        m.bytes[at] = 'd';
    }
    add_invalid("tampered-body", "the title changed after signing", "verify", "RN_ESIG",
                "entry.signature", "IE", &m);

    for (size_t i = 0; i < sizeof(bad_bodies) / sizeof(bad_bodies[0]); i++) {
        const bad_body *bb = &bad_bodies[i];
        const author *a = &authors[bb->ai];
        signed_with_body(a, 1, NULL, bb->kind, bb->json, &m);
        add_invalid(bb->name, bb->why, bb->stage, bb->error, bb->field, a->name, &m);
    }
    /* Roster and succession records (3.13, 3.14). */
    {
        char json[9216], *x;
        uint8_t unsigned_doc[4096];
        /* Version 3 of the chain without its signatures: [body, []]. */
        unsigned_doc[0] = 0x92;
        memcpy(unsigned_doc + 1, rc_v3_body, rc_v3_body_len);
        unsigned_doc[1 + rc_v3_body_len] = 0x90;
        x = hex(unsigned_doc, rc_v3_body_len + 2);
        snprintf(json, sizeof(json), "{\"1\":{\"bin\":\"%s\"}}", x);
        free(x);
        signed_with_body(&authors[1], 1, NULL, PROTO_KIND_ROSTER, json, &m);
        add_invalid("roster-change-unsigned",
                    "a roster entry is its author's approval: the change carries a signature",
                    "record", "RN_EINCONSISTENT", "roster.change", "FR", &m);
        signed_with_body(&authors[1], 1, NULL, PROTO_KIND_ROSTER, "{\"1\":{\"bin\":\"00\"}}", &m);
        add_invalid("roster-change-not-a-change", "the byte string is not a change document",
                    "record", "RN_ETYPE", "roster.change", "FR", &m);
        x = hex(authors[1].pk, 32);
        snprintf(json, sizeof(json), "{\"1\":{\"bin\":\"%s\"},\"2\":0,\"3\":{\"bin\":\"%s\"}}", x,
                 V_DIGEST_HEX);
        signed_with_body(&authors[3], 1, NULL, PROTO_KIND_SUCCESSION, json, &m);
        add_invalid("succession-last-id-without-seq",
                    "last_id names the last kept entry: it is present exactly when last_seq > 0",
                    "record", "RN_EINCONSISTENT", "succession.last_id", "FR", &m);
        snprintf(json, sizeof(json), "{\"1\":{\"bin\":\"%s\"},\"2\":9007199254740992}", x);
        signed_with_body(&authors[3], 1, NULL, PROTO_KIND_SUCCESSION, json, &m);
        add_invalid("succession-last-seq-2p53", "a sequence number is at most 2^53 - 1", "record",
                    "RN_ESEQ", "succession.last_seq", "FR", &m);
        free(x);
        signed_with_body(&authors[3], 1, NULL, PROTO_KIND_SUCCESSION,
                         "{\"1\":{\"bin\":\"00000000000000000000000000000000"
                         "00000000000000000000000000000000\"},\"2\":0}",
                         &m);
        add_invalid("succession-predecessor-not-a-key",
                    "the predecessor is an Ed25519 public key (32 zero bytes are of small order)",
                    "record", "RN_EKEY", "succession.predecessor", "FR", &m);
    }

    /* ---- Runs ---- */
    json_t *r = json_object();
    json_t *list = json_array();
    for (int i = 0; i < 3; i++)
        json_array_append_new(list, jhex(ie[i].bytes, ie[i].len));
    json_object_set_new(r, "name", json_string("ie-1-to-3"));
    json_object_set_new(r, "head", json_null());
    json_object_set_new(r, "entries", list);
    json_object_set_new(r, "error", json_null());
    json_array_append_new(run_list, r);

    /* The same run with entry 2 replaced by another, validly signed entry 2: the link from
     * entry 3 breaks. */
    made alt;
    blen = body_of(IE_SPEC, body, sizeof(body));
    sign_entry(IE, 2, ie[0].id, 1763596801500ull, PROTO_KIND_SPEC, body, blen, &alt);
    r = json_object();
    list = json_array();
    json_array_append_new(list, jhex(ie[0].bytes, ie[0].len));
    json_array_append_new(list, jhex(alt.bytes, alt.len));
    json_array_append_new(list, jhex(ie[2].bytes, ie[2].len));
    json_object_set_new(r, "name", json_string("ie-broken-link"));
    json_object_set_new(r, "head", json_null());
    json_object_set_new(r, "entries", list);
    json_object_set_new(r, "error", json_string("RN_EPREV"));
    json_object_set_new(r, "error_index", json_integer(3));
    json_array_append_new(run_list, r);

    /* A run from seq 2 on that names the head it builds on. */
    r = json_object();
    list = json_array();
    json_array_append_new(list, jhex(nl[1].bytes, nl[1].len));
    json_array_append_new(list, jhex(nl[2].bytes, nl[2].len));
    json_object_set_new(r, "name", json_string("nl-2-to-3-after-head"));
    json_object_set_new(r, "head", jhex(nl[0].id, 32));
    json_object_set_new(r, "entries", list);
    json_object_set_new(r, "error", json_null());
    json_array_append_new(run_list, r);

    /* IE's entries 1 to 3 with garbage in place of the signatures of entries 1 and 2, relinked
     * (entry 2 names the garbled entry 1's id, entry 3 the garbled entry 2's): the run verifies
     * (links and the last signature), yet entries 1 and 2 fail per-entry verification. A node
     * may accept the run but never end a run it sends, nor a proof bundle, on them; verifying
     * them is evidence that IE published unsigned entries (PROTOCOL.md section 2, "Anchors"). */
    {
        static const struct {
            uint64_t ts;
            int kind;
        } um[3] = { { 1763596800000ull, PROTO_KIND_PROVIDER },
                    { 1763596801000ull, PROTO_KIND_SPEC },
                    { 1763596802000ull, PROTO_KIND_REVOCATION } };
        const char *bodies[3] = { ie_provider, IE_SPEC, ie_revocation };
        made g[3];
        r = json_object();
        list = json_array();
        for (int i = 0; i < 3; i++) {
            blen = body_of(bodies[i], body, sizeof(body));
            sign_entry(IE, (uint64_t)i + 1, i == 0 ? NULL : g[i - 1].id, um[i].ts, um[i].kind, body,
                       blen, &g[i]);
            if (i < 2) {
                memset(g[i].bytes + g[i].len - 64, 0x5a, 64); /* the signature: garbage */
                proto_entry_id(g[i].bytes, g[i].len, g[i].id);
            }
            json_array_append_new(list, jhex(g[i].bytes, g[i].len));
        }
        json_t *unsigned_list = json_array();
        json_array_append_new(unsigned_list, json_integer(1));
        json_array_append_new(unsigned_list, json_integer(2));
        json_object_set_new(r, "name", json_string("ie-unsigned-middle"));
        json_object_set_new(r, "head", json_null());
        json_object_set_new(r, "entries", list);
        json_object_set_new(r, "error", json_null());
        json_object_set_new(r, "unsigned", unsigned_list);
        json_array_append_new(run_list, r);
    }

    /* ---- A fork: the IE authority signs a second entry 2 ---- */
    json_t *fk = json_object();
    json_object_set_new(fk, "name", json_string("ie-fork-at-2"));
    json_object_set_new(fk, "author", jhex(IE->pk, 32));
    json_object_set_new(fk, "seq", json_integer(2));
    json_object_set_new(fk, "a", jhex(ie[1].bytes, ie[1].len));
    json_object_set_new(fk, "b", jhex(alt.bytes, alt.len));
    json_object_set_new(fk, "a_id", jhex(ie[1].id, 32));
    json_object_set_new(fk, "b_id", jhex(alt.id, 32));
    json_array_append_new(fork_list, fk);

    json_t *root = json_object();
    json_object_set_new(root, "description",
                        json_string("recnet test vectors (proto/PROTOCOL.md section 7). Generated "
                                    "by tests/vectors/gen_vectors.c; do not edit by hand."));
    json_object_set_new(root, "format_version", json_integer(RN_ENTRY_VERSION));
    json_object_set_new(root, "signature_tag", json_string(PROTO_ENTRY_SIG_TAG));
    json_object_set_new(root, "keys", keys);
    json_object_set_new(root, "issuer_key_IE_uniz", jhex(issuer_pk, 32));
    {
        /* The 32-byte ids of the keys of nl-4-provider-keys (PROTOCOL.md 3.4): SHA-256 of each
         * key's text; for the JWK, its RFC 7638 thumbprint. */
        static proto_record pr;
        json_t *ids = json_array();
        size_t plen = body_of(NL_PROVIDER_KEYS, body, sizeof(body));
        if (proto_record_decode(&pr, PROTO_KIND_PROVIDER, body, plen, NULL) != 0)
            DIE("nl-4-provider-keys does not decode");
        for (uint32_t i = 0; i < pr.u.provider.issuer_keys_ext_n; i++) {
            const proto_issuer_key_ext *k = &pr.u.provider.issuer_keys_ext[i];
            uint8_t id[PROTO_DIGEST_BYTES];
            json_t *o = json_object();
            proto_issuer_key_ext_id(k, id);
            json_object_set_new(o, "form",
                                json_string(proto_enum_value_name(PROTO_ENUM_KEY_FORM, k->form)));
            json_object_set_new(o, "key", json_stringn((const char *)k->key.ptr, k->key.len));
            json_object_set_new(o, "id", jhex(id, sizeof(id)));
            json_array_append_new(ids, o);
        }
        json_object_set_new(root, "issuer_key_ext_ids", ids);
    }
    json_object_set_new(root, "entries", valid_list);
    json_object_set_new(root, "invalid", invalid_list);
    json_object_set_new(root, "runs", run_list);
    json_object_set_new(root, "forks", fork_list);
    json_object_set_new(root, "handshake", handshake_vector());
    json_object_set_new(root, "json_credential_digest", json_credential_digest_vector());
    json_object_set_new(root, "roster_chain", roster_chain);
    json_t *cpv = checkpoint_vector(ie, fr);
    json_object_set_new(root, "checkpoint", cpv);
    json_object_set_new(root, "witness_messages", witness_messages_vector(cpv));

    char *text = json_dumps(root, JSON_INDENT(1) | JSON_PRESERVE_ORDER);
    json_decref(root);
    if (text == NULL)
        DIE("cannot serialise");
    size_t tlen = strlen(text);
    int rc = 0;
    if (check_path != NULL) {
        FILE *fp = fopen(check_path, "rb");
        if (fp == NULL)
            DIE("cannot open %s", check_path);
        char *have = malloc(tlen + 2);
        size_t got = fread(have, 1, tlen + 2, fp);
        fclose(fp);
        if (got != tlen + 1 || memcmp(have, text, tlen) != 0 || have[tlen] != '\n') {
            fprintf(stderr,
                    "gen_vectors: %s differs from what the generator writes; "
                    "regenerate it with `make vectors`\n",
                    check_path);
            rc = 1;
        }
        free(have);
    } else {
        FILE *fp = out_path != NULL ? fopen(out_path, "wb") : stdout;
        if (fp == NULL)
            DIE("cannot open %s", out_path);
        fwrite(text, 1, tlen, fp);
        fputc('\n', fp);
        if (fp != stdout && fclose(fp) != 0)
            DIE("cannot write %s", out_path);
    }
    free(text);
    return rc;
}
