/*
 * keys.c: the builders of keys.h: every index key an entry implies (index_keys) and the prefixes
 * the readers seek. The layouts are documented in store.h and keys.h.
 */
#include "store/keys.h"

/* Starts the next key of keys[] in index `db`; its value is the entry's location if `has_loc`. */
static index_key *kb_start(index_key *keys, size_t *n, enum store_db db, bool has_loc)
{
    index_key *k = &keys[(*n)++];
    k->db = db;
    k->len = 0;
    k->has_loc = has_loc;
    return k;
}

static void kb_bytes(index_key *k, const void *p, size_t n)
{
    RN_ASSERT(k->len + n <= INDEX_KEY_MAX);
    memcpy(k->key + k->len, p, n);
    k->len += n;
}

static void kb_str(index_key *k, proto_str s)
{
    kb_bytes(k, s.ptr, s.len);
}

static void kb_byte(index_key *k, uint8_t b)
{
    kb_bytes(k, &b, 1);
}

static void kb_be64(index_key *k, uint64_t v)
{
    uint8_t b[8];
    put_be64(b, v);
    kb_bytes(k, b, 8);
}

size_t index_keys(const proto_entry *e, const proto_record *r, const char *country, index_key *keys)
{
    size_t n = 0;
    if (!proto_kind_is_registry(r->kind)) /* roster and succession entries index nothing */
        return 0;
    index_key *k = kb_start(keys, &n, STORE_DB_VERSIONS, true);
    kb_byte(k, (uint8_t)r->kind);
    if (r->kind == PROTO_KIND_REVOCATION) {
        kb_bytes(k, r->u.revocation.credential, PROTO_DIGEST_BYTES);
        kb_str(k, r->u.revocation.provider);
    } else {
        kb_str(k, proto_record_id(r));
    }
    kb_byte(k, 0);
    kb_be64(k, e->timestamp_ms);
    kb_be64(k, e->seq);

    switch (r->kind) {
    case PROTO_KIND_DECISION: {
        const proto_decision *dec = &r->u.decision;
        k = kb_start(keys, &n, STORE_DB_DEC_SPEC, true);
        kb_str(k, dec->spec);
        kb_byte(k, 0);
        kb_bytes(k, country, 2);
        kb_be64(k, e->timestamp_ms);
        kb_be64(k, e->seq);
        if (dec->supersedes.len > 0) {
            k = kb_start(keys, &n, STORE_DB_SUPERSEDED, true);
            kb_str(k, dec->supersedes);
            kb_byte(k, 0);
            kb_be64(k, e->timestamp_ms);
            kb_be64(k, e->seq);
        }
        break;
    }
    case PROTO_KIND_SPEC: {
        const proto_spec *sp = &r->u.spec;
        k = kb_start(keys, &n, STORE_DB_SPEC_PROV, false);
        kb_str(k, sp->provider);
        kb_byte(k, 0);
        kb_str(k, sp->id);
        k = kb_start(keys, &n, STORE_DB_SPEC_ISCED, false);
        kb_str(k, sp->isced);
        kb_byte(k, 0);
        kb_str(k, sp->id);
        break;
    }
    case PROTO_KIND_PROVIDER: {
        const proto_provider *pv = &r->u.provider;
        for (uint32_t i = 0; i < pv->issuer_keys_n; i++) {
            k = kb_start(keys, &n, STORE_DB_ISSUER, false);
            kb_bytes(k, pv->issuer_keys[i].key, PROTO_KEY_BYTES);
            kb_str(k, pv->id);
        }
        /* Keys of the later forms by their 32-byte id (SHA-256 of the key text). */
        for (uint32_t i = 0; i < pv->issuer_keys_ext_n; i++) {
            uint8_t kid[PROTO_DIGEST_BYTES];
            proto_issuer_key_ext_id(&pv->issuer_keys_ext[i], kid);
            k = kb_start(keys, &n, STORE_DB_ISSUER, false);
            kb_bytes(k, kid, sizeof(kid));
            kb_str(k, pv->id);
        }
        break;
    }
    case PROTO_KIND_POLICY:
    case PROTO_KIND_PATHWAY:
    case PROTO_KIND_REVOCATION:
        break;
    default:
        RN_ASSERT(!"unknown record kind");
    }
    RN_ASSERT(n <= INDEX_KEYS_MAX);
    return n;
}

size_t key_versions_prefix(uint8_t *out, proto_kind kind, const uint8_t *rid, size_t rid_len)
{
    if (1u + rid_len + 1u + KEY_TS_SEQ > INDEX_KEY_MAX)
        return 0;
    out[0] = (uint8_t)kind;
    memcpy(out + 1, rid, rid_len);
    out[1 + rid_len] = 0;
    return rid_len + 2u;
}

size_t key_kind_country(uint8_t *out, proto_kind kind, const char country[2])
{
    out[0] = (uint8_t)kind;
    out[1] = (uint8_t)country[0];
    out[2] = (uint8_t)country[1];
    out[3] = ':';
    return 4;
}

size_t key_dec_spec_prefix(uint8_t *out, proto_str spec, const char country[2])
{
    if (spec.len + 3u + KEY_TS_SEQ > INDEX_KEY_MAX)
        return 0;
    memcpy(out, spec.ptr, spec.len);
    out[spec.len] = 0;
    memcpy(out + spec.len + 1, country, 2);
    return spec.len + 3u;
}

size_t key_id_prefix(uint8_t *out, proto_str id)
{
    if (id.len + 1u > INDEX_KEY_MAX)
        return 0;
    memcpy(out, id.ptr, id.len);
    out[id.len] = 0;
    return id.len + 1u;
}
