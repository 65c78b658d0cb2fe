/*
 * credential.c: the issued-credential envelope of credential.h: holder references, signing,
 * strict decoding and verification.
 *
 * The signed message and the digest are one hash: H(the 6-element array of every field but the
 * signature). Signing encodes that array first, hashes it, signs the tag and the hash, then writes
 * the 7-element envelope; decoding recomputes the hash from the envelope's own bytes (a canonical
 * envelope's fields are the same bytes as the unsigned array's, after a different array header),
 * so a decoded credential never needs to be re-encoded to be checked.
 */
#include "credential.h"

#include <string.h>

#include <sodium.h>

#include "key.h"

/* Envelope fields, in order; the names are the diagnostic's. */
enum { F_VERSION, F_SPEC, F_HOLDER, F_ISSUED_AT, F_GRADE, F_ISSUER_KEY, F_SIG, F_COUNT };

/* The header of a fixarray of n elements. */
#define FIXARRAY(n) ((uint8_t)(0x90u + (n)))

int proto_credential_holder(const uint8_t *salt, size_t salt_len, const uint8_t *id, size_t id_len,
                            uint8_t out[PROTO_HOLDER_BYTES])
{
    if (salt == NULL || salt_len < PROTO_HOLDER_SALT_BYTES_MIN ||
        salt_len > PROTO_HOLDER_SALT_BYTES_MAX || id == NULL || id_len == 0 ||
        id_len > PROTO_HOLDER_ID_BYTES_MAX)
        return RN_EINVAL;
    static_assert(PROTO_HOLDER_SALT_BYTES_MAX <= crypto_generichash_KEYBYTES_MAX,
                  "a salt is a BLAKE2b key");
    static_assert(PROTO_HOLDER_SALT_BYTES_MIN >= crypto_generichash_KEYBYTES_MIN,
                  "a salt is a BLAKE2b key");
    crypto_generichash(out, PROTO_HOLDER_BYTES, id, id_len, salt, salt_len);
    return 0;
}

/* H(0x96 || fields): the digest of the unsigned array whose elements are fields[0..len). */
static void digest_of(const uint8_t *fields, size_t len, uint8_t out[PROTO_DIGEST_BYTES])
{
    crypto_generichash_state st;
    const uint8_t header = FIXARRAY(F_COUNT - 1);
    crypto_generichash_init(&st, NULL, 0, PROTO_DIGEST_BYTES);
    crypto_generichash_update(&st, &header, 1);
    crypto_generichash_update(&st, fields, len);
    crypto_generichash_final(&st, out, PROTO_DIGEST_BYTES);
}

/* The message an issuer signs: the tag followed by the digest. */
static void sig_message(const uint8_t digest[PROTO_DIGEST_BYTES],
                        uint8_t msg[PROTO_CREDENTIAL_SIG_TAG_LEN + PROTO_DIGEST_BYTES])
{
    memcpy(msg, PROTO_CREDENTIAL_SIG_TAG, PROTO_CREDENTIAL_SIG_TAG_LEN);
    memcpy(msg + PROTO_CREDENTIAL_SIG_TAG_LEN, digest, PROTO_DIGEST_BYTES);
}

static int check_grade(const uint8_t *s, size_t len, rn_diag *d)
{
    if (len == 0 || len > PROTO_CREDENTIAL_GRADE_BYTES_MAX)
        return rn_fail(d, RN_ELEN, "credential.grade");
    if (!mp_utf8_valid(s, len))
        return rn_fail(d, RN_EUTF8, "credential.grade");
    return 0;
}

int proto_credential_decode(proto_credential *c, const uint8_t *buf, size_t len, rn_diag *d)
{
    mp_cur cur;
    uint32_t n, slen;
    uint64_t version;
    const uint8_t *s;
    int rc;

    memset(c, 0, sizeof(*c));
    if (len > PROTO_CREDENTIAL_BYTES_MAX)
        return rn_fail(d, RN_ETOOBIG, "credential");
    mp_cur_init(&cur, buf, len);
    if ((rc = mp_read_array(&cur, &n)) < 0)
        return rn_fail(d, rc, "credential");
    if (n != F_COUNT)
        return rn_fail(d, RN_ECOUNT, "credential");
    /* A canonical 7-element array has the one-byte header 0x97: the fields start at buf + 1. */
    RN_ASSERT(cur.p == buf + 1);

    if ((rc = mp_read_uint(&cur, &version)) < 0)
        return rn_fail(d, rc, "credential.version");
    if (version != PROTO_CREDENTIAL_VERSION)
        return rn_fail(d, RN_EVERSION, "credential.version");

    if ((rc = mp_read_str(&cur, &s, &slen)) < 0)
        return rn_fail(d, rc, "credential.spec");
    if ((rc = proto_id_check(s, slen)) < 0)
        return rn_fail(d, rc, "credential.spec");
    c->spec = (proto_str){ s, slen };

    if ((rc = mp_read_bin_exact(&cur, &c->holder, PROTO_HOLDER_BYTES)) < 0)
        return rn_fail(d, rc, "credential.holder");

    if ((rc = mp_read_uint(&cur, &c->issued_at_ms)) < 0)
        return rn_fail(d, rc, "credential.issued_at");
    if (c->issued_at_ms > RN_TIME_MS_MAX)
        return rn_fail(d, RN_ETIME, "credential.issued_at");

    if (mp_peek(&cur) == MP_NIL) {
        if ((rc = mp_read_nil(&cur)) < 0)
            return rn_fail(d, rc, "credential.grade");
    } else {
        if ((rc = mp_read_str(&cur, &s, &slen)) < 0)
            return rn_fail(d, rc, "credential.grade");
        RN_TRY(check_grade(s, slen, d));
        c->grade = (proto_str){ s, slen };
    }

    if ((rc = mp_read_bin_exact(&cur, &c->issuer_key, PROTO_KEY_BYTES)) < 0)
        return rn_fail(d, rc, "credential.issuer_key");
    /* As a provider's issuer keys: any other 32 bytes can never verify the signature. */
    if (!crypto_core_ed25519_is_valid_point(c->issuer_key))
        return rn_fail(d, RN_EKEY, "credential.issuer_key");

    const uint8_t *fields_end = cur.p;
    if ((rc = mp_read_bin_exact(&cur, &c->sig, PROTO_SIG_BYTES)) < 0)
        return rn_fail(d, rc, "credential.signature");
    if (mp_cur_left(&cur) != 0)
        return rn_fail(d, RN_ETRAILING, "credential");

    digest_of(buf + 1, (size_t)(fields_end - (buf + 1)), c->digest);
    return 0;
}

int proto_credential_verify(const proto_credential *c)
{
    uint8_t msg[PROTO_CREDENTIAL_SIG_TAG_LEN + PROTO_DIGEST_BYTES];
    if (c->sig == NULL || c->issuer_key == NULL)
        return RN_ESIG;
    sig_message(c->digest, msg);
    if (crypto_sign_verify_detached(c->sig, msg, sizeof(msg), c->issuer_key) != 0)
        return RN_ESIG;
    return 0;
}

/* Writes the six unsigned fields (no array header). */
static void put_fields(mp_buf *b, const proto_credential *c)
{
    mp_put_uint(b, PROTO_CREDENTIAL_VERSION);
    mp_put_str(b, c->spec.ptr, c->spec.len);
    mp_put_bin(b, c->holder, PROTO_HOLDER_BYTES);
    mp_put_uint(b, c->issued_at_ms);
    if (c->grade.len > 0)
        mp_put_str(b, c->grade.ptr, c->grade.len);
    else
        mp_put_nil(b);
    mp_put_bin(b, c->issuer_key, PROTO_KEY_BYTES);
}

int proto_credential_sign(proto_credential *c, const uint8_t sk[PROTO_SK_BYTES], mp_buf *out)
{
    uint8_t msg[PROTO_CREDENTIAL_SIG_TAG_LEN + PROTO_DIGEST_BYTES];
    uint8_t sig[PROTO_SIG_BYTES];
    mp_buf fields;
    size_t start = out->len;
    int start_err = out->err, rc;

    c->sig = NULL;
    if (c->issuer_key == NULL || c->holder == NULL ||
        memcmp(c->issuer_key, sk + PROTO_SEED_BYTES, PROTO_KEY_BYTES) != 0)
        return RN_EINVAL;
    RN_TRY(proto_id_check(c->spec.ptr, c->spec.len));
    if (c->issued_at_ms > RN_TIME_MS_MAX)
        return RN_ETIME;
    if (c->grade.len > 0)
        RN_TRY(check_grade(c->grade.ptr, c->grade.len, NULL));

    mp_buf_init(&fields, PROTO_CREDENTIAL_BYTES_MAX);
    put_fields(&fields, c);
    if ((rc = mp_buf_err(&fields)) != 0) {
        mp_buf_free(&fields);
        return rc;
    }
    digest_of(fields.data, fields.len, c->digest);
    sig_message(c->digest, msg);
    crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);

    const uint8_t header = FIXARRAY(F_COUNT);
    mp_buf_raw(out, &header, 1);
    mp_buf_raw(out, fields.data, fields.len);
    mp_put_bin(out, sig, sizeof(sig));
    mp_buf_free(&fields);
    if ((rc = mp_buf_err(out)) != 0) {
        out->len = start;
        out->err = start_err;
        return rc;
    }

    /* Pair assertion: what goes out decodes to the same credential and verifies. */
    proto_credential back;
    RN_ASSERT(proto_credential_decode(&back, out->data + start, out->len - start, NULL) == 0);
    RN_ASSERT(memcmp(back.digest, c->digest, PROTO_DIGEST_BYTES) == 0);
    RN_ASSERT(proto_credential_verify(&back) == 0);
    return 0;
}
