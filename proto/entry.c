/*
 * entry.c: encode, strictly decode, identify, sign and verify log entries.
 *
 * This is the hottest code of a catch-up: every received entry is decoded and hashed once, and a
 * run of up to RN_RUN_ENTRIES_MAX entries costs one Ed25519 verification. Decoding is zero-copy
 * through the strict cursor of mp.h; hashing streams the bytes through BLAKE2b without copying.
 */
#include "entry.h"

#include <string.h>

#include <sodium.h>

#include "mp.h"

/* The entry is an 8-element array; the signed content is the same array without its signature. */
#define ENTRY_FIELDS      8u
#define ENTRY_SIG_ENCODED (2u + PROTO_SIG_BYTES) /* bin8 header and 64 bytes */

const char *proto_kind_name(int kind)
{
    switch (kind) {
#define PROTO_X_NAME(name, num, str)                                                               \
    case num:                                                                                      \
        return str;
        PROTO_KIND_MAP(PROTO_X_NAME)
#undef PROTO_X_NAME
    default:
        return NULL;
    }
}

int proto_kind_parse(const char *name)
{
#define PROTO_X_PARSE(kname, num, str)                                                             \
    if (strcmp(name, str) == 0)                                                                    \
        return num;
    PROTO_KIND_MAP(PROTO_X_PARSE)
#undef PROTO_X_PARSE
    return RN_EKIND;
}

void proto_entry_id(const uint8_t *buf, size_t len, uint8_t id[PROTO_ID_BYTES])
{
    crypto_generichash(id, PROTO_ID_BYTES, buf, len, NULL, 0);
}

/* BLAKE2b-256 of the entry without its signature: a 7-element array header, then every field
 * but the last. `bytes` is a complete canonical entry, so its header is the single byte 0x98 and
 * its signature the last ENTRY_SIG_ENCODED bytes. */
static void sig_hash(const uint8_t *bytes, size_t len, uint8_t h[32])
{
    static const uint8_t hdr = 0x90 | (ENTRY_FIELDS - 1);
    crypto_generichash_state st;
    crypto_generichash_init(&st, NULL, 0, 32);
    crypto_generichash_update(&st, &hdr, 1);
    crypto_generichash_update(&st, bytes + 1, len - 1 - ENTRY_SIG_ENCODED);
    crypto_generichash_final(&st, h, 32);
}

static void sig_message(const uint8_t *bytes, size_t len, uint8_t msg[PROTO_ENTRY_SIG_TAG_LEN + 32])
{
    memcpy(msg, PROTO_ENTRY_SIG_TAG, PROTO_ENTRY_SIG_TAG_LEN);
    sig_hash(bytes, len, msg + PROTO_ENTRY_SIG_TAG_LEN);
}

/* Reads field `name` with `expr`, mapping the cursor's error to the field. */

/* The strict decoder, and with walk_body false the outline decoder (entry.h): the body is then
 * the bytes between the kind and the trailing signature, which must open a map, instead of being
 * walked to its end. */
static int entry_decode(proto_entry *e, const uint8_t *buf, size_t len, rn_diag *d, bool walk_body)
{
    mp_cur c;
    uint32_t n;
    uint64_t v;
    const uint8_t *body_start;

    if (len > RN_ENTRY_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "entry");
    if (len < RN_ENTRY_BYTES_MIN)
        return rn_fail(d, RN_ETRUNCATED, "entry");
    mp_cur_init(&c, buf, len);

    RN_FIELD(d, mp_read_array(&c, &n), "entry");
    if (n != ENTRY_FIELDS)
        return rn_fail(d, RN_ECOUNT, "entry");

    RN_FIELD(d, mp_read_uint(&c, &v), "entry.version");
    if (v != RN_ENTRY_VERSION)
        return rn_fail(d, RN_EVERSION, "entry.version");

    RN_FIELD(d, mp_read_bin_exact(&c, &e->author, PROTO_KEY_BYTES), "entry.author");

    RN_FIELD(d, mp_read_uint(&c, &e->seq), "entry.seq");
    if (e->seq == 0 || e->seq > RN_SEQ_MAX)
        return rn_fail(d, RN_ESEQ, "entry.seq");

    if (mp_peek(&c) == MP_NIL) {
        RN_FIELD(d, mp_read_nil(&c), "entry.prev");
        e->prev = NULL;
    } else {
        RN_FIELD(d, mp_read_bin_exact(&c, &e->prev, PROTO_ID_BYTES), "entry.prev");
    }
    if ((e->seq == 1) != (e->prev == NULL))
        return rn_fail(d, RN_EPREV, "entry.prev");

    RN_FIELD(d, mp_read_uint(&c, &e->timestamp_ms), "entry.timestamp");
    if (e->timestamp_ms > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "entry.timestamp");

    RN_FIELD(d, mp_read_uint(&c, &v), "entry.kind");
    if (v < PROTO_KIND_MIN || v > PROTO_KIND_MAX)
        return rn_fail(d, RN_EKIND, "entry.kind");
    e->kind = (proto_kind)v;

    if (mp_peek(&c) != MP_MAP)
        return rn_fail(d, mp_peek(&c) == MP_NONE ? RN_ETRUNCATED : RN_ETYPE, "entry.body");
    body_start = c.p;
    if (!walk_body) {
        const uint8_t *sig = buf + len - ENTRY_SIG_ENCODED;
        if (body_start >= sig || sig[0] != 0xc4 || sig[1] != PROTO_SIG_BYTES)
            return RN_EMALFORMED;
        e->body = body_start;
        e->body_len = (size_t)(sig - body_start);
        e->sig = sig + 2;
        e->bytes = buf;
        e->len = len;
        return 0;
    }
    RN_FIELD(d, mp_skip(&c), "entry.body");
    e->body = body_start;
    e->body_len = (size_t)(c.p - body_start);

    RN_FIELD(d, mp_read_bin_exact(&c, &e->sig, PROTO_SIG_BYTES), "entry.signature");
    if (c.p != c.end)
        return rn_fail(d, RN_ETRAILING, "entry");

    e->bytes = buf;
    e->len = len;
    return 0;
}

int proto_entry_decode(proto_entry *e, const uint8_t *buf, size_t len, rn_diag *d)
{
    return entry_decode(e, buf, len, d, true);
}

int proto_entry_decode_outline(proto_entry *e, const uint8_t *buf, size_t len)
{
    int rc = entry_decode(e, buf, len, NULL, false);
    return rc == 0 ? 0 : RN_EMALFORMED;
}

int proto_entry_decode_known(proto_entry *e, const uint8_t *buf, size_t len)
{
    mp_cur c;
    uint32_t n;
    uint64_t v;

    if (len < RN_ENTRY_BYTES_MIN || len > RN_ENTRY_BYTES_MAX ||
        buf[len - ENTRY_SIG_ENCODED] != 0xc4 || buf[len - ENTRY_SIG_ENCODED + 1] != PROTO_SIG_BYTES)
        return RN_EMALFORMED;
    mp_cur_init(&c, buf, len - ENTRY_SIG_ENCODED);
    if (mp_read_array(&c, &n) != 0 || n != ENTRY_FIELDS || mp_read_uint(&c, &v) != 0 ||
        mp_read_bin_exact(&c, &e->author, PROTO_KEY_BYTES) != 0 || mp_read_uint(&c, &e->seq) != 0)
        return RN_EMALFORMED;
    if (mp_peek(&c) == MP_NIL) {
        if (mp_read_nil(&c) != 0)
            return RN_EMALFORMED;
        e->prev = NULL;
    } else if (mp_read_bin_exact(&c, &e->prev, PROTO_ID_BYTES) != 0) {
        return RN_EMALFORMED;
    }
    if (mp_read_uint(&c, &e->timestamp_ms) != 0 || mp_read_uint(&c, &v) != 0 ||
        v < PROTO_KIND_MIN || v > PROTO_KIND_MAX || mp_peek(&c) != MP_MAP)
        return RN_EMALFORMED;
    e->kind = (proto_kind)v;
    e->body = c.p;
    e->body_len = (size_t)(c.end - c.p);
    e->sig = buf + len - PROTO_SIG_BYTES;
    e->bytes = buf;
    e->len = len;
    return 0;
}

int proto_entry_verify(const proto_entry *e)
{
    uint8_t msg[PROTO_ENTRY_SIG_TAG_LEN + 32];
    sig_message(e->bytes, e->len, msg);
    if (crypto_sign_verify_detached(e->sig, msg, sizeof(msg), e->author) != 0)
        return RN_ESIG;
    return 0;
}

int proto_entry_run_verify(const proto_entry *run, size_t n, const uint8_t *head_id,
                           uint8_t (*ids)[PROTO_ID_BYTES], rn_diag *d)
{
    uint8_t prev_id[PROTO_ID_BYTES];

    if (n == 0 || n > RN_RUN_ENTRIES_MAX)
        return rn_fail(d, RN_EINVAL, "run");
    if (head_id != NULL &&
        (run[0].prev == NULL || sodium_memcmp(run[0].prev, head_id, PROTO_ID_BYTES) != 0)) {
        rn_fail(d, RN_EPREV, "entry.prev");
        if (d != NULL)
            d->index = 1;
        return RN_EPREV;
    }
    for (size_t i = 0; i < n; i++) {
        const proto_entry *e = &run[i];
        int rc = 0;
        const char *field = NULL;
        if (i > 0) {
            const proto_entry *p = &run[i - 1];
            if (memcmp(e->author, p->author, PROTO_KEY_BYTES) != 0) {
                rc = RN_EAUTHOR;
                field = "entry.author";
            } else if (e->seq != p->seq + 1) {
                rc = RN_ESEQ;
                field = "entry.seq";
            } else if (e->timestamp_ms < p->timestamp_ms) {
                rc = RN_ETIME;
                field = "entry.timestamp";
            } else if (e->prev == NULL || memcmp(e->prev, prev_id, PROTO_ID_BYTES) != 0) {
                rc = RN_EPREV;
                field = "entry.prev";
            }
        }
        if (rc < 0) {
            rn_fail(d, rc, field);
            if (d != NULL)
                d->index = (unsigned)(i + 1);
            return rc;
        }
        proto_entry_id(e->bytes, e->len, prev_id);
        if (ids != NULL)
            memcpy(ids[i], prev_id, PROTO_ID_BYTES);
    }
    if (proto_entry_verify(&run[n - 1]) != 0) {
        rn_fail(d, RN_ESIG, "entry.signature");
        if (d != NULL)
            d->index = (unsigned)n;
        return RN_ESIG;
    }
    return 0;
}

int proto_entry_sign(const proto_entry_draft *dr, const uint8_t sk[PROTO_SK_BYTES], uint8_t *out,
                     size_t cap, size_t *out_len)
{
    mp_buf b;
    mp_cur c;
    int rc = 0;
    uint8_t msg[PROTO_ENTRY_SIG_TAG_LEN + 32];
    uint8_t sig[PROTO_SIG_BYTES];
    proto_entry check;

    if (dr->seq == 0 || dr->seq > RN_SEQ_MAX || (dr->seq == 1) != (dr->prev == NULL) ||
        dr->timestamp_ms > RN_TIME_MS_MAX || proto_kind_name((int)dr->kind) == NULL ||
        dr->body == NULL || dr->body_len == 0)
        return RN_EINVAL;
    mp_cur_init(&c, dr->body, dr->body_len);
    if (mp_peek(&c) != MP_MAP || mp_skip(&c) != 0 || c.p != c.end)
        return RN_EINVAL;

    mp_buf_init(&b, cap < RN_ENTRY_BYTES_MAX ? cap : RN_ENTRY_BYTES_MAX);
    mp_put_array(&b, ENTRY_FIELDS);
    mp_put_uint(&b, RN_ENTRY_VERSION);
    mp_put_bin(&b, sk + 32, PROTO_KEY_BYTES);
    mp_put_uint(&b, dr->seq);
    if (dr->prev == NULL)
        mp_put_nil(&b);
    else
        mp_put_bin(&b, dr->prev, PROTO_ID_BYTES);
    mp_put_uint(&b, dr->timestamp_ms);
    mp_put_uint(&b, (uint64_t)dr->kind);
    mp_buf_raw(&b, dr->body, dr->body_len);
    /* Reserve the signature's place so that the size check covers the whole entry. */
    memset(sig, 0, sizeof(sig));
    mp_put_bin(&b, sig, sizeof(sig));
    RN_GUARD(rc, mp_buf_err(&b));

    sig_message(b.data, b.len, msg);
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
    memcpy(b.data + b.len - PROTO_SIG_BYTES, sig, PROTO_SIG_BYTES);

    /* Pair assertion: what we sign must decode and verify as any reader would. */
    RN_ASSERT(proto_entry_decode(&check, b.data, b.len, NULL) == 0);
    RN_ASSERT(proto_entry_verify(&check) == 0);

    memcpy(out, b.data, b.len);
    *out_len = b.len;
out:
    mp_buf_free(&b);
    return rc;
}
